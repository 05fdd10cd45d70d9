#pragma once
// Fast tables compiled from a ForwardingState: flat, index-addressed, built
// aside by the control thread and published whole (see router.hpp). The ILM
// is a direct index over the 2^20 label space in two levels: 1,024 chunk
// pointers, each chunk 1,024 four-byte slots (one 4 KiB page). Chunks with no
// label share one all-miss chunk, so a table costs 8 KiB plus a page per
// used block of 1,024 labels, instead of 4 MiB spread over 1,024 pages.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "contract/ecmp_hash.hpp"
#include "contract/forwarding_state.hpp"
#include "contract/result.hpp"

namespace l2vpn::dp {

inline constexpr uint32_t kNone = UINT32_MAX;
inline constexpr uint32_t kIlmChunkBits = 10;
inline constexpr uint32_t kIlmChunkSize = 1u << kIlmChunkBits;
inline constexpr uint32_t kIlmChunks = kLabelSpace >> kIlmChunkBits;
inline constexpr unsigned kMaxStackDepth = 8;  // deeper stacks are dropped
inline constexpr uint16_t kMaxPorts = 256;     // per router
inline constexpr unsigned kMaxEcmpWays = 16;
inline constexpr unsigned kMaxBridgeMembers = 1024;  // per bridge domain

// ILM slot: action in the top 4 bits, index into that action's array below.
// Slot 0 is a miss, so a zeroed chunk is all-drop.
enum class IlmKind : uint8_t { miss = 0, forward, ecmp, pw, pop_lookup, replicate };
inline constexpr uint32_t ilm_slot(IlmKind k, uint32_t index) {
  return uint32_t(k) << 28 | (index & 0x0fffffff);
}
inline constexpr IlmKind ilm_kind(uint32_t slot) { return IlmKind(slot >> 28); }
inline constexpr uint32_t ilm_index(uint32_t slot) { return slot & 0x0fffffff; }

struct alignas(64) CompiledNhlfe {
  uint8_t op = 0;          // NhlfeOp
  uint8_t n_labels = 0;
  bool ttl_pipe = false;
  bool tc_set = false;
  uint8_t tc = 0;
  uint16_t out_port = 0;
  uint32_t backup = kNone;  // index of the LFA NHLFE
  uint8_t l2[12]{};         // next-hop MAC, then out port MAC: the new MAC header
  uint32_t labels[kMaxPushLabels]{};  // outermost first, host order, label<<12 only
};

struct CompiledEcmp {
  uint32_t n = 0;
  uint32_t nhlfe[kMaxEcmpWays]{};
};

struct CompiledPseudowire {
  uint32_t local_label = 0;   // key of its counters
  uint32_t remote_label = 0;
  bool up = false;
  bool control_word = false;
  bool flow_label = false;
  uint32_t mtu = 1500;
  IlmKind transport_kind = IlmKind::miss;  // forward (NHLFE) or ecmp
  uint32_t transport = kNone;
  uint32_t ac = kNone;             // VPWS: the attachment circuit it feeds
  uint32_t bridge_domain = kNone;  // VPLS
  uint32_t bd_member = kNone;      // VPLS: its index in the domain's members
};

struct CompiledAc {
  uint16_t port = 0;
  uint16_t vlan = 0;
  bool tagged = false;
  uint32_t pseudowire = kNone;
  uint32_t bridge_domain = kNone;
  uint32_t bd_member = kNone;  // VPLS: its index in the domain's members
};

struct CompiledReplication {
  std::vector<uint32_t> nhlfes;
  uint32_t local_pseudowire = kNone;
};

// A bridge-domain member (bridge port): an attachment circuit or a PW.
struct CompiledBridgeMember {
  bool is_pw = false;
  // Split-horizon group (RFC 4762): 0 = alone (ACs, each spoke PW), 1 = the
  // mesh. A flooded frame never goes back to its own member, nor from one
  // member of a group to another of the same group.
  uint8_t shg = 0;
  uint16_t id = 0;        // stable id, the MAC table's destination (Router-assigned)
  uint32_t index = kNone; // AC or PW index in these tables
};

class MacTable;
struct BridgeRuntime;

// A VPLS instance compiled: who is in it and how to flood. Its MAC table and
// counters live in the Router (BridgeRuntime) and survive table updates.
struct CompiledBridgeDomain {
  std::vector<CompiledBridgeMember> members;
  std::vector<uint32_t> member_by_id;  // stable id -> members index, kNone if none
  uint32_t aging_seconds = 300;
  uint32_t mac_limit = 4096;
  uint64_t flood_interval_ns = 0;      // token bucket: 1e9 / rate; 0: no limit
  uint64_t flood_burst_ns = 0;         // bucket depth, in time
  uint32_t p2mp_group = kNone;         // root: BUM from ACs goes on this replication group
  bool p2mp_control_word = false;      // what the tree's leaves expect
  MacTable* macs = nullptr;            // set by the Router before publishing
  BridgeRuntime* runtime = nullptr;    // ditto
};

// An FTN entry for IPv4 destinations: frames the kernel writes into an
// exception tap (`l2vpn node`, router.hpp set_port_exception) to an address
// of an LDP FEC leave labelled. `slot` as an ILM slot: forward or ecmp.
struct CompiledFtn {
  uint32_t addr = 0;  // host order, masked
  uint32_t mask = 0;
  uint32_t slot = 0;
};

struct CompiledPort {
  uint32_t mtu = 1500;
  uint8_t mac[6]{};
  bool has_acs = false;
  uint32_t port_based_ac = kNone;      // an AC that takes the whole port
  std::vector<uint32_t> ac_by_vid;     // 4096 entries when VLAN ACs exist
};

class Tables {
 public:
  Tables();
  ~Tables();
  Tables(const Tables&) = delete;
  Tables& operator=(const Tables&) = delete;

