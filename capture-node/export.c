/* DESIGN: the exporter converts handoff objects into protobuf structures
 * allocated from a per-batch arena as soon as it dequeues them, so interval
 * objects and flow objects go straight back to their worker. A sealed batch
 * is packed once; the packed bytes are what the spool keeps and resends.
 * When the spool is full the exporter stops draining the rings: workers then
 * wait (file input) or count ring-full losses (live input). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include <rte_ethdev.h>
#include <rte_log.h>

#include "export.h"
#include "model_watch.h"
#include "sa_arena.h"
#include "sa_time.h"
#include "sa_wire.h"
#include "spool.h"

#define RTE_LOGTYPE_SA_EXPORT RTE_LOGTYPE_USER3
#define DRAIN_BURST 64
#define HEARTBEAT_NS (1 * SA_NS_PER_S)
#define HELLO_EVERY 10 /* heartbeats */

struct exporter {
	struct exporter_conf conf;
	struct worker *workers;
	unsigned n_workers, eofs;
	bool *eof_seen;
	bool last_sealed;
	bool greeted;
	bool workers_idle;          /* the last poll found the rings empty */
	uint64_t resend_floor;      /* monotonic time of the last resend round */
	struct rte_eth_stats port_seen; /* port counters at the last heartbeat */
	uint64_t spool_full_polls;  /* polls that found the spool full with records waiting */
	/* Ledger deltas not yet charged to an exported interval. */
	uint64_t pending[4];        /* nic_missed, nic_errors, nic_nombuf, spool_full */
	uint64_t last_iv_ns;        /* start of the last interval exported */               /* an ack arrived, so a hello sent before it got through */
	void *zctx, *sock;
	struct spool *spool;
	struct sa_arena *arena;
	Sa__FlowRecord **flows;
	size_t n_flows;
	Sa__IntervalStats **ivs;
	size_t n_ivs;
	uint64_t seq;
	uint64_t batch_t0;          /* monotonic time the open batch got its first item */
	uint64_t next_hb, hb_count;
	struct sa_topk_entry top_scratch[HANDOFF_TOP_CAPACITY];
	struct exporter_stats st;
	struct model_watch *models; /* NULL without --models */
};

static void send_node_message(struct exporter *ex, const Sa__NodeMessage *m)
{
	uint8_t *buf;
	size_t len = sa_wire_pack(&m->base, &buf);

	if (len == 0)
		return;
	/* Best effort: hello/heartbeat are refreshed periodically anyway. */
	zmq_send(ex->sock, buf, len, ZMQ_DONTWAIT);
	free(buf);
}

static void send_hello(struct exporter *ex)
{
	Sa__Hello h = SA__HELLO__INIT;
	Sa__NodeMessage m = SA__NODE_MESSAGE__INIT;
	char host[256] = "";

	gethostname(host, sizeof(host) - 1);
	h.has_schema_version = h.has_node_id = h.has_run_id = 1;
	h.schema_version = SA_SCHEMA_VERSION;
	h.node_id = ex->conf.node_id;
	h.run_id = ex->conf.run_id;
	h.hostname = host;
	h.port_name = (char *)ex->conf.port_name;
	h.config = (char *)ex->conf.config_text;
	m.body_case = SA__NODE_MESSAGE__BODY_HELLO;
	m.hello = &h;
	send_node_message(ex, &m);
}

/* The node's status now: port counters and the ledger's run totals. Also
 * moves the port's new losses into the pending per-second ledger. */
