// Issue 14: what the generated-topology property tests (tests/property,
// docs/property-testing.md) found in the emulator, one test per failure,
// each failing before its fix.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>

#include "controlplane/yaml_loader.hpp"
#include "sim/emulator.hpp"
#include "sim/path_bounds.hpp"
#include "tests/sim/sim_test_env.hpp"

namespace l2vpn::sim {
namespace {

using test_env::default_topology;

EmulatorOptions run_of(uint64_t duration_ms) {
  EmulatorOptions o;
  o.duration_ns = duration_ms * 1'000'000;
  o.workload.memcached_rps = 200;
  o.workload.redis_mbps = 1;
  o.workload.imix_pps = 200;
  return o;
}

cp::Topology topo_of(const std::string& yaml) {
  auto t = cp::parse_topology_yaml(yaml, "t.yaml");
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
  return t.ok() ? *t : cp::Topology{};
}

std::string refused(const cp::Topology& topo, const EmulatorOptions& o) {
  auto emu = Emulator::create(topo, o, test_env::pool(), test_env::rcu());
  return emu.ok() ? std::string("(accepted)") : emu.error().message;
}

Report run(const cp::Topology& topo, const EmulatorOptions& o) {
  auto emu = Emulator::create(topo, o, test_env::pool(), test_env::rcu());
  EXPECT_TRUE(emu.ok()) << (emu.ok() ? "" : emu.error().message);
  if (!emu.ok()) return {};
  auto r = (*emu)->run();
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Report{};
}

// (8) Events after the end were cut off silently; a MAC flood that outlasts
// the traffic too.
TEST(Issue14, TimelinePastTheEndIsRefused) {
  auto topo = default_topology();
  auto o = run_of(100);
  o.events.push_back(*parse_event("5s link-down p1:p2"));
  EXPECT_NE(refused(topo, o).find("event '5s link-down p1:p2': at 5000 ms, after the end of the traffic (100 ms)"),
            std::string::npos)
      << refused(topo, o);
  o = run_of(100);
  o.events.push_back(*parse_event("90ms mac-flood dc1-cache 3000"));
  EXPECT_NE(refused(topo, o).find("at most 1000 frames fit"), std::string::npos) << refused(topo, o);
}

// (9) service-add of a service already present was accepted.
TEST(Issue14, ServiceAddOfAPresentServiceIsRefused) {
  auto topo = default_topology();
  auto o = run_of(100);
  o.events.push_back(*parse_event("50ms service-add cache"));
  EXPECT_NE(refused(topo, o).find("service 'cache' is already present"), std::string::npos) << refused(topo, o);
  o = run_of(100);
  o.events.push_back(*parse_event("20ms service-remove cache"));
  o.events.push_back(*parse_event("30ms service-remove cache"));
  EXPECT_NE(refused(topo, o).find("service 'cache' is already removed"), std::string::npos) << refused(topo, o);
}

// (8) No upper bound on the duration, memory growing with it.
TEST(Issue14, DurationHasACeiling) {
  auto o = run_of(100);
  o.duration_ns = 1001'000'000'000ULL;
  EXPECT_NE(refused(default_topology(), o).find("above the maximum of 1000 s"), std::string::npos);
}

// (8) With a 3 s link the warm-up outlasts a 100 ms run: nothing is sent,
// and the run said "every frame arrived once".
TEST(Issue14, ARunThatSentNothingIsNotOk) {
  auto topo = topo_of(
      "routers: [{name: a}, {name: b}]\n"
      "links: [{a: a, b: b, delay: 3s}]\n"
      "sites: [{name: sa, pe: a}, {name: sb, pe: b}]\n"
      "services: {vpws: [{name: w, sites: [sa, sb]}]}\n");
  Report r = run(topo, run_of(100));
  for (auto& f : r.flows) EXPECT_EQ(f.sent, f.kind == "arp" ? f.sent : 0u) << f.kind;
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.problems().find("no data was sent"), std::string::npos) << r.problems();
  EXPECT_GE(r.warmup_ms, 9000.0);
}

// A VPWS whose ends signal different MTUs never comes up. The run said
// only "frames lost outside every event window"; with an event early
// enough, those losses fell inside its window and the report said ok.
TEST(Issue14, AMisconfiguredPseudowireIsNotOkEvenUnderAnEvent) {
  auto topo = topo_of(
      "routers: [{name: a}, {name: b}, {name: p, role: p}]\n"
      "links: [{a: a, b: p}, {a: p, b: b}, {a: a, b: b, metric: 100}]\n"
      "sites: [{name: sa, pe: a}, {name: sb, pe: b, mtu: 1400}, {name: va, pe: a, port: v}, "
      "{name: vb, pe: b, port: v}]\n"
      "services: {vpws: [{name: w, sites: [sa, sb]}], vpls: [{name: l, sites: [va, vb]}]}\n");
  for (bool event : {false, true}) {
    auto o = run_of(200);
    if (event) {
      o.events.push_back(*parse_event("1ms link-down a:p"));
      o.events.push_back(*parse_event("150ms link-up a:p"));
    }
    Report r = run(topo, o);
    EXPECT_EQ(r.totals.pw_misconfigured_at_end, 2u) << event;
    EXPECT_FALSE(r.ok()) << event;
    const std::string p = r.problems();
    EXPECT_NE(p.find("ends disagree"), std::string::npos) << p;
    EXPECT_NE(p.find("vpws w is down"), std::string::npos) << p;
    EXPECT_NE(p.find("mtu_mismatch"), std::string::npos) << p;
    EXPECT_EQ(p.find("vpls l"), std::string::npos) << p;
    EXPECT_NE(to_json(r).find("\"pw_misconfigured_at_end\": 2"), std::string::npos);
  }
}

// (8) A 1 bit/s link: frames never left, yet the report said the network
// had drained.
TEST(Issue14, AStuckNetworkIsNotDrained) {
  auto topo = topo_of(
      "routers: [{name: a}, {name: b}]\n"
      "links: [{a: a, b: b, bandwidth: 1}]\n"
      "sites: [{name: sa, pe: a}, {name: sb, pe: b}]\n"
      "services: {vpws: [{name: w, sites: [sa, sb]}]}\n");
  Report r = run(topo, run_of(50));
  EXPECT_FALSE(r.drained);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.problems().find("had not drained"), std::string::npos) << r.problems();
  EXPECT_NE(to_json(r).find("\"drained\": false"), std::string::npos);
}

