// Backbone::poll_real_ports: the PE access ports bound to real interfaces
// (`l2vpn run`, sim/backbone.hpp RealPort). Kept apart from the emulated
// run path in backbone.cpp: only real-time runs with real hosts use it.
#include "sim/backbone.hpp"

namespace l2vpn::sim {

unsigned Backbone::poll_real_ports() {
  rte_mbuf* pkts[dp::kBurst];
  unsigned total = 0;
  for (const RealPort& rp : real_) {
    const uint16_t n = rp.io->rx_burst(pkts, dp::kBurst);
    if (!n) continue;
    dp::Router& router = *routers_[rp.router];
    // A real frame enters now: links serialize it from the clock.
    for (uint16_t i = 0; i < n; ++i) set_frame_time(pkts[i], now_ns_);
    if (virtual_clocks_) router.clock().set_manual(now_ns_);
    router.process(0, rp.router_port, pkts, n);
    router.flush(0);
    packet_hops_ += n;
    ++bursts_;
    total += n;
    if (!ran_flag_[rp.router]) {
      ran_flag_[rp.router] = 1;
      ran_.push_back(rp.router);
    }
  }
  // Nothing woken: this only hands what the PEs sent to their links (and
  // runs any router a zero-delay link reached at once).
  if (total) run_routers();
  return total;
}

}  // namespace l2vpn::sim
