#include "sim/router_counters.hpp"

#include "dataplane/router.hpp"

namespace l2vpn::sim {

std::vector<RouterRow> router_rows(const std::vector<std::unique_ptr<dp::Router>>& routers) {
  std::vector<RouterRow> rows;
  rows.reserve(routers.size());
  for (auto& r : routers) {
    RouterRow row;
    row.name = r->name();
    const dp::RouterStats st = r->stats();
    row.rx = st.rx_packets;
    row.tx = st.forwarded;
    row.replicas = st.replicas;
    row.lfa_used = st.lfa_used;
    row.oam_punted = st.oam_punted;
    row.oam_sent = st.oam_sent;
    row.dropped = st.total_drops();
    for (size_t i = 0; i < dp::kDropReasonCount; ++i)
      if (st.drops[i]) row.drops[std::string(dp::kDropReasonNames[i])] = st.drops[i];
    for (auto& bd : r->state().bridge_domains) {
      const dp::BdStats bs = r->bd_stats(bd.name);
      const auto* mt = r->mac_table(bd.name);
      row.bridge_domains.push_back({bd.name, mt ? uint64_t(mt->learned()) : 0, bs.learned, bs.flooded, bs.flood_copies});
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace l2vpn::sim
