// Label distribution across a chain and a square of engines: downstream
// unsolicited, ordered control, PHP, liberal retention, withdraw/release,
// and a FEC's local label that stays put when its next hop moves.
#include <gtest/gtest.h>

#include "ldp/show.hpp"
#include "ldp_net.hpp"

using namespace l2vpn::ldp;
using namespace l2vpn::ldp::test;
using namespace std::chrono_literals;

namespace {

// PE1 (1.1.1.1) - P1 (2.2.2.2) - P2 (3.3.3.3) - PE2 (4.4.4.4), IGP routes
// along the chain, every router egress for its loopback.
void chain(Net& net, Config base = {}) {
  net.add("pe1", "1.1.1.1", {"e1"}, base);
  net.add("p1", "2.2.2.2", {"e1", "e2"}, base);
  net.add("p2", "3.3.3.3", {"e1", "e2"}, base);
  net.add("pe2", "4.4.4.4", {"e1"}, base);
  net.link("pe1", "e1", "10.0.12.1", "p1", "e1", "10.0.12.2");
  net.link("p1", "e2", "10.0.23.2", "p2", "e1", "10.0.23.3");
  net.link("p2", "e2", "10.0.34.3", "pe2", "e1", "10.0.34.4");
  auto view = [](const char* lo, std::vector<const char*> addrs, std::vector<Route> routes) {
    RoutingView v;
    for (auto a : addrs) v.interface_addresses.push_back(ip(a));
    v.local_fecs = {Prefix{ip(lo), 32}};
    v.routes = std::move(routes);
    return v;
  };
  net["pe1"].set_routing(view("1.1.1.1", {"10.0.12.1"},
                              {route("2.2.2.2", {"10.0.12.2"}), route("3.3.3.3", {"10.0.12.2"}),
                               route("4.4.4.4", {"10.0.12.2"})}),
                         net.now);
  net["p1"].set_routing(view("2.2.2.2", {"10.0.12.2", "10.0.23.2"},
                             {route("1.1.1.1", {"10.0.12.1"}), route("3.3.3.3", {"10.0.23.3"}),
                              route("4.4.4.4", {"10.0.23.3"})}),
                        net.now);
  net["p2"].set_routing(view("3.3.3.3", {"10.0.23.3", "10.0.34.3"},
                             {route("1.1.1.1", {"10.0.23.2"}), route("2.2.2.2", {"10.0.23.2"}),
                              route("4.4.4.4", {"10.0.34.4"})}),
                        net.now);
  net["pe2"].set_routing(view("4.4.4.4", {"10.0.34.4"},
                              {route("1.1.1.1", {"10.0.34.3"}), route("2.2.2.2", {"10.0.34.3"}),
                               route("3.3.3.3", {"10.0.34.3"})}),
                         net.now);
}

}  // namespace

TEST(LdpLib, ChainGivesPhpAndSwapLabels) {
  Net net;
  chain(net);
  net.run_for(2s);
  // PE2's loopback: implicit null toward P2 (PHP), P2's label toward P1,
  // P1's label toward PE1.
  EXPECT_EQ(net["pe2"].local_label(Prefix{ip("4.4.4.4"), 32}), kImplicitNull);
  EXPECT_EQ(remote_label(net["p2"], "4.4.4.4", "4.4.4.4"), kImplicitNull);
  auto p2_label = net["p2"].local_label(Prefix{ip("4.4.4.4"), 32});
  ASSERT_TRUE(p2_label);
  EXPECT_GE(*p2_label, 16u);
  EXPECT_EQ(remote_label(net["p1"], "4.4.4.4", "3.3.3.3"), p2_label);
  auto p1_label = net["p1"].local_label(Prefix{ip("4.4.4.4"), 32});
  ASSERT_TRUE(p1_label);
  EXPECT_EQ(remote_label(net["pe1"], "4.4.4.4", "2.2.2.2"), p1_label);
  // Liberal retention: P1 keeps PE1's label for 4.4.4.4 too (not its next hop).
  EXPECT_TRUE(remote_label(net["p1"], "4.4.4.4", "1.1.1.1"));
  auto text = show_binding(net["p1"]);
  EXPECT_NE(text.find("4.4.4.4/32"), std::string::npos) << text;
  EXPECT_NE(text.find("imp-null"), std::string::npos) << text;
  auto j = binding_json(net["p1"]);
  int in_use = 0;
  for (const auto& b : j["bindings"])
    if (b["prefix"] == "4.4.4.4/32" && b["inUse"] == 1) {
      EXPECT_EQ(b["neighborId"], "3.3.3.3");
      ++in_use;
    }
  EXPECT_EQ(in_use, 1);
}

