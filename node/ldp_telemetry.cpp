#include "node/ldp_telemetry.hpp"

#include <rte_telemetry.h>

#include <algorithm>
#include <chrono>
#include <mutex>

#include <fmt/format.h>

#include "ldp/show.hpp"

namespace l2vpn::node {

using nlohmann::json;

LdpSnapshot ldp_snapshot(const ldp::Engine& e, const std::string& router, ldp::Time now) {
  LdpSnapshot s;
  s.router = router;
  s.taken = now;
  s.bindings_version = e.bindings_version();
  s.neighbor = ldp::neighbor_json(e, now);
  s.discovery = ldp::discovery_json(e, now);
  s.binding = ldp::binding_json(e);
  s.counters = ldp::counters_json(e);
  return s;
}

namespace {

std::optional<dp::TelColumnType> type_of(const json& v) {
  if (v.is_string()) return v == "-" ? std::nullopt : std::optional(dp::TelColumnType::text);
  if (v.is_boolean()) return dp::TelColumnType::boolean;
  if (v.is_number()) return dp::TelColumnType::number;
  if (v.is_array()) {
    for (const auto& x : v)
      return x.is_number() ? dp::TelColumnType::number_list : dp::TelColumnType::text_list;
    return std::nullopt;  // empty: another row may say which list
  }
  return std::nullopt;
}

std::string cell(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_array()) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " ") + (x.is_string() ? x.get<std::string>() : x.dump());
    return s;
  }
  if (v.is_null()) return "-";
  return v.dump();
}

}  // namespace

dp::TelTable json_tel_table(std::string router, std::string table, const json& j) {
  dp::TelTable t;
  t.router = std::move(router);
  t.table = std::move(table);
  if (!j.is_object()) return t;
  for (const auto& [kind, rows] : j.items()) {
    if (!rows.is_array()) continue;
    std::vector<std::string> names;
    for (const auto& r : rows)
      if (r.is_object())
        for (const auto& [k, v] : r.items())
          if (std::find(names.begin(), names.end(), k) == names.end()) names.push_back(k);
    std::sort(names.begin(), names.end());
    std::vector<dp::TelColumnType> types(names.size(), dp::TelColumnType::text);
    std::vector<bool> known(names.size(), false);
    for (const auto& r : rows)
      for (size_t i = 0; i < names.size(); ++i)
        if (!known[i] && r.is_object() && r.contains(names[i]))
          if (auto ty = type_of(r[names[i]])) {
            types[i] = *ty;
            known[i] = true;
          }
    // an array that is empty in every row: a list all the same
    for (size_t i = 0; i < names.size(); ++i)
      if (!known[i])
        for (const auto& r : rows)
          if (r.is_object() && r.contains(names[i]) && r[names[i]].is_array()) types[i] = dp::TelColumnType::text_list;
    for (const auto& r : rows) {
      std::vector<std::string> row{kind};
      for (const auto& n : names) {
        std::string c = r.is_object() && r.contains(n) ? cell(r[n]) : "-";
        row.push_back(c.size() > dp::kTelMaxString ? c.substr(0, dp::kTelMaxString) : c);
      }
      t.rows.push_back(std::move(row));
    }
    t.add_columns(kind, names);
    t.types.emplace_back(kind, std::move(types));
  }
  return t;
}

dp::TelTable ldp_neighbor_table(const LdpSnapshot& s) { return json_tel_table(s.router, "ldp_neighbor", s.neighbor); }
dp::TelTable ldp_discovery_table(const LdpSnapshot& s) {
  return json_tel_table(s.router, "ldp_discovery", s.discovery);
}
dp::TelTable ldp_binding_table(const LdpSnapshot& s) { return json_tel_table(s.router, "ldp_binding", s.binding); }

