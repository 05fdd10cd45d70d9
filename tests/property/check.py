#!/usr/bin/env python3
"""Invariants of one `l2vpn sim --json` run, from its exit code, stderr and
JSON report alone (docs/property-testing.md).

check(case, rc, stderr, report) -> list of failure strings (empty: passed).
"""


def _sum(rows, key):
    return sum(r[key] for r in rows)


def check(case, rc, stderr, report):
    f = []
    if rc < 0 or rc > 2:
        return [f"crashed or killed: exit code {rc}: {stderr.strip()[-400:]}"]
    if rc == 2:
        return [f"valid input refused (exit 2): {stderr.strip()[-400:]}"]
    if report is None:
        return [f"no JSON report (exit {rc}): {stderr.strip()[-400:]}"]
    t = report["totals"]
    svc = report["services"]
    flows = report["flows"]
    # The report's verdict matches its figures, and the exit code the verdict.
    data = [fl for fl in flows if fl["kind"] != "arp"]
    data_sent = sum(fl["sent"] for fl in data)
    # Copies an H-VPLS spoke switchover delivers (sent before the MTU-s
    # changed hubs, through the old hub and again the new) are the one
    # duplication a correct network shows; the emulator names them per event.
    switch_dups = t.get("duplicated_at_switchover", 0)
    figures_ok = (t["duplicated"] == switch_dups and t["misdelivered"] == 0 and t["stray_frames"] == 0
                  and t["unknown_trailers"] == 0 and t["lost_outside_events"] == 0 and report["drained"]
                  and (not data or data_sent > 0) and t.get("pw_misconfigured_at_end", 0) == 0)
    if report["ok"] != figures_ok:
        f.append(f"ok={report['ok']} but the figures say {figures_ok} ({t})")
    if (rc == 0) != report["ok"]:
        f.append(f"exit code {rc} but ok={report['ok']}")
    # Something was sent, and it was checked.
    if data and data_sent == 0:
        # A generated run too short for its warm-up (ARP over the longest
        # service path, paced by the hosts) sends no data; the report must
        # then say not ok for that reason (checked above: ok equals the
        # figures), and the case checks nothing more about data.
        if report["warmup_ms"] < report["duration_ms"] and not all(
                fl["service"] in case.misconfigured for fl in data):
            f.append(f"no data sent although the warm-up ({report['warmup_ms']} ms) ended before the "
                     f"traffic did ({report['duration_ms']} ms)")
    # Totals add up: services, flows.
    for key in ("sent", "expected", "received", "lost", "duplicated", "misdelivered", "unresolved"):
        if _sum(svc, key) != t[key]:
            f.append(f"totals.{key}={t[key]} but the services add up to {_sum(svc, key)}")
    for key in ("sent", "expected", "received", "lost", "duplicated", "misdelivered"):
        if _sum(flows, key) != t[key]:
            f.append(f"totals.{key}={t[key]} but the flows add up to {_sum(flows, key)}")
    for r in svc + flows:
        if r["expected"] != r["received"] + r["lost"]:
            f.append(f"{r.get('name', r.get('id'))}: expected {r['expected']} != received "
                     f"{r['received']} + lost {r['lost']}")
    if t["lost"] != _sum(report["events"], "lost") + t["lost_outside_events"]:
        f.append(f"lost {t['lost']} != lost in event windows {_sum(report['events'], 'lost')} "
                 f"+ outside {t['lost_outside_events']}")
    if switch_dups != _sum(report["events"], "duplicated_at_switchover"):
        f.append(f"duplicated_at_switchover {switch_dups} != the events' "
                 f"{_sum(report['events'], 'duplicated_at_switchover')}")
    if switch_dups > t["duplicated"]:
        f.append(f"duplicated_at_switchover {switch_dups} > duplicated {t['duplicated']}")
    if switch_dups and (not case.events or "spokes:" not in case.yaml):
        f.append(f"{switch_dups} copies put down to spoke switchovers without events or spokes")
    # The emulator's own verdicts.
    if t["duplicated"] > switch_dups:
        f.append(f"{t['duplicated'] - switch_dups} frames duplicated")
    if t["misdelivered"]:
        f.append(f"{t['misdelivered']} frames misdelivered")
    if t["stray_frames"] or t["unknown_trailers"]:
        f.append(f"{t['stray_frames']} stray frames, {t['unknown_trailers']} unknown trailers")
    # What the case's own configuration explains: a VPWS whose ends signal
    # different MTUs loses all it sends; a VPLS with a tight flood rate may
    # lose broadcasts (only when its routers counted flood_rate_limited).
    flood_drops = report["router_drops"].get("flood_rate_limited", 0)
    explained = {n for n in case.misconfigured} | ({n for n in case.flood_limited} if flood_drops else set())
    lost_explained = sum(s["lost"] for s in svc if s["name"] in explained)
    unresolved_explained = sum(s["unresolved"] for s in svc if s["name"] in explained)
    if t["lost_outside_events"] > lost_explained:
        f.append(f"{t['lost_outside_events']} frames lost outside every event window"
                 + (f" ({lost_explained} explained by {sorted(explained)})" if explained else ""))
    f += check_misconfigured(case, rc, report)
    if not case.events:
        if t["lost"] > lost_explained:
            f.append(f"{t['lost'] - lost_explained} frames lost without any event")
        if t["unresolved"] > unresolved_explained:
            f.append(f"{t['unresolved'] - unresolved_explained} frames not sent (peer unresolved) without any event")
        if t["pw_down_at_end"] > t.get("pw_misconfigured_at_end", 0):
            f.append(f"{t['pw_down_at_end']} pseudowires down at the end without any event "
                     f"({t.get('pw_misconfigured_at_end', 0)} misconfigured)")
        if flood_drops and not case.flood_limited:
            f.append(f"{flood_drops} frames dropped flood_rate_limited but no VPLS has a tight flood rate")
    # Every event given is in the report; every service that was removed is back.
    if len(report["events"]) != len(case.events):
        f.append(f"{len(case.events)} events given, {len(report['events'])} in the report")
    for s in svc:
        if s["state"] == "removed":
            f.append(f"service {s['name']} removed at the end although it was added back")
    # Links: a direction cannot carry more than its rate allows.
    for link in report["links"]:
        if link["utilisation"] > 1.0001:
            f.append(f"link {link['from']}>{link['to']} utilisation {link['utilisation']}")
    if not report["drained"]:
        f.append(f"the network had not drained at {report['end_ms']} ms")
    f += check_routers(case, report)
    f += check_oam(case, report)
    return f