// (3) The warm-up was sized on the lowest-delay path while frames follow
// the IGP: here the IGP takes a 2 x 10 ms detour past a 100 us link, the
// ARP round trip takes 40 ms, and data started at 20 ms unresolved.
TEST(Issue14, WarmupFollowsTheIgpPaths) {
  auto topo = topo_of(
      "routers: [{name: a}, {name: b}, {name: p, role: p}]\n"
      "links:\n"
      "  - {a: a, b: b, delay: 100us, metric: 100}\n"
      "  - {a: a, b: p, delay: 10ms, metric: 1}\n"
      "  - {a: p, b: b, delay: 10ms, metric: 1}\n"
      "sites: [{name: sa, pe: a}, {name: sb, pe: b}, {name: va, pe: a, port: v}, {name: vb, pe: b, port: v}]\n"
      "services: {vpws: [{name: w, sites: [sa, sb]}], vpls: [{name: l, sites: [va, vb]}]}\n");
  const PathBounds pb = compute_path_bounds(topo);
  EXPECT_EQ(pb.longest_service_path_ns, 20'000'000u);
  Report r = run(topo, run_of(200));
  EXPECT_GE(r.warmup_ms, 65.0);
  EXPECT_EQ(r.totals.unresolved, 0u);
  EXPECT_GT(r.totals.sent, 0u);
  EXPECT_EQ(r.totals.lost, 0u);
  EXPECT_TRUE(r.ok()) << r.problems();
}

