/* tsdb's read views against a real RocksDB in a temporary directory: a
 * thread's view keeps showing the store as it was when it began (gets and
 * iterators alike) while writes go on, and the latest shows once it ends;
 * another thread, without a view, reads the latest meanwhile. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "check.h"
#include "tsdb.h"

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
	return check_summary();
}
