// The LSR stage: swap, pop (PHP), push, ECMP, LFA, TTL, reserved labels,
// bad stacks, MTU; bursts of 0, 1, 31, 32, 33 and 257 frames.
#include <gtest/gtest.h>

#include "dataplane_test_env.hpp"

namespace l2vpn::dp {
namespace {

using test::Bytes;
using test::Frame;
using test::mac;

ForwardingState lsr_state() {
  ForwardingState s;
  s.router = "P1";
  for (int i = 0; i < 4; ++i) s.ports.push_back({"core" + std::to_string(i), "", mac(uint8_t(0x10 + i)), 1500});
  auto nh = [&](uint32_t id, NhlfeOp op, std::vector<uint32_t> labels, int port) {
    Nhlfe n;
    n.id = id;
    n.op = op;
    n.labels = std::move(labels);
    n.out_port = "core" + std::to_string(port);
    n.next_hop_mac = mac(uint8_t(0xa0 + port), 0x06);
    s.nhlfes.push_back(n);
  };
  nh(1, NhlfeOp::swap, {1000}, 1);
  nh(2, NhlfeOp::pop, {}, 2);
  nh(3, NhlfeOp::push, {3000, 3001}, 3);
  nh(4, NhlfeOp::swap, {4000}, 1);
  nh(5, NhlfeOp::swap, {5000}, 2);
  nh(6, NhlfeOp::swap, {6000}, 3);
  nh(7, NhlfeOp::swap, {7000, 7001}, 2);  // swap then push one more (e.g. a tunnel)
  nh(8, NhlfeOp::swap, {0}, 3);            // explicit null toward an egress asking for it
  s.nhlfes[0].backup_nhlfe = 5;            // label 100's LFA: via core2
  s.nhlfes[6].ttl_mode = TtlMode::pipe;
  s.nhlfes[6].tc_mode = TcMode::set;
  s.nhlfes[6].tc = 6;
  s.ecmp_groups.push_back({9, {4, 5, 6}});
  s.ilm = {{100, IlmAction::forward, 1}, {200, IlmAction::forward, 2}, {300, IlmAction::forward, 3},
           {400, IlmAction::ecmp, 9},   {700, IlmAction::forward, 7}, {800, IlmAction::forward, 8},
           {900, IlmAction::pop_and_lookup, 0}};
  return s;
}

Bytes labelled(std::vector<uint32_t> words, size_t payload = 46) {
  Frame f;
  f.eth(mac(0x10, 0x02), mac(0x99, 0x06), dp::kEtherTypeMpls);
  for (auto w : words) f.word(w);
  f.fill(payload);
  return f.data();
}
rte_mbuf* mb(const Bytes& b) { return Frame().bytes(b).mbuf(); }

uint32_t word_at(const Bytes& b, size_t i) { return load_be32(b.data() + 14 + 4 * i); }

TEST(MplsForward, SwapRewritesLabelTtlAndMacs) {
  test::RouterHarness h(lsr_state());
  h.inject("core0", {mb(labelled({lse::make(100, 3, false, 64), lse::make(55, 0, true, 9)}))});
  auto out = h.take("core1");
  ASSERT_EQ(out.size(), 1u);
  auto& f = out[0];
  EXPECT_EQ(Bytes(f.begin(), f.begin() + 6), Bytes({0x06, 0, 0, 0, 0, 0xa1}));
  EXPECT_EQ(Bytes(f.begin() + 6, f.begin() + 12), Bytes({0x02, 0, 0, 0, 0, 0x11}));
  EXPECT_EQ(load_be16(f.data() + 12), kEtherTypeMpls);
  EXPECT_EQ(word_at(f, 0), lse::make(1000, 3, false, 63));
  EXPECT_EQ(word_at(f, 1), lse::make(55, 0, true, 9));  // below the top: untouched
  EXPECT_EQ(f.size(), 14u + 8 + 46);
  auto st = h.router->stats();
  EXPECT_EQ(st.forwarded, 1u);
  EXPECT_EQ(h.router->label_stats(100).rx_packets, 1u);
  EXPECT_EQ(h.router->port_stats(1).tx_packets, 1u);
}

TEST(MplsForward, SwapKeepsBottomOfStackBit) {
  test::RouterHarness h(lsr_state());
  h.inject("core0", {mb(labelled({lse::make(100, 0, true, 2)}))});
  auto out = h.take("core1");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(word_at(out[0], 0), lse::make(1000, 0, true, 1));
}

TEST(MplsForward, PhpPopExposesNextLabelWithUniformTtl) {
  test::RouterHarness h(lsr_state());
  h.inject("core0", {mb(labelled({lse::make(200, 0, false, 10), lse::make(77, 0, true, 255)}))});
  auto out = h.take("core2");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), 14u + 4 + 46);
  EXPECT_EQ(word_at(out[0], 0), lse::make(77, 0, true, 9));
  // Pop of a bottom label would expose IP: not ours to route.
  h.inject("core0", {mb(labelled({lse::make(200, 0, true, 10)}))});
  EXPECT_TRUE(h.take("core2").empty());
  EXPECT_EQ(h.router->stats().drop(DropReason::ip_payload_not_served), 1u);
}

