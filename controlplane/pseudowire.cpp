#include "controlplane/pseudowire.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace l2vpn::cp {

std::string_view to_string(PwKind kind) {
  switch (kind) {
    case PwKind::vpws: return "vpws";
    case PwKind::vpls_mesh: return "mesh";
    case PwKind::vpls_spoke: return "spoke";
  }
  return "?";
}

PwNegotiation negotiate(const PwEndConfig& local, const PwEndConfig& remote, bool peer_up,
                        bool lsp_to_peer) {
  PwNegotiation n;
  n.mtu = local.mtu;
  n.control_word = local.control_word && remote.control_word;
  n.flow_label = local.flow_label && remote.flow_label;
  // Without the peer or a path to it there is no targeted LDP session, so no
  // label mapping ever arrives.
  if (!peer_up) {
    n.down_reason = pw_down::remote_down;
    return n;
  }
  if (!lsp_to_peer) {
    n.down_reason = pw_down::no_lsp;
    return n;
  }
  n.labels_exchanged = true;
  // RFC 4447 5.3.2 / RFC 8077: a mapping with another PW type or interface
  // MTU is kept but the PW is not used.
  if (local.type != remote.type)
    n.down_reason = pw_down::type_mismatch;
  else if (local.mtu != remote.mtu)
    n.down_reason = pw_down::mtu_mismatch;
  else if (!local.ac_up)
    n.down_reason = pw_down::ac_down;
  else if (!remote.ac_up)
    n.down_reason = pw_down::remote_down;  // the peer's status TLV: AC fault
  else
    n.up = true;
  return n;
}

namespace {

std::string where_prefix(const SourceLocation& where) {
  std::string s = where.str();
  return s.empty() ? std::string() : s + ": ";
}

struct Planner {
  const Plan& plan;
  const Topology& topo;
  ServicePlan sp;
  std::vector<StableAllocator> ids;
  const TreeSlots* keep = nullptr;

  Status add_pair(PwEndPlan a, PwEndPlan b, const std::string& service_name,
                  const SourceLocation& where) {
    uint32_t ia = uint32_t(sp.ends.size());
    a.other = ia + 1;
    b.other = ia;
    for (PwEndPlan* e : {&a, &b}) {
      std::string key = fmt::format("{}/{}/{}/{}", to_string(e->kind), service_name,
                                    plan.router_at(e->peer).name, e->pw_id);
      e->local_label = sp.labels[e->router].allocate(key);
      if (e->local_label == kNoIndex) {
        const Router& r = plan.router_at(e->router);
        return Error{fmt::format(
            "{}service '{}': router '{}' has no label left for its pseudowire (range {}..{}, "
            "{} taken by LDP FECs)",
            where_prefix(where), service_name, r.name, r.labels.first, r.labels.last,
            plan.fec_count())};
      }
      e->id = ids[e->router].allocate(key);
      if (e->id == kNoIndex)
        return Error{fmt::format("{}service '{}': too many pseudowires on router '{}'",
                                 where_prefix(where), service_name,
                                 plan.router_at(e->router).name)};
    }
    sp.ends.push_back(std::move(a));
    sp.ends.push_back(std::move(b));
    return {};
  }

  Result<uint32_t> pe_of(const std::string& router, const std::string& what,
                         const SourceLocation& where) {
    uint32_t r = plan.router(router);
    if (r == kNoIndex)
      return Error{fmt::format("{}{}: unknown router '{}'", where_prefix(where), what, router)};
    if (plan.routers[r].fec == kNoIndex)
      return Error{fmt::format("{}{}: router '{}' is a P router; services need a PE",
                               where_prefix(where), what, router)};
    return r;
  }

