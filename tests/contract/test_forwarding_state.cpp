// The contract: JSON round trip, strict parsing with paths, validation.
#include <gtest/gtest.h>

#include "contract/forwarding_state.hpp"

namespace l2vpn {
namespace {

ForwardingState sample() {
  ForwardingState s;
  s.router = "PE1";
  s.router_id = "10.255.0.1";
  s.ports = {{"to-P1", "", {2, 0, 0, 0, 1, 1}, 9000}, {"ac-dc1", "net_tap0,iface=dc1", {2, 0, 0, 0, 1, 2}, 1500}};
  Nhlfe n;
  n.id = 7;
  n.op = NhlfeOp::push;
  n.labels = {1000};
  n.out_port = "to-P1";
  n.next_hop_mac = {2, 0, 0, 0, 2, 1};
  n.ttl_mode = TtlMode::pipe;
  n.tc_mode = TcMode::set;
  n.tc = 5;
  s.nhlfes.push_back(n);
  n.id = 8;
  n.op = NhlfeOp::swap;
  n.labels = {2000};
  n.backup_nhlfe = 7;
  s.nhlfes.push_back(n);
  s.ecmp_groups = {{3, {7, 8}}};
  s.ilm = {{100, IlmAction::forward, 8}, {101, IlmAction::ecmp, 3}, {5001, IlmAction::pw_disposition, 1}};
  s.ftn = {{"10.255.0.2/32", {NextHop::Kind::nhlfe, 7}}};
  Pseudowire pw;
  pw.id = 1;
  pw.pw_id = 100;
  pw.peer = "PE2";
  pw.local_label = 5001;
  pw.remote_label = 6001;
  pw.transport = NextHop{NextHop::Kind::nhlfe, 7};
  pw.control_word = true;
  s.pseudowires.push_back(pw);
  s.attachment_circuits = {{"dc1", "ac-dc1", 100, AcMode::tagged, 1u, std::nullopt}};
  return s;
}

TEST(ForwardingStateJson, RoundTripIsExact) {
  auto s = sample();
  ASSERT_TRUE(validate(s).ok()) << validate(s).error().message;
  auto text = to_json(s);
  auto back = forwarding_state_from_json(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, s);
  EXPECT_EQ(to_json(*back), text);
}

TEST(ForwardingStateJson, DefaultsApplyForOptionalKeys) {
  auto r = forwarding_state_from_json(R"({"router": "R", "ports": [{"name": "p"}]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->ports[0].mtu, 1500u);
  EXPECT_TRUE(r->ilm.empty());
}

TEST(ForwardingStateJson, ErrorsNameThePathAndTheFile) {
  struct Case {
    const char* json;
    const char* expect;
  } cases[] = {
      {R"({"router": "R", "portz": []})", "$: unknown key 'portz'"},
      {R"({"ports": []})", "missing key 'router'"},
      {R"({"router": "R", "ports": [{"name": "p", "mtu": "big"}]})", "$.ports[0].mtu: expected a non-negative integer"},
      {R"({"router": "R", "ports": [{"name": "p", "mac": "zz"}]})", "$.ports[0].mac: 'zz' is not a MAC"},
      {R"({"router": "R", "nhlfes": [{"id": 1, "op": "swapp", "out_port": "p", "next_hop_mac": "00:00:00:00:00:00"}]})",
       "$.nhlfes[0].op: 'swapp' is not one of swap, pop, push"},
      {R"({"router": "R", "ilm": [{"label": 1048576}]})", "$.ilm[0].label: 1048576 exceeds 1048575"},
      {R"({"router": "R", "ilm": [{"label": -1}]})", "expected a non-negative integer"},
      {R"({"router": "R", "ports": [}])", "invalid JSON"},
      {R"([1, 2])", "expected an object"},
  };
  for (auto& c : cases) {
    auto r = forwarding_state_from_json(c.json, "state.json");
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_NE(r.error().message.find(c.expect), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.rfind("state.json", 0), 0u) << r.error().message;
  }
  auto r = forwarding_state_from_json("{\n\"router\": \"R\",\n\"ports\": [,]\n}", "s.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("s.json:3:"), std::string::npos) << r.error().message;
}

TEST(ForwardingStateValidate, RejectsEveryKindOfBrokenReference) {
  auto expect_error = [](ForwardingState s, const char* what) {
    auto st = validate(s);
    ASSERT_FALSE(st.ok()) << what;
    EXPECT_NE(st.error().message.find(what), std::string::npos) << st.error().message;
    EXPECT_NE(st.error().message.find("router 'PE1'"), std::string::npos);
  };
  auto s = sample();
  s.nhlfes[0].out_port = "nope";
  expect_error(s, "unknown port 'nope'");
  s = sample();
  s.ilm.push_back({100, IlmAction::forward, 7});
  expect_error(s, "duplicate ilm label 100");
  s = sample();
  s.ilm.push_back({3, IlmAction::forward, 7});
  expect_error(s, "implicit null");
  s = sample();
  s.ilm.push_back({15, IlmAction::forward, 7});
  expect_error(s, "reserved");
  s = sample();
  s.nhlfes[0].labels = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  expect_error(s, "at most 8");
  s = sample();
  s.nhlfes[1].labels = {3};
  expect_error(s, "implicit null");
  s = sample();
  s.nhlfes[0].labels = {0};  // explicit null may be pushed
  EXPECT_TRUE(validate(s).ok());
  s = sample();
  s.nhlfes[1].op = NhlfeOp::pop;
  expect_error(s, "op pop takes no labels");
  s = sample();
  s.nhlfes[1].backup_nhlfe = 99;
  expect_error(s, "unknown backup nhlfe 99");
  s = sample();
  s.ecmp_groups[0].nhlfes.push_back(42);
  expect_error(s, "unknown nhlfe 42");
  s = sample();
  s.ilm[2].target = 9;
  expect_error(s, "unknown pseudowire 9");
  s = sample();
  s.pseudowires[0].local_label = 5002;
  expect_error(s, "has local label 5002");
  s = sample();
  s.pseudowires[0].transport.reset();
  expect_error(s, "up but has no transport");
  s = sample();
  s.attachment_circuits.push_back({"dc1b", "ac-dc1", 100, AcMode::raw, 1u, std::nullopt});
  expect_error(s, "vlan 100 already used");
  s = sample();
  s.attachment_circuits.push_back({"all", "ac-dc1", 0, AcMode::raw, 1u, std::nullopt});
  expect_error(s, "takes all of port");
  s = sample();
  s.attachment_circuits[0].bridge_domain = "bd";
  expect_error(s, "exactly one of pseudowire or bridge_domain");
  s = sample();
  s.ports.push_back(s.ports[0]);
  expect_error(s, "duplicate port");
  s = sample();
  s.ftn[0].next_hop.id = 99;
  expect_error(s, "ftn '10.255.0.2/32': unknown nhlfe 99");
}

TEST(ForwardingStateJson, MacParsing) {
  EXPECT_EQ(parse_mac("02:00:0a:ff:00:01"), (MacAddr{2, 0, 10, 255, 0, 1}));
  EXPECT_EQ(parse_mac("02:00:0A:FF:00:01"), (MacAddr{2, 0, 10, 255, 0, 1}));
  EXPECT_FALSE(parse_mac("02:00:0a:ff:00"));
  EXPECT_FALSE(parse_mac("02-00-0a-ff-00-01"));
  EXPECT_FALSE(parse_mac("0g:00:0a:ff:00:01"));
  EXPECT_EQ(to_string(MacAddr{2, 0, 10, 255, 0, 1}), "02:00:0a:ff:00:01");
}

}  // namespace
}  // namespace l2vpn
