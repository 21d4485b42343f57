/* Answers about models: storing a new version, listing, forecasting. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "answer_store.h"
#include "fc_model.h"
#include "sa_counter.h"
#include "sa_time.h"
#include "sa_wire.h"
#include "schema.h"

#define MAX_HORIZON 10000
#define MAX_MODELS 1000

/* The latest version of a series' model decoded into the arena, or NULL. */
static Sa__Model *latest_model(struct tsdb *db, const char *series, struct sa_arena *a)
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

int answer_put_model(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a)
{
	uint8_t key[SCHEMA_MODEL_KEY_MAX];
	Sa__Model m;
	struct fc_model fm;

	if (q->model == NULL)
		return answer_fail(r, SA_ERR_INVALID, "no model given");
	m = *q->model;
	if (fc_model_unpack(&fm, fc_kind_parse(m.kind), m.season, m.params, (unsigned)m.n_params,
			    m.state, (unsigned)m.n_state, m.resid_sd) != 0)
		return answer_fail(r, SA_ERR_INVALID, "model parameters or state do not fit its kind");
	Sa__Model *prev = latest_model(db, m.series, a);
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

struct actual_ctx {
	uint64_t from_s;
	uint32_t step;
	int idx;
	double *sum;
	bool *seen;
};

static void add_actual(void *arg, uint64_t t_s, const uint64_t *v, size_t n)
{
	struct actual_ctx *c = arg;
	size_t i = (t_s - c->from_s) / c->step;

	if ((size_t)c->idx < n) {
		c->sum[i] += (double)v[c->idx];
		c->seen[i] = true;
	}
}

int answer_forecast(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a)
{
	const char *series = q->series && q->series[0] ? q->series : "bytes";
	Sa__Model *m = latest_model(db, series, a);
	struct fc_model fm;
	struct actual_ctx c;
	uint64_t last_ns, first_ns;

	if (m == NULL)
		return answer_fail(r, SA_ERR_NOT_FOUND, "no model for that series yet (run sa-trainer)");
	if (fc_model_unpack(&fm, fc_kind_parse(m->kind), m->season, m->params, (unsigned)m->n_params,
			    m->state, (unsigned)m->n_state, m->resid_sd) != 0)
		return answer_fail(r, SA_ERR_INTERNAL, "stored model does not decode");
	uint32_t h = q->horizon ? q->horizon : m->season;
	if (h > MAX_HORIZON)
		return answer_fail(r, SA_ERR_LIMIT, "horizon above 10000 steps");
	c.idx = sa_counter_index(series);
	c.step = m->step_s;
	c.from_s = m->trained_until_ns / SA_NS_PER_S + m->step_s;
	c.sum = sa_arena_alloc(a, h * sizeof(double));
	c.seen = sa_arena_alloc(a, h * sizeof(bool));
	/* Actuals only where the store has seen the whole step. */
	uint64_t known_to_s = c.from_s;
	if (c.idx >= 0 && answer_extent(db, 0, &first_ns, &last_ns)) {
		known_to_s = last_ns / SA_NS_PER_S / c.step * c.step;
		uint64_t end = c.from_s + (uint64_t)h * c.step;
		if (known_to_s > end)
			known_to_s = end;
		if (known_to_s > c.from_s)
			answer_scan_points(db, TSDB_SERIES, answer_pick_res(c.step, c.from_s, known_to_s), 0,
					 c.from_s, known_to_s, add_actual, &c);
	}
	r->forecast = sa_arena_alloc(a, h * sizeof(*r->forecast));
	for (uint32_t i = 0; i < h; i++) {
		Sa__ForecastPoint *p = sa_arena_alloc(a, sizeof(*p));
		sa__forecast_point__init(p);
		p->has_t_ns = p->has_forecast = p->has_lo80 = p->has_hi80 = p->has_lo95 = p->has_hi95 = 1;
		p->t_ns = (c.from_s + (uint64_t)i * c.step) * SA_NS_PER_S;
		p->forecast = fc_forecast(&fm, i + 1);
		fc_interval(&fm, i + 1, 1.2816, &p->lo80, &p->hi80);
		fc_interval(&fm, i + 1, 1.96, &p->lo95, &p->hi95);
		/* Every stored series counts something: never below zero. */
		p->forecast = p->forecast > 0 ? p->forecast : 0;
		p->lo80 = p->lo80 > 0 ? p->lo80 : 0;
		p->lo95 = p->lo95 > 0 ? p->lo95 : 0;
		if (c.from_s + (uint64_t)(i + 1) * c.step <= known_to_s) {
			p->has_actual_known = p->has_actual = 1;
			p->actual_known = true;
			p->actual = c.sum[i];
		}
		r->forecast[i] = p;
	}
	r->n_forecast = h;
	r->models = sa_arena_alloc(a, sizeof(*r->models));
	r->models[0] = m;
	r->n_models = 1;
	r->has_step_s = 1;
	r->step_s = m->step_s;
	return SA_OK;
}
