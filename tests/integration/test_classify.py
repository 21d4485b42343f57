"""The classifier's loop through the real daemons: sa import zeek of the
labelled CTU logs, checked field by field against the log itself (read
here with Python's csv module); re-import stores nothing twice; a bad log
imports nothing; sa export flows --format zeek gives the log back; sa train
classifier fits and stores a model; the aggregator then labels every flow
it stores, and its per-class series agree with the flow records; sa
explore prints its tables and writes well-formed SVG plots.

Usage: test_classify.py BINDIR SHARED_DATA_DIR"""
import datetime
import os
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

import zmq

import satest
from satest import check, pb_field, pb_fields, pb_varint

LOG_TRAIN = "ctu_zeek_conn_labeled_008_mixed.log"
LOG_SCORE = "ctu_zeek_conn_labeled_010_mixed.log"


def read_zeek(path):
    """The log's records as dicts (Zeek TSV: #fields names the columns)."""
    fields, rows = None, []
    with open(path, newline="") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#fields"):
                fields = line.split("\t")[1:]
            elif line and not line.startswith("#"):
                rows.append(dict(zip(fields, line.split("\t"))))
    return rows


def sa(bindir, server, *args, check_rc=True, **kw):
    r = subprocess.run([f"{bindir}/sa", "--server", server, *args], capture_output=True, text=True,
                       timeout=600, **kw)
    if check_rc and r.returncode != 0:
        raise RuntimeError(f"sa {' '.join(args)}: {r.returncode}: {r.stderr.strip()}")
    return r


def ns(text):
    whole, _, frac = text.partition(".")
    return int(whole) * 10**9 + int((frac + "000000000")[:9])


def check_import(bindir, query, ingest, data):
    path = os.path.join(data, LOG_TRAIN)
    log = read_zeek(path)
    r = sa(bindir, query, "import", "zeek", path, "--ingest", ingest, "--node", "7")
    check("import exits 0", r.returncode == 0, r.stdout.strip())
    flows = satest.sa_json(bindir, query, "--node", "7", "--limit", "100000", "export", "flows")
    check("every record stored once", len(flows) == len(log), f"{len(flows)} vs {len(log)} in the log")
    by_uid = {f["uid"]: f for f in flows}
    want_labels = {}
    for row in log:
        want_labels[row["label"]] = want_labels.get(row["label"], 0) + 1
    got_labels = {}
    for f in flows:
        got_labels[f["label"]] = got_labels.get(f["label"], 0) + 1
    check("label counts as in the log", got_labels == want_labels, f"{got_labels} vs {want_labels}")
    # The features are float32: counts below 2^24 are exact, times within
    # float32's relative precision.
    def close(a, b):
        return abs(a - b) <= 1e-6 * max(1.0, abs(b))

    def count(row, k, unset):
        return float(row[k]) if row[k] != "-" else unset

    bad = []
    for row in log:
        f = by_uid.get(row["uid"])
        if f is None:
            bad.append((row["uid"], "missing"))
            continue
        want = {"start_ns": ns(row["ts"]), "src": row["id.orig_h"], "dst": row["id.resp_h"],
                "sport": int(row["id.orig_p"]), "dport": int(row["id.resp_p"])}
        for k, v in want.items():
            if f[k] != v:
                bad.append((row["uid"], k, f[k], v))
        nums = {"pkts_ab": count(row, "orig_pkts", 0), "pkts_ba": count(row, "resp_pkts", 0),
                "bytes_ab": count(row, "orig_ip_bytes", 0), "bytes_ba": count(row, "resp_ip_bytes", 0),
                "payload_ab": count(row, "orig_bytes", -1), "payload_ba": count(row, "resp_bytes", -1),
                "duration_s": count(row, "duration", 0)}
        for k, v in nums.items():
            if not close(f[k], v):
                bad.append((row["uid"], k, f[k], v))
    check("every record's fields as in the log", not bad, f"{len(bad)} differ, e.g. {bad[:3]}")

    # The newest first (what a retrain reads): the earliest-first list, reversed.
    ident = lambda f: (f["start"], f["src"], f["sport"], f["dst"], f["dport"])
    oldest = [ident(f) for f in satest.sa_json(bindir, query, "--node", "7", "--limit", "100000", "flows")]
    newest = [ident(f) for f in satest.sa_json(bindir, query, "--node", "7", "--limit", "20", "--sort", "newest",
                                               "flows")]
    check("flows --sort newest is the start order reversed", newest == oldest[::-1][:20], str(newest[:2]))

    again = sa(bindir, query, "import", "zeek", path, "--ingest", ingest, "--node", "7")
    n = len(satest.sa_json(bindir, query, "--node", "7", "--limit", "100000", "export", "flows"))
    check("a repeated import stores nothing twice", "already stored" in again.stdout and n == len(log),
          again.stdout.strip())
    return log


