// libFuzzer: the MPLS OAM parsers (oam/, docs/oam.md) and the responder.
// Input: [selector][bytes...]; selector % 4 picks
//   0: an MPLS echo message: byte 1 % 4 = n labels, then n 4-byte LSEs (the
//      stack it arrived with), then the UDP payload for decode() and respond();
//   1: a BFD control packet: decode(), then a session receives it;
//   2: an IPv4/UDP datagram (parse_ipv4_udp), its payload to respond();
//   3: what follows a PW label: ACH, then IPv4/UDP + respond() or raw BFD.
// Oracles besides ASan/UBSan: every message decode() accepts encodes and
// decodes back to itself; a BFD packet decode() accepts does too; every
// reply respond() makes is a well-formed echo reply in a valid IPv4/UDP
// datagram addressed to the request's source.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "oam/bfd.hpp"
#include "oam/responder.hpp"
#include "oam/vccv.hpp"

using namespace l2vpn::oam;

namespace {

const TableView& view() {
  static const TableView v = [] {
    TableView t;
    t.id = 0x0aff0002;
    LabelEntry transit;
    transit.kind = LabelEntry::Kind::transit;
    transit.downstreams = {Downstream{0x0aff0003, 0x0a001703, 1500, {200}, protocol::ldp},
                           Downstream{0x0aff0004, 0x0a001804, 1500, {3}, protocol::ldp}};
    t.labels = {{100, transit},
                {101, LabelEntry{LabelEntry::Kind::local, {}}},
                {300, LabelEntry{LabelEntry::Kind::pseudowire, {}}}};
    t.fecs = {{LdpPrefixFec{0x0aff0009, 32}, FecView{false, 100}},
              {LdpPrefixFec{0x0aff0002, 32}, FecView{true, 3}},
              {Pw128Fec{0x0aff0001, 0x0aff0002, 100, 5}, FecView{true, 300}}};
    return t;
  }();
  return v;
}

void check(bool ok) {
  if (!ok) std::abort();
}

void echo(std::span<const uint8_t> payload, Received& rx) {
  const DecodeResult d = decode(payload);
  if (d.ok()) {
    const DecodeResult again = decode(encode(d.packet));
    check(again.ok() && again.packet == d.packet);
  }
  if (auto r = respond(payload, rx, view())) {
    const Bytes wire = r->encode();
    ParsedIpv4Udp p;
    check(parse_ipv4_udp(wire, p) == IpError::ok);
    check(p.header.dst == rx.ip.header.src && p.header.dst_port == rx.ip.header.src_port);
    const DecodeResult back = decode(p.payload);
    check(back.ok() && back.packet == r->packet);
    check(back.packet.type == uint8_t(MessageType::echo_reply));
  }
}

void bfd(std::span<const uint8_t> in) {
  BfdControl p;
  if (decode(in, p) != BfdError::ok) return;
  BfdControl q;
  check(decode(encode(p), q) == BfdError::ok);
  p.length = q.length;
  check(q == p);
  BfdConfig c;
  c.my_discriminator = p.your_discriminator ? p.your_discriminator : 1;
  BfdSession s(c, 0);
  s.receive(p, 1000);
  s.tick(1'000'000'000);
  while (s.transmit(2'000'000'000)) {
  }
}

void ip(std::span<const uint8_t> in) {
  Received rx;
  if (parse_ipv4_udp(in, rx.ip) != IpError::ok) return;
  rx.label_stack = {100u << 12 | 0x100 | 1};
  rx.ttl_expired = true;
  echo(rx.ip.payload, rx);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::span<const uint8_t> in(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      Received rx;
      if (in.empty()) return 0;
      const size_t n = in[0] % 4;
      in = in.subspan(1);
      if (in.size() < 4 * n) return 0;
      for (size_t i = 0; i < n; ++i) rx.label_stack.push_back(load_be32(&in[4 * i]));
      rx.ttl_expired = n && uint8_t(rx.label_stack[0]) <= 1;
      rx.ip.header.src = 0x0aff0001;
      rx.ip.header.src_port = 3503;
      echo(in.subspan(4 * n), rx);
      break;
    }
    case 1: bfd(in); break;
    case 2: ip(in); break;
    case 3: {
      Ach ach;
      std::span<const uint8_t> payload;
      if (parse_ach(in, ach, payload) != AchError::ok) return 0;
      if (ach.channel_type == channel::bfd_raw) bfd(payload);
      else if (ach.channel_type == channel::ipv4) ip(payload);
      break;
    }
  }
  return 0;
}
