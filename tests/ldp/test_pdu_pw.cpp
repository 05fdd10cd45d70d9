// The codec's pseudowire part (RFC 4447 / RFC 8077): the PWid FEC element
// (FEC 128) with its interface parameters, the PW Status TLV, the group and
// typed wildcards; each kind of bad input names the status code RFC 5036 /
// RFC 4447 give it and never ends in anything but a Problem.
#include <gtest/gtest.h>

#include "ldp/pdu.hpp"
#include "hex.hpp"

using namespace l2vpn::ldp;

namespace {

using test::hex;

PwidFec pw(uint32_t id, uint16_t mtu, bool cw = false) {
  PwidFec p;
  p.pw_id = id;
  p.mtu = mtu;
  p.control_word = cw;
  return p;
}

Message pw_msg(uint16_t type, PwidFec p, std::optional<uint32_t> label) {
  Message m;
  m.type = type;
  m.id = 11;
  m.fecs = {FecElement::of(std::move(p))};
  m.label = label;
  return m;
}

// A Label Mapping of PW 100 (Ethernet, C bit set, MTU 1500) with label 17
// and PW status "forwarding", laid out by hand from RFC 4447 5.2 / 5.4.3 the
// way FRR's ldpd (labelmapping.c) writes it: FEC, Generic Label, PW Status.
const char* kMapping =
    "0001 0032 02020202 0000"  // PDU: length 50, LDP id 2.2.2.2:0
    "0400 0028 0000000b"       // Label Mapping, length 40, id 11
    "0100 0010 80 8005 08 00000000 00000064 01 04 05dc"  // FEC 128: C, type 5, info 8
    "0200 0004 00000011"       // label 17
    "896a 0004 00000000";      // PW status (U bit set, RFC 4447 5.4.2): forwarding

}  // namespace

TEST(LdpPduPw, MappingBytesMatchTheRfcLayout) {
  auto b = hex(kMapping);
  auto d = decode(b);
  ASSERT_FALSE(d.fatal) << d.fatal->what;
  ASSERT_TRUE(d.problems.empty()) << d.problems[0].what;
  ASSERT_EQ(d.pdu.messages.size(), 1u);
  const auto& m = d.pdu.messages[0];
  ASSERT_EQ(m.fecs.size(), 1u);
  ASSERT_EQ(m.fecs[0].kind, FecElement::Kind::Pwid);
  const auto& p = m.fecs[0].pw;
  EXPECT_TRUE(p.control_word);
  EXPECT_EQ(p.pw_type, pw_type::Ethernet);
  EXPECT_EQ(p.group_id, 0u);
  EXPECT_EQ(p.pw_id, 100u);
  EXPECT_EQ(p.mtu, 1500);
  EXPECT_EQ(m.label, 17u);
  EXPECT_EQ(m.pw_status, pw_status::Forwarding);
  EXPECT_EQ(encode(d.pdu), b);
}

TEST(LdpPduPw, EveryPwMessageRoundTrips) {
  PwidFec full = pw(7, 9000, true);
  full.pw_type = pw_type::EthernetTagged;
  full.group_id = 3;
  full.requested_vlan = 100;
  full.description = "dc1 to dc2";
  full.vccv_cc = 0x02;
  full.vccv_cv = 0x02;
  Message map = pw_msg(msg::LabelMapping, full, 20);
  map.pw_status = pw_status::NotForwarding | pw_status::AcRxFault;
  Message wd = pw_msg(msg::LabelWithdraw, pw(7, 9000), 20);
  wd.status = Status{status::WrongCBit, 5, msg::LabelMapping};
  PwidFec group;  // a group wildcard: no PW id, no parameters
  group.group_id = 3;
  Message gwd = pw_msg(msg::LabelWithdraw, group, std::nullopt);
  Message rel = pw_msg(msg::LabelRelease, pw(7, 9000), 20);
  Message req = pw_msg(msg::LabelRequest, pw(7, 9000), std::nullopt);
  Message twd;
  twd.type = msg::LabelWithdraw;
  twd.id = 12;
  twd.fecs = {FecElement::typed_wildcard_pw(), FecElement::typed_wildcard_pw(pw_type::Ethernet)};
  Message notif;
  notif.type = msg::Notification;
  notif.id = 13;
  notif.status = Status{status::PwStatus, 0, 0};
  notif.pw_status = pw_status::NotForwarding;
  PwidFec bare;
  bare.pw_id = 7;
  notif.fecs = {FecElement::of(bare)};
  Pdu pdu{0x01010101, 0, {map, wd, gwd, rel, req, twd, notif}};
  auto d = decode(encode(pdu));
  ASSERT_FALSE(d.fatal) << d.fatal->what;
  ASSERT_TRUE(d.problems.empty()) << d.problems[0].what;
  EXPECT_EQ(d.pdu, pdu);
}

