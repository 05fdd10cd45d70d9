#!/usr/bin/env bash
# End-to-end: look inside a running backbone (docs/observability.md).
# Starts `l2vpn sim --real-time` on topologies/default.yaml with its own
# DPDK file prefix, then, while it forwards:
#  - queries every /l2vpn/* telemetry command over the socket with a small
#    SOCK_SEQPACKET client (Python, no code shared with ours) and compares
#    each router's tables with `l2vpn topo --state-json` (the control plane's
#    ForwardingState), page by page;
#  - reads one command with DPDK's own dpdk-telemetry.py (when installed);
#  - checks `l2vpn ctl show ...` tables and --json, and ctl's error when no
#    process has the prefix;
#  - traces frames entering pe1 on its VPWS port and checks that each traced
#    frame's path (routers, labels) is the LSP the control plane's states
#    give: AC -> PW -> transport NHLFE -> next router by next-hop MAC -> ILM
#    -> ... -> PW disposition at the PW's peer;
#  - scrapes the Prometheus endpoint (--metrics-port) with curl;
#  - captures with dpdk-dumpcap from a `l2vpn forward --pdump` process and
#    decodes the capture with tshark (skipped, with the reason, where the
#    secondary process cannot attach).
#
#   bash tests/e2e/test_telemetry.sh build/bin/l2vpn
#
# Exit 0: passed; 1: a check failed; 77: skipped (not root, python3 or the
# topology missing). KEEP=1 keeps the work directory.
set -uo pipefail

L2VPN=${1:-build/bin/l2vpn}
HERE=$(cd "$(dirname "$0")" && pwd)
TOPO="$HERE/../../topologies/default.yaml"
PY=/usr/bin/python3

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
[[ -x $L2VPN ]] || fail "no l2vpn binary at '$L2VPN'"
[[ $(id -u) == 0 ]] || skip "needs root: DPDK's telemetry socket lives in /var/run/dpdk"
[[ -x $PY ]] || skip "no $PY"
[[ -f $TOPO ]] || skip "no $TOPO"
$PY -c 'import yaml' 2>/dev/null || skip "python3-yaml missing"

WORK=$(mktemp -d /tmp/l2vpn-e2e-telemetry.XXXXXX)
PREFIX="l2vpn-e2e-tel-$$"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  [[ -n ${HUGE_MOUNTED:-} ]] && umount "$HUGE_MOUNTED"
  rm -rf "/var/run/dpdk/$PREFIX" "/var/run/dpdk/$PREFIX-fwd"
  if [[ -z ${KEEP:-} ]]; then rm -rf "$WORK"; else echo "work directory: $WORK"; fi
}
trap cleanup EXIT

# A free loopback port for the metrics endpoint.
METRICS_PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# ctl before any process: a clear error, exit 1.
out=$("$L2VPN" ctl --file-prefix "$PREFIX" show routers 2>&1) && fail "ctl without a process succeeded: $out"
grep -q "no DPDK process with file prefix '$PREFIX'" <<<"$out" || fail "ctl error unclear: $out"

"$L2VPN" sim "$TOPO" --real-time --duration 120s --file-prefix "$PREFIX" \
  --metrics-port "$METRICS_PORT" >"$WORK/sim.log" 2>&1 &
PIDS+=($!)
SOCK="/var/run/dpdk/$PREFIX/dpdk_telemetry.v2"
for _ in $(seq 100); do [[ -S $SOCK ]] && break; sleep 0.1; done
[[ -S $SOCK ]] || { cat "$WORK/sim.log"; fail "no telemetry socket $SOCK"; }
sleep 2  # traffic flows, MACs are learned
grep -q "l2vpn ctl --file-prefix $PREFIX" "$WORK/sim.log" || fail "sim did not print its file prefix"

ROUTERS="pe1 pe2 pe3 p1 p2 p3"
for r in $ROUTERS; do
  "$L2VPN" topo "$TOPO" --router "$r" --state-json >"$WORK/$r.state.json" || fail "topo --state-json $r"
done

