/* Answers read from flow records: listing with filters, conversations. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "answer_store.h"
#include "flowidx.h"
#include "sa_flowkey.h"
#include "sa_wire.h"
#include "schema.h"

static int proto_number(const char *p)
{
	if (p == NULL || p[0] == '\0')
		return -1;
	if (strcmp(p, "tcp") == 0)
		return 6;
	if (strcmp(p, "udp") == 0)
		return 17;
	if (strcmp(p, "icmp") == 0)
		return 1;
	if (strcmp(p, "icmpv6") == 0)
		return 58;
	return -2;
}

static bool flow_matches(const Sa__FlowRecord *f, const Sa__Query *q, int proto)
{
	if (proto >= 0 && f->proto != (uint32_t)proto)
		return false;
	if (q->port && f->port_a != q->port && f->port_b != q->port)
		return false;
	if (q->ip.len) {
		bool a = f->addr_a.len == q->ip.len && memcmp(f->addr_a.data, q->ip.data, q->ip.len) == 0;
		bool b = f->addr_b.len == q->ip.len && memcmp(f->addr_b.data, q->ip.data, q->ip.len) == 0;
		if (!a && !b)
			return false;
	}
	if (q->labelled && !(f->label && f->label[0]))
		return false;
	if (q->class_name && q->class_name[0] && !(f->class_name && strcmp(f->class_name, q->class_name) == 0))
		return false;
	return true;
}

/* Walks the flow records that start in the query's range (earliest first,
 * or latest first for NEWEST_FIRST), of its node (0 = all), each decoded
 * into a scratch arena that the next step reuses. A query for an address
 * or a port walks that address's or port's posting lists (flowidx.h)
 * instead and reads each record they name. */
struct flow_cursor {
	struct tsdb *db;
	struct tsdb_iter *it;     /* the flows themselves, or */
	struct flowidx_cursor idx; /* their index (idx.it set) */
	struct sa_arena *scratch;
	ProtobufCAllocator alloc;
	uint32_t node;
	char *read;             /* the record read through the index (tsdb_get's) */
	const uint8_t *val;     /* the current record's stored bytes */
	size_t vlen;
};

static int flow_cursor_open(struct flow_cursor *c, struct tsdb *db, const Sa__Query *q)
{
	uint64_t to_ns = q->to_ns ? q->to_ns : UINT64_MAX;
	bool reverse = q->order == SA__FLOW_ORDER__NEWEST_FIRST;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->db = db;
	c->node = q->node_id;
	if ((c->scratch = sa_arena_new(1 << 16)) == NULL)
		return -ENOMEM;
	c->alloc = sa_wire_arena_allocator(c->scratch);
	if (q->ip.len || q->port) {
		char kind = q->ip.len ? FLOWIDX_ADDR : FLOWIDX_PORT;
		rc = flowidx_cursor_open(&c->idx, db, kind, q->ip.data, q->ip.len, (uint16_t)q->port, q->from_ns, to_ns,
					 q->node_id, reverse);
	} else {
		uint8_t from[8], to[8];
		schema_be64(from, q->from_ns);
		schema_be64(to, to_ns);
		c->it = reverse ? tsdb_iter_new_reverse(db, TSDB_FLOWS, from, 8, to, 8)
				: tsdb_iter_new(db, TSDB_FLOWS, from, 8, to, 8);
		rc = c->it ? 0 : -ENOMEM;
	}
	if (rc != 0)
		sa_arena_destroy(&c->scratch);
	return rc;
}

/* The next stored record's bytes (c->val, c->vlen), or false. */
static bool flow_cursor_step(struct flow_cursor *c)
{
	const uint8_t *k, *fk;
	size_t kl, vl;

	if (c->it != NULL) {
		while (tsdb_iter_next(c->it, &k, &kl, &c->val, &c->vlen))
			if (kl == SCHEMA_FLOW_KEY_LEN && (!c->node || schema_get_be32(k + 8) == c->node))
				return true;
		return false;
	}
	while ((fk = flowidx_cursor_next(&c->idx)) != NULL) {
		free(c->read);
		c->read = NULL;
		/* A record gone by retention leaves its postings until compaction. */
		if (tsdb_get(c->db, TSDB_FLOWS, fk, SCHEMA_FLOW_KEY_LEN, &c->read, &vl) == 0) {
			c->val = (const uint8_t *)c->read;
			c->vlen = vl;
			return true;
		}
	}
	return false;
}

