#include "dataplane/eal.hpp"

#include <fmt/format.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace l2vpn::dp {

namespace {
bool g_started = false;
char g_runtime_dir[4096];  // read by the atexit handler: no allocation there

// EAL creates /var/run/dpdk/<prefix> and leaves it behind: hundreds pile up.
// The telemetry library unlinks its sockets (v2 and the legacy v1 one,
// named "telemetry") in an atexit handler of its own, which may run after
// ours (it does in the clang build); we unlink them too (the order of the
// handlers does not matter then) and
// remove the directory if nothing else is in it (a hugepage process's
// config files for secondaries stay, and with them the directory).
void remove_runtime_dir() {
  if (!g_runtime_dir[0]) return;
  for (const char* f : {"/dpdk_telemetry.v2", "/telemetry"}) {
    char path[sizeof g_runtime_dir + 32];
    std::snprintf(path, sizeof path, "%s%s", g_runtime_dir, f);
    unlink(path);
  }
  rmdir(g_runtime_dir);
}
}  // namespace

std::vector<std::string> default_eal_args(const std::string& lcores) {
  return {"l2vpn", "-l", lcores, "--no-huge", "--no-pci", "-m", "512", "--no-shconf",
          "--log-level=lib.eal:error", "--log-level=pmd:error"};
}

Status eal_init(const std::vector<std::string>& args) {
  if (g_started) return Status::success();
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = rte_eal_init(int(argv.size() - 1), argv.data());
  if (rc < 0) {
    std::string joined;
    for (auto& a : args) joined += (joined.empty() ? "" : " ") + a;
    return Error{fmt::format("DPDK EAL failed to start ({}): {}", rte_strerror(rte_errno), joined)};
  }
  g_started = true;
  if (const char* dir = rte_eal_get_runtime_dir(); dir && std::strlen(dir) < sizeof g_runtime_dir) {
    std::strcpy(g_runtime_dir, dir);
    std::atexit(remove_runtime_dir);
  }
  return Status::success();
}

bool eal_started() { return g_started; }

void eal_cleanup() {
  if (g_started) rte_eal_cleanup();
}

std::string eal_runtime_dir() { return g_runtime_dir; }

unsigned hugepages_free() {
  std::ifstream in("/proc/meminfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("HugePages_Free:", 0) == 0) {
      std::istringstream f(line.substr(15));
      unsigned n = 0;
      f >> n;
      return n;
    }
  return 0;
}

Result<bool> choose_hugepages(const std::string& mode, unsigned want_pages) {
  if (mode == "nohuge") return false;
  if (mode != "auto" && mode != "huge")
    return Error{fmt::format("--memory '{}': expected auto, huge or nohuge", mode)};
  const bool root = geteuid() == 0;
  const unsigned free = hugepages_free();
  if (mode == "auto") return root && free >= want_pages;
  if (!root) return Error{"--memory huge: hugepages need root (or --memory nohuge)"};
  if (free < want_pages)
    return Error{fmt::format("--memory huge: {} free 2 MiB hugepages, {} wanted (reserve them: echo {} > "
                             "/proc/sys/vm/nr_hugepages; or --memory nohuge)",
                             free, want_pages, want_pages * 2)};
  return true;
}

void use_hugepages(std::vector<std::string>& a) {
  for (auto it = a.begin(); it != a.end();) {
    if (*it == "--no-huge" || *it == "--no-shconf")
      it = a.erase(it);
    else if (*it == "-m" && it + 1 != a.end())
      it = a.erase(it, it + 2);
    else
      ++it;
  }
  a.push_back("--in-memory");
}

std::string memory_text(bool huge) {
  return huge ? "hugepages (EAL --in-memory)"
              : "no hugepages (--no-huge -m 512: slower; --memory huge once hugepages are reserved)";
}

bool hugepages_available(unsigned want_pages) {
  if (geteuid() != 0) return false;
  const char* path = "/proc/sys/vm/nr_hugepages";
  unsigned have = 0;
  {
    std::ifstream in(path);
    in >> have;
  }
  if (want_pages > have) {
    std::ofstream out(path);
    out << want_pages;
    out.close();
    std::ifstream in(path);
    in >> have;
  }
  return have > 0 && have >= want_pages;
}

}  // namespace l2vpn::dp
