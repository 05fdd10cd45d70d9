#pragma once
// The receive side: per-flow loss, duplication, reordering and latency from
// the stamps the generator writes (frames.hpp). No DPDK: it takes bytes and
// a receive timestamp, so tests feed it frames directly.
//
// Per flow it keeps the next expected sequence number and a bitmap of the
// last kWindow sequence numbers: a frame with the expected number is in
// order; a higher number opens a gap (the frames in it are missing until
// they arrive); a lower number is a duplicate if its bit is set, else a
// reordered (late) frame that fills the gap. Loss is exact at the end:
// frames sent per flow (the generator's count) minus distinct frames
// received. A frame more than kWindow behind is counted as reordered (it
// can no longer be told from a duplicate).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "trafficgen/frames.hpp"

namespace l2vpn::tg {

// Log-linear histogram of latencies in TSC cycles: exact below 64, then 32
// buckets per power of two (about 3 % resolution).
class LatencyHistogram {
 public:
  static constexpr unsigned kSub = 32;
  static constexpr unsigned kBuckets = 60 * kSub;
  static unsigned bucket(uint64_t v) {
    if (v < 2 * kSub) return unsigned(v);
    unsigned msb = 63u - unsigned(__builtin_clzll(v));
    unsigned shift = msb - 5;
    return (shift + 1) * kSub + unsigned((v >> shift) & (kSub - 1));
  }
  // The middle of a bucket's value range.
  static double value_of(unsigned b) {
    if (b < 2 * kSub) return double(b);
    unsigned shift = b / kSub - 1;
    double lo = double(uint64_t(kSub + b % kSub) << shift);
    return lo + double(uint64_t(1) << shift) / 2;
  }
  void add(uint64_t v) { ++counts_[bucket(v)]; }
  void merge(const LatencyHistogram& o) {
    for (unsigned i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
  }
  uint64_t count() const;
  // q in [0, 1]; 0 when empty.
  double quantile(double q) const;
  void clear() { counts_.fill(0); }

 private:
  std::array<uint64_t, kBuckets> counts_{};
};

struct LatencySummary {
  uint64_t samples = 0;
  double min_ns = 0, avg_ns = 0, max_ns = 0;
  double p50_ns = 0, p90_ns = 0, p99_ns = 0, p999_ns = 0;
};

struct FlowResult {
  uint16_t flow = 0;
  uint64_t tx = 0;         // sent (from the generator)
  uint64_t rx = 0;         // stamped frames received, duplicates included
  uint64_t duplicates = 0;
  uint64_t reordered = 0;  // arrived after a higher sequence number of its flow
  uint64_t lost = 0;       // tx - (rx - duplicates), 0 if negative
  double lat_min_ns = 0, lat_avg_ns = 0, lat_max_ns = 0;
};

struct AnalysisSummary {
  uint64_t tx = 0, rx = 0, duplicates = 0, reordered = 0, lost = 0;
  uint64_t foreign = 0;  // frames without a stamp, or with a flow id out of range
  double loss_ratio = 0;  // lost / tx
  LatencySummary latency;
  std::vector<FlowResult> flows;  // filled when asked (per_flow)
};

class Analyser {
 public:
  static constexpr uint32_t kWindow = 1024;

  explicit Analyser(unsigned flows = 1);
  void reset(unsigned flows);

  // One received frame; `now_tsc`: when it arrived (same clock as the stamp).
  void observe(const uint8_t* frame, size_t len, uint64_t now_tsc) {
    auto st = find_stamp(frame, len);
    if (!st || st->flow >= flows_.size()) {
      ++foreign_;
      return;
    }
    record(*st, now_tsc);
  }
  void record(const Stamp& st, uint64_t now_tsc);

  // tx_per_flow[f]: frames the generator sent on flow f. tsc_hz converts
  // cycles to ns.
  AnalysisSummary summarize(const std::vector<uint64_t>& tx_per_flow, double tsc_hz,
                            bool per_flow = false) const;
  const LatencyHistogram& histogram() const { return hist_; }

 private:
  struct Flow {
    uint32_t next = 0;  // next expected sequence number
    uint64_t rx = 0, duplicates = 0, reordered = 0;
    uint64_t lat_min = UINT64_MAX, lat_max = 0, lat_sum = 0;
    std::array<uint64_t, kWindow / 64> seen{};  // bit (seq % kWindow) for seq in [next - kWindow, next)
    bool test(uint32_t s) const { return seen[(s % kWindow) / 64] >> (s % 64) & 1; }
    void set(uint32_t s) { seen[(s % kWindow) / 64] |= uint64_t(1) << (s % 64); }
    void clear(uint32_t s) { seen[(s % kWindow) / 64] &= ~(uint64_t(1) << (s % 64)); }
  };
  std::vector<Flow> flows_;
  LatencyHistogram hist_;
  uint64_t foreign_ = 0;
};

}  // namespace l2vpn::tg