TEST(LdpLib, OrderedControlWaitsForTheNextHop) {
  Net net;
  chain(net);
  net.find_link("p1", "p2").up = false;
  net.run_for(2s);
  // P1 has a route to 4.4.4.4 via P2 but no label from P2: it advertises none.
  EXPECT_FALSE(net["p1"].local_label(Prefix{ip("4.4.4.4"), 32}));
  EXPECT_FALSE(remote_label(net["pe1"], "4.4.4.4", "2.2.2.2"));
  EXPECT_EQ(remote_label(net["pe1"], "2.2.2.2", "2.2.2.2"), kImplicitNull);
  net.find_link("p1", "p2").up = true;
  net.run_for(6s);
  EXPECT_TRUE(net["p1"].local_label(Prefix{ip("4.4.4.4"), 32}));
  EXPECT_TRUE(remote_label(net["pe1"], "4.4.4.4", "2.2.2.2"));
}

TEST(LdpLib, WithdrawCascadesUpstreamAndIsReleased) {
  Net net;
  chain(net);
  net.run_for(2s);
  ASSERT_TRUE(remote_label(net["pe1"], "4.4.4.4", "2.2.2.2"));
  // PE2 stops being egress for 4.4.4.4: withdraws it; P2 loses its
  // downstream label and withdraws its own (ordered control); so does P1.
  RoutingView v = net["pe2"].routing();
  v.local_fecs.clear();
  net["pe2"].set_routing(v, net.now);
  net.pump();
  EXPECT_FALSE(remote_label(net["p2"], "4.4.4.4", "4.4.4.4"));
  EXPECT_FALSE(net["p2"].local_label(Prefix{ip("4.4.4.4"), 32}));
  EXPECT_FALSE(remote_label(net["pe1"], "4.4.4.4", "2.2.2.2"));
  EXPECT_GE(net["pe2"].counters().withdraws_out, 1u);
  EXPECT_GE(net["pe2"].counters().releases_in, 1u);  // P2 released PE2's label
  EXPECT_GE(net["p1"].counters().releases_in, 1u);   // PE1 released P1's
}

