#pragma once
// One label-switching router: its ports, its published tables and its
// counters. The same code runs in the emulator (ring ports), on veths and
// taps (af_packet/tap ethdevs) and on NICs: only the PortIo differs.
//
// Threads: one control thread calls update()/set_port_up()/reclaim(); each
// worker (lcore) calls poll(worker) or process(worker, ...) for its own
// queues and reports quiescent states to the Rcu between bursts.

#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "contract/forwarding_state.hpp"
#include "dataplane/bridge.hpp"
#include "dataplane/clock.hpp"
#include "dataplane/counters.hpp"
#include "dataplane/oam_punt.hpp"
#include "dataplane/packet.hpp"
#include "dataplane/port.hpp"
#include "dataplane/rcu.hpp"
#include "dataplane/tables.hpp"
#include "dataplane/trace.hpp"

namespace l2vpn::dp {

inline constexpr uint16_t kBurst = 32;
// What every stage may parse, rewrite or prepend to, at most: the MAC header
// and two tags, 8 labels, a control word, the customer's MAC header and
// tags, its IPv4 header and ports (the imposition flow hash).
inline constexpr uint32_t kHeaderPull = 128;
// Makes the first min(want, pkt_len) bytes of a chained frame contiguous in
// its first segment, moving bytes from the segments after it (or, when the
// first is shared or full, from a fresh segment put in front). The rest
// stays chained: a jumbo frame is never linearised. Returns the frame's
// (possibly new) head, or nullptr, the frame freed, when no mbuf was left.
rte_mbuf* pull_headers(rte_mbuf* m, uint32_t want);
// No label was popped before the one being forwarded (a TTL is 0..255).
inline constexpr uint16_t kNoPoppedTtl = 0x100;
// RFC 3032 2.4.1: the incoming TTL is the top entry's on receipt, also when
// that entry was popped (explicit null, ELI, pop_and_lookup) before the
// lookup that forwards. Uniform: the lower of it and the exposed label's
// TTL (never raised); pipe: the popped one.
inline uint8_t incoming_ttl(uint32_t top, uint16_t popped_ttl, bool pipe) {
  if (popped_ttl == kNoPoppedTtl) return lse::ttl(top);
  if (pipe) return uint8_t(popped_ttl);
  return lse::ttl(top) < popped_ttl ? lse::ttl(top) : uint8_t(popped_ttl);
}

// A stage's trace record (trace.hpp): a test of a worker-local byte that is
// false unless tracing is armed; the record is written out of line.
#define L2VPN_TRACE(w, m, stage, code, a, b) \
  do {                                        \
    if ((w).trace_on) [[unlikely]]            \
      trace_stage((w), (m), (stage), uint8_t(code), uint32_t(a), uint32_t(b)); \
  } while (0)

class Router {
 public:
  Router(std::string name, Rcu& rcu, unsigned workers = 1);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  const std::string& name() const { return name_; }
  unsigned workers() const { return unsigned(workers_.size()); }

  // Ports are attached once, before traffic; index = attach order. A port
  // may have one PortIo per worker (one queue each) or only some.
  uint16_t add_port(const std::string& name);
  void set_port_io(uint16_t port, unsigned worker, std::unique_ptr<PortIo> io);
  int port_index(const std::string& name) const;
  const std::vector<std::string>& port_names() const { return port_names_; }

  // Compiles `state` aside and publishes it; the old tables are freed after
  // a grace period. Traffic keeps flowing throughout.
  Status update(const ForwardingState& state);
  const ForwardingState& state() const { return state_; }
  // Frees retired tables whose grace period has passed (call now and then).
  void reclaim();
  // Waits for every grace period, then frees (shutdown, tests).
  void reclaim_all();
  size_t retired_tables() const { return retired_.size(); }
  size_t table_memory_bytes() const;

