// The PDU codec: built messages round-trip, known byte layouts decode, and
// each kind of bad input names the status code RFC 5036 gives it.
#include <gtest/gtest.h>

#include "ldp/pdu.hpp"
#include "hex.hpp"

using namespace l2vpn::ldp;

namespace {

using test::hex;

Message label_msg(uint16_t type, uint32_t addr, uint8_t len, std::optional<uint32_t> label) {
  Message m;
  m.type = type;
  m.id = 7;
  m.fecs = {FecElement::of(Prefix{addr, len})};
  m.label = label;
  return m;
}

}  // namespace

TEST(LdpPdu, EveryMessageRoundTrips) {
  Pdu pdu{0x01010101, 0, {}};
  Message hello;
  hello.type = msg::Hello;
  hello.id = 1;
  hello.hello_holdtime = 15;
  hello.transport_address = 0x01010101;
  hello.config_sequence = 3;
  Message init;
  init.type = msg::Init;
  init.id = 2;
  init.session.keepalive = 180;
  init.session.receiver_lsr_id = 0x02020202;
  init.cap_typed_wildcard = init.cap_unrecognized_notif = init.cap_dynamic = true;
  Message ka;
  ka.type = msg::KeepAlive;
  ka.id = 3;
  Message addr;
  addr.type = msg::Address;
  addr.id = 4;
  addr.addresses = {0x0a000001, 0x01010101};
  Message notif;
  notif.type = msg::Notification;
  notif.id = 5;
  notif.status = Status{status::EndOfLib, 0, 0};
  notif.fecs = {FecElement::typed_wildcard_ipv4()};
  Message wd = label_msg(msg::LabelWithdraw, 0x0a010000, 16, std::nullopt);
  wd.fecs.push_back(FecElement::wildcard());
  Message unknown_ok = label_msg(msg::LabelMapping, 0x02020202, 32, 17);
  unknown_ok.unknown.push_back(UnknownTlv{0x3abc, true, true, {1, 2, 3}});
  pdu.messages = {hello, init, ka, addr, notif,
                  label_msg(msg::LabelMapping, 0x03030303, 32, 3),
                  label_msg(msg::LabelRequest, 0x03030303, 32, std::nullopt),
                  wd,
                  label_msg(msg::LabelRelease, 0, 0, 16),
                  unknown_ok};
  auto bytes = encode(pdu);
  auto d = decode(bytes);
  ASSERT_FALSE(d.fatal) << d.fatal->what;
  EXPECT_TRUE(d.problems.empty());
  EXPECT_EQ(d.pdu, pdu);
}

TEST(LdpPdu, HelloBytesMatchTheRfcLayout) {
  // A link Hello from 1.1.1.1:0, holdtime 15, transport 1.1.1.1, laid out
  // by hand from RFC 5036 3.5.2.
  auto b = hex("0001 0026 01010101 0000"       // version, length 38, LDP id
               "0100 001c 00000001"            // Hello, length 28, id 1
               "0400 0004 000f 0000"           // Common Hello: 15 s, no flags
               "0401 0004 01010101"            // IPv4 transport address
               "0402 0004 00000002");          // configuration sequence 2
  auto d = decode(b);
  ASSERT_FALSE(d.fatal);
  ASSERT_EQ(d.pdu.messages.size(), 1u);
  const auto& m = d.pdu.messages[0];
  EXPECT_EQ(m.type, msg::Hello);
  EXPECT_EQ(m.hello_holdtime, 15);
  EXPECT_FALSE(m.targeted);
  EXPECT_EQ(m.transport_address, 0x01010101u);
  EXPECT_EQ(m.config_sequence, 2u);
  EXPECT_EQ(encode(d.pdu), b);
}

TEST(LdpPdu, EndOfLibAndTypedWildcardBytes) {
  // RFC 5919: a Notification, Status End-of-LIB (0x2f), FEC TLV holding a
  // typed wildcard (RFC 5918: element 0x05, type 0x02 prefix, length 2, AF 1).
  auto b = hex("0001 0025 02020202 0000"
               "0001 001b 00000009"
               "0300 000a 0000002f 00000000 0000"
               "0100 0005 05 02 02 0001");
  auto d = decode(b);
  ASSERT_FALSE(d.fatal) << d.fatal->what;
  ASSERT_EQ(d.pdu.messages.size(), 1u);
  const auto& m = d.pdu.messages[0];
  ASSERT_TRUE(m.status);
  EXPECT_EQ(m.status->code, status::EndOfLib);
  ASSERT_EQ(m.fecs.size(), 1u);
  EXPECT_EQ(m.fecs[0], FecElement::typed_wildcard_ipv4());
  EXPECT_EQ(encode(d.pdu), b);
}

