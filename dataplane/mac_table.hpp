#pragma once
// The MAC table of one bridge domain (VSI): rte_hash in lock-free
// read/write concurrency mode, so workers look up without locks while the
// fast path learns and the control thread ages and flushes.
//
// Key: the 6-byte MAC in a zero-padded 64-bit word (key 0, the all-zero MAC,
// is never learned and marks a free entry). The hash position of a key
// indexes `entries_`: {key, destination member, last seen}. A position is
// freed only after an RCU grace period (the hash is created with
// no-free-on-delete semantics), so a reader that found a position can
// always read its entry; it checks the entry's key against its own, which
// covers an entry being (re)written under it.
//
// Writers: workers learn (rte_hash_add_key: no allocation; the hash
// serialises writers with its own lock, readers never wait) and move
// entries by compare-and-swap; the control thread adds static entries,
// ages, flushes and frees positions after the grace period.

#include <rte_hash.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "contract/result.hpp"
#include "dataplane/rcu.hpp"

namespace l2vpn::dp {

// A destination: the bridge-domain member id (stable across table updates)
// and flags.
inline constexpr uint32_t kMacMemberMask = 0xffff;
inline constexpr uint32_t kMacStatic = 1u << 31;
inline constexpr uint32_t kMacDead = 1u << 30;  // deleted, position not yet free
inline constexpr uint32_t kMacMiss = UINT32_MAX;

// Two integer loads combined in registers: a 6-byte memcpy into a zeroed
// word would cost a store-forwarding stall on every key.
inline uint64_t mac_key(const uint8_t* p) {
  uint32_t lo;
  uint16_t hi;
  std::memcpy(&lo, p, 4);
  std::memcpy(&hi, p + 4, 2);
  return uint64_t(lo) | uint64_t(hi) << 32;
}
inline bool mac_is_group(const uint8_t* p) { return p[0] & 1; }

struct MacEntry {
  std::atomic<uint64_t> key{0};
  std::atomic<uint32_t> dest{0};
  std::atomic<uint32_t> last_seen{0};  // Clock seconds
};

// Router-wide learned-MAC budget shared by all its bridge domains.
struct MacBudget {
  std::atomic<uint64_t> learned{0};
  std::atomic<uint64_t> limit{1u << 20};
};

enum class LearnResult : uint8_t {
  known,           // same member; last seen refreshed
  learned,         // new entry
  moved,           // entry now points at the new member
  static_kept,     // a static entry for this MAC is behind another member
  bd_limit,        // domain at its MAC limit: forwarded, not learned
  global_limit,    // router at its MAC limit: forwarded, not learned
  table_full,      // the hash refused the key (should not happen below capacity)
};

// A worker's direct-mapped cache of hash positions for one domain, in front
// of rte_hash: a slot holds the position where a key was last found. Only a
// hint: a hit is taken only when the entry at that position holds the key
// and is not being deleted, which (positions are freed after a grace period,
// their key cleared first) means the hash holds the key there. Anything else
// goes to rte_hash. One per worker and domain; only its worker touches it.
struct MacCache {
  static constexpr unsigned kBits = 10;
  static constexpr unsigned kSlots = 1u << kBits;
  static unsigned slot(uint64_t key) {
    return unsigned((key * 0x9e3779b97f4a7c15ull) >> (64 - kBits));
  }
  MacCache() {
    for (auto& p : pos) p = -1;
  }
  int32_t pos[kSlots];
};

class MacTable {
 public:
  // `capacity`: keys the hash holds (learned + static); `rcu`: the workers'
  // QSBR, for freeing positions; `budget`: the router-wide limit (optional).
  static Result<std::unique_ptr<MacTable>> create(uint32_t capacity, Rcu& rcu,
                                                  MacBudget* budget = nullptr);
  ~MacTable();
  MacTable(const MacTable&) = delete;
  MacTable& operator=(const MacTable&) = delete;

  uint32_t capacity() const { return capacity_; }

