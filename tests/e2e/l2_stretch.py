#!/usr/bin/python3
"""Clients for tests/e2e/test_l2_stretch.sh: plain sockets, the standard
library only (no PyPI here).

  vlan-responder IFACE VID IP MAC SECONDS   answer ARP and ICMP echo on one VLAN
  vlan-ping IFACE VID SRC_IP DST_IP MAC COUNT   ARP, then COUNT echoes; every
                                            reply must come back on VID
  telemetry PREFIX COMMAND [PARAM]          one DPDK telemetry request, JSON out
  redis-fill HOST PREFIX N                  SET PREFIX:i = value(i), pipelined
  redis-check HOST PREFIX N                 every key there, every value right
  redis-writer HOST PREFIX SECONDS          SETs one by one while a link is cut
  memcached HOST TAG N [SECONDS]            N sets then N gets (looped for SECONDS)

A VLAN host is emulated with a packet socket because the lab's kernel has no
802.1Q interfaces: the kernel takes the tag off frames it receives (packet
sockets see it in PACKET_AUXDATA), frames we send keep the tag we wrote.
"""
import json
import os
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 0x10


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class VlanSocket:
    """Frames on one VLAN of an interface: send with the tag, read with it."""

    def __init__(self, iface, vid):
        self.vid = vid
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.s.bind((iface, 0))
        self.s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        self.mac = self.s.getsockname()[4]

    def send(self, dst, src, ethertype, payload):
        frame = dst + src + struct.pack("!HHH", 0x8100, self.vid, ethertype) + payload
        self.s.send(frame)

    def recv(self, timeout):
        """(vid, dst, src, ethertype, payload) of the next frame, or None."""
        self.s.settimeout(timeout)
        try:
            data, anc, _, addr = self.s.recvmsg(65535, socket.CMSG_SPACE(32))
        except socket.timeout:
            return None
        if addr[2] == socket.PACKET_OUTGOING:
            return False
        vid = None
        for level, kind, value in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA and len(value) >= 20:
                status, _, _, _, _, tci, _ = struct.unpack("IIIHHHH", value[:20])
                if status & TP_STATUS_VLAN_VALID:
                    vid = tci & 0xFFF
        dst, src = data[0:6], data[6:12]
        (etype,) = struct.unpack("!H", data[12:14])
        body = data[14:]
        if vid is None and etype == 0x8100:
            tci, etype = struct.unpack("!HH", data[14:18])
            vid, body = tci & 0xFFF, data[18:]
        return vid, dst, src, etype, body


def arp(op, smac, sip, tmac, tip):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, smac, socket.inet_aton(sip), tmac,
                       socket.inet_aton(tip))


def ipv4(src, dst, proto, payload, ident=0):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def icmp_echo(kind, ident, seq, data):
    msg = struct.pack("!BBHHH", kind, 0, 0, ident, seq) + data
    return msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]


def vlan_responder(iface, vid, ip, mac, seconds):
    vs = VlanSocket(iface, int(vid))
    me = mac_bytes(mac)
    end = time.time() + float(seconds)
    answered = 0
    while time.time() < end:
        f = vs.recv(0.2)
        if not f:
            continue
        fvid, dst, src, etype, body = f
        if fvid != vs.vid:
            continue
        if etype == 0x0806 and len(body) >= 28:
            op = struct.unpack("!H", body[6:8])[0]
            sip, tip = socket.inet_ntoa(body[14:18]), socket.inet_ntoa(body[24:28])
            if op == 1 and tip == ip:
                vs.send(src, me, 0x0806, arp(2, me, ip, body[8:14], sip))
                answered += 1
        elif etype == 0x0800 and len(body) >= 28 and body[9] == 1 and dst == me:
            sip, dip = socket.inet_ntoa(body[12:16]), socket.inet_ntoa(body[16:20])
            ihl = (body[0] & 15) * 4
            icmp = body[ihl:struct.unpack("!H", body[2:4])[0]]
            if dip == ip and icmp[0] == 8:
                ident, seq = struct.unpack("!HH", icmp[4:8])
                vs.send(src, me, 0x0800, ipv4(ip, sip, 1, icmp_echo(0, ident, seq, icmp[8:])))
                answered += 1
    print(f"vlan-responder {iface} vid {vid}: answered {answered}")


