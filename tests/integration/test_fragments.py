#!/usr/bin/env python3
"""Later IP fragments join the flow of their first fragment.

Usage: test_fragments.py BIN_DIR PCAP_DIR FILE...

tshark reads each file with reassembly off. A first fragment (offset 0)
carries the ports; every later fragment with the same source, destination,
protocol and identification (ip.id, or ipv6.fraghdr.ident) that follows it
within 15 s belongs to the same conversation. For every TCP/UDP
conversation, the packets and bytes of its records (both directions, all
records: timeouts may split it) must be what those frames add up to; and
port-less records must be left exactly for the address pairs of later
fragments whose first fragment was not seen.
"""
import os
import subprocess
import sys

from satest import check, run_on_captures, sa_flows

FIELDS = ["frame.time_epoch", "frame.len", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "ip.proto",
          "ipv6.fraghdr.nxt", "ip.id", "ipv6.fraghdr.ident", "ip.frag_offset", "ipv6.fraghdr.offset",
          "ip.flags.mf", "ipv6.fraghdr.more", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
          "frame.protocols"]


def expected(path):
    """{canonical (addr, port) pair: [packets, bytes]} with later fragments attributed, the
    number of fragmented datagrams, and the address pairs of unattributed later fragments."""
    out = subprocess.run(["tshark", "-r", path, "-o", "ip.defragment:FALSE", "-o",
                          "ipv6.defragment:FALSE", "-Y", "tcp || udp || ip.frag_offset > 0 || "
                          "ipv6.fraghdr.offset > 0", "-T", "fields", "-E", "separator=\t", "-E",
                          "occurrence=f"] + sum([["-e", f] for f in FIELDS], []),
                         capture_output=True, text=True).stdout
    conv, first, orphans = {}, {}, set()
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        protos = v["frame.protocols"].split(":")
        if protos.count("ip") + protos.count("ipv6") != 1 or "icmp" in protos or "icmpv6" in protos:
            continue  # tunnels and ICMP quotes: keyed on other headers (test_tunnels, test_flow_features)
        src, dst = v["ip.src"] or v["ipv6.src"], v["ip.dst"] or v["ipv6.dst"]
        proto = v["ip.proto"] or v["ipv6.fraghdr.nxt"]
        ident = v["ip.id"] or v["ipv6.fraghdr.ident"]
        offset = int(v["ip.frag_offset"] or v["ipv6.fraghdr.offset"] or 0)
        t = float(v["frame.time_epoch"])
        frag = offset > 0 or v["ip.flags.mf"] in ("1", "True") or v["ipv6.fraghdr.more"] in ("1", "True")
        sport = v["tcp.srcport"] or v["udp.srcport"]
        dport = v["tcp.dstport"] or v["udp.dstport"]
        dgram = (src, dst, proto, ident)
        if offset == 0 and sport and dport:
            key = tuple(sorted([(src, int(sport)), (dst, int(dport))]))
            if frag:
                first[dgram] = (key, t)
        elif offset > 0 and dgram in first and t - first[dgram][1] <= 15:
            key = first[dgram][0]
        else:
            if offset > 0 and proto in ("6", "17"):
                orphans.add(tuple(sorted([src, dst])))
            continue
        c = conv.setdefault(key, [0, 0])
        c[0] += 1
        c[1] += int(v["frame.len"])
    return conv, len(first), orphans


def check_file(bindir, path, tmp):
    n = os.path.basename(path)
    conv, datagrams, orphans = expected(path)
    records = sa_flows(bindir, path, tmp, proto=None)
    check(f"{n}: sa analyze and sa flows ran", records is not None)
    if records is None:
        return
    mine, portless = {}, set()
    for r in records:
        if r["proto"] not in (6, 17):
            continue
        if r["sport"] == 0 and r["dport"] == 0:
            portless.add(tuple(sorted([r["src"], r["dst"]])))
        key = tuple(sorted([(r["src"], r["sport"]), (r["dst"], r["dport"])]))
        m = mine.setdefault(key, [0, 0])
        m[0] += r["packets_out"] + r["packets_in"]
        m[1] += r["bytes_out"] + r["bytes_in"]
    bad = 0
    for key, want in conv.items():
        if mine.get(key) != want:
            bad += 1
            if bad <= 5:
                print(f"  {n} {key}: {mine.get(key)} vs {want}")
    check(f"{n}: fragmented datagrams present", datagrams > 0, f"({datagrams})")
    check(f"{n}: packets and bytes per conversation, later fragments included", bad == 0,
          f"({bad} of {len(conv)} differ)")
    check(f"{n}: port-less records only where the first fragment was missed", portless == orphans,
          f"({len(portless)} vs {len(orphans)} address pairs)")


def main():
    return run_on_captures(__doc__, check_file)


if __name__ == "__main__":
    sys.exit(main())
