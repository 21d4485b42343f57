#!/usr/bin/env python3
"""A full disk under the aggregator: its store lives on a 64 MB tmpfs
(--min-free 24 MB) while a capture node sends a four-day capture. Ingest
must stop with a clear, rate-limited error before RocksDB itself runs out
of space, nothing refused may be acknowledged, the aggregator must go on
answering queries (and count the refused writes in sa stats), and once
the tmpfs is grown, ingest must resume by itself and the node's resends
leave every packet and byte stored exactly once (capinfos).

Usage: test_disk_full.py BIN_DIR CAPTURE   (root, for mount; else skipped)
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

from satest import capinfos, check, sa_json, start_aggregator, stop, summary

BIN, CAP = sys.argv[1], sys.argv[2]


def wait_for(pred, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.2)
    return False


def main():
    tmp = tempfile.mkdtemp(prefix="sa-diskfull-")
    mnt = os.path.join(tmp, "mnt")
    os.makedirs(mnt)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64M", "tmpfs", mnt]).returncode != 0:
        print("cannot mount a tmpfs (not root?): skipped")
        shutil.rmtree(tmp, ignore_errors=True)
        return 77
    ingest, query = f"ipc://{tmp}/ingest", f"ipc://{tmp}/query"
    log_path = os.path.join(tmp, "aggregator.log")
    agg = node = None
    try:
        agg = start_aggregator(BIN, tmp, ingest, query, "--min-free", "24", db=os.path.join(mnt, "db"))
        with open(os.path.join(tmp, "capture.log"), "w") as log:
            node = subprocess.Popen([f"{BIN}/sa-capture", "--node-id", "1", "--aggregator", ingest, "--pcap", CAP,
                                     "--file-prefix", f"sa-diskfull-{os.getpid()}", "--resend", "1",
                                     "--give-up", "300"], stdout=log, stderr=log)

        def full():
            return "below --min-free" in open(log_path, errors="replace").read()
        check("the store fills up and the aggregator says so", wait_for(full, 120))
        time.sleep(3)  # the node keeps resending against the full store
        text = open(log_path, errors="replace").read()
        check("the error is rate-limited", text.count("below --min-free") <= 8,
              f"({text.count('below --min-free')} lines in 3 s of resends)")
        check("RocksDB itself never ran out of space", "No space left" not in text)
        check("the node is still waiting, not done", node.poll() is None)
        stats = sa_json(BIN, query, "stats")["ingest"][0]
        check("sa stats counts the refused writes", stats["write_errors"] > 0, str(stats))
        stored = sa_json(BIN, query, "nodes")[0]["batches"]
        check("queries still answered while full", stored > 0, f"({stored} batches stored)")

        subprocess.run(["mount", "-o", "remount,size=600M", mnt], check=True)
        rc = node.wait(timeout=300)
        check("with more space, ingest resumes by itself and the node delivers everything", rc == 0,
              f"(exit {rc})")
        check("the aggregator never stopped", agg.poll() is None)
        packets, data = capinfos(CAP)
        s = sa_json(BIN, query, "summary")
        check("packets stored exactly once (capinfos)", s["packets"] == packets, f"({s['packets']} vs {packets})")
        check("bytes stored exactly once (capinfos)", s["bytes"] == data, f"({s['bytes']} vs {data})")
    finally:
        if node is not None and node.poll() is None:
            node.kill()
        if agg is not None:
            stop(agg)
        subprocess.run(["umount", mnt])
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
