// The node runtime's pure parts: the engine's view from a kernel dump, and
// a router's FTN/ILM/NHLFEs from LDP bindings and kernel routes.
#include <gtest/gtest.h>

#include "ldp/pdu.hpp"
#include "node/ldp_node.hpp"
#include "node/lfib.hpp"

using namespace l2vpn;
using namespace l2vpn::node;

namespace {

uint32_t ip(const char* s) { return *ldp::parse_ip(s); }

// P1 (2.2.2.2): eth1 toward PE1 (10.0.12.1), eth2 and eth3 toward P2 and
// P3 (10.0.23.3, 10.0.24.4); PE2's loopback 9.9.9.9 over both (ECMP).
KernelView kernel() {
  KernelView k;
  k.links[1] = KernelLink{"lo", true, {}};
  k.links[2] = KernelLink{"eth1", true, {2, 0, 0, 0, 0, 1}};
  k.links[3] = KernelLink{"eth2", true, {2, 0, 0, 0, 0, 2}};
  k.links[4] = KernelLink{"eth3", true, {2, 0, 0, 0, 0, 3}};
  k.addresses = {{1, ip("127.0.0.1"), 8}, {1, ip("2.2.2.2"), 32}, {2, ip("10.0.12.2"), 24},
                 {3, ip("10.0.23.2"), 24}, {4, ip("10.0.24.2"), 24}};
  k.routes = {KernelRoute{{ip("1.1.1.1"), 32}, {{ip("10.0.12.1"), 2}}},
              KernelRoute{{ip("3.3.3.3"), 32}, {{ip("10.0.23.3"), 3}}},
              KernelRoute{{ip("9.9.9.9"), 32}, {{ip("10.0.23.3"), 3}, {ip("10.0.24.4"), 4}}},
              KernelRoute{{ip("10.0.12.0"), 24}, {{0, 2}}}};
  k.neighbors = {{2, ip("10.0.12.1"), {0xa, 0, 0, 0, 0, 1}},
                 {3, ip("10.0.23.3"), {0xa, 0, 0, 0, 0, 3}},
                 {4, ip("10.0.24.4"), {0xa, 0, 0, 0, 0, 4}}};
  return k;
}

ldp::Bindings bindings() {
  ldp::Bindings b;
  b.fecs = {{{ip("1.1.1.1"), 32}, 100, {{ip("1.1.1.1"), 3}}},
            {{ip("2.2.2.2"), 32}, 3, {}},
            {{ip("3.3.3.3"), 32}, 101, {{ip("1.1.1.1"), 40}, {ip("3.3.3.3"), 3}}},
            {{ip("9.9.9.9"), 32}, 102, {{ip("3.3.3.3"), 300}, {ip("4.4.4.4"), 400}}}};
  b.peers = {{ip("1.1.1.1"), {ip("1.1.1.1"), ip("10.0.12.1")}},
             {ip("3.3.3.3"), {ip("3.3.3.3"), ip("10.0.23.3")}},
             {ip("4.4.4.4"), {ip("4.4.4.4"), ip("10.0.24.4")}}};
  return b;
}

}  // namespace

TEST(NodeKernel, RoutingViewTakesSlash32RoutesWithGateways) {
  auto v = routing_view(kernel(), ip("2.2.2.2"));
  EXPECT_EQ(v.lsr_id, ip("2.2.2.2"));
  EXPECT_EQ(v.local_fecs, (std::vector<ldp::Prefix>{{ip("2.2.2.2"), 32}}));
  EXPECT_EQ(v.interface_addresses,
            (std::vector<uint32_t>{ip("2.2.2.2"), ip("10.0.12.2"), ip("10.0.23.2"), ip("10.0.24.2")}));
  ASSERT_EQ(v.routes.size(), 3u);  // not the connected /24
  EXPECT_EQ(v.routes[2].next_hops, (std::vector<uint32_t>{ip("10.0.23.3"), ip("10.0.24.4")}));
}

