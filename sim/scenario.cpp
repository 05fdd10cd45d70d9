#include "sim/scenario.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>

#include "controlplane/network.hpp"
#include "controlplane/spelling.hpp"

namespace l2vpn::sim {

namespace {

constexpr size_t kMaxReportedErrors = 25;

std::string lower(std::string_view s) { return cp::lowercase(s); }

// '-' and '_' are the same to the suggestion: "link-down" finds "link_down".
std::string suggest(std::string_view key, std::initializer_list<std::string_view> allowed) {
  std::string k = lower(key);
  std::replace(k.begin(), k.end(), '-', '_');
  const std::string_view best = cp::closest_match(k, allowed, std::max<size_t>(3, k.size() / 3 + 1));
  if (!best.empty()) return fmt::format(" (did you mean '{}'?)", best);
  std::string out = " (known keys:";
  for (std::string_view a : allowed) out += " " + std::string(a);
  return out + ")";
}

std::string kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar: return "'" + n.Scalar() + "'";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "nothing";
  }
}

int node_line(const YAML::Node& n) {
  if (!n.IsDefined()) return 0;
  const int l = n.Mark().line;
  return l >= 0 ? l + 1 : 0;
}

struct Ctx {
  std::string file;
  std::vector<std::string> errors;
  void error(int line, std::string_view what, std::string_view msg) {
    errors.push_back(fmt::format("{}: {}{}", cp::SourceLocation{file, line}.str(),
                                 what.empty() ? std::string() : fmt::format("{}: ", what), msg));
  }
  Error failure() const {
    std::string out;
    for (size_t i = 0; i < errors.size() && i < kMaxReportedErrors; ++i) out += (i ? "\n" : "") + errors[i];
    if (errors.size() > kMaxReportedErrors)
      out += fmt::format("\n... and {} more errors", errors.size() - kMaxReportedErrors);
    return Error{out};
  }
};

// One mapping: unknown and repeated keys are errors up front; values are
// handed out as scalars with their line.
class Map {
 public:
  Map(Ctx& ctx, const YAML::Node& node, std::string what, std::initializer_list<std::string_view> allowed,
      int parent_line)
      : ctx_(ctx), what_(std::move(what)), line_(node_line(node) ? node_line(node) : parent_line) {
    if (!node.IsMap()) {
      ctx_.error(line_, what_, "expected a mapping, found " + kind_of(node));
      ok_ = false;
      return;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      const int kline = node_line(it->first);
      if (!it->first.IsScalar()) {
        ctx_.error(kline, what_, "a key must be a plain name, found " + kind_of(it->first));
        continue;
      }
      const std::string key = it->first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        ctx_.error(kline, what_, fmt::format("unknown key '{}'{}", key, suggest(key, allowed)));
        continue;
      }
      if (!values_.emplace(key, std::make_pair(kline, it->second)).second)
        ctx_.error(kline, what_, fmt::format("key '{}' given twice", key));
      else
        order_.push_back(key);
    }
  }
  bool ok() const { return ok_; }
  int line() const { return line_; }
  const std::string& what() const { return what_; }
  bool has(const std::string& key) const { return values_.count(key) > 0; }
  const std::vector<std::string>& keys() const { return order_; }
  YAML::Node node(const std::string& key) const { return values_.at(key).second; }
  int line_of(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) return line_;
    const int l = node_line(it->second.second);
    return l ? l : it->second.first;
  }
  void error(const std::string& key, std::string_view msg) { ctx_.error(line_of(key), what_, msg); }
  // The value of `key` as text; nullopt (and an error) when it is not a scalar.
  std::optional<std::string> scalar(const std::string& key) {
    YAML::Node n = node(key);
    if (!n.IsScalar() || n.Scalar().empty()) {
      error(key, fmt::format("'{}' must be a single value, found {}", key, kind_of(n)));
      return std::nullopt;
    }
    return n.Scalar();
  }

 private:
  Ctx& ctx_;
  std::string what_;
  int line_;
  bool ok_ = true;
  std::map<std::string, std::pair<int, YAML::Node>> values_;
  std::vector<std::string> order_;
};

