#include <string.h>

#include "answer_store.h"
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

static void block_rows(void *arg, uint64_t block_s, const uint8_t *val, size_t len)
{
	struct points_ctx *c = arg;
	struct sa_ptb_rows r;

	sa_ptb_rows_init(&r);
	/* An empty or undecodable block (see schema_merge_points) has no rows. */
	if (sa_ptb_rows_add(&r, val, len) == 0)
		for (uint32_t i = 0; i < r.nrows; i++) {
			uint64_t t_s = block_s + r.t[i] * schema_res_seconds[c->res];
			if (t_s >= c->from_s && t_s < c->to_s)
				c->fn(c->ctx, t_s, r.v + (size_t)i * r.ncols, r.ncols);
		}
	sa_ptb_rows_free(&r);
}

void answer_scan_points(struct tsdb *db, enum tsdb_cf cf, unsigned res, uint32_t node,
			uint64_t from_s, uint64_t to_s, answer_point_fn fn, void *ctx)
{
	struct points_ctx c = {res, from_s, to_s, fn, ctx};

	answer_scan_rows(db, cf, res, node, schema_block_start(res, from_s), to_s, block_rows, &c);
}