def vlan_ping(iface, vid, src_ip, dst_ip, mac, count):
    vs = VlanSocket(iface, int(vid))
    me = mac_bytes(mac)
    peer = None
    for _ in range(10):
        vs.send(b"\xff" * 6, me, 0x0806, arp(1, me, src_ip, b"\0" * 6, dst_ip))
        end = time.time() + 0.5
        while time.time() < end and peer is None:
            f = vs.recv(0.1)
            if f and f[3] == 0x0806 and f[4][6:8] == b"\x00\x02" and socket.inet_ntoa(f[4][14:18]) == dst_ip:
                if f[0] != vs.vid:
                    print(f"ARP reply on VLAN {f[0]}, expected {vs.vid}")
                    return 1
                peer = f[4][8:14]
        if peer:
            break
    if peer is None:
        print(f"vlan-ping: no ARP reply from {dst_ip} on VLAN {vid}")
        return 1
    print(f"ARP: {dst_ip} is at {peer.hex(':')} (reply tagged VLAN {vid})")
    ok, rtts = 0, []
    ident = os.getpid() & 0xFFFF
    for seq in range(int(count)):
        t0 = time.time()
        vs.send(peer, me, 0x0800, ipv4(src_ip, dst_ip, 1, icmp_echo(8, ident, seq, b"l2vpn" * 10), seq))
        while time.time() - t0 < 1.0:
            f = vs.recv(0.1)
            if not f or f[3] != 0x0800:
                continue
            body = f[4]
            ihl = (body[0] & 15) * 4
            if body[9] == 1 and body[ihl] == 0 and struct.unpack("!HH", body[ihl + 4:ihl + 8]) == (ident, seq):
                if f[0] != vs.vid:
                    print(f"echo reply on VLAN {f[0]}, expected {vs.vid}")
                    return 1
                ok += 1
                rtts.append((time.time() - t0) * 1000)
                break
    avg = sum(rtts) / len(rtts) if rtts else 0
    print(f"vlan-ping {dst_ip} on VLAN {vid}: {count} sent, {ok} replies, avg rtt {avg:.2f} ms")
    return 0 if ok == int(count) else 1


def telemetry(prefix, command, param=None):
    path = f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    s.recv(16384)  # the greeting
    s.send((command + ("," + param if param else "")).encode())
    reply = json.loads(s.recv(65536).decode())
    s.close()
    print(json.dumps(reply.get(command, reply)))
    return 0


# ---------------------------------------------------------------- redis (RESP)
class Redis:
    def __init__(self, host, port=6379, timeout=5):
        self.addr = (host, port)
        self.timeout = timeout
        self.connect()

    def connect(self):
        self.s = socket.create_connection(self.addr, timeout=self.timeout)
        self.buf = b""

    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        line = self.line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self.exact(n)
        if t == b"*":
            return [self.reply() for _ in range(int(rest))]
        raise RuntimeError(f"bad reply {line!r}")

    def pipeline(self, commands):
        self.s.sendall(b"".join(self.encode(*c) for c in commands))
        return [self.reply() for _ in commands]


def value(prefix, i):
    return f"{prefix}-value-{i}-{i * 7919 % 100003}".encode()


def redis_fill(host, prefix, n):
    r = Redis(host)
    n = int(n)
    for base in range(0, n, 1000):
        cmds = [("SET", f"{prefix}:{i}", value(prefix, i)) for i in range(base, min(n, base + 1000))]
        assert all(x == "OK" for x in r.pipeline(cmds))
    print(f"redis-fill: {n} keys written to {host}")
    return 0


def redis_check(host, prefix, n):
    r = Redis(host)
    n = int(n)
    bad = 0
    for base in range(0, n, 1000):
        keys = [f"{prefix}:{i}" for i in range(base, min(n, base + 1000))]
        got = r.pipeline([["MGET"] + keys])[0]
        for i, v in zip(range(base, base + len(keys)), got):
            bad += v != value(prefix, i)
    print(f"redis-check {host}: {n - bad} of {n} keys present with the right value")
    return 0 if bad == 0 else 1


