// The control socket's `ping|traceroute mpls ldp ...` lines (node/oam_node.hpp)
// and the router-style text of their JSON answers.
#include <gtest/gtest.h>

#include "node/oam_node.hpp"

namespace l2vpn::node {
namespace {

TEST(NodeOam, RequestLinesAreParsedAndBadWordsNamed) {
  auto p = parse_oam_request("ping mpls ldp 10.255.0.4/32 count 3 timeout 500 json");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_FALSE(p->trace);
  EXPECT_EQ(p->fec.prefix, 0x0aff0004u);
  EXPECT_EQ(p->fec.length, 32);
  EXPECT_EQ(p->fec_text, "10.255.0.4/32");
  EXPECT_EQ(p->count, 3u);
  EXPECT_EQ(p->timeout_ms, 500u);
  EXPECT_TRUE(p->json);
  auto t = parse_oam_request("traceroute mpls ldp 10.255.0.4 multipath max-ttl 8");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_TRUE(t->trace && t->multipath);
  EXPECT_EQ(t->max_ttl, 8u);
  EXPECT_EQ(t->fec_text, "10.255.0.4/32");
  EXPECT_NE(parse_oam_request("ping mpls ldp 10.255.0.300/32").error().message.find("10.255.0.300/32"), std::string::npos);
  EXPECT_NE(parse_oam_request("ping mpls ldp 10.0.0.1/32 count 0").error().message.find("count"), std::string::npos);
  EXPECT_NE(parse_oam_request("ping mpls ldp 10.0.0.1/32 multipath").error().message.find("multipath"), std::string::npos);
  EXPECT_FALSE(parse_oam_request("ping mpls rsvp 10.0.0.1/32"));
}

TEST(NodeOam, TextOfAPingAndATrace) {
  const auto ping = nlohmann::json::parse(R"({"router":"pe1","source":"10.255.0.1","fec":"10.255.0.4/32",
    "outPort":"to-p1","outLabels":[17],"timeoutMs":2000,"count":2,"intervalMs":0,"sent":2,"received":1,"egress":1,
    "replies":[{"seq":1,"replied":true,"from":"10.255.0.4","name":"pe2","returnCode":3,"returnSubcode":1,
      "text":"replying router is an egress for the FEC at stack-depth 1","rttMs":0.5},{"seq":2,"replied":false}]})");
  const std::string t = format_oam(ping);
  EXPECT_NE(t.find("reply from 10.255.0.4 (pe2)  return code 3 (replying router is an egress"), std::string::npos) << t;
  EXPECT_NE(t.find("Success rate is 50 percent (1/2)"), std::string::npos) << t;
  const auto trace = nlohmann::json::parse(R"({"router":"pe1","source":"10.255.0.1","fec":"10.255.0.4/32",
    "multipath":false,"maxTtl":30,"timeoutMs":2000,"paths":[{"outPort":"to-p1","outLabels":[17],"firstHop":"10.255.0.2",
    "complete":true,"hops":[{"ttl":1,"replied":true,"from":"10.255.0.2","name":"p1","inLabel":17,"returnCode":8,
    "returnSubcode":1,"text":"label switched at stack-depth 1","rttMs":0.3,
    "downstreams":[{"address":"10.255.0.4","name":"pe2","labels":[3],"mtu":1500}]}]}]})");
  const std::string tr = format_oam(trace);
  EXPECT_NE(tr.find(" 1 L  10.255.0.2 (p1)"), std::string::npos) << tr;
  EXPECT_NE(tr.find("downstream 10.255.0.4 (pe2) labels imp-null MRU 1500"), std::string::npos) << tr;
  EXPECT_NE(tr.find("  complete"), std::string::npos) << tr;
}

}  // namespace
}  // namespace l2vpn::node
