// VPLS MAC withdraw (RFC 4762 6.2, ldp/mac_withdraw.hpp): the Address
// Withdraw with a FEC 128 and a MAC List TLV on the wire (bytes written by
// hand from the RFC's figures), round trips, malformed MAC List lengths, and
// two engines with a VPLS PW between them: an empty list and a list reach
// the receiver as events for its VSI; one for a VSI it does not have is
// counted as unknown and changes nothing.
#include <gtest/gtest.h>

#include "hex.hpp"
#include "ldp/show.hpp"
#include "ldp_net.hpp"

using namespace l2vpn::ldp;
using namespace l2vpn::ldp::test;
using namespace std::chrono_literals;

namespace {

const Mac kMacA{0x02, 0, 0, 0, 0, 0x0a}, kMacB{0x02, 0, 0, 0, 0, 0x0b};

// Address Withdraw, id 7: FEC TLV with a PWid element (Ethernet, C=1,
// group 0, PW id 100, no parameters), then the MAC List TLV (U bit) `macs`.
std::vector<uint8_t> wire(const std::string& mac_tlv) {
  return hex("0001 0000 01010101 0000"     // PDU header, length patched below
             "0301 0000 00000007"          // Address Withdraw, length patched
             "0100 000c 80 8005 04 00000000 00000064" + mac_tlv);
}

std::vector<uint8_t> patch(std::vector<uint8_t> b) {
  b[2] = uint8_t((b.size() - 4) >> 8), b[3] = uint8_t(b.size() - 4);
  b[12] = uint8_t((b.size() - 14) >> 8), b[13] = uint8_t(b.size() - 14);
  return b;
}

}  // namespace

TEST(LdpMacWithdraw, DecodesTheRfcLayout) {
  auto d = decode(patch(wire("8404 000c 02000000000a 02000000000b")));
  ASSERT_FALSE(d.fatal) << d.fatal->what;
  ASSERT_TRUE(d.problems.empty()) << d.problems[0].what;
  ASSERT_EQ(d.pdu.messages.size(), 1u);
  const Message& m = d.pdu.messages[0];
  EXPECT_TRUE(is_mac_withdraw(m));
  ASSERT_EQ(m.fecs.size(), 1u);
  EXPECT_EQ(m.fecs[0].pw.pw_id, 100u);
  EXPECT_TRUE(m.fecs[0].pw.control_word);
  EXPECT_EQ(*m.mac_list, (std::vector<Mac>{kMacA, kMacB}));
  EXPECT_TRUE(m.addresses.empty());
}

TEST(LdpMacWithdraw, RoundTripsEmptyAndFullLists) {
  PwidFec f;
  f.pw_id = 100;
  f.mtu = 1500;  // dropped: a MAC withdraw names the PW without its parameters
  for (const auto& macs : {std::vector<Mac>{}, std::vector<Mac>{kMacA, kMacB}}) {
    Message m = mac_withdraw_message(f, macs);
    m.id = 3;
    EXPECT_FALSE(m.fecs[0].pw.mtu);
    Pdu p{0x01010101, 0, {m}};
    auto bytes = encode(p);
    auto d = decode(bytes);
    ASSERT_FALSE(d.fatal) << d.fatal->what;
    ASSERT_TRUE(d.problems.empty()) << d.problems[0].what;
    EXPECT_EQ(d.pdu, p);
    EXPECT_EQ(encode(d.pdu), bytes);
  }
  // As FRR's ldpd sends it: an empty IPv4 Address List, the FEC, then the
  // MAC List TLV (U bit), of length 0 for the empty list.
  Message m = mac_withdraw_message(f, {});
  m.id = 7;
  EXPECT_EQ(encode_message(m), hex("0301 001e 00000007  0101 0002 0001"
                                   "0100 000c 80 0005 04 00000000 00000064  8404 0000"));
}

TEST(LdpMacWithdraw, MalformedMacListLengthsEndTheSession) {
  for (const char* tlv : {"8404 0005 0200000000", "8404 0007 02000000000a 01",
                          "8404 000d 02000000000a 02000000000b 00"}) {
    auto d = decode(patch(wire(tlv)));
    ASSERT_TRUE(d.fatal) << tlv;
    EXPECT_EQ(d.fatal->status, status::BadTlvLength) << tlv;
    EXPECT_NE(d.fatal->what.find("MAC List"), std::string::npos) << d.fatal->what;
  }
  // A MAC List TLV that says more than the message holds.
  auto d = decode(patch(wire("8404 0012 02000000000a")));
  ASSERT_TRUE(d.fatal);
  EXPECT_EQ(d.fatal->status, status::BadTlvLength);
}

TEST(LdpMacWithdraw, WithoutFecIsMissingParameters) {
  auto b = patch(hex("0001 0000 01010101 0000 0301 0000 00000007 8404 0006 02000000000a"));
  auto d = decode(b);
  ASSERT_FALSE(d.fatal);
  ASSERT_EQ(d.problems.size(), 1u);
  EXPECT_EQ(d.problems[0].status, status::MissingMessageParams);
  EXPECT_TRUE(d.pdu.messages.empty());
}

