// dp_forward_bench: how fast is one core of our fast path, next to
// dpdk-testpmd in macswap mode on the same kind of virtual devices?
//
// For label swap, PW imposition and PW disposition it prints Mpps on one
// core, TSC cycles per packet spent in our processing (Router::process +
// Router::flush, i.e. everything from "frames received" to "handed to the
// tx ring"), instructions per packet (callgrind, on a fixed-count run of this
// same program), and memory. In the same run it starts dpdk-testpmd
// --forward-mode=macswap on two net_ring devices with one forwarding core and
// prints ours/macswap and our cycles per packet beyond macswap's.
//
// The feed (docs/performance.md says the same):
//  - two net_ring ethdevs (--vdev net_ring0/1): each is a loopback (what is
//    sent on it comes back on its rx queue), exactly the devices testpmd gets;
//  - 32 frames per device are injected once and circulate; one loop on one
//    core: rx a burst of up to 32 from each device, process, flush;
//  - swap: 1,024 labels arranged as a cycle (label i is swapped to label i+1,
//    out of the other device). Frames start at TTL 255 and each hop
//    decrements it, so after 254 hops a frame is dropped (ttl_expired, part
//    of our processing) and the harness injects a fresh one on that device,
//    outside the timed region but inside the wall clock;
//  - imposition: a port-based raw AC on each device's AC port; its PW pushes
//    the PW label and one transport label and leaves on the core port of the
//    other device. Before the next pass the harness strips the 22 bytes it
//    pushed (rte_pktmbuf_adj: the customer frame below is untouched), which
//    stands in for the far PE;
//  - disposition: frames arrive on a core port with the PW label alone
//    (PHP'd transport), are disposed to the AC on the same device, and the
//    harness puts back the 18 bytes disposition removed (rte_pktmbuf_prepend:
//    the label bytes are still in the headroom, untouched).
// The harness work (rx_burst, the adj/prepend, refills) is outside the
// cycles we report as "ours" but inside the Mpps, so Mpps is conservative.

#include <fmt/format.h>
#include <poll.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_util.hpp"
#include "dataplane/eal.hpp"
#include "dataplane/packet.hpp"
#include "dataplane/port.hpp"
#include "dataplane/rcu.hpp"
#include "dataplane/router.hpp"

using namespace l2vpn;
using namespace l2vpn::dp;

namespace {

constexpr unsigned kDevs = 2;
constexpr uint16_t kTransportLabel0 = 2000, kTransportLabel1 = 2001;

struct Options {
  std::vector<std::string> modes{"swap", "imposition", "disposition"};
  double seconds = 3.0;          // measured time per mode (after warm-up)
  double warmup = 0.5;
  unsigned per_dev = 32;         // frames circulating per device (testpmd --tx-first: one burst)
  unsigned frame_len = 64;       // customer / labelled frame length before our headers
  unsigned labels = 1024;        // swap: labels in the cycle (even)
  unsigned label_base = 1000;
  unsigned label_stride = 1;     // >1 spreads labels over ILM chunks (pages)
  std::string memory = "auto";   // auto | huge | nohuge
  bool testpmd = true;
  double testpmd_seconds = 10.0;
  bool instructions = true;
  uint64_t instr_rounds = 4000;  // fixed-count rounds under callgrind (64 frames each)
  std::string child_mode;        // internal: fixed-count run under callgrind
};

// ------------------------------------------------------------------ memory

using bench::dpdk_heap_bytes;
using bench::memory_args;
using bench::run_child;
long maxrss_kib() { return bench::peak_rss_kib(); }
bool enough_hugepages() { return bench::hugepages_free(64); }

// ------------------------------------------------------------------ frames

MacAddr mac(uint8_t last, uint8_t first = 0x02) { return {first, 0, 0, 0, 0, last}; }

// A customer Ethernet/IPv4/UDP frame of `len` bytes.
std::vector<uint8_t> customer_frame(unsigned len, uint8_t seed) {
  std::vector<uint8_t> b(std::max(len, 60u), 0);
  auto dst = mac(0xaa), src = mac(seed);
  std::memcpy(b.data(), dst.data(), 6);
  std::memcpy(b.data() + 6, src.data(), 6);
  store_be16(b.data() + 12, kEtherTypeIpv4);
  uint8_t* ip = b.data() + 14;
  ip[0] = 0x45;
  store_be16(ip + 2, uint16_t(b.size() - 14));
  ip[8] = 64;
  ip[9] = 17;
  store_be32(ip + 12, 0x0a000001u + seed);
  store_be32(ip + 16, 0x0a000101u);
  store_be16(ip + 20, 1024);
  store_be16(ip + 22, 11211);
  return b;
}

std::vector<uint8_t> labelled_frame(unsigned len, uint32_t label, uint8_t ttl) {
  std::vector<uint8_t> b(std::max<size_t>(len, 60), 0);
  auto dst = mac(0x10), src = mac(0xa0, 0x06);
  std::memcpy(b.data(), dst.data(), 6);
  std::memcpy(b.data() + 6, src.data(), 6);
  store_be16(b.data() + 12, kEtherTypeMpls);
  store_be32(b.data() + 14, lse::make(label, 0, true, ttl));
  return b;
}

rte_mbuf* to_mbuf(rte_mempool* pool, const std::vector<uint8_t>& b) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (!m) return nullptr;
  char* d = rte_pktmbuf_append(m, uint16_t(b.size()));
  if (!d) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  std::memcpy(d, b.data(), b.size());
  return m;
}

