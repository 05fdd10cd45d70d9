// GraphML import: invalid input first, then the repairs the Topology Zoo
// needs, then every file of ../shared/topologyzoo. Run from the repository
// root (ctest does).

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>

#include "controlplane/graphml_importer.hpp"
#include "controlplane/yaml_loader.hpp"

namespace fs = std::filesystem;
using namespace l2vpn;
using namespace l2vpn::cp;

namespace {

const char* kHead = R"(<?xml version="1.0" encoding="utf-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key attr.name="label" attr.type="string" for="node" id="d0" />
  <key attr.name="Latitude" attr.type="double" for="node" id="d1" />
  <key attr.name="Longitude" attr.type="double" for="node" id="d2" />
  <key attr.name="hyperedge" attr.type="int" for="node" id="d3" />
  <key attr.name="LinkSpeedRaw" attr.type="double" for="edge" id="e0" />
  <key attr.name="label" attr.type="string" for="graph" id="g0" />
  <graph edgedefault="undirected">
)";
const char* kTail = "  </graph>\n</graphml>\n";

std::string graphml(const std::string& body) { return std::string(kHead) + body + kTail; }

Result<Topology> import(const std::string& body, const GraphMlOptions& opt = {}) {
  return parse_graphml(graphml(body), "g.graphml", opt);
}

bool has_warning(const Topology& t, const std::string& needle) {
  return std::any_of(t.warnings.begin(), t.warnings.end(),
                     [&](const std::string& w) { return w.find(needle) != std::string::npos; });
}

std::string node(const std::string& id, const std::string& label, const std::string& extra = "") {
  return "    <node id=\"" + id + "\"><data key=\"d0\">" + label + "</data>" + extra + "</node>\n";
}
std::string edge(const std::string& s, const std::string& t, const std::string& extra = "") {
  return "    <edge source=\"" + s + "\" target=\"" + t + "\">" + extra + "</edge>\n";
}
std::string coords(double lat, double lon) {
  return "<data key=\"d1\">" + std::to_string(lat) + "</data><data key=\"d2\">" + std::to_string(lon) + "</data>";
}

}  // namespace

