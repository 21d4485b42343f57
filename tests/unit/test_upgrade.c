/* upgrade_topk_rows against a real RocksDB in a temporary directory: rows
 * written in the old layout (res node t_s, all eight sketches in one value,
 * one row with a second merge operand still pending) become one key per
 * sketch holding exactly the entries offered here by hand, summed where a
 * key was offered twice; no old key is left, and a second run converts
 * nothing and changes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
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

static unsigned old_keys(struct tsdb *db)
{
	const uint8_t from[1] = {0}, to[1] = {SCHEMA_TOPK_RES0};
	const uint8_t *k, *v;
	size_t kl, vl;
	unsigned n = 0;
	struct tsdb_iter *it = tsdb_iter_new(db, TSDB_TOPK, from, 1, to, 1);

	while (it && tsdb_iter_next(it, &k, &kl, &v, &vl))
		n++;
	tsdb_iter_destroy(&it);
	return n;
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

int main(void)
{
	char dir[] = "/tmp/sa-test-upgrade-XXXXXX", cmd[64];
	const tsdb_merge_fn merge[TSDB_CF_COUNT] = {[TSDB_TOPK] = schema_merge_topk};

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
	tsdb_close(&db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
	return check_summary();
}
