// `l2vpn run TOPOLOGY`: the emulated backbone in real time, with the
// attachment circuits of its PEs bound to real interfaces (af_packet on a
// veth or a NIC's kernel interface, tap, memif, a NIC by PCI address), so
// real hosts in several data centers share one Ethernet segment (VPLS) or a
// wire (VPWS) across the emulated MPLS core. Runs until SIGINT/SIGTERM.
// While it runs, the DPDK telemetry command /l2vpn/event queues link and
// router events ("link-down p1:p2"). docs/l2-stretch.md.
#include <net/if.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "commands.hpp"
#include "controlplane/network.hpp"
#include "controlplane/yaml_loader.hpp"
#include "dataplane/counters.hpp"
#include "dataplane/eal.hpp"
#include "dataplane/launch.hpp"
#include "dataplane/metrics_http.hpp"
#include "dataplane/telemetry.hpp"
#include "dataplane/port.hpp"
#include "sim/backbone.hpp"
#include "sim/capture.hpp"
#include "sim/emulator.hpp"

namespace l2vpn::app {

namespace {

struct RunOptions {
  std::string topology;
  std::vector<std::string> binds;  // "PE:PORT=SPEC" or "SITE=SPEC"
  std::string file_prefix;
  std::string eal_args;
  bool hugepages = false;  // --hugepages: the older spelling of --memory huge
  std::string memory = "auto";
  std::vector<std::string> events;  // timeline, "TIME link-down A:B"
  std::string cp_delay = "50ms";
  bool no_lfa = false;
  std::string workload;  // duration of the emulated hosts' workload; empty: off
  unsigned hosts = 1;
  std::string pcap_dir;
  std::vector<std::string> pcap_links;
  std::string duration;  // stop by itself after this long (tests); empty: on a signal
  unsigned mbufs = 65535;
  uint16_t metrics_port = 0;  // Prometheus over HTTP; 0: off
  std::string metrics_address = "127.0.0.1";
};

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

// The telemetry thread reaches the emulator through this, under the mutex:
// cleared before the emulator goes away.
std::mutex g_emu_mu;
sim::Emulator* g_emu = nullptr;

int telemetry_event(const char*, const char* params, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  std::string text = params ? params : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  Result<double> at = Error{"l2vpn run is not running yet, or is stopping"};
  if (text.empty()) {
    at = Error{"give the event: /l2vpn/event,TEXT"};
  } else {
    std::lock_guard lock(g_emu_mu);
    if (g_emu) at = g_emu->inject(text);
  }
  // Telemetry strings are at most RTE_TEL_MAX_STRING_LEN (128) bytes.
  auto put = [&](const char* key, std::string v) {
    if (v.size() >= RTE_TEL_MAX_STRING_LEN) v = v.substr(0, RTE_TEL_MAX_STRING_LEN - 4) + "...";
    rte_tel_data_add_dict_string(d, key, v.c_str());
  };
  if (!at) {
    // A reply string holds 127 bytes: the forms go in a key of their own
    // (`l2vpn ctl` prints them after the error).
    std::string msg = at.error().message;
    const std::string forms = fmt::format(" ({})", sim::kInjectForms);
    if (auto p = msg.find(forms); p != std::string::npos) msg.erase(p, forms.size());
    put("error", msg);
    put("forms", sim::kInjectForms);
  } else {
    put("queued", text);
    rte_tel_data_add_dict_u64(d, "at_ms", uint64_t(*at));
  }
  return 0;
}

// One bound port: what the user wrote and what DPDK is given.
struct Binding {
  std::string pe, port, spec;
  std::vector<std::string> sites;
  std::string devargs;
  std::string kind, target;  // "af_packet", "veth-dc1"
  uint16_t ethdev = 0;
  bool started = false;
};

// "af_packet:IFACE[,opts]", "tap:IFACE[,opts]", "memif:SOCKET[,opts]",
// "pci:ADDRESS[,opts]" -> devargs; checks what can be checked before EAL.
Status to_devargs(Binding& b, unsigned index) {
  const auto colon = b.spec.find(':');
  if (colon == std::string::npos)
    return Error{fmt::format("{}:{}: interface '{}': expected af_packet:IFACE, tap:IFACE, "
                             "memif:SOCKET or pci:ADDRESS",
                             b.pe, b.port, b.spec)};
  b.kind = b.spec.substr(0, colon);
  std::string rest = b.spec.substr(colon + 1);
  std::string extra;
  if (b.kind != "pci") {  // a PCI address has colons and dots but no comma
    if (auto comma = rest.find(','); comma != std::string::npos) {
      extra = rest.substr(comma);
      rest.resize(comma);
    }
  } else if (auto comma = rest.find(','); comma != std::string::npos) {
    extra = rest.substr(comma);
    rest.resize(comma);
  }
  b.target = rest;
  const std::string where = fmt::format("{}:{} ({})", b.pe, b.port, b.spec);
  if (rest.empty()) return Error{fmt::format("{}: no interface after '{}:'", where, b.kind)};
  if (b.kind == "af_packet") {
    if (rest.size() >= IF_NAMESIZE) return Error{fmt::format("{}: '{}' is too long for an interface name", where, rest)};
    if (if_nametoindex(rest.c_str()) == 0)
      return Error{fmt::format("{}: interface '{}' does not exist (ip link show {})", where, rest, rest)};
    // The PMD's default ring (512 frames) overflows in the kernel under a
    // TCP stream while the loop forwards (drops show up only as TCP
    // retransmits): iperf3 went from thousands of retransmits to none.
    if (extra.find("framecnt=") == std::string::npos) extra += ",framecnt=4096";
    b.devargs = fmt::format("net_af_packet{},iface={}{}", index, rest, extra);
  } else if (b.kind == "tap") {
    if (rest.size() >= IF_NAMESIZE) return Error{fmt::format("{}: '{}' is too long for an interface name", where, rest)};
    b.devargs = fmt::format("net_tap{},iface={}{}", index, rest, extra);
  } else if (b.kind == "memif") {
    // The PE is the server unless told otherwise: the host's app connects.
    // DPDK 22.11 makes the socket abstract (@path, no file) by default;
    // VPP and libmemif look for a file.
    if (extra.find("role=") == std::string::npos) extra += ",role=server";
    if (extra.find("socket-abstract=") == std::string::npos) extra += ",socket-abstract=no";
    b.devargs = fmt::format("net_memif{},socket={}{}", index, rest, extra);
  } else if (b.kind == "pci") {
    b.devargs = rest + extra;
  } else {
    return Error{fmt::format("{}: unknown interface kind '{}' (af_packet, tap, memif, pci)", where, b.kind)};
  }
  return Status::success();
}

std::string lsp_path(const cp::Network& net, const std::string& from, const std::string& to) {
  auto lsp = cp::trace_lsp(net.state(), net.topology(), from, to);
  if (!lsp) return "no LSP";
  std::string path;
  for (auto& h : lsp->hops) path += (path.empty() ? "" : " > ") + h.router;
  return lsp->complete ? path : path + " (incomplete)";
}

// `pws`: the emulator's view (BFD may hold a PW down, sim::Emulator::pseudowires).
void print_pseudowires(const cp::Network& net, const std::vector<cp::PwStatus>& pws) {
  for (auto& pw : pws) {
    std::string state = pw.up ? "up" : "down (" + pw.down_reason + ")";
    std::cout << fmt::format("  pw {} {} -> {}: {}, labels local {} remote {}{}, via {}\n", pw.service,
                             pw.router, pw.peer, state, pw.local_label, pw.remote_label,
                             pw.control_word ? ", cw" : "", lsp_path(net, pw.router, pw.peer));
  }
}

// What an event did the moment it fired, in its own words.
std::string event_applied(const sim::EventRow& row) {
  const std::string& k = row.kind;
  if (k.rfind("link-down", 0) == 0)
    return "link down: both ports down at once, LFA backups repair locally; new tables after the control-plane "
           "delay";
  if (k.rfind("link-up", 0) == 0) return "link up: both ports up; new tables after the control-plane delay";
  if (k.rfind("router-down", 0) == 0)
    return "router down: its links down at once, neighbours repair locally; new tables after the control-plane "
           "delay";
  if (k.rfind("router-up", 0) == 0) return "router up: its links up; new tables after the control-plane delay";
  if (k.rfind("service-remove", 0) == 0) return "removing the service (configuration: new tables at once)";
  if (k.rfind("service-add", 0) == 0) return "adding the service (configuration: new tables at once)";
  if (k.rfind("mac-flood", 0) == 0) return "the site's emulated host sends frames from random source MACs";
  return "applied";
}

// The summary line of an event: never a negative time.
std::string event_outcome(const sim::EventRow& e) {
  if (e.kind.rfind("mac-flood", 0) == 0) return fmt::format("{} frames sent", e.frames);
  if (e.applied_at_ms < 0) return "stopped before the control plane recomputed";
  return fmt::format("recomputed at {:.3f} s, {} PW changes", e.applied_at_ms / 1000, e.pw_changes);
}


int run_backbone(const RunOptions& o) {
  auto topo = cp::load_topology(o.topology);
  if (!topo) {
    spdlog::error("{}", topo.error().message);
    return 2;
  }
  for (auto& w : topo->warnings) spdlog::warn("{}", w);

  // --bind overrides the topology file's `interface:` keys.
  for (auto& spec : o.binds) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      spdlog::error("--bind '{}': expected PE:PORT=KIND:NAME or SITE=KIND:NAME "
                    "(e.g. pe1:ac-dc1=af_packet:veth-dc1)",
                    spec);
      return 2;
    }
    const std::string left = spec.substr(0, eq), iface = spec.substr(eq + 1);
    const auto colon = left.find(':');
    unsigned hits = 0;
    for (auto& s : topo->sites) {
      const bool match = colon == std::string::npos
                             ? s.name == left
                             : s.pe == left.substr(0, colon) && s.port == left.substr(colon + 1);
      if (!match) continue;
      ++hits;
      s.interface = iface;
    }
    if (!hits) {
      spdlog::error("--bind '{}': {} in {}", spec,
                    colon == std::string::npos
                        ? fmt::format("no site '{}'", left)
                        : fmt::format("no site uses port '{}' on '{}'", left.substr(colon + 1), left.substr(0, colon)),
                    topo->source);
      return 2;
    }
    // Every site on that port binds with it (VLAN ACs share the port).
    if (colon == std::string::npos)
      for (auto& s : topo->sites)
        if (s.name == left)
          for (auto& other : topo->sites)
            if (other.pe == s.pe && other.port == s.port) other.interface = iface;
  }
  std::vector<Binding> bindings;
  for (auto& s : topo->sites) {
    if (s.interface.empty()) continue;
    Binding* b = nullptr;
    for (auto& x : bindings)
      if (x.pe == s.pe && x.port == s.port) b = &x;
    if (!b) {
      bindings.push_back(Binding{s.pe, s.port, s.interface, {}, {}, {}, {}, 0, false});
      b = &bindings.back();
    } else if (b->spec != s.interface) {
      spdlog::error("site '{}': port {}:{} is bound to '{}' and to '{}'", s.name, s.pe, s.port, b->spec,
                    s.interface);
      return 2;
    }
    b->sites.push_back(s.name);
  }
  if (bindings.size() > RTE_MAX_ETHPORTS) {
    spdlog::error("{} real interfaces bound, but DPDK allows {} ethdev ports per process (RTE_MAX_ETHPORTS)",
                  bindings.size(), RTE_MAX_ETHPORTS);
    return 2;
  }
  std::vector<std::string> eal = dp::default_eal_args("0");
  std::set<std::string> seen;
  for (size_t i = 0; i < bindings.size(); ++i) {
    if (auto st = to_devargs(bindings[i], unsigned(i)); !st) {
      spdlog::error("{}", st.error().message);
      return 2;
    }
    const std::string key = bindings[i].kind + ":" + bindings[i].target;
    if (!seen.insert(key).second) {
      spdlog::error("{}:{}: '{}' is already bound to another port", bindings[i].pe, bindings[i].port, key);
      return 2;
    }
    if (bindings[i].kind == "pci") {
      eal.erase(std::remove(eal.begin(), eal.end(), std::string("--no-pci")), eal.end());
      eal.push_back("-a");
      eal.push_back(bindings[i].devargs);
    }
  }
  // Hugepages when reserved (physical NICs DMA from them; 4 KiB pages are slower).
  const auto extra = dp::split_words(o.eal_args);
  const bool eal_no_huge = std::find(extra.begin(), extra.end(), "--no-huge") != extra.end();
  auto huge = dp::choose_hugepages(eal_no_huge ? "nohuge" : o.hugepages ? "huge" : o.memory, 128);
  if (!huge) {
    spdlog::error("{}", huge.error().message);
    return 2;
  }
  if (*huge) dp::use_hugepages(eal);
  const std::string prefix = o.file_prefix.empty() ? fmt::format("l2vpn-run-{}", getpid()) : o.file_prefix;
  eal.push_back("--file-prefix=" + prefix);
  for (auto& w : extra) eal.push_back(w);

