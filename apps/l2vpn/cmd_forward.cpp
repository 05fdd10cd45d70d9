// `l2vpn forward --state STATE.json`: one router's fast path on real DPDK
// ports, taken from the ForwardingState's port devices.
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "dataplane/eal.hpp"
#include "dataplane/port.hpp"
#include "dataplane/rcu.hpp"
#include "dataplane/router.hpp"
#include "dataplane/router_show.hpp"
#include "dataplane/telemetry.hpp"

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
  std::string file_prefix;  // DPDK's, for `l2vpn ctl` and dpdk-telemetry.py
};

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
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
  auto eal = dp::default_eal_args("0");
  for (auto& w : split_words(o.eal_args)) eal.push_back(w);
  const std::string prefix =
      dp::set_file_prefix(eal, o.file_prefix.empty() ? dp::default_file_prefix("forward") : o.file_prefix);
  if (auto st = dp::eal_init(eal); !st) {
    spdlog::error("{}", st.error().message);
    return 1;
  }
  auto pool = dp::make_mbuf_pool("forward_pool", o.mbufs);
  if (!pool) {
    spdlog::error("{}", pool.error().message);
    return 1;
  }
  dp::Rcu rcu(4);
  dp::Router router(state->router, rcu, 1);
  std::vector<uint16_t> eth_ports;
  for (auto& p : state->ports) {
    auto id = dp::probe_ethdev(p.device);
    if (!id) {
      spdlog::error("port '{}': {}", p.name, id.error().message);
      return 2;
    }
    if (auto st = dp::start_ethdev(*id, 1, *pool); !st) {
      spdlog::error("port '{}' ({}): {}", p.name, p.device, st.error().message);
      return 2;
    }
    uint16_t idx = router.add_port(p.name);
    router.set_port_io(idx, 0, std::make_unique<dp::EthdevPortIo>(*id, 0));
    eth_ports.push_back(*id);
    spdlog::info("port '{}' = {} (ethdev {})", p.name, p.device, *id);
  }
  if (auto st = router.update(*state); !st) {
    spdlog::error("{}: {}", o.state_path, st.error().message);
    return 2;
  }
  auto telemetry = dp::telemetry_register({&router});  // unregistered before the router goes
  if (!telemetry) spdlog::warn("{}", telemetry.error().message);
  spdlog::info("telemetry: l2vpn ctl --file-prefix {} show routers", prefix);
  rcu.register_worker(0);
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
      router.age_macs();
      router.reclaim();
    }
    if (o.duration > 0 && double(now - start) / double(hz) >= o.duration) break;
    if (o.idle_exit > 0 && double(now - last_rx) / double(hz) >= o.idle_exit) break;
  }
  router.flush(0);
  rcu.unregister_worker(0);
  std::cout << dp::format_counters(router);
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
  cmd->add_option("--file-prefix", o->file_prefix,
                  "DPDK file prefix, for `l2vpn ctl --file-prefix` (default l2vpn-forward-<pid>)");
  cmd->callback([o] { exit_code = run_forward(*o); });
}

}  // namespace l2vpn::app
