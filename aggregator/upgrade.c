#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rowacc.h"
#include "sa_log.h"
#include "schema.h"
#include "topk_set.h"
#include "upgrade.h"

#define ROWS_PER_WRITE 256

/* Adds one old row's sketches, each under its own key, to the batch. */
static int convert_row(struct topk_set *set, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
		       struct tsdb_batch *b, struct tsdb *db)
{
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

/* Removes [from, last] (last included) and writes the batch. */
static int commit(struct tsdb *db, struct tsdb_batch *b, const uint8_t *from, size_t from_len,
		  const uint8_t *last, size_t last_len)
{
	uint8_t to[SCHEMA_TIME_KEY_LEN + 1] = {0};

	if (last_len > SCHEMA_TIME_KEY_LEN)
		return -EINVAL;
	memcpy(to, last, last_len); /* last, then a 0: the first key after it */
	tsdb_batch_delete_range(b, db, TSDB_TOPK, from, from_len, to, last_len + 1);
	int rc = tsdb_write(db, b);
	tsdb_batch_clear(b);
	return rc;
}

long upgrade_topk_rows(struct tsdb *db)
{
	const uint8_t old_from[1] = {0}, old_to[1] = {SCHEMA_TOPK_RES0};
	uint8_t first[SCHEMA_TIME_KEY_LEN], last[SCHEMA_TIME_KEY_LEN];
	size_t first_len = 0, last_len = 0;
	struct tsdb_batch *b = tsdb_batch_new();
	struct topk_set set;
	const uint8_t *k, *v;
	size_t kl, vl;
	long rows = 0, pending = 0;
	int rc = 0;

	if (b == NULL || topk_set_init(&set, SCHEMA_TOPK_CAPACITY) != 0) {
		tsdb_batch_destroy(&b);
		return -ENOMEM;
	}
	struct tsdb_iter *it = tsdb_iter_new(db, TSDB_TOPK, old_from, 1, old_to, 1);
	while (rc == 0 && it && tsdb_iter_next(it, &k, &kl, &v, &vl)) {
		if (kl > SCHEMA_TIME_KEY_LEN)
			continue; /* no such key was ever written there */
		if (pending == 0)
			memcpy(first, k, first_len = kl);
		memcpy(last, k, last_len = kl);
		rc = convert_row(&set, k, kl, v, vl, b, db);
		rows++;
		if (rc == 0 && ++pending == ROWS_PER_WRITE) {
			rc = commit(db, b, first, first_len, last, last_len);
			pending = 0;
		}
	}
	if (rc == 0 && pending)
		rc = commit(db, b, first, first_len, last, last_len);
	if (it == NULL)
		rc = -ENOMEM;
	tsdb_iter_destroy(&it);
	tsdb_batch_destroy(&b);
	topk_set_fini(&set);
	if (rc != 0) {
		sa_log(SA_LOG_ERR, "upgrade", "converting top-K rows to one key per sketch failed (%d) after %ld "
		       "rows; the next start goes on from there", rc, rows);
		return rc;
	}
	return rows;
}
