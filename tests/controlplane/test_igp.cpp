// SPF, equal-cost next hops and loop-free alternates (RFC 5286).
#include <gtest/gtest.h>

#include <random>

#include "controlplane/igp.hpp"
#include "cp_test_util.hpp"

namespace l2vpn::cp {
namespace {

using test::Builder;

struct Spf {
  Topology topo;
  Plan plan;
  std::unique_ptr<Igp> igp;
  explicit Spf(Topology t, LinkState ls = {}) : topo(std::move(t)) {
    auto p = make_plan(topo);
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
    plan = std::move(*p);
    plan.topo = &topo;
    igp = std::make_unique<Igp>(plan);
    if (ls.link_up.empty()) {
      ls.link_up.assign(topo.links.size(), 1);
      ls.router_up.assign(topo.routers.size(), 1);
    }
    igp->compute(ls);
  }
  uint32_t r(const std::string& n) const { return plan.router(n); }
  std::vector<IgpNextHop> hops(const std::string& s, const std::string& d) const {
    std::vector<IgpNextHop> out;
    igp->next_hops(r(s), r(d), out);
    return out;
  }
  std::string peer(const std::string& s, uint16_t port) const {
    return topo.routers[plan.routers[r(s)].ports[port].peer].name;
  }
};

TEST(IgpPlan, RejectsBadInput) {
  Builder b;
  b.pe("A").pe("A");
  EXPECT_FALSE(make_plan(b.t).ok());
  Builder c;
  c.pe("A").pe("B").link("A", "X");
  auto p = make_plan(c.t);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("unknown router 'X'"), std::string::npos);
  Builder d;
  d.pe("A").link("A", "A");
  EXPECT_FALSE(make_plan(d.t).ok());
  Builder e;
  e.pe("A").pe("B").link("A", "B", 0);
  EXPECT_FALSE(make_plan(e.t).ok());
  Builder f;
  f.pe("A").pe("B");
  f.t.routers[1].loopback = "10.1.2";
  EXPECT_FALSE(make_plan(f.t).ok());
}

TEST(IgpSpf, DistancesFollowMetrics) {
  Builder b;
  b.pe("A").pe("B").pe("C").link("A", "B", 5).link("B", "C", 7).link("A", "C", 20);
  Spf s(b.t);
  EXPECT_EQ(s.igp->dist(s.r("A"), s.r("C")), 12u);
  EXPECT_EQ(s.igp->dist(s.r("C"), s.r("A")), 12u);
  auto h = s.hops("A", "C");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(s.peer("A", h[0].port), "B");
  EXPECT_TRUE(s.hops("A", "A").empty());
}

TEST(IgpSpf, KeepsEqualCostNextHops) {
  Builder b;
  b.pe("A").pe("B").pe("C").pe("D").link("A", "B").link("B", "C").link("C", "D").link("D", "A");
  Spf s(b.t);
  auto h = s.hops("A", "C");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(s.peer("A", h[0].port), "B");
  EXPECT_EQ(s.peer("A", h[1].port), "D");
  // Each ECMP member protects the other (another shortest path is loop-free).
  EXPECT_EQ(h[0].backup, h[1].port);
  EXPECT_EQ(h[1].backup, h[0].port);
  EXPECT_TRUE(h[0].node_protecting);
}

TEST(IgpSpf, ParallelLinksCountSeparately) {
  Builder b;
  b.pe("A").pe("B").link("A", "B").link("A", "B");
  Spf s(b.t);
  auto h = s.hops("A", "B");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_NE(h[0].port, h[1].port);
  EXPECT_EQ(s.plan.routers[s.r("A")].ports[1].name, "to-B#2");
  // The parallel link protects the link, never the node.
  EXPECT_EQ(h[0].backup, h[1].port);
  EXPECT_FALSE(h[0].node_protecting);
}

TEST(IgpSpf, SkipsDownLinksAndRouters) {
  Builder b;
  b.pe("A").pe("B").pe("C").link("A", "B").link("B", "C").link("A", "C", 50);
  LinkState ls{{0, 1, 1}, {1, 1, 1}};
  Spf s(b.t, ls);
  EXPECT_EQ(s.igp->dist(s.r("A"), s.r("B")), 60u);
  LinkState down_b{{1, 1, 1}, {1, 0, 1}};
  Spf t(b.t, down_b);
  EXPECT_EQ(t.igp->dist(t.r("A"), t.r("C")), 50u);
  EXPECT_EQ(t.igp->dist(t.r("A"), t.r("B")), kUnreachable);
  EXPECT_TRUE(t.hops("A", "B").empty());
  EXPECT_TRUE(t.hops("B", "A").empty());
}

TEST(IgpLfa, RingHasNoLoopFreeAlternate) {
  // A square with equal metrics: D's path to B goes back through A.
  Builder b;
  b.pe("A").pe("B").pe("C").pe("D").link("A", "B").link("B", "C").link("C", "D").link("D", "A");
  Spf s(b.t);
  auto h = s.hops("A", "B");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].backup, kNoPort);
}

