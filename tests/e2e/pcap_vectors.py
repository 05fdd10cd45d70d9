#!/usr/bin/python3
"""Test vectors for `l2vpn forward` on net_pcap ports, and their checks.

Run with /usr/bin/python3 (Debian's python3-scapy lives there).

  pcap_vectors.py gen DIR     write ForwardingState files and input pcaps into
                              DIR, and DIR/runs.txt: the states to run, in order
  pcap_vectors.py check DIR   decode every output pcap with tshark and scapy,
                              compare fields and bytes with what RFC 3032 /
                              4385 / 4448 / 6391 ask for, and compare the
                              counters JSON of every run; exit 1 on a mismatch
  pcap_vectors.py selftest DIR  after check: change one value at a time in
                              the outputs and show that the checks catch it

The checks are independent of the fast path's code: frames are built with
scapy (scapy.contrib.mpls), expected outputs are written down as exact label,
TC, S, TTL and MAC values, and what came out is decoded by tshark (told which
labels are pseudowires: its heuristic guesses wrong when the inner
destination MAC starts with a 0 nibble, and every customer MAC here does) and
re-read by scapy for byte-exact comparison.

Runs (one `l2vpn forward` each; see gen()):
  lsr      P router: swap, PHP, push, ECMP, two-label swap (pipe, TC set),
           explicit null, an 8-deep stack, and every LSR drop reason
  impose   PE1: port-based raw AC, VLAN raw AC (tag stripped), tagged AC with
           flow label; CW on two of the three PWs
  dispose  PE2: PW label (+ flow label) + CW + inner frame back to its AC,
           VLAN added in raw mode, VID rewritten in tagged mode; bad CW, TTL
           expiry, unknown labels, too-deep stacks and malformed PWs dropped
  journey  impose's core output through a P (PHP) and PE2: the customer
           frames that come out equal what went in (VID rewritten)
"""

import json
import os
import subprocess
import sys

from scapy.all import Dot1Q, Ether, IP, Raw, UDP, rdpcap, wrpcap  # noqa: E402
from scapy.contrib.mpls import MPLS  # noqa: E402

# ---------------------------------------------------------------- constants

CUST_DST = "00:11:22:33:44:55"  # 0 nibble first: tshark's heuristic trap
CUST_SRC = "00:aa:bb:00:00:01"
NH_P = "02:00:00:00:aa:01"      # next hops seen from the routers under test
NH_PE2 = "02:00:00:00:bb:01"
MEMCACHED_PORT = 11211
IDLE_EXIT = "0.5"


def port_mac(router, k):
    return "02:00:00:00:%02x:%02x" % (router, k)


def memcached_udp(i):
    # A memcached text request. Real memcached over UDP puts an 8-byte frame
    # header first, but tshark 4.0's memcache dissector then decodes nothing;
    # without it tshark shows the command and key, which is what we compare.
    return b"get key%d\r\n" % i


def customer(i, vlan=None, pcp=0, dst=CUST_DST, src=CUST_SRC, size=None, src_ip=None, sport=None):
    """A memcached request over UDP, as a data-center cache client sends it."""
    e = Ether(dst=dst, src=src)
    if vlan is not None:
        e = e / Dot1Q(vlan=vlan, prio=pcp)
    f = e / IP(src=src_ip or "10.1.0.%d" % (1 + i % 200), dst="10.2.0.1") / \
        UDP(sport=sport or 40000 + i, dport=MEMCACHED_PORT) / Raw(memcached_udp(i))
    b = bytes(f)
    if size is not None and size > len(b):
        b = bytes(f / Raw(b"x" * (size - len(b))))
    return b


CW_ZERO = b"\x00\x00\x00\x00"


def cw(length=0, first_nibble=0, flags=0):
    w = first_nibble << 28 | flags << 24 | (length & 0x3f) << 16
    return w.to_bytes(4, "big")


def lse(label, tc=0, s=0, ttl=64):
    return ((label << 12) | (tc << 9) | (s << 8) | ttl).to_bytes(4, "big")


def stack(*entries):
    """entries: (label, tc, ttl); S set on the last."""
    out = b""
    for n, (label, tc, ttl) in enumerate(entries):
        out += lse(label, tc, int(n == len(entries) - 1), ttl)
    return out


def mpls_frame(dst, src, labels, payload=b""):
    return bytes(Ether(dst=dst, src=src, type=0x8847)) + labels + payload


# ---------------------------------------------------------------- state JSON

def pcap_port(name, idx, mac, d, run, rx=True, mtu=1500):
    """One net_pcap vdev per port. A port that only transmits gets no rx_pcap:
    DPDK 22.11's net_pcap then gives it an rx queue that never returns a
    frame (checked: its rx counter stays 0)."""
    dev = "net_pcap%d" % idx
    if rx:
        dev += ",rx_pcap=%s" % os.path.join(d, "%s_%s_in.pcap" % (run, name))
    dev += ",tx_pcap=%s" % os.path.join(d, "%s_%s_out.pcap" % (run, name))
    return {"name": name, "device": dev, "mac": mac, "mtu": mtu}


def write_state(d, run, state):
    with open(os.path.join(d, run + ".json"), "w") as f:
        json.dump(state, f, indent=2)


def nhlfe(id, op, labels, out_port, nh, **kw):
    n = {"id": id, "op": op, "labels": labels, "out_port": out_port, "next_hop_mac": nh}
    n.update(kw)
    return n


# Router numbers in MACs: P = 0x11, PE1 = 0x21, PE2 = 0x22, journey P = 0x12.
P, PE1, PE2, PJ = 0x11, 0x21, 0x22, 0x12

# Pseudowires, PE1 side / PE2 side.
#   pw1: port-based raw AC, CW.   pw2: VLAN 100 raw (PE2: VLAN 110), no CW.
#   pw3: VLAN 200 tagged (PE2: VLAN 210 tagged), CW and flow label.
#   pw4: VLAN 300 raw (PE2: VLAN 310 raw), CW and flow label.
PW = {
    1: dict(pe1_label=1001, pe2_label=2001, transport=16001, cw=True, flow=False),
    2: dict(pe1_label=1002, pe2_label=2002, transport=16002, cw=False, flow=False),
    3: dict(pe1_label=1003, pe2_label=2003, transport=16003, cw=True, flow=True),
    4: dict(pe1_label=1004, pe2_label=2004, transport=16004, cw=True, flow=True),
}


