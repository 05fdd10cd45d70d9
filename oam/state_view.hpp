#pragma once
// A responder's RouterView from a router's ForwardingState (the contract
// the control plane emits), for the emulator's OAM agent and `node`.
//  - ILM forward/ecmp -> transit, one Downstream per NHLFE (the neighbour
//    on its out port, the port's MTU, the labels it pushes; a pop is
//    implicit null, 3); pop_and_lookup -> our own label; pw_disposition ->
//    a PW's label; anything else -> not served (11).
//  - FECs: our router id /32 is ours (label 3: we ask for PHP). For every
//    other FTN the label we advertised is the ILM entry whose NHLFEs send
//    to the same ports with the same labels as the FTN's (an ingress push
//    and a transit swap toward one downstream carry the downstream's label),
//    or, when given, StateViewInputs::fec_by_label.
//  - PWs: FEC 128 with the sender = the peer's loopback, remote = us, the
//    PW id and type 5 (Ethernet; 4 when its AC is in tagged mode) is ours,
//    bound to the PW's local label.
// The neighbours and loopbacks come from the caller (the topology).

#include <map>
#include <string>

#include "contract/forwarding_state.hpp"
#include "oam/responder.hpp"

namespace l2vpn::oam {

struct StateViewInputs {
  std::map<std::string, uint32_t> loopback_by_router;  // PW peers' addresses (host order)
  std::map<std::string, uint32_t> neighbour_by_port;   // router id behind each core port
  // What label distribution bound each local label to, when the caller
  // knows it (a P router has no FTN to recover it from): ILM labels found
  // here are our labels for these FECs, over what the FTN comparison says.
  std::map<uint32_t, LdpPrefixFec> fec_by_label;
};

// Error when the state's router id, an FTN's FEC or a PW peer is unreadable.
Result<TableView> view_from_state(const ForwardingState& state, const StateViewInputs& in);

}  // namespace l2vpn::oam
