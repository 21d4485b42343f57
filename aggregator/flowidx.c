/* The flow index codec: posting keys, runs, their merge and decoding
 * (no store access, so it is fuzzed on its own). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flowidx.h"
#include "sa_varint.h"

#define NS_PER_S 1000000000ull
/* A run's header: node, run, seq, count; an entry: offset, idx. */
#define RUN_HEAD_MAX (4 * SA_VARINT_MAX)
#define ENTRY_MAX (2 * SA_VARINT_MAX)

size_t flowidx_key(uint8_t out[FLOWIDX_KEY_MAX], char kind, const uint8_t *addr, size_t addr_len,
		   uint16_t port, uint64_t bucket_s)
{
	static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	size_t n = 1;

	out[0] = (uint8_t)kind;
	if (kind == FLOWIDX_ADDR) {
		if (addr_len != 4 && addr_len != 16)
			return 0;
		if (addr_len == 4)
			memcpy(out + n, v4_mapped, 12);
		memcpy(out + n + 16 - addr_len, addr, addr_len);
		n += 16;
	} else {
		out[n++] = (uint8_t)(port >> 8);
		out[n++] = (uint8_t)port;
	}
	schema_be64(out + n, bucket_s);
	return n + 8;
}

/* Where a posting key's minute starts, or 0 if it is not one. */
static size_t bucket_at(const uint8_t *k, size_t len)
{
	if (len == 1 + 16 + 8 && k[0] == FLOWIDX_ADDR)
		return 17;
	if (len == 1 + 2 + 8 && k[0] == FLOWIDX_PORT)
		return 3;
	return 0;
}

int flowidx_add(struct flowidx_batch *fb, const struct flowidx_entry *e)
{
	if (fb->n == fb->cap) {
		size_t cap = fb->cap ? 2 * fb->cap : 4096;
		struct flowidx_entry *bigger = realloc(fb->e, cap * sizeof(*bigger));
		if (bigger == NULL)
			return -ENOMEM;
		fb->e = bigger;
		fb->cap = cap;
	}
	fb->e[fb->n++] = *e;
	return 0;
}

int flowidx_add_flow(struct flowidx_batch *fb, const Sa__FlowRecord *f, uint64_t first_ns, uint32_t node,
		     uint64_t run, uint64_t seq, uint32_t idx)
{
	const ProtobufCBinaryData *addr[2] = {&f->addr_a, &f->addr_b};
	const uint32_t port[2] = {f->port_a, f->port_b};
	struct flowidx_entry e = {.node = node, .idx = idx, .run = run, .seq = seq, .first_ns = first_ns};
	uint64_t bucket = flowidx_bucket(first_ns);
	int rc = 0;

	for (int i = 0; i < 2 && rc == 0; i++) {
		bool same_addr = i == 1 && addr[1]->len == addr[0]->len &&
				 memcmp(addr[1]->data, addr[0]->data, addr[0]->len) == 0;
		if (!same_addr &&
		    (e.klen = (uint8_t)flowidx_key(e.key, FLOWIDX_ADDR, addr[i]->data, addr[i]->len, 0, bucket)) != 0)
			rc = flowidx_add(fb, &e);
		if (rc == 0 && port[i] != 0 && port[i] <= UINT16_MAX && !(i == 1 && port[1] == port[0])) {
			e.klen = (uint8_t)flowidx_key(e.key, FLOWIDX_PORT, NULL, 0, (uint16_t)port[i], bucket);
			rc = flowidx_add(fb, &e);
		}
	}
	return rc;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

/* Posting key, then the run's identity, then start and index. */
static int entry_order(const void *x, const void *y)
{
	const struct flowidx_entry *a = x, *b = y;
	size_t l = a->klen < b->klen ? a->klen : b->klen;
	int c = memcmp(a->key, b->key, l);

	if (c == 0)
		c = (a->klen > b->klen) - (a->klen < b->klen);
	if (c == 0)
		c = cmp_u64(a->node, b->node);
	if (c == 0)
		c = cmp_u64(a->run, b->run);
	if (c == 0)
		c = cmp_u64(a->seq, b->seq);
	if (c == 0)
		c = cmp_u64(a->first_ns, b->first_ns);
	return c ? c : cmp_u64(a->idx, b->idx);
}

static bool same_key(const struct flowidx_entry *a, const struct flowidx_entry *b)
{
	return a->klen == b->klen && memcmp(a->key, b->key, a->klen) == 0;
}

static bool same_run(const struct flowidx_entry *a, const struct flowidx_entry *b)
{
	return a->node == b->node && a->run == b->run && a->seq == b->seq;
}

/* Encodes e[0..n) (one key, one run) at out; returns the end. */
static uint8_t *put_run(uint8_t *out, const struct flowidx_entry *e, size_t n)
{
	uint8_t body[RUN_HEAD_MAX], *p = body;
	uint64_t base = flowidx_bucket(e[0].first_ns) * NS_PER_S, len = 0;

	p = sa_varint_put(p, e[0].node);
	p = sa_varint_put(p, e[0].run);
	p = sa_varint_put(p, e[0].seq);
	p = sa_varint_put(p, n);
	len = (uint64_t)(p - body);
	for (size_t i = 0; i < n; i++)
		len += sa_varint_len(e[i].first_ns - base) + sa_varint_len(e[i].idx);
	out = sa_varint_put(out, len);
	memcpy(out, body, (size_t)(p - body));
	out += p - body;
	for (size_t i = 0; i < n; i++) {
		out = sa_varint_put(out, e[i].first_ns - base);
		out = sa_varint_put(out, e[i].idx);
	}
	return out;
}

void flowidx_batch_free(struct flowidx_batch *fb)
{
	free(fb->e);
	memset(fb, 0, sizeof(*fb));
}

char *flowidx_merge(const char *existing, size_t existing_len, const char *const *ops, const size_t *op_lens,
		    int n_ops, size_t *out_len)
{
	size_t len = existing ? existing_len : 0;

	for (int i = 0; i < n_ops; i++)
		len += op_lens[i];
	char *out = malloc(len ? len : 1), *p = out;
	if (out == NULL)
		return NULL;
	if (existing && existing_len) {
		memcpy(p, existing, existing_len);
		p += existing_len;
	}
	for (int i = 0; i < n_ops; i++) {
		memcpy(p, ops[i], op_lens[i]);
		p += op_lens[i];
	}
	*out_len = len;
	return out;
}

uint64_t flowidx_key_time(const uint8_t *k, size_t len, const uint8_t *val, size_t vlen)
{
	size_t at = bucket_at(k, len);
	uint64_t s = at ? schema_get_be64(k + at) : 0;

	(void)val;
	(void)vlen;
	if (!at || s > UINT64_MAX / NS_PER_S - FLOWIDX_BUCKET_S)
		return UINT64_MAX;
	return (s + FLOWIDX_BUCKET_S) * NS_PER_S;
}

static int keys_push(struct flowidx_keys *out, const uint8_t key[SCHEMA_FLOW_KEY_LEN])
{
	if (out->n == out->cap) {
		size_t cap = out->cap ? 2 * out->cap : 256;
		void *bigger = realloc(out->k, cap * sizeof(*out->k));
		if (bigger == NULL)
			return -ENOMEM;
		out->k = bigger;
		out->cap = cap;
	}
	memcpy(out->k[out->n++], key, SCHEMA_FLOW_KEY_LEN);
	return 0;
}

/* Decodes one run's body: 0, -EINVAL if it is malformed (out may hold part
 * of it), or -ENOMEM. */
static int decode_run(struct sa_reader *r, uint64_t base_ns, uint64_t from_ns, uint64_t to_ns, uint32_t node,
		      struct flowidx_keys *out)
{
	uint64_t n_node = sa_varint_get(r), run = sa_varint_get(r), seq = sa_varint_get(r);
	uint64_t count = sa_varint_get(r);
	uint8_t key[SCHEMA_FLOW_KEY_LEN];

	/* An entry takes at least two bytes: a count beyond that is damage. */
	if (r->bad || n_node > UINT32_MAX || count > (uint64_t)(r->end - r->p) / 2)
		return -EINVAL;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t off = sa_varint_get(r), idx = sa_varint_get(r);
		if (r->bad || off >= FLOWIDX_BUCKET_S * NS_PER_S || idx > UINT32_MAX)
			return -EINVAL;
		uint64_t t = base_ns + off;
		if (t < from_ns || t >= to_ns || (node && n_node != node))
			continue;
		schema_flow_key(key, t, (uint32_t)n_node, run, seq, (uint32_t)idx);
		if (keys_push(out, key) != 0)
			return -ENOMEM;
	}
	return r->p == r->end ? 0 : -EINVAL;
}

