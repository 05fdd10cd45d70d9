#pragma once
// A Graphviz drawing of a topology: PEs as boxes, P routers as ellipses,
// sites as notes hanging off their PE, links labelled with their metric, and
// per service its pseudowires in the service's colour: a VPWS as one dashed
// edge between its two PEs, a VPLS as a dashed full mesh among its member
// PEs, H-VPLS spokes as bold dotted edges from the MTU-s to its hubs (the
// standby hub's fainter). `dot -Tsvg` renders it.

#include <string>
#include <string_view>

#include "controlplane/topology.hpp"

namespace l2vpn::cp {

std::string to_dot(const Topology& topo);

// DOT building blocks shared with other drawings of the same topology (the
// emulator's load map), so node ids match across drawings.
std::string dot_quote(std::string_view s);           // a DOT double-quoted string
std::string dot_router_id(std::string_view router);  // "r:<name>"
std::string dot_site_id(std::string_view site);      // "s:<name>"

}  // namespace l2vpn::cp