  uint32_t ilm_lookup(uint32_t label) const {
    return ilm_[label >> kIlmChunkBits][label & (kIlmChunkSize - 1)];
  }

  // The fast path's first reads (port, NHLFE, pseudowire) share a line.
  std::vector<CompiledPort> ports;
  std::vector<CompiledNhlfe> nhlfes;
  std::vector<CompiledPseudowire> pseudowires;
  std::vector<CompiledEcmp> ecmp_groups;
  std::vector<CompiledAc> acs;
  std::vector<CompiledReplication> replications;
  std::vector<CompiledBridgeDomain> bridge_domains;
  std::vector<uint32_t> ilm_labels;  // labels installed, for counters and show
  // Mixed into every ECMP choice (contract/ecmp_hash.hpp): this router's
  // own split, so that consecutive ECMP routers do not polarize.
  uint32_t ecmp_seed = 0;

  // FTN by IPv4 destination: /32 FECs sorted by address (binary search),
  // shorter prefixes longest first (scanned). Entries whose FEC is not an
  // IPv4 prefix or whose NHLFEs do not all push are left out.
  std::vector<CompiledFtn> ftn_host;
  std::vector<CompiledFtn> ftn_prefix;
  // The FTN slot for `dst` (host order), 0 (miss) when none.
  uint32_t ftn_lookup(uint32_t dst) const {
    size_t lo = 0, hi = ftn_host.size();
    while (lo < hi) {
      const size_t mid = (lo + hi) / 2;
      if (ftn_host[mid].addr < dst) lo = mid + 1;
      else hi = mid;
    }
    if (lo < ftn_host.size() && ftn_host[lo].addr == dst) return ftn_host[lo].slot;
    for (const auto& f : ftn_prefix)
      if ((dst & f.mask) == f.addr) return f.slot;
    return 0;
  }

  // Which ILM chunks hold labels (counters need a chunk there too).
  bool chunk_used(uint32_t chunk) const { return ilm_[chunk] != miss_chunk_; }
  size_t memory_bytes() const;

  // Control thread only: build one.
  void ilm_set(uint32_t label, uint32_t slot);

 private:
  std::array<uint32_t*, kIlmChunks> ilm_{};
  uint32_t* miss_chunk_ = nullptr;
  size_t chunks_allocated_ = 0;
};

// The seed compile_tables() gives a router's ECMP choices.
inline uint32_t ecmp_seed_of(const ForwardingState& s) {
  return ecmp_seed(s.router_id.empty() ? s.router : s.router_id);
}

// Compiles `state` for a router whose port names map to indexes by
// `port_index`. Errors name the router and the object.
Result<std::unique_ptr<Tables>> compile_tables(
    const ForwardingState& state, const std::unordered_map<std::string, uint16_t>& port_index);

}  // namespace l2vpn::dp