// ------------------------------------------------------------ the commands
namespace {

constexpr const char* kStarting = "LDP has not published its state yet (the node is starting): try again in a moment";
constexpr const char* kStopped = "LDP has stopped (the node is shutting down)";

struct Published {
  std::mutex mu;
  std::shared_ptr<const LdpSnapshot> snap;
  const char* absent = kStarting;  // why there is no snapshot
  bool commands = false;
};
Published& published() {
  static Published p;
  return p;
}

// The current snapshot, or the error to answer.
std::shared_ptr<const LdpSnapshot> current(rte_tel_data* d, int& rc) {
  std::lock_guard g(published().mu);
  auto s = published().snap;
  if (!s) rc = dp::tel_reply_error(d, published().absent);
  return s;
}

ldp::Time mono_now() {
  return std::chrono::duration_cast<ldp::Time>(std::chrono::steady_clock::now().time_since_epoch());
}

template <dp::TelTable (*Make)(const LdpSnapshot&)>
int table_cmd(const char* cmd, const char* params, rte_tel_data* d) {
  auto p = dp::tel_split_params(params);
  size_t start = 0;
  if (p.size() > 1 || (!p.empty() && !dp::tel_parse_index(p[0], start)))
    return dp::tel_reply_error(d, fmt::format("usage: {}[,START]", cmd));
  int rc = 0;
  auto s = current(d, rc);
  if (!s) return rc;
  return dp::tel_reply_table(Make(*s), start, d);
}

int summary_cmd(const char*, const char* params, rte_tel_data* d) {
  if (params && *params) return dp::tel_reply_error(d, "usage: /l2vpn/ldp/summary (no parameters)");
  int rc = 0;
  auto s = current(d, rc);
  if (!s) return rc;
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_string(d, "router", s->router.substr(0, dp::kTelMaxString).c_str());
  for (const auto& [k, v] : s->counters.items())
    if (v.is_number_unsigned()) rte_tel_data_add_dict_u64(d, k.c_str(), v.get<uint64_t>());
  rte_tel_data_add_dict_u64(d, "bindingsVersion", s->bindings_version);
  rte_tel_data_add_dict_u64(d, "snapshotAgeMs", uint64_t(std::max<int64_t>(0, (mono_now() - s->taken).count())));
  return 0;
}

}  // namespace

Result<std::unique_ptr<LdpTelemetry>> LdpTelemetry::start() {
  std::lock_guard g(published().mu);
  auto& p = published();
  if (!p.commands) {
    struct Cmd {
      const char* name;
      telemetry_cb fn;
      const char* help;
    };
    static const Cmd cmds[] = {
        {"/l2vpn/ldp/summary", summary_cmd,
         "LDP sessions, adjacencies, FECs and message counters of this node. No parameters"},
        {"/l2vpn/ldp/neighbor", table_cmd<ldp_neighbor_table>,
         "LDP sessions (as show ldp neighbor json). Parameters: [START]"},
        {"/l2vpn/ldp/discovery", table_cmd<ldp_discovery_table>,
         "LDP hello adjacencies (as show ldp discovery json). Parameters: [START]"},
        {"/l2vpn/ldp/binding", table_cmd<ldp_binding_table>,
         "LDP label bindings per FEC and peer (as show ldp binding json). Parameters: [START]"},
    };
    for (const auto& c : cmds)
      if (rte_telemetry_register_cmd(c.name, c.fn, c.help) != 0)
        return Error{fmt::format("telemetry: cannot register {} (EAL up? --no-telemetry?)", c.name)};
    p.commands = true;
  }
  p.snap.reset();
  p.absent = kStarting;
  return std::unique_ptr<LdpTelemetry>(new LdpTelemetry());
}

LdpTelemetry::~LdpTelemetry() {
  std::lock_guard g(published().mu);
  published().snap.reset();
  published().absent = kStopped;
}

void LdpTelemetry::publish(std::shared_ptr<const LdpSnapshot> s) {
  std::lock_guard g(published().mu);
  published().snap = std::move(s);  // the old one is freed by its last reader
}

void LdpTelemetry::update(const ldp::Engine& e, const std::string& router, ldp::Time now) {
  auto counters = ldp::counters_json(e);
  if (published_ && e.bindings_version() == version_ && counters == counters_ && now - last_ < kRefresh) return;
  published_ = true;
  version_ = e.bindings_version();
  counters_ = std::move(counters);
  last_ = now;
  publish(std::make_shared<const LdpSnapshot>(ldp_snapshot(e, router, now)));
}

}  // namespace l2vpn::node
