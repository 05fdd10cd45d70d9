#!/usr/bin/env bash
# End-to-end: the exception path (docs/ldp.md, "The exception path"). The
# lab of test_node_ldp.sh (scripts/lab-ldp.sh, PREFIX=i16x-) with PE1's core
# port DPDK-only (LINUXCP=pe1): its veth is renamed to-p1-phy and bound
# (`--bind to-p1=net_af_packet...,iface=to-p1-phy`), so the kernel sees the
# port only through the tap `l2vpn node` makes, named to-p1, with the
# veth's MAC, which gets PE1's address.
#
#   bash tests/e2e/test_node_linuxcp.sh build/bin/l2vpn
#
# Checked:
#  1. ospfd and LDP run over the tap: PE1's session with P1 OPERATIONAL,
#     OSPF routes on to-p1, PE1's FTN pushes P1's label for PE2's loopback;
#  2. `ping` from PE1's kernel to PE2's loopback succeeds, and the echo
#     requests crossed the backbone labelled: PE1's tap counts them
#     ftn_labelled, P1's label counter (swap) and P2's (PHP) grew by as
#     many; the frames the port received that are not MPLS went into the
#     tap (punted), nothing was dropped;
#  3. GET /metrics on PE1's --metrics-port: LDP's and the fast path's
#     families, the same the control socket's `metrics` answers;
#  4. bad input: --bind of a port whose tap name a kernel interface has:
#     exit 2, named;
#  5. the device's carrier lost and back: the tap goes down and up with
#     it, and so does the port in the fast path.
# Exit 0: passed; 1: a check failed; 77: skipped (not root, FRR missing).
set -uo pipefail

L2VPN=$(readlink -f "${1:-build/bin/l2vpn}")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
skip() { echo "SKIP: $*"; exit 77; }
[[ -x $L2VPN ]] || { echo "FAIL: no l2vpn binary at '$L2VPN'"; exit 1; }
[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, veth, tap)"
for t in ip ethtool curl /usr/lib/frr/zebra /usr/lib/frr/ospfd; do
  command -v "$t" >/dev/null || [[ -x $t ]] || skip "'$t' not installed (Debian packages iproute2, ethtool, curl, frr)"
done
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun (the exception tap)"
export PREFIX=i16x- LINUXCP=pe1 NODE_ARGS="--hello-holdtime 6 --hello-interval 2 --keepalive 9"
export NODE_ARGS_pe1="--metrics-port 9464"
LAB=$ROOT/scripts/lab-ldp.sh
W=/tmp/i16x-lab
PY=/usr/bin/python3
FAILS=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
trap '[[ ${KEEP:-0} = 1 ]] || "$LAB" down' EXIT

"$LAB" up "$L2VPN" || { echo "FAIL: lab-ldp.sh up (LINUXCP=pe1)"; cat "$W/pe1.node.log" 2>/dev/null; exit 1; }

ctl() { "$L2VPN" ctl --node "$W/$1.sock" --json show "${@:2}" 2>/dev/null; }
operational() {  # router -> number of OPERATIONAL sessions
  ctl "$1" ldp neighbor | $PY -c '
import json,sys
try: print(sum(n["state"]=="OPERATIONAL" for n in json.load(sys.stdin)["neighbors"]))
except Exception: print(0)'
}
local_label() {  # router fec -> our local label for it
  ctl "$1" ldp binding | $PY -c '
import json,sys
for b in json.load(sys.stdin)["bindings"]:
    if b["prefix"]==sys.argv[1]: print(b["localLabel"]); break' "$2"
}
ftn() {  # router fec -> "op[labels]@port" of its FTN entry
  ctl "$1" state | $PY -c '
import json,sys
s=json.load(sys.stdin); nh={n["id"]:n for n in s["nhlfes"]}
for f in s["ftn"]:
    if f["fec"]==sys.argv[1] and f["next_hop"]["kind"]=="nhlfe":
        n=nh[f["next_hop"]["id"]]; print("%s%s@%s"%(n["op"],n.get("labels",[]),n["out_port"]))' "$2" 2>/dev/null
}
dpq() {  # router python-expression-over-j -> value (the fast path's counters)
  "$L2VPN" ctl --node "$W/$1.sock" --json show dataplane 2>/dev/null | $PY -c 'import json,sys
j=json.load(sys.stdin)
lab={l["label"]:l["rx_packets"] for l in j["labels"]}
port={p["name"]:p for p in j["ports"]}
print(eval(sys.argv[1]))' "$2" 2>/dev/null
}

