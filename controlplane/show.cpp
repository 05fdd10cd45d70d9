#include "controlplane/show.hpp"

#include <fmt/format.h>

#include <map>
#include <sstream>

#include "controlplane/plan.hpp"

namespace l2vpn::cp {

namespace {

// What the tables need to name things: the peer behind each port, the FEC
// behind each LDP label, the PW behind each id.
struct Names {
  Plan plan;
  uint32_t router = kNoIndex;
  std::map<std::string, std::string> port_peer;

  static Result<Names> make(const Topology& topo, const NetworkState& st, std::string_view name) {
    auto p = make_plan(topo);
    if (!p) return p.error();
    Names n{std::move(*p), kNoIndex, {}};
    n.router = n.plan.router(name);
    if (n.router == kNoIndex || !st.router(name))
      return Error{fmt::format("unknown router '{}'", name)};
    for (auto& lp : n.plan.routers[n.router].ports) n.port_peer[lp.name] = n.plan.router_at(lp.peer).name;
    return n;
  }
  std::string fec_of(uint32_t label) const {
    uint32_t first = plan.router_at(router).labels.first;
    if (label >= first && label - first < plan.fec_count()) return plan.fec_name[label - first];
    return "";
  }
  std::string peer(const std::string& port) const {
    auto it = port_peer.find(port);
    return it == port_peer.end() ? "-" : it->second;
  }
};

// The outgoing label as router CLIs print it (FRR's `show mpls table`):
// "implicit-null" when the NHLFE pushes none (a PHP pop), the same word
// `l2vpn ctl show lfib` uses (dp::kImplicitNull).
std::string out_label(const Nhlfe& n) {
  if (n.op == NhlfeOp::pop || n.labels.empty()) return "implicit-null";
  if (n.labels.back() == kLabelIpv4ExplicitNull) return "Exp-null";
  std::string s;
  for (size_t i = 0; i < n.labels.size(); ++i) s += (i ? "/" : "") + std::to_string(n.labels[i]);
  return s;
}

std::string backup_of(const ForwardingState& fs, const Names& names, const Nhlfe& n) {
  if (!n.backup_nhlfe) return "";
  auto* b = fs.find_nhlfe(*n.backup_nhlfe);
  if (!b) return "";
  return fmt::format("{} via {} ({})", out_label(*b), b->out_port, names.peer(b->out_port));
}

}  // namespace

Result<std::string> show_lfib(const Topology& topo, const NetworkState& st, std::string_view router) {
  auto nm = Names::make(topo, st, router);
  if (!nm) return nm.error();
  const ForwardingState& fs = *st.router(router);
  std::ostringstream os;
  os << fmt::format("{:<10} {:<12} {:<22} {:<16} {:<16} {}\n", "Local", "Outgoing", "Prefix",
                    "Outgoing", "Next Hop", "Backup (LFA)");
  os << fmt::format("{:<10} {:<12} {:<22} {:<16} {:<16} {}\n", "Label", "Label", "or PW / Tree",
                    "interface", "", "");
  for (auto& e : fs.ilm) {
    switch (e.action) {
      case IlmAction::forward:
      case IlmAction::ecmp: {
        NextHop nh{e.action == IlmAction::forward ? NextHop::Kind::nhlfe : NextHop::Kind::ecmp, e.target};
        bool first = true;
        for (auto* n : fs.nhlfes_of(nh)) {
          os << fmt::format("{:<10} {:<12} {:<22} {:<16} {:<16} {}\n", first ? std::to_string(e.label) : "",
                            out_label(*n), first ? nm->fec_of(e.label) : "", n->out_port,
                            nm->peer(n->out_port), backup_of(fs, *nm, *n));
          first = false;
        }
        break;
      }
      case IlmAction::pw_disposition: {
        auto* pw = fs.find_pseudowire(e.target);
        os << fmt::format("{:<10} {:<12} {:<22} {:<16} {:<16}\n", e.label, "Pop (PW)",
                          pw ? fmt::format("PW {} to {}", pw->pw_id, pw->peer) : "PW ?", "disposition", "");
        break;
      }
      case IlmAction::replicate: {
        auto* g = fs.find_replication_group(e.target);
        std::string what = fmt::format("P2MP group {}", e.target);
        bool first = true;
        if (g) {
          for (auto id : g->nhlfes)
            if (auto* n = fs.find_nhlfe(id)) {
              os << fmt::format("{:<10} {:<12} {:<22} {:<16} {:<16}\n", first ? std::to_string(e.label) : "",
                                out_label(*n), first ? what : "", n->out_port, nm->peer(n->out_port));
              first = false;
            }
          if (g->local_pseudowire)
            os << fmt::format("{:<10} {:<12} {:<22} {:<16} {:<16}\n", first ? std::to_string(e.label) : "",
                              "Pop (leaf)", first ? what : "", fmt::format("PW id {}", *g->local_pseudowire), "");
        }
        break;
      }
      case IlmAction::pop_and_lookup:
        os << fmt::format("{:<10} {:<12} {:<22}\n", e.label, "Pop+lookup", "");
        break;
    }
  }
  return os.str();
}

Result<std::string> show_ftn(const Topology& topo, const NetworkState& st, std::string_view router) {
  auto nm = Names::make(topo, st, router);
  if (!nm) return nm.error();
  const ForwardingState& fs = *st.router(router);
  std::ostringstream os;
  os << fmt::format("{:<22} {:<12} {:<16} {:<16} {}\n", "FEC", "Push", "Outgoing if", "Next Hop",
                    "Backup (LFA)");
  for (auto& f : fs.ftn) {
    bool first = true;
    for (auto* n : fs.nhlfes_of(f.next_hop)) {
      os << fmt::format("{:<22} {:<12} {:<16} {:<16} {}\n", first ? f.fec : "",
                        out_label(*n), n->out_port, nm->peer(n->out_port),
                        backup_of(fs, *nm, *n));
      first = false;
    }
  }
  return os.str();
}

Result<std::string> show_pw(const Topology& topo, const NetworkState& st, std::string_view router) {
  auto nm = Names::make(topo, st, router);
  if (!nm) return nm.error();
  const ForwardingState& fs = *st.router(router);
  std::map<uint32_t, std::string> ac_of;
  for (auto& a : fs.attachment_circuits)
    if (a.pseudowire) ac_of[*a.pseudowire] = a.name;
  std::map<std::pair<std::string, uint32_t>, const PwStatus*> svc;
  for (auto& p : st.pseudowires)
    if (p.router == router) svc[{p.peer, p.id}] = &p;
  std::ostringstream os;
  os << fmt::format("{:<6} {:<16} {:<14} {:<8} {:<8} {:<9} {:<3} {:<5} {:<6} {}\n", "PW id", "Service", "Peer",
                    "Local", "Remote", "Kind", "CW", "MTU", "State", "Reason / AC");
  for (auto& pw : fs.pseudowires) {
    auto it = svc.find({pw.peer, pw.id});
    std::string name = it != svc.end() ? it->second->service : "";
    std::string kind = it != svc.end() ? std::string(to_string(it->second->kind)) : "";
    std::string tail = pw.up ? (ac_of.count(pw.id) ? "AC " + ac_of[pw.id] : "") : pw.down_reason;
    os << fmt::format("{:<6} {:<16} {:<14} {:<8} {:<8} {:<9} {:<3} {:<5} {:<6} {}\n", pw.pw_id, name, pw.peer,
                      pw.local_label, pw.remote_label ? std::to_string(pw.remote_label) : "-", kind,
                      pw.control_word ? "Y" : "N", pw.mtu, pw.up ? "UP" : "DOWN", tail);
  }
  return os.str();
}

Result<std::string> show_vpls(const Topology& topo, const NetworkState& st, std::string_view router) {
  auto nm = Names::make(topo, st, router);
  if (!nm) return nm.error();
  const ForwardingState& fs = *st.router(router);
  std::ostringstream os;
  auto pw_line = [&](uint32_t id) {
    auto* pw = fs.find_pseudowire(id);
    if (!pw) return fmt::format("id {} ?", id);
    return fmt::format("{} (labels {}/{}) {}", pw->peer, pw->local_label, pw->remote_label,
                       pw->up ? "UP" : "DOWN " + pw->down_reason);
  };
  for (auto& bd : fs.bridge_domains) {
    os << fmt::format("VPLS {}  VSI id {}  MAC limit {}  aging {} s  BUM {}{}{}\n", bd.name, bd.vsi_id,
                      bd.mac_limit, bd.aging_seconds, to_string(bd.bum_mode),
                      bd.p2mp_group ? fmt::format(" (root group {})", *bd.p2mp_group) : "",
                      bd.flood_rate_pps ? fmt::format("  flood limit {}/s", bd.flood_rate_pps) : "");
    for (auto& a : bd.attachment_circuits) {
      auto* ac = fs.find_ac(a);
      os << fmt::format("  AC    {:<16} port {} vlan {} {}\n", a, ac ? ac->port : "?", ac ? ac->vlan : 0,
                        ac ? std::string(to_string(ac->mode)) : "");
    }
    for (auto id : bd.mesh_pseudowires) os << "  mesh  " << pw_line(id) << "   [split-horizon group 1]\n";
    for (auto id : bd.spoke_pseudowires) os << "  spoke " << pw_line(id) << "\n";
  }
  if (fs.bridge_domains.empty()) os << "no VPLS instance on " << router << "\n";
  return os.str();
}

std::string show_summary(const Topology& topo, const NetworkState& st) {
  std::ostringstream os;
  size_t pes = 0;
  for (auto& r : topo.routers) pes += r.role == RouterRole::pe;
  os << fmt::format("topology {}: {} routers ({} PE, {} P), {} links, {} sites\n",
                    topo.name.empty() ? topo.source : topo.name, topo.routers.size(), pes,
                    topo.routers.size() - pes, topo.links.size(), topo.sites.size());
  size_t nh = 0, ilm = 0;
  for (auto& [n, fs] : st.routers) nh += fs.nhlfes.size(), ilm += fs.ilm.size();
  os << fmt::format("LSPs: {} (PE to PE), {} ILM entries, {} NHLFEs\n", st.lsp_count, ilm, nh);
  size_t up = 0;
  for (auto& p : st.pseudowires) up += p.up;
  os << fmt::format("pseudowire ends: {} ({} up)\n", st.pseudowires.size(), up);
  for (auto& p : st.pseudowires)
    os << fmt::format("  {:<5} {:<16} {:>12} -> {:<12} pw_id {:<6} labels {}/{} {}\n", to_string(p.kind), p.service,
                      p.router, p.peer, p.pw_id, p.local_label, p.remote_label ? std::to_string(p.remote_label) : "-",
                      p.up ? "UP" : "DOWN (" + p.down_reason + ")");
  if (!topo.vpls.empty()) os << fmt::format("VPLS instances: {}\n", topo.vpls.size());
  for (auto& v : topo.vpls) {
    size_t mesh = 0, spokes = 0, mesh_up = 0;
    for (auto& p : st.pseudowires)
      if (p.service == v.name && p.kind != PwKind::vpws) {
        (p.kind == PwKind::vpls_mesh ? mesh : spokes)++;
        mesh_up += p.kind == PwKind::vpls_mesh && p.up;
      }
    os << fmt::format("  {:<16} vsi {:<6} {} sites, {} mesh PW ends ({} up), {} spoke PW ends, BUM {}\n", v.name,
                      v.vsi_id, v.sites.size(), mesh, mesh_up, spokes, to_string(v.bum_mode));
  }
  if (!st.p2mp_trees.empty()) os << fmt::format("P2MP trees: {}\n", st.p2mp_trees.size());
  for (auto& l : st.lsps)
    if (!l.complete) os << fmt::format("warning: LSP {} -> {} is incomplete\n", l.ingress, l.egress);
  for (auto& w : st.warnings) os << "warning: " << w << "\n";
  return os.str();
}

}  // namespace l2vpn::cp
