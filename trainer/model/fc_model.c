/* Running forecasting models (see fc_model.h). libm only.
 *
 * DESIGN
 * Every kind is a one-step recursion: fc_part_next() is the forecast for
 * the next point and fc_part_update() moves the state past it. Everything
 * else is built from those two. A forecast h steps ahead is the recursion
 * run h times on its own forecasts (zero errors), which for these linear
 * recursions is exactly the closed form (and for multiplicative
 * Holt-Winters the usual point forecast). The interval comes from the same
 * machinery: rerun with the first point off by one, and the difference is
 * the impulse response psi_j, whose squares add up to the variance of an
 * h-step error with independent one-step errors of sd sigma.
 *
 * Seasonal terms and histories are rings indexed by pos, which runs over
 * the longest ring (only a shorter first season takes it modulo its own
 * length), so a step costs O(1); packing rotates them to pos 0 so stored
 * models compare equal.
 * An update that would leave a non-finite state (a division by a zero
 * level, an overflow) is not committed: the old state stays. */
#include "fc_model.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int season_ok(uint32_t m)
{
	return m >= 1 && m <= FC_MAX_SEASON;
}

static int is_hw(enum fc_kind k)
{
	return k == FC_HW_ADDITIVE || k == FC_HW_MULTIPLICATIVE;
}

unsigned fc_part_nparams(enum fc_kind kind)
{
	switch (kind) {
	case FC_SEASONAL_NAIVE:
		return 0;
	case FC_HW_ADDITIVE:
	case FC_HW_MULTIPLICATIVE:
		return FC_HW_NPARAMS;
	case FC_SARIMA:
		return FC_AR_NPARAMS;
	}
	return 0;
}

unsigned fc_part_nstate(enum fc_kind kind, uint32_t season, uint32_t season2)
{
	if (!season_ok(season))
		return 0;
	if (season2 != 0 && (!is_hw(kind) || season2 > FC_MAX_SEASON || season2 < 2 * season ||
			     season2 % season != 0))
		return 0;
	switch (kind) {
	case FC_SEASONAL_NAIVE:
		return season;
	case FC_HW_ADDITIVE:
	case FC_HW_MULTIPLICATIVE:
		return 2 + season + season2;
	case FC_SARIMA:
		return 2 * (season + 3);
	}
	return 0;
}

/* Ring length (and period of pos) of a part. */
static uint32_t ring_len(const struct fc_part *p)
{
	if (p->kind == FC_SARIMA)
		return p->season + 3;
	return p->season2 ? p->season2 : p->season;
}

/* The error of forecast f for y. A gap, or a y so far off that the error
 * overflows, counts as a zero error and steps with y = f instead, so it
 * does not poison the state. */
static double step_error(double *y, double f)
{
	double e = *y - f;

	if (isfinite(e))
		return e;
	*y = f;
	return 0.0;
}

/* --- Holt-Winters -------------------------------------------------------- */

static double hw_forecast(int add, double base, double s1, double s2)
{
	return add ? base + s1 + s2 : base * s1 * s2;
}

/* The seasonal terms' neutral value: what a missing second season adds. */
static double hw_neutral(const struct fc_part *p)
{
	return p->kind == FC_HW_ADDITIVE ? 0.0 : 1.0;
}

/* pos runs over the longest season (ring_len), so it is the second
 * season's slot as it is; only a shorter first season takes a remainder. */
static double hw_next(const struct fc_part *p)
{
	uint32_t i1 = p->season2 ? p->pos % p->season : p->pos;
	double s2 = p->season2 ? p->state[p->season + p->pos] : hw_neutral(p);

	return hw_forecast(p->kind == FC_HW_ADDITIVE, p->level + p->params[FC_HW_PHI] * p->trend,
			   p->state[i1], s2);
}

/* fc_part_run for HW. A fit runs this over its series hundreds of times,
 * and its speed is the latency of the level and trend recurrences, so they
 * live in registers here, not in *p, and each is written straight from
 * the old state (x the deseasonalised point):
 *   l = a x + (1-a) (level + phi trend)
 *   t = b (l - level) + (1-b) phi trend = a b (x - level) + (1 - a b) phi trend
 * rather than t from l, which put both on one chain twice as long. The classical
 * Winters form: seasonal terms are updated against the new level; the
 * multiplicative ones as y / (l s2) = r s1, y / (l s1) = r s2, r = x / l.
 * An update leaving anything non-finite is not committed. */
