#!/usr/bin/env bash
# End-to-end: PE1-P1-P2-PE2 as four `l2vpn node` processes in four network
# namespaces, FRR's ospfd beside each (scripts/lab-ldp.sh, PREFIX=i16-).
#
#   bash tests/e2e/test_node_ldp.sh build/bin/l2vpn
#
# Checked:
#  1. all four LDP sessions OPERATIONAL;
#  2. every router's FTN/ILM follow the IGP path with PHP: PE1 pushes P1's
#     label for PE2's loopback out of to-p1; P1 swaps it to P2's label out of
#     to-p2; P2 pops (PHP) out of to-pe2; the labels chain (each router's
#     outgoing label is the next one's local label);
#  3. the core link p1-p2 cut: OSPF moves PE2's loopback to the detour
#     p1-pe2; P1's ILM for the same local label now pops out of to-pe2, and
#     PE1's FTN and P1's local label did not change (the stable label);
#     the time from the cut to P1's new state is the outage figure;
#  2b. LDP on each node's DPDK telemetry socket: /l2vpn/ldp/neighbor,
#     binding and summary agree with the control socket's JSON;
#  4. P2 frozen (SIGSTOP, no FIN): its sessions go down after the hold time
#     and its labels leave the others' bindings; P2 killed and restarted:
#     the sessions come back.
# Labelled traffic through the four fast paths (af_packet beside the kernel):
#  T1. 300 probes (MPLS, PE1's FTN label for PE2's loopback, IPv4/UDP below)
#      sent by a raw socket out of PE1's to-p1 (ldp_probe.py): P1 swaps, P2
#      pops (PHP onto IPv4), PE2's kernel receives them all; the counters
#      say so: P1's and P2's label hits, PE2's to_kernel, PE1's fast path
#      ignoring them as the kernel's own frames (kernel_tx_seen), no frame
#      of the kernel's (OSPF, LDP, ARP) counted as a drop anywhere;
#  T2. probes every 1 ms while p1-p2 is cut: the traffic outage (the
#      longest run of lost probes) is the figure printed at the end.
# Exit 0: passed; 1: a check failed; 77: skipped (not root, FRR missing).
set -uo pipefail

L2VPN=$(readlink -f "${1:-build/bin/l2vpn}")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
skip() { echo "SKIP: $*"; exit 77; }
[[ -x $L2VPN ]] || { echo "FAIL: no l2vpn binary at '$L2VPN'"; exit 1; }
[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, veth)"
for t in ip /usr/lib/frr/zebra /usr/lib/frr/ospfd; do
  command -v "$t" >/dev/null || [[ -x $t ]] || skip "'$t' not installed (Debian package frr)"
done
export PREFIX=i16- NODE_ARGS="--hello-holdtime 6 --hello-interval 2 --keepalive 9"
LAB=$ROOT/scripts/lab-ldp.sh
W=/tmp/i16-lab
PY=/usr/bin/python3
FAILS=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
trap '[[ ${KEEP:-0} = 1 ]] || "$LAB" down' EXIT

"$LAB" up "$L2VPN" || { echo "FAIL: lab-ldp.sh up"; exit 1; }

# Bad input: a --bind for a port the router lacks, a port without its interface: exit 2, named.
out=$(ip netns exec i16-pe1 "$L2VPN" node "$ROOT/topologies/lab-ldp.yaml" --router pe1 --ctl "$W/bad.sock" \
  --bind to-p9=net_null0 2>&1); rc=$?
[[ $rc = 2 && $out == *"no port 'to-p9'"* ]] && ok "--bind to an unknown port: exit 2, named" \
  || bad "--bind to-p9=...: exit $rc, '$out'"
ip netns add i16-empty
out=$(ip netns exec i16-empty "$L2VPN" node "$ROOT/topologies/lab-ldp.yaml" --router pe1 --ctl "$W/bad.sock" 2>&1); rc=$?
ip netns del i16-empty
[[ $rc = 2 && $out == *"port 'to-p1' has no kernel interface 'to-p1'"* ]] && ok "a port without its interface: exit 2, named" \
  || bad "node without to-p1: exit $rc, '$out'"

