#pragma once
// What flooding costs the backbone, per VPLS instance and ingress PE, under
// both ways of carrying broadcast/unknown-unicast/multicast (BUM) frames:
//   ingress replication: one copy per peer PE, each over the LSP to that
//     peer: a frame crosses Σ_peers hops(LSP to peer) links;
//   P2MP tree: one copy per edge of the tree rooted at the PE.
// The emulator plans this once at setup (the paths of the intact network)
// and multiplies by the BUM frames each PE's sites sent (Report::flooding,
// docs/emulator.md).
//
// Bytes on a link are the MPLS frame: outer Ethernet header (14), the label
// stack (PW label + transport label, or the PW label alone after PHP; one
// label on a tree edge), the control word if the instance uses one (4), and
// the customer frame as the PW carries it (no FCS, a service-delimiting
// VLAN tag removed).

#include <cstdint>
#include <string>
#include <vector>

#include "contract/result.hpp"
#include "controlplane/network.hpp"
#include "controlplane/topology.hpp"

namespace l2vpn::sim {

struct FloodPlan {
  std::string service, pe;
  bool p2mp = false;  // the mode the instance runs in
  // Ingress replication: the peers (PEs at the far end of its up mesh PWs),
  // the links a frame crosses over all of them, and the bytes one frame
  // adds to its own length over all of them (headers per link crossed).
  std::vector<std::string> peers;
  uint32_t ir_links = 0;
  uint64_t ir_overhead = 0;
  // P2MP tree rooted at the PE: its edges and the headers over them.
  uint32_t tree_edges = 0;
  uint64_t tree_overhead = 0;
  bool tree_computed = false;  // the instance runs ingress replication: tree computed for comparison
  // Backbone bytes of `frames` frames totalling `bytes` (as the PW carries them).
  uint64_t ir_bytes(uint64_t frames, uint64_t bytes) const { return bytes * ir_links + frames * ir_overhead; }
  uint64_t tree_bytes(uint64_t frames, uint64_t bytes) const {
    return bytes * tree_edges + frames * tree_overhead;
  }
};

// One plan per (VPLS instance, PE with a site of it), topology order. Trees
// of instances that run ingress replication come from computing the same
// topology with those instances as P2MP (once).
Result<std::vector<FloodPlan>> plan_flood_costs(const cp::Topology& topo, const cp::NetworkState& state);

}  // namespace l2vpn::sim
