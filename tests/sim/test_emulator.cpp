// The emulator end to end: hosts, workloads, receivers, events, report, on
// the default topology, every frame through every router's real tables.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>

#include <nlohmann/json.hpp>
#include <array>
#include <thread>

#include "dataplane/port.hpp"

#include "controlplane/yaml_loader.hpp"
#include "sim/default_topology.hpp"
#include "sim/emulator.hpp"
#include "tests/sim/sim_test_env.hpp"

namespace l2vpn::sim {
namespace {

using test_env::default_topology;

EmulatorOptions short_run(uint64_t duration_ms = 200) {
  EmulatorOptions o;
  o.duration_ns = duration_ms * 1'000'000;
  return o;
}

Report run(const cp::Topology& topo, EmulatorOptions o) {
  auto emu = Emulator::create(topo, std::move(o), test_env::pool(), test_env::rcu());
  EXPECT_TRUE(emu.ok()) << (emu.ok() ? "" : emu.error().message);
  if (!emu.ok()) return {};
  auto r = (*emu)->run();
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Report{};
}

EventSpec event(const std::string& text) {
  auto e = parse_event(text);
  EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().message);
  return *e;
}

// ------------------------------------------------------------ invalid first
TEST(Emulator, RejectsEventsNamingNothing) {
  auto topo = default_topology();
  for (const char* text : {"10ms link-down p1:pe3x", "10ms link-down pe2:pe3", "10ms router-down p9",
                           "10ms service-remove nope", "10ms mac-flood nowhere 10"}) {
    auto o = short_run();
    o.events.push_back(event(text));
    auto emu = Emulator::create(topo, o, test_env::pool(), test_env::rcu());
    ASSERT_FALSE(emu.ok()) << text;
    EXPECT_NE(emu.error().message.find("event"), std::string::npos) << emu.error().message;
  }
}

// ------------------------------------------------------------ the default run
TEST(Emulator, DefaultTopologyDeliversEveryFrameOnce) {
  auto topo = default_topology();
  Report r = run(topo, short_run());
  ASSERT_EQ(r.services.size(), 3u);
  for (auto& s : r.services) {
    EXPECT_EQ(s.state, "up") << s.name;
    EXPECT_GT(s.sent, 0u) << s.name;
    EXPECT_EQ(s.received, s.expected) << s.name;
    EXPECT_EQ(s.lost, 0u) << s.name;
    EXPECT_EQ(s.duplicated, 0u) << s.name;
    EXPECT_EQ(s.reordered, 0u) << s.name;
    EXPECT_EQ(s.misdelivered, 0u) << s.name;
    EXPECT_EQ(s.unresolved, 0u) << s.name << ": data waited for ARP";
    EXPECT_GT(s.latency_p50_us, 0) << s.name;
  }
  // Every kind of traffic ran and arrived.
  std::map<std::string, uint64_t> received;
  for (auto& f : r.flows) received[f.kind] += f.received;
  for (const char* kind : {"memcached-request", "memcached-response", "redis-replication", "imix", "arp"})
    EXPECT_GT(received[kind], 0u) << kind;
  EXPECT_EQ(r.totals.stray_frames, 0u);
  EXPECT_EQ(r.totals.unknown_trailers, 0u);
  EXPECT_EQ(r.totals.arp_requests, r.totals.arp_replies) << "every ARP request answered";
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.router_drops.empty()) << to_json(r);
}

TEST(Emulator, SameSeedSameJsonOtherSeedOther) {
  auto topo = default_topology();
  auto o = short_run(100);
  o.events.push_back(event("50ms link-down pe2:p3"));
  const std::string a = to_json(run(topo, o));
  const std::string b = to_json(run(topo, o));
  EXPECT_EQ(a, b);
  o.seed = 2;
  const std::string c = to_json(run(topo, o));
  EXPECT_NE(a, c);
  auto j = nlohmann::json::parse(a);
  for (const char* key : {"topology", "seed", "totals", "services", "events", "links", "flows", "ok"})
    EXPECT_TRUE(j.contains(key)) << key;
}

