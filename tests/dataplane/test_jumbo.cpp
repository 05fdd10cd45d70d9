// Jumbo frames end to end: 1500, 2049, 9000 and 9001 bytes of payload on
// 9000-byte MTU ports, through swap, imposition, disposition and VPLS
// flooding, as chained (multi-segment) mbufs: split like a NIC scattering
// into 2 KiB buffers, and split after a few header bytes like a replica
// another router in the same process hands over. What fits leaves whole
// and byte for byte; 9001 is `mtu_exceeded` (or `pw_mtu_exceeded`), never
// `truncated`.
#include <gtest/gtest.h>

#include "vpls_fixture.hpp"
#include "vpws_fixture.hpp"

namespace l2vpn::dp {
namespace {

using test::Bytes;
using test::Frame;
using test::mac;

constexpr uint32_t kJumboMtu = 9000;
constexpr size_t kSizes[] = {1500, 2049, 9000, 9001};

// The two ways a frame arrives chained: scattered 2 KiB segments, or a
// short first segment (18 bytes: MAC header and one label) then the rest
// in 2 KiB segments.
enum class Split { scatter, header };
rte_mbuf* chained(const Frame& f, Split s) {
  return s == Split::scatter ? f.chain(2048, 2048) : f.chain(18, 2048);
}

Bytes fill_bytes(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = uint8_t(i * 7 + 3);
  return b;
}

void expect_balanced(const Router& r) {
  auto st = r.stats();
  EXPECT_EQ(st.rx_packets + st.replicas, st.forwarded + st.total_drops());
}

class Jumbo : public ::testing::TestWithParam<Split> {};

ForwardingState jumbo_lsr() {
  ForwardingState s;
  s.router = "P1";
  s.ports = {{"core0", "", mac(0x10), kJumboMtu}, {"core1", "", mac(0x11), kJumboMtu}};
  Nhlfe n;
  n.id = 1;
  n.op = NhlfeOp::swap;
  n.labels = {1000};
  n.out_port = "core1";
  n.next_hop_mac = mac(0xa1, 0x06);
  s.nhlfes.push_back(n);
  s.ilm = {{100, IlmAction::forward, 1}};
  return s;
}

TEST_P(Jumbo, SwapCarriesEverySizeThatFits) {
  test::RouterHarness h(jumbo_lsr());
  for (size_t size : kSizes) {
    // MPLS payload (after the MAC header) of `size` bytes: one label + data.
    const Bytes data = fill_bytes(size - 4);
    Frame in;
    in.eth(mac(0x10), mac(0x99, 0x06), kEtherTypeMpls).mpls(100, 0, true, 64).bytes(data);
    h.inject("core0", {chained(in, GetParam())});
    auto out = h.take("core1");
    if (size > kJumboMtu) {
      EXPECT_TRUE(out.empty()) << size;
      continue;
    }
    ASSERT_EQ(out.size(), 1u) << size;
    EXPECT_EQ(out[0], Frame().eth(mac(0xa1, 0x06), mac(0x11), kEtherTypeMpls).mpls(1000, 0, true, 63)
                          .bytes(data).data()) << size;
  }
  auto st = h.router->stats();
  EXPECT_EQ(st.forwarded, 3u);
  EXPECT_EQ(st.drop(DropReason::mtu_exceeded), 1u);
  EXPECT_EQ(st.drop(DropReason::truncated), 0u);
  expect_balanced(*h.router);
}

ForwardingState jumbo_vpws() {
  auto s = test::vpws_state();
  for (auto& p : s.ports) p.mtu = kJumboMtu;
  s.ports[0].mtu = kJumboMtu + 100;  // core: the customer payload + MAC header + labels fit
  for (auto& pw : s.pseudowires) pw.mtu = kJumboMtu;
  return s;
}

TEST_P(Jumbo, ImpositionCarriesEverySizeThatFits) {
  test::RouterHarness h(jumbo_vpws());
  for (size_t size : kSizes) {
    // A customer frame whose payload (after its MAC header) is `size` bytes.
    const Bytes cust = test::customer_frame(mac(0x0a, 0x00), mac(0x0b, 0x00), size);
    h.inject("ac1", {chained(Frame().bytes(cust), GetParam())});
    auto out = h.take("core");
    if (size > kJumboMtu) {
      EXPECT_TRUE(out.empty()) << size;
      continue;
    }
    ASSERT_EQ(out.size(), 1u) << size;
    EXPECT_EQ(out[0], Frame().eth(mac(0xa0, 0x06), mac(0x10), kEtherTypeMpls).mpls(2000, 0, false, 255)
                          .mpls(5001, 0, true, 255).bytes(cust).data()) << size;
  }
  auto st = h.router->stats();
  EXPECT_EQ(st.forwarded, 3u);
  EXPECT_EQ(st.drop(DropReason::pw_mtu_exceeded), 1u);
  EXPECT_EQ(st.drop(DropReason::truncated), 0u);
  // With a PW MTU above the port's, the port's MTU is what stops 9001.
  auto s = jumbo_vpws();
  s.ports[0].mtu = kJumboMtu;
  for (auto& pw : s.pseudowires) pw.mtu = kJumboMtu + 100;
  ASSERT_TRUE(h.router->update(s).ok());
  // 9001 - 14 + 14 (MAC) + 8 (labels) - 14: the MPLS payload is size + 8.
  const Bytes cust = test::customer_frame(mac(0x0a, 0x00), mac(0x0b, 0x00), kJumboMtu - 8 + 1);
  h.inject("ac1", {chained(Frame().bytes(cust), GetParam())});
  EXPECT_TRUE(h.take("core").empty());
  EXPECT_EQ(h.router->stats().drop(DropReason::mtu_exceeded), 1u);
  expect_balanced(*h.router);
}

TEST_P(Jumbo, DispositionCarriesEverySizeThatFits) {
  test::RouterHarness h(jumbo_vpws());
  for (size_t size : kSizes) {
    const Bytes cust = test::customer_frame(mac(0x0a, 0x00), mac(0x0b, 0x00), size);
    Frame in;
    in.eth(mac(0x10), mac(0xa0, 0x06), kEtherTypeMpls).mpls(6001, 0, true, 254).bytes(cust);
    h.inject("core", {chained(in, GetParam())});
    // And over PW 2 (control word, raw AC on VLAN 100: a tag is inserted).
    Frame in2;
    in2.eth(mac(0x10), mac(0xa0, 0x06), kEtherTypeMpls).mpls(6002, 0, true, 254).word(0).bytes(cust);
    h.inject("core", {chained(in2, GetParam())});
    auto out = h.take("ac1");
    auto out2 = h.take("ac2");
    if (size > kJumboMtu) {
      EXPECT_TRUE(out.empty()) << size;
      EXPECT_TRUE(out2.empty()) << size;
      continue;
    }
    ASSERT_EQ(out.size(), 1u) << size;
    EXPECT_EQ(out[0], cust) << size;
    ASSERT_EQ(out2.size(), 1u) << size;
    Frame expect;
    expect.bytes(Bytes(cust.begin(), cust.begin() + 12)).type(kEtherTypeVlan).type(100)
        .bytes(Bytes(cust.begin() + 12, cust.end()));
    EXPECT_EQ(out2[0], expect.data()) << size;
  }
  auto st = h.router->stats();
  EXPECT_EQ(st.forwarded, 6u);
  EXPECT_EQ(st.drop(DropReason::mtu_exceeded), 2u);
  EXPECT_EQ(st.drop(DropReason::truncated), 0u);
  expect_balanced(*h.router);
}

TEST_P(Jumbo, VplsFloodingCarriesEverySizeThatFits) {
  auto s = test::vpls_state();
  for (auto& p : s.ports) p.mtu = kJumboMtu;
  s.ports[0].mtu = kJumboMtu + 100;
  for (auto& pw : s.pseudowires) pw.mtu = kJumboMtu;
  test::RouterHarness h(s);
  uint8_t seed = 1;
  for (size_t size : kSizes) {
    // Broadcast from AC a1: to a2, a3 (tagged 100), PWs 11, 12, 13 (CW).
    const Bytes cust = test::customer_frame(test::bcast(), mac(0x0a, 0x00), size, seed++);
    h.inject("ac1", {chained(Frame().bytes(cust), GetParam())});
    auto a2 = h.take("ac2"), a3 = h.take("ac3"), core = h.take("core");
    if (size > kJumboMtu) {
      EXPECT_TRUE(a2.empty() && a3.empty() && core.empty()) << size;
    } else {
      ASSERT_EQ(a2.size(), 1u) << size;
      EXPECT_EQ(a2[0], cust);
      ASSERT_EQ(a3.size(), 1u) << size;
      Frame t;
      t.bytes(Bytes(cust.begin(), cust.begin() + 12)).type(kEtherTypeVlan).type(100)
          .bytes(Bytes(cust.begin() + 12, cust.end()));
      EXPECT_EQ(a3[0], t.data());
      ASSERT_EQ(core.size(), 3u) << size;
      for (auto& c : core) {
        const uint32_t pw = test::pw_label_of(c);
        EXPECT_EQ(c, test::to_pw(pw, cust, pw == 8013)) << size << " pw " << pw;
      }
    }
    // And from mesh PW 11 (to the ACs and the spoke only).
    const Bytes back = test::customer_frame(test::bcast(), mac(0x0c, 0x00), size, seed++);
    Frame in;
    in.eth(mac(0x10), mac(0xa0, 0x06), kEtherTypeMpls).mpls(7011, 0, true, 254).bytes(back);
    h.inject("core", {chained(in, GetParam())});
    auto b1 = h.take("ac1"), b2 = h.take("ac2"), bc = h.take("core");
    h.take("ac3");
    if (size > kJumboMtu) {
      EXPECT_TRUE(b1.empty() && b2.empty() && bc.empty()) << size;
    } else {
      ASSERT_EQ(b1.size(), 1u) << size;
      EXPECT_EQ(b1[0], back);
      ASSERT_EQ(b2.size(), 1u) << size;
      EXPECT_EQ(b2[0], back);
      ASSERT_EQ(bc.size(), 1u) << size;
      EXPECT_EQ(bc[0], test::to_pw(8013, back, true));
    }
  }
  auto st = h.router->stats();
  EXPECT_EQ(st.drop(DropReason::truncated), 0u);
  EXPECT_EQ(st.drop(DropReason::pw_payload_truncated), 0u);
  // 9001 from a1: 2 ACs mtu_exceeded, 3 PWs pw_mtu_exceeded; from PW 11:
  // 3 ACs, 1 PW.
  EXPECT_EQ(st.drop(DropReason::mtu_exceeded), 5u);
  EXPECT_EQ(st.drop(DropReason::pw_mtu_exceeded), 4u);
  expect_balanced(*h.router);
}

INSTANTIATE_TEST_SUITE_P(Chains, Jumbo, ::testing::Values(Split::scatter, Split::header),
                         [](const auto& info) {
                           return std::string(info.param == Split::scatter ? "Scattered" : "HeaderSplit");
                         });

}  // namespace
}  // namespace l2vpn::dp
