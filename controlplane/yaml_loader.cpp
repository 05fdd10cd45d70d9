#include "controlplane/yaml_loader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <cstdint>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <tuple>

#include <yaml-cpp/yaml.h>

#include "controlplane/graphml_importer.hpp"
#include "controlplane/spelling.hpp"

namespace l2vpn::cp {

namespace {

constexpr size_t kMaxReportedErrors = 25;

std::string join_errors(const std::vector<std::string>& errors) {
  std::string out;
  for (size_t i = 0; i < errors.size() && i < kMaxReportedErrors; ++i) {
    if (i) out += '\n';
    out += errors[i];
  }
  if (errors.size() > kMaxReportedErrors)
    out += "\n... and " + std::to_string(errors.size() - kMaxReportedErrors) + " more errors";
  return out;
}

std::string lower(std::string_view s) { return cp::lowercase(s); }

// Strict unsigned integer: digits only (an optional leading '+').
std::optional<uint64_t> parse_uint(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<bool> parse_bool(std::string_view s) {
  std::string l = lower(s);
  if (l == "true" || l == "yes" || l == "on") return true;
  if (l == "false" || l == "no" || l == "off") return false;
  return std::nullopt;
}

std::optional<uint32_t> parse_ipv4(std::string_view s) {
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

std::string ipv4_str(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

std::string squote(std::string_view s) { return "'" + std::string(s) + "'"; }

// ---------------------------------------------------------------------------
// YAML reading with errors collected, never thrown.

struct Ctx {
  std::string file;
  std::vector<std::string> errors;

  static int line_of(const YAML::Node& n) {
    if (!n.IsDefined()) return 0;
    int l = n.Mark().line;
    return l >= 0 ? l + 1 : 0;
  }
  std::string at(int line) const { return SourceLocation{file, line}.str(); }
  void error(int line, const std::string& what, const std::string& msg) {
    errors.push_back(at(line) + ": " + (what.empty() ? "" : what + ": ") + msg);
  }
};

std::string kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return "a scalar " + squote(n.Scalar());
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "nothing";
  }
}

// One YAML mapping: checks unknown and duplicate keys up front, then hands
// out typed values, recording an error (and leaving the output alone) on a
// wrong type.
class MapReader {
 public:
  MapReader(Ctx& ctx, const YAML::Node& node, std::string what,
            std::initializer_list<std::string_view> allowed, int parent_line = 0)
      : ctx_(ctx), what_(std::move(what)), line_(Ctx::line_of(node)) {
    if (!line_) line_ = parent_line;
    if (!node.IsMap()) {
      ctx_.error(line_, what_, "expected a mapping, found " + kind_of(node));
      ok_ = false;
      return;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      int kline = Ctx::line_of(it->first);
      if (!it->first.IsScalar()) {
        ctx_.error(kline, what_, "a key must be a plain name, found " + kind_of(it->first));
        continue;
      }
      std::string key = it->first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string msg = "unknown key " + squote(key);
        const std::string_view best = closest_match(lower(key), allowed, 3);
        if (!best.empty()) msg += " (did you mean " + squote(best) + "?)";
        else {
          msg += " (known keys:";
          for (std::string_view a : allowed) msg += " " + std::string(a);
          msg += ")";
        }
        ctx_.error(kline, what_, msg);
        continue;
      }
      if (values_.count(key)) {
        ctx_.error(kline, what_, "key " + squote(key) + " given twice");
        continue;
      }
      values_.emplace(key, std::make_pair(it->first, it->second));
    }
  }

  bool ok() const { return ok_; }
  int line() const { return line_; }
  const std::string& what() const { return what_; }
  void set_what(std::string w) { what_ = std::move(w); }
  bool has(const std::string& key) const { return values_.count(key) > 0; }
  YAML::Node node(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? YAML::Node() : it->second.second;
  }
  int line_of(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) return line_;
    int l = Ctx::line_of(it->second.second);
    return l ? l : Ctx::line_of(it->second.first);
  }
  void error(const std::string& key, const std::string& msg) { ctx_.error(line_of(key), what_, msg); }
  void missing(const std::string& key) { ctx_.error(line_, what_, "missing key " + squote(key)); }

