/* Answers about monitoring: stored alerts, and a series' forecast against
 * its actuals interval by interval (the monitor's rows). */
#include <string.h>

#include "answer.h"
#include "answer_store.h"
#include "sa_time.h"
#include "sa_wire.h"
#include "schema.h"

#define MAX_ALERTS 10000

int answer_alerts(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a)
{
	uint8_t from[8], to[8];
	const uint8_t *k, *v;
	size_t kl, vl;
	ProtobufCAllocator alloc = sa_wire_arena_allocator(a);
	uint32_t limit = q->limit && q->limit < MAX_ALERTS ? q->limit : MAX_ALERTS;
	const char *only = q->series && q->series[0] ? q->series : NULL;

	schema_be64(from, q->from_ns);
	schema_be64(to, q->to_ns ? q->to_ns : UINT64_MAX);
	r->alerts = sa_arena_alloc(a, limit * sizeof(*r->alerts));
	if (r->alerts == NULL)
		return answer_fail(r, SA_ERR_INTERNAL, "out of memory");
	struct tsdb_iter *it = tsdb_iter_new(db, TSDB_ALERTS, from, sizeof(from), to, sizeof(to));
	while (it && r->n_alerts < limit && tsdb_iter_next(it, &k, &kl, &v, &vl)) {
		if (only && (kl != 8 + strlen(only) || memcmp(k + 8, only, kl - 8) != 0))
			continue;
		Sa__Alert *al = sa__alert__unpack(&alloc, vl, v);
		if (al != NULL)
			r->alerts[r->n_alerts++] = al;
	}
	tsdb_iter_destroy(&it);
	return SA_OK;
}

int answer_monitor_rows(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a)
{
	uint8_t from[SCHEMA_SERIES_KEY_MAX], to[SCHEMA_SERIES_KEY_MAX];
	const uint8_t *k, *v;
	size_t kl, vl;
	ProtobufCAllocator alloc = sa_wire_arena_allocator(a);
	size_t fl = schema_monitor_key(from, q->series, q->from_ns / SA_NS_PER_S);
	size_t tl = schema_monitor_key(to, q->series, q->to_ns ? (q->to_ns - 1) / SA_NS_PER_S + 1 : UINT64_MAX);
	uint32_t limit = q->limit && q->limit < ANSWER_MAX_POINTS ? q->limit : ANSWER_MAX_POINTS;

	if (fl == 0 || tl == 0)
		return answer_fail(r, SA_ERR_INVALID, "series name empty or too long");
	r->forecast = sa_arena_alloc(a, limit * sizeof(*r->forecast));
	if (r->forecast == NULL)
		return answer_fail(r, SA_ERR_INTERNAL, "out of memory");
	/* The newest `limit` rows: read backwards, then put in time order. */
	struct tsdb_iter *it = tsdb_iter_new_reverse(db, TSDB_MONITOR, from, fl, to, tl);
	while (it && r->n_forecast < limit && tsdb_iter_next(it, &k, &kl, &v, &vl)) {
		Sa__ForecastPoint *p = sa__forecast_point__unpack(&alloc, vl, v);
		if (p != NULL)
			r->forecast[r->n_forecast++] = p;
	}
	tsdb_iter_destroy(&it);
	for (size_t i = 0; i < r->n_forecast / 2; i++) {
		Sa__ForecastPoint *t = r->forecast[i];
		r->forecast[i] = r->forecast[r->n_forecast - 1 - i];
		r->forecast[r->n_forecast - 1 - i] = t;
	}
	if (r->n_forecast == 0)
		return answer_fail(r, SA_ERR_NOT_FOUND, "no monitored intervals for that series in that range "
			"(is there a model for it? sa models)");
	return SA_OK;
}
