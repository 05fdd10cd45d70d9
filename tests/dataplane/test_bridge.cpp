// The bridge stage: learning from ACs and PWs, known unicast, flooding with
// split horizon from every kind of member, moves, limits, static entries,
// aging on a manual clock, flushes, the flood rate limit, replication by
// reference, and counters that add up.
#include <gtest/gtest.h>

#include <algorithm>

#include "dataplane/router_show.hpp"
#include "vpls_fixture.hpp"

namespace l2vpn::dp {
namespace {

using test::Bytes;
using test::Frame;
using test::mac;

const MacAddr kA = mac(0xaa, 0x00), kB = mac(0xbb, 0x00), kC = mac(0xcc, 0x00);

Bytes cust(const MacAddr& dst, const MacAddr& src, size_t payload = 60, uint8_t seed = 1) {
  return test::customer_frame(dst, src, payload, seed);
}
Bytes tagged(const Bytes& f, uint16_t vid) {
  Frame t;
  t.bytes(Bytes(f.begin(), f.begin() + 12)).type(kEtherTypeVlan).type(vid).bytes(Bytes(f.begin() + 12, f.end()));
  return t.data();
}
std::vector<uint32_t> pw_labels(const std::vector<Bytes>& out) {
  std::vector<uint32_t> l;
  for (auto& b : out) l.push_back(test::pw_label_of(b));
  std::sort(l.begin(), l.end());
  return l;
}
void expect_balanced(const Router& r) {
  auto st = r.stats();
  EXPECT_EQ(st.rx_packets + st.replicas, st.forwarded + st.total_drops());
}

TEST(Bridge, InvalidStatesAreRejected) {
  auto s = test::vpls_state();
  s.bridge_domains[0].mesh_pseudowires.push_back(21);  // PW 21 is red's
  test::RouterHarness h(test::vpls_state());
  auto st = h.router->update(s);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("bound twice"), std::string::npos) << st.error().message;
  s = test::vpls_state();
  s.bridge_domains[0].static_macs.push_back({test::bcast(), "a1", std::nullopt});
  st = h.router->update(s);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("unicast"), std::string::npos) << st.error().message;
  s = test::vpls_state();
  s.bridge_domains[0].static_macs.push_back({kA, "r1", std::nullopt});
  st = h.router->update(s);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("outside"), std::string::npos) << st.error().message;
}

TEST(Bridge, UnknownUnicastFromAcFloodsToEveryOtherMember) {
  test::RouterHarness h(test::vpls_state());
  auto f = cust(kB, kA);
  h.inject("ac1", {Frame().bytes(f).mbuf()});
  EXPECT_EQ(h.take("ac1").size(), 0u);
  auto a2 = h.take("ac2");
  ASSERT_EQ(a2.size(), 1u);
  EXPECT_EQ(a2[0], f);
  auto a3 = h.take("ac3");
  ASSERT_EQ(a3.size(), 1u);
  EXPECT_EQ(a3[0], tagged(f, 100));
  auto core = h.take("core");
  ASSERT_EQ(core.size(), 3u);
  EXPECT_EQ(pw_labels(core), (std::vector<uint32_t>{8011, 8012, 8013}));
  for (auto& b : core) {
    uint32_t l = test::pw_label_of(b);
    EXPECT_EQ(b, test::to_pw(l, f, l == 8013)) << l;
  }
  EXPECT_EQ(h.take("ac4").size(), 0u);  // red is another domain
  auto bs = h.router->bd_stats("blue");
  EXPECT_EQ(bs.learned, 1u);
  EXPECT_EQ(bs.unknown_unicast, 1u);
  EXPECT_EQ(bs.flooded, 1u);
  EXPECT_EQ(bs.flood_copies, 5u);
  EXPECT_EQ(h.router->stats().replicas, 4u);
  EXPECT_EQ(h.router->mac_owner("blue", kA), "ac:a1");
  expect_balanced(*h.router);
}

