// `l2vpn bench`: traffic generator and RFC 2544 / RFC 5695 runner
// (docs/throughput-testing.md). Two ways to run:
//  --self   generator -> our fast path (a programmed dp::Router per mode) ->
//           analyser, through two net_ring devices inside this process; the
//           generator and analyser share lcore 0, the DUT workers have
//           their own lcores (one queue each);
//  --tx/--rx  DPDK ports (PCI address or vdev) to an external DUT.
#include <fmt/format.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <spdlog/spdlog.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>

#include "bench/bench_util.hpp"
#include "commands.hpp"
#include "dataplane/counters.hpp"
#include "dataplane/eal.hpp"
#include "dataplane/port.hpp"
#include "trafficgen/engine.hpp"
#include "trafficgen/report.hpp"
#include "trafficgen/self_dut.hpp"

namespace l2vpn::app {

namespace {

struct BenchOptions {
  bool self = false;
  std::string tx_dev, rx_dev;
  std::string modes = "macswap,swap,imposition,disposition,vpls";
  std::string sizes = "64,imix,1518";
  std::string workers = "1";
  unsigned flows = 1024;
  double trial_seconds = 1;
  double latency_seconds = 0;  // 0: trial_seconds
  double resolution = 0.01;
  double pdr_loss_pct = 0.5;
  unsigned repetitions = 1;
  unsigned fail_retries = 0;
  unsigned stall_retries = 3;
  std::string tests = "throughput,latency";
  uint64_t b2b_max = 200000;
  double max_rate_mpps = 0;
  double drain_ms = 50;
  std::string json_path, svg_path;
  bool testpmd = true;
  double testpmd_seconds = 8;
  std::string memory = "auto";
  std::string lcores;  // EAL --lcores override
  unsigned tg_cpu = 0;
  std::string dut_cpus;  // default: every cpu but tg_cpu
  std::string eal;
  bool cw = false, flow_label = false;
  // External DUT frames.
  std::string frame = "ethernet";
  std::string labels = "1000";
  unsigned label_span = 1;
  uint16_t vlan = 0;
  bool entropy = false;
  uint16_t queues = 1;
  bool quiet = false;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string x; std::getline(ss, x, sep);)
    if (!x.empty()) out.push_back(x);
  return out;
}
std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

Result<std::vector<unsigned>> parse_uints(const std::string& what, const std::string& list, unsigned lo,
                                          unsigned hi) {
  std::vector<unsigned> out;
  for (auto& x : split(list, ',')) {
    char* end = nullptr;
    unsigned long v = std::strtoul(x.c_str(), &end, 10);
    if (*end || v < lo || v > hi) return Error{fmt::format("{}: '{}' is not a number in {}..{}", what, x, lo, hi)};
    out.push_back(unsigned(v));
  }
  if (out.empty()) return Error{fmt::format("{}: empty list", what)};
  return out;
}

bool is_pci(const std::string& d) {
  static const std::regex re("^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]$");
  return std::regex_match(d.substr(0, d.find(',')), re);
}

std::string load_average() {
  std::string la = "?";
  if (std::ifstream in("/proc/loadavg"); in) std::getline(in, la);
  auto parts = split(la, ' ');
  return parts.size() >= 3 ? parts[0] + " " + parts[1] + " " + parts[2] : la;
}

struct Runner {
  const BenchOptions& o;
  tg::BenchReport rep;
  std::set<std::string> tests;
  rte_mempool* pool = nullptr;
  double hz = 0;
  unsigned r_void = 0;  // trials voided by a stall

  tg::ProgressFn progress(const std::string& label) {
    if (o.quiet) return nullptr;
    return [label](const tg::TrialRecord& t, const std::string& status) {
      std::string what = t.frames ? fmt::format("burst {} frames", t.frames)
                                  : fmt::format("{:.3f} Mpps (offered {:.3f})", t.rate_pps / 1e6,
                                                t.offered_pps / 1e6);
      std::fprintf(stderr, "  [%s] %-6s %s: loss %.4f %% (%llu of %llu) | %s\n", label.c_str(),
                   t.phase.c_str(), what.c_str(), t.loss_ratio * 100, (unsigned long long)t.lost,
                   (unsigned long long)t.tx, status.c_str());
    };
  }