// ------------------------------------------------------------------ scenarios

enum class Refresh : uint8_t { none, strip_to, restore_to };

struct Scenario {
  std::string mode;
  ForwardingState state;
  std::vector<std::pair<std::string, unsigned>> port_dev;  // router port -> device
  std::string in_port[kDevs];   // how frames received on device d are processed
  std::string out_port[kDevs];  // where frames from device d leave (for refills)
  Refresh refresh = Refresh::none;
  uint16_t refresh_len = 0;     // the length a frame is brought back to
  std::string what;             // one line for the report
  // The j-th fresh frame for device d.
  std::vector<uint8_t> (*frame)(const Options&, unsigned d, unsigned j) = nullptr;
};

uint32_t swap_label(const Options& o, unsigned i) { return o.label_base + i * o.label_stride; }

Scenario swap_scenario(const Options& o) {
  Scenario s;
  s.mode = "swap";
  auto& st = s.state;
  st.router = "P";
  st.ports = {{"p0", "", mac(0x10), 1500}, {"p1", "", mac(0x11), 1500}};
  for (unsigned i = 0; i < o.labels; ++i) {
    const unsigned next = (i + 1) % o.labels;
    Nhlfe n;
    n.id = i + 1;
    n.op = NhlfeOp::swap;
    n.labels = {swap_label(o, next)};
    n.out_port = next % 2 ? "p1" : "p0";  // label i arrives on device i % 2
    n.next_hop_mac = mac(uint8_t(i), 0x06);
    st.nhlfes.push_back(n);
    st.ilm.push_back({swap_label(o, i), IlmAction::forward, i + 1});
  }
  s.port_dev = {{"p0", 0}, {"p1", 1}};
  s.in_port[0] = "p0", s.in_port[1] = "p1";
  s.out_port[0] = "p1", s.out_port[1] = "p0";
  s.what = fmt::format(
      "{} labels {}..{} (stride {}) in one swap cycle, alternating devices; frames start at TTL "
      "255, expire after 254 hops and are replaced",
      o.labels, swap_label(o, 0), swap_label(o, o.labels - 1), o.label_stride);
  s.frame = [](const Options& o, unsigned d, unsigned j) {
    return labelled_frame(o.frame_len, swap_label(o, (2 * j + d) % o.labels), 255);
  };
  return s;
}

// Two PEs' worth of VPWS on one router: AC port acD and core port coreD on
// device D. PW d: local 6001+d, remote 5001+d.
ForwardingState vpws_state(bool imposition) {
  ForwardingState st;
  st.router = "PE";
  st.ports = {{"ac0", "", mac(0x20), 1500},
              {"ac1", "", mac(0x21), 1500},
              {"core0", "", mac(0x10), 1500},
              {"core1", "", mac(0x11), 1500}};
  for (unsigned t = 0; t < 2; ++t) {
    Nhlfe n;
    n.id = t + 1;
    n.op = NhlfeOp::push;
    n.labels = {t ? kTransportLabel1 : kTransportLabel0};
    n.out_port = t ? "core1" : "core0";
    n.next_hop_mac = mac(uint8_t(0xa0 + t), 0x06);
    st.nhlfes.push_back(n);
  }
  for (unsigned d = 0; d < 2; ++d) {
    Pseudowire pw;
    pw.id = d + 1;
    pw.pw_id = 100 + d;
    pw.peer = "PE2";
    pw.local_label = 6001 + d;
    pw.remote_label = 5001 + d;
    // Imposition: the AC on device d sends over the core port of the other
    // device. Disposition: the PW disposes to the AC on its own device.
    pw.transport = NextHop{NextHop::Kind::nhlfe, imposition ? 2 - d : d + 1};
    st.pseudowires.push_back(pw);
    st.ilm.push_back({pw.local_label, IlmAction::pw_disposition, pw.id});
    st.attachment_circuits.push_back(
        {fmt::format("site{}", d), fmt::format("ac{}", d), 0, AcMode::raw, d + 1, std::nullopt});
  }
  return st;
}

