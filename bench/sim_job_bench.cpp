// The whole `l2vpn sim` job at scale (issue 14, "Performance of the whole
// job"): the same Emulator `l2vpn sim` runs, hosts and workloads included,
// on a large backbone with many services.
//
//   sim_job_bench [--case kdl300|kdl60|gen400] [GRAPHML] [--seconds S]
//                 [--routers N] [--services N] [--no-baseline]
//
// - kdl300: Kdl (754 routers) with 20 PEs and 100 services: 50 VPWS and 50
//   VPLS of 4 sites (300 sites);
// - kdl60: Kdl with 20 PEs, 10 VPWS and 10 VPLS of 4 sites (60 sites): the
//   baseline, run first in the same process unless --no-baseline;
// - gen400: a generated backbone of --routers (400) routers (a ring, chords
//   and random metrics and delays, seeded) with 100 services as kdl300.
//
// Workload: `l2vpn sim`'s defaults (2 hosts a site, memcached 2000 req/s a
// client, redis 100 Mbit/s, IMIX 5000 pps a VPWS direction, ARP every
// 100 ms). Prints packet-hops, CPU time of run() (this thread), packet-hops
// per CPU second, ns of CPU per packet-hop split into backbone, hosts and
// workload, and report (EmulatorOptions::profile: time-stamp counter ticks
// scaled to the CPU time), peak RSS, and the case's ns per hop against the
// baseline's (the target: within 1.5x from 60 to 300 sites).
// Instruction counts: scripts/sim-job-instructions.sh (callgrind; this
// machine's VM has no hardware counters for perf).
#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_util.hpp"
#include "bench/sim_bench_util.hpp"
#include "controlplane/network.hpp"
#include "controlplane/yaml_loader.hpp"
#include "dataplane/eal.hpp"
#include "dataplane/port.hpp"
#include "dataplane/rcu.hpp"
#include "sim/emulator.hpp"

using namespace l2vpn;

