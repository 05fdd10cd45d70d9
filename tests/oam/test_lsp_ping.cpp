// RFC 8029 echo codec and the IPv4/UDP helpers: exact bytes, round trips,
// and every malformed case a responder must tell apart.
#include <gtest/gtest.h>

#include "oam/ipv4_udp.hpp"
#include "oam/lsp_ping.hpp"
#include "oam/responder.hpp"

namespace l2vpn::oam {
namespace {

Bytes hex(std::string_view s) {
  Bytes out;
  auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (size_t i = 0; i + 1 < s.size();) {
    if (s[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(uint8_t(nib(s[i]) << 4 | nib(s[i + 1])));
    i += 2;
  }
  return out;
}

EchoPacket ldp_request() {
  EchoPacket p;
  p.flags = global_flags::validate_fec;
  p.sender_handle = 0x11223344;
  p.sequence = 7;
  p.sent_seconds = 0xe0000000;
  p.sent_fraction = 0x80000000;
  p.target_fec_stack = std::vector<Fec>{LdpPrefixFec{0x0aff0003, 32}};
  return p;
}

TEST(LspPing, EncodesTheRfc8029HeaderAndLdpPrefixSubTlv) {
  const Bytes b = encode(ldp_request());
  EXPECT_EQ(b, hex("0001 0001 01 02 00 00 11223344 00000007 e0000000 80000000 00000000 00000000"
                   "0001 000c 0001 0005 0aff0003 20 000000"));
}

TEST(LspPing, EncodesFec128PseudowireAndDdmap) {
  EchoPacket p;
  p.target_fec_stack = std::vector<Fec>{Pw128Fec{0x0aff0001, 0x0aff0002, 100, 5}};
  Ddmap d;
  d.mtu = 1500;
  d.ds_address = 0x0a000001;
  d.ds_interface = 0x0a000002;
  d.multipath = Multipath::label_set({16, 18});
  d.labels = {DsLabel{1000, 0, true, protocol::ldp}};
  p.ddmaps.push_back(d);
  const Bytes b = encode(p);
  const Bytes tail(b.begin() + kEchoHeaderLen, b.end());
  EXPECT_EQ(tail, hex("0001 0014 000a 000e 0aff0001 0aff0002 00000064 0005 0000"
                      "0014 0028 05dc 01 00 0a000001 0a000002 00 00 0018"
                      "0001 000c 09 0008 00 00000010 a0000000"
                      "0002 0004 003e8103"));
}

TEST(LspPing, RoundTripsEveryTlvWeKnow) {
  EchoPacket p = ldp_request();
  p.target_fec_stack->push_back(Pw128Fec{1, 2, 3, 4});
  p.target_fec_stack->push_back(NilFec{17});
  p.target_fec_stack->push_back(UnknownSubTlv{40000, {1, 2, 3}});
  Ddmap d;
  d.mtu = 9000;
  d.ds_address = 5;
  d.ds_interface = 6;
  d.return_code = 8;
  d.return_subcode = 1;
  d.multipath = Multipath::label_set({100, 101, 140});
  d.labels = {DsLabel{16, 1, false, protocol::ldp}, DsLabel{17, 0, true, protocol::ldp}};
  d.other = {UnknownSubTlv{3, {9, 9, 9, 9, 9}}};
  p.ddmaps = {d, Ddmap{}};
  p.reply_tos = 0xb8;
  p.pad = Bytes{2, 0, 0, 0, 0};
  p.errored_tlvs = Bytes{0, 99, 0, 0};
  p.other = {Tlv{40001, {1}}};
  const DecodeResult r = decode(encode(p));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.packet, p);
  EXPECT_TRUE(r.not_understood.empty());
  EXPECT_EQ(r.packet.ddmaps[0].multipath->labels(), (std::vector<uint32_t>{100, 101, 140}));
}

TEST(LspPing, TellsTruncatedHeaderFromMalformedBody) {
  Bytes b = encode(ldp_request());
  EXPECT_EQ(decode({b.data(), 31}).status, DecodeResult::Status::truncated_header);
  Bytes bad = b;
  bad[1] = 2;  // version 2
  DecodeResult r = decode(bad);
  EXPECT_EQ(r.status, DecodeResult::Status::malformed);
  EXPECT_NE(r.error.find("version 2"), std::string::npos);
  bad = b;
  bad[35] = 0x40;  // Target FEC stack length 64 > what is left
  r = decode(bad);
  EXPECT_EQ(r.status, DecodeResult::Status::malformed);
  EXPECT_NE(r.error.find("offset 32"), std::string::npos) << r.error;
  bad = b;
  bad[39] = 6;  // LDP sub-TLV length 6
  EXPECT_EQ(decode(bad).status, DecodeResult::Status::malformed);
  bad = b;
  bad[44] = 33;  // prefix length 33
  EXPECT_EQ(decode(bad).status, DecodeResult::Status::malformed);
  // A header cut inside the handle is reported as truncated, never read past.
  EXPECT_EQ(decode({b.data(), 10}).status, DecodeResult::Status::truncated_header);
}

TEST(LspPing, KeepsMandatoryTlvsNotUnderstood) {
  EchoPacket p = ldp_request();
  p.other = {Tlv{99, {1, 2, 3, 4}}, Tlv{40000, {5}}};
  DecodeResult r = decode(encode(p));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.not_understood, hex("0063 0004 01020304"));  // only type 99: 40000 is optional
  p.other.clear();
  p.target_fec_stack->push_back(UnknownSubTlv{77, {1}});
  r = decode(encode(p));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.not_understood.size(), 4u + 12 + 8);  // the whole Target FEC stack TLV
}

TEST(LspPing, DdmapLengthsAreChecked) {
  EchoPacket p;
  Ddmap d;
  d.labels = {DsLabel{16, 0, true, 3}};
  p.ddmaps = {d};
  Bytes b = encode(p);
  Bytes bad = b;
  bad[kEchoHeaderLen + 4 + 15] += 4;  // sub-TLV length beyond the TLV
  EXPECT_EQ(decode(bad).status, DecodeResult::Status::malformed);
  bad = b;
  bad[kEchoHeaderLen + 4 + 2] = 9;  // unknown address type
  EXPECT_EQ(decode(bad).status, DecodeResult::Status::malformed);
}

TEST(Ipv4Udp, BuildsAndParsesWithChecksumsAndRouterAlert) {
  Ipv4Udp h;
  h.src = 0x0aff0001;
  h.dst = 0x7f000001;
  h.src_port = 3503;
  h.dst_port = 3503;
  h.ttl = 1;
  h.router_alert = true;
  const Bytes payload = encode(ldp_request());
  Bytes b;
  build_ipv4_udp(b, h, payload);
  ASSERT_EQ(b.size(), 24 + 8 + payload.size());
  EXPECT_EQ(b[0], 0x46);
  EXPECT_EQ(inet_checksum({b.data(), 24}), 0);
  ParsedIpv4Udp p;
  ASSERT_EQ(parse_ipv4_udp(b, p), IpError::ok);
  EXPECT_EQ(p.header, h);
  EXPECT_TRUE(std::equal(p.payload.begin(), p.payload.end(), payload.begin(), payload.end()));
  Bytes padded = b;
  padded.resize(b.size() + 6, 0);  // Ethernet padding after the IP datagram
  EXPECT_EQ(parse_ipv4_udp(padded, p), IpError::ok);
  Bytes bad = b;
  bad[40] ^= 1;
  EXPECT_EQ(parse_ipv4_udp(bad, p), IpError::bad_udp_checksum);
  bad = b;
  bad[8] = 2;
  EXPECT_EQ(parse_ipv4_udp(bad, p), IpError::bad_checksum);
  EXPECT_EQ(parse_ipv4_udp({b.data(), 30}, p), IpError::truncated);
  bad = b;
  bad[0] = 0x65;
  EXPECT_EQ(parse_ipv4_udp(bad, p), IpError::not_ipv4);
}

TEST(Ipv4Udp, ParsesAddresses) {
  uint32_t a = 0;
  EXPECT_TRUE(parse_ipv4("10.255.0.3", a));
  EXPECT_EQ(a, 0x0aff0003u);
  EXPECT_EQ(ipv4_to_string(a), "10.255.0.3");
  EXPECT_FALSE(parse_ipv4("10.255.0", a));
  EXPECT_FALSE(parse_ipv4("10.255.0.300", a));
  EXPECT_FALSE(parse_ipv4("10.255.0.3x", a));
}

TEST(LspPing, BuildRequestIsTtl1To127WithRouterAlert) {
  RequestSpec s;
  s.fecs = {LdpPrefixFec{0x0aff0003, 32}};
  s.src = 0x0aff0001;
  s.sender_handle = 1;
  s.sequence = 2;
  const Bytes b = build_request(s);
  ParsedIpv4Udp p;
  ASSERT_EQ(parse_ipv4_udp(b, p), IpError::ok);
  EXPECT_EQ(p.header.ttl, 1);
  EXPECT_EQ(p.header.dst >> 24, 127u);
  EXPECT_TRUE(p.header.router_alert);
  EXPECT_EQ(p.header.dst_port, kLspPingPort);
  const DecodeResult r = decode(p.payload);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.packet, make_request(s));
}

}  // namespace
}  // namespace l2vpn::oam
