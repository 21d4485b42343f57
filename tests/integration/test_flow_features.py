#!/usr/bin/env python3
"""Per-flow features of TCP records against tshark, per conversation.

Usage: test_flow_features.py BIN_DIR PCAP_DIR FILE...

Each FILE goes through `sa analyze --keep` (capture node and aggregator as
separate processes); the kept store is then served by a fresh sa-aggregator
and read back with `sa flows`. tshark reads the same file once. For every
TCP conversation that is exactly one record on our side (a 4-tuple reused
after a close, or split by a timeout, is left out, and the number compared
is checked to be most of them):
  first_sizes    the first 8 frames' frame.len, in order, + from side A
  first_gaps_us  frame.time_epoch differences, exact below 2048 us, else
                 within 1/2048 (the record's 16-bit code)
  side A         the SYN sender where tshark saw a SYN without ACK
  retrans_*      frames flagged tcp.analysis.retransmission or
                 .out_of_order (fast and spurious retransmissions carry the
                 first flag too) and not .keep_alive, per direction
  seq_gaps_*     frames flagged tcp.analysis.lost_segment, per direction
  tcp_flags_*    frames with FIN, SYN, RST, PSH, ACK, URG set (tcp.flags
                 bits 0-5), per direction
  ICMP errors    an ICMP/ICMPv6 error quoting a conversation's TCP header
                 (tshark's innermost ip/tcp fields of the error) is one of
                 its frames, travelling towards the quoted sender: tshark
                 itself only does so when the quote holds the whole header
and `sa flows --sort bytes --limit 10` must list the heaviest of those
conversations by tshark's frame.len sums, heaviest first, each with its
exact sum; `sa flows --ip A` and `--port P` (read through the address and
port index) must return exactly the 4-tuples of tshark's TCP streams with
the capture's busiest address and port.
"""
import collections
import os
import subprocess
import sys

from satest import analyzed, check, flows_of, run_on_captures

FIRST_N = 8
FIELDS = ["frame.number", "tcp.stream", "frame.time_epoch", "frame.len", "ip.src", "ipv6.src", "tcp.srcport",
          "ip.dst", "ipv6.dst", "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack", "icmp.type", "icmpv6.type",
          "tcp.analysis.retransmission", "tcp.analysis.out_of_order", "tcp.analysis.keep_alive",
          "tcp.analysis.lost_segment", "tcp.flags"]
FLAG_BITS = 6  # FIN SYN RST PSH ACK URG: tcp.flags bits 0-5, as sa flows' tcp_flags_out/in


def tshark_rows(path, display_filter, occurrence):
    out = subprocess.run(["tshark", "-r", path, "-Y", display_filter, "-T", "fields", "-E",
                          "separator=\t", "-E", "occurrence=" + occurrence]
                         + sum([["-e", f] for f in FIELDS], []), capture_output=True, text=True).stdout
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        sec, _, frac = v["frame.time_epoch"].partition(".")
        v["t_us"] = int(sec) * 1000000 + int((frac + "000000")[:6])
        yield v


def endpoints(v):
    return ((v["ip.src"] or v["ipv6.src"], int(v["tcp.srcport"])),
            (v["ip.dst"] or v["ipv6.dst"], int(v["tcp.dstport"])))


def tshark_conversations(path):
    """{canonical 4-tuple: {'frames': [(frame, src_end, len, t_us)], 'retrans': {end: n},
    'gaps': {end: n}, 'syn_from': end}} over tshark's TCP streams (the first IP header's
    addresses) that are the only stream of their 4-tuple, plus the ICMP errors quoting
    them; and the set of every stream's 4-tuple."""
    streams, seen = {}, set()
    for v in tshark_rows(path, "tcp", "f"):
        if not v.get("tcp.stream") or not v.get("tcp.srcport"):
            continue
        seen.add(v["frame.number"])
        src, dst = endpoints(v)
        c = streams.setdefault(v["tcp.stream"], {"key": tuple(sorted([src, dst])), "frames": [],
                                                 "retrans": {}, "gaps": {}, "syn_from": None, "flags": {}})
        if v["icmp.type"] or v["icmpv6.type"]:
            continue  # a whole-header quote: added below with the others
        bits = int(v["tcp.flags"], 16)
        counts = c["flags"].setdefault(src, [0] * FLAG_BITS)
        for b in range(FLAG_BITS):
            counts[b] += bits >> b & 1
        c["frames"].append((int(v["frame.number"]), src, int(v["frame.len"]), v["t_us"]))
        if v["tcp.flags.syn"] in ("1", "True") and v["tcp.flags.ack"] in ("0", "False") \
                and c["syn_from"] is None:
            c["syn_from"] = src
        if (v["tcp.analysis.retransmission"] or v["tcp.analysis.out_of_order"]) \
                and not v["tcp.analysis.keep_alive"]:
            c["retrans"][src] = c["retrans"].get(src, 0) + 1
        if v["tcp.analysis.lost_segment"]:
            c["gaps"][src] = c["gaps"].get(src, 0) + 1
    by_key = {}
    for c in streams.values():
        by_key.setdefault(c["key"], []).append(c)
    conv = {k: cs[0] for k, cs in by_key.items() if len(cs) == 1}
    # The quoted datagram is the innermost ip/tcp; the error goes back to its sender.
    for v in tshark_rows(path, "(icmp.type in {3, 4, 5, 11, 12} || icmpv6.type in {1, 2, 3, 4}) && tcp.srcport",
                         "l"):
        q_src, q_dst = endpoints(v)
        key = tuple(sorted([q_src, q_dst]))
        if key in by_key and key not in conv:
            continue  # several streams: left out above
        c = conv.setdefault(key, {"key": key, "frames": [], "retrans": {}, "gaps": {}, "syn_from": None,
                                  "flags": {}})
        c["frames"].append((int(v["frame.number"]), q_dst, int(v["frame.len"]), v["t_us"]))
    for c in conv.values():
        c["frames"].sort()
    return conv, set(by_key)


