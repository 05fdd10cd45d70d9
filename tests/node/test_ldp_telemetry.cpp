// LDP's telemetry tables (node/ldp_telemetry.hpp): the JSON the control
// socket answers, as rows of strings with their column types, and back; and
// the paging of a table larger than one telemetry reply.
#include <gtest/gtest.h>

#include "dataplane/telemetry.hpp"
#include "ldp/show.hpp"
#include "node/ldp_telemetry.hpp"
#include "tests/ldp/ldp_net.hpp"

using namespace l2vpn;
using namespace l2vpn::ldp::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// a (1.1.1.1) - b (2.2.2.2), a egress for its loopback and `extra` more /32s.
void two_routers(Net& net, int extra = 0) {
  net.add("a", "1.1.1.1", {"eth0"});
  net.add("b", "2.2.2.2", {"eth0"});
  net.link("a", "eth0", "10.0.0.1", "b", "eth0", "10.0.0.2");
  ldp::RoutingView va{0, {ip("10.0.0.1")}, {ldp::Prefix{ip("1.1.1.1"), 32}}, {route("2.2.2.2", {"10.0.0.2"})}};
  for (int i = 0; i < extra; ++i) va.local_fecs.push_back(ldp::Prefix{ip("172.16.0.0") + uint32_t(i), 32});
  ldp::RoutingView vb{0, {ip("10.0.0.2")}, {ldp::Prefix{ip("2.2.2.2"), 32}}, {route("1.1.1.1", {"10.0.0.1"})}};
  net["a"].set_routing(va, net.now);
  net["b"].set_routing(vb, net.now);
}

// What a client (l2vpn ctl --json) makes of a table: per kind, objects with
// each cell typed by the table's own types. Every row has every column.
json back_to_json(const dp::TelTable& t) {
  json out = json::object();
  for (size_t k = 0; k < t.columns.size(); ++k) {
    const auto& [kind, names] = t.columns[k];
    EXPECT_EQ(t.types[k].first, kind);
    EXPECT_EQ(t.types[k].second.size(), names.size());
    json arr = json::array();
    for (const auto& r : t.rows) {
      if (r.empty() || r[0] != kind) continue;
      EXPECT_EQ(r.size(), names.size() + 1);
      json o = json::object();
      for (size_t i = 0; i < names.size() && i + 1 < r.size(); ++i)
        o[names[i]] = json::parse(dp::tel_value_json(t.types[k].second[i], r[i + 1]));
      arr.push_back(std::move(o));
    }
    out[kind] = std::move(arr);
  }
  return out;
}

// The control socket's JSON with a row's missing keys as null and "-" as
// null: what the telemetry side promises.
json with_nulls(json j) {
  for (auto& [kind, rows] : j.items()) {
    std::set<std::string> keys;
    for (auto& r : rows)
      for (auto& [k, v] : r.items()) keys.insert(k);
    for (auto& r : rows)
      for (auto& k : keys)
        if (!r.contains(k) || r[k] == "-") r[k] = nullptr;
  }
  return j;
}

}  // namespace

TEST(LdpTelemetry, EmptyEngineGivesEmptyTables) {
  ldp::Config c;
  c.lsr_id = ip("1.1.1.1");
  ldp::Engine e(c);
  auto s = node::ldp_snapshot(e, "pe1", ldp::Time(0));
  auto t = node::ldp_neighbor_table(s);
  EXPECT_EQ(t.router, "pe1");
  EXPECT_EQ(t.table, "ldp_neighbor");
  EXPECT_TRUE(t.rows.empty());
  ASSERT_EQ(t.columns.size(), 1u);
  EXPECT_EQ(t.columns[0].first, "neighbors");
  EXPECT_EQ(back_to_json(t), json::parse(R"({"neighbors": []})"));
  EXPECT_TRUE(dp::tel_check_start(t, 0));
  EXPECT_FALSE(dp::tel_check_start(t, 1));
}

