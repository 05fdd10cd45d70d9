#pragma once
// RFC 8029 MPLS echo request and reply (LSP ping and traceroute): the
// message header, the TLVs this project uses (Target FEC Stack with the LDP
// IPv4 prefix and FEC 128 pseudowire sub-TLVs, Downstream Detailed Mapping
// with multipath, label stack and unknown sub-TLVs, Pad, Reply TOS, Errored
// TLVs) and every other TLV kept as bytes. All lengths are checked; values
// are zero-padded to 4 octets on the wire, the lengths exclude the padding
// (RFC 8029 section 3).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "oam/wire.hpp"

namespace l2vpn::oam {

inline constexpr uint16_t kLspPingPort = 3503;
inline constexpr uint16_t kLspPingVersion = 1;
inline constexpr size_t kEchoHeaderLen = 32;
inline constexpr uint32_t kMaxLabelValue = (1u << 20) - 1;
// A responder splits at most this many labels of a multipath set among its
// ECMP branches; the rest of a larger set is left out of its reply.
inline constexpr size_t kMaxMultipathLabels = 4096;

enum class MessageType : uint8_t { echo_request = 1, echo_reply = 2 };

enum class ReplyMode : uint8_t {
  no_reply = 1,
  ipv4_udp = 2,
  ipv4_udp_router_alert = 3,
  control_channel = 4,  // application level control channel (VCCV)
};

// Global Flags (RFC 8029 3, RFC 6426, RFC 6424).
namespace global_flags {
inline constexpr uint16_t validate_fec = 0x0001;    // V
inline constexpr uint16_t ttl_expiry_only = 0x0002; // T: respond only if TTL expired
inline constexpr uint16_t validate_reverse = 0x0004; // R
}  // namespace global_flags

// RFC 8029 section 3.1 return codes.
enum class ReturnCode : uint8_t {
  no_return_code = 0,
  malformed_request = 1,
  tlv_not_understood = 2,
  egress = 3,                     // replying router is an egress for the FEC at stack-depth <RSC>
  no_mapping = 4,                 // replying router has no mapping for the FEC at stack-depth <RSC>
  downstream_mismatch = 5,
  upstream_interface_unknown = 6,
  label_switched = 8,             // label switched at stack-depth <RSC>
  switched_no_forwarding = 9,
  mapping_not_given_label = 10,   // mapping for this FEC is not the given label at stack-depth <RSC>
  no_label_entry = 11,            // no label entry at stack-depth <RSC>
  protocol_not_associated = 12,
  premature_termination = 13,
  see_ddmap = 14,
  label_switched_fec_change = 15,
};
std::string_view return_code_text(uint8_t code);

// TLV types (RFC 8029 section 3 registry).
namespace tlv {
inline constexpr uint16_t target_fec_stack = 1;
inline constexpr uint16_t downstream_mapping = 2;  // deprecated by DDMAP
inline constexpr uint16_t pad = 3;
inline constexpr uint16_t vendor_enterprise = 5;
inline constexpr uint16_t interface_label_stack = 7;
inline constexpr uint16_t errored_tlvs = 9;
inline constexpr uint16_t reply_tos = 10;
inline constexpr uint16_t ddmap = 20;
// Types and sub-types below this are mandatory: not understood -> return code 2.
inline constexpr uint16_t first_optional = 32768;
}  // namespace tlv

namespace fec_subtlv {
inline constexpr uint16_t ldp_ipv4 = 1;
inline constexpr uint16_t pw128 = 10;  // "FEC 128" Pseudowire - IPv4 (current)
inline constexpr uint16_t nil = 16;
}  // namespace fec_subtlv

namespace ddmap_subtlv {
inline constexpr uint16_t multipath = 1;
inline constexpr uint16_t label_stack = 2;
inline constexpr uint16_t fec_stack_change = 3;
}  // namespace ddmap_subtlv

// Label stack sub-TLV protocol field.
namespace protocol {
inline constexpr uint8_t unknown = 0, static_ = 1, bgp = 2, ldp = 3, rsvp_te = 4;
}

// ---- Target FEC stack sub-TLVs (addresses in host order)
struct LdpPrefixFec {
  uint32_t prefix = 0;
  uint8_t length = 32;
  bool operator==(const LdpPrefixFec&) const = default;
};
struct Pw128Fec {
  uint32_t sender = 0;  // sender's PE address
  uint32_t remote = 0;  // remote PE address
  uint32_t pw_id = 0;
  uint16_t pw_type = 5;  // 5: Ethernet (RFC 4446), 4: Ethernet tagged
  bool operator==(const Pw128Fec&) const = default;
};
struct NilFec {
  uint32_t label = 0;
  bool operator==(const NilFec&) const = default;
};
struct UnknownSubTlv {
  uint16_t type = 0;
  Bytes value;
  bool operator==(const UnknownSubTlv&) const = default;
};
using Fec = std::variant<LdpPrefixFec, Pw128Fec, NilFec, UnknownSubTlv>;
std::string to_string(const Fec& fec);

// ---- Downstream Detailed Mapping (RFC 8029 section 3.4)
namespace address_type {
inline constexpr uint8_t ipv4_numbered = 1, ipv4_unnumbered = 2, ipv6_numbered = 3,
                         ipv6_unnumbered = 4, non_ip = 5;
}
namespace ds_flags {
inline constexpr uint8_t interface_request = 0x01;  // I
inline constexpr uint8_t non_ip = 0x02;             // N
}

// Multipath types (RFC 8029 section 3.4.1.1).
namespace multipath {
inline constexpr uint8_t none = 0, ip_address = 2, ip_range = 4, bitmasked_ip = 8,
                         bitmasked_label = 9;
}

struct Multipath {
  uint8_t type = multipath::none;
  Bytes info;
  bool operator==(const Multipath&) const = default;
  // Type 9, bit-masked label set: a 32-bit base label value, then a mask in
  // which bit i (most significant first) stands for label base + i. This
  // project's ECMP hashes the labels below the top (the entropy label of
  // RFC 6790), so this is the type a trace walks ECMP branches with.
  // Labels are taken modulo 2^20; the mask spans the lowest to the highest.
  static Multipath label_set(const std::vector<uint32_t>& labels);
  // Type 9 only (empty otherwise): the labels in the set, in increasing
  // order, at most `max` of them; bits naming values above 2^20 - 1 are
  // ignored (fuzz: a base near 2^32 once wrapped around into a 4 Gbit mask).
  std::vector<uint32_t> labels(size_t max = kMaxMultipathLabels) const;
};

struct DsLabel {
  uint32_t label = 0;
  uint8_t tc = 0;
  bool bos = false;
  uint8_t protocol = protocol::ldp;
  bool operator==(const DsLabel&) const = default;
};

struct Ddmap {
  uint16_t mtu = 0;
  uint8_t addr_type = address_type::ipv4_numbered;
  uint8_t flags = 0;
  // IPv4 numbered: the downstream router's address and its interface
  // address; unnumbered: its router id and interface index. Types 3, 4 and
  // 5 are kept as bytes (`addresses`).
  uint32_t ds_address = 0;
  uint32_t ds_interface = 0;
  Bytes addresses;  // only for address types other than 1 and 2
  uint8_t return_code = 0;
  uint8_t return_subcode = 0;
  std::optional<Multipath> multipath;
  std::vector<DsLabel> labels;
  std::vector<UnknownSubTlv> other;  // FEC stack change and unknown sub-TLVs, in order
  bool operator==(const Ddmap&) const = default;
};

struct Tlv {
  uint16_t type = 0;
  Bytes value;
  bool operator==(const Tlv&) const = default;
};

struct EchoPacket {
  uint16_t version = kLspPingVersion;
  uint16_t flags = 0;  // global flags
  uint8_t type = uint8_t(MessageType::echo_request);
  uint8_t reply_mode = uint8_t(ReplyMode::ipv4_udp);
  uint8_t return_code = 0;
  uint8_t return_subcode = 0;
  uint32_t sender_handle = 0;
  uint32_t sequence = 0;
  uint32_t sent_seconds = 0, sent_fraction = 0;  // NTP format
  uint32_t received_seconds = 0, received_fraction = 0;

