#pragma once
// What the emulator's benchmarks share (sim_scale_bench: the backbone alone;
// sim_job_bench: the whole job): CPU time and where to put the PEs.

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "controlplane/topology.hpp"

namespace l2vpn::bench {

// CPU time of this thread: on a shared machine wall time also counts the
// time other processes had the core.
inline double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

// Farthest-point sampling by hop count: deterministic and spread out.
inline std::vector<uint32_t> spread_pes(const cp::Topology& t, unsigned n) {
  std::vector<std::vector<uint32_t>> adj(t.routers.size());
  std::map<std::string, uint32_t> idx;
  for (uint32_t i = 0; i < t.routers.size(); ++i) idx[t.routers[i].name] = i;
  for (auto& l : t.links) {
    adj[idx[l.a]].push_back(idx[l.b]);
    adj[idx[l.b]].push_back(idx[l.a]);
  }
  std::vector<uint32_t> dist(t.routers.size(), UINT32_MAX), chosen;
  auto bfs_from = [&](uint32_t s) {
    std::vector<uint32_t> d(t.routers.size(), UINT32_MAX);
    std::vector<uint32_t> q{s};
    d[s] = 0;
    for (size_t h = 0; h < q.size(); ++h)
      for (uint32_t v : adj[q[h]])
        if (d[v] == UINT32_MAX) d[v] = d[q[h]] + 1, q.push_back(v);
    for (size_t i = 0; i < d.size(); ++i) dist[i] = std::min(dist[i], d[i]);
  };
  // Start at the best-connected router (the core), then always the router
  // farthest from every PE so far (reachable ones only; lowest index on ties).
  uint32_t first = 0;
  for (uint32_t i = 0; i < adj.size(); ++i)
    if (adj[i].size() > adj[first].size()) first = i;
  bfs_from(first);
  std::vector<bool> reach(adj.size());
  for (size_t i = 0; i < adj.size(); ++i) reach[i] = dist[i] != UINT32_MAX;
  chosen.push_back(first);
  while (chosen.size() < n) {
    uint32_t best = UINT32_MAX;
    for (uint32_t i = 0; i < adj.size(); ++i)
      if (reach[i] && dist[i] > 0 && (best == UINT32_MAX || dist[i] > dist[best])) best = i;
    if (best == UINT32_MAX) break;
    chosen.push_back(best);
    bfs_from(best);
  }
  return chosen;
}

}  // namespace l2vpn::bench