TEST(LdpPdu, InitCapabilitiesCarryTheUBit) {
  Message init;
  init.type = msg::Init;
  init.session.receiver_lsr_id = 0x02020202;
  init.cap_typed_wildcard = true;
  init.cap_unrecognized_notif = true;
  auto b = encode(Pdu{0x01010101, 0, {init}});
  // Common Session (4+14), then 0x850b len 1 0x80, 0x8603 len 1 0x80.
  auto tail = std::vector<uint8_t>(b.end() - 10, b.end());
  EXPECT_EQ(tail, hex("850b 0001 80 8603 0001 80"));
}

TEST(LdpPdu, PrefixBytesAreTheMinimum) {
  auto b = encode(Pdu{1, 0, {label_msg(msg::LabelMapping, 0x0a010000, 16, 20)}});
  // FEC TLV: 0100 0006 02 0001 10 0a01
  auto fec = std::vector<uint8_t>(b.begin() + 18, b.begin() + 28);
  EXPECT_EQ(fec, hex("0100 0006 02 0001 10 0a01"));
}

TEST(LdpPdu, WrongVersionIsFatal) {
  auto b = encode(Pdu{1, 0, {}});
  b[1] = 2;
  auto d = decode(b);
  ASSERT_TRUE(d.fatal);
  EXPECT_EQ(d.fatal->status, status::BadProtoVersion);
  auto f = frame_length(b);
  ASSERT_TRUE(f.problem);
  EXPECT_EQ(f.problem->status, status::BadProtoVersion);
}

TEST(LdpPdu, LengthThatLiesIsFatal) {
  auto b = encode(Pdu{1, 0, {label_msg(msg::LabelMapping, 0x01010101, 32, 3)}});
  auto longer = b;
  longer[3] += 4;  // says more than there is
  EXPECT_EQ(decode(longer).fatal->status, status::BadPduLength);
  auto huge = b;
  huge[2] = 0x20;  // 8 KiB: more than 4096
  EXPECT_EQ(frame_length(huge).problem->status, status::BadPduLength);
  auto msg_len = b;
  msg_len[13] += 40;  // the message runs past the PDU
  EXPECT_EQ(decode(msg_len).fatal->status, status::BadMessageLength);
  auto tlv_len = b;
  tlv_len[20] += 40;  // the FEC TLV runs past the message
  EXPECT_EQ(decode(tlv_len).fatal->status, status::BadTlvLength);
  EXPECT_EQ(decode(std::span<const uint8_t>(b.data(), 6)).fatal->status, status::BadPduLength);
}

TEST(LdpPdu, UnknownTlvFollowsTheUBit) {
  Message m = label_msg(msg::LabelMapping, 0x01010101, 32, 3);
  m.unknown.push_back(UnknownTlv{0x3f00, false, false, {9}});
  auto d = decode(encode(Pdu{1, 0, {m}}));
  ASSERT_FALSE(d.fatal);
  EXPECT_TRUE(d.pdu.messages.empty());  // U clear: the message is dropped...
  ASSERT_EQ(d.problems.size(), 1u);      // ...with a notification to send
  EXPECT_EQ(d.problems[0].status, status::UnknownTlv);
  EXPECT_EQ(d.problems[0].message_id, 7u);
  EXPECT_FALSE(d.problems[0].fatal());
  for (bool f : {false, true}) {
    m.unknown = {UnknownTlv{0x3f00, true, f, {9}}};
    auto ok = decode(encode(Pdu{1, 0, {m}}));
    EXPECT_TRUE(ok.problems.empty());  // U set: ignored, F or not
    ASSERT_EQ(ok.pdu.messages.size(), 1u);
    EXPECT_EQ(ok.pdu.messages[0].label, 3u);
  }
}

TEST(LdpPdu, UnknownMessageFollowsTheUBit) {
  Message m;
  m.type = 0x3e00;
  m.id = 9;
  Message known = label_msg(msg::LabelMapping, 0x01010101, 32, 3);
  auto d = decode(encode(Pdu{1, 0, {m, known}}));
  ASSERT_EQ(d.problems.size(), 1u);
  EXPECT_EQ(d.problems[0].status, status::UnknownMessage);
  EXPECT_EQ(d.pdu.messages.size(), 1u);  // the next message still counts
  m.u = true;
  d = decode(encode(Pdu{1, 0, {m, known}}));
  EXPECT_TRUE(d.problems.empty());
  EXPECT_EQ(d.pdu.messages.size(), 1u);
}

