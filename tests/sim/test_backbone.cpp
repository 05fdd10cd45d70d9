// Integration: whole topologies through the emulator, every frame through
// every router's real tables.
#include <gtest/gtest.h>

#include "controlplane/network.hpp"
#include "controlplane/yaml_loader.hpp"
#include "dataplane/eal.hpp"
#include "sim/backbone.hpp"
#include "sim/default_topology.hpp"
#include "sim/service_check.hpp"
#include "tests/sim/sim_test_env.hpp"

namespace l2vpn::sim {
namespace {

rte_mempool* g_pool = nullptr;
dp::Rcu* g_rcu = nullptr;

class SimEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto st = dp::eal_init(dp::default_eal_args("0"));
    ASSERT_TRUE(st.ok()) << st.error().message;
    auto p = dp::make_mbuf_pool("sim_test_pool", 65535);
    ASSERT_TRUE(p.ok()) << p.error().message;
    g_pool = *p;
    g_rcu = new dp::Rcu(4);
  }
};
[[maybe_unused]] auto* const g_env = ::testing::AddGlobalTestEnvironment(new SimEnvironment);
}  // namespace

rte_mempool* test_env::pool() { return g_pool; }
dp::Rcu& test_env::rcu() { return *g_rcu; }

namespace {

std::unique_ptr<cp::Network> network(const Result<cp::Topology>& topo) {
  EXPECT_TRUE(topo.ok()) << (topo.ok() ? "" : topo.error().message);
  auto net = cp::Network::create(*topo);
  EXPECT_TRUE(net.ok()) << (net.ok() ? "" : net.error().message);
  return std::move(*net);
}

TEST(Backbone, BuiltInDefaultTopologyParses) {
  auto topo = cp::parse_topology_yaml(kDefaultTopologyYaml, kDefaultTopologyName);
  ASSERT_TRUE(topo.ok()) << topo.error().message;
  EXPECT_FALSE(topo->vpws.empty());
  EXPECT_FALSE(topo->vpls.empty());
}

TEST(Backbone, DefaultTopologyVpwsDeliversEveryFrameOnceBothWays) {
  auto net = network(cp::parse_topology_yaml(kDefaultTopologyYaml, kDefaultTopologyName));
  auto bb = Backbone::build(net->topology(), net->state(), *g_rcu);
  ASSERT_TRUE(bb.ok()) << bb.error().message;
  auto report = check_services(**bb, net->topology(), net->state(), g_pool, 100);
  for (auto& s : report.services) {
    if (s.kind != "vpws") continue;
    EXPECT_EQ(s.state, "up") << s.name;
    EXPECT_EQ(s.sent, 200u) << s.name;
    EXPECT_EQ(s.received, 200u) << s.name;
    EXPECT_TRUE(s.ok()) << report.table();
  }
  // Counters add up on every router: received + flood copies = forwarded + drops.
  for (auto& r : (*bb)->routers()) {
    auto st = r->stats();
    EXPECT_EQ(st.rx_packets + st.replicas, st.forwarded + st.total_drops()) << r->name();
  }
}

TEST(Backbone, LookaheadWindowsGiveTheSameWireAsOneInstantAtATime) {
  // Frames carry their own time: delivering in lookahead windows (routers
  // see several instants at once) must serialize, queue and deliver every
  // frame exactly as one arrival instant at a time.
  auto topo = cp::parse_topology_yaml(kDefaultTopologyYaml, kDefaultTopologyName);
  ASSERT_TRUE(topo.ok());
  std::vector<std::vector<uint64_t>> wire[2];
  std::string table[2];
  uint64_t windows[2] = {0, 0};
  for (int on = 0; on < 2; ++on) {
    auto net = network(topo);
    auto bb = Backbone::build(net->topology(), net->state(), *g_rcu);
    ASSERT_TRUE(bb.ok()) << bb.error().message;
    (*bb)->set_windows(on == 1);
    (*bb)->set_virtual_clocks(true);
    auto report = check_services(**bb, net->topology(), net->state(), g_pool, 50);
    EXPECT_TRUE(report.ok()) << report.table();
    table[on] = report.table();
    windows[on] = (*bb)->windows();
    for (auto& l : (*bb)->links())
      for (auto* d : {l.a_to_b.get(), l.b_to_a.get()})
        wire[on].push_back({d->stats().frames, d->stats().bytes, d->stats().busy_ns,
                            d->stats().drops()});
  }
  EXPECT_EQ(table[0], table[1]);
  EXPECT_EQ(wire[0], wire[1]);
  EXPECT_LT(windows[1], windows[0]) << "windows batched nothing";
}

TEST(Backbone, EverySingleLinkFailureKeepsVpwsDelivering) {
  auto topo = cp::parse_topology_yaml(kDefaultTopologyYaml, kDefaultTopologyName);
  ASSERT_TRUE(topo.ok());
  for (uint32_t link = 0; link < topo->links.size(); ++link) {
    auto net = network(topo);
    auto bb = Backbone::build(net->topology(), net->state(), *g_rcu);
    ASSERT_TRUE(bb.ok()) << bb.error().message;
    (*bb)->set_link_up(link, false);
    auto d = net->link_down(link);
    ASSERT_TRUE(d.ok()) << d.error().message;
    ASSERT_TRUE((*bb)->apply(net->state()).ok());
    auto report = check_services(**bb, net->topology(), net->state(), g_pool, 20);
    for (auto& s : report.services) {
      if (s.kind != "vpws") continue;
      EXPECT_EQ(s.received, s.sent) << "link " << link << "\n" << report.table();
      EXPECT_TRUE(s.ok()) << "link " << link << "\n" << report.table();
    }
  }
}

TEST(Backbone, LfaRepairsBeforeRecomputation) {
  // The point of local repair switches as soon as the port goes down, with
  // the old (pre-failure) tables still installed.
  auto net = network(cp::parse_topology_yaml(kDefaultTopologyYaml, kDefaultTopologyName));
  auto bb = Backbone::build(net->topology(), net->state(), *g_rcu);
  ASSERT_TRUE(bb.ok());
  const auto& t = net->topology();
  uint64_t repaired = 0;
  for (uint32_t link = 0; link < t.links.size(); ++link) {
    (*bb)->set_link_up(link, false);
    auto report = check_services(**bb, t, net->state(), g_pool, 10);
    (*bb)->set_link_up(link, true);
    for (auto& s : report.services)
      if (s.kind == "vpws" && s.ok()) ++repaired;
  }
  uint64_t lfa = 0;
  for (auto& r : (*bb)->routers()) lfa += r->stats().lfa_used;
  EXPECT_GT(lfa, 0u) << "no LFA was ever used";
  EXPECT_GT(repaired, 0u);
}

TEST(Backbone, FullMeshAndZooTopologiesBuild) {
  for (const char* path : {"topologies/full-mesh-vpls.yaml", "topologies/attmpls.yaml", "topologies/hvpls.yaml"}) {
    auto net = network(cp::load_topology(path));
    auto bb = Backbone::build(net->topology(), net->state(), *g_rcu);
    ASSERT_TRUE(bb.ok()) << path << ": " << bb.error().message;
    auto report = check_services(**bb, net->topology(), net->state(), g_pool, 5);
    for (auto& s : report.services) {
      if (s.kind == "vpws") {
        EXPECT_TRUE(s.ok()) << path << "\n" << report.table();
      }
    }
  }
}

}  // namespace
}  // namespace l2vpn::sim