TEST(LdpPduPw, TypedWildcardOfPwidBytes) {
  // RFC 6667: typed wildcard (0x05) of FEC type 0x80, length 2, PW type
  // 0x7fff (any); the reserved top bit is ignored on receipt.
  Message twd;
  twd.type = msg::LabelWithdraw;
  twd.id = 1;
  twd.fecs = {FecElement::typed_wildcard_pw()};
  auto b = encode(Pdu{1, 0, {twd}});
  auto fec = std::vector<uint8_t>(b.begin() + 18, b.end());
  EXPECT_EQ(fec, hex("0100 0005 05 80 02 7fff"));
  b.back() = 0x05;
  b[b.size() - 2] = 0x80;  // reserved bit set, PW type 5
  auto d = decode(b);
  ASSERT_FALSE(d.fatal);
  EXPECT_EQ(d.pdu.messages.at(0).fecs.at(0).typed_pw_type, pw_type::Ethernet);
}

TEST(LdpPduPw, UnknownPwTypeIsAnUnknownFec) {
  auto b = hex(kMapping);
  b[24] = 0x01;  // PW type 1: Frame Relay DLCI, not ours
  auto d = decode(b);
  ASSERT_FALSE(d.fatal);
  EXPECT_TRUE(d.pdu.messages.empty());
  ASSERT_EQ(d.problems.size(), 1u);
  EXPECT_EQ(d.problems[0].status, status::UnknownFec);
  EXPECT_EQ(d.problems[0].message_id, 11u);
}

TEST(LdpPduPw, MissingMtuOrPwIdIsMissingParameters) {
  PwidFec no_mtu = pw(5, 0);
  no_mtu.mtu.reset();
  auto d = decode(encode(Pdu{1, 0, {pw_msg(msg::LabelMapping, no_mtu, 20)}}));
  ASSERT_FALSE(d.fatal);
  ASSERT_EQ(d.problems.size(), 1u);
  EXPECT_EQ(d.problems[0].status, status::MissingMessageParams);
  EXPECT_NE(d.problems[0].what.find("MTU"), std::string::npos);
  PwidFec group;
  d = decode(encode(Pdu{1, 0, {pw_msg(msg::LabelMapping, group, 20)}}));
  ASSERT_EQ(d.problems.size(), 1u);
  EXPECT_EQ(d.problems[0].status, status::MissingMessageParams);
  Message notif;  // a PW status notification without the PW Status TLV
  notif.type = msg::Notification;
  notif.status = Status{status::PwStatus, 0, 0};
  notif.fecs = {FecElement::of(pw(5, 1500))};
  d = decode(encode(Pdu{1, 0, {notif}}));
  ASSERT_EQ(d.problems.size(), 1u);
  EXPECT_EQ(d.problems[0].status, status::MissingMessageParams);
}

TEST(LdpPduPw, LengthsThatLieAreFatal) {
  auto base = hex(kMapping);
  // byte offsets: FEC TLV at 18, element at 22: 80 | 8005 | info(25) | group | id | mtu
  auto info_long = base;
  info_long[25] = 0x20;  // PW info past the FEC TLV
  EXPECT_EQ(decode(info_long).fatal->status, status::BadTlvLength);
  auto info_short = base;
  info_short[25] = 0x02;  // not even a PW id
  EXPECT_EQ(decode(info_short).fatal->status, status::BadTlvLength);
  auto sub_long = base;
  sub_long[35] = 0x09;  // MTU sub-TLV says 9 bytes, 4 remain
  EXPECT_EQ(decode(sub_long).fatal->status, status::BadTlvLength);
  auto sub_zero = base;
  sub_zero[35] = 0x00;  // a sub-TLV shorter than its own header
  EXPECT_EQ(decode(sub_zero).fatal->status, status::BadTlvLength);
  auto mtu_len = base;  // MTU sub-TLV of length 3 (+1 byte elsewhere is not needed)
  mtu_len[35] = 0x03;
  EXPECT_EQ(decode(mtu_len).fatal->status, status::BadTlvLength);
  auto st_len = base;
  st_len[st_len.size() - 5] = 0x03;  // PW Status TLV of length 3
  EXPECT_EQ(decode(st_len).fatal->status, status::BadTlvLength);
  for (size_t cut = 23; cut < 38; ++cut) {  // every truncation inside the FEC TLV
    auto t = base;
    t.resize(cut);
    t[3] = uint8_t(cut - 4);
    t[13] = uint8_t(cut - 14);  // the message length follows, the FEC TLV's lies
    auto r = decode(t);
    EXPECT_TRUE(r.fatal || !r.problems.empty()) << "cut " << cut;
  }
}