def redis_writer(host, prefix, seconds):
    """One SET at a time (about 1,000/s) so some are in flight when the link goes."""
    r = Redis(host, timeout=2)
    end = time.time() + float(seconds)
    i = retries = failures = 0
    while time.time() < end:
        for attempt in range(5):
            try:
                if r.pipeline([("SET", f"{prefix}:{i}", value(prefix, i))])[0] == "OK":
                    break
            except (OSError, ConnectionError) as e:
                retries += 1
                print(f"redis-writer: retry {attempt + 1} of key {i}: {e}", file=sys.stderr)
                try:
                    r.connect()
                except OSError:
                    time.sleep(0.2)
        else:
            failures += 1
        i += 1
        time.sleep(0.001)
    print(json.dumps({"written": i, "retries": retries, "failures": failures}))
    return 0 if failures == 0 else 1


# ---------------------------------------------------------------- memcached (text protocol)
class Memcached:
    def __init__(self, host, port=11211, timeout=2):
        self.addr = (host, port)
        self.timeout = timeout
        self.connect()

    def connect(self):
        self.s = socket.create_connection(self.addr, timeout=self.timeout)
        self.f = self.s.makefile("rb")

    def set_many(self, items):
        """Pipelined sets: every reply must be STORED."""
        self.s.sendall(b"".join(b"set %s 0 0 %d\r\n%s\r\n" % (k, len(v), v) for k, v in items))
        for _ in items:
            line = self.f.readline()
            if not line:
                raise ConnectionError("memcached closed the connection")
            if line != b"STORED\r\n":
                raise ConnectionError(f"set: {line!r}")
        return True

    def get_many(self, keys):
        """Pipelined gets: the values in order (None for a miss)."""
        self.s.sendall(b"".join(b"get %s\r\n" % k for k in keys))
        out = []
        for _ in keys:
            line = self.f.readline()
            if line == b"END\r\n":
                out.append(None)
                continue
            parts = line.split()
            if len(parts) != 4 or parts[0] != b"VALUE":
                raise ConnectionError(f"get: {line!r}")
            out.append(self.f.read(int(parts[3]) + 2)[:-2])
            if self.f.readline() != b"END\r\n":
                raise ConnectionError("get: no END")
        return out


def memcached(host, tag, n, seconds=0):
    """N sets then N gets, every value checked, in pipelined batches of 100;
    with SECONDS, round after round until that much time passed. A batch
    whose connection times out or breaks is retried whole on a new
    connection (up to 5 times): sets are idempotent, gets read."""
    mc = Memcached(host)
    n = int(n)
    stats = {"sets": 0, "gets": 0, "wrong": 0, "retries": 0, "failures": 0, "rounds": 0}

    def attempt(fn):
        for k in range(5):
            try:
                return fn()
            except (OSError, ConnectionError) as e:
                stats["retries"] += 1
                print(f"memcached {tag}: retry {k + 1}: {e}", file=sys.stderr)
                try:
                    mc.connect()
                except OSError:
                    time.sleep(0.2)
        stats["failures"] += 1
        return None

    end = time.time() + float(seconds)
    t = tag.encode()
    while True:
        r = stats["rounds"]
        def val(i):
            return b"%s-%d-%d-" % (t, r, i) + b"x" * (i % 200)
        for base in range(0, n, 100):
            idx = range(base, min(n, base + 100))
            items = [(b"%s:%d" % (t, i), val(i)) for i in idx]
            if attempt(lambda: mc.set_many(items)):
                stats["sets"] += len(items)
        for base in range(0, n, 100):
            idx = range(base, min(n, base + 100))
            got = attempt(lambda: mc.get_many([b"%s:%d" % (t, i) for i in idx]))
            stats["gets"] += len(idx)
            got = got or [None] * len(idx)
            stats["wrong"] += sum(g != val(i) for i, g in zip(idx, got))
        stats["rounds"] += 1
        if time.time() >= end:
            break
    print(json.dumps(stats))
    return 0 if stats["wrong"] == 0 and stats["failures"] == 0 else 1


def main(argv):
    cmds = {
        "vlan-responder": vlan_responder, "vlan-ping": vlan_ping, "telemetry": telemetry,
        "redis-fill": redis_fill, "redis-check": redis_check, "redis-writer": redis_writer,
        "memcached": memcached,
    }
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    return cmds[argv[1]](*argv[2:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
