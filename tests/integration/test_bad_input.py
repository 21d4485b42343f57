#!/usr/bin/env python3
"""Bad input never kills a daemon and always gets one clear line.

Garbage, wrong-version and multi-frame messages on the aggregator's ingest
and query sockets are refused with an error code and logged (rate-limited),
and the aggregator keeps serving a real capture node afterwards. Unknown
options, unreachable servers and unreadable inputs get one line on stderr
and the documented exit status.

Usage: test_bad_input.py BIN_DIR CAPTURE MANY_FLOWS_CAPTURE
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import zmq

from satest import check, pb_fields, summary

BIN, CAPTURE, MANY_FLOWS = sys.argv[1], sys.argv[2], sys.argv[3]


def run(args, timeout=60):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


def one_line(p):
    return len([l for l in p.stderr.splitlines() if l.strip()]) == 1


def check_query_limit(tmp):
    """A query still scanning at the aggregator's time limit is refused with
    SA_ERR_LIMIT and a clear line; the daemon goes on serving. The store
    holds the capture's flows, more than the 64 steps between clock reads."""
    query = f"ipc://{tmp}/query-limit"
    with open(os.path.join(tmp, "agg-limit.log"), "w") as log:
        agg = subprocess.Popen([f"{BIN}/sa-aggregator", "--db", f"{tmp}/db", "--ingest", f"ipc://{tmp}/i2",
                                "--query", query, "--publish", f"ipc://{tmp}/pub2", "--query-limit", "0.000001"], stdout=log, stderr=log)
        try:
            for _ in range(50):
                p = run([f"{BIN}/sa", "--server", query, "--timeout", "2", "flows"])
                if "time limit" in p.stderr:
                    break
                time.sleep(0.1)
            check("query past --query-limit refused, one line", p.returncode == 1 and one_line(p) and
                  "time limit" in p.stderr, p.stderr)
            p = run([f"{BIN}/sa", "--server", query, "nodes"])
            check("and the aggregator still answers", p.returncode == 0, p.stderr)
        finally:
            agg.send_signal(signal.SIGTERM)
            agg.wait(timeout=30)


