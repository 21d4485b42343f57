/* Retention: how long each tier of time rows and the flow records are
 * kept. Age counts back from the newest packet time stored, not the wall
 * clock, so a replayed capture keeps its history and a quiet cluster does
 * not lose its last weeks. Expired data goes by RocksDB range deletions
 * written into an ingest batch, whole point blocks at a time, once per
 * hour of data; compaction reclaims the space in the background, so
 * ingest never pauses for it. */
#ifndef RETENTION_H
#define RETENTION_H

#include <stdint.h>

#include "schema.h"
#include "tsdb.h"

struct retention {
	uint64_t keep_s[RES_COUNT]; /* series, histograms and sketches per tier; 0: forever */
	uint64_t flows_s;           /* flow records; 0: forever */
};

/* 1 s rows for 2 days, 1 min for 30 days, 1 h for 2 years, flows 30 days. */
extern const struct retention retention_defaults;

/* Sets one period from "TIER=DURATION" (TIER 1s, 1m, 1h or flows;
 * DURATION as sa_duration_parse, 0 to keep forever). 0 or -EINVAL. */
int retention_set(struct retention *r, const char *spec);

/* Whether newest_s starts a new hour of data after the hour of the last
 * sweep (*swept_h, updated): the moment to sweep again. */
int retention_due(uint64_t newest_s, uint64_t *swept_h);

/* Adds to b the deletions of everything older than each period before
 * newest_s, for every node the store knows and the cluster (node 0). A
 * point block or sketch row goes only when all of it is older; flow index
 * keys go at their next compaction. */
void retention_sweep(const struct retention *r, uint64_t newest_s, struct tsdb *db,
		     struct tsdb_batch *b);

#endif
