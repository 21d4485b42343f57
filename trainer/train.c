/* Fetch, select, store (see train.h). */
#define _GNU_SOURCE /* program_invocation_short_name */
#include "train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_select.h"
#include "sa_client.h"
#include "sa_log.h"
#include "sa_model_wire.h"
#include "sa_series.h"
#include "sa_time.h"
#include "sa_wire.h"

#define CALL_MS 30000
#define EMPTY_MIN 48 /* empty steps in a row that end what training looks at */
#define PROG program_invocation_short_name /* sa-trainer or sa */

struct series_data {
	double *y;
	unsigned n;
	uint64_t t0_ns;            /* time of y[0] */
};

/* Where the points worth fetching start: history + holdout steps before
 * the newest data, found by a day-step probe of the same series (cheap,
 * hourly rows). Reading the whole range instead would hit the answer's
 * point limit on long stores and, at a 1 s step, ask for 1 s rows past
 * their retention. 0 (everything) if the probe fails. */
static uint64_t from_ns(const struct train_conf *c, const Sa__Query *series_q)
{
	Sa__Query q = *series_q;
	char err[256];
	uint64_t want = ((uint64_t)c->history + c->holdout + 2) * c->step_s + 86400;

	q.step_s = 86400;
	q.has_from_ns = 0;
	Sa__Response *r = sa_client_call(c->server, &q, CALL_MS, err, sizeof(err));
	uint64_t end_s = r && r->code == SA_OK ? r->to_ns / SA_NS_PER_S : 0;
	if (r)
		sa__response__free_unpacked(r, NULL);
	return end_s > want ? (end_s - want) / c->step_s * c->step_s * SA_NS_PER_S : 0;
}

/* The complete points of the series (the newest, possibly partial, step
 * is dropped; a step without a value is NaN, which fc_select fills).
 * Returns 0 or -1 (logged). */
static int fetch(const struct train_conf *c, const char *series, struct series_data *d)
{
	struct sa_series spec;
	Sa__Query q = SA__QUERY__INIT;
	const char *why;
	char err[256];

	if (sa_series_parse(series, &spec, &why) != 0) {
		fprintf(stderr, "%s: %s: %s\n", PROG, series, why);
		return -1;
	}
	sa_series_query(&spec, &q);
	q.has_step_s = q.has_from_ns = 1;
	q.step_s = c->step_s;
	q.from_ns = from_ns(c, &q);
	Sa__Response *r = sa_client_call(c->server, &q, CALL_MS, err, sizeof(err));
	if (r == NULL || r->code != SA_OK || r->step_s != c->step_s) {
		fprintf(stderr, "%s: %s: %s\n", PROG, series,
			r == NULL ? err : r->code != SA_OK ? r->message : "the store answers at another step");
		if (r)
			sa__response__free_unpacked(r, NULL);
		return -1;
	}
	size_t n = r->n_points > 0 ? r->n_points - 1 : 0, skip = n > c->history ? n - c->history : 0;
	d->n = (unsigned)(n - skip);
	d->y = malloc((d->n ? d->n : 1) * sizeof(double));
	d->t0_ns = d->n ? r->points[skip]->t_ns : 0;
	for (unsigned i = 0; d->y && i < d->n; i++) {
		const Sa__SeriesPoint *p = r->points[skip + i];
		d->y[i] = p->has_value ? p->value : NAN;
	}
	sa__response__free_unpacked(r, NULL);
	return d->y ? 0 : -1;
}

