/* Fitting and backtesting forecasters (see fc_fit.h).
 *
 * DESIGN
 * Holt-Winters is the classical additive Winters form (the seasonal update
 * uses the new level, y_t - l_t). Its initial state sits just before y[0]:
 * level = mean of season 1, trend = (mean of season 2 - mean of season 1)/m,
 * seasonal[i] = y[i] - level. The recursion then runs over all n points.
 * Because the initial seasonals are read off y[0..m-1], the one-step errors
 * of the first season are artificially small and reward parameters that
 * merely keep the initialisation; the objective and resid_sd therefore use
 * the errors from t = m on.
 *
 * alpha, beta, gamma are fitted with GSL's nmsimplex2 in logit space, so
 * the simplex is unconstrained while the model stays inside (0,1). The SSE
 * surface has distinct local minima, so a 48-point grid picks the two best
 * starting points and the simplex refines both (bounded iterations). One
 * evaluation is a single O(n) pass with no allocation: the seasonal
 * terms live in a ring of m slots. The objective is always finite because
 * GSL's default error handler aborts on a non-finite function value.
 *
 * resid_sd is the root mean square of the errors, not centred: a biased
 * model (seasonal naive on a trend) should get wider intervals, not a
 * narrow interval around the wrong value. */
#include "fc_fit.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_vector.h>

#define HW_MAX_ITER 300  /* per start; 3 parameters usually converge in < 150 */
#define HW_SIZE_TOL 1e-3 /* simplex size in logit units: < 3e-4 in (0,1) */
#define HW_P_MIN 1e-6    /* keeps logistic() off 0 and 1 once exp() saturates */
#define HW_SSE_CAP 1e300 /* stand-in for an overflowed (unstable) recursion */
#define HW_STALL_ITER 40 /* ~13 simplex moves per dimension without progress */
#define HW_STALL_REL 1e-9 /* relative SSE gain that still counts as progress */

struct hw_state {
	double level, trend;
	double seasonal[FC_MAX_SEASON]; /* ring: slot t % m holds s_{t-m} */
};

/* NULL y, a season outside 1..FC_MAX_SEASON, n < 2*season or a non-finite
 * point is -EINVAL. */
static int check_series(const double *y, unsigned n, unsigned m)
{
	if (!y || m < 1 || m > FC_MAX_SEASON || n < 2 * m)
		return -EINVAL;
	for (unsigned t = 0; t < n; t++)
		if (!isfinite(y[t]))
			return -EINVAL;
	return 0;
}

static double mean(const double *x, unsigned n)
{
	double s = 0.0;
	for (unsigned i = 0; i < n; i++)
		s += x[i];
	return s / n;
}

/* State before y[0], from the first two seasons (n >= 2m is checked). */
static void hw_init(const double *y, unsigned m, struct hw_state *st)
{
	st->level = mean(y, m);
	st->trend = (mean(y + m, m) - st->level) / m;
	for (unsigned i = 0; i < m; i++)
		st->seasonal[i] = y[i] - st->level;
}

/* Runs the recursion from init over y[0..n-1], leaving the final state in
 * *st (seasonal still as a ring, next slot n % m). Returns the sum of
 * squared one-step errors for t >= m. */
static double hw_run(const double *y, unsigned n, unsigned m, const struct hw_state *init,
		     double a, double b, double g, double phi, struct hw_state *st)
{
	double l = init->level, tr = init->trend, sse = 0.0;
	double *s = st->seasonal;
	unsigned j = 0; /* t % m without a division per step */

	memcpy(s, init->seasonal, m * sizeof(double));
	for (unsigned t = 0; t < n; t++) {
		double s_old = s[j];
		double e = y[t] - (l + phi * tr + s_old);
		if (t >= m)
			sse += e * e;
		double l_new = a * (y[t] - s_old) + (1.0 - a) * (l + phi * tr);
		tr = b * (l_new - l) + (1.0 - b) * phi * tr;
		s[j] = g * (y[t] - l_new) + (1.0 - g) * s_old;
		l = l_new;
		if (++j == m)
			j = 0;
	}
	st->level = l;
	st->trend = tr;
	return sse;
}

/* Final HW model from fixed parameters; the series is already checked. */
static void hw_model(const double *y, unsigned n, unsigned m, const struct hw_state *init,
		     double a, double b, double g, struct fc_model *out)
{
	struct hw_state st;
	double sse = hw_run(y, n, m, init, a, b, g, 1.0, &st);

	memset(out, 0, sizeof(*out));
	out->kind = FC_HOLT_WINTERS;
	out->season = m;
	out->alpha = a;
	out->beta = b;
	out->gamma = g;
	out->phi = 1.0;
	out->level = st.level;
	out->trend = st.trend;
	/* Training point n-m+i sits in ring slot (n-m+i) % m = (n%m + i) % m. */
	for (unsigned i = 0; i < m; i++)
		out->seasonal[i] = st.seasonal[(n % m + i) % m];
	out->resid_sd = sqrt(sse / (n - m));
}

