#!/usr/bin/env python3
"""Seeded generator of valid topologies and scenarios for `l2vpn sim`.

generate(seed, max_routers) -> Case: a topology (YAML text), the sim options
(duration, cp-delay, arp-interval, hosts, events) and a description. The
same seed gives the same case. Everything it writes is valid input: the
emulator must load it, run it and report it truthfully (check.py).

Covers: backbones of 4..max_routers routers (a random spanning tree plus
extra links: 2-connected or not), P/PE roles, random metrics, delays,
bandwidths and MTUs, parallel links, explicit null, VPWS with raw, VLAN and
tagged ACs, per-end MTU/control word, VPLS of 2-8 sites (raw or tagged,
ingress replication or P2MP, mac_limit, aging, flood rate), H-VPLS spokes
with one or two hubs, and random events (link and router down/up, service
remove/add, MAC floods). From a second generator (earlier seeds' cases are
unchanged where it adds nothing): the backbone as a GraphML file (nodes with
coordinates or without, LinkSpeedRaw, `backbone.pe`, metric from distance,
hops or a constant, parallel YAML links), and the run as a scenario file
(lfa, BFD on every PW, LSP pings to another PE's loopback).
docs/property-testing.md.
"""
import math
import os
import random
from dataclasses import dataclass, field


@dataclass
class Case:
    seed: int
    yaml: str
    duration_ms: int
    cp_delay_ms: int
    arp_interval_ms: int
    hosts: int
    events: list = field(default_factory=list)   # "TIME verb args"
    windows: list = field(default_factory=list)  # (start_ms, end_ms) disruptive
    summary: str = ""
    files: dict = field(default_factory=dict)    # other files beside the topology (name -> text)
    scenario: str = ""                           # a scenario file's name in `files`: run with it
    oam_pings: int = 0                           # lsp_ping actions in the scenario
    oam_traces: int = 0                          # lsp_trace actions in the scenario
    misconfigured: set = field(default_factory=set)  # VPWS whose ends signal different MTUs
    flood_limited: set = field(default_factory=set)  # VPLS with a flood rate some ARPs may exceed

    def args(self, workdir=""):
        if self.scenario:
            return ["--scenario", os.path.join(workdir, self.scenario)]
        a = ["--duration", f"{self.duration_ms}ms", "--seed", str(self.seed),
             "--cp-delay", f"{self.cp_delay_ms}ms", "--arp-interval", f"{self.arp_interval_ms}ms",
             "--hosts", str(self.hosts), "--memcached-rps", "500", "--redis-mbps", "5",
             "--imix-pps", "500"]
        for e in self.events:
            a += ["--event", e]
        return a


def _delay(rng):
    return rng.choice(["10us", "50us", "100us", "250us", "500us", "1ms", "2ms", "3ms"])


