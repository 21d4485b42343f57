#!/usr/bin/env python3
"""Writes a pcap of minimum-size (60 bytes + FCS = 64 on the wire) UDP/IPv4
frames spread over N flows, for the capture benchmark.

  make_flows_pcap.py OUT PACKETS FLOWS [zipf]

uniform: packet i belongs to flow i % FLOWS; zipf: flow ranks drawn with
P(rank k) ~ 1/k (s = 1), deterministic seed, so a few flows are heavy and
most are seen once or twice, as on a real link.
"""
import random
import struct
import sys


def frame(flow):
    src = 0x0A000000 | (flow & 0xFFFFFF)          # 10.x.y.z
    dst = 0xC6336400 | ((flow >> 24) & 0xFF)       # 198.51.100.x
    sport, dport = 1024 + (flow % 60000), 53
    ip = struct.pack("!BBHHHBBHII", 0x45, 0, 46, 0, 0, 64, 17, 0, src, dst)
    csum = sum(struct.unpack("!10H", ip))
    csum = (csum & 0xFFFF) + (csum >> 16)
    csum = ~((csum & 0xFFFF) + (csum >> 16)) & 0xFFFF
    ip = ip[:10] + struct.pack("!H", csum) + ip[12:]
    udp = struct.pack("!HHHH", sport, dport, 26, 0) + bytes(18)
    eth = bytes.fromhex("020000000001020000000002") + b"\x08\x00"
    return eth + ip + udp


def main():
    out, packets, flows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    zipf = len(sys.argv) > 4 and sys.argv[4] == "zipf"
    rng = random.Random(42)
    if zipf:
        # Inverse-CDF sampling of a truncated Zipf(1) over `flows` ranks.
        import bisect
        import itertools
        cdf = list(itertools.accumulate(1.0 / k for k in range(1, flows + 1)))
        total = cdf[-1]
        pick = lambda: bisect.bisect_left(cdf, rng.random() * total)
    else:
        counter = iter(range(packets))
        pick = lambda: next(counter) % flows
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        cache = {}
        for i in range(packets):
            fl = pick()
            fr = cache.get(fl)
            if fr is None:
                fr = frame(fl)
                if len(cache) < 200000:
                    cache[fl] = fr
            # 1 us apart, so a second holds a million packets
            f.write(struct.pack("<IIII", 1704067200 + i // 1000000, i % 1000000, 60, 60))
            f.write(fr)


if __name__ == "__main__":
    main()
