/* DESIGN: linear probing at load <= 1/2, no deletion within a second; the
 * list of used slots makes folding and the reset cost O(keys seen), not
 * O(table). Folding offers the largest keys first so that, when a second
 * has more keys than a sketch holds, the kept ones are exact and the rest
 * are counted as untracked weight: every untracked key then weighs no more
 * than the smallest kept one, which is the Space-Saving guarantee the
 * aggregator's merges rely on. This holds after an overflow too: table keys
 * are never in the sketch before the fold, so each of the `capacity` offers
 * lifts one entry (an empty one or the minimum) to at least its weight,
 * which is at least any untracked key's. */
#define _GNU_SOURCE /* qsort_r */
#include <stdlib.h>

#include "sa_bigmem.h"
#include "talkers.h"

#define PORTS 65536u

struct talkers *talkers_new(unsigned capacity)
{
	struct talkers *t;
	uint32_t cap = 1;
	unsigned bits = 1; /* log2 of an address table's slot count, 2 * cap */

	if (capacity == 0 || capacity > (1u << 20))
		return NULL;
	while (cap < capacity)
		cap <<= 1, bits++;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->order = malloc((cap > PORTS ? cap : PORTS) * sizeof(*t->order));
	bool ok = t->order != NULL;
	for (unsigned d = 0; d < TALKER_DIMS; d++) {
		struct talker_table *tt = &t->t[d];
		bool port = d == TALKER_SRC_PORT || d == TALKER_DST_PORT;
		size_t slots = port ? PORTS : 2 * (size_t)cap;
		tt->cap = port ? PORTS : cap;
		tt->mask = (uint32_t)slots - 1;
		tt->shift = 64 - bits;
		tt->slot = sa_big_alloc(slots * sizeof(*tt->slot));
		if (tt->slot != NULL)
			memset(tt->slot, 0, slots * sizeof(*tt->slot));
		tt->used = malloc(tt->cap * sizeof(*tt->used));
		ok = ok && tt->slot != NULL && tt->used != NULL;
	}
	if (!ok)
		talkers_destroy(&t);
	return t;
}

void talkers_destroy(struct talkers **tp)
{
	struct talkers *t = *tp;

	if (t == NULL)
		return;
	for (unsigned d = 0; d < TALKER_DIMS; d++) {
		free(t->t[d].slot);
		free(t->t[d].used);
	}
	free(t->order);
	free(t);
	*tp = NULL;
}

void talkers_attach(struct talkers *t, struct sa_topk *sink[][TALKER_DIMS])
{
	t->sink = sink;
}

/* The sketch key: address bytes as on the wire, ports big-endian. */
static unsigned sketch_key(enum talker_dim d, uint64_t lo, uint64_t hi, uint32_t len, uint8_t *key)
{
	if (d == TALKER_SRC_PORT || d == TALKER_DST_PORT) {
		key[0] = (uint8_t)(lo >> 8);
		key[1] = (uint8_t)lo;
		return 2;
	}
	uint64_t w[2] = {lo, hi};
	memcpy(key, w, len);
	return len;
}

static uint64_t weight_of(const struct talker_slot *s, enum talker_weight k)
{
	return k == TALKER_BY_BYTES ? s->bytes : s->packets;
}

static void offer(struct talkers *t, enum talker_dim d, enum talker_weight k,
		  const struct talker_slot *s)
{
	uint8_t key[SA_TOPK_KEY_MAX];
	unsigned len = sketch_key(d, s->lo, s->hi, s->len, key);

	sa_topk_offer(t->sink[k][d], key, len, weight_of(s, k), 0);
}

void talkers_overflow(struct talkers *t, enum talker_dim d, const struct talker_key *k,
		      uint64_t bytes)
{
	const struct talker_slot s = {.lo = k->lo, .hi = k->hi, .bytes = bytes, .packets = 1,
				      .len = k->len};

	t->overflows++;

	offer(t, d, TALKER_BY_BYTES, &s);
	offer(t, d, TALKER_BY_PACKETS, &s);
}