static void status_fill(struct exporter *ex, Sa__Heartbeat *hb)
{
	struct rte_eth_stats es;

	memset(&es, 0, sizeof(es));
	rte_eth_stats_get(ex->conf.port_id, &es);
	ex->pending[0] += es.imissed - ex->port_seen.imissed;
	ex->pending[1] += es.ierrors - ex->port_seen.ierrors;
	ex->pending[2] += es.rx_nombuf - ex->port_seen.rx_nombuf;
	ex->port_seen = es;
	sa__heartbeat__init(hb);
	for (unsigned w = 0; w < ex->n_workers; w++) {
		hb->ring_full += __atomic_load_n(&ex->workers[w].total_ring_full, __ATOMIC_RELAXED);
		hb->flow_evictions += __atomic_load_n(&ex->workers[w].total_evictions, __ATOMIC_RELAXED);
		hb->parse_errors += __atomic_load_n(&ex->workers[w].total_parse_errors, __ATOMIC_RELAXED);
	}
	hb->has_ring_full = hb->has_flow_evictions = hb->has_parse_errors = hb->has_spool_full = 1;
	hb->spool_full = ex->spool_full_polls;
	hb->has_node_id = hb->has_run_id = hb->has_rx_packets = hb->has_rx_missed = 1;
	hb->has_rx_nombuf = hb->has_rx_errors = hb->has_unacked_batches = 1;
	hb->node_id = ex->conf.node_id;
	hb->run_id = ex->conf.run_id;
	hb->rx_packets = es.ipackets;
	hb->rx_missed = es.imissed;
	hb->rx_nombuf = es.rx_nombuf;
	hb->rx_errors = es.ierrors;
	hb->unacked_batches = spool_count(ex->spool);
}

/* Best effort (dropped while disconnected): every batch carries the same
 * status reliably; heartbeats keep an idle node's status fresh. */
static void send_heartbeat(struct exporter *ex)
{
	Sa__Heartbeat hb;
	Sa__NodeMessage m = SA__NODE_MESSAGE__INIT;

	status_fill(ex, &hb);
	m.body_case = SA__NODE_MESSAGE__BODY_HEARTBEAT;
	m.heartbeat = &hb;
	send_node_message(ex, &m);
}

struct exporter *exporter_new(const struct exporter_conf *conf, struct worker *workers, unsigned n)
{
	struct exporter *ex = calloc(1, sizeof(*ex));
	int zero = 0, one = 1, ivl = 100;

	if (ex == NULL)
		return NULL;
	ex->conf = *conf;
	ex->workers = workers;
	ex->n_workers = n;
	ex->eof_seen = calloc(n, sizeof(bool));
	ex->spool = spool_new(conf->spool_batches);
	ex->arena = sa_arena_new(1 << 20);
	ex->flows = calloc(conf->batch_flows, sizeof(*ex->flows));
	ex->ivs = calloc(conf->batch_intervals, sizeof(*ex->ivs));
	ex->zctx = zmq_ctx_new();
	if (ex->eof_seen == NULL || ex->spool == NULL || ex->arena == NULL || ex->flows == NULL ||
	    ex->ivs == NULL || ex->zctx == NULL)
		goto fail;
	ex->sock = zmq_socket(ex->zctx, ZMQ_DEALER);
	if (ex->sock == NULL)
		goto fail;
	zmq_setsockopt(ex->sock, ZMQ_LINGER, &zero, sizeof(zero));
	/* Queue nothing on a connection that is not up: the spool owns resends. */
	zmq_setsockopt(ex->sock, ZMQ_IMMEDIATE, &one, sizeof(one));
	zmq_setsockopt(ex->sock, ZMQ_RECONNECT_IVL, &ivl, sizeof(ivl));
	if (zmq_connect(ex->sock, conf->endpoint) != 0) {
		RTE_LOG(ERR, SA_EXPORT, "cannot connect to %s: %s\n", conf->endpoint, zmq_strerror(errno));
		goto fail;
	}
	if (conf->models_endpoint &&
	    (ex->models = model_watch_new(ex->zctx, conf->models_endpoint, conf->node_id)) == NULL)
		goto fail;
	send_hello(ex);
	return ex;
fail:
	exporter_destroy(&ex);
	return NULL;
}

void exporter_destroy(struct exporter **exp)
{
	struct exporter *ex = *exp;

	if (ex == NULL)
		return;
	if (ex->sock)
		zmq_close(ex->sock);
	model_watch_destroy(&ex->models);
	if (ex->zctx)
		zmq_ctx_term(ex->zctx);
	spool_destroy(&ex->spool);
	sa_arena_destroy(&ex->arena);
	free(ex->flows);
	free(ex->ivs);
	free(ex->eof_seen);
	free(ex);
	*exp = NULL;
}

