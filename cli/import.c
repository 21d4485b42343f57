/* sa import zeek FILE: a Zeek conn.log (labelled or not) into the
 * aggregator as flow records.
 *
 * All or nothing, and resumable: the whole file is parsed first, so a bad
 * line stops the import before anything is sent. Then it speaks the
 * capture nodes' protocol: a hello, numbered batches, an ack for each. The
 * run id is a hash of the file's bytes, so importing the same file again
 * (after an interruption, or by mistake) stores each batch once: the
 * aggregator acknowledges what it already holds as "already stored". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "cli.h"
#include "sa_u64set.h"
#include "sa_wire.h"
#include "zeek_conn.h"

#define BATCH_FLOWS 1000
#define WINDOW 4        /* batches sent ahead of their acks */
#define IMPORT_NODE 65000

struct blob {
	uint8_t *data;
	size_t len;
};

struct parsed {
	struct blob *flows;
	size_t n, cap;
	struct sa_u64set uids; /* hashes of the uids seen */
	size_t duplicates;
};

/* The file's bytes hashed: the import's run id. 0 on a read error. */
static uint64_t file_hash(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint64_t h = SA_FNV_START;
	uint8_t buf[65536];
	size_t n;

	if (!f)
		return 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		h = sa_fnv1a(h, buf, n);
	int bad = ferror(f);
	fclose(f);
	return bad ? 0 : h | 1;
}

static int keep(struct parsed *p, const Sa__FlowRecord *f)
{
	/* Zeek's uids are random 96-bit strings: two different ones with
	 * the same 64-bit hash in one log are not a concern. */
	if (f->uid && f->uid[0]) {
		int fresh = sa_u64set_add(&p->uids, sa_fnv1a(SA_FNV_START, f->uid, strlen(f->uid)));
		if (fresh < 0)
			return fresh;
		if (!fresh) {
			p->duplicates++;
			return 0;
		}
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 4096;
		struct blob *b = realloc(p->flows, cap * sizeof(*b));
		if (!b)
			return -ENOMEM;
		p->flows = b;
		p->cap = cap;
	}
	struct blob *b = &p->flows[p->n];
	if ((b->len = sa_wire_pack(&f->base, &b->data)) == 0)
		return -ENOMEM;
	p->n++;
	return 0;
}

static void parsed_free(struct parsed *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->flows[i].data);
	free(p->flows);
	sa_u64set_free(&p->uids);
}

/* Reads every record; 0, or 1 with the reason printed. */
static int parse_all(const char *path, struct parsed *p)
{
	char err[256];
	struct zeek_reader *r = zeek_open(path, err, sizeof(err));
	Sa__FlowRecord *f;
	int rc;

	if (!r) {
		fprintf(stderr, "sa: import: %s\n", err);
		return 1;
	}
	while ((rc = zeek_next(r, &f, err, sizeof(err))) == 1)
		if (keep(p, f) != 0) {
			snprintf(err, sizeof(err), "out of memory");
			rc = -1;
			break;
		}
	zeek_close(r);
	if (rc < 0) {
		fprintf(stderr, "sa: import: %s; nothing was imported\n", err);
		return 1;
	}
	return 0;
}

/* Packs batch number seq (1-based) of the parsed flows. */
static size_t pack_batch(const struct cli *c, const struct parsed *p, uint64_t run, uint64_t seq, uint8_t **out)
{
	size_t first = (size_t)(seq - 1) * BATCH_FLOWS, n = p->n - first < BATCH_FLOWS ? p->n - first : BATCH_FLOWS;
	Sa__FlowRecord **flows = calloc(n ? n : 1, sizeof(*flows));
	Sa__ExportBatch b = SA__EXPORT_BATCH__INIT;
	Sa__NodeMessage m = SA__NODE_MESSAGE__INIT;
	size_t len = 0, i;

	if (!flows)
		return 0;
	for (i = 0; i < n; i++)
		if ((flows[i] = sa__flow_record__unpack(NULL, p->flows[first + i].len, p->flows[first + i].data)) == NULL)
			goto done;
	b.has_schema_version = b.has_node_id = b.has_run_id = b.has_seq = b.has_last = 1;
	b.schema_version = SA_SCHEMA_VERSION;
	b.node_id = c->node_id;
	b.run_id = run;
	b.seq = seq;
	b.last = first + n == p->n;
	b.n_flows = n;
	b.flows = flows;
	m.body_case = SA__NODE_MESSAGE__BODY_BATCH;
	m.batch = &b;
	len = sa_wire_pack(&m.base, out);
done:
	while (i-- > 0)
		sa__flow_record__free_unpacked(flows[i], NULL);
	free(flows);
	return len;
}

static int send_hello(const struct cli *c, void *s, uint64_t run, const char *path)
{
	Sa__Hello h = SA__HELLO__INIT;
	Sa__NodeMessage m = SA__NODE_MESSAGE__INIT;
	char port[300];
	uint8_t *buf;

	snprintf(port, sizeof(port), "zeek:%s", path);
	h.has_schema_version = h.has_node_id = h.has_run_id = 1;
	h.schema_version = SA_SCHEMA_VERSION;
	h.node_id = c->node_id;
	h.run_id = run;
	h.hostname = "sa import";
	h.port_name = port;
	m.body_case = SA__NODE_MESSAGE__BODY_HELLO;
	m.hello = &h;
	size_t len = sa_wire_pack(&m.base, &buf);
	int rc = len && zmq_send(s, buf, len, 0) == (int)len ? 0 : -1;
	free(len ? buf : NULL);
	return rc;
}

