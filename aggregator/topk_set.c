#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sa_varint.h"
#include "topk_set.h"

int topk_set_init(struct topk_set *s, unsigned capacity)
{
	for (unsigned w = 0; w < TOPK_WEIGHTS; w++)
		for (unsigned d = 0; d < TOPK_DIMS; d++)
			if ((s->sk[w][d] = sa_topk_new(capacity)) == NULL) {
				topk_set_fini(s);
				return -ENOMEM;
			}
	return 0;
}

void topk_set_fini(struct topk_set *s)
{
	for (unsigned w = 0; w < TOPK_WEIGHTS; w++)
		for (unsigned d = 0; d < TOPK_DIMS; d++)
			sa_topk_destroy(&s->sk[w][d]);
}

void topk_set_reset(struct topk_set *s)
{
	for (unsigned w = 0; w < TOPK_WEIGHTS; w++)
		for (unsigned d = 0; d < TOPK_DIMS; d++)
			sa_topk_reset(s->sk[w][d]);
}

static void add_sketches(struct topk_set *s, unsigned w, Sa__TopSketch *const *sk, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const Sa__TopSketch *t = sk[i];
		uint64_t tracked = 0;
		if (t->dimension >= TOPK_DIMS)
			continue;
		struct sa_topk *dst = s->sk[w][t->dimension];
		for (size_t j = 0; j < t->n_entries; j++) {
			const Sa__TopEntry *e = t->entries[j];
			if (e->key.len == 0 || e->key.len > SA_TOPK_KEY_MAX)
				continue;
			sa_topk_offer(dst, e->key.data, (unsigned)e->key.len, e->count, e->error);
			tracked += e->count;
		}
		/* Keep the total honest: weight the sketch saw but did not keep. */
		if (t->total > tracked)
			sa_topk_add_untracked(dst, t->total - tracked);
	}
}

void topk_set_add(struct topk_set *s, const Sa__IntervalStats *iv)
{
	add_sketches(s, 0, iv->top_bytes, iv->n_top_bytes);
	add_sketches(s, 1, iv->top_packets, iv->n_top_packets);
}

void topk_set_merge(struct topk_set *dst, const struct topk_set *src)
{
	for (unsigned w = 0; w < TOPK_WEIGHTS; w++)
		for (unsigned d = 0; d < TOPK_DIMS; d++) {
			const struct sa_topk *from = src->sk[w][d];
			unsigned n;
			const struct sa_topk_entry *e = sa_topk_entries(from, &n);
			uint64_t tracked = 0;
			for (unsigned i = 0; i < n; i++) {
				sa_topk_offer(dst->sk[w][d], e[i].key, e[i].key_len, e[i].count, e[i].err);
				tracked += e[i].count;
			}
			if (sa_topk_total(from) > tracked)
				sa_topk_add_untracked(dst->sk[w][d], sa_topk_total(from) - tracked);
		}
}

/* A stored sketch: u8 TOPK_SKETCH_VERSION, then a section: varint length
 * of the rest, varint total, varint n, and n entries (u8 key length
 * 1..SA_TOPK_KEY_MAX, the key, varint count, varint error) in no
 * particular order. Rows stored before each sketch had its own key are
 * u8 TOPK_BLOB_VERSION, then a section for each weight and dimension in
 * order. */
#define TOPK_BLOB_VERSION 2
#define TOPK_SKETCH_VERSION 3
#define ENTRY_MAX (1 + SA_TOPK_KEY_MAX + 2 * SA_VARINT_MAX)

/* Reads one section from r; offers it to dst unless dst is NULL. */
static bool section_read(struct sa_reader *r, struct sa_topk *dst)
{
	uint64_t len = sa_varint_get(r);
	const uint8_t *body = sa_bytes_get(r, len);

	if (body == NULL)
		return false;
	struct sa_reader s = {body, body + len, false};
	uint64_t total = sa_varint_get(&s), n = sa_varint_get(&s), tracked = 0;

	if (n > len)
		return false; /* every entry takes bytes */
	for (uint64_t i = 0; i < n && !s.bad; i++) {
		int kl = sa_byte_get(&s);
		const uint8_t *key = kl >= 1 && kl <= SA_TOPK_KEY_MAX ? sa_bytes_get(&s, (size_t)kl) : NULL;
		uint64_t count = sa_varint_get(&s), err = sa_varint_get(&s);
		if (key == NULL)
			return false;
		if (dst != NULL)
			sa_topk_offer(dst, key, (unsigned)kl, count, err);
		tracked += count;
	}
	if (s.bad || s.p != s.end)
		return false;
	/* Keep the total honest: weight the sketch saw but did not keep. */
	if (dst != NULL && total > tracked)
		sa_topk_add_untracked(dst, total - tracked);
	return true;
}

