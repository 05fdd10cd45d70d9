#pragma once
// What the kernel knows, read over rtnetlink with libmnl: links, IPv4
// addresses, IPv4 routes of the main table with their (ECMP) gateways, and
// neighbors. The node re-reads it whenever the kernel announces a change
// (whoever made it: FRR's ospfd or isisd through zebra, or static routes).

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ldp/bindings.hpp"

struct mnl_socket;

namespace l2vpn::node {

struct KernelLink {
  std::string name;
  bool up = false;
  std::array<uint8_t, 6> mac{};
  uint32_t mtu = 1500;
  bool operator==(const KernelLink&) const = default;
};
struct KernelAddress {
  int ifindex = 0;
  uint32_t address = 0;
  uint8_t length = 32;
  bool operator==(const KernelAddress&) const = default;
};
struct KernelNextHop {
  uint32_t gateway = 0;  // 0: directly connected
  int ifindex = 0;
  bool operator==(const KernelNextHop&) const = default;
};
struct KernelRoute {
  ldp::Prefix prefix;
  std::vector<KernelNextHop> next_hops;
  bool operator==(const KernelRoute&) const = default;
};
struct KernelNeighbor {
  int ifindex = 0;
  uint32_t address = 0;
  std::array<uint8_t, 6> mac{};
  bool operator==(const KernelNeighbor&) const = default;
};

struct KernelView {
  std::map<int, KernelLink> links;
  std::vector<KernelAddress> addresses;
  std::vector<KernelRoute> routes;  // main table, unicast, IPv4
  std::vector<KernelNeighbor> neighbors;
  bool operator==(const KernelView&) const = default;
  std::string ifname(int ifindex) const;
};

// A whole dump; throws std::runtime_error when netlink fails.
KernelView read_kernel();

// A socket subscribed to link, address, route and neighbor changes.
class KernelMonitor {
 public:
  KernelMonitor();
  ~KernelMonitor();
  KernelMonitor(const KernelMonitor&) = delete;
  KernelMonitor& operator=(const KernelMonitor&) = delete;
  int fd() const;
  // Reads what is queued; true when anything arrived.
  bool drain();

 private:
  ::mnl_socket* nl_ = nullptr;
};

// The engine's view from the kernel's: our addresses (not 127/8), our
// loopback as the FEC we are egress for, and the /32 routes with gateways
// (FECs are the routers' loopbacks).
ldp::RoutingView routing_view(const KernelView& k, uint32_t lsr_id);

}  // namespace l2vpn::node
