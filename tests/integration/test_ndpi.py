#!/usr/bin/env python3
"""nDPI application labels (sa-capture --ndpi-share) against tshark.

Usage: test_ndpi.py BIN_DIR PCAP_DIR [FILE...]

Each FILE goes through `sa analyze --keep --ndpi-share 1`; the kept store is
served by a fresh sa-aggregator and read back with `sa flows` (its app
column). tshark reads the same file once, per packet: the conversation
(addresses, ports, TCP or UDP) and the protocols it dissected
(frame.protocols). A conversation whose packets tshark dissects as dns,
http, tls, quic or ssh has that family; each of our records of such a
conversation is compared:
  - nDPI's label must name the same family (a dotted component of
    "TLS.YouTube" equal to TLS, ...) for at least 90% of them, per file
    and family with at least 5 conversations, and overall. Not 100%: tshark
    names a conversation by its port as soon as one packet parses (a lone
    SYN to port 443 is already "tls" to nobody, but a TCP stream whose only
    payload is a TLS alert, or a DNS-looking packet on port 53, is), where
    nDPI must see a handshake or a request; and nDPI labels some flows by
    the service it finds (e.g. a QUIC flow as "Google" alone).
  - every record is inspected (share 1): the ndpi_flows counter equals the
    number of records, ndpi_pool_full is 0, and ndpi_detected equals the
    records with a label.
Then, on the richest file: with --ndpi-share 0 no record has a label and
the ndpi counters are 0; with --ndpi-share 0.5 the share of records
inspected is 0.5 within 4 standard deviations of a binomial draw (the
sample is by a hash of the flow), two runs label exactly the same records,
and every label is the one the share-1 run gave that record.
nDPI's own mallocs (counted through set_ndpi_malloc, reported by sa-capture
at exit) must stay at most 8 per inspected flow: the flow state comes from
the worker's preallocated pool; what nDPI 4.2 still allocates is the
metadata strings of detected flows (HTTP URL, TLS server names, ...), a
few per flow at its detecting packet, freed when inspection ends.
Compared records: a conversation's first record, and for TCP only a
conversation whose first packet in the file is a SYN or that shows a TLS
ClientHello, an HTTP request or an SSH banner (one already under way shows
tshark TLS records or HTTP bodies but nDPI no handshake).
"""
import collections
import ipaddress
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

from satest import check as _check, flows_of, start_aggregator, stop, summary


def check(name, ok, detail=""):
    _check(name, ok, detail)
    return bool(ok)

DEFAULT_FILES = ["http_espn_page_load.pcapng", "mixed_many_protocols.pcap", "dns_queries_responses.pcap",
                 "tls_https_sessions.pcap", "quic_youtube.pcap", "quic_handshake_snaplen256_null.pcap",
                 "ssh_bruteforce.pcap", "mixed_lan_traffic_example.pcap"]
SHARE_FILE = "mixed_many_protocols.pcap"
# tshark protocol name -> family nDPI must name.
FAMILIES = {"dns": "DNS", "http": "HTTP", "tls": "TLS", "ssl": "TLS", "quic": "QUIC", "gquic": "QUIC",
            "ssh": "SSH"}
MIN_AGREE = 0.90
# nDPI 4.2 copies what it extracts from a detected flow (HTTP URL, user
# agent, content type, TLS server names, ALPN, versions, certificate DNs)
# into strings it mallocs: a handful per flow, never per packet of it.
MAX_ALLOCS_PER_FLOW = 8
NDPI_LINE = re.compile(r"ndpi: share \S+: (\d+) flows inspected, (\d+) detected, (\d+) left out .*?"
                       r"(\d+) packets to nDPI; nDPI's own mallocs while inspecting: (\d+)")

TSHARK_FIELDS = ["frame.protocols", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport", "tcp.dstport",
                 "udp.srcport", "udp.dstport", "tcp.flags.syn", "tcp.flags.ack",
                 "tls.handshake.type", "http.request", "ssh.protocol"]


def norm(addr):
    return str(ipaddress.ip_address(addr))


def conv_key(a, pa, b, pb, proto):
    ends = sorted([(norm(a), int(pa)), (norm(b), int(pb))])
    return (ends[0], ends[1], proto)


