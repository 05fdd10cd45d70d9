#include "dataplane/router_show.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace l2vpn::dp {

std::string format_counters(const Router& r) {
  std::string out;
  auto st = r.stats();
  out += fmt::format("router {}: received {}  forwarded {}  dropped {}  (lfa used {})\n", r.name(),
                     st.rx_packets, st.forwarded, st.total_drops(), st.lfa_used);
  out += fmt::format("  {:<16} {:>12} {:>14} {:>12} {:>14}\n", "port", "rx frames", "rx bytes",
                     "tx frames", "tx bytes");
  for (size_t i = 0; i < r.port_names().size(); ++i) {
    auto ps = r.port_stats(uint16_t(i));
    out += fmt::format("  {:<16} {:>12} {:>14} {:>12} {:>14}{}\n", r.port_names()[i], ps.rx_packets,
                       ps.rx_bytes, ps.tx_packets, ps.tx_bytes,
                       r.port_up(uint16_t(i)) ? "" : "  (down)");
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
                     {"tx_bytes", ps.tx_bytes}});
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
  return j.dump(indent);
}

}  // namespace l2vpn::dp
