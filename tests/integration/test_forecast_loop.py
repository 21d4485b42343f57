#!/usr/bin/env python3
"""The forecasting loop end to end, every daemon its own process: capture ->
store -> train -> monitor -> alerts -> drift -> retrain.

Usage: test_forecast_loop.py BIN_DIR

sa-gen makes five weekdays of traffic with a SYN flood at 14:00 UTC on the
last, split by editcap at the last day's start. sa-capture (node 1) stores
the first four days in sa-aggregator; `sa train` fits models of the
cluster's and node 1's packets; then node 1 captures the last day with
--models, so the aggregator's monitor and the node itself watch it against
those models as it arrives. Checks, each against something the program
under test did not compute:
  * the actual packets per hour the monitor and `sa forecast` report equal
    tshark's count of the capture's packets in each UTC hour;
  * the flood's hour raises a packets alert (the generator's ground truth
    says when), stored (`sa alerts`) and published live to an
    `sa alerts --follow` started before the last day was captured;
  * node 1, watching its own model (packets@1), logs the flood's hour as
    outside and counts it (model_deviations, in the second that ends it);
  * each monitor row's live error is the EWMA over one season of
    |clamp(actual, lo, hi) - forecast|, recomputed here from the rows;
  * the forecast's intervals nest (lo95 <= lo80 <= forecast <= hi80 <= hi95);
  * a corrupt model (NaN state, a first-format model, a training window
    ending before the data) pushed to the query socket is refused with a
    reason and the stored version stays in use;
  * with --drift set so low that every model drifts, a running sa-trainer
    (options from a --config file) retrains the drifting series early;
  * after a clock jump (the last day sent again 20 days on, editcap -t),
    training skips the empty days, says so, and starts at the new data;
  * left to find its series, sa-trainer models the busiest service ports
    (below 32768), as tshark ranks the stored traffic's destination ports.
Exit 0 when all pass."""
import calendar
import json
import math
import os
import struct
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter

import zmq

from satest import check, pb_field, pb_fields, pb_varint, sa_json, start_aggregator, stop, summary

BIN = sys.argv[1] if len(sys.argv) > 1 else "build/bin"
DAYS = 5  # Monday to Friday (sa-gen starts on 2024-01-01): a daily model fits them
HOUR = 3600


def run(args, timeout=300):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


