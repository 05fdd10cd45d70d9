#pragma once
// Publish, then reclaim: table updates swap a pointer while traffic flows,
// and the old tables are freed only after every worker that could still be
// reading them has passed a quiescent state (DPDK rte_rcu_qsbr). Workers
// report a quiescent state between bursts, never inside one.

#include <rte_rcu_qsbr.h>

#include <cstdint>

namespace l2vpn::dp {

class Rcu {
 public:
  explicit Rcu(unsigned max_workers = 64);
  ~Rcu();
  Rcu(const Rcu&) = delete;
  Rcu& operator=(const Rcu&) = delete;

  // Worker side (ids 0..max_workers-1).
  void register_worker(unsigned id);
  void unregister_worker(unsigned id);
  void quiescent(unsigned id) { rte_rcu_qsbr_quiescent(qsbr_, id); }

  // Control side: a token after publishing; done() once every online worker
  // has been quiescent since.
  uint64_t start() { return rte_rcu_qsbr_start(qsbr_); }
  bool done(uint64_t token) { return rte_rcu_qsbr_check(qsbr_, token, false) == 1; }
  void wait(uint64_t token) { rte_rcu_qsbr_check(qsbr_, token, true); }

  rte_rcu_qsbr* qsbr() { return qsbr_; }

 private:
  rte_rcu_qsbr* qsbr_ = nullptr;
};

}  // namespace l2vpn::dp