ctl() { "$L2VPN" ctl --node "$W/$1.sock" --json show "${@:2}" 2>/dev/null; }
operational() {  # router -> number of OPERATIONAL sessions
  ctl "$1" ldp neighbor | $PY -c '
import json,sys
try: print(sum(n["state"]=="OPERATIONAL" for n in json.load(sys.stdin)["neighbors"]))
except Exception: print(0)'
}
# state ROUTER -> "FTN-or-ILM summary" lines from the ForwardingState
summary() {
  ctl "$1" state | $PY -c '
import json,sys
try: s=json.load(sys.stdin)
except Exception: sys.exit()
nh={n["id"]:n for n in s.get("nhlfes",[])}
def show(kind,id):
    if kind=="nhlfe":
        n=nh[id]; return "%s%s@%s"%(n["op"],n.get("labels",[]),n["out_port"])
    return "ecmp"
for f in s.get("ftn",[]): print("ftn",f["fec"],show(f["next_hop"]["kind"],f["next_hop"]["id"]))
for i in s.get("ilm",[]): print("ilm",i["label"],show("nhlfe" if i["action"]=="forward" else "ecmp",i["target"]))
print("version",s["version"],s["changedMs"],s["nowMs"])'
}
local_label() {  # router fec -> our local label for it
  ctl "$1" ldp binding | $PY -c '
import json,sys
for b in json.load(sys.stdin)["bindings"]:
    if b["prefix"]==sys.argv[1]: print(b["localLabel"]); break' "$2"
}

# 1. sessions
t0=$SECONDS
while (( SECONDS - t0 < 60 )); do
  [[ $(operational pe1) = 1 && $(operational p1) = 3 && $(operational p2) = 2 && $(operational pe2) = 2 ]] && break
  sleep 0.5
done
if [[ $(operational p1) = 3 && $(operational pe2) = 2 ]]; then ok "4 LDP sessions OPERATIONAL after $((SECONDS - t0))s"
else bad "sessions: pe1 $(operational pe1)/1 p1 $(operational p1)/3 p2 $(operational p2)/2 pe2 $(operational pe2)/2"; fi
sleep 3

# 2. FTN/ILM along the IGP path, PHP at P2
FEC=10.255.0.4/32
l_p1=$(local_label p1 $FEC); l_p2=$(local_label p2 $FEC)
summary pe1 >"$W/pe1.before"; summary p1 >"$W/p1.before"; summary p2 >"$W/p2.before"
grep -q "^ftn $FEC push\[$l_p1\]@to-p1" "$W/pe1.before" && ok "PE1 FTN $FEC: push $l_p1 (P1's label) out of to-p1" \
  || bad "PE1 FTN for $FEC: $(grep "ftn $FEC" "$W/pe1.before") (want push [$l_p1] @to-p1)"
grep -q "^ilm $l_p1 swap\[$l_p2\]@to-p2" "$W/p1.before" && ok "P1 ILM $l_p1: swap to $l_p2 (P2's label) out of to-p2" \
  || bad "P1 ILM $l_p1: $(grep "ilm $l_p1 " "$W/p1.before") (want swap [$l_p2] @to-p2)"
grep -q "^ilm $l_p2 pop\[\]@to-pe2" "$W/p2.before" && ok "P2 ILM $l_p2: pop (PHP) out of to-pe2" \
  || bad "P2 ILM $l_p2: $(grep "ilm $l_p2 " "$W/p2.before") (want pop @to-pe2)"

