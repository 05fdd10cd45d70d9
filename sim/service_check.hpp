#pragma once
// Sends marked frames across every service of a topology through the
// emulated backbone and checks, at every host, what arrived: each frame
// must reach exactly the site it was meant for, once. VPWS: both
// directions. VPLS: a broadcast from the first site (must reach every other
// site once), then unicast between every pair after learning.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/backbone.hpp"

namespace l2vpn::sim {

struct ServiceResult {
  std::string kind;  // "vpws" or "vpls"
  std::string name;
  std::string state;  // "up", or "down (reason)" from the PW states
  uint64_t sent = 0, received = 0, lost = 0, duplicated = 0, misdelivered = 0;
  bool ok() const { return lost == 0 && duplicated == 0 && misdelivered == 0; }
};

struct CheckReport {
  std::vector<ServiceResult> services;
  unsigned rounds = 0;
  bool ok() const;
  std::string table() const;
};

// `frames` per direction per service.
CheckReport check_services(Backbone& backbone, const cp::Topology& topo,
                           const cp::NetworkState& state, rte_mempool* pool, unsigned frames = 64);

}  // namespace l2vpn::sim
