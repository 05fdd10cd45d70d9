// The exception path (router.hpp set_port_exception, exception.cpp): a port
// the fast path owns and the tap that stands for it in the kernel. From the
// port, what is not MPLS goes into the tap; from the tap, IPv4 to an FTN
// destination leaves labelled by the FTN's NHLFE (ECMP, LFA, MTU, TTL),
// everything else leaves by the port as the kernel wrote it.
#include <gtest/gtest.h>

#include <set>

#include "dataplane/tables.hpp"
#include "dataplane_test_env.hpp"

namespace l2vpn::dp {
namespace {

using test::Bytes;
using test::Frame;
using test::mac;

// core0 is the fast path's port, "core0.tap" its tap; FTN entries for
// 10.255.0.4/32 (two labels out of core3), 10.255.0.9/32 (ECMP over core1
// and core2, one label each), 10.1.0.0/16 (implicit null: no label, out of
// core2), a FEC that is not an IPv4 prefix, and a /32 whose NHLFE swaps
// (not an FTN operation: left out of the IP lookup).
ForwardingState ler_state() {
  ForwardingState s;
  s.router = "PE1";
  for (int i = 0; i < 4; ++i) s.ports.push_back({"core" + std::to_string(i), "", mac(uint8_t(0x10 + i)), 1500});
  s.ports.push_back({"core0.tap", "", mac(0x10), 1500});
  auto nh = [&](uint32_t id, NhlfeOp op, std::vector<uint32_t> labels, int port) {
    Nhlfe n;
    n.id = id;
    n.op = op;
    n.labels = std::move(labels);
    n.out_port = "core" + std::to_string(port);
    n.next_hop_mac = mac(uint8_t(0xa0 + port), 0x06);
    s.nhlfes.push_back(n);
  };
  nh(1, NhlfeOp::push, {3000, 3001}, 3);
  nh(2, NhlfeOp::push, {2100}, 1);
  nh(3, NhlfeOp::push, {2200}, 2);
  nh(4, NhlfeOp::push, {}, 2);
  nh(5, NhlfeOp::swap, {5000}, 1);
  nh(6, NhlfeOp::swap, {100}, 1);
  s.ecmp_groups.push_back({10, {2, 3}});
  s.ilm = {{100, IlmAction::forward, 6}};
  s.ftn = {{"10.255.0.4/32", {NextHop::Kind::nhlfe, 1}},
           {"10.255.0.9/32", {NextHop::Kind::ecmp, 10}},
           {"10.1.0.0/16", {NextHop::Kind::nhlfe, 4}},
           {"pe9", {NextHop::Kind::nhlfe, 2}},
           {"10.255.0.5/32", {NextHop::Kind::nhlfe, 5}}};
  return s;
}

Bytes ipv4_to(uint32_t dst, uint16_t sport = 40000, size_t total = 48, uint8_t ttl = 64, uint8_t tos = 0) {
  Bytes ip(total, 0xcd);
  const Bytes head = {0x45, tos, uint8_t(total >> 8), uint8_t(total), 0x12, 0x34, 0, 0, ttl, 17, 0, 0,
                      10, 255, 0, 1};
  std::copy(head.begin(), head.end(), ip.begin());
  store_be32(ip.data() + 16, dst);
  store_be16(ip.data() + 20, sport);
  store_be16(ip.data() + 22, 646);
  return ip;
}
constexpr uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d;
}

struct Exception : ::testing::Test {
  test::RouterHarness h{ler_state()};
  uint16_t tap = 0;
  void SetUp() override {
    tap = uint16_t(h.router->port_index("core0.tap"));
    h.router->set_port_exception(0, tap, mac(0x10));
  }
  rte_mbuf* from_kernel(const Bytes& ip_packet) const {
    return Frame().eth(mac(0xa0, 0x06), mac(0x10), kEtherTypeIpv4).bytes(ip_packet).mbuf();
  }
};

TEST(FtnTable, LooksUpHostsThenLongestPrefix) {
  auto t = compile_tables(ler_state(), {{"core0", 0}, {"core1", 1}, {"core2", 2}, {"core3", 3}, {"core0.tap", 4}});
  ASSERT_TRUE(t.ok()) << t.error().message;
  const Tables& tb = **t;
  EXPECT_EQ(tb.ftn_host.size(), 2u);  // "pe9" is no prefix; 10.255.0.5 swaps
  EXPECT_EQ(tb.ftn_prefix.size(), 1u);
  EXPECT_EQ(ilm_kind(tb.ftn_lookup(ip(10, 255, 0, 4))), IlmKind::forward);
  EXPECT_EQ(ilm_kind(tb.ftn_lookup(ip(10, 255, 0, 9))), IlmKind::ecmp);
  EXPECT_EQ(ilm_kind(tb.ftn_lookup(ip(10, 1, 200, 7))), IlmKind::forward);
  EXPECT_EQ(tb.ftn_lookup(ip(10, 255, 0, 5)), 0u);
  EXPECT_EQ(tb.ftn_lookup(ip(10, 2, 0, 1)), 0u);
  EXPECT_EQ(tb.ftn_lookup(0), 0u);
  EXPECT_EQ(tb.ftn_lookup(0xffffffffu), 0u);
}

TEST_F(Exception, PortPuntsWhatIsNotMplsIntoTheTap) {
  Frame arp, ipf, own, lab;
  arp.eth(mac(0xff, 0xff), mac(0x99, 0x06), kEtherTypeArp).fill(46);
  ipf.eth(mac(0x10), mac(0x99, 0x06), kEtherTypeIpv4).bytes(ipv4_to(ip(10, 255, 0, 1)));
  own.eth(mac(0x99, 0x06), mac(0x10), kEtherTypeIpv4).bytes(ipv4_to(ip(10, 255, 0, 2)));
  lab.eth(mac(0x10), mac(0x99, 0x06), kEtherTypeMpls).word(lse::make(100, 0, true, 64)).fill(46);
  h.inject("core0", {arp.mbuf(), ipf.mbuf(), own.mbuf(), lab.mbuf()});
  auto to_tap = h.take("core0.tap");
  ASSERT_EQ(to_tap.size(), 2u);
  EXPECT_EQ(to_tap[0], arp.data());  // untouched
  EXPECT_EQ(to_tap[1], ipf.data());
  EXPECT_EQ(h.take("core1").size(), 1u);  // labelled: swapped as ever
  auto st = h.router->stats();
  EXPECT_EQ(st.total_drops(), 0u);
  EXPECT_EQ(st.kernel_tx_seen, 1u);
  EXPECT_EQ(h.router->port_stats(0).punted, 2u);
  EXPECT_EQ(st.rx_packets, st.forwarded + st.total_drops() + st.to_kernel + st.kernel_tx_seen);
}

TEST_F(Exception, KernelIpv4ToAnFtnDestinationLeavesLabelled) {
  h.inject("core0.tap", {from_kernel(ipv4_to(ip(10, 255, 0, 4), 40000, 48, 64, 0xb8))});
  auto out = h.take("core3");
  ASSERT_EQ(out.size(), 1u);
  const Bytes& f = out[0];
  ASSERT_EQ(f.size(), 14u + 8 + 48);
  EXPECT_EQ(Bytes(f.begin(), f.begin() + 6), Bytes({0x06, 0, 0, 0, 0, 0xa3}));  // next hop
  EXPECT_EQ(Bytes(f.begin() + 6, f.begin() + 12), Bytes({0x02, 0, 0, 0, 0, 0x13}));  // core3's MAC
  EXPECT_EQ(load_be16(f.data() + 12), kEtherTypeMpls);
  EXPECT_EQ(load_be32(f.data() + 14), lse::make(3000, 5, false, 64));  // TC from DSCP 46's top bits
  EXPECT_EQ(load_be32(f.data() + 18), lse::make(3001, 5, true, 64));
  EXPECT_EQ(Bytes(f.begin() + 22, f.end()), ipv4_to(ip(10, 255, 0, 4), 40000, 48, 64, 0xb8));
  EXPECT_EQ(h.router->port_stats(tap).ftn_labelled, 1u);
  EXPECT_EQ(h.router->stats().total_drops(), 0u);
}

TEST_F(Exception, ImplicitNullFtnRewritesMacsOnly) {
  h.inject("core0.tap", {from_kernel(ipv4_to(ip(10, 1, 2, 3)))});
  auto out = h.take("core2");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), 14u + 48);
  EXPECT_EQ(load_be16(out[0].data() + 12), kEtherTypeIpv4);
  EXPECT_EQ(out[0][5], 0xa2);
  EXPECT_EQ(out[0][11], 0x12);
}

