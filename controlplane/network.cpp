#include "controlplane/network.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <unordered_map>

#include "controlplane/igp.hpp"
#include "controlplane/ldp.hpp"
#include "controlplane/plan.hpp"

namespace l2vpn::cp {

Result<std::pair<std::string, std::string>> parse_link_spec(std::string_view text) {
  std::string s(text);
  size_t pos = s.find("--");
  size_t len = 2;
  if (pos == std::string::npos) {
    pos = s.find(':');
    len = 1;
  }
  if (pos == std::string::npos || pos == 0 || pos + len >= s.size())
    return Error{fmt::format("'{}' is not a link (expected ROUTER:ROUTER)", s)};
  return std::make_pair(s.substr(0, pos), s.substr(pos + len));
}

const ForwardingState* NetworkState::router(std::string_view name) const {
  auto it = routers.find(std::string(name));
  return it == routers.end() ? nullptr : &it->second;
}

// ------------------------------------------------------------------ tracing

namespace {

// Binary search first (states the control plane emits are sorted by key),
// a scan when that misses, so any state is handled correctly.
template <class T, class K, class KeyOf>
const T* find_sorted(const std::vector<T>& v, const K& key, KeyOf key_of) {
  auto it = std::lower_bound(v.begin(), v.end(), key,
                             [&](const T& x, const K& k) { return key_of(x) < k; });
  if (it != v.end() && key_of(*it) == key) return &*it;
  for (auto& x : v)
    if (key_of(x) == key) return &x;
  return nullptr;
}

const Nhlfe* resolve(const ForwardingState& fs, const NextHop& nh) {
  uint32_t id = nh.id;
  if (nh.kind == NextHop::Kind::ecmp) {
    auto* g = find_sorted(fs.ecmp_groups, nh.id, [](const EcmpGroup& g) { return g.id; });
    if (!g || g->nhlfes.empty()) return nullptr;
    id = g->nhlfes.front();
  }
  return find_sorted(fs.nhlfes, id, [](const Nhlfe& n) { return n.id; });
}

template <class NextRouter>
Lsp trace(const NetworkState& st, const std::string& fec, const std::string& ingress,
          const std::string& egress, size_t max_hops, NextRouter next_router) {
  Lsp lsp;
  lsp.fec = fec;
  lsp.ingress = ingress;
  lsp.egress = egress;
  const ForwardingState* fs = st.router(ingress);
  if (!fs) return lsp;
  auto* ftn = find_sorted(fs->ftn, fec, [](const FtnEntry& f) -> const std::string& { return f.fec; });
  if (!ftn) return lsp;
  NextHop nh = ftn->next_hop;
  std::optional<uint32_t> in_label;
  std::string cur = ingress;
  for (size_t n = 0; n <= max_hops; ++n) {
    const Nhlfe* x = resolve(*fs, nh);
    if (!x) break;
    LspHop hop{cur, in_label, x->out_port, std::nullopt};
    if (!x->labels.empty()) hop.out_label = x->labels.back();
    lsp.hops.push_back(hop);
    const std::string* next = next_router(cur, x->out_port);
    if (!next) break;
    cur = *next;
    in_label = hop.out_label;
    if (!in_label || *in_label == kLabelIpv4ExplicitNull) {
      // Popped (PHP) or explicit null: the frame must now be at the egress.
      lsp.hops.push_back({cur, in_label, "", std::nullopt});
      lsp.complete = cur == egress;
      break;
    }
    fs = st.router(cur);
    if (!fs) break;
    auto* e = find_sorted(fs->ilm, *in_label, [](const IlmEntry& e) { return e.label; });
    if (!e || (e->action != IlmAction::forward && e->action != IlmAction::ecmp)) {
      lsp.hops.push_back({cur, in_label, "", std::nullopt});
      break;
    }
    nh = NextHop{e->action == IlmAction::forward ? NextHop::Kind::nhlfe : NextHop::Kind::ecmp, e->target};
  }
  return lsp;
}

}  // namespace

Result<Lsp> trace_lsp(const NetworkState& state, const Topology& topo, std::string_view ingress,
                      std::string_view egress) {
  const Router* in = topo.find_router(ingress);
  const Router* eg = topo.find_router(egress);
  if (!in) return Error{fmt::format("unknown router '{}'", ingress)};
  if (!eg) return Error{fmt::format("unknown router '{}'", egress)};
  if (eg->role != RouterRole::pe) return Error{fmt::format("router '{}' is not a PE", egress)};
  // Which router is behind each port: from the port MACs the NHLFEs name.
  std::map<std::pair<std::string, std::string>, std::string> peer;
  for (auto& l : topo.links) {
    peer[{l.a, l.a_port.empty() ? "to-" + l.b : l.a_port}] = l.b;
    peer[{l.b, l.b_port.empty() ? "to-" + l.a : l.b_port}] = l.a;
  }
  auto next = [&](const std::string& r, const std::string& port) -> const std::string* {
    auto it = peer.find({r, port});
    return it == peer.end() ? nullptr : &it->second;
  };
  return trace(state, eg->loopback + "/32", std::string(ingress), std::string(egress),
               topo.routers.size(), next);
}

// ------------------------------------------------------------------ diffs

size_t NetworkDiff::size() const {
  size_t n = 0;
  for (auto& [r, d] : routers) n += d.size();
  return n;
}

namespace {

void diff_pw_status(const std::vector<PwStatus>& old, const std::vector<PwStatus>& next,
                    std::vector<PwStatus>& out) {
  // Usually the same PW ends in the same order (only failures changed):
  // compare in step, no maps.
  bool aligned = old.size() == next.size();
  for (size_t i = 0; i < old.size() && aligned; ++i)
    aligned = old[i].id == next[i].id && old[i].router == next[i].router;
  if (aligned) {
    for (size_t i = 0; i < old.size(); ++i)
      if (!(old[i] == next[i])) out.push_back(next[i]);
    return;
  }
  std::map<std::pair<std::string, uint32_t>, const PwStatus*> before;
  for (auto& p : old) before[{p.router, p.id}] = &p;
  std::set<std::pair<std::string, uint32_t>> seen;
  for (auto& p : next) {
    seen.insert({p.router, p.id});
    auto it = before.find({p.router, p.id});
    if (it == before.end() || !(*it->second == p)) out.push_back(p);
  }
  // An end that disappeared (service removed, router down) reports down.
  for (auto& p : old)
    if (!seen.count({p.router, p.id})) {
      PwStatus gone = p;
      gone.up = false;
      gone.down_reason = "removed";
      out.push_back(gone);
    }
}

}  // namespace

NetworkDiff diff(const NetworkState& old, const NetworkState& next) {
  NetworkDiff d;
  static const ForwardingState empty;
  for (auto& [name, fs] : next.routers) {
    const ForwardingState* o = old.router(name);
    ForwardingStateDiff x = diff(o ? *o : empty, fs);
    if (!x.empty()) d.routers.emplace(name, std::move(x));
  }
  for (auto& [name, fs] : old.routers)
    if (!next.router(name)) {
      ForwardingState gone;
      gone.router = name;
      d.routers.emplace(name, diff(fs, gone));
    }
  diff_pw_status(old.pseudowires, next.pseudowires, d.pw_changes);
  return d;
}

std::string to_string(const NetworkDiff& d) {
  std::ostringstream os;
  for (auto& p : d.pw_changes)
    os << fmt::format("pw {} {} {} -> {} pw_id {}: {}\n", to_string(p.kind), p.service, p.router, p.peer,
                      p.pw_id, p.up ? "up" : "down (" + p.down_reason + ")");
  for (auto& [name, rd] : d.routers) os << rd;
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const NetworkDiff& d) { return os << to_string(d); }

// Replaces, in a table sorted by key, the entries `replaced` selects by
// `fresh` (sorted by key, all of them in replaced territory), recording what
// that changes in `d`. `replaced` is called once per entry, in table order.
// When the replaced slots can take the fresh entries one for one without
// breaking the order (the usual case: a FEC moved to another port keeps its
// number of entries), they are overwritten in place; otherwise the table is
// merged anew.
template <class T, class K, class KeyOf, class Replaced>
void merge_patch(std::vector<T>& table, std::vector<T>& fresh, KeyOf key_of, Replaced replaced,
                 TableDiff<T, K>& d) {
  std::vector<size_t> pos;
  for (size_t i = 0; i < table.size(); ++i)
    if (replaced(table[i])) pos.push_back(i);
  // The diff: replaced old entries against the fresh ones, both by key.
  size_t i = 0, j = 0;
  while (i < pos.size() || j < fresh.size()) {
    if (j == fresh.size() || (i < pos.size() && key_of(table[pos[i]]) < key_of(fresh[j]))) {
      d.removed.push_back(K(key_of(table[pos[i++]])));
    } else if (i == pos.size() || key_of(fresh[j]) < key_of(table[pos[i]])) {
      d.added.push_back(fresh[j++]);
    } else {
      if (!(table[pos[i]] == fresh[j])) d.changed.push_back(fresh[j]);
      ++i, ++j;
    }
  }
  if (pos.empty() && fresh.empty()) return;
  bool fits = pos.size() == fresh.size();
  for (size_t k = 0; k < pos.size() && fits; ++k) {
    size_t at = pos[k];
    if (at > 0 && (k == 0 || pos[k - 1] != at - 1) && !(key_of(table[at - 1]) < key_of(fresh[k]))) fits = false;
    if (at + 1 < table.size() && (k + 1 == pos.size() || pos[k + 1] != at + 1) &&
        !(key_of(fresh[k]) < key_of(table[at + 1])))
      fits = false;
  }
  if (fits) {
    for (size_t k = 0; k < pos.size(); ++k) table[pos[k]] = std::move(fresh[k]);
    return;
  }
  std::vector<T> out;
  out.reserve(table.size() - pos.size() + fresh.size());
  size_t a = 0, b = 0, p = 0;
  while (a < table.size() || b < fresh.size()) {
    if (a < table.size() && p < pos.size() && pos[p] == a) {
      ++a, ++p;
      continue;
    }
    if (b == fresh.size() || (a < table.size() && key_of(table[a]) < key_of(fresh[b])))
      out.push_back(std::move(table[a++]));
    else
      out.push_back(std::move(fresh[b++]));
  }
  table = std::move(out);
}

template <class T>
void sort_by(std::vector<T>& v, auto key_of) {
  std::sort(v.begin(), v.end(), [&](const T& x, const T& y) { return key_of(x) < key_of(y); });
}

template <class T, class K, class KeyOf>
void sort_table_diff(TableDiff<T, K>& t, KeyOf key_of) {
  std::sort(t.removed.begin(), t.removed.end());
  sort_by(t.added, key_of);
  sort_by(t.changed, key_of);
}

void sort_diff(ForwardingStateDiff& d) {
  auto by_name = [](const auto& x) -> const std::string& { return x.name; };
  auto by_id = [](const auto& x) { return x.id; };
  sort_table_diff(d.ports, by_name);
  sort_table_diff(d.nhlfes, by_id);
  sort_table_diff(d.ecmp_groups, by_id);
  sort_table_diff(d.ilm, [](const IlmEntry& e) { return e.label; });
  sort_table_diff(d.ftn, [](const FtnEntry& e) -> const std::string& { return e.fec; });
  sort_table_diff(d.attachment_circuits, by_name);
  sort_table_diff(d.pseudowires, by_id);
  sort_table_diff(d.replication_groups, by_id);
  sort_table_diff(d.bridge_domains, by_name);
}

// ------------------------------------------------------------------ engine

struct Network::Impl {
  Topology topo;
  Plan plan;
  ServicePlan sp;
  std::unique_ptr<Igp> igp;
  std::vector<RouteTable> routes;
  std::vector<ServiceTables> services;
  Failures failures;
  std::vector<uint8_t> site_up;
  NetworkState state;
  std::vector<std::vector<uint32_t>> lsp_paths;  // router indexes of each state.lsps entry
  std::vector<std::pair<uint32_t, uint32_t>> lsp_pairs;  // (ingress, egress) of each entry
  Network::Stats stats;
  std::vector<uint32_t> pw_slot;  // per PW end: index in services[router].pseudowires
  std::vector<uint8_t> end_lsp;   // per PW end: had an LSP to its peer when last signalled
  bool services_dirty = false;    // the service plan changed since the last signalling

