#!/usr/bin/env python3
"""Retention: a two-day capture stored by an aggregator told to keep 1 s
rows for a day, 1 min rows for 12 hours, 1 h rows forever and flow records
for a day. Afterwards `sa stats` must hold exactly the rows of the seconds,
minutes and hours with packets (tshark) that the periods keep, counted back
from the last hour of data and rounded out to whole point blocks (1 s: an
hour, 1 min: a day) or sketch rows; and the flow records must be exactly
those of a second aggregator without retention that start at or after the
flow cut.

Usage: test_retention.py BIN_DIR CAPTURE
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

from satest import check, packet_seconds, sa_json, start_aggregator, stop, summary

BIN, CAP = sys.argv[1], sys.argv[2]
DAY = 86400
KEEP = {1: DAY, 60: DAY // 2, 3600: 0}   # seconds; 0 = forever
BLOCK = {1: 3600, 60: DAY, 3600: 30 * DAY}
KEEP_FLOWS = DAY


def store(tmp, name, *retain):
    """Runs one capture node over CAP into a fresh aggregator; returns its
    query endpoint and process."""
    d = os.path.join(tmp, name)
    os.makedirs(d)
    ingest, query = f"ipc://{d}/ingest", f"ipc://{d}/query"
    agg = start_aggregator(BIN, d, ingest, query, *retain)
    with open(os.path.join(d, "capture.log"), "w") as log:
        rc = subprocess.run([f"{BIN}/sa-capture", "--node-id", "1", "--aggregator", ingest, "--pcap", CAP,
                             "--file-prefix", f"sa-retention-{os.getpid()}-{name}"],
                            stdout=log, stderr=log, timeout=300).returncode
    check(f"{name}: capture node exported everything", rc == 0, f"(exit {rc})")
    return query, agg


def flows_around(query, cut_s):
    """Flow records that start within two hours either side of cut_s, as
    (start, proto, src, sport, dst, dport)."""
    rows = sa_json(BIN, query, "--limit", "100000", "--from", str(cut_s - 7200), "--to", str(cut_s + 7200),
                   "flows")
    return sorted((f["start"], f["proto"], f["src"], f["sport"], f["dst"], f["dport"]) for f in rows)


def check_expired_tier(query, secs):
    """A 1 s series of ten minutes of the first day, whose 1 s and 1 min
    rows have expired: answered from the 1 h rows, widened to their hours,
    with tshark's bytes per hour."""
    out = subprocess.run(["tshark", "-n", "-r", CAP, "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.len"],
                         capture_output=True, text=True, timeout=600, check=True).stdout
    per_hour = {}
    for line in out.splitlines():
        t, length = line.split("\t")
        hour = int(t.split(".")[0]) // 3600 * 3600
        per_hour[hour] = per_hour.get(hour, 0) + int(length)
    start = min(secs) + 17
    rows = sa_json(BIN, query, "--from", str(start), "--to", str(start + 600), "--step", "1s", "series")
    want = [(time.strftime("%Y-%m-%dT%H:00:00.000000Z", time.gmtime(h)), per_hour.get(h, 0))
            for h in range(start // 3600 * 3600, start + 600, 3600)]
    got = [(r["time"], r["value"]) for r in rows]
    check("a series older than its tier's retention comes from the 1 h rows, = tshark's hours", got == want,
          f"({got[:3]} vs {want[:3]})")


def main():
    tmp = tempfile.mkdtemp(prefix="sa-retention-")
    aggs = []
    try:
        q_ret, a = store(tmp, "kept", "--retain", f"1s={KEEP[1]}", "--retain", f"1m={KEEP[60]}",
                         "--retain", "1h=0", "--retain", f"flows={KEEP_FLOWS}")
        aggs.append(a)
        q_all, a = store(tmp, "all", "--retain", "1s=0", "--retain", "1m=0", "--retain", "flows=0")
        aggs.append(a)

        secs = packet_seconds(CAP)
        last_hour = max(secs) // 3600 * 3600
        stats = sa_json(BIN, q_ret, "stats")["store"]
        for res in (1, 60, 3600):
            cut = last_hour - KEEP[res] if KEEP[res] else 0
            block_cut = cut - cut % BLOCK[res]
            kept = {t // res for t in secs if t >= block_cut}
            kept_rows = {t // res for t in secs if t >= cut - cut % res}
            for kind, want in (("series", kept), ("hist", kept), ("topk", kept_rows)):
                if kind == "topk" and res == 1:
                    continue  # sketches are kept per minute and hour only
                tier = [t for t in stats if t["kind"] == kind and t["res_s"] == res]
                got = tier[0]["rows"] if tier else None
                # one node: its own rows and the cluster's
                check(f"{kind} at {res} s keeps exactly the rows from {block_cut if kind != 'topk' else cut}",
                      got == 2 * len(want), f"({got} vs {2 * len(want)} from tshark)")
            # Address and port series: whole blocks from the same cut.
            dims = [t for t in stats if t["kind"] == "dims" and t["res_s"] == res]
            first_block = max(block_cut, min(secs) - min(secs) % BLOCK[res])
            want_from = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(first_block))
            check(f"dims at {res} s start at the block of the cut ({want_from})",
                  dims and dims[0]["values"] > 0 and dims[0]["from"] == want_from,
                  f"({dims[0]['from'] if dims else None})")
        check_expired_tier(q_ret, secs)
        check("the 1 s tier lost its first day", len(secs) > len({t for t in secs if t >= last_hour - DAY}),
              "(the capture must span more than the period for this test to mean anything)")

        cut = last_hour - KEEP_FLOWS
        cut_iso = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(cut))
        everything = flows_around(q_all, cut)
        got = flows_around(q_ret, cut)
        want = [f for f in everything if f[0] >= cut_iso]
        check("flow records: exactly those starting at or after the cut are kept", got == want,
              f"({len(got)} kept, {len(want)} of {len(everything)} around the cut start after it)")
        check("some flow records were expired", 0 < len(want) < len(everything))
    finally:
        for a in aggs:
            stop(a)
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