def pe_state(d, run, side, core_rx_file=None):
    """PE1 (side 1) or PE2 (side 2) of the three pseudowires."""
    r = PE1 if side == 1 else PE2
    ports = [pcap_port("core", 0, port_mac(r, 0), d, run, rx=(side == 2)),
             pcap_port("ac1", 1, port_mac(r, 1), d, run, rx=(side == 1)),
             pcap_port("ac2", 2, port_mac(r, 2), d, run, rx=(side == 1))]
    if core_rx_file:
        ports[0]["device"] = "net_pcap0,rx_pcap=%s,tx_pcap=%s" % (
            core_rx_file, os.path.join(d, "%s_core_out.pcap" % run))
    s = {"router": "PE%d" % side, "router_id": "10.255.0.%d" % side, "ports": ports,
         "nhlfes": [], "ilm": [], "pseudowires": [], "attachment_circuits": []}
    for k, pw in PW.items():
        local, remote = (pw["pe1_label"], pw["pe2_label"]) if side == 1 else \
            (pw["pe2_label"], pw["pe1_label"])
        s["nhlfes"].append(nhlfe(10 + k, "push", [pw["transport"] + (0 if side == 1 else 100)],
                                 "core", NH_P))
        s["pseudowires"].append({"id": k, "pw_id": 100 + k, "peer": "PE%d" % (3 - side),
                                 "local_label": local, "remote_label": remote,
                                 "transport": {"kind": "nhlfe", "id": 10 + k},
                                 "control_word": pw["cw"], "flow_label": pw["flow"]})
        s["ilm"].append({"label": local, "action": "pw_disposition", "target": k})
    v2, v3, v4 = (100, 200, 300) if side == 1 else (110, 210, 310)
    s["attachment_circuits"] = [
        {"name": "site-a", "port": "ac1", "vlan": 0, "mode": "raw", "pseudowire": 1},
        {"name": "site-b", "port": "ac2", "vlan": v2, "mode": "raw", "pseudowire": 2},
        {"name": "site-c", "port": "ac2", "vlan": v3, "mode": "tagged", "pseudowire": 3},
        {"name": "site-d", "port": "ac2", "vlan": v4, "mode": "raw", "pseudowire": 4},
    ]
    return s


# ---------------------------------------------------------------- generation

# LSR run: the ILM of router P.
L_SWAP, L_PHP, L_PUSH, L_ECMP, L_SWAP2, L_POPLOOKUP = 100000, 100001, 100002, 100003, 100004, 100005
L_SMALL = 100006  # swapped toward a port of MTU 100
L_JUMBO = 100007  # swapped toward a port of MTU 9000
JUMBO_SIZES = (1500, 2049, 9000, 9001)  # bytes after the MAC header
PW_BELOW = 7000  # a PW label some LSR frames carry below the transport label


def pw_payload(i):
    return CW_ZERO + customer(i)


def gen_lsr(d):
    run = "lsr"
    s = {"router": "P", "router_id": "10.255.0.11",
         "ports": [pcap_port("core", 0, port_mac(P, 0), d, run),
                   pcap_port("swap", 1, port_mac(P, 1), d, run, rx=False),
                   pcap_port("php", 2, port_mac(P, 2), d, run, rx=False),
                   pcap_port("push", 3, port_mac(P, 3), d, run, rx=False),
                   pcap_port("ecmp_a", 4, port_mac(P, 4), d, run, rx=False),
                   pcap_port("ecmp_b", 5, port_mac(P, 5), d, run, rx=False),
                   pcap_port("small", 6, port_mac(P, 6), d, run, rx=False, mtu=100),
                   pcap_port("jumbo", 7, port_mac(P, 7), d, run, rx=False, mtu=9000)],
         "nhlfes": [nhlfe(1, "swap", [200000], "swap", "02:00:00:00:10:01"),
                    nhlfe(2, "pop", [], "php", "02:00:00:00:10:02"),
                    nhlfe(3, "push", [300000, 300001], "push", "02:00:00:00:10:03"),
                    nhlfe(4, "swap", [400000], "ecmp_a", "02:00:00:00:10:04"),
                    nhlfe(5, "swap", [400001], "ecmp_b", "02:00:00:00:10:05"),
                    nhlfe(6, "swap", [500001, 500000], "swap", "02:00:00:00:10:01",
                          ttl_mode="pipe", tc_mode="set", tc=3),
                    nhlfe(7, "swap", [200002], "small", "02:00:00:00:10:06"),
                    nhlfe(8, "swap", [200003], "jumbo", "02:00:00:00:10:07")],
         "ecmp_groups": [{"id": 1, "nhlfes": [4, 5]}],
         "ilm": [{"label": L_SWAP, "action": "forward", "target": 1},
                 {"label": L_PHP, "action": "forward", "target": 2},
                 {"label": L_PUSH, "action": "forward", "target": 3},
                 {"label": L_ECMP, "action": "ecmp", "target": 1},
                 {"label": L_SWAP2, "action": "forward", "target": 6},
                 {"label": L_POPLOOKUP, "action": "pop_and_lookup"},
                 {"label": L_SMALL, "action": "forward", "target": 7},
                 {"label": L_JUMBO, "action": "forward", "target": 8}]}
    write_state(d, run, s)
    mine, peer = port_mac(P, 0), "02:00:00:00:99:99"
    f = []
    # 40 swaps (a full burst of 32 and a tail): TTL 2..41, TC i % 8.
    for i in range(40):
        f.append(mpls_frame(mine, peer, stack((L_SWAP, i % 8, 2 + i), (PW_BELOW, 0, 255)),
                            pw_payload(i)))
    # Explicit null on top, then the swap label: null popped, swap with the
    # null's TTL (RFC 3032 2.4.1: the incoming TTL is the top entry's).
    f.append(mpls_frame(mine, peer, stack((0, 0, 10), (L_SWAP, 1, 64), (PW_BELOW, 0, 255)),
                        pw_payload(40)))
    # Our own label (not PHP), then the swap label: the same with TTL 5.
    f.append(mpls_frame(mine, peer, stack((L_POPLOOKUP, 0, 5), (L_SWAP, 2, 64),
                                          (PW_BELOW, 0, 255)), pw_payload(41)))
    # 8-deep stack: the deepest accepted.
    f.append(mpls_frame(mine, peer, stack((L_SWAP, 0, 64), *[(20001 + k, 0, 64) for k in range(6)],
                                          (PW_BELOW, 0, 255)), pw_payload(42)))
    # PHP: exposed label takes min(its TTL, decremented TTL).
    f.append(mpls_frame(mine, peer, stack((L_PHP, 4, 64), (PW_BELOW + 1, 0, 255)), pw_payload(43)))
    f.append(mpls_frame(mine, peer, stack((L_PHP, 4, 64), (PW_BELOW + 1, 0, 10)), pw_payload(44)))
    # Push two labels above the (kept, TTL-decremented) top label; IPv4 below.
    for i in range(3):
        f.append(mpls_frame(mine, peer, stack((L_PUSH, 2, 50 + i)), customer(45 + i)[14:]))
    # Two-label swap, pipe TTL, TC set to 3.
    f.append(mpls_frame(mine, peer, stack((L_SWAP2, 6, 30)), customer(48)[14:]))
    # ECMP: 64 frames, 16 flows (label below the top), in two rounds.
    for i in range(64):
        f.append(mpls_frame(mine, peer, stack((L_ECMP, 0, 64), (20000 + i % 16, 0, 64)),
                            pw_payload(100 + i)))
    # Drops, each with its reason.
    f.append(mpls_frame(mine, peer, stack((L_SWAP, 0, 1), (PW_BELOW, 0, 255)), pw_payload(0)))
    f.append(mpls_frame(mine, peer, stack((L_SWAP, 0, 0), (PW_BELOW, 0, 255)), pw_payload(0)))
    f.append(mpls_frame(mine, peer, stack((L_ECMP, 0, 1), (20000, 0, 64)), pw_payload(0)))
    for _ in range(3):
        f.append(mpls_frame(mine, peer, stack((555555, 0, 64), (PW_BELOW, 0, 255)), pw_payload(0)))
    f.append(mpls_frame(mine, peer, stack((L_SWAP, 0, 64), *[(20001 + k, 0, 64) for k in range(8)]),
                        pw_payload(0)))
    f.append(mpls_frame(mine, peer, stack((3, 0, 64), (PW_BELOW, 0, 255)), pw_payload(0)))
    f.append(mpls_frame(mine, peer, stack((1, 0, 64), (PW_BELOW, 0, 255)), pw_payload(0)))
    f.append(mpls_frame(mine, peer, stack((L_PHP, 0, 64)), customer(0)[14:]))
    f.append(customer(0, dst=mine))  # IPv4 on a core port
    f.append(bytes(Ether(dst=mine, src=peer, type=0x8847)) + b"\x01\x86")  # half a label
    # MTU 100 out: 100 bytes after the MAC header pass, 101 are dropped.
    f.append(mpls_frame(mine, peer, stack((L_SMALL, 0, 64)), b"\x00" * 96))
    f.append(mpls_frame(mine, peer, stack((L_SMALL, 0, 64)), b"\x00" * 97))
    # An explicit null with TTL 1 above a label with TTL 64: expired.
    f.append(mpls_frame(mine, peer, stack((0, 0, 1), (L_SWAP, 0, 64), (PW_BELOW, 0, 255)),
                        pw_payload(0)))
    # Jumbo frames toward the MTU 9000 port: 1500, 2049 and 9000 bytes after
    # the MAC header pass (2049 and up arrive as chained mbufs), 9001 is
    # mtu_exceeded.
    for n in JUMBO_SIZES:
        f.append(mpls_frame(mine, peer, stack((L_JUMBO, 0, 64), (PW_BELOW, 0, 255)),
                            bytes(i % 251 for i in range(n - 8))))
    wrpcap(os.path.join(d, "lsr_core_in.pcap"), [Ether(x) for x in f])