def check_misconfigured(case, rc, report):
    """A VPWS whose ends signal different MTUs: down with mtu_mismatch at
    the end, nothing delivered, counted in pw_misconfigured_at_end, and the
    run not ok whatever the events (its losses may fall in their windows)."""
    f = []
    if not case.misconfigured:
        if report["totals"].get("pw_misconfigured_at_end", 0):
            f.append(f"{report['totals']['pw_misconfigured_at_end']} pseudowires misconfigured in a case with none")
        return f
    for s in report["services"]:
        if s["name"] not in case.misconfigured:
            continue
        if "mtu_mismatch" not in s["state"]:
            f.append(f"VPWS {s['name']} has ends with different MTUs but its state is '{s['state']}'")
        if s["received"]:
            f.append(f"VPWS {s['name']} has ends with different MTUs but delivered {s['received']} frames")
    if report["totals"].get("pw_misconfigured_at_end", 0) < 2 * len(case.misconfigured):
        f.append(f"pw_misconfigured_at_end {report['totals'].get('pw_misconfigured_at_end')} for "
                 f"{len(case.misconfigured)} VPWS with an MTU mismatch (two ends each)")
    if report["ok"] or rc == 0:
        f.append(f"ok={report['ok']}, exit {rc} although VPWS {sorted(case.misconfigured)} never came up")
    return f


