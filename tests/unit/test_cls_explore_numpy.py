#!/usr/bin/env python3
"""Reference check of cls_explore (trainer/cls_explore.c) against numpy.

Usage: test_cls_explore_numpy.py PATH/TO/explore_ref_tool

A seeded numpy RNG writes a CSV of float32 features and a class label:
a normal column shifted by class, a near-copy of it (r ~ 0.999), a noisy
negative of it, a constant, a heavy-tailed log-normal with a few +-Inf
(missing, and outliers), a uniform with 10% NaN, small integers (ties in
the quartiles), a column with a large offset (1e6 + N(0,1): the mean must
not swallow the spread), a near-copy with 5% NaN (pairwise rows) and a
column with no value at all. explore_ref_tool reads it into a cls_table,
runs cls_explore_run and prints JSON; the same numbers are computed here
from their definitions, on the same float32 values in float64:

  statistics   over the finite values: count, missing, mean, std (ddof=1;
               0 for fewer than 2), min, max, np.percentile(25/50/75) with
               numpy's default "linear" method (h = (n-1) p), outliers
               beyond Q1 - 3 IQR or Q3 + 3 IQR; overall and per class; no
               finite value: all 0
  eta2         SS_between / SS_total, 0 when SS_total is 0
  correlation  pairwise complete: np.corrcoef over the rows where both are
               finite; 0 when either is constant there; 1 on the diagonal
  pairs        |r| >= 0.95; of each, the one to drop has the larger mean
               |r| with every other feature
  PCA          np.linalg.eigh of the correlation matrix of the non-constant
               columns, eigenvalues descending and clamped at 0, explained
               ratios, cumulative sums, components for 90% / 95%; unit
               eigenvectors of the first three components, signed with the
               largest entry positive (only where the eigenvalue is apart
               from its neighbours, else the vector is not unique)

Tolerance 1e-6, relative to the value (location statistics: or to 1e-3
of the column's largest magnitude, for means near 0); correlations and
ratios absolute. Counts must be equal. The tool's report and SVG files
are checked too: no "nan"/"inf" in them, every SVG parses as XML, and
the number of heatmap cells, scree bars and boxes is the expected one.
Exit 0 if all pass, 1 on a failure or when numpy is missing.
"""
import json
import os
import re
import subprocess
import sys

from refcheck import check, summary
import tempfile
import xml.etree.ElementTree as ET

try:
    import numpy as np
except ImportError as e:
    print(f"cannot run the reference: {e} (Debian: apt-get install python3-numpy)")
    print("0 passed, 1 failed")
    sys.exit(1)

REL_TOL = 1e-6
THRESHOLD = 0.95
SVG = "{http://www.w3.org/2000/svg}"



def close(a, b, scale=0.0):
    return abs(a - b) <= REL_TOL * max(abs(b), scale)


def make_table(rng, n=3000):
    classes = np.array(["web", "dns", "scan"])
    y = rng.integers(0, 3, n)
    a = rng.normal(size=n) + y
    cols = {
        "a": a,
        "a_copy": 2 * a + 1 + 0.05 * rng.normal(size=n),
        "minus_a": -a + 0.5 * rng.normal(size=n),
        "const": np.full(n, 5.0),
        "lognorm": np.exp(rng.normal(2.0, 1.5, n)),
        "uniform": rng.uniform(0, 1, n),
        "small_int": rng.integers(0, 6, n).astype(float),
        "offset": 1e6 + rng.normal(size=n) * 100,
        "a_sparse": a + 0.1 * rng.normal(size=n),
        "empty": np.full(n, np.nan),
    }
    cols["lognorm"][rng.choice(n, 4, replace=False)] = [np.inf, -np.inf, np.inf, np.nan]
    cols["uniform"][rng.random(n) < 0.10] = np.nan
    cols["a_sparse"][rng.random(n) < 0.05] = np.nan
    names = list(cols)
    x = np.column_stack([cols[k] for k in names]).astype(np.float32)
    return names, x, classes[y]


def write_csv(path, names, x, labels):
    with open(path, "w") as f:
        f.write(",".join(names + ["label"]) + "\n")
        for row, lab in zip(x, labels):
            # float64 repr of a float32 value: strtof reads back the same float
            f.write(",".join(repr(float(v)) for v in row) + "," + lab + "\n")


def ref_stats(v):
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return dict(count=0, mean=0.0, std=0.0, min=0.0, p25=0.0, median=0.0, p75=0.0,
                    max=0.0, outliers=0)
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    iqr = q3 - q1
    return dict(count=n, mean=float(np.mean(v)), std=float(np.std(v, ddof=1)) if n > 1 else 0.0,
                min=float(v.min()), p25=float(q1), median=float(med), p75=float(q3),
                max=float(v.max()),
                outliers=int(np.sum((v < q1 - 3 * iqr) | (v > q3 + 3 * iqr))))


