#!/usr/bin/env python3
"""sa-gen --series against numbers it does not compute: the traffic model as
gen_model.h and --help document it (a weekday carries --flows-per-day flows,
a weekend day 40% of that, a trend of 1%/day that averages 1 over the run,
peaks near 11:00 and 20:00 UTC, a trough near 04:00), the documented bursts,
flow size and anomaly ranges, and Poisson statistics for the tolerances.
The series itself is read with the csv module; the JSON truth line is only
compared with what the CSV shows.

Usage: test_gen_series.py PATH_TO_SA_GEN
"""
import csv
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

from satest import check, summary

GEN = sys.argv[1]
MONDAY = 1704067200  # 2024-01-01T00:00:00Z, the default --start
DAY, WEEK = 86400, 7 * 86400
# Documented in --help and gen_series.h; restated so a change must be deliberate.
FLOW_BYTES, SIZE_SD = 40000, 0.05
BURSTS_WEEK, BURST_LO, BURST_HI = 2.0, 1.2, 1.5
SURGE, DROP = (3.0, 6.0), (0.1, 0.3)


def run(tmp, name, *args):
    """(exit status, rows as int tuples, parsed JSON or None, stderr)."""
    path = os.path.join(tmp, name)
    p = subprocess.run([GEN, "--series", path, *args], capture_output=True, text=True,
                       timeout=60)
    if p.returncode != 0:
        return p.returncode, [], None, p.stderr
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        rows = [tuple(int(v) for v in row) for row in r]
    check("CSV header", header == ["t_s", "flows", "bytes", "anomaly"], f"{name}: {header}")
    return 0, rows, json.loads(p.stdout), p.stderr


def events(rows):
    """Maximal runs of anomaly=1: (first t_s, last t_s, row indexes)."""
    out, cur = [], None
    for i, (t, _, _, a) in enumerate(rows):
        if a and cur is None:
            cur = [t, t, [i]]
        elif a:
            cur[1] = t
            cur[2].append(i)
        elif cur is not None:
            out.append(cur)
            cur = None
    if cur is not None:
        out.append(cur)
    return out


def trend(d, days):
    """Mean of trend(t) over day d: it is linear, so its value at midday."""
    return 1 + 0.01 * (d + 0.5 - days / 2)


