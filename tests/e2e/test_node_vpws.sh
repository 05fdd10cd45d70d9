#!/usr/bin/env bash
# End-to-end: a VPWS pseudowire signalled by LDP between two `l2vpn node`
# PEs forwards real hosts' frames through the nodes' fast paths
# (docs/ldp.md "Pseudowires (FEC 128)").
#
#   bash tests/e2e/test_node_vpws.sh build/bin/l2vpn
#
#   h1 --ce1-- pe1 --- p1 --- pe2 --ce2-- h2      loopbacks 10.255.0.1..3
#
# Namespaces i17v-{pe1,p1,pe2} run one `l2vpn node` each (fast path on
# af_packet) with FRR's zebra + ospfd beside it; h1 and h2 (10.9.0.1 and
# .2/24, one subnet) sit behind the PEs' attachment circuits ce1/ce2 (veths
# into the PE namespaces: L2 only, no address, no IPv6). Core veths have
# MTU 1600: a full-size frame plus PW label, control word and LSP label.
# Checked:
#  0. bad input: the PE's AC interface missing: exit 2, naming the port;
#  1. PW 100 UP on both PEs, both fast paths hold it (ForwardingState);
#  2. h1 pings h2 20 of 20 (RTT in the output); a TCP transfer crosses
#     (iperf3 if installed, else a python socket transfer with a checksum);
#     a tagged VPWS (PW 200): 50 frames on VLAN 10 at h1 arrive on VLAN 20 at h2;
#  3. the PEs' PW counters show imposition (tx) and disposition (rx);
#  4. tshark on p1's link to pe1 decodes MPLS (LSP label, PW label, control
#     word) with the hosts' Ethernet/ICMP inside, no malformed frame;
#  3b. LSP ping pe1 -> pe2's loopback: 3 of 3 "egress for the FEC";
#  5. pe2's AC down: PW DOWN, pings fail, pe1 counts pw_down; up: recovers;
#  6. pe2 killed: pings fail; restarted: the PW comes back and pings pass.
# Exit 0: passed; 1: a check failed; 77: skipped. KEEP=1 keeps /tmp/i17v.
set -uo pipefail

L2VPN=$(readlink -f "${1:-build/bin/l2vpn}")
skip() { echo "SKIP: $*"; exit 77; }
[[ -x $L2VPN ]] || { echo "FAIL: no l2vpn binary at '$L2VPN'"; exit 1; }
[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, veth, DPDK af_packet)"
for t in ip ping ethtool /usr/lib/frr/zebra /usr/lib/frr/ospfd; do
  command -v "$t" >/dev/null || [[ -x $t ]] || skip "'$t' not installed"
done
ip netns add i17v-probe 2>/dev/null || skip "cannot create network namespaces"
ip netns del i17v-probe