// An IPv4 header (20 bytes, checksum filled in) and a UDP-sized tail.
Bytes ipv4_packet(uint8_t ttl) {
  Bytes ip = {0x45, 0, 0, 48, 0x12, 0x34, 0, 0, ttl, 17, 0, 0, 10, 255, 0, 1, 10, 255, 0, 4};
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2) sum += load_be16(ip.data() + i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  store_be16(ip.data() + 10, uint16_t(~sum));
  ip.resize(48, 0xcd);
  return ip;
}
bool ipv4_checksum_ok(const uint8_t* ip) {
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2) sum += load_be16(ip + i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum == 0xffff;
}

TEST(MplsForward, PhpOntoIpWhenTheRouterCarriesIpFecs) {
  // `l2vpn node`: the penultimate hop of an LDP IPv4 FEC pops the only
  // label and sends the IPv4 packet on, typed 0x0800, TTL uniform.
  test::RouterHarness h(lsr_state());
  h.router->set_php_to_ip(true);
  Frame f;
  f.eth(mac(0x10, 0x02), mac(0x99, 0x06), dp::kEtherTypeMpls).word(lse::make(200, 0, true, 10));
  f.bytes(ipv4_packet(64));
  h.inject("core0", {f.mbuf()});
  auto out = h.take("core2");
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].size(), 14u + 48);
  EXPECT_EQ(Bytes(out[0].begin(), out[0].begin() + 6), Bytes({0x06, 0, 0, 0, 0, 0xa2}));
  EXPECT_EQ(load_be16(out[0].data() + 12), kEtherTypeIpv4);
  EXPECT_EQ(out[0][14 + 8], 9);  // min(IP 64, label 10 - 1)
  EXPECT_TRUE(ipv4_checksum_ok(out[0].data() + 14));
  EXPECT_EQ(Bytes(out[0].begin() + 34, out[0].end()), Bytes(28, 0xcd));
  // A lower IP TTL stays; the checksum still holds.
  Frame g;
  g.eth(mac(0x10, 0x02), mac(0x99, 0x06), dp::kEtherTypeMpls).word(lse::make(200, 0, true, 60));
  g.bytes(ipv4_packet(5));
  h.inject("core0", {g.mbuf()});
  out = h.take("core2");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0][14 + 8], 5);
  EXPECT_TRUE(ipv4_checksum_ok(out[0].data() + 14));
  // Not IP below the label (version nibble 0): still not ours.
  h.inject("core0", {mb(labelled({lse::make(200, 0, true, 10)}))});
  EXPECT_TRUE(h.take("core2").empty());
  EXPECT_EQ(h.router->stats().drop(DropReason::ip_payload_not_served), 1u);
  EXPECT_EQ(h.router->stats().forwarded, 2u);
}

