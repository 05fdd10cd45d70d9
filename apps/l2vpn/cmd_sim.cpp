// `l2vpn sim [TOPOLOGY]`: emulate a whole backbone in one process: the
// control plane computes every router's ForwardingState, one dataplane
// Router per node runs it over ring links, marked frames cross every
// service, and the report says what arrived. Then each link given with
// --fail-link goes down, the control plane recomputes, the routers apply
// the difference, and the services are checked again.
#include <spdlog/spdlog.h>

#include <iostream>

#include "commands.hpp"
#include "controlplane/network.hpp"
#include "controlplane/yaml_loader.hpp"
#include "dataplane/eal.hpp"
#include "dataplane/router_show.hpp"
#include "sim/backbone.hpp"
#include "sim/default_topology.hpp"
#include "sim/service_check.hpp"

namespace l2vpn::app {

namespace {

struct SimOptions {
  std::string topology;
  unsigned frames = 64;
  std::vector<std::string> fail_links;
  bool counters = false;
};

void print_router_totals(const sim::Backbone& bb) {
  uint64_t rx = 0, fwd = 0, drops = 0;
  std::array<uint64_t, dp::kDropReasonCount> by_reason{};
  for (auto& r : bb.routers()) {
    auto st = r->stats();
    rx += st.rx_packets;
    fwd += st.forwarded;
    drops += st.total_drops();
    for (size_t i = 0; i < dp::kDropReasonCount; ++i) by_reason[i] += st.drops[i];
  }
  std::cout << fmt::format("routers: {}  frames received {}  forwarded {}  dropped {}\n",
                           bb.routers().size(), rx, fwd, drops);
  for (size_t i = 0; i < dp::kDropReasonCount; ++i)
    if (by_reason[i])
      std::cout << fmt::format("  drop {:<24} {:>10}  {}\n", dp::kDropReasonNames[i], by_reason[i],
                               dp::kDropReasonDescriptions[i]);
}

int run_sim(const SimOptions& o) {
  Result<cp::Topology> topo =
      o.topology.empty() ? cp::parse_topology_yaml(sim::kDefaultTopologyYaml, sim::kDefaultTopologyName)
                         : cp::load_topology(o.topology);
  if (!topo) {
    spdlog::error("{}", topo.error().message);
    return 2;
  }
  for (auto& w : topo->warnings) spdlog::warn("{}", w);
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
  auto net = cp::Network::create(*topo);
  if (!net) {
    spdlog::error("{}", net.error().message);
    return 2;
  }
  if (auto st = dp::eal_init(dp::default_eal_args("0")); !st) {
    spdlog::error("{}", st.error().message);
    return 1;
  }
  auto pool = dp::make_mbuf_pool("sim_pool", 65535);
  if (!pool) {
    spdlog::error("{}", pool.error().message);
    return 1;
  }
  dp::Rcu rcu(4);
  const cp::Topology& t = (*net)->topology();
  auto bb = sim::Backbone::build(t, (*net)->state(), rcu);
  if (!bb) {
    spdlog::error("{}", bb.error().message);
    return 1;
  }
  std::cout << fmt::format("topology {}: {} routers, {} links, {} sites, {} VPWS, {} VPLS\n",
                           t.name.empty() ? t.source : t.name, t.routers.size(), t.links.size(),
                           t.sites.size(), t.vpws.size(), t.vpls.size());
  auto report = sim::check_services(**bb, t, (*net)->state(), *pool, o.frames);
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
    auto after = sim::check_services(**bb, t, (*net)->state(), *pool, o.frames);
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
  cmd->add_option("--frames", o->frames, "frames per direction per service pair")
      ->check(CLI::Range(1u, 100000u));
  cmd->add_option("--fail-link", o->fail_links, "after the first check, take link A:B down and check again");
  cmd->add_flag("--counters", o->counters, "print every router's counters");
  cmd->callback([o] { exit_code = run_sim(*o); });
}

}  // namespace l2vpn::app
