// PW → AC: stack checks, control word checks and padding, raw tag insertion,
// tagged-mode VLAN rewrite, truncated payloads, AC MTU.
#include <gtest/gtest.h>

#include "vpws_fixture.hpp"

namespace l2vpn::dp {
namespace {

using test::Bytes;
using test::Frame;
using test::mac;

rte_mbuf* from_core(std::vector<uint32_t> stack, const Bytes& payload) {
  Frame f;
  f.eth(mac(0x10), mac(0xa0, 0x06), kEtherTypeMpls);
  for (auto w : stack) f.word(w);
  f.bytes(payload);
  return f.mbuf();
}

TEST(PwDisposition, RawPortBasedDeliversInnerFrame) {
  test::RouterHarness h(test::vpws_state());
  auto cust = test::customer_frame(mac(0x0a, 0x00), mac(0x0b, 0x00), 100);
  h.inject("core", {from_core({lse::make(6001, 0, true, 255)}, cust)});
  auto out = h.take("ac1");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], cust);
  EXPECT_EQ(h.router->label_stats(6001).rx_packets, 1u);
}

TEST(PwDisposition, RawVlanAcInsertsTag) {
  test::RouterHarness h(test::vpws_state());
  auto cust = test::customer_frame(mac(0x0a), mac(0x0b), 100);
  h.inject("core", {from_core({lse::make(6002, 0, true, 255), 0}, cust)});
  auto out = h.take("ac2");
  ASSERT_EQ(out.size(), 1u);
  Frame expect;
  expect.bytes(Bytes(cust.begin(), cust.begin() + 12)).type(kEtherTypeVlan).type(100)
      .bytes(Bytes(cust.begin() + 12, cust.end()));
  EXPECT_EQ(out[0], expect.data());
}

TEST(PwDisposition, TaggedModeRewritesVidKeepsPcp) {
  test::RouterHarness h(test::vpws_state());
  auto cust = test::customer_frame(mac(0x0a), mac(0x0b), 64);
  Frame remote;  // the far end's AC used VLAN 777, PCP 5
  remote.bytes(Bytes(cust.begin(), cust.begin() + 12)).type(kEtherTypeVlan).type(uint16_t(5 << 13 | 777))
      .bytes(Bytes(cust.begin() + 12, cust.end()));
  h.inject("core", {from_core({lse::make(6003, 0, false, 255), lse::make(4321, 0, true, 0), 0},
                              remote.data())});
  auto out = h.take("ac2");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(load_be16(out[0].data() + 14), uint16_t(5 << 13 | 200));
  // Tagged mode without a tag on the PW: counted.
  h.inject("core", {from_core({lse::make(6003, 0, false, 255), lse::make(4321, 0, true, 0), 0}, cust)});
  EXPECT_EQ(h.router->stats().drop(DropReason::ac_tag_missing), 1u);
}

TEST(PwDisposition, ControlWordLengthStripsPadding) {
  test::RouterHarness h(test::vpws_state());
  auto cust = test::customer_frame(mac(0x0a), mac(0x0b), 10);  // 24 bytes
  Bytes padded = cust;
  padded.resize(40, 0);  // padding added on the way
  h.inject("core", {from_core({lse::make(6002, 0, true, 255), cw::make(28, 0)}, padded)});
  auto out = h.take("ac2");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), cust.size() + 4);  // + the inserted VLAN tag
}

TEST(PwDisposition, BadStacksAndControlWords) {
  test::RouterHarness h(test::vpws_state());
  auto cust = test::customer_frame(mac(0x0a), mac(0x0b), 64);
  // PW label not at the bottom (PW 2 has no flow label).
  h.inject("core", {from_core({lse::make(6002, 0, false, 255), lse::make(99, 0, true, 1), 0}, cust)});
  // Flow-label PW 3 without its flow label.
  h.inject("core", {from_core({lse::make(6003, 0, true, 255), 0}, cust)});
  // Control word with an IPv4 or IPv6 first nibble, or 1 (a PW ACH); and missing.
  for (uint32_t bad : {0x45000000u, 0x60000000u, 0x10000000u})
    h.inject("core", {from_core({lse::make(6002, 0, true, 255), bad}, cust)});
  h.inject("core", {from_core({lse::make(6002, 0, true, 255)}, Bytes{0, 0})});
  // CW length larger than what arrived.
  h.inject("core", {from_core({lse::make(6002, 0, true, 255), cw::make(60, 0)}, Bytes(20, 1))});
  // Payload shorter than an Ethernet header.
  h.inject("core", {from_core({lse::make(6001, 0, true, 255)}, Bytes(13, 1))});
  auto st = h.router->stats();
  EXPECT_EQ(st.drop(DropReason::pw_bad_stack), 2u);
  EXPECT_EQ(st.drop(DropReason::cw_invalid), 5u);
  EXPECT_EQ(st.drop(DropReason::pw_payload_truncated), 1u);
  EXPECT_EQ(st.forwarded, 0u);
  EXPECT_EQ(st.rx_packets, st.total_drops());
}