int flowidx_decode(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, uint64_t from_ns,
		   uint64_t to_ns, uint32_t node, struct flowidx_keys *out)
{
	size_t at = bucket_at(key, klen);
	struct sa_reader r = {val, val + vlen, false};
	int skipped = 0;

	if (!at || schema_get_be64(key + at) > UINT64_MAX / NS_PER_S - FLOWIDX_BUCKET_S)
		return vlen ? 1 : 0; /* not a posting key: its value counts as one bad run */
	uint64_t base_ns = schema_get_be64(key + at) * NS_PER_S;
	while (r.p < r.end) {
		uint64_t len = sa_varint_get(&r);
		if (r.bad || len > (uint64_t)(r.end - r.p))
			return skipped + 1; /* the rest cannot be framed */
		struct sa_reader run = {r.p, r.p + len, false};
		r.p += len;
		size_t before = out->n;
		int rc = decode_run(&run, base_ns, from_ns, to_ns, node, out);
		if (rc == -ENOMEM)
			return rc;
		if (rc != 0) {
			out->n = before;
			skipped++;
		}
	}
	return skipped;
}

void flowidx_sort(struct flowidx_batch *fb)
{
	if (fb->n > 1) /* e is NULL until the first entry */
		qsort(fb->e, fb->n, sizeof(*fb->e), entry_order);
}

size_t flowidx_group_end(const struct flowidx_batch *fb, size_t i)
{
	size_t end = i + 1;

	while (end < fb->n && same_key(&fb->e[i], &fb->e[end]))
		end++;
	return end;
}

int flowidx_encode(const struct flowidx_entry *e, size_t n, uint8_t **buf, size_t *cap, size_t *len)
{
	size_t runs = 1;

	for (size_t j = 1; j < n; j++)
		runs += !same_run(&e[j - 1], &e[j]);
	size_t need = runs * (SA_VARINT_MAX + RUN_HEAD_MAX) + n * ENTRY_MAX;
	if (need > *cap) {
		uint8_t *bigger = realloc(*buf, need);
		if (bigger == NULL)
			return -ENOMEM;
		*buf = bigger;
		*cap = need;
	}
	uint8_t *p = *buf;
	for (size_t j = 0, run_end; j < n; j = run_end) {
		for (run_end = j + 1; run_end < n && same_run(&e[j], &e[run_end]); run_end++)
			;
		p = put_run(p, &e[j], run_end - j);
	}
	*len = (size_t)(p - *buf);
	return 0;
}
