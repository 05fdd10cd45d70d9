#!/usr/bin/env python3
"""Do the nodes of a lab (scripts/lab.sh) agree with the central control plane?

  lab_agree.py L2VPN WORKDIR/lab.json [--fail-link A:B ...] [--vpls]

For every PW end `l2vpn topo TOPOLOGY --json` computes (with the same
failures), the node on that router must show the PW (`show l2vpn --json`:
same pw id, toward the same far PE) in the same state, UP or DOWN (UP:
signalled, and up in its fast path, `show dataplane`, if it has one), and the
LSP it rides must go through the same routers: the nodes' path is traced
through their forwarding state (`show state --json`: the ingress's FTN for
the far PE's loopback, then each next router's ILM for the label it was
sent), hop by hop over the links the out ports name. Labels may differ.
VPLS PW ends are compared only with --vpls (the nodes signal VPWS today).
Prints one line per PW end; exits 1 on any disagreement, naming it.
"""
import argparse
import json
import subprocess
import sys


def run_json(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return None
    try:
        return json.loads(r.stdout)
    except ValueError:
        return None


class Nodes:
    def __init__(self, l2vpn, lab):
        self.l2vpn, self.lab = l2vpn, lab
        self.cache = {}
        # (router, out port) -> the router at the link's other end
        self.far = {}
        for l in lab["links"]:
            self.far[(l["a"], l["aPort"])] = l["b"]
            self.far[(l["b"], l["bPort"])] = l["a"]

    def show(self, router, what):
        key = (router, what)
        if key not in self.cache:
            ctl = self.lab["routers"][router]["ctl"]
            self.cache[key] = run_json([self.l2vpn, "ctl", "--node", ctl, "--json", "show"] + what.split())
        return self.cache[key]

    def paths(self, ingress, egress_fec, limit=16):
        """Every router path the nodes' tables take from ingress toward the FEC."""
        out = []

        def nhlfes(st, kind, ident):
            by_id = {n["id"]: n for n in st.get("nhlfes", [])}
            if kind == "nhlfe":
                return [by_id[ident]] if ident in by_id else []
            groups = {g["id"]: g for g in st.get("ecmp_groups", [])}
            return [by_id[i] for i in groups.get(ident, {}).get("nhlfes", []) if i in by_id]

        def walk(router, label, path):
            if len(path) > limit:
                out.append(path + ["(loop)"])
                return
            st = self.show(router, "state")
            if st is None:
                out.append(path + ["(no state from %s)" % router])
                return
            if label is None:
                f = [x for x in st.get("ftn", []) if x["fec"] == egress_fec]
                if not f:
                    out.append(path + ["(no FTN at %s)" % router])
                    return
                hops = nhlfes(st, f[0]["next_hop"]["kind"], f[0]["next_hop"]["id"])
            else:
                i = [x for x in st.get("ilm", []) if x["label"] == label]
                if not i:
                    out.append(path + ["(no ILM %d at %s)" % (label, router)])
                    return
                kind = "nhlfe" if i[0]["action"] == "forward" else "ecmp"
                hops = nhlfes(st, kind, i[0]["target"])
            if not hops:
                out.append(path + ["(no next hop at %s)" % router])
            for n in hops:
                nxt = self.far.get((router, n["out_port"]))
                if nxt is None:
                    out.append(path + ["(port %s of %s: no link)" % (n["out_port"], router)])
                    continue
                labels = n.get("labels") or []
                # pop (PHP) or explicit null: the next router is the egress
                if n["op"] == "pop" or not labels or labels[-1] in (0, 3):
                    out.append(path + [nxt])
                else:
                    walk(nxt, labels[-1] if n["op"] == "swap" else labels[0], path + [nxt])

        walk(ingress, None, [ingress])
        return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("l2vpn")
    p.add_argument("lab_json")
    p.add_argument("--fail-link", action="append", default=[])
    p.add_argument("--vpls", action="store_true")
    a = p.parse_args()
    lab = json.load(open(a.lab_json))
    cmd = [a.l2vpn, "topo", lab["topology"], "--json"]
    for f in a.fail_link:
        cmd += ["--fail-link", f]
    topo = run_json(cmd)
    if topo is None:
        print("disagree: '%s' failed" % " ".join(cmd))
        return 1
    loop = {r["name"]: r["loopback"] for r in topo["routers"]}
    nodes = Nodes(a.l2vpn, lab)
    bad = compared = 0
    for pw in topo["pseudowires"]:
        name = "%s %s %s->%s" % (pw["kind"], pw["service"], pw["router"], pw["peer"])
        if pw["kind"] != "vpws" and not a.vpls:
            print("skip  %-34s (VPLS: not compared without --vpls)" % name)
            continue
        if lab["routers"].get(pw["router"], {}).get("external"):
            print("skip  %-34s (external router)" % name)
            continue
        compared += 1
        want_up = pw["up"]
        want_path = pw["lsp"]["path"] if pw.get("lsp") else []
        l2 = nodes.show(pw["router"], "l2vpn") or {}
        mine = [v for v in l2.values() if v.get("vcId") == pw["pwId"] and v.get("destination") == loop[pw["peer"]]]
        if not mine:
            print("DISAGREE %-31s topo %s, node %s shows no PW %d to %s" %
                  (name, "UP" if want_up else "DOWN", pw["router"], pw["pwId"], loop[pw["peer"]]))
            bad += 1
            continue
        # UP: signalled (LDP) and, when the node has a fast path, forwarding
        # there (it holds the PW up only with an LSP to the far PE).
        got_up = mine[0]["status"] == "up"
        dp = nodes.show(pw["router"], "dataplane")
        if got_up and dp is not None:
            fp = [x for x in dp.get("pseudowires", [])
                  if x.get("pw_id") == pw["pwId"] and x.get("peer") in (loop[pw["peer"]], pw["peer"])]
            if fp and not fp[0].get("up"):
                got_up = False
                mine[0]["reason"] = "signalled UP, down in the fast path"
        paths = nodes.paths(pw["router"], loop[pw["peer"]] + "/32")
        topo_s = "%s via %s" % ("UP" if want_up else "DOWN(%s)" % pw["downReason"], " ".join(want_path) or "-")
        node_s = "%s via %s" % ("UP" if got_up else "DOWN(%s)" % mine[0].get("reason"),
                                " | ".join(" ".join(x) for x in paths) or "-")
        agree = got_up == want_up and (not want_up or want_path in paths)
        if not agree:
            bad += 1
        print("%-8s %-31s topo %-28s nodes %s" % ("agree" if agree else "DISAGREE", name, topo_s, node_s))
    print("%d of %d PW ends agree%s" % (compared - bad, compared,
                                        " (failures: %s)" % ", ".join(a.fail_link) if a.fail_link else ""))
    return 1 if bad or not compared else 0


if __name__ == "__main__":
    sys.exit(main())
