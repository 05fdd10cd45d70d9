#!/usr/bin/python3
"""Writes the seed corpus of fuzz_frames (fuzz/corpus/frames/) with scapy.

Record format (fuzz/fuzz_frames.cpp): [selector][length hi][length lo][frame].
Ports by selector % 6: 0 core, 1 core2 (MPLS), 2 ac1, 3 ac2, 4 ac3, 5 ac4 (ACs).
Labels are those of the fuzzer's state: 100 swap (+LFA), 200 pop, 300 push,
400 ECMP, 700 swap+push, 800 to explicit null, 900 pop-and-lookup, PWs
6001-6004 (VPWS), 6011/6012/6013 (VPLS, 6013 with a control word).
"""
import os
import struct
import sys

from scapy.all import Ether, Dot1Q, Dot1AD, IP, UDP, Raw, ARP
from scapy.contrib.mpls import MPLS

CORE, CORE2, AC1, AC2, AC3, AC4 = range(6)
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "frames")
os.makedirs(out, exist_ok=True)

def rec(port, frame, split=None):
    b = bytes(frame)
    sel = port
    if split is not None:
        sel |= 0x80 | (split & 15) << 3
        sel = sel - (sel % 6) + port if (sel - (sel % 6) + port) < 256 else sel
    return struct.pack("!BH", sel, len(b)) + b

def cust(dst="02:00:00:00:00:02", src="02:00:00:00:00:01", n=46):
    return Ether(dst=dst, src=src) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1000, dport=2000) / Raw(b"x" * n)

def core(*labels, payload=b"\x45" + b"\0" * 45):
    e = Ether(dst="02:00:00:00:00:10", src="06:00:00:00:00:99", type=0x8847)
    stack = None
    for i, (label, ttl) in enumerate(labels):
        l = MPLS(label=label, s=1 if i == len(labels) - 1 else 0, ttl=ttl)
        stack = l if stack is None else stack / l
    return e / stack / Raw(payload)

CW = b"\0\0\0\0"
seeds = {
    "lsr_swap_pop_push_ecmp": [rec(CORE, core((100, 64), (55, 9))), rec(CORE, core((200, 64), (16, 5))),
                               rec(CORE2, core((300, 64))), rec(CORE, core((400, 7), (77, 1))),
                               rec(CORE, core((700, 2))), rec(CORE, core((800, 64)))],
    "reserved_labels": [rec(CORE, core((0, 64), (100, 64))), rec(CORE, core((2, 64))),
                        rec(CORE, core((7, 64), (1234, 64), (100, 64))), rec(CORE, core((3, 64))),
                        rec(CORE, core((14, 1))), rec(CORE, core((900, 64), (100, 64)))],
    "ttl_and_depth": [rec(CORE, core((100, 1))), rec(CORE, core((100, 0))),
                      rec(CORE, core(*[(100 + i, 64) for i in range(9)]))],
    "vpws_disposition": [rec(CORE, bytes(core((6001, 64), payload=bytes(cust())))),
                         rec(CORE, bytes(core((6002, 64), payload=CW + bytes(cust())))),
                         rec(CORE, bytes(core((6003, 64), (12345, 64), payload=CW + bytes(cust())))),
                         rec(CORE, bytes(core((6004, 64), payload=bytes(Ether(dst="02:00:00:00:00:02") / Dot1Q(vlan=400) / Raw(b"y" * 50)))))],
    "vpws_imposition": [rec(AC1, cust()), rec(AC2, Ether(dst="02:00:00:00:00:02", src="02:00:00:00:00:01") / Dot1Q(vlan=100) / Raw(b"z" * 60)),
                        rec(AC2, Ether(dst="02:00:00:00:00:02", src="02:00:00:00:00:01") / Dot1Q(vlan=200) / IP() / UDP() / Raw(b"q" * 30)),
                        rec(AC2, Ether() / Dot1AD(vlan=400) / Dot1Q(vlan=7) / Raw(b"w" * 40)),
                        rec(AC1, cust(n=1400))],
    "vpls_flood_learn": [rec(AC3, Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:31") / ARP()),
                         rec(AC4, cust(dst="02:00:00:00:00:31", src="02:00:00:00:00:41")),
                         rec(AC2, Ether(dst="02:00:00:00:00:41", src="02:00:00:00:00:51") / Dot1Q(vlan=300) / Raw(b"v" * 46)),
                         rec(CORE, bytes(core((6011, 64), payload=bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:61") / ARP())))),
                         rec(CORE, bytes(core((6013, 64), payload=CW + bytes(cust(dst="02:00:00:00:00:31", src="02:00:00:00:00:71"))))),
                         rec(AC3, cust(dst="02:00:00:00:00:77", src="02:00:00:00:00:31"))],
    "scattered_and_truncated": [rec(CORE, core((100, 64)), split=2), rec(AC1, cust(), split=1),
                                rec(CORE, bytes(core((100, 64)))[:16]), rec(AC2, bytes(Ether() / Dot1Q(vlan=100))[:15]),
                                rec(CORE, b"")],
}
for name, records in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(b"".join(records))
print(f"{len(seeds)} seeds in {out}")
