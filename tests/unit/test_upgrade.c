/* Store upgrades against a real RocksDB in a temporary directory.
 *
 * upgrade_topk_rows: rows
 * written in the old layout (res node t_s, all eight sketches in one value,
 * one row with a second merge operand still pending) become one key per
 * sketch holding exactly the entries offered here by hand, summed where a
 * key was offered twice; no old key is left, and a second run converts
 * nothing and changes nothing.
 *
 * upgrade_flow_index: old index keys, one per address or port and flow,
 * become posting lists that name the same flows for each address and
 * port, in start order; no old key is left, and a second run converts
 * nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "flowidx.h"
#include "schema.h"
#include "sa_topk.h"
#include "topk_set.h"
#include "tsdb.h"
#include "upgrade.h"

static const tsdb_key_time_fn no_expiry[TSDB_CF_COUNT];

struct row {
	unsigned res;
	uint32_t node;
	uint64_t t_s;
	unsigned operands; /* old values merged into the row */
};

static const struct row rows[] = {
	{RES_1M, 0, 1704067200, 1},
	{RES_1M, 5, 1704067260, 2},
	{RES_1H, 0, 1704067200, 1},
};
#define ROWS (sizeof(rows) / sizeof(rows[0]))

/* Entry j (j < 3) of sketch i in operand o of row r: key "r i j", count
 * 100 r + 10 i + j + 1, the same in every operand. */
static uint64_t count_of(unsigned r, unsigned i, unsigned j)
{
	return 100 * r + 10 * i + j + 1;
}

static void key_of(unsigned r, unsigned i, unsigned j, uint8_t k[3])
{
	k[0] = (uint8_t)r;
	k[1] = (uint8_t)i;
	k[2] = (uint8_t)j;
}

/* One old-layout value of row r: all eight sketches, three keys each. */
static size_t old_value(unsigned r, uint8_t **out)
{
	struct topk_set set;
	uint8_t k[3];

	CHECK_EQ(topk_set_init(&set, SCHEMA_TOPK_CAPACITY), 0);
	for (unsigned i = 0; i < TOPK_SKETCHES; i++)
		for (unsigned j = 0; j < 3; j++) {
			key_of(r, i, j, k);
			sa_topk_offer(set.sk[i / TOPK_DIMS][i % TOPK_DIMS], k, 3, count_of(r, i, j), 0);
		}
	size_t len = topk_set_pack(&set, out);
	topk_set_fini(&set);
	return len;
}

static void write_old_rows(struct tsdb *db)
{
	struct tsdb_batch *b = tsdb_batch_new();
	uint8_t key[SCHEMA_TIME_KEY_LEN], *v;

	for (unsigned r = 0; r < ROWS; r++)
		for (unsigned o = 0; o < rows[r].operands; o++) {
			size_t len = old_value(r, &v);
			schema_time_key(key, rows[r].res, rows[r].node, rows[r].t_s);
			tsdb_batch_merge(b, db, TSDB_TOPK, key, sizeof(key), v, len);
			free(v);
			/* The second operand in its own write: pending, not merged. */
			CHECK_EQ(tsdb_write(db, b), 0);
			tsdb_batch_clear(b);
		}
	tsdb_batch_destroy(&b);
}

/* Keys of cf in [from, to): one-byte bounds. */
static unsigned count_keys(struct tsdb *db, enum tsdb_cf cf, uint8_t from, uint8_t to)
{
	const uint8_t *k, *v;
	size_t kl, vl;
	unsigned n = 0;
	struct tsdb_iter *it = tsdb_iter_new(db, cf, &from, 1, &to, 1);

	while (it && tsdb_iter_next(it, &k, &kl, &v, &vl))
		n++;
	tsdb_iter_destroy(&it);
	return n;
}

static unsigned old_keys(struct tsdb *db)
{
	return count_keys(db, TSDB_TOPK, 0, SCHEMA_TOPK_RES0);
}

/* Every new key holds its sketch's three entries, counts times operands. */
static void check_new_rows(struct tsdb *db)
{
	uint8_t key[SCHEMA_TOPK_KEY_LEN], k[3];
	struct sa_topk_entry list[8];

	for (unsigned r = 0; r < ROWS; r++)
		for (unsigned i = 0; i < TOPK_SKETCHES; i++) {
			char *v;
			size_t vl;
			struct sa_topk *sk = sa_topk_new(SCHEMA_TOPK_CAPACITY);
			schema_topk_key(key, rows[r].res, rows[r].node, i, rows[r].t_s);
			CHECK_EQ(tsdb_get(db, TSDB_TOPK, key, sizeof(key), &v, &vl), 0);
			CHECK_EQ(topk_sketch_add_blob(sk, (const uint8_t *)v, vl), 0);
			unsigned n = sa_topk_list(sk, list);
			CHECK_EQ(n, 3u);
			for (unsigned e = 0; e < n && e < 3; e++) {
				unsigned j = 2 - e; /* heaviest first */
				key_of(r, i, j, k);
				CHECK(list[e].key_len == 3 && memcmp(list[e].key, k, 3) == 0);
				CHECK_EQ(list[e].count, count_of(r, i, j) * rows[r].operands);
			}
			free(v);
			sa_topk_destroy(&sk);
		}
}

