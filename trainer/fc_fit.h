/* Fitting and choosing forecasters (trainer only; uses GSL).
 *
 * Errors are measured by rolling-origin backtest: for each of `folds`
 * origins spaced `horizon` apart at the end of the series, fit on the
 * points before the origin and forecast the next `horizon` points. */
#ifndef FC_FIT_H
#define FC_FIT_H

#include "fc_model.h"

struct fc_metrics {
	double mae;
	double rmse;
	unsigned n;            /* forecast points scored */
};

/* Fits kind on y[0..n-1] (n >= 2*season) with the given season. HW
 * parameters are chosen by minimising the one-step squared error with
 * GSL's Nelder-Mead simplex, alpha/beta/gamma in (0,1), phi fixed at 1.
 * Returns 0 or -EINVAL (too few points, non-finite input). */
int fc_fit(enum fc_kind kind, const double *y, unsigned n, unsigned season,
	   struct fc_model *out);

/* Holt-Winters with the given alpha, beta, gamma (each in [0,1]; phi = 1):
 * the initialisation and recursion fc_fit uses, without the optimiser, for
 * reference checks and for refitting with known parameters. Writes *out
 * only on success. Returns 0 or -EINVAL (as fc_fit, or a parameter outside
 * [0,1]). Thread-safe, as is fc_fit. */
int fc_fit_fixed(const double *y, unsigned n, unsigned season,
		 double alpha, double beta, double gamma, struct fc_model *out);

/* Backtest as described above; returns 0 or -EINVAL when the series is
 * too short for even one fold (needs n >= 2*season + horizon). */
int fc_backtest(enum fc_kind kind, const double *y, unsigned n, unsigned season,
		unsigned horizon, unsigned folds, struct fc_metrics *out);

#endif
