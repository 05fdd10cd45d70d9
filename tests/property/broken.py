#!/usr/bin/env python3
"""Seeded broken inputs for `l2vpn topo` and `l2vpn sim`: each must be
refused with exit code 2 and a plain error on stderr naming the file, the
line and the object (or the option), never a crash, never a run
(docs/property-testing.md).

run_broken(l2vpn, seed, workdir, timeout) -> (seed, what, failures)
"""
import os
import random
import subprocess


def _base(rng):
    """A small valid topology; returns (lines, names)."""
    n = rng.randint(3, 6)
    lines = ["name: broken", "routers:"]
    for i in range(n):
        lines.append(f"  - {{name: r{i}, role: {'p' if i == n - 1 else 'pe'}}}")
    lines.append("links:")
    for i in range(1, n):
        lines.append(f"  - {{a: r{i}, b: r{rng.randrange(i)}, delay: {rng.choice(['100us', '1ms'])}}}")
    lines += ["sites:", "  - {name: sa, pe: r0}", "  - {name: sb, pe: r1}",
              "  - {name: sc, pe: r0, port: trunk, vlan: 10, mode: tagged}",
              "  - {name: sd, pe: r1, port: trunk, vlan: 10, mode: tagged}",
              "services:", "  vpls:", "    - {name: v1, sites: [sa, sb]}",
              "  vpws:", "    - {name: w1, sites: [sc, sd]}"]
    return lines


def _line_of(lines, text):
    for i, l in enumerate(lines):
        if text in l:
            return i + 1
    raise KeyError(text)


# Each mutation: (what, f(rng, lines) -> (lines, extra sim args, [expected stderr fragments], where)).
# where: "topo" (both `topo` and `sim` must refuse it) or "sim" (only sim's options/events).
def _m_unknown_key(rng, lines):
    i = _line_of(lines, "name: r1,")
    lines[i - 1] = lines[i - 1].replace("role:", "roel:")
    return lines, [], [f":{i}:", "r1", "roel"], "topo"


def _m_negative_metric(rng, lines):
    i = _line_of(lines, "a: r1,")
    lines[i - 1] = lines[i - 1].replace("}", f", metric: -{rng.randint(1, 99)}}}")
    return lines, [], [f":{i}:", "metric", "r1"], "topo"


def _m_long_delay(rng, lines):
    i = _line_of(lines, "a: r1,")
    lines[i - 1] = lines[i - 1].replace("delay: 100us", "delay: 11s").replace("delay: 1ms", "delay: 11s")
    return lines, [], [f":{i}:", "10 s"], "topo"


def _m_dup_router_and_more(rng, lines):
    # A duplicate router name must not hide the other errors.
    i = _line_of(lines, "name: r1,")
    lines.insert(i, "  - {name: r0, role: pe}")
    j = _line_of(lines, "name: sb,")
    lines[j - 1] = lines[j - 1].replace("pe: r1", "pe: nowhere")
    return lines, [], [f":{i + 1}:", "r0", f":{j}:", "nowhere"], "topo"


def _m_colon_name(rng, lines):
    i = _line_of(lines, "name: r1,")
    lines = [l.replace("r1", "r:1") if ("r1" in l and "r1" in l.split("name: ")[-1][:3]) else l for l in lines]
    lines = [l.replace("a: r1,", "a: 'r:1',").replace("b: r1}", "b: 'r:1'}").replace("pe: r1}", "pe: 'r:1'}")
                .replace("name: r1,", "name: 'r:1',") for l in lines]
    return lines, [], [f":{i}:", "r:1", "':'"], "topo"


def _m_mixed_modes(rng, lines):
    # A VPLS of a raw and a tagged AC (failure 2): refused, naming the sites.
    i = _line_of(lines, "name: v1")
    lines[i - 1] = "    - {name: v1, sites: [sa, sb, se]}"
    j = _line_of(lines, "name: sd,")
    lines.insert(j, "  - {name: se, pe: r2, port: trunk, vlan: 20, mode: tagged}")
    return lines, [], [":", "v1", "se", "raw", "tagged"], "topo"


