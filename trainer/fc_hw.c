/* Fitting Holt-Winters: additive or multiplicative, with no, additive or
 * damped trend, and one or two seasons (Taylor's double seasonal form).
 *
 * DESIGN
 * The state before y[0]: level = mean of y[0..L) (L the longest season),
 * trend = (mean of y[L..2L) - level) / L (0 with no trend). The seasonal
 * terms are medians over every whole L-cycle of the data, each point taken
 * against its cycle's mean: the first season's term i over every day's
 * point i, the second's (a week) over every week's point j less the first
 * season's term. Reading them off the first cycle alone would make an
 * outage in the first week part of the weekly profile for weeks; the
 * median ignores it. Multiplicative seasons are the same as ratios. The recursion is
 * fc_part_run, which is fc_part_update over many points, so what is
 * fitted is exactly what runs live.
 *
 * Because the initial seasonals are read off y[0..L), the one-step errors
 * of the first L points are artificially small and reward parameters that
 * merely keep the initialisation; the objective and sigma therefore use
 * the errors from t = L on.
 *
 * Free parameters go through maps that keep them in range whatever the
 * simplex does: logistic into (0,1) for alpha, beta / alpha, gamma,
 * delta, and [0.8, 0.98] for phi (statsmodels' default bounds). beta <=
 * alpha is the usual admissible region (Hyndman et al.): a trend that
 * learns faster than the level follows the last few hours' slope, and on
 * a week's horizon took hourly traffic to a seventh of what came. sigma comes from
 * the same errors (fc_err_finish: robust, scaled to the level), not
 * centred: a biased model should get wider intervals, not a narrow
 * interval around the wrong value. */
#include "fc_fit.h"
#include "fc_fit_internal.h"
#include "fc_optim.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define P_MIN 1e-6 /* keeps logistic() off 0 and 1 once exp() saturates */
#define PHI_LO 0.8
#define PHI_HI 0.98

static double logistic(double x)
{
	double p = 1.0 / (1.0 + exp(-x));
	return fmin(fmax(p, P_MIN), 1.0 - P_MIN);
}

static double logit(double p)
{
	return log(p / (1.0 - p));
}

static uint32_t longest(const struct fc_spec *s)
{
	return s->season2 ? s->season2 : s->season;
}

/* y[k L + j] against its cycle's mean: a difference or a ratio. */
static double detrended(const double *y, const double *cycle_mean, uint32_t L, size_t t, int add)
{
	double c = cycle_mean[t / L];
	return add ? y[t] - c : y[t] / c;
}

/* The state before y[0] (n >= 2L is checked by the caller); the seasonal
 * profiles are medians over every whole cycle of y. -ENOMEM. */
static int hw_init(const struct fc_spec *s, const double *y, unsigned n, struct fc_part *p)
{
	uint32_t m = s->season, L = longest(s), days = L / m, K = n / L;
	int add = s->kind == FC_HW_ADDITIVE;
	double *cm = malloc(K * sizeof(double)), *v = malloc((size_t)K * days * sizeof(double));

	if (!cm || !v) {
		free(cm);
		free(v);
		return -ENOMEM;
	}
	for (uint32_t k = 0; k < K; k++)
		cm[k] = fc_mean(y + (size_t)k * L, L);
	p->level = cm[0];
	p->trend = s->trend == FC_TREND_NONE ? 0.0 : (cm[1] - cm[0]) / L;
	for (uint32_t i = 0; i < m; i++) {
		for (size_t r = 0; r < (size_t)K * days; r++)
			v[r] = detrended(y, cm, L, r * m + i, add);
		p->state[i] = fc_median(v, K * days);
	}
	for (uint32_t j = 0; s->season2 && j < L; j++) {
		for (uint32_t k = 0; k < K; k++)
			v[k] = detrended(y, cm, L, (size_t)k * L + j, add);
		double med = fc_median(v, K);
		p->state[m + j] = add ? med - p->state[j % m] : med / p->state[j % m];
	}
	free(cm);
	free(v);
	p->pos = 0;
	return 0;
}

struct hw_ctx {
	const struct fc_spec *s;
	const double *y;
	unsigned n;
	struct fc_part init, run;
	double *e;                   /* n one-step errors of the last run */
	double fixed[FC_HW_NPARAMS]; /* values of the parameters not being fitted */
	int free_idx[FC_HW_NPARAMS]; /* which params x[] maps to */
	unsigned dim;
};

/* Runs the recursion from the initial state; returns the SSE after L,
 * and adds those errors to acc (may be NULL). */
static double hw_sse(struct hw_ctx *c, const double *params, struct fc_err_acc *acc)
{
	/* Only the header and the used slots: the state array is large. */
	memcpy(&c->run, &c->init, offsetof(struct fc_part, state));
	memcpy(c->run.state, c->init.state, (c->s->season + c->s->season2) * sizeof(double));
	memcpy(c->run.params, params, FC_HW_NPARAMS * sizeof(double));
	fc_part_run(&c->run, c->y, c->n, c->e);
	return fc_sse(c->y, c->e, longest(c->s), c->n, acc);
}

static void hw_params(const struct hw_ctx *c, const double *x, double *params)
{
	memcpy(params, c->fixed, sizeof(c->fixed));
	for (unsigned i = 0; i < c->dim; i++) {
		int k = c->free_idx[i];
		params[k] = k == FC_HW_PHI ? PHI_LO + (PHI_HI - PHI_LO) * logistic(x[i]) : logistic(x[i]);
	}
	params[FC_HW_BETA] *= params[FC_HW_ALPHA]; /* x maps to beta / alpha */
}

