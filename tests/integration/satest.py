"""Helpers shared by the integration tests: counted checks with the closing
"N passed, M failed" line, and capinfos' counts of a capture."""
import re
import subprocess

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
