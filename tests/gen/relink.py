#!/usr/bin/env python3
"""Rewrites an Ethernet classic pcap into another link type, frame by frame, so that the same
traffic can be read through every decoder path:
    python3 tests/gen/relink.py IN.pcap OUT KIND
KIND: sll (113), sll2 (276), raw (101), ipv4 (228, IPv4 frames only), vlan (1, an 802.1Q tag
added), pcapng (the Ethernet frames in a pcapng file with a nanosecond if_tsresol)."""
import struct
import sys


def read(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        nsec = magic in (0xA1B23C4D, 0x4D3CB2A1)
        link = struct.unpack(end + "I", hdr[20:24])[0] & 0xFFFF
        assert link == 1, "Ethernet input expected"
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, cap, wire = struct.unpack(end + "IIII", rec)
            yield sec, (frac // 1000 if nsec else frac), f.read(cap), wire


def convert(frame, kind):
    etype = frame[12:14]
    mac = frame[6:12]
    if kind == "sll":
        return struct.pack(">HHH", 0, 1, 6) + mac + b"\0\0" + etype + frame[14:], 113
    if kind == "sll2":
        return etype + b"\0\0" + struct.pack(">IHBB", 2, 1, 0, 6) + mac + b"\0\0" + frame[14:], 276
    if kind == "raw":
        return frame[14:], 101
    if kind == "ipv4":
        return frame[14:], 228
    if kind == "vlan":
        return frame[:12] + b"\x81\x00\x00\x2a" + frame[12:], 1
    raise SystemExit("unknown kind " + kind)


def main():
    src, dst, kind = sys.argv[1:4]
    recs = list(read(src))
    if kind in ("raw", "ipv4"):
        keep = (b"\x08\x00",) if kind == "ipv4" else (b"\x08\x00", b"\x86\xdd")
        recs = [r for r in recs if r[2][12:14] in keep]
    with open(dst, "wb") as f:
        if kind == "pcapng":
            shb = struct.pack("<IIIHHq", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1) + struct.pack("<I", 28)
            opt = struct.pack("<HHB3x", 9, 1, 9) + struct.pack("<HH", 0, 0)  # if_tsresol = 10^-9
            idb_body = struct.pack("<HHI", 1, 0, 0) + opt
            idb = struct.pack("<II", 1, 12 + len(idb_body)) + idb_body + struct.pack("<I", 12 + len(idb_body))
            f.write(shb + idb)
            for sec, us, data, wire in recs:
                ns = (sec * 1000000 + us) * 1000
                pad = b"\0" * (-len(data) % 4)
                body = struct.pack("<IIIII", 0, ns >> 32, ns & 0xFFFFFFFF, len(data), wire) + data + pad
                blen = 12 + len(body)
                f.write(struct.pack("<II", 6, blen) + body + struct.pack("<I", blen))
            return
        link = convert(recs[0][2], kind)[1] if recs else 1
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, link))
        for sec, us, data, wire in recs:
            out, _ = convert(data, kind)
            f.write(struct.pack("<IIII", sec, us, len(out), wire - len(data) + len(out)) + out)


main()