/* Reads a value of `version` holding n sections, offering section i to
 * dst[i] unless dst is NULL. Called twice, checking then offering, so a
 * damaged value adds nothing rather than half. */
static int blob_walk(struct sa_topk *const *dst, unsigned n, uint8_t version, const uint8_t *buf, size_t len)
{
	struct sa_reader r = {buf, buf + len, false};

	if (sa_byte_get(&r) != version)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (!section_read(&r, dst ? dst[i] : NULL))
			return -EINVAL;
	return r.p == r.end ? 0 : -EINVAL;
}

int topk_set_add_blob(struct topk_set *s, const uint8_t *buf, size_t len)
{
	if (blob_walk(NULL, TOPK_SKETCHES, TOPK_BLOB_VERSION, buf, len) != 0)
		return -EINVAL;
	return blob_walk(&s->sk[0][0], TOPK_SKETCHES, TOPK_BLOB_VERSION, buf, len);
}

int topk_sketch_add_blob(struct sa_topk *dst, const uint8_t *buf, size_t len)
{
	if (blob_walk(NULL, 1, TOPK_SKETCH_VERSION, buf, len) != 0)
		return -EINVAL;
	return blob_walk(&dst, 1, TOPK_SKETCH_VERSION, buf, len);
}

/* Writes one sketch's section at p (room for its worst case); returns the end. */
static uint8_t *section_put(uint8_t *p, const struct sa_topk *sk, uint8_t *scratch)
{
	unsigned n;
	const struct sa_topk_entry *list = sa_topk_entries(sk, &n);
	uint8_t *q = scratch;

	q = sa_varint_put(q, sa_topk_total(sk));
	q = sa_varint_put(q, n);
	for (unsigned i = 0; i < n; i++) {
		*q++ = list[i].key_len;
		memcpy(q, list[i].key, list[i].key_len);
		q += list[i].key_len;
		q = sa_varint_put(q, list[i].count);
		q = sa_varint_put(q, list[i].err);
	}
	p = sa_varint_put(p, (uint64_t)(q - scratch));
	memcpy(p, scratch, (size_t)(q - scratch));
	return p + (q - scratch);
}

/* Encodes n sketches' sections after the version byte into a malloc'd
 * buffer; returns its length (0 on failure). */
static size_t pack_sections(struct sa_topk *const *sk, unsigned n, uint8_t version, uint8_t **out)
{
	unsigned cap = 0;

	for (unsigned i = 0; i < n; i++)
		cap = sa_topk_capacity(sk[i]) > cap ? sa_topk_capacity(sk[i]) : cap;
	size_t section_max = 2 * SA_VARINT_MAX + (size_t)cap * ENTRY_MAX;
	uint8_t *scratch = malloc(section_max);
	uint8_t *p = *out = malloc(1 + n * (SA_VARINT_MAX + section_max));
	size_t len = 0;

	if (scratch != NULL && p != NULL) {
		*p++ = version;
		for (unsigned i = 0; i < n; i++)
			p = section_put(p, sk[i], scratch);
		len = (size_t)(p - *out);
	} else {
		free(*out);
		*out = NULL;
	}
	free(scratch);
	return len;
}

size_t topk_set_pack(const struct topk_set *s, uint8_t **out)
{
	return pack_sections(&s->sk[0][0], TOPK_SKETCHES, TOPK_BLOB_VERSION, out);
}

size_t topk_sketch_pack(const struct sa_topk *sk, uint8_t **out)
{
	struct sa_topk *one = (struct sa_topk *)sk; /* only read */

	return pack_sections(&one, 1, TOPK_SKETCH_VERSION, out);
}

int topk_blob_is_sketch(const uint8_t *buf, size_t len)
{
	return len > 0 && buf[0] == TOPK_SKETCH_VERSION;
}