# ---------------------------------------------------------------- the socket
cat >"$WORK/check.py" <<'EOF'
import json, socket, sys
sock_path, work, routers = sys.argv[1], sys.argv[2], sys.argv[3].split()

def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sock_path)
    info = json.loads(s.recv(1 << 16))
    return s, info["max_output_len"]

s, max_len = connect()
def cmd(c, params=""):
    msg = c + ("," + params if params else "")
    s.send(msg.encode())
    raw = s.recv(1 << 17)
    assert len(raw) <= max_len, f"{msg}: reply of {len(raw)} bytes above {max_len}"
    return json.loads(raw)[c]

def table(c, params=""):
    rows, cols, start, pages = {}, {}, 0, 0
    while True:
        p = params + ("," if params else "") + str(start) if start else params
        d = cmd(c, p)
        assert d is not None and "error" not in d, f"{c},{p}: {d}"
        pages += 1
        for k, v in d.items():
            if k.startswith("columns_"): cols[k[8:]] = v
            elif k[0] == "r" and k[1:].isdigit(): rows[int(k[1:])] = v
        if d["next"] < 0: break
        assert d["next"] > start
        start = d["next"]
    assert sorted(rows) == list(range(d["total"])), f"{c}: rows missing across pages"
    out = {}
    for i in sorted(rows):
        r = rows[i]
        out.setdefault(r[0], []).append(dict(zip(cols[r[0]], r[1:])))
    return out, pages

problems = []
def check(ok, what):
    if not ok: problems.append(what)

# Every command is listed by "/" with its help.
listed = cmd("/")
for c in ["/l2vpn/routers", "/l2vpn/ilm", "/l2vpn/pw", "/l2vpn/vpls", "/l2vpn/counters", "/l2vpn/drops",
          "/l2vpn/state", "/l2vpn/trace/add", "/l2vpn/trace/show", "/l2vpn/trace/clear"]:
    check(c in listed, f"{c} not listed by /")

t, _ = table("/l2vpn/routers")
check(sorted(r["name"] for r in t["router"]) == sorted(routers), f"routers: {t}")
n_reasons = None
for r in routers:
    want = json.load(open(f"{work}/{r}.state.json"))
    # /l2vpn/state: the ForwardingState itself, in pages.
    st, pages = table("/l2vpn/state", r)
    got = json.loads("".join(x["text"] for x in st["json"]))
    check(got == want, f"{r}: /l2vpn/state differs from topo --state-json")
    check(pages >= 1, "no page")
    # /l2vpn/ilm: every ILM label with its action; FTN FECs.
    ilm, _ = table("/l2vpn/ilm", r)
    got_ilm = {(x["label"], x["action"]) for x in ilm.get("ilm", [])}
    want_ilm = {(str(e["label"]), e["action"]) for e in want["ilm"]}
    check(got_ilm == want_ilm, f"{r}: ilm {sorted(got_ilm)} != {sorted(want_ilm)}")
    nh = {n["id"]: n for n in want["nhlfes"]}
    for x in ilm.get("ilm", []):
        e = next(e for e in want["ilm"] if str(e["label"]) == x["label"])
        if e["action"] == "forward":
            n = nh[e["target"]]
            check(x["op"] == n["op"] and x["out_port"] == n["out_port"] and
                  x["out_labels"] == (" ".join(map(str, n.get("labels", []))) or "implicit-null"),
                  f"{r}: ilm {x} vs nhlfe {n}")
    check({x["fec"] for x in ilm.get("ftn", [])} == {f["fec"] for f in want["ftn"]}, f"{r}: ftn")
    # /l2vpn/pw: labels, state, reason.
    pw, _ = table("/l2vpn/pw", r)
    got_pw = {(x["id"], x["pw_id"], x["peer"], x["local_label"], x["remote_label"], x["state"]) for x in pw.get("pw", [])}
    want_pw = {(str(p["id"]), str(p["pw_id"]), p["peer"], str(p["local_label"]), str(p["remote_label"]),
                "up" if p.get("up", True) else "down") for p in want["pseudowires"]}
    check(got_pw == want_pw, f"{r}: pw {got_pw} != {want_pw}")
    # /l2vpn/vpls: instances; MAC rows name a member of the instance.
    v, _ = table("/l2vpn/vpls", r)
    check({x["name"] for x in v.get("bd", [])} == {b["name"] for b in want["bridge_domains"]}, f"{r}: vpls")
    for m in v.get("mac", []):
        members = {x["member"] for x in v.get("member", []) if x["bridge_domain"] == m["bridge_domain"]}
        check(m["member"] in members, f"{r}: MAC {m} behind unknown member")
    if want["bridge_domains"] and r.startswith("pe"):
        check(len(v.get("mac", [])) > 0, f"{r}: no MAC learned after 2 s of traffic")
    # /l2vpn/counters: ports of the state, every drop reason, totals add up.
    c, _ = table("/l2vpn/counters", r)
    check({x["name"] for x in c["port"]} == {p["name"] for p in want["ports"]}, f"{r}: counter ports")
    d, _ = table("/l2vpn/drops", r)
    n_reasons = n_reasons or len(d["drop"])
    check(len(c["drop"]) == len(d["drop"]) and len(d["drop"]) >= 20, f"{r}: drop reasons")
    check(all(x["description"] for x in d["drop"]), f"{r}: drop reason without description")
    tot = c["total"][0]
    check(int(tot["rx_packets"]) > 0, f"{r}: nothing received")
    check({x["label"] for x in c.get("label", [])} == {str(e["label"]) for e in want["ilm"]}, f"{r}: label counters")
