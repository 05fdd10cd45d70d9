// `l2vpn sim [TOPOLOGY]`: emulate a whole backbone in one process: the
// control plane computes every router's ForwardingState, one dataplane
// Router per node runs it over ring links, the hosts of every site run
// their workloads (memcached, redis replication, IMIX, ARP) across the
// services while a timeline of events (--event) fails and restores links
// and routers, and the report says what every receiver saw (sim/emulator.hpp,
// docs/emulator.md). `--pcap DIR` records chosen links as pcapng files,
// `--svg FILE` draws the topology with the load each link carried.
// `--scenario FILE.yaml` gives the duration, seed, events and workload in
// one file (sim/scenario.hpp); options on the command line override it.
// `--probe` runs the older check instead: marked frames
// across every service, then again after each --fail-link.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <tuple>

#include "commands.hpp"
#include "controlplane/network.hpp"
#include "controlplane/yaml_loader.hpp"
#include "dataplane/eal.hpp"
#include "dataplane/router_show.hpp"
#include "dataplane/metrics_http.hpp"
#include "dataplane/telemetry.hpp"
#include "sim/backbone.hpp"
#include "sim/capture.hpp"
#include "sim/default_topology.hpp"
#include "sim/emulator.hpp"
#include "sim/report_svg.hpp"
#include "sim/scenario.hpp"
#include "sim/service_check.hpp"

