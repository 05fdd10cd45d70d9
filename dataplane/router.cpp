#include "dataplane/router.hpp"

#include <fmt/format.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace l2vpn::dp {

namespace {
// A copy of a worker's counters for a reader on another thread (telemetry,
// metrics): each 64-bit word loaded whole (relaxed), never torn by the compiler.
template <class T>
T load_relaxed(const T& src) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) % sizeof(uint64_t) == 0);
  T out;
  auto* s = reinterpret_cast<const uint64_t*>(&src);
  auto* d = reinterpret_cast<uint64_t*>(&out);
  for (size_t i = 0; i < sizeof(T) / sizeof(uint64_t); ++i) d[i] = __atomic_load_n(s + i, __ATOMIC_RELAXED);
  return out;
}
}  // namespace

Router::Router(std::string name, Rcu& rcu, unsigned workers)
    : port_up_(new std::atomic<bool>[kMaxPorts]), kernel_ports_(new KernelPort[kMaxPorts]), name_(std::move(name)), rcu_(rcu) {
  for (uint16_t i = 0; i < kMaxPorts; ++i) port_up_[i].store(true);
  for (unsigned i = 0; i < (workers ? workers : 1); ++i) {
    workers_.push_back(std::make_unique<Worker>());
    workers_.back()->index = i;
  }
}

Router::~Router() {
  reclaim_all();
  for (auto& w : workers_) {
    for (auto& b : w->tx)
      for (uint16_t i = 0; i < b.n; ++i) rte_pktmbuf_free(b.pkts[i]);
    for (auto* c : w->labels) delete[] c;
  }
}

uint16_t Router::add_port(const std::string& name) {
  auto lock = observe_lock();
  if (auto it = port_by_name_.find(name); it != port_by_name_.end()) return it->second;
  if (port_names_.size() >= kMaxPorts)
    throw std::length_error(fmt::format("router '{}': more than {} ports", name_, kMaxPorts));
  auto idx = uint16_t(port_names_.size());
  port_names_.push_back(name);
  port_by_name_[name] = idx;
  for (auto& w : workers_) {
    w->ports.resize(port_names_.size());
    w->tx.resize(port_names_.size());
    w->tx_listed.resize(port_names_.size());
    w->io.resize(port_names_.size());
  }
  return idx;
}

void Router::set_port_io(uint16_t port, unsigned worker, std::unique_ptr<PortIo> io) {
  workers_.at(worker)->io.at(port) = std::move(io);
}

void Router::set_port_kernel(uint16_t port, const MacAddr& own_mac) {
  auto lock = observe_lock();
  if (port >= kMaxPorts) return;
  std::memcpy(kernel_ports_[port].mac, own_mac.data(), 6);
  kernel_ports_[port].shared = true;
  kernel_ports_[port].own_src = true;
}

void Router::set_port_exception(uint16_t phy, uint16_t tap, const MacAddr& phy_mac) {
  auto lock = observe_lock();
  if (phy >= kMaxPorts || tap >= kMaxPorts || phy == tap) return;
  std::memcpy(kernel_ports_[phy].mac, phy_mac.data(), 6);
  kernel_ports_[phy].own_src = true;
  kernel_ports_[phy].tap = tap;
  kernel_ports_[tap].phy = phy;
}

int Router::port_index(const std::string& name) const {
  auto it = port_by_name_.find(name);
  return it == port_by_name_.end() ? -1 : it->second;
}

