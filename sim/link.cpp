#include "sim/link.hpp"

#include <algorithm>

namespace l2vpn::sim {

namespace {
// Preamble, SFD, FCS and inter-frame gap: what a frame costs on the wire
// beyond the bytes in the mbuf.
constexpr uint32_t kWireOverhead = 8 + 4 + 12;
}  // namespace

int register_frame_time() {
  if (g_frame_time_offset >= 0) return g_frame_time_offset;
  static const rte_mbuf_dynfield desc = {"l2vpn_sim_frame_time", sizeof(uint64_t),
                                         alignof(uint64_t), 0};
  g_frame_time_offset = rte_mbuf_dynfield_register(&desc);
  return g_frame_time_offset;
}

LinkDirection::LinkDirection(rte_ring* in, rte_ring* out, LinkParams params, uint64_t seed)
    : params_(params), in_(in), out_(out), rng_(seed) {
  register_frame_time();
  ns_per_byte_ = params_.rate_bps ? 8e9 / double(params_.rate_bps) : 0.0;
  delay_ns_ = uint64_t(params_.delay_us * 1000.0);
  queue_ns_ = double(params_.queue_bytes) * ns_per_byte_;
  line_.resize(64);
  mask_ = line_.size() - 1;
  sort_.reserve(64);
}

LinkDirection::~LinkDirection() {
  for (size_t i = 0; i < count_; ++i) rte_pktmbuf_free(line_[(head_ + i) & mask_].m);
  for (auto& [t, m] : sort_) rte_pktmbuf_free(m);
}

LinkDirection::LinkDirection(LinkDirection&& o) noexcept
    : line_(std::move(o.line_)), head_(o.head_), count_(o.count_), mask_(o.mask_),
      released_(o.released_), up_(o.up_), tap_(o.tap_), busy_until_(o.busy_until_),
      ns_per_byte_(o.ns_per_byte_), delay_ns_(o.delay_ns_), queue_ns_(o.queue_ns_), stats_(o.stats_),
      params_(o.params_), in_(o.in_), out_(o.out_), sort_(std::move(o.sort_)), rng_(o.rng_),
      coin_(o.coin_) {
  o.count_ = 0;
  o.head_ = 0;
  o.released_ = 0;
  o.sort_.clear();
}

void LinkDirection::grow() {
  std::vector<InFlight> bigger(line_.size() * 2);
  for (size_t i = 0; i < count_; ++i) bigger[i] = line_[(head_ + i) & mask_];
  line_.swap(bigger);
  head_ = 0;
  mask_ = line_.size() - 1;
}

void LinkDirection::serialize(rte_mbuf* m, uint64_t t) {
  if (!up_) {
    ++stats_.down_drops;
    rte_pktmbuf_free(m);
    return;
  }
  const uint32_t wire = rte_pktmbuf_pkt_len(m) + kWireOverhead;
  const uint64_t start = std::max(t, busy_until_);
  // Backlog ahead of this frame (time still to serialize) plus the frame,
  // against the queue, both in time at the link's rate (no division).
  const double ser_d = double(wire) * ns_per_byte_;
  if ((start > t || wire > params_.queue_bytes) &&
      (ns_per_byte_ > 0 ? double(start - t) + ser_d > queue_ns_ : wire > params_.queue_bytes)) {
    ++stats_.queue_drops;
    rte_pktmbuf_free(m);
    return;
  }
  const uint64_t ser = uint64_t(ser_d);
  busy_until_ = start + ser;
  stats_.busy_ns += ser;
  if (params_.loss > 0 && coin_(rng_) < params_.loss) {
    ++stats_.loss_drops;
    rte_pktmbuf_free(m);
    return;
  }
  push(busy_until_ + delay_ns_, m);
}

unsigned LinkDirection::ingest(uint64_t now) {
  rte_mbuf* burst[64];
  unsigned total = 0, n;
  while ((n = rte_ring_dequeue_burst(in_, reinterpret_cast<void**>(burst), 64, nullptr)) > 0) {
    total += n;
    for (unsigned i = 0; i < n; ++i) serialize(burst[i], now);
  }
  return total;
}

unsigned LinkDirection::ingest_timed() {
  rte_mbuf* burst[64];
  unsigned n;
  sort_.clear();
  bool sorted = true;
  while ((n = rte_ring_dequeue_burst(in_, reinterpret_cast<void**>(burst), 64, nullptr)) > 0)
    for (unsigned i = 0; i < n; ++i) {
      const uint64_t t = frame_time(burst[i]);
      if (!sort_.empty() && t < sort_.back().first) sorted = false;
      sort_.emplace_back(t, burst[i]);
    }
  if (!sorted)
    std::stable_sort(sort_.begin(), sort_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [t, m] : sort_) serialize(m, t);
  const unsigned taken = unsigned(sort_.size());
  sort_.clear();  // they are the wire's now (the destructor frees what is held)
  return taken;
}

void LinkDirection::send_held() {
  if (!std::is_sorted(sort_.begin(), sort_.end(), [](const auto& a, const auto& b) { return a.first < b.first; }))
    std::stable_sort(sort_.begin(), sort_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [t, m] : sort_) serialize(m, t);
  sort_.clear();
}

unsigned LinkDirection::deliver(uint64_t now) {
  unsigned moved = 0;
  while (count_ && line_[head_].arrival <= now) {
    rte_mbuf* m = line_[head_].m;
    const uint32_t len = rte_pktmbuf_pkt_len(m);
    if (tap_) tap_->frame(m, line_[head_].arrival);
    if (rte_ring_enqueue(out_, m) != 0) {
      // The receiver's rx ring is full: the receiving port drops it.
      ++stats_.queue_drops;
      rte_pktmbuf_free(m);
    } else {
      ++stats_.frames;
      stats_.bytes += len;
      ++moved;
    }
    head_ = (head_ + 1) & mask_;
    --count_;
  }
  return moved;
}

bool LinkDirection::deliver_one() {
  const InFlight f = line_[head_];
  if (rte_ring_full(out_)) return false;
  if (tap_) tap_->frame(f.m, f.arrival);
  set_frame_time(f.m, f.arrival);
  if (rte_ring_enqueue(out_, f.m) != 0) return false;
  ++stats_.frames;
  stats_.bytes += rte_pktmbuf_pkt_len(f.m);
  head_ = (head_ + 1) & mask_;
  --count_;
  return true;
}

void LinkDirection::set_up(bool up, uint64_t now) {
  if (up_ == up) return;
  up_ = up;
  if (!up) {
    // What is on the wire is lost; what has arrived (released) is the
    // receiver's already.
    stats_.down_drops += count_ - released_;
    for (size_t i = released_; i < count_; ++i) rte_pktmbuf_free(line_[(head_ + i) & mask_].m);
    count_ = released_;
  }
  busy_until_ = now;
}

}  // namespace l2vpn::sim