def main():
    tmp = tempfile.mkdtemp(prefix="sa-bad-")
    ingest, query = f"ipc://{tmp}/ingest", f"ipc://{tmp}/query"
    log = open(os.path.join(tmp, "agg.log"), "w")
    agg = subprocess.Popen([f"{BIN}/sa-aggregator", "--db", f"{tmp}/db", "--ingest", ingest,
                            "--query", query, "--publish", f"ipc://{tmp}/pub"], stdout=log, stderr=log)
    ctx = zmq.Context()
    try:
        time.sleep(0.5)
        dealer = ctx.socket(zmq.DEALER)
        dealer.setsockopt(zmq.RCVTIMEO, 5000)
        dealer.setsockopt(zmq.LINGER, 0)
        dealer.connect(ingest)

        # NodeMessage{batch{schema_version: 99, node_id: 1, seq: 1}}, encoded by hand.
        dealer.send(bytes([0x1A, 0x06, 0x08, 0x63, 0x10, 0x01, 0x20, 0x01]))
        ack = pb_fields(dealer.recv())
        check("future schema version refused with SA_ERR_VERSION (2)", ack.get(3) == 2, str(ack))

        # A batch without a sequence number.
        dealer.send(bytes([0x1A, 0x04, 0x08, 0x01, 0x10, 0x01]))
        ack = pb_fields(dealer.recv())
        check("batch without sequence refused with SA_ERR_INVALID (3)", ack.get(3) == 3, str(ack))

        for i in range(50):
            dealer.send(os.urandom(64) + bytes([0xFF] * 8))
        codes = [pb_fields(dealer.recv()).get(3) for _ in range(50)]
        check("50 garbage messages each refused", all(c and c != 0 for c in codes), str(set(codes)))

        dealer.send_multipart([b"a", b"b", b"c"])
        ack = pb_fields(dealer.recv())
        check("multi-frame message refused with SA_ERR_DECODE (1)", ack.get(3) == 1, str(ack))

        req = ctx.socket(zmq.REQ)
        req.setsockopt(zmq.RCVTIMEO, 5000)
        req.setsockopt(zmq.LINGER, 0)
        req.connect(query)
        req.send(b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff")
        resp = pb_fields(req.recv())
        check("garbage query answered with an error code", resp.get(1, 0) != 0, str(resp))
        req.send(bytes([0x08, 0x07]))  # Query{schema_version: 7}
        resp = pb_fields(req.recv())
        check("query with a future schema version refused (2)", resp.get(1) == 2, str(resp))
        # Query{version 1, kind SERIES, from 200, to 100}: an inverted range.
        req.send(bytes([0x08, 0x01, 0x10, 0x01, 0x18, 0xC8, 0x01, 0x20, 0x64]))
        resp = pb_fields(req.recv())
        check("inverted time range refused (3)", resp.get(1) == 3, str(resp))

        check("aggregator still running", agg.poll() is None)
        cap = run([f"{BIN}/sa-capture", "--node-id", "9", "--aggregator", ingest, "--pcap", CAPTURE,
                   "--file-prefix", f"sa-bad-{os.getpid()}"], timeout=120)
        check("a real node is served after the garbage", cap.returncode == 0, cap.stderr.strip()[-200:])
        s = run([f"{BIN}/sa", "--server", query, "--node", "9", "--format", "json", "summary"])
        check("and its data answers queries", s.returncode == 0 and '"packets"' in s.stdout, s.stderr)

        # Errors for people.
        p = run([f"{BIN}/sa", "--bogus"])
        check("sa: unknown option -> exit 2, one line", p.returncode == 2 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa", "frobnicate"])
        check("sa: unknown command -> exit 2, one line", p.returncode == 2 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa", "--server", "tcp://127.0.0.1:1", "--timeout", "1", "nodes"])
        check("sa: unreachable server -> exit 1, one line", p.returncode == 1 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa", "--server", query, "series", "--metric", "nonsense"])
        check("sa: unknown metric -> exit 1, one line", p.returncode == 1 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa", "--server", query, "series", "--ip", "10.0.0.1", "--metric", "flows"])
        check("sa: an address's series of an unknown metric -> exit 1, one line",
              p.returncode == 1 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa", "--server", query, "series", "--ip", "10.0.0.300"])
        check("sa: series of a bad address -> exit 2, one line", p.returncode == 2 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa", "--server", query, "series", "--port", "53", "--by", "src-ip"])
        check("sa: series of a port by an address dimension -> exit 2, one line",
              p.returncode == 2 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa", "--server", query, "series", "--agg", "median"])
        check("sa: unknown aggregation -> exit 2, one line", p.returncode == 2 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa", "--server", query, "tracked", "--metric", "flows"])
        check("sa: tracked by an unknown metric -> exit 1, one line", p.returncode == 1 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa-aggregator", "--db", f"{tmp}/db2", "--track", "0"])
        check("sa-aggregator: --track 0 -> exit 2, one line", p.returncode == 2 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa", "--from", "yesterday", "nodes"])
        check("sa: unreadable time -> exit 2, one line", p.returncode == 2 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa-capture", "--pcap", CAPTURE])
        check("sa-capture: no node id -> exit 2, one line", p.returncode == 2 and one_line(p), p.stderr)
        for bad in ("63", "1048577", "many"):
            p = run([f"{BIN}/sa-capture", "--node-id", "1", "--pcap", CAPTURE, "--talkers", bad])
            check(f"sa-capture: --talkers {bad} -> exit 2, one line naming it",
                  p.returncode == 2 and one_line(p) and "--talkers" in p.stderr, p.stderr)
        p = run([f"{BIN}/sa-capture", "--node-id", "1", "--pcap", f"{tmp}/missing.pcap"])
        check("sa-capture: missing file -> exit 3, one line", p.returncode == 3 and one_line(p), p.stderr)
        # A file whose records outgrow the spool and the ring, sent to an
        # aggregator that never answers: the node must give up, not wait
        # for it forever (it did, once the worker blocked on the ring).
        t0 = time.monotonic()
        try:
            p = run([f"{BIN}/sa-capture", "--node-id", "1", "--aggregator", f"ipc://{tmp}/nobody",
                     "--pcap", MANY_FLOWS, "--spool", "1", "--ring", "64", "--give-up", "2",
                     "--file-prefix", f"sa-bad-gu-{os.getpid()}"], timeout=90)
            gave_up = p.returncode == 1 and "did not acknowledge" in p.stderr
            why = p.stderr.strip()[-200:]
        except subprocess.TimeoutExpired:
            gave_up, why = False, "still waiting after 90 s"
        check("sa-capture: an aggregator that never answers a long file -> gives up, exit 1",
              gave_up and time.monotonic() - t0 < 60, why)
        p = run([f"{BIN}/sa", "analyze", "/etc/hostname"])
        check("sa analyze: not a capture -> exit 1 with the reason", p.returncode == 1 and
              "cannot read" in p.stderr, p.stderr)
        p = run([f"{BIN}/sa-aggregator"])
        check("sa-aggregator: no --db -> exit 2, one line", p.returncode == 2 and one_line(p), p.stderr)

        # The forecasting loop's options and inputs.
        p = run([f"{BIN}/sa", "--server", query, "train"])
        check("sa train: no series -> exit 2, one line", p.returncode == 2 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa", "--season", "24,100", "train", "bytes"])
        check("sa --season M,M2 not a multiple -> exit 2, one line", p.returncode == 2 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa", "--server", query, "train", "Bytes@x"])
        check("sa train: a bad series spec -> exit 1, one line", p.returncode == 1 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa", "--server", query, "train", "nonsense"])
        check("sa train: an unknown metric -> exit 1, one line", p.returncode == 1 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa", "--server", query, "monitor", "bytes"])
        check("sa monitor: a series without a model -> exit 1, one line", p.returncode == 1 and one_line(p),
              p.stderr)
        p = run([f"{BIN}/sa", "--server", query, "forecast", "bytes@9"])
        check("sa forecast: no model -> exit 1, one line", p.returncode == 1 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa", "--publish", "tcp://127.0.0.1:1", "--timeout", "1", "alerts", "--follow"])
        check("sa alerts --follow: nothing for --timeout -> exit 1", p.returncode == 1 and
              "no alert" in p.stderr, p.stderr)
        p = run([f"{BIN}/sa-trainer", "--series", "bytes:port=99999"])
        check("sa-trainer: bad --series -> exit 2, one line", p.returncode == 2 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa-trainer", "--config", f"{tmp}/missing.conf"])
        check("sa-trainer: missing --config -> exit 2", p.returncode == 2 and "cannot open" in p.stderr, p.stderr)
        with open(f"{tmp}/bad.conf", "w") as f:
            f.write("series bytes\nevery soon\n")
        p = run([f"{BIN}/sa-trainer", "--config", f"{tmp}/bad.conf"])
        check("sa-trainer: a bad config line -> exit 2 naming the line", p.returncode == 2 and
              "bad.conf line 2" in p.stderr, p.stderr)
        p = run([f"{BIN}/sa-aggregator", "--db", f"{tmp}/db3", "--alert-z", "0"])
        check("sa-aggregator: --alert-z 0 -> exit 2, one line", p.returncode == 2 and one_line(p), p.stderr)
        p = run([f"{BIN}/sa-aggregator", "--db", f"{tmp}/db3", "--alert-after", "1.5"])
        check("sa-aggregator: --alert-after 1.5 -> exit 2, one line", p.returncode == 2 and one_line(p), p.stderr)
        check("aggregator still running after it all", agg.poll() is None)
    finally:
        agg.send_signal(signal.SIGTERM)
        agg.wait(timeout=30)
        log.close()
        ctx.destroy(linger=0)
    check_query_limit(tmp)
    text = open(os.path.join(tmp, "agg.log")).read()
    rejected = [l for l in text.splitlines() if "rejected" in l]
    check("rejections logged, rate-limited", 1 <= len(rejected) <= 6, f"({len(rejected)} lines)")
    check("aggregator exited cleanly on SIGTERM", agg.returncode == 0, str(agg.returncode))
    shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
