#include <stdlib.h>
#include <string.h>

#include "answer_store.h"
#include "node_list.h"
#include "sa_ptb.h"
#include "sa_time.h"
#include "sa_wire.h"
#include "schema.h"

int answer_fail(Sa__Response *r, int code, const char *msg)
{
	r->has_code = 1;
	r->code = (uint32_t)code;
	r->message = (char *)msg;
	return code;
}

bool answer_extent(struct tsdb *db, uint32_t node, uint64_t *first_ns, uint64_t *last_ns)
{
	uint8_t from[SCHEMA_NODE_KEY_LEN], to[SCHEMA_NODE_KEY_LEN];
	const uint8_t *k, *v;
	size_t kl, vl;
	bool any = false;

	schema_node_key(from, 'e', node ? node : 0);
	schema_node_key(to, node ? 'e' : 'f', node ? node + 1 : 0);
	if (node == UINT32_MAX)
		schema_node_key(to, 'f', 0);
	struct tsdb_iter *it = tsdb_iter_new(db, TSDB_INGEST, from, sizeof(from), to, sizeof(to));
	*first_ns = UINT64_MAX;
	*last_ns = 0;
	while (it && tsdb_iter_next(it, &k, &kl, &v, &vl)) {
		uint64_t e[2];
		if (schema_u64s_decode(v, vl, e, 2) != 2 || e[1] == 0)
			continue;
		if (e[0] < *first_ns)
			*first_ns = e[0];
		if (e[1] > *last_ns)
			*last_ns = e[1];
		any = true;
	}
	tsdb_iter_destroy(&it);
	return any;
}

bool answer_range_s(struct tsdb *db, const Sa__Query *q, uint32_t align, uint64_t *from_s,
		    uint64_t *to_s)
{
	uint64_t first, last, from = q->from_ns, to = q->to_ns;

	if (from == 0 || to == 0) {
		if (!answer_extent(db, q->node_id, &first, &last))
			return false;
		if (from == 0)
			from = first;
		if (to == 0)
			to = last + 1;
	}
	if (to <= from)
		return false;
	*from_s = from / SA_NS_PER_S / align * align;
	uint64_t end_s = (to + SA_NS_PER_S - 1) / SA_NS_PER_S;
	*to_s = (end_s + align - 1) / align * align;
	return true;
}

unsigned answer_pick_res(uint64_t step, uint64_t from_s, uint64_t to_s)
{
	for (int r = RES_COUNT - 1; r > 0; r--) {
		uint32_t s = schema_res_seconds[r];
		if (step % s == 0 && from_s % s == 0 && to_s % s == 0)
			return (unsigned)r;
	}
	return RES_1S;
}

/* Whether node's rows of tier r still reach back to from_s, or to the
 * first data stored (first_s) when that is later: retention deletes whole
 * blocks from the oldest, so the tier's oldest block must start no later
 * than that time's block. */
static bool tier_holds(struct tsdb *db, uint32_t node, unsigned r, uint64_t from_s, uint64_t first_s)
{
	uint8_t lo[SCHEMA_TIME_KEY_LEN], hi[SCHEMA_TIME_KEY_LEN];
	const uint8_t *k, *v;
	size_t kl, vl;
	uint64_t since = from_s > first_s ? from_s : first_s;

	schema_time_key(lo, r, node, 0);
	schema_time_key(hi, r, node, schema_block_start(r, since) + 1);
	struct tsdb_iter *it = tsdb_iter_new(db, TSDB_SERIES, lo, sizeof(lo), hi, sizeof(hi));
	bool held = it && tsdb_iter_next(it, &k, &kl, &v, &vl);
	tsdb_iter_destroy(&it);
	return held;
}

/* The first second stored for node, or 0 when nothing is. */
static uint64_t first_second(struct tsdb *db, uint32_t node)
{
	uint64_t first_ns, last_ns;

	return answer_extent(db, node, &first_ns, &last_ns) ? first_ns / SA_NS_PER_S : 0;
}

