/* Answers read from time rows: nodes, series, histograms, top-N, summary. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "answer_store.h"
#include "sa_counter.h"
#include "sa_time.h"
#include "sa_wire.h"
#include "schema.h"
#include "topk_set.h"

#define TOP_MERGE_CAPACITY 4096

int answer_nodes(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a)
{
	uint8_t from[SCHEMA_NODE_KEY_LEN], to[SCHEMA_NODE_KEY_LEN];
	const uint8_t *k, *v;
	size_t kl, vl, cap = 64;
	ProtobufCAllocator alloc = sa_wire_arena_allocator(a);

	(void)q;
	schema_node_key(from, 'n', 0);
	schema_node_key(to, 'o', 0);
	r->nodes = sa_arena_alloc(a, cap * sizeof(*r->nodes));
	struct tsdb_iter *it = tsdb_iter_new(db, TSDB_INGEST, from, sizeof(from), to, sizeof(to));
	while (it && tsdb_iter_next(it, &k, &kl, &v, &vl)) {
		Sa__NodeInfo *n = sa__node_info__unpack(&alloc, vl, v);
		if (n == NULL)
			continue;
		if (r->n_nodes == cap) {
			Sa__NodeInfo **bigger = sa_arena_alloc(a, 2 * cap * sizeof(*bigger));
			memcpy(bigger, r->nodes, cap * sizeof(*bigger));
			r->nodes = bigger;
			cap *= 2;
		}
		r->nodes[r->n_nodes++] = n;
	}
	tsdb_iter_destroy(&it);
	return SA_OK;
}

/* Where histogram kind h ("size" by default, "iat", "rtt") sits in a hist
 * row, and its buckets' lower bounds; NULL for an unknown kind. */
static double (*hist_kind(const char *h, unsigned *off, unsigned *n))(unsigned)
{
	if (h == NULL || h[0] == '\0' || strcmp(h, "size") == 0) {
		*off = 0;
		*n = SA_SIZE_BUCKETS;
		return sa_size_lower_d;
	}
	*n = SA_TIME_BUCKETS;
	*off = strcmp(h, "iat") == 0 ? SCHEMA_HIST_IAT : SCHEMA_HIST_RTT;
	return strcmp(h, "iat") == 0 || strcmp(h, "rtt") == 0 ? sa_time_lower_d : NULL;
}

struct series_ctx {
	uint64_t from_s;
	uint32_t res_s, step;
	int idx;           /* the counter or dims column summed */
	double *rows;      /* one value per row of res_s */
	uint8_t *seen;     /* per step: a row was stored */
	unsigned off, n;   /* percentile series: the histogram's buckets in a row */
	uint64_t *buckets; /* n per step */
};

static void add_series_row(void *arg, uint64_t t_s, const uint64_t *v, size_t n)
{
	struct series_ctx *c = arg;

	if ((size_t)c->idx < n)
		c->rows[(t_s - c->from_s) / c->res_s] += (double)v[c->idx];
	c->seen[(t_s - c->from_s) / c->step] = 1;
}

static void add_hist_row(void *arg, uint64_t t_s, const uint64_t *v, size_t n)
{
	struct series_ctx *c = arg;
	uint64_t *b = c->buckets + (t_s - c->from_s) / c->step * c->n;

	for (unsigned i = 0; i < c->n && c->off + i < n; i++)
		b[i] += v[c->off + i];
}

/* "p50", "p95", "p99" (any p1..p99): the fraction, or 0 if not one. */
static double percentile(const char *m)
{
	char *end;
	long p = m && m[0] == 'p' && isdigit((unsigned char)m[1]) ? strtol(m + 1, &end, 10) : 0;

	return p >= 1 && p <= 99 && *end == '\0' ? p / 100.0 : 0;
}

static uint32_t default_step(uint64_t span_s)
{
	static const uint32_t steps[] = {1, 60, 3600, 86400};

	for (unsigned i = 0; i < 3; i++)
		if (span_s / steps[i] <= 2000)
			return steps[i];
	return steps[3];
}

