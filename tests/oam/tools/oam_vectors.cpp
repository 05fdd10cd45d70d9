// oam_vectors: the OAM packets we build, as pcap, for tshark and scapy
// (tests/oam/oam_wire_check.sh), and our responder's answers to requests
// someone else built.
//   oam_vectors write DIR             DIR/ours.pcap: one frame of each kind
//   oam_vectors seeds DIR             the seed corpus of fuzz/fuzz_oam.cpp
//   oam_vectors respond IN.pcap OUT.pcap
//       answers every echo request in IN as router 10.255.0.2 of the view
//       below would; prints "frame N rc R rsc S" (or "frame N no reply",
//       "frame N not an echo request: why") and writes the replies to OUT.
// The view: label 100 transit (ECMP to 10.255.0.3 label 200 and 10.255.0.4
// implicit null), 101 our own label, 300 the PW (FEC 128 10.255.0.1 ->
// 10.255.0.2, PW id 100); FEC 10.255.0.9/32 bound to 100, 10.255.0.7/32 to
// 555, 10.255.0.2/32 ours.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "oam/bfd.hpp"
#include "oam/responder.hpp"
#include "oam/vccv.hpp"

using namespace l2vpn::oam;

namespace {

constexpr uint32_t kPe1 = 0x0aff0001, kP = 0x0aff0002;

uint32_t lse(uint32_t label, uint8_t ttl, bool bos) { return label << 12 | uint32_t(bos) << 8 | ttl; }

Bytes ether(uint16_t type, const std::vector<uint32_t>& stack) {
  Bytes f = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
  Writer w(f);
  w.u16(type);
  for (uint32_t l : stack) w.u32(l);
  return f;
}

void append(Bytes& a, const Bytes& b) { a.insert(a.end(), b.begin(), b.end()); }

struct Pcap {
  std::ofstream out;
  explicit Pcap(const std::string& path) : out(path, std::ios::binary) {
    const uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
    out.write(reinterpret_cast<const char*>(hdr), sizeof hdr);
  }
  void write(const Bytes& f) {
    const uint32_t rec[4] = {0, 0, uint32_t(f.size()), uint32_t(f.size())};
    out.write(reinterpret_cast<const char*>(rec), sizeof rec);
    out.write(reinterpret_cast<const char*>(f.data()), std::streamsize(f.size()));
  }
};

bool read_pcap(const std::string& path, std::vector<Bytes>& frames) {
  std::ifstream in(path, std::ios::binary);
  uint32_t hdr[6];
  if (!in.read(reinterpret_cast<char*>(hdr), sizeof hdr) || hdr[0] != 0xa1b2c3d4) return false;
  uint32_t rec[4];
  while (in.read(reinterpret_cast<char*>(rec), sizeof rec)) {
    Bytes f(rec[2]);
    if (!in.read(reinterpret_cast<char*>(f.data()), rec[2])) return false;
    frames.push_back(std::move(f));
  }
  return true;
}

TableView view() {
  TableView v;
  v.id = kP;
  LabelEntry transit;
  transit.kind = LabelEntry::Kind::transit;
  transit.downstreams = {Downstream{0x0aff0003, 0x0a001703, 1500, {200}, protocol::ldp},
                         Downstream{0x0aff0004, 0x0a001804, 1500, {3}, protocol::ldp}};
  v.labels = {{100, transit},
              {101, LabelEntry{LabelEntry::Kind::local, {}}},
              {300, LabelEntry{LabelEntry::Kind::pseudowire, {}}}};
  v.fecs = {{LdpPrefixFec{0x0aff0009, 32}, FecView{false, 100}},
            {LdpPrefixFec{0x0aff0007, 32}, FecView{false, 555}},
            {LdpPrefixFec{kP, 32}, FecView{true, 3}},
            {Pw128Fec{kPe1, kP, 100, 5}, FecView{true, 300}}};
  return v;
}

RequestSpec ldp_spec(uint32_t fec, uint32_t seq) {
  RequestSpec s;
  s.fecs = {LdpPrefixFec{fec, 32}};
  s.src = kPe1;
  s.src_port = 49152;
  s.sender_handle = 0x11223344;
  s.sequence = seq;
  s.sent_seconds = 0xe9000000;
  s.sent_fraction = 0x40000000;
  return s;
}

Bytes reply_frame(const Reply& r) {
  Bytes f = ether(0x0800, {});
  append(f, r.encode());
  return f;
}

int write(const std::string& dir) {
  Pcap pcap(dir + "/ours.pcap");
  // 1. LSP ping for 10.255.0.9/32 under label 100 (TTL 1: a trace's first hop).
  Bytes f = ether(0x8847, {lse(100, 1, true)});
  append(f, build_request(ldp_spec(0x0aff0009, 1)));
  pcap.write(f);
  // 2. Traceroute probe: DDMAP with a multipath label set, ELI + entropy label.
  RequestSpec t = ldp_spec(0x0aff0009, 2);
  Ddmap d;
  d.mtu = 1500;
  d.ds_address = kP;
  d.ds_interface = 0x0a001202;
  d.multipath = Multipath::label_set({5000, 5001, 5002, 5003, 5004, 5005, 5006, 5007});
  d.labels = {DsLabel{100, 0, true, protocol::ldp}};
  t.ddmap = d;
  const Bytes trace = build_request(t);
  f = ether(0x8847, {lse(100, 1, false), lse(7, 1, false), lse(5000, 1, true)});
  append(f, trace);
  pcap.write(f);
  // 3. PW ping over VCCV type 1: LSP label, PW label, ACH (IPv4), request.
  RequestSpec pw;
  pw.fecs = {Pw128Fec{kPe1, kP, 100, 5}};
  pw.src = kPe1;
  pw.sender_handle = 9;
  pw.sequence = 3;
  pw.reply_mode = uint8_t(ReplyMode::ipv4_udp);
  f = ether(0x8847, {lse(101, 255, false), lse(300, 1, true)});
  build_ach(f, channel::ipv4, build_request(pw));
  pcap.write(f);
  // 4. and 5. The responder's replies to 2 (label switched, two DDMAPs) and 3 (egress).
  const TableView v = view();
  for (auto [stack, bytes] : {std::pair{std::vector<uint32_t>{lse(100, 1, false), lse(7, 1, false), lse(5000, 1, true)}, trace},
                              std::pair{std::vector<uint32_t>{lse(101, 255, false), lse(300, 1, true)}, build_request(pw)}}) {
    Received rx;
    if (parse_ipv4_udp(bytes, rx.ip) != IpError::ok) return 1;
    rx.label_stack = stack;
    rx.ttl_expired = true;
    auto r = respond(rx.ip.payload, rx, v);
    if (!r) return 1;
    pcap.write(reply_frame(*r));
  }
  // 6. BFD for an LSP (RFC 5884): under the LSP label, IP to 127/8, UDP 3784.
  BfdControl b;
  b.state = BfdState::up;
  b.my_discriminator = 0x1001;
  b.your_discriminator = 0x2002;
  b.desired_min_tx_us = 10000;
  b.required_min_rx_us = 10000;
  Ipv4Udp ip;
  ip.src = kPe1;
  ip.dst = 0x7f000001;
  ip.src_port = 49153;
  ip.dst_port = kBfdLspPort;
  ip.ttl = 1;
  f = ether(0x8847, {lse(100, 255, true)});
  build_ipv4_udp(f, ip, encode(b));
  pcap.write(f);
  // 7. BFD over a PW, VCCV CV type 0x10: ACH channel 7, no IP/UDP (RFC 5885).
  f = ether(0x8847, {lse(101, 255, false), lse(300, 255, true)});
  append(f, vccv_bfd(b));
  pcap.write(f);
  // 8. BFD over a PW with IP/UDP (CV type 0x04): ACH channel 0x21.
  f = ether(0x8847, {lse(101, 255, false), lse(300, 255, true)});
  Bytes inner;
  build_ipv4_udp(inner, ip, encode(b));
  build_ach(f, channel::ipv4, inner);
  pcap.write(f);
  // 9. The reply to a trace probe without multipath: DDMAPs with labels only.
  t.ddmap->multipath.reset();
  Received rx;
  const Bytes plain = build_request(t);
  if (parse_ipv4_udp(plain, rx.ip) != IpError::ok) return 1;
  rx.label_stack = {lse(100, 1, true)};
  auto r = respond(rx.ip.payload, rx, v);
  if (!r) return 1;
  pcap.write(reply_frame(*r));
  return 0;
}

// Seed corpus of fuzz/fuzz_oam.cpp (its input format): one file per kind.
int seeds(const std::string& dir) {
  auto put = [&](const std::string& name, uint8_t selector, const Bytes& body) {
    std::ofstream out(dir + "/" + name, std::ios::binary);
    out.put(char(selector));
    out.write(reinterpret_cast<const char*>(body.data()), std::streamsize(body.size()));
  };
  auto udp_payload = [](const Bytes& ip_udp) {
    ParsedIpv4Udp p;
    parse_ipv4_udp(ip_udp, p);
    return Bytes(p.payload.begin(), p.payload.end());
  };
  auto with_stack = [](std::vector<uint32_t> stack, const Bytes& payload) {
    Bytes b{uint8_t(stack.size())};
    Writer w(b);
    for (uint32_t l : stack) w.u32(l);
    w.bytes(payload);
    return b;
  };
  put("echo_ldp_transit", 0, with_stack({lse(100, 1, true)}, udp_payload(build_request(ldp_spec(0x0aff0009, 1)))));
  put("echo_ldp_egress_php", 0, with_stack({}, udp_payload(build_request(ldp_spec(kP, 2)))));
  RequestSpec t = ldp_spec(0x0aff0009, 3);
  Ddmap d;
  d.mtu = 1500;
  d.ds_address = kP;
  d.multipath = Multipath::label_set({5000, 5003, 5031});
  d.labels = {DsLabel{100, 0, true, protocol::ldp}};
  t.ddmap = d;
  put("echo_trace_multipath", 0,
      with_stack({lse(100, 1, false), lse(7, 1, false), lse(5000, 1, true)}, udp_payload(build_request(t))));
  RequestSpec pw;
  pw.fecs = {Pw128Fec{kPe1, kP, 100, 5}};
  pw.src = kPe1;
  put("echo_pw", 0, with_stack({lse(101, 255, false), lse(300, 1, true)}, udp_payload(build_request(pw))));
  EchoPacket odd = make_request(ldp_spec(0x0aff0009, 4));
  odd.other = {Tlv{99, {1, 2, 3, 4}}, Tlv{40000, {5}}};
  odd.pad = Bytes{2, 0, 0};
  odd.reply_tos = 0xb8;
  put("echo_unknown_tlvs_pad_tos", 0, with_stack({lse(100, 1, true)}, encode(odd)));
  put("ip_request", 2, build_request(ldp_spec(kP, 5)));
  BfdControl b;
  b.state = BfdState::init;
  b.poll = true;
  b.my_discriminator = 0x1001;
  b.your_discriminator = 1;
  b.desired_min_tx_us = 10000;
  b.required_min_rx_us = 10000;
  put("bfd_init_poll", 1, encode(b));
  put("ach_bfd_raw", 3, vccv_bfd(b));
  Bytes ach;
  build_ach(ach, channel::ipv4, build_request(pw));
  put("ach_ip_request", 3, ach);
  return 0;
}

int respond_all(const std::string& in, const std::string& out) {
  std::vector<Bytes> frames;
  if (!read_pcap(in, frames)) {
    std::cerr << in << ": not a pcap file (little-endian, microseconds)\n";
    return 2;
  }
  Pcap pcap(out);
  const TableView v = view();
  for (size_t n = 0; n < frames.size(); ++n) {
    const Bytes& f = frames[n];
    std::printf("frame %zu ", n + 1);
    if (f.size() < 14) {
      std::printf("not an echo request: runt\n");
      continue;
    }
    Received rx;
    size_t off = 14;
    const uint16_t type = load_be16(&f[12]);
    if (type == 0x8847) {
      for (;;) {
        if (off + 4 > f.size()) break;
        const uint32_t w = load_be32(&f[off]);
        rx.label_stack.push_back(w);
        off += 4;
        if ((w >> 8) & 1) break;
      }
      rx.ttl_expired = !rx.label_stack.empty() && uint8_t(rx.label_stack[0]) <= 1;
      Ach ach;
      std::span<const uint8_t> payload;
      if (off < f.size() && parse_ach({f.data() + off, f.size() - off}, ach, payload) == AchError::ok)
        off += kAchLen;
    } else if (type != 0x0800) {
      std::printf("not an echo request: ethertype %04x\n", type);
      continue;
    }
    const IpError e = parse_ipv4_udp({f.data() + off, f.size() - off}, rx.ip);
    if (e != IpError::ok || rx.ip.header.dst_port != kLspPingPort) {
      std::printf("not an echo request: %s\n", e != IpError::ok ? std::string(to_string(e)).c_str() : "not UDP 3503");
      continue;
    }
    auto r = respond(rx.ip.payload, rx, v);
    if (!r) {
      std::printf("no reply\n");
      continue;
    }
    std::printf("rc %u rsc %u ddmaps %zu\n", r->packet.return_code, r->packet.return_subcode,
                r->packet.ddmaps.size());
    pcap.write(reply_frame(*r));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "write") == 0) return write(argv[2]);
  if (argc == 3 && std::strcmp(argv[1], "seeds") == 0) return seeds(argv[2]);
  if (argc == 4 && std::strcmp(argv[1], "respond") == 0) return respond_all(argv[2], argv[3]);
  std::cerr << "usage: oam_vectors write DIR | seeds DIR | respond IN.pcap OUT.pcap\n";
  return 2;
}