static Sa__FlowRecord *flow_cursor_next(struct flow_cursor *c)
{
	while (flow_cursor_step(c)) {
		sa_arena_reset(c->scratch);
		Sa__FlowRecord *f = sa__flow_record__unpack(&c->alloc, c->vlen, c->val);
		if (f != NULL)
			return f;
	}
	return NULL;
}

static void flow_cursor_close(struct flow_cursor *c)
{
	tsdb_iter_destroy(&c->it);
	flowidx_cursor_close(&c->idx);
	sa_arena_destroy(&c->scratch);
	free(c->read);
}

static uint64_t flow_bytes(const Sa__FlowRecord *f)
{
	return (f->a_to_b ? f->a_to_b->bytes : 0) + (f->b_to_a ? f->b_to_a->bytes : 0);
}

/* The `limit` heaviest matches seen so far: a min-heap on bytes (ties:
 * the later start is lighter), each with a copy of its stored bytes. */
struct heaviest {
	struct kept {
		uint64_t bytes, seq;
		uint8_t *val;
		size_t len;
	} *e;
	unsigned n, cap;
};

static bool lighter(const struct kept *x, const struct kept *y)
{
	return x->bytes != y->bytes ? x->bytes < y->bytes : x->seq > y->seq;
}

static void heaviest_sift_down(struct heaviest *h, unsigned i)
{
	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n && lighter(&h->e[l], &h->e[m]))
			m = l;
		if (r < h->n && lighter(&h->e[r], &h->e[m]))
			m = r;
		if (m == i)
			return;
		struct kept t = h->e[i];
		h->e[i] = h->e[m];
		h->e[m] = t;
		i = m;
	}
}

