#pragma once
// The facts of a topology that no failure changes: router and FEC indexes,
// the ports of every router (names, MACs, the peer across each link) and the
// id scheme. Computed once per topology; the IGP, LDP and the services read
// it. Keeping these fixed is what keeps ids and labels stable across
// recomputation, so the diff after a failure stays small.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "contract/forwarding_state.hpp"
#include "contract/result.hpp"
#include "controlplane/topology.hpp"

namespace l2vpn::cp {

inline constexpr uint32_t kNoIndex = UINT32_MAX;

// One end of a link, seen from the router that owns the port.
struct LinkPort {
  std::string name;
  uint32_t link = 0;       // index into Topology::links
  uint32_t peer = 0;       // router index at the other end
  uint16_t peer_port = 0;  // index of the other end in the peer's ports
  uint32_t metric = 10;
  uint32_t mtu = 9000;
  MacAddr mac{};
};

struct RouterPlan {
  std::vector<LinkPort> ports;  // one per incident link, in Topology::links order
  uint32_t fec = kNoIndex;      // its loopback FEC index when a PE
};

// NHLFE and group ids. Transport objects get an id computed from what they
// are (FEC, port, swap or push), so the same next hop keeps its id whatever
// else changes. Service objects (P2MP branches, pseudowires, replication
// groups) get ids from a stable hash of their key, see StableAllocator.
struct IdScheme {
  uint32_t port_stride = 1;  // max ports on any router
  uint32_t transport_nhlfe(uint32_t fec, uint32_t port, bool push) const {
    return 1 + ((fec * port_stride + port) << 1 | (push ? 1 : 0));
  }
  uint32_t transport_ecmp(uint32_t fec, bool push) const { return 1 + (fec << 1 | (push ? 1 : 0)); }
  uint32_t service_nhlfe_base = 0;  // above every transport NHLFE id
};

struct Plan {
  const Topology* topo = nullptr;
  std::vector<RouterPlan> routers;
  std::unordered_map<std::string, uint32_t> router_index;
  std::vector<uint32_t> fec_router;     // FEC index -> router index (PEs, topology order)
  std::vector<std::string> fec_name;    // "10.255.0.3/32"
  std::vector<uint32_t> fec_by_name;    // FEC indexes in fec_name order (canonical FTN order)
  std::unordered_map<std::string, uint32_t> fec_index;  // fec_name -> FEC index
  IdScheme ids;

  uint32_t router(std::string_view name) const {
    auto it = router_index.find(std::string(name));
    return it == router_index.end() ? kNoIndex : it->second;
  }
  size_t router_count() const { return routers.size(); }
  size_t fec_count() const { return fec_router.size(); }
  const Router& router_at(uint32_t r) const { return topo->routers[r]; }
};

// Checks what the computation relies on (names resolve, loopbacks parse,
// label ranges hold one label per FEC) and builds the plan. Errors name the
// object and where it was defined.
Result<Plan> make_plan(const Topology& topo);

// The MAC of port `port` of router `router`: locally administered (02:...),
// derived from the indexes so it is the same in every computation.
MacAddr port_mac(uint32_t router, uint32_t port);

// 64-bit FNV-1a: a hash that is the same on every platform and run, unlike
// std::hash, so labels and ids derived from it are reproducible.
uint64_t stable_hash(std::string_view key, uint64_t seed = 0xcbf29ce484222325ULL);

// Hands out values from [first, last] by hashing a key and probing linearly
// from there. Unlike a counter, adding or removing one key leaves every other
// key's value alone (unless they collided), so a service added or removed
// renumbers nothing else. Deterministic for a given sequence of keys.
class StableAllocator {
 public:
  StableAllocator() = default;
  StableAllocator(uint32_t first, uint32_t last) : first_(first), last_(last) {}
  // kNoIndex when the range is full or empty.
  uint32_t allocate(std::string_view key);
  bool reserve(uint32_t value) { return used_.insert(value).second; }
  bool contains(uint32_t value) const { return used_.count(value) != 0; }
  size_t size() const { return used_.size(); }
  uint32_t first() const { return first_; }
  uint32_t last() const { return last_; }

 private:
  uint32_t first_ = 1, last_ = 0;
  std::unordered_set<uint32_t> used_;
};

}  // namespace l2vpn::cp
