#pragma once
// Text tables in the shape operators know from routers: `show mpls
// forwarding-table` (LFIB), the FTN, `show l2vpn xconnect` / pw and `show
// l2vpn vpls`, plus the summary `l2vpn topo` prints. Read-only views of a
// computed NetworkState.

#include <string>
#include <string_view>

#include "contract/result.hpp"
#include "controlplane/network.hpp"
#include "controlplane/topology.hpp"

namespace l2vpn::cp {

// Errors: unknown router.
Result<std::string> show_lfib(const Topology& topo, const NetworkState& st, std::string_view router);
Result<std::string> show_ftn(const Topology& topo, const NetworkState& st, std::string_view router);
Result<std::string> show_pw(const Topology& topo, const NetworkState& st, std::string_view router);
Result<std::string> show_vpls(const Topology& topo, const NetworkState& st, std::string_view router);

// Routers, links, LSPs, PWs with their state, VPLS instances, warnings.
std::string show_summary(const Topology& topo, const NetworkState& st);

}  // namespace l2vpn::cp
