// `l2vpn topo TOPOLOGY`: load, validate and compute a backbone, then print a
// summary, one router's tables (--router R --show lfib|ftn|pw|vpls), its
// ForwardingState JSON (--state-json: the file `l2vpn forward --state`
// reads) or a drawing (--dot / --svg). --fail-link / --fail-router show the
// state after failures; --json prints it all for scripts (topo_json.hpp). Input errors exit with 2.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "controlplane/network.hpp"
#include "controlplane/show.hpp"
#include "controlplane/topology_dot.hpp"
#include "controlplane/yaml_loader.hpp"
#include "topo_json.hpp"

namespace l2vpn::app {

namespace {

struct TopoOptions {
  std::string topology;
  std::string router;
  std::string show;
  bool state_json = false;
  bool json = false;  // the whole topology and computed state as JSON
  std::string dot, svg;
  std::vector<std::string> fail_links, fail_routers;
  std::vector<std::string> devices;  // --state-json: "PORT=DEVARGS"
};

int fail(const std::string& msg) {
  std::cerr << "l2vpn topo: " << msg << "\n";
  return 2;
}

int run_topo(const TopoOptions& o) {
  auto topo = cp::load_topology(o.topology);
  if (!topo) return fail(topo.error().message);
  cp::Failures failures;
  for (auto& spec : o.fail_links) {
    auto ends = cp::parse_link_spec(spec);
    if (!ends) return fail(ends.error().message);
    failures.link_endpoints.insert(*ends);
  }
  for (auto& r : o.fail_routers) failures.routers.insert(r);
  if (!o.router.empty() && !topo->find_router(o.router))
    return fail("unknown router '" + o.router + "'");
  if ((!o.show.empty() || o.state_json) && o.router.empty())
    return fail("--show and --state-json need --router R");
  auto st = cp::compute(*topo, failures);
  if (!st) return fail(st.error().message);

  if (!o.dot.empty() || !o.svg.empty()) {
    std::string dot = cp::to_dot(*topo);
    if (!o.dot.empty()) {
      std::ofstream out(o.dot);
      if (!out || !(out << dot)) return fail("cannot write " + o.dot);
    }
    if (!o.svg.empty()) {
      // Graphviz does the layout; feed it on stdin.
      std::string cmd = "dot -Tsvg -o '" + o.svg + "'";
      FILE* p = popen(cmd.c_str(), "w");
      if (!p) return fail("cannot run graphviz 'dot'");
      fwrite(dot.data(), 1, dot.size(), p);
      if (pclose(p) != 0) return fail("graphviz 'dot' failed writing " + o.svg);
    }
  }
  if (o.json) {
    if (!o.show.empty() || o.state_json) return fail("--json prints everything; not with --show or --state-json");
    std::cout << topo_json(*topo, *st) << "\n";
    return 0;
  }
  if (!o.devices.empty() && !o.state_json) return fail("--device belongs to --state-json");
  if (o.state_json) {
    // --device PORT=DEVARGS: a state `l2vpn forward --state` runs as it is.
    ForwardingState fs = *st->router(o.router);
    for (auto& d : o.devices) {
      const auto eq = d.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == d.size())
        return fail("--device '" + d + "': expected PORT=DEVARGS (e.g. to-p1=net_tap0,iface=pe1-p1)");
      const std::string port = d.substr(0, eq);
      auto it = std::find_if(fs.ports.begin(), fs.ports.end(), [&](auto& p) { return p.name == port; });
      if (it == fs.ports.end()) {
        std::string names;
        for (auto& p : fs.ports) names += (names.empty() ? "" : ", ") + p.name;
        return fail("--device '" + d + "': router '" + o.router + "' has no port '" + port + "' (ports: " +
                    names + ")");
      }
      it->device = d.substr(eq + 1);
    }
    std::cout << to_json(fs) << "\n";
    return 0;
  }
  if (!o.show.empty()) {
    Result<std::string> text = Error{""};
    if (o.show == "lfib")
      text = cp::show_lfib(*topo, *st, o.router);
    else if (o.show == "ftn")
      text = cp::show_ftn(*topo, *st, o.router);
    else if (o.show == "pw")
      text = cp::show_pw(*topo, *st, o.router);
    else if (o.show == "vpls")
      text = cp::show_vpls(*topo, *st, o.router);
    else
      return fail("--show takes lfib, ftn, pw or vpls");
    if (!text) return fail(text.error().message);
    std::cout << *text;
    return 0;
  }
  std::cout << cp::show_summary(*topo, *st);
  return 0;
}

}  // namespace

void add_topo_command(CLI::App& app) {
  auto o = std::make_shared<TopoOptions>();
  auto* cmd = app.add_subcommand("topo", "load, validate and compute a topology; show its state");
  cmd->add_option("TOPOLOGY", o->topology, "topology YAML or GraphML file")->required();
  cmd->add_option("--router", o->router, "router whose tables to show");
  cmd->add_option("--show", o->show, "table to show: lfib, ftn, pw, vpls");
  cmd->add_flag("--state-json", o->state_json, "print the router's ForwardingState JSON");
  cmd->add_option("--device", o->devices,
                  "--state-json: give a port its DPDK device, PORT=DEVARGS (e.g. "
                  "ac1=net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap); repeat per port");
  cmd->add_flag("--json", o->json,
                "print the topology (loopbacks as loaded, ports, sites, services) and every PW end's state "
                "with the router path of its LSP as JSON");
  cmd->add_option("--dot", o->dot, "write the topology drawing (Graphviz dot) to FILE");
  cmd->add_option("--svg", o->svg, "write the topology drawing as SVG to FILE (runs dot)");
  cmd->add_option("--fail-link", o->fail_links, "take the link(s) between A and B down (A:B)");
  cmd->add_option("--fail-router", o->fail_routers, "take router R down");
  cmd->callback([o] { exit_code = run_topo(*o); });
}

}  // namespace l2vpn::app
