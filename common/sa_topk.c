/* DESIGN: entries live in a binary min-heap on count, so the entry to
 * replace is always heap[0] and an increment is one sift-down (O(log k)).
 * The heap is built only when the sketch first fills (Floyd, O(k)): until
 * then no entry is replaced, so the order is moot, and many sketches (a
 * quiet second's talkers, a merge of rows with fewer keys than capacity)
 * never fill; its upkeep was a sixth of a week's top-N query at the
 * aggregator. An open-addressing index (linear probing, 2x capacity
 * rounded to a power of two, backward-shift deletion) maps a key to its
 * heap slot; a probe compares the stored hash before the key. */
#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sa_flowkey.h"
#include "sa_topk.h"

#define EMPTY UINT32_MAX

struct sa_topk {
	unsigned cap, n, mask;
	bool heaped; /* heap order holds (from the first replacement on) */
	uint64_t total;
	struct sa_topk_entry *heap;
	uint32_t *slot_of; /* heap index -> index slot */
	uint32_t *hash_of; /* heap index -> its key's hash, so deletion need not rehash */
	uint32_t *index;   /* index slot -> heap index or EMPTY */
};

struct sa_topk *sa_topk_new(unsigned capacity)
{
	struct sa_topk *sk;
	unsigned slots = 2;

	if (capacity == 0 || capacity > 65536)
		return NULL;
	while (slots < 2 * capacity)
		slots <<= 1;
	sk = calloc(1, sizeof(*sk));
	if (sk == NULL)
		return NULL;
	sk->cap = capacity;
	sk->mask = slots - 1;
	sk->heap = calloc(capacity, sizeof(*sk->heap));
	sk->slot_of = calloc(capacity, sizeof(*sk->slot_of));
	sk->hash_of = calloc(capacity, sizeof(*sk->hash_of));
	sk->index = malloc(slots * sizeof(*sk->index));
	if (sk->heap == NULL || sk->slot_of == NULL || sk->hash_of == NULL || sk->index == NULL) {
		sa_topk_destroy(&sk);
		return NULL;
	}
	sa_topk_reset(sk);
	return sk;
}

void sa_topk_destroy(struct sa_topk **skp)
{
	struct sa_topk *sk = *skp;

	if (sk == NULL)
		return;
	free(sk->heap);
	free(sk->slot_of);
	free(sk->hash_of);
	free(sk->index);
	free(sk);
	*skp = NULL;
}

void sa_topk_reset(struct sa_topk *sk)
{
	sk->n = 0;
	sk->heaped = false;
	sk->total = 0;
	memset(sk->index, 0xff, (sk->mask + 1) * sizeof(*sk->index));
}

static uint32_t key_hash(const void *key, unsigned len)
{
	return (uint32_t)sa_hash_bytes(key, len, 0x5eed);
}

static int key_eq(const struct sa_topk_entry *e, const void *key, unsigned len)
{
	return e->key_len == len && memcmp(e->key, key, len) == 0;
}

static uint32_t index_find(const struct sa_topk *sk, const void *key, unsigned len, uint32_t hash)
{
	for (uint32_t s = hash & sk->mask;; s = (s + 1) & sk->mask) {
		uint32_t h = sk->index[s];
		if (h == EMPTY)
			return EMPTY;
		if (sk->hash_of[h] == hash && key_eq(&sk->heap[h], key, len))
			return s;
	}
}

