// BFD control packets (RFC 5880 4.1, 6.8.6) and the asynchronous session:
// three-way bring-up, the Poll Sequence to fast timers, detection within
// multiplier x interval after a cut, neighbor-signalled down.
#include <gtest/gtest.h>

#include <functional>

#include "oam/bfd.hpp"
#include "oam/vccv.hpp"

namespace l2vpn::oam {
namespace {

constexpr uint64_t kMs = 1'000'000;

TEST(Bfd, EncodesRfc5880Layout) {
  BfdControl p;
  p.state = BfdState::up;
  p.diag = BfdDiag::detection_time_expired;
  p.poll = true;
  p.detect_mult = 3;
  p.my_discriminator = 0x01020304;
  p.your_discriminator = 0x05060708;
  p.desired_min_tx_us = 10000;
  p.required_min_rx_us = 20000;
  const Bytes b = encode(p);
  EXPECT_EQ(b, (Bytes{0x21, 0xe0, 3, 24, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0x27, 0x10, 0, 0, 0x4e, 0x20,
                      0, 0, 0, 0}));
  BfdControl q;
  ASSERT_EQ(decode(b, q), BfdError::ok);
  EXPECT_EQ(q, p);
}

TEST(Bfd, DiscardsWhatRfc5880Discards) {
  BfdControl p;
  p.my_discriminator = 1;
  const Bytes good = encode(p);
  BfdControl q;
  EXPECT_EQ(decode({good.data(), 23}, q), BfdError::truncated);
  Bytes b = good;
  b[0] = 0x40;  // version 2
  EXPECT_EQ(decode(b, q), BfdError::bad_version);
  b = good;
  b[3] = 20;
  EXPECT_EQ(decode(b, q), BfdError::bad_length);
  b = good;
  b[3] = 40;
  EXPECT_EQ(decode(b, q), BfdError::truncated);
  b = good;
  b[2] = 0;
  EXPECT_EQ(decode(b, q), BfdError::zero_detect_mult);
  b = good;
  b[1] |= 1;
  EXPECT_EQ(decode(b, q), BfdError::multipoint);
  b = good;
  b[7] = 0;
  EXPECT_EQ(decode(b, q), BfdError::zero_my_discriminator);
  b = good;
  b[1] = 0xc0;  // Up with Your Discriminator 0
  EXPECT_EQ(decode(b, q), BfdError::zero_your_discriminator);
  b = good;
  b[1] |= 4;
  b[3] = 26;
  b.resize(26);
  EXPECT_EQ(decode(b, q), BfdError::auth_unsupported);
}

// Two sessions over a link with `delay`; `cut` drops everything.
struct Pair {
  BfdSession a, b;
  uint64_t now = 0;
  uint64_t delay = 1 * kMs;
  bool cut = false;
  struct InFlight {
    uint64_t at;
    bool to_b;
    Bytes bytes;
  };
  std::vector<InFlight> flight;
  Pair(BfdConfig ca, BfdConfig cb) : a(ca, 0), b(cb, 0) {}

