// The link model: propagation delay, serialization at the link rate, tail
// drop above the queue, random loss, down links, FIFO order.
#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include <cstring>

#include "dataplane/port.hpp"
#include "sim/link.hpp"

namespace l2vpn::sim {
namespace {

rte_mempool* link_pool() {
  static rte_mempool* p = [] {
    auto r = dp::make_mbuf_pool("link_test_pool", 8191);
    EXPECT_TRUE(r.ok());
    return *r;
  }();
  return p;
}

struct Wire {
  dp::RingPtr in = std::move(dp::make_ring("in", 8192)).value();
  dp::RingPtr out = std::move(dp::make_ring("out", 8192)).value();
  void send(unsigned n, uint16_t len = 100) {
    for (unsigned i = 0; i < n; ++i) {
      rte_mbuf* m = rte_pktmbuf_alloc(link_pool());
      ASSERT_NE(m, nullptr);
      ASSERT_NE(rte_pktmbuf_append(m, len), nullptr);
      auto* d = rte_pktmbuf_mtod(m, uint8_t*);
      for (uint16_t k = 0; k < len; ++k) d[k] = 0;
      d[0] = uint8_t(i);
      d[1] = uint8_t(i >> 8);
      ASSERT_EQ(rte_ring_enqueue(in.get(), m), 0);
    }
  }
  std::vector<unsigned> received() {
    std::vector<unsigned> ids;
    void* o;
    while (rte_ring_dequeue(out.get(), &o) == 0) {
      auto* m = static_cast<rte_mbuf*>(o);
      auto* d = rte_pktmbuf_mtod(m, uint8_t*);
      ids.push_back(d[0] | d[1] << 8);
      rte_pktmbuf_free(m);
    }
    return ids;
  }
};

TEST(Link, DelayAndSerialization) {
  Wire w;
  LinkParams p;
  p.delay_us = 1000;       // 1 ms
  p.rate_bps = 1'000'000'000;  // 1 Gb/s: (100 + 24) bytes = 992 ns
  LinkDirection link(w.in.get(), w.out.get(), p, 1);
  w.send(2);
  EXPECT_EQ(link.ingest(0), 2u);
  EXPECT_EQ(link.next_arrival(), 992u + 1'000'000);
  EXPECT_EQ(link.deliver(1'000'000), 0u);
  EXPECT_EQ(link.deliver(1'000'992), 1u);
  EXPECT_EQ(link.next_arrival(), 2 * 992u + 1'000'000);
  EXPECT_EQ(link.deliver(2'000'000), 1u);
  EXPECT_EQ(w.received(), (std::vector<unsigned>{0, 1}));
  EXPECT_EQ(link.stats().frames, 2u);
  EXPECT_EQ(link.stats().bytes, 200u);
  EXPECT_EQ(link.stats().busy_ns, 2 * 992u);
}

TEST(Link, TailDropAboveTheQueueAndOrderKept) {
  Wire w;
  LinkParams p;
  p.delay_us = 0;
  p.rate_bps = 1'000'000'000;
  p.queue_bytes = 124 * 10;  // ten frames
  LinkDirection link(w.in.get(), w.out.get(), p, 1);
  w.send(50);
  link.ingest(0);
  EXPECT_EQ(link.in_flight(), 10u);
  EXPECT_EQ(link.stats().queue_drops, 40u);
  link.deliver(UINT64_MAX - 1);
  auto ids = w.received();
  ASSERT_EQ(ids.size(), 10u);
  for (unsigned i = 0; i < 10; ++i) EXPECT_EQ(ids[i], i);
}

TEST(Link, RandomLossIsSeededAndNearItsRate) {
  auto run = [](uint64_t seed) {
    Wire w;
    LinkParams p;
    p.loss = 0.1;
    p.rate_bps = 100'000'000'000ULL;
    p.queue_bytes = 1ull << 30;
    LinkDirection link(w.in.get(), w.out.get(), p, seed);
    w.send(4000);
    link.ingest(0);
    link.deliver(UINT64_MAX - 1);
    return w.received();
  };
  auto a = run(7), b = run(7), c = run(8);
  EXPECT_EQ(a, b);  // same seed, same frames lost
  EXPECT_NE(a, c);
  EXPECT_NEAR(double(a.size()), 3600.0, 150.0);
}

TEST(Link, DownLinkLosesInFlightAndNewFrames) {
  Wire w;
  LinkParams p;
  p.delay_us = 100;
  LinkDirection link(w.in.get(), w.out.get(), p, 1);
  w.send(5);
  link.ingest(0);
  link.set_up(false, 10);
  EXPECT_EQ(link.in_flight(), 0u);
  w.send(3);
  link.ingest(20);
  EXPECT_EQ(link.stats().down_drops, 8u);
  link.set_up(true, 30);
  w.send(1);
  link.ingest(30);
  link.deliver(UINT64_MAX - 1);
  EXPECT_EQ(w.received().size(), 1u);
}

TEST(Link, TimedIngestSerializesEachFrameFromItsOwnTimeInTimeOrder) {
  // Frames queued at once but stamped with different times (what a router
  // forwards inside one window): serialized from their own times, earliest
  // first, and each delivered stamped with its arrival.
  Wire w;
  LinkParams p;
  p.delay_us = 1000;
  p.rate_bps = 1'000'000'000;  // (100 + 24) bytes = 992 ns
  LinkDirection link(w.in.get(), w.out.get(), p, 1);
  ASSERT_GE(g_frame_time_offset, 0);
  w.send(3);
  // Ring order 0, 1, 2 with times 5000, 1000, 1500.
  const uint64_t times[3] = {5000, 1000, 1500};
  {
    std::vector<rte_mbuf*> ms;
    void* o;
    while (rte_ring_dequeue(w.in.get(), &o) == 0) ms.push_back(static_cast<rte_mbuf*>(o));
    ASSERT_EQ(ms.size(), 3u);
    for (size_t i = 0; i < ms.size(); ++i) {
      set_frame_time(ms[i], times[i]);
      ASSERT_EQ(rte_ring_enqueue(w.in.get(), ms[i]), 0);
    }
  }
  EXPECT_EQ(link.ingest_timed(), 3u);
  // Frame 1 at 1000 (done 1992), frame 2 waits for it (done 2984), frame 0
  // at 5000 on an idle serializer (done 5992).
  std::vector<std::pair<unsigned, uint64_t>> got;
  while (link.in_flight()) {
    const uint64_t at = link.next_arrival();
    ASSERT_TRUE(link.deliver_one());
    void* o;
    ASSERT_EQ(rte_ring_dequeue(w.out.get(), &o), 0);
    auto* m = static_cast<rte_mbuf*>(o);
    EXPECT_EQ(frame_time(m), at);
    got.push_back({rte_pktmbuf_mtod(m, uint8_t*)[0], at});
    rte_pktmbuf_free(m);
  }
  const std::vector<std::pair<unsigned, uint64_t>> want = {
      {1, 1992 + 1'000'000}, {2, 2984 + 1'000'000}, {0, 5992 + 1'000'000}};
  EXPECT_EQ(got, want);
}

// Direct use (the backbone's): no rings. send() serializes, release_one()
// marks the head as arrived, take() hands arrived frames over in order with
// their statistics; the line grows past its first size; a link going down
// loses what is on the wire but not what has already arrived.
TEST(Link, DirectSendReleaseTakeAndDownKeepsWhatArrived) {
  LinkParams p;
  p.delay_us = 10;
  p.rate_bps = 1'000'000'000;  // (100 + 24) bytes = 992 ns
  LinkDirection link(nullptr, nullptr, p, 1);
  auto frame = [](unsigned id) {
    rte_mbuf* m = rte_pktmbuf_alloc(link_pool());
    EXPECT_NE(m, nullptr);
    auto* d = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, 100));
    EXPECT_NE(d, nullptr);
    for (uint16_t k = 0; d && k < 100; ++k) d[k] = k == 0 ? uint8_t(id) : k == 1 ? uint8_t(id >> 8) : 0;
    return m;
  };
  const unsigned kFrames = 300;  // more than the line's first size (64)
  for (unsigned i = 0; i < kFrames; ++i) link.send(frame(i), 1000);
  EXPECT_EQ(link.in_flight(), kFrames);
  EXPECT_EQ(link.next_arrival(), 1000 + 992 + 10'000u);
  // Nothing taken before it is released.
  rte_mbuf* got[64];
  EXPECT_EQ(link.take(got, 64, true), 0u);
  for (unsigned i = 0; i < 100; ++i) {
    EXPECT_EQ(link.next_arrival(), 1000 + 992 * (i + 1) + 10'000u) << i;
    link.release_one();
  }
  EXPECT_EQ(link.released(), 100u);
  EXPECT_EQ(link.in_flight(), kFrames - 100);
  // The link fails: 200 frames on the wire are lost, the 100 arrived stay.
  link.set_up(false, 5000);
  EXPECT_EQ(link.stats().down_drops, kFrames - 100);
  EXPECT_EQ(link.in_flight(), 0u);
  EXPECT_EQ(link.next_arrival(), UINT64_MAX);
  unsigned next = 0;
  for (unsigned n; (n = link.take(got, 64, true)) > 0;)
    for (unsigned i = 0; i < n; ++i) {
      auto* d = rte_pktmbuf_mtod(got[i], uint8_t*);
      EXPECT_EQ(unsigned(d[0] | d[1] << 8), next);
      EXPECT_EQ(frame_time(got[i]), 1000 + 992 * (next + 1) + 10'000u);  // stamped with its arrival
      ++next;
      rte_pktmbuf_free(got[i]);
    }
  EXPECT_EQ(next, 100u);
  EXPECT_EQ(link.stats().frames, 100u);
  EXPECT_EQ(link.stats().bytes, 100u * 100);
  EXPECT_EQ(link.released(), 0u);
  // Sent while down: dropped at once.
  link.send(frame(0), 6000);
  EXPECT_EQ(link.stats().down_drops, kFrames - 100 + 1);
  EXPECT_EQ(link.in_flight(), 0u);
}

// Windows: frames held with their own times go on the wire in time order.
TEST(Link, HeldFramesAreSerializedInTimeOrder) {
  LinkParams p;
  p.delay_us = 1000;
  p.rate_bps = 1'000'000'000;
  LinkDirection link(nullptr, nullptr, p, 1);
  ASSERT_GE(g_frame_time_offset, 0);
  const uint64_t times[3] = {5000, 1000, 1500};
  for (unsigned i = 0; i < 3; ++i) {
    rte_mbuf* m = rte_pktmbuf_alloc(link_pool());
    ASSERT_NE(m, nullptr);
    auto* d = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, 100));
    ASSERT_NE(d, nullptr);
    for (uint16_t k = 0; k < 100; ++k) d[k] = k == 0 ? uint8_t(i) : 0;
    set_frame_time(m, times[i]);
    link.hold(m);
  }
  EXPECT_TRUE(link.holding());
  EXPECT_EQ(link.in_flight(), 0u);
  link.send_held();
  EXPECT_FALSE(link.holding());
  std::vector<std::pair<unsigned, uint64_t>> got;
  while (link.in_flight()) {
    const uint64_t at = link.next_arrival();
    link.release_one();
    rte_mbuf* m;
    ASSERT_EQ(link.take(&m, 1, false), 1u);
    got.push_back({rte_pktmbuf_mtod(m, uint8_t*)[0], at});
    rte_pktmbuf_free(m);
  }
  const std::vector<std::pair<unsigned, uint64_t>> want = {
      {1, 1992 + 1'000'000}, {2, 2984 + 1'000'000}, {0, 5992 + 1'000'000}};
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace l2vpn::sim