// ------------------------------------------------------------ failures
// Every single link of the 2-connected default backbone: frames are lost
// only around the failure (in flight, or waiting for the repair), and every
// pseudowire comes back after the recomputation.
TEST(Emulator, EverySingleLinkFailureLosesOnlyInItsWindow) {
  auto topo = default_topology();
  for (bool lfa : {true, false}) {
    for (auto& l : topo.links) {
      auto o = short_run(200);
      o.lfa = lfa;
      o.control_plane_delay_ns = 30'000'000;
      o.events.push_back(event(fmt::format("80ms link-down {}:{}", l.a, l.b)));
      Report r = run(topo, o);
      const std::string what = fmt::format("{}:{} lfa={}", l.a, l.b, lfa);
      ASSERT_EQ(r.events.size(), 1u);
      auto& e = r.events[0];
      EXPECT_EQ(r.totals.lost_outside_events, 0u) << what;
      EXPECT_EQ(r.totals.duplicated, 0u) << what;
      EXPECT_EQ(r.totals.misdelivered, 0u) << what;
      EXPECT_EQ(r.totals.pw_down_at_end, 0u) << what;
      for (auto& s : r.services) EXPECT_EQ(s.state, "up") << what << " " << s.name;
      EXPECT_DOUBLE_EQ(e.applied_at_ms, 110.0) << what;
      if (e.lost) {
        // Lost frames were sent at most one path delay before the failure
        // (on the wire when it broke) and before the new tables arrived.
        EXPECT_GE(e.first_loss_ms, 80.0 - 5.0) << what;
        EXPECT_LE(e.last_loss_ms, lfa ? 80.0 : 110.0) << what;
      }
      if (lfa) {
        EXPECT_LT(e.outage_ms, 3.0) << what << ": LFA repairs at once (in-flight frames only)";
      }
    }
  }
}

// With LFA the outage is the frames on the broken wire; without, it is the
// control plane's recomputation delay.
TEST(Emulator, OutageIsTheRepairWithLfaAndTheRecomputationWithout) {
  auto topo = default_topology();
  for (uint64_t delay_ms : {20u, 50u}) {
    for (bool lfa : {true, false}) {
      auto o = short_run(250);
      o.lfa = lfa;
      o.control_plane_delay_ns = delay_ms * 1'000'000;
      o.events.push_back(event("100ms link-down pe2:p3"));
      o.events.push_back(event("200ms link-up pe2:p3"));
      Report r = run(topo, o);
      ASSERT_EQ(r.events.size(), 2u);
      const double outage = r.events[0].outage_ms;
      if (lfa) {
        EXPECT_LT(outage, 0.5) << "delay " << delay_ms;
      } else {
        EXPECT_NEAR(outage, double(delay_ms), 0.1 * double(delay_ms)) << "delay " << delay_ms;
        EXPECT_GT(r.events[0].lost, 100u);
      }
      // Coming back up loses nothing: the old path works until the new tables arrive.
      EXPECT_EQ(r.events[1].lost, 0u);
      EXPECT_EQ(r.totals.pw_down_at_end, 0u);
    }
  }
}

TEST(Emulator, RouterDownAndUpAndServiceRemoveAndAdd) {
  auto topo = default_topology();
  auto o = short_run(300);
  o.events.push_back(event("50ms router-down p2"));
  o.events.push_back(event("120ms router-up p2"));
  o.events.push_back(event("180ms service-remove dept-dc2"));
  o.events.push_back(event("220ms service-add dept-dc2"));
  Report r = run(topo, o);
  ASSERT_EQ(r.events.size(), 4u);
  EXPECT_EQ(r.totals.lost_outside_events, 0u);
  EXPECT_EQ(r.totals.misdelivered, 0u);
  EXPECT_EQ(r.totals.duplicated, 0u);
  EXPECT_EQ(r.totals.pw_down_at_end, 0u);
  EXPECT_GT(r.events[0].routers_changed, 0u);
  // A removed service's frames are lost while it is gone (dropped at the AC).
  EXPECT_GT(r.events[2].lost, 0u);
  EXPECT_GE(r.events[2].first_loss_ms, 180.0 - 10.0);
  for (auto& s : r.services) EXPECT_EQ(s.state, "up") << s.name;
  EXPECT_GT(r.router_drops["ac_miss"] + r.router_drops["not_mpls"], 0u);
}

