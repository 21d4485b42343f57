#!/usr/bin/env python3
"""Live capture: two capture nodes read kernel interfaces through DPDK's
net_af_packet while tcpreplay injects real captures, one aggregator takes
both. Each node sits in its own network namespace, joined by a veth pair
to a replay namespace; traffic never leaves those namespaces. Each node's
stored packets and bytes must equal capinfos' counts of what was replayed.
Node 2 runs two workers on two af_packet queues (the kernel's symmetric
fan-out hash): its TCP flow records must be tshark's TCP conversations,
each whole, none split between the workers. Node 1 runs with a 2 s idle
timeout: once the link has been quiet for longer, its flows and every
second's counts must be in the store while it still runs.

Usage: test_live.py BIN_DIR CAPTURE_1 CAPTURE_2   (needs root)
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import json

from satest import capinfos, check, summary

BIN = sys.argv[1]
CAPTURES = sys.argv[2:4]
TAG = f"sal{os.getpid() % 100000}"




def sh(*args, ns=None, check_rc=True):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if check_rc and p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {p.stderr.strip()}")
    return p




def make_link(i):
    """Namespaces cap<i> and rep<i> joined by a veth pair, IPv6 off so the
    kernel itself sends nothing on the link."""
    cap, rep = f"{TAG}c{i}", f"{TAG}r{i}"
    sh("ip", "netns", "add", cap)
    sh("ip", "netns", "add", rep)
    sh("ip", "link", "add", f"{TAG}a{i}", "netns", cap, "type", "veth", "peer", "name", f"{TAG}b{i}",
       "netns", rep)
    for ns, dev in ((cap, f"{TAG}a{i}"), (rep, f"{TAG}b{i}")):
        sh("sysctl", "-q", "-w", f"net.ipv6.conf.{dev}.disable_ipv6=1", ns=ns)
        sh("ip", "link", "set", dev, "mtu", "9000", "up", ns=ns)
    return cap, rep


def cleanup():
    for i in (1, 2):
        for ns in (f"{TAG}c{i}", f"{TAG}r{i}"):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def tcp_conversations(capture):
    """tshark's TCP conversations as sorted endpoint pairs."""
    out = subprocess.run(["tshark", "-r", capture, "-q", "-z", "conv,tcp"], capture_output=True,
                         text=True).stdout
    pairs = []
    for line in out.splitlines():
        f = line.split()
        if len(f) > 3 and f[1] == "<->":
            ends = [tuple(e.rsplit(":", 1)) for e in (f[0], f[2])]
            pairs.append(tuple(sorted((a, int(p)) for a, p in ends)))
    return sorted(pairs)


def main():
    if os.geteuid() != 0:
        print("needs root (network namespaces)")
        print("0 passed, 1 failed")
        return 1
    tmp = tempfile.mkdtemp(prefix="sa-live-")
    ingest, query = f"ipc://{tmp}/ingest", f"ipc://{tmp}/query"
    agg = subprocess.Popen([f"{BIN}/sa-aggregator", "--db", f"{tmp}/db", "--ingest", ingest,
                            "--query", query, "--publish", f"ipc://{tmp}/pub"], stderr=open(f"{tmp}/agg.log", "w"))
    nodes = []
    try:
        links = [make_link(i) for i in (1, 2)]
        for i, (cap, _) in enumerate(links, 1):
            log = open(f"{tmp}/capture{i}.log", "w")
            nodes.append(subprocess.Popen(
                ["ip", "netns", "exec", cap, f"{BIN}/sa-capture", "--node-id", str(i), "--aggregator", ingest,
                 "--iface", f"{TAG}a{i}", "--file-prefix", f"{TAG}-{i}", "--workers", str(i)] +
                (["--idle-timeout", "2"] if i == 1 else []),
                stdout=log, stderr=log))
        time.sleep(3)  # EAL start-up and port up
        for i, ((_, rep), capture) in enumerate(zip(links, CAPTURES), 1):
            r = sh("tcpreplay", "-q", "--pps", "2000", "-i", f"{TAG}b{i}", capture, ns=rep, check_rc=False)
            check(f"tcpreplay into node {i}", r.returncode == 0, r.stderr.strip()[-200:])
        time.sleep(4)  # idle timeout 2 s, batch age 0.1 s, ack
        packets, _ = capinfos(CAPTURES[0])
        out = subprocess.run([f"{BIN}/sa", "--server", query, "--node", "1", "--format", "json", "summary"],
                             capture_output=True, text=True)
        s = json.loads(out.stdout) if out.returncode == 0 else {}
        check("node 1, link quiet, still running: every packet's second stored", s.get("packets") == packets,
              f"({s.get('packets')} vs {packets})")
        out = subprocess.run([f"{BIN}/sa", "--server", query, "--node", "1", "--limit", "100000",
                              "--format", "json", "flows"], capture_output=True, text=True)
        idle_flows = json.loads(out.stdout) if out.returncode == 0 else []
        check("node 1, link quiet, still running: its flows ended idle and were stored",
              len(idle_flows) > 0 and all(f["end"] == "idle" for f in idle_flows),
              f"({len(idle_flows)} flows, ends {sorted(set(f['end'] for f in idle_flows))})")
        for i, p in enumerate(nodes, 1):
            p.send_signal(signal.SIGINT)  # first signal: flush flows, export, exit
            try:
                rc = p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                rc = "timeout"
            check(f"node {i} flushed and exported on SIGINT", rc == 0, f"(exit {rc})")
        for i, capture in enumerate(CAPTURES, 1):
            packets, data = capinfos(capture)
            out = subprocess.run([f"{BIN}/sa", "--server", query, "--node", str(i), "--format", "json",
                                  "summary"], capture_output=True, text=True)
            s = json.loads(out.stdout) if out.returncode == 0 else {}
            check(f"node {i} packets == capinfos", s.get("packets") == packets,
                  f"({s.get('packets')} vs {packets})")
            check(f"node {i} bytes == capinfos", s.get("bytes") == data, f"({s.get('bytes')} vs {data})")
        shares = [int(line.split()[3]) for line in open(f"{tmp}/capture2.log")
                  if line.startswith("sa-capture: worker ")]
        check("node 2: both workers accounted packets, adding up to capinfos",
              len(shares) == 2 and min(shares) > 0 and sum(shares) == capinfos(CAPTURES[1])[0], str(shares))
        conv = tcp_conversations(CAPTURES[1])
        out = subprocess.run([f"{BIN}/sa", "--server", query, "--node", "2", "--proto", "tcp", "--limit",
                              "100000", "--format", "json", "flows"], capture_output=True, text=True)
        records = json.loads(out.stdout) if out.returncode == 0 else []
        ours = sorted(tuple(sorted([(r["src"], r["sport"]), (r["dst"], r["dport"])])) for r in records)
        check("node 2 (two workers): one TCP record per tshark conversation", ours == conv,
              f"({len(ours)} records, {len(conv)} conversations)")
        out = subprocess.run([f"{BIN}/sa", "--server", query, "--format", "json", "nodes"],
                             capture_output=True, text=True)
        listed = sorted(n["node"] for n in json.loads(out.stdout)) if out.returncode == 0 else []
        check("one aggregator took both nodes", listed == [1, 2], str(listed))
    finally:
        for p in nodes:
            if p.poll() is None:
                p.kill()
        agg.send_signal(signal.SIGTERM)
        agg.wait(timeout=30)
        cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
