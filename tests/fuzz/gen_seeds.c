/* gen_seeds TARGET OUTDIR     (TARGET: wire, store_values or time)
 *
 * Seeds the fuzz targets other than pkt_parse with small valid inputs,
 * built with the generated protobuf-c code the daemons use, so the fuzzer
 * starts from messages that pass validation instead of guessing protobuf
 * framing. Input layouts are described at the top of each fuzz_<target>.c:
 *   wire          selector byte (0 NodeMessage, 1 Query, 2 Response, 3 Ack)
 *                 + the packed message
 *   store_values  header + existing value + 1-4 merge operands: point blocks
 *                 (series, hist), stored sketch rows (topk), time keys
 *   time          the string, no NUL
 * Returns non-zero only if OUTDIR cannot be written. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sa_counter.h"
#include "sa_hist.h"
#include "sa_ptb.h"
#include "topk_set.h"
#include "sa_wire.h"

#define HIST_LEN (SA_SIZE_BUCKETS + 2 * SA_TIME_BUCKETS) /* schema.h SCHEMA_HIST_LEN */
#define T0_NS (1704067200ULL * 1000000000ULL)              /* 2024-01-01T00:00:00Z */

static const char *outdir;
static int failed;

static void write_file(const char *name, const void *a, size_t alen, const void *b, size_t blen)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	f = fopen(path, "wb");
	if (f == NULL || (alen && fwrite(a, 1, alen, f) != alen) ||
	    (blen && fwrite(b, 1, blen, f) != blen)) {
		fprintf(stderr, "gen_seeds: %s: %s\n", path, strerror(errno));
		failed = 1;
	}
	if (f != NULL && fclose(f) != 0)
		failed = 1;
}

/* ---- wire ------------------------------------------------------------------ */

static void write_msg(const char *name, uint8_t sel, const ProtobufCMessage *m)
{
	uint8_t *buf;
	size_t len = sa_wire_pack(m, &buf);

	write_file(name, &sel, 1, buf, len);
	free(buf);
}

static uint8_t v4a[4] = {10, 0, 0, 1}, v4b[4] = {192, 168, 1, 20};
static uint8_t v6a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, v6b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
static uint8_t ports[4][2] = {{0x01, 0xbb}, {0x00, 0x35}, {0x9c, 0x40}, {0x00, 0x50}};

static void dir_stats(Sa__DirStats *d, uint64_t pkts, uint64_t bytes)
{
	sa__dir_stats__init(d);
	d->has_packets = d->has_bytes = d->has_first_ns = d->has_last_ns = 1;
	d->has_tcp_flags = d->has_size_min = d->has_size_max = d->has_size_mean = 1;
	d->has_size_var = d->has_iat_min_ns = d->has_iat_max_ns = 1;
	d->has_iat_mean_ns = d->has_iat_var_ns2 = 1;
	d->packets = pkts;
	d->bytes = bytes;
	d->first_ns = T0_NS + 1000;
	d->last_ns = T0_NS + 900000000;
	d->tcp_flags = 0x1b;
	d->size_min = 60;
	d->size_max = 1514;
	d->size_mean = (double)bytes / (double)pkts;
	d->size_var = 1234.5;
	d->iat_min_ns = 10000;
	d->iat_max_ns = 300000000;
	d->iat_mean_ns = 4.5e7;
	d->iat_var_ns2 = 1e14;
}

static void flow(Sa__FlowRecord *f, int v6, Sa__DirStats *ab, Sa__DirStats *ba)
{
	sa__flow_record__init(f);
	f->has_addr_a = f->has_addr_b = f->has_port_a = f->has_port_b = 1;
	f->has_proto = f->has_ip_version = f->has_end_reason = 1;
	f->addr_a = (ProtobufCBinaryData){v6 ? 16 : 4, v6 ? v6a : v4a};
	f->addr_b = (ProtobufCBinaryData){v6 ? 16 : 4, v6 ? v6b : v4b};
	f->ip_version = v6 ? 6 : 4;
	f->port_a = v6 ? 5353 : 40000;
	f->port_b = v6 ? 53 : 443;
	f->proto = v6 ? 17 : 6;
	f->end_reason = v6 ? SA__END_REASON__END_IDLE : SA__END_REASON__END_FIN;
	f->a_to_b = ab;
	f->b_to_a = ba;
	if (!v6) {
		f->has_vlan = f->has_rtt_syn_synack_ns = f->has_rtt_synack_ack_ns = 1;
		f->vlan = 100;
		f->rtt_syn_synack_ns = 250000;
		f->rtt_synack_ack_ns = 90000;
	}
}

