#!/usr/bin/env bash
# End-to-end: two `l2vpn node` PEs signal VPWS pseudowires to each other with
# FEC 128 over LDP (RFC 4447 / RFC 8077; docs/ldp.md "Pseudowires").
#
#   bash tests/e2e/test_node_pw.sh build/bin/l2vpn
#
# Namespaces i17-n1 (pe1, LSR id 10.255.0.1) and i17-n2 (pe2, 10.255.0.2)
# joined by a veth, static routes to each other's loopback. The topology has
# three VPWS: pw 100 (both ends alike), pw 101 (pe2's end has MTU 9000,
# pe1's 1500) and pw 102 (pe1 wants the control word, pe2 does not). pe1's AC
# of pw 100 is a veth whose link state is the PW status pe1 sends.
# Checked through `l2vpn ctl --node ... show l2vpn --json`:
#  1. pw 100 UP on both, each holding the other's local label as remote label,
#     MTU 1500 both ways, control word in use;
#  2. pw 101 DOWN with "MTU mismatch" on both sides, the remote MTU shown;
#  3. pw 102 UP without the control word on both (RFC 8077 6.2 negotiation);
#  4. pe1's AC down: pe2 shows pw 100 "remote not forwarding", pe1 "local not
#     forwarding"; AC up again: UP on both;
#  5. pe2 killed: pe1 shows its PWs down; restarted: UP again;
#  6. the metrics carry l2vpn_pw_up.
# The node runs with --no-fastpath: PW forwarding in the fast path is not
# done yet. Exit 0: passed; 1: a check failed; 77: skipped (not root).
# KEEP=1 keeps /tmp/i17-node-pw.
set -uo pipefail

L2VPN=${1:-build/bin/l2vpn}
L2VPN=$(readlink -f "$L2VPN")
skip() { echo "SKIP: $*"; exit 77; }
[[ -x $L2VPN ]] || { echo "FAIL: no l2vpn binary at '$L2VPN'"; exit 1; }
[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, veth)"
command -v python3 >/dev/null || skip "python3 not installed"
ip netns add i17-probe 2>/dev/null || skip "cannot create network namespaces"
ip netns del i17-probe

W=/tmp/i17-node-pw
FAILS=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
declare -A PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.3
  ip netns del i17-n1 2>/dev/null
  ip netns del i17-n2 2>/dev/null
  [[ ${KEEP:-0} = 1 ]] || rm -rf "$W"
}
trap cleanup EXIT
cleanup
mkdir -p "$W"

for n in i17-n1 i17-n2; do ip netns add $n && ip -n $n link set lo up; done
ip link add i17-12 type veth peer name i17-21
ip link set i17-12 netns i17-n1
ip link set i17-21 netns i17-n2
ip -n i17-n1 addr add 10.0.0.1/30 dev i17-12 && ip -n i17-n1 link set i17-12 up
ip -n i17-n2 addr add 10.0.0.2/30 dev i17-21 && ip -n i17-n2 link set i17-21 up
ip -n i17-n1 addr add 10.255.0.1/32 dev lo
ip -n i17-n2 addr add 10.255.0.2/32 dev lo
ip -n i17-n1 route add 10.255.0.2/32 via 10.0.0.2
ip -n i17-n2 route add 10.255.0.1/32 via 10.0.0.1
ip -n i17-n1 link add i17-ac100 type veth peer name i17-ce100  # the AC and its CE end
ip -n i17-n1 link set i17-ac100 up && ip -n i17-n1 link set i17-ce100 up

cat > "$W/topo.yaml" <<'EOF'
name: i17-node-pw
routers:
  - {name: pe1, role: pe, loopback: 10.255.0.1}
  - {name: pe2, role: pe, loopback: 10.255.0.2}
links:
  - {a: pe1, b: pe2, a_port: i17-12, b_port: i17-21}
sites:
  - {name: a100, pe: pe1, port: i17-ac100}
  - {name: b100, pe: pe2, port: ac100}
  - {name: a101, pe: pe1, port: ac101}
  - {name: b101, pe: pe2, port: ac101, mtu: 9000}
  - {name: a102, pe: pe1, port: ac102}
  - {name: b102, pe: pe2, port: ac102, control_word: false}
services:
  vpws:
    - {name: same, pw_id: 100, sites: [a100, b100]}
    - {name: mtu-mismatch, pw_id: 101, sites: [a101, b101]}
    - {name: cw-one-side, pw_id: 102, sites: [a102, b102]}
EOF

