#include "sim/service_check.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "dataplane/packet.hpp"

namespace l2vpn::sim {

namespace {

using dp::load_be16;
using dp::load_be32;
using dp::store_be16;
using dp::store_be32;

constexpr uint16_t kProbeEtherType = 0x88b5;  // IEEE local experimental
constexpr uint32_t kMagic = 0x4c32564e;       // "L2VN"

MacAddr host_mac(size_t site) { return {0x02, 0x5e, 0, 0, uint8_t(site >> 8), uint8_t(site)}; }

struct Probe {
  uint32_t service, seq, from, to;  // to = kBroadcast for floods
};
constexpr uint32_t kBroadcast = UINT32_MAX;

rte_mbuf* make_probe(rte_mempool* pool, const cp::Site& from_site, const MacAddr& src,
                     const MacAddr& dst, const Probe& p) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (!m) return nullptr;
  const size_t tag = from_site.vlan ? dp::kVlanTagLen : 0;
  const size_t len = 14 + tag + 46;
  auto* d = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, uint16_t(len)));
  std::memset(d, 0, len);
  std::memcpy(d, dst.data(), 6);
  std::memcpy(d + 6, src.data(), 6);
  size_t off = 12;
  if (tag) {
    store_be16(d + off, dp::kEtherTypeVlan);
    store_be16(d + off + 2, from_site.vlan);
    off += 4;
  }
  store_be16(d + off, kProbeEtherType);
  off += 2;
  store_be32(d + off, kMagic);
  store_be32(d + off + 4, p.service);
  store_be32(d + off + 8, p.seq);
  store_be32(d + off + 12, p.from);
  store_be32(d + off + 16, p.to);
  return m;
}

struct Tally {
  std::map<std::tuple<uint32_t, uint32_t, uint32_t, uint32_t>, unsigned> seen;  // (svc, seq, from, at)
};

}  // namespace

bool CheckReport::ok() const {
  for (auto& s : services)
    if (!s.ok()) return false;
  return true;
}

std::string CheckReport::table() const {
  std::string out = fmt::format("{:<6} {:<16} {:<28} {:>8} {:>8} {:>6} {:>6} {:>12}\n", "kind",
                                "service", "state", "sent", "received", "lost", "dup",
                                "misdelivered");
  for (auto& s : services)
    out += fmt::format("{:<6} {:<16} {:<28} {:>8} {:>8} {:>6} {:>6} {:>12}\n", s.kind, s.name,
                       s.state, s.sent, s.received, s.lost, s.duplicated, s.misdelivered);
  return out;
}

