// Pseudowires (FEC 128) between two engines back to back over a targeted
// session: up with each other's labels, the reasons a PW stays down (MTU,
// PW type, remote status, session loss), the control word matrix, status
// both ways, withdraw and release, wildcards, unknown PWs kept and counted.
#include <gtest/gtest.h>

#include "ldp/show.hpp"
#include "ldp_net.hpp"

using namespace l2vpn::ldp;
using namespace l2vpn::ldp::test;
using namespace std::chrono_literals;

namespace {

PseudowireConfig pwc(const char* peer, uint32_t id, uint16_t mtu = 1500, bool cw = false) {
  PseudowireConfig c;
  c.name = "vpws" + std::to_string(id);
  c.lsr_id = ip(peer);
  c.pw_id = id;
  c.mtu = mtu;
  c.control_word = cw;
  return c;
}

PseudowireState pw_of(const Engine& e, uint32_t id) {
  for (const auto& s : e.pseudowires().states())
    if (s.config.pw_id == id) return s;
  ADD_FAILURE() << "no PW " << id;
  return {};
}

// a = 1.1.1.1 and b = 2.2.2.2, no links: the PWs alone make the targeted session.
struct Pair {
  Net net;
  Pair(std::vector<PseudowireConfig> a, std::vector<PseudowireConfig> b) {
    net.add("a", "1.1.1.1");
    net.add("b", "2.2.2.2");
    net["a"].set_pseudowires(std::move(a), net.now);
    net["b"].set_pseudowires(std::move(b), net.now);
    net.run_for(5s);
  }
  Engine& a() { return net["a"]; }
  Engine& b() { return net["b"]; }
  void inject_into_a(Message m) {  // as if b sent it on the open session
    m.id = 900;
    net["a"].on_data(ip("2.2.2.2"), encode(Pdu{ip("2.2.2.2"), 0, {m}}), net.now);
    net.run_for(200ms);
  }
};

}  // namespace

TEST(LdpPw, ComesUpWithEachOthersLabels) {
  Pair p({pwc("2.2.2.2", 100)}, {pwc("1.1.1.1", 100)});
  auto a = pw_of(p.a(), 100), b = pw_of(p.b(), 100);
  EXPECT_TRUE(a.up) << pw_reason_name(a.reason);
  EXPECT_TRUE(b.up) << pw_reason_name(b.reason);
  ASSERT_TRUE(a.local_label && b.local_label);
  EXPECT_EQ(a.remote_label, b.local_label);
  EXPECT_EQ(b.remote_label, a.local_label);
  EXPECT_GE(*a.local_label, 16u);
  EXPECT_EQ(a.remote_mtu, 1500);
  EXPECT_EQ(a.remote_pw_type, pw_type::Ethernet);
  EXPECT_FALSE(a.control_word);
  EXPECT_EQ(a.remote_status, pw_status::Forwarding);
  EXPECT_EQ(p.a().pseudowires().counters().mappings_out, 1u);
  EXPECT_EQ(p.a().pseudowires().counters().mappings_in, 1u);
  // The PW's remote PE became a targeted neighbor of both.
  ASSERT_EQ(p.a().adjacencies().size(), 1u);
  EXPECT_TRUE(p.a().adjacencies()[0].interface.empty());
}

TEST(LdpPw, MtuMismatchIsShownOnBothSides) {
  Pair p({pwc("2.2.2.2", 100, 1500)}, {pwc("1.1.1.1", 100, 9000)});
  auto a = pw_of(p.a(), 100), b = pw_of(p.b(), 100);
  EXPECT_FALSE(a.up);
  EXPECT_EQ(a.reason, PwReason::MtuMismatch);
  EXPECT_EQ(b.reason, PwReason::MtuMismatch);
  EXPECT_EQ(a.remote_mtu, 9000);
  EXPECT_EQ(b.remote_mtu, 1500);
  EXPECT_TRUE(a.remote_label.has_value());  // the label is kept, just not used
  EXPECT_STREQ(pw_reason_name(a.reason), "MTU mismatch");
  // Fixing one side re-maps (withdraw, then a new mapping) and both come up.
  p.b().set_pseudowires({pwc("1.1.1.1", 100, 1500)}, p.net.now);
  p.net.run_for(1s);
  EXPECT_TRUE(pw_of(p.a(), 100).up);
  EXPECT_TRUE(pw_of(p.b(), 100).up);
  EXPECT_EQ(p.b().pseudowires().counters().withdraws_out, 1u);
}

