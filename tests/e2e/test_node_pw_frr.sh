#!/usr/bin/env bash
# End-to-end: FRR 8.4's ldpd as the PW peer of an `l2vpn node` PE: FEC 128
# pseudowires signalled between the two (RFC 4447 / RFC 8077; docs/ldp.md
# "Pseudowires").
#
#   bash tests/e2e/test_node_pw_frr.sh build/bin/l2vpn
#
# Namespaces i17-n1 (our node pe1, LSR id 10.255.0.1) and i17-frr (FRR zebra
# + ldpd, 10.255.0.2) joined by a veth, static routes to each other's
# loopback. FRR 8.4 has no `type vpws`: its side is `l2vpn frr type vpls`
# with two member pseudowires toward us, pw-id 100 and 101, MTU 1500; our
# topology has two VPWS to FRR's router, pw 100 (MTU 1500) and pw 101 (our
# end's MTU 9000). Checked:
#  1. FRR's `show l2vpn atom binding json` holds our binding for pw 100 (our
#     local label as its remote label, MTU 1500, control word) and ours
#     (`l2vpn ctl --node show l2vpn --json`) holds FRR's;
#  2. pw 101: "MTU mismatch" on our side, and FRR holds our MTU 9000 against
#     its 1500 (FRR's `show l2vpn atom vc` has it down);
#  3. PW status both ways: FRR has no Linux PW dataplane, its zebra cannot
#     install the PW and ldpd signals "not forwarding": ours shows pw 100
#     down with "remote not forwarding" and the status bits; our AC (a veth)
#     down and up: FRR's ldpd receives our PW Status notifications, "not
#     forwarding" then "forwarding";
#  4. tshark decodes the FEC 128 mappings both ways, nothing malformed but
#     the typed wildcard End-of-LIB tshark 4.0 does not know.
# The node runs with --no-fastpath (PW forwarding in the fast path is not
# done yet). Exit 0: passed; 1: a check failed; 77: skipped (not root, FRR or
# tshark missing). KEEP=1 keeps /tmp/i17-pw-frr.
set -uo pipefail

L2VPN=${1:-build/bin/l2vpn}
L2VPN=$(readlink -f "$L2VPN")
skip() { echo "SKIP: $*"; exit 77; }
[[ -x $L2VPN ]] || { echo "FAIL: no l2vpn binary at '$L2VPN'"; exit 1; }
[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, veth)"
for t in ip tshark vtysh python3 /usr/lib/frr/zebra /usr/lib/frr/ldpd; do
  command -v "$t" >/dev/null || [[ -x $t ]] || skip "'$t' not installed (Debian packages frr, tshark)"
done
ip netns add i17-probe 2>/dev/null || skip "cannot create network namespaces"
ip netns del i17-probe

W=/tmp/i17-pw-frr
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
  ip netns del i17-n1 2>/dev/null
  ip netns del i17-frr 2>/dev/null
  [[ ${KEEP:-0} = 1 ]] || rm -rf "$W"
}
trap cleanup EXIT
cleanup
mkdir -p "$W" && chmod 777 "$W"

for n in i17-n1 i17-frr; do ip netns add $n && ip -n $n link set lo up; done
ip link add i17-n1f type veth peer name i17-f1n
ip link set i17-n1f netns i17-n1
ip link set i17-f1n netns i17-frr
# FRR's TCP over a veth: no checksum offload (as scripts/lab-ldp.sh does)
ip netns exec i17-n1 ethtool -K i17-n1f tx off >/dev/null 2>&1
ip netns exec i17-frr ethtool -K i17-f1n tx off >/dev/null 2>&1
ip -n i17-n1 addr add 10.0.0.1/30 dev i17-n1f && ip -n i17-n1 link set i17-n1f up
ip -n i17-frr addr add 10.0.0.2/30 dev i17-f1n && ip -n i17-frr link set i17-f1n up
ip -n i17-n1 addr add 10.255.0.1/32 dev lo
ip -n i17-frr addr add 10.255.0.2/32 dev lo
ip -n i17-n1 route add 10.255.0.2/32 via 10.0.0.2
ip -n i17-frr route add 10.255.0.1/32 via 10.0.0.1
# FRR's pseudowire interfaces and its bridge's member: kernel interfaces must exist
for i in mpw100 mpw101 ce-frr; do
  ip -n i17-frr link add $i type veth peer name $i-p && ip -n i17-frr link set $i up && ip -n i17-frr link set $i-p up
done
# our AC of pw 100: its link state is the PW status we signal
ip -n i17-n1 link add ac100 type veth peer name ce100
ip -n i17-n1 link set ac100 up && ip -n i17-n1 link set ce100 up

cat > "$W/topo.yaml" <<'EOF'
name: i17-pw-frr
routers:
  - {name: pe1, role: pe, loopback: 10.255.0.1}
  - {name: frr, role: pe, external: true, lsr_id: 10.255.0.2}
links:
  - {a: pe1, b: frr, a_port: i17-n1f, b_port: i17-f1n}
