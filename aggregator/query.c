/* DESIGN: one thread, one ROUTER. Each request is decoded and validated by
 * sa_wire, answered from the store into a per-request arena, packed and
 * sent back with the requester's identity. Queries never write, except
 * Q_PUT_MODEL, a single small atomic write. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <zmq.h>

#include "answer.h"
#include "classify.h"
#include "monitor.h"
#include "query.h"
#include "sa_arena.h"
#include "answer_store.h"
#include "sa_log.h"
#include "sa_time.h"
#include "sa_wire.h"

#define POLL_MS 200

struct query_server {
	void *sock;
	uint64_t limit_ns;
	struct tsdb *db;
	struct ingest *in;
	struct monitor *mon;
	struct sa_arena *arena;
	pthread_t thread;
	atomic_bool stop;
};

typedef int (*answer_fn)(struct tsdb *, const Sa__Query *, Sa__Response *, struct sa_arena *);

static answer_fn answer_for(Sa__QueryKind kind)
{
	switch (kind) {
	case SA__QUERY_KIND__Q_NODES: return answer_nodes;
	case SA__QUERY_KIND__Q_SERIES: return answer_series;
	case SA__QUERY_KIND__Q_TOP: return answer_top;
	case SA__QUERY_KIND__Q_HIST: return answer_hist;
	case SA__QUERY_KIND__Q_FLOWS: return answer_flows;
	case SA__QUERY_KIND__Q_FORECAST: return answer_forecast;
	case SA__QUERY_KIND__Q_SUMMARY: return answer_summary;
	case SA__QUERY_KIND__Q_PUT_MODEL: return answer_put_model;
	case SA__QUERY_KIND__Q_MODELS: return answer_models;
	case SA__QUERY_KIND__Q_TRACKED: return answer_tracked;
	case SA__QUERY_KIND__Q_ALERTS: return answer_alerts;
	default: return NULL;
	}
}

/* Decodes, answers and packs one request; returns the packed Response in
 * a malloc'd *out (its length; 0 on allocation failure). */
static size_t answer(struct query_server *qs, const uint8_t *buf, size_t len, uint8_t **out)
{
	Sa__Response r = SA__RESPONSE__INIT;
	const char *why;
	int code;
	Sa__Query *q = sa_wire_query_unpack(buf, len, &why, &code);

	if (q == NULL) {
		SA_LOG_RL(SA_LOG_WARN, "query", "rejected a %zu-byte query: %s", len, why);
		r.has_code = 1;
		r.code = (uint32_t)code;
		r.message = (char *)why;
		return sa_wire_pack(&r.base, out);
	}
	r.has_kind = 1;
	r.kind = q->kind;
	answer_fn fn = answer_for(q->kind);
	/* stats reads the whole store on purpose (an operator's command). */
	tsdb_deadline_set(q->kind == SA__QUERY_KIND__Q_STATS ? 0 : sa_mono_ns() + qs->limit_ns);
	if (q->kind == SA__QUERY_KIND__Q_STATS) {
		struct ingest_stats st;
		ingest_stats_get(qs->in, &st);
		answer_stats(qs->db, &st, q, &r, qs->arena);
	} else if (q->kind == SA__QUERY_KIND__Q_MONITOR && !(q->series && q->series[0])) {
		monitor_status(qs->mon, &r, qs->arena);
	} else if (q->kind == SA__QUERY_KIND__Q_MONITOR) {
		tsdb_view_begin(qs->db);
		answer_monitor_rows(qs->db, q, &r, qs->arena);
		tsdb_view_end(qs->db);
	} else if (fn == NULL) {
		r.has_code = 1;
		r.code = SA_ERR_INVALID;
		r.message = "unknown query kind";
	} else {
		/* Every read of one answer sees the same moment of the store. */
		tsdb_view_begin(qs->db);
		fn(qs->db, q, &r, qs->arena);
		tsdb_view_end(qs->db);
		if (q->kind == SA__QUERY_KIND__Q_PUT_MODEL && r.code == SA_OK) {
			monitor_models_changed(qs->mon);
			classify_models_changed();
		}
	}
	if (tsdb_deadline_hit()) {
		/* A partial answer would look complete: refuse it instead. */
		Sa__Response refused = SA__RESPONSE__INIT;
		refused.has_kind = 1;
		refused.kind = q->kind;
		r = refused;
		answer_fail(&r, SA_ERR_LIMIT, "the query ran past the aggregator's time limit "
			    "(--query-limit): ask for a shorter range, a coarser step or one node");
	}
	/* The response may point into q (model, strings): pack before freeing. */
	size_t olen = sa_wire_pack(&r.base, out);
	sa__query__free_unpacked(q, NULL);
	return olen;
}