// (6) An H-VPLS frame crosses a spoke, the mesh and maybe another spoke:
// up to three LSPs, so the in-flight bound is three simple paths, and the
// longest service path goes through the hubs.
TEST(Issue14, InFlightBoundCoversHvplsDetours) {
  auto topo = topo_of(
      "routers: [{name: m1}, {name: m2}, {name: h1}, {name: h2}]\n"
      "links:\n"
      "  - {a: m1, b: h1, delay: 1ms}\n"
      "  - {a: h1, b: h2, delay: 2ms}\n"
      "  - {a: h2, b: m2, delay: 1ms}\n"
      "  - {a: m1, b: m2, delay: 100us, metric: 1}\n"
      "sites: [{name: s1, pe: m1}, {name: s2, pe: m2}, {name: s3, pe: h1}]\n"
      "services:\n"
      "  vpls:\n"
      "    - {name: v, sites: [s1, s2, s3], spokes: [{mtu_s: m1, hubs: [h1]}, {mtu_s: m2, hubs: [h2]}]}\n");
  const PathBounds pb = compute_path_bounds(topo);
  EXPECT_EQ(pb.segments, 3u);
  // s1 to s2: m1 -> h1 (1 ms), h1 -> h2 (2 ms, metric 10 against 21 the
  // other way), h2 -> m2 (1 ms), although m1-m2 is one 100 us link.
  EXPECT_EQ(pb.longest_service_path_ns, 4'000'000u);
  EXPECT_EQ(pb.in_flight_ns, 3 * (4'100'000u + 1'000'000u));
}

// (4) A P2MP VPLS duplicated broadcast frames when its trees changed after
// a link failure: copies the old tree had replicated, still in flight, were
// replicated again by the new tree (the same label). The issue's example.
TEST(Issue14, P2mpTreeChangeDuplicatesNothing) {
  auto topo = topo_of(
      "routers: [{name: r0}, {name: r1}, {name: r2}, {name: r3, role: p}, {name: r4}, {name: r5, role: p}]\n"
      "links:\n"
      "  - {a: r0, b: r4, metric: 20, delay: 1ms}\n"
      "  - {a: r0, b: r5, metric: 20, delay: 2ms}\n"
      "  - {a: r1, b: r2, metric: 10, delay: 1ms}\n"
      "  - {a: r1, b: r4, metric: 20, delay: 100us}\n"
      "  - {a: r2, b: r3, metric: 1, delay: 2ms}\n"
      "  - {a: r3, b: r5, metric: 1, delay: 2ms}\n"
      "sites: [{name: s2, pe: r2}, {name: s4, pe: r4}, {name: s1, pe: r1}, {name: s0, pe: r0}]\n"
      "services: {vpls: [{name: v, sites: [s2, s4, s1, s0], bum: p2mp}]}\n");
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    auto o = run_of(300);
    o.seed = seed;
    o.control_plane_delay_ns = 0;
    o.workload.arp_interval_ns = 5'000'000;
    o.events.push_back(*parse_event("144ms link-down r2:r3"));
    Report r = run(topo, o);
    EXPECT_EQ(r.totals.duplicated, 0u) << "seed " << seed;
    EXPECT_EQ(r.totals.lost_outside_events, 0u) << "seed " << seed;
    EXPECT_GT(r.totals.sent, 0u);
  }
}

