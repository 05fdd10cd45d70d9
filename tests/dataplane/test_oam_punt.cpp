// The OAM punt (dataplane/oam_punt.hpp, docs/oam.md): off by default; when
// on, echo requests whose TTL expires here, that end their stack here (our
// label, explicit null, ELI), that arrive unlabelled after PHP, or that ride
// a PW's ACH go to the ring; other drops stay drops; the rate limit and the
// ring bound what is taken; forwarding is unchanged; what the control
// thread sends leaves at the next flush.
#include <gtest/gtest.h>

#include "dataplane_test_env.hpp"
#include "oam/ipv4_udp.hpp"
#include "oam/lsp_ping.hpp"
#include "oam/responder.hpp"
#include "oam/vccv.hpp"
#include "vpws_fixture.hpp"

namespace l2vpn::dp {
namespace {

using test::Bytes;
using test::Frame;
using test::mac;

ForwardingState lsr() {
  ForwardingState s;
  s.router = "P1";
  for (int i = 0; i < 2; ++i) s.ports.push_back({"core" + std::to_string(i), "", mac(uint8_t(0x10 + i)), 1500});
  Nhlfe n;
  n.id = 1;
  n.op = NhlfeOp::swap;
  n.labels = {1000};
  n.out_port = "core1";
  n.next_hop_mac = mac(0xa1, 0x06);
  s.nhlfes.push_back(n);
  s.ilm = {{100, IlmAction::forward, 1}, {900, IlmAction::pop_and_lookup, 0}};
  return s;
}

Bytes echo_request(uint16_t dport = oam::kLspPingPort) {
  oam::RequestSpec r;
  r.fecs = {oam::LdpPrefixFec{0x0aff0003, 32}};
  r.src = 0x0aff0001;
  r.src_port = 49152;
  Bytes b = oam::build_request(r);
  b[20 + 4 + 2] = uint8_t(dport >> 8);  // UDP destination port (IHL 6: Router Alert)
  b[20 + 4 + 3] = uint8_t(dport);
  return b;
}

rte_mbuf* labelled(std::vector<uint32_t> stack, const Bytes& payload) {
  Frame f;
  f.eth(mac(0x10), mac(0x99, 0x06), kEtherTypeMpls);
  for (uint32_t w : stack) f.word(w);
  f.bytes(payload);
  return f.mbuf();
}

rte_mbuf* unlabelled(uint16_t type, const Bytes& payload) {
  Frame f;
  f.eth(mac(0x10), mac(0x99, 0x06), type);
  f.bytes(payload);
  return f.mbuf();
}

std::vector<std::pair<Bytes, OamPuntReason>> drain(Router& r) {
  std::vector<std::pair<Bytes, OamPuntReason>> out;
  rte_mbuf* m[64];
  OamPuntReason why[64];
  const unsigned n = r.drain_oam(m, why, 64);
  for (unsigned i = 0; i < n; ++i) {
    out.emplace_back(test::bytes_of(m[i]), why[i]);
    rte_pktmbuf_free(m[i]);
  }
  return out;
}

void expect_counters_add_up(const Router& r) {
  const RouterStats st = r.stats();
  EXPECT_EQ(st.rx_packets + st.replicas + st.oam_sent, st.forwarded + st.total_drops() + st.oam_punted);
}

OamPuntConfig on(uint32_t rate = 100000, uint32_t burst = 1000, uint32_t queue = 1024) {
  return OamPuntConfig{true, rate, burst, queue};
}

TEST(OamPunt, ClassifiesWhatFollowsTheStack) {
  const Bytes req = echo_request();
  Bytes s = {0, 0x06, 0x41, 0x01};  // label 100, BoS, TTL 1
  s.insert(s.end(), req.begin(), req.end());
  EXPECT_EQ(classify_labelled(s.data(), uint32_t(s.size())), OamPayload::lsp_ping);
  EXPECT_EQ(classify_ipv4(req.data(), uint32_t(req.size())), OamPayload::lsp_ping);
  const Bytes bfd = echo_request(3784);
  EXPECT_EQ(classify_ipv4(bfd.data(), uint32_t(bfd.size())), OamPayload::bfd);
  EXPECT_EQ(classify_ipv4(echo_request(80).data(), uint32_t(req.size())), OamPayload::none);
  Bytes tcp = req;
  tcp[9] = 6;
  EXPECT_EQ(classify_ipv4(tcp.data(), uint32_t(tcp.size())), OamPayload::none);
  EXPECT_EQ(classify_ipv4(req.data(), 27), OamPayload::none);  // cut in the UDP header
  // ACH: IPv4 inside, raw BFD, another channel.
  Bytes ach = {0, 0x12, 0xc1, 0x01};  // PW label 300
  oam::build_ach(ach, oam::channel::ipv4, req);
  EXPECT_EQ(classify_labelled(ach.data(), uint32_t(ach.size())), OamPayload::lsp_ping);
  ach[6] = 0;
  ach[7] = 0x07;
  EXPECT_EQ(classify_labelled(ach.data(), uint32_t(ach.size())), OamPayload::bfd);
  ach[7] = 0x58;
  EXPECT_EQ(classify_labelled(ach.data(), uint32_t(ach.size())), OamPayload::none);
  // Nine labels without a bottom: not looked past.
  Bytes deep(9 * 4, 0);
  deep.insert(deep.end(), req.begin(), req.end());
  EXPECT_EQ(classify_labelled(deep.data(), uint32_t(deep.size())), OamPayload::none);
}

TEST(OamPunt, OffByDefault) {
  test::RouterHarness h(lsr());
  EXPECT_FALSE(h.router->oam_punt_enabled());
  h.inject("core0", {labelled({lse::make(100, 0, true, 1)}, echo_request())});
  EXPECT_EQ(h.router->stats().drop(DropReason::ttl_expired), 1u);
  EXPECT_EQ(h.router->stats().oam_punted, 0u);
  EXPECT_TRUE(drain(*h.router).empty());
}

TEST(OamPunt, TakesEchoRequestsThatExpireOrEndHere) {
  test::RouterHarness h(lsr());
  ASSERT_TRUE(h.router->enable_oam_punt(on()).ok());
  const Bytes req = echo_request();
  h.inject("core0", {
      labelled({lse::make(100, 0, true, 1)}, req),                          // TTL expires: traceroute
      labelled({lse::make(100, 0, true, 1)}, Bytes(60, 0x45)),             // TTL expires, not OAM: dropped
      labelled({lse::make(900, 0, true, 64)}, req),                         // our label ends the stack
      labelled({lse::make(0, 0, true, 64)}, req),                           // explicit null
      labelled({lse::make(7, 0, false, 64), lse::make(12345, 0, true, 0)}, req),  // ELI + EL
      unlabelled(kEtherTypeIpv4, req),                                      // after PHP
      unlabelled(kEtherTypeArp, Bytes(28, 0)),                              // not MPLS, not OAM
      labelled({lse::make(100, 0, true, 64)}, req),                         // transit: forwarded
  });
  const auto got = drain(*h.router);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].second, OamPuntReason::ttl_expired);
  EXPECT_EQ(got[1].second, OamPuntReason::local);
  EXPECT_EQ(got[2].second, OamPuntReason::local);
  EXPECT_EQ(got[3].second, OamPuntReason::local);
  EXPECT_EQ(got[4].second, OamPuntReason::unlabelled);
  // The frame as it arrived.
  EXPECT_EQ(got[0].first.size(), 14u + 4 + req.size());
  EXPECT_EQ(load_be32(got[0].first.data() + 14), lse::make(100, 0, true, 1));
  const RouterStats st = h.router->stats();
  EXPECT_EQ(st.oam_punted, 5u);
  EXPECT_EQ(st.drop(DropReason::ttl_expired), 1u);
  EXPECT_EQ(st.drop(DropReason::not_mpls), 1u);
  EXPECT_EQ(st.forwarded, 1u);
  EXPECT_EQ(h.take("core1").size(), 1u);
  expect_counters_add_up(*h.router);
}

