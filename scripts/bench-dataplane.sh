#!/usr/bin/env bash
# Fast-path benchmark: label swap, PW imposition, PW disposition on one core,
# next to dpdk-testpmd macswap on the same net_ring devices, in one run
# (docs/performance.md). As root it reserves hugepages for the run (EAL
# --in-memory) and gives the old reservation back afterwards; otherwise the
# bench runs without hugepages and says so. Arguments go to the bench, e.g.
#   scripts/bench-dataplane.sh --seconds 5 --modes swap
set -euo pipefail
cd "$(dirname "$0")/.."

PAGES=${L2VPN_BENCH_HUGEPAGES:-600}
BUILD=${BUILD_DIR:-build}

cmake --build "$BUILD" --target dp_forward_bench -j2 >/dev/null

source scripts/hugepages.sh
reserve_hugepages "$PAGES"
command -v dpdk-testpmd >/dev/null || echo "dpdk-testpmd not found (Debian package dpdk): no macswap baseline"
command -v valgrind >/dev/null || echo "valgrind not found: no instruction counts"

# On a shared machine, L2VPN_BENCH_RT=1 runs the bench (and the testpmd it
# starts) at SCHED_FIFO priority 1, so builds on the same core wait while it
# measures; both sides get the same treatment. The kernel's RT throttling
# still leaves them 5 %.
prio=()
if [[ ${L2VPN_BENCH_RT:-0} == 1 && $(id -u) -eq 0 ]] && command -v chrt >/dev/null; then
  prio=(chrt -f 1)
  echo "scheduling: SCHED_FIFO 1 (L2VPN_BENCH_RT=1)"
fi

"${prio[@]}" "$BUILD/bin/dp_forward_bench" "$@"
