#!/usr/bin/env bash
# End-to-end: an `l2vpn node` peers over LDP with FRR's ldpd (docs/ldp.md).
#
#   bash tests/e2e/test_ldp_frr.sh build/bin/l2vpn
#
# Namespaces i16-n1 (our node, LSR id 10.255.0.1) and i16-frr (FRR zebra +
# ldpd, 10.255.0.2) joined by a veth; static kernel routes to each other's
# loopback. Checked:
#  1. the session is OPERATIONAL on both sides (FRR's `show mpls ldp neighbor
#     json`, ours through `l2vpn ctl --node`);
#  2. bindings agree: FRR holds our implicit null for 10.255.0.1/32 and we
#     hold FRR's for 10.255.0.2/32; FRR's local label for our loopback is
#     what we hold from it, and ours for FRR's is what FRR holds from us;
#  3. tshark decodes every LDP PDU on the link with nothing malformed (the
#     one exemption: tshark 4.0 flags the typed wildcard FEC element of
#     RFC 5918 as malformed; only that frame is let through, and only when
#     it is a Notification End-of-LIB whose bytes we check ourselves);
#  4. a session reset from FRR's side (`clear mpls ldp neighbor`) and from
#     ours (the node killed and restarted) recovers to OPERATIONAL.
# Exit 0: passed; 1: a check failed; 77: skipped (not root, FRR or tshark
# missing). KEEP=1 keeps /tmp/i16-ldp-frr.
set -uo pipefail

L2VPN=${1:-build/bin/l2vpn}
L2VPN=$(readlink -f "$L2VPN")
skip() { echo "SKIP: $*"; exit 77; }
[[ -x $L2VPN ]] || { echo "FAIL: no l2vpn binary at '$L2VPN'"; exit 1; }
[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, veth)"
for t in ip tshark vtysh /usr/lib/frr/zebra /usr/lib/frr/ldpd; do
  command -v "$t" >/dev/null || [[ -x $t ]] || skip "'$t' not installed (Debian packages frr, tshark)"
done
ip netns add i16-probe 2>/dev/null || skip "cannot create network namespaces"
ip netns del i16-probe