Status Router::update(const ForwardingState& state) {
  auto lock = observe_lock();
  // Ports the state names but nobody attached still get an index: frames
  // sent there are counted as tx_full (no PortIo), never lost silently.
  for (auto& p : state.ports) add_port(p.name);
  auto compiled = compile_tables(state, port_by_name_);
  if (!compiled) return compiled.error();
  auto next = std::move(compiled).value();
  // Bridge domains: MAC tables and member ids survive; the new tables point at them.
  BridgeSync sync;
  if (auto st = sync_bridges(state, *next, sync); !st) return st;
  // Label counter chunks must exist before a table that hits them is seen.
  for (uint32_t c = 0; c < kIlmChunks; ++c)
    if (next->chunk_used(c))
      for (auto& w : workers_)
        if (!w->labels[c]) w->labels[c] = new LabelStats[kIlmChunkSize]();
  const Tables* raw = next.get();
  tables_.store(raw, std::memory_order_release);
  if (current_) retired_.push_back({std::move(current_), rcu_.start(), std::move(sync.removed)});
  current_ = std::move(next);
  state_ = state;
  finish_bridge_sync(sync);
  reclaim();
  return Status::success();
}

void Router::reclaim() {
  auto lock = observe_lock();
  while (!retired_.empty() && rcu_.done(retired_.front().token)) retired_.pop_front();
  reclaim_bridges(false);
}

void Router::reclaim_all() {
  auto lock = observe_lock();
  while (!retired_.empty()) {
    rcu_.wait(retired_.front().token);
    retired_.pop_front();
  }
  reclaim_bridges(true);
}

size_t Router::table_memory_bytes() const { return current_ ? current_->memory_bytes() : 0; }

unsigned Router::poll(unsigned worker) {
  Worker& w = *workers_[worker];
  unsigned total = 0;
  rte_mbuf* pkts[kBurst];
  for (uint16_t p = 0; p < w.io.size(); ++p) {
    auto* io = w.io[p].get();
    if (!io) continue;
    uint16_t n = io->rx_burst(pkts, kBurst);
    if (n) {
      process(worker, p, pkts, n);
      total += n;
    }
  }
  flush(worker);
  return total;
}

