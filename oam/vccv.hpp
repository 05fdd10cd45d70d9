#pragma once
// The PW Associated Channel Header (RFC 4385 section 5, RFC 5586) and VCCV
// (RFC 5085): control channel type 1 puts the ACH where the control word
// goes, right below the PW label, first nibble 0001 so that it is never
// taken for a control word (0000) or an IP header. The channel type says
// what follows: IPv4 (an LSP ping or BFD with IP/UDP) or raw BFD (RFC
// 5885). Also the VCCV interface parameter sub-TLV that LDP's FEC 128
// carries (RFC 5085 section 7, RFC 4446 id 0x0c) and its negotiation.

#include <cstdint>
#include <span>

#include "oam/bfd.hpp"
#include "oam/wire.hpp"

namespace l2vpn::oam {

inline constexpr size_t kAchLen = 4;

// ACH channel types (IANA "Pseudowire Associated Channel Types").
namespace channel {
inline constexpr uint16_t bfd_raw = 0x0007;  // BFD control, no IP/UDP (RFC 5885)
inline constexpr uint16_t ipv4 = 0x0021;     // IPv4 packet (RFC 4385)
inline constexpr uint16_t ipv6 = 0x0057;
}  // namespace channel

struct Ach {
  uint8_t version = 0;
  uint16_t channel_type = channel::ipv4;
};

// True when the word below the PW label is an ACH (first nibble 0001).
inline bool is_ach(const uint8_t* p) { return (p[0] >> 4) == 1; }

// Appends the ACH and `payload`.
void build_ach(Bytes& out, uint16_t channel_type, std::span<const uint8_t> payload);

enum class AchError : uint8_t { ok, truncated, not_ach, bad_version, reserved_not_zero };
// Parses an ACH at the start of `in`; `payload` is what follows it.
AchError parse_ach(std::span<const uint8_t> in, Ach& out, std::span<const uint8_t>& payload);

// VCCV capability bits (RFC 5085 sections 7.1-7.2, RFC 5885 section 3).
namespace cc {
inline constexpr uint8_t type1_control_word = 0x01;  // PWE3 control word with 0001b (the ACH)
inline constexpr uint8_t type2_router_alert = 0x02;
inline constexpr uint8_t type3_ttl_expiry = 0x04;
}  // namespace cc
namespace cv {
inline constexpr uint8_t icmp_ping = 0x01;
inline constexpr uint8_t lsp_ping = 0x02;
inline constexpr uint8_t bfd_ip_fault = 0x04;
inline constexpr uint8_t bfd_ip_fault_status = 0x08;
inline constexpr uint8_t bfd_ach_fault = 0x10;
inline constexpr uint8_t bfd_ach_fault_status = 0x20;
}  // namespace cv

struct VccvParams {
  uint8_t cc_types = 0;
  uint8_t cv_types = 0;
  bool operator==(const VccvParams&) const = default;
};
inline constexpr uint8_t kVccvSubTlvType = 0x0c;
// The FEC 128 interface parameter sub-TLV: type 0x0c, length 4, CC, CV.
void encode_vccv_subtlv(Bytes& out, const VccvParams& p);
bool decode_vccv_subtlv(std::span<const uint8_t> in, VccvParams& out);

// What both ends can use (RFC 5085 section 7): the one CC type of highest
// precedence both advertise (type 1 first; type 1 only when the control word
// is in use) and every common CV type. cc_types 0: no VCCV.
VccvParams agree(const VccvParams& local, const VccvParams& remote, bool control_word);

// A VCCV packet below the PW label: ACH (IPv4) + IPv4/UDP + `ip_udp_payload`
// is built by the caller with build_ipv4_udp; this wraps raw BFD (RFC 5885
// CV type 0x10): ACH channel 7 + the control packet.
Bytes vccv_bfd(const BfdControl& p);

}  // namespace l2vpn::oam
