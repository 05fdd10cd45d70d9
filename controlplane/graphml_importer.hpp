#pragma once
// GraphML import: a backbone (routers and links, no sites or services) from a
// GraphML file such as the Internet Topology Zoo's. The Zoo's files are
// real-world input, so the importer repairs what it can and says so in
// Topology::warnings; docs/topology-format.md lists every rule:
//
//  - node name: the 'label' attribute, trimmed; a missing or empty label (or
//    the Zoo's "None") becomes "node-<id>"; hyperedge nodes (a shared medium,
//    not a router) become P routers named "hyperedge-<id>" when unlabelled.
//  - duplicate names: the second "Paris" becomes "Paris#2", the third
//    "Paris#3" (in document order).
//  - self-loops: dropped.
//  - parallel links between the same two nodes: merged into one link (a
//    bundle): bandwidth summed, the metric and delay of the shortest.
//  - disconnected parts: all kept; a warning names the parts' sizes (LSPs
//    between parts cannot exist).
//  - metric: great-circle distance when both ends have Latitude/Longitude
//    (km/100 rounded, at least 1) and delay 5 us/km; else the defaults.
//  - bandwidth: LinkSpeedRaw (bit/s) when present and positive; parallel
//    links add up.
//
// Errors (unreadable file, malformed XML, no <graph>, no nodes, duplicate node
// ids, edges naming unknown nodes) are values naming file and line.

#include <cstdint>
#include <string>
#include <string_view>

#include "contract/result.hpp"
#include "controlplane/topology.hpp"

namespace l2vpn::cp {

enum class MetricMode : uint8_t {
  distance,  // from coordinates; default_metric where a coordinate is missing
  hops,      // every link 1
  constant,  // every link default_metric
};

struct GraphMlOptions {
  MetricMode metric = MetricMode::distance;
  uint32_t default_metric = 10;                  // no coordinates (or constant)
  uint64_t bandwidth_bps = 10'000'000'000ULL;    // no LinkSpeedRaw
  double delay_us = 100.0;                       // no coordinates
  uint32_t mtu = 9000;
};

// Routers come back as PEs (hyperedge nodes as P routers) with no loopback
// and the struct's default label range; links with port names "to-<peer>".
// The YAML loader (or load_topology for a bare .graphml) assigns the rest.
Result<Topology> parse_graphml(std::string_view text, std::string_view source_name,
                               const GraphMlOptions& options = {});
Result<Topology> import_graphml(const std::string& path, const GraphMlOptions& options = {});

// Great-circle distance in km between two points given in degrees.
double great_circle_km(double lat1, double lon1, double lat2, double lon2);

}  // namespace l2vpn::cp
