#include "sim/backbone.hpp"

#include <fmt/format.h>
#include <rte_errno.h>

#include <algorithm>

#include "controlplane/yaml_loader.hpp"
#include "dataplane/tables.hpp"

namespace l2vpn::sim {

// What `topo` accepts, the routers hold (docs/topology-format.md).
static_assert(cp::kMaxVplsMembersPerPe == dp::kMaxBridgeMembers);

namespace {
constexpr unsigned kAccessRing = 4096;

void drain(rte_ring* r) {
  void* m;
  while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
}
}  // namespace

// A router's port on a link: what the router sends goes onto the wire at
// once (serializer, queue, loss, delay), from the instant being run (every
// frame of a run without windows has that time), or is held for the
// window's end and serialized in time order; what arrived is taken from the
// far direction's delay line. The backbone itself does not call rx_burst
// (it takes frames in run_routers); Router::poll would.
class Backbone::LinkIo final : public dp::PortIo {
 public:
  LinkIo(Backbone& bb, uint32_t out_id, uint32_t in_id)
      : bb_(bb), out_(bb.direction_slow(out_id)), in_(bb.direction_slow(in_id)), out_id_(out_id) {}
  uint16_t rx_burst(rte_mbuf** pkts, uint16_t n) override { return uint16_t(in_->take(pkts, n, true)); }
  uint16_t tx_burst(rte_mbuf** pkts, uint16_t n) override {
    if (bb_.windows_on_) {
      if (!out_->holding()) bb_.held_.push_back(out_id_);
      for (uint16_t i = 0; i < n; ++i) out_->hold(pkts[i]);
      return n;
    }
    const bool idle = !out_->in_flight();
    const uint64_t t = bb_.now_ns_;
    for (uint16_t i = 0; i < n; ++i) out_->send(pkts[i], t);
    bb_.on_wire(out_id_, idle);
    return n;
  }
  std::string describe() const override { return "emulated link"; }

 private:
  Backbone& bb_;
  LinkDirection* out_;
  LinkDirection* in_;
  uint32_t out_id_;
};

// A PE's port on the host side: hosts enqueue on to_pe, the PE sends to
// from_pe. Frames leaving to a host get the time of the instant being run
// (hosts read a frame's receive time from it; without windows the backbone
// writes no frame time on the way, with windows every frame has its own).
class Backbone::AccessIo final : public dp::PortIo {
 public:
  AccessIo(Backbone& bb, AccessPort* ap) : bb_(bb), ap_(ap), rx_(ap->to_pe.get()), tx_(ap->from_pe.get()) {}
  uint16_t rx_burst(rte_mbuf** pkts, uint16_t n) override {
    return uint16_t(rte_ring_dequeue_burst(rx_, reinterpret_cast<void**>(pkts), n, nullptr));
  }
  uint16_t tx_burst(rte_mbuf** pkts, uint16_t n) override {
    if (!bb_.windows_on_)
      for (uint16_t i = 0; i < n; ++i) set_frame_time(pkts[i], bb_.now_ns_);
    const auto sent = uint16_t(rte_ring_enqueue_burst(tx_, reinterpret_cast<void**>(pkts), n, nullptr));
    if (sent && !ap_->out_listed) {
      ap_->out_listed = true;
      bb_.access_out_.push_back(ap_);
    }
    return sent;
  }
  std::string describe() const override { return "emulated hosts"; }

