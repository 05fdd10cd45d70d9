#!/usr/bin/env bash
# `l2vpn topo TOPOLOGY --json` (apps/l2vpn/topo_json.hpp), what scripts/lab.sh
# builds a lab from and tests/e2e/lab_agree.py compares nodes with:
#  - default.yaml: the loopbacks the loader assigns (10.255.0.x in router
#    order), ports as named (to-<peer>, ce-dept), the four VPWS PW ends UP,
#    the LSP router path under each (dept-dc3 pe1 -> pe3: pe1 p1 pe3);
#  - --fail-link pe1:p1: that PW end's path moves to pe1 p2 p3 pe3;
#  - a bad file: exit 2, the file named; --json with --show: exit 2.
#
#   bash tests/e2e/test_topo_json.sh build/bin/l2vpn
# Exit 0: passed; 1: a check failed; 77: skipped (no python3).
set -uo pipefail
L2VPN=${1:-build/bin/l2vpn}
HERE=$(cd "$(dirname "$0")" && pwd)
TOPO=$HERE/../../topologies/default.yaml
PY=/usr/bin/python3
[[ -x $PY ]] || { echo "SKIP: no $PY"; exit 77; }
FAILS=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

check() {  # json-file python-assertions -> "ok" or the failed assertion
  $PY - "$1" <<EOF2
import json, sys
j = json.load(open(sys.argv[1]))
pw = {(p["service"], p["router"]): p for p in j["pseudowires"]}
lo = {r["name"]: r["loopback"] for r in j["routers"]}
ports = {(l["a"], l["b"]): (l["aPort"], l["bPort"]) for l in j["links"]}
sites = {s["name"]: s for s in j["sites"]}
$2
print("ok")
EOF2
}
W=$(mktemp -d /tmp/topojson.XXXXXX)
trap 'rm -rf "$W"' EXIT

"$L2VPN" topo "$TOPO" --json >"$W/t.json" || bad "topo --json exited $?"
out=$(check "$W/t.json" '
assert lo == {"pe1": "10.255.0.1", "pe2": "10.255.0.2", "pe3": "10.255.0.3", "p1": "10.255.0.4", "p2": "10.255.0.5", "p3": "10.255.0.6"}, lo
assert ports[("pe1", "p1")] == ("to-p1", "to-pe1"), ports
assert sites["dept-hub-dc3"]["port"] == "ce-dept" and sites["dept-hub-dc3"]["vlan"] == 103, sites
assert sites["dc1-cache"]["port"] == "ac-cache", sites
v = [p for p in j["pseudowires"] if p["kind"] == "vpws"]
assert len(v) == 4 and all(p["up"] for p in v), v
assert pw[("dept-dc3", "pe1")]["lsp"]["path"] == ["pe1", "p1", "pe3"], pw[("dept-dc3", "pe1")]["lsp"]
assert pw[("dept-dc3", "pe3")]["lsp"]["path"] == ["pe3", "p1", "pe1"], pw[("dept-dc3", "pe3")]["lsp"]
assert pw[("dept-dc2", "pe1")]["lsp"]["path"] == ["pe1", "p2", "pe2"], pw[("dept-dc2", "pe1")]["lsp"]
assert [x["name"] for x in j["vpls"]] == ["cache"]
' 2>&1)
[[ $out = ok ]] && ok "default.yaml: loopbacks, ports, sites, 4 VPWS PW ends UP with their LSP paths" || bad "default.yaml --json: $out"

"$L2VPN" topo "$TOPO" --json --fail-link pe1:p1 >"$W/f.json" || bad "topo --json --fail-link exited $?"
out=$(check "$W/f.json" '
assert pw[("dept-dc3", "pe1")]["up"] and pw[("dept-dc3", "pe1")]["lsp"]["path"] == ["pe1", "p2", "p3", "pe3"], pw[("dept-dc3", "pe1")]
assert pw[("dept-dc3", "pe3")]["lsp"]["path"] == ["pe3", "p3", "p2", "pe1"], pw[("dept-dc3", "pe3")]
' 2>&1)
[[ $out = ok ]] && ok "--fail-link pe1:p1: dept-dc3 rides pe1 p2 p3 pe3 and back pe3 p3 p2 pe1" || bad "--fail-link: $out"

printf 'routers:\n  - {name: pe1, role: pe}\nlinks:\n  - {a: pe1, b: nowhere}\n' >"$W/bad.yaml"
out=$("$L2VPN" topo "$W/bad.yaml" --json 2>&1); rc=$?
[[ $rc = 2 && $out == *"$W/bad.yaml"* ]] && ok "bad file: exit 2, named: $(head -1 <<<"$out")" || bad "bad file: exit $rc, '$out'"
out=$("$L2VPN" topo "$TOPO" --json --router pe1 --show lfib 2>&1); rc=$?
[[ $rc = 2 ]] && ok "--json with --show: exit 2 ($out)" || bad "--json --show: exit $rc"

(( FAILS )) && { echo "FAILED: $FAILS"; exit 1; }
echo PASSED
