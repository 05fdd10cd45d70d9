#pragma once
// One direction of an emulated link: frames the sending router puts on its
// port's tx ring cross a serializer (rate, bounded queue with tail drop),
// random loss and propagation delay, then land on the receiving router's rx
// ring at their arrival time. Time is the emulator's (virtual or real)
// nanoseconds; nothing here reads a clock.

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstdint>
#include <random>
#include <vector>

namespace l2vpn::sim {

struct LinkParams {
  double delay_us = 100.0;
  uint64_t rate_bps = 10'000'000'000ULL;
  uint64_t queue_bytes = 256 * 1024;  // serializer backlog beyond which frames tail-drop
  double loss = 0.0;                  // probability a frame is lost on the wire
};

struct LinkStats {
  uint64_t frames = 0, bytes = 0;  // delivered to the far end
  uint64_t queue_drops = 0;        // tail drop: backlog above queue_bytes
  uint64_t loss_drops = 0;         // random loss
  uint64_t down_drops = 0;         // sent while the link was down, or in flight when it failed
  uint64_t busy_ns = 0;            // time the serializer was sending (utilisation)
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

class LinkDirection {
 public:
  LinkDirection(rte_ring* in, rte_ring* out, LinkParams params, uint64_t seed);
  ~LinkDirection();
  LinkDirection(LinkDirection&&) noexcept;
  LinkDirection(const LinkDirection&) = delete;

  // Takes what the sender queued, at time `now_ns`. Returns frames taken.
  unsigned ingest(uint64_t now_ns);
  // Moves frames whose arrival time has come to the receiver. Returns frames moved.
  unsigned deliver(uint64_t now_ns);
  // Earliest arrival in flight, or UINT64_MAX.
  uint64_t next_arrival() const { return count_ ? line_[head_].arrival : UINT64_MAX; }
  size_t in_flight() const { return count_; }

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
  void push(uint64_t arrival, rte_mbuf* m);

  rte_ring* in_;
  rte_ring* out_;
  LinkParams params_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> coin_{0.0, 1.0};
  bool up_ = true;
  uint64_t busy_until_ = 0;  // serializer free from this time
  double ns_per_byte_;
  uint64_t delay_ns_;
  // Delay line: a FIFO (one serializer keeps arrivals in order), grown by
  // doubling outside the fast path.
  std::vector<InFlight> line_;
  size_t head_ = 0, count_ = 0;
  LinkStats stats_;
  LinkTap* tap_ = nullptr;
};

}  // namespace l2vpn::sim