// (4, again) Property seed 134, reduced: P router r7 down and up. The tree
// of v1 rooted at r32 during the outage and the tree after it had the same
// label (the version was a hash of the shape modulo 4): copies the outage
// tree replicated, in flight when the repaired tree was applied at 144 ms,
// were replicated again: 10 duplicated ARP frames before the fix.
TEST(Issue14, P2mpTreeBackAfterARouterOutageDuplicatesNothing) {
  auto topo = topo_of(
      "routers:\n"
      "  - {name: r7, role: p}\n"
      "  - {name: r8, role: p}\n"
      "  - {name: r13, role: p}\n"
      "  - {name: r14, role: p}\n"
      "  - {name: r15, role: pe}\n"
      "  - {name: r16, role: pe}\n"
      "  - {name: r17, role: pe}\n"
      "  - {name: r20, role: pe}\n"
      "  - {name: r21, role: pe}\n"
      "  - {name: r23, role: pe}\n"
      "  - {name: r27, role: pe}\n"
      "  - {name: r28, role: pe}\n"
      "  - {name: r32, role: pe}\n"
      "  - {name: r33, role: pe}\n"
      "links:\n"
      "  - {a: r28, b: r15, metric: 100, bandwidth: 1G, delay: 10us, mtu: 9000}\n"
      "  - {a: r32, b: r15, metric: 50, bandwidth: 10G, delay: 10us, mtu: 9000}\n"
      "  - {a: r13, b: r28, metric: 1, bandwidth: 10G, delay: 2ms, mtu: 9000}\n"
      "  - {a: r17, b: r32, metric: 100, bandwidth: 2.5Gbps, delay: 3ms, mtu: 4470}\n"
      "  - {a: r14, b: r17, metric: 10, bandwidth: 2.5Gbps, delay: 3ms, mtu: 9000}\n"
      "  - {a: r20, b: r13, metric: 10, bandwidth: 100G, delay: 100us, mtu: 9600}\n"
      "  - {a: r27, b: r13, metric: 5, bandwidth: 1G, delay: 50us, mtu: 4470}\n"
      "  - {a: r21, b: r8, metric: 10, bandwidth: 2.5Gbps, delay: 3ms, mtu: 1600}\n"
      "  - {a: r7, b: r14, metric: 1, bandwidth: 10G, delay: 500us, mtu: 9000}\n"
      "  - {a: r16, b: r7, metric: 5, bandwidth: 40G, delay: 500us, mtu: 9600}\n"
      "  - {a: r23, b: r28, metric: 10, bandwidth: 1G, delay: 3ms, mtu: 9600}\n"
      "  - {a: r33, b: r7, metric: 1, bandwidth: 1G, delay: 10us, mtu: 4470}\n"
      "  - {a: r15, b: r33, metric: 734, bandwidth: 10G, delay: 250us, mtu: 1600}\n"
      "sites:\n"
      "  - {name: s8, pe: r23}\n"
      "  - {name: s9, pe: r32, port: trunk0, vlan: 3264, mode: raw}\n"
      "  - {name: s10, pe: r33}\n"
      "  - {name: s11, pe: r17}\n"
      "  - {name: s12, pe: r27}\n"
      "  - {name: s13, pe: r20}\n"
      "services:\n"
      "  vpls:\n"
      "    - {name: v1, vsi_id: 418, sites: [s8, s9, s10, s11, s12, s13], bum: p2mp, mac_limit: 1024}\n");
  auto o = run_of(200);
  o.seed = 134;
  o.control_plane_delay_ns = 10'000'000;
  o.workload.arp_interval_ns = 5'000'000;
  o.workload.memcached_rps = 500;
  o.workload.redis_mbps = 5;
  o.workload.imix_pps = 500;
  o.events.push_back(*parse_event("75ms router-down r7"));
  o.events.push_back(*parse_event("134ms router-up r7"));
  Report r = run(topo, o);
  EXPECT_EQ(r.totals.duplicated, 0u);
  EXPECT_EQ(r.totals.lost_outside_events, 0u);
  EXPECT_GT(r.totals.sent, 0u);
}

// Per-router counters in the report: every router's figures add up
// (rx + replicas + OAM sent = tx + drops + OAM punted), the drops by reason
// add up to router_drops, the packet-hops are the routers' rx, and each VPLS
// learned the MACs of its hosts at each of its PEs (and floods, so copies).
TEST(Issue14, RouterCountersAddUpAndVplsLearned) {
  auto topo = default_topology();
  Report r = run(topo, run_of(100));
  ASSERT_EQ(r.routers.size(), topo.routers.size());
  std::map<std::string, uint64_t> drops;
  uint64_t rx = 0;
  size_t bds = 0;
  for (auto& x : r.routers) {
    EXPECT_EQ(x.rx + x.replicas + x.oam_sent, x.tx + x.dropped + x.oam_punted) << x.name;
    uint64_t sum = 0;
    for (auto& [k, v] : x.drops) {
      sum += v;
      drops[k] += v;
    }
    EXPECT_EQ(sum, x.dropped) << x.name;
    rx += x.rx;
    for (auto& b : x.bridge_domains) {
      ++bds;
      EXPECT_GT(b.learned, 0u) << x.name << " " << b.name;
      EXPECT_GT(b.macs, 0u) << x.name << " " << b.name;
      EXPECT_LE(b.macs, b.learned) << x.name << " " << b.name;
      EXPECT_GT(b.flooded, 0u) << x.name << " " << b.name << ": ARP requests are broadcast";
    }
  }
  EXPECT_GT(bds, 0u);
  EXPECT_EQ(drops, r.router_drops);
  EXPECT_EQ(rx, r.totals.packet_hops);
  const std::string j = to_json(r);
  EXPECT_NE(j.find("\"routers\""), std::string::npos);
  EXPECT_NE(j.find("\"flood_copies\""), std::string::npos);
}