TEST(GraphMlImporter, MalformedInputIsAnErrorWithALine) {
  Result<Topology> r = parse_graphml("<graphml>\n<graph>\n<node id='a'>\n</graph>\n", "bad.graphml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("bad.graphml:4: malformed XML"), std::string::npos) << r.error().message;

  r = parse_graphml("", "empty.graphml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("empty.graphml"), std::string::npos);

  r = parse_graphml("<svg/>", "x.graphml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "x.graphml: not GraphML: no <graphml> root element");

  r = parse_graphml("<graphml/>", "x.graphml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "x.graphml: GraphML has no <graph> element");

  r = import("");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("g.graphml:9: the graph has no nodes"), std::string::npos) << r.error().message;

  r = import(node("0", "A") + node("0", "B"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("g.graphml:11: duplicate node id '0'"), std::string::npos) << r.error().message;

  r = import(node("0", "A") + edge("0", "7"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("g.graphml:11: edge target '7' is not a node"), std::string::npos)
      << r.error().message;

  r = import("    <node><data key=\"d0\">A</data></node>\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("g.graphml:10: <node> without an id"), std::string::npos);

  r = import_graphml("no/such/file.graphml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no/such/file.graphml: cannot open"), std::string::npos);
}

TEST(GraphMlImporter, NamesFromLabels) {
  Result<Topology> r = import(node("0", "Paris") + node("1", "  London ") + node("2", "Paris") +
                              node("3", "Paris") + "    <node id=\"4\" />\n" + node("5", "None") +
                              node("6", "None", "<data key=\"d3\">1</data>") +
                              "    <data key=\"g0\">Tiny</data>\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Topology& t = *r;
  EXPECT_EQ(t.name, "Tiny");
  std::vector<std::string> names;
  for (const Router& x : t.routers) names.push_back(x.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Paris", "London", "Paris#2", "Paris#3", "node-4", "node-5",
                                             "hyperedge-6"}));
  EXPECT_TRUE(has_warning(t, "g.graphml:12: duplicate label 'Paris' (node '2'); named 'Paris#2'"));
  EXPECT_TRUE(has_warning(t, "node '4' has no label; named 'node-4'"));
  EXPECT_EQ(t.routers[0].role, RouterRole::pe);
  EXPECT_EQ(t.routers[6].role, RouterRole::p);  // a hyperedge is a shared medium, not a PE
  EXPECT_EQ(t.routers[0].where.str(), "g.graphml:10");
}

// Issue 14 (9): a name with ':' could not be named in an event ("A:B"):
// the importer renames it, with a warning (a YAML router with ':' is refused).
TEST(GraphMlImporter, ColonInLabelRenamed) {
  Result<Topology> r = import(node("0", "ICELINK: Greenland") + node("1", "B") + edge("0", "1"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->routers[0].name, "ICELINK- Greenland");
  EXPECT_TRUE(has_warning(*r, "label 'ICELINK: Greenland' holds ':'"));
}

TEST(GraphMlImporter, SelfLoopsDroppedParallelLinksMerged) {
  Result<Topology> r = import(node("0", "A") + node("1", "B") + edge("0", "0") +
                              edge("0", "1", "<data key=\"e0\">1000000000</data>") +
                              edge("1", "0", "<data key=\"e0\">2500000000</data>") + edge("0", "1"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Topology& t = *r;
  EXPECT_TRUE(has_warning(t, "g.graphml:12: self-loop at 'A' dropped"));
  EXPECT_TRUE(has_warning(t, "g.graphml:14: parallel link 'A' - 'B' merged into the one at line 13"));
  ASSERT_EQ(t.links.size(), 1u);
  EXPECT_EQ(t.links[0].bandwidth_bps, 1'000'000'000ULL + 2'500'000'000ULL + 10'000'000'000ULL);
  EXPECT_EQ(t.links[0].a_port, "to-B");
  EXPECT_EQ(t.links[0].b_port, "to-A");
  EXPECT_EQ(t.links[0].where.line, 13);
}

TEST(GraphMlImporter, DisconnectedPartsKeptWithAWarning) {
  Result<Topology> r = import(node("0", "A") + node("1", "B") + node("2", "C") + node("3", "D") + node("4", "E") +
                              edge("0", "1") + edge("1", "2") + edge("3", "4"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->routers.size(), 5u);
  EXPECT_TRUE(has_warning(*r, "the backbone has 2 disconnected parts (sizes 3, 2)")) << r->warnings.size();
}

TEST(GraphMlImporter, MetricAndDelayFromDistance) {
  // Paris - London: about 344 km.
  Result<Topology> r = import(node("0", "Paris", coords(48.8566, 2.3522)) +
                              node("1", "London", coords(51.5074, -0.1278)) + node("2", "Nowhere") +
                              node("3", "Bad", coords(123.0, 0.0)) + edge("0", "1") + edge("1", "2") + edge("0", "3"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Topology& t = *r;
  ASSERT_EQ(t.links.size(), 3u);
  EXPECT_EQ(t.links[0].metric, 3u);
  EXPECT_NEAR(t.links[0].delay_us, 344 * 5.0, 10.0);
  EXPECT_EQ(t.links[1].metric, 10u);  // no coordinates: the default
  EXPECT_DOUBLE_EQ(t.links[1].delay_us, 100.0);
  EXPECT_EQ(t.links[2].metric, 10u);  // latitude 123 is no coordinate
  ASSERT_TRUE(t.routers[0].latitude.has_value());
  EXPECT_FALSE(t.routers[3].latitude.has_value());
  EXPECT_NEAR(great_circle_km(48.8566, 2.3522, 51.5074, -0.1278), 344, 2);
  EXPECT_NEAR(great_circle_km(0, 0, 0, 180), 20015, 5);

  GraphMlOptions hops;
  hops.metric = MetricMode::hops;
  Result<Topology> h = import(node("0", "Paris", coords(48.8566, 2.3522)) +
                              node("1", "London", coords(51.5074, -0.1278)) + edge("0", "1"), hops);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->links[0].metric, 1u);
  EXPECT_NEAR(h->links[0].delay_us, 344 * 5.0, 10.0);  // delay stays physical

  // Two cities at the same place: metric 1, delay 1 us at least.
  Result<Topology> z = import(node("0", "A", coords(1, 1)) + node("1", "B", coords(1, 1)) + edge("0", "1"));
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->links[0].metric, 1u);
  EXPECT_DOUBLE_EQ(z->links[0].delay_us, 1.0);
}

TEST(GraphMlImporter, ManyRepairsAreSummarised) {
  std::string body = node("0", "A") + node("1", "B");
  for (int i = 0; i < 20; ++i) body += edge("0", "1");
  Result<Topology> r = import(body);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(has_warning(*r, "g.graphml: 14 more parallel links merged (19 in all)"));
  EXPECT_LE(r->warnings.size(), 6u);
}

TEST(GraphMlImporter, BareGraphMlLoadsAsAllPeBackbone) {
  Result<Topology> r = load_topology("topologies/zoo/AttMpls.graphml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Topology& t = *r;
  EXPECT_EQ(t.name, "AttMpls");
  EXPECT_EQ(t.routers.size(), 25u);
  EXPECT_EQ(t.links.size(), 56u);  // 57 edges, one parallel pair merged
  for (const Router& x : t.routers) {
    EXPECT_EQ(x.role, RouterRole::pe) << x.name;
    EXPECT_FALSE(x.loopback.empty());
    EXPECT_GE(x.labels.first, 16u);
  }
  EXPECT_TRUE(t.sites.empty());
  EXPECT_TRUE(t.vpws.empty());
  EXPECT_TRUE(t.vpls.empty());
  EXPECT_EQ(t.routers[0].name, "NY54");
  EXPECT_EQ(t.routers[0].where.str(), "topologies/zoo/AttMpls.graphml:68");
}

// Every file of the Topology Zoo loads (or fails with a clear error).
TEST(GraphMlZoo, EveryFileLoads) {
  fs::path zoo = "../shared/topologyzoo";
  if (!fs::is_directory(zoo)) GTEST_SKIP() << zoo << " is absent (the Topology Zoo is not shipped; see topologies/zoo)";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(zoo))
    if (e.path().extension() == ".graphml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  size_t loaded = 0, routers = 0, links = 0, warned = 0;
  std::vector<std::string> failures;
  for (const fs::path& f : files) {
    Result<Topology> r = load_topology(f.string());
    if (!r.ok()) {
      std::string first_line = r.error().message.substr(0, r.error().message.find('\n'));
      failures.push_back(f.filename().string() + ": " + first_line);
      continue;
    }
    ++loaded;
    routers += r->routers.size();
    links += r->links.size();
    warned += !r->warnings.empty();
    EXPECT_TRUE(validate_topology(*r).ok()) << f;
  }
  for (const std::string& line : failures) std::cout << "  zoo failure: " << line << "\n";
  std::cout << "  zoo: " << loaded << " of " << files.size() << " files loaded (" << routers << " routers, "
            << links << " links; " << warned << " files repaired with warnings)\n";
  EXPECT_EQ(files.size(), 276u);
  EXPECT_TRUE(failures.empty());
}

TEST(GraphMlZoo, LargestFile) {
  fs::path kdl = "../shared/topologyzoo/Kdl.graphml";
  if (!fs::exists(kdl)) GTEST_SKIP() << kdl << " is absent";
  Result<Topology> r = load_topology(kdl.string());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->routers.size(), 754u);
  EXPECT_EQ(r->routers[753].labels, (LabelRange{754000, 754999}));
}