static Sa__DirStats *dir_to_pb(struct sa_arena *a, const struct flow_dir *d)
{
	Sa__DirStats *p = sa_arena_alloc(a, sizeof(*p));
	double n = (double)d->packets, gaps = n - 1;

	sa__dir_stats__init(p);
	if (d->packets == 0)
		return p;
	p->has_packets = p->has_bytes = p->has_first_ns = p->has_last_ns = p->has_tcp_flags = 1;
	p->has_size_min = p->has_size_max = p->has_size_mean = p->has_size_var = 1;
	p->packets = d->packets;
	p->bytes = d->bytes;
	p->first_ns = d->first_ns;
	p->last_ns = d->last_ns;
	p->tcp_flags = d->tcp_flags;
	p->size_min = d->size_min;
	p->size_max = d->size_max;
	p->size_mean = (double)d->bytes / n;
	p->size_var = (double)d->size_sumsq / n - p->size_mean * p->size_mean;
	if (p->size_var < 0)
		p->size_var = 0; /* rounding */
	if (gaps > 0) {
		p->has_iat_min_ns = p->has_iat_max_ns = p->has_iat_mean_ns = p->has_iat_var_ns2 = 1;
		p->iat_min_ns = d->iat_min_ns;
		p->iat_max_ns = d->iat_max_ns;
		p->iat_mean_ns = d->iat_sum_ns / gaps;
		/* From the deviations flowtab sums, not sumsq / n - mean^2,
		 * which cancels badly for steady gaps. */
		p->iat_var_ns2 = d->iat_m2_ns2 / gaps;
	}
	p->has_retransmissions = p->has_seq_gaps = p->has_icmp_error = 1;
	p->retransmissions = d->retrans;
	p->seq_gaps = d->seq_gaps;
	p->icmp_error = d->icmp_error;
	return p;
}

_Static_assert(FLOWFEAT_FIRST_MAX <= SA_WIRE_FIRST_MAX, "a record's first packets must pass the wire check");

/* A TCP direction's segments per flag (FIN SYN RST PSH ACK URG); none for
 * a direction that sent nothing. */
static void tcp_flag_counts(struct sa_arena *a, Sa__DirStats *p, const struct flow_dir *d)
{
	if (d->packets == 0 || (p->tcp_flag_counts = sa_arena_alloc(a, FLOWFEAT_FLAGS * sizeof(uint32_t))) == NULL)
		return;
	p->n_tcp_flag_counts = FLOWFEAT_FLAGS;
	for (unsigned i = 0; i < FLOWFEAT_FLAGS; i++)
		p->tcp_flag_counts[i] = d->flag_count[i];
}