  // A scalar as text; false (and an error) if present but not a scalar.
  bool scalar(const std::string& key, std::string& out) {
    if (!has(key)) return false;
    YAML::Node n = node(key);
    if (!n.IsScalar()) {
      error(key, squote(key) + " must be a single value, found " + kind_of(n));
      return false;
    }
    out = n.Scalar();
    return true;
  }
  bool str(const std::string& key, std::string& out, bool required = false) {
    if (!has(key)) {
      if (required) missing(key);
      return false;
    }
    std::string s;
    if (!scalar(key, s)) return false;
    if (s.empty()) {
      error(key, squote(key) + " must not be empty");
      return false;
    }
    out = s;
    return true;
  }
  template <class T>
  bool uint(const std::string& key, T& out, uint64_t min, uint64_t max) {
    std::string s;
    if (!scalar(key, s)) return false;
    auto v = parse_uint(s);
    if (!v && s.size() > 1 && s[0] == '-' && parse_uint(std::string_view(s).substr(1))) {
      // A negative whole number: the problem is the range, not the form.
      error(key, squote(key) + " " + s + " is out of range [" + std::to_string(min) + ", " +
                     std::to_string(max) + "]");
      return false;
    }
    if (!v) {
      error(key, squote(key) + " must be a whole number, found " + squote(s));
      return false;
    }
    if (*v < min || *v > max) {
      error(key, squote(key) + " " + std::to_string(*v) + " is out of range [" +
                     std::to_string(min) + ", " + std::to_string(max) + "]");
      return false;
    }
    out = static_cast<T>(*v);
    return true;
  }
  // A whole number with an optional unit ("300" or "300s"); `form` names
  // both ways in the error, e.g. "seconds (300 or 300s)".
  template <typename T>
  bool uint_unit(const std::string& key, std::string_view unit, T& out, uint64_t min, uint64_t max,
                 std::string_view form) {
    std::string s;
    if (!scalar(key, s)) return false;
    std::string_view digits = s;
    if (digits.ends_with(unit)) digits.remove_suffix(unit.size());
    auto v = parse_uint(digits);
    if (!v || *v < min || *v > max) {
      error(key, squote(key) + " must be " + std::string(form) + " in [" + std::to_string(min) + ", " +
                     std::to_string(max) + "], found " + squote(s));
      return false;
    }
    out = static_cast<T>(*v);
    return true;
  }
  bool boolean(const std::string& key, bool& out) {
    std::string s;
    if (!scalar(key, s)) return false;
    auto v = parse_bool(s);
    if (!v) {
      error(key, squote(key) + " must be true or false, found " + squote(s));
      return false;
    }
    out = *v;
    return true;
  }
  bool number(const std::string& key, double& out, double min, double max) {
    std::string s;
    if (!scalar(key, s)) return false;
    auto v = parse_number(s);
    if (!v || *v < min || *v > max) {
      std::ostringstream os;
      os << squote(key) << " must be a number in [" << min << ", " << max << "], found " << squote(s);
      error(key, os.str());
      return false;
    }
    out = *v;
    return true;
  }
  bool bandwidth(const std::string& key, uint64_t& out) {
    std::string s;
    if (!scalar(key, s)) return false;
    auto v = parse_bandwidth(s);
    if (!v) {
      error(key, "bad bandwidth " + squote(s) + " (examples: 10G, 2.5G, 100M, 400k)");
      return false;
    }
    out = *v;
    return true;
  }
  bool delay(const std::string& key, double& out) {
    std::string s;
    if (!scalar(key, s)) return false;
    auto v = parse_delay_us(s);
    if (!v) {
      // Well formed but out of range: say which bound.
      std::string m = s;
      if (!m.empty() && m[0] == '-') m = m.substr(1);
      if (m != s && parse_delay_us(m)) {
        error(key, "delay " + squote(s) + " is negative");
        return false;
      }
      for (auto [suffix, mult] : {std::pair<std::string_view, double>{"ns", 1e-3}, {"us", 1}, {"ms", 1e3}, {"s", 1e6}})
        if (m.size() > suffix.size() && m.ends_with(suffix)) {
          auto n = parse_number(std::string_view(m).substr(0, m.size() - suffix.size()));
          if (n && *n * mult > 10e6) {
            error(key, "delay " + squote(s) + " is above the maximum of 10 s (one way)");
            return false;
          }
          break;
        }
      error(key, "bad delay " + squote(s) + " (a number with a unit: 150us, 2ms, 1.5ms, 500ns, 1s)");
      return false;
    }
    out = *v;
    return true;
  }
  // One of the given words.
  bool choice(const std::string& key, std::string& out, std::initializer_list<std::string_view> words) {
    std::string s;
    if (!scalar(key, s)) return false;
    if (std::find(words.begin(), words.end(), s) == words.end()) {
      std::string msg = squote(key) + " must be one of";
      for (auto w : words) msg += " " + std::string(w);
      error(key, msg + ", found " + squote(s));
      return false;
    }
    out = s;
    return true;
  }
  // A list of names (strings).
  bool name_list(const std::string& key, std::vector<std::string>& out, bool required = false) {
    if (!has(key)) {
      if (required) missing(key);
      return false;
    }
    YAML::Node n = node(key);
    if (n.IsNull()) {
      out.clear();
      return true;
    }
    if (!n.IsSequence()) {
      error(key, squote(key) + " must be a list of names, found " + kind_of(n));
      return false;
    }
    std::vector<std::string> v;
    for (const YAML::Node& item : n) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        ctx_.error(Ctx::line_of(item) ? Ctx::line_of(item) : line_of(key), what_,
                   squote(key) + " must be a list of names, found " + kind_of(item));
        return false;
      }
      v.push_back(item.Scalar());
    }
    out = std::move(v);
    return true;
  }
  // A list (null counts as empty); false if present but not a list.
  bool list(const std::string& key, std::vector<YAML::Node>& out) {
    out.clear();
    if (!has(key)) return false;
    YAML::Node n = node(key);
    if (n.IsNull()) return true;
    if (!n.IsSequence()) {
      error(key, squote(key) + " must be a list, found " + kind_of(n));
      return false;
    }
    for (const YAML::Node& item : n) out.push_back(item);
    return true;
  }

 private:
  Ctx& ctx_;
  std::string what_;
  int line_ = 0;
  bool ok_ = true;
  std::map<std::string, std::pair<YAML::Node, YAML::Node>> values_;
};

// Reads a list item's name first, so every later message can name it.
std::string item_what(const char* kind, const YAML::Node& item, size_t index) {
  if (item.IsMap()) {
    YAML::Node n = item["name"];
    if (n.IsDefined() && n.IsScalar() && !n.Scalar().empty())
      return std::string(kind) + " " + squote(n.Scalar());
  }
  return std::string(kind) + " #" + std::to_string(index + 1);
}

// ---------------------------------------------------------------------------
// Components of the link graph (for warnings about services across parts).

