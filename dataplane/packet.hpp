#pragma once
// Wire codecs: Ethernet, 802.1Q/802.1ad, the MPLS label stack entry
// (RFC 3032) and the pseudowire control word (RFC 4385). Plain byte
// accessors in explicit network byte order, no bitfields; every read is
// bounds-checked by the caller-supplied length. No DPDK types here so that
// the codecs are testable on their own.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "contract/byte_order.hpp"

namespace l2vpn::dp {

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;   // 802.1Q C-tag
inline constexpr uint16_t kEtherTypeQinQ = 0x88a8;   // 802.1ad S-tag
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr uint16_t kEtherTypeMpls = 0x8847;   // MPLS unicast
inline constexpr uint16_t kEtherTypeMplsMc = 0x8848; // MPLS multicast
inline constexpr size_t kEtherHeaderLen = 14;
inline constexpr size_t kVlanTagLen = 4;
inline constexpr size_t kMplsLseLen = 4;
inline constexpr size_t kControlWordLen = 4;
inline constexpr unsigned kMaxVlanTags = 2;

using l2vpn::load_be16;
using l2vpn::load_be32;
using l2vpn::store_be16;
using l2vpn::store_be32;

// ---------------------------------------------------------------- MPLS LSE
// Label(20) | TC(3) | S(1) | TTL(8), held in host order after load_be32.
namespace lse {
inline constexpr uint32_t label(uint32_t w) { return w >> 12; }
inline constexpr uint8_t tc(uint32_t w) { return uint8_t((w >> 9) & 7); }
inline constexpr bool bos(uint32_t w) { return (w >> 8) & 1; }
inline constexpr uint8_t ttl(uint32_t w) { return uint8_t(w); }
inline constexpr uint32_t make(uint32_t label, uint8_t tc, bool bos, uint8_t ttl) {
  return (label & 0xfffff) << 12 | uint32_t(tc & 7) << 9 | uint32_t(bos) << 8 | ttl;
}
inline constexpr uint32_t with_ttl(uint32_t w, uint8_t ttl) { return (w & ~0xffu) | ttl; }
inline constexpr uint32_t with_bos(uint32_t w, bool bos) {
  return (w & ~0x100u) | uint32_t(bos) << 8;
}
}  // namespace lse

// ---------------------------------------------------------------- Ethernet
struct EthernetView {
  const uint8_t* dst = nullptr;
  const uint8_t* src = nullptr;
  uint16_t ether_type = 0;   // after any VLAN tags
  uint8_t n_tags = 0;        // 0..2 VLAN tags parsed
  uint16_t outer_tpid = 0;   // 0x8100 or 0x88a8 when n_tags > 0
  uint16_t outer_tci = 0;    // PCP(3) DEI(1) VID(12) of the outer tag
  uint16_t header_len = 0;   // 14 + 4 * n_tags
  uint16_t outer_vid() const { return outer_tci & 0x0fff; }
  uint8_t outer_pcp() const { return uint8_t(outer_tci >> 13); }
};

enum class ParseResult : uint8_t { ok, truncated, too_many_tags };

// Parses the MAC header and up to two VLAN tags (802.1ad S-tag + C-tag, or
// 802.1Q stacked). A third tag is reported, not guessed at.
inline ParseResult parse_ethernet(const uint8_t* p, size_t len, EthernetView& out) {
  if (len < kEtherHeaderLen) return ParseResult::truncated;
  out.dst = p;
  out.src = p + 6;
  out.n_tags = 0;
  out.outer_tpid = 0;
  out.outer_tci = 0;
  size_t off = 12;
  uint16_t type = load_be16(p + off);
  while (type == kEtherTypeVlan || type == kEtherTypeQinQ) {
    if (out.n_tags == kMaxVlanTags) return ParseResult::too_many_tags;
    if (len < off + 2 + kVlanTagLen) return ParseResult::truncated;
    if (out.n_tags == 0) {
      out.outer_tpid = type;
      out.outer_tci = load_be16(p + off + 2);
    }
    ++out.n_tags;
    off += kVlanTagLen;
    type = load_be16(p + off);
  }
  out.ether_type = type;
  out.header_len = uint16_t(off + 2);
  return ParseResult::ok;
}

// ---------------------------------------------------------------- label stack
struct LabelStackView {
  uint8_t depth = 0;       // number of entries up to and including S=1
  uint32_t top = 0;        // first LSE (host order)
  uint32_t below_hash = 0; // hash of the labels below the top (ECMP input)
};

enum class StackResult : uint8_t { ok, truncated, too_deep };

// Walks the stack from `p` until the S bit, at most `max_depth` entries,
// never past `len`. The ECMP hash covers the label values (not TTL/TC) below
// the top, which includes any entropy label (RFC 6790) or flow label
// (RFC 6391), so a transit LSR never needs to parse the payload.
inline StackResult parse_label_stack(const uint8_t* p, size_t len, unsigned max_depth,
                                     LabelStackView& out) {
  uint32_t h = 0x9e3779b9u;
  for (unsigned i = 0;; ++i) {
    if (i == max_depth) return StackResult::too_deep;
    if (len < (i + 1) * kMplsLseLen) return StackResult::truncated;
    uint32_t w = load_be32(p + i * kMplsLseLen);
    if (i == 0) {
      out.top = w;
    } else {
      h ^= lse::label(w);
      h *= 0x85ebca6bu;
      h ^= h >> 13;
    }
    if (lse::bos(w)) {
      out.depth = uint8_t(i + 1);
      out.below_hash = h;
      return StackResult::ok;
    }
  }
}

// ---------------------------------------------------------------- control word
// RFC 4385 generic PW control word: 0000 | flags(4) | FRG(2) | length(6) |
// sequence(16). The first nibble 0 tells it from an IP header (and from a
// PW associated channel header, nibble 1). Flags and FRG are unused by
// Ethernet PWs: RFC 4448 4.6 has them sent as zero and ignored on receipt,
// so only the first nibble decides.
namespace cw {
inline constexpr uint32_t make(uint8_t length, uint16_t seq) {
  return uint32_t(length & 0x3f) << 16 | seq;
}
inline constexpr uint8_t first_nibble(uint32_t w) { return uint8_t(w >> 28); }
inline constexpr uint8_t flags(uint32_t w) { return uint8_t((w >> 24) & 0xf); }
inline constexpr uint8_t frg(uint32_t w) { return uint8_t((w >> 22) & 3); }
inline constexpr uint8_t length(uint32_t w) { return uint8_t((w >> 16) & 0x3f); }
inline constexpr uint16_t sequence(uint32_t w) { return uint16_t(w); }
inline constexpr bool valid(uint32_t w) { return first_nibble(w) == 0; }
}  // namespace cw

}  // namespace l2vpn::dp