/* One sketch per dimension: 4-byte (or 16-byte) addresses for the IP
 * dimensions, 2-byte ports for the port dimensions. */
static void sketch(Sa__TopSketch *s, Sa__TopEntry *e, Sa__TopEntry **p, unsigned dim,
		   unsigned n, uint64_t scale)
{
	sa__top_sketch__init(s);
	s->has_dimension = s->has_capacity = s->has_total = 1;
	s->dimension = dim;
	s->capacity = 64;
	s->total = 0;
	for (unsigned i = 0; i < n; i++) {
		sa__top_entry__init(&e[i]);
		e[i].has_key = e[i].has_count = e[i].has_error = 1;
		if (dim < 2)
			e[i].key = (ProtobufCBinaryData){i == 2 ? 16 : 4, i == 2 ? v6a : (i ? v4b : v4a)};
		else
			e[i].key = (ProtobufCBinaryData){2, ports[i % 4]};
		e[i].count = scale * (n - i);
		e[i].error = i;
		s->total += e[i].count;
		p[i] = &e[i];
	}
	s->total += scale; /* some weight the sketch did not keep */
	s->n_entries = n;
	s->entries = p;
}

/* Interval stats with counters, histograms and 4+4 sketches. The sketch
 * arrays must outlive the message. */
struct iv_store {
	Sa__IntervalStats iv;
	uint64_t counters[SA_C_COUNT], size_h[SA_SIZE_BUCKETS], iat_h[SA_TIME_BUCKETS],
		rtt_h[SA_TIME_BUCKETS];
	Sa__TopSketch sk[2][4];
	Sa__TopSketch *skp[2][4];
	Sa__TopEntry ent[2][4][3];
	Sa__TopEntry *entp[2][4][3];
};

static void interval(struct iv_store *s, int with_stats, uint64_t scale)
{
	Sa__IntervalStats *iv = &s->iv;

	sa__interval_stats__init(iv);
	for (unsigned w = 0; w < 2; w++)
		for (unsigned d = 0; d < 4; d++) {
			sketch(&s->sk[w][d], s->ent[w][d], s->entp[w][d], d, 3, w ? scale : scale * 700);
			s->skp[w][d] = &s->sk[w][d];
		}
	iv->n_top_bytes = iv->n_top_packets = 4;
	iv->top_bytes = s->skp[0];
	iv->top_packets = s->skp[1];
	if (!with_stats)
		return; /* what the topk column family stores */
	iv->has_start_ns = iv->has_length_s = iv->has_first_ns = iv->has_last_ns = 1;
	iv->start_ns = T0_NS;
	iv->length_s = 1;
	iv->first_ns = T0_NS + 1000;
	iv->last_ns = T0_NS + 999000000;
	for (unsigned i = 0; i < SA_C_COUNT; i++)
		s->counters[i] = (i + 1) * scale;
	for (unsigned i = 0; i < SA_SIZE_BUCKETS; i++)
		s->size_h[i] = i * 3;
	for (unsigned i = 0; i < SA_TIME_BUCKETS; i++)
		s->iat_h[i] = s->rtt_h[i] = i < 20 ? i : 0;
	iv->n_counters = SA_C_COUNT;
	iv->counters = s->counters;
	iv->n_size_hist = SA_SIZE_BUCKETS;
	iv->size_hist = s->size_h;
	iv->n_iat_hist = iv->n_rtt_hist = SA_TIME_BUCKETS;
	iv->iat_hist = s->iat_h;
	iv->rtt_hist = s->rtt_h;
}

