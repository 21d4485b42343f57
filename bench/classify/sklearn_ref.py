#!/usr/bin/python3
"""scikit-learn on the split cls_bench wrote: RandomForestClassifier and
HistGradientBoostingClassifier, default parameters, fitted on train.csv and
scored on test.csv (the cleaned feature table, last column "label").
Prints one line of JSON per model: macro-F1, accuracy, fit and predict
seconds, the threads it may use.

Usage: sklearn_ref.py DIR"""
import json
import os
import sys
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score


def load(path):
    with open(path) as f:
        header = f.readline().rstrip("\n").split(",")
    label = header.index("label")
    data = np.genfromtxt(path, delimiter=",", skip_header=1, dtype=str)
    if data.ndim == 1:
        data = data.reshape(1, -1)
    y = data[:, label]
    x = np.delete(data, label, axis=1).astype(np.float32)
    return x, y


def main():
    d = sys.argv[1]
    xtr, ytr = load(os.path.join(d, "train.csv"))
    xte, yte = load(os.path.join(d, "test.csv"))
    threads = os.cpu_count()
    models = {
        "random_forest": RandomForestClassifier(n_jobs=-1, random_state=1),
        "hist_gradient_boosting": HistGradientBoostingClassifier(random_state=1),
    }
    for name, m in models.items():
        t0 = time.perf_counter()
        m.fit(xtr, ytr)
        t1 = time.perf_counter()
        pred = m.predict(xte)
        t2 = time.perf_counter()
        print(json.dumps({"model": name, "macro_f1": f1_score(yte, pred, average="macro", zero_division=0),
                          "accuracy": accuracy_score(yte, pred), "train_s": t1 - t0,
                          "score_ns": (t2 - t1) * 1e9 / len(yte), "threads": threads}))


if __name__ == "__main__":
    main()