void Router::process(unsigned worker, uint16_t in_port, rte_mbuf** pkts, uint16_t n) {
  Worker& w = *workers_[worker];
  const Tables* t = tables_.load(std::memory_order_acquire);
  w.trace_on = trace_armed();  // the one test per burst when tracing is off
  if (w.trace_on) [[unlikely]]
    trace_rx(w, in_port, pkts, n);
  w.stats.rx_packets += n;
  auto& ps = w.ports[in_port];
  ps.rx_packets += n;
  if (!t) {
    for (uint16_t i = 0; i < n; ++i) {
      ps.rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
      drop(w, pkts[i], DropReason::unsupported_action);
    }
    return;
  }
  const CompiledPort& port = t->ports[in_port];
  const KernelPort& kp = kernel_ports_[in_port];
  if (!port.has_acs && n > 1) {
    // Core port: look every frame's top label up first and prefetch what its
    // stage will touch (NHLFE or pseudowire, label counters). The tables do
    // not fit L1 on a real LSR; the stage itself then finds them there, and
    // the burst's misses overlap instead of each frame waiting for its own.
    // Prefetch only: the stages below still decide everything. A lone
    // frame has no other miss to overlap with: it skips the extra lookup.
    for (uint16_t i = 0; i < n; ++i) {
      const rte_mbuf* m = pkts[i];
      if (m->data_len < kEtherHeaderLen + kMplsLseLen) [[unlikely]]
        continue;
      const uint32_t label =
          lse::label(load_be32(rte_pktmbuf_mtod(m, const uint8_t*) + kEtherHeaderLen));
      const uint32_t slot = t->ilm_lookup(label);
      switch (ilm_kind(slot)) {
        case IlmKind::forward:
          rte_prefetch0(&t->nhlfes[ilm_index(slot)]);
          rte_prefetch0(&label_counter(w, label));
          break;
        case IlmKind::pw:
          rte_prefetch0(&t->pseudowires[ilm_index(slot)]);
          rte_prefetch0(&label_counter(w, label));
          break;
        default:
          break;
      }
    }
  }
  constexpr uint16_t kAhead = 4;
  if (n > 1)
    for (uint16_t i = 0; i < n && i < kAhead; ++i) rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
  for (uint16_t i = 0; i < n; ++i) {
    if (i + kAhead < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[i + kAhead], void*));
    rte_mbuf* m = pkts[i];
    ps.rx_bytes += rte_pktmbuf_pkt_len(m);
    if (m->next && m->data_len < kHeaderPull) [[unlikely]] {
      // A chained frame (a flood or P2MP replica handed over by a router in
      // this process, a jumbo scattered over 2 KiB buffers) stays chained
      // through every stage: only its headers must be in the first
      // segment, where the stages parse, rewrite and prepend.
      m = pull_headers(m, kHeaderPull);
      if (!m) {
        ++w.stats.drops[size_t(DropReason::no_headroom)];
        continue;
      }
    }
    if (m->data_len < kEtherHeaderLen) {
      drop(w, m, DropReason::truncated);
      continue;
    }
    if (kp.own_src && std::memcmp(rte_pktmbuf_mtod(m, const uint8_t*) + 6, kp.mac, 6) == 0) [[unlikely]] {
      // The kernel's own frame leaving the port (af_packet sees outgoing
      // frames): it is on its way out already.
      ++ps.kernel_tx_seen;
      ++w.stats.kernel_tx_seen;
      rte_pktmbuf_free(m);
      continue;
    }
    if (kp.phy != kNoPort) [[unlikely]] {
      tap_input(*t, w, in_port, kp.phy, m);  // the kernel's frame, from an exception tap
      continue;
    }
    // A port is either customer-facing (it has ACs: every frame is customer
    // traffic, even MPLS) or core-facing (only labelled frames).
    if (port.has_acs) {
      ac_input(*t, w, in_port, m);
    } else if (load_be16(rte_pktmbuf_mtod(m, const uint8_t*) + 12) == kEtherTypeMpls) {
      mpls_input(*t, w, m);
    } else if (kp.tap != kNoPort) {
      // A port the fast path owns: the kernel sees it through its tap.
      ++ps.punted;
      send(w, kp.tap, m);
    } else if (kp.shared) {
      // An echo request to 127/8 after PHP (the kernel drops it): the OAM punt's.
      if (oam_ && m->data_len > kEtherHeaderLen &&
          load_be16(rte_pktmbuf_mtod(m, const uint8_t*) + 12) == kEtherTypeIpv4 &&
          lsp_ping_to_loopback_net(rte_pktmbuf_mtod(m, const uint8_t*) + kEtherHeaderLen,
                                   m->data_len - kEtherHeaderLen) &&
          oam_punt(w, m, kEtherHeaderLen, OamPuntReason::unlabelled)) [[unlikely]]
        continue;
      // IPv4, ARP, the IGP, LDP: the kernel received its own copy.
      ++ps.to_kernel;
      ++w.stats.to_kernel;
      rte_pktmbuf_free(m);
    } else {
      oam_or_drop(w, m, kEtherHeaderLen, OamPuntReason::unlabelled, DropReason::not_mpls);
    }
  }
  if (w.n_bridge) bridge_burst(*t, w);
}