def gen_impose(d):
    run = "impose"
    write_state(d, run, pe_state(d, run, 1))
    ac1 = [customer(i) for i in range(33)]                       # 32 + 1 tail
    ac1 += [customer(33, vlan=300, pcp=0), customer(34, vlan=301, pcp=0)]  # tags cross as data
    ac1.append(bytes(Ether(dst=CUST_DST, src=CUST_SRC, type=0x0806) / Raw(b"\x00" * 28)))  # 42 B
    ac1.append(bytes(Ether(dst=CUST_DST, src=CUST_SRC, type=0x8847)) + pw_payload(35))  # MPLS is data too
    ac2 = [customer(50 + i, vlan=100, pcp=5) for i in range(5)]
    ac2 += [customer(60 + i, vlan=200, pcp=i % 8) for i in range(8)]  # 8 flows
    ac2 += [customer(60, vlan=200, pcp=0)]                            # flow 0 again
    # 8 clients that differ only in their source address (same UDP ports): the
    # flow label must still tell them apart, on a tagged and on a raw AC.
    for vlan in (200, 300):
        ac2 += [customer(80 + k, vlan=vlan, src_ip="10.1.1.%d" % (10 + k), sport=45000)
                for k in range(8)]
    ac2.append(customer(70, vlan=999))                                # no AC
    ac2.append(customer(71))                                          # untagged: no AC
    ac2.append(customer(72, vlan=100, size=14 + 4 + 1501))            # 1501 B payload > PW MTU
    wrpcap(os.path.join(d, "impose_ac1_in.pcap"), [Ether(x) for x in ac1])
    wrpcap(os.path.join(d, "impose_ac2_in.pcap"), [Ether(x) for x in ac2])


POPLOOKUP_PE2 = 3000
FWD_PE2 = 100000