# Bad parameters get an error reply, not a crash or a null.
check("error" in cmd("/l2vpn/ilm", "nosuchrouter"), "unknown router: no error")
check("error" in cmd("/l2vpn/ilm"), "no router: no error")
check("error" in cmd("/l2vpn/pw", "pe1,notanumber"), "bad START: no error")
check("error" in cmd("/l2vpn/trace/add", "0"), "trace 0: no error")
print(f"socket: {len(routers)} routers, every table equal to the control plane's state, {n_reasons} drop reasons")
if problems:
    print("\n".join(problems[:20]))
    sys.exit(1)
EOF
$PY "$WORK/check.py" "$SOCK" "$WORK" "$ROUTERS" || fail "telemetry tables differ from the ForwardingState"

# ---------------------------------------------------------------- dpdk-telemetry.py
if command -v dpdk-telemetry.py >/dev/null; then
  echo "/l2vpn/pw,pe1" | timeout 10 dpdk-telemetry.py -f "$PREFIX" >"$WORK/dt.out" 2>&1
  grep -q '"table": "pw"' "$WORK/dt.out" || { cat "$WORK/dt.out"; fail "dpdk-telemetry.py /l2vpn/pw,pe1"; }
  echo "dpdk-telemetry.py: /l2vpn/pw,pe1 answered"
else
  echo "note: dpdk-telemetry.py not installed, not checked"
fi

# ---------------------------------------------------------------- l2vpn ctl show
CTL=("$L2VPN" ctl --file-prefix "$PREFIX")
"${CTL[@]}" show routers >"$WORK/routers.txt" || fail "ctl show routers"
for r in $ROUTERS; do grep -q "^$r " "$WORK/routers.txt" || fail "ctl show routers lacks $r"; done
for r in $ROUTERS; do
  "${CTL[@]}" show lfib "$r" >"$WORK/lfib.$r.txt" || fail "ctl show lfib $r"
  for l in $($PY -c "import json;print(' '.join(str(e['label']) for e in json.load(open('$WORK/$r.state.json'))['ilm']))"); do
    grep -q "^$l " "$WORK/lfib.$r.txt" || fail "ctl show lfib $r lacks label $l"
  done
