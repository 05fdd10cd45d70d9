// PW signalling (RFC 4447/8077 FEC 128 style): negotiation and every down reason.
#include <gtest/gtest.h>

#include "controlplane/network.hpp"
#include "controlplane/pseudowire.hpp"
#include "controlplane/yaml_loader.hpp"
#include "cp_test_util.hpp"

namespace l2vpn::cp {
namespace {

using test::Builder;

Topology two_pes(AcMode mode_b = AcMode::raw) {
  Builder b;
  b.pe("PE1").p("P").pe("PE2").link("PE1", "P").link("P", "PE2");
  b.site("dc1", "PE1", 100, AcMode::raw).site("dc2", "PE2", 200, mode_b);
  b.vpws("wire", 7, "dc1", "dc2");
  return b.t;
}

const Pseudowire& only_pw(const NetworkState& st, const std::string& r) {
  return st.routers.at(r).pseudowires.at(0);
}

TEST(PseudowireNegotiate, AllAgreeComesUp) {
  PwEndConfig a, b;
  auto n = negotiate(a, b, true, true);
  EXPECT_TRUE(n.up);
  EXPECT_TRUE(n.control_word);
  EXPECT_TRUE(n.down_reason.empty());
}

TEST(PseudowireNegotiate, ControlWordOnlyIfBothWantIt) {
  PwEndConfig a, b;
  b.control_word = false;
  auto n = negotiate(a, b, true, true);
  EXPECT_TRUE(n.up);
  EXPECT_FALSE(n.control_word);
  a.flow_label = b.flow_label = true;
  EXPECT_TRUE(negotiate(a, b, true, true).flow_label);
  b.flow_label = false;
  EXPECT_FALSE(negotiate(a, b, true, true).flow_label);
}

TEST(PseudowireNegotiate, EachDownReason) {
  PwEndConfig a, b;
  EXPECT_EQ(negotiate(a, b, false, true).down_reason, pw_down::remote_down);
  EXPECT_EQ(negotiate(a, b, true, false).down_reason, pw_down::no_lsp);
  PwEndConfig tagged = b;
  tagged.type = PwType::ethernet_tagged;
  EXPECT_EQ(negotiate(a, tagged, true, true).down_reason, pw_down::type_mismatch);
  PwEndConfig big = b;
  big.mtu = 9000;
  auto m = negotiate(a, big, true, true);
  EXPECT_EQ(m.down_reason, pw_down::mtu_mismatch);
  EXPECT_TRUE(m.labels_exchanged) << "the mapping arrived, it is just not usable";
  PwEndConfig ac = a;
  ac.ac_up = false;
  EXPECT_EQ(negotiate(ac, b, true, true).down_reason, pw_down::ac_down);
  EXPECT_EQ(negotiate(b, ac, true, true).down_reason, pw_down::remote_down);
  EXPECT_FALSE(negotiate(a, b, true, false).labels_exchanged);
}

TEST(PseudowireVpws, UpEmitsPwAcIlmAndPorts) {
  auto r = compute(two_pes());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& pe1 = r->routers.at("PE1");
  const auto& pe2 = r->routers.at("PE2");
  const auto& a = only_pw(*r, "PE1");
  const auto& b = only_pw(*r, "PE2");
  EXPECT_TRUE(a.up);
  EXPECT_EQ(a.pw_id, 7u);
  EXPECT_EQ(a.peer, "PE2");
  EXPECT_EQ(a.remote_label, b.local_label);
  EXPECT_EQ(b.remote_label, a.local_label);
  EXPECT_TRUE(a.control_word);
  EXPECT_EQ(a.mtu, 1500u);
  // Transport = the FTN to the peer's loopback.
  ASSERT_TRUE(a.transport);
  EXPECT_EQ(*a.transport, test::find_ftn(pe1, "10.255.0.3/32")->next_hop);
  // ILM: local label -> disposition.
  auto* e = test::find_ilm(pe1, a.local_label);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->action, IlmAction::pw_disposition);
  EXPECT_EQ(e->target, a.id);
  // AC at each PE, named after the site.
  auto* ac = pe1.find_ac("dc1");
  ASSERT_TRUE(ac);
  EXPECT_EQ(ac->port, "ac-dc1");
  EXPECT_EQ(ac->vlan, 100);
  EXPECT_EQ(ac->pseudowire, a.id);
  EXPECT_TRUE(pe1.find_port("ac-dc1"));
  EXPECT_TRUE(pe1.find_port("to-P"));
  EXPECT_TRUE(validate(pe1).ok()) << validate(pe1).error().message;
  EXPECT_TRUE(validate(pe2).ok()) << validate(pe2).error().message;
  ASSERT_EQ(r->pseudowires.size(), 2u);
  EXPECT_TRUE(r->pseudowires[0].up);
  // The LSP list explains the transport.
  ASSERT_EQ(r->lsps.size(), 2u);
  EXPECT_TRUE(r->lsps[0].complete);
  EXPECT_EQ(r->lsps[0].hops.size(), 3u);
}

TEST(PseudowireVpws, TypeMismatch) {
  auto r = compute(two_pes(AcMode::tagged));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(only_pw(*r, "PE1").up);
  EXPECT_EQ(only_pw(*r, "PE1").down_reason, "type_mismatch");
  EXPECT_EQ(only_pw(*r, "PE2").down_reason, "type_mismatch");
  // A down PW disposes nothing.
  EXPECT_FALSE(test::find_ilm(r->routers.at("PE1"), only_pw(*r, "PE1").local_label));
  EXPECT_TRUE(validate(r->routers.at("PE1")).ok());
}

TEST(PseudowireVpws, NoLspWhenPartitioned) {
  Failures f;
  f.routers.insert("P");
  auto r = compute(two_pes(), f);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(only_pw(*r, "PE1").down_reason, "no_lsp");
  EXPECT_FALSE(only_pw(*r, "PE1").transport);
  EXPECT_EQ(only_pw(*r, "PE1").remote_label, 0u);
  EXPECT_TRUE(validate(r->routers.at("PE1")).ok());
}

TEST(PseudowireVpws, AcDownAndRemoteDown) {
  Failures f;
  f.sites.insert("dc1");
  auto r = compute(two_pes(), f);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(only_pw(*r, "PE1").down_reason, "ac_down");
  EXPECT_EQ(only_pw(*r, "PE2").down_reason, "remote_down");
  Failures g;
  g.routers.insert("PE2");
  auto s = compute(two_pes(), g);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(only_pw(*s, "PE1").down_reason, "remote_down");
  EXPECT_TRUE(s->routers.at("PE2").pseudowires.empty()) << "a down router holds no state";
}

TEST(PseudowireVpws, MtuMismatchThroughSignalling) {
  // The topology gives one MTU per service, so a mismatch shows only when
  // ends signal different values: planned ends with their own configs.
  Topology t = two_pes();
  auto plan = make_plan(t);
  ASSERT_TRUE(plan.ok());
  auto sp = plan_services(*plan);
  ASSERT_TRUE(sp.ok());
  ASSERT_EQ(sp->ends.size(), 2u);
  sp->ends[1].config.mtu = 9000;
  Igp igp(*plan);
  igp.compute({std::vector<uint8_t>(t.links.size(), 1), std::vector<uint8_t>(t.routers.size(), 1)});
  std::vector<RouteTable> routes;
  for (uint32_t r = 0; r < plan->router_count(); ++r) routes.push_back(compute_routes(igp, r));
  std::vector<uint8_t> sites(t.sites.size(), 1);
  ServiceContext ctx{*plan, *sp, igp, routes, sites};
  auto res = signal_pseudowires(ctx);
  EXPECT_EQ(res[0].down_reason, pw_down::mtu_mismatch);
  EXPECT_EQ(res[1].down_reason, pw_down::mtu_mismatch);
}

TEST(PseudowireVpws, InvalidServicesAreErrors) {
  Topology t = two_pes();
  t.vpws[0].site_b = "nowhere";
  auto r = compute(t);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown site 'nowhere'"), std::string::npos);
  Topology u = two_pes();
  u.sites[1].pe = "P";
  EXPECT_FALSE(compute(u).ok()) << "a site on a P router";
  Topology v = two_pes();
  v.vpws.push_back(v.vpws[0]);
  v.vpws[1].name = "again";
  EXPECT_FALSE(compute(v).ok()) << "a site used twice";
  Topology w = two_pes();
  w.sites[1].pe = "PE1";
  auto x = compute(w);
  ASSERT_TRUE(x.ok());
  EXPECT_FALSE(x->warnings.empty()) << "local cross-connect warned and skipped";
}

TEST(PseudowireVpws, LabelsStableWhenAServiceIsAdded) {
  Topology t = two_pes();
  auto before = compute(t);
  t.sites.push_back(t.sites[0]);
  t.sites.back().name = "dc3";
  t.sites.back().vlan = 300;
  t.sites.push_back(t.sites[1]);
  t.sites.back().name = "dc4";
  t.sites.back().vlan = 400;
  t.vpws.push_back(t.vpws[0]);
  t.vpws.back().name = "wire2";
  t.vpws.back().pw_id = 8;
  t.vpws.back().site_a = "dc3";
  t.vpws.back().site_b = "dc4";
  auto after = compute(t);
  ASSERT_TRUE(before.ok() && after.ok());
  const auto& a0 = only_pw(*before, "PE1");
  const auto* a1 = after->routers.at("PE1").find_pseudowire(a0.id);
  ASSERT_TRUE(a1);
  EXPECT_EQ(a1->local_label, a0.local_label);
  EXPECT_EQ(after->routers.at("PE1").pseudowires.size(), 2u);
}

}  // namespace
}  // namespace l2vpn::cp