def check_bad_logs(bindir, query, ingest, data, tmp):
    lines = open(os.path.join(data, LOG_TRAIN)).read().split("\n")
    first = next(i for i, l in enumerate(lines) if l and not l.startswith("#"))
    cases = {
        "bad_ts": (lambda L: L[:first + 100] + ["x" + L[first + 100]] + L[first + 101:], first + 101, "ts"),
        "short_line": (lambda L: L[:first + 5] + ["\t".join(L[first + 5].split("\t")[:5])] + L[first + 6:],
                       first + 6, None),
        "no_resp_h": (lambda L: [l.replace("\tid.resp_h\t", "\tresp_host\t") for l in L], None, "id.resp_h"),
        "commas": (lambda L: [l.replace("\t", ",") for l in L], None, None),
    }
    for name, (mutate, line, column) in cases.items():
        p = os.path.join(tmp, name + ".log")
        open(p, "w").write("\n".join(mutate(list(lines))))
        r = sa(bindir, query, "import", "zeek", p, "--ingest", ingest, "--node", "9", check_rc=False)
        n = len(satest.sa_json(bindir, query, "--node", "9", "--limit", "100000", "flows")) if r.returncode == 0 else 0
        msg = r.stderr.strip()
        ok = r.returncode == 1 and "nothing was imported" in msg and (line is None or f":{line}:" in msg) and \
            (column is None or column in msg)
        check(f"bad log {name}: refused, named, nothing imported", ok and n == 0, msg[:160])
    nodes = satest.sa_json(bindir, query, "nodes")
    check("no flows stored from the bad logs", all(nd["node"] != 9 or nd["flows"] == 0 for nd in nodes))


def check_export_zeek(bindir, query, log, tmp):
    out = sa(bindir, query, "--node", "7", "--limit", "100000", "--format", "zeek", "export", "flows").stdout
    p = os.path.join(tmp, "export.log")
    open(p, "w").write(out)
    back = {r["uid"]: r for r in read_zeek(p)}
    keys = ["ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "orig_bytes",
            "resp_bytes", "conn_state", "history", "orig_pkts", "orig_ip_bytes", "resp_pkts",
            "resp_ip_bytes", "label", "detailedlabel"]
    differ = [(r["uid"], k, r[k], back.get(r["uid"], {}).get(k)) for r in log for k in keys
              if back.get(r["uid"], {}).get(k) != r[k]]
    check("export --format zeek gives the imported log back", len(back) == len(log) and not differ,
          f"{len(differ)} fields differ, e.g. {differ[:3]}")


def check_train_and_score(bindir, query, ingest, data, tmp):
    r = sa(bindir, query, "--node", "7", "--budget", "5", "train", "classifier", check_rc=False)
    check("train classifier stores a model", r.returncode == 0 and "stored as classifier v1" in r.stdout,
          r.stderr.strip()[-300:])
    print(r.stdout)
    models = satest.sa_json(bindir, query, "models", "classifier")
    check("sa models lists the classifier", len(models) == 1 and models[0]["series"] == "classifier",
          str(models)[:200])
    # The held-out accuracy stored with it: CTU-Normal-40's flows are easy
    # to tell apart (the logistic baseline alone gets above 0.95).
    acc = models[0].get("accuracy", 0) if models else 0
    check("held-out accuracy above 0.95", acc > 0.95, f"{acc}")

    path = os.path.join(data, LOG_SCORE)
    sa(bindir, query, "import", "zeek", path, "--ingest", ingest, "--node", "8")
    flows = satest.sa_json(bindir, query, "--node", "8", "--limit", "100000", "export", "flows")
    scored = [f for f in flows if f["class"]]
    check("every imported flow scored at ingest", len(scored) == len(flows) == len(read_zeek(path)),
          f"{len(scored)} of {len(flows)}")
    counts, correct = {}, {}
    for f in flows:
        counts[f["class"]] = counts.get(f["class"], 0) + 1
        correct[f["class"]] = correct.get(f["class"], 0) + (f["class"] == f["label"])
    top = {e["class"]: e["flows"] for e in satest.sa_json(bindir, query, "--node", "8", "--by", "class",
                                                           "--metric", "flows", "top")}
    check("per-class flow series = the flow records' classes", top == counts, f"{top} vs {counts}")
    right = {e["class"]: e["correct"] for e in satest.sa_json(bindir, query, "--node", "8", "--by", "class",
                                                             "--metric", "correct", "top")}
    correct = {k: v for k, v in correct.items() if v}  # a class never right has no entry
    check("per-class live accuracy series = the records' label == class", right == correct,
          f"{right} vs {correct}")
    acc = sum(correct.values()) / len(flows)
    print(f"live accuracy on {LOG_SCORE} (another day, another host): {acc:.3f}")
    mal = satest.sa_json(bindir, query, "--node", "8", "--class", "Malicious", "--limit", "100000", "flows")
    check("flows --class Malicious", len(mal) == counts.get("Malicious", 0), f"{len(mal)}")
    check_class_series(bindir, query, flows, models[-1])
    return acc


