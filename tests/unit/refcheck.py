"""Counted checks shared by the reference tests (statsmodels, scikit-learn,
numpy): each check prints its failure, summary() the closing
"N passed, M failed" line that ctest's log shows."""
import sys

_counts = [0, 0]


def check(ok, what):
    _counts[0 if ok else 1] += 1
    if not ok:
        print(f"FAIL: {what}", file=sys.stderr)


def summary():
    """Prints the closing line; returns the exit status (0: none failed)."""
    print(f"{_counts[0]} passed, {_counts[1]} failed")
    return 1 if _counts[1] or not _counts[0] else 0