  Result<LinkState> resolve(const Failures& f, std::vector<uint8_t>& sites_up) const {
    LinkState ls;
    ls.link_up.assign(topo.links.size(), 1);
    ls.router_up.assign(topo.routers.size(), 1);
    for (uint32_t li : f.links) {
      if (li >= topo.links.size())
        return Error{fmt::format("link #{} does not exist ({} links)", li, topo.links.size())};
      ls.link_up[li] = 0;
    }
    for (auto& [a, b] : f.link_endpoints) {
      if (plan.router(a) == kNoIndex) return Error{fmt::format("unknown router '{}'", a)};
      if (plan.router(b) == kNoIndex) return Error{fmt::format("unknown router '{}'", b)};
      bool any = false;
      for (uint32_t li = 0; li < topo.links.size(); ++li) {
        auto& l = topo.links[li];
        if ((l.a == a && l.b == b) || (l.a == b && l.b == a)) ls.link_up[li] = 0, any = true;
      }
      if (!any) return Error{fmt::format("no link between '{}' and '{}'", a, b)};
    }
    for (auto& r : f.routers) {
      uint32_t i = plan.router(r);
      if (i == kNoIndex) return Error{fmt::format("unknown router '{}'", r)};
      ls.router_up[i] = 0;
    }
    sites_up.assign(topo.sites.size(), 1);
    for (auto& s : f.sites) {
      auto it = std::find_if(topo.sites.begin(), topo.sites.end(), [&](const Site& x) { return x.name == s; });
      if (it == topo.sites.end()) return Error{fmt::format("unknown site '{}'", s)};
      sites_up[size_t(it - topo.sites.begin())] = 0;
    }
    return ls;
  }