static void hw_run(struct fc_part *p, const double *y, unsigned n, double *e)
{
	const double *q = p->params;
	double a = q[FC_HW_ALPHA], g = q[FC_HW_GAMMA], d = q[FC_HW_DELTA], phi = q[FC_HW_PHI];
	double ab = a * q[FC_HW_BETA], level = p->level, trend = p->trend, neutral = hw_neutral(p);
	uint32_t m = p->season, len = ring_len(p), pos = p->pos, i1 = p->season2 ? pos % m : pos;
	double *seas2 = p->season2 ? p->state + m : NULL;
	int add = p->kind == FC_HW_ADDITIVE;

	for (unsigned i = 0; i < n; i++) {
		double s1 = p->state[i1], s2 = seas2 ? seas2[pos] : neutral, v = y[i];
		double f = hw_forecast(add, level + phi * trend, s1, s2);
		e[i] = step_error(&v, isfinite(f) ? f : isfinite(level) ? level : 0.0);
		double x = add ? v - s1 - s2 : v / (s1 * s2);
		double l = a * x + (1.0 - a) * phi * trend + (1.0 - a) * level;
		double t = ab * (x - level) + (1.0 - ab) * phi * trend, n1, n2;
		if (add) {
			n1 = g * (v - l - s2) + (1.0 - g) * s1;
			n2 = d * (v - l - s1) + (1.0 - d) * s2;
		} else {
			double r = x / l;
			n1 = (g * r + (1.0 - g)) * s1;
			n2 = (d * r + (1.0 - d)) * s2;
		}
		if (isfinite(l) && isfinite(t) && isfinite(n1) && isfinite(n2)) {
			level = l;
			trend = t;
			p->state[i1] = n1;
			if (seas2)
				seas2[pos] = n2;
		}
		if (++pos == len)
			pos = 0;
		if (++i1 == m)
			i1 = 0;
	}
	p->level = level;
	p->trend = trend;
	p->pos = pos;
}

/* --- seasonal naive ------------------------------------------------------ */

static double sn_next(const struct fc_part *p)
{
	double v = p->state[p->pos];
	return isfinite(v) ? v : p->level;
}

static void sn_update(struct fc_part *p, double y)
{
	double *slot = &p->state[p->pos];
	double level = p->level + (y - *slot) / p->season;

	*slot = y;
	if (isfinite(level))
		p->level = level;
}

/* --- SARIMA -------------------------------------------------------------- */

/* y_{t-j} and e_{t-j}, t the last point seen, 0 <= j < season + 3. The
 * slot is pos - 1 - j on the ring of r = season + 3, wrapped by a compare:
 * a remainder per access made SARIMA fits 2.5 times as slow. */
static uint32_t ar_slot(const struct fc_part *p, uint32_t j)
{
	uint32_t r = p->season + 3, i = p->pos + r - 1 - j;

	return i >= r ? i - r : i;
}

static double ar_y(const struct fc_part *p, uint32_t j)
{
	return p->state[ar_slot(p, j)];
}

static double ar_e(const struct fc_part *p, uint32_t j)
{
	return p->state[p->season + 3 + ar_slot(p, j)];
}

/* The differenced series w_{t-j}. */
static double ar_w(const struct fc_part *p, uint32_t j)
{
	double d = p->params[FC_AR_D], sd = p->params[FC_AR_SD];
	uint32_t m = p->season;

	return ar_y(p, j) - d * ar_y(p, j + 1) - sd * ar_y(p, j + m) + d * sd * ar_y(p, j + m + 1);
}

static double ar_next(const struct fc_part *p)
{
	const double *q = p->params;
	double d = q[FC_AR_D], sd = q[FC_AR_SD], c = q[FC_AR_C];
	uint32_t m = p->season;
	double w = c + q[FC_AR_1] * (ar_w(p, 0) - c) + q[FC_AR_2] * (ar_w(p, 1) - c) +
		   q[FC_AR_MA1] * ar_e(p, 0) + q[FC_AR_SMA1] * ar_e(p, m - 1) +
		   q[FC_AR_MA1] * q[FC_AR_SMA1] * ar_e(p, m);

	/* Undo the differencing: y = w + d y_t + D y_{t+1-m} - d D y_{t-m}. */
	return w + d * ar_y(p, 0) + sd * ar_y(p, m - 1) - d * sd * ar_y(p, m);
}