TEST(LdpPw, PwTypeMismatch) {
  auto tagged = pwc("1.1.1.1", 100);
  tagged.pw_type = pw_type::EthernetTagged;
  tagged.requested_vlan = 200;
  Pair p({pwc("2.2.2.2", 100)}, {tagged});
  EXPECT_EQ(pw_of(p.a(), 100).reason, PwReason::TypeMismatch);
  EXPECT_EQ(pw_of(p.b(), 100).reason, PwReason::TypeMismatch);
  EXPECT_EQ(pw_of(p.a(), 100).remote_vlan, 200);
}

TEST(LdpPw, ControlWordMatrix) {
  for (bool ca : {false, true})
    for (bool cb : {false, true}) {
      SCOPED_TRACE(testing::Message() << "a wants CW " << ca << ", b " << cb);
      Pair p({pwc("2.2.2.2", 100, 1500, ca)}, {pwc("1.1.1.1", 100, 1500, cb)});
      auto a = pw_of(p.a(), 100), b = pw_of(p.b(), 100);
      EXPECT_TRUE(a.up) << pw_reason_name(a.reason);
      EXPECT_TRUE(b.up) << pw_reason_name(b.reason);
      EXPECT_EQ(a.control_word, ca && cb);
      EXPECT_EQ(b.control_word, ca && cb);
      EXPECT_EQ(a.remote_control_word, ca && cb);
      EXPECT_EQ(b.remote_control_word, ca && cb);
      // Only the end that wanted it alone takes its C=1 back with Wrong C-Bit.
      EXPECT_EQ(p.a().pseudowires().counters().wrong_cbit_out, ca && !cb ? 1u : 0u);
      EXPECT_EQ(p.b().pseudowires().counters().wrong_cbit_out, cb && !ca ? 1u : 0u);
    }
}

TEST(LdpPw, StatusBitsBothWays) {
  auto b_cfg = pwc("1.1.1.1", 100);
  Pair p({pwc("2.2.2.2", 100)}, {b_cfg});
  ASSERT_TRUE(pw_of(p.a(), 100).up);
  b_cfg.ac_up = false;  // b's attachment circuit goes down
  p.b().set_pseudowires({b_cfg}, p.net.now);
  p.net.run_for(1s);
  auto a = pw_of(p.a(), 100), b = pw_of(p.b(), 100);
  EXPECT_EQ(a.reason, PwReason::RemoteNotForwarding);
  EXPECT_EQ(a.remote_status, pw_status::NotForwarding | pw_status::AcRxFault | pw_status::AcTxFault);
  EXPECT_EQ(b.reason, PwReason::LocalNotForwarding);
  EXPECT_EQ(p.b().pseudowires().counters().status_out, 1u);
  EXPECT_EQ(p.a().pseudowires().counters().status_in, 1u);
  EXPECT_TRUE(a.remote_label.has_value());  // status, not a withdraw
  b_cfg.ac_up = true;
  p.b().set_pseudowires({b_cfg}, p.net.now);
  p.net.run_for(1s);
  EXPECT_TRUE(pw_of(p.a(), 100).up);
  EXPECT_TRUE(pw_of(p.b(), 100).up);
  EXPECT_EQ(p.a().pseudowires().counters().status_in, 2u);
}

