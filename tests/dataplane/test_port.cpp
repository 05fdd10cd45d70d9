// Ports: rings on our own memory (no memzone), ethdev probing with clear
// errors, and a router forwarding between two net_ring ethdevs.
#include <gtest/gtest.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>

#include "dataplane_test_env.hpp"

namespace l2vpn::dp {
namespace {

using test::Frame;
using test::mac;

TEST(Port, RingsNeedNoMemzoneSoThousandsFit) {
  // Far beyond the 2,560 memzones a process may have.
  std::vector<RingPtr> rings;
  for (int i = 0; i < 4000; ++i) {
    auto r = make_ring("link" + std::to_string(i), 64);
    ASSERT_TRUE(r.ok()) << r.error().message;
    rings.push_back(std::move(*r));
  }
  RingPortIo io(rings[0].get(), rings[1].get());
  rte_mbuf* m = Frame().eth(mac(1), mac(2), kEtherTypeIpv4).fill(46).mbuf();
  EXPECT_EQ(io.tx_burst(&m, 1), 1);
  EXPECT_EQ(rte_ring_count(rings[1].get()), 1u);
  void* got = nullptr;
  ASSERT_EQ(rte_ring_dequeue(rings[1].get(), &got), 0);
  rte_pktmbuf_free(static_cast<rte_mbuf*>(got));
}

TEST(Port, ProbeErrorsNameTheDevice) {
  auto r = probe_ethdev("net_nosuchdriver0");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("net_nosuchdriver0"), std::string::npos);
  r = probe_ethdev("");
  ASSERT_FALSE(r.ok());
}

TEST(Port, RouterForwardsBetweenTwoEthdevs) {
  // Two net_ring ethdevs built from rings we hold, so we can feed and read them.
  auto in_rx = make_ring("in_rx", 256, true), in_tx = make_ring("in_tx", 256, true);
  auto out_rx = make_ring("out_rx", 256, true), out_tx = make_ring("out_tx", 256, true);
  rte_ring* a_rx = in_rx->get();
  rte_ring* a_tx = in_tx->get();
  rte_ring* b_rx = out_rx->get();
  rte_ring* b_tx = out_tx->get();
  int pa = rte_eth_from_rings("test_eth_a", &a_rx, 1, &a_tx, 1, 0);
  int pb = rte_eth_from_rings("test_eth_b", &b_rx, 1, &b_tx, 1, 0);
  ASSERT_GE(pa, 0);
  ASSERT_GE(pb, 0);
  for (int p : {pa, pb}) {
    auto st = start_ethdev(uint16_t(p), 1, test::pool());
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  auto probed = probe_ethdev("net_ring_test_eth_a");  // already there: found by name
  ASSERT_TRUE(probed.ok());
  EXPECT_EQ(*probed, uint16_t(pa));

  ForwardingState s;
  s.router = "R";
  s.ports = {{"a", "net_ring_test_eth_a", mac(1), 1500}, {"b", "net_ring_test_eth_b", mac(2), 1500}};
  Nhlfe n;
  n.id = 1;
  n.op = NhlfeOp::swap;
  n.labels = {77777};
  n.out_port = "b";
  s.nhlfes = {n};
  s.ilm = {{4444, IlmAction::forward, 1}};
  Router r("R", test::rcu());
  r.set_port_io(r.add_port("a"), 0, std::make_unique<EthdevPortIo>(uint16_t(pa), 0));
  r.set_port_io(r.add_port("b"), 0, std::make_unique<EthdevPortIo>(uint16_t(pb), 0));
  ASSERT_TRUE(r.update(s).ok());
  for (int i = 0; i < 40; ++i) {
    rte_mbuf* m = Frame().eth(mac(1), mac(9), kEtherTypeMpls).mpls(4444, 0, true, 9).fill(46).mbuf();
    ASSERT_EQ(rte_ring_enqueue(a_rx, m), 0);
  }
  r.poll(0);
  r.poll(0);
  EXPECT_EQ(rte_ring_count(b_tx), 40u);
  void* got;
  while (rte_ring_dequeue(b_tx, &got) == 0) {
    auto* m = static_cast<rte_mbuf*>(got);
    EXPECT_EQ(lse::label(load_be32(rte_pktmbuf_mtod(m, uint8_t*) + 14)), 77777u);
    rte_pktmbuf_free(m);
  }
  for (int p : {pa, pb}) {
    rte_eth_dev_stop(uint16_t(p));
    rte_eth_dev_close(uint16_t(p));
  }
}

}  // namespace
}  // namespace l2vpn::dp
