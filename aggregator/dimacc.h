/* Series per address and per port: bytes and packets of each tracked source
 * and destination address and port, per node, in 1 s, 1 min and 1 h rows
 * (column family dims, see schema.h), plus an "other" series per dimension
 * for everything untracked.
 *
 * Why a cap: one row per address would let a spoofed flood or a scan
 * create millions of series. Each node tracks at most `cap` keys per
 * dimension per UTC day of capture time, admitted in the order their
 * counts arrive (heaviest of each second first); once the cap is reached,
 * new keys count in "other" until the day ends. Tracked keys plus "other"
 * always add up to the interval's total.
 *
 * The counts come from each interval's heavy-hitter sketches: a key's
 * guaranteed count (count - error), exact when the node saw fewer keys that
 * second than its sketch holds. Rows merge like the counters, written as
 * one point block per key and block per batch. There are no cluster (node
 * 0) rows: a query adds the nodes up, which halves the writes.
 *
 * Single thread (ingest). Each node keeps its sets of two days in memory
 * (the newest, and the one before for midnight and late data); a day not
 * in memory is read back from the store, so a restart or an interval of
 * another day keeps that day's cap. Sets grow with the keys they hold. */
#ifndef DIMACC_H
#define DIMACC_H

#include <stdint.h>

#include "sa.pb-c.h"
#include "schema.h"
#include "tsdb.h"

#define DIMACC_DEFAULT_CAP 1000

struct dimacc;

/* cap: tracked keys per node, dimension and day (1..1,000,000);
 * max_points: one-second points held before a flush is needed (at least
 * 8 x 4,097: one interval's worst case). */
struct dimacc *dimacc_new(unsigned cap, unsigned max_points);
void dimacc_destroy(struct dimacc **da);

/* Adds one interval of node. Returns 0, -ENOSPC when the accumulator is
 * full (flush, then add again), or -ENOMEM. */
int dimacc_add(struct dimacc *da, struct tsdb *db, uint32_t node, uint64_t t_s,
	       const Sa__IntervalStats *iv);

/* Adds one flow's (or several flows') counts to a class's row of second
 * t_s (no cap: a classifier has few classes; names longer than
 * SCHEMA_CLASS_KEY_MAX are cut). 0 or -ENOSPC (flush, then add again). */
int dimacc_add_class(struct dimacc *da, uint32_t node, const char *cls, uint64_t t_s, const uint64_t v[DIM_COLS]);

/* Appends one merge per key, tier and block to the write batch and empties
 * the accumulator. 0 or -EINVAL. */
int dimacc_flush(struct dimacc *da, struct tsdb_batch *b, struct tsdb *db);

#endif
