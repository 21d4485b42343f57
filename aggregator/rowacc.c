#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rowacc.h"
#include "sa_flowkey.h"
#include "sa_ptb.h"
#include "topk_set.h"

#define ROW_VALUES 64 /* the widest array row: SCHEMA_HIST_LEN */
#define EMPTY UINT32_MAX

_Static_assert(SCHEMA_HIST_LEN <= ROW_VALUES, "histogram rows must fit a row");

struct row {
	uint8_t cf;
	uint8_t key[SCHEMA_TIME_KEY_LEN];
	uint32_t n;              /* values used; UINT32_MAX marks a sketch row */
	uint32_t sketch;         /* index into sketches[] for sketch rows */
	uint64_t v[ROW_VALUES];
};

struct rowacc {
	unsigned max_rows, max_sketches, n_rows, n_sketches, mask;
	unsigned reserved;       /* rows and sets kept for the flush's sketch rollups */
	struct row *rows;
	uint32_t *index;         /* open addressing, 2x max_rows, power of two */
	struct topk_set *sketches;
	unsigned sketches_made;  /* sets initialised so far (kept for reuse) */
	/* flush: rows in key order, and one block's times, values and encoding */
	struct row **order;
	uint64_t *blk_t, *blk_v;
	uint8_t *blk_out;
};

struct rowacc *rowacc_new(unsigned max_rows, unsigned max_sketch_rows)
{
	struct rowacc *ra = calloc(1, sizeof(*ra));
	unsigned slots = 2;

	if (ra == NULL)
		return NULL;
	while (slots < 2 * max_rows)
		slots <<= 1;
	ra->max_rows = max_rows;
	ra->max_sketches = max_sketch_rows;
	ra->mask = slots - 1;
	ra->rows = malloc(max_rows * sizeof(*ra->rows));
	ra->index = malloc(slots * sizeof(*ra->index));
	ra->sketches = calloc(max_sketch_rows ? max_sketch_rows : 1, sizeof(*ra->sketches));
	ra->order = malloc(max_rows * sizeof(*ra->order));
	ra->blk_t = malloc(max_rows * sizeof(*ra->blk_t));
	ra->blk_v = malloc((size_t)max_rows * ROW_VALUES * sizeof(*ra->blk_v));
	ra->blk_out = malloc(sa_ptb_bound(max_rows, ROW_VALUES));
	if (ra->rows == NULL || ra->index == NULL || ra->sketches == NULL || ra->order == NULL ||
	    ra->blk_t == NULL || ra->blk_v == NULL || ra->blk_out == NULL) {
		rowacc_destroy(&ra);
		return NULL;
	}
	memset(ra->index, 0xff, slots * sizeof(*ra->index));
	return ra;
}

void rowacc_destroy(struct rowacc **rap)
{
	struct rowacc *ra = *rap;

	if (ra == NULL)
		return;
	for (unsigned i = 0; i < ra->sketches_made; i++)
		topk_set_fini(&ra->sketches[i]);
	free(ra->sketches);
	free(ra->rows);
	free(ra->index);
	free(ra->order);
	free(ra->blk_t);
	free(ra->blk_v);
	free(ra->blk_out);
	free(ra);
	*rap = NULL;
}

static uint32_t slot_of(const struct rowacc *ra, enum tsdb_cf cf, const uint8_t *key)
{
	uint8_t hk[SCHEMA_TIME_KEY_LEN + 1];

	hk[0] = (uint8_t)cf;
	memcpy(hk + 1, key, SCHEMA_TIME_KEY_LEN);
	return (uint32_t)sa_hash_bytes(hk, sizeof(hk), 0) & ra->mask;
}

/* The row for (cf, key), or NULL. */
static struct row *row_find(struct rowacc *ra, enum tsdb_cf cf, const uint8_t *key)
{
	for (uint32_t s = slot_of(ra, cf, key);; s = (s + 1) & ra->mask) {
		uint32_t r = ra->index[s];
		if (r == EMPTY)
			return NULL;
		if (ra->rows[r].cf == cf && memcmp(ra->rows[r].key, key, SCHEMA_TIME_KEY_LEN) == 0)
			return &ra->rows[r];
	}
}

/* A new empty row for a key not yet present, or NULL when the batch is full. */
static struct row *row_new(struct rowacc *ra, enum tsdb_cf cf, const uint8_t *key)
{
	uint32_t s = slot_of(ra, cf, key);

