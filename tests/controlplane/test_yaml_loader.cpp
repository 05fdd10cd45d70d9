// The YAML topology loader and validate_topology: invalid input first.
// Run from the repository root (ctest does).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "controlplane/yaml_loader.hpp"

namespace fs = std::filesystem;
using namespace l2vpn;
using namespace l2vpn::cp;

namespace {

Result<Topology> parse(const std::string& text) { return parse_topology_yaml(text, "t.yaml"); }

// The load fails and one line of the message contains `needle`.
::testing::AssertionResult fails_with(const std::string& text, const std::string& needle) {
  Result<Topology> r = parse(text);
  if (r.ok()) return ::testing::AssertionFailure() << "loaded, expected an error containing: " << needle;
  if (r.error().message.find(needle) == std::string::npos)
    return ::testing::AssertionFailure() << "error\n" << r.error().message << "\ndoes not contain\n" << needle;
  return ::testing::AssertionSuccess();
}

// Two PEs, one P, a site on each PE: the base most tests add one mistake to.
const std::string kBase = R"(name: base
routers:
  - {name: pe1}
  - {name: pe2}
  - {name: p1, role: p}
links:
  - {a: pe1, b: p1}
  - {a: p1, b: pe2}
sites:
  - {name: s1, pe: pe1}
  - {name: s2, pe: pe2}
)";

fs::path temp_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("l2vpn-yaml-test-" + name + "-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

void write(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

const char* kTinyGraphml = R"(<?xml version="1.0" encoding="utf-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key attr.name="label" attr.type="string" for="node" id="d0" />
  <key attr.name="Latitude" attr.type="double" for="node" id="d1" />
  <key attr.name="Longitude" attr.type="double" for="node" id="d2" />
  <graph edgedefault="undirected">
    <node id="0"><data key="d0">Paris</data><data key="d1">48.8566</data><data key="d2">2.3522</data></node>
    <node id="1"><data key="d0">London</data><data key="d1">51.5074</data><data key="d2">-0.1278</data></node>
    <node id="2"><data key="d0">Brussels</data><data key="d1">50.8503</data><data key="d2">4.3517</data></node>
    <node id="3"><data key="d0">Lille</data></node>
    <edge source="0" target="1" />
    <edge source="1" target="2" />
    <edge source="2" target="0" />
    <edge source="3" target="0" />
  </graph>
</graphml>
)";

}  // namespace

// ---------------------------------------------------------------------------
// Syntax and structure.

TEST(YamlLoader, EmptyAndNonMappingFilesAreErrors) {
  EXPECT_TRUE(fails_with("", "t.yaml: the file is empty"));
  EXPECT_TRUE(fails_with("# only a comment\n", "the file is empty"));
  EXPECT_TRUE(fails_with("- a\n- b\n", "t.yaml:1: expected a mapping, found a list"));
  EXPECT_TRUE(fails_with("just words\n", "expected a mapping"));
}

TEST(YamlLoader, SyntaxErrorNamesTheLine) {
  EXPECT_TRUE(fails_with("name: x\nrouters:\n  - {name: pe1\n", "t.yaml:4: YAML syntax error"));
  EXPECT_TRUE(fails_with("name: x\n  bad: indentation\n", "t.yaml:2: YAML syntax error"));
}

TEST(YamlLoader, UnknownKeysAtEveryLevel) {
  EXPECT_TRUE(fails_with("name: x\nrouterz: []\n", "t.yaml:2: unknown key 'routerz' (did you mean 'routers'?)"));
  EXPECT_TRUE(fails_with("routers:\n  - name: pe1\n    loopbak: 10.0.0.1\n",
                         "t.yaml:3: router 'pe1': unknown key 'loopbak' (did you mean 'loopback'?)"));
  EXPECT_TRUE(fails_with("routers:\n  - name: pe1\n    labels: {first: 100, end: 200}\n",
                         "t.yaml:3: router 'pe1' labels: unknown key 'end'"));
  EXPECT_TRUE(fails_with(kBase + "  - {name: s3, pe: pe1, colour: red}\n", "site 's3': unknown key 'colour'"));
  EXPECT_TRUE(fails_with(kBase + "services:\n  vpns: []\n", "t.yaml:13: services: unknown key 'vpns' (did you mean 'vpws'?)"));
  EXPECT_TRUE(fails_with(kBase + "services:\n  vpls:\n    - {name: v, sites: [s1, s2], flood: yes}\n",
                         "t.yaml:14: vpls 'v': unknown key 'flood' (known keys: name vsi_id"));
  EXPECT_TRUE(fails_with(kBase + "services:\n  vpls:\n    - name: v\n      sites: [s1]\n"
                                 "      spokes: [{mtu_s: pe2, hub: [pe1]}]\n",
                         "vpls 'v' spoke #1: unknown key 'hub'"));
  EXPECT_TRUE(fails_with("backbone: {graphml: x.graphml, pes: all}\n", "backbone: unknown key 'pes'"));
}

TEST(YamlLoader, DuplicateKeyIsAnError) {
  EXPECT_TRUE(fails_with("routers:\n  - name: pe1\n    role: pe\n    role: p\n",
                         "t.yaml:4: router 'pe1': key 'role' given twice"));
}