TEST(LdpPdu, BadValuesAndMissingParameters) {
  auto b = encode(Pdu{1, 0, {label_msg(msg::LabelMapping, 0x01010101, 32, 3)}});
  b[25] = 33;  // prefix length 33
  EXPECT_EQ(decode(b).fatal->status, status::BadTlvValue);
  Message no_label = label_msg(msg::LabelMapping, 0x01010101, 32, std::nullopt);
  auto d = decode(encode(Pdu{1, 0, {no_label}}));
  ASSERT_EQ(d.problems.size(), 1u);
  EXPECT_EQ(d.problems[0].status, status::MissingMessageParams);
  Message pw = label_msg(msg::LabelMapping, 0x01010101, 32, 20);
  auto pb = encode(Pdu{1, 0, {pw}});
  pb[22] = 0x81;  // a Generalized PWid FEC element (FEC 129): not ours to read
  d = decode(pb);
  ASSERT_EQ(d.problems.size(), 1u);
  EXPECT_EQ(d.problems[0].status, status::UnknownFec);
  Message big = label_msg(msg::LabelMapping, 0x01010101, 32, 0x100000);
  EXPECT_EQ(decode(encode(Pdu{1, 0, {big}})).fatal->status, status::BadTlvValue);
}

TEST(LdpPdu, FramingWaitsForWholePdus) {
  auto b = encode(Pdu{1, 0, {label_msg(msg::LabelMapping, 0x01010101, 32, 3)}});
  EXPECT_EQ(frame_length(std::span<const uint8_t>(b.data(), 3)).need, 0u);
  EXPECT_EQ(frame_length(std::span<const uint8_t>(b.data(), b.size() - 1)).need, 0u);
  EXPECT_EQ(frame_length(b).need, b.size());
}

TEST(LdpPdu, Names) {
  EXPECT_EQ(status_name(status::EndOfLib), "End-of-LIB");
  EXPECT_EQ(status_name(status::BadLdpId), "Bad LDP Identifier");
  EXPECT_EQ(message_name(msg::LabelMapping), "Label Mapping");
  EXPECT_EQ(prefix_string(Prefix{0x0a000001, 32}), "10.0.0.1/32");
  EXPECT_EQ(parse_ip("1.2.3.4"), 0x01020304u);
  EXPECT_FALSE(parse_ip("1.2.3"));
}

// PDUs FRR 8.4's ldpd sent to our node (tests/e2e/test_ldp_frr.sh, captured
// with tshark on the veth): they decode, and our encoder writes them back
// byte for byte.
TEST(LdpPdu, RecordedFrrPdus) {
  auto hello = hex("000100260aff000200000100001c0000000b04000004000f2000040100040aff0002"
                   "0402000400000002");
  auto d = decode(hello);
  ASSERT_FALSE(d.fatal);
  ASSERT_EQ(d.pdu.messages.size(), 1u);
  EXPECT_EQ(d.pdu.lsr_id, 0x0aff0002u);
  EXPECT_EQ(d.pdu.messages[0].hello_holdtime, 15);
  EXPECT_TRUE(d.pdu.messages[0].gtsm);  // FRR sets G (RFC 6720); we do not, so no GTSM
  EXPECT_EQ(d.pdu.messages[0].transport_address, 0x0aff0002u);
  EXPECT_EQ(encode(d.pdu), hello);

  auto init = hex("0001002f0aff00020000020000250000000d0500000e000100b4000000000aff0001"
                  "00008506000180850b0001808603000180");
  d = decode(init);
  ASSERT_FALSE(d.fatal);
  const auto& m = d.pdu.messages.at(0);
  EXPECT_EQ(m.session.keepalive, 180);
  EXPECT_EQ(m.session.receiver_lsr_id, 0x0aff0001u);
  EXPECT_TRUE(m.cap_dynamic && m.cap_typed_wildcard && m.cap_unrecognized_notif);
  EXPECT_EQ(encode(d.pdu), init);

  auto mappings = hex("0001005a0aff000200000400001800000010010000080200011e0a000000020000040000"
                      "0003040000180000001101000008020001200aff00010200000400000010040000180000"
                      "001201000008020001200aff00020200000400000003");
  d = decode(mappings);
  ASSERT_FALSE(d.fatal);
  ASSERT_EQ(d.pdu.messages.size(), 3u);
  EXPECT_EQ(d.pdu.messages[0].fecs[0].prefix, (Prefix{0x0a000000, 30}));
  EXPECT_EQ(d.pdu.messages[0].label, kImplicitNull);
  EXPECT_EQ(d.pdu.messages[1].fecs[0].prefix, (Prefix{0x0aff0001, 32}));
  EXPECT_EQ(d.pdu.messages[1].label, 16u);
  EXPECT_EQ(encode(d.pdu), mappings);
}