/* The column of a class row a metric names, or -1 (default bytes). */
int dim_column(const char *metric)
{
	static const char *const names[DIM_COLS] = {"bytes", "packets", "flows", "labelled", "correct"};
	const char *m = metric && metric[0] ? metric : "bytes";

	for (int i = 0; i < DIM_COLS; i++)
		if (strcmp(m, names[i]) == 0)
			return i;
	return -1;
}

/* What a series query reads: a counter, a histogram's percentile, or the
 * bytes or packets of one tracked key (or "other") summed over dimensions.
 * Returns NULL, or the error message. */
static const char *series_what(const Sa__Query *q, struct series_ctx *c, double *pct,
			       double (**lower)(unsigned), uint8_t key[2], size_t *key_len, Sa__SeriesAgg *agg)
{
	if (q->hist && q->hist[0]) {
		/* A percentile of a histogram per step, e.g. p95 of packet sizes. */
		if ((*lower = hist_kind(q->hist, &c->off, &c->n)) == NULL || (*pct = percentile(q->metric)) == 0)
			return "a histogram series wants --kind size, iat or rtt and --metric p1 .. p99";
		if (q->agg != SA__SERIES_AGG__AGG_SUM || q->dims)
			return "a histogram's percentile series takes no aggregation and no address or port";
		return NULL;
	}
	if (q->dims & 1u << SCHEMA_DIM_CLASS) {
		c->idx = dim_column(q->metric);
		if (c->idx < 0 || (q->proto && q->proto[0]) || q->dims != 1u << SCHEMA_DIM_CLASS)
			return "a class's series counts bytes, packets, flows, labelled or correct, of every protocol";
		if (!q->class_name || !q->class_name[0])
			return "a series by class wants the class name";
		return NULL;
	}
	if (q->dims) {
		const char *m = q->metric && q->metric[0] ? q->metric : "bytes";
		c->idx = strcmp(m, "bytes") == 0 ? DIM_BYTES : strcmp(m, "packets") == 0 ? DIM_PACKETS : -1;
		if (c->idx < 0 || (q->proto && q->proto[0]))
			return "an address's or port's series counts bytes or packets, of every protocol";
		bool ports = q->dims & (1u << SA__TOP_DIM__TOP_SRC_PORT | 1u << SA__TOP_DIM__TOP_DST_PORT);
		*key_len = q->other ? 0 : ports ? 2 : q->ip.len;
		if (!q->other && (ports ? !q->has_port : q->ip.len == 0))
			return "a series by address or port wants the address or port (or the other series)";
		key[0] = (uint8_t)(q->port >> 8);
		key[1] = (uint8_t)q->port;
		return NULL;
	}
	if (q->metric && strcmp(q->metric, "active_flows") == 0 && !(q->proto && q->proto[0])) {
		/* Flows active per second: the rate of the flow-seconds counter. */
		c->idx = SA_C_ACTIVE_FLOW_SECONDS;
		if (!q->has_agg)
			*agg = SA__SERIES_AGG__AGG_RATE;
		return NULL;
	}
	if ((c->idx = sa_counter_of_metric(q->metric, q->proto)) < 0)
		return "unknown metric or protocol (metrics: packets, bytes, flows, active_flows or a "
		       "counter name; protocols: tcp, udp, icmp, other, ipv4, ipv6, nonip)";
	return NULL;
}

/* A step's value from its rows: sum, per second, mean row, or largest row. */
static double step_value(const double *row, uint32_t n, uint32_t step, Sa__SeriesAgg agg)
{
	double sum = 0, max = 0;

	for (uint32_t i = 0; i < n; i++) {
		sum += row[i];
		if (row[i] > max)
			max = row[i];
	}
	switch (agg) {
	case SA__SERIES_AGG__AGG_RATE: return sum / step;
	case SA__SERIES_AGG__AGG_AVG: return sum / n;
	case SA__SERIES_AGG__AGG_MAX: return max;
	default: return sum;
	}
}

