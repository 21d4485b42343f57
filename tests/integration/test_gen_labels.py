#!/usr/bin/env python3
"""sa-gen --labels against the pcap it labels, read independently by tshark.

For a portscan run and a synflood run (one day, 2000 flows/day) it checks:
- the pcap and the JSON truth line are the same with and without --labels,
  and a second run writes the same label file byte for byte;
- the rules file parses under the contract (label charset, CIDR, ports,
  proto, times with up to 9 fraction digits), the anomaly's CIDR rules come
  before every exact rule;
- every TCP/UDP conversation tshark shows (5-tuple; a new one at a bare SYN,
  or after 1 s of UDP silence; its first packet's sender is the initiator)
  is, by first-match-wins, labelled: the anomaly's conversations (source in
  198.18.0.0/15 to the target's port 80, or from the 192.0.2.0/24 scanner
  to the target) by the anomaly rule and no exact rule, every other one by
  exactly one exact rule with from = its first packet and to = its last
  packet + 1 s, and every exact TCP/UDP rule labels exactly one conversation;
- the label agrees with tshark's dissectors (dns, ntp, http, ssh, smtp, tls
  for https and video) and with the service port, and a finished video
  conversation carried at least 150 kB from the server;
- every ICMP echo packet lies in an icmp_echo rule of its direction, with
  the capture node's ICMP ports (type << 8 | code, dport 0), and every such
  rule covers packets;
- the rule counts per label equal the JSON "labels" counts and the header's,
  and the anomaly's count equals the SYNs tshark sees from the attacker.

Usage: test_gen_labels.py PATH_TO_SA_GEN
"""
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from satest import check, summary

GEN = sys.argv[1]
NORMAL = ["dns", "ntp", "icmp_echo", "https", "http", "ssh", "smtp", "video"]
# label -> (IP protocol, server port, the dissector tshark names in frame.protocols)
SERVICE = {"dns": (17, 53, "dns"), "ntp": (17, 123, "ntp"), "https": (6, 443, "tls"),
           "video": (6, 443, "tls"), "http": (6, 80, "http"), "ssh": (6, 22, "ssh"),
           "smtp": (6, 25, "smtp")}
APP_PROTOS = {"dns", "ntp", "tls", "http", "ssh", "smtp"}
PROTO_NAMES = {"tcp": 6, "udp": 17, "icmp": 1}
EXACT_KEYS = ("src", "dst", "sport", "dport", "proto", "from", "to")
LABEL_RE = re.compile(r"[A-Za-z0-9_.:+-]{1,64}")
TIME_RE = re.compile(r"(\d+)(?:\.(\d{1,9}))?")
SEC = 10**9
VIDEO_MIN = 150000
FLOOD_SRC = ipaddress.ip_network("198.18.0.0/15")
SCAN_NET = ipaddress.ip_network("192.0.2.0/24")
# seeds chosen so the two runs between them carry every class, video included
RUNS = [("portscan", 3), ("synflood", 1)]


def ns_of(text):
    m = TIME_RE.fullmatch(text)
    if not m:
        raise ValueError(f"bad time '{text}'")
    return int(m.group(1)) * SEC + int((m.group(2) or "").ljust(9, "0"))


def ports_of(text):
    lo, _, hi = text.partition("-")
    lo, hi = int(lo), int(hi or lo)
    if not 0 <= lo <= hi <= 65535:
        raise ValueError(f"bad port range '{text}'")
    return lo, hi


def parse_rules(path):
    """(header comment lines, rules); a rule is a dict with 'label', 'line',
    'exact' and the parsed fields. Raises ValueError on a contract breach."""
    header, rules = [], []
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.startswith("#"):
                header.append(line)
                continue
            if not line.strip():
                continue
            tok = line.split()
            if not LABEL_RE.fullmatch(tok[0]) or len(tok) % 2 == 0:
                raise ValueError(f"line {n}: bad label or odd field count: {line}")
            r = {"label": tok[0], "line": n}
            for k, v in zip(tok[1::2], tok[2::2]):
                if k in r:
                    raise ValueError(f"line {n}: {k} twice")
                if k in ("src", "dst", "host"):
                    r[k] = ipaddress.ip_network(v)  # no /len: one host
                    r[k + "_host"] = "/" not in v
                elif k in ("sport", "dport", "port"):
                    r[k] = ports_of(v)
                elif k == "proto":
                    r[k] = PROTO_NAMES[v] if v in PROTO_NAMES else int(v)
                elif k in ("from", "to"):
                    r[k] = ns_of(v)
                else:
                    raise ValueError(f"line {n}: unknown key {k}")
            r["exact"] = (all(k in r for k in EXACT_KEYS) and r["src_host"] and r["dst_host"]
                          and r["sport"][0] == r["sport"][1] and r["dport"][0] == r["dport"][1])
            rules.append(r)
    return header, rules


