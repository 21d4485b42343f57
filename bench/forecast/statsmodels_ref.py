#!/usr/bin/env python3
"""Reference forecasters for the forecast benchmark: the models an analyst
would fit with Debian's python3-statsmodels (0.13), default settings.

Usage:
  statsmodels_ref.py --csv FILE --column NAME --train N --horizon H --season M1
                     [--season2 M2] [--models LIST] [--forecast-out FILE]

Rows [0, N) of the column train, rows [N, N+H) are the horizon. Models
(names for --models, comma-separated; default all that apply):

  hw_add_add      ExponentialSmoothing, additive trend, additive season M1
  hw_damped_add   the same with a damped trend
  hw_damped_mul   damped trend, multiplicative season; only when every
                  training value is > 0
  sarimax_101_011 SARIMAX(1,0,1)x(0,1,1,M1)
  sarimax_011_011 SARIMAX(0,1,1)x(0,1,1,M1)
  snaive_m2       seasonal naive at M2 (with --season2)
  hw_add_add_m2   ExponentialSmoothing, additive trend and season M2
                  (with --season2)

Holt-Winters models use initialization_method='estimated' and a default
fit(); SARIMAX a default fit(disp=False). SARIMAX is skipped when M1 > 48:
its state has M1 + 1 elements and a fit at M1 = 168 takes minutes, so the
line says so in "error". statsmodels has no double-seasonal Holt-Winters
(nor MSTL, which arrived in 0.14), so a second season is covered only by a
seasonal naive and a single-season Holt-Winters at M2.

Every model runs under its own try/except with warnings recorded: an
exception leaves the metrics null, a warning (say a ConvergenceWarning) is
reported in "error" beside the metrics. fit_s is time.perf_counter around
the fit() call only (0 for the seasonal naive, which has none): for
ExponentialSmoothing the best of FIT_REPEATS fits, as fc_bench times ours
(a fit is deterministic; the spread is the machine's), for SARIMAX, whose
fits take seconds, a single one.

Metrics over the horizon: MAE, RMSE, MAPE in percent over the non-zero
actuals, MASE = MAE / mean |y_t - y_(t-M1)| over the training rows.

Output: one JSON object per model and line,
  {"model", "mae", "rmse", "mape", "mase", "fit_s", "error"},
then {"best": name, "mase": value}, the lowest MASE (null if none).
--forecast-out writes the forecasts as CSV: model,step,value (step 1..H).
Exit status 0, or 2 for bad arguments or input.
"""
import argparse
import csv
import json
import math
import sys
import time
import warnings

import numpy as np

SARIMAX_MAX_SEASON = 48
FIT_REPEATS = 3


def fail(msg):
    print(f"statsmodels_ref.py: {msg}", file=sys.stderr)
    sys.exit(2)


def load_column(path, column):
    try:
        with open(path, newline="") as f:
            rows = csv.DictReader(f)
            if rows.fieldnames is None or column not in rows.fieldnames:
                fail(f"{path}: no column '{column}' (have {rows.fieldnames})")
            vals = []
            for i, row in enumerate(rows, start=2):
                try:
                    vals.append(float(row[column]))
                except (TypeError, ValueError):
                    fail(f"{path}:{i}: '{row[column]}' in column {column} is not a number")
    except OSError as e:
        fail(f"{path}: {e.strerror}")
    y = np.array(vals)
    if not np.all(np.isfinite(y)):
        fail(f"{path}: column {column} holds non-finite values")
    return y


def holt_winters(trend_damped, seasonal, m):
    def fit(y):
        from statsmodels.tsa.holtwinters import ExponentialSmoothing
        model = ExponentialSmoothing(y, trend="add", damped_trend=trend_damped,
                                     seasonal=seasonal, seasonal_periods=m,
                                     initialization_method="estimated")
        best = math.inf
        for _ in range(FIT_REPEATS):
            t0 = time.perf_counter()
            res = model.fit()
            best = min(best, time.perf_counter() - t0)
        return res, best
    return fit


def sarimax(order, m):
    def fit(y):
        from statsmodels.tsa.statespace.sarimax import SARIMAX
        model = SARIMAX(y, order=order, seasonal_order=(0, 1, 1, m))
        t0 = time.perf_counter()
        res = model.fit(disp=False)
        return res, time.perf_counter() - t0
    return fit


class SeasonalNaive:
    """Repeats the last m training values; the same forecast() as statsmodels'
    results so the loop below treats it like the rest."""

    def __init__(self, y, m):
        if len(y) < m:
            raise ValueError(f"{len(y)} training values, less than one season of {m}")
        self.last = y[-m:]

    def forecast(self, h):
        return np.resize(self.last, h)


def seasonal_naive(m):
    def fit(y):
        return SeasonalNaive(y, m), 0.0
    return fit


