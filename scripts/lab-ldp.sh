#!/usr/bin/env bash
# A lab of four routers as four `l2vpn node` processes, each in its own
# network namespace with FRR's zebra + ospfd beside it (docs/ldp.md):
#
#   pe1 ---10--- p1 ---10--- p2 ---10--- pe2        loopbacks 10.255.0.1..4
#                 \__________30__________/          (p1-pe2: the detour)
#
#   scripts/lab-ldp.sh up [L2VPN]   build it and start everything
#   scripts/lab-ldp.sh down         stop and remove it
#   scripts/lab-ldp.sh show         every node's LDP neighbors and bindings
#
# PREFIX (default "ldp-") prefixes the namespaces and temporary veth names;
# inside a namespace the interfaces are named after the topology's ports
# (to-<peer>), as topologies/lab-ldp.yaml expects. Work files in
# /tmp/${PREFIX}lab: the nodes' control sockets (ROUTER.sock), logs, FRR's.
# NODE_ARGS adds options to every `l2vpn node` (e.g. timers); NODE_ARGS_<router>
# to one. LINUXCP="pe1 ..." runs those routers' core ports DPDK-only with
# the exception path (docs/ldp.md): each veth becomes <port>-phy (no
# address, no IPv6), the node binds it (`--bind PORT=net_af_packet...,
# iface=PORT-phy`) and makes a tap named PORT, which gets the address;
# ospfd and LDP run over the tap.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PREFIX=${PREFIX:-ldp-}
W=/tmp/${PREFIX}lab
TOPO=$ROOT/topologies/lab-ldp.yaml
ROUTERS=(pe1 p1 p2 pe2)
declare -A LO=([pe1]=10.255.0.1 [p1]=10.255.0.2 [p2]=10.255.0.3 [pe2]=10.255.0.4)
# a b subnet(/30 network's third octet) cost
LINKS=("pe1 p1 12 10" "p1 p2 23 10" "p2 pe2 34 10" "p1 pe2 24 30")

ns() { echo "${PREFIX}$1"; }

down() {
  for r in "${ROUTERS[@]}"; do
    for p in "$W/$r".*.pid; do [[ -f $p ]] && kill "$(cat "$p")" 2>/dev/null || true; done
  done
  sleep 0.3
  for r in "${ROUTERS[@]}"; do ip netns del "$(ns "$r")" 2>/dev/null || true; done
  rm -rf "$W"
}

start_node() {  # router
  local r=$1
  local extra=NODE_ARGS_$r
  ip netns exec "$(ns "$r")" "$L2VPN" node "$TOPO" --router "$r" --ctl "$W/$r.sock" --verbose \
    ${NODE_ARGS:-} ${!extra:-} $(cat "$W/$r.bind" 2>/dev/null) >>"$W/$r.node.log" 2>&1 &
  echo $! >"$W/$r.node.pid"
}

linuxcp() { [[ " ${LINUXCP:-} " == *" $1 "* ]]; }