done
"${CTL[@]}" show pw pe1 >"$WORK/pw.txt" || fail "ctl show pw"
[[ $(grep -c " up " "$WORK/pw.txt") == 4 ]] || { cat "$WORK/pw.txt"; fail "ctl show pw pe1: 4 PWs up expected"; }
"${CTL[@]}" show vpls pe1 | grep -q "VPLS cache" || fail "ctl show vpls pe1"
"${CTL[@]}" show counters pe1 | grep -q "router pe1: received" || fail "ctl show counters pe1"
"${CTL[@]}" show drops p1 | grep -q "ilm_miss" || fail "ctl show drops p1"
"${CTL[@]}" --json show counters pe1 >"$WORK/c.json" || fail "ctl --json show counters"
$PY -c "import json,sys; d=json.load(open('$WORK/c.json')); assert d['router']=='pe1' and d['total'][0]['rx_packets']>0 and len(d['drop'])>=20" \
  || fail "ctl --json counters"
"${CTL[@]}" --json show state pe2 | $PY -c "import json,sys; assert json.load(sys.stdin)==json.load(open('$WORK/pe2.state.json'))" \
  || fail "ctl show state pe2 differs from topo --state-json"
out=$("${CTL[@]}" show lfib nosuch 2>&1) && fail "ctl show lfib nosuch succeeded"
grep -q "no router 'nosuch'" <<<"$out" || fail "ctl unknown router error: $out"
echo "ctl show: routers, lfib, pw, vpls, counters, drops, state (text and --json) as expected"

# ---------------------------------------------------------------- trace
"${CTL[@]}" trace add 6 --router pe1 --port ce-dept | grep -q "armed" || fail "ctl trace add"
sleep 1
"${CTL[@]}" --json trace show >"$WORK/trace.json" || fail "ctl trace show"
"${CTL[@]}" trace show >"$WORK/trace.txt"
"${CTL[@]}" trace clear >/dev/null || fail "ctl trace clear"
cat >"$WORK/lsp.py" <<'EOF'
import json, sys, re
work, routers = sys.argv[1], sys.argv[2].split()
st = {r: json.load(open(f"{work}/{r}.state.json")) for r in routers}
owner = {p["mac"]: r for r in routers for p in st[r]["ports"]}  # next-hop MAC -> router
stages = json.load(open(f"{work}/trace.json")).get("stage", [])
frames = {}
for s in stages: frames.setdefault(s["frame"], []).append(s)
assert frames, "no traced frame"

def expected(ac_name):
    """(router, rx top label) hops the control plane's states give for a frame entering AC ac_name at pe1."""
    s = st["pe1"]
    ac = next(a for a in s["attachment_circuits"] if a["name"] == ac_name)
    pw = next(p for p in s["pseudowires"] if p["id"] == ac["pseudowire"])
    nh = next(n for n in s["nhlfes"] if n["id"] == pw["transport"]["id"])
    labels = nh.get("labels", []) + [pw["remote_label"]]
    hops, router = [("pe1", None)], owner[nh["next_hop_mac"]]
    for _ in range(16):
        top = labels[0]
        hops.append((router, top))
        e = next(e for e in st[router]["ilm"] if e["label"] == top)
        if e["action"] == "pw_disposition":
            p = next(p for p in st[router]["pseudowires"] if p["id"] == e["target"])
            assert p["peer"] == "pe1", f"PW ends at {router} from {p['peer']}"
            return hops
        assert e["action"] == "forward", e
        n = next(n for n in st[router]["nhlfes"] if n["id"] == e["target"])
        # swap: the top label becomes the NHLFE's labels (outermost first); pop: removed; push: added.
        labels = {"swap": n.get("labels", []) + labels[1:], "pop": labels[1:],
                  "push": n.get("labels", []) + labels}[n["op"]]
        router = owner[n["next_hop_mac"]]
    raise AssertionError("LSP does not end")

checked = 0
for f, ss in frames.items():
    acs = [re.match(r"ac (\S+)", s["detail"]).group(1) for s in ss if s["stage"] == "ac-input" and s["router"] == "pe1"]
    if not acs: continue
    got = []
    for s in ss:
        if s["stage"] == "rx":
            m = re.search(r"top label (\d+)", s["detail"])
            got.append((s["router"], int(m.group(1)) if m else None))
    want = expected(acs[0])
    assert got == want, f"frame {f}: traced {got}, LSP {want}"
    last = [s for s in ss if s["router"] == want[-1][0]]
    assert [s["stage"] for s in last][-3:] == ["pw-disposition", "ac-output", "tx"], f"frame {f}: ends {last}"
    checked += 1
