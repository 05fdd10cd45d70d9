// LSP traceroute through the responders of a whole computed network: for
// every ordered pair of PEs of topologies/default.yaml (and the AttMpls
// backbone), probe hop by hop as `lsp-trace` will (label TTL 1 at each
// router, the DDMAP of the previous reply naming the next router and the
// label it expects) with each router answering from view_from_state() of
// its own ForwardingState. The hops and labels must be those of the
// control plane's trace_lsp (what `l2vpn topo` lists), and the last router
// must answer "egress for the FEC".
#include <gtest/gtest.h>

#include "controlplane/network.hpp"
#include "controlplane/yaml_loader.hpp"
#include "oam/state_view.hpp"

namespace l2vpn::oam {
namespace {

struct Net {
  cp::Topology topo;
  cp::NetworkState state;
  std::map<std::string, TableView> views;
  std::map<uint32_t, std::string> by_loopback;
};

uint32_t addr(const std::string& s) {
  uint32_t a = 0;
  EXPECT_TRUE(parse_ipv4(s, a)) << s;
  return a;
}

Net load(const std::string& path) {
  Net n;
  auto t = cp::load_topology(path);
  EXPECT_TRUE(t.ok()) << t.error().message;
  n.topo = *t;
  auto s = cp::compute(n.topo);
  EXPECT_TRUE(s.ok()) << s.error().message;
  n.state = *s;
  StateViewInputs base;
  for (const cp::Router& r : n.topo.routers) {
    base.loopback_by_router[r.name] = addr(r.loopback);
    n.by_loopback[addr(r.loopback)] = r.name;
  }
  std::vector<uint32_t> pe_loopbacks;  // the control plane's FEC indexes: PEs in topology order
  for (const cp::Router& r : n.topo.routers)
    if (r.role == cp::RouterRole::pe) pe_loopbacks.push_back(addr(r.loopback));
  for (const cp::Router& r : n.topo.routers) {
    StateViewInputs in = base;
    // cp::ldp_local_label: a router's label for FEC k is its range's first + k.
    for (size_t k = 0; k < pe_loopbacks.size(); ++k)
      in.fec_by_label[r.labels.first + uint32_t(k)] = LdpPrefixFec{pe_loopbacks[k], 32};
    for (const cp::Link& l : n.topo.links) {
      if (l.a == r.name) in.neighbour_by_port[l.a_port] = base.loopback_by_router[l.b];
      if (l.b == r.name) in.neighbour_by_port[l.b_port] = base.loopback_by_router[l.a];
    }
    auto v = view_from_state(*n.state.router(r.name), in);
    EXPECT_TRUE(v.ok()) << v.error().message;
    n.views.emplace(r.name, *v);
  }
  return n;
}

// Our trace: hops as cp::LspHop (router, in label, out label; no ports).
std::vector<cp::LspHop> trace(const Net& n, const std::string& ingress, const std::string& egress,
                              std::string& error) {
  const uint32_t fec = addr(n.topo.find_router(egress)->loopback);
  const ForwardingState& in = *n.state.router(ingress);
  const FtnEntry* ftn = nullptr;
  for (const FtnEntry& f : in.ftn)
    if (f.fec == ipv4_to_string(fec) + "/32") ftn = &f;
  if (!ftn) {
    error = "no FTN";
    return {};
  }
  // The ingress's own choice: its first downstream (trace_lsp's first ECMP member).
  const Nhlfe* nh = in.nhlfes_of(ftn->next_hop).front();
  std::vector<cp::LspHop> hops;
  cp::LspHop h;
  h.router = ingress;
  if (!nh->labels.empty()) h.out_label = nh->labels.front();
  hops.push_back(h);
  std::optional<uint32_t> label = h.out_label;
  uint32_t next = 0;
  for (const cp::Link& l : n.topo.links) {
    if (l.a == ingress && l.a_port == nh->out_port) next = addr(n.topo.find_router(l.b)->loopback);
    if (l.b == ingress && l.b_port == nh->out_port) next = addr(n.topo.find_router(l.a)->loopback);
  }
  for (int ttl = 1; ttl < 64; ++ttl) {
    const std::string& at = n.by_loopback.at(next);
    RequestSpec s;
    s.fecs = {LdpPrefixFec{fec, 32}};
    s.src = addr(n.topo.find_router(ingress)->loopback);
    s.sequence = uint32_t(ttl);
    Ddmap asked;
    asked.ds_address = next;
    s.ddmap = asked;
    const Bytes b = build_request(s);
    Received rx;
    if (parse_ipv4_udp(b, rx.ip) != IpError::ok) return {};
    if (label) rx.label_stack = {*label << 12 | 0x100 | 1};
    rx.ttl_expired = true;
    auto r = respond(rx.ip.payload, rx, n.views.at(at));
    if (!r) {
      error = at + ": no reply";
      return {};
    }
    cp::LspHop hop;
    hop.router = at;
    hop.in_label = label;
    if (r->packet.return_code == uint8_t(ReturnCode::egress)) {
      hops.push_back(hop);
      return hops;
    }
    if (r->packet.return_code != uint8_t(ReturnCode::label_switched) || r->packet.ddmaps.empty()) {
      error = at + ": return code " + std::to_string(r->packet.return_code);
      return {};
    }
    const Ddmap& d = r->packet.ddmaps.front();
    label.reset();
    if (!d.labels.empty() && d.labels.front().label != 3) label = d.labels.front().label;
    hop.out_label = label;
    hops.push_back(hop);
    next = d.ds_address;
  }
  error = "no egress within 64 hops";
  return {};
}

void check(const std::string& path, size_t& pairs) {
  Net n = load(path);
  for (const cp::Router& a : n.topo.routers) {
    if (a.role != cp::RouterRole::pe) continue;
    for (const cp::Router& b : n.topo.routers) {
      if (b.role != cp::RouterRole::pe || a.name == b.name) continue;
      auto lsp = cp::trace_lsp(n.state, n.topo, a.name, b.name);
      if (!lsp.ok() || !lsp->complete) continue;
      std::string error;
      const auto ours = trace(n, a.name, b.name, error);
      ASSERT_TRUE(error.empty()) << path << " " << a.name << " -> " << b.name << ": " << error;
      ASSERT_EQ(ours.size(), lsp->hops.size()) << a.name << " -> " << b.name;
      for (size_t i = 0; i < ours.size(); ++i) {
        EXPECT_EQ(ours[i].router, lsp->hops[i].router) << a.name << " -> " << b.name << " hop " << i;
        EXPECT_EQ(ours[i].in_label, lsp->hops[i].in_label) << a.name << " -> " << b.name << " hop " << i;
        if (i + 1 < ours.size()) {
          EXPECT_EQ(ours[i].out_label, lsp->hops[i].out_label) << a.name << " -> " << b.name << " hop " << i;
        }
      }
      ++pairs;
    }
  }
}

TEST(TraceTopology, EveryPeToEveryPeMatchesTheControlPlanesLsps) {
  size_t pairs = 0;
  check("topologies/default.yaml", pairs);
  EXPECT_GT(pairs, 0u);
  const size_t default_pairs = pairs;
  check("topologies/attmpls.yaml", pairs);
  EXPECT_GT(pairs, default_pairs);
  std::printf("[trace] %zu PE pairs traced through the responders\n", pairs);
}

}  // namespace
}  // namespace l2vpn::oam
