// Packet trace (dataplane/trace.hpp): filters, what each stage records, the
// mark that lets the next router follow a frame, the ring's wrap, and that
// nothing is recorded when tracing is off.
#include <gtest/gtest.h>
#include <rte_ring.h>

#include "dataplane/telemetry.hpp"
#include "dataplane/trace.hpp"
#include "dataplane_test_env.hpp"
#include "vpls_fixture.hpp"
#include "vpws_fixture.hpp"

namespace l2vpn::dp {
namespace {

using test::Frame;
using test::mac;

// Each test leaves tracing off for the tests that follow in this binary.
struct TraceTest : ::testing::Test {
  void TearDown() override { trace_disarm(); }
};

std::vector<std::string> stages_of(const TelTable& t, const std::string& frame) {
  std::vector<std::string> out;
  for (auto& r : t.rows)
    if (r[1] == frame) out.push_back(r[2] + ":" + r[3]);
  return out;
}
std::vector<std::string> frames_of(const TelTable& t) {
  std::vector<std::string> out;
  for (auto& r : t.rows)
    if (out.empty() || out.back() != r[1]) out.push_back(r[1]);
  return out;
}

rte_mbuf* customer(uint8_t seed = 1) {
  return Frame().bytes(test::customer_frame(mac(0x99), mac(0x42), 64, seed)).mbuf();
}

TEST(TraceFilterParse, InvalidFiltersAreRejectedWithTheBadItem) {
  EXPECT_FALSE(parse_trace_filter({}).ok());
  EXPECT_FALSE(parse_trace_filter({"0"}).ok());
  EXPECT_FALSE(parse_trace_filter({"ten"}).ok());
  auto e = parse_trace_filter({"5", "colour=red"});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("colour"), std::string::npos);
  EXPECT_FALSE(parse_trace_filter({"5", "label=2000000"}).ok());
  EXPECT_FALSE(parse_trace_filter({"5", "label=x"}).ok());
  EXPECT_FALSE(parse_trace_filter({"5", "mac=zz:00"}).ok());
  EXPECT_FALSE(parse_trace_filter({"5", "port"}).ok());
  EXPECT_FALSE(parse_trace_filter({"5", "port="}).ok());
  auto f = parse_trace_filter({"3", "port=ac1", "label=6001", "mac=02:00:00:00:00:42", "router=PE1"});
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->count, 3u);
  EXPECT_EQ(f->port, "ac1");
  EXPECT_EQ(*f->label, 6001u);
  EXPECT_EQ(*f->mac, mac(0x42));
  EXPECT_EQ(f->router, "PE1");
  EXPECT_NE(describe(*f).find("label 6001"), std::string::npos);
}

TEST_F(TraceTest, OffRecordsNothing) {
  test::RouterHarness h(test::vpws_state());
  h.router->prepare_trace();
  std::vector<rte_mbuf*> frames;
  for (int i = 0; i < 33; ++i) frames.push_back(customer());
  h.inject("ac1", frames);
  EXPECT_EQ(h.take("core").size(), 33u);
  for (auto& ring : h.router->trace_records()) EXPECT_TRUE(ring.empty());
  EXPECT_TRUE(trace_table({h.router.get()}).rows.empty());
}

TEST_F(TraceTest, ImpositionPathOfTheNextNFramesOnAPort) {
  test::RouterHarness h(test::vpws_state());
  h.router->prepare_trace();
  ASSERT_TRUE(trace_arm(*parse_trace_filter({"2", "port=ac1"})).ok());
  h.inject("ac2", {customer()});  // another port: not traced, not counted
  h.inject("ac1", {customer(), customer(), customer(), customer(), customer()});
  EXPECT_EQ(h.take("core").size(), 5u);
  EXPECT_EQ(trace_remaining(), 0u);
  auto t = trace_table({h.router.get()});
  auto frames = frames_of(t);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(stages_of(t, frames[0]),
            (std::vector<std::string>{"PE1:rx", "PE1:ac-input", "PE1:pw-imposition", "PE1:tx"}));
  // The details name the objects of the state.
  EXPECT_NE(t.rows[1][4].find("ac site-a"), std::string::npos) << t.rows[1][4];
  EXPECT_NE(t.rows[2][4].find("pw 1 (pw_id 101, peer PE2"), std::string::npos) << t.rows[2][4];
  EXPECT_NE(t.rows[2][4].find("push 2000 out core"), std::string::npos) << t.rows[2][4];
  EXPECT_EQ(t.rows[3][4], "port core");
}