def gen_dispose(d):
    run = "dispose"
    s = pe_state(d, run, 2)
    s["ilm"].append({"label": POPLOOKUP_PE2, "action": "pop_and_lookup"})
    s["nhlfes"].append(nhlfe(20, "swap", [200000], "core", NH_P))
    s["ilm"].append({"label": FWD_PE2, "action": "forward", "target": 20})
    write_state(d, run, s)
    mine, peer = port_mac(PE2, 0), NH_P
    f = []
    for i in range(5):   # pw1: PHP'd, CW, untagged inner
        f.append(mpls_frame(mine, peer, stack((2001, 0, 255)), CW_ZERO + customer(200 + i)))
    # Explicit null above the PW label; our own transport label above it.
    f.append(mpls_frame(mine, peer, stack((0, 0, 64), (2001, 0, 255)), CW_ZERO + customer(205)))
    f.append(mpls_frame(mine, peer, stack((POPLOOKUP_PE2, 0, 64), (2001, 0, 255)),
                        CW_ZERO + customer(206)))
    # Short frame: CW length = 4 + 42, then 14 bytes of Ethernet padding to strip.
    arp = bytes(Ether(dst=CUST_DST, src=CUST_SRC, type=0x0806) / Raw(b"\x01" * 28))
    f.append(mpls_frame(mine, peer, stack((2001, 0, 255)), cw(length=46) + arp + b"\x00" * 14))
    # RFC 4448 4.6: the CW's reserved bits (flags) are ignored on receipt.
    f.append(mpls_frame(mine, peer, stack((2001, 0, 255)), cw(flags=0xf) + customer(207)))
    for i in range(3):   # pw2: no CW, raw: VLAN 110 added
        f.append(mpls_frame(mine, peer, stack((2002, 0, 255)), customer(210 + i)))
    for i in range(3):   # pw3: flow label, CW, tagged 200 (PCP 4) -> 210
        f.append(mpls_frame(mine, peer, stack((2003, 0, 255), (12345 + i, 0, 0)),
                            CW_ZERO + customer(220 + i, vlan=200, pcp=4)))
    # Drops.
    f.append(mpls_frame(mine, peer, stack((2001, 0, 255)), cw(first_nibble=4) + customer(0)))
    f.append(mpls_frame(mine, peer, stack((2001, 0, 255)), customer(0)[14:]))  # IPv4 where CW goes
    f.append(mpls_frame(mine, peer, stack((2001, 0, 255)), cw(first_nibble=1) + customer(0)))  # a PW ACH
    # The PW label's TTL counts (1: expired), and so does a popped null's.
    f.append(mpls_frame(mine, peer, stack((2001, 0, 1)), CW_ZERO + customer(0)))
    f.append(mpls_frame(mine, peer, stack((0, 0, 1), (2001, 0, 255)), CW_ZERO + customer(0)))
    f.append(mpls_frame(mine, peer, stack((FWD_PE2, 0, 1), (2001, 0, 255)), CW_ZERO + customer(0)))
    f.append(mpls_frame(mine, peer, stack((FWD_PE2, 0, 0), (2001, 0, 255)), CW_ZERO + customer(0)))
    f.append(mpls_frame(mine, peer, stack((999999, 0, 64), (2001, 0, 255)), CW_ZERO + customer(0)))
    f.append(mpls_frame(mine, peer, stack((2009, 0, 64)), CW_ZERO + customer(0)))
    f.append(mpls_frame(mine, peer, stack((POPLOOKUP_PE2, 0, 64), *[(2001, 0, 255)] * 8),
                        CW_ZERO + customer(0)))
    f.append(mpls_frame(mine, peer, stack((2001, 0, 255), (5555, 0, 0)), CW_ZERO + customer(0)))
    f.append(mpls_frame(mine, peer, stack((2003, 0, 255)), CW_ZERO + customer(0, vlan=200)))
    f.append(mpls_frame(mine, peer, stack((2002, 0, 255)), b"\x00" * 10))
    f.append(mpls_frame(mine, peer, stack((2003, 0, 255), (12345, 0, 0)), CW_ZERO + customer(0)))
    wrpcap(os.path.join(d, "dispose_core_in.pcap"), [Ether(x) for x in f])


def gen_journey(d):
    # P between PE1 and PE2: PHP of the three transport labels PE1 pushes.
    run = "journey_p"
    s = {"router": "PJ", "ports": [
        {"name": "west", "mtu": 1500, "mac": NH_P,
         "device": "net_pcap0,rx_pcap=%s,tx_pcap=%s" % (
             os.path.join(d, "impose_core_out.pcap"), os.path.join(d, "journey_p_west_out.pcap"))},
        pcap_port("east", 1, port_mac(PJ, 1), d, run, rx=False)],
        "nhlfes": [nhlfe(1, "pop", [], "east", port_mac(PE2, 0))],
        "ilm": [{"label": pw["transport"], "action": "forward", "target": 1} for pw in PW.values()]}
    write_state(d, run, s)
    write_state(d, "journey_pe2", pe_state(d, "journey_pe2", 2,
                                           core_rx_file=os.path.join(d, "journey_p_east_out.pcap")))


def gen(d):
    gen_lsr(d)
    gen_impose(d)
    gen_dispose(d)
    gen_journey(d)
    with open(os.path.join(d, "runs.txt"), "w") as f:
        f.write("lsr\nimpose\ndispose\njourney_p\njourney_pe2\n")


# ---------------------------------------------------------------- checking

class Checker:
    def __init__(self, d):
        self.d = d
        self.failures = []
        self.passed = 0
        self.section = ""

    def eq(self, got, want, what):
        if got == want:
            self.passed += 1
        else:
            self.failures.append("%s: %s\n      got:  %r\n      want: %r" % (self.section, what, got, want))

    def ok(self, cond, what):
        self.eq(bool(cond), True, what)

    def path(self, name):
        return os.path.join(self.d, name)

    def frames(self, name):
        p = self.path(name)
        if not os.path.exists(p):
            self.failures.append("%s: %s was not written" % (self.section, name))
            return []
        return [bytes(x) for x in rdpcap(p)]

    def tshark(self, name, fields, decode=()):
        cmd = ["tshark", "-n", "-r", self.path(name), "-T", "fields", "-E", "separator=|",
               "-E", "occurrence=a", "-E", "aggregator=,"]
        for label, proto in decode:
            cmd += ["-d", "mpls.label==%d,%s" % (label, proto)]
        for f in fields:
            cmd += ["-e", f]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            self.failures.append("%s: tshark failed on %s: %s" % (self.section, name, out.stderr))
            return []
        return [line.split("|") for line in out.stdout.splitlines()]

    def counters(self, run, rx, forwarded, drops, ports=None, labels=None, pws=None):
        with open(self.path(run + ".counters.json")) as f:
            c = json.load(f)
        self.eq(c["rx_packets"], rx, "counters rx_packets")
        self.eq(c["forwarded"], forwarded, "counters forwarded")
        want = {k: 0 for k in c["drops"]}
        for k, v in drops.items():
            if k not in want:
                self.failures.append("%s: drop reason %s not in counters" % (self.section, k))
            want[k] = v
        self.eq(c["drops"], want, "drop counters by reason")
        self.eq(c["dropped"], sum(drops.values()), "counters dropped")
        self.eq(c["rx_packets"], c["forwarded"] + c["dropped"], "received = forwarded + dropped")
        for name, (prx, ptx) in (ports or {}).items():
            got = [(p["rx_packets"], p["tx_packets"]) for p in c["ports"] if p["name"] == name]
            self.eq(got, [(prx, ptx)], "port %s rx/tx frames" % name)
        for label, n in (labels or {}).items():
            got = [x["rx_packets"] for x in c["labels"] if x["label"] == label]
            self.eq(got, [n], "label %d rx frames" % label)
        for pw_id, (prx, ptx) in (pws or {}).items():
            got = [(p["rx_packets"], p["tx_packets"]) for p in c["pseudowires"] if p["id"] == pw_id]
            self.eq(got, [(prx, ptx)], "pseudowire %d rx/tx frames" % pw_id)


