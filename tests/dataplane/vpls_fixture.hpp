#pragma once
// A VPLS PE for the bridge tests.
//
// PE1, port "core" toward P (next hop 06:..:a0, transport push [2000]).
// Bridge domain "blue": ACs "a1" (port ac1, whole port), "a2" (port ac2,
// whole port), "a3" (port ac3, VLAN 100 raw); mesh PWs 11 (local 7011,
// remote 8011) and 12 (7012/8012); spoke PW 13 (7013/8013, control word).
// Bridge domain "red": AC "r1" (port ac4) and mesh PW 21 (7021/8021).
#include "dataplane_test_env.hpp"

namespace l2vpn::dp::test {

inline ForwardingState vpls_state() {
  ForwardingState s;
  s.router = "PE1";
  s.ports = {{"core", "", mac(0x10), 1500}, {"ac1", "", mac(0x21), 1500}, {"ac2", "", mac(0x22), 1500},
             {"ac3", "", mac(0x23), 1500},  {"ac4", "", mac(0x24), 1500}};
  Nhlfe t;
  t.id = 1;
  t.op = NhlfeOp::push;
  t.labels = {2000};
  t.out_port = "core";
  t.next_hop_mac = mac(0xa0, 0x06);
  s.nhlfes.push_back(t);
  auto pw = [&](uint32_t id, bool cw) {
    Pseudowire p;
    p.id = id;
    p.pw_id = 500;
    p.peer = "PE" + std::to_string(id);
    p.local_label = 7000 + id;
    p.remote_label = 8000 + id;
    p.transport = NextHop{NextHop::Kind::nhlfe, 1};
    p.control_word = cw;
    s.pseudowires.push_back(p);
    s.ilm.push_back({p.local_label, IlmAction::pw_disposition, id});
  };
  pw(11, false);
  pw(12, false);
  pw(13, true);
  pw(21, false);
  s.attachment_circuits = {{"a1", "ac1", 0, AcMode::raw, std::nullopt, "blue"},
                           {"a2", "ac2", 0, AcMode::raw, std::nullopt, "blue"},
                           {"a3", "ac3", 100, AcMode::raw, std::nullopt, "blue"},
                           {"r1", "ac4", 0, AcMode::raw, std::nullopt, "red"}};
  BridgeDomain blue;
  blue.name = "blue";
  blue.vsi_id = 500;
  blue.attachment_circuits = {"a1", "a2", "a3"};
  blue.mesh_pseudowires = {11, 12};
  blue.spoke_pseudowires = {13};
  s.bridge_domains.push_back(blue);
  BridgeDomain red;
  red.name = "red";
  red.vsi_id = 600;
  red.attachment_circuits = {"r1"};
  red.mesh_pseudowires = {21};
  s.bridge_domains.push_back(red);
  return s;
}

// A labelled frame from the core for PW `local_label` carrying `cust`.
inline rte_mbuf* from_pw(uint32_t local_label, const Bytes& cust, bool cw = false) {
  Frame f;
  f.eth(mac(0x10), mac(0xa0, 0x06), kEtherTypeMpls).mpls(local_label, 0, true, 254);
  if (cw) f.word(0);
  return f.bytes(cust).mbuf();
}

// What PE1 sends over PW `remote_label`: transport 2000 + PW label [+ CW] + frame.
inline Bytes to_pw(uint32_t remote_label, const Bytes& cust, bool cw = false) {
  Frame f;
  f.eth(mac(0xa0, 0x06), mac(0x10), kEtherTypeMpls).mpls(2000, 0, false, 255).mpls(remote_label, 0, true, 255);
  if (cw) f.word(cw::make(cust.size() + 4 < 64 ? uint8_t(cust.size() + 4) : 0, 0));
  return f.bytes(cust).data();
}

// The PW label of a frame PE1 sent on "core".
inline uint32_t pw_label_of(const Bytes& b) { return lse::label(load_be32(b.data() + 18)); }

inline MacAddr bcast() { return {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}; }

}  // namespace l2vpn::dp::test