def epoch(iso):
    return int(datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp())


def check_class_series(bindir, query, flows, model):
    """Hourly live accuracy and class-mix drift of node 8, against the same
    figures computed here from its flow records and the model's training mix."""
    hours = {}
    for f in flows:
        h = hours.setdefault(f["start_ns"] // 3_600_000_000_000 * 3600, {"n": 0, "right": 0, "by": {}})
        h["n"] += 1
        h["right"] += f["class"] == f["label"]
        h["by"][f["class"]] = h["by"].get(f["class"], 0) + 1
    classes = model["classes"].split(",")
    share = dict(zip(classes, map(float, model["class_share"].split(","))))
    acc = {epoch(p["time"]): p["value"] for p in satest.sa_json(
        bindir, query, "--node", "8", "--step", "1h", "--metric", "live_accuracy", "series") if p["value"] != ""}
    want = {t: h["right"] / h["n"] for t, h in hours.items()}
    check("live_accuracy series = label == class per hour of the records", set(acc) == set(want) and all(
        abs(acc[t] - want[t]) < 1e-9 for t in want), f"{len(acc)} vs {len(want)} hours")
    drift = {epoch(p["time"]): p["value"] for p in satest.sa_json(
        bindir, query, "--node", "8", "--step", "1h", "--metric", "class_drift", "series") if p["value"] != ""}
    want = {t: sum(abs(h["by"].get(c, 0) / h["n"] - share[c]) for c in classes) / 2 for t, h in hours.items()}
    check("class_drift series = the hour's mix against the training mix", set(drift) == set(want) and all(
        abs(drift[t] - want[t]) < 1e-6 for t in want), f"{sorted(drift.items())[:2]} vs {sorted(want.items())[:2]}")


def check_drift_retrain(bindir, query, tmp, live_acc):
    """sa-trainer's drift check: v1 scores the other day's flows below its
    held-out accuracy by more than --accuracy-drop, so it retrains (the
    schedule is off)."""
    log = os.path.join(tmp, "trainer.log")
    with open(log, "w") as f:
        p = subprocess.Popen([f"{bindir}/sa-trainer", "--server", query, "--every", "86400", "--classifier-every",
                              "0", "--class-window", "0", "--drift-check", "1", "--budget", "1",
                              "--accuracy-drop", "0.01"],
                             stdout=f, stderr=f)
    try:
        versions = []
        for _ in range(120):
            versions = [m["version"] for m in satest.sa_json(bindir, query, "models", "classifier")]
            if 2 in versions:
                break
            time.sleep(0.5)
    finally:
        satest.stop(p)
    text = open(log).read()
    check("sa-trainer retrains a drifting classifier", 2 in versions, text[-300:])
    # The live accuracy it acted on is the records' own: label == class over node 8's flows.
    check("the drift line gives the records' live accuracy", f"live accuracy {live_acc:.3f}" in text,
          [l for l in text.splitlines() if "drifts" in l][:1])


def classifier_query(accuracy=0.9, child=(1, 1, 2), feature=b"port_b"):
    """Query{PUT_MODEL, model: a one-stump classifier (port_b < 1024: Benign,
    else Malicious)}, encoded by hand so it can be broken on purpose."""
    packed = lambda fmt, vals: struct.pack(f"<{len(vals)}{fmt}", *vals)
    forest = (pb_field(1, 0, pb_varint(1)) + pb_field(2, 2, pb_varint(0)) + pb_field(3, 2, bytes(3))
              + pb_field(4, 2, packed("f", (1024, 0, 0))) + pb_field(5, 2, b"".join(map(pb_varint, child)))
              + pb_field(6, 2, packed("f", (0, -1, 1))) + pb_field(7, 2, packed("f", (0,))) + pb_field(8, 0, b"\x01"))
    classifier = (pb_field(1, 2, b"Benign") + pb_field(1, 2, b"Malicious") + pb_field(2, 2, feature)
                  + pb_field(3, 2, forest) + pb_field(4, 1, struct.pack("<d", accuracy)))
    model = pb_field(1, 2, b"classifier") + pb_field(15, 0, pb_varint(2)) + pb_field(26, 2, classifier)
    return pb_field(1, 0, pb_varint(1)) + pb_field(2, 0, pb_varint(7)) + pb_field(15, 2, model)


def check_bad_models(bindir, query):
    """Broken classifiers are refused with a reason; the stored versions stay."""
    before = [m["version"] for m in satest.sa_json(bindir, query, "models", "classifier")]
    ctx = zmq.Context()
    req = ctx.socket(zmq.REQ)
    req.setsockopt(zmq.RCVTIMEO, 10000)
    req.setsockopt(zmq.LINGER, 0)
    req.connect(query)
    for what, msg, why in (("a NaN accuracy", classifier_query(accuracy=float("nan")), b"metric"),
                           ("a child outside its tree", classifier_query(child=(5, 1, 2)), b"outside"),
                           ("a feature flows lack", classifier_query(feature=b"mood"), b"mood")):
        req.send(msg)
        resp = pb_fields(req.recv())
        check(f"a classifier with {what} is refused with its reason", resp.get(1) == 3 and why in resp.get(2, b""),
              str(resp))
    req.send(classifier_query())
    resp = pb_fields(req.recv())
    check("the same classifier unbroken is stored", resp.get(1, 0) == 0, str(resp))
    req.close()
    ctx.term()
    after = [m["version"] for m in satest.sa_json(bindir, query, "models", "classifier")]
    check("only the good one became a version", after == before + [max(before) + 1], f"{before} -> {after}")


def check_explore(bindir, query, tmp, log):
    # A rule labelled "-" leaves irrelevant traffic out: here UDP.
    rules = os.path.join(tmp, "ignore_udp.rules")
    open(rules, "w").write("# DNS and the like are not what this model is for\n- proto udp\n")
    tcp = sum(r["proto"] == "tcp" for r in log) + sum(r["proto"] == "icmp" for r in log)
    out = os.path.join(tmp, "plots")
    r = sa(bindir, query, "--node", "7", "explore", "--labels", rules, "--out", out, check_rc=False)
    check("explore reads the non-UDP flows only (the '-' rule)", r.stdout.startswith(f"{tcp} labelled flows"),
          r.stdout[:80])
    check("explore exits 0", r.returncode == 0, r.stderr.strip()[-200:])
    text = r.stdout
    check("explore prints correlation and PCA", "correlation" in text.lower() and "PCA" in text, text[:200])
    for name in ("correlation.svg", "pca.svg", "importance.svg", "by_class.svg"):
        p = os.path.join(out, name)
        try:
            root = ET.parse(p).getroot()
            ok = root.tag.endswith("svg") and len(list(root.iter())) > 10
        except (OSError, ET.ParseError) as e:
            ok = False
            print(e)
        check(f"explore wrote {name}, well-formed SVG", ok)


def main():
    bindir, data = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        query, ingest = f"ipc://{tmp}/q", f"ipc://{tmp}/i"
        agg = satest.start_aggregator(bindir, tmp, ingest, query)
        try:
            log = check_import(bindir, query, ingest, data)
            check_bad_logs(bindir, query, ingest, data, tmp)
            check_export_zeek(bindir, query, log, tmp)
            live_acc = check_train_and_score(bindir, query, ingest, data, tmp)
            check_explore(bindir, query, tmp, log)
            check_drift_retrain(bindir, query, tmp, live_acc)
            check_bad_models(bindir, query)
        finally:
            satest.stop(agg)
    return satest.summary()


if __name__ == "__main__":
    sys.exit(main())
