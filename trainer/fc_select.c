/* Candidate search and selection (see fc_select.h). */
#include "fc_select.h"
#include "fc_fit_internal.h"
#include "fc_season.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SPIKE_MADS 100.0
#define CLEAN_Z 4.0 /* training outliers: one-step sds from the winner's forecast */
#define CLEAN_PASSES 6
#define SEASON_SDS 5.0 /* the season search sees the series clipped this far out */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void note(struct fc_selection *s, const char *fmt, unsigned v)
{
	size_t l = strlen(s->note);
	if (l + 3 < sizeof(s->note))
		snprintf(s->note + l, sizeof(s->note) - l, "%s", l ? "; " : "");
	l = strlen(s->note);
	snprintf(s->note + l, sizeof(s->note) - l, fmt, v);
}

/* Interpolates non-finite points (marking them in missing[]) and clips
 * absurd spikes; notes both. Writes the series' median and robust sd
 * (1.4826 MAD; when more than half the points sit on the median, as on a
 * mostly idle link, the median of the deviations that are not zero) for
 * the season search. */
static int clean(double *y, unsigned n, struct fc_selection *s, double *med_out, double *sd_out,
		 uint8_t *missing)
{
	unsigned gaps = 0, clipped = 0;
	double *tmp = malloc(n * sizeof(double));
	if (!tmp)
		return -ENOMEM;
	for (unsigned t = 0; t < n; t++) {
		if (isfinite(y[t]))
			continue;
		unsigned e = t;
		while (e < n && !isfinite(y[e]))
			missing[e++] = 1;
		double a = t > 0 ? y[t - 1] : e < n ? y[e] : 0.0, b = e < n ? y[e] : a;
		for (unsigned i = t; i < e; i++)
			y[i] = a + (b - a) * (i - t + 1) / (e - t + 1);
		gaps += e - t;
		t = e;
	}
	memcpy(tmp, y, n * sizeof(double));
	double med = fc_median(tmp, n);
	for (unsigned t = 0; t < n; t++)
		tmp[t] = fabs(y[t] - med);
	double mad = fc_median(tmp, n); /* sorts tmp: the zeros come first */
	unsigned zeros = 0;
	while (zeros < n && tmp[zeros] == 0)
		zeros++;
	if (mad == 0 && zeros < n)
		mad = fc_median(tmp + zeros, n - zeros);
	*med_out = med;
	*sd_out = 1.4826 * mad;
	double lim = SPIKE_MADS * *sd_out;
	for (unsigned t = 0; lim > 0 && t < n; t++) {
		if (fabs(y[t] - med) > lim) {
			y[t] = med + copysign(lim, y[t] - med);
			clipped++;
		}
	}
	free(tmp);
	if (gaps)
		note(s, "%u missing or non-finite points interpolated", gaps);
	if (clipped)
		note(s, "%u spikes beyond 100 MADs clipped", clipped);
	return 0;
}

/* Refills the gaps clean() bridged with a straight line, now that the
 * seasons are known: a missing point takes the value a season back (the
 * longer season where the data reach that far), shifted by that season's
 * offset from the gap's edges, interpolated across the gap. So an outage
 * of hours keeps the day's shape and still meets its neighbours. Gaps
 * within the first season keep the line. */
static void fill_seasonal(double *y, unsigned n, const uint8_t *missing, uint32_t m, uint32_t m2)
{
	for (unsigned t = 0; t < n; t++) {
		if (!missing[t])
			continue;
		unsigned e = t;
		while (e < n && missing[e])
			e++;
		uint32_t L = m2 && t > m2 ? m2 : m;
		if (L > 1 && t > L) {
			/* Offsets at the edges: the point before the gap and the one after. */
			double oa = y[t - 1] - y[t - 1 - L];
			double ob = e < n && e - L < t ? y[e] - y[e - L] : oa;
			for (unsigned i = t; i < e; i++)
				y[i] = y[i - L] + oa + (ob - oa) * (i - t + 1) / (e - t + 1);
		}
		t = e;
	}
}

