#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sa_wire.h"
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

int topk_set_add_blob(struct topk_set *s, const uint8_t *buf, size_t len)
{
	Sa__IntervalStats *iv = sa__interval_stats__unpack(NULL, len, buf);

	if (iv == NULL)
		return -EINVAL;
	topk_set_add(s, iv);
	sa__interval_stats__free_unpacked(iv, NULL);
	return 0;
}

/* One sketch as a message, with the arrays it points into. */
struct sketch_pb {
	Sa__TopSketch msg;
	Sa__TopEntry *ents;
	Sa__TopEntry **ptrs;
	struct sa_topk_entry *list;
};

static int sketch_pb_fill(struct sketch_pb *p, const struct sa_topk *sk, unsigned dim)
{
	unsigned cap = sa_topk_capacity(sk);

	sa__top_sketch__init(&p->msg);
	p->list = malloc(cap * sizeof(*p->list));
	p->ents = malloc(cap * sizeof(*p->ents));
	p->ptrs = malloc(cap * sizeof(*p->ptrs));
	if (p->list == NULL || p->ents == NULL || p->ptrs == NULL)
		return -ENOMEM;
	unsigned n = sa_topk_list(sk, p->list);
	for (unsigned i = 0; i < n; i++) {
		Sa__TopEntry *e = &p->ents[i];
		sa__top_entry__init(e);
		e->has_key = e->has_count = e->has_error = 1;
		e->key = (ProtobufCBinaryData){p->list[i].key_len, p->list[i].key};
		e->count = p->list[i].count;
		e->error = p->list[i].err;
		p->ptrs[i] = e;
	}
	p->msg.has_dimension = p->msg.has_capacity = p->msg.has_total = 1;
	p->msg.dimension = dim;
	p->msg.capacity = cap;
	p->msg.total = sa_topk_total(sk);
	p->msg.n_entries = n;
	p->msg.entries = p->ptrs;
	return 0;
}

static void sketch_pb_free(struct sketch_pb *p)
{
	free(p->list);
	free(p->ents);
	free(p->ptrs);
}

size_t topk_set_pack(const struct topk_set *s, uint8_t **out)
{
	Sa__IntervalStats iv = SA__INTERVAL_STATS__INIT;
	struct sketch_pb pb[TOPK_WEIGHTS][TOPK_DIMS];
	Sa__TopSketch *msgs[TOPK_WEIGHTS][TOPK_DIMS];
	size_t len = 0;
	int rc = 0;

	memset(pb, 0, sizeof(pb));
	for (unsigned w = 0; w < TOPK_WEIGHTS; w++)
		for (unsigned d = 0; d < TOPK_DIMS; d++) {
			rc |= sketch_pb_fill(&pb[w][d], s->sk[w][d], d);
			msgs[w][d] = &pb[w][d].msg;
		}
	if (rc == 0) {
		iv.n_top_bytes = iv.n_top_packets = TOPK_DIMS;
		iv.top_bytes = msgs[0];
		iv.top_packets = msgs[1];
		len = sa_wire_pack(&iv.base, out);
	}
	for (unsigned w = 0; w < TOPK_WEIGHTS; w++)
		for (unsigned d = 0; d < TOPK_DIMS; d++)
			sketch_pb_free(&pb[w][d]);
	return len;
}
