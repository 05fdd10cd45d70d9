#include "telemetry_client.hpp"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dataplane/telemetry.hpp"

namespace l2vpn::app {

using nlohmann::json;

std::vector<std::map<std::string, std::string>> TelemetryTable::of(const std::string& kind) const {
  std::vector<std::map<std::string, std::string>> out;
  auto it = columns.find(kind);
  for (auto& r : rows) {
    if (r.empty() || r[0] != kind) continue;
    std::map<std::string, std::string> m;
    for (size_t i = 1; i < r.size(); ++i)
      m[it != columns.end() && i - 1 < it->second.size() ? it->second[i - 1] : fmt::format("col{}", i)] = r[i];
    out.push_back(std::move(m));
  }
  return out;
}

json TelemetryTable::to_json() const {
  json j;
  if (!router.empty()) j["router"] = router;
  j["table"] = table;
  for (auto& [kind, names] : columns) {
    std::vector<dp::TelColumnType> ty;
    for (size_t i = 0; i < names.size(); ++i) {
      std::optional<dp::TelColumnType> t;
      if (auto it = types.find(kind); it != types.end() && i < it->second.size()) t = dp::tel_type_of_name(it->second[i]);
      ty.push_back(t ? *t : dp::tel_column_type(table, names[i]));
    }
    json arr = json::array();
    for (auto& m : of(kind)) {
      json o = json::object();
      for (size_t i = 0; i < names.size(); ++i)
        if (auto it = m.find(names[i]); it != m.end()) o[names[i]] = json::parse(dp::tel_value_json(ty[i], it->second));
      arr.push_back(std::move(o));
    }
    j[kind] = std::move(arr);
  }
  return j;
}

Result<TelemetryClient> TelemetryClient::connect(const std::string& file_prefix) {
  const std::string path = dp::telemetry_socket_path(file_prefix);
  struct stat sb;
  if (stat(path.c_str(), &sb) != 0)
    return Error{fmt::format("no DPDK process with file prefix '{}' (no socket {}). Start one with --file-prefix "
                             "{} (l2vpn sim/run/forward print theirs), or see `ls {}`",
                             file_prefix, path, file_prefix, path.substr(0, path.rfind('/', path.rfind('/') - 1)))};
  if (path.size() >= sizeof(sockaddr_un::sun_path)) return Error{fmt::format("socket path too long: {}", path)};
  int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  if (fd < 0) return Error{fmt::format("socket: {}", std::strerror(errno))};
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::strncpy(sun.sun_path, path.c_str(), sizeof(sun.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0) {
    int e = errno;
    close(fd);
    return Error{fmt::format("cannot connect to {}: {} (the process with file prefix '{}' has exited, or you "
                             "lack the rights: it runs as root)",
                             path, std::strerror(e), file_prefix)};
  }
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string buf(4096, '\0');
  ssize_t n = recv(fd, buf.data(), buf.size(), 0);
  if (n <= 0) {
    close(fd);
    return Error{fmt::format("{}: no greeting from the process (too many clients?)", path)};
  }
  size_t max_len = 16384;
  auto info = json::parse(buf.substr(0, size_t(n)), nullptr, false);
  if (info.is_object() && info.contains("max_output_len")) max_len = info["max_output_len"].get<size_t>();
  return TelemetryClient(fd, max_len);
}

TelemetryClient::~TelemetryClient() {
  if (fd_ >= 0) close(fd_);
}

Result<json> TelemetryClient::command(const std::string& cmd, const std::string& params) {
  const std::string msg = params.empty() ? cmd : cmd + "," + params;
  if (send(fd_, msg.data(), msg.size(), 0) < 0) return Error{fmt::format("send {}: {}", msg, std::strerror(errno))};
  std::string buf(max_len_ + 1024, '\0');
  ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
  if (n <= 0) return Error{fmt::format("{}: no reply ({})", msg, n == 0 ? "closed" : std::strerror(errno))};
  auto j = json::parse(buf.substr(0, size_t(n)), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains(cmd))
    return Error{fmt::format("{}: unreadable reply: {}", msg, buf.substr(0, std::min<size_t>(size_t(n), 200)))};
  json v = j[cmd];
  if (v.is_null())
    return Error{fmt::format("{}: the process does not know this command (not an l2vpn process, or one that "
                             "does not serve it)",
                             cmd)};
  if (v.is_object() && v.contains("error")) {
    std::string e = fmt::format("{}: {}", msg, v["error"].is_string() ? v["error"].get<std::string>() : v["error"].dump());
    if (v.contains("forms") && v["forms"].is_string()) e += fmt::format(" (forms: {})", v["forms"].get<std::string>());
    return Error{e};
  }
  return v;
}

Result<TelemetryTable> TelemetryClient::table(const std::string& cmd, const std::string& params) {
  TelemetryTable t;
  int64_t start = 0;
  for (int pages = 0; start >= 0; ++pages) {
    if (pages > 100000) return Error{fmt::format("{}: too many pages", cmd)};
    std::string p = params;
    if (start > 0) p += (p.empty() ? "" : ",") + std::to_string(start);
    auto v = command(cmd, p);
    if (!v) return v.error();
    auto& o = *v;
    if (!o.is_object() || !o.contains("next")) return Error{fmt::format("{}: not a table: {}", cmd, o.dump())};
    if (o.contains("router")) t.router = o["router"];
    if (o.contains("table")) t.table = o["table"];
    const size_t total = o.value("total", size_t(0));
    if (t.rows.size() < total) t.rows.resize(total);
    for (auto& [k, val] : o.items()) {
      if (k.rfind("columns_", 0) == 0) t.columns[k.substr(8)] = val.get<std::vector<std::string>>();
      if (k.rfind("types_", 0) == 0) t.types[k.substr(6)] = val.get<std::vector<std::string>>();
      if (k.size() > 1 && k[0] == 'r' && std::isdigit(static_cast<unsigned char>(k[1]))) {
        size_t i = std::stoul(k.substr(1));
        if (i < t.rows.size()) t.rows[i] = val.get<std::vector<std::string>>();
      }
    }
    int64_t next = o["next"].get<int64_t>();
    if (next >= 0 && next <= start) return Error{fmt::format("{}: page does not advance", cmd)};
    start = next;
  }
  return t;
}

}  // namespace l2vpn::app
