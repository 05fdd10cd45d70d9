// Discovery and the session state machine between engines in virtual time,
// and what a session does with bad input.
#include <gtest/gtest.h>

#include "ldp/show.hpp"
#include "ldp_net.hpp"

using namespace l2vpn::ldp;
using namespace l2vpn::ldp::test;
using namespace std::chrono_literals;

namespace {

void two_routers(Net& net, Config base = {}) {
  net.add("a", "1.1.1.1", {"eth0"}, base);
  net.add("b", "2.2.2.2", {"eth0"}, base);
  net.link("a", "eth0", "10.0.0.1", "b", "eth0", "10.0.0.2");
  RoutingView va{0, {ip("10.0.0.1")}, {Prefix{ip("1.1.1.1"), 32}}, {route("2.2.2.2", {"10.0.0.2"})}};
  RoutingView vb{0, {ip("10.0.0.2")}, {Prefix{ip("2.2.2.2"), 32}}, {route("1.1.1.1", {"10.0.0.1"})}};
  net["a"].set_routing(va, net.now);
  net["b"].set_routing(vb, net.now);
}

SessionState state(Engine& e, const char* peer) {
  auto it = e.sessions().find(ip(peer));
  return it == e.sessions().end() ? SessionState::NonExistent : it->second.state;
}

// The notifications one engine sent, decoded from everything on the wire.
std::vector<uint32_t> notifications(const Net& net) {
  std::vector<uint32_t> out;
  for (const auto& b : net.sent_bytes) {
    auto d = decode(b);
    for (const auto& m : d.pdu.messages)
      if (m.type == msg::Notification) out.push_back(m.status->code);
  }
  return out;
}

}  // namespace

TEST(LdpSession, TwoRoutersReachOperational) {
  Net net;
  two_routers(net);
  net.run_for(1s);
  EXPECT_EQ(state(net["a"], "2.2.2.2"), SessionState::Operational);
  EXPECT_EQ(state(net["b"], "1.1.1.1"), SessionState::Operational);
  // RFC 5036 2.5.2: the larger transport address takes the active role.
  EXPECT_TRUE(net["b"].sessions().at(ip("1.1.1.1")).active);
  EXPECT_FALSE(net["a"].sessions().at(ip("2.2.2.2")).active);
  EXPECT_EQ(net["a"].sessions().at(ip("2.2.2.2")).keepalive, 180);
  EXPECT_TRUE(net["a"].sessions().at(ip("2.2.2.2")).end_of_lib_received);
  // Each holds the other's implicit null for its loopback (PHP).
  EXPECT_EQ(remote_label(net["a"], "2.2.2.2", "2.2.2.2"), kImplicitNull);
  EXPECT_EQ(remote_label(net["b"], "1.1.1.1", "1.1.1.1"), kImplicitNull);
  EXPECT_EQ(net["a"].bindings().peers.size(), 1u);
  EXPECT_EQ(net["a"].peer_of_address(ip("10.0.0.2")), ip("2.2.2.2"));
  auto text = show_neighbor(net["a"], net.now);
  EXPECT_NE(text.find("2.2.2.2         OPERATIONAL"), std::string::npos) << text;
  EXPECT_NE(show_discovery(net["a"], net.now).find("Link"), std::string::npos);
  auto j = neighbor_json(net["a"], net.now);
  EXPECT_EQ(j["neighbors"][0]["state"], "OPERATIONAL");
  EXPECT_EQ(binding_json(net["a"])["bindings"].size(), 2u);
}

