#!/usr/bin/env python3
"""Turns `sa ... --format csv` output on stdin into the demo's short reports.

  demo_report.py volume            bytes per hour -> one sparkline per day
  demo_report.py forecast          forecast vs actual with 95% intervals
  demo_report.py anomaly TRUTH     SYNs per minute vs the generator's ground truth
"""
import csv
import datetime
import json
import math
import statistics
import sys

BARS = " ▁▂▃▄▅▆▇█"


def mb(v):
    return f"{v / 1e6:.1f} MB"


def volume(rows):
    vals = [float(r["value"]) for r in rows]
    top = max(vals) or 1
    days = {}
    for r, v in zip(rows, vals):
        days.setdefault(r["time"][:10], []).append(v)
    print("  day            00h" + " " * 18 + "12h" + " " * 6 + "23h   total")
    for d, vs in days.items():
        wd = datetime.date.fromisoformat(d).strftime("%a")
        line = "".join(BARS[min(8, math.ceil(8 * v / top))] for v in vs)
        print(f"  {d} {wd} {line:<24}  {mb(sum(vs)):>9}")
    peak = max(range(len(vals)), key=vals.__getitem__)
    trough = min(range(len(vals)), key=vals.__getitem__)
    print(f"  peak hour      {rows[peak]['time'][:16]}  {mb(vals[peak])}")
    print(f"  quietest hour  {rows[trough]['time'][:16]}  {mb(vals[trough])}")


def forecast(rows):
    print("  hour (UTC)          forecast     actual   95% interval")
    errors = []
    for r in rows:
        f, lo, hi = float(r["forecast"]), float(r["lo95"]), float(r["hi95"])
        actual = r["actual"]
        flag = "  <-- outside the interval" if r["outside95"] == "yes" else ""
        shown = mb(float(actual)) if actual else "-"
        print(f"  {r['time'][:16]}  {mb(f):>9}  {shown:>9}   [{lo / 1e6:.1f}, {hi / 1e6:.1f}]{flag}")
        if actual:
            errors.append(float(actual) - f)
    if errors:
        mae = sum(map(abs, errors)) / len(errors)
        rmse = math.sqrt(sum(e * e for e in errors) / len(errors))
        print(f"  against the held-out actuals: MAE {mb(mae)}, RMSE {mb(rmse)} over {len(errors)} hours")


def anomaly(rows, truth):
    vals = [float(r["value"]) for r in rows]
    med = statistics.median(vals)
    peak = max(range(len(vals)), key=vals.__getitem__)
    print(f"  median {med:.0f} SYN/min; peak {vals[peak]:.0f} SYN/min at {rows[peak]['time'][:16]}")
    hot = [r["time"][:16] for r, v in zip(rows, vals) if v > 20 * max(med, 1)]
    if hot:
        print(f"  minutes above 20x the median: {len(hot)}, {hot[0]} .. {hot[-1]}")
    a = json.loads(truth)["anomaly"]
    fmt = lambda s: datetime.datetime.fromtimestamp(s, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M")
    print(f"  injected by sa-gen: {a['kind']} on {a['target']}, {fmt(a['start'])} .. {fmt(a['end'])}")


def main():
    rows = list(csv.DictReader(sys.stdin))
    if not rows:
        print("  (no data)")
        return
    {"volume": lambda: volume(rows), "forecast": lambda: forecast(rows),
     "anomaly": lambda: anomaly(rows, sys.argv[2])}[sys.argv[1]]()


if __name__ == "__main__":
    main()
