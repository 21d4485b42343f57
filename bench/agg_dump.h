/* What the two ends of bench/aggregator share: the batch file agg_load
 * --dump writes and rocksdb_baseline reads, and how both count points.
 *
 * The file is the packed NodeMessages, one after another, each after its
 * length as a little-endian u32; nothing else (no header), so a file cut
 * short loses only its last record. */
#ifndef AGG_DUMP_H
#define AGG_DUMP_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "sa.pb-c.h"

/* Appends one record; 0 or -EIO. */
static inline int agg_dump_write(FILE *f, const uint8_t *msg, size_t len)
{
	uint8_t hdr[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24)};

	if (len > UINT32_MAX || fwrite(hdr, 1, 4, f) != 4 || fwrite(msg, 1, len, f) != len)
		return -EIO;
	return 0;
}

/* Steps *p over the next record before end: 1 with *msg and *len set, 0 at
 * the end, -EINVAL for a record cut short. */
static inline int agg_dump_next(const uint8_t **p, const uint8_t *end, const uint8_t **msg, size_t *len)
{
	const uint8_t *q = *p;

	if (q == end)
		return 0;
	if (end - q < 4)
		return -EINVAL;
	*len = (size_t)q[0] | (size_t)q[1] << 8 | (size_t)q[2] << 16 | (size_t)q[3] << 24;
	if ((size_t)(end - q - 4) < *len)
		return -EINVAL;
	*msg = q + 4;
	*p = q + 4 + *len;
	return 1;
}

/* Series points one interval carries: its counters and histogram buckets
 * (one value each in a 1 s row; rollups and sketches not counted). */
static inline uint64_t agg_dump_points(const Sa__IntervalStats *iv)
{
	return iv->n_counters + iv->n_size_hist + iv->n_iat_hist + iv->n_rtt_hist;
}

#endif
