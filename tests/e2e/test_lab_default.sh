#!/usr/bin/env bash
# End-to-end: topologies/default.yaml as six `l2vpn node` processes, built by
# scripts/lab.sh (docs/lab.md): namespaces le-<router>, FRR's zebra + ospfd
# beside each node, a host namespace per PE port with sites.
#
#   bash tests/e2e/test_lab_default.sh build/bin/l2vpn
#
# Checked:
#  0. a bad topology: lab.sh up exits 2 naming the file, and leaves nothing;
#     a port name longer than an interface name may be (attmpls.yaml): the same;
#  1. both VPWS services (dept-dc2 PW 102, dept-dc3 PW 103: VLANs 102/103 on
#     pe1's ce-dept, untagged at pe2/pe3) UP on both ends; the hub's host
#     pings each spoke; iperf3 TCP across dept-dc2;
#  2. sim and nodes agree (tests/e2e/lab_agree.py): every VPWS PW end in the
#     state and over the router path `l2vpn topo default.yaml --json` computes;
#  3. pe1-p1 cut during a 2 ms ping stream across dept-dc3: the PW stays UP,
#     the pings resume (loss and the longest gap in ms), pe1's FTN toward
#     pe3 moves from to-p1 to to-p2, and the nodes still agree with topo
#     computed with --fail-link pe1:p1; then iperf3 TCP from dc3 while p1-pe3
#     goes down: traffic resumes, pe3's FTN toward pe1 moves to to-p3;
#  4. pe3's node killed: pe1 shows PW 103 down with a reason; restarted: UP
#     and pings pass;
#  5. VPLS `cache`: redis replica in dc3 syncing 10,000 keys from dc2's
#     master, memcached in dc1 answering 10,000 sets and gets from dc3 - run
#     only when the nodes signal VPLS PWs (show l2vpn lists vc id 200), else
#     a SKIP line.
# Runs under `flock /tmp/e2e.lock`. Exit 0: passed; 1: a check failed; 77:
# skipped (not root, tools missing). KEEP=1 keeps the lab (scripts/lab.sh down --prefix le-).
set -uo pipefail

# Take /tmp/e2e.lock unless a process we run under holds it already
# (`flock /tmp/e2e.lock ctest ...`): waiting for our own parent's lock would
# never end.
lock_is_ours() {
  local ino holders pid=$$
  ino=$(stat -c %i /tmp/e2e.lock 2>/dev/null) || return 1
  holders=" $(awk -v ino="$ino" '$2 == "FLOCK" && $6 ~ (":" ino "$") {print $5}' /proc/locks | tr '\n' ' ')"
  while [[ -n $pid && $pid != 0 && $pid != 1 ]]; do
    [[ $holders == *" $pid "* ]] && return 0
    pid=$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null)
  done
  return 1
}
if [[ -z ${LAB_E2E_LOCKED:-} ]] && command -v flock >/dev/null && ! lock_is_ours; then
  LAB_E2E_LOCKED=1 exec flock /tmp/e2e.lock bash "$0" "$@"
fi
L2VPN=$(readlink -f "${1:-build/bin/l2vpn}")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
skip() { echo "SKIP: $*"; exit 77; }
[[ -x $L2VPN ]] || { echo "FAIL: no l2vpn binary at '$L2VPN'"; exit 1; }
[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, veths, FRR, DPDK af_packet)"
for t in ip ping ethtool python3 iperf3 /usr/lib/frr/zebra /usr/lib/frr/ospfd; do
  command -v "$t" >/dev/null || [[ -x $t ]] || skip "'$t' not installed (scripts/setup-deps.sh)"
done
ip netns add le-probe 2>/dev/null || skip "cannot create network namespaces"
ip netns del le-probe

P=le-
W=/tmp/le-lab
LAB=$ROOT/scripts/lab.sh
TOPO=$ROOT/topologies/default.yaml
PY=/usr/bin/python3
FAILS=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
trap '[[ ${KEEP:-0} = 1 ]] || "$LAB" down --prefix $P >/dev/null' EXIT
"$LAB" down --prefix $P >/dev/null 2>&1

