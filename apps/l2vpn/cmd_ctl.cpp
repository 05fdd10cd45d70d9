// `l2vpn ctl --file-prefix P ...`: show and change a running l2vpn process
// (sim, run, forward) through DPDK's telemetry socket: router-style tables
// or --json, live events, packet traces. docs/observability.md.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <set>

#include "commands.hpp"
#include "dataplane/counters.hpp"
#include "telemetry_client.hpp"

namespace l2vpn::app {

namespace {

struct CtlOptions {
  std::string prefix;
  std::string node;  // l2vpn node's control socket
  bool json = false;
  std::string what;    // show: routers, lfib, pw, vpls, counters, drops, state
  std::string router;
  std::string event;
  std::string raw;
  unsigned trace_n = 0;
  std::string trace_port, trace_mac, trace_router;
  int64_t trace_label = -1;
};

using Row = std::map<std::string, std::string>;
std::string get(const Row& r, const char* k) {
  auto it = r.find(k);
  return it == r.end() ? "" : it->second;
}

std::string show_routers(const TelemetryTable& t) {
  std::string o = fmt::format("{:<20} {:>5} {:>6} {:>9} {:>8} {:>12} {:>12} {:>10}\n", "Router", "Ports", "ILM",
                              "PWs (up)", "VPLS", "Received", "Forwarded", "Dropped");
  for (auto& r : t.of("router"))
    o += fmt::format("{:<20} {:>5} {:>6} {:>9} {:>8} {:>12} {:>12} {:>10}\n", get(r, "name"), get(r, "ports"),
                     get(r, "ilm"), get(r, "pseudowires") + " (" + get(r, "pseudowires_up") + ")",
                     get(r, "bridge_domains"), get(r, "rx_packets"), get(r, "forwarded"), get(r, "dropped"));
  return o;
}

std::string show_lfib(const TelemetryTable& t) {
  std::string o = fmt::format("router {}: label forwarding table (ILM)\n", t.router);
  o += fmt::format("{:<8} {:<14} {:<16} {:<34} {:<16} {:<18} {:>12}\n", "Local", "Operation", "Outgoing", "Detail",
                   "Outgoing if", "Next hop", "Frames");
  o += fmt::format("{:<8} {:<14} {:<16} {:<34} {:<16} {:<18} {:>12}\n", "label", "", "label", "", "", "",
                   "switched");
  std::string last;
  for (auto& r : t.of("ilm")) {
    std::string label = get(r, "label");
    o += fmt::format("{:<8} {:<14} {:<16} {:<34} {:<16} {:<18} {:>12}\n", label == last ? "" : label, get(r, "op"),
                     get(r, "out_labels"), get(r, "detail"), get(r, "out_port"), get(r, "next_hop_mac"),
                     label == last ? "" : get(r, "rx_packets"));
    if (get(r, "backup") != "-") o += fmt::format("{:<8} {:<14} {}\n", "", "  LFA backup", get(r, "backup"));
    last = label;
  }
  auto ftn = t.of("ftn");
  if (!ftn.empty()) {
    o += fmt::format("\nrouter {}: FEC to NHLFE (FTN)\n", t.router);
    o += fmt::format("{:<22} {:<10} {:<8} {:<16} {:<16} {}\n", "FEC", "Next hop", "Op", "Push", "Outgoing if",
                     "Next hop MAC");
    for (auto& r : ftn)
      o += fmt::format("{:<22} {:<10} {:<8} {:<16} {:<16} {}\n", get(r, "fec"), get(r, "next_hop"), get(r, "op"),
                       get(r, "out_labels"), get(r, "out_port"), get(r, "next_hop_mac"));
  }
  return o;
}

std::string show_pw(const TelemetryTable& t) {
  std::string o = fmt::format("router {}: pseudowires\n", t.router);
  o += fmt::format("{:<7} {:<7} {:<12} {:>8} {:>8} {:<5} {:<22} {:<18} {:<3} {:<24} {:>10} {:>10}\n", "Id", "PW id",
                   "Peer", "Local", "Remote", "State", "Reason", "Transport (if)", "CW", "Service", "Rx", "Tx");
  for (auto& r : t.of("pw"))
    o += fmt::format("{:<7} {:<7} {:<12} {:>8} {:>8} {:<5} {:<22} {:<18} {:<3} {:<24} {:>10} {:>10}\n", get(r, "id"),
                     get(r, "pw_id"), get(r, "peer"), get(r, "local_label"), get(r, "remote_label"), get(r, "state"),
                     get(r, "down_reason"), get(r, "out_port"), get(r, "control_word"), get(r, "service"),
                     get(r, "rx_packets"), get(r, "tx_packets"));
  return o;
}

std::string show_vpls(const TelemetryTable& t) {
  std::string o;
  auto members = t.of("member");
  auto macs = t.of("mac");
  for (auto& bd : t.of("bd")) {
    const std::string name = get(bd, "name");
    o += fmt::format("router {}: VPLS {}  VSI id {}  BUM {}  MAC limit {}  aging {} s  MACs {} learned, {} static\n",
                     t.router, name, get(bd, "vsi_id"), get(bd, "bum_mode"), get(bd, "mac_limit"),
                     get(bd, "aging_seconds"), get(bd, "macs_learned"), get(bd, "macs_static"));
    o += fmt::format("  ACs {}  mesh PWs {}  spoke PWs {}\n", get(bd, "attachment_circuits"),
                     get(bd, "mesh_pseudowires"), get(bd, "spoke_pseudowires"));
    o += fmt::format("  {:<24} {:>10} {:>10} {:>14}\n", "Member", "Flooded to", "Learned", "Split horizon");
    for (auto& m : members)
      if (get(m, "bridge_domain") == name)
        o += fmt::format("  {:<24} {:>10} {:>10} {:>14}\n", get(m, "member"), get(m, "tx_flood"), get(m, "learned"),
                         get(m, "split_horizon"));
    o += fmt::format("  {:<18} {:<24} {:<8} {}\n", "MAC", "Behind", "Type", "Last seen (s)");
    for (auto& m : macs)
      if (get(m, "bridge_domain") == name)
        o += fmt::format("  {:<18} {:<24} {:<8} {}\n", get(m, "mac"), get(m, "member"), get(m, "type"),
                         get(m, "last_seen_s"));
  }
  if (o.empty()) o = fmt::format("router {}: no VPLS instance\n", t.router);
  return o;
}

std::string show_drops(const TelemetryTable& t, bool all) {
  std::string o;
  for (auto& r : t.of("drop"))
    if (all || get(r, "count") != "0")
      o += fmt::format("    {:<24} {:>12}  {}\n", get(r, "reason"), get(r, "count"), get(r, "description"));
  return o;
}

std::string show_counters(const TelemetryTable& t) {
  std::string o;
  for (auto& r : t.of("total"))
    o += fmt::format("router {}: received {}  forwarded {}  dropped {}  (lfa used {}, replicas {})\n", t.router,
                     get(r, "rx_packets"), get(r, "forwarded"), get(r, "dropped"), get(r, "lfa_used"),
                     get(r, "replicas"));
  // Ports the kernel shares (`l2vpn node`): what was left to it, and its own frames seen.
  bool kernel = false;
  for (auto& r : t.of("total"))
    if (!get(r, "to_kernel").empty() && (get(r, "to_kernel") != "0" || get(r, "kernel_tx_seen") != "0")) {
      kernel = true;
      o += fmt::format("  left to the kernel {}  the kernel's own frames seen {}\n", get(r, "to_kernel"),
                       get(r, "kernel_tx_seen"));
    }
  o += fmt::format("  {:<16} {:<5} {:>12} {:>14} {:>12} {:>14}", "port", "state", "rx frames", "rx bytes",
                   "tx frames", "tx bytes");
  o += kernel ? fmt::format(" {:>10} {:>10}\n", "to_kernel", "kernel_tx") : "\n";
  for (auto& r : t.of("port")) {
    o += fmt::format("  {:<16} {:<5} {:>12} {:>14} {:>12} {:>14}", get(r, "name"), get(r, "up"),
                     get(r, "rx_packets"), get(r, "rx_bytes"), get(r, "tx_packets"), get(r, "tx_bytes"));
    o += kernel ? fmt::format(" {:>10} {:>10}\n", get(r, "to_kernel"), get(r, "kernel_tx_seen")) : "\n";
  }
  std::string drops = show_drops(t, false);
  if (!drops.empty()) o += "  drops:\n" + drops;
  auto labels = t.of("label");
  if (!labels.empty()) {
    o += fmt::format("  {:<10} {:<16} {:>12} {:>14}\n", "label", "action", "rx frames", "rx bytes");
    for (auto& r : labels)
      o += fmt::format("  {:<10} {:<16} {:>12} {:>14}\n", get(r, "label"), get(r, "action"), get(r, "rx_packets"),
                       get(r, "rx_bytes"));
  }
  auto pws = t.of("pw");
  if (!pws.empty()) {
    o += fmt::format("  {:<7} {:<8} {:<12} {:>12} {:>14} {:>12} {:>14}\n", "pw", "pw_id", "peer", "rx frames",
                     "rx bytes", "tx frames", "tx bytes");
    for (auto& r : pws)
      o += fmt::format("  {:<7} {:<8} {:<12} {:>12} {:>14} {:>12} {:>14}\n", get(r, "id"), get(r, "pw_id"),
                       get(r, "peer"), get(r, "rx_packets"), get(r, "rx_bytes"), get(r, "tx_packets"),
                       get(r, "tx_bytes"));
  }
  auto bd_cols = t.columns.count("bd") ? t.columns.at("bd") : std::vector<std::string>{};
  for (auto& r : t.of("bd")) {
    o += fmt::format("  bridge domain {} (vsi {})\n", get(r, "name"), get(r, "vsi_id"));
    for (auto& c : bd_cols)
      if (c != "name" && c != "vsi_id" && get(r, c.c_str()) != "0")
        o += fmt::format("    {:<20} {:>12}\n", c, get(r, c.c_str()));
  }
  return o;
}

std::string show_trace(const TelemetryTable& t) {
  std::string o;
  std::string frame;
  for (auto& r : t.of("stage")) {
    if (get(r, "frame") != frame) {
      frame = get(r, "frame");
      o += fmt::format("\nframe {}\n", frame);
    }
    o += fmt::format("  {:<12} {:<15} {:>5}  {}\n", get(r, "router"), get(r, "stage"), get(r, "length"),
                     get(r, "detail"));
  }
  if (o.empty()) o = "no traced frame yet (l2vpn ctl trace add N first; frames must arrive)\n";
  return o;
}

int fail(const Error& e) {
  std::cerr << "l2vpn ctl: " << e.message << "\n";
  return 1;
}

// Any table as columns as wide as their longest value (the LDP tables,
// whose columns come from the node's JSON).
std::string show_generic(const TelemetryTable& t) {
  std::string o;
  for (auto& [kind, names] : t.columns) {
    auto rows = t.of(kind);
    std::vector<size_t> w;
    for (auto& n : names) w.push_back(n.size());
    for (auto& r : rows)
      for (size_t i = 0; i < names.size(); ++i) w[i] = std::max(w[i], get(r, names[i].c_str()).size());
    o += fmt::format("router {}: {} ({})\n", t.router, kind, rows.size());
    std::string line;
    for (size_t i = 0; i < names.size(); ++i) line += fmt::format("{:<{}} ", names[i], w[i]);
    o += line + "\n";
    for (auto& r : rows) {
      line.clear();
      for (size_t i = 0; i < names.size(); ++i) line += fmt::format("{:<{}} ", get(r, names[i].c_str()), w[i]);
      o += line + "\n";
    }
  }
  return o;
}

int run_simple(const CtlOptions& o, const std::string& cmd, const std::string& params);

// `show ldp neighbor|discovery|binding|summary` of an `l2vpn node` through
// its DPDK telemetry socket (node/ldp_telemetry.hpp).
int run_show_ldp(const CtlOptions& o) {
  static const std::set<std::string> tables{"neighbor", "discovery", "binding", "summary"};
  if (!tables.count(o.router)) {
    std::cerr << "l2vpn ctl show ldp: neighbor, discovery, binding or summary\n";
    return 2;
  }
  if (o.router == "summary") return run_simple(o, "/l2vpn/ldp/summary", "");
  auto c = TelemetryClient::connect(o.prefix);
  if (!c) return fail(c.error());
  auto t = c->table("/l2vpn/ldp/" + o.router);
  if (!t) return fail(t.error());
  std::cout << (o.json ? t->to_json().dump(2) + "\n" : show_generic(*t));
  return 0;
}

int run_show(const CtlOptions& o) {
  if (o.what == "ldp") return run_show_ldp(o);
  static const std::map<std::string, std::string> cmds{
      {"routers", "/l2vpn/routers"}, {"lfib", "/l2vpn/ilm"},         {"ilm", "/l2vpn/ilm"},
      {"pw", "/l2vpn/pw"},           {"vpls", "/l2vpn/vpls"},        {"counters", "/l2vpn/counters"},
      {"drops", "/l2vpn/drops"},     {"state", "/l2vpn/state"}};
  auto it = cmds.find(o.what);
  if (it == cmds.end()) {
    std::cerr << "l2vpn ctl show: unknown table '" << o.what
              << "' (routers, lfib, pw, vpls, counters, drops, state)\n";
    return 2;
  }
  if (o.what != "routers" && o.router.empty()) {
    std::cerr << "l2vpn ctl show " << o.what << ": which router? (l2vpn ctl show routers lists them)\n";
    return 2;
  }
  auto c = TelemetryClient::connect(o.prefix);
  if (!c) return fail(c.error());
  auto t = c->table(it->second, o.what == "routers" ? "" : o.router);
  if (!t) return fail(t.error());
  if (o.what == "state") {
    std::string text;
    for (auto& r : t->rows)
      if (r.size() > 1) text += r[1];
    std::cout << (o.json ? text : nlohmann::json::parse(text, nullptr, false).dump(2)) << "\n";
    return 0;
  }
  if (o.json) {
    std::cout << t->to_json().dump(2) << "\n";
    return 0;
  }
  if (o.what == "routers") std::cout << show_routers(*t);
  if (o.what == "lfib" || o.what == "ilm") std::cout << show_lfib(*t);
  if (o.what == "pw") std::cout << show_pw(*t);
  if (o.what == "vpls") std::cout << show_vpls(*t);
  if (o.what == "counters") std::cout << show_counters(*t);
  if (o.what == "drops") std::cout << fmt::format("router {}: drops by reason\n", t->router) << show_drops(*t, true);
  return 0;
}

int run_simple(const CtlOptions& o, const std::string& cmd, const std::string& params) {
  auto c = TelemetryClient::connect(o.prefix);
  if (!c) return fail(c.error());
  auto v = c->command(cmd, params);
  if (!v) return fail(v.error());
  if (o.json || !v->is_object()) {
    std::cout << (v->is_string() ? v->get<std::string>() : v->dump(2)) << "\n";
  } else {
    for (auto& [k, val] : v->items())
      std::cout << k << ": " << (val.is_string() ? val.get<std::string>() : val.dump()) << "\n";
  }
  return 0;
}

int run_trace_show(const CtlOptions& o) {
  auto c = TelemetryClient::connect(o.prefix);
  if (!c) return fail(c.error());
  auto t = c->table("/l2vpn/trace/show");
  if (!t) return fail(t.error());
  std::cout << (o.json ? t->to_json().dump(2) + "\n" : show_trace(*t));
  return 0;
}

}  // namespace

void add_ctl_command(CLI::App& app) {
  auto o = std::make_shared<CtlOptions>();
  auto* cmd = app.add_subcommand("ctl", "show and change a running l2vpn process (sim, run, forward)");
  auto* target = cmd->add_option_group("target", "the process to look into");
  target->add_option("--file-prefix", o->prefix, "the process's DPDK --file-prefix (it prints it at start)");
  target->add_option("--node", o->node, "an `l2vpn node` control socket (show ldp ..., show l2vpn, show dataplane, show oam, ping/traceroute mpls)");
  target->require_option(1);
  cmd->add_flag("--json", o->json, "print JSON for scripts");
  cmd->require_subcommand(1);

  auto* show = cmd->add_subcommand("show", "router-style tables: routers | lfib R | pw R | vpls R | counters R | "
                                           "drops R | state R | ldp neighbor|discovery|binding (--node; "
                                           "also summary with --file-prefix of a node), l2vpn, dataplane, oam (--node)");
  show->add_option("table", o->what, "routers, lfib, pw, vpls, counters, drops, state")->required();
  show->add_option("router", o->router, "router name (see `show routers`)");
  show->callback([o] {
    if (!o->node.empty()) {  // l2vpn node: show ldp neighbor|discovery|binding|counters, state
      if (o->what == "state")
        exit_code = run_node_show(o->node, "show state", true);
      else
        exit_code = run_node_show(o->node, "show " + o->what + (o->router.empty() ? "" : " " + o->router), o->json);
      return;
    }
    exit_code = run_show(*o);
  });

  add_node_oam_commands(*cmd, &o->node, &o->json);

  auto* event = cmd->add_subcommand("event", "send an event to `l2vpn run` (e.g. \"link-down p1:p2\")");
  event->add_option("text", o->event, "the event")->required();
  event->callback([o] { exit_code = run_simple(*o, "/l2vpn/event", o->event); });

  auto* raw = cmd->add_subcommand("raw", "send one telemetry command (\"/l2vpn/pw,pe1\") and print the reply");
  raw->add_option("command", o->raw, "command[,params]")->required();
  raw->callback([o] {
    auto comma = o->raw.find(',');
    exit_code = run_simple(*o, o->raw.substr(0, comma), comma == std::string::npos ? "" : o->raw.substr(comma + 1));
  });

  auto* trace = cmd->add_subcommand("trace", "packet trace: add N [filters] | show | clear");
  trace->require_subcommand(1);
  auto* add = trace->add_subcommand("add", "trace the next N frames that match");
  add->add_option("frames", o->trace_n, "how many frames")->required()->check(CLI::Range(1u, 999999u));
  add->add_option("--port", o->trace_port, "only frames received on a port of this name");
  add->add_option("--label", o->trace_label, "only frames whose top label is this")->check(CLI::Range(0, 1048575));
  add->add_option("--mac", o->trace_mac, "only frames to or from this MAC (outer or PW payload)");
  add->add_option("--router", o->trace_router, "only frames entering this router");
  add->callback([o] {
    std::string p = std::to_string(o->trace_n);
    if (!o->trace_port.empty()) p += ",port=" + o->trace_port;
    if (o->trace_label >= 0) p += ",label=" + std::to_string(o->trace_label);
    if (!o->trace_mac.empty()) p += ",mac=" + o->trace_mac;
    if (!o->trace_router.empty()) p += ",router=" + o->trace_router;
    exit_code = run_simple(*o, "/l2vpn/trace/add", p);
  });
  trace->add_subcommand("show", "each traced frame, stage by stage, router by router")->callback([o] {
    exit_code = run_trace_show(*o);
  });
  trace->add_subcommand("clear", "stop tracing and forget the records")->callback([o] {
    exit_code = run_simple(*o, "/l2vpn/trace/clear", "");
  });
}

}  // namespace l2vpn::app