/* "name MASE x; ..." of the candidates that lost, as far as it fits. */
static void losers(const struct fc_selection *s, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < s->n_cand && off + 1 < len; i++) {
		const struct fc_candidate *k = &s->cand[i];
		int w;
		if (strcmp(k->name, s->name) == 0)
			continue;
		if (k->rc == 0)
			w = snprintf(buf + off, len - off, "%s%s MASE %.3g", off ? "; " : "", k->name, k->bt.mase);
		else
			w = snprintf(buf + off, len - off, "%s%s not scored", off ? "; " : "", k->name);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

static int store(const struct train_conf *c, const char *series, const struct fc_selection *s,
		 const struct series_data *d, unsigned train, double select_s)
{
	Sa__Query q = SA__QUERY__INIT;
	Sa__Model pm = SA__MODEL__INIT;
	struct sa_model_parts *parts = malloc(sizeof(*parts));
	char rejected[1024], err[256];

	if (parts == NULL)
		return -1;
	losers(s, rejected, sizeof(rejected));
	sa_model_encode(&s->model, &pm, parts);
	pm.series = (char *)series;
	pm.kind = (char *)s->name;
	pm.has_season = pm.has_season2 = pm.has_step_s = pm.has_trained_until_ns = 1;
	pm.has_trained_from_ns = pm.has_train_points = pm.has_horizon = pm.has_folds = 1;
	pm.has_mae = pm.has_rmse = pm.has_mape = pm.has_mase = pm.has_fit_s = pm.has_select_s = 1;
	pm.season = s->season;
	pm.season2 = s->season2;
	pm.step_s = c->step_s;
	pm.trained_from_ns = d->t0_ns;
	pm.trained_until_ns = d->t0_ns + (uint64_t)(train - 1) * c->step_s * SA_NS_PER_S;
	pm.train_points = train;
	pm.horizon = s->horizon;
	pm.folds = s->folds;
	/* Metrics that could not be measured (no backtest) stay NaN. */
	pm.mae = s->folds ? s->bt.mae : NAN;
	pm.rmse = s->folds ? s->bt.rmse : NAN;
	pm.mape = s->folds ? s->bt.mape : NAN;
	pm.mase = s->folds ? s->bt.mase : NAN;
	pm.fit_s = s->fit_s;
	pm.select_s = select_s;
	pm.rejected = rejected;
	pm.note = (char *)s->note;
	q.has_kind = 1;
	q.kind = SA__QUERY_KIND__Q_PUT_MODEL;
	q.model = &pm;
	Sa__Response *r = sa_client_call(c->server, &q, CALL_MS, err, sizeof(err));
	free(parts);
	if (r == NULL || r->code != SA_OK) {
		fprintf(stderr, "%s: %s: cannot store the model: %s\n", PROG, series, r ? r->message : err);
		if (r)
			sa__response__free_unpacked(r, NULL);
		return -1;
	}
	fprintf(stderr, "%s: %s: stored %s v%u (%u points of %u s, seasons %u/%u): backtest MASE %.3g "
		"MAE %.4g RMSE %.4g over %u x %u; fit %.3f s, search %.2f s%s%s\n", PROG,
		series, s->name, r->models[0]->version, train, c->step_s, s->season, s->season2, pm.mase,
		pm.mae, pm.rmse, s->folds, s->horizon, s->fit_s, select_s, s->note[0] ? "; " : "", s->note);
	sa__response__free_unpacked(r, NULL);
	return 0;
}

static int empty(double v)
{
	return v == 0 || !isfinite(v);
}

/* Drops the first cut points. */
static void drop_front(struct series_data *d, unsigned cut, unsigned step_s)
{
	memmove(d->y, d->y + cut, (d->n - cut) * sizeof(double));
	d->n -= cut;
	d->t0_ns += (uint64_t)cut * step_s * SA_NS_PER_S;
}

/* The fetch starts a fixed history before the newest data, so it may
 * begin before the series has any: those empty points go first, without
 * a word. Then a long run of empty steps inside (a node's clock jumped,
 * or nothing was captured for days) is not traffic the model should
 * learn: training starts after the last such run of at least
 * max(EMPTY_MIN, n/4) steps. Returns the points skipped that way. */
static unsigned skip_empty_run(struct series_data *d, unsigned step_s)
{
	unsigned lead = 0, run = 0, cut = 0;

	while (lead < d->n && empty(d->y[lead]))
		lead++;
	if (lead > 0 && lead < d->n)
		drop_front(d, lead, step_s);
	unsigned min = d->n / 4 > EMPTY_MIN ? d->n / 4 : EMPTY_MIN;
	for (unsigned t = 0; t < d->n; t++) {
		run = empty(d->y[t]) ? run + 1 : 0;
		if (run >= min)
			cut = t + 1;
	}
	if (cut == 0 || cut >= d->n)
		return 0;
	drop_front(d, cut, step_s);
	return cut;
}

struct progress_ctx {
	const char *series;
};

static void progress(void *arg, unsigned done, unsigned total, const char *what)
{
	const struct progress_ctx *p = arg;
	fprintf(stderr, "\r\033[K%s: %s: backtest %u/%u %s", PROG, p->series, done, total, what);
	if (done == total)
		fputs("\r\033[K", stderr);
}

int train_series(const struct train_conf *c, const char *series)
{
	struct series_data d = {0};
	struct progress_ctx pc = {series};
	int rc = -1;

	if (fetch(c, series, &d) != 0)
		return -1;
	unsigned skipped = skip_empty_run(&d, c->step_s);
	unsigned train = d.n > c->holdout ? d.n - c->holdout : 0;
	if (train < 2) {
		fprintf(stderr, "%s: %s: %u complete points of %u s (%u held out, %u empty ones skipped before "
			"them): too few to train\n", PROG, series, d.n, c->step_s, c->holdout, skipped);
		goto out;
	}
	struct fc_selection *s = malloc(sizeof(*s));
	struct fc_select_opts o = {.season = c->season, .season2 = c->season2, .horizon = c->horizon,
				   .folds = c->folds, .budget_s = c->budget_s,
				   .progress = c->progress ? progress : NULL, .progress_arg = &pc};
	uint64_t t0 = sa_mono_ns();
	if (s == NULL || fc_select(d.y, train, &o, s) != 0) {
		fprintf(stderr, "%s: %s: selection failed (out of memory)\n", PROG, series);
	} else {
		size_t l = strlen(s->note);
		if (skipped)
			snprintf(s->note + l, sizeof(s->note) - l, "%s%u empty steps (a clock jump or a gap) "
				 "skipped: trained from the traffic after them", l ? "; " : "", skipped);
		rc = store(c, series, s, &d, train, (double)(sa_mono_ns() - t0) / 1e9);
	}
	free(s);
out:
	free(d.y);
	return rc;
}
