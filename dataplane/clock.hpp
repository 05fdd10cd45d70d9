#pragma once
// The time the fast path sees: MAC aging and the flood rate limit read it
// once per burst. Real by default (TSC, converted to nanoseconds); tests
// switch it to manual and move it by hand, so aging and token buckets are
// deterministic.

#include <rte_cycles.h>

#include <atomic>
#include <cstdint>

namespace l2vpn::dp {

class Clock {
 public:
  Clock() : tsc0_(rte_get_tsc_cycles()) {
    uint64_t hz = rte_get_tsc_hz();
    ns_per_cycle_ = hz ? 1e9 / double(hz) : 1.0;
  }

  uint64_t now_ns() const {
    if (manual_.load(std::memory_order_relaxed)) return manual_ns_.load(std::memory_order_relaxed);
    return uint64_t(double(rte_get_tsc_cycles() - tsc0_) * ns_per_cycle_);
  }
  uint32_t now_seconds() const { return uint32_t(now_ns() / 1'000'000'000u); }

  // Tests: freeze the clock at `ns`, then move it with advance().
  void set_manual(uint64_t ns) {
    manual_ns_.store(ns, std::memory_order_relaxed);
    manual_.store(true, std::memory_order_relaxed);
  }
  void advance(uint64_t ns) { manual_ns_.fetch_add(ns, std::memory_order_relaxed); }
  void advance_seconds(uint64_t s) { advance(s * 1'000'000'000u); }
  bool manual() const { return manual_.load(std::memory_order_relaxed); }

 private:
  uint64_t tsc0_;
  double ns_per_cycle_;
  std::atomic<bool> manual_{false};
  std::atomic<uint64_t> manual_ns_{0};
};

}  // namespace l2vpn::dp
