#include "oam/ipv4_udp.hpp"

#include <charconv>
#include <string>

namespace l2vpn::oam {

std::string ipv4_to_string(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

bool parse_ipv4(std::string_view text, uint32_t& out) {
  uint32_t v = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 4; ++i) {
    unsigned octet = 0;
    auto r = std::from_chars(p, end, octet);
    if (r.ec != std::errc() || octet > 255 || r.ptr == p) return false;
    v = v << 8 | octet;
    p = r.ptr;
    if (i < 3) {
      if (p == end || *p != '.') return false;
      ++p;
    }
  }
  if (p != end) return false;
  out = v;
  return true;
}

static uint32_t sum16(std::span<const uint8_t> d, uint32_t s) {
  size_t i = 0;
  for (; i + 1 < d.size(); i += 2) s += uint32_t(d[i]) << 8 | d[i + 1];
  if (i < d.size()) s += uint32_t(d[i]) << 8;
  return s;
}

static uint16_t fold(uint32_t s) {
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return uint16_t(~s);
}

uint16_t inet_checksum(std::span<const uint8_t> data, uint32_t initial) {
  return fold(sum16(data, initial));
}

static uint32_t pseudo_header_sum(uint32_t src, uint32_t dst, uint16_t udp_len) {
  return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + kIpProtoUdp + udp_len;
}

void build_ipv4_udp(Bytes& out, const Ipv4Udp& h, std::span<const uint8_t> payload) {
  const size_t ihl = kIpv4HeaderLen + (h.router_alert ? kRouterAlertLen : 0);
  const size_t udp_len = kUdpHeaderLen + payload.size();
  const size_t start = out.size();
  Writer w(out);
  w.u8(uint8_t(0x40 | ihl / 4));
  w.u8(h.tos);
  w.u16(uint16_t(ihl + udp_len));
  w.u16(h.id);
  w.u16(0x4000);  // DF
  w.u8(h.ttl);
  w.u8(kIpProtoUdp);
  w.u16(0);  // checksum, below
  w.u32(h.src);
  w.u32(h.dst);
  if (h.router_alert) w.u32(0x94040000);  // copied, class 0, option 20, length 4, value 0
  store_be16(out.data() + start + 10, inet_checksum({out.data() + start, ihl}));
  const size_t udp = out.size();
  w.u16(h.src_port);
  w.u16(h.dst_port);
  w.u16(uint16_t(udp_len));
  w.u16(0);
  w.bytes(payload);
  uint16_t c = inet_checksum({out.data() + udp, udp_len}, pseudo_header_sum(h.src, h.dst, uint16_t(udp_len)));
  if (c == 0) c = 0xffff;
  store_be16(out.data() + udp + 6, c);
}

std::string_view to_string(IpError e) {
  switch (e) {
    case IpError::ok: return "ok";
    case IpError::truncated: return "truncated";
    case IpError::not_ipv4: return "not IPv4";
    case IpError::bad_header_length: return "bad IP header length";
    case IpError::bad_checksum: return "bad IP header checksum";
    case IpError::fragment: return "IP fragment";
    case IpError::not_udp: return "not UDP";
    case IpError::bad_udp_length: return "bad UDP length";
    case IpError::bad_udp_checksum: return "bad UDP checksum";
  }
  return "?";
}

IpError parse_ipv4_udp(std::span<const uint8_t> in, ParsedIpv4Udp& out) {
  if (in.size() < kIpv4HeaderLen) return IpError::truncated;
  if (in[0] >> 4 != 4) return IpError::not_ipv4;
  const size_t ihl = size_t(in[0] & 15) * 4;
  if (ihl < kIpv4HeaderLen) return IpError::bad_header_length;
  const size_t total = load_be16(&in[2]);
  if (total < ihl || in.size() < total || in.size() < ihl) return IpError::truncated;
  if (inet_checksum(in.first(ihl)) != 0) return IpError::bad_checksum;
  if (load_be16(&in[6]) & 0x3fff) return IpError::fragment;
  if (in[9] != kIpProtoUdp) return IpError::not_udp;
  Ipv4Udp& h = out.header;
  h.tos = in[1];
  h.id = load_be16(&in[4]);
  h.ttl = in[8];
  h.src = load_be32(&in[12]);
  h.dst = load_be32(&in[16]);
  h.router_alert = false;
  // Options: look for Router Alert (type 148); stop at End of List.
  for (size_t o = kIpv4HeaderLen; o < ihl;) {
    const uint8_t type = in[o];
    if (type == 0) break;
    if (type == 1) {
      ++o;
      continue;
    }
    if (o + 1 >= ihl || in[o + 1] < 2 || o + in[o + 1] > ihl) return IpError::bad_header_length;
    if (type == 148) h.router_alert = true;
    o += in[o + 1];
  }
  std::span<const uint8_t> udp = in.subspan(ihl, total - ihl);
  if (udp.size() < kUdpHeaderLen) return IpError::truncated;
  const size_t udp_len = load_be16(&udp[4]);
  if (udp_len < kUdpHeaderLen || udp_len > udp.size()) return IpError::bad_udp_length;
  h.src_port = load_be16(&udp[0]);
  h.dst_port = load_be16(&udp[2]);
  if (load_be16(&udp[6]) != 0 &&
      inet_checksum(udp.first(udp_len), pseudo_header_sum(h.src, h.dst, uint16_t(udp_len))) != 0)
    return IpError::bad_udp_checksum;
  out.payload = udp.subspan(kUdpHeaderLen, udp_len - kUdpHeaderLen);
  return IpError::ok;
}

}  // namespace l2vpn::oam
