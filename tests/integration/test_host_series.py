#!/usr/bin/env python3
"""Series per address and per port, the cap on tracked keys, and the
series aggregations, against tshark's exact counts.

Exact part, on real captures that never show a capture node more than 64
addresses or ports in one second (its sketch size, so every count is
exact; the test checks that premise from tshark too):
  - `sa tracked` lists every source and destination address and port
    tshark sees, each with its exact bytes and packets, and nothing else;
  - the per-minute and per-second series of the busiest addresses and
    ports, per side and both sides together, equal tshark's sums;
  - `--agg max` of the total is the busiest second of each minute, `rate`
    and `avg` the minute's bytes over 60.
Active flows (`--metric active_flows`) per second and per minute on a
UDP-only capture, against the flows tshark has seen by each second.
Cap part, on a SYN flood with thousands of spoofed sources and
`--track 20`: at most 20 tracked sources, each no more than its exact
count, and tracked plus "other" equal to every IP byte, also after the
aggregator restarts between the flood's two halves (same node, same day).

Usage: test_host_series.py BIN_DIR PCAP_DIR FLOOD EXACT_CAPTURE...
"""
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import time

from satest import check, sa_json, start_aggregator, stop, summary

BIN, PDIR, FLOOD, EXACT = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
SIDES = ("src", "dst")


