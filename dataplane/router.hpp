#pragma once
// One label-switching router: its ports, its published tables and its
// counters. The same code runs in the emulator (ring ports), on veths and
// taps (af_packet/tap ethdevs) and on NICs: only the PortIo differs.
//
// Threads: one control thread calls update()/set_port_up()/reclaim(); each
// worker (lcore) calls poll(worker) or process(worker, ...) for its own
// queues and reports quiescent states to the Rcu between bursts.

#include <rte_mbuf.h>

#include <atomic>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "contract/forwarding_state.hpp"
#include "dataplane/counters.hpp"
#include "dataplane/packet.hpp"
#include "dataplane/port.hpp"
#include "dataplane/rcu.hpp"
#include "dataplane/tables.hpp"

namespace l2vpn::dp {

inline constexpr uint16_t kBurst = 32;

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

  // ---- counters (summed over workers)
  RouterStats stats() const;
  PortStats port_stats(uint16_t port) const;
  LabelStats label_stats(uint32_t label) const;

 private:
  struct TxBuffer {
    uint16_t n = 0;
    rte_mbuf* pkts[kBurst];
  };
  struct alignas(64) Worker {
    RouterStats stats;
    std::vector<PortStats> ports;
    std::vector<TxBuffer> tx;
    std::vector<std::unique_ptr<PortIo>> io;
    std::array<LabelStats*, kIlmChunks> labels{};  // chunks made by update()
  };
  struct Retired {
    std::unique_ptr<Tables> tables;
    uint64_t token;
  };

  // Stages, one file each: mpls_forward.cpp, pw_imposition.cpp, pw_disposition.cpp.
  void mpls_input(const Tables& t, Worker& w, rte_mbuf* m);
  void forward_labelled(const Tables& t, Worker& w, rte_mbuf* m, uint32_t off, uint32_t top,
                        uint32_t nhlfe);
  void ac_input(const Tables& t, Worker& w, uint16_t in_port, rte_mbuf* m);
  void pw_disposition(const Tables& t, Worker& w, rte_mbuf* m, uint32_t off, uint8_t depth,
                      uint32_t pw);
  void ac_output(const Tables& t, Worker& w, rte_mbuf* m, uint32_t ac);
  // Picks the NHLFE to use: the primary, its LFA when the primary's port is
  // down, or nullptr (counted port_down).
  const CompiledNhlfe* usable_nhlfe(const Tables& t, Worker& w, uint32_t index);

  void drop(Worker& w, rte_mbuf* m, DropReason why) {
    ++w.stats.drops[size_t(why)];
    rte_pktmbuf_free(m);
  }
  void send(Worker& w, uint16_t port, rte_mbuf* m) {
    auto& b = w.tx[port];
    b.pkts[b.n++] = m;
    if (b.n == kBurst) flush_port(w, port);
  }
  void flush_port(Worker& w, uint16_t port);
  LabelStats& label_counter(Worker& w, uint32_t label) {
    return w.labels[label >> kIlmChunkBits][label & (kIlmChunkSize - 1)];
  }

  std::string name_;
  Rcu& rcu_;
  std::vector<std::string> port_names_;
  std::unordered_map<std::string, uint16_t> port_by_name_;
  std::unique_ptr<std::atomic<bool>[]> port_up_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<const Tables*> tables_{nullptr};
  std::unique_ptr<Tables> current_;  // owner of what tables_ points to
  std::deque<Retired> retired_;
  ForwardingState state_;
};

}  // namespace l2vpn::dp