static void node_messages(void)
{
	Sa__NodeMessage m = SA__NODE_MESSAGE__INIT;
	Sa__Hello h = SA__HELLO__INIT;
	Sa__Heartbeat hb = SA__HEARTBEAT__INIT;
	Sa__ExportBatch b = SA__EXPORT_BATCH__INIT;
	Sa__DirStats d[3];
	Sa__FlowRecord f[2], *fp[2] = {&f[0], &f[1]};
	struct iv_store s;
	Sa__IntervalStats *ivp = &s.iv;

	h.has_schema_version = h.has_node_id = h.has_run_id = 1;
	h.schema_version = SA_SCHEMA_VERSION;
	h.node_id = 7;
	h.run_id = 0x1234;
	h.hostname = "cap1";
	h.port_name = "0000:01:00.0";
	h.config = "burst=32\nflow_timeout_s=30\n";
	m.body_case = SA__NODE_MESSAGE__BODY_HELLO;
	m.hello = &h;
	write_msg("node_hello", 0, &m.base);

	hb.has_node_id = hb.has_run_id = hb.has_rx_packets = hb.has_rx_missed = 1;
	hb.has_unacked_batches = 1;
	hb.node_id = 7;
	hb.run_id = 0x1234;
	hb.rx_packets = 1000000;
	hb.rx_missed = 3;
	hb.unacked_batches = 2;
	m.body_case = SA__NODE_MESSAGE__BODY_HEARTBEAT;
	m.heartbeat = &hb;
	write_msg("node_heartbeat", 0, &m.base);

	dir_stats(&d[0], 12, 9000);
	dir_stats(&d[1], 10, 800);
	dir_stats(&d[2], 4, 320);
	flow(&f[0], 0, &d[0], &d[1]);
	flow(&f[1], 1, &d[2], NULL);
	interval(&s, 1, 5);
	b.has_schema_version = b.has_node_id = b.has_run_id = b.has_seq = 1;
	b.schema_version = SA_SCHEMA_VERSION;
	b.node_id = 7;
	b.run_id = 0x1234;
	b.seq = 1;
	b.n_flows = 2;
	b.flows = fp;
	b.n_intervals = 1;
	b.intervals = &ivp;
	m.body_case = SA__NODE_MESSAGE__BODY_BATCH;
	m.batch = &b;
	write_msg("node_batch", 0, &m.base);

	b.n_flows = 0;
	b.seq = 2;
	write_msg("node_batch_intervals", 0, &m.base);

	b.n_flows = 2;
	b.n_intervals = 0;
	b.seq = 3;
	b.has_last = 1;
	b.last = 1;
	write_msg("node_batch_last", 0, &m.base);
}

static double params[5] = {0.3, 0.05, 0.2, 0.0, 0.95};
static Sa__ModelPart seed_part, *seed_partp = &seed_part;

/* A Holt-Winters part of the given season; state holds season + 2. */
static void model(Sa__Model *md, double *state, unsigned season)
{
	sa__model__init(md);
	sa__model_part__init(&seed_part);
	md->series = "bytes";
	md->kind = "hw_additive damped";
	md->has_version = md->has_season = md->has_step_s = md->has_trained_until_ns = 1;
	md->has_mae = md->has_rmse = md->has_created_ns = md->has_format = md->has_mase = 1;
	md->has_train_points = 1;
	md->version = 2;
	md->season = season;
	md->step_s = 3600;
	md->format = 2;
	md->trained_until_ns = T0_NS;
	seed_part.kind = "hw_additive";
	seed_part.has_season = seed_part.has_sigma = 1;
	seed_part.season = season;
	seed_part.sigma = 19.0;
	seed_part.n_params = 5;
	seed_part.params = params;
	for (unsigned i = 0; i < season + 2; i++)
		state[i] = 1000.0 + i;
	seed_part.n_state = season + 2;
	seed_part.state = state;
	md->n_parts = 1;
	md->parts = &seed_partp;
	md->mae = 12.5;
	md->rmse = 20.25;
	md->mase = 0.7;
	md->created_ns = T0_NS + 5;
	md->train_points = 24 * 14;
	md->rejected = "seasonal_naive 24 MASE 1.1";
}