def gap_ok(ours, theirs):
    return ours == theirs if theirs < 2048 else abs(ours - theirs) <= theirs / 2048


def flow_key(r):
    return tuple(sorted([(r["src"], r["sport"]), (r["dst"], r["dport"])]))


def check_heaviest(name, conv, mine, heaviest):
    """The by-bytes list against tshark, over conversations that are one
    record on our side: in order, exact, and nothing left out heavier."""
    total = {k: sum(n for _, _, n, _ in c["frames"]) for k, c in conv.items() if len(mine.get(k, [])) == 1}
    listed = [(flow_key(r), r["bytes_out"] + r["bytes_in"]) for r in heaviest]
    check(f"{name}: --sort bytes lists heaviest first", listed == sorted(listed, key=lambda x: -x[1]),
          str([b for _, b in listed]))
    wrong = [(k, b, total[k]) for k, b in listed if k in total and total[k] != b]
    check(f"{name}: --sort bytes sums equal tshark's", not wrong, str(wrong[:3]))
    lightest = min((b for _, b in listed), default=0)
    missed = [(k, t) for k, t in total.items() if t > lightest and k not in dict(listed)]
    check(f"{name}: --sort bytes leaves out nothing heavier", len(listed) == min(10, len(mine)) and not missed,
          f"({len(listed)} listed; heavier left out: {missed[:3]})")


def check_file(bindir, path, tmp):
    name = os.path.basename(path)
    conv, all_keys = tshark_conversations(path)
    # The busiest address and port, for the index lookups.
    ends = collections.Counter(e for k in all_keys for e in k)
    addr = collections.Counter(a for a, _ in ends.elements()).most_common(1)
    port = collections.Counter(p for _, p in ends.elements()).most_common(1)
    with analyzed(bindir, path, tmp) as query:
        records = flows_of(bindir, query) if query else None
        heaviest = flows_of(bindir, query, "tcp", "--sort", "bytes", "--limit", "10") if query else None
        by_ip = flows_of(bindir, query, "tcp", "--ip", addr[0][0]) if query and addr else []
        by_port = flows_of(bindir, query, "tcp", "--port", str(port[0][0])) if query and port else []
    check(f"{name}: sa analyze and sa flows ran", records is not None)
    if records is None:
        return
    mine = {}
    for r in records:
        a, b = (r["src"], r["sport"]), (r["dst"], r["dport"])
        mine.setdefault(flow_key(r), []).append((a, b, r))
    check_heaviest(name, conv, mine, heaviest)
    if addr:
        want = {k for k in all_keys if any(a == addr[0][0] for a, _ in k)}
        got = {flow_key(r) for r in by_ip}
        check(f"{name}: --ip {addr[0][0]} finds exactly its TCP conversations (index)", got == want,
              f"({len(got)} vs {len(want)} tshark streams' 4-tuples)")
        want = {k for k in all_keys if any(p == port[0][0] for _, p in k)}
        got = {flow_key(r) for r in by_port}
        check(f"{name}: --port {port[0][0]} finds exactly its TCP conversations (index)", got == want,
              f"({len(got)} vs {len(want)})")
    compared = bad = 0
    for key, c in conv.items():
        if len(mine.get(key, [])) != 1:
            continue
        a, b, r = mine[key][0]
        compared += 1
        frames = c["frames"][:FIRST_N]
        sizes = " ".join("%+d" % (n if src == a else -n) for _, src, n, _ in frames)
        gaps = [0] + [max(0, t - p) for (_, _, _, p), (_, _, _, t) in zip(frames, frames[1:])]
        ours_gaps = [int(g) for g in r["first_gaps_us"].split()]
        problems = []
        if r["first_sizes"] != sizes:
            problems.append(f"first_sizes {r['first_sizes']!r} vs {sizes!r}")
        if len(ours_gaps) != len(gaps) or not all(map(gap_ok, ours_gaps, gaps)):
            problems.append(f"first_gaps_us {ours_gaps} vs {gaps}")
        if c["syn_from"] is not None and c["syn_from"] != a:
            problems.append(f"side A {a} but the SYN came from {c['syn_from']}")
        for side, end in (("out", a), ("in", b)):
            if r[f"retrans_{side}"] != c["retrans"].get(end, 0):
                problems.append(f"retrans_{side} {r[f'retrans_{side}']} vs {c['retrans'].get(end, 0)}")
            if r[f"seq_gaps_{side}"] != c["gaps"].get(end, 0):
                problems.append(f"seq_gaps_{side} {r[f'seq_gaps_{side}']} vs {c['gaps'].get(end, 0)}")
            # A direction that sent only ICMP errors counts no flags (zeros).
            sent = any(src == end for _, src, _, _ in c["frames"])
            want = " ".join(map(str, c["flags"].get(end, [0] * FLAG_BITS))) if sent else ""
            if r[f"tcp_flags_{side}"] != want:
                problems.append(f"tcp_flags_{side} {r[f'tcp_flags_{side}']!r} vs {want!r}")
        if problems:
            bad += 1
            if bad <= 5:
                print(f"  {name} {key}: " + "; ".join(problems))
    check(f"{name}: most TCP conversations compared", compared > 0 and compared >= 0.8 * len(conv),
          f"({compared} of {len(conv)})")
    check(f"{name}: first packets, sequence hints and flag counts equal tshark's", bad == 0,
          f"({bad} of {compared} conversations differ)")


def main():
    return run_on_captures(__doc__, check_file)


if __name__ == "__main__":
    sys.exit(main())