static int send_batch(const struct cli *c, void *s, const struct parsed *p, uint64_t run, uint64_t seq)
{
	uint8_t *buf;
	size_t len = pack_batch(c, p, run, seq, &buf);
	int rc = len && zmq_send(s, buf, len, 0) == (int)len ? 0 : -1;

	free(len ? buf : NULL);
	return rc;
}

/* Sends every batch, WINDOW ahead of the acks. 0, or 1 with the reason. */
static int send_all(const struct cli *c, const struct parsed *p, uint64_t run, const char *path)
{
	uint64_t batches = (p->n + BATCH_FLOWS - 1) / BATCH_FLOWS, sent = 0, acked = 0, already = 0;
	int progress = isatty(STDERR_FILENO), rc = 1, zero = 0;
	void *z = zmq_ctx_new(), *s = z ? zmq_socket(z, ZMQ_DEALER) : NULL;
	uint8_t *done = calloc(batches + 1, 1);

	if (!s || !done || zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero)) != 0 ||
	    zmq_connect(s, c->ingest) != 0 || send_hello(c, s, run, path) != 0) {
		fprintf(stderr, "sa: import: cannot reach the aggregator's ingest endpoint %s: %s\n", c->ingest,
			zmq_strerror(zmq_errno()));
		goto out;
	}
	while (acked < batches) {
		while (sent < batches && sent - acked < WINDOW)
			if (send_batch(c, s, p, run, ++sent) != 0) {
				fprintf(stderr, "sa: import: cannot send batch %llu\n", (unsigned long long)sent);
				goto out;
			}
		zmq_pollitem_t it = {.socket = s, .events = ZMQ_POLLIN};
		if (zmq_poll(&it, 1, c->timeout_ms) <= 0) {
			fprintf(stderr, "sa: import: no answer from %s in %d s; %llu of %llu batches stored; "
				"run the same import again to finish (stored batches are skipped)\n", c->ingest,
				c->timeout_ms / 1000, (unsigned long long)acked, (unsigned long long)batches);
			goto out;
		}
		uint8_t buf[512];
		int len = zmq_recv(s, buf, sizeof(buf), 0);
		const char *why;
		int code;
		Sa__Ack *a = len > 0 && (size_t)len <= sizeof(buf) ? sa_wire_ack_unpack(buf, (size_t)len, &why, &code)
								  : NULL;
		if (!a || a->run_id != run || a->seq == 0 || a->seq > batches || done[a->seq]) {
			if (a)
				sa__ack__free_unpacked(a, NULL);
			continue; /* not ours, or a repeat */
		}
		if (a->code != SA_OK) {
			fprintf(stderr, "sa: import: the aggregator refused batch %llu: %s\n",
				(unsigned long long)a->seq, a->message ? a->message : "no reason given");
			sa__ack__free_unpacked(a, NULL);
			goto out;
		}
		already += a->message && strcmp(a->message, "already stored") == 0;
		done[a->seq] = 1;
		acked++;
		sa__ack__free_unpacked(a, NULL);
		if (progress)
			fprintf(stderr, "\rimport: %llu/%llu batches stored", (unsigned long long)acked,
				(unsigned long long)batches);
	}
	if (progress)
		fprintf(stderr, "\r\033[K");
	printf("imported %zu flows from %s as node %u (%llu batches%s", p->n, path, c->node_id,
	       (unsigned long long)batches, already ? ", " : ")");
	if (already)
		printf("%llu of them already stored by an earlier import)", (unsigned long long)already);
	printf("; %zu duplicate records skipped\n", p->duplicates);
	rc = 0;
out:
	free(done);
	if (s)
		zmq_close(s);
	if (z)
		zmq_ctx_term(z);
	return rc;
}

int cmd_import(struct cli *c)
{
	struct parsed p = {0};
	uint64_t run;
	int rc;

	if (c->argc != 2 || strcmp(c->argv[0], "zeek") != 0) {
		fprintf(stderr, "sa: import wants: import zeek FILE (a Zeek conn.log, TSV or JSON lines)\n");
		return 2;
	}
	if (c->node_id == 0)
		c->node_id = IMPORT_NODE;
	if ((run = file_hash(c->argv[1])) == 0) {
		fprintf(stderr, "sa: import: cannot read %s: %s\n", c->argv[1], strerror(errno));
		return 1;
	}
	rc = parse_all(c->argv[1], &p);
	if (rc == 0 && p.n == 0) {
		fprintf(stderr, "sa: import: %s holds no flow records\n", c->argv[1]);
		rc = 1;
	}
	if (rc == 0)
		rc = send_all(c, &p, run, c->argv[1]);
	parsed_free(&p);
	return rc;
}
