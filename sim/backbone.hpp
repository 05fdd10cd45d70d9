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
//
// Windows: every frame carries its own time (sim/link.hpp, frame_time), so
// the backbone need not stop at every arrival instant. advance_to(t) and
// run_until_idle() deliver arrivals in windows: from the earliest arrival,
// in time order, as long as the next one is earlier than any frame already
// delivered in the window could cause to arrive (its time plus the smallest
// delay of the receiving router's links: the conservative lookahead), and
// not after t. Then the routers run on everything delivered (bursts), and
// each link serializes what it was given in time order from each frame's
// own time. The serializers, queues, drops and arrival times are therefore
// the same as one arrival instant at a time; what may differ is only the
// order in which one router sees frames of different instants inside one
// window (VPLS learning between two frames less than one link delay apart)
// and the router clock (set to the first frame's time of each burst).

#include <rte_mbuf.h>

#include <map>
#include <memory>
#include <algorithm>
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
  uint32_t line = UINT32_MAX;  // the backbone's direction id for schedule()
};

// An access port bound to a real interface (`l2vpn run`): the PE's port
// receives and sends through the ethdev itself (dp::EthdevPortIo); no
// emulated host attaches there. sim/real_ports.cpp polls it.
struct RealPort {
  std::string pe, port;
  uint16_t ethdev = 0;
  uint32_t router = 0;       // index in Backbone::routers()
  uint16_t router_port = 0;  // the PE's port index
  dp::PortIo* io = nullptr;  // owned by the router
};
// (pe, port) -> ethdev port id, already started.
using RealPortMap = std::map<std::pair<std::string, std::string>, uint16_t>;

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
                                                 uint64_t seed = 1,
                                                 const RealPortMap& real_ports = {});
  ~Backbone();

  // Real ports (sim/real_ports.cpp): one rx burst from each; frames enter
  // their PE at now() and what the PEs send onto links is serialized from
  // now(). Frames for a real port leave at once (Router::flush). Returns
  // the frames taken.
  unsigned poll_real_ports();
  const std::vector<RealPort>& real_ports() const { return real_; }

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
  // Windows processed (see the top of this file): packet_hops()/windows()
  // is the mean number of router frame-visits per window.
  uint64_t windows() const { return windows_; }
  // Router::process calls: packet_hops()/bursts() is the mean burst.
  uint64_t bursts() const { return bursts_; }
  // false: every window is one arrival instant (no lookahead), the order
  // of the event-by-event emulator. Default false.
  void set_windows(bool on) { windows_on_ = on; }
  // The smallest link delay: the shortest lookahead a window can have.
  uint64_t min_lookahead_ns() const;

  // A host frame that enters the PE at time `t` (>= now(), and not before
  // the last one scheduled on this port): unlike a frame put on to_pe
  // directly (which enters at the now() of the next settle()), it can be
  // queued ahead and is taken in time order inside windows. Do not mix both
  // ways on one port at the same instant.
  void schedule(AccessPort* ap, rte_mbuf* m, uint64_t t);
  // Routers' clocks (MAC learning and aging, flood rate limit) follow the
  // virtual time: set to each burst's first frame time before it runs.
  void set_virtual_clocks(bool on) { virtual_clocks_ = on; }

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
  std::vector<RealPort> real_;

  // Work lists: settle() touches only routers with frames waiting and links
  // with arrivals due, not all routers and links every round (Kdl: 754 and
  // 900, almost all idle at any instant). Directions are numbered 2*link
  // (a->b) and 2*link+1 (b->a).
  struct Rx {
    rte_ring* ring;
    uint16_t port;  // the router's port index
    bool access;    // a host side: frames a host put here get the time of settle()
  };
  struct RouterWork {
    std::vector<Rx> rx;          // rx rings of its ports (links and access); slot = index
    std::vector<uint32_t> out;   // directions it sends into
  };
  struct Waker {  // who to wake when a ring gets frames
    uint32_t router;
    uint32_t slot;
  };
  LinkDirection* direction(uint32_t id) const { return dirs_[id]; }
  LinkDirection* direction_slow(uint32_t id) const;
  std::vector<LinkDirection*> dirs_;  // by direction id (links, then host lines)
  // Frames wait on `slot` of `router`. Slots from 63 share the last bit.
  void wake(const Waker& w) {
    pending_[w.router] |= uint64_t(1) << (w.slot < 63 ? w.slot : 63);
    if (!queued_[w.router]) {
      queued_[w.router] = 1;
      active_.push_back(w.router);
    }
  }
  // One window (see the top of this file), arrivals not after `cap`.
  unsigned run_window(uint64_t cap);
  // Runs the woken routers until none has frames waiting, then every
  // direction they sent into serializes what it got.
  unsigned run_routers();
  void ingest(uint32_t id);
  std::vector<RouterWork> work_;
  std::vector<Waker> receiver_;  // per direction: the receiving router and slot
  std::vector<std::pair<rte_ring*, Waker>> access_rx_;  // host->PE rings
  std::vector<uint32_t> active_, polling_;
  std::vector<uint8_t> queued_;    // per router: in active_
  std::vector<uint64_t> pending_;  // per router: rx slots with frames
  std::vector<uint64_t> lookahead_;  // per router: smallest delay of its links (>= 1)
  std::vector<uint32_t> ran_;        // routers that ran since the last ingest
  std::vector<uint8_t> ran_flag_;
  std::vector<std::unique_ptr<LinkDirection>> host_lines_;  // schedule(): ids from 2 * links
  bool stamp_access_ = false;  // settle(): frames hosts put on access rings are at now_ns_
  bool virtual_clocks_ = false;
  uint64_t windows_ = 0, bursts_ = 0;
  bool windows_on_ = false;
  // Head arrival of every direction with frames in flight, earliest first.
  // An entry is stale when the direction's head moved (the link went down):
  // checked when it reaches the top.
  using Arrival = std::pair<uint64_t, uint32_t>;
  // A binary min-heap on (time, direction): the same order as a
  // std::priority_queue, plus replace_top (one sift instead of a pop and a
  // push: the common case, a direction delivers its head and has a next).
  // Entries are packed into one 64-bit key, time << id_bits | direction, so
  // a comparison is one integer compare (times below 2^(64 - id_bits) ns:
  // with up to 4,096 directions, 52 days).
  class ArrivalHeap {
   public:
    void set_id_bits(unsigned bits) { bits_ = bits; }
    bool empty() const { return h_.empty(); }
    Arrival top() const { return {h_.front() >> bits_, uint32_t(h_.front() & mask())}; }
    // The earliest time after the top's, or UINT64_MAX.
    uint64_t second_time() const {
      uint64_t k = UINT64_MAX;
      if (h_.size() > 1) k = h_[1];
      if (h_.size() > 2) k = std::min(k, h_[2]);
      return k == UINT64_MAX ? k : k >> bits_;
    }
    void push(Arrival a) {
      const uint64_t k = key(a);
      size_t i = h_.size();
      h_.push_back(k);
      while (i > 0) {
        const size_t p = (i - 1) / 2;
        if (h_[p] <= k) break;
        h_[i] = h_[p];
        i = p;
      }
      h_[i] = k;
    }
    void pop() {
      const uint64_t last = h_.back();
      h_.pop_back();
      if (!h_.empty()) sift_down(last);
    }
    void replace_top(Arrival a) { sift_down(key(a)); }

   private:
    uint64_t mask() const { return (uint64_t(1) << bits_) - 1; }
    uint64_t key(Arrival a) const { return a.first << bits_ | a.second; }
    void sift_down(uint64_t k) {
      const size_t n = h_.size();
      size_t i = 0;
      for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && h_[c + 1] < h_[c]) ++c;
        if (h_[c] >= k) break;
        h_[i] = h_[c];
        i = c;
      }
      h_[i] = k;
    }
    std::vector<uint64_t> h_;
    unsigned bits_ = 16;
  };
  mutable ArrivalHeap arrivals_;
  bool reclaim_pending_ = false;
  uint64_t last_reclaim_ns_ = 0;
};

}  // namespace l2vpn::sim