TEST(LdpPw, RemovedPwIsWithdrawnAndReleased) {
  Pair p({pwc("2.2.2.2", 100), pwc("2.2.2.2", 101)},
         {pwc("1.1.1.1", 100), pwc("1.1.1.1", 101)});
  ASSERT_TRUE(pw_of(p.a(), 101).up);
  p.b().set_pseudowires({pwc("1.1.1.1", 100)}, p.net.now);
  p.net.run_for(1s);
  auto a = pw_of(p.a(), 101);
  EXPECT_FALSE(a.up);
  EXPECT_EQ(a.reason, PwReason::NoRemoteLabel);
  EXPECT_FALSE(a.remote_label);
  EXPECT_TRUE(pw_of(p.a(), 100).up);  // the other PW is untouched
  EXPECT_EQ(p.a().pseudowires().counters().withdraws_in, 1u);
  EXPECT_EQ(p.a().pseudowires().counters().releases_out, 1u);
  EXPECT_EQ(p.b().pseudowires().counters().releases_in, 1u);
  // b still holds a's mapping for 101 (liberal retention): configured again,
  // b maps it and both are up with no help from a.
  EXPECT_EQ(p.b().pseudowires().retained(), 2u);
  p.b().set_pseudowires({pwc("1.1.1.1", 100), pwc("1.1.1.1", 101)}, p.net.now);
  p.net.run_for(1s);
  EXPECT_TRUE(pw_of(p.a(), 101).up);
  EXPECT_TRUE(pw_of(p.b(), 101).up);
}

TEST(LdpPw, UnknownMappingsAreKeptAndCounted) {
  Pair p({pwc("2.2.2.2", 100)}, {pwc("1.1.1.1", 100), pwc("1.1.1.1", 200)});
  EXPECT_EQ(p.a().pseudowires().counters().unknown_mappings, 1u);
  EXPECT_EQ(p.a().pseudowires().retained(), 2u);
  EXPECT_EQ(pw_of(p.b(), 200).reason, PwReason::NoRemoteLabel);
  p.a().set_pseudowires({pwc("2.2.2.2", 100), pwc("2.2.2.2", 200)}, p.net.now);
  p.net.run_for(1s);
  EXPECT_TRUE(pw_of(p.a(), 200).up);
  EXPECT_TRUE(pw_of(p.b(), 200).up);
}

TEST(LdpPw, SessionLossTakesPwsDown) {
  Pair p({pwc("2.2.2.2", 100)}, {pwc("1.1.1.1", 100)});
  ASSERT_TRUE(pw_of(p.a(), 100).up);
  p.net.reset_on_kill = true;
  p.net.kill("b");
  p.net.run_for(1s);
  auto a = pw_of(p.a(), 100);
  EXPECT_FALSE(a.up);
  EXPECT_EQ(a.reason, PwReason::NoSession);
  EXPECT_FALSE(a.remote_label);
  p.net.restart("b");
  p.b().set_pseudowires({pwc("1.1.1.1", 100)}, p.net.now);
  // a still holds its targeted adjacency, so it answers b's hello only with
  // its next periodic one (15 s): then b (active) connects.
  p.net.run_for(20s);
  EXPECT_TRUE(pw_of(p.a(), 100).up) << pw_reason_name(pw_of(p.a(), 100).reason);
  EXPECT_TRUE(pw_of(p.b(), 100).up);
}

