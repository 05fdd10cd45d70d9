// Scenario files (sim/scenario.hpp): every key read, every kind of bad file
// rejected with file, line and object, the command line over the file, and
// a scenario run giving the same report as the same run from options.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "controlplane/yaml_loader.hpp"
#include "sim/default_topology.hpp"
#include "sim/emulator.hpp"
#include "sim/scenario.hpp"
#include "tests/sim/sim_test_env.hpp"

namespace l2vpn::sim {
namespace {

using test_env::default_topology;

Scenario parse_ok(const std::string& text) {
  auto s = parse_scenario(text, "ok.yaml");
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? *s : Scenario{};
}

std::string parse_error(const std::string& text) {
  auto s = parse_scenario(text, "bad.yaml");
  EXPECT_FALSE(s.ok()) << "accepted:\n" << text;
  return s.ok() ? std::string() : s.error().message;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// ------------------------------------------------------------ bad files first
TEST(Scenario, UnknownKeysAreErrorsWithASuggestion) {
  auto e = parse_error("duration: 1s\nsede: 3\n");
  EXPECT_TRUE(contains(e, "bad.yaml:2: scenario: unknown key 'sede' (did you mean 'seed'?)")) << e;

  e = parse_error("events:\n  - {at: 1ms, link_down: p1:p2}\n  - {at: 2ms, link-up: p1:p2}\n");
  EXPECT_TRUE(contains(e, "bad.yaml:3: events[1]: unknown key 'link-up' (did you mean 'link_up'?)")) << e;

  e = parse_error("workload:\n  memcached_rsp: 10/s\n");
  EXPECT_TRUE(contains(e, "bad.yaml:2: workload: unknown key 'memcached_rsp' (did you mean 'memcached_rps'?)")) << e;

  // Nothing close: the known keys are listed.
  e = parse_error("colour: blue\n");
  EXPECT_TRUE(contains(e, "bad.yaml:1: scenario: unknown key 'colour' (known keys: topology duration")) << e;
}

TEST(Scenario, EveryKindOfBadValueNamesFileLineAndObject) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"duration: 1 fortnight\n", "bad.yaml:1: scenario: 'duration': '1 fortnight': unknown time unit"},
      {"duration: 0s\n", "bad.yaml:1: scenario: 'duration' must be above zero"},
      {"seed: -4\n", "bad.yaml:1: scenario: 'seed': '-4' is not a whole number"},
      {"lfa: maybe\n", "bad.yaml:1: scenario: 'lfa': 'maybe' is not true or false"},
      {"seed: 1\nseed: 2\n", "bad.yaml:2: scenario: key 'seed' given twice"},
      {"events: {at: 1ms}\n", "bad.yaml:1: scenario: 'events' must be a list"},
      {"events:\n  - link_down: p1:p2\n", "bad.yaml:2: events[0]: missing key 'at'"},
      {"events:\n  - {at: 5ms}\n", "bad.yaml:2: events[0]: no event: give one of link_down"},
      {"events:\n  - {at: 5ms, link_down: p1:p2, router_up: p3}\n",
       "bad.yaml:2: events[0]: one event per entry, found link_down and router_up"},
      {"events:\n  - {at: 5 parsecs, router_down: p1}\n", "bad.yaml:2: events[0]: 'at': '5 parsecs'"},
      {"events:\n  - {at: 5ms, link_down: p1}\n", "bad.yaml:2: events[0]: 'link_down': "},
      {"events:\n  - {at: 5ms, router_down: [p1, p2]}\n",
       "bad.yaml:2: events[0]: 'router_down' must be a single value, found a list"},
      {"events:\n  - {at: 5ms, mac_flood: dc1-cache}\n", "bad.yaml:2: events[0]: mac_flood needs 'frames'"},
      {"events:\n  - {at: 5ms, mac_flood: dc1-cache, frames: 0}\n",
       "bad.yaml:2: events[0]: 'frames': '0' is not a whole number in [1, 10000000]"},
      {"events:\n  - {at: 5ms, router_down: p1, frames: 10}\n",
       "bad.yaml:2: events[0]: 'frames' belongs to mac_flood, not router_down"},
      {"events:\n  - just text\n", "bad.yaml:2: events[0]: expected a mapping, found 'just text'"},
      {"workload: 5\n", "bad.yaml:1: workload: expected a mapping, found '5'"},
      {"workload:\n  memcached_rps: lots\n", "bad.yaml:2: workload: 'memcached_rps': 'lots' is not a rate"},
      {"workload:\n  memcached_rps: 2e6/s\n", "bad.yaml:2: workload: 'memcached_rps': 2e6/s is above the limit"},
      {"workload:\n  redis_rate: 100\n", "bad.yaml:2: workload: 'redis_rate': '100' is not a bit rate"},
      {"workload:\n  redis_rate: 100MBps\n", "bad.yaml:2: workload: 'redis_rate': '100MBps' is not a bit rate"},
      {"workload:\n  memcached_hit_ratio: 1.5\n",
       "bad.yaml:2: workload: 'memcached_hit_ratio': '1.5' is not a number in [0, 1]"},
      {"workload:\n  hosts_per_site: 0\n", "bad.yaml:2: workload: 'hosts_per_site': '0' is not a whole number in [1, 200]"},
      {"workload:\n  redis_frame_bytes: 20\n", "bad.yaml:2: workload: 'redis_frame_bytes': '20' is not a whole number"},
      {"workload:\n  imix_on_vpls: sometimes\n", "bad.yaml:2: workload: 'imix_on_vpls': 'sometimes' is not true"},
      {"workload:\n  arp_interval: soon\n", "bad.yaml:2: workload: 'arp_interval': 'soon': unknown time unit"},
      {"duration: [1s\n", "bad.yaml:"},
      {"- 1\n- 2\n", "bad.yaml:1: scenario: expected a mapping, found a list"},
  };
  for (auto& c : cases) {
    const std::string e = parse_error(c.text);
    EXPECT_TRUE(contains(e, c.message)) << "file:\n" << c.text << "error:\n" << e << "\nwanted:\n" << c.message;
  }
  EXPECT_TRUE(contains(parse_error("duration: [1s\n"), "YAML syntax error"));
  EXPECT_EQ(parse_error(""), "bad.yaml: the scenario is empty");
}