# 2b. LDP on each node's DPDK telemetry socket (its file prefix
# l2vpn-node-ROUTER-PID): /l2vpn/ldp/neighbor, binding, summary say what the
# control socket says (same sessions and states, same loopback bindings).
tel() {  # router table -> `ctl --file-prefix ... --json show ldp TABLE`
  "$L2VPN" ctl --file-prefix "l2vpn-node-$1-$(cat "$W/$1.node.pid")" --json show ldp "$2" 2>&1
}
for r in pe1 p1; do
  cmp=$($PY - "$(ctl $r ldp neighbor)" "$(tel $r neighbor)" "$(ctl $r ldp binding)" "$(tel $r binding)" \
    "$(tel $r summary)" <<'PYEOF' 2>&1
import json, sys
cn, tn, cb, tb, ts = (json.loads(a) for a in sys.argv[1:6])
nb = lambda j: sorted((n["neighborId"], n["state"], n["transportAddress"], n["keepaliveTime"], tuple(n["addresses"]))
                      for n in j["neighbors"])
lo = lambda j: sorted((b["prefix"], b["neighborId"], b["localLabel"], b.get("remoteLabel"), b["inUse"])
                      for b in j["bindings"] if b["prefix"].startswith("10.255.0."))
ops = sum(n[1] == "OPERATIONAL" for n in nb(tn))
assert nb(cn) == nb(tn), ("neighbors differ", nb(cn), nb(tn))
assert lo(cb) == lo(tb) and lo(tb), ("loopback bindings differ", lo(cb), lo(tb))
assert ts["sessionsOperational"] == ops, ("summary", ts)
print(ops, len(lo(tb)), len(tb["bindings"]))
PYEOF
  )
  if [[ $cmp =~ ^[0-9]+\ [0-9]+\ [0-9]+$ ]]; then
    read -r n_op n_lo n_all <<<"$cmp"
    ok "$r telemetry /l2vpn/ldp/*: $n_op OPERATIONAL, $n_lo loopback bindings ($n_all in all), as the control socket says"
  else
    bad "$r telemetry /l2vpn/ldp/* vs control socket: $cmp"
  fi
done
out=$("$L2VPN" ctl --file-prefix "l2vpn-node-p1-$(cat "$W/p1.node.pid")" raw /l2vpn/ldp/binding,999 2>&1); rc=$?
[[ $rc != 0 && $out == *"past the end"* ]] && ok "/l2vpn/ldp/binding,999: past the end, an error" \
  || bad "/l2vpn/ldp/binding,999: exit $rc, '$out'"

