#include "ldp/show.hpp"

#include <fmt/format.h>

namespace l2vpn::ldp {

std::string label_text(uint32_t label) {
  if (label == kImplicitNull) return "imp-null";
  if (label == kExplicitNull) return "exp-null";
  return std::to_string(label);
}

std::string uptime_text(Time since, Time now) {
  long long s = std::chrono::duration_cast<Seconds>(now - since).count();
  if (s < 0) s = 0;
  if (s >= 86400) return fmt::format("{}d{:02}h{:02}m", s / 86400, s % 86400 / 3600, s % 3600 / 60);
  return fmt::format("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60);
}

namespace {
// The peer whose address is the FEC's next hop in the kernel's route.
bool in_use(const Engine& e, const Prefix& fec, uint32_t peer) {
  for (const auto& r : e.routing().routes) {
    if (r.prefix != fec) continue;
    for (uint32_t nh : r.next_hops)
      if (e.peer_of_address(nh) == peer) return true;
  }
  return false;
}

long long remaining(Time expires, Time now) {
  if (expires == Time::max()) return 65535;
  return std::max<long long>(0, std::chrono::duration_cast<Seconds>(expires - now).count());
}
}  // namespace

nlohmann::json neighbor_json(const Engine& e, Time now) {
  auto arr = nlohmann::json::array();
  for (const auto& [id, s] : e.sessions()) {
    nlohmann::json n{{"addressFamily", "ipv4"},
                     {"neighborId", ip_string(id)},
                     {"state", state_name(s.state)},
                     {"transportAddress", ip_string(s.transport)},
                     {"role", s.active ? "active" : "passive"},
                     {"upTime", s.state == SessionState::Operational ? uptime_text(s.since, now) : "-"},
                     {"keepaliveTime", s.keepalive},
                     {"fecsReceived", s.received.size()},
                     {"fecsSent", s.sent.size()},
                     {"endOfLibReceived", s.end_of_lib_received},
                     {"addresses", nlohmann::json::array()}};
    for (uint32_t a : s.addresses) n["addresses"].push_back(ip_string(a));
    if (!s.last_error.empty()) n["lastError"] = s.last_error;
    arr.push_back(std::move(n));
  }
  return nlohmann::json{{"neighbors", arr}};
}

std::string show_neighbor(const Engine& e, Time now) {
  std::string out = fmt::format("{:<4} {:<15} {:<12} {:<15} {:>8}\n", "AF", "ID", "State",
                                "Remote Address", "Uptime");
  for (const auto& [id, s] : e.sessions())
    out += fmt::format("{:<4} {:<15} {:<12} {:<15} {:>8}\n", "ipv4", ip_string(id),
                       state_name(s.state), ip_string(s.transport),
                       s.state == SessionState::Operational ? uptime_text(s.since, now) : "-");
  return out;
}

nlohmann::json discovery_json(const Engine& e, Time now) {
  auto arr = nlohmann::json::array();
  for (const auto& a : e.adjacencies())
    arr.push_back({{"addressFamily", "ipv4"},
                   {"neighborId", ip_string(a.lsr_id)},
                   {"type", a.interface.empty() ? "targeted" : "link"},
                   {"interface", a.interface},
                   {"peerAddress", ip_string(a.source)},
                   {"transportAddress", ip_string(a.transport)},
                   {"helloHoldtime", a.holdtime},
                   {"helloHoldtimeRemaining", remaining(a.expires, now)}});
  return nlohmann::json{{"adjacencies", arr}};
}

std::string show_discovery(const Engine& e, Time now) {
  std::string out = fmt::format("{:<4} {:<15} {:<8} {:<15} {:>9}\n", "AF", "ID", "Type",
                                "Source", "Holdtime");
  for (const auto& a : e.adjacencies())
    out += fmt::format("{:<4} {:<15} {:<8} {:<15} {:>9}\n", "ipv4", ip_string(a.lsr_id),
                       a.interface.empty() ? "Targeted" : "Link",
                       a.interface.empty() ? ip_string(a.source) : a.interface,
                       remaining(a.expires, now));
  return out;
}

nlohmann::json binding_json(const Engine& e) {
  auto arr = nlohmann::json::array();
  for (const auto& fb : e.bindings().fecs) {
    std::string local = fb.local_label ? label_text(*fb.local_label) : "-";
    if (fb.remote.empty())
      arr.push_back({{"addressFamily", "ipv4"}, {"prefix", prefix_string(fb.fec)},
                     {"neighborId", "0.0.0.0"}, {"localLabel", local}, {"inUse", 0}});
    for (const auto& r : fb.remote)
      arr.push_back({{"addressFamily", "ipv4"},
                     {"prefix", prefix_string(fb.fec)},
                     {"neighborId", ip_string(r.lsr_id)},
                     {"localLabel", local},
                     {"remoteLabel", label_text(r.label)},
                     {"inUse", in_use(e, fb.fec, r.lsr_id) ? 1 : 0}});
  }
  return nlohmann::json{{"bindings", arr}};
}

std::string show_binding(const Engine& e) {
  std::string out = fmt::format("{:<4} {:<20} {:<15} {:<11} {:<12} {}\n", "AF", "Destination",
                                "Nexthop", "Local Label", "Remote Label", "In Use");
  for (const auto& fb : e.bindings().fecs) {
    std::string local = fb.local_label ? label_text(*fb.local_label) : "-";
    if (fb.remote.empty())
      out += fmt::format("{:<4} {:<20} {:<15} {:<11} {:<12} {}\n", "ipv4",
                         prefix_string(fb.fec), "0.0.0.0", local, "-", "no");
    for (const auto& r : fb.remote)
      out += fmt::format("{:<4} {:<20} {:<15} {:<11} {:<12} {}\n", "ipv4",
                         prefix_string(fb.fec), ip_string(r.lsr_id), local,
                         label_text(r.label), in_use(e, fb.fec, r.lsr_id) ? "yes" : "no");
  }
  return out;
}

nlohmann::json counters_json(const Engine& e) {
  const Counters& c = e.counters();
  nlohmann::json j{{"pdusIn", c.pdus_in},           {"pdusOut", c.pdus_out},
                   {"hellosIn", c.hellos_in},       {"hellosOut", c.hellos_out},
                   {"notificationsIn", c.notifications_in},
                   {"notificationsOut", c.notifications_out},
                   {"badPdus", c.bad_pdus},         {"sessionsUp", c.sessions_up},
                   {"sessionsDown", c.sessions_down}, {"mappingsIn", c.mappings_in},
                   {"mappingsOut", c.mappings_out}, {"withdrawsIn", c.withdraws_in},
                   {"withdrawsOut", c.withdraws_out}, {"releasesIn", c.releases_in},
                   {"releasesOut", c.releases_out}};
  size_t operational = 0;
  for (const auto& [id, s] : e.sessions()) operational += s.state == SessionState::Operational;
  j["sessions"] = e.sessions().size();
  j["sessionsOperational"] = operational;
  j["adjacencies"] = e.adjacencies().size();
  j["fecs"] = e.bindings().fecs.size();
  const auto& w = e.mac_withdraws().counters();
  j["macWithdrawIn"] = w.in;
  j["macWithdrawOut"] = w.out;
  j["macWithdrawUnknownVsi"] = w.unknown_vsi;
  j["macsFlushed"] = w.flushed;
  return j;
}

}  // namespace l2vpn::ldp
