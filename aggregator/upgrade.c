#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flowidx.h"
#include "rowacc.h"
#include "sa_log.h"
#include "schema.h"
#include "topk_set.h"
#include "upgrade.h"

#define OLD_KEY_MAX (1 + 16 + SCHEMA_FLOW_KEY_LEN) /* an old index key, the longest */

/* One conversion: the old keys of cf in [from, to), at most max_key
 * bytes long (longer ones were never written there and are kept), taken
 * per_write at a time. `add` puts an old key's new form into the batch
 * (or keeps it in state until `flush`, which may be NULL); the old keys
 * of each chunk go in the same write. */
struct conversion {
	const char *what; /* for the log: "top-K rows to one key per sketch" */
	enum tsdb_cf cf;
	uint8_t from, to; /* one-byte bounds */
	size_t max_key;
	long per_write;
	int (*add)(void *state, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, struct tsdb_batch *b,
		   struct tsdb *db);
	int (*flush)(void *state, struct tsdb_batch *b, struct tsdb *db);
	void *state;
};

/* Flushes c's state, removes [from, last] (last included) and writes. */
static int commit(const struct conversion *c, struct tsdb *db, struct tsdb_batch *b, const uint8_t *from,
		  size_t from_len, const uint8_t *last, size_t last_len)
{
	uint8_t to[OLD_KEY_MAX + 1] = {0};
	int rc = c->flush ? c->flush(c->state, b, db) : 0;

	if (rc != 0 || last_len >= sizeof(to))
		return rc ? rc : -EINVAL;
	memcpy(to, last, last_len); /* last, then a 0: the first key after it */
	tsdb_batch_delete_range(b, db, c->cf, from, from_len, to, last_len + 1);
	rc = tsdb_write(db, b);
	tsdb_batch_clear(b);
	return rc;
}

/* Returns the old keys converted, or a negative errno (logged). */
static long convert(const struct conversion *c, struct tsdb *db)
{
	uint8_t first[OLD_KEY_MAX], last[OLD_KEY_MAX];
	size_t first_len = 0, last_len = 0;
	struct tsdb_batch *b = tsdb_batch_new();
	const uint8_t *k, *v;
	size_t kl, vl;
	long keys = 0, pending = 0;
	int rc = 0;

	if (b == NULL)
		return -ENOMEM;
	struct tsdb_iter *it = tsdb_iter_new(db, c->cf, &c->from, 1, &c->to, 1);
	while (rc == 0 && it && tsdb_iter_next(it, &k, &kl, &v, &vl)) {
		if (kl > c->max_key)
			continue;
		if (pending == 0)
			memcpy(first, k, first_len = kl);
		memcpy(last, k, last_len = kl);
		rc = c->add(c->state, k, kl, v, vl, b, db);
		keys++;
		if (rc == 0 && ++pending == c->per_write) {
			rc = commit(c, db, b, first, first_len, last, last_len);
			pending = 0;
		}
	}
	if (rc == 0 && pending)
		rc = commit(c, db, b, first, first_len, last, last_len);
	if (it == NULL)
		rc = -ENOMEM;
	tsdb_iter_destroy(&it);
	tsdb_batch_destroy(&b);
	if (rc != 0) {
		sa_log(SA_LOG_ERR, "upgrade", "converting %s failed (%d) after %ld keys; the next start goes on from "
		       "there", c->what, rc, keys);
		return rc;
	}
	return keys;
}

/* Adds one old row's sketches, each under its own key, to the batch. */
static int convert_row(void *state, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
		       struct tsdb_batch *b, struct tsdb *db)
{
	struct topk_set *set = state;
	unsigned res;
	uint32_t node;
	uint64_t t_s;

	if (schema_time_key_parse(k, kl, &res, &node, &t_s) != 0)
		return 0; /* not a row: only removed */
	topk_set_reset(set);
	if (topk_set_add_blob(set, v, vl) != 0)
		return 0; /* undecodable, as a merge would have dropped it */
	return rowacc_store_sketches(set, res, node, t_s, b, db);
}

long upgrade_topk_rows(struct tsdb *db)
{
	struct topk_set set;

	if (topk_set_init(&set, SCHEMA_TOPK_CAPACITY) != 0)
		return -ENOMEM;
	const struct conversion c = {
		.what = "top-K rows to one key per sketch", .cf = TSDB_TOPK, .from = 0, .to = SCHEMA_TOPK_RES0,
		.max_key = SCHEMA_TIME_KEY_LEN, .per_write = 256, .add = convert_row, .state = &set,
	};
	long n = convert(&c, db);
	topk_set_fini(&set);
	return n;
}

/* Keeps the entry an old index key ('a' addr:16 flow-key or 'p' port:2
 * flow-key) stood for; any other key is only removed. */
static int convert_index_key(void *state, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
			     struct tsdb_batch *b, struct tsdb *db)
{
	size_t at = kl == OLD_KEY_MAX && k[0] == 'a' ? 17 : kl == 1 + 2 + SCHEMA_FLOW_KEY_LEN && k[0] == 'p' ? 3 : 0;
	struct flowidx_entry e;

	(void)v, (void)vl, (void)b, (void)db;
	if (at == 0 ||
	    schema_flow_key_parse(k + at, SCHEMA_FLOW_KEY_LEN, &e.first_ns, &e.node, &e.run, &e.seq, &e.idx) != 0)
		return 0;
	uint64_t bucket = flowidx_bucket(e.first_ns);
	e.klen = (uint8_t)(k[0] == 'a' ? flowidx_key(e.key, FLOWIDX_ADDR, k + 1, 16, 0, bucket)
				       : flowidx_key(e.key, FLOWIDX_PORT, NULL, 0, (uint16_t)(k[1] << 8 | k[2]), bucket));
	return flowidx_add(state, &e);
}

static int flush_index(void *state, struct tsdb_batch *b, struct tsdb *db)
{
	return flowidx_flush(state, b, db);
}

long upgrade_flow_index(struct tsdb *db)
{
	struct flowidx_batch fb = {0};
	const struct conversion c = {
		.what = "the flow index to posting lists", .cf = TSDB_FLOWIDX, .from = 'a', .to = 'p' + 1,
		.max_key = OLD_KEY_MAX, .per_write = 8192, .add = convert_index_key, .flush = flush_index,
		.state = &fb,
	};
	long n = convert(&c, db);
	flowidx_batch_free(&fb);
	return n;
}