# 0. bad input: named, exit 2, nothing left behind
printf 'routers:\n  - {name: pe1, role: pe}\nlinks:\n  - {a: pe1, b: nowhere}\n' >/tmp/le-bad.yaml
out=$("$LAB" up /tmp/le-bad.yaml --prefix le-bad- --l2vpn "$L2VPN" 2>&1); rc=$?
left=$(ip netns list | grep -c '^le-bad-')
[[ $rc = 2 && $out == *"/tmp/le-bad.yaml"* && $left = 0 ]] && ok "bad topology: exit 2, names the file: '$(head -1 <<<"$out" | cut -c1-140)'" \
  || bad "bad topology: exit $rc, $left namespaces left, '$out'"
rm -f /tmp/le-bad.yaml
# attmpls.yaml loads, but two AC ports are longer than an interface name may be
out=$("$LAB" up "$ROOT/topologies/attmpls.yaml" --prefix le-bad- --l2vpn "$L2VPN" 2>&1); rc=$?
[[ $rc = 2 && $out == *attmpls.yaml* && $out == *ATLN:ac-atlanta-office* && $(ip netns list | grep -c '^le-bad-') = 0 ]] \
  && ok "attmpls.yaml: exit 2 before building anything, the ports too long for interface names named" \
  || bad "attmpls.yaml: exit $rc, '$out'"

t0=$SECONDS
"$LAB" up "$TOPO" --prefix $P --workdir "$W" --l2vpn "$L2VPN" \
  --node-args "--hello-holdtime 6 --hello-interval 2 --keepalive 9" | tee "$W.up.txt" || { echo "FAIL: lab.sh up"; exit 1; }
ok "lab up in $((SECONDS - t0)) s: $(grep -c '^  router' "$W.up.txt") routers, $(grep -c '^  site' "$W.up.txt") sites"
rm -f "$W.up.txt"

