#!/usr/bin/env python3
"""Dedup markers expire: a batch resent within --dedup-window is
acknowledged as already stored, and stored again once its marker has
expired and been compacted away; node state in the same column family
survives the compaction.

Usage: test_dedup_window.py BIN_DIR
"""
import shutil
import sys
import tempfile
import time

import zmq

from satest import check, pb_fields, sa_json, start_aggregator, stop, summary

BIN = sys.argv[1]
# NodeMessage{batch{schema_version 1, node_id 5, run_id 7, seq 1}}, by hand.
BATCH = bytes([0x1A, 0x08, 0x08, 0x01, 0x10, 0x05, 0x18, 0x07, 0x20, 0x01])


def send(dealer):
    dealer.send(BATCH)
    ack = pb_fields(dealer.recv())
    return ack.get(3, 0), ack.get(4, b"").decode()


def batches(query):
    nodes = sa_json(BIN, query, "nodes")
    return [n["batches"] for n in nodes if n["node"] == 5]


def main():
    tmp = tempfile.mkdtemp(prefix="sa-dedup-")
    ingest, query = f"ipc://{tmp}/ingest", f"ipc://{tmp}/query"
    agg = start_aggregator(BIN, tmp, ingest, query, "--dedup-window", "2s")
    ctx = zmq.Context()
    try:
        dealer = ctx.socket(zmq.DEALER)
        dealer.setsockopt(zmq.RCVTIMEO, 10000)
        dealer.setsockopt(zmq.LINGER, 0)
        dealer.connect(ingest)
        code, msg = send(dealer)
        check("a new batch is stored", code == 0 and msg == "", f"({code}, {msg!r})")
        code, msg = send(dealer)
        check("its resend within the window is already stored", code == 0 and msg == "already stored",
              f"({code}, {msg!r})")
        time.sleep(3)
        sa_json(BIN, query, "--timeout", "100", "stats", "--compact")  # compaction runs the marker filter
        code, msg = send(dealer)
        check("after the window and a compaction, it is stored again", code == 0 and msg == "",
              f"({code}, {msg!r})")
        check("the node's state survived the compaction, counting both stores", batches(query) == [2],
              str(batches(query)))
    finally:
        ctx.destroy(linger=0)
        stop(agg)
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
