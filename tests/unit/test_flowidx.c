/* The flow index's posting lists (flowidx.h) against a real RocksDB in a
 * temporary directory and a naive reference: 4,000 generated flows of 3
 * nodes in 40 batches over 5 minutes are indexed as ingest indexes them;
 * for addresses (IPv4 and IPv6) and ports, over ranges that cut minutes,
 * per node and in both orders, the cursor must name exactly the flows a
 * scan of the list finds, in flow key order. A damaged run in a value is
 * skipped and the runs after it still count. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "flowidx.h"
#include "sa_rng.h"
#include "schema.h"
#include "tsdb.h"

#define FLOWS 4000
#define BATCHES 40
#define ADDRS 24
#define T0_NS 1704067200000000000ull
#define SPAN_NS (300 * 1000000000ull)

struct flow {
	uint8_t key[SCHEMA_FLOW_KEY_LEN];
	uint8_t addr[2][16];
	size_t alen;
	uint32_t port[2];
};

static struct flow flows[FLOWS];
static uint8_t pool[ADDRS][16];

static void make_pool(struct sa_rng *r)
{
	for (unsigned i = 0; i < ADDRS; i++)
		for (unsigned j = 0; j < 16; j++)
			pool[i][j] = (uint8_t)sa_rng_next(r);
}

/* Addresses from the pool (the first half IPv4), ports from a few with 0
 * among them; a flow may have the same address or port on both sides. */
static void make_flows(struct sa_rng *r)
{
	static const uint32_t ports[] = {0, 53, 80, 443, 8080, 40000, 51234};

	for (unsigned i = 0; i < FLOWS; i++) {
		struct flow *f = &flows[i];
		unsigned v6 = (unsigned)(sa_rng_next(r) % 2);
		f->alen = v6 ? 16 : 4;
		for (int s = 0; s < 2; s++) {
			unsigned a = (unsigned)(sa_rng_next(r) % (ADDRS / 2)) + (v6 ? ADDRS / 2 : 0);
			memcpy(f->addr[s], pool[a], 16);
			f->port[s] = ports[sa_rng_next(r) % (sizeof(ports) / sizeof(ports[0]))];
		}
		unsigned batch = i / (FLOWS / BATCHES);
		schema_flow_key(f->key, T0_NS + sa_rng_next(r) % SPAN_NS, 1 + batch % 3, 7 + batch % 2, batch,
				i % (FLOWS / BATCHES));
	}
}

static void index_flows(struct tsdb *db, unsigned from, unsigned to)
{
	struct flowidx_batch fb = {0};
	struct tsdb_batch *b = tsdb_batch_new();

	for (unsigned i = from; i < to; i++) {
		const struct flow *f = &flows[i];
		Sa__FlowRecord rec = SA__FLOW_RECORD__INIT;
		uint64_t first, run, seq;
		uint32_t node, idx;
		schema_flow_key_parse(f->key, SCHEMA_FLOW_KEY_LEN, &first, &node, &run, &seq, &idx);
		rec.addr_a = (ProtobufCBinaryData){f->alen, (uint8_t *)f->addr[0]};
		rec.addr_b = (ProtobufCBinaryData){f->alen, (uint8_t *)f->addr[1]};
		rec.port_a = f->port[0];
		rec.port_b = f->port[1];
		CHECK_EQ(flowidx_add_flow(&fb, &rec, first, node, run, seq, idx), 0);
		/* Ingest writes one batch of flows at a time. */
		if ((i + 1) % (FLOWS / BATCHES) == 0 || i + 1 == to) {
			CHECK_EQ(flowidx_flush(&fb, b, db), 0);
			CHECK_EQ(tsdb_write(db, b), 0);
			tsdb_batch_clear(b);
		}
	}
	flowidx_batch_free(&fb);
	tsdb_batch_destroy(&b);
}

static int key_order(const void *x, const void *y)
{
	return memcmp(x, y, SCHEMA_FLOW_KEY_LEN);
}

static bool matches(const struct flow *f, const uint8_t *addr, size_t alen, uint32_t port)
{
	if (addr)
		return f->alen == alen && (memcmp(f->addr[0], addr, alen) == 0 || memcmp(f->addr[1], addr, alen) == 0);
	return f->port[0] == port || f->port[1] == port;
}