  Status run() {
    size_t nr = plan.router_count();
    sp.sites_of.resize(nr);
    sp.site_service.assign(topo.sites.size(), -1);
    sp.labels.reserve(nr);
    ids.assign(nr, StableAllocator(1, (1u << 20) - 1));
    // Tree slots first: an upper bound per P2MP instance (its sites and
    // hubs can hold at most that many roots).
    if (keep) sp.tree_slot_of = *keep;
    for (auto& [name, slot] : sp.tree_slot_of) sp.tree_slots = std::max(sp.tree_slots, slot.first + slot.count);
    for (auto& v : topo.vpls)
      if (v.bum_mode == BumMode::p2mp_tree) {
        size_t hubs = 0;
        for (auto& sk : v.spokes) hubs += sk.hubs.size();
        const uint32_t need = uint32_t(v.sites.size() + hubs);
        auto it = sp.tree_slot_of.find(v.name);
        if (it != sp.tree_slot_of.end() && it->second.count >= need) continue;
        sp.tree_slot_of[v.name] = TreeSlot{sp.tree_slots, need};
        sp.tree_slots += need;
      }
    if (uint64_t(plan.ids.service_nhlfe_base) + uint64_t(sp.tree_slots) * plan.ids.port_stride >= (1ULL << 31))
      return Error{fmt::format("too many P2MP trees ({}) for the NHLFE id space", sp.tree_slots)};
    for (uint32_t r = 0; r < nr; ++r) {
      const Router& rt = plan.router_at(r);
      uint64_t first = uint64_t(rt.labels.first) + plan.fec_count() + uint64_t(kTreeVersions) * sp.tree_slots;
      if (sp.tree_slots && first - 1 > rt.labels.last)
        return Error{fmt::format(
            "{}router '{}': label range {}..{} cannot hold {} FEC labels and {} P2MP tree labels",
            where_prefix(rt.where), rt.name, rt.labels.first, rt.labels.last, plan.fec_count(),
            kTreeVersions * sp.tree_slots)};
      sp.labels.emplace_back(uint32_t(std::min<uint64_t>(first, kMaxLabel + 1ULL)), rt.labels.last);
    }
    std::map<std::string, uint32_t> site_index;
    for (uint32_t s = 0; s < topo.sites.size(); ++s) {
      const Site& site = topo.sites[s];
      if (!site_index.emplace(site.name, s).second)
        return Error{fmt::format("{}site '{}' is defined twice", where_prefix(site.where), site.name)};
      auto pe = pe_of(site.pe, fmt::format("site '{}'", site.name), site.where);
      if (!pe) return pe.error();
      for (auto& lp : plan.routers[*pe].ports)
        if (lp.name == (site.port.empty() ? "ac-" + site.name : site.port))
          return Error{fmt::format("{}site '{}': port '{}' of router '{}' is a link port",
                                   where_prefix(site.where), site.name, lp.name, site.pe)};
    }
    auto use_site = [&](const std::string& name, int32_t tag, const std::string& what,
                        const SourceLocation& where) -> Result<uint32_t> {
      auto it = site_index.find(name);
      if (it == site_index.end())
        return Error{fmt::format("{}{}: unknown site '{}'", where_prefix(where), what, name)};
      if (sp.site_service[it->second] != -1)
        return Error{fmt::format("{}{}: site '{}' is already used by another service",
                                 where_prefix(where), what, name)};
      sp.site_service[it->second] = tag;
      return it->second;
    };

    std::set<std::tuple<uint32_t, uint32_t, uint32_t>> fec128;  // (pw_id, lower PE, higher PE)
    for (uint32_t v = 0; v < topo.vpws.size(); ++v) {
      const VpwsService& svc = topo.vpws[v];
      std::string what = fmt::format("vpws '{}'", svc.name);
      auto sa = use_site(svc.site_a, int32_t(v), what, svc.where);
      if (!sa) return sa.error();
      auto sb = use_site(svc.site_b, int32_t(v), what, svc.where);
      if (!sb) return sb.error();
      if (svc.pw_id == 0) return Error{fmt::format("{}{}: pw_id 0 is not allowed", where_prefix(svc.where), what)};
      const Site& A = topo.sites[*sa];
      const Site& B = topo.sites[*sb];
      uint32_t ra = plan.router(A.pe), rb = plan.router(B.pe);
      if (ra == rb) {
        // A local cross-connect needs no PW; the dataplane has no AC-to-AC
        // path, so say so instead of emitting something half-done.
        sp.warnings.push_back(fmt::format("{}{}: both sites on router '{}' (local cross-connect "
                                          "is not supported; service skipped)",
                                          where_prefix(svc.where), what, A.pe));
        continue;
      }
      if (!fec128.insert({svc.pw_id, std::min(ra, rb), std::max(ra, rb)}).second)
        return Error{fmt::format("{}{}: pw_id {} is already used between '{}' and '{}'",
                                 where_prefix(svc.where), what, svc.pw_id, A.pe, B.pe)};
      PwEndPlan ea, eb;
      ea.router = ra; ea.peer = rb; ea.site = *sa;
      eb.router = rb; eb.peer = ra; eb.site = *sb;
      for (auto* e : {&ea, &eb}) {
        e->kind = PwKind::vpws;
        e->service = v;
        e->pw_id = svc.pw_id;
        e->config.type = pw_type(topo.sites[e->site].mode);
        const Site& site = topo.sites[e->site];
        e->config.mtu = site.mtu.value_or(svc.mtu);
        e->config.control_word = site.control_word.value_or(svc.control_word);
        e->config.flow_label = svc.flow_label;
      }
      if (auto st = add_pair(ea, eb, svc.name, svc.where); !st) return st;
      sp.sites_of[ra].push_back(*sa);
      sp.sites_of[rb].push_back(*sb);
    }

    std::set<uint32_t> vsi_ids;
    for (uint32_t v = 0; v < topo.vpls.size(); ++v) {
      const VplsService& svc = topo.vpls[v];
      std::string what = fmt::format("vpls '{}'", svc.name);
      if (svc.vsi_id == 0) return Error{fmt::format("{}{}: vsi_id 0 is not allowed", where_prefix(svc.where), what)};
      if (!vsi_ids.insert(svc.vsi_id).second)
        return Error{fmt::format("{}{}: vsi_id {} is used by another instance", where_prefix(svc.where), what, svc.vsi_id)};
      VplsPlan vp;
      vp.service = v;
      if (svc.bum_mode == BumMode::p2mp_tree) {
        vp.first_tree_slot = sp.tree_slot_of.at(svc.name).first;
      }
      std::set<uint32_t> mtu_s, hubs;
      std::vector<std::vector<uint32_t>> spoke_hubs;
      for (const VplsSpoke& sk : svc.spokes) {
        auto m = pe_of(sk.mtu_s, what + " spoke", sk.where);
        if (!m) return m.error();
        if (sk.hubs.empty() || sk.hubs.size() > 2)
          return Error{fmt::format("{}{}: spoke '{}' needs one or two hubs, has {}",
                                   where_prefix(sk.where), what, sk.mtu_s, sk.hubs.size())};
        if (!mtu_s.insert(*m).second)
          return Error{fmt::format("{}{}: MTU-s '{}' has two spoke entries", where_prefix(sk.where), what, sk.mtu_s)};
        std::vector<uint32_t> hs;
        for (auto& h : sk.hubs) {
          auto hr = pe_of(h, what + " spoke hub", sk.where);
          if (!hr) return hr.error();
          if (*hr == *m || (!hs.empty() && hs[0] == *hr))
            return Error{fmt::format("{}{}: spoke '{}': hub '{}' repeated or the MTU-s itself",
                                     where_prefix(sk.where), what, sk.mtu_s, h)};
          hs.push_back(*hr);
          hubs.insert(*hr);
        }
        spoke_hubs.push_back(hs);
      }
      for (uint32_t h : hubs)
        if (mtu_s.count(h))
          return Error{fmt::format("{}{}: router '{}' is both a hub and an MTU-s",
                                   where_prefix(svc.where), what, plan.router_at(h).name)};
      std::set<uint32_t> members(hubs.begin(), hubs.end());
      std::map<uint32_t, std::vector<uint32_t>> sites_at;
      for (auto& sname : svc.sites) {
        auto s = use_site(sname, -int32_t(v) - 2, what, svc.where);
        if (!s) return s.error();
        uint32_t r = plan.router(topo.sites[*s].pe);
        if (!mtu_s.count(r)) members.insert(r);
        sites_at[r].push_back(*s);
        sp.sites_of[r].push_back(*s);
      }
      vp.members.assign(members.begin(), members.end());
      vp.mtu_s.assign(mtu_s.begin(), mtu_s.end());
      for (uint32_t r : vp.members) vp.sites.push_back(sites_at[r]);
      for (uint32_t r : vp.mtu_s) vp.sites.push_back(sites_at[r]);
      if (vp.members.size() + vp.mtu_s.size() < 2)
        sp.warnings.push_back(fmt::format("{}{}: fewer than two PEs, no pseudowire to signal",
                                          where_prefix(svc.where), what));
      PwEndConfig cfg;
      cfg.type = PwType::ethernet;
      cfg.mtu = svc.mtu;
      cfg.control_word = svc.control_word;
      auto make = [&](uint32_t r, uint32_t peer, PwKind kind) {
        PwEndPlan e;
        e.router = r; e.peer = peer; e.kind = kind; e.service = v; e.pw_id = svc.vsi_id;
        e.config = cfg;
        return e;
      };
      for (size_t i = 0; i < vp.members.size(); ++i)
        for (size_t j = i + 1; j < vp.members.size(); ++j)
          if (auto st = add_pair(make(vp.members[i], vp.members[j], PwKind::vpls_mesh),
                                 make(vp.members[j], vp.members[i], PwKind::vpls_mesh), svc.name,
                                 svc.where);
              !st)
            return st;
      size_t k = 0;
      for (const VplsSpoke& sk : svc.spokes) {
        uint32_t m = plan.router(sk.mtu_s);
        const auto& hs = spoke_hubs[k++];
        for (size_t h = 0; h < hs.size(); ++h) {
          PwEndPlan a = make(m, hs[h], PwKind::vpls_spoke), b = make(hs[h], m, PwKind::vpls_spoke);
          a.standby = b.standby = h == 1;
          if (h == 1) {
            // The primary pair was added just before: (MTU-s end, hub end).
            a.primary = uint32_t(sp.ends.size() - 2);
            b.primary = uint32_t(sp.ends.size() - 1);
          }
          if (auto st = add_pair(a, b, svc.name, sk.where); !st) return st;
        }
      }
      sp.vpls.push_back(std::move(vp));
    }
    for (auto& v : sp.sites_of) {
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
    }
    return {};
  }
};

}  // namespace