MPLS_FIELDS = ["eth.dst", "eth.src", "mpls.label", "mpls.exp", "mpls.bottom", "mpls.ttl"]


def row(dst, src, labels):
    """Expected tshark fields for MPLS_FIELDS; labels: (label, tc, s, ttl)."""
    j = lambda xs: ",".join(str(x) for x in xs)  # noqa: E731
    return [dst, src, j(l[0] for l in labels), j(l[1] for l in labels),
            j(l[2] for l in labels), j(l[3] for l in labels)]


def inner_fields(i, vlan=None):
    """What tshark decodes inside a PW: IP, UDP, memcache of customer(i)."""
    return ["10.1.0.%d" % (1 + i % 200), "10.2.0.1", str(40000 + i), str(MEMCACHED_PORT),
            "get", "key%d" % i] + ([str(vlan)] if vlan is not None else [""])


INNER = ["ip.src", "ip.dst", "udp.srcport", "udp.dstport", "memcache.command", "memcache.key",
         "vlan.id"]


def check_lsr(c):
    c.section = "lsr"
    pw = [(PW_BELOW, "pwethcw"), (PW_BELOW + 1, "pwethcw")]
    # --- swap port: 40 swaps, explicit null, pop-and-lookup, 8-deep, 2-label swap.
    got = c.tshark("lsr_swap_out.pcap", MPLS_FIELDS + ["pweth.cw.sequence_number"] + INNER, pw)
    want = []
    sw = port_mac(P, 1)
    for i in range(40):
        want.append(row("02:00:00:00:10:01," + CUST_DST, sw + "," + CUST_SRC,
                        [(200000, i % 8, 0, 1 + i), (PW_BELOW, 0, 1, 255)]) + ["0"] + inner_fields(i))
    want.append(row("02:00:00:00:10:01," + CUST_DST, sw + "," + CUST_SRC,
                    [(200000, 1, 0, 9), (PW_BELOW, 0, 1, 255)]) + ["0"] + inner_fields(40))
    want.append(row("02:00:00:00:10:01," + CUST_DST, sw + "," + CUST_SRC,
                    [(200000, 2, 0, 4), (PW_BELOW, 0, 1, 255)]) + ["0"] + inner_fields(41))
    # 8-deep: the labels below the top stay untouched.
    want.append(row("02:00:00:00:10:01," + CUST_DST, sw + "," + CUST_SRC,
                    [(200000, 0, 0, 63)] + [(20001 + k, 0, 0, 64) for k in range(6)] +
                    [(PW_BELOW, 0, 1, 255)]) + ["0"] + inner_fields(42))
    # Two-label swap, pipe, TC set: IPv4 below the bottom label.
    want.append(row("02:00:00:00:10:01", sw, [(500001, 3, 0, 255), (500000, 3, 1, 29)]) +
                [""] + inner_fields(48))
    c.eq(len(got), len(want), "swap port: frame count")
    for n, (g, w) in enumerate(zip(got, want)):
        c.eq(g, w, "swap port frame %d tshark fields" % n)
    # scapy, byte-exact: new MAC header and label, the rest of the frame untouched.
    out = c.frames("lsr_swap_out.pcap")
    ins = c.frames("lsr_core_in.pcap")
    for i in range(min(40, len(out))):
        exp = bytes(Ether(dst="02:00:00:00:10:01", src=sw, type=0x8847) /
                    MPLS(label=200000, cos=i % 8, s=0, ttl=1 + i)) + ins[i][18:]
        c.eq(out[i], exp, "swap frame %d bytes" % i)
    if len(out) > 43:
        p = Ether(out[43])
        c.eq((p[MPLS].label, p[MPLS].cos, p[MPLS].s, p[MPLS].ttl), (500001, 3, 0, 255),
             "2-label swap: scapy pushed label")
        c.eq(bytes(p)[22:], ins[48][18:], "2-label swap: payload intact")
    # --- PHP port.
    php = port_mac(P, 2)
    got = c.tshark("lsr_php_out.pcap", MPLS_FIELDS + INNER, pw)
    want = [row("02:00:00:00:10:02," + CUST_DST, php + "," + CUST_SRC, [(PW_BELOW + 1, 0, 1, 63)])
            + inner_fields(43),
            row("02:00:00:00:10:02," + CUST_DST, php + "," + CUST_SRC, [(PW_BELOW + 1, 0, 1, 10)])
            + inner_fields(44)]
    c.eq(got, want, "PHP port tshark fields (exposed label TTL = min(own, top - 1))")
    out = c.frames("lsr_php_out.pcap")
    if len(out) == 2:
        c.eq(out[0][18:], ins[43][22:], "PHP frame: CW and inner frame byte-exact")
    # --- push port.
    push = port_mac(P, 3)
    got = c.tshark("lsr_push_out.pcap", MPLS_FIELDS + ["ip.src", "ip.dst", "udp.dstport"])
    want = [row("02:00:00:00:10:03", push, [(300000, 2, 0, 49 + i), (300001, 2, 0, 49 + i),
                                            (L_PUSH, 2, 1, 49 + i)])
            + ["10.1.0.%d" % (46 + i), "10.2.0.1", str(MEMCACHED_PORT)] for i in range(3)]
    c.eq(got, want, "push port tshark fields")
    # --- ECMP: a flow (label below the top) sticks to one port; both ports used.
    ports = {}
    for side, label, mac in (("a", 400000, port_mac(P, 4)), ("b", 400001, port_mac(P, 5))):
        rows = c.tshark("lsr_ecmp_%s_out.pcap" % side, MPLS_FIELDS,
                        [(20000 + k, "pwethcw") for k in range(16)])
        for r in rows:
            below = int(r[2].split(",")[1])
            c.eq(r[:2] + [r[2].split(",")[0]] + r[3:6],
                 ["02:00:00:00:10:0%d,%s" % (4 if side == "a" else 5, CUST_DST), mac + "," + CUST_SRC,
                  str(label), "0,0", "0,1", "63,64"], "ECMP %s frame fields" % side)
            ports.setdefault(below, set()).add(side)
        c.ok(len(rows) > 0, "ECMP port %s carried frames" % side)
    c.eq(sorted(ports), list(range(20000, 20016)), "ECMP: every flow came out")
    c.eq({k: len(v) for k, v in ports.items()}, {k: 1 for k in range(20000, 20016)},
         "ECMP: each flow on exactly one port")
    n_a = len(c.frames("lsr_ecmp_a_out.pcap"))
    n_b = len(c.frames("lsr_ecmp_b_out.pcap"))
    c.eq(n_a + n_b, 64, "ECMP: frames out")
    c.eq(c.frames("lsr_small_out.pcap"),
         [bytes(Ether(dst="02:00:00:00:10:06", src=port_mac(P, 6), type=0x8847)) +
          lse(200002, 0, 1, 63) + b"\x00" * 96], "MTU 100 port: the 100-byte frame, not the 101")
    jin = [x for x in ins if len(x) > 18 and x[14:17] == lse(L_JUMBO, 0, 0, 64)[:3]]
    c.eq([len(x) - 14 for x in jin], list(JUMBO_SIZES), "jumbo frames in")
    c.eq(c.frames("lsr_jumbo_out.pcap"),
         [bytes(Ether(dst="02:00:00:00:10:07", src=port_mac(P, 7), type=0x8847)) +
          lse(200003, 0, 0, 63) + x[18:] for x in jin[:3]],
         "MTU 9000 port: 1500, 2049 and 9000 bytes byte-exact, not 9001")
    c.eq(c.frames("lsr_core_out.pcap"), [], "nothing sent back out of the core port")
    c.counters("lsr", rx=len(ins), forwarded=40 + 3 + 1 + 2 + 3 + 64 + 1 + 3,
               drops={"ttl_expired": 4, "ilm_miss": 3, "label_stack_too_deep": 1,
                      "implicit_null_on_wire": 1, "reserved_label": 1,
                      "ip_payload_not_served": 1, "not_mpls": 1, "truncated": 1,
                      "mtu_exceeded": 2},
               ports={"core": (len(ins), 0), "swap": (0, 44), "php": (0, 2), "push": (0, 3),
                      "jumbo": (0, 3)},
               labels={L_SWAP: 40 + 2 + 1 + 2 + 1, L_PHP: 3, L_PUSH: 3, L_SWAP2: 1, L_ECMP: 65,
                       L_POPLOOKUP: 1, L_SMALL: 2, L_JUMBO: 4})


