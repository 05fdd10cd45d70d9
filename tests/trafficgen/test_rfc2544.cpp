// RFC 2544 searches on a software DUT: a device model that forwards up to a
// set rate and drops what is above it (optionally with a little loss below
// it), so the expected answers are known.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "trafficgen/rfc2544.hpp"

using namespace l2vpn::tg;

namespace {

// Forwards min(rate, capacity); above capacity the excess is lost. Below
// `lossy_from` a small constant loss ratio `background` applies (a device
// that is never quite clean: the PDR finds more than the NDR). Bursts:
// a buffer of `buffer` frames absorbs a back-to-back burst at any rate.
struct SoftDut {
  double capacity_pps;
  double background = 0;
  double lossy_from = 0;
  uint64_t buffer = 0;
  double tester_ceiling = 1e12;
  unsigned trials = 0;
  TrialResult operator()(const TrialRequest& req) {
    ++trials;
    TrialResult r;
    r.request = req;
    if (req.frames) {
      r.analysis.tx = req.frames;
      const uint64_t ok = std::min<uint64_t>(req.frames, buffer);
      r.analysis.rx = ok;
      r.analysis.lost = req.frames - ok;
      r.offered_pps = tester_ceiling;
    } else {
      const double offered = std::min(req.rate_pps, tester_ceiling);
      r.offered_pps = offered;
      r.generator_limited = offered < 0.98 * req.rate_pps;
      const uint64_t tx = uint64_t(offered * req.seconds);
      double lost = offered > capacity_pps ? (offered - capacity_pps) * req.seconds : 0;
      if (lossy_from > 0 && offered >= lossy_from) lost += background * double(tx);
      r.analysis.tx = tx;
      r.analysis.lost = std::min<uint64_t>(tx, uint64_t(std::ceil(lost)));
      r.analysis.rx = tx - r.analysis.lost;
    }
    r.analysis.loss_ratio = r.analysis.tx ? double(r.analysis.lost) / double(r.analysis.tx) : 0;
    return r;
  }
};

}  // namespace

TEST(Rfc2544, NdrConvergesToTheDropRate) {
  SoftDut dut{7.3e6};
  SearchConfig cfg;
  cfg.max_rate_pps = 20e6;
  cfg.resolution = 0.005;
  auto r = search_ndr_pdr(std::ref(dut), cfg);
  EXPECT_LE(r.ndr.rate_pps, 7.3e6);
  EXPECT_GE(r.ndr.rate_pps, 7.3e6 * (1 - 0.011));
  EXPECT_GT(r.ndr.upper_pps, 7.3e6);
  EXPECT_EQ(r.ndr.at_rate.analysis.lost, 0u);
  // Loss-tolerant PDR: 0.5 % more offered than capacity still passes.
  EXPECT_GE(r.pdr.rate_pps, r.ndr.rate_pps);
  EXPECT_LE(r.pdr.rate_pps, 7.3e6 / (1 - 0.005) * 1.0001);
  EXPECT_GE(r.pdr.rate_pps, 7.3e6 / (1 - 0.005) * (1 - 0.011));
  EXPECT_LE(r.trials.size(), 30u);
}

TEST(Rfc2544, PdrAboveNdrOnALossyDevice) {
  // Loses 0.1 % from 2 Mpps up and everything above 9 Mpps: NDR ~2, PDR ~9.
  SoftDut dut{9e6, 0.001, 2e6};
  SearchConfig cfg;
  cfg.max_rate_pps = 10e6;
  cfg.pdr_tolerance = 0.005;
  auto r = search_ndr_pdr(std::ref(dut), cfg);
  EXPECT_NEAR(r.ndr.rate_pps, 2e6, 2e6 * 0.02);
  EXPECT_NEAR(r.pdr.rate_pps, 9e6 * 1.004, 9e6 * 0.02);
}

TEST(Rfc2544, DeviceFasterThanTheCeilingPassesAtOnce) {
  SoftDut dut{50e6};
  SearchConfig cfg;
  cfg.max_rate_pps = 10e6;
  auto r = search_ndr_pdr(std::ref(dut), cfg);
  EXPECT_EQ(r.trials.size(), 1u);
  EXPECT_DOUBLE_EQ(r.ndr.rate_pps, 10e6);
  EXPECT_DOUBLE_EQ(r.pdr.rate_pps, 10e6);
}

TEST(Rfc2544, GeneratorLimitedTrialsNeverPass) {
  // The tester itself reaches 4 Mpps only: rates above cannot be claimed.
  SoftDut dut{50e6};
  dut.tester_ceiling = 4e6;
  SearchConfig cfg;
  cfg.max_rate_pps = 10e6;
  auto r = search_ndr_pdr(std::ref(dut), cfg);
  EXPECT_LE(r.ndr.rate_pps, 4e6 / 0.98);
  EXPECT_GE(r.ndr.rate_pps, 3.9e6);
}