namespace {

using bench::cpu_seconds;

using bench::spread_pes;

// A ring of n routers with n/2 seeded chords; metrics 1..100, delays 10 us..2 ms.
cp::Topology generated_backbone(unsigned n, uint64_t seed) {
  cp::Topology t;
  t.name = fmt::format("generated-{}", n);
  std::mt19937_64 rng(seed);
  for (unsigned i = 0; i < n; ++i) {
    cp::Router r;
    r.name = fmt::format("r{}", i);
    t.routers.push_back(r);
  }
  auto link = [&](unsigned a, unsigned b) {
    cp::Link l;
    l.a = t.routers[a].name;
    l.b = t.routers[b].name;
    l.metric = uint32_t(1 + rng() % 100);
    l.delay_us = double(10 + rng() % 1990);
    t.links.push_back(l);
  };
  for (unsigned i = 0; i < n; ++i) link(i, (i + 1) % n);
  for (unsigned k = 0; k < n / 2; ++k) {
    unsigned a = unsigned(rng() % n), b = unsigned(rng() % n);
    if (a == b || (a + 1) % n == b || (b + 1) % n == a) continue;
    link(a, b);
  }
  return t;
}

// PEs spread over the topology, then `vpws` VPWS and `vpls` VPLS of 4 sites.
Status add_services(cp::Topology& topo, unsigned pes_wanted, unsigned vpws, unsigned vpls) {
  auto pe_idx = spread_pes(topo, pes_wanted);
  if (pe_idx.size() < pes_wanted) return Error{fmt::format("only {} routers reachable for {} PEs", pe_idx.size(), pes_wanted)};
  for (auto& r : topo.routers) r.role = cp::RouterRole::p;
  std::vector<std::string> pes;
  for (uint32_t i : pe_idx) {
    topo.routers[i].role = cp::RouterRole::pe;
    pes.push_back(topo.routers[i].name);
  }
  auto add_site = [&](const std::string& name, const std::string& pe) {
    cp::Site s;
    s.name = name;
    s.pe = pe;
    s.port = "ac-" + name;
    topo.sites.push_back(s);
    return name;
  };
  const unsigned n = unsigned(pes.size()), half = n / 2;
  for (unsigned v = 0; v < vpws; ++v) {
    cp::VpwsService s;
    s.name = fmt::format("vpws{}", v + 1);
    s.pw_id = 100 + v;
    s.site_a = add_site(s.name + "-a", pes[v % half]);
    s.site_b = add_site(s.name + "-b", pes[half + (v / half + v) % (n - half)]);
    topo.vpws.push_back(s);
  }
  for (unsigned v = 0; v < vpls; ++v) {
    cp::VplsService s;
    s.name = fmt::format("vpls{}", v + 1);
    s.vsi_id = 1000 + v;
    for (unsigned k = 0; k < 4; ++k)
      s.sites.push_back(add_site(fmt::format("{}-s{}", s.name, k + 1), pes[(v + k * n / 4 + v / n) % n]));
    topo.vpls.push_back(s);
  }
  cp::fill_defaults(topo);
  return Status::success();
}

struct Figures {
  std::string name;
  size_t routers = 0, sites = 0;
  uint64_t hops = 0, sent = 0;
  double cpu_s = 0, wall_s = 0;
  sim::StepProfile prof;
  bool ok = false;
  double ns_per_hop() const { return hops ? cpu_s * 1e9 / double(hops) : 0; }
};

Result<Figures> run_case(const std::string& name, const cp::Topology& topo, double seconds, rte_mempool* pool,
                         dp::Rcu& rcu) {
  sim::EmulatorOptions o;
  o.duration_ns = uint64_t(seconds * 1e9);
  o.seed = 1;
  Figures f;
  f.name = name;
  f.routers = topo.routers.size();
  f.sites = topo.sites.size();
  o.profile = &f.prof;
  auto emu = sim::Emulator::create(topo, o, pool, rcu);
  if (!emu) return emu.error();
  const double c0 = cpu_seconds();
  const auto w0 = std::chrono::steady_clock::now();
  auto r = (*emu)->run();
  f.cpu_s = cpu_seconds() - c0;
  f.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  if (!r) return r.error();
  f.hops = r->totals.packet_hops;
  f.sent = r->totals.sent;
  f.ok = r->ok();
  return f;
}

void print(const Figures& f, const Figures* base) {
  const double ticks = double(f.prof.backbone + f.prof.hosts + f.prof.report);
  auto share = [&](uint64_t t) { return ticks > 0 ? f.ns_per_hop() * double(t) / ticks : 0.0; };
  std::printf("%-8s %5zu routers %4zu sites: %11llu packet-hops (%.1f a frame) in %6.2f s CPU (%6.2f s wall), "
              "%5.2f M hops/CPU s, %6.0f ns/hop = backbone %5.0f + hosts/workload %5.0f + report %4.0f; %s",
              f.name.c_str(), f.routers, f.sites, (unsigned long long)f.hops,
              f.sent ? double(f.hops) / double(f.sent) : 0.0, f.cpu_s, f.wall_s,
              f.cpu_s > 0 ? double(f.hops) / f.cpu_s / 1e6 : 0.0, f.ns_per_hop(), share(f.prof.backbone),
              share(f.prof.hosts), share(f.prof.report), f.ok ? "ok" : "NOT OK");
  if (base && base->ns_per_hop() > 0) std::printf("; %.2fx the baseline's ns/hop", f.ns_per_hop() / base->ns_per_hop());
  std::printf("\n");
}

int usage() {
  std::fprintf(stderr,
               "usage: sim_job_bench [--case kdl300|kdl60|gen400] [GRAPHML] [--seconds S] [--routers N]\n"
               "                     [--services N] [--no-baseline]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string which = "kdl300", path = "../shared/topologyzoo/Kdl.graphml";
  double seconds = 0.2;
  unsigned routers = 400, services = 100;
  bool baseline = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--case") {
      auto v = next();
      if (!v) return usage();
      which = v;
    } else if (a == "--seconds") {
      auto v = next();
      if (!v) return usage();
      seconds = std::atof(v);
    } else if (a == "--routers") {
      auto v = next();
      if (!v) return usage();
      routers = unsigned(std::atoi(v));
    } else if (a == "--services") {
      auto v = next();
      if (!v) return usage();
      services = unsigned(std::atoi(v));
    } else if (a == "--no-baseline") {
      baseline = false;
    } else if (!a.empty() && a[0] != '-') {
      path = a;
    } else {
      return usage();
    }
  }
  if (seconds <= 0 || services < 2 || routers < 8 || (which != "kdl300" && which != "kdl60" && which != "gen400"))
    return usage();

