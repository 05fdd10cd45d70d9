#pragma once
// Where run() spends its time, for bench/sim_job_bench: time-stamp counter
// ticks in the backbone (routers and links: advance_to, settle), in the hosts
// and workload (receiving, the agenda's tasks: generators, servers, events)
// and in the report. Off unless EmulatorOptions::profile points here: then a
// few rdtsc reads per step (a few ns each), nothing else.

#include <cstdint>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#else
#include <chrono>
#endif

namespace l2vpn::sim {

struct StepProfile {
  uint64_t backbone = 0, hosts = 0, report = 0;  // ticks
  uint64_t steps = 0;

  static uint64_t ticks() {
#if defined(__x86_64__) || defined(__i386__)
    return __rdtsc();
#else
    return uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
  }
};

}  // namespace l2vpn::sim
