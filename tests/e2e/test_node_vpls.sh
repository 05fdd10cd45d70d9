#!/usr/bin/env bash
# End-to-end: a VPLS (RFC 4762) among three `l2vpn node` PEs: a full mesh of
# FEC 128 PWs over targeted LDP, MAC learning, flooding and split horizon in
# the nodes' fast paths, LDP MAC withdraw (docs/vpls.md "VPLS in l2vpn node").
#
#   bash tests/e2e/test_node_vpls.sh build/bin/l2vpn
#
#   h1 --ce1-- pe1 --\
#   h2 --ce2-- pe2 --- p1        loopbacks pe1..3 10.255.0.1..3, p1 10.255.0.9
#   h3 --ce3-- pe3 --/
#
# Namespaces i17p-{pe1,pe2,pe3,p1} run one `l2vpn node` each (fast path on
# af_packet) with FRR's zebra + ospfd beside it; h1..h3 (10.9.0.1..3/24, MACs
# 02:00:00:00:09:0N) sit behind the PEs' ACs ce1..ce3 (veths, L2 only).
# VPLS "lan", VSI id 700. Checked:
#  1. every PE has its 2 mesh PWs UP (6 PW ends) and its fast path a bridge
#     domain with 2 mesh PWs up;
#  2. every host pings every other (6 pairs, 10 pings each; counts shown);
#  3. each PE's MAC table holds its own host on its AC and the two others
#     behind the PWs to their PEs;
#  4. h3's AC down at pe3: pe3 sends an LDP Address Withdraw with a MAC List
#     (h3's MAC); tshark on p1 decodes it (message 0x0301, PWid FEC with PW
#     id 700, MAC TLV, the MAC)
#     with no malformed field; pe1 and pe2 flush h3 (their MAC tables no
#     longer hold it, macsFlushed counts it); AC up: pings to h3 pass again;
#  5. pe3 killed: pe1 and pe2 show their PW to pe3 DOWN with a reason;
#     h1<->h2 still pass; pe3 restarted: the mesh comes back, pings pass.
# Exit 0: passed; 1: a check failed; 77: skipped. KEEP=1 keeps /tmp/i17p.
set -uo pipefail

L2VPN=$(readlink -f "${1:-build/bin/l2vpn}")
skip() { echo "SKIP: $*"; exit 77; }
[[ -x $L2VPN ]] || { echo "FAIL: no l2vpn binary at '$L2VPN'"; exit 1; }
[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, veth, DPDK af_packet)"
for t in ip ping ethtool /usr/lib/frr/zebra /usr/lib/frr/ospfd; do
  command -v "$t" >/dev/null || [[ -x $t ]] || skip "'$t' not installed"
done
ip netns add i17p-probe 2>/dev/null || skip "cannot create network namespaces"
ip netns del i17p-probe

