// Boundaries (issue 9) the other dataplane tests leave out: frames at
// MTU-1, MTU and MTU+1 once the PW encapsulation is counted (imposition
// with and without control word and flow label, raw VLAN ACs whose tag is
// stripped, tagged ACs whose tag is carried, disposition to an AC port,
// flooding to mesh and spoke PWs); label stacks of depth 0 to 16 through a
// router; bursts of 0, 1, 31, 32, 33 and 257 frames on the AC and bridge
// paths. (Codecs at every truncation, reserved labels x S x TTL and LSR
// bursts/MTU: test_packet.cpp, test_mpls_forward.cpp.)
#include <gtest/gtest.h>

#include "vpls_fixture.hpp"
#include "vpws_fixture.hpp"

namespace l2vpn::dp {
namespace {

using test::Bytes;
using test::Frame;
using test::mac;

rte_mbuf* mb(const Bytes& b) { return Frame().bytes(b).mbuf(); }

// An untagged customer frame of exactly `len` bytes (no FCS).
Bytes untagged(size_t len) {
  return Frame().eth(mac(0x0b), mac(0x0a), kEtherTypeIpv4).fill(len - 14, 0x45).data();
}
// A single-tagged customer frame of exactly `len` bytes.
Bytes tagged(uint16_t vid, size_t len) {
  return Frame().eth(mac(0x0b), mac(0x0a), 0).vlan(kEtherTypeVlan, vid).type(kEtherTypeIpv4).fill(len - 18, 0x45).data();
}

struct MtuCase {
  const char* name;
  const char* port;
  uint16_t vid;     // 0: untagged frame
  size_t max_len;   // largest customer frame that fits the core port's MTU 1500
};

// Port MTU 1500 = bytes after the outer MAC header: transport label 4 + PW
// label 4 [+ flow label 4] [+ CW 4] + the frame as the PW carries it.
TEST(Boundaries, PwImpositionAtPortMtuMinusOneEqualPlusOne) {
  const MtuCase cases[] = {
      {"raw whole port, no CW: 8 bytes", "ac1", 0, 1500 - 8},
      // The service tag is stripped (-4), then CW (+4): 1492 on the AC.
      {"raw VLAN 100, CW: 12 bytes, tag stripped", "ac2", 100, 1500 - 12 + 4},
      {"tagged VLAN 200, CW + flow label: 16 bytes, tag kept", "ac2", 200, 1500 - 16},
  };
  for (auto& c : cases) {
    test::RouterHarness h(test::vpws_state());
    for (size_t len : {c.max_len - 1, c.max_len, c.max_len + 1})
      h.inject(c.port, {mb(c.vid ? tagged(c.vid, len) : untagged(len))});
    auto out = h.take("core");
    ASSERT_EQ(out.size(), 2u) << c.name;
    // Exactly the MTU on the wire for the largest one.
    EXPECT_EQ(out[1].size(), 14u + 1500) << c.name;
    auto st = h.router->stats();
    EXPECT_EQ(st.drop(DropReason::mtu_exceeded), 1u) << c.name;
    EXPECT_EQ(st.rx_packets, st.forwarded + st.total_drops()) << c.name;
  }
}

// PW MTU (RFC 4447 interface MTU): the customer payload after its MAC
// header and tags, whether or not the tag crosses the PW.
TEST(Boundaries, PwMtuCountsThePayloadWithoutTagsInRawAndTaggedMode) {
  auto s = test::vpws_state();
  for (auto& pw : s.pseudowires) pw.mtu = 1000;
  test::RouterHarness h(s);
  for (size_t payload : {999, 1000, 1001}) {
    h.inject("ac2", {mb(tagged(100, 18 + payload))});  // raw: tag stripped
    h.inject("ac2", {mb(tagged(200, 18 + payload))});  // tagged: tag carried
  }
  EXPECT_EQ(h.take("core").size(), 4u);
  EXPECT_EQ(h.router->stats().drop(DropReason::pw_mtu_exceeded), 2u);
}

// Disposition: the AC port's MTU counts the payload after the MAC header
// and any tags (a raw VLAN AC's tag is added back and does not count).
TEST(Boundaries, PwDispositionAtAcPortMtuMinusOneEqualPlusOne) {
  auto s = test::vpws_state();
  for (auto& p : s.ports)
    if (p.name == "ac1" || p.name == "ac2") p.mtu = 1000;
  test::RouterHarness h(s);
  auto from_core = [](std::vector<uint32_t> stack, bool cw, const Bytes& inner) {
    Frame f;
    f.eth(mac(0x10), mac(0xa0, 0x06), kEtherTypeMpls);
    for (size_t i = 0; i < stack.size(); ++i) f.mpls(stack[i], 0, i + 1 == stack.size(), 64);
    if (cw) f.word(0);
    return f.bytes(inner).mbuf();
  };
  for (size_t payload : {999, 1000, 1001}) {
    h.inject("core", {from_core({6001}, false, untagged(14 + payload))});        // -> ac1
    h.inject("core", {from_core({6002}, true, untagged(14 + payload))});         // -> ac2 VLAN 100 added
    h.inject("core", {from_core({6003, 777}, true, tagged(200, 18 + payload))});  // -> ac2 tag kept
  }
  auto ac1 = h.take("ac1");
  auto ac2 = h.take("ac2");
  ASSERT_EQ(ac1.size(), 2u);
  ASSERT_EQ(ac2.size(), 4u);
  EXPECT_EQ(ac1[1].size(), 14u + 1000);
  size_t longest = 0;
  for (auto& f : ac2) longest = std::max(longest, f.size());
  EXPECT_EQ(longest, 18u + 1000);  // the MTU's worth of payload behind one tag
  auto st = h.router->stats();
  EXPECT_EQ(st.drop(DropReason::mtu_exceeded), 3u);
  EXPECT_EQ(st.rx_packets, st.forwarded + st.total_drops());
}

// Flooding: each copy is checked against its own encapsulation. Mesh PWs
// 11, 12 carry 8 bytes of labels, spoke PW 13 also a control word.
TEST(Boundaries, FloodCopiesAtPwEncapsulationMtu) {
  struct Want {
    size_t len;
    size_t to_core;  // copies on the PWs
  };
  for (Want w : {Want{1488 - 1, 3}, Want{1488, 3}, Want{1489, 2}, Want{1492, 2}, Want{1493, 0}}) {
    test::RouterHarness h(test::vpls_state());
    h.inject("ac1", {mb(Frame().eth(test::bcast(), mac(0x31), kEtherTypeIpv4).fill(w.len - 14).data())});
    EXPECT_EQ(h.take("core").size(), w.to_core) << w.len;
    EXPECT_EQ(h.take("ac2").size(), 1u) << w.len;
    EXPECT_EQ(h.take("ac3").size(), 1u) << w.len;  // VLAN 100 added: not counted by the MTU
    auto st = h.router->stats();
    EXPECT_EQ(st.drop(DropReason::mtu_exceeded), 3 - w.to_core) << w.len;
    EXPECT_EQ(st.rx_packets + st.replicas, st.forwarded + st.total_drops()) << w.len;
  }
}

// ------------------------------------------------------------ stack depths
// Depth 0 (EtherType MPLS, nothing after), 1-8 forwarded (swap of the top,
// the rest untouched), 9-16 dropped as too deep. Each depth is cut short
// too: truncated, never a read past the frame.
TEST(Boundaries, LabelStackDepthsZeroToSixteenThroughTheRouter) {
  ForwardingState s;
  s.router = "P";
  s.ports = {{"in", "", mac(1), 1500}, {"out", "", mac(2), 1500}};
  Nhlfe n;
  n.id = 1;
  n.op = NhlfeOp::swap;
  n.labels = {1000};
  n.out_port = "out";
  n.next_hop_mac = mac(0xa2, 0x06);
  s.nhlfes.push_back(n);
  s.ilm = {{100, IlmAction::forward, 1}};
  test::RouterHarness h(s);
  uint64_t forwarded = 0, too_deep = 0, truncated = 0;
  for (unsigned depth = 0; depth <= 16; ++depth) {
    Frame f;
    f.eth(mac(1), mac(9), kEtherTypeMpls);
    for (unsigned i = 0; i < depth; ++i) f.mpls(i == 0 ? 100 : 16 + i, 0, i + 1 == depth, 64);
    Bytes full = f.data();
    h.inject("in", {mb(full)});
    auto out = h.take("out");
    if (depth == 0) {
      ++truncated;
      EXPECT_TRUE(out.empty());
    } else if (depth <= kMaxStackDepth) {
      ++forwarded;
      ASSERT_EQ(out.size(), 1u) << depth;
      EXPECT_EQ(out[0].size(), full.size());
      EXPECT_EQ(lse::label(load_be32(out[0].data() + 14)), 1000u);
      EXPECT_EQ(Bytes(out[0].begin() + 18, out[0].end()), Bytes(full.begin() + 18, full.end())) << depth;
    } else {
      ++too_deep;
      EXPECT_TRUE(out.empty()) << depth;
    }
    // The same stack missing its last byte: never forwarded.
    if (depth > 0) {
      full.pop_back();
      h.inject("in", {mb(full)});
      EXPECT_TRUE(h.take("out").empty()) << depth;
      if (depth <= kMaxStackDepth) ++truncated;
      else ++too_deep;
    }
  }
  auto st = h.router->stats();
  EXPECT_EQ(st.forwarded, forwarded);
  EXPECT_EQ(st.drop(DropReason::label_stack_too_deep), too_deep);
  EXPECT_EQ(st.drop(DropReason::truncated), truncated);
  EXPECT_EQ(st.rx_packets, st.forwarded + st.total_drops());
}

// ------------------------------------------------------------ bursts
class BoundaryBurst : public ::testing::TestWithParam<int> {};

TEST_P(BoundaryBurst, AcToPwImpositionForwardsEveryFrame) {
  const int n = GetParam();
  test::RouterHarness h(test::vpws_state());
  std::vector<rte_mbuf*> frames;
  for (int i = 0; i < n; ++i) frames.push_back(mb(test::customer_frame(mac(0x0b), mac(0x0a), 46, uint8_t(i))));
  h.inject("ac1", frames);
  auto out = h.take("core");
  ASSERT_EQ(out.size(), size_t(n));
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(Bytes(out[size_t(i)].begin() + 22, out[size_t(i)].end()),
              test::customer_frame(mac(0x0b), mac(0x0a), 46, uint8_t(i)))
        << i;  // in order, each once
  EXPECT_EQ(h.router->stats().forwarded, uint64_t(n));
}

TEST_P(BoundaryBurst, BridgeFloodsEveryFrameOfABurstToEveryMember) {
  const int n = GetParam();
  test::RouterHarness h(test::vpls_state());
  std::vector<rte_mbuf*> frames;
  for (int i = 0; i < n; ++i)
    frames.push_back(mb(Frame().eth(test::bcast(), mac(0x31), kEtherTypeIpv4).fill(46, uint8_t(i)).data()));
  h.inject("ac1", frames);
  EXPECT_EQ(h.take("core").size(), size_t(3 * n));  // PWs 11, 12, 13
  EXPECT_EQ(h.take("ac2").size(), size_t(n));
  EXPECT_EQ(h.take("ac3").size(), size_t(n));
  auto st = h.router->stats();
  EXPECT_EQ(st.forwarded, uint64_t(5 * n));
  EXPECT_EQ(st.replicas, uint64_t(4 * n));
  EXPECT_EQ(st.rx_packets + st.replicas, st.forwarded + st.total_drops());
}

TEST_P(BoundaryBurst, PwDispositionDeliversEveryFrameOfABurst) {
  const int n = GetParam();
  test::RouterHarness h(test::vpws_state());
  std::vector<rte_mbuf*> frames;
  for (int i = 0; i < n; ++i) {
    Frame f;
    f.eth(mac(0x10), mac(0xa0, 0x06), kEtherTypeMpls).mpls(6002, 0, true, 64).word(0);
    frames.push_back(f.bytes(test::customer_frame(mac(0x0b), mac(0x0a), 46, uint8_t(i))).mbuf());
  }
  h.inject("core", frames);
  EXPECT_EQ(h.take("ac2").size(), size_t(n));
  EXPECT_EQ(h.router->stats().forwarded, uint64_t(n));
}

INSTANTIATE_TEST_SUITE_P(Sizes, BoundaryBurst, ::testing::Values(0, 1, 31, 32, 33, 257));

}  // namespace
}  // namespace l2vpn::dp
