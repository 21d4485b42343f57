/* sa stats: what the aggregator's store holds and what it costs on disk,
 * per kind of time row and resolution, and what was ingested since the
 * aggregator started. */
#include <stdio.h>

#include "cli.h"
#include "sa_time.h"

static const char *time_or_blank(bool has, uint64_t t_s, char *buf, size_t len)
{
	return has ? sa_time_fmt(t_s * SA_NS_PER_S, buf, len) : "";
}

static struct out_table *tier_table(const Sa__StoreStats *s)
{
	static const char *const cols[] = {"kind", "res_s", "values", "rows", "points", "bytes",
					   "bytes_per_point", "from", "to"};
	struct out_table *tab = out_table_new("Store (on-disk bytes are RocksDB's estimate)", 9, cols);
	char t1[40], t2[40];

	for (size_t i = 0; i < s->n_tiers; i++) {
		const Sa__StoreTier *t = s->tiers[i];
		out_str(tab, t->kind);
		out_u64(tab, t->res_s);
		out_u64(tab, t->values);
		out_u64(tab, t->rows);
		out_u64(tab, t->points);
		out_u64(tab, t->bytes);
		out_f64(tab, t->points ? (double)t->bytes / (double)t->points : 0, 3);
		out_str(tab, time_or_blank(t->has_first_s, t->first_s, t1, sizeof(t1)));
		out_str(tab, time_or_blank(t->has_last_s, t->last_s, t2, sizeof(t2)));
	}
	/* Flow records and the whole store, as rows of the same table. */
	const char *kinds[] = {"flows", "all"};
	const uint64_t values[] = {s->flow_records, 0}, bytes[] = {s->flow_bytes, s->sst_bytes};
	for (unsigned i = 0; i < 2; i++) {
		out_str(tab, kinds[i]);
		for (unsigned k = 0; k < 4; k++)
			out_u64(tab, k == 1 ? values[i] : 0);
		out_u64(tab, bytes[i]);
		out_f64(tab, 0, 3);
		out_str(tab, "");
		out_str(tab, "");
	}
	return tab;
}

static struct out_table *ingest_table(const Sa__StoreStats *s)
{
	static const char *const cols[] = {"uptime_s", "batches", "flows", "flows_per_s", "points",
					   "points_per_s", "memtable_bytes", "write_errors"};
	struct out_table *tab = out_table_new("Ingested since the aggregator started", 8, cols);
	double up = s->uptime_s > 0 ? s->uptime_s : 1;

	out_f64(tab, s->uptime_s, 1);
	out_u64(tab, s->ingested_batches);
	out_u64(tab, s->ingested_flows);
	out_f64(tab, (double)s->ingested_flows / up, 0);
	out_u64(tab, s->ingested_points);
	out_f64(tab, (double)s->ingested_points / up, 0);
	out_u64(tab, s->memtable_bytes);
	out_u64(tab, s->write_errors);
	return tab;
}

int cmd_stats(struct cli *c)
{
	Sa__Query q;

	cli_query_init(c, &q, SA__QUERY_KIND__Q_STATS);
	q.has_compact = 1;
	q.compact = c->compact;
	Sa__Response *r = cli_call(c, &q);
	if (r == NULL)
		return 1;
	if (r->stats == NULL) {
		fprintf(stderr, "sa: the aggregator sent no statistics\n");
		sa__response__free_unpacked(r, NULL);
		return 1;
	}
	struct out_table *tiers = tier_table(r->stats), *ingest = ingest_table(r->stats);
	/* JSON: one object holding both tables. */
	if (c->format == OUT_JSON)
		fputs("{\"store\": ", stdout);
	out_table_print(tiers, c->format, stdout);
	fputs(c->format == OUT_JSON ? ", \"ingest\": " : "\n", stdout);
	out_table_print(ingest, c->format, stdout);
	if (c->format == OUT_JSON)
		fputs("}\n", stdout);
	out_table_destroy(&tiers);
	out_table_destroy(&ingest);
	sa__response__free_unpacked(r, NULL);
	return 0;
}