  Status compute_services(std::vector<ServiceTables>& out, std::vector<PwStatus>& status,
                          std::vector<P2mpTree>& trees) {
    out.assign(plan.router_count(), {});
    ServiceContext ctx{plan, sp, *igp, routes, site_up};
    auto results = signal_pseudowires(ctx);
    apply_spoke_redundancy(ctx, results);
    pw_slot.assign(sp.ends.size(), kNoIndex);
    emit_vpws(ctx, results, out, status, &pw_slot);
    // Versions are committed only with the tables they numbered.
    TreeVersions next = state.tree_versions;
    if (auto st = emit_vpls(ctx, results, out, status, &trees, &pw_slot, &next); !st) return st;
    state.tree_versions = std::move(next);
    end_lsp.assign(sp.ends.size(), 0);
    for (size_t i = 0; i < sp.ends.size(); ++i)
      end_lsp[i] = !routes[sp.ends[i].router].to(plan.routers[sp.ends[i].peer].fec).empty();
    return {};
  }

  // After a link event with no P2MP instance, services change only through
  // the routes of PW ends toward their peers. If no such end gained or lost
  // its LSP, every PW keeps its state and only `transport` may move: update
  // those in place. False: signal everything again.
  bool update_pw_transports(const std::vector<std::vector<uint8_t>>& changed,
                            std::vector<uint8_t>& svc_changed) {
    for (auto& v : topo.vpls)
      if (v.bum_mode == BumMode::p2mp_tree) return false;
    std::vector<uint32_t> touched;
    for (uint32_t i = 0; i < sp.ends.size(); ++i) {
      const PwEndPlan& e = sp.ends[i];
      uint32_t fec = plan.routers[e.peer].fec;
      if (changed[e.router].empty() || !changed[e.router][fec]) continue;
      if (pw_slot[i] == kNoIndex) return false;
      if (!routes[e.router].to(fec).empty() != bool(end_lsp[i])) return false;
      touched.push_back(i);
    }
    for (uint32_t i : touched) {
      const PwEndPlan& e = sp.ends[i];
      auto& pw = services[e.router].pseudowires[pw_slot[i]];
      auto nh = ftn_next_hop(plan, routes[e.router], e.router, plan.routers[e.peer].fec);
      if (pw.transport != nh) {
        pw.transport = nh;
        svc_changed[e.router] = 1;
      }
    }
    return true;
  }

