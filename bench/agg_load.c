/* agg_load: N simulated capture nodes sending to one sa-aggregator at full
 * speed, for bench/aggregator.
 *
 * Usage: agg_load [--endpoint EP] [--nodes N] [--batches B] [--flows F]
 *                 [--intervals I] [--step S] [--top K] [--window W] [--seed S]
 *                 [--timeout S] [--dump FILE]
 *
 * Every batch is generated and packed before the clock starts (agg_gen.h).
 * Each node then says hello and sends its B batches over its own DEALER,
 * keeping at most W unacknowledged, as sa-capture's spool does; one thread
 * drives all of them, so the aggregator keeps the other cores. The clock
 * runs from the first batch sent to the last ack. Prints one line of
 * key=value figures; exits 1 when a batch is refused, or none is
 * acknowledged for --timeout seconds while some are still out.
 * --dump FILE writes the same batches (agg_dump.h) for rocksdb_baseline. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "agg_dump.h"
#include "agg_gen.h"
#include "sa_time.h"
#include "sa_wire.h"

#define POLL_MS 100
#define START_S 1704067200ULL /* 2024-01-01T00:00:00Z */

struct opts {
	const char *endpoint, *dump;
	unsigned nodes, batches, window, timeout_s;
	struct agg_gen_conf gen;
};

struct node {
	void *sock;
	uint8_t **buf;      /* packed batch b (seq b + 1) */
	size_t *len;
	uint8_t *acked;     /* per batch */
	unsigned next, inflight;
};

struct load {
	struct opts o;
	void *zctx;
	struct node *nodes;
	struct agg_gen_totals tot;
	uint64_t acked, refused, strays;
	uint64_t t_first, t_last; /* first send, last ack */
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: agg_load [options]\n"
"  --endpoint EP   sa-aggregator's ingest endpoint [tcp://127.0.0.1:7701]\n"
"  --nodes N       simulated capture nodes [8]\n"
"  --batches B     batches per node [50]\n"
"  --flows F       flow records per batch [1000]\n"
"  --intervals I   one-second intervals per batch [100]\n"
"  --step S        seconds between interval starts, to fill a long history [1]\n"
"  --top K         most entries per top-N sketch, 0 for none [64]\n"
"  --window W      unacknowledged batches per node [4]\n"
"  --seed S        generator seed [1]\n"
"  --timeout S     give up after S seconds without an ack [60]\n"
"  --dump FILE     also write the batches to FILE for rocksdb_baseline\n");
}

