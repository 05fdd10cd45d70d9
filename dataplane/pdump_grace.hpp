#pragma once
// DPDK 22.11's pdump disables a capture by unlinking its rx/tx callbacks
// (rte_eth_remove_{rx,tx}_callback) and replies to dpdk-dumpcap at once;
// dumpcap then frees its ring and mempool. A forwarding thread that was
// inside the callback when it was unlinked still copies frames into that
// mempool: a use after free, SIGSEGV in rte_pktmbuf_copy (ethdev's own
// documentation leaves the wait to the caller, and pdump does not wait).
// While a PdumpGracePeriod is alive, the callback removal waits for an RCU
// grace period of the forwarding workers (they report quiescent states
// between bursts) before pdump replies, so no worker is still in the
// callback when dumpcap frees its memory. See docs/observability.md.

#include "dataplane/rcu.hpp"

namespace l2vpn::dp {

class PdumpGracePeriod {
 public:
  explicit PdumpGracePeriod(Rcu& rcu);
  ~PdumpGracePeriod();
  PdumpGracePeriod(const PdumpGracePeriod&) = delete;
  PdumpGracePeriod& operator=(const PdumpGracePeriod&) = delete;
};

// Removals that waited for a grace period (all of them, when it works),
// and those that gave up waiting after 1 s (a worker stuck inside a burst).
struct PdumpGraceStats {
  unsigned long waited = 0;
  unsigned long timed_out = 0;
};
PdumpGraceStats pdump_grace_stats();

}  // namespace l2vpn::dp
