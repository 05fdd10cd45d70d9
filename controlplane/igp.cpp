#include "controlplane/igp.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>

#include <algorithm>
#include <memory>
#include <queue>
#include <tuple>

namespace l2vpn::cp {

// vecS out-edge lists keep parallel links as separate edges; only the
// shortest of them matters for distances, all of them for next hops.
struct Igp::Graph {
  using G = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS,
                                  boost::no_property,
                                  boost::property<boost::edge_weight_t, uint64_t>>;
  G g;
};

Igp::Igp(const Plan& plan) : plan_(&plan), n_(plan.router_count()) {
  state_.link_up.assign(plan.topo->links.size(), 1);
  state_.router_up.assign(n_, 1);
  graph_ = std::make_shared<Graph>();
}

bool Igp::port_up(uint32_t r, uint32_t port) const {
  const LinkPort& p = plan_->routers[r].ports[port];
  return state_.link_up[p.link] && state_.router_up[r] && state_.router_up[p.peer];
}

void Igp::build_graph() {
  graph_->g = Graph::G(n_);
  const auto& links = plan_->topo->links;
  for (uint32_t li = 0; li < links.size(); ++li) {
    if (!state_.link_up[li]) continue;
    uint32_t a = plan_->router(links[li].a), b = plan_->router(links[li].b);
    if (!state_.router_up[a] || !state_.router_up[b]) continue;
    boost::add_edge(a, b, uint64_t(links[li].metric), graph_->g);
  }
}

void Igp::spf(uint32_t root) {
  uint64_t* row = dist_.data() + size_t(root) * n_;
  if (!state_.router_up[root]) {
    std::fill(row, row + n_, kUnreachable);
    row[root] = 0;
    return;
  }
  boost::dijkstra_shortest_paths(
      graph_->g, root,
      boost::distance_map(boost::make_iterator_property_map(row, boost::get(boost::vertex_index, graph_->g)))
          .distance_inf(kUnreachable));
}

void Igp::compute(const LinkState& state) {
  state_ = state;
  dist_.assign(n_ * n_, kUnreachable);
  build_graph();
  for (uint32_t r = 0; r < n_; ++r) spf(r);
}

// Link (a, b) went down (state_ already says so). If b (the far side from
// root) keeps another shortest-path parent nothing changes; otherwise the
// nodes whose every shortest-path parent was cut lose their distance and are
// re-settled by Dijkstra from the unaffected nodes around them.
bool Igp::remove_link(uint32_t root, uint32_t link) {
  uint64_t* row = dist_.data() + size_t(root) * n_;
  const Link& l = plan_->topo->links[link];
  uint32_t a = plan_->router(l.a), b = plan_->router(l.b);
  uint64_t m = l.metric;
  if (row[a] != kUnreachable && row[a] + m == row[b]) {
  } else if (row[b] != kUnreachable && row[b] + m == row[a]) {
    std::swap(a, b);
  } else {
    return false;  // not on any shortest path from root
  }
  auto has_parent_outside = [&](uint32_t x) {
    for (uint32_t p = 0; p < plan_->routers[x].ports.size(); ++p) {
      if (!port_up(x, p)) continue;
      const LinkPort& lp = plan_->routers[x].ports[p];
      if (!mark_[lp.peer] && row[lp.peer] != kUnreachable && row[lp.peer] + lp.metric == row[x]) return true;
    }
    return false;
  };
  if (has_parent_outside(b)) return false;
  // Affected set, in order of (old) distance so parents are decided first.
  using Item = std::pair<uint64_t, uint32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
  touched_.clear();
  mark_[b] = 1;
  touched_.push_back(b);
  heap.push({row[b], b});
  while (!heap.empty()) {
    auto [d, x] = heap.top();
    heap.pop();
    for (uint32_t p = 0; p < plan_->routers[x].ports.size(); ++p) {
      if (!port_up(x, p)) continue;
      const LinkPort& lp = plan_->routers[x].ports[p];
      uint32_t z = lp.peer;
      if (mark_[z] || row[z] == kUnreachable || d + lp.metric != row[z]) continue;
      if (has_parent_outside(z)) continue;
      mark_[z] = 1;
      touched_.push_back(z);
      heap.push({row[z], z});
    }
  }
  // Re-settle: start from the best unaffected neighbor of each.
  for (uint32_t x : touched_) {
    uint64_t best = kUnreachable;
    for (uint32_t p = 0; p < plan_->routers[x].ports.size(); ++p) {
      if (!port_up(x, p)) continue;
      const LinkPort& lp = plan_->routers[x].ports[p];
      if (!mark_[lp.peer] && row[lp.peer] != kUnreachable) best = std::min(best, row[lp.peer] + lp.metric);
    }
    row[x] = best;
    if (best != kUnreachable) heap.push({best, x});
  }
  while (!heap.empty()) {
    auto [d, x] = heap.top();
    heap.pop();
    if (d != row[x]) continue;
    for (uint32_t p = 0; p < plan_->routers[x].ports.size(); ++p) {
      if (!port_up(x, p)) continue;
      const LinkPort& lp = plan_->routers[x].ports[p];
      if (!mark_[lp.peer]) continue;
      if (d + lp.metric < row[lp.peer]) {
        row[lp.peer] = d + lp.metric;
        heap.push({row[lp.peer], lp.peer});
      }
    }
  }
  for (uint32_t x : touched_) mark_[x] = 0;
  return true;
}

// Link (a, b) came up (state_ already says so): distances only shrink, from
// whichever end it now reaches more cheaply.
bool Igp::add_link(uint32_t root, uint32_t link) {
  uint64_t* row = dist_.data() + size_t(root) * n_;
  const Link& l = plan_->topo->links[link];
  uint32_t a = plan_->router(l.a), b = plan_->router(l.b);
  uint64_t m = l.metric;
  using Item = std::pair<uint64_t, uint32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
  if (row[a] != kUnreachable && row[a] + m < row[b]) {
    row[b] = row[a] + m;
    heap.push({row[b], b});
  } else if (row[b] != kUnreachable && row[b] + m < row[a]) {
    row[a] = row[b] + m;
    heap.push({row[a], a});
  } else {
    return false;
  }
  while (!heap.empty()) {
    auto [d, x] = heap.top();
    heap.pop();
    if (d != row[x]) continue;
    for (uint32_t p = 0; p < plan_->routers[x].ports.size(); ++p) {
      if (!port_up(x, p)) continue;
      const LinkPort& lp = plan_->routers[x].ports[p];
      if (d + lp.metric < row[lp.peer]) {
        row[lp.peer] = d + lp.metric;
        heap.push({row[lp.peer], lp.peer});
      }
    }
  }
  return true;
}

std::vector<uint32_t> Igp::update_links(const LinkState& next) {
  std::vector<uint8_t> changed(n_, 0);
  mark_.assign(n_, 0);
  // Downs first, then ups, one link at a time: each repair sees a
  // consistent graph.
  for (int pass = 0; pass < 2; ++pass)
    for (uint32_t li = 0; li < next.link_up.size(); ++li) {
      if (state_.link_up[li] == next.link_up[li] || bool(next.link_up[li]) != (pass == 1)) continue;
      state_.link_up[li] = next.link_up[li];
      for (uint32_t r = 0; r < n_; ++r) {
        if (!state_.router_up[r]) continue;
        if (pass == 0 ? remove_link(r, li) : add_link(r, li)) changed[r] = 1;
      }
    }
  build_graph();
  std::vector<uint32_t> roots;
  for (uint32_t r = 0; r < n_; ++r)
    if (changed[r]) roots.push_back(r);
  return roots;
}

std::vector<uint32_t> Igp::update(const LinkState& next) {
  if (!dist_.empty() && next.router_up == state_.router_up) return update_links(next);
  if (dist_.empty()) {
    compute(next);
    std::vector<uint32_t> all(n_);
    for (uint32_t r = 0; r < n_; ++r) all[r] = r;
    return all;
  }
  // A link is effectively up when it and both its routers are.
  const auto& links = plan_->topo->links;
  auto eff = [&](const LinkState& s, uint32_t li, uint32_t a, uint32_t b) {
    return s.link_up[li] && s.router_up[a] && s.router_up[b];
  };
  struct Change {
    uint32_t a, b;
    uint64_t m;
    bool now_up;
  };
  std::vector<Change> changes;
  for (uint32_t li = 0; li < links.size(); ++li) {
    uint32_t a = plan_->router(links[li].a), b = plan_->router(links[li].b);
    bool was = eff(state_, li, a, b), is = eff(next, li, a, b);
    if (was != is) changes.push_back({a, b, links[li].metric, is});
  }
  std::vector<uint32_t> roots;
  for (uint32_t r = 0; r < n_; ++r) {
    bool affected = state_.router_up[r] != next.router_up[r];
    const uint64_t* row = dist_.data() + size_t(r) * n_;
    for (size_t i = 0; i < changes.size() && !affected; ++i) {
      const Change& c = changes[i];
      uint64_t da = row[c.a], db = row[c.b];
      if (!c.now_up) {
        // Removing a link changes distances from r only if the link lies on
        // one of r's shortest paths.
        affected = (da != kUnreachable && da + c.m == db) || (db != kUnreachable && db + c.m == da);
      } else {
        // Adding one changes them only if it makes something shorter.
        affected = (da != kUnreachable && (db == kUnreachable || da + c.m < db)) ||
                   (db != kUnreachable && (da == kUnreachable || db + c.m < da));
      }
    }
    if (affected) roots.push_back(r);
  }
  state_ = next;
  if (!changes.empty() || !roots.empty()) build_graph();
  for (uint32_t r : roots) spf(r);
  return roots;
}

void Igp::next_hops(uint32_t s, uint32_t d, std::vector<IgpNextHop>& out) const {
  out.clear();
  if (s == d || !state_.router_up[s]) return;
  const uint64_t* to_d = dist_.data() + size_t(d) * n_;  // dist(x, d), by symmetry
  uint64_t total = to_d[s];
  if (total == kUnreachable) return;
  const auto& ports = plan_->routers[s].ports;
  for (uint32_t p = 0; p < ports.size() && out.size() < kMaxEcmpPaths; ++p) {
    if (!port_up(s, p)) continue;
    uint64_t dv = to_d[ports[p].peer];
    if (dv != kUnreachable && dv + ports[p].metric == total) out.push_back({uint16_t(p), kNoPort, false});
  }
  const uint64_t* to_s = dist_.data() + size_t(s) * n_;  // dist(x, s)
  for (IgpNextHop& nh : out) {
    uint32_t v = ports[nh.port].peer;
    const uint64_t* to_v = dist_.data() + size_t(v) * n_;
    // Best so far: (not node-protecting, cost via the alternate, port).
    std::tuple<bool, uint64_t, uint32_t> best{true, kUnreachable, UINT32_MAX};
    for (uint32_t q = 0; q < ports.size(); ++q) {
      if (q == nh.port || !port_up(s, q)) continue;
      uint32_t n = ports[q].peer;
      uint64_t nd = to_d[n], ns = to_s[n];
      if (nd == kUnreachable) continue;
      // RFC 5286 inequality 1: N's shortest path to D does not come back
      // through S.
      if (!(ns == kUnreachable || nd < ns + total)) continue;
      // Inequality 3: ... nor through the primary neighbor V (unless V is D,
      // where only link protection is possible).
      bool node = v != d && n != v && (to_v[n] == kUnreachable || nd < to_v[n] + to_d[v]);
      std::tuple<bool, uint64_t, uint32_t> cand{!node, nd + ports[q].metric, q};
      if (cand < best) best = cand;
    }
    if (std::get<2>(best) != UINT32_MAX) {
      nh.backup = uint16_t(std::get<2>(best));
      nh.node_protecting = !std::get<0>(best);
    }
  }
}

}  // namespace l2vpn::cp