W=/tmp/i17v
PY=/usr/bin/python3
FAILS=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
NS=(pe1 p1 pe2 h1 h2 bad)
declare -A LO=([pe1]=10.255.0.1 [p1]=10.255.0.2 [pe2]=10.255.0.3)
cleanup() {
  for p in "$W"/*.pid; do [[ -f $p ]] && kill "$(cat "$p")" 2>/dev/null; done
  sleep 0.5
  for n in "${NS[@]}"; do ip netns del "i17v-$n" 2>/dev/null; done
  [[ ${KEEP:-0} = 1 ]] || rm -rf "$W"
}
trap cleanup EXIT
cleanup
mkdir -p "$W" && chmod 777 "$W"

for n in "${NS[@]}"; do ip netns add "i17v-$n" && ip -n "i17v-$n" link set lo up; done
for r in pe1 p1 pe2; do
  ip netns exec "i17v-$r" sysctl -qw net.ipv4.ip_forward=1
  ip -n "i17v-$r" addr add "${LO[$r]}/32" dev lo
done
veth() {  # nsA ifA nsB ifB
  ip link add i17v-tmpa type veth peer name i17v-tmpb
  ip link set i17v-tmpa netns "i17v-$1" && ip -n "i17v-$1" link set i17v-tmpa name "$2"
  ip link set i17v-tmpb netns "i17v-$3" && ip -n "i17v-$3" link set i17v-tmpb name "$4"
}
: >"$W/ospf-ifs"
i=0
for l in "pe1 p1" "p1 pe2"; do
  read -r a b <<<"$l"; i=$((i + 1))
  veth "$a" "to-$b" "$b" "to-$a"
  for e in "$a to-$b 1" "$b to-$a 2"; do
    read -r r ifn h <<<"$e"
    ip -n "i17v-$r" link set "$ifn" mtu 1600
    ip -n "i17v-$r" addr add "10.0.$i.$h/30" dev "$ifn"
    ip -n "i17v-$r" link set "$ifn" up
    echo "$r $ifn" >>"$W/ospf-ifs"
  done
done
# The ACs: h1's eth0 <-> pe1's ce1, h2's eth0 <-> pe2's ce2. No offloads:
# af_packet takes frames as the veth has them (no GSO super-frames, no
# checksums left to "hardware").
for e in "h1 pe1 ce1 10.9.0.1" "h2 pe2 ce2 10.9.0.2"; do
  read -r h pe ac addr <<<"$e"
  veth "$h" eth0 "$pe" "$ac"
  ip netns exec "i17v-$pe" sysctl -qw "net.ipv6.conf.$ac.disable_ipv6=1"
  ip netns exec "i17v-$h" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
  ip netns exec "i17v-$h" ethtool -K eth0 tx off tso off gso off gro off >/dev/null 2>&1
  ip netns exec "i17v-$pe" ethtool -K "$ac" tx off tso off gso off gro off >/dev/null 2>&1
  ip -n "i17v-$h" addr add "$addr/24" dev eth0
  ip -n "i17v-$h" link set eth0 up
  ip -n "i17v-$pe" link set "$ac" up
done
# A tagged VPWS beside it (PW 200, type 4): VLAN 10 at h1's eth1 (ce1t),
# VLAN 20 at h2's eth1 (ce2t); the VID is rewritten at the far AC. The
# kernel may lack 8021q: vlan_probe.py writes and reads the tagged frames.
for e in "h1 pe1 ce1t" "h2 pe2 ce2t"; do
  read -r h pe ac <<<"$e"
  veth "$h" eth1 "$pe" "$ac"
  ip netns exec "i17v-$pe" sysctl -qw "net.ipv6.conf.$ac.disable_ipv6=1"
  ip netns exec "i17v-$h" sysctl -qw net.ipv6.conf.eth1.disable_ipv6=1
  ip -n "i17v-$h" link set eth1 up
  ip -n "i17v-$pe" link set "$ac" up
done

cat >"$W/topo.yaml" <<'YAML'
name: i17-node-vpws
routers:
  - {name: pe1, role: pe, loopback: 10.255.0.1}
  - {name: p1, role: p, loopback: 10.255.0.2}
  - {name: pe2, role: pe, loopback: 10.255.0.3}
links:
  - {a: pe1, b: p1}
  - {a: p1, b: pe2}
sites:
  - {name: dc1, pe: pe1, port: ce1}
  - {name: dc2, pe: pe2, port: ce2}
  - {name: dc1t, pe: pe1, port: ce1t, vlan: 10, mode: tagged}
  - {name: dc2t, pe: pe2, port: ce2t, vlan: 20, mode: tagged}
services:
  vpws:
    - {name: stretch, pw_id: 100, sites: [dc1, dc2]}
    - {name: tagged, pw_id: 200, sites: [dc1t, dc2t]}
YAML

# 0. bad input: pe1 where its AC interface is missing
ip -n i17v-bad link add to-p1 type veth peer name to-x
out=$(ip netns exec i17v-bad "$L2VPN" node "$W/topo.yaml" --router pe1 --ctl "$W/bad.sock" 2>&1); rc=$?
[[ $rc = 2 && $out == *"attachment circuit port 'ce1' (site 'dc1') has no kernel interface"* ]] \
  && ok "AC interface missing: exit 2, naming the port" || bad "AC interface missing: exit $rc, '$out'"

for r in pe1 p1 pe2; do
  d=$W/$r.frr
  mkdir -p "$d" && chmod 777 "$d"
  {
    echo "hostname $r"
    echo "log file $d/frr.log"
    while read -r rr ifn; do
      [[ $rr == "$r" ]] || continue
      printf 'interface %s\n ip ospf network point-to-point\n ip ospf hello-interval 1\n ip ospf dead-interval 3\nexit\n' "$ifn"
    done <"$W/ospf-ifs"
    printf 'router ospf\n ospf router-id %s\n network 10.0.0.0/16 area 0\n network %s/32 area 0\n timers throttle spf 0 50 500\nexit\n' \
      "${LO[$r]}" "${LO[$r]}"
  } >"$d/frr.conf"
  chmod 666 "$d/frr.conf"
  opts=(-d -z "$d/zserv.api" --vty_socket "$d" -f "$d/frr.conf")
  ip netns exec "i17v-$r" /usr/lib/frr/zebra "${opts[@]}" -i "$W/$r.zebra.pid" >/dev/null 2>&1
  sleep 0.3
  ip netns exec "i17v-$r" /usr/lib/frr/ospfd "${opts[@]}" -i "$W/$r.ospfd.pid" >/dev/null 2>&1
done
start_node() {  # router
  ip netns exec "i17v-$1" "$L2VPN" node "$W/topo.yaml" --router "$1" --ctl "$W/$1.sock" --verbose \
    --hello-holdtime 6 --hello-interval 2 --keepalive 9 >>"$W/$1.node.log" 2>&1 &
  echo $! >"$W/$1.node.pid"
}
for r in pe1 p1 pe2; do start_node $r; done

pw() {  # router field -> value of PW 100 ("none" when absent)
  "$L2VPN" ctl --node "$W/$1.sock" --json show l2vpn 2>/dev/null | $PY -c '
import json,sys
try: d=json.load(sys.stdin)
except Exception: print("none"); sys.exit()
p=[v for v in d.values() if v["vcId"]==100]
print(p[0].get(sys.argv[1],"none") if p else "none")' "$2"; }
fp_pw() {  # router field -> the fast path's PW 100 counter/field
  "$L2VPN" ctl --node "$W/$1.sock" --json show dataplane 2>/dev/null | $PY -c '
import json,sys
try: d=json.load(sys.stdin)
except Exception: print("none"); sys.exit()
p=[x for x in d["pseudowires"] if x["pw_id"]==100]
v=p[0][sys.argv[1]] if p else "none"
print(str(v).lower())' "$2"; }
drop() {  # router reason
  "$L2VPN" ctl --node "$W/$1.sock" --json show dataplane 2>/dev/null | $PY -c '
import json,sys
try: print(json.load(sys.stdin)["drops"][sys.argv[1]])
except Exception: print(0)' "$2"; }
wait_until() {  # seconds command... -> seconds taken
  local t0=$SECONDS
  while (( SECONDS - t0 < $1 )); do "${@:2}" && { echo $((SECONDS - t0)); return 0; }; sleep 0.5; done
  return 1
}
pw_up_both() { [[ $(pw pe1 status) = up && $(pw pe2 status) = up && $(fp_pw pe1 up) = true && $(fp_pw pe2 up) = true ]]; }
pings() {  # count -> received
  ip netns exec i17v-h1 ping -c "$1" -i 0.2 -W 1 10.9.0.2 2>/dev/null | tee "$W/ping.out" |
    sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

# 1. PW up, in both fast paths
if t=$(wait_until 60 pw_up_both); then
  ok "PW 100 UP on both PEs and in both fast paths after ${t}s (labels pe1 $(pw pe1 localLabel)/$(pw pe1 remoteLabel))"
else
  bad "PW 100: pe1 $(pw pe1 status)/$(pw pe1 reason) fast path $(fp_pw pe1 up), pe2 $(pw pe2 status)/$(pw pe2 reason) fast path $(fp_pw pe2 up)"
fi
PWL1=$(pw pe1 localLabel); PWL2=$(pw pe2 localLabel)

[[ -n ${PAUSE:-} ]] && sleep "$PAUSE"
# 4 (capture first, while 2 runs). tshark on p1's to-pe1: LSP label + PW label + CW + Ethernet
if command -v tshark >/dev/null; then
  ip netns exec i17v-p1 tshark -q -i to-pe1 -f mpls -a duration:6 -w "$W/core.pcap" >/dev/null 2>&1 &
  echo $! >"$W/tshark.pid"
  sleep 1.5
fi
# 2. ping
ip netns exec i17v-h1 ping -c 3 -W 1 10.9.0.2 >/dev/null 2>&1  # ARP
got=$(pings 20)
rtt=$(sed -n 's/^rtt .* = \([^ ]*\) ms/\1/p' "$W/ping.out")
[[ $got = 20 ]] && ok "h1 -> h2 across the PW: 20/20 pings (rtt min/avg/max/mdev $rtt ms)" \
  || bad "h1 -> h2: $got/20 pings"
if command -v tshark >/dev/null; then
  wait "$(cat "$W/tshark.pid")" 2>/dev/null; rm -f "$W/tshark.pid"
  dec=$(tshark -r "$W/core.pcap" -d "mpls.label==$PWL2,pwethcw" -Y icmp -T fields -e mpls.label -e eth.src -e ip.src -e ip.dst 2>/dev/null)
  n_icmp=$(grep -c . <<<"$dec")
  mal=$(tshark -r "$W/core.pcap" -d "mpls.label==$PWL2,pwethcw" -d "mpls.label==$PWL1,pwethcw" -Y _ws.malformed 2>/dev/null | grep -c .)
  total=$(tshark -r "$W/core.pcap" 2>/dev/null | grep -c .)
  if (( n_icmp > 0 && mal == 0 )); then
    ok "tshark on p1's to-pe1: $total MPLS frames, $n_icmp decode as LSP label + PW label $PWL2 + CW + Ethernet/ICMP h1->h2, 0 malformed (e.g. '$(head -1 <<<"$dec" | tr '\t' ' ')')"
  else
    bad "tshark: $n_icmp ICMP inside the PW, $mal malformed of $total"
  fi
fi

# TCP
if command -v iperf3 >/dev/null; then
  ip netns exec i17v-h2 iperf3 -s -1 -D -I "$W/iperf.pid" >/dev/null 2>&1
  sleep 0.5
  ip netns exec i17v-h1 iperf3 -c 10.9.0.2 -t 5 -J >"$W/iperf.json" 2>&1
  bps=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(int(d["end"]["sum_received"]["bits_per_second"]))' "$W/iperf.json" 2>/dev/null)
  retr=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["end"]["sum_sent"].get("retransmits",0))' "$W/iperf.json" 2>/dev/null)
  [[ -n $bps && $bps -gt 0 ]] && ok "iperf3 TCP h1 -> h2 across the PW: $((bps / 1000000)) Mbit/s over 5 s ($retr retransmits)" \
    || bad "iperf3: $(head -c 300 "$W/iperf.json")"
else
  head -c 4000000 /dev/urandom >"$W/blob"
  ip netns exec i17v-h2 $PY -c '
import socket,hashlib,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); s.bind(("10.9.0.2",5001)); s.listen(1); s.settimeout(30)
c,_=s.accept(); h=hashlib.sha256()
while True:
    b=c.recv(65536)
    if not b: break
    h.update(b)
open(sys.argv[1],"w").write(h.hexdigest())' "$W/blob.got" &
  sleep 0.5
  t0=$(date +%s.%N)
  ip netns exec i17v-h1 $PY -c '
import socket,sys
s=socket.create_connection(("10.9.0.2",5001),timeout=30); s.sendall(open(sys.argv[1],"rb").read()); s.close()' "$W/blob"
  wait; t1=$(date +%s.%N)
  [[ $(cat "$W/blob.got" 2>/dev/null) = $(sha256sum "$W/blob" | cut -d' ' -f1) ]] \
    && ok "4 MB over TCP h1 -> h2, sha256 equal, $($PY -c "print(round(32/($t1-$t0),1))") Mbit/s" || bad "TCP transfer: checksum differs"
fi

# 2b. the tagged PW: 50 frames tagged 10 from h1 arrive at h2 tagged 20
HERE=$(cd "$(dirname "$0")" && pwd)
ip netns exec i17v-h2 $PY "$HERE/vlan_probe.py" recv eth1 4 >"$W/vlan.out" &
sleep 0.5
ip netns exec i17v-h1 $PY "$HERE/vlan_probe.py" send eth1 10 50
wait $!
read -r n vids <"$W/vlan.out"
[[ $n = 50 && $vids = 20 ]] && ok "tagged PW 200: 50/50 frames sent on VLAN 10 at h1 arrived at h2 on VLAN 20 (VID rewritten)" \
  || bad "tagged PW 200: $n/50 frames at h2, VLAN ids '$vids' (want 20)"

# 3. counters: imposition at pe1 (tx), disposition at pe2 (rx), and back
tx1=$(fp_pw pe1 tx_packets); rx2=$(fp_pw pe2 rx_packets); tx2=$(fp_pw pe2 tx_packets); rx1=$(fp_pw pe1 rx_packets)
(( tx1 >= 20 && rx2 >= 20 && tx2 >= 20 && rx1 >= 20 )) \
  && ok "PW counters: pe1 imposed $tx1 / disposed $rx1, pe2 imposed $tx2 / disposed $rx2" \
  || bad "PW counters: pe1 tx $tx1 rx $rx1, pe2 tx $tx2 rx $rx2"

# 3b. LSP ping between PEs that hold PWs (docs/oam.md "In `l2vpn node`"):
# pe2's OAM view includes its PW FECs; 3 of 3 "egress for the FEC".
out=$("$L2VPN" ctl --node "$W/pe1.sock" ping mpls ldp 10.255.0.3/32 --count 3 --json 2>&1); rc=$?
[[ $rc = 0 && $out == *'"egress": 3'* ]] && ok "ping mpls ldp 10.255.0.3/32 from pe1 (PEs with PWs): 3 of 3 egress" \
  || bad "ping mpls ldp from pe1 to pe2: exit $rc, $out"

# 5. pe2's AC down: the PW goes down, traffic stops; up: it recovers
ip -n i17v-pe2 link set ce2 down
if t=$(wait_until 20 bash -c "[[ \$('$L2VPN' ctl --node '$W/pe1.sock' --json show l2vpn | grep -c '\"status\": \"down\"') -ge 1 ]]"); then
  ok "pe2's AC down: pe1 shows PW 100 $(pw pe1 status) ($(pw pe1 reason)) after ${t}s"
else bad "pe2's AC down: pe1 PW 100 $(pw pe1 status)"; fi
d0=$(drop pe1 pw_down)
got=$(pings 5)
d1=$(drop pe1 pw_down)
[[ $got = 0 && $d1 -gt $d0 ]] && ok "PW down: 0/5 pings, pe1 counts pw_down ($d0 -> $d1)" \
  || bad "PW down: $got/5 pings, pw_down $d0 -> $d1, fast path up=$(fp_pw pe1 up)"
ip -n i17v-pe2 link set ce2 up
if t=$(wait_until 20 pw_up_both); then
  got=$(pings 10)
  [[ $got = 10 ]] && ok "AC up: PW UP after ${t}s, 10/10 pings" || bad "AC up: $got/10 pings"
else bad "AC up: PW $(pw pe1 status)/$(pw pe1 reason)"; fi

# 6. pe2 killed: traffic stops; restarted: it recovers
kill "$(cat "$W/pe2.node.pid")"; rm -f "$W/pe2.node.pid"
sleep 1
got=$(pings 5)
[[ $got = 0 ]] && ok "pe2 killed: 0/5 pings (pe1's PW 100 then: $(pw pe1 status), $(pw pe1 reason))" \
  || bad "pe2 killed: $got/5 pings"
t0=$SECONDS
start_node pe2
if wait_until 60 pw_up_both >/dev/null; then
  got=$(pings 10)
  [[ $got = 10 ]] && ok "pe2 restarted: PW UP after $((SECONDS - t0))s, 10/10 pings (rtt $(sed -n 's/^rtt .* = \([^ ]*\) ms/\1/p' "$W/ping.out") ms)" \
    || bad "pe2 restarted: $got/10 pings"
else bad "pe2 restarted: PW $(pw pe1 status)/$(pw pe1 reason), pe2 $(pw pe2 status)"; fi

if (( FAILS )); then
  echo "--- pe1 log"; tail -20 "$W/pe1.node.log"; echo "--- pe2 log"; tail -20 "$W/pe2.node.log"
  echo "FAILED: $FAILS check(s)"; exit 1
fi
echo "PASSED"
