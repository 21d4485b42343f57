#!/usr/bin/env python3
"""`sa analyze` shows its progress on a terminal, and only there.

Two days of sa-gen traffic are analysed twice: with stderr on a
pseudo-terminal, where a line rewritten in place must count the packets
read and the flows stored, never falling back and never beyond the
file's packets (counted by capinfos), and must be erased before the
summary; and with stderr on a pipe, where no such line may appear. Both
summaries must count capinfos' packets.

Usage: test_analyze_progress.py BIN_DIR
"""
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile

from satest import check, summary

BIN = sys.argv[1]
LINE = re.compile(rb"\rsa: (\d+) packets read, (\d+) flows stored \((\d+) s\)")


def analyze(capture, tty):
    """Runs sa analyze; returns (its JSON summary or None, what it wrote to stderr)."""
    args = [f"{BIN}/sa", "analyze", capture, "--format", "json"]
    if not tty:
        p = subprocess.run(args, capture_output=True, timeout=600)
        return json.loads(p.stdout) if p.returncode == 0 else None, p.stderr
    master, slave = pty.openpty()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal's other side closed
            break
        if not chunk:
            break
        err += chunk
    out = p.stdout.read()
    p.wait(timeout=600)
    os.close(master)
    return json.loads(out) if p.returncode == 0 else None, err


def main():
    tmp = tempfile.mkdtemp(prefix="sa-progress-")
    try:
        capture = f"{tmp}/in.pcap"
        subprocess.run([f"{BIN}/sa-gen", "--out", capture, "--days", "2", "--seed", "7", "--quiet"],
                       check=True, stdout=subprocess.DEVNULL, timeout=300)
        info = subprocess.run(["capinfos", "-M", "-c", capture], capture_output=True, text=True, check=True)
        packets = int(re.search(r"Number of packets:\s+(\d+)", info.stdout).group(1))

        got, err = analyze(capture, tty=True)
        lines = [tuple(map(int, m.groups())) for m in LINE.finditer(err)]
        check("on a terminal: progress lines shown", len(lines) >= 2, repr(err[-300:]))
        check("packets read never fall back", all(a[0] <= b[0] for a, b in zip(lines, lines[1:])), str(lines))
        check("flows stored never fall back", all(a[1] <= b[1] for a, b in zip(lines, lines[1:])), str(lines))
        check("packets read never beyond the file's (capinfos)", all(l[0] <= packets for l in lines),
              f"{lines[-1:]} vs {packets}")
        check("the progress line is erased before the summary", err.endswith(b"\r\x1b[K"), repr(err[-40:]))
        check("summary after progress counts capinfos' packets", got is not None and got["packets"] == packets,
              f"{got and got.get('packets')} vs {packets}")

        got, err = analyze(capture, tty=False)
        check("on a pipe: no progress line", LINE.search(err) is None and b"packets read" not in err, repr(err[-200:]))
        check("summary on a pipe counts capinfos' packets", got is not None and got["packets"] == packets,
              f"{got and got.get('packets')} vs {packets}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