TEST(Emulator, MacFloodFillsTheTableButDeliversTheHosts) {
  auto topo = default_topology();
  auto o = short_run(200);
  o.events.push_back(event("60ms mac-flood dc1-cache 3000"));
  Report r = run(topo, o);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].frames, 3000u);
  // The hosts' MACs were learned before the flood: their frames still go
  // where they should, once.
  EXPECT_EQ(r.totals.lost, 0u);
  EXPECT_EQ(r.totals.misdelivered, 0u);
  EXPECT_EQ(r.totals.duplicated, 0u);
  uint64_t flood_seen = 0;
  for (auto& s : r.services) flood_seen += s.flood_seen;
  EXPECT_GE(flood_seen, 3000u) << "flooded copies reached the other sites' NICs";
}

// ------------------------------------------------------------ latency
// On a quiet path the latency is the links' delays plus serialization.
// dept-dc2: hub CE on pe1 (VLAN 102, raw mode) <-> pe2, path pe1-p2-pe2
// (metric 20; the metro fibre costs 30), both links 40G, 150 us each, PHP at
// p2. A 64-byte IMIX frame (60 without FCS; the hub's tagged frame is 64
// and loses its tag at the AC): inner 60 + CW 4 + PW label 4 + LSP label 4
// + Ethernet 14 = 86 bytes on pe1-p2, 82 after PHP on p2-pe2, plus 24 of
// preamble, FCS and gap: floor(110 * 0.2) + floor(106 * 0.2) = 22 + 21 ns.
TEST(Emulator, LatencyIsLinkDelaysPlusSerializationOnAQuietPath) {
  auto topo = default_topology();
  auto o = short_run(300);
  o.workload.memcached_rps = 0;
  o.workload.redis_mbps = 0;
  o.workload.arp_interval_ns = 0;
  o.workload.imix_pps = 200;
  Report r = run(topo, o);
  bool seen = false;
  for (auto& f : r.flows) {
    if (f.kind != "imix" || f.service != "dept-dc2") continue;
    seen = true;
    ASSERT_GT(f.received, 40u);
    EXPECT_DOUBLE_EQ(f.latency_min_us, 300.043) << f.src << " -> " << f.dst;
    // 1518-byte frames: the spoke's untagged 1514 is 1540 and 1536 on the
    // wires (+24: 312 + 312 ns); the hub's tagged 1514 is 1510 inside
    // (+26 = 1536, 1532: 312 + 311 ns).
    const double max = f.src.starts_with("dept-dc2") ? 300.624 : 300.623;
    EXPECT_DOUBLE_EQ(f.latency_max_us, max) << f.src << " -> " << f.dst;
  }
  EXPECT_TRUE(seen);
}

// Jumbo frames end to end: with MTU 9000 services over 9216-byte links, the
// Redis replication stream sends 9000-byte frames (above the 2 KiB data
// room of the shared pool: the hosts take them from a pool of large
// buffers). Every router carries them (flood copies chained on the shared
// frame included) and the hosts read them whole.
TEST(Emulator, JumboFramesCrossEveryRouterWhole) {
  auto topo = default_topology();
  for (auto& l : topo.links) l.mtu = 9216;
  for (auto& v : topo.vpls) v.mtu = 9000;
  for (auto& v : topo.vpws) v.mtu = 9000;
  auto o = short_run(200);
  o.workload.redis_frame_bytes = 9000;
  Report r = run(topo, o);
  uint64_t redis = 0;
  for (auto& f : r.flows)
    if (f.kind == "redis-replication") {
      redis += f.received;
      EXPECT_EQ(f.received, f.expected) << f.src << " -> " << f.dst;
      EXPECT_EQ(f.lost, 0u) << f.src << " -> " << f.dst;
    }
  EXPECT_GT(redis, 0u);
  for (auto& s : r.services) {
    EXPECT_EQ(s.received, s.expected) << s.name;
    EXPECT_EQ(s.lost, 0u) << s.name;
  }
  EXPECT_EQ(r.totals.stray_frames, 0u);
  EXPECT_TRUE(r.router_drops.empty()) << to_json(r);
}