namespace l2vpn::app {

namespace {

struct SimOptions {
  std::string topology;
  unsigned frames = 64;
  std::vector<std::string> fail_links;
  bool counters = false;
  bool probe = false;
  std::string duration = "1s";
  uint64_t seed = 1;
  bool real_time = false;
  std::string json;
  std::vector<std::string> events;
  bool no_lfa = false;
  std::string cp_delay = "50ms";
  sim::Workload workload;
  std::string arp_interval = "100ms";
  std::string pcap_dir;
  std::vector<std::string> pcap_links;  // "A:B"; empty: every link
  std::string svg;
  std::string file_prefix;  // DPDK's, for `l2vpn ctl` (docs/observability.md)
  uint16_t metrics_port = 0;  // Prometheus over HTTP; 0: off
  std::string metrics_address = "127.0.0.1";
  std::string scenario;
  std::set<std::string> given;  // options given on the command line ("--seed", ...)
};

// SIGINT/SIGTERM: the run stops at once and reports what it has (exit 3).
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }
constexpr int kExitCutShort = 3;

void print_router_totals(const sim::Backbone& bb) {
  uint64_t rx = 0, fwd = 0, drops = 0, replicas = 0;
  std::array<uint64_t, dp::kDropReasonCount> by_reason{};
  for (auto& r : bb.routers()) {
    auto st = r->stats();
    rx += st.rx_packets;
    fwd += st.forwarded;
    drops += st.total_drops();
    replicas += st.replicas;
    for (size_t i = 0; i < dp::kDropReasonCount; ++i) by_reason[i] += st.drops[i];
  }
  // received + flood/P2MP copies = forwarded + dropped
  std::cout << fmt::format("routers: {}  frames received {}  copies made {}  forwarded {}  dropped {}\n",
                           bb.routers().size(), rx, replicas, fwd, drops);
  for (size_t i = 0; i < dp::kDropReasonCount; ++i)
    if (by_reason[i])
      std::cout << fmt::format("  drop {:<24} {:>10}  {}\n", dp::kDropReasonNames[i], by_reason[i],
                               dp::kDropReasonDescriptions[i]);
}

// EAL (no hugepages, no PCI) and the one packet pool every router and host
// draws from; nullptr after logging why.
rte_mempool* start_dataplane(const std::string& file_prefix) {
  auto eal = dp::default_eal_args("0");
  spdlog::info("telemetry: l2vpn ctl --file-prefix {} show routers",
               dp::set_file_prefix(eal, file_prefix.empty() ? dp::default_file_prefix("sim") : file_prefix));
  // Until the backbone is built, `l2vpn ctl` hears "still starting".
  if (auto st = dp::telemetry_announce_starting(); !st) spdlog::warn("{}", st.error().message);
  if (auto st = dp::eal_init(eal); !st) {
    spdlog::error("{}", st.error().message);
    return nullptr;
  }
  auto pool = dp::make_mbuf_pool("sim_pool", 65535);
  if (!pool) {
    spdlog::error("{}", pool.error().message);
    return nullptr;
  }
  return *pool;
}

int run_traffic(const SimOptions& o, const cp::Topology& topo, const std::vector<uint32_t>& fail,
                const sim::Scenario* scenario) {
  // Only what was given on the command line overrides the scenario file.
  auto given = [&](const char* name) { return o.given.count(name) > 0; };
  sim::CommandLineOptions cli;
  if (given("--seed")) cli.seed = o.seed;
  if (given("--no-lfa")) cli.lfa = !o.no_lfa;
  for (auto [name, text, out] :
       {std::tuple{"--duration", &o.duration, &cli.duration_ns}, {"--cp-delay", &o.cp_delay, &cli.control_plane_delay_ns},
        {"--arp-interval", &o.arp_interval, &cli.arp_interval_ns}}) {
    if (!given(name) && scenario) continue;
    auto d = sim::parse_duration(*text);
    if (!d) {
      spdlog::error("{} {}", name, d.error().message);
      return 2;
    }
    *out = *d;
  }
  if (cli.duration_ns == 0u) {
    spdlog::error("--duration must be above zero");
    return 2;
  }
  if (cli.duration_ns && *cli.duration_ns > sim::kMaxDurationNs) {
    spdlog::error("--duration {}: above the maximum of {} s", o.duration, sim::kMaxDurationNs / 1'000'000'000);
    return 2;
  }
  if (given("--hosts")) cli.hosts_per_site = o.workload.hosts_per_site;
  if (given("--memcached-rps")) cli.memcached_rps = o.workload.memcached_rps;
  if (given("--redis-mbps")) cli.redis_mbps = o.workload.redis_mbps;
  if (given("--imix-pps")) cli.imix_pps = o.workload.imix_pps;
  if (given("--imix-vpls")) cli.imix_on_vpls = o.workload.imix_on_vpls;
  if (given("--event")) {
    cli.events.emplace();
    for (auto& text : o.events) {
      auto e = sim::parse_event(text);
      if (!e) {
        spdlog::error("--event {}", e.error().message);
        return 2;
      }
      cli.events->push_back(*e);
    }
  }
  sim::EmulatorOptions eo = sim::resolve_options(scenario, cli);
  eo.real_time = o.real_time;
  for (auto link : fail) {
    auto& l = topo.links[link];
    eo.events.push_back(sim::EventSpec{eo.duration_ns / 3, sim::EventKind::link_down, l.a, l.b, 0,
                                       fmt::format("{}ms link-down {}:{}", eo.duration_ns / 3 / 1'000'000, l.a, l.b)});
  }
  const auto wall0 = std::chrono::steady_clock::now();
  const bool tty = isatty(STDERR_FILENO);
  bool progress_shown = false;
  eo.progress = [&](uint64_t now, uint64_t end) {
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    if (!tty || wall < 2.0) return;
    progress_shown = true;
    std::cerr << fmt::format("\r  {:.3f} s of {:.3f} s emulated, {:.1f} s wall", double(now) / 1e9,
                             double(end) / 1e9, wall)
              << std::flush;
  };
  auto pool = start_dataplane(o.file_prefix);
  if (!pool) return 1;
  // From here a signal cuts the run short (before run(): it returns at once).
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  dp::Rcu rcu(4);
  const uint64_t eo_duration = eo.duration_ns;
  auto emu = sim::Emulator::create(topo, std::move(eo), pool, rcu);
  if (!emu) {
    spdlog::error("{}", emu.error().message);
    return 2;
  }
  auto telemetry = dp::telemetry_register_all((*emu)->backbone().routers());  // goes before the emulator
  if (!telemetry) spdlog::warn("{}", telemetry.error().message);
  auto metrics = dp::start_metrics(o.metrics_address, o.metrics_port);
  if (!metrics) {
    spdlog::error("{}", metrics.error().message);
    return 2;
  }
  // Fail before the run, not after it: graphviz missing, file not writable.
  if (!o.svg.empty())
    if (auto st = sim::write_svg("graph g {}", o.svg); !st) {
      spdlog::error("{}", st.error().message);
      return 2;
    }
  // Destroyed before the emulator (declared after it): they detach from its links.
  auto c = sim::open_pcap_option((*emu)->backbone(), o.pcap_dir, o.pcap_links);
  if (!c) {
    spdlog::error("{}", c.error().message);
    return 2;
  }
  std::unique_ptr<sim::CaptureSet> captures = std::move(*c);
  std::cout << fmt::format("topology {}: {} routers, {} links, {} sites, {} VPWS, {} VPLS\n",
                           topo.name.empty() ? topo.source : topo.name, topo.routers.size(),
                           topo.links.size(), topo.sites.size(), topo.vpws.size(), topo.vpls.size());
  auto report = (*emu)->run(&g_stop);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (progress_shown) std::cerr << "\n";
  if (!report) {
    spdlog::error("{}", report.error().message);
    return 1;
  }
  if (captures) {
    const auto paths = captures->paths();
    const uint64_t frames = captures->frames();
    if (auto st = captures->close(); !st) {
      spdlog::error("{}", st.error().message);
      return 1;
    }
    std::cout << fmt::format("captured {} frames into {} pcapng files in {}\n", frames, paths.size(),
                             o.pcap_dir);
  }
  if (!o.svg.empty()) {
    const auto& bb = (*emu)->backbone();
    if (auto st = sim::write_svg(sim::to_dot_with_load(bb.topology(), bb, eo_duration), o.svg); !st) {
      spdlog::error("{}", st.error().message);
      return 1;
    }
    std::cout << fmt::format("topology with link load drawn in {}\n", o.svg);
  }
  std::cout << sim::format_report(*report);
  std::cout << fmt::format("\n{} packet-hops in {:.2f} s wall: {:.2f} M packet-hops/s\n",
                           report->totals.packet_hops, report->wall_seconds,
                           double(report->totals.packet_hops) / std::max(report->wall_seconds, 1e-9) / 1e6);
  if (!o.json.empty()) {
    std::ofstream f(o.json);
    f << sim::to_json(*report) << "\n";
    if (!f) {
      spdlog::error("{}: cannot write", o.json);
      return 1;
    }
  }
  if (report->cut_short) {
    std::cout << fmt::format("\nresult: CUT SHORT by a signal at {:.3f} ms of {} ms: the report above is the "
                             "traffic so far{}\n",
                             report->cut_at_ms, report->duration_ms,
                             o.json.empty() ? "" : fmt::format(" (also in {}, \"cut_short\": true)", o.json));
    return kExitCutShort;
  }
  const bool ok = report->ok();
  const uint64_t switch_dups = report->totals.duplicated_at_switchover;
  if (ok && switch_dups)
    std::cout << fmt::format("\nresult: every frame arrived where it was meant to (losses only in event windows); "
                             "{} arrived twice across H-VPLS spoke switchovers (see the events)\n",
                             switch_dups);
  else
    std::cout << (ok ? "\nresult: every frame arrived once, where it was meant to (losses only in event windows)\n"
                     : "\nresult: NOT OK:\n" + report->problems());
  return ok ? 0 : 1;
}

int run_sim(const SimOptions& o) {
  // stdout is the report; what goes wrong goes to stderr, plainly (no log
  // timestamps), as `topo` does.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("l2vpn-sim"));
  spdlog::set_pattern("l2vpn sim: %^%l%$: %v");
  std::optional<sim::Scenario> scenario;
  if (!o.scenario.empty()) {
    if (o.probe) {
      spdlog::error("--scenario belongs to the traffic run, not --probe");
      return 2;
    }
    auto s = sim::load_scenario(o.scenario);
    if (!s) {
      spdlog::error("{}", s.error().message);
      return 2;
    }
    scenario = std::move(*s);
  }
  // The topology on the command line, else the scenario's, else the default.
  const std::string topology_path =
      !o.topology.empty() ? o.topology : scenario ? scenario->topology : std::string();
  Result<cp::Topology> topo =
      topology_path.empty() ? cp::parse_topology_yaml(sim::kDefaultTopologyYaml, sim::kDefaultTopologyName)
                            : cp::load_topology(topology_path);
  if (!topo) {
    spdlog::error("{}", topo.error().message);
    return 2;
  }
  for (auto& w : topo->warnings) spdlog::warn("{}", w);
  // The file's events against this topology, with the file's line numbers
  // (unless --event replaces them).
  if (scenario && !o.given.count("--event"))
    if (auto st = sim::check_scenario(*scenario, *topo); !st) {
      spdlog::error("{}", st.error().message);
      return 2;
    }
  if (!o.pcap_links.empty() && o.pcap_dir.empty()) {
    spdlog::error("--pcap-links needs --pcap DIR");
    return 2;
  }
  if (o.probe && (!o.pcap_dir.empty() || !o.svg.empty())) {
    spdlog::error("--pcap and --svg belong to the traffic run, not --probe");
    return 2;
  }
  std::vector<uint32_t> fail;
  for (auto& spec : o.fail_links) {
    auto ends = cp::parse_link_spec(spec);
    if (!ends) {
      spdlog::error("--fail-link {}: {}", spec, ends.error().message);
      return 2;
    }
    bool found = false;
    for (uint32_t i = 0; i < topo->links.size(); ++i) {
      auto& l = topo->links[i];
      if ((l.a == ends->first && l.b == ends->second) || (l.b == ends->first && l.a == ends->second)) {
        fail.push_back(i);
        found = true;
      }
    }
    if (!found) {
      spdlog::error("--fail-link {}: no link between '{}' and '{}' in {}", spec, ends->first,
                    ends->second, topo->source);
      return 2;
    }
  }
  if (!o.probe) return run_traffic(o, *topo, fail, scenario ? &*scenario : nullptr);
  auto net = cp::Network::create(*topo);
  if (!net) {
    spdlog::error("{}", net.error().message);
    return 2;
  }
  auto pool = start_dataplane(o.file_prefix);
  if (!pool) return 1;
  dp::Rcu rcu(4);
  const cp::Topology& t = (*net)->topology();
  auto bb = sim::Backbone::build(t, (*net)->state(), rcu);
  if (!bb) {
    spdlog::error("{}", bb.error().message);
    return 1;
  }
  auto telemetry = dp::telemetry_register_all((*bb)->routers());
  if (!telemetry) spdlog::warn("{}", telemetry.error().message);
  auto metrics = dp::start_metrics(o.metrics_address, o.metrics_port);
  if (!metrics) {
    spdlog::error("{}", metrics.error().message);
    return 2;
  }
  std::cout << fmt::format("topology {}: {} routers, {} links, {} sites, {} VPWS, {} VPLS\n",
                           t.name.empty() ? t.source : t.name, t.routers.size(), t.links.size(),
                           t.sites.size(), t.vpws.size(), t.vpls.size());
  auto report = sim::check_services(**bb, t, (*net)->state(), pool, o.frames);
  std::cout << "\nservices, all links up:\n" << report.table();
  bool ok = report.ok();
  for (auto link : fail) {
    auto& l = t.links[link];
    (*bb)->set_link_up(link, false);  // local repair (LFA) acts at once
    auto d = (*net)->link_down(link);
    if (!d) {
      spdlog::error("{}", d.error().message);
      return 1;
    }
    if (auto st = (*bb)->apply((*net)->state()); !st) {
      spdlog::error("{}", st.error().message);
      return 1;
    }
    std::cout << fmt::format("\nlink {} -- {} down: {} routers reprogrammed, {} table entries changed\n",
                             l.a, l.b, d->routers.size(), d->size());
    auto after = sim::check_services(**bb, t, (*net)->state(), pool, o.frames);
    std::cout << after.table();
    ok = ok && after.ok();
  }
  std::cout << "\n";
  print_router_totals(**bb);
  if (o.counters)
    for (auto& r : (*bb)->routers()) std::cout << "\n" << dp::format_counters(*r);
  std::cout << (ok ? "\nresult: every frame arrived once, where it was meant to\n"
                   : "\nresult: FRAMES LOST, DUPLICATED OR MISDELIVERED (see above)\n");
  return ok ? 0 : 1;
}

}  // namespace

void add_sim_command(CLI::App& app) {
  auto o = std::make_shared<SimOptions>();
  auto* cmd = app.add_subcommand(
      "sim", "emulate a backbone: every router's real fast path, frames across every service");
  cmd->add_option("topology", o->topology,
                  "YAML topology or GraphML backbone (default: the built-in topologies/default.yaml)");
  cmd->add_option("--duration", o->duration, "traffic time (virtual unless --real-time)")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "seed of every random choice (same seed, same report)")
      ->capture_default_str();
  cmd->add_flag("--real-time", o->real_time, "follow the wall clock (for real hosts attached)");
  cmd->add_option("--json", o->json, "write the report as JSON (docs/emulator.md)");
  cmd->add_option("--event", o->events,
                  "timeline event: 'TIME link-down A:B', link-up, 'TIME router-down R', router-up, "
                  "'TIME service-remove S', service-add, 'TIME mac-flood SITE FRAMES'");
  cmd->add_flag("--no-lfa", o->no_lfa, "strip LFA backups: failures wait for the recomputation");
  cmd->add_option("--cp-delay", o->cp_delay, "failure detection + SPF + LDP before new tables")
      ->capture_default_str();
  cmd->add_option("--hosts", o->workload.hosts_per_site, "hosts per site")->capture_default_str()
      ->check(CLI::Range(1u, 200u));
  cmd->add_option("--memcached-rps", o->workload.memcached_rps, "requests/s per memcached client")
      ->capture_default_str()->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--redis-mbps", o->workload.redis_mbps, "redis master-to-replica stream, Mbit/s")
      ->capture_default_str()->check(CLI::Range(0.0, 1e5));
  cmd->add_option("--imix-pps", o->workload.imix_pps, "IMIX frames/s per VPWS direction")
      ->capture_default_str()->check(CLI::Range(0.0, 1e7));
  cmd->add_flag("--imix-vpls", o->workload.imix_on_vpls, "IMIX also across each VPLS");
  cmd->add_option("--arp-interval", o->arp_interval, "each host's ARP (broadcast) interval, 0: off")
      ->capture_default_str();
  cmd->add_option("--pcap", o->pcap_dir,
                  "record links into DIR/<a>--<b>.pcapng (virtual-time stamps; docs/emulator.md)");
  cmd->add_option("--pcap-links", o->pcap_links, "--pcap: only these links, A:B[,C:D...] (default all)")
      ->delimiter(',');
  cmd->add_option("--svg", o->svg, "draw the topology with each link's load after the run (graphviz)");
  cmd->add_option("--metrics-port", o->metrics_port, "serve Prometheus metrics on this HTTP port (0: off)");
  cmd->add_option("--metrics-address", o->metrics_address, "address of the metrics port")->capture_default_str();
  cmd->add_option("--file-prefix", o->file_prefix,
                  "DPDK file prefix, for `l2vpn ctl --file-prefix` (default l2vpn-sim-<pid>)");
  cmd->add_flag("--probe", o->probe, "run the simple probe check instead of the traffic run");
  cmd->add_option("--frames", o->frames, "--probe: frames per direction per service pair")
      ->check(CLI::Range(1u, 100000u));
  cmd->add_option("--fail-link", o->fail_links,
                  "take link A:B down (traffic run: at a third of the duration; --probe: after the "
                  "first check, then check again)");
  cmd->add_flag("--counters", o->counters, "--probe: print every router's counters");
  cmd->add_option("--scenario", o->scenario,
                  "YAML scenario: duration, seed, lfa, control_plane_delay, events, workload, topology "
                  "(docs/emulator.md); options given here override it");
  cmd->callback([o, cmd] {
    for (const char* name : {"--seed", "--duration", "--cp-delay", "--arp-interval", "--no-lfa", "--hosts",
                             "--memcached-rps", "--redis-mbps", "--imix-pps", "--imix-vpls", "--event"})
      if (cmd->get_option(name)->count() > 0) o->given.insert(name);
    exit_code = run_sim(*o);
  });
}

}  // namespace l2vpn::app