def check_oam(case, report):
    """LSP pings of a scenario: each action is in the report; with no event
    every request gets its reply (the FEC is another PE's loopback)."""
    f = []
    oam = report.get("oam", [])
    if len(oam) != case.oam_pings + case.oam_traces:
        return [f"{case.oam_pings} lsp_ping and {case.oam_traces} lsp_trace actions given, {len(oam)} in the report"]
    for o in oam:
        if o["kind"] == "lsp-trace":
            # Without events a trace to another PE's loopback reaches it on
            # every branch it walked, each hop answering.
            if case.events:
                continue
            if o.get("error") or not o.get("paths"):
                f.append(f"lsp_trace {o['action']}: {o.get('error') or 'no path walked'}")
            for p in o.get("paths", []):
                if not p["complete"]:
                    f.append(f"lsp_trace {o['action']}: a branch via {p['out_port']} ended: {p.get('end')}")
                elif any(not h["replied"] for h in p["hops"]):
                    f.append(f"lsp_trace {o['action']}: a hop did not reply on the branch via {p['out_port']}")
            continue
        # With events a later request may find no LSP (its router's only
        # link or neighbor down: seed 3256); without, every PE reaches every PE.
        if o.get("error") and not case.events:
            f.append(f"lsp_ping {o['action']}: {o['error']}")
        elif not case.events and o["received"] != o["sent"]:
            f.append(f"lsp_ping {o['action']}: {o['received']} replies to {o['sent']} requests without any event")
        elif not case.events and any(x["return_code"] != 3 for x in o.get("replies", []) if x.get("replied")):
            f.append(f"lsp_ping {o['action']}: return codes {[x['return_code'] for x in o['replies']]}, "
                     f"not 3 (egress) from the FEC's own PE")
    return f


def check_routers(case, report):
    """Per-router counters: they add up at every router, the drops by reason
    add up to the report's router_drops, and every VPLS that carried data
    learned MACs at each of its PEs."""
    f = []
    routers = report.get("routers")
    if routers is None:
        return ["no per-router counters in the report"]
    drops = {}
    for r in routers:
        got_in = r["rx"] + r["replicas"] + r["oam_sent"]
        went = r["tx"] + r["dropped"] + r["oam_punted"]
        if got_in != went:
            f.append(f"router {r['name']}: rx {r['rx']} + replicas {r['replicas']} + oam_sent {r['oam_sent']} "
                     f"!= tx {r['tx']} + dropped {r['dropped']} + oam_punted {r['oam_punted']}")
        if sum(r["drops"].values()) != r["dropped"]:
            f.append(f"router {r['name']}: drops by reason {r['drops']} do not add up to {r['dropped']}")
        for k, v in r["drops"].items():
            drops[k] = drops.get(k, 0) + v
    if drops != report["router_drops"]:
        f.append(f"per-router drops {drops} != router_drops {report['router_drops']}")
    # Every VPLS that delivered data learned at each PE it is on (a service
    # removed and added back starts a new table: not checked).
    touched = {e.split()[2] for e in case.events if e.split()[1] in ("service-remove", "service-add")}
    for s in report["services"]:
        if s["kind"] != "vpls" or s["received"] == 0 or s["name"] in touched:
            continue
        bds = [(r["name"], b) for r in routers for b in r["bridge_domains"] if b["name"] == s["name"]]
        if not bds:
            f.append(f"VPLS {s['name']} delivered frames but no router has its bridge domain")
        for name, b in bds:
            if b["learned"] == 0:
                f.append(f"VPLS {s['name']} delivered {s['received']} frames but {name} learned no MAC")
            if b["macs"] > b["learned"]:
                f.append(f"VPLS {s['name']} at {name}: {b['macs']} MACs in the table, {b['learned']} learned")
    return f