TEST(LdpTelemetry, TablesGiveBackTheControlSocketsJson) {
  Net net;
  two_routers(net);
  net.run_for(3s);
  const auto& a = net["a"];
  auto s = node::ldp_snapshot(a, "a", net.now);
  EXPECT_EQ(s.neighbor, ldp::neighbor_json(a, net.now));  // the same functions, not a second formatter

  auto n = node::ldp_neighbor_table(s);
  ASSERT_EQ(n.rows.size(), 1u);
  EXPECT_EQ(back_to_json(n), with_nulls(ldp::neighbor_json(a, net.now)));
  auto j = back_to_json(n)["neighbors"][0];
  EXPECT_EQ(j["state"], "OPERATIONAL");
  EXPECT_EQ(j["keepaliveTime"], 180);             // a number stays a number
  EXPECT_EQ(j["endOfLibReceived"], true);         // a boolean stays one
  EXPECT_EQ(j["addresses"], json::array({"2.2.2.2", "10.0.0.2"}));  // a list stays a list
  EXPECT_TRUE(j["lastError"].is_null() || !j.contains("lastError"));

  auto d = node::ldp_discovery_table(s);
  EXPECT_EQ(back_to_json(d), with_nulls(ldp::discovery_json(a, net.now)));
  EXPECT_EQ(back_to_json(d)["adjacencies"][0]["helloHoldtime"], 15);

  auto b = node::ldp_binding_table(s);
  EXPECT_EQ(b.table, "ldp_binding");
  auto bj = back_to_json(b);
  EXPECT_EQ(bj, with_nulls(ldp::binding_json(a)));
  int found = 0;
  for (auto& r : bj["bindings"])
    if (r["prefix"] == "2.2.2.2/32") {
      EXPECT_EQ(r["remoteLabel"], "imp-null");  // labels as FRR writes them, as the control socket does
      EXPECT_EQ(r["inUse"], 1);
      ++found;
    }
  EXPECT_EQ(found, 1);
}

TEST(LdpTelemetry, ColumnTypesComeFromTheValues) {
  auto t = node::json_tel_table("r", "x", json::parse(R"({
    "rows": [{"n": 1, "s": "a", "b": false, "l": [], "m": [3, 4], "gone": "-"},
             {"n": 2, "s": "b c", "b": true, "l": ["x", "y"], "only": "here"}],
    "scalar": 5})"));
  ASSERT_EQ(t.columns.size(), 1u);  // arrays only
  EXPECT_EQ(t.columns[0].second, (std::vector<std::string>{"b", "gone", "l", "m", "n", "only", "s"}));
  using T = dp::TelColumnType;
  EXPECT_EQ(t.types[0].second,
            (std::vector<T>{T::boolean, T::text, T::text_list, T::number_list, T::number, T::text, T::text}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"rows", "false", "-", "", "3 4", "1", "-", "a"}));
  EXPECT_EQ(t.rows[1], (std::vector<std::string>{"rows", "true", "-", "x y", "-", "2", "here", "b c"}));
  auto j = back_to_json(t);
  EXPECT_EQ(j["rows"][0]["m"], json::parse("[3, 4]"));
  EXPECT_EQ(j["rows"][1]["l"], json::parse(R"(["x", "y"])"));
  EXPECT_TRUE(j["rows"][1]["m"].is_null());
  EXPECT_EQ(dp::tel_type_of_name(dp::tel_type_name(T::boolean)), T::boolean);
  EXPECT_FALSE(dp::tel_type_of_name("float"));
}

TEST(LdpTelemetry, LongValuesAreCutToTheStringLimit) {
  auto t = node::json_tel_table("r", "x", json{{"rows", json::array({json{{"e", std::string(300, 'z')}}})}});
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0][1].size(), dp::kTelMaxString);
}

TEST(LdpTelemetry, LargeBindingTablesPage) {
  Net net;
  two_routers(net, 500);
  net.run_for(3s);
  auto s = node::ldp_snapshot(net["b"], "b", net.now);
  auto t = node::ldp_binding_table(s);
  ASSERT_GE(t.rows.size(), 501u);
  // Pages as the fast path's tables: within the row and byte budgets, every
  // row once, and START past the end is an error, not an empty page.
  size_t start = 0, pages = 0, rows = 0;
  while (start < t.rows.size()) {
    size_t end = dp::tel_page_end(t, start);
    ASSERT_GT(end, start);
    EXPECT_LE(end - start, dp::kTelPageRows);
    size_t bytes = 0;
    for (size_t i = start; i < end; ++i) bytes += dp::tel_row_bytes(t.rows[i]);
    EXPECT_LE(bytes, dp::kTelPageBudget);
    rows += end - start;
    start = end;
    ++pages;
  }
  EXPECT_EQ(rows, t.rows.size());
  EXPECT_GE(pages, 3u);
  EXPECT_TRUE(dp::tel_check_start(t, t.rows.size() - 1));
  EXPECT_FALSE(dp::tel_check_start(t, t.rows.size()));
}