// Property seed 1861, reduced: MTU-s m dual-homed to hubs h1 (reached over
// x only) and h2 (far from PE a). When x-h1 fails, m switches to h2; an ARP
// a flooded just before reached m through h1 and, still on its way to h2,
// reaches m again through h2 (RFC 6718's switchover transient). The report
// puts those copies down to the event; any other copy still fails the run.
TEST(Issue14, SpokeSwitchoverCopiesAreNamedAndNothingElse) {
  auto topo = topo_of(
      "routers:\n"
      "  - {name: a, role: pe}\n"
      "  - {name: x, role: p}\n"
      "  - {name: h1, role: pe}\n"
      "  - {name: h2, role: pe}\n"
      "  - {name: m, role: pe}\n"
      "  - {name: y, role: p}\n"
      "links:\n"
      "  - {a: a, b: x, metric: 10, delay: 1ms}\n"
      "  - {a: x, b: h1, metric: 10, delay: 2ms}\n"
      "  - {a: x, b: m, metric: 10, delay: 1ms}\n"
      "  - {a: a, b: y, metric: 100, delay: 4ms}\n"
      "  - {a: y, b: h2, metric: 100, delay: 4ms}\n"
      "  - {a: h2, b: m, metric: 1000, delay: 1ms}\n"
      "sites:\n"
      "  - {name: sa, pe: a}\n"
      "  - {name: sm, pe: m}\n"
      "services:\n"
      "  vpls:\n"
      "    - {name: v, vsi_id: 7, sites: [sa, sm], spokes: [{mtu_s: m, hubs: [h1, h2]}]}\n");
  auto o = run_of(200);
  o.seed = 1;
  o.control_plane_delay_ns = 0;
  o.workload.arp_interval_ns = 5'000'000;
  o.events.push_back(*parse_event("80ms link-down x:h1"));
  Report r = run(topo, o);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_GT(r.totals.duplicated, 0u);  // the transient this test is about happened
  EXPECT_EQ(r.totals.duplicated_at_switchover, r.totals.duplicated);
  EXPECT_EQ(r.events[0].duplicated_at_switchover, r.totals.duplicated);
  EXPECT_EQ(r.totals.lost_outside_events, 0u);
  EXPECT_TRUE(r.ok()) << r.problems();

  // Without the switchover (one hub) nothing may be excused.
  auto one_hub = topo_of(
      "routers:\n"
      "  - {name: a, role: pe}\n"
      "  - {name: x, role: p}\n"
      "  - {name: h1, role: pe}\n"
      "  - {name: m, role: pe}\n"
      "links:\n"
      "  - {a: a, b: x, metric: 10, delay: 1ms}\n"
      "  - {a: x, b: h1, metric: 10, delay: 2ms}\n"
      "  - {a: x, b: m, metric: 10, delay: 1ms}\n"
      "  - {a: a, b: h1, metric: 100, delay: 4ms}\n"
      "sites:\n"
      "  - {name: sa, pe: a}\n"
      "  - {name: sm, pe: m}\n"
      "services:\n"
      "  vpls:\n"
      "    - {name: v, vsi_id: 7, sites: [sa, sm], spokes: [{mtu_s: m, hubs: [h1]}]}\n");
  Report r1 = run(one_hub, o);
  EXPECT_EQ(r1.totals.duplicated_at_switchover, 0u);
  EXPECT_EQ(r1.totals.duplicated, 0u);
}

}  // namespace
}  // namespace l2vpn::sim
