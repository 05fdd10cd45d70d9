#pragma once
// topologies/default.yaml, built into the binary.
namespace l2vpn::sim {
extern const char* const kDefaultTopologyName;
extern const char* const kDefaultTopologyYaml;
}  // namespace l2vpn::sim
