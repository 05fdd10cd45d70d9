#include "sim/backbone.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace l2vpn::sim {

namespace {
constexpr unsigned kLinkRing = 1024;
constexpr unsigned kAccessRing = 4096;

void drain(rte_ring* r) {
  void* m;
  while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
}
}  // namespace

Result<std::unique_ptr<Backbone>> Backbone::build(const cp::Topology& topo,
                                                  const cp::NetworkState& state, dp::Rcu& rcu,
                                                  uint64_t seed) {
  std::unique_ptr<Backbone> b(new Backbone(rcu));
  b->topo_ = &topo;
  for (auto& r : topo.routers) {
    auto router = std::make_unique<dp::Router>(r.name, rcu, 1);
    b->by_name_[r.name] = router.get();
    b->routers_.push_back(std::move(router));
  }
  for (uint32_t i = 0; i < topo.links.size(); ++i) {
    auto& l = topo.links[i];
    EmulatedLink e;
    e.link = i;
    for (auto [ring, name] : {std::pair{&e.a_tx, l.a + ">"}, {&e.a_rx, l.a + "<"}, {&e.b_tx, l.b + ">"},
                              {&e.b_rx, l.b + "<"}}) {
      auto r = dp::make_ring(name, kLinkRing);
      if (!r) return r.error();
      *ring = std::move(*r);
    }
    auto* ra = b->by_name_.at(l.a);
    auto* rb = b->by_name_.at(l.b);
    ra->set_port_io(ra->add_port(l.a_port), 0, std::make_unique<dp::RingPortIo>(e.a_rx.get(), e.a_tx.get()));
    rb->set_port_io(rb->add_port(l.b_port), 0, std::make_unique<dp::RingPortIo>(e.b_rx.get(), e.b_tx.get()));
    LinkParams p;
    p.delay_us = l.delay_us;
    p.rate_bps = l.bandwidth_bps;
    // Queue: about 1 ms of the link's rate, at least 64 KiB.
    p.queue_bytes = std::max<uint64_t>(64 * 1024, l.bandwidth_bps / 8 / 1000);
    e.a_to_b = std::make_unique<LinkDirection>(e.a_tx.get(), e.b_rx.get(), p, seed * 1000003 + 2 * i);
    e.b_to_a = std::make_unique<LinkDirection>(e.b_tx.get(), e.a_rx.get(), p, seed * 1000003 + 2 * i + 1);
    b->links_.push_back(std::move(e));
  }
  for (auto& s : topo.sites) {
    auto key = std::make_pair(s.pe, s.port);
    if (b->access_.count(key)) continue;
    auto to = dp::make_ring(fmt::format("{}:{}<", s.pe, s.port), kAccessRing);
    auto from = dp::make_ring(fmt::format("{}:{}>", s.pe, s.port), kAccessRing);
    if (!to) return to.error();
    if (!from) return from.error();
    auto* r = b->by_name_.at(s.pe);
    r->set_port_io(r->add_port(s.port), 0, std::make_unique<dp::RingPortIo>(to->get(), from->get()));
    b->access_[key] = AccessPort{s.pe, s.port, std::move(*to), std::move(*from)};
  }
  if (auto st = b->apply(state); !st) return st.error();
  return b;
}

Backbone::~Backbone() {
  routers_.clear();
  for (auto& l : links_) {
    l.a_to_b.reset();
    l.b_to_a.reset();
    for (auto* r : {l.a_tx.get(), l.a_rx.get(), l.b_tx.get(), l.b_rx.get()}) drain(r);
  }
  for (auto& [k, a] : access_) {
    drain(a.to_pe.get());
    drain(a.from_pe.get());
  }
}

Status Backbone::apply(const cp::NetworkState& state) {
  for (auto& r : routers_) {
    auto* fs = state.router(r->name());
    if (!fs) continue;  // a router that is down keeps its last tables; its links are down
    if (auto st = r->update(*fs); !st) return st;
  }
  return Status::success();
}

void Backbone::set_link_ports_up(uint32_t link, bool up) {
  auto& l = topo_->links.at(link);
  auto* ra = by_name_.at(l.a);
  auto* rb = by_name_.at(l.b);
  ra->set_port_up(uint16_t(ra->port_index(l.a_port)), up);
  rb->set_port_up(uint16_t(rb->port_index(l.b_port)), up);
}

void Backbone::set_link_up(uint32_t link, bool up) {
  set_link_ports_up(link, up);
  links_.at(link).a_to_b->set_up(up, now_ns_);
  links_.at(link).b_to_a->set_up(up, now_ns_);
}

void Backbone::set_router_up(const std::string& router, bool up) {
  for (uint32_t i = 0; i < topo_->links.size(); ++i)
    if (topo_->links[i].a == router || topo_->links[i].b == router) set_link_up(i, up);
}

unsigned Backbone::settle() {
  unsigned rounds = 0;
  for (;;) {
    ++rounds;
    unsigned moved = 0;
    for (auto& r : routers_) {
      unsigned n = r->poll(0);
      packet_hops_ += n;
      moved += n;
    }
    for (auto& l : links_) {
      moved += l.a_to_b->ingest(now_ns_) + l.b_to_a->ingest(now_ns_);
      moved += l.a_to_b->deliver(now_ns_) + l.b_to_a->deliver(now_ns_);
    }
    if (!moved) break;
  }
  for (auto& r : routers_) r->reclaim();
  return rounds;
}

uint64_t Backbone::next_arrival() const {
  uint64_t t = UINT64_MAX;
  for (auto& l : links_) t = std::min({t, l.a_to_b->next_arrival(), l.b_to_a->next_arrival()});
  return t;
}

void Backbone::advance_to(uint64_t t) {
  settle();
  for (uint64_t next; (next = next_arrival()) <= t;) {
    now_ns_ = std::max(now_ns_, next);
    settle();
  }
  now_ns_ = std::max(now_ns_, t);
  settle();
}

unsigned Backbone::run_until_idle(uint64_t max_ns) {
  unsigned rounds = settle();
  const uint64_t end = now_ns_ + max_ns;
  for (uint64_t next; (next = next_arrival()) != UINT64_MAX && next <= end;) {
    now_ns_ = std::max(now_ns_, next);
    rounds += settle();
  }
  return rounds;
}

AccessPort* Backbone::access_port(const std::string& pe, const std::string& port) {
  auto it = access_.find({pe, port});
  return it == access_.end() ? nullptr : &it->second;
}

dp::Router* Backbone::router(const std::string& name) {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

}  // namespace l2vpn::sim
