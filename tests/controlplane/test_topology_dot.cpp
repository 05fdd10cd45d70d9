// to_dot: the drawing's shapes and pseudowire edges, and that Graphviz
// accepts it. Run from the repository root (ctest does).

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include <unistd.h>

#include "controlplane/topology_dot.hpp"
#include "controlplane/yaml_loader.hpp"

using namespace l2vpn;
using namespace l2vpn::cp;

namespace {

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

Topology load(const std::string& path) {
  Result<Topology> r = load_topology(path);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r.value()) : Topology{};
}

bool have_dot() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

}  // namespace

TEST(TopologyDot, EmptyTopologyIsAValidGraph) {
  std::string dot = to_dot(Topology{});
  EXPECT_EQ(dot.rfind("graph \"topology\" {", 0), 0u) << dot;
  EXPECT_EQ(dot.back(), '\n');
  EXPECT_NE(dot.find("}\n"), std::string::npos);
}

TEST(TopologyDot, NamesAreEscaped) {
  Topology t;
  t.name = "a \"quoted\" \\ name";
  Router r;
  r.name = "Saint \"Louis\"";
  r.loopback = "10.255.0.1";
  t.routers.push_back(r);
  std::string dot = to_dot(t);
  EXPECT_NE(dot.find("\"r:Saint \\\"Louis\\\"\""), std::string::npos) << dot;
  EXPECT_NE(dot.find("graph \"a \\\"quoted\\\" \\\\ name\""), std::string::npos) << dot;
}

TEST(TopologyDot, DefaultTopology) {
  Topology t = load("topologies/default.yaml");
  std::string dot = to_dot(t);
  // PEs are boxes, P routers ellipses, sites notes tied to their PE.
  EXPECT_EQ(count(dot, "shape=box"), 3u);
  EXPECT_EQ(count(dot, "shape=ellipse"), 3u);
  EXPECT_EQ(count(dot, "shape=note"), t.sites.size());
  EXPECT_NE(dot.find("\"s:dc1-cache\" -- \"r:pe1\""), std::string::npos);
  // Links carry their metric.
  EXPECT_NE(dot.find("\"r:p3\" -- \"r:p1\" [label=\"20\""), std::string::npos) << dot;
  // VPWS: one dashed edge between the two PEs, labelled with the service.
  EXPECT_NE(dot.find("\"r:pe1\" -- \"r:pe2\" [style=dashed"), std::string::npos);
  EXPECT_NE(dot.find("dept-dc2 (pw 102)"), std::string::npos);
  // VPLS over three PEs: a mesh of three dashed edges.
  std::regex vpls_colour("label=\"cache \\(vsi 200\\)\"");
  EXPECT_TRUE(std::regex_search(dot, vpls_colour)) << dot;
  EXPECT_EQ(count(dot, "style=dashed"), 2u + 3u);
}

TEST(TopologyDot, FullMeshAndSpokes) {
  std::string mesh = to_dot(load("topologies/full-mesh-vpls.yaml"));
  EXPECT_EQ(count(mesh, "style=dashed"), 28u);  // 8 * 7 / 2

  std::string h = to_dot(load("topologies/hvpls.yaml"));
  // The mesh is pe1, pe2 (hubs) and pe3: three PWs; the MTU-s has two spokes.
  EXPECT_EQ(count(h, "style=dashed"), 3u);
  EXPECT_EQ(count(h, "style=\"dotted,bold\""), 2u);
  EXPECT_NE(h.find("\"r:mtu1\" -- \"r:pe1\" [style=\"dotted,bold\""), std::string::npos) << h;
  EXPECT_NE(h.find("metro spoke (standby)"), std::string::npos);
  EXPECT_EQ(h.find("\"r:mtu1\" -- \"r:pe3\" [style=dashed"), std::string::npos);
}

TEST(TopologyDot, ServicesGetDifferentColours) {
  std::string dot = to_dot(load("topologies/default.yaml"));
  std::regex colour("style=dashed, color=\"(#[0-9a-f]{6})\"");
  std::set<std::string> colours;
  for (auto it = std::sregex_iterator(dot.begin(), dot.end(), colour); it != std::sregex_iterator(); ++it)
    colours.insert((*it)[1]);
  EXPECT_EQ(colours.size(), 3u);  // two VPWS, one VPLS
}

TEST(TopologyDot, GraphvizRendersEveryShippedTopology) {
  if (!have_dot()) GTEST_SKIP() << "graphviz 'dot' is not installed";
  for (const char* path : {"topologies/default.yaml", "topologies/full-mesh-vpls.yaml", "topologies/hvpls.yaml",
                           "topologies/attmpls.yaml"}) {
    std::filesystem::path file =
        std::filesystem::temp_directory_path() / ("l2vpn-dot-test-" + std::to_string(::getpid()) + ".dot");
    {
      std::ofstream out(file);
      out << to_dot(load(path));
    }
    std::string cmd = "dot -Tsvg -o /dev/null '" + file.string() + "' 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << path;
    std::filesystem::remove(file);
  }
}
