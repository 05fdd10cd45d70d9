#include "node/pw_state.hpp"

#include <algorithm>

#include "ldp/pdu.hpp"

namespace l2vpn::node {

Pseudowire node_pseudowire(const ForwardingState& st, uint32_t id, const ldp::PseudowireState& s) {
  Pseudowire pw;
  pw.id = id;
  pw.pw_id = s.config.pw_id;
  pw.peer = ldp::ip_string(s.config.lsr_id);
  pw.local_label = s.local_label.value_or(0);
  pw.remote_label = s.remote_label.value_or(0);
  const std::string fec = pw.peer + "/32";
  for (const auto& f : st.ftn)
    if (f.fec == fec) pw.transport = f.next_hop;
  pw.control_word = s.control_word;
  pw.mtu = s.config.mtu;
  // Forwarded only when signalled up with both labels and an LSP to the PE.
  pw.up = s.up && pw.transport && pw.local_label >= kFirstUnreservedLabel &&
          pw.remote_label >= kFirstUnreservedLabel;
  if (!pw.up) {
    pw.down_reason = s.up ? "no LSP to the remote PE" : ldp::pw_reason_name(s.reason);
    if (pw.local_label < kFirstUnreservedLabel) pw.local_label = 0;
    if (pw.remote_label < kFirstUnreservedLabel) pw.remote_label = 0;
  }
  return pw;
}

// The AC's port: one Port per distinct name (VLAN ACs share it), its MTU
// the largest of its PWs', at least 1500; the kernel's MAC when it has one.
void ensure_ac_port(ForwardingState& st, const std::string& name, uint32_t mtu_in, const KernelView& k) {
  auto port = std::find_if(st.ports.begin(), st.ports.end(), [&](const Port& p) { return p.name == name; });
  const uint32_t mtu = std::clamp<uint32_t>(mtu_in, 1500, 9600);
  if (port == st.ports.end()) {
    Port p;
    p.name = name;
    p.mtu = mtu;
    for (const auto& [idx, l] : k.links)
      if (l.name == name) p.mac = l.mac;
    st.ports.push_back(std::move(p));
  } else {
    port->mtu = std::max(port->mtu, mtu);
  }
}

void add_pseudowires(ForwardingState& st, const std::vector<NodePseudowire>& pws,
                     const std::vector<ldp::PseudowireState>& states, const KernelView& k) {
  for (size_t i = 0; i < pws.size(); ++i) {
    const NodePseudowire& np = pws[i];
    auto s = std::find_if(states.begin(), states.end(), [&](const ldp::PseudowireState& x) {
      return x.config.lsr_id == np.config.lsr_id && x.config.pw_id == np.config.pw_id;
    });
    if (s == states.end()) continue;
    Pseudowire pw = node_pseudowire(st, uint32_t(i + 1), *s);
    pw.mtu = np.config.mtu;
    ensure_ac_port(st, np.ac.port, np.config.mtu, k);
    AttachmentCircuit ac = np.ac;
    ac.pseudowire = pw.id;
    st.attachment_circuits.push_back(std::move(ac));
    // Only an up PW disposes: a frame for a down one is an ILM miss, counted.
    if (pw.up) st.ilm.push_back(IlmEntry{pw.local_label, IlmAction::pw_disposition, pw.id});
    st.pseudowires.push_back(std::move(pw));
  }
  std::sort(st.ilm.begin(), st.ilm.end(),
            [](const IlmEntry& a, const IlmEntry& b) { return a.label < b.label; });
}

}  // namespace l2vpn::node