TEST(LdpPw, WildcardWithdrawsClearTheRemoteLabels) {
  Pair p({pwc("2.2.2.2", 100), pwc("2.2.2.2", 101)},
         {pwc("1.1.1.1", 100), pwc("1.1.1.1", 101)});
  ASSERT_TRUE(pw_of(p.a(), 100).up);
  Message twd;  // typed wildcard of PWid FECs, Ethernet only
  twd.type = msg::LabelWithdraw;
  twd.fecs = {FecElement::typed_wildcard_pw(pw_type::EthernetTagged)};
  p.inject_into_a(twd);
  EXPECT_TRUE(pw_of(p.a(), 100).up);  // names another PW type: nothing goes
  twd.fecs = {FecElement::typed_wildcard_pw()};
  p.inject_into_a(twd);
  EXPECT_EQ(pw_of(p.a(), 100).reason, PwReason::NoRemoteLabel);
  EXPECT_EQ(pw_of(p.a(), 101).reason, PwReason::NoRemoteLabel);
  EXPECT_EQ(p.a().pseudowires().counters().releases_out, 2u);
  // b maps again on a Label Request for one PW; a group wildcard (no PW id,
  // group 0, Ethernet) then clears it again.
  Message req;
  req.type = msg::LabelRequest;
  PwidFec one;
  one.pw_id = 100;
  req.fecs = {FecElement::of(one)};
  req.id = 901;
  p.net["b"].on_data(ip("1.1.1.1"), encode(Pdu{ip("1.1.1.1"), 0, {req}}), p.net.now);
  p.net.run_for(500ms);
  EXPECT_TRUE(pw_of(p.a(), 100).up);
  Message gwd;
  gwd.type = msg::LabelWithdraw;
  gwd.fecs = {FecElement::of(PwidFec{})};
  p.inject_into_a(gwd);
  EXPECT_EQ(pw_of(p.a(), 100).reason, PwReason::NoRemoteLabel);
}

TEST(LdpPw, StatusForAPwWeDoNotHaveIsCountedAndChangesNothing) {
  Pair p({pwc("2.2.2.2", 100)}, {pwc("1.1.1.1", 100)});
  auto before = p.a().pseudowires().states();
  Message n;
  n.type = msg::Notification;
  n.status = Status{status::PwStatus, 0, 0};
  n.pw_status = pw_status::NotForwarding;
  PwidFec other;
  other.pw_id = 555;
  n.fecs = {FecElement::of(other)};
  p.inject_into_a(n);
  EXPECT_EQ(p.a().pseudowires().counters().unknown_status, 1u);
  EXPECT_EQ(p.a().pseudowires().states(), before);
  EXPECT_EQ(p.a().sessions().at(ip("2.2.2.2")).state, SessionState::Operational);
  // A mapping with a PW type we do not carry: a notification back, nothing else.
  auto bytes = encode(Pdu{ip("2.2.2.2"), 0, {}});
  Message m;
  m.type = msg::LabelMapping;
  m.id = 902;
  PwidFec fr;
  fr.pw_type = 1;  // Frame Relay
  fr.pw_id = 100;
  fr.mtu = 1500;
  m.fecs = {FecElement::of(fr)};
  m.label = 99;
  uint64_t notif = p.a().counters().notifications_out;
  p.net["a"].on_data(ip("2.2.2.2"), encode(Pdu{ip("2.2.2.2"), 0, {m}}), p.net.now);
  p.net.run_for(200ms);
  EXPECT_EQ(p.a().counters().notifications_out, notif + 1);
  EXPECT_EQ(p.a().pseudowires().states(), before);
  EXPECT_EQ(p.a().sessions().at(ip("2.2.2.2")).state, SessionState::Operational);
}

TEST(LdpPw, ShowL2vpnTableAndFrrKeyedJson) {
  Pair p({pwc("2.2.2.2", 100, 1500, true)}, {pwc("1.1.1.1", 100, 9000, true)});
  auto text = show_l2vpn(p.a());
  EXPECT_NE(text.find("2.2.2.2"), std::string::npos) << text;
  EXPECT_NE(text.find("MTU mismatch"), std::string::npos) << text;
  EXPECT_NE(text.find("1500/9000"), std::string::npos) << text;
  auto j = l2vpn_json(p.a());
  ASSERT_TRUE(j.contains("2.2.2.2: 100")) << j.dump();
  const auto& pw = j["2.2.2.2: 100"];
  EXPECT_EQ(pw["vcId"], 100);
  EXPECT_EQ(pw["status"], "down");
  EXPECT_EQ(pw["reason"], "MTU mismatch");
  EXPECT_EQ(pw["localIfMtu"], 1500);
  EXPECT_EQ(pw["remoteIfMtu"], 9000);
  EXPECT_EQ(pw["localVcType"], "Ethernet");
  EXPECT_EQ(pw["remoteControlWord"], 1);
  EXPECT_EQ(pw["remoteLabel"], *pw_of(p.b(), 100).local_label);
}
