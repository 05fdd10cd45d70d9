#include "sim/flood_cost.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace l2vpn::sim {

namespace {
constexpr uint64_t kEth = 14, kLabel = 4, kCw = 4;
}

Result<std::vector<FloodPlan>> plan_flood_costs(const cp::Topology& topo, const cp::NetworkState& state) {
  // Trees: as computed, or (ingress-replication instances) from the same
  // topology with every instance made P2MP.
  std::map<std::pair<std::string, std::string>, const cp::P2mpTree*> trees;
  for (auto& t : state.p2mp_trees) trees[{t.service, t.root}] = &t;
  cp::NetworkState as_p2mp;
  bool need = false;
  for (auto& v : topo.vpls) need = need || v.bum_mode != BumMode::p2mp_tree;
  if (need) {
    cp::Topology copy = topo;
    for (auto& v : copy.vpls) v.bum_mode = BumMode::p2mp_tree;
    auto s = cp::compute(copy);
    if (!s) return Error{fmt::format("flood cost: P2MP trees for comparison: {}", s.error().message)};
    as_p2mp = std::move(*s);
  }
  std::map<std::pair<std::string, std::string>, const cp::P2mpTree*> computed;
  for (auto& t : as_p2mp.p2mp_trees) computed[{t.service, t.root}] = &t;

  std::vector<FloodPlan> out;
  for (auto& v : topo.vpls) {
    const uint64_t cw = v.control_word ? kCw : 0;
    std::vector<std::string> pes;
    for (auto& sname : v.sites)
      if (auto* s = topo.find_site(sname); s && std::find(pes.begin(), pes.end(), s->pe) == pes.end())
        pes.push_back(s->pe);
    for (auto& pe : pes) {
      FloodPlan p;
      p.service = v.name;
      p.pe = pe;
      p.p2mp = v.bum_mode == BumMode::p2mp_tree;
      std::set<std::string> seen;
      for (auto& pw : state.pseudowires) {
        if (pw.service != v.name || pw.router != pe || pw.kind != cp::PwKind::vpls_mesh || !pw.up) continue;
        if (!seen.insert(pw.peer).second) continue;
        p.peers.push_back(pw.peer);
        auto lsp = cp::trace_lsp(state, topo, pe, pw.peer);
        if (!lsp || !lsp->complete)
          return Error{fmt::format("flood cost: {}: no LSP from {} to {}", v.name, pe, pw.peer)};
        for (size_t i = 0; i + 1 < lsp->hops.size(); ++i) {
          ++p.ir_links;
          p.ir_overhead += kEth + kLabel * (1 + (lsp->hops[i].out_label ? 1 : 0)) + cw;
        }
      }
      const cp::P2mpTree* tree = nullptr;
      if (auto it = trees.find({v.name, pe}); it != trees.end()) {
        tree = it->second;
      } else if (auto jt = computed.find({v.name, pe}); jt != computed.end()) {
        tree = jt->second;
        p.tree_computed = true;
      }
      if (tree) {
        p.tree_edges = uint32_t(tree->links.size());
        p.tree_overhead = uint64_t(p.tree_edges) * (kEth + kLabel + cw);
      }
      out.push_back(std::move(p));
    }
  }
  return out;
}

}  // namespace l2vpn::sim
