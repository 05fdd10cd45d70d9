#include "controlplane/ldp.hpp"

#include <algorithm>

namespace l2vpn::cp {

uint32_t ldp_advertised_label(const Plan& plan, uint32_t r, uint32_t fec) {
  if (plan.fec_router[fec] == r)
    return plan.router_at(r).explicit_null ? kLabelIpv4ExplicitNull : kLabelImplicitNull;
  return ldp_local_label(plan, r, fec);
}

RouteTable compute_routes(const Igp& igp, uint32_t router) {
  const Plan& plan = igp.plan();
  RouteTable t;
  t.offset.resize(plan.fec_count() + 1);
  std::vector<IgpNextHop> hops;
  for (uint32_t f = 0; f < plan.fec_count(); ++f) {
    t.offset[f] = uint32_t(t.hops.size());
    igp.next_hops(router, plan.fec_router[f], hops);
    t.hops.insert(t.hops.end(), hops.begin(), hops.end());
  }
  t.offset[plan.fec_count()] = uint32_t(t.hops.size());
  return t;
}

std::optional<NextHop> ftn_next_hop(const Plan& plan, const RouteTable& routes, uint32_t router,
                                    uint32_t fec) {
  (void)router;
  auto hops = routes.to(fec);
  if (hops.empty()) return std::nullopt;
  if (hops.size() == 1) return NextHop{NextHop::Kind::nhlfe, plan.ids.transport_nhlfe(fec, hops[0].port, true)};
  return NextHop{NextHop::Kind::ecmp, plan.ids.transport_ecmp(fec, true)};
}

uint32_t fec_of_nhlfe(const Plan& plan, uint32_t id) {
  if (id == 0 || id >= plan.ids.service_nhlfe_base) return kNoIndex;
  uint32_t f = ((id - 1) >> 1) / plan.ids.port_stride;
  return f < plan.fec_count() ? f : kNoIndex;
}

uint32_t fec_of_ecmp(const Plan& plan, uint32_t id) {
  if (id == 0) return kNoIndex;
  uint32_t f = (id - 1) >> 1;
  return f < plan.fec_count() ? f : kNoIndex;
}

uint32_t fec_of_label(const Plan& plan, uint32_t router, uint32_t label) {
  uint32_t first = plan.router_at(router).labels.first;
  if (label < first || label - first >= plan.fec_count()) return kNoIndex;
  return label - first;
}

void build_transport_fec(const Plan& plan, const RouteTable& routes, uint32_t router, uint32_t f,
                         std::vector<Nhlfe>& nhlfes, std::vector<EcmpGroup>& ecmp,
                         std::vector<IlmEntry>& ilm, std::vector<FtnEntry>* ftn) {
  auto hops = routes.to(f);
  if (hops.empty()) return;
  const auto& ports = plan.routers[router].ports;
  const bool ingress = plan.router_at(router).role == RouterRole::pe;
  // The ports this FEC uses, primaries and LFAs, in port order (= id order).
  uint16_t used[2 * kMaxEcmpPaths];
  size_t n_used = 0;
  for (auto& h : hops) {
    used[n_used++] = h.port;
    if (h.backup != kNoPort) used[n_used++] = h.backup;
  }
  std::sort(used, used + n_used);
  n_used = size_t(std::unique(used, used + n_used) - used);
  for (size_t u = 0; u < n_used; ++u) {
    uint16_t q = used[u];
    const LinkPort& lp = ports[q];
    uint32_t label = ldp_advertised_label(plan, lp.peer, f);
    const MacAddr& peer_mac = plan.routers[lp.peer].ports[lp.peer_port].mac;
    // A port only in somebody's LFA has no backup of its own.
    uint16_t backup = kNoPort;
    for (auto& h : hops)
      if (h.port == q) backup = h.backup;
    for (int push = 0; push <= (ingress ? 1 : 0); ++push) {
      Nhlfe n;
      n.id = plan.ids.transport_nhlfe(f, q, push);
      if (label == kLabelImplicitNull) {
        // PHP: the ILM pops; at ingress there is nothing to push.
        n.op = push ? NhlfeOp::push : NhlfeOp::pop;
      } else {
        n.op = push ? NhlfeOp::push : NhlfeOp::swap;
        n.labels.push_back(label);
      }
      n.out_port = lp.name;
      n.next_hop_mac = peer_mac;
      if (backup != kNoPort) n.backup_nhlfe = plan.ids.transport_nhlfe(f, backup, push);
      nhlfes.push_back(std::move(n));
    }
  }
  uint32_t local = ldp_local_label(plan, router, f);
  if (hops.size() == 1) {
    ilm.push_back({local, IlmAction::forward, plan.ids.transport_nhlfe(f, hops[0].port, false)});
  } else {
    ilm.push_back({local, IlmAction::ecmp, plan.ids.transport_ecmp(f, false)});
    for (int push = 0; push <= (ingress ? 1 : 0); ++push) {
      EcmpGroup g;
      g.id = plan.ids.transport_ecmp(f, push);
      g.nhlfes.reserve(hops.size());
      for (auto& h : hops) g.nhlfes.push_back(plan.ids.transport_nhlfe(f, h.port, push));
      ecmp.push_back(std::move(g));
    }
  }
  if (ftn && ingress)
    if (auto nh = ftn_next_hop(plan, routes, router, f)) ftn->push_back({plan.fec_name[f], *nh});
}

void build_transport(const Plan& plan, const RouteTable& routes, uint32_t router,
                     ForwardingState& out) {
  const bool ingress = plan.router_at(router).role == RouterRole::pe;
  out.nhlfes.reserve(out.nhlfes.size() + routes.hops.size() * (ingress ? 2 : 1));
  out.ilm.reserve(out.ilm.size() + plan.fec_count());
  for (uint32_t f = 0; f < plan.fec_count(); ++f)
    build_transport_fec(plan, routes, router, f, out.nhlfes, out.ecmp_groups, out.ilm, nullptr);
  if (!ingress) return;
  out.ftn.reserve(out.ftn.size() + plan.fec_count());
  for (uint32_t f : plan.fec_by_name)
    if (auto nh = ftn_next_hop(plan, routes, router, f)) out.ftn.push_back({plan.fec_name[f], *nh});
}

}  // namespace l2vpn::cp