def check_stats(label, ours, v):
    ref = ref_stats(v)
    fin = v[np.isfinite(v)]
    scale = 1e-3 * float(np.max(np.abs(fin))) if len(fin) else 0.0
    check(ours["count"] == ref["count"], f"{label}: count {ours['count']} vs {ref['count']}")
    check(ours["missing"] == len(v) - ref["count"], f"{label}: missing {ours['missing']}")
    check(ours["outliers"] == ref["outliers"],
          f"{label}: outliers {ours['outliers']} vs {ref['outliers']}")
    for k in ("mean", "min", "p25", "median", "p75", "max"):
        check(close(ours[k], ref[k], scale), f"{label}: {k} {ours[k]!r} vs {ref[k]!r}")
    check(close(ours["std"], ref["std"], 1e-9 * scale), f"{label}: std {ours['std']!r} vs {ref['std']!r}")


def ref_eta2(v, y, k):
    m = np.isfinite(v)
    v, y = v[m], y[m]
    if len(v) == 0:
        return 0.0
    sst = float(np.sum((v - v.mean()) ** 2))
    ssb = sum(np.sum(y == c) * (v[y == c].mean() - v.mean()) ** 2 for c in range(k) if np.any(y == c))
    return ssb / sst if sst > 0 else 0.0


def is_constant(v):
    v = v[np.isfinite(v)]
    return len(v) < 2 or v.min() == v.max()


def ref_corr(x):
    p = x.shape[1]
    r = np.eye(p)
    for i in range(p):
        for j in range(i + 1, p):
            if is_constant(x[:, i]) or is_constant(x[:, j]):
                continue
            m = np.isfinite(x[:, i]) & np.isfinite(x[:, j])
            a, b = x[m, i], x[m, j]
            if len(a) < 2 or a.min() == a.max() or b.min() == b.max():
                continue
            r[i, j] = r[j, i] = np.corrcoef(a, b)[0, 1]
    return r


def ref_pca(x, r):
    keep = [j for j in range(x.shape[1]) if not is_constant(x[:, j])]
    w, v = np.linalg.eigh(r[np.ix_(keep, keep)])
    order = np.argsort(w)[::-1]
    w, v = np.clip(w[order], 0, None), v[:, order]
    evr = w / w.sum()
    load = np.zeros((len(keep), x.shape[1]))
    for c in range(len(keep)):
        vec = v[:, c] * (1 if v[np.argmax(np.abs(v[:, c])), c] > 0 else -1)
        load[c, keep] = vec
    return keep, w, evr, np.cumsum(evr), load


def components_for(cum, frac):
    for c, v in enumerate(cum):
        if v >= frac - 1e-9:
            return c + 1
    return len(cum)