/* Old index keys: flow i starts at T + 70 s * i (so the flows span
 * several minutes), on node 1 + i % 2; addresses 10.0.0.(i % 3) (IPv4,
 * stored v4-mapped) and port 443 for every flow, port 1000 + i too. */
#define OLD_FLOWS 6
#define OLD_T_NS 1704067200000000000ull

static void old_flow_key(unsigned i, uint8_t k[SCHEMA_FLOW_KEY_LEN])
{
	schema_flow_key(k, OLD_T_NS + 70000000000ull * i, 1 + i % 2, 3, 10 + i, i);
}

static unsigned write_old_index(struct tsdb *db)
{
	struct tsdb_batch *b = tsdb_batch_new();
	uint8_t k[1 + 16 + SCHEMA_FLOW_KEY_LEN];
	unsigned n = 0;

	for (unsigned i = 0; i < OLD_FLOWS; i++) {
		static const uint8_t v4_mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 0};
		k[0] = 'a';
		memcpy(k + 1, v4_mapped, 16);
		k[16] = (uint8_t)(i % 3);
		old_flow_key(i, k + 17);
		tsdb_batch_put(b, db, TSDB_FLOWIDX, k, 1 + 16 + SCHEMA_FLOW_KEY_LEN, "", 0);
		for (unsigned p = 0; p < 2; p++) {
			uint16_t port = p ? (uint16_t)(1000 + i) : 443;
			k[0] = 'p';
			k[1] = (uint8_t)(port >> 8);
			k[2] = (uint8_t)port;
			old_flow_key(i, k + 3);
			tsdb_batch_put(b, db, TSDB_FLOWIDX, k, 1 + 2 + SCHEMA_FLOW_KEY_LEN, "", 0);
		}
		n += 3;
	}
	CHECK_EQ(tsdb_write(db, b), 0);
	tsdb_batch_destroy(&b);
	return n;
}

static unsigned old_index_keys(struct tsdb *db)
{
	return count_keys(db, TSDB_FLOWIDX, 'a', 'q');
}

/* The cursor names flows[want[0..n)] in that order. */
static void check_postings(struct tsdb *db, const uint8_t *addr, uint16_t port, const unsigned *want, unsigned n)
{
	struct flowidx_cursor c;
	uint8_t k[SCHEMA_FLOW_KEY_LEN];
	const uint8_t *got;
	unsigned i = 0;

	CHECK_EQ(flowidx_cursor_open(&c, db, addr ? FLOWIDX_ADDR : FLOWIDX_PORT, addr, addr ? 4 : 0, port, 0,
				     UINT64_MAX, 0, false), 0);
	while ((got = flowidx_cursor_next(&c)) != NULL) {
		CHECK(i < n);
		if (i < n) {
			old_flow_key(want[i], k);
			CHECK(memcmp(got, k, sizeof(k)) == 0);
		}
		i++;
	}
	CHECK_EQ(i, n);
	flowidx_cursor_close(&c);
}

static void check_flow_index(struct tsdb *db)
{
	static const unsigned all[OLD_FLOWS] = {0, 1, 2, 3, 4, 5};
	static const unsigned by_addr[3][2] = {{0, 3}, {1, 4}, {2, 5}};

	check_postings(db, NULL, 443, all, OLD_FLOWS);
	for (unsigned i = 0; i < OLD_FLOWS; i++)
		check_postings(db, NULL, (uint16_t)(1000 + i), &all[i], 1);
	for (unsigned a = 0; a < 3; a++) {
		const uint8_t addr[4] = {10, 0, 0, (uint8_t)a};
		check_postings(db, addr, 0, by_addr[a], 2);
	}
}

int main(void)
{
	char dir[] = "/tmp/sa-test-upgrade-XXXXXX", cmd[64];
	const tsdb_merge_fn merge[TSDB_CF_COUNT] = {[TSDB_TOPK] = schema_merge_topk,
						    [TSDB_FLOWIDX] = flowidx_merge};

	if (mkdtemp(dir) == NULL)
		return 1;
	struct tsdb *db = tsdb_open(dir, false, merge, no_expiry, 0);
	CHECK(db != NULL);
	write_old_rows(db);
	CHECK_EQ(old_keys(db), (unsigned)ROWS);
	CHECK_EQ(upgrade_topk_rows(db), (long)ROWS);
	CHECK_EQ(old_keys(db), 0u);
	check_new_rows(db);
	/* Once more: nothing left to convert, nothing changed. */
	CHECK_EQ(upgrade_topk_rows(db), 0L);
	check_new_rows(db);

	check_context = "flow index";
	unsigned old = write_old_index(db);
	CHECK_EQ(old_index_keys(db), old);
	CHECK_EQ(upgrade_flow_index(db), (long)old);
	CHECK_EQ(old_index_keys(db), 0u);
	check_flow_index(db);
	CHECK_EQ(upgrade_flow_index(db), 0L);
	check_flow_index(db);
	tsdb_close(&db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
	return check_summary();
}
