/* Q_STATS: the store's own size per tier, the points its point blocks
 * hold (counters, histograms, and the tracked addresses' and ports'
 * series), and what this aggregator has ingested since it started. Points are
 * counted from the block headers, which is a scan of the series and hist
 * column families: an operator's command, not a dashboard's. */
#include "answer.h"
#include "answer_store.h"
#include "sa_ptb.h"
#include "sa_time.h"
#include "sa_wire.h"
#include "schema.h"

static const struct {
	enum tsdb_cf cf;
	const char *name;
	bool blocks;
} kinds[] = {
	{TSDB_SERIES, "series", true},
	{TSDB_HIST, "hist", true},
	{TSDB_TOPK, "topk", false},
	{TSDB_DIMS, "dims", true},
};

/* The time (block or row start) a key of cf holds, and for a topk key its
 * sketch (else 0); false if malformed. */
static bool key_time(enum tsdb_cf cf, const uint8_t *k, size_t kl, uint64_t *t_s, unsigned *sketch)
{
	unsigned res, dim;
	uint32_t node;
	const uint8_t *key;
	size_t key_len;

	if (cf == TSDB_DIMS)
		return schema_dim_key_parse(k, kl, &res, &node, &dim, t_s, &key, &key_len) == 0;
	*sketch = 0;
	if (cf == TSDB_TOPK)
		return schema_topk_key_parse(k, kl, &res, &node, sketch, t_s) == 0;
	return schema_time_key_parse(k, kl, &res, &node, t_s) == 0;
}

static void tier_fill(struct tsdb *db, enum tsdb_cf cf, bool blocks, unsigned res, Sa__StoreTier *t)
{
	uint8_t first = (uint8_t)((cf == TSDB_TOPK ? SCHEMA_TOPK_RES0 : 0) + res);
	uint8_t from[1] = {first}, to[1] = {(uint8_t)(first + 1)};
	const uint8_t *k, *v;
	size_t kl, vl;

	t->has_res_s = t->has_bytes = t->has_values = t->has_rows = t->has_points = 1;
	t->res_s = schema_res_seconds[res];
	t->bytes = tsdb_range_bytes(db, cf, from, 1, to, 1);
	struct tsdb_iter *it = tsdb_iter_new(db, cf, from, 1, to, 1);
	while (it && tsdb_iter_next(it, &k, &kl, &v, &vl)) {
		uint32_t nrows, ncols;
		uint64_t t_s;
		unsigned sketch;
		if (!key_time(cf, k, kl, &t_s, &sketch))
			continue;
		t->values++;
		if (cf == TSDB_TOPK && sketch == 0)
			t->rows++; /* a sketch row: eight keys, one per sketch */
		if (blocks && sa_ptb_dims(v, vl, &nrows, &ncols) == 0) {
			t->rows += nrows;
			t->points += (uint64_t)nrows * ncols;
		}
		if (!t->has_first_s || t_s < t->first_s)
			t->first_s = t_s;
		if (t_s > t->last_s)
			t->last_s = t_s;
		t->has_first_s = t->has_last_s = 1;
	}
	tsdb_iter_destroy(&it);
}

int answer_stats(struct tsdb *db, const struct ingest_stats *in, const Sa__Query *q,
		 Sa__Response *r, struct sa_arena *a)
{
	const size_t n_tiers = sizeof(kinds) / sizeof(kinds[0]) * RES_COUNT;
	Sa__StoreStats *s = sa_arena_alloc(a, sizeof(*s));
	Sa__StoreTier *tiers = sa_arena_alloc(a, n_tiers * sizeof(*tiers));
	Sa__StoreTier **ptrs = sa_arena_alloc(a, n_tiers * sizeof(*ptrs));

	if (s == NULL || tiers == NULL || ptrs == NULL)
		return answer_fail(r, SA_ERR_INTERNAL, "out of memory");
	if (q->compact && tsdb_compact(db) != 0)
		return answer_fail(r, SA_ERR_INTERNAL, "compaction failed (see the aggregator's log)");
	sa__store_stats__init(s);
	for (size_t i = 0; i < n_tiers; i++) {
		sa__store_tier__init(&tiers[i]);
		tiers[i].kind = (char *)kinds[i / RES_COUNT].name;
		tier_fill(db, kinds[i / RES_COUNT].cf, kinds[i / RES_COUNT].blocks, i % RES_COUNT, &tiers[i]);
		ptrs[i] = &tiers[i];
	}
	s->tiers = ptrs;
	s->n_tiers = n_tiers;
	s->has_sst_bytes = s->has_memtable_bytes = s->has_flow_bytes = s->has_flow_records = 1;
	for (int cf = 0; cf < TSDB_CF_COUNT; cf++) {
		s->sst_bytes += tsdb_cf_property(db, cf, "rocksdb.total-sst-files-size");
		s->memtable_bytes += tsdb_cf_property(db, cf, "rocksdb.cur-size-all-mem-tables");
	}
	s->flow_bytes = tsdb_cf_property(db, TSDB_FLOWS, "rocksdb.total-sst-files-size");
	s->flow_records = tsdb_cf_property(db, TSDB_FLOWS, "rocksdb.estimate-num-keys");
	s->has_uptime_s = s->has_ingested_batches = s->has_ingested_flows = s->has_ingested_points = 1;
	s->has_write_errors = 1;
	s->write_errors = in->write_errors;
	s->uptime_s = (double)(sa_wall_ns() - in->started_ns) / SA_NS_PER_S;
	s->ingested_batches = in->batches;
	s->ingested_flows = in->flows;
	s->ingested_points = in->points;
	r->stats = s;
	return SA_OK;
}
