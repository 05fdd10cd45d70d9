// LSP ping and traceroute in the emulator (issue 18, sim/oam_agent.hpp):
// requests leave the initiator through its FTN, every router on the way
// forwards them with its real tables, the routers where the TTL expires or
// the LSP ends punt them and their agent answers from its ForwardingState,
// the reply comes back over the responder's LSP. The proof: traces from
// every PE to every PE of default.yaml and of the AttMpls backbone walk the
// same routers and labels as the control plane's tables (every ECMP branch
// with multipath); a trace after a link-down shows the new path; a ping
// whose FEC the egress does not serve gets return code 4 or 10; bad
// actions in a scenario are refused naming file, line and entry.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <functional>
#include <set>

#include "controlplane/network.hpp"
#include "controlplane/yaml_loader.hpp"
#include "sim/emulator.hpp"
#include "sim/scenario.hpp"
#include "tests/sim/sim_test_env.hpp"

namespace l2vpn::sim {
namespace {

// (router, label it received) from the ingress (no label) to the egress.
using Path = std::vector<std::pair<std::string, std::optional<uint32_t>>>;

std::string show(const Path& p) {
  std::string out;
  for (auto& [r, l] : p) out += fmt::format("{}{}({})", out.empty() ? "" : " ", r, l ? std::to_string(*l) : "-");
  return out;
}

std::string neighbour(const cp::Topology& t, const std::string& router, const std::string& port) {
  for (auto& l : t.links) {
    if (l.a == router && l.a_port == port) return l.b;
    if (l.b == router && l.b_port == port) return l.a;
  }
  return "?";
}

// Every path of the LSP from `ingress` to `egress` through the emitted
// tables, every ECMP member at every router: what the control plane built.
std::set<Path> table_paths(const cp::NetworkState& st, const cp::Topology& t, const std::string& ingress,
                           const std::string& egress) {
  std::set<Path> out;
  const std::string fec = t.find_router(egress)->loopback + "/32";
  const ForwardingState& in = *st.router(ingress);
  std::function<void(Path, const std::string&, std::optional<uint32_t>)> walk =
      [&](Path p, const std::string& at, std::optional<uint32_t> label) {
        p.emplace_back(at, label);
        if (p.size() > 64) return;
        if (at == egress) {
          out.insert(p);
          return;
        }
        const ForwardingState& fs = *st.router(at);
        for (const IlmEntry& e : fs.ilm) {
          if (!label || e.label != *label) continue;
          std::vector<const Nhlfe*> nhs;
          if (e.action == IlmAction::forward) nhs.push_back(fs.find_nhlfe(e.target));
          if (e.action == IlmAction::ecmp)
            for (uint32_t id : fs.find_ecmp(e.target)->nhlfes) nhs.push_back(fs.find_nhlfe(id));
          for (const Nhlfe* n : nhs) {
            std::optional<uint32_t> next;
            if (n->op != NhlfeOp::pop && !n->labels.empty()) next = n->labels.back();
            walk(p, neighbour(t, at, n->out_port), next);
          }
        }
      };
  for (const FtnEntry& f : in.ftn) {
    if (f.fec != fec) continue;
    for (const Nhlfe* n : in.nhlfes_of(f.next_hop)) {
      std::optional<uint32_t> next;
      if (!n->labels.empty()) next = n->labels.front();
      walk(Path{{ingress, std::nullopt}}, neighbour(t, ingress, n->out_port), next);
    }
  }
  return out;
}

Path trace_path(const OamResult& r, const OamPath& p) {
  Path out{{r.router, std::nullopt}};
  for (auto& h : p.hops) out.emplace_back(h.responder, h.in_label);
  return out;
}

EmulatorOptions quiet(uint64_t duration_ms) {
  EmulatorOptions o;
  o.duration_ns = duration_ms * 1'000'000;
  o.workload.memcached_rps = 0;
  o.workload.redis_mbps = 0;
  o.workload.imix_pps = 0;
  o.workload.arp_interval_ns = 0;
  return o;
}

OamActionSpec trace(uint64_t at_ms, const std::string& from, const std::string& fec, bool multipath) {
  OamActionSpec a;
  a.kind = OamActionSpec::Kind::trace;
  a.at_ns = at_ms * 1'000'000;
  a.router = from;
  a.fec = fec;
  a.multipath = multipath;
  a.text = fmt::format("{}ms lsp-trace {} {}{}", at_ms, from, fec, multipath ? " multipath" : "");
  return a;
}

OamActionSpec ping(uint64_t at_ms, const std::string& from, const std::string& fec, uint32_t count = 1,
                   const std::string& via = "") {
  OamActionSpec a;
  a.kind = OamActionSpec::Kind::ping;
  a.at_ns = at_ms * 1'000'000;
  a.router = from;
  a.fec = fec;
  a.count = count;
  a.via = via;
  a.text = fmt::format("{}ms lsp-ping {} {}", at_ms, from, fec);
  return a;
}

struct SimRun {
  Report report;
  cp::NetworkState final_state;
};

SimRun run(const cp::Topology& topo, EmulatorOptions o) {
  auto emu = Emulator::create(topo, std::move(o), test_env::pool(), test_env::rcu());
  EXPECT_TRUE(emu.ok()) << (emu.ok() ? "" : emu.error().message);
  if (!emu.ok()) return {};
  auto r = (*emu)->run();
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  if (!r.ok()) return {};
  return SimRun{*r, (*emu)->network().state()};
}

// Every PE to every other PE, with and without multipath, against the tables.
void every_pair(const cp::Topology& topo, size_t& pairs, size_t& branches, size_t& unreached) {
  auto o = quiet(50);
  std::vector<std::pair<std::string, std::string>> order;
  uint64_t at = 1;
  for (auto& a : topo.routers)
    for (auto& b : topo.routers) {
      if (a.role != cp::RouterRole::pe || b.role != cp::RouterRole::pe || a.name == b.name) continue;
      o.oam.push_back(trace(at, a.name, b.loopback, true));
      o.oam.push_back(trace(at, a.name, b.loopback, false));
      order.emplace_back(a.name, b.name);
      ++at;
    }
  SimRun run_ = run(topo, o);
  const Report& r = run_.report;
  ASSERT_EQ(r.oam.size(), 2 * order.size());
  auto net = cp::compute(topo);
  ASSERT_TRUE(net.ok());
  for (size_t i = 0; i < order.size(); ++i) {
    const auto& [a, b] = order[i];
    const std::string what = fmt::format("{}: {} -> {}", topo.name, a, b);
    const std::set<Path> want = table_paths(*net, topo, a, b);
    ASSERT_FALSE(want.empty()) << what;
    // Multipath: every branch, complete, and nothing else.
    // A branch no entropy label takes (polarization: consecutive routers
    // splitting the set the same way) ends where it splits off, naming the
    // router it would go to: with it, every path of the tables is
    // accounted for.
    const OamResult& mp = r.oam[2 * i];
    EXPECT_TRUE(mp.error.empty()) << what << ": " << mp.error;
    std::set<Path> got, covered;
    for (auto& p : mp.paths) {
      Path tp = trace_path(mp, p);
      if (!p.unreached.router.empty()) {
        ++unreached;
        EXPECT_FALSE(p.complete);
        std::optional<uint32_t> l;
        if (!p.unreached.labels.empty() && p.unreached.labels.front() != 3) l = p.unreached.labels.front();
        tp.emplace_back(p.unreached.router, l);
        bool prefix_of_one = false;
        for (auto& w : want)
          if (w.size() >= tp.size() && std::equal(tp.begin(), tp.end(), w.begin())) {
            covered.insert(w);
            prefix_of_one = true;
          }
        EXPECT_TRUE(prefix_of_one) << what << ": unreached branch " << show(tp);
        continue;
      }
      EXPECT_TRUE(p.complete) << what << ": " << show(tp) << " ended: " << p.end;
      if (p.complete) {
        EXPECT_EQ(p.hops.back().return_code, 3) << what;
        EXPECT_EQ(p.hops.back().responder, b) << what;
        for (size_t h = 0; h + 1 < p.hops.size(); ++h) EXPECT_EQ(p.hops[h].return_code, 8) << what;
      }
      got.insert(tp);
      EXPECT_TRUE(want.count(tp)) << what << ": " << show(tp) << " is no path of the tables";
    }
    for (auto& w : want) EXPECT_TRUE(got.count(w) || covered.count(w)) << what << ": missed " << show(w);
    branches += got.size();
    // Without multipath: one path, one of the tables' (the first ECMP
    // member at the ingress, the fast path's hash beyond), and the control
    // plane's trace_lsp (what `l2vpn topo` lists) when there is one path.
    const OamResult& one = r.oam[2 * i + 1];
    ASSERT_EQ(one.paths.size(), 1u) << what;
    EXPECT_TRUE(one.paths[0].complete) << what << ": " << one.paths[0].end;
    const Path p = trace_path(one, one.paths[0]);
    EXPECT_TRUE(want.count(p)) << what << ": " << show(p);
    auto lsp = cp::trace_lsp(*net, topo, a, b);
    ASSERT_TRUE(lsp.ok()) << what;
    Path cp_path;
    for (auto& h : lsp->hops) cp_path.emplace_back(h.router, h.in_label);
    EXPECT_TRUE(want.count(cp_path)) << what << ": trace_lsp " << show(cp_path);
    if (want.size() == 1) {
      EXPECT_EQ(p, cp_path) << what;
    }
    // Round trip: at least twice the path's propagation (1 link minimum).
    for (auto& h : one.paths[0].hops) EXPECT_GT(h.rtt_us, 0.0) << what;
    ++pairs;
  }
  // Every request answered, the routers' counters add up, nothing an OAM
  // frame should not cost (ordinary drops stay zero on a quiet network).
  EXPECT_TRUE(r.router_drops.empty()) << nlohmann::json(r.router_drops).dump();
}

TEST(SimOam, TracesFromEveryPeMatchTheControlPlanesLspsDefaultTopology) {
  size_t pairs = 0, branches = 0, unreached = 0;
  every_pair(test_env::default_topology(), pairs, branches, unreached);
  EXPECT_EQ(pairs, 6u);
  std::printf("[oam] default.yaml: %zu PE pairs, %zu paths with multipath, %zu branches no frame takes\n", pairs,
              branches, unreached);
}

TEST(SimOam, TracesFromEveryPeMatchTheControlPlanesLspsAttMpls) {
  auto t = cp::load_topology("topologies/attmpls.yaml");
  ASSERT_TRUE(t.ok()) << t.error().message;
  size_t pairs = 0, branches = 0, unreached = 0;
  every_pair(*t, pairs, branches, unreached);
  EXPECT_GT(pairs, 6u);
  EXPECT_GT(branches, pairs) << "AttMpls has ECMP: multipath finds more paths than pairs";
  // Each router's ECMP seed (contract/ecmp_hash.hpp) undoes the
  // polarization that left CLEV -> STLS (NY54 -> DLLS) to no frame: every
  // path of the tables is taken (was 43 paths and 1 unreached branch).
  EXPECT_EQ(branches, 44u);
  EXPECT_EQ(unreached, 0u);
  std::printf("[oam] attmpls.yaml: %zu PE pairs, %zu paths with multipath, %zu branches no frame takes\n", pairs,
              branches, unreached);
}

TEST(SimOam, ATraceAfterALinkDownShowsTheNewPath) {
  auto topo = test_env::default_topology();
  const std::string fec = topo.find_router("pe3")->loopback;
  auto o = quiet(200);
  o.oam.push_back(trace(10, "pe1", fec, true));
  o.oam.push_back(trace(150, "pe1", fec, true));  // after the recomputation (50 ms)
  EventSpec down;
  down.at_ns = 50'000'000;
  down.kind = EventKind::link_down;
  down.a = "pe1";
  down.b = "p1";
  down.text = "50ms link-down pe1:p1";
  o.events.push_back(down);
  SimRun rn = run(topo, o);
  const Report& r = rn.report;
  ASSERT_EQ(r.oam.size(), 2u);
  auto before = cp::compute(topo);
  ASSERT_TRUE(before.ok());
  std::set<Path> got_before, got_after;
  for (auto& p : r.oam[0].paths) got_before.insert(trace_path(r.oam[0], p));
  for (auto& p : r.oam[1].paths) {
    EXPECT_TRUE(p.complete) << p.end;
    got_after.insert(trace_path(r.oam[1], p));
  }
  EXPECT_EQ(got_before, table_paths(*before, topo, "pe1", "pe3"));
  EXPECT_EQ(got_after, table_paths(rn.final_state, topo, "pe1", "pe3"));
  EXPECT_NE(got_before, got_after);
  for (auto& p : got_after)
    for (size_t i = 0; i + 1 < p.size(); ++i)
      EXPECT_FALSE(p[i].first == "pe1" && p[i + 1].first == "p1") << "the new path avoids the cut link: " << show(p);
}

TEST(SimOam, PingGetsTheReturnCodeRfc8029GivesForTheCase) {
  auto topo = test_env::default_topology();
  const std::string pe3 = topo.find_router("pe3")->loopback, pe2 = topo.find_router("pe2")->loopback,
                    p1 = topo.find_router("p1")->loopback;
  auto o = quiet(100);
  o.oam.push_back(ping(10, "pe1", pe3, 3));          // 3: egress for the FEC
  o.oam.push_back(ping(20, "pe1", p1 + "/32", 1, "pe3"));  // p1's loopback is no FEC: 4, no mapping
  o.oam.push_back(ping(30, "pe1", pe2, 1, "pe3"));    // pe3 binds pe2's FEC, not as the egress: 10
  SimRun rn = run(topo, o);
  const Report& r = rn.report;
  ASSERT_EQ(r.oam.size(), 3u);
  ASSERT_EQ(r.oam[0].replies.size(), 3u);
  EXPECT_EQ(r.oam[0].sent, 3u);
  EXPECT_EQ(r.oam[0].received, 3u);
  for (auto& h : r.oam[0].replies) {
    EXPECT_TRUE(h.replied);
    EXPECT_EQ(h.responder, "pe3");
    EXPECT_EQ(h.return_code, 3);
    // pe1 -> p1 -> pe3 and back: 2 x (100 us + 2 ms) of propagation at least.
    EXPECT_GE(h.rtt_us, 4200.0);
    EXPECT_LT(h.rtt_us, 4300.0);
  }
  ASSERT_EQ(r.oam[1].replies.size(), 1u);
  EXPECT_TRUE(r.oam[1].replies[0].replied);
  EXPECT_EQ(r.oam[1].replies[0].responder, "pe3");
  EXPECT_EQ(r.oam[1].replies[0].return_code, 4);
  ASSERT_EQ(r.oam[2].replies.size(), 1u);
  EXPECT_EQ(r.oam[2].replies[0].return_code, 10);
  // In the JSON and the text report.
  auto j = nlohmann::json::parse(to_json(r));
  ASSERT_TRUE(j.contains("oam"));
  EXPECT_EQ(j["oam"][0]["kind"], "lsp-ping");
  EXPECT_EQ(j["oam"][0]["replies"][0]["return_code"], 3);
  EXPECT_EQ(j["oam"][1]["replies"][0]["return_text"], r.oam[1].replies[0].return_text);
  EXPECT_NE(format_report(r).find("lsp-ping from pe1 to " + pe3 + "/32"), std::string::npos) << format_report(r);
}

TEST(SimOam, SameSeedSameJson) {
  auto topo = test_env::default_topology();
  auto o = quiet(60);
  o.workload.imix_pps = 2000;  // OAM among ordinary traffic
  o.oam.push_back(trace(10, "pe1", topo.find_router("pe2")->loopback, true));
  o.oam.push_back(ping(20, "pe3", topo.find_router("pe1")->loopback, 5));
  const std::string a = to_json(run(topo, o).report), b = to_json(run(topo, o).report);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find("\"oam\""), std::string::npos);
}

TEST(SimOam, NoActionsNoOamInTheReport) {
  SimRun rn = run(test_env::default_topology(), quiet(20));
  EXPECT_TRUE(rn.report.oam.empty());
  EXPECT_FALSE(nlohmann::json::parse(to_json(rn.report)).contains("oam"));
}

// ------------------------------------------------------------ the scenario format
constexpr const char* kScenarioHead = "topology: ../default.yaml\nduration: 100ms\nevents:\n";

TEST(SimOamScenario, ReadsPingAndTrace) {
  auto s = parse_scenario(std::string(kScenarioHead) +
                              "  - {at: 10ms, lsp_ping: pe1, fec: 10.255.0.3, count: 5, interval: 1ms}\n"
                              "  - {at: 20ms, lsp_trace: pe2, fec: 10.255.0.1/32, multipath: true}\n"
                              "  - {at: 30ms, link_down: pe1:p1}\n",
                          "s.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->options.oam.size(), 2u);
  EXPECT_EQ(s->options.events.size(), 1u);
  auto& p = s->options.oam[0];
  EXPECT_EQ(p.kind, OamActionSpec::Kind::ping);
  EXPECT_EQ(p.router, "pe1");
  EXPECT_EQ(p.count, 5u);
  EXPECT_EQ(p.interval_ns, 1'000'000u);
  EXPECT_EQ(p.at_ns, 10'000'000u);
  EXPECT_EQ(p.line, 4);
  EXPECT_EQ(p.text, "10ms lsp-ping pe1 10.255.0.3/32 count 5");
  auto& t = s->options.oam[1];
  EXPECT_EQ(t.kind, OamActionSpec::Kind::trace);
  EXPECT_TRUE(t.multipath);
  EXPECT_EQ(t.text, "20ms lsp-trace pe2 10.255.0.1/32 multipath");
  EXPECT_TRUE(check_scenario(*s, test_env::default_topology()).ok());
}

TEST(SimOamScenario, BadActionsNameFileLineAndEntry) {
  struct Case {
    const char* entry;
    const char* says;
  };
  // Syntax and ranges (parse_scenario).
  for (Case c : {Case{"{at: 10ms, lsp_ping: pe1, fec: 10.255.0.3, count: 100000}", "'count': '100000' is not a whole number in [1, 1000]"},
                 Case{"{at: 10ms, lsp_ping: pe1, fec: 10.255.0.3, count: 0}", "is not a whole number in [1, 1000]"},
                 Case{"{at: 10ms, lsp_ping: pe1}", "lsp_ping needs 'fec'"},
                 Case{"{at: 10ms, lsp_trace: pe1, fec: pe3}", "'pe3' is not an LDP IPv4 prefix FEC"},
                 Case{"{at: 10ms, lsp_trace: pe1, fec: 10.255.0.3/24}", "is not an LDP IPv4 prefix FEC"},
                 Case{"{at: 10ms, lsp_trace: pe1, fec: 10.255.0.3, count: 2}", "'count' belongs to lsp_ping"},
                 Case{"{at: 10ms, lsp_ping: pe1, fec: 10.255.0.3, multipath: true}", "'multipath' belongs to lsp_trace"},
                 Case{"{at: 10ms, lsp_trace: pe1, fec: 10.255.0.3, max_ttl: 1000}", "[1, 64]"},
                 Case{"{at: 10ms, link_down: pe1:p1, fec: 10.255.0.3}", "'fec' belongs to lsp_ping and lsp_trace"}}) {
    auto s = parse_scenario(std::string(kScenarioHead) + "  - " + c.entry + "\n", "bad.yaml");
    ASSERT_FALSE(s.ok()) << c.entry;
    EXPECT_NE(s.error().message.find("bad.yaml:4: events[0]: "), std::string::npos) << s.error().message;
    EXPECT_NE(s.error().message.find(c.says), std::string::npos) << s.error().message;
  }
  // Names against the topology (check_scenario).
  const auto topo = test_env::default_topology();
  for (Case c : {Case{"{at: 10ms, lsp_ping: pe9, fec: 10.255.0.3}", "no router 'pe9'"},
                 Case{"{at: 10ms, lsp_ping: p1, fec: 10.255.0.3}", "router 'p1' is a P router"},
                 Case{"{at: 10ms, lsp_trace: pe1, fec: 192.0.2.1}", "fec 192.0.2.1/32 is no router's loopback"},
                 Case{"{at: 10ms, lsp_trace: pe1, fec: 10.255.0.1}", "fec 10.255.0.1/32 is pe1's own loopback"},
                 Case{"{at: 10ms, lsp_ping: pe1, fec: 10.255.0.3, via: nowhere}", "via: no router 'nowhere'"}}) {
    auto s = parse_scenario(std::string(kScenarioHead) + "  - {at: 1ms, link_down: pe1:p1}\n  - " + c.entry + "\n",
                            "bad.yaml");
    ASSERT_TRUE(s.ok()) << s.error().message;
    auto st = check_scenario(*s, topo);
    ASSERT_FALSE(st.ok()) << c.entry;
    EXPECT_NE(st.error().message.find("bad.yaml:5: events[1]: "), std::string::npos) << st.error().message;
    EXPECT_NE(st.error().message.find(c.says), std::string::npos) << st.error().message;
    // The emulator refuses them too (a caller that skipped the check).
    auto o = quiet(20);
    o.oam = s->options.oam;
    auto emu = Emulator::create(topo, o, test_env::pool(), test_env::rcu());
    EXPECT_FALSE(emu.ok()) << c.entry;
  }
}

// ------------------------------------------------------------ BFD over PWs
// A link cut without LFA is detected by BFD within the configured
// detection time (3 x 10 ms), well before the control plane's 50 ms; the
// PW says "BFD down" in the report. Same seed, same JSON.
// BFD 3 x 10 ms on every PW, no LFA, pe1-p1 cut at `cut_ms`.
EmulatorOptions bfd_cut_at(uint64_t duration_ms, uint64_t cut_ms) {
  auto o = quiet(duration_ms);
  o.lfa = false;
  o.bfd_pw.enabled = true;
  o.bfd_pw.interval_ns = 10'000'000;
  o.bfd_pw.multiplier = 3;
  EventSpec down;
  down.at_ns = cut_ms * 1'000'000;
  down.kind = EventKind::link_down;
  down.a = "pe1";
  down.b = "p1";
  down.text = fmt::format("{}s link-down pe1:p1", double(cut_ms) / 1000);
  o.events.push_back(down);
  return o;
}

TEST(SimBfd, ALinkCutWithoutLfaIsDetectedWithinTheConfiguredTime) {
  auto topo = test_env::default_topology();
  auto o = bfd_cut_at(3000, 2500);
  SimRun rn = run(topo, o);
  const Report& r = rn.report;
  ASSERT_GE(r.bfd.size(), 8u) << "every PW end with the control word";
  size_t detected = 0;
  for (auto& b : r.bfd) {
    const std::string what = b.router + " pw " + std::to_string(b.pw_id) + " to " + b.peer;
    EXPECT_EQ(b.configured_detect_ms, 30.0) << what;
    EXPECT_GE(b.first_up_ms, 0.0) << what << ": never came up";
    EXPECT_LT(b.first_up_ms, 2500.0) << what;
    if (b.reason.empty()) {
      EXPECT_EQ(b.downs, 0u) << what;
      continue;
    }
    ++detected;
    EXPECT_EQ(b.reason, "BFD down");
    // The detection time is the configured one: from the last packet heard.
    EXPECT_GE(b.detection_ms, 30.0) << what;
    EXPECT_LE(b.detection_ms, 30.001) << what;
    // And after the cut, within it plus the packets then on the wires (at
    // most one interval and a path's delay).
    EXPECT_GT(b.down_at_ms, 2500.0) << what;
    EXPECT_LT(b.down_at_ms, 2500.0 + 30.0 + 10.0 + 5.0) << what;
    EXPECT_LT(b.down_at_ms, 2550.0) << what << ": before the control plane's recomputation";
  }
  EXPECT_GT(detected, 0u);
  auto j = nlohmann::json::parse(to_json(r));
  ASSERT_TRUE(j.contains("bfd"));
  EXPECT_NE(format_report(r).find("BFD down"), std::string::npos);
  EXPECT_EQ(to_json(r), to_json(run(topo, o).report)) << "same seed, same JSON";
  std::printf("%s", format_report(r).substr(format_report(r).find("BFD PW")).c_str());
}

// RFC 5885: the detection takes the PW down ("bfd_down" in the services'
// state and the published tables: the PEs drop their ACs' frames as
// pw_down instead of sending them into the dead LSP) and the session
// coming back Up brings it back. Figures against the configuration.
EmulatorOptions bfd_cut(uint64_t duration_ms) {
  auto o = bfd_cut_at(duration_ms, 1500);
  o.workload.imix_pps = 1000;
  return o;
}

uint64_t drops(const Report& r, const std::string& router, const std::string& reason) {
  for (auto& row : r.routers)
    if (row.name == router) {
      auto it = row.drops.find(reason);
      return it == row.drops.end() ? 0 : it->second;
    }
  return 0;
}

TEST(SimBfd, ADetectionTakesThePwDownUntilTheSessionIsBackUp) {
  auto topo = test_env::default_topology();
  // Ends while the sessions are still Down (they send once a second).
  auto emu = Emulator::create(topo, bfd_cut(1700), test_env::pool(), test_env::rcu());
  ASSERT_TRUE(emu.ok()) << emu.error().message;
  auto ran = (*emu)->run();
  ASSERT_TRUE(ran.ok()) << ran.error().message;
  const Report& r = *ran;
  // The emulator's view of the PWs (what `l2vpn run` prints) and the
  // tables the PEs hold say the same.
  size_t held = 0;
  for (auto& pw : (*emu)->pseudowires()) {
    if (pw.down_reason != kPwDownBfd) continue;
    ++held;
    EXPECT_FALSE(pw.up);
    bool in_tables = false;
    for (auto& t : (*emu)->backbone().router(pw.router)->state().pseudowires)
      if (t.peer == pw.peer && t.pw_id == pw.pw_id) in_tables = !t.up && t.down_reason == kPwDownBfd;
    EXPECT_TRUE(in_tables) << pw.router << " to " << pw.peer << " pw " << pw.pw_id;
  }
  EXPECT_EQ(held, 4u) << "pe1-pe3's two PWs, both ends";
  std::set<std::string> down_services;
  for (auto& b : r.bfd) {
    const std::string what = b.router + " pw " + std::to_string(b.pw_id) + " to " + b.peer;
    EXPECT_DOUBLE_EQ(b.configured_detect_ms, b.multiplier * b.interval_ms) << what;
    if (b.reason.empty()) {
      EXPECT_EQ(b.pw_state, "up") << what;
      continue;
    }
    EXPECT_EQ(b.reason, "BFD down") << what;
    EXPECT_EQ(b.pw_state, "down") << what;
    EXPECT_EQ(b.pw_downs, 1u) << what;
    // Down at the detection, no later than the configured time after the
    // last packet heard.
    EXPECT_EQ(b.pw_down_ms, b.down_at_ms) << what;
    EXPECT_LE(b.detection_ms, b.configured_detect_ms + 0.001) << what;
    EXPECT_GT(b.down_at_ms, 1500.0) << what;
    down_services.insert(b.service);
  }
  ASSERT_FALSE(down_services.empty());
  for (auto& s : r.services) {
    if (down_services.count(s.name)) {
      EXPECT_NE(s.state.find(std::string(kPwDownBfd)), std::string::npos) << s.name << ": " << s.state;
    }
  }
  EXPECT_GT(r.totals.pw_down_at_end, 0u);
  EXPECT_TRUE(r.publish_errors.empty());
  // Frames into the dead PW are dropped at their ingress PE, both ends.
  EXPECT_GT(drops(r, "pe1", "pw_down"), 0u);
  EXPECT_GT(drops(r, "pe3", "pw_down"), 0u);
  // Without BFD nothing takes the PWs down: the frames go into the LSP.
  auto no_bfd = bfd_cut(1700);
  no_bfd.bfd_pw.enabled = false;
  SimRun plain = run(topo, no_bfd);
  EXPECT_EQ(plain.report.router_drops.count("pw_down"), 0u);

  // Longer, with the link back at 3 s: the sessions come back Up (over the
  // recomputed LSP), and so do the PWs; everything is up at the end.
  auto o = bfd_cut(4500);
  EventSpec up;
  up.at_ns = 3'000'000'000;
  up.kind = EventKind::link_up;
  up.a = "pe1";
  up.b = "p1";
  up.text = "3s link-up pe1:p1";
  o.events.push_back(up);
  SimRun back = run(topo, o);
  size_t restored = 0;
  for (auto& b : back.report.bfd) {
    const std::string what = b.router + " pw " + std::to_string(b.pw_id) + " to " + b.peer;
    EXPECT_EQ(b.state, "Up") << what;
    EXPECT_EQ(b.pw_state, "up") << what;
    if (b.reason.empty()) continue;
    ++restored;
    EXPECT_GT(b.pw_up_again_ms, b.pw_down_ms) << what;
    EXPECT_LE(b.detection_ms, b.configured_detect_ms + 0.001) << what;
  }
  EXPECT_EQ(restored, r.bfd.size() - size_t(std::count_if(r.bfd.begin(), r.bfd.end(),
                                                             [](auto& b) { return b.reason.empty(); })));
  for (auto& s : back.report.services) EXPECT_EQ(s.state, "up") << s.name;
  EXPECT_EQ(back.report.totals.pw_down_at_end, 0u);
  const std::string text = format_report(back.report);
  EXPECT_NE(text.find("3x10=30 ms"), std::string::npos);
  std::printf("%s", text.substr(text.find("BFD PW")).c_str());
}

TEST(SimBfd, ScenarioKey) {
  auto s = parse_scenario("duration: 1s\nbfd: {interval: 5ms, multiplier: 4}\n", "b.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->options.bfd_pw.enabled);
  EXPECT_EQ(s->options.bfd_pw.interval_ns, 5'000'000u);
  EXPECT_EQ(s->options.bfd_pw.multiplier, 4u);
  auto bad = parse_scenario("duration: 1s\nbfd: {interval: 5ms, multiplier: 0}\n", "b.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("b.yaml:2: bfd: 'multiplier'"), std::string::npos) << bad.error().message;
  bad = parse_scenario("duration: 1s\nbfd: {intervall: 5ms}\n", "b.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("did you mean 'interval'"), std::string::npos) << bad.error().message;
}

// An example of topologies/scenarios/: loaded, checked and run as
// `l2vpn sim --scenario PATH` would.
void run_example(const std::string& path, SimRun& rn) {
  auto s = load_scenario(path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto topo = cp::load_topology(s->topology);
  ASSERT_TRUE(topo.ok()) << topo.error().message;
  ASSERT_TRUE(check_scenario(*s, *topo).ok());
  rn = run(*topo, resolve_options(&*s, {}));
}

// topologies/scenarios/bfd-pw.yaml runs as its comment says.
TEST(SimOamScenario, TheBfdExampleTakesThePwDownAndBringsItBack) {
  SimRun rn;
  run_example("topologies/scenarios/bfd-pw.yaml", rn);
  if (HasFatalFailure()) return;
  const Report& r = rn.report;
  size_t down = 0;
  for (auto& b : r.bfd) {
    EXPECT_EQ(detect_text(b), "3x10=30 ms");
    EXPECT_EQ(b.pw_state, "up") << b.router << " " << b.service;
    if (b.reason.empty()) continue;
    ++down;
    EXPECT_EQ(b.reason, "BFD down");
    EXPECT_LE(b.detection_ms, b.configured_detect_ms + 0.001);
    EXPECT_LT(b.down_at_ms, 1550.0) << "before the control plane's recomputation";
    EXPECT_GT(b.pw_up_again_ms, b.pw_down_ms);
  }
  EXPECT_EQ(down, 4u) << "pe1-pe3's two PWs, both ends";
  EXPECT_GT(r.router_drops.count("pw_down"), 0u);
  for (auto& sv : r.services) EXPECT_EQ(sv.state, "up") << sv.name;
}

// The example in topologies/scenarios/ loads, checks and runs as it says.
TEST(SimOamScenario, TheExampleScenarioRunsAsItSays) {
  SimRun rn;
  run_example("topologies/scenarios/lsp-trace.yaml", rn);
  if (HasFatalFailure()) return;
  const Report& r = rn.report;
  ASSERT_EQ(r.oam.size(), 4u);
  auto first_path = [&](const OamResult& o) {
    EXPECT_EQ(o.paths.size(), 1u);
    return o.paths.empty() ? Path{} : trace_path(o, o.paths[0]);
  };
  EXPECT_EQ(first_path(r.oam[0]).at(1).first, "p1");
  EXPECT_EQ(r.oam[1].received, 3u);
  EXPECT_NE(first_path(r.oam[2]).at(1).first, "p1") << "after pe1-p1 broke";
  EXPECT_TRUE(r.oam[2].paths[0].complete);
  ASSERT_EQ(r.oam[3].replies.size(), 1u);
  EXPECT_EQ(r.oam[3].replies[0].return_code, 4);
  EXPECT_TRUE(r.ok()) << r.problems();
}

}  // namespace
}  // namespace l2vpn::sim
