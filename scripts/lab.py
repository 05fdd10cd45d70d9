#!/usr/bin/env python3
"""Builds any topology of ours on one machine as `l2vpn node` processes
(scripts/lab.sh is the front end; docs/lab.md).

  lab.py up TOPOLOGY [--prefix P] [--workdir DIR] [--l2vpn BIN] [--node-args ARGS]
  lab.py down [--prefix P]
  lab.py status [--prefix P]
  lab.py start-node ROUTER [--prefix P]      (re)start one router's node
  lab.py frr-conf TOPOLOGY ROUTER [--network CIDR]   one router's FRR config, for its own machine

What `up` builds, from `l2vpn topo TOPOLOGY --json` (which validates the file
first and gives the loopbacks as the loader assigns them):
  - a namespace P<router> per router: its loopback on lo, forwarding on;
  - a veth per link, named in each namespace as the topology names the port
    (to-<peer> by default), 10.0.X.Y/30 on each end, MTU 1600 (a full frame
    plus a VLAN tag, two labels and the control word);
  - FRR's zebra + ospfd beside each router (hello 1 s, dead 3 s, the link's
    metric as the OSPF cost), config in WORKDIR/<router>.frr/;
  - one `l2vpn node TOPOLOGY --router R` per router not marked external, its
    log WORKDIR/<router>.node.log, control socket WORKDIR/<router>.sock;
  - per PE port with sites on it, a host namespace P<pe>-<port> whose eth0
    is a veth to that port (no offloads, no IPv6); an untagged site's address
    on eth0, a VLAN site's on eth0.<vid> (8021q) or, when the kernel lacks
    8021q, on a tap v<vid> that scripts/lab_vlan_shim.py joins to eth0
    (tagging and untagging in user space; said on the console).
Addresses: a VPWS (k-th in the file) 10.9.k.1 and .2/24 at its two sites; a
VPLS 10.8.k.(i+1)/24 at its i-th site. WORKDIR/lab.json records it all
(`status` prints it); /tmp/l2vpn-lab-P.json points at it, so `down` finds
it. `down` also removes any namespace named P* and the processes in it.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FRR = "/usr/lib/frr"
CORE_MTU = 1600


CLEANUP_HINT = ""  # set once `up` has built something


def die(msg, code=1):
    print(f"lab: {msg}", file=sys.stderr)
    if CLEANUP_HINT:
        print(f"lab: {CLEANUP_HINT}", file=sys.stderr)
    sys.exit(code)


def sh(*args, check=True, quiet=False):
    r = subprocess.run(args, capture_output=True, text=True)
    if check and r.returncode != 0:
        die(f"'{' '.join(args)}' failed: {r.stderr.strip() or r.stdout.strip()}")
    return r


def pointer(prefix):
    return f"/tmp/l2vpn-lab-{prefix}.json"


def nsexec(ns, *args, **kw):
    return sh("ip", "netns", "exec", ns, *args, **kw)


def has_8021q():
    probe = "l2vpnlab8021q"
    sh("ip", "link", "add", probe, "type", "dummy", check=False)
    ok = sh("ip", "link", "add", "link", probe, "name", probe + ".7", "type", "vlan", "id", "7", check=False).returncode == 0
    sh("ip", "link", "del", probe, check=False)
    return ok


def load(topology, l2vpn):
    r = subprocess.run([l2vpn, "topo", topology, "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        die(f"{topology}: not a topology we can build: {r.stderr.strip()}", 2)
    return json.loads(r.stdout)


def plan(topo, prefix):
    """Namespaces, links with addresses, host attachments, from the topology JSON."""
    routers = {r["name"]: r for r in topo["routers"]}
    # Each port is a kernel interface of its name: the kernel's limit is 15 characters.
    long_ports = [f"{l['a']}:{l['aPort']}" for l in topo["links"] if len(l["aPort"]) > 15]
    long_ports += [f"{l['b']}:{l['bPort']}" for l in topo["links"] if len(l["bPort"]) > 15]
    long_ports += [f"{s['pe']}:{s['port']}" for s in topo["sites"] if len(s["port"]) > 15]
    if long_ports:
        die(f"{topo['source']}: port names longer than 15 characters (the kernel's limit for an interface, "
            f"which `l2vpn node` names after its port): {', '.join(sorted(set(long_ports)))}; name them "
            f"(a_port/b_port on links, port on sites)", 2)
    links = []
    for i, l in enumerate(topo["links"]):
        if i >= 16384:
            die("more than 16384 links: the 10.0.0.0/16 link addressing is full")
        base = f"10.0.{i // 64}.{(i % 64) * 4}"
        o = base.split(".")
        a_ip = ".".join(o[:3] + [str(int(o[3]) + 1)])
        b_ip = ".".join(o[:3] + [str(int(o[3]) + 2)])
        links.append({"a": l["a"], "b": l["b"], "aPort": l["aPort"], "bPort": l["bPort"], "metric": l["metric"],
                      "aIp": a_ip, "bIp": b_ip})
    # Site addresses from the services they belong to.
    addr = {}
    for k, v in enumerate(topo["vpws"]):
        for j, s in enumerate(v["sites"]):
            addr[s] = {"ip": f"10.9.{k % 256}.{j + 1}", "len": 24, "service": v["name"], "kind": "vpws"}
    for k, v in enumerate(topo["vpls"]):
        for j, s in enumerate(v["sites"]):
            addr[s] = {"ip": f"10.8.{k % 256}.{j + 1}", "len": 24, "service": v["name"], "kind": "vpls"}
    hosts = {}  # (pe, port) -> attachment
    for s in topo["sites"]:
        key = (s["pe"], s["port"])
        if key not in hosts:
            hosts[key] = {"ns": f"{prefix}{s['pe']}-{s['port']}", "pe": s["pe"], "port": s["port"], "sites": []}
        site = {"name": s["name"], "vlan": s["vlan"], "mode": s["mode"]}
        if s["name"] in addr:
            site.update(addr[s["name"]])
        hosts[key]["sites"].append(site)
    return routers, links, list(hosts.values())


def frr_conf(r, lo, ifs, d, network="10.0.0.0/16"):
    out = [f"hostname {r}", f"log file {d}/frr.log"]
    for ifn, cost in ifs:
        out += [f"interface {ifn}", " ip ospf network point-to-point", f" ip ospf cost {cost}",
                " ip ospf hello-interval 1", " ip ospf dead-interval 3", "exit"]
    out += ["router ospf", f" ospf router-id {lo}", f" network {network} area 0", f" network {lo}/32 area 0",
            " timers throttle spf 0 50 500", "exit", ""]
    return "\n".join(out)


def start_node(state, r):
    w = state["workdir"]
    pidf = f"{w}/{r}.node.pid"
    if os.path.exists(pidf):
        try:
            os.kill(int(open(pidf).read()), 0)
            die(f"router {r}'s node still runs (pid {open(pidf).read().strip()})")
        except (ProcessLookupError, ValueError):
            pass
    log = open(f"{w}/{r}.node.log", "a")
    cmd = ["ip", "netns", "exec", state["prefix"] + r, state["l2vpn"], "node", state["topology"], "--router", r,
           "--ctl", f"{w}/{r}.sock", "--verbose"] + state["nodeArgs"].split()
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    open(pidf, "w").write(str(p.pid))
    return p.pid


def up(a):
    l2vpn = os.path.abspath(a.l2vpn)
    if not os.access(l2vpn, os.X_OK):
        die(f"no l2vpn binary at {l2vpn} (build it: cmake --build build --target l2vpn, or --l2vpn BIN)")
    if os.geteuid() != 0:
        die("needs root (network namespaces, veths, FRR)")
    for t in ("zebra", "ospfd"):
        if not os.access(f"{FRR}/{t}", os.X_OK):
            die(f"{FRR}/{t} missing (Debian package frr; scripts/setup-deps.sh installs it)")
    topology = os.path.abspath(a.topology)
    topo = load(topology, l2vpn)
    if os.path.exists(pointer(a.prefix)):
        die(f"a lab with prefix '{a.prefix}' exists ({pointer(a.prefix)}): scripts/lab.sh down --prefix {a.prefix}")
    routers, links, hosts = plan(topo, a.prefix)
    w = os.path.abspath(a.workdir or f"/tmp/{a.prefix}lab")
    os.makedirs(w, exist_ok=True)
    os.chmod(w, 0o777)
    vlan_kernel = has_8021q()
    state = {"prefix": a.prefix, "workdir": w, "topology": topology, "l2vpn": l2vpn, "nodeArgs": a.node_args,
             "routers": {}, "links": links, "hosts": hosts, "vlanShim": not vlan_kernel, "notes": []}
    json.dump(state, open(pointer(a.prefix), "w"))  # from here on, `down` can clean up
    global CLEANUP_HINT
    CLEANUP_HINT = f"the lab is half built: scripts/lab.sh down --prefix {a.prefix} removes it"

    def save():
        json.dump(state, open(f"{w}/lab.json", "w"), indent=2)
        json.dump({"workdir": w}, open(pointer(a.prefix), "w"))

    save()
    for r in routers.values():
        ns = a.prefix + r["name"]
        state["routers"][r["name"]] = {"ns": ns, "loopback": r["loopback"], "external": r["external"],
                                       "ctl": f"{w}/{r['name']}.sock"}
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        nsexec(ns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        if r["loopback"]:
            sh("ip", "-n", ns, "addr", "add", r["loopback"] + "/32", "dev", "lo")
    save()
    ospf_ifs = {r: [] for r in routers}

    def veth(ns_a, if_a, ns_b, if_b):
        ta, tb = f"lt{os.getpid() % 100000}a", f"lt{os.getpid() % 100000}b"
        sh("ip", "link", "add", ta, "type", "veth", "peer", "name", tb)
        sh("ip", "link", "set", ta, "netns", ns_a)
        sh("ip", "-n", ns_a, "link", "set", ta, "name", if_a)
        sh("ip", "link", "set", tb, "netns", ns_b)
        sh("ip", "-n", ns_b, "link", "set", tb, "name", if_b)

    for l in links:
        na, nb = a.prefix + l["a"], a.prefix + l["b"]
        veth(na, l["aPort"], nb, l["bPort"])
        for ns, ifn, ip, r in ((na, l["aPort"], l["aIp"], l["a"]), (nb, l["bPort"], l["bIp"], l["b"])):
            sh("ip", "-n", ns, "link", "set", ifn, "mtu", str(CORE_MTU))
            sh("ip", "-n", ns, "addr", "add", ip + "/30", "dev", ifn)
            sh("ip", "-n", ns, "link", "set", ifn, "up")
            ospf_ifs[r].append((ifn, l["metric"]))
    for h in hosts:
        sh("ip", "netns", "add", h["ns"])
        sh("ip", "-n", h["ns"], "link", "set", "lo", "up")
        pe_ns = a.prefix + h["pe"]
        veth(h["ns"], "eth0", pe_ns, h["port"])
        nsexec(pe_ns, "sysctl", "-qw", f"net.ipv6.conf.{h['port']}.disable_ipv6=1")
        nsexec(h["ns"], "sysctl", "-qw", "net.ipv6.conf.eth0.disable_ipv6=1")
        # af_packet takes frames as the veth has them: no GSO super-frames, no
        # checksums left to "hardware".
        nsexec(h["ns"], "ethtool", "-K", "eth0", "tx", "off", "tso", "off", "gso", "off", "gro", "off", check=False)
        nsexec(pe_ns, "ethtool", "-K", h["port"], "tx", "off", "tso", "off", "gso", "off", "gro", "off",
               check=False)
        sh("ip", "-n", h["ns"], "link", "set", "eth0", "up")
        sh("ip", "-n", pe_ns, "link", "set", h["port"], "up")
        shim = []
        for s in h["sites"]:
            ifn = "eth0"
            if s["vlan"]:
                if vlan_kernel:
                    ifn = f"eth0.{s['vlan']}"
                    sh("ip", "-n", h["ns"], "link", "add", "link", "eth0", "name", ifn, "type", "vlan", "id",
                       str(s["vlan"]))
                else:
                    ifn = f"v{s['vlan']}"
                    shim.append(f"{s['vlan']}:{ifn}")
            s["interface"] = ifn
        if shim:
            log = open(f"{w}/{h['ns']}.shim.log", "a")
            p = subprocess.Popen(["ip", "netns", "exec", h["ns"], sys.executable,
                                  os.path.join(ROOT, "scripts", "lab_vlan_shim.py"), "eth0"] + shim,
                                 stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 start_new_session=True)
            h["shimPid"] = p.pid
            for _ in range(50):
                if all(sh("ip", "-n", h["ns"], "link", "show", x.split(":")[1], check=False).returncode == 0
                       for x in shim):
                    break
                time.sleep(0.1)
            else:
                die(f"{h['ns']}: the VLAN shim made no taps (see {w}/{h['ns']}.shim.log)")
            state["notes"].append(f"{h['ns']}: the kernel has no 8021q: VLANs {', '.join(x.split(':')[0] for x in shim)}"
                                  f" on taps {', '.join(x.split(':')[1] for x in shim)}, tagged and untagged onto"
                                  f" eth0 by scripts/lab_vlan_shim.py (user space, pid {p.pid})")
        for s in h["sites"]:
            ifn = s["interface"]
            sh("ip", "-n", h["ns"], "link", "set", ifn, "up")
            nsexec(h["ns"], "sysctl", "-qw", f"net.ipv6.conf.{ifn}.disable_ipv6=1", check=False)
            if "ip" in s:
                sh("ip", "-n", h["ns"], "addr", "add", f"{s['ip']}/{s['len']}", "dev", ifn)
    save()
    for r, info in state["routers"].items():
        d = f"{w}/{r}.frr"
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o777)
        if not info["loopback"]:
            state["notes"].append(f"router {r} has no loopback: no OSPF router id, no FRR")
            continue
        open(f"{d}/frr.conf", "w").write(frr_conf(r, info["loopback"], ospf_ifs[r], d))
        os.chmod(f"{d}/frr.conf", 0o666)
        opts = ["-d", "-z", f"{d}/zserv.api", "--vty_socket", d, "-f", f"{d}/frr.conf"]
        nsexec(info["ns"], f"{FRR}/zebra", *opts, "-i", f"{w}/{r}.zebra.pid")
        time.sleep(0.3)
        nsexec(info["ns"], f"{FRR}/ospfd", *opts, "-i", f"{w}/{r}.ospfd.pid")
    save()
    for r, info in state["routers"].items():
        if info["external"]:
            state["notes"].append(f"router {r} is external: no l2vpn node; run its LDP (e.g. FRR ldpd) in "
                                  f"namespace {info['ns']}")
            continue
        info["nodePid"] = start_node(state, r)
    save()
    time.sleep(1)
    for r, info in state["routers"].items():
        pid = info.get("nodePid")
        if pid and not os.path.exists(f"/proc/{pid}"):
            die(f"router {r}'s node exited at start:\n{open(f'{w}/{r}.node.log').read()[-2000:]}")
    status_print(state)


def read_state(prefix):
    try:
        w = json.load(open(pointer(prefix)))["workdir"]
        return json.load(open(f"{w}/lab.json"))
    except (OSError, ValueError, KeyError):
        return None


def status_print(st):
    print(f"lab '{st['prefix']}' of {st['topology']}, work files in {st['workdir']}")
    for r, i in st["routers"].items():
        pid = i.get("nodePid")
        pidf = f"{st['workdir']}/{r}.node.pid"
        if os.path.exists(pidf):
            pid = int(open(pidf).read())
        alive = pid and os.path.exists(f"/proc/{pid}")
        what = "external" if i["external"] else f"node pid {pid} {'running' if alive else 'NOT RUNNING'}"
        print(f"  router {r:<8} ns {i['ns']:<16} loopback {i['loopback']:<15} {what}, ctl {i['ctl']}")
    for l in st["links"]:
        print(f"  link {l['a']}:{l['aPort']} {l['aIp']} -- {l['b']}:{l['bPort']} {l['bIp']} metric {l['metric']}")
    for h in st["hosts"]:
        for s in h["sites"]:
            where = f"{s.get('ip', 'no address')} on {s.get('interface', '?')}"
            svc = f"{s['kind']} {s['service']}" if "service" in s else "no service"
            print(f"  site {s['name']:<14} ns {h['ns']:<20} {where:<24} ({svc}; {h['pe']} port {h['port']})")
    for n in st["notes"]:
        print(f"  note: {n}")


def status(a):
    st = read_state(a.prefix)
    if not st:
        die(f"no lab with prefix '{a.prefix}' ({pointer(a.prefix)} missing)")
    status_print(st)


def down(a):
    st = read_state(a.prefix)
    # Everything the lab started runs in its namespaces (nodes, FRR, the
    # VLAN shim, whatever was started on the hosts): those processes, by
    # pid, and no pid file that may name a process long gone and reused.
    pids = []
    names = [l.split()[0] for l in sh("ip", "netns", "list").stdout.splitlines() if l.strip()]
    mine = [n for n in names if n.startswith(a.prefix)]
    for n in mine:
        pids += [int(p) for p in sh("ip", "netns", "pids", n, check=False).stdout.split()]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = []
        for p in set(pids):
            try:
                os.kill(p, sig)
                alive.append(p)
            except (ProcessLookupError, PermissionError):
                pass
        for _ in range(30):
            if not any(os.path.exists(f"/proc/{p}") for p in alive):
                break
            time.sleep(0.1)
    for n in mine:
        sh("ip", "netns", "del", n, check=False)
    if st:
        for r in st["routers"]:  # EAL runtime directories a killed node leaves
            for d in os.listdir("/var/run/dpdk") if os.path.isdir("/var/run/dpdk") else []:
                if d.startswith(f"l2vpn-node-{r}-") and not os.path.exists(f"/proc/{d.rsplit('-', 1)[1]}"):
                    shutil.rmtree(f"/var/run/dpdk/{d}", ignore_errors=True)
        if not a.keep_workdir:
            shutil.rmtree(st["workdir"], ignore_errors=True)
    if os.path.exists(pointer(a.prefix)):
        os.remove(pointer(a.prefix))
    print(f"lab '{a.prefix}': down ({len(mine)} namespaces removed)")


def restart(a):
    st = read_state(a.prefix)
    if not st or a.router not in st["routers"]:
        die(f"no router '{a.router}' in lab '{a.prefix}'")
    pid = start_node(st, a.router)
    st["routers"][a.router]["nodePid"] = pid
    json.dump(st, open(f"{st['workdir']}/lab.json", "w"), indent=2)
    print(f"router {a.router}: node pid {pid}")


def print_frr_conf(a):
    """One router's FRR config, for a machine of its own (docs/lab.md)."""
    topo = load(os.path.abspath(a.topology), os.path.abspath(a.l2vpn))
    r = next((x for x in topo["routers"] if x["name"] == a.router), None)
    if not r:
        die(f"{a.topology}: no router '{a.router}'", 2)
    ifs = [(l["aPort"], l["metric"]) for l in topo["links"] if l["a"] == a.router]
    ifs += [(l["bPort"], l["metric"]) for l in topo["links"] if l["b"] == a.router]
    print(frr_conf(a.router, r["loopback"], ifs, "/var/log/frr", a.network), end="")