assert checked >= 1, f"no traced frame entered on ce-dept: {frames}"
print(f"trace: {checked} frames followed across {len(set(r for s in stages for r in [s['router']]))} routers, "
      "each on the LSP the control plane computed")
EOF
$PY "$WORK/lsp.py" "$WORK" "$ROUTERS" || { cat "$WORK/trace.txt"; fail "traced path differs from the LSP"; }

# ---------------------------------------------------------------- Prometheus
if command -v curl >/dev/null; then
  curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" >"$WORK/metrics.txt" || fail "no answer on the metrics port"
  grep -q '^l2vpn_router_rx_packets_total{router="pe1"} [1-9]' "$WORK/metrics.txt" || fail "metrics: pe1 rx"
  grep -q '^l2vpn_drops_total{router="p1",reason="ilm_miss"} ' "$WORK/metrics.txt" || fail "metrics: drops"
  grep -q '^l2vpn_pseudowire_up{router="pe1",' "$WORK/metrics.txt" || fail "metrics: pw state"
  grep -q '^# TYPE l2vpn_port_rx_packets_total counter' "$WORK/metrics.txt" || fail "metrics: TYPE lines"
  curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$METRICS_PORT/nothing" | grep -q 404 || fail "metrics: 404"
  echo "prometheus: $(grep -vc '^#' "$WORK/metrics.txt") samples on 127.0.0.1:$METRICS_PORT/metrics"
else
  echo "note: curl not installed, metrics not checked"
fi