  // A port the kernel shares (af_packet or a veth beside the kernel's own
  // stack, `l2vpn node`): the kernel receives every frame too and carries
  // the control traffic (LDP, ARP, the IGP). On such a core port, frames
  // that are not MPLS are left to it (PortStats::to_kernel), not dropped;
  // frames with `own_mac` as source are the kernel's own transmissions,
  // which af_packet also delivers (PACKET_OUTGOING): ignored on any such
  // port (kernel_tx_seen), never forwarded. Control thread, before traffic.
  void set_port_kernel(uint16_t port, const MacAddr& own_mac);
  bool port_kernel(uint16_t port) const { return port < kMaxPorts && kernel_ports_[port].shared; }

  // An exception path, as VPP's linux-cp: `phy` is a port the fast path
  // alone owns (a NIC, a device bound with `l2vpn node --bind`), `tap` the
  // kernel interface that stands for it (same name, same MAC). From phy,
  // frames that are not MPLS go into the tap (PortStats::punted); frames
  // with `phy_mac` as source are our own seen leaving (kernel_tx_seen).
  // What the kernel writes into the tap leaves by phy as written, except
  // IPv4 to a destination with an FTN entry (Tables::ftn_lookup): the FTN's
  // labels pushed, out of its NHLFE, ECMP and LFA as for labelled frames
  // (PortStats::ftn_labelled on the tap). So the kernel's own IP traffic
  // (LDP sessions to remote peers, a ping to a far loopback) is labelled.
  // Control thread, before traffic.
  void set_port_exception(uint16_t phy, uint16_t tap, const MacAddr& phy_mac);
  // The tap of `phy`, or -1.
  int port_exception_tap(uint16_t port) const {
    return port < kMaxPorts && kernel_ports_[port].tap != kNoPort ? kernel_ports_[port].tap : -1;
  }
  bool port_is_exception_tap(uint16_t port) const {
    return port < kMaxPorts && kernel_ports_[port].phy != kNoPort;
  }

  // PHP onto an IP packet (an LDP IPv4 FEC at the penultimate hop, `l2vpn
  // node`): a pop that empties the stack sends the packet below on, with
  // the Ethernet type its version nibble names (IPv4: TTL per RFC 3443,
  // header checksum updated). Off (the emulator: every LSP carries
  // pseudowires), such frames are dropped as ip_payload_not_served.
  void set_php_to_ip(bool on) { php_to_ip_ = on; }

  // Link state: traffic to a down port goes to the NHLFE's LFA backup.
  void set_port_up(uint16_t port, bool up) { port_up_[port].store(up, std::memory_order_relaxed); }
  bool port_up(uint16_t port) const { return port_up_[port].load(std::memory_order_relaxed); }

  // ---- hot path
  // Receives a burst from each of the worker's ports, forwards, flushes.
  unsigned poll(unsigned worker);
  // Forwards frames received on `in_port`; output is buffered per port
  // until flush() (poll() flushes by itself).
  void process(unsigned worker, uint16_t in_port, rte_mbuf** pkts, uint16_t n);
  void flush(unsigned worker);
  // Hint: the next burst goes to this router (the emulator knows it one
  // hop ahead). Prefetches the lines process() reads first.
  void prefetch_hot(unsigned worker) const {
    rte_prefetch0(this);
    const Worker* w = workers_[worker].get();
    rte_prefetch0(w);
    rte_prefetch0(reinterpret_cast<const char*>(w) + 64);
    rte_prefetch0(tables_.load(std::memory_order_relaxed));
  }
  // The second step, once those lines are in: the in port's counters and
  // compiled port.
  void prefetch_port(unsigned worker, uint16_t port) const {
    const Worker* w = workers_[worker].get();
    if (port < w->ports.size()) rte_prefetch0(&w->ports[port]);
    if (const Tables* t = tables_.load(std::memory_order_relaxed); t && port < t->ports.size())
      rte_prefetch0(&t->ports[port]);
  }

  // ---- counters (summed over workers)
  RouterStats stats() const;
  PortStats port_stats(uint16_t port) const;
  LabelStats label_stats(uint32_t label) const;

