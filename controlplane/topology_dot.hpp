#pragma once
// A Graphviz drawing of a topology: PEs as boxes, P routers as ellipses,
// sites as notes hanging off their PE, links labelled with their metric, and
// per service its pseudowires in the service's colour: a VPWS as one dashed
// edge between its two PEs, a VPLS as a dashed full mesh among its member
// PEs, H-VPLS spokes as bold dotted edges from the MTU-s to its hubs (the
// standby hub's fainter). `dot -Tsvg` renders it.

#include <string>

#include "controlplane/topology.hpp"

namespace l2vpn::cp {

std::string to_dot(const Topology& topo);

}  // namespace l2vpn::cp
