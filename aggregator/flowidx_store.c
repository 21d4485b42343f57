/* The flow index in the store: a batch's postings written, one key's read. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flowidx.h"

int flowidx_flush(struct flowidx_batch *fb, struct tsdb_batch *b, struct tsdb *db)
{
	uint8_t *buf = NULL;
	size_t cap = 0, len;
	int rc = 0;

	flowidx_sort(fb);
	for (size_t i = 0, end; i < fb->n && rc == 0; i = end) {
		end = flowidx_group_end(fb, i);
		if ((rc = flowidx_encode(&fb->e[i], end - i, &buf, &cap, &len)) == 0)
			tsdb_batch_merge(b, db, TSDB_FLOWIDX, fb->e[i].key, fb->e[i].klen, buf, len);
	}
	free(buf);
	fb->n = 0;
	return rc;
}

static int flow_key_order(const void *x, const void *y)
{
	return memcmp(x, y, SCHEMA_FLOW_KEY_LEN);
}

int flowidx_cursor_open(struct flowidx_cursor *c, struct tsdb *db, char kind, const uint8_t *addr,
			size_t addr_len, uint16_t port, uint64_t from_ns, uint64_t to_ns, uint32_t node,
			bool reverse)
{
	uint8_t from[FLOWIDX_KEY_MAX], to[FLOWIDX_KEY_MAX];

	memset(c, 0, sizeof(*c));
	/* Keys up to the one after the minute holding to_ns - 1. */
	size_t fl = flowidx_key(from, kind, addr, addr_len, port, flowidx_bucket(from_ns));
	size_t tl = flowidx_key(to, kind, addr, addr_len, port, flowidx_bucket(to_ns - 1) + FLOWIDX_BUCKET_S);
	if (fl == 0 || tl == 0)
		return -EINVAL;
	if (to_ns <= from_ns)
		return 0; /* an empty range: no scan */
	c->from_ns = from_ns;
	c->to_ns = to_ns;
	c->node = node;
	c->reverse = reverse;
	c->it = reverse ? tsdb_iter_new_reverse(db, TSDB_FLOWIDX, from, fl, to, tl)
			: tsdb_iter_new(db, TSDB_FLOWIDX, from, fl, to, tl);
	return c->it ? 0 : -ENOMEM;
}

const uint8_t *flowidx_cursor_next(struct flowidx_cursor *c)
{
	const uint8_t *k, *v;
	size_t kl, vl;

	while (c->next == c->keys.n) {
		if (c->it == NULL || !tsdb_iter_next(c->it, &k, &kl, &v, &vl))
			return NULL;
		c->keys.n = c->next = 0;
		if (flowidx_decode(k, kl, v, vl, c->from_ns, c->to_ns, c->node, &c->keys) < 0)
			return NULL;
		if (c->keys.n > 1) /* k is NULL until a minute names a flow */
			qsort(c->keys.k, c->keys.n, sizeof(*c->keys.k), flow_key_order);
	}
	size_t i = c->next++;
	return c->keys.k[c->reverse ? c->keys.n - 1 - i : i];
}

void flowidx_cursor_close(struct flowidx_cursor *c)
{
	tsdb_iter_destroy(&c->it);
	free(c->keys.k);
	memset(c, 0, sizeof(*c));
}