def check_impose(c):
    c.section = "impose"
    core = port_mac(PE1, 0)
    ac1 = c.frames("impose_ac1_in.pcap")
    ac2 = c.frames("impose_ac2_in.pcap")
    out = c.frames("impose_core_out.pcap")
    by_pw = {1: [], 2: [], 3: []}
    for b in out:
        p = Ether(b)
        by_pw.setdefault({16001: 1, 16002: 2, 16003: 3, 16004: 4}.get(p[MPLS].label, 0),
                         []).append(b)
    c.eq(sorted(by_pw), [1, 2, 3, 4], "only transport labels 16001-16004 on the core port")
    # pw1: port-based raw AC, CW: [16001, 2001] + CW + the customer frame as it came.
    hdr = lambda t, pwl, tc=0: bytes(Ether(dst=NH_P, src=core, type=0x8847) /  # noqa: E731
                                     MPLS(label=t, cos=tc, s=0, ttl=255) /
                                     MPLS(label=pwl, cos=tc, s=1, ttl=255))
    exp1 = []
    for f in ac1:
        length = len(f) + 4 if len(f) + 4 < 64 else 0
        exp1.append(hdr(16001, 2001) + cw(length=length) + f)
    c.eq(by_pw[1], exp1, "pw1 (port-based raw, CW): frames byte-exact, CW length set under 64 B")
    # pw2: VLAN 100 raw: tag stripped, no CW, TC from the PCP (5).
    exp2 = [hdr(16002, 2002, tc=5) + f[:12] + f[16:] for f in ac2[:5]]
    c.eq(by_pw[2], exp2, "pw2 (VLAN raw, no CW): tag stripped, frames byte-exact")
    # pw3: tagged, CW, flow label: [16003, 2003 S=0, flow S=1 TTL 0] + CW + tagged frame.
    flows = []
    for n, b in enumerate(by_pw[3]):
        p = Ether(b)
        labels = []
        x = p[MPLS]
        while isinstance(x, MPLS):
            labels.append((x.label, x.cos, x.s, x.ttl))
            x = x.payload
        flows.append(labels[-1][0] if len(labels) == 3 else None)
        if n < 9:
            f = ac2[5 + n]
            tc = (n % 8) if n < 8 else 0
            want = [(16003, tc, 0, 255), (2003, tc, 0, 255), (labels[-1][0], 0, 1, 0)]
            c.eq(labels, want, "pw3 frame %d: label stack (flow label S=1, TTL 0)" % n)
            length = len(f) + 4 if len(f) + 4 < 64 else 0
            c.eq(b[26:], cw(length=length) + f, "pw3 frame %d: CW and tagged frame byte-exact" % n)
        else:
            f = ac2[5 + n]
            length = len(f) + 4 if len(f) + 4 < 64 else 0
            c.eq(b[14:], lse(16003, 0, 0, 255) + lse(2003, 0, 0, 255) + lse(labels[-1][0], 0, 1, 0)
                 + cw(length=length) + f, "pw3 frame %d bytes" % n)
    c.eq(len(by_pw[3]), 17, "pw3 frame count")
    if len(flows) == 17:
        c.ok(all(f is not None and 16 <= f <= 0xfffff for f in flows), "flow labels unreserved")
        c.eq(flows[8], flows[0], "same flow, same flow label")
        c.ok(len(set(flows[:8])) >= 4, "8 flows spread over distinct flow labels (%s)" % flows[:8])
        c.ok(len(set(flows[9:])) >= 4,
             "tagged AC: 8 flows differing only in source IP get distinct flow labels (%s)"
             % flows[9:])
    # pw4: VLAN 300 raw: tag stripped, CW, flow label.
    flows4 = []
    for n, b in enumerate(by_pw.get(4, [])):
        f = ac2[22 + n]
        f = f[:12] + f[16:]
        fl = int.from_bytes(b[22:26], "big") >> 12
        flows4.append(fl)
        length = len(f) + 4 if len(f) + 4 < 64 else 0
        c.eq(b, bytes(Ether(dst=NH_P, src=core, type=0x8847)) + lse(16004, 0, 0, 255) +
             lse(2004, 0, 0, 255) + lse(fl, 0, 1, 0) + cw(length=length) + f,
             "pw4 (VLAN raw, CW, flow label) frame %d bytes" % n)
    c.eq(len(flows4), 8, "pw4 frame count")
    c.ok(len(set(flows4)) >= 4,
         "raw VLAN AC: 8 flows differing only in source IP get distinct flow labels (%s)" % flows4)
    # tshark: transport, PW label, CW, inner Ethernet, IP, UDP, memcache.
    decode = [(2001, "pwethcw"), (2002, "pwethnocw")] + \
        [(f, "pwethcw") for f in sorted(set(x for x in flows if x))]
    got = c.tshark("impose_core_out.pcap", MPLS_FIELDS + ["pweth.cw.sequence_number"] + INNER,
                   decode)
    # The router polls ac1 then ac2 (32 frames a burst), so the two ports'
    # frames interleave on the core port: compare per transport label.
    rows = {}
    for g in got:
        rows.setdefault(g[2].split(",")[0], []).append(g)
    want = []
    for i in range(33):
        want.append(row(NH_P + "," + CUST_DST, core + "," + CUST_SRC,
                        [(16001, 0, 0, 255), (2001, 0, 1, 255)]) + ["0"] + inner_fields(i))
    for i, v in ((33, 300), (34, 301)):
        want.append(row(NH_P + "," + CUST_DST, core + "," + CUST_SRC,
                        [(16001, 0, 0, 255), (2001, 0, 1, 255)]) + ["0"] + inner_fields(i, v))
    r1 = rows.get("16001", [])
    c.eq(r1[:35], want, "pw1 tshark fields (33 untagged, 2 tagged frames)")
    c.eq([g[:7] for g in r1[35:36]],
         [row(NH_P + "," + CUST_DST, core + "," + CUST_SRC,
              [(16001, 0, 0, 255), (2001, 0, 1, 255)]) + ["0"]], "pw1: 42-byte ARP frame under CW")
    c.eq(len(r1), len(ac1), "pw1 tshark frame count")
    want = []
    for i in range(5):
        want.append(row(NH_P + "," + CUST_DST, core + "," + CUST_SRC,
                        [(16002, 5, 0, 255), (2002, 5, 1, 255)]) + [""] + inner_fields(50 + i))
    c.eq(rows.get("16002"), want, "pw2 tshark fields (raw: no vlan.id inside, TC = PCP 5)")
    want = []
    for n in range(9):
        i, tc = (60 + n, n % 8) if n < 8 else (60, 0)
        fl = flows[n] if n < len(flows) else None
        want.append(row(NH_P + "," + CUST_DST, core + "," + CUST_SRC,
                        [(16003, tc, 0, 255), (2003, tc, 0, 255), (fl, 0, 1, 0)])
                    + ["0"] + inner_fields(i, 200))
    c.eq(rows.get("16003", [])[:9], want, "pw3 tshark fields (tagged: VID 200 crosses, flow label)")
    for port in ("ac1", "ac2"):
        c.eq(c.frames("impose_%s_out.pcap" % port), [], "nothing sent out of %s" % port)
    c.counters("impose", rx=len(ac1) + len(ac2), forwarded=len(ac1) + 30,
               drops={"ac_miss": 2, "pw_mtu_exceeded": 1},
               ports={"ac1": (len(ac1), 0), "ac2": (len(ac2), 0), "core": (0, len(ac1) + 30)},
               pws={1: (0, len(ac1)), 2: (0, 5), 3: (0, 17), 4: (0, 8)})


