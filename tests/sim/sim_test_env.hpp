#pragma once
// The one EAL of the sim_tests binary (a GoogleTest global environment in
// test_backbone.cpp) and what it made: every test file uses these instead of
// starting its own.
#include <rte_mempool.h>

#include "dataplane/rcu.hpp"

namespace l2vpn::sim::test_env {

rte_mempool* pool();
dp::Rcu& rcu();

}  // namespace l2vpn::sim::test_env