def _m_mac_limit(rng, lines):
    i = _line_of(lines, "name: v1")
    lines[i - 1] = lines[i - 1].replace("}", f", mac_limit: {rng.choice([16777217, 0, -1])}}}")
    return lines, [], [f":{i}:", "v1", "mac_limit"], "topo"


def _m_site_on_p(rng, lines):
    i = _line_of(lines, "name: sb,")
    last = max(int(l.split("name: r")[1].split(",")[0]) for l in lines if "name: r" in l)
    lines[i - 1] = lines[i - 1].replace("pe: r1", f"pe: r{last}")
    return lines, [], [f":{i}:", "sb", f"r{last}"], "topo"


def _m_vpls_too_big(rng, lines):
    # More members than a bridge domain holds (failure 7): topo and sim agree.
    n = rng.randint(1024, 1100)
    i = _line_of(lines, "name: v1")
    lines[i - 1] = "    - {name: v1, sites: [sb, " + ", ".join(f"x{k}" for k in range(n)) + "]}"
    j = _line_of(lines, "name: sd,")
    for k in range(n):
        lines.insert(j, f"  - {{name: x{k}, pe: r0, port: big, vlan: {k + 100}}}")
    return lines, [], ["v1", "r0", "1024"], "topo"


def _m_event_unknown_link(rng, lines):
    return lines, ["--event", "50ms link-down r0:nowhere"], ["r0:nowhere"], "sim"


def _m_event_negative(rng, lines):
    return lines, ["--event", "-5ms link-down r0:r1"], ["-5ms"], "sim"


def _m_event_past_end(rng, lines):
    return lines, ["--duration", "100ms", "--event", "5s link-down r1:r0"], ["5s", "after the end"], "sim"


def _m_duration_negative(rng, lines):
    return lines, ["--duration", rng.choice(["-1s", "1e4s", "10x"])], ["--duration"], "sim"


def _m_duration_huge(rng, lines):
    return lines, ["--duration", "100000s"], ["duration", "maximum of 1000 s"], "sim"


def _m_service_add_present(rng, lines):
    return lines, ["--event", "50ms service-add v1"], ["v1", "already"], "sim"


MUTATIONS = [_m_unknown_key, _m_negative_metric, _m_long_delay, _m_dup_router_and_more, _m_colon_name,
             _m_mixed_modes, _m_mac_limit, _m_site_on_p, _m_vpls_too_big, _m_event_unknown_link,
             _m_event_negative, _m_event_past_end, _m_duration_negative, _m_duration_huge,
             _m_service_add_present]


def run_broken(l2vpn, seed, workdir, timeout=60):
    rng = random.Random(seed * 7919 + 17)
    m = MUTATIONS[seed % len(MUTATIONS)]
    lines, extra, expect, where = m(rng, _base(rng))
    path = os.path.join(workdir, f"broken-{seed}.yaml")
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    fails = []
    duration = [] if "--duration" in extra else ["--duration", "50ms"]
    cmds = [[l2vpn, "sim", path, "--file-prefix", f"brk-{os.getpid()}-{seed}"] + duration + extra]
    if where == "topo":
        cmds.insert(0, [l2vpn, "topo", path])
    for cmd in cmds:
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            fails.append(f"{cmd[1]}: timed out")
            continue
        err = p.stderr
        if p.returncode != 2:
            fails.append(f"{cmd[1]}: exit {p.returncode}, want 2; stderr: {err.strip()[-300:]}")
        if where == "topo" and os.path.basename(path) not in err:
            fails.append(f"{cmd[1]}: the error does not name the file: {err.strip()[-300:]}")
        for e in expect:
            if e not in err:
                fails.append(f"{cmd[1]}: stderr lacks {e!r}: {err.strip()[-300:]}")
        if "[error]" in err or "[error]" in p.stdout:
            fails.append(f"{cmd[1]}: error printed as a log line, not plainly: {err.strip()[-200:]}")
        if "result:" in p.stdout:
            fails.append(f"{cmd[1]}: ran although the input is broken")
    if not fails:
        os.unlink(path)
    return seed, m.__name__[3:], fails
