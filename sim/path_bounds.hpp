#pragma once
// Bounds on how long frames take across the backbone, from the paths they
// really follow (docs/emulator.md, issue 14 failures 3 and 6):
//
// - the longest service path: between two PEs of a service, the IGP path
//   (lowest metric; of equal-cost paths the slowest), through the hubs for
//   an H-VPLS MTU-s (spoke, then mesh, then spoke). The warm-up is sized on
//   it: ARP requests and replies follow these paths, not the fastest ones.
// - the in-flight bound: no frame is on the wires longer than this, even on
//   a detour after a failure: one LSP is a simple path (at most the sum of
//   all link delays, plus queueing), and an H-VPLS frame crosses up to three
//   LSPs (spoke, mesh, spoke), so a link may be crossed more than once.
#include <cstdint>

#include "controlplane/topology.hpp"

namespace l2vpn::sim {

struct PathBounds {
  uint64_t longest_service_path_ns = 0;  // one way, IGP paths
  uint64_t in_flight_ns = 0;             // any frame, any path
  unsigned segments = 1;                 // LSPs a frame may cross in a row
};

PathBounds compute_path_bounds(const cp::Topology& topo);

}  // namespace l2vpn::sim
