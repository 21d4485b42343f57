#!/usr/bin/env python3
"""Daemons as separate processes: one sa-aggregator and one sa-capture node
per capture (node ids 1, 2, ...), queried through sa. While the nodes send,
the aggregator is killed with SIGKILL at random moments and restarted on
the same database, KILLS times; afterwards every node's totals must equal
what capinfos counts in its capture (every acknowledged batch stored
exactly once: nothing lost, nothing counted twice), and the store's point
blocks must hold one row per second, minute and hour that has packets
(tshark), per node and for the cluster.

Usage: test_cluster.py BIN_DIR KILLS CAPTURE...   (the first capture should
take the longest, so that the kills land while it is being sent)
"""
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

from satest import capinfos, check, packet_seconds, reap, sa_json, start_aggregator, stop, summary

BIN, KILLS, CAPS = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
NODES = {i + 1: cap for i, cap in enumerate(CAPS)}
# The captures are years apart: retention (counted back from the newest
# packet stored) would expire the older ones.
KEEP_ALL = ("--retain", "1s=0", "--retain", "1m=0", "--retain", "1h=0", "--retain", "flows=0")


def sa(server, *args):
    return sa_json(BIN, server, *args)


def check_store_rows(query):
    """Rows per tier of `sa stats` against the seconds tshark sees: each
    node's own rows plus the cluster's (node 0), which is their union."""
    secs = [packet_seconds(cap) for cap in CAPS]
    # compaction takes seconds on a loaded machine: more than sa's default 10 s
    stats = sa(query, "--timeout", "100", "stats", "--compact")["store"]
    for res in (1, 60, 3600):
        per_node = [{t // res for t in s} for s in secs]
        want = sum(len(n) for n in per_node) + len(set().union(*per_node))
        for kind in ("series", "hist"):
            tier = [t for t in stats if t["kind"] == kind and t["res_s"] == res]
            got = tier[0]["rows"] if tier else None
            check(f"{kind} rows at {res} s == distinct {res} s steps with packets (tshark)",
                  got == want, f"({got} vs {want})")
    total = [t for t in stats if t["kind"] == "all"]
    check("sa stats reports the store's size", total and total[0]["bytes"] > 0, str(total))


def kill_loop(agg, nodes, tmp, ingest, query):
    """KILLS times: wait a random moment, SIGKILL the aggregator, restart it.
    Returns the running aggregator and how many kills found node 1 sending."""
    rng = random.Random(1)
    during = 0
    for k in range(KILLS):
        time.sleep(rng.uniform(0.05, 0.6))
        during += nodes[1].poll() is None
        agg.send_signal(signal.SIGKILL)
        agg.wait()
        agg = start_aggregator(BIN, tmp, ingest, query, *KEEP_ALL)
    return agg, during


def main():
    tmp = tempfile.mkdtemp(prefix="sa-cluster-")
    try:
        return run(tmp)
    finally:
        reap(tmp)


def run(tmp):
    ingest, query = f"ipc://{tmp}/ingest", f"ipc://{tmp}/query"
    agg = start_aggregator(BIN, tmp, ingest, query, *KEEP_ALL)
    nodes = {}
    for node, cap in NODES.items():
        log = open(os.path.join(tmp, f"capture{node}.log"), "w")
        nodes[node] = subprocess.Popen(
            [f"{BIN}/sa-capture", "--node-id", str(node), "--aggregator", ingest, "--pcap", cap,
             "--file-prefix", f"sa-cluster-{os.getpid()}-{node}", "--resend", "1", "--give-up", "120"],
            stdout=log, stderr=log)

    agg, during = kill_loop(agg, nodes, tmp, ingest, query)
    check(f"{KILLS} SIGKILLs of the aggregator while node 1 was sending", during == KILLS,
          f"({during} found it still running)")

    for node, p in nodes.items():
        try:
            rc = p.wait(timeout=240)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = "timeout"
        check(f"node {node} exported everything", rc == 0, f"(exit {rc})")

    listed = {n["node"]: n for n in sa(query, "nodes")}
    check("sa nodes lists every node", sorted(listed) == sorted(NODES), str(sorted(listed)))
    dups = sum(n["duplicates"] for n in listed.values())
    print(f"info: batches resent after a restart and skipped as already stored: {dups}")

    total_p = total_b = 0
    for node, cap in NODES.items():
        packets, data = capinfos(cap)
        total_p += packets
        total_b += data
        s = sa(query, "--node", str(node), "summary")
        check(f"node {node} packets == capinfos", s["packets"] == packets, f"({s['packets']} vs {packets})")
        check(f"node {node} bytes == capinfos", s["bytes"] == data, f"({s['bytes']} vs {data})")
        flows = sa(query, "--node", str(node), "--limit", "1", "flows")
        stored = listed[node]["flows"]
        check(f"node {node} flow records stored once", s["flows_ended"] == stored,
              f"(flows ended {s['flows_ended']}, records stored {stored}, listed {len(flows)})")
    s = sa(query, "summary")
    check("cluster packets == sum of captures", s["packets"] == total_p, f"({s['packets']} vs {total_p})")
    check("cluster bytes == sum of captures", s["bytes"] == total_b, f"({s['bytes']} vs {total_b})")
    check_store_rows(query)

    stop(agg)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