def exact(cap):
    """tshark's counts: {(dim, key): Counter of second -> [bytes, packets]},
    per-second frame bytes, and the most keys any dimension had in a second."""
    out = subprocess.run(["tshark", "-n", "-r", cap, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f",
                          "-e", "frame.time_epoch", "-e", "frame.len", "-e", "ip.src", "-e", "ip.dst",
                          "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "tcp.srcport", "-e", "tcp.dstport",
                          "-e", "udp.srcport", "-e", "udp.dstport", "-e", "frame.protocols"],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    series = collections.defaultdict(lambda: collections.defaultdict(lambda: [0, 0]))
    per_second = collections.Counter()
    keys = collections.defaultdict(set)
    for line in out.splitlines():
        t, length, s4, d4, s6, d6, ts, td, us, ud, protos = (line.split("\t") + [""] * 11)[:11]
        sec, length = int(t.split(".")[0]), int(length)
        per_second[sec] += length
        src, dst = s4 or s6, d4 or d6
        if not src:
            continue
        found = [("src-ip", src), ("dst-ip", dst)]
        # ICMP quotes the ports of the packet it reports on; the node counts none
        if "icmp" not in protos and (ts or us):
            found += [("src-port", ts or us), ("dst-port", td or ud)]
        for dim, key in found:
            cell = series[(dim, key)][sec]
            cell[0] += length
            cell[1] += 1
            keys[(dim, sec)].add(key)
    return series, per_second, max((len(k) for k in keys.values()), default=0)


def minutes(cells):
    """{minute: [bytes, packets]} from {second: [bytes, packets]}."""
    out = collections.defaultdict(lambda: [0, 0])
    for sec, (b, p) in cells.items():
        out[sec // 60 * 60][0] += b
        out[sec // 60 * 60][1] += p
    return out


def iso(sec):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(sec))


def got_series(query, args, first, last):
    rows = sa_json(BIN, query, "--from", str(first), "--to", str(last + 1), *args, "series")
    return {r["time"]: r["value"] for r in rows}


def send(ingest, cap, node, tmp, tag):
    log = open(os.path.join(tmp, f"capture-{tag}.log"), "w")
    rc = subprocess.run([f"{BIN}/sa-capture", "--node-id", str(node), "--aggregator", ingest, "--pcap", cap,
                         "--file-prefix", f"sa-hosts-{os.getpid()}-{tag}"], stdout=log, stderr=log,
                        timeout=600).returncode
    check(f"{os.path.basename(cap)}: node {node} exported everything ({tag})", rc == 0, f"(exit {rc})")


def check_tracked_lists(name, query, series):
    for dim in ("src-ip", "dst-ip", "src-port", "dst-port"):
        for col, metric in enumerate(("bytes", "packets")):
            want = {k: sum(c[col] for c in cells.values()) for (d, k), cells in series.items() if d == dim}
            rows = sa_json(BIN, query, "--by", dim, "--metric", metric, "--limit", "10000", "tracked")
            got = {r[dim]: r[metric] for r in rows}
            check(f"{name}: tracked {dim} by {metric} = tshark's, key for key", got == want,
                  f"(differ: {sorted((k, got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k))[:4]})")


def check_key_series(name, query, series, first, last):
    for dim in ("src-ip", "dst-ip", "dst-port"):
        ranked = sorted(((sum(c[0] for c in cells.values()), k) for (d, k), cells in series.items() if d == dim),
                        reverse=True)
        for _, key in ranked[:3]:
            opt = "--ip" if dim.endswith("ip") else "--port"
            cells = series[(dim, key)]
            for col, metric in enumerate(("bytes", "packets")):
                got = got_series(query, (opt, key, "--by", dim, "--metric", metric, "--step", "1m"), first, last)
                want = {iso(m): v[col] for m, v in minutes(cells).items()}
                ok = all(got.get(t, 0) == v for t, v in want.items()) and sum(got.values()) == sum(want.values())
                check(f"{name}: {dim} {key} {metric} per minute = tshark's", ok and got,
                      f"(first difference: {[(t, got.get(t), v) for t, v in want.items() if got.get(t) != v][:2]})")
            got = got_series(query, (opt, key, "--by", dim, "--step", "1s"), first, last)
            want = {iso(s): v[0] for s, v in cells.items()}
            check(f"{name}: {dim} {key} bytes per second = tshark's",
                  all(got.get(t, 0) == v for t, v in want.items()) and sum(got.values()) == sum(want.values()))
        # Both sides together: the address as source plus as destination.
        if dim == "src-ip" and ranked:
            key = ranked[0][1]
            both = collections.Counter()
            for side in SIDES:
                for m, v in minutes(series.get((f"{side}-ip", key), {})).items():
                    both[iso(m)] += v[0]
            got = got_series(query, ("--ip", key, "--step", "1m"), first, last)
            check(f"{name}: {key} as either side per minute = tshark's",
                  all(got.get(t, 0) == v for t, v in both.items()) and sum(got.values()) == sum(both.values()))


def check_aggregations(name, query, per_second, first, last):
    per_minute = collections.defaultdict(list)
    for sec, b in per_second.items():
        per_minute[sec // 60 * 60].append(b)
    got = {agg: got_series(query, ("--step", "1m", "--agg", agg), first, last) for agg in ("max", "rate", "avg")}
    bad = [(iso(m), got["max"].get(iso(m)), max(v)) for m, v in per_minute.items() if got["max"].get(iso(m)) != max(v)]
    check(f"{name}: --agg max per minute = tshark's busiest second", not bad, f"({bad[:3]})")
    for agg in ("rate", "avg"):
        bad = [(iso(m), got[agg].get(iso(m)), sum(v) / 60) for m, v in per_minute.items()
               if abs(got[agg].get(iso(m), -1) - sum(v) / 60) > 0.001]
        check(f"{name}: --agg {agg} per minute = tshark's bytes / 60", not bad, f"({bad[:3]})")


def check_range_before_data(name, query, per_second, first, last):
    """A range that starts an hour before the first packet is still read
    from the 1 s rows (nothing has expired), at the step asked; the hour
    before the node captured anything has no value."""
    rows = sa_json(BIN, query, "--from", str(first - 3600), "--to", str(last + 1), "--step", "1s", "series")
    times = [r["time"] for r in rows]
    check(f"{name}: a range starting before the data keeps its 1 s step, without values before it",
          len(rows) == last + 1 - (first - 3600) and times[1] == iso(first - 3599)
          and all(r["value"] is None for r in rows[:3600])
          and sum(r["value"] for r in rows[3600:]) == sum(per_second.values()),
          f"({len(rows)} points, first {rows[:2]})")


def check_other_day_first(name, ingest, query, series, tmp):
    """Another capture (other addresses) moved to ten days later, then this
    capture, from a third node: the later day's keys must not stand in for
    this day's, which are tracked as tshark sees them."""
    other = os.path.join(PDIR, "dns_queries_responses.pcap")
    out = subprocess.run(["tshark", "-n", "-r", other, "-c", "1", "-T", "fields", "-e", "frame.time_epoch"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    first = min(s for cells in series.values() for s in cells)
    ahead = os.path.join(tmp, "ahead.pcap")
    shift = first + 10 * 86400 - int(float(out.split()[0]))
    subprocess.run(["editcap", "-t", str(shift), other, ahead], check=True, capture_output=True)
    send(ingest, ahead, 3, tmp, "ahead")
    send(ingest, os.path.join(PDIR, name), 3, tmp, "after")
    day = first - first % 86400
    want = {k: sum(c[0] for c in cells.values()) for (d, k), cells in series.items() if d == "src-ip"}
    rows = sa_json(BIN, query, "--node", "3", "--from", str(day), "--to", str(day + 86400), "--by", "src-ip",
                   "--limit", "10000", "tracked")
    got = {r["src-ip"]: r["bytes"] for r in rows}
    check(f"{name}: after a later day, the earlier day's sources are tracked as tshark's", got == want,
          f"({len(got)} vs {len(want)} keys; other: {got.get('other')})")


def check_two_nodes(name, ingest, query, series, tmp):
    """The same capture from a second node: the cluster's totals (node 0)
    double, each node's stay tshark's."""
    send(ingest, os.path.join(PDIR, name), 2, tmp, "node2")
    want = {k: sum(c[0] for c in cells.values()) for (d, k), cells in series.items() if d == "dst-ip"}
    for node, times in (("0", 2), ("1", 1), ("2", 1)):
        rows = sa_json(BIN, query, "--node", node, "--by", "dst-ip", "--limit", "10000", "tracked")
        got = {r["dst-ip"]: r["bytes"] for r in rows}
        check(f"{name}: node {node}: tracked dst-ip = {times} x tshark's",
              got == {k: times * v for k, v in want.items()})


def exact_part(tmp):
    for n, cap in enumerate(EXACT):
        path = os.path.join(PDIR, cap)
        series, per_second, most = exact(path)
        check(f"{cap}: premise: at most 64 keys per dimension per second", most <= 64, f"({most})")
        sub = os.path.join(tmp, f"exact{n}")
        os.mkdir(sub)
        ingest, query = f"ipc://{sub}/ingest", f"ipc://{sub}/query"
        agg = start_aggregator(BIN, sub, ingest, query)
        try:
            send(ingest, path, 1, sub, f"exact{n}")
            first, last = min(per_second), max(per_second)
            check_tracked_lists(cap, query, series)
            check_key_series(cap, query, series, first, last)
            check_aggregations(cap, query, per_second, first, last)
            check_range_before_data(cap, query, per_second, first, last)
            if n == 0:
                check_two_nodes(cap, ingest, query, series, sub)
                check_other_day_first(cap, ingest, query, series, sub)
        finally:
            stop(agg)


def active_part(tmp, cap):
    """Active flows, on a UDP-only capture read with timeouts longer than
    it lasts (so no flow ends before the final flush): in each second with
    packets, every flow seen so far is active; tshark's udp.stream numbers
    the flows (each address and port pair)."""
    path = os.path.join(PDIR, cap)
    out = subprocess.run(["tshark", "-n", "-r", path, "-T", "fields", "-e", "frame.time_epoch", "-e", "udp.stream",
                          "-e", "frame.protocols"], capture_output=True, text=True, timeout=300, check=True).stdout
    first, secs, other = {}, set(), 0
    for line in out.splitlines():
        t, stream, protos = (line.split("\t") + ["", ""])[:3]
        other += stream == "" or "icmp" in protos
        sec = int(t.split(".")[0])
        secs.add(sec)
        first.setdefault(stream, sec)
    check(f"{cap}: premise: every frame is UDP", other == 0, f"({other} are not)")
    active = {s: sum(1 for f in first.values() if f <= s) for s in secs}
    sub = os.path.join(tmp, "active")
    os.mkdir(sub)
    ingest, query = f"ipc://{sub}/ingest", f"ipc://{sub}/query"
    agg = start_aggregator(BIN, sub, ingest, query)
    try:
        rc = subprocess.run([f"{BIN}/sa-capture", "--node-id", "1", "--aggregator", ingest, "--pcap", path,
                             "--idle-timeout", "86400", "--active-timeout", "86400",
                             "--file-prefix", f"sa-hosts-{os.getpid()}-active"], capture_output=True,
                            timeout=600).returncode
        check(f"{cap}: exported everything", rc == 0, f"(exit {rc})")
        lo, hi = min(secs), max(secs)
        got = got_series(query, ("--metric", "active_flows", "--step", "1s", "--agg", "max"), lo, hi)
        bad = [(iso(s), got.get(iso(s)), n) for s, n in sorted(active.items()) if got.get(iso(s)) != n]
        check(f"{cap}: active flows in each second with packets = flows tshark has seen by then",
              not bad and len(active) > 50, f"({len(active)} seconds; first differences {bad[:3]})")
        per_minute = collections.Counter()
        for s, n in active.items():
            per_minute[s // 60 * 60] += n
        got = got_series(query, ("--metric", "active_flows", "--step", "1m"), lo, hi)
        bad = [(iso(m), got.get(iso(m)), n / 60) for m, n in per_minute.items()
               if abs(got.get(iso(m), -1) - n / 60) > 0.001]
        check(f"{cap}: active flows per minute (the default, a rate) = their flow-seconds / 60", not bad,
              f"({bad[:3]})")
    finally:
        stop(agg)


def cap_part(tmp):
    """The flood's first and second halves, sent by one node before and
    after a restart of the aggregator: the second half's sources find the
    day's cap already full (read back from the store), so none is added."""
    sub = os.path.join(tmp, "cap")
    os.mkdir(sub)
    halves = [os.path.join(sub, "first.pcap"), os.path.join(sub, "second.pcap")]
    for out, packets in zip(halves, ("1-18000", "18001-1000000")):
        subprocess.run(["editcap", "-r", os.path.join(PDIR, FLOOD), out, packets], check=True,
                       capture_output=True)
    ingest, query = f"ipc://{sub}/ingest", f"ipc://{sub}/query"
    src, total = collections.Counter(), 0
    for rnd, half in enumerate(halves, 1):
        series, _, most = exact(half)
        for (d, k), cells in series.items():
            if d == "src-ip":
                src[k] += sum(c[0] for c in cells.values())
        total = sum(src.values())
        check(f"half {rnd}: premise: far more sources than the cap", most > 64 and len(src) > 1000 * rnd,
              f"({len(src)} so far, {most} in a second)")
        agg = start_aggregator(BIN, sub, ingest, query, "--track", "20")
        try:
            send(ingest, half, 1, sub, f"cap{rnd}")
            rows = sa_json(BIN, query, "--by", "src-ip", "--limit", "10000", "tracked")
            tracked = {r["src-ip"]: r["bytes"] for r in rows if r["src-ip"] != "other"}
            other = sum(r["bytes"] for r in rows if r["src-ip"] == "other")
            check(f"half {rnd}: at most 20 sources tracked", 0 < len(tracked) <= 20, f"({len(tracked)})")
            check(f"half {rnd}: tracked plus other = every IP byte (tshark)",
                  sum(tracked.values()) + other == total, f"({sum(tracked.values())} + {other} vs {total})")
            over = [(k, v, src[k]) for k, v in tracked.items() if v > src[k]]
            check(f"half {rnd}: no tracked source above its exact count", not over, f"({over[:3]})")
        finally:
            stop(agg)


def main():
    if shutil.which("tshark") is None:
        print("tshark not found: skipped")
        return 77
    tmp = tempfile.mkdtemp(prefix="sa-hosts-")
    try:
        exact_part(tmp)
        active_part(tmp, "dns_queries_responses.pcap")
        cap_part(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
