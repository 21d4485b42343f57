/* rocksdb_baseline: the storage work of sa-aggregator's ingest path as a
 * plain RocksDB put loop, for bench/aggregator's ratio.
 *
 * Usage: rocksdb_baseline --db DIR --dump FILE
 *
 * Reads the batches agg_load --dump wrote (agg_dump.h) and, for each one:
 * unpacks it, fills one WriteBatch with a put per flow record (the packed
 * FlowRecord under schema_flow_key, as the aggregator keys it) and a put per
 * interval (its counters and histogram buckets as one u64 array under the
 * 1 s schema_time_key), and writes it. No ZeroMQ, validation, dedup
 * markers, rollups, merges or sketches: what is left is what RocksDB costs.
 * The database is new and opened as aggregator/tsdb.c's tsdb_open opens
 * it under --no-sync: lz4, increase_parallelism(2), WAL on, no fsync. The
 * clock runs from the first unpack to the last write (unpack_seconds says
 * how much of it decoding took); the dump is mapped and paged in before.
 * Prints one line of key=value figures. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <rocksdb/c.h>

#include "agg_dump.h"
#include "sa_time.h"
#include "sa_wire.h"
#include "schema.h"

#define MAX_VALUES (256 + SCHEMA_HIST_LEN) /* sa_wire.c's counter limit, plus histograms */

enum { CF_DEFAULT, CF_SERIES, CF_FLOWS, CF_COUNT };

struct base {
	rocksdb_t *db;
	rocksdb_options_t *opts;
	rocksdb_column_family_handle_t *cf[CF_COUNT];
	rocksdb_writeoptions_t *wopts;
	rocksdb_writebatch_t *wb;
	uint64_t batches, flows, intervals, points;
	uint64_t unpack_ns; /* of the clock's time, decoding the batches */
};

static int base_open(struct base *b, const char *path)
{
	static const char *const names[CF_COUNT] = {"default", "series", "flows"};
	const rocksdb_options_t *cf_opts[CF_COUNT];
	char *err = NULL;

	b->opts = rocksdb_options_create();
	rocksdb_options_set_create_if_missing(b->opts, 1);
	rocksdb_options_set_create_missing_column_families(b->opts, 1);
	rocksdb_options_set_error_if_exists(b->opts, 1); /* a fresh store, as the aggregator's */
	rocksdb_options_increase_parallelism(b->opts, 2);
	rocksdb_options_set_compression(b->opts, rocksdb_lz4_compression);
	for (int i = 0; i < CF_COUNT; i++)
		cf_opts[i] = b->opts;
	b->db = rocksdb_open_column_families(b->opts, path, CF_COUNT, names, cf_opts, b->cf, &err);
	if (err != NULL) {
		fprintf(stderr, "rocksdb_baseline: %s: %s\n", path, err);
		rocksdb_free(err);
		return -EIO;
	}
	b->wopts = rocksdb_writeoptions_create();
	rocksdb_writeoptions_set_sync(b->wopts, 0);
	b->wb = rocksdb_writebatch_create();
	return 0;
}

static void base_close(struct base *b)
{
	if (b->wb)
		rocksdb_writebatch_destroy(b->wb);
	if (b->wopts)
		rocksdb_writeoptions_destroy(b->wopts);
	if (b->db) {
		for (int i = 0; i < CF_COUNT; i++)
			rocksdb_column_family_handle_destroy(b->cf[i]);
		rocksdb_close(b->db);
	}
	if (b->opts)
		rocksdb_options_destroy(b->opts);
}

/* As aggregator/ingest.c keys a flow: its earlier direction's first packet. */
static uint64_t flow_first_ns(const Sa__FlowRecord *f)
{
	uint64_t a = f->a_to_b && f->a_to_b->packets ? f->a_to_b->first_ns : UINT64_MAX;
	uint64_t b = f->b_to_a && f->b_to_a->packets ? f->b_to_a->first_ns : UINT64_MAX;

	return a < b ? a : b == UINT64_MAX ? 0 : b;
}

/* Appends n values of src to v (room for MAX_VALUES); returns the new count. */
static size_t append(uint64_t *v, size_t used, const uint64_t *src, size_t n)
{
	if (n > MAX_VALUES - used)
		n = MAX_VALUES - used;
	memcpy(v + used, src, n * sizeof(*v));
	return used + n;
}

static void put_interval(struct base *b, uint32_t node, const Sa__IntervalStats *iv)
{
	uint8_t key[SCHEMA_TIME_KEY_LEN], val[MAX_VALUES * 8];
	uint64_t v[MAX_VALUES];
	size_t n = append(v, 0, iv->counters, iv->n_counters);

	n = append(v, n, iv->size_hist, iv->n_size_hist);
	n = append(v, n, iv->iat_hist, iv->n_iat_hist);
	n = append(v, n, iv->rtt_hist, iv->n_rtt_hist);
	schema_u64s_encode(val, v, n);
	schema_time_key(key, RES_1S, node, iv->start_ns / SA_NS_PER_S);
	rocksdb_writebatch_put_cf(b->wb, b->cf[CF_SERIES], (const char *)key, sizeof(key),
				  (const char *)val, n * 8);
	b->points += agg_dump_points(iv);
}

