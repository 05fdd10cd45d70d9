#!/usr/bin/env bash
# End-to-end: MPLS OAM (RFC 8029 LSP ping and traceroute) in `l2vpn node`.
# PE1-P1-P2-PE2 (and the detour P1-PE2) as four `l2vpn node` processes in
# four network namespaces, FRR's ospfd beside each (scripts/lab-ldp.sh,
# PREFIX=i18-), run under `flock /tmp/e2e.lock`:
#
#   flock /tmp/e2e.lock bash tests/e2e/test_node_oam.sh build/bin/l2vpn
#
# Checked:
#  1. `ctl --node pe1 ping mpls ldp 10.255.0.4/32 --count 5`: 5 of 5 replies
#     "replying router is an egress for the FEC" from PE2;
#  2. `traceroute mpls ldp`: P1 and P2 "label switched", PE2 egress; the hops,
#     the labels each received and the downstream labels are the nodes' LFIBs
#     (PE1's FTN, P1's and P2's ILM);
#  3. tshark on the PE1-P1 link decodes the echo requests and replies
#     (mpls_echo) with no malformed field and no expert warning;
#  4. scapy-built echo requests sent into P1 get RFC 8029's return codes:
#     3 (valid FEC, through to PE2), 8 (TTL expiry in transit at P1), 10 (the
#     FEC of another label: mapping mismatch), 4 (a FEC nobody binds: no
#     mapping), 11 (a label P1 does not have: no label entry); reply mode 3:
#     the reply carries the Router Alert option;
#  5. a flood of echo requests expiring at P1 is rate-limited there (its
#     `show oam` counter) while a ping across P1 still gets 5 of 5;
#  6. OSPF cost of P1-PE2 made equal to P1-P2-PE2: P1 has two ECMP branches
#     and `traceroute --multipath` walks both to PE2;
#  7. P1-P2 cut: the trace shows the new path P1 -> PE2.
# Exit 0: passed; 1: a check failed; 77: skipped (not root, FRR/tshark/scapy missing).
set -uo pipefail

L2VPN=$(readlink -f "${1:-build/bin/l2vpn}")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
skip() { echo "SKIP: $*"; exit 77; }
[[ -x $L2VPN ]] || { echo "FAIL: no l2vpn binary at '$L2VPN'"; exit 1; }
[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, veth)"
for t in ip /usr/lib/frr/zebra /usr/lib/frr/ospfd vtysh tshark; do
  command -v "$t" >/dev/null || [[ -x $t ]] || skip "'$t' not installed (Debian packages frr, tshark)"
done
PY=/usr/bin/python3
$PY -c 'import scapy.contrib.mpls' 2>/dev/null || skip "no scapy under $PY (Debian package python3-scapy)"
# A small punt limit on every node, so that a flood shows it.
export PREFIX=i18- NODE_ARGS="--hello-holdtime 6 --hello-interval 2 --keepalive 9 --oam-rate 50 --oam-burst 10"
LAB=$ROOT/scripts/lab-ldp.sh
W=/tmp/i18-lab
FAILS=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
trap '[[ ${KEEP:-0} = 1 ]] || "$LAB" down' EXIT

"$LAB" up "$L2VPN" || { echo "FAIL: lab-ldp.sh up"; exit 1; }
for r in pe1 p1 p2 pe2; do ip netns exec "i18-$r" sysctl -qw net.ipv4.conf.all.rp_filter=0; done