TEST_F(TraceTest, LabelFilterDispositionAndMissWithDropReason) {
  test::RouterHarness h(test::vpws_state());
  h.router->prepare_trace();
  auto labelled = [](uint32_t label) {
    return Frame()
        .eth(mac(0x10), mac(0xa0, 0x06), kEtherTypeMpls)
        .mpls(label, 0, true, 64)
        .bytes(test::customer_frame(mac(0x99), mac(0x42), 64))
        .mbuf();
  };
  ASSERT_TRUE(trace_arm(*parse_trace_filter({"1", "label=6001"})).ok());
  h.inject("core", {labelled(999), labelled(6001), labelled(6001)});
  EXPECT_EQ(h.take("ac1").size(), 2u);
  auto t = trace_table({h.router.get()});
  auto frames = frames_of(t);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(stages_of(t, frames[0]), (std::vector<std::string>{"PE1:rx", "PE1:ilm", "PE1:pw-disposition",
                                                                "PE1:ac-output", "PE1:tx"}));
  EXPECT_EQ(t.rows[0][4], "port core top label 6001");
  EXPECT_EQ(t.rows[1][4], "label 6001 hit: pw disposition");

  // Clearing forgets what was recorded; a frame to an unknown label shows its drop.
  trace_disarm();
  EXPECT_TRUE(trace_table({h.router.get()}).rows.empty());
  ASSERT_TRUE(trace_arm(*parse_trace_filter({"1"})).ok());
  h.inject("core", {labelled(999)});
  t = trace_table({h.router.get()});
  frames = frames_of(t);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(stages_of(t, frames[0]), (std::vector<std::string>{"PE1:rx", "PE1:ilm", "PE1:drop"}));
  EXPECT_EQ(t.rows[1][4], "label 999 miss");
  EXPECT_NE(t.rows[2][4].find("ilm_miss"), std::string::npos);
}

TEST_F(TraceTest, MacFilterMatchesSourceOrDestination) {
  test::RouterHarness h(test::vpws_state());
  h.router->prepare_trace();
  ASSERT_TRUE(trace_arm(*parse_trace_filter({"5", "mac=02:00:00:00:00:77"})).ok());
  auto other = Frame().bytes(test::customer_frame(mac(0x99), mac(0x42), 64)).mbuf();
  auto to = Frame().bytes(test::customer_frame(mac(0x77), mac(0x42), 64)).mbuf();
  auto from = Frame().bytes(test::customer_frame(mac(0x99), mac(0x77), 64)).mbuf();
  h.inject("ac1", {other, to, from});
  EXPECT_EQ(frames_of(trace_table({h.router.get()})).size(), 2u);
  EXPECT_EQ(trace_remaining(), 3u);
}

TEST_F(TraceTest, TheNextRouterFollowsAMarkedFrame) {
  // PE1 imposes; its output mbuf, still marked, enters a P router that swaps.
  test::RouterHarness pe(test::vpws_state());
  ForwardingState p;
  p.router = "P";
  p.ports = {{"west", "", mac(0x30), 1500}, {"east", "", mac(0x31), 1500}};
  Nhlfe swap;
  swap.id = 7;
  swap.labels = {3000};
  swap.out_port = "east";
  swap.next_hop_mac = mac(0xb0, 0x06);
  p.nhlfes.push_back(swap);
  p.ilm.push_back({2000, IlmAction::forward, 7});
  test::RouterHarness pr(p);
  pe.router->prepare_trace();
  pr.router->prepare_trace();
  ASSERT_TRUE(trace_arm(*parse_trace_filter({"1", "router=PE1"})).ok());
  pe.inject("ac1", {customer()});
  rte_mbuf* m = nullptr;
  ASSERT_EQ(rte_ring_dequeue(pe.tx[size_t(pe.router->port_index("core"))].get(), reinterpret_cast<void**>(&m)), 0);
  EXPECT_TRUE(traced(m));
  pr.inject("west", {m});
  EXPECT_EQ(pr.take("east").size(), 1u);
  auto t = trace_table({pe.router.get(), pr.router.get()});
  auto frames = frames_of(t);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(stages_of(t, frames[0]),
            (std::vector<std::string>{"PE1:rx", "PE1:ac-input", "PE1:pw-imposition", "PE1:tx", "P:rx", "P:ilm",
                                      "P:nhlfe", "P:tx"}));
  EXPECT_NE(t.rows[6][4].find("swap 3000 out east"), std::string::npos) << t.rows[6][4];
}

