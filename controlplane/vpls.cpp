#include "controlplane/vpls.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>

namespace l2vpn::cp {

void apply_spoke_redundancy(const ServiceContext& ctx, std::vector<PwNegotiation>& results) {
  const auto& ends = ctx.services.ends;
  for (size_t i = 0; i < ends.size(); ++i) {
    const PwEndPlan& e = ends[i];
    if (!e.standby || e.primary == kNoIndex) continue;
    const PwEndPlan& p = ends[e.primary];
    bool primary_up = results[e.primary].up && results[p.other].up;
    if (primary_up && results[i].up) {
      results[i].up = false;
      results[i].down_reason = pw_down::standby;
    }
  }
}

namespace {

struct Emitter {
  const ServiceContext& ctx;
  const std::vector<PwNegotiation>& results;
  std::vector<ServiceTables>& out;
  std::vector<PwStatus>& status;
  std::vector<P2mpTree>* trees;
  std::vector<uint32_t>* slots;
  TreeVersions* versions;
  // Scratch for tree building, indexed by router.
  std::vector<uint32_t> stamp;
  std::vector<std::vector<uint16_t>> children;  // ports toward downstream routers
  uint32_t generation = 0;

  Status run() {
    const Topology& topo = *ctx.plan.topo;
    const auto& ends = ctx.services.ends;
    // (service, router) -> its ends, in plan order.
    std::map<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>> by_router;
    for (uint32_t i = 0; i < ends.size(); ++i)
      if (ends[i].kind != PwKind::vpws) by_router[{ends[i].service, ends[i].router}].push_back(i);
    stamp.assign(ctx.plan.router_count(), 0);
    children.assign(ctx.plan.router_count(), {});

    for (const VplsPlan& vp : ctx.services.vpls) {
      const VplsService& svc = topo.vpls[vp.service];
      std::vector<uint32_t> routers = vp.members;
      routers.insert(routers.end(), vp.mtu_s.begin(), vp.mtu_s.end());
      // Index of the BridgeDomain in out[r], to set p2mp_group later.
      std::unordered_map<uint32_t, size_t> bd_at;
      for (size_t k = 0; k < routers.size(); ++k) {
        uint32_t r = routers[k];
        if (!ctx.igp.router_up(r)) continue;
        ServiceTables& t = out[r];
        BridgeDomain bd;
        bd.name = svc.name;
        bd.vsi_id = svc.vsi_id;
        bd.mac_limit = svc.mac_limit;
        bd.aging_seconds = svc.aging_seconds;
        bd.flood_rate_pps = svc.flood_rate_pps;
        bd.bum_mode = svc.bum_mode;
        for (uint32_t s : vp.sites[k]) {
          const Site& site = topo.sites[s];
          AttachmentCircuit ac;
          ac.name = site.name;
          ac.port = site.port.empty() ? "ac-" + site.name : site.port;
          ac.vlan = site.vlan;
          ac.mode = site.mode;
          ac.bridge_domain = svc.name;
          t.attachment_circuits.push_back(std::move(ac));
          bd.attachment_circuits.push_back(site.name);
        }
        std::sort(bd.attachment_circuits.begin(), bd.attachment_circuits.end());
        for (uint32_t i : by_router[{vp.service, r}]) {
          const PwEndPlan& e = ends[i];
          const PwNegotiation& n = results[i];
          if (slots) (*slots)[i] = uint32_t(t.pseudowires.size());
          t.pseudowires.push_back(make_pseudowire(ctx, e, n));
          status.push_back(make_pw_status(ctx, e, n));
          // Mesh PWs share one split-horizon group (a frame from one is never
          // sent to another); each spoke is a group of its own.
          (e.kind == PwKind::vpls_mesh ? bd.mesh_pseudowires : bd.spoke_pseudowires).push_back(e.id);
          if (n.up) t.ilm.push_back({e.local_label, IlmAction::pw_disposition, e.id});
        }
        bd_at[r] = t.bridge_domains.size();
        t.bridge_domains.push_back(std::move(bd));
      }
      if (svc.bum_mode != BumMode::p2mp_tree) continue;
      for (size_t k = 0; k < vp.members.size(); ++k) {
        uint32_t root = vp.members[k];
        if (!ctx.igp.router_up(root)) continue;
        build_tree(vp, svc, root, vp.first_tree_slot + uint32_t(k), by_router, bd_at);
      }
    }
    return {};
  }

  // The mesh PW end at `r` toward `peer` in this instance, or nullptr.
  const PwEndPlan* mesh_end(const std::map<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>>& by_router,
                            uint32_t service, uint32_t r, uint32_t peer, uint32_t* index) {
    auto it = by_router.find({service, r});
    if (it == by_router.end()) return nullptr;
    for (uint32_t i : it->second) {
      const PwEndPlan& e = ctx.services.ends[i];
      if (e.kind == PwKind::vpls_mesh && e.peer == peer) {
        *index = i;
        return &e;
      }
    }
    return nullptr;
  }