static void ar_update(struct fc_part *p, double y, double e)
{
	uint32_t r = p->season + 3;

	p->state[p->pos] = y;
	p->state[r + p->pos] = e;
}

/* --- one part ------------------------------------------------------------- */

double fc_part_next(const struct fc_part *p)
{
	double f;

	switch (p->kind) {
	case FC_SEASONAL_NAIVE:
		f = sn_next(p);
		break;
	case FC_HW_ADDITIVE:
	case FC_HW_MULTIPLICATIVE:
		f = hw_next(p);
		break;
	case FC_SARIMA:
		f = ar_next(p);
		break;
	default:
		f = 0.0;
	}
	return isfinite(f) ? f : isfinite(p->level) ? p->level : 0.0;
}

void fc_part_run(struct fc_part *p, const double *y, unsigned n, double *e)
{
	if (is_hw(p->kind) && season_ok(p->season)) {
		hw_run(p, y, n, e);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		double v = y[i];
		e[i] = step_error(&v, fc_part_next(p));
		if (p->kind == FC_SEASONAL_NAIVE)
			sn_update(p, v);
		else if (p->kind == FC_SARIMA)
			ar_update(p, v, e[i]);
		if (season_ok(p->season) && ++p->pos >= ring_len(p))
			p->pos = 0;
	}
}

double fc_part_update(struct fc_part *p, double y)
{
	double e;

	fc_part_run(p, &y, 1, &e);
	return e;
}

/* Forecasts f[0..h-1] from a scratch copy run on its own forecasts; with
 * bump != 0 the first point is taken as f[0] + bump (the impulse). */
static void part_run(const struct fc_part *p, struct fc_part *scratch, uint32_t h, double bump,
		     double *f)
{
	*scratch = *p;
	for (uint32_t i = 0; i < h; i++) {
		f[i] = fc_part_next(scratch);
		fc_part_update(scratch, i == 0 ? f[i] + bump : f[i]);
	}
}

/* f and se for one part; g is scratch of h doubles. */
static double part_sigma(const struct fc_part *p)
{
	return isfinite(p->sigma) && p->sigma > 0 ? p->sigma : 0.0;
}

/* The sd of an error of sd `sd` in the part's scale, around forecast f. */
static double scaled(const struct fc_part *p, double sd, double f)
{
	double v = p->sd_power > 0 ? sd * pow(fabs(f), p->sd_power) : sd;
	return isfinite(v) ? v : 0.0;
}

static void part_path(const struct fc_part *p, struct fc_part *scratch, uint32_t h, double *f,
		      double *se, double *g)
{
	part_run(p, scratch, h, 0.0, f);
	if (!se)
		return;
	/* The impulse is one sd of the first step (psi is linear in it for
	 * all but multiplicative HW, where a sd-sized push is the right size
	 * to linearise over), psi then measured in units of it; never so
	 * small against the level that it vanishes in rounding. */
	double unit = fmax(scaled(p, part_sigma(p), f[0]), fabs(f[0]) * 0x1p-20);
	if (!(unit > 0) || !isfinite(unit))
		unit = 1.0;
	part_run(p, scratch, h, unit, g);
	double var = 1.0;
	for (uint32_t i = 0; i < h; i++) {
		if (i > 0) {
			double psi = (g[i] - f[i]) / unit;
			if (isfinite(psi))
				var += psi * psi;
		}
		se[i] = scaled(p, part_sigma(p) * sqrt(var), f[i]);
	}
}

/* --- whole models ---------------------------------------------------------- */