def tshark_families(path):
    """{conversation: set of families} for TCP/UDP packets tshark dissected."""
    out = subprocess.run(["tshark", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=l"]
                         + sum([["-e", f] for f in TSHARK_FIELDS], []),
                         capture_output=True, text=True).stdout
    fam = collections.defaultdict(set)
    opened = {}  # TCP conversation: did its first packet in the file carry a SYN without ACK?
    for line in out.splitlines():
        v = dict(zip(TSHARK_FIELDS, line.split("\t")))
        src, dst = v["ip.src"] or v["ipv6.src"], v["ip.dst"] or v["ipv6.dst"]
        if not src or not dst:
            continue
        if v["tcp.srcport"]:
            k = conv_key(src, v["tcp.srcport"], dst, v["tcp.dstport"], 6)
            opened.setdefault(k, v["tcp.flags.syn"] in ("1", "True") and v["tcp.flags.ack"] in ("0", "False"))
            # Or the opening itself is in the file: a ClientHello, a request, a banner.
            if "1" in v["tls.handshake.type"].split(",") or v["http.request"] in ("1", "True") or v["ssh.protocol"]:
                opened[k] = True
        elif v["udp.srcport"]:
            k = conv_key(src, v["udp.srcport"], dst, v["udp.dstport"], 17)
        else:
            continue
        layers = v["frame.protocols"].split(":")
        # Past the first tcp/udp: what rides on the conversation (an ICMP
        # error's quote or a tunnel's inner headers would come earlier).
        for proto in ("tcp", "udp"):
            if proto in layers:
                layers = layers[layers.index(proto) + 1:]
                break
        for p in layers:
            if p in FAMILIES:
                fam[k].add(FAMILIES[p])
        fam.setdefault(k, set())
    # A TCP conversation already under way when the capture began (no SYN,
    # ClientHello, HTTP request or SSH banner in the file) shows tshark its
    # TLS records or HTTP bodies, but nDPI nothing to go by: left out.
    return {k: v for k, v in fam.items() if k[2] != 6 or opened.get(k)}


def run_analyze(bindir, path, tmp, share):
    """sa analyze --keep with --ndpi-share; returns (summary JSON, capture log, flows) or None."""
    keep = os.path.join(tmp, "keep")
    shutil.rmtree(keep, ignore_errors=True)
    r = subprocess.run([f"{bindir}/sa", "analyze", path, "--keep", keep, "--format", "json",
                        "--ndpi-share", str(share)], capture_output=True, text=True, timeout=600)
    if r.returncode not in (0, 3):
        sys.stderr.write(r.stderr)
        return None
    summ = json.loads(r.stdout)
    with open(os.path.join(keep, "capture.log")) as f:
        log = f.read()
    query = f"ipc://{tmp}/q"
    agg = start_aggregator(bindir, keep, f"ipc://{tmp}/i", query)
    try:
        flows = flows_of(bindir, query, None)
        # The classifier's tables take nDPI's application as the label of
        # a flow without one (sa explore --app-labels reads them).
        r = subprocess.run([f"{bindir}/sa", "--server", query, "explore", "--app-labels", "--out",
                            os.path.join(tmp, "plots")], capture_output=True, text=True, timeout=300)
        # Cleaning leaves out an application seen on one flow only (it
        # cannot be on both sides of a split).
        apps = collections.Counter(f["app"] for f in flows if f.get("app"))
        want = sum(n for n in apps.values() if n >= 2)
        m = re.match(r"(\d+) labelled flows", r.stdout)
        if want:
            check(f"{os.path.basename(path)} share {share}: explore --app-labels reads the {want} flows "
                  "nDPI named (apps seen twice or more)", m and int(m.group(1)) == want,
                  r.stdout[:80] + r.stderr[-200:])
    finally:
        stop(agg)
    return summ, log, flows


def flow_key(f):
    return conv_key(f["src"], f["sport"], f["dst"], f["dport"], f["proto"])


def record_id(f):
    return (flow_key(f), f["start"])


def ndpi_line(log):
    m = NDPI_LINE.search(log)
    return tuple(int(x) for x in m.groups()) if m else None


def check_labels(bindir, pcap_dir, name, tmp, totals):
    path = os.path.join(pcap_dir, name)
    res = run_analyze(bindir, path, tmp, 1)
    if not check(f"{name}: sa analyze --ndpi-share 1 runs", res is not None):
        return None
    summ, log, flows = res
    fam = tshark_families(path)
    labelled = [f for f in flows if f.get("app")]
    check(f"{name}: every record inspected (ndpi_flows {summ['ndpi_flows']} = records {len(flows)}), "
          f"pool never full", summ["ndpi_flows"] == len(flows) and summ["ndpi_pool_full"] == 0)
    check(f"{name}: ndpi_detected {summ['ndpi_detected']} = labelled records {len(labelled)}",
          summ["ndpi_detected"] == len(labelled))
    nl = ndpi_line(log)
    if check(f"{name}: sa-capture reports nDPI's allocations", nl is not None):
        inspected, detected, left, pkts, allocs = nl
        totals["packets"] += pkts
        totals["allocs"] += allocs
        totals["flows"] += inspected
        check(f"{name}: nDPI's own mallocs {allocs} at most {MAX_ALLOCS_PER_FLOW} per inspected flow "
              f"({inspected} flows, {pkts} packets given to nDPI)", allocs <= MAX_ALLOCS_PER_FLOW * inspected)
    per = collections.defaultdict(lambda: [0, 0])
    misses = collections.Counter()
    # A conversation's first record holds its opening; a later one (after
    # an idle or active timeout split it) starts mid-stream: left out.
    first = {}
    for f in flows:
        if flow_key(f) not in first or f["start"] < first[flow_key(f)]["start"]:
            first[flow_key(f)] = f
    for f in first.values():
        want = fam.get(flow_key(f))
        if not want:
            continue
        app = f.get("app") or ""
        parts = {p.upper() for p in app.split(".")}
        fam_name = sorted(want)[0] if len(want) == 1 else "/".join(sorted(want))
        ok = bool(parts & {w.upper() for w in want})
        per[fam_name][0] += ok
        per[fam_name][1] += 1
        totals[fam_name][0] += ok
        totals[fam_name][1] += 1
        if not ok:
            misses[(fam_name, app or "-")] += 1
    for fam_name, (ok, n) in sorted(per.items()):
        print(f"  {name}: {fam_name}: {ok}/{n} records labelled as such by nDPI")
        if n >= 5:
            check(f"{name}: {fam_name} records nDPI names {fam_name}: {ok}/{n} >= {MIN_AGREE:.0%}",
                  ok >= MIN_AGREE * n)
    if misses:
        print(f"  {name}: disagreements (tshark family, nDPI label): {dict(misses.most_common(8))}")
    return {record_id(f): f.get("app") or "" for f in flows}


def check_share(bindir, pcap_dir, tmp, full):
    path = os.path.join(pcap_dir, SHARE_FILE)
    res = run_analyze(bindir, path, tmp, 0)
    if check(f"{SHARE_FILE}: sa analyze --ndpi-share 0 runs", res is not None):
        summ, log, flows = res
        check(f"{SHARE_FILE}: share 0: no record has an app",
              not any(f.get("app") for f in flows), str([f for f in flows if f.get("app")][:3]))
        check(f"{SHARE_FILE}: share 0: ndpi counters all 0",
              summ["ndpi_flows"] == summ["ndpi_detected"] == summ["ndpi_pool_full"] == 0)
    runs = []
    for _ in range(2):
        res = run_analyze(bindir, path, tmp, 0.5)
        if not check(f"{SHARE_FILE}: sa analyze --ndpi-share 0.5 runs", res is not None):
            return
        runs.append(res)
    summ, _, flows = runs[0]
    n, k = len(flows), summ["ndpi_flows"]
    sd = math.sqrt(n * 0.25)
    check(f"{SHARE_FILE}: share 0.5: {k} of {n} records inspected, within 4 sd ({4 * sd:.0f}) of {n / 2:.0f}",
          abs(k - n / 2) <= 4 * sd)
    labels = [{record_id(f): f["app"] for f in r[2] if f.get("app")} for r in runs]
    check(f"{SHARE_FILE}: share 0.5: two runs label the same {len(labels[0])} records alike",
          labels[0] == labels[1] and runs[0][0]["ndpi_flows"] == runs[1][0]["ndpi_flows"])
    if full is not None:
        bad = {r: a for r, a in labels[0].items() if full.get(r) != a}
        check(f"{SHARE_FILE}: share 0.5: each label is the share-1 run's for that record",
              not bad, str(list(bad.items())[:3]))
        frac = len(labels[0]) / max(1, sum(1 for a in full.values() if a))
        print(f"  {SHARE_FILE}: share 0.5 labels {frac:.2f} of the records share 1 labels")


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    if shutil.which("tshark") is None:
        print("FAIL: tshark not installed (scripts/deps.sh installs it); 0 passed, 1 failed")
        return 1
    bindir, pcap_dir = sys.argv[1], sys.argv[2]
    files = sys.argv[3:] or DEFAULT_FILES
    totals = collections.defaultdict(lambda: [0, 0])
    totals["packets"] = totals["allocs"] = totals["flows"] = 0
    full = {}
    with tempfile.TemporaryDirectory(prefix="sa-ndpi-") as tmp:
        for name in files:
            if not os.path.exists(os.path.join(pcap_dir, name)):
                print(f"  {name}: not in {pcap_dir}, skipped")
                continue
            got = check_labels(bindir, pcap_dir, name, tmp, totals)
            if name == SHARE_FILE:
                full = got
        ok = sum(v[0] for k, v in totals.items() if isinstance(v, list))
        n = sum(v[1] for k, v in totals.items() if isinstance(v, list))
        for fam_name, v in sorted((k, v) for k, v in totals.items() if isinstance(v, list)):
            print(f"  all files: {fam_name}: {v[0]}/{v[1]}")
        check(f"all files: records with a tshark family that nDPI names alike: {ok}/{n} >= {MIN_AGREE:.0%}",
              n > 0 and ok >= MIN_AGREE * n)
        print(f"  all files: nDPI mallocs {totals['allocs']} for {totals['flows']} inspected flows, "
              f"{totals['packets']} packets given to nDPI")
        if os.path.exists(os.path.join(pcap_dir, SHARE_FILE)):
            check_share(bindir, pcap_dir, tmp, full if SHARE_FILE in files else None)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
