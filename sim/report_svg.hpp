#pragma once
// `l2vpn sim --svg FILE`: the topology drawn with the load each link carried
// during the emulation. Routers as in cp::to_dot (PEs boxes, P routers
// ellipses, sites as notes); each link labelled with its utilisation in both
// directions (serializer busy time over the run) and its drops; the pen
// grows with the busier direction and turns from grey through green and
// orange to red; a link that is down is dashed red.

#include <cstdint>
#include <string>

#include "contract/result.hpp"
#include "controlplane/topology.hpp"

namespace l2vpn::sim {

class Backbone;

// `duration_ns`: the run the counters cover (e.g. Backbone::now() at the
// end, when the links were fresh at time 0).
std::string to_dot_with_load(const cp::Topology& topo, const Backbone& backbone,
                             uint64_t duration_ns);

// Renders `dot` to an SVG file with graphviz (`dot -Tsvg`). The error says
// when graphviz is missing or failed.
Status write_svg(const std::string& dot, const std::string& path);

}  // namespace l2vpn::sim
