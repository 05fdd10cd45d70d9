#pragma once
// Scenario files for `l2vpn sim --scenario FILE.yaml`: the run's duration,
// seed, control-plane settings, timeline of events and workload in one
// strict YAML file (docs/emulator.md, topologies/scenarios/). Unknown keys
// are errors with a suggestion; every error names the file, the line and
// the object ("events[2]", "workload"). Options given on the command line
// override the file (resolve_options).

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "contract/result.hpp"
#include "controlplane/topology.hpp"
#include "sim/emulator.hpp"

namespace l2vpn::sim {

struct Scenario {
  std::string source;    // the file (errors name it)
  std::string topology;  // `topology:`, resolved against the file's folder; empty: not given
  // Defaults (EmulatorOptions{}), then what the file gives.
  EmulatorOptions options;
  std::vector<int> event_lines;  // per options.events: the line of its entry
  // Keys the file gave, as written: "duration", "seed", "lfa",
  // "control_plane_delay", "events", "workload.memcached_rps", ...
  std::set<std::string> given;
};

// Reads and checks a scenario (syntax, keys, types, units, ranges); names
// of links, routers, services and sites are checked by check_scenario.
Result<Scenario> load_scenario(const std::string& path);
Result<Scenario> parse_scenario(std::string_view text, std::string_view source_name);

// The events' names against a topology: "FILE:LINE: events[i]: no link ...".
Status check_scenario(const Scenario& s, const cp::Topology& topo);

// What the command line gave (unset: not given). It wins over the file.
struct CommandLineOptions {
  std::optional<uint64_t> seed, duration_ns, control_plane_delay_ns;
  std::optional<bool> lfa;
  std::optional<std::vector<EventSpec>> events;  // replaces the file's list
  std::optional<unsigned> hosts_per_site;
  std::optional<double> memcached_rps, redis_mbps, imix_pps;
  std::optional<bool> imix_on_vpls;
  std::optional<uint64_t> arp_interval_ns;
};

// Defaults, then the scenario (if any), then the command line.
EmulatorOptions resolve_options(const Scenario* scenario, const CommandLineOptions& cli);

// Units of the file, also for tests: "2000/s", "2000" (per second);
// "100Mbps", "1.5Gbps", "800kbps", "9600bps" (bits/s).
Result<double> parse_rate_per_s(std::string_view text);
Result<double> parse_bit_rate(std::string_view text);

}  // namespace l2vpn::sim
