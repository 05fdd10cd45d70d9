// Traffic pieces on their own: the seeded distributions, the tracking
// trailer, the latency histogram, the receivers' accounting, event parsing,
// and the hosts over a real backbone (ARP across a service, misdelivery).
#include <gtest/gtest.h>

#include <algorithm>

#include "controlplane/network.hpp"
#include "controlplane/yaml_loader.hpp"
#include "sim/default_topology.hpp"
#include "sim/emulator.hpp"
#include "sim/hosts.hpp"
#include "sim/traffic.hpp"
#include "tests/sim/sim_test_env.hpp"

namespace l2vpn::sim {
namespace {

// ------------------------------------------------------------ parsing (invalid first)
TEST(Traffic, ParseDurationRejectsGarbage) {
  for (const char* bad : {"", "s", "1x", "-1s", "1.2.3s", "ms5", "1 s"}) EXPECT_FALSE(parse_duration(bad).ok()) << bad;
  EXPECT_EQ(*parse_duration("1s"), 1'000'000'000u);
  EXPECT_EQ(*parse_duration("0.3s"), 300'000'000u);
  EXPECT_EQ(*parse_duration("250ms"), 250'000'000u);
  EXPECT_EQ(*parse_duration("10us"), 10'000u);
  EXPECT_EQ(*parse_duration("7ns"), 7u);
  EXPECT_EQ(*parse_duration("2"), 2'000'000'000u);
}

// Issue 14 (9): a negative time is a range error, an exponent is a number.
TEST(Traffic, ParseDurationSaysWhatIsWrong) {
  for (const char* neg : {"-5ms", "-1s", "-0.5"}) {
    auto d = parse_duration(neg);
    ASSERT_FALSE(d.ok()) << neg;
    EXPECT_NE(d.error().message.find("cannot be negative"), std::string::npos) << d.error().message;
  }
  EXPECT_EQ(*parse_duration("1e3s"), 1'000'000'000'000u);
  EXPECT_EQ(*parse_duration("2.5e2ms"), 250'000'000u);
  auto u = parse_duration("10x");
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.error().message.find("unknown time unit 'x'"), std::string::npos) << u.error().message;
}

TEST(Traffic, ParseEventRejectsGarbage) {
  for (const char* bad : {"", "1s", "1s link-down", "xs link-down a:b", "1s link-down ab", "1s explode p1",
                          "1s mac-flood dc1", "1s mac-flood dc1 0", "1s mac-flood dc1 x",
                          "1s router-down p1 p2"})
    EXPECT_FALSE(parse_event(bad).ok()) << bad;
  auto e = parse_event("0.3s link-down p1:p2");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->at_ns, 300'000'000u);
  EXPECT_EQ(e->kind, EventKind::link_down);
  EXPECT_EQ(e->a, "p1");
  EXPECT_EQ(e->b, "p2");
  auto f = parse_event("5ms mac-flood dc1-cache 500");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->count, 500u);
  EXPECT_EQ(parse_event("1s service-add cache")->kind, EventKind::service_add);
}

// ------------------------------------------------------------ distributions
TEST(Traffic, RngIsSeededAndStreamsDiffer) {
  Rng a(7, 1), b(7, 1), c(7, 2), d(8, 1);
  bool differ_c = false, differ_d = false;
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    differ_c |= x != c.next();
    differ_d |= x != d.next();
  }
  EXPECT_TRUE(differ_c);
  EXPECT_TRUE(differ_d);
  Rng u(1);
  for (int i = 0; i < 10000; ++i) {
    const double v = u.uniform();
    ASSERT_GE(v, 0.0);
    ASSERT_LT(v, 1.0);
  }
}

TEST(Traffic, EtcValueSizesLookLikeFacebooksPool) {
  Rng r(1);
  std::vector<uint32_t> v;
  for (int i = 0; i < 100000; ++i) v.push_back(etc_value_size(r, 16384));
  std::sort(v.begin(), v.end());
  const uint32_t median = v[v.size() / 2], p90 = v[v.size() * 9 / 10];
  EXPECT_GT(median, 130u);
  EXPECT_LT(median, 210u);  // analytic median of GP(214.5, 0.348): ~170
  EXPECT_LT(p90, 1100u);    // most values under 1 KB
  EXPECT_GT(v.back(), 4000u);  // with a tail
  EXPECT_LE(v.back(), 16384u);  // capped
  for (int i = 0; i < 1000; ++i) {
    const uint32_t k = etc_key_size(r);
    ASSERT_GE(k, 8u);
    ASSERT_LE(k, 250u);
  }
}

TEST(Traffic, ExponentialHasItsMean) {
  Rng r(3);
  double sum = 0;
  for (int i = 0; i < 100000; ++i) sum += r.exponential(50.0);
  EXPECT_NEAR(sum / 100000, 50.0, 1.0);
}

// ------------------------------------------------------------ trailer and histogram
TEST(Traffic, TrailerRoundTripsAndNeedsItsMagic) {
  uint8_t buf[kTrailerLen];
  write_trailer(buf, {0x01020304, 0xfffffffe, 0x1122334455667788ULL});
  Trailer t;
  ASSERT_TRUE(read_trailer(buf, t));
  EXPECT_EQ(t.flow, 0x01020304u);
  EXPECT_EQ(t.seq, 0xfffffffeu);
  EXPECT_EQ(t.send_ns, 0x1122334455667788ULL);
  buf[0] ^= 1;
  EXPECT_FALSE(read_trailer(buf, t));
}

TEST(Traffic, HistogramQuantilesWithinTwoPercent) {
  LatencyHistogram h;
  EXPECT_EQ(h.quantile(0.5), 0u);
  EXPECT_EQ(h.max(), 0u);
  for (uint64_t v = 1; v <= 100000; ++v) h.add(v * 37);
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.min(), 37u);
  EXPECT_EQ(h.max(), 3'700'000u);
  for (double q : {0.01, 0.5, 0.9, 0.99}) {
    const double want = q * 3'700'000;
    EXPECT_NEAR(double(h.quantile(q)), want, want * 0.02) << q;
  }
  LatencyHistogram one;
  one.add(300043);
  EXPECT_EQ(one.quantile(0.5), 300043u);  // clamped to [min, max]
  EXPECT_EQ(one.quantile(0.99), 300043u);
}