TEST(IgpLfa, TriangleDirectLinkIsAlternate) {
  Builder b;
  b.pe("A").pe("B").pe("C").link("A", "B").link("B", "C").link("A", "C", 30);
  Spf s(b.t);
  auto h = s.hops("A", "C");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(s.peer("A", h[0].port), "B");
  ASSERT_NE(h[0].backup, kNoPort);
  EXPECT_EQ(s.peer("A", h[0].backup), "C");
  EXPECT_TRUE(h[0].node_protecting);
}

TEST(IgpLfa, PrefersNodeProtectingOverCheaper) {
  // S->D primary via V. N1 is a cheaper LFA but reaches D through V;
  // N2 avoids V: node protection wins.
  Builder b;
  b.pe("S").pe("V").pe("D").pe("N1").pe("N2");
  b.link("S", "V", 10).link("V", "D", 10).link("S", "N1", 10).link("N1", "V", 3);
  b.link("S", "N2", 10).link("N2", "D", 15);
  Spf s(b.t);
  auto h = s.hops("S", "D");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(s.peer("S", h[0].port), "V");
  ASSERT_NE(h[0].backup, kNoPort);
  EXPECT_EQ(s.peer("S", h[0].backup), "N2");
  EXPECT_TRUE(h[0].node_protecting);
  // Without N2, N1 still protects the link.
  LinkState ls{{1, 1, 1, 1, 1, 0}, {1, 1, 1, 1, 1}};
  Spf t(b.t, ls);
  auto g = t.hops("S", "D");
  ASSERT_EQ(g.size(), 1u);
  ASSERT_NE(g[0].backup, kNoPort);
  EXPECT_EQ(t.peer("S", g[0].backup), "N1");
  EXPECT_FALSE(g[0].node_protecting);
}

TEST(IgpLfa, EveryAlternateIsLoopFree) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    Spf s(test::random_two_connected(seed, 12, 6));
    size_t n = s.plan.router_count();
    std::vector<IgpNextHop> h;
    for (uint32_t a = 0; a < n; ++a)
      for (uint32_t d = 0; d < n; ++d) {
        s.igp->next_hops(a, d, h);
        if (a != d) {
          EXPECT_FALSE(h.empty()) << "2-connected: everything reachable";
        }
        for (auto& x : h) {
          auto& ports = s.plan.routers[a].ports;
          EXPECT_EQ(ports[x.port].metric + s.igp->dist(ports[x.port].peer, d), s.igp->dist(a, d));
          if (x.backup == kNoPort) continue;
          uint32_t nb = ports[x.backup].peer;
          EXPECT_LT(s.igp->dist(nb, d), s.igp->dist(nb, a) + s.igp->dist(a, d));
        }
      }
  }
}

TEST(IgpSpf, DynamicLinkRepairMatchesFullCompute) {
  std::mt19937 rng(99);
  for (uint32_t seed = 1; seed <= 10; ++seed) {
    Topology t = test::random_two_connected(seed, 16, 9, 3);
    Spf inc(t);
    LinkState ls{std::vector<uint8_t>(t.links.size(), 1), std::vector<uint8_t>(t.routers.size(), 1)};
    for (int step = 0; step < 40; ++step) {
      // Flip one to three links at once, sometimes partitioning the graph.
      for (int k = 0, n = 1 + int(rng() % 3); k < n; ++k) {
        uint32_t li = rng() % t.links.size();
        ls.link_up[li] = !ls.link_up[li];
      }
      inc.igp->update(ls);
      Spf full(t, ls);
      for (uint32_t a = 0; a < t.routers.size(); ++a)
        for (uint32_t b = 0; b < t.routers.size(); ++b)
          ASSERT_EQ(inc.igp->dist(a, b), full.igp->dist(a, b)) << "seed " << seed << " step " << step;
    }
  }
}

TEST(IgpSpf, IncrementalUpdateMatchesFullCompute) {
  for (uint32_t seed = 1; seed <= 10; ++seed) {
    Topology t = test::random_two_connected(seed, 15, 8);
    Spf inc(t);
    for (uint32_t li = 0; li < t.links.size(); ++li) {
      LinkState ls{std::vector<uint8_t>(t.links.size(), 1), std::vector<uint8_t>(t.routers.size(), 1)};
      ls.link_up[li] = 0;
      if (li % 3 == 0) ls.router_up[li % t.routers.size()] = 0;
      inc.igp->update(ls);
      Spf full(t, ls);
      for (uint32_t a = 0; a < t.routers.size(); ++a)
        for (uint32_t b = 0; b < t.routers.size(); ++b)
          ASSERT_EQ(inc.igp->dist(a, b), full.igp->dist(a, b)) << "seed " << seed << " link " << li;
    }
  }
}

}  // namespace
}  // namespace l2vpn::cp
