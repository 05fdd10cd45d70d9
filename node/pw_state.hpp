#pragma once
// The node's VPWS pseudowires in its ForwardingState, in the shapes the
// central control plane emits them for the emulator (controlplane/
// pseudowire.cpp emit_vpws), so the same dataplane code imposes and
// disposes: per PW the engine signals, a Pseudowire (local label = the
// label we advertised, remote label = the far PE's, transport = the FTN
// LDP built for the far PE's /32, control word as negotiated, MTU), its
// attachment circuit (port, VLAN, raw/tagged mode as the site says) and
// the AC's port; an ILM pw_disposition entry for the local label only
// while the PW is UP. A PW that is down (or has no LSP to its PE yet)
// stays in the state with up=false: the dataplane counts pw_down.
// Pure: no sockets, no DPDK.

#include <string>
#include <vector>

#include "contract/forwarding_state.hpp"
#include "ldp/pw.hpp"
#include "node/kernel.hpp"

namespace l2vpn::node {

// A pseudowire this node signals, with its attachment circuit: `ac` as the
// ForwardingState carries it (name = the site, port, vlan, mode; its
// `pseudowire` is filled in here). The AC's link state (when the kernel has
// an interface named `ac_interface`) is the PW status we send.
struct NodePseudowire {
  ldp::PseudowireConfig config;
  std::string ac_interface;  // the AC's port name (a kernel interface, or --bind)
  AttachmentCircuit ac;
  bool operator==(const NodePseudowire&) const = default;
};

// Adds the PWs, ACs, AC ports and disposition ILM entries to `st` (built
// by build_state, whose FTN supplies the transports). `states` is the PW
// engine's states(); a configured PW it does not list is left out. The
// Pseudowire id is the PW's position in `pws` plus one (stable while the
// configuration is).
void add_pseudowires(ForwardingState& st, const std::vector<NodePseudowire>& pws,
                     const std::vector<ldp::PseudowireState>& states, const KernelView& k);

// One signalled PW as the state carries it (id `id`, transport from the
// FTN to its PE, up only with both labels and an LSP), shared with VPLS.
Pseudowire node_pseudowire(const ForwardingState& st, uint32_t id, const ldp::PseudowireState& s);
// The port `name` in `st` (made when missing, the kernel's MAC when it has
// one), its MTU at least `mtu` (clamped to 1500..9600).
void ensure_ac_port(ForwardingState& st, const std::string& name, uint32_t mtu, const KernelView& k);

}  // namespace l2vpn::node
