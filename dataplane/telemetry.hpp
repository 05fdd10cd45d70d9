#pragma once
// Our state on DPDK's telemetry socket (/var/run/dpdk/<file-prefix>/
// dpdk_telemetry.v2), read by `l2vpn ctl`, dpdk-telemetry.py or any client.
// docs/observability.md lists every command and its reply.
//
// Apps register their routers by name; handlers run on DPDK's telemetry
// thread while workers forward, so they read a router under its observe
// lock (update() holds it; the hot path never takes it) and counters as
// plain loads of per-worker words.
//
// DPDK 22.11 limits a reply to 16 KiB, a dict to 256 entries, a string to
// 127 bytes, dict names to [A-Za-z0-9_/] and nesting to one level (a dict of
// scalars and arrays of scalars). Every table therefore has one shape:
//   {"router": R, "table": T, "total": N, "start": S, "next": S' or -1,
//    "columns_<kind>": [...], "r<i>": [kind, value, ...], ...}
// rows r<start>.. as arrays of strings, as many as fit in ~12 KiB; the
// client asks again with ",<next>" until next is -1.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "contract/result.hpp"

struct rte_tel_data;

namespace l2vpn::dp {

class Router;

enum class TelColumnType : uint8_t { text, number, number_list, text_list, boolean };

// A table before pagination: rows of strings, the first being the row's kind.
struct TelTable {
  std::string router;  // empty: not about one router
  std::string table;
  std::vector<std::pair<std::string, std::vector<std::string>>> columns;  // per kind
  // Per kind, the type of each column, when the table says them itself (sent
  // as "types_<kind>": ["text", "number", ...]); else tel_column_type's.
  std::vector<std::pair<std::string, std::vector<TelColumnType>>> types;
  std::vector<std::vector<std::string>> rows;
  void add_columns(std::string kind, std::vector<std::string> names) {
    columns.emplace_back(std::move(kind), std::move(names));
  }
};

inline constexpr size_t kTelPageBudget = 12 * 1024;  // bytes of rows per reply (limit 16 KiB)
inline constexpr size_t kTelPageRows = 200;          // rows per reply (dict limit 256)
inline constexpr size_t kTelMaxString = 127;         // longer strings are cut

// Rows [start, end) of one reply: as many as fit the budget, at least one.
size_t tel_page_end(const TelTable& t, size_t start, size_t budget = kTelPageBudget);
// A page's START is valid when it names a row (or is 0): past the end is the
// documented {"error": ...}, not an empty page.
Status tel_check_start(const TelTable& t, size_t start);

// ---- column types (what `l2vpn ctl --json` and other clients make of the
// strings): every column has one type in every row. "-" is absence (null);
// a label list "implicit-null" (a pop, no label pushed) is the empty list;
// lists are words separated by spaces; a boolean is "true" or "false".
TelColumnType tel_column_type(std::string_view table, std::string_view column);
std::string_view tel_type_name(TelColumnType t);  // "text", "number", "number_list", "text_list", "boolean"
std::optional<TelColumnType> tel_type_of_name(std::string_view name);
// The word for "no outgoing label" in every table and tool (as FRR's `show
// mpls table` and Cisco's LFIB say it): the NHLFE pops, pushes nothing.
inline constexpr std::string_view kImplicitNull = "implicit-null";
// The value of one cell as JSON text: null, a number, a list, a string.
std::string tel_value_json(std::string_view table, std::string_view column, const std::string& value);
std::string tel_value_json(TelColumnType type, const std::string& value);
// JSON size of one row as the telemetry library writes it (escapes included).
size_t tel_row_bytes(const std::vector<std::string>& row);

// ---- replies (for every telemetry command of the process, ours and the node's)
// "a,b,c" -> {"a", "b", "c"}; null or "" -> {}.
std::vector<std::string> tel_split_params(const char* params);
// A row number: digits only, at most 9.
bool tel_parse_index(const std::string& s, size_t& out);
// {"error": msg} (cut to the string limit).
int tel_reply_error(rte_tel_data* d, const std::string& msg);
// One page of `t` from row `start` in the shape above; past the end, the error.
int tel_reply_table(const TelTable& t, size_t start, rte_tel_data* d);

// The tables (also used by tests and the metrics endpoint). Callers hold no
// lock: these take the router's observe lock themselves.
TelTable routers_table(const std::vector<const Router*>& routers);
TelTable ilm_table(const Router& r);
TelTable pw_table(const Router& r);
TelTable vpls_table(const Router& r);
TelTable counters_table(const Router& r);
TelTable drops_table(const Router& r);
// The router's ForwardingState as JSON text cut into 100-byte rows
// (forwarding_state_from_json reads the concatenation).
TelTable state_table(const Router& r);

// ---- registry
// Makes `router` visible under its name until the handle is destroyed
// (destroy it before the router). Registers the /l2vpn/* commands on first
// use; EAL must be up. Error: a router of that name is already registered.
class TelemetryRegistration {
 public:
  TelemetryRegistration() = default;
  explicit TelemetryRegistration(std::vector<const Router*> routers) : routers_(std::move(routers)) {}
  TelemetryRegistration(TelemetryRegistration&& o) noexcept : routers_(std::move(o.routers_)) {
    o.routers_.clear();
  }
  TelemetryRegistration& operator=(TelemetryRegistration&& o) noexcept;
  ~TelemetryRegistration();

