// The responder's view built from a ForwardingState: transit labels with
// their downstreams (ECMP included), our label per FEC recovered from the
// FTN, our own FEC, PW FECs; and the responder answering from it.
#include <gtest/gtest.h>

#include "oam/state_view.hpp"

namespace l2vpn::oam {
namespace {

ForwardingState p2() {
  ForwardingState s;
  s.router = "P2";
  s.router_id = "10.255.0.2";
  s.ports = {{"core0", "", {}, 1500}, {"core1", "", {}, 9000}, {"core2", "", {}, 1500}};
  auto nh = [&](uint32_t id, NhlfeOp op, std::vector<uint32_t> labels, std::string port) {
    Nhlfe n;
    n.id = id;
    n.op = op;
    n.labels = std::move(labels);
    n.out_port = std::move(port);
    s.nhlfes.push_back(n);
  };
  nh(1, NhlfeOp::push, {200}, "core1");  // FTN 10.255.0.9 via P3
  nh(2, NhlfeOp::swap, {200}, "core1");  // ILM 100
  nh(3, NhlfeOp::push, {}, "core2");     // FTN 10.255.0.4: adjacent egress, PHP
  nh(4, NhlfeOp::pop, {}, "core2");      // ILM 101
  nh(5, NhlfeOp::push, {300}, "core1");  // FTN 10.255.0.8: ECMP
  nh(6, NhlfeOp::push, {301}, "core2");
  nh(7, NhlfeOp::swap, {300}, "core1");  // ILM 102: ECMP
  nh(8, NhlfeOp::swap, {301}, "core2");
  s.ecmp_groups = {{10, {5, 6}}, {11, {7, 8}}};
  s.ilm = {{100, IlmAction::forward, 2},
           {101, IlmAction::forward, 4},
           {102, IlmAction::ecmp, 11},
           {900, IlmAction::pop_and_lookup, 0},
           {6001, IlmAction::pw_disposition, 1}};
  s.ftn = {{"10.255.0.9/32", {NextHop::Kind::nhlfe, 1}},
           {"10.255.0.4/32", {NextHop::Kind::nhlfe, 3}},
           {"10.255.0.8/32", {NextHop::Kind::ecmp, 10}}};
  Pseudowire pw;
  pw.id = 1;
  pw.pw_id = 100;
  pw.peer = "PE1";
  pw.local_label = 6001;
  pw.remote_label = 5001;
  s.pseudowires = {pw};
  return s;
}

StateViewInputs inputs() {
  return {{{"PE1", 0x0aff0001}}, {{"core0", 0x0aff0001}, {"core1", 0x0aff0003}, {"core2", 0x0aff0004}}, {}};
}

TEST(StateView, LabelsFecsAndPseudowiresFromTheState) {
  auto r = view_from_state(p2(), inputs());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const TableView& v = *r;
  EXPECT_EQ(v.router_id(), 0x0aff0002u);
  const LabelEntry l100 = v.label(100);
  ASSERT_EQ(l100.kind, LabelEntry::Kind::transit);
  ASSERT_EQ(l100.downstreams.size(), 1u);
  EXPECT_EQ(l100.downstreams[0].address, 0x0aff0003u);
  EXPECT_EQ(l100.downstreams[0].mtu, 9000);
  EXPECT_EQ(l100.downstreams[0].labels, std::vector<uint32_t>{200});
  EXPECT_EQ(v.label(101).downstreams[0].labels, std::vector<uint32_t>{3});
  EXPECT_EQ(v.label(102).downstreams.size(), 2u);
  EXPECT_EQ(v.label(900).kind, LabelEntry::Kind::local);
  EXPECT_EQ(v.label(6001).kind, LabelEntry::Kind::pseudowire);
  EXPECT_EQ(v.label(555).kind, LabelEntry::Kind::none);
  EXPECT_EQ(v.fec(LdpPrefixFec{0x0aff0009, 32}).local_label, 100u);
  EXPECT_EQ(v.fec(LdpPrefixFec{0x0aff0004, 32}).local_label, 101u);
  EXPECT_EQ(v.fec(LdpPrefixFec{0x0aff0008, 32}).local_label, 102u);
  EXPECT_FALSE(v.fec(LdpPrefixFec{0x0aff0009, 32}).egress);
  EXPECT_TRUE(v.fec(LdpPrefixFec{0x0aff0002, 32}).egress);
  const FecView pw = v.fec(Pw128Fec{0x0aff0001, 0x0aff0002, 100, 5});
  EXPECT_TRUE(pw.egress);
  EXPECT_EQ(pw.local_label, 6001u);
  EXPECT_FALSE(v.fec(Pw128Fec{0x0aff0001, 0x0aff0002, 100, 4}).egress);  // wrong PW type
}

TEST(StateView, TheResponderAnswersFromIt) {
  const TableView v = *view_from_state(p2(), inputs());
  auto ask = [&](uint32_t label, uint32_t fec) {
    RequestSpec s;
    s.fecs = {LdpPrefixFec{fec, 32}};
    s.src = 0x0aff0001;
    const Bytes b = build_request(s);
    Received rx;
    EXPECT_EQ(parse_ipv4_udp(b, rx.ip), IpError::ok);
    rx.label_stack = {label << 12 | 0x100 | 1};
    rx.ttl_expired = true;
    auto r = respond(rx.ip.payload, rx, v);
    return r ? int(r->packet.return_code) : -1;
  };
  EXPECT_EQ(ask(100, 0x0aff0009), int(ReturnCode::label_switched));
  EXPECT_EQ(ask(102, 0x0aff0008), int(ReturnCode::label_switched));
  EXPECT_EQ(ask(100, 0x0aff0004), int(ReturnCode::mapping_not_given_label));
  EXPECT_EQ(ask(100, 0x0aff0077), int(ReturnCode::no_mapping));
  EXPECT_EQ(ask(900, 0x0aff0002), int(ReturnCode::egress));
}

TEST(StateView, BadInputIsAnErrorNamingTheRouter) {
  ForwardingState s = p2();
  s.router_id = "ten";
  auto r = view_from_state(s, inputs());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("router P2: router_id 'ten'"), std::string::npos) << r.error().message;
  s = p2();
  s.ftn[0].fec = "10.255.0.9/33";
  EXPECT_FALSE(view_from_state(s, inputs()).ok());
  EXPECT_FALSE(view_from_state(p2(), StateViewInputs{}).ok());  // no address for PW peer PE1
}

}  // namespace
}  // namespace l2vpn::oam