// ------------------------------------------------------------ receivers
// Issue 14: memory grew with the run's duration (a send time per frame and a
// bit per frame and receiver, for ever). Retiring counts what is old enough
// into its event window and forgets it: what is held stays bounded, and the
// counts are those of keeping everything.
TEST(Traffic, RetiringOldFramesBoundsMemoryAndKeepsTheCounts) {
  Tracker t;
  const uint32_t f = t.add_flow(FlowKind::arp, 0, 1, -1, {2, 3});
  // Two events (at 3.2 s and 7.2 s) whose windows reach back 200 ms.
  const EventWindows windows{{3'000'000'000ULL, 7'000'000'000ULL}, {3'200'000'000ULL, 7'200'000'000ULL}};
  const uint64_t flight = 2 * 500'000 + 1'000'000;  // Flow::flight_ns once a frame took 0.5 ms
  size_t held_max = 0;
  uint64_t lost_expected[3] = {0, 0, 0};  // outside, window 0, window 1
  // 10 s, a frame every ms; receiver 2 misses every 7th, receiver 3 every 11th.
  for (uint64_t i = 0; i < 10'000; ++i) {
    const uint64_t at = i * 1'000'000;
    Trailer tr = t.next(f, at);
    const int w = Tracker::window_of(at, windows, flight);
    if (i % 7) t.receive(2, tr, at + 500'000);
    else lost_expected[w + 1]++;
    if (i % 11) t.receive(3, tr, at + 500'000);
    else lost_expected[w + 1]++;
    if (i % 100 == 0 && at > 1'000'000'000) t.retire(at - 1'000'000'000, windows);
    held_max = std::max(held_max, t.flows()[f].send_ns.size());
  }
  EXPECT_LT(held_max, 1'200u) << "about 1 s of frames held, not 10 s";
  auto& fl = t.flows()[f];
  EXPECT_EQ(fl.sent(), 10'000u);
  EXPECT_GT(fl.base, 8'000u);
  // What was retired plus what is held gives the counts of keeping all.
  uint64_t lost[3] = {0, 0, 0};
  for (size_t w = 0; w < 3; ++w)
    for (auto& rc : fl.receivers) lost[w] += rc.lost_in[w];
  for (auto& rc : fl.receivers)
    for (uint64_t i = 0; i < fl.send_ns.size(); ++i)
      if (!seen(rc, i)) lost[Tracker::window_of(fl.send_ns[i], windows, flight) + 1]++;
  for (size_t w = 0; w < 3; ++w) EXPECT_EQ(lost[w], lost_expected[w]) << "window " << int(w) - 1;
  EXPECT_EQ(t.retired().lost_outside, fl.receivers[0].lost_in[0] + fl.receivers[1].lost_in[0]);
  EXPECT_EQ(fl.receivers[0].received + fl.receivers[1].received + lost_expected[0] + lost_expected[1] +
                lost_expected[2],
            20'000u);
  // A frame arriving after its number was retired is not a frame we know.
  t.receive(2, Trailer{f, 5, 5'000'000}, 11'000'000'000ULL);
  EXPECT_EQ(t.unknown_frames(), 1u);
}

TEST(Traffic, TrackerCountsLossDuplicatesReorderingMisdelivery) {
  Tracker t;
  const uint32_t f = t.add_flow(FlowKind::imix, 0, 1, 2, {2});
  const uint32_t bc = t.add_flow(FlowKind::arp, 0, 1, -1, {2, 3});
  std::vector<Trailer> sent;
  for (int i = 0; i < 10; ++i) sent.push_back(t.next(f, uint64_t(i) * 100));
  // 0..9 sent; 3 lost, 5 arrives after 6, 7 twice, one at the wrong host.
  for (int i : {0, 1, 2, 4, 6, 5, 7, 7, 8, 9}) t.receive(2, sent[size_t(i)], 1000);
  t.receive(4, sent[0], 1000);
  auto& fl = t.flows()[f];
  ASSERT_EQ(fl.receivers.size(), 1u);
  auto& r = fl.receivers[0];
  EXPECT_EQ(fl.sent(), 10u);
  EXPECT_EQ(r.received, 9u);
  EXPECT_EQ(r.duplicated, 1u);
  EXPECT_EQ(r.reordered, 1u);
  EXPECT_EQ(fl.misdelivered, 1u);
  EXPECT_FALSE(seen(r, 3));
  EXPECT_TRUE(seen(r, 9));
  EXPECT_EQ(r.lat_max, 1000u);
  EXPECT_EQ(r.lat_min, 100u);
  // A broadcast: each receiver on its own.
  auto b0 = t.next(bc, 0);
  t.receive(2, b0, 10);
  t.receive(3, b0, 20);
  t.receive(3, b0, 20);
  EXPECT_EQ(t.flows()[bc].receivers[0].received, 1u);
  EXPECT_EQ(t.flows()[bc].receivers[1].duplicated, 1u);
  // Unknown flows and sequence numbers are counted, not trusted.
  t.receive(2, Trailer{99, 0, 0}, 5);
  t.receive(2, Trailer{f, 10, 0}, 5);
  EXPECT_EQ(t.unknown_frames(), 2u);
  EXPECT_EQ(t.latency(0).count(), 11u);
}

// ------------------------------------------------------------ hosts on a backbone
struct HostBench {
  std::unique_ptr<cp::Network> net;
  std::unique_ptr<Backbone> bb;
  std::vector<ServiceInfo> services;
  Tracker tracker;
  std::unique_ptr<Hosts> hosts;

  HostBench() {
    auto topo = cp::parse_topology_yaml(kDefaultTopologyYaml, kDefaultTopologyName);
    EXPECT_TRUE(topo.ok());
    auto n = cp::Network::create(*topo);
    EXPECT_TRUE(n.ok());
    net = std::move(*n);
    auto b = Backbone::build(net->topology(), net->state(), test_env::rcu());
    EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
    bb = std::move(*b);
    services = list_services(net->topology());
    hosts = std::make_unique<Hosts>(net->topology(), services, *bb, test_env::pool(), 2, tracker);
  }
  uint32_t host(const std::string& name) {
    for (auto& h : hosts->hosts())
      if (h.name == name) return h.id;
    ADD_FAILURE() << "no host " << name;
    return 0;
  }
  void settle() {
    do bb->run_until_idle();
    while (hosts->receive(nullptr) > 0);
  }
};

TEST(Hosts, AddressesAndArpAcrossVplsAndVpws) {
  HostBench b;
  // 7 sites, 2 hosts each; every site is in a service.
  ASSERT_EQ(b.hosts->hosts().size(), 14u);
  const uint32_t a = b.host("dc1-cache/h0"), c = b.host("dc3-cache/h1");
  const uint32_t hub = b.host("dept-hub-dc2/h0"), spoke = b.host("dept-dc2/h1");
  EXPECT_EQ(b.hosts->host(hub).vlan, 102);
  EXPECT_EQ(b.hosts->host(spoke).vlan, 0);
  EXPECT_FALSE(b.hosts->resolved(a, c));
  ASSERT_TRUE(b.hosts->send_arp_request(a, c));
  ASSERT_TRUE(b.hosts->send_arp_request(hub, spoke));
  b.settle();
  EXPECT_TRUE(b.hosts->resolved(a, c));
  EXPECT_TRUE(b.hosts->resolved(c, a)) << "a request for us teaches us the asker";
  EXPECT_TRUE(b.hosts->resolved(hub, spoke));
  EXPECT_EQ(b.hosts->host(c).arp_replies, 1u);
  EXPECT_EQ(b.hosts->stray_frames(), 0u);
  // The VPLS learned both hosts from the ARP frames.
  auto* pe1 = b.bb->router("pe1");
  EXPECT_TRUE(pe1->mac_owner("cache", b.hosts->host(a).mac).has_value());
  EXPECT_TRUE(pe1->mac_owner("cache", b.hosts->host(c).mac).has_value());
  // Nothing is sent to an unresolved peer.
  const uint32_t f = b.tracker.add_flow(FlowKind::imix, 2, a, b.host("dc2-cache/h0"), {b.host("dc2-cache/h0")});
  const uint8_t payload[4] = {1, 2, 3, 4};
  EXPECT_FALSE(b.hosts->send_udp(a, b.host("dc2-cache/h0"), 9, 9, payload, 4, f));
  EXPECT_EQ(b.tracker.flows()[f].sent(), 0u);
}

// A frame carrying one host's flow, addressed (by MAC) to another host:
// the host that gets it counts a misdelivery; a flooded copy reaching a
// third site is only 'flood_seen' (its NIC drops it).
TEST(Hosts, MisdeliveryIsDetected) {
  HostBench b;
  const uint32_t a = b.host("dc1-cache/h0"), meant = b.host("dc2-cache/h0"), wrong = b.host("dc3-cache/h0");
  for (uint32_t peer : {meant, wrong}) ASSERT_TRUE(b.hosts->send_arp_request(a, peer));
  b.settle();
  const uint32_t f = b.tracker.add_flow(FlowKind::imix, 2, a, meant, {meant});
  const uint8_t payload[32] = {};
  ASSERT_TRUE(b.hosts->send_udp(a, meant, 9, 9, payload, sizeof payload, f));  // right
  ASSERT_TRUE(b.hosts->send_udp(a, wrong, 9, 9, payload, sizeof payload, f));  // wrong host
  b.settle();
  auto& fl = b.tracker.flows()[f];
  EXPECT_EQ(fl.sent(), 2u);
  EXPECT_EQ(fl.receivers[0].received, 1u);
  EXPECT_EQ(fl.misdelivered, 1u);
  // An unknown unicast: flooded to every other site, seen by no host.
  uint64_t before = 0;
  for (auto& s : b.hosts->sites()) before += s.flood_seen;
  ASSERT_TRUE(b.hosts->send_raw(b.hosts->host(a).site, {0x02, 0xee, 0, 0, 0, 1}, b.hosts->host(a).mac,
                                0x88b5, 46));
  b.settle();
  uint64_t after = 0;
  for (auto& s : b.hosts->sites()) after += s.flood_seen;
  EXPECT_EQ(after - before, 2u) << "one copy at each other cache site";
  EXPECT_EQ(fl.misdelivered, 1u);
}

// Events closer than the in-flight bound (property seed 1861: a link-down
// at 78 ms, its link-up at 236 ms, a bound of 168 ms): a frame sent into
// the outage is the link-down's, not the link-up's; one on its way when
// the link-up came (within its flow's flight time) is the link-up's; one
// before every window none's, whatever the flight time.
TEST(Traffic, OverlappingEventWindowsKeepAnOutageWithItsCause) {
  const uint64_t ms = 1'000'000;
  const EventWindows w{{0, 68 * ms}, {78 * ms, 236 * ms}};
  const uint64_t flight = 5 * ms;
  EXPECT_EQ(Tracker::window_of(10 * ms, w, flight), 0);   // in the link-down's window, no event before
  EXPECT_EQ(Tracker::window_of(70 * ms, w, flight), 0);   // also within the link-up's reach: the earliest
  EXPECT_EQ(Tracker::window_of(100 * ms, w, flight), 0);  // sent into the outage
  EXPECT_EQ(Tracker::window_of(230 * ms, w, flight), 0);  // still the outage
  EXPECT_EQ(Tracker::window_of(232 * ms, w, flight), 1);  // on its way when the link came back
  EXPECT_EQ(Tracker::window_of(300 * ms, w, flight), 1);
  // The frames outside every window do not depend on the flight time.
  const EventWindows late{{50 * ms, 150 * ms}, {100 * ms, 200 * ms}};
  for (uint64_t f : {uint64_t(0), 10 * ms, 500 * ms}) {
    EXPECT_EQ(Tracker::window_of(49 * ms, late, f), -1);
    EXPECT_EQ(Tracker::window_of(50 * ms, late, f), 0);
    EXPECT_EQ(Tracker::window_of(120 * ms, late, f), 0);  // after the first event, before the second's reach
  }
  EXPECT_EQ(Tracker::window_of(160 * ms, late, 5 * ms), 0);
  EXPECT_EQ(Tracker::window_of(160 * ms, late, 50 * ms), 1);
}

}  // namespace
}  // namespace l2vpn::sim
