/* Fitting seasonal ARIMA (p,d,q)(0,D,Q)_m by conditional sum of squares.
 *
 * DESIGN
 * The first m+3 points fill the model's history with errors taken as zero
 * (the "conditional" in CSS); from there fc_part_run runs the exact
 * recursion that will run live, and the coefficients minimise the sum of
 * its squared one-step errors. The mean c of the differenced series is
 * fixed at its sample mean when there is no ordinary difference (with
 * d = 1 a constant would be a quadratic trend), which leaves at most four
 * free coefficients. Maps keep them admissible whatever the simplex does:
 * AR(2) through partial autocorrelations r = tanh(x) (a1 = r1 (1 - r2),
 * a2 = r2: the stationary triangle), MA terms through tanh (invertible). */
#include "fc_fit.h"
#include "fc_fit_internal.h"
#include "fc_optim.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define R_MAX 0.999 /* |partial autocorrelation| and |MA| stay inside */

struct ar_ctx {
	const struct fc_spec *s;
	const double *y;
	unsigned n;
	struct fc_part init, run;
	double *e; /* n one-step errors of the last run, from the history on */
	int free_idx[4];
	unsigned dim;
};

static double clamp_r(double x)
{
	double r = tanh(x);
	return fmin(fmax(r, -R_MAX), R_MAX);
}

static uint32_t history(const struct fc_spec *s)
{
	return s->season + 3;
}

static int ar_check(const struct fc_spec *s, const double *y, unsigned n)
{
	if (s->kind != FC_SARIMA || s->season2 != 0 || fc_part_nstate(s->kind, s->season, 0) == 0 ||
	    s->p > 2 || s->d > 1 || s->q > 1 || s->sd > 1 || s->sq > 1)
		return -EINVAL;
	return fc_check_series(y, n, fc_min_points(s));
}

/* The part after the first m+3 points, and c. -ENOMEM. */
static int ar_setup(const struct fc_spec *s, const double *y, unsigned n, struct ar_ctx *c)
{
	uint32_t m = s->season, r = history(s), t0 = s->d + s->sd * m;
	double sum = 0.0;

	c->s = s;
	c->y = y;
	c->n = n;
	c->init.kind = FC_SARIMA;
	c->init.season = m;
	c->init.params[FC_AR_D] = s->d;
	c->init.params[FC_AR_SD] = s->sd;
	if (s->d == 0) {
		for (unsigned t = t0; t < n; t++)
			sum += y[t] - (s->sd ? y[t - m] : 0.0); /* t < m when sd = 0 */
		c->init.params[FC_AR_C] = sum / (n - t0);
	}
	memcpy(c->init.state, y, r * sizeof(double)); /* errors stay 0 */
	c->init.pos = 0;
	c->e = malloc(n * sizeof(double));
	return c->e ? 0 : -ENOMEM;
}

static void ar_free(struct ar_ctx *c)
{
	if (c)
		free(c->e);
	free(c);
}

/* The SSE of the one-step errors after the history; adds them to acc
 * (may be NULL). */
static double ar_sse(struct ar_ctx *c, const double *params, struct fc_err_acc *acc)
{
	uint32_t r = history(c->s);

	memcpy(&c->run, &c->init, offsetof(struct fc_part, state));
	memcpy(c->run.state, c->init.state, 2 * r * sizeof(double));
	memcpy(c->run.params + FC_AR_1, params + FC_AR_1, 4 * sizeof(double));
	fc_part_run(&c->run, c->y + r, c->n - r, c->e + r);
	return fc_sse(c->y, c->e, r, c->n, acc);
}

static void ar_params(const struct ar_ctx *c, const double *x, double *params)
{
	memset(params, 0, FC_AR_NPARAMS * sizeof(double));
	for (unsigned i = 0; i < c->dim; i++)
		params[c->free_idx[i]] = clamp_r(x[i]);
	if (c->s->p == 2) { /* partial autocorrelations to coefficients */
		double r1 = params[FC_AR_1], r2 = params[FC_AR_2];
		params[FC_AR_1] = r1 * (1.0 - r2);
	}
}

static double ar_objective(const double *x, void *arg)
{
	struct ar_ctx *c = arg;
	double params[FC_AR_NPARAMS];

	ar_params(c, x, params);
	return ar_sse(c, params, NULL);
}

static int ar_finish(struct ar_ctx *c, const double *params, struct fc_part *out, double *onestep)
{
	struct fc_err_acc acc = {.onestep = onestep, .t0 = history(c->s), .n_total = c->n};

	ar_sse(c, params, &acc);
	*out = c->run;
	return fc_err_finish(&acc, out);
}

int fc_fit_sarima_fixed(const struct fc_spec *s, const double *y, unsigned n,
			const double params[FC_AR_NPARAMS], struct fc_part *out)
{
	int rc = ar_check(s, y, n);

	if (rc < 0)
		return rc;
	if (!(fabs(params[FC_AR_2]) < 1 && fabs(params[FC_AR_1]) < 1 - params[FC_AR_2] &&
	      fabs(params[FC_AR_MA1]) <= 1 && fabs(params[FC_AR_SMA1]) <= 1))
		return -EINVAL;
	struct ar_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	rc = ar_setup(s, y, n, c);
	if (rc == 0)
		rc = ar_finish(c, params, out, NULL);
	ar_free(c);
	return rc;
}

int fc_fit_sarima(const struct fc_spec *s, const double *y, unsigned n, struct fc_part *out,
		  double *onestep)
{
	static const double g3[] = {-0.5, 0.0, 0.5};
	const double *grid_p[FC_OPTIM_MAX_DIM];
	double grid_x[4][3], x[FC_OPTIM_MAX_DIM], params[FC_AR_NPARAMS];
	unsigned grid_n[FC_OPTIM_MAX_DIM];
	int rc = ar_check(s, y, n);

	if (rc < 0)
		return rc;
	struct ar_ctx *c = calloc(1, sizeof(*c)); /* two parts: too big for a stack */
	if (!c)
		return -ENOMEM;
	rc = ar_setup(s, y, n, c);
	if (rc < 0) {
		ar_free(c);
		return rc;
	}
	const struct { int idx, on; } free_params[] = {
		{FC_AR_1, s->p >= 1}, {FC_AR_2, s->p == 2}, {FC_AR_MA1, s->q}, {FC_AR_SMA1, s->sq},
	};
	for (unsigned i = 0; i < 4; i++) {
		if (!free_params[i].on)
			continue;
		unsigned d = c->dim++;
		c->free_idx[d] = free_params[i].idx;
		for (unsigned j = 0; j < 3; j++)
			grid_x[d][j] = atanh(g3[j]);
		grid_p[d] = grid_x[d];
		grid_n[d] = 3;
	}
	if (c->dim == 0) { /* pure differencing: nothing to fit */
		memset(params, 0, sizeof(params));
	} else {
		double v = fc_minimize(ar_objective, c, c->dim, grid_p, grid_n,
				       1e-15 * fc_sumsq(y, n), x);
		if (v < 0) {
			ar_free(c);
			return (int)v;
		}
		ar_params(c, x, params);
	}
	rc = ar_finish(c, params, out, onestep);
	ar_free(c);
	return rc;
}