int answer_series(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a)
{
	if (q->metric && !q->dims && (strcmp(q->metric, "class_drift") == 0 || strcmp(q->metric, "live_accuracy") == 0))
		return answer_class_series(db, q, r, a);
	struct series_ctx c = {0};
	uint64_t from_s, to_s;
	uint32_t step = q->step_s;
	double pct = 0, (*lower)(unsigned) = NULL;
	uint8_t port_key[2];
	size_t key_len = 0;
	Sa__SeriesAgg agg = q->agg;
	const char *bad = series_what(q, &c, &pct, &lower, port_key, &key_len, &agg);

	if (bad != NULL)
		return answer_fail(r, SA_ERR_INVALID, bad);
	if (!answer_range_s(db, q, 1, &from_s, &to_s))
		return answer_fail(r, SA_ERR_NOT_FOUND, "no data stored in that range");
	if (step == 0)
		step = default_step(to_s - from_s);
	if (!answer_range_s(db, q, step, &from_s, &to_s))
		return answer_fail(r, SA_ERR_NOT_FOUND, "no data stored in that range");
	/* Rows past their tier's retention: a coarser tier's steps answer. */
	unsigned held = answer_tier_holding(db, q->node_id, answer_pick_res(step, from_s, to_s), &from_s, &to_s);
	if (step % schema_res_seconds[held] != 0) {
		uint64_t len = schema_res_seconds[held], wider = ((uint64_t)step + len - 1) / len * len;
		if (wider > UINT32_MAX)
			return answer_fail(r, SA_ERR_LIMIT, "step too large");
		step = (uint32_t)wider;
		to_s = from_s + (to_s - from_s + step - 1) / step * step;
	}
	uint64_t n = (to_s - from_s) / step;
	if (n > ANSWER_MAX_POINTS)
		return answer_fail(r, SA_ERR_LIMIT, "too many points: use a larger step or a shorter range");
	/* A mean or a peak is of the finest rows still held; a sum reads the fewest. */
	bool fine = agg == SA__SERIES_AGG__AGG_AVG || agg == SA__SERIES_AGG__AGG_MAX;
	unsigned res = fine ? answer_finest_res(db, q->node_id, step, from_s, to_s) : answer_pick_res(step, from_s, to_s);
	c.from_s = from_s;
	c.step = step;
	c.res_s = schema_res_seconds[res];
	uint64_t nrows = (to_s - from_s) / c.res_s;
	if (!lower && nrows > ANSWER_MAX_ROWS)
		return answer_fail(r, SA_ERR_LIMIT, "too many rows to read: use a larger step or a shorter range");
	c.rows = lower ? NULL : sa_arena_alloc(a, nrows * sizeof(double));
	c.buckets = lower ? sa_arena_alloc(a, n * c.n * sizeof(uint64_t)) : NULL;
	c.seen = sa_arena_alloc(a, n);
	uint8_t *covered = sa_arena_alloc(a, n);
	if ((lower ? c.buckets == NULL : c.rows == NULL) || c.seen == NULL || covered == NULL)
		return answer_fail(r, SA_ERR_INTERNAL, "out of memory");
	if (!lower)
		answer_coverage(db, q->node_id, from_s, step, n, covered);
	if (lower)
		answer_scan_points(db, TSDB_HIST, res, q->node_id, from_s, to_s, add_hist_row, &c);
	else if (!q->dims)
		answer_scan_points(db, TSDB_SERIES, res, q->node_id, from_s, to_s, add_series_row, &c);
	if (q->dims & 1u << SCHEMA_DIM_CLASS) {
		size_t cl = strlen(q->class_name);
		answer_scan_dim_points(db, res, q->node_id, SCHEMA_DIM_CLASS, (const uint8_t *)q->class_name,
				       cl < SCHEMA_CLASS_KEY_MAX ? cl : SCHEMA_CLASS_KEY_MAX, from_s, to_s,
				       add_series_row, &c);
	}
	for (unsigned d = 0; d < SCHEMA_DIMS; d++)
		if (q->dims & 1u << d)
			answer_scan_dim_points(db, res, q->node_id, d, key_len == 2 ? port_key : q->ip.data, key_len,
					       from_s, to_s, add_series_row, &c);
	r->points = sa_arena_alloc(a, n * sizeof(*r->points));
	Sa__SeriesPoint *pts = sa_arena_alloc(a, n * sizeof(*pts));
	uint32_t per_step = step / c.res_s;
	for (uint64_t i = 0; i < n; i++) {
		sa__series_point__init(&pts[i]);
		pts[i].has_t_ns = pts[i].has_value = 1;
		pts[i].t_ns = (from_s + i * step) * SA_NS_PER_S;
		if (lower) {
			/* A step that saw nothing has no percentile: no value. */
			pts[i].value = sa_hist_quantile(c.buckets + i * c.n, c.n, pct, lower);
			pts[i].has_value = pts[i].value >= 0;
		} else {
			pts[i].value = step_value(c.rows + i * per_step, per_step, step, agg);
			/* No node capturing, nothing stored: unknown, not zero. */
			pts[i].has_value = covered[i] || c.seen[i];
		}
		r->points[i] = &pts[i];
	}
	r->n_points = n;
	r->has_step_s = r->has_agg = 1;
	r->step_s = step;
	r->agg = agg;
	answer_say_range(r, from_s, to_s, res);
	return SA_OK;
}

