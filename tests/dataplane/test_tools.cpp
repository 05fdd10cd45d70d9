// The tools' rules that a unit can check (issue 15, items 5-13):
// `ctl --json` column types, a telemetry page START past the end, the one
// word for "no outgoing label", a missing rx_pcap file named as such, and
// the --memory modes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dataplane/eal.hpp"
#include "dataplane/port.hpp"
#include "dataplane/telemetry.hpp"
#include "dataplane_test_env.hpp"
#include "vpls_fixture.hpp"
#include "vpws_fixture.hpp"

namespace l2vpn::dp {
namespace {

using nlohmann::json;

json cell(std::string_view table, std::string_view column, const std::string& v) {
  return json::parse(tel_value_json(table, column, v));
}

TEST(ToolsJson, LabelListsStayListsWhateverTheirLength) {
  EXPECT_EQ(cell("ilm", "out_labels", "50001"), json::array({50001}));
  EXPECT_EQ(cell("ilm", "out_labels", "50001 40002"), json::array({50001, 40002}));
  EXPECT_EQ(cell("ilm", "out_labels", std::string(kImplicitNull)), json::array());
  EXPECT_TRUE(cell("ilm", "out_labels", "-").is_null());  // no NHLFE (a PW disposition)
  EXPECT_EQ(cell("vpls", "mesh_pseudowires", "670738 88276"), json::array({670738, 88276}));
  EXPECT_EQ(cell("vpls", "mesh_pseudowires", "670738"), json::array({670738}));
  EXPECT_TRUE(cell("vpls", "spoke_pseudowires", "-").is_null());
  EXPECT_EQ(cell("vpls", "attachment_circuits", "dc1 dc2"), json::array({"dc1", "dc2"}));
  EXPECT_EQ(cell("pw", "out_port", "to-p1 to-p2"), json::array({"to-p1", "to-p2"}));
  EXPECT_EQ(cell("pw", "out_port", "to-p1"), json::array({"to-p1"}));
}

TEST(ToolsJson, NumbersStayNumbersTextStaysTextAbsenceIsNull) {
  EXPECT_EQ(cell("counters", "rx_packets", "12"), json(12));
  EXPECT_EQ(cell("pw", "pw_id", "200"), json(200));
  // Names that look like numbers are still names.
  EXPECT_EQ(cell("routers", "name", "100"), json("100"));
  EXPECT_EQ(cell("ilm", "out_port", "7"), json("7"));
  EXPECT_EQ(cell("vpls", "bridge_domain", "42"), json("42"));
  EXPECT_TRUE(cell("pw", "down_reason", "-").is_null());
  EXPECT_TRUE(cell("ilm", "backup", "-").is_null());
  EXPECT_EQ(cell("ilm", "backup", "implicit-null via to-pe2"), json("implicit-null via to-pe2"));
}

TEST(ToolsJson, EveryColumnOfEveryTableKeepsOneTypeAcrossRows) {
  auto vpws = test::vpws_state();
  test::RouterHarness h(vpws);
  auto vpls = test::vpls_state();
  test::RouterHarness hv(vpls);
  for (Router* r : {h.router.get(), hv.router.get()})
    for (auto t : {ilm_table(*r), pw_table(*r), vpls_table(*r), counters_table(*r), routers_table({r})}) {
      for (auto& [kind, names] : t.columns) {
        std::map<std::string, json::value_t> seen;
        for (auto& row : t.rows) {
          if (row[0] != kind) continue;
          for (size_t i = 0; i < names.size() && i + 1 < row.size(); ++i) {
            auto v = cell(t.table, names[i], row[i + 1]);
            if (v.is_null()) continue;
            auto type = v.is_number() ? json::value_t::number_unsigned : v.type();
            auto [it, fresh] = seen.emplace(names[i], type);
            EXPECT_TRUE(fresh || it->second == type)
                << t.table << "." << names[i] << " changes type at '" << row[i + 1] << "'";
          }
        }
      }
    }
}

TEST(ToolsTelemetry, StartPastTheEndIsAnErrorNotAnEmptyPage) {
  TelTable t;
  t.table = "x";
  t.add_columns("k", {"v"});
  EXPECT_TRUE(tel_check_start(t, 0).ok());  // an empty table: one empty page
  t.rows = {{"k", "a"}, {"k", "b"}};
  EXPECT_TRUE(tel_check_start(t, 1).ok());
  auto past = tel_check_start(t, 2);
  ASSERT_FALSE(past.ok());
  EXPECT_NE(past.error().message.find("past the end"), std::string::npos) << past.error().message;
  EXPECT_FALSE(tel_check_start(t, 999).ok());
}

TEST(ToolsTelemetry, APopThatPushesNothingSaysImplicitNull) {
  ForwardingState s = test::vpws_state();
  Nhlfe pop;
  pop.id = 77;
  pop.op = NhlfeOp::pop;
  pop.out_port = "core";
  pop.next_hop_mac = s.nhlfes[0].next_hop_mac;
  s.nhlfes.push_back(pop);
  s.ilm.push_back({9001, IlmAction::forward, 77});
  test::RouterHarness h(s);
  bool found = false;
  for (auto& row : ilm_table(*h.router).rows)
    if (row[0] == "ilm" && row[1] == "9001") {
      found = true;
      EXPECT_EQ(row[5], "implicit-null");
    }
  EXPECT_TRUE(found);
}

TEST(ToolsPorts, AMissingRxPcapIsNamedWithItsCause) {
  auto r = probe_ethdev("net_pcap_i15t0,rx_pcap=/nonexistent/i15t-in.pcap,tx_pcap=/tmp/i15t-out.pcap");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent/i15t-in.pcap"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("No such file"), std::string::npos) << r.error().message;
}

TEST(ToolsMemory, ModesParseAndNohugeNeverAsksForHugepages) {
  auto no = choose_hugepages("nohuge");
  ASSERT_TRUE(no.ok());
  EXPECT_FALSE(*no);
  auto bad = choose_hugepages("lots");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("auto, huge or nohuge"), std::string::npos);
  EXPECT_TRUE(choose_hugepages("auto").ok());  // never an error: falls back
  // More pages than any machine here has free: huge is refused with the fix.
  auto huge = choose_hugepages("huge", 1u << 30);
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message.find("nohuge"), std::string::npos) << huge.error().message;
  auto a = default_eal_args("0");
  use_hugepages(a);
  for (auto& w : a) {
    EXPECT_NE(w, "--no-huge");
    EXPECT_NE(w, "--no-shconf");
  }
  EXPECT_EQ(a.back(), "--in-memory");
}

}  // namespace
}  // namespace l2vpn::dp