TEST(Bridge, LearnsAgainstPwAndRepliesGoBackOverIt) {
  test::RouterHarness h(test::vpls_state());
  h.inject("ac1", {Frame().bytes(cust(kB, kA)).mbuf()});
  for (auto p : {"ac2", "ac3", "core"}) h.take(p);
  // B answers from behind PW 12: unicast to a1 only, B learned on PW 12.
  auto reply = cust(kA, kB);
  h.inject("core", {test::from_pw(7012, reply)});
  auto a1 = h.take("ac1");
  ASSERT_EQ(a1.size(), 1u);
  EXPECT_EQ(a1[0], reply);
  for (auto p : {"ac2", "ac3", "core"}) EXPECT_EQ(h.take(p).size(), 0u) << p;
  EXPECT_EQ(h.router->mac_owner("blue", kB), "pw:12");
  // A to B now goes over PW 12 alone.
  auto f = cust(kB, kA, 200);
  h.inject("ac1", {Frame().bytes(f).mbuf()});
  auto core = h.take("core");
  ASSERT_EQ(core.size(), 1u);
  EXPECT_EQ(core[0], test::to_pw(8012, f));
  for (auto p : {"ac2", "ac3"}) EXPECT_EQ(h.take(p).size(), 0u) << p;
  auto bs = h.router->bd_stats("blue");
  EXPECT_EQ(bs.known_unicast, 2u);
  EXPECT_EQ(bs.learned, 2u);
  EXPECT_EQ(h.router->bd_member_stats("blue", "pw:12").learned, 1u);
  EXPECT_EQ(h.router->bd_member_stats("blue", "pw:12").tx_flood, 1u);
  EXPECT_EQ(h.router->label_stats(7012).tx_packets, 2u);  // the flood copy, then the unicast
  expect_balanced(*h.router);
}

TEST(Bridge, SplitHorizonFromEveryKindOfMember) {
  test::RouterHarness h(test::vpls_state());
  auto bc = [&](const MacAddr& src) { return cust(test::bcast(), src); };
  // From a mesh PW: every AC and the spoke, never the other mesh PW.
  h.inject("core", {test::from_pw(7011, bc(kA))});
  EXPECT_EQ(h.take("ac1").size(), 1u);
  EXPECT_EQ(h.take("ac2").size(), 1u);
  EXPECT_EQ(h.take("ac3").size(), 1u);
  EXPECT_EQ(pw_labels(h.take("core")), (std::vector<uint32_t>{8013}));
  EXPECT_EQ(h.router->bd_stats("blue").split_horizon, 1u);
  // From the spoke: everything else, both mesh PWs included.
  h.inject("core", {test::from_pw(7013, bc(kB), true)});
  EXPECT_EQ(h.take("ac1").size() + h.take("ac2").size() + h.take("ac3").size(), 3u);
  EXPECT_EQ(pw_labels(h.take("core")), (std::vector<uint32_t>{8011, 8012}));
  // From an AC: everything else.
  h.inject("ac3", {Frame().bytes(tagged(bc(kC), 100)).mbuf()});
  EXPECT_EQ(h.take("ac1").size() + h.take("ac2").size() + h.take("ac3").size(), 2u);
  EXPECT_EQ(pw_labels(h.take("core")), (std::vector<uint32_t>{8011, 8012, 8013}));
  // Known unicast from one mesh PW to a MAC behind another: dropped.
  h.inject("core", {test::from_pw(7012, cust(kA, mac(0x77, 0)))});
  EXPECT_EQ(h.take("core").size(), 0u);
  EXPECT_EQ(h.router->stats().drop(DropReason::split_horizon), 1u);
  // Known unicast back to where it came from: dropped too.
  h.inject("ac1", {Frame().bytes(cust(kC, mac(0x78, 0))).mbuf()});  // C is on a3: fine
  EXPECT_EQ(h.take("ac3").size(), 1u);
  h.inject("ac3", {Frame().bytes(tagged(cust(kC, mac(0x79, 0)), 100)).mbuf()});
  EXPECT_EQ(h.router->stats().drop(DropReason::bd_same_port), 1u);
  // A mesh-only view: a domain whose only other members are mesh PWs drops
  // a broadcast from a mesh PW as split horizon.
  auto s = test::vpls_state();
  s.bridge_domains[1].mesh_pseudowires.push_back(12);
  s.bridge_domains[0].mesh_pseudowires = {11};
  s.bridge_domains[1].attachment_circuits.clear();
  s.attachment_circuits[3].bridge_domain = "blue";
  s.bridge_domains[0].attachment_circuits.push_back("r1");
  ASSERT_TRUE(h.router->update(s).ok());
  uint64_t before = h.router->stats().drop(DropReason::split_horizon);
  h.inject("core", {test::from_pw(7021, bc(mac(0x55, 0)))});
  EXPECT_EQ(h.router->stats().drop(DropReason::split_horizon), before + 1);
  expect_balanced(*h.router);
}