  void step_to(uint64_t t) {
    while (now < t) {
      uint64_t next = t;
      next = std::min(next, std::max(now, a.next_event_ns()));
      next = std::min(next, std::max(now, b.next_event_ns()));
      for (auto& f : flight) next = std::min(next, f.at);
      now = std::max(now, next);
      for (size_t i = 0; i < flight.size();) {
        if (flight[i].at <= now) {
          BfdControl p;
          if (decode(flight[i].bytes, p) == BfdError::ok) (flight[i].to_b ? b : a).receive(p, now);
          flight.erase(flight.begin() + long(i));
        } else {
          ++i;
        }
      }
      for (bool is_a : {true, false}) {
        BfdSession& s = is_a ? a : b;
        s.tick(now);
        while (auto p = s.transmit(now))
          if (!cut) flight.push_back({now + delay, is_a, encode(*p)});
      }
      if (next == t && now == t) break;
    }
  }
};

BfdConfig fast(uint32_t disc) {
  BfdConfig c;
  c.my_discriminator = disc;
  c.desired_min_tx_us = 10'000;
  c.required_min_rx_us = 10'000;
  c.detect_mult = 3;
  return c;
}

TEST(BfdSession, ComesUpThenDetectsACutWithinMultTimesInterval) {
  Pair p(fast(11), fast(22));
  p.step_to(5000 * kMs);
  ASSERT_EQ(p.a.state(), BfdState::up);
  ASSERT_EQ(p.b.state(), BfdState::up);
  EXPECT_EQ(p.a.remote_discriminator(), 22u);
  EXPECT_FALSE(p.a.poll_active());  // the Poll to fast timers completed
  EXPECT_EQ(p.a.detection_time_ns(), 30 * kMs);
  EXPECT_EQ(p.b.detection_time_ns(), 30 * kMs);
  EXPECT_EQ(p.a.tx_interval_ns(), 10 * kMs);
  // Up for a while: nothing flaps.
  p.step_to(6000 * kMs);
  EXPECT_EQ(p.a.up_transitions(), 1u);
  EXPECT_EQ(p.a.down_transitions(), 0u);
  // Cut: both ends detect within the detection time of the last packet heard.
  const uint64_t cut_at = p.now;
  p.cut = true;
  p.flight.clear();
  p.step_to(cut_at + 100 * kMs);
  EXPECT_EQ(p.a.state(), BfdState::down);
  EXPECT_EQ(p.a.diag(), BfdDiag::detection_time_expired);
  EXPECT_EQ(p.b.state(), BfdState::down);
  EXPECT_LE(p.a.last_change_ns() - cut_at, 30 * kMs);
  EXPECT_GE(p.a.last_change_ns() - p.a.last_rx_ns(), 30 * kMs);
  EXPECT_LE(p.a.last_change_ns() - p.a.last_rx_ns(), 31 * kMs);
  // Repaired: up again (through Down, Init).
  p.cut = false;
  p.step_to(p.now + 5000 * kMs);
  EXPECT_EQ(p.a.state(), BfdState::up);
  EXPECT_EQ(p.a.up_transitions(), 2u);
}

TEST(BfdSession, SlowTimersUntilUpAndAdminDownTellsThePeer) {
  Pair p(fast(1), fast(2));
  EXPECT_EQ(p.a.tx_interval_ns(), 1000 * kMs);  // not Up: at least 1 s
  p.step_to(5000 * kMs);
  ASSERT_EQ(p.b.state(), BfdState::up);
  p.a.set_admin_down(true, p.now);
  p.step_to(p.now + 50 * kMs);
  EXPECT_EQ(p.a.state(), BfdState::admin_down);
  EXPECT_EQ(p.b.state(), BfdState::down);
  EXPECT_EQ(p.b.diag(), BfdDiag::neighbor_signaled_down);
}

TEST(BfdSession, IgnoresPacketsForAnotherDiscriminator) {
  BfdSession s(fast(5), 0);
  BfdControl p;
  p.my_discriminator = 9;
  p.your_discriminator = 6;
  EXPECT_FALSE(s.receive(p, 1));
  p.your_discriminator = 0;
  EXPECT_TRUE(s.receive(p, 1));
  EXPECT_EQ(s.state(), BfdState::init);
}

TEST(BfdSession, JitterStaysWithinRfcBounds) {
  BfdConfig c = fast(3);
  BfdSession s(c, 0);
  uint64_t last = 0;
  ASSERT_TRUE(s.transmit(0));
  for (int i = 0; i < 200; ++i) {
    const uint64_t t = s.next_event_ns();
    const uint64_t gap = t - last;
    EXPECT_GE(gap, 750 * kMs);
    EXPECT_LE(gap, 1000 * kMs);
    ASSERT_TRUE(s.transmit(t));
    last = t;
  }
}

TEST(Vccv, AchAndNegotiation) {
  BfdControl p;
  p.my_discriminator = 7;
  const Bytes b = vccv_bfd(p);
  ASSERT_EQ(b.size(), kAchLen + kBfdControlLen);
  EXPECT_EQ(b[0], 0x10);
  EXPECT_TRUE(is_ach(b.data()));
  Ach ach;
  std::span<const uint8_t> payload;
  ASSERT_EQ(parse_ach(b, ach, payload), AchError::ok);
  EXPECT_EQ(ach.channel_type, channel::bfd_raw);
  BfdControl q;
  ASSERT_EQ(decode(payload, q), BfdError::ok);
  EXPECT_EQ(q, p);
  Bytes bad = b;
  bad[0] = 0x00;  // a control word, not an ACH
  EXPECT_EQ(parse_ach(bad, ach, payload), AchError::not_ach);
  bad[0] = 0x11;
  EXPECT_EQ(parse_ach(bad, ach, payload), AchError::bad_version);
  EXPECT_EQ(parse_ach({b.data(), 3}, ach, payload), AchError::truncated);

  const VccvParams ours{cc::type1_control_word | cc::type3_ttl_expiry, cv::lsp_ping | cv::bfd_ach_fault};
  const VccvParams theirs{cc::type1_control_word | cc::type3_ttl_expiry, cv::lsp_ping};
  EXPECT_EQ(agree(ours, theirs, true), (VccvParams{cc::type1_control_word, cv::lsp_ping}));
  EXPECT_EQ(agree(ours, theirs, false), (VccvParams{cc::type3_ttl_expiry, cv::lsp_ping}));
  EXPECT_EQ(agree(ours, VccvParams{cc::type2_router_alert, cv::lsp_ping}, true), VccvParams{});
  Bytes sub;
  encode_vccv_subtlv(sub, ours);
  EXPECT_EQ(sub, (Bytes{0x0c, 4, 0x05, 0x12}));
  VccvParams back;
  ASSERT_TRUE(decode_vccv_subtlv(sub, back));
  EXPECT_EQ(back, ours);
}

}  // namespace
}  // namespace l2vpn::oam