W=/tmp/i17p
PY=/usr/bin/python3
FAILS=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
NS=(pe1 pe2 pe3 p1 h1 h2 h3)
PES=(pe1 pe2 pe3)
declare -A LO=([pe1]=10.255.0.1 [pe2]=10.255.0.2 [pe3]=10.255.0.3 [p1]=10.255.0.9)
cleanup() {
  for p in "$W"/*.pid; do [[ -f $p ]] && kill "$(cat "$p")" 2>/dev/null; done
  sleep 0.5
  for n in "${NS[@]}"; do ip netns del "i17p-$n" 2>/dev/null; done
  [[ ${KEEP:-0} = 1 ]] || rm -rf "$W"
}
trap cleanup EXIT
cleanup
mkdir -p "$W" && chmod 777 "$W"

for n in "${NS[@]}"; do ip netns add "i17p-$n" && ip -n "i17p-$n" link set lo up; done
for r in pe1 pe2 pe3 p1; do
  ip netns exec "i17p-$r" sysctl -qw net.ipv4.ip_forward=1
  ip -n "i17p-$r" addr add "${LO[$r]}/32" dev lo
done
veth() {  # nsA ifA nsB ifB
  ip link add i17p-tmpa type veth peer name i17p-tmpb
  ip link set i17p-tmpa netns "i17p-$1" && ip -n "i17p-$1" link set i17p-tmpa name "$2"
  ip link set i17p-tmpb netns "i17p-$3" && ip -n "i17p-$3" link set i17p-tmpb name "$4"
}
: >"$W/ospf-ifs"
i=0
for pe in "${PES[@]}"; do
  i=$((i + 1))
  veth "$pe" to-p1 p1 "to-$pe"
  for e in "$pe to-p1 1" "p1 to-$pe 2"; do
    read -r r ifn h <<<"$e"
    ip -n "i17p-$r" link set "$ifn" mtu 1600
    ip -n "i17p-$r" addr add "10.0.$i.$h/30" dev "$ifn"
    ip -n "i17p-$r" link set "$ifn" up
    echo "$r $ifn" >>"$W/ospf-ifs"
  done
done
for i in 1 2 3; do
  h=h$i pe=pe$i ac=ce$i
  veth "$h" eth0 "$pe" "$ac"
  ip netns exec "i17p-$pe" sysctl -qw "net.ipv6.conf.$ac.disable_ipv6=1"
  ip netns exec "i17p-$h" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
  ip netns exec "i17p-$h" ethtool -K eth0 tx off tso off gso off gro off >/dev/null 2>&1
  ip netns exec "i17p-$pe" ethtool -K "$ac" tx off tso off gso off gro off >/dev/null 2>&1
  ip -n "i17p-$h" link set eth0 address "02:00:00:00:09:0$i"
  ip -n "i17p-$h" addr add "10.9.0.$i/24" dev eth0
  ip -n "i17p-$h" link set eth0 up
  ip -n "i17p-$pe" link set "$ac" up
done

cat >"$W/topo.yaml" <<'YAML'
name: i17-node-vpls
routers:
  - {name: pe1, role: pe, loopback: 10.255.0.1}
  - {name: pe2, role: pe, loopback: 10.255.0.2}
  - {name: pe3, role: pe, loopback: 10.255.0.3}
  - {name: p1, role: p, loopback: 10.255.0.9}
links:
  - {a: pe1, b: p1}
  - {a: pe2, b: p1}
  - {a: pe3, b: p1}
sites:
  - {name: s1, pe: pe1, port: ce1}
  - {name: s2, pe: pe2, port: ce2}
  - {name: s3, pe: pe3, port: ce3}
services:
  vpls:
    - {name: lan, vsi_id: 700, sites: [s1, s2, s3]}
YAML

for r in pe1 pe2 pe3 p1; do
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
  ip netns exec "i17p-$r" /usr/lib/frr/zebra "${opts[@]}" -i "$W/$r.zebra.pid" >/dev/null 2>&1
  sleep 0.3
  ip netns exec "i17p-$r" /usr/lib/frr/ospfd "${opts[@]}" -i "$W/$r.ospfd.pid" >/dev/null 2>&1
done
start_node() {  # router
  ip netns exec "i17p-$1" "$L2VPN" node "$W/topo.yaml" --router "$1" --ctl "$W/$1.sock" --verbose \
    --hello-holdtime 6 --hello-interval 2 --keepalive 9 >>"$W/$1.node.log" 2>&1 &
  echo $! >"$W/$1.node.pid"
}
for r in pe1 pe2 pe3 p1; do start_node $r; done

pws() {  # router -> "peer:status:reason:local:remote" per VPLS PW, one a line
  "$L2VPN" ctl --node "$W/$1.sock" --json show l2vpn 2>/dev/null | $PY -c '
import json,sys
try: d=json.load(sys.stdin)
except Exception: sys.exit()
for v in d.values():
    if v["vcId"]==700: print("%s:%s:%s:%s:%s" % (v["destination"],v["status"],v["reason"] or "-",v["localLabel"],v["remoteLabel"]))'; }
pw_field() {  # router peer field
  "$L2VPN" ctl --node "$W/$1.sock" --json show l2vpn 2>/dev/null | $PY -c '
import json,sys
try: d=json.load(sys.stdin)
except Exception: print("none"); sys.exit()
v=d.get(sys.argv[1]+": 700")
print(v.get(sys.argv[2],"none") if v else "none")' "$2" "$3"; }
fp_bd_up() {  # router -> mesh PWs up in the fast path's bridge domain
  "$L2VPN" ctl --node "$W/$1.sock" --json show state 2>/dev/null | $PY -c '
import json,sys
try: d=json.load(sys.stdin)
except Exception: print(0); sys.exit()
bd=[b for b in d.get("bridge_domains",[]) if b["name"]=="lan"]
pws={p["id"]:p for p in d.get("pseudowires",[])}
print(sum(1 for i in (bd[0]["mesh_pseudowires"] if bd else []) if pws.get(i,{}).get("up",True)))'; }
macs() { "$L2VPN" ctl --node "$W/$1.sock" show dataplane macs 2>/dev/null; }
mac_owner() {  # router mac -> member [peer]
  macs "$1" | awk -v m="$2" '$1==m {print $2, ($3=="peer" ? $4 : "")}'; }
wait_until() {  # seconds command... -> seconds taken
  local t0=$SECONDS
  while (( SECONDS - t0 < $1 )); do "${@:2}" && { echo $((SECONDS - t0)); return 0; }; sleep 0.5; done
  return 1
}
mesh_up() {
  for r in "${PES[@]}"; do
    [[ $(pws "$r" | grep -c ':up:') = 2 && $(fp_bd_up "$r") = 2 ]] || return 1
  done
}
ping_pair() {  # from to count -> received
  ip netns exec "i17p-h$1" ping -c "$3" -i 0.2 -W 1 "10.9.0.$2" 2>/dev/null | sed -n 's/.* \([0-9]*\) received.*/\1/p'
}
all_pairs() {  # count -> sets res ("a->b n/count, ...") and PAIRS_OK
  local out="" n
  PAIRS_OK=1
  for a in 1 2 3; do for b in 1 2 3; do
    [[ $a = "$b" ]] && continue
    n=$(ping_pair $a $b "$1"); out+="h$a->h$b $n/$1, "
    [[ $n = "$1" ]] || PAIRS_OK=0
  done; done
  res=${out%, }
}

