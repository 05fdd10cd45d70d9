#include "node/lfib.hpp"

#include <algorithm>
#include <map>

#include "ldp/pdu.hpp"

namespace l2vpn::node {

ForwardingState build_state(const std::string& router, uint32_t lsr_id, const KernelView& k,
                            const ldp::Bindings& b, const std::vector<std::string>& core_ports) {
  ForwardingState st;
  st.router = router;
  st.router_id = ldp::ip_string(lsr_id);
  std::map<int, std::string> port_of;  // ifindex -> core port name
  for (const auto& [idx, link] : k.links)
    if (std::find(core_ports.begin(), core_ports.end(), link.name) != core_ports.end()) {
      port_of[idx] = link.name;
      st.ports.push_back(Port{link.name, "", link.mac, std::clamp<uint32_t>(link.mtu, 1500, 9600)});
    }
  std::map<uint32_t, uint32_t> peer_of;  // interface address -> LSR id
  for (const auto& p : b.peers)
    for (uint32_t a : p.addresses) peer_of[a] = p.lsr_id;
  std::map<ldp::Prefix, const KernelRoute*> routes;
  for (const auto& r : k.routes) routes[r.prefix] = &r;
  uint32_t next_id = 1;
  for (const auto& fb : b.fecs) {
    struct Hop {
      std::string port;
      MacAddr mac;
      uint32_t label;
    };
    std::vector<Hop> hops;
    auto rit = routes.find(fb.fec);
    if (rit == routes.end()) {
      // No route: an IGP reconverging deletes the route and adds it back via
      // the new next hop (ospfd after a link cut: 10-30 ms), and LDP keeps
      // the FEC advertised meanwhile (route_holddown_ms). A peer that is the
      // FEC's egress (it advertised implicit null) and a resolved neighbor
      // on an up core port takes the FEC then: popped, it is delivered, and
      // no loop can form. Otherwise the FEC has no entry (ilm_miss).
      for (const auto& l : fb.remote) {
        if (l.label != ldp::kImplicitNull) continue;
        for (const auto& n : k.neighbors) {
          auto port = port_of.find(n.ifindex);
          auto link = k.links.find(n.ifindex);
          auto peer = peer_of.find(n.address);
          if (port == port_of.end() || link == k.links.end() || !link->second.up || peer == peer_of.end() ||
              peer->second != l.lsr_id)
            continue;
          hops.push_back(Hop{port->second, n.mac, l.label});
          break;  // one port per egress
        }
      }
    }
    static const std::vector<KernelNextHop> kNoRoute;
    for (const auto& nh : rit == routes.end() ? kNoRoute : rit->second->next_hops) {
      auto port = port_of.find(nh.ifindex);
      auto peer = peer_of.find(nh.gateway);
      if (port == port_of.end() || peer == peer_of.end()) continue;
      auto remote = std::find_if(fb.remote.begin(), fb.remote.end(),
                                 [&](const ldp::PeerLabel& l) { return l.lsr_id == peer->second; });
      if (remote == fb.remote.end()) continue;
      auto n = std::find_if(k.neighbors.begin(), k.neighbors.end(), [&](const KernelNeighbor& x) {
        return x.ifindex == nh.ifindex && x.address == nh.gateway;
      });
      if (n == k.neighbors.end()) continue;  // not resolved yet: the kernel's ARP will
      hops.push_back(Hop{port->second, n->mac, remote->label});
    }
    if (hops.empty()) continue;
    std::sort(hops.begin(), hops.end(), [](const Hop& a, const Hop& b) { return a.port < b.port; });
    auto add = [&](bool push) {
      std::vector<uint32_t> ids;
      for (const auto& h : hops) {
        Nhlfe n;
        n.id = next_id++;
        n.out_port = h.port;
        n.next_hop_mac = h.mac;
        if (h.label == ldp::kImplicitNull) {
          n.op = push ? NhlfeOp::push : NhlfeOp::pop;  // PHP; at ingress nothing to push
        } else {
          n.op = push ? NhlfeOp::push : NhlfeOp::swap;
          n.labels = {h.label};
        }
        ids.push_back(n.id);
        st.nhlfes.push_back(std::move(n));
      }
      if (ids.size() == 1) return NextHop{NextHop::Kind::nhlfe, ids[0]};
      EcmpGroup g;
      g.id = next_id++;
      g.nhlfes = ids;
      st.ecmp_groups.push_back(g);
      return NextHop{NextHop::Kind::ecmp, g.id};
    };
    if (fb.local_label && *fb.local_label >= kFirstUnreservedLabel) {
      NextHop nh = add(false);
      st.ilm.push_back(IlmEntry{*fb.local_label,
                                nh.kind == NextHop::Kind::ecmp ? IlmAction::ecmp : IlmAction::forward,
                                nh.id});
    }
    st.ftn.push_back(FtnEntry{ldp::prefix_string(fb.fec), add(true)});
  }
  std::sort(st.ilm.begin(), st.ilm.end(),
            [](const IlmEntry& a, const IlmEntry& b) { return a.label < b.label; });
  return st;
}

}  // namespace l2vpn::node