# ---------------------------------------------------------------- dpdk-dumpcap
# The capture tool is a DPDK secondary process: the primary (`l2vpn forward
# --pdump`) keeps shared config and its memory in hugepages on a hugetlbfs
# mount (a private one here, unmounted at the end). Known traffic: a pcap of
# 8 frames with label 100 replayed forever (net_pcap infinite_rx) into a
# router that swaps 100 -> 200 toward net_null0; dumpcap captures 20 frames
# on net_null0 and tshark must decode every one as label 200 to the next hop.
dumpcap_check() {
  command -v dpdk-dumpcap >/dev/null || { echo "SKIP dumpcap part: dpdk-dumpcap not installed (dpdk package)"; return 0; }
  command -v tshark >/dev/null || { echo "SKIP dumpcap part: tshark not installed"; return 0; }
  $PY -c 'import scapy.contrib.mpls' 2>/dev/null || { echo "SKIP dumpcap part: no scapy under $PY"; return 0; }
  local free; free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
  (( ${free:-0} >= 160 )) || { echo "SKIP dumpcap part: $free free 2 MiB hugepages, 160 needed (echo 600 > /proc/sys/vm/nr_hugepages)"; return 0; }
  mkdir -p "$WORK/huge"
  mount -t hugetlbfs -o pagesize=2M nodev "$WORK/huge" 2>/dev/null || { echo "SKIP dumpcap part: cannot mount hugetlbfs"; return 0; }
  HUGE_MOUNTED="$WORK/huge"
  $PY - "$WORK" <<'PYEOF' 2>/dev/null || return 1
import json, sys
from scapy.all import Ether, Raw, wrpcap
from scapy.contrib.mpls import MPLS
w = sys.argv[1]
wrpcap(f"{w}/in.pcap", [Ether(dst="02:00:00:00:00:10", src="06:00:00:00:00:a0", type=0x8847) / MPLS(label=100, s=1, ttl=64) /
                       Ether(dst="02:00:00:00:00:99", src="02:00:00:00:00:42") / Raw(bytes([i]) * 50) for i in range(8)])
json.dump({"router": "P", "router_id": "10.0.0.1",
           "ports": [{"name": "west", "device": f"net_pcap0,rx_pcap={w}/in.pcap,infinite_rx=1", "mac": "02:00:00:00:00:10", "mtu": 1500},
                     {"name": "east", "device": "net_null0", "mac": "02:00:00:00:00:11", "mtu": 1500}],
           "nhlfes": [{"id": 1, "op": "swap", "labels": [200], "out_port": "east", "next_hop_mac": "06:00:00:00:00:b0"}],
           "ilm": [{"label": 100, "action": "forward", "target": 1}]}, open(f"{w}/p.json", "w"))
PYEOF
  "$L2VPN" forward --state "$WORK/p.json" --pdump --huge-dir "$WORK/huge" --file-prefix "$PREFIX-fwd" --duration 60 \
    >"$WORK/fwd.log" 2>&1 &
  FWD=$!
  PIDS+=($FWD)
  for _ in $(seq 100); do [[ -S /var/run/dpdk/$PREFIX-fwd/mp_socket ]] && grep -q forwarding "$WORK/fwd.log" && break; sleep 0.1; done
  grep -q "pdump: dpdk-dumpcap --file-prefix=$PREFIX-fwd" "$WORK/fwd.log" || { cat "$WORK/fwd.log"; echo "l2vpn forward --pdump did not start"; return 1; }
  "$L2VPN" ctl --file-prefix "$PREFIX-fwd" show counters P | grep -q "router P: received" || { echo "ctl on l2vpn forward"; return 1; }
  timeout -s INT 20 dpdk-dumpcap --file-prefix="$PREFIX-fwd" -i net_null0 -c 20 -w "$WORK/cap.pcapng" >"$WORK/dumpcap.log" 2>&1
  local n; n=$(tshark -r "$WORK/cap.pcapng" -d mpls.label==200,pwethnocw -T fields -e mpls.label -e eth.dst 2>/dev/null |
    grep -c $'^200\t06:00:00:00:00:b0,02:00:00:00:00:99$')
  local all; all=$(tshark -r "$WORK/cap.pcapng" 2>/dev/null | wc -l)
  # dumpcap exited under full-rate traffic (it frees its ring and mempool
  # right after disabling the capture): forward must live on, keep
  # forwarding, and exit 0 (docs/observability.md, pdump_grace.hpp).
  sleep 1
  kill -0 "$FWD" 2>/dev/null || { wait "$FWD"; echo "l2vpn forward died (status $?) when dpdk-dumpcap exited"; tail -5 "$WORK/fwd.log"; return 1; }
  local f1 f2
  f1=$("$L2VPN" ctl --file-prefix "$PREFIX-fwd" show counters P | sed -n 's/.* forwarded \([0-9]*\).*/\1/p')
  sleep 1
  f2=$("$L2VPN" ctl --file-prefix "$PREFIX-fwd" show counters P | sed -n 's/.* forwarded \([0-9]*\).*/\1/p')
  (( ${f2:-0} > ${f1:-0} )) || { echo "l2vpn forward stopped forwarding after dpdk-dumpcap exited ($f1 then $f2)"; return 1; }
  kill -INT "$FWD" 2>/dev/null
  local rc=0; wait "$FWD" || rc=$?
  (( rc == 0 )) || { tail -5 "$WORK/fwd.log"; echo "l2vpn forward --pdump exited with status $rc after dpdk-dumpcap"; return 1; }
  grep -q "pdump: [1-9][0-9]* capture callback removals waited for the workers, 0 timed out" "$WORK/fwd.log" ||
    { grep pdump "$WORK/fwd.log"; echo "capture stop did not wait for the forwarding workers"; return 1; }
  (( all >= 20 && n == all )) || { cat "$WORK/dumpcap.log"; echo "dumpcap: $n of $all frames decode as label 200 to 06:00:00:00:00:b0"; return 1; }
  echo "dpdk-dumpcap exited under traffic: l2vpn forward kept forwarding ($f1 -> $f2 frames) and exited 0"
  echo "dpdk-dumpcap: $all frames captured from l2vpn forward --pdump, tshark decodes each as label 200 to the next hop"
}
HUGE_MOUNTED=""
dumpcap_check || fail "dpdk-dumpcap capture"

echo "PASS"
exit 0