# 1. the full mesh
if t=$(wait_until 90 mesh_up); then
  ok "full mesh UP after ${t}s: $(for r in "${PES[@]}"; do echo -n "$r[$(pws $r | cut -d: -f1,2,4,5 | tr '\n' ' ')] "; done)"
else
  bad "mesh: $(for r in "${PES[@]}"; do echo -n "$r[$(pws $r | tr '\n' ' ') fast path up $(fp_bd_up $r)] "; done)"
fi

# 2. every host pings every other
for a in 1 2 3; do for b in 1 2 3; do
  [[ $a = "$b" ]] || ip netns exec "i17p-h$a" ping -c 2 -W 1 "10.9.0.$b" >/dev/null 2>&1
done; done
all_pairs 10
(( PAIRS_OK )) && ok "every host pings every other: $res" || bad "pings: $res"

# 3. MAC tables: own host on the AC, the others behind the PW to their PE
for i in 1 2 3; do
  line=""
  good=1
  for j in 1 2 3; do
    o=$(mac_owner pe$i "02:00:00:00:09:0$j")
    line+="h$j=${o:-none}; "
    if [[ $i = "$j" ]]; then [[ $o == "ac:s$i "* ]] || good=0
    else [[ $o == "pw:"*" ${LO[pe$j]}" ]] || good=0; fi
  done
  (( good )) && ok "pe$i MAC table: ${line%; }" || bad "pe$i MAC table: ${line%; }"
done

# 4. h3's AC down at pe3: MAC withdraw with h3's MAC; pe1 and pe2 flush it
if command -v tshark >/dev/null; then
  ip netns exec i17p-p1 tshark -q -i to-pe3 -f "tcp port 646" -a duration:8 -w "$W/ldp.pcap" >/dev/null 2>&1 &
  echo $! >"$W/tshark.pid"
  sleep 2
fi
f1=$(pw_field pe1 10.255.0.3 macsFlushed); f2=$(pw_field pe2 10.255.0.3 macsFlushed)
ip -n i17p-pe3 link set ce3 down
flushed() { [[ -z $(mac_owner pe1 02:00:00:00:09:03) && -z $(mac_owner pe2 02:00:00:00:09:03) ]]; }
if t=$(wait_until 10 flushed); then
  ok "h3's AC down at pe3: pe1 and pe2 no longer hold h3's MAC after ${t}s; macsFlushed on the PW from pe3: pe1 $f1 -> $(pw_field pe1 10.255.0.3 macsFlushed), pe2 $f2 -> $(pw_field pe2 10.255.0.3 macsFlushed); MAC withdraw out at pe3: $(pw_field pe3 10.255.0.1 macWithdrawOut) to pe1, $(pw_field pe3 10.255.0.2 macWithdrawOut) to pe2"
else
  bad "AC down: pe1 h3=$(mac_owner pe1 02:00:00:00:09:03), pe2 h3=$(mac_owner pe2 02:00:00:00:09:03)"
