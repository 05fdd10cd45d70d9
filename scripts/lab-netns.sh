#!/usr/bin/env bash
# A lab of "data centers" on this machine for `l2vpn run` (docs/l2-stretch.md).
#
#   scripts/lab-netns.sh up [--dcs N]     (default 3, at most 9)
#   scripts/lab-netns.sh down [--dcs N]
#   scripts/lab-netns.sh status [--dcs N]
#
# For each data center i: a network namespace dc<i> with two veth pairs whose
# far ends stay in the root namespace, for a PE to bind with af_packet:
#   veth-dc<i>  <->  dc<i>:eth0        10.0.0.<i>/24   (the VPLS segment)
#   vwire-dc<i> <->  dc<i>:eth1        (a tagged VPWS: eth1.<i>00, 10.1.0.<i>/24,
#                                       VLAN i*100, where the kernel has 802.1Q)
# MTU 1500 inside (the services' MTU: a full frame plus the control word and
# two labels fits the backbone links' 9000). Offloads are off on both ends:
# a veth hands a packet socket TCP/UDP frames with partial checksums (the
# kernel would fill them in at a real NIC) and TSO/GSO super-frames; the PE
# must see finished wire frames. The root-side ends carry no addresses and no
# IPv6, so the root namespace sends nothing into the services.
# Idempotent: `up` twice gives the same lab; `down` removes all of it.
set -euo pipefail

cmd=${1:-}
shift || true
dcs=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dcs) dcs=$2; shift 2 ;;
    *) echo "lab-netns.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
if ! [[ "$dcs" =~ ^[1-9]$ ]]; then
  echo "lab-netns.sh: --dcs must be 1..9, got '$dcs'" >&2
  exit 2
fi
if [[ $EUID -ne 0 ]]; then
  echo "lab-netns.sh: needs root (network namespaces and veth)" >&2
  exit 2
fi
for tool in ip ethtool; do
  command -v "$tool" >/dev/null || { echo "lab-netns.sh: '$tool' is missing (iproute2, ethtool)" >&2; exit 2; }
done

offloads_off() {  # [netns] iface
  local ns=() ; [[ $# -eq 2 ]] && ns=(ip netns exec "$1") && shift
  # Some features are fixed on veth: ask for each, ignore the refusals.
  for f in tx rx sg tso gso gro lro rxvlan txvlan tx-udp-segmentation; do
    "${ns[@]}" ethtool -K "$1" "$f" off >/dev/null 2>&1 || true
  done
}

root_end() {  # name: no address, no IPv6, up
  sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1" || true
  ip link set "$1" mtu 1500 up
  offloads_off "$1"
}

up_dc() {
  local i=$1 ns=dc$1
  ip netns list | grep -qx "$ns\( (id: [0-9]*)\)\?" || ip netns add "$ns"
  ip -n "$ns" link set lo up
  if ! ip link show "veth-$ns" >/dev/null 2>&1; then
    ip -n "$ns" link del eth0 >/dev/null 2>&1 || true
    ip link add "veth-$ns" type veth peer name eth0 netns "$ns"
  fi
  if ! ip link show "vwire-$ns" >/dev/null 2>&1; then
    ip -n "$ns" link del eth1 >/dev/null 2>&1 || true
    ip link add "vwire-$ns" type veth peer name eth1 netns "$ns"
  fi
  root_end "veth-$ns"
  root_end "vwire-$ns"
  # Fixed MACs (02:dc:<i>:...): easy to spot in captures and MAC tables.
  ip -n "$ns" link set eth0 address "02:dc:0$i:00:00:01" mtu 1500 up
  ip -n "$ns" link set eth1 address "02:dc:0$i:00:01:01" mtu 1500 up
  offloads_off "$ns" eth0
  offloads_off "$ns" eth1
  ip -n "$ns" addr replace "10.0.0.$i/24" dev eth0
  local vid=$((i * 100))
  # A kernel without 802.1Q (no 8021q module, as on this lab machine) has no
  # VLAN interfaces: eth1 stays bare and tagged frames are sent and read
  # with packet sockets (tests/e2e/l2_stretch.py vlan-ping / vlan-responder).
  if ip -n "$ns" link show "eth1.$vid" >/dev/null 2>&1 ||
     ip -n "$ns" link add link eth1 name "eth1.$vid" type vlan id "$vid" 2>/dev/null; then
    ip -n "$ns" link set "eth1.$vid" mtu 1500 up
    offloads_off "$ns" "eth1.$vid"
    ip -n "$ns" addr replace "10.1.0.$i/24" dev "eth1.$vid"
  elif [[ $i -eq 1 ]]; then
    echo "lab-netns.sh: this kernel has no VLAN interfaces (802.1Q): dc<i>:eth1 stays untagged and bare" >&2
  fi
}

down_dc() {
  local ns=dc$1
  ip link del "veth-$ns" >/dev/null 2>&1 || true
  ip link del "vwire-$ns" >/dev/null 2>&1 || true
  ip netns del "$ns" >/dev/null 2>&1 || true
}

case "$cmd" in
  up)
    for ((i = 1; i <= dcs; i++)); do up_dc "$i"; done
    echo "lab up: $dcs data centers (dc1..dc$dcs); bind veth-dc<i> (VPLS) and vwire-dc<i> (VPWS) with af_packet"
    ;;
  down)
    # Everything a larger lab may have left, too.
    for ((i = 1; i <= 9; i++)); do down_dc "$i"; done
    echo "lab down"
    ;;
  status)
    for ((i = 1; i <= dcs; i++)); do
      echo "== dc$i"
      ip -n "dc$i" -br addr 2>/dev/null || echo "  (no namespace)"
    done
    ;;
  *)
    echo "usage: lab-netns.sh up|down|status [--dcs N]" >&2
    exit 2
    ;;
esac
