/* The per-address and per-port series (dimacc.h) against a real RocksDB in a
 * temporary directory and sums kept here: 2,400 one-second intervals of one
 * node, sent in shuffled order, each with a source-address and a
 * destination-port sketch of 60 entries drawn from 30,011 addresses and 307
 * ports. With the cap above the key count every key is tracked, so each
 * key's stored rows must hold exactly what its entries sent: the total and
 * the time-weighted total per key at 1 s, and the totals per key at 1 min
 * and 1 h. Near-full accumulators (flushed as ingest flushes them) put many
 * series in one flush, so their numbering meets many hash collisions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dimacc.h"
#include "sa_ptb.h"
#include "sa_rng.h"
#include "schema.h"
#include "tsdb.h"

#define NODE 3
#define T0 1704067200u /* a UTC midnight */
#define SECONDS 2400
#define ENTRIES 60
#define ADDRS 30011 /* primes: a sketch's strided keys are distinct */
#define PORTS 307
#define MAX_POINTS (1 << 16)

struct sums {
	uint64_t total[RES_COUNT], weighted; /* weighted: sum of value x (t - T0 + 1), 1 s rows */
};

static struct sums addr_sum[ADDRS], port_sum[PORTS];

static void addr_key(unsigned i, uint8_t k[4])
{
	k[0] = 10;
	k[1] = (uint8_t)(i >> 16);
	k[2] = (uint8_t)(i >> 8);
	k[3] = (uint8_t)i;
}

/* One interval's sketch of one dimension: ENTRIES distinct keys. */
static void make_sketch(struct sa_rng *r, Sa__TopSketch *s, Sa__TopEntry *e, Sa__TopEntry **pe, uint8_t (*keys)[4],
			unsigned dim, uint64_t t)
{
	unsigned n = dim == SA__TOP_DIM__TOP_SRC_IP ? ADDRS : PORTS;
	unsigned first = (unsigned)(sa_rng_next(r) % n), stride = 1 + (unsigned)(sa_rng_next(r) % 7);

	sa__top_sketch__init(s);
	s->has_dimension = s->has_capacity = s->has_total = 1;
	s->dimension = dim;
	s->capacity = ENTRIES;
	s->n_entries = ENTRIES;
	s->entries = pe;
	s->total = 0;
	for (unsigned i = 0; i < ENTRIES; i++) {
		unsigned k = (first + i * stride) % n; /* distinct: n is a prime above 60 and 7 */
		uint64_t v = 1 + sa_rng_next(r) % 5000;
		sa__top_entry__init(&e[i]);
		e[i].has_key = e[i].has_count = 1;
		if (dim == SA__TOP_DIM__TOP_SRC_IP) {
			addr_key(k, keys[i]);
			e[i].key = (ProtobufCBinaryData){4, keys[i]};
		} else {
			keys[i][0] = (uint8_t)((1000 + k) >> 8);
			keys[i][1] = (uint8_t)(1000 + k);
			e[i].key = (ProtobufCBinaryData){2, keys[i]};
		}
		e[i].count = v;
		pe[i] = &e[i];
		s->total += v;
		struct sums *sum = dim == SA__TOP_DIM__TOP_SRC_IP ? &addr_sum[k] : &port_sum[k];
		for (unsigned res = 0; res < RES_COUNT; res++)
			sum->total[res] += v;
		sum->weighted += v * (t - T0 + 1);
	}
}

/* Stores every interval as ingest does: add, and on -ENOSPC flush into a
 * batch, write it, and add again. */
static void store(struct tsdb *db, struct dimacc *da, struct sa_rng *r)
{
	static uint32_t order[SECONDS];
	struct tsdb_batch *b = tsdb_batch_new();

	for (unsigned i = 0; i < SECONDS; i++)
		order[i] = i;
	for (unsigned i = SECONDS - 1; i > 0; i--) {
		unsigned j = (unsigned)(sa_rng_next(r) % (i + 1)), x = order[i];
		order[i] = order[j];
		order[j] = x;
	}
	for (unsigned i = 0; i < SECONDS && b; i++) {
		static Sa__TopEntry e[2][ENTRIES];
		static Sa__TopEntry *pe[2][ENTRIES];
		static uint8_t keys[2][ENTRIES][4];
		Sa__TopSketch s[2], *ps[2] = {&s[0], &s[1]};
		Sa__IntervalStats iv = SA__INTERVAL_STATS__INIT;
		uint64_t t = T0 + order[i];
		make_sketch(r, &s[0], e[0], pe[0], keys[0], SA__TOP_DIM__TOP_SRC_IP, t);
		make_sketch(r, &s[1], e[1], pe[1], keys[1], SA__TOP_DIM__TOP_DST_PORT, t);
		iv.n_top_bytes = 2;
		iv.top_bytes = ps;
		int rc = dimacc_add(da, db, NODE, t, &iv);
		if (rc == -ENOSPC) {
			tsdb_batch_clear(b);
			rc = dimacc_flush(da, b, db) ? -EINVAL : tsdb_write(db, b) ? -EIO : dimacc_add(da, db, NODE, t, &iv);
		}
		if (rc != 0) {
			CHECK_EQ(rc, 0);
			break;
		}
	}
	tsdb_batch_clear(b);
	CHECK(dimacc_flush(da, b, db) == 0);
	CHECK(tsdb_write(db, b) == 0);
	tsdb_batch_destroy(&b);
}

