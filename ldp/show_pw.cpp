// `show l2vpn [json]`: the pseudowire table (ldp/pw.hpp) as an FRR-like
// table and as JSON with the keys of FRR's `show l2vpn atom binding json`.
#include <fmt/format.h>

#include "ldp/show.hpp"

namespace l2vpn::ldp {

namespace {
// As FRR's ldpd names PW types (pw_type_name in ldpd/logmsg.c).
const char* frr_vc_type(uint16_t type) {
  switch (type) {
    case pw_type::Ethernet: return "Ethernet";
    case pw_type::EthernetTagged: return "Eth Tagged";
  }
  return "Unknown";
}
}  // namespace

nlohmann::json l2vpn_json(const Engine& e) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& pw : e.pseudowires().states()) {
    const auto& c = pw.config;
    nlohmann::json j{{"destination", ip_string(c.lsr_id)},
                     {"vcId", c.pw_id},
                     {"name", c.name},
                     {"status", pw.up ? "up" : "down"},
                     {"reason", pw_reason_name(pw.reason)},
                     {"controlWord", pw.control_word},
                     {"localStatus", pw_status_string(pw.local_status)},
                     {"remoteStatus", pw_status_string(pw.remote_status)},
                     {"localStatusBits", pw.local_status},
                     {"remoteStatusBits", pw.remote_status}};
    if (pw.local_label) {
      j["localLabel"] = *pw.local_label;
      j["localControlWord"] = pw.control_word ? 1 : 0;
      j["localVcType"] = frr_vc_type(c.pw_type);
      j["localGroupID"] = c.group_id;
      j["localIfMtu"] = c.mtu;
      if (c.requested_vlan) j["localVlan"] = *c.requested_vlan;
    } else {
      j["localLabel"] = "unassigned";
    }
    if (pw.remote_label) {
      j["remoteLabel"] = *pw.remote_label;
      j["remoteControlWord"] = pw.remote_control_word ? 1 : 0;
      j["remoteVcType"] = frr_vc_type(pw.remote_pw_type.value_or(0));
      j["remoteGroupID"] = pw.remote_group;
      j["remoteIfMtu"] = pw.remote_mtu.value_or(0);
      if (pw.remote_vlan) j["remoteVlan"] = *pw.remote_vlan;
    } else {
      j["remoteLabel"] = "unassigned";
    }
    const auto mw = e.mac_withdraws().of(c.lsr_id, c.pw_id);  // VPLS (RFC 4762 6.2)
    j["macWithdrawIn"] = mw.in;
    j["macWithdrawOut"] = mw.out;
    j["macsFlushed"] = mw.flushed;
    out[fmt::format("{}: {}", ip_string(c.lsr_id), c.pw_id)] = std::move(j);
  }
  return out;
}

std::string show_l2vpn(const Engine& e) {
  std::string out = fmt::format("{:<15} {:<8} {:<16} {:<8} {:<8} {:<6} {:<11} {:<3} {}\n", "Peer",
                                "PW ID", "Name", "Local", "Remote", "Status", "MTU L/R", "CW",
                                "Reason");
  auto label = [](const std::optional<uint32_t>& l) { return l ? std::to_string(*l) : "-"; };
  for (const auto& pw : e.pseudowires().states()) {
    const auto& c = pw.config;
    std::string mtu = fmt::format("{}/{}", c.mtu, pw.remote_mtu ? std::to_string(*pw.remote_mtu) : "-");
    std::string reason = pw_reason_name(pw.reason);
    if (pw.reason == PwReason::RemoteNotForwarding)
      reason += " (" + pw_status_string(pw.remote_status) + ")";
    out += fmt::format("{:<15} {:<8} {:<16} {:<8} {:<8} {:<6} {:<11} {:<3} {}\n",
                       ip_string(c.lsr_id), c.pw_id, c.name, label(pw.local_label),
                       label(pw.remote_label), pw.up ? "UP" : "DOWN", mtu,
                       pw.control_word ? "yes" : "no", reason);
  }
  const auto& k = e.pseudowires().counters();
  out += fmt::format("\nmappings in/out {}/{}, withdraws in/out {}/{}, releases in/out {}/{}, "
                     "status in/out {}/{}, unknown mappings kept {}, unknown status {}\n",
                     k.mappings_in, k.mappings_out, k.withdraws_in, k.withdraws_out, k.releases_in,
                     k.releases_out, k.status_in, k.status_out, k.unknown_mappings,
                     k.unknown_status);
  const auto& w = e.mac_withdraws().counters();
  out += fmt::format("MAC withdraw in/out {}/{}, unknown VSI {}, MACs flushed {}\n", w.in, w.out,
                     w.unknown_vsi, w.flushed);
  return out;
}

}  // namespace l2vpn::ldp
