/* Applying forecasting models (see fc_model.h). libm only.
 *
 * The aggregator answers user queries with these functions, possibly from a
 * model that came off disk or the wire, so they never return NaN: a
 * non-finite component is dropped (treated as its neutral value) and the
 * forecast degrades to its finite parts. */
#include "fc_model.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

static int season_ok(uint32_t m)
{
	return m >= 1 && m <= FC_MAX_SEASON;
}

/* phi + phi^2 + ... + phi^h, in O(1) because h comes from a query. phi is
 * clamped to [0,1]: above 1 the trend would explode, below 0 it oscillates,
 * and fc_model_unpack rejects both anyway. */
static double damped_sum(double phi, uint32_t h)
{
	if (!(phi >= 0.0))
		phi = 0.0;
	if (phi >= 1.0)
		return (double)h;
	/* 1 - phi^h via expm1/log1p: the plain form cancels when phi is near 1
	 * (1 - phi is exact there). phi = 0 gives log1p(-1) = -inf, sum 0. */
	return phi * -expm1((double)h * log1p(phi - 1.0)) / (1.0 - phi);
}

/* Accepts any h; h = 0 is treated as 1 (the header requires h >= 1, but a
 * query should not be able to crash the aggregator). A season outside
 * 1..FC_MAX_SEASON drops the seasonal term. Non-finite parts: HW drops a
 * non-finite level, trend/phi or seasonal term (0 is each one's neutral
 * value); seasonal naive replaces a non-finite seasonal value by the level
 * (the last season's mean when fitted) or 0. */
double fc_forecast(const struct fc_model *m, uint32_t h)
{
	assert(m);
	if (h == 0)
		h = 1;
	double s = NAN;
	if (season_ok(m->season))
		s = m->seasonal[(h - 1) % m->season];
	double level = isfinite(m->level) ? m->level : 0.0;

	if (m->kind == FC_SEASONAL_NAIVE)
		return isfinite(s) ? s : level;

	if (!isfinite(s))
		s = 0.0;
	double f = level + s;
	if (isfinite(m->trend) && isfinite(m->phi)) {
		double ft = f + damped_sum(m->phi, h) * m->trend;
		if (isfinite(ft))
			f = ft;
	}
	return isfinite(f) ? f : 0.0;
}

/* Half-width is z * resid_sd * sqrt(steps): errors of a random-walk-like
 * state add up over h steps; seasonal naive only "steps" once per season,
 * since every point of a season comes from the same observed season.
 * A non-finite or negative resid_sd or z gives a zero-width interval rather
 * than NaN or infinite bounds; lo <= hi always. */
void fc_interval(const struct fc_model *m, uint32_t h, double z, double *lo, double *hi)
{
	assert(m && lo && hi);
	if (h == 0)
		h = 1;
	double f = fc_forecast(m, h);
	double sd = m->resid_sd;
	double steps = (double)h;
	if (m->kind == FC_SEASONAL_NAIVE && season_ok(m->season))
		steps = (double)((h - 1) / m->season + 1); /* ceil(h/m) without overflow */
	double w = fabs(z) * sd * sqrt(steps);
	if (!isfinite(w) || !(sd >= 0.0))
		w = 0.0;
	*lo = f - w;
	*hi = f + w;
	if (!isfinite(*lo) || !isfinite(*hi))
		*lo = *hi = f;
}

/* Unknown kinds get "unknown" rather than NULL so callers can print it. */
const char *fc_kind_name(enum fc_kind k)
{
	switch (k) {
	case FC_SEASONAL_NAIVE:
		return "seasonal_naive";
	case FC_HOLT_WINTERS:
		return "holt_winters";
	}
	return "unknown";
}

enum fc_kind fc_kind_parse(const char *name)
{
	if (!name)
		return (enum fc_kind)0;
	if (strcmp(name, "seasonal_naive") == 0)
		return FC_SEASONAL_NAIVE;
	if (strcmp(name, "holt_winters") == 0)
		return FC_HOLT_WINTERS;
	return (enum fc_kind)0;
}

/* m must hold a valid season; state must have room for season + 2. */
void fc_model_pack(const struct fc_model *m, double params[4], double *state)
{
	assert(m && params && state && season_ok(m->season));
	params[0] = m->alpha;
	params[1] = m->beta;
	params[2] = m->gamma;
	params[3] = m->phi;
	state[0] = m->level;
	state[1] = m->trend;
	memcpy(state + 2, m->seasonal, m->season * sizeof(double));
}

static int unit_ok(double x)
{
	return x >= 0.0 && x <= 1.0; /* false for NaN */
}

/* Validates everything before writing *m, so a rejected model leaves the
 * caller's previous one intact. The same checks apply to both kinds
 * (fc_fit stores alpha = beta = gamma = 0, phi = 1 for seasonal naive). */
int fc_model_unpack(struct fc_model *m, enum fc_kind kind, uint32_t season,
		    const double *params, unsigned n_params,
		    const double *state, unsigned n_state, double resid_sd)
{
	assert(m);
	if (kind != FC_SEASONAL_NAIVE && kind != FC_HOLT_WINTERS)
		return -EINVAL;
	if (!season_ok(season) || !params || !state || n_params != 4 ||
	    n_state != season + 2)
		return -EINVAL;
	for (unsigned i = 0; i < 4; i++)
		if (!unit_ok(params[i]))
			return -EINVAL;
	for (unsigned i = 0; i < n_state; i++)
		if (!isfinite(state[i]))
			return -EINVAL;
	if (!isfinite(resid_sd) || resid_sd < 0.0)
		return -EINVAL;

	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->season = season;
	m->alpha = params[0];
	m->beta = params[1];
	m->gamma = params[2];
	m->phi = params[3];
	m->level = state[0];
	m->trend = state[1];
	memcpy(m->seasonal, state + 2, season * sizeof(double));
	m->resid_sd = resid_sd;
	return 0;
}
