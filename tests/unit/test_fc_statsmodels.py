#!/usr/bin/env python3
"""Reference check of our Holt-Winters recursion against statsmodels.

Usage: test_fc_statsmodels.py PATH/TO/fc_ref_tool

Our optimiser and statsmodels' differ, so this compares the recursion: the
same series, the same fixed alpha/beta/gamma and the same initial state
(level = mean of season 1, trend = (mean of season 2 - mean of season 1)/m,
seasonal = season 1 - level) go through fc_fit_fixed (via fc_ref_tool) and
through statsmodels ExponentialSmoothing(initialization_method='known',
optimized=False). Final level, trend, seasonal terms, resid_sd and the
1..24-step forecasts must agree to 1e-6 relative to the series' scale.

Two known differences are bridged, not tolerated:
  * Seasonal update. We use the classical Winters form
        s_t = g (y_t - l_t) + (1-g) s_{t-m};
    statsmodels uses the error-correction form
        s_t = G (y_t - l_{t-1} - b_{t-1}) + (1-G) s_{t-m}.
    Substituting l_t = a (y_t - s_{t-m}) + (1-a)(l_{t-1} + b_{t-1}) gives
    y_t - l_t = (1-a)(y_t - l_{t-1} - b_{t-1}) + a s_{t-m}, so the two are
    identical for G = g (1-a) (Hyndman & Athanasopoulos, FPP 2nd ed., section 7.3).
  * statsmodels < the fix for issue #9538 (PR #10230) forecasts horizons
    h = k*m with s_{n-1-m} instead of s_{n-1}. Our forecasts are checked
    against l + h b + s[(h-1) % m] built from statsmodels' own final state,
    and statsmodels' forecast() is compared directly at the other horizons;
    at h = k*m it must match either us (fixed) or the known bug.

Seasonal naive is compared against numpy. Exit 0 if all pass, 1 on a
failure or when statsmodels is missing (scripts/deps.sh installs it).
"""
import subprocess
import sys
import warnings

try:
    import numpy as np
    import statsmodels
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
except ImportError as e:
    print(f"cannot run the reference: {e} (Debian: apt-get install python3-statsmodels)")
    print("0 passed, 1 failed")
    sys.exit(1)

REL_TOL = 1e-6
H = 24

n_pass = 0
n_fail = 0


def check(ok, what):
    global n_pass, n_fail
    if ok:
        n_pass += 1
    else:
        n_fail += 1
        print(f"FAIL: {what}", file=sys.stderr)


def run_tool(tool, args, y):
    """Runs fc_ref_tool and parses its "name [index] value" lines."""
    text = " ".join(repr(float(v)) for v in y)
    p = subprocess.run([tool] + [str(a) for a in args], input=text,
                       capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"fc_ref_tool {args} exited {p.returncode}: {p.stderr}")
    out = {"season": [], "f": []}
    for line in p.stdout.splitlines():
        parts = line.split()
        if parts[0] in ("season", "f"):
            out[parts[0]].append(float(parts[2]))
        else:
            out[parts[0]] = float(parts[1])
    out["season"] = np.array(out["season"])
    out["f"] = np.array(out["f"])
    return out


def our_init(y, m):
    level = y[:m].mean()
    trend = (y[m:2 * m].mean() - level) / m
    return level, trend, y[:m] - level


def series_cases():
    rng = np.random.default_rng(20240611)
    cases = []
    t = np.arange(24 * 14)
    cases.append(("trend+season+noise m=24 n=336", 24,
                  100 + 0.5 * t + 20 * np.sin(2 * np.pi * t / 24) + rng.uniform(-1, 1, t.size)))
    t = np.arange(240)
    cases.append(("random walk+season m=24 n=240", 24,
                  500 + np.cumsum(rng.normal(0, 2, t.size)) + 30 * np.cos(2 * np.pi * t / 24)))
    t = np.arange(48)
    cases.append(("minimum length m=24 n=48", 24,
                  10 + 0.1 * t + np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.1, t.size)))
    t = np.arange(70)
    cases.append(("weekly m=7 n=70", 7,
                  50 - 0.2 * t + 8 * (t % 7 >= 5) + rng.normal(0, 1, t.size)))
    t = np.arange(24 * 10)
    cases.append(("bytes/s scale m=24 n=240", 24,
                  2e9 * (1 + 0.3 * np.sin(2 * np.pi * t / 24)) * (1 + 0.001 * t)
                  * (1 + 0.02 * rng.normal(size=t.size))))
    return cases


PARAMS = [(0.3, 0.05, 0.1), (0.5, 0.1, 0.2), (0.05, 0.01, 0.6), (0.9, 0.3, 0.05),
          (0.2, 0.0, 1.0)]