unsigned answer_finest_res(struct tsdb *db, uint32_t node, uint64_t step, uint64_t from_s, uint64_t to_s)
{
	unsigned coarse = answer_pick_res(step, from_s, to_s);
	uint64_t first_s = first_second(db, node);

	for (unsigned r = 0; r < coarse; r++)
		if (tier_holds(db, node, r, from_s, first_s))
			return r;
	return coarse;
}

unsigned answer_tier_holding(struct tsdb *db, uint32_t node, unsigned res, uint64_t *from_s, uint64_t *to_s)
{
	uint64_t first_s = first_second(db, node);

	for (unsigned r = res; r < RES_COUNT; r++)
		if (tier_holds(db, node, r, *from_s, first_s)) {
			uint32_t len = schema_res_seconds[r];
			*from_s -= *from_s % len;
			*to_s = (*to_s + len - 1) / len * len;
			return r;
		}
	return res; /* nothing stored that old: any tier answers zeros */
}

void answer_say_range(Sa__Response *r, uint64_t from_s, uint64_t to_s, unsigned res)
{
	r->has_from_ns = r->has_to_ns = r->has_res_s = 1;
	r->from_ns = from_s * SA_NS_PER_S;
	r->to_ns = to_s * SA_NS_PER_S;
	r->res_s = schema_res_seconds[res];
}

void answer_scan_rows(struct tsdb *db, enum tsdb_cf cf, unsigned res, uint32_t node,
		      uint64_t from_s, uint64_t to_s, answer_row_fn fn, void *ctx)
{
	uint8_t from[SCHEMA_TIME_KEY_LEN], to[SCHEMA_TIME_KEY_LEN];
	const uint8_t *k, *v;
	size_t kl, vl;

	schema_time_key(from, res, node, from_s);
	schema_time_key(to, res, node, to_s);
	struct tsdb_iter *it = tsdb_iter_new(db, cf, from, sizeof(from), to, sizeof(to));
	while (it && tsdb_iter_next(it, &k, &kl, &v, &vl)) {
		unsigned r;
		uint32_t n;
		uint64_t t;
		if (schema_time_key_parse(k, kl, &r, &n, &t) == 0)
			fn(ctx, t, v, vl);
	}
	tsdb_iter_destroy(&it);
}

struct points_ctx {
	unsigned res;
	uint64_t from_s, to_s;
	answer_point_fn fn;
	void *ctx;
};

void answer_block_points(unsigned res, uint64_t block_s, const uint8_t *val, size_t len, uint64_t from_s,
			 uint64_t to_s, answer_point_fn fn, void *ctx)
{
	struct sa_ptb_rows r;

	sa_ptb_rows_init(&r);
	/* An empty or undecodable block (see schema_merge_points) has no rows. */
	if (sa_ptb_rows_add(&r, val, len) == 0)
		for (uint32_t i = 0; i < r.nrows; i++) {
			uint64_t t_s = block_s + r.t[i] * schema_res_seconds[res];
			if (t_s >= from_s && t_s < to_s)
				fn(ctx, t_s, r.v + (size_t)i * r.ncols, r.ncols);
		}
	sa_ptb_rows_free(&r);
}

static void block_rows(void *arg, uint64_t block_s, const uint8_t *val, size_t len)
{
	struct points_ctx *c = arg;

	answer_block_points(c->res, block_s, val, len, c->from_s, c->to_s, c->fn, c->ctx);
}

size_t answer_nodes_of(struct tsdb *db, uint32_t node, uint32_t ids[NODE_LIST_MAX])
{
	if (node != SCHEMA_NODE_ALL) {
		ids[0] = node;
		return 1;
	}
	return node_list(db, ids);
}

