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
    figures_ok = (t["duplicated"] == 0 and t["misdelivered"] == 0 and t["stray_frames"] == 0
                  and t["unknown_trailers"] == 0 and t["lost_outside_events"] == 0 and report["drained"]
                  and (not data or data_sent > 0))
    if report["ok"] != figures_ok:
        f.append(f"ok={report['ok']} but the figures say {figures_ok} ({t})")
    if (rc == 0) != report["ok"]:
        f.append(f"exit code {rc} but ok={report['ok']}")
    # Something was sent, and it was checked.
    if data and data_sent == 0:
        f.append("no data sent")
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
    # The emulator's own verdicts.
    if t["duplicated"]:
        f.append(f"{t['duplicated']} frames duplicated")
    if t["misdelivered"]:
        f.append(f"{t['misdelivered']} frames misdelivered")
    if t["stray_frames"] or t["unknown_trailers"]:
        f.append(f"{t['stray_frames']} stray frames, {t['unknown_trailers']} unknown trailers")
    if t["lost_outside_events"]:
        f.append(f"{t['lost_outside_events']} frames lost outside every event window")
    if not case.events:
        if t["lost"]:
            f.append(f"{t['lost']} frames lost without any event")
        if t["unresolved"]:
            f.append(f"{t['unresolved']} frames not sent (peer unresolved) without any event")
        if t["pw_down_at_end"]:
            f.append(f"{t['pw_down_at_end']} pseudowires down at the end without any event")
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
    return f