static uint32_t index_insert(struct sa_topk *sk, uint32_t hash, uint32_t h)
{
	uint32_t s = hash & sk->mask;

	while (sk->index[s] != EMPTY)
		s = (s + 1) & sk->mask;
	sk->index[s] = h;
	return s;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void index_delete(struct sa_topk *sk, uint32_t s)
{
	uint32_t j = s;

	sk->index[s] = EMPTY;
	for (;;) {
		j = (j + 1) & sk->mask;
		uint32_t h = sk->index[j];
		if (h == EMPTY)
			return;
		uint32_t home = sk->hash_of[h] & sk->mask;
		/* Move j back to s unless its home lies cyclically in (s, j]. */
		int stays = s <= j ? (s < home && home <= j) : (s < home || home <= j);
		if (!stays) {
			sk->index[s] = h;
			sk->slot_of[h] = s;
			sk->index[j] = EMPTY;
			s = j;
		}
	}
}

/* Puts entry e (with its index slot and hash) at heap position i and
 * points its index slot there. */
static void heap_place(struct sa_topk *sk, uint32_t i, const struct sa_topk_entry *e, uint32_t slot,
		       uint32_t hash)
{
	sk->heap[i] = *e;
	sk->slot_of[i] = slot;
	sk->hash_of[i] = hash;
	sk->index[slot] = i;
}

/* Both sifts carry the moving entry in a hole and move each entry it
 * passes once, instead of swapping pairs: a full sketch's replacement of
 * its minimum, the common case in a spoofed flood, moves 40-byte entries. */
static void sift_down(struct sa_topk *sk, uint32_t i)
{
	const struct sa_topk_entry e = sk->heap[i];
	uint32_t slot = sk->slot_of[i], hash = sk->hash_of[i];

	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = l;
		if (l >= sk->n)
			break;
		if (r < sk->n && sk->heap[r].count < sk->heap[l].count)
			m = r;
		if (sk->heap[m].count >= e.count)
			break;
		heap_place(sk, i, &sk->heap[m], sk->slot_of[m], sk->hash_of[m]);
		i = m;
	}
	heap_place(sk, i, &e, slot, hash);
}

static void sift_up(struct sa_topk *sk, uint32_t i)
{
	const struct sa_topk_entry e = sk->heap[i];
	uint32_t slot = sk->slot_of[i], hash = sk->hash_of[i];

	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (sk->heap[p].count <= e.count)
			break;
		heap_place(sk, i, &sk->heap[p], sk->slot_of[p], sk->hash_of[p]);
		i = p;
	}
	heap_place(sk, i, &e, slot, hash);
}

static void set_key(struct sa_topk_entry *e, const void *key, unsigned len)
{
	memcpy(e->key, key, len);
	e->key_len = (uint8_t)len;
}

void sa_topk_offer(struct sa_topk *sk, const void *key, unsigned key_len,
		   uint64_t weight, uint64_t err)
{
	uint32_t s, h, hash = key_hash(key, key_len);

	assert(key_len > 0 && key_len <= SA_TOPK_KEY_MAX);
	sk->total += weight;
	s = index_find(sk, key, key_len, hash);
	if (s != EMPTY) {
		h = sk->index[s];
		sk->heap[h].count += weight;
		sk->heap[h].err += err;
		if (sk->heaped)
			sift_down(sk, h);
		return;
	}
	if (sk->n < sk->cap) {
		h = sk->n++;
		set_key(&sk->heap[h], key, key_len);
		sk->heap[h].count = weight;
		sk->heap[h].err = err;
		sk->hash_of[h] = hash;
		sk->slot_of[h] = index_insert(sk, hash, h);
		if (sk->heaped)
			sift_up(sk, h);
		return;
	}
	/* Full: the smallest entry gives up its slot; the newcomer inherits its
	 * count as possible over-estimation. */
	if (!sk->heaped) {
		for (uint32_t i = sk->n / 2; i-- > 0;)
			sift_down(sk, i);
		sk->heaped = true;
	}
	struct sa_topk_entry *min = &sk->heap[0];
	uint64_t floor = min->count;
	index_delete(sk, sk->slot_of[0]);
	set_key(min, key, key_len);
	min->count = floor + weight;
	min->err = floor + err;
	sk->hash_of[0] = hash;
	sk->slot_of[0] = index_insert(sk, hash, 0);
	sift_down(sk, 0);
}

void sa_topk_add_untracked(struct sa_topk *sk, uint64_t weight)
{
	sk->total += weight;
}

uint64_t sa_topk_total(const struct sa_topk *sk)
{
	return sk->total;
}

unsigned sa_topk_size(const struct sa_topk *sk)
{
	return sk->n;
}

unsigned sa_topk_capacity(const struct sa_topk *sk)
{
	return sk->cap;
}

static int by_count_desc(const void *a, const void *b)
{
	const struct sa_topk_entry *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->key_len != y->key_len)
		return x->key_len < y->key_len ? -1 : 1;
	return memcmp(x->key, y->key, x->key_len);
}

const struct sa_topk_entry *sa_topk_entries(const struct sa_topk *sk, unsigned *n)
{
	*n = sk->n;
	return sk->heap;
}

unsigned sa_topk_list(const struct sa_topk *sk, struct sa_topk_entry *out)
{
	memcpy(out, sk->heap, sk->n * sizeof(*out));
	qsort(out, sk->n, sizeof(*out), by_count_desc);
	return sk->n;
}