# 1. the control plane over the tap
ip -n i16x-pe1 -o link show to-p1 | grep -q "$(ip -n i16x-pe1 -o link show to-p1-phy | grep -o 'link/ether [0-9a-f:]*')" \
  && ok "PE1's tap to-p1 exists with to-p1-phy's MAC" || bad "PE1's tap: $(ip -n i16x-pe1 -br link)"
FEC=10.255.0.4/32
t0=$SECONDS
while (( SECONDS - t0 < 60 )); do
  [[ $(operational pe1) = 1 && $(operational p1) = 3 && $(operational p2) = 2 && $(operational pe2) = 2 ]] \
    && [[ -n $(local_label p1 $FEC) && $(ftn pe1 $FEC) == "push[$(local_label p1 $FEC)]@to-p1" ]] && break
  sleep 0.5
done
[[ $(operational pe1) = 1 ]] && ok "PE1-P1 LDP session OPERATIONAL over the tap after $((SECONDS - t0))s" \
  || bad "PE1 sessions: $(operational pe1)/1 (p1 $(operational p1)/3)"
ip -n i16x-pe1 route show 10.255.0.4 | grep -q "dev to-p1 proto ospf" && ok "ospfd over the tap: PE2's loopback via to-p1" \
  || bad "PE1's route to PE2's loopback: $(ip -n i16x-pe1 route show 10.255.0.4)"
l_p1=$(local_label p1 $FEC); l_p2=$(local_label p2 $FEC)
[[ $(ftn pe1 $FEC) == "push[$l_p1]@to-p1" ]] && ok "PE1 FTN $FEC: push $l_p1 (P1's label) out of to-p1" \
  || bad "PE1 FTN $FEC: '$(ftn pe1 $FEC)' (want push[$l_p1]@to-p1)"
"$L2VPN" ctl --node "$W/pe1.sock" show dataplane | grep -q "exception tap to-p1" && ok "PE1's show dataplane names the exception tap" \
  || bad "PE1's show dataplane: $("$L2VPN" ctl --node "$W/pe1.sock" show dataplane | head -3)"

# 2. the kernel's own IP traffic leaves labelled
lab0=$(dpq pe1 'port["to-p1.tap"]["ftn_labelled"]'); p1_0=$(dpq p1 "lab[$l_p1]"); p2_0=$(dpq p2 "lab[$l_p2]")
N=50
out=$(ip netns exec i16x-pe1 ping -c $N -i 0.02 -W 1 -I 10.255.0.1 10.255.0.4 2>&1)
got=$(grep -o '[0-9]* received' <<<"$out" | grep -o '[0-9]*')
(( ${got:-0} >= N - 2 )) && ok "ping from PE1's kernel to PE2's loopback: $got of $N replies" \
  || bad "ping PE1 -> 10.255.0.4: $(tail -2 <<<"$out")"
grep -q duplicates <<<"$out" && bad "ping saw duplicates (the kernel answered on the phy too): $(tail -2 <<<"$out")"
d_lab=$(( $(dpq pe1 'port["to-p1.tap"]["ftn_labelled"]') - lab0 ))
d_p1=$(( $(dpq p1 "lab[$l_p1]") - p1_0 )); d_p2=$(( $(dpq p2 "lab[$l_p2]") - p2_0 ))
(( d_lab >= N )) && ok "PE1's fast path labelled $d_lab of the kernel's frames (FTN, ftn_labelled on to-p1.tap)" \
  || bad "PE1 ftn_labelled +$d_lab (want >= $N)"
