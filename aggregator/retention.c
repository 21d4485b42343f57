#include <errno.h>
#include <string.h>

#include "node_list.h"
#include "retention.h"
#include "sa_time.h"
#include "topk_set.h"

const struct retention retention_defaults = {
	.keep_s = {2 * 86400, 30 * 86400, 2 * 365 * 86400},
	.flows_s = 30 * 86400,
};

int retention_set(struct retention *r, const char *spec)
{
	static const char *const tiers[RES_COUNT] = {"1s=", "1m=", "1h="};
	uint64_t s;

	for (unsigned i = 0; i < RES_COUNT; i++)
		if (strncmp(spec, tiers[i], 3) == 0)
			return sa_duration_parse(spec + 3, &s) == 0 ? (r->keep_s[i] = s, 0) : -EINVAL;
	if (strncmp(spec, "flows=", 6) == 0)
		return sa_duration_parse(spec + 6, &s) == 0 ? (r->flows_s = s, 0) : -EINVAL;
	return -EINVAL;
}

int retention_due(uint64_t newest_s, uint64_t *swept_h)
{
	if (newest_s / 3600 <= *swept_h)
		return 0;
	*swept_h = newest_s / 3600;
	return 1;
}

/* Deletes node's keys of cf at res with a time below end_s. */
static void delete_before(struct tsdb *db, struct tsdb_batch *b, enum tsdb_cf cf, unsigned res,
			  uint32_t node, uint64_t end_s)
{
	uint8_t from[SCHEMA_TIME_KEY_LEN], to[SCHEMA_TIME_KEY_LEN];

	schema_time_key(from, res, node, 0);
	schema_time_key(to, res, node, end_s);
	tsdb_batch_delete_range(b, db, cf, from, sizeof(from), to, sizeof(to));
}

/* The same for node's top-K sketches at res, sketch by sketch. */
static void delete_topk_before(struct tsdb *db, struct tsdb_batch *b, unsigned res, uint32_t node,
			       uint64_t end_s)
{
	uint8_t from[SCHEMA_TOPK_KEY_LEN], to[SCHEMA_TOPK_KEY_LEN];

	for (unsigned i = 0; i < TOPK_SKETCHES; i++) {
		schema_topk_key(from, res, node, i, 0);
		schema_topk_key(to, res, node, i, end_s);
		tsdb_batch_delete_range(b, db, TSDB_TOPK, from, sizeof(from), to, sizeof(to));
	}
}

/* The same for the dims series of node at res, dimension by dimension. */
static void delete_dims_before(struct tsdb *db, struct tsdb_batch *b, unsigned res, uint32_t node,
			       uint64_t end_s)
{
	uint8_t from[SCHEMA_DIM_KEY_MAX], to[SCHEMA_DIM_KEY_MAX];

	for (unsigned d = 0; d < SCHEMA_DIM_KINDS; d++) {
		size_t fl = schema_dim_key(from, res, node, d, 0, NULL, 0);
		size_t tl = schema_dim_key(to, res, node, d, end_s, NULL, 0);
		tsdb_batch_delete_range(b, db, TSDB_DIMS, from, fl, to, tl);
	}
}

static void sweep_node(const struct retention *r, uint64_t newest_s, uint32_t node, struct tsdb *db,
		       struct tsdb_batch *b)
{
	for (unsigned res = 0; res < RES_COUNT; res++) {
		if (r->keep_s[res] == 0 || r->keep_s[res] >= newest_s)
			continue;
		uint64_t cut = newest_s - r->keep_s[res];
		delete_before(db, b, TSDB_SERIES, res, node, schema_block_start(res, cut));
		delete_before(db, b, TSDB_HIST, res, node, schema_block_start(res, cut));
		delete_dims_before(db, b, res, node, schema_block_start(res, cut));
		delete_topk_before(db, b, res, node, cut - cut % schema_res_seconds[res]);
	}
}

void retention_sweep(const struct retention *r, uint64_t newest_s, struct tsdb *db,
		     struct tsdb_batch *b)
{
	uint32_t ids[NODE_LIST_MAX];
	size_t n = node_list(db, ids);

	sweep_node(r, newest_s, SCHEMA_NODE_ALL, db, b);
	for (size_t i = 0; i < n; i++)
		sweep_node(r, newest_s, ids[i], db, b);
	if (r->flows_s != 0 && r->flows_s < newest_s) {
		uint8_t zero[8] = {0}, cut[8];
		uint64_t cut_ns = (newest_s - r->flows_s) * SA_NS_PER_S;
		schema_be64(cut, cut_ns);
		tsdb_batch_delete_range(b, db, TSDB_FLOWS, zero, sizeof(zero), cut, sizeof(cut));
		/* Index keys lead with an address or port: they expire at compaction. */
		tsdb_set_expiry(db, TSDB_FLOWIDX, cut_ns);
	}
	/* Monitor rows and alerts are kept as long as the hourly series. */
	if (r->keep_s[RES_1H] != 0 && r->keep_s[RES_1H] < newest_s) {
		uint8_t zero[8] = {0}, cut[8];
		uint64_t cut_ns = (newest_s - r->keep_s[RES_1H]) * SA_NS_PER_S;
		schema_be64(cut, cut_ns);
		tsdb_batch_delete_range(b, db, TSDB_ALERTS, zero, sizeof(zero), cut, sizeof(cut));
		tsdb_set_expiry(db, TSDB_MONITOR, cut_ns); /* keys lead with the series */
	}
}