static void add_flow(struct exporter *ex, const struct worker *wk, const struct handoff_flow *hf)
{
	const struct flow_record *f = &hf->f;
	Sa__FlowRecord *r = sa_arena_alloc(ex->arena, sizeof(*r));
	unsigned alen = f->key.ip_version == 4 ? 4 : 16;
	unsigned a = f->initiator, b = !a; /* side A is the initiator */
	uint8_t *addrs = sa_arena_alloc(ex->arena, 32);

	sa__flow_record__init(r);
	memcpy(addrs, a == 0 ? f->key.addr_lo : f->key.addr_hi, alen);
	memcpy(addrs + 16, a == 0 ? f->key.addr_hi : f->key.addr_lo, alen);
	r->has_addr_a = r->has_addr_b = r->has_port_a = r->has_port_b = 1;
	r->has_proto = r->has_ip_version = r->has_vlan = r->has_end_reason = 1;
	r->addr_a = (ProtobufCBinaryData){alen, addrs};
	r->addr_b = (ProtobufCBinaryData){alen, addrs + 16};
	r->port_a = a == 0 ? f->key.port_lo : f->key.port_hi;
	r->port_b = a == 0 ? f->key.port_hi : f->key.port_lo;
	r->proto = f->key.proto;
	r->ip_version = f->key.ip_version;
	r->vlan = f->key.vlan;
	r->a_to_b = dir_to_pb(ex->arena, &f->dir[a]);
	r->b_to_a = dir_to_pb(ex->arena, &f->dir[b]);
	r->has_rtt_syn_synack_ns = r->has_rtt_synack_ack_ns = r->has_l4_incomplete = 1;
	r->rtt_syn_synack_ns = f->rtt_syn_synack_ns;
	r->rtt_synack_ack_ns = f->rtt_synack_ack_ns;
	r->end_reason = (Sa__EndReason)f->end;
	r->l4_incomplete = f->l4_incomplete;
	r->n_first_sizes = r->n_first_gaps_ns = f->n_first;
	r->first_sizes = sa_arena_alloc(ex->arena, f->n_first * sizeof(*r->first_sizes));
	r->first_gaps_ns = sa_arena_alloc(ex->arena, f->n_first * sizeof(*r->first_gaps_ns));
	for (unsigned k = 0; k < f->n_first; k++) {
		r->first_sizes[k] = f->first_dir[k] == a ? f->first_size[k] : -(int32_t)f->first_size[k];
		r->first_gaps_ns[k] = f->first_gap_ns[k];
	}
	if (f->key.proto == 6) { /* TCP */
		tcp_flag_counts(ex->arena, r->a_to_b, &f->dir[a]);
		tcp_flag_counts(ex->arena, r->b_to_a, &f->dir[b]);
	}
	if (f->tun_type != PKT_TUN_NONE) {
		unsigned tlen = f->tun_l3 == PKT_L3_IPV4 ? 4 : 16;
		uint8_t *ends = sa_arena_alloc(ex->arena, 32);
		memcpy(ends, f->tun_src, tlen);
		memcpy(ends + 16, f->tun_dst, tlen);
		r->has_tunnel_type = r->has_tunnel_src = r->has_tunnel_dst = 1;
		r->tunnel_type = (Sa__TunnelType)f->tun_type;
		r->tunnel_src = (ProtobufCBinaryData){tlen, ends};
		r->tunnel_dst = (ProtobufCBinaryData){tlen, ends + 16};
		r->has_tunnel_id = (f->tun_flags & PKT_TF_ID) != 0;
		r->tunnel_id = f->tun_id;
	}
	if (hf->has_app && wk->app != NULL) {
		/* nDPI's name for it ("TLS.YouTube"): at most 16 + 1 + 16 bytes. */
		char name[64];
		const char *s = appid_name(wk->app, hf->app_master, hf->app_proto, name, sizeof(name));
		size_t n = strnlen(s, sizeof(name) - 1);
		r->app = sa_arena_alloc(ex->arena, n + 1);
		memcpy(r->app, s, n);
		r->app[n] = '\0';
	}
	ex->flows[ex->n_flows++] = r;
	ex->st.flows++;
}

static uint64_t *copy_u64(struct sa_arena *a, const uint64_t *src, size_t n)
{
	uint64_t *p = sa_arena_alloc(a, n * sizeof(*p));

	memcpy(p, src, n * sizeof(*p));
	return p;
}

static Sa__TopSketch *sketch_to_pb(struct exporter *ex, unsigned dim, const struct sa_topk *sk)
{
	Sa__TopSketch *s = sa_arena_alloc(ex->arena, sizeof(*s));
	unsigned n = sa_topk_list(sk, ex->top_scratch);

	sa__top_sketch__init(s);
	s->has_dimension = s->has_capacity = s->has_total = 1;
	s->dimension = dim;
	s->capacity = sa_topk_capacity(sk);
	s->total = sa_topk_total(sk);
	s->n_entries = n;
	s->entries = sa_arena_alloc(ex->arena, (n ? n : 1) * sizeof(*s->entries));
	for (unsigned i = 0; i < n; i++) {
		Sa__TopEntry *e = sa_arena_alloc(ex->arena, sizeof(*e));
		uint8_t *key = sa_arena_alloc(ex->arena, ex->top_scratch[i].key_len);
		sa__top_entry__init(e);
		memcpy(key, ex->top_scratch[i].key, ex->top_scratch[i].key_len);
		e->has_key = e->has_count = e->has_error = 1;
		e->key = (ProtobufCBinaryData){ex->top_scratch[i].key_len, key};
		e->count = ex->top_scratch[i].count;
		e->error = ex->top_scratch[i].err;
		s->entries[i] = e;
	}
	return s;
}