TEST(YamlLoader, WrongTypesAreErrors) {
  EXPECT_TRUE(fails_with("routers: {pe1: {}}\n", "'routers' must be a list, found a mapping"));
  EXPECT_TRUE(fails_with("routers:\n  - pe1\n", "router #1: expected a mapping, found a scalar 'pe1'"));
  EXPECT_TRUE(fails_with("routers:\n  - {name: [a, b]}\n", "'name' must be a single value, found a list"));
  EXPECT_TRUE(fails_with(kBase + "  - {name: s3, pe: pe1, vlan: ten}\n",
                         "site 's3': 'vlan' must be a whole number, found 'ten'"));
  EXPECT_TRUE(fails_with(kBase + "  - {name: s3, pe: pe1, vlan: -5}\n", "'vlan' must be a whole number"));
  EXPECT_TRUE(fails_with(kBase + "  - {name: s3, pe: pe1, vlan: 4095}\n", "'vlan' 4095 is out of range [0, 4094]"));
  EXPECT_TRUE(fails_with(kBase + "  - {name: s3, pe: pe1, mode: trunk}\n", "'mode' must be one of raw tagged"));
  EXPECT_TRUE(fails_with("routers:\n  - {name: pe1, explicit_null: maybe}\n",
                         "'explicit_null' must be true or false, found 'maybe'"));
  EXPECT_TRUE(fails_with("routers:\n  - {name: pe1, role: router}\n", "'role' must be one of pe p"));
  EXPECT_TRUE(fails_with(kBase + "services:\n  vpws:\n    - {name: w, sites: s1}\n",
                         "'sites' must be a list of names, found a scalar 's1'"));
  EXPECT_TRUE(fails_with(kBase + "services:\n  vpws:\n    - {name: w, sites: [s1, s2], pw_id: 0}\n",
                         "'pw_id' 0 is out of range"));
  EXPECT_TRUE(fails_with(kBase + "services:\n  vpws:\n    - {name: w, sites: [s1, s2], pw_id: 99999999999}\n",
                         "'pw_id' 99999999999 is out of range"));
  EXPECT_TRUE(fails_with(kBase + "services:\n  vpls:\n    - {name: v, sites: [s1, s2], bum: flood}\n",
                         "'bum' must be one of ingress p2mp"));
}

TEST(YamlLoader, MissingRequiredKeys) {
  EXPECT_TRUE(fails_with("routers:\n  - {role: pe}\n", "t.yaml:2: router #1: missing key 'name'"));
  EXPECT_TRUE(fails_with(kBase.substr(0, kBase.find("sites:")) + "  - {a: pe1}\n", "missing key 'b'"));
  EXPECT_TRUE(fails_with(kBase + "  - {name: s3}\n", "site 's3': missing key 'pe'"));
  EXPECT_TRUE(fails_with(kBase + "services:\n  vpws:\n    - {name: w}\n", "vpws 'w': missing key 'sites'"));
}