def check_hw(tool, name, m, y, a, b, g):
    label = f"{name} a={a} b={b} g={g}"
    l0, b0, s0 = our_init(y, m)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = ExponentialSmoothing(y, trend="add", seasonal="add", seasonal_periods=m,
                                     initialization_method="known", initial_level=l0,
                                     initial_trend=b0, initial_seasonal=s0)
        res = model.fit(smoothing_level=a, smoothing_trend=b,
                        smoothing_seasonal=g * (1 - a), optimized=False)
        sm_fc = np.asarray(res.forecast(H))
    for w in caught:
        print(f"note: statsmodels warned: {w.message}")

    ours = run_tool(tool, ["hw", m, repr(a), repr(b), repr(g), H], y)
    scale = np.max(np.abs(y))
    lvl, trd = float(res.level[-1]), float(res.trend[-1])
    seas = np.asarray(res.season[-m:], dtype=float)  # s_{n-m} .. s_{n-1}

    def rel(x, ref):
        return float(np.max(np.abs(np.asarray(x) - np.asarray(ref)))) / scale

    check(rel(ours["level"], lvl) < REL_TOL, f"{label}: level {ours['level']} vs {lvl}")
    check(rel(ours["trend"], trd) < REL_TOL, f"{label}: trend {ours['trend']} vs {trd}")
    check(rel(ours["season"], seas) < REL_TOL, f"{label}: seasonal terms differ by "
          f"{rel(ours['season'], seas) * scale}")

    resid = y - np.asarray(res.fittedvalues)
    sd_ref = float(np.sqrt(np.mean(resid[m:] ** 2)))
    check(abs(ours["resid_sd"] - sd_ref) <= REL_TOL * max(sd_ref, 1e-12 * scale),
          f"{label}: resid_sd {ours['resid_sd']} vs {sd_ref}")

    h = np.arange(1, H + 1)
    ref_fc = lvl + h * trd + seas[(h - 1) % m]
    d = rel(ours["f"], ref_fc)
    check(d < REL_TOL, f"{label}: forecasts vs statsmodels state, max rel diff {d}")

    regular = h % m != 0
    d = rel(ours["f"][regular], sm_fc[regular])
    check(d < REL_TOL, f"{label}: forecasts vs statsmodels forecast(), max rel diff {d}")
    for k in h[~regular]:
        bug = lvl + k * trd + float(res.season[-m - 1])  # s_{n-1-m}, issue #9538
        got = sm_fc[k - 1]
        fixed = abs(got - ours["f"][k - 1]) / scale < REL_TOL
        known_bug = abs(got - bug) / scale < REL_TOL
        check(fixed or known_bug, f"{label}: statsmodels forecast({k}) = {got} is neither "
              f"ours {ours['f'][k - 1]} nor the issue-9538 value {bug}")
    return ours


def check_sn(tool, name, m, y):
    ours = run_tool(tool, ["sn", m, H], y)
    ref = np.tile(y[-m:], H // m + 1)[:H]
    check(np.array_equal(ours["f"], ref), f"{name}: seasonal naive forecasts")
    sd_ref = float(np.sqrt(np.mean((y[m:] - y[:-m]) ** 2)))
    check(abs(ours["resid_sd"] - sd_ref) <= REL_TOL * sd_ref,
          f"{name}: seasonal naive resid_sd {ours['resid_sd']} vs {sd_ref}")


def check_optimiser(tool, name, m, y):
    """Not the recursion but a sanity check of our optimiser: statsmodels'
    own optimum (same fixed initial state), evaluated with our objective,
    must not beat our fit by more than 1%. statsmodels minimises over all
    points and we skip the first season, so ours may come out lower."""
    ours = run_tool(tool, ["fit", m, H], y)
    l0, b0, s0 = our_init(y, m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ExponentialSmoothing(y, trend="add", seasonal="add", seasonal_periods=m,
                                   initialization_method="known", initial_level=l0,
                                   initial_trend=b0, initial_seasonal=s0).fit()
    a = float(res.params["smoothing_level"])
    b = float(res.params["smoothing_trend"])
    g = float(res.params["smoothing_seasonal"]) / (1 - a) if a < 1 else 0.0
    g = min(max(g, 0.0), 1.0)
    theirs = run_tool(tool, ["hw", m, repr(a), repr(b), repr(g), H], y)
    print(f"  {name}: our fit a={ours['alpha']:.4f} b={ours['beta']:.4f} "
          f"g={ours['gamma']:.4f} sd={ours['resid_sd']:.6g}; statsmodels' optimum "
          f"a={a:.4f} b={b:.4f} g={g:.4f} sd={theirs['resid_sd']:.6g}")
    check(ours["resid_sd"] <= theirs["resid_sd"] * 1.01,
          f"{name}: our fit sd {ours['resid_sd']} worse than statsmodels' {theirs['resid_sd']}")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tool = sys.argv[1]
    print(f"statsmodels {statsmodels.__version__}, numpy {np.__version__}")
    for name, m, y in series_cases():
        for a, b, g in PARAMS:
            check_hw(tool, name, m, y, a, b, g)
        check_sn(tool, name, m, y)
        check_optimiser(tool, name, m, y)
    print(f"{n_pass} passed, {n_fail} failed")
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