 private:
  Backbone& bb_;
  AccessPort* ap_;
  rte_ring* rx_;
  rte_ring* tx_;
};

Result<std::unique_ptr<Backbone>> Backbone::build(const cp::Topology& topo,
                                                  const cp::NetworkState& state, dp::Rcu& rcu,
                                                  uint64_t seed, const RealPortMap& real_ports) {
  if (register_frame_time() < 0)
    return Error{fmt::format("cannot register the mbuf field for frame times: {}",
                             rte_strerror(rte_errno))};
  std::unique_ptr<Backbone> b(new Backbone(rcu));
  b->topo_ = &topo;
  std::map<std::string, uint32_t> index;
  for (auto& r : topo.routers) {
    auto router = std::make_unique<dp::Router>(r.name, rcu, 1);
    index[r.name] = uint32_t(b->routers_.size());
    b->by_name_[r.name] = router.get();
    b->routers_.push_back(std::move(router));
  }
  b->work_.resize(b->routers_.size());
  b->queued_.assign(b->routers_.size(), 0);
  b->pending_.assign(b->routers_.size(), 0);
  for (uint32_t i = 0; i < topo.links.size(); ++i) {
    auto& l = topo.links[i];
    EmulatedLink e;
    e.link = i;
    auto* ra = b->by_name_.at(l.a);
    auto* rb = b->by_name_.at(l.b);
    const uint16_t pa = ra->add_port(l.a_port), pb = rb->add_port(l.b_port);
    LinkParams p;
    p.delay_us = l.delay_us;
    p.rate_bps = l.bandwidth_bps;
    // Queue: about 1 ms of the link's rate, at least 64 KiB.
    p.queue_bytes = std::max<uint64_t>(64 * 1024, l.bandwidth_bps / 8 / 1000);
    e.a_to_b = std::make_unique<LinkDirection>(nullptr, nullptr, p, seed * 1000003 + 2 * i);
    e.b_to_a = std::make_unique<LinkDirection>(nullptr, nullptr, p, seed * 1000003 + 2 * i + 1);
    const uint32_t ia = index.at(l.a), ib = index.at(l.b);
    auto& wa = b->work_[ia];
    auto& wb = b->work_[ib];
    b->receiver_.push_back({ib, uint32_t(wb.rx.size())});  // direction 2i: a->b
    b->receiver_.push_back({ia, uint32_t(wa.rx.size())});  // direction 2i+1: b->a
    wa.rx.push_back({e.b_to_a.get(), nullptr, pa});
    wb.rx.push_back({e.a_to_b.get(), nullptr, pb});
    wa.out.push_back(2 * i);
    wb.out.push_back(2 * i + 1);
    b->links_.push_back(std::move(e));
    ra->set_port_io(pa, 0, std::make_unique<LinkIo>(*b, 2 * i, 2 * i + 1));
    rb->set_port_io(pb, 0, std::make_unique<LinkIo>(*b, 2 * i + 1, 2 * i));
  }
  for (auto& s : topo.sites) {
    auto key = std::make_pair(s.pe, s.port);
    if (b->access_.count(key)) continue;
    if (auto rp = real_ports.find(key); rp != real_ports.end()) {
      // Bound to a real interface: the ethdev instead of the host rings.
      bool seen = false;
      for (auto& r : b->real_) seen |= r.pe == s.pe && r.port == s.port;
      if (seen) continue;
      auto* r = b->by_name_.at(s.pe);
      const uint16_t port = r->add_port(s.port);
      auto io = std::make_unique<dp::EthdevPortIo>(rp->second, 0);
      b->real_.push_back(RealPort{s.pe, s.port, rp->second, index.at(s.pe), port, io.get()});
      r->set_port_io(port, 0, std::move(io));
      continue;
    }
    auto to = dp::make_ring(fmt::format("{}:{}<", s.pe, s.port), kAccessRing);
    auto from = dp::make_ring(fmt::format("{}:{}>", s.pe, s.port), kAccessRing);
    if (!to) return to.error();
    if (!from) return from.error();
    auto* r = b->by_name_.at(s.pe);
    const uint16_t port = r->add_port(s.port);
    rte_ring* to_ring = to->get();
    // A std::map node: the port's address is stable for the AccessIo.
    AccessPort& ap = b->access_[key] = AccessPort{s.pe, s.port, std::move(*to), std::move(*from)};
    ap.rx_slot = uint32_t(b->access_rx_.size());
    r->set_port_io(port, 0, std::make_unique<AccessIo>(*b, &ap));
    auto& w = b->work_[index.at(s.pe)];
    const Waker wk{index.at(s.pe), uint32_t(w.rx.size())};
    b->access_rx_.push_back({to_ring, wk});
    // The host side's line for schedule(): no delay, no rate, no loss.
    LinkParams hp;
    hp.delay_us = 0;
    hp.rate_bps = 0;
    hp.queue_bytes = UINT64_MAX / 2;
    const uint32_t line = uint32_t(2 * topo.links.size() + b->host_lines_.size());
    b->host_lines_.push_back(std::make_unique<LinkDirection>(nullptr, nullptr, hp, 0));
    w.rx.push_back({b->host_lines_.back().get(), to_ring, port});
    b->receiver_.push_back(wk);
    ap.line = line;
  }
  for (uint32_t id = 0; id < b->receiver_.size(); ++id) b->dirs_.push_back(b->direction_slow(id));
  {
    unsigned bits = 1;
    while ((uint64_t(1) << bits) < b->receiver_.size()) ++bits;
    uint64_t longest = 0;
    for (auto& l : b->links_) longest = std::max(longest, l.a_to_b->delay_ns());
    // A year of the calendar: the longest delay plus queueing, doubled.
    b->arrivals_.init(bits, b->receiver_.size(), 2 * (longest + 2'000'000));
  }
  b->lookahead_.assign(b->routers_.size(), UINT64_MAX / 4);
  for (uint32_t r = 0; r < b->routers_.size(); ++r)
    for (uint32_t id : b->work_[r].out)
      b->lookahead_[r] = std::min(b->lookahead_[r], std::max<uint64_t>(1, b->direction(id)->delay_ns()));
  b->ran_flag_.assign(b->routers_.size(), 0);
  if (auto st = b->apply(state); !st) return st.error();
  return b;
}

Backbone::~Backbone() {
  routers_.clear();
  host_lines_.clear();
  for (auto& l : links_) {
    l.a_to_b.reset();
    l.b_to_a.reset();
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
    reclaim_pending_ = true;
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

LinkDirection* Backbone::direction_slow(uint32_t id) const {
  if (id >= 2 * links_.size()) return host_lines_[id - 2 * links_.size()].get();
  const EmulatedLink& l = links_[id / 2];
  return id & 1 ? l.b_to_a.get() : l.a_to_b.get();
}

uint64_t Backbone::min_lookahead_ns() const {
  uint64_t m = UINT64_MAX;
  for (uint64_t l : lookahead_) m = std::min(m, l);
  return m;
}

void Backbone::schedule(AccessPort* ap, rte_mbuf* m, uint64_t t) {
  LinkDirection* d = direction(ap->line);
  const bool empty = !d->in_flight();
  d->schedule(m, t);
  if (empty) arrivals_.push({t, ap->line});
}

unsigned Backbone::run_window(uint64_t cap) {
  // Deliver in time order while the next arrival is before anything a frame
  // delivered so far could make arrive (its time + its router's lookahead).
  // The single-direction fast path below runs its instant whole and then
  // starts the next window here (as a new call would), so a run of lone
  // arrivals stays in this loop.
  uint64_t bound = cap, last = now_ns_;
  unsigned rounds = 0;
  bool woken = false;  // this window has routers on the work lists
  while (!arrivals_.empty()) {
    const auto [t, id] = arrivals_.top();
    if (t > bound) break;
    LinkDirection* d = direction(id);
    if (!d->in_flight() || d->next_arrival() != t) {  // stale (see arrivals_)
      arrivals_.pop();
      continue;
    }
    const Waker w = receiver_[id];
    const uint64_t la = windows_on_ ? lookahead_[w.router] : 1;
    // The head frame waits in the delay line for the receiving router
    // (take()); so do the next ones arriving at the same instant. Later
    // ones go back into the queue (a window takes them in time order).
    last = t;
    bound = std::min(bound, t + la - 1);
    d->release_one();
    while (d->next_arrival() == t) d->release_one();
    if (d->in_flight())
      arrivals_.replace_top({d->next_arrival(), id});
    else
      arrivals_.pop();
    // The common case without windows: this direction is all that arrives
    // at t and no router is waiting. Run its receiver at once, without the
    // work lists (what run_routers would do, in the same order).
    if (!windows_on_ && active_.empty() && (arrivals_.empty() || arrivals_.top().first > t)) {
      // The next arrival is known: start fetching what its hop will read
      // while this one runs (each hop is a chain of cache misses).
      if (!arrivals_.empty()) prefetch_arrival(arrivals_.top().second);
      now_ns_ = std::max(now_ns_, t);
      ++windows_;
      rte_mbuf* pkts[dp::kBurst];
      visit(w.router, w.slot, pkts);
      const bool next = !arrivals_.empty();
      const uint32_t next_id = next ? arrivals_.top().second : 0;
      if (next) prefetch_arrival_deep(next_id);
      routers_[w.router]->flush(0);
      if (next) prefetch_arrival_data(next_id);
      rounds += 1 + (active_.empty() ? 0 : run_routers());  // more than a burst arrived
      bound = cap;
      last = now_ns_;
      continue;
    }
    wake(w);
    woken = true;
  }
  if (!woken && active_.empty()) return rounds;
  now_ns_ = std::max(now_ns_, last);
  ++windows_;
  return rounds + run_routers();
}

inline void Backbone::visit(uint32_t r, uint32_t slot, rte_mbuf** pkts) {
  // One burst per port and round, as poll() takes: fair among ports.
  // Arrived frames first, then (access ports) what hosts enqueued.
  const Rx& rx = work_[r].rx[slot];
  unsigned n = rx.line->take(pkts, dp::kBurst, windows_on_);
  if (rx.ring) {
    if (n < dp::kBurst) {
      const unsigned k =
          rte_ring_dequeue_burst(rx.ring, reinterpret_cast<void**>(pkts + n), dp::kBurst - n, nullptr);
      if (stamp_access_)
        for (unsigned i = n; i < n + k; ++i) set_frame_time(pkts[i], now_ns_);
      n += k;
    }
    if (!rte_ring_empty(rx.ring)) wake({r, slot});
  }
  if (n) {
    dp::Router& router = *routers_[r];
    // Without windows every frame of this run is at now_ns_.
    if (virtual_clocks_) router.clock().set_manual(windows_on_ ? frame_time(pkts[0]) : now_ns_);
    router.process(0, rx.port, pkts, uint16_t(n));
    packet_hops_ += n;
    ++bursts_;
  }
  if (rx.line->released()) wake({r, slot});
}

unsigned Backbone::run_routers() {
  unsigned rounds = 0;
  rte_mbuf* pkts[dp::kBurst];
  while (!active_.empty()) {
    ++rounds;
    polling_.swap(active_);
    for (uint32_t r : polling_) queued_[r] = 0;
    for (uint32_t r : polling_) {
      // Like Router::poll, but only the ports frames were put on: a
      // router with ten ports and one arrival reads one ring, not ten.
      const RouterWork& w = work_[r];
      uint64_t mask = pending_[r];
      pending_[r] = 0;
      // The marked slots in order; slots from 63 share the last bit.
      while (mask) {
        const uint32_t slot = uint32_t(__builtin_ctzll(mask));
        mask &= mask - 1;
        if (slot < 63) {
          visit(r, slot, pkts);
        } else {
          for (uint32_t s = 63; s < uint32_t(w.rx.size()); ++s) visit(r, s, pkts);
        }
      }
      routers_[r]->flush(0);
    }
    polling_.clear();
  }
  // Windows: what they sent goes on the wire, each frame from its own time.
  for (uint32_t id : held_) {
    LinkDirection* d = direction(id);
    const bool idle = !d->in_flight();
    d->send_held();
    on_wire(id, idle);
  }
  held_.clear();
  for (uint32_t r : ran_) ran_flag_[r] = 0;  // poll_real_ports' list
  ran_.clear();
  return rounds;
}

unsigned Backbone::settle() {
  // Hosts enqueue behind our back: look at the rings they noted
  // (note_to_pe), in the order of access_rx_ as a scan of all would.
  if (!access_rx_listed_.empty()) {
    access_rx_scratch_.swap(access_rx_listed_);
    std::sort(access_rx_scratch_.begin(), access_rx_scratch_.end(),
              [](const AccessPort* a, const AccessPort* b) { return a->rx_slot < b->rx_slot; });
    for (AccessPort* ap : access_rx_scratch_) {
      ap->rx_listed = false;
      auto& [ring, w] = access_rx_[ap->rx_slot];
      if (!rte_ring_empty(ring)) wake(w);
    }
    access_rx_scratch_.clear();
  }
  // What arrives now and what hosts sent now, in one pass (as one instant);
  // then what that made arrive now (links without delay).
  stamp_access_ = true;
  unsigned rounds = next_arrival() <= now_ns_ ? run_window(now_ns_) : run_routers();
  stamp_access_ = false;
  while (next_arrival() <= now_ns_) rounds += run_window(now_ns_);
  // Freeing retired tables, and MAC entries that aging or a flush removed,
  // needs no traffic: after an update, and otherwise once per 1 ms of time.
  if (reclaim_pending_ || now_ns_ - last_reclaim_ns_ >= 1'000'000) {
    reclaim_pending_ = false;
    last_reclaim_ns_ = now_ns_;
    for (auto& r : routers_) {
      r->reclaim();
      if (r->retired_tables()) reclaim_pending_ = true;
    }
  }
  return rounds;
}

uint64_t Backbone::next_arrival() {
  while (!arrivals_.empty()) {
    auto [t, id] = arrivals_.top();
    const LinkDirection* d = direction(id);
    if (d->in_flight() && d->next_arrival() == t) return t;
    arrivals_.pop();  // stale (see arrivals_)
  }
  return UINT64_MAX;
}

void Backbone::advance_to(uint64_t t) {
  settle();
  // Only arrivals from here on: no host runs until we return.
  while (next_arrival() <= t) run_window(t);
  now_ns_ = std::max(now_ns_, t);
  settle();
}

unsigned Backbone::run_until_idle(uint64_t max_ns) {
  unsigned rounds = settle();
  const uint64_t end = now_ns_ + max_ns;
  for (uint64_t next; (next = next_arrival()) != UINT64_MAX && next <= end;)
    rounds += run_window(end);
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