struct sum_ctx {
	uint64_t *sum;
	size_t n;
};

static void add_row(void *arg, uint64_t t_s, const uint64_t *v, size_t n)
{
	struct sum_ctx *c = arg;

	(void)t_s;
	for (size_t i = 0; i < n && i < c->n; i++)
		c->sum[i] += v[i];
}

/* Sums rows of cf over the query's range, at the coarsest exact resolution. */
static int sum_range(struct tsdb *db, const Sa__Query *q, enum tsdb_cf cf, uint64_t *sum, size_t n,
		     Sa__Response *r)
{
	struct sum_ctx c = {sum, n};
	uint64_t from_s, to_s;
	uint32_t align = q->from_ns == 0 && q->to_ns == 0 ? 3600 : 1;

	if (!answer_range_s(db, q, align, &from_s, &to_s))
		return answer_fail(r, SA_ERR_NOT_FOUND, "no data stored in that range");
	unsigned res = answer_pick_res(to_s - from_s, from_s, to_s);
	res = answer_tier_holding(db, q->node_id, res, &from_s, &to_s);
	answer_scan_points(db, cf, res, q->node_id, from_s, to_s, add_row, &c);
	answer_say_range(r, from_s, to_s, res);
	return SA_OK;
}

int answer_hist(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a)
{
	uint64_t all[SCHEMA_HIST_LEN] = {0};
	unsigned off, n;

	if (hist_kind(q->hist, &off, &n) == NULL)
		return answer_fail(r, SA_ERR_INVALID, "unknown histogram (size, iat or rtt)");
	int rc = sum_range(db, q, TSDB_HIST, all, SCHEMA_HIST_LEN, r);
	if (rc != SA_OK)
		return rc;
	r->hist = sa_arena_alloc(a, n * sizeof(uint64_t));
	memcpy(r->hist, all + off, n * sizeof(uint64_t));
	r->n_hist = n;
	return SA_OK;
}

int answer_summary(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a)
{
	uint64_t first, last;
	int rc;

	r->counters = sa_arena_alloc(a, SA_C_COUNT * sizeof(uint64_t));
	rc = sum_range(db, q, TSDB_SERIES, r->counters, SA_C_COUNT, r);
	if (rc != SA_OK)
		return rc;
	r->n_counters = SA_C_COUNT;
	rc = answer_conversations(db, q, &r->tcp_conversations, &r->udp_conversations);
	if (rc != SA_OK)
		return answer_fail(r, rc, "cannot read flow records");
	r->has_tcp_conversations = r->has_udp_conversations = 1;
	if (answer_extent(db, q->node_id, &first, &last)) {
		r->has_first_ns = r->has_last_ns = 1;
		r->first_ns = first;
		r->last_ns = last;
	}
	return SA_OK;
}

