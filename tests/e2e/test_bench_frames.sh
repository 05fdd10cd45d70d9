#!/usr/bin/env bash
# End-to-end: `l2vpn bench --self` sends generated frames through every mode
# of our fast path and finds them again. A mode whose frames the router does
# not forward, or whose stamps the analyser cannot find after the router's
# rewrite, ends with an NDR of 0; the JSON and the SVG must be written.
# Low rates and short trials: this checks the path, not the speed.
#   bash tests/e2e/test_bench_frames.sh build/bin/l2vpn
set -uo pipefail
L2VPN=${1:-build/bin/l2vpn}
skip() { echo "SKIP: $*"; exit 77; }
[[ -x $L2VPN ]] || { echo "FAIL: no l2vpn binary at '$L2VPN'"; exit 1; }
command -v python3 >/dev/null || skip "python3 missing"

WORK=$(mktemp -d /tmp/l2vpn-e2e-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if ! "$L2VPN" bench --self --modes macswap,swap,imposition,disposition,vpls --sizes 64,imix \
    --flows 64 --trial-seconds 0.05 --max-rate 0.2 --resolution 0.1 --fail-retries 2 \
    --no-testpmd --memory nohuge --quiet --cw \
    --json "$WORK/b.json" --svg "$WORK/b.svg" >"$WORK/out.txt" 2>&1; then
  echo "FAIL: l2vpn bench exited with $?:"; cat "$WORK/out.txt"; exit 1
fi
python3 - "$WORK/b.json" "$WORK/b.svg" <<'PY' || { cat "$WORK/out.txt"; exit 1; }
import json, sys
j = json.load(open(sys.argv[1]))
rows = j["results"]
assert len(rows) == 10, f"{len(rows)} rows, want 5 modes x 2 sizes"
bad = []
for r in rows:
    if not r["ndr_mpps"] > 0:
        bad.append(f'{r["mode"]} {r["size"]}: NDR 0 (dut {r["dut"]})')
    if r["mode"] != "macswap" and r["dut"]["forwarded"] == 0:
        bad.append(f'{r["mode"]} {r["size"]}: the router forwarded nothing')
    if r["latency"]["samples"] == 0:
        bad.append(f'{r["mode"]} {r["size"]}: no latency samples')
assert not bad, "\n".join(bad)
svg = open(sys.argv[2]).read()
assert svg.startswith("<svg") and "Throughput" in svg and "Latency" in svg, "SVG incomplete"
print("ok:", ", ".join(f'{r["mode"]}/{r["size"]} {r["ndr_mpps"]:.3f}' for r in rows))
PY
echo "test_bench_frames: pass"
