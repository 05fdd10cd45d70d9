// The load drawing: every link carries its utilisation both ways, colours
// and pens follow the load, down links are dashed; graphviz renders it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "controlplane/network.hpp"
#include "controlplane/yaml_loader.hpp"
#include "sim/backbone.hpp"
#include "sim/default_topology.hpp"
#include "sim/report_svg.hpp"
#include "sim/service_check.hpp"
#include "tests/sim/sim_test_env.hpp"

namespace l2vpn::sim {
namespace {

namespace fs = std::filesystem;

// The DOT line of the edge a -- b.
std::string edge_line(const std::string& dot, const cp::Link& l) {
  const std::string head = fmt::format("\"r:{}\" -- \"r:{}\" [", l.a, l.b);
  std::istringstream is(dot);
  for (std::string line; std::getline(is, line);)
    if (line.find(head) != std::string::npos) return line;
  return {};
}

bool have_dot() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

struct Fixture {
  std::unique_ptr<cp::Network> net;
  std::unique_ptr<Backbone> bb;
};

Fixture after_traffic() {
  Fixture f;
  auto topo = cp::parse_topology_yaml(kDefaultTopologyYaml, kDefaultTopologyName);
  EXPECT_TRUE(topo.ok());
  auto net = cp::Network::create(*topo);
  EXPECT_TRUE(net.ok());
  f.net = std::move(*net);
  auto bb = Backbone::build(f.net->topology(), f.net->state(), test_env::rcu());
  EXPECT_TRUE(bb.ok()) << (bb.ok() ? "" : bb.error().message);
  f.bb = std::move(*bb);
  auto report = check_services(*f.bb, f.net->topology(), f.net->state(), test_env::pool(), 50);
  EXPECT_TRUE(report.ok()) << report.table();
  return f;
}

TEST(LoadSvg, EveryLinkLabelledWithUtilisationBothWays) {
  auto f = after_traffic();
  const auto& t = f.net->topology();
  const uint64_t duration = f.bb->now();
  ASSERT_GT(duration, 0u);
  f.bb->set_link_up(0, false);
  const std::string dot = to_dot_with_load(t, *f.bb, duration);
  unsigned carried = 0;
  for (size_t i = 0; i < t.links.size(); ++i) {
    const auto& l = t.links[i];
    const std::string line = edge_line(dot, l);
    ASSERT_FALSE(line.empty()) << "no edge for " << l.a << " -- " << l.b << "\n" << dot;
    EXPECT_NE(line.find(l.a + "→" + l.b + " "), std::string::npos) << line;
    EXPECT_NE(line.find(l.b + "→" + l.a + " "), std::string::npos) << line;
    EXPECT_NE(line.find('%'), std::string::npos) << line;
    if (i == 0) {
      EXPECT_NE(line.find("style=dashed"), std::string::npos) << line;
      EXPECT_NE(line.find("DOWN"), std::string::npos) << line;
    } else {
      EXPECT_EQ(line.find("style=dashed"), std::string::npos) << line;
    }
    const auto& e = f.bb->links()[i];
    if (e.a_to_b->stats().busy_ns + e.b_to_a->stats().busy_ns > 0) {
      ++carried;
      EXPECT_EQ(line.find(l.a + "→" + l.b + " 0.0%\\n" + l.b + "→" + l.a + " 0.0%"), std::string::npos)
          << "a link that carried frames shows no load: " << line;
    }
  }
  EXPECT_GT(carried, 0u);
  // Every site hangs off its PE.
  for (auto& s : t.sites)
    EXPECT_NE(dot.find(fmt::format("\"s:{}\" -- \"r:{}\"", s.name, s.pe)), std::string::npos) << s.name;
}

TEST(LoadSvg, PenAndColourFollowTheBusierDirection) {
  auto f = after_traffic();
  const auto& t = f.net->topology();
  // The busiest link over exactly its own busy time: 100% one way.
  size_t busiest = 0;
  uint64_t most = 0;
  for (size_t i = 0; i < t.links.size(); ++i) {
    const auto& e = f.bb->links()[i];
    uint64_t b = std::max(e.a_to_b->stats().busy_ns, e.b_to_a->stats().busy_ns);
    if (b > most) most = b, busiest = i;
  }
  ASSERT_GT(most, 0u);
  const std::string dot = to_dot_with_load(t, *f.bb, most);
  const std::string line = edge_line(dot, t.links[busiest]);
  EXPECT_NE(line.find("100.0%"), std::string::npos) << line;
  EXPECT_NE(line.find("penwidth=8.0"), std::string::npos) << line;
  EXPECT_NE(line.find("color=\"#d62728\""), std::string::npos) << line;
  // An idle link stays thin and grey.
  for (size_t i = 0; i < t.links.size(); ++i) {
    const auto& e = f.bb->links()[i];
    if (e.a_to_b->stats().busy_ns + e.b_to_a->stats().busy_ns) continue;
    const std::string idle = edge_line(dot, t.links[i]);
    EXPECT_NE(idle.find("penwidth=1.0"), std::string::npos) << idle;
    EXPECT_NE(idle.find("color=\"#999999\""), std::string::npos) << idle;
  }
}

TEST(LoadSvg, WriteSvgErrors) {
  // Not DOT at all: graphviz refuses and we say so.
  const fs::path dir = fs::path(::testing::TempDir()) / "l2vpn_svg_errors";
  fs::remove_all(dir);
  fs::create_directories(dir);
  if (have_dot()) {
    auto bad = write_svg("this is not dot {", (dir / "bad.svg").string());
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("bad.svg"), std::string::npos) << bad.error().message;
  }
  // Graphviz missing: the message says which package.
  const std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", "/nonexistent", 1);
  auto missing = write_svg("graph g { a -- b }", (dir / "m.svg").string());
  setenv("PATH", path.c_str(), 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("graphviz"), std::string::npos) << missing.error().message;
}

TEST(LoadSvg, RendersWithGraphviz) {
  if (!have_dot()) GTEST_SKIP() << "graphviz 'dot' is not installed (Debian package graphviz)";
  auto f = after_traffic();
  const fs::path out = fs::path(::testing::TempDir()) / "l2vpn load.svg";  // a space: no shell involved
  fs::remove(out);
  auto st = write_svg(to_dot_with_load(f.net->topology(), *f.bb, f.bb->now()), out.string());
  ASSERT_TRUE(st.ok()) << st.error().message;
  std::ifstream in(out);
  std::string svg((std::istreambuf_iterator<char>(in)), {});
  ASSERT_FALSE(svg.empty());
  EXPECT_TRUE(svg.rfind("<?xml", 0) == 0 || svg.rfind("<svg", 0) == 0) << svg.substr(0, 80);
  EXPECT_NE(svg.find("pe1→p1"), std::string::npos);
}

}  // namespace
}  // namespace l2vpn::sim
