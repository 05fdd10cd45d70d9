#!/usr/bin/python3
"""MPLS echo requests built with scapy, for tests/e2e/test_node_oam.sh.

  oam_probe.py codes IFACE DST_MAC SRC_MAC SRC_IP CASE...
      CASE is LABEL:TTL:FEC/LEN[:REPLY_MODE]: one echo request (RFC 8029: V flag, reply
      mode 2 unless given, Target FEC Stack with the LDP IPv4 prefix) under that label
      with that TTL, IPv4 from SRC_IP to 127.0.0.1 with TTL 1 and the Router
      Alert, UDP from port 40000+i to 3503, sent out of IFACE; the reply comes
      back over IP to SRC_IP, port 40000+i, where a UDP socket reads it.
      Prints one line per case: "CASE RETURN_CODE SUBCODE FROM RA", RA
      "router-alert" when the reply carried the option ("- - - -" when no
      reply came within 2 s).
  oam_probe.py flood IFACE DST_MAC SRC_MAC SRC_IP LABEL COUNT
      sends COUNT such requests (TTL 1: they expire at the next router) as
      fast as a raw socket takes them; prints how many and how long.
"""
import socket
import struct
import sys
import time

IP_RECVOPTS = 6  # <linux/in.h>: the IP options of what a socket receives, as ancillary data

from scapy.all import Ether, IP, UDP, Raw, IPOption_Router_Alert
from scapy.contrib.mpls import MPLS


def tlv(t, v):  # RFC 8029 TLV: value zero-padded to 4 octets, length unpadded
    return struct.pack("!HH", t, len(v)) + v + b"\0" * (-len(v) % 4)


def echo(seq, prefix, plen, handle=0x0e2e0001, mode=2):
    fec = tlv(1, socket.inet_aton(prefix) + bytes([plen]))  # LDP IPv4 prefix sub-TLV
    now = time.time() + 2208988800
    return struct.pack("!HHBBBBIIIIII", 1, 1, 1, mode, 0, 0, handle, seq, int(now), int((now % 1) * 2**32), 0, 0) \
        + tlv(1, fec)


def frame(dst, src, src_ip, label, ttl, prefix, plen, sport, seq, mode=2):
    return bytes(Ether(dst=dst, src=src) / MPLS(label=label, s=1, ttl=ttl)
                 / IP(src=src_ip, dst="127.0.0.1", ttl=1, options=[IPOption_Router_Alert()])
                 / UDP(sport=sport, dport=3503) / Raw(echo(seq, prefix, plen, mode=mode)))


def codes(iface, dst, src, src_ip, cases):
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    raw.bind((iface, 0))
    for i, case in enumerate(cases):
        label, ttl, fec, *mode = case.split(":")
        prefix, plen = fec.split("/")
        sport = 40000 + i
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rx.setsockopt(socket.IPPROTO_IP, IP_RECVOPTS, 1)
        rx.bind(("0.0.0.0", sport))
        rx.settimeout(2.0)
        raw.send(frame(dst, src, src_ip, int(label), int(ttl), prefix, int(plen), sport, i + 1,
                       int(mode[0]) if mode else 2))
        try:
            data, anc, _, addr = rx.recvmsg(9000, 256)
            ra = any(t == IP_RECVOPTS and d[:2] == b"\x94\x04" for _, t, d in anc)
            print(case, data[6], data[7], addr[0], "router-alert" if ra else "-", flush=True)
        except socket.timeout:
            print(case, "- - - -", flush=True)
        rx.close()


def flood(iface, dst, src, src_ip, label, count):
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    raw.bind((iface, 0))
    f = frame(dst, src, src_ip, label, 1, "10.255.0.4", 32, 39999, 1)
    t0 = time.time()
    sent = 0
    for _ in range(count):
        try:
            raw.send(f)
            sent += 1
        except OSError:
            time.sleep(0.0001)
    print(sent, round(time.time() - t0, 3))


if __name__ == "__main__":
    if sys.argv[1] == "codes":
        codes(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:])
    elif sys.argv[1] == "flood":
        flood(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]), int(sys.argv[7]))
    else:
        sys.exit(__doc__)