sites:
  - {name: our100, pe: pe1, port: ac100}
  - {name: frr100, pe: frr, port: mpw100}
  - {name: our101, pe: pe1, port: ac101, mtu: 9000}
  - {name: frr101, pe: frr, port: mpw101}
services:
  vpws:
    - {name: to-frr, pw_id: 100, sites: [our100, frr100]}
    - {name: to-frr-mtu, pw_id: 101, sites: [our101, frr101]}
EOF
cat > "$W/frr.conf" <<'EOF'
hostname i17-frr
log file /tmp/i17-pw-frr/frr.log
debug mpls ldp messages recv
debug mpls ldp messages sent
debug mpls ldp zebra
l2vpn frr type vpls
 bridge br-frr
 mtu 1500
 member interface ce-frr
 member pseudowire mpw100
  neighbor lsr-id 10.255.0.1
  pw-id 100
 exit
 member pseudowire mpw101
  neighbor lsr-id 10.255.0.1
  pw-id 101
 exit
exit
mpls ldp
 router-id 10.255.0.2
 address-family ipv4
  discovery transport-address 10.255.0.2
  interface i17-f1n
  exit
 exit-address-family
exit
EOF
chmod 666 "$W/frr.conf"

ip netns exec i17-n1 tshark -q -i i17-n1f -f "port 646" -w "$W/ldp.pcapng" 2>"$W/tshark.log" &
TSHARK_PID=$!
sleep 1
FRR_OPTS=(-d -z "$W/zserv.api" --vty_socket "$W" -f "$W/frr.conf")
ip netns exec i17-frr /usr/lib/frr/zebra "${FRR_OPTS[@]}" -i "$W/zebra.pid" >/dev/null 2>&1
sleep 0.5
ip netns exec i17-frr /usr/lib/frr/ldpd "${FRR_OPTS[@]}" -i "$W/ldpd.pid" >/dev/null 2>&1
vty() { ip netns exec i17-frr vtysh --vty_socket "$W" -c "$1" 2>/dev/null; }
ip netns exec i17-n1 "$L2VPN" node "$W/topo.yaml" --router pe1 --ctl "$W/pe1.sock" \
  --no-fastpath >>"$W/node.log" 2>&1 &
NODE_PID=$!

