#pragma once
// The seam between the LDP engine (ldp/, pure: no sockets, no DPDK) and the
// node runtime (node/: rtnetlink, sockets, timers, publishing a
// ForwardingState). The runtime feeds the engine what the kernel knows
// (routes to prefixes with their next hops, our interface addresses); the
// engine answers with what LDP knows (our label per FEC, each peer's label
// per FEC under liberal retention, each peer's interface addresses). The
// runtime joins the two: a route's next hop address -> the peer that
// advertised that address -> that peer's label for the FEC -> an NHLFE.
// Addresses are IPv4 in host byte order.

#include <cstdint>
#include <optional>
#include <vector>

namespace l2vpn::ldp {

struct Prefix {
  uint32_t address = 0;
  uint8_t length = 32;
  bool operator==(const Prefix&) const = default;
  auto operator<=>(const Prefix&) const = default;
};

// A route the kernel holds (filled by ospfd, isisd or static routes).
struct Route {
  Prefix prefix;
  std::vector<uint32_t> next_hops;  // gateway addresses; ECMP when several
  bool connected = false;           // directly attached or our own address
  bool operator==(const Route&) const = default;
};

// What the runtime tells the engine about this router.
struct RoutingView {
  uint32_t lsr_id = 0;                     // also the transport address
  std::vector<uint32_t> interface_addresses;  // advertised in Address messages
  std::vector<Prefix> local_fecs;          // FECs we are egress for (our loopback)
  std::vector<Route> routes;
  bool operator==(const RoutingView&) const = default;
};

struct PeerLabel {
  uint32_t lsr_id = 0;
  uint32_t label = 0;  // 3 = implicit null: the peer is the egress (PHP)
  bool operator==(const PeerLabel&) const = default;
};

struct FecBinding {
  Prefix fec;
  std::optional<uint32_t> local_label;  // what we advertised (3 = implicit null)
  std::vector<PeerLabel> remote;        // every peer's label, sorted by lsr_id
  bool operator==(const FecBinding&) const = default;
};

struct PeerAddresses {
  uint32_t lsr_id = 0;
  std::vector<uint32_t> addresses;  // from the peer's Address messages
  bool operator==(const PeerAddresses&) const = default;
};

// What the engine tells the runtime; a whole snapshot each time it changes.
// Only peers whose session is OPERATIONAL appear.
struct Bindings {
  std::vector<FecBinding> fecs;     // sorted by fec
  std::vector<PeerAddresses> peers; // sorted by lsr_id
  bool operator==(const Bindings&) const = default;
};

}  // namespace l2vpn::ldp
