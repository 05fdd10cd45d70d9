#include "topo_json.hpp"

#include <nlohmann/json.hpp>

namespace l2vpn::app {

namespace {

using nlohmann::json;

json lsp_json(const cp::Lsp& l) {
  json hops = json::array(), path = json::array();
  for (const auto& h : l.hops) {
    json j = {{"router", h.router}, {"outPort", h.out_port}};
    if (h.in_label) j["inLabel"] = *h.in_label;
    if (h.out_label) j["outLabel"] = *h.out_label;
    hops.push_back(std::move(j));
    path.push_back(h.router);
  }
  return {{"fec", l.fec}, {"ingress", l.ingress}, {"egress", l.egress}, {"complete", l.complete},
          {"path", std::move(path)}, {"hops", std::move(hops)}};
}

}  // namespace

std::string topo_json(const cp::Topology& topo, const cp::NetworkState& st) {
  json routers = json::array(), links = json::array(), sites = json::array();
  for (const auto& r : topo.routers)
    routers.push_back({{"name", r.name},
                       {"role", r.role == cp::RouterRole::pe ? "pe" : "p"},
                       {"loopback", r.loopback},
                       {"external", r.external}});
  for (const auto& l : topo.links)
    links.push_back({{"a", l.a}, {"b", l.b}, {"aPort", l.a_port}, {"bPort", l.b_port}, {"metric", l.metric},
                     {"mtu", l.mtu}, {"bandwidthBps", l.bandwidth_bps}, {"delayUs", l.delay_us}});
  for (const auto& s : topo.sites) {
    json j = {{"name", s.name}, {"pe", s.pe}, {"port", s.port.empty() ? "ac-" + s.name : s.port},
              {"vlan", s.vlan}, {"mode", std::string(to_string(s.mode))}};
    if (s.mtu) j["mtu"] = *s.mtu;
    sites.push_back(std::move(j));
  }
  json vpws = json::array(), vpls = json::array();
  for (const auto& v : topo.vpws)
    vpws.push_back({{"name", v.name}, {"pwId", v.pw_id}, {"sites", {v.site_a, v.site_b}}, {"mtu", v.mtu},
                    {"controlWord", v.control_word}});
  for (const auto& v : topo.vpls) {
    json spokes = json::array();
    for (const auto& sp : v.spokes) spokes.push_back({{"mtuS", sp.mtu_s}, {"hubs", sp.hubs}});
    vpls.push_back({{"name", v.name}, {"vsiId", v.vsi_id}, {"sites", v.sites}, {"spokes", std::move(spokes)},
                    {"mtu", v.mtu}});
  }
  // Each PW end with the LSP toward its peer, traced through the emitted tables.
  json pws = json::array();
  for (const auto& p : st.pseudowires) {
    json j = {{"service", p.service}, {"kind", std::string(to_string(p.kind))}, {"router", p.router},
              {"peer", p.peer}, {"pwId", p.pw_id}, {"localLabel", p.local_label},
              {"remoteLabel", p.remote_label}, {"up", p.up}, {"downReason", p.down_reason},
              {"controlWord", p.control_word}, {"mtu", p.mtu}};
    auto lsp = cp::trace_lsp(st, topo, p.router, p.peer);
    j["lsp"] = lsp ? lsp_json(*lsp) : json(nullptr);
    if (!lsp) j["lspError"] = lsp.error().message;
    pws.push_back(std::move(j));
  }
  json lsps = json::array();
  for (const auto& l : st.lsps) lsps.push_back(lsp_json(l));
  json out = {{"name", topo.name},       {"source", topo.source}, {"routers", std::move(routers)},
              {"links", std::move(links)}, {"sites", std::move(sites)}, {"vpws", std::move(vpws)},
              {"vpls", std::move(vpls)},   {"pseudowires", std::move(pws)}, {"lsps", std::move(lsps)},
              {"warnings", st.warnings}};
  return out.dump(2);
}

}  // namespace l2vpn::app