TEST(Rfc2544, DeadDeviceGivesZero) {
  SoftDut dut{0};
  SearchConfig cfg;
  cfg.max_rate_pps = 10e6;
  cfg.min_rate_pps = 10e3;
  auto r = search_ndr_pdr(std::ref(dut), cfg);
  EXPECT_EQ(r.ndr.rate_pps, 0);
  EXPECT_LE(r.trials.size(), 20u);  // halvings from 10 Mpps down to the floor
}

TEST(Rfc2544, FrameLossStepsStopAfterTwoCleanTrials) {
  SoftDut dut{6e6};
  auto steps = frame_loss_steps(std::ref(dut), 10e6, 1, 10, nullptr);
  // 100 % 90 % 80 % 70 % lose; 60 % and 50 % are clean.
  ASSERT_EQ(steps.size(), 6u);
  EXPECT_NEAR(steps[0].loss_ratio, 0.4, 1e-6);
  EXPECT_NEAR(steps[3].loss_ratio, 1 - 6.0 / 7, 1e-6);
  EXPECT_EQ(steps[4].loss_ratio, 0);
  EXPECT_EQ(steps[5].loss_ratio, 0);
}

TEST(Rfc2544, BackToBackFindsTheBuffer) {
  SoftDut dut{1e6};
  dut.buffer = 3000;
  auto b = back_to_back(std::ref(dut), 0, 100000, 2, nullptr);
  ASSERT_EQ(b.frames.size(), 2u);
  EXPECT_LE(b.frames[0], 3000u);
  EXPECT_GE(b.frames[0], 2970u);
  EXPECT_NEAR(b.mean(), double(b.frames[0]), 1e-9);
  dut.buffer = 1000000;  // never loses within max_frames
  EXPECT_EQ(back_to_back(std::ref(dut), 0, 100000, 1, nullptr).frames[0], 100000u);
}

// A shared machine: one trial loses everything (another process took the
// DUT's cpu). With one retry the search still finds the capacity; without,
// the result can only be lower, never above the capacity.
TEST(Rfc2544, FailRetriesRideOutAStall) {
  struct Stalling {
    SoftDut dut{7e6};
    unsigned stall_at;
    unsigned n = 0;
    TrialResult operator()(const TrialRequest& q) {
      TrialResult r = dut(q);
      if (++n == stall_at) {
        r.analysis.lost = r.analysis.tx / 2;
        r.analysis.rx = r.analysis.tx - r.analysis.lost;
        r.analysis.loss_ratio = 0.5;
      }
      return r;
    }
  };
  SearchConfig cfg;
  cfg.max_rate_pps = 10e6;
  cfg.resolution = 0.005;
  cfg.fail_retries = 1;
  for (unsigned at = 2; at < 8; ++at) {
    Stalling s{SoftDut{7e6}, at};
    auto r = search_ndr_pdr(std::ref(s), cfg);
    EXPECT_LE(r.ndr.rate_pps, 7e6) << at;
    EXPECT_GE(r.ndr.rate_pps, 7e6 * 0.99) << at;
  }
  cfg.fail_retries = 0;
  for (unsigned at = 2; at < 8; ++at) {
    Stalling s{SoftDut{7e6}, at};
    auto r = search_ndr_pdr(std::ref(s), cfg);
    EXPECT_LE(r.ndr.rate_pps, 7e6) << at;
  }
}

// A pass above a failed rate (or a fail below a passed one) reopens the
// interval instead of leaving lo above hi.
TEST(Rfc2544, InconsistentTrialsReopenTheInterval) {
  struct Flaky {
    SoftDut dut{6e6};
    unsigned n = 0;
    TrialResult operator()(const TrialRequest& q) {
      TrialResult r = dut(q);
      if (++n == 3 && q.rate_pps <= 6e6) {  // a clean rate fails once
        r.analysis.lost = 10;
        r.analysis.loss_ratio = 10.0 / double(r.analysis.tx);
      }
      return r;
    }
  } f;
  SearchConfig cfg;
  cfg.max_rate_pps = 10e6;
  cfg.resolution = 0.01;
  auto r = search_ndr_pdr(std::ref(f), cfg);
  EXPECT_LE(r.ndr.rate_pps, 6e6);
  EXPECT_GT(r.ndr.upper_pps, r.ndr.rate_pps);
  EXPECT_FALSE(r.ndr.upper_tester_limited);
}

TEST(Rfc2544, TesterLimitIsReported) {
  SoftDut dut{50e6};
  dut.tester_ceiling = 4e6;
  SearchConfig cfg;
  cfg.max_rate_pps = 10e6;
  auto r = search_ndr_pdr(std::ref(dut), cfg);
  EXPECT_TRUE(r.ndr.upper_tester_limited);
}