  ForwardingState build_router(uint32_t r) const {
    const Router& rt = plan.router_at(r);
    ForwardingState fs;
    fs.router = rt.name;
    fs.router_id = rt.loopback;
    const auto& ports = plan.routers[r].ports;
    const ServiceTables& svc = services[r];
    fs.ports.reserve(ports.size() + svc.ac_ports.size());
    for (auto& lp : ports) fs.ports.push_back(Port{lp.name, "", lp.mac, std::clamp<uint32_t>(lp.mtu, 64, 9600)});
    fs.ports.insert(fs.ports.end(), svc.ac_ports.begin(), svc.ac_ports.end());
    if (igp->router_up(r)) build_transport(plan, routes[r], r, fs);
    fs.nhlfes.insert(fs.nhlfes.end(), svc.nhlfes.begin(), svc.nhlfes.end());
    fs.ilm.insert(fs.ilm.end(), svc.ilm.begin(), svc.ilm.end());
    fs.attachment_circuits = svc.attachment_circuits;
    fs.pseudowires = svc.pseudowires;
    fs.replication_groups = svc.replication_groups;
    fs.bridge_domains = svc.bridge_domains;
    canonicalize(fs);
    return fs;
  }

  // The transport part of router r after the FECs flagged in `changed`
  // moved: regenerate just those FECs' entries and merge them in, so a
  // router with 2,000 entries and 3 changed FECs costs a merge, not a
  // rebuild. Produces the same state as build_router.
  void patch_transport(uint32_t r, const std::vector<uint8_t>& changed, ForwardingState& fs,
                       ForwardingStateDiff& d) const {
    std::vector<Nhlfe> nhlfes;
    std::vector<EcmpGroup> ecmp;
    std::vector<IlmEntry> ilm;
    std::vector<FtnEntry> ftn;
    for (uint32_t f = 0; f < plan.fec_count(); ++f)
      if (changed[f]) build_transport_fec(plan, routes[r], r, f, nhlfes, ecmp, ilm, nullptr);
    if (plan.router_at(r).role == RouterRole::pe)
      for (uint32_t f : plan.fec_by_name)
        if (changed[f])
          if (auto nh = ftn_next_hop(plan, routes[r], r, f)) ftn.push_back({plan.fec_name[f], *nh});
    auto is = [&](uint32_t fec) { return fec != kNoIndex && changed[fec]; };
    merge_patch(fs.nhlfes, nhlfes, [](const Nhlfe& n) { return n.id; },
                [&](const Nhlfe& n) { return is(fec_of_nhlfe(plan, n.id)); }, d.nhlfes);
    merge_patch(fs.ecmp_groups, ecmp, [](const EcmpGroup& g) { return g.id; },
                [&](const EcmpGroup& g) { return is(fec_of_ecmp(plan, g.id)); }, d.ecmp_groups);
    merge_patch(fs.ilm, ilm, [](const IlmEntry& e) { return e.label; },
                [&](const IlmEntry& e) { return is(fec_of_label(plan, r, e.label)); }, d.ilm);
    // FTN entries are in fec_by_name order: walk that list alongside rather
    // than hashing 754 names per router.
    size_t k = 0;
    merge_patch(fs.ftn, ftn, [](const FtnEntry& e) -> const std::string& { return e.fec; },
                [&](const FtnEntry& e) {
                  while (k < plan.fec_by_name.size() && plan.fec_name[plan.fec_by_name[k]] != e.fec) ++k;
                  if (k == plan.fec_by_name.size()) {
                    k = 0;  // not in canonical order after all: look it up
                    auto it = plan.fec_index.find(e.fec);
                    return it != plan.fec_index.end() && changed[it->second];
                  }
                  return changed[plan.fec_by_name[k]] != 0;
                },
                d.ftn);
  }

