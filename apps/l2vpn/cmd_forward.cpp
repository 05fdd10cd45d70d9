// `l2vpn forward --state STATE.json`: one router's fast path on real DPDK
// ports, taken from the ForwardingState's port devices.
#include <rte_cycles.h>
#include <fmt/format.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <unistd.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "dataplane/eal.hpp"
#include "dataplane/launch.hpp"
#include "dataplane/port.hpp"
#include "dataplane/pdump_grace.hpp"
#include "dataplane/rcu.hpp"
#include "dataplane/router.hpp"
#include "dataplane/router_show.hpp"
#include "dataplane/metrics_http.hpp"
#include "dataplane/telemetry.hpp"
#include "dataplane/trace.hpp"

namespace l2vpn::app {

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct ForwardOptions {
  std::string state_path;
  std::string eal_args;
  double duration = 0;      // seconds; 0 = until a signal
  double idle_exit = 0;     // seconds without a received frame; 0 = never
  std::string json_path;
  unsigned mbufs = 16383;
  unsigned workers = 1;     // lcores forwarding, one rx queue (RSS) and tx queue each per port
  bool require_rss = false; // error instead of the one-rx-queue fallback
  std::string file_prefix;  // DPDK's, for `l2vpn ctl` and dpdk-telemetry.py
  uint16_t metrics_port = 0;  // Prometheus over HTTP; 0: off
  std::string metrics_address = "127.0.0.1";
  bool pdump = false;  // let dpdk-dumpcap capture on our ports (hugepages, shared config)
  std::string huge_dir;
  unsigned trace = 0;  // record the first N frames' stages, print them at exit
  std::string memory = "auto";  // auto|huge|nohuge (dataplane/eal.hpp)
};

// The traced frames stage by stage, as `l2vpn ctl trace show` prints them.
std::string format_trace(const dp::TelTable& t) {
  std::string o, frame;
  for (auto& r : t.rows) {
    if (r.size() < 6 || r[0] != "stage") continue;
    if (r[1] != frame) {
      frame = r[1];
      o += fmt::format("\nframe {}\n", frame);
    }
    o += fmt::format("  {:<12} {:<15} {:>5}  {}\n", r[2], r[3], r[5], r[4]);
  }
  return o;
}

int run_forward(const ForwardOptions& o) {
  auto state = load_forwarding_state(o.state_path);
  if (!state) {
    spdlog::error("{}", state.error().message);
    return 2;
  }
  for (auto& p : state->ports)
    if (p.device.empty()) {
      spdlog::error("{}: port '{}' has no device: give it a DPDK device (e.g. "
                    "\"net_tap0,iface=pe1-ac\", \"net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap\", a PCI "
                    "address)",
                    o.state_path, p.name);
      return 2;
    }
  if (state->ports.size() > RTE_MAX_ETHPORTS) {
    spdlog::error("{}: {} ports, but DPDK allows {} ethdev ports per process", o.state_path,
                  state->ports.size(), RTE_MAX_ETHPORTS);
    return 2;
  }
  dp::EalRequest req;
  req.what = "forward";
  req.file_prefix = o.file_prefix;
  req.extra = o.eal_args;
  req.memory = o.memory;
  req.workers = o.workers;
  req.pdump = o.pdump;
  req.huge_dir = o.huge_dir;
  auto eal = dp::start_eal(req);
  if (!eal) {
    spdlog::error("{}", eal.error().message);
    return eal.error().message.rfind("DPDK EAL", 0) == 0 ? 1 : 2;
  }
  for (auto& w : eal->warnings) spdlog::warn("{}", w);
  const std::string prefix = eal->prefix;
  spdlog::info("memory: {}", eal->memory);
  if (o.pdump) {
    if (auto st = dp::pdump_init(); !st) {
      spdlog::error("{}", st.error().message);
      return 1;
    }
    spdlog::info("pdump: dpdk-dumpcap --file-prefix={} -i <port> -w FILE", prefix);
  }
  auto pool = dp::make_mbuf_pool("forward_pool", o.mbufs);
  if (!pool) {
    spdlog::error("{}", pool.error().message);
    return 1;
  }
  dp::Rcu rcu(std::max(4u, o.workers));
  // dumpcap stopping must not free its ring/mempool under a worker in the pdump callback.
  std::optional<dp::PdumpGracePeriod> pdump_grace;
  if (o.pdump) pdump_grace.emplace(rcu);
  dp::Router router(state->router, rcu, o.workers);
  std::vector<uint16_t> eth_ports;
  for (auto& p : state->ports) {
    std::string note;
    auto id = dp::attach_ethdev_port(router, p.name, p.device, *pool, o.require_rss, &note);
    if (!id) {
      spdlog::error("{}", id.error().message);
      return 2;
    }
    if (o.workers > 1) spdlog::info("port '{}': {}", p.name, note);
    eth_ports.push_back(*id);
    spdlog::info("port '{}' = {} (ethdev {})", p.name, p.device, *id);
  }
  if (auto st = router.update(*state); !st) {
    spdlog::error("{}: {}", o.state_path, st.error().message);
    return 2;
  }
  auto telemetry = dp::telemetry_register({&router});  // unregistered before the router goes
  if (!telemetry) spdlog::warn("{}", telemetry.error().message);
  if (o.trace) {
    // A pcap run is over before `ctl trace add` could attach: arm from the start.
    router.prepare_trace();
    dp::TraceFilter f;
    f.count = o.trace;
    if (auto st = dp::trace_arm(f); !st) {
      spdlog::error("--trace: {}", st.error().message);
      return 1;
    }
  }
  spdlog::info("telemetry: l2vpn ctl --file-prefix {} show routers", prefix);
  auto metrics = dp::start_metrics(o.metrics_address, o.metrics_port);
  if (!metrics) {
    spdlog::error("{}", metrics.error().message);
    return 2;
  }
  rcu.register_worker(0);
  std::atomic<bool> stop_workers{false};
  uint64_t rx_seen = 0;
  std::vector<dp::PollLoop> loops;
  loops.reserve(o.workers);
  for (unsigned w = 1; w < o.workers; ++w) {
    loops.push_back({&router, &rcu, w, &stop_workers, 0});
    if (int rc = rte_eal_remote_launch(dp::poll_loop, &loops.back(), w); rc != 0) {
      spdlog::error("worker {}: cannot launch on lcore {} (rc {})", w, w, rc);
      stop_workers = true;
      rte_eal_mp_wait_lcore();
      return 1;
    }
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const uint64_t hz = rte_get_tsc_hz();
  const uint64_t start = rte_get_tsc_cycles();
  uint64_t last_rx = start;
  uint64_t last_housekeeping = start;
  spdlog::info("router '{}' forwarding on {} ports", state->router, state->ports.size());
  while (!g_stop) {
    unsigned n = router.poll(0);
    rcu.quiescent(0);
    uint64_t now = rte_get_tsc_cycles();
    if (n) last_rx = now;
    if (now - last_housekeeping >= hz) {
      // Once a second, off the burst path: age learned MACs, free retired tables.
      last_housekeeping = now;
      if (o.workers > 1) {
        // Other workers' frames count as traffic for --idle-exit.
        const uint64_t rx = router.stats().rx_packets;
        if (rx != rx_seen) last_rx = now;
        rx_seen = rx;
      }
      router.age_macs();
      router.reclaim();
    }
    if (o.duration > 0 && double(now - start) / double(hz) >= o.duration) break;
    if (o.idle_exit > 0 && double(now - last_rx) / double(hz) >= o.idle_exit) break;
  }
  stop_workers = true;
  rte_eal_mp_wait_lcore();
  router.flush(0);
  rcu.unregister_worker(0);
  std::cout << dp::format_counters(router);
  if (o.trace) {
    const std::string text = format_trace(dp::trace_table({&router}));
    std::cout << fmt::format("\ntrace of the first {} frames:{}", o.trace,
                             text.empty() ? std::string("\n  no frame arrived\n") : text);
    dp::trace_disarm();
  }
  if (o.pdump) {
    const auto g = dp::pdump_grace_stats();
    spdlog::info("pdump: {} capture callback removals waited for the workers, {} timed out", g.waited,
                 g.timed_out);
  }
  if (!o.json_path.empty()) {
    std::ofstream out(o.json_path);
    out << dp::counters_json(router) << "\n";
  }
  for (auto id : eth_ports) {
    rte_eth_dev_stop(id);
    rte_eth_dev_close(id);  // net_pcap writes its capture file out on close
  }
  return 0;
}

}  // namespace

void add_forward_command(CLI::App& app) {
  auto o = std::make_shared<ForwardOptions>();
  auto* cmd = app.add_subcommand("forward", "run one router's fast path from a ForwardingState file");
  cmd->add_option("--state", o->state_path, "ForwardingState JSON (l2vpn topo --state-json)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--eal", o->eal_args, "extra DPDK EAL arguments, e.g. \"--vdev net_tap0\"");
  cmd->add_option("--duration", o->duration, "stop after this many seconds (default: on SIGINT)");
  cmd->add_option("--idle-exit", o->idle_exit,
                  "stop once no frame arrived for this many seconds (pcap input)");
  cmd->add_option("--json", o->json_path, "write the final counters as JSON to this file");
  cmd->add_option("--mbufs", o->mbufs, "mbufs in the packet pool");
  cmd->add_option("--workers", o->workers,
                  "forwarding lcores; each port gets one RSS rx queue and one tx queue per worker "
                  "(no RSS: worker 0 receives, all transmit)")
      ->check(CLI::Range(1u, 64u));
  cmd->add_flag("--require-rss", o->require_rss, "with --workers N > 1: fail on ports without RSS");
  cmd->add_option("--metrics-port", o->metrics_port, "serve Prometheus metrics on this HTTP port (0: off)");
  cmd->add_option("--metrics-address", o->metrics_address, "address of the metrics port")->capture_default_str();
  cmd->add_flag("--pdump", o->pdump,
                "let dpdk-dumpcap capture on the ports: hugepages on a hugetlbfs mount, shared config "
                "(docs/observability.md)");
  cmd->add_option("--huge-dir", o->huge_dir, "--pdump: the hugetlbfs mount (default: EAL's, /dev/hugepages)");
  cmd->add_option("--file-prefix", o->file_prefix,
                  "DPDK file prefix, for `l2vpn ctl --file-prefix` (default l2vpn-forward-<pid>)");
  cmd->add_option("--trace", o->trace,
                  "record every stage of the first N frames received and print them at exit "
                  "(like `l2vpn ctl trace add N` from the start; the ring keeps the newest 1,024 stages)")
      ->check(CLI::Range(1u, 1000u));
  cmd->add_option("--memory", o->memory,
                  "auto: hugepages when root and 64 free 2 MiB pages are reserved, else --no-huge; huge; "
                  "nohuge (the start-up line says which)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "huge", "nohuge"}));
  cmd->callback([o] { exit_code = run_forward(*o); });
}

}  // namespace l2vpn::app