/* ORs one node's coverage into covered[]. */
static void node_coverage(struct tsdb *db, uint32_t node, uint64_t from_s, uint32_t step, uint64_t n,
			  uint8_t *covered)
{
	uint64_t first_ns, last_ns;

	if (!answer_extent(db, node, &first_ns, &last_ns))
		return;
	/* Steps inside the extent; the node's own gaps are then cut out. */
	uint64_t first_s = first_ns / SA_NS_PER_S, end_s = last_ns / SA_NS_PER_S + 1;
	uint64_t lo = first_s > from_s ? (first_s - from_s) / step : 0;
	uint64_t hi = end_s > from_s ? (end_s - from_s + step - 1) / step : 0;
	if (hi > n)
		hi = n;
	if (lo >= hi)
		return;
	uint8_t *mine = calloc(hi, 1);
	if (mine == NULL) { /* no coverage known: every step keeps its value */
		memset(covered + lo, 1, hi - lo);
		return;
	}
	memset(mine + lo, 1, hi - lo);
	uint8_t from[SCHEMA_GAP_KEY_LEN], to[SCHEMA_GAP_KEY_LEN];
	const uint8_t *k, *v;
	size_t kl, vl;
	schema_gap_key(from, node, 0);
	schema_gap_key(to, node, (from_s + hi * step) * SA_NS_PER_S);
	struct tsdb_iter *it = tsdb_iter_new(db, TSDB_INGEST, from, sizeof(from), to, sizeof(to));
	while (it && tsdb_iter_next(it, &k, &kl, &v, &vl)) {
		uint32_t id;
		uint64_t g0, g1;
		if (schema_gap_key_parse(k, kl, &id, &g0) != 0 || schema_u64s_decode(v, vl, &g1, 1) != 1)
			continue;
		/* The steps wholly inside [g0, g1) (ns). */
		uint64_t a = (g0 + SA_NS_PER_S - 1) / SA_NS_PER_S, b = g1 / SA_NS_PER_S;
		uint64_t i = a > from_s ? (a - from_s + step - 1) / step : 0;
		for (; i < hi && from_s + (i + 1) * step <= b; i++)
			mine[i] = 0;
	}
	tsdb_iter_destroy(&it);
	for (uint64_t i = lo; i < hi; i++)
		covered[i] |= mine[i];
	free(mine);
}

void answer_coverage(struct tsdb *db, uint32_t node, uint64_t from_s, uint32_t step, uint64_t n,
		     uint8_t *covered)
{
	uint32_t ids[NODE_LIST_MAX];
	size_t k = answer_nodes_of(db, node, ids);

	memset(covered, 0, n);
	for (size_t i = 0; i < k; i++)
		node_coverage(db, ids[i], from_s, step, n, covered);
}

void answer_scan_dim_points(struct tsdb *db, unsigned res, uint32_t node, unsigned dim, const uint8_t *key,
			    size_t key_len, uint64_t from_s, uint64_t to_s, answer_point_fn fn, void *ctx)
{
	struct points_ctx c = {res, from_s, to_s, fn, ctx};
	uint8_t k[SCHEMA_DIM_KEY_MAX];
	uint32_t ids[NODE_LIST_MAX];
	size_t n = answer_nodes_of(db, node, ids);

	for (size_t i = 0; i < n && !tsdb_deadline_hit(); i++)
		for (uint64_t b = schema_block_start(res, from_s); b < to_s; b += schema_block_seconds[res]) {
			size_t kl = schema_dim_key(k, res, ids[i], dim, b, key, key_len);
			char *val;
			size_t vl;
			if (kl == 0 || tsdb_get(db, TSDB_DIMS, k, kl, &val, &vl) != 0)
				continue;
			block_rows(&c, b, (const uint8_t *)val, vl);
			free(val);
		}
}

void answer_scan_points(struct tsdb *db, enum tsdb_cf cf, unsigned res, uint32_t node,
			uint64_t from_s, uint64_t to_s, answer_point_fn fn, void *ctx)
{
	struct points_ctx c = {res, from_s, to_s, fn, ctx};

	answer_scan_rows(db, cf, res, node, schema_block_start(res, from_s), to_s, block_rows, &c);
}
