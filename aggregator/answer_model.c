/* Answers about models: storing a new version, listing, forecasting. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "answer_store.h"
#include "cls_features.h"
#include "fc_model.h"
#include "sa_model_wire.h"
#include "sa_series.h"
#include "sa_time.h"
#include "sa_wire.h"
#include "schema.h"

#define MAX_HORIZON 10000
#define MAX_MODELS 1000
#define BAD_MAX 160 /* a refusal's message */

Sa__Model *answer_latest_model(struct tsdb *db, const char *series, struct sa_arena *a)
{
	uint8_t from[SCHEMA_MODEL_KEY_MAX], to[SCHEMA_MODEL_KEY_MAX];
	size_t fl = schema_model_key(from, series, 0), tl = schema_model_key(to, series, UINT32_MAX);
	const uint8_t *k, *v;
	size_t kl, vl;
	Sa__Model *m = NULL;
	ProtobufCAllocator alloc = sa_wire_arena_allocator(a);

	if (fl == 0)
		return NULL;
	struct tsdb_iter *it = tsdb_iter_new_reverse(db, TSDB_MODELS, from, fl, to, tl);
	if (it && tsdb_iter_next(it, &k, &kl, &v, &vl))
		m = sa__model__unpack(&alloc, vl, v);
	tsdb_iter_destroy(&it);
	return m;
}

/* The wire check (sa_wire) already decoded the model: here it only gets
 * its version and time. */
int answer_put_model(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a)
{
	uint8_t key[SCHEMA_MODEL_KEY_MAX];
	Sa__Model m;
	const char *why;
	struct sa_series spec;

	if (q->model == NULL)
		return answer_fail(r, SA_ERR_INVALID, "no model given");
	m = *q->model;
	/* The ingest scores with catalogue features only (cls_features.h). */
	for (size_t j = 0; m.classifier && j < m.classifier->n_features; j++)
		if (cls_feature_index(m.classifier->features[j]) < 0) {
			char *bad = sa_arena_alloc(a, BAD_MAX);
			if (bad)
				snprintf(bad, BAD_MAX, "the classifier reads feature \"%.40s\", which flow records "
					 "do not have", m.classifier->features[j]);
			return answer_fail(r, SA_ERR_INVALID, bad ? bad : "the classifier reads an unknown feature");
		}
	if (m.classifier == NULL) {
		if (sa_series_parse(m.series, &spec, &why) != 0)
			return answer_fail(r, SA_ERR_INVALID, why);
		/* The monitor replays from the end of the training window: it
		 * must lie within what the store holds (a step of slack either
		 * way). */
		uint64_t first_ns, last_ns, slack = (uint64_t)m.step_s * SA_NS_PER_S;
		if (!answer_extent(db, 0, &first_ns, &last_ns) || m.trained_until_ns + slack < first_ns ||
		    m.trained_until_ns > last_ns + slack)
			return answer_fail(r, SA_ERR_INVALID,
					   "the model's training window ends outside the data stored");
	}
	Sa__Model *prev = answer_latest_model(db, m.series, a);
	m.has_version = m.has_created_ns = 1;
	m.version = prev ? prev->version + 1 : 1;
	m.created_ns = sa_wall_ns();
	size_t kl = schema_model_key(key, m.series, m.version);
	if (kl == 0)
		return answer_fail(r, SA_ERR_INVALID, "series name too long");
	uint8_t *buf;
	size_t len = sa_wire_pack(&m.base, &buf);
	struct tsdb_batch *b = tsdb_batch_new();
	if (len == 0 || b == NULL) {
		free(len ? buf : NULL);
		tsdb_batch_destroy(&b);
		return answer_fail(r, SA_ERR_INTERNAL, "out of memory");
	}
	tsdb_batch_put(b, db, TSDB_MODELS, key, kl, buf, len);
	int rc = tsdb_write(db, b);
	tsdb_batch_destroy(&b);
	free(buf);
	if (rc != 0)
		return answer_fail(r, SA_ERR_INTERNAL, "cannot store the model");
	r->models = sa_arena_alloc(a, sizeof(*r->models));
	r->models[0] = sa_arena_alloc(a, sizeof(Sa__Model));
	*r->models[0] = m;
	r->n_models = 1;
	return SA_OK;
}

int answer_models(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a)
{
	const uint8_t *k, *v;
	size_t kl, vl;
	ProtobufCAllocator alloc = sa_wire_arena_allocator(a);
	uint8_t from[SCHEMA_MODEL_KEY_MAX], to[SCHEMA_MODEL_KEY_MAX];
	size_t fl = 0, tl = 0;

	if (q->series && q->series[0]) { /* every version of one series */
		fl = schema_model_key(from, q->series, 0);
		tl = schema_model_key(to, q->series, UINT32_MAX);
		if (fl == 0)
			return answer_fail(r, SA_ERR_INVALID, "series name too long");
	}
	r->models = sa_arena_alloc(a, MAX_MODELS * sizeof(*r->models));
	struct tsdb_iter *it = tsdb_iter_new(db, TSDB_MODELS, from, fl, fl ? to : NULL, tl);
	while (it && r->n_models < MAX_MODELS && tsdb_iter_next(it, &k, &kl, &v, &vl)) {
		Sa__Model *m = sa__model__unpack(&alloc, vl, v);
		if (m != NULL)
			r->models[r->n_models++] = m;
	}
	tsdb_iter_destroy(&it);
	return SA_OK;
}