/* The cursor against a scan of the list. */
static void check_query(struct tsdb *db, const uint8_t *addr, size_t alen, uint32_t port, uint64_t from_ns,
			uint64_t to_ns, uint32_t node, bool reverse)
{
	static uint8_t want[FLOWS][SCHEMA_FLOW_KEY_LEN];
	struct flowidx_cursor c;
	size_t n = 0, got = 0;
	const uint8_t *k;

	for (unsigned i = 0; i < FLOWS; i++) {
		uint64_t t = schema_get_be64(flows[i].key);
		if (t >= from_ns && t < to_ns && (!node || schema_get_be32(flows[i].key + 8) == node) &&
		    matches(&flows[i], addr, alen, port))
			memcpy(want[n++], flows[i].key, SCHEMA_FLOW_KEY_LEN);
	}
	qsort(want, n, SCHEMA_FLOW_KEY_LEN, key_order);
	CHECK_EQ(flowidx_cursor_open(&c, db, addr ? FLOWIDX_ADDR : FLOWIDX_PORT, addr, alen, (uint16_t)port,
				     from_ns, to_ns, node, reverse), 0);
	while ((k = flowidx_cursor_next(&c)) != NULL) {
		CHECK(got < n);
		if (got < n)
			CHECK(memcmp(k, want[reverse ? n - 1 - got : got], SCHEMA_FLOW_KEY_LEN) == 0);
		got++;
	}
	CHECK_EQ(got, n);
	flowidx_cursor_close(&c);
}

static void check_all(struct tsdb *db)
{
	const uint64_t ranges[][2] = {
		{T0_NS, T0_NS + SPAN_NS},                                      /* everything */
		{T0_NS + 61500000000ull, T0_NS + 185250000000ull},             /* cuts two minutes */
		{T0_NS + 120000000000ull, T0_NS + 120000000000ull},            /* empty */
		{0, UINT64_MAX},                                               /* unbounded */
		/* ends at a flow's start (excluded), begins at one (included) */
		{schema_get_be64(flows[7].key), schema_get_be64(flows[100].key)},
	};

	for (unsigned r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++)
		for (uint32_t node = 0; node <= 3; node += 3)
			for (int rev = 0; rev < 2; rev++) {
				for (unsigned a = 0; a < ADDRS; a += 5)
					check_query(db, pool[a], a < ADDRS / 2 ? 4 : 16, 0, ranges[r][0], ranges[r][1],
						    node, rev);
				check_query(db, NULL, 0, 443, ranges[r][0], ranges[r][1], node, rev);
				check_query(db, NULL, 0, 51234, ranges[r][0], ranges[r][1], node, rev);
			}
}

/* A run whose framing holds but whose body does not decode, merged into
 * the posting key of address 0's first minute between two good batches. */
static void merge_damaged_run(struct tsdb *db)
{
	static const uint8_t bad[] = {5, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t key[FLOWIDX_KEY_MAX];
	struct tsdb_batch *b = tsdb_batch_new();
	size_t kl = flowidx_key(key, FLOWIDX_ADDR, pool[0], 4, 0, flowidx_bucket(T0_NS));

	tsdb_batch_merge(b, db, TSDB_FLOWIDX, key, kl, bad, sizeof(bad));
	CHECK_EQ(tsdb_write(db, b), 0);
	tsdb_batch_destroy(&b);
}

int main(void)
{
	char dir[] = "/tmp/sa-test-flowidx-XXXXXX", cmd[64];
	const tsdb_merge_fn merge[TSDB_CF_COUNT] = {[TSDB_FLOWIDX] = flowidx_merge};
	const tsdb_key_time_fn no_expiry[TSDB_CF_COUNT] = {0};
	struct sa_rng r;

	if (mkdtemp(dir) == NULL)
		return 1;
	sa_rng_seed(&r, 0x5eed);
	make_pool(&r);
	make_flows(&r);
	struct tsdb *db = tsdb_open(dir, false, merge, no_expiry, 0);
	CHECK(db != NULL);
	if (db == NULL)
		return check_summary();
	index_flows(db, 0, FLOWS / 2);
	merge_damaged_run(db);
	index_flows(db, FLOWS / 2, FLOWS);
	check_context = "the damaged run is skipped, the rest decoded";
	uint8_t key[FLOWIDX_KEY_MAX];
	size_t kl = flowidx_key(key, FLOWIDX_ADDR, pool[0], 4, 0, flowidx_bucket(T0_NS)), vl;
	char *v;
	struct flowidx_keys keys = {0};
	CHECK_EQ(tsdb_get(db, TSDB_FLOWIDX, key, kl, &v, &vl), 0);
	CHECK_EQ(flowidx_decode(key, kl, (const uint8_t *)v, vl, 0, UINT64_MAX, 0, &keys), 1);
	CHECK(keys.n > 0);
	free(v);
	free(keys.k);
	check_context = "posting lists against a scan";
	check_all(db);
	check_context = "an address of another length";
	struct flowidx_cursor c;
	CHECK_EQ(flowidx_cursor_open(&c, db, FLOWIDX_ADDR, pool[0], 5, 0, 0, UINT64_MAX, 0, false), -EINVAL);
	tsdb_close(&db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
	return check_summary();
}
