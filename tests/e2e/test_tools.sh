#!/usr/bin/env bash
# End-to-end: the tools as a new user meets them (issue 15, items 5-13).
#  - topo --show lfib/ftn say "implicit-null" for an NHLFE that pushes no
#    label, as `ctl show lfib` does; topo --state-json --device PORT=DEVARGS
#    writes a state forward runs as it is;
#  - forward names a missing rx_pcap file and its cause; forward --trace N
#    prints the first N frames' stages at exit; --memory says which memory
#    it runs on; no /var/run/dpdk/<prefix> directory is left after a clean
#    exit;
#  - sim stopped by SIGINT prints and writes (--json) the report so far,
#    marked cut short, exit 3;
#  - against `l2vpn run`: ctl while it starts says so; ctl --json keeps one
#    type per column (lists stay lists, absence is null); a telemetry page
#    START past the end is an error; /l2vpn/event: every kind in its own
#    words, a second link-down says nothing changes, no negative times.
#
#   bash tests/e2e/test_tools.sh build/bin/l2vpn
#
# Exit 0: passed; 1: a check failed; 77: skipped (not root, python3 missing).
# Names (DPDK file prefixes, files) start with i15t-. KEEP=1 keeps the work
# directory.
set -uo pipefail

L2VPN=${1:-build/bin/l2vpn}
HERE=$(cd "$(dirname "$0")" && pwd)
TOPO="$HERE/../../topologies/default.yaml"
PY=/usr/bin/python3

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
[[ -x $L2VPN ]] || fail "no l2vpn binary at '$L2VPN'"
[[ $(id -u) == 0 ]] || skip "needs root: DPDK's runtime directories and telemetry sockets live in /var/run/dpdk"
[[ -x $PY ]] || skip "no $PY"

WORK=$(mktemp -d /tmp/i15t-tools.XXXXXX)
P=i15t-$$
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf /var/run/dpdk/"$P"-*
  if [[ -z ${KEEP:-} ]]; then rm -rf "$WORK"; else echo "work directory: $WORK"; fi
}
trap cleanup EXIT
start=$SECONDS

# ------------------------------------------------------------ topo (11, 12)
"$L2VPN" topo "$TOPO" --router pe1 --show lfib >"$WORK/lfib.txt" || fail "topo --show lfib"
grep -q "implicit-null via to-pe2 (pe2)" "$WORK/lfib.txt" || { cat "$WORK/lfib.txt"; fail "lfib: LFA backup not 'implicit-null via to-pe2'"; }
"$L2VPN" topo "$TOPO" --router pe1 --show ftn >"$WORK/ftn.txt" || fail "topo --show ftn"
grep -Eq "Pop Label|No Label|none: PHP" "$WORK/lfib.txt" "$WORK/ftn.txt" && fail "topo still says Pop Label / No Label / (none: PHP)"
grep -q "implicit-null" "$WORK/ftn.txt" || { cat "$WORK/ftn.txt"; fail "ftn: no implicit-null"; }

# A state with every port's device, from topo alone.
IN="$WORK/i15t-in.pcap"
$PY - "$IN" <<'EOF' || fail "writing the input pcap"
import struct, sys
# Ethernet frames into pe1's ac-cache (the cache VPLS): broadcast ARP-like, 64 B.
frames = []
for i in range(5):
    dst = b"\xff" * 6
    src = bytes([0x02, 0x15, 0, 0, 0, i + 1])
    frames.append(dst + src + b"\x88\xb5" + bytes([i]) * 50)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1000 + i, 0, len(fr), len(fr)))
        f.write(fr)
EOF
devs=(--device "ac-cache=net_pcap0,rx_pcap=$IN,tx_pcap=$WORK/i15t-ac-cache.pcap")
i=1
for port in ce-dept to-p1 to-p2 to-pe2; do
  devs+=(--device "$port=net_pcap$i,tx_pcap=$WORK/i15t-$port.pcap")
  i=$((i + 1))