  // The service part of router r replaced by `svc` (the new services[r]):
  // PW/tree ILM entries and NHLFEs, AC ports, and the service-only tables.
  void patch_services(uint32_t r, ServiceTables svc, ForwardingState& fs, ForwardingStateDiff& d) const {
    const auto& link_ports = plan.routers[r].ports;
    auto is_link_port = [&](const Port& p) {
      for (auto& lp : link_ports)
        if (lp.name == p.name) return true;
      return false;
    };
    sort_by(svc.ac_ports, [](const Port& p) -> const std::string& { return p.name; });
    sort_by(svc.nhlfes, [](const Nhlfe& n) { return n.id; });
    sort_by(svc.ilm, [](const IlmEntry& e) { return e.label; });
    sort_by(svc.attachment_circuits, [](const AttachmentCircuit& a) -> const std::string& { return a.name; });
    sort_by(svc.pseudowires, [](const Pseudowire& p) { return p.id; });
    sort_by(svc.replication_groups, [](const ReplicationGroup& g) { return g.id; });
    sort_by(svc.bridge_domains, [](const BridgeDomain& b) -> const std::string& { return b.name; });
    merge_patch(fs.ports, svc.ac_ports, [](const Port& p) -> const std::string& { return p.name; },
                [&](const Port& p) { return !is_link_port(p); }, d.ports);
    merge_patch(fs.nhlfes, svc.nhlfes, [](const Nhlfe& n) { return n.id; },
                [&](const Nhlfe& n) { return n.id >= plan.ids.service_nhlfe_base; }, d.nhlfes);
    merge_patch(fs.ilm, svc.ilm, [](const IlmEntry& e) { return e.label; },
                [&](const IlmEntry& e) { return fec_of_label(plan, r, e.label) == kNoIndex; }, d.ilm);
    auto all = [](const auto&) { return true; };
    merge_patch(fs.attachment_circuits, svc.attachment_circuits,
                [](const AttachmentCircuit& a) -> const std::string& { return a.name; }, all,
                d.attachment_circuits);
    merge_patch(fs.pseudowires, svc.pseudowires, [](const Pseudowire& p) { return p.id; }, all, d.pseudowires);
    merge_patch(fs.replication_groups, svc.replication_groups, [](const ReplicationGroup& g) { return g.id; },
                all, d.replication_groups);
    merge_patch(fs.bridge_domains, svc.bridge_domains,
                [](const BridgeDomain& b) -> const std::string& { return b.name; }, all, d.bridge_domains);
  }

  // Next hops of every router after the IGP moved from `old_dist` /
  // `old_state`. next_hops(s, d) reads dist(d, s), dist(d, N), dist(s, N),
  // dist(V, N) for neighbors N, V of s and the state of s's ports: only
  // pairs whose inputs changed are recomputed. Fills `changed` per router
  // whose routes changed.
  void update_routes(const std::vector<uint64_t>& old_dist, const LinkState& old_state,
                     std::vector<std::vector<uint8_t>>& changed, std::vector<uint8_t>& dirty) {
    size_t n = plan.router_count();
    const auto& now = igp->distances();
    std::vector<uint8_t> chg(n * n);
    for (size_t i = 0; i < n * n; ++i) chg[i] = old_dist[i] != now[i];
    auto old_port_up = [&](uint32_t r, const LinkPort& p) {
      return old_state.link_up[p.link] && old_state.router_up[r] && old_state.router_up[p.peer];
    };
    std::vector<IgpNextHop> hops;
    std::vector<uint8_t> redo(plan.fec_count());
    for (uint32_t r = 0; r < n; ++r) {
      const auto& ports = plan.routers[r].ports;
      bool all = false;
      for (uint32_t p = 0; p < ports.size() && !all; ++p)
        all = old_port_up(r, ports[p]) != igp->port_up(r, p);
      for (uint32_t p = 0; p < ports.size() && !all; ++p) {
        uint32_t nb = ports[p].peer;
        all = chg[size_t(r) * n + nb];
        for (uint32_t q = 0; q < ports.size() && !all; ++q) all = chg[size_t(ports[q].peer) * n + nb];
      }
      bool any = all;
      for (uint32_t f = 0; f < plan.fec_count(); ++f) {
        const uint8_t* row = chg.data() + size_t(plan.fec_router[f]) * n;
        bool x = all || row[r];
        for (uint32_t p = 0; p < ports.size() && !x; ++p) x = row[ports[p].peer];
        redo[f] = x;
        any |= x;
      }
      if (!any) continue;
      const RouteTable& old = routes[r];
      RouteTable t;
      t.offset.resize(plan.fec_count() + 1);
      t.hops.reserve(old.hops.size() + 4);
      std::vector<uint8_t> c(plan.fec_count(), 0);
      bool differs = false;
      for (uint32_t f = 0; f < plan.fec_count(); ++f) {
        t.offset[f] = uint32_t(t.hops.size());
        auto prev = old.to(f);
        if (!redo[f]) {
          t.hops.insert(t.hops.end(), prev.begin(), prev.end());
          continue;
        }
        igp->next_hops(r, plan.fec_router[f], hops);
        t.hops.insert(t.hops.end(), hops.begin(), hops.end());
        if (!std::equal(hops.begin(), hops.end(), prev.begin(), prev.end())) c[f] = 1, differs = true;
      }
      t.offset[plan.fec_count()] = uint32_t(t.hops.size());
      if (!differs) continue;
      routes[r] = std::move(t);
      changed[r] = std::move(c);
      dirty[r] = 1;
    }
  }

