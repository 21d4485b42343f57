/* Fitting dispatch, seasonal naive, backtests and scores (see fc_fit.h). */
#include "fc_fit.h"
#include "fc_fit_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double fc_mean(const double *x, unsigned n)
{
	double s = 0.0;
	for (unsigned i = 0; i < n; i++)
		s += x[i];
	return s / n;
}

double fc_sumsq(const double *x, unsigned n)
{
	double s = 0.0;
	for (unsigned i = 0; i < n; i++)
		s += x[i] * x[i];
	return s;
}

int fc_check_series(const double *y, unsigned n, unsigned min)
{
	if (!y || min == 0 || n < min)
		return -EINVAL;
	for (unsigned t = 0; t < n; t++)
		if (!isfinite(y[t]))
			return -EINVAL;
	return 0;
}

void fc_err_add(struct fc_err_acc *a, double e, double f)
{
	if (a->n == a->cap) {
		unsigned cap = a->cap ? 2 * a->cap : 256;
		double *ne = realloc(a->e, cap * sizeof(double)), *nf = ne ? realloc(a->f, cap * sizeof(double)) : NULL;
		if (ne)
			a->e = ne;
		if (nf)
			a->f = nf;
		if (!ne || !nf) {
			a->nomem = 1;
			return;
		}
		a->cap = cap;
	}
	a->e[a->n] = e;
	a->f[a->n++] = f;
	a->nonpos |= !(f > 0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double fc_median(double *x, unsigned n)
{
	qsort(x, n, sizeof(double), cmp_double);
	return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

/* The sd of e[i] / f[i]^k (k 0 or 1) from the 95% smallest in size: the
 * root mean square of those, over the fraction of a normal's variance
 * within +-1.96 sd (0.75884). Unlike the MAD it does not collapse when
 * most errors are zero (idle hours). tmp is scratch of n doubles. */
static double robust_sd(const double *e, const double *f, double k, unsigned n, double *tmp)
{
	unsigned keep = n - n / 20, i;
	double ss = 0.0;

	for (i = 0; i < n; i++)
		tmp[i] = fabs(k > 0 ? e[i] / f[i] : e[i]);
	fc_median(tmp, n); /* sorts tmp */
	for (i = 0; i < keep; i++)
		ss += tmp[i] * tmp[i];
	return keep ? sqrt(ss / keep / 0.75884) : 0.0;
}

double fc_sse(const double *y, const double *e, unsigned from, unsigned n, struct fc_err_acc *acc)
{
	double sse = 0.0;

	for (unsigned t = from; t < n; t++) {
		sse += e[t] * e[t];
		if (acc)
			fc_err_add(acc, e[t], y[t] - e[t]);
	}
	return sse;
}

int fc_err_finish(struct fc_err_acc *a, struct fc_part *p)
{
	double *tmp = a->n ? malloc(a->n * sizeof(double)) : NULL;
	int rc = 0;

	for (unsigned t = 0; a->onestep && t < a->n_total; t++)
		a->onestep[t] = t >= a->t0 && t - a->t0 < a->n ? a->f[t - a->t0] : NAN;
	if (a->nomem || (a->n && !tmp)) {
		rc = -ENOMEM;
	} else {
		p->sd_power = a->nonpos ? 0.0 : 1.0;
		p->sigma = a->n ? robust_sd(a->e, a->f, p->sd_power, a->n, tmp) : 0.0;
	}
	free(tmp);
	free(a->e);
	free(a->f);
	a->e = a->f = NULL;
	a->n = a->cap = 0;
	return rc;
}

unsigned fc_min_points(const struct fc_spec *s)
{
	switch (s->kind) {
	case FC_SEASONAL_NAIVE:
		return s->season + 1;
	case FC_HW_ADDITIVE:
	case FC_HW_MULTIPLICATIVE:
		return 2 * (s->season2 ? s->season2 : s->season);
	case FC_SARIMA:
		return 2 * s->season + 8;
	}
	return 0;
}

/* The last season is the state; sigma is from the in-sample errors of
 * repeating the season before. */
static int sn_fit(const struct fc_spec *s, const double *y, unsigned n, struct fc_part *out,
		  double *onestep)
{
	uint32_t m = s->season;
	struct fc_err_acc acc = {.onestep = onestep, .t0 = m, .n_total = n};

	if (s->season2 != 0 || fc_part_nstate(FC_SEASONAL_NAIVE, m, 0) == 0)
		return -EINVAL;
	int rc = fc_check_series(y, n, fc_min_points(s));
	if (rc < 0)
		return rc;
	for (unsigned t = m; t < n; t++)
		fc_err_add(&acc, y[t] - y[t - m], y[t - m]);
	memset(out, 0, sizeof(*out));
	out->kind = FC_SEASONAL_NAIVE;
	out->season = m;
	memcpy(out->state, y + n - m, m * sizeof(double));
	out->level = fc_mean(y + n - m, m);
	return fc_err_finish(&acc, out);
}

int fc_fit_onestep(const struct fc_spec *s, const double *y, unsigned n, struct fc_part *out,
		   double *onestep)
{
	switch (s->kind) {
	case FC_SEASONAL_NAIVE:
		return sn_fit(s, y, n, out, onestep);
	case FC_HW_ADDITIVE:
	case FC_HW_MULTIPLICATIVE:
		return fc_fit_hw(s, y, n, out, onestep);
	case FC_SARIMA:
		return fc_fit_sarima(s, y, n, out, onestep);
	}
	return -EINVAL;
}

int fc_fit(const struct fc_spec *s, const double *y, unsigned n, struct fc_part *out)
{
	return fc_fit_onestep(s, y, n, out, NULL);
}

double fc_mase_scale(const double *y, unsigned n, unsigned m)
{
	double sum = 0.0;

	if (!y || m == 0 || n <= m)
		return 0.0;
	for (unsigned t = m; t < n; t++)
		sum += fabs(y[t] - y[t - m]);
	return isfinite(sum) ? sum / (n - m) : 0.0;
}

void fc_score(const double *y, const double *f, unsigned n, double scale, struct fc_metrics *out)
{
	double sa = 0.0, sq = 0.0, sp = 0.0;
	unsigned np = 0;

	for (unsigned i = 0; i < n; i++) {
		double e = y[i] - f[i];
		sa += fabs(e);
		sq += e * e;
		if (y[i] != 0) {
			sp += fabs(e / y[i]);
			np++;
		}
	}
	out->n = n;
	out->mae = n ? sa / n : NAN;
	out->rmse = n ? sqrt(sq / n) : NAN;
	out->mape = np ? 100.0 * sp / np : NAN;
	out->mase = scale > 0 ? out->mae / scale : NAN;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int fc_backtest(const struct fc_spec *s, const double *y, unsigned n, unsigned horizon,
		unsigned folds, double scale, double *fcst, unsigned *folds_used,
		struct fc_metrics *out)
{
	unsigned min = fc_min_points(s);

	if (horizon == 0 || folds == 0 || min == 0 || !y || n < min + horizon)
		return -EINVAL;
	if (folds > (n - min) / horizon)
		folds = (n - min) / horizon;

	struct fc_model *m = calloc(1, sizeof(*m));
	double *f = malloc((size_t)folds * horizon * sizeof(double));
	if (!m || !f) {
		free(m);
		free(f);
		return -ENOMEM;
	}
	double t0 = now_s(), fit_s = 0.0;
	int rc = 0;
	m->n_parts = 1;
	for (unsigned k = 0; k < folds && rc == 0; k++) {
		unsigned origin = n - (folds - k) * horizon;
		t0 = now_s();
		rc = fc_fit(s, y, origin, &m->part[0]);
		fit_s += now_s() - t0;
		if (rc == 0)
			rc = fc_path(m, horizon, f + (size_t)k * horizon, NULL);
	}
	if (rc == 0) {
		fc_score(y + n - folds * horizon, f, folds * horizon, scale, out);
		out->fit_s = fit_s;
		if (fcst)
			memcpy(fcst, f, (size_t)folds * horizon * sizeof(double));
		if (folds_used)
			*folds_used = folds;
	}
	free(m);
	free(f);
	return rc;
}
