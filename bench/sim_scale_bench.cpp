// Emulator scale benchmark: how fast one core emulates a large backbone.
//
//   sim_scale_bench [GRAPHML] [--pes N] [--vpws N] [--vpls N] [--vpls-sites N]
//                   [--pps N] [--seconds S] [--memory auto|huge|nohuge]
//
// Default: ../shared/topologyzoo/Kdl.graphml (754 routers, 899 links; run
// from the repository root), 20 PEs spread over the graph (farthest-point
// by hop count from the first node, deterministic), every other router a P
// router; 10 VPWS (PE i <-> PE i+10) and 10 VPLS instances of 4 sites each;
// constant-rate IMIX (7:4:1 of 60/566/1514-byte frames) at --pps per
// sender: both ends of every VPWS, every VPLS site to the next member in
// turn. One second of virtual time, then the network drains.
//
// Prints packet-hops per wall second (frames any router took from a port /
// wall time of the emulation loop), wall time, peak memory (getrusage
// ru_maxrss; plus the DPDK heap, which under hugepages is not in RSS),
// routers, links, frames. Target: >= 5 million packet-hops/s on one core.

#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <sys/resource.h>
#include <unistd.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <queue>
#include <string>
#include <vector>

#include "bench/bench_util.hpp"
#include "bench/sim_bench_util.hpp"
#include "controlplane/network.hpp"
#include "controlplane/yaml_loader.hpp"
#include "dataplane/eal.hpp"
#include "dataplane/packet.hpp"
#include "dataplane/rcu.hpp"
#include "sim/backbone.hpp"

using namespace l2vpn;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string path = "../shared/topologyzoo/Kdl.graphml";
  unsigned pes = 20, vpws = 10, vpls = 10, vpls_sites = 4;
  double pps = 5000;
  double seconds = 1.0;
  std::string memory = "auto";
  bool windows = false;  // --windows: lookahead windows (Backbone::set_windows)
};

using bench::cpu_seconds;

using bench::dpdk_heap_bytes;
using bench::peak_rss_kib;
// The whole run's mbuf pool and rings need about 300 free hugepages.
bool enough_hugepages() { return bench::hugepages_free(300); }

using bench::spread_pes;

struct Sender {
  sim::AccessPort* ap = nullptr;
  MacAddr src{};
  std::vector<MacAddr> dsts;  // in turn
  uint64_t interval_ns = 0, next_ns = 0, sent = 0;
};

MacAddr host_mac(uint32_t site) { return {0x02, 0x5e, 0x00, uint8_t(site >> 16), uint8_t(site >> 8), uint8_t(site)}; }

constexpr uint16_t kImix[12] = {60, 566, 60, 60, 1514, 60, 566, 60, 60, 566, 60, 566};  // 7:4:1

