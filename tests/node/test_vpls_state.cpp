// The node's VPLS instances in its ForwardingState (node/vpls_state.hpp):
// the bridge domain in the shape controlplane/vpls.cpp emits it (ACs, one
// mesh PW per other PE in one split-horizon group, disposition only while
// UP), the engine's PW configs, and which PW a MAC withdraw names.
#include <gtest/gtest.h>

#include "ldp/pdu.hpp"
#include "node/pw_state.hpp"
#include "node/vpls_state.hpp"

using namespace l2vpn;
using namespace l2vpn::node;

namespace {

uint32_t ip(const char* s) { return *ldp::parse_ip(s); }
std::string fmt_ip(uint32_t i) { return "10.255.0." + std::to_string(i + 1) + "/32"; }

// pe1 with one core port and FTNs to pe2's and pe3's loopbacks.
ForwardingState core() {
  ForwardingState st;
  st.router = "pe1";
  st.router_id = "10.255.0.1";
  st.ports = {Port{"to-p1", "", {2, 0, 0, 0, 0, 1}, 1600}};
  for (uint32_t i = 1; i <= 2; ++i) {
    Nhlfe n;
    n.id = i;
    n.op = NhlfeOp::push;
    n.labels = {300 + i};
    n.out_port = "to-p1";
    n.next_hop_mac = {0xa, 0, 0, 0, 0, 1};
    st.nhlfes.push_back(n);
    st.ftn.push_back(FtnEntry{fmt_ip(i), NextHop{NextHop::Kind::nhlfe, i}});
  }
  return st;
}

NodeVpls lan() {
  NodeVpls v;
  v.name = "lan";
  v.vsi_id = 700;
  v.mac_limit = 1000;
  v.aging_seconds = 120;
  AttachmentCircuit a;
  a.name = "h1";
  a.port = "ac-h1";
  AttachmentCircuit b;
  b.name = "h1b";
  b.port = "ce2";
  b.vlan = 30;
  v.acs = {a, b};
  v.peers = {ip("10.255.0.2"), ip("10.255.0.3")};
  return v;
}

ldp::PseudowireState state(const ldp::PseudowireConfig& c, bool up, uint32_t local,
                           std::optional<uint32_t> remote) {
  ldp::PseudowireState s;
  s.config = c;
  s.local_label = local;
  s.remote_label = remote;
  s.control_word = true;
  s.up = up;
  s.reason = up ? ldp::PwReason::None : ldp::PwReason::NoSession;
  return s;
}

}  // namespace

TEST(NodeVplsState, MeshPseudowiresToEveryOtherPe) {
  auto cfg = vpls_pseudowire_configs({lan()});
  ASSERT_EQ(cfg.size(), 2u);
  for (const auto& c : cfg) {
    EXPECT_EQ(c.name, "lan");
    EXPECT_EQ(c.pw_id, 700u);
    EXPECT_EQ(c.pw_type, ldp::pw_type::Ethernet);
    EXPECT_EQ(c.mtu, 1500);
    EXPECT_TRUE(c.control_word);
  }
  EXPECT_EQ(cfg[0].lsr_id, ip("10.255.0.2"));
  EXPECT_EQ(cfg[1].lsr_id, ip("10.255.0.3"));
}

