#pragma once
// Loading a topology: our YAML format (docs/topology-format.md), optionally on
// a GraphML backbone, or a bare GraphML file. Loading fills every default and
// validates; errors are values naming file, line and object, e.g.
//   topologies/x.yaml:12: vpws 'dept-a': site 'dc9' is not defined
// Several problems are reported at once, one per line of Error::message.
// Nothing here throws.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "contract/result.hpp"
#include "controlplane/topology.hpp"

namespace l2vpn::cp {

// By extension: ".graphml" is a bare GraphML backbone (every node a PE,
// hyperedge nodes P, no sites or services); anything else is YAML.
Result<Topology> load_topology(const std::string& path);

// YAML text; source_name is used in messages and to resolve
// backbone.graphml (relative to its directory).
Result<Topology> parse_topology_yaml(std::string_view text, std::string_view source_name);

// Defaults for what a hand-built Topology left empty: loopbacks (the next free
// 10.255.x.y), link ports ("to-<peer>", "to-<peer>#2" for a parallel link),
// site ports ("ac-<site>"), PW and VSI ids 0 (the smallest unused ids).
void fill_defaults(Topology& topo);

// The default label block of the index-th of router_count routers:
// [(index+1)*B, (index+2)*B-1] with B = 10000 up to 103 routers, 1000 up to
// 1047, else the whole unreserved space. Labels are per router, so blocks
// only make captures easier to read.
LabelRange default_label_range(size_t index, size_t router_count);

// Every semantic rule of docs/topology-format.md (names resolve and are
// unique, roles fit, ids are unique, ranges hold, ACs do not collide...),
// on any Topology, however built. Reports all problems, one per line.
// Non-fatal findings (e.g. a service across disconnected parts) go to
// *warnings when given.
// Most members (ACs and pseudowires) of one VPLS's bridge domain on one PE:
// the dataplane's kMaxBridgeMembers (dataplane/tables.hpp; sim/backbone.cpp
// checks they agree). validate_topology refuses more, so that `topo` and
// `sim` agree on what is valid.
inline constexpr unsigned kMaxVplsMembersPerPe = 1024;

Status validate_topology(const Topology& topo, std::vector<std::string>* warnings = nullptr);

// "10G", "2.5Gbps", "155M", "400k", "1000000" (bit/s) -> bit/s.
std::optional<uint64_t> parse_bandwidth(std::string_view text);
// "2ms", "150us", "1.5ms", "500ns", "1s", "0" -> microseconds.
std::optional<double> parse_delay_us(std::string_view text);
std::string format_bandwidth(uint64_t bps);  // "10G", "2.5G", "155.52M"
std::string format_delay(double us);         // "2ms", "150us", "1.5ms"

// Limits the validator enforces (inclusive).
inline constexpr uint32_t kMinLinkMtu = 576, kMaxLinkMtu = 9600;
inline constexpr uint32_t kMinServiceMtu = 64, kMaxServiceMtu = 9600;
inline constexpr uint32_t kMaxMetric = 16'777'215;  // 24-bit wide metric
inline constexpr uint16_t kMaxVlan = 4094;

}  // namespace l2vpn::cp
