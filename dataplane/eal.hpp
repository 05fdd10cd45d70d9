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
// On a clean exit (exit() or a return from main) the process's runtime
// directory /var/run/dpdk/<file-prefix> is removed once empty (EAL leaves
// it behind; its telemetry socket is unlinked first).
Status eal_init(const std::vector<std::string>& args);
bool eal_started();
// rte_eal_cleanup when EAL is up (the end of a command that started it).
void eal_cleanup();
// The runtime directory of the EAL started here ("" before eal_init).
std::string eal_runtime_dir();

// ---- memory: `--memory auto|huge|nohuge` of forward, run and bench.
// huge: hugepages (EAL --in-memory: no files for other processes); nohuge:
// --no-huge -m 512 --no-shconf (slower: 4 KiB pages, no DMA addresses);
// auto: huge when root and at least `want_pages` 2 MiB pages are free.
// Error: an unknown mode, or huge asked for and none are free (names the
// fix). Returns true for hugepages.
Result<bool> choose_hugepages(const std::string& mode, unsigned want_pages = 64);
// Free 2 MiB hugepages (HugePages_Free of /proc/meminfo); 0 when unreadable.
unsigned hugepages_free();
// Turns default_eal_args into hugepage memory: drops --no-huge, -m N and
// --no-shconf, adds --in-memory.
void use_hugepages(std::vector<std::string>& eal_args);
// The start-up line's words for the mode.
std::string memory_text(bool huge);

// True when hugepages can be used: root, and nr_hugepages > 0 (or settable).
bool hugepages_available(unsigned want_pages = 0);

}  // namespace l2vpn::dp
