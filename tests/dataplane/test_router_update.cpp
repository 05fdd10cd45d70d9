// Table updates while traffic flows: a worker lcore forwards continuously
// while the control thread publishes thousands of new tables. No frame may
// be lost or misforwarded, and retired tables are reclaimed.
#include <gtest/gtest.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <atomic>
#include <random>

#include "dataplane_test_env.hpp"

namespace l2vpn::dp {
namespace {

using test::Frame;
using test::mac;

// Label 100 always swaps to 1000 toward core1, but under a different NHLFE
// id and table position each version; label 300 flips between two next
// hops; a churn of unrelated labels appears and disappears.
ForwardingState version(unsigned v, std::mt19937& rng) {
  ForwardingState s;
  s.router = "P";
  for (int i = 0; i < 4; ++i) s.ports.push_back({"core" + std::to_string(i), "", mac(uint8_t(i)), 1500});
  uint32_t id = 1 + v % 7;
  auto add = [&](NhlfeOp op, uint32_t label_out, int port) {
    Nhlfe n;
    n.id = id++;
    n.op = op;
    if (op != NhlfeOp::pop) n.labels = {label_out};
    n.out_port = "core" + std::to_string(port);
    n.next_hop_mac = mac(uint8_t(0xa0 + port), 0x06);
    s.nhlfes.push_back(n);
    return n.id;
  };
  unsigned churn = rng() % 64;
  for (unsigned i = 0; i < churn; ++i)
    s.ilm.push_back({uint32_t(5000 + rng() % 50000) * 16 % kMaxLabel + 16 + i, IlmAction::forward,
                     add(NhlfeOp::swap, 16 + rng() % 1000, 1 + int(rng() % 3))});
  std::sort(s.ilm.begin(), s.ilm.end(), [](auto& a, auto& b) { return a.label < b.label; });
  s.ilm.erase(std::unique(s.ilm.begin(), s.ilm.end(), [](auto& a, auto& b) { return a.label == b.label; }),
              s.ilm.end());
  std::erase_if(s.ilm, [](auto& e) { return e.label == 100 || e.label == 300; });
  s.ilm.push_back({100, IlmAction::forward, add(NhlfeOp::swap, 1000, 1)});
  s.ilm.push_back({300, IlmAction::forward, v % 2 ? add(NhlfeOp::swap, 3000, 2) : add(NhlfeOp::swap, 3001, 3)});
  return s;
}

struct WorkerArgs {
  Router* router;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> polls{0};
};

int worker_main(void* arg) {
  auto* a = static_cast<WorkerArgs*>(arg);
  unsigned id = rte_lcore_id();
  test::rcu().register_worker(id);
  while (!a->stop.load(std::memory_order_relaxed)) {
    a->router->poll(0);
    test::rcu().quiescent(id);
    a->polls.fetch_add(1, std::memory_order_relaxed);
  }
  test::rcu().unregister_worker(id);
  return 0;
}

TEST(RouterUpdate, ThousandsOfUpdatesUnderLoadLoseAndMisforwardNothing) {
  unsigned lcore = rte_get_next_lcore(-1, 1, 0);
  if (lcore >= RTE_MAX_LCORE) GTEST_SKIP() << "needs a second lcore (EAL -l 0-1)";
  std::mt19937 rng(7);
  test::RouterHarness h(version(0, rng));
  WorkerArgs args;
  args.router = h.router.get();
  ASSERT_EQ(rte_eal_remote_launch(worker_main, &args, lcore), 0);

  uint64_t sent100 = 0, sent300 = 0, got100 = 0, got300 = 0, bad = 0;
  auto drain = [&] {
    for (int port = 1; port <= 3; ++port) {
      void* objs[64];
      unsigned n;
      while ((n = rte_ring_dequeue_burst(h.tx[size_t(port)].get(), objs, 64, nullptr)) > 0) {
        for (unsigned i = 0; i < n; ++i) {
          auto* m = static_cast<rte_mbuf*>(objs[i]);
          uint32_t w = load_be32(rte_pktmbuf_mtod(m, uint8_t*) + 14);
          uint32_t l = lse::label(w);
          if (port == 1 && l == 1000 && lse::ttl(w) == 63) ++got100;
          else if ((port == 2 && l == 3000) || (port == 3 && l == 3001)) ++got300;
          else ++bad;
          rte_pktmbuf_free(m);
        }
      }
    }
  };
  const unsigned kUpdates = 3000;
  for (unsigned v = 1; v <= kUpdates; ++v) {
    rte_mbuf* burst[32];
    unsigned n = 0;
    for (; n < 32; ++n) {
      bool is100 = (v + n) % 2;
      burst[n] = Frame().eth(mac(0), mac(9), kEtherTypeMpls).mpls(is100 ? 100 : 300, 0, true, 64).fill(46).mbuf();
      if (!burst[n]) break;
      (is100 ? sent100 : sent300)++;
    }
    // The worker may be starved on a loaded machine: wait for room rather
    // than lose frames (the test is about updates, not about a full ring).
    unsigned q = 0;
    for (int tries = 0; q < n && tries < 20000; ++tries) {
      q += rte_ring_enqueue_burst(h.rx[0].get(), reinterpret_cast<void**>(burst + q), n - q, nullptr);
      if (q < n) {
        drain();
        rte_delay_us_sleep(100);
      }
    }
    ASSERT_EQ(q, n) << "worker made no progress for 2 s";
    auto st = h.router->update(version(v, rng));
    ASSERT_TRUE(st.ok()) << st.error().message;
    drain();
  }
  // Let the worker finish what is queued.
  for (int i = 0; i < 1000 && (rte_ring_count(h.rx[0].get()) || got100 + got300 + bad < sent100 + sent300); ++i) {
    rte_delay_us_sleep(1000);
    drain();
  }
  args.stop = true;
  rte_eal_wait_lcore(lcore);
  drain();
  h.router->reclaim();

  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(got100, sent100);
  EXPECT_EQ(got300, sent300);
  auto st = h.router->stats();
  EXPECT_EQ(st.total_drops(), 0u);
  EXPECT_EQ(st.forwarded, sent100 + sent300);
  EXPECT_LE(h.router->retired_tables(), 1u);  // grace periods passed, old tables freed
  RecordProperty("updates", int(kUpdates));
  RecordProperty("frames", int(sent100 + sent300));
}

TEST(RouterUpdate, InvalidStateIsRejectedAndOldTablesKeepForwarding) {
  std::mt19937 rng(1);
  test::RouterHarness h(version(0, rng));
  auto bad = version(1, rng);
  bad.ilm.push_back({3, IlmAction::forward, bad.nhlfes[0].id});  // implicit null in the ILM
  auto st = h.router->update(bad);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("implicit null"), std::string::npos) << st.error().message;
  bad = version(1, rng);
  bad.nhlfes[0].out_port = "nowhere";
  st = h.router->update(bad);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("nowhere"), std::string::npos);
  h.inject("core0", {Frame().eth(mac(0), mac(9), kEtherTypeMpls).mpls(100, 0, true, 64).fill(46).mbuf()});
  EXPECT_EQ(h.take("core1").size(), 1u);
}

}  // namespace
}  // namespace l2vpn::dp