TEST(LdpLib, LocalLabelStaysWhenTheNextHopMoves) {
  // A square: PE1 reaches PE2 over P1 or over P2; a third router CE sits
  // upstream of PE1 and holds PE1's label for 4.4.4.4.
  Net net;
  net.add("ce", "9.9.9.9", {"e1"});
  net.add("pe1", "1.1.1.1", {"e0", "e1", "e2"});
  net.add("p1", "2.2.2.2", {"e1", "e2"});
  net.add("p2", "3.3.3.3", {"e1", "e2"});
  net.add("pe2", "4.4.4.4", {"e1", "e2"});
  net.link("ce", "e1", "10.0.91.9", "pe1", "e0", "10.0.91.1");
  net.link("pe1", "e1", "10.0.12.1", "p1", "e1", "10.0.12.2");
  net.link("pe1", "e2", "10.0.13.1", "p2", "e1", "10.0.13.3");
  net.link("p1", "e2", "10.0.24.2", "pe2", "e1", "10.0.24.4");
  net.link("p2", "e2", "10.0.34.3", "pe2", "e2", "10.0.34.4");
  auto v = [](std::vector<const char*> addrs, const char* lo, std::vector<Route> r) {
    RoutingView rv;
    for (auto a : addrs) rv.interface_addresses.push_back(ip(a));
    rv.local_fecs = {Prefix{ip(lo), 32}};
    rv.routes = std::move(r);
    return rv;
  };
  net["ce"].set_routing(v({"10.0.91.9"}, "9.9.9.9", {route("4.4.4.4", {"10.0.91.1"})}), net.now);
  RoutingView pe1 = v({"10.0.91.1", "10.0.12.1", "10.0.13.1"}, "1.1.1.1",
                      {route("4.4.4.4", {"10.0.12.2"})});
  net["pe1"].set_routing(pe1, net.now);
  net["p1"].set_routing(v({"10.0.12.2", "10.0.24.2"}, "2.2.2.2", {route("4.4.4.4", {"10.0.24.4"})}),
                        net.now);
  net["p2"].set_routing(v({"10.0.13.3", "10.0.34.3"}, "3.3.3.3", {route("4.4.4.4", {"10.0.34.4"})}),
                        net.now);
  net["pe2"].set_routing(v({"10.0.24.4", "10.0.34.4"}, "4.4.4.4", {}), net.now);
  net.run_for(2s);
  Prefix fec{ip("4.4.4.4"), 32};
  auto before = net["pe1"].local_label(fec);
  ASSERT_TRUE(before);
  EXPECT_EQ(remote_label(net["ce"], "4.4.4.4", "1.1.1.1"), before);
  // Liberal retention: PE1 already holds P2's label, so the reroute needs
  // no signalling at all.
  ASSERT_TRUE(remote_label(net["pe1"], "4.4.4.4", "3.3.3.3"));
  uint64_t version = net["pe1"].bindings_version();
  uint64_t sent = net["pe1"].counters().mappings_out + net["pe1"].counters().withdraws_out;
  pe1.routes = {route("4.4.4.4", {"10.0.13.3"})};  // the IGP moved it to P2
  net["pe1"].set_routing(pe1, net.now);
  net.pump();
  EXPECT_EQ(net["pe1"].local_label(fec), before);
  EXPECT_EQ(remote_label(net["ce"], "4.4.4.4", "1.1.1.1"), before);
  EXPECT_EQ(net["pe1"].counters().mappings_out + net["pe1"].counters().withdraws_out, sent);
  EXPECT_EQ(net["pe1"].bindings_version(), version);
  // ECMP over both, then back to P1: still the same label.
  pe1.routes = {route("4.4.4.4", {"10.0.12.2", "10.0.13.3"})};
  net["pe1"].set_routing(pe1, net.now);
  pe1.routes = {route("4.4.4.4", {"10.0.12.2"})};
  net["pe1"].set_routing(pe1, net.now);
  net.pump();
  EXPECT_EQ(net["pe1"].local_label(fec), before);
  // Even a next hop with no label yet (ordered control withdraws meanwhile)
  // gets the same number back once a label arrives.
  net.find_link("pe1", "p2").up = false;
  net.run_for(16s);
  pe1.routes = {route("4.4.4.4", {"10.0.13.3"})};
  net["pe1"].set_routing(pe1, net.now);
  net.pump();
  EXPECT_FALSE(net["pe1"].local_label(fec));
  net.find_link("pe1", "p2").up = true;
  net.run_for(6s);
  EXPECT_EQ(net["pe1"].local_label(fec), before);
}

TEST(LdpLib, ExplicitNullAndLabelRange) {
  Config c;
  c.explicit_null = true;
  c.label_min = 5000;
  c.label_max = 5001;
  Net net;
  chain(net, c);
  net.run_for(2s);
  EXPECT_EQ(remote_label(net["p2"], "4.4.4.4", "4.4.4.4"), kExplicitNull);
  auto l = net["p2"].local_label(Prefix{ip("4.4.4.4"), 32});
  ASSERT_TRUE(l);
  EXPECT_GE(*l, 5000u);
  EXPECT_LE(*l, 5001u);
  EXPECT_NE(show_binding(net["p2"]).find("exp-null"), std::string::npos);
}

TEST(LdpLib, LabelRangeExhaustedAdvertisesNothingMore) {
  Config c;
  c.label_min = 100;
  c.label_max = 100;  // one label for P1's three transit FECs
  Net net;
  chain(net, c);
  net.run_for(2s);
  int have = 0;
  for (const char* f : {"1.1.1.1", "3.3.3.3", "4.4.4.4"})
    have += net["p1"].local_label(Prefix{ip(f), 32}).has_value();
  EXPECT_EQ(have, 1);  // the first one; the others go unadvertised
}

TEST(LdpLib, SessionLossWithdrawsItsLabelsFromTheBindings) {
  Net net;
  chain(net);
  net.run_for(2s);
  net.kill("p2");
  net.run_for(16s);
  EXPECT_FALSE(remote_label(net["p1"], "4.4.4.4", "3.3.3.3"));
  EXPECT_FALSE(net["p1"].local_label(Prefix{ip("4.4.4.4"), 32}));
  EXPECT_FALSE(remote_label(net["pe1"], "4.4.4.4", "2.2.2.2"));
  for (const auto& p : net["p1"].bindings().peers) EXPECT_NE(p.lsr_id, ip("3.3.3.3"));
  net.restart("p2");
  net.run_for(8s);
  EXPECT_TRUE(remote_label(net["pe1"], "4.4.4.4", "2.2.2.2"));
}