def tshark_counts(cap):
    """Packets per UTC hour start (epoch s), and on-the-wire bytes per
    destination port by day (epoch s of its start), counted by tshark."""
    out = subprocess.run(["tshark", "-n", "-r", cap, "-T", "fields", "-e", "frame.time_epoch",
                          "-e", "frame.len", "-e", "tcp.dstport", "-e", "udp.dstport"],
                         capture_output=True, text=True, timeout=600, check=True).stdout
    hours, ports = Counter(), Counter()
    for line in out.splitlines():
        t, length, tcp, udp = (line.split("\t") + ["", "", ""])[:4]
        hours[int(float(t)) // HOUR * HOUR] += 1
        port = tcp or udp
        if port:
            ports[(int(float(t)) // 86400 * 86400, int(port.split(",")[0]))] += int(length)
    return hours, ports


def epoch(iso):
    """Epoch seconds of sa's UTC time text (2024-01-06T14:00:00.000000Z)."""
    return calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S"))


def put_model_query(fmt, state_value):
    """Query{version 1, kind PUT_MODEL, model: a one-part seasonal naive
    model of season 2 whose state holds state_value}, encoded by hand."""
    part = (pb_field(1, 2, b"seasonal_naive") + pb_field(2, 0, pb_varint(2))
            + pb_field(5, 2, struct.pack("<2d", 1.0, state_value)) + pb_field(6, 1, struct.pack("<d", 1.0)))
    model = (pb_field(1, 2, b"packets") + pb_field(2, 2, b"seasonal_naive 2")
             + pb_field(5, 0, pb_varint(HOUR)) + pb_field(15, 0, pb_varint(fmt)) + pb_field(16, 2, part))
    return pb_field(1, 0, pb_varint(1)) + pb_field(2, 0, pb_varint(7)) + pb_field(15, 2, model)


def capture(cap, ingest, *extra):
    return run([f"{BIN}/sa-capture", "--node-id", "1", "--aggregator", ingest, "--pcap", cap,
                "--file-prefix", f"sa-fcloop-{os.getpid()}", *extra], timeout=600)


def check_monitor_rows(rows, truth_hours, season):
    actual_ok = all(r.get("actual") is None or int(r["actual"]) == truth_hours.get(
        int(r["time_epoch"]), 0) for r in rows)
    check("monitor: every interval's actual equals tshark's packets in that hour", actual_ok and rows,
          f"{len(rows)} rows")
    ewma, ok = None, True
    for r in rows:
        a, f, lo, hi = float(r["actual"]), float(r["forecast"]), float(r["lo"]), float(r["hi"])
        e = abs(min(max(a, lo), hi) - f)
        ewma = e if ewma is None else ewma + (e - ewma) / season
        ok &= math.isclose(ewma, float(r["live_mae"]), rel_tol=1e-3, abs_tol=0.11)
    check("monitor: live MAE is the EWMA of clamped errors over one season", ok and rows)


def main():
    tmp = tempfile.mkdtemp(prefix="sa-fcloop-")
    ingest, query = f"ipc://{tmp}/i", f"ipc://{tmp}/q"
    pub = f"ipc://{tmp}/publish"  # where satest.start_aggregator publishes
    cap = os.path.join(tmp, "week.pcap")
    procs = []
    try:
        gen = run([f"{BIN}/sa-gen", "--out", cap, "--seed", "11", "--days", str(DAYS)])
        truth = json.loads(gen.stdout)
        flood_hour = truth["anomaly"]["start"] // HOUR * HOUR
        hours, port_bytes = tshark_counts(cap)

        last_day = truth["anomaly"]["start"] // 86400 * 86400
        early, late = os.path.join(tmp, "early.pcap"), os.path.join(tmp, "late.pcap")
        subprocess.run(["editcap", "-B", str(last_day), cap, early], check=True)
        subprocess.run(["editcap", "-A", str(last_day), cap, late], check=True)

        agg = start_aggregator(BIN, tmp, ingest, query, "--no-sync")
        procs.append(agg)
        c = capture(early, ingest)
        check("first four days stored", c.returncode == 0, c.stderr[-200:])
        t = run([f"{BIN}/sa", "--server", query, "train", "packets", "packets@1"])
        check("sa train packets packets@1 stores version 1 of each",
              t.returncode == 0 and t.stderr.count(" v1 ") == 2, t.stderr.strip())
        models = sa_json(BIN, query, "models", "packets")
        m = models[0] if models else {}
        check("sa models: backtest MASE, MAE, RMSE and fit time recorded",
              len(models) == 1 and float(m["mase"]) > 0 and float(m["mae"]) > 0 and float(m["rmse"]) > 0
              and float(m["fit_s"]) >= 0, str(m)[:300])
        check("trained from the first day of traffic, no skip claimed",
              m.get("trained_from", "").startswith("2024-01-01T00:00") and "empty steps" not in m.get("note", ""),
              str(m)[:300])
        season = int(str(m.get("seasons", "24")).split(",")[0])

        follow = subprocess.Popen([f"{BIN}/sa", "--publish", pub, "--format", "csv", "alerts", "--follow",
                                   "packets", "--limit", "1", "--timeout", "120"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(follow)
        time.sleep(0.5)
        c = capture(late, ingest, "--models", pub)
        check("node 1 captured the last day watching its own model", c.returncode == 0
              and "no model for node" not in c.stderr, c.stderr[-300:])
        flood_text = time.strftime("%Y-%m-%dT%H:00", time.gmtime(flood_hour))
        node_says = [ln for ln in c.stderr.splitlines() if "packets@1: step at" in ln]
        check("node 1 logged the flood's hour outside its model",
              any(f"step at {flood_hour}:" in ln for ln in node_says), "\n".join(node_says)[-400:])
        dev = sa_json(BIN, query, "series", "--metric", "model_deviations", "--step", "1h", "--node", "1")
        # Counted in the second that completed the step: the next hour's first.
        after = time.strftime("%Y-%m-%dT%H:00", time.gmtime(flood_hour + HOUR))
        at_flood = [p for p in dev if p["time"].startswith(after)]
        check("model_deviations counts it as the flood's hour ends, and every logged step in all",
              at_flood and float(at_flood[0]["value"]) >= 1
              and sum(float(p["value"]) for p in dev) == len(node_says), f"{at_flood} {len(node_says)}")

        # The monitor steps the last day as it arrives (less its last,
        # incomplete hour, but with the previous day's last hour).
        rows = []
        for _ in range(100):
            try:
                rows = sa_json(BIN, query, "monitor", "packets")
            except RuntimeError:
                rows = []
            if len(rows) >= 22:
                break
            time.sleep(0.2)
        for r in rows:
            r["time_epoch"] = epoch(r["time"])
        check("monitor compared the last day", len(rows) >= 22, f"{len(rows)} intervals")
        check_monitor_rows(rows, hours, season)

        out, err = follow.communicate(timeout=150)
        lines = [ln for ln in out.splitlines() if ln and not ln.startswith("time")]
        alerts = sa_json(BIN, query, "alerts", "packets")
        check("sa alerts --follow received a packets alert live, as stored",
              follow.returncode == 0 and len(lines) == 1 and lines[0].split(",")[0] in
              [a["time"] for a in alerts], out + err)
        flood = [a for a in alerts if a["time"].startswith(flood_text)]
        check("the flood's hour is alerted on packets (generator truth)", len(flood) == 1,
              f"flood hour {flood_hour}, alerts {[a['time'] for a in alerts]}")
        check("the alert's actual is tshark's count for that hour",
              flood and int(float(flood[0]["actual"])) == hours[flood_hour], str(flood[:1]))

        fc = sa_json(BIN, query, "forecast", "packets", "--horizon", "24")
        nested = all(float(p["lo95"]) <= float(p["lo80"]) <= float(p["forecast"]) <= float(p["hi80"])
                     <= float(p["hi95"]) for p in fc)
        check("forecast: 24 points, intervals nest", len(fc) == 24 and nested)
        known = [p for p in fc if p.get("actual") not in (None, "")]
        fc_ok = all(int(float(p["actual"])) == hours.get(epoch(p["time"]), 0) for p in known)
        check("forecast: actuals equal tshark's hourly counts", known and fc_ok, f"{len(known)} known")

        # Corrupt models: refused with a reason, the stored version stays.
        ctx = zmq.Context()
        req = ctx.socket(zmq.REQ)
        req.setsockopt(zmq.RCVTIMEO, 5000)
        req.setsockopt(zmq.LINGER, 0)
        req.connect(query)
        for what, msg in (("NaN state", put_model_query(2, float("nan"))),
                          ("first format", put_model_query(1, 5.0)),
                          ("a window ending in 1970", put_model_query(2, 5.0))):
            req.send(msg)
            resp = pb_fields(req.recv())
            check(f"a model with {what} is refused with a reason",
                  resp.get(1) == 3 and b"model" in resp.get(2, b""), str(resp))
        req.close()
        ctx.term()
        check("still one stored version", len(sa_json(BIN, query, "models", "packets")) == 1)
        status = sa_json(BIN, query, "monitor")
        check("the monitor still runs version 1", [s["version"] for s in status if s["series"] == "packets"]
              == [1], str(status))
        stop(agg)
        procs.remove(agg)

        # Drift: every model drifts at --drift 0.01 once it has seen a season
        # (24 intervals: hence 30 held out); the trainer retrains early.
        agg = start_aggregator(BIN, tmp, ingest, query, "--no-sync", "--drift", "0.01")
        procs.append(agg)
        conf = os.path.join(tmp, "trainer.conf")
        with open(conf, "w") as f:
            f.write(f"# the test's trainer\nserver {query}\nseries packets\nholdout 30\n"
                    "every 100000\ndrift-check 1\n")
        log = open(os.path.join(tmp, "trainer.log"), "w")
        trainer = subprocess.Popen([f"{BIN}/sa-trainer", "--config", conf], stdout=log, stderr=log)
        procs.append(trainer)
        versions = []
        for _ in range(120):
            versions = [int(v["version"]) for v in sa_json(BIN, query, "models", "packets")]
            if len(versions) >= 3:
                break
            time.sleep(0.5)
        trainer.terminate()
        trainer.wait(timeout=30)
        procs.remove(trainer)
        text = open(os.path.join(tmp, "trainer.log")).read()
        check("sa-trainer (from --config) trained on schedule, then again on drift",
              len(versions) >= 3 and "drifts" in text, f"versions {versions}; {text[-300:]}")

        # A clock jump: node 2 sends the last day again, 20 days later. The
        # cluster's series then holds 20 empty days; training skips them.
        jumped = os.path.join(tmp, "jumped.pcap")
        subprocess.run(["editcap", "-t", str(20 * 86400), late, jumped], check=True)
        c = run([f"{BIN}/sa-capture", "--node-id", "2", "--aggregator", ingest, "--pcap", jumped,
                 "--file-prefix", f"sa-fcloop-{os.getpid()}-2"], timeout=600)
        t = run([f"{BIN}/sa", "--server", query, "train", "packets"])
        m = sa_json(BIN, query, "models", "packets")[-1]
        check("after a clock jump, training skips the empty days and says so",
              c.returncode == 0 and t.returncode == 0 and "empty steps" in m["note"]
              and m["trained_from"].startswith(time.strftime("%Y-%m-%dT00:00", time.gmtime(last_day + 20 * 86400))),
              f"{t.stderr.strip()[-300:]} from {m.get('trained_from')}")
        fc = sa_json(BIN, query, "forecast", "packets", "--horizon", "48")
        check("and forecasts from the new traffic, all finite",
              len(fc) == 48 and all(math.isfinite(float(p["forecast"])) for p in fc))

        # Left to find its series, the trainer models the busiest service
        # ports (below 32768): tshark's, over all stored traffic (the
        # capture, and its last day once more from node 2).
        total = Counter()
        for (day, port), n in port_bytes.items():
            total[port] += n * (2 if day == last_day else 1)
        # Sketch counts may swap ports of nearly equal bytes: the three
        # found must be among tshark's top five and hold its first.
        want = [p for p, _ in total.most_common() if p < 32768][:5]
        t = run([f"{BIN}/sa-trainer", "--server", query, "--once", "--top-ports", "3"], timeout=600)
        found = sorted({int(m["series"].split("=")[1]) for m in sa_json(BIN, query, "models")
                        if m["series"].startswith("bytes:port=")})
        check("sa-trainer finds the busiest service ports by itself (tshark's)",
              len(found) == 3 and set(found) <= set(want) and want[0] in found,
              f"found {found}, tshark's top service ports {want}; {t.stderr.strip()[-200:]}")
        stop(agg)
        procs.remove(agg)
    finally:
        for p in procs:
            p.kill()
        shutil.rmtree(tmp, ignore_errors=True) if not os.environ.get("SA_KEEP") else print("kept", tmp)
    return summary()


if __name__ == "__main__":
    if shutil.which("tshark") is None:
        print("tshark missing: skipped")
        sys.exit(77)
    sys.exit(main())