  // One row: the searches, then latency, loss steps and back-to-back.
  // `dut_stalls`: the DUT's stall counter (--self), or nullptr.
  tg::ResultRow measure(tg::TrafficEngine& eng, const std::string& mode, const tg::SizeProfile& size,
                        unsigned workers, double ceiling,
                        const std::function<uint64_t()>& dut_stalls = nullptr) {
    tg::ResultRow r;
    r.mode = mode;
    r.size = size.name;
    r.mean_size = size.mean_size();
    r.workers = workers;
    r.ceiling_pps = ceiling;
    const std::string label = fmt::format("{} {} {}w", mode, size.name, workers);
    // A failed trial during which the tester's or the DUT's lcore lost its
    // cpu for over 1 ms measured the machine, not the DUT: it is void and
    // run again (up to --stall-retries times; then it counts as it came out).
    auto trial = [&](const tg::TrialRequest& q) {
      for (unsigned k = 0;; ++k) {
        const uint64_t s0 = dut_stalls ? dut_stalls() : 0;
        auto r = eng.run(q);
        const uint64_t ds = dut_stalls ? dut_stalls() - s0 : 0;
        // A clean trial stands even with a stall in it.
        const bool stalled = (r.tester_stall_ms > 1.0 || ds > 0) &&
                             (r.analysis.lost > 0 || r.generator_limited);
        if (!stalled || k >= o.stall_retries) return r;
        ++r_void;
        if (auto p = progress(label))
          p(tg::record_of("void", r, 0),
            fmt::format("void: tester lcore stalled {:.1f} ms, DUT lcores {} time(s); again", r.tester_stall_ms, ds));
      }
    };
    tg::SearchConfig cfg;
    cfg.max_rate_pps = ceiling;
    cfg.min_rate_pps = ceiling / 1000;
    cfg.pdr_tolerance = o.pdr_loss_pct / 100;
    cfg.resolution = o.resolution;
    cfg.trial_seconds = o.trial_seconds;
    cfg.progress = progress(label);
    cfg.fail_retries = o.fail_retries;
    bool tester_limited = false;
    for (unsigned k = 0; k < o.repetitions; ++k) {
      auto s = tg::search_ndr_pdr(trial, cfg);
      r.ndr_pps.push_back(s.ndr.rate_pps);
      r.pdr_pps.push_back(s.pdr.rate_pps);
      r.trials += unsigned(s.trials.size());
      tester_limited |= s.ndr.upper_tester_limited;
    }
    r.ndr_median = tg::median(r.ndr_pps);
    r.pdr_median = tg::median(r.pdr_pps);
    r.tester_bound = r.ndr_median >= ceiling * 0.999 || tester_limited;
    if (tests.count("latency") && r.ndr_median > 0) {
      const double secs = o.latency_seconds > 0 ? o.latency_seconds : o.trial_seconds;
      auto t = eng.run({r.ndr_median, secs, 0});
      ++r.trials;
      r.latency_rate_pps = r.ndr_median;
      r.latency = t.analysis.latency;
      r.reordered = t.analysis.reordered;
      r.duplicates = t.analysis.duplicates;
      if (auto p = progress(label))
        p(tg::record_of("latency", t, 0),
          fmt::format("latency avg {:.2f} us, p99 {:.2f} us, max {:.2f} us", r.latency.avg_ns / 1e3,
                      r.latency.p99_ns / 1e3, r.latency.max_ns / 1e3));
    }
    if (tests.count("loss")) {
      std::vector<tg::TrialRecord> rec;
      r.loss_steps = tg::frame_loss_steps(trial, ceiling, o.trial_seconds, 10, progress(label), &rec);
      r.trials += unsigned(rec.size());
    }
    if (tests.count("b2b")) {
      std::vector<tg::TrialRecord> rec;
      r.back_to_back = tg::back_to_back(trial, 0, o.b2b_max, std::max(1u, o.repetitions), progress(label), &rec)
                           .frames;
      r.trials += unsigned(rec.size());
    }
    return r;
  }

