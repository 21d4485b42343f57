/* Q_TRACKED: the addresses or ports with their own series in a range (see
 * dimacc.h), each with its exact total there, and the untracked rest. */
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "answer_store.h"
#include "sa_wire.h"
#include "schema.h"

struct tracked {
	uint8_t key[16];
	uint8_t len;     /* 0: "other" */
	uint64_t count;
};

struct tracked_ctx {
	struct sa_arena *a;
	struct tracked *list;
	size_t n, cap;
	unsigned col;
	uint64_t sum;    /* the current key's total in the current block */
};

static void add_row(void *arg, uint64_t t_s, const uint64_t *v, size_t n)
{
	struct tracked_ctx *c = arg;

	(void)t_s;
	if (c->col < n)
		c->sum += v[c->col];
}

/* Appends one block's total for key; false when out of memory. */
static bool append(struct tracked_ctx *c, const uint8_t *key, size_t len, uint64_t count)
{
	if (c->n == c->cap) {
		size_t more = c->cap ? 2 * c->cap : 256;
		struct tracked *bigger = sa_arena_alloc(c->a, more * sizeof(*bigger));
		if (bigger == NULL)
			return false;
		if (c->n)
			memcpy(bigger, c->list, c->n * sizeof(*bigger));
		c->list = bigger;
		c->cap = more;
	}
	struct tracked *t = &c->list[c->n++];
	memcpy(t->key, key, len);
	t->len = (uint8_t)len;
	t->count = count;
	return true;
}

static int by_key(const void *a, const void *b)
{
	const struct tracked *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->key, y->key, x->len);
}

static int by_count(const void *a, const void *b)
{
	const struct tracked *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return by_key(a, b);
}

/* Sums the entries of equal keys (one per block read) into one each. */
static size_t merge_keys(struct tracked *list, size_t n)
{
	size_t out = 0;

	if (n > 1) /* list is NULL when no key was read */
		qsort(list, n, sizeof(*list), by_key);
	for (size_t i = 0; i < n; i++) {
		if (out && by_key(&list[out - 1], &list[i]) == 0)
			list[out - 1].count += list[i].count;
		else
			list[out++] = list[i];
	}
	return out;
}

int answer_tracked(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a)
{
	struct tracked_ctx c = {.a = a};
	uint8_t from[SCHEMA_DIM_KEY_MAX], to[SCHEMA_DIM_KEY_MAX];
	const uint8_t *k, *v, *key;
	size_t kl, vl, key_len;
	uint64_t from_s, to_s, total = 0;
	unsigned limit = q->limit ? q->limit : 100;
	const char *m = q->metric && q->metric[0] ? q->metric : "bytes";

	int col = dim_column(m);
	if (q->dimension == SCHEMA_DIM_CLASS ? col < 0 : col != DIM_BYTES && col != DIM_PACKETS)
		return answer_fail(r, SA_ERR_INVALID, q->dimension == SCHEMA_DIM_CLASS ?
				   "classes rank by bytes, packets, flows, labelled or correct" :
				   "tracked keys rank by bytes or packets");
	if (q->dimension >= SCHEMA_DIM_KINDS)
		return answer_fail(r, SA_ERR_INVALID, "unknown dimension");
	if (limit > ANSWER_MAX_TOP)
		return answer_fail(r, SA_ERR_LIMIT, "limit above 10000");
	c.col = (unsigned)col;
	if (!answer_range_s(db, q, q->from_ns == 0 && q->to_ns == 0 ? 3600 : 1, &from_s, &to_s))
		return answer_fail(r, SA_ERR_NOT_FOUND, "no data stored in that range");
	unsigned res = answer_pick_res(to_s - from_s, from_s, to_s);
	res = answer_tier_holding(db, q->node_id, res, &from_s, &to_s);
	uint32_t ids[NODE_LIST_MAX];
	size_t nodes = answer_nodes_of(db, q->node_id, ids);
	for (size_t i = 0; i < nodes; i++) {
		size_t fl = schema_dim_key(from, res, ids[i], q->dimension, schema_block_start(res, from_s), NULL, 0);
		size_t tl = schema_dim_key(to, res, ids[i], q->dimension, to_s, NULL, 0);
		struct tsdb_iter *it = tsdb_iter_new(db, TSDB_DIMS, from, fl, to, tl);
		while (it && tsdb_iter_next(it, &k, &kl, &v, &vl)) {
			unsigned kres, dim;
			uint32_t node;
			uint64_t block;
			if (schema_dim_key_parse(k, kl, &kres, &node, &dim, &block, &key, &key_len) != 0)
				continue;
			c.sum = 0;
			answer_block_points(res, block, v, vl, from_s, to_s, add_row, &c);
			if (c.sum && !append(&c, key, key_len, c.sum)) {
				tsdb_iter_destroy(&it);
				return answer_fail(r, SA_ERR_INTERNAL, "out of memory");
			}
		}
		tsdb_iter_destroy(&it);
	}
	c.n = merge_keys(c.list, c.n);
	if (c.n > 1)
		qsort(c.list, c.n, sizeof(*c.list), by_count);
	size_t n = c.n < limit ? c.n : limit;
	r->top = sa_arena_alloc(a, (n ? n : 1) * sizeof(*r->top));
	Sa__TopEntry *e = sa_arena_alloc(a, (n ? n : 1) * sizeof(*e));
	if (r->top == NULL || e == NULL)
		return answer_fail(r, SA_ERR_INTERNAL, "out of memory");
	for (size_t i = 0; i < c.n; i++)
		total += c.list[i].count;
	for (size_t i = 0; i < n; i++) {
		sa__top_entry__init(&e[i]);
		e[i].has_key = e[i].has_count = 1;
		e[i].key = (ProtobufCBinaryData){c.list[i].len, c.list[i].key};
		e[i].count = c.list[i].count;
		r->top[i] = &e[i];
	}
	r->n_top = n;
	r->has_total = 1;
	r->total = total;
	answer_say_range(r, from_s, to_s, res);
	return SA_OK;
}