Result<ServicePlan> plan_services(const Plan& plan, const TreeSlots* keep) {
  Planner p{plan, *plan.topo, {}, {}, keep};
  if (auto st = p.run(); !st) return st.error();
  return std::move(p.sp);
}

std::vector<PwNegotiation> signal_pseudowires(const ServiceContext& ctx) {
  const auto& ends = ctx.services.ends;
  std::vector<PwNegotiation> out(ends.size());
  auto config = [&](const PwEndPlan& e) {
    PwEndConfig c = e.config;
    if (e.site != kNoIndex) c.ac_up = ctx.site_up[e.site] != 0;
    return c;
  };
  for (size_t i = 0; i < ends.size(); ++i) {
    const PwEndPlan& e = ends[i];
    if (!ctx.igp.router_up(e.router)) continue;  // a down router signals nothing
    const PwEndPlan& o = ends[e.other];
    bool lsp = ctx.routes[e.router].to(ctx.plan.routers[e.peer].fec).size() > 0;
    out[i] = negotiate(config(e), config(o), ctx.igp.router_up(e.peer), lsp);
  }
  return out;
}

Pseudowire make_pseudowire(const ServiceContext& ctx, const PwEndPlan& e, const PwNegotiation& n) {
  Pseudowire pw;
  pw.id = e.id;
  pw.pw_id = e.pw_id;
  pw.peer = ctx.plan.router_at(e.peer).name;
  pw.local_label = e.local_label;
  pw.remote_label = n.labels_exchanged ? ctx.services.ends[e.other].local_label : 0;
  pw.transport = ftn_next_hop(ctx.plan, ctx.routes[e.router], e.router, ctx.plan.routers[e.peer].fec);
  pw.control_word = n.control_word;
  pw.flow_label = n.flow_label;
  pw.mtu = n.mtu;
  pw.up = n.up;
  pw.down_reason = std::string(n.down_reason);
  return pw;
}