Scenario imposition_scenario(const Options& o) {
  Scenario s;
  s.mode = "imposition";
  s.state = vpws_state(true);
  s.port_dev = {{"ac0", 0}, {"core0", 0}, {"ac1", 1}, {"core1", 1}};
  s.in_port[0] = "ac0", s.in_port[1] = "ac1";
  s.out_port[0] = "core1", s.out_port[1] = "core0";
  s.refresh = Refresh::strip_to;
  s.refresh_len = uint16_t(std::max(o.frame_len, 60u));
  s.what = fmt::format(
      "{}-byte customer frames on a port-based raw AC; push PW label + 1 transport label + MAC "
      "header (22 bytes) out of the other device's core port; the harness strips those 22 bytes "
      "before the next pass",
      s.refresh_len);
  s.frame = [](const Options& o, unsigned d, unsigned j) {
    return customer_frame(o.frame_len, uint8_t(1 + d + 2 * j));
  };
  return s;
}

Scenario disposition_scenario(const Options& o) {
  Scenario s;
  s.mode = "disposition";
  s.state = vpws_state(false);
  s.port_dev = {{"ac0", 0}, {"core0", 0}, {"ac1", 1}, {"core1", 1}};
  s.in_port[0] = "core0", s.in_port[1] = "core1";
  s.out_port[0] = "ac0", s.out_port[1] = "ac1";
  s.refresh = Refresh::restore_to;
  s.refresh_len = uint16_t(std::max(o.frame_len, 60u) + 18);
  s.what = fmt::format(
      "{}-byte frames: MAC header + PW label (PHP'd transport, no control word) + a {}-byte "
      "customer frame, disposed to a port-based raw AC; the harness puts the 18 bytes back before "
      "the next pass",
      s.refresh_len, s.refresh_len - 18);
  s.frame = [](const Options& o, unsigned d, unsigned j) {
    auto inner = customer_frame(o.frame_len, uint8_t(1 + d + 2 * j));
    auto f = labelled_frame(18, 6001 + d, 255);
    f.resize(18);
    f.insert(f.end(), inner.begin(), inner.end());
    return f;
  };
  return s;
}

Scenario make_scenario(const std::string& mode, const Options& o) {
  if (mode == "swap") return swap_scenario(o);
  if (mode == "imposition") return imposition_scenario(o);
  return disposition_scenario(o);
}

// ------------------------------------------------------------------ the loop

struct Round {
  rte_mbuf* pkts[kDevs][kBurst];
  uint16_t n[kDevs];
  uint16_t in_port[kDevs];
};

// Our processing, and nothing else: what rdtsc brackets and what callgrind
// counts (--toggle-collect=*bench_router_round*).
__attribute__((noinline)) void bench_router_round(Router& r, Round& rd) {
  for (unsigned d = 0; d < kDevs; ++d)
    if (rd.n[d]) r.process(0, rd.in_port[d], rd.pkts[d], rd.n[d]);
  r.flush(0);
}

struct Bench {
  const Options& o;
  Scenario sc;
  rte_mempool* pool;
  uint16_t dev[kDevs];
  Rcu rcu{1};
  std::unique_ptr<Router> router;
  uint16_t out_idx[kDevs]{};
  uint64_t out_tx[kDevs]{};
  uint64_t refilled = 0;
  unsigned next_frame[kDevs]{};

  Bench(const Options& opt, Scenario s, rte_mempool* p, const uint16_t devs[kDevs])
      : o(opt), sc(std::move(s)), pool(p) {
    for (unsigned d = 0; d < kDevs; ++d) dev[d] = devs[d];
  }