TEST(LdpSession, KeepAlivesHoldTheSessionAndItsLossEndsIt) {
  Config c;
  c.keepalive = 6;  // sent every 2 s
  Net net;
  two_routers(net, c);
  net.run_for(30s);
  EXPECT_EQ(state(net["a"], "2.2.2.2"), SessionState::Operational)
      << neighbor_json(net["a"], net.now).dump() << neighbor_json(net["b"], net.now).dump();
  EXPECT_EQ(net["a"].counters().sessions_down, 0u);
  // b dies silently: a's session ends when neither hellos (15 s) nor
  // KeepAlives (6 s) arrive; whichever first, the bindings go.
  net.kill("b");
  net.run_for(3s);
  EXPECT_EQ(state(net["a"], "2.2.2.2"), SessionState::Operational);
  net.run_for(4s);
  EXPECT_NE(state(net["a"], "2.2.2.2"), SessionState::Operational);
  EXPECT_FALSE(remote_label(net["a"], "2.2.2.2", "2.2.2.2"));
  EXPECT_TRUE(net["a"].bindings().peers.empty());
  auto n = notifications(net);
  EXPECT_NE(std::find(n.begin(), n.end(), status::KeepAliveExpired), n.end());
  // After the hello hold time the adjacency and the session are gone.
  net.run_for(15s);
  EXPECT_TRUE(net["a"].adjacencies().empty());
  EXPECT_TRUE(net["a"].sessions().empty());
  // A restart recovers.
  net.restart("b");
  net.run_for(8s);
  EXPECT_EQ(state(net["a"], "2.2.2.2"), SessionState::Operational);
  EXPECT_EQ(remote_label(net["a"], "2.2.2.2", "2.2.2.2"), kImplicitNull);
}

TEST(LdpSession, RestartedActivePeerReplacesTheOldSession) {
  Net net;
  two_routers(net);
  net.run_for(1s);
  net.kill("b");  // b (active) is killed and back before a notices
  net.restart("b");
  net.run_for(8s);
  EXPECT_EQ(state(net["a"], "2.2.2.2"), SessionState::Operational);
  EXPECT_EQ(state(net["b"], "1.1.1.1"), SessionState::Operational);
  EXPECT_EQ(remote_label(net["b"], "1.1.1.1", "1.1.1.1"), kImplicitNull);
}

TEST(LdpSession, LinkCutEndsTheSessionAfterTheHelloHoldTime) {
  Net net;
  two_routers(net);
  net.run_for(1s);
  net.find_link("a", "b").up = false;
  net.run_for(14s);
  EXPECT_EQ(state(net["a"], "2.2.2.2"), SessionState::Operational);
  net.run_for(2s);
  EXPECT_TRUE(net["a"].sessions().empty());
  auto n = notifications(net);
  EXPECT_NE(std::find(n.begin(), n.end(), status::HoldTimerExpired), n.end());
}

TEST(LdpSession, TargetedHellosMakeASession) {
  Net net;
  Config ca;
  ca.targeted_neighbors = {ip("2.2.2.2")};
  Config cb;
  cb.accept_targeted = true;
  net.add("a", "1.1.1.1", {}, ca);
  net.add("b", "2.2.2.2", {}, cb);
  // b answers a's first hello at once but connects before a has heard b:
  // a refuses that connection, b retries after connect_retry (2 s).
  net.run_for(3s);
  EXPECT_EQ(state(net["a"], "2.2.2.2"), SessionState::Operational)
      << neighbor_json(net["a"], net.now).dump() << neighbor_json(net["b"], net.now).dump()
      << discovery_json(net["b"], net.now).dump();
  auto adj = net["b"].adjacencies();
  ASSERT_EQ(adj.size(), 1u);
  EXPECT_TRUE(adj[0].interface.empty());
  EXPECT_EQ(adj[0].holdtime, 45);
  EXPECT_NE(show_discovery(net["b"], net.now).find("Targeted"), std::string::npos);
}

TEST(LdpSession, UnconfiguredTargetedHellosAreIgnored) {
  Net net;
  Config ca;
  ca.targeted_neighbors = {ip("2.2.2.2")};
  net.add("a", "1.1.1.1", {}, ca);
  net.add("b", "2.2.2.2", {});
  net.run_for(2s);
  EXPECT_TRUE(net["b"].adjacencies().empty());
  EXPECT_TRUE(net["b"].sessions().empty());
}