  void emit(const tg::ResultRow& r) {
    rep.rows.push_back(r);
    if (!o.quiet) {
      if (rep.rows.size() == 1) std::cout << "\n" << tg::table_header();
      std::cout << tg::table_line(r, rep) << std::flush;
    }
  }

  double calibrate(tg::EngineConfig ec) {
    // The tester alone: generator -> one loopback queue -> analyser, as
    // fast as it goes. The search never claims more than this.
    tg::TrafficEngine eng(ec);
    auto t = eng.run({0, 0, uint64_t(std::max(2e5, 5e6 * std::min(o.trial_seconds, 0.5)))});
    const double rx_rate = t.offered_pps * (1 - t.loss_ratio());
    return rx_rate;
  }
};

int run_self(const BenchOptions& o, Runner& R, const std::vector<std::string>& modes,
             const std::vector<tg::SizeProfile>& sizes, const std::vector<unsigned>& workers,
             const std::vector<unsigned>& dut_lcores, uint16_t dev_in, uint16_t dev_out) {
  tg::SelfOptions so;
  so.flows = o.flows;
  so.control_word = o.cw;
  so.flow_label = o.flow_label;
  const unsigned max_w = *std::max_element(workers.begin(), workers.end());
  for (auto& mode : modes) {
    auto sc = tg::make_self_scenario(mode, so);
    if (!sc) {
      spdlog::error("{}", sc.error().message);
      return 2;
    }
    R.rep.modes.push_back({mode, sc->what});
    // The tester's ceiling per size, before the DUT takes the input queues.
    std::vector<double> ceiling;
    for (auto& size : sizes) {
      tg::EngineConfig ec{sc->spec, size, dev_in, 1, dev_in, 1, R.pool, o.drain_ms / 1e3};
      double c = R.calibrate(ec);
      if (o.max_rate_mpps > 0) c = std::min(c, o.max_rate_mpps * 1e6);
      ceiling.push_back(c);
      if (!o.quiet)
        std::fprintf(stderr, "[%s %s] tester ceiling (generator -> analyser, no DUT): %.3f Mpps\n", mode.c_str(),
                     size.name.c_str(), c / 1e6);
    }
    tg::SelfDut dut(*sc, dev_in, dev_out, max_w);
    if (auto st = dut.program(); !st) {
      spdlog::error("mode {}: {}", mode, st.error().message);
      return 2;
    }
    for (unsigned w : workers) {
      std::vector<unsigned> lc(dut_lcores.begin(), dut_lcores.begin() + w);
      if (auto st = dut.start(lc); !st) {
        spdlog::error("mode {}: {}", mode, st.error().message);
        return 1;
      }
      for (size_t i = 0; i < sizes.size(); ++i) {
        tg::EngineConfig ec{sc->spec, sizes[i], dev_in, uint16_t(w), dev_out, uint16_t(w), R.pool,
                            o.drain_ms / 1e3};
        tg::TrafficEngine eng(ec);
        const auto s0 = dut.router_stats();
        const unsigned void0 = R.r_void;
        auto row = R.measure(eng, mode, sizes[i], w, ceiling[i], [&dut] { return dut.stalls(); });
        row.void_trials = R.r_void - void0;
        const auto s1 = dut.router_stats();
        row.dut_rx = s1.rx_packets - s0.rx_packets;
        row.dut_forwarded = s1.forwarded - s0.forwarded;
        row.dut_drops = s1.total_drops() - s0.total_drops();
        for (size_t k = 0; k < dp::kDropReasonCount; ++k)
          if (uint64_t d = s1.drops[k] - s0.drops[k])
            row.dut_drop_reasons += fmt::format("{}{} {}", row.dut_drop_reasons.empty() ? "" : ", ",
                                                dp::kDropReasonNames[k], d);
        R.emit(row);
      }
      dut.stop();
    }
  }
  return 0;
}

int run_bench(const BenchOptions& o) {
  Runner R{o, {}, {}, nullptr, 0, 0};
  auto sizes = tg::parse_sizes(o.sizes);
  if (!sizes) {
    spdlog::error("--sizes: {}", sizes.error().message);
    return 2;
  }
  auto workers = parse_uints("--workers", o.workers, 1, 16);
  if (!workers) {
    spdlog::error("{}", workers.error().message);
    return 2;
  }
  for (auto& t : split(o.tests, ',')) {
    if (t != "throughput" && t != "latency" && t != "loss" && t != "b2b") {
      spdlog::error("--tests: '{}' is not one of throughput, latency, loss, b2b", t);
      return 2;
    }
    R.tests.insert(t);
  }
  std::vector<std::string> modes;
  if (o.self) {
    for (auto& m : split(o.modes, ',')) {
      if (std::find(tg::self_modes().begin(), tg::self_modes().end(), m) == tg::self_modes().end()) {
        spdlog::error("--modes: '{}' is not one of macswap, swap, imposition, disposition, vpls", m);
        return 2;
      }
      modes.push_back(m);
    }
    if (modes.empty()) {
      spdlog::error("--modes: empty");
      return 2;
    }
  } else if (o.tx_dev.empty() || o.rx_dev.empty()) {
    spdlog::error("give --self, or the ports: --tx DEVICE --rx DEVICE (PCI address or vdev devargs; "
                  "the same device twice for one port)");
    return 2;
  }
  // Frames for an external DUT.
  tg::FrameSpec ext;
  if (!o.self) {
    if (o.frame == "ethernet") ext.kind = tg::FrameKind::ethernet;
    else if (o.frame == "mpls") ext.kind = tg::FrameKind::mpls;
    else if (o.frame == "pw") ext.kind = tg::FrameKind::pseudowire;
    else {
      spdlog::error("--frame: '{}' is not one of ethernet, mpls, pw", o.frame);
      return 2;
    }
    if (ext.kind != tg::FrameKind::ethernet) {
      auto l = parse_uints("--labels", o.labels, 0, 0xfffff);
      if (!l) {
        spdlog::error("{}", l.error().message);
        return 2;
      }
      ext.labels = *l;
    }
    ext.top_label_span = o.label_span;
    ext.vlan = o.vlan;
    ext.entropy_label = o.entropy;
    ext.control_word = o.cw;
    ext.flow_label = o.flow_label;
    ext.flows = o.flows;
    if (auto st = tg::validate(ext); !st) {
      spdlog::error("frames: {}", st.error().message);
      return 2;
    }
  }
  if (o.flows < 1 || o.flows > 65536) {
    spdlog::error("--flows: {} outside 1..65536", o.flows);
    return 2;
  }

  // ---- lcores: 0 = generator + analyser + control; 1..N = DUT workers.
  const unsigned ncpu = unsigned(sysconf(_SC_NPROCESSORS_ONLN));
  const unsigned max_w = o.self ? *std::max_element(workers->begin(), workers->end()) : 0;
  std::vector<unsigned> dut_cpus;
  if (!o.dut_cpus.empty()) {
    auto c = parse_uints("--dut-cpus", o.dut_cpus, 0, ncpu - 1);
    if (!c) {
      spdlog::error("{}", c.error().message);
      return 2;
    }
    dut_cpus = *c;
  } else {
    for (unsigned c = 0; c < ncpu; ++c)
      if (c != o.tg_cpu || ncpu == 1) dut_cpus.push_back(c);
  }
  std::string lcore_map = o.lcores;
  std::vector<unsigned> dut_lcores;
  if (lcore_map.empty()) {
    lcore_map = fmt::format("0@{}", o.tg_cpu);
    for (unsigned w = 0; w < max_w; ++w) lcore_map += fmt::format(",{}@{}", w + 1, dut_cpus[w % dut_cpus.size()]);
  }
  for (unsigned w = 0; w < max_w; ++w) dut_lcores.push_back(w + 1);
  {
    std::string who = fmt::format("EAL --lcores {}: lcore 0 (cpu {}) = generator + analyser + control", lcore_map,
                                  o.tg_cpu);
    if (max_w) {
      who += fmt::format("; lcores 1..{} = DUT workers on cpu(s)", max_w);
      std::set<unsigned> used;
      for (unsigned w = 0; w < max_w; ++w) used.insert(dut_cpus[w % dut_cpus.size()]);
      for (auto c : used) who += fmt::format(" {}", c);
      const unsigned lcount = max_w + 1;
      if (lcount > ncpu)
        who += fmt::format(" ({} busy-polling lcores on {} cpus: lcores share cpus, so rates with more "
                           "lcores than cpus show time-slicing, not scaling)",
                           lcount, ncpu);
    }
    R.rep.lcores = who;
    // Under SCHED_FIFO an lcore that busy-polls never yields to another of
    // the same priority on its cpu: EAL's launch of the second one would
    // wait for ever. SCHED_RR time-slices them (chrt -r).
    std::map<unsigned, unsigned> per_cpu{{o.tg_cpu, 1}};
    for (unsigned w = 0; w < max_w; ++w) ++per_cpu[dut_cpus[w % dut_cpus.size()]];
    bool shared = false;
    for (auto& [cpu, n] : per_cpu) shared |= n > 1;
    if (o.lcores.empty() && shared && sched_getscheduler(0) == SCHED_FIFO) {
      spdlog::error("{} lcores on {} cpus under SCHED_FIFO: a busy-polling lcore never yields to "
                    "another on its cpu. Run under SCHED_RR (chrt -r 1) or with fewer --workers",
                    max_w + 1, ncpu);
      return 2;
    }
  }

  // ---- memory and the testpmd baseline (its own process, before our EAL).
  bool huge = o.memory == "huge" || (o.memory == "auto" && bench::hugepages_free(256));
  R.rep.memory = huge ? "hugepages (EAL --in-memory)" : "no hugepages (--no-huge -m 1024 --no-shconf)";
  if (o.self && o.testpmd) {
    if (!o.quiet) std::fprintf(stderr, "running dpdk-testpmd macswap for %.0f s (baseline) ...\n", o.testpmd_seconds);
    auto mac = bench::run_testpmd_macswap(bench::memory_args(huge), o.testpmd_seconds,
                                          fmt::format("l2vpn_bench_testpmd_{}", getpid()));
    R.rep.testpmd_ok = mac.ok;
    R.rep.testpmd_pps = mac.pps_total;
    R.rep.testpmd_best_pps = mac.pps_best;
    R.rep.testpmd_command = mac.command;
    R.rep.testpmd_why = mac.why;
  } else if (o.self) {
    R.rep.testpmd_why = "--no-testpmd";
  }

  std::vector<std::string> eal{"l2vpn", "--lcores", lcore_map, "--file-prefix",
                               fmt::format("l2vpn_bench_{}", getpid()), "--log-level=lib.eal:error",
                               "--log-level=pmd:error"};
  if (huge) eal.push_back("--in-memory");
  else for (auto a : {"--no-huge", "-m", "1024", "--no-shconf"}) eal.push_back(a);
  std::vector<std::string> devs;
  if (o.self) {
    eal.push_back("--no-pci");
    devs = {"net_ring0", "net_ring1"};
  } else {
    devs = {o.tx_dev};
    if (o.rx_dev != o.tx_dev) devs.push_back(o.rx_dev);
    bool any_pci = false;
    for (auto& d : devs)
      if (is_pci(d)) {
        eal.push_back("-a");
        eal.push_back(d);
        any_pci = true;
      }
    if (!any_pci) eal.push_back("--no-pci");
  }
  for (auto& w : words(o.eal)) eal.push_back(w);
  if (auto st = dp::eal_init(eal); !st) {
    spdlog::error("{}", st.error().message);
    return 1;
  }
  R.hz = double(rte_get_tsc_hz());
  R.rep.machine = fmt::format("{} cpus online, TSC {:.3f} GHz, load average at start {} (the machine may be "
                              "shared: other processes take cpu time from busy-polling lcores)",
                              ncpu, R.hz / 1e9, load_average());
  // Pool: enough for every queue ring of both devices to be full.
  uint32_t room = 0;
  for (auto& s : *sizes) room = std::max(room, tg::mbuf_data_room(o.self ? tg::FrameSpec{} : ext, s));
  if (o.self) room += 64;  // PW modes add their encapsulation
  const unsigned n_mbufs = room > 4096 ? 16383 : 65535;
  auto pool = dp::make_mbuf_pool("bench_pool", n_mbufs, uint16_t(std::min<uint32_t>(room, 65535)));
  if (!pool) {
    spdlog::error("{}", pool.error().message);
    return 1;
  }
  R.pool = *pool;
  std::vector<uint16_t> ids;
  const uint16_t queues = o.self ? uint16_t(max_w) : o.queues;
  for (auto& d : devs) {
    auto id = dp::probe_ethdev(d);
    if (!id) {
      spdlog::error("{}", id.error().message);
      return 2;
    }
    if (auto st = dp::start_ethdev(*id, queues, R.pool); !st) {
      spdlog::error("device '{}': {}", d, st.error().message);
      return 2;
    }
    ids.push_back(*id);
  }
  R.rep.trial_seconds = o.trial_seconds;
  R.rep.resolution = o.resolution;
  R.rep.pdr_tolerance = o.pdr_loss_pct / 100;
  R.rep.repetitions = o.repetitions;
  R.rep.fail_retries = o.fail_retries;
  R.rep.flows = o.flows;

  int rc = 0;
  if (o.self) {
    R.rep.devices = fmt::format("--self: generator -> net_ring0 ({} queue(s), flow -> queue by hash) -> DUT "
                                "workers (one queue each) -> net_ring1 -> analyser; one process",
                                queues);
    rc = run_self(o, R, modes, *sizes, *workers, dut_lcores, ids[0], ids[1]);
  } else {
    const uint16_t tx = ids[0], rx = ids.size() > 1 ? ids[1] : ids[0];
    R.rep.devices = fmt::format("tx {} -> external DUT -> rx {} ({} queue(s))", o.tx_dev, o.rx_dev, queues);
    R.rep.modes.push_back({"external", fmt::format("{} frames, labels {}, {} flows", o.frame,
                                                   ext.kind == tg::FrameKind::ethernet ? "-" : o.labels,
                                                   o.flows)});
    rte_eth_link link{};
    rte_eth_link_get_nowait(tx, &link);
    for (auto& size : *sizes) {
      double ceiling = 0;
      if (link.link_status && link.link_speed && link.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN)
        ceiling = double(link.link_speed) * 1e6 / ((size.mean_size() + 20) * 8);
      if (o.max_rate_mpps > 0) ceiling = ceiling > 0 ? std::min(ceiling, o.max_rate_mpps * 1e6) : o.max_rate_mpps * 1e6;
      tg::EngineConfig ec{ext, size, tx, queues, rx, queues, R.pool, o.drain_ms / 1e3};
      tg::TrafficEngine eng(ec);
      if (ceiling <= 0) {
        // No link speed (virtual device): the generator's own unpaced rate.
        auto t = eng.run({0, 0, uint64_t(std::max(2e5, 5e6 * std::min(o.trial_seconds, 0.5)))});
        ceiling = t.offered_pps;
        R.rep.notes.push_back(fmt::format("{}: no link speed, the ceiling is the generator's unpaced rate {:.3f} Mpps",
                                          size.name, ceiling / 1e6));
      }
      R.emit(R.measure(eng, "external", size, queues, ceiling));
    }
    for (auto id : ids) rte_eth_dev_stop(id);
  }
  if (rc) return rc;

  std::cout << tg::format_report(R.rep) << std::flush;
  R.rep.command = "l2vpn bench";
  if (!o.json_path.empty()) {
    std::ofstream out(o.json_path);
    out << tg::report_json(R.rep) << "\n";
    if (!out) {
      spdlog::error("{}: cannot write", o.json_path);
      return 1;
    }
  }
  if (!o.svg_path.empty()) {
    std::ofstream out(o.svg_path);
    out << tg::report_svg(R.rep);
    if (!out) {
      spdlog::error("{}: cannot write", o.svg_path);
      return 1;
    }
  }
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  auto* cmd = app.add_subcommand(
      "bench", "traffic generator and RFC 2544 runner: NDR/PDR throughput, latency, loss, back-to-back");
  cmd->add_flag("--self", o->self,
                "DUT = our own fast path in this process, via net_ring devices (no NIC needed)");
  cmd->add_option("--tx", o->tx_dev, "external DUT: the port to send on (PCI address or vdev devargs)");
  cmd->add_option("--rx", o->rx_dev, "external DUT: the port to receive on (may equal --tx)");
  cmd->add_option("--modes", o->modes, "--self: macswap,swap,imposition,disposition,vpls")->capture_default_str();
  cmd->add_option("--sizes", o->sizes, "frame sizes with FCS, 64..9000, or imix (7:4:1 of 64/570/1518)")
      ->capture_default_str();
  cmd->add_option("--workers", o->workers, "--self: DUT lcores to measure with, a list (e.g. 1,2)")
      ->capture_default_str();
  cmd->add_option("--flows", o->flows, "flows (MACs, IPs, labels, flow/entropy labels vary)")->capture_default_str();
  cmd->add_option("--trial-seconds", o->trial_seconds, "trial duration")->capture_default_str()->check(CLI::Range(0.01, 3600.0));
  cmd->add_option("--latency-seconds", o->latency_seconds, "latency trial duration (default: trial duration)");
  cmd->add_option("--resolution", o->resolution, "stop the search when the interval is this fraction of the rate")
      ->capture_default_str()->check(CLI::Range(0.0001, 0.5));
  cmd->add_option("--pdr-loss", o->pdr_loss_pct, "PDR: loss tolerated, percent")->capture_default_str()->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--repetitions", o->repetitions, "independent searches per row (median reported)")
      ->capture_default_str()->check(CLI::Range(1u, 100u));
  cmd->add_option("--fail-retries", o->fail_retries,
                  "run a failing trial again up to N times; the rate fails only if all fail (0 = RFC 2544)")
      ->capture_default_str()->check(CLI::Range(0u, 5u));
  cmd->add_option("--stall-retries", o->stall_retries,
                  "run a trial again (up to N times) when the tester's or DUT's lcore lost its cpu for > 1 ms")
      ->capture_default_str()->check(CLI::Range(0u, 20u));
  cmd->add_option("--tests", o->tests, "throughput,latency,loss,b2b")->capture_default_str();
  cmd->add_option("--b2b-max-frames", o->b2b_max, "back-to-back: longest burst tried")->capture_default_str();
  cmd->add_option("--max-rate", o->max_rate_mpps, "cap the search at this many Mpps");
  cmd->add_option("--drain-ms", o->drain_ms, "receive this long after a trial's last frame")->capture_default_str();
  cmd->add_option("--json", o->json_path, "write the results as JSON");
  cmd->add_option("--svg", o->svg_path, "write a chart of throughput and latency against frame size");
  cmd->add_flag("!--no-testpmd", o->testpmd, "--self: skip the dpdk-testpmd macswap baseline");
  cmd->add_option("--testpmd-seconds", o->testpmd_seconds, "baseline length")->capture_default_str();
  cmd->add_option("--memory", o->memory, "auto|huge|nohuge")->capture_default_str()->check(CLI::IsMember({"auto", "huge", "nohuge"}));
  cmd->add_option("--lcores", o->lcores, "EAL --lcores map (default: 0@TG_CPU, workers on the other cpus)");
  cmd->add_option("--tg-cpu", o->tg_cpu, "cpu of lcore 0 (generator + analyser)")->capture_default_str();
  cmd->add_option("--dut-cpus", o->dut_cpus, "--self: cpus for the DUT workers, a list");
  cmd->add_option("--eal", o->eal, "extra EAL arguments");
  cmd->add_flag("--cw", o->cw, "pseudowires with a control word (--self PW modes, --frame pw)");
  cmd->add_flag("--flow-label", o->flow_label, "pseudowires with a flow label");
  cmd->add_option("--frame", o->frame, "external DUT: ethernet|mpls|pw")->capture_default_str();
  cmd->add_option("--labels", o->labels, "external DUT: label stack, outermost first (pw: transport..., PW label)")
      ->capture_default_str();
  cmd->add_option("--label-span", o->label_span, "flows spread the top label over this many values")->capture_default_str();
  cmd->add_option("--vlan", o->vlan, "outer 802.1Q VID (0: none)");
  cmd->add_flag("--entropy", o->entropy, "mpls frames: entropy label indicator + entropy label below the top");
  cmd->add_option("--queues", o->queues, "external DUT: tx/rx queues (flows spread over them)")->capture_default_str();
  cmd->add_flag("--quiet", o->quiet, "no progress lines");
  cmd->callback([o] { exit_code = run_bench(*o); });
}

}  // namespace l2vpn::app