static void queries(void)
{
	Sa__Query q;
	Sa__Model md;
	double state[24 + 2];

	sa__query__init(&q);
	q.has_schema_version = q.has_kind = 1;
	q.schema_version = SA_SCHEMA_VERSION;
	q.kind = SA__QUERY_KIND__Q_NODES;
	write_msg("query_nodes", 1, &q.base);

	q.kind = SA__QUERY_KIND__Q_SERIES;
	q.has_from_ns = q.has_to_ns = q.has_step_s = q.has_node_id = 1;
	q.from_ns = T0_NS;
	q.to_ns = T0_NS + 86400 * 1000000000ULL;
	q.step_s = 60;
	q.node_id = 7;
	q.metric = "bytes";
	q.proto = "tcp";
	write_msg("query_series", 1, &q.base);

	q.kind = SA__QUERY_KIND__Q_TOP;
	q.proto = NULL;
	q.has_dimension = q.has_limit = 1;
	q.dimension = SA__TOP_DIM__TOP_DST_IP;
	q.limit = 10;
	write_msg("query_top", 1, &q.base);

	q.kind = SA__QUERY_KIND__Q_HIST;
	q.has_dimension = q.has_limit = 0;
	q.metric = NULL;
	q.hist = "rtt";
	write_msg("query_hist", 1, &q.base);

	q.kind = SA__QUERY_KIND__Q_FLOWS;
	q.hist = NULL;
	q.has_ip = q.has_port = q.has_limit = 1;
	q.ip = (ProtobufCBinaryData){16, v6b};
	q.port = 53;
	q.limit = 100;
	q.proto = "udp";
	write_msg("query_flows", 1, &q.base);

	sa__query__init(&q);
	q.has_schema_version = q.has_kind = q.has_from_ns = q.has_step_s = q.has_horizon = 1;
	q.schema_version = SA_SCHEMA_VERSION;
	q.kind = SA__QUERY_KIND__Q_FORECAST;
	q.from_ns = T0_NS;
	q.step_s = 3600;
	q.horizon = 48;
	q.series = "packets";
	write_msg("query_forecast", 1, &q.base);

	q.kind = SA__QUERY_KIND__Q_SUMMARY;
	q.has_horizon = 0;
	q.series = NULL;
	write_msg("query_summary", 1, &q.base);

	q.kind = SA__QUERY_KIND__Q_PUT_MODEL;
	model(&md, state, 24);
	q.model = &md;
	write_msg("query_put_model", 1, &q.base);

	q.kind = SA__QUERY_KIND__Q_MODELS;
	q.model = NULL;
	q.series = "bytes";
	write_msg("query_models", 1, &q.base);
}

