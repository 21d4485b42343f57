#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dimacc.h"
#include "sa_flowkey.h"
#include "sa_ptb.h"
#include "schema.h"

#define DAY_S 86400u
#define MAX_CAP 1000000u
/* Entries of one sketch considered per interval: a node's sketches hold 64;
 * the wire allows 65,536, which must not make a batch unstorable. The rest
 * counts in "other". */
#define SKETCH_ENTRIES_MAX 4096u

struct tracked_key {
	uint8_t len; /* 0: empty slot */
	uint8_t key[16];
};

/* One node's tracked keys of one day, per dimension. */
struct tracker {
	uint32_t node;
	uint64_t day;   /* UINT64_MAX until the first interval */
	unsigned n[SCHEMA_DIMS];
	struct tracked_key *set[SCHEMA_DIMS]; /* open addressing, `slots` each */
};

/* One key's counts in one second of one node. */
struct point {
	uint32_t node;
	uint8_t dim, len;
	uint8_t key[16];
	uint64_t t_s;
	uint64_t v[DIM_COLS];
};

struct dimacc {
	unsigned cap, slots, max_points, n_points;
	struct point *points;
	struct tracker *trackers;
	unsigned n_trackers, max_trackers;
	/* flush: one block's step indices and values, and its encoding */
	uint64_t *blk_t, *blk_v;
	uint8_t *blk_out;
};

struct dimacc *dimacc_new(unsigned cap, unsigned max_points)
{
	struct dimacc *da;

	if (cap == 0 || cap > MAX_CAP || max_points < 8 * (SKETCH_ENTRIES_MAX + 1) ||
	    (da = calloc(1, sizeof(*da))) == NULL)
		return NULL;
	da->cap = cap;
	da->slots = 2;
	while (da->slots < 2 * cap)
		da->slots <<= 1;
	da->max_points = max_points;
	da->points = malloc(max_points * sizeof(*da->points));
	da->blk_t = malloc(max_points * sizeof(*da->blk_t));
	da->blk_v = malloc((size_t)max_points * DIM_COLS * sizeof(*da->blk_v));
	da->blk_out = malloc(sa_ptb_bound(max_points, DIM_COLS));
	if (da->points == NULL || da->blk_t == NULL || da->blk_v == NULL || da->blk_out == NULL)
		dimacc_destroy(&da);
	return da;
}

void dimacc_destroy(struct dimacc **dap)
{
	struct dimacc *da = *dap;

	if (da == NULL)
		return;
	for (unsigned i = 0; i < da->n_trackers; i++)
		for (unsigned d = 0; d < SCHEMA_DIMS; d++)
			free(da->trackers[i].set[d]);
	free(da->trackers);
	free(da->points);
	free(da->blk_t);
	free(da->blk_v);
	free(da->blk_out);
	free(da);
	*dap = NULL;
}

/* The slot holding key, or the empty slot where it would go. */
static struct tracked_key *slot_for(const struct dimacc *da, struct tracked_key *set, const uint8_t *key,
				    size_t len)
{
	uint32_t mask = da->slots - 1;

	for (uint32_t s = (uint32_t)sa_hash_bytes(key, (unsigned)len, len) & mask;; s = (s + 1) & mask)
		if (set[s].len == 0 || (set[s].len == len && memcmp(set[s].key, key, len) == 0))
			return &set[s];
}

/* Whether key is tracked, admitting it while the day's cap allows. */
static bool track(struct dimacc *da, struct tracker *t, unsigned dim, const uint8_t *key, size_t len)
{
	struct tracked_key *s = slot_for(da, t->set[dim], key, len);

	if (s->len != 0)
		return true;
	if (t->n[dim] == da->cap)
		return false;
	s->len = (uint8_t)len;
	memcpy(s->key, key, len);
	t->n[dim]++;
	return true;
}

/* Starts a new day for t: the keys the store already tracks for it (from
 * an earlier run), up to the cap. */
