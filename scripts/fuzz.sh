#!/usr/bin/env bash
# Runs the libFuzzer targets (fuzz/, docs/hardening.md) for SECONDS each on
# their checked-in seed corpora: scripts/fuzz.sh [SECONDS] [TARGET...]
#   targets: frames yaml graphml forwarding_state oam ldp (default: all)
#   scripts/fuzz.sh 25        the short run of .ci/run
#   scripts/fuzz.sh 3600      a long run (nice it on a shared machine)
#   FUZZ_RUNS=10000000 scripts/fuzz.sh 0    the long run of docs/hardening.md:
#                             10 M executions per target, no time limit
# BUILD_DIR: a tree configured with -DL2VPN_FUZZ=ON (default build-fuzz/,
# configured here with clang if missing; FUZZ_SANITIZERS=undefined makes a
# new tree without ASan). New inputs go to a scratch corpus
# (the checked-in one stays small); crashes are kept in
# BUILD_DIR/fuzz-artifacts/TARGET/ and make the script fail: each becomes a
# regression test under tests/. Prints executions per target.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(frames yaml graphml forwarding_state oam ldp)
dir=${BUILD_DIR:-build-fuzz}
case $dir in /*) ;; *) dir=$root/$dir ;; esac

if [ ! -f "$dir/CMakeCache.txt" ]; then
  gen=()
  command -v ninja >/dev/null && gen=(-G Ninja)
  cmake -S . -B "$dir" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ -DL2VPN_FUZZ=ON -DL2VPN_WERROR=OFF \
    -DL2VPN_FUZZ_SANITIZERS="${FUZZ_SANITIZERS:-address,undefined}" >/dev/null
fi
cmake --build "$dir" -j"${JOBS:-2}" --target fuzzers

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# fuzz_yaml resolves `backbone: {graphml: backbone.graphml}` here.
tail -c +2 fuzz/corpus/graphml/small-distance > "$work/backbone.graphml"

export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

declare -A max_len=([frames]=4096 [yaml]=8192 [graphml]=32768 [forwarding_state]=8192 [oam]=2048 [ldp]=4097)
budget="${secs}s"
[ -n "${FUZZ_RUNS:-}" ] && budget="$FUZZ_RUNS runs"
status=0
summary=()
for t in "${targets[@]}"; do
  bin=$dir/fuzz/fuzz_$t
  [ -x "$bin" ] || { echo "fuzz.sh: no target '$t' ($bin)" >&2; exit 2; }
  mkdir -p "$work/corpus-$t" "$dir/fuzz-artifacts/$t"
  log=$dir/fuzz-artifacts/$t.log
  echo "== fuzz_$t: $budget (log: $log)"
  rc=0
  limit=(-max_total_time="$secs")
  [ -n "${FUZZ_RUNS:-}" ] && limit=(-runs="$FUZZ_RUNS")
  (cd "$work" && "$bin" "${limit[@]}" -print_final_stats=1 -timeout="${FUZZ_TIMEOUT:-60}" \
     -max_len="${max_len[$t]}" -artifact_prefix="$dir/fuzz-artifacts/$t/" \
     "$work/corpus-$t" "$root/fuzz/corpus/$t") >"$log" 2>&1 || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  crashes=$(find "$dir/fuzz-artifacts/$t" -type f | wc -l)
  if [ $rc -ne 0 ]; then
    status=1
    tail -40 "$log"
  fi
  summary+=("$(printf '%-18s %12s execs %8s/s  crashes %s  exit %s' "$t" "${execs:-?}" "${rate:-?}" "$crashes" "$rc")")
done
echo "== fuzz summary ($budget per target)"
printf '%s\n' "${summary[@]}"
exit $status