std::optional<double> to_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<uint64_t> to_uint(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// "16384", "16KiB", "1MiB", "1400B" -> bytes.
std::optional<uint64_t> to_bytes(std::string_view s) {
  uint64_t scale = 1;
  for (auto [suffix, k] : {std::pair<std::string_view, uint64_t>{"KiB", 1024}, {"MiB", 1024 * 1024}, {"B", 1}})
    if (s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix) {
      s.remove_suffix(suffix.size());
      scale = k;
      break;
    }
  auto v = to_uint(trim(s));
  if (!v) return std::nullopt;
  return *v * scale;
}

const std::initializer_list<std::string_view> kTopKeys = {
    "topology", "duration", "seed", "lfa", "control_plane_delay", "events", "workload", "bfd"};
const std::initializer_list<std::string_view> kBfdKeys = {"interval", "multiplier"};
const std::initializer_list<std::string_view> kEventKeys = {
    "at",          "link_down",      "link_up",     "router_down", "router_up",
    "service_add", "service_remove", "mac_flood",   "frames",
    // LSP ping and trace (sim/oam_report.hpp): read_oam_action.
    "lsp_ping",    "lsp_trace",      "fec",         "via",         "count",
    "interval",    "multipath",      "max_ttl",     "timeout"};
const std::initializer_list<std::string_view> kOamOnlyKeys = {"fec", "via", "count", "interval", "multipath",
                                                              "max_ttl", "timeout"};
const std::initializer_list<std::string_view> kWorkloadKeys = {
    "hosts_per_site",      "warmup",           "memcached_rps",          "memcached_set_ratio",
    "memcached_hit_ratio", "memcached_value_cap", "memcached_service_time", "redis_rate",
    "redis_frame_bytes",   "imix_rate",        "imix_on_vpls",           "arp_interval"};

struct Reader {
  Ctx& ctx;
  Map& m;

  bool duration(const std::string& key, uint64_t& out, bool zero_ok = true) {
    auto s = m.scalar(key);
    if (!s) return false;
    auto d = parse_duration(trim(*s));
    if (!d) return m.error(key, fmt::format("'{}': {}", key, d.error().message)), false;
    if (!zero_ok && *d == 0) return m.error(key, fmt::format("'{}' must be above zero", key)), false;
    out = *d;
    return true;
  }
  bool number(const std::string& key, double& out, double lo, double hi, std::string_view unit_hint) {
    auto s = m.scalar(key);
    if (!s) return false;
    auto v = to_number(trim(*s));
    if (!v || *v < lo || *v > hi)
      return m.error(key, fmt::format("'{}': '{}' is not a number in [{}, {}]{}", key, *s, lo, hi, unit_hint)),
             false;
    out = *v;
    return true;
  }
  bool rate(const std::string& key, double& out, double hi, bool bits) {
    auto s = m.scalar(key);
    if (!s) return false;
    auto v = bits ? parse_bit_rate(*s) : parse_rate_per_s(*s);
    if (!v) return m.error(key, fmt::format("'{}': {}", key, v.error().message)), false;
    if (*v > hi) return m.error(key, fmt::format("'{}': {} is above the limit {}", key, *s, hi)), false;
    out = *v;
    return true;
  }
  template <class T>
  bool integer(const std::string& key, T& out, uint64_t lo, uint64_t hi, bool bytes = false) {
    auto s = m.scalar(key);
    if (!s) return false;
    auto v = bytes ? to_bytes(trim(*s)) : to_uint(trim(*s));
    if (!v || *v < lo || *v > hi)
      return m.error(key, fmt::format("'{}': '{}' is not a whole number in [{}, {}]{}", key, *s, lo, hi,
                                      bytes ? " (bytes; KiB, MiB allowed)" : "")),
             false;
    out = T(*v);
    return true;
  }
  bool boolean(const std::string& key, bool& out) {
    auto s = m.scalar(key);
    if (!s) return false;
    const std::string l = lower(trim(*s));
    if (l == "true" || l == "yes" || l == "on") out = true;
    else if (l == "false" || l == "no" || l == "off") out = false;
    else return m.error(key, fmt::format("'{}': '{}' is not true or false", key, *s)), false;
    return true;
  }
};

// An lsp_ping or lsp_trace entry of `events:` (its `at` read already).
void read_oam_action(Ctx& ctx, Map& m, Reader& r, uint64_t at_ns, const std::string& at_text, bool good,
                     Scenario& s) {
  if (m.has("lsp_ping") && m.has("lsp_trace"))
    return ctx.error(m.line(), m.what(), "one event per entry, found lsp_ping and lsp_trace");
  OamActionSpec a;
  a.kind = m.has("lsp_ping") ? OamActionSpec::Kind::ping : OamActionSpec::Kind::trace;
  const std::string key = a.kind == OamActionSpec::Kind::ping ? "lsp_ping" : "lsp_trace";
  a.at_ns = at_ns;
  a.line = m.line();
  a.object = m.what();
  if (auto v = m.scalar(key)) a.router = std::string(trim(*v));
  else good = false;
  if (!m.has("fec")) {
    ctx.error(m.line(), m.what(), fmt::format("{} needs 'fec' (a PE loopback, A.B.C.D/32)", key));
    good = false;
  } else if (auto v = m.scalar("fec")) {
    a.fec = std::string(trim(*v));
    if (!normalise_fec(a.fec)) {
      m.error("fec", fmt::format("'fec': '{}' is not an LDP IPv4 prefix FEC (A.B.C.D or A.B.C.D/32)", a.fec));
      good = false;
    }
  } else {
    good = false;
  }
  const bool ping = a.kind == OamActionSpec::Kind::ping;
  for (std::string k : {"via", "count", "interval"})
    if (!ping && m.has(k)) {
      m.error(k, fmt::format("'{}' belongs to lsp_ping, not lsp_trace", k));
      good = false;
    }
  for (std::string k : {"multipath", "max_ttl"})
    if (ping && m.has(k)) {
      m.error(k, fmt::format("'{}' belongs to lsp_trace, not lsp_ping", k));
      good = false;
    }
  if (m.has("frames")) {
    m.error("frames", fmt::format("'frames' belongs to mac_flood, not {}", key));
    good = false;
  }
  if (m.has("via")) {
    if (auto v = m.scalar("via")) a.via = std::string(trim(*v));
    else good = false;
  }
  if (m.has("count") && !r.integer("count", a.count, 1, kMaxPingCount)) good = false;
  if (m.has("interval") && !r.duration("interval", a.interval_ns, false)) good = false;
  if (m.has("timeout") && !r.duration("timeout", a.timeout_ns, false)) good = false;
  if (m.has("multipath") && !r.boolean("multipath", a.multipath)) good = false;
  if (m.has("max_ttl") && !r.integer("max_ttl", a.max_ttl, 1, kMaxTraceTtl)) good = false;
  if (!good) return;
  std::string verb = key;
  std::replace(verb.begin(), verb.end(), '_', '-');
  a.text = fmt::format("{} {} {} {}", at_text, verb, a.router, *normalise_fec(a.fec));
  if (!a.via.empty()) a.text += " via " + a.via;
  if (ping && a.count != 1) a.text += fmt::format(" count {}", a.count);
  if (a.multipath) a.text += " multipath";
  s.options.oam.push_back(std::move(a));
}

// One entry of `events:`: `at` and exactly one kind key.
void read_event(Ctx& ctx, const YAML::Node& n, size_t i, int parent_line, Scenario& s) {
  const size_t errors_before = ctx.errors.size();
  Map m(ctx, n, fmt::format("events[{}]", i), kEventKeys, parent_line);
  if (!m.ok()) return;
  Reader r{ctx, m};
  EventSpec e;
  std::string at_text;
  bool good = true;
  if (!m.has("at")) {
    ctx.error(m.line(), m.what(), "missing key 'at' (when: 300ms, 1.5s, ...)");
    good = false;
  } else if (auto t = m.scalar("at"); t && r.duration("at", e.at_ns)) {
    at_text = std::string(trim(*t));
  } else {
    good = false;
  }
  if (m.has("lsp_ping") || m.has("lsp_trace")) return read_oam_action(ctx, m, r, e.at_ns, at_text, good, s);
  for (std::string_view k : kOamOnlyKeys)
    if (m.has(std::string(k)))
      return m.error(std::string(k), fmt::format("'{}' belongs to lsp_ping and lsp_trace", k));
  static constexpr std::pair<std::string_view, EventKind> kKinds[] = {
      {"link_down", EventKind::link_down},         {"link_up", EventKind::link_up},
      {"router_down", EventKind::router_down},     {"router_up", EventKind::router_up},
      {"service_remove", EventKind::service_remove}, {"service_add", EventKind::service_add},
      {"mac_flood", EventKind::mac_flood}};
  std::vector<std::string> kinds;
  for (auto& [key, kind] : kKinds)
    if (m.has(std::string(key))) {
      kinds.emplace_back(key);
      e.kind = kind;
    }
  if (kinds.size() != 1) {
    if (kinds.empty() && ctx.errors.size() > errors_before) return;  // a misspelt kind: said already
    ctx.error(m.line(), m.what(),
              kinds.empty() ? "no event: give one of link_down, link_up, router_down, router_up, "
                              "service_remove, service_add, mac_flood, lsp_ping, lsp_trace"
                            : fmt::format("one event per entry, found {} and {}", kinds[0], kinds[1]));
    return;
  }
  const std::string& key = kinds[0];
  auto target = m.scalar(key);
  if (!target) return;
  const std::string arg(trim(*target));
  if (e.kind == EventKind::link_down || e.kind == EventKind::link_up) {
    auto ends = cp::parse_link_spec(arg);
    if (!ends) return m.error(key, fmt::format("'{}': {}", key, ends.error().message));
    e.a = ends->first;
    e.b = ends->second;
  } else {
    e.a = arg;
  }
  if (e.kind == EventKind::mac_flood) {
    if (!m.has("frames")) return ctx.error(m.line(), m.what(), "mac_flood needs 'frames' (how many)");
    if (!r.integer("frames", e.count, 1, 10'000'000)) return;
  } else if (m.has("frames")) {
    return m.error("frames", fmt::format("'frames' belongs to mac_flood, not {}", key));
  }
  if (!good) return;
  std::string verb = key;
  std::replace(verb.begin(), verb.end(), '_', '-');
  // The same text as the command line's --event: the report's event column.
  e.text = fmt::format("{} {} {}", at_text, verb, arg);
  if (e.kind == EventKind::mac_flood) e.text += fmt::format(" {}", e.count);
  s.options.events.push_back(std::move(e));
  s.event_lines.push_back(m.line());
}

void read_workload(Ctx& ctx, const YAML::Node& n, int parent_line, Scenario& s) {
  Map m(ctx, n, "workload", kWorkloadKeys, parent_line);
  if (!m.ok()) return;
  Reader r{ctx, m};
  Workload& w = s.options.workload;
  for (const std::string& k : m.keys()) {
    bool ok = false;
    if (k == "hosts_per_site") ok = r.integer(k, w.hosts_per_site, 1, 200);
    else if (k == "warmup") ok = r.duration(k, w.warmup_ns);
    else if (k == "memcached_rps") ok = r.rate(k, w.memcached_rps, 1e6, false);
    else if (k == "memcached_set_ratio") ok = r.number(k, w.memcached_set_ratio, 0, 1, " (a fraction)");
    else if (k == "memcached_hit_ratio") ok = r.number(k, w.memcached_hit_ratio, 0, 1, " (a fraction)");
    else if (k == "memcached_value_cap") ok = r.integer(k, w.memcached_value_cap, 1, 1024 * 1024, true);
    else if (k == "memcached_service_time") {
      uint64_t ns = 0;
      ok = r.duration(k, ns);
      if (ok) w.memcached_service_us = double(ns) / 1e3;
    } else if (k == "redis_rate") {
      double bps = 0;
      ok = r.rate(k, bps, 1e11, true);
      if (ok) w.redis_mbps = bps / 1e6;
    } else if (k == "redis_frame_bytes") ok = r.integer(k, w.redis_frame_bytes, 64, 9216, true);
    else if (k == "imix_rate") ok = r.rate(k, w.imix_pps, 1e7, false);
    else if (k == "imix_on_vpls") ok = r.boolean(k, w.imix_on_vpls);
    else if (k == "arp_interval") ok = r.duration(k, w.arp_interval_ns);
    if (ok) s.given.insert("workload." + k);
  }
}

}  // namespace