// Drives one passive engine by hand: a is passive toward b (1.1.1.1 < 2.2.2.2).
class LdpSessionInput : public ::testing::Test {
 protected:
  static Config cfg() {
    Config c;
    c.lsr_id = ip("1.1.1.1");
    c.interfaces = {"eth0"};
    return c;
  }
  Engine a{cfg()};
  Time now{0};
  void SetUp() override {
    Message hello;
    hello.type = msg::Hello;
    hello.transport_address = ip("2.2.2.2");
    a.on_hello("eth0", ip("10.0.0.2"), encode(Pdu{ip("2.2.2.2"), 0, {hello}}), now);
    ASSERT_EQ(a.on_accept(ip("2.2.2.2"), now), ip("2.2.2.2"));
    a.take_actions();
  }
  Message init(uint32_t receiver = 0) {
    Message m;
    m.type = msg::Init;
    m.id = 1;
    m.session.receiver_lsr_id = receiver ? receiver : ip("1.1.1.1");
    return m;
  }
  void feed(const std::vector<uint8_t>& b) { a.on_data(ip("2.2.2.2"), b, now); }
  void open() {
    Message ka;
    ka.type = msg::KeepAlive;
    feed(encode(Pdu{ip("2.2.2.2"), 0, {init(), ka}}));
    ASSERT_EQ(a.sessions().at(ip("2.2.2.2")).state, SessionState::Operational);
    a.take_actions();
  }
  // The status codes of notifications sent, and whether a Close followed.
  std::pair<std::vector<uint32_t>, bool> answer() {
    std::vector<uint32_t> codes;
    bool closed = false;
    for (const auto& act : a.take_actions()) {
      if (act.kind == Action::Kind::Close) closed = true;
      if (act.kind != Action::Kind::Send) continue;
      for (const auto& m : decode(act.bytes).pdu.messages)
        if (m.type == msg::Notification) codes.push_back(m.status->code);
    }
    return {codes, closed};
  }
};

TEST_F(LdpSessionInput, WrongVersionClosesWithBadProtocolVersion) {
  auto b = encode(Pdu{ip("2.2.2.2"), 0, {init()}});
  b[1] = 9;
  feed(b);
  auto [codes, closed] = answer();
  EXPECT_EQ(codes, std::vector<uint32_t>{status::BadProtoVersion});
  EXPECT_TRUE(closed);
}

TEST_F(LdpSessionInput, UnexpectedLsrIdClosesWithBadLdpIdentifier) {
  feed(encode(Pdu{ip("9.9.9.9"), 0, {init()}}));
  auto [codes, closed] = answer();
  EXPECT_EQ(codes, std::vector<uint32_t>{status::BadLdpId});
  EXPECT_TRUE(closed);
}

TEST_F(LdpSessionInput, InitForSomeoneElseIsRejected) {
  feed(encode(Pdu{ip("2.2.2.2"), 0, {init(ip("7.7.7.7"))}}));
  auto [codes, closed] = answer();
  EXPECT_EQ(codes, std::vector<uint32_t>{status::SessionRejectedNoHello});
  EXPECT_TRUE(closed);
}

TEST_F(LdpSessionInput, LengthThatLiesClosesWithBadPduLength) {
  open();
  auto b = encode(Pdu{ip("2.2.2.2"), 0, {init()}});
  b[2] = 0x7f;  // 32 KiB
  feed(b);
  auto [codes, closed] = answer();
  EXPECT_EQ(codes, std::vector<uint32_t>{status::BadPduLength});
  EXPECT_TRUE(closed);
}

