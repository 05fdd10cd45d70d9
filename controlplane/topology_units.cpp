// Units and defaults: what a topology's values mean when written short
// ("10G", "2ms") or left out (loopbacks, ports, PW ids, label ranges).
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "controlplane/yaml_loader.hpp"
#include "controlplane/yaml_primitives.hpp"

namespace l2vpn::cp {

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

}  // namespace l2vpn::cp
