// `l2vpn node TOPOLOGY --router NAME`: one router of a topology as its own
// process. Its LSR id is the router's loopback; LDP runs on the kernel
// interfaces its links name (the port name is the interface name); routes
// come from the kernel FIB. The router's ForwardingState goes to its fast
// path on af_packet ports beside the kernel (node/fastpath.hpp). `l2vpn ctl
// --node SOCKET show ldp ...|l2vpn|dataplane` looks in. The VPWS services with
// an end on this router are signalled as FEC 128 pseudowires over targeted
// LDP to the other end's PE (ldp/pw.hpp); an UP PW forwards in the fast
// path between its AC's port (af_packet on that kernel interface, or
// --bind) and the LSP to the far PE (node/pw_state.hpp). Each VPLS with a
// site here is a full mesh of FEC 128 PWs to its other PEs and a bridge
// domain in the fast path, with LDP MAC withdraw (node/vpls_state.hpp,
// ldp/mac_withdraw.hpp, docs/vpls.md).
#include <csignal>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "commands.hpp"
#include "controlplane/yaml_loader.hpp"
#include "dataplane/metrics_http.hpp"
#include "ldp/pdu.hpp"
#include "node/fastpath.hpp"
#include "node/ldp_node.hpp"
#include "node/ldp_telemetry.hpp"
#include "node/oam_node.hpp"

