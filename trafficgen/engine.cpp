#include "trafficgen/engine.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include <algorithm>
#include <cstring>

namespace l2vpn::tg {

namespace {
constexpr uint16_t kBurst = 32;

uint32_t hash_flow(unsigned f) {
  uint32_t x = f * 0x9e3779b1u;
  return x ^ (x >> 15);
}
}  // namespace

uint32_t mbuf_data_room(const FrameSpec& spec, const SizeProfile& sizes) {
  unsigned biggest = 0;
  for (auto s : sizes.cycle) biggest = std::max(biggest, std::max<unsigned>(s, min_size(spec)));
  // Room for the frame plus what a DUT may push (up to 8 labels, MAC header, CW).
  const uint32_t need = uint32_t(biggest + encap_overhead(spec) + 64);
  return RTE_PKTMBUF_HEADROOM + std::max<uint32_t>(need, 2048);
}

TrafficEngine::TrafficEngine(EngineConfig cfg) : cfg_(std::move(cfg)), analyser_(cfg_.spec.flows) {
  hz_ = double(rte_get_tsc_hz());
  cfg_.tx_queues = std::clamp<uint16_t>(cfg_.tx_queues, 1, kMaxTxQueues);
  for (auto s : cfg_.sizes.cycle) {
    auto it = std::find(distinct_sizes_.begin(), distinct_sizes_.end(), s);
    if (it == distinct_sizes_.end()) {
      distinct_sizes_.push_back(s);
      it = distinct_sizes_.end() - 1;
    }
    size_slot_.push_back(uint8_t(it - distinct_sizes_.begin()));
  }
  stamp_off_ = stamp_offset(cfg_.spec);
  tmpl_len_ = stamp_off_ + kStampLen;
  tmpl_stride_ = (tmpl_len_ + 63) & ~size_t(63);
  const unsigned flows = cfg_.spec.flows;
  templates_.assign(size_t(flows) * distinct_sizes_.size() * tmpl_stride_, 0);
  frame_len_.resize(distinct_sizes_.size());
  for (unsigned f = 0; f < flows; ++f)
    for (size_t k = 0; k < distinct_sizes_.size(); ++k) {
      auto b = build_frame(cfg_.spec, f, distinct_sizes_[k]);
      frame_len_[k] = uint16_t(b.size());
      std::memcpy(&templates_[(size_t(f) * distinct_sizes_.size() + k) * tmpl_stride_], b.data(),
                  tmpl_len_);
    }
  flow_queue_.resize(flows);
  for (unsigned f = 0; f < flows; ++f) flow_queue_[f] = uint16_t(hash_flow(f) % cfg_.tx_queues);
}

unsigned TrafficEngine::poll_rx() {
  rte_mbuf* pkts[kBurst];
  unsigned total = 0;
  for (uint16_t q = 0; q < cfg_.rx_queues; ++q) {
    const uint16_t n = rte_eth_rx_burst(cfg_.rx_port, q, pkts, kBurst);
    if (!n) continue;
    const uint64_t now = rte_rdtsc();
    for (uint16_t i = 0; i < n; ++i) {
      rte_mbuf* m = pkts[i];
      // Stamps sit in the first segment for every frame we build.
      analyser_.observe(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, now);
    }
    rte_pktmbuf_free_bulk(pkts, n);
    total += n;
  }
  return total;
}

void TrafficEngine::drain_rx() {
  const uint64_t until = rte_rdtsc() + uint64_t(hz_ * 0.01);
  while (rte_rdtsc() < until) poll_rx();
  analyser_.reset(cfg_.spec.flows);
}

TrialResult TrafficEngine::run(const TrialRequest& req) {
  TrialResult res;
  res.request = req;
  drain_rx();
  const unsigned flows = cfg_.spec.flows;
  const size_t n_slots = distinct_sizes_.size();
  const size_t cycle_len = size_slot_.size();
  std::vector<uint64_t> tx(flows, 0);
  const uint64_t target = req.frames ? req.frames : uint64_t(req.rate_pps * req.seconds);
  const double per_cycle = req.rate_pps > 0 ? req.rate_pps / hz_ : 0;  // frames per TSC cycle
  rte_mbuf* stage[kMaxTxQueues][kBurst];
  uint16_t staged[kMaxTxQueues] = {};
  const uint16_t nq = cfg_.tx_queues;
  uint64_t sent = 0, unsent = 0;
  unsigned flow = 0;
  size_t pos = 0;
  const uint64_t start = rte_rdtsc();
  uint64_t last = start, max_gap = 0;
  while (sent < target) {
    const uint64_t now = rte_rdtsc();
    max_gap = std::max(max_gap, now - last);
    last = now;
    uint64_t due = target;
    if (per_cycle > 0) due = std::min<uint64_t>(target, uint64_t(double(now - start) * per_cycle) + 1);
    if (due > sent) {
      const uint16_t n = uint16_t(std::min<uint64_t>(due - sent, kBurst));
      rte_mbuf* ms[kBurst];
      if (rte_pktmbuf_alloc_bulk(cfg_.pool, ms, n) != 0) {
        poll_rx();  // the pool refills as the analyser frees
        continue;
      }
      for (uint16_t i = 0; i < n; ++i) {
        const size_t slot = size_slot_[pos];
        if (++pos == cycle_len) pos = 0;
        rte_mbuf* m = ms[i];
        const uint16_t len = frame_len_[slot];
        uint8_t* d = rte_pktmbuf_mtod(m, uint8_t*);
        std::memcpy(d, &templates_[(size_t(flow) * n_slots + slot) * tmpl_stride_], tmpl_len_);
        write_stamp(d + stamp_off_, uint16_t(flow), uint32_t(tx[flow]++), now);
        m->data_len = len;
        m->pkt_len = len;
        const uint16_t q = flow_queue_[flow];
        stage[q][staged[q]++] = m;
        if (++flow == flows) flow = 0;
      }
      for (uint16_t q = 0; q < nq; ++q) {
        if (!staged[q]) continue;
        const uint16_t k = rte_eth_tx_burst(cfg_.tx_port, q, stage[q], staged[q]);
        // A full tx queue is the DUT's input overflowing: those frames are
        // offered and lost, as on a wire.
        if (k < staged[q]) {
          rte_pktmbuf_free_bulk(stage[q] + k, staged[q] - k);
          unsent += staged[q] - k;
        }
        staged[q] = 0;
      }
      sent += n;
    }
    poll_rx();
  }
  const uint64_t end = rte_rdtsc();
  const uint64_t drain_until = end + uint64_t(hz_ * cfg_.drain_seconds);
  while (rte_rdtsc() < drain_until) poll_rx();
  const double secs = double(end - start) / hz_;
  res.offered_pps = secs > 0 ? double(sent) / secs : 0;
  // Paced trials must reach the asked rate (a tester lcore that lost the cpu
  // near the end of a trial sends its backlog late: 5 % slack); a short
  // trial (few frames) is judged over what it sent.
  res.generator_limited = req.rate_pps > 0 && target > 1000 && res.offered_pps < 0.95 * req.rate_pps;
  res.analysis = analyser_.summarize(tx, hz_, false);
  res.tester_stall_ms = double(max_gap) / hz_ * 1e3;
  (void)unsent;
  return res;
}

}  // namespace l2vpn::tg