namespace l2vpn::dp {
namespace {

// Two workers forward at once, each on its own queue (ring pair) of every
// port, as with RSS on a NIC: counters are per worker and add up.
struct TwoWorkerArgs {
  Router* router;
  unsigned worker;
  std::atomic<bool>* stop;
};

int second_worker_main(void* arg) {
  auto* a = static_cast<TwoWorkerArgs*>(arg);
  while (!a->stop->load(std::memory_order_relaxed)) a->router->poll(a->worker);
  a->router->poll(a->worker);
  return 0;
}

TEST(RouterWorkers, TwoLcoresForwardTheirOwnQueuesAndCountersAddUp) {
  unsigned lcore = rte_get_next_lcore(-1, 1, 0);
  if (lcore >= RTE_MAX_LCORE) GTEST_SKIP() << "needs a second lcore (EAL -l 0-1)";
  std::mt19937 rng(3);
  auto state = version(0, rng);
  Router router("P", test::rcu(), 2);
  // Per port and per worker: an rx ring we feed and a tx ring we read.
  std::vector<RingPtr> rx, tx;
  for (auto& p : state.ports) {
    uint16_t i = router.add_port(p.name);
    for (unsigned w = 0; w < 2; ++w) {
      rx.push_back(std::move(make_ring(p.name + ".rx", 4096).value()));
      tx.push_back(std::move(make_ring(p.name + ".tx", 4096).value()));
      router.set_port_io(i, w, std::make_unique<RingPortIo>(rx.back().get(), tx.back().get()));
    }
  }
  ASSERT_TRUE(router.update(state).ok());
  const unsigned kFrames = 3000;  // per worker
  for (unsigned w = 0; w < 2; ++w)
    for (unsigned i = 0; i < kFrames; ++i) {
      rte_mbuf* m = Frame().eth(mac(0), mac(9), kEtherTypeMpls).mpls(100, 0, true, 64).fill(46).mbuf();
      ASSERT_NE(m, nullptr);
      ASSERT_EQ(rte_ring_enqueue(rx[w].get(), m), 0);  // port core0, queue of worker w
    }
  std::atomic<bool> stop{false};
  TwoWorkerArgs args{&router, 1, &stop};
  ASSERT_EQ(rte_eal_remote_launch(second_worker_main, &args, lcore), 0);
  for (int i = 0; i < 100000 && rte_ring_count(rx[0].get()); ++i) router.poll(0);
  for (int i = 0; i < 2000 && rte_ring_count(rx[1].get()); ++i) rte_delay_us_sleep(100);
  stop = true;
  rte_eal_wait_lcore(lcore);
  // Port core1 is index 1: its queues are rings 2 (worker 0) and 3 (worker 1).
  EXPECT_EQ(rte_ring_count(tx[2].get()), kFrames);
  EXPECT_EQ(rte_ring_count(tx[3].get()), kFrames);
  auto st = router.stats();
  EXPECT_EQ(st.rx_packets, 2u * kFrames);
  EXPECT_EQ(st.forwarded, 2u * kFrames);
  EXPECT_EQ(router.label_stats(100).rx_packets, 2u * kFrames);
  EXPECT_EQ(router.port_stats(1).tx_packets, 2u * kFrames);
  for (auto* rings : {&rx, &tx})
    for (auto& r : *rings) {
      void* m;
      while (rte_ring_dequeue(r.get(), &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    }
}

}  // namespace
}  // namespace l2vpn::dp
