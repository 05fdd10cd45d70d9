// The whole computation: ports, property tests on random 2-connected
// topologies, events and their diffs, and every Topology Zoo file.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "contract/forwarding_state_diff.hpp"
#include "controlplane/network.hpp"
#include "controlplane/yaml_loader.hpp"
#include "cp_test_util.hpp"

namespace l2vpn::cp {
namespace {

using test::Builder;

NetworkState must(const Topology& t, const Failures& f = {}) {
  auto r = compute(t, f);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(*r) : NetworkState{};
}

TEST(NetworkPorts, LinkEndsBecomeUniquePorts) {
  Builder b;
  b.pe("A").pe("B").link("A", "B").link("A", "B");
  b.t.links[0].mtu = 1600;
  auto st = must(b.t);
  const auto& a = st.routers.at("A");
  ASSERT_EQ(a.ports.size(), 2u);
  EXPECT_EQ(a.ports[0].name, "to-B");
  EXPECT_EQ(a.ports[1].name, "to-B#2");
  EXPECT_EQ(a.ports[0].mtu, 1600u);
  EXPECT_EQ(a.ports[0].device, "");
  std::set<MacAddr> macs;
  for (auto& [n, fs] : st.routers)
    for (auto& p : fs.ports) {
      EXPECT_EQ(p.mac[0], 0x02) << "locally administered unicast";
      EXPECT_TRUE(macs.insert(p.mac).second);
    }
  EXPECT_EQ(st.routers.at("A").router_id, "10.255.0.1");
}

TEST(NetworkCompute, UnknownFailureNamesAreErrors) {
  Builder b;
  b.pe("A").pe("B").link("A", "B");
  Failures f;
  f.routers.insert("Z");
  EXPECT_FALSE(compute(b.t, f).ok());
  Failures g;
  g.link_endpoints.insert({"A", "Z"});
  EXPECT_FALSE(compute(b.t, g).ok());
  Failures h;
  h.links.insert(5);
  EXPECT_FALSE(compute(b.t, h).ok());
  EXPECT_FALSE(parse_link_spec("A").ok());
  EXPECT_EQ(parse_link_spec("A:B")->second, "B");
  EXPECT_TRUE(compute(Topology{}).ok()) << "an empty topology is just empty";
}

// Follows every ECMP branch of every LSP from its FTN through the ILMs,
// using only the emitted tables: each must reach the egress, each label on
// the wire must be the receiving router's label for that FEC.
void check_all_lsps(const Topology& t, const NetworkState& st, const std::string& ctx) {
  auto owners = test::mac_owners(st);
  std::map<std::string, size_t> fec_index;
  size_t fi = 0;
  for (auto& r : t.routers)
    if (r.role == RouterRole::pe) fec_index[r.loopback + "/32"] = fi++;
  std::map<std::string, std::string> egress_of;
  for (auto& r : t.routers)
    if (r.role == RouterRole::pe) egress_of[r.loopback + "/32"] = r.name;
  for (auto& [name, fs] : st.routers) {
    for (auto& ftn : fs.ftn) {
      const std::string& egress = egress_of.at(ftn.fec);
      // (router, nhlfe) to explore; depth bounded by the router count.
      std::function<void(const std::string&, const NextHop&, size_t)> walk =
          [&](const std::string& r, const NextHop& nh, size_t depth) {
            ASSERT_LE(depth, t.routers.size()) << ctx << " loop on " << ftn.fec;
            const auto& here = st.routers.at(r);
            auto m = here.nhlfes_of(nh);
            ASSERT_FALSE(m.empty()) << ctx;
            for (auto* n : m) {
              auto [next, port] = owners.at(n->next_hop_mac);
              if (n->labels.empty() || n->labels.back() == 0) {
                EXPECT_EQ(next, egress) << ctx << " PHP/explicit null before the egress";
                continue;
              }
              const Router* nr = t.find_router(next);
              uint32_t expect = nr->labels.first + uint32_t(fec_index.at(ftn.fec));
              ASSERT_EQ(n->labels.back(), expect) << ctx << " wrong label toward " << next;
              auto* e = test::find_ilm(st.routers.at(next), expect);
              ASSERT_TRUE(e) << ctx << " no ILM at " << next;
              ASSERT_TRUE(e->action == IlmAction::forward || e->action == IlmAction::ecmp);
              walk(next, NextHop{e->action == IlmAction::forward ? NextHop::Kind::nhlfe : NextHop::Kind::ecmp, e->target},
                   depth + 1);
            }
          };
      walk(name, ftn.next_hop, 0);
    }
  }
}

TEST(NetworkProperty, EveryLspReachesItsEgressWithTheRightLabels) {
  for (uint32_t seed = 1; seed <= 25; ++seed) {
    Topology t = test::random_two_connected(seed, 8 + seed % 10, 2 + seed % 7);
    if (seed % 4 == 0)
      for (auto& r : t.routers) r.explicit_null = true;
    auto st = must(t);
    size_t pes = 0;
    for (auto& r : t.routers) pes += r.role == RouterRole::pe;
    EXPECT_EQ(st.lsp_count, pes * (pes - 1)) << "every PE reaches every PE";
    check_all_lsps(t, st, "seed " + std::to_string(seed));
    for (auto& l : st.lsps) EXPECT_TRUE(l.complete) << l.ingress << "->" << l.egress;
  }
}

TEST(NetworkProperty, EveryPwSurvivesAnySingleLinkFailure) {
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    Topology t = test::random_two_connected(seed, 10, 4);
    auto base = must(t);
    for (auto& p : base.pseudowires) ASSERT_TRUE(p.up) << p.service << " " << p.down_reason;
    for (uint32_t li = 0; li < t.links.size(); ++li) {
      Failures f;
      f.links.insert(li);
      auto st = must(t, f);
      for (auto& p : st.pseudowires)
        if (p.down_reason != "standby") {
          EXPECT_TRUE(p.up) << "seed " << seed << " link " << li << " " << p.service << " "
                            << p.router << "->" << p.peer << " " << p.down_reason;
        }
      check_all_lsps(t, st, "seed " + std::to_string(seed) + " link " + std::to_string(li));
    }
  }
}

// The incremental state equals a fresh computation, and applying the diffs
// to the old states gives the new ones.
void expect_event_consistent(Network& net, const NetworkState& before, const NetworkDiff& d) {
  auto fresh = compute(net.topology(), net.failures(), &before.tree_versions);
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  ASSERT_EQ(fresh->routers.size(), net.state().routers.size());
  for (auto& [name, fs] : fresh->routers) {
    EXPECT_EQ(net.state().routers.at(name), fs) << name;
    auto it = d.routers.find(name);
    const ForwardingState& old = before.routers.at(name);
    if (it == d.routers.end())
      EXPECT_EQ(old, fs) << name << " changed but has no diff";
    else
      EXPECT_EQ(apply(old, it->second), fs) << name;
  }
  EXPECT_EQ(fresh->pseudowires, net.state().pseudowires);
  EXPECT_EQ(fresh->lsps, net.state().lsps);
}

class NetworkLinkEvents : public ::testing::TestWithParam<uint32_t> {};

// Odd seeds flood over P2MP trees (services re-signalled on every event),
// even ones use ingress replication (PW transports updated in place).
INSTANTIATE_TEST_SUITE_P(Network, NetworkLinkEvents, ::testing::Values(3u, 4u, 6u));

TEST_P(NetworkLinkEvents, LinkDownAndUpProduceSmallConsistentDiffs) {
  Topology t = test::random_two_connected(GetParam(), 20, 8);
  auto n = Network::create(t);
  ASSERT_TRUE(n.ok()) << n.error().message;
  Network& net = **n;
  NetworkState original = net.state();
  size_t total = 0;
  for (auto& [r, fs] : original.routers) total += fs.nhlfes.size() + fs.ilm.size() + fs.ftn.size();
  size_t used = 0;
  for (uint32_t li = 0; li < t.links.size(); ++li) {
    NetworkState before = net.state();
    auto d = net.link_down(li);
    ASSERT_TRUE(d.ok());
    // A link no next hop or LFA uses changes nothing: an empty diff is fine.
    used += !d->empty();
    EXPECT_LT(d->size(), total / 2) << "link " << li;
    expect_event_consistent(net, before, *d);
    NetworkState mid = net.state();
    auto u = net.link_up(li);
    ASSERT_TRUE(u.ok());
    expect_event_consistent(net, mid, *u);
    EXPECT_EQ(net.state().routers, original.routers) << "link " << li << " restored";
  }
  EXPECT_GT(used, t.links.size() / 2);
}

TEST(NetworkEvents, RouterDownAndUp) {
  Topology t = test::random_two_connected(5, 12, 6);
  auto n = Network::create(t);
  ASSERT_TRUE(n.ok());
  Network& net = **n;
  NetworkState original = net.state();
  for (auto& r : t.routers) {
    NetworkState before = net.state();
    auto d = net.router_down(r.name);
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE(d->routers.count(r.name));
    expect_event_consistent(net, before, *d);
    NetworkState mid = net.state();
    auto u = net.router_up(r.name);
    ASSERT_TRUE(u.ok());
    expect_event_consistent(net, mid, *u);
  }
  EXPECT_EQ(net.state().routers, original.routers);
  EXPECT_FALSE(net.router_down("nope").ok());
  EXPECT_FALSE(net.link_up(999).ok());
}

TEST(NetworkEvents, SiteDownReportsPwChanges) {
  Builder b;
  b.pe("A").pe("B").link("A", "B").site("sa", "A").site("sb", "B").vpws("w", 1, "sa", "sb");
  auto n = Network::create(b.t);
  ASSERT_TRUE(n.ok());
  NetworkState before = (*n)->state();
  auto d = (*n)->site_down("sa");
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->pw_changes.size(), 2u);
  EXPECT_EQ(d->pw_changes[0].down_reason, "ac_down");
  EXPECT_EQ(d->pw_changes[1].down_reason, "remote_down");
  expect_event_consistent(**n, before, *d);
  EXPECT_NE(to_string(*d).find("ac_down"), std::string::npos);
}

