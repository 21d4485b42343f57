#!/usr/bin/env python3
"""A node that was down is not an idle link: series steps no node was
capturing for have no value, the rest their counts, zeros included.

Usage: test_coverage.py BIN_DIR CAPTURE

The capture is split by editcap at its middle and moved to a recent epoch.
Node 1 captures the first half, stops, and captures the second half moved
two hours on (a new run: the node was down in between). Node 2 captures
the whole capture moved one hour on, inside node 1's outage. Per 10 s,
checked against tshark's packet times:
  * node 1: steps wholly between its first half's last packet second and
    its second half's first have no value (null); every other step in
    its range has tshark's count, 0 where no packet fell;
  * node 1, one address's series: the same nulls, tshark's counts elsewhere;
  * node 2, asked over the whole range: no value outside its own packets'
    seconds, tshark's counts inside;
  * the cluster: a value wherever either node was capturing (the sum),
    null only where neither was;
  * node 1 sending its first half again (a run older than its last):
    counted twice, and its outage still null.
Exit 0 when all pass."""
import calendar
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter

from satest import check, sa_json, start_aggregator, stop, summary

BIN, CAP = sys.argv[1], sys.argv[2]
BASE = 1_699_999_200  # a whole hour: the capture is moved here, away from the epoch
STEP = 10


def packet_times(cap, *fields):
    """(epoch second, fields...) of every packet, by tshark."""
    out = subprocess.run(["tshark", "-n", "-r", cap, "-T", "fields", "-E", "separator=,", "-E", "occurrence=f", "-e",
                          "frame.time_epoch", *sum((["-e", f] for f in fields), [])],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    rows = [line.split(",") for line in out.splitlines() if line]
    return [(int(r[0].split(".")[0]), *r[1:]) for r in rows]


def editcap(*args):
    subprocess.run(["editcap", *args], check=True, capture_output=True)


def capture(ingest, node, cap):
    """One run of sa-capture as node over cap."""
    r = subprocess.run([f"{BIN}/sa-capture", "--node-id", str(node), "--aggregator", ingest, "--pcap", cap,
                        "--file-prefix", f"sa-coverage-{os.getpid()}-{node}"], capture_output=True, text=True,
                       timeout=300)
    check(f"node {node} captured {os.path.basename(cap)}", r.returncode == 0, r.stderr[-300:] if r.returncode else "")


def series(query, node, *args):
    """{step start s: value or None} of `sa series` per STEP over the whole range."""
    pts = sa_json(BIN, query, "--node", str(node), "--from", str(BASE), "--to", str(BASE + 4 * 3600),
                  "series", "--step", str(STEP), *args)
    return {calendar.timegm(time.strptime(p["time"].split(".")[0], "%Y-%m-%dT%H:%M:%S")): p["value"]
            for p in pts}


def expect(secs, covered):
    """{step: count} over the steps any second of `covered` (a list of
    [first, last] second ranges) falls in; None for the others."""
    counts = Counter(s // STEP * STEP for s in secs)
    out = {}
    for t in range(BASE, BASE + 4 * 3600, STEP):
        live = any(a < t + STEP and t <= b for a, b in covered)
        out[t] = counts.get(t, 0) if live else None
    return out


def compare(name, got, want):
    bad = [(t, got.get(t), w) for t, w in sorted(want.items()) if got.get(t) != w]
    nulls = sum(w is None for w in want.values())
    zeros = sum(w == 0 for w in want.values())
    check(name, not bad, f"({len(want)} steps, {nulls} without value, {zeros} zero; first wrong "
          f"(step, got, tshark): {bad[:3]})")


def main():
    tmp = tempfile.mkdtemp(prefix="sa-coverage-")
    agg = None
    try:
        moved = os.path.join(tmp, "moved.pcap")
        first = packet_times(CAP)[0][0]
        editcap("-t", str(BASE - first), CAP, moved)
        times = packet_times(moved, "ip.src")
        mid = (times[0][0] + times[-1][0]) // 2
        a, b0, b, whole = (os.path.join(tmp, n) for n in ("a.pcap", "b0.pcap", "b.pcap", "whole.pcap"))
        editcap("-B", str(mid), moved, a)
        editcap("-A", str(mid), moved, b0)
        editcap("-t", "7200", b0, b)
        editcap("-t", "3600", moved, whole)
        ta, tb, tw = packet_times(a, "ip.src"), packet_times(b, "ip.src"), packet_times(whole)

        ingest, query = f"ipc://{tmp}/ingest", f"ipc://{tmp}/query"
        agg = start_aggregator(BIN, tmp, ingest, query)
        for node, cap in ((1, a), (1, b), (2, whole)):
            capture(ingest, node, cap)

        span_a, span_b, span_w = [(t[0][0], t[-1][0]) for t in (ta, tb, tw)]
        one = [s for s, _ in ta] + [s for s, _ in tb]
        compare("node 1 per 10 s: null in its outage, tshark's counts (zeros too) elsewhere",
                series(query, 1, "--metric", "packets"), expect(one, [span_a, span_b]))
        ip = Counter(src for _, src in ta + tb if src).most_common(1)[0][0]
        compare(f"node 1, address {ip} as source: the same",
                series(query, 1, "--ip", ip, "--by", "src-ip", "--metric", "packets"),
                expect([s for s, src in ta + tb if src == ip], [span_a, span_b]))
        compare("node 2 over the whole range: null outside its packets' seconds",
                series(query, 2, "--metric", "packets"), expect([s for s, in tw], [span_w]))
        compare("cluster: a value where either node was capturing, null where neither was",
                series(query, 0, "--metric", "packets"),
                expect(one + [s for s, in tw], [span_a, span_b, span_w]))
        # The first half sent again by node 1: a new run whose times lie
        # before the last run's end. Counted again, and no gap is made.
        capture(ingest, 1, a)
        compare("node 1 after its first half is sent again: counted twice, its outage still null",
                series(query, 1, "--metric", "packets"), expect(one + [s for s, _ in ta], [span_a, span_b]))
    finally:
        if agg is not None:
            stop(agg)
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    if shutil.which("tshark") is None or shutil.which("editcap") is None:
        print("tshark or editcap missing: skipped")
        sys.exit(77)
    sys.exit(main())