def check_dispose(c):
    c.section = "dispose"
    ins = c.frames("dispose_core_in.pcap")
    ac1 = c.frames("dispose_ac1_out.pcap")
    ac2 = c.frames("dispose_ac2_out.pcap")
    want1 = [customer(200 + i) for i in range(7)] + \
        [bytes(Ether(dst=CUST_DST, src=CUST_SRC, type=0x0806) / Raw(b"\x01" * 28))] + \
        [customer(207)]
    c.eq(ac1, want1, "ac1: customer frames byte-exact (CW stripped, padding cut by CW length)")

    def tagged(b, vid, pcp=0):
        return b[:12] + (0x8100).to_bytes(2, "big") + (pcp << 13 | vid).to_bytes(2, "big") + b[12:]

    def retag(b, vid):
        tci = int.from_bytes(b[14:16], "big")
        return b[:14] + ((tci & 0xf000) | vid).to_bytes(2, "big") + b[16:]
    want2 = [tagged(customer(210 + i), 110) for i in range(3)] + \
            [retag(customer(220 + i, vlan=200, pcp=4), 210) for i in range(3)]
    c.eq(ac2, want2, "ac2: VLAN 110 added (raw), VID 200 -> 210 with PCP 4 kept (tagged)")
    got = c.tshark("dispose_ac2_out.pcap", ["eth.dst", "eth.src", "vlan.id", "vlan.priority"] +
                   INNER[:6])
    want = [[CUST_DST, CUST_SRC, "110", "0"] + inner_fields(210 + i)[:6] for i in range(3)] + \
           [[CUST_DST, CUST_SRC, "210", "4"] + inner_fields(220 + i)[:6] for i in range(3)]
    c.eq(got, want, "ac2 tshark fields")
    got = c.tshark("dispose_ac1_out.pcap", ["eth.dst", "eth.src", "mpls.label"] + INNER[:6])
    want = [[CUST_DST, CUST_SRC, ""] + inner_fields(200 + i)[:6] for i in range(7)]
    c.eq(len(got), 9, "ac1 tshark frame count")
    c.eq(got[:7], want, "ac1 tshark fields: no label left, inner memcache intact")
    c.eq(c.frames("dispose_core_out.pcap"), [], "nothing sent out of the core port")
    c.counters("dispose", rx=len(ins), forwarded=15,
               drops={"cw_invalid": 3, "ttl_expired": 4, "ilm_miss": 2,
                      "label_stack_too_deep": 1, "pw_bad_stack": 2, "ac_tag_missing": 1,
                      "pw_payload_truncated": 1},
               ports={"core": (len(ins), 0), "ac1": (0, 9), "ac2": (0, 6)},
               labels={POPLOOKUP_PE2: 1, FWD_PE2: 2},
               pws={1: (15, 0), 2: (4, 0), 3: (5, 0)})


