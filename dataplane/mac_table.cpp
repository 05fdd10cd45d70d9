#include "dataplane/mac_table.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>

namespace l2vpn::dp {

namespace {
std::atomic<uint32_t> g_table_seq{0};

int key8_cmp(const void* a, const void* b, size_t) {
  uint64_t x, y;
  std::memcpy(&x, a, 8);
  std::memcpy(&y, b, 8);
  return x != y;
}
}  // namespace

Result<std::unique_ptr<MacTable>> MacTable::create(uint32_t capacity, Rcu& rcu, MacBudget* budget) {
  if (capacity == 0) return Error{"MAC table: capacity 0"};
  if (capacity > (1u << 24)) return Error{fmt::format("MAC table: capacity {} above 2^24", capacity)};
  std::string name = fmt::format("mac{}", g_table_seq.fetch_add(1));
  rte_hash_parameters p{};
  p.name = name.c_str();
  p.entries = capacity < 16 ? 16 : capacity;
  p.key_len = sizeof(uint64_t);
  p.hash_func = rte_hash_crc;
  p.hash_func_init_val = 0x5a17c0de;
  p.socket_id = SOCKET_ID_ANY;
  // LF: readers never lock, deleted positions stay allocated until we free
  // them after a grace period. Multi-writer: several workers may learn.
  // Ext table: the hash holds `entries` keys whatever their buckets.
  p.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD |
                 RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
  rte_hash* h = rte_hash_create(&p);
  if (!h)
    return Error{fmt::format("MAC table '{}' ({} entries): rte_hash_create failed: {}", name,
                             capacity, rte_strerror(rte_errno))};
  rte_hash_set_cmp_func(h, key8_cmp);
  return std::unique_ptr<MacTable>(new MacTable(h, capacity, rcu, budget));
}

MacTable::MacTable(rte_hash* h, uint32_t capacity, Rcu& rcu, MacBudget* budget)
    : h_(h), capacity_(capacity), rcu_(rcu), budget_(budget) {
  n_entries_ = uint32_t(rte_hash_max_key_id(h)) + 1;
  entries_.reset(new MacEntry[n_entries_]);
}

MacTable::~MacTable() {
  // Whoever destroys a table has waited for the grace period of the tables
  // that referenced it: nobody reads it now.
  if (budget_) budget_->learned.fetch_sub(learned_.load(), std::memory_order_relaxed);
  rte_hash_free(h_);
}

// Test seam (tests/dataplane/test_mac_table.cpp): called on the learning
// slow path between the limit checks and the insert, where a second worker
// learning at the same moment matters. Always nullptr outside tests.
void (*g_mac_learn_window)() = nullptr;

LearnResult MacTable::learn_slow(uint64_t key, int32_t pos, uint16_t member, uint32_t now) {
  if (pos >= 0) {
    MacEntry& e = entries_[size_t(pos)];
    if (e.key.load(std::memory_order_acquire) == key) {
      uint32_t d = e.dest.load(std::memory_order_relaxed);
      if (!(d & kMacDead)) {
        if (e.last_seen.load(std::memory_order_relaxed) != now)
          e.last_seen.store(now, std::memory_order_relaxed);
        if ((d & kMacMemberMask) == member) return LearnResult::known;
        if (d & kMacStatic) return LearnResult::static_kept;
        // A MAC move. CAS so that a concurrent delete (dead bit) wins.
        return e.dest.compare_exchange_strong(d, member, std::memory_order_relaxed)
                   ? LearnResult::moved
                   : LearnResult::known;
      }
    }
  }
  // Limits first: reserve a slot in the domain's count and the router's
  // budget before inserting, so that workers learning at once never pass
  // either limit (a check then an increment let each of them pass it by
  // one); a reservation that is not used is given back.
  if (learned_.fetch_add(1, std::memory_order_relaxed) >= limit_.load(std::memory_order_relaxed)) {
    learned_.fetch_sub(1, std::memory_order_relaxed);
    return LearnResult::bd_limit;
  }
  if (budget_ &&
      budget_->learned.fetch_add(1, std::memory_order_relaxed) >= budget_->limit.load(std::memory_order_relaxed)) {
    budget_->learned.fetch_sub(1, std::memory_order_relaxed);
    learned_.fetch_sub(1, std::memory_order_relaxed);
    return LearnResult::global_limit;
  }
  if (g_mac_learn_window) [[unlikely]]
    g_mac_learn_window();
  const LearnResult r = insert(key, member, now);
  if (r != LearnResult::learned) {
    learned_.fetch_sub(1, std::memory_order_relaxed);
    if (budget_) budget_->learned.fetch_sub(1, std::memory_order_relaxed);
  }
  return r;
}

LearnResult MacTable::insert(uint64_t key, uint16_t member, uint32_t now) {
  int32_t p = rte_hash_add_key(h_, &key);
  if (p < 0 || uint32_t(p) >= n_entries_) return LearnResult::table_full;
  MacEntry& e = entries_[size_t(p)];
  // The key is already here: another worker added it a moment ago (and
  // counted it), or the control thread is deleting it (dead bit set, key not
  // yet out of the hash, position queued for freeing). Writing `dest` then
  // would clear the dead bit and resurrect an entry that is freed later, so
  // a flush would delete it twice. Leave it; the next frame learns again.
  if (e.key.load(std::memory_order_acquire) == key) return LearnResult::known;
  // A fresh position has dest 0 (reclaim resets it): take it only from that
  // state, so a concurrent delete's dead bit always wins.
  uint32_t fresh = 0;
  if (!e.dest.compare_exchange_strong(fresh, member, std::memory_order_relaxed))
    return LearnResult::known;
  e.last_seen.store(now, std::memory_order_relaxed);
  // Another worker may have added the same key a moment ago (same
  // position): count it once.
  if (e.key.exchange(key, std::memory_order_acq_rel) == key) return LearnResult::known;
  return LearnResult::learned;  // counted by the reservation in learn_slow()
}

bool MacTable::remove_at(uint32_t pos, uint64_t key, std::vector<uint32_t>& freed) {
  MacEntry& e = entries_[pos];
  uint32_t d = e.dest.fetch_or(kMacDead, std::memory_order_relaxed);
  if (d & kMacDead) return false;
  int32_t r = rte_hash_del_key(h_, &key);
  // Not expected: the key lives at another position. Free that one too.
  if (r >= 0 && uint32_t(r) != pos) freed.push_back(uint32_t(r));
  freed.push_back(pos);
  if (!(d & kMacStatic)) {
    learned_.fetch_sub(1, std::memory_order_relaxed);
    if (budget_) budget_->learned.fetch_sub(1, std::memory_order_relaxed);
  }
  return true;
}

void MacTable::defer_free(const std::vector<uint32_t>& freed) {
  if (freed.empty()) return;
  // The token is taken after the deletes: its grace period covers every
  // reader that could still have found one of these positions.
  uint64_t token = rcu_.start();
  for (auto p : freed) pending_.push_back({p, token});
}

template <class Pred>
unsigned MacTable::remove_if(Pred pred) {
  unsigned n = 0;
  std::vector<uint32_t> freed;
  for (uint32_t i = 0; i < n_entries_; ++i) {
    MacEntry& e = entries_[i];
    uint64_t key = e.key.load(std::memory_order_acquire);
    if (!key) continue;
    uint32_t d = e.dest.load(std::memory_order_relaxed);
    if (d & kMacDead) continue;
    if (!pred(e, d)) continue;
    n += remove_at(i, key, freed);
  }
  defer_free(freed);
  reclaim();
  return n;
}

unsigned MacTable::age(uint32_t now, uint32_t aging_seconds) {
  return remove_if([&](MacEntry& e, uint32_t d) {
    return !(d & kMacStatic) &&
           now - e.last_seen.load(std::memory_order_relaxed) >= aging_seconds;
  });
}

unsigned MacTable::flush_member(uint16_t member) {
  return remove_if([&](MacEntry&, uint32_t d) {
    return !(d & kMacStatic) && (d & kMacMemberMask) == member;
  });
}

unsigned MacTable::flush_learned() {
  return remove_if([&](MacEntry&, uint32_t d) { return !(d & kMacStatic); });
}

unsigned MacTable::flush_learned_except(uint16_t keep) {
  return remove_if([&](MacEntry&, uint32_t d) {
    return !(d & kMacStatic) && (d & kMacMemberMask) != keep;
  });
}

unsigned MacTable::flush_keys(const std::vector<uint64_t>& keys) {
  return remove_if([&](MacEntry& e, uint32_t d) {
    if (d & kMacStatic) return false;
    const uint64_t k = e.key.load(std::memory_order_relaxed);
    return std::find(keys.begin(), keys.end(), k) != keys.end();
  });
}

Status MacTable::set_statics(const std::unordered_map<uint64_t, uint16_t>& want) {
  // Statics no longer wanted: delete.
  std::vector<uint32_t> freed;
  for (auto it = statics_.begin(); it != statics_.end();) {
    if (want.count(it->first)) {
      ++it;
      continue;
    }
    int32_t p = rte_hash_lookup(h_, &it->first);
    if (p >= 0) remove_at(uint32_t(p), it->first, freed);
    it = statics_.erase(it);
  }
  defer_free(freed);
  for (auto& [key, member] : want) {
    int32_t p = rte_hash_lookup(h_, &key);
    if (p >= 0) {
      MacEntry& e = entries_[size_t(p)];
      uint32_t d = e.dest.load(std::memory_order_relaxed);
      if (!(d & kMacDead) && e.key.load() == key) {
        if (!(d & kMacStatic)) {
          // A learned entry becomes static: it leaves the learned count.
          learned_.fetch_sub(1, std::memory_order_relaxed);
          if (budget_) budget_->learned.fetch_sub(1, std::memory_order_relaxed);
        }
        e.dest.store(kMacStatic | member, std::memory_order_relaxed);
        statics_[key] = member;
        continue;
      }
    }
    p = rte_hash_add_key(h_, &key);
    if (p < 0 || uint32_t(p) >= n_entries_)
      return Error{fmt::format("MAC table: no room for static entry (capacity {})", capacity_)};
    MacEntry& e = entries_[size_t(p)];
    e.last_seen.store(0, std::memory_order_relaxed);
    e.dest.store(kMacStatic | member, std::memory_order_relaxed);
    e.key.store(key, std::memory_order_release);
    statics_[key] = member;
  }
  return Status::success();
}

void MacTable::reclaim(bool wait) {
  while (!pending_.empty()) {
    auto& f = pending_.front();
    if (wait)
      rcu_.wait(f.token);
    else if (!rcu_.done(f.token))
      break;
    MacEntry& e = entries_[f.pos];
    e.key.store(0, std::memory_order_relaxed);
    e.dest.store(0, std::memory_order_relaxed);
    rte_hash_free_key_with_position(h_, int32_t(f.pos));
    pending_.pop_front();
  }
}

std::vector<MacTable::Snapshot> MacTable::snapshot() const {
  std::vector<Snapshot> out;
  for (uint32_t i = 0; i < n_entries_; ++i) {
    auto& e = entries_[i];
    uint64_t k = e.key.load(std::memory_order_acquire);
    uint32_t d = e.dest.load(std::memory_order_relaxed);
    if (!k || (d & kMacDead)) continue;
    out.push_back({k, uint16_t(d & kMacMemberMask), bool(d & kMacStatic),
                   e.last_seen.load(std::memory_order_relaxed)});
  }
  return out;
}

}  // namespace l2vpn::dp
