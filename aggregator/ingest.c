/* DESIGN: one thread owns the socket and builds the writes. Each
 * ExportBatch becomes one RocksDB write batch: every interval is merged into
 * 1 s, 1 min and 1 h rows for its node and for the cluster (node 0), every
 * flow is put under its own key and indexed (flowidx.h), and the dedup
 * marker and node state ride in the same atomic write, so a crash either
 * stores all of a batch (and its marker) or none. The writer thread
 * applies a batch while this thread builds the next; a batch is
 * acknowledged once its write has landed, and the next is only handed
 * over after that, so writes stay in order. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "classify.h"
#include "dimacc.h"
#include "flowidx.h"
#include "ingest.h"
#include "node_list.h"
#include "sa_arena.h"
#include "retention.h"
#include "rowacc.h"
#include "sa_log.h"
#include "sa_time.h"
#include "sa_wire.h"
#include "schema.h"
#include "writer.h"

#define MAX_NODES NODE_LIST_MAX
#define POLL_MS 200
/* A batch holds up to ~1000 intervals: 4 one-second rows each plus the
 * minute and hour rows they share. Sketch sets cost ~0.4 MB each. */
#define ACC_ROWS 8192
#define ACC_SKETCH_ROWS 64
/* One-second points of tracked keys: 8 x 65 per interval from a capture
 * node (12 MB; dimacc_new needs room for one interval's worst case). */
#define ACC_DIM_POINTS (1 << 18)

struct node_state {
	uint32_t id;
	Sa__NodeInfo info;        /* counters; strings below */
	char hostname[128], port_name[256];
	uint64_t first_ns, last_ns;
	bool has_run;
	uint64_t run_id, run_end_ns; /* the latest run, and where its newest interval ends */
};

/* The batch the writer thread is storing: whom to acknowledge, and the
 * state of its node before it, restored if the write fails. */
struct inflight {
	uint8_t ident[256];       /* ZeroMQ routing ids are at most 255 bytes */
	size_t ident_len;
	uint64_t run, seq, flows, points;
	uint8_t marker[SCHEMA_MARKER_KEY_LEN];
	struct node_state *node;
	struct node_state saved;
	uint64_t newest_s, swept_h; /* the ingest's before this batch */
};

struct ingest {
	void *sock;
	struct tsdb *db;
	struct tsdb_batch *wb;    /* the batch being built */
	struct tsdb_batch *spare; /* the other one: in flight, or free */
	struct writer *writer;
	struct inflight flight;
	bool flying;
	struct rowacc *acc;
	struct dimacc *dims;
	struct classify *cls;
	struct flowidx_batch index; /* the batch's flow index entries */
	struct sa_arena *arena;   /* the message being handled */
	ProtobufCAllocator alloc; /* allocating from arena */
	pthread_t thread;
	atomic_bool stop;
	struct node_state *nodes;
	unsigned n_nodes;
	_Atomic uint64_t batches, duplicates, rejected, write_errors, flows, points;
	uint64_t started_ns;
	struct retention retention;
	uint64_t dedup_window_ns;
	uint64_t newest_s, swept_h; /* newest packet second stored; hour of the last sweep */
};

