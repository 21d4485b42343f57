/* agg_query: query latency of sa-aggregator, for bench/aggregator.
 *
 * Usage: agg_query --server EP --repeat N --from S --to S QUERY
 *   QUERY: series STEP_S   (cluster bytes, step in seconds)
 *          top             (top 10 sources by bytes)
 *
 * Sends the query N times over one REQ socket (a client that stays
 * connected, as the trainer does) and prints the latency percentiles of
 * the round trips, the tier the answer was read from and its size. Exits 1
 * if any answer is an error. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "sa_time.h"
#include "sa_wire.h"

#define TIMEOUT_MS 60000

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* One round trip; the response, or NULL (reason printed). */
static Sa__Response *call(void *sock, const uint8_t *req, size_t len)
{
	static uint8_t buf[64 << 20];

	if (zmq_send(sock, req, len, 0) < 0) {
		fprintf(stderr, "agg_query: send: %s\n", zmq_strerror(zmq_errno()));
		return NULL;
	}
	int n = zmq_recv(sock, buf, sizeof(buf), 0);
	if (n < 0 || (size_t)n > sizeof(buf)) {
		fprintf(stderr, "agg_query: no answer within %d ms (or larger than %zu bytes)\n", TIMEOUT_MS,
			sizeof(buf));
		return NULL;
	}
	return sa__response__unpack(NULL, (size_t)n, buf);
}

static int parse_args(int argc, char **argv, Sa__Query *q, const char **server, unsigned *repeat)
{
	sa__query__init(q);
	q->has_schema_version = q->has_kind = q->has_from_ns = q->has_to_ns = 1;
	q->schema_version = SA_SCHEMA_VERSION;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--server") == 0 && v) {
			*server = v;
			i++;
		} else if (strcmp(a, "--repeat") == 0 && v) {
			*repeat = (unsigned)strtoul(v, NULL, 10);
			i++;
		} else if (strcmp(a, "--from") == 0 && v) {
			q->from_ns = strtoull(v, NULL, 10) * SA_NS_PER_S;
			i++;
		} else if (strcmp(a, "--to") == 0 && v) {
			q->to_ns = strtoull(v, NULL, 10) * SA_NS_PER_S;
			i++;
		} else if (strcmp(a, "series") == 0 && v) {
			q->kind = SA__QUERY_KIND__Q_SERIES;
			q->metric = "bytes";
			q->has_step_s = 1;
			q->step_s = (uint32_t)strtoul(v, NULL, 10);
			i++;
		} else if (strcmp(a, "top") == 0) {
			q->kind = SA__QUERY_KIND__Q_TOP;
			q->has_dimension = q->has_limit = 1;
			q->dimension = SA__TOP_DIM__TOP_SRC_IP;
			q->limit = 10;
			q->metric = "bytes";
		} else {
			return -1;
		}
	}
	return *server && *repeat && q->to_ns > q->from_ns && (q->kind != SA__QUERY_KIND__Q_SERIES || q->step_s)
		       ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *server = NULL;
	unsigned repeat = 0;
	Sa__Query q;
	uint8_t *req;
	int timeout = TIMEOUT_MS, rc = 0;

	if (parse_args(argc, argv, &q, &server, &repeat) != 0) {
		fprintf(stderr, "usage: agg_query --server EP --repeat N --from S --to S series STEP_S|top\n");
		return 2;
	}
	size_t len = sa_wire_pack(&q.base, &req);
	void *ctx = zmq_ctx_new(), *sock = zmq_socket(ctx, ZMQ_REQ);
	uint64_t *lat = calloc(repeat, sizeof(*lat));
	zmq_setsockopt(sock, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
	if (len == 0 || lat == NULL || zmq_connect(sock, server) != 0) {
		fprintf(stderr, "agg_query: cannot set up a client for %s\n", server);
		return 1;
	}
	uint32_t res_s = 0;
	size_t items = 0;
	for (unsigned i = 0; i < repeat && rc == 0; i++) {
		uint64_t t0 = sa_mono_ns();
		Sa__Response *r = call(sock, req, len);
		lat[i] = sa_mono_ns() - t0;
		if (r == NULL || r->code != 0) {
			fprintf(stderr, "agg_query: %s\n", r && r->message ? r->message : "no valid answer");
			rc = 1;
		} else {
			res_s = r->res_s;
			items = r->n_points + r->n_top;
		}
		if (r != NULL)
			sa__response__free_unpacked(r, NULL);
	}
	if (rc == 0) {
		qsort(lat, repeat, sizeof(*lat), cmp_u64);
		/* Nearest rank: the smallest latency at least p% of the runs reach
		 * (of 100 runs, p99 is the 99th, not the slowest; max is that). */
		unsigned p50 = (repeat + 1) / 2 - 1, p99 = (repeat * 99 + 99) / 100 - 1;
		printf("agg_query: repeat=%u items=%zu res_s=%" PRIu32 " p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", repeat,
		       items, res_s, lat[p50] / 1e6, lat[p99] / 1e6, lat[repeat - 1] / 1e6);
	}
	free(lat);
	free(req);
	zmq_close(sock);
	zmq_ctx_term(ctx);
	return rc;
}
