#include "sim/path_bounds.hpp"

#include <algorithm>
#include <map>
#include <queue>
#include <set>

namespace l2vpn::sim {

namespace {
constexpr uint64_t kQueueingPerSegmentNs = 1'000'000;  // about a queue's worth (sim/link.hpp)
}

PathBounds compute_path_bounds(const cp::Topology& t) {
  PathBounds b;
  std::map<std::string, uint32_t> idx;
  for (auto& r : t.routers) idx.emplace(r.name, uint32_t(idx.size()));
  struct Edge {
    uint32_t to;
    uint64_t metric, delay;
  };
  std::vector<std::vector<Edge>> adj(idx.size());
  uint64_t all_delays = 0;
  for (auto& l : t.links) {
    auto a = idx.find(l.a), z = idx.find(l.b);
    if (a == idx.end() || z == idx.end()) continue;
    const uint64_t d = uint64_t(l.delay_us * 1000.0);
    all_delays += d;
    adj[a->second].push_back({z->second, l.metric, d});
    adj[z->second].push_back({a->second, l.metric, d});
  }
  // From one router: lowest metric to each; the slowest of the equal-cost
  // paths (ECMP may hash a flow onto any). Metrics are >= 1, so a router's
  // delay is final when it is taken from the queue.
  std::map<uint32_t, std::vector<uint64_t>> from;
  auto delays = [&](uint32_t src) -> const std::vector<uint64_t>& {
    auto it = from.find(src);
    if (it != from.end()) return it->second;
    std::vector<uint64_t> dist(idx.size(), UINT64_MAX), dl(idx.size(), UINT64_MAX);
    std::priority_queue<std::pair<uint64_t, uint32_t>, std::vector<std::pair<uint64_t, uint32_t>>, std::greater<>> q;
    dist[src] = 0;
    dl[src] = 0;
    q.push({0, src});
    while (!q.empty()) {
      auto [d, u] = q.top();
      q.pop();
      if (d != dist[u]) continue;
      for (auto& e : adj[u]) {
        const uint64_t nd = d + e.metric;
        if (nd < dist[e.to]) {
          dist[e.to] = nd;
          dl[e.to] = dl[u] + e.delay;
          q.push({nd, e.to});
        } else if (nd == dist[e.to]) {
          dl[e.to] = std::max(dl[e.to], dl[u] + e.delay);
        }
      }
    }
    return from.emplace(src, std::move(dl)).first->second;
  };
  auto path = [&](const std::string& x, const std::string& y) -> uint64_t {
    auto a = idx.find(x), z = idx.find(y);
    if (a == idx.end() || z == idx.end()) return UINT64_MAX;
    return delays(a->second)[z->second];
  };
  std::map<std::string, std::string> site_pe;
  for (auto& s : t.sites) site_pe[s.name] = s.pe;

  auto consider = [&](const std::vector<std::string>& pes, const std::map<std::string, std::vector<std::string>>& hubs) {
    auto via = [&](const std::string& pe) {
      auto it = hubs.find(pe);
      return it == hubs.end() ? std::vector<std::string>{pe} : it->second;
    };
    for (size_t i = 0; i < pes.size(); ++i)
      for (size_t j = i + 1; j < pes.size(); ++j)
        for (auto& hx : via(pes[i]))
          for (auto& hy : via(pes[j])) {
            const uint64_t a = pes[i] == hx ? 0 : path(pes[i], hx);
            const uint64_t m = hx == hy ? 0 : path(hx, hy);
            const uint64_t z = hy == pes[j] ? 0 : path(hy, pes[j]);
            if (a == UINT64_MAX || m == UINT64_MAX || z == UINT64_MAX) continue;  // never connected
            b.longest_service_path_ns = std::max(b.longest_service_path_ns, a + m + z);
          }
  };
  for (auto& v : t.vpws) {
    auto a = site_pe.find(v.site_a), z = site_pe.find(v.site_b);
    if (a != site_pe.end() && z != site_pe.end()) consider({a->second, z->second}, {});
  }
  for (auto& v : t.vpls) {
    std::set<std::string> pes;
    for (auto& s : v.sites)
      if (auto it = site_pe.find(s); it != site_pe.end()) pes.insert(it->second);
    std::map<std::string, std::vector<std::string>> hubs;
    for (auto& sp : v.spokes) {
      hubs[sp.mtu_s] = sp.hubs;
      pes.insert(sp.mtu_s);
      b.segments = std::max(b.segments, 3u);
    }
    consider(std::vector<std::string>(pes.begin(), pes.end()), hubs);
  }
  b.in_flight_ns = b.segments * (all_delays + kQueueingPerSegmentNs);
  return b;
}

}  // namespace l2vpn::sim