  // ---- VPLS (control thread; see docs/vpls.md)
  // Time as the fast path sees it (aging, flood rate limit). Tests make it manual.
  Clock& clock() { return clock_; }
  // Ages every domain's MAC table at the clock's now; returns entries removed.
  unsigned age_macs();
  // LDP MAC withdraw: removes what `bd` learned over PW `pseudowire` (an id
  // of the state), or everything it learned. Returns entries removed.
  unsigned flush_macs(const std::string& bd, std::optional<uint32_t> pseudowire = std::nullopt);
  // LDP MAC withdraw received over PW `from` (RFC 4762 6.2): with no `macs`,
  // removes what `bd` learned anywhere but over `from`; else those MACs.
  // Safe while traffic flows (positions freed after the grace period).
  unsigned withdraw_macs(const std::string& bd, uint32_t from, const std::vector<MacAddr>& macs);
  // Router-wide cap on learned MACs over all domains (default 2^20).
  void set_global_mac_limit(uint64_t limit) { mac_budget_.limit.store(limit); }
  uint64_t global_macs_learned() const { return mac_budget_.learned.load(); }
  // Pool for flood and P2MP replicas (a header mbuf + an indirect mbuf per
  // copy); default: the pool of the frame being replicated.
  void set_replica_pool(rte_mempool* mp) { replica_pool_ = mp; }
  BdStats bd_stats(const std::string& bd) const;
  // `member`: "ac:<name>" or "pw:<id>".
  BdMemberStats bd_member_stats(const std::string& bd, const std::string& member) const;
  const MacTable* mac_table(const std::string& bd) const;
  // The member a MAC is behind ("ac:<name>" / "pw:<id>"), if known.
  std::optional<std::string> mac_owner(const std::string& bd, const MacAddr& mac) const;

  // ---- observers on other threads (telemetry, metrics): hold this while
  // reading state(), ports, bridge domains and counters. update(), add_port()
  // and reclaim*() hold it; the hot path never takes it.
  std::unique_lock<std::recursive_mutex> observe_lock() const {
    return std::unique_lock<std::recursive_mutex>(observe_mu_);
  }
  // ---- OAM punt (oam_punt.cpp, docs/oam.md); off by default
  // Control thread, before traffic: makes the punt and send rings.
  Status enable_oam_punt(const OamPuntConfig& config);
  bool oam_punt_enabled() const { return oam_ != nullptr; }
  // Control thread: up to `n` punted frames (whole, Ethernet header first),
  // oldest first; the caller frees them. Returns how many.
  unsigned drain_oam(rte_mbuf** frames, OamPuntReason* reasons, unsigned n);
  // Control thread: a whole frame to leave on `port`, sent at worker 0's
  // next flush(). False (and the frame freed) when the ring is full.
  bool send_oam(uint16_t port, rte_mbuf* m);

  // ---- packet trace (trace.hpp; any thread)
  // Gives every worker its trace ring (once; before trace_arm()).
  void prepare_trace() const;
  // A copy of each worker's ring.
  std::vector<std::vector<TraceRecord>> trace_records() const;

 private:
  struct TxBuffer {
    uint16_t n = 0;
    bool listed = false;  // in the worker's tx_listed
    rte_mbuf* pkts[kBurst];
  };
  struct BridgeItem {
    rte_mbuf* m;
    uint32_t bd;
    uint32_t member;  // index in the compiled domain's members
    uint8_t pcp;
  };
  // Hot fields first: a burst touches the first two lines of its worker
  // (flags, the vectors' heads, rx/forwarded), not six lines kilobytes
  // apart (the emulator runs hundreds of routers: each miss counts).
  struct alignas(64) Worker {
    bool trace_on = false;  // tracing armed at this burst's start
    uint16_t n_bridge = 0;  // frames waiting for the bridge stage (bulk lookups)
    uint16_t n_tx_listed = 0;
    unsigned index = 0;
    std::vector<PortStats> ports;
    std::vector<TxBuffer> tx;
    // Ports sent to since the last flush(), in first-send order: flush()
    // visits these, not every port (a PE may have hundreds of ACs).
    std::vector<uint16_t> tx_listed;  // sized to the ports: never grows here
    std::vector<std::unique_ptr<PortIo>> io;
    RouterStats stats;
    BridgeItem bridge[kBurst];
    std::array<LabelStats*, kIlmChunks> labels{};  // chunks made by update()
    std::unique_ptr<TraceRing> trace_ring;    // made by prepare_trace()
    uint64_t oam_tat = 0;  // OAM punt token bucket (GCRA theoretical arrival time)
  };
  struct OamPuntState;  // oam_punt.cpp
  struct OamPuntFree {
    void operator()(OamPuntState* s) const;
  };
  struct Retired {
    std::unique_ptr<Tables> tables;
    uint64_t token;
    std::vector<std::unique_ptr<BridgeRuntime>> bridges;  // domains removed with these tables
  };