static void responses(void)
{
	Sa__Response r = SA__RESPONSE__INIT;
	Sa__SeriesPoint pt[3], *ptp[3];
	Sa__TopEntry te[3], *tep[3];
	Sa__ForecastPoint fc[2], *fcp[2];
	Sa__NodeInfo ni = SA__NODE_INFO__INIT, *nip = &ni;
	Sa__Heartbeat hb = SA__HEARTBEAT__INIT;
	Sa__DirStats d;
	Sa__FlowRecord f, *fp = &f;
	Sa__Model md, *mdp = &md;
	uint64_t hist[SA_SIZE_BUCKETS] = {0, 4, 9, 2, 0, 1, 7, 0}, counters[SA_C_COUNT];
	double state[4 + 2];

	r.has_code = r.has_kind = r.has_step_s = r.has_from_ns = r.has_to_ns = 1;
	r.kind = SA__QUERY_KIND__Q_SERIES;
	r.step_s = 60;
	r.from_ns = T0_NS;
	r.to_ns = T0_NS + 180 * 1000000000ULL;
	for (unsigned i = 0; i < 3; i++) {
		sa__series_point__init(&pt[i]);
		pt[i].has_t_ns = pt[i].has_value = 1;
		pt[i].t_ns = T0_NS + i * 60 * 1000000000ULL;
		pt[i].value = 1000.5 * i;
		ptp[i] = &pt[i];
	}
	r.n_points = 3;
	r.points = ptp;
	write_msg("response_series", 2, &r.base);

	r.n_points = 0;
	r.kind = SA__QUERY_KIND__Q_TOP;
	for (unsigned i = 0; i < 3; i++) {
		sa__top_entry__init(&te[i]);
		te[i].has_key = te[i].has_count = te[i].has_error = 1;
		te[i].key = (ProtobufCBinaryData){i == 0 ? 4 : i == 1 ? 16 : 2,
						  i == 0 ? v4a : i == 1 ? v6a : ports[0]};
		te[i].count = 900 - 100 * i;
		te[i].error = i;
		tep[i] = &te[i];
	}
	r.n_top = 3;
	r.top = tep;
	r.has_total = 1;
	r.total = 5000;
	write_msg("response_top", 2, &r.base);

	r.n_top = 0;
	r.has_total = 0;
	r.kind = SA__QUERY_KIND__Q_HIST;
	r.n_hist = SA_SIZE_BUCKETS;
	r.hist = hist;
	write_msg("response_hist", 2, &r.base);

	r.n_hist = 0;
	r.kind = SA__QUERY_KIND__Q_FLOWS;
	dir_stats(&d, 3, 200);
	flow(&f, 0, &d, NULL);
	r.n_flows = 1;
	r.flows = &fp;
	r.has_total = 1;
	r.total = 1;
	write_msg("response_flows", 2, &r.base);

	r.n_flows = 0;
	r.has_total = 0;
	r.kind = SA__QUERY_KIND__Q_NODES;
	ni.has_node_id = ni.has_run_id = ni.has_batches = ni.has_last_seen_ns = 1;
	ni.node_id = 7;
	ni.hostname = "cap1";
	ni.port_name = "net_pcap0";
	ni.run_id = 0x1234;
	ni.batches = 10;
	ni.last_seen_ns = T0_NS;
	hb.has_node_id = hb.has_rx_packets = 1;
	hb.node_id = 7;
	hb.rx_packets = 77;
	ni.last_heartbeat = &hb;
	r.n_nodes = 1;
	r.nodes = &nip;
	write_msg("response_nodes", 2, &r.base);

	r.n_nodes = 0;
	r.kind = SA__QUERY_KIND__Q_FORECAST;
	for (unsigned i = 0; i < 2; i++) {
		sa__forecast_point__init(&fc[i]);
		fc[i].has_t_ns = fc[i].has_forecast = fc[i].has_lo80 = fc[i].has_hi80 = 1;
		fc[i].has_lo95 = fc[i].has_hi95 = fc[i].has_actual_known = fc[i].has_actual = 1;
		fc[i].t_ns = T0_NS + i * 3600 * 1000000000ULL;
		fc[i].forecast = 100;
		fc[i].lo80 = 80;
		fc[i].hi80 = 120;
		fc[i].lo95 = 70;
		fc[i].hi95 = 130;
		fc[i].actual_known = i == 0;
		fc[i].actual = i == 0 ? 111 : 0;
		fcp[i] = &fc[i];
	}
	r.n_forecast = 2;
	r.forecast = fcp;
	write_msg("response_forecast", 2, &r.base);

	r.n_forecast = 0;
	r.kind = SA__QUERY_KIND__Q_SUMMARY;
	for (unsigned i = 0; i < SA_C_COUNT; i++)
		counters[i] = i * 11;
	r.n_counters = SA_C_COUNT;
	r.counters = counters;
	r.has_first_ns = r.has_last_ns = r.has_tcp_conversations = r.has_udp_conversations = 1;
	r.first_ns = T0_NS;
	r.last_ns = T0_NS + 1;
	r.tcp_conversations = 3;
	r.udp_conversations = 4;
	write_msg("response_summary", 2, &r.base);

	sa__response__init(&r);
	r.has_kind = 1;
	r.kind = SA__QUERY_KIND__Q_MODELS;
	model(&md, state, 4);
	r.n_models = 1;
	r.models = &mdp;
	write_msg("response_models", 2, &r.base);

	sa__response__init(&r);
	r.has_code = 1;
	r.code = SA_ERR_LIMIT;
	r.message = "range, step or limit too large";
	write_msg("response_error", 2, &r.base);
}

