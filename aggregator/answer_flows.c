/* Answers read from flow records: listing with filters, conversations. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "answer_store.h"
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
	return true;
}

/* Iterates flow records starting in [from_ns, to_ns) of one node (0 = all). */
static struct tsdb_iter *flow_scan(struct tsdb *db, const Sa__Query *q)
{
	uint8_t from[8], to[8];

	schema_be64(from, q->from_ns);
	schema_be64(to, q->to_ns ? q->to_ns : UINT64_MAX);
	return tsdb_iter_new(db, TSDB_FLOWS, from, sizeof(from), to, sizeof(to));
}

int answer_flows(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a)
{
	unsigned limit = q->limit ? q->limit : 100;
	int proto = proto_number(q->proto);
	struct sa_arena *scratch;
	const uint8_t *k, *v;
	size_t kl, vl, cap;

	if (proto == -2)
		return answer_fail(r, SA_ERR_INVALID, "unknown protocol (tcp, udp, icmp, icmpv6)");
	if (limit > ANSWER_MAX_FLOWS)
		return answer_fail(r, SA_ERR_LIMIT, "flow limit above 100000");
	scratch = sa_arena_new(1 << 16);
	if (scratch == NULL)
		return answer_fail(r, SA_ERR_INTERNAL, "out of memory");
	ProtobufCAllocator tmp = sa_wire_arena_allocator(scratch), keep = sa_wire_arena_allocator(a);
	cap = limit < 1024 ? limit : 1024;
	r->flows = sa_arena_alloc(a, cap * sizeof(*r->flows));
	r->has_total = 1;
	struct tsdb_iter *it = flow_scan(db, q);
	while (it && tsdb_iter_next(it, &k, &kl, &v, &vl)) {
		if (kl != SCHEMA_FLOW_KEY_LEN || (q->node_id && schema_get_be32(k + 8) != q->node_id))
			continue;
		sa_arena_reset(scratch);
		Sa__FlowRecord *f = sa__flow_record__unpack(&tmp, vl, v);
		if (f == NULL || !flow_matches(f, q, proto))
			continue;
		r->total++;
		if (r->n_flows == limit)
			continue;
		if (r->n_flows == cap) {
			Sa__FlowRecord **bigger = sa_arena_alloc(a, 2 * cap * sizeof(*bigger));
			memcpy(bigger, r->flows, cap * sizeof(*bigger));
			r->flows = bigger;
			cap *= 2;
		}
		r->flows[r->n_flows++] = sa__flow_record__unpack(&keep, vl, v);
	}
	tsdb_iter_destroy(&it);
	sa_arena_destroy(&scratch);
	return SA_OK;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

static uint64_t count_distinct(uint64_t *h, size_t n)
{
	uint64_t d = 0;

	qsort(h, n, sizeof(*h), cmp_u64);
	for (size_t i = 0; i < n; i++)
		d += i == 0 || h[i] != h[i - 1];
	return d;
}

int answer_conversations(struct tsdb *db, const Sa__Query *q, uint64_t *tcp, uint64_t *udp)
{
	uint64_t *h[2] = {NULL, NULL};
	size_t n[2] = {0, 0}, cap[2] = {0, 0};
	struct sa_arena *scratch = sa_arena_new(1 << 16);
	const uint8_t *k, *v;
	size_t kl, vl;
	int rc = 0;

	if (scratch == NULL)
		return -ENOMEM;
	ProtobufCAllocator tmp = sa_wire_arena_allocator(scratch);
	struct tsdb_iter *it = flow_scan(db, q);
	while (it && tsdb_iter_next(it, &k, &kl, &v, &vl)) {
		if (kl != SCHEMA_FLOW_KEY_LEN || (q->node_id && schema_get_be32(k + 8) != q->node_id))
			continue;
		sa_arena_reset(scratch);
		Sa__FlowRecord *f = sa__flow_record__unpack(&tmp, vl, v);
		if (f == NULL || f->l4_incomplete || (f->proto != 6 && f->proto != 17))
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
	tsdb_iter_destroy(&it);
	*tcp = count_distinct(h[0], n[0]);
	*udp = count_distinct(h[1], n[1]);
	free(h[0]);
	free(h[1]);
	sa_arena_destroy(&scratch);
	return rc;
}