/* Losses the exporter saw (port, spool) ride on the next interval out. */
static void add_pending_ledger(struct exporter *ex, uint64_t *counters)
{
	counters[SA_C_NIC_MISSED] += ex->pending[0];
	counters[SA_C_NIC_ERRORS] += ex->pending[1];
	counters[SA_C_NIC_NOMBUF] += ex->pending[2];
	counters[SA_C_SPOOL_FULL] += ex->pending[3];
	memset(ex->pending, 0, sizeof(ex->pending));
}

static void add_interval(struct exporter *ex, const struct handoff_interval *iv)
{
	Sa__IntervalStats *p = sa_arena_alloc(ex->arena, sizeof(*p));

	sa__interval_stats__init(p);
	p->has_start_ns = p->has_length_s = 1;
	p->start_ns = iv->start_s * SA_NS_PER_S;
	p->length_s = 1;
	p->n_counters = SA_C_COUNT;
	p->counters = copy_u64(ex->arena, iv->counters, SA_C_COUNT);
	add_pending_ledger(ex, p->counters);
	if (ex->models)
		p->counters[SA_C_MODEL_DEVIATIONS] += model_watch_interval(ex->models, iv->start_s, iv->counters);
	ex->last_iv_ns = p->start_ns;
	p->n_size_hist = SA_SIZE_BUCKETS;
	p->size_hist = copy_u64(ex->arena, iv->size_hist, SA_SIZE_BUCKETS);
	p->n_iat_hist = SA_TIME_BUCKETS;
	p->iat_hist = copy_u64(ex->arena, iv->iat_hist, SA_TIME_BUCKETS);
	p->n_rtt_hist = SA_TIME_BUCKETS;
	p->rtt_hist = copy_u64(ex->arena, iv->rtt_hist, SA_TIME_BUCKETS);
	if (iv->counters[SA_C_PACKETS]) { /* an interval may hold only flow endings */
		p->has_first_ns = p->has_last_ns = 1;
		p->first_ns = iv->first_ns;
		p->last_ns = iv->last_ns;
	}
	p->n_top_bytes = p->n_top_packets = HANDOFF_TOP_DIMS;
	p->top_bytes = sa_arena_alloc(ex->arena, HANDOFF_TOP_DIMS * sizeof(*p->top_bytes));
	p->top_packets = sa_arena_alloc(ex->arena, HANDOFF_TOP_DIMS * sizeof(*p->top_packets));
	for (unsigned d = 0; d < HANDOFF_TOP_DIMS; d++) {
		p->top_bytes[d] = sketch_to_pb(ex, d, iv->top[0][d]);
		p->top_packets[d] = sketch_to_pb(ex, d, iv->top[1][d]);
	}
	ex->ivs[ex->n_ivs++] = p;
	ex->st.intervals++;
}

/* Charges ledger deltas still pending at the end of input to the last
 * second that had packets (the store adds them to that row). */
static void add_ledger_interval(struct exporter *ex)
{
	if ((ex->pending[0] | ex->pending[1] | ex->pending[2] | ex->pending[3]) == 0 || ex->last_iv_ns == 0)
		return;
	Sa__IntervalStats *p = sa_arena_alloc(ex->arena, sizeof(*p));
	sa__interval_stats__init(p);
	p->has_start_ns = p->has_length_s = 1;
	p->start_ns = ex->last_iv_ns;
	p->length_s = 1;
	p->n_counters = SA_C_COUNT;
	p->counters = sa_arena_alloc(ex->arena, SA_C_COUNT * sizeof(uint64_t));
	add_pending_ledger(ex, p->counters);
	ex->ivs[ex->n_ivs++] = p;
}