static void acks(void)
{
	Sa__Ack a = SA__ACK__INIT;

	a.has_run_id = a.has_seq = a.has_code = 1;
	a.run_id = 0x1234;
	a.seq = 42;
	write_msg("ack_ok", 3, &a.base);
	a.code = SA_ERR_VERSION;
	a.message = "batch schema version not supported";
	write_msg("ack_refused", 3, &a.base);
}

/* ---- store_values ------------------------------------------------------------ */

#define MAX_PIECES 5

/* Header as fuzz_store_values.c reads it: byte 0 = (n_ops - 1) | 4 if there
 * is no existing value | u64s_decode cap << 3, then n_ops u16 LE lengths:
 * the existing value and the first n_ops - 1 operands; the last operand is
 * the rest. */
static void write_merge(const char *name, int no_existing, unsigned cap, unsigned n_pieces,
			uint8_t *const *piece, const size_t *len)
{
	uint8_t hdr[1 + 2 * (MAX_PIECES - 1)], *all;
	unsigned n_ops = n_pieces - 1;
	size_t total = 0, off = 0;

	hdr[0] = (uint8_t)((n_ops - 1) | (no_existing ? 4 : 0) | cap << 3);
	for (unsigned i = 0; i < n_ops; i++) {
		hdr[1 + 2 * i] = (uint8_t)len[i];
		hdr[2 + 2 * i] = (uint8_t)(len[i] >> 8);
	}
	for (unsigned i = 0; i < n_pieces; i++)
		total += len[i];
	all = malloc(total ? total : 1);
	if (all == NULL) {
		failed = 1;
		return;
	}
	for (unsigned i = 0; i < n_pieces; i++) {
		if (len[i])
			memcpy(all + off, piece[i], len[i]);
		off += len[i];
	}
	write_file(name, hdr, 1 + 2 * n_ops, all, total);
	free(all);
}

/* A point block of nrows rows from time t0, ncols values each. */
static uint8_t *points(uint32_t nrows, uint32_t ncols, uint64_t t0, uint64_t base, size_t *len)
{
	uint64_t *t = malloc(nrows * sizeof(*t)), *v = malloc((size_t)nrows * ncols * sizeof(*v));
	uint8_t *out = malloc(sa_ptb_bound(nrows, ncols));

	*len = 0;
	if (t != NULL && v != NULL && out != NULL) {
		for (uint32_t r = 0; r < nrows; r++) {
			t[r] = t0 + r + r / 7; /* mostly regular, with a skipped step now and then */
			for (uint32_t c = 0; c < ncols; c++)
				v[r * ncols + c] = c % 3 == 0 ? 0 : base + (c % 3 == 1 ? r : (r * 7919) % 1500);
		}
		*len = sa_ptb_encode(out, t, v, nrows, ncols);
	}
	free(t);
	free(v);
	return out;
}

/* A stored topk value holding an interval's sketches, in sketches of
 * `capacity` keys: sketch `one` alone (as stored now), or all eight in one
 * value (one < 0: rows stored before each sketch had its own key). */
static uint8_t *topk_row(const Sa__IntervalStats *iv, unsigned capacity, int one, size_t *len)
{
	struct topk_set set;
	uint8_t *buf = NULL;

	*len = 0;
	if (topk_set_init(&set, capacity) != 0)
		return NULL;
	topk_set_add(&set, iv);
	*len = one < 0 ? topk_set_pack(&set, &buf) : topk_sketch_pack(set.sk[one / TOPK_DIMS][one % TOPK_DIMS], &buf);
	topk_set_fini(&set);
	return buf;
}

static uint8_t *topk_blob(uint64_t scale, int one, size_t *len)
{
	struct iv_store s;

	interval(&s, 0, scale);
	return topk_row(&s.iv, 1024, one, len);
}

/* A destination-port sketch with n distinct keys: more than the store's
 * 1024 per sketch, so a merge has to evict. */