TEST(LdpLib, AddressChangesReachThePeers) {
  Net net;
  chain(net);
  net.run_for(2s);
  RoutingView v = net["p1"].routing();
  v.interface_addresses.push_back(ip("10.9.9.2"));
  net["p1"].set_routing(v, net.now);
  net.pump();
  EXPECT_EQ(net["pe1"].peer_of_address(ip("10.9.9.2")), ip("2.2.2.2"));
  v.interface_addresses.pop_back();
  net["p1"].set_routing(v, net.now);
  net.pump();
  EXPECT_FALSE(net["pe1"].peer_of_address(ip("10.9.9.2")));
}

TEST(LdpLib, RouteHolddownKeepsAFecAdvertisedThroughAFlap) {
  // With route_holddown_ms, a FEC whose route vanishes stays advertised
  // (upstream keeps its label) and is withdrawn only once the hold-down
  // passed without the route coming back.
  Config c;
  c.route_holddown_ms = 300;
  Net net;
  chain(net, c);
  net.run_for(2s);
  Prefix fec{ip("4.4.4.4"), 32};
  auto before = net["p1"].local_label(fec);
  ASSERT_TRUE(before);
  RoutingView v = net["p1"].routing();
  RoutingView gone = v;
  std::erase_if(gone.routes, [&](const Route& r) { return r.prefix == fec; });
  auto withdraws = net["p1"].counters().withdraws_out;
  net["p1"].set_routing(gone, net.now);
  net.run_for(200ms);
  EXPECT_EQ(net["p1"].local_label(fec), before);  // held
  EXPECT_EQ(remote_label(net["pe1"], "4.4.4.4", "2.2.2.2"), before);
  net["p1"].set_routing(v, net.now);  // back within the hold-down: nothing was sent
  net.run_for(1s);
  EXPECT_EQ(net["p1"].counters().withdraws_out, withdraws);
  EXPECT_EQ(remote_label(net["pe1"], "4.4.4.4", "2.2.2.2"), before);
  // Gone for longer: withdrawn after the hold-down, and the same label later.
  net["p1"].set_routing(gone, net.now);
  net.run_for(200ms);
  EXPECT_TRUE(net["p1"].local_label(fec));
  net.run_for(300ms);
  EXPECT_FALSE(net["p1"].local_label(fec));
  EXPECT_FALSE(remote_label(net["pe1"], "4.4.4.4", "2.2.2.2"));
  EXPECT_GT(net["p1"].counters().withdraws_out, withdraws);
  net["p1"].set_routing(v, net.now);
  net.pump();
  EXPECT_EQ(net["p1"].local_label(fec), before);
}

TEST(LdpLib, LabelSurvivesARouteThatFlapsDuringReconvergence) {
  // The IGP often removes a route and adds it back via the new next hop:
  // the FEC keeps its label for label_retention (300 s) after it vanished.
  Net net;
  chain(net);
  net.run_for(2s);
  Prefix fec{ip("4.4.4.4"), 32};
  auto before = net["p1"].local_label(fec);
  ASSERT_TRUE(before);
  RoutingView v = net["p1"].routing();
  RoutingView gone = v;
  std::erase_if(gone.routes, [&](const Route& r) { return r.prefix == fec; });
  net["p1"].set_routing(gone, net.now);
  net.pump();
  EXPECT_FALSE(net["p1"].local_label(fec));  // withdrawn meanwhile
  EXPECT_FALSE(remote_label(net["pe1"], "4.4.4.4", "2.2.2.2"));
  net.run_for(5s);
  net["p1"].set_routing(v, net.now);
  net.pump();
  EXPECT_EQ(net["p1"].local_label(fec), before);
  EXPECT_EQ(remote_label(net["pe1"], "4.4.4.4", "2.2.2.2"), before);
  // Gone for longer than the retention time: the label is free for others.
  net["p1"].set_routing(gone, net.now);
  net.run_for(301s, 1000ms);
  net["p1"].set_routing(v, net.now);
  net.pump();
  ASSERT_TRUE(net["p1"].local_label(fec));
  EXPECT_NE(net["p1"].local_label(fec), before);
}