# T1. labelled probes PE1 -> P1 (swap) -> P2 (PHP) -> PE2's kernel
PROBE=$HERE/ldp_probe.py
mac_of() { ip -n "i16-$1" -j link show "$2" | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'; }
dp() {  # router -> the fast path's counters (JSON)
  "$L2VPN" ctl --node "$W/$1.sock" --json show dataplane 2>/dev/null
}
dpq() {  # router python-expression-over-j -> value
  dp "$1" | $PY -c 'import json,sys
j=json.load(sys.stdin)
lab={l["label"]:l["rx_packets"] for l in j["labels"]}
port={p["name"]:p for p in j["ports"]}
print(eval(sys.argv[1]))' "$2" 2>/dev/null
}
for r in pe2 p1 p2 pe1; do ip netns exec "i16-$r" sysctl -qw net.ipv4.conf.all.rp_filter=0; done
PE1_MAC=$(mac_of pe1 to-p1); P1_MAC=$(mac_of p1 to-pe1)
listening() {  # out.json: wait until the receiver is bound
  for _ in $(seq 1 100); do [[ -f $1.ready ]] && return; sleep 0.05; done
}
probes() {  # count interval_ms recv_seconds out.json: receive at PE2, send at PE1
  ip netns exec i16-pe2 $PY "$PROBE" recv "$3" "$4" &
  local rp=$!
  listening "$4"
  ip netns exec i16-pe1 $PY "$PROBE" send to-p1 "$P1_MAC" "$PE1_MAC" "$l_p1" 10.255.0.1 10.255.0.4 "$1" "$2" >/dev/null
  wait $rp
}
pe1_seen0=$(dpq pe1 'port["to-p1"]["kernel_tx_seen"]'); p1_hits0=$(dpq p1 "lab[$l_p1]")
p2_hits0=$(dpq p2 "lab[$l_p2]"); pe2_kernel0=$(dpq pe2 'port["to-p2"]["to_kernel"]')
probes 300 2 1.5 "$W/probe1.json"
read -r got lost _ < <($PY "$PROBE" summary "$W/probe1.json" 300 2)
# All of them, unless the machine is so loaded that the odd one is late.
(( ${got:-0} >= 295 )) && ok "300 labelled probes PE1 -> PE2: $got arrived at PE2's kernel after PHP" \
  || bad "labelled probes: ${got:-0} of 300 arrived at PE2 (see '$L2VPN ctl --node $W/ROUTER.sock show dataplane')"
d_p1=$(( $(dpq p1 "lab[$l_p1]") - p1_hits0 )); d_p2=$(( $(dpq p2 "lab[$l_p2]") - p2_hits0 ))
d_pe2=$(( $(dpq pe2 'port["to-p2"]["to_kernel"]') - pe2_kernel0 ))
d_pe1=$(( $(dpq pe1 'port["to-p1"]["kernel_tx_seen"]') - pe1_seen0 ))
(( d_p1 >= got && d_p2 >= got )) && ok "P1 swapped $d_p1 on label $l_p1, P2 popped $d_p2 on label $l_p2 (fast path label counters)" \
  || bad "label counters: P1 $l_p1 +$d_p1, P2 $l_p2 +$d_p2 (want >= $got)"
(( d_pe2 >= got )) && ok "PE2's fast path left $d_pe2 frames (the IPv4 after PHP) to its kernel (to_kernel), not dropped" \
  || bad "PE2 to_kernel on to-p2 +$d_pe2 (want >= $got)"
(( d_pe1 >= got )) && ok "PE1's fast path saw the $d_pe1 frames the kernel sent out of to-p1 and ignored them (kernel_tx_seen)" \
  || bad "PE1 kernel_tx_seen on to-p1 +$d_pe1 (want >= $got)"
for r in pe1 p1 p2 pe2; do
  d=$(dpq $r 'j["dropped"]'); tk=$(dpq $r 'j["to_kernel"]')
  [[ $d = 0 ]] && ok "$r: no drops; $tk frames left to the kernel (OSPF, LDP, ARP, probes)" \
  || bad "$r: $d drops: $(dpq $r '{k:v for k,v in j["drops"].items() if v}')"
done
"$L2VPN" ctl --node "$W/p1.sock" show dataplane >"$W/p1.dataplane.txt" 2>&1
m=$($PY -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"metrics\n")
print(b"".join(iter(lambda: s.recv(65536), b"")).decode())' "$W/pe2.sock")
grep -q '^l2vpn_port_to_kernel_total{router="pe2",port="to-p2"} [1-9]' <<<"$m" && grep -q '^l2vpn_ldp_fecs' <<<"$m" \
  && ok "PE2's metrics: LDP's and the fast path's (l2vpn_port_to_kernel_total)" \
  || bad "PE2's metrics lack LDP's or the fast path's: $(grep -c . <<<"$m") lines"

# 3. cut p1-p2 under traffic: the labels follow the IGP, and the traffic
v0=$(awk '/^version/{print $2}' "$W/p1.before")
ip netns exec i16-pe2 $PY "$PROBE" recv 5 "$W/probe2.json" &
recv_pid=$!
listening "$W/probe2.json"
ip netns exec i16-pe1 $PY "$PROBE" send to-p1 "$P1_MAC" "$PE1_MAC" "$l_p1" 10.255.0.1 10.255.0.4 3000 1 >/dev/null &
send_pid=$!
sleep 1
cut_ms=$($PY -c 'import time; print(int(time.clock_gettime(time.CLOCK_MONOTONIC)*1000))')
ip -n i16-p1 link set to-p2 down
ip -n i16-p2 link set to-p1 down
moved=
for _ in $(seq 1 200); do
  s=$(summary p1)
  if grep -q "^ilm $l_p1 pop\[\]@to-pe2" <<<"$s"; then moved=$s; break; fi
  sleep 0.05
done
if [[ -n $moved ]]; then
  changed=$(awk '/^version/{print $3}' <<<"$moved")
  ok "P1 ILM $l_p1 now pops out of to-pe2 (the detour), $((changed - cut_ms)) ms after the cut"
  echo "outage (cut -> P1 forwarding state on the new next hop): $((changed - cut_ms)) ms" >"$W/outage.txt"
else
  bad "P1 ILM $l_p1 did not move to to-pe2 within 10 s: $(summary p1 | grep "ilm $l_p1 ")"
fi
[[ $(local_label p1 $FEC) = "$l_p1" ]] && ok "P1's local label for $FEC unchanged ($l_p1) across the reroute" \
  || bad "P1's local label for $FEC changed: $l_p1 -> $(local_label p1 $FEC)"
grep -q "^ftn $FEC push\[$l_p1\]@to-p1" <<<"$(summary pe1)" && ok "PE1's FTN untouched (push $l_p1 via P1)" \
  || bad "PE1 FTN changed: $(summary pe1 | grep "ftn $FEC")"
wait $send_pid; wait $recv_pid
read -r got lost gap_ms < <($PY "$PROBE" summary "$W/probe2.json" 3000 1)
if [[ -n $got ]] && (( got > 2000 && gap_ms < 1000 )); then
  ok "probes every 1 ms across the cut: $got of 3000 arrived, $lost lost; longest gap $gap_ms ms"
  echo "traffic outage (longest run of lost 1 ms probes, PE1 -> PE2 through the four fast paths): $gap_ms ms ($lost of 3000 lost)" >>"$W/outage.txt"
else
  bad "probes across the cut: ${got:-0} of 3000 arrived, longest gap ${gap_ms:-?} ms"
fi
n=$(dpq p1 'port["to-pe2"]["tx_packets"]')
(( ${n:-0} > 1500 )) && ok "P1 sent $n probes out of to-pe2 (PHP onto IPv4) after the cut" \
  || bad "P1 sent ${n:-0} frames out of to-pe2 after the cut (want > 1500)"
echo "P1's fast path after the cut:"; "$L2VPN" ctl --node "$W/p1.sock" show dataplane | sed 's/^/  /'

ip -n i16-p1 link set to-p2 up
ip -n i16-p2 link set to-p1 up
# OSPF (dead 3 s), a hello (every 2 s) and the TCP session: 8 s, as before
# (the old session may still be ending), then, as under load this took
# longer once, up to 30 s in all; the time is printed.
t0=$SECONDS
sleep 8
while (( SECONDS - t0 < 30 )); do (( $(operational p1) == 3 )) && break; sleep 0.5; done

# 4. P2 frozen: sessions drop after the hold time; killed + restarted: back
(( $(operational p1) == 3 )) && ok "p1-p2 session back $((SECONDS - t0)) s after the link came up" \
  || bad "p1-p2 session did not come back within 30 s of the link coming up"
p2pid=$(cat "$W/p2.node.pid")
kill -STOP "$p2pid"
t0=$SECONDS
while (( SECONDS - t0 < 30 )); do (( $(operational p1) == 2 )) && break; sleep 0.5; done
if (( $(operational p1) == 2 )); then ok "P2 frozen: P1's session with it ended after $((SECONDS - t0)) s (hold 6 s, keepalive 9 s)"
else bad "P2 frozen: P1 still has $(operational p1) sessions"; fi
grep -q '"neighborId": "10.255.0.3"' <<<"$(ctl p1 ldp binding)" && bad "P2's labels still in P1's bindings" \
  || ok "P2's labels left P1's bindings"
kill -KILL "$p2pid"
rm -rf "/var/run/dpdk/l2vpn-node-p2-$p2pid"  # EAL's runtime directory: a killed process leaves it
"$LAB" start-node p2 "$L2VPN"
t0=$SECONDS
while (( SECONDS - t0 < 40 )); do (( $(operational p1) == 3 && $(operational p2) == 2 )) && break; sleep 0.5; done
if (( $(operational p1) == 3 && $(operational p2) == 2 )); then ok "P2 restarted: sessions back in $((SECONDS - t0)) s"
else bad "after P2's restart: p1 $(operational p1)/3, p2 $(operational p2)/2"; fi

[[ -f $W/outage.txt ]] && cat "$W/outage.txt"
if (( FAILS )); then echo "FAILED: $FAILS check(s) (logs in $W; KEEP=1 keeps the lab)"; exit 1; fi
echo "PASS"
