#pragma once
// The one EAL of the sim_tests binary (a GoogleTest global environment in
// test_backbone.cpp) and what it made: every test file uses these instead of
// starting its own.
#include <gtest/gtest.h>
#include <rte_mempool.h>

#include "controlplane/yaml_loader.hpp"
#include "dataplane/rcu.hpp"
#include "sim/default_topology.hpp"

namespace l2vpn::sim::test_env {

rte_mempool* pool();
dp::Rcu& rcu();

// The built-in default topology (topologies/default.yaml), parsed.
inline cp::Topology default_topology() {
  auto t = cp::parse_topology_yaml(kDefaultTopologyYaml, kDefaultTopologyName);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
  return *t;
}

}  // namespace l2vpn::sim::test_env