static void start_day(struct dimacc *da, struct tsdb *db, struct tracker *t, uint64_t day)
{
	uint8_t from[SCHEMA_DIM_KEY_MAX], to[SCHEMA_DIM_KEY_MAX];
	const uint8_t *k, *v, *key;
	size_t kl, vl, key_len;

	t->day = day;
	for (unsigned d = 0; d < SCHEMA_DIMS; d++) {
		memset(t->set[d], 0, da->slots * sizeof(*t->set[d]));
		t->n[d] = 0;
		/* The day's minute rows are one block per key. */
		size_t fl = schema_dim_key(from, RES_1M, t->node, d, day, NULL, 0);
		size_t tl = schema_dim_key(to, RES_1M, t->node, d, day + 1, NULL, 0);
		struct tsdb_iter *it = tsdb_iter_new(db, TSDB_DIMS, from, fl, to, tl);
		while (it && tsdb_iter_next(it, &k, &kl, &v, &vl)) {
			unsigned res, dim;
			uint32_t node;
			uint64_t block;
			if (schema_dim_key_parse(k, kl, &res, &node, &dim, &block, &key, &key_len) == 0 &&
			    key_len != 0)
				track(da, t, d, key, key_len);
		}
		tsdb_iter_destroy(&it);
	}
}

/* The node's tracker, made on first use; NULL when out of memory. */
static struct tracker *tracker_of(struct dimacc *da, uint32_t node)
{
	for (unsigned i = 0; i < da->n_trackers; i++)
		if (da->trackers[i].node == node)
			return &da->trackers[i];
	if (da->n_trackers == da->max_trackers) {
		unsigned more = da->max_trackers ? 2 * da->max_trackers : 8;
		struct tracker *bigger = realloc(da->trackers, more * sizeof(*bigger));
		if (bigger == NULL)
			return NULL;
		da->trackers = bigger;
		da->max_trackers = more;
	}
	struct tracker *t = &da->trackers[da->n_trackers];
	memset(t, 0, sizeof(*t));
	t->node = node;
	t->day = UINT64_MAX;
	for (unsigned d = 0; d < SCHEMA_DIMS; d++)
		if ((t->set[d] = calloc(da->slots, sizeof(*t->set[d]))) == NULL) {
			for (unsigned e = 0; e < d; e++)
				free(t->set[e]);
			return NULL;
		}
	da->n_trackers++;
	return t;
}

static void add_point(struct dimacc *da, uint32_t node, unsigned dim, const uint8_t *key, size_t len,
		      uint64_t t_s, unsigned col, uint64_t v)
{
	struct point *p = &da->points[da->n_points++];

	p->node = node;
	p->dim = (uint8_t)dim;
	p->len = (uint8_t)len;
	memcpy(p->key, key, len);
	p->t_s = t_s;
	p->v[DIM_BYTES] = p->v[DIM_PACKETS] = 0;
	p->v[col] = v;
}

/* Points for one sketch's tracked keys (column col) and the remainder in
 * "other". may_admit: false for a day already past, whose set is gone. */
static void add_sketch(struct dimacc *da, struct tracker *t, uint64_t t_s, const Sa__TopSketch *s,
		       unsigned col, bool may_admit)
{
	uint64_t tracked = 0;

	for (size_t i = 0; i < s->n_entries && i < SKETCH_ENTRIES_MAX; i++) {
		const Sa__TopEntry *e = s->entries[i];
		uint64_t sure = e->count > e->error ? e->count - e->error : 0;
		if (sure == 0 || !schema_dim_key_ok(s->dimension, e->key.len) || e->key.len == 0)
			continue;
		bool on = may_admit ? track(da, t, s->dimension, e->key.data, e->key.len)
				    : slot_for(da, t->set[s->dimension], e->key.data, e->key.len)->len != 0;
		if (on && sure <= s->total - tracked) {
			add_point(da, t->node, s->dimension, e->key.data, e->key.len, t_s, col, sure);
			tracked += sure;
		}
	}
	if (s->total > tracked)
		add_point(da, t->node, s->dimension, NULL, 0, t_s, col, s->total - tracked);
}