namespace l2vpn::app {

namespace {

volatile std::sig_atomic_t g_node_stop = 0;
void on_node_signal(int) { g_node_stop = 1; }

struct NodeCmd {
  std::string topology, router, ctl;
  std::vector<std::string> interfaces;
  std::vector<std::string> targeted;
  uint16_t keepalive = 180, hello_holdtime = 15, hello_interval = 5;
  uint16_t route_holddown_ms = 200;
  bool verbose = false;
  std::vector<std::string> binds;  // PORT=DEVARGS
  std::string exception = "tap";   // what a bound port the kernel does not share gets
  uint16_t metrics_port = 0;       // Prometheus over HTTP; 0: off
  std::string metrics_address = "127.0.0.1";
  bool no_fastpath = false;
  std::string file_prefix, eal, memory = "nohuge";
  unsigned idle_sleep_us = 100;
  uint32_t oam_rate = 100, oam_burst = 32;  // the OAM punt's limit (docs/oam.md)
};

int fail(const std::string& msg, int code = 1) {
  std::fprintf(stderr, "l2vpn node: %s\n", msg.c_str());
  return code;
}

// The VPWS services with an end on this router, as the FEC 128 PWs it
// signals to the PE at the other end (its loopback is that PE's LSR id):
// PW type from the AC's mode (raw 5, tagged 4), the end's MTU and control
// word (the site's, else the service's), the requested VLAN in tagged mode.
std::vector<node::NodePseudowire> vpws_pseudowires(const cp::Topology& topo, const std::string& router,
                                                   std::vector<std::string>& warnings) {
  std::vector<node::NodePseudowire> out;
  for (const auto& svc : topo.vpws) {
    const cp::Site* a = topo.find_site(svc.site_a);
    const cp::Site* b = topo.find_site(svc.site_b);
    if (!a || !b) continue;
    if (a->pe != router) std::swap(a, b);
    if (a->pe != router) continue;
    if (b->pe == router) {
      warnings.push_back(fmt::format("vpws '{}': both ends on this router (no PW to signal)", svc.name));
      continue;
    }
    const cp::Router* peer = topo.find_router(b->pe);
    auto lsr = peer ? ldp::parse_ip(peer->loopback) : std::nullopt;
    if (!lsr) {
      warnings.push_back(fmt::format("vpws '{}': router '{}' has no IPv4 loopback", svc.name, b->pe));
      continue;
    }
    node::NodePseudowire np;
    auto& c = np.config;
    c.name = svc.name;
    c.lsr_id = *lsr;
    c.pw_id = svc.pw_id;
    c.pw_type = a->mode == AcMode::tagged ? ldp::pw_type::EthernetTagged : ldp::pw_type::Ethernet;
    c.mtu = uint16_t(a->mtu.value_or(svc.mtu));
    c.control_word = a->control_word.value_or(svc.control_word);
    if (a->mode == AcMode::tagged && a->vlan) c.requested_vlan = a->vlan;
    np.ac_interface = a->port.empty() ? "ac-" + a->name : a->port;
    np.ac.name = a->name;
    np.ac.port = np.ac_interface;
    np.ac.vlan = a->vlan;
    np.ac.mode = a->mode;
    out.push_back(std::move(np));
  }
  return out;
}

// The VPLS services with a site on this router (RFC 4762): a full mesh of
// FEC 128 PWs (PW id = the VSI id, Ethernet, the service's MTU and control
// word) to every other PE with a site of it (its loopback is the LSR id);
// the ACs are this router's sites. Sites on an MTU-s (spokes) are not
// signalled by the node (yet): warned.
std::vector<node::NodeVpls> vpls_services(const cp::Topology& topo, const std::string& router,
                                          std::vector<std::string>& warnings) {
  std::vector<node::NodeVpls> out;
  for (const auto& svc : topo.vpls) {
    node::NodeVpls v;
    v.name = svc.name;
    v.vsi_id = svc.vsi_id;
    v.mac_limit = svc.mac_limit;
    v.aging_seconds = svc.aging_seconds;
    v.flood_rate_pps = svc.flood_rate_pps;
    v.mtu = uint16_t(svc.mtu);
    v.control_word = svc.control_word;
    // Members: the PEs of the sites not behind an MTU-s, and every hub.
    std::set<std::string> pes, mtu_s;
    for (const auto& sp : svc.spokes) {
      mtu_s.insert(sp.mtu_s);
      pes.insert(sp.hubs.begin(), sp.hubs.end());
    }
    if (mtu_s.count(router)) {
      warnings.push_back(fmt::format("vpls '{}': this router is an MTU-s; spoke PWs (H-VPLS) are not "
                                     "signalled by the node", svc.name));
      continue;
    }
    for (const auto& name : svc.sites) {
      const cp::Site* s = topo.find_site(name);
      if (!s) continue;
      if (!mtu_s.count(s->pe)) pes.insert(s->pe);
      if (s->pe != router) continue;
      AttachmentCircuit ac;
      ac.name = s->name;
      ac.port = s->port.empty() ? "ac-" + s->name : s->port;
      ac.vlan = s->vlan;
      ac.mode = s->mode;
      v.acs.push_back(std::move(ac));
    }
    if (v.acs.empty()) continue;
    if (!svc.spokes.empty())
      warnings.push_back(fmt::format("vpls '{}': spoke PWs (H-VPLS) are not signalled by the node", svc.name));
    for (const auto& pe : pes) {
      if (pe == router) continue;
      const cp::Router* peer = topo.find_router(pe);
      auto lsr = peer ? ldp::parse_ip(peer->loopback) : std::nullopt;
      if (!lsr) {
        warnings.push_back(fmt::format("vpls '{}': router '{}' has no IPv4 loopback", svc.name, pe));
        continue;
      }
      v.peers.push_back(*lsr);
    }
    std::sort(v.peers.begin(), v.peers.end());
    out.push_back(std::move(v));
  }
  return out;
}

int run(const NodeCmd& o) {
  auto topo = cp::load_topology(o.topology);
  if (!topo) return fail(topo.error().message, 2);
  const cp::Router* r = topo->find_router(o.router);
  if (!r) return fail(fmt::format("{}: no router '{}'", o.topology, o.router), 2);
  if (r->external)
    return fail(fmt::format("{}: router '{}' is external (FRR or a vendor router runs it), not ours to run",
                            o.topology, o.router), 2);
  auto lsr = ldp::parse_ip(r->loopback);
  if (!lsr) return fail(fmt::format("{}: router '{}' has no IPv4 loopback", o.topology, o.router), 2);
  node::NodeOptions opt;
  opt.router = o.router;
  opt.verbose = o.verbose;
  opt.ctl_path = o.ctl.empty() ? fmt::format("/tmp/l2vpn-node-{}.sock", o.router) : o.ctl;
  opt.ldp.lsr_id = *lsr;
  opt.ldp.label_min = std::max<uint32_t>(r->labels.first, 16);
  opt.ldp.label_max = r->labels.last;
  opt.ldp.explicit_null = r->explicit_null;
  opt.ldp.keepalive = o.keepalive;
  opt.ldp.link_hello_holdtime = o.hello_holdtime;
  opt.ldp.link_hello_interval = o.hello_interval;
  opt.ldp.route_holddown_ms = o.route_holddown_ms;
  opt.ldp.interfaces = o.interfaces;
  if (opt.ldp.interfaces.empty())
    for (const auto& l : topo->links) {
      if (l.a == o.router) opt.ldp.interfaces.push_back(l.a_port);
      if (l.b == o.router) opt.ldp.interfaces.push_back(l.b_port);
    }
  for (const auto& t : o.targeted) {
    auto a = ldp::parse_ip(t);
    if (!a) {
      const cp::Router* peer = topo->find_router(t);
      if (peer) a = ldp::parse_ip(peer->loopback);
    }
    if (!a) return fail(fmt::format("--targeted {}: neither an IPv4 address nor a router", t), 2);
    opt.ldp.targeted_neighbors.push_back(*a);
  }
  std::vector<std::string> pw_warnings;
  opt.pseudowires = vpws_pseudowires(*topo, o.router, pw_warnings);
  opt.vpls = vpls_services(*topo, o.router, pw_warnings);
  for (const auto& w : pw_warnings) std::fprintf(stderr, "l2vpn node %s: %s\n", o.router.c_str(), w.c_str());
  std::unique_ptr<node::FastPath> fast;
  std::unique_ptr<node::OamNode> oam_node;  // after fast: stops first
  if (!o.no_fastpath) {
    node::FastPathOptions fo;
    fo.router = o.router;
    fo.ports = opt.ldp.interfaces;
    for (const auto& pw : opt.pseudowires) fo.ac_ports.emplace(pw.ac.port, pw.ac.name);
    for (const auto& v : opt.vpls)
      for (const auto& ac : v.acs) fo.ac_ports.emplace(ac.port, ac.name);
    for (const auto& b : o.binds) {
      const auto eq = b.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == b.size())
        return fail(fmt::format("--bind '{}': expected PORT=DEVARGS (e.g. to-p1=net_tap0,iface=tp1)", b), 2);
      fo.bind[b.substr(0, eq)] = b.substr(eq + 1);
    }
    fo.exception = o.exception;
    fo.file_prefix = o.file_prefix;
    fo.eal_extra = o.eal;
    fo.memory = o.memory;
    fo.idle_sleep_us = o.idle_sleep_us;
    bool usage = false;
    auto started = node::FastPath::start(fo, &usage);
    if (!started) return fail(started.error().message, usage ? 2 : 1);
    fast = std::move(*started);
    opt.on_kernel = [f = fast.get()](const node::KernelView& k) { f->kernel_changed(k); };
    opt.on_mac_withdraw = [f = fast.get()](const std::string& bd, uint32_t from,
                                           const std::vector<MacAddr>& macs) {
      return f->withdraw_macs(bd, from, macs);
    };
    opt.ac_macs = [f = fast.get()](const std::string& bd, const std::string& ac) { return f->macs_on_ac(bd, ac); };
    // MPLS OAM (node/oam_node.hpp): the responder on the fast path's punt,
    // `ping mpls` / `traceroute mpls` on the control socket.
    node::OamNodeOptions oo;
    oo.router = o.router;
    oo.lsr_id = *lsr;
    for (const auto& tr : topo->routers)
      if (auto a = ldp::parse_ip(tr.loopback)) oo.loopback_by_router[tr.name] = *a;
    oo.punt.rate_pps = o.oam_rate;
    oo.punt.burst = o.oam_burst;
    auto oam = node::OamNode::start(*fast, oo);
    if (!oam) return fail(oam.error().message);
    oam_node = std::move(*oam);
    opt.ctl_take = [n = oam_node.get()](int fd, const std::string& req) { return n->take(fd, req); };
    opt.ctl_extra = [f = fast.get(), n = oam_node.get()](const std::string& req) {
      if (req == "metrics") return f->answer(req) + n->answer(req);
      std::string a = f->answer(req);
      return a.empty() ? n->answer(req) : a;
    };
  }
  // GET /metrics: what the control socket's `metrics` answers (LDP, then the
  // fast path), asked of the control loop over that socket, so the HTTP
  // thread never touches the engine.
  auto metrics = dp::start_metrics(o.metrics_address, o.metrics_port, [path = opt.ctl_path] {
    try {
      return node::control_request(path, "metrics");
    } catch (const std::exception& e) {
      return std::string("# l2vpn node: control socket: ") + e.what() + "\n";
    }
  });
  if (!metrics) return fail(metrics.error().message);
  std::signal(SIGINT, on_node_signal);
  std::signal(SIGTERM, on_node_signal);
  size_t mesh = 0;
  for (const auto& v : opt.vpls) mesh += v.peers.size();
  std::fprintf(stderr, "l2vpn node %s: LSR id %s, LDP on %zu interfaces, %zu pseudowires, %zu VPLS (%zu mesh PWs), "
               "control socket %s%s\n",
               o.router.c_str(), r->loopback.c_str(), opt.ldp.interfaces.size(), opt.pseudowires.size(),
               opt.vpls.size(), mesh,
               opt.ctl_path.c_str(),
               fast ? fmt::format(", fast path (DPDK file prefix {})", fast->file_prefix()).c_str()
                    : ", no fast path");
  node::StateHook hook;
  if (fast)
    hook = [f = fast.get(), n = oam_node.get()](const ForwardingState& st) {
      f->publish(st);
      n->set_state(st);
    };
  // LDP on the fast path's DPDK telemetry socket (/l2vpn/ldp/*): snapshots
  // published by the loop after each tick, read by DPDK's telemetry thread.
  std::unique_ptr<node::LdpTelemetry> ldp_tel;
  std::function<void(const ldp::Engine&, ldp::Time)> ldp_tick;
  if (fast) {
    auto t = node::LdpTelemetry::start();
    if (t) {
      ldp_tel = std::move(*t);
    } else {
      std::fprintf(stderr, "l2vpn node %s: %s (LDP stays off telemetry)\n", o.router.c_str(),
                   t.error().message.c_str());
    }
    // After each tick: the telemetry snapshot; every 5 s the VPLS MAC tables age.
    ldp_tick = [t = ldp_tel.get(), f = fast.get(), router = o.router,
                aged = ldp::Time{}](const ldp::Engine& e, ldp::Time now) mutable {
      if (t) t->update(e, router, now);
      if (now - aged >= ldp::Time(5000)) {
        f->age_macs();
        aged = now;
      }
    };
  }
  // The OAM responder's view of LDP: the neighbour on each core port (its
  // link adjacency) and our local label of each FEC.
  if (ldp_tick || oam_node)
    opt.on_tick = [ldp_tick, n = oam_node.get()](const ldp::Engine& e, ldp::Time now) {
      if (ldp_tick) ldp_tick(e, now);
      if (!n) return;
      std::map<std::string, uint32_t> by_port;
      for (const auto& a : e.adjacencies())
        if (!a.interface.empty()) by_port[a.interface] = a.lsr_id;
      std::map<uint32_t, oam::LdpPrefixFec> by_label;
      for (const auto& f : e.bindings().fecs)
        if (f.local_label && *f.local_label >= kFirstUnreservedLabel)
          by_label[*f.local_label] = oam::LdpPrefixFec{f.fec.address, f.fec.length};
      n->set_ldp(std::move(by_port), std::move(by_label));
    };
  try {
    return node::run_node(opt, &g_node_stop, hook);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

}  // namespace

int run_node_show(const std::string& socket, const std::string& request, bool json) {
  try {
    std::string ans = node::control_request(socket, json ? request + " json" : request);
    std::fputs(ans.c_str(), stdout);
    return ans.rfind("error:", 0) == 0 ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "l2vpn ctl: %s\n", e.what());
    return 1;
  }
}

void add_node_command(CLI::App& app) {
  auto o = std::make_shared<NodeCmd>();
  auto* cmd = app.add_subcommand("node", "run one router of a topology as its own process: routes from "
                                         "the kernel, labels from LDP (RFC 5036) with its neighbors");
  cmd->add_option("topology", o->topology, "topology YAML")->required()->check(CLI::ExistingFile);
  cmd->add_option("--router", o->router, "which router this process is")->required();
  cmd->add_option("--ctl", o->ctl, "control socket (default /tmp/l2vpn-node-ROUTER.sock)");
  cmd->add_option("--interface", o->interfaces,
                  "LDP link discovery on these kernel interfaces (default: the router's link ports)");
  cmd->add_option("--targeted", o->targeted, "targeted hellos to this address or router (repeatable)");
  cmd->add_option("--keepalive", o->keepalive, "proposed KeepAlive time, s")->check(CLI::Range(3, 65535));
  cmd->add_option("--hello-holdtime", o->hello_holdtime, "link hello hold time, s")->check(CLI::Range(3, 65535));
  cmd->add_option("--hello-interval", o->hello_interval, "link hello interval, s")->check(CLI::Range(1, 65535));
  cmd->add_option("--route-holddown-ms", o->route_holddown_ms,
                  "a FEC whose kernel route vanished stays advertised this long before LDP withdraws it "
                  "(an IGP deletes and re-adds routes while it reconverges; meanwhile the ILM pops toward "
                  "the FEC's egress if that is a neighbor); 0: withdraw at once")
      ->capture_default_str()
      ->check(CLI::Range(0, 60000));
  cmd->add_flag("--verbose", o->verbose, "log bindings changes");
  cmd->add_option("--bind", o->binds,
                  "PORT=DEVARGS: open this port as that DPDK device (tap, memif, a NIC) instead of "
                  "net_af_packet on the kernel interface (repeatable); unless it is net_af_packet on the "
                  "interface PORT, the kernel sees the port through an exception tap named PORT (--exception)");
  cmd->add_option("--exception", o->exception,
                  "what a port bound to a device the kernel does not see gets: tap (a kernel tap named "
                  "PORT with the device's MAC, the exception path: ARP, the IGP and LDP run there, the "
                  "kernel's IPv4 to LDP FECs leaves labelled) or none (DPDK only)")
      ->capture_default_str()
      ->check(CLI::IsMember({"tap", "none"}));
  cmd->add_option("--metrics-port", o->metrics_port,
                  "serve the control socket's `metrics` (LDP and fast path, Prometheus text) on this HTTP "
                  "port (0: off)");
  cmd->add_option("--metrics-address", o->metrics_address, "address of the metrics port")->capture_default_str();
  cmd->add_flag("--no-fastpath", o->no_fastpath, "control plane only: no DPDK, no forwarding");
  cmd->add_option("--file-prefix", o->file_prefix,
                  "DPDK file prefix, for `l2vpn ctl --file-prefix` (default l2vpn-node-ROUTER-<pid>)");
  cmd->add_option("--eal", o->eal, "extra DPDK EAL arguments");
  cmd->add_option("--memory", o->memory, "auto|huge|nohuge (default nohuge: a node forwards little)")
      ->check(CLI::IsMember({"auto", "huge", "nohuge"}));
  cmd->add_option("--idle-sleep-us", o->idle_sleep_us,
                  "the worker sleeps this long between polls once idle (0: busy polling)")
      ->check(CLI::Range(0u, 100000u));
  cmd->add_option("--oam-rate", o->oam_rate,
                  "MPLS OAM frames (LSP ping, TTL expiry) the fast path punts per second at most; over it they "
                  "are dropped and counted (show oam: rate-limited)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000000u));
  cmd->add_option("--oam-burst", o->oam_burst, "bursts of OAM frames the punt takes above the rate")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100000u));
  cmd->callback([o] { exit_code = run(*o); });
}

}  // namespace l2vpn::app