  auto kdl = [&](unsigned vpws, unsigned vpls) -> Result<cp::Topology> {
    auto loaded = cp::load_topology(path);
    if (!loaded) return loaded.error();
    cp::Topology t = std::move(*loaded);
    t.warnings.clear();
    if (auto st = add_services(t, 20, vpws, vpls); !st) return st.error();
    return t;
  };
  Result<cp::Topology> topo = Error{""};
  if (which == "kdl300") topo = kdl(services / 2, services - services / 2);
  else if (which == "kdl60") topo = kdl(10, 10);
  else {
    cp::Topology t = generated_backbone(routers, 14);
    if (auto st = add_services(t, std::min(routers / 4, 60u), services / 2, services - services / 2); !st) {
      std::fprintf(stderr, "%s\n", st.error().message.c_str());
      return 1;
    }
    topo = std::move(t);
  }
  if (!topo) {
    std::fprintf(stderr, "%s\n", topo.error().message.c_str());
    return 1;
  }
  auto eal = dp::default_eal_args("0");
  eal.push_back("--no-telemetry");
  eal.push_back("--log-level=lib.eal:error");
  eal.push_back(fmt::format("--file-prefix=simjob-{}", getpid()));
  if (auto st = dp::eal_init(eal); !st) {
    std::fprintf(stderr, "%s\n", st.error().message.c_str());
    return 1;
  }
  auto pool = dp::make_mbuf_pool("simjob_pool", 65535);
  if (!pool) {
    std::fprintf(stderr, "%s\n", pool.error().message.c_str());
    return 1;
  }
  dp::Rcu rcu(4);
  std::printf("sim_job_bench: %g s of virtual time a case, one core; load average at start: %s", seconds,
              [] {
                static char buf[128] = "?\n";
                if (FILE* f = std::fopen("/proc/loadavg", "r")) {
                  if (!std::fgets(buf, sizeof buf, f)) buf[0] = 0;
                  std::fclose(f);
                }
                return buf;
              }());
  Figures base;
  if (baseline && which != "kdl60") {
    auto bt = kdl(10, 10);
    if (!bt) {
      std::fprintf(stderr, "%s\n", bt.error().message.c_str());
      return 1;
    }
    auto b = run_case("kdl60", *bt, seconds, *pool, rcu);
    if (!b) {
      std::fprintf(stderr, "baseline: %s\n", b.error().message.c_str());
      return 1;
    }
    base = *b;
    print(base, nullptr);
  }
  auto f = run_case(which, *topo, seconds, *pool, rcu);
  if (!f) {
    std::fprintf(stderr, "%s: %s\n", which.c_str(), f.error().message.c_str());
    return 1;
  }
  print(*f, base.hops ? &base : nullptr);
  std::printf("peak RSS %ld MiB, DPDK heap %zu MiB (EAL without hugepages: the mbuf pool is in RSS)\n",
              bench::peak_rss_kib() / 1024, bench::dpdk_heap_bytes() >> 20);
  return 0;
}