CheckReport check_services(Backbone& bb, const cp::Topology& topo, const cp::NetworkState& state,
                           rte_mempool* pool, unsigned frames) {
  CheckReport report;
  std::map<std::string, size_t> site_index;
  for (size_t i = 0; i < topo.sites.size(); ++i) site_index[topo.sites[i].name] = i;
  // Which site a frame leaving (pe, port) with this VLAN belongs to.
  auto site_at = [&](const std::string& pe, const std::string& port, uint16_t vlan) -> int {
    for (size_t i = 0; i < topo.sites.size(); ++i) {
      auto& s = topo.sites[i];
      if (s.pe == pe && s.port == port && (s.vlan == vlan || s.vlan == 0)) return int(i);
    }
    return -1;
  };
  auto service_state = [&](const std::string& name) {
    for (auto& pw : state.pseudowires)
      if (pw.service == name && !pw.up) return fmt::format("down ({}: {})", pw.router, pw.down_reason);
    return std::string("up");
  };

  struct Expect {
    uint32_t service;
    std::set<std::pair<uint32_t, uint32_t>> deliveries;  // (seq, at-site) expected
  };
  std::vector<Expect> expects;
  Tally tally;
  auto send = [&](size_t from, const MacAddr& dst, Probe p) {
    auto& s = topo.sites[from];
    auto* ap = bb.access_port(s.pe, s.port);
    rte_mbuf* m = ap ? make_probe(pool, s, host_mac(from), dst, p) : nullptr;
    if (m && rte_ring_enqueue(ap->to_pe.get(), m) != 0) rte_pktmbuf_free(m);
    else if (m) bb.note_to_pe(ap);
  };
  auto collect = [&] {
    report.rounds += bb.run_until_idle();
    for (auto& s : topo.sites) {
      auto* ap = bb.access_port(s.pe, s.port);
      if (!ap) continue;
      void* obj;
      while (rte_ring_dequeue(ap->from_pe.get(), &obj) == 0) {
        auto* m = static_cast<rte_mbuf*>(obj);
        const uint8_t* d = rte_pktmbuf_mtod(m, const uint8_t*);
        dp::EthernetView eth;
        if (dp::parse_ethernet(d, m->data_len, eth) == dp::ParseResult::ok &&
            eth.ether_type == kProbeEtherType && m->data_len >= eth.header_len + 20u &&
            load_be32(d + eth.header_len) == kMagic) {
          const uint8_t* q = d + eth.header_len;
          int at = site_at(s.pe, s.port, eth.n_tags ? eth.outer_vid() : 0);
          tally.seen[{load_be32(q + 4), load_be32(q + 8), load_be32(q + 12), uint32_t(at)}]++;
        }
        rte_pktmbuf_free(m);
      }
    }
  };

  uint32_t svc = 0;
  for (auto& v : topo.vpws) {
    Expect e{svc, {}};
    size_t a = site_index.at(v.site_a), b = site_index.at(v.site_b);
    for (uint32_t i = 0; i < frames; ++i) {
      send(a, host_mac(b), {svc, 2 * i, uint32_t(a), uint32_t(b)});
      e.deliveries.insert({2 * i, uint32_t(b)});
      send(b, host_mac(a), {svc, 2 * i + 1, uint32_t(b), uint32_t(a)});
      e.deliveries.insert({2 * i + 1, uint32_t(a)});
    }
    expects.push_back(std::move(e));
    ++svc;
  }
  for (auto& v : topo.vpls) {
    Expect e{svc, {}};
    std::vector<size_t> members;
    for (auto& s : v.sites) members.push_back(site_index.at(s));
    uint32_t seq = 0;
    // A broadcast from each member: every other member once. It also
    // teaches every PE where each host is.
    for (size_t from : members) {
      send(from, MacAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {svc, seq, uint32_t(from), kBroadcast});
      for (size_t to : members)
        if (to != from) e.deliveries.insert({seq, uint32_t(to)});
      ++seq;
    }
    collect();
    // Then known unicast between every ordered pair.
    for (uint32_t i = 0; i < frames; ++i)
      for (size_t from : members)
        for (size_t to : members)
          if (from != to) {
            send(from, host_mac(to), {svc, seq, uint32_t(from), uint32_t(to)});
            e.deliveries.insert({seq++, uint32_t(to)});
          }
    expects.push_back(std::move(e));
    ++svc;
  }
  collect();

  svc = 0;
  auto result_for = [&](const Expect& e, std::string kind, std::string name) {
    ServiceResult r;
    r.kind = std::move(kind);
    r.name = std::move(name);
    r.state = service_state(r.name);
    r.sent = e.deliveries.size();  // deliveries expected: a flood counts once per receiver
    for (auto& [key, count] : tally.seen) {
      auto [s, seq, from, at] = key;
      if (s != e.service) continue;
      if (!e.deliveries.count({seq, at})) {
        r.misdelivered += count;
        continue;
      }
      r.received += 1;
      r.duplicated += count - 1;
    }
    r.lost = e.deliveries.size() - r.received;
    report.services.push_back(r);
  };
  for (auto& v : topo.vpws) result_for(expects[svc++], "vpws", v.name);
  for (auto& v : topo.vpls) result_for(expects[svc++], "vpls", v.name);
  return report;
}

}  // namespace l2vpn::sim
