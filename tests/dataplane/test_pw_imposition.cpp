// AC → PW: AC match, raw/tagged handling, CW, flow label, PW and port MTU,
// PW down, ECMP transport.
#include <gtest/gtest.h>

#include "vpws_fixture.hpp"

namespace l2vpn::dp {
namespace {

using test::Bytes;
using test::Frame;
using test::mac;

uint32_t word_at(const Bytes& b, size_t i) { return load_be32(b.data() + 14 + 4 * i); }
rte_mbuf* mb(const Bytes& b) { return Frame().bytes(b).mbuf(); }

TEST(PwImposition, PortBasedRawWithoutControlWord) {
  test::RouterHarness h(test::vpws_state());
  auto cust = test::customer_frame(mac(0x0b, 0x00), mac(0x0a, 0x00), 100);
  h.inject("ac1", {mb(cust)});
  auto out = h.take("core");
  ASSERT_EQ(out.size(), 1u);
  auto& f = out[0];
  EXPECT_EQ(Bytes(f.begin(), f.begin() + 6), Bytes({0x06, 0, 0, 0, 0, 0xa0}));
  EXPECT_EQ(load_be16(f.data() + 12), kEtherTypeMpls);
  EXPECT_EQ(word_at(f, 0), lse::make(2000, 0, false, 255));
  EXPECT_EQ(word_at(f, 1), lse::make(5001, 0, true, 255));
  EXPECT_EQ(Bytes(f.begin() + 22, f.end()), cust);  // the whole customer frame, untouched
  EXPECT_EQ(h.router->label_stats(6001).tx_packets, 1u);
}

TEST(PwImposition, RawVlanAcStripsServiceTagAndAddsControlWord) {
  test::RouterHarness h(test::vpws_state());
  auto cust = test::customer_frame(mac(0x0b), mac(0x0a), 100);
  Frame tagged;
  tagged.bytes(Bytes(cust.begin(), cust.begin() + 12)).type(kEtherTypeVlan).type(uint16_t(3 << 13 | 100))
      .bytes(Bytes(cust.begin() + 12, cust.end()));
  h.inject("ac2", {tagged.mbuf()});
  auto out = h.take("core");
  ASSERT_EQ(out.size(), 1u);
  auto& f = out[0];
  EXPECT_EQ(word_at(f, 0), lse::make(2000, 3, false, 255));  // TC from the customer PCP
  EXPECT_EQ(word_at(f, 1), lse::make(5002, 3, true, 255));
  EXPECT_EQ(word_at(f, 2), 0u);  // control word: 114 B frame, length 0, seq 0
  EXPECT_EQ(Bytes(f.begin() + 26, f.end()), cust);  // tag gone
}

TEST(PwImposition, ShortFrameSetsControlWordLength) {
  test::RouterHarness h(test::vpws_state());
  auto cust = test::customer_frame(mac(0x0b), mac(0x0a), 10);  // 24 bytes, no padding here
  Frame tagged;
  tagged.bytes(Bytes(cust.begin(), cust.begin() + 12)).type(kEtherTypeVlan).type(100)
      .bytes(Bytes(cust.begin() + 12, cust.end()));
  h.inject("ac2", {tagged.mbuf()});
  auto out = h.take("core");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(cw::length(word_at(out[0], 2)), 24 + 4);
}

TEST(PwImposition, TaggedModeKeepsTagAndPushesFlowLabel) {
  test::RouterHarness h(test::vpws_state());
  auto cust = test::customer_frame(mac(0x0b), mac(0x0a), 64);
  Frame tagged;
  tagged.bytes(Bytes(cust.begin(), cust.begin() + 12)).type(kEtherTypeVlan).type(200)
      .bytes(Bytes(cust.begin() + 12, cust.end()));
  h.inject("ac2", {tagged.mbuf()});
  auto out = h.take("core");
  ASSERT_EQ(out.size(), 1u);
  auto& f = out[0];
  EXPECT_EQ(word_at(f, 1), lse::make(5003, 0, false, 255));
  uint32_t fl = word_at(f, 2);
  EXPECT_TRUE(lse::bos(fl));
  EXPECT_GE(lse::label(fl), 16u);
  EXPECT_EQ(lse::ttl(fl), 0);
  EXPECT_EQ(word_at(f, 3), 0u);
  EXPECT_EQ(Bytes(f.begin() + 30, f.end()), tagged.data());
}

TEST(PwImposition, EcmpTransportSpreadsFlows) {
  test::RouterHarness h(test::vpws_state());
  std::vector<rte_mbuf*> frames;
  for (int i = 0; i < 200; ++i) {
    auto cust = test::customer_frame(mac(uint8_t(i)), mac(0x0a), 64);
    Frame tagged;
    tagged.bytes(Bytes(cust.begin(), cust.begin() + 12)).type(kEtherTypeVlan).type(300)
        .bytes(Bytes(cust.begin() + 12, cust.end()));
    frames.push_back(tagged.mbuf());
  }
  h.inject("ac2", frames);
  auto a = h.take("core"), b = h.take("core2");
  EXPECT_EQ(a.size() + b.size(), 200u);
  EXPECT_GT(a.size(), 50u);
  EXPECT_GT(b.size(), 50u);
  for (auto& f : b) EXPECT_EQ(lse::label(word_at(f, 0)), 2001u);
}

TEST(PwImposition, AcMissTagMissingPwDownTooManyTags) {
  auto s = test::vpws_state();
  s.pseudowires[1].up = false;  // PW 2 (VLAN 100)
  s.pseudowires[1].down_reason = "mtu_mismatch";
  test::RouterHarness h(s);
  auto cust = test::customer_frame(mac(0x0b), mac(0x0a), 64);
  auto with_tag = [&](uint16_t vid) {
    Frame f;
    f.bytes(Bytes(cust.begin(), cust.begin() + 12)).type(kEtherTypeVlan).type(vid)
        .bytes(Bytes(cust.begin() + 12, cust.end()));
    return f.mbuf();
  };
  h.inject("ac2", {with_tag(999), mb(cust), with_tag(100)});
  Frame three;
  three.eth(mac(1), mac(2), 0).vlan(kEtherTypeVlan, 200).type(0).vlan(kEtherTypeVlan, 1).type(0)
      .vlan(kEtherTypeVlan, 2).type(kEtherTypeIpv4).fill(40);
  h.inject("ac2", {three.mbuf()});
  auto st = h.router->stats();
  EXPECT_EQ(st.drop(DropReason::ac_miss), 2u);  // VID 999 and untagged on a VLAN-only port
  EXPECT_EQ(st.drop(DropReason::pw_down), 1u);
  EXPECT_EQ(st.drop(DropReason::too_many_vlan_tags), 1u);
  EXPECT_EQ(st.forwarded, 0u);
}

TEST(PwImposition, PwMtuAndPortMtuBoundaries) {
  auto s = test::vpws_state();
  s.pseudowires[0].mtu = 1000;
  test::RouterHarness h(s);
  for (size_t payload : {999, 1000, 1001})
    h.inject("ac1", {mb(test::customer_frame(mac(0x0b), mac(0x0a), payload))});
  EXPECT_EQ(h.take("core").size(), 2u);
  EXPECT_EQ(h.router->stats().drop(DropReason::pw_mtu_exceeded), 1u);
  // Port MTU 1500 with 8 bytes of labels: a 1492-byte payload fits, 1493 does not.
  auto s2 = test::vpws_state();
  s2.pseudowires[0].mtu = 9000;
  test::RouterHarness h2(s2);
  for (size_t payload : {1477, 1478, 1479})  // + 14 MAC header + 8 labels = 1499..1501
    h2.inject("ac1", {mb(test::customer_frame(mac(0x0b), mac(0x0a), payload))});
  EXPECT_EQ(h2.take("core").size(), 2u);
  EXPECT_EQ(h2.router->stats().drop(DropReason::mtu_exceeded), 1u);
}

TEST(PwImposition, LfaBackupForTransport) {
  auto s = test::vpws_state();
  s.nhlfes[0].backup_nhlfe = 2;
  test::RouterHarness h(s);
  h.router->set_port_up(0, false);
  h.inject("ac1", {mb(test::customer_frame(mac(0x0b), mac(0x0a), 64))});
  auto out = h.take("core2");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(lse::label(word_at(out[0], 0)), 2001u);
  EXPECT_EQ(h.router->stats().lfa_used, 1u);
}

}  // namespace
}  // namespace l2vpn::dp