TEST(MplsForward, KernelSharedPortLeavesItsTrafficToTheKernel) {
  // A core port beside the kernel (af_packet): IPv4/ARP are the kernel's,
  // counted to_kernel, not dropped; frames with the port's own MAC as
  // source are the kernel's transmissions af_packet shows us: ignored,
  // even when labelled; other labelled frames are forwarded as always.
  test::RouterHarness h(lsr_state());
  h.router->set_port_kernel(0, mac(0x10));
  Frame arp, ip, own, lab;
  arp.eth(mac(0xff, 0xff), mac(0x99, 0x06), kEtherTypeArp).fill(46);
  ip.eth(mac(0x10), mac(0x99, 0x06), kEtherTypeIpv4).bytes(ipv4_packet(64));
  own.eth(mac(0x99, 0x06), mac(0x10), kEtherTypeMpls).word(lse::make(100, 0, true, 64)).fill(46);
  lab.eth(mac(0x10), mac(0x99, 0x06), kEtherTypeMpls).word(lse::make(100, 0, true, 64)).fill(46);
  h.inject("core0", {arp.mbuf(), ip.mbuf(), own.mbuf(), lab.mbuf()});
  EXPECT_EQ(h.take("core1").size(), 1u);
  auto st = h.router->stats();
  EXPECT_EQ(st.total_drops(), 0u);
  EXPECT_EQ(st.to_kernel, 2u);
  EXPECT_EQ(st.kernel_tx_seen, 1u);
  EXPECT_EQ(st.rx_packets, st.forwarded + st.total_drops() + st.to_kernel + st.kernel_tx_seen);
  auto ps = h.router->port_stats(0);
  EXPECT_EQ(ps.to_kernel, 2u);
  EXPECT_EQ(ps.kernel_tx_seen, 1u);
  // A port the kernel does not share still drops what is not MPLS.
  h.inject("core1", {arp.mbuf()});
  EXPECT_EQ(h.router->stats().drop(DropReason::not_mpls), 1u);
}

TEST(MplsForward, PushKeepsTopAndPushesAbove) {
  test::RouterHarness h(lsr_state());
  h.inject("core0", {mb(labelled({lse::make(300, 2, true, 50)}))});
  auto out = h.take("core3");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(word_at(out[0], 0), lse::make(3000, 2, false, 49));
  EXPECT_EQ(word_at(out[0], 1), lse::make(3001, 2, false, 49));
  EXPECT_EQ(word_at(out[0], 2), lse::make(300, 2, true, 49));
}

TEST(MplsForward, SwapAndPushPipeModeSetsTc) {
  test::RouterHarness h(lsr_state());
  h.inject("core0", {mb(labelled({lse::make(700, 1, true, 40)}))});
  auto out = h.take("core2");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(word_at(out[0], 0), lse::make(7000, 6, false, 255));
  EXPECT_EQ(word_at(out[0], 1), lse::make(7001, 6, true, 39));
}

TEST(MplsForward, ExplicitNullSwappedOutAndPoppedIn) {
  test::RouterHarness h(lsr_state());
  h.inject("core0", {mb(labelled({lse::make(800, 0, false, 40), lse::make(99, 0, true, 255)}))});
  auto out = h.take("core3");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(word_at(out[0], 0), lse::make(0, 0, false, 39));
  // Received explicit null above a label we know: popped, then looked up.
  h.inject("core0", {mb(labelled({lse::make(0, 0, false, 40), lse::make(100, 0, true, 30)}))});
  out = h.take("core1");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(word_at(out[0], 0), lse::make(1000, 0, true, 29));
  h.inject("core0", {mb(labelled({lse::make(2, 0, true, 40)}))});
  EXPECT_EQ(h.router->stats().drop(DropReason::ip_payload_not_served), 1u);
}

TEST(MplsForward, PopAndLookupOwnLabel) {
  test::RouterHarness h(lsr_state());
  h.inject("core0", {mb(labelled({lse::make(900, 0, false, 40), lse::make(100, 0, true, 30)}))});
  auto out = h.take("core1");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(word_at(out[0], 0), lse::make(1000, 0, true, 29));
  EXPECT_EQ(h.router->label_stats(900).rx_packets, 1u);
}