(( d_p1 >= N && d_p2 >= N )) && ok "the echo requests crossed labelled: P1 swapped $d_p1 on label $l_p1, P2 popped $d_p2 on label $l_p2" \
  || bad "label counters: P1 $l_p1 +$d_p1, P2 $l_p2 +$d_p2 (want >= $N each)"
punted=$(dpq pe1 'port["to-p1"]["punted"]')
(( ${punted:-0} >= N )) && ok "PE1's port punted $punted frames that are not MPLS (OSPF, LDP, ARP, the replies) into the tap" \
  || bad "PE1 punted ${punted:-0} (want >= $N)"
for r in pe1 p1 p2 pe2; do
  d=$(dpq $r 'j["dropped"]')
  [[ $d = 0 ]] && ok "$r: no drops" || bad "$r: $d drops: $(dpq $r '{k:v for k,v in j["drops"].items() if v}')"
done
echo "PE1's fast path:"; "$L2VPN" ctl --node "$W/pe1.sock" show dataplane | sed 's/^/  /'

# 3. HTTP /metrics
m=$(ip netns exec i16x-pe1 curl -s --noproxy '*' --max-time 5 http://127.0.0.1:9464/metrics)
grep -q '^l2vpn_ldp_sessions_operational{router="pe1"} 1' <<<"$m" \
  && grep -q '^l2vpn_port_ftn_labelled_total{router="pe1",port="to-p1.tap"} [1-9]' <<<"$m" \
  && grep -q '^l2vpn_port_punted_total{router="pe1",port="to-p1"} [1-9]' <<<"$m" \
  && ok "GET /metrics on PE1 (--metrics-port 9464): LDP's and the fast path's families ($(grep -c '^l2vpn' <<<"$m") samples)" \
  || bad "PE1's /metrics: $(grep -c . <<<"$m") lines, lacking LDP's or the exception path's"

# 4. bad input: the tap's name is taken
out=$(ip netns exec i16x-pe1 "$L2VPN" node "$ROOT/topologies/lab-ldp.yaml" --router pe1 --ctl "$W/bad.sock" \
  --bind to-p1=net_null0 2>&1); rc=$?
[[ $rc = 2 && $out == *"exception tap is the kernel interface 'to-p1', which exists already"* ]] \
  && ok "--bind of a port whose tap name is taken: exit 2, named" || bad "--bind to-p1=net_null0 beside the tap: exit $rc, '$out'"

# 5. the device's link state mirrored onto the tap (and the port)
tap_state() { ip -n i16x-pe1 -o link show to-p1 | grep -q '<[^>]*[<,]UP[,>]' && echo up || echo down; }
waitfor() {  # want command...: up to 3 s
  local want=$1; shift
  for _ in $(seq 1 30); do [[ $("$@") == "$want" ]] && return 0; sleep 0.1; done
  return 1
}
ip -n i16x-p1 link set to-pe1 down  # to-p1-phy loses its carrier
waitfor down tap_state && waitfor False dpq pe1 'port["to-p1"]["up"]' \
  && ok "carrier lost on to-p1-phy: PE1's tap to-p1 set down, the port down in the fast path" \
  || bad "carrier lost: tap $(tap_state), port up=$(dpq pe1 'port["to-p1"]["up"]')"
ip -n i16x-p1 link set to-pe1 up
waitfor up tap_state && waitfor True dpq pe1 'port["to-p1"]["up"]' \
  && ok "carrier back: the tap and the port up again" \
  || bad "carrier back: tap $(tap_state), port up=$(dpq pe1 'port["to-p1"]["up"]')"

if (( FAILS )); then echo "FAILED: $FAILS check(s) (logs in $W; KEEP=1 keeps the lab)"; exit 1; fi
echo "PASS"