PY=/usr/bin/python3
ours() {  # pw_id field
  "$L2VPN" ctl --node "$W/pe1.sock" --json show l2vpn 2>/dev/null | $PY -c '
import json,sys
try: d=json.load(sys.stdin)
except Exception: print("none"); sys.exit()
p=[v for v in d.values() if v["vcId"]==int(sys.argv[1])]
print(p[0].get(sys.argv[2],"none") if p else "none")' "$1" "$2"; }
frrs() {  # pw_id field, from FRR's show l2vpn atom binding json
  vty "show l2vpn atom binding json" | $PY -c '
import json,sys
try: d=json.load(sys.stdin)
except Exception: print("none"); sys.exit()
p=[v for v in d.values() if v.get("vcId")==int(sys.argv[1])]
print(p[0].get(sys.argv[2],"none") if p else "none")' "$1" "$2"; }
wait_for() {  # seconds command... value
  local t0=$SECONDS want=${*: -1}
  while (( SECONDS - t0 < $1 )); do
    [[ $("${@:2:$#-2}") = "$want" ]] && { echo $((SECONDS - t0)); return 0; }
    sleep 0.5
  done
  return 1
}

# 1. bindings both ways for pw 100
if t=$(wait_for 60 ours 100 remoteLabel "$(frrs 100 localLabel)") && [[ $(ours 100 remoteLabel) != none && $(ours 100 remoteLabel) != unassigned ]]; then
  ok "we hold FRR's label for pw 100: $(ours 100 remoteLabel) (FRR's local label), after ${t}s"
else bad "pw 100: we hold $(ours 100 remoteLabel), FRR's local label is $(frrs 100 localLabel)"; fi
sleep 1
if [[ $(frrs 100 remoteLabel) = "$(ours 100 localLabel)" && $(frrs 100 remoteIfMtu) = 1500 && $(frrs 100 remoteControlWord) = 1 ]]; then
  ok "FRR holds our binding for pw 100: remote label $(frrs 100 remoteLabel) = our local label, MTU 1500, control word 1"
else bad "FRR's view of pw 100: remote label $(frrs 100 remoteLabel) (ours $(ours 100 localLabel)), MTU $(frrs 100 remoteIfMtu), CW $(frrs 100 remoteControlWord)"; fi
[[ $(ours 100 remoteIfMtu) = 1500 && $(ours 100 remoteVcType) = Ethernet ]] \
  && ok "our view of FRR's pw 100: MTU 1500, Ethernet, control word $(ours 100 remoteControlWord)" \
  || bad "our view of FRR's pw 100: MTU $(ours 100 remoteIfMtu), type $(ours 100 remoteVcType)"

# 2. MTU mismatch on pw 101
if wait_for 20 ours 101 reason "MTU mismatch" >/dev/null; then
  ok "pw 101: ours says 'MTU mismatch' (ours 9000, FRR's $(ours 101 remoteIfMtu))"
else bad "pw 101: ours says '$(ours 101 reason)', remote MTU $(ours 101 remoteIfMtu)"; fi
if [[ $(frrs 101 remoteIfMtu) = 9000 && $(frrs 101 localIfMtu) = 1500 ]]; then
  ok "FRR holds our MTU 9000 for pw 101 against its own 1500"
else bad "FRR's pw 101: local MTU $(frrs 101 localIfMtu), remote $(frrs 101 remoteIfMtu)"; fi
vty "show l2vpn atom vc" >"$W/frr-vc.txt"
if grep -E "mpw101 .*10.255.0.1 .*101 .*DOWN" "$W/frr-vc.txt" >/dev/null; then ok "FRR's show l2vpn atom vc: mpw101 DOWN"
else bad "FRR's show l2vpn atom vc for mpw101: $(grep mpw101 "$W/frr-vc.txt")"; fi

# 3a. FRR's PW status as ours reads it. FRR 8.4's zebra cannot install the
# PW (no Linux PW dataplane), so ldpd signals "not forwarding" in a PW Status
# notification: ours must show "remote not forwarding". (Should an FRR
# signal forwarding, ours must be UP.)
if wait_for 20 ours 100 reason "remote not forwarding" >/dev/null; then
  ok "pw 100: FRR signals '$(ours 100 remoteStatus)' (bits $(ours 100 remoteStatusBits)): ours shows 'remote not forwarding'"
elif [[ $(ours 100 remoteStatus) = forwarding && $(ours 100 status) = up ]]; then
  ok "pw 100: FRR signals forwarding: ours UP"
else bad "pw 100: FRR's status '$(ours 100 remoteStatus)', ours '$(ours 100 status)' / '$(ours 100 reason)'"; fi

# 3b. our AC down, then up: FRR receives our PW Status notifications (its
# "debug mpls ldp messages recv" log has them).
got() { grep -c "msg\[in\]: notification:   pw-status $1\$" "$W/frr.log" 2>/dev/null; }
n0=$(got "not forwarding"); f0=$(got forwarding)
ip -n i17-n1 link set ac100 down
if wait_for 15 got "not forwarding" $((n0 + 1)) >/dev/null; then
  ok "our AC down: ours signals '$(ours 100 localStatus)', FRR's ldpd received 'pw-status not forwarding'"
else bad "our AC down: FRR received $(got "not forwarding") not-forwarding notifications (before: $n0); ours local status '$(ours 100 localStatus)'"; fi
ip -n i17-n1 link set ac100 up
if wait_for 15 got forwarding $((f0 + 1)) >/dev/null && [[ $(ours 100 localStatus) = forwarding ]]; then
  ok "our AC up again: FRR's ldpd received 'pw-status forwarding'"
else bad "our AC up: FRR received $(got forwarding) forwarding notifications (before: $f0); ours local status '$(ours 100 localStatus)'"; fi

# 4. tshark
sleep 1
kill "$TSHARK_PID" 2>/dev/null; wait "$TSHARK_PID" 2>/dev/null; TSHARK_PID=
fec128=$(tshark -r "$W/ldp.pcapng" -Y 'ldp.msg.type == 0x0400' -V 2>/dev/null | grep -c "PWid FEC Element")
pwstatus=$(tshark -r "$W/ldp.pcapng" -Y ldp -V 2>/dev/null | grep -c "PW Status TLV (0x96A)")
malformed=$(tshark -r "$W/ldp.pcapng" -Y "_ws.malformed" -T fields -e frame.number 2>/dev/null)
left=0
for f in $malformed; do
  hex=$(tshark -r "$W/ldp.pcapng" -Y "frame.number==$f" -x 2>/dev/null | cut -c7-54 | tr -d ' \n')
  # tshark 4.0 does not know RFC 5918's typed wildcard: End-of-LIB notifications
  # (of prefixes, 05 02 02 0001, or of PWid FECs, 05 80 02 xxxx) are let through.
  grep -Eq '0000002f0000000000000100000505(020200|8002)' <<<"$hex" || { left=$((left + 1)); bad "tshark: frame $f malformed"; }
done
if (( fec128 >= 4 && left == 0 )); then
  ok "tshark: $fec128 PWid FEC elements in Label Mappings, $pwstatus PW Status TLVs, nothing malformed but the typed wildcards"
else bad "tshark: $fec128 PWid FEC elements in mappings, $left malformed frames"; fi

echo "== ours"; "$L2VPN" ctl --node "$W/pe1.sock" show l2vpn
echo "== FRR's"; vty "show l2vpn atom binding"; cat "$W/frr-vc.txt"
if (( FAILS )); then echo "FAILED: $FAILS check(s) (logs: $W/node.log $W/frr.log; KEEP=1 keeps them)"; KEEP=1; exit 1; fi
echo "PASS"