TEST(Bridge, MacMoveBetweenMembers) {
  test::RouterHarness h(test::vpls_state());
  h.inject("ac1", {Frame().bytes(cust(kB, kA)).mbuf()});
  EXPECT_EQ(h.router->mac_owner("blue", kA), "ac:a1");
  h.inject("core", {test::from_pw(7011, cust(kB, kA))});
  EXPECT_EQ(h.router->mac_owner("blue", kA), "pw:11");
  h.inject("ac2", {Frame().bytes(cust(kB, kA)).mbuf()});
  EXPECT_EQ(h.router->mac_owner("blue", kA), "ac:a2");
  for (auto p : {"ac1", "ac2", "ac3", "core"}) h.take(p);
  h.inject("core", {test::from_pw(7013, cust(kA, kB), true)});
  EXPECT_EQ(h.take("ac2").size(), 1u);
  EXPECT_EQ(h.take("ac1").size(), 0u);
  auto bs = h.router->bd_stats("blue");
  EXPECT_EQ(bs.learned, 2u);
  EXPECT_EQ(bs.moved, 2u);
  EXPECT_EQ(h.router->mac_table("blue")->learned(), 2u);
}

TEST(Bridge, DomainLimitForwardsButDoesNotLearn) {
  auto s = test::vpls_state();
  s.bridge_domains[0].mac_limit = 4;
  test::RouterHarness h(s);
  std::vector<rte_mbuf*> in;
  for (int i = 0; i < 10; ++i) in.push_back(Frame().bytes(cust(test::bcast(), mac(uint8_t(i + 1), 0x00))).mbuf());
  h.inject("ac1", in);
  EXPECT_EQ(h.take("ac2").size(), 10u);  // all forwarded
  auto bs = h.router->bd_stats("blue");
  EXPECT_EQ(bs.learned, 4u);
  EXPECT_EQ(bs.limit_hits, 6u);
  EXPECT_EQ(h.router->mac_table("blue")->learned(), 4u);
  // Red is untouched and still learns.
  h.inject("ac4", {Frame().bytes(cust(kB, kA)).mbuf()});
  EXPECT_EQ(h.router->bd_stats("red").learned, 1u);
}

TEST(Bridge, GlobalLimitAcrossDomains) {
  test::RouterHarness h(test::vpls_state());
  h.router->set_global_mac_limit(3);
  std::vector<rte_mbuf*> in;
  for (int i = 0; i < 5; ++i) in.push_back(Frame().bytes(cust(test::bcast(), mac(uint8_t(i + 1), 0x00))).mbuf());
  h.inject("ac1", in);
  h.inject("ac4", {Frame().bytes(cust(kB, kA)).mbuf()});
  EXPECT_EQ(h.router->global_macs_learned(), 3u);
  EXPECT_EQ(h.router->bd_stats("blue").global_limit_hits, 2u);
  EXPECT_EQ(h.router->bd_stats("red").global_limit_hits, 1u);
  h.router->set_global_mac_limit(1u << 20);
}