static void send_entry(struct exporter *ex, struct spool_entry *e, uint64_t now)
{
	/* A hello sent before the connection was up was dropped (ZMQ_IMMEDIATE):
	 * repeat it ahead of batches until the aggregator has answered once. */
	if (!ex->greeted)
		send_hello(ex);
	if (zmq_send(ex->sock, e->buf, e->len, ZMQ_DONTWAIT) < 0)
		return; /* not connected: due again on the next poll */
	if (e->sent_ns != 0)
		ex->st.resends++;
	else
		ex->st.batches_sent++;
	e->sent_ns = now;
}

static void seal_batch(struct exporter *ex, bool last, Sa__Heartbeat *status)
{
	Sa__ExportBatch b = SA__EXPORT_BATCH__INIT;
	Sa__NodeMessage m = SA__NODE_MESSAGE__INIT;
	uint8_t *buf;
	size_t len;

	b.has_schema_version = b.has_node_id = b.has_run_id = b.has_seq = b.has_last = 1;
	b.schema_version = SA_SCHEMA_VERSION;
	b.node_id = ex->conf.node_id;
	b.run_id = ex->conf.run_id;
	b.seq = ++ex->seq;
	b.n_flows = ex->n_flows;
	b.flows = ex->flows;
	b.n_intervals = ex->n_ivs;
	b.intervals = ex->ivs;
	b.last = last;
	b.status = status;
	m.body_case = SA__NODE_MESSAGE__BODY_BATCH;
	m.batch = &b;
	len = sa_wire_pack(&m.base, &buf);
	if (len == 0) {
		RTE_LOG(ERR, SA_EXPORT, "out of memory packing batch %lu\n", (unsigned long)b.seq);
		ex->seq--;
		return;
	}
	spool_push(ex->spool, b.seq, buf, len);
	ex->n_flows = ex->n_ivs = 0;
	ex->batch_t0 = 0;
	sa_arena_reset(ex->arena);
	if (last)
		ex->last_sealed = true;
}

static bool batch_is_full(const struct exporter *ex)
{
	return ex->n_flows >= ex->conf.batch_flows || ex->n_ivs >= ex->conf.batch_intervals;
}

/* Moves up to DRAIN_BURST handoff objects per worker into the open batch
 * (never past a full batch); returns how many it moved. */
static unsigned drain(struct exporter *ex)
{
	void *objs[DRAIN_BURST];
	unsigned moved = 0;

	for (unsigned w = 0; w < ex->n_workers; w++) {
		struct worker *wk = &ex->workers[w];
		unsigned room = ex->conf.batch_flows - ex->n_flows;
		if (ex->conf.batch_intervals - ex->n_ivs < room)
			room = ex->conf.batch_intervals - ex->n_ivs;
		if (room > DRAIN_BURST)
			room = DRAIN_BURST;
		unsigned n = rte_ring_sc_dequeue_burst(wk->to_export, objs, room, NULL);
		for (unsigned i = 0; i < n; i++) {
			uint8_t kind = *(uint8_t *)objs[i];
			if (kind == HANDOFF_FLOW) {
				add_flow(ex, wk, objs[i]);
				rte_mempool_put(wk->flow_pool, objs[i]);
			} else if (kind == HANDOFF_INTERVAL) {
				add_interval(ex, objs[i]);
				rte_ring_sp_enqueue(wk->iv_free, objs[i]);
			} else if (!ex->eof_seen[w]) {
				ex->eof_seen[w] = true;
				ex->eofs++;
			}
		}
		if (n && ex->batch_t0 == 0)
			ex->batch_t0 = sa_mono_ns();
		moved += n;
	}
	return moved;
}

static bool rings_waiting(const struct exporter *ex)
{
	for (unsigned w = 0; w < ex->n_workers; w++)
		if (rte_ring_count(ex->workers[w].to_export) != 0)
			return true;
	return false;
}

