// What `l2vpn sim` writes besides its report: packet captures of chosen
// links (--pcap), the topology drawn with each link's load (--svg), and the
// report's VPLS flooding costs, checked by hand on the default topology.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "controlplane/network.hpp"
#include "controlplane/yaml_loader.hpp"
#include "sim/backbone.hpp"
#include "sim/capture.hpp"
#include "sim/default_topology.hpp"
#include "sim/emulator.hpp"
#include "sim/report_svg.hpp"
#include "tests/sim/sim_test_env.hpp"

namespace l2vpn::sim {
namespace {

namespace fs = std::filesystem;

using test_env::default_topology;

bool have(const char* tool) {
  return std::system(fmt::format("command -v {} >/dev/null 2>&1", tool).c_str()) == 0;
}

fs::path fresh_dir(const std::string& name) {
  auto d = fs::temp_directory_path() / fmt::format("l2vpn-{}-{}", name, getpid());
  fs::remove_all(d);
  return d;
}

TEST(EmulatorOutputs, CapturesOpenInTsharkAndLoadDrawingIsWritten) {
  auto topo = default_topology();
  EmulatorOptions o;
  o.duration_ns = 60'000'000;
  auto emu = Emulator::create(topo, o, test_env::pool(), test_env::rcu());
  ASSERT_TRUE(emu.ok()) << emu.error().message;
  const fs::path dir = fresh_dir("pcap");
  auto bad = open_captures((*emu)->backbone(), dir.string(), {"pe1:p9"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("p9"), std::string::npos) << bad.error().message;
  auto caps = open_captures((*emu)->backbone(), dir.string(), {"pe1:p1", "p2:pe2"});
  ASSERT_TRUE(caps.ok()) << caps.error().message;
  auto report = (*emu)->run();
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->ok());
  const auto paths = (*caps)->paths();
  const uint64_t frames = (*caps)->frames();
  ASSERT_TRUE((*caps)->close().ok());
  caps->reset();
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_GT(frames, 0u);
  for (auto& p : paths) EXPECT_TRUE(fs::exists(p)) << p;

  // The drawing (graphviz) from the backbone the run left.
  if (have("dot")) {
    const fs::path svg = dir / "load.svg";
    const auto& bb = (*emu)->backbone();
    auto st = write_svg(to_dot_with_load(bb.topology(), bb, o.duration_ns), svg.string());
    ASSERT_TRUE(st.ok()) << st.error().message;
    std::ifstream f(svg);
    std::stringstream text;
    text << f.rdbuf();
    EXPECT_NE(text.str().find("<svg"), std::string::npos);
    EXPECT_NE(text.str().find("pe1"), std::string::npos);
  } else {
    ADD_FAILURE() << "graphviz 'dot' missing: the load drawing was not checked";
  }

  if (!have("tshark")) GTEST_SKIP() << "tshark not installed: the pcapng files were written but not read back";
  uint64_t read = 0;
  for (auto& p : paths) {
    const std::string out = (dir / "count.txt").string();
    const int rc = std::system(fmt::format("tshark -r '{}' -T fields -e frame.number > '{}' 2>/dev/null", p, out).c_str());
    ASSERT_EQ(rc, 0) << "tshark cannot read " << p;
    std::ifstream f(out);
    std::string line;
    while (std::getline(f, line)) read += !line.empty();
  }
  EXPECT_EQ(read, frames);
  fs::remove_all(dir);
}

// Flooding costs on the default topology, by hand. Every LSP between two of
// its PEs is two links (pe1-p2-pe2 20 < pe1-pe2 30; pe1-p1-pe3 25 < 30 via
// p2-p3; pe2-p3-pe3 20), with PHP: the first link carries the transport and
// the PW label, the second the PW label alone; the cache instance uses the
// control word. A flooded frame of L bytes (60: ARP requests and mac-flood
// frames are minimum size) costs, per peer, (14+8+4+L) + (14+4+4+L), so
// with two peers 4L + 96 under ingress replication. The shortest-path tree
// from each PE reaches the other two over two links each: 4 edges of one
// label, 4 * (14+4+4+L) = 4L + 88.
TEST(EmulatorOutputs, FloodCostsOnTheDefaultTopologyByHand) {
  auto topo = default_topology();
  auto state = cp::compute(topo);
  ASSERT_TRUE(state.ok()) << state.error().message;
  for (auto [a, b] : {std::pair{"pe1", "pe2"}, {"pe1", "pe3"}, {"pe2", "pe3"}, {"pe2", "pe1"},
                      {"pe3", "pe1"}, {"pe3", "pe2"}}) {
    auto lsp = cp::trace_lsp(*state, topo, a, b);
    ASSERT_TRUE(lsp.ok() && lsp->complete) << a << ">" << b;
    ASSERT_EQ(lsp->hops.size(), 3u) << a << ">" << b;
    EXPECT_TRUE(lsp->hops[0].out_label.has_value());  // transport label to the P router
    EXPECT_FALSE(lsp->hops[1].out_label.has_value());  // PHP
  }
  for (bool p2mp : {false, true}) {
    SCOPED_TRACE(p2mp ? "p2mp_tree" : "ingress_replication");
    cp::Topology t = topo;
    if (p2mp) t.vpls[0].bum_mode = BumMode::p2mp_tree;
    EmulatorOptions o;
    o.duration_ns = 300'000'000;
    o.events.push_back(*parse_event("100ms mac-flood dc1-cache 50"));
    auto emu = Emulator::create(t, o, test_env::pool(), test_env::rcu());
    ASSERT_TRUE(emu.ok()) << emu.error().message;
    auto r = (*emu)->run();
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->flooding.size(), 3u);
    for (auto& f : r->flooding) {
      SCOPED_TRACE(f.pe);
      EXPECT_EQ(f.service, "cache");
      EXPECT_EQ(f.mode, p2mp ? "p2mp_tree" : "ingress_replication");
      EXPECT_EQ(f.peers, 2u);
      EXPECT_EQ(f.ir_links, 4u);
      EXPECT_EQ(f.tree_edges, 4u);
      EXPECT_GT(f.frames, 0u);
      EXPECT_EQ(f.bytes, 60 * f.frames);
      EXPECT_EQ(f.ingress_replication_bytes, f.frames * (4 * 60 + 96));
      EXPECT_EQ(f.p2mp_tree_bytes, f.frames * (4 * 60 + 88));
      // The dataplane flooded to each mesh PW what the hosts sent (ingress replication).
      EXPECT_EQ(f.pe_flooded, p2mp ? 0 : f.frames);
    }
    EXPECT_GE(r->flooding[0].frames, 50u);  // pe1: dc1-cache's mac flood
  }
}

// The same run with and without a MAC flood of 100 frames from dc1-cache
// (same seed: the rest of the traffic is identical): the backbone carried
// exactly the bytes the flooding figures say, in both modes.
TEST(EmulatorOutputs, FloodBytesMatchTheMeasuredLinkBytes) {
  for (bool p2mp : {false, true}) {
    SCOPED_TRACE(p2mp ? "p2mp_tree" : "ingress_replication");
    cp::Topology t = default_topology();
    if (p2mp) t.vpls[0].bum_mode = BumMode::p2mp_tree;
    auto backbone_bytes = [&](bool flood, FloodRow* pe1) {
      EmulatorOptions o;
      o.duration_ns = 200'000'000;
      if (flood) o.events.push_back(*parse_event("100ms mac-flood dc1-cache 100"));
      auto emu = Emulator::create(t, o, test_env::pool(), test_env::rcu());
      EXPECT_TRUE(emu.ok()) << emu.error().message;
      if (!emu.ok()) return uint64_t(0);
      auto r = (*emu)->run();
      EXPECT_TRUE(r.ok() && r->ok());
      if (!r.ok()) return uint64_t(0);
      uint64_t bytes = 0;
      for (auto& l : r->links) bytes += l.bytes;
      if (pe1) *pe1 = r->flooding.at(0);
      return bytes;
    };
    FloodRow with, without;
    const uint64_t quiet = backbone_bytes(false, &without);
    const uint64_t flooded = backbone_bytes(true, &with);
    ASSERT_EQ(with.pe, "pe1");
    EXPECT_EQ(with.frames, without.frames + 100);
    const uint64_t expected = p2mp ? with.p2mp_tree_bytes - without.p2mp_tree_bytes
                                   : with.ingress_replication_bytes - without.ingress_replication_bytes;
    EXPECT_EQ(expected, 100u * (p2mp ? 328 : 336));
    EXPECT_EQ(flooded - quiet, expected);
  }
}

}  // namespace
}  // namespace l2vpn::sim