// `l2vpn node`: an echo request under a label we do not have (the responder
// answers 11, no label entry), and one to 127/8 after PHP on a port the
// kernel shares (the kernel would drop it as a martian); a reply to our own
// address stays the kernel's, other misses are still ilm_miss drops.
TEST(OamPunt, TakesRequestsUnderUnknownLabelsAndTo127OnKernelPorts) {
  test::RouterHarness h(lsr());
  ASSERT_TRUE(h.router->enable_oam_punt(on()).ok());
  h.router->set_port_kernel(uint16_t(h.router->port_index("core0")), mac(0x10));
  const Bytes req = echo_request();
  oam::RequestSpec to_us;
  to_us.fecs = {oam::LdpPrefixFec{0x0aff0003, 32}};
  to_us.dst = 0x0aff0002;  // not 127/8: an echo reply to our address looks like this to the punt
  const Bytes reply_like = oam::build_request(to_us);
  EXPECT_TRUE(lsp_ping_to_loopback_net(req.data(), uint32_t(req.size())));
  EXPECT_FALSE(lsp_ping_to_loopback_net(reply_like.data(), uint32_t(reply_like.size())));
  h.inject("core0", {
      labelled({lse::make(555, 0, true, 64)}, req),               // not in the ILM: punted
      labelled({lse::make(555, 0, true, 64)}, Bytes(60, 0x45)),  // not in the ILM, not OAM: ilm_miss
      unlabelled(kEtherTypeIpv4, req),                            // to 127.0.0.1 after PHP: punted
      unlabelled(kEtherTypeIpv4, reply_like),                     // to us: the kernel's
  });
  const auto got = drain(*h.router);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].second, OamPuntReason::local);
  EXPECT_EQ(got[1].second, OamPuntReason::unlabelled);
  const RouterStats st = h.router->stats();
  EXPECT_EQ(st.oam_punted, 2u);
  EXPECT_EQ(st.drop(DropReason::ilm_miss), 1u);
  EXPECT_EQ(st.to_kernel, 1u);
}