TEST_F(Exception, EverythingElseLeavesByThePortAsWritten) {
  Frame arp;
  arp.eth(mac(0xff, 0xff), mac(0x10), kEtherTypeArp).fill(46);
  const Bytes plain = Frame().eth(mac(0xa0, 0x06), mac(0x10), kEtherTypeIpv4).bytes(ipv4_to(ip(10, 0, 12, 2))).data();
  const Bytes swap_only = Frame().eth(mac(0xa0, 0x06), mac(0x10), kEtherTypeIpv4).bytes(ipv4_to(ip(10, 255, 0, 5))).data();
  h.inject("core0.tap", {arp.mbuf(), Frame().bytes(plain).mbuf(), Frame().bytes(swap_only).mbuf()});
  auto out = h.take("core0");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], arp.data());
  EXPECT_EQ(out[1], plain);
  EXPECT_EQ(out[2], swap_only);
  EXPECT_EQ(h.router->port_stats(tap).ftn_labelled, 0u);
  // The kernel's frames on the tap carry the port's MAC as source: never
  // taken for our own.
  EXPECT_EQ(h.router->stats().kernel_tx_seen, 0u);
}

TEST_F(Exception, EcmpSpreadsFlowsAndKeepsEachOnOneWay) {
  std::vector<rte_mbuf*> burst;
  for (uint16_t i = 0; i < 64; ++i) burst.push_back(from_kernel(ipv4_to(ip(10, 255, 0, 9), uint16_t(1000 + i))));
  h.inject("core0.tap", burst);
  auto a = h.take("core1"), b = h.take("core2");
  EXPECT_EQ(a.size() + b.size(), 64u);
  EXPECT_GT(a.size(), 8u);
  EXPECT_GT(b.size(), 8u);
  for (auto& f : a) EXPECT_EQ(lse::label(load_be32(f.data() + 14)), 2100u);
  for (auto& f : b) EXPECT_EQ(lse::label(load_be32(f.data() + 14)), 2200u);
  // The same flow again takes the same way.
  std::set<uint16_t> ports_a;
  for (auto& f : a) ports_a.insert(load_be16(f.data() + 18 + 20));
  std::vector<rte_mbuf*> again;
  for (uint16_t sp : ports_a) again.push_back(from_kernel(ipv4_to(ip(10, 255, 0, 9), sp)));
  h.inject("core0.tap", again);
  EXPECT_EQ(h.take("core1").size(), ports_a.size());
  EXPECT_TRUE(h.take("core2").empty());
}