TEST(MplsForward, EntropyLabelIndicatorPoppedWithEntropyLabel) {
  test::RouterHarness h(lsr_state());
  h.inject("core0", {mb(labelled({lse::make(7, 0, false, 40), lse::make(123456, 0, false, 0),
                                  lse::make(100, 0, true, 30)}))});
  auto out = h.take("core1");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(word_at(out[0], 0), lse::make(1000, 0, true, 29));
  h.inject("core0", {mb(labelled({lse::make(7, 0, true, 40)}))});
  EXPECT_EQ(h.router->stats().drop(DropReason::bad_entropy_label), 1u);
}

// RFC 3032 2.4.1/2.4.2: the incoming TTL is the top entry's on receipt, even
// when that entry (explicit null, ELI, our own pop_and_lookup label) is
// popped before the lookup that forwards. Uniform (label 100): the minimum
// of the popped TTL and the exposed one; pipe (label 700): the popped one.
TEST(MplsForward, PoppedReservedAndOwnLabelsCarryTheirTtl) {
  test::RouterHarness h(lsr_state());
  auto swapped_ttl = [&](std::vector<uint32_t> stack, const char* port, size_t at) -> int {
    h.inject("core0", {mb(labelled(stack))});
    auto out = h.take(port);
    if (out.size() != 1) return -1;
    return lse::ttl(word_at(out[0], at));
  };
  EXPECT_EQ(swapped_ttl({lse::make(0, 0, false, 10), lse::make(100, 0, true, 64)}, "core1", 0), 9);
  EXPECT_EQ(swapped_ttl({lse::make(2, 0, false, 10), lse::make(100, 0, true, 64)}, "core1", 0), 9);
  EXPECT_EQ(swapped_ttl({lse::make(900, 0, false, 5), lse::make(100, 0, true, 64)}, "core1", 0), 4);
  EXPECT_EQ(swapped_ttl({lse::make(7, 0, false, 10), lse::make(4242, 0, false, 0),
                         lse::make(100, 0, true, 64)}, "core1", 0), 9);
  // Uniform never raises: the exposed label's lower TTL wins.
  EXPECT_EQ(swapped_ttl({lse::make(0, 0, false, 64), lse::make(100, 0, true, 10)}, "core1", 0), 9);
  // Pipe (label 700 swaps to 7001 under a pushed 7000): the popped TTL.
  EXPECT_EQ(swapped_ttl({lse::make(0, 0, false, 64), lse::make(700, 0, true, 10)}, "core2", 1), 63);
  EXPECT_EQ(swapped_ttl({lse::make(0, 0, false, 10), lse::make(700, 0, true, 64)}, "core2", 1), 9);
  // PHP and push after a popped explicit null.
  EXPECT_EQ(swapped_ttl({lse::make(0, 0, false, 10), lse::make(200, 0, false, 64),
                         lse::make(77, 0, true, 255)}, "core2", 0), 9);
  EXPECT_EQ(swapped_ttl({lse::make(0, 0, false, 10), lse::make(300, 0, true, 64)}, "core3", 2), 9);
  // Expired on the popped label: dropped, never forwarded.
  const uint64_t before = h.router->stats().drop(DropReason::ttl_expired);
  for (auto stack : std::vector<std::vector<uint32_t>>{
           {lse::make(0, 0, false, 1), lse::make(100, 0, true, 64)},
           {lse::make(0, 0, false, 0), lse::make(100, 0, true, 64)},
           {lse::make(900, 0, false, 1), lse::make(100, 0, true, 64)},
           {lse::make(7, 0, false, 1), lse::make(4242, 0, false, 0), lse::make(100, 0, true, 64)},
           {lse::make(0, 0, false, 1), lse::make(700, 0, true, 64)}})
    h.inject("core0", {mb(labelled(stack))});
  for (int p = 1; p < 4; ++p) EXPECT_TRUE(h.take("core" + std::to_string(p)).empty());
  EXPECT_EQ(h.router->stats().drop(DropReason::ttl_expired) - before, 5u);
}

