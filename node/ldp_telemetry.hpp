#pragma once
// LDP on DPDK's telemetry socket (the node's file prefix, as the fast path's
// /l2vpn/* commands): /l2vpn/ldp/summary, /l2vpn/ldp/neighbor,
// /l2vpn/ldp/discovery, /l2vpn/ldp/binding (docs/ldp.md, "Looking inside").
//
// Threading: the engine belongs to the node's epoll loop; DPDK runs the
// command callbacks on its telemetry thread. The loop publishes a snapshot
// (the JSON of ldp/show.hpp, the same functions `l2vpn ctl --node ... show
// ldp ... --json` answers with) under a mutex; the callbacks take the
// shared pointer and read only that immutable snapshot.
//
// Tables keep dataplane/telemetry.hpp's shape (columns_<kind>, r<i> rows of
// strings, START paging, {"error"} past the end) and say their column types
// themselves (types_<kind>), so `l2vpn ctl --file-prefix P --json show ldp
// neighbor` gives back the control socket's JSON: numbers as numbers, lists
// as lists, booleans; a key a row lacks ("-") is null.

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "contract/result.hpp"
#include "dataplane/telemetry.hpp"
#include "ldp/engine.hpp"

namespace l2vpn::node {

struct LdpSnapshot {
  std::string router;
  ldp::Time taken{};          // on the node's monotonic clock (steady_clock)
  uint64_t bindings_version = 0;
  nlohmann::json neighbor;    // ldp::neighbor_json: {"neighbors": [...]}
  nlohmann::json discovery;   // ldp::discovery_json: {"adjacencies": [...]}
  nlohmann::json binding;     // ldp::binding_json: {"bindings": [...]}
  nlohmann::json counters;    // ldp::counters_json: {name: number}
};
LdpSnapshot ldp_snapshot(const ldp::Engine& e, const std::string& router, ldp::Time now);

// Every array of objects in `j` (e.g. {"neighbors": [{...}]}) as rows of the
// kind of its key; one column per key any row has (in key order), typed by
// its values: string -> text, unsigned/integer -> number, boolean, array of
// strings -> text_list, of numbers -> number_list. A row without the key,
// and a string "-", is "-" (null). Values longer than 127 bytes are cut.
dp::TelTable json_tel_table(std::string router, std::string table, const nlohmann::json& j);
// table "ldp_neighbor" (kind "neighbors"), "ldp_discovery" ("adjacencies"),
// "ldp_binding" ("bindings").
dp::TelTable ldp_neighbor_table(const LdpSnapshot& s);
dp::TelTable ldp_discovery_table(const LdpSnapshot& s);
dp::TelTable ldp_binding_table(const LdpSnapshot& s);

// Publishes snapshots for the telemetry commands while it lives.
class LdpTelemetry {
 public:
  // Registers the commands (once per process; EAL must be up). Until the
  // first publish they answer {"error": "... starting ..."}.
  static Result<std::unique_ptr<LdpTelemetry>> start();
  ~LdpTelemetry();  // the commands then answer {"error": "... stopped"}
  LdpTelemetry(const LdpTelemetry&) = delete;
  LdpTelemetry& operator=(const LdpTelemetry&) = delete;

  // From the node's loop after each tick: a new snapshot when the bindings
  // or the counters changed, else at least once a second (uptimes, hold
  // times remaining). Cost: one walk of the bindings per snapshot.
  void update(const ldp::Engine& e, const std::string& router, ldp::Time now);
  void publish(std::shared_ptr<const LdpSnapshot> s);
  static constexpr ldp::Time kRefresh{1000};

 private:
  LdpTelemetry() = default;
  uint64_t version_ = 0;
  nlohmann::json counters_;
  ldp::Time last_{};
  bool published_ = false;
};

}  // namespace l2vpn::node
