// Codecs: Ethernet/VLAN, label stack entries, control word; every bound.
#include <gtest/gtest.h>

#include "dataplane/packet.hpp"
#include "dataplane_test_env.hpp"

namespace l2vpn::dp {
namespace {

using test::Frame;

TEST(PacketCodec, LabelStackEntryFieldsRoundTrip) {
  uint32_t w = lse::make(0xfffff, 7, true, 255);
  EXPECT_EQ(lse::label(w), 0xfffffu);
  EXPECT_EQ(lse::tc(w), 7);
  EXPECT_TRUE(lse::bos(w));
  EXPECT_EQ(lse::ttl(w), 255);
  w = lse::make(16, 0, false, 1);
  EXPECT_EQ(w, 0x00010001u);
  EXPECT_EQ(lse::label(lse::with_ttl(w, 9)), 16u);
  EXPECT_EQ(lse::ttl(lse::with_ttl(w, 9)), 9);
  EXPECT_TRUE(lse::bos(lse::with_bos(w, true)));
  uint8_t b[4];
  store_be32(b, lse::make(0x12345, 5, true, 64));
  // Label 0x12345 -> bytes 12 34 5 | TC 101 | S 1 -> 0x5b, TTL 0x40.
  EXPECT_EQ(b[0], 0x12);
  EXPECT_EQ(b[1], 0x34);
  EXPECT_EQ(b[2], 0x5b);
  EXPECT_EQ(b[3], 0x40);
}

TEST(PacketCodec, EthernetUntaggedSingleDoubleAndTooManyTags) {
  EthernetView e;
  auto f = Frame().eth(test::mac(1), test::mac(2), kEtherTypeIpv4).fill(20).data();
  ASSERT_EQ(parse_ethernet(f.data(), f.size(), e), ParseResult::ok);
  EXPECT_EQ(e.n_tags, 0);
  EXPECT_EQ(e.ether_type, kEtherTypeIpv4);
  EXPECT_EQ(e.header_len, 14);

  f = Frame().eth(test::mac(1), test::mac(2), kEtherTypeIpv4).vlan(kEtherTypeVlan, 100, 5).type(kEtherTypeArp).data();
  ASSERT_EQ(parse_ethernet(f.data(), f.size(), e), ParseResult::ok);
  EXPECT_EQ(e.n_tags, 1);
  EXPECT_EQ(e.outer_vid(), 100);
  EXPECT_EQ(e.outer_pcp(), 5);
  EXPECT_EQ(e.ether_type, kEtherTypeArp);
  EXPECT_EQ(e.header_len, 18);

  f = Frame().eth(test::mac(1), test::mac(2), 0).vlan(kEtherTypeQinQ, 200).type(0)
          .vlan(kEtherTypeVlan, 300).type(kEtherTypeIpv4).data();
  ASSERT_EQ(parse_ethernet(f.data(), f.size(), e), ParseResult::ok);
  EXPECT_EQ(e.n_tags, 2);
  EXPECT_EQ(e.outer_tpid, kEtherTypeQinQ);
  EXPECT_EQ(e.outer_vid(), 200);
  EXPECT_EQ(e.header_len, 22);

  f = Frame().eth(test::mac(1), test::mac(2), 0).vlan(kEtherTypeVlan, 1).type(0)
          .vlan(kEtherTypeVlan, 2).type(0).vlan(kEtherTypeVlan, 3).type(kEtherTypeIpv4).data();
  EXPECT_EQ(parse_ethernet(f.data(), f.size(), e), ParseResult::too_many_tags);
}

TEST(PacketCodec, EthernetTruncatedAtEveryLength) {
  auto f = Frame().eth(test::mac(1), test::mac(2), 0).vlan(kEtherTypeVlan, 7).type(kEtherTypeIpv4).data();
  EthernetView e;
  for (size_t len = 0; len < f.size(); ++len)
    EXPECT_EQ(parse_ethernet(f.data(), len, e), ParseResult::truncated) << len;
  EXPECT_EQ(parse_ethernet(f.data(), f.size(), e), ParseResult::ok);
}

TEST(PacketCodec, LabelStackDepthBosAndHash) {
  auto f = Frame().mpls(100, 0, false, 64).mpls(200, 0, false, 64).mpls(300, 0, true, 64).data();
  LabelStackView st;
  ASSERT_EQ(parse_label_stack(f.data(), f.size(), 8, st), StackResult::ok);
  EXPECT_EQ(st.depth, 3);
  EXPECT_EQ(lse::label(st.top), 100u);
  // The hash ignores the top label and TTL/TC, depends on the labels below.
  auto g = Frame().mpls(999, 3, false, 1).mpls(200, 5, false, 9).mpls(300, 0, true, 7).data();
  LabelStackView st2;
  ASSERT_EQ(parse_label_stack(g.data(), g.size(), 8, st2), StackResult::ok);
  EXPECT_EQ(st.below_hash, st2.below_hash);
  auto h = Frame().mpls(100, 0, false, 64).mpls(200, 0, false, 64).mpls(301, 0, true, 64).data();
  LabelStackView st3;
  ASSERT_EQ(parse_label_stack(h.data(), h.size(), 8, st3), StackResult::ok);
  EXPECT_NE(st.below_hash, st3.below_hash);
}

TEST(PacketCodec, LabelStackTooDeepAndTruncated) {
  for (unsigned depth = 1; depth <= 16; ++depth) {
    Frame f;
    for (unsigned i = 0; i < depth; ++i) f.mpls(16 + i, 0, i + 1 == depth, 64);
    LabelStackView st;
    auto r = parse_label_stack(f.data().data(), f.data().size(), 8, st);
    if (depth <= 8) {
      EXPECT_EQ(r, StackResult::ok) << depth;
      EXPECT_EQ(st.depth, depth);
    } else {
      EXPECT_EQ(r, StackResult::too_deep) << depth;
    }
    // Cut anywhere inside the stack: truncated, never a read past the end.
    for (size_t len = 0; len < std::min<size_t>(f.data().size(), 8 * 4); ++len) {
      EXPECT_NE(parse_label_stack(f.data().data(), len, 8, st), StackResult::ok) << depth << " " << len;
    }
  }
  // No S bit at all within the data.
  auto f = Frame().mpls(16, 0, false, 1).mpls(17, 0, false, 1).data();
  LabelStackView st;
  EXPECT_EQ(parse_label_stack(f.data(), f.size(), 8, st), StackResult::truncated);
}

TEST(PacketCodec, ControlWord) {
  EXPECT_TRUE(cw::valid(0));
  EXPECT_TRUE(cw::valid(cw::make(40, 77)));
  EXPECT_EQ(cw::length(cw::make(40, 77)), 40);
  EXPECT_EQ(cw::sequence(cw::make(40, 77)), 77);
  EXPECT_FALSE(cw::valid(0x40000000));  // IPv4 first nibble
  EXPECT_FALSE(cw::valid(0x60000000));  // IPv6 first nibble
  EXPECT_FALSE(cw::valid(0x10000000));  // PW associated channel header
  // RFC 4448 4.6: flags and FRG are ignored on receipt.
  EXPECT_TRUE(cw::valid(0x01000000));
  EXPECT_TRUE(cw::valid(0x00400000));
}

}  // namespace
}  // namespace l2vpn::dp