static int constant(const double *y, unsigned n)
{
	for (unsigned t = 1; t < n; t++)
		if (y[t] != y[0])
			return 0;
	return 1;
}

static void add(struct fc_selection *s, struct fc_spec sp)
{
	if (s->n_cand < FC_MAX_CANDIDATES)
		s->cand[s->n_cand++].spec = sp;
}

/* The candidate list, cheapest first, so a time budget cuts the costly. */
static void candidates(struct fc_selection *s, const double *y, unsigned n)
{
	uint32_t m = s->season, m2 = s->season2;
	int positive = 1;
	for (unsigned t = 0; t < n && positive; t++)
		positive = y[t] > 0;

	add(s, (struct fc_spec){.kind = FC_SEASONAL_NAIVE, .season = m});
	if (m2)
		add(s, (struct fc_spec){.kind = FC_SEASONAL_NAIVE, .season = m2});
	for (enum fc_trend t = FC_TREND_NONE; t <= FC_TREND_DAMPED; t++)
		add(s, (struct fc_spec){.kind = FC_HW_ADDITIVE, .season = m, .trend = t});
	if (positive) {
		add(s, (struct fc_spec){.kind = FC_HW_MULTIPLICATIVE, .season = m, .trend = FC_TREND_NONE});
		add(s, (struct fc_spec){.kind = FC_HW_MULTIPLICATIVE, .season = m, .trend = FC_TREND_DAMPED});
	}
	add(s, (struct fc_spec){.kind = FC_SARIMA, .season = m, .p = 1, .q = 1, .sd = 1, .sq = 1});
	add(s, (struct fc_spec){.kind = FC_SARIMA, .season = m, .d = 1, .q = 1, .sd = 1, .sq = 1});
	add(s, (struct fc_spec){.kind = FC_SARIMA, .season = m, .p = 2, .sd = 1, .sq = 1});
	if (m2) {
		add(s, (struct fc_spec){.kind = FC_HW_ADDITIVE, .season = m, .season2 = m2});
		add(s, (struct fc_spec){.kind = FC_HW_ADDITIVE, .season = m, .season2 = m2,
					.trend = FC_TREND_DAMPED});
		if (positive) {
			add(s, (struct fc_spec){.kind = FC_HW_MULTIPLICATIVE, .season = m, .season2 = m2,
						.trend = FC_TREND_DAMPED});
			/* Undamped too: a growth of a few % a week is real, and phi
			 * <= 0.98 flattens it within days of a week's horizon. */
			add(s, (struct fc_spec){.kind = FC_HW_MULTIPLICATIVE, .season = m, .season2 = m2,
						.trend = FC_TREND_ADD});
		}
		add(s, (struct fc_spec){.kind = FC_SARIMA, .season = m2, .p = 1, .q = 1, .sd = 1, .sq = 1});
	}
}

static void spec_name(const struct fc_spec *sp, char *buf, size_t len)
{
	static const char *const trend[] = {" no-trend", "", " damped"};

	if (sp->kind == FC_SARIMA)
		snprintf(buf, len, "sarima(%u,%u,%u)(0,%u,%u)%u", sp->p, sp->d, sp->q, sp->sd, sp->sq,
			 sp->season);
	else if (sp->kind == FC_SEASONAL_NAIVE)
		snprintf(buf, len, "seasonal_naive %u", sp->season);
	else if (sp->season2)
		snprintf(buf, len, "%s%s %u+%u", fc_kind_name(sp->kind), trend[sp->trend], sp->season,
			 sp->season2);
	else
		snprintf(buf, len, "%s%s %u", fc_kind_name(sp->kind), trend[sp->trend], sp->season);
}

/* Ranking key: MASE when the scale exists, else MAE (same order then). */
static double key(const struct fc_metrics *m)
{
	return isfinite(m->mase) ? m->mase : m->mae;
}

/* In-sample one-step errors flatter a model: it has seen those points.
 * The interval live traffic is held to comes instead from the errors the
 * model makes the way the monitor runs it: fitted on all but the last
 * fifth of y (at least a longest season), then stepped, parameters fixed,
 * over that last part. Sets p's sigma and sd_power from those errors
 * (fc_err_finish); leaves them when y is too short to hold a part out. */