Result<double> parse_rate_per_s(std::string_view text) {
  std::string_view s = trim(text);
  if (s.size() > 2 && s.substr(s.size() - 2) == "/s") s = trim(s.substr(0, s.size() - 2));
  auto v = to_number(s);
  if (!v || *v < 0) return Error{fmt::format("'{}' is not a rate (e.g. 2000/s, 2000)", text)};
  return *v;
}

Result<double> parse_bit_rate(std::string_view text) {
  std::string_view s = trim(text);
  double scale = 0;
  for (auto [suffix, k] : {std::pair<std::string_view, double>{"Gbps", 1e9}, {"Mbps", 1e6}, {"kbps", 1e3},
                           {"bps", 1}})
    if (s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix) {
      s = trim(s.substr(0, s.size() - suffix.size()));
      scale = k;
      break;
    }
  auto v = scale ? to_number(s) : std::nullopt;
  if (!v || *v < 0) return Error{fmt::format("'{}' is not a bit rate (e.g. 100Mbps, 1.5Gbps, 800kbps)", text)};
  return *v * scale;
}

Result<Scenario> parse_scenario(std::string_view text, std::string_view source_name) {
  Ctx ctx{std::string(source_name), {}};
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    return Error{fmt::format("{}: YAML syntax error: {}",
                             cp::SourceLocation{ctx.file, e.mark.line >= 0 ? e.mark.line + 1 : 0}.str(), e.msg)};
  }
  if (!root.IsDefined() || root.IsNull()) return Error{ctx.file + ": the scenario is empty"};
  Scenario s;
  s.source = ctx.file;
  Map top(ctx, root, "scenario", kTopKeys, 1);
  if (!top.ok()) return ctx.failure();
  Reader r{ctx, top};
  for (const std::string& k : top.keys()) {
    bool ok = false;
    if (k == "topology") {
      if (auto t = top.scalar(k)) {
        std::filesystem::path p(*t);
        if (p.is_relative()) p = std::filesystem::path(ctx.file).parent_path() / p;
        s.topology = p.lexically_normal().string();
        ok = true;
      }
    } else if (k == "duration") {
      ok = r.duration(k, s.options.duration_ns, false);
    } else if (k == "seed") {
      ok = r.integer(k, s.options.seed, 0, UINT64_MAX);
    } else if (k == "lfa") {
      ok = r.boolean(k, s.options.lfa);
    } else if (k == "control_plane_delay") {
      ok = r.duration(k, s.options.control_plane_delay_ns);
    } else if (k == "events") {
      YAML::Node list = top.node(k);
      if (list.IsNull()) {
        ok = true;  // "events:" with nothing: no events
      } else if (!list.IsSequence()) {
        top.error(k, "'events' must be a list of {at: TIME, KIND: WHAT}, found " + kind_of(list));
      } else {
        const size_t before = ctx.errors.size();
        for (size_t i = 0; i < list.size(); ++i) read_event(ctx, list[i], i, top.line_of(k), s);
        ok = ctx.errors.size() == before;
      }
    } else if (k == "workload") {
      read_workload(ctx, top.node(k), top.line_of(k), s);
      ok = true;
    } else if (k == "bfd") {
      // BFD over every PW with the control word (sim/oam_report.hpp).
      Map b(ctx, top.node(k), "bfd", kBfdKeys, top.line_of(k));
      if (b.ok()) {
        Reader br{ctx, b};
        BfdPwOptions& o = s.options.bfd_pw;
        o.enabled = true;
        ok = true;
        if (b.has("interval") && !br.duration("interval", o.interval_ns, false)) ok = false;
        if (ok && o.interval_ns < 1000) {
          b.error("interval", "'interval' must be at least 1us");
          ok = false;
        }
        if (b.has("multiplier") && !br.integer("multiplier", o.multiplier, 1, 255)) ok = false;
      }
    }
    if (ok) s.given.insert(k);
  }
  if (!ctx.errors.empty()) return ctx.failure();
  return s;
}

