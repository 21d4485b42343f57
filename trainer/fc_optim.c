/* Grid start plus Nelder-Mead (see fc_optim.h). */
#include "fc_optim.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_vector.h>

#define NM_MAX_ITER 300   /* per start; up to 5 parameters usually converge well before */
#define NM_SIZE_TOL 1e-3  /* simplex size in the callers' (logit-like) units */
#define NM_STALL_ITER 20  /* ~4 simplex moves per dimension without progress */
#define NM_STALL_REL 1e-9 /* relative gain that still counts as progress */

struct wrap {
	fc_objective f;
	void *ctx;
};

static double capped(fc_objective f, void *ctx, const double *x)
{
	double v = f(x, ctx);
	return v < FC_OPTIM_CAP ? v : FC_OPTIM_CAP; /* also catches NaN */
}

/* GSL's default error handler aborts on a non-finite value: never give it one. */
static double gsl_objective(const gsl_vector *v, void *arg)
{
	const struct wrap *w = arg;
	return capped(w->f, w->ctx, gsl_vector_const_ptr(v, 0));
}

/* One bounded simplex run from x; x receives the best point. Besides the
 * simplex size, stops when the best value has not moved for NM_STALL_ITER
 * iterations: where a parameter map saturates the surface is flat and the
 * simplex would wander there without shrinking. */
static double nm_run(gsl_multimin_fminimizer *s, gsl_multimin_function *fn, gsl_vector *x,
		     const gsl_vector *step, double noise)
{
	if (gsl_multimin_fminimizer_set(s, fn, x, step) != GSL_SUCCESS)
		return FC_OPTIM_CAP;
	/* GSL sets the minimum only once it iterates: start from x's value. */
	double ref = gsl_objective(x, fn->params);
	int stall = 0;
	for (int it = 0; it < NM_MAX_ITER; it++) {
		if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS)
			break;
		if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), NM_SIZE_TOL) == GSL_SUCCESS)
			break;
		double v = gsl_multimin_fminimizer_minimum(s);
		if (v < ref - (NM_STALL_REL * ref + noise)) {
			ref = v;
			stall = 0;
		} else if (++stall >= NM_STALL_ITER) {
			break;
		}
	}
	gsl_vector_memcpy(x, gsl_multimin_fminimizer_x(s));
	return gsl_multimin_fminimizer_minimum(s);
}

double fc_minimize(fc_objective f, void *ctx, unsigned dim, const double *const *grid,
		   const unsigned *grid_n, double noise, double *x)
{
	double start[FC_OPTIM_MAX_DIM], sval = INFINITY, cur[FC_OPTIM_MAX_DIM];
	unsigned idx[FC_OPTIM_MAX_DIM] = {0};

	if (dim == 0 || dim > FC_OPTIM_MAX_DIM)
		return -EINVAL;
	for (unsigned i = 0; i < dim; i++)
		if (grid_n[i] == 0)
			return -EINVAL;
	/* Every grid combination, odometer style; keep the best. */
	for (;;) {
		for (unsigned i = 0; i < dim; i++)
			cur[i] = grid[i][idx[i]];
		double v = capped(f, ctx, cur);
		if (v < sval) {
			memcpy(start, cur, dim * sizeof(double));
			sval = v;
		}
		unsigned i = 0;
		while (i < dim && ++idx[i] == grid_n[i])
			idx[i++] = 0;
		if (i == dim)
			break;
	}

	struct wrap w = {f, ctx};
	gsl_multimin_function fn = {.f = gsl_objective, .n = dim, .params = &w};
	gsl_multimin_fminimizer *s = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, dim);
	gsl_vector *xv = gsl_vector_alloc(dim), *step = gsl_vector_alloc(dim);
	if (!s || !xv || !step) {
		gsl_multimin_fminimizer_free(s);
		gsl_vector_free(xv);
		gsl_vector_free(step);
		return -ENOMEM;
	}
	gsl_vector_set_all(step, 1.0); /* ~0.2 in a logistic-mapped parameter near 0.5 */
	double best = sval;
	memcpy(x, start, dim * sizeof(double));
	if (isfinite(sval)) {
		for (unsigned i = 0; i < dim; i++)
			gsl_vector_set(xv, i, start[i]);
		double v = nm_run(s, &fn, xv, step, noise);
		if (v < best) {
			best = v;
			for (unsigned i = 0; i < dim; i++)
				x[i] = gsl_vector_get(xv, i);
		}
	}
	gsl_multimin_fminimizer_free(s);
	gsl_vector_free(xv);
	gsl_vector_free(step);
	return best;
}
