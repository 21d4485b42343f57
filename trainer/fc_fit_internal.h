/* Shared by the fitters in trainer/ (not a public interface). */
#ifndef FC_FIT_INTERNAL_H
#define FC_FIT_INTERNAL_H

#include "fc_fit.h"

double fc_mean(const double *x, unsigned n);
double fc_sumsq(const double *x, unsigned n);
/* Median of x[0..n-1] (n >= 1), sorting x. */
double fc_median(double *x, unsigned n);

/* 0 if y is non-NULL, has at least min points and all are finite;
 * else -EINVAL. */
int fc_check_series(const double *y, unsigned n, unsigned min);

/* The one-step errors of a fitted run, to size its intervals. The sd is
 * relative, sigma * f (sd_power 1), whenever every forecast is positive:
 * traffic's noise and its anomalies scale with its level (an outage at
 * 04:00 is as much one as at noon). Chosen over letting the likelihood
 * pick 0, 0.5 or 1 per series, which mostly picked absolute errors (model
 * misfit at the busy hours dominates them) and so missed the night's
 * outages: bench/forecast, z = 4, 6 series: precision 0.86 recall 1.00
 * relative, 0.60 / 0.88 by likelihood. Else the sd is absolute (0).
 * sigma is robust: a trimmed root mean square of e / f^k (the largest 5%
 * left out, scaled back to a normal's sd), so the anomalies a training
 * window holds do not widen the interval meant to catch the next ones,
 * and a mostly idle series (most errors zero) keeps a real width. */
struct fc_err_acc {
	double *e, *f;  /* errors and forecasts, grown as added */
	unsigned n, cap;
	int nonpos;     /* a forecast <= 0: only k = 0 is defined */
	int nomem;
	/* Where finish copies the forecasts: onestep[t0 + i] = f[i], the
	 * first t0 of n_total NAN. NULL: nowhere. */
	double *onestep;
	unsigned t0, n_total;
};
void fc_err_add(struct fc_err_acc *a, double e, double f);
/* Sets p->sigma and p->sd_power, fills onestep, and frees the arrays.
 * -ENOMEM if an add could not grow them (nothing set). */
int fc_err_finish(struct fc_err_acc *a, struct fc_part *p);

/* The sum of e[from..n)^2, the fitters' objective; adds each of those
 * errors, against its forecast y - e, to acc (may be NULL). */
double fc_sse(const double *y, const double *e, unsigned from, unsigned n, struct fc_err_acc *acc);

/* The fitters behind fc_fit_onestep (onestep may be NULL). */
int fc_fit_hw(const struct fc_spec *s, const double *y, unsigned n, struct fc_part *out,
	      double *onestep);
int fc_fit_sarima(const struct fc_spec *s, const double *y, unsigned n, struct fc_part *out,
		  double *onestep);

#endif