  // ---- fast path
  // Bulk lookup, n <= 64: pos[i] >= 0 when keys[i] is present.
  void lookup(const uint64_t* keys, unsigned n, int32_t* pos) const {
    const void* kp[64];
    for (unsigned i = 0; i < n; ++i) kp[i] = &keys[i];
    rte_hash_lookup_bulk(h_, kp, n, pos);
  }
  // The same through a worker's cache: rte_hash sees only the keys the
  // cache cannot answer. Keys of group MACs (never in the table: neither
  // learned nor static) are not looked up (pos -1).
  void lookup(const uint64_t* keys, unsigned n, int32_t* pos, MacCache& cache) const {
    uint16_t slots[64];
    for (unsigned i = 0; i < n; ++i) {
      const unsigned s = MacCache::slot(keys[i]);
      slots[i] = uint16_t(s);
      const int32_t p = cache.pos[s];
      pos[i] = p;
      if (uint32_t(p) < n_entries_) __builtin_prefetch(&entries_[size_t(p)]);
    }
    const void* kp[64];
    uint8_t miss[64];
    unsigned nm = 0;
    for (unsigned i = 0; i < n; ++i) {
      const int32_t p = pos[i];
      if (keys[i] & 1) [[unlikely]] {  // group bit: first byte's low bit
        pos[i] = -1;
        continue;
      }
      if (uint32_t(p) < n_entries_) [[likely]] {
        const MacEntry& e = entries_[size_t(p)];
        if (e.key.load(std::memory_order_acquire) == keys[i] &&
            !(e.dest.load(std::memory_order_relaxed) & kMacDead)) [[likely]]
          continue;
      }
      kp[nm] = &keys[i];
      miss[nm++] = uint8_t(i);
    }
    if (!nm) return;
    int32_t got[64];
    rte_hash_lookup_bulk(h_, kp, nm, got);
    for (unsigned j = 0; j < nm; ++j) {
      const unsigned i = miss[j];
      pos[i] = got[j];
      if (got[j] >= 0) cache.pos[slots[i]] = got[j];
    }
  }
  // The destination (member | flags) at a looked-up position, or kMacMiss.
  uint32_t dest(int32_t pos, uint64_t key) const {
    if (pos < 0) return kMacMiss;
    const MacEntry& e = entries_[size_t(pos)];
    if (e.key.load(std::memory_order_acquire) != key) return kMacMiss;
    uint32_t d = e.dest.load(std::memory_order_relaxed);
    return d & kMacDead ? kMacMiss : d;
  }
  // Learns `key` behind `member`; `pos` is the key's looked-up position.
  // The common case (known, same member) is inline and stores nothing
  // unless the second changed.
  LearnResult learn(uint64_t key, int32_t pos, uint16_t member, uint32_t now) {
    if (pos >= 0) [[likely]] {
      MacEntry& e = entries_[size_t(pos)];
      if (e.key.load(std::memory_order_acquire) == key &&
          (e.dest.load(std::memory_order_relaxed) & ~kMacStatic) == member) {
        if (e.last_seen.load(std::memory_order_relaxed) != now)
          e.last_seen.store(now, std::memory_order_relaxed);
        return LearnResult::known;
      }
    }
    return learn_slow(key, pos, member, now);
  }

  // ---- control thread
  void set_limit(uint32_t limit) { limit_.store(limit, std::memory_order_relaxed); }
  uint32_t limit() const { return limit_.load(std::memory_order_relaxed); }
  uint32_t learned() const { return learned_.load(std::memory_order_relaxed); }
  size_t statics() const { return statics_.size(); }
  // Makes the static entries exactly `want` (key -> member). Error when the
  // hash refuses one.
  Status set_statics(const std::unordered_map<uint64_t, uint16_t>& want);
  // Deletes learned entries not seen for `aging_seconds`; returns how many.
  unsigned age(uint32_t now, uint32_t aging_seconds);
  // Deletes learned entries behind `member` (LDP MAC withdraw, PW down).
  unsigned flush_member(uint16_t member);
  unsigned flush_learned();
  // LDP MAC withdraw with an empty MAC List: learned entries behind any
  // member but `keep` (the sender's PW).
  unsigned flush_learned_except(uint16_t keep);
  // LDP MAC withdraw with a MAC List: these learned entries, wherever learned.
  unsigned flush_keys(const std::vector<uint64_t>& keys);
  // Frees positions whose grace period has passed (`wait`: wait for it).
  void reclaim(bool wait = false);
  size_t pending_free() const { return pending_.size(); }

  struct Snapshot {
    uint64_t key;
    uint16_t member;
    bool is_static;
    uint32_t last_seen;
  };
  std::vector<Snapshot> snapshot() const;
  // Destination of one MAC, by a fresh lookup (tests, show).
  uint32_t find(uint64_t key) const {
    int32_t p = rte_hash_lookup(h_, &key);
    return dest(p, key);
  }

 private:
  MacTable(rte_hash* h, uint32_t capacity, Rcu& rcu, MacBudget* budget);
  LearnResult learn_slow(uint64_t key, int32_t pos, uint16_t member, uint32_t now);
  // The insert of a new key, its slot under both limits already reserved.
  LearnResult insert(uint64_t key, uint16_t member, uint32_t now);
  bool remove_at(uint32_t pos, uint64_t key, std::vector<uint32_t>& freed);
  void defer_free(const std::vector<uint32_t>& freed);
  template <class Pred>
  unsigned remove_if(Pred pred);

  rte_hash* h_;
  uint32_t capacity_;
  Rcu& rcu_;
  MacBudget* budget_;
  std::unique_ptr<MacEntry[]> entries_;
  uint32_t n_entries_ = 0;
  std::atomic<uint32_t> limit_{UINT32_MAX};
  std::atomic<uint32_t> learned_{0};
  std::unordered_map<uint64_t, uint16_t> statics_;
  struct Pending {
    uint32_t pos;
    uint64_t token;
  };
  std::deque<Pending> pending_;
};

}  // namespace l2vpn::dp
