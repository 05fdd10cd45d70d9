#pragma once
// The DPDK side of the tester: one lcore that generates (TSC pacing) and
// analyses (stamps) in the same loop. Frames are copied from per-flow,
// per-size templates into fresh mbufs: the headers and the stamp are written
// for every frame; the bytes after the stamp are whatever the mbuf held
// (zero at pool creation, later older frames' bytes), which no DUT reads.
// The TX queue of a flow is picked by a hash of the flow id, so a device
// with several queues (RSS on a NIC, queues of a net_ring) spreads flows
// over the DUT's workers.

#include <rte_mbuf.h>

#include <cstdint>
#include <vector>

#include "trafficgen/analyser.hpp"
#include "trafficgen/frames.hpp"
#include "trafficgen/rfc2544.hpp"

namespace l2vpn::tg {

inline constexpr uint16_t kMaxTxQueues = 64;

struct EngineConfig {
  FrameSpec spec;
  SizeProfile sizes;
  uint16_t tx_port = 0;
  uint16_t tx_queues = 1;  // queues 0..n-1 (at most kMaxTxQueues), flow -> queue by hash
  uint16_t rx_port = 0;
  uint16_t rx_queues = 1;
  rte_mempool* pool = nullptr;
  double drain_seconds = 0.05;  // after the last frame sent, keep receiving this long
};

// Bytes an mbuf needs to hold the largest frame of `sizes` under `spec`.
uint32_t mbuf_data_room(const FrameSpec& spec, const SizeProfile& sizes);

class TrafficEngine {
 public:
  explicit TrafficEngine(EngineConfig cfg);
  // Runs one trial on the calling lcore (it busy-polls).
  TrialResult run(const TrialRequest& req);
  // Empties the rx queues (frames of an earlier trial).
  void drain_rx();
  const EngineConfig& config() const { return cfg_; }
  uint16_t queue_of(unsigned flow) const { return flow_queue_[flow]; }

 private:
  unsigned poll_rx();

  EngineConfig cfg_;
  std::vector<uint16_t> distinct_sizes_;   // index = size slot
  std::vector<uint8_t> size_slot_;         // per position of the size cycle
  size_t tmpl_len_ = 0;                    // header + stamp bytes copied per frame
  size_t tmpl_stride_ = 0;
  std::vector<uint8_t> templates_;         // [flow][slot] -> tmpl_stride_ bytes
  std::vector<uint16_t> frame_len_;        // per slot: bytes in the mbuf
  std::vector<uint16_t> flow_queue_;
  size_t stamp_off_ = 0;
  Analyser analyser_;
  double hz_ = 0;
};

}  // namespace l2vpn::tg