done
"$L2VPN" topo "$TOPO" --router pe1 --state-json "${devs[@]}" >"$WORK/pe1.json" || fail "topo --state-json --device"
$PY -c "import json,sys; d=json.load(open('$WORK/pe1.json')); assert all(p['device'] for p in d['ports']), d['ports']" \
  || fail "--device did not fill every port's device"
out=$("$L2VPN" topo "$TOPO" --router pe1 --state-json --device nosuch=net_null0 2>&1)
[[ $? == 2 ]] || fail "--device with an unknown port: exit code not 2"
grep -q "has no port 'nosuch'" <<<"$out" || fail "--device unknown port error unclear: $out"
echo "topo: implicit-null in lfib and ftn; --state-json --device fills the ports' devices"

# ------------------------------------------------------------ forward (9, 12, 13)
sed "s#rx_pcap=$IN#rx_pcap=$WORK/i15t-missing.pcap#" "$WORK/pe1.json" >"$WORK/missing.json"
out=$("$L2VPN" forward --state "$WORK/missing.json" --file-prefix "$P-miss" --idle-exit 1 2>&1)
rc=$?
[[ $rc == 2 ]] || fail "forward with a missing rx_pcap: exit $rc, not 2: $out"
grep -q "i15t-missing.pcap" <<<"$out" && grep -q "No such file or directory" <<<"$out" \
  || fail "forward with a missing rx_pcap does not name the file and the cause: $out"
grep -q "Operation not permitted" <<<"$out" && fail "forward still says 'Operation not permitted': $out"

"$L2VPN" forward --state "$WORK/pe1.json" --file-prefix "$P-fwd" --idle-exit 1 --trace 3 --memory nohuge \
  >"$WORK/fwd.out" 2>"$WORK/fwd.err"
rc=$?
[[ $rc == 0 ]] || { cat "$WORK/fwd.out" "$WORK/fwd.err"; fail "forward --trace: exit $rc"; }
grep -q "memory: no hugepages" "$WORK/fwd.out" "$WORK/fwd.err" || { cat "$WORK/fwd.out" "$WORK/fwd.err"; fail "forward: start-up does not say its memory"; }
grep -q "trace of the first 3 frames" "$WORK/fwd.out" || fail "forward --trace: no trace printed"
nframes=$(grep -c "^frame " "$WORK/fwd.out")
[[ $nframes == 3 ]] || { cat "$WORK/fwd.out"; fail "forward --trace 3: $nframes frames traced"; }
grep -q "ac-input" "$WORK/fwd.out" && grep -q "bridge-flood" "$WORK/fwd.out" \
  || { cat "$WORK/fwd.out"; fail "forward --trace: stages missing"; }
[[ -e /var/run/dpdk/$P-fwd ]] && fail "forward left /var/run/dpdk/$P-fwd behind: $(ls -la /var/run/dpdk/$P-fwd)"
out=$("$L2VPN" forward --state "$WORK/pe1.json" --memory lots 2>&1) && fail "forward --memory lots accepted"
echo "forward: missing rx_pcap named, --trace 3 printed 3 frames, memory said, no runtime directory left"

# ------------------------------------------------------------ sim cut short (9, 10)
"$L2VPN" sim "$TOPO" --duration 600s --file-prefix "$P-sim" --json "$WORK/sim.json" >"$WORK/sim.out" 2>&1 &
SIM=$!
PIDS+=($SIM)
# Running once its routers answer (a background job of a script starts with
# SIGINT ignored until sim installs its handler).
for _ in $(seq 100); do "$L2VPN" ctl --file-prefix "$P-sim" show routers >/dev/null 2>&1 && break; sleep 0.2; done
sleep 2
kill -INT $SIM
t0=$SECONDS
wait $SIM
rc=$?
PIDS=()
[[ $rc == 3 ]] || { tail -20 "$WORK/sim.out"; fail "sim after SIGINT: exit $rc, not 3"; }
(( SECONDS - t0 <= 5 )) || fail "sim took $((SECONDS - t0)) s to stop after SIGINT"
grep -q "CUT SHORT" "$WORK/sim.out" || { tail -20 "$WORK/sim.out"; fail "sim report not marked CUT SHORT"; }
grep -q "^cache\|vpls  cache\|cache " "$WORK/sim.out" || { cat "$WORK/sim.out"; fail "sim cut short printed no report"; }
$PY -c "import json; d=json.load(open('$WORK/sim.json')); assert d['cut_short'] is True and d['totals']['sent'] > 0, d['totals']" \
  || fail "sim --json after SIGINT: no report with cut_short true"