// ------------------------------------------------------------ other topologies, real time
TEST(Emulator, ExampleTopologiesDeliverEveryFrameOnce) {
  for (const char* path : {"topologies/full-mesh-vpls.yaml", "topologies/hvpls.yaml", "topologies/attmpls.yaml"}) {
    auto topo = cp::load_topology(path);
    ASSERT_TRUE(topo.ok()) << topo.error().message;
    Report r = run(*topo, short_run(150));
    EXPECT_TRUE(r.ok()) << path;
    EXPECT_GT(r.totals.received, 1000u) << path;
    EXPECT_EQ(r.totals.lost, 0u) << path;
    EXPECT_EQ(r.totals.unresolved, 0u) << path << ": data started before ARP resolved";
    EXPECT_EQ(r.totals.pw_down_at_end, 0u) << path;
  }
}

TEST(Emulator, RealTimeFollowsTheWallClock) {
  auto topo = default_topology();
  auto o = short_run(150);
  o.real_time = true;
  o.workload.memcached_rps = 500;
  Report r = run(topo, o);
  EXPECT_TRUE(r.real_time);
  EXPECT_GE(r.wall_seconds, 0.15);
  EXPECT_LT(r.wall_seconds, 2.0);
  EXPECT_EQ(r.totals.lost, 0u);
  EXPECT_EQ(r.totals.misdelivered, 0u);
  EXPECT_GT(r.totals.received, 1000u);
}

// ------------------------------------------------------------ l2vpn run: injected events, real ports
TEST(EmulatorServe, InjectChecksNamesAndQueues) {
  auto topo = default_topology();
  auto o = short_run();
  o.real_time = true;
  auto emu = Emulator::create(topo, o, test_env::pool(), test_env::rcu());
  ASSERT_TRUE(emu.ok()) << emu.error().message;
  for (const char* bad : {"", "link-down", "link-down p1:nowhere", "router-down p9", "explode p1",
                          "10ms link-down p1:p2"}) {
    auto r = (*emu)->inject(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("event"), std::string::npos) << r.error().message;
  }
  auto bad = (*emu)->inject("link-down p1:nowhere");
  EXPECT_NE(bad.error().message.find("'link-down p1:nowhere'"), std::string::npos)
      << "quotes the text as given, without a time: " << bad.error().message;
  EXPECT_EQ((*emu)->injected_pending(), 0u);
  auto ok = (*emu)->inject("link-down p1:p2");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(*ok, 0.0);  // not running yet: queued at time 0
  EXPECT_TRUE((*emu)->inject("router-down p3").ok());
  EXPECT_EQ((*emu)->injected_pending(), 2u);
}

// An event injected from another thread (as the telemetry thread does) is
// fired by the running loop: local repair at once, the recomputation after
// the control-plane delay, both reported through the hook and the report.
TEST(EmulatorServe, FiresInjectedEventsWhileTheWorkloadRuns) {
  auto topo = default_topology();
  auto o = short_run(400);
  o.real_time = true;
  o.control_plane_delay_ns = 20'000'000;
  auto emu = Emulator::create(topo, o, test_env::pool(), test_env::rcu());
  ASSERT_TRUE(emu.ok()) << emu.error().message;
  std::atomic<bool> stop{false};
  std::atomic<int> applied{0}, recomputed{0};
  std::thread user([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    auto at = (*emu)->inject("link-down pe1:p1");
    EXPECT_TRUE(at.ok()) << at.error().message;
    if (at.ok()) {
      EXPECT_GT(*at, 100.0) << "queued at the loop's time";
    }
    for (int i = 0; i < 200 && !recomputed; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(400));  // the workload ends
    stop = true;
  });
  auto r = (*emu)->serve(stop, true, [&](const EventRow& row, bool recomp) {
    EXPECT_EQ(row.event, "link-down pe1:p1");
    (recomp ? recomputed : applied)++;
  });
  user.join();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(applied.load(), 1);
  EXPECT_EQ(recomputed.load(), 1);
  EXPECT_EQ((*emu)->injected_pending(), 0u);
  ASSERT_EQ(r->events.size(), 1u);
  auto& e = r->events[0];
  EXPECT_GT(e.at_ms, 100.0);
  EXPECT_GE(e.applied_at_ms, e.at_ms + 20.0) << "the recomputation waits for the control-plane delay";
  EXPECT_GT(e.routers_changed, 0u);
  // The link is down in the control plane's view: no LSP crosses it.
  for (auto& lsp : (*emu)->network().state().lsps)
    for (size_t i = 0; i + 1 < lsp.hops.size(); ++i)
      EXPECT_FALSE(lsp.hops[i].router == "pe1" && lsp.hops[i + 1].router == "p1") << lsp.ingress << ">" << lsp.egress;
  // The emulated hosts ran in real time across it: frames arrived, none twice or astray.
  EXPECT_GT(r->totals.received, 0u);
  EXPECT_EQ(r->totals.duplicated, 0u);
  EXPECT_EQ(r->totals.misdelivered, 0u);
}