TEST(OamPunt, TakesVccvFromThePwAch) {
  test::RouterHarness h(test::vpws_state());
  ASSERT_TRUE(h.router->enable_oam_punt(on()).ok());
  Bytes ach;
  oam::build_ach(ach, oam::channel::ipv4, echo_request());
  Bytes bad_cw = {0x20, 0, 0, 0};
  h.inject("core", {labelled({lse::make(6002, 0, true, 64)}, ach),     // PW 2 has a control word
                    labelled({lse::make(6002, 0, true, 64)}, bad_cw)});  // a bad CW stays a drop
  const auto got = drain(*h.router);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second, OamPuntReason::vccv);
  EXPECT_EQ(h.router->stats().drop(DropReason::cw_invalid), 1u);
  expect_counters_add_up(*h.router);
}

TEST(OamPunt, RateLimitAndQueueBoundWhatIsTakenForwardingIsUnchanged) {
  test::RouterHarness h(lsr());
  h.router->clock().set_manual(1'000'000'000);
  ASSERT_TRUE(h.router->enable_oam_punt(on(10, 4)).ok());  // 10/s, bucket of 4
  const Bytes req = echo_request();
  std::vector<rte_mbuf*> flood;
  for (int i = 0; i < 40; ++i) {
    flood.push_back(labelled({lse::make(100, 0, true, 1)}, req));
    flood.push_back(labelled({lse::make(100, 0, true, 64)}, Bytes(60, 0x45)));  // traffic
  }
  h.inject("core0", flood);
  RouterStats st = h.router->stats();
  EXPECT_EQ(st.oam_punted, 4u);
  EXPECT_EQ(st.drop(DropReason::oam_rate_limited), 36u);
  EXPECT_EQ(st.forwarded, 40u);
  EXPECT_EQ(h.take("core1").size(), 40u);
  h.router->clock().advance(200'000'000);  // 0.2 s: two more tokens
  flood.clear();
  for (int i = 0; i < 5; ++i) flood.push_back(labelled({lse::make(100, 0, true, 1)}, req));
  h.inject("core0", flood);
  EXPECT_EQ(h.router->stats().oam_punted, 6u);
  EXPECT_EQ(drain(*h.router).size(), 6u);
  expect_counters_add_up(*h.router);

  test::RouterHarness q(lsr());
  ASSERT_TRUE(q.router->enable_oam_punt(on(100000, 1000, 3)).ok());  // a ring of 3
  flood.clear();
  for (int i = 0; i < 5; ++i) flood.push_back(labelled({lse::make(100, 0, true, 1)}, req));
  q.inject("core0", flood);
  EXPECT_EQ(q.router->stats().oam_punted, 3u);
  EXPECT_EQ(q.router->stats().drop(DropReason::oam_queue_full), 2u);
  EXPECT_EQ(drain(*q.router).size(), 3u);
  expect_counters_add_up(*q.router);
}

// PHP of the bottom label above an LSP ping (the emulator's lsp-ping to a
// PE): it leaves unlabelled as IPv4 toward the egress, which punts it; the
// IP TTL follows the label's (RFC 3443 uniform) with a valid checksum.
// Anything else below a popped bottom label is still not ours to route.
TEST(OamPunt, PhpForwardsOamUnlabelledAndNothingElse) {
  ForwardingState st = lsr();
  Nhlfe pop;
  pop.id = 2;
  pop.op = NhlfeOp::pop;
  pop.out_port = "core1";
  pop.next_hop_mac = mac(0xa2, 0x06);
  st.nhlfes.push_back(pop);
  st.ilm.push_back({200, IlmAction::forward, 2});
  test::RouterHarness h(st);
  Bytes reply = echo_request();
  reply[8] = 64;  // IP TTL above the label's: lowered to it
  reply[10] = reply[11] = 0;
  const uint16_t sum = oam::inet_checksum(std::span<const uint8_t>(reply.data(), 24));
  reply[10] = uint8_t(sum >> 8);
  reply[11] = uint8_t(sum);
  h.inject("core0", {labelled({lse::make(200, 0, true, 10)}, reply), labelled({lse::make(200, 0, true, 10)}, Bytes(46, 0x45))});
  auto out = h.take("core1");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), 14 + reply.size());
  EXPECT_EQ(load_be16(out[0].data() + 12), kEtherTypeIpv4);
  EXPECT_EQ(out[0][14 + 8], 9) << "IP TTL = the label's TTL - 1";
  EXPECT_EQ(oam::inet_checksum(std::span<const uint8_t>(out[0].data() + 14, 24)), 0) << "header checksum valid";
  EXPECT_TRUE(std::equal(out[0].begin() + 14 + 24, out[0].end(), reply.begin() + 24));
  EXPECT_EQ(h.router->stats().drop(DropReason::ip_payload_not_served), 1u);
  expect_counters_add_up(*h.router);
}

TEST(OamPunt, SendsWhatTheControlThreadQueues) {
  test::RouterHarness h(lsr());
  rte_mbuf* m = unlabelled(kEtherTypeIpv4, echo_request());
  EXPECT_FALSE(h.router->send_oam(1, m));  // punt off: refused, freed
  ASSERT_TRUE(h.router->enable_oam_punt(on()).ok());
  ASSERT_TRUE(h.router->send_oam(1, unlabelled(kEtherTypeIpv4, echo_request())));
  EXPECT_FALSE(h.router->send_oam(7, unlabelled(kEtherTypeIpv4, echo_request())));  // no port 7
  h.router->flush(0);
  EXPECT_EQ(h.take("core1").size(), 1u);
  EXPECT_EQ(h.router->stats().oam_sent, 1u);
  expect_counters_add_up(*h.router);
  EXPECT_FALSE(h.router->enable_oam_punt(OamPuntConfig{true, 0, 1, 1}).ok());
}

}  // namespace
}  // namespace l2vpn::dp