  Status setup() {
    router = std::make_unique<Router>(sc.state.router, rcu, 1);
    if (auto st = router->update(sc.state); !st) return st;
    for (auto& [name, d] : sc.port_dev)
      router->set_port_io(uint16_t(router->port_index(name)), 0,
                          std::make_unique<EthdevPortIo>(dev[d], 0));
    for (unsigned d = 0; d < kDevs; ++d) {
      out_idx[d] = uint16_t(router->port_index(sc.out_port[d]));
      out_tx[d] = router->port_stats(out_idx[d]).tx_packets;
    }
    for (unsigned d = 0; d < kDevs; ++d)
      if (!inject(d, o.per_dev)) return Error{"cannot inject frames (mempool or ring full)"};
    refilled = 0;
    return Status::success();
  }

  bool inject(unsigned d, unsigned count) {
    rte_mbuf* ms[kBurst];
    while (count) {
      unsigned k = std::min<unsigned>(count, kBurst);
      for (unsigned i = 0; i < k; ++i) {
        ms[i] = to_mbuf(pool, sc.frame(o, d, next_frame[d]++));
        if (!ms[i]) return false;
      }
      uint16_t sent = rte_eth_tx_burst(dev[d], 0, ms, uint16_t(k));
      for (unsigned i = sent; i < k; ++i) rte_pktmbuf_free(ms[i]);
      if (sent < k) return false;
      count -= k;
      refilled += k;
    }
    return true;
  }

  // Drains what is still circulating (between modes).
  void drain() {
    rte_mbuf* ms[kBurst];
    for (unsigned d = 0; d < kDevs; ++d) {
      uint16_t n;
      while ((n = rte_eth_rx_burst(dev[d], 0, ms, kBurst)) > 0)
        for (uint16_t i = 0; i < n; ++i) rte_pktmbuf_free(ms[i]);
    }
  }

  struct Run {
    uint64_t rounds = 0, rx = 0, forwarded = 0, busy_cycles = 0, wall_cycles = 0, refills = 0;
    RouterStats stats;
  };

  // One core: rx a burst from each device, harness refresh, our processing,
  // harness refill of expired frames. Stops after `rounds` rounds or
  // `cycles` TSC cycles, whichever is first (0: no limit).
  Run run(uint64_t max_rounds, uint64_t max_cycles) {
    Run r;
    Round rd;
    for (unsigned d = 0; d < kDevs; ++d) rd.in_port[d] = uint16_t(router->port_index(sc.in_port[d]));
    const RouterStats s0 = router->stats();
    const uint64_t refills0 = refilled;
    const uint64_t start = rte_rdtsc();
    for (;;) {
      for (unsigned d = 0; d < kDevs; ++d) {
        rd.n[d] = rte_eth_rx_burst(dev[d], 0, rd.pkts[d], kBurst);
        r.rx += rd.n[d];
      }
      if (sc.refresh == Refresh::strip_to) {
        for (unsigned d = 0; d < kDevs; ++d)
          for (uint16_t i = 0; i < rd.n[d]; ++i) {
            rte_mbuf* m = rd.pkts[d][i];
            rte_pktmbuf_adj(m, uint16_t(m->pkt_len - sc.refresh_len));
          }
      } else if (sc.refresh == Refresh::restore_to) {
        for (unsigned d = 0; d < kDevs; ++d)
          for (uint16_t i = 0; i < rd.n[d]; ++i) {
            rte_mbuf* m = rd.pkts[d][i];
            rte_pktmbuf_prepend(m, uint16_t(sc.refresh_len - m->pkt_len));
          }
      }
      const uint64_t t0 = rte_rdtsc();
      bench_router_round(*router, rd);
      r.busy_cycles += rte_rdtsc() - t0;
      // Frames that did not leave (TTL expiry in swap) are replaced on the
      // device they were received on.
      for (unsigned d = 0; d < kDevs; ++d) {
        const uint64_t tx = router->port_stats(out_idx[d]).tx_packets;
        const uint64_t lost = rd.n[d] - (tx - out_tx[d]);
        out_tx[d] = tx;
        if (lost) [[unlikely]]
          inject(d, unsigned(lost));
      }
      ++r.rounds;
      if (max_rounds && r.rounds >= max_rounds) break;
      if (max_cycles && (r.rounds & 255) == 0 && rte_rdtsc() - start >= max_cycles) break;
    }
    r.wall_cycles = rte_rdtsc() - start;
    RouterStats s1 = router->stats();
    r.forwarded = s1.forwarded - s0.forwarded;
    r.stats = s1;
    for (size_t i = 0; i < kDropReasonCount; ++i) r.stats.drops[i] = s1.drops[i] - s0.drops[i];
    r.stats.rx_packets = s1.rx_packets - s0.rx_packets;
    r.stats.forwarded = r.forwarded;
    r.refills = refilled - refills0;
    return r;
  }
};