static int calibrate(const struct fc_spec *sp, const double *y, unsigned n, struct fc_part *p)
{
	unsigned v = n / 5, longest = sp->season2 ? sp->season2 : sp->season;
	struct fc_err_acc acc = {0};

	if (v < longest)
		v = longest;
	if (n < v || n - v < fc_min_points(sp))
		return 0;
	struct fc_part *q = malloc(sizeof(*q));
	if (q == NULL || fc_fit(sp, y, n - v, q) != 0) {
		free(q);
		return q ? 0 : -ENOMEM;
	}
	for (unsigned t = n - v; t < n; t++) {
		double f = fc_part_next(q);
		fc_err_add(&acc, y[t] - f, f);
		fc_part_update(q, y[t]);
	}
	free(q);
	return fc_err_finish(&acc, p);
}

/* Fits the winner (one spec or the mean of two) on all of y. */
static int fit_final(struct fc_selection *s, const struct fc_spec *a, const struct fc_spec *b,
		     const double *y, unsigned n)
{
	double t0 = now_s();
	int rc = fc_fit(a, y, n, &s->model.part[0]);
	s->model.n_parts = 1;
	if (rc == 0 && b) {
		rc = fc_fit(b, y, n, &s->model.part[1]);
		s->model.n_parts = 2;
	}
	s->fit_s = now_s() - t0;
	if (rc == 0)
		rc = calibrate(a, y, n, &s->model.part[0]);
	if (rc == 0 && b)
		rc = calibrate(b, y, n, &s->model.part[1]);
	if (rc == 0)
		fc_model_describe(&s->model, s->name, sizeof(s->name));
	return rc;
}

/* Seasonal naive at the largest season that fits, without a backtest. */
static int fallback(struct fc_selection *s, const double *y, unsigned n, const char *why)
{
	struct fc_spec sp = {.kind = FC_SEASONAL_NAIVE, .season = s->season};

	s->won[0] = s->won[1] = -1;

	if (n < fc_min_points(&sp))
		sp.season = s->season = 1;
	s->season2 = 0;
	note(s, why, sp.season);
	memset(&s->bt, 0, sizeof(s->bt));
	s->folds = s->horizon = 0; /* no backtest: its metrics are not measured */
	return fit_final(s, &sp, NULL, y, n);
}

/* The seasons given, or found on a copy of y clipped at SEASON_SDS
 * robust sds around the median: one spike would otherwise drown the
 * autocorrelation of a clear daily cycle. -ENOMEM. */
static int pick_seasons(struct fc_selection *s, const double *y, unsigned n,
			const struct fc_select_opts *o, double med, double sd)
{
	s->season = o->season;
	s->season2 = o->season2;
	if (!s->season) {
		uint32_t m1, m2;
		double *c = malloc(n * sizeof(double));
		if (c == NULL)
			return -ENOMEM;
		for (unsigned t = 0; t < n; t++)
			c[t] = sd > 0 ? fmin(fmax(y[t], med - SEASON_SDS * sd), med + SEASON_SDS * sd) : y[t];
		int found = fc_detect_seasons(c, n, FC_MAX_SEASON, &m1, &m2, NULL);
		free(c);
		if (found < 0)
			return found;
		if (found > 0) {
			s->season = m1;
			s->season2 = m2;
		} else {
			s->season = 1;
			note(s, "no seasonality found (autocorrelation), season %u", 1);
		}
	}
	if (s->season2 && (s->season2 % s->season || s->season2 < 2 * s->season))
		s->season2 = 0;
	return 0;
}

/* Backtests every candidate on the same folds and picks the winner:
 * cand[*a], and cand[*b] too when the mean of the two backtests better
 * (else *b = -1). Returns 0, 1 when nothing could be backtested, or
 * -ENOMEM. */
