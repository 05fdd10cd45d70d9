#pragma once
// IPv4 + UDP headers for the OAM packets: LSP ping (RFC 8029: destination in
// 127/8, IP TTL 1, Router Alert option in requests), BFD (RFC 5881/5884: UDP
// 3784) and their replies. Builds with correct checksums; parses with every
// length and checksum checked.

#include <cstdint>
#include <span>
#include <string_view>

#include "oam/wire.hpp"

namespace l2vpn::oam {

inline constexpr uint8_t kIpProtoUdp = 17;
inline constexpr size_t kIpv4HeaderLen = 20;
inline constexpr size_t kRouterAlertLen = 4;  // RFC 2113 option, value 0
inline constexpr size_t kUdpHeaderLen = 8;

struct Ipv4Udp {
  uint32_t src = 0;  // host order
  uint32_t dst = 0;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint8_t ttl = 64;
  uint8_t tos = 0;
  uint16_t id = 0;
  bool router_alert = false;  // the RFC 2113 option (IHL 6)
  bool operator==(const Ipv4Udp&) const = default;
};

// Appends the IPv4 header, the UDP header and `payload` to `out`.
void build_ipv4_udp(Bytes& out, const Ipv4Udp& h, std::span<const uint8_t> payload);

enum class IpError : uint8_t {
  ok,
  truncated,          // shorter than the headers announce
  not_ipv4,           // version nibble not 4
  bad_header_length,  // IHL < 5
  bad_checksum,       // IP header checksum
  fragment,           // MF or fragment offset: OAM packets are never fragmented here
  not_udp,
  bad_udp_length,
  bad_udp_checksum,
};
std::string_view to_string(IpError e);

struct ParsedIpv4Udp {
  Ipv4Udp header;
  std::span<const uint8_t> payload;  // the UDP payload, inside the input
};
// Parses bytes starting at the IPv4 header. Trailing bytes beyond the IP
// total length (Ethernet padding) are ignored. A UDP checksum of 0 is "none".
IpError parse_ipv4_udp(std::span<const uint8_t> in, ParsedIpv4Udp& out);

// RFC 1071 one's complement sum, folded and inverted.
uint16_t inet_checksum(std::span<const uint8_t> data, uint32_t initial = 0);

}  // namespace l2vpn::oam
