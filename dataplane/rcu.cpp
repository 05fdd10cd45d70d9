#include "dataplane/rcu.hpp"

#include <rte_malloc.h>

#include <new>

namespace l2vpn::dp {

Rcu::Rcu(unsigned max_workers) {
  size_t sz = rte_rcu_qsbr_get_memsize(max_workers);
  qsbr_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc(nullptr, sz, RTE_CACHE_LINE_SIZE));
  if (!qsbr_ || rte_rcu_qsbr_init(qsbr_, max_workers) != 0) throw std::bad_alloc();
}

Rcu::~Rcu() { rte_free(qsbr_); }

void Rcu::register_worker(unsigned id) {
  rte_rcu_qsbr_thread_register(qsbr_, id);
  rte_rcu_qsbr_thread_online(qsbr_, id);
}

void Rcu::unregister_worker(unsigned id) {
  rte_rcu_qsbr_thread_offline(qsbr_, id);
  rte_rcu_qsbr_thread_unregister(qsbr_, id);
}

}  // namespace l2vpn::dp