static int search(struct fc_selection *out, const double *y, unsigned n,
		  const struct fc_select_opts *o, int *a, int *b)
{
	memset(out->cand, 0, sizeof(out->cand));
	out->n_cand = 0;
	candidates(out, y, n);
	/* Two seasons ahead when every candidate has room for two such folds,
	 * else one: a short history should not shut most candidates out. */
	unsigned h = o->horizon, need = 0;
	for (unsigned i = 0; !h && i < out->n_cand; i++)
		if (fc_min_points(&out->cand[i].spec) > need)
			need = fc_min_points(&out->cand[i].spec);
	if (!h)
		h = n >= need + 4 * out->season ? 2 * out->season : out->season;
	/* Every candidate is scored on the same points: as many folds as the
	 * most demanding candidate that fits at all allows. */
	unsigned folds = o->folds ? o->folds : 1;
	for (unsigned i = 0; i < out->n_cand; i++) {
		unsigned min = fc_min_points(&out->cand[i].spec);
		spec_name(&out->cand[i].spec, out->cand[i].name, sizeof(out->cand[i].name));
		if (n < min + h)
			out->cand[i].rc = -EINVAL;
		else if ((n - min) / h < folds)
			folds = (n - min) / h;
	}
	out->horizon = h;
	out->folds = folds;
	int fits = 0;
	for (unsigned i = 0; i < out->n_cand; i++)
		fits |= out->cand[i].rc == 0;
	if (!fits || (uint64_t)folds * h >= n)
		return 1;
	/* One MASE scale for all, from the points before the first origin. */
	double scale = fc_mase_scale(y, n - folds * h, out->season);
	double *fc = malloc(((size_t)FC_MAX_CANDIDATES * folds * h + 1) * sizeof(double));
	if (!fc)
		return -ENOMEM;
	double start = now_s();
	int best = -1, second = -1;
	for (unsigned i = 0; i < out->n_cand; i++) {
		struct fc_candidate *c = &out->cand[i];
		if (c->rc == 0 && o->budget_s > 0 && i > 2 && now_s() - start > o->budget_s)
			c->rc = -ETIME;
		if (c->rc == 0)
			c->rc = fc_backtest(&c->spec, y, n, h, folds, scale, fc + (size_t)i * folds * h,
					    NULL, &c->bt);
		if (c->rc == 0 && isfinite(key(&c->bt))) {
			if (best < 0 || key(&c->bt) < key(&out->cand[best].bt)) {
				second = best;
				best = (int)i;
			} else if (second < 0 || key(&c->bt) < key(&out->cand[second].bt)) {
				second = (int)i;
			}
		}
		if (o->progress)
			o->progress(o->progress_arg, i + 1, out->n_cand, c->name);
	}
	*a = best;
	*b = -1;
	if (best >= 0)
		out->bt = out->cand[best].bt;
	if (second >= 0) { /* the mean of the best two, on the same folds */
		size_t k = (size_t)folds * h;
		double *fa = fc + (size_t)best * folds * h, *fb = fc + (size_t)second * folds * h;
		struct fc_metrics mix;
		for (size_t j = 0; j < k; j++)
			fa[j] = 0.5 * (fa[j] + fb[j]);
		fc_score(y + n - k, fa, (unsigned)k, scale, &mix);
		mix.fit_s = out->cand[best].bt.fit_s + out->cand[second].bt.fit_s;
		if (key(&mix) < key(&out->bt)) {
			out->bt = mix;
			*b = second;
		}
	}
	free(fc);
	return best < 0 ? 1 : 0;
}

/* The part's one-step sd around its forecast f. */
static double onestep_sd(const struct fc_part *p, double f)
{
	return p->sigma * pow(fabs(f), p->sd_power);
}

static uint32_t longest_season(const struct fc_spec *sp)
{
	return sp->season2 ? sp->season2 : sp->season;
}

/* The stand-in forecast for y[t] where a model makes none: its slot's
 * typical share of a cycle, scaled to the median of t's own cycle (so a
 * growing series' first cycle is not judged against later levels). The
 * share is the median over the whole cycles of y[j + kL] / cycle median
 * (a difference from it when a cycle's median is not positive). NAN with
 * fewer than 3 whole cycles: the median of two would keep half of an
 * anomaly. scratch holds max(L, n / L) doubles. */
