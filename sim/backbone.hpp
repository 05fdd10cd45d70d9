#pragma once
// The emulated backbone: one dataplane Router per node of the topology, each
// programmed from the control plane's ForwardingState and running the same
// fast path as on a NIC. A router's port on a link is a PortIo of ours
// (LinkIo) that puts what the router sends straight onto the link model's
// wire; the backbone hands arrived frames straight from the link's delay
// line to the receiving router (no ring on either side: one pass per hop).
// Every PE access port has a host side, a ring pair the emulator's hosts
// send into and read from.
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
  // Only the ports that have frames are visited (issue 14: a scan of every
  // access port on every step made the cost per packet-hop grow with the
  // number of sites). Whoever enqueues on to_pe calls
  // Backbone::note_to_pe; the PE's sends list the port in
  // Backbone::access_out(), which the hosts take.
  uint32_t rx_slot = UINT32_MAX;    // in the backbone's access_rx_ (its order)
  uint32_t out_order = UINT32_MAX;  // the hosts' order (Hosts sets it); MAX: no hosts
  bool rx_listed = false, out_listed = false;
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

// Both directions of one topology link. No rings: a router's port io on a
// link (Backbone::LinkIo) sends each frame straight onto the direction's
// wire, and the receiving router takes arrived frames straight from its
// delay line (sim/link.hpp, direct use).
struct EmulatedLink {
  uint32_t link = 0;  // Topology::links index
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
  uint64_t next_arrival();
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
  // Frames were put on ap->to_pe: the PE polls it at the next settle().
  void note_to_pe(AccessPort* ap) {
    if (!ap->rx_listed) {
      ap->rx_listed = true;
      access_rx_listed_.push_back(ap);
    }
  }
  // Access ports the PEs sent to since the hosts last took this list
  // (each once; the taker clears out_listed).
  std::vector<AccessPort*>& access_out() { return access_out_; }
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
    LinkDirection* line;  // the link direction (or host line) arriving here
    rte_ring* ring;       // access ports: what hosts put on to_pe; else nullptr
    uint16_t port;        // the router's port index
  };
  struct RouterWork {
    std::vector<Rx> rx;          // rx rings of its ports (links and access); slot = index
    std::vector<uint32_t> out;   // directions it sends into
  };
  struct Waker {  // who to wake when a ring gets frames
    uint32_t router;
    uint32_t slot;
  };
  class LinkIo;      // a router's port on a link (backbone.cpp)
  class AccessIo;    // a PE's port on the host side (backbone.cpp)
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
  // Runs the woken routers until none has frames waiting; with windows,
  // every direction they sent into then serializes what it held.
  unsigned run_routers();
  // Router r takes one burst from its port `slot` and processes it.
  void visit(uint32_t r, uint32_t slot, rte_mbuf** pkts);
  // The next arrival (direction `id`) is known while a hop runs: its lines
  // are fetched in three steps as their pointers come in, so the next
  // hop's cache misses overlap this one's work (hints only).
  // 1. Before this hop: the direction, the receiving router, worker, tables.
  void prefetch_arrival(uint32_t id) const {
    const LinkDirection* d = dirs_[id];
    rte_prefetch0(d);
    rte_prefetch0(reinterpret_cast<const char*>(d) + 64);
    const Waker& w = receiver_[id];
    rte_prefetch0(&work_[w.router]);
    routers_[w.router]->prefetch_hot(0);
  }
  // 2. After this hop's router ran: the frame's mbuf, the in port's lines.
  void prefetch_arrival_deep(uint32_t id) const {
    const LinkDirection* d = dirs_[id];
    if (const rte_mbuf* m = d->next_frame()) {
      rte_prefetch0(m);
      rte_prefetch0(reinterpret_cast<const char*>(m) + 64);
    }
    const Waker& w = receiver_[id];
    const RouterWork& rw = work_[w.router];
    if (w.slot < rw.rx.size()) routers_[w.router]->prefetch_port(0, rw.rx[w.slot].port);
  }
  // 3. After this hop's sends: the frame's first bytes (its headers).
  void prefetch_arrival_data(uint32_t id) const {
    if (const rte_mbuf* m = dirs_[id]->next_frame()) rte_prefetch0(rte_pktmbuf_mtod(m, const void*));
  }
  // A direction got frames on its wire: into the arrival heap if it had none.
  void on_wire(uint32_t id, bool was_idle) {
    if (was_idle && dirs_[id]->in_flight()) arrivals_.push({dirs_[id]->next_arrival(), id});
  }
  std::vector<uint32_t> held_;  // windows: directions holding frames
  std::vector<RouterWork> work_;
  std::vector<Waker> receiver_;  // per direction: the receiving router and slot
  std::vector<std::pair<rte_ring*, Waker>> access_rx_;  // host->PE rings
  std::vector<AccessPort*> access_rx_listed_, access_rx_scratch_;  // note_to_pe
  std::vector<AccessPort*> access_out_;                            // access_out()
  std::vector<uint32_t> active_, polling_;
  std::vector<uint8_t> queued_;    // per router: in active_
  std::vector<uint64_t> pending_;  // per router: rx slots with frames
  std::vector<uint64_t> lookahead_;  // per router: smallest delay of its links (>= 1)
  std::vector<uint32_t> ran_;        // routers that ran (poll_real_ports)
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
  // A binary min-heap on (time, direction), the calendar's overflow (below).
  // Entries are packed into one 64-bit key, time << id_bits | direction, so
  // a comparison is one integer compare (times below 2^(64 - id_bits) ns:
  // with up to 4,096 directions, 52 days).
  class ArrivalHeap {
   public:
    void set_id_bits(unsigned bits) { bits_ = bits; }
    bool empty() const { return h_.empty(); }
    uint64_t top_key() const { return h_.front(); }
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

   private:
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
  // The arrival queue: a calendar of buckets 2^kShift ns wide over a
  // horizon longer than any link's delay (one year of the calendar), each
  // bucket a list sorted by key, with a bitmap of the buckets in use; what
  // falls outside the year goes to an ArrivalHeap. The same order as the
  // heap alone, (time, direction), at a few dozen instructions a step
  // instead of a sift through ~1,000 entries. A direction is in the
  // calendar at most once (an intrusive node per direction): pushing a
  // direction whose old entry went stale (link down) unlinks the old one.
  class ArrivalQueue {
   public:
    static constexpr unsigned kShift = 7;  // 128 ns buckets: about one entry each on Kdl
    void init(unsigned id_bits, size_t directions, uint64_t horizon_ns) {
      heap_.set_id_bits(id_bits);
      bits_ = id_bits;
      size_t n = 64;
      while ((uint64_t(n) << kShift) < horizon_ns && n < (size_t(1) << 18)) n <<= 1;
      head_.assign(n, -1);
      used_.assign(n / 64, 0);
      mask_ = n - 1;
      nodes_.assign(directions, Node{});
    }
    bool empty() const { return !size_ && heap_.empty(); }
    Arrival top() {
      const uint64_t k = top_key();
      return {k >> bits_, uint32_t(k & ((uint64_t(1) << bits_) - 1))};
    }
    void pop() {
      (void)top_key();
      cached_ = false;
      if (top_in_heap_) {
        heap_.pop();
        return;
      }
      unlink(int32_t(head_[cursor_]));
    }
    void replace_top(Arrival a) {
      pop();
      push(a);
    }
    void push(Arrival a) {
      const uint64_t k = a.first << bits_ | a.second;
      Node& n = nodes_[a.second];
      if (n.bucket >= 0) {  // its old entry is stale
        unlink(int32_t(a.second));
        cached_ = false;
      }
      if (!size_) {  // empty calendar: its year starts here
        base_ = a.first >> kShift << kShift;
        cursor_ = (a.first >> kShift) & mask_;
      }
      if (a.first < base_ || a.first - base_ > (mask_ << kShift)) {
        heap_.push(a);
        if (cached_ && k < ckey_) ckey_ = k, top_in_heap_ = true;
        return;
      }
      if (cached_ && k < ckey_) ckey_ = k, top_in_heap_ = false;
      const size_t b = (a.first >> kShift) & mask_;
      n.key = k;
      n.bucket = int32_t(b);
      // Sorted insert: buckets hold a few entries.
      int32_t prev = -1, cur = head_[b];
      while (cur >= 0 && nodes_[cur].key < k) prev = cur, cur = nodes_[cur].next;
      n.prev = prev;
      n.next = cur;
      if (cur >= 0) nodes_[cur].prev = int32_t(a.second);
      if (prev >= 0) nodes_[prev].next = int32_t(a.second);
      else head_[b] = int32_t(a.second);
      used_[b >> 6] |= uint64_t(1) << (b & 63);
      ++size_;
    }

   private:
    struct Node {
      uint64_t key = 0;
      int32_t prev = -1, next = -1;
      int32_t bucket = -1;  // -1: not in the calendar
    };
    // The smallest key of both; moves the cursor to the calendar's first
    // bucket in use (its year moves with it).
    uint64_t top_key() {
      if (cached_) return ckey_;
      uint64_t kc = UINT64_MAX;
      if (size_) {
        size_t w = cursor_ >> 6;
        uint64_t word = used_[w] & (~uint64_t(0) << (cursor_ & 63));
        while (!word) {
          w = (w + 1) & (used_.size() - 1);
          word = used_[w];
        }
        const size_t b = w << 6 | size_t(__builtin_ctzll(word));
        base_ += ((b - cursor_) & mask_) << kShift;
        cursor_ = b;
        kc = nodes_[head_[b]].key;
      }
      const uint64_t kh = heap_.empty() ? UINT64_MAX : heap_.top_key();
      top_in_heap_ = kh < kc;
      ckey_ = top_in_heap_ ? kh : kc;
      cached_ = true;
      return ckey_;
    }
    void unlink(int32_t id) {
      Node& n = nodes_[id];
      if (n.prev >= 0) nodes_[n.prev].next = n.next;
      else head_[n.bucket] = n.next;
      if (n.next >= 0) nodes_[n.next].prev = n.prev;
      if (head_[n.bucket] < 0) used_[size_t(n.bucket) >> 6] &= ~(uint64_t(1) << (n.bucket & 63));
      n.bucket = -1;
      --size_;
    }
    std::vector<Node> nodes_;     // by direction
    std::vector<int32_t> head_;   // by bucket: first node, -1 empty
    std::vector<uint64_t> used_;  // buckets in use
    size_t mask_ = 63, cursor_ = 0, size_ = 0;
    uint64_t base_ = 0;  // start time of the cursor's bucket
    unsigned bits_ = 16;
    bool top_in_heap_ = false;
    // The top, until a pop (or a push below it, which becomes the top).
    bool cached_ = false;
    uint64_t ckey_ = 0;
    ArrivalHeap heap_;  // outside the calendar's year
  };
  ArrivalQueue arrivals_;
  bool reclaim_pending_ = false;
  uint64_t last_reclaim_ns_ = 0;
};

}  // namespace l2vpn::sim
