#!/usr/bin/env bash
# End-to-end: L2 stretched between real "data centers" (network namespaces)
# across the emulated backbone of `l2vpn run` (docs/l2-stretch.md).
#
#   bash tests/e2e/test_l2_stretch.sh build/bin/l2vpn
#
# scripts/lab-netns.sh builds dc1..dc3; `l2vpn run topologies/lab-stretch.yaml`
# binds their veths with af_packet. Checked, with real servers and clients:
#  1. ARP + ping across the VPLS between every pair of data centers;
#  2. ARP + ping across the tagged VPWS with VLAN rewrite (dc1 VLAN 100 <->
#     dc2 VLAN 200; packet sockets, as the kernel here has no 802.1Q);
#  3. redis-server master in dc1, replica in dc2 (replicaof across the VPLS):
#     master_link_status:up and all 10,000 keys with the right values;
#  4. memcached in dc1 used from dc2 and dc3: 10,000 sets and gets each,
#     every value right;
#  5. iperf3 TCP dc2 -> dc1: the Mbit/s figure;
#  6. the backbone link pe1:p1 cut through the telemetry command
#     /l2vpn/event while redis replicates and memcached is used: no full
#     resync (sync_full unchanged), no request failed beyond retries, the
#     PWs of pe1 now run via p2;
#  7. the capture of link pe1:p2 (where the traffic went) decoded by tshark:
#     transport label, PW label, control word, inner Ethernet of dc1's
#     redis replication stream.
# Exit 0: all passed; 1: a check failed; 77: skipped (not root, a tool
# missing, no network namespaces). KEEP=1 keeps the work directory.
set -uo pipefail

L2VPN=${1:-build/bin/l2vpn}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
CLI="$PY $HERE/l2_stretch.py"
LAB="$ROOT/scripts/lab-netns.sh"
TOPO="$ROOT/topologies/lab-stretch.yaml"

skip() { echo "SKIP: $*"; exit 77; }
[[ -x $L2VPN ]] || { echo "FAIL: no l2vpn binary at '$L2VPN'"; exit 1; }
[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, veth, packet sockets)"
for t in ip ethtool ping redis-server redis-cli memcached iperf3 tshark; do
  command -v "$t" >/dev/null || skip "'$t' not installed (scripts/setup-deps.sh)"
done
[[ -x $PY ]] || skip "no $PY"
ip netns add l2s-probe-$$ 2>/dev/null || skip "cannot create network namespaces here"
ip netns del l2s-probe-$$
for i in 1 2 3; do
  ip netns list | grep -q "^dc$i\b" && skip "namespace dc$i exists already (a lab in use? scripts/lab-netns.sh down)"
done