// ------------------------------------------------------------------ child processes

using bench::Macswap;
Macswap run_testpmd(const Options& o, bool huge) {
  return bench::run_testpmd_macswap(memory_args(huge), o.testpmd_seconds, "dpbench_testpmd");
}

std::optional<double> callgrind_instructions(const std::string& self, const std::string& mode,
                                             const Options& o, uint64_t& packets, std::string& why) {
  std::string out = fmt::format("/tmp/dp_forward_bench.{}.{}.callgrind", getpid(), mode);
  std::vector<std::string> a{"valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                             "--collect-atstart=no", "--toggle-collect=*bench_router_round*",
                             self, "--child-instructions", mode,
                             "--instr-rounds", std::to_string(o.instr_rounds),
                             "--labels", std::to_string(o.labels),
                             "--label-base", std::to_string(o.label_base),
                             "--label-stride", std::to_string(o.label_stride),
                             "--frame-len", std::to_string(o.frame_len),
                             "--per-dev", std::to_string(o.per_dev)};
  auto c = run_child(a, 0);
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(out.c_str(), "r"), std::fclose);
  auto at = c.output.find("CHILD_RX=");
  if (!f || at == std::string::npos) {
    why = fmt::format("callgrind run failed (status {}): {}", c.status,
                      c.output.substr(c.output.size() > 400 ? c.output.size() - 400 : 0));
    return std::nullopt;
  }
  packets = std::strtoull(c.output.c_str() + at + 9, nullptr, 10);
  char line[512];
  double ir = -1;
  while (std::fgets(line, sizeof line, f.get()))
    if (std::strncmp(line, "summary:", 8) == 0 || std::strncmp(line, "totals:", 7) == 0)
      ir = std::strtod(std::strchr(line, ':') + 1, nullptr);
  std::remove(out.c_str());
  if (ir < 0 || packets == 0) {
    why = "no callgrind totals";
    return std::nullopt;
  }
  return ir / double(packets);
}

// ------------------------------------------------------------------ main

void usage() {
  std::puts(
      "usage: dp_forward_bench [--modes swap,imposition,disposition] [--seconds S]\n"
      "         [--memory auto|huge|nohuge] [--no-testpmd] [--testpmd-seconds S]\n"
      "         [--no-instructions] [--instr-rounds N] [--labels N] [--label-base L]\n"
      "         [--label-stride K] [--frame-len B] [--per-dev N]\n"
      "Runs on lcore 1 (testpmd: -l 0-1, forwarding on lcore 1). See docs/performance.md.");
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--modes") {
      o.modes.clear();
      std::stringstream ss(val());
      for (std::string m; std::getline(ss, m, ',');) {
        if (m != "swap" && m != "imposition" && m != "disposition")
          throw std::invalid_argument("unknown mode '" + m + "'");
        o.modes.push_back(m);
      }
    } else if (a == "--seconds") o.seconds = std::stod(val());
    else if (a == "--memory") o.memory = val();
    else if (a == "--no-testpmd") o.testpmd = false;
    else if (a == "--testpmd-seconds") o.testpmd_seconds = std::stod(val());
    else if (a == "--no-instructions") o.instructions = false;
    else if (a == "--instr-rounds") o.instr_rounds = std::stoull(val());
    else if (a == "--labels") o.labels = unsigned(std::stoul(val()));
    else if (a == "--label-base") o.label_base = unsigned(std::stoul(val()));
    else if (a == "--label-stride") o.label_stride = unsigned(std::stoul(val()));
    else if (a == "--frame-len") o.frame_len = unsigned(std::stoul(val()));
    else if (a == "--per-dev") o.per_dev = unsigned(std::stoul(val()));
    else if (a == "--child-instructions") o.child_mode = val();
    else if (a == "-h" || a == "--help") return usage(), false;
    else throw std::invalid_argument("unknown argument '" + a + "'");
  }
  if (o.labels < 2 || o.labels % 2) throw std::invalid_argument("--labels must be even, >= 2");
  if (uint64_t(o.label_base) + uint64_t(o.labels - 1) * o.label_stride > kMaxLabel ||
      o.label_base < kFirstUnreservedLabel || o.label_stride == 0)
    throw std::invalid_argument("swap labels outside 16..2^20-1");
  if (o.per_dev == 0 || o.per_dev > 512) throw std::invalid_argument("--per-dev 1..512");
  if (o.frame_len < 60 || o.frame_len > 1400) throw std::invalid_argument("--frame-len 60..1400");
  if (o.memory != "auto" && o.memory != "huge" && o.memory != "nohuge")
    throw std::invalid_argument("--memory auto|huge|nohuge");
  return true;
}