struct slot_profile {
	uint32_t L;
	unsigned K;
	int ratio;
	double *share, *level; /* share[L], level[K] */
};

static void slot_profile(struct slot_profile *p, const double *y, unsigned n, double *scratch)
{
	p->K = n / p->L;
	p->ratio = 1;
	for (unsigned k = 0; k < p->K; k++) {
		memcpy(scratch, y + (size_t)k * p->L, p->L * sizeof(double));
		p->level[k] = fc_median(scratch, p->L);
		p->ratio &= p->level[k] > 0;
	}
	for (uint32_t j = 0; p->K >= 3 && j < p->L; j++) {
		for (unsigned k = 0; k < p->K; k++) {
			double v = y[j + (size_t)k * p->L];
			scratch[k] = p->ratio ? v / p->level[k] : v - p->level[k];
		}
		p->share[j] = fc_median(scratch, p->K);
	}
}

static double slot_forecast(const struct slot_profile *p, unsigned t)
{
	if (p->K < 3)
		return NAN;
	unsigned k = t / p->L < p->K ? t / p->L : p->K - 1;
	double s = p->share[t % p->L];
	return p->ratio ? s * p->level[k] : s + p->level[k];
}

/* Where a drop below f - w is clamped to. The sd is relative to the
 * forecast on traffic, and f - w is near zero once it is a fifth of f
 * (CLEAN_Z 4 at sigma .2): the drop would be kept as it was, and
 * forecast again a week later. So the same ratio below f as f + w is
 * above it, f / (1 + w / f); f - w where f is not positive. */
static double drop_bound(double f, double w)
{
	return f > 0 ? f / (1.0 + w / f) : f - w;
}

static bool below(double v, double f, double w)
{
	return isfinite(f) && w > 0 && v < f - w;
}

/* Anomalies in the training window would be learnt as normal traffic
 * (a surge raises its hour's seasonal term for weeks). The winner's own
 * in-sample one-step forecasts and interval find them: a point outside
 * f +- CLEAN_Z sd is set to the bound it crossed (a drop: drop_bound).
 * An outage is different: a run of drops of at most a quarter of the
 * short season that the series comes back from is traffic that went
 * missing, not a lower level, so like a gap it is filled, with its
 * slot's typical value (slot_forecast). Held at the bound, the hours of
 * one outage on a last day pulled the level a week's forecast starts
 * from down by a tenth (bench/RESULTS.md, s11 bytes). Not with the
 * model's forecast: after a surge that runs high, the normal hours that
 * follow look like drops, and filled with it they kept the surge.
 * But a forecast made just after an anomaly has already seen it, so one
 * pass clamps the rest of a run too little and flags the normal hour a
 * season later. Hence passes: each compares the raw values with the
 * forecasts of a fit on the previous pass's series, until no point
 * changes side (or CLEAN_PASSES).
 * The interval keeps the first pass's sigma: a fit on cleaned data has a
 * narrower one, and would clamp ever more points. Where a part makes no
 * forecast (its first season or two: they are its initial state),
 * slot_forecast stands in, so an anomaly in the first week is not kept
 * for good. Returns how many are clamped, or -ENOMEM. */