  // The label path from a to b's loopback as the tables encode it (they are
  // built from these routes and labels; the tests walk the tables
  // themselves). Index-based: walking 300 MB of tables by binary search
  // costs a cache miss per probe.
  Lsp trace_routes(uint32_t a, uint32_t b, std::vector<uint32_t>* path = nullptr) const {
    Lsp lsp;
    if (path) path->clear();
    uint32_t fec = plan.routers[b].fec;
    lsp.fec = plan.fec_name[fec];
    lsp.ingress = plan.router_at(a).name;
    lsp.egress = plan.router_at(b).name;
    std::optional<uint32_t> in_label;
    uint32_t x = a;
    for (size_t n = 0; n <= plan.router_count(); ++n) {
      if (path) path->push_back(x);
      auto hops = routes[x].to(fec);
      if (x == b || hops.empty()) {
        lsp.hops.push_back({plan.router_at(x).name, in_label, "", std::nullopt});
        lsp.complete = x == b;
        break;
      }
      const LinkPort& lp = plan.routers[x].ports[hops[0].port];
      uint32_t label = ldp_advertised_label(plan, lp.peer, fec);
      LspHop hop{plan.router_at(x).name, in_label, lp.name, std::nullopt};
      if (label != kLabelImplicitNull) hop.out_label = label;
      lsp.hops.push_back(std::move(hop));
      in_label = lsp.hops.back().out_label;
      x = lp.peer;
    }
    return lsp;
  }

  // The LSPs under the PWs. With `changed` (per router, per FEC: did its
  // next hops change), an LSP is traced again only when one of its hops
  // changed or it did not complete; the others read unchanged tables.
  void compute_lsps(const std::vector<std::vector<uint8_t>>* changed = nullptr) {
    state.lsp_count = 0;
    for (auto& [name, fs] : state.routers) state.lsp_count += fs.ftn.size();
    std::vector<std::pair<uint32_t, uint32_t>> pairs;
    pairs.reserve(sp.ends.size());
    for (auto& e : sp.ends)
      if (igp->router_up(e.router)) pairs.emplace_back(e.router, e.peer);
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    stats.lsps_retraced = 0;
    auto touched = [&](const std::vector<uint32_t>& path, uint32_t fec) {
      for (size_t h = 0; h + 1 < path.size(); ++h)
        if (!(*changed)[path[h]].empty() && (*changed)[path[h]][fec]) return true;
      return false;
    };
    auto retrace = [&](size_t i) {
      ++stats.lsps_retraced;
      auto [a, b] = pairs[i];
      state.lsps[i] = trace_routes(a, b, &lsp_paths[i]);
    };
    if (changed && pairs == lsp_pairs) {
      // Same LSPs as before: retrace in place those whose path moved.
      for (size_t i = 0; i < pairs.size(); ++i)
        if (!state.lsps[i].complete || touched(lsp_paths[i], plan.routers[pairs[i].second].fec)) retrace(i);
      return;
    }
    std::vector<Lsp> old = std::move(state.lsps);
    std::vector<std::vector<uint32_t>> old_paths = std::move(lsp_paths);
    std::map<std::pair<uint32_t, uint32_t>, size_t> previous;
    if (changed)
      for (size_t i = 0; i < lsp_pairs.size(); ++i) previous[lsp_pairs[i]] = i;
    state.lsps.assign(pairs.size(), Lsp{});
    lsp_paths.assign(pairs.size(), {});
    lsp_pairs = pairs;
    for (size_t i = 0; i < pairs.size(); ++i) {
      auto it = previous.find(pairs[i]);
      if (it != previous.end() && old[it->second].complete &&
          !touched(old_paths[it->second], plan.routers[pairs[i].second].fec)) {
        state.lsps[i] = std::move(old[it->second]);
        lsp_paths[i] = std::move(old_paths[it->second]);
        continue;
      }
      retrace(i);
    }
  }