TEST(NodeVplsState, BridgeDomainShapeWithSplitHorizon) {
  ForwardingState st = core();
  auto cfg = vpls_pseudowire_configs({lan()});
  add_vpls(st, {lan()}, {state(cfg[0], true, 10000, 20000), state(cfg[1], false, 10001, std::nullopt)},
           KernelView{}, 5);
  ASSERT_TRUE(validate(st)) << validate(st).error().message;
  ASSERT_EQ(st.bridge_domains.size(), 1u);
  const BridgeDomain& bd = st.bridge_domains[0];
  EXPECT_EQ(bd.name, "lan");
  EXPECT_EQ(bd.vsi_id, 700u);
  EXPECT_EQ(bd.mac_limit, 1000u);
  EXPECT_EQ(bd.aging_seconds, 120u);
  EXPECT_EQ(bd.attachment_circuits, (std::vector<std::string>{"h1", "h1b"}));
  // Both PWs in the one mesh group (split horizon), none a spoke; the down
  // one stays a member (the dataplane leaves it out of flooding).
  EXPECT_EQ(bd.mesh_pseudowires, (std::vector<uint32_t>{5, 6}));
  EXPECT_TRUE(bd.spoke_pseudowires.empty());
  ASSERT_EQ(st.pseudowires.size(), 2u);
  EXPECT_TRUE(st.pseudowires[0].up);
  EXPECT_EQ(st.pseudowires[0].peer, "10.255.0.2");
  EXPECT_EQ(st.pseudowires[0].remote_label, 20000u);
  EXPECT_EQ(st.pseudowires[0].transport, (NextHop{NextHop::Kind::nhlfe, 1}));
  EXPECT_FALSE(st.pseudowires[1].up);
  EXPECT_EQ(st.pseudowires[1].down_reason, "no LDP session");
  // Disposition for the up PW only.
  ASSERT_EQ(st.ilm.size(), 1u);
  EXPECT_EQ(st.ilm[0], (IlmEntry{10000, IlmAction::pw_disposition, 5}));
  // The ACs point at the domain, not at a PW; their ports exist.
  ASSERT_EQ(st.attachment_circuits.size(), 2u);
  for (const auto& ac : st.attachment_circuits) {
    EXPECT_EQ(ac.bridge_domain, "lan");
    EXPECT_FALSE(ac.pseudowire);
    EXPECT_TRUE(st.find_port(ac.port)) << ac.port;
  }
  EXPECT_EQ(st.find_ac("h1b")->vlan, 30);
}

TEST(NodeVplsState, IdsStayStableWhenAPwIsNotSignalledYet) {
  ForwardingState st = core();
  auto cfg = vpls_pseudowire_configs({lan()});
  add_vpls(st, {lan()}, {state(cfg[1], true, 10001, 20001)}, KernelView{}, 3);
  ASSERT_TRUE(validate(st)) << validate(st).error().message;
  ASSERT_EQ(st.pseudowires.size(), 1u);
  EXPECT_EQ(st.pseudowires[0].id, 4u);  // the second peer's id, as always
  EXPECT_EQ(st.bridge_domains[0].mesh_pseudowires, std::vector<uint32_t>{4});
}

TEST(NodeVplsState, SharesTheStateWithVpws) {
  ForwardingState st = core();
  NodePseudowire np;
  np.config.name = "vpws";
  np.config.lsr_id = ip("10.255.0.2");
  np.config.pw_id = 100;
  np.ac_interface = "ce1";
  np.ac.name = "dc1";
  np.ac.port = "ce1";
  add_pseudowires(st, {np}, {state(np.config, true, 9000, 9100)}, KernelView{});
  auto cfg = vpls_pseudowire_configs({lan()});
  add_vpls(st, {lan()}, {state(cfg[0], true, 10000, 20000), state(cfg[1], true, 10001, 20001)},
           KernelView{}, 2);
  ASSERT_TRUE(validate(st)) << validate(st).error().message;
  EXPECT_EQ(st.pseudowires.size(), 3u);
  EXPECT_EQ(st.ilm.size(), 3u);
  EXPECT_TRUE(std::is_sorted(st.ilm.begin(), st.ilm.end(),
                             [](const IlmEntry& a, const IlmEntry& b) { return a.label < b.label; }));
}

TEST(NodeVplsState, MacWithdrawNamesTheMeshPw) {
  auto m = vpls_member({lan()}, 5, ip("10.255.0.3"), 700);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->bridge_domain, "lan");
  EXPECT_EQ(m->pseudowire, 6u);
  EXPECT_FALSE(vpls_member({lan()}, 5, ip("10.255.0.3"), 701));  // unknown VSI
  EXPECT_FALSE(vpls_member({lan()}, 5, ip("10.255.0.9"), 700));  // not a member
}