namespace l2vpn::cp {
namespace {

// Each end signals its own AC's MTU and CW wish when the site says so.
Result<NetworkState> from_yaml(const std::string& site_extra_a, const std::string& site_extra_b) {
  std::string yaml = R"(name: ends
routers:
  - {name: pe1, role: pe}
  - {name: pe2, role: pe}
links:
  - {a: pe1, b: pe2}
sites:
  - {name: a, pe: pe1)" + site_extra_a + R"(}
  - {name: b, pe: pe2)" + site_extra_b + R"(}
services:
  vpws:
    - {name: wire, pw_id: 5, sites: [a, b], mtu: 1500, control_word: true}
)";
  auto topo = parse_topology_yaml(yaml, "ends.yaml");
  if (!topo) return topo.error();
  return compute(*topo);
}

TEST(PseudowireVpws, PerSiteMtuDisagreementFromYamlKeepsPwDown) {
  auto st = from_yaml(", mtu: 9000", "");
  ASSERT_TRUE(st.ok()) << st.error().message;
  for (auto* r : {"pe1", "pe2"}) {
    auto& pw = st->routers.at(r).pseudowires.at(0);
    EXPECT_FALSE(pw.up) << r;
    EXPECT_EQ(pw.down_reason, "mtu_mismatch") << r;
  }
  st = from_yaml(", mtu: 9000", ", mtu: 9000");
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->routers.at("pe1").pseudowires.at(0).up);
  EXPECT_EQ(st->routers.at("pe1").pseudowires.at(0).mtu, 9000u);
}

TEST(PseudowireVpws, PerSiteControlWordUsedOnlyIfBothWantIt) {
  auto st = from_yaml("", ", control_word: false");
  ASSERT_TRUE(st.ok()) << st.error().message;
  for (auto* r : {"pe1", "pe2"}) {
    auto& pw = st->routers.at(r).pseudowires.at(0);
    EXPECT_TRUE(pw.up) << r;
    EXPECT_FALSE(pw.control_word) << r;
  }
}

TEST(PseudowireVpws, PerSiteMtuOutOfRangeIsAnErrorWithLine) {
  auto st = from_yaml(", mtu: 20", "");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("ends.yaml:8"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("mtu"), std::string::npos) << st.error().message;
}

}  // namespace
}  // namespace l2vpn::cp
