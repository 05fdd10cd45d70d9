// The RFC 8029 section 4.4 responder against a small router view: every
// return code the issue names (egress, no mapping, label switched, no label
// entry, mapping not the given label), DDMAP with ECMP multipath, and the
// sanity checks (malformed, TLV not understood, T flag, reply modes).
#include <gtest/gtest.h>

#include <set>

#include "oam/responder.hpp"

namespace l2vpn::oam {
namespace {

constexpr uint32_t kP = 0x0aff0002;      // us: 10.255.0.2
constexpr uint32_t kPe1 = 0x0aff0001;    // the initiator
constexpr uint32_t kFar = 0x0aff0009;    // a FEC we transit (label 100)
constexpr uint32_t kOther = 0x0aff0007;  // a FEC we bind to label 555
constexpr uint32_t kUnknown = 0x0aff0008;

uint32_t lse(uint32_t label, uint8_t ttl, bool bos) { return label << 12 | uint32_t(bos) << 8 | ttl; }

TableView view() {
  TableView v;
  v.id = kP;
  LabelEntry transit;
  transit.kind = LabelEntry::Kind::transit;
  transit.downstreams = {Downstream{0x0aff0003, 0x0a001703, 1500, {200}, protocol::ldp},
                         Downstream{0x0aff0004, 0x0a001804, 9000, {3}, protocol::ldp}};
  v.labels = {{100, transit},
              {101, LabelEntry{LabelEntry::Kind::local, {}}},
              {300, LabelEntry{LabelEntry::Kind::pseudowire, {}}}};
  v.fecs = {{LdpPrefixFec{kFar, 32}, FecView{false, 100}},
            {LdpPrefixFec{kOther, 32}, FecView{false, 555}},
            {LdpPrefixFec{kP, 32}, FecView{true, 3}},
            {Pw128Fec{kPe1, kP, 100, 5}, FecView{true, 300}}};
  return v;
}

struct Case {
  Case(std::vector<uint32_t> s, Fec f = LdpPrefixFec{kFar, 32}) : stack(std::move(s)), fec(std::move(f)) {}
  std::vector<uint32_t> stack;
  Fec fec;
  bool ttl_expired = true;
  std::optional<Ddmap> ddmap;
  uint16_t flags = global_flags::validate_fec;
  uint8_t reply_mode = uint8_t(ReplyMode::ipv4_udp);
};

std::optional<Reply> run(const Case& c, const Bytes* raw = nullptr) {
  RequestSpec s;
  s.fecs = {c.fec};
  s.src = kPe1;
  s.src_port = 49152;
  s.sender_handle = 0xabcd;
  s.sequence = 42;
  s.ddmap = c.ddmap;
  s.flags = c.flags;
  s.reply_mode = c.reply_mode;
  const Bytes b = raw ? *raw : build_request(s);
  Received rx;
  EXPECT_EQ(parse_ipv4_udp(b, rx.ip), IpError::ok);
  rx.label_stack = c.stack;
  rx.ttl_expired = c.ttl_expired;
  rx.timestamp_seconds = 77;
  const TableView v = view();
  return respond(rx.ip.payload, rx, v);
}

void expect_rc(const std::optional<Reply>& r, ReturnCode rc, uint8_t rsc) {
  ASSERT_TRUE(r);
  EXPECT_EQ(r->packet.return_code, uint8_t(rc)) << return_code_text(r->packet.return_code);
  EXPECT_EQ(r->packet.return_subcode, rsc);
}

TEST(Responder, TransitLabelSwitched) {
  auto r = run({{lse(100, 1, true)}});
  expect_rc(r, ReturnCode::label_switched, 1);
  EXPECT_TRUE(r->packet.ddmaps.empty());  // a ping asks for no mapping
  EXPECT_EQ(r->packet.type, uint8_t(MessageType::echo_reply));
  EXPECT_EQ(r->packet.sender_handle, 0xabcdu);
  EXPECT_EQ(r->packet.sequence, 42u);
  EXPECT_EQ(r->packet.received_seconds, 77u);
  EXPECT_EQ(r->ip.src, kP);
  EXPECT_EQ(r->ip.dst, kPe1);
  EXPECT_EQ(r->ip.dst_port, 49152);
  EXPECT_EQ(r->ip.src_port, kLspPingPort);
  // The reply is a well-formed echo reply on the wire.
  ParsedIpv4Udp p;
  const Bytes wire = r->encode();
  ASSERT_EQ(parse_ipv4_udp(wire, p), IpError::ok);
  const DecodeResult d = decode(p.payload);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.packet, r->packet);
}

TEST(Responder, MappingIsNotTheGivenLabel) {
  expect_rc(run({{lse(100, 1, true)}, LdpPrefixFec{kOther, 32}}), ReturnCode::mapping_not_given_label, 1);
}

TEST(Responder, NoMappingForTheFec) {
  expect_rc(run({{lse(100, 1, true)}, LdpPrefixFec{kUnknown, 32}}), ReturnCode::no_mapping, 1);
}

TEST(Responder, NoLabelEntry) {
  expect_rc(run({{lse(999, 1, true)}}), ReturnCode::no_label_entry, 1);
  expect_rc(run({{lse(101, 1, false), lse(998, 1, true)}}), ReturnCode::no_label_entry, 2);
  expect_rc(run({{lse(1, 1, false), lse(5, 1, true)}}), ReturnCode::no_label_entry, 2);
}

TEST(Responder, EgressAfterPhpAndAfterOurOwnLabel) {
  expect_rc(run({{}, LdpPrefixFec{kP, 32}}), ReturnCode::egress, 1);
  expect_rc(run({{lse(101, 1, true)}, LdpPrefixFec{kP, 32}}), ReturnCode::egress, 1);
  // Explicit null and ELI/EL are popped before the egress checks.
  expect_rc(run({{lse(0, 1, true)}, LdpPrefixFec{kP, 32}}), ReturnCode::egress, 1);
  expect_rc(run({{lse(7, 1, false), lse(4242, 1, true)}, LdpPrefixFec{kP, 32}}), ReturnCode::egress, 1);
  // Arrived unlabelled at a router that only transits the FEC.
  expect_rc(run({{}, LdpPrefixFec{kFar, 32}}), ReturnCode::mapping_not_given_label, 0);
  expect_rc(run({{}, LdpPrefixFec{kUnknown, 32}}), ReturnCode::no_mapping, 1);
  // Without the V flag nothing is validated.
  Case c{{}, LdpPrefixFec{kUnknown, 32}};
  c.flags = 0;
  expect_rc(run(c), ReturnCode::egress, 1);
}

TEST(Responder, PseudowireEgress) {
  const Pw128Fec pw{kPe1, kP, 100, 5};
  expect_rc(run({{lse(101, 255, false), lse(300, 1, true)}, pw}), ReturnCode::egress, 1);
  expect_rc(run({{lse(300, 1, true)}, Pw128Fec{kPe1, kP, 101, 5}}), ReturnCode::no_mapping, 1);
}

TEST(Responder, TraceGetsOneDdmapPerEcmpBranchWithTheMultipathSplit) {
  Ddmap asked;
  asked.ds_address = kP;
  std::vector<uint32_t> els;
  for (uint32_t l = 5000; l < 5032; ++l) els.push_back(l);
  asked.multipath = Multipath::label_set(els);
  Case c{{lse(100, 1, false), lse(7, 1, false), lse(5000, 1, true)}};
  c.ddmap = asked;
  auto r = run(c);
  expect_rc(r, ReturnCode::label_switched, 1);
  ASSERT_EQ(r->packet.ddmaps.size(), 2u);
  const Ddmap& a = r->packet.ddmaps[0];
  const Ddmap& b = r->packet.ddmaps[1];
  EXPECT_EQ(a.ds_address, 0x0aff0003u);
  EXPECT_EQ(a.ds_interface, 0x0a001703u);
  EXPECT_EQ(a.labels, (std::vector<DsLabel>{DsLabel{200, 0, false, protocol::ldp}}));
  EXPECT_EQ(b.mtu, 9000);
  EXPECT_EQ(b.labels, (std::vector<DsLabel>{DsLabel{3, 0, false, protocol::ldp}}));
  std::set<uint32_t> seen;
  for (size_t k = 0; k < 2; ++k) {
    const auto set = r->packet.ddmaps[k].multipath->labels();
    EXPECT_FALSE(set.empty()) << "branch " << k << " reached by no entropy label";
    for (uint32_t el : set) {
      const uint32_t below[] = {7, el};
      EXPECT_EQ(view().ecmp_branch(100, below), k);
      EXPECT_TRUE(seen.insert(el).second);
    }
  }
  EXPECT_EQ(seen.size(), els.size());
}

TEST(Responder, SanityChecks) {
  // Malformed: version 2 -> return code 1, still to the sender.
  RequestSpec s;
  s.fecs = {LdpPrefixFec{kFar, 32}};
  s.src = kPe1;
  EchoPacket q = make_request(s);
  q.version = 2;
  Bytes raw;
  Ipv4Udp ip{kPe1, 0x7f000001, 3503, 3503, 1, 0, 0, true};
  build_ipv4_udp(raw, ip, encode(q));
  expect_rc(run({{lse(100, 1, true)}}, &raw), ReturnCode::malformed_request, 0);
  // A mandatory TLV not understood -> 2, with it in Errored TLVs.
  q.version = 1;
  q.other = {Tlv{99, {1, 2, 3, 4}}};
  raw.clear();
  build_ipv4_udp(raw, ip, encode(q));
  auto r = run({{lse(100, 1, true)}}, &raw);
  expect_rc(r, ReturnCode::tlv_not_understood, 0);
  EXPECT_EQ(r->packet.errored_tlvs, (Bytes{0, 99, 0, 4, 1, 2, 3, 4}));
  // An echo reply is never answered.
  q.other.clear();
  q.type = uint8_t(MessageType::echo_reply);
  raw.clear();
  build_ipv4_udp(raw, ip, encode(q));
  EXPECT_FALSE(run({{lse(100, 1, true)}}, &raw));
  // Reply mode "do not reply".
  Case c{{lse(100, 1, true)}};
  c.reply_mode = uint8_t(ReplyMode::no_reply);
  EXPECT_FALSE(run(c));
  // T flag: only when the TTL expired here.
  c = Case{{lse(100, 5, true)}};
  c.flags |= global_flags::ttl_expiry_only;
  c.ttl_expired = false;
  EXPECT_FALSE(run(c));
  c.ttl_expired = true;
  EXPECT_TRUE(run(c));
  // Router alert reply mode sets the option in the reply.
  c = Case{{lse(100, 1, true)}};
  c.reply_mode = uint8_t(ReplyMode::ipv4_udp_router_alert);
  EXPECT_TRUE(run(c)->ip.router_alert);
}

}  // namespace
}  // namespace l2vpn::oam

