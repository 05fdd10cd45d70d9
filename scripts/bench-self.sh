#!/usr/bin/env bash
# Throughput of our own fast path, RFC 2544 style, in one command: `l2vpn
# bench --self` for label swap, PW imposition, PW disposition and VPLS known
# unicast (plus the harness's own macswap), at 64 B, IMIX and 1518 B, with 1
# DUT lcore (and 2 where there are 3+ cpus), and dpdk-testpmd macswap on the same net_ring devices as
# the baseline in the same run (docs/throughput-testing.md). About 3 minutes.
#   scripts/bench-self.sh                       # everything
#   scripts/bench-self.sh --modes swap --sizes 64 --workers 1
#   L2VPN_BENCH_RT=1 scripts/bench-self.sh      # SCHED_RR on a shared machine
#   WORKERS=1,2 scripts/bench-self.sh           # DUT lcore counts to measure
# Results: $OUT_DIR (default build/bench-self): bench-self.txt, .json, .svg.
set -euo pipefail
cd "$(dirname "$0")/.."

PAGES=${L2VPN_BENCH_HUGEPAGES:-600}
BUILD=${BUILD_DIR:-build}
OUT=${OUT_DIR:-$BUILD/bench-self}
mkdir -p "$OUT"

cmake --build "$BUILD" --target l2vpn -j2 >/dev/null

source scripts/hugepages.sh
reserve_hugepages "$PAGES"
command -v dpdk-testpmd >/dev/null || echo "dpdk-testpmd not found (Debian package dpdk): no macswap baseline"

# SCHED_RR, not FIFO: with more lcores than cpus, FIFO never lets a second
# busy-polling lcore on the same cpu run (l2vpn bench refuses that case);
# RR time-slices them. The kernel's RT throttling still leaves others 5 %,
# which shows up as ~50 ms stalls once a second (hence --fail-retries 1).
prio=()
if [[ ${L2VPN_BENCH_RT:-0} == 1 && $(id -u) -eq 0 ]] && command -v chrt >/dev/null; then
  prio=(chrt -r 1)
  echo "scheduling: SCHED_RR 1 (L2VPN_BENCH_RT=1)"
fi

# Two DUT lcores need two cpus besides the tester's: on smaller machines they
# would share a cpu (time-sliced: each queue unserved for a whole slice), so
# only 1 is measured unless WORKERS says otherwise.
WORKERS=${WORKERS:-$( (( $(nproc) >= 3 )) && echo 1,2 || echo 1 )}
"${prio[@]}" "$BUILD/bin/l2vpn" bench --self \
  --modes macswap,swap,imposition,disposition,vpls --sizes 64,imix,1518 --workers "$WORKERS" \
  --trial-seconds 0.2 --resolution 0.02 --fail-retries 1 --testpmd-seconds 8 \
  --json "$OUT/bench-self.json" --svg "$OUT/bench-self.svg" "$@" | tee "$OUT/bench-self.txt"
echo "wrote $OUT/bench-self.txt, $OUT/bench-self.json, $OUT/bench-self.svg"
