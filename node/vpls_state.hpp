#pragma once
// The node's VPLS instances (RFC 4762) in its ForwardingState, in the shape
// the central control plane emits a bridge domain for the emulator
// (controlplane/vpls.cpp), so the same dataplane code learns, floods and
// keeps split horizon: per VPLS with a site on this router, its ACs (the
// sites' ports, bridge_domain set), one mesh Pseudowire per other member PE
// (FEC 128, PW id = the VSI id, signalled by the engine like a VPWS PW)
// listed in mesh_pseudowires (one split-horizon group: a frame from one mesh
// PW never leaves on another), an ILM pw_disposition entry for a PW's local
// label only while it is UP. A PW that is down stays in the domain with
// up=false: the dataplane leaves it out of flooding and counts frames for it.
// Pure: no sockets, no DPDK.

#include <optional>
#include <string>
#include <vector>

#include "contract/forwarding_state.hpp"
#include "ldp/pw.hpp"
#include "node/kernel.hpp"

namespace l2vpn::node {

struct NodeVpls {
  std::string name;
  uint32_t vsi_id = 0;
  uint32_t mac_limit = 4096, aging_seconds = 300, flood_rate_pps = 0;
  uint16_t mtu = 1500;
  bool control_word = true;
  std::vector<AttachmentCircuit> acs;  // this router's sites (name, port, vlan, mode)
  std::vector<uint32_t> peers;         // LSR ids of the other member PEs, sorted
  bool operator==(const NodeVpls&) const = default;
};

// The mesh PWs the engine signals for `vpls` (Ethernet, PW id = VSI id).
std::vector<ldp::PseudowireConfig> vpls_pseudowire_configs(const std::vector<NodeVpls>& vpls);

// Adds the bridge domains, their ACs, AC ports, mesh PWs and disposition
// ILM entries to `st` (its FTN supplies the transports). PW ids run from
// `first_id` over every (VPLS, peer) in order, whether signalled or not, so
// they stay stable while the configuration does.
void add_vpls(ForwardingState& st, const std::vector<NodeVpls>& vpls,
              const std::vector<ldp::PseudowireState>& states, const KernelView& k, uint32_t first_id);

// The bridge domain and the state's PW id of the mesh PW to `peer` with PW
// id `vsi_id` (a received MAC withdraw names that), if we have one.
struct VplsMember {
  std::string bridge_domain;
  uint32_t pseudowire = 0;
};
std::optional<VplsMember> vpls_member(const std::vector<NodeVpls>& vpls, uint32_t first_id,
                                      uint32_t peer, uint32_t vsi_id);

}  // namespace l2vpn::node
