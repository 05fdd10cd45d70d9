#include "node/vpls_state.hpp"

#include <algorithm>

#include "ldp/pdu.hpp"
#include "node/pw_state.hpp"

namespace l2vpn::node {

std::vector<ldp::PseudowireConfig> vpls_pseudowire_configs(const std::vector<NodeVpls>& vpls) {
  std::vector<ldp::PseudowireConfig> out;
  for (const auto& v : vpls)
    for (uint32_t peer : v.peers) {
      ldp::PseudowireConfig c;
      c.name = v.name;
      c.lsr_id = peer;
      c.pw_id = v.vsi_id;
      c.pw_type = ldp::pw_type::Ethernet;
      c.mtu = v.mtu;
      c.control_word = v.control_word;
      out.push_back(std::move(c));
    }
  return out;
}

void add_vpls(ForwardingState& st, const std::vector<NodeVpls>& vpls,
              const std::vector<ldp::PseudowireState>& states, const KernelView& k, uint32_t first_id) {
  uint32_t id = first_id;
  for (const auto& v : vpls) {
    BridgeDomain bd;
    bd.name = v.name;
    bd.vsi_id = v.vsi_id;
    bd.mac_limit = v.mac_limit;
    bd.aging_seconds = v.aging_seconds;
    bd.flood_rate_pps = v.flood_rate_pps;
    for (const auto& a : v.acs) {
      AttachmentCircuit ac = a;
      ac.pseudowire.reset();
      ac.bridge_domain = v.name;
      ensure_ac_port(st, ac.port, v.mtu, k);
      bd.attachment_circuits.push_back(ac.name);
      st.attachment_circuits.push_back(std::move(ac));
    }
    std::sort(bd.attachment_circuits.begin(), bd.attachment_circuits.end());
    for (uint32_t peer : v.peers) {
      const uint32_t pw_id = id++;
      auto s = std::find_if(states.begin(), states.end(), [&](const ldp::PseudowireState& x) {
        return x.config.lsr_id == peer && x.config.pw_id == v.vsi_id;
      });
      if (s == states.end()) continue;
      Pseudowire pw = node_pseudowire(st, pw_id, *s);
      // Mesh PWs: one split-horizon group (never from one to another).
      bd.mesh_pseudowires.push_back(pw.id);
      if (pw.up) st.ilm.push_back(IlmEntry{pw.local_label, IlmAction::pw_disposition, pw.id});
      st.pseudowires.push_back(std::move(pw));
    }
    st.bridge_domains.push_back(std::move(bd));
  }
  std::sort(st.ilm.begin(), st.ilm.end(),
            [](const IlmEntry& a, const IlmEntry& b) { return a.label < b.label; });
}

std::optional<VplsMember> vpls_member(const std::vector<NodeVpls>& vpls, uint32_t first_id,
                                      uint32_t peer, uint32_t vsi_id) {
  uint32_t id = first_id;
  for (const auto& v : vpls)
    for (uint32_t p : v.peers) {
      const uint32_t pw = id++;
      if (p == peer && v.vsi_id == vsi_id) return VplsMember{v.name, pw};
    }
  return std::nullopt;
}

}  // namespace l2vpn::node