TEST(Scenario, EveryErrorIsReportedNotOnlyTheFirst) {
  auto e = parse_error("sede: 1\nworkload:\n  imix_rate: x\nevents:\n  - {at: 1ms}\n");
  EXPECT_TRUE(contains(e, "bad.yaml:1:")) << e;
  EXPECT_TRUE(contains(e, "bad.yaml:3: workload:")) << e;
  EXPECT_TRUE(contains(e, "bad.yaml:5: events[0]:")) << e;
}

TEST(Scenario, MissingFileIsAnError) {
  auto s = load_scenario("/nonexistent/scenario.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "/nonexistent/scenario.yaml: cannot open the scenario file");
}

TEST(Scenario, NamesAreCheckedAgainstTheTopologyWithTheirLine) {
  auto s = parse_ok(
      "events:\n"
      "  - {at: 1ms, link_down: p1:p2}\n"
      "  - {at: 2ms, link_down: pe2:pe3}\n"
      "  - {at: 3ms, router_up: p9}\n"
      "  - {at: 4ms, service_add: nope}\n"
      "  - at: 5ms\n"
      "    mac_flood: nowhere\n"
      "    frames: 10\n");
  auto st = check_scenario(s, default_topology());
  ASSERT_FALSE(st.ok());
  const std::string& e = st.error().message;
  EXPECT_FALSE(contains(e, "events[0]")) << e;
  EXPECT_TRUE(contains(e, "ok.yaml:3: events[1]: no link between 'pe2' and 'pe3'")) << e;
  EXPECT_TRUE(contains(e, "ok.yaml:4: events[2]: no router 'p9'")) << e;
  EXPECT_TRUE(contains(e, "ok.yaml:5: events[3]: no service 'nope'")) << e;
  EXPECT_TRUE(contains(e, "ok.yaml:6: events[4]: no site 'nowhere'")) << e;
}

// ------------------------------------------------------------ good files
TEST(Scenario, ReadsEveryKeyEveryEventKindAndEveryWorkloadField) {
  auto s = parse_ok(
      "topology: ../default.yaml\n"
      "duration: 1.5s\n"
      "seed: 42\n"
      "lfa: false\n"
      "control_plane_delay: 80ms\n"
      "events:\n"
      "  - {at: 300ms, link_down: p1:p2}\n"
      "  - {at: 0.4s, link_up: p1:p2}\n"
      "  - {at: 500ms, router_down: p3}\n"
      "  - {at: 600ms, router_up: p3}\n"
      "  - {at: 700ms, service_remove: cache}\n"
      "  - {at: 800ms, service_add: cache}\n"
      "  - at: 900ms\n"
      "    mac_flood: dc1-cache\n"
      "    frames: 5000\n"
      "workload:\n"
      "  hosts_per_site: 3\n"
      "  warmup: 30ms\n"
      "  memcached_rps: 2500/s\n"
      "  memcached_set_ratio: 0.25\n"
      "  memcached_hit_ratio: 0.75\n"
      "  memcached_value_cap: 8KiB\n"
      "  memcached_service_time: 50us\n"
      "  redis_rate: 1.5Gbps\n"
      "  redis_frame_bytes: 1000\n"
      "  imix_rate: 7000\n"
      "  imix_on_vpls: yes\n"
      "  arp_interval: 0\n");
  EXPECT_EQ(s.topology, "../default.yaml");  // relative to the file's folder (here none)
  const EmulatorOptions& o = s.options;
  EXPECT_EQ(o.duration_ns, 1'500'000'000u);
  EXPECT_EQ(o.seed, 42u);
  EXPECT_FALSE(o.lfa);
  EXPECT_EQ(o.control_plane_delay_ns, 80'000'000u);
  ASSERT_EQ(o.events.size(), 7u);
  const EventKind kinds[] = {EventKind::link_down,      EventKind::link_up,     EventKind::router_down,
                             EventKind::router_up,      EventKind::service_remove, EventKind::service_add,
                             EventKind::mac_flood};
  for (size_t i = 0; i < 7; ++i) EXPECT_EQ(o.events[i].kind, kinds[i]) << i;
  EXPECT_EQ(o.events[0].at_ns, 300'000'000u);
  EXPECT_EQ(o.events[0].a, "p1");
  EXPECT_EQ(o.events[0].b, "p2");
  EXPECT_EQ(o.events[1].at_ns, 400'000'000u);
  EXPECT_EQ(o.events[2].a, "p3");
  EXPECT_EQ(o.events[4].a, "cache");
  EXPECT_EQ(o.events[6].a, "dc1-cache");
  EXPECT_EQ(o.events[6].count, 5000u);
  // The same text as --event gives: the report's event column.
  EXPECT_EQ(o.events[0].text, "300ms link-down p1:p2");
  EXPECT_EQ(o.events[4].text, "700ms service-remove cache");
  EXPECT_EQ(o.events[6].text, "900ms mac-flood dc1-cache 5000");
  for (auto& e : o.events) {
    auto cli = parse_event(e.text);
    ASSERT_TRUE(cli.ok()) << e.text;
    EXPECT_EQ(cli->kind, e.kind);
    EXPECT_EQ(cli->at_ns, e.at_ns);
    EXPECT_EQ(cli->a, e.a);
    EXPECT_EQ(cli->b, e.b);
    EXPECT_EQ(cli->count, e.count);
  }
  EXPECT_EQ(s.event_lines, (std::vector<int>{7, 8, 9, 10, 11, 12, 13}));
  const Workload& w = o.workload;
  EXPECT_EQ(w.hosts_per_site, 3u);
  EXPECT_EQ(w.warmup_ns, 30'000'000u);
  EXPECT_DOUBLE_EQ(w.memcached_rps, 2500);
  EXPECT_DOUBLE_EQ(w.memcached_set_ratio, 0.25);
  EXPECT_DOUBLE_EQ(w.memcached_hit_ratio, 0.75);
  EXPECT_EQ(w.memcached_value_cap, 8192u);
  EXPECT_DOUBLE_EQ(w.memcached_service_us, 50);
  EXPECT_DOUBLE_EQ(w.redis_mbps, 1500);
  EXPECT_EQ(w.redis_frame_bytes, 1000u);
  EXPECT_DOUBLE_EQ(w.imix_pps, 7000);
  EXPECT_TRUE(w.imix_on_vpls);
  EXPECT_EQ(w.arp_interval_ns, 0u);
  EXPECT_TRUE(s.given.count("workload.redis_rate"));
  EXPECT_TRUE(s.given.count("events"));
  EXPECT_TRUE(check_scenario(s, default_topology()).ok());
}

TEST(Scenario, WhatTheFileLeavesOutKeepsItsDefault) {
  auto s = parse_ok("seed: 9\n");
  const EmulatorOptions d;
  EXPECT_EQ(s.options.seed, 9u);
  EXPECT_EQ(s.options.duration_ns, d.duration_ns);
  EXPECT_EQ(s.options.lfa, d.lfa);
  EXPECT_TRUE(s.options.events.empty());
  EXPECT_DOUBLE_EQ(s.options.workload.memcached_rps, d.workload.memcached_rps);
  EXPECT_EQ(s.topology, "");
  EXPECT_EQ(s.given, (std::set<std::string>{"seed"}));
}

TEST(Scenario, UnitsOfRates) {
  EXPECT_DOUBLE_EQ(*parse_rate_per_s("2000/s"), 2000);
  EXPECT_DOUBLE_EQ(*parse_rate_per_s("2000"), 2000);
  EXPECT_DOUBLE_EQ(*parse_rate_per_s("0.5 /s"), 0.5);
  EXPECT_FALSE(parse_rate_per_s("2000/min").ok());
  EXPECT_FALSE(parse_rate_per_s("-1/s").ok());
  EXPECT_DOUBLE_EQ(*parse_bit_rate("100Mbps"), 100e6);
  EXPECT_DOUBLE_EQ(*parse_bit_rate("1.5Gbps"), 1.5e9);
  EXPECT_DOUBLE_EQ(*parse_bit_rate("800kbps"), 800e3);
  EXPECT_DOUBLE_EQ(*parse_bit_rate("9600bps"), 9600);
  EXPECT_FALSE(parse_bit_rate("100").ok());
  EXPECT_FALSE(parse_bit_rate("Mbps").ok());
}

TEST(Scenario, ShippedExamplesLoadAndFitTheirTopology) {
  for (const char* path : {"topologies/scenarios/link-failure-lfa.yaml", "topologies/scenarios/mac-flood.yaml"}) {
    auto s = load_scenario(path);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->topology, "topologies/default.yaml") << path;
    auto topo = cp::load_topology(s->topology);
    ASSERT_TRUE(topo.ok()) << topo.error().message;
    EXPECT_TRUE(check_scenario(*s, *topo).ok()) << path;
    EXPECT_FALSE(s->options.events.empty()) << path;
  }
}

// ------------------------------------------------------------ precedence
TEST(Scenario, TheCommandLineOverridesTheFile) {
  auto s = parse_ok(
      "duration: 2s\nseed: 5\nlfa: false\ncontrol_plane_delay: 10ms\n"
      "events:\n  - {at: 1s, router_down: p1}\n"
      "workload: {memcached_rps: 100/s, redis_rate: 10Mbps, imix_rate: 10, hosts_per_site: 4, "
      "arp_interval: 1s, imix_on_vpls: true, memcached_hit_ratio: 0.5}\n");
  // Nothing on the command line: the file.
  EmulatorOptions o = resolve_options(&s, {});
  EXPECT_EQ(o.duration_ns, 2'000'000'000u);
  EXPECT_EQ(o.seed, 5u);
  EXPECT_FALSE(o.lfa);
  EXPECT_EQ(o.events.size(), 1u);
  EXPECT_DOUBLE_EQ(o.workload.memcached_rps, 100);

  CommandLineOptions cli;
  cli.seed = 8;
  cli.duration_ns = 300'000'000;
  cli.lfa = true;
  cli.control_plane_delay_ns = 0;
  cli.events = std::vector<EventSpec>{*parse_event("10ms link-down p1:p2"), *parse_event("20ms link-up p1:p2")};
  cli.memcached_rps = 700;
  cli.redis_mbps = 5;
  cli.imix_pps = 0;
  cli.hosts_per_site = 1;
  cli.arp_interval_ns = 0;
  cli.imix_on_vpls = false;
  o = resolve_options(&s, cli);
  EXPECT_EQ(o.seed, 8u);
  EXPECT_EQ(o.duration_ns, 300'000'000u);
  EXPECT_TRUE(o.lfa);
  EXPECT_EQ(o.control_plane_delay_ns, 0u);
  ASSERT_EQ(o.events.size(), 2u);  // --event replaces the file's list
  EXPECT_EQ(o.events[0].kind, EventKind::link_down);
  EXPECT_DOUBLE_EQ(o.workload.memcached_rps, 700);
  EXPECT_DOUBLE_EQ(o.workload.redis_mbps, 5);
  EXPECT_DOUBLE_EQ(o.workload.imix_pps, 0);
  EXPECT_EQ(o.workload.hosts_per_site, 1u);
  EXPECT_EQ(o.workload.arp_interval_ns, 0u);
  EXPECT_FALSE(o.workload.imix_on_vpls);
  // What the command line cannot say stays the file's.
  EXPECT_DOUBLE_EQ(o.workload.memcached_hit_ratio, 0.5);

  // Only some options given: the rest from the file.
  CommandLineOptions some;
  some.seed = 11;
  o = resolve_options(&s, some);
  EXPECT_EQ(o.seed, 11u);
  EXPECT_EQ(o.duration_ns, 2'000'000'000u);
  EXPECT_EQ(o.events.size(), 1u);

  // No file: defaults and the command line.
  o = resolve_options(nullptr, some);
  EXPECT_EQ(o.seed, 11u);
  EXPECT_EQ(o.duration_ns, EmulatorOptions{}.duration_ns);
}

// ------------------------------------------------------------ a run
// A scenario file and the same run from options give the same report,
// field for field (the events' text included).
TEST(Scenario, RunsTheSameAsTheSameOptionsGivenDirectly) {
  auto topo = default_topology();
  auto s = parse_ok(
      "duration: 150ms\nseed: 4\ncontrol_plane_delay: 20ms\n"
      "events:\n  - {at: 50ms, link_down: pe2:p3}\n  - {at: 100ms, link_up: pe2:p3}\n"
      "  - {at: 120ms, mac_flood: dc1-cache, frames: 200}\n"
      "workload: {memcached_rps: 1000/s, redis_rate: 20Mbps, imix_rate: 2000/s}\n");
  ASSERT_TRUE(check_scenario(s, topo).ok());
  EmulatorOptions direct;
  direct.duration_ns = 150'000'000;
  direct.seed = 4;
  direct.control_plane_delay_ns = 20'000'000;
  for (const char* text : {"50ms link-down pe2:p3", "100ms link-up pe2:p3", "120ms mac-flood dc1-cache 200"})
    direct.events.push_back(*parse_event(text));
  direct.workload.memcached_rps = 1000;
  direct.workload.redis_mbps = 20;
  direct.workload.imix_pps = 2000;
  std::string json[2];
  int i = 0;
  for (const EmulatorOptions& o : {resolve_options(&s, {}), direct}) {
    auto emu = Emulator::create(topo, o, test_env::pool(), test_env::rcu());
    ASSERT_TRUE(emu.ok()) << emu.error().message;
    auto r = (*emu)->run();
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->ok());
    ASSERT_EQ(r->events.size(), 3u);
    EXPECT_EQ(r->events[0].event, "50ms link-down pe2:p3");
    json[i++] = to_json(*r);
  }
  EXPECT_EQ(json[0], json[1]);
}

}  // namespace
}  // namespace l2vpn::sim