int fc_path(const struct fc_model *m, uint32_t h, double *f, double *se)
{
	assert(m && f);
	if (h == 0)
		return 0;
	struct fc_part *scratch = malloc(sizeof(*scratch));
	double *g = malloc(3 * (size_t)h * sizeof(double));
	if (!scratch || !g) {
		free(scratch);
		free(g);
		return -ENOMEM;
	}
	unsigned n = m->n_parts == 2 ? 2 : 1;
	double *f2 = g + h, *se2 = g + 2 * (size_t)h;
	part_path(&m->part[0], scratch, h, f, se, g);
	if (n == 2) {
		part_path(&m->part[1], scratch, h, f2, se ? se2 : NULL, g);
		/* The parts' errors are strongly correlated (same series), so
		 * the mean's sd is taken as the mean of the sds: a slight
		 * overstatement rather than too narrow an interval. */
		for (uint32_t i = 0; i < h; i++) {
			f[i] = 0.5 * (f[i] + f2[i]);
			if (se)
				se[i] = 0.5 * (se[i] + se2[i]);
		}
	}
	free(scratch);
	free(g);
	/* A stored model may be sound in every field and still overflow
	 * (a huge sigma, a runaway multiplicative season): say so rather
	 * than hand out infinities. */
	for (uint32_t i = 0; i < h; i++)
		if (!isfinite(f[i]) || (se && !isfinite(se[i])))
			return -ERANGE;
	return 0;
}

double fc_next(const struct fc_model *m)
{
	assert(m);
	if (m->n_parts == 2)
		return 0.5 * (fc_part_next(&m->part[0]) + fc_part_next(&m->part[1]));
	return fc_part_next(&m->part[0]);
}

double fc_next_sd(const struct fc_model *m)
{
	assert(m);
	const struct fc_part *a = &m->part[0];
	double sd = scaled(a, part_sigma(a), fc_part_next(a));
	if (m->n_parts == 2) {
		const struct fc_part *b = &m->part[1];
		sd = 0.5 * (sd + scaled(b, part_sigma(b), fc_part_next(b)));
	}
	return sd;
}

double fc_update(struct fc_model *m, double y)
{
	assert(m);
	double f = fc_next(m);
	double e = isfinite(y) && isfinite(y - f) ? y - f : 0.0;

	fc_part_update(&m->part[0], y);
	if (m->n_parts == 2)
		fc_part_update(&m->part[1], y);
	return e;
}

/* --- names ---------------------------------------------------------------- */

static const char *const kind_names[] = {
	[FC_SEASONAL_NAIVE] = "seasonal_naive",
	[FC_HW_ADDITIVE] = "hw_additive",
	[FC_HW_MULTIPLICATIVE] = "hw_multiplicative",
	[FC_SARIMA] = "sarima",
};

const char *fc_kind_name(enum fc_kind k)
{
	if ((unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) && kind_names[k])
		return kind_names[k];
	return "unknown";
}