def check_journey(c):
    c.section = "journey"
    ac1_in = c.frames("impose_ac1_in.pcap")
    ac2_in = c.frames("impose_ac2_in.pcap")
    # P: PHP, the PW label on top; TTL 254 after the pop (uniform, min(255, 254)).
    got = c.tshark("journey_p_east_out.pcap", ["eth.dst", "eth.src", "mpls.label", "mpls.ttl"],
                   [(2001, "pwethcw"), (2002, "pwethnocw")])
    c.eq(len(got), len(ac1_in) + 30, "P: frames out")
    c.eq(sorted(set((g[0].split(",")[0], g[1].split(",")[0], g[2].split(",")[0],
                     g[3].split(",")[0]) for g in got)),
         [(port_mac(PE2, 0), port_mac(PJ, 1), "2001", "254"),
          (port_mac(PE2, 0), port_mac(PJ, 1), "2002", "254"),
          (port_mac(PE2, 0), port_mac(PJ, 1), "2003", "254"),
          (port_mac(PE2, 0), port_mac(PJ, 1), "2004", "254")],
         "P: transport popped, MACs toward PE2")
    ac1 = c.frames("journey_pe2_ac1_out.pcap")
    ac2 = c.frames("journey_pe2_ac2_out.pcap")
    c.eq(ac1, ac1_in, "PE2 ac1 = PE1 ac1 input, byte for byte")

    def vid(b, v):
        return b[:14] + ((int.from_bytes(b[14:16], "big") & 0xf000) | v).to_bytes(2, "big") + b[16:]
    # Raw ACs: PE2 puts its own tag back, its PCP the PW label's TC (PE1
    # copied the customer PCP of VLAN 100 / 300 into it: the PCP crossed);
    # tagged: the VID is rewritten, the PCP crossed in the tag itself.
    want = [vid(b, 110) for b in ac2_in[:5]] + \
        [vid(b, 210) for b in ac2_in[5:22]] + \
        [vid(b, 310) for b in ac2_in[22:30]]
    c.eq(ac2, want, "PE2 ac2 = PE1 ac2 input with VID 100 -> 110, 300 -> 310 (raw, PCP from "
         "the TC), 200 -> 210 (tagged)")
    c.counters("journey_pe2", rx=len(ac1_in) + 30, forwarded=len(ac1_in) + 30, drops={},
               pws={1: (len(ac1_in), 0), 2: (5, 0), 3: (17, 0), 4: (8, 0)})


# ---------------------------------------------------------------- self-test

def _set_byte(n, off, fn):
    def mut(frames):
        b = bytearray(frames[n])
        b[off] = fn(b[off]) & 0xff
        frames[n] = bytes(b)
        return frames
    return mut


def _counter(key, delta):
    def mut(c):
        c["drops"][key] += delta
        return c
    return mut


# Each mutation is one wrong value in what the fast path wrote; the section's
# checks must catch each on its own. (section, file, what, change)
MUTATIONS = [
    (check_lsr, "lsr_swap_out.pcap", "TTL of a swapped label", _set_byte(5, 17, lambda x: x - 1)),
    (check_lsr, "lsr_swap_out.pcap", "TC of a swapped label", _set_byte(6, 16, lambda x: x ^ 0x02)),
    (check_lsr, "lsr_swap_out.pcap", "next-hop MAC", _set_byte(0, 5, lambda x: x ^ 1)),
    (check_lsr, "lsr_swap_out.pcap", "a byte of the inner frame", _set_byte(39, 60, lambda x: x ^ 1)),
    (check_lsr, "lsr_php_out.pcap", "exposed label TTL after PHP", _set_byte(1, 17, lambda x: x + 1)),
    (check_lsr, "lsr_push_out.pcap", "S bit of a pushed label", _set_byte(0, 20, lambda x: x ^ 1)),
    (check_lsr, "lsr_ecmp_a_out.pcap", "one ECMP frame lost", lambda f: f[:-1]),
    (check_lsr, "lsr.counters.json", "a drop counter", _counter("ttl_expired", 1)),
    (check_impose, "impose_core_out.pcap", "PW label S bit", _set_byte(0, 20, lambda x: x ^ 1)),
    (check_impose, "impose_core_out.pcap", "control word first nibble",
     _set_byte(0, 22, lambda x: x | 0x40)),
    (check_impose, "impose_core_out.pcap", "transport label value", _set_byte(3, 15, lambda x: x ^ 0x10)),
    (check_impose, "impose.counters.json", "a drop counter", _counter("ac_miss", -1)),
    (check_dispose, "dispose_ac2_out.pcap", "rewritten VID", _set_byte(4, 15, lambda x: x + 1)),
    (check_dispose, "dispose_ac1_out.pcap", "padding left on a short frame",
     lambda f: f[:-1] + [f[-1] + b"\x00"]),
    (check_dispose, "dispose.counters.json", "a drop counter", _counter("cw_invalid", -1)),
    (check_journey, "journey_pe2_ac1_out.pcap", "a customer frame lost", lambda f: f[1:]),
]


def selftest(d):
    """Re-runs each section's checks on outputs with one value changed: every
    change must make a check fail, or the checks could not catch that bug."""
    missed = 0
    m = os.path.join(d, "mutant")
    for fn, name, what, change in MUTATIONS:
        os.makedirs(m, exist_ok=True)
        for f in os.listdir(d):
            dst = os.path.join(m, f)
            if os.path.isfile(os.path.join(d, f)) and not os.path.lexists(dst):
                os.symlink(os.path.join(d, f), dst)
        target = os.path.join(m, name)
        os.unlink(target)
        if name.endswith(".json"):
            with open(os.path.join(d, name)) as src:
                data = change(json.load(src))
            with open(target, "w") as out:
                json.dump(data, out)
        else:
            frames = change([bytes(x) for x in rdpcap(os.path.join(d, name))])
            wrpcap(target, [Ether(x) for x in frames])
        c = Checker(m)
        try:
            fn(c)
        except Exception as e:  # noqa: BLE001
            c.failures.append("raised %s" % e)
        os.unlink(target)
        os.symlink(os.path.join(d, name), target)
        print("%-8s %s: %s -> %s" % ("caught" if c.failures else "MISSED", name, what,
                                    "%d checks failed" % len(c.failures)))
        missed += not c.failures
    print("self-test: %d of %d mutations caught" % (len(MUTATIONS) - missed, len(MUTATIONS)))
    return 1 if missed else 0


def check(d):
    c = Checker(d)
    for fn in (check_lsr, check_impose, check_dispose, check_journey):
        try:
            fn(c)
        except Exception as e:  # a crash in a check is a failure, not a pass
            c.failures.append("%s: check raised %s: %s" % (c.section, type(e).__name__, e))
    for f in c.failures:
        print("FAIL " + f)
    print("%d checks passed, %d failed" % (c.passed, len(c.failures)))
    return 1 if c.failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("gen", "check", "selftest"):
        print(__doc__)
        sys.exit(2)
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
        sys.exit(0)
    if sys.argv[1] == "selftest":
        sys.exit(selftest(sys.argv[2]))
    sys.exit(check(sys.argv[2]))
