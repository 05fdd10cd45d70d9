#pragma once
// The IGP: shortest-path distances from every router (Dijkstra on Boost.Graph
// with the link metric, links and routers that are down left out), the
// equal-cost next hops they imply, and loop-free alternates (RFC 5286).
//
// Metrics are symmetric, so dist(a, b) == dist(b, a): the row of a
// destination serves as "distance to it" from everywhere.

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "controlplane/plan.hpp"

namespace l2vpn::cp {

inline constexpr uint64_t kUnreachable = std::numeric_limits<uint64_t>::max();
inline constexpr uint16_t kNoPort = 0xffff;
inline constexpr size_t kMaxEcmpPaths = 16;  // what an EcmpGroup holds

// One next hop of router S toward D: the port (index into RouterPlan::ports)
// and its loop-free alternate, if any.
struct IgpNextHop {
  uint16_t port = kNoPort;
  uint16_t backup = kNoPort;     // LFA port, kNoPort when none exists
  bool node_protecting = false;  // the LFA avoids the primary neighbor too
  bool operator==(const IgpNextHop&) const = default;
};

// Which links and routers are up. Index by Topology::links / routers.
struct LinkState {
  std::vector<uint8_t> link_up;
  std::vector<uint8_t> router_up;
  bool operator==(const LinkState&) const = default;
};

class Igp {
 public:
  explicit Igp(const Plan& plan);

  // Runs SPF from every router.
  void compute(const LinkState& state);
  // Moves to `state` and returns the roots whose distances may have
  // changed. When only links changed, each root's row is repaired in place
  // (a removed link: re-settle just the nodes that lost every shortest path;
  // an added one: propagate the decrease), which touches a few nodes instead
  // of rerunning Dijkstra over the whole graph. A router changing state
  // reruns Boost's Dijkstra from the roots whose shortest-path DAG it can
  // change.
  std::vector<uint32_t> update(const LinkState& state);

  uint64_t dist(uint32_t from, uint32_t to) const { return dist_[size_t(from) * n_ + to]; }
  const std::vector<uint64_t>& distances() const { return dist_; }  // n x n, row = root
  bool router_up(uint32_t r) const { return state_.router_up[r] != 0; }
  // The port can carry traffic: its link and both routers are up.
  bool port_up(uint32_t r, uint32_t port) const;
  const LinkState& state() const { return state_; }
  const Plan& plan() const { return *plan_; }

  // Every neighbor v (via port p) with metric(p) + dist(v, d) == dist(s, d),
  // parallel links each counted, at most kMaxEcmpPaths (lowest port first);
  // each with its LFA: the alternate port q whose neighbor N satisfies
  // dist(N, d) < dist(N, s) + dist(s, d), node-protecting ones preferred,
  // then the cheapest, then the lowest port. Empty when d is s or
  // unreachable.
  void next_hops(uint32_t s, uint32_t d, std::vector<IgpNextHop>& out) const;

 private:
  void spf(uint32_t root);
  bool remove_link(uint32_t root, uint32_t link);  // true when the row changed
  bool add_link(uint32_t root, uint32_t link);
  std::vector<uint32_t> update_links(const LinkState& next);
  // Scratch for the repairs, indexed by router.
  std::vector<uint8_t> mark_;
  std::vector<uint32_t> touched_;
  void build_graph();

  const Plan* plan_;
  size_t n_;
  LinkState state_;
  std::vector<uint64_t> dist_;  // n x n, row = SPF root
  struct Graph;
  std::shared_ptr<Graph> graph_;
};

}  // namespace l2vpn::cp
