#include "dataplane/router_show.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace l2vpn::dp {

std::string format_counters(const Router& r) {
  std::string out;
  auto st = r.stats();
  out += fmt::format("router {}: received {}  forwarded {}  dropped {}  (lfa used {})\n", r.name(),
                     st.rx_packets, st.forwarded, st.total_drops(), st.lfa_used);
  if (st.replicas) out += fmt::format("  replicas created (flooding, P2MP) {}\n", st.replicas);
  if (st.oam_punted || st.oam_sent)
    out += fmt::format("  OAM punted {}  OAM sent {}\n", st.oam_punted, st.oam_sent);
  bool kernel = false;  // a port shared with the kernel: its columns too
  for (size_t i = 0; i < r.port_names().size(); ++i) kernel |= r.port_kernel(uint16_t(i));
  if (kernel)
    out += fmt::format("  left to the kernel {}  the kernel's own frames seen {}\n", st.to_kernel,
                       st.kernel_tx_seen);
  out += fmt::format("  {:<16} {:>12} {:>14} {:>12} {:>14}", "port", "rx frames", "rx bytes",
                     "tx frames", "tx bytes");
  bool exception = false;  // an exception path (a tap per port): its columns too
  for (size_t i = 0; i < r.port_names().size(); ++i)
    exception |= r.port_exception_tap(uint16_t(i)) >= 0 || r.port_is_exception_tap(uint16_t(i));
  out += kernel ? fmt::format(" {:>10} {:>10}", "to_kernel", "kernel_tx") : "";
  out += exception ? fmt::format(" {:>10} {:>12}\n", "punted", "ftn_labelled") : "\n";
  for (size_t i = 0; i < r.port_names().size(); ++i) {
    auto ps = r.port_stats(uint16_t(i));
    out += fmt::format("  {:<16} {:>12} {:>14} {:>12} {:>14}", r.port_names()[i], ps.rx_packets,
                       ps.rx_bytes, ps.tx_packets, ps.tx_bytes);
    if (kernel) out += fmt::format(" {:>10} {:>10}", ps.to_kernel, ps.kernel_tx_seen);
    if (exception) out += fmt::format(" {:>10} {:>12}", ps.punted, ps.ftn_labelled);
    out += r.port_up(uint16_t(i)) ? "\n" : "  (down)\n";
  }
  bool any = false;
  for (size_t i = 0; i < kDropReasonCount; ++i) {
    if (!st.drops[i]) continue;
    if (!any) out += "  drops:\n";
    any = true;
    out += fmt::format("    {:<24} {:>12}  {}\n", kDropReasonNames[i], st.drops[i],
                       kDropReasonDescriptions[i]);
  }
  const auto& s = r.state();
  if (!s.ilm.empty()) {
    out += fmt::format("  {:<10} {:<16} {:>12} {:>14} {:>12}\n", "label", "action", "rx frames",
                       "rx bytes", "pw tx");
    for (auto& e : s.ilm) {
      auto ls = r.label_stats(e.label);
      out += fmt::format("  {:<10} {:<16} {:>12} {:>14} {:>12}\n", e.label, to_string(e.action),
                         ls.rx_packets, ls.rx_bytes, ls.tx_packets);
    }
  }
  for (auto& bd : s.bridge_domains) {
    auto bs = r.bd_stats(bd.name);
    const auto* mt = r.mac_table(bd.name);
    out += fmt::format("  bridge domain {} (vsi {}): {} MACs learned (limit {}), {} static\n", bd.name,
                       bd.vsi_id, mt ? mt->learned() : 0, bd.mac_limit, mt ? mt->statics() : 0);
#define L2VPN_X(name, desc) \
  if (bs.name) out += fmt::format("    {:<20} {:>12}  {}\n", #name, bs.name, desc);
    L2VPN_BD_COUNTERS(L2VPN_X)
#undef L2VPN_X
  }
  return out;
}

std::string counters_json(const Router& r, int indent) {
  using nlohmann::json;
  auto st = r.stats();
  json j{{"router", r.name()},
         {"rx_packets", st.rx_packets},
         {"forwarded", st.forwarded},
         {"lfa_used", st.lfa_used},
         {"dropped", st.total_drops()}};
  json drops = json::object();
  for (size_t i = 0; i < kDropReasonCount; ++i) drops[std::string(kDropReasonNames[i])] = st.drops[i];
  j["drops"] = drops;
  json ports = json::array();
  for (size_t i = 0; i < r.port_names().size(); ++i) {
    auto ps = r.port_stats(uint16_t(i));
    ports.push_back({{"name", r.port_names()[i]},
                     {"up", r.port_up(uint16_t(i))},
                     {"rx_packets", ps.rx_packets},
                     {"rx_bytes", ps.rx_bytes},
                     {"tx_packets", ps.tx_packets},
                     {"tx_bytes", ps.tx_bytes},
                     {"kernel", r.port_kernel(uint16_t(i))},
                     {"to_kernel", ps.to_kernel},
                     {"kernel_tx_seen", ps.kernel_tx_seen},
                     {"punted", ps.punted},
                     {"ftn_labelled", ps.ftn_labelled}});
  }
  j["ports"] = ports;
  json labels = json::array();
  for (auto& e : r.state().ilm) {
    auto ls = r.label_stats(e.label);
    labels.push_back({{"label", e.label},
                      {"action", std::string(to_string(e.action))},
                      {"rx_packets", ls.rx_packets},
                      {"rx_bytes", ls.rx_bytes}});
  }
  j["labels"] = labels;
  json pws = json::array();
  for (auto& p : r.state().pseudowires) {
    auto ls = r.label_stats(p.local_label);
    pws.push_back({{"id", p.id},
                   {"pw_id", p.pw_id},
                   {"peer", p.peer},
                   {"up", p.up},
                   {"rx_packets", ls.rx_packets},
                   {"rx_bytes", ls.rx_bytes},
                   {"tx_packets", ls.tx_packets},
                   {"tx_bytes", ls.tx_bytes}});
  }
  j["pseudowires"] = pws;
  j["replicas"] = st.replicas;
  j["oam_punted"] = st.oam_punted;
  j["oam_sent"] = st.oam_sent;
  j["to_kernel"] = st.to_kernel;
  j["kernel_tx_seen"] = st.kernel_tx_seen;
  json bds = json::array();
  for (auto& bd : r.state().bridge_domains) {
    auto bs = r.bd_stats(bd.name);
    const auto* mt = r.mac_table(bd.name);
    json o{{"name", bd.name},
           {"vsi_id", bd.vsi_id},
           {"macs_learned", mt ? mt->learned() : 0},
           {"macs_static", mt ? mt->statics() : 0},
           {"mac_limit", bd.mac_limit}};
#define L2VPN_X(name, desc) o[#name] = bs.name;
    L2VPN_BD_COUNTERS(L2VPN_X)
#undef L2VPN_X
    json members = json::array();
    auto member = [&](const std::string& m) {
      auto ms = r.bd_member_stats(bd.name, m);
      members.push_back({{"member", m},
                         {"tx_flood", ms.tx_flood},
                         {"learned", ms.learned},
                         {"split_horizon", ms.split_horizon}});
    };
    for (auto& a : r.state().attachment_circuits)
      if (a.bridge_domain == bd.name) member("ac:" + a.name);
    for (auto id : bd.mesh_pseudowires) member("pw:" + std::to_string(id));
    for (auto id : bd.spoke_pseudowires) member("pw:" + std::to_string(id));
    o["members"] = members;
    bds.push_back(std::move(o));
  }
  j["bridge_domains"] = bds;
  return j.dump(indent);
}

}  // namespace l2vpn::dp