/* Merges node's stored sketch `sketch` at res over [from_s, to_s) into sk. */
static void merge_top_rows(struct tsdb *db, unsigned res, uint32_t node, unsigned sketch, uint64_t from_s,
			   uint64_t to_s, struct sa_topk *sk)
{
	uint8_t from[SCHEMA_TOPK_KEY_LEN], to[SCHEMA_TOPK_KEY_LEN];
	const uint8_t *k, *v;
	size_t kl, vl;

	schema_topk_key(from, res, node, sketch, from_s);
	schema_topk_key(to, res, node, sketch, to_s);
	struct tsdb_iter *it = tsdb_iter_new(db, TSDB_TOPK, from, sizeof(from), to, sizeof(to));
	while (it && tsdb_iter_next(it, &k, &kl, &v, &vl))
		topk_sketch_add_blob(sk, v, vl);
	tsdb_iter_destroy(&it);
}

int answer_top(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a)
{
	struct sa_topk *sk;
	unsigned weight, dim = q->dimension; /* validated by sa_wire */
	uint64_t from_s, to_s;
	unsigned limit = q->limit ? q->limit : 10;
	const char *m = q->metric && q->metric[0] ? q->metric : "bytes";

	if (strcmp(m, "bytes") == 0)
		weight = 0;
	else if (strcmp(m, "packets") == 0)
		weight = 1;
	else
		return answer_fail(r, SA_ERR_INVALID, "top ranks by bytes or packets");
	if (limit > ANSWER_MAX_TOP)
		return answer_fail(r, SA_ERR_LIMIT, "top limit above 10000");
	/* Sketches are stored per minute and hour; an open range takes whole hours. */
	if (!answer_range_s(db, q, q->from_ns == 0 && q->to_ns == 0 ? 3600 : 60, &from_s, &to_s))
		return answer_fail(r, SA_ERR_NOT_FOUND, "no data stored in that range");
	if ((sk = sa_topk_new(TOP_MERGE_CAPACITY)) == NULL)
		return answer_fail(r, SA_ERR_INTERNAL, "out of memory");
	/* The whole range is one sum: the coarsest rows that tile it. */
	unsigned res = answer_pick_res(to_s - from_s, from_s, to_s);
	res = answer_tier_holding(db, q->node_id, res, &from_s, &to_s);
	merge_top_rows(db, res, q->node_id, weight * TOPK_DIMS + dim, from_s, to_s, sk);
	struct sa_topk_entry *list = sa_arena_alloc(a, (sa_topk_size(sk) + 1) * sizeof(*list));
	if (list == NULL) {
		sa_topk_destroy(&sk);
		return answer_fail(r, SA_ERR_INTERNAL, "out of memory");
	}
	unsigned n = sa_topk_list(sk, list);
	if (n > limit)
		n = limit;
	r->top = sa_arena_alloc(a, (n ? n : 1) * sizeof(*r->top));
	for (unsigned i = 0; i < n; i++) {
		Sa__TopEntry *e = sa_arena_alloc(a, sizeof(*e));
		sa__top_entry__init(e);
		e->has_key = e->has_count = e->has_error = 1;
		e->key = (ProtobufCBinaryData){list[i].key_len, list[i].key};
		e->count = list[i].count;
		e->error = list[i].err;
		r->top[i] = e;
	}
	r->n_top = n;
	r->has_total = 1;
	r->total = sa_topk_total(sk);
	answer_say_range(r, from_s, to_s, res);
	sa_topk_destroy(&sk);
	return SA_OK;
}
