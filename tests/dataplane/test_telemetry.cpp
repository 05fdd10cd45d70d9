// Telemetry tables (dataplane/telemetry.hpp): pagination within DPDK's
// reply limits, tables that match the ForwardingState, the registry, and
// reading while the router forwards and is reprogrammed.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "dataplane/telemetry.hpp"
#include "dataplane_test_env.hpp"
#include "vpws_fixture.hpp"

namespace l2vpn::dp {
namespace {

using test::Frame;
using test::mac;

TelTable table_of(size_t rows, size_t width) {
  TelTable t;
  t.table = "x";
  t.add_columns("k", {"v"});
  for (size_t i = 0; i < rows; ++i) t.rows.push_back({"k", std::string(width, 'a' + char(i % 26))});
  return t;
}

TEST(TelemetryPages, EmptyTableIsOnePageWithNothing) {
  TelTable t;
  EXPECT_EQ(tel_page_end(t, 0), 0u);
}

TEST(TelemetryPages, PagesCoverEveryRowOnceWithinTheLimits) {
  for (size_t width : {1u, 40u, 127u, 500u}) {
    auto t = table_of(1000, width);
    size_t start = 0, pages = 0;
    while (start < t.rows.size()) {
      size_t end = tel_page_end(t, start);
      ASSERT_GT(end, start);
      EXPECT_LE(end - start, kTelPageRows);
      size_t bytes = 0;
      for (size_t i = start; i < end; ++i) bytes += tel_row_bytes(t.rows[i]);
      if (end - start > 1) {
        EXPECT_LE(bytes, kTelPageBudget);
      }
      start = end;
      ++pages;
    }
    EXPECT_EQ(start, 1000u);
    EXPECT_GE(pages, 5u);
  }
}

TEST(TelemetryPages, EscapedCharactersCountTwiceAndLongStringsAreCut) {
  EXPECT_EQ(tel_row_bytes({"\"\"\\"}), tel_row_bytes({"abc"}) + 3);
  EXPECT_EQ(tel_row_bytes({std::string(1000, 'x')}), tel_row_bytes({std::string(kTelMaxString, 'x')}));
}

TEST(TelemetryTables, IlmPwCountersAndStateMatchTheForwardingState) {
  auto s = test::vpws_state();
  test::RouterHarness h(s);
  h.inject("ac1", {Frame().bytes(test::customer_frame(mac(0x99), mac(0x42), 64)).mbuf()});
  EXPECT_EQ(h.take("core").size(), 1u);
  Router& r = *h.router;

  auto ilm = ilm_table(r);
  EXPECT_EQ(ilm.router, "PE1");
  size_t n_ilm = 0;
  for (auto& row : ilm.rows)
    if (row[0] == "ilm") {
      ++n_ilm;
      bool found = false;
      for (auto& e : s.ilm) found |= std::to_string(e.label) == row[1] && to_string(e.action) == row[2];
      EXPECT_TRUE(found) << row[1];
    }
  EXPECT_EQ(n_ilm, s.ilm.size());

  auto pw = pw_table(r);
  ASSERT_EQ(pw.rows.size(), s.pseudowires.size());
  EXPECT_EQ(pw.rows[0][1], "1");
  EXPECT_EQ(pw.rows[0][4], "6001");
  EXPECT_EQ(pw.rows[0][5], "5001");
  EXPECT_EQ(pw.rows[0][11], "up");
  EXPECT_EQ(pw.rows[0][13], "ac site-a");
  EXPECT_EQ(pw.rows[0][16], "1");  // tx_packets: the one frame imposed

  auto c = counters_table(r);
  size_t drops = 0, ports = 0;
  for (auto& row : c.rows) {
    drops += row[0] == "drop";
    ports += row[0] == "port";
    if (row[0] == "total") {
      EXPECT_EQ(row[1], "1");
    }
  }
  EXPECT_EQ(drops, kDropReasonCount);
  EXPECT_EQ(ports, s.ports.size());
  EXPECT_EQ(drops_table(r).rows.size(), kDropReasonCount);

  std::string text;
  for (auto& row : state_table(r).rows) {
    EXPECT_LE(row[1].size(), kTelMaxString);
    text += row[1];
  }
  auto back = forwarding_state_from_json(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, s);
}

TEST(TelemetryRegistry, NamesAreUniqueAndGoWithTheHandle) {
  test::RouterHarness a(test::vpws_state());
  auto reg = telemetry_register({a.router.get()});
  ASSERT_TRUE(reg.ok()) << reg.error().message;
  EXPECT_EQ(find_registered_router("PE1"), a.router.get());
  auto again = telemetry_register({a.router.get()});
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("PE1"), std::string::npos);
  reg->reset();
  EXPECT_EQ(find_registered_router("PE1"), nullptr);
  EXPECT_EQ(routers_table({a.router.get()}).rows.size(), 1u);
}

TEST(TelemetryTables, ReadingWhileForwardingAndReprogrammingIsSafe) {
  auto s = test::vpws_state();
  test::RouterHarness h(s);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> reads{0};
  std::thread reader([&] {
    while (!stop.load()) {
      auto t = counters_table(*h.router);
      auto i = ilm_table(*h.router);
      auto st = state_table(*h.router);
      EXPECT_FALSE(t.rows.empty());
      EXPECT_FALSE(i.rows.empty());
      ++reads;
    }
  });
  for (int round = 0; round < 200; ++round) {
    auto next = s;
    next.pseudowires[1].up = round % 2;
    next.pseudowires[1].down_reason = round % 2 ? "" : "test";
    ASSERT_TRUE(h.router->update(next).ok());
    h.inject("ac1", {Frame().bytes(test::customer_frame(mac(0x99), mac(0x42), 64)).mbuf()});
    h.take("core");
  }
  while (reads.load() < 10) std::this_thread::yield();
  stop = true;
  reader.join();
  h.router->reclaim_all();
  EXPECT_EQ(h.router->stats().rx_packets, 200u);
}

}  // namespace
}  // namespace l2vpn::dp