HUB=${P}pe1-ce-dept; DC2=${P}pe2-ce-dept; DC3=${P}pe3-ce-dept
pw() {  # router pw_id field -> value ("none" when absent)
  "$L2VPN" ctl --node "$W/$1.sock" --json show l2vpn 2>/dev/null | $PY -c '
import json,sys
try: d=json.load(sys.stdin)
except Exception: print("none"); sys.exit()
p=[v for v in d.values() if v["vcId"]==int(sys.argv[1])]
print(p[0].get(sys.argv[2],"none") if p else "none")' "$2" "$3"; }
fp_up() {  # router pw_id -> the fast path's "up" for that PW (signalled and an LSP to the far PE)
  "$L2VPN" ctl --node "$W/$1.sock" --json show dataplane 2>/dev/null | $PY -c '
import json,sys
try: p=[x for x in json.load(sys.stdin)["pseudowires"] if x["pw_id"]==int(sys.argv[1])]
except Exception: p=[]
print(str(p[0]["up"]).lower() if p else "none")' "$2"; }
vpws_up() {  # both VPWS UP in LDP and in the fast paths at both ends
  local e
  for e in "pe1 102" "pe2 102" "pe1 103" "pe3 103"; do
    set -- $e
    [[ $(pw $1 $2 status) = up && $(fp_up $1 $2) = true ]] || return 1
  done
}
wait_until() {  # seconds command... -> seconds taken
  local t0=$SECONDS
  while (( SECONDS - t0 < $1 )); do "${@:2}" && { echo $((SECONDS - t0)); return 0; }; sleep 0.5; done
  return 1
}
pings() {  # ns dst count -> received (output in $W/ping.out)
  ip netns exec "$1" ping -c "$3" -i 0.2 -W 1 "$2" 2>/dev/null >"$W/ping.out"
  sed -n 's/.* \([0-9]*\) received.*/\1/p' "$W/ping.out"
}
rtt() { sed -n 's/^rtt .* = \([0-9./]*\) ms.*/\1/p' "$W/ping.out"; }

# 1. the VPWS services
if t=$(wait_until 90 vpws_up); then
  ok "dept-dc2 (PW 102, pe1<->pe2) and dept-dc3 (PW 103, pe1<->pe3) UP on both ends, in LDP and in the fast paths, ${t}s after the nodes started"
else
  bad "VPWS: 102 pe1 $(pw pe1 102 status)/$(pw pe1 102 reason) pe2 $(pw pe2 102 status)/$(pw pe2 102 reason); 103 pe1 $(pw pe1 103 status)/$(pw pe1 103 reason) pe3 $(pw pe3 103 status)/$(pw pe3 103 reason)"
fi
for e in "102 10.9.0.1 10.9.0.2 $DC2 dept-dc2" "103 10.9.1.1 10.9.1.2 $DC3 dept-dc3"; do
  read -r id hub_ip spoke_ip spoke_ns name <<<"$e"
  ip netns exec "$HUB" ping -c 3 -W 1 "$spoke_ip" >/dev/null 2>&1  # ARP
  got=$(pings "$HUB" "$spoke_ip" 20)
  [[ $got = 20 ]] && ok "$name: hub (VLAN $id at pe1) -> spoke (untagged) 20/20 pings, rtt min/avg/max/mdev $(rtt) ms" \
    || bad "$name: hub -> spoke $got/20 pings"
  got=$(pings "$spoke_ns" "$hub_ip" 10)
  [[ $got = 10 ]] && ok "$name: spoke -> hub 10/10 pings" || bad "$name: spoke -> hub $got/10 pings"
done
ip netns exec "$HUB" iperf3 -s -1 -D -B 10.9.0.1 -I "$W/iperf.pid" >/dev/null 2>&1
sleep 0.5
ip netns exec "$DC2" iperf3 -c 10.9.0.1 -t 5 -J >"$W/iperf.json" 2>&1
read -r bps retr < <($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(int(d["end"]["sum_received"]["bits_per_second"]), d["end"]["sum_sent"].get("retransmits",0))' "$W/iperf.json" 2>/dev/null)
if [[ -n ${bps:-} && $bps -gt 0 ]]; then
  ok "iperf3 TCP dc2 -> hub across dept-dc2: $((bps / 1000000)) Mbit/s over 5 s ($retr retransmits)"
  echo "iperf3 TCP dc2 -> hub across dept-dc2 (PW 102): $((bps / 1000000)) Mbit/s, $retr retransmits" >"$W/figures.txt"
else
  bad "iperf3: $(head -c 300 "$W/iperf.json")"
fi

# 2. sim and nodes agree
sleep 2
if out=$($PY "$HERE/lab_agree.py" "$L2VPN" "$W/lab.json" 2>&1); then
  ok "nodes agree with 'l2vpn topo default.yaml --json':"; sed 's/^/    /' <<<"$out"
else
  bad "nodes and topo disagree:"; sed 's/^/    /' <<<"$out"
fi

# 2b. the checker can disagree: told pe1-p1 is cut while it is up, it must
# name dept-dc3's PW ends (their paths differ) and exit 1.
out=$($PY "$HERE/lab_agree.py" "$L2VPN" "$W/lab.json" --fail-link pe1:p1 2>&1); rc=$?
[[ $rc = 1 && $(grep -c '^DISAGREE *vpws dept-dc3' <<<"$out") = 2 ]] \
  && ok "lab_agree.py against topo with pe1-p1 failed (the lab has it up): exit 1, $(grep -c '^DISAGREE' <<<"$out") disagreements, e.g. '$(grep -m1 '^DISAGREE' <<<"$out" | tr -s ' ')'" \
  || bad "lab_agree.py with a failure the lab lacks: exit $rc: $out"

# 3. pe1-p1 cut under a ping stream (every 2 ms, 10 s) across dept-dc3
ftn_port() {  # router fec -> out port(s) of its FTN entry
  "$L2VPN" ctl --node "$W/$1.sock" --json show state 2>/dev/null | $PY -c '
import json,sys
s=json.load(sys.stdin); nh={n["id"]:n for n in s["nhlfes"]}; g={x["id"]:x["nhlfes"] for x in s["ecmp_groups"]}
for f in s["ftn"]:
    if f["fec"]==sys.argv[1]:
        k,i=f["next_hop"]["kind"],f["next_hop"]["id"]
        ids=[i] if k=="nhlfe" else g[i]
        print(",".join("%s%s@%s"%(nh[x]["op"],nh[x]["labels"],nh[x]["out_port"]) for x in ids))' "$2"; }
PE3=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["routers"]["pe3"]["loopback"])' "$W/lab.json")/32
port_tx() {  # router port -> frames its fast path sent out of that port
  "$L2VPN" ctl --node "$W/$1.sock" --json show dataplane 2>/dev/null | $PY -c '
import json,sys
print([p["tx_packets"] for p in json.load(sys.stdin)["ports"] if p["name"]==sys.argv[1]][0])' "$2"; }
before=$(ftn_port pe1 "$PE3")
tx_p1_0=$(port_tx pe1 to-p1); tx_p2_0=$(port_tx pe1 to-p2)
ip netns exec "$HUB" ping -c 5000 -i 0.002 -W 1 10.9.1.2 >"$W/cut-ping.out" 2>&1 &
ping_pid=$!
sleep 2
ip -n ${P}pe1 link set to-p1 down; ip -n ${P}p1 link set to-pe1 down
after=
for _ in $(seq 1 100); do
  after=$(ftn_port pe1 "$PE3"); [[ $after == *@to-p2* ]] && break; sleep 0.1
done
wait $ping_pid
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$W/cut-ping.out")
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$W/cut-ping.out")
gap=$($PY -c '
import re,sys
seqs=sorted(int(m) for m in re.findall(r"icmp_seq=(\d+)", open(sys.argv[1]).read()))
print(max((b-a-1 for a,b in zip(seqs,seqs[1:])), default=0))' "$W/cut-ping.out")
lost=$((sent - recv))
if [[ $after == *@to-p2* && $before == *@to-p1* ]]; then
  ok "pe1's FTN for pe3 ($PE3) moved: $before -> $after"
else bad "pe1's FTN for pe3: before '$before', after '$after' (want to-p1 -> to-p2)"; fi
d_p1=$(( $(port_tx pe1 to-p1) - tx_p1_0 )); d_p2=$(( $(port_tx pe1 to-p2) - tx_p2_0 ))
(( d_p2 >= recv / 2 )) && ok "pe1's fast path during the stream: $d_p1 frames out of to-p1 (before the cut), $d_p2 out of to-p2 (after)" \
  || bad "pe1's port counters: to-p1 +$d_p1, to-p2 +$d_p2 (want most of the $recv pings' requests on to-p2)"
[[ $(pw pe1 103 status) = up && $(pw pe3 103 status) = up && $(fp_up pe1 103) = true ]] && ok "dept-dc3 stayed UP on both ends across the cut" \
  || bad "dept-dc3 after the cut: pe1 $(pw pe1 103 status)/$(pw pe1 103 reason), pe3 $(pw pe3 103 status)"
if (( recv > 0 && gap < 1500 )); then
  ok "pings every 2 ms hub -> dc3 across the cut: $recv of $sent received, $lost lost; longest gap $gap pings = ~$((gap * 2)) ms"
  echo "pe1-p1 cut under pings every 2 ms across dept-dc3: $lost of $sent lost, longest gap ~$((gap * 2)) ms" >>"$W/figures.txt"
else bad "pings across the cut: $recv of $sent, longest gap $gap pings"; fi
got=$(pings "$HUB" 10.9.1.2 10)
[[ $got = 10 ]] && ok "after the cut: 10/10 pings hub -> dc3 (rtt $(rtt) ms)" || bad "after the cut: $got/10 pings"
sleep 2
if out=$($PY "$HERE/lab_agree.py" "$L2VPN" "$W/lab.json" --fail-link pe1:p1 2>&1); then
  ok "with pe1-p1 cut, nodes agree with 'l2vpn topo --fail-link pe1:p1':"; sed 's/^/    /' <<<"$out"
else
  bad "with pe1-p1 cut, nodes and topo disagree:"; sed 's/^/    /' <<<"$out"
fi
ip -n ${P}pe1 link set to-p1 up; ip -n ${P}p1 link set to-pe1 up

# 3b. TCP across a cut: iperf3 dc3 -> hub across dept-dc3 while p1-pe3
# (the PW's link at pe3) goes down; pe3's FTN toward pe1 moves to to-p3.
PE1=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["routers"]["pe1"]["loopback"])' "$W/lab.json")/32
back() { [[ $(ftn_port pe1 "$PE3") == *@to-p1* && $(ftn_port pe3 "$PE1") == *@to-p1* ]]; }
if t=$(wait_until 40 back); then
  ok "pe1-p1 up again: dept-dc3 back on pe1 p1 pe3 after ${t}s"
else bad "pe1-p1 up again: pe1's FTN for pe3 '$(ftn_port pe1 "$PE3")', pe3's for pe1 '$(ftn_port pe3 "$PE1")'"; fi
before3=$(ftn_port pe3 "$PE1")
ip netns exec "$HUB" iperf3 -s -1 -D -B 10.9.1.1 >/dev/null 2>&1
sleep 0.5
ip netns exec "$DC3" iperf3 -c 10.9.1.1 -t 8 -i 0.5 -J >"$W/iperf-cut.json" 2>&1 &
iperf_pid=$!
sleep 3
ip -n ${P}pe3 link set to-p1 down; ip -n ${P}p1 link set to-pe3 down
wait $iperf_pid
after3=$(ftn_port pe3 "$PE1")
read -r zero last mbps retr < <($PY -c '
import json,sys
d=json.load(open(sys.argv[1])); iv=[i["sum"]["bits_per_second"] for i in d["intervals"]]
print(sum(b < 1e6 for b in iv), int(min(iv[-2:])/1e6), int(d["end"]["sum_received"]["bits_per_second"]/1e6), d["end"]["sum_sent"].get("retransmits",0))' "$W/iperf-cut.json" 2>/dev/null)
if [[ -n ${last:-} && $last -gt 0 && $after3 == *@to-p3* ]]; then
  ok "iperf3 dc3 -> hub across a p1-pe3 cut: $mbps Mbit/s over 8 s, $retr retransmits, $zero of 16 half-seconds below 1 Mbit/s, the last two at >= $last Mbit/s; pe3's FTN for pe1: $before3 -> $after3"
  echo "p1-pe3 cut under iperf3 across dept-dc3: $mbps Mbit/s over 8 s, $zero of 16 half-second intervals below 1 Mbit/s, $retr retransmits" >>"$W/figures.txt"
else
  bad "iperf3 across the p1-pe3 cut: last intervals ${last:-?} Mbit/s, pe3's FTN for pe1 '$before3' -> '$after3' ($(head -c 200 "$W/iperf-cut.json"))"
fi
[[ $(pw pe1 103 status) = up && $(fp_up pe3 103) = true ]] && ok "dept-dc3 UP across the p1-pe3 cut" \
  || bad "dept-dc3 after the p1-pe3 cut: pe1 $(pw pe1 103 status), pe3 fast path $(fp_up pe3 103)"
sleep 1
if out=$($PY "$HERE/lab_agree.py" "$L2VPN" "$W/lab.json" --fail-link p1:pe3 2>&1); then
  ok "with p1-pe3 cut, nodes agree with 'l2vpn topo --fail-link p1:pe3' ($(grep -E 'dept-dc3 pe3->pe1' <<<"$out" | tr -s ' ' | cut -d' ' -f4-))"
else
  bad "with p1-pe3 cut, nodes and topo disagree:"; sed 's/^/    /' <<<"$out"
fi
ip -n ${P}pe3 link set to-p1 up; ip -n ${P}p1 link set to-pe3 up

# 4. pe3's node killed; the far PE (pe1) shows PW 103 down; restarted: back
pid=$(cat "$W/pe3.node.pid")
kill -KILL "$pid"
t0=$SECONDS
if wait_until 40 bash -c "[[ \$('$L2VPN' ctl --node '$W/pe1.sock' --json show l2vpn | $PY -c 'import json,sys; print([v[\"status\"] for v in json.load(sys.stdin).values() if v[\"vcId\"]==103][0])') = down ]]" >/dev/null; then
  ok "pe3's node killed: pe1 shows PW 103 down after $((SECONDS - t0)) s, reason '$(pw pe1 103 reason)'; PW 102 still $(pw pe1 102 status)"
else bad "pe3 killed: pe1's PW 103 still $(pw pe1 103 status)"; fi
got=$(pings "$HUB" 10.9.1.2 5)
[[ $got = 0 ]] && ok "pe3 down: 0/5 pings hub -> dc3" || bad "pe3 down: $got/5 pings"
rm -rf "/var/run/dpdk/l2vpn-node-pe3-$pid"
"$LAB" start-node pe3 --prefix $P >/dev/null
t0=$SECONDS
if wait_until 60 vpws_up >/dev/null; then
  got=$(pings "$HUB" 10.9.1.2 10)
  [[ $got = 10 ]] && ok "pe3 restarted: PW 103 UP on both ends (LDP and fast paths) after $((SECONDS - t0)) s, 10/10 pings (rtt $(rtt) ms)" \
    || bad "pe3 restarted: $got/10 pings"
else bad "pe3 restarted: PW 103 pe1 $(pw pe1 103 status)/$(pw pe1 103 reason), pe3 $(pw pe3 103 status)"; fi

# 5. VPLS cache: only when the nodes signal it
if [[ $(pw pe1 200 status) = none ]]; then
  echo "SKIP (VPLS): the nodes signal no VPLS PW for 'cache' (vsi 200; l2vpn node has no VPLS yet): redis and memcached checks not run"
else
  for t in redis-server redis-cli memcached; do command -v $t >/dev/null || bad "VPLS: '$t' not installed"; done
  CLI="$PY $HERE/l2_stretch.py"
  D1=${P}pe1-ac-cache; D2=${P}pe2-ac-cache; D3=${P}pe3-ac-cache
  vpls_ups() {  # router -> "UP/ALL" of its PWs with vc id 200 (one per far PE)
    "$L2VPN" ctl --node "$W/$1.sock" --json show l2vpn 2>/dev/null | $PY -c '
import json,sys
try: p=[v for v in json.load(sys.stdin).values() if v["vcId"]==200]
except Exception: p=[]
print("%d/%d" % (sum(v["status"]=="up" for v in p), len(p)))'; }
  vpls_up() { [[ $(vpls_ups pe1) = 2/2 && $(vpls_ups pe2) = 2/2 && $(vpls_ups pe3) = 2/2 ]]; }
  wait_until 60 vpls_up >/dev/null && ok "VPLS cache: 2/2 mesh PWs UP at each of pe1, pe2, pe3" \
    || bad "VPLS cache mesh PWs UP: pe1 $(vpls_ups pe1) pe2 $(vpls_ups pe2) pe3 $(vpls_ups pe3)"
  if $PY "$HERE/lab_agree.py" "$L2VPN" "$W/lab.json" --vpls >"$W/agree-vpls.out" 2>&1; then ok "VPLS PW ends agree with topo"
  else bad "VPLS PW ends disagree:"; sed 's/^/    /' "$W/agree-vpls.out"; fi
  for e in "$D2 10.8.0.2 2" "$D3 10.8.0.3 3"; do
    read -r n ip i <<<"$e"
    extra=(); [[ $i = 3 ]] && extra=(--replicaof 10.8.0.2 6379)
    mkdir -p "$W/redis$i"
    ip netns exec "$n" redis-server --bind "$ip" --port 6379 --protected-mode no --save "" --appendonly no \
      --repl-diskless-sync-delay 0 \
      --daemonize yes --dir "$W/redis$i" --pidfile "$W/redis$i.pid" --logfile "$W/redis$i.log" "${extra[@]}"
  done
  sleep 1
  ip netns exec "$D2" $CLI redis-fill 10.8.0.2 k 10000 >/dev/null || bad "redis-fill at dc2"
  link_up() { ip netns exec "$D3" redis-cli -h 10.8.0.3 info replication | grep -q master_link_status:up; }
  wait_until 30 link_up >/dev/null || bad "redis replica in dc3: master link not up"
  offset() { ip netns exec "$1" redis-cli -h "$2" info replication | tr -d '\r' | sed -n "s/^$3://p"; }
  synced() { local m; m=$(offset "$D2" 10.8.0.2 master_repl_offset); [[ -n $m && $m == "$(offset "$D3" 10.8.0.3 slave_repl_offset)" ]]; }
  wait_until 30 synced >/dev/null || bad "redis replica in dc3: offset never caught up with the master's"
  if out=$(ip netns exec "$D3" $CLI redis-check 10.8.0.3 k 10000); then ok "redis replica in dc3: $out"
  else bad "redis replica in dc3: $out"; fi
  ip netns exec "$D1" memcached -u root -l 10.8.0.1 -p 11211 -m 64 -d -P "$W/memcached.pid"
  sleep 0.5
  if out=$(ip netns exec "$D3" $CLI memcached 10.8.0.1 dc3 10000 2>&1 | tail -1); then
    ok "memcached in dc1 from dc3: $out"
  else bad "memcached in dc1 from dc3: $out"; fi
fi

[[ -f $W/figures.txt ]] && { echo "figures:"; sed 's/^/  /' "$W/figures.txt"; }
if (( FAILS )); then
  for r in pe1 pe3; do echo "--- $r log"; tail -15 "$W/$r.node.log"; done
  echo "FAILED: $FAILS check(s) (KEEP=1 keeps the lab in $W)"; exit 1
fi
echo "PASSED"