TEST(NodeLfib, SwapPopPushAndEcmp) {
  auto st = build_state("p1", ip("2.2.2.2"), kernel(), bindings(), {"eth1", "eth2", "eth3"});
  EXPECT_EQ(st.router_id, "2.2.2.2");
  EXPECT_EQ(st.ports.size(), 3u);
  auto nhlfe = [&](uint32_t id) { return st.find_nhlfe(id); };
  // 1.1.1.1: PE1 is the egress: PHP pop in the ILM, nothing pushed in the FTN.
  ASSERT_EQ(st.ilm.size(), 3u);
  EXPECT_EQ(st.ilm[0].label, 100u);
  ASSERT_EQ(st.ilm[0].action, IlmAction::forward);
  EXPECT_EQ(nhlfe(st.ilm[0].target)->op, NhlfeOp::pop);
  EXPECT_EQ(nhlfe(st.ilm[0].target)->out_port, "eth1");
  EXPECT_EQ(nhlfe(st.ilm[0].target)->next_hop_mac, (MacAddr{0xa, 0, 0, 0, 0, 1}));
  EXPECT_EQ(st.ftn[0].fec, "1.1.1.1/32");
  EXPECT_EQ(nhlfe(st.ftn[0].next_hop.id)->op, NhlfeOp::push);
  EXPECT_TRUE(nhlfe(st.ftn[0].next_hop.id)->labels.empty());
  // 3.3.3.3: the in-use label is P3's (its address is the next hop), not PE1's 40.
  EXPECT_EQ(nhlfe(st.ilm[1].target)->op, NhlfeOp::pop);
  EXPECT_EQ(nhlfe(st.ilm[1].target)->out_port, "eth2");
  // 9.9.9.9: ECMP over P3 (swap 300) and P4 (swap 400).
  EXPECT_EQ(st.ilm[2].label, 102u);
  ASSERT_EQ(st.ilm[2].action, IlmAction::ecmp);
  auto g = std::find_if(st.ecmp_groups.begin(), st.ecmp_groups.end(),
                               [&](const EcmpGroup& e) { return e.id == st.ilm[2].target; });
  ASSERT_NE(g, st.ecmp_groups.end());
  ASSERT_EQ(g->nhlfes.size(), 2u);
  EXPECT_EQ(nhlfe(g->nhlfes[0])->labels, std::vector<uint32_t>{300});
  EXPECT_EQ(nhlfe(g->nhlfes[1])->labels, std::vector<uint32_t>{400});
  EXPECT_EQ(nhlfe(g->nhlfes[1])->op, NhlfeOp::swap);
  // Our own loopback (implicit null) has no ILM entry and no FTN.
  EXPECT_EQ(st.ftn.size(), 3u);
}

TEST(NodeLfib, UnresolvedOrUnlabelledNextHopsAreLeftOut) {
  auto k = kernel();
  k.neighbors.pop_back();  // 10.0.24.4 not resolved
  auto b = bindings();
  b.fecs[2].remote.pop_back();  // P3 withdrew 3.3.3.3
  auto st = build_state("p1", ip("2.2.2.2"), k, b, {"eth1", "eth2", "eth3"});
  ASSERT_EQ(st.ilm.size(), 2u);  // 1.1.1.1 and 9.9.9.9 (one hop left)
  EXPECT_EQ(st.ilm[1].label, 102u);
  EXPECT_EQ(st.ilm[1].action, IlmAction::forward);
  EXPECT_EQ(st.find_nhlfe(st.ilm[1].target)->labels, std::vector<uint32_t>{300});
  EXPECT_TRUE(validate(st).ok());
}

TEST(NodeLfib, AFecWithoutARouteGoesToItsEgressIfANeighbor) {
  // ospfd deletes a route and adds it back via the new next hop while it
  // reconverges; LDP keeps the FEC meanwhile (route hold-down): a FEC whose
  // egress is a neighbor keeps its ILM entry, popped toward the egress; one
  // whose egress is farther has none.
  auto k = kernel();
  k.routes.erase(k.routes.begin(), k.routes.begin() + 3);  // 1.1.1.1, 3.3.3.3, 9.9.9.9 gone
  auto st = build_state("p1", ip("2.2.2.2"), k, bindings(), {"eth1", "eth2", "eth3"});
  ASSERT_EQ(st.ilm.size(), 2u);
  EXPECT_EQ(st.ilm[0].label, 100u);  // 1.1.1.1: PE1 (imp-null), neighbor on eth1
  ASSERT_EQ(st.ilm[0].action, IlmAction::forward);
  EXPECT_EQ(st.find_nhlfe(st.ilm[0].target)->op, NhlfeOp::pop);
  EXPECT_EQ(st.find_nhlfe(st.ilm[0].target)->out_port, "eth1");
  EXPECT_EQ(st.ilm[1].label, 101u);  // 3.3.3.3: P3's implicit null on eth2, not PE1's 40
  EXPECT_EQ(st.find_nhlfe(st.ilm[1].target)->op, NhlfeOp::pop);
  EXPECT_EQ(st.find_nhlfe(st.ilm[1].target)->out_port, "eth2");
  EXPECT_TRUE(validate(st).ok());
  // 9.9.9.9's labels (300, 400) are not its egress's: no entry for 102.
  // The egress's port down, or its MAC unknown: no entry either.
  k.links[2].up = false;
  k.neighbors.erase(k.neighbors.begin() + 1);  // 10.0.23.3
  st = build_state("p1", ip("2.2.2.2"), k, bindings(), {"eth1", "eth2", "eth3"});
  EXPECT_TRUE(st.ilm.empty());
  EXPECT_TRUE(st.ftn.empty());
}

TEST(NodeControl, AnswersShowRequests) {
  ldp::Config c;
  c.lsr_id = ip("2.2.2.2");
  ldp::Engine e(c);
  EXPECT_NE(control_answer(e, "p1", "show ldp neighbor", ldp::Time(0)).find("Remote Address"),
            std::string::npos);
  EXPECT_EQ(control_answer(e, "p1", "show ldp binding json", ldp::Time(0))[0], '{');
  EXPECT_NE(control_answer(e, "p1", "metrics", ldp::Time(0)).find("l2vpn_ldp_sessions_operational{router=\"p1\"} 0"),
            std::string::npos);
  EXPECT_EQ(control_answer(e, "p1", "show bogus", ldp::Time(0)).rfind("error:", 0), 0u);
}