static uint8_t *topk_blob_wide(unsigned n, unsigned first_port, int one, size_t *len)
{
	Sa__IntervalStats iv = SA__INTERVAL_STATS__INIT;
	Sa__TopSketch sk, *skp = &sk;
	Sa__TopEntry *e = calloc(n, sizeof(*e)), **p = calloc(n, sizeof(*p));
	uint8_t (*keys)[2] = calloc(n, sizeof(*keys)), *buf = NULL;

	*len = 0;
	if (e == NULL || p == NULL || keys == NULL)
		goto out;
	sa__top_sketch__init(&sk);
	sk.has_dimension = sk.has_capacity = sk.has_total = 1;
	sk.dimension = SA__TOP_DIM__TOP_DST_PORT;
	sk.capacity = 2048;
	for (unsigned i = 0; i < n; i++) {
		unsigned port = first_port + i;
		keys[i][0] = (uint8_t)(port >> 8);
		keys[i][1] = (uint8_t)port;
		sa__top_entry__init(&e[i]);
		e[i].has_key = e[i].has_count = 1;
		e[i].key = (ProtobufCBinaryData){2, keys[i]};
		e[i].count = 1 + (i * 7919) % 1000;
		sk.total += e[i].count;
		p[i] = &e[i];
	}
	sk.n_entries = n;
	sk.entries = p;
	iv.n_top_packets = 1;
	iv.top_packets = &skp;
	buf = topk_row(&iv, 2048, one, len);
out:
	free(e);
	free(p);
	free(keys);
	return buf;
}

static void store_values(void)
{
	uint8_t *pc[MAX_PIECES] = {NULL}, key[2][13];
	size_t ln[MAX_PIECES] = {0};

	/* series: existing block plus two operands that overlap it in time,
	 * one narrower (an older node's counter table) */
	pc[0] = points(60, SA_C_COUNT, 0, 1000, &ln[0]);
	pc[1] = points(30, SA_C_COUNT, 45, 7, &ln[1]);
	pc[2] = points(10, SA_C_COUNT / 2, 100, 1, &ln[2]);
	write_merge("series_add", 0, SA_C_COUNT & 31, 3, pc, ln);
	for (unsigned i = 0; i < MAX_PIECES; i++) {
		free(pc[i]);
		pc[i] = NULL;
	}

	/* hist: partial merge of three operands, no existing value */
	ln[0] = 0;
	for (unsigned i = 1; i < 4; i++)
		pc[i] = points(20, HIST_LEN, 10 * i, i, &ln[i]);
	write_merge("hist_partial", 1, 2, 4, pc, ln);
	for (unsigned i = 0; i < MAX_PIECES; i++) {
		free(pc[i]);
		pc[i] = NULL;
	}

	/* topk: stored sketch plus two interval operands (bytes by source
	 * address, sketch 0), then the same as rows of all eight (-1) */
	for (int one = 0; one >= -1; one--) {
		pc[0] = topk_blob(3, one, &ln[0]);
		pc[1] = topk_blob(1, one, &ln[1]);
		pc[2] = topk_blob(20, one, &ln[2]);
		write_merge(one < 0 ? "topk_row_merge" : "topk_merge", 0, 0, 3, pc, ln);
		write_merge(one < 0 ? "topk_row_one_op" : "topk_one_op", 1, 0, 2, pc, ln);
		for (unsigned i = 0; i < MAX_PIECES; i++) {
			free(pc[i]);
			pc[i] = NULL;
		}
	}

	/* topk: more keys than a stored sketch keeps (packets by destination
	 * port, sketch 7) */
	for (int one = 7; one >= -1; one -= 8) {
		pc[0] = topk_blob_wide(1000, 1, one, &ln[0]);
		pc[1] = topk_blob_wide(200, 900, one, &ln[1]);
		write_merge(one < 0 ? "topk_row_evict" : "topk_evict", 0, 0, 2, pc, ln);
		for (unsigned i = 0; i < MAX_PIECES; i++) {
			free(pc[i]);
			pc[i] = NULL;
		}
	}

	/* time keys (schema.h layout: res u8, node u32 BE, t_s u64 BE) */
	memset(key, 0, sizeof(key));
	key[0][0] = 1;
	key[0][4] = 7;
	key[0][9] = 0x65; /* t_s = 0x65920000 */
	key[0][10] = 0x92;
	key[1][0] = 2;
	key[1][9] = 0x65;
	pc[0] = key[0];
	pc[1] = key[1];
	ln[0] = ln[1] = 13;
	write_merge("time_keys", 0, 1, 2, pc, ln);
}