def check_outputs(out, names, ours):
    report = open(os.path.join(out, "report.txt")).read()
    bad = re.findall(r"(?i)\b-?(nan|inf|infinity)\b", report)
    check(not bad, f"report.txt prints non-finite numbers: {bad[:5]}")
    check("Pearson correlation" in report and "PCA" in report, "report.txt sections missing")
    p = len(names)
    expect = {
        "corr.svg": ("rect", "cell", min(p, 30) ** 2),
        "scree.svg": ("rect", "bar", min(ours["n_pca"], 20)),
        "importance.svg": ("rect", "bar", p),
        "boxes.svg": ("rect", "box", 4 * len(ours["classes"])),
    }
    for name, (tag, cls, n) in expect.items():
        path = os.path.join(out, name)
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError) as e:
            check(False, f"{name}: not well-formed XML: {e}")
            continue
        check(root.tag == SVG + "svg", f"{name}: root is {root.tag}")
        found = [el for el in root.iter(SVG + tag) if el.get("class") == cls]
        check(len(found) == n, f"{name}: {len(found)} {tag}.{cls}, expected {n}")
        text = open(path).read()
        check(not re.search(r"(?i)\b-?(nan|inf)\b", text), f"{name}: a NaN or Inf was written")
        check(root.find(SVG + "text") is not None and "sans-serif" in root.get("font-family", ""),
              f"{name}: no title or no sans-serif font")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tool = sys.argv[1]
    print(f"numpy {np.__version__}")
    rng = np.random.default_rng(20240611)
    names, x32, labels = make_table(rng)
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "table.csv")
        write_csv(csv, names, x32, labels)
        out = os.path.join(tmp, "out")
        os.mkdir(out)
        p = subprocess.run([tool, csv, out], capture_output=True, text=True, check=False)
        if p.returncode != 0:
            print(f"explore_ref_tool exited {p.returncode}: {p.stderr}")
            print("0 passed, 1 failed")
            return 1
        ours = json.loads(p.stdout)  # a NaN would not be JSON
        check_outputs(out, names, ours)

    x = x32.astype(np.float64)
    classes = ours["classes"]
    y = np.array([classes.index(lab) for lab in labels])
    k = len(classes)
    check(ours["names"] == names, "column names")
    check(ours["rows"] == len(x) and ours["cols"] == len(names), "table shape")
    check(ours["class_rows"] == [int(np.sum(y == c)) for c in range(k)], "rows per class")

    for j, name in enumerate(names):
        check_stats(name, ours["all"][j], x[:, j])
        for c in range(k):
            check_stats(f"{name}[{classes[c]}]", ours["by_class"][c][j], x[y == c, j])
        e = ref_eta2(x[:, j], y, k)
        check(abs(ours["eta2"][j] - e) <= REL_TOL, f"{name}: eta2 {ours['eta2'][j]} vs {e}")
    check(ours["all"][names.index("lognorm")]["outliers"] > 0, "lognorm has far-out values")
    check(ours["all"][names.index("lognorm")]["missing"] == 4, "lognorm: +-Inf and NaN missing")

    r = ref_corr(x)
    ro = np.array(ours["corr"])
    worst = float(np.max(np.abs(ro - r)))
    check(worst <= REL_TOL, f"correlation matrix: max abs diff {worst}")
    check(np.all(np.diag(ro) == 1.0), "correlation diagonal is 1")
    ci = names.index("const")
    check(np.all(np.delete(ro[ci], ci) == 0.0), "constant column: r = 0")

    pairs = {(i, j) for i in range(len(names)) for j in range(i + 1, len(names))
             if abs(r[i, j]) >= THRESHOLD and abs(abs(r[i, j]) - THRESHOLD) > 1e-9}
    got = {(a, b) for a, b, _, _, _ in ours["pairs"]}
    check(pairs <= got and len(got - pairs) <= sum(abs(abs(r[i, j]) - THRESHOLD) <= 1e-9
                                                   for i in range(len(names))
                                                   for j in range(i + 1, len(names))),
          f"correlated pairs {sorted(got)} vs {sorted(pairs)}")
    check(len(pairs) >= 3, f"the test data should have correlated pairs, has {sorted(pairs)}")
    mean_abs = (np.sum(np.abs(r), axis=1) - 1) / (len(names) - 1)
    for a, b, rr, n, drop in ours["pairs"]:
        m = int(np.sum(np.isfinite(x[:, a]) & np.isfinite(x[:, b])))
        check(n == m, f"pair {names[a]}/{names[b]}: {n} rows vs {m}")
        want = a if mean_abs[a] > mean_abs[b] else b
        check(drop == want or abs(mean_abs[a] - mean_abs[b]) < 1e-9,
              f"pair {names[a]}/{names[b]}: drop {names[drop]}, expected {names[want]}")

    keep, w, evr, cum, load = ref_pca(x, r)
    q = len(keep)
    check(ours["n_pca"] == q, f"PCA components {ours['n_pca']} vs {q}")
    for name, ref in (("eigval", w), ("evr", evr), ("cum", cum)):
        got_v = np.array(ours[name][:q])
        d = float(np.max(np.abs(got_v - ref)))
        check(d <= REL_TOL, f"PCA {name}: max abs diff {d}\n  ours {got_v}\n  numpy {ref}")
        check(all(v == 0 for v in ours[name][q:]) or name == "cum", f"PCA {name}: beyond n_pca not 0")
    n90, n95 = components_for(cum, 0.90), components_for(cum, 0.95)
    check(ours["n90"] == n90 and ours["n95"] == n95,
          f"components for 90/95%: {ours['n90']}/{ours['n95']} vs {n90}/{n95}")
    for c in range(min(3, q)):
        gap = min(abs(w[c] - w[c - 1]) if c else np.inf, abs(w[c] - w[c + 1]) if c + 1 < q else np.inf)
        if gap < 1e-3:
            continue
        d = float(np.max(np.abs(np.array(ours["loadings"][c]) - load[c])))
        check(d <= 1e-5, f"PC{c + 1} loadings: max abs diff {d}")
    print(f"  PCA: {q} components, explained {np.round(evr[:4], 4).tolist()}..., "
          f"90% at {n90}, 95% at {n95}; {len(pairs)} pairs with |r| >= {THRESHOLD}")

    return summary()


if __name__ == "__main__":
    sys.exit(main())