	if (ra->n_rows + ra->reserved >= ra->max_rows)
		return NULL;
	while (ra->index[s] != EMPTY)
		s = (s + 1) & ra->mask;
	struct row *row = &ra->rows[ra->n_rows];
	row->cf = (uint8_t)cf;
	memcpy(row->key, key, SCHEMA_TIME_KEY_LEN);
	row->n = 0;
	memset(row->v, 0, sizeof(row->v));
	ra->index[s] = ra->n_rows++;
	return row;
}

int rowacc_add(struct rowacc *ra, enum tsdb_cf cf, const uint8_t key[SCHEMA_TIME_KEY_LEN],
	       const uint64_t *v, size_t n)
{
	struct row *row = row_find(ra, cf, key);

	if (n > ROW_VALUES || (row == NULL && (row = row_new(ra, cf, key)) == NULL))
		return -ENOSPC;
	for (size_t i = 0; i < n; i++)
		row->v[i] += v[i];
	if (n > row->n)
		row->n = (uint32_t)n;
	return 0;
}

/* A reset set for a new sketch row, initialising one more if needed. */
static struct topk_set *next_set(struct rowacc *ra)
{
	if (ra->n_sketches == ra->max_sketches)
		return NULL;
	if (ra->n_sketches == ra->sketches_made) {
		if (topk_set_init(&ra->sketches[ra->n_sketches], SCHEMA_TOPK_CAPACITY) != 0)
			return NULL;
		ra->sketches_made++;
	}
	topk_set_reset(&ra->sketches[ra->n_sketches]);
	return &ra->sketches[ra->n_sketches];
}

/* The sketch row for key, made (empty) if new; NULL when there is no room. */
static struct row *sketch_row(struct rowacc *ra, const uint8_t key[SCHEMA_TIME_KEY_LEN])
{
	struct row *row = row_find(ra, TSDB_TOPK, key);

	if (row == NULL) {
		/* Take the set before the row, so a failure leaves nothing half made. */
		if (next_set(ra) == NULL || (row = row_new(ra, TSDB_TOPK, key)) == NULL)
			return NULL;
		row->n = UINT32_MAX;
		row->sketch = ra->n_sketches++;
	}
	return row;
}

/* Sketch rows a node's minute row makes at flush: itself, the cluster's
 * minute and the two hour rows. */
#define ROLLUP_ROWS 4

int rowacc_add_sketches(struct rowacc *ra, uint32_t node, uint64_t t_s, const Sa__IntervalStats *iv)
{
	uint8_t key[SCHEMA_TIME_KEY_LEN];
	struct row *row;

	schema_time_key(key, RES_1M, node, t_s - t_s % 60);
	if ((row = row_find(ra, TSDB_TOPK, key)) == NULL) {
		/* Room for the rollups too, kept until the flush. */
		if (ra->n_sketches + ra->reserved + ROLLUP_ROWS > ra->max_sketches ||
		    ra->n_rows + ra->reserved + ROLLUP_ROWS > ra->max_rows || (row = sketch_row(ra, key)) == NULL)
			return -ENOSPC;
		ra->reserved += ROLLUP_ROWS - 1;
	}
	topk_set_add(&ra->sketches[row->sketch], iv);
	return 0;
}

/* Merges each node's minute sketches into the cluster's minute row and
 * both hour rows: four offers per entry per minute instead of four per
 * entry per second. Returns 0 or -ENOMEM. */
static int rollup_sketches(struct rowacc *ra)
{
	unsigned n = ra->n_rows;

	ra->reserved = 0; /* what it was kept for */
	for (unsigned i = 0; i < n; i++) {
		const struct row *src = &ra->rows[i];
		unsigned res;
		uint32_t node;
		uint64_t t_s;
		if (src->n != UINT32_MAX || schema_time_key_parse(src->key, SCHEMA_TIME_KEY_LEN, &res, &node, &t_s) != 0 ||
		    res != RES_1M || node == SCHEMA_NODE_ALL)
			continue;
		const struct {
			unsigned res;
			uint32_t node;
		} to[ROLLUP_ROWS - 1] = {{RES_1M, SCHEMA_NODE_ALL}, {RES_1H, node}, {RES_1H, SCHEMA_NODE_ALL}};
		for (unsigned k = 0; k < ROLLUP_ROWS - 1; k++) {
			uint8_t key[SCHEMA_TIME_KEY_LEN];
			schema_time_key(key, to[k].res, to[k].node, t_s - t_s % schema_res_seconds[to[k].res]);
			struct row *dst = sketch_row(ra, key); /* room was kept when src was made */
			if (dst == NULL)
				return -ENOMEM;
			topk_set_merge(&ra->sketches[dst->sketch], &ra->sketches[src->sketch]);
		}
	}
	return 0;
}