def candidates(args, train):
    """(name, fit function or None, reason it cannot run) for every model."""
    m1, m2 = args.season, args.season2
    big = f"skipped: SARIMAX at season {m1} > {SARIMAX_MAX_SEASON} is too slow to fit"
    out = [
        ("hw_add_add", holt_winters(False, "add", m1), None),
        ("hw_damped_add", holt_winters(True, "add", m1), None),
        ("hw_damped_mul", holt_winters(True, "mul", m1),
         None if np.all(train > 0) else "skipped: multiplicative season needs values > 0"),
        ("sarimax_101_011", sarimax((1, 0, 1), m1), big if m1 > SARIMAX_MAX_SEASON else None),
        ("sarimax_011_011", sarimax((0, 1, 1), m1), big if m1 > SARIMAX_MAX_SEASON else None),
    ]
    if m2:
        out += [("snaive_m2", seasonal_naive(m2), None),
                ("hw_add_add_m2", holt_winters(False, "add", m2), None)]
    return out


def metrics(actual, pred, scale):
    err = actual - pred
    mae = float(np.mean(np.abs(err)))
    nz = actual != 0
    return {
        "mae": mae,
        "rmse": float(np.sqrt(np.mean(err ** 2))),
        "mape": float(np.mean(np.abs(err[nz] / actual[nz])) * 100) if nz.any() else None,
        "mase": mae / scale if scale > 0 else None,
    }


def run_one(name, fit, train, horizon):
    """Fits and forecasts; returns (result line, forecast or None)."""
    line = {"model": name, "mae": None, "rmse": None, "mape": None, "mase": None,
            "fit_s": None, "error": None}
    pred = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res, line["fit_s"] = fit(train)
            pred = np.asarray(res.forecast(horizon), dtype=float)
            if pred.shape != (horizon,) or not np.all(np.isfinite(pred)):
                line["error"] = "forecast has non-finite values"
                pred = None
        except Exception as e:  # any model failure is a result, not a crash
            line["error"] = f"{type(e).__name__}: {e}"
    seen = []
    for w in caught:
        text = f"{w.category.__name__}: {str(w.message).strip()}"
        if text not in seen:
            seen.append(text)
    if seen:
        line["error"] = "; ".join(([line["error"]] if line["error"] else []) + seen)
    return line, pred


def finite_or_none(v):
    return v if v is None or not isinstance(v, float) or math.isfinite(v) else None


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--csv", required=True)
    p.add_argument("--column", required=True)
    p.add_argument("--train", type=int, required=True, help="rows [0, N) train")
    p.add_argument("--horizon", type=int, required=True, help="rows [N, N+H) are scored")
    p.add_argument("--season", type=int, required=True, help="M1, points per season")
    p.add_argument("--season2", type=int, default=0, help="M2, a second, longer season")
    p.add_argument("--models", help="comma-separated subset of the model names")
    p.add_argument("--forecast-out", help="CSV file for the forecasts")
    args = p.parse_args(argv)
    if args.season < 2 or (args.season2 and args.season2 < 2):
        p.error("seasons must be >= 2")
    if args.horizon < 1:
        p.error("--horizon must be >= 1")
    if args.train <= args.season:
        p.error(f"--train {args.train}: MASE needs more than one season ({args.season})")
    return args


def main(argv):
    args = parse_args(argv)
    y = load_column(args.csv, args.column)
    if args.train + args.horizon > len(y):
        fail(f"{args.csv}: {len(y)} rows, --train + --horizon needs {args.train + args.horizon}")
    train, actual = y[:args.train], y[args.train:args.train + args.horizon]
    scale = float(np.mean(np.abs(train[args.season:] - train[:-args.season])))

    models = candidates(args, train)
    if args.models:
        want = [s.strip() for s in args.models.split(",") if s.strip()]
        unknown = set(want) - {name for name, _, _ in models}
        if unknown:
            fail(f"--models: unknown or not applicable: {', '.join(sorted(unknown))} "
                 f"(have {', '.join(name for name, _, _ in models)})")
        models = [m for m in models if m[0] in want]

    results, forecasts = [], []
    for name, fit, skip in models:
        if skip:
            line = {"model": name, "mae": None, "rmse": None, "mape": None, "mase": None,
                    "fit_s": None, "error": skip}
        else:
            line, pred = run_one(name, fit, train, args.horizon)
            if pred is not None:
                line.update(metrics(actual, pred, scale))
                forecasts.append((name, pred))
        line = {k: finite_or_none(v) for k, v in line.items()}
        results.append(line)
        print(json.dumps(line, allow_nan=False), flush=True)

    scored = [r for r in results if r["mase"] is not None]
    best = min(scored, key=lambda r: r["mase"]) if scored else None
    print(json.dumps({"best": best["model"] if best else None,
                      "mase": best["mase"] if best else None}, allow_nan=False))

    if args.forecast_out:
        try:
            with open(args.forecast_out, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["model", "step", "value"])
                for name, pred in forecasts:
                    for h, v in enumerate(pred, start=1):
                        w.writerow([name, h, repr(float(v))])
        except OSError as e:
            fail(f"{args.forecast_out}: {e.strerror}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