WORK=$(mktemp -d /tmp/l2vpn-e2e-stretch.XXXXXX)
PREFIX=l2s-$$
METRICS_PORT=$((20000 + $$ % 10000))
RUN_PID=
FAILS=0
cleanup() {
  [[ -n $RUN_PID ]] && kill -INT "$RUN_PID" 2>/dev/null && sleep 1 && kill -KILL "$RUN_PID" 2>/dev/null
  for f in "$WORK"/*.pid; do
    [[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null
  done
  # Whatever a failed step left in the namespaces (clients, servers).
  for i in 1 2 3; do
    for p in $(ip netns pids "dc$i" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  done
  "$LAB" down >/dev/null 2>&1
  if [[ -z ${KEEP:-} ]]; then rm -rf "$WORK"; else echo "work directory: $WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
ns() { local n=$1; shift; ip netns exec "$n" "$@"; }
# wait_for SECONDS COMMAND...: until the command succeeds.
wait_for() {
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS >= end)) && return 1
    sleep 0.2
  done
}
# Waits for a memcached client: passes with its last line, or fails with its log.
check_memcached() {  # PID LOG WHAT
  if wait "$1"; then pass "$3: $(tail -1 "$2")"; else cat "$2"; fail "$3"; fi
}
T0=$SECONDS

# ---------------------------------------------------------------- errors, before EAL
out=$("$L2VPN" run "$TOPO" --bind pe1:ac-dc1=af_packet:nope-dc9 2>&1)
rc=$?
if ((rc == 2)) && grep -q "pe1:ac-dc1 (af_packet:nope-dc9): interface 'nope-dc9' does not exist" <<<"$out"; then
  pass "a missing interface is named: $(grep -o "pe1:ac-dc1.*exist" <<<"$out")"
else
  fail "missing interface: exit $rc, '$out'"
fi
{
  echo "name: too-many-ports"
  echo "routers: [{name: pe1}, {name: pe2}]"
  echo "links: [{a: pe1, b: pe2}]"
  echo "sites:"
  for i in $(seq 0 32); do echo "  - {name: s$i, pe: pe1, port: p$i, interface: \"tap:l2s$i\"}"; done
} >"$WORK/too-many.yaml"
out=$("$L2VPN" run "$WORK/too-many.yaml" 2>&1)
rc=$?
if ((rc == 2)) && grep -q "33 real interfaces bound, but DPDK allows 32 ethdev ports per process" <<<"$out" &&
   ! ip link show l2s0 >/dev/null 2>&1; then
  pass "too many real ports is an error before EAL: $(grep -o "33 real.*process" <<<"$out")"
else
  fail "33 ports: exit $rc, '$out'"
fi

# ---------------------------------------------------------------- lab + run
"$LAB" up --dcs 3 >"$WORK/lab.log" 2>&1 || { cat "$WORK/lab.log"; fail "lab-netns.sh up"; exit 1; }
mkdir -p "$WORK/pcap"
"$L2VPN" run "$TOPO" --file-prefix "$PREFIX" --cp-delay 50ms \
  --pcap "$WORK/pcap" --pcap-links pe1:p2 --metrics-port "$METRICS_PORT" >"$WORK/run.log" 2>&1 &
RUN_PID=$!
if ! wait_for 20 grep -q "running in real time" "$WORK/run.log"; then
  cat "$WORK/run.log"
  fail "l2vpn run did not start"
  exit 1
fi
pass "l2vpn run started ($(grep -c '= af_packet' "$WORK/run.log") real ports, file prefix $PREFIX)"

# ---------------------------------------------------------------- 1. VPLS: ARP + ping
for pair in "1 2" "1 3" "2 3"; do
  set -- $pair
  if out=$(ns "dc$1" ping -c 3 -i 0.2 -W 2 "10.0.0.$2" 2>&1) && grep -q " 0% packet loss" <<<"$out"; then
    mac=$(ip -n "dc$1" neigh show 10.0.0.$2 | awk '{print $5}')
    if [[ $mac == "02:dc:0$2:00:00:01" ]]; then
      pass "VPLS dc$1 -> dc$2: ARP resolved $mac, ping $(grep -o 'rtt.*' <<<"$out")"
    else
      fail "VPLS dc$1 -> dc$2: ARP gave '$mac', expected 02:dc:0$2:00:00:01"
    fi
  else
    echo "$out"
    fail "VPLS ping dc$1 -> dc$2"
  fi
done

# Prometheus: the pings above went through pe1's VPLS AC, a real port.
metrics=$(curl -s --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics")
rx=$(awk '/^l2vpn_router_rx_packets_total\{router="pe1"\}/ {print $2}' <<<"$metrics")
if [[ -n $rx && $rx -gt 0 ]] && grep -q '^l2vpn_pseudowire_up{' <<<"$metrics"; then
  pass "run --metrics-port: $(grep -c '^l2vpn_' <<<"$metrics") samples, pe1 received $rx frames"
else
  fail "run --metrics-port $METRICS_PORT: pe1 rx '$rx'"
fi

# ---------------------------------------------------------------- 2. VPWS tagged, VLAN rewrite
ns dc2 $CLI vlan-responder eth1 200 10.1.0.2 02:dc:02:00:01:01 6 >"$WORK/vlan-responder.log" 2>&1 &
resp=$!
sleep 0.3
if out=$(ns dc1 $CLI vlan-ping eth1 100 10.1.0.1 10.1.0.2 02:dc:01:00:01:01 5 2>&1); then
  pass "VPWS tagged dc1 VLAN 100 -> dc2 VLAN 200: $(tr '\n' ' ' <<<"$out")"
else
  echo "$out"
  fail "VPWS tagged ping with VLAN rewrite"
fi
kill "$resp" 2>/dev/null; wait "$resp" 2>/dev/null

# ---------------------------------------------------------------- 3. redis master dc1, replica dc2
for i in 1 2; do
  mkdir -p "$WORK/redis$i"
  extra=()
  [[ $i -eq 2 ]] && extra=(--replicaof 10.0.0.1 6379)
  ns "dc$i" redis-server --bind "10.0.0.$i" --port 6379 --protected-mode no --save "" \
    --appendonly no --daemonize yes --dir "$WORK/redis$i" --pidfile "$WORK/redis$i.pid" \
    --logfile "$WORK/redis$i.log" "${extra[@]}"
done
rinfo() { ns "$1" redis-cli -h "$2" info "$3" | tr -d '\r'; }
linkup() { rinfo dc2 10.0.0.2 replication | grep -q "^master_link_status:up"; }
if wait_for 20 linkup; then
  pass "redis replica in dc2: master_link_status:up (replicaof 10.0.0.1 across the VPLS)"
else
  rinfo dc2 10.0.0.2 replication; tail -5 "$WORK/redis2.log"
  fail "redis replica never reached master_link_status:up"
fi
ns dc1 $CLI redis-fill 10.0.0.1 k 10000 || fail "redis-fill"
synced() {
  local m r
  m=$(rinfo dc1 10.0.0.1 replication | sed -n 's/^master_repl_offset://p')
  r=$(rinfo dc2 10.0.0.2 replication | sed -n 's/^slave_repl_offset://p')
  [[ -n $m && $m == "$r" ]]
}
wait_for 20 synced || fail "replica offset never caught up with the master's"
if out=$(ns dc2 $CLI redis-check 10.0.0.2 k 10000); then
  pass "redis replica: $out"
else
  fail "redis replica: $out"
fi

# ---------------------------------------------------------------- 4. memcached dc1, clients dc2 + dc3
ns dc1 memcached -u root -l 10.0.0.1 -p 11211 -m 64 -d -P "$WORK/memcached.pid"
wait_for 10 ns dc2 bash -c 'exec 3<>/dev/tcp/10.0.0.1/11211' || fail "memcached not reachable from dc2"
ns dc2 $CLI memcached 10.0.0.1 dc2 10000 >"$WORK/mc2.log" 2>&1 &
m2=$!
ns dc3 $CLI memcached 10.0.0.1 dc3 10000 >"$WORK/mc3.log" 2>&1 &
m3=$!
check_memcached $m2 "$WORK/mc2.log" "memcached from dc2"
check_memcached $m3 "$WORK/mc3.log" "memcached from dc3"

# ---------------------------------------------------------------- 5. iperf3 dc2 -> dc1
ns dc1 iperf3 -s -1 -B 10.0.0.1 -D -I "$WORK/iperf3.pid"
sleep 0.5
if ns dc2 iperf3 -c 10.0.0.1 -t 3 -J >"$WORK/iperf3.json" 2>&1; then
  mbps=$($PY -c 'import json,sys; j=json.load(open(sys.argv[1])); print("%.0f" % (j["end"]["sum_received"]["bits_per_second"]/1e6))' "$WORK/iperf3.json")
  retr=$($PY -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["end"]["sum_sent"].get("retransmits", "?"))' "$WORK/iperf3.json")
  pass "iperf3 TCP dc2 -> dc1 across the VPLS: $mbps Mbit/s ($retr retransmits)"
else
  tail -5 "$WORK/iperf3.json"
  fail "iperf3"
fi

# ---------------------------------------------------------------- 6. link cut under load
sync_full() { rinfo dc1 10.0.0.1 stats | sed -n 's/^sync_full://p'; }
full0=$(sync_full)
ns dc1 $CLI redis-writer 10.0.0.1 w 6 >"$WORK/writer.log" 2>"$WORK/writer.err" &
w=$!
ns dc2 $CLI memcached 10.0.0.1 cut2 2000 6 >"$WORK/mcut2.log" 2>&1 &
c2=$!
ns dc3 $CLI memcached 10.0.0.1 cut3 2000 6 >"$WORK/mcut3.log" 2>&1 &
c3=$!
sleep 2
reply=$($CLI telemetry "$PREFIX" /l2vpn/event "link-down pe1:p1")
if grep -q '"queued": "link-down pe1:p1"' <<<"$reply"; then
  pass "telemetry /l2vpn/event: $reply"
else
  fail "telemetry /l2vpn/event link-down: $reply"
fi
bad=$($CLI telemetry "$PREFIX" /l2vpn/event "link-down pe1:nowhere")
grep -q '"error": .*no link between' <<<"$bad" && pass "telemetry rejects a bad event: $bad" ||
  fail "telemetry accepted a bad event: $bad"
wait "$w" && pass "redis writer during the cut: $(cat "$WORK/writer.log")" ||
  { cat "$WORK/writer.log" "$WORK/writer.err"; fail "redis writer lost requests"; }
check_memcached $c2 "$WORK/mcut2.log" "memcached from dc2 during the cut"
check_memcached $c3 "$WORK/mcut3.log" "memcached from dc3 during the cut"
written=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["written"])' "$WORK/writer.log" 2>/dev/null || echo 0)
wait_for 20 synced || fail "replica offset did not catch up after the cut"
full1=$(sync_full)
if [[ -n $full0 && $full0 == "$full1" ]] && linkup; then
  pass "no full resync across the cut: sync_full $full0 -> $full1, master_link_status:up"
else
  fail "replication: sync_full $full0 -> $full1, link $(rinfo dc2 10.0.0.2 replication | grep master_link_status)"
fi
if out=$(ns dc2 $CLI redis-check 10.0.0.2 w "$written"); then
  pass "replica after the cut: $out"
else
  fail "replica after the cut: $out"
fi
if grep -q "event 'link-down pe1:p1': control plane recomputed" "$WORK/run.log" &&
   grep -q "pw stretch pe1 -> pe2: up, .*via pe1 > p2 > pe2" "$WORK/run.log"; then
  pass "reroute: $(grep "event 'link-down pe1:p1': control plane" "$WORK/run.log" | head -1)"
  pass "  $(grep "pw stretch pe1 -> pe2: up, .*via pe1 > p2" "$WORK/run.log" | head -1 | sed 's/^ *//')"
else
  fail "the run log shows no reroute of pe1's pseudowires onto p2"
fi
$CLI telemetry "$PREFIX" /l2vpn/event "link-up pe1:p1" >/dev/null
sleep 0.3

# ---------------------------------------------------------------- stop, final counters
kill -INT "$RUN_PID"
if wait "$RUN_PID"; then
  pass "l2vpn run stopped cleanly on SIGINT"
else
  fail "l2vpn run exit status $? on SIGINT"
fi
RUN_PID=
grep -q "^real ports:" "$WORK/run.log" && grep -q "^routers: 5" "$WORK/run.log" ||
  fail "no final counters in the run log"
sed -n '/^stopped/,/^links/p' "$WORK/run.log" | head -12
# The counters show the reroute too: the backup link carried pe1's traffic.
backup=$(grep "^  pe1 -- p2: " "$WORK/run.log")
if [[ $backup =~ ^\ \ pe1\ --\ p2:\ ([0-9]+)\ / ]] && ((BASH_REMATCH[1] > 0)); then
  pass "link counters after the cut:${backup}; $(grep -E "^  pe1 -- p1: " "$WORK/run.log" | sed 's/^ *//')"
  grep "drop port_down" "$WORK/run.log" | sed 's/^ */    routers: /'
else
  fail "no frames on pe1 -- p2 in the final counters: '$backup'"
fi

# ---------------------------------------------------------------- 7. the capture, by tshark
pcap="$WORK/pcap/pe1--p2.pcapng"
pw=$(sed -n 's/^  pw stretch pe1 -> pe2: up, labels local [0-9]* remote \([0-9]*\),.*/\1/p' "$WORK/run.log" | head -1)
if [[ ! -s $pcap || -z $pw ]]; then
  fail "no capture $pcap or no PW label in the run log"
else
  # pe1 > p2 (interface 0): transport label, then the PW label pe2 gave
  # pe1, the control word, dc1's Ethernet frame: redis replication to dc2.
  tshark -r "$pcap" -d "mpls.label==$pw,pwethcw" \
    -Y "frame.interface_id == 0 && mpls.label == $pw && pweth.cw && tcp.srcport == 6379" \
    -T fields -E occurrence=a -E aggregator=, -e frame.number -e mpls.label -e mpls.bottom \
    -e pweth.cw.sequence_number -e eth.src -e eth.dst -e ip.src -e ip.dst 2>/dev/null >"$WORK/tshark.txt"
  n=$(wc -l <"$WORK/tshark.txt")
  IFS=$'\t' read -r frame labels bottoms seq srcs dsts ipsrc ipdst <"$WORK/tshark.txt"
  transport=${labels%%,*}
  if ((n > 0)) && [[ $labels == "$transport,$pw" && $transport != "$pw" && $bottoms == "0,1" &&
        $srcs == *,02:dc:01:00:00:01 && $dsts == *,02:dc:02:00:00:01 && $ipsrc == 10.0.0.1 &&
        $ipdst == 10.0.0.2 ]]; then
    pass "capture pe1>p2: $n frames of dc1's redis (port 6379) to dc2: transport label $transport, PW label $pw, control word, inner Ethernet 02:dc:01:00:00:01 -> 02:dc:02:00:00:01"
    tshark -r "$pcap" -d "mpls.label==$pw,pwethcw" -Y "frame.number == $frame" -O mpls,pwethcw,eth 2>/dev/null |
      grep -E "^(Frame|Ethernet II|MultiProtocol|PW Ethernet|Internet Protocol|Transmission)|Sequence Number" | sed 's/^/    /'
  else
    echo "first decoded frame: $frame $labels $bottoms $seq $srcs $dsts $ipsrc $ipdst ($n frames)"
    fail "tshark does not show transport label, PW label $pw, CW and dc1's frame on pe1>p2"
  fi
fi

echo "time: $((SECONDS - T0)) s"
if ((FAILS)); then
  echo "RESULT: $FAILS check(s) FAILED (run log: $WORK/run.log; KEEP=1 keeps it)"
  exit 1
fi
echo "RESULT: all checks passed"
exit 0
