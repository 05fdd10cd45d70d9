#!/usr/bin/env bash
# The whole CTest suite under AddressSanitizer + UndefinedBehaviorSanitizer
# (LeakSanitizer included). Usage: scripts/sanitize.sh [BUILD_DIR] [ctest args]
# BUILD_DIR defaults to build-asan/ in the repo; CC/CXX pick the compiler
# (default clang/clang++; gcc/g++ work too). FUZZ=1 also builds the libFuzzer
# targets in the same tree (one build for CI: scripts/fuzz.sh can use it).
# See docs/hardening.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dir=build-asan
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then dir=$1; shift; fi
jobs=${JOBS:-2}

gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
fuzz=OFF
if [ "${FUZZ:-0}" = 1 ]; then fuzz=ON; fi
# -Werror stays with the plain build: sanitizer instrumentation makes
# compilers' flow warnings (maybe-uninitialized, stringop) noisy on correct code.
cmake -S . -B "$dir" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="${CC:-clang}" -DCMAKE_CXX_COMPILER="${CXX:-clang++}" \
  -DL2VPN_SANITIZE=ON -DL2VPN_FUZZ=$fuzz -DL2VPN_WERROR=OFF >/dev/null
# What CTest runs: every *_tests binary and l2vpn (e2e), plus the fuzzers
# with FUZZ=1; not the benchmarks.
help=$(cmake --build "$dir" --target help)
mapfile -t targets < <(sed -n 's/^\([a-z0-9_]*_tests\): .*/\1/p' <<<"$help")
targets+=(l2vpn)
# Tools a test runs (oam_wire_check runs oam_vectors).
for t in oam_vectors; do grep -q "^$t:" <<<"$help" && targets+=("$t"); done
[ "$fuzz" = ON ] && targets+=(fuzzers)
cmake --build "$dir" -j"$jobs" --target "${targets[@]}"

# DPDK's EAL makes one-time allocations it never frees (rte_eal_cleanup is
# not called by tests): scripts/lsan.supp suppresses those, only DPDK's.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0:strict_string_checks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
cd "$dir"
ctest --output-on-failure -j1 "$@"