TEST(YamlLoader, CollectsSeveralErrors) {
  Result<Topology> r = parse("routers:\n  - {name: pe1, rolee: pe}\n  - {name: pe2, loopbak: 1}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("t.yaml:2: router 'pe1': unknown key 'rolee'"), std::string::npos);
  EXPECT_NE(r.error().message.find("t.yaml:3: router 'pe2': unknown key 'loopbak'"), std::string::npos);
}

// ---------------------------------------------------------------------------
// Semantic validation.

TEST(YamlValidation, UnknownNames) {
  EXPECT_TRUE(fails_with(kBase + "  - {name: s3, pe: pe9}\n", "t.yaml:12: site 's3': router 'pe9' is not defined"));
  EXPECT_TRUE(fails_with(kBase.substr(0, kBase.find("sites:")) + "  - {a: pe1, b: pe7}\n",
                         "t.yaml:9: link pe1 - pe7: router 'pe7' is not defined"));
  EXPECT_TRUE(fails_with(kBase + "services:\n  vpws:\n    - {name: dept-a, sites: [s1, dc9]}\n",
                         "t.yaml:14: vpws 'dept-a': site 'dc9' is not defined"));
  EXPECT_TRUE(fails_with(kBase + "services:\n  vpls:\n    - {name: v, sites: [s1, s2, s7]}\n",
                         "vpls 'v': site 's7' is not defined"));
  EXPECT_TRUE(fails_with(kBase + "services:\n  vpls:\n    - name: v\n      sites: [s1, s2]\n"
                                 "      spokes: [{mtu_s: pe2, hubs: [pe5]}]\n",
                         "hub 'pe5' is not defined"));
}

TEST(YamlValidation, Duplicates) {
  EXPECT_TRUE(fails_with(kBase.substr(0, kBase.find("links:")) + "  - {name: pe1}\n",
                         "t.yaml:6: router 'pe1': defined twice"));
  EXPECT_TRUE(fails_with(kBase + "  - {name: s1, pe: pe2, port: other}\n", "t.yaml:12: site 's1': defined twice (first at t.yaml:10)"));
  EXPECT_TRUE(fails_with(kBase + "  - {name: s3, pe: pe1}\n  - {name: s4, pe: pe2}\n"
                                 "services:\n  vpws:\n    - {name: w, sites: [s1, s2]}\n"
                                 "    - {name: w, sites: [s3, s4]}\n",
                         "t.yaml:17: vpws 'w': service name already used at t.yaml:16"));
  EXPECT_TRUE(fails_with(kBase + "  - {name: s3, pe: pe1}\n  - {name: s4, pe: pe2}\n"
                                 "services:\n  vpws:\n    - {name: w, sites: [s1, s2], pw_id: 7}\n"
                                 "    - {name: x, sites: [s3, s4], pw_id: 7}\n",
                         "vpws 'x': pw_id 7 is already used by vpws 'w'"));
  EXPECT_TRUE(fails_with(kBase + "  - {name: s3, pe: pe1}\n  - {name: s4, pe: pe2}\n"
                                 "services:\n  vpls:\n    - {name: v, sites: [s1, s2], vsi_id: 9}\n"
                                 "    - {name: x, sites: [s3, s4], vsi_id: 9}\n",
                         "vpls 'x': vsi_id 9 is already used by vpls 'v'"));
  // PW ids and VSI ids are one FEC 128 id space.
  EXPECT_TRUE(fails_with(kBase + "  - {name: s3, pe: pe1}\n  - {name: s4, pe: pe2}\n"
                                 "services:\n  vpws:\n    - {name: w, sites: [s1, s2], pw_id: 9}\n"
                                 "  vpls:\n    - {name: x, sites: [s3, s4], vsi_id: 9}\n",
                         "vsi_id 9 is already used by vpws 'w'"));
  EXPECT_TRUE(fails_with("routers:\n  - {name: a, loopback: 10.0.0.1}\n  - {name: b, loopback: 10.0.0.1}\n",
                         "t.yaml:3: router 'b': loopback 10.0.0.1 is already used by router 'a'"));
}

TEST(YamlValidation, LabelRanges) {
  EXPECT_TRUE(fails_with("routers:\n  - {name: a, labels: {first: 8, last: 100}}\n",
                         "t.yaml:2: router 'a': label range starts at 8, inside the reserved labels 0-15"));
  EXPECT_TRUE(fails_with("routers:\n  - {name: a, labels: {first: 16, last: 1048576}}\n",
                         "label range ends at 1048576, above the largest label 1048575"));
  EXPECT_TRUE(fails_with("routers:\n  - {name: a, labels: {first: 500, last: 100}}\n",
                         "label range is empty (first 500 > last 100)"));
  EXPECT_TRUE(fails_with("routers:\n  - {name: a, labels: {first: 500}}\n", "labels: missing key 'last'"));
  // Ranges may overlap between routers: labels are per router.
  Result<Topology> r = parse("routers:\n  - {name: a, labels: {first: 16, last: 1000}}\n"
                             "  - {name: b, labels: {first: 16, last: 1000}}\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->routers[1].labels, (LabelRange{16, 1000}));
}

TEST(YamlValidation, Links) {
  const std::string head = kBase.substr(0, kBase.find("sites:"));
  EXPECT_TRUE(fails_with(head + "  - {a: pe1, b: pe1}\n", "t.yaml:9: link pe1 - pe1: a link cannot connect a router to itself"));
  EXPECT_TRUE(fails_with(head + "  - {a: pe1, b: pe2, mtu: 100}\n", "link pe1 - pe2: mtu 100 is out of range [576, 9600]"));
  EXPECT_TRUE(fails_with(head + "  - {a: pe1, b: pe2, mtu: 65000}\n", "mtu 65000 is out of range"));
  EXPECT_TRUE(fails_with(head + "  - {a: pe1, b: pe2, metric: 0}\n", "'metric' 0 is out of range [1, 16777215]"));
  EXPECT_TRUE(fails_with(head + "  - {a: pe1, b: pe2, bandwidth: fast}\n",
                         "t.yaml:9: link pe1 - pe2: bad bandwidth 'fast'"));
  EXPECT_TRUE(fails_with(head + "  - {a: pe1, b: pe2, bandwidth: -1G}\n", "bad bandwidth '-1G'"));
  EXPECT_TRUE(fails_with(head + "  - {a: pe1, b: pe2, delay: 5}\n", "bad delay '5' (a number with a unit"));
  EXPECT_TRUE(fails_with(head + "  - {a: pe1, b: pe2, delay: 2 fortnights}\n", "bad delay"));
  EXPECT_TRUE(fails_with(head + "  - {a: pe1, b: pe2, a_port: x}\n  - {a: pe1, b: p1, a_port: x}\n",
                         "port 'x' on 'pe1' is already used by the link pe1 - pe2"));
}

TEST(YamlValidation, SitesAndAttachmentCircuits) {
  EXPECT_TRUE(fails_with(kBase + "  - {name: s3, pe: p1}\n",
                         "t.yaml:12: site 's3': router 'p1' is a P router; sites attach to PEs"));
  // Default port names avoid explicit ones; two explicit ones may collide.
  EXPECT_TRUE(fails_with(kBase.substr(0, kBase.find("sites:")) + "  - {a: pe1, b: pe2, a_port: eth1}\n" +
                             kBase.substr(kBase.find("sites:")) + "  - {name: s3, pe: pe1, port: eth1}\n",
                         "site 's3': port 'eth1' on 'pe1' is already used by the link pe1 - pe2"));
  EXPECT_TRUE(fails_with(kBase + "  - {name: s3, pe: pe1, port: x, vlan: 5}\n  - {name: s4, pe: pe1, port: x, vlan: 5}\n",
                         "site 's4': same attachment circuit as site 's3' (pe1 port x vlan 5)"));
  EXPECT_TRUE(fails_with(kBase + "  - {name: s3, pe: pe1, port: x}\n  - {name: s4, pe: pe1, port: x, vlan: 5}\n",
                         "mixes a port-based AC (site 's3') with VLAN ACs"));
  EXPECT_TRUE(fails_with(kBase + "  - {name: s3, pe: pe1, mode: tagged}\n", "mode tagged needs a vlan"));
}

TEST(YamlValidation, Vpws) {
  const std::string sites = kBase + "  - {name: s3, pe: pe1, port: x, vlan: 5}\n  - {name: s4, pe: pe1, port: y}\n";
  EXPECT_TRUE(fails_with(sites + "services:\n  vpws:\n    - {name: w, sites: [s1, s1]}\n",
                         "t.yaml:16: vpws 'w': both ends are site 's1' (the same attachment circuit)"));
  EXPECT_TRUE(fails_with(sites + "services:\n  vpws:\n    - {name: w, sites: [s1, s2, s3]}\n",
                         "'sites' must name exactly two sites, names 3"));
  EXPECT_TRUE(fails_with(sites + "services:\n  vpws:\n    - {name: w, sites: [s1, s4]}\n",
                         "vpws 'w': both sites are on PE 'pe1' (local switching without a pseudowire is not supported)"));
  EXPECT_TRUE(fails_with(sites + "services:\n  vpws:\n    - {name: w, sites: [s1, s2], mtu: 20000}\n",
                         "vpws 'w': mtu 20000 is out of range [64, 9600]"));
  EXPECT_TRUE(fails_with(sites + "services:\n  vpws:\n    - {name: w, sites: [s1, s2]}\n"
                                 "  vpls:\n    - {name: v, sites: [s2, s3]}\n",
                         "vpls 'v': site 's2' is already attached to vpws 'w'"));
}

TEST(YamlValidation, Vpls) {
  const std::string sites = kBase + "  - {name: s3, pe: pe1, port: x}\n";
  EXPECT_TRUE(fails_with(sites + "services:\n  vpls:\n    - {name: v, sites: [s1]}\n",
                         "t.yaml:15: vpls 'v': needs at least two members (sites, or spokes' MTU-s), has 1"));
  EXPECT_TRUE(fails_with(sites + "services:\n  vpls:\n    - {name: v, sites: []}\n", "has 0"));
  EXPECT_TRUE(fails_with(sites + "services:\n  vpls:\n    - {name: v, sites: [s1, s1]}\n", "site 's1' is listed twice"));
  EXPECT_TRUE(fails_with(sites + "services:\n  vpls:\n    - {name: v, sites: [s1, s2], mac_limit: 0}\n",
                         "'mac_limit' 0 is out of range"));
  EXPECT_TRUE(fails_with(sites + "services:\n  vpls:\n    - {name: v, sites: [s1, s2], aging: forever}\n",
                         "'aging' must be seconds"));
  EXPECT_TRUE(fails_with(sites + "services:\n  vpls:\n    - {name: v, sites: [s1, s2], flood_rate: fast}\n",
                         "t.yaml:15: vpls 'v': 'flood_rate' must be frames per second (2000 or 2000/s)"));
  EXPECT_TRUE(fails_with(sites + "services:\n  vpls:\n    - {name: v, sites: [s1, s2], flood_rate: 2000pps}\n",
                         "found '2000pps'"));
  EXPECT_TRUE(fails_with(sites + "services:\n  vpls:\n    - {name: v, sites: [s1, s2], mtu: 10}\n",
                         "vpls 'v': mtu 10 is out of range"));
  // One site plus a spoke's MTU-s (with no site of its own) is two members.
  Result<Topology> ok = parse(sites + "services:\n  vpls:\n    - name: v\n      sites: [s1]\n"
                                      "      spokes: [{mtu_s: pe2, hubs: [pe1]}]\n");
  EXPECT_TRUE(ok.ok()) << ok.error().message;
}

TEST(YamlValidation, HvplsSpokes) {
  const std::string head = kBase + "services:\n  vpls:\n    - name: v\n      sites: [s1, s2]\n      spokes:\n";
  EXPECT_TRUE(fails_with(head + "        - {mtu_s: pe2, hubs: []}\n",
                         "t.yaml:17: vpls 'v' spoke 'pe2': needs one or two hubs, has 0"));
  EXPECT_TRUE(fails_with(head + "        - {mtu_s: pe2, hubs: [pe1, pe1, pe1]}\n", "needs one or two hubs, has 3"));
  EXPECT_TRUE(fails_with(head + "        - {mtu_s: pe2, hubs: [pe1, pe1]}\n", "hub 'pe1' is listed twice"));
  EXPECT_TRUE(fails_with(head + "        - {mtu_s: pe2, hubs: [p1]}\n", "hub 'p1' is a P router"));
  EXPECT_TRUE(fails_with(head + "        - {mtu_s: p1, hubs: [pe1]}\n", "MTU-s 'p1' is a P router"));
  EXPECT_TRUE(fails_with(head + "        - {mtu_s: pe2, hubs: [pe2]}\n", "an MTU-s cannot be its own hub"));
  EXPECT_TRUE(fails_with(head + "        - {mtu_s: pe2}\n", "spoke #1: missing key 'hubs'"));
}

TEST(YamlValidation, ValidatesHandBuiltTopologies) {
  auto router = [](std::string name, std::string loopback) {
    Router r;
    r.name = std::move(name);
    r.loopback = std::move(loopback);
    r.where = {"code", 0};
    return r;
  };
  auto link = [](std::string a, std::string b) {
    Link l;
    l.a = std::move(a);
    l.b = std::move(b);
    return l;
  };
  auto site = [](std::string name, std::string pe) {
    Site s;
    s.name = std::move(name);
    s.pe = std::move(pe);
    return s;
  };
  Topology t;
  t.routers.push_back(router("a", "10.0.0.1"));
  t.routers.push_back(router("b", "not-an-ip"));
  t.links.push_back(link("a", "c"));
  t.links.back().a_port = "p";
  t.links.back().b_port = "q";
  Status st = validate_topology(t);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("code: router 'b': loopback 'not-an-ip' is not an IPv4 address"), std::string::npos);
  EXPECT_NE(st.error().message.find("router 'c' is not defined"), std::string::npos);

  // fill_defaults makes a minimal hand-built topology valid.
  Topology u;
  u.routers.push_back(router("a", ""));
  u.routers.push_back(router("b", ""));
  u.links.push_back(link("a", "b"));
  u.sites.push_back(site("x", "a"));
  u.sites.push_back(site("y", "b"));
  VpwsService w;
  w.name = "w";
  w.site_a = "x";
  w.site_b = "y";
  u.vpws.push_back(w);
  fill_defaults(u);
  EXPECT_TRUE(validate_topology(u).ok());
  EXPECT_EQ(u.routers[0].loopback, "10.255.0.1");
  EXPECT_EQ(u.links[0].a_port, "to-b");
  EXPECT_EQ(u.sites[0].port, "ac-x");
  EXPECT_EQ(u.vpws[0].pw_id, 1u);
}

// ---------------------------------------------------------------------------
// Defaults and units.

TEST(YamlLoader, Defaults) {
  Result<Topology> r = parse(kBase + "  - {name: s3, pe: pe1, vlan: 7, mode: tagged, port: trunk}\n"
                                     "  - {name: s4, pe: pe2, vlan: 7, mode: tagged, port: trunk}\n"
                                     "services:\n  vpws:\n    - {name: w, sites: [s1, s2]}\n"
                                     "  vpls:\n    - {name: v, sites: [s3, s4]}\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Topology& t = *r;
  EXPECT_EQ(t.name, "base");
  ASSERT_EQ(t.routers.size(), 3u);
  EXPECT_EQ(t.routers[0].role, RouterRole::pe);
  EXPECT_EQ(t.routers[2].role, RouterRole::p);
  EXPECT_EQ(t.routers[0].loopback, "10.255.0.1");
  EXPECT_EQ(t.routers[2].loopback, "10.255.0.3");
  EXPECT_EQ(t.routers[0].labels, (LabelRange{10000, 19999}));
  EXPECT_EQ(t.routers[1].labels, (LabelRange{20000, 29999}));
  EXPECT_FALSE(t.routers[0].explicit_null);
  EXPECT_EQ(t.routers[0].where.str(), "t.yaml:3");
  const Link& l = t.links[0];
  EXPECT_EQ(l.a_port, "to-p1");
  EXPECT_EQ(l.b_port, "to-pe1");
  EXPECT_EQ(l.metric, 10u);
  EXPECT_EQ(l.bandwidth_bps, 10'000'000'000ULL);
  EXPECT_DOUBLE_EQ(l.delay_us, 100.0);
  EXPECT_EQ(l.mtu, 9000u);
  EXPECT_EQ(t.sites[0].port, "ac-s1");
  EXPECT_EQ(t.sites[0].vlan, 0);
  EXPECT_EQ(t.sites[0].mode, AcMode::raw);
  EXPECT_EQ(t.sites[2].mode, AcMode::tagged);
  EXPECT_EQ(t.vpws[0].pw_id, 1u);
  EXPECT_TRUE(t.vpws[0].control_word);
  EXPECT_EQ(t.vpws[0].mtu, 1500u);
  EXPECT_FALSE(t.vpws[0].flow_label);
  EXPECT_EQ(t.vpls[0].vsi_id, 2u);
  EXPECT_EQ(t.vpls[0].mac_limit, 4096u);
  EXPECT_EQ(t.vpls[0].aging_seconds, 300u);
  EXPECT_EQ(t.vpls[0].flood_rate_pps, 0u);
  EXPECT_EQ(t.vpls[0].bum_mode, BumMode::ingress_replication);
  EXPECT_TRUE(t.warnings.empty());
}

TEST(YamlLoader, ExplicitValues) {
  Result<Topology> r = parse(R"(
routers:
  - {name: a, loopback: 10.255.0.1, labels: {first: 16, last: 999}, explicit_null: true}
  - {name: b, latitude: 48.85, longitude: 2.35}
links:
  - {a: a, b: b, metric: 7, bandwidth: 2.5Gbps, delay: 1.5ms, mtu: 1600, a_port: eth0, b_port: eth1}
  - {a: a, b: b}
sites:
  - {name: x, pe: a, port: eth9, vlan: 100}
  - {name: y, pe: b}
services:
  vpls:
    - {name: v, vsi_id: 42, sites: [x, y], mac_limit: 10, aging: 60s, flood_rate: 2000/s, control_word: false, mtu: 9000, bum: p2mp}
)");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Topology& t = *r;
  EXPECT_EQ(t.routers[0].labels, (LabelRange{16, 999}));
  EXPECT_TRUE(t.routers[0].explicit_null);
  EXPECT_EQ(t.routers[1].loopback, "10.255.0.2");  // 10.255.0.1 is taken
  ASSERT_TRUE(t.routers[1].latitude.has_value());
  EXPECT_DOUBLE_EQ(*t.routers[1].latitude, 48.85);
  EXPECT_EQ(t.links[0].metric, 7u);
  EXPECT_EQ(t.links[0].bandwidth_bps, 2'500'000'000ULL);
  EXPECT_DOUBLE_EQ(t.links[0].delay_us, 1500.0);
  EXPECT_EQ(t.links[0].mtu, 1600u);
  EXPECT_EQ(t.links[0].a_port, "eth0");
  // A parallel link gets its own ports.
  EXPECT_EQ(t.links[1].a_port, "to-b");
  EXPECT_EQ(t.links[1].b_port, "to-a");
  EXPECT_EQ(t.sites[0].vlan, 100);
  const VplsService& v = t.vpls[0];
  EXPECT_EQ(v.vsi_id, 42u);
  EXPECT_EQ(v.mac_limit, 10u);
  EXPECT_EQ(v.aging_seconds, 60u);
  EXPECT_EQ(v.flood_rate_pps, 2000u);
  EXPECT_FALSE(v.control_word);
  EXPECT_EQ(v.mtu, 9000u);
  EXPECT_EQ(v.bum_mode, BumMode::p2mp_tree);
}

TEST(YamlLoader, ParallelLinksGetDistinctPorts) {
  Result<Topology> r = parse("routers: [{name: a}, {name: b}]\nlinks:\n  - {a: a, b: b}\n  - {a: a, b: b}\n  - {a: b, b: a}\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->links[0].a_port, "to-b");
  EXPECT_EQ(r->links[1].a_port, "to-b#2");
  EXPECT_EQ(r->links[2].b_port, "to-b#3");
  EXPECT_EQ(r->links[2].a_port, "to-a#3");
}

TEST(YamlUnits, Bandwidth) {
  EXPECT_EQ(parse_bandwidth("10G"), 10'000'000'000ULL);
  EXPECT_EQ(parse_bandwidth("2.5G"), 2'500'000'000ULL);
  EXPECT_EQ(parse_bandwidth("100M"), 100'000'000ULL);
  EXPECT_EQ(parse_bandwidth("400k"), 400'000ULL);
  EXPECT_EQ(parse_bandwidth("10Gbps"), 10'000'000'000ULL);
  EXPECT_EQ(parse_bandwidth("1 T"), 1'000'000'000'000ULL);
  EXPECT_EQ(parse_bandwidth("1000000"), 1'000'000ULL);
  EXPECT_FALSE(parse_bandwidth(""));
  EXPECT_FALSE(parse_bandwidth("G"));
  EXPECT_FALSE(parse_bandwidth("0"));
  EXPECT_FALSE(parse_bandwidth("-1G"));
  EXPECT_FALSE(parse_bandwidth("10X"));
  EXPECT_FALSE(parse_bandwidth("1e30"));
  EXPECT_EQ(format_bandwidth(10'000'000'000ULL), "10G");
  EXPECT_EQ(format_bandwidth(2'500'000'000ULL), "2.5G");
  EXPECT_EQ(format_bandwidth(155'520'000ULL), "155.52M");
  EXPECT_EQ(format_bandwidth(999), "999");
}

TEST(YamlUnits, Delay) {
  EXPECT_EQ(parse_delay_us("2ms"), 2000.0);
  EXPECT_EQ(parse_delay_us("150us"), 150.0);
  EXPECT_EQ(parse_delay_us("1.5ms"), 1500.0);
  EXPECT_EQ(parse_delay_us("500ns"), 0.5);
  EXPECT_EQ(parse_delay_us("1s"), 1e6);
  EXPECT_EQ(parse_delay_us("0"), 0.0);
  EXPECT_EQ(parse_delay_us("3 ms"), 3000.0);
  EXPECT_FALSE(parse_delay_us("5"));
  EXPECT_FALSE(parse_delay_us("ms"));
  EXPECT_FALSE(parse_delay_us("-1ms"));
  EXPECT_FALSE(parse_delay_us("100s"));
  EXPECT_EQ(format_delay(2000), "2ms");
  EXPECT_EQ(format_delay(150), "150us");
  EXPECT_EQ(format_delay(1500), "1.5ms");
}

TEST(YamlLoader, DefaultLabelBlocks) {
  EXPECT_EQ(default_label_range(0, 10), (LabelRange{10000, 19999}));
  EXPECT_EQ(default_label_range(102, 103), (LabelRange{1030000, 1039999}));
  EXPECT_EQ(default_label_range(0, 104), (LabelRange{1000, 1999}));
  EXPECT_EQ(default_label_range(753, 754), (LabelRange{754000, 754999}));
  EXPECT_EQ(default_label_range(0, 2000), (LabelRange{16, 1048575}));
  for (size_t n : {1u, 50u, 103u, 104u, 1047u, 1048u, 5000u})
    for (size_t i : {size_t{0}, n - 1}) {
      LabelRange r = default_label_range(i, n);
      EXPECT_GE(r.first, 16u);
      EXPECT_LE(r.last, kMaxLabel);
      EXPECT_LE(r.first, r.last);
    }
}

// ---------------------------------------------------------------------------
// Robustness: never throw, never crash.

TEST(YamlLoader, NeverThrowsOnTruncatedOrOddInput) {
  std::ifstream in("topologies/default.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.empty()) GTEST_SKIP() << "topologies/default.yaml not found (run from the repository root)";
  for (size_t n = 0; n <= text.size(); n += 7)
    EXPECT_NO_THROW({ auto r = parse_topology_yaml(text.substr(0, n), "cut.yaml"); (void)r; }) << n;
  for (const char* odd : {"routers: &a [*a]", "? [a]\n: b\n", "routers: [[], {}, null, 1]",
                          "links: [{a: [1], b: {x: y}}]", "services: {vpws: [{name: w, sites: [[a], b]}]}",
                          "\t\t", "{{{{", "name: x\nname: y\n", "routers:\n  - name: a\n    <<: {role: p}\n",
                          "sites: [{name: s, pe: a, vlan: 1e3}]", "routers: [{name: a, labels: [1, 2]}]"}) {
    Result<Topology> r = Error{""};
    EXPECT_NO_THROW(r = parse_topology_yaml(odd, "odd.yaml")) << odd;
    EXPECT_FALSE(r.ok()) << odd;
  }
}

TEST(YamlLoader, MissingFile) {
  Result<Topology> r = load_topology("does/not/exist.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("does/not/exist.yaml: cannot open"), std::string::npos);
}

// ---------------------------------------------------------------------------
// A GraphML backbone under YAML.

TEST(YamlBackbone, RolesOverridesAndLinks) {
  fs::path dir = temp_dir("backbone");
  write(dir / "tiny.graphml", kTinyGraphml);
  write(dir / "t.yaml", R"(name: tiny
backbone:
  graphml: tiny.graphml
  bandwidth: 1G
routers:
  - {name: Lille, role: pe, loopback: 10.9.9.9}
  - {name: edge1}
links:
  - {a: London, b: Paris, metric: 99}
  - {a: edge1, b: Brussels}
sites:
  - {name: paris-dc, pe: Paris}
  - {name: edge-dc, pe: edge1}
services:
  vpws:
    - {name: w, sites: [paris-dc, edge-dc]}
)");
  Result<Topology> r = load_topology((dir / "t.yaml").string());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Topology& t = *r;
  ASSERT_EQ(t.routers.size(), 5u);
  EXPECT_EQ(t.find_router("Paris")->role, RouterRole::pe);      // has a site
  EXPECT_EQ(t.find_router("London")->role, RouterRole::p);      // pe: auto
  EXPECT_EQ(t.find_router("Lille")->role, RouterRole::pe);      // routers: override
  EXPECT_EQ(t.find_router("Lille")->loopback, "10.9.9.9");
  EXPECT_EQ(t.find_router("edge1")->role, RouterRole::pe);      // YAML-only router
  EXPECT_EQ(t.find_router("Paris")->where.file, (dir / "tiny.graphml").lexically_normal().string());
  EXPECT_EQ(t.find_router("Lille")->where.line, 6);
  ASSERT_EQ(t.links.size(), 5u);
  EXPECT_EQ(t.links[0].metric, 99u);  // Paris - London overridden in place
  EXPECT_EQ(t.links[0].where.line, 9);
  EXPECT_EQ(t.links[0].bandwidth_bps, 1'000'000'000ULL);  // backbone default
  EXPECT_EQ(t.links[4].bandwidth_bps, 1'000'000'000ULL);  // YAML link gets it too
  EXPECT_EQ(t.links[4].a, "edge1");
  fs::remove_all(dir);
}

TEST(YamlBackbone, PeListAllAndErrors) {
  fs::path dir = temp_dir("pelist");
  write(dir / "tiny.graphml", kTinyGraphml);
  write(dir / "all.yaml", "backbone: {graphml: tiny.graphml, pe: all, metric: hops}\n");
  Result<Topology> all = load_topology((dir / "all.yaml").string());
  ASSERT_TRUE(all.ok()) << all.error().message;
  for (const Router& r : all->routers) EXPECT_EQ(r.role, RouterRole::pe) << r.name;
  for (const Link& l : all->links) EXPECT_EQ(l.metric, 1u);

  write(dir / "list.yaml", "backbone: {graphml: tiny.graphml, pe: [Paris, Lille], metric: 5}\n");
  Result<Topology> list = load_topology((dir / "list.yaml").string());
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_EQ(list->find_router("Paris")->role, RouterRole::pe);
  EXPECT_EQ(list->find_router("London")->role, RouterRole::p);
  for (const Link& l : list->links) EXPECT_EQ(l.metric, 5u);

  write(dir / "bad.yaml", "backbone:\n  graphml: tiny.graphml\n  pe: [Paris, Berlin]\n");
  Result<Topology> bad = load_topology((dir / "bad.yaml").string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("bad.yaml:3: backbone: pe 'Berlin' is not a node of the GraphML backbone"),
            std::string::npos)
      << bad.error().message;

  write(dir / "missing.yaml", "name: m\nbackbone:\n  graphml: nowhere.graphml\n");
  Result<Topology> missing = load_topology((dir / "missing.yaml").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("missing.yaml:3: backbone: "), std::string::npos) << missing.error().message;
  EXPECT_NE(missing.error().message.find("nowhere.graphml: cannot open"), std::string::npos);

  write(dir / "metric.yaml", "backbone: {graphml: tiny.graphml, metric: shortest}\n");
  Result<Topology> metric = load_topology((dir / "metric.yaml").string());
  ASSERT_FALSE(metric.ok());
  EXPECT_NE(metric.error().message.find("'metric' must be distance, hops or a number"), std::string::npos);
  fs::remove_all(dir);
}

// ---------------------------------------------------------------------------
// The shipped topologies.

TEST(YamlExamples, AllShippedTopologiesLoad) {
  int seen = 0;
  for (const auto& e : fs::directory_iterator("topologies")) {
    if (e.path().extension() != ".yaml") continue;
    ++seen;
    Result<Topology> r = load_topology(e.path().string());
    EXPECT_TRUE(r.ok()) << e.path() << ": " << (r.ok() ? "" : r.error().message);
  }
  EXPECT_GE(seen, 4);
}

TEST(YamlExamples, DefaultTopology) {
  Result<Topology> r = load_topology("topologies/default.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Topology& t = *r;
  EXPECT_GE(t.routers.size(), 6u);
  EXPECT_LE(t.routers.size(), 8u);
  int pes = 0, ps = 0;
  for (const Router& x : t.routers) (x.role == RouterRole::pe ? pes : ps)++;
  EXPECT_GE(pes, 3);
  EXPECT_GE(ps, 1);
  // 2-connected: every router has at least two links.
  for (const Router& x : t.routers) {
    int degree = 0;
    for (const Link& l : t.links) degree += (l.a == x.name) + (l.b == x.name);
    EXPECT_GE(degree, 2) << x.name;
  }
  for (const char* dc : {"dc1-cache", "dc2-cache", "dc3-cache"}) EXPECT_NE(t.find_site(dc), nullptr) << dc;
  ASSERT_EQ(t.vpws.size(), 2u);
  EXPECT_EQ(t.find_site(t.vpws[0].site_a)->pe, t.find_site(t.vpws[1].site_a)->pe);  // the hub CE's PE
  ASSERT_EQ(t.vpls.size(), 1u);
  EXPECT_EQ(t.vpls[0].sites.size(), 3u);
  EXPECT_TRUE(t.warnings.empty());
}

TEST(YamlExamples, HvplsAndFullMesh) {
  Result<Topology> h = load_topology("topologies/hvpls.yaml");
  ASSERT_TRUE(h.ok()) << h.error().message;
  ASSERT_EQ(h->vpls.size(), 1u);
  ASSERT_EQ(h->vpls[0].spokes.size(), 1u);
  EXPECT_EQ(h->vpls[0].spokes[0].hubs.size(), 2u);

  Result<Topology> m = load_topology("topologies/full-mesh-vpls.yaml");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->routers.size(), 8u);
  ASSERT_EQ(m->vpls.size(), 1u);
  EXPECT_EQ(m->vpls[0].sites.size(), 8u);
}

TEST(YamlExamples, AttMplsOnItsZooBackbone) {
  Result<Topology> r = load_topology("topologies/attmpls.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->routers.size(), 25u);
  EXPECT_EQ(r->find_router("NY54")->role, RouterRole::pe);
  EXPECT_EQ(r->find_router("WASH")->role, RouterRole::p);
  EXPECT_EQ(r->find_router("NY54")->where.file, "topologies/zoo/AttMpls.graphml");
  EXPECT_EQ(r->vpls.size(), 1u);
  EXPECT_EQ(r->vpws.size(), 1u);
}
