/* Synthetic capture-node output for the aggregator benchmark: what one
 * sa-capture sends (capture-node/export.c), with plausible values, packed
 * as NodeMessages ready for the wire.
 *
 * Each batch holds `flows` flow records and `intervals` one-second
 * IntervalStats for consecutive seconds of the node's capture time (or
 * seconds step_s apart, to fill long histories quickly); the flows start
 * inside the time their batch covers. Every interval carries
 * all SA_C_COUNT counters, the size, inter-arrival and RTT histograms, and
 * four top-by-bytes and four top-by-packets sketches, as the node fills
 * them. Output depends only on the configuration and the node id. */
#ifndef AGG_GEN_H
#define AGG_GEN_H

#include <stddef.h>
#include <stdint.h>

struct agg_gen_conf {
	unsigned flows;     /* flow records per batch */
	unsigned intervals; /* one-second intervals per batch */
	unsigned top;       /* most entries per sketch (the node keeps 64) */
	uint64_t seed;
	uint64_t run_id;
	uint64_t start_s;   /* capture time of every node's first interval */
	unsigned step_s;    /* seconds from one interval's start to the next (1) */
};

/* What the batches packed so far hold; points as agg_dump_points counts. */
struct agg_gen_totals {
	uint64_t batches, flows, intervals, points, bytes;
};

struct agg_gen;

/* Returns a generator for node `node_id` (>= 1), or NULL. */
struct agg_gen *agg_gen_new(const struct agg_gen_conf *conf, uint32_t node_id);
void agg_gen_destroy(struct agg_gen **g);

/* Packs the node's Hello into a malloc'd buffer; returns its length, or 0. */
size_t agg_gen_hello(struct agg_gen *g, uint8_t **out);
/* Packs the node's next batch (seq 1, 2, ...) into a malloc'd buffer;
 * returns its length, or 0 when out of memory. The caller frees *out.
 * A benchmark can do nothing useful without memory: running out of it
 * while building a batch aborts. */
size_t agg_gen_batch(struct agg_gen *g, uint8_t **out);

/* Adds this generator's totals to *t. */
void agg_gen_totals_add(const struct agg_gen *g, struct agg_gen_totals *t);

#endif
