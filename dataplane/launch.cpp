#include "dataplane/launch.hpp"

#include <fmt/format.h>
#include <rte_ethdev.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "dataplane/eal.hpp"
#include "dataplane/port.hpp"
#include "dataplane/telemetry.hpp"

namespace l2vpn::dp {

std::string lcore_map(unsigned workers) {
  const unsigned ncpu = unsigned(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  std::string m;
  for (unsigned i = 0; i < workers; ++i) m += fmt::format("{}{}@{}", i ? "," : "", i, i % ncpu);
  return m;
}

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

Result<EalStarted> start_eal(const EalRequest& o) {
  EalStarted started;
  const unsigned workers = std::max(1u, o.workers);
  const long ncpu = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  auto eal = default_eal_args("0");
  for (size_t i = 0; i + 1 < eal.size(); ++i) {
    if (eal[i] == "-m") eal[i + 1] = std::to_string(o.memory_mb);
    if (eal[i] != "-l" || workers == 1) continue;
    // "--lcores" maps lcores to cpus, so N workers also run on fewer cpus.
    eal[i] = "--lcores";
    eal[i + 1] = o.float_lcores ? fmt::format("(0-{})@(0-{})", workers - 1, ncpu - 1) : lcore_map(workers);
  }
  if (workers > unsigned(ncpu) && !o.float_lcores)
    started.warnings.push_back(
        fmt::format("{} workers on {} cpus: lcores share cpus ({})", workers, ncpu, lcore_map(workers)));
  // Hugepages when reserved (--memory auto): 4 KiB pages halve the rate.
  const auto extra = split_words(o.extra);
  const bool eal_no_huge = std::find(extra.begin(), extra.end(), "--no-huge") != extra.end();
  auto huge = choose_hugepages(eal_no_huge ? "nohuge" : o.memory, o.want_pages);
  if (!huge) return huge.error();
  if (*huge && !o.pdump) use_hugepages(eal);
  for (auto& w : extra) eal.push_back(w);
  started.prefix = set_file_prefix(eal, o.file_prefix.empty() ? default_file_prefix(o.what) : o.file_prefix);
  if (o.pdump) pdump_eal_args(eal, 256, o.huge_dir);
  const bool no_huge = std::find(eal.begin(), eal.end(), "--no-huge") != eal.end();
  started.memory = o.pdump ? "hugepages shared with dpdk-dumpcap (--pdump)" : memory_text(!no_huge);
  if (auto st = telemetry_announce_starting(); !st) started.warnings.push_back(st.error().message);
  if (auto st = eal_init(eal); !st) return st.error();
  return started;
}

Result<uint16_t> attach_ethdev_port(Router& router, const std::string& name, const std::string& devargs,
                                    rte_mempool* pool, bool require_rss, std::string* note) {
  auto id = probe_ethdev(devargs);
  if (!id) return Error{fmt::format("port '{}': {}", name, id.error().message)};
  auto queues = start_ethdev_workers(*id, uint16_t(router.workers()), pool, require_rss);
  if (!queues) return Error{fmt::format("port '{}' ({}): {}", name, devargs, queues.error().message)};
  const uint16_t idx = router.add_port(name);
  for (unsigned w = 0; w < router.workers(); ++w)
    router.set_port_io(idx, w, std::make_unique<EthdevPortIo>(*id, uint16_t(w), w < queues->rx_queues));
  if (note) *note = queues->note;
  return *id;
}

int poll_loop(void* arg) {
  auto* l = static_cast<PollLoop*>(arg);
  l->rcu->register_worker(l->worker);
  unsigned idle = 0;
  while (!l->stop->load(std::memory_order_relaxed)) {
    const unsigned n = l->router->poll(l->worker);
    l->rcu->quiescent(l->worker);
    if (!l->idle_sleep_us) continue;
    idle = n ? 0 : idle + 1;
    if (idle >= 64) usleep(l->idle_sleep_us);
  }
  l->rcu->unregister_worker(l->worker);
  return 0;
}

}  // namespace l2vpn::dp