TEST(MplsForward, EveryReservedLabelWithAndWithoutBosAndTtls) {
  test::RouterHarness h(lsr_state());
  uint64_t sent = 0;
  for (uint32_t label = 0; label < 16; ++label)
    for (bool bos : {false, true})
      for (uint8_t ttl : {0, 1, 2, 255}) {
        std::vector<uint32_t> stack{lse::make(label, 0, bos, ttl)};
        if (!bos) stack.push_back(lse::make(555, 0, true, 64));  // 555: not in ILM
        h.inject("core0", {mb(labelled(stack))});
        ++sent;
      }
  auto st = h.router->stats();
  EXPECT_EQ(st.forwarded, 0u);
  EXPECT_EQ(st.rx_packets, sent);
  EXPECT_EQ(st.total_drops(), sent);  // every frame accounted for by a reason
  EXPECT_EQ(st.drop(DropReason::implicit_null_on_wire), 8u);
  EXPECT_GT(st.drop(DropReason::reserved_label), 0u);
  for (int p = 1; p < 4; ++p) EXPECT_TRUE(h.take("core" + std::to_string(p)).empty());
}

TEST(MplsForward, TtlExpiry) {
  test::RouterHarness h(lsr_state());
  for (uint8_t ttl : {0, 1}) h.inject("core0", {mb(labelled({lse::make(100, 0, true, ttl)}))});
  h.inject("core0", {mb(labelled({lse::make(200, 0, false, 1), lse::make(9, 0, true, 64)}))});
  EXPECT_EQ(h.router->stats().drop(DropReason::ttl_expired), 3u);
  h.inject("core0", {mb(labelled({lse::make(100, 0, true, 2)}))});
  EXPECT_EQ(h.take("core1").size(), 1u);
}

TEST(MplsForward, IlmMissTooDeepTruncatedNotMpls) {
  test::RouterHarness h(lsr_state());
  h.inject("core0", {mb(labelled({lse::make(101, 0, true, 64)}))});
  std::vector<uint32_t> deep;
  for (int i = 0; i < 9; ++i) deep.push_back(lse::make(100, 0, i == 8, 64));
  h.inject("core0", {mb(labelled(deep))});
  h.inject("core0", {mb(labelled({lse::make(100, 0, false, 64)}, 0))});  // no S bit, ends
  Bytes shortf = labelled({lse::make(100, 0, true, 64)}, 0);
  shortf.resize(16);
  h.inject("core0", {mb(shortf), mb(Bytes(10, 0)),
                     mb(Frame().eth(mac(1), mac(2), kEtherTypeIpv4).fill(46).data())});
  auto st = h.router->stats();
  EXPECT_EQ(st.drop(DropReason::ilm_miss), 1u);
  EXPECT_EQ(st.drop(DropReason::label_stack_too_deep), 1u);
  EXPECT_EQ(st.drop(DropReason::truncated), 3u);
  EXPECT_EQ(st.drop(DropReason::not_mpls), 1u);
  EXPECT_EQ(st.forwarded, 0u);
}

TEST(MplsForward, MtuAtMinusOneEqualAndPlusOne) {
  auto s = lsr_state();
  s.ports[3].mtu = 1000;  // out port of label 300 (push two labels: +8 bytes)
  test::RouterHarness h(s);
  // Payload after the MAC header on the way out = 4 (stack) + 8 (pushed) + fill.
  for (size_t fill : {1000 - 12 - 1, 1000 - 12, 1000 - 12 + 1})
    h.inject("core0", {mb(labelled({lse::make(300, 0, true, 64)}, fill))});
  EXPECT_EQ(h.take("core3").size(), 2u);
  EXPECT_EQ(h.router->stats().drop(DropReason::mtu_exceeded), 1u);
}

TEST(MplsForward, EcmpSpreadsByLabelsBelowTopAndIsStablePerFlow) {
  test::RouterHarness h(lsr_state());
  std::vector<rte_mbuf*> frames;
  for (uint32_t flow = 0; flow < 300; ++flow)
    frames.push_back(mb(labelled({lse::make(400, 0, false, 64), lse::make(16 + flow, 0, true, 64)})));
  h.inject("core0", frames);
  size_t a = h.take("core1").size(), b = h.take("core2").size(), c = h.take("core3").size();
  EXPECT_EQ(a + b + c, 300u);
  EXPECT_GT(a, 50u);
  EXPECT_GT(b, 50u);
  EXPECT_GT(c, 50u);
  // The same flow always takes the same member.
  for (int rep = 0; rep < 3; ++rep)
    h.inject("core0", {mb(labelled({lse::make(400, 0, false, 64), lse::make(4242, 0, true, 64)}))});
  size_t got[3] = {h.take("core1").size(), h.take("core2").size(), h.take("core3").size()};
  EXPECT_EQ(std::max({got[0], got[1], got[2]}), 3u);
}