rte_mbuf* pull_headers(rte_mbuf* m, uint32_t want) {
  if (want > m->pkt_len) want = m->pkt_len;
  if (m->data_len >= want) return m;
  rte_mbuf* h = m;
  // Bytes can be moved into the first segment only if it is ours alone,
  // with room after its data; otherwise a fresh segment goes in front.
  if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1 ||
      rte_pktmbuf_tailroom(m) < want - m->data_len) {
    h = rte_pktmbuf_alloc(m->pool);
    if (!h) [[unlikely]] {
      rte_pktmbuf_free(m);
      return nullptr;
    }
    if (rte_pktmbuf_tailroom(h) < want) [[unlikely]] {
      rte_pktmbuf_free(h);
      rte_pktmbuf_free(m);
      return nullptr;
    }
    h->port = m->port;
    h->ol_flags = m->ol_flags & ~(RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL);
    h->packet_type = m->packet_type;
    h->hash = m->hash;
    rte_mbuf_dynfield_copy(h, m);  // the trace mark travels with the frame
    h->next = m;
    h->nb_segs = uint16_t(m->nb_segs + 1);
    h->pkt_len = m->pkt_len;
    m->pkt_len = m->data_len;  // now an inner segment
    m->nb_segs = 1;
  }
  // Move bytes from the following segments to the end of the first; a
  // segment left empty leaves the chain.
  while (h->data_len < want) {
    rte_mbuf* s = h->next;
    const uint16_t n = uint16_t(std::min<uint32_t>(want - h->data_len, s->data_len));
    std::memcpy(rte_pktmbuf_mtod_offset(h, uint8_t*, h->data_len), rte_pktmbuf_mtod(s, const uint8_t*), n);
    h->data_len = uint16_t(h->data_len + n);
    s->data_off = uint16_t(s->data_off + n);
    s->data_len = uint16_t(s->data_len - n);
    if (s->data_len == 0) {
      h->next = s->next;
      s->next = nullptr;
      --h->nb_segs;
      rte_pktmbuf_free_seg(s);
    }
  }
  return h;
}

void Router::flush_port(Worker& w, uint16_t port) {
  auto& b = w.tx[port];
  if (!b.n) return;
  if (w.trace_on) [[unlikely]]  // tx records per burst, not per send()
    for (uint16_t i = 0; i < b.n; ++i) trace_stage(w, b.pkts[i], TraceStage::tx, 0, port, 0);
  uint16_t sent = 0;
  if (auto* io = w.io[port].get()) sent = io->tx_burst(b.pkts, b.n);
  auto& ps = w.ports[port];
  for (uint16_t i = 0; i < sent; ++i) ps.tx_bytes += rte_pktmbuf_pkt_len(b.pkts[i]);
  ps.tx_packets += sent;
  w.stats.forwarded += sent;
  for (uint16_t i = sent; i < b.n; ++i) drop(w, b.pkts[i], DropReason::tx_full);
  b.n = 0;
}

void Router::flush(unsigned worker) {
  Worker& w = *workers_[worker];
  if (oam_ && worker == 0) [[unlikely]]
    oam_send_pending(w);  // what the OAM control thread sends (oam_punt.cpp)
  for (uint16_t i = 0; i < w.n_tx_listed; ++i) {
    const uint16_t p = w.tx_listed[i];
    w.tx[p].listed = false;
    flush_port(w, p);  // empty if a full burst went out since
  }
  w.n_tx_listed = 0;
}

const CompiledNhlfe* Router::usable_nhlfe(const Tables& t, Worker& w, uint32_t index) {
  const CompiledNhlfe* nh = &t.nhlfes[index];
  if (port_up(nh->out_port)) return nh;
  if (nh->backup != kNone) {
    const CompiledNhlfe* b = &t.nhlfes[nh->backup];
    if (port_up(b->out_port)) {
      ++w.stats.lfa_used;
      return b;
    }
  }
  return nullptr;
}

RouterStats Router::stats() const {
  RouterStats s;
  for (auto& w : workers_) s += load_relaxed(w->stats);
  return s;
}

PortStats Router::port_stats(uint16_t port) const {
  PortStats s;
  for (auto& w : workers_)
    if (port < w->ports.size()) s += load_relaxed(w->ports[port]);
  return s;
}

LabelStats Router::label_stats(uint32_t label) const {
  LabelStats s;
  if (label > kMaxLabel) return s;
  for (auto& w : workers_)
    if (auto* c = w->labels[label >> kIlmChunkBits]) s += load_relaxed(c[label & (kIlmChunkSize - 1)]);
  return s;
}

}  // namespace l2vpn::dp