/* Adds up what the store holds per key of one dimension at res. */
static void read_back(struct tsdb *db, unsigned res, unsigned dim, struct sums *got, unsigned n, uint64_t *other)
{
	uint8_t from[SCHEMA_DIM_KEY_MAX], to[SCHEMA_DIM_KEY_MAX];
	const uint8_t *k, *v, *key;
	size_t kl, vl, key_len;
	size_t fl = schema_dim_key(from, res, NODE, dim, 0, NULL, 0);
	size_t tl = schema_dim_key(to, res, NODE, dim, UINT64_MAX, NULL, 0);
	struct tsdb_iter *it = tsdb_iter_new(db, TSDB_DIMS, from, fl, to, tl);
	unsigned bad = 0; /* keys or values that do not decode, keys not sent */

	CHECK(it != NULL);
	while (it && tsdb_iter_next(it, &k, &kl, &v, &vl)) {
		unsigned kres, kdim;
		uint32_t node;
		uint64_t block;
		struct sa_ptb_rows rows;
		if (schema_dim_key_parse(k, kl, &kres, &node, &kdim, &block, &key, &key_len) != 0) {
			bad++;
			continue;
		}
		sa_ptb_rows_init(&rows);
		bad += sa_ptb_rows_add(&rows, v, vl) != 0;
		uint64_t total = 0, weighted = 0;
		for (uint32_t i = 0; i < rows.nrows; i++) {
			uint64_t t = block + rows.t[i] * schema_res_seconds[res], bytes = rows.v[(size_t)i * rows.ncols];
			total += bytes;
			weighted += bytes * (t - T0 + 1);
		}
		sa_ptb_rows_free(&rows);
		if (key_len == 0) {
			*other += total;
			continue;
		}
		unsigned idx = key_len == 4 ? (unsigned)key[1] << 16 | (unsigned)key[2] << 8 | key[3]
					    : ((unsigned)key[0] << 8 | key[1]) - 1000;
		bad += idx >= n;
		if (idx < n) {
			got[idx].total[res] += total;
			if (res == RES_1S)
				got[idx].weighted += weighted;
		}
	}
	tsdb_iter_destroy(&it);
	CHECK_EQ(bad, 0);
}

static void check_dim(struct tsdb *db, unsigned dim, const struct sums *want, unsigned n, const char *what)
{
	struct sums *got = calloc(n, sizeof(*got));
	uint64_t other = 0;
	unsigned wrong[RES_COUNT + 1] = {0}, keys = 0;

	check_context = what;
	if (got == NULL)
		return;
	for (unsigned res = 0; res < RES_COUNT; res++)
		read_back(db, res, dim, got, n, &other);
	for (unsigned i = 0; i < n; i++) {
		keys += want[i].total[RES_1S] != 0;
		for (unsigned res = 0; res < RES_COUNT; res++)
			wrong[res] += got[i].total[res] != want[i].total[res];
		wrong[RES_COUNT] += got[i].weighted != want[i].weighted;
	}
	CHECK(keys > n / 2); /* the sketches reached most keys */
	CHECK_EQ(wrong[RES_1S], 0);
	CHECK_EQ(wrong[RES_1M], 0);
	CHECK_EQ(wrong[RES_1H], 0);
	CHECK_EQ(wrong[RES_COUNT], 0);
	CHECK_EQ(other, 0); /* every key tracked: nothing left over */
	free(got);
}

int main(void)
{
	char dir[] = "/tmp/sa-test-dimacc-XXXXXX", cmd[64];
	const tsdb_merge_fn merge[TSDB_CF_COUNT] = {[TSDB_DIMS] = schema_merge_points};
	const tsdb_key_time_fn no_expiry[TSDB_CF_COUNT] = {0};
	struct sa_rng r;

	if (mkdtemp(dir) == NULL)
		return 1;
	sa_rng_seed(&r, 0xd1ac);
	struct tsdb *db = tsdb_open(dir, false, merge, no_expiry, 0);
	struct dimacc *da = dimacc_new(ADDRS + PORTS, MAX_POINTS);
	CHECK(db != NULL && da != NULL);
	if (db != NULL && da != NULL) {
		store(db, da, &r);
		check_dim(db, SA__TOP_DIM__TOP_SRC_IP, addr_sum, ADDRS, "source addresses");
		check_dim(db, SA__TOP_DIM__TOP_DST_PORT, port_sum, PORTS, "destination ports");
	}
	dimacc_destroy(&da);
	tsdb_close(&db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_summary();
}