struct order_ctx {
	const struct talker_slot *slot;
	enum talker_weight k;
};

static int heavier_first(const void *a, const void *b, void *arg)
{
	const struct order_ctx *c = arg;
	uint64_t x = weight_of(&c->slot[*(const uint32_t *)a], c->k);
	uint64_t y = weight_of(&c->slot[*(const uint32_t *)b], c->k);

	return (x < y) - (x > y);
}

static void swap_u32(uint32_t *a, uint32_t *b)
{
	uint32_t x = *a;
	*a = *b;
	*b = x;
}

/* Moves the keep heaviest of order[0..n) to the front, heaviest first; the
 * rest stay behind in no order. A busy second has tens of thousands of
 * keys and a sketch keeps 64, so a full sort was a tenth of the worker's
 * time. Quickselect with three-way partitions (many keys weigh one packet
 * alike); should its pivots keep failing, as crafted traffic could make
 * them, the range left is sorted, so it is never worse than the sort. */
static void select_heaviest(uint32_t *order, uint32_t n, uint32_t keep, const struct order_ctx *c)
{
	uint32_t lo = 0, hi = n; /* position keep lies in [lo, hi) */
	unsigned budget = 2 * (unsigned)(32 - __builtin_clz(n));

	while (hi - lo > 32 && budget-- > 0) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint64_t a = weight_of(&c->slot[order[lo]], c->k), b = weight_of(&c->slot[order[mid]], c->k);
		uint64_t z = weight_of(&c->slot[order[hi - 1]], c->k);
		uint64_t p = a < b ? (b < z ? b : a < z ? z : a) : (a < z ? a : b < z ? z : b);
		uint32_t lt = lo, i = lo, gt = hi; /* [lo,lt) heavier, [lt,i) equal, [gt,hi) lighter */
		while (i < gt) {
			uint64_t w = weight_of(&c->slot[order[i]], c->k);
			if (w > p)
				swap_u32(&order[lt++], &order[i++]);
			else if (w < p)
				swap_u32(&order[i], &order[--gt]);
			else
				i++;
		}
		if (keep < lt)
			hi = lt;
		else if (keep > gt)
			lo = gt;
		else
			lo = hi = keep; /* the boundary falls among equals: done */
	}
	if (hi > lo)
		qsort_r(order + lo, hi - lo, sizeof(*order), heavier_first, (void *)c);
	qsort_r(order, lo < keep ? lo : keep, sizeof(*order), heavier_first, (void *)c);
}

static void fold_table(struct talkers *t, enum talker_dim d)
{
	struct talker_table *tt = &t->t[d];

	for (unsigned k = 0; k < TALKER_WEIGHTS; k++) {
		struct sa_topk *sk = t->sink[k][d];
		unsigned keep = sa_topk_capacity(sk);
		memcpy(t->order, tt->used, tt->n * sizeof(*t->order));
		if (tt->n > keep) {
			struct order_ctx c = {tt->slot, (enum talker_weight)k};
			select_heaviest(t->order, tt->n, keep, &c);
		}
		for (uint32_t i = 0; i < tt->n; i++) {
			const struct talker_slot *s = &tt->slot[t->order[i]];
			if (i < keep)
				offer(t, d, (enum talker_weight)k, s);
			else
				sa_topk_add_untracked(sk, weight_of(s, (enum talker_weight)k));
		}
	}
	for (uint32_t i = 0; i < tt->n; i++)
		tt->slot[tt->used[i]].len = 0;
	tt->n = 0;
}

uint64_t talkers_fold(struct talkers *t)
{
	uint64_t overflows = t->overflows;

	for (unsigned d = 0; d < TALKER_DIMS; d++)
		fold_table(t, (enum talker_dim)d);
	t->overflows = 0;
	return overflows;
}