  // Stages, one file each: mpls_forward.cpp, pw_imposition.cpp, pw_disposition.cpp.
  void mpls_input(const Tables& t, Worker& w, rte_mbuf* m);
  // `popped_ttl`: the lowest TTL of the entries popped before `top` (explicit
  // null, ELI, our own pop_and_lookup label), kNoPoppedTtl when none was.
  void forward_labelled(const Tables& t, Worker& w, rte_mbuf* m, uint32_t off, uint32_t top,
                        uint32_t nhlfe, uint16_t popped_ttl = kNoPoppedTtl);
  // forward_labelled's PHP of the bottom label onto an IP packet at `ip`.
  void php_ip(const Tables& t, Worker& w, rte_mbuf* m, uint32_t ip, const CompiledNhlfe& nh,
              uint8_t out_ttl);
  void ac_input(const Tables& t, Worker& w, uint16_t in_port, rte_mbuf* m);
  // exception.cpp: a frame the kernel wrote into an exception tap.
  void tap_input(const Tables& t, Worker& w, uint16_t tap, uint16_t phy, rte_mbuf* m);
  void pw_disposition(const Tables& t, Worker& w, rte_mbuf* m, uint32_t off, uint8_t depth,
                      uint32_t pw, uint16_t popped_ttl = kNoPoppedTtl);
  // `pcp`: the PCP of a tag raw mode inserts (the PW label's TC, or the
  // customer's PCP when bridged from another AC).
  void ac_output(const Tables& t, Worker& w, rte_mbuf* m, uint32_t ac, uint8_t pcp);
  // Imposition on one PW of a frame starting at its Ethernet header (`eth`
  // parsed from `frame`, the frame's first contiguous bytes: m may be a
  // replica whose first segment is still empty).
  void pw_output(const Tables& t, Worker& w, rte_mbuf* m, uint32_t pw, uint8_t pcp,
                 const uint8_t* frame, uint32_t frame_contig, const EthernetView& eth);
  // bridge.cpp: learn, look up, forward or flood with split horizon.
  void bridge_enqueue(const Tables& t, Worker& w, rte_mbuf* m, uint32_t bd, uint32_t member,
                      uint8_t pcp) {
    w.bridge[w.n_bridge++] = {m, bd, member, pcp};
    if (w.n_bridge == kBurst) bridge_burst(t, w);
  }
  void bridge_burst(const Tables& t, Worker& w);
  void bridge_flood(const Tables& t, Worker& w, const BridgeItem& it, uint64_t now_ns);
  // `parsed`: the frame's Ethernet header if the caller has parsed it.
  void bridge_send(const Tables& t, Worker& w, rte_mbuf* m, const CompiledBridgeMember& to,
                   uint8_t pcp, const uint8_t* frame, uint32_t frame_contig,
                   const EthernetView* parsed = nullptr);
  // A copy of m sharing its data: a fresh header mbuf holding m's first
  // `header` bytes, chained to an indirect mbuf on what follows them and
  // `skip` more bytes. nullptr when the pool is empty.
  rte_mbuf* replica(rte_mbuf* m, uint32_t header, uint32_t skip);
  // mpls_forward.cpp: a P2MP branch/leaf (ILM replicate).
  void replicate_labelled(const Tables& t, Worker& w, rte_mbuf* m, uint32_t off, uint32_t top,
                          uint8_t depth, uint32_t group, uint16_t popped_ttl = kNoPoppedTtl);
  // bridge_control.cpp (control thread): before publishing `next`, give its
  // domains their runtime (MAC table, member ids, statics); after, flush
  // and retire what left or went down.
  Status sync_bridges(const ForwardingState& state, Tables& next, BridgeSync& sync);
  void finish_bridge_sync(BridgeSync& sync);
  void reclaim_bridges(bool wait);
  // Picks the NHLFE to use: the primary, its LFA when the primary's port is
  // down, or nullptr (counted port_down).
  const CompiledNhlfe* usable_nhlfe(const Tables& t, Worker& w, uint32_t index);