// Inputs fuzz/fuzz_oam.cpp once failed on (fuzz/regressions/oam/, its input
// format, selector 0): each must now be answered within bounded memory.
#include <filesystem>
#include <fstream>
#include <iterator>

namespace l2vpn::oam {
namespace {

TEST(Responder, MultipathSetNearTwoToThe32IsBounded) {
  // Base 0xffffffff once wrapped around to label 0 and made the reply's
  // set span 2^32 labels (4 Gbit mask, out of memory).
  Multipath m;
  m.type = multipath::bitmasked_label;
  m.info = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  EXPECT_TRUE(m.labels().empty());
  m.info = {0x00, 0x0f, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff};
  EXPECT_EQ(m.labels(), (std::vector<uint32_t>{0xffffe, 0xfffff}));
  EXPECT_EQ(Multipath::label_set({0, 0xfffff}).info.size(), 4u + 0x100000 / 8);  // the largest
  EXPECT_EQ(Multipath::label_set({0xfffff, 0x100000}).info.size(), 8u);
  std::vector<uint8_t> big(4 + 8192, 0xff);
  big[0] = big[1] = big[2] = big[3] = 0;
  m.info = big;
  EXPECT_EQ(m.labels().size(), kMaxMultipathLabels);
}

TEST(Responder, FuzzRegressionsAnswerInBoundedMemory) {
  const std::filesystem::path dir = "fuzz/regressions/oam";
  ASSERT_TRUE(std::filesystem::exists(dir));
  const TableView v = view();
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    const Bytes b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GE(b.size(), 2u) << e.path();
    const size_t n = b[1] % 4;
    ASSERT_GE(b.size(), 2 + 4 * n) << e.path();
    Received rx;
    for (size_t i = 0; i < n; ++i) rx.label_stack.push_back(load_be32(&b[2 + 4 * i]));
    rx.ttl_expired = true;
    rx.ip.header.src = kPe1;
    auto r = respond({b.data() + 2 + 4 * n, b.size() - 2 - 4 * n}, rx, v);
    if (r) {
      EXPECT_LT(r->encode().size(), 70000u) << e.path();
    }
  }
}

}  // namespace
}  // namespace l2vpn::oam
