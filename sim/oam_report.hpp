#pragma once
// LSP ping and traceroute in the emulator (issue 18, docs/oam.md): the
// scenario actions (`lsp_ping`, `lsp_trace` entries of `events:`) and what
// they found, for the report. Plain data; the agent that runs them is
// sim/oam_agent.hpp.

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/topology.hpp"

namespace l2vpn::sim {

// Limits of an action (the scenario refuses more).
inline constexpr uint32_t kMaxPingCount = 1000;
inline constexpr uint32_t kMaxTraceTtl = 64;

struct OamActionSpec {
  enum class Kind : uint8_t { ping, trace };
  Kind kind = Kind::ping;
  uint64_t at_ns = 0;
  std::string router;  // the initiator: a PE
  std::string fec;     // an LDP IPv4 prefix FEC, "10.255.0.3/32": a router's loopback
  // Ping: send along the LSP to this PE's loopback instead of the FEC's own
  // (a request whose FEC the egress does not serve: return code 4 or 10).
  std::string via;
  uint32_t count = 1;                   // ping: requests
  uint64_t interval_ns = 10'000'000;    // ping: between requests
  bool multipath = false;               // trace: every ECMP branch (RFC 8029 multipath)
  uint32_t max_ttl = 30;                // trace
  uint64_t timeout_ns = 500'000'000;    // a request without a reply by then is lost
  std::string text;                     // as given, for the report
  int line = 0;                         // the scenario line (0: not from a file)
  std::string object;                   // its entry, "events[3]" (errors name it)
};

// The action's names against the topology: "" when fine, else why not
// (unknown router, a P router, a FEC that is no router's loopback, ...).
std::string check_oam_action(const OamActionSpec& a, const cp::Topology& topo);

// "10.255.0.3" or "10.255.0.3/32" -> "10.255.0.3/32"; nullopt when not an
// IPv4 address with an optional /32.
std::optional<std::string> normalise_fec(const std::string& text);

// One reply (or a request that got none).
struct OamHop {
  uint32_t ttl = 0;          // trace: the label TTL sent; ping: the sequence number
  std::string responder;     // router name ("" when no reply)
  std::string address;       // its address (the reply's IP source)
  bool replied = false;
  uint8_t return_code = 0, return_subcode = 0;
  std::string return_text;
  std::optional<uint32_t> in_label;  // trace: the label it received (none after PHP)
  // trace: one entry per downstream it named (ECMP branches), the router
  // and the labels it pushes toward it (3: implicit null, PHP).
  struct Downstream {
    std::string router;
    std::vector<uint32_t> labels;
  };
  std::vector<Downstream> downstreams;
  double rtt_us = 0;  // virtual time, request sent to reply taken
};

struct OamPath {
  std::string out_port;               // the initiator's port
  std::vector<uint32_t> out_labels;   // what the initiator pushed (its FTN NHLFE)
  std::string first_hop;              // the router behind out_port
  std::vector<OamHop> hops;           // ttl 1, 2, ...
  bool complete = false;              // the last hop answered "egress for the FEC" (3)
  std::string end;                    // why the path ended, when not complete
  // Multipath: a branch the last hop named that no entropy label of the set
  // takes (its part of the set was empty): the fast path never sends a
  // frame of this LSP that way. Empty router: none.
  OamHop::Downstream unreached;
};

struct OamResult {
  std::string action;  // as given
  std::string kind;    // "lsp-ping" or "lsp-trace"
  double at_ms = 0;
  std::string router, fec, via;
  bool multipath = false;
  uint32_t sent = 0, received = 0;  // requests and replies
  std::vector<OamHop> replies;      // ping, one per request
  std::vector<OamPath> paths;       // trace, one per ECMP branch walked
  std::string error;                // the action could not start (no LSP to the FEC)
};

// BFD over pseudowires (RFC 5885, raw BFD on the PW's associated channel,
// VCCV CC type 1): one asynchronous session per PW end with the control
// word, both ends at `interval` x `multiplier`.
struct BfdPwOptions {
  bool enabled = false;
  uint64_t interval_ns = 10'000'000;  // desired min TX = required min RX
  uint32_t multiplier = 3;
};

struct BfdPwRow {
  std::string router, service, peer;
  uint32_t pw_id = 0;
  double interval_ms = 0;
  uint32_t multiplier = 0;
  double configured_detect_ms = 0;  // multiplier x interval
  std::string state;                // at the end: up, down, init, admin-down
  double first_up_ms = -1;
  // The first detection (Up -> Down, "control detection time expired"):
  // when, the last packet heard before, and the time between.
  double down_at_ms = -1, last_rx_ms = -1, detection_ms = -1;
  uint64_t ups = 0, downs = 0;
  // RFC 5885: a session leaving Up takes the PW down, back Up brings it
  // back. When it first went down and last came back, how often, and its
  // state at the end.
  double pw_down_ms = -1, pw_up_again_ms = -1;
  uint64_t pw_downs = 0;
  std::string pw_state = "up";
  std::string reason;  // "BFD down" once BFD took the PW down, else ""
};
// The reason a PW end BFD took down has in the emulator's view of the
// control plane's state (services[].state, the published tables), beside
// cp::pw_down's.
inline constexpr std::string_view kPwDownBfd = "bfd_down";

// "3x10=30 ms": the configured detection time as multiplier x interval.
std::string detect_text(const BfdPwRow& b);

nlohmann::ordered_json bfd_to_json(const std::vector<BfdPwRow>& rows);
std::string format_bfd(const std::vector<BfdPwRow>& rows);  // "" when none

nlohmann::ordered_json oam_to_json(const std::vector<OamResult>& results);
std::string format_oam(const std::vector<OamResult>& results);  // for a terminal ("" when none)

}  // namespace l2vpn::sim
