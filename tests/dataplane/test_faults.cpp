// Faults at the dataplane (issue 9): 10^5 ILM labels added and 10^5 removed,
// published as ForwardingStateDiffs through Router::update while a worker
// lcore forwards traffic on the router. The steady flows (an LSP swap and a
// VPWS in both directions) lose nothing and nothing is misforwarded; frames
// sent on the churning labels are either forwarded as their entry says or
// counted as ilm_miss; per router, received = forwarded + drops; retired
// tables are freed (and, under scripts/sanitize.sh, nothing leaks).
#include <gtest/gtest.h>
#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <atomic>

#include "contract/forwarding_state_diff.hpp"
#include "dataplane_test_env.hpp"

namespace l2vpn::dp {
namespace {

using test::Bytes;
using test::Frame;
using test::mac;

constexpr uint32_t kChurnBase = 10000;       // churn labels: kChurnBase + i
constexpr uint32_t kChurnOutOffset = 200000;  // label L swaps to L + this
constexpr unsigned kPerUpdate = 500;          // labels added (and removed) per update
constexpr unsigned kUpdates = 200;            // 200 * 500 = 10^5 each way

// PE: "core0" in, "core1" toward P (swap 100 -> 1000), "core2" carrying PW 1
// (transport push [2000], remote 5001, local 6001, control word) to AC "ac1".
ForwardingState base_state() {
  ForwardingState s;
  s.router = "PE";
  s.ports = {{"ac1", "", mac(0x20), 1500},
             {"core0", "", mac(0x10), 1500},
             {"core1", "", mac(0x11), 1500},
             {"core2", "", mac(0x12), 1500}};
  Nhlfe n;
  n.id = 1;
  n.op = NhlfeOp::swap;
  n.labels = {1000};
  n.out_port = "core1";
  n.next_hop_mac = mac(0xa1, 0x06);
  s.nhlfes.push_back(n);
  n.id = 2;
  n.op = NhlfeOp::push;
  n.labels = {2000};
  n.out_port = "core2";
  n.next_hop_mac = mac(0xa2, 0x06);
  s.nhlfes.push_back(n);
  Pseudowire pw;
  pw.id = 1;
  pw.pw_id = 101;
  pw.peer = "PE2";
  pw.local_label = 6001;
  pw.remote_label = 5001;
  pw.transport = NextHop{NextHop::Kind::nhlfe, 2};
  pw.control_word = true;
  s.pseudowires.push_back(pw);
  s.ilm = {{100, IlmAction::forward, 1}, {6001, IlmAction::pw_disposition, 1}};
  s.attachment_circuits = {{"site-a", "ac1", 0, AcMode::raw, 1u, std::nullopt}};
  canonicalize(s);
  return s;
}

// Adds labels [from, from + n) and removes [gone, gone + n) (if any).
ForwardingStateDiff churn(uint32_t from, uint32_t gone, unsigned n, bool remove) {
  ForwardingStateDiff d;
  d.router = "PE";
  for (uint32_t l = from; l < from + n; ++l) {
    Nhlfe nh;
    nh.id = l;  // ids of the churn NHLFEs are their labels: no clash with 1 and 2
    nh.op = NhlfeOp::swap;
    nh.labels = {l + kChurnOutOffset};
    nh.out_port = "core1";
    nh.next_hop_mac = mac(0xa1, 0x06);
    d.nhlfes.added.push_back(nh);
    d.ilm.added.push_back({l, IlmAction::forward, l});
  }
  if (remove)
    for (uint32_t l = gone; l < gone + n; ++l) {
      d.nhlfes.removed.push_back(l);
      d.ilm.removed.push_back(l);
    }
  return d;
}

struct WorkerArgs {
  Router* router;
  std::atomic<bool> stop{false};
};

int worker_main(void* arg) {
  auto* a = static_cast<WorkerArgs*>(arg);
  unsigned id = rte_lcore_id();
  test::rcu().register_worker(id);
  while (!a->stop.load(std::memory_order_relaxed)) {
    a->router->poll(0);
    test::rcu().quiescent(id);
  }
  a->router->poll(0);
  test::rcu().unregister_worker(id);
  return 0;
}

TEST(Faults, HundredThousandLabelsAddedAndRemovedUnderTraffic) {
  unsigned lcore = rte_get_next_lcore(-1, 1, 0);
  if (lcore >= RTE_MAX_LCORE) GTEST_SKIP() << "needs a second lcore (EAL -l 0-1)";
  ForwardingState state = base_state();
  test::RouterHarness h(state);
  const int ac1 = h.router->port_index("ac1"), core0 = h.router->port_index("core0");
  const int core1 = h.router->port_index("core1"), core2 = h.router->port_index("core2");
  WorkerArgs args;
  args.router = h.router.get();
  ASSERT_EQ(rte_eal_remote_launch(worker_main, &args, lcore), 0);

  const Bytes cust = test::customer_frame(mac(2), mac(1), 46);
  uint64_t sent_lsp = 0, sent_pw_in = 0, sent_pw_out = 0, sent_churn = 0;
  uint64_t got_lsp = 0, got_pw_in = 0, got_pw_out = 0, got_churn = 0, bad = 0;
  auto drain = [&] {
    void* objs[64];
    for (int port : {ac1, core1, core2}) {
      unsigned n;
      while ((n = rte_ring_dequeue_burst(h.tx[size_t(port)].get(), objs, 64, nullptr)) > 0) {
        for (unsigned i = 0; i < n; ++i) {
          auto* m = static_cast<rte_mbuf*>(objs[i]);
          const Bytes b = test::bytes_of(m);
          rte_pktmbuf_free(m);
          if (port == ac1) {
            (b == cust ? got_pw_out : bad)++;
            continue;
          }
          const uint32_t w = load_be32(b.data() + 14);
          const uint32_t l = lse::label(w);
          if (port == core1 && l == 1000 && lse::ttl(w) == 63) ++got_lsp;
          else if (port == core1 && l >= kChurnBase + kChurnOutOffset &&
                   l < kChurnBase + kChurnOutOffset + kUpdates * kPerUpdate + kPerUpdate)
            ++got_churn;
          else if (port == core2 && l == 2000 && lse::label(load_be32(b.data() + 18)) == 5001 &&
                   Bytes(b.begin() + 26, b.end()) == cust)
            ++got_pw_in;
          else
            ++bad;
        }
      }
    }
  };
  // Enqueues a frame on a port's rx ring, waiting for the worker if full.
  auto send = [&](int port, rte_mbuf* m) {
    ASSERT_NE(m, nullptr);
    for (int tries = 0; rte_ring_enqueue(h.rx[size_t(port)].get(), m) != 0; ++tries) {
      ASSERT_LT(tries, 20000) << "worker made no progress for 2 s";
      drain();
      rte_delay_us_sleep(100);
    }
  };

  uint64_t diff_entries = 0, added = 0, removed = 0;
  uint32_t churn_label = kChurnBase;  // next churn label to send on
  for (unsigned u = 0; u < kUpdates; ++u) {
    // Traffic first: 16 frames per flow per update, plus 16 on churn labels
    // (some present, some just removed or not yet added).
    for (unsigned i = 0; i < 16; ++i) {
      send(core0, Frame().eth(mac(0x10), mac(9), kEtherTypeMpls).mpls(100, 0, true, 64).fill(46).mbuf());
      send(ac1, Frame().bytes(cust).mbuf());
      send(core0, Frame().eth(mac(0x10), mac(9), kEtherTypeMpls).mpls(6001, 0, true, 64).word(0).bytes(cust).mbuf());
      send(core0, Frame().eth(mac(0x10), mac(9), kEtherTypeMpls).mpls(churn_label, 0, true, 64).fill(46).mbuf());
      sent_lsp++, sent_pw_in++, sent_pw_out++, sent_churn++;
      churn_label = kChurnBase + (churn_label - kChurnBase + 37) % ((u + 2) * kPerUpdate);
    }
    const uint32_t from = kChurnBase + u * kPerUpdate;
    auto d = churn(from, from - kPerUpdate, kPerUpdate, u > 0);
    diff_entries += d.size();
    added += d.ilm.added.size();
    removed += d.ilm.removed.size();
    state = apply(state, d);
    auto st = h.router->update(state);
    ASSERT_TRUE(st.ok()) << st.error().message;
    drain();
  }
  // The last window goes too: 10^5 removed.
  {
    auto d = churn(kChurnBase + kUpdates * kPerUpdate, kChurnBase + (kUpdates - 1) * kPerUpdate, 0, true);
    for (uint32_t l = kChurnBase + (kUpdates - 1) * kPerUpdate; l < kChurnBase + kUpdates * kPerUpdate; ++l) {
      d.nhlfes.removed.push_back(l);
      d.ilm.removed.push_back(l);
    }
    removed += d.ilm.removed.size();
    state = apply(state, d);
    ASSERT_TRUE(h.router->update(state).ok());
  }
  const uint64_t sent = sent_lsp + sent_pw_in + sent_pw_out + sent_churn;
  for (int i = 0; i < 20000; ++i) {  // up to 20 s on a starved machine
    drain();
    auto st = h.router->stats();
    if (st.forwarded + st.total_drops() >= sent) break;
    rte_delay_us_sleep(1000);
  }
  args.stop = true;
  rte_eal_wait_lcore(lcore);
  drain();
  h.router->reclaim_all();

  EXPECT_EQ(added, 100000u);
  EXPECT_EQ(removed, 100000u);
  EXPECT_EQ(state.ilm.size(), 2u);  // back to the two steady entries
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(got_lsp, sent_lsp);
  EXPECT_EQ(got_pw_in, sent_pw_in);
  EXPECT_EQ(got_pw_out, sent_pw_out);
  auto st = h.router->stats();
  EXPECT_EQ(st.rx_packets, sent);
  EXPECT_EQ(st.rx_packets + st.replicas, st.forwarded + st.total_drops());
  // The only drops: churn frames whose label was not (or no longer) there.
  EXPECT_EQ(st.total_drops(), st.drop(DropReason::ilm_miss));
  EXPECT_EQ(got_churn + st.drop(DropReason::ilm_miss), sent_churn);
  EXPECT_EQ(h.router->retired_tables(), 0u);
  // With the churn gone the tables are as small as at the start.
  EXPECT_LT(h.router->table_memory_bytes(), 64u * 1024);
  RecordProperty("updates", int(kUpdates + 1));
  RecordProperty("diff_entries", int(diff_entries));
  RecordProperty("frames", int(sent));
}

}  // namespace
}  // namespace l2vpn::dp