TEST_F(LdpSessionInput, UnknownTlvWithoutUBitIsAnsweredAndTheSessionStays) {
  open();
  Message m;
  m.type = msg::LabelMapping;
  m.id = 44;
  m.fecs = {FecElement::of(Prefix{ip("2.2.2.2"), 32})};
  m.label = 3;
  m.unknown = {UnknownTlv{0x3f00, false, false, {1}}};
  feed(encode(Pdu{ip("2.2.2.2"), 0, {m}}));
  auto [codes, closed] = answer();
  EXPECT_EQ(codes, std::vector<uint32_t>{status::UnknownTlv});
  EXPECT_FALSE(closed);
  EXPECT_EQ(a.sessions().at(ip("2.2.2.2")).state, SessionState::Operational);
  EXPECT_TRUE(a.sessions().at(ip("2.2.2.2")).received.empty());  // message dropped
  // With the U bit (and F or not) the TLV is ignored and the mapping taken.
  m.unknown = {UnknownTlv{0x3f00, true, true, {1}}};
  feed(encode(Pdu{ip("2.2.2.2"), 0, {m}}));
  auto [codes2, closed2] = answer();
  EXPECT_TRUE(codes2.empty());
  EXPECT_EQ(a.sessions().at(ip("2.2.2.2")).received.at(Prefix{ip("2.2.2.2"), 32}), 3u);
}

TEST_F(LdpSessionInput, UnknownMessageIsAnsweredAndTheSessionStays) {
  open();
  Message m;
  m.type = 0x3e01;
  m.id = 5;
  feed(encode(Pdu{ip("2.2.2.2"), 0, {m}}));
  auto [codes, closed] = answer();
  EXPECT_EQ(codes, std::vector<uint32_t>{status::UnknownMessage});
  EXPECT_FALSE(closed);
}

TEST_F(LdpSessionInput, MappingBeforeInitIsRefused) {
  Message m;
  m.type = msg::LabelMapping;
  m.fecs = {FecElement::of(Prefix{ip("2.2.2.2"), 32})};
  m.label = 3;
  feed(encode(Pdu{ip("2.2.2.2"), 0, {m}}));
  auto [codes, closed] = answer();
  EXPECT_EQ(codes, std::vector<uint32_t>{status::Shutdown});
  EXPECT_TRUE(closed);
}

TEST_F(LdpSessionInput, PdusSplitAcrossReadsAreReassembled) {
  Message ka;
  ka.type = msg::KeepAlive;
  auto b = encode(Pdu{ip("2.2.2.2"), 0, {init(), ka}});
  for (size_t i = 0; i < b.size(); ++i) feed({b[i]});
  EXPECT_EQ(a.sessions().at(ip("2.2.2.2")).state, SessionState::Operational);
}

TEST_F(LdpSessionInput, FatalNotificationFromThePeerEndsTheSession) {
  open();
  Message n;
  n.type = msg::Notification;
  n.status = Status{status::Shutdown, 0, 0};
  feed(encode(Pdu{ip("2.2.2.2"), 0, {n}}));
  auto [codes, closed] = answer();
  EXPECT_TRUE(codes.empty());  // no answer to a notification
  EXPECT_TRUE(closed);
  EXPECT_EQ(a.sessions().at(ip("2.2.2.2")).state, SessionState::NonExistent);
  EXPECT_EQ(a.sessions().at(ip("2.2.2.2")).last_error, "received Shutdown");
}

TEST_F(LdpSessionInput, InitTimesOut) {
  Message hello;
  hello.type = msg::Hello;
  a.on_hello("eth0", ip("10.0.0.2"), encode(Pdu{ip("2.2.2.2"), 0, {hello}}), now + 10s);
  a.tick(now + 14s);
  EXPECT_EQ(a.sessions().at(ip("2.2.2.2")).state, SessionState::Initialized);
  a.tick(now + 16s);
  auto [codes, closed] = answer();
  EXPECT_TRUE(closed);
  EXPECT_EQ(a.sessions().at(ip("2.2.2.2")).state, SessionState::NonExistent);
}