fi
(( $(pw_field pe1 10.255.0.3 macsFlushed) > f1 && $(pw_field pe1 10.255.0.3 macWithdrawIn) >= 1 )) \
  && ok "pe1 counters: macWithdrawIn $(pw_field pe1 10.255.0.3 macWithdrawIn), macsFlushed $(pw_field pe1 10.255.0.3 macsFlushed) (show l2vpn: '$("$L2VPN" ctl --node "$W/pe1.sock" show l2vpn | grep 'MAC withdraw')')" \
  || bad "pe1 counters: $(pw_field pe1 10.255.0.3 macWithdrawIn) in, $(pw_field pe1 10.255.0.3 macsFlushed) flushed"
metrics() { $PY -c '
import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"metrics\n")
out=b""
while True:
    b=s.recv(65536)
    if not b: break
    out+=b
sys.stdout.write(out.decode())' "$W/$1.sock" 2>/dev/null; }
m=$(metrics pe1 | grep -E '^l2vpn_vpls_(mac_withdraw_in|macs_flushed)')
grep -q 'l2vpn_vpls_mac_withdraw_in_total{router="pe1"} [1-9]' <<<"$m" \
  && ok "pe1 metrics: $(tr '\n' ' ' <<<"$m")" || bad "pe1 metrics: '$m'"
if command -v tshark >/dev/null; then
  wait "$(cat "$W/tshark.pid")" 2>/dev/null; rm -f "$W/tshark.pid"
  dec=$(tshark -r "$W/ldp.pcap" -Y "ldp.msg.type == 0x0301" -T fields -e ip.src -e ip.dst -e ldp.msg.tlv.fec.pw.pwid -e ldp.msg.tlv.mac 2>/dev/null)
  mal=$(tshark -r "$W/ldp.pcap" -Y "_ws.malformed" 2>/dev/null | grep -c .)
  n=$(grep -P '\t700\t.*02:00:00:00:09:03' <<<"$dec" | grep -c .)
  if (( n >= 2 && mal == 0 )); then
    ok "tshark on p1's to-pe3: $n LDP Address Withdraw messages, PWid FEC 700 + MAC TLV holding h3's MAC, 0 malformed ($(head -1 <<<"$dec" | tr '\t' ' '))"
  else
    bad "tshark: $n MAC withdraws with h3's MAC, $mal malformed: '$dec'"
  fi
fi
ip -n i17p-pe3 link set ce3 up
sleep 1
all_pairs 5
(( PAIRS_OK )) && ok "AC up: $res" || bad "AC up: $res"

# 5. pe3 killed: pe1, pe2 show their PW to pe3 down with a reason; restart
kill "$(cat "$W/pe3.node.pid")"; rm -f "$W/pe3.node.pid"
pw3_down() { [[ $(pw_field pe1 10.255.0.3 status) = down && $(pw_field pe2 10.255.0.3 status) = down ]]; }
if t=$(wait_until 30 pw3_down); then
  ok "pe3 killed: after ${t}s pe1's PW to pe3 is down ($(pw_field pe1 10.255.0.3 reason)), pe2's down ($(pw_field pe2 10.255.0.3 reason)); PW pe1<->pe2 $(pw_field pe1 10.255.0.2 status)"
else
  bad "pe3 killed: pe1 PW to pe3 $(pw_field pe1 10.255.0.3 status), pe2 $(pw_field pe2 10.255.0.3 status)"
fi
n12=$(ping_pair 1 2 5); n13=$(ping_pair 1 3 3)
[[ $n12 = 5 && $n13 = 0 ]] && ok "with pe3 gone: h1->h2 $n12/5, h1->h3 $n13/3" || bad "with pe3 gone: h1->h2 $n12/5, h1->h3 $n13/3"
t0=$SECONDS
start_node pe3
if wait_until 90 mesh_up >/dev/null; then
  all_pairs 5
  (( PAIRS_OK )) && ok "pe3 restarted: mesh UP after $((SECONDS - t0))s, $res" || bad "pe3 restarted: $res"
else
  bad "pe3 restarted: $(for r in "${PES[@]}"; do echo -n "$r[$(pws $r | tr '\n' ' ')] "; done)"
fi

if (( FAILS )); then
  for r in "${PES[@]}"; do echo "--- $r log"; tail -15 "$W/$r.node.log"; done
  echo "FAILED: $FAILS check(s)"; exit 1
fi
echo "PASSED"