/* Offers a match; returns -ENOMEM if it could not be kept. */
static int heaviest_offer(struct heaviest *h, const struct kept *k)
{
	if (h->n == h->cap && !lighter(&h->e[0], k))
		return 0;
	uint8_t *copy = malloc(k->len ? k->len : 1);
	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, k->val, k->len);
	struct kept in = *k;
	in.val = copy;
	if (h->n < h->cap) {
		/* Sift the newcomer up. */
		unsigned i = h->n++;
		while (i > 0 && lighter(&in, &h->e[(i - 1) / 2])) {
			h->e[i] = h->e[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		h->e[i] = in;
	} else {
		free(h->e[0].val);
		h->e[0] = in;
		heaviest_sift_down(h, 0);
	}
	return 0;
}

static int heavier_first(const void *x, const void *y)
{
	return lighter(y, x) ? -1 : lighter(x, y) ? 1 : 0;
}

/* Decodes kept records into the answer (arena-backed); false when out of memory. */
static bool answer_add_flow(Sa__Response *r, size_t *cap, struct sa_arena *a, const uint8_t *val, size_t len)
{
	ProtobufCAllocator keep = sa_wire_arena_allocator(a);

	if (r->n_flows == *cap) {
		Sa__FlowRecord **bigger = sa_arena_alloc(a, 2 * *cap * sizeof(*bigger));
		if (bigger == NULL)
			return false;
		memcpy(bigger, r->flows, *cap * sizeof(*bigger));
		r->flows = bigger;
		*cap *= 2;
	}
	/* Kept records are decoded again into the answer's arena. */
	Sa__FlowRecord *f = sa__flow_record__unpack(&keep, len, val);
	if (f != NULL)
		r->flows[r->n_flows++] = f;
	return f != NULL;
}

int answer_flows(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a)
{
	unsigned limit = q->limit ? q->limit : 100;
	int proto = proto_number(q->proto), rc = 0;
	bool by_bytes = q->order == SA__FLOW_ORDER__BY_BYTES;
	struct heaviest h = {NULL, 0, limit};
	struct flow_cursor c;
	Sa__FlowRecord *f;
	size_t cap;

	if (proto == -2)
		return answer_fail(r, SA_ERR_INVALID, "unknown protocol (tcp, udp, icmp, icmpv6)");
	if (limit > ANSWER_MAX_FLOWS)
		return answer_fail(r, SA_ERR_LIMIT, "flow limit above 100000");
	if (by_bytes && (h.e = malloc(limit * sizeof(*h.e))) == NULL)
		return answer_fail(r, SA_ERR_INTERNAL, "out of memory");
	if (flow_cursor_open(&c, db, q) != 0) {
		free(h.e);
		return answer_fail(r, SA_ERR_INTERNAL, "out of memory");
	}
	cap = limit < 1024 ? limit : 1024;
	r->flows = sa_arena_alloc(a, cap * sizeof(*r->flows));
	r->has_total = 1;
	while (rc == 0 && (f = flow_cursor_next(&c)) != NULL) {
		if (!flow_matches(f, q, proto))
			continue;
		if (by_bytes) {
			struct kept k = {flow_bytes(f), r->total, (uint8_t *)c.val, c.vlen};
			rc = heaviest_offer(&h, &k);
		} else if (r->n_flows < limit && !answer_add_flow(r, &cap, a, c.val, c.vlen)) {
			rc = -ENOMEM;
		}
		r->total++;
	}
	flow_cursor_close(&c);
	if (by_bytes)
		qsort(h.e, h.n, sizeof(*h.e), heavier_first);
	for (unsigned i = 0; i < h.n; i++) {
		if (rc == 0 && !answer_add_flow(r, &cap, a, h.e[i].val, h.e[i].len))
			rc = -ENOMEM;
		free(h.e[i].val);
	}
	free(h.e);
	return rc == 0 ? SA_OK : answer_fail(r, SA_ERR_INTERNAL, "out of memory");
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

static uint64_t count_distinct(uint64_t *h, size_t n)
{
	uint64_t d = 0;

	if (n > 1) /* h is NULL when nothing matched */
		qsort(h, n, sizeof(*h), cmp_u64);
	for (size_t i = 0; i < n; i++)
		d += i == 0 || h[i] != h[i - 1];
	return d;
}

int answer_conversations(struct tsdb *db, const Sa__Query *q, uint64_t *tcp, uint64_t *udp)
{
	uint64_t *h[2] = {NULL, NULL};
	size_t n[2] = {0, 0}, cap[2] = {0, 0};
	struct flow_cursor c;
	Sa__FlowRecord *f;
	int rc = 0;

	if (flow_cursor_open(&c, db, q) != 0)
		return -ENOMEM;
	while ((f = flow_cursor_next(&c)) != NULL) {
		/* Lengths were validated at ingest; a damaged store must not overflow. */
		if (f->l4_incomplete || (f->proto != 6 && f->proto != 17) || f->addr_a.len > 16 ||
		    f->addr_b.len > 16)
			continue;
		struct sa_flowkey key;
		uint8_t src[16] = {0}, dst[16] = {0};
		memcpy(src, f->addr_a.data, f->addr_a.len);
		memcpy(dst, f->addr_b.data, f->addr_b.len);
		/* Conversations ignore VLANs, as tshark's conversation tables do. */
		sa_flowkey_make(&key, src, dst, (uint16_t)f->port_a, (uint16_t)f->port_b,
				(uint8_t)f->proto, (uint8_t)f->ip_version, 0);
		int t = f->proto == 17;
		if (n[t] == cap[t]) {
			size_t nc = cap[t] ? 2 * cap[t] : 4096;
			uint64_t *bigger = realloc(h[t], nc * sizeof(uint64_t));
			if (bigger == NULL) {
				rc = -ENOMEM;
				break;
			}
			h[t] = bigger;
			cap[t] = nc;
		}
		h[t][n[t]++] = sa_flowkey_hash(&key);
	}
	flow_cursor_close(&c);
	*tcp = count_distinct(h[0], n[0]);
	*udp = count_distinct(h[1], n[1]);
	free(h[0]);
	free(h[1]);
	return rc;
}
