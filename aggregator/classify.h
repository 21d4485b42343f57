/* Scoring flows at ingest: the newest stored classifier (series
 * "classifier", see trainer/cls_train.h) labels every flow record before it
 * is stored, and each flow's bytes, packets and count go to its class's
 * series (dims, SCHEMA_DIM_CLASS), with how many of the flows that carry a
 * ground-truth label it got right: live accuracy per class.
 *
 * Why at the aggregator rather than on the capture nodes: a flow is scored
 * once, when its record is exported, not per packet, so the cost is per
 * record (bench/classify measures it); imported logs are scored the same
 * way; and the capture node's exporter lcore stays free for export.
 *
 * Single thread (ingest). A new version is noticed through
 * classify_models_changed() (any thread) and read from the store at the
 * next batch. */
#ifndef CLASSIFY_H
#define CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "dimacc.h"
#include "sa.pb-c.h"
#include "tsdb.h"

struct classify;

struct classify *classify_new(void);
void classify_destroy(struct classify **c);

/* Any thread: a model was stored; the next batch rereads the newest. */
void classify_models_changed(void);

/* Scores flows in place (class_name points into c, valid until the next
 * call) and adds each to its class's row of node. 0, -ENOSPC (flush da,
 * then call again: flows already scored are not added twice), or -ENOMEM. */
int classify_flows(struct classify *c, struct tsdb *db, struct dimacc *da, uint32_t node,
		   Sa__FlowRecord **flows, size_t n, size_t *done);

#endif