  sim::EmulatorOptions eo;
  eo.real_time = true;
  eo.lfa = !o.no_lfa;
  eo.workload.hosts_per_site = o.hosts;
  if (auto d = sim::parse_duration(o.cp_delay); !d) {
    spdlog::error("--cp-delay: {}", d.error().message);
    return 2;
  } else {
    eo.control_plane_delay_ns = *d;
  }
  if (!o.workload.empty()) {
    auto d = sim::parse_duration(o.workload);
    if (!d || *d == 0) {
      spdlog::error("--workload: {}", d ? "must be above zero" : d.error().message);
      return 2;
    }
    eo.duration_ns = *d;
  }
  eo.timeline_within_duration = false;  // serve() runs until stopped
  uint64_t stop_after = 0;
  if (!o.duration.empty()) {
    auto d = sim::parse_duration(o.duration);
    if (!d) {
      spdlog::error("--duration: {}", d.error().message);
      return 2;
    }
    stop_after = *d;
  }
  for (auto& text : o.events) {
    auto e = sim::parse_event(text);
    if (!e) {
      spdlog::error("--event {}", e.error().message);
      return 2;
    }
    eo.events.push_back(*e);
  }
  if (!o.pcap_links.empty() && o.pcap_dir.empty()) {
    spdlog::error("--pcap-links needs --pcap DIR");
    return 2;
  }

