#include "controlplane/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace l2vpn::cp {

namespace {

std::string where_prefix(const SourceLocation& where) {
  std::string s = where.str();
  return s.empty() ? std::string() : s + ": ";
}

bool parse_ipv4(std::string_view text) {
  int parts = 0;
  size_t pos = 0;
  while (parts < 4) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), v);
    if (ec != std::errc() || v > 255 || p == text.data() + pos) return false;
    pos = size_t(p - text.data());
    ++parts;
    if (parts < 4) {
      if (pos >= text.size() || text[pos] != '.') return false;
      ++pos;
    }
  }
  return pos == text.size();
}

}  // namespace

uint64_t stable_hash(std::string_view key, uint64_t seed) {
  uint64_t h = seed;
  for (unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

uint32_t StableAllocator::allocate(std::string_view key) {
  if (first_ > last_) return kNoIndex;
  uint64_t size = uint64_t(last_) - first_ + 1;
  if (used_.size() >= size) return kNoIndex;
  uint64_t off = stable_hash(key) % size;
  for (uint64_t i = 0; i < size; ++i) {
    uint32_t v = uint32_t(first_ + (off + i) % size);
    if (used_.insert(v).second) return v;
  }
  return kNoIndex;
}

MacAddr port_mac(uint32_t router, uint32_t port) {
  return {0x02, 0x00, uint8_t(router >> 8), uint8_t(router), uint8_t(port >> 8), uint8_t(port)};
}

Result<Plan> make_plan(const Topology& topo) {
  Plan plan;
  plan.topo = &topo;
  plan.routers.resize(topo.routers.size());
  std::set<std::string> loopbacks;
  for (uint32_t i = 0; i < topo.routers.size(); ++i) {
    const Router& r = topo.routers[i];
    auto pre = where_prefix(r.where);
    if (r.name.empty()) return Error{fmt::format("{}router #{} has no name", pre, i + 1)};
    if (!plan.router_index.emplace(r.name, i).second)
      return Error{fmt::format("{}router '{}' is defined twice", pre, r.name)};
    if (r.labels.first < kFirstUnreservedLabel || r.labels.last > kMaxLabel ||
        r.labels.first > r.labels.last)
      return Error{fmt::format("{}router '{}': label range {}..{} is not within {}..{}", pre,
                               r.name, r.labels.first, r.labels.last, kFirstUnreservedLabel,
                               kMaxLabel)};
    if (r.role == RouterRole::pe) {
      if (!parse_ipv4(r.loopback))
        return Error{fmt::format("{}router '{}': loopback '{}' is not an IPv4 address", pre,
                                 r.name, r.loopback)};
      if (!loopbacks.insert(r.loopback).second)
        return Error{fmt::format("{}router '{}': loopback {} is used twice", pre, r.name,
                                 r.loopback)};
      plan.routers[i].fec = uint32_t(plan.fec_router.size());
      plan.fec_router.push_back(i);
      plan.fec_name.push_back(r.loopback + "/32");
      plan.fec_index.emplace(plan.fec_name.back(), plan.routers[i].fec);
    }
  }
  // Every router allocates one label per PE loopback FEC at first + FEC
  // index: fixed by the topology, so no failure ever renumbers an LSP.
  for (uint32_t i = 0; i < topo.routers.size(); ++i) {
    const Router& r = topo.routers[i];
    uint64_t size = uint64_t(r.labels.last) - r.labels.first + 1;
    if (size < plan.fec_router.size())
      return Error{fmt::format(
          "{}router '{}': label range {}..{} holds {} labels but there are {} PE loopback FECs",
          where_prefix(r.where), r.name, r.labels.first, r.labels.last, size,
          plan.fec_router.size())};
  }
  for (uint32_t li = 0; li < topo.links.size(); ++li) {
    const Link& l = topo.links[li];
    auto pre = where_prefix(l.where);
    uint32_t a = plan.router(l.a), b = plan.router(l.b);
    if (a == kNoIndex || b == kNoIndex)
      return Error{fmt::format("{}link {}--{}: unknown router '{}'", pre, l.a, l.b,
                               a == kNoIndex ? l.a : l.b)};
    if (a == b) return Error{fmt::format("{}link {}--{}: a link needs two routers", pre, l.a, l.b)};
    if (l.metric == 0)
      return Error{fmt::format("{}link {}--{}: metric 0 (must be at least 1)", pre, l.a, l.b)};
    auto& pa = plan.routers[a].ports;
    auto& pb = plan.routers[b].ports;
    LinkPort ea{l.a_port.empty() ? "to-" + l.b : l.a_port, li, b, uint16_t(pb.size()), l.metric,
                l.mtu, {}};
    LinkPort eb{l.b_port.empty() ? "to-" + l.a : l.b_port, li, a, uint16_t(pa.size()), l.metric,
                l.mtu, {}};
    pa.push_back(std::move(ea));
    pb.push_back(std::move(eb));
  }
  uint32_t stride = 1;
  for (uint32_t r = 0; r < plan.routers.size(); ++r) {
    auto& ports = plan.routers[r].ports;
    if (ports.size() > 0xffff)
      return Error{fmt::format("router '{}': {} links, at most 65535", topo.routers[r].name,
                               ports.size())};
    // Parallel links left with the same default name get "#2", "#3".
    std::set<std::string> seen;
    for (uint32_t p = 0; p < ports.size(); ++p) {
      std::string base = ports[p].name, name = base;
      for (int n = 2; !seen.insert(name).second; ++n) name = base + "#" + std::to_string(n);
      ports[p].name = name;
      ports[p].mac = port_mac(r, p);
    }
    stride = std::max<uint32_t>(stride, uint32_t(ports.size()));
  }
  plan.ids.port_stride = stride;
  uint64_t top = uint64_t(plan.fec_router.size()) * stride * 2 + 2;
  if (top > (1ULL << 30))
    return Error{fmt::format("topology too large for the NHLFE id space ({} FECs x {} ports)",
                             plan.fec_router.size(), stride)};
  // Service ids start at a round number above the transport ones, so they
  // read apart in a dump.
  uint32_t base = 1u << 20;
  while (base < top) base <<= 1;
  plan.ids.service_nhlfe_base = base;
  plan.fec_by_name.resize(plan.fec_router.size());
  for (uint32_t f = 0; f < plan.fec_by_name.size(); ++f) plan.fec_by_name[f] = f;
  std::sort(plan.fec_by_name.begin(), plan.fec_by_name.end(),
            [&](uint32_t x, uint32_t y) { return plan.fec_name[x] < plan.fec_name[y]; });
  return plan;
}

}  // namespace l2vpn::cp