static void reply_to(struct ingest *in, const void *ident, size_t ident_len, uint64_t run, uint64_t seq,
		     int code, const char *msg)
{
	Sa__Ack a = SA__ACK__INIT;
	uint8_t *buf;

	a.has_run_id = a.has_seq = a.has_code = 1;
	a.run_id = run;
	a.seq = seq;
	a.code = (uint32_t)code;
	a.message = (char *)msg;
	size_t len = sa_wire_pack(&a.base, &buf);
	if (len == 0)
		return;
	zmq_send(in->sock, ident, ident_len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
	zmq_send(in->sock, buf, len, ZMQ_DONTWAIT);
	free(buf);
}

static void reply_code(struct ingest *in, zmq_msg_t *ident, uint64_t run, uint64_t seq,
		       int code, const char *msg)
{
	reply_to(in, zmq_msg_data(ident), zmq_msg_size(ident), run, seq, code, msg);
}

/* Puts a node's state back as it was before a batch that was not stored;
 * the latest heartbeat (memory it owns) stays. */
static void node_restore(struct node_state *n, const struct node_state *saved)
{
	Sa__Heartbeat *hb = n->info.last_heartbeat;

	*n = *saved;
	n->info.last_heartbeat = hb;
}

/* Waits for the batch in flight (if any) to land and acknowledges it. If
 * its write failed, it is not acknowledged (the node resends it), and the
 * node state it changed is restored, after undo_node's, when the caller
 * built on top of it (restored first, as it was changed last), as are the
 * newest time seen and the hour of the last retention sweep (so a sweep
 * in a lost write is made again). Returns the write's result. */
static int settle(struct ingest *in, struct node_state *undo_node, const struct node_state *undo_saved)
{
	struct inflight *f = &in->flight;

	if (!in->flying)
		return 0;
	int rc = writer_wait(in->writer);
	in->flying = false;
	if (rc != 0) {
		if (undo_node != NULL)
			node_restore(undo_node, undo_saved);
		node_restore(f->node, &f->saved);
		in->newest_s = f->newest_s;
		in->swept_h = f->swept_h;
		in->write_errors++;
		SA_LOG_RL(SA_LOG_ERR, "ingest", "cannot store batch %llu (see the store's error): not "
			  "acknowledged, the node keeps it and sends it again", (unsigned long long)f->seq);
		return rc;
	}
	in->batches++;
	in->flows += f->flows;
	in->points += f->points;
	reply_to(in, f->ident, f->ident_len, f->run, f->seq, SA_OK, NULL);
	return 0;
}

/* Hands the built batch to the writer; the spare becomes the next to build. */
static void submit(struct ingest *in, zmq_msg_t *ident, const Sa__ExportBatch *b, struct node_state *n,
		   const struct node_state *saved, const uint8_t marker[SCHEMA_MARKER_KEY_LEN])
{
	struct inflight *f = &in->flight;

	f->ident_len = zmq_msg_size(ident) < sizeof(f->ident) ? zmq_msg_size(ident) : sizeof(f->ident);
	memcpy(f->ident, zmq_msg_data(ident), f->ident_len);
	f->run = b->run_id;
	f->seq = b->seq;
	f->flows = b->n_flows;
	f->points = 0;
	for (size_t i = 0; i < b->n_intervals; i++)
		f->points += b->intervals[i]->n_counters + SCHEMA_HIST_LEN;
	memcpy(f->marker, marker, SCHEMA_MARKER_KEY_LEN);
	f->node = n;
	f->saved = *saved;
	writer_submit(in->writer, in->wb);
	struct tsdb_batch *next = in->spare;
	in->spare = in->wb;
	in->wb = next;
	in->flying = true;
}

/* The node's state, loaded from the store the first time it is seen. */
static struct node_state *node_get(struct ingest *in, uint32_t id)
{
	uint8_t key[SCHEMA_NODE_KEY_LEN];
	char *val;
	size_t vlen;

	for (unsigned i = 0; i < in->n_nodes; i++)
		if (in->nodes[i].id == id)
			return &in->nodes[i];
	if (in->n_nodes == MAX_NODES)
		return NULL;
	struct node_state *n = &in->nodes[in->n_nodes++];
	memset(n, 0, sizeof(*n));
	n->id = id;
	sa__node_info__init(&n->info);
	schema_node_key(key, 'n', id);
	if (tsdb_get(in->db, TSDB_INGEST, key, sizeof(key), &val, &vlen) == 0) {
		Sa__NodeInfo *old = sa__node_info__unpack(NULL, vlen, (const uint8_t *)val);
		if (old != NULL) {
			n->info.batches = old->batches;
			n->info.duplicates = old->duplicates;
			n->info.flows = old->flows;
			n->info.intervals = old->intervals;
			snprintf(n->hostname, sizeof(n->hostname), "%s", old->hostname ? old->hostname : "");
			snprintf(n->port_name, sizeof(n->port_name), "%s", old->port_name ? old->port_name : "");
			sa__node_info__free_unpacked(old, NULL);
		}
		free(val);
	}
	schema_node_key(key, 'e', id);
	if (tsdb_get(in->db, TSDB_INGEST, key, sizeof(key), &val, &vlen) == 0) {
		uint64_t ext[2] = {0, 0};
		if (schema_u64s_decode((const uint8_t *)val, vlen, ext, 2) == 2) {
			n->first_ns = ext[0];
			n->last_ns = ext[1];
		}
		free(val);
	}
	schema_node_key(key, 'r', id);
	if (tsdb_get(in->db, TSDB_INGEST, key, sizeof(key), &val, &vlen) == 0) {
		uint64_t run[2];
		if (schema_u64s_decode((const uint8_t *)val, vlen, run, 2) == 2) {
			n->has_run = true;
			n->run_id = run[0];
			n->run_end_ns = run[1];
		}
		free(val);
	}
	return n;
}

/* Puts the node's info and extent into the write batch. */
static void node_save(struct ingest *in, struct node_state *n)
{
	uint8_t key[SCHEMA_NODE_KEY_LEN], ext[16];
	uint8_t *buf;
	size_t len;

	n->info.has_node_id = n->info.has_batches = n->info.has_duplicates = 1;
	n->info.has_flows = n->info.has_intervals = n->info.has_last_seen_ns = 1;
	n->info.node_id = n->id;
	n->info.last_seen_ns = sa_wall_ns();
	n->info.hostname = n->hostname;
	n->info.port_name = n->port_name;
	len = sa_wire_pack(&n->info.base, &buf);
	if (len) {
		schema_node_key(key, 'n', n->id);
		tsdb_batch_put(in->wb, in->db, TSDB_INGEST, key, sizeof(key), buf, len);
		free(buf);
	}
	if (n->last_ns) {
		uint64_t e[2] = {n->first_ns, n->last_ns};
		schema_u64s_encode(ext, e, 2);
		schema_node_key(key, 'e', n->id);
		tsdb_batch_put(in->wb, in->db, TSDB_INGEST, key, sizeof(key), ext, sizeof(ext));
	}
	if (n->has_run) {
		uint64_t run[2] = {n->run_id, n->run_end_ns};
		schema_u64s_encode(ext, run, 2);
		schema_node_key(key, 'r', n->id);
		tsdb_batch_put(in->wb, in->db, TSDB_INGEST, key, sizeof(key), ext, sizeof(ext));
	}
}

/* A node that was down is silent, and so is an idle link: only the runs
 * tell them apart. A run is one life of a capture process, capturing all
 * along, so when a new run's first interval starts after where the
 * latest run's newest one ended, the time between is stored as a gap,
 * which answers give no value (answer_coverage). A batch of another run
 * that ends no later than the latest run (a late one of an older run, or
 * an old capture sent again) changes nothing; one that reaches past it
 * becomes the latest run, with a gap only if it starts after. */
static void note_run(struct ingest *in, struct node_state *n, const Sa__ExportBatch *b)
{
	uint64_t first = UINT64_MAX, end = 0;

	for (size_t i = 0; i < b->n_intervals; i++) {
		uint64_t s = b->intervals[i]->start_ns;
		uint64_t e = s < UINT64_MAX - SA_NS_PER_S ? s + SA_NS_PER_S : UINT64_MAX;
		if (s < first)
			first = s;
		if (e > end)
			end = e;
	}
	if (first == UINT64_MAX)
		return;
	if (n->has_run && b->run_id != n->run_id) {
		if (end <= n->run_end_ns)
			return;
		uint8_t key[SCHEMA_GAP_KEY_LEN], to[8];
		schema_gap_key(key, n->id, n->run_end_ns);
		schema_u64s_encode(to, &first, 1);
		if (first > n->run_end_ns)
			tsdb_batch_put(in->wb, in->db, TSDB_INGEST, key, sizeof(key), to, sizeof(to));
		n->run_end_ns = 0;
	}
	n->has_run = true;
	n->run_id = b->run_id;
	if (end > n->run_end_ns)
		n->run_end_ns = end;
}

/* Adds v to the rows of every resolution from min_res up, for the node and
 * for the cluster; when the accumulator is full it is flushed into the
 * write batch first. Returns 0 or a negative errno. */
static int add_rows(struct ingest *in, enum tsdb_cf cf, unsigned min_res, uint32_t node,
		    uint64_t t_s, const uint64_t *v, size_t n)
{
	uint8_t key[SCHEMA_TIME_KEY_LEN];
	const uint32_t nodes[2] = {node, SCHEMA_NODE_ALL};
	int rc;

	for (unsigned r = min_res; r < RES_COUNT; r++)
		for (unsigned k = 0; k < 2; k++) {
			schema_time_key(key, r, nodes[k], t_s - t_s % schema_res_seconds[r]);
			if (rowacc_add(in->acc, cf, key, v, n) == 0)
				continue;
			if ((rc = rowacc_flush(in->acc, in->wb, in->db)) != 0 ||
			    (rc = rowacc_add(in->acc, cf, key, v, n)) != 0)
				return rc;
		}
	return 0;
}

/* Sketches are kept per minute and hour only: per-second rows would cost
 * more than everything else together. */
static int add_sketch_rows(struct ingest *in, uint32_t node, uint64_t t_s, const Sa__IntervalStats *iv)
{
	int rc;

	if (rowacc_add_sketches(in->acc, node, t_s, iv) == 0)
		return 0;
	if ((rc = rowacc_flush(in->acc, in->wb, in->db)) != 0)
		return rc;
	return rowacc_add_sketches(in->acc, node, t_s, iv);
}

static int add_dims(struct ingest *in, uint32_t node, uint64_t t_s, const Sa__IntervalStats *iv)
{
	int rc = dimacc_add(in->dims, in->db, node, t_s, iv);

	if (rc != -ENOSPC)
		return rc;
	if ((rc = dimacc_flush(in->dims, in->wb, in->db)) != 0)
		return rc;
	return dimacc_add(in->dims, in->db, node, t_s, iv);
}

/* Returns 0 or a negative errno (the batch must then not be stored). */
/* Widens the node's stored time range (its extent) to [first, last]. */
static void extend(struct node_state *n, uint64_t first_ns, uint64_t last_ns)
{
	if (n->first_ns == 0 || first_ns < n->first_ns)
		n->first_ns = first_ns;
	if (last_ns > n->last_ns)
		n->last_ns = last_ns;
}

static int store_interval(struct ingest *in, struct node_state *n, const Sa__IntervalStats *iv)
{
	uint64_t t_s = iv->start_ns / SA_NS_PER_S;
	uint64_t hist[SCHEMA_HIST_LEN] = {0};
	int rc;

	memcpy(hist, iv->size_hist, iv->n_size_hist * 8);
	memcpy(hist + SCHEMA_HIST_IAT, iv->iat_hist, iv->n_iat_hist * 8);
	memcpy(hist + SCHEMA_HIST_RTT, iv->rtt_hist, iv->n_rtt_hist * 8);
	if ((rc = add_rows(in, TSDB_SERIES, RES_1S, n->id, t_s, iv->counters, iv->n_counters)) != 0 ||
	    (rc = add_rows(in, TSDB_HIST, RES_1S, n->id, t_s, hist, SCHEMA_HIST_LEN)) != 0 ||
	    (rc = add_sketch_rows(in, n->id, t_s, iv)) != 0 || (rc = add_dims(in, n->id, t_s, iv)) != 0)
		return rc;
	if (iv->last_ns)
		extend(n, iv->first_ns, iv->last_ns);
	return 0;
}

/* Keeps a node's latest status (port counters, ledger totals) in memory;
 * it is saved with the node's next batch. */
static void status_keep(struct node_state *n, const Sa__Heartbeat *hb)
{
	if (n->info.last_heartbeat == NULL &&
	    (n->info.last_heartbeat = malloc(sizeof(Sa__Heartbeat))) == NULL)
		return;
	*n->info.last_heartbeat = *hb; /* scalars only */
	n->info.last_heartbeat->base.unknown_fields = NULL;
	n->info.last_heartbeat->base.n_unknown_fields = 0;
}

static void on_heartbeat(struct ingest *in, const Sa__Heartbeat *hb)
{
	struct node_state *n = node_get(in, hb->node_id);

	if (n != NULL)
		status_keep(n, hb);
}

/* Scores the batch's flows (classify.h) and writes their class rows. */
static int classify_batch(struct ingest *in, Sa__ExportBatch *b)
{
	size_t scored = 0, done;
	int rc;

	while ((rc = classify_flows(in->cls, in->db, in->dims, b->node_id, b->flows + scored, b->n_flows - scored,
				    &done)) == -ENOSPC) {
		scored += done;
		if (dimacc_flush(in->dims, in->wb, in->db) != 0)
			return -EINVAL;
	}
	return dimacc_flush(in->dims, in->wb, in->db) != 0 ? -EINVAL : rc;
}

static void store_batch(struct ingest *in, zmq_msg_t *ident, Sa__ExportBatch *b)
{
	uint8_t marker[SCHEMA_MARKER_KEY_LEN], key[SCHEMA_FLOW_KEY_LEN];
	struct node_state *n = node_get(in, b->node_id);
	char *val;
	size_t vlen;

	if (n == NULL) {
		reply_code(in, ident, b->run_id, b->seq, SA_ERR_LIMIT, "too many nodes");
		return;
	}
	schema_marker_key(marker, b->node_id, b->run_id, b->seq);
	/* A resend of the batch in flight: whether it is stored shows once it lands. */
	if (in->flying && memcmp(in->flight.marker, marker, sizeof(marker)) == 0)
		settle(in, NULL, NULL);
	int rc = tsdb_get(in->db, TSDB_INGEST, marker, sizeof(marker), &val, &vlen);
	if (rc == 0) {
		free(val);
		n->info.duplicates++;
		in->duplicates++;
		reply_code(in, ident, b->run_id, b->seq, SA_OK, "already stored");
		return;
	}
	if (rc != -ENOENT)
		return; /* store unreadable: no ack, the node resends */
	const struct node_state saved = *n;
	const uint64_t newest_s = in->newest_s, swept_h = in->swept_h;
	tsdb_batch_clear(in->wb);
	note_run(in, n, b);
	rc = 0;
	for (size_t i = 0; i < b->n_intervals && rc == 0; i++)
		rc = store_interval(in, n, b->intervals[i]);
	/* Flushed even after a failure: that empties the accumulators. */
	int rows_rc = rowacc_flush(in->acc, in->wb, in->db), dims_rc = dimacc_flush(in->dims, in->wb, in->db);
	if (rc == 0 && dims_rc == 0)
		dims_rc = classify_batch(in, b);
	for (size_t i = 0; i < b->n_flows && rc == 0; i++) {
		uint64_t last;
		uint8_t *packed;
		size_t len = sa_wire_pack(&b->flows[i]->base, &packed);
		if (len == 0) {
			rc = -ENOMEM;
			break;
		}
		uint64_t first = sa_flow_span(b->flows[i], &last);
		schema_flow_key(key, first, b->node_id, b->run_id, b->seq, (uint32_t)i);
		tsdb_batch_put(in->wb, in->db, TSDB_FLOWS, key, sizeof(key), packed, len);
		free(packed);
		rc = flowidx_add_flow(&in->index, b->flows[i], first, b->node_id, b->run_id, b->seq, (uint32_t)i);
		if (b->n_intervals == 0 && last)
			extend(n, first, last);
	}
	/* Flushed even after a failure: that empties it. */
	int index_rc = flowidx_flush(&in->index, in->wb, in->db);
	if (rows_rc != 0 || dims_rc != 0 || index_rc != 0 || rc != 0) {
		node_restore(n, &saved);
		return; /* out of memory: no ack, the node resends */
	}
	/* Only intervals move retention's clock: an imported log's (or a
	 * bad record's) times must not expire the live data. */
	if (b->n_intervals && n->last_ns / SA_NS_PER_S > in->newest_s)
		in->newest_s = n->last_ns / SA_NS_PER_S;
	if (retention_due(in->newest_s, &in->swept_h))
		retention_sweep(&in->retention, in->swept_h * 3600, in->db, in->wb);
	uint8_t stored[8];
	schema_u64s_encode(stored, &(uint64_t){sa_wall_ns()}, 1);
	tsdb_batch_put(in->wb, in->db, TSDB_INGEST, marker, sizeof(marker), stored, sizeof(stored));
	if (b->status != NULL)
		status_keep(n, b->status);
	n->info.batches++;
	n->info.flows += b->n_flows;
	n->info.intervals += b->n_intervals;
	node_save(in, n);
	/* This batch was built on the one in flight: if that one fails, so
	 * does this (both are resent). */
	if (settle(in, n, &saved) != 0)
		return; /* settle restored the ingest's times to before the failed batch */
	submit(in, ident, b, n, &saved, marker);
	in->flight.newest_s = newest_s;
	in->flight.swept_h = swept_h;
}

static void on_hello(struct ingest *in, const Sa__Hello *h)
{
	struct node_state *n = node_get(in, h->node_id);

	if (n == NULL)
		return;
	/* First the batch in flight: its fate decides the counters saved here,
	 * and a failure must not undo this hello. */
	settle(in, NULL, NULL);
	snprintf(n->hostname, sizeof(n->hostname), "%s", h->hostname ? h->hostname : "");
	snprintf(n->port_name, sizeof(n->port_name), "%s", h->port_name ? h->port_name : "");
	n->info.has_run_id = 1;
	n->info.run_id = h->run_id;
	sa_log(SA_LOG_INFO, "ingest", "node %u (%s) says hello, reading %s", h->node_id, n->hostname,
	       n->port_name);
	tsdb_batch_clear(in->wb);
	node_save(in, n);
	tsdb_write(in->db, in->wb);
}

static void handle(struct ingest *in, zmq_msg_t *ident, const uint8_t *buf, size_t len)
{
	const char *why = NULL;
	int code = 0;
	Sa__NodeMessage *m;

	/* One message at a time: its unpacked form lives in the arena until the next. */
	sa_arena_reset(in->arena);
	m = sa_wire_node_unpack(&in->alloc, buf, len, &why, &code);
	if (m == NULL) {
		uint64_t run = 0, seq = 0;
		in->rejected++;
		SA_LOG_RL(SA_LOG_WARN, "ingest", "rejected a %zu-byte message: %s", len, why);
		/* Name the refused batch when it decodes at all, so the node can
		 * drop it from its spool instead of resending it forever. */
		Sa__NodeMessage *raw = code != SA_ERR_DECODE && code != SA_ERR_LIMIT
					       ? sa__node_message__unpack(NULL, len, buf) : NULL;
		if (raw != NULL && raw->body_case == SA__NODE_MESSAGE__BODY_BATCH) {
			run = raw->batch->run_id;
			seq = raw->batch->seq;
		}
		if (raw != NULL)
			sa__node_message__free_unpacked(raw, NULL);
		reply_code(in, ident, run, seq, code, why);
		return;
	}
	switch (m->body_case) {
	case SA__NODE_MESSAGE__BODY_BATCH:
		store_batch(in, ident, m->batch);
		break;
	case SA__NODE_MESSAGE__BODY_HELLO:
		on_hello(in, m->hello);
		break;
	case SA__NODE_MESSAGE__BODY_HEARTBEAT:
		on_heartbeat(in, m->heartbeat);
		break;
	default:
		break;
	}
}

static void *ingest_main(void *arg)
{
	struct ingest *in = arg;
	zmq_pollitem_t it[2] = {{.socket = in->sock, .events = ZMQ_POLLIN},
				{.fd = writer_fd(in->writer), .events = ZMQ_POLLIN}};

	while (!atomic_load(&in->stop)) {
		/* Markers older than the window go at compaction. */
		uint64_t now = sa_wall_ns();
		tsdb_set_expiry(in->db, TSDB_INGEST, now > in->dedup_window_ns ? now - in->dedup_window_ns : 0);
		if (zmq_poll(it, 2, POLL_MS) <= 0)
			continue;
		if (it[1].revents & ZMQ_POLLIN)
			settle(in, NULL, NULL);
		for (;;) {
			zmq_msg_t ident, body;
			int more;
			size_t more_len = sizeof(more);
			zmq_msg_init(&ident);
			if (zmq_msg_recv(&ident, in->sock, ZMQ_DONTWAIT) < 0) {
				zmq_msg_close(&ident);
				break;
			}
			zmq_msg_init(&body);
			int got = zmq_msg_recv(&body, in->sock, ZMQ_DONTWAIT);
			zmq_getsockopt(in->sock, ZMQ_RCVMORE, &more, &more_len);
			if (got >= 0 && !more) {
				handle(in, &ident, zmq_msg_data(&body), zmq_msg_size(&body));
			} else {
				/* Extra frames: not our protocol. Drain and refuse. */
				while (more && zmq_msg_recv(&body, in->sock, ZMQ_DONTWAIT) >= 0)
					zmq_getsockopt(in->sock, ZMQ_RCVMORE, &more, &more_len);
				in->rejected++;
				SA_LOG_RL(SA_LOG_WARN, "ingest", "rejected a multi-frame message");
				reply_code(in, &ident, 0, 0, SA_ERR_DECODE, "one frame per message");
			}
			zmq_msg_close(&body);
			zmq_msg_close(&ident);
		}
	}
	settle(in, NULL, NULL);
	return NULL;
}

struct ingest *ingest_start(void *zctx, const char *endpoint, struct tsdb *db,
			    const struct ingest_conf *conf)
{
	struct ingest *in = calloc(1, sizeof(*in));
	int zero = 0;
	int64_t maxmsg = SA_WIRE_MAX_MSG;

	if (in == NULL)
		return NULL;
	in->db = db;
	in->retention = conf->retention;
	in->dedup_window_ns = conf->dedup_window_s * SA_NS_PER_S;
	in->started_ns = sa_wall_ns();
	in->wb = tsdb_batch_new();
	in->spare = tsdb_batch_new();
	in->writer = writer_start(db);
	in->acc = rowacc_new(ACC_ROWS, ACC_SKETCH_ROWS);
	in->dims = dimacc_new(conf->track_cap, ACC_DIM_POINTS);
	in->cls = classify_new();
	in->arena = sa_arena_new(1 << 20);
	in->alloc = sa_wire_arena_allocator(in->arena);
	in->nodes = calloc(MAX_NODES, sizeof(*in->nodes));
	in->sock = zmq_socket(zctx, ZMQ_ROUTER);
	if (in->wb == NULL || in->spare == NULL || in->writer == NULL || in->acc == NULL || in->dims == NULL || in->cls == NULL || in->arena == NULL || in->nodes == NULL || in->sock == NULL)
		goto fail;
	zmq_setsockopt(in->sock, ZMQ_LINGER, &zero, sizeof(zero));
	/* libzmq drops the peer of an oversized message before we read it. */
	zmq_setsockopt(in->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
	if (zmq_bind(in->sock, endpoint) != 0) {
		sa_log(SA_LOG_ERR, "ingest", "cannot bind %s: %s", endpoint, zmq_strerror(errno));
		goto fail;
	}
	if (pthread_create(&in->thread, NULL, ingest_main, in) != 0)
		goto fail;
	return in;
fail:
	if (in->sock)
		zmq_close(in->sock);
	writer_stop(&in->writer);
	tsdb_batch_destroy(&in->wb);
	tsdb_batch_destroy(&in->spare);
	rowacc_destroy(&in->acc);
	dimacc_destroy(&in->dims);
	flowidx_batch_free(&in->index);
	classify_destroy(&in->cls);
	sa_arena_destroy(&in->arena);
	free(in->nodes);
	free(in);
	return NULL;
}

void ingest_stop(struct ingest **inp)
{
	struct ingest *in = *inp;

	if (in == NULL)
		return;
	atomic_store(&in->stop, true);
	pthread_join(in->thread, NULL);
	zmq_close(in->sock);
	writer_stop(&in->writer);
	tsdb_batch_destroy(&in->wb);
	tsdb_batch_destroy(&in->spare);
	rowacc_destroy(&in->acc);
	dimacc_destroy(&in->dims);
	flowidx_batch_free(&in->index);
	classify_destroy(&in->cls);
	sa_arena_destroy(&in->arena);
	for (unsigned i = 0; i < in->n_nodes; i++)
		free(in->nodes[i].info.last_heartbeat);
	free(in->nodes);
	free(in);
	*inp = NULL;
}

void ingest_stats_get(struct ingest *in, struct ingest_stats *st)
{
	st->batches = in->batches;
	st->duplicates = in->duplicates;
	st->rejected = in->rejected;
	st->write_errors = in->write_errors;
	st->flows = in->flows;
	st->points = in->points;
	st->started_ns = in->started_ns;
}
