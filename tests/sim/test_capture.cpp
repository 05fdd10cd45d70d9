// Link captures: the pcapng files are well formed (read back here, block by
// block) and an independent decoder, tshark, finds in them what the control
// plane says must be on that wire: the transport label, the PW label, the
// control word and the customer's Ethernet frame.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "controlplane/network.hpp"
#include "controlplane/yaml_loader.hpp"
#include "sim/backbone.hpp"
#include "sim/capture.hpp"
#include "sim/default_topology.hpp"
#include "sim/service_check.hpp"
#include "tests/sim/sim_test_env.hpp"

namespace l2vpn::sim {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<cp::Network> default_network() {
  auto topo = cp::parse_topology_yaml(kDefaultTopologyYaml, kDefaultTopologyName);
  EXPECT_TRUE(topo.ok());
  auto net = cp::Network::create(*topo);
  EXPECT_TRUE(net.ok()) << (net.ok() ? "" : net.error().message);
  return std::move(*net);
}

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::path(::testing::TempDir()) / name;
  fs::remove_all(d);
  return d;
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream is(s);
  while (std::getline(is, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

// What the file holds, block by block.
struct PcapngSummary {
  bool ok = false;
  std::string error;
  unsigned interfaces = 0;
  std::vector<std::pair<uint32_t, uint64_t>> packets;  // (interface, ns)
};

PcapngSummary read_pcapng(const fs::path& path) {
  PcapngSummary s;
  std::ifstream in(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), {});
  auto u32 = [&](size_t off) {
    uint32_t v;
    std::memcpy(&v, data.data() + off, 4);
    return v;
  };
  size_t off = 0;
  while (off < data.size()) {
    if (off + 12 > data.size()) return s.error = "truncated block header", s;
    uint32_t type = u32(off), len = u32(off + 4);
    if (len < 12 || len % 4 || off + len > data.size()) return s.error = "bad block length", s;
    if (u32(off + len - 4) != len) return s.error = "trailing length differs", s;
    if (off == 0 && (type != 0x0A0D0D0A || u32(8) != 0x1A2B3C4D)) return s.error = "no section header", s;
    if (type == 1) ++s.interfaces;
    if (type == 6) {
      uint32_t ifid = u32(off + 8);
      if (ifid >= s.interfaces) return s.error = "packet on an undeclared interface", s;
      uint64_t ns = (uint64_t(u32(off + 12)) << 32) | u32(off + 16);
      uint32_t cap = u32(off + 20);
      if (28 + ((cap + 3) & ~3u) + 4 != len) return s.error = "captured length does not fit the block", s;
      s.packets.push_back({ifid, ns});
    }
    off += len;
  }
  s.ok = true;
  return s;
}

TEST(Capture, InvalidSpecsAreErrors) {
  auto net = default_network();
  auto bb = Backbone::build(net->topology(), net->state(), test_env::rcu());
  ASSERT_TRUE(bb.ok()) << bb.error().message;
  const std::string dir = fresh_dir("l2vpn_capture_invalid").string();
  auto none = open_captures(**bb, dir, {});
  ASSERT_FALSE(none.ok());
  auto unknown = open_captures(**bb, dir, {"pe1:pe9"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("pe1:pe9"), std::string::npos) << unknown.error().message;
  auto malformed = open_captures(**bb, dir, {"pe1"});
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.error().message.find("pe1"), std::string::npos);
  // A directory that cannot be made: a file is in the way.
  fs::create_directories(dir);
  std::ofstream(dir + "/file") << "x";
  auto blocked = open_captures(**bb, dir + "/file/sub", {"all"});
  ASSERT_FALSE(blocked.ok());
  EXPECT_NE(blocked.error().message.find("file/sub"), std::string::npos) << blocked.error().message;
}

// What `--pcap DIR [--pcap-links ...]` opens (sim and run share it).
TEST(Capture, PcapOptionNothingWithoutDirEveryLinkWithoutNames) {
  auto net = default_network();
  const auto& t = net->topology();
  auto bb = Backbone::build(t, net->state(), test_env::rcu());
  ASSERT_TRUE(bb.ok());
  auto off = open_pcap_option(**bb, "", {"p1:p2"});
  ASSERT_TRUE(off.ok()) << off.error().message;
  EXPECT_EQ(off->get(), nullptr);
  const fs::path dir = fresh_dir("l2vpn_capture_option");
  auto all = open_pcap_option(**bb, dir.string(), {});
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ((*all)->captures.size(), t.links.size());
  ASSERT_TRUE((*all)->close().ok());
  auto one = open_pcap_option(**bb, dir.string(), {"p1:p2"});
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ((*one)->captures.size(), 1u);
  ASSERT_TRUE((*one)->close().ok());
  auto bad = open_pcap_option(**bb, dir.string(), {"p1:nowhere"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("p1:nowhere"), std::string::npos) << bad.error().message;
}

TEST(Capture, AllLinksOneFileEachNamedByEnds) {
  auto net = default_network();
  const auto& t = net->topology();
  auto bb = Backbone::build(t, net->state(), test_env::rcu());
  ASSERT_TRUE(bb.ok());
  const fs::path dir = fresh_dir("l2vpn_capture_all");
  auto caps = open_captures(**bb, dir.string(), {"all", "p1:p2"});  // p1:p2 again: one file
  ASSERT_TRUE(caps.ok()) << caps.error().message;
  EXPECT_EQ((*caps)->captures.size(), t.links.size());
  check_services(**bb, t, net->state(), test_env::pool(), 4);
  const uint64_t frames = (*caps)->frames();
  ASSERT_TRUE((*caps)->close().ok());
  EXPECT_GT(frames, 0u);
  uint64_t in_files = 0;
  for (auto& l : t.links) {
    fs::path f = dir / (l.a + "--" + l.b + ".pcapng");
    ASSERT_TRUE(fs::exists(f)) << f;
    auto s = read_pcapng(f);
    ASSERT_TRUE(s.ok) << f << ": " << s.error;
    EXPECT_EQ(s.interfaces, 2u);
    in_files += s.packets.size();
    // Per direction, arrivals are in time order and after the propagation delay.
    uint64_t last[2] = {0, 0};
    for (auto [ifid, ns] : s.packets) {
      EXPECT_GE(ns, uint64_t(l.delay_us * 1000)) << f;
      EXPECT_GE(ns, last[ifid]) << f;
      last[ifid] = ns;
    }
  }
  EXPECT_EQ(in_files, frames);
  // Every frame delivered on a link is in its capture.
  uint64_t delivered = 0;
  for (auto& e : (*bb)->links()) delivered += e.a_to_b->stats().frames + e.b_to_a->stats().frames;
  EXPECT_EQ(delivered, frames);
}

TEST(Capture, TsharkDecodesTransportLabelPwLabelControlWordAndInnerEthernet) {
  auto net = default_network();
  const auto& t = net->topology();
  const auto& state = net->state();
  // A VPWS whose first hop pushes a transport label (no PHP on that link),
  // so the captured stack is [transport, PW].
  const cp::PwStatus* near = nullptr;
  cp::Lsp lsp;
  for (auto& pw : state.pseudowires) {
    if (pw.kind != cp::PwKind::vpws || !pw.up) continue;
    auto l = cp::trace_lsp(state, t, pw.router, pw.peer);
    ASSERT_TRUE(l.ok()) << l.error().message;
    if (l->complete && l->hops.size() >= 3 && l->hops[0].out_label) {
      near = &pw;
      lsp = *l;
      break;
    }
  }
  ASSERT_NE(near, nullptr) << "the default topology has no VPWS with a transport label on its first hop";
  const uint32_t transport = *lsp.hops[0].out_label;
  int link = -1;
  for (uint32_t i = 0; i < t.links.size(); ++i) {
    auto& l = t.links[i];
    if ((l.a == near->router && l.a_port == lsp.hops[0].out_port) ||
        (l.b == near->router && l.b_port == lsp.hops[0].out_port))
      link = int(i);
  }
  ASSERT_GE(link, 0);
  const auto& l = t.links[size_t(link)];
  const uint32_t out_iface = l.a == near->router ? 0 : 1;  // near -> next hop
  // Does the way back come over this link too?
  auto back = cp::trace_lsp(state, t, near->peer, near->router);
  ASSERT_TRUE(back.ok() && back->complete && back->hops.size() >= 2);
  const auto& into = back->hops[back->hops.size() - 2];
  const bool back_here = (into.router == l.a && into.out_port == l.a_port) ||
                         (into.router == l.b && into.out_port == l.b_port);

  auto bb = Backbone::build(t, state, test_env::rcu());
  ASSERT_TRUE(bb.ok());
  const fs::path dir = fresh_dir("l2vpn_capture_tshark");
  auto caps = open_captures(**bb, dir.string(), {l.b + ":" + l.a});  // either order
  ASSERT_TRUE(caps.ok()) << caps.error().message;
  const unsigned frames = 40;
  auto report = check_services(**bb, t, state, test_env::pool(), frames);
  ASSERT_TRUE(report.ok()) << report.table();
  ASSERT_TRUE((*caps)->close().ok());
  const fs::path file = dir / (l.a + "--" + l.b + ".pcapng");
  ASSERT_TRUE(fs::exists(file));

  if (run("command -v tshark").empty())
    GTEST_SKIP() << "tshark is not installed (Debian package tshark): the file is written and "
                    "well formed, but not decoded by an independent reader";

  // Name both PW labels of this service (the heuristic guesses wrong on
  // inner MACs with a leading 0 nibble, as ours have).
  const std::string cmd = fmt::format(
      "tshark -r '{}' -d mpls.label=={},pwethcw -d mpls.label=={},pwethcw "
      "-Y 'mpls.label=={} || mpls.label=={}' -T fields -E separator=/t -E occurrence=a "
      "-e frame.interface_id -e frame.time_epoch -e mpls.label -e mpls.bottom -e pweth.cw "
      "-e eth.type -e vlan.etype -e eth.dst 2>/dev/null",
      file.string(), near->remote_label, near->local_label, near->remote_label, near->local_label);
  const std::string out = run(cmd);
  unsigned forward = 0, backward = 0;
  for (auto& line : split(out, '\n')) {
    if (line.empty()) continue;
    auto f = split(line, '\t');
    ASSERT_EQ(f.size(), 8u) << "unexpected tshark output: " << line << "\n" << cmd;
    const uint32_t iface = uint32_t(std::stoul(f[0]));
    const double when = std::stod(f[1]);
    EXPECT_GT(when, 0.0) << line;
    EXPECT_LT(when, 10.0) << "timestamps are virtual time since start: " << line;
    auto labels = split(f[2], ',');
    auto bottoms = split(f[3], ',');
    ASSERT_FALSE(labels.empty());
    ASSERT_EQ(labels.size(), bottoms.size()) << line;
    EXPECT_EQ(bottoms.back(), "1") << line;
    EXPECT_EQ(f[4], "1") << "no control word decoded: " << line;
    // Outer 0x8847, then the customer's frame: probe EtherType 0x88b5 (after a VLAN tag if any).
    auto types = split(f[5], ',');
    ASSERT_GE(types.size(), 2u) << line;
    EXPECT_EQ(types[0], "0x8847") << line;
    EXPECT_TRUE(types.back() == "0x88b5" || f[6] == "0x88b5") << line;
    auto dsts = split(f[7], ',');
    ASSERT_EQ(dsts.size(), 2u) << line;
    EXPECT_EQ(dsts[1].rfind("02:5e:00:00:", 0), 0u) << "inner destination is a probe host: " << line;
    if (iface == out_iface) {
      // near -> peer: [transport, PW label the peer signalled]
      ASSERT_EQ(labels.size(), 2u) << line;
      EXPECT_EQ(labels[0], std::to_string(transport)) << line;
      EXPECT_EQ(bottoms[0], "0") << line;
      EXPECT_EQ(labels[1], std::to_string(near->remote_label)) << line;
      ++forward;
    } else {
      // peer -> near: the PW label near signalled, at the bottom.
      EXPECT_EQ(labels.back(), std::to_string(near->local_label)) << line;
      ++backward;
    }
  }
  EXPECT_EQ(forward, frames) << out;
  EXPECT_EQ(backward, back_here ? frames : 0u) << out;
}

}  // namespace
}  // namespace l2vpn::sim
