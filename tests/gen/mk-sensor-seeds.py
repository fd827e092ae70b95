#!/usr/bin/env python3
"""Rebuilds fuzz/corpus/sensor/: each seed is a capture turned into fuzz_sensor's input format
([link selector][time step ms][length be16][frame]...). Usage, from the repository root:
    python3 tests/gen/mk-sensor-seeds.py ../shared/data
Classic pcap only (the captures used here are), link type Ethernet -> selector 0."""
import os
import struct
import sys

LINKS = {1: 0, 101: 1, 113: 2, 276: 3, 228: 4, 229: 5, 0: 6, 12: 7}


def frames(path, limit):
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        nsec = magic in (0xA1B23C4D, 0x4D3CB2A1)
        link = struct.unpack(end + "I", hdr[20:24])[0] & 0xFFFF
        prev = None
        n = 0
        while n < limit:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, cap, _ = struct.unpack(end + "IIII", rec)
            data = f.read(cap)
            us = sec * 1000000 + (frac // 1000 if nsec else frac)
            step = 0 if prev is None else min(255, max(0, (us - prev) // 1000))
            prev = us
            n += 1
            yield LINKS.get(link, 0), step, data


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
    seeds = {
        "infection": (shared + "/pcap/synthetic/mirai_infection_synthetic.pcap", 200),
        "scan": (shared + "/pcap/synthetic/mirai_scan_synthetic.pcap", 120),
        "telnet_human": (shared + "/pcap/benign/telnet_openbsd_login.pcap", 200),
        "http": (shared + "/pcap/benign/http_download_html.pcap", 200),
        "dns_iodine": (shared + "/pcap/edge/dns_iodine_tunnel.pcap", 60),
        "hydra": ("tests/data/pcap/netns/hydra_telnet.pcap", 200),
        "floods": ("tests/data/pcap/netns/hping3_floods.pcap", 300),
        "attacks": ("tests/data/pcap/attacks/attacks.pcap", 400),
    }
    out = "fuzz/corpus/sensor"
    os.makedirs(out, exist_ok=True)
    for name, (path, limit) in seeds.items():
        buf = bytearray()
        for sel, step, data in frames(path, limit):
            data = data[:65535]
            buf += bytes([sel, step]) + struct.pack(">H", len(data)) + data
        with open(os.path.join(out, name), "wb") as f:
            f.write(buf)
        print(name, len(buf), file=sys.stderr)


main()
