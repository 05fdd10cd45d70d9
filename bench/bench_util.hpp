#pragma once
// What every benchmark program needs beside its own measurement: memory
// figures, EAL memory arguments, running a child process (dpdk-testpmd,
// valgrind) with a time limit, and the testpmd macswap baseline measured the
// same way for every comparison.

#include <fmt/format.h>
#include <poll.h>
#include <rte_malloc.h>
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
#include <sstream>
#include <string>
#include <vector>

namespace l2vpn::bench {

inline long peak_rss_kib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// Bytes allocated from the DPDK heap (hugepage memory does not show in RSS).
inline size_t dpdk_heap_bytes() {
  size_t total = 0;
  for (unsigned s = 0; s < RTE_MAX_NUMA_NODES; ++s) {
    rte_malloc_socket_stats st{};
    if (rte_malloc_get_socket_stats(int(s), &st) == 0) total += st.heap_allocsz_bytes;
  }
  return total;
}

// At least `min_pages` free hugepages right now.
inline bool hugepages_free(long min_pages) {
  std::ifstream in("/proc/meminfo");
  std::string key;
  long v = 0;
  while (in >> key >> v) {
    if (key == "HugePages_Free:") return v >= min_pages;
    in.ignore(256, '\n');
  }
  return false;
}

inline std::vector<std::string> memory_args(bool huge) {
  if (huge) return {"--in-memory"};
  return {"--no-huge", "-m", "512", "--no-shconf"};
}

struct ChildResult {
  int status = -1;
  std::string output;  // stdout and stderr
  long maxrss_kib = 0;
};

// Runs argv; after `seconds` (0: wait for exit) sends SIGINT.
inline ChildResult run_child(const std::vector<std::string>& args, double seconds) {
  ChildResult res;
  int fds[2];
  if (pipe(fds) != 0) return res;
  pid_t pid = fork();
  if (pid < 0) return res;
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "exec %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  // Not the TSC: testpmd runs before our EAL is up.
  const auto start = std::chrono::steady_clock::now();
  bool signalled = false;
  char buf[4096];
  for (;;) {
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, 200) > 0) {
      ssize_t k = read(fds[0], buf, sizeof buf);
      if (k <= 0) break;
      res.output.append(buf, size_t(k));
    }
    if (seconds > 0 && !signalled &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= seconds) {
      kill(pid, SIGINT);
      signalled = true;
    }
  }
  close(fds[0]);
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  res.status = status;
  res.maxrss_kib = ru.ru_maxrss;
  return res;
}

// dpdk-testpmd in macswap mode on two net_ring loopback devices, one
// forwarding core (lcore 1), one burst of 32 64-byte frames injected per
// port (--tx-first); Rx-pps of both ports per one-second period.
struct Macswap {
  bool ok = false;
  std::string why;
  double pps_per_port[2]{};
  double pps_total = 0;  // median period (the first, with start-up, left out)
  double pps_best = 0;   // best period
  unsigned samples = 0;
  long maxrss_kib = 0;
  std::string command;
};

inline Macswap run_testpmd_macswap(const std::vector<std::string>& memory, double seconds,
                                   const std::string& file_prefix) {
  Macswap r;
  std::vector<std::string> a{"dpdk-testpmd", "-l", "0-1", "--no-pci", "--vdev", "net_ring0",
                             "--vdev", "net_ring1", "--file-prefix", file_prefix};
  a.insert(a.end(), memory.begin(), memory.end());
  for (auto s : {"--log-level=lib.eal:error", "--", "--forward-mode=macswap", "--tx-first",
                 "--stats-period", "1", "--nb-cores=1", "--burst=32", "--txpkts=64",
                 "--total-num-mbufs=8192"})
    a.push_back(s);
  for (auto& x : a) r.command += (r.command.empty() ? "" : " ") + x;
  auto c = run_child(a, seconds);
  r.maxrss_kib = c.maxrss_kib;
  // Every period prints "Rx-pps:" once per port, port 0 first.
  std::vector<double> per_port[2];
  std::istringstream in(c.output);
  std::string line;
  unsigned k = 0;
  while (std::getline(in, line)) {
    auto at = line.find("Rx-pps:");
    if (at == std::string::npos) continue;
    per_port[k % 2].push_back(std::strtod(line.c_str() + at + 7, nullptr));
    ++k;
  }
  size_t periods = std::min(per_port[0].size(), per_port[1].size());
  if (periods < 3) {
    r.why = fmt::format("testpmd gave {} stats periods (exit status {}); output tail: {}", periods,
                        c.status, c.output.substr(c.output.size() > 600 ? c.output.size() - 600 : 0));
    return r;
  }
  std::vector<std::pair<double, size_t>> totals;
  for (size_t i = 1; i < periods; ++i) totals.push_back({per_port[0][i] + per_port[1][i], i});
  std::sort(totals.begin(), totals.end());
  auto [tot, i] = totals[totals.size() / 2];
  r.pps_total = tot;
  r.pps_per_port[0] = per_port[0][i];
  r.pps_per_port[1] = per_port[1][i];
  r.pps_best = totals.back().first;
  r.samples = unsigned(totals.size());
  r.ok = tot > 0;
  if (!r.ok) r.why = "testpmd reported 0 pps";
  return r;
}

}  // namespace l2vpn::bench