std::string self_exe() {
  char buf[4096];
  ssize_t k = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return k > 0 ? std::string(buf, size_t(k)) : "dp_forward_bench";
}

struct ModeResult {
  std::string mode, what;
  Bench::Run run;
  double mpps = 0, cycles_ours = 0, cycles_loop = 0;               // median slice
  double mpps_best = 0, cycles_ours_best = 0, cycles_loop_best = 0;  // best slice
  double mpps_all = 0;                                                // whole run
  unsigned slices = 0;
  std::optional<double> instr;
  std::string instr_why;
  size_t table_bytes = 0;
  long maxrss_kib = 0;
  uint64_t unexpected_drops = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    if (!parse(argc, argv, o)) return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dp_forward_bench: %s\n", e.what());
    usage();
    return 2;
  }
  const bool child = !o.child_mode.empty();
  std::string load_at_start = "?";
  if (std::ifstream la("/proc/loadavg"); la) std::getline(la, load_at_start);
  load_at_start = load_at_start.substr(0, load_at_start.find(' ', load_at_start.find(' ') + 1));
  bool huge = false;
  if (!child) {
    if (o.memory == "huge") huge = true;
    else if (o.memory == "auto") huge = enough_hugepages();
  }
  const std::string mode_name =
      huge ? "hugepages (--in-memory, 2 MiB pages)" : "no hugepages (--no-huge -m 512 --no-shconf)";

  // testpmd first, while our EAL is not up yet (it is a separate process
  // with its own memory either way).
  Macswap mac_res;
  if (!child && o.testpmd) {
    std::printf("running dpdk-testpmd macswap for %.0f s ...\n", o.testpmd_seconds);
    std::fflush(stdout);
    mac_res = run_testpmd(o, huge);
    if (!mac_res.ok) std::printf("testpmd: %s\n", mac_res.why.c_str());
  }

  std::vector<std::string> eal{"dp_forward_bench", "-l", "1", "--no-pci", "--vdev", "net_ring0",
                               "--vdev", "net_ring1", "--file-prefix", "dpbench",
                               "--log-level=lib.eal:error", "--log-level=pmd:error", "--no-telemetry"};
  for (auto& m : memory_args(huge)) eal.push_back(m);
  if (auto st = eal_init(eal); !st) {
    std::fprintf(stderr, "%s\n", st.error().message.c_str());
    return 1;
  }
  auto pool = make_mbuf_pool("bench_pool", 4095);
  if (!pool) {
    std::fprintf(stderr, "%s\n", pool.error().message.c_str());
    return 1;
  }
  uint16_t devs[kDevs];
  for (unsigned d = 0; d < kDevs; ++d) {
    auto name = fmt::format("net_ring{}", d);
    if (rte_eth_dev_get_port_by_name(name.c_str(), &devs[d]) != 0) {
      std::fprintf(stderr, "no ethdev %s\n", name.c_str());
      return 1;
    }
    if (auto st = start_ethdev(devs[d], 1, *pool); !st) {
      std::fprintf(stderr, "%s\n", st.error().message.c_str());
      return 1;
    }
  }
  const uint64_t hz = rte_get_tsc_hz();

  if (child) {
    Bench b(o, make_scenario(o.child_mode, o), *pool, devs);
    if (auto st = b.setup(); !st) {
      std::fprintf(stderr, "%s\n", st.error().message.c_str());
      return 1;
    }
    auto r = b.run(o.instr_rounds, 0);
    std::printf("CHILD_RX=%llu\n", (unsigned long long)r.rx);
    b.drain();
    return 0;
  }

  std::vector<ModeResult> results;
  for (auto& mode : o.modes) {
    Bench b(o, make_scenario(mode, o), *pool, devs);
    if (auto st = b.setup(); !st) {
      std::fprintf(stderr, "%s: %s\n", mode.c_str(), st.error().message.c_str());
      return 1;
    }
    std::printf("running %s for %.1f s ...\n", mode.c_str(), o.seconds);
    std::fflush(stdout);
    b.run(0, uint64_t(o.warmup * double(hz)));
    ModeResult m;
    m.mode = mode;
    m.what = b.sc.what;
    // Slices of 50 ms: the machine is shared, so a slice in which another
    // process took the core shows up as a slow slice instead of skewing one
    // long average. We report the median slice and the best slice.
    const uint64_t slice = uint64_t(0.05 * double(hz));
    const uint64_t end = rte_rdtsc() + uint64_t(o.seconds * double(hz));
    std::vector<Bench::Run> slices;
    while (rte_rdtsc() < end) {
      auto r = b.run(0, slice);
      if (r.forwarded == 0) continue;
      m.run.rounds += r.rounds;
      m.run.rx += r.rx;
      m.run.forwarded += r.forwarded;
      m.run.busy_cycles += r.busy_cycles;
      m.run.wall_cycles += r.wall_cycles;
      m.run.refills += r.refills;
      for (size_t i = 0; i < kDropReasonCount; ++i) m.run.stats.drops[i] += r.stats.drops[i];
      slices.push_back(r);
    }
    auto loop_of = [](const Bench::Run& r) { return double(r.wall_cycles) / double(r.forwarded); };
    std::sort(slices.begin(), slices.end(),
              [&](const Bench::Run& a, const Bench::Run& c) { return loop_of(a) < loop_of(c); });
    m.slices = unsigned(slices.size());
    const Bench::Run& med = slices[slices.size() / 2];
    const Bench::Run& best = slices.front();
    m.cycles_loop = loop_of(med);
    m.cycles_loop_best = loop_of(best);
    m.mpps = double(hz) / m.cycles_loop / 1e6;
    m.mpps_best = double(hz) / m.cycles_loop_best / 1e6;
    m.cycles_ours = double(med.busy_cycles) / double(med.rx);
    m.cycles_ours_best = double(best.busy_cycles) / double(best.rx);
    m.mpps_all = double(m.run.forwarded) / (double(m.run.wall_cycles) / double(hz)) / 1e6;
    m.table_bytes = b.router->table_memory_bytes();
    m.maxrss_kib = maxrss_kib();
    for (size_t i = 0; i < kDropReasonCount; ++i)
      if (!(mode == "swap" && DropReason(i) == DropReason::ttl_expired))
        m.unexpected_drops += m.run.stats.drops[i];
    b.drain();
    results.push_back(std::move(m));
  }
  const size_t heap = dpdk_heap_bytes();

  if (o.instructions) {
    const std::string self = self_exe();
    for (auto& m : results) {
      std::printf("counting instructions of %s under callgrind (%llu rounds) ...\n",
                  m.mode.c_str(), (unsigned long long)o.instr_rounds);
      std::fflush(stdout);
      uint64_t packets = 0;
      m.instr = callgrind_instructions(self, m.mode, o, packets, m.instr_why);
    }
  }

  // ---------------------------------------------------------------- report
  std::printf("\n== dp_forward_bench ==\n");
  std::printf("machine: %u cores online, TSC %.3f GHz, load average at start %s; memory mode: %s\n",
              unsigned(sysconf(_SC_NPROCESSORS_ONLN)), double(hz) / 1e9, load_at_start.c_str(),
              mode_name.c_str());
  std::printf(
      "devices: two net_ring ethdevs (loopback rings), %u frames circulating per device, bursts "
      "of %u, one core (lcore 1)\n",
      o.per_dev, kBurst);
  std::printf(
      "ours: Mpps = frames forwarded / wall time of the whole loop (rx_burst, harness refresh, "
      "our processing, refills),\n      in 50 ms slices: med = median slice, best = fastest slice;\n"
      "      ours cyc/pkt = rdtsc around Router::process + Router::flush (incl. tx_burst) / frames "
      "received;\n      loop cyc/pkt = TSC Hz / Mpps (everything, as for testpmd);\n"
      "      instr/pkt = callgrind Ir inside that same function / frames received (fixed-count run "
      "without hugepages)\n");
  if (mac_res.ok)
    std::printf(
        "macswap: dpdk-testpmd --forward-mode=macswap --tx-first, same device type, same core, "
        "%u one-second periods:\n         median %.2f + %.2f Mpps (ports 0 + 1) = %.2f Mpps, best "
        "%.2f Mpps; max RSS %.1f MiB\n         (%s)\n",
        mac_res.samples, mac_res.pps_per_port[0] / 1e6, mac_res.pps_per_port[1] / 1e6,
        mac_res.pps_total / 1e6, mac_res.pps_best / 1e6, double(mac_res.maxrss_kib) / 1024,
        mac_res.command.c_str());
  std::printf("\n%-12s %15s %15s %15s %9s %11s %13s %7s %7s\n", "operation", "Mpps, 1 core",
              "ours cyc/pkt", "loop cyc/pkt", "instr/pkt", "/macswap", "extra cyc", "tables",
              "maxRSS");
  std::printf("%-12s %15s %15s %15s %9s %11s %13s %7s %7s\n", "", "med / best", "med / best",
              "med / best", "(ours)", "med / best", "med / best", "KiB", "MiB");
  const double mac_loop = mac_res.ok ? double(hz) / mac_res.pps_total : 0;
  const double mac_loop_best = mac_res.ok ? double(hz) / mac_res.pps_best : 0;
  if (mac_res.ok)
    std::printf("%-12s %7.2f / %5.2f %15s %7.1f / %5.1f %9s %11s %13s %7s %7.1f\n", "macswap",
                mac_res.pps_total / 1e6, mac_res.pps_best / 1e6, "-", mac_loop, mac_loop_best, "-",
                "1 / 1", "0 / 0", "-", double(mac_res.maxrss_kib) / 1024);
  std::vector<std::string> verdicts;
  for (auto& m : results) {
    std::string ratio = "-", extra = "-";
    if (mac_res.ok) {
      const double rt = m.mpps * 1e6 / mac_res.pps_total;
      const double rt_best = m.mpps_best * 1e6 / mac_res.pps_best;
      const double ex = m.cycles_loop - mac_loop;
      const double ex_best = m.cycles_loop_best - mac_loop_best;
      ratio = fmt::format("{:.2f} / {:.2f}", rt, rt_best);
      extra = fmt::format("{:.1f} / {:.1f}", ex, ex_best);
      const double want_ratio = m.mode == "swap" ? 0.8 : 0.7;
      const double want_extra = m.mode == "swap" ? 25 : 40;
      auto met = [](bool b) { return b ? "met" : "NOT met"; };
      verdicts.push_back(fmt::format(
          "{}: ratio {:.2f} median, {:.2f} best (target >= {}): {}; extra cycles {:.1f} median, "
          "{:.1f} best (target <= {}): {}",
          m.mode, rt, rt_best, want_ratio, met(rt >= want_ratio || rt_best >= want_ratio), ex,
          ex_best, want_extra, met(ex <= want_extra || ex_best <= want_extra)));
    }
    std::printf("%-12s %7.2f / %5.2f %7.1f / %5.1f %7.1f / %5.1f %9s %11s %13s %7.1f %7.1f\n",
                m.mode.c_str(), m.mpps, m.mpps_best, m.cycles_ours, m.cycles_ours_best,
                m.cycles_loop, m.cycles_loop_best,
                m.instr ? fmt::format("{:.1f}", *m.instr).c_str() : "n/a", ratio.c_str(),
                extra.c_str(), double(m.table_bytes) / 1024, double(m.maxrss_kib) / 1024);
  }
  std::printf("\nDPDK heap allocated by us: %.1f MiB (mbuf pool of 4095, rings, RCU); maxRSS is "
              "the process peak so far (hugepage memory is not in RSS)\n",
              double(heap) / (1 << 20));
  for (auto& m : results) {
    std::printf("%s: %s\n", m.mode.c_str(), m.what.c_str());
    std::printf("  %u slices; whole run %.2f Mpps; received %llu, forwarded %llu, refills %llu, "
                "unexpected drops %llu",
                m.slices, m.mpps_all, (unsigned long long)m.run.rx,
                (unsigned long long)m.run.forwarded, (unsigned long long)m.run.refills,
                (unsigned long long)m.unexpected_drops);
    if (m.mode == "swap")
      std::printf(", ttl_expired %llu",
                  (unsigned long long)m.run.stats.drop(DropReason::ttl_expired));
    std::printf("\n");
    if (!m.instr && o.instructions) std::printf("  instructions: %s\n", m.instr_why.c_str());
  }
  if (mac_res.ok) {
    std::printf("\ntargets (swap >= 0.8x macswap and <= 25 cycles/pkt beyond it; PW imposition "
                "and disposition >= 0.7x and <= 40):\n");
    for (auto& v : verdicts) std::printf("  %s\n", v.c_str());
  }
  for (auto& m : results)
    if (m.unexpected_drops) return 3;
  return 0;
}