  std::cout << fmt::format("file prefix {} (telemetry: /var/run/dpdk/{}/dpdk_telemetry.v2)\nmemory: {}\n",
                           prefix, prefix, dp::memory_text(*huge))
            << std::flush;
  if (int rc = rte_telemetry_register_cmd("/l2vpn/event", telemetry_event,
                                          // DPDK takes at most 127 bytes of help.
                                          "Queues an event: link-down|link-up A:B, router-down|router-up R, "
                                          "service-remove|service-add S, mac-flood SITE N");
      rc != 0)
    spdlog::warn("cannot register the telemetry command /l2vpn/event ({})", rc);
  // Until the routers are registered, `l2vpn ctl` hears "still starting".
  if (auto st = dp::telemetry_announce_starting(); !st) spdlog::warn("{}", st.error().message);
  if (auto st = dp::eal_init(eal); !st) {
    spdlog::error("{}", st.error().message);
    return 1;
  }
  auto pool = dp::make_mbuf_pool("run_pool", o.mbufs);
  if (!pool) {
    spdlog::error("{}", pool.error().message);
    return 1;
  }
  int rc = 0;
  auto close_ports = [&] {
    for (auto& b : bindings)
      if (b.started) {
        rte_eth_dev_stop(b.ethdev);
        rte_eth_dev_close(b.ethdev);
        b.started = false;
      }
  };
  for (auto& b : bindings) {
    auto id = dp::probe_ethdev(b.devargs);
    if (!id) {
      spdlog::error("{}:{} ({}): {}", b.pe, b.port, b.spec, id.error().message);
      close_ports();
      return 2;
    }
    b.ethdev = *id;
    if (auto st = dp::start_ethdev(*id, 1, *pool); !st) {
      spdlog::error("{}:{} ({}): {}", b.pe, b.port, b.spec, st.error().message);
      rte_eth_dev_close(*id);
      close_ports();
      return 2;
    }
    b.started = true;
    eo.real_ports[{b.pe, b.port}] = *id;
  }
  {
    dp::Rcu rcu(4);
    auto emu = sim::Emulator::create(*topo, std::move(eo), *pool, rcu);
    if (!emu) {
      spdlog::error("{}", emu.error().message);
      close_ports();
      return 2;
    }
    auto c = sim::open_pcap_option((*emu)->backbone(), o.pcap_dir, o.pcap_links);
    if (!c) {
      spdlog::error("{}", c.error().message);
      close_ports();
      return 2;
    }
    std::unique_ptr<sim::CaptureSet> captures = std::move(*c);
    const auto& t = (*emu)->network().topology();
    std::cout << fmt::format("topology {}: {} routers, {} links, {} sites, {} VPWS, {} VPLS\n",
                             t.name.empty() ? t.source : t.name, t.routers.size(), t.links.size(),
                             t.sites.size(), t.vpws.size(), t.vpls.size());
    for (auto& b : bindings)
      std::cout << fmt::format("  {}:{} = {} (ethdev {}, {}) for {}\n", b.pe, b.port, b.spec, b.ethdev,
                               b.devargs, fmt::join(b.sites, ", "));
    std::cout << "pseudowires:\n";
    print_pseudowires((*emu)->network(), (*emu)->pseudowires());
    auto telemetry = dp::telemetry_register_all((*emu)->backbone().routers());  // l2vpn ctl (docs/observability.md)
    if (!telemetry) spdlog::warn("{}", telemetry.error().message);
    auto metrics = dp::start_metrics(o.metrics_address, o.metrics_port);
    if (!metrics) {
      spdlog::error("{}", metrics.error().message);
      close_ports();
      return 2;
    }
    std::cout << "running in real time; stop with Ctrl-C (SIGINT) or SIGTERM\n" << std::flush;

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    {
      std::lock_guard lock(g_emu_mu);
      g_emu = emu->get();
    }
    const sim::Emulator& em = **emu;
    auto hook = [&em](const sim::EventRow& row, bool recomputed) {
      if (!recomputed) {
        std::cout << fmt::format("[{:.3f} s] event '{}': {}\n", row.at_ms / 1000, row.event, event_applied(row));
      } else {
        std::cout << fmt::format("[{:.3f} s] event '{}': control plane recomputed, {} routers and {} "
                                 "entries changed, {} PW changes\n",
                                 row.applied_at_ms / 1000, row.event, row.routers_changed,
                                 row.entries_changed, row.pw_changes);
        print_pseudowires(em.network(), em.pseudowires());
      }
      std::cout << std::flush;
    };
    std::thread timer;
    std::atomic<bool> done{false};
    if (stop_after)
      timer = std::thread([&] {
        const auto end = std::chrono::steady_clock::now() + std::chrono::nanoseconds(stop_after);
        while (!done && std::chrono::steady_clock::now() < end)
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        g_stop.store(true);
      });
    auto report = (*emu)->serve(g_stop, !o.workload.empty(), hook);
    done = true;
    if (timer.joinable()) timer.join();
    {
      std::lock_guard lock(g_emu_mu);
      g_emu = nullptr;
    }
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    if (!report) {
      spdlog::error("{}", report.error().message);
      rc = 1;
    }
    std::cout << fmt::format("\nstopped after {:.1f} s\n", report ? report->wall_seconds : 0.0);
    // Final counters: the real ports, the routers, the links that carried frames.
    std::cout << "real ports:\n";
    for (auto& b : bindings) {
      rte_eth_stats st{};
      rte_eth_stats_get(b.ethdev, &st);
      std::cout << fmt::format("  {}:{} ({}): rx {} frames {} bytes, tx {} frames {} bytes, rx missed {}, "
                               "rx errors {}, tx errors {}\n",
                               b.pe, b.port, b.spec, st.ipackets, st.ibytes, st.opackets, st.obytes,
                               st.imissed, st.ierrors, st.oerrors);
    }
    auto& bb = (*emu)->backbone();
    dp::RouterStats all;
    for (auto& r : bb.routers()) all += r->stats();
    std::cout << fmt::format("routers: {}  frames received {}  copies made {}  forwarded {}  dropped {}\n",
                             bb.routers().size(), all.rx_packets, all.replicas, all.forwarded,
                             all.total_drops());
    for (size_t i = 0; i < dp::kDropReasonCount; ++i)
      if (all.drops[i])
        std::cout << fmt::format("  drop {:<24} {:>10}  {}\n", dp::kDropReasonNames[i], all.drops[i],
                                 dp::kDropReasonDescriptions[i]);
    if (report) {
      std::cout << "links (frames a>b / b>a):\n";
      for (size_t i = 0; i + 1 < report->links.size(); i += 2) {
        auto& ab = report->links[i];
        auto& ba = report->links[i + 1];
        std::string drops;
        if (ab.queue_drops + ba.queue_drops)
          drops += fmt::format(", {} tail-dropped by the link's queue", ab.queue_drops + ba.queue_drops);
        if (ab.down_drops + ba.down_drops)
          drops += fmt::format(", {} lost on the wire when it went down", ab.down_drops + ba.down_drops);
        std::cout << fmt::format("  {} -- {}: {} / {}{}\n", ab.from, ab.to, ab.frames, ba.frames, drops);
      }
      for (auto& e : report->events)
        std::cout << fmt::format("event at {:.3f} s '{}': {}\n", e.at_ms / 1000, e.event, event_outcome(e));
    }
    // The emulated hosts' frames, as `l2vpn sim` reports them.
    if (report && !o.workload.empty()) std::cout << "\nemulated hosts' workload:\n" << sim::format_report(*report);
    std::cout << "pseudowires:\n";
    print_pseudowires((*emu)->network(), (*emu)->pseudowires());
    if (captures) {
      const auto paths = captures->paths();
      const uint64_t frames = captures->frames();
      if (auto st = captures->close(); !st) {
        spdlog::error("{}", st.error().message);
        rc = 1;
      }
      std::cout << fmt::format("captured {} frames into {} pcapng files in {}\n", frames, paths.size(),
                               o.pcap_dir);
    }
    std::cout << std::flush;
    close_ports();  // before the routers (and their port objects) go
  }
  return rc;
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand(
      "run", "run the backbone in real time with attachment circuits bound to real interfaces");
  cmd->add_option("topology", o->topology, "YAML topology (sites may name an `interface:`)")->required();
  cmd->add_option("--bind", o->binds,
                  "bind a PE port (or a site's port) to a real interface: PE:PORT=KIND:NAME or "
                  "SITE=KIND:NAME; KIND af_packet (veth, NIC's kernel interface), tap, memif "
                  "(socket path), pci (address); ',key=value' adds PMD options");
  cmd->add_option("--file-prefix", o->file_prefix,
                  "DPDK file prefix (telemetry socket /var/run/dpdk/PREFIX/); default l2vpn-run-<pid>");
  cmd->add_option("--eal", o->eal_args, "extra DPDK EAL arguments");
  cmd->add_flag("--hugepages", o->hugepages, "the same as --memory huge");
  cmd->add_option("--memory", o->memory,
                  "auto: hugepages (--in-memory) when root and 128 free 2 MiB pages are reserved, else --no-huge; "
                  "huge (physical NICs need it); nohuge (the start-up line says which)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "huge", "nohuge"}));
  cmd->add_option("--event", o->events, "timeline event from the start, e.g. '30s link-down p1:p2'");
  cmd->add_option("--cp-delay", o->cp_delay, "failure detection + SPF + LDP before new tables")
      ->capture_default_str();
  cmd->add_flag("--no-lfa", o->no_lfa, "strip LFA backups: failures wait for the recomputation");
  cmd->add_option("--workload", o->workload,
                  "also run the emulated hosts' workload (sites without an interface) for this long");
  cmd->add_option("--hosts", o->hosts, "--workload: emulated hosts per site")->check(CLI::Range(1u, 200u));
  cmd->add_option("--pcap", o->pcap_dir, "record links into DIR/<a>--<b>.pcapng (time since start)");
  cmd->add_option("--pcap-links", o->pcap_links, "--pcap: only these links, A:B[,C:D...] (default all)")
      ->delimiter(',');
  cmd->add_option("--duration", o->duration, "stop by itself after this long (e.g. 60s)");
  cmd->add_option("--mbufs", o->mbufs, "mbufs in the packet pool")->capture_default_str();
  cmd->add_option("--metrics-port", o->metrics_port, "serve Prometheus metrics on this HTTP port (0: off)");
  cmd->add_option("--metrics-address", o->metrics_address, "address of the metrics port")->capture_default_str();
  cmd->callback([o] { exit_code = run_backbone(*o); });
}

}  // namespace l2vpn::app
