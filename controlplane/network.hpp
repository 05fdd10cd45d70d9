#pragma once
// The control plane's top level: a Topology (plus what has failed) in, the
// ForwardingState of every router out, with the LSPs and PW states that
// explain it. `compute` does it once; `Network` keeps what it computed and,
// on an event (link or router down/up, AC down/up, service added/removed),
// recomputes only what the event can touch and returns the per-router
// diffs a running dataplane applies.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "contract/forwarding_state.hpp"
#include "contract/forwarding_state_diff.hpp"
#include "contract/result.hpp"
#include "controlplane/pseudowire.hpp"
#include "controlplane/topology.hpp"
#include "controlplane/vpls.hpp"

namespace l2vpn::cp {

// What is down. Names must exist in the topology (else compute fails).
struct Failures {
  std::set<uint32_t> links;  // Topology::links indexes
  std::set<std::pair<std::string, std::string>> link_endpoints;  // every link between the two
  std::set<std::string> routers;
  std::set<std::string> sites;  // attachment circuits down (the CE or its port)
  bool empty() const {
    return links.empty() && link_endpoints.empty() && routers.empty() && sites.empty();
  }
};

// "A:B" (or "A--B") -> the pair, for --fail-link.
Result<std::pair<std::string, std::string>> parse_link_spec(std::string_view text);

// One router on an LSP's path, as the emitted tables say.
struct LspHop {
  std::string router;
  std::optional<uint32_t> in_label;   // none at the ingress
  std::string out_port;               // empty at the egress
  std::optional<uint32_t> out_label;  // none: nothing pushed/swapped (PHP pop)
  bool operator==(const LspHop&) const = default;
};

struct Lsp {
  std::string fec;  // the egress loopback /32
  std::string ingress, egress;
  std::vector<LspHop> hops;  // ingress first, egress last (first ECMP member at each hop)
  bool complete = false;     // reached the egress through the tables
  bool operator==(const Lsp&) const = default;
};

struct NetworkState {
  std::map<std::string, ForwardingState> routers;
  // The transport LSPs the services use: one per (ingress, egress) pair of
  // PW ends. Every PE has an LSP to every reachable PE (lsp_count); listing
  // them all would be quadratic, trace_lsp gives any one.
  std::vector<Lsp> lsps;
  size_t lsp_count = 0;               // FTN entries over all PEs
  std::vector<PwStatus> pseudowires;  // one per PW end, services in topology order
  std::vector<P2mpTree> p2mp_trees;
  // Each P2MP tree slot's last shape and version: history, so that a tree
  // whose shape changes always moves to another label (emit_vpls).
  TreeVersions tree_versions;
  std::vector<std::string> warnings;

  const ForwardingState* router(std::string_view name) const;
};

// Follows the FTN of `ingress` toward `egress`'s loopback and then the ILM of
// each router reached (first ECMP member), through the emitted tables only.
Result<Lsp> trace_lsp(const NetworkState& state, const Topology& topo, std::string_view ingress,
                      std::string_view egress);

// `prior`: the tree versions of an earlier state (NetworkState::tree_versions),
// so that a fresh computation equals an incremental one from that state.
Result<NetworkState> compute(const Topology& topo, const Failures& failures = {},
                             const TreeVersions* prior = nullptr);

struct NetworkDiff {
  std::map<std::string, ForwardingStateDiff> routers;  // only routers that changed
  std::vector<PwStatus> pw_changes;                     // PW ends whose status changed (new status)
  bool empty() const { return routers.empty() && pw_changes.empty(); }
  size_t size() const;  // table entries changed, all routers
};

NetworkDiff diff(const NetworkState& old, const NetworkState& next);
std::string to_string(const NetworkDiff& d);
std::ostream& operator<<(std::ostream& os, const NetworkDiff& d);

// A computed network that follows events. Recomputation is incremental: SPF
// reruns only from roots whose shortest paths the event can change, and only
// routers whose routes or services changed get their state rebuilt.
class Network {
 public:
  static Result<std::unique_ptr<Network>> create(Topology topo, const Failures& failures = {});
  ~Network();

  const NetworkState& state() const;
  const Topology& topology() const;
  const Failures& failures() const;

  Result<NetworkDiff> set_failures(const Failures& failures);
  Result<NetworkDiff> link_down(uint32_t link);
  Result<NetworkDiff> link_up(uint32_t link);
  Result<NetworkDiff> router_down(const std::string& router);
  Result<NetworkDiff> router_up(const std::string& router);
  Result<NetworkDiff> site_down(const std::string& site);
  Result<NetworkDiff> site_up(const std::string& site);
  // Services: on error the network is left as it was.
  Result<NetworkDiff> add_site(Site site);
  Result<NetworkDiff> add_vpws(VpwsService service);
  Result<NetworkDiff> remove_vpws(const std::string& name);
  Result<NetworkDiff> add_vpls(VplsService service);
  Result<NetworkDiff> remove_vpls(const std::string& name);

  // Where the last recomputation spent its time (for the benchmark).
  struct Stats {
    double spf_ms = 0, routes_ms = 0, services_ms = 0, build_ms = 0, lsps_ms = 0;
    size_t spf_roots = 0, dirty_routers = 0, lsps_retraced = 0;
  };
  const Stats& last_stats() const;

  struct Impl;

 private:
  Network();
  std::unique_ptr<Impl> impl_;
};

}  // namespace l2vpn::cp
