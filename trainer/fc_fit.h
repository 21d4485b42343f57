/* Fitting and scoring forecasters (trainer only; uses GSL).
 *
 * A spec names what to fit: a kind, its seasons, the trend form of
 * Holt-Winters or the orders of SARIMA. fc_fit estimates the parameters
 * from the data; fc_backtest scores a spec by rolling-origin
 * cross-validation: for each of `folds` origins spaced `horizon` apart at
 * the end of the series, fit on the points before the origin and forecast
 * the next `horizon` points. Every function is thread-safe. */
#ifndef FC_FIT_H
#define FC_FIT_H

#include "fc_model.h"

enum fc_trend {
	FC_TREND_NONE,   /* HW: level and season only (beta = 0) */
	FC_TREND_ADD,    /* phi = 1 */
	FC_TREND_DAMPED, /* phi fitted in [0.8, 0.98] */
};

struct fc_spec {
	enum fc_kind kind;
	uint32_t season, season2; /* season2: HW only, 0 or a multiple of season */
	enum fc_trend trend;      /* HW */
	uint8_t p, d, q, sd, sq;  /* SARIMA (p,d,q)(0,sd,sq)_season: p <= 2, others <= 1 */
};

/* Points a spec needs to be fitted at all: two of its longest season (HW,
 * seasonal naive: one) and the SARIMA history. */
unsigned fc_min_points(const struct fc_spec *s);

/* Fits s on y[0..n-1]. HW parameters minimise the one-step squared error
 * after the first (longest) season, by a grid then GSL's Nelder-Mead
 * simplex; SARIMA minimises the conditional sum of squares the same way.
 * sigma is a robust sd of those one-step errors, relative to the
 * forecast's level when every forecast is positive (fc_fit_internal.h
 * says why). Multiplicative
 * HW needs every y > 0. Writes *out only on success (-ENOMEM may leave it
 * partly written). Returns 0, -EINVAL (bad spec, too few points, a
 * non-finite or, for multiplicative, a non-positive value) or -ENOMEM. */
int fc_fit(const struct fc_spec *s, const double *y, unsigned n, struct fc_part *out);

/* fc_fit, also writing the in-sample one-step forecasts of the final fit
 * to onestep[0..n-1]: NAN for the first points, from which the initial
 * state is read (the fitter makes no forecast for them). */
int fc_fit_onestep(const struct fc_spec *s, const double *y, unsigned n, struct fc_part *out,
		   double *onestep);

/* Holt-Winters with given parameters (params[FC_HW_*]; phi = 1, no season2
 * unless the spec has one): the initialisation and recursion fc_fit uses,
 * without the optimiser, for reference checks. Same returns as fc_fit. */
int fc_fit_hw_fixed(const struct fc_spec *s, const double *y, unsigned n,
		    const double params[FC_HW_NPARAMS], struct fc_part *out);

/* SARIMA with given coefficients (params[FC_AR_*]; d, sd and c are taken
 * from the spec and the data as fc_fit does): for reference checks. */
int fc_fit_sarima_fixed(const struct fc_spec *s, const double *y, unsigned n,
			const double params[FC_AR_NPARAMS], struct fc_part *out);

struct fc_metrics {
	double mae, rmse;
	double mape;     /* percent, over non-zero actuals; NAN if all are zero */
	double mase;     /* mae / the scale given to fc_score (in-sample seasonal naive MAE) */
	unsigned n;      /* forecast points scored */
	double fit_s;    /* CPU seconds of the fits (backtest: all folds) */
};

/* Mean |y[t] - y[t-m]| over t in [m, n): the error of seasonal naive in
 * sample, MASE's denominator. 0 for a series it cannot be computed on. */
double fc_mase_scale(const double *y, unsigned n, unsigned m);

/* Scores forecasts f against actual y (n points each). MASE uses scale
 * (NAN when scale is 0). */
void fc_score(const double *y, const double *f, unsigned n, double scale, struct fc_metrics *out);

/* Backtest as described above, writing every fold's forecasts to
 * fcst[fold * horizon + h - 1] (oldest fold first; fcst may be NULL, else
 * it holds folds * horizon values) and the scores, MASE against scale, to
 * *out. Uses as many of the folds as the series allows; *folds_used (may
 * be NULL) says how many: the scored points are the last folds_used *
 * horizon of y. Returns 0, -EINVAL when not even one fold fits, or
 * fc_fit's error. */
int fc_backtest(const struct fc_spec *s, const double *y, unsigned n, unsigned horizon,
		unsigned folds, double scale, double *fcst, unsigned *folds_used,
		struct fc_metrics *out);

#endif