def rule_matches(r, fl):
    """fl: dict src, dst (ip_address), sport, dport, proto, start (ns)."""
    def inr(k, p):
        return r[k][0] <= p <= r[k][1]
    return (("src" not in r or fl["src"] in r["src"]) and ("dst" not in r or fl["dst"] in r["dst"])
            and ("host" not in r or fl["src"] in r["host"] or fl["dst"] in r["host"])
            and ("sport" not in r or inr("sport", fl["sport"]))
            and ("dport" not in r or inr("dport", fl["dport"]))
            and ("port" not in r or inr("port", fl["sport"]) or inr("port", fl["dport"]))
            and ("proto" not in r or r["proto"] == fl["proto"])
            and ("from" not in r or fl["start"] >= r["from"])
            and ("to" not in r or fl["start"] < r["to"]))


def exact_key(r):
    return (r["proto"], r["src"].network_address, r["sport"][0], r["dst"].network_address,
            r["dport"][0])


FIELDS = ["frame.time_epoch", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "ip.proto",
          "ipv6.nxt", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
          "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.fin", "tcp.flags.reset", "tcp.len",
          "icmp.type", "icmpv6.type", "frame.len", "frame.protocols"]


def read_pcap(path):
    cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=/t", "-E",
           "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout
    pkts = []
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        src, dst = v["ip.src"] or v["ipv6.src"], v["ip.dst"] or v["ipv6.dst"]
        p = {"t": ns_of(v["frame.time_epoch"]), "src": ipaddress.ip_address(src) if src else None,
             "dst": ipaddress.ip_address(dst) if dst else None,
             "proto": int(v["ip.proto"] or v["ipv6.nxt"] or -1),
             "protos": set(v["frame.protocols"].split(":")), "len": int(v["frame.len"])}
        if v["tcp.srcport"]:
            flag = {k: v[f"tcp.flags.{k}"] in ("1", "True") for k in ("syn", "ack", "fin", "reset")}
            p.update(sport=int(v["tcp.srcport"]), dport=int(v["tcp.dstport"]), syn=flag["syn"],
                     ack=flag["ack"], close=flag["fin"] or flag["reset"],
                     payload=int(v["tcp.len"] or 0))
        elif v["udp.srcport"]:
            p.update(sport=int(v["udp.srcport"]), dport=int(v["udp.dstport"]), payload=1)
        elif v["icmp.type"] or v["icmpv6.type"]:
            p["icmp_type"] = int(v["icmp.type"] or v["icmpv6.type"])
        pkts.append(p)
    return pkts


def conversations(pkts):
    """TCP/UDP conversations in time order of their first packet."""
    cur, convs = {}, []
    for p in pkts:
        if "sport" not in p:
            continue
        a, b = (p["src"], p["sport"]), (p["dst"], p["dport"])
        key = (p["proto"],) + ((a, b) if (a[0].packed, a[1]) <= (b[0].packed, b[1]) else (b, a))
        c = cur.get(key)
        new = c is None
        if c is not None and p["proto"] == 6:
            new = p["syn"] and not p["ack"]
        elif c is not None:
            new = p["t"] - c["last"] > SEC
        if new:
            c = {"src": p["src"], "sport": p["sport"], "dst": p["dst"], "dport": p["dport"],
                 "proto": p["proto"], "start": p["t"], "last": p["t"], "protos": set(),
                 "payload": 0, "closed": False, "syns": 0, "srv_bytes": 0}
            cur[key] = c
            convs.append(c)
        c["last"] = p["t"]
        c["protos"] |= p["protos"] & APP_PROTOS
        c["payload"] += p["payload"]
        c["closed"] |= p.get("close", False)
        if p["src"] != c["src"] or p["sport"] != c["sport"]:
            c["srv_bytes"] += p["len"]
    return convs


def gen(tmp, name, anomaly, seed, labels):
    pcap = os.path.join(tmp, name + ".pcap")
    args = [GEN, "--out", pcap, "--days", "1", "--flows-per-day", "2000", "--seed", str(seed),
            "--anomaly", anomaly, "--anomaly-seconds", "20", "--quiet"]
    rules = os.path.join(tmp, name + ".rules") if labels else None
    if labels:
        args += ["--labels", rules]
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    check(f"{name}: sa-gen exits 0", p.returncode == 0, p.stderr.strip())
    with open(pcap, "rb") as f:
        data = f.read()
    return data, (json.loads(p.stdout) if p.returncode == 0 else {}), pcap, rules