int usage() {
  std::fprintf(stderr,
               "usage: sim_scale_bench [GRAPHML] [--pes N] [--vpws N] [--vpls N] [--vpls-sites N]\n"
               "                       [--pps N] [--seconds S] [--memory auto|huge|nohuge] [--windows]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    auto num = [&](double& v) {
      if (i + 1 >= argc) return false;
      char* end = nullptr;
      v = std::strtod(argv[++i], &end);
      return end && !*end && v >= 0;
    };
    double v = 0;
    std::string a = argv[i];
    if (a == "--pes" && num(v)) o.pes = unsigned(v);
    else if (a == "--vpws" && num(v)) o.vpws = unsigned(v);
    else if (a == "--vpls" && num(v)) o.vpls = unsigned(v);
    else if (a == "--vpls-sites" && num(v)) o.vpls_sites = unsigned(v);
    else if (a == "--pps" && num(v)) o.pps = v;
    else if (a == "--seconds" && num(v)) o.seconds = v;
    else if (a == "--memory" && i + 1 < argc) o.memory = argv[++i];
    else if (a == "--windows") o.windows = true;
    else if (!a.empty() && a[0] != '-') o.path = a;
    else return usage();
  }
  if (o.memory != "auto" && o.memory != "huge" && o.memory != "nohuge") return usage();
  if (o.pes < 2 || o.pps <= 0 || o.vpls_sites < 2) return usage();

  // ---- topology: PEs spread out, sites and services
  auto t0 = Clock::now();
  auto loaded = cp::load_topology(o.path);
  if (!loaded) {
    std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
    return 2;
  }
  cp::Topology topo = std::move(*loaded);
  topo.warnings.clear();
  auto pe_idx = spread_pes(topo, o.pes);
  if (pe_idx.size() < o.pes) {
    std::fprintf(stderr, "only %zu routers reachable for %u PEs\n", pe_idx.size(), o.pes);
    return 2;
  }
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
  const unsigned half = o.pes / 2;
  for (unsigned v = 0; v < o.vpws; ++v) {
    cp::VpwsService s;
    s.name = "vpws" + std::to_string(v + 1);
    s.pw_id = 100 + v;
    s.site_a = add_site(s.name + "-a", pes[v % half]);
    s.site_b = add_site(s.name + "-b", pes[half + v % (o.pes - half)]);
    topo.vpws.push_back(s);
  }
  for (unsigned v = 0; v < o.vpls; ++v) {
    cp::VplsService s;
    s.name = "vpls" + std::to_string(v + 1);
    s.vsi_id = 1000 + v;
    // Members spread over the PE list: v, v + n/k, v + 2n/k, ...
    for (unsigned k = 0; k < o.vpls_sites; ++k)
      s.sites.push_back(add_site(s.name + "-s" + std::to_string(k + 1),
                                 pes[(v + k * o.pes / o.vpls_sites) % o.pes]));
    topo.vpls.push_back(s);
  }
  cp::fill_defaults(topo);
  auto net = cp::Network::create(topo);
  if (!net) {
    std::fprintf(stderr, "compute: %s\n", net.error().message.c_str());
    return 1;
  }
  const cp::Topology& t = (*net)->topology();
  const double compute_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  size_t pws = 0, pws_up = 0;
  for (auto& p : (*net)->state().pseudowires) ++pws, pws_up += p.up;

  // ---- EAL, pool, backbone
  bool huge = o.memory == "huge" || (o.memory == "auto" && enough_hugepages());
  std::vector<std::string> eal{"sim_scale_bench", "-l", "0", "--no-pci", "--no-telemetry",
                               "--log-level=lib.eal:error", "--log-level=pmd:error"};
  if (huge) {
    eal.push_back("--in-memory");
  } else {
    for (auto* a : {"--no-huge", "-m", "1024", "--no-shconf"}) eal.push_back(a);
  }
  if (auto st = dp::eal_init(eal); !st) {
    std::fprintf(stderr, "%s\n", st.error().message.c_str());
    return 1;
  }
  // Enough for every frame in flight: ~1 s of a long path's delay at the
  // offered rate would be too much; 10 ms of it is what Kdl holds.
  auto pool = dp::make_mbuf_pool("bench_pool", 131071, RTE_PKTMBUF_HEADROOM + 1600);
  if (!pool) {
    std::fprintf(stderr, "%s\n", pool.error().message.c_str());
    return 1;
  }
  dp::Rcu rcu(4);
  auto t1 = Clock::now();
  auto bb = sim::Backbone::build(t, (*net)->state(), rcu);
  if (!bb) {
    std::fprintf(stderr, "%s\n", bb.error().message.c_str());
    return 1;
  }
  const double build_ms = std::chrono::duration<double, std::milli>(Clock::now() - t1).count();

  // ---- senders
  std::vector<Sender> senders;
  std::map<std::string, uint32_t> site_no;
  for (uint32_t i = 0; i < t.sites.size(); ++i) site_no[t.sites[i].name] = i;
  auto sender = [&](const std::string& site, std::vector<std::string> to) {
    Sender s;
    auto& st = t.sites[site_no.at(site)];
    s.ap = (*bb)->access_port(st.pe, st.port);
    s.src = host_mac(site_no.at(site));
    for (auto& d : to) s.dsts.push_back(host_mac(site_no.at(d)));
    s.interval_ns = uint64_t(1e9 / o.pps);
    senders.push_back(s);
  };
  for (auto& v : t.vpws) {
    sender(v.site_a, {v.site_b});
    sender(v.site_b, {v.site_a});
  }
  for (auto& v : t.vpls)
    for (size_t k = 0; k < v.sites.size(); ++k) {
      std::vector<std::string> others;
      for (size_t j = 1; j < v.sites.size(); ++j) others.push_back(v.sites[(k + j) % v.sites.size()]);
      sender(v.sites[k], others);
    }
  // Stagger the first frames over one interval.
  for (size_t i = 0; i < senders.size(); ++i)
    senders[i].next_ns = senders[i].interval_ns * i / senders.size();
  std::vector<sim::AccessPort*> access;
  for (auto& s : t.sites)
    if (auto* ap = (*bb)->access_port(s.pe, s.port);
        ap && std::find(access.begin(), access.end(), ap) == access.end())
      access.push_back(ap);

  uint64_t received = 0, alloc_failed = 0, host_ring_full = 0;
  auto drain = [&] {
    rte_mbuf* burst[64];
    for (auto* ap : access)
      for (unsigned n; (n = rte_ring_dequeue_burst(ap->from_pe.get(), reinterpret_cast<void**>(burst), 64,
                                                   nullptr)) > 0;) {
        received += n;
        rte_pktmbuf_free_bulk(burst, n);
      }
  };
  auto& b = **bb;
  // Routers' clocks (flood rate limit, MAC learning) follow the virtual
  // time, as in the emulator: deterministic.
  b.set_virtual_clocks(true);
  b.set_windows(o.windows);
  auto send = [&](Sender& s, uint64_t at) {
    rte_mbuf* m = rte_pktmbuf_alloc(*pool);
    if (!m) {
      ++alloc_failed;
      return;
    }
    const uint16_t len = kImix[s.sent % std::size(kImix)];
    auto* d = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, len));
    if (!d) {
      rte_pktmbuf_free(m);
      ++alloc_failed;
      return;
    }
    std::memcpy(d, s.dsts[s.sent % s.dsts.size()].data(), 6);
    std::memcpy(d + 6, s.src.data(), 6);
    dp::store_be16(d + 12, 0x88b5);
    ++s.sent;
    // Enters the PE at its send time, taken in time order inside the
    // backbone's windows (sends need not stop the clock).
    b.schedule(s.ap, m, at);
  };

  // ---- the run: virtual time, from send to send
  using Item = std::pair<uint64_t, uint32_t>;  // (next_ns, sender)
  std::priority_queue<Item, std::vector<Item>, std::greater<>> due;
  for (uint32_t i = 0; i < senders.size(); ++i) due.push({senders[i].next_ns, i});
  const uint64_t end = uint64_t(o.seconds * 1e9);
  // Sends are handed to the backbone 100 us of virtual time ahead, then the
  // backbone runs up to there; hosts read their rings every 100 us.
  const uint64_t chunk = 100'000;
  const uint64_t hops0 = b.packet_hops(), windows0 = b.windows(), bursts0 = b.bursts();
  auto t2 = Clock::now();
  const double cpu0 = cpu_seconds();
  for (uint64_t c = 0; c < end; c += chunk) {
    const uint64_t stop = std::min(end, c + chunk);
    while (!due.empty() && due.top().first < stop) {
      auto [at, i] = due.top();
      due.pop();
      send(senders[i], at);
      due.push({at + senders[i].interval_ns, i});
    }
    b.advance_to(stop - 1);
    drain();
  }
  b.advance_to(end);
  b.run_until_idle();
  drain();
  const double wall = std::chrono::duration<double>(Clock::now() - t2).count();
  const double cpu = cpu_seconds() - cpu0;
  const uint64_t hops = b.packet_hops() - hops0;
  const uint64_t windows = b.windows() - windows0, bursts = b.bursts() - bursts0;

  uint64_t sent = 0;
  for (auto& s : senders) sent += s.sent;
  uint64_t drops = 0, replicas = 0, link_drops = 0, link_frames = 0;
  std::array<uint64_t, dp::kDropReasonCount> by_reason{};
  for (auto& r : b.routers()) {
    auto st = r->stats();
    drops += st.total_drops();
    replicas += st.replicas;
    for (size_t i = 0; i < dp::kDropReasonCount; ++i) by_reason[i] += st.drops[i];
  }
  for (auto& e : b.links()) {
    link_drops += e.a_to_b->stats().drops() + e.b_to_a->stats().drops();
    link_frames += e.a_to_b->stats().frames + e.b_to_a->stats().frames;
  }

  std::printf("topology      %s: %zu routers (%u PEs), %zu links, %zu sites\n", o.path.c_str(),
              t.routers.size(), o.pes, t.links.size(), t.sites.size());
  std::printf("services      %zu VPWS, %zu VPLS x %u sites; %zu PW ends, %zu up\n", t.vpws.size(),
              t.vpls.size(), o.vpls_sites, pws, pws_up);
  std::printf("memory mode   %s\n",
              huge ? "hugepages (--in-memory, 2 MiB pages)" : "no hugepages (--no-huge -m 1024 --no-shconf)");
  std::printf("setup         compute %.1f ms, build backbone %.1f ms\n", compute_ms, build_ms);
  std::printf("traffic       %zu senders x %.0f pps IMIX, %.3f s of virtual time (drained at %.3f s)\n",
              senders.size(), o.pps, o.seconds, double(b.now()) / 1e9);
  std::printf("frames        sent %lu, delivered to sites %lu (flood copies %lu), router drops %lu, "
              "link drops %lu, link deliveries %lu%s\n",
              (unsigned long)sent, (unsigned long)received, (unsigned long)replicas, (unsigned long)drops,
              (unsigned long)link_drops, (unsigned long)link_frames,
              alloc_failed || host_ring_full
                  ? (" (NOT SENT: " + std::to_string(alloc_failed) + " no mbuf, " +
                     std::to_string(host_ring_full) + " ring full)").c_str()
                  : "");
  for (size_t i = 0; i < dp::kDropReasonCount; ++i)
    if (by_reason[i])
      std::printf("  drop %-22s %8lu  %s\n", std::string(dp::kDropReasonNames[i]).c_str(),
                  (unsigned long)by_reason[i], std::string(dp::kDropReasonDescriptions[i]).c_str());
  std::printf("packet-hops   %lu in %.3f s wall: %.2f million packet-hops/s (one core); "
              "per CPU second %.2f million (%.3f s CPU)\n",
              (unsigned long)hops, wall, double(hops) / wall / 1e6, double(hops) / cpu / 1e6, cpu);
  std::printf("windows       %s: %lu (%.1f router frame-visits each; smallest lookahead %.1f us); "
              "mean router burst %.2f frames\n",
              o.windows ? "lookahead" : "one instant each", (unsigned long)windows,
              double(hops) / double(std::max<uint64_t>(windows, 1)), double(b.min_lookahead_ns()) / 1e3,
              double(hops) / double(std::max<uint64_t>(bursts, 1)));
  {
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) == 3)
      std::printf("machine       %ld CPUs online, load average %.2f %.2f %.2f\n", sysconf(_SC_NPROCESSORS_ONLN),
                  load[0], load[1], load[2]);
  }
  std::printf("wall time     %.3f s to emulate %.3f s (%.2fx real time); %.0f ns CPU per packet-hop\n",
              wall, o.seconds, wall / o.seconds, cpu * 1e9 / double(std::max<uint64_t>(hops, 1)));
  std::printf("peak memory   RSS %.1f MiB, DPDK heap in use %.1f MiB\n", peak_rss_kib() / 1024.0,
              double(dpdk_heap_bytes()) / (1 << 20));
  const bool met = double(hops) / wall >= 5e6;
  std::printf("target        >= 5 million packet-hops/s on one core: %s\n", met ? "met" : "MISSED");
  return 0;
}