TEST(Bridge, StaticEntriesNeitherMoveNorAge) {
  auto s = test::vpls_state();
  s.bridge_domains[0].static_macs.push_back({kC, "a2", std::nullopt});
  s.bridge_domains[0].static_macs.push_back({kB, "", 12u});
  test::RouterHarness h(s);
  h.router->clock().set_manual(1'000'000'000'000ull);
  auto f = cust(kB, kA);
  h.inject("ac1", {Frame().bytes(f).mbuf()});
  auto core = h.take("core");
  ASSERT_EQ(core.size(), 1u);  // static B on PW 12: unicast, no flood
  EXPECT_EQ(core[0], test::to_pw(8012, f));
  h.inject("ac1", {Frame().bytes(cust(kA, kC)).mbuf()});  // C seen on a1: stays on a2
  EXPECT_EQ(h.router->mac_owner("blue", kC), "ac:a2");
  EXPECT_EQ(h.router->bd_stats("blue").static_kept, 1u);
  h.router->clock().advance_seconds(10'000);
  EXPECT_EQ(h.router->age_macs(), 1u);  // A ages, the statics do not
  EXPECT_EQ(h.router->mac_owner("blue", kC), "ac:a2");
  EXPECT_EQ(h.router->mac_owner("blue", kB), "pw:12");
  EXPECT_FALSE(h.router->mac_owner("blue", kA).has_value());
  EXPECT_EQ(h.router->mac_table("blue")->learned(), 0u);
  // Removed from the state: gone.
  s.bridge_domains[0].static_macs.pop_back();
  ASSERT_TRUE(h.router->update(s).ok());
  EXPECT_FALSE(h.router->mac_owner("blue", kB).has_value());
  EXPECT_EQ(h.router->mac_owner("blue", kC), "ac:a2");
}

TEST(Bridge, AgingOnAManualClock) {
  auto s = test::vpls_state();
  s.bridge_domains[0].aging_seconds = 300;
  test::RouterHarness h(s);
  auto& clock = h.router->clock();
  clock.set_manual(5'000'000'000ull);
  h.inject("ac1", {Frame().bytes(cust(test::bcast(), kA)).mbuf()});
  h.inject("ac2", {Frame().bytes(cust(test::bcast(), kB)).mbuf()});
  clock.advance_seconds(200);
  h.inject("ac2", {Frame().bytes(cust(test::bcast(), kB)).mbuf()});  // B refreshed
  clock.advance_seconds(99);
  EXPECT_EQ(h.router->age_macs(), 0u);
  clock.advance_seconds(2);  // A at 301 s, B at 101 s
  EXPECT_EQ(h.router->age_macs(), 1u);
  EXPECT_FALSE(h.router->mac_owner("blue", kA).has_value());
  EXPECT_EQ(h.router->mac_owner("blue", kB), "ac:a2");
  clock.advance_seconds(300);
  EXPECT_EQ(h.router->age_macs(), 1u);
  EXPECT_EQ(h.router->bd_stats("blue").aged, 2u);
  EXPECT_EQ(h.router->mac_table("blue")->learned(), 0u);
  // Positions come back after the grace period: learning goes on.
  h.router->reclaim_all();
  EXPECT_EQ(h.router->mac_table("blue")->pending_free(), 0u);
  h.inject("ac1", {Frame().bytes(cust(test::bcast(), kA)).mbuf()});
  EXPECT_EQ(h.router->mac_owner("blue", kA), "ac:a1");
}

TEST(Bridge, PwDownFlushesWhatWasLearnedOverIt) {
  test::RouterHarness h(test::vpls_state());
  h.inject("core", {test::from_pw(7011, cust(test::bcast(), kA))});
  h.inject("core", {test::from_pw(7011, cust(test::bcast(), kB))});
  h.inject("core", {test::from_pw(7012, cust(test::bcast(), kC))});
  EXPECT_EQ(h.router->mac_table("blue")->learned(), 3u);
  auto s = test::vpls_state();
  s.pseudowires[0].up = false;  // PW 11
  s.pseudowires[0].down_reason = "remote not forwarding";
  ASSERT_TRUE(h.router->update(s).ok());
  EXPECT_FALSE(h.router->mac_owner("blue", kA).has_value());
  EXPECT_FALSE(h.router->mac_owner("blue", kB).has_value());
  EXPECT_EQ(h.router->mac_owner("blue", kC), "pw:12");
  EXPECT_EQ(h.router->bd_stats("blue").flushed, 2u);
  // Floods skip the down PW.
  for (auto p : {"ac1", "ac2", "ac3", "core"}) h.take(p);
  h.inject("ac1", {Frame().bytes(cust(test::bcast(), mac(0x01, 0))).mbuf()});
  EXPECT_EQ(pw_labels(h.take("core")), (std::vector<uint32_t>{8012, 8013}));
  // LDP MAC withdraw over PW 12; then everything.
  EXPECT_EQ(h.router->flush_macs("blue", 12u), 1u);
  EXPECT_FALSE(h.router->mac_owner("blue", kC).has_value());
  EXPECT_EQ(h.router->flush_macs("blue"), 1u);  // the AC-learned one
  EXPECT_EQ(h.router->mac_table("blue")->learned(), 0u);
  // A PW removed from the domain is flushed too.
  h.inject("core", {test::from_pw(7013, cust(test::bcast(), kA), true)});
  EXPECT_EQ(h.router->mac_owner("blue", kA), "pw:13");
  s.bridge_domains[0].spoke_pseudowires.clear();
  ASSERT_TRUE(h.router->update(s).ok());
  EXPECT_FALSE(h.router->mac_owner("blue", kA).has_value());
  expect_balanced(*h.router);
}

// LDP MAC withdraw received over PW 11 (RFC 4762 6.2): an empty list keeps
// what was learned over PW 11 and flushes the rest; a list flushes those.
TEST(Bridge, MacWithdrawKeepsTheSendersMacs) {
  test::RouterHarness h(test::vpls_state());
  h.inject("core", {test::from_pw(7011, cust(test::bcast(), kA))});
  h.inject("core", {test::from_pw(7012, cust(test::bcast(), kB))});
  h.inject("ac1", {Frame().bytes(cust(test::bcast(), kC)).mbuf()});
  ASSERT_EQ(h.router->mac_table("blue")->learned(), 3u);
  EXPECT_EQ(h.router->withdraw_macs("blue", 11, {kB}), 1u);
  EXPECT_FALSE(h.router->mac_owner("blue", kB).has_value());
  EXPECT_EQ(h.router->mac_owner("blue", kC), "ac:a1");
  h.inject("core", {test::from_pw(7012, cust(test::bcast(), kB))});
  EXPECT_EQ(h.router->withdraw_macs("blue", 11, {}), 2u);
  EXPECT_EQ(h.router->mac_owner("blue", kA), "pw:11");
  EXPECT_FALSE(h.router->mac_owner("blue", kB).has_value());
  EXPECT_FALSE(h.router->mac_owner("blue", kC).has_value());
  EXPECT_EQ(h.router->bd_stats("blue").flushed, 3u);
  EXPECT_EQ(h.router->withdraw_macs("nosuch", 11, {}), 0u);
  // Traffic goes on: the flushed MACs are learned again.
  h.inject("ac1", {Frame().bytes(cust(test::bcast(), kC)).mbuf()});
  EXPECT_EQ(h.router->mac_owner("blue", kC), "ac:a1");
  expect_balanced(*h.router);
}

TEST(Bridge, MacTableSurvivesUpdatesAndRemovedDomainGoes) {
  test::RouterHarness h(test::vpls_state());
  h.inject("ac1", {Frame().bytes(cust(test::bcast(), kA)).mbuf()});
  auto s = test::vpls_state();
  s.ports.push_back({"spare", "", mac(0x30), 1500});
  s.bridge_domains[0].aging_seconds = 100;
  ASSERT_TRUE(h.router->update(s).ok());
  EXPECT_EQ(h.router->mac_owner("blue", kA), "ac:a1");
  s.bridge_domains.pop_back();  // red goes, its AC and PW with it
  s.attachment_circuits.pop_back();
  s.ilm.pop_back();
  s.pseudowires.pop_back();
  ASSERT_TRUE(h.router->update(s).ok());
  EXPECT_EQ(h.router->mac_table("red"), nullptr);
  EXPECT_EQ(h.router->mac_owner("blue", kA), "ac:a1");
  h.router->reclaim_all();
}

TEST(Bridge, FloodRateLimit) {
  auto s = test::vpls_state();
  s.bridge_domains[0].flood_rate_pps = 1000;  // bucket: 100 frames
  test::RouterHarness h(s);
  h.router->clock().set_manual(1'000'000'000ull);
  std::vector<rte_mbuf*> in;
  for (int i = 0; i < 150; ++i) in.push_back(Frame().bytes(cust(test::bcast(), kA)).mbuf());
  h.inject("ac1", in);
  EXPECT_EQ(h.take("ac2").size(), 100u);
  EXPECT_EQ(h.router->bd_stats("blue").rate_limited, 50u);
  EXPECT_EQ(h.router->stats().drop(DropReason::flood_rate_limited), 50u);
  h.router->clock().advance(10'000'000);  // 10 ms: 10 more
  in.clear();
  for (int i = 0; i < 20; ++i) in.push_back(Frame().bytes(cust(test::bcast(), kA)).mbuf());
  h.inject("ac1", in);
  EXPECT_EQ(h.take("ac2").size(), 10u);
  // Known unicast is not limited.
  h.inject("ac2", {Frame().bytes(cust(test::bcast(), kB)).mbuf()});
  h.take("ac1");
  in.clear();
  for (int i = 0; i < 200; ++i) in.push_back(Frame().bytes(cust(kA, kB)).mbuf());
  h.inject("ac2", in);
  EXPECT_EQ(h.take("ac1").size(), 200u);
  expect_balanced(*h.router);
}

TEST(Bridge, ReplicasShareThePayload) {
  test::RouterHarness h(test::vpls_state());
  auto f = cust(test::bcast(), kA, 1000);
  h.inject("ac1", {Frame().bytes(f).mbuf()});
  // Look at the mbufs themselves: every PW copy but one is a header mbuf
  // chained to an indirect mbuf on the original data.
  int idx = h.router->port_index("core");
  void* objs[8];
  unsigned n = rte_ring_dequeue_burst(h.tx[size_t(idx)].get(), objs, 8, nullptr);
  ASSERT_EQ(n, 3u);
  unsigned chained = 0;
  const void* data = nullptr;
  for (unsigned i = 0; i < n; ++i) {
    auto* m = static_cast<rte_mbuf*>(objs[i]);
    EXPECT_EQ(test::bytes_of(m), test::to_pw(test::pw_label_of(test::bytes_of(m)), f,
                                             test::pw_label_of(test::bytes_of(m)) == 8013));
    if (m->next) {
      ++chained;
      EXPECT_TRUE(RTE_MBUF_CLONED(m->next));
      EXPECT_LT(m->data_len, 40u);  // only the new headers
      const void* d = rte_pktmbuf_mtod(m->next, const void*);
      if (data) {
        EXPECT_EQ(d, data);
      }
      data = d;
    }
  }
  EXPECT_EQ(chained, 2u);
  for (unsigned i = 0; i < n; ++i) rte_pktmbuf_free(static_cast<rte_mbuf*>(objs[i]));
  // The raw VLAN AC got a private header with the tag, the data untouched.
  EXPECT_EQ(h.take("ac3")[0], tagged(f, 100));
  EXPECT_EQ(h.take("ac2")[0], f);
}

TEST(Bridge, BurstBoundaries) {
  for (unsigned count : {0u, 1u, 31u, 32u, 33u, 257u}) {
    test::RouterHarness h(test::vpls_state());
    h.inject("ac2", {Frame().bytes(cust(test::bcast(), kB)).mbuf()});
    for (auto p : {"ac1", "ac3", "core"}) h.take(p);
    std::vector<rte_mbuf*> in;
    for (unsigned i = 0; i < count; ++i)
      in.push_back(Frame().bytes(cust(kB, MacAddr{0x04, 0, 0, 0, uint8_t(i >> 8), uint8_t(i)}, 64, uint8_t(i))).mbuf());
    h.inject("ac1", in);
    EXPECT_EQ(h.take("ac2").size(), count) << count;
    EXPECT_EQ(h.take("core").size(), 0u) << count;
    EXPECT_EQ(h.router->bd_stats("blue").known_unicast, count) << count;
    expect_balanced(*h.router);
  }
}

TEST(Bridge, BadSourcesAreDropped) {
  test::RouterHarness h(test::vpls_state());
  h.inject("ac1", {Frame().bytes(cust(kB, test::bcast())).mbuf(),
                   Frame().bytes(cust(kB, MacAddr{})).mbuf()});
  EXPECT_EQ(h.router->stats().drop(DropReason::bd_bad_source), 2u);
  EXPECT_EQ(h.router->mac_table("blue")->learned(), 0u);
}

TEST(Bridge, CountersShowPerDomainAndMember) {
  test::RouterHarness h(test::vpls_state());
  h.inject("ac1", {Frame().bytes(cust(test::bcast(), kA)).mbuf()});
  auto text = format_counters(*h.router);
  EXPECT_NE(text.find("bridge domain blue (vsi 500): 1 MACs learned (limit 4096)"), std::string::npos) << text;
  EXPECT_NE(text.find("flood_copies"), std::string::npos) << text;
  auto json = counters_json(*h.router, -1);
  EXPECT_NE(json.find("\"member\":\"ac:a1\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"replicas\":4"), std::string::npos) << json;
}

// P2MP: a branch/bud router swaps the tree label on each copy and disposes
// one copy into the domain as if from PW 11; the root sends BUM from its
// ACs once on the tree instead of once per mesh PW.
ForwardingState p2mp_state() {
  auto s = test::vpls_state();
  s.ports.push_back({"core2", "", mac(0x11), 1500});
  Nhlfe n;
  n.id = 30;
  n.op = NhlfeOp::swap;
  n.labels = {3001};
  n.out_port = "core";
  n.next_hop_mac = mac(0xa0, 0x06);
  s.nhlfes.push_back(n);
  n.id = 31;
  n.labels = {3002};
  n.out_port = "core2";
  n.next_hop_mac = mac(0xa1, 0x06);
  s.nhlfes.push_back(n);
  n.id = 32;
  n.op = NhlfeOp::push;
  n.labels = {4000};
  n.out_port = "core2";
  s.nhlfes.push_back(n);
  s.replication_groups.push_back({40, {30, 31}, 11u});
  s.replication_groups.push_back({41, {32}, std::nullopt});
  s.ilm.push_back({9000, IlmAction::replicate, 40});
  return s;
}

TEST(Bridge, P2mpBudSwapsEachCopyAndBridgesOne) {
  test::RouterHarness h(p2mp_state());
  auto f = cust(test::bcast(), kA, 300);
  h.inject("core", {Frame().eth(mac(0x10), mac(0xa0, 0x06), kEtherTypeMpls).mpls(9000, 5, true, 64).bytes(f).mbuf()});
  auto c1 = h.take("core"), c2 = h.take("core2");
  ASSERT_EQ(c2.size(), 1u);
  EXPECT_EQ(c2[0], Frame().eth(mac(0xa1, 0x06), mac(0x11), kEtherTypeMpls).mpls(3002, 5, true, 63).bytes(f).data());
  // core: the 3001 branch and, from the local copy, the spoke PW 13 (never mesh PW 12).
  ASSERT_EQ(c1.size(), 2u);
  auto branch = Frame().eth(mac(0xa0, 0x06), mac(0x10), kEtherTypeMpls).mpls(3001, 5, true, 63).bytes(f).data();
  EXPECT_TRUE(c1[0] == branch || c1[1] == branch);
  // The tree label's TC (5) is the class the frame crossed with: the spoke
  // PW's labels carry it, and so does the PCP of the tag raw AC a3 adds.
  auto spoke = Frame().eth(mac(0xa0, 0x06), mac(0x10), kEtherTypeMpls).mpls(2000, 5, false, 255)
                   .mpls(8013, 5, true, 255).word(0).bytes(f).data();
  EXPECT_TRUE(c1[0] == spoke || c1[1] == spoke);
  EXPECT_EQ(h.take("ac1")[0], f);
  EXPECT_EQ(h.take("ac2")[0], f);
  // A private header: the branches' data is intact.
  EXPECT_EQ(h.take("ac3")[0], tagged(f, uint16_t(5 << 13 | 100)));
  EXPECT_EQ(h.router->mac_owner("blue", kA), "pw:11");
  EXPECT_EQ(h.router->label_stats(9000).rx_packets, 1u);
  expect_balanced(*h.router);
}

// A branch that pops (PHP toward a leaf) copies the TTL down to the label it
// exposes (uniform: never raising it), on its own copy of that label: the
// other branches' shared data keeps the old one.
TEST(Bridge, P2mpBranchThatPopsCopiesTheTtlDown) {
  auto s = p2mp_state();
  Nhlfe n;
  n.id = 33;
  n.op = NhlfeOp::pop;
  n.out_port = "core2";
  n.next_hop_mac = mac(0xa1, 0x06);
  s.nhlfes.push_back(n);
  s.replication_groups.push_back({42, {33, 30}, std::nullopt});
  s.ilm.push_back({9100, IlmAction::replicate, 42});
  test::RouterHarness h(s);
  auto f = cust(test::bcast(), kA, 100);
  auto in = [&](uint8_t top_ttl, uint8_t below_ttl) {
    return Frame().eth(mac(0x10), mac(0xa0, 0x06), kEtherTypeMpls).mpls(9100, 2, false, top_ttl)
        .mpls(555, 0, true, below_ttl).bytes(f).mbuf();
  };
  h.inject("core", {in(10, 255)});
  auto popped = h.take("core2"), swapped = h.take("core");
  ASSERT_EQ(popped.size(), 1u);
  ASSERT_EQ(swapped.size(), 1u);
  EXPECT_EQ(popped[0], Frame().eth(mac(0xa1, 0x06), mac(0x11), kEtherTypeMpls).mpls(555, 0, true, 9).bytes(f).data());
  EXPECT_EQ(swapped[0], Frame().eth(mac(0xa0, 0x06), mac(0x10), kEtherTypeMpls).mpls(3001, 2, false, 9)
                            .mpls(555, 0, true, 255).bytes(f).data());
  h.inject("core", {in(64, 7)});  // never raised
  popped = h.take("core2");
  ASSERT_EQ(popped.size(), 1u);
  EXPECT_EQ(load_be32(popped[0].data() + 14), lse::make(555, 0, true, 7));
  h.take("core");
  expect_balanced(*h.router);
}

TEST(Bridge, P2mpRootSendsBumOnceOnTheTree) {
  auto s = p2mp_state();
  s.bridge_domains[0].bum_mode = BumMode::p2mp_tree;
  s.bridge_domains[0].p2mp_group = 41u;
  test::RouterHarness h(s);
  auto f = cust(test::bcast(), kA, 100);
  h.inject("ac1", {Frame().bytes(f).mbuf()});
  auto tree = h.take("core2");
  ASSERT_EQ(tree.size(), 1u);
  EXPECT_EQ(tree[0], Frame().eth(mac(0xa1, 0x06), mac(0x11), kEtherTypeMpls).mpls(4000, 0, true, 255).bytes(f).data());
  EXPECT_EQ(pw_labels(h.take("core")), (std::vector<uint32_t>{8013}));  // the spoke; no mesh PW
  EXPECT_EQ(h.take("ac2").size(), 1u);
  EXPECT_EQ(h.take("ac3").size(), 1u);
  // From a PW the tree is not used (split horizon as usual).
  h.inject("core", {test::from_pw(7013, cust(test::bcast(), kB), true)});
  EXPECT_EQ(pw_labels(h.take("core")), (std::vector<uint32_t>{8011, 8012}));
  EXPECT_EQ(h.take("core2").size(), 0u);
  expect_balanced(*h.router);
}

}  // namespace
}  // namespace l2vpn::dp