def check_run(tmp, anomaly, seed, seen):
    base_pcap, base_js, _, _ = gen(tmp, f"{anomaly}-plain", anomaly, seed, False)
    pcap_bytes, js, pcap, rules_path = gen(tmp, f"{anomaly}-labels", anomaly, seed, True)
    _, js2, _, rules2 = gen(tmp, f"{anomaly}-again", anomaly, seed, True)
    labels = dict(js.get("labels", {}))
    plain = {k: v for k, v in js.items() if k != "labels"}
    check(f"{anomaly}: pcap identical with --labels", pcap_bytes == base_pcap)
    check(f"{anomaly}: JSON identical with --labels, plus 'labels'",
          plain == base_js and "labels" in js and "labels" not in base_js)
    with open(rules_path, "rb") as f1, open(rules2, "rb") as f2:
        check(f"{anomaly}: label file deterministic", f1.read() == f2.read() and js == js2)

    try:
        header, rules = parse_rules(rules_path)
    except (ValueError, KeyError) as e:
        check(f"{anomaly}: rules parse", False, str(e))
        return
    check(f"{anomaly}: rules parse", True, f"{len(rules)} rules")
    cidr = [r for r in rules if not r["exact"]]
    exact = [r for r in rules if r["exact"]]
    first_exact = min((r["line"] for r in exact), default=0)
    check(f"{anomaly}: one CIDR rule, the anomaly, before every exact rule",
          len(cidr) == 1 and cidr[0]["label"] == anomaly and cidr[0]["line"] < first_exact,
          str([(r["label"], r["line"]) for r in cidr]))
    check(f"{anomaly}: exact rules carry the normal labels",
          all(r["label"] in NORMAL for r in exact))
    index = {}
    for r in exact:
        index.setdefault(exact_key(r), []).append(r)

    # the anomaly, recognised without the rules: source range, target, port
    target = ipaddress.ip_address(js["anomaly"]["target"])

    def is_attack(c):
        if c["proto"] != 6 or c["dst"] != target:
            return False
        if anomaly == "synflood":
            return c["src"] in FLOOD_SRC and c["dport"] == 80
        return c["src"] in SCAN_NET

    pkts = read_pcap(pcap)
    convs = conversations(pkts)
    used, bad, attack, wrong_app, wrong_port = {}, [], 0, [], []
    for c in convs:
        fl = dict(c)
        hits = [r for r in index.get((c["proto"], c["src"], c["sport"], c["dst"], c["dport"]), [])
                if rule_matches(r, fl)]
        first = next((r for r in cidr if rule_matches(r, fl)), None) or (hits[0] if hits else None)
        if is_attack(c):
            attack += 1
            if first is None or first["label"] != anomaly or hits:
                bad.append(("attack", c, first, hits))
            continue
        if len(hits) != 1 or first is not hits[0]:
            bad.append(("normal", c, first, hits))
            continue
        r = hits[0]
        used[r["line"]] = used.get(r["line"], 0) + 1
        if r["from"] != c["start"] or r["to"] != c["last"] + SEC:
            bad.append(("window", c, r, hits))
        lab = r["label"]
        seen.add(lab)
        proto, port, app = SERVICE[lab]
        if (proto, port) != (c["proto"], c["dport"]):
            wrong_port.append((lab, c))
        # a finished video conversation carried at least one 150 kB+ segment
        # (gen_app.c's floor); most https ones carry far less
        if lab == "video" and c["closed"] and c["srv_bytes"] < VIDEO_MIN:
            wrong_app.append((lab, "server bytes", c["srv_bytes"], c))
        # tshark names the application whenever the conversation carried any
        if (c["payload"] and app not in c["protos"]) or any(
                lab not in [k for k, s in SERVICE.items() if s[2] == a] for a in c["protos"]):
            wrong_app.append((lab, sorted(c["protos"]), c))
    check(f"{anomaly}: every TCP/UDP conversation labelled as the rules promise", not bad,
          f"{len(convs)} conversations, {attack} of the attack; first bad: {bad[:2]}")
    tcpudp = [r for r in exact if r["proto"] in (6, 17)]
    check(f"{anomaly}: every exact TCP/UDP rule labels exactly one conversation",
          len(used) == len(tcpudp) and all(v == 1 for v in used.values()),
          f"{len(used)} used of {len(tcpudp)}")
    check(f"{anomaly}: labels agree with tshark's dissectors", not wrong_app,
          f"first: {wrong_app[:2]}")
    check(f"{anomaly}: labels agree with the service port", not wrong_port, f"{wrong_port[:2]}")

    # ICMP echo: per packet, the rule of its direction with the capture node's ports
    icmp_rules = [r for r in exact if r["label"] == "icmp_echo"]
    check(f"{anomaly}: icmp_echo rules are ICMP and only they", all(
        r["proto"] in (1, 58) for r in icmp_rules) and all(
        r["proto"] in (6, 17) for r in exact if r["label"] != "icmp_echo"))
    icmp_index = {}
    for r in icmp_rules:
        icmp_index.setdefault(exact_key(r), []).append(r)
    covered, icmp_bad, echo = {}, [], 0
    for p in pkts:
        if "icmp_type" not in p:
            continue
        echo += 1
        t = p["icmp_type"]
        if t not in (0, 8, 128, 129):
            icmp_bad.append(p)
            continue
        rs = [r for r in icmp_index.get((p["proto"], p["src"], t << 8, p["dst"], 0), [])
              if r["from"] <= p["t"] < r["to"]]
        if not rs:
            icmp_bad.append(p)
        for r in rs:
            covered[r["line"]] = True
    check(f"{anomaly}: every ICMP echo packet lies in its direction's icmp_echo rule",
          echo > 0 and not icmp_bad, f"{echo} packets; first bad: {icmp_bad[:2]}")
    check(f"{anomaly}: every icmp_echo rule covers packets", len(covered) == len(icmp_rules),
          f"{len(covered)} of {len(icmp_rules)}")
    other = [p for p in pkts if "sport" not in p and "icmp_type" not in p]
    check(f"{anomaly}: no packet is neither TCP, UDP nor ICMP echo", not other, f"{other[:1]}")

    counts = {k: 0 for k in NORMAL}
    for r in exact:
        counts[r["label"]] += 1
    syns = sum(1 for p in pkts if p.get("syn") and not p.get("ack") and p["dst"] == target
               and (p["src"] in FLOOD_SRC if anomaly == "synflood" else p["src"] in SCAN_NET))
    check(f"{anomaly}: JSON labels = rules per label, anomaly = attacker's SYNs",
          labels == dict(counts, **{anomaly: syns}), f"json {labels}, rules {counts}, SYNs {syns}")
    hdr = next((h for h in header if h.startswith("# rules per label:")), "")
    want = ", ".join([f"{anomaly} 1"] + [f"{k} {counts[k]}" for k in NORMAL])
    check(f"{anomaly}: header counts the rules per label", hdr == "# rules per label: " + want, hdr)
    check(f"{anomaly}: header names the generator and its options", any(
        h.startswith("# sa-gen label rules") for h in header) and any(
        f"--seed {seed} " in h and f"--anomaly {anomaly}" in h for h in header))