[[ -e /var/run/dpdk/$P-sim ]] && fail "sim left /var/run/dpdk/$P-sim behind"
echo "sim: SIGINT after 2 s of running: report so far, CUT SHORT, cut_short in JSON, exit 3, in $((SECONDS - t0)) s"

# ------------------------------------------------------------ run (5, 6, 7, 8)
RUNP="$P-run"
SOCK=/var/run/dpdk/$RUNP/dpdk_telemetry.v2
# A client that asks /l2vpn/routers from the moment the socket appears: the
# backbone is still being built then, and the answer must say so.
$PY - "$SOCK" >"$WORK/starting.txt" 2>&1 <<'EOF' &
import json, os, socket, sys, time
path = sys.argv[1]
end = time.time() + 30
while not os.path.exists(path) and time.time() < end:
    time.sleep(0.0005)
seen = []
while time.time() < end:
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(path)
        s.recv(4096)
        while time.time() < end:
            s.send(b"/l2vpn/routers")
            r = json.loads(s.recv(65536))["/l2vpn/routers"]
            seen.append("starting" if isinstance(r, dict) and "still starting" in r.get("error", "")
                        else "null" if r is None else "ready" if isinstance(r, dict) and "total" in r else repr(r))
            if seen[-1] == "ready":
                print(" ".join(sorted(set(seen))))
                sys.exit(0)
    except OSError:
        time.sleep(0.0005)
print(" ".join(sorted(set(seen))) or "nothing")
EOF
WATCH=$!
"$L2VPN" run "$TOPO" --file-prefix "$RUNP" --memory nohuge --duration 60s >"$WORK/run.out" 2>&1 &
RUN=$!
PIDS+=($RUN)
wait $WATCH
cat "$WORK/starting.txt" | grep -qw "null" && fail "run while starting: a command unknown to it (ctl: 'not an l2vpn process'): $(cat "$WORK/starting.txt")"
grep -qw "ready" "$WORK/starting.txt" || { cat "$WORK/run.out"; fail "run never served /l2vpn/routers: $(cat "$WORK/starting.txt")"; }
if grep -qw "starting" "$WORK/starting.txt"; then
  echo "run: /l2vpn/routers while starting said it is starting"
else
  echo "note: the starting window was missed this time (answers: $(cat "$WORK/starting.txt"))"
fi
CTL=("$L2VPN" ctl --file-prefix "$RUNP")

# 5: one type per column.
"${CTL[@]}" --json show lfib pe1 >"$WORK/lfib.json" || fail "ctl --json show lfib"
"${CTL[@]}" --json show vpls pe1 >"$WORK/vpls.json" || fail "ctl --json show vpls"
"${CTL[@]}" --json show pw pe1 >"$WORK/pw.json" || fail "ctl --json show pw"
"${CTL[@]}" --json show lfib p2 >"$WORK/lfib-p2.json" || fail "ctl --json show lfib p2"
$PY - "$WORK" <<'EOF' || fail "ctl --json: a column changes type"
import json, sys
w = sys.argv[1]
lfib, vpls, pw, p2 = (json.load(open(f"{w}/{n}.json")) for n in ("lfib", "vpls", "pw", "lfib-p2"))
for row in lfib["ilm"] + lfib.get("ftn", []) + p2["ilm"]:
    ol = row["out_labels"]
    assert ol is None or (isinstance(ol, list) and all(isinstance(x, int) for x in ol)), row
    assert isinstance(row["out_port"], str) or row["out_port"] is None, row
assert any(r["out_labels"] == [] for r in p2["ilm"]), "p2's PHP pops: out_labels not []"
assert any(r["out_labels"] is None for r in lfib["ilm"]), "PW disposition rows: out_labels not null"
for r in lfib["ilm"]:
    assert r["backup"] is None or isinstance(r["backup"], str), r
    assert isinstance(r["label"], int) and isinstance(r["rx_packets"], int), r