def generate(seed, max_routers=60):
    rng = random.Random(seed)
    n = rng.randint(4, max(4, max_routers))
    names = [f"r{i}" for i in range(n)]
    p_share = rng.choice([0.0, 0.2, 0.4])
    roles = {r: ("p" if rng.random() < p_share else "pe") for r in names}
    pes = [r for r in names if roles[r] == "pe"]
    while len(pes) < 2:
        r = rng.choice([x for x in names if roles[x] == "p"])
        roles[r] = "pe"
        pes = [x for x in names if roles[x] == "pe"]

    # Spanning tree, then extra links (a ring makes it 2-connected).
    links = []
    order = names[:]
    rng.shuffle(order)
    for i in range(1, n):
        links.append((order[i], order[rng.randrange(i)]))
    if rng.random() < 0.6:
        links.append((order[0], order[-1]))
    for _ in range(rng.randint(0, n)):
        a, b = rng.sample(names, 2)
        if (a, b) not in links and (b, a) not in links:
            links.append((a, b))
    lines = [f"name: prop-{seed}", "routers:"]
    explicit_null = set()
    for r in names:
        extra = ", explicit_null: true" if rng.random() < 0.1 else ""
        if extra:
            explicit_null.add(r)
        lines.append(f"  - {{name: {r}, role: {roles[r]}{extra}}}")
    lines.append("links:")
    link_list, link_specs = [], []
    for a, b in links:
        metric = rng.choice([1, 5, 10, 10, 20, 50, 100, rng.randint(1, 1000)])
        bw = rng.choice(["1G", "10G", "10G", "40G", "100G", "2.5Gbps"])
        mtu = rng.choice([1600, 4470, 9000, 9600])
        lines.append(f"  - {{a: {a}, b: {b}, metric: {metric}, bandwidth: {bw}, delay: {_delay(rng)}, mtu: {mtu}}}")
        link_list.append((a, b))
        link_specs.append({"a": a, "b": b, "bw": bw, "parallel": None})
        if rng.random() < 0.05:  # a parallel link (ECMP)
            lines.append(f"  - {{a: {a}, b: {b}, metric: {metric}, delay: {_delay(rng)}}}")
            link_specs[-1]["parallel"] = lines[-1]

    sites, vpws, vpls = [], [], []
    site_no = [0]
    port_vlans = {}

    def new_site(pe, mode="raw", vlan=None):
        site_no[0] += 1
        name = f"s{site_no[0]}"
        if vlan is None and mode == "raw" and rng.random() < 0.6:
            sites.append(f"  - {{name: {name}, pe: {pe}}}")
            return name
        port = f"trunk{rng.randint(0, 1)}"
        used = port_vlans.setdefault((pe, port), set())
        v = vlan or rng.randint(1, 4094)
        if v in used:  # the service's VLAN is taken on this trunk: the other trunk
            port = "trunk1" if port == "trunk0" else "trunk0"
            used = port_vlans.setdefault((pe, port), set())
        while v in used:
            v = rng.randint(1, 4094)
        used.add(v)
        sites.append(f"  - {{name: {name}, pe: {pe}, port: {port}, vlan: {v}, mode: {mode}}}")
        return name

    pw_id = [rng.randint(1, 1000)]

    def next_id():
        pw_id[0] += rng.randint(1, 50)
        return pw_id[0]

    vpws_ends = []
    for i in range(rng.randint(0, 4)):
        a, b = rng.sample(pes, 2)
        mode = rng.choice(["raw", "raw", "tagged"])
        # Tagged: the tag crosses the PW as it is, so both ends use one VLAN.
        vlan = rng.randint(1, 4094) if mode == "tagged" else None
        sa, sb = new_site(a, mode, vlan), new_site(b, mode, vlan)
        cw = "" if rng.random() < 0.7 else f", control_word: {rng.choice(['true', 'false'])}"
        fl = ", flow_label: true" if rng.random() < 0.2 else ""
        mtu = rng.choice([1500, 1500, 1400, 9000]) if True else 1500
        vpws.append(f"    - {{name: w{i}, pw_id: {next_id()}, sites: [{sa}, {sb}], mtu: {mtu}{cw}{fl}}}")
        vpws_ends.append((f"w{i}", sb, mtu))

    hvpls_used = False
    for i in range(rng.randint(0 if vpws else 1, 3)):
        k = rng.randint(2, min(8, max(2, len(pes))))
        members = rng.sample(pes, min(k, len(pes)))
        mode = rng.choice(["raw", "raw", "tagged"])
        vlan = rng.randint(1, 4094) if mode == "tagged" else None
        ss = [new_site(pe, mode, vlan) for pe in members]
        if rng.random() < 0.15 and len(members) >= 2:  # two sites on one PE
            ss.append(new_site(members[0], mode, vlan))
        opts = []
        bum = "p2mp" if rng.random() < 0.3 else "ingress"
        if bum == "p2mp":
            opts.append("bum: p2mp")
        if rng.random() < 0.3:
            opts.append(f"mac_limit: {rng.choice([64, 1024, 4096, 65536])}")
        if rng.random() < 0.2:
            opts.append(f"aging: {rng.choice([1, 30, 300])}")
        if rng.random() < 0.1:
            opts.append("control_word: false")
        spokes = ""
        if not hvpls_used and bum == "ingress" and len(pes) >= 4 and rng.random() < 0.3:
            # H-VPLS: an MTU-s (a PE not in the mesh) with sites, one or two hubs.
            free = [p for p in pes if p not in members]
            if free:
                mtu_s = rng.choice(free)
                hubs = rng.sample(members, min(len(members), rng.choice([1, 2])))
                ss.append(new_site(mtu_s, mode, vlan))
                spokes = f", spokes: [{{mtu_s: {mtu_s}, hubs: [{', '.join(hubs)}]}}]"
                hvpls_used = True
        extra = (", " + ", ".join(opts)) if opts else ""
        vpls.append(f"    - {{name: v{i}, vsi_id: {next_id()}, sites: [{', '.join(ss)}]{extra}{spokes}}}")

    lines.append("sites:")
    lines += sites
    lines.append("services:")
    if vpws:
        lines.append("  vpws:")
        lines += vpws
    if vpls:
        lines.append("  vpls:")
        lines += vpls

    duration = rng.choice([100, 200, 300])
    case = Case(seed=seed, yaml="\n".join(lines) + "\n", duration_ms=duration,
                cp_delay_ms=rng.choice([0, 10, 50]), arp_interval_ms=rng.choice([5, 20, 100]),
                hosts=rng.choice([1, 2]))
    # Events: each disruption inside the run, its repair before the end.
    service_names = [f"w{i}" for i in range(len(vpws))] + [f"v{i}" for i in range(len(vpls))]
    p_routers = [r for r in names if roles[r] == "p"]
    ev = []
    # One disruption per object: two overlapping (a service removed twice)
    # are refused as they should be. Skipped without drawing anything else,
    # so the other seeds' cases stay as they were.
    used = set()

    def first_use(obj):
        if obj in used:
            return False
        used.add(obj)
        return True

    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        t0 = rng.randint(duration // 5, duration // 2)
        t1 = rng.randint(t0 + 5, max(t0 + 6, duration * 4 // 5))
        kind = rng.choice(["link", "link", "router", "service", "flood"])
        if kind == "link":
            a, b = rng.choice(link_list)
            if first_use(("link", a, b)):
                ev += [(t0, f"link-down {a}:{b}"), (t1, f"link-up {a}:{b}")]
        elif kind == "router" and p_routers:
            r = rng.choice(p_routers)
            if first_use(("router", r)):
                ev += [(t0, f"router-down {r}"), (t1, f"router-up {r}")]
        elif kind == "service" and service_names:
            s = rng.choice(service_names)
            if first_use(("service", s)):
                ev += [(t0, f"service-remove {s}"), (t1, f"service-add {s}")]
        elif vpls:
            ev.append((t0, f"mac-flood {sites[0].split('name: ')[1].split(',')[0]} {rng.randint(1, 2000)}"))
    ev.sort()
    case.events = [f"{t}ms {what}" for t, what in ev]
    # Variations drawn from a second generator, so that the draws above (and
    # the cases of earlier seeds without them) stay as they were.
    rng2 = random.Random(seed * 1000003 + 17)
    if rng2.random() < 0.2:
        _as_graphml(case, rng2, seed, names, roles, explicit_null, link_specs, lines)
    if rng2.random() < 0.3:
        _as_scenario(case, rng2, seed, names, roles, ev, bool(vpws or vpls))
    if vpws_ends and rng2.random() < 0.1:
        # One VPWS end signals another MTU: the PW stays down (mtu_mismatch)
        # and the run must say not ok, naming it, whatever the events.
        name, site, mtu = rng2.choice(vpws_ends)
        _set_site_key(case, site, f"mtu: {rng2.choice([m for m in (1400, 1500, 9000) if m != mtu])}")
        case.misconfigured.add(name)
    if vpls and rng2.random() < 0.15:
        # A flood rate: generous (nothing may be dropped for it) or tight
        # (ARP bursts exceed it: drops counted flood_rate_limited).
        name = f"v{rng2.randrange(len(vpls))}"
        rate = rng2.choice([50, 100000])
        case.yaml = case.yaml.replace(f"    - {{name: {name}, ", f"    - {{name: {name}, flood_rate: {rate}, ", 1)
        if rate < 1000:
            case.flood_limited.add(name)
    case.summary = (f"{n} routers ({len(pes)} PE), {len(links)} links, {len(vpws)} VPWS, "
                    f"{len(vpls)} VPLS, {len(ev)} events"
                    + (", GraphML backbone" if f"prop-{seed}.graphml" in case.files else "")
                    + (", scenario file" if case.scenario else "")
                    + (f", {case.oam_pings} LSP pings" if case.oam_pings else "")
                    + (f", {case.oam_traces} LSP traces" if case.oam_traces else "")
                    + (f", MTU mismatch on {sorted(case.misconfigured)}" if case.misconfigured else "")
                    + (f", tight flood rate on {sorted(case.flood_limited)}" if case.flood_limited else ""))
    return case


def _set_site_key(case, site, kv):
    """Adds `kv` to site `site`'s line in the topology (and in nothing else)."""
    lines = case.yaml.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(f"  - {{name: {site}, pe: "):
            lines[i] = line[:-1] + f", {kv}}}"
            break
    else:
        raise AssertionError(f"site {site} not in the topology")
    case.yaml = "\n".join(lines)


def _as_graphml(case, rng, seed, names, roles, explicit_null, link_specs, lines):
    """The same backbone as a GraphML file (nodes with coordinates in a
    region about 500 km wide, so delays come from distances; some links with
    LinkSpeedRaw) under a YAML `backbone:`; roles by `backbone.pe`."""
    gname = f"prop-{seed}.graphml"
    idx = {r: i for i, r in enumerate(names)}
    g = ['<?xml version="1.0" encoding="utf-8"?>',
         '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
         '  <key attr.name="label" attr.type="string" for="node" id="d0" />',
         '  <key attr.name="Latitude" attr.type="double" for="node" id="d1" />',
         '  <key attr.name="Longitude" attr.type="double" for="node" id="d2" />',
         '  <key attr.name="LinkSpeedRaw" attr.type="double" for="edge" id="d3" />',
         '  <graph edgedefault="undirected">']
    for r in names:
        coords = ""
        if rng.random() < 0.95:  # a node without coordinates: its links take the defaults
            coords = (f'<data key="d1">{45 + rng.uniform(-2, 2):.4f}</data>'
                      f'<data key="d2">{5 + rng.uniform(-3, 3):.4f}</data>')
        g.append(f'    <node id="{idx[r]}"><data key="d0">{r}</data>{coords}</node>')
    speeds = {"1G": 1e9, "10G": 1e10, "40G": 4e10, "100G": 1e11, "2.5Gbps": 2.5e9}
    for l in link_specs:
        speed = f'<data key="d3">{speeds[l["bw"]]:.0f}</data>' if rng.random() < 0.5 else ""
        g.append(f'    <edge source="{idx[l["a"]]}" target="{idx[l["b"]]}">{speed}</edge>')
    g += ["  </graph>", "</graphml>"]
    case.files[gname] = "\n".join(g) + "\n"
    pes = [r for r in names if roles[r] == "pe"]
    metric = rng.choice(["distance", "hops", str(rng.choice([1, 10, 100]))])
    head = [f"name: prop-{seed}",
            f"backbone: {{graphml: {gname}, pe: [{', '.join(pes)}], metric: {metric}, "
            f"mtu: {rng.choice([1600, 9000, 9600])}}}"]
    routers = [f"  - {{name: {r}, explicit_null: true}}" for r in names if r in explicit_null]
    head += ["routers:"] + routers if routers else []
    parallels = [l["parallel"].replace("}", ", parallel: true}") for l in link_specs if l["parallel"]]
    head += ["links:"] + parallels if parallels else []
    rest = lines[lines.index("sites:"):]
    case.yaml = "\n".join(head + rest) + "\n"


def _as_scenario(case, rng, seed, names, roles, ev, has_services):
    """The run's settings, timeline and workload as a scenario file
    (`--scenario`), sometimes with BFD on every PW and LSP pings between PEs."""
    sname = f"prop-{seed}-scenario.yaml"
    y = [f"# property case {seed}", f"duration: {case.duration_ms}ms", f"seed: {seed}",
         f"control_plane_delay: {case.cp_delay_ms}ms"]
    if rng.random() < 0.2:
        y.append(f"lfa: {rng.choice(['true', 'false'])}")
    if has_services and rng.random() < 0.3:
        y.append(f"bfd: {{interval: {rng.choice([10, 50, 100])}ms, multiplier: {rng.choice([3, 5])}}}")
    events = []
    keys = {"link-down": "link_down", "link-up": "link_up", "router-down": "router_down",
            "router-up": "router_up", "service-remove": "service_remove", "service-add": "service_add"}
    for t, what in ev:
        verb, arg = what.split(" ", 1)
        if verb == "mac-flood":
            site, frames = arg.split()
            events.append(f"  - {{at: {t}ms, mac_flood: {site}, frames: {frames}}}")
        else:
            events.append(f"  - {{at: {t}ms, {keys[verb]}: {arg}}}")
    pes = [r for r in names if roles[r] == "pe"]
    if rng.random() < 0.3 and len(pes) >= 2 and not case.yaml.startswith(f"name: prop-{seed}\nbackbone"):
        # Default loopbacks: the i-th router (file order) 10.255.(i / 254).(i % 254 + 1).
        a, b = rng.sample(pes, 2)
        i = names.index(b)
        at = rng.randint(case.duration_ms // 10, case.duration_ms // 2)
        events.append(f"  - {{at: {at}ms, lsp_ping: {a}, fec: 10.255.{i // 254}.{i % 254 + 1}/32, count: 3}}")
        case.oam_pings = 1
    if len(pes) >= 2 and not case.yaml.startswith(f"name: prop-{seed}\nbackbone") and rng.random() < 0.4:
        a, b = rng.sample(pes, 2)
        i = names.index(b)
        at = rng.randint(case.duration_ms // 10, case.duration_ms // 2)
        mp = ", multipath: true" if rng.random() < 0.5 else ""
        events.append(f"  - {{at: {at}ms, lsp_trace: {a}, fec: 10.255.{i // 254}.{i % 254 + 1}/32{mp}}}")
        case.oam_traces = 1
    if events:
        y += ["events:"] + events
    y += ["workload:", f"  hosts_per_site: {case.hosts}", "  memcached_rps: 500/s", "  redis_rate: 5Mbps",
          "  imix_rate: 500/s", f"  arp_interval: {case.arp_interval_ms}ms"]
    case.files[sname] = "\n".join(y) + "\n"
    case.scenario = sname


if __name__ == "__main__":
    import sys
    c = generate(int(sys.argv[1]) if len(sys.argv) > 1 else 1,
                 int(sys.argv[2]) if len(sys.argv) > 2 else 60)
    sys.stdout.write(c.yaml)
    print("# " + " ".join(repr(x) if " " in x else x for x in c.args()))
    print("# " + c.summary)
