// The emulator's side of the tools (issue 15): `l2vpn sim` stopped by a
// signal reports what it has, marked cut short (item 10); `l2vpn run`'s
// injected events refuse one that changes nothing and list every form
// (item 7).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <atomic>
#include <chrono>
#include <thread>

#include "sim/emulator.hpp"
#include "tests/sim/sim_test_env.hpp"

namespace l2vpn::sim {
namespace {

TEST(SimCutShort, AStopEndsTheRunAtOnceWithTheReportSoFar) {
  auto topo = test_env::default_topology();
  EmulatorOptions o;
  o.duration_ns = 30'000'000'000ULL;  // 30 s of real time: far longer than the test waits
  o.real_time = true;
  auto emu = Emulator::create(topo, o, test_env::pool(), test_env::rcu());
  ASSERT_TRUE(emu.ok()) << emu.error().message;
  std::atomic<bool> stop{false};
  std::thread user([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
  });
  const auto t0 = std::chrono::steady_clock::now();
  auto r = (*emu)->run(&stop);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  user.join();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->cut_short);
  EXPECT_GT(r->cut_at_ms, 200.0);
  EXPECT_LT(r->cut_at_ms, 3000.0);
  EXPECT_LT(wall, 5.0) << "stops at once, not at the end of the 30 s";
  EXPECT_GT(r->totals.sent, 0u);
  EXPECT_GT(r->totals.received, 0u);
  auto j = nlohmann::json::parse(to_json(*r));
  EXPECT_EQ(j["cut_short"], true);
  EXPECT_NE(format_report(*r).find("CUT SHORT"), std::string::npos);
}

TEST(SimCutShort, AFullRunIsNotCutShort) {
  auto topo = test_env::default_topology();
  EmulatorOptions o;
  o.duration_ns = 50'000'000;
  std::atomic<bool> stop{false};
  auto emu = Emulator::create(topo, o, test_env::pool(), test_env::rcu());
  ASSERT_TRUE(emu.ok()) << emu.error().message;
  auto r = (*emu)->run(&stop);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->cut_short);
  EXPECT_EQ(nlohmann::json::parse(to_json(*r))["cut_short"], false);
  EXPECT_EQ(format_report(*r).find("CUT SHORT"), std::string::npos);
}

TEST(RunEvents, AnEventThatChangesNothingIsRefusedWithTheReason) {
  auto topo = test_env::default_topology();
  EmulatorOptions o;
  o.real_time = true;
  auto emu = Emulator::create(topo, o, test_env::pool(), test_env::rcu());
  ASSERT_TRUE(emu.ok()) << emu.error().message;
  auto& e = **emu;
  EXPECT_TRUE(e.inject("link-down p1:p2").ok());
  auto again = e.inject("link-down p2:p1");
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("already down"), std::string::npos) << again.error().message;
  EXPECT_NE(again.error().message.find("nothing changes"), std::string::npos) << again.error().message;
  EXPECT_FALSE(e.inject("link-up pe1:p1").ok()) << "pe1:p1 is up";
  EXPECT_TRUE(e.inject("link-up p1:p2").ok());
  EXPECT_FALSE(e.inject("router-up p3").ok());
  EXPECT_TRUE(e.inject("router-down p3").ok());
  EXPECT_FALSE(e.inject("router-down p3").ok());
  EXPECT_FALSE(e.inject("service-add cache").ok()) << "cache is there";
  EXPECT_TRUE(e.inject("service-remove cache").ok());
  EXPECT_FALSE(e.inject("service-remove cache").ok());
  EXPECT_TRUE(e.inject("mac-flood dc1-cache 10").ok());
  EXPECT_TRUE(e.inject("mac-flood dc1-cache 10").ok()) << "a flood always sends";
  EXPECT_EQ(e.injected_pending(), 6u);
}

TEST(RunEvents, AnUnknownEventListsEveryForm) {
  auto topo = test_env::default_topology();
  EmulatorOptions o;
  o.real_time = true;
  auto emu = Emulator::create(topo, o, test_env::pool(), test_env::rcu());
  ASSERT_TRUE(emu.ok()) << emu.error().message;
  auto r = (*emu)->inject("teleport p1");
  ASSERT_FALSE(r.ok());
  for (const char* form : {"link-down A:B", "router-up R", "service-remove S", "service-add S", "mac-flood SITE N"})
    EXPECT_NE(r.error().message.find(form), std::string::npos) << form << ": " << r.error().message;
}

}  // namespace
}  // namespace l2vpn::sim