static void *query_main(void *arg)
{
	struct query_server *qs = arg;
	zmq_pollitem_t it = {.socket = qs->sock, .events = ZMQ_POLLIN};

	while (!atomic_load(&qs->stop)) {
		if (zmq_poll(&it, 1, POLL_MS) <= 0)
			continue;
		zmq_msg_t ident, body;
		int more = 0;
		size_t ml = sizeof(more);
		zmq_msg_init(&ident);
		zmq_msg_init(&body);
		if (zmq_msg_recv(&ident, qs->sock, ZMQ_DONTWAIT) < 0)
			goto next;
		/* REQ clients put an empty delimiter frame before the body. */
		zmq_getsockopt(qs->sock, ZMQ_RCVMORE, &more, &ml);
		bool req = false;
		while (more) {
			if (zmq_msg_recv(&body, qs->sock, 0) < 0)
				goto next;
			zmq_getsockopt(qs->sock, ZMQ_RCVMORE, &more, &ml);
			if (more && zmq_msg_size(&body) == 0)
				req = true;
		}
		uint8_t *out;
		sa_arena_reset(qs->arena);
		size_t olen = answer(qs, zmq_msg_data(&body), zmq_msg_size(&body), &out);
		if (olen == 0)
			goto next;
		zmq_send(qs->sock, zmq_msg_data(&ident), zmq_msg_size(&ident), ZMQ_SNDMORE);
		if (req)
			zmq_send(qs->sock, "", 0, ZMQ_SNDMORE);
		zmq_send(qs->sock, out, olen, 0);
		free(out);
next:
		zmq_msg_close(&body);
		zmq_msg_close(&ident);
	}
	return NULL;
}

struct query_server *query_start(void *zctx, const char *endpoint, struct tsdb *db, struct ingest *in,
				 struct monitor *mon, double limit_s)
{
	struct query_server *qs = calloc(1, sizeof(*qs));
	int zero = 0;
	int64_t maxmsg = 1 << 20; /* a query is small; a big one is garbage */

	if (qs == NULL)
		return NULL;
	qs->db = db;
	qs->in = in;
	qs->mon = mon;
	qs->limit_ns = (uint64_t)(limit_s * 1e9);
	qs->arena = sa_arena_new(1 << 20);
	qs->sock = zmq_socket(zctx, ZMQ_ROUTER);
	if (qs->arena == NULL || qs->sock == NULL)
		goto fail;
	zmq_setsockopt(qs->sock, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(qs->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
	if (zmq_bind(qs->sock, endpoint) != 0) {
		sa_log(SA_LOG_ERR, "query", "cannot bind %s: %s", endpoint, zmq_strerror(errno));
		goto fail;
	}
	if (pthread_create(&qs->thread, NULL, query_main, qs) != 0)
		goto fail;
	return qs;
fail:
	if (qs->sock)
		zmq_close(qs->sock);
	sa_arena_destroy(&qs->arena);
	free(qs);
	return NULL;
}

void query_stop(struct query_server **qsp)
{
	struct query_server *qs = *qsp;

	if (qs == NULL)
		return;
	atomic_store(&qs->stop, true);
	pthread_join(qs->thread, NULL);
	zmq_close(qs->sock);
	sa_arena_destroy(&qs->arena);
	free(qs);
	*qsp = NULL;
}
