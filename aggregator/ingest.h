/* Ingest thread: a ZeroMQ ROUTER that takes NodeMessages from capture
 * nodes, validates them, skips batches already stored (node, run, seq),
 * writes each new batch to the store in one atomic write, and only then
 * acknowledges it. Malformed input is answered, counted and logged, never
 * fatal. Expired data is deleted in the same writes (retention.h). */
#ifndef INGEST_H
#define INGEST_H

#include <stdint.h>

#include "retention.h"
#include "tsdb.h"

struct ingest_stats {
	uint64_t batches, duplicates, rejected, write_errors;
	uint64_t flows, points;   /* stored: flow records, interval values */
	uint64_t started_ns;      /* wall clock when the thread started */
};

struct ingest;

struct ingest_conf {
	struct retention retention;
	unsigned track_cap;       /* addresses and ports tracked per node, dimension, day (dimacc.h) */
	uint64_t dedup_window_s;  /* how long a stored batch's marker is kept (wall clock) */
};

/* Binds endpoint and starts the thread. NULL on failure (logged). */
struct ingest *ingest_start(void *zctx, const char *endpoint, struct tsdb *db,
			    const struct ingest_conf *conf);
/* Stops and joins the thread. */
void ingest_stop(struct ingest **in);
void ingest_stats_get(struct ingest *in, struct ingest_stats *st);

#endif