enum fc_kind fc_kind_parse(const char *name)
{
	for (unsigned k = 1; name && k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
		if (strcmp(name, kind_names[k]) == 0)
			return (enum fc_kind)k;
	return (enum fc_kind)0;
}

static int describe_part(const struct fc_part *p, char *buf, size_t len)
{
	const double *q = p->params;

	switch (p->kind) {
	case FC_HW_ADDITIVE:
	case FC_HW_MULTIPLICATIVE: {
		const char *trend = q[FC_HW_BETA] == 0 && p->trend == 0 ? " no-trend" :
				    q[FC_HW_PHI] < 1 ? " damped" : "";
		if (p->season2)
			return snprintf(buf, len, "%s%s %u+%u", fc_kind_name(p->kind), trend, p->season,
					p->season2);
		return snprintf(buf, len, "%s%s %u", fc_kind_name(p->kind), trend, p->season);
	}
	case FC_SARIMA:
		return snprintf(buf, len, "sarima(%d,%d,%d)(0,%d,%d)%u",
				q[FC_AR_2] != 0 ? 2 : q[FC_AR_1] != 0, (int)q[FC_AR_D], q[FC_AR_MA1] != 0,
				(int)q[FC_AR_SD], q[FC_AR_SMA1] != 0, p->season);
	default:
		return snprintf(buf, len, "%s %u", fc_kind_name(p->kind), p->season);
	}
}

void fc_model_describe(const struct fc_model *m, char *buf, unsigned len)
{
	assert(m && buf && len > 0);
	if (m->n_parts != 2) {
		describe_part(&m->part[0], buf, len);
		return;
	}
	int n = snprintf(buf, len, "mean(");
	if (n > 0 && (unsigned)n < len)
		n += describe_part(&m->part[0], buf + n, len - n);
	if (n > 0 && (unsigned)n < len)
		n += snprintf(buf + n, len - n, ", ");
	if (n > 0 && (unsigned)n < len)
		n += describe_part(&m->part[1], buf + n, len - n);
	if (n > 0 && (unsigned)n < len)
		snprintf(buf + n, len - n, ")");
}

/* --- packing --------------------------------------------------------------- */

/* Copies ring[0..len) to out with slot (pos + k) % len at k. */
static void unrotate(const double *ring, uint32_t len, uint32_t pos, double *out)
{
	for (uint32_t k = 0; k < len; k++)
		out[k] = ring[(pos + k) % len];
}

void fc_part_pack(const struct fc_part *p, double *params, double *state)
{
	assert(p && params && state && fc_part_nstate(p->kind, p->season, p->season2));
	memcpy(params, p->params, fc_part_nparams(p->kind) * sizeof(double));
	switch (p->kind) {
	case FC_SEASONAL_NAIVE:
		unrotate(p->state, p->season, p->pos, state);
		break;
	case FC_HW_ADDITIVE:
	case FC_HW_MULTIPLICATIVE:
		state[0] = p->level;
		state[1] = p->trend;
		unrotate(p->state, p->season, p->pos, state + 2);
		if (p->season2)
			unrotate(p->state + p->season, p->season2, p->pos, state + 2 + p->season);
		break;
	case FC_SARIMA:
		unrotate(p->state, p->season + 3, p->pos, state);
		unrotate(p->state + p->season + 3, p->season + 3, p->pos, state + p->season + 3);
		break;
	}
}

static int unit_ok(double x)
{
	return x >= 0.0 && x <= 1.0; /* false for NaN */
}

static int params_ok(enum fc_kind kind, const double *q)
{
	switch (kind) {
	case FC_HW_ADDITIVE:
	case FC_HW_MULTIPLICATIVE:
		for (unsigned i = 0; i < FC_HW_NPARAMS; i++)
			if (!unit_ok(q[i]))
				return 0;
		return 1;
	case FC_SARIMA:
		/* Orders are 0 or 1; AR inside the stationary triangle, MA
		 * invertible: the fitter's transforms only produce those. */
		return (q[FC_AR_D] == 0 || q[FC_AR_D] == 1) && (q[FC_AR_SD] == 0 || q[FC_AR_SD] == 1) &&
		       isfinite(q[FC_AR_C]) && fabs(q[FC_AR_2]) < 1 &&
		       fabs(q[FC_AR_1]) < 1 - q[FC_AR_2] && fabs(q[FC_AR_MA1]) <= 1 &&
		       fabs(q[FC_AR_SMA1]) <= 1;
	default:
		return 1;
	}
}

int fc_part_unpack(struct fc_part *p, enum fc_kind kind, uint32_t season, uint32_t season2,
		   const double *params, unsigned n_params, const double *state, unsigned n_state,
		   double sigma, double sd_power)
{
	assert(p);
	unsigned want = fc_part_nstate(kind, season, season2);
	if (want == 0 || n_state != want || n_params != fc_part_nparams(kind) ||
	    (n_params && !params) || !state)
		return -EINVAL;
	if (!params_ok(kind, params))
		return -EINVAL;
	for (unsigned i = 0; i < n_state; i++)
		if (!isfinite(state[i]))
			return -EINVAL;
	if (!isfinite(sigma) || sigma < 0.0 || !unit_ok(sd_power))
		return -EINVAL;

	memset(p, 0, offsetof(struct fc_part, state));
	p->kind = kind;
	p->season = season;
	p->season2 = season2;
	if (n_params)
		memcpy(p->params, params, n_params * sizeof(double));
	p->sigma = sigma;
	p->sd_power = sd_power;
	if (is_hw(kind)) {
		p->level = state[0];
		p->trend = state[1];
		memcpy(p->state, state + 2, (n_state - 2) * sizeof(double));
	} else {
		memcpy(p->state, state, n_state * sizeof(double));
	}
	if (kind == FC_SEASONAL_NAIVE) {
		double s = 0.0;
		for (unsigned i = 0; i < season; i++)
			s += state[i];
		p->level = isfinite(s / season) ? s / season : 0.0;
	}
	return 0;
}