  // trace.cpp: marks a burst's frames, writes one stage's record.
  [[gnu::cold, gnu::noinline]] void trace_rx(Worker& w, uint16_t in_port, rte_mbuf** pkts, uint16_t n);
  [[gnu::cold, gnu::noinline]] void trace_stage(Worker& w, const rte_mbuf* m, TraceStage stage, uint8_t code,
                                                uint32_t a, uint32_t b);

  // A frame about to be dropped for `why`: the OAM punt takes it instead
  // when it is on and the frame carries OAM below the stack at `off`.
  void oam_or_drop(Worker& w, rte_mbuf* m, uint32_t off, OamPuntReason reason, DropReason why) {
    if (oam_ && oam_punt(w, m, off, reason)) [[unlikely]]
      return;
    drop(w, m, why);
  }
  [[gnu::cold, gnu::noinline]] bool oam_punt(Worker& w, rte_mbuf* m, uint32_t off, OamPuntReason reason);
  [[gnu::cold, gnu::noinline]] void oam_send_pending(Worker& w);
  // PHP of the bottom label above IPv4 (`ip` is its offset): MPLS OAM
  // (UDP 3503, BFD) leaves unlabelled toward the egress, which punts it
  // (RFC 8029 over PHP LSPs); anything else is ip_payload_not_served.
  [[gnu::cold, gnu::noinline]] void oam_php_or_drop(const Tables& t, Worker& w, rte_mbuf* m, uint32_t ip,
                                                    const CompiledNhlfe& nh, uint8_t out_ttl);
  void drop(Worker& w, rte_mbuf* m, DropReason why) {
    ++w.stats.drops[size_t(why)];
    L2VPN_TRACE(w, m, TraceStage::drop, why, 0, 0);
    rte_pktmbuf_free(m);
  }
  void send(Worker& w, uint16_t port, rte_mbuf* m) {
    auto& b = w.tx[port];
    if (!b.listed) {
      b.listed = true;
      w.tx_listed[w.n_tx_listed++] = port;
    }
    b.pkts[b.n++] = m;
    if (b.n == kBurst) flush_port(w, port);
  }
  void flush_port(Worker& w, uint16_t port);
  LabelStats& label_counter(Worker& w, uint32_t label) {
    return w.labels[label >> kIlmChunkBits][label & (kIlmChunkSize - 1)];
  }

  static constexpr uint16_t kNoPort = UINT16_MAX;
  struct KernelPort {
    bool shared = false;   // af_packet beside the kernel
    bool own_src = false;  // frames from `mac` are our own, seen leaving
    uint8_t mac[6] = {};
    uint16_t tap = kNoPort;  // an exception phy: its tap
    uint16_t phy = kNoPort;  // an exception tap: its phy
  };
  // What every burst reads, in one line.
  std::unique_ptr<std::atomic<bool>[]> port_up_;
  std::unique_ptr<KernelPort[]> kernel_ports_;
  bool php_to_ip_ = false;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<const Tables*> tables_{nullptr};
  std::string name_;
  mutable std::recursive_mutex observe_mu_;
  Rcu& rcu_;
  std::vector<std::string> port_names_;
  std::unordered_map<std::string, uint16_t> port_by_name_;
  std::unique_ptr<Tables> current_;  // owner of what tables_ points to
  std::deque<Retired> retired_;
  ForwardingState state_;
  Clock clock_;
  MacBudget mac_budget_;
  rte_mempool* replica_pool_ = nullptr;
  std::unique_ptr<OamPuntState, OamPuntFree> oam_;
  std::map<std::string, std::unique_ptr<BridgeRuntime>> bridges_;  // by domain name
};

}  // namespace l2vpn::dp