/* Actuals of the forecast's steps that the store holds completely: the
 * series as `sa series` answers it over [from_s, known_to_s). */
static void actuals(struct tsdb *db, const Sa__Model *m, uint64_t from_s, uint64_t known_to_s,
		    Sa__Response *fr, struct sa_arena *a)
{
	Sa__Query q = SA__QUERY__INIT;
	Sa__Response r = SA__RESPONSE__INIT;
	struct sa_series spec;
	const char *why;

	if (known_to_s <= from_s || sa_series_parse(m->series, &spec, &why) != 0)
		return;
	sa_series_query(&spec, &q);
	q.has_from_ns = q.has_to_ns = q.has_step_s = 1;
	q.from_ns = from_s * SA_NS_PER_S;
	q.to_ns = known_to_s * SA_NS_PER_S;
	q.step_s = m->step_s;
	if (answer_series(db, &q, &r, a) != SA_OK || r.step_s != m->step_s)
		return;
	for (size_t i = 0; i < r.n_points; i++) {
		uint64_t t_s = r.points[i]->t_ns / SA_NS_PER_S;
		size_t k = (t_s - from_s) / m->step_s;
		if (t_s < from_s || k >= fr->n_forecast || !r.points[i]->has_value)
			continue;
		Sa__ForecastPoint *p = fr->forecast[k];
		p->has_actual_known = p->has_actual = 1;
		p->actual_known = true;
		p->actual = r.points[i]->value;
	}
}

int answer_forecast(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a)
{
	const char *series = q->series && q->series[0] ? q->series : "bytes";
	Sa__Model *m = answer_latest_model(db, series, a);
	struct fc_model *fm = sa_arena_alloc(a, sizeof(*fm));
	uint64_t last_ns, first_ns;
	const char *why;

	if (m == NULL)
		return answer_fail(r, SA_ERR_NOT_FOUND, "no model for that series yet (run sa train)");
	if (fm == NULL)
		return answer_fail(r, SA_ERR_INTERNAL, "out of memory");
	if (sa_model_decode(m, fm, &why) != 0)
		return answer_fail(r, SA_ERR_INTERNAL, why);
	uint32_t h = q->horizon ? q->horizon : m->season ? m->season : 24;
	if (h > MAX_HORIZON)
		return answer_fail(r, SA_ERR_LIMIT, "horizon above 10000 steps");
	double *f = sa_arena_alloc(a, h * sizeof(double)), *se = sa_arena_alloc(a, h * sizeof(double));
	r->forecast = sa_arena_alloc(a, h * sizeof(*r->forecast));
	if (!f || !se || !r->forecast)
		return answer_fail(r, SA_ERR_INTERNAL, "out of memory");
	int prc = fc_path(fm, h, f, se);
	if (prc != 0)
		return answer_fail(r, SA_ERR_INTERNAL, prc == -ERANGE ? "the model's forecast overflows (retrain it)" :
							    "out of memory");
	uint64_t from_s = m->trained_until_ns / SA_NS_PER_S + m->step_s;
	for (uint32_t i = 0; i < h; i++) {
		Sa__ForecastPoint *p = sa_arena_alloc(a, sizeof(*p));
		if (p == NULL)
			return answer_fail(r, SA_ERR_INTERNAL, "out of memory");
		sa__forecast_point__init(p);
		p->has_t_ns = p->has_forecast = p->has_lo80 = p->has_hi80 = p->has_lo95 = p->has_hi95 = 1;
		p->t_ns = (from_s + (uint64_t)i * m->step_s) * SA_NS_PER_S;
		/* Every stored series counts something: never below zero. */
		p->forecast = f[i] > 0 ? f[i] : 0;
		p->lo80 = fmax(f[i] - FC_Z80 * se[i], 0);
		p->hi80 = fmax(f[i] + FC_Z80 * se[i], 0);
		p->lo95 = fmax(f[i] - FC_Z95 * se[i], 0);
		p->hi95 = fmax(f[i] + FC_Z95 * se[i], 0);
		r->forecast[i] = p;
	}
	r->n_forecast = h;
	/* Actuals only where the store has seen the whole step. */
	if (answer_extent(db, 0, &first_ns, &last_ns)) {
		uint64_t known_to_s = last_ns / SA_NS_PER_S / m->step_s * m->step_s;
		uint64_t end = from_s + (uint64_t)h * m->step_s;
		actuals(db, m, from_s, known_to_s < end ? known_to_s : end, r, a);
	}
	r->models = sa_arena_alloc(a, sizeof(*r->models));
	r->models[0] = m;
	r->n_models = 1;
	r->has_step_s = 1;
	r->step_s = m->step_s;
	return SA_OK;
}
