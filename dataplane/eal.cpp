#include "dataplane/eal.hpp"

#include <fmt/format.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <unistd.h>

#include <fstream>

namespace l2vpn::dp {

namespace {
bool g_started = false;
}

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
  return Status::success();
}

bool eal_started() { return g_started; }

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
