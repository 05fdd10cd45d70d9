#pragma once
// Packet trace, the way VPP's `trace add` works: arm it for the next N
// frames that match a filter; each stage a marked frame goes through, in
// every router of the process, writes a record into its worker's ring.
// `l2vpn ctl trace show` (telemetry /l2vpn/trace/show) merges the rings.
//
// Cost when off: process() loads one process-wide flag per burst and keeps
// it in the worker (w.trace_on); each stage hook then tests that byte, a
// branch that is never taken. When on, rx marks matching frames with an
// mbuf dynflag and a dynfield (trace id), so the next router in the
// emulator (frames cross in-process rings) traces them too; flood copies
// inherit the mark. Records go to a preallocated single-writer ring per
// worker: no allocation, no lock. The ring keeps the last kTraceRingSize
// records of each worker; older ones are overwritten.

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "contract/forwarding_state.hpp"
#include "contract/result.hpp"

namespace l2vpn::dp {

class Router;
struct TelTable;

enum class TraceStage : uint8_t {
  rx,              // a: in port, b: top label or kTraceNoLabel
  ilm,             // code: IlmKind, a: label, b: index of the hit
  nhlfe,           // code: NhlfeOp [| kTraceIlmHit [| kTraceEcmp]], a: NHLFE index,
                   // b: the ILM label with kTraceIlmHit, else 1 when an LFA backup
  pw_disposition,  // a: PW index
  ac_input,        // a: AC index
  pw_imposition,   // a: PW index
  ac_output,       // a: AC index
  bridge_learn,    // code: LearnResult, a: BD index, b: member index
  bridge_forward,  // a: BD index, b: member index it goes to
  bridge_flood,    // code: 0 unknown unicast, 1 BUM; a: BD index, b: copies
  replicate,       // a: replication group index
  drop,            // code: DropReason
  tx,              // a: out port
};

inline constexpr uint32_t kTraceNoLabel = UINT32_MAX;
// An nhlfe record of the swap fast path stands for the ILM hit too (one
// hook instead of two on the transit LSR's path: the ILM hook before the
// switch cost 9 instructions per frame when off); show prints both stages.
inline constexpr uint8_t kTraceIlmHit = 0x40;
inline constexpr uint8_t kTraceEcmp = 0x20;
inline constexpr uint32_t kTraceRingSize = 1024;  // records per worker (power of 2)

struct TraceRecord {
  uint64_t tsc;
  uint32_t frame;  // trace id
  uint8_t stage;
  uint8_t code;
  uint16_t len;    // frame length at that stage (bytes, capped)
  uint32_t a, b;
};

// One worker's records; only that worker writes.
struct TraceRing {
  std::atomic<uint64_t> head{0};
  TraceRecord rec[kTraceRingSize];
  void push(const TraceRecord& r) {
    const uint64_t h = head.load(std::memory_order_relaxed);
    rec[h & (kTraceRingSize - 1)] = r;
    head.store(h + 1, std::memory_order_release);
  }
  // The records still in the ring, oldest first (any thread).
  std::vector<TraceRecord> copy() const;
};

struct TraceFilter {
  uint32_t count = 0;              // frames to mark
  std::string router;              // only frames entering this router
  std::string port;                // only frames received on a port of this name
  std::optional<uint32_t> label;   // only frames whose top label is this
  std::optional<MacAddr> mac;      // only frames with this source or destination MAC (outer or PW payload)
};
// Parses ["N", "port=P", "label=L", "mac=M", "router=R"]. Errors name the bad item.
Result<TraceFilter> parse_trace_filter(const std::vector<std::string>& params);
std::string describe(const TraceFilter& f);

// ---- process-wide control (telemetry thread)
// Registers the mbuf dynflag/dynfield on first use (EAL up), sets the filter
// and arms. Routers must have their rings (Router::prepare_trace) before.
Status trace_arm(const TraceFilter& f);
// Stops marking and forgets the records so far (they stay in the rings but
// show no more).
void trace_disarm();
// Frames still to mark.
uint64_t trace_remaining();

// ---- fast path
namespace trace_detail {
extern std::atomic<bool> g_armed;
extern uint64_t g_flag;  // the dynflag's ol_flags bit; 0 before registration
extern int g_field;      // dynfield offset of the trace id
}  // namespace trace_detail
inline bool trace_armed() { return trace_detail::g_armed.load(std::memory_order_acquire); }
inline bool traced(const rte_mbuf* m) { return m->ol_flags & trace_detail::g_flag; }
inline uint32_t trace_id(const rte_mbuf* m) {
  return *RTE_MBUF_DYNFIELD(m, trace_detail::g_field, const uint32_t*);
}
// A flood or P2MP copy of a traced frame: same mark, same id.
inline void trace_copy_mark(const rte_mbuf* from, rte_mbuf* to) {
  if (!traced(from)) return;
  to->ol_flags |= trace_detail::g_flag;
  *RTE_MBUF_DYNFIELD(to, trace_detail::g_field, uint32_t*) = trace_id(from);
}
// rx: decides which frames of a burst to mark (filter, count left). Returns
// true for a frame that is (now or already) traced.
bool trace_mark(rte_mbuf* m, const std::string& router, const std::string& port);

// ---- reading
// Every registered router's records, merged: one row per stage of a frame
// ("stage": frame, router, stage, detail), frames in order of their id.
TelTable trace_table(const std::vector<const Router*>& routers);
std::string_view to_string(TraceStage s);

}  // namespace l2vpn::dp