  std::optional<std::vector<Fec>> target_fec_stack;  // outermost FEC first
  std::vector<Ddmap> ddmaps;
  std::optional<uint8_t> reply_tos;
  std::optional<Bytes> pad;           // the Pad TLV's value (first octet: 1 drop, 2 copy)
  std::optional<Bytes> errored_tlvs;  // value of the Errored TLVs TLV (whole TLVs)
  std::vector<Tlv> other;             // every other TLV, in order
  bool operator==(const EchoPacket&) const = default;

  bool is_request() const { return type == uint8_t(MessageType::echo_request); }
};

// Encodes the header and TLVs (Target FEC stack, DDMAPs, Reply TOS, Pad,
// Errored TLVs, then `other`).
Bytes encode(const EchoPacket& p);

struct DecodeResult {
  enum class Status : uint8_t {
    ok,
    truncated_header,  // fewer than 32 octets: nothing to answer with
    malformed,         // header read (handle, sequence usable), body not: return code 1
  };
  Status status = Status::ok;
  std::string error;  // names the field and offset when not ok
  EchoPacket packet;
  // Mandatory TLVs (and TLVs with mandatory sub-TLVs) not understood, as
  // they were on the wire: a responder returns code 2 with these.
  Bytes not_understood;
  bool ok() const { return status == Status::ok; }
};
DecodeResult decode(std::span<const uint8_t> in);

}  // namespace l2vpn::oam
