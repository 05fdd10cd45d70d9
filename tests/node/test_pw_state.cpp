// The node's VPWS pseudowires in its ForwardingState (node/pw_state.hpp):
// the shapes controlplane/ emits for the emulator, from the PW engine's
// states and the FTN LDP built to the far PE.
#include <gtest/gtest.h>

#include "ldp/pdu.hpp"
#include "node/pw_state.hpp"

using namespace l2vpn;
using namespace l2vpn::node;

namespace {

uint32_t ip(const char* s) { return *ldp::parse_ip(s); }

// pe1 with one core port and an FTN to pe2's loopback (push 300 over it).
ForwardingState core() {
  ForwardingState st;
  st.router = "pe1";
  st.router_id = "10.255.0.1";
  st.ports = {Port{"to-p1", "", {2, 0, 0, 0, 0, 1}, 1600}};
  Nhlfe n;
  n.id = 1;
  n.op = NhlfeOp::push;
  n.labels = {300};
  n.out_port = "to-p1";
  n.next_hop_mac = {0xa, 0, 0, 0, 0, 1};
  st.nhlfes = {n};
  st.ftn = {FtnEntry{"10.255.0.2/32", NextHop{NextHop::Kind::nhlfe, 1}}};
  return st;
}

NodePseudowire vpws(uint32_t pw_id, const char* site, const char* port, uint16_t vlan, AcMode mode) {
  NodePseudowire np;
  np.config.name = site;
  np.config.lsr_id = ip("10.255.0.2");
  np.config.pw_id = pw_id;
  np.config.mtu = 1500;
  np.config.control_word = true;
  np.ac_interface = port;
  np.ac.name = site;
  np.ac.port = port;
  np.ac.vlan = vlan;
  np.ac.mode = mode;
  return np;
}

ldp::PseudowireState state(const NodePseudowire& np, bool up, uint32_t local, std::optional<uint32_t> remote) {
  ldp::PseudowireState s;
  s.config = np.config;
  s.local_label = local;
  s.remote_label = remote;
  s.control_word = up;
  s.up = up;
  s.reason = up ? ldp::PwReason::None : ldp::PwReason::NoRemoteLabel;
  return s;
}

KernelView kernel() {
  KernelView k;
  k.links[2] = KernelLink{"to-p1", true, {2, 0, 0, 0, 0, 1}, 1600};
  k.links[3] = KernelLink{"ce1", true, {2, 0, 0, 0, 0, 0xc}};
  return k;
}

}  // namespace

TEST(NodePwState, AnUpPseudowireImposesOverTheFtnAndDisposesToItsAc) {
  ForwardingState st = core();
  std::vector<NodePseudowire> pws = {vpws(100, "dc1", "ce1", 0, AcMode::raw)};
  add_pseudowires(st, pws, {state(pws[0], true, 10000, 20000)}, kernel());
  ASSERT_TRUE(validate(st)) << validate(st).error().message;
  ASSERT_EQ(st.pseudowires.size(), 1u);
  const Pseudowire& pw = st.pseudowires[0];
  EXPECT_EQ(pw.id, 1u);
  EXPECT_EQ(pw.pw_id, 100u);
  EXPECT_EQ(pw.peer, "10.255.0.2");
  EXPECT_EQ(pw.local_label, 10000u);
  EXPECT_EQ(pw.remote_label, 20000u);
  EXPECT_EQ(pw.transport, (NextHop{NextHop::Kind::nhlfe, 1}));
  EXPECT_TRUE(pw.control_word);
  EXPECT_EQ(pw.mtu, 1500u);
  EXPECT_TRUE(pw.up);
  ASSERT_EQ(st.attachment_circuits.size(), 1u);
  EXPECT_EQ(st.attachment_circuits[0].name, "dc1");
  EXPECT_EQ(st.attachment_circuits[0].port, "ce1");
  EXPECT_EQ(st.attachment_circuits[0].pseudowire, 1u);
  const Port* ac = st.find_port("ce1");
  ASSERT_TRUE(ac);
  EXPECT_EQ(ac->mac, (MacAddr{2, 0, 0, 0, 0, 0xc}));
  EXPECT_EQ(ac->mtu, 1500u);
  ASSERT_EQ(st.ilm.size(), 1u);
  EXPECT_EQ(st.ilm[0], (IlmEntry{10000, IlmAction::pw_disposition, 1}));
}

TEST(NodePwState, ADownPseudowireIsNotForwarded) {
  ForwardingState st = core();
  std::vector<NodePseudowire> pws = {vpws(100, "dc1", "ce1", 0, AcMode::raw),
                                     vpws(101, "dc1b", "ce2", 0, AcMode::raw)};
  add_pseudowires(st, pws, {state(pws[0], false, 10000, std::nullopt), state(pws[1], true, 10001, 20001)},
                  kernel());
  // Without the FTN to its PE, the signalled-UP pw 101 is down as well.
  ForwardingState again = core();
  again.ftn.clear();
  add_pseudowires(again, pws, {state(pws[0], false, 10000, std::nullopt), state(pws[1], true, 10001, 20001)},
                  kernel());
  for (ForwardingState* s : {&st, &again}) ASSERT_TRUE(validate(*s)) << validate(*s).error().message;
  ASSERT_EQ(st.pseudowires.size(), 2u);
  EXPECT_FALSE(st.pseudowires[0].up);
  EXPECT_EQ(st.pseudowires[0].down_reason, "no remote label");
  EXPECT_EQ(st.pseudowires[0].remote_label, 0u);
  EXPECT_TRUE(st.pseudowires[1].up);  // the FTN was there when it was built
  EXPECT_FALSE(again.pseudowires[1].up);
  EXPECT_EQ(again.pseudowires[1].down_reason, "no LSP to the remote PE");
  EXPECT_TRUE(again.ilm.empty());  // no disposition for a down PW
  EXPECT_EQ(again.attachment_circuits.size(), 2u);
}

TEST(NodePwState, TaggedAcsShareTheirPortAndAPwTheEngineLacksIsLeftOut) {
  ForwardingState st = core();
  std::vector<NodePseudowire> pws = {vpws(100, "v10", "ce1", 10, AcMode::tagged),
                                     vpws(101, "v20", "ce1", 20, AcMode::tagged),
                                     vpws(102, "gone", "ce3", 0, AcMode::raw)};
  pws[1].config.mtu = 9000;
  add_pseudowires(st, pws, {state(pws[0], true, 10000, 20000), state(pws[1], true, 10001, 20001)}, kernel());
  ASSERT_TRUE(validate(st)) << validate(st).error().message;
  EXPECT_EQ(st.pseudowires.size(), 2u);
  EXPECT_EQ(st.pseudowires[1].id, 2u);
  EXPECT_EQ(st.ports.size(), 2u);  // to-p1 and ce1 once
  EXPECT_EQ(st.find_port("ce1")->mtu, 9000u);
  EXPECT_EQ(st.attachment_circuits[1].vlan, 20);
  EXPECT_EQ(st.attachment_circuits[1].mode, AcMode::tagged);
  EXPECT_EQ(st.ilm.size(), 2u);
}
