#pragma once
// A client of DPDK's telemetry socket (SOCK_SEQPACKET, one JSON reply per
// command), for `l2vpn ctl`. Reads the paginated tables of
// dataplane/telemetry.hpp whole.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "contract/result.hpp"

namespace l2vpn::app {

// A table fetched whole: rows by kind, each row's values by column name.
struct TelemetryTable {
  std::string router, table;
  std::map<std::string, std::vector<std::string>> columns;  // kind -> names
  std::map<std::string, std::vector<std::string>> types;    // kind -> type names, when the table says them
  std::vector<std::vector<std::string>> rows;               // [kind, values...]
  // Rows of one kind as column -> value maps.
  std::vector<std::map<std::string, std::string>> of(const std::string& kind) const;
  // {"router", "table", "<kind>": [{column: value}]}: each column one type
  // in every row (the table's "types_<kind>", else dp::tel_column_type):
  // numbers, lists, booleans, text; "-" is null.
  nlohmann::json to_json() const;
};

class TelemetryClient {
 public:
  // Error (with what to do) when no process with that prefix runs.
  static Result<TelemetryClient> connect(const std::string& file_prefix);
  TelemetryClient(TelemetryClient&& o) noexcept : fd_(o.fd_), max_len_(o.max_len_) { o.fd_ = -1; }
  TelemetryClient& operator=(TelemetryClient&&) = delete;
  ~TelemetryClient();

  // The value of the reply to "cmd[,params]". Error: unknown command, an
  // "error" the process answered, socket trouble.
  Result<nlohmann::json> command(const std::string& cmd, const std::string& params = "");
  // Every page of a table command (see dataplane/telemetry.hpp).
  Result<TelemetryTable> table(const std::string& cmd, const std::string& params = "");

 private:
  TelemetryClient(int fd, size_t max_len) : fd_(fd), max_len_(max_len) {}
  int fd_ = -1;
  size_t max_len_ = 16384;
  std::string prefix_;
};

}  // namespace l2vpn::app
