#include "sim/backbone.hpp"

#include <fmt/format.h>

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
                                                  const cp::NetworkState& state, dp::Rcu& rcu) {
  std::unique_ptr<Backbone> b(new Backbone(rcu));
  b->topo_ = &topo;
  for (auto& r : topo.routers) {
    auto router = std::make_unique<dp::Router>(r.name, rcu, 1);
    b->by_name_[r.name] = router.get();
    b->routers_.push_back(std::move(router));
  }
  for (uint32_t i = 0; i < topo.links.size(); ++i) {
    auto& l = topo.links[i];
    auto ab = dp::make_ring(fmt::format("{}>{}", l.a, l.b), kLinkRing);
    auto ba = dp::make_ring(fmt::format("{}>{}", l.b, l.a), kLinkRing);
    if (!ab) return ab.error();
    if (!ba) return ba.error();
    auto* ra = b->by_name_.at(l.a);
    auto* rb = b->by_name_.at(l.b);
    ra->set_port_io(ra->add_port(l.a_port), 0, std::make_unique<dp::RingPortIo>(ba->get(), ab->get()));
    rb->set_port_io(rb->add_port(l.b_port), 0, std::make_unique<dp::RingPortIo>(ab->get(), ba->get()));
    b->links_.push_back({i, std::move(*ab), std::move(*ba)});
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
    drain(l.a_to_b.get());
    drain(l.b_to_a.get());
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

void Backbone::set_link_up(uint32_t link, bool up) {
  auto& l = topo_->links.at(link);
  auto* ra = by_name_.at(l.a);
  auto* rb = by_name_.at(l.b);
  ra->set_port_up(uint16_t(ra->port_index(l.a_port)), up);
  rb->set_port_up(uint16_t(rb->port_index(l.b_port)), up);
}

unsigned Backbone::poll_round() {
  unsigned moved = 0;
  for (auto& r : routers_) {
    moved += r->poll(0);
    r->reclaim();
  }
  return moved;
}

unsigned Backbone::run_until_idle(unsigned max_rounds) {
  unsigned rounds = 0;
  while (rounds < max_rounds) {
    ++rounds;
    if (poll_round() == 0) break;
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