TEST_F(TraceTest, VplsFloodCopiesAreTracedAndSplitHorizonDropIsShown) {
  test::RouterHarness h(test::vpls_state());
  h.router->prepare_trace();
  ASSERT_TRUE(trace_arm(*parse_trace_filter({"1", "label=7011"})).ok());
  // Broadcast from mesh PW 11: flooded to the three ACs and spoke PW 13,
  // never to mesh PW 12 (split horizon).
  auto cust = test::customer_frame(test::bcast(), mac(0x51), 64);
  h.inject("core", {test::from_pw(7011, cust)});
  auto t = trace_table({h.router.get()});
  auto frames = frames_of(t);
  ASSERT_EQ(frames.size(), 1u);
  auto st = stages_of(t, frames[0]);
  ASSERT_GE(st.size(), 5u);
  EXPECT_EQ(std::vector<std::string>(st.begin(), st.begin() + 5),
            (std::vector<std::string>{"PE1:rx", "PE1:ilm", "PE1:pw-disposition", "PE1:bridge-learn",
                                      "PE1:bridge-flood"}));
  std::vector<std::string> tx_ports;
  for (auto& r : t.rows)
    if (r[3] == "tx") tx_ports.push_back(r[4]);
  std::sort(tx_ports.begin(), tx_ports.end());
  EXPECT_EQ(tx_ports, (std::vector<std::string>{"port ac1", "port ac2", "port ac3", "port core"}));
  EXPECT_NE(t.rows[3][4].find("source learned behind pw:11 (mesh)"), std::string::npos) << t.rows[3][4];
  EXPECT_NE(t.rows[4][4].find("flood (broadcast/multicast)"), std::string::npos) << t.rows[4][4];
  h.take("core");
  for (auto p : {"ac1", "ac2", "ac3"}) h.take(p);

  // MAC 0x52 behind mesh PW 12; a frame to it from mesh PW 11 is dropped by split horizon.
  h.inject("core", {test::from_pw(7012, test::customer_frame(test::bcast(), mac(0x52), 64))});
  for (auto p : {"core", "ac1", "ac2", "ac3"}) h.take(p);
  trace_disarm();
  ASSERT_TRUE(trace_arm(*parse_trace_filter({"1", "mac=02:00:00:00:00:52", "label=7011"})).ok());
  h.inject("core", {test::from_pw(7011, test::customer_frame(mac(0x52), mac(0x51), 64))});
  t = trace_table({h.router.get()});
  frames = frames_of(t);
  ASSERT_EQ(frames.size(), 1u);
  st = stages_of(t, frames[0]);
  ASSERT_FALSE(st.empty());
  EXPECT_EQ(st.back(), "PE1:drop");
  EXPECT_NE(t.rows.back()[4].find("split_horizon"), std::string::npos) << t.rows.back()[4];
}

TEST(TraceRingTest, KeepsTheNewestRecords) {
  auto ring = std::make_unique<TraceRing>();
  EXPECT_TRUE(ring->copy().empty());
  for (uint32_t i = 0; i < kTraceRingSize + 10; ++i) ring->push({i, i, 0, 0, 0, 0, 0});
  auto c = ring->copy();
  ASSERT_EQ(c.size(), kTraceRingSize);
  EXPECT_EQ(c.front().frame, 10u);
  EXPECT_EQ(c.back().frame, kTraceRingSize + 9);
}

}  // namespace
}  // namespace l2vpn::dp
