"""Helpers shared by the integration tests: counted checks with the closing
"N passed, M failed" line, capinfos' counts of a capture and tshark's
seconds with packets, the flow records of `sa analyze`, an aggregator
started as its own process and queried through sa, and the main() of a
test over shared captures."""
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

_results = []


def check(name, ok, detail=""):
    _results.append(bool(ok))
    print(f"{'PASS' if ok else 'FAIL'} {name} {detail}", flush=True)


def summary():
    """Prints the closing line; returns the exit status (0 when all passed)."""
    passed = sum(_results)
    print(f"{passed} passed, {len(_results) - passed} failed")
    return 0 if _results and all(_results) else 1


def capinfos(path):
    """(packets, on-the-wire bytes) of a capture, counted by capinfos."""
    out = subprocess.run(["capinfos", "-M", "-c", "-d", path], capture_output=True, text=True).stdout
    return (int(re.search(r"Number of packets:\s+(\d+)", out).group(1)),
            int(re.search(r"Data size:\s+(\d+) bytes", out).group(1)))


def packet_seconds(cap):
    """The distinct whole seconds of the capture's packet timestamps (tshark)."""
    out = subprocess.run(["tshark", "-n", "-r", cap, "-T", "fields", "-e", "frame.time_epoch"],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    return {int(line.split(".")[0]) for line in out.split()}


def pb_fields(buf):
    """Top-level fields of a protobuf message, read by hand (the tests speak
    to the daemons' sockets without the generated code): field number ->
    varint value or bytes; fixed-width fields are skipped."""
    out, i = {}, 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            out[field], i = _varint(buf, i)
        elif wire == 2:
            n, i = _varint(buf, i)
            out[field], i = buf[i:i + n], i + n
        elif wire in (1, 5):
            i += 8 if wire == 1 else 4
        else:
            break
    return out


def pb_varint(v):
    """A protobuf varint, for messages encoded by hand."""
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def pb_field(num, wire, payload):
    """One protobuf field: wire 0 takes a pb_varint, 1 and 5 fixed bytes,
    2 the bytes to length-prefix."""
    key = pb_varint(num << 3 | wire)
    if wire == 2:
        return key + pb_varint(len(payload)) + payload
    return key + payload


def _varint(buf, i):
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def sa_json(bindir, server, *args):
    """`sa --format json ARGS` against server, parsed; raises on failure."""
    out = subprocess.run([f"{bindir}/sa", "--server", server, "--format", "json", *args],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"sa {' '.join(args)}: {out.stderr.strip()}")
    return json.loads(out.stdout)


def start_aggregator(bindir, tmp, ingest, query, *extra, db=None):
    """sa-aggregator on db (default tmp/db; log: tmp/aggregator.log), once it answers."""
    log = open(os.path.join(tmp, "aggregator.log"), "a")
    p = subprocess.Popen([f"{bindir}/sa-aggregator", "--db", db or os.path.join(tmp, "db"), "--ingest", ingest,
                          "--query", query, "--publish", f"ipc://{tmp}/publish", *extra], stdout=log, stderr=log)
    for _ in range(100):
        try:
            sa_json(bindir, query, "nodes")
            return p
        except Exception:
            time.sleep(0.1)
    raise RuntimeError("aggregator did not come up")


def reap(tmp):
    """Kills what a test started on tmp and left running (it failed half
    way), then removes tmp."""
    subprocess.run(["pkill", "-KILL", "-f", tmp], check=False)
    shutil.rmtree(tmp, ignore_errors=True)


def stop(proc):
    """SIGTERM a daemon and wait for it to exit (its clean shutdown)."""
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=30)


@contextlib.contextmanager
def analyzed(bindir, path, tmp):
    """`sa analyze --keep` of a capture, then its store served by a fresh
    sa-aggregator: yields the query endpoint, or None if analyze failed."""
    keep = os.path.join(tmp, "keep")
    r = subprocess.run([f"{bindir}/sa", "analyze", path, "--keep", keep, "--format", "json"],
                       capture_output=True, text=True, timeout=600)
    if r.returncode not in (0, 3):
        yield None
        return
    query = f"ipc://{tmp}/q"
    agg = start_aggregator(bindir, keep, f"ipc://{tmp}/i", query)
    try:
        yield query
    finally:
        stop(agg)
        shutil.rmtree(keep, ignore_errors=True)


def flows_of(bindir, query, proto="tcp", *args):
    """`sa flows` (of one protocol, or all with proto None; 100,000 at most)."""
    return sa_json(bindir, query, *(["--proto", proto] if proto else []), "--limit", "100000", *args, "flows")


def sa_flows(bindir, path, tmp, proto="tcp"):
    """sa flows (of one protocol, or all with proto None) after sa analyze --keep."""
    with analyzed(bindir, path, tmp) as query:
        return None if query is None else flows_of(bindir, query, proto)


def run_on_captures(doc, check_file):
    """main() of a test run as `SCRIPT BIN_DIR PCAP_DIR FILE...`: calls
    check_file(bin_dir, path, tmp_dir) per file; 77 (skipped) without tshark."""
    if len(sys.argv) < 4:
        sys.stderr.write(doc.split("\n\n")[1] + "\n")
        return 2
    if shutil.which("tshark") is None:
        print("tshark not found: skipped")
        return 77
    bindir, pdir = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="sa-test-")
    try:
        for n in sys.argv[3:]:
            check_file(bindir, os.path.join(pdir, n), tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()