// RFC 4448 4.6: the reserved bits (flags, FRG) of the control word MUST be
// ignored on receipt; only a first nibble other than 0 makes it not a CW.
TEST(PwDisposition, ControlWordReservedBitsAreIgnored) {
  test::RouterHarness h(test::vpws_state());
  auto cust = test::customer_frame(mac(0x0a), mac(0x0b), 64);
  for (uint32_t word : {0x0f000000u, 0x00c00000u, 0x0fc00007u})
    h.inject("core", {from_core({lse::make(6002, 0, true, 255), word}, cust)});
  EXPECT_EQ(h.take("ac2").size(), 3u);
  for (uint32_t bad : {0x10000000u, 0x45000000u, 0x60000000u})
    h.inject("core", {from_core({lse::make(6002, 0, true, 255), bad}, cust)});
  EXPECT_EQ(h.router->stats().drop(DropReason::cw_invalid), 3u);
}

// The PW label's TTL counts at disposition like any label's (0 or 1 has
// expired); raw mode re-tags with the PW label's TC as the PCP.
TEST(PwDisposition, PwLabelTtlCheckedAndTcBecomesPcp) {
  test::RouterHarness h(test::vpws_state());
  auto cust = test::customer_frame(mac(0x0a), mac(0x0b), 64);
  for (uint8_t ttl : {0, 1}) {
    h.inject("core", {from_core({lse::make(6001, 0, true, ttl)}, cust)});
    h.inject("core", {from_core({lse::make(6002, 0, true, ttl), 0}, cust)});
  }
  EXPECT_EQ(h.router->stats().drop(DropReason::ttl_expired), 4u);
  EXPECT_TRUE(h.take("ac1").empty());
  EXPECT_TRUE(h.take("ac2").empty());
  h.inject("core", {from_core({lse::make(6002, 5, true, 2), 0}, cust)});
  auto out = h.take("ac2");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(load_be16(out[0].data() + 12), kEtherTypeVlan);
  EXPECT_EQ(load_be16(out[0].data() + 14), uint16_t(5 << 13 | 100));
}

TEST(PwDisposition, AcPortMtuBoundary) {
  auto s = test::vpws_state();
  s.ports[2].mtu = 1000;  // ac1
  test::RouterHarness h(s);
  for (size_t payload : {999, 1000, 1001})
    h.inject("core", {from_core({lse::make(6001, 0, true, 255)}, test::customer_frame(mac(1), mac(2), payload))});
  EXPECT_EQ(h.take("ac1").size(), 2u);
  EXPECT_EQ(h.router->stats().drop(DropReason::mtu_exceeded), 1u);
}

TEST(PwDisposition, RoundTripThroughTwoPes) {
  // PE1's imposition output fed to a mirror PE2 comes out as the original.
  auto s1 = test::vpws_state();
  auto s2 = test::vpws_state();
  s2.router = "PE2";
  for (auto& p : s2.pseudowires) std::swap(p.local_label, p.remote_label);
  s2.ilm.clear();
  for (auto& p : s2.pseudowires) s2.ilm.push_back({p.local_label, IlmAction::pw_disposition, p.id});
  test::RouterHarness pe1(s1), pe2(s2);
  std::vector<Bytes> sent;
  for (int i = 0; i < 50; ++i) {
    auto cust = test::customer_frame(mac(uint8_t(i)), mac(0x0a), size_t(20 + i * 29), uint8_t(i));
    Frame tagged;
    tagged.bytes(Bytes(cust.begin(), cust.begin() + 12)).type(kEtherTypeVlan).type(200)
        .bytes(Bytes(cust.begin() + 12, cust.end()));
    sent.push_back(tagged.data());
    pe1.inject("ac2", {tagged.mbuf()});
  }
  auto wire = pe1.take("core");
  ASSERT_EQ(wire.size(), sent.size());
  for (auto& f : wire) {
    // P router's PHP: strip the transport label before PE2.
    Bytes php = f;
    php.erase(php.begin() + 14, php.begin() + 18);
    pe2.inject("core", {Frame().bytes(php).mbuf()});
  }
  auto got = pe2.take("ac2");
  ASSERT_EQ(got.size(), sent.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], sent[i]) << i;
}

}  // namespace
}  // namespace l2vpn::dp
