// A full mesh of N PEs (N = 2..8) in one process, one VPLS instance, each PE
// with one site (a whole-port AC) and a direct link to every other PE (ring
// ports pumped by the test). PE i reaches PE j over transport label 100+j
// (PE j pops it: pop_and_lookup) and PW label 1000+10j+i.
//
// Proves: a broadcast from one site reaches every other site exactly once
// and crosses the core exactly N-1 times (no PE forwards from one mesh PW to
// another); after one exchange, traffic between two sites is unicast and
// reaches no third site. Then a MAC flood: 1,000,000 random sources into one
// domain leave another domain's table and traffic untouched and the flooded
// domain at its limit.
#include <gtest/gtest.h>

#include <random>

#include "vpls_fixture.hpp"

namespace l2vpn::dp {
namespace {

using test::Bytes;
using test::Frame;
using test::mac;

std::string link(unsigned j) { return "to" + std::to_string(j); }

ForwardingState pe_state(unsigned i, unsigned n) {
  ForwardingState s;
  s.router = "PE" + std::to_string(i);
  s.ports.push_back({"site", "", mac(uint8_t(0x40 + i)), 1500});
  for (unsigned j = 0; j < n; ++j)
    if (j != i) s.ports.push_back({link(j), "", MacAddr{0x02, 0, 0, 0, uint8_t(i), uint8_t(j)}, 1500});
  s.ilm.push_back({100 + i, IlmAction::pop_and_lookup, 0});
  BridgeDomain bd;
  bd.name = "vpls";
  bd.vsi_id = 7;
  bd.attachment_circuits = {"site"};
  for (unsigned j = 0; j < n; ++j) {
    if (j == i) continue;
    Nhlfe t;
    t.id = j + 1;
    t.op = NhlfeOp::push;
    t.labels = {100 + j};
    t.out_port = link(j);
    t.next_hop_mac = MacAddr{0x02, 0, 0, 0, uint8_t(j), uint8_t(i)};
    s.nhlfes.push_back(t);
    Pseudowire p;
    p.id = 50 + j;
    p.pw_id = 7;
    p.peer = "PE" + std::to_string(j);
    p.local_label = 1000 + 10 * i + j;
    p.remote_label = 1000 + 10 * j + i;
    p.transport = NextHop{NextHop::Kind::nhlfe, t.id};
    s.pseudowires.push_back(p);
    s.ilm.push_back({p.local_label, IlmAction::pw_disposition, p.id});
    bd.mesh_pseudowires.push_back(p.id);
  }
  s.attachment_circuits = {{"site", "site", 0, AcMode::raw, std::nullopt, "vpls"}};
  s.bridge_domains.push_back(bd);
  return s;
}

struct Mesh {
  explicit Mesh(unsigned n) : n(n) {
    for (unsigned i = 0; i < n; ++i) pe.push_back(std::make_unique<test::RouterHarness>(pe_state(i, n)));
  }
  // Moves frames along the links until none is left; returns how many crossed.
  uint64_t pump() {
    uint64_t moved = 0;
    for (bool any = true; any;) {
      any = false;
      for (unsigned i = 0; i < n; ++i)
        for (unsigned j = 0; j < n; ++j) {
          if (i == j) continue;
          auto& from = *pe[i];
          int out = from.router->port_index(link(j));
          int in = pe[j]->router->port_index(link(i));
          rte_mbuf* pkts[kBurst];
          unsigned k;
          while ((k = rte_ring_dequeue_burst(from.tx[size_t(out)].get(), reinterpret_cast<void**>(pkts),
                                             kBurst, nullptr)) > 0) {
            pe[j]->router->process(0, uint16_t(in), pkts, uint16_t(k));
            pe[j]->router->flush(0);
            moved += k;
            any = true;
          }
        }
    }
    return moved;
  }
  unsigned n;
  std::vector<std::unique_ptr<test::RouterHarness>> pe;
};

MacAddr host(unsigned i) { return MacAddr{0x00, 0x50, 0, 0, 0, uint8_t(i + 1)}; }

TEST(VplsMesh, BroadcastReachesEverySiteOnceThenUnicast) {
  for (unsigned n = 2; n <= 8; ++n) {
    Mesh m(n);
    for (unsigned src = 0; src < n; ++src) {
      auto f = test::customer_frame(test::bcast(), host(src), 80, uint8_t(src));
      m.pe[src]->inject("site", {Frame().bytes(f).mbuf()});
      EXPECT_EQ(m.pump(), n - 1) << "n=" << n << " src=" << src;  // never mesh PW to mesh PW
      for (unsigned i = 0; i < n; ++i) {
        auto got = m.pe[i]->take("site");
        if (i == src) {
          EXPECT_EQ(got.size(), 0u);
        } else {
          if (got.size() != 1u) {
            auto st = m.pe[i]->router->stats();
            for (size_t d = 0; d < kDropReasonCount; ++d)
              if (st.drops[d]) ADD_FAILURE() << kDropReasonNames[d] << " " << st.drops[d];
          }
          ASSERT_EQ(got.size(), 1u) << "n=" << n << " site " << i;
          EXPECT_EQ(got[0], f);
        }
      }
    }
    // Every PE has learned every remote host against the right PW.
    for (unsigned i = 0; i < n; ++i)
      for (unsigned j = 0; j < n; ++j)
        EXPECT_EQ(m.pe[i]->router->mac_owner("vpls", host(j)),
                  i == j ? "ac:site" : "pw:" + std::to_string(50 + j));
    // Site 0 <-> site n-1: unicast, no third site, one core crossing each.
    for (int round = 0; round < 3; ++round) {
      unsigned a = 0, b = n - 1;
      auto f = test::customer_frame(host(b), host(a), 200, uint8_t(round));
      m.pe[a]->inject("site", {Frame().bytes(f).mbuf()});
      EXPECT_EQ(m.pump(), 1u);
      auto g = test::customer_frame(host(a), host(b), 200, uint8_t(round));
      m.pe[b]->inject("site", {Frame().bytes(g).mbuf()});
      EXPECT_EQ(m.pump(), 1u);
      EXPECT_EQ(m.pe[b]->take("site"), std::vector<Bytes>{f});
      EXPECT_EQ(m.pe[a]->take("site"), std::vector<Bytes>{g});
      for (unsigned i = 1; i + 1 < n; ++i) EXPECT_EQ(m.pe[i]->take("site").size(), 0u);
    }
    for (unsigned i = 0; i < n; ++i) {
      auto bs = m.pe[i]->router->bd_stats("vpls");
      EXPECT_EQ(bs.moved, 0u);
      auto st = m.pe[i]->router->stats();
      EXPECT_EQ(st.rx_packets + st.replicas, st.forwarded + st.total_drops());
      EXPECT_EQ(st.total_drops(), 0u);
    }
  }
}

TEST(VplsMesh, MillionSourceMacFloodStaysInItsDomain) {
  test::RouterHarness h(test::vpls_state());  // blue (limit 4096) and red
  const MacAddr kRedA = mac(0x0a, 0x00), kRedB = mac(0x0b, 0x00), kDst = mac(0xdd, 0x00);
  // Red: one host on the AC, one behind PW 21; blue: kDst on a2.
  h.inject("ac4", {Frame().bytes(test::customer_frame(test::bcast(), kRedA, 60)).mbuf()});
  h.inject("core", {test::from_pw(7021, test::customer_frame(kRedA, kRedB, 60))});
  h.inject("ac2", {Frame().bytes(test::customer_frame(test::bcast(), kDst, 60)).mbuf()});
  for (auto p : {"ac1", "ac2", "ac3", "ac4", "core"}) h.take(p);
  const uint64_t red_learned = h.router->mac_table("red")->learned();
  const uint64_t flooded_before = h.router->bd_stats("blue").flooded;
  ASSERT_EQ(red_learned, 2u);

  std::mt19937_64 rng(42);
  const unsigned kFlood = 1'000'000;
  auto base = test::customer_frame(kDst, mac(1), 46);
  int ac1 = h.router->port_index("ac1"), ac2 = h.router->port_index("ac2");
  uint64_t to_dst = 0, red_ok = 0, red_checks = 0;
  rte_mbuf* pkts[kBurst];
  for (unsigned sent = 0; sent < kFlood;) {
    unsigned k = std::min<unsigned>(kBurst, kFlood - sent);
    ASSERT_EQ(rte_pktmbuf_alloc_bulk(test::pool(), pkts, k), 0);
    for (unsigned x = 0; x < k; ++x) {
      auto* d = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(pkts[x], uint16_t(base.size())));
      std::memcpy(d, base.data(), base.size());
      uint64_t r = rng();
      std::memcpy(d + 6, &r, 6);
      d[6] = uint8_t((d[6] & 0xfe) | 0x02);  // unicast, locally administered
    }
    h.router->process(0, uint16_t(ac1), pkts, uint16_t(k));
    h.router->flush(0);
    sent += k;
    to_dst += rte_ring_count(h.tx[size_t(ac2)].get());
    h.take("ac2");
    if (sent % 65536 < kBurst) {
      // Red keeps working, unicast both ways, mid-flood.
      h.inject("ac4", {Frame().bytes(test::customer_frame(kRedB, kRedA, 60)).mbuf()});
      h.inject("core", {test::from_pw(7021, test::customer_frame(kRedA, kRedB, 60))});
      auto c = h.take("core");
      auto a = h.take("ac4");
      ++red_checks;
      red_ok += c.size() == 1 && test::pw_label_of(c[0]) == 8021 && a.size() == 1;
    }
  }
  EXPECT_EQ(to_dst, kFlood);  // known unicast all the way through
  auto blue = h.router->bd_stats("blue");
  EXPECT_EQ(h.router->mac_table("blue")->learned(), 4096u);
  EXPECT_EQ(blue.learned, 4096u);
  EXPECT_GE(blue.limit_hits, kFlood - 4096 - 64);  // a few random repeats are "known"
  EXPECT_EQ(blue.flooded, flooded_before);  // the flood's frames were all known unicast
  EXPECT_EQ(h.router->mac_table("red")->learned(), red_learned);
  EXPECT_EQ(h.router->bd_stats("red").limit_hits, 0u);
  EXPECT_EQ(red_ok, red_checks);
  EXPECT_GE(red_checks, 15u);
  for (auto p : {"ac1", "ac3", "core"}) EXPECT_EQ(h.take(p).size(), 0u) << p;
  auto st = h.router->stats();
  EXPECT_EQ(st.rx_packets + st.replicas, st.forwarded + st.total_drops());
  EXPECT_EQ(st.total_drops(), 0u);
}

}  // namespace
}  // namespace l2vpn::dp
