#!/usr/bin/env bash
# End-to-end: `l2vpn forward` on net_pcap ports, checked by tools that share
# no code with the fast path. scapy (tests/e2e/pcap_vectors.py) writes the
# input captures and the ForwardingState files; each run reads its frames
# from rx_pcap files and writes what it forwards to tx_pcap files; tshark
# and scapy decode the outputs and compare label stacks, control words,
# inner frames and the drop counters of `--json`.
#
#   bash tests/e2e/test_forward_pcap.sh build/bin/l2vpn
#
# Exit 0: all checks passed; 1: a check failed; 77: skipped (no tshark or no
# scapy under /usr/bin/python3). KEEP=1 keeps the work directory;
# E2E_SELFTEST=1 then also changes one output value at a time and shows that
# the checks catch each change (about 20 s more).
set -uo pipefail

L2VPN=${1:-build/bin/l2vpn}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3  # Debian's python3-scapy; `python3` on PATH may lack it

skip() { echo "SKIP: $*"; exit 77; }
[[ -x $L2VPN ]] || { echo "FAIL: no l2vpn binary at '$L2VPN'"; exit 1; }
command -v tshark >/dev/null || skip "tshark not installed (apt-get install tshark)"
if ! [[ -x $PY ]] || ! $PY -c 'import scapy.contrib.mpls' 2>/dev/null; then
  skip "scapy missing under $PY (apt-get install python3-scapy)"
fi

WORK=$(mktemp -d /tmp/l2vpn-e2e-pcap.XXXXXX)
if [[ -z ${KEEP:-} ]]; then trap 'rm -rf "$WORK"' EXIT; else echo "work directory: $WORK"; fi

start=$SECONDS
$PY "$HERE/pcap_vectors.py" gen "$WORK" || { echo "FAIL: generating vectors"; exit 1; }

# One router per run, in order: the journey runs read the captures earlier
# runs wrote. --idle-exit ends a run once its rx_pcap files are drained.
while read -r run; do
  if ! "$L2VPN" forward --state "$WORK/$run.json" --idle-exit 0.5 \
      --json "$WORK/$run.counters.json" >"$WORK/$run.log" 2>&1; then
    echo "FAIL: l2vpn forward --state $run.json exited with $?:"
    cat "$WORK/$run.log"
    exit 1
  fi
  # net_pcap flushes each tx_pcap file when the port is closed at exit; the
  # check reports a capture that was never written.
  echo "ran $run: $(grep -m1 '^router' "$WORK/$run.log")"
done <"$WORK/runs.txt"

$PY "$HERE/pcap_vectors.py" check "$WORK"
rc=$?
if [[ $rc -eq 0 && -n ${E2E_SELFTEST:-} ]]; then
  $PY "$HERE/pcap_vectors.py" selftest "$WORK" || rc=1
fi
echo "test_forward_pcap: $((SECONDS - start)) s"
if [[ $rc -ne 0 ]]; then
  echo "FAIL (logs and captures in $WORK)"
  trap - EXIT
  exit 1
fi
echo PASS
