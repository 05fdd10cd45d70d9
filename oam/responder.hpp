#pragma once
// The LSP ping responder: what a router answers to an MPLS echo request
// (RFC 8029 section 4.4), given what arrived (the label stack as received,
// the IP and UDP headers) and the router's own view of its ILM and FECs
// through RouterView. Pure: the dataplane punts the frame, the caller (sim
// agent, node runtime) asks here for the reply and sends it over IP.
//
// The checks, in the RFC's order:
//  1. Sanity: a malformed request gets return code 1, a request with
//     mandatory TLVs we do not understand gets 2 and the Errored TLVs TLV;
//     replies and requests whose reply mode is "do not reply" get nothing.
//  2. The T flag: answer only when the TTL expired here.
//  3. Label operations, top down (Label-stack-depth counts from 1 at the
//     top): a label not in the ILM -> 11 "no label entry at stack-depth
//     <RSC>"; a label we swap -> we are a transit LSR: with the V flag the
//     FEC at the matching FEC-stack-depth is validated (no binding -> 4,
//     a binding to another label -> 10), else 8 "label switched at
//     stack-depth <RSC>" with one DDMAP per downstream (ECMP branch) and,
//     when the request asked with a multipath label set, the subset of it
//     that reaches each branch; our own label (pop) or the PW label at the
//     bottom -> egress processing.
//  4. Egress: the bottom FEC is validated: we are its egress -> 3 "egress
//     for the FEC at stack-depth <RSC>"; we bind another label to it -> 10;
//     we know nothing of it -> 4. A request that arrives without labels
//     (PHP) is checked the same way.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "contract/ecmp_hash.hpp"
#include "oam/ipv4_udp.hpp"
#include "oam/lsp_ping.hpp"

namespace l2vpn::oam {

struct Downstream {
  uint32_t address = 0;            // the next hop's router id (host order)
  uint32_t interface_address = 0;  // its address on the link (or ours, unnumbered: 0)
  uint16_t mtu = 1500;
  std::vector<uint32_t> labels;    // pushed toward it, outermost first; {3}: implicit null (PHP)
  uint8_t protocol = protocol::ldp;
};

struct LabelEntry {
  enum class Kind : uint8_t {
    none,       // not in the ILM
    transit,    // swap toward `downstreams` (one per ECMP branch)
    local,      // our own label: pop and look below (LSP end, non-PHP)
    pseudowire, // a PW's local label: disposition here
  };
  Kind kind = Kind::none;
  std::vector<Downstream> downstreams;
};

struct FecView {
  bool egress = false;                 // we terminate this FEC (our loopback, our PW end)
  std::optional<uint32_t> local_label; // what we advertised for it (3: implicit null)
};

class RouterView {
 public:
  virtual ~RouterView() = default;
  virtual uint32_t router_id() const = 0;
  virtual LabelEntry label(uint32_t label) const = 0;
  virtual FecView fec(const Fec& fec) const = 0;
  // The ECMP branch (index into label(top).downstreams) a frame whose stack
  // below the top holds `below` (label values, top first) takes.
  virtual unsigned ecmp_branch(uint32_t top, std::span<const uint32_t> below) const {
    (void)top;
    (void)below;
    return 0;
  }
};

struct Received {
  std::vector<uint32_t> label_stack;  // LSEs as received (TTL included), top first; empty after PHP
  ParsedIpv4Udp ip;                   // the request's IP and UDP headers
  bool ttl_expired = false;           // punted because the top label's TTL ran out here
  uint32_t timestamp_seconds = 0;     // when it arrived (NTP seconds and fraction)
  uint32_t timestamp_fraction = 0;
};

struct Reply {
  EchoPacket packet;
  Ipv4Udp ip;  // where to send it: to the request's source, UDP 3503 -> its source port
  Bytes encode() const;  // IPv4 + UDP + echo reply
};

// The reply, or nothing when none is due (reply mode 1, T flag without TTL
// expiry, a reply rather than a request, a header too short to answer).
std::optional<Reply> respond(std::span<const uint8_t> udp_payload, const Received& rx,
                             const RouterView& view);

// The echo request an initiator sends. `fec`: the Target FEC stack (one
// FEC: LDP ping, or FEC 128 for a PW); `ddmap`: for traceroute (the
// initiator's own downstream, or the one a previous reply gave).
struct RequestSpec {
  std::vector<Fec> fecs;
  uint32_t sender_handle = 0;
  uint32_t sequence = 0;
  uint32_t sent_seconds = 0, sent_fraction = 0;
  uint16_t flags = global_flags::validate_fec;
  uint8_t reply_mode = uint8_t(ReplyMode::ipv4_udp);
  std::optional<Ddmap> ddmap;
  uint32_t src = 0;               // the initiator's address
  uint32_t dst = 0x7f000001;      // 127.0.0.1 (RFC 8029: 127/8)
  uint16_t src_port = kLspPingPort;
};
EchoPacket make_request(const RequestSpec& s);
// IPv4 (TTL 1, Router Alert) + UDP 3503 + the request.
Bytes build_request(const RequestSpec& s);

}  // namespace l2vpn::oam

namespace l2vpn::oam {

// A RouterView from tables (tests, the emulator's agent, the fuzz target).
// Its ECMP choice is the dataplane's: parse_label_stack's hash of the label
// values below the top (dataplane/packet.hpp) with the router's seed mixed
// in (contract/ecmp_hash.hpp, as dataplane/mpls_forward.cpp), modulo the
// branch count.
class TableView : public RouterView {
 public:
  uint32_t id = 0;
  uint32_t seed = 0;  // ecmp_seed() of the router id: view_from_state sets it
  std::vector<std::pair<uint32_t, LabelEntry>> labels;
  std::vector<std::pair<Fec, FecView>> fecs;

  uint32_t router_id() const override { return id; }
  LabelEntry label(uint32_t l) const override {
    for (const auto& [k, e] : labels)
      if (k == l) return e;
    return {};
  }
  FecView fec(const Fec& f) const override {
    for (const auto& [k, v] : fecs)
      if (k == f) return v;
    return {};
  }
  unsigned ecmp_branch(uint32_t top, std::span<const uint32_t> below) const override {
    const size_t n = label(top).downstreams.size();
    return n ? unsigned(ecmp_mix(ecmp_hash(below), seed) % n) : 0;
  }
  static uint32_t ecmp_hash(std::span<const uint32_t> below) {
    uint32_t h = 0x9e3779b9u;
    for (uint32_t l : below) {
      h ^= l;
      h *= 0x85ebca6bu;
      h ^= h >> 13;
    }
    return h;
  }
};

}  // namespace l2vpn::oam