static int put_flow(struct base *b, const Sa__ExportBatch *eb, size_t i)
{
	uint8_t key[SCHEMA_FLOW_KEY_LEN], *val;
	size_t len = sa_wire_pack(&eb->flows[i]->base, &val);

	if (len == 0)
		return -ENOMEM;
	schema_flow_key(key, flow_first_ns(eb->flows[i]), eb->node_id, eb->run_id, eb->seq, (uint32_t)i);
	rocksdb_writebatch_put_cf(b->wb, b->cf[CF_FLOWS], (const char *)key, sizeof(key),
				  (const char *)val, len);
	free(val);
	return 0;
}

/* One dump record: one write. 0, -EINVAL (not a batch), -ENOMEM or -EIO. */
static int store(struct base *b, const uint8_t *msg, size_t len)
{
	uint64_t t0 = sa_mono_ns();
	Sa__NodeMessage *m = sa__node_message__unpack(NULL, len, msg);
	char *err = NULL;
	int rc = 0;

	b->unpack_ns += sa_mono_ns() - t0;
	if (m == NULL || m->body_case != SA__NODE_MESSAGE__BODY_BATCH) {
		rc = -EINVAL;
		goto out;
	}
	const Sa__ExportBatch *eb = m->batch;
	rocksdb_writebatch_clear(b->wb);
	for (size_t i = 0; i < eb->n_intervals; i++)
		put_interval(b, eb->node_id, eb->intervals[i]);
	for (size_t i = 0; i < eb->n_flows && rc == 0; i++)
		rc = put_flow(b, eb, i);
	if (rc == 0)
		rocksdb_write(b->db, b->wopts, b->wb, &err);
	if (err != NULL) {
		fprintf(stderr, "rocksdb_baseline: write: %s\n", err);
		rocksdb_free(err);
		rc = -EIO;
	}
	b->batches++;
	b->flows += eb->n_flows;
	b->intervals += eb->n_intervals;
out:
	if (m != NULL)
		sa__node_message__free_unpacked(m, NULL);
	return rc;
}

/* Maps the whole file and touches every page, so reading it costs nothing
 * inside the clock. Returns the mapping or NULL. */
static const uint8_t *map_dump(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	void *p = MAP_FAILED;
	volatile uint8_t sink = 0;

	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0)
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (fd >= 0)
		close(fd);
	if (p == MAP_FAILED)
		return NULL;
	*size = (size_t)st.st_size;
	for (size_t off = 0; off < *size; off += 4096)
		sink ^= ((const uint8_t *)p)[off];
	(void)sink;
	return p;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'}, {"dump", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	const char *db_path = NULL, *dump_path = NULL;
	const uint8_t *p, *end, *msg;
	struct base b = {0};
	size_t size, len;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db_path = optarg; break;
		case 'f': dump_path = optarg; break;
		case 'h': printf("Usage: rocksdb_baseline --db DIR --dump FILE\n"); return 0;
		default: return 2;
		}
	}
	if (db_path == NULL || dump_path == NULL || optind != argc) {
		fprintf(stderr, "Usage: rocksdb_baseline --db DIR --dump FILE\n");
		return 2;
	}
	if ((p = map_dump(dump_path, &size)) == NULL) {
		fprintf(stderr, "rocksdb_baseline: cannot read %s: %s\n", dump_path, strerror(errno));
		return 1;
	}
	end = p + size;
	if (base_open(&b, db_path) != 0)
		return 1;
	uint64_t t0 = sa_mono_ns();
	while (rc == 0 && (rc = agg_dump_next(&p, end, &msg, &len)) == 1)
		rc = store(&b, msg, len);
	double s = (double)(sa_mono_ns() - t0) / 1e9;
	if (rc != 0)
		fprintf(stderr, "rocksdb_baseline: stopped at batch %" PRIu64 ": %s\n", b.batches + 1,
			strerror(-rc));
	else
		printf("rocksdb_baseline: batches=%" PRIu64 " flows=%" PRIu64 " intervals=%" PRIu64
		       " points=%" PRIu64 " seconds=%.3f unpack_seconds=%.3f flows_per_s=%.0f"
		       " points_per_s=%.0f\n",
		       b.batches, b.flows, b.intervals, b.points, s, (double)b.unpack_ns / 1e9,
		       (double)b.flows / s, (double)b.points / s);
	base_close(&b);
	return rc == 0 ? 0 : 1;
}
