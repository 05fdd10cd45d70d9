#pragma once
// The emulated backbone: one dataplane Router per node of the topology, each
// programmed from the control plane's ForwardingState and running the same
// fast path as on a NIC. Links are pairs of rings (rte_ring_init on our own
// memory, behind RingPortIo); every PE access port has a host side, a ring
// pair the emulator's hosts send into and read from.
//
// This is the emulator's skeleton: links forward at once (no delay, rate or
// loss model yet) and time is just rounds of polling every router.

#include <rte_mbuf.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "contract/result.hpp"
#include "controlplane/network.hpp"
#include "controlplane/topology.hpp"
#include "dataplane/port.hpp"
#include "dataplane/rcu.hpp"
#include "dataplane/router.hpp"

namespace l2vpn::sim {

// The host side of one PE port that carries attachment circuits.
struct AccessPort {
  std::string pe, port;
  dp::RingPtr to_pe;    // hosts enqueue, the PE receives
  dp::RingPtr from_pe;  // the PE sends, hosts dequeue
};

struct LinkRings {
  uint32_t link = 0;  // Topology::links index
  dp::RingPtr a_to_b, b_to_a;
};

class Backbone {
 public:
  // Builds routers, links and access ports and programs every router.
  static Result<std::unique_ptr<Backbone>> build(const cp::Topology& topo,
                                                 const cp::NetworkState& state, dp::Rcu& rcu);
  ~Backbone();

  // Applies a recomputed network (per-router update while traffic flows).
  Status apply(const cp::NetworkState& state);
  // Link state as the routers see it (both ends' ports).
  void set_link_up(uint32_t link, bool up);

  // One round: every router polls each of its ports once. Returns frames moved.
  unsigned poll_round();
  // Polls until a round moves nothing (or `max_rounds`). Returns rounds run.
  unsigned run_until_idle(unsigned max_rounds = 100000);

  AccessPort* access_port(const std::string& pe, const std::string& port);
  dp::Router* router(const std::string& name);
  const std::vector<std::unique_ptr<dp::Router>>& routers() const { return routers_; }

 private:
  Backbone(dp::Rcu& rcu) : rcu_(rcu) {}
  dp::Rcu& rcu_;
  const cp::Topology* topo_ = nullptr;
  std::vector<std::unique_ptr<dp::Router>> routers_;
  std::map<std::string, dp::Router*> by_name_;
  std::vector<LinkRings> links_;
  std::map<std::pair<std::string, std::string>, AccessPort> access_;
};

}  // namespace l2vpn::sim
