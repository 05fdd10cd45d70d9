#!/usr/bin/env bash
# Any topology of ours on one machine: a network namespace per router with
# FRR's zebra + ospfd and one `l2vpn node` in it, a veth per link, a host
# namespace per PE port with sites (docs/lab.md).
#
#   scripts/lab.sh up TOPOLOGY.yaml [--prefix P] [--workdir DIR] [--l2vpn BIN] [--node-args "..."]
#   scripts/lab.sh status [--prefix P]
#   scripts/lab.sh start-node ROUTER [--prefix P]   (re)start one router's node
#   scripts/lab.sh down [--prefix P]                 idempotent: nothing of the lab is left
#   scripts/lab.sh frr-conf TOPOLOGY ROUTER [--network CIDR]   FRR config of one router on a machine of its own
#
# P defaults to "lab-" (namespaces P<router>, P<pe>-<port>); work files
# (logs, control sockets P<router>.sock, FRR's) in DIR, default /tmp/Plab.
# The work is done by scripts/lab.py (python3, the standard library only).
set -euo pipefail
exec python3 "$(dirname "$0")/lab.py" "$@"