int fc_fit_fixed(const double *y, unsigned n, unsigned season,
		 double alpha, double beta, double gamma, struct fc_model *out)
{
	assert(out);
	int rc = check_series(y, n, season);
	if (rc < 0)
		return rc;
	/* Written as "inside" so that NaN fails too. */
	if (!(alpha >= 0.0 && alpha <= 1.0 && beta >= 0.0 && beta <= 1.0 &&
	      gamma >= 0.0 && gamma <= 1.0))
		return -EINVAL;

	struct hw_state init;
	hw_init(y, season, &init);
	hw_model(y, n, season, &init, alpha, beta, gamma, out);
	return 0;
}

struct hw_objective_ctx {
	const double *y;
	unsigned n, m;
	const struct hw_state *init;
	struct hw_state scratch;
};

static double logistic(double x)
{
	double p = 1.0 / (1.0 + exp(-x));
	return fmin(fmax(p, HW_P_MIN), 1.0 - HW_P_MIN);
}

static double logit(double p)
{
	return log(p / (1.0 - p));
}

static double hw_objective(const gsl_vector *x, void *arg)
{
	struct hw_objective_ctx *c = arg;
	double sse = hw_run(c->y, c->n, c->m, c->init, logistic(gsl_vector_get(x, 0)),
			    logistic(gsl_vector_get(x, 1)), logistic(gsl_vector_get(x, 2)),
			    1.0, &c->scratch);
	return sse < HW_SSE_CAP ? sse : HW_SSE_CAP; /* also catches NaN */
}

/* One bounded Nelder-Mead run from x (logit space); x receives the best
 * point and the return value its SSE. Besides the simplex size, stops when
 * the best value has not moved for HW_STALL_ITER iterations: past the
 * clamp in logistic() the objective is flat and the simplex would wander
 * there without shrinking. */
static double nm_run(gsl_multimin_fminimizer *s, gsl_multimin_function *fn,
		     gsl_vector *x, const gsl_vector *step, double floor)
{
	if (gsl_multimin_fminimizer_set(s, fn, x, step) != GSL_SUCCESS)
		return HW_SSE_CAP; /* unreachable: the objective is finite */
	double ref = gsl_multimin_fminimizer_minimum(s);
	int stall = 0;
	for (int it = 0; it < HW_MAX_ITER; it++) {
		if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS)
			break;
		if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), HW_SIZE_TOL) ==
		    GSL_SUCCESS)
			break;
		double f = gsl_multimin_fminimizer_minimum(s);
		if (f < ref - (HW_STALL_REL * ref + floor)) {
			ref = f;
			stall = 0;
		} else if (++stall >= HW_STALL_ITER) {
			break;
		}
	}
	gsl_vector_memcpy(x, gsl_multimin_fminimizer_x(s));
	return gsl_multimin_fminimizer_minimum(s);
}

/* Series already checked. The SSE surface has separate local minima (e.g.
 * "level adapts" vs "season adapts"), so a coarse grid picks the two best
 * starting points and the simplex refines each. -ENOMEM if GSL cannot
 * allocate (only reachable when the caller has turned GSL's aborting error
 * handler off). */
