/* Store upgrades, run at start before ingest: rows an earlier version wrote
 * in a layout this one no longer reads are converted, so an upgrade loses
 * nothing stored. Each step is idempotent and crash-safe (a row's new keys
 * and the removal of its old one are one atomic write), so a start after a
 * crash mid-way finishes the job. */
#ifndef UPGRADE_H
#define UPGRADE_H

#include "tsdb.h"

/* Top-K rows keyed res node t_s with all eight sketches in one value
 * become one key per sketch (schema.h). Returns the rows converted, or a
 * negative errno (logged). */
long upgrade_topk_rows(struct tsdb *db);

/* Flow index keys of one flow each ('a' addr flow-key, 'p' port
 * flow-key) become posting lists per minute (flowidx.h). Returns the keys
 * converted, or a negative errno (logged). */
long upgrade_flow_index(struct tsdb *db);

#endif