def check_usage(tmp):
    out = os.path.join(tmp, "u.pcap")
    for args, what, rc in [
        (["--series", os.path.join(tmp, "u.csv"), "--labels", os.path.join(tmp, "u.rules")],
         "--labels with --series", 2),
        (["--out", out, "--labels", out], "--labels naming the pcap", 2),
        (["--out", out, "--days", "1", "--flows-per-day", "10", "--labels",
          os.path.join(tmp, "no", "such", "dir", "x.rules"), "--quiet"], "unwritable --labels", 1),
    ]:
        p = subprocess.run([GEN, *args], capture_output=True, text=True, timeout=60)
        check(f"usage: {what} exits {rc}", p.returncode == rc and p.stdout == "",
              f"rc {p.returncode}: {p.stderr.strip()}")
    h = subprocess.run([GEN, "--help"], capture_output=True, text=True, timeout=60).stdout
    check("usage: --help documents --labels", "--labels FILE" in h and "icmp_echo" in h)


def main():
    if shutil.which("tshark") is None:
        print("FAIL: tshark not installed (scripts/deps.sh installs it); 0 passed, 1 failed")
        return 1
    tmp = tempfile.mkdtemp(prefix="sa-gen-labels-")
    try:
        seen = set()
        for anomaly, seed in RUNS:
            check_run(tmp, anomaly, seed, seen)
        check("the runs carry every TCP/UDP class", seen >= set(SERVICE), f"{sorted(seen)}")
        check_usage(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
