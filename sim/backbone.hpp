#pragma once
// The emulated backbone: one dataplane Router per node of the topology, each
// programmed from the control plane's ForwardingState and running the same
// fast path as on a NIC. Links are pairs of rings (rte_ring_init on our own
// memory, behind RingPortIo); every PE access port has a host side, a ring
// pair the emulator's hosts send into and read from.
//
// Time: the backbone keeps the emulator's clock in nanoseconds. Routers
// forward in zero time; links add serialization, queueing and propagation
// delay. In virtual time the clock jumps from one link arrival to the next
// (deterministic: single thread, fixed order, seeded loss); in real time
// the caller advances it with the wall clock.

#include <rte_mbuf.h>

#include <map>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "contract/result.hpp"
#include "controlplane/network.hpp"
#include "controlplane/topology.hpp"
#include "dataplane/port.hpp"
#include "dataplane/rcu.hpp"
#include "dataplane/router.hpp"
#include "sim/link.hpp"

namespace l2vpn::sim {

// The host side of one PE port that carries attachment circuits.
struct AccessPort {
  std::string pe, port;
  dp::RingPtr to_pe;    // hosts enqueue, the PE receives
  dp::RingPtr from_pe;  // the PE sends, hosts dequeue
};

// Both directions of one topology link: each router's port has its own rx
// and tx ring; the link model moves frames from one's tx to the other's rx.
struct EmulatedLink {
  uint32_t link = 0;  // Topology::links index
  dp::RingPtr a_tx, a_rx, b_tx, b_rx;
  std::unique_ptr<LinkDirection> a_to_b, b_to_a;
};

class Backbone {
 public:
  // Builds routers, links and access ports and programs every router.
  static Result<std::unique_ptr<Backbone>> build(const cp::Topology& topo,
                                                 const cp::NetworkState& state, dp::Rcu& rcu,
                                                 uint64_t seed = 1);
  ~Backbone();

  // Applies a recomputed network (per-router update while traffic flows).
  Status apply(const cp::NetworkState& state);
  // A link going down: the wire stops (in-flight frames lost) and both
  // routers see their port down (local repair uses LFAs at once).
  void set_link_up(uint32_t link, bool up);
  // Only the routers' view (ports), the wire untouched: for tests of LFA.
  void set_link_ports_up(uint32_t link, bool up);
  // A router going down: every link touching it goes down.
  void set_router_up(const std::string& router, bool up);

  uint64_t now() const { return now_ns_; }
  // Forwards everything due now: routers poll, links take what was sent
  // and deliver what arrives now, until nothing moves. Returns rounds.
  unsigned settle();
  // Moves the clock to `t`, delivering every arrival on the way in order.
  void advance_to(uint64_t t);
  // Earliest frame arrival on any link, or UINT64_MAX.
  uint64_t next_arrival() const;
  // Settles and advances until no frame is in flight. Returns rounds.
  unsigned run_until_idle(uint64_t max_ns = 10'000'000'000ULL);
  uint64_t packet_hops() const { return packet_hops_; }

  AccessPort* access_port(const std::string& pe, const std::string& port);
  dp::Router* router(const std::string& name);
  const std::vector<std::unique_ptr<dp::Router>>& routers() const { return routers_; }
  const std::vector<EmulatedLink>& links() const { return links_; }
  const cp::Topology& topology() const { return *topo_; }

 private:
  Backbone(dp::Rcu& rcu) : rcu_(rcu) {}
  dp::Rcu& rcu_;
  const cp::Topology* topo_ = nullptr;
  std::vector<std::unique_ptr<dp::Router>> routers_;
  std::map<std::string, dp::Router*> by_name_;
  std::vector<EmulatedLink> links_;
  uint64_t now_ns_ = 0;
  uint64_t packet_hops_ = 0;  // frames taken from a port by a router
  std::map<std::pair<std::string, std::string>, AccessPort> access_;

  // Work lists: settle() touches only routers with frames waiting and links
  // with arrivals due, not all routers and links every round (Kdl: 754 and
  // 900, almost all idle at any instant). Directions are numbered 2*link
  // (a->b) and 2*link+1 (b->a).
  struct Rx {
    rte_ring* ring;
    uint16_t port;  // the router's port index
  };
  struct RouterWork {
    std::vector<Rx> rx;          // rx rings of its ports (links and access); slot = index
    std::vector<uint32_t> out;   // directions it sends into
  };
  struct Waker {  // who to wake when a ring gets frames
    uint32_t router;
    uint32_t slot;
  };
  LinkDirection* direction(uint32_t id) const;
  // Frames wait on `slot` of `router`. Slots from 63 share the last bit.
  void wake(const Waker& w) {
    pending_[w.router] |= uint64_t(1) << (w.slot < 63 ? w.slot : 63);
    if (!queued_[w.router]) {
      queued_[w.router] = 1;
      active_.push_back(w.router);
    }
  }
  void deliver_due();
  unsigned settle_routers();
  std::vector<RouterWork> work_;
  std::vector<Waker> receiver_;  // per direction: the receiving router and slot
  std::vector<std::pair<rte_ring*, Waker>> access_rx_;  // host->PE rings
  std::vector<uint32_t> active_, polling_;
  std::vector<uint8_t> queued_;    // per router: in active_
  std::vector<uint64_t> pending_;  // per router: rx slots with frames
  // Head arrival of every direction with frames in flight, earliest first.
  // An entry is stale when the direction's head moved (the link went down):
  // checked when it reaches the top.
  using Arrival = std::pair<uint64_t, uint32_t>;
  mutable std::priority_queue<Arrival, std::vector<Arrival>, std::greater<>> arrivals_;
  bool reclaim_pending_ = false;
  uint64_t last_reclaim_ns_ = 0;
};

}  // namespace l2vpn::sim