TEST(NetworkEvents, ServicesAddedAndRemoved) {
  Topology t = test::random_two_connected(8, 12, 5);
  auto n = Network::create(t);
  ASSERT_TRUE(n.ok());
  Network& net = **n;
  std::vector<std::string> pes;
  for (auto& r : t.routers)
    if (r.role == RouterRole::pe) pes.push_back(r.name);
  Site s1, s2;
  s1.name = "new1";
  s1.pe = pes[0];
  s2.name = "new2";
  s2.pe = pes[1];
  NetworkState before = net.state();
  ASSERT_TRUE(net.add_site(s1).ok());
  ASSERT_TRUE(net.add_site(s2).ok());
  before = net.state();
  VpwsService v;
  v.name = "added";
  v.pw_id = 999;
  v.site_a = "new1";
  v.site_b = "new2";
  auto d = net.add_vpws(v);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->routers.size(), 2u) << "only the two PEs change";
  EXPECT_EQ(d->pw_changes.size(), 2u);
  expect_event_consistent(net, before, *d);
  before = net.state();
  auto r = net.remove_vpws("added");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->routers.size(), 2u);
  expect_event_consistent(net, before, *r);
  // A bad service is refused and changes nothing.
  VpwsService bad = v;
  bad.site_b = "missing";
  before = net.state();
  EXPECT_FALSE(net.add_vpws(bad).ok());
  EXPECT_EQ(net.state().routers, before.routers);
  EXPECT_EQ(net.topology().vpws.size(), t.vpws.size());
  // VPLS removed and added back: same state as before.
  NetworkState full = net.state();
  VplsService saved = net.topology().vpls[0];
  auto rv = net.remove_vpls(saved.name);
  ASSERT_TRUE(rv.ok());
  expect_event_consistent(net, full, *rv);
  NetworkState mid = net.state();
  auto av = net.add_vpls(saved);
  ASSERT_TRUE(av.ok());
  expect_event_consistent(net, mid, *av);
  EXPECT_EQ(net.state().routers, full.routers);
  EXPECT_FALSE(net.remove_vpls("nope").ok());
}

