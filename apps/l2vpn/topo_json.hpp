#pragma once
// `l2vpn topo TOPOLOGY --json`: the loaded topology (routers with their
// loopbacks, defaults filled in by the loader; links with their ports;
// sites; services) and what the central control plane computes for it:
// every PW end's state and the router sequence of the LSP it rides. What
// scripts/lab.sh builds a lab from and tests/e2e/lab_agree.py compares the
// nodes with.
#include <string>

#include "controlplane/network.hpp"
#include "controlplane/topology.hpp"

namespace l2vpn::app {

std::string topo_json(const cp::Topology& topo, const cp::NetworkState& st);

}  // namespace l2vpn::app
