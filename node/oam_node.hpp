#pragma once
// MPLS OAM in `l2vpn node` (RFC 8029 LSP ping and traceroute, docs/oam.md
// "In `l2vpn node`").
//
// Responder: the fast path punts (dataplane/oam_punt.cpp: counted, rate
// limited per worker) labelled frames whose TTL expires here, stacks that
// end here, and echo requests to 127/8 arriving unlabelled after PHP; a
// thread of its own drains them, answers with oam::respond() against a view
// of the node's ForwardingState (oam::view_from_state, with the LDP
// neighbour behind each port and our local label of each FEC), and sends
// the reply over IP through the kernel: a UDP socket on port 3503, from our
// LSR id to the request's source address and port.
//
// Initiators (control socket `ping mpls ldp PREFIX/LEN ...`,
// `traceroute mpls ldp PREFIX/LEN ...`): the request is what RFC 8029 asks
// (IPv4 to 127.0.0.1, TTL 1, Router Alert, UDP 3503, Target FEC Stack with
// the LDP IPv4 prefix, a DDMAP for a trace), under the FTN's labels (TTL 255
// for ping, 1, 2, ... for trace; ELI + entropy label with multipath), sent
// out of the FTN's port by the fast path; replies come back over IP to the
// same UDP 3503 socket. Each request runs on a thread of its own, so the
// LDP loop never waits for it.

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "contract/forwarding_state.hpp"
#include "contract/result.hpp"
#include "dataplane/oam_punt.hpp"
#include "oam/lsp_ping.hpp"

namespace l2vpn::node {

class FastPath;

struct OamNodeOptions {
  std::string router;
  uint32_t lsr_id = 0;
  // Every router's loopback by name (PW peers for the FEC 128 view; names in
  // the initiators' output).
  std::map<std::string, uint32_t> loopback_by_router;
  dp::OamPuntConfig punt{true, 100, 32, 1024};
  uint16_t port = oam::kLspPingPort;  // the UDP port replies are sent from and read on
};

// What the OAM side counts (`show oam`, metrics).
struct OamNodeCounters {
  uint64_t requests_in = 0;        // echo requests punted to us
  uint64_t replies_out = 0;        // echo replies sent
  uint64_t malformed = 0;          // punted frames not a readable IPv4/UDP echo message, or malformed (rc 1)
  uint64_t no_reply = 0;           // requests the RFC says not to answer (reply mode 1, T flag, ...)
  uint64_t send_errors = 0;        // replies the kernel would not send
  uint64_t replies_in = 0;         // replies to our own requests
  uint64_t replies_unmatched = 0;  // replies to nothing outstanding (late, or not ours)
  uint64_t requests_out = 0;       // requests the initiators sent
};

class OamNode {
 public:
  // Turns the fast path's punt on and starts the thread. Error: the UDP
  // port is taken, the punt cannot start.
  static Result<std::unique_ptr<OamNode>> start(FastPath& fast, const OamNodeOptions& o);
  ~OamNode();
  OamNode(const OamNode&) = delete;
  OamNode& operator=(const OamNode&) = delete;

  // The LDP loop's thread: the state published to the fast path; the LDP
  // neighbour (LSR id) on each core port and our local label of each FEC.
  void set_state(const ForwardingState& state);
  void set_ldp(std::map<std::string, uint32_t> neighbour_by_port,
               std::map<uint32_t, oam::LdpPrefixFec> fec_by_label);
  // The control socket's `ping mpls ...` / `traceroute mpls ...`: takes the
  // connection (answers on a thread, closes it); false for other requests.
  bool take(int fd, const std::string& request);
  // `show oam [json]` and `metrics` (what follows the others'); "" otherwise.
  std::string answer(const std::string& request) const;
  OamNodeCounters counters() const;

  struct Impl;

 private:
  explicit OamNode(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The control-socket request line of `ctl --node S ping|traceroute ...`
// parsed: "ping mpls ldp PREFIX/LEN [count N] [timeout MS] [interval MS]
// [json]", "traceroute mpls ldp PREFIX/LEN [multipath] [max-ttl N]
// [timeout MS] [json]". Error names the word it did not take.
struct OamRequest {
  bool trace = false;
  oam::LdpPrefixFec fec;
  std::string fec_text;
  uint32_t count = 5;
  uint32_t timeout_ms = 2000;
  uint32_t interval_ms = 0;
  uint32_t max_ttl = 30;
  bool multipath = false;
  bool json = false;
};
Result<OamRequest> parse_oam_request(const std::string& line);

// The text of a ping's or traceroute's JSON answer, in the style of a
// router's `ping mpls` / `traceroute mpls` (`ctl` prints it).
std::string format_oam(const nlohmann::json& answer);

}  // namespace l2vpn::node