TEST(NetworkCompute, EmittedStatesRoundTripThroughJson) {
  // What `l2vpn topo --state-json` prints is what `l2vpn forward --state`
  // reads: every state must pass the strict parser unchanged.
  for (uint32_t seed : {2u, 3u}) {
    Topology t = test::random_two_connected(seed, 10, 4);
    for (auto& r : t.routers)
      if (seed == 3) r.explicit_null = true;
    auto st = must(t);
    for (auto& [name, fs] : st.routers) {
      auto back = forwarding_state_from_json(to_json(fs), name);
      ASSERT_TRUE(back.ok()) << back.error().message;
      EXPECT_EQ(*back, fs) << name;
    }
  }
}

TEST(NetworkTrace, FollowsTheTables) {
  Builder b;
  b.pe("A").p("P").pe("C").link("A", "P").link("P", "C");
  auto st = must(b.t);
  auto l = trace_lsp(st, b.t, "A", "C");
  ASSERT_TRUE(l.ok());
  ASSERT_TRUE(l->complete);
  ASSERT_EQ(l->hops.size(), 3u);
  EXPECT_EQ(l->hops[0].out_label, 2001u);  // P: 2000 + FEC index of C (1)
  EXPECT_EQ(l->hops[1].router, "P");
  EXPECT_FALSE(l->hops[1].out_label) << "PHP";
  EXPECT_FALSE(trace_lsp(st, b.t, "A", "P").ok()) << "P routers have no FEC";
  EXPECT_FALSE(trace_lsp(st, b.t, "A", "nope").ok());
}

TEST(NetworkZoo, EveryLoadableFileComputes) {
  namespace fs = std::filesystem;
  fs::path dir = "../shared/topologyzoo";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no " << dir;
  size_t loaded = 0, computed = 0;
  for (auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".graphml") continue;
    auto t = load_topology(e.path().string());
    if (!t.ok()) continue;
    ++loaded;
    auto st = compute(*t);
    EXPECT_TRUE(st.ok()) << e.path() << ": " << (st.ok() ? "" : st.error().message);
    computed += st.ok();
  }
  EXPECT_GT(loaded, 0u);
  EXPECT_EQ(computed, loaded);
  RecordProperty("loaded", int(loaded));
  RecordProperty("computed", int(computed));
}

}  // namespace
}  // namespace l2vpn::cp
