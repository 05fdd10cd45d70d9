#include "sim/traffic.hpp"

#include <algorithm>
#include <bit>

#include "dataplane/packet.hpp"

namespace l2vpn::sim {

using dp::load_be16;
using dp::load_be32;
using dp::store_be16;
using dp::store_be32;

void write_trailer(uint8_t* p, const Trailer& t) {
  store_be16(p, kTrailerMagic);
  store_be32(p + 2, t.flow);
  store_be32(p + 6, t.seq);
  store_be32(p + 10, uint32_t(t.send_ns >> 32));
  store_be32(p + 14, uint32_t(t.send_ns));
}

bool read_trailer(const uint8_t* p, Trailer& t) {
  if (load_be16(p) != kTrailerMagic) return false;
  t.flow = load_be32(p + 2);
  t.seq = load_be32(p + 6);
  t.send_ns = uint64_t(load_be32(p + 10)) << 32 | load_be32(p + 14);
  return true;
}

// ------------------------------------------------------------ histogram
size_t LatencyHistogram::bucket(uint64_t v) {
  if (v < (1u << kSub)) return size_t(v);
  const unsigned log = 63 - unsigned(std::countl_zero(v));  // >= kSub
  const uint64_t mantissa = (v >> (log - kSub)) & ((1u << kSub) - 1);
  return size_t((log - kSub + 1) << kSub | mantissa);
}

uint64_t LatencyHistogram::bucket_low(size_t b) {
  if (b < (1u << kSub)) return b;
  const unsigned log = unsigned(b >> kSub) + kSub - 1;
  const uint64_t mantissa = b & ((1u << kSub) - 1);
  return (uint64_t(1) << log) | mantissa << (log - kSub);
}

void LatencyHistogram::add(uint64_t ns) {
  const size_t b = bucket(ns);
  if (b >= buckets_.size()) buckets_.resize(b + 1);
  ++buckets_[b];
  ++count_;
  min_ = std::min(min_, ns);
  max_ = std::max(max_, ns);
}

void LatencyHistogram::merge(const LatencyHistogram& o) {
  if (o.buckets_.size() > buckets_.size()) buckets_.resize(o.buckets_.size());
  for (size_t i = 0; i < o.buckets_.size(); ++i) buckets_[i] += o.buckets_[i];
  count_ += o.count_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
}

uint64_t LatencyHistogram::quantile(double q) const {
  if (!count_) return 0;
  const uint64_t rank = std::min<uint64_t>(count_ - 1, uint64_t(q * double(count_)));
  uint64_t acc = 0;
  for (size_t b = 0; b < buckets_.size(); ++b) {
    acc += buckets_[b];
    if (acc > rank) {
      const uint64_t low = bucket_low(b), high = bucket_low(b + 1);
      return std::clamp(low + (high - low) / 2, min(), max_);
    }
  }
  return max_;
}

// ------------------------------------------------------------ tracker
std::string_view to_string(FlowKind k) {
  switch (k) {
    case FlowKind::memcached_request: return "memcached-request";
    case FlowKind::memcached_response: return "memcached-response";
    case FlowKind::redis_replication: return "redis-replication";
    case FlowKind::imix: return "imix";
    case FlowKind::arp: return "arp";
    case FlowKind::mac_flood: return "mac-flood";
  }
  return "?";
}

uint32_t Tracker::add_flow(FlowKind kind, uint32_t service, uint32_t src, int64_t dst,
                           std::vector<uint32_t> receivers) {
  Flow f;
  f.id = uint32_t(flows_.size());
  f.kind = kind;
  f.service = service;
  f.src = src;
  f.dst = dst;
  for (auto h : receivers) {
    Receiver r;
    r.host = h;
    f.receivers.push_back(std::move(r));
  }
  flows_.push_back(std::move(f));
  if (service >= latency_.size()) latency_.resize(service + 1);
  return flows_.back().id;
}

Trailer Tracker::next(uint32_t flow, uint64_t now_ns) {
  auto& f = flows_[flow];
  f.send_ns.push_back(now_ns);
  return Trailer{flow, uint32_t(f.sent() - 1), now_ns};
}

void Tracker::unsend(uint32_t flow) { flows_[flow].send_ns.pop_back(); }

void Tracker::receive(uint32_t host, const Trailer& t, uint64_t now_ns) {
  if (t.flow >= flows_.size() || t.seq >= flows_[t.flow].sent() || t.seq < flows_[t.flow].base) {
    ++unknown_;  // no such frame, or one that outlived its retirement
    return;
  }
  auto& f = flows_[t.flow];
  Receiver* r = nullptr;
  for (auto& c : f.receivers)
    if (c.host == host) r = &c;
  if (!r) {
    ++f.misdelivered;
    return;
  }
  const uint64_t rel = t.seq - f.base;  // base is a multiple of 64
  const uint64_t word = rel / 64, bit = uint64_t(1) << (rel % 64);
  if (word >= r->seen.size()) r->seen.resize(std::max<size_t>(word + 1, r->seen.size() * 2));
  if (r->seen[word] & bit) {
    ++r->duplicated;
    if (duplicates_.size() < kMaxDuplicates) duplicates_.push_back({t.flow, host, f.send_time(t.seq), now_ns});
    return;
  }
  r->seen[word] |= bit;
  ++r->received;
  if (int64_t(t.seq) < r->max_seq) ++r->reordered;
  r->max_seq = std::max<int64_t>(r->max_seq, t.seq);
  // The send time is the sender's record, not the frame's copy: a frame
  // corrupted on the way must not fake its latency.
  const uint64_t lat = now_ns - f.send_time(t.seq);
  r->lat_min = r->received == 1 ? lat : std::min(r->lat_min, lat);
  r->lat_max = std::max(r->lat_max, lat);
  r->lat_sum += lat;
  latency_[f.service].add(lat);
}

void Tracker::retire(uint64_t cutoff_ns, const EventWindows& event_windows) {
  const size_t windows = event_windows.start.size();
  if (retired_.lost.size() != windows) {
    retired_.lost.assign(windows, 0);
    retired_.first.assign(windows, UINT64_MAX);
    retired_.last.assign(windows, 0);
  }
  for (auto& f : flows_) {
    // Send times grow with the sequence: the first ones before the cutoff.
    size_t n = 0;
    while (n < f.send_ns.size() && f.send_ns[n] < cutoff_ns) ++n;
    n -= n % 64;  // whole bitmap words
    if (n == 0) continue;
    if (f.sent_in.size() != windows + 1) f.sent_in.assign(windows + 1, 0);
    const uint64_t flight = f.flight_ns();
    for (auto& rc : f.receivers)
      if (rc.lost_in.size() != windows + 1) rc.lost_in.assign(windows + 1, 0);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t at = f.send_ns[i];
      const int w = window_of(at, event_windows, flight);
      f.sent_in[size_t(w + 1)]++;
      for (auto& rc : f.receivers) {
        if (seen(rc, i)) continue;
        rc.lost_in[size_t(w + 1)]++;
        if (w < 0) {
          ++retired_.lost_outside;
        } else {
          retired_.lost[size_t(w)]++;
          retired_.first[size_t(w)] = std::min(retired_.first[size_t(w)], at);
          retired_.last[size_t(w)] = std::max(retired_.last[size_t(w)], at);
        }
      }
    }
    f.send_ns.erase(f.send_ns.begin(), f.send_ns.begin() + ptrdiff_t(n));
    for (auto& rc : f.receivers) {
      const size_t words = std::min(rc.seen.size(), n / 64);
      rc.seen.erase(rc.seen.begin(), rc.seen.begin() + ptrdiff_t(words));
    }
    f.base += n;
  }
}

const LatencyHistogram& Tracker::latency(uint32_t service) const {
  static const LatencyHistogram empty;
  return service < latency_.size() ? latency_[service] : empty;
}

}  // namespace l2vpn::sim
