// The initiator's pure steps (oam/initiator.hpp): a request's label stack,
// its own DDMAP, and the probes a trace sends after a transit reply.
#include <gtest/gtest.h>

#include "oam/initiator.hpp"
#include "oam/responder.hpp"

namespace l2vpn::oam {
namespace {

TEST(OamInitiator, RequestStackCarriesTheProbeTtlAndEntropyBelow) {
  EXPECT_EQ(request_stack({100}, 1), (std::vector<uint32_t>{100u << 12 | 1u << 8 | 1}));
  EXPECT_TRUE(request_stack({}, 255).empty());  // the next hop is the egress (PHP): unlabelled
  const auto s = request_stack({100, 200}, 2, {4096, 4097});
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0], 100u << 12 | 2);
  EXPECT_EQ(s[1], 200u << 12 | 2);
  EXPECT_EQ(s[2], 7u << 12 | 2);                 // ELI with the probe's TTL
  EXPECT_EQ(s[3], 4096u << 12 | 1u << 8 | 0);    // the entropy label, TTL 0, bottom
}

TEST(OamInitiator, OwnDdmapNamesTheNextHopAndItsLabels) {
  const Ddmap d = initiator_ddmap(0x0aff0002, 1500, {}, {});
  ASSERT_EQ(d.labels.size(), 1u);
  EXPECT_EQ(d.labels[0].label, 3u);  // implicit null
  EXPECT_TRUE(d.labels[0].bos);
  EXPECT_FALSE(d.multipath);
  const Ddmap m = initiator_ddmap(0x0aff0002, 9000, {100}, trace_entropy_labels());
  EXPECT_EQ(m.mtu, 9000);
  ASSERT_TRUE(m.multipath);
  EXPECT_EQ(m.multipath->labels().size(), kTraceEntropyCount);
}

TEST(OamInitiator, NextProbesFollowEveryBranchWithMultipathAndOneWithout) {
  EchoPacket r;
  r.type = uint8_t(MessageType::echo_reply);
  r.return_code = uint8_t(ReturnCode::label_switched);
  Ddmap a = initiator_ddmap(0x0aff0003, 1500, {200}, {4096, 4097});
  a.return_code = 8;
  Ddmap b = initiator_ddmap(0x0aff0004, 1500, {}, {});  // no label of the set takes it
  r.ddmaps = {a, b};
  const auto all = next_probes(r, true, 0);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].in_label, 200u);
  EXPECT_EQ(all[0].entropy, (std::vector<uint32_t>{4096, 4097}));
  EXPECT_EQ(all[0].asked.return_code, 0);
  EXPECT_FALSE(all[0].unreached);
  EXPECT_FALSE(all[1].in_label);  // implicit null: the next router receives no label
  EXPECT_TRUE(all[1].unreached);
  const auto one = next_probes(r, false, 1234);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].ddmap, ecmp_mix(TableView::ecmp_hash({}), 1234) % 2);
  EXPECT_TRUE(next_probes(EchoPacket{}, true, 0).empty());
}

TEST(OamInitiator, ReturnTextNamesTheStackDepthAndNtpTimeIsFrom1900) {
  EXPECT_EQ(return_text(8, 1), "label switched at stack-depth 1");
  uint32_t s = 0, f = 0;
  ntp_time(1'500'000'000ull, s, f);
  EXPECT_EQ(s, 2208988801u);
  EXPECT_EQ(f, 1u << 31);
}

}  // namespace
}  // namespace l2vpn::oam