static int clamp_outliers(struct fc_selection *s, double *y, unsigned n, int a, int b)
{
	uint32_t L = longest_season(&s->cand[a].spec);
	if (b >= 0 && longest_season(&s->cand[b].spec) > L)
		L = longest_season(&s->cand[b].spec);
	if (L > n)
		L = n;
	struct fc_model *m = malloc(sizeof(*m));
	/* f, f2, raw; the profile's share and level; scratch (n doubles) */
	double *buf = malloc((5 * (size_t)n + L) * sizeof(double));
	double *f = buf, *f2 = buf + n, *raw = buf + 2 * (size_t)n;
	double *band = f2; /* once f2 is folded into f: the half-width around f */
	struct slot_profile prof = {.L = L, .share = buf + 3 * (size_t)n};
	struct fc_part width[2]; /* the first pass's sigma and sd_power */
	unsigned max_outage = s->season / 4;
	int count = 0;

	if (!m || !buf) {
		free(m);
		free(buf);
		return -ENOMEM;
	}
	prof.level = prof.share + L;
	memcpy(raw, y, n * sizeof(double));
	slot_profile(&prof, raw, n, prof.level + n / L);
	for (unsigned pass = 0; pass < CLEAN_PASSES; pass++) {
		if (fc_fit_onestep(&s->cand[a].spec, y, n, &m->part[0], f) != 0 ||
		    (b >= 0 && fc_fit_onestep(&s->cand[b].spec, y, n, &m->part[1], f2) != 0))
			break; /* a refit failing: keep the last pass's series */
		for (unsigned i = 0; pass == 0 && i < (b >= 0 ? 2u : 1u); i++) {
			width[i].sigma = m->part[i].sigma;
			width[i].sd_power = m->part[i].sd_power;
		}
		for (unsigned t = 0; t < n; t++) {
			if (!isfinite(f[t]))
				f[t] = slot_forecast(&prof, t);
			if (b >= 0 && !isfinite(f2[t]))
				f2[t] = slot_forecast(&prof, t);
			double sd = onestep_sd(&width[0], f[t]);
			if (b >= 0) {
				f[t] = 0.5 * (f[t] + f2[t]);
				sd = 0.5 * (sd + onestep_sd(&width[1], f2[t]));
			}
			band[t] = CLEAN_Z * sd;
		}
		int changed = 0;
		count = 0;
		for (unsigned t = 0; t < n;) {
			/* [t, e): a run of drops, or one point */
			unsigned e = t;
			while (e < n && below(raw[e], f[e], band[e]))
				e++;
			bool outage = e > t && e < n && e - t <= max_outage;
			if (e == t)
				e = t + 1;
			for (unsigned i = t; i < e; i++) {
				double v = raw[i], fill = slot_forecast(&prof, i);
				if (!isfinite(fill))
					fill = f[i];
				if (outage && fill > v) /* a fill never lowers a point: else its bound */
					v = fill;
				else if (below(v, f[i], band[i]))
					v = drop_bound(f[i], band[i]);
				else if (isfinite(f[i]) && band[i] > 0 && v > f[i] + band[i])
					v = f[i] + band[i];
				count += v != raw[i];
				changed |= (v != raw[i]) != (y[i] != raw[i]);
				y[i] = v;
			}
			t = e;
		}
		if (!changed)
			break;
	}
	free(m);
	free(buf);
	return count;
}

int fc_select(double *y, unsigned n, const struct fc_select_opts *o, struct fc_selection *out)
{
	int a, b;

	if (!y || n < 2)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	double med, sd;
	uint8_t *missing = calloc(n, 1);
	int rc = missing ? clean(y, n, out, &med, &sd, missing) : -ENOMEM;
	if (rc == 0)
		rc = pick_seasons(out, y, n, o, med, sd);
	if (rc == 0)
		fill_seasonal(y, n, missing, out->season, out->season2);
	free(missing);
	if (rc < 0)
		return rc;
	if (constant(y, n))
		return fallback(out, y, n, "constant series: seasonal naive %u");
	rc = search(out, y, n, o, &a, &b);
	if (rc == 0) {
		int k = clamp_outliers(out, y, n, a, b);
		if (k < 0)
			return k;
		if (k > 0) {
			note(out, "%u outliers in the training window set to their interval's bound (outages: filled)", (unsigned)k);
			rc = search(out, y, n, o, &a, &b);
		}
	}
	if (rc < 0)
		return rc;
	if (rc > 0)
		return fallback(out, y, n, "too few points for a backtest: seasonal naive %u");
	rc = fit_final(out, &out->cand[a].spec, b >= 0 ? &out->cand[b].spec : NULL, y, n);
	if (rc < 0) /* the backtest fitted it on less; should not happen */
		return fallback(out, y, n, "the chosen model failed to fit: seasonal naive %u");
	out->won[0] = a;
	out->won[1] = b;
	return 0;
}