TEST(LdpPduPw, ReservedLabelForAPwIsABadValue) {
  // As FRR: Malformed TLV Value, which (E bit set) ends the session.
  auto d = decode(encode(Pdu{1, 0, {pw_msg(msg::LabelMapping, pw(1, 1500), 3)}}));
  ASSERT_TRUE(d.fatal);
  EXPECT_EQ(d.fatal->status, status::BadTlvValue);
}

TEST(LdpPduPw, UnknownSubTlvsAreSkipped) {
  // The PWid element with an extra sub-TLV 0x09 (fragmentation, RFC 4623)
  // of length 2: skipped, the rest still read.
  auto b = hex("0001 0034 02020202 0000"
               "0400 002a 0000000b"
               "0100 0012 80 0005 0a 00000000 00000064 09 02 01 04 05dc"
               "0200 0004 00000011"
               "096a 0004 00000001");  // U bit clear: still read
  auto d = decode(b);
  ASSERT_FALSE(d.fatal) << d.fatal->what;
  ASSERT_TRUE(d.problems.empty()) << d.problems[0].what;
  const auto& p = d.pdu.messages.at(0).fecs.at(0).pw;
  EXPECT_EQ(p.mtu, 1500);
  EXPECT_FALSE(p.control_word);
  EXPECT_EQ(d.pdu.messages[0].pw_status, pw_status::NotForwarding);
}

TEST(LdpPduPw, Names) {
  EXPECT_EQ(pw_status_string(0), "forwarding");
  EXPECT_EQ(pw_status_string(pw_status::NotForwarding | pw_status::AcRxFault),
            "not forwarding, AC ingress fault");
  EXPECT_EQ(status_name(status::WrongCBit), "Wrong C-Bit");
  EXPECT_EQ(status_name(status::PwStatus), "PW Status");
  EXPECT_EQ(pw_type_name(pw_type::EthernetTagged), "ethernet-tagged");
}

// PDUs FRR 8.4's ldpd sent to our node (tests/e2e/test_node_pw_frr.sh, captured
// with tshark on the veth): its Label Mappings (three prefixes, then PWs 100
// and 101: C bit, Ethernet, MTU 1500, PW status forwarding, the TLV with its
// U bit) decode and re-encode byte for byte; its PW Status notification
// ("not forwarding" for PW 100; Status, PW Status, then a FEC with only the
// PW id) decodes.
TEST(LdpPduPw, RecordedFrrPwPdus) {
  auto mappings = hex(
      "000100b20aff000200000400001800000007010000080200011e0a0000000200000400000003040000180000"
      "000801000008020001200aff00010200000400000012040000180000000901000008020001200aff00020200"
      "000400000003040000280000000a01000010808005080000000000000064010405dc0200000400000010896a"
      "000400000000040000280000000b01000010808005080000000000000065010405dc0200000400000011896a"
      "000400000000");
  auto d = decode(mappings);
  ASSERT_FALSE(d.fatal) << d.fatal->what;
  ASSERT_TRUE(d.problems.empty()) << d.problems[0].what;
  ASSERT_EQ(d.pdu.messages.size(), 5u);
  const auto& m = d.pdu.messages[3];
  ASSERT_EQ(m.fecs.at(0).kind, FecElement::Kind::Pwid);
  EXPECT_TRUE(m.fecs[0].pw.control_word);
  EXPECT_EQ(m.fecs[0].pw.pw_type, pw_type::Ethernet);
  EXPECT_EQ(m.fecs[0].pw.pw_id, 100u);
  EXPECT_EQ(m.fecs[0].pw.mtu, 1500);
  EXPECT_EQ(m.label, 16u);
  EXPECT_EQ(m.pw_status, pw_status::Forwarding);
  EXPECT_EQ(d.pdu.messages[4].fecs[0].pw.pw_id, 101u);
  EXPECT_EQ(encode(d.pdu), mappings);

  auto status = hex(
      "000100340aff000200000001002a0000000c0300000a00000028000000000000896a0004000000010100000c"
      "800005040000000000000064");
  d = decode(status);
  ASSERT_FALSE(d.fatal) << d.fatal->what;
  ASSERT_TRUE(d.problems.empty()) << d.problems[0].what;
  const auto& n = d.pdu.messages.at(0);
  EXPECT_EQ(n.status->code, status::PwStatus);
  EXPECT_EQ(n.pw_status, pw_status::NotForwarding);
  ASSERT_EQ(n.fecs.size(), 1u);
  EXPECT_EQ(n.fecs[0].pw.pw_id, 100u);
  EXPECT_FALSE(n.fecs[0].pw.mtu);
  auto again = decode(encode(d.pdu));  // our order (Status, FEC, PW Status): the same message
  ASSERT_FALSE(again.fatal);
  EXPECT_EQ(again.pdu, d.pdu);
}