// Access ports bound to ethdevs (net_ring here; af_packet, tap, memif or a
// NIC in `l2vpn run`): a broadcast from pe1's real port floods across the
// VPLS to pe2's real port and to the emulated access ring of pe3.
TEST(EmulatorServe, RealPortsCarryFramesThroughTheBackbone) {
  auto topo = default_topology();
  std::vector<dp::RingPtr> rings;
  RealPortMap real;
  for (const char* pe : {"pe1", "pe2"}) {
    auto rx = dp::make_ring(fmt::format("{}_rx", pe), 256, true);
    auto tx = dp::make_ring(fmt::format("{}_tx", pe), 256, true);
    ASSERT_TRUE(rx.ok() && tx.ok());
    rte_ring* r = rx->get();
    rte_ring* t = tx->get();
    const int id = rte_eth_from_rings(fmt::format("serve_{}", pe).c_str(), &r, 1, &t, 1, 0);
    ASSERT_GE(id, 0);
    auto st = dp::start_ethdev(uint16_t(id), 1, test_env::pool());
    ASSERT_TRUE(st.ok()) << st.error().message;
    real[{pe, "ac-cache"}] = uint16_t(id);
    rings.push_back(std::move(*rx));
    rings.push_back(std::move(*tx));
  }
  auto o = short_run();
  o.real_time = true;
  o.real_ports = real;
  auto emu = Emulator::create(topo, o, test_env::pool(), test_env::rcu());
  ASSERT_TRUE(emu.ok()) << emu.error().message;
  Backbone& bb = (*emu)->backbone();
  ASSERT_EQ(bb.real_ports().size(), 2u);
  EXPECT_EQ(bb.access_port("pe1", "ac-cache"), nullptr) << "a bound port has no host rings";
  AccessPort* pe3 = bb.access_port("pe3", "ac-cache");
  ASSERT_NE(pe3, nullptr);
  // An ARP-sized broadcast into pe1's real port.
  rte_mbuf* m = rte_pktmbuf_alloc(test_env::pool());
  ASSERT_NE(m, nullptr);
  std::array<uint8_t, 60> frame{};
  const uint8_t src[6] = {0x02, 0xdc, 0x01, 0, 0, 1};
  std::fill_n(frame.begin(), 6, 0xff);
  std::copy_n(src, 6, frame.begin() + 6);
  frame[12] = 0x08, frame[13] = 0x06;
  char* d = rte_pktmbuf_append(m, uint16_t(frame.size()));
  ASSERT_NE(d, nullptr);
  rte_memcpy(d, frame.data(), frame.size());
  ASSERT_EQ(rte_ring_enqueue(rings[0].get(), m), 0);
  EXPECT_EQ(bb.poll_real_ports(), 1u);
  bb.run_until_idle();
  rte_mbuf* out = nullptr;
  ASSERT_EQ(rte_ring_dequeue(rings[3].get(), reinterpret_cast<void**>(&out)), 0) << "pe2's real port sent it";
  EXPECT_EQ(rte_pktmbuf_pkt_len(out), 60u);
  EXPECT_EQ(std::memcmp(rte_pktmbuf_mtod(out, uint8_t*) + 6, src, 6), 0);
  rte_pktmbuf_free(out);
  ASSERT_EQ(rte_ring_dequeue(pe3->from_pe.get(), reinterpret_cast<void**>(&out)), 0) << "pe3's hosts got it";
  rte_pktmbuf_free(out);
  EXPECT_EQ(rte_ring_count(rings[1].get()), 0u) << "not back out of pe1";
  for (auto& [k, id] : real) {
    rte_eth_dev_stop(id);
    rte_eth_dev_close(id);
  }
}

}  // namespace
}  // namespace l2vpn::sim
