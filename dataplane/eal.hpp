#pragma once
// EAL starts once per process. These helpers keep every entry point (the
// l2vpn command, tests, benchmarks) on the same defaults: no hugepages, no
// PCI scan, no shared config, so it runs on any machine as any user.

#include <string>
#include <vector>

#include "contract/result.hpp"

namespace l2vpn::dp {

// "--no-huge --no-pci -m 512 --no-shconf" plus quiet logs, for `lcores`.
std::vector<std::string> default_eal_args(const std::string& lcores = "0");

// Starts EAL with `args` (args[0] is the program name). Starting it twice is
// an error DPDK itself would give; this returns success if already started.
Status eal_init(const std::vector<std::string>& args);
bool eal_started();

// True when hugepages can be used: root, and nr_hugepages > 0 (or settable).
bool hugepages_available(unsigned want_pages = 0);

}  // namespace l2vpn::dp
