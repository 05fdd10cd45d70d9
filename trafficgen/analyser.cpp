#include "trafficgen/analyser.hpp"

#include <algorithm>

namespace l2vpn::tg {

uint64_t LatencyHistogram::count() const {
  uint64_t n = 0;
  for (auto c : counts_) n += c;
  return n;
}

double LatencyHistogram::quantile(double q) const {
  const uint64_t n = count();
  if (n == 0) return 0;
  // The smallest value with at least q * n samples at or below it.
  uint64_t rank = uint64_t(q * double(n));
  if (rank >= n) rank = n - 1;
  uint64_t seen = 0;
  for (unsigned i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen > rank) return value_of(i);
  }
  return value_of(kBuckets - 1);
}

Analyser::Analyser(unsigned flows) { reset(flows); }

void Analyser::reset(unsigned flows) {
  flows_.assign(flows, Flow{});
  hist_.clear();
  foreign_ = 0;
}

void Analyser::record(const Stamp& st, uint64_t now_tsc) {
  Flow& f = flows_[st.flow];
  ++f.rx;
  const uint32_t s = st.seq;
  if (s == f.next) {
    f.set(s);
    ++f.next;
  } else if (int32_t(s - f.next) > 0) {
    // A gap: the slots of the skipped numbers now stand for them (missing).
    uint32_t gap = s - f.next;
    if (gap >= kWindow) {
      f.seen.fill(0);
    } else {
      for (uint32_t x = f.next; x != s; ++x) f.clear(x);
    }
    f.set(s);
    f.next = s + 1;
  } else if (f.next - s > kWindow) {
    ++f.reordered;
  } else if (f.test(s)) {
    ++f.duplicates;
    return;  // a duplicate's latency says nothing about the path
  } else {
    f.set(s);
    ++f.reordered;
  }
  const uint64_t lat = now_tsc > st.tsc ? now_tsc - st.tsc : 0;
  f.lat_min = std::min(f.lat_min, lat);
  f.lat_max = std::max(f.lat_max, lat);
  f.lat_sum += lat;
  hist_.add(lat);
}

AnalysisSummary Analyser::summarize(const std::vector<uint64_t>& tx, double hz, bool per_flow) const {
  AnalysisSummary s;
  s.foreign = foreign_;
  const double ns = 1e9 / hz;
  uint64_t lat_min = UINT64_MAX, lat_max = 0;
  double lat_sum = 0;
  uint64_t lat_n = 0;
  for (size_t i = 0; i < flows_.size(); ++i) {
    const Flow& f = flows_[i];
    const uint64_t sent = i < tx.size() ? tx[i] : 0;
    const uint64_t distinct = f.rx - f.duplicates;
    const uint64_t lost = sent > distinct ? sent - distinct : 0;
    s.tx += sent;
    s.rx += f.rx;
    s.duplicates += f.duplicates;
    s.reordered += f.reordered;
    s.lost += lost;
    if (distinct) {
      lat_min = std::min(lat_min, f.lat_min);
      lat_max = std::max(lat_max, f.lat_max);
      lat_sum += double(f.lat_sum);
      lat_n += distinct;
    }
    if (per_flow) {
      FlowResult r;
      r.flow = uint16_t(i);
      r.tx = sent;
      r.rx = f.rx;
      r.duplicates = f.duplicates;
      r.reordered = f.reordered;
      r.lost = lost;
      if (distinct) {
        r.lat_min_ns = double(f.lat_min) * ns;
        r.lat_max_ns = double(f.lat_max) * ns;
        r.lat_avg_ns = double(f.lat_sum) / double(distinct) * ns;
      }
      s.flows.push_back(r);
    }
  }
  s.loss_ratio = s.tx ? double(s.lost) / double(s.tx) : 0;
  auto& L = s.latency;
  L.samples = hist_.count();
  if (lat_n) {
    L.min_ns = double(lat_min) * ns;
    L.max_ns = double(lat_max) * ns;
    L.avg_ns = lat_sum / double(lat_n) * ns;
    L.p50_ns = hist_.quantile(0.5) * ns;
    L.p90_ns = hist_.quantile(0.9) * ns;
    L.p99_ns = hist_.quantile(0.99) * ns;
    L.p999_ns = hist_.quantile(0.999) * ns;
  }
  return s;
}

}  // namespace l2vpn::tg