static int parse_uint(const char *name, const char *s, unsigned long lo, unsigned long hi,
		      unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || end == s || *out < lo || *out > hi) {
		fprintf(stderr, "agg_load: %s wants a number in %lu..%lu, not '%s'\n", name, lo, hi, s);
		return -EINVAL;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{"endpoint", required_argument, NULL, 'e'}, {"nodes", required_argument, NULL, 'n'},
		{"batches", required_argument, NULL, 'b'}, {"flows", required_argument, NULL, 'f'},
		{"intervals", required_argument, NULL, 'i'}, {"top", required_argument, NULL, 'k'},
		{"window", required_argument, NULL, 'w'}, {"seed", required_argument, NULL, 's'},
		{"timeout", required_argument, NULL, 't'}, {"dump", required_argument, NULL, 'd'},
		{"step", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	unsigned long v;
	int c, rc = 0;

	*o = (struct opts){.endpoint = "tcp://127.0.0.1:7701", .nodes = 8, .batches = 50,
			   .window = 4, .timeout_s = 60,
			   .gen = {.flows = 1000, .intervals = 100, .top = 64, .seed = 1, .start_s = START_S,
				   .step_s = 1}};
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': o->endpoint = optarg; break;
		case 'd': o->dump = optarg; break;
		case 'n': rc |= parse_uint("--nodes", optarg, 1, 4000, &v); o->nodes = (unsigned)v; break;
		case 'b': rc |= parse_uint("--batches", optarg, 1, 1000000, &v); o->batches = (unsigned)v; break;
		case 'f': rc |= parse_uint("--flows", optarg, 0, 100000, &v); o->gen.flows = (unsigned)v; break;
		case 'i': rc |= parse_uint("--intervals", optarg, 0, 10000, &v); o->gen.intervals = (unsigned)v; break;
		case 'k': rc |= parse_uint("--top", optarg, 0, 64, &v); o->gen.top = (unsigned)v; break;
		case 'S': rc |= parse_uint("--step", optarg, 1, 86400, &v); o->gen.step_s = (unsigned)v; break;
		case 'w': rc |= parse_uint("--window", optarg, 1, 1000, &v); o->window = (unsigned)v; break;
		case 's': rc |= parse_uint("--seed", optarg, 0, ULONG_MAX, &v); o->gen.seed = v; break;
		case 't': rc |= parse_uint("--timeout", optarg, 1, 86400, &v); o->timeout_s = (unsigned)v; break;
		case 'h': usage(stdout); exit(0);
		default:
			fprintf(stderr, "agg_load: unknown or incomplete option '%s'\n", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "agg_load: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	/* A new run id per run: batches of an earlier run in the same store
	 * would otherwise be acknowledged as duplicates without being stored. */
	o->gen.run_id = sa_wall_ns();
	return rc ? -EINVAL : 0;
}

/* Packs every node's batches; 0 or -ENOMEM. */
static int generate(struct load *l)
{
	for (unsigned n = 0; n < l->o.nodes; n++) {
		struct node *nd = &l->nodes[n];
		struct agg_gen *g = agg_gen_new(&l->o.gen, n + 1);
		nd->buf = calloc(l->o.batches, sizeof(*nd->buf));
		nd->len = calloc(l->o.batches, sizeof(*nd->len));
		nd->acked = calloc(l->o.batches, 1);
		if (g == NULL || nd->buf == NULL || nd->len == NULL || nd->acked == NULL) {
			agg_gen_destroy(&g);
			return -ENOMEM;
		}
		for (unsigned b = 0; b < l->o.batches; b++)
			if ((nd->len[b] = agg_gen_batch(g, &nd->buf[b])) == 0) {
				agg_gen_destroy(&g);
				return -ENOMEM;
			}
		agg_gen_totals_add(g, &l->tot);
		agg_gen_destroy(&g);
	}
	return 0;
}

/* Batch by batch across nodes, roughly the order the aggregator sees. */
static int dump(const struct load *l, const char *path)
{
	FILE *f = fopen(path, "wb");
	int rc = 0;

	if (f == NULL)
		return -errno;
	for (unsigned b = 0; b < l->o.batches && rc == 0; b++)
		for (unsigned n = 0; n < l->o.nodes && rc == 0; n++)
			rc = agg_dump_write(f, l->nodes[n].buf[b], l->nodes[n].len[b]);
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	return rc;
}

/* One DEALER per node, which says hello first as sa-capture does; 0 or -errno. */
static int connect_nodes(struct load *l)
{
	int zero = 0;

	for (unsigned n = 0; n < l->o.nodes; n++) {
		struct agg_gen *g = agg_gen_new(&l->o.gen, n + 1);
		uint8_t *hello = NULL;
		size_t len = g ? agg_gen_hello(g, &hello) : 0;
		void *s = zmq_socket(l->zctx, ZMQ_DEALER);

		agg_gen_destroy(&g);
		l->nodes[n].sock = s;
		if (len == 0 || s == NULL) {
			free(hello);
			return -ENOMEM;
		}
		zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
		int rc = zmq_connect(s, l->o.endpoint) == 0 ? zmq_send(s, hello, len, 0) : -1;
		free(hello);
		if (rc < 0)
			return -zmq_errno();
	}
	return 0;
}

/* Zero copy: the buffers outlive the sockets' queues. */
static int send_batch(struct load *l, struct node *nd)
{
	zmq_msg_t msg;

	zmq_msg_init_data(&msg, nd->buf[nd->next], nd->len[nd->next], NULL, NULL);
	if (zmq_msg_send(&msg, nd->sock, ZMQ_DONTWAIT) < 0) {
		int err = zmq_errno();
		zmq_msg_close(&msg);
		return -err;
	}
	if (l->t_first == 0)
		l->t_first = sa_mono_ns();
	nd->next++;
	nd->inflight++;
	return 0;
}

static void take_acks(struct load *l, struct node *nd)
{
	uint8_t buf[512];
	const char *why;
	int len, code;

	while ((len = zmq_recv(nd->sock, buf, sizeof(buf), ZMQ_DONTWAIT)) >= 0) {
		Sa__Ack *a = (size_t)len <= sizeof(buf) ? sa_wire_ack_unpack(buf, (size_t)len, &why, &code) : NULL;
		if (a == NULL || a->run_id != l->o.gen.run_id || a->seq == 0 || a->seq > nd->next ||
		    nd->acked[a->seq - 1]) {
			l->strays++; /* not for a batch of ours that is out */
		} else {
			nd->acked[a->seq - 1] = 1;
			nd->inflight--;
			l->acked++;
			l->t_last = sa_mono_ns();
			if (a->code != SA_OK && l->refused++ < 5)
				fprintf(stderr, "agg_load: batch %" PRIu64 " refused (code %u): %s\n", a->seq,
					a->code, a->message ? a->message : "");
		}
		if (a != NULL)
			sa__ack__free_unpacked(a, NULL);
	}
}

/* Sends and collects acks until every batch is acknowledged or acks stop
 * coming for timeout_s; returns the batches still unacknowledged. */
static uint64_t run(struct load *l)
{
	uint64_t total = (uint64_t)l->o.nodes * l->o.batches, quiet_since = sa_mono_ns();
	zmq_pollitem_t *items = calloc(l->o.nodes, sizeof(*items));

	if (items == NULL)
		return total;
	for (unsigned n = 0; n < l->o.nodes; n++)
		items[n] = (zmq_pollitem_t){.socket = l->nodes[n].sock, .events = ZMQ_POLLIN};
	while (l->acked < total) {
		uint64_t before = l->acked;
		for (unsigned n = 0; n < l->o.nodes; n++) {
			struct node *nd = &l->nodes[n];
			while (nd->next < l->o.batches && nd->inflight < l->o.window && send_batch(l, nd) == 0)
				;
		}
		if (zmq_poll(items, (int)l->o.nodes, POLL_MS) > 0)
			for (unsigned n = 0; n < l->o.nodes; n++)
				if (items[n].revents & ZMQ_POLLIN)
					take_acks(l, &l->nodes[n]);
		uint64_t now = sa_mono_ns();
		if (l->acked != before)
			quiet_since = now;
		else if (now - quiet_since > l->o.timeout_s * SA_NS_PER_S)
			break;
	}
	free(items);
	return total - l->acked;
}

static void report(const struct load *l, uint64_t unacked)
{
	double s = l->t_last > l->t_first ? (double)(l->t_last - l->t_first) / 1e9 : 0;
	double per_s = s > 0 ? 1 / s : 0;

	printf("agg_load: nodes=%u window=%u batches=%" PRIu64 " flows=%" PRIu64 " intervals=%" PRIu64
	       " points=%" PRIu64 " mb=%.1f seconds=%.3f batches_per_s=%.1f flows_per_s=%.0f"
	       " points_per_s=%.0f refused=%" PRIu64 " unacked=%" PRIu64 "\n",
	       l->o.nodes, l->o.window, l->tot.batches, l->tot.flows, l->tot.intervals, l->tot.points,
	       (double)l->tot.bytes / 1e6, s, (double)l->acked * per_s, (double)l->tot.flows * per_s,
	       (double)l->tot.points * per_s, l->refused, unacked);
}

int main(int argc, char **argv)
{
	struct load l = {0};
	uint64_t t0, unacked;
	int rc;

	if (parse_opts(argc, argv, &l.o) != 0)
		return 2;
	l.nodes = calloc(l.o.nodes, sizeof(*l.nodes));
	t0 = sa_mono_ns();
	if (l.nodes == NULL || generate(&l) != 0) {
		fprintf(stderr, "agg_load: out of memory generating the batches\n");
		return 1;
	}
	fprintf(stderr, "agg_load: %" PRIu64 " batches, %.1f MB, generated in %.1f s\n", l.tot.batches,
		(double)l.tot.bytes / 1e6, (double)(sa_mono_ns() - t0) / 1e9);
	if (l.o.dump != NULL && (rc = dump(&l, l.o.dump)) != 0) {
		fprintf(stderr, "agg_load: cannot write %s: %s\n", l.o.dump, strerror(-rc));
		return 1;
	}
	l.zctx = zmq_ctx_new();
	if ((rc = connect_nodes(&l)) != 0) {
		fprintf(stderr, "agg_load: cannot connect to %s: %s\n", l.o.endpoint, zmq_strerror(-rc));
		return 1;
	}
	/* Let the connections come up and the hellos land, outside the clock. */
	usleep(200 * 1000);
	unacked = run(&l);
	report(&l, unacked);
	if (unacked)
		fprintf(stderr, "agg_load: %" PRIu64 " batches not acknowledged after %u s without an ack\n",
			unacked, l.o.timeout_s);
	for (unsigned n = 0; n < l.o.nodes; n++)
		zmq_close(l.nodes[n].sock);
	zmq_ctx_term(l.zctx);
	/* Batches stay allocated to the end: queued zero-copy messages point into them. */
	return unacked || l.refused ? 1 : 0;
}