static int row_order(const void *a, const void *b)
{
	const struct row *x = *(struct row *const *)a, *y = *(struct row *const *)b;

	if (x->cf != y->cf)
		return x->cf < y->cf ? -1 : 1;
	return memcmp(x->key, y->key, SCHEMA_TIME_KEY_LEN);
}

/* The point block that holds an array row: its key, and the row's step in it. */
static void block_of(const struct row *row, uint8_t key[SCHEMA_TIME_KEY_LEN], uint64_t *step)
{
	unsigned res;
	uint32_t node;
	uint64_t t_s;

	schema_time_key_parse(row->key, SCHEMA_TIME_KEY_LEN, &res, &node, &t_s);
	uint64_t start = schema_block_start(res, t_s);
	schema_time_key(key, res, node, start);
	*step = (t_s - start) / schema_res_seconds[res];
}

/* Merges order[from, to) (array rows of one block, in time order) as one
 * point block. */
static int flush_block(struct rowacc *ra, unsigned from, unsigned to, struct tsdb_batch *b,
		       struct tsdb *db)
{
	uint8_t key[SCHEMA_TIME_KEY_LEN];
	uint32_t ncols = 0, n = to - from;

	for (unsigned i = from; i < to; i++)
		if (ra->order[i]->n > ncols)
			ncols = ra->order[i]->n;
	for (unsigned i = 0; i < n; i++) {
		block_of(ra->order[from + i], key, &ra->blk_t[i]);
		memcpy(ra->blk_v + (size_t)i * ncols, ra->order[from + i]->v, ncols * sizeof(uint64_t));
	}
	size_t len = sa_ptb_encode(ra->blk_out, ra->blk_t, ra->blk_v, n, ncols);
	if (len == 0)
		return -EINVAL;
	tsdb_batch_merge(b, db, (enum tsdb_cf)ra->order[from]->cf, key, sizeof(key), ra->blk_out, len);
	return 0;
}

int rowacc_store_sketches(const struct topk_set *s, unsigned res, uint32_t node, uint64_t t_s,
			  struct tsdb_batch *b, struct tsdb *db)
{
	uint8_t key[SCHEMA_TOPK_KEY_LEN], *packed;

	for (unsigned i = 0; i < TOPK_SKETCHES; i++) {
		size_t len = topk_sketch_pack(s->sk[i / TOPK_DIMS][i % TOPK_DIMS], &packed);
		if (len == 0)
			return -ENOMEM;
		schema_topk_key(key, res, node, i, t_s);
		tsdb_batch_merge(b, db, TSDB_TOPK, key, sizeof(key), packed, len);
		free(packed);
	}
	return 0;
}

static int flush_sketch(struct rowacc *ra, const struct row *row, struct tsdb_batch *b, struct tsdb *db)
{
	unsigned res;
	uint32_t node;
	uint64_t t_s;

	schema_time_key_parse(row->key, SCHEMA_TIME_KEY_LEN, &res, &node, &t_s);
	return rowacc_store_sketches(&ra->sketches[row->sketch], res, node, t_s, b, db);
}

int rowacc_flush(struct rowacc *ra, struct tsdb_batch *b, struct tsdb *db)
{
	uint8_t key[SCHEMA_TIME_KEY_LEN], next[SCHEMA_TIME_KEY_LEN];
	uint64_t step;
	int rc = 0, err;

	rc = rollup_sketches(ra);
	for (unsigned i = 0; i < ra->n_rows; i++)
		ra->order[i] = &ra->rows[i];
	qsort(ra->order, ra->n_rows, sizeof(*ra->order), row_order);
	for (unsigned i = 0, end; i < ra->n_rows; i = end) {
		end = i + 1;
		if (ra->order[i]->n == UINT32_MAX) {
			if ((err = flush_sketch(ra, ra->order[i], b, db)) != 0)
				rc = err;
			continue;
		}
		block_of(ra->order[i], key, &step);
		while (end < ra->n_rows && ra->order[end]->cf == ra->order[i]->cf &&
		       (block_of(ra->order[end], next, &step), memcmp(key, next, sizeof(key)) == 0))
			end++;
		if ((err = flush_block(ra, i, end, b, db)) != 0)
			rc = err;
	}
	memset(ra->index, 0xff, (ra->mask + 1) * sizeof(*ra->index));
	ra->n_rows = 0;
	ra->n_sketches = 0;
	return rc;
}