  Status full(const Failures& f, const TreeVersions* prior = nullptr) {
    auto p = make_plan(topo);
    if (!p) return p.error();
    plan = std::move(*p);
    auto s = plan_services(plan);
    if (!s) return s.error();
    sp = std::move(*s);
    auto ls = resolve(f, site_up);
    if (!ls) return ls.error();
    failures = f;
    igp = std::make_unique<Igp>(plan);
    igp->compute(*ls);
    routes.resize(plan.router_count());
    for (uint32_t r = 0; r < plan.router_count(); ++r) routes[r] = compute_routes(*igp, r);
    state = NetworkState{};
    if (prior) state.tree_versions = *prior;
    if (auto st = compute_services(services, state.pseudowires, state.p2mp_trees); !st) return st;
    for (uint32_t r = 0; r < plan.router_count(); ++r)
      state.routers.emplace(plan.router_at(r).name, build_router(r));
    state.warnings = topo.warnings;
    state.warnings.insert(state.warnings.end(), sp.warnings.begin(), sp.warnings.end());
    compute_lsps();
    return {};
  }

  // After failures or services changed: redo what may have changed, rebuild
  // the routers whose inputs differ, diff them.
  Result<NetworkDiff> recompute(const Failures& f) {
    using Clock = std::chrono::steady_clock;
    auto ms = [](Clock::time_point t) {
      return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
    };
    stats = {};
    std::vector<uint8_t> new_sites;
    auto ls = resolve(f, new_sites);
    if (!ls) return ls.error();
    failures = f;
    std::vector<uint8_t> old_sites = std::move(site_up);
    site_up = std::move(new_sites);
    size_t n = plan.router_count();
    std::vector<uint8_t> dirty(n, 0);
    // Per router (only those whose routes changed): which FECs changed.
    std::vector<std::vector<uint8_t>> changed(n);
    LinkState old_state = igp->state();
    if (!(*ls == old_state)) {
      auto t0 = Clock::now();
      std::vector<uint64_t> old_dist = igp->distances();
      stats.spf_roots = igp->update(*ls).size();
      stats.spf_ms = ms(t0);
      t0 = Clock::now();
      update_routes(old_dist, old_state, changed, dirty);
      stats.routes_ms = ms(t0);
    }
    auto t1 = Clock::now();
    // Routers that went down or came up are rebuilt whole; the others get
    // their changed FECs and, if their services changed, their service
    // tables patched in place.
    std::vector<uint8_t> rebuild(n, 0), svc_changed(n, 0);
    for (uint32_t r = 0; r < n; ++r)
      if (old_state.router_up[r] != ls->router_up[r]) rebuild[r] = 1;
    bool links_only = old_state.router_up == ls->router_up && site_up == old_sites && !services_dirty;
    bool fast = links_only && update_pw_transports(changed, svc_changed);
    std::vector<PwStatus> new_status;
    std::vector<P2mpTree> new_trees;
    if (!fast) {
      std::vector<ServiceTables> svc;
      if (auto st = compute_services(svc, new_status, new_trees); !st) return st.error();
      for (uint32_t r = 0; r < n; ++r)
        if (!(svc[r] == services[r])) {
          services[r] = std::move(svc[r]);
          svc_changed[r] = 1;
        }
    }
    services_dirty = false;
    stats.services_ms = ms(t1);
    t1 = Clock::now();
    NetworkDiff d;
    for (uint32_t r = 0; r < n; ++r) {
      if (!dirty[r] && !rebuild[r] && !svc_changed[r]) continue;
      ++stats.dirty_routers;
      const std::string& name = plan.router_at(r).name;
      ForwardingState& old = state.routers[name];
      ForwardingStateDiff x;
      if (rebuild[r]) {
        ForwardingState fs = build_router(r);
        x = diff(old, fs);
        old = std::move(fs);
      } else {
        x.router = name;
        if (dirty[r]) patch_transport(r, changed[r], old, x);
        if (svc_changed[r]) patch_services(r, services[r], old, x);
        // Each table's lists come out sorted by key, as diff() gives them.
        sort_diff(x);
      }
      if (!x.empty()) d.routers.emplace(name, std::move(x));
    }
    stats.build_ms = ms(t1);
    if (!fast) {
      diff_pw_status(state.pseudowires, new_status, d.pw_changes);
      state.pseudowires = std::move(new_status);
      state.p2mp_trees = std::move(new_trees);
    }
    state.warnings = topo.warnings;
    state.warnings.insert(state.warnings.end(), sp.warnings.begin(), sp.warnings.end());
    t1 = Clock::now();
    compute_lsps(&changed);
    stats.lsps_ms = ms(t1);
    return d;
  }