  void build_tree(const VplsPlan& vp, const VplsService& svc, uint32_t root, uint32_t slot,
                    const std::map<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>>& by_router,
                    const std::unordered_map<uint32_t, size_t>& bd_at) {
    const Plan& plan = ctx.plan;
    uint32_t root_fec = plan.routers[root].fec;
    ++generation;
    std::vector<uint32_t> touched{root};
    stamp[root] = generation;
    std::vector<uint32_t> leaves;
    std::unordered_map<uint32_t, uint32_t> leaf_pw;  // leaf router -> its mesh PW id toward root
    for (uint32_t m : vp.members) {
      if (m == root) continue;
      uint32_t im = 0, ir = 0;
      const PwEndPlan* em = mesh_end(by_router, vp.service, m, root, &im);
      const PwEndPlan* er = mesh_end(by_router, vp.service, root, m, &ir);
      // Only members whose mesh PW with the root is up join: the leaf
      // disposes tree copies as if they came on that PW.
      if (!em || !er || !results[im].up || !results[ir].up) continue;
      leaves.push_back(m);
      leaf_pw[m] = em->id;
      // Join toward the root along the first IGP next hop (mLDP upstream
      // selection); stop where the branch meets the tree.
      for (uint32_t x = m; stamp[x] != generation;) {
        auto hops = ctx.routes[x].to(root_fec);
        if (hops.empty()) break;
        const LinkPort& up = plan.routers[x].ports[hops[0].port];
        stamp[x] = generation;
        touched.push_back(x);
        children[up.peer].push_back(up.peer_port);
        x = up.peer;
      }
    }
    if (leaves.empty()) {
      for (uint32_t x : touched) children[x].clear();
      return;
    }
    // The tree's shape: its branches (router, ports down) and where leaves
    // dispose. A new shape takes the slot's next label (TreeVersions).
    uint64_t shape = 0xcbf29ce484222325ULL;
    auto mix = [&](uint64_t v) { shape = (shape ^ v) * 0x100000001b3ULL; };
    {
      std::vector<uint32_t> order = touched;
      std::sort(order.begin(), order.end());
      for (uint32_t x : order) {
        std::sort(children[x].begin(), children[x].end());
        mix(x);
        for (uint16_t p : children[x]) mix(0x10000u + p);
        if (auto lp = leaf_pw.find(x); lp != leaf_pw.end()) mix((uint64_t(1) << 40) + lp->second);
      }
    }
    shape ^= shape >> 29;  // the low bits depend on every branch
    const uint32_t version = versions ? (*versions)[slot].of(shape) : uint32_t(shape % kTreeVersions);
    // Each router on the tree but the root has a label for the P2MP FEC
    // (root, VSI) and advertises it upstream: the slot's label of this version.
    auto tree_label = [&](uint32_t x) {
      return plan.router_at(x).labels.first + uint32_t(plan.fec_count()) + kTreeVersions * slot + version;
    };
    P2mpTree info;
    if (trees) {
      info.service = svc.name;
      info.root = plan.router_at(root).name;
      for (uint32_t l : leaves) info.leaves.push_back(plan.router_at(l).name);
    }
    for (uint32_t x : touched) {
      auto& kids = children[x];
      std::sort(kids.begin(), kids.end());
      ServiceTables& t = out[x];
      ReplicationGroup g;
      g.id = 1 + slot;
      for (uint16_t p : kids) {
        const LinkPort& lp = plan.routers[x].ports[p];
        Nhlfe n;
        n.id = plan.ids.service_nhlfe_base + slot * plan.ids.port_stride + p;
        n.op = x == root ? NhlfeOp::push : NhlfeOp::swap;
        n.labels.push_back(tree_label(lp.peer));
        n.out_port = lp.name;
        n.next_hop_mac = plan.routers[lp.peer].ports[lp.peer_port].mac;
        g.nhlfes.push_back(n.id);
        t.nhlfes.push_back(std::move(n));
        if (trees) info.links.emplace_back(plan.router_at(x).name, plan.router_at(lp.peer).name);
      }
      if (x == root) {
        auto it = bd_at.find(root);
        if (it != bd_at.end()) t.bridge_domains[it->second].p2mp_group = g.id;
      } else {
        auto lp = leaf_pw.find(x);
        if (lp != leaf_pw.end()) g.local_pseudowire = lp->second;
        t.ilm.push_back({tree_label(x), IlmAction::replicate, g.id});
      }
      t.replication_groups.push_back(std::move(g));
      kids.clear();
    }
    if (trees) trees->push_back(std::move(info));
  }
};

}  // namespace

uint32_t TreeVersion::of(uint64_t s) {
  if (clock == 0) {  // the slot's first tree
    current = uint32_t(s % kTreeVersions);
  } else {
    uint32_t v = kTreeVersions;
    for (uint32_t i = 0; i < kTreeVersions; ++i)
      if (taken[i] && shape[i] == s) v = i;
    if (v == current) return current;
    if (v == kTreeVersions) {  // a new shape: the least recently used other version
      for (uint32_t i = 0; i < kTreeVersions; ++i)
        if (i != current && (v == kTreeVersions || taken[i] < taken[v])) v = i;
    }
    current = v;
  }
  shape[current] = s;
  taken[current] = ++clock;
  return current;
}

Status emit_vpls(const ServiceContext& ctx, const std::vector<PwNegotiation>& results,
                 std::vector<ServiceTables>& out, std::vector<PwStatus>& status,
                 std::vector<P2mpTree>* trees, std::vector<uint32_t>* slots, TreeVersions* versions) {
  Emitter e{ctx, results, out, status, trees, slots, versions, {}, {}, 0};
  return e.run();
}

}  // namespace l2vpn::cp
