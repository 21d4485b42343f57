#!/usr/bin/env python3
"""Tunnel endpoints on flow records against tshark.

Usage: test_tunnels.py BIN_DIR PCAP_DIR FILE...

For every TCP/UDP flow record of `sa analyze` on a tunnelled capture,
tshark's frames of the same inner conversation (innermost ip/ipv6 and
tcp/udp fields) give the expected tunnel: the first frame's outermost ip.src and
ip.dst (as travelled from side A, so swapped when that frame came from
side B), its kind (vxlan, geneve, gre or IP-in-IP by the outer protocol)
and its VNI or GRE key.
"""
import os
import subprocess
import sys

from satest import check, run_on_captures, sa_flows

FIELDS = ["frame.number", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport",
          "udp.srcport", "udp.dstport", "vxlan.vni", "geneve.vni", "gre.key", "frame.protocols"]


def tshark(path, occurrence):
    out = subprocess.run(["tshark", "-r", path, "-T", "fields", "-E", "separator=\t", "-E",
                          "occurrence=" + occurrence] + sum([["-e", f] for f in FIELDS], []),
                         capture_output=True, text=True).stdout
    return {line.split("\t")[0]: dict(zip(FIELDS, line.split("\t"))) for line in out.splitlines()}


def first_frames(path):
    """{(inner canonical key): (inner src end, outer src, outer dst, kind, id)} of tunnelled frames."""
    inner, outer = tshark(path, "l"), tshark(path, "f")
    firsts = {}
    for num in sorted(inner, key=int):
        i, o = inner[num], outer[num]
        protos = i["frame.protocols"].split(":")
        kind = next((k for k in ("vxlan", "geneve", "gre") if k in protos), None)
        ips = [p for p in protos if p in ("ip", "ipv6")]
        if kind is None and len(ips) >= 2:
            kind = "ipip"
        if kind is None:
            continue
        at = protos.index(kind) if kind != "ipip" else len(protos) - 1 - protos[::-1].index(ips[-1])
        inner_l4 = next((p for p in protos[at + 1:] if p in ("tcp", "udp")), None)
        if inner_l4 is None:
            continue  # ICMP inside: keyed by type and code, not compared here
        sport, dport = i[inner_l4 + ".srcport"], i[inner_l4 + ".dstport"]
        src = (i["ipv6.src"] or i["ip.src"], int(sport))
        dst = (i["ipv6.dst"] or i["ip.dst"], int(dport))
        key = tuple(sorted([src, dst]))
        ident = o["vxlan.vni"] or o["geneve.vni"] or o["gre.key"]
        firsts.setdefault(key, (src, o["ip.src"] or o["ipv6.src"], o["ip.dst"] or o["ipv6.dst"], kind,
                                int(ident, 0) if ident else None))
    return firsts


def check_file(bindir, path, tmp):
    n = os.path.basename(path)
    expect = first_frames(path)
    records = sa_flows(bindir, path, tmp, proto=None)
    check(f"{n}: sa analyze and sa flows ran", records is not None)
    if records is None:
        return
    compared = bad = 0
    for r in records:
        a, b = (r["src"], r["sport"]), (r["dst"], r["dport"])
        e = expect.get(tuple(sorted([a, b])))
        if e is None:
            continue
        compared += 1
        src_end, osrc, odst, kind, ident = e
        if src_end != a:
            osrc, odst = odst, osrc
        want = f"{kind} {osrc}>{odst}" + (f" id {ident}" if ident is not None else "")
        if r["tunnel"] != want:
            bad += 1
            if bad <= 5:
                print(f"  {n} {a}-{b}: {r['tunnel']!r} vs {want!r}")
    check(f"{n}: tunnelled conversations found on both sides", compared > 0 and compared == len(expect),
          f"({compared} records, {len(expect)} conversations)")
    check(f"{n}: tunnel endpoints and ids equal tshark's", bad == 0, f"({bad} differ)")


def main():
    return run_on_captures(__doc__, check_file)


if __name__ == "__main__":
    sys.exit(main())