static double hw_objective(const double *x, void *arg)
{
	struct hw_ctx *c = arg;
	double params[FC_HW_NPARAMS];

	hw_params(c, x, params);
	return hw_sse(c, params, NULL);
}

static int hw_check(const struct fc_spec *s, const double *y, unsigned n)
{
	if ((s->kind != FC_HW_ADDITIVE && s->kind != FC_HW_MULTIPLICATIVE) ||
	    fc_part_nstate(s->kind, s->season, s->season2) == 0 || s->trend > FC_TREND_DAMPED)
		return -EINVAL;
	int rc = fc_check_series(y, n, fc_min_points(s));
	if (rc == 0 && s->kind == FC_HW_MULTIPLICATIVE)
		for (unsigned t = 0; t < n; t++)
			if (!(y[t] > 0.0))
				return -EINVAL;
	return rc;
}

static int hw_setup(const struct fc_spec *s, const double *y, unsigned n, struct hw_ctx *c)
{
	memset(&c->init, 0, offsetof(struct fc_part, state));
	c->s = s;
	c->y = y;
	c->n = n;
	c->init.kind = s->kind;
	c->init.season = s->season;
	c->init.season2 = s->season2;
	c->e = malloc(n * sizeof(double));
	return c->e ? hw_init(s, y, n, &c->init) : -ENOMEM;
}

static void hw_free(struct hw_ctx *c)
{
	if (c)
		free(c->e);
	free(c);
}

/* The final part from the initial state and parameters: run over all of y,
 * with sigma from the errors after L. */
static int hw_finish(struct hw_ctx *c, const double *params, struct fc_part *out, double *onestep)
{
	struct fc_err_acc acc = {.onestep = onestep, .t0 = longest(c->s), .n_total = c->n};

	hw_sse(c, params, &acc);
	*out = c->run;
	return fc_err_finish(&acc, out);
}

int fc_fit_hw_fixed(const struct fc_spec *s, const double *y, unsigned n,
		    const double params[FC_HW_NPARAMS], struct fc_part *out)
{
	int rc = hw_check(s, y, n);

	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < FC_HW_NPARAMS; i++)
		if (!(params[i] >= 0.0 && params[i] <= 1.0))
			return -EINVAL;
	struct hw_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	rc = hw_setup(s, y, n, c);
	if (rc == 0)
		rc = hw_finish(c, params, out, NULL);
	hw_free(c);
	return rc;
}

int fc_fit_hw(const struct fc_spec *s, const double *y, unsigned n, struct fc_part *out,
	      double *onestep)
{
	static const double ga[] = {0.05, 0.2, 0.5, 0.8};
	static const double gb[] = {0.001, 0.02, 0.2};
	static const double gg[] = {0.05, 0.3, 0.7, 0.95};
	static const double gd[] = {0.05, 0.3};
	static const double gp[] = {0.85, 0.95};
	const double *grid_p[FC_OPTIM_MAX_DIM];
	double grid_x[FC_HW_NPARAMS][4], x[FC_OPTIM_MAX_DIM], params[FC_HW_NPARAMS];
	unsigned grid_n[FC_OPTIM_MAX_DIM];
	int rc = hw_check(s, y, n);

	if (rc < 0)
		return rc;
	struct hw_ctx *c = calloc(1, sizeof(*c)); /* two parts: too big for a stack */
	if (!c)
		return -ENOMEM;
	rc = hw_setup(s, y, n, c);
	if (rc < 0) {
		hw_free(c);
		return rc;
	}
	c->fixed[FC_HW_ALPHA] = c->fixed[FC_HW_GAMMA] = 0.0;
	c->fixed[FC_HW_BETA] = c->fixed[FC_HW_DELTA] = 0.0;
	c->fixed[FC_HW_PHI] = 1.0;
	c->dim = 0;

	const struct { int idx; const double *v; unsigned n; int on; } free_params[] = {
		{FC_HW_ALPHA, ga, 4, 1},
		{FC_HW_BETA, gb, 3, s->trend != FC_TREND_NONE},
		{FC_HW_GAMMA, gg, 4, 1},
		{FC_HW_DELTA, gd, 2, s->season2 != 0},
		{FC_HW_PHI, gp, 2, s->trend == FC_TREND_DAMPED},
	};
	for (unsigned i = 0; i < sizeof(free_params) / sizeof(free_params[0]); i++) {
		if (!free_params[i].on)
			continue;
		unsigned d = c->dim++;
		c->free_idx[d] = free_params[i].idx;
		for (unsigned j = 0; j < free_params[i].n; j++) {
			double v = free_params[i].v[j];
			grid_x[d][j] = free_params[i].idx == FC_HW_PHI ?
					       logit((v - PHI_LO) / (PHI_HI - PHI_LO)) : logit(v);
		}
		grid_p[d] = grid_x[d];
		grid_n[d] = free_params[i].n;
	}
	/* SSE changes below 1e-15 of sum(y^2) are rounding noise. */
	double v = fc_minimize(hw_objective, c, c->dim, grid_p, grid_n, 1e-15 * fc_sumsq(y, n), x);
	if (v < 0) {
		hw_free(c);
		return (int)v;
	}
	hw_params(c, x, params);
	rc = hw_finish(c, params, out, onestep);
	hw_free(c);
	return rc;
}