start_node() {  # router
  local n=${1#pe}
  ip netns exec i17-n$n "$L2VPN" node "$W/topo.yaml" --router "$1" --ctl "$W/$1.sock" \
    --no-fastpath --metrics-port 9417 >>"$W/$1.log" 2>&1 &
  PIDS[$1]=$!
}
start_node pe1
start_node pe2

PY=/usr/bin/python3
pw() {  # router pw_id field -> value ("none" when absent)
  "$L2VPN" ctl --node "$W/$1.sock" --json show l2vpn 2>/dev/null | $PY -c '
import json,sys
try: d=json.load(sys.stdin)
except Exception: print("none"); sys.exit()
p=[v for v in d.values() if v["vcId"]==int(sys.argv[1])]
print(p[0].get(sys.argv[2],"none") if p else "none")' "$2" "$3"; }
wait_for() {  # seconds router pw field value
  local t0=$SECONDS
  while (( SECONDS - t0 < $1 )); do
    [[ $(pw "$2" "$3" "$4") = "$5" ]] && { echo $((SECONDS - t0)); return 0; }
    sleep 0.5
  done
  return 1
}

# 1. pw 100 up both ways with each other's labels
if t=$(wait_for 40 pe1 100 status up) && wait_for 10 pe2 100 status up >/dev/null; then
  ok "pw 100 UP on both PEs (${t}s)"
else
  bad "pw 100 not UP: pe1 $(pw pe1 100 status)/$(pw pe1 100 reason), pe2 $(pw pe2 100 status)/$(pw pe2 100 reason)"
fi
l1=$(pw pe1 100 localLabel); r1=$(pw pe1 100 remoteLabel)
l2=$(pw pe2 100 localLabel); r2=$(pw pe2 100 remoteLabel)
if [[ $l1 = "$r2" && $l2 = "$r1" && $l1 != none && $l2 != none ]]; then
  ok "pw 100 labels cross: pe1 local $l1 = pe2 remote $r2, pe2 local $l2 = pe1 remote $r1"
else bad "pw 100 labels: pe1 $l1/$r1, pe2 $l2/$r2"; fi
[[ $(pw pe1 100 remoteIfMtu) = 1500 && $(pw pe1 100 controlWord) = True ]] \
  && ok "pw 100: remote MTU 1500, control word in use" \
  || bad "pw 100: remote MTU $(pw pe1 100 remoteIfMtu), control word $(pw pe1 100 controlWord)"

# 2. MTU mismatch both sides
if wait_for 10 pe1 101 reason "MTU mismatch" >/dev/null && wait_for 10 pe2 101 reason "MTU mismatch" >/dev/null; then
  ok "pw 101 DOWN, 'MTU mismatch' on both (pe1 sees remote MTU $(pw pe1 101 remoteIfMtu), pe2 sees $(pw pe2 101 remoteIfMtu))"
else bad "pw 101: pe1 $(pw pe1 101 reason), pe2 $(pw pe2 101 reason)"; fi

# 3. control word wanted on one side only: up without it
if wait_for 10 pe1 102 status up >/dev/null && [[ $(pw pe1 102 controlWord) = False && $(pw pe2 102 controlWord) = False ]]; then
  ok "pw 102 UP without the control word on both (pe1 wanted it, pe2 not)"
else bad "pw 102: pe1 $(pw pe1 102 status)/cw $(pw pe1 102 controlWord), pe2 $(pw pe2 102 status)/cw $(pw pe2 102 controlWord)"; fi

# 4. pe1's AC down and up
ip -n i17-n1 link set i17-ac100 down
if wait_for 10 pe2 100 reason "remote not forwarding" >/dev/null && wait_for 5 pe1 100 reason "local not forwarding" >/dev/null; then
  ok "pe1's AC down: pe2 shows 'remote not forwarding' ($(pw pe2 100 remoteStatus)), pe1 'local not forwarding'"
else bad "AC down: pe2 $(pw pe2 100 reason), pe1 $(pw pe1 100 reason)"; fi
ip -n i17-n1 link set i17-ac100 up
if wait_for 10 pe2 100 status up >/dev/null && wait_for 5 pe1 100 status up >/dev/null; then
  ok "pe1's AC up again: pw 100 UP on both"
else bad "AC up: pe2 $(pw pe2 100 reason), pe1 $(pw pe1 100 reason)"; fi

# 6. metrics (the node's Prometheus port, inside its namespace)
m=$(ip netns exec i17-n1 $PY -c '
import urllib.request
print(urllib.request.urlopen("http://127.0.0.1:9417/metrics", timeout=3).read().decode())' 2>&1)
if grep -q 'l2vpn_pw_up{router="pe1",peer="10.255.0.2",pw_id="100",name="same",reason=""} 1' <<<"$m" \
   && grep -q 'l2vpn_pw_up{router="pe1",peer="10.255.0.2",pw_id="101".*reason="MTU mismatch"} 0' <<<"$m"; then
  ok "metrics: $(grep -c '^l2vpn_pw_up{' <<<"$m") l2vpn_pw_up series, pw 100 at 1, pw 101 at 0 with its reason"
else bad "metrics: $(grep '^l2vpn_pw' <<<"$m" | head -5) $(head -c 300 <<<"$m")"; fi

# 5. pe2 killed, then back
kill -9 "${PIDS[pe2]}"; wait "${PIDS[pe2]}" 2>/dev/null; unset 'PIDS[pe2]'
if wait_for 60 pe1 100 status down >/dev/null; then
  ok "pe2 killed: pe1 shows pw 100 down ($(pw pe1 100 reason))"
else bad "pe2 killed: pe1 still $(pw pe1 100 status)"; fi
start_node pe2
if t=$(wait_for 60 pe1 100 status up) && wait_for 10 pe2 100 status up >/dev/null; then
  ok "pe2 restarted: pw 100 UP again on both (${t}s)"
else bad "after pe2's restart: pe1 $(pw pe1 100 reason), pe2 $(pw pe2 100 reason)"; fi

echo "== pe1"; "$L2VPN" ctl --node "$W/pe1.sock" show l2vpn
echo "== pe2"; "$L2VPN" ctl --node "$W/pe2.sock" show l2vpn
if (( FAILS )); then echo "FAILED: $FAILS check(s) (logs: $W/pe*.log; KEEP=1 keeps them)"; KEEP=1; exit 1; fi
echo "PASS"
