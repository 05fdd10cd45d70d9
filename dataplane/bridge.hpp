#pragma once
// What the Router keeps per bridge domain across table updates: the MAC
// table, the stable member ids its entries point at, and the counters and
// flood token buckets of each worker. The compiled domain in Tables points
// here; tables come and go, this stays until the domain is removed (then it
// is retired with the last tables that referenced it).

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataplane/counters.hpp"
#include "dataplane/mac_table.hpp"
#include "dataplane/tables.hpp"

namespace l2vpn::dp {

inline constexpr unsigned kBdMemberChunkBits = 6;
inline constexpr unsigned kBdMemberChunkSize = 1u << kBdMemberChunkBits;
inline constexpr unsigned kBdMemberChunks = kMaxBridgeMembers / kBdMemberChunkSize;

struct BridgeRuntime {
  struct alignas(64) PerWorker {
    BdStats stats;
    uint64_t flood_tat = 0;  // token bucket as GCRA: theoretical arrival time, ns
    std::array<BdMemberStats*, kBdMemberChunks> members{};  // made by the control thread
    MacCache macs;  // positions in `macs` (any table of this domain: only a hint)
  };

  BridgeRuntime(std::string n, unsigned workers)
      : name(std::move(n)), n_workers(workers), per_worker(new PerWorker[workers]) {}
  ~BridgeRuntime() {
    for (unsigned w = 0; w < n_workers; ++w)
      for (auto* c : per_worker[w].members) delete[] c;
  }
  BridgeRuntime(const BridgeRuntime&) = delete;
  BridgeRuntime& operator=(const BridgeRuntime&) = delete;

  BdMemberStats& member_stats(unsigned worker, uint16_t id) {
    return per_worker[worker].members[id >> kBdMemberChunkBits][id & (kBdMemberChunkSize - 1)];
  }
  // Control thread: counters for `id` exist before tables naming it are seen.
  void ensure_member_stats(uint16_t id) {
    for (unsigned w = 0; w < n_workers; ++w) {
      auto& c = per_worker[w].members[id >> kBdMemberChunkBits];
      if (!c) c = new BdMemberStats[kBdMemberChunkSize]();
    }
  }

  std::string name;
  unsigned n_workers;
  std::unique_ptr<PerWorker[]> per_worker;
  std::unique_ptr<MacTable> macs;

  // ---- control thread only
  // Member ids: "ac:<name>" or "pw:<id>" -> stable id. A removed member's id
  // is reused only after a grace period and a second flush, so that a MAC a
  // worker learned against it on old tables never points at a newcomer.
  std::unordered_map<std::string, uint16_t> ids;
  std::vector<uint16_t> free_ids;
  struct RetiredId {
    uint16_t id;
    uint64_t token;
  };
  std::deque<RetiredId> retiring;
  uint16_t next_id = 0;
  std::unordered_map<uint16_t, bool> member_up;  // at the last update
  uint64_t aged = 0, flushed = 0;
};

// What Router::update() does to the domains around publishing new tables.
struct BridgeSync {
  std::vector<std::unique_ptr<BridgeRuntime>> removed;  // retired with the old tables
  struct Member {
    BridgeRuntime* bd;
    uint16_t id;
  };
  std::vector<Member> flush;   // went down: flush after publishing
  std::vector<Member> retire;  // left the domain: flush, reuse the id after a grace period
};

// "ac:<name>" / "pw:<id>": how members are named in counters and tests.
inline std::string bd_member_name(bool is_pw, const std::string& ac, uint32_t pw_id) {
  return is_pw ? "pw:" + std::to_string(pw_id) : "ac:" + ac;
}

}  // namespace l2vpn::dp
