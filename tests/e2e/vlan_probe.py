#!/usr/bin/env python3
"""Tagged frames across a VPWS without 8021q in the kernel: `send IFACE VID N`
writes N Ethernet frames tagged VID (ethertype 0x88b5, local experimental,
payload "i17v-probe-<i>") on IFACE with a packet socket; `recv IFACE SECONDS`
counts the probes arriving there and prints "COUNT VIDS" (the VLAN ids they
carried, from the tag in the frame or the kernel's PACKET_AUXDATA)."""
import socket, struct, sys, time

ETH_P_ALL, SOL_PACKET, PACKET_AUXDATA = 3, 263, 8
TP_STATUS_VLAN_VALID = 1 << 4


def send(iface, vid, n):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for i in range(n):
        f = b"\xff" * 6 + b"\x02\x00\x00\x00\x17\x01" + struct.pack("!HHH", 0x8100, vid, 0x88b5)
        f += b"i17v-probe-%d" % i
        s.send(f.ljust(60, b"\0"))
        time.sleep(0.01)


def recv(iface, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.settimeout(0.2)
    end, got, vids = time.time() + seconds, set(), set()
    while time.time() < end:
        try:
            data, anc, _, _ = s.recvmsg(2048, socket.CMSG_SPACE(32))
        except socket.timeout:
            continue
        vid, body = None, data[12:]
        if body[:2] == b"\x81\x00":
            vid, body = struct.unpack("!H", body[2:4])[0] & 0xfff, body[4:]
        for level, kind, c in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA:
                status, _, _, _, _, tci = struct.unpack("IIIHHH", c[:18])
                if status & TP_STATUS_VLAN_VALID:
                    vid = tci & 0xfff
        if body[:2] == b"\x88\xb5" and body[2:13] == b"i17v-probe-":
            got.add(body[2:].split(b"\0")[0])
            vids.add(vid)
    print(len(got), ",".join(str(v) for v in sorted(vids, key=str)))


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        recv(sys.argv[2], float(sys.argv[3]))
