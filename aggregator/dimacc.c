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

/* One dimension's tracked keys: open addressing, grown as keys come, so a
 * node that tracks few keys costs little. */
struct key_set {
	struct tracked_key *slot;
	unsigned n, slots;  /* slots: a power of two, at least 2 n */
};

/* One node's tracked keys of one day. A node keeps at most DAYS_PER_NODE
 * days in memory (the day's and, around midnight or for late data, one
 * more); a day not in memory is read back from the store. */
struct day_set {
	uint32_t node;
	uint64_t day;
	uint64_t used;      /* tick of its last interval: the least recent goes first */
	struct key_set dim[SCHEMA_DIMS];
};

#define DAYS_PER_NODE 2
#define FIRST_SLOTS 16

/* One key's counts in one second of one node. */
struct point {
	uint32_t node;
	uint8_t dim, len;
	uint8_t key[16];
	uint64_t t_s;
	uint64_t v[DIM_COLS];
};

struct dimacc {
	unsigned cap, max_points, n_points;
	struct point *points;
	struct day_set *days;
	unsigned n_days, max_days, last; /* last: the day set used last */
	uint64_t tick;
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
	for (unsigned i = 0; i < da->n_days; i++)
		for (unsigned d = 0; d < SCHEMA_DIMS; d++)
			free(da->days[i].dim[d].slot);
	free(da->days);
	free(da->points);
	free(da->blk_t);
	free(da->blk_v);
	free(da->blk_out);
	free(da);
	*dap = NULL;
}

/* The slot holding key, or the empty slot where it would go. */
static struct tracked_key *slot_for(const struct key_set *ks, const uint8_t *key, size_t len)
{
	uint32_t mask = ks->slots - 1;

	for (uint32_t s = (uint32_t)sa_hash_bytes(key, (unsigned)len, len) & mask;; s = (s + 1) & mask)
		if (ks->slot[s].len == 0 || (ks->slot[s].len == len && memcmp(ks->slot[s].key, key, len) == 0))
			return &ks->slot[s];
}

/* Doubles the slots; false when out of memory (the set stays as it was). */
static bool grow(struct key_set *ks)
{
	struct key_set bigger = {.n = ks->n, .slots = ks->slots ? 2 * ks->slots : FIRST_SLOTS};

	if ((bigger.slot = calloc(bigger.slots, sizeof(*bigger.slot))) == NULL)
		return false;
	for (unsigned i = 0; i < ks->slots; i++)
		if (ks->slot[i].len != 0)
			*slot_for(&bigger, ks->slot[i].key, ks->slot[i].len) = ks->slot[i];
	free(ks->slot);
	*ks = bigger;
	return true;
}

/* Whether key is tracked, admitting it while the day's cap (and memory)
 * allows. */
static bool track(struct dimacc *da, struct key_set *ks, const uint8_t *key, size_t len)
{
	if (ks->slots != 0) {
		struct tracked_key *s = slot_for(ks, key, len);
		if (s->len != 0)
			return true;
	}
	if (ks->n == da->cap || (2 * (ks->n + 1) > ks->slots && !grow(ks)))
		return false;
	struct tracked_key *s = slot_for(ks, key, len);
	s->len = (uint8_t)len;
	memcpy(s->key, key, len);
	ks->n++;
	return true;
}

/* Fills a day set with the keys the store already tracks for its node and
 * day (from an earlier run, or a set that left memory), up to the cap. */
static void load_day(struct dimacc *da, struct tsdb *db, struct day_set *ds)
{
	uint8_t from[SCHEMA_DIM_KEY_MAX], to[SCHEMA_DIM_KEY_MAX];
	const uint8_t *k, *v, *key;
	size_t kl, vl, key_len;

	for (unsigned d = 0; d < SCHEMA_DIMS; d++) {
		/* The day's minute rows are one block per key. */
		size_t fl = schema_dim_key(from, RES_1M, ds->node, d, ds->day, NULL, 0);
		size_t tl = schema_dim_key(to, RES_1M, ds->node, d, ds->day + 1, NULL, 0);
		struct tsdb_iter *it = tsdb_iter_new(db, TSDB_DIMS, from, fl, to, tl);
		while (it && tsdb_iter_next(it, &k, &kl, &v, &vl)) {
			unsigned res, dim;
			uint32_t node;
			uint64_t block;
			if (schema_dim_key_parse(k, kl, &res, &node, &dim, &block, &key, &key_len) == 0 &&
			    key_len != 0)
				track(da, &ds->dim[d], key, key_len);
		}
		tsdb_iter_destroy(&it);
	}
}

/* The node's set for day: in memory, or made (replacing the node's least
 * recently used one when it has DAYS_PER_NODE) and read back from the
 * store. NULL when out of memory. */
static struct day_set *day_set_of(struct dimacc *da, struct tsdb *db, uint32_t node, uint64_t day)
{
	struct day_set *oldest = NULL;
	unsigned have = 0;

