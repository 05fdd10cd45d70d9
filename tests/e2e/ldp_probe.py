"""Labelled probe traffic for tests/e2e/test_node_ldp.sh (stdlib only).

  ldp_probe.py send IFACE DST_MAC SRC_MAC LABEL SRC_IP DST_IP COUNT INTERVAL_MS
      sends COUNT MPLS frames (one label, S=1, TTL 64) out of IFACE over a
      raw AF_PACKET socket, one every INTERVAL_MS: below the label an
      IPv4/UDP packet to DST_IP port 40001 whose payload is its sequence
      number. The ingress LSR's FTN push, done by hand: the fast path of
      the router it leaves must ignore it (the kernel's own frame).
  ldp_probe.py recv SECONDS OUT.json
      counts the probes that arrive on UDP port 40001 for SECONDS (they
      reach the egress's kernel as IPv4 after PHP) and writes their
      sequence numbers and arrival times; OUT.json.ready once it listens.
  ldp_probe.py summary OUT.json COUNT INTERVAL_MS
      prints: received, lost, the longest run of lost probes in ms.
"""
import json
import socket
import struct
import sys
import time

PORT = 40001


def ip_checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def send(iface, dst_mac, src_mac, label, src_ip, dst_ip, count, interval_ms):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    eth = bytes.fromhex(dst_mac.replace(":", "")) + bytes.fromhex(src_mac.replace(":", "")) + b"\x88\x47"
    lse = struct.pack("!I", int(label) << 12 | 1 << 8 | 64)
    src, dst = socket.inet_aton(src_ip), socket.inet_aton(dst_ip)
    count, interval = int(count), float(interval_ms) / 1000.0
    t0 = time.monotonic()
    for seq in range(count):
        payload = struct.pack("!QQ", seq, time.monotonic_ns())
        udp = struct.pack("!HHHH", 40000, PORT, 8 + len(payload), 0) + payload
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), seq & 0xFFFF, 0, 64, 17, 0, src, dst)
        hdr = hdr[:10] + struct.pack("!H", ip_checksum(hdr)) + hdr[12:]
        s.send(eth + lse + hdr + udp)
        delay = t0 + (seq + 1) * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print("sent %d" % count)


def recv(seconds, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", PORT))
    s.settimeout(0.1)
    open(out + ".ready", "w").close()  # bound: the sender may start
    end = time.monotonic() + float(seconds)
    got = []
    while time.monotonic() < end:
        try:
            data = s.recv(2048)
        except socket.timeout:
            continue
        if len(data) >= 16:
            seq, _ = struct.unpack("!QQ", data[:16])
            got.append([seq, time.monotonic_ns()])
    with open(out, "w") as f:
        json.dump(got, f)


def summary(path, count, interval_ms):
    """received, lost, longest run of lost probes in ms"""
    got = sorted({s for s, _ in json.load(open(path))})
    count = int(count)
    seen = set(got)
    longest = run = 0
    for i in range(count):
        run = 0 if i in seen else run + 1
        longest = max(longest, run)
    print(len(got), count - len(got), int(longest * float(interval_ms)))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"send": send, "recv": recv, "summary": summary}[cmd](*args)