def weekday(t):
    return (t // DAY + 3) % 7 < 5  # 1970-01-01 was a Thursday (index 3 from Monday)


def check_command_line(tmp):
    out = os.path.join(tmp, "bad.csv")
    bad = [
        (["--series", out, "--step", "7000"], "step that does not divide a day"),
        (["--series", out, "--step", "0"], "step 0"),
        (["--series", out, "--step", "1h"], "step not a number"),
        (["--series", out, "--anomalies", "-1"], "negative anomaly count"),
        (["--series", out, "--days", "2", "--anomalies", "1"], "anomaly in a 2-day run"),
        (["--series", out, "--days", "3", "--anomalies", "7"], "more anomalies than fit"),
        (["--series", out, "--out", os.path.join(tmp, "x.pcap")], "--series with --out"),
        (["--series", out, "--anomaly", "portscan"], "--series with the pcap's --anomaly"),
        (["--out", os.path.join(tmp, "x.pcap"), "--step", "60"], "--step without --series"),
        (["--series"], "--series without a file"),
    ]
    for args, what in bad:
        p = subprocess.run([GEN, *args], capture_output=True, text=True, timeout=30)
        lines = p.stderr.strip().splitlines()
        check(f"usage error: {what}", p.returncode == 2 and len(lines) == 1
              and lines[0].startswith("sa-gen: ") and p.stdout == "",
              f"exit {p.returncode}, stderr {p.stderr.strip()!r}")
    check("no file left by usage errors", not os.path.exists(out))
    p = subprocess.run([GEN, "--series", os.path.join(tmp, "no", "such", "dir.csv")],
                       capture_output=True, text=True, timeout=30)
    check("unwritable file: exit 1 with a message", p.returncode == 1 and "dir.csv" in p.stderr,
          f"exit {p.returncode}, {p.stderr.strip()!r}")
    p = subprocess.run([GEN, "--help"], capture_output=True, text=True, timeout=30)
    check("--help documents the series options and columns",
          p.returncode == 0 and all(s in p.stdout for s in
                                    ("--series", "--step", "--anomalies", "t_s,flows,bytes,anomaly")))


def check_volume(tmp):
    """28 days (4 whole weeks from a Monday), 5-minute steps, no anomalies."""
    days, step, fpd = 28, 300, 20000
    rc, rows, truth, err = run(tmp, "vol.csv", "--days", str(days), "--step", str(step),
                               "--flows-per-day", str(fpd), "--seed", "5", "--anomalies", "0")
    if rc != 0:
        check("volume run", False, err)
        return
    check("rows: one per step", len(rows) == days * DAY // step == truth["rows"],
          f"{len(rows)} rows, JSON {truth['rows']}")
    check("t_s: from --start, one step apart",
          all(r[0] == MONDAY + i * step for i, r in enumerate(rows)))
    check("no anomaly labelled with --anomalies 0",
          not any(r[3] for r in rows) and truth["anomalies"] == [])
    check("JSON sums = column sums", truth["flows"] == sum(r[1] for r in rows)
          and truth["bytes"] == sum(r[2] for r in rows))

    # Total flows: per day fpd x (1 or 0.40) x trend, plus the bursts' mean
    # extra flows; variance from the Poisson draws plus the bursts' (at most
    # 0.5 of the largest step each).
    weights = [1.0 if d % 7 < 5 else 0.40 for d in range(days)]
    base = fpd * sum(w * trend(d, days) for d, w in enumerate(weights))
    p_burst = BURSTS_WEEK * step / WEEK
    want = base * (1 + p_burst * ((BURST_LO + BURST_HI) / 2 - 1))
    big = max(r[1] for r in rows)
    sd = math.sqrt(want + len(rows) * p_burst * (BURST_HI - 1) ** 2 * big ** 2)
    total = sum(r[1] for r in rows)
    check("total flows = fpd x (5 weekdays + 2 x 0.40) per week x trend",
          abs(total - want) < 4 * sd, f"{total} vs {want:.0f} +- {4 * sd:.0f} (4 sd)")

    per_day = [0] * days
    for t, f, _, _ in rows:
        per_day[(t - MONDAY) // DAY] += f
    wk = [per_day[d] / trend(d, days) for d in range(days) if weekday(MONDAY + d * DAY)]
    we = [per_day[d] / trend(d, days) for d in range(days) if not weekday(MONDAY + d * DAY)]
    ratio = statistics.mean(we) / statistics.mean(wk)
    check("weekend days below weekdays", max(we) < min(wk),
          f"weekend max {max(we):.0f}, weekday min {min(wk):.0f}")
    check("weekend day = 40% of a weekday", abs(ratio - 0.40) < 0.02, f"{ratio:.4f}")

    by_hour = [0] * 24
    for t, f, _, _ in rows:
        if weekday(t):
            by_hour[(t % DAY) // 3600] += f
    peak, trough = by_hour.index(max(by_hour)), by_hour.index(min(by_hour))
    check("daily cycle: peak near 11:00 or 20:00, trough near 04:00",
          (10 <= peak <= 12 or 19 <= peak <= 21) and 3 <= trough <= 5,
          f"peak {peak:02d}h, trough {trough:02d}h, ratio {max(by_hour) / min(by_hour):.1f}")

    size = [b / f for _, f, b, _ in rows if f >= 1]
    logs = [math.log(s) for s in size]
    mean_size = sum(b for _, _, b, _ in rows) / total
    check(f"mean flow size {FLOW_BYTES} bytes", abs(mean_size / FLOW_BYTES - 1) < 0.01,
          f"{mean_size:.0f}")
    check(f"flow size noise sd ~{SIZE_SD:.0%}", 0.8 * SIZE_SD < statistics.stdev(logs) < 1.2 * SIZE_SD,
          f"sd of log(bytes/flows) {statistics.stdev(logs):.4f}")


def check_anomalies(tmp):
    """35 hourly days at 200k flows/day (every hour >= ~500 flows, so the
    ratios below are a few % noisy), with and without anomalies."""
    days, step = 35, 3600
    base = ["--days", str(days), "--step", str(step), "--flows-per-day", "200000", "--seed", "1"]
    rc, rows, truth, err = run(tmp, "an.csv", *base)
    rc0, clean, _, err0 = run(tmp, "clean.csv", *base, "--anomalies", "0")
    if rc or rc0:
        check("anomaly runs", False, err + err0)
        return
    ev, jan = events(rows), truth["anomalies"]
    check("default: one anomaly per 3 days", len(jan) == days // 3, f"{len(jan)} in JSON")
    check("CSV events = JSON anomalies", len(ev) == len(jan), f"{len(ev)} runs of anomaly=1")
    nsteps = sum(r[3] for r in rows)
    check("CSV anomaly steps = JSON durations",
          nsteps == sum((a["end"] - a["start"]) // step for a in jan), f"{nsteps} steps")
    check("events match the JSON times",
          [(e[0], e[1] + step) for e in ev] == [(a["start"], a["end"]) for a in jan])
    check("events last 1..3 steps", all(1 <= len(e[2]) <= 3 for e in ev),
          str(sorted(len(e[2]) for e in ev)))
    check("no event in the first 2 days", all(a["start"] >= MONDAY + 2 * DAY for a in jan))
    check("events ordered and never touching",
          all(a["end"] < b["start"] for a, b in zip(jan, jan[1:])))

    differ = {i for i, (a, b) in enumerate(zip(rows, clean)) if a[:3] != b[:3]}
    labelled = {i for e in ev for i in e[2]}
    check("same seed without anomalies differs only on labelled steps",
          differ <= labelled and len(rows) == len(clean), f"{len(differ - labelled)} unlabelled")
    for e, a in zip(ev, jan):
        got = sum(rows[i][1] for i in e[2]) / max(1, sum(clean[i][1] for i in e[2]))
        # the clean series may carry a burst (x1.2..1.5) there; the anomaly never does
        lo, hi = (SURGE[0] / BURST_HI * 0.9, SURGE[1] * 1.1) if a["kind"] == "surge" \
            else (DROP[0] / BURST_HI * 0.8, DROP[1] * 1.15)
        check(f"{a['kind']} at {a['start']}: flows x{got:.2f} the clean series",
              a["kind"] in ("surge", "drop") and lo <= got <= hi, f"want {lo:.2f}..{hi:.2f}")

    rc, rows6, truth6, err = run(tmp, "an6.csv", *base, "--anomalies", "6")
    check("--anomalies 6: 6 events in CSV and JSON",
          rc == 0 and len(events(rows6)) == 6 == len(truth6["anomalies"]), err)


def check_determinism(tmp):
    args = ["--days", "10", "--step", "900", "--flows-per-day", "3000"]
    outs = []
    for name, seed in (("a.csv", "7"), ("a2.csv", "7"), ("b.csv", "8")):
        p = subprocess.run([GEN, "--series", os.path.join(tmp, name), "--seed", seed, *args],
                           capture_output=True, timeout=60)
        outs.append((open(os.path.join(tmp, name), "rb").read(), p.stdout))
    check("same seed: identical CSV and JSON", outs[0] == outs[1])
    check("different seed: different CSV", outs[0][0] != outs[2][0])

    # A Saturday-morning start that is not on a whole hour.
    rc, rows, truth, err = run(tmp, "sat.csv", *args, "--start", "2024-03-02T05:30:17Z")
    t0 = 1709357417
    check("--start off the hour: rows from it, 900 s apart",
          rc == 0 and truth["start"] == t0 and rows[0][0] == t0
          and all(b[0] - a[0] == 900 for a, b in zip(rows, rows[1:])), err)


def check_pcap_agrees(tmp):
    """A pcap and a series with the same options follow one rate curve."""
    args = ["--days", "1", "--flows-per-day", "5000", "--seed", "3"]
    p = subprocess.run([GEN, "--out", os.path.join(tmp, "p.pcap"), "--anomaly", "none",
                        "--quiet", *args], capture_output=True, text=True, timeout=60)
    rc, rows, truth, err = run(tmp, "p.csv", *args)
    if p.returncode or rc:
        check("pcap and series runs", False, p.stderr + err)
        return
    pf, sf = json.loads(p.stdout)["flows"], truth["flows"]
    tol = 4 * math.sqrt(pf + sf)  # two independent Poisson counts of one mean
    check("series flows = pcap flows for the same options", abs(pf - sf) < tol,
          f"pcap {pf}, series {sf}, tolerance {tol:.0f}")


def main():
    tmp = tempfile.mkdtemp(prefix="sa-gen-series-")
    try:
        check_command_line(tmp)
        check_volume(tmp)
        check_anomalies(tmp)
        check_determinism(tmp)
        check_pcap_agrees(tmp)
    finally:
        shutil.rmtree(tmp)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