to_phy() {  # router: its veths become PORT-phy, bound DPDK-only; the addresses wait for the taps
  local r=$1 n=0 rr ifn cost
  while read -r rr ifn cost; do
    [[ $rr == "$r" ]] || continue
    ip -n "$(ns "$r")" -4 -o addr show dev "$ifn" | awk '{print $4}' >"$W/$r.$ifn.addr"
    ip -n "$(ns "$r")" link set "$ifn" down
    ip -n "$(ns "$r")" addr flush dev "$ifn"
    ip -n "$(ns "$r")" link set "$ifn" name "$ifn-phy"
    # The kernel still sees the veth (a NIC bound to DPDK it would not): it
    # must not answer what arrives there too (ARP, or IP to our loopback
    # with forwarding on), only through the tap.
    ip netns exec "$(ns "$r")" sysctl -qw "net.ipv6.conf.$ifn-phy.disable_ipv6=1" \
      "net.ipv4.conf.$ifn-phy.rp_filter=1" "net.ipv4.conf.$ifn-phy.arp_ignore=8"
    ip -n "$(ns "$r")" link set "$ifn-phy" up
    # The veth's other end must fill its checksums in: with tx offload it
    # leaves them to "hardware" (CHECKSUM_PARTIAL), af_packet hands the frame
    # over as it is, and the kernel behind the tap drops it (UdpInCsumErrors).
    ip netns exec "$(ns "${ifn#to-}")" ethtool -K "to-$r" tx off >/dev/null
    printf -- '--bind %s=net_af_packet_cp%s,iface=%s-phy ' "$ifn" "$n" "$ifn" >>"$W/$r.bind"
    n=$((n + 1))
  done <"$W/ospf-ifs"
}

tap_addresses() {  # router: once the node's taps exist, they get the veths' addresses
  local r=$1 rr ifn cost
  while read -r rr ifn cost; do
    [[ $rr == "$r" ]] || continue
    for _ in $(seq 1 100); do ip -n "$(ns "$r")" link show "$ifn" >/dev/null 2>&1 && break; sleep 0.1; done
    ip -n "$(ns "$r")" addr add "$(cat "$W/$r.$ifn.addr")" dev "$ifn" \
      || { echo "lab-ldp: $r: no tap $ifn from the node (see $W/$r.node.log)" >&2; return 1; }
  done <"$W/ospf-ifs"
}

up() {
  L2VPN=$(readlink -f "${1:-build/bin/l2vpn}")
  [[ -x $L2VPN ]] || { echo "lab-ldp: no l2vpn binary at $L2VPN" >&2; exit 1; }
  down
  mkdir -p "$W" && chmod 777 "$W"
  for r in "${ROUTERS[@]}"; do
    ip netns add "$(ns "$r")"
    ip -n "$(ns "$r")" link set lo up
    ip netns exec "$(ns "$r")" sysctl -qw net.ipv4.ip_forward=1  # sessions cross routers
    ip -n "$(ns "$r")" addr add "${LO[$r]}/32" dev lo
  done
  local i=0
  for l in "${LINKS[@]}"; do
    read -r a b net cost <<<"$l"
    i=$((i + 1))
    ip link add "${PREFIX}v${i}a" type veth peer name "${PREFIX}v${i}b"
    ip link set "${PREFIX}v${i}a" netns "$(ns "$a")"
    ip link set "${PREFIX}v${i}b" netns "$(ns "$b")"
    ip -n "$(ns "$a")" link set "${PREFIX}v${i}a" name "to-$b"
    ip -n "$(ns "$b")" link set "${PREFIX}v${i}b" name "to-$a"
    ip -n "$(ns "$a")" addr add "10.0.$net.1/30" dev "to-$b"
    ip -n "$(ns "$b")" addr add "10.0.$net.2/30" dev "to-$a"
    ip -n "$(ns "$a")" link set "to-$b" up
    ip -n "$(ns "$b")" link set "to-$a" up
    echo "$a to-$b $cost" >>"$W/ospf-ifs"
    echo "$b to-$a $cost" >>"$W/ospf-ifs"
  done
  for r in "${ROUTERS[@]}"; do
    local d=$W/$r.frr
    mkdir -p "$d" && chmod 777 "$d"
    {
      echo "hostname $r"
      echo "log file $d/frr.log"
      while read -r rr ifn cost; do
        [[ $rr == "$r" ]] || continue
        printf 'interface %s\n ip ospf network point-to-point\n ip ospf cost %s\n' "$ifn" "$cost"
        printf ' ip ospf hello-interval 1\n ip ospf dead-interval 3\nexit\n'
      done <"$W/ospf-ifs"
      printf 'router ospf\n ospf router-id %s\n network 10.0.0.0/16 area 0\n' "${LO[$r]}"
      printf ' network %s/32 area 0\n timers throttle spf 0 50 500\nexit\n' "${LO[$r]}"
    } >"$d/frr.conf"
    chmod 666 "$d/frr.conf"
    linuxcp "$r" && to_phy "$r"
    local opts=(-d -z "$d/zserv.api" --vty_socket "$d" -f "$d/frr.conf")
    ip netns exec "$(ns "$r")" /usr/lib/frr/zebra "${opts[@]}" -i "$W/$r.zebra.pid" >/dev/null 2>&1
    sleep 0.3
    ip netns exec "$(ns "$r")" /usr/lib/frr/ospfd "${opts[@]}" -i "$W/$r.ospfd.pid" >/dev/null 2>&1
    start_node "$r"
    linuxcp "$r" && tap_addresses "$r"
  done
  echo "lab-ldp: up (namespaces ${PREFIX}{pe1,p1,p2,pe2}, work dir $W)"
}

show() {
  for r in "${ROUTERS[@]}"; do
    echo "== $r"
    "${L2VPN:-build/bin/l2vpn}" ctl --node "$W/$r.sock" show ldp neighbor || true
    "${L2VPN:-build/bin/l2vpn}" ctl --node "$W/$r.sock" show ldp binding || true
  done
}

case ${1:-} in
  up) shift; up "$@" ;;
  down) down ;;
  show) show ;;
  start-node) L2VPN=$(readlink -f "${3:-build/bin/l2vpn}"); start_node "$2" ;;
  *) echo "usage: $0 up [L2VPN] | down | show | start-node ROUTER [L2VPN]" >&2; exit 2 ;;
esac
