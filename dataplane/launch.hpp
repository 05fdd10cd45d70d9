#pragma once
// Starting a fast path on real devices, the same way in every command that
// does it (`l2vpn forward`, `l2vpn node`): EAL arguments (lcores, memory
// mode, file prefix), ethdev ports attached to a Router with a queue per
// worker, and the worker lcores' poll loop.

#include <rte_mbuf.h>

#include <atomic>
#include <string>
#include <vector>

#include "contract/result.hpp"
#include "dataplane/rcu.hpp"
#include "dataplane/router.hpp"

namespace l2vpn::dp {

struct EalRequest {
  std::string what;         // default file prefix l2vpn-<what>-<pid>
  std::string file_prefix;  // empty: the default
  std::string extra;        // more EAL words (`--eal "..."`), appended last
  std::string memory = "auto";  // auto|huge|nohuge (eal.hpp choose_hugepages)
  unsigned want_pages = 64;
  unsigned workers = 1;     // lcores 0..workers-1; 0 is the main thread
  // The lcores float over every cpu instead of one cpu each: a process
  // whose main thread runs a control loop beside a mostly idle worker.
  bool float_lcores = false;
  unsigned memory_mb = 512;  // without hugepages (-m)
  bool pdump = false;        // shared config and hugepages for dpdk-dumpcap
  std::string huge_dir;
};
struct EalStarted {
  std::string prefix;          // the file prefix in effect (`l2vpn ctl --file-prefix`)
  std::string memory;          // the start-up line's words for the memory mode
  std::vector<std::string> warnings;
};
// Builds the arguments and starts EAL. Errors: a bad memory mode, no free
// hugepages for --memory huge, EAL itself.
Result<EalStarted> start_eal(const EalRequest& request);

// "0@0,1@1,...": lcore i on cpu i modulo the cpus online.
std::string lcore_map(unsigned workers);
std::vector<std::string> split_words(const std::string& s);

// Probes `devargs`, starts it with one rx (RSS when it can) and tx queue
// per worker of `router`, and attaches it as port `name` (an EthdevPortIo
// per worker). Returns the ethdev id; `note` says how queues were spread.
// Errors name the port and the device.
Result<uint16_t> attach_ethdev_port(Router& router, const std::string& name, const std::string& devargs,
                                    rte_mempool* pool, bool require_rss = false, std::string* note = nullptr);

// A worker lcore's loop (rte_eal_remote_launch(poll_loop, &loop, lcore)):
// poll, report quiescent, until `stop`. With `idle_sleep_us`, after 64
// empty polls in a row it sleeps that long between polls (a router beside
// a control plane on a shared machine, not a benchmark): a frame then
// waits at most that long.
struct PollLoop {
  Router* router = nullptr;
  Rcu* rcu = nullptr;
  unsigned worker = 0;
  std::atomic<bool>* stop = nullptr;
  unsigned idle_sleep_us = 0;
};
int poll_loop(void* loop);

}  // namespace l2vpn::dp