static int hw_fit(const double *y, unsigned n, unsigned m, struct fc_model *out)
{
	static const double ga[] = { 0.05, 0.2, 0.5, 0.8 };
	static const double gb[] = { 0.001, 0.02, 0.2 };
	static const double gg[] = { 0.05, 0.3, 0.7, 0.95 };
	struct hw_objective_ctx ctx = { .y = y, .n = n, .m = m };
	struct hw_state init;
	double cand[2][4] = { { INFINITY }, { INFINITY } }; /* sse, x0, x1, x2 */
	double xbuf[3], stepbuf[3] = { 1.0, 1.0, 1.0 }; /* ~0.2 in p near 0.5 */
	double best_x[3], best, ysq = 0.0;
	gsl_vector_view x = gsl_vector_view_array(xbuf, 3);
	gsl_vector_view step = gsl_vector_view_array(stepbuf, 3);
	gsl_multimin_function fn = { .f = hw_objective, .n = 3, .params = &ctx };
	gsl_multimin_fminimizer *s;

	hw_init(y, m, &init);
	ctx.init = &init;
	for (unsigned t = 0; t < n; t++)
		ysq += y[t] * y[t];

	for (unsigned i = 0; i < sizeof(ga) / sizeof(ga[0]); i++)
		for (unsigned j = 0; j < sizeof(gb) / sizeof(gb[0]); j++)
			for (unsigned k = 0; k < sizeof(gg) / sizeof(gg[0]); k++) {
				xbuf[0] = logit(ga[i]);
				xbuf[1] = logit(gb[j]);
				xbuf[2] = logit(gg[k]);
				double f = hw_objective(&x.vector, &ctx);
				unsigned slot = f < cand[0][0] ? 0 : f < cand[1][0] ? 1 : 2;
				if (slot == 0)
					memcpy(cand[1], cand[0], sizeof(cand[0]));
				if (slot < 2) {
					cand[slot][0] = f;
					memcpy(&cand[slot][1], xbuf, sizeof(xbuf));
				}
			}

	s = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, 3);
	if (!s)
		return -ENOMEM;
	best = cand[0][0];
	memcpy(best_x, &cand[0][1], sizeof(best_x));
	for (unsigned c = 0; c < 2; c++) {
		memcpy(xbuf, &cand[c][1], sizeof(xbuf));
		/* SSE changes below 1e-15 of sum(y^2) are rounding noise. */
		double f = nm_run(s, &fn, &x.vector, &step.vector, 1e-15 * ysq);
		if (f < best) {
			best = f;
			memcpy(best_x, xbuf, sizeof(best_x));
		}
	}
	gsl_multimin_fminimizer_free(s);

	hw_model(y, n, m, &init, logistic(best_x[0]), logistic(best_x[1]),
		 logistic(best_x[2]), out);
	return 0;
}

/* State = last season; level holds its mean, which fc_forecast falls back
 * to if a seasonal value is ever non-finite. */
static void sn_fit(const double *y, unsigned n, unsigned m, struct fc_model *out)
{
	double sse = 0.0;
	for (unsigned t = m; t < n; t++) {
		double e = y[t] - y[t - m];
		sse += e * e;
	}
	memset(out, 0, sizeof(*out));
	out->kind = FC_SEASONAL_NAIVE;
	out->season = m;
	out->phi = 1.0;
	memcpy(out->seasonal, y + n - m, m * sizeof(double));
	out->level = mean(y + n - m, m);
	out->resid_sd = sqrt(sse / (n - m));
}

/* Writes *out only on success. */
int fc_fit(enum fc_kind kind, const double *y, unsigned n, unsigned season,
	   struct fc_model *out)
{
	assert(out);
	int rc = check_series(y, n, season);
	if (rc < 0)
		return rc;

	struct fc_model m;
	switch (kind) {
	case FC_SEASONAL_NAIVE:
		sn_fit(y, n, season, &m);
		break;
	case FC_HOLT_WINTERS:
		rc = hw_fit(y, n, season, &m);
		if (rc < 0)
			return rc;
		break;
	default:
		return -EINVAL;
	}
	*out = m;
	return 0;
}

/* Uses as many of the requested folds as the series allows (each training
 * prefix needs 2*season points); out->n says how many points were scored.
 * horizon or folds of 0 is -EINVAL, as is an unknown kind. */
int fc_backtest(enum fc_kind kind, const double *y, unsigned n, unsigned season,
		unsigned horizon, unsigned folds, struct fc_metrics *out)
{
	assert(out);
	if (kind != FC_SEASONAL_NAIVE && kind != FC_HOLT_WINTERS)
		return -EINVAL;
	if (horizon == 0 || folds == 0 || check_series(y, n, season) < 0)
		return -EINVAL;
	if (n - 2 * season < horizon) /* n >= 2*season was checked */
		return -EINVAL;
	unsigned max_folds = (n - 2 * season) / horizon;
	if (folds > max_folds)
		folds = max_folds;

	double sum_abs = 0.0, sum_sq = 0.0;
	unsigned scored = 0;
	for (unsigned k = folds; k >= 1; k--) {
		unsigned origin = n - k * horizon;
		struct fc_model m;
		int rc = fc_fit(kind, y, origin, season, &m);
		if (rc < 0)
			return rc;
		for (unsigned h = 1; h <= horizon; h++) {
			double e = y[origin + h - 1] - fc_forecast(&m, h);
			sum_abs += fabs(e);
			sum_sq += e * e;
		}
		scored += horizon;
	}
	out->mae = sum_abs / scored;
	out->rmse = sqrt(sum_sq / scored);
	out->n = scored;
	return 0;
}