  // Services changed in `topo`: re-plan them (labels of untouched PWs stay:
  // they are hashed from the PW's key), then recompute. On error restore.
  Result<NetworkDiff> services_changed(Topology previous) {
    auto s = plan_services(plan, &sp.tree_slot_of);
    if (!s) {
      topo = std::move(previous);
      return s.error();
    }
    ServicePlan old_sp = std::move(sp);
    sp = std::move(*s);
    services_dirty = true;
    auto d = recompute(failures);
    if (!d) {
      topo = std::move(previous);
      sp = std::move(old_sp);
      plan.topo = &topo;
    }
    return d;
  }
};

Network::Network() : impl_(std::make_unique<Impl>()) {}
Network::~Network() = default;

Result<std::unique_ptr<Network>> Network::create(Topology topo, const Failures& failures) {
  std::unique_ptr<Network> n(new Network());
  n->impl_->topo = std::move(topo);
  if (auto st = n->impl_->full(failures); !st) return st.error();
  return n;
}

const NetworkState& Network::state() const { return impl_->state; }
const Topology& Network::topology() const { return impl_->topo; }
const Failures& Network::failures() const { return impl_->failures; }
const Network::Stats& Network::last_stats() const { return impl_->stats; }

Result<NetworkDiff> Network::set_failures(const Failures& f) { return impl_->recompute(f); }

Result<NetworkDiff> Network::link_down(uint32_t link) {
  Failures f = impl_->failures;
  f.links.insert(link);
  return set_failures(f);
}
Result<NetworkDiff> Network::link_up(uint32_t link) {
  if (link >= impl_->topo.links.size()) return Error{fmt::format("link #{} does not exist", link)};
  Failures f = impl_->failures;
  f.links.erase(link);
  auto& l = impl_->topo.links[link];
  f.link_endpoints.erase({l.a, l.b});
  f.link_endpoints.erase({l.b, l.a});
  return set_failures(f);
}
Result<NetworkDiff> Network::router_down(const std::string& r) {
  Failures f = impl_->failures;
  f.routers.insert(r);
  return set_failures(f);
}
Result<NetworkDiff> Network::router_up(const std::string& r) {
  if (!impl_->topo.find_router(r)) return Error{fmt::format("unknown router '{}'", r)};
  Failures f = impl_->failures;
  f.routers.erase(r);
  return set_failures(f);
}
Result<NetworkDiff> Network::site_down(const std::string& s) {
  Failures f = impl_->failures;
  f.sites.insert(s);
  return set_failures(f);
}
Result<NetworkDiff> Network::site_up(const std::string& s) {
  if (!impl_->topo.find_site(s)) return Error{fmt::format("unknown site '{}'", s)};
  Failures f = impl_->failures;
  f.sites.erase(s);
  return set_failures(f);
}

Result<NetworkDiff> Network::add_site(Site site) {
  Topology prev = impl_->topo;
  impl_->topo.sites.push_back(std::move(site));
  return impl_->services_changed(std::move(prev));
}
Result<NetworkDiff> Network::add_vpws(VpwsService service) {
  Topology prev = impl_->topo;
  impl_->topo.vpws.push_back(std::move(service));
  return impl_->services_changed(std::move(prev));
}
Result<NetworkDiff> Network::remove_vpws(const std::string& name) {
  auto& v = impl_->topo.vpws;
  auto it = std::find_if(v.begin(), v.end(), [&](const VpwsService& s) { return s.name == name; });
  if (it == v.end()) return Error{fmt::format("unknown vpws '{}'", name)};
  Topology prev = impl_->topo;
  v.erase(it);
  return impl_->services_changed(std::move(prev));
}
Result<NetworkDiff> Network::add_vpls(VplsService service) {
  Topology prev = impl_->topo;
  impl_->topo.vpls.push_back(std::move(service));
  return impl_->services_changed(std::move(prev));
}
Result<NetworkDiff> Network::remove_vpls(const std::string& name) {
  auto& v = impl_->topo.vpls;
  auto it = std::find_if(v.begin(), v.end(), [&](const VplsService& s) { return s.name == name; });
  if (it == v.end()) return Error{fmt::format("unknown vpls '{}'", name)};
  Topology prev = impl_->topo;
  v.erase(it);
  return impl_->services_changed(std::move(prev));
}

Result<NetworkState> compute(const Topology& topo, const Failures& failures, const TreeVersions* prior) {
  Network::Impl impl;
  impl.topo = topo;
  if (auto st = impl.full(failures, prior); !st) return st.error();
  return std::move(impl.state);
}

}  // namespace l2vpn::cp