for bd in vpls["bd"]:
    for k in ("mesh_pseudowires", "spoke_pseudowires"):
        assert bd[k] is None or (isinstance(bd[k], list) and all(isinstance(x, int) for x in bd[k])), bd
    assert isinstance(bd["attachment_circuits"], list), bd
assert isinstance(vpls["bd"][0]["mesh_pseudowires"], list) and len(vpls["bd"][0]["mesh_pseudowires"]) == 2, vpls["bd"]
for p in pw["pw"]:
    assert isinstance(p["out_port"], list) and isinstance(p["pw_id"], int) and isinstance(p["peer"], str), p
    assert p["down_reason"] is None, p
print("ctl --json: label and PW lists are lists, numbers numbers, absence null")
EOF
"${CTL[@]}" show lfib pe1 | grep -q "LFA backup  *implicit-null via to-pe2" || fail "ctl show lfib: backup not 'implicit-null via to-pe2'"

# 6: a START past the end.
out=$("${CTL[@]}" raw "/l2vpn/pw,pe1,9999" 2>&1) && fail "START past the end succeeded: $out"
grep -q "past the end" <<<"$out" || fail "START past the end: unclear error: $out"
"${CTL[@]}" raw "/l2vpn/pw,pe1,0" >/dev/null || fail "START 0 refused"
echo "telemetry: START past the end is an error"

# 7: events in their own words.
out=$("${CTL[@]}" event "link-down p1:p2") || fail "event link-down: $out"
out=$("${CTL[@]}" event "link-down p1:p2" 2>&1) && fail "a second link-down was queued: $out"
grep -q "already down" <<<"$out" && grep -q "nothing changes" <<<"$out" || fail "second link-down: unclear: $out"
"${CTL[@]}" event "link-up p1:p2" >/dev/null || fail "event link-up"
"${CTL[@]}" event "service-remove dept-dc3" >/dev/null || fail "event service-remove"
out=$("${CTL[@]}" event "service-remove dept-dc3" 2>&1) && fail "a second service-remove was queued: $out"
"${CTL[@]}" event "service-add dept-dc3" >/dev/null || fail "event service-add"
"${CTL[@]}" event "mac-flood dc3-cache 20" >/dev/null || fail "event mac-flood"
out=$("${CTL[@]}" event "teleport p1" 2>&1) && fail "an unknown event was queued"
grep -q "mac-flood SITE N" <<<"$out" || fail "unknown event: the error does not list the forms: $out"
sleep 1
kill -INT $RUN
wait $RUN
rc=$?
PIDS=()
[[ $rc == 0 ]] || { cat "$WORK/run.out"; fail "run: exit $rc after SIGINT"; }
grep -q "applied (ports down/up, local repair)" "$WORK/run.out" && fail "run: the old one-size wording"
grep -q "event 'link-down p1:p2': link down" "$WORK/run.out" || { cat "$WORK/run.out"; fail "run: link-down wording"; }
grep -q "event 'service-remove dept-dc3': removing the service" "$WORK/run.out" || { cat "$WORK/run.out"; fail "run: service-remove wording"; }
grep -q "event 'mac-flood dc3-cache 20': the site's emulated host sends" "$WORK/run.out" || { cat "$WORK/run.out"; fail "run: mac-flood wording"; }
grep -q "mac-flood dc3-cache 20': 20 frames sent" "$WORK/run.out" || { cat "$WORK/run.out"; fail "run: mac-flood summary"; }
grep -Eq -- "-[0-9]+\.[0-9]+ s" "$WORK/run.out" && { grep -E -- "-[0-9]+\.[0-9]+ s" "$WORK/run.out"; fail "run: a negative time"; }
[[ -e /var/run/dpdk/$RUNP ]] && fail "run left /var/run/dpdk/$RUNP behind"
echo "run: ctl --json types, START past the end, events in their own words, no negative time, no runtime directory left"
echo "test_tools: passed in $((SECONDS - start)) s"
