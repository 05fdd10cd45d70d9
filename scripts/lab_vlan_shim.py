#!/usr/bin/env python3
"""VLAN sub-interfaces in user space, for kernels without 8021q (scripts/lab.py).

  lab_vlan_shim.py IFACE VID:TAP [VID:TAP ...]

Makes a tap device TAP per VLAN id in the current namespace; a frame the
kernel sends out of TAP leaves IFACE tagged VID (802.1Q), and a frame
arriving on IFACE tagged VID (in the frame, or in the kernel's
PACKET_AUXDATA after it took the tag off) goes into TAP untagged. Frames on
IFACE without a tag are the kernel's own (IFACE keeps its untagged traffic).
Runs until SIGTERM. Throughput is what one Python thread moves (docs/lab.md).
"""
import fcntl
import os
import select
import signal
import socket
import struct
import sys

ETH_P_ALL, SOL_PACKET, PACKET_AUXDATA = 3, 263, 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 1 << 4
TUNSETIFF, IFF_TAP, IFF_NO_PI = 0x400454CA, 0x0002, 0x1000


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def main():
    iface, pairs = sys.argv[1], sys.argv[2:]
    if not pairs:
        sys.exit("usage: lab_vlan_shim.py IFACE VID:TAP [VID:TAP ...]")
    taps = {}  # vid -> fd
    for p in pairs:
        vid, name = p.split(":")
        taps[int(vid)] = open_tap(name)
    by_fd = {fd: vid for vid, fd in taps.items()}
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"vlan shim on {iface}: " + ", ".join(pairs), flush=True)
    counts = {"to_tap": 0, "from_tap": 0, "other_vlan": 0}
    poll = select.poll()
    poll.register(s.fileno(), select.POLLIN)
    for fd in by_fd:
        poll.register(fd, select.POLLIN)
    while True:
        for fd, _ in poll.poll():
            if fd == s.fileno():
                data, anc, _, addr = s.recvmsg(65536, socket.CMSG_SPACE(32))
                if addr[2] == PACKET_OUTGOING:
                    continue
                vid, frame = None, data
                if data[12:14] == b"\x81\x00":
                    vid, frame = struct.unpack("!H", data[14:16])[0] & 0xFFF, data[:12] + data[16:]
                for level, kind, c in anc:
                    if level == SOL_PACKET and kind == PACKET_AUXDATA:
                        status, _, _, _, _, tci = struct.unpack("IIIHHH", c[:18])
                        if status & TP_STATUS_VLAN_VALID:
                            vid = tci & 0xFFF
                if vid is None:
                    continue
                if vid in taps:
                    os.write(taps[vid], frame)
                    counts["to_tap"] += 1
                else:
                    counts["other_vlan"] += 1
            else:
                frame = os.read(fd, 65536)
                tag = struct.pack("!HH", 0x8100, by_fd[fd])
                try:
                    s.send(frame[:12] + tag + frame[12:])
                    counts["from_tap"] += 1
                except OSError:  # eth0 down or the frame too big: the kernel would drop it too
                    pass


if __name__ == "__main__":
    main()