ctl() { "$L2VPN" ctl --node "$W/$1.sock" --json show "${@:2}" 2>/dev/null; }
operational() {
  ctl "$1" ldp neighbor | $PY -c '
import json,sys
try: print(sum(n["state"]=="OPERATIONAL" for n in json.load(sys.stdin)["neighbors"]))
except Exception: print(0)'
}
summary() {  # router -> "ftn FEC op[labels]@port" / "ilm LABEL ..." lines
  ctl "$1" state | $PY -c '
import json,sys
try: s=json.load(sys.stdin)
except Exception: sys.exit()
nh={n["id"]:n for n in s.get("nhlfes",[])}
eg={g["id"]:g for g in s.get("ecmp_groups",[])}
def one(n): return "%s%s@%s"%(n["op"],n.get("labels",[]),n["out_port"])
def show(kind,id):
    if kind=="nhlfe": return one(nh[id])
    return "ecmp(" + " ".join(sorted(one(nh[m]) for m in eg[id]["nhlfes"])) + ")"
for f in s.get("ftn",[]): print("ftn",f["fec"],show(f["next_hop"]["kind"],f["next_hop"]["id"]))
for i in s.get("ilm",[]): print("ilm",i["label"],show("nhlfe" if i["action"]=="forward" else "ecmp",i["target"]))'
}
local_label() {
  ctl "$1" ldp binding | $PY -c '
import json,sys
for b in json.load(sys.stdin)["bindings"]:
    if b["prefix"]==sys.argv[1]: print(b["localLabel"]); break' "$2"
}
oamc() {  # router key -> a `show oam json` counter
  ctl "$1" oam | $PY -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2" 2>/dev/null
}
nodectl() { "$L2VPN" ctl --node "$W/$1.sock" "${@:2}"; }
mac_of() { ip -n "i18-$1" -j link show "$2" | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'; }
# trace JSON -> one line per path: "name:rc:inLabel>downstream labels ..." (complete|end)
paths_of() {
  $PY -c '
import json,sys
j=json.load(sys.stdin)
for p in j["paths"]:
    hops=[]
    for h in p["hops"]:
        if not h["replied"]: hops.append("."); continue
        ds=",".join("%s%s"%(d["name"],d["labels"]) for d in h["downstreams"])
        hops.append("%s:%d:%s>%s"%(h["name"],h["returnCode"],h["inLabel"],ds))
    print(" ".join(hops), "complete" if p["complete"] else "end="+p.get("end",""))' 2>&1
}

FEC=10.255.0.4/32
t0=$SECONDS
while (( SECONDS - t0 < 60 )); do
  [[ $(operational pe1) = 1 && $(operational p1) = 3 && $(operational p2) = 2 && $(operational pe2) = 2 ]] &&
    grep -q "^ftn $FEC push" <<<"$(summary pe1)" && break
  sleep 0.5
done
(( $(operational p1) == 3 )) && ok "4 LDP sessions OPERATIONAL after $((SECONDS - t0))s" \
  || bad "sessions: pe1 $(operational pe1)/1 p1 $(operational p1)/3 p2 $(operational p2)/2 pe2 $(operational pe2)/2"
sleep 2
l_p1=$(local_label p1 $FEC); l_p2=$(local_label p2 $FEC)
summary pe1 >"$W/pe1.lfib"; summary p1 >"$W/p1.lfib"; summary p2 >"$W/p2.lfib"
echo "LFIB for $FEC: $(grep "ftn $FEC" "$W/pe1.lfib") | p1 $(grep "ilm $l_p1 " "$W/p1.lfib") | p2 $(grep "ilm $l_p2 " "$W/p2.lfib")"

# 3 (capture first): tshark on the pe1-p1 link, at P1 (to-pe1: the fast path of PE1 sends
# with qdisc bypass, which packet sockets on its own side do not see), while 1 and 2 run
ip netns exec i18-p1 tshark -q -i to-pe1 -f "ether proto 0x8847 or udp port 3503" -w "$W/oam.pcapng" -a duration:25 \
  >/dev/null 2>&1 &
tshark_pid=$!
sleep 2

# 1. ping
nodectl pe1 ping mpls ldp $FEC --count 5 | tee "$W/ping.txt"
out=$(nodectl pe1 ping mpls ldp $FEC --count 5 --json); rc=$?
read -r sent egress from rtt < <($PY -c '
import json,sys
j=json.load(sys.stdin); r=[x for x in j["replies"] if x["replied"]]
print(j["sent"], j["egress"], ",".join(sorted({x["from"] for x in r})) or "-",
      "%.3f" % (sum(x["rttMs"] for x in r)/len(r)) if r else "-")' <<<"$out")
[[ $rc = 0 && $sent = 5 && $egress = 5 && $from = 10.255.0.4 ]] \
  && ok "ping mpls ldp $FEC from pe1: 5 of 5 'egress for the FEC' from 10.255.0.4, mean rtt $rtt ms" \
  || bad "ping mpls ldp: exit $rc, sent $sent, egress $egress, from $from: $out"
grep -q "replying router is an egress for the FEC at stack-depth 1" "$W/ping.txt" && grep -q "Success rate is 100 percent (5/5)" "$W/ping.txt" \
  && ok "ping's text: per-reply return codes and 'Success rate is 100 percent (5/5)'" || bad "ping's text: $(cat "$W/ping.txt")"

# Bad input: a FEC without an LSP, a prefix that is not one: exit 1, named.
out=$(nodectl pe1 ping mpls ldp 10.255.0.99/32 --count 1 2>&1); rc=$?
[[ $rc = 1 && $out == *"pe1 has no LSP to 10.255.0.99/32"* ]] && ok "ping to a FEC without an LSP: exit 1, '$out'" \
  || bad "ping mpls ldp 10.255.0.99/32: exit $rc, '$out'"
out=$(nodectl pe1 traceroute mpls ldp 10.255.0.300/32 2>&1); rc=$?
[[ $rc = 1 && $out == *"'10.255.0.300/32' is not an IPv4 prefix"* ]] && ok "traceroute to a bad prefix: exit 1, named" \
  || bad "traceroute mpls ldp 10.255.0.300/32: exit $rc, '$out'"

# 2. traceroute, hop by hop against the LFIBs
nodectl pe1 traceroute mpls ldp $FEC | tee "$W/trace.txt"
got=$(nodectl pe1 traceroute mpls ldp $FEC --json | paths_of)
want="p1:8:$l_p1>p2[$l_p2] p2:8:$l_p2>pe2[3] pe2:3:None> complete"
grep -q "^ftn $FEC push\[$l_p1\]@to-p1" "$W/pe1.lfib" && grep -q "^ilm $l_p1 swap\[$l_p2\]@to-p2" "$W/p1.lfib" &&
  grep -q "^ilm $l_p2 pop\[\]@to-pe2" "$W/p2.lfib" || bad "the LFIBs are not the chain the trace is compared with"
[[ $got == "$want" ]] && ok "traceroute mpls ldp $FEC: $got (= PE1 push $l_p1, P1 swap $l_p2, P2 pop, PE2 egress)" \
  || bad "traceroute: '$got', want '$want'"
wait $tshark_pid 2>/dev/null

# 3. tshark
n_req=$(tshark -r "$W/oam.pcapng" -Y 'mpls_echo.msg_type == 1' 2>/dev/null | wc -l)
n_rep=$(tshark -r "$W/oam.pcapng" -Y 'mpls_echo.msg_type == 2' 2>/dev/null | wc -l)
rcs=$(tshark -r "$W/oam.pcapng" -Y 'mpls_echo.msg_type == 2' -T fields -e mpls_echo.return_code 2>/dev/null | sort -n | uniq -c |
  awk '{printf " %s x%s", $2, $1}')
errs=$(tshark -r "$W/oam.pcapng" -Y '_ws.malformed || _ws.expert.severity >= "warning"' 2>/dev/null | wc -l)
(( n_req >= 13 && n_rep >= 13 && errs == 0 )) \
  && ok "tshark on the pe1-p1 link (at p1): $n_req echo requests, $n_rep replies (return codes:$rcs), no malformed field or warning" \
  || bad "tshark: $n_req requests, $n_rep replies, $errs malformed/warnings"

# 4. scapy-built requests into P1: RFC 8029 return codes
P1_MAC=$(mac_of p1 to-pe1); PE1_MAC=$(mac_of pe1 to-p1)
ip netns exec i18-pe1 $PY "$HERE/oam_probe.py" codes to-p1 "$P1_MAC" "$PE1_MAC" 10.255.0.1 \
  "$l_p1:255:$FEC" "$l_p1:1:$FEC" "$l_p1:1:10.255.0.3/32" "$l_p1:1:10.255.0.99/32" "999999:64:$FEC" "$l_p1:255:$FEC:3" >"$W/codes.txt"
cat "$W/codes.txt"
check_code() {  # case rc from what
  grep -q "^$1 $2 [0-9]* $3 " "$W/codes.txt" && ok "scapy: $4: return code $2 from $3" \
    || bad "scapy: $4: $(grep "^$1 " "$W/codes.txt") (want return code $2 from $3)"
}
check_code "$l_p1:255:$FEC" 3 10.255.0.4 "valid FEC, label $l_p1 TTL 255 (egress for the FEC)"
check_code "$l_p1:1:$FEC" 8 10.255.0.2 "TTL expiry in transit at P1 (label switched at stack-depth 1)"
check_code "$l_p1:1:10.255.0.3/32" 10 10.255.0.2 "label $l_p1 with P2's FEC (mapping for this FEC is not the given label)"
check_code "$l_p1:1:10.255.0.99/32" 4 10.255.0.2 "a FEC nobody binds (no mapping for the FEC)"
check_code "999999:64:$FEC" 11 10.255.0.2 "label 999999 (no label entry at stack-depth 1)"
grep -q "^$l_p1:255:$FEC:3 3 [0-9]* 10.255.0.4 router-alert$" "$W/codes.txt" && grep -q "^$l_p1:255:$FEC 3 .* -$" "$W/codes.txt" \
  && ok "scapy: reply mode 3: the reply carries the Router Alert option (mode 2: without)" \
  || bad "scapy: reply mode 3: $(grep "^$l_p1:255:$FEC:3 " "$W/codes.txt") (want rc 3 from 10.255.0.4 with router-alert)"

# 5. flood into P1 (every request's TTL expires there) while pinging across P1
rl0=$(oamc p1 rateLimited); in0=$(oamc p1 requestsIn)
ip netns exec i18-pe1 $PY "$HERE/oam_probe.py" flood to-p1 "$P1_MAC" "$PE1_MAC" 10.255.0.1 "$l_p1" 10000 >"$W/flood.txt" &
flood_pid=$!
sleep 0.3
out=$(nodectl pe1 ping mpls ldp $FEC --count 5 --json); rc=$?
wait $flood_pid
sleep 0.5
rl=$(( $(oamc p1 rateLimited) - rl0 )); in=$(( $(oamc p1 requestsIn) - in0 ))
egress=$($PY -c 'import json,sys; print(json.load(sys.stdin)["egress"])' <<<"$out" 2>/dev/null)
read -r fsent fsecs <"$W/flood.txt"
(( rl > 0 )) && ok "flood of $fsent echo requests in ${fsecs}s into P1: $rl rate-limited by its punt, $in answered (limit 50/s, burst 10)" \
  || bad "flood: $fsent sent, rate-limited +$rl, requests in +$in"
[[ $rc = 0 && $egress = 5 ]] && ok "ping across P1 during the flood: 5 of 5 egress" || bad "ping during the flood: exit $rc, $out"
nodectl p1 show oam | sed 's/^/  /'
m=$($PY -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"metrics\n")
print(b"".join(iter(lambda: s.recv(65536), b"")).decode())' "$W/p1.sock")
grep -q '^l2vpn_oam_rate_limited_total{router="p1"} [1-9]' <<<"$m" && grep -q '^l2vpn_oam_echo_replies_out_total{router="p1"} [1-9]' <<<"$m" \
  && ok "P1's metrics: l2vpn_oam_rate_limited_total, l2vpn_oam_echo_replies_out_total" || bad "P1's metrics lack the OAM counters"

# 6. ECMP at P1: P1-PE2 cost 20 = P1-P2-PE2
for r in p1 pe2; do
  ip netns exec "i18-$r" vtysh --vty_socket "$W/$r.frr" -c 'configure terminal' -c "interface to-$([[ $r = p1 ]] && echo pe2 || echo p1)" \
    -c 'ip ospf cost 20' >/dev/null
done
for _ in $(seq 1 100); do grep -q "^ilm $l_p1 ecmp" <<<"$(summary p1)" && break; sleep 0.2; done
echo "P1 ILM $l_p1 now: $(summary p1 | grep "^ilm $l_p1 ")"
nodectl pe1 traceroute mpls ldp $FEC --multipath | tee "$W/trace-mp.txt"
got=$(nodectl pe1 traceroute mpls ldp $FEC --multipath --json | paths_of | sort)
n_complete=$(grep -c complete <<<"$got")
if (( n_complete == 2 )) && grep -q "^p1:8:$l_p1>.* p2:8:[0-9]*>pe2\[3\] pe2:3:None> complete" <<<"$got" &&
   grep -q "^p1:8:$l_p1>.* pe2:3:None> complete" <<<"$got"; then
  ok "traceroute --multipath: both ECMP branches of P1 reach PE2: $(tr '\n' '|' <<<"$got")"
else
  bad "traceroute --multipath: $(tr '\n' '|' <<<"$got")"
fi

# 7. cut P1-P2: the trace follows the new path
ip -n i18-p1 link set to-p2 down
ip -n i18-p2 link set to-p1 down
for _ in $(seq 1 100); do grep -q "^ilm $l_p1 pop\[\]@to-pe2" <<<"$(summary p1)" && break; sleep 0.1; done
sleep 1
nodectl pe1 traceroute mpls ldp $FEC | tee "$W/trace-cut.txt"
got=$(nodectl pe1 traceroute mpls ldp $FEC --json | paths_of)
want="p1:8:$l_p1>pe2[3] pe2:3:None> complete"
[[ $got == "$want" ]] && ok "after the p1-p2 cut, traceroute: $got (P1 pops toward PE2)" \
  || bad "after the cut, traceroute: '$got', want '$want'"

if (( FAILS )); then echo "FAILED: $FAILS check(s) (logs in $W; KEEP=1 keeps the lab)"; exit 1; fi
echo "PASS"
