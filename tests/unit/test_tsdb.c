/* tsdb against a real RocksDB in a temporary directory.
 * Read views: a thread's view keeps showing the store as it was when it
 * began (gets and iterators alike) while writes go on, and the latest
 * shows once it ends; another thread, without a view, reads the latest
 * meanwhile.
 * Write batches (applied in key order): random puts, merges and range
 * deletes on two column families, whose merge appends the operands in
 * order, against a plain model that applies every op as it comes; an op
 * reordered on one key, or across a range delete, shows in the values. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "check.h"
#include "sa_rng.h"
#include "tsdb.h"

#define KEYS 24
#define VAL_MAX 512

static const tsdb_merge_fn no_merge[TSDB_CF_COUNT];
static const tsdb_key_time_fn no_expiry[TSDB_CF_COUNT];

static void put(struct tsdb *db, const char *k, const char *v)
{
	struct tsdb_batch *b = tsdb_batch_new();

	tsdb_batch_put(b, db, TSDB_MODELS, k, strlen(k), v, strlen(v));
	CHECK_EQ(tsdb_write(db, b), 0);
	tsdb_batch_destroy(&b);
}

/* The value of k ("" when absent), in buf. */
static const char *get(struct tsdb *db, const char *k, char *buf, size_t len)
{
	char *v;
	size_t vl;

	buf[0] = '\0';
	if (tsdb_get(db, TSDB_MODELS, k, strlen(k), &v, &vl) == 0) {
		snprintf(buf, len, "%.*s", (int)vl, v);
		free(v);
	}
	return buf;
}

/* How many keys an iterator over the column family sees. */
static unsigned count(struct tsdb *db)
{
	const uint8_t *k, *v;
	size_t kl, vl;
	unsigned n = 0;
	struct tsdb_iter *it = tsdb_iter_new(db, TSDB_MODELS, "", 0, NULL, 0);

	while (it && tsdb_iter_next(it, &k, &kl, &v, &vl))
		n++;
	tsdb_iter_destroy(&it);
	return n;
}

struct other {
	struct tsdb *db;
	char seen[16];
	unsigned keys;
};

static void *read_elsewhere(void *arg)
{
	struct other *o = arg;

	get(o->db, "a", o->seen, sizeof(o->seen));
	o->keys = count(o->db);
	return NULL;
}

/* existing || ops, in order: an order-sensitive merge. */
static char *append(const char *existing, size_t existing_len, const char *const *ops, const size_t *op_lens,
		    int n_ops, size_t *out_len)
{
	size_t n = existing ? existing_len : 0;
	for (int i = 0; i < n_ops; i++)
		n += op_lens[i];
	char *out = malloc(n ? n : 1);
	if (!out)
		return NULL;
	size_t off = existing ? existing_len : 0;
	if (existing)
		memcpy(out, existing, existing_len);
	for (int i = 0; i < n_ops; i++) {
		memcpy(out + off, ops[i], op_lens[i]);
		off += op_lens[i];
	}
	*out_len = n;
	return out;
}

struct model {
	char v[2][KEYS][VAL_MAX];
	bool has[2][KEYS];
};

static const enum tsdb_cf batch_cf[2] = {TSDB_SERIES, TSDB_DIMS};

static void key_of(unsigned i, char k[4])
{
	snprintf(k, 4, "k%02u", i);
}

static void test_batch_order(void)
{
	char dir[] = "/tmp/test_tsdb_XXXXXX";
	tsdb_merge_fn merge[TSDB_CF_COUNT] = {0};
	static struct model m;
	struct sa_rng rng;

	check_context = "batches in key order";
	merge[TSDB_SERIES] = merge[TSDB_DIMS] = append;
	sa_rng_seed(&rng, 42);
	if (mkdtemp(dir) == NULL)
		return;
	struct tsdb *db = tsdb_open(dir, false, merge, no_expiry, 0);
	struct tsdb_batch *b = tsdb_batch_new();
	CHECK(db != NULL && b != NULL);
	for (unsigned round = 0; db && b && round < 40; round++) {
		tsdb_batch_clear(b);
		for (unsigned op = 0; op < 150; op++) {
			unsigned c = sa_rng_next(&rng) % 2, k = sa_rng_next(&rng) % KEYS, what = sa_rng_next(&rng) % 50;
			char key[4], val[2] = {(char)('a' + op % 26), 0};
			key_of(k, key);
			if (what == 0) { /* delete [k, k + 4) */
				char to[4];
				key_of(k + 4, to);
				tsdb_batch_delete_range(b, db, batch_cf[c], key, 3, to, 3);
				for (unsigned j = k; j < k + 4 && j < KEYS; j++)
					m.has[c][j] = false;
			} else if (what < 10 || strlen(m.v[c][k]) + 2 > VAL_MAX) {
				tsdb_batch_put(b, db, batch_cf[c], key, 3, val, 1);
				strcpy(m.v[c][k], val);
				m.has[c][k] = true;
			} else {
				tsdb_batch_merge(b, db, batch_cf[c], key, 3, val, 1);
				if (!m.has[c][k])
					m.v[c][k][0] = '\0';
				strcat(m.v[c][k], val);
				m.has[c][k] = true;
			}
		}
		CHECK_EQ(tsdb_write(db, b), 0);
		for (unsigned c = 0; c < 2; c++)
			for (unsigned k = 0; k < KEYS; k++) {
				char key[4], *v = NULL;
				size_t vl = 0;
				key_of(k, key);
				int rc = tsdb_get(db, batch_cf[c], key, 3, &v, &vl);
				CHECK_EQ(rc == 0, m.has[c][k]);
				if (rc == 0 && m.has[c][k])
					CHECK(vl == strlen(m.v[c][k]) && memcmp(v, m.v[c][k], vl) == 0);
				free(v);
			}
	}
	tsdb_batch_destroy(&b);
	tsdb_close(&db);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
}

int main(void)
{
	char dir[] = "/tmp/test_tsdb_XXXXXX", buf[16];
	pthread_t t;
	struct other o;

	if (mkdtemp(dir) == NULL)
		return 1;
	struct tsdb *db = tsdb_open(dir, false, no_merge, no_expiry, 0);
	CHECK(db != NULL);
	if (db == NULL)
		return check_summary();
	put(db, "a", "old");

	check_context = "inside a view";
	tsdb_view_begin(db);
	put(db, "a", "new");
	put(db, "b", "added");
	CHECK(strcmp(get(db, "a", buf, sizeof(buf)), "old") == 0);
	CHECK(strcmp(get(db, "b", buf, sizeof(buf)), "") == 0);
	CHECK_EQ(count(db), 1);
	o.db = db;
	CHECK_EQ(pthread_create(&t, NULL, read_elsewhere, &o), 0);
	pthread_join(t, NULL);
	check_context = "another thread meanwhile";
	CHECK(strcmp(o.seen, "new") == 0);
	CHECK_EQ(o.keys, 2);
	tsdb_view_end(db);

	check_context = "after the view";
	CHECK(strcmp(get(db, "a", buf, sizeof(buf)), "new") == 0);
	CHECK(strcmp(get(db, "b", buf, sizeof(buf)), "added") == 0);
	CHECK_EQ(count(db), 2);

	check_context = "a second view";
	tsdb_view_begin(db);
	put(db, "c", "later");
	CHECK_EQ(count(db), 2);
	tsdb_view_end(db);
	CHECK_EQ(count(db), 3);

	tsdb_close(&db);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
	test_batch_order();
	return check_summary();
}
