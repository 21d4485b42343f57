#!/usr/bin/env python3
"""Rewrites a classic pcap's record timestamps 1 us apart, in file order,
keeping everything else, so a capture spread over hours replays as a busy
link: a second of capture time then holds a million packets, as it would
at line rate, instead of a handful. Microsecond pcap only.
  retime_pcap.py IN OUT
"""
import struct
import sys


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, "rb") as f, open(dst, "wb") as o:
        head = f.read(24)
        if len(head) < 24 or struct.unpack("<I", head[:4])[0] != 0xA1B2C3D4:
            sys.exit("retime_pcap.py: %s is not a little-endian microsecond pcap" % src)
        o.write(head)
        i = 0
        base = None
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            sec, _usec, incl, orig = struct.unpack("<IIII", rec)
            base = sec if base is None else base
            o.write(struct.pack("<IIII", base + i // 1000000, i % 1000000, incl, orig))
            o.write(f.read(incl))
            i += 1


if __name__ == "__main__":
    main()
