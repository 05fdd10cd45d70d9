#pragma once
// VPLS (RFC 4762): per instance a full mesh of PWs among the member PEs
// (pw_id = VSI id), all in one split-horizon group, a bridge domain per PE
// with its attachment circuits; H-VPLS spokes from an MTU-s to one or two hub
// PEs (the second is a standby, up only while the first is not); and for
// bum_mode p2mp_tree a point-to-multipoint LSP per ingress PE in the style of
// mLDP (RFC 6388): each leaf joins toward the root along its IGP next hop, so
// the union is a shortest-path tree and every backbone link carries a
// flooded frame at most once.

#include <vector>

#include "contract/result.hpp"
#include "controlplane/pseudowire.hpp"

namespace l2vpn::cp {

// H-VPLS redundancy: a standby spoke whose primary is up goes down with
// reason "standby"; if the primary is down the standby carries traffic.
void apply_spoke_redundancy(const ServiceContext& ctx, std::vector<PwNegotiation>& results);

// A P2MP tree of one instance rooted at one PE.
struct P2mpTree {
  std::string service;
  std::string root;
  std::vector<std::string> leaves;                          // members reached
  std::vector<std::pair<std::string, std::string>> links;   // (upstream, downstream) routers
};

// Bridge domains, VPLS attachment circuits, mesh and spoke pseudowires with
// their ILM entries, and the P2MP trees' labels, replication groups and
// NHLFEs. `versions`: each slot's last tree (read and updated; without it
// every version comes from the shape alone). Fails only when a router runs out of labels or ids.
Status emit_vpls(const ServiceContext& ctx, const std::vector<PwNegotiation>& results,
                 std::vector<ServiceTables>& out, std::vector<PwStatus>& status,
                 std::vector<P2mpTree>* trees = nullptr, std::vector<uint32_t>* slots = nullptr,
                 TreeVersions* versions = nullptr);

}  // namespace l2vpn::cp
