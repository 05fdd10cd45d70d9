#include "controlplane/ldp.hpp"

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

void build_transport(const Plan& plan, const RouteTable& routes, uint32_t router,
                     ForwardingState& out) {
  const auto& ports = plan.routers[router].ports;
  const bool ingress = plan.router_at(router).role == RouterRole::pe;
  // Per port: the primary hop that uses it (for its backup), or none when
  // the port only serves as somebody's LFA.
  std::vector<int> primary_of(ports.size(), -1);
  std::vector<uint8_t> needed(ports.size(), 0);
  out.nhlfes.reserve(out.nhlfes.size() + routes.hops.size() * (ingress ? 2 : 1));
  out.ilm.reserve(out.ilm.size() + plan.fec_count());
  for (uint32_t f = 0; f < plan.fec_count(); ++f) {
    auto hops = routes.to(f);
    if (hops.empty()) continue;
    for (size_t i = 0; i < hops.size(); ++i) {
      primary_of[hops[i].port] = int(i);
      needed[hops[i].port] = 1;
      if (hops[i].backup != kNoPort) needed[hops[i].backup] = 1;
    }
    // In port order, swap before push: ascending ids.
    for (uint32_t q = 0; q < ports.size(); ++q) {
      if (!needed[q]) continue;
      const LinkPort& lp = ports[q];
      uint32_t label = ldp_advertised_label(plan, lp.peer, f);
      const MacAddr& peer_mac = plan.routers[lp.peer].ports[lp.peer_port].mac;
      std::optional<uint16_t> backup;
      if (primary_of[q] >= 0 && hops[primary_of[q]].backup != kNoPort)
        backup = hops[primary_of[q]].backup;
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
        if (backup) n.backup_nhlfe = plan.ids.transport_nhlfe(f, *backup, push);
        out.nhlfes.push_back(std::move(n));
      }
    }
    for (size_t i = 0; i < hops.size(); ++i) {
      primary_of[hops[i].port] = -1;
      needed[hops[i].port] = 0;
      if (hops[i].backup != kNoPort) needed[hops[i].backup] = 0;
    }
    uint32_t local = ldp_local_label(plan, router, f);
    if (hops.size() == 1) {
      out.ilm.push_back({local, IlmAction::forward, plan.ids.transport_nhlfe(f, hops[0].port, false)});
    } else {
      out.ilm.push_back({local, IlmAction::ecmp, plan.ids.transport_ecmp(f, false)});
      for (int push = 0; push <= (ingress ? 1 : 0); ++push) {
        EcmpGroup g;
        g.id = plan.ids.transport_ecmp(f, push);
        g.nhlfes.reserve(hops.size());
        for (auto& h : hops) g.nhlfes.push_back(plan.ids.transport_nhlfe(f, h.port, push));
        out.ecmp_groups.push_back(std::move(g));
      }
    }
  }
  if (!ingress) return;
  out.ftn.reserve(out.ftn.size() + plan.fec_count());
  for (uint32_t f : plan.fec_by_name)
    if (auto nh = ftn_next_hop(plan, routes, router, f)) out.ftn.push_back({plan.fec_name[f], *nh});
}

}  // namespace l2vpn::cp
