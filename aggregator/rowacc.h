/* Row accumulator: sums the rows one ingest batch touches in memory, so
 * each distinct (resolution, node, time) row is written once, and the rows
 * of one point block become one merge operand (one block) instead of one
 * per interval. A batch of a thousand one-second intervals touches a
 * thousand 1 s rows but only a few dozen 1 min and 1 h rows, in a few
 * blocks. Counter and histogram rows are u64 arrays that add; sketch rows
 * are topk_sets, of which a bounded pool is kept across batches. */
#ifndef ROWACC_H
#define ROWACC_H

#include <stddef.h>
#include <stdint.h>

#include "sa.pb-c.h"
#include "schema.h"
#include "topk_set.h"
#include "tsdb.h"

struct rowacc;

/* max_rows: distinct array rows per batch; max_sketch_rows: topk_sets kept. */
struct rowacc *rowacc_new(unsigned max_rows, unsigned max_sketch_rows);
void rowacc_destroy(struct rowacc **ra);

/* Adds n values to the row (cf, key); returns 0, or -ENOSPC when the batch
 * already has max_rows rows (the caller then flushes and adds again). */
int rowacc_add(struct rowacc *ra, enum tsdb_cf cf, const uint8_t key[SCHEMA_TIME_KEY_LEN],
	       const uint64_t *v, size_t n);
/* Offers an interval's sketches to its node's minute row; the flush rolls
 * each such row up into the cluster's minute row and both hour rows.
 * -ENOSPC as above. */
int rowacc_add_sketches(struct rowacc *ra, uint32_t node, uint64_t t_s, const Sa__IntervalStats *iv);

/* Appends one merge per point block and per sketch row to the write batch
 * and empties the accumulator. Returns 0, or -ENOMEM / -EINVAL when a row
 * could not be written (the batch must then not be stored). */
int rowacc_flush(struct rowacc *ra, struct tsdb_batch *b, struct tsdb *db);

/* Appends one sketch row's merges to b, each sketch under its own key
 * (schema.h); the flush's way, and the store upgrade's. 0 or -ENOMEM. */
int rowacc_store_sketches(const struct topk_set *s, unsigned res, uint32_t node, uint64_t t_s,
			  struct tsdb_batch *b, struct tsdb *db);

#endif
