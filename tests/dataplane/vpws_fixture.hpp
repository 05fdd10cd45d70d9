#pragma once
// A PE with one core port and two customer ports, for the VPWS tests.
#include "dataplane_test_env.hpp"

namespace l2vpn::dp::test {

// PE1: port "core" toward P (next hop MAC 06:..:a0); "ac1" whole-port raw AC
// into PW 1 (remote label 5001, local 6001, transport push [2000]);
// "ac2" VLAN 100 raw into PW 2 (remote 5002, local 6002, CW), VLAN 200 tagged
// into PW 3 (remote 5003, local 6003, CW, flow label), VLAN 300 tagged into
// PW 4 whose transport is an ECMP group over "core" and "core2".
inline ForwardingState vpws_state() {
  ForwardingState s;
  s.router = "PE1";
  s.ports = {{"core", "", mac(0x10), 1500}, {"core2", "", mac(0x11), 1500},
             {"ac1", "", mac(0x20), 1500},  {"ac2", "", mac(0x21), 1500}};
  Nhlfe t;
  t.id = 1;
  t.op = NhlfeOp::push;
  t.labels = {2000};
  t.out_port = "core";
  t.next_hop_mac = mac(0xa0, 0x06);
  s.nhlfes.push_back(t);
  t.id = 2;
  t.labels = {2001};
  t.out_port = "core2";
  t.next_hop_mac = mac(0xa1, 0x06);
  s.nhlfes.push_back(t);
  s.ecmp_groups.push_back({3, {1, 2}});
  auto pw = [&](uint32_t id, bool cw, bool flow, NextHop tr) {
    Pseudowire p;
    p.id = id;
    p.pw_id = 100 + id;
    p.peer = "PE2";
    p.local_label = 6000 + id;
    p.remote_label = 5000 + id;
    p.transport = tr;
    p.control_word = cw;
    p.flow_label = flow;
    s.pseudowires.push_back(p);
    s.ilm.push_back({p.local_label, IlmAction::pw_disposition, id});
  };
  pw(1, false, false, {NextHop::Kind::nhlfe, 1});
  pw(2, true, false, {NextHop::Kind::nhlfe, 1});
  pw(3, true, true, {NextHop::Kind::nhlfe, 1});
  pw(4, true, false, {NextHop::Kind::ecmp, 3});
  s.attachment_circuits = {{"site-a", "ac1", 0, AcMode::raw, 1u, std::nullopt},
                           {"site-b", "ac2", 100, AcMode::raw, 2u, std::nullopt},
                           {"site-c", "ac2", 200, AcMode::tagged, 3u, std::nullopt},
                           {"site-d", "ac2", 300, AcMode::tagged, 4u, std::nullopt}};
  return s;
}

}  // namespace l2vpn::dp::test