/* ---- time -------------------------------------------------------------------- */

static void times(void)
{
	static const char *const s[] = {
		"2024-01-02T03:04:05.123456789Z", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05",
		"2024-02-29", "1704067200", "1704067200.25", "0", "-3h", "-2d", "-30m", "-10s",
		"-1w", "1970-01-01T00:00:00.5Z",
	};

	for (unsigned i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "time_%02u", i);
		write_file(name, s[i], strlen(s[i]), NULL, 0);
	}
}

/* One part of a model seed: kind, seasons, params and a state of the
 * right length filled with plausible traffic values. */
static void fill_part(Sa__ModelPart *p, const char *kind, uint32_t m, uint32_t m2, double *pv,
		      size_t n_params, double *state, size_t n_state)
{
	sa__model_part__init(p);
	p->kind = (char *)kind;
	p->has_season = p->has_season2 = p->has_sigma = p->has_sd_power = 1;
	p->season = m;
	p->season2 = m2;
	p->sigma = 0.08;
	p->sd_power = 1;
	p->n_params = n_params;
	p->params = pv;
	p->n_state = n_state;
	p->state = state;
	for (size_t i = 0; i < n_state; i++)
		state[i] = 1000.0 + 37.0 * (double)(i % 24);
}

/* Series specs (mode 0) and models of every kind (mode 1) for fuzz_model. */
static void models(void)
{
	static const char *const specs[] = {"bytes", "packets/udp", "bytes@2", "bytes:port=443",
					    "active_flows", "bytes:ip=2001:db8::1", "flows@4294967295"};
	static double hw[5] = {0.3, 0.01, 0.2, 0.1, 0.95}, ar[7] = {0, 1, 0, 0.5, 0, -0.3, -0.6};
	static double st_hw[2 + 24 + 168], st_ar[2 * 27], st_sn[24], st_hw1[2 + 24];
	Sa__ModelPart parts[2], *pp[2] = {&parts[0], &parts[1]};
	Sa__Model md;

	for (unsigned i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "series_%u", i);
		write_file(name, "\0", 1, specs[i], strlen(specs[i]));
	}
	model(&md, st_hw1, 24); /* the wire seeds' model: HW additive, one season */
	write_msg("model_hw_additive", 1, &md.base);
	fill_part(&parts[0], "hw_multiplicative", 24, 168, hw, 5, st_hw, sizeof(st_hw) / sizeof(double));
	for (unsigned i = 2; i < sizeof(st_hw) / sizeof(double); i++)
		st_hw[i] = 0.8 + 0.01 * (i % 40); /* multiplicative seasons are ratios */
	md.parts = pp;
	md.kind = "hw_multiplicative damped 24+168";
	write_msg("model_hw_multiplicative", 1, &md.base);
	fill_part(&parts[0], "sarima", 24, 0, ar, 7, st_ar, sizeof(st_ar) / sizeof(double));
	md.kind = "sarima(1,0,1)(0,1,1)24";
	write_msg("model_sarima", 1, &md.base);
	fill_part(&parts[1], "seasonal_naive", 24, 0, NULL, 0, st_sn, 24);
	md.n_parts = 2;
	md.kind = "mean(sarima(1,0,1)(0,1,1)24, seasonal_naive 24)";
	write_msg("model_mean_of_two", 1, &md.base);
	md.format = 1;
	write_msg("model_old_format", 1, &md.base);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: gen_seeds wire|store_values|time|model OUTDIR\n");
		return 2;
	}
	outdir = argv[2];
	if (mkdir(outdir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "gen_seeds: %s: %s\n", outdir, strerror(errno));
		return 1;
	}
	if (strcmp(argv[1], "wire") == 0) {
		node_messages();
		queries();
		responses();
		acks();
	} else if (strcmp(argv[1], "store_values") == 0) {
		store_values();
	} else if (strcmp(argv[1], "time") == 0) {
		times();
	} else if (strcmp(argv[1], "model") == 0) {
		models();
	} else {
		fprintf(stderr, "gen_seeds: unknown target %s\n", argv[1]);
		return 2;
	}
	return failed;
}