TEST_F(Exception, DropsAreNamed) {
  // Too big once labelled (the kernel's MTU on the tap is the port's: 1500).
  h.inject("core0.tap", {from_kernel(ipv4_to(ip(10, 255, 0, 4), 1, 1500))});
  EXPECT_EQ(h.router->stats().drop(DropReason::mtu_exceeded), 1u);
  // TTL 0 from the kernel.
  h.inject("core0.tap", {from_kernel(ipv4_to(ip(10, 255, 0, 4), 1, 48, 0))});
  EXPECT_EQ(h.router->stats().drop(DropReason::ttl_expired), 1u);
  // The FTN's port down, no LFA.
  h.router->set_port_up(3, false);
  h.inject("core0.tap", {from_kernel(ipv4_to(ip(10, 255, 0, 4)))});
  EXPECT_EQ(h.router->stats().drop(DropReason::port_down), 1u);
  h.router->set_port_up(3, true);
  // Short IPv4: as written, by the port.
  h.inject("core0.tap", {Frame().eth(mac(0xa0, 0x06), mac(0x10), kEtherTypeIpv4).fill(10).mbuf()});
  EXPECT_EQ(h.take("core0").size(), 1u);
  EXPECT_TRUE(h.take("core3").empty());
}

TEST_F(Exception, BurstsAcrossTheBoundary) {
  for (uint16_t n : {0, 1, 31, 32, 33, 257}) {
    std::vector<rte_mbuf*> burst;
    for (uint16_t i = 0; i < n; ++i)
      burst.push_back(i % 2 ? from_kernel(ipv4_to(ip(10, 255, 0, 4), i)) : from_kernel(ipv4_to(ip(10, 0, 12, 2), i)));
    for (size_t off = 0; off < burst.size(); off += kBurst)
      h.inject("core0.tap", std::vector<rte_mbuf*>(burst.begin() + long(off),
                                                  burst.begin() + long(std::min(burst.size(), off + kBurst))));
    EXPECT_EQ(h.take("core3").size(), n / 2u) << n;
    EXPECT_EQ(h.take("core0").size(), n - n / 2u) << n;
  }
}

}  // namespace
}  // namespace l2vpn::dp