TEST(LdpMacWithdraw, PlainAddressWithdrawIsUnchanged) {
  Message m;
  m.type = msg::AddressWithdraw;
  m.id = 9;
  m.addresses = {0x0a000001};
  auto d = decode(encode(Pdu{1, 0, {m}}));
  ASSERT_FALSE(d.fatal);
  ASSERT_EQ(d.pdu.messages.size(), 1u);
  EXPECT_FALSE(d.pdu.messages[0].mac_list);
  EXPECT_EQ(d.pdu.messages[0].addresses, m.addresses);
}

namespace {

PseudowireConfig vpls_pw(const char* peer, uint32_t vsi) {
  PseudowireConfig c;
  c.name = "vpls" + std::to_string(vsi);
  c.lsr_id = ip(peer);
  c.pw_id = vsi;
  c.control_word = true;
  return c;
}

struct Mesh {
  Net net;
  Mesh() {
    net.add("a", "1.1.1.1");
    net.add("b", "2.2.2.2");
    net["a"].set_pseudowires({vpls_pw("2.2.2.2", 100)}, net.now);
    net["b"].set_pseudowires({vpls_pw("1.1.1.1", 100)}, net.now);
    net.run_for(5s);
  }
};

}  // namespace

TEST(LdpMacWithdraw, EmptyListAndListReachThePeer) {
  Mesh m;
  ASSERT_TRUE(m.net["a"].pseudowires().states().at(0).up);
  EXPECT_EQ(m.net["a"].send_mac_withdraw(100, {}, m.net.now), 1u);
  m.net.run_for(200ms);
  auto ev = m.net["b"].take_mac_withdraws();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0], (MacWithdrawEvent{ip("1.1.1.1"), 100, {}, true}));
  EXPECT_EQ(m.net["a"].send_mac_withdraw(100, {kMacA}, m.net.now), 1u);
  m.net.run_for(200ms);
  ev = m.net["b"].take_mac_withdraws();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].macs, std::vector<Mac>{kMacA});
  EXPECT_TRUE(m.net["b"].take_mac_withdraws().empty());
  const auto& kb = m.net["b"].mac_withdraws().counters();
  EXPECT_EQ(kb.in, 2u);
  EXPECT_EQ(kb.unknown_vsi, 0u);
  EXPECT_EQ(m.net["a"].mac_withdraws().counters().out, 2u);
  m.net["b"].mac_withdraws().count_flushed(ip("1.1.1.1"), 100, 3);
  EXPECT_EQ(m.net["b"].mac_withdraws().of(ip("1.1.1.1"), 100),
            (MacWithdrawCounts{2, 0, 3}));
  // Shown per PW (FRR's keys plus ours) and in the counters.
  auto j = l2vpn_json(m.net["b"]);
  EXPECT_EQ(j["1.1.1.1: 100"]["macWithdrawIn"], 2);
  EXPECT_EQ(j["1.1.1.1: 100"]["macsFlushed"], 3);
  EXPECT_NE(show_l2vpn(m.net["b"]).find("MAC withdraw in/out 2/0"), std::string::npos);
  EXPECT_EQ(counters_json(m.net["b"])["macWithdrawIn"], 2);
  // The session stays up: a MAC withdraw is no address withdraw.
  EXPECT_TRUE(m.net["b"].pseudowires().states().at(0).up);
}

TEST(LdpMacWithdraw, UnknownVsiIsCountedAndChangesNothing) {
  Mesh m;
  auto before = m.net["b"].pseudowires().states();
  PwidFec f;
  f.control_word = true;
  f.pw_id = 555;
  Message w = mac_withdraw_message(f, {});
  w.id = 900;
  m.net["b"].on_data(ip("1.1.1.1"), encode(Pdu{ip("1.1.1.1"), 0, {w}}), m.net.now);
  m.net.run_for(200ms);
  auto ev = m.net["b"].take_mac_withdraws();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_FALSE(ev[0].known);
  EXPECT_EQ(m.net["b"].mac_withdraws().counters().unknown_vsi, 1u);
  EXPECT_EQ(m.net["b"].mac_withdraws().of(ip("1.1.1.1"), 555), MacWithdrawCounts{});
  EXPECT_EQ(m.net["b"].pseudowires().states(), before);
  EXPECT_EQ(m.net["b"].sessions().at(ip("1.1.1.1")).state, SessionState::Operational);
}

TEST(LdpMacWithdraw, NotSentToPeersWithoutOurMapping) {
  Net net;
  net.add("a", "1.1.1.1");
  net["a"].set_pseudowires({vpls_pw("2.2.2.2", 100)}, net.now);  // no peer there
  net.run_for(2s);
  EXPECT_EQ(net["a"].send_mac_withdraw(100, {}, net.now), 0u);
  EXPECT_EQ(net["a"].mac_withdraws().counters().out, 0u);
}