std::map<std::string, size_t> components(const Topology& topo) {
  std::map<std::string, size_t> idx;
  for (size_t i = 0; i < topo.routers.size(); ++i) idx.emplace(topo.routers[i].name, i);
  std::vector<size_t> parent(topo.routers.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (const Link& l : topo.links) {
    auto a = idx.find(l.a), b = idx.find(l.b);
    if (a != idx.end() && b != idx.end()) parent[find(a->second)] = find(b->second);
  }
  std::map<std::string, size_t> out;
  for (auto& [name, i] : idx) out[name] = find(i);
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// Units.

std::optional<uint64_t> parse_bandwidth(std::string_view text) {
  std::string s = lower(text);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  for (std::string_view suffix : {"bit/s", "b/s", "bps"})
    if (s.size() > suffix.size() && s.ends_with(suffix)) {
      s.resize(s.size() - suffix.size());
      break;
    }
  double mult = 1;
  if (!s.empty()) {
    switch (s.back()) {
      case 'k': mult = 1e3; break;
      case 'm': mult = 1e6; break;
      case 'g': mult = 1e9; break;
      case 't': mult = 1e12; break;
      default: break;
    }
    if (mult != 1) s.pop_back();
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  auto v = parse_number(s);
  if (!v || *v <= 0) return std::nullopt;
  double bps = *v * mult;
  if (bps < 1 || bps > 1e15) return std::nullopt;
  return static_cast<uint64_t>(std::llround(bps));
}

std::optional<double> parse_delay_us(std::string_view text) {
  std::string s = lower(text);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s == "0") return 0.0;
  double mult = 0;
  for (auto [suffix, m] : {std::pair<std::string_view, double>{"ns", 1e-3}, {"us", 1}, {"\xc2\xb5s", 1},
                           {"ms", 1e3}, {"s", 1e6}})
    if (s.size() > suffix.size() && s.ends_with(suffix)) {
      s.resize(s.size() - suffix.size());
      mult = m;
      break;
    }
  if (mult == 0) return std::nullopt;
  while (!s.empty() && s.back() == ' ') s.pop_back();
  auto v = parse_number(s);
  if (!v || *v < 0) return std::nullopt;
  double us = *v * mult;
  if (us > 10e6) return std::nullopt;  // over ten seconds one way: a typo
  return us;
}

namespace {
std::string trim_number(double v) {
  std::ostringstream os;
  os.precision(6);
  os << v;
  return os.str();
}
}  // namespace

std::string format_bandwidth(uint64_t bps) {
  const std::pair<double, const char*> units[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
  for (auto [div, unit] : units)
    if (static_cast<double>(bps) >= div) return trim_number(static_cast<double>(bps) / div) + unit;
  return std::to_string(bps);
}

std::string format_delay(double us) {
  if (us >= 1e6) return trim_number(us / 1e6) + "s";
  if (us >= 1e3) return trim_number(us / 1e3) + "ms";
  if (us >= 1 || us == 0) return trim_number(us) + "us";
  return trim_number(us * 1e3) + "ns";
}

LabelRange default_label_range(size_t index, size_t router_count) {
  uint32_t block = 0;
  if ((router_count + 1) * 10000 <= kLabelSpace) block = 10000;
  else if ((router_count + 1) * 1000 <= kLabelSpace) block = 1000;
  if (block == 0 || index >= router_count) return LabelRange{kFirstUnreservedLabel, kMaxLabel};
  uint32_t first = static_cast<uint32_t>(index + 1) * block;
  return LabelRange{first, first + block - 1};
}

// ---------------------------------------------------------------------------
// Defaults.

void fill_defaults(Topology& topo) {
  // Loopbacks: 10.255.x.y with y in 1..254, skipping addresses already used.
  std::set<uint32_t> used;
  for (const Router& r : topo.routers)
    if (auto a = parse_ipv4(r.loopback)) used.insert(*a);
  uint32_t next = 0;
  for (Router& r : topo.routers) {
    if (!r.loopback.empty()) continue;
    uint32_t addr;
    do {
      uint32_t x = next / 254, y = next % 254 + 1;
      addr = (10u << 24) | (255u << 16) | ((x & 255) << 8) | y;
      ++next;
    } while (used.count(addr) && next < 254 * 256);
    used.insert(addr);
    r.loopback = ipv4_str(addr);
  }

  // Ports: "to-<peer>", "#k" for a second link to the same peer.
  std::map<std::string, std::set<std::string>> ports;  // router -> taken
  for (const Link& l : topo.links) {
    if (!l.a_port.empty()) ports[l.a].insert(l.a_port);
    if (!l.b_port.empty()) ports[l.b].insert(l.b_port);
  }
  for (const Site& s : topo.sites)
    if (!s.port.empty()) ports[s.pe].insert(s.port);
  auto pick = [&](const std::string& router, const std::string& base) {
    std::string name = base;
    for (int k = 2; ports[router].count(name); ++k) name = base + "#" + std::to_string(k);
    ports[router].insert(name);
    return name;
  };
  for (Link& l : topo.links) {
    if (l.a_port.empty()) l.a_port = pick(l.a, "to-" + l.b);
    if (l.b_port.empty()) l.b_port = pick(l.b, "to-" + l.a);
  }
  for (Site& s : topo.sites)
    if (s.port.empty()) s.port = pick(s.pe, "ac-" + s.name);

  // PW and VSI ids: the smallest free ones (they share FEC 128's PW id space).
  std::set<uint32_t> ids;
  for (const auto& v : topo.vpws) ids.insert(v.pw_id);
  for (const auto& v : topo.vpls) ids.insert(v.vsi_id);
  uint32_t next_id = 1;
  auto fresh = [&] {
    while (ids.count(next_id)) ++next_id;
    ids.insert(next_id);
    return next_id;
  };
  for (auto& v : topo.vpws)
    if (v.pw_id == 0) v.pw_id = fresh();
  for (auto& v : topo.vpls)
    if (v.vsi_id == 0) v.vsi_id = fresh();
}

// ---------------------------------------------------------------------------
// Validation.

Status validate_topology(const Topology& topo, std::vector<std::string>* warnings) {
  std::vector<std::string> errors;
  auto err = [&](const SourceLocation& where, const std::string& what, const std::string& msg) {
    errors.push_back(where.str() + ": " + what + ": " + msg);
  };
  auto warn = [&](const SourceLocation& where, const std::string& what, const std::string& msg) {
    if (warnings) warnings->push_back(where.str() + ": " + what + ": " + msg);
  };

  // Routers.
  std::map<std::string, const Router*> routers;
  std::map<uint32_t, const Router*> loopbacks;
  for (const Router& r : topo.routers) {
    std::string what = "router " + squote(r.name);
    if (r.name.empty()) {
      err(r.where, "router", "empty name");
      continue;
    }
    if (r.name.find(':') != std::string::npos)
      err(r.where, what, "':' is not allowed in a router name (links are named A:B in events and options)");
    if (auto [it, fresh] = routers.emplace(r.name, &r); !fresh) {
      err(r.where, what, "defined twice (first at " + it->second->where.str() + ")");
      continue;
    }
    if (auto a = parse_ipv4(r.loopback); !a) {
      err(r.where, what, "loopback " + squote(r.loopback) + " is not an IPv4 address");
    } else if (auto [it, fresh] = loopbacks.emplace(*a, &r); !fresh) {
      err(r.where, what, "loopback " + r.loopback + " is already used by router " +
                             squote(it->second->name));
    }
    if (r.labels.first < kFirstUnreservedLabel)
      err(r.where, what, "label range starts at " + std::to_string(r.labels.first) +
                             ", inside the reserved labels 0-15");
    if (r.labels.last > kMaxLabel)
      err(r.where, what, "label range ends at " + std::to_string(r.labels.last) +
                             ", above the largest label " + std::to_string(kMaxLabel));
    if (r.labels.first > r.labels.last)
      err(r.where, what, "label range is empty (first " + std::to_string(r.labels.first) +
                             " > last " + std::to_string(r.labels.last) + ")");
  }
  auto router = [&](const std::string& name) -> const Router* {
    auto it = routers.find(name);
    return it == routers.end() ? nullptr : it->second;
  };

  // Ports per router: links and sites together.
  std::map<std::pair<std::string, std::string>, std::string> port_owner;  // (router, port) -> user
  auto claim_port = [&](const SourceLocation& where, const std::string& what, const std::string& r,
                        const std::string& port, const std::string& user) {
    if (port.empty()) {
      err(where, what, "empty port name on " + squote(r));
      return;
    }
    auto [it, fresh] = port_owner.emplace(std::make_pair(r, port), user);
    if (!fresh) err(where, what, "port " + squote(port) + " on " + squote(r) + " is already used by " + it->second);
  };

  // Links.
  for (const Link& l : topo.links) {
    std::string what = "link " + l.a + " - " + l.b;
    bool known = true;
    for (const std::string* end : {&l.a, &l.b})
      if (!router(*end)) {
        err(l.where, what, "router " + squote(*end) + " is not defined");
        known = false;
      }
    if (l.a == l.b) {
      err(l.where, what, "a link cannot connect a router to itself");
      continue;
    }
    if (l.metric < 1 || l.metric > kMaxMetric)
      err(l.where, what, "metric " + std::to_string(l.metric) + " is out of range [1, " +
                             std::to_string(kMaxMetric) + "]");
    if (l.bandwidth_bps == 0) err(l.where, what, "bandwidth must be positive");
    if (!(l.delay_us >= 0) || !std::isfinite(l.delay_us))
      err(l.where, what, "delay must be zero or positive");
    if (l.mtu < kMinLinkMtu || l.mtu > kMaxLinkMtu)
      err(l.where, what, "mtu " + std::to_string(l.mtu) + " is out of range [" +
                             std::to_string(kMinLinkMtu) + ", " + std::to_string(kMaxLinkMtu) + "]");
    if (known) {
      claim_port(l.where, what, l.a, l.a_port, "the " + what + " (line " + std::to_string(l.where.line) + ")");
      claim_port(l.where, what, l.b, l.b_port, "the " + what + " (line " + std::to_string(l.where.line) + ")");
    }
  }

  // Sites and their attachment circuits.
  std::map<std::string, const Site*> sites;
  std::map<std::tuple<std::string, std::string, uint16_t>, const Site*> acs;
  std::map<std::pair<std::string, std::string>, std::vector<const Site*>> sites_on_port;
  for (const Site& s : topo.sites) {
    std::string what = "site " + squote(s.name);
    if (s.name.empty()) {
      err(s.where, "site", "empty name");
      continue;
    }
    if (auto [it, fresh] = sites.emplace(s.name, &s); !fresh) {
      err(s.where, what, "defined twice (first at " + it->second->where.str() + ")");
      continue;
    }
    const Router* pe = router(s.pe);
    if (!pe) {
      err(s.where, what, "router " + squote(s.pe) + " is not defined");
      continue;
    }
    if (pe->role != RouterRole::pe)
      err(s.where, what, "router " + squote(s.pe) + " is a P router; sites attach to PEs");
    if (s.vlan > kMaxVlan)
      err(s.where, what, "vlan " + std::to_string(s.vlan) + " is out of range [0, 4094]");
    if (s.mode == AcMode::tagged && s.vlan == 0)
      err(s.where, what, "mode tagged needs a vlan (a port-based AC has no service-delimiting tag)");
    if (s.port.empty()) {
      err(s.where, what, "empty port name");
      continue;
    }
    // A site port must not be a link port.
    if (auto it = port_owner.find({s.pe, s.port}); it != port_owner.end())
      err(s.where, what, "port " + squote(s.port) + " on " + squote(s.pe) + " is already used by " + it->second);
    if (auto [it, fresh] = acs.emplace(std::make_tuple(s.pe, s.port, s.vlan), &s); !fresh) {
      err(s.where, what, "same attachment circuit as site " + squote(it->second->name) + " (" + s.pe +
                             " port " + s.port + (s.vlan ? " vlan " + std::to_string(s.vlan) : "") + ")");
      continue;
    }
    auto& on_port = sites_on_port[{s.pe, s.port}];
    for (const Site* other : on_port)
      if ((other->vlan == 0) != (s.vlan == 0))
        err(s.where, what, "port " + squote(s.port) + " on " + squote(s.pe) + " mixes a port-based AC (site " +
                               squote(other->vlan == 0 ? other->name : s.name) + ") with VLAN ACs");
    if (!s.interface.empty()) {
      // The form only: whether the interface exists is for `l2vpn run` to say.
      const auto colon = s.interface.find(':');
      const std::string kind = s.interface.substr(0, colon);
      if (colon == std::string::npos || colon + 1 == s.interface.size() ||
          (kind != "af_packet" && kind != "tap" && kind != "memif" && kind != "pci"))
        err(s.where, what, "interface " + squote(s.interface) +
                               ": expected af_packet:IFACE, tap:IFACE, memif:SOCKET or pci:ADDRESS");
    }
    for (const Site* other : on_port)
      if (!s.interface.empty() && !other->interface.empty() && other->interface != s.interface)
        err(s.where, what, "port " + squote(s.port) + " on " + squote(s.pe) + " is bound to " +
                               squote(other->interface) + " by site " + squote(other->name) +
                               ", not " + squote(s.interface));
    on_port.push_back(&s);
  }

  // Services.
  std::map<std::string, SourceLocation> service_names;
  std::map<std::string, std::string> site_service;  // site -> "vpws 'x'"
  std::map<uint32_t, std::string> fec_ids;          // pw id / vsi id -> user
  std::map<std::string, size_t> part;
  bool parts_known = false;
  auto part_of = [&](const std::string& r) -> size_t {
    if (!parts_known) {
      part = components(topo);
      parts_known = true;
    }
    auto it = part.find(r);
    return it == part.end() ? SIZE_MAX : it->second;
  };
  auto claim_name = [&](const SourceLocation& where, const std::string& what, const std::string& name) {
    if (name.empty()) {
      err(where, what, "empty name");
      return false;
    }
    if (auto [it, fresh] = service_names.emplace(name, where); !fresh) {
      err(where, what, "service name already used at " + it->second.str());
      return false;
    }
    return true;
  };
  auto claim_site = [&](const SourceLocation& where, const std::string& what, const std::string& site) {
    if (auto [it, fresh] = site_service.emplace(site, what); !fresh && it->second != what)
      err(where, what, "site " + squote(site) + " is already attached to " + it->second);
  };
  auto check_mtu = [&](const SourceLocation& where, const std::string& what, uint32_t mtu) {
    if (mtu < kMinServiceMtu || mtu > kMaxServiceMtu)
      err(where, what, "mtu " + std::to_string(mtu) + " is out of range [" + std::to_string(kMinServiceMtu) +
                           ", " + std::to_string(kMaxServiceMtu) + "]");
  };

  for (const VpwsService& v : topo.vpws) {
    std::string what = "vpws " + squote(v.name);
    claim_name(v.where, what, v.name);
    if (v.pw_id == 0) err(v.where, what, "pw_id must be positive");
    else if (auto [it, fresh] = fec_ids.emplace(v.pw_id, what); !fresh)
      err(v.where, what, "pw_id " + std::to_string(v.pw_id) + " is already used by " + it->second);
    check_mtu(v.where, what, v.mtu);
    const Site* a = nullptr;
    const Site* b = nullptr;
    for (auto [name, out] : {std::pair{&v.site_a, &a}, std::pair{&v.site_b, &b}}) {
      if (name->empty()) {
        err(v.where, what, "needs two sites");
        continue;
      }
      auto it = sites.find(*name);
      if (it == sites.end()) err(v.where, what, "site " + squote(*name) + " is not defined");
      else *out = it->second;
    }
    if (!v.site_a.empty() && v.site_a == v.site_b) {
      err(v.where, what, "both ends are site " + squote(v.site_a) + " (the same attachment circuit)");
      continue;
    }
    if (a && b) {
      if (a->pe == b->pe && a->port == b->port && a->vlan == b->vlan)
        err(v.where, what, "sites " + squote(a->name) + " and " + squote(b->name) + " are the same attachment circuit");
      else if (a->pe == b->pe)
        err(v.where, what, "both sites are on PE " + squote(a->pe) +
                               " (local switching without a pseudowire is not supported)");
      else if (router(a->pe) && router(b->pe) && part_of(a->pe) != part_of(b->pe))
        warn(v.where, what, "PEs " + squote(a->pe) + " and " + squote(b->pe) +
                                " are in disconnected parts of the backbone; the pseudowire will stay down");
      claim_site(v.where, what, a->name);
      claim_site(v.where, what, b->name);
    }
  }

  for (const VplsService& v : topo.vpls) {
    std::string what = "vpls " + squote(v.name);
    claim_name(v.where, what, v.name);
    if (v.vsi_id == 0) err(v.where, what, "vsi_id must be positive");
    else if (auto [it, fresh] = fec_ids.emplace(v.vsi_id, what); !fresh)
      err(v.where, what, "vsi_id " + std::to_string(v.vsi_id) + " is already used by " + it->second +
                             " (PW ids and VSI ids share FEC 128's id space)");
    check_mtu(v.where, what, v.mtu);
    if (v.mac_limit == 0) err(v.where, what, "mac_limit must be positive");
    if (v.aging_seconds == 0) err(v.where, what, "aging must be positive");

    std::set<std::string> listed;
    std::set<std::string> site_pes;
    for (const std::string& name : v.sites) {
      if (!listed.insert(name).second) {
        err(v.where, what, "site " + squote(name) + " is listed twice");
        continue;
      }
      auto it = sites.find(name);
      if (it == sites.end()) {
        err(v.where, what, "site " + squote(name) + " is not defined");
        continue;
      }
      site_pes.insert(it->second->pe);
      claim_site(v.where, what, name);
    }
    // RFC 4448: a VPLS's PWs carry one mode; a raw AC and a tagged AC in one
    // instance would disagree on the service-delimiting tag (the far PE
    // drops what lacks it), so the instance takes one or the other.
    {
      const Site* raw = nullptr;
      const Site* tagged = nullptr;
      for (const std::string& name : v.sites)
        if (auto it = sites.find(name); it != sites.end()) {
          const Site*& first = it->second->mode == AcMode::tagged ? tagged : raw;
          if (!first) first = it->second;
        }
      if (raw && tagged)
        err(v.where, what, "site " + squote(raw->name) + " is raw and site " + squote(tagged->name) +
                               " is tagged: one VPLS carries one mode (RFC 4448), make them all raw or all tagged");
    }
    // Bridge-domain members on each PE (its ACs, its PWs): the dataplane
    // holds at most kMaxVplsMembersPerPe per domain.
    {
      std::map<std::string, size_t> local;
      for (const std::string& name : v.sites)
        if (auto it = sites.find(name); it != sites.end()) ++local[it->second->pe];
      std::set<std::string> mtu_s, hubs_all;
      std::map<std::string, size_t> spoke_pws;  // per hub
      for (const VplsSpoke& sp : v.spokes) {
        mtu_s.insert(sp.mtu_s);
        for (const std::string& h : sp.hubs) ++spoke_pws[h], hubs_all.insert(h);
      }
      std::set<std::string> mesh_pes(hubs_all);
      for (auto& [pe, n] : local)
        if (!mtu_s.count(pe)) mesh_pes.insert(pe);
      std::set<std::string> all(mesh_pes);
      all.insert(mtu_s.begin(), mtu_s.end());
      for (const std::string& pe : all) {
        size_t n = local.count(pe) ? local[pe] : 0;
        if (mtu_s.count(pe)) {
          for (const VplsSpoke& sp : v.spokes)
            if (sp.mtu_s == pe) n += sp.hubs.size();
        } else {
          n += mesh_pes.size() - 1 + (spoke_pws.count(pe) ? spoke_pws[pe] : 0);
        }
        if (n > kMaxVplsMembersPerPe) {
          err(v.where, what, "PE " + squote(pe) + " would hold " + std::to_string(n) +
                                 " members (its sites and pseudowires) in one bridge domain, at most " +
                                 std::to_string(kMaxVplsMembersPerPe));
          break;
        }
      }
    }
    std::set<std::string> mtu_s_seen;
    size_t members = listed.size();
    std::vector<std::string> mesh;  // PEs in the full mesh, for the parts check
    for (const std::string& pe : site_pes) mesh.push_back(pe);
    for (const VplsSpoke& sp : v.spokes) {
      const SourceLocation& where = sp.where.file.empty() ? v.where : sp.where;
      std::string swhat = what + " spoke " + squote(sp.mtu_s);
      const Router* m = router(sp.mtu_s);
      if (!m) {
        err(where, swhat, "router " + squote(sp.mtu_s) + " is not defined");
      } else if (m->role != RouterRole::pe) {
        err(where, swhat, "MTU-s " + squote(sp.mtu_s) + " is a P router");
      }
      if (!mtu_s_seen.insert(sp.mtu_s).second) err(where, swhat, "MTU-s listed in two spokes");
      if (sp.hubs.empty() || sp.hubs.size() > 2)
        err(where, swhat, "needs one or two hubs, has " + std::to_string(sp.hubs.size()));
      if (sp.hubs.size() == 2 && sp.hubs[0] == sp.hubs[1])
        err(where, swhat, "hub " + squote(sp.hubs[0]) + " is listed twice");
      for (const std::string& h : sp.hubs) {
        const Router* hr = router(h);
        if (!hr) err(where, swhat, "hub " + squote(h) + " is not defined");
        else if (hr->role != RouterRole::pe) err(where, swhat, "hub " + squote(h) + " is a P router");
        if (h == sp.mtu_s) err(where, swhat, "an MTU-s cannot be its own hub");
        else if (m && hr && part_of(h) != part_of(sp.mtu_s))
          warn(where, swhat, "hub " + squote(h) + " is in a disconnected part of the backbone");
        mesh.push_back(h);
      }
      // An MTU-s with no listed site still joins (it counts as a member).
      bool has_site = false;
      for (const std::string& name : v.sites)
        if (auto it = sites.find(name); it != sites.end() && it->second->pe == sp.mtu_s) has_site = true;
      if (!has_site) ++members;
    }
    for (const VplsSpoke& sp : v.spokes)
      for (const std::string& h : sp.hubs)
        if (mtu_s_seen.count(h))
          err(sp.where.file.empty() ? v.where : sp.where, what + " spoke " + squote(sp.mtu_s),
              "hub " + squote(h) + " is itself an MTU-s of this VPLS");
    // Mesh members are the PEs of sites not behind an MTU-s, plus the hubs.
    mesh.erase(std::remove_if(mesh.begin(), mesh.end(), [&](const std::string& pe) { return mtu_s_seen.count(pe) > 0; }),
               mesh.end());
    if (members < 2)
      err(v.where, what, "needs at least two members (sites, or spokes' MTU-s), has " + std::to_string(members));
    for (size_t i = 1; i < mesh.size(); ++i)
      if (router(mesh[0]) && router(mesh[i]) && part_of(mesh[0]) != part_of(mesh[i])) {
        warn(v.where, what, "PEs " + squote(mesh[0]) + " and " + squote(mesh[i]) +
                                " are in disconnected parts of the backbone; their pseudowire will stay down");
        break;
      }
  }

  if (!errors.empty()) return Error{join_errors(errors)};
  return Status::success();
}

// ---------------------------------------------------------------------------
// YAML.

namespace {

Result<Topology> parse_yaml_impl(std::string_view text, std::string_view source_name) {
  Ctx ctx{std::string(source_name), {}};
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    return Error{ctx.at(e.mark.line >= 0 ? e.mark.line + 1 : 0) + ": YAML syntax error: " + e.msg};
  }
  if (!root.IsDefined() || root.IsNull()) return Error{ctx.file + ": the file is empty"};

  MapReader top(ctx, root, "", {"name", "backbone", "routers", "links", "sites", "services"}, 1);
  if (!top.ok()) return Error{join_errors(ctx.errors)};

  Topology topo;
  topo.source = ctx.file;
  topo.name = std::filesystem::path(ctx.file).stem().string();
  top.str("name", topo.name);

  // Defaults every link without its own value gets.
  Link link_default;
  enum class PeMode { all, automatic, list } pe_mode = PeMode::automatic;
  std::vector<std::string> pe_list;
  int pe_line = 0;
  bool have_backbone = false;
  std::set<std::string> backbone_names;

  if (top.has("backbone")) {
    MapReader bb(ctx, top.node("backbone"), "backbone",
                 {"graphml", "pe", "metric", "default_metric", "bandwidth", "delay", "mtu"}, top.line_of("backbone"));
    if (bb.ok()) {
      GraphMlOptions opt;
      opt.default_metric = link_default.metric;
      if (bb.uint("default_metric", opt.default_metric, 1, kMaxMetric)) link_default.metric = opt.default_metric;
      if (bb.has("metric")) {
        std::string m;
        if (bb.scalar("metric", m)) {
          if (m == "distance") opt.metric = MetricMode::distance;
          else if (m == "hops") opt.metric = MetricMode::hops, link_default.metric = 1;
          else if (auto v = parse_uint(m); v && *v >= 1 && *v <= kMaxMetric)
            opt.metric = MetricMode::constant, opt.default_metric = link_default.metric = static_cast<uint32_t>(*v);
          else bb.error("metric", "'metric' must be distance, hops or a number in [1, 16777215], found " + squote(m));
        }
      }
      if (bb.bandwidth("bandwidth", link_default.bandwidth_bps)) opt.bandwidth_bps = link_default.bandwidth_bps;
      if (bb.delay("delay", link_default.delay_us)) opt.delay_us = link_default.delay_us;
      if (bb.uint("mtu", link_default.mtu, 0, UINT32_MAX)) opt.mtu = link_default.mtu;

      if (bb.has("pe")) {
        pe_line = bb.line_of("pe");
        YAML::Node pe = bb.node("pe");
        if (pe.IsScalar() && pe.Scalar() == "all") pe_mode = PeMode::all;
        else if (pe.IsScalar() && pe.Scalar() == "auto") pe_mode = PeMode::automatic;
        else if (bb.name_list("pe", pe_list)) pe_mode = PeMode::list;
        else if (pe.IsScalar()) bb.error("pe", "'pe' must be all, auto or a list of node names, found " + squote(pe.Scalar()));
      }

      std::string graphml;
      if (bb.str("graphml", graphml)) {
        have_backbone = true;
        std::filesystem::path p(graphml);
        if (p.is_relative()) p = std::filesystem::path(ctx.file).parent_path() / p;
        Result<Topology> g = import_graphml(p.lexically_normal().string(), opt);
        if (!g.ok()) {
          ctx.error(bb.line_of("graphml"), "backbone", g.error().message);
          return Error{join_errors(ctx.errors)};
        }
        topo.routers = std::move(g->routers);
        topo.links = std::move(g->links);
        topo.warnings = std::move(g->warnings);
        for (const Router& r : topo.routers) backbone_names.insert(r.name);
      } else if (!bb.has("graphml") && bb.has("pe")) {
        bb.error("pe", "'pe' needs a 'graphml' backbone");
      }
    }
  }

  // Routers: new ones, or changes to backbone nodes.
  std::set<std::string> explicit_role, explicit_labels, yaml_routers;
  std::vector<YAML::Node> items;
  if (top.list("routers", items)) {
    for (size_t i = 0; i < items.size(); ++i) {
      MapReader r(ctx, items[i], item_what("router", items[i], i),
                  {"name", "role", "loopback", "lsr_id", "external", "labels", "explicit_null", "latitude",
                   "longitude"},
                  top.line_of("routers"));
      if (!r.ok()) continue;
      std::string name;
      if (!r.str("name", name, true)) continue;
      if (!yaml_routers.insert(name).second) {
        // Kept, so that validation reports it with every other error.
        topo.routers.push_back(Router{});
        topo.routers.back().name = name;
        topo.routers.back().where = {ctx.file, r.line()};
        continue;
      }
      Router* target = nullptr;
      for (Router& existing : topo.routers)
        if (existing.name == name) target = &existing;
      if (!target) {
        topo.routers.push_back(Router{});
        target = &topo.routers.back();
        target->name = name;
      }
      target->where = {ctx.file, r.line()};
      std::string role;
      if (r.choice("role", role, {"pe", "p"})) {
        target->role = role == "pe" ? RouterRole::pe : RouterRole::p;
        explicit_role.insert(name);
      }
      if (r.str("loopback", target->loopback) && !parse_ipv4(target->loopback))
        r.error("loopback", "loopback " + squote(target->loopback) + " is not an IPv4 address");
      if (r.has("labels")) {
        MapReader lr(ctx, r.node("labels"), r.what() + " labels", {"first", "last"}, r.line_of("labels"));
        if (lr.ok()) {
          LabelRange range;
          bool f = lr.uint("first", range.first, 0, UINT32_MAX);
          bool l = lr.uint("last", range.last, 0, UINT32_MAX);
          if (!lr.has("first")) lr.missing("first");
          if (!lr.has("last")) lr.missing("last");
          if (f && l) {
            target->labels = range;
            explicit_labels.insert(name);
          }
        }
      }
      r.boolean("explicit_null", target->explicit_null);
      r.boolean("external", target->external);
      std::string lsr_id;
      if (r.str("lsr_id", lsr_id)) {  // the LDP name of a loopback
        if (!parse_ipv4(lsr_id))
          r.error("lsr_id", "lsr_id " + squote(lsr_id) + " is not an IPv4 address");
        else if (r.has("loopback") && lsr_id != target->loopback)
          r.error("lsr_id", "lsr_id " + squote(lsr_id) + " differs from loopback " +
                                squote(target->loopback) + " (they are the same address)");
        else
          target->loopback = lsr_id;
      }
      if (target->external && !r.has("lsr_id") && !r.has("loopback"))
        r.error("external", "an external router needs its lsr_id (we cannot pick its address)");
      double lat = 0, lon = 0;
      if (r.number("latitude", lat, -90, 90)) target->latitude = lat;
      if (r.number("longitude", lon, -180, 180)) target->longitude = lon;
      if (target->latitude.has_value() != target->longitude.has_value())
        r.error("name", "latitude and longitude go together");
    }
  }

  // Links: new ones, or changes to a backbone link between the same routers.
  if (top.list("links", items)) {
    for (size_t i = 0; i < items.size(); ++i) {
      MapReader r(ctx, items[i], "link #" + std::to_string(i + 1),
                  {"a", "b", "metric", "bandwidth", "delay", "mtu", "a_port", "b_port", "parallel"},
                  top.line_of("links"));
      if (!r.ok()) continue;
      std::string a, b;
      bool ok = r.str("a", a, true);
      ok = r.str("b", b, true) && ok;
      if (!ok) continue;
      r.set_what("link " + a + " - " + b);
      bool parallel = false;
      r.boolean("parallel", parallel);
      Link* target = nullptr;
      bool swapped = false;
      if (!parallel)
        for (size_t k = 0; k < topo.links.size() && !target; ++k) {
          Link& l = topo.links[k];
          if (l.where.file == ctx.file) continue;  // only backbone links are overridden
          if (l.a == a && l.b == b) target = &l;
          else if (l.a == b && l.b == a) target = &l, swapped = true;
        }
      if (!target) {
        topo.links.push_back(link_default);
        target = &topo.links.back();
        target->a = a;
        target->b = b;
      }
      target->where = {ctx.file, r.line()};
      r.uint("metric", target->metric, 1, kMaxMetric);
      r.bandwidth("bandwidth", target->bandwidth_bps);
      r.delay("delay", target->delay_us);
      r.uint("mtu", target->mtu, 0, UINT32_MAX);
      std::string port;
      if (r.str("a_port", port)) (swapped ? target->b_port : target->a_port) = port;
      if (r.str("b_port", port)) (swapped ? target->a_port : target->b_port) = port;
    }
  }

  // Sites.
  if (top.list("sites", items)) {
    for (size_t i = 0; i < items.size(); ++i) {
      MapReader r(ctx, items[i], item_what("site", items[i], i), {"name", "pe", "port", "vlan", "mode", "mtu", "control_word", "interface"},
                  top.line_of("sites"));
      if (!r.ok()) continue;
      Site s;
      s.where = {ctx.file, r.line()};
      bool ok = r.str("name", s.name, true);
      ok = r.str("pe", s.pe, true) && ok;
      if (!ok) continue;
      r.str("port", s.port);
      r.uint("vlan", s.vlan, 0, kMaxVlan);
      std::string mode;
      if (r.choice("mode", mode, {"raw", "tagged"})) s.mode = mode == "raw" ? AcMode::raw : AcMode::tagged;
      if (r.has("mtu")) {
        uint32_t mtu = 0;
        if (r.uint("mtu", mtu, kMinServiceMtu, kMaxServiceMtu)) s.mtu = mtu;
      }
      if (r.has("control_word")) {
        bool cw = false;
        if (r.boolean("control_word", cw)) s.control_word = cw;
      }
      r.str("interface", s.interface);
      topo.sites.push_back(std::move(s));
    }
  }

  // Services.
  if (top.has("services")) {
    MapReader sv(ctx, top.node("services"), "services", {"vpws", "vpls"}, top.line_of("services"));
    if (sv.ok() && sv.list("vpws", items)) {
      for (size_t i = 0; i < items.size(); ++i) {
        MapReader r(ctx, items[i], item_what("vpws", items[i], i),
                    {"name", "pw_id", "sites", "control_word", "mtu", "flow_label"}, sv.line_of("vpws"));
        if (!r.ok()) continue;
        VpwsService v;
        v.where = {ctx.file, r.line()};
        if (!r.str("name", v.name, true)) continue;
        r.uint("pw_id", v.pw_id, 1, UINT32_MAX);
        std::vector<std::string> s;
        if (r.name_list("sites", s, true)) {
          if (s.size() != 2) r.error("sites", "'sites' must name exactly two sites, names " + std::to_string(s.size()));
          else v.site_a = s[0], v.site_b = s[1];
        }
        r.boolean("control_word", v.control_word);
        r.uint("mtu", v.mtu, 0, UINT32_MAX);
        r.boolean("flow_label", v.flow_label);
        if (v.site_a.empty()) continue;  // already reported
        topo.vpws.push_back(std::move(v));
      }
    }
    if (sv.ok() && sv.list("vpls", items)) {
      for (size_t i = 0; i < items.size(); ++i) {
        MapReader r(ctx, items[i], item_what("vpls", items[i], i),
                    {"name", "vsi_id", "sites", "spokes", "mac_limit", "aging", "flood_rate", "control_word",
                     "mtu", "bum"},
                    sv.line_of("vpls"));
        if (!r.ok()) continue;
        VplsService v;
        v.where = {ctx.file, r.line()};
        if (!r.str("name", v.name, true)) continue;
        r.uint("vsi_id", v.vsi_id, 1, UINT32_MAX);
        r.name_list("sites", v.sites);
        std::vector<YAML::Node> spokes;
        if (r.list("spokes", spokes)) {
          for (size_t k = 0; k < spokes.size(); ++k) {
            MapReader sp(ctx, spokes[k], r.what() + " spoke #" + std::to_string(k + 1), {"mtu_s", "hubs"},
                         r.line_of("spokes"));
            if (!sp.ok()) continue;
            VplsSpoke spoke;
            spoke.where = {ctx.file, sp.line()};
            if (!sp.str("mtu_s", spoke.mtu_s, true)) continue;
            sp.name_list("hubs", spoke.hubs, true);
            v.spokes.push_back(std::move(spoke));
          }
        }
        r.uint("mac_limit", v.mac_limit, 1, 16'777'216);
        r.uint_unit("aging", "s", v.aging_seconds, 1, 86400, "seconds (300 or 300s)");
        r.uint_unit("flood_rate", "/s", v.flood_rate_pps, 0, 100'000'000, "frames per second (2000 or 2000/s)");
        r.boolean("control_word", v.control_word);
        r.uint("mtu", v.mtu, 0, UINT32_MAX);
        std::string bum;
        if (r.choice("bum", bum, {"ingress", "p2mp"}))
          v.bum_mode = bum == "ingress" ? BumMode::ingress_replication : BumMode::p2mp_tree;
        topo.vpls.push_back(std::move(v));
      }
    }
  }

  if (!ctx.errors.empty()) return Error{join_errors(ctx.errors)};

  // Roles of backbone nodes.
  if (have_backbone) {
    std::set<std::string> pes;
    if (pe_mode == PeMode::list) {
      for (const std::string& n : pe_list) {
        if (!backbone_names.count(n))
          ctx.error(pe_line, "backbone", "pe " + squote(n) + " is not a node of the GraphML backbone");
        pes.insert(n);
      }
    } else if (pe_mode == PeMode::automatic) {
      for (const Site& s : topo.sites) pes.insert(s.pe);
      for (const VplsService& v : topo.vpls)
        for (const VplsSpoke& sp : v.spokes) {
          pes.insert(sp.mtu_s);
          pes.insert(sp.hubs.begin(), sp.hubs.end());
        }
    }
    for (Router& r : topo.routers) {
      if (!backbone_names.count(r.name) || explicit_role.count(r.name)) continue;
      if (pe_mode == PeMode::all) continue;  // as imported: PEs, hyperedges P
      r.role = pes.count(r.name) ? RouterRole::pe : RouterRole::p;
    }
    if (!ctx.errors.empty()) return Error{join_errors(ctx.errors)};
  }

  for (size_t i = 0; i < topo.routers.size(); ++i)
    if (!explicit_labels.count(topo.routers[i].name))
      topo.routers[i].labels = default_label_range(i, topo.routers.size());

  fill_defaults(topo);
  if (Status st = validate_topology(topo, &topo.warnings); !st.ok()) return st.error();
  return topo;
}

}  // namespace

Result<Topology> parse_topology_yaml(std::string_view text, std::string_view source_name) {
  // yaml-cpp throws from conversions and iterators; nothing may escape.
  try {
    return parse_yaml_impl(text, source_name);
  } catch (const YAML::Exception& e) {
    return Error{SourceLocation{std::string(source_name), e.mark.line >= 0 ? e.mark.line + 1 : 0}.str() +
                 ": " + e.msg};
  } catch (const std::exception& e) {
    return Error{std::string(source_name) + ": " + e.what()};
  }
}

Result<Topology> load_topology(const std::string& path) {
  try {
    if (std::filesystem::path(path).extension() == ".graphml") {
      Result<Topology> g = import_graphml(path);
      if (!g.ok()) return g;
      Topology topo = std::move(g.value());
      for (size_t i = 0; i < topo.routers.size(); ++i)
        topo.routers[i].labels = default_label_range(i, topo.routers.size());
      fill_defaults(topo);
      if (Status st = validate_topology(topo, &topo.warnings); !st.ok()) return st.error();
      return topo;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return Error{path + ": is a directory, not a topology file"};
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path + ": cannot open: " + std::strerror(errno)};
    std::ostringstream buf;
    buf << in.rdbuf();
    if (in.bad()) return Error{path + ": cannot read"};
    return parse_topology_yaml(buf.str(), path);
  } catch (const std::exception& e) {
    return Error{path + ": " + e.what()};
  }
}

}  // namespace l2vpn::cp