PwStatus make_pw_status(const ServiceContext& ctx, const PwEndPlan& e, const PwNegotiation& n) {
  const Topology& topo = *ctx.plan.topo;
  PwStatus s;
  s.service = e.kind == PwKind::vpws ? topo.vpws[e.service].name : topo.vpls[e.service].name;
  s.kind = e.kind;
  s.router = ctx.plan.router_at(e.router).name;
  s.peer = ctx.plan.router_at(e.peer).name;
  s.pw_id = e.pw_id;
  s.id = e.id;
  s.local_label = e.local_label;
  s.remote_label = n.labels_exchanged ? ctx.services.ends[e.other].local_label : 0;
  s.up = n.up;
  s.down_reason = std::string(n.down_reason);
  s.control_word = n.control_word;
  s.mtu = n.mtu;
  return s;
}

void emit_vpws(const ServiceContext& ctx, const std::vector<PwNegotiation>& results,
               std::vector<ServiceTables>& out, std::vector<PwStatus>& status,
               std::vector<uint32_t>* slots) {
  const Topology& topo = *ctx.plan.topo;
  // AC ports: every site in use, one Port per distinct port name (VLAN ACs
  // share their port). MTU: the largest service MTU using it.
  for (uint32_t r = 0; r < ctx.plan.router_count(); ++r) {
    if (!ctx.igp.router_up(r)) continue;
    auto& ports = out[r].ac_ports;
    for (uint32_t s : ctx.services.sites_of[r]) {
      const Site& site = topo.sites[s];
      std::string name = site.port.empty() ? "ac-" + site.name : site.port;
      int32_t tag = ctx.services.site_service[s];
      uint32_t mtu = tag >= 0 ? topo.vpws[tag].mtu : topo.vpls[-tag - 2].mtu;
      auto it = std::find_if(ports.begin(), ports.end(), [&](const Port& p) { return p.name == name; });
      if (it == ports.end()) {
        Port p;
        p.name = name;
        p.mac = port_mac(r, uint32_t(ctx.plan.routers[r].ports.size() + ports.size()));
        p.mtu = std::clamp<uint32_t>(mtu, 1500, 9600);
        ports.push_back(std::move(p));
      } else {
        it->mtu = std::clamp<uint32_t>(std::max(it->mtu, mtu), 1500, 9600);
      }
    }
  }
  for (size_t i = 0; i < ctx.services.ends.size(); ++i) {
    const PwEndPlan& e = ctx.services.ends[i];
    if (e.kind != PwKind::vpws || !ctx.igp.router_up(e.router)) continue;
    ServiceTables& t = out[e.router];
    const PwNegotiation& n = results[i];
    if (slots) (*slots)[i] = uint32_t(t.pseudowires.size());
    t.pseudowires.push_back(make_pseudowire(ctx, e, n));
    status.push_back(make_pw_status(ctx, e, n));
    const Site& site = topo.sites[e.site];
    AttachmentCircuit ac;
    ac.name = site.name;
    ac.port = site.port.empty() ? "ac-" + site.name : site.port;
    ac.vlan = site.vlan;
    ac.mode = site.mode;
    ac.pseudowire = e.id;
    t.attachment_circuits.push_back(std::move(ac));
    // Only an up PW disposes: a frame for a down one is dropped as an ILM
    // miss, counted, instead of reaching an AC nobody agreed to.
    if (n.up) t.ilm.push_back({e.local_label, IlmAction::pw_disposition, e.id});
  }
}

}  // namespace l2vpn::cp
