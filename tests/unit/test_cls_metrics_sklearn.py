#!/usr/bin/env python3
"""Reference check of the classifier's metrics (trainer/cls_metrics.c)
against scikit-learn.

Usage: test_cls_metrics_sklearn.py PATH/TO/metrics_ref_tool

Random truth and prediction arrays (numpy, fixed seed) for several class
counts k go through metrics_ref_tool and through sklearn.metrics:
confusion_matrix(labels=0..k-1), precision_recall_fscore_support
(labels=0..k-1, zero_division=0), accuracy_score, and the macro averages
precision_score / recall_score / f1_score (average='macro',
zero_division=0, no labels argument: sklearn then averages over the
labels in y_true or y_pred, which is what cls_eval documents). The cases
include classes missing from the truth, from the predictions, from both,
a model that predicts one class only, and perfect and all-wrong
predictions. Everything must agree to 1e-12 (counts exactly): the maths
is the same, only the rounding of F1 (sklearn 2pr/(p+r), ours
2tp/(2tp+fp+fn)) may differ in the last bits.

Exit 0 if all pass, 1 on a failure or when sklearn is missing
(Debian: apt-get install python3-sklearn).
"""
import subprocess
import sys

from refcheck import check, summary
import warnings

try:
    import numpy as np
    import sklearn
    from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score,
                                 precision_recall_fscore_support, precision_score,
                                 recall_score)
except ImportError as e:
    print(f"cannot run the reference: {e} (Debian: apt-get install python3-sklearn)")
    print("0 passed, 1 failed")
    sys.exit(1)

TOL = 1e-12



def run_tool(tool, k, truth, pred):
    text = f"{k} {len(truth)}\n" + " ".join(map(str, truth)) + "\n" + " ".join(map(str, pred)) + "\n"
    p = subprocess.run([tool], input=text, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"metrics_ref_tool exited {p.returncode}: {p.stderr}")
    out = {"precision": np.zeros(k), "recall": np.zeros(k), "f1": np.zeros(k),
           "support": np.zeros(k, dtype=np.int64), "confusion": np.zeros((k, k), dtype=np.int64)}
    for line in p.stdout.splitlines():
        w = line.split()
        if w[0] == "confusion":
            out["confusion"][int(w[1]), int(w[2])] = int(w[3])
        elif w[0] == "support":
            out["support"][int(w[1])] = int(w[2])
        elif len(w) == 3:
            out[w[0]][int(w[1])] = float(w[2])
        else:
            out[w[0]] = float(w[1])
    return out


def compare(tool, name, k, truth, pred):
    ours = run_tool(tool, k, truth, pred)
    labels = list(range(k))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cm = confusion_matrix(truth, pred, labels=labels)
        p, r, f, s = precision_recall_fscore_support(truth, pred, labels=labels, zero_division=0)
        acc = accuracy_score(truth, pred)
        mp = precision_score(truth, pred, average="macro", zero_division=0)
        mr = recall_score(truth, pred, average="macro", zero_division=0)
        mf = f1_score(truth, pred, average="macro", zero_division=0)
    present = len(set(truth) | set(pred))
    check(np.array_equal(ours["confusion"], cm), f"{name}: confusion\n{ours['confusion']}\nvs\n{cm}")
    check(np.array_equal(ours["support"], s), f"{name}: support {ours['support']} vs {s}")
    for what, ref in (("precision", p), ("recall", r), ("f1", f)):
        err = float(np.max(np.abs(ours[what] - ref)))
        check(err <= TOL, f"{name}: {what} off by {err}: {ours[what]} vs {ref}")
    for what, ref in (("accuracy", acc), ("macro_precision", mp), ("macro_recall", mr),
                      ("macro_f1", mf)):
        check(abs(ours[what] - ref) <= TOL, f"{name}: {what} {ours[what]!r} vs {ref!r}")
    check(ours["n_present"] == present, f"{name}: n_present {ours['n_present']} vs {present}")


def cases(rng):
    """(name, k, truth, pred)."""
    out = []
    for k in (2, 3, 5, 8, 17):
        for n in (1, 7, 50, 1000):
            truth = rng.integers(0, k, n)
            # Predictions right about 60% of the time, else uniform.
            pred = np.where(rng.random(n) < 0.6, truth, rng.integers(0, k, n))
            out.append((f"k={k} n={n} random", k, truth, pred))
        n = 300
        # Truth never has the last class, predictions never the first;
        # classes k//2.. absent from both when k >= 5.
        hi = max(2, k // 2) if k >= 5 else k - 1
        truth = rng.integers(0, hi, n)
        pred = rng.integers(1, hi + 1 if hi < k else k, n)
        out.append((f"k={k} one-sided classes", k, truth, pred))
        # Imbalanced (like normal/attack mixes): one class dominates.
        truth = np.where(rng.random(n) < 0.9, 0, rng.integers(0, k, n))
        pred = np.where(rng.random(n) < 0.8, truth, 0)
        out.append((f"k={k} imbalanced", k, truth, pred))
        # A model that says one class only.
        truth = rng.integers(0, k, n)
        out.append((f"k={k} constant prediction", k, truth, np.full(n, k - 1)))
        out.append((f"k={k} perfect", k, truth, truth.copy()))
        out.append((f"k={k} all wrong", k, truth, (truth + 1) % k))
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tool = sys.argv[1]
    print(f"sklearn {sklearn.__version__}, numpy {np.__version__}")
    rng = np.random.default_rng(20240611)
    for name, k, truth, pred in cases(rng):
        compare(tool, name, k, [int(v) for v in truth], [int(v) for v in pred])
    return summary()


if __name__ == "__main__":
    sys.exit(main())