 private:
  std::vector<const Router*> routers_;
};
Result<std::unique_ptr<TelemetryRegistration>> telemetry_register(std::vector<const Router*> routers);
// Registers the /l2vpn/* commands before the routers exist (call it before
// or right after EAL starts): until the first telemetry_register they
// answer {"error": "... still starting ..."}, so `l2vpn ctl` against a
// process that is still building its backbone says so.
Status telemetry_announce_starting();
// The error the commands give until then.
inline constexpr std::string_view kTelStarting =
    "this l2vpn process is still starting (its routers are not registered yet): try again in a moment";
// Routers registered now (for the metrics endpoint), in registration order.
// Calls `fn` with the registry locked: routers stay alive during the call.
void for_each_registered_router(const std::function<void(const Router&)>& fn);
const Router* find_registered_router(std::string_view name);  // registry lock NOT held after

// ---- file prefix
// "l2vpn-<what>-<pid>": unique per process, so ctl finds the right socket.
std::string default_file_prefix(std::string_view what);
// The telemetry socket path of a process started with `file_prefix`
// (/var/run/dpdk/<prefix>/dpdk_telemetry.v2 as root, else under
// $XDG_RUNTIME_DIR or /tmp).
std::string telemetry_socket_path(std::string_view file_prefix);
// Adds "--file-prefix P" to EAL arguments unless they already have one;
// returns the prefix in effect.
std::string set_file_prefix(std::vector<std::string>& eal_args, std::string_view prefix);

// ---- pdump (dpdk-dumpcap, dpdk-pdump)
// The capture tools are secondary processes: they need the primary's shared
// config and its memory in hugepages on a hugetlbfs mount. Turns the default
// EAL arguments (--no-huge -m 512 --no-shconf) into "-m <mb>" with shared
// config; --huge-dir is added when given (else EAL's default mount).
void pdump_eal_args(std::vector<std::string>& eal_args, unsigned mb, const std::string& huge_dir);
// rte_pdump_init after EAL is up. Error: DPDK refused (no shared config).
Status pdump_init();

}  // namespace l2vpn::dp

namespace l2vpn::dp {
// Registers every router of a container of std::unique_ptr<Router> (the
// emulator's backbone, a test's routers).
template <class Range>
Result<std::unique_ptr<TelemetryRegistration>> telemetry_register_all(const Range& routers) {
  std::vector<const Router*> v;
  for (auto& r : routers) v.push_back(&*r);
  return telemetry_register(std::move(v));
}
}  // namespace l2vpn::dp