// Polarization (docs/oam.md): without a per-router seed every router splits
// a flow set by the same function of its labels, so the flows one router
// sends one way all take the same member at the next. Two routers with
// different router ids (seeds) split the same 300 flows differently.
TEST(MplsForward, EcmpSeedGivesEachRouterItsOwnSplit) {
  auto member_of_each_flow = [](const std::string& router_id) {
    auto s = lsr_state();
    s.router_id = router_id;
    test::RouterHarness h(s);
    std::vector<int> out;
    for (uint32_t flow = 0; flow < 300; ++flow) {
      h.inject("core0", {mb(labelled({lse::make(400, 0, false, 64), lse::make(16 + flow, 0, true, 64)}))});
      int port = -1;
      for (int p = 1; p <= 3; ++p)
        if (!h.take("core" + std::to_string(p)).empty()) port = p;
      out.push_back(port);
    }
    return out;
  };
  EXPECT_NE(ecmp_seed("10.255.0.1"), ecmp_seed("10.255.0.2"));
  const auto a = member_of_each_flow("10.255.0.1");
  const auto b = member_of_each_flow("10.255.0.2");
  EXPECT_EQ(a, member_of_each_flow("10.255.0.1"));  // stable: the seed is the router id's
  // The flows router a sends to each member spread over all members at b.
  for (int pa = 1; pa <= 3; ++pa) {
    int at_b[4] = {0, 0, 0, 0};
    for (size_t f = 0; f < a.size(); ++f)
      if (a[f] == pa && b[f] > 0) ++at_b[b[f]];
    for (int pb = 1; pb <= 3; ++pb) EXPECT_GT(at_b[pb], 15) << "a's member " << pa << ", b's " << pb;
  }
}

TEST(MplsForward, LfaTakesOverWhenPrimaryPortIsDown) {
  test::RouterHarness h(lsr_state());
  h.router->set_port_up(1, false);
  h.inject("core0", {mb(labelled({lse::make(100, 0, true, 64)}))});
  auto out = h.take("core2");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(word_at(out[0], 0), lse::make(5000, 0, true, 63));
  EXPECT_EQ(h.router->stats().lfa_used, 1u);
  // Label 700 has no backup: counted, not lost silently.
  h.router->set_port_up(2, false);
  h.inject("core0", {mb(labelled({lse::make(700, 0, true, 64)}))});
  EXPECT_EQ(h.router->stats().drop(DropReason::port_down), 1u);
}

class MplsForwardBurst : public ::testing::TestWithParam<int> {};

TEST_P(MplsForwardBurst, EveryFrameOfABurstIsSwapped) {
  test::RouterHarness h(lsr_state());
  const int n = GetParam();
  std::vector<rte_mbuf*> frames;
  for (int i = 0; i < n; ++i) frames.push_back(mb(labelled({lse::make(100, 0, true, uint8_t(10 + i % 200))}, 46 + i % 50)));
  h.inject("core0", frames);
  auto out = h.take("core1");
  ASSERT_EQ(out.size(), size_t(n));
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(word_at(out[size_t(i)], 0), lse::make(1000, 0, true, uint8_t(9 + i % 200)));
    EXPECT_EQ(out[size_t(i)].size(), 14u + 4 + 46 + i % 50);
  }
  auto st = h.router->stats();
  EXPECT_EQ(st.rx_packets, uint64_t(n));
  EXPECT_EQ(st.forwarded + st.total_drops(), st.rx_packets);
}

INSTANTIATE_TEST_SUITE_P(Sizes, MplsForwardBurst, ::testing::Values(0, 1, 31, 32, 33, 257));

}  // namespace
}  // namespace l2vpn::dp
