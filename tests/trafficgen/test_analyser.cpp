// Analyser: injected loss, duplication and reordering are each counted,
// per flow, and latency comes from the stamps.
#include <gtest/gtest.h>

#include "trafficgen/analyser.hpp"

using namespace l2vpn::tg;

namespace {

// Feeds frame (flow, seq) sent at tsc = seq * 10, received at seq * 10 + lat.
struct Feeder {
  FrameSpec spec;
  Analyser a;
  std::vector<std::vector<uint8_t>> tmpl;
  explicit Feeder(unsigned flows) : a(flows) {
    spec.kind = FrameKind::pseudowire;
    spec.labels = {100, 200};
    spec.control_word = true;
    spec.flows = flows;
    for (unsigned f = 0; f < flows; ++f) tmpl.push_back(build_frame(spec, f, 64));
  }
  void send(unsigned flow, uint32_t seq, uint64_t lat = 100) {
    auto b = tmpl[flow];
    write_stamp(b.data() + stamp_offset(spec), uint16_t(flow), seq, uint64_t(seq) * 10);
    a.observe(b.data(), b.size(), uint64_t(seq) * 10 + lat);
  }
};

}  // namespace

TEST(Analyser, CleanRunHasNoLossNoDupNoReorder) {
  Feeder f(3);
  for (uint32_t s = 0; s < 1000; ++s)
    for (unsigned fl = 0; fl < 3; ++fl) f.send(fl, s);
  auto r = f.a.summarize({1000, 1000, 1000}, 1e9, true);
  EXPECT_EQ(r.tx, 3000u);
  EXPECT_EQ(r.rx, 3000u);
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.duplicates, 0u);
  EXPECT_EQ(r.reordered, 0u);
  EXPECT_EQ(r.foreign, 0u);
  EXPECT_DOUBLE_EQ(r.latency.min_ns, 100);
  EXPECT_DOUBLE_EQ(r.latency.max_ns, 100);
  EXPECT_NEAR(r.latency.p99_ns, 100, 4);
  ASSERT_EQ(r.flows.size(), 3u);
}

TEST(Analyser, InjectedLossIsCountedPerFlow) {
  Feeder f(2);
  for (uint32_t s = 0; s < 500; ++s) {
    if (s % 10 != 3) f.send(0, s);  // 50 lost on flow 0
    f.send(1, s);
  }
  // The tail: the generator sent 505 on flow 1, the last 5 never arrived.
  auto r = f.a.summarize({500, 505}, 1e9, true);
  EXPECT_EQ(r.flows[0].lost, 50u);
  EXPECT_EQ(r.flows[1].lost, 5u);
  EXPECT_EQ(r.lost, 55u);
  EXPECT_EQ(r.reordered, 0u);
  EXPECT_EQ(r.duplicates, 0u);
  EXPECT_NEAR(r.loss_ratio, 55.0 / 1005, 1e-12);
}

TEST(Analyser, InjectedDuplicatesAreNotLossOrReorder) {
  Feeder f(1);
  for (uint32_t s = 0; s < 100; ++s) {
    f.send(0, s);
    if (s % 25 == 0) f.send(0, s);  // immediate duplicate
  }
  f.send(0, 40);  // a late duplicate, inside the window
  auto r = f.a.summarize({100}, 1e9);
  EXPECT_EQ(r.duplicates, 5u);
  EXPECT_EQ(r.reordered, 0u);
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.rx, 105u);
}

TEST(Analyser, InjectedReorderingIsCountedAndFillsTheGap) {
  Feeder f(1);
  // 0 1 3 2 4 6 5 7 ... : every pair after 1 swapped
  std::vector<uint32_t> order{0, 1};
  for (uint32_t s = 2; s + 1 < 100; s += 2) {
    order.push_back(s + 1);
    order.push_back(s);
  }
  for (auto s : order) f.send(0, s);
  auto r = f.a.summarize({order.size()}, 1e9);
  EXPECT_EQ(r.reordered, 49u);
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.duplicates, 0u);
  // A reordered frame arriving twice is one reordered and one duplicate.
  f.send(0, 50);
  r = f.a.summarize({order.size()}, 1e9);
  EXPECT_EQ(r.duplicates, 1u);
}

TEST(Analyser, AllThreeAtOnceAndBigGaps) {
  Feeder f(1);
  for (uint32_t s = 0; s < 5000; ++s) {
    if (s >= 1000 && s < 3000) continue;  // a 2000-frame hole (wider than the window)
    f.send(0, s);
  }
  f.send(0, 2500);  // far behind: late, cannot be a duplicate test
  f.send(0, 4990);  // duplicate inside the window
  f.send(0, 4999);  // duplicate
  auto r = f.a.summarize({5000}, 1e9);
  EXPECT_EQ(r.duplicates, 2u);
  EXPECT_EQ(r.reordered, 1u);
  EXPECT_EQ(r.lost, 1999u);
}

TEST(Analyser, ForeignFramesAndFlowIdsOutOfRange) {
  Feeder f(2);
  std::vector<uint8_t> junk(60, 0xab);
  f.a.observe(junk.data(), junk.size(), 0);
  FrameSpec wide;
  wide.flows = 10;
  auto b = build_frame(wide, 7, 64);  // flow 7 > 2 flows
  f.a.observe(b.data(), b.size(), 0);
  auto r = f.a.summarize({0, 0}, 1e9);
  EXPECT_EQ(r.foreign, 2u);
  EXPECT_EQ(r.rx, 0u);
}

TEST(LatencyHistogram, PercentilesWithinBucketResolution) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.add(v);
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_NEAR(h.quantile(0.5), 50000, 50000 * 0.04);
  EXPECT_NEAR(h.quantile(0.99), 99000, 99000 * 0.04);
  EXPECT_NEAR(h.quantile(0.0), 1, 1);
  for (unsigned b = 0; b + 1 < LatencyHistogram::kBuckets; ++b)
    ASSERT_LT(LatencyHistogram::value_of(b), LatencyHistogram::value_of(b + 1)) << b;
  for (uint64_t v : {0ull, 63ull, 64ull, 1000ull, 123456789ull, ~0ull >> 1})
    EXPECT_NEAR(LatencyHistogram::value_of(LatencyHistogram::bucket(v)), double(v), double(v) * 0.04 + 1);
}