	if (da->last < da->n_days && da->days[da->last].node == node && da->days[da->last].day == day)
		return &da->days[da->last];
	for (unsigned i = 0; i < da->n_days; i++) {
		struct day_set *ds = &da->days[i];
		if (ds->node != node)
			continue;
		if (ds->day == day) {
			da->last = i;
			return ds;
		}
		have++;
		if (oldest == NULL || ds->used < oldest->used)
			oldest = ds;
	}
	if (have < DAYS_PER_NODE) {
		if (da->n_days == da->max_days) {
			unsigned more = da->max_days ? 2 * da->max_days : 8;
			struct day_set *bigger = realloc(da->days, more * sizeof(*bigger));
			if (bigger == NULL)
				return NULL;
			da->days = bigger;
			da->max_days = more;
		}
		oldest = &da->days[da->n_days++];
		memset(oldest, 0, sizeof(*oldest));
	}
	for (unsigned d = 0; d < SCHEMA_DIMS; d++) {
		if (oldest->dim[d].slot != NULL)
			memset(oldest->dim[d].slot, 0, oldest->dim[d].slots * sizeof(*oldest->dim[d].slot));
		oldest->dim[d].n = 0;
	}
	oldest->node = node;
	oldest->day = day;
	load_day(da, db, oldest);
	da->last = (unsigned)(oldest - da->days);
	return oldest;
}

static void add_point(struct dimacc *da, uint32_t node, unsigned dim, const uint8_t *key, size_t len,
		      uint64_t t_s, unsigned col, uint64_t v)
{
	struct point *p = &da->points[da->n_points++];

	p->node = node;
	p->dim = (uint8_t)dim;
	p->len = (uint8_t)len;
	if (len) /* the "other" series has no key */
		memcpy(p->key, key, len);
	p->t_s = t_s;
	memset(p->v, 0, sizeof(p->v));
	p->v[col] = v;
}

int dimacc_add_class(struct dimacc *da, uint32_t node, const char *cls, uint64_t t_s, const uint64_t v[DIM_COLS])
{
	size_t len = strlen(cls);

	if (da->n_points == da->max_points)
		return -ENOSPC;
	if (len > SCHEMA_CLASS_KEY_MAX)
		len = SCHEMA_CLASS_KEY_MAX;
	add_point(da, node, SCHEMA_DIM_CLASS, (const uint8_t *)cls, len, t_s, DIM_BYTES, 0);
	memcpy(da->points[da->n_points - 1].v, v, sizeof(uint64_t) * DIM_COLS);
	return 0;
}

/* Points for one sketch's tracked keys (column col) and the remainder in
 * "other". */
static void add_sketch(struct dimacc *da, struct day_set *ds, uint64_t t_s, const Sa__TopSketch *s,
		       unsigned col)
{
	uint64_t tracked = 0;

	for (size_t i = 0; i < s->n_entries && i < SKETCH_ENTRIES_MAX; i++) {
		const Sa__TopEntry *e = s->entries[i];
		uint64_t sure = e->count > e->error ? e->count - e->error : 0;
		if (sure == 0 || !schema_dim_key_ok(s->dimension, e->key.len) || e->key.len == 0)
			continue;
		if (track(da, &ds->dim[s->dimension], e->key.data, e->key.len) && sure <= s->total - tracked) {
			add_point(da, ds->node, s->dimension, e->key.data, e->key.len, t_s, col, sure);
			tracked += sure;
		}
	}
	if (s->total > tracked)
		add_point(da, ds->node, s->dimension, NULL, 0, t_s, col, s->total - tracked);
}

int dimacc_add(struct dimacc *da, struct tsdb *db, uint32_t node, uint64_t t_s,
	       const Sa__IntervalStats *iv)
{
	/* At most 8 sketches (sa_wire), a point per entry and one for "other":
	 * an empty accumulator always has room (dimacc_new). */
	if (da->n_points + 8 * (SKETCH_ENTRIES_MAX + 1) > da->max_points)
		return -ENOSPC;
	struct day_set *ds = day_set_of(da, db, node, t_s - t_s % DAY_S);
	if (ds == NULL)
		return -ENOMEM;
	ds->used = ++da->tick;
	for (size_t i = 0; i < iv->n_top_bytes; i++)
		add_sketch(da, ds, t_s, iv->top_bytes[i], DIM_BYTES);
	for (size_t i = 0; i < iv->n_top_packets; i++)
		add_sketch(da, ds, t_s, iv->top_packets[i], DIM_PACKETS);
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

/* Columns a dimension's rows hold (schema.h). */
static unsigned dim_cols(unsigned dim)
{
	return dim == SCHEMA_DIM_CLASS ? DIM_COLS : DIM_TOP_COLS;
}

/* Merges the rows in blk_t/blk_v as one block of p's series at res. */
static int emit_block(struct dimacc *da, const struct point *p, unsigned res, uint64_t block_s, uint32_t nrows,
		      struct tsdb_batch *b, struct tsdb *db)
{
	uint8_t key[SCHEMA_DIM_KEY_MAX];
	size_t len = sa_ptb_encode(da->blk_out, da->blk_t, da->blk_v, nrows, dim_cols(p->dim));

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
	unsigned cols = dim_cols(p->dim);
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
			memset(da->blk_v + (size_t)rows * cols, 0, cols * sizeof(*da->blk_v));
			rows++;
		}
		for (unsigned c = 0; c < cols; c++)
			da->blk_v[(size_t)(rows - 1) * cols + c] += p[i].v[c];
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