def main():
    p = argparse.ArgumentParser(description="a topology as l2vpn node processes in namespaces")
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("up")
    u.add_argument("topology")
    u.add_argument("--workdir")
    u.add_argument("--l2vpn", default=os.path.join(ROOT, "build", "bin", "l2vpn"))
    u.add_argument("--node-args", default=os.environ.get("NODE_ARGS", ""),
                   help="extra options for every l2vpn node (e.g. timers)")
    d = sub.add_parser("down")
    d.add_argument("--keep-workdir", action="store_true")
    sub.add_parser("status")
    s = sub.add_parser("start-node")
    s.add_argument("router")
    f = sub.add_parser("frr-conf", help="print one router's FRR config (zebra + ospfd) for its own machine")
    f.add_argument("topology")
    f.add_argument("router")
    f.add_argument("--network", default="10.0.0.0/16", help="the link addresses OSPF runs on")
    f.add_argument("--l2vpn", default=os.path.join(ROOT, "build", "bin", "l2vpn"))
    for x in (u, d, sub.choices["status"], s):
        x.add_argument("--prefix", default="lab-")
    a = p.parse_args()
    {"up": up, "down": down, "status": status, "start-node": restart, "frr-conf": print_frr_conf}[a.cmd](a)


if __name__ == "__main__":
    main()