Result<Scenario> load_scenario(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Error{fmt::format("{}: cannot open the scenario file", path)};
  std::stringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return Error{fmt::format("{}: cannot read the scenario file", path)};
  return parse_scenario(ss.str(), path);
}

Status check_scenario(const Scenario& s, const cp::Topology& t) {
  Ctx ctx{s.source, {}};
  for (size_t i = 0; i < s.options.events.size(); ++i) {
    const EventSpec& e = s.options.events[i];
    const int line = i < s.event_lines.size() ? s.event_lines[i] : 0;
    const std::string what = fmt::format("events[{}]", i);
    const std::string topo = t.source.empty() ? t.name : t.source;
    switch (e.kind) {
      case EventKind::link_down:
      case EventKind::link_up: {
        bool found = false;
        for (auto& l : t.links)
          found |= (l.a == e.a && l.b == e.b) || (l.a == e.b && l.b == e.a);
        if (!found) ctx.error(line, what, fmt::format("no link between '{}' and '{}' in {}", e.a, e.b, topo));
        break;
      }
      case EventKind::router_down:
      case EventKind::router_up:
        if (!t.find_router(e.a)) ctx.error(line, what, fmt::format("no router '{}' in {}", e.a, topo));
        break;
      case EventKind::service_remove:
      case EventKind::service_add: {
        bool found = false;
        for (auto& v : t.vpws) found |= v.name == e.a;
        for (auto& v : t.vpls) found |= v.name == e.a;
        if (!found) ctx.error(line, what, fmt::format("no service '{}' in {}", e.a, topo));
        break;
      }
      case EventKind::mac_flood:
        if (!t.find_site(e.a)) ctx.error(line, what, fmt::format("no site '{}' in {}", e.a, topo));
        break;
    }
  }
  for (const OamActionSpec& a : s.options.oam)
    if (auto why = check_oam_action(a, t); !why.empty()) ctx.error(a.line, a.object, why);
  if (!ctx.errors.empty()) return ctx.failure();
  return Status::success();
}

EmulatorOptions resolve_options(const Scenario* scenario, const CommandLineOptions& c) {
  EmulatorOptions o = scenario ? scenario->options : EmulatorOptions{};
  if (c.seed) o.seed = *c.seed;
  if (c.duration_ns) o.duration_ns = *c.duration_ns;
  if (c.control_plane_delay_ns) o.control_plane_delay_ns = *c.control_plane_delay_ns;
  if (c.lfa) o.lfa = *c.lfa;
  if (c.events) o.events = *c.events;
  Workload& w = o.workload;
  if (c.hosts_per_site) w.hosts_per_site = *c.hosts_per_site;
  if (c.memcached_rps) w.memcached_rps = *c.memcached_rps;
  if (c.redis_mbps) w.redis_mbps = *c.redis_mbps;
  if (c.imix_pps) w.imix_pps = *c.imix_pps;
  if (c.imix_on_vpls) w.imix_on_vpls = *c.imix_on_vpls;
  if (c.arp_interval_ns) w.arp_interval_ns = *c.arp_interval_ns;
  return o;
}

}  // namespace l2vpn::sim