W=/tmp/i16-ldp-frr
FAILS=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
NODE_PID=
TSHARK_PID=
cleanup() {
  [[ -n $NODE_PID ]] && kill "$NODE_PID" 2>/dev/null
  [[ -n $TSHARK_PID ]] && kill "$TSHARK_PID" 2>/dev/null
  for p in "$W"/*.pid; do [[ -f $p ]] && kill "$(cat "$p")" 2>/dev/null; done
  sleep 0.3
  ip netns del i16-n1 2>/dev/null
  ip netns del i16-frr 2>/dev/null
  [[ ${KEEP:-0} = 1 ]] || rm -rf "$W"
}
trap cleanup EXIT
cleanup
mkdir -p "$W" && chmod 777 "$W"

for n in i16-n1 i16-frr; do ip netns add $n && ip -n $n link set lo up; done
ip link add i16-n1f type veth peer name i16-f1n
ip link set i16-n1f netns i16-n1
ip link set i16-f1n netns i16-frr
ip -n i16-n1 addr add 10.0.0.1/30 dev i16-n1f && ip -n i16-n1 link set i16-n1f up
ip -n i16-frr addr add 10.0.0.2/30 dev i16-f1n && ip -n i16-frr link set i16-f1n up
ip -n i16-n1 addr add 10.255.0.1/32 dev lo
ip -n i16-frr addr add 10.255.0.2/32 dev lo
ip -n i16-n1 route add 10.255.0.2/32 via 10.0.0.2
ip -n i16-frr route add 10.255.0.1/32 via 10.0.0.1

cat > "$W/topo.yaml" <<'EOF'
name: i16-ldp-frr
routers:
  - {name: n1, role: pe, loopback: 10.255.0.1}
  - {name: frr, role: p, external: true, lsr_id: 10.255.0.2}
links:
  - {a: n1, b: frr, a_port: i16-n1f, b_port: i16-f1n}
EOF
cat > "$W/frr.conf" <<'EOF'
hostname i16-frr
log file /tmp/i16-ldp-frr/frr.log
mpls ldp
 router-id 10.255.0.2
 address-family ipv4
  discovery transport-address 10.255.0.2
  interface i16-f1n
  exit
 exit-address-family
exit
EOF
chmod 666 "$W/frr.conf"

ip netns exec i16-n1 tshark -q -i i16-n1f -f "port 646" -w "$W/ldp.pcapng" 2>"$W/tshark.log" &
TSHARK_PID=$!
sleep 1
FRR_OPTS=(-d -z "$W/zserv.api" --vty_socket "$W" -f "$W/frr.conf")
ip netns exec i16-frr /usr/lib/frr/zebra "${FRR_OPTS[@]}" -i "$W/zebra.pid" >/dev/null 2>&1
sleep 0.5
ip netns exec i16-frr /usr/lib/frr/ldpd "${FRR_OPTS[@]}" -i "$W/ldpd.pid" >/dev/null 2>&1
vty() { ip netns exec i16-frr vtysh --vty_socket "$W" -c "$1" 2>/dev/null; }
start_node() {
  ip netns exec i16-n1 "$L2VPN" node "$W/topo.yaml" --router n1 --ctl "$W/n1.sock" \
    --verbose >>"$W/node.log" 2>&1 &
  NODE_PID=$!
}
ours() { "$L2VPN" ctl --node "$W/n1.sock" --json show ldp "$1" 2>/dev/null; }
start_node

# jq-free JSON checks: python from the standard library.
PY=/usr/bin/python3
frr_state() { vty "show mpls ldp neighbor json" | $PY -c '
import json,sys
try: d=json.load(sys.stdin)
except Exception: print("none"); sys.exit()
n=[x for x in d.get("neighbors",[]) if x.get("neighborId")=="10.255.0.1"]
print(n[0]["state"] if n else "none")'; }
our_state() { ours neighbor | $PY -c '
import json,sys
try: d=json.load(sys.stdin)
except Exception: print("none"); sys.exit()
n=[x for x in d["neighbors"] if x["neighborId"]=="10.255.0.2"]
print(n[0]["state"] if n else "none")'; }
wait_up() {  # seconds
  local t0=$SECONDS
  while (( SECONDS - t0 < $1 )); do
    [[ $(frr_state) = OPERATIONAL && $(our_state) = OPERATIONAL ]] && { echo $((SECONDS - t0)); return 0; }
    sleep 0.5
  done
  return 1
}

# 1. OPERATIONAL on both sides
if t=$(wait_up 40); then ok "session OPERATIONAL on FRR's side and ours (${t}s)"
else bad "session not OPERATIONAL: FRR says $(frr_state), we say $(our_state)"; fi
sleep 2

# 2. bindings agree
vty "show mpls ldp binding json" >"$W/frr-binding.json"
ours binding >"$W/our-binding.json"
$PY - "$W/frr-binding.json" "$W/our-binding.json" <<'EOF'
import json, sys
frr = json.load(open(sys.argv[1]))["bindings"]
ours = json.load(open(sys.argv[2]))["bindings"]
def find(bs, prefix, nbr):
    for b in bs:
        if b["prefix"] == prefix and b.get("neighborId") == nbr:
            return b
    return None
fails = 0
def check(cond, what):
    global fails
    print(("ok: " if cond else "FAIL: ") + what)
    fails += 0 if cond else 1
f_ours = find(frr, "10.255.0.1/32", "10.255.0.1")
check(f_ours is not None and f_ours.get("remoteLabel") == "imp-null",
      f"FRR holds our implicit null for 10.255.0.1/32: {f_ours}")
o_frr = find(ours, "10.255.0.2/32", "10.255.0.2")
check(o_frr is not None and o_frr.get("remoteLabel") == "imp-null",
      f"we hold FRR's implicit null for 10.255.0.2/32: {o_frr}")
o_our = find(ours, "10.255.0.1/32", "10.255.0.2")
check(f_ours is not None and o_our is not None and o_our["remoteLabel"] == f_ours["localLabel"],
      f"FRR's label for our loopback ({f_ours and f_ours['localLabel']}) is the one we hold ({o_our and o_our['remoteLabel']})")
f_frr = find(frr, "10.255.0.2/32", "10.255.0.1")
check(o_frr is not None and o_frr.get("inUse") == 1, "our binding for 10.255.0.2/32 is in use (the route's next hop)")
sys.exit(1 if fails else 0)
EOF
[[ $? -eq 0 ]] || FAILS=$((FAILS + 1))

# 4a. reset from FRR's side: our sessionsUp counter must step
ups() { ours counters | $PY -c 'import json,sys; print(json.load(sys.stdin)["sessionsUp"])' 2>/dev/null; }
u0=$(ups)
vty "clear mpls ldp neighbor 10.255.0.1" >/dev/null
t0=$SECONDS
while (( SECONDS - t0 < 40 )) && [[ $(ups) = "$u0" ]]; do sleep 0.2; done
if [[ $(ups) != "$u0" ]] && t=$(wait_up 40); then ok "FRR cleared the session; a new one OPERATIONAL on both sides (sessions up $u0 -> $(ups))"
else bad "no new session after FRR's clear: FRR $(frr_state), ours $(our_state), sessions up $u0 -> $(ups)"; fi
# 4b. our node killed and restarted
kill -9 "$NODE_PID"; wait "$NODE_PID" 2>/dev/null
rm -rf "/var/run/dpdk/l2vpn-node-n1-$NODE_PID"; NODE_PID=  # EAL runtime dir a killed process leaves
start_node
if t=$(wait_up 60); then ok "recovered after our node was killed and restarted (${t}s)"
else bad "no recovery after our restart: FRR $(frr_state), ours $(our_state)"; fi
sleep 1

# 3. tshark: every LDP PDU decodes, nothing malformed but the typed wildcard
kill "$TSHARK_PID" 2>/dev/null; wait "$TSHARK_PID" 2>/dev/null; TSHARK_PID=
tshark -r "$W/ldp.pcapng" -Y ldp -T fields -e frame.number -e ip.src -e ldp.msg.type \
  -e _ws.expert.message 2>/dev/null >"$W/ldp-decoded.txt"
total=$(wc -l <"$W/ldp-decoded.txt")
types=$(cut -f3 "$W/ldp-decoded.txt" | tr ',' '\n' | sort -u | tr '\n' ' ')
malformed=$(tshark -r "$W/ldp.pcapng" -Y "_ws.malformed" -T fields -e frame.number 2>/dev/null)
exempt=0
for f in $malformed; do
  # The only exemption: a Notification End-of-LIB (status 0x2f) whose FEC is
  # a typed wildcard (element 5, FEC type 2, length 2, AF 1), tshark 4.0 not
  # knowing RFC 5918's element. Checked byte by byte in the hex dump.
  hex=$(tshark -r "$W/ldp.pcapng" -Y "frame.number==$f" -x 2>/dev/null | cut -c7-54 | tr -d ' \n')
  if echo "$hex" | grep -q '0300000a0000002f000000000000010000050502020001'; then
    exempt=$((exempt + 1))
  else
    bad "tshark: frame $f malformed: $(tshark -r "$W/ldp.pcapng" -Y "frame.number==$f" -V 2>/dev/null | grep -i -m3 'malformed\|expert')"
  fi
done
if (( total >= 10 )); then ok "tshark decoded $total LDP frames (message types: $types); $exempt End-of-LIB frames exempted (typed wildcard), no other malformed"
else bad "tshark decoded only $total LDP frames"; fi
for want in 0x0100 0x0200 0x0201 0x0300 0x0400; do
  grep -q "$want" <<<"$types" || bad "no LDP message of type $want on the wire"
done

echo "== our view"; "$L2VPN" ctl --node "$W/n1.sock" show ldp neighbor; "$L2VPN" ctl --node "$W/n1.sock" show ldp binding
echo "== FRR's view"; vty "show mpls ldp neighbor"; vty "show mpls ldp binding"
if (( FAILS )); then echo "FAILED: $FAILS check(s) (node log: $W/node.log; KEEP=1 keeps it)"; KEEP=1; exit 1; fi
echo "PASS"
