#pragma once
// One direction of an emulated link: frames the sending router sends cross
// a serializer (rate, bounded queue with tail drop), random loss and
// propagation delay, then reach the receiving router at their arrival time.
// Time is the emulator's (virtual or real) nanoseconds; nothing here reads a
// clock.
//
// Two ways to use it. With rings (`in`, `out`; tests, tools): the sender
// queues on the `in` ring, ingest() serializes, deliver() moves arrived
// frames to the `out` ring. Direct (the backbone, both rings nullptr): the
// sender's port io calls send() for each frame, the backbone release()s the
// head frames whose time has come, and the receiving router take()s them
// straight from the delay line: no ring pass on either side of the wire.

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace l2vpn::sim {

// ---- a frame's own virtual time
// Every frame in the backbone carries the time it reached the port it sits
// on (an mbuf dynamic field, "l2vpn_sim_frame_time"): the backbone sets it
// when a host's frame enters a PE and when a link delivers a frame (its
// arrival time). Routers forward in zero time, so the time is unchanged
// through a router, and a link serializes a frame from its own time, not
// from the time the backbone happened to look at the tx ring. VPLS replicas
// are a fresh header mbuf chained to an indirect mbuf of the original
// (dataplane/bridge.cpp): the indirect one gets the original's dynamic
// fields (rte_pktmbuf_attach copies them), the header does not, so the
// time is read from the frame's LAST segment; and a router linearizes a
// chained frame it receives (the segments after the first are freed), so
// the time is written to EVERY segment.
// Registers the field once (after EAL init); the offset, or -1 on failure.
int register_frame_time();
inline int g_frame_time_offset = -1;
inline uint64_t frame_time(const rte_mbuf* m) {
  while (m->next) m = m->next;
  return *RTE_MBUF_DYNFIELD(m, g_frame_time_offset, const uint64_t*);
}
inline void set_frame_time(rte_mbuf* m, uint64_t t) {
  for (; m; m = m->next) *RTE_MBUF_DYNFIELD(m, g_frame_time_offset, uint64_t*) = t;
}

struct LinkParams {
  double delay_us = 100.0;
  uint64_t rate_bps = 10'000'000'000ULL;
  uint64_t queue_bytes = 256 * 1024;  // serializer backlog beyond which frames tail-drop
  double loss = 0.0;                  // probability a frame is lost on the wire
};

struct LinkStats {
  uint64_t frames = 0, bytes = 0;  // delivered to the far end
  uint64_t busy_ns = 0;            // time the serializer was sending (utilisation)
  uint64_t queue_drops = 0;        // tail drop: backlog above queue_bytes
  uint64_t loss_drops = 0;         // random loss
  uint64_t down_drops = 0;         // sent while the link was down, or in flight when it failed
  uint64_t drops() const { return queue_drops + loss_drops + down_drops; }
};

// Sees every frame that reaches the far end of one direction: a capture.
// Called from deliver() before the receiver gets the frame; the mbuf stays
// the link's (copy what you need, do not keep it).
class LinkTap {
 public:
  virtual ~LinkTap() = default;
  virtual void frame(const rte_mbuf* m, uint64_t arrival_ns) noexcept = 0;
};

// Aligned to a cache line: its fields are laid out by line (below).
class alignas(64) LinkDirection {
 public:
  LinkDirection(rte_ring* in, rte_ring* out, LinkParams params, uint64_t seed);
  ~LinkDirection();
  LinkDirection(LinkDirection&&) noexcept;
  LinkDirection(const LinkDirection&) = delete;

  // Takes what the sender queued, at time `now_ns`. Returns frames taken.
  unsigned ingest(uint64_t now_ns);
  // Takes what the sender queued, each frame at its own time (frame_time),
  // serialized in time order (stable: equal times keep ring order), so a
  // sender may queue frames of several instants at once. Returns frames taken.
  unsigned ingest_timed();
  // Moves frames whose arrival time has come to the receiver. Returns frames moved.
  unsigned deliver(uint64_t now_ns);

  // ---- direct use (no rings)
  // Puts one frame on the wire at time `t` (serializer, queue, loss).
  void send(rte_mbuf* m, uint64_t t) { serialize(m, t); }
  // Windows: frames of several instants wait here and are serialized in
  // time order by send_held() (each from its own frame_time).
  void hold(rte_mbuf* m) { sort_.emplace_back(frame_time(m), m); }
  bool holding() const { return !sort_.empty(); }
  void send_held();
  // The head frame still on the wire has arrived: it waits for take().
  void release_one() { ++released_; }
  unsigned released() const { return released_; }
  // Up to `max` released frames, oldest first, for the receiving router;
  // `stamp`: set each frame's time to its arrival (frame_time).
  unsigned take(rte_mbuf** pkts, unsigned max, bool stamp) {
    const unsigned n = released_ < max ? released_ : max;
    for (unsigned i = 0; i < n; ++i) {
      const InFlight& f = line_[head_];
      if (tap_) tap_->frame(f.m, f.arrival);
      if (stamp) set_frame_time(f.m, f.arrival);
      ++stats_.frames;
      stats_.bytes += rte_pktmbuf_pkt_len(f.m);
      pkts[i] = f.m;
      head_ = (head_ + 1) & mask_;
    }
    released_ -= n;
    count_ -= n;
    return n;
  }

  // Moves the head frame to the receiver, its time set to its arrival.
  // false (the frame stays) when the receiver's rx ring is full.
  bool deliver_one();
  // Puts a frame on the line as it is, arriving at `arrival` (not before the
  // last one: the line is a FIFO). For the host side of a port (delay 0).
  void schedule(rte_mbuf* m, uint64_t arrival) { push(arrival, m); }
  // Earliest arrival in flight (not released yet), or UINT64_MAX.
  uint64_t next_arrival() const {
    return count_ > released_ ? line_[(head_ + released_) & mask_].arrival : UINT64_MAX;
  }
  // The frame next_arrival() is for, or nullptr (a prefetch hint).
  const rte_mbuf* next_frame() const {
    return count_ > released_ ? line_[(head_ + released_) & mask_].m : nullptr;
  }
  // Frames on the wire: sent, not released yet.
  size_t in_flight() const { return count_ - released_; }
  uint64_t delay_ns() const { return delay_ns_; }

  // A link that goes down loses what is in flight and everything sent to it.
  void set_up(bool up, uint64_t now_ns);
  bool up() const { return up_; }
  const LinkStats& stats() const { return stats_; }
  const LinkParams& params() const { return params_; }
  // Optional: one tap (nullptr to detach). Costs one branch per frame when unset.
  void set_capture(LinkTap* tap) { tap_ = tap; }

 private:
  struct InFlight {
    uint64_t arrival;
    rte_mbuf* m;
  };
  void push(uint64_t arrival, rte_mbuf* m) {
    if (count_ == line_.size()) [[unlikely]]
      grow();
    line_[(head_ + count_) & mask_] = {arrival, m};
    ++count_;
  }
  // Doubles the delay line: rare, it grows to the longest backlog, then stays.
  [[gnu::noinline]] void grow();
  void serialize(rte_mbuf* m, uint64_t t);

  // Laid out by cache line: the backbone runs a few thousand directions,
  // so each phase of a hop should touch as few lines as it can.
  // Line 0: what release, take and next_arrival read. The delay line is a
  // FIFO (one serializer keeps arrivals in order), a power of two long,
  // grown by doubling; the first `released_` frames from head_ have
  // arrived and wait for take().
  std::vector<InFlight> line_;
  size_t head_ = 0, count_ = 0, mask_ = 0;
  unsigned released_ = 0;
  bool up_ = true;
  LinkTap* tap_ = nullptr;
  // Line 1: the serializer, and the counters take() and send() add to.
  uint64_t busy_until_ = 0;  // serializer free from this time
  double ns_per_byte_;
  uint64_t delay_ns_;
  double queue_ns_ = 0;  // queue_bytes at the link's rate
  LinkStats stats_;      // frames, bytes, busy_ns first
  // Cold: set up once, or used off the emulator's path.
  LinkParams params_;
  rte_ring* in_;
  rte_ring* out_;
  std::vector<std::pair<uint64_t, rte_mbuf*>> sort_;  // ingest_timed's scratch, held frames
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> coin_{0.0, 1.0};
};

}  // namespace l2vpn::sim
