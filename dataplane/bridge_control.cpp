// Control-thread side of VPLS: gives each compiled bridge domain its
// runtime (MAC table, stable member ids, static entries) before the tables
// are published; afterwards flushes what members left or went down; ages;
// answers counter and MAC queries.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "dataplane/router.hpp"

namespace l2vpn::dp {

namespace {
std::string member_name(const ForwardingState& s, const CompiledBridgeMember& m) {
  if (m.is_pw) return bd_member_name(true, {}, s.pseudowires[m.index].id);
  return bd_member_name(false, s.attachment_circuits[m.index].name, 0);
}
}  // namespace

Status Router::sync_bridges(const ForwardingState& s, Tables& next, BridgeSync& sync) {
  auto fail = [&](std::string msg) { return Error{fmt::format("router '{}': {}", s.router, msg)}; };
  // Domains that left: retired with the tables that still point at them.
  for (auto it = bridges_.begin(); it != bridges_.end();) {
    if (!s.find_bridge_domain(it->first)) {
      sync.removed.push_back(std::move(it->second));
      it = bridges_.erase(it);
    } else {
      ++it;
    }
  }
  for (size_t b = 0; b < s.bridge_domains.size(); ++b) {
    const BridgeDomain& bd = s.bridge_domains[b];
    CompiledBridgeDomain& c = next.bridge_domains[b];
    auto& rt = bridges_[bd.name];
    // The hash cannot grow: a larger limit means a new table (what was
    // learned is learned again).
    const uint64_t need = uint64_t(bd.mac_limit) + bd.static_macs.size();
    if (rt && rt->macs->capacity() < need) {
      sync.removed.push_back(std::move(rt));
      rt.reset();
    }
    if (!rt) {
      auto table = MacTable::create(uint32_t(std::clamp<uint64_t>(need, 64, 1u << 24)), rcu_,
                                    &mac_budget_);
      if (!table) {
        // No null runtime left behind for later updates and the destructor
        // to trip on (issue 14, failure 1: the SIGSEGV after "HASH: buckets
        // memory allocation failed").
        bridges_.erase(bd.name);
        return fail(fmt::format("bridge domain '{}': MAC table of {} entries (mac_limit {}) cannot be allocated: {}",
                                bd.name, need, bd.mac_limit, table.error().message));
      }
      rt = std::make_unique<BridgeRuntime>(bd.name, workers());
      rt->macs = std::move(table).value();
    }
    rt->macs->set_limit(bd.mac_limit);

    // Stable member ids.
    std::set<uint16_t> present;
    uint16_t max_id = 0;
    for (auto& m : c.members) {
      auto name = member_name(s, m);
      auto it = rt->ids.find(name);
      if (it == rt->ids.end()) {
        uint16_t id;
        if (!rt->free_ids.empty()) {
          id = rt->free_ids.back();
          rt->free_ids.pop_back();
        } else if (rt->next_id < kMaxBridgeMembers) {
          id = rt->next_id++;
        } else {
          return fail(fmt::format("bridge domain '{}': member ids exhausted (members churn faster "
                                  "than grace periods end)", bd.name));
        }
        it = rt->ids.emplace(name, id).first;
      }
      m.id = it->second;
      present.insert(m.id);
      max_id = std::max(max_id, m.id);
      rt->ensure_member_stats(m.id);
      // A PW that is down keeps its id; what was learned over it is flushed.
      bool up = !m.is_pw || next.pseudowires[m.index].up;
      auto was = rt->member_up.find(m.id);
      if (!up && (was == rt->member_up.end() || was->second)) sync.flush.push_back({rt.get(), m.id});
      rt->member_up[m.id] = up;
    }
    for (auto it = rt->ids.begin(); it != rt->ids.end();) {
      if (present.count(it->second)) {
        ++it;
        continue;
      }
      sync.retire.push_back({rt.get(), it->second});
      rt->member_up.erase(it->second);
      it = rt->ids.erase(it);
    }
    c.member_by_id.assign(size_t(max_id) + 1, kNone);
    for (size_t i = 0; i < c.members.size(); ++i) c.member_by_id[c.members[i].id] = uint32_t(i);

    // Static entries, by member id.
    std::unordered_map<uint64_t, uint16_t> statics;
    for (auto& sm : bd.static_macs) {
      std::string name = sm.pseudowire ? bd_member_name(true, {}, *sm.pseudowire)
                                       : bd_member_name(false, sm.attachment_circuit, 0);
      statics[mac_key(sm.mac.data())] = rt->ids.at(name);
    }
    if (auto st = rt->macs->set_statics(statics); !st)
      return fail(fmt::format("bridge domain '{}': {}", bd.name, st.error().message));
    c.macs = rt->macs.get();
    c.runtime = rt.get();
  }
  return Status::success();
}

void Router::finish_bridge_sync(BridgeSync& sync) {
  // After publishing: a worker may still learn against a member on the old
  // tables for a moment; a retired id is flushed again before reuse.
  for (auto& f : sync.flush) f.bd->flushed += f.bd->macs->flush_member(f.id);
  if (sync.retire.empty()) return;
  uint64_t token = rcu_.start();
  for (auto& r : sync.retire) {
    r.bd->flushed += r.bd->macs->flush_member(r.id);
    r.bd->retiring.push_back({r.id, token});
  }
}

void Router::reclaim_bridges(bool wait) {
  for (auto& [name, rt] : bridges_) {
    rt->macs->reclaim(wait);
    while (!rt->retiring.empty()) {
      auto& r = rt->retiring.front();
      if (wait)
        rcu_.wait(r.token);
      else if (!rcu_.done(r.token))
        break;
      rt->flushed += rt->macs->flush_member(r.id);
      rt->free_ids.push_back(r.id);
      rt->retiring.pop_front();
    }
    if (wait) rt->macs->reclaim(true);
  }
}

unsigned Router::age_macs() {
  const uint32_t now = clock_.now_seconds();
  unsigned n = 0;
  const ForwardingState& s = state_;
  for (auto& bd : s.bridge_domains) {
    auto it = bridges_.find(bd.name);
    if (it == bridges_.end()) continue;
    unsigned a = it->second->macs->age(now, bd.aging_seconds);
    it->second->aged += a;
    n += a;
  }
  return n;
}

unsigned Router::flush_macs(const std::string& bd, std::optional<uint32_t> pseudowire) {
  auto it = bridges_.find(bd);
  if (it == bridges_.end()) return 0;
  auto& rt = *it->second;
  unsigned n = 0;
  if (pseudowire) {
    auto id = rt.ids.find(bd_member_name(true, {}, *pseudowire));
    if (id == rt.ids.end()) return 0;
    n = rt.macs->flush_member(id->second);
  } else {
    n = rt.macs->flush_learned();
  }
  rt.flushed += n;
  return n;
}

unsigned Router::withdraw_macs(const std::string& bd, uint32_t from, const std::vector<MacAddr>& macs) {
  auto it = bridges_.find(bd);
  if (it == bridges_.end()) return 0;
  auto& rt = *it->second;
  unsigned n = 0;
  if (macs.empty()) {
    auto id = rt.ids.find(bd_member_name(true, {}, from));
    n = id == rt.ids.end() ? rt.macs->flush_learned() : rt.macs->flush_learned_except(id->second);
  } else {
    std::vector<uint64_t> keys;
    for (const auto& m : macs) keys.push_back(mac_key(m.data()));
    n = rt.macs->flush_keys(keys);
  }
  rt.flushed += n;
  return n;
}

BdStats Router::bd_stats(const std::string& bd) const {
  BdStats s;
  auto it = bridges_.find(bd);
  if (it == bridges_.end()) return s;
  auto& rt = *it->second;
  for (unsigned w = 0; w < rt.n_workers; ++w) s += rt.per_worker[w].stats;
  s.aged += rt.aged;
  s.flushed += rt.flushed;
  return s;
}

BdMemberStats Router::bd_member_stats(const std::string& bd, const std::string& member) const {
  BdMemberStats s;
  auto it = bridges_.find(bd);
  if (it == bridges_.end()) return s;
  auto& rt = *it->second;
  auto id = rt.ids.find(member);
  if (id == rt.ids.end()) return s;
  for (unsigned w = 0; w < rt.n_workers; ++w) s += rt.member_stats(w, id->second);
  return s;
}

const MacTable* Router::mac_table(const std::string& bd) const {
  auto it = bridges_.find(bd);
  return it == bridges_.end() ? nullptr : it->second->macs.get();
}

std::optional<std::string> Router::mac_owner(const std::string& bd, const MacAddr& mac) const {
  auto it = bridges_.find(bd);
  if (it == bridges_.end()) return std::nullopt;
  uint32_t d = it->second->macs->find(mac_key(mac.data()));
  if (d == kMacMiss) return std::nullopt;
  for (auto& [name, id] : it->second->ids)
    if (id == (d & kMacMemberMask)) return name;
  return std::nullopt;
}

}  // namespace l2vpn::dp
