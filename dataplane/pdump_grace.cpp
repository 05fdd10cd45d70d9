#include "dataplane/pdump_grace.hpp"

#include <dlfcn.h>
#include <rte_ethdev.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>

namespace l2vpn::dp {
namespace {

std::mutex g_mutex;  // held by a waiting removal; the Rcu outlives it
Rcu* g_rcu = nullptr;
std::atomic<unsigned long> g_waited{0};
std::atomic<unsigned long> g_timed_out{0};

// Called (from DPDK's multi-process thread) after the callback is unlinked:
// a worker that started a burst before the unlink reports its next
// quiescent state only after that burst, callbacks included.
void wait_grace_period() {
  std::lock_guard lock(g_mutex);
  if (!g_rcu) return;
  const uint64_t token = g_rcu->start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (!g_rcu->done(token)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      g_timed_out.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    usleep(50);
  }
  g_waited.fetch_add(1, std::memory_order_relaxed);
}

template <typename Fn>
Fn next_symbol(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

}  // namespace

PdumpGracePeriod::PdumpGracePeriod(Rcu& rcu) {
  std::lock_guard lock(g_mutex);
  g_rcu = &rcu;
}

PdumpGracePeriod::~PdumpGracePeriod() {
  std::lock_guard lock(g_mutex);
  g_rcu = nullptr;
}

PdumpGraceStats pdump_grace_stats() {
  return {g_waited.load(std::memory_order_relaxed), g_timed_out.load(std::memory_order_relaxed)};
}

}  // namespace l2vpn::dp

// These definitions in the executable take precedence over librte_ethdev's
// (ELF symbol interposition, as LD_PRELOAD would): librte_pdump's calls land
// here, the real removal runs, then the grace period. Nothing else in this
// project removes callbacks; without a PdumpGracePeriod they only forward.
namespace {
using RemoveCallbackFn = int (*)(uint16_t, uint16_t, const struct rte_eth_rxtx_callback*);
// The real removal (librte_ethdev's, found once per symbol), then the grace period.
int remove_then_wait(RemoveCallbackFn real, uint16_t port_id, uint16_t queue_id,
                     const struct rte_eth_rxtx_callback* user_cb) {
  if (!real) return -ENOTSUP;
  const int rc = real(port_id, queue_id, user_cb);
  if (rc == 0) l2vpn::dp::wait_grace_period();
  return rc;
}
}  // namespace

extern "C" int rte_eth_remove_rx_callback(uint16_t port_id, uint16_t queue_id,
                                          const struct rte_eth_rxtx_callback* user_cb) {
  static const RemoveCallbackFn real = l2vpn::dp::next_symbol<RemoveCallbackFn>("rte_eth_remove_rx_callback");
  return remove_then_wait(real, port_id, queue_id, user_cb);
}

extern "C" int rte_eth_remove_tx_callback(uint16_t port_id, uint16_t queue_id,
                                          const struct rte_eth_rxtx_callback* user_cb) {
  static const RemoveCallbackFn real = l2vpn::dp::next_symbol<RemoveCallbackFn>("rte_eth_remove_tx_callback");
  return remove_then_wait(real, port_id, queue_id, user_cb);
}