static void take_acks(struct exporter *ex, int wait_ms)
{
	zmq_pollitem_t it = {.socket = ex->sock, .events = ZMQ_POLLIN};
	uint8_t buf[512];

	if (zmq_poll(&it, 1, wait_ms) <= 0)
		return;
	for (;;) {
		int len = zmq_recv(ex->sock, buf, sizeof(buf), ZMQ_DONTWAIT);
		const char *why;
		int code;
		if (len < 0)
			return;
		if ((size_t)len > sizeof(buf))
			continue; /* truncated: not an ack we sent for */
		Sa__Ack *a = sa_wire_ack_unpack(buf, (size_t)len, &why, &code);
		if (a == NULL) {
			RTE_LOG(WARNING, SA_EXPORT, "bad ack from aggregator: %s\n", why);
			continue;
		}
		ex->greeted = true;
		if (a->run_id == ex->conf.run_id && spool_ack(ex->spool, a->seq)) {
			ex->st.acks++;
			ex->st.last_ack_ns = sa_mono_ns();
			if (a->code != SA_OK) {
				ex->st.refused++;
				RTE_LOG(ERR, SA_EXPORT, "aggregator refused batch %lu: %s\n",
					(unsigned long)a->seq, a->message ? a->message : "");
			}
		}
		sa__ack__free_unpacked(a, NULL);
	}
}

unsigned exporter_models_wait(struct exporter *ex, int wait_ms)
{
	if (ex->models == NULL)
		return 0;
	for (uint64_t end = sa_mono_ns() + (uint64_t)wait_ms * 1000000; sa_mono_ns() < end;)
		if (model_watch_poll(ex->models, 100) > 0)
			break;
	return model_watch_poll(ex->models, 0);
}

bool exporter_poll(struct exporter *ex, int wait_ms)
{
	unsigned cursor = 0, moved = 0;
	struct spool_entry *e;
	Sa__Heartbeat status;

	/* Wait for acks only when the workers have nothing for us. */
	take_acks(ex, ex->workers_idle ? wait_ms : 0);
	if (ex->models)
		model_watch_poll(ex->models, 0);
	uint64_t now = sa_mono_ns();
	/* Resend only when acks stopped coming: while the aggregator keeps
	 * acknowledging, a connected socket delivers the rest in order, and
	 * resending a backlog would only slow it down. */
	uint64_t quiet_since = ex->st.last_ack_ns > ex->resend_floor ? ex->st.last_ack_ns : ex->resend_floor;
	if (now >= quiet_since + ex->conf.ack_timeout_ns) {
		while ((e = spool_next_due(ex->spool, now, ex->conf.ack_timeout_ns, &cursor)) != NULL)
			send_entry(ex, e, now);
		ex->resend_floor = now;
	}
	if (spool_full(ex->spool) && rings_waiting(ex)) {
		ex->spool_full_polls++;
		ex->pending[3]++;
	}
	while (!spool_full(ex->spool)) {
		unsigned n = drain(ex);
		moved += n;
		if (n != 0 && !batch_is_full(ex))
			continue;
		bool all_eof = ex->eofs == ex->n_workers;
		bool aged = ex->batch_t0 && now - ex->batch_t0 >= ex->conf.batch_age_ns;
		if (batch_is_full(ex) || aged || (all_eof && (ex->n_flows || ex->n_ivs))) {
			status_fill(ex, &status);
			seal_batch(ex, false, &status);
			continue;
		}
		if (all_eof && !ex->last_sealed) {
			/* The last batch carries the final status and the last losses. */
			status_fill(ex, &status);
			add_ledger_interval(ex);
			seal_batch(ex, true, &status);
		}
		break;
	}
	cursor = 0;
	while ((e = spool_next_due(ex->spool, now, ex->conf.ack_timeout_ns, &cursor)) != NULL)
		if (e->sent_ns == 0)
			send_entry(ex, e, now);
	ex->workers_idle = moved == 0;
	if (now >= ex->next_hb) {
		ex->next_hb = now + HEARTBEAT_NS;
		if (++ex->hb_count % HELLO_EVERY == 0)
			send_hello(ex);
		send_heartbeat(ex);
	}
	return ex->last_sealed && spool_count(ex->spool) == 0;
}

void exporter_stats_get(const struct exporter *ex, struct exporter_stats *st)
{
	*st = ex->st;
	st->unacked = spool_count(ex->spool);
}
