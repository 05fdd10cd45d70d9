// Primitives the topology loader's files share (private to controlplane/:
// included only by yaml_loader.cpp, yaml_reader.hpp, topology_units.cpp,
// topology_validate.cpp): strict numbers and booleans, IPv4 addresses, quoting,
// and the list of errors a file gets back.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/spelling.hpp"

namespace l2vpn::cp {

inline constexpr size_t kMaxReportedErrors = 25;

inline std::string join_errors(const std::vector<std::string>& errors) {
  std::string out;
  for (size_t i = 0; i < errors.size() && i < kMaxReportedErrors; ++i) {
    if (i) out += '\n';
    out += errors[i];
  }
  if (errors.size() > kMaxReportedErrors)
    out += "\n... and " + std::to_string(errors.size() - kMaxReportedErrors) + " more errors";
  return out;
}

inline std::string lower(std::string_view s) { return cp::lowercase(s); }

// Strict unsigned integer: digits only (an optional leading '+').
inline std::optional<uint64_t> parse_uint(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

inline std::optional<double> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

inline std::optional<bool> parse_bool(std::string_view s) {
  std::string l = lower(s);
  if (l == "true" || l == "yes" || l == "on") return true;
  if (l == "false" || l == "no" || l == "off") return false;
  return std::nullopt;
}

inline std::optional<uint32_t> parse_ipv4(std::string_view s) {
  uint32_t addr = 0;
  int parts = 0;
  while (true) {
    size_t dot = s.find('.');
    std::string_view part = s.substr(0, dot);
    if (part.empty() || part.size() > 3) return std::nullopt;
    auto v = parse_uint(part);
    if (!v || *v > 255 || part[0] == '+') return std::nullopt;
    addr = (addr << 8) | static_cast<uint32_t>(*v);
    ++parts;
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  if (parts != 4) return std::nullopt;
  return addr;
}

inline std::string ipv4_str(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

inline std::string squote(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace l2vpn::cp