int dimacc_add(struct dimacc *da, struct tsdb *db, uint32_t node, uint64_t t_s,
	       const Sa__IntervalStats *iv)
{
	/* At most 8 sketches (sa_wire), a point per entry and one for "other":
	 * an empty accumulator always has room (dimacc_new). */
	if (da->n_points + 8 * (SKETCH_ENTRIES_MAX + 1) > da->max_points)
		return -ENOSPC;
	struct tracker *t = tracker_of(da, node);
	if (t == NULL)
		return -ENOMEM;
	uint64_t day = t_s - t_s % DAY_S;
	if (t->day == UINT64_MAX || day > t->day)
		start_day(da, db, t, day);
	for (size_t i = 0; i < iv->n_top_bytes; i++)
		add_sketch(da, t, t_s, iv->top_bytes[i], DIM_BYTES, day == t->day);
	for (size_t i = 0; i < iv->n_top_packets; i++)
		add_sketch(da, t, t_s, iv->top_packets[i], DIM_PACKETS, day == t->day);
	return 0;
}

static int point_order(const void *a, const void *b)
{
	const struct point *x = a, *y = b;

	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	if (x->dim != y->dim)
		return x->dim < y->dim ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	int c = memcmp(x->key, y->key, x->len);
	if (c != 0)
		return c;
	return x->t_s < y->t_s ? -1 : x->t_s > y->t_s;
}

static bool same_series(const struct point *x, const struct point *y)
{
	return x->node == y->node && x->dim == y->dim && x->len == y->len && memcmp(x->key, y->key, x->len) == 0;
}

/* Merges the rows in blk_t/blk_v as one block of p's series at res. */
static int emit_block(struct dimacc *da, const struct point *p, unsigned res, uint64_t block_s, uint32_t nrows,
		      struct tsdb_batch *b, struct tsdb *db)
{
	uint8_t key[SCHEMA_DIM_KEY_MAX];
	size_t len = sa_ptb_encode(da->blk_out, da->blk_t, da->blk_v, nrows, DIM_COLS);

	if (len == 0)
		return -EINVAL;
	size_t kl = schema_dim_key(key, res, p->node, p->dim, block_s, p->key, p->len);
	tsdb_batch_merge(b, db, TSDB_DIMS, key, kl, da->blk_out, len);
	return 0;
}

/* One series' points (sorted by time) as rows of res, block by block. */
static int emit_series(struct dimacc *da, const struct point *p, unsigned n, unsigned res,
		       struct tsdb_batch *b, struct tsdb *db)
{
	uint32_t res_s = schema_res_seconds[res], rows = 0;
	uint64_t block = 0;
	int rc = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t t = p[i].t_s - p[i].t_s % res_s, start = schema_block_start(res, t);
		uint64_t step = (t - start) / res_s;
		if (rows && start != block) {
			if (emit_block(da, p, res, block, rows, b, db) != 0)
				rc = -EINVAL;
			rows = 0;
		}
		if (rows == 0 || da->blk_t[rows - 1] != step) {
			block = start;
			da->blk_t[rows] = step;
			memset(da->blk_v + (size_t)rows * DIM_COLS, 0, DIM_COLS * sizeof(*da->blk_v));
			rows++;
		}
		for (unsigned c = 0; c < DIM_COLS; c++)
			da->blk_v[(size_t)(rows - 1) * DIM_COLS + c] += p[i].v[c];
	}
	if (rows && emit_block(da, p, res, block, rows, b, db) != 0)
		rc = -EINVAL;
	return rc;
}

int dimacc_flush(struct dimacc *da, struct tsdb_batch *b, struct tsdb *db)
{
	int rc = 0;

	qsort(da->points, da->n_points, sizeof(*da->points), point_order);
	for (unsigned i = 0, end; i < da->n_points; i = end) {
		for (end = i + 1; end < da->n_points && same_series(&da->points[i], &da->points[end]); end++)
			;
		for (unsigned res = 0; res < RES_COUNT; res++)
			if (emit_series(da, &da->points[i], end - i, res, b, db) != 0)
				rc = -EINVAL;
	}
	da->n_points = 0;
	return rc;
}
