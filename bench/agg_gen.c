/* DESIGN: values follow a busy node's seconds rather than uniform noise, so
 * that what the store does with them (varint sizes, merges of recurring
 * sketch keys, compression) is what it does with real traffic: packet rates
 * on a daily wave, counters that add up (families, transports), histograms
 * shaped like real ones, heavy hitters that recur from second to second,
 * and flows whose sizes and durations span decades, as sa-capture's do. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "agg_dump.h"
#include "agg_gen.h"
#include "sa_arena.h"
#include "sa_counter.h"
#include "sa_hist.h"
#include "sa_time.h"
#include "sa_wire.h"

#define TOP_DIMS 4
#define TOP_CAPACITY 64   /* capture-node/handoff.h HANDOFF_TOP_CAPACITY */
#define HOSTS 1024        /* addresses a node's heavy hitters come from */
#define EPHEMERAL 32768
#define N_EPHEMERAL 28232 /* Linux's 32768-60999 */
#define N_SERVICES 16
#define N_PREFIXES 4

static const uint8_t prefixes[N_PREFIXES][2] = {{10, 1}, {10, 2}, {172, 16}, {192, 168}};
static const uint16_t services[N_SERVICES] = {
	443, 80, 53, 22, 8080, 3306, 5432, 6379, 123, 25, 993, 8443, 389, 445, 5353, 1194,
};

struct agg_gen {
	struct agg_gen_conf conf;
	uint32_t node;
	uint64_t rng;
	uint64_t seq, next_s;   /* the next batch's seq and first second */
	double base_pps;        /* this node's mean packet rate */
	uint64_t rx_packets;    /* since the start, for each batch's status */
	struct sa_arena *arena; /* one batch's messages */
	Sa__FlowRecord **flows;
	Sa__IntervalStats **ivs;
	struct agg_gen_totals tot;
};

/* xorshift64*: fast, and the same stream on every machine. */
static uint64_t rnd(struct agg_gen *g)
{
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 2685821657736338717ULL;
}

static double unif(struct agg_gen *g)
{
	return (double)(rnd(g) >> 11) * 0x1.0p-53;
}

static uint64_t below(struct agg_gen *g, uint64_t n)
{
	return rnd(g) % n;
}

/* Log-uniform in [lo, hi]: flow sizes and durations span decades. */
static double logu(struct agg_gen *g, double lo, double hi)
{
	return lo * exp(unif(g) * log(hi / lo));
}

static void *alloc(struct agg_gen *g, size_t size)
{
	void *p = sa_arena_alloc(g->arena, size ? size : 1);

	if (p == NULL) {
		fputs("agg_gen: out of memory\n", stderr);
		abort();
	}
	return p;
}

/* Heavy hitter h (< HOSTS) of every node: the same address each time. */
static void host_addr(uint8_t out[4], unsigned h)
{
	out[0] = prefixes[h % N_PREFIXES][0];
	out[1] = prefixes[h % N_PREFIXES][1];
	out[2] = (uint8_t)(h / N_PREFIXES);
	out[3] = (uint8_t)(1 + h * 53 % 254);
}

/* ---- intervals ---- */

/* Splits total over n buckets in proportion to shape (each weight moved by
 * up to +-jitter of itself); the rounding remainder goes to the largest. */
static void spread(struct agg_gen *g, uint64_t total, const double *shape, unsigned n,
		   double jitter, uint64_t *out)
{
	double w[SA_TIME_BUCKETS], sum = 0;
	uint64_t used = 0;
	unsigned big = 0;

	for (unsigned i = 0; i < n; i++) {
		w[i] = shape[i] * (1 + jitter * (2 * unif(g) - 1));
		sum += w[i];
		if (w[i] > w[big])
			big = i;
	}
	for (unsigned i = 0; i < n; i++) {
		out[i] = sum > 0 ? (uint64_t)((double)total * (w[i] / sum)) : 0;
		used += out[i];
	}
	out[big] += total - used;
}

/* A bell over n log2 buckets: the shape of inter-arrival times and RTTs. */
static void bell(double *shape, unsigned n, double centre, double width)
{
	for (unsigned b = 0; b < n; b++)
		shape[b] = exp(-(b - centre) * (b - centre) / (2 * width * width));
}

/* Fills the packets/bytes counter pairs from index `first` on (sa_counter.h
 * keeps each pair adjacent); returns the bytes they add up to. */
static uint64_t fill_pairs(struct agg_gen *g, uint64_t *c, unsigned first, const double *shape,
			   unsigned n, uint64_t packets, double size)
{
	uint64_t p[4], bytes = 0;

	spread(g, packets, shape, n, 0.2, p);
	for (unsigned k = 0; k < n; k++) {
		c[first + 2 * k] = p[k];
		c[first + 2 * k + 1] = (uint64_t)((double)p[k] * size * (0.8 + 0.4 * unif(g)));
		bytes += c[first + 2 * k + 1];
	}
	return bytes;
}

static void fill_counters(struct agg_gen *g, uint64_t t_s, uint64_t *c)
{
	static const double family[3] = {0.89, 0.10, 0.01};        /* IPv4, IPv6, non-IP */
	static const double l4[4] = {0.80, 0.17, 0.01, 0.02};      /* TCP, UDP, ICMP, other */
	double wave = 1 + 0.4 * sin(2 * M_PI * (double)(t_s % 86400) / 86400);
	uint64_t p = (uint64_t)(g->base_pps * wave * (0.9 + 0.2 * unif(g)));
	double size = 550 + 300 * unif(g);

	c[SA_C_PACKETS] = p;
	c[SA_C_BYTES] = fill_pairs(g, c, SA_C_IPV4_PACKETS, family, 3, p, size);
	uint64_t ip = c[SA_C_IPV4_PACKETS] + c[SA_C_IPV6_PACKETS];
	fill_pairs(g, c, SA_C_TCP_PACKETS, l4, 4, ip, size);
	c[SA_C_FRAGMENTS] = (uint64_t)((double)ip / 1000 * unif(g));
	c[SA_C_FLOWS_NEW] = (uint64_t)((double)p / 40 * (0.8 + 0.4 * unif(g)));
	c[SA_C_FLOWS_ENDED] = (uint64_t)((double)c[SA_C_FLOWS_NEW] * (0.9 + 0.2 * unif(g)));
	c[SA_C_TCP_SYN] = (uint64_t)((double)c[SA_C_FLOWS_NEW] * 0.75 * (0.9 + 0.2 * unif(g)));
	c[SA_C_TCP_FIN] = (uint64_t)((double)c[SA_C_TCP_SYN] * 1.6 * (0.9 + 0.2 * unif(g)));
	c[SA_C_TCP_RST] = (uint64_t)((double)c[SA_C_TCP_SYN] * 0.05 * unif(g));
	if (below(g, 100) < 3) { /* the odd malformed packet, of one kind */
		c[SA_C_PARSE_ERRORS] = 1 + below(g, 5);
		c[SA_C_ERR_TRUNC_L2 + below(g, SA_C_ERR_LINKTYPE - SA_C_ERR_TRUNC_L2)] = c[SA_C_PARSE_ERRORS];
	}
	if (below(g, 1000) == 0) /* and rarely a loss */
		c[SA_C_NIC_MISSED] = 1 + below(g, 1000);
}

static void fill_hists(struct agg_gen *g, const uint64_t *c, Sa__IntervalStats *iv)
{
	/* RMON bands: small ACKs and full-size segments dominate. */
	static const double sizes[SA_SIZE_BUCKETS] = {0.30, 0.14, 0.06, 0.04, 0.05, 0.39, 0.02, 0};
	double shape[SA_TIME_BUCKETS];
	double pps = c[SA_C_PACKETS] ? (double)c[SA_C_PACKETS] : 1;

	iv->n_size_hist = SA_SIZE_BUCKETS;
	iv->size_hist = alloc(g, SA_SIZE_BUCKETS * sizeof(uint64_t));
	spread(g, c[SA_C_PACKETS], sizes, SA_SIZE_BUCKETS, 0.2, iv->size_hist);
	/* Gaps centre on the mean gap, 1/pps, in log2 microsecond bands. */
	bell(shape, SA_TIME_BUCKETS, log2(1e6 / pps) + 1, 2.5);
	iv->n_iat_hist = SA_TIME_BUCKETS;
	iv->iat_hist = alloc(g, SA_TIME_BUCKETS * sizeof(uint64_t));
	spread(g, c[SA_C_PACKETS], shape, SA_TIME_BUCKETS, 0.2, iv->iat_hist);
	bell(shape, SA_TIME_BUCKETS, 9 + 3 * unif(g), 2); /* RTTs of ~0.5-4 ms */
	iv->n_rtt_hist = SA_TIME_BUCKETS;
	iv->rtt_hist = alloc(g, SA_TIME_BUCKETS * sizeof(uint64_t));
	spread(g, c[SA_C_TCP_SYN], shape, SA_TIME_BUCKETS, 0.2, iv->rtt_hist);
}

/* The key of the i-th talker of a sketch holding n: the first quarter are
 * the same every second (heavy hitters), the rest rotate with `off`. */
static ProtobufCBinaryData talker_key(struct agg_gen *g, unsigned dim, unsigned i, unsigned n,
				      unsigned off)
{
	bool ip = dim == SA__TOP_DIM__TOP_SRC_IP || dim == SA__TOP_DIM__TOP_DST_IP;
	unsigned pool = ip ? HOSTS : N_SERVICES + N_EPHEMERAL, hot = n / 4;
	unsigned idx = i < hot ? i : hot + (off + i) % (pool - hot);
	uint8_t *k = alloc(g, 4);

	if (ip) {
		host_addr(k, idx);
		return (ProtobufCBinaryData){4, k};
	}
	uint16_t port = idx < N_SERVICES ? services[idx] : (uint16_t)(EPHEMERAL + idx - N_SERVICES);
	k[0] = (uint8_t)(port >> 8);
	k[1] = (uint8_t)port;
	return (ProtobufCBinaryData){2, k};
}

/* A Space-Saving sketch as the node lists it: n keys, largest first,
 * Zipf-like weights covering most of the total. */
static Sa__TopSketch *sketch(struct agg_gen *g, unsigned dim, uint64_t total, unsigned n, unsigned off)
{
	Sa__TopSketch *s = alloc(g, sizeof(*s));
	double sum = 0;

	for (unsigned i = 0; i < n; i++)
		sum += 1.0 / (i + 1);
	sa__top_sketch__init(s);
	s->has_dimension = s->has_capacity = s->has_total = 1;
	s->dimension = dim;
	s->capacity = TOP_CAPACITY;
	s->total = total;
	s->n_entries = n;
	s->entries = alloc(g, n * sizeof(*s->entries));
	for (unsigned i = 0; i < n; i++) {
		Sa__TopEntry *e = alloc(g, sizeof(*e));
		sa__top_entry__init(e);
		e->has_key = e->has_count = e->has_error = 1;
		e->key = talker_key(g, dim, i, n, off);
		e->count = (uint64_t)((double)total * 0.7 / (i + 1) / sum);
		s->entries[i] = e;
	}
	return s;
}

static void fill_sketches(struct agg_gen *g, const uint64_t *c, Sa__IntervalStats *iv)
{
	unsigned top = g->conf.top < TOP_CAPACITY ? g->conf.top : TOP_CAPACITY;

	if (top == 0)
		return;
	iv->n_top_bytes = iv->n_top_packets = TOP_DIMS;
	iv->top_bytes = alloc(g, TOP_DIMS * sizeof(*iv->top_bytes));
	iv->top_packets = alloc(g, TOP_DIMS * sizeof(*iv->top_packets));
	for (unsigned d = 0; d < TOP_DIMS; d++) {
		unsigned n = top / 2 + (unsigned)below(g, top - top / 2 + 1);
		unsigned off = (unsigned)rnd(g);
		if (d == SA__TOP_DIM__TOP_DST_PORT && n > N_SERVICES + 8)
			n = N_SERVICES + 8; /* few services take most traffic */
		if (n == 0)
			n = 1;
		iv->top_bytes[d] = sketch(g, d, c[SA_C_BYTES], n, off);
		iv->top_packets[d] = sketch(g, d, c[SA_C_PACKETS], n, off);
	}
}

static Sa__IntervalStats *interval(struct agg_gen *g, uint64_t t_s)
{
	Sa__IntervalStats *iv = alloc(g, sizeof(*iv));
	uint64_t t_ns = t_s * SA_NS_PER_S;

	sa__interval_stats__init(iv);
	iv->has_start_ns = iv->has_length_s = 1;
	iv->start_ns = t_ns;
	iv->length_s = 1;
	iv->n_counters = SA_C_COUNT;
	iv->counters = alloc(g, SA_C_COUNT * sizeof(uint64_t));
	fill_counters(g, t_s, iv->counters);
	fill_hists(g, iv->counters, iv);
	fill_sketches(g, iv->counters, iv);
	if (iv->counters[SA_C_PACKETS]) {
		iv->has_first_ns = iv->has_last_ns = 1;
		iv->first_ns = t_ns + below(g, 1000000);
		iv->last_ns = t_ns + 999000000 + below(g, 1000000);
	}
	g->rx_packets += iv->counters[SA_C_PACKETS];
	g->tot.points += agg_dump_points(iv);
	return iv;
}

/* ---- flows ---- */

/* One direction as capture-node/export.c dir_to_pb fills it. */
static Sa__DirStats *dir(struct agg_gen *g, uint64_t packets, double size, uint64_t first_ns,
			 uint64_t dur_ns, bool tcp)
{
	Sa__DirStats *d = alloc(g, sizeof(*d));

	sa__dir_stats__init(d);
	if (packets == 0)
		return d;
	d->has_packets = d->has_bytes = d->has_first_ns = d->has_last_ns = d->has_tcp_flags = 1;
	d->has_size_min = d->has_size_max = d->has_size_mean = d->has_size_var = 1;
	d->packets = packets;
	d->bytes = (uint64_t)((double)packets * size);
	d->first_ns = first_ns;
	d->last_ns = first_ns + (packets > 1 ? dur_ns : 0);
	d->tcp_flags = tcp ? 0x1b : 0; /* FIN SYN PSH ACK */
	d->size_mean = (double)d->bytes / (double)packets;
	d->size_min = packets > 1 ? (uint32_t)(60 + (d->size_mean - 60) * unif(g) / 2) : (uint32_t)d->bytes;
	d->size_max = packets > 1 ? (uint32_t)(d->size_mean + (1514 - d->size_mean) * unif(g)) : (uint32_t)d->bytes;
	d->size_var = packets > 1 ? pow(((double)d->size_max - d->size_min) / 4, 2) * unif(g) : 0;
	if (packets > 1) {
		double gap = (double)dur_ns / (double)(packets - 1);
		d->has_iat_min_ns = d->has_iat_max_ns = d->has_iat_mean_ns = d->has_iat_var_ns2 = 1;
		d->iat_min_ns = (uint64_t)(gap * 0.1 * unif(g));
		d->iat_max_ns = (uint64_t)fmin(gap * (1 + 3 * unif(g)), (double)dur_ns);
		d->iat_mean_ns = gap;
		d->iat_var_ns2 = gap * gap * 0.25 * unif(g);
	}
	d->has_retransmissions = d->has_seq_gaps = d->has_icmp_error = 1;
	if (tcp && below(g, 20) == 0) {
		d->retransmissions = (uint32_t)below(g, packets / 20 + 2);
		d->seq_gaps = (uint32_t)below(g, d->retransmissions + 1);
	}
	return d;
}

/* The record's first packets: a handshake for TCP, then sizes from either
 * side (positive A to B) and the gap to the packet before. */
static void first_packets(struct agg_gen *g, Sa__FlowRecord *r, uint64_t packets, bool tcp)
{
	unsigned n = packets < SA_WIRE_FIRST_MAX ? (unsigned)packets : SA_WIRE_FIRST_MAX;

	r->n_first_sizes = r->n_first_gaps_ns = n;
	r->first_sizes = alloc(g, n * sizeof(*r->first_sizes));
	r->first_gaps_ns = alloc(g, n * sizeof(*r->first_gaps_ns));
	for (unsigned k = 0; k < n; k++) {
		bool to_b = tcp && k < 3 ? k != 1 : below(g, 2) == 0;
		int32_t size = tcp && k < 3 ? (k == 2 ? 66 : 74) : (int32_t)(60 + below(g, 1455));
		r->first_sizes[k] = to_b ? size : -size;
		r->first_gaps_ns[k] = k == 0 ? 0 : k == 1 && tcp ? r->rtt_syn_synack_ns :
				      k == 2 && tcp ? r->rtt_synack_ack_ns : (uint64_t)logu(g, 1e3, 1e8);
	}
}

static Sa__FlowRecord *flow(struct agg_gen *g, uint64_t t0_ns, uint64_t span_ns)
{
	static const Sa__EndReason tcp_end[10] = {
		SA__END_REASON__END_FIN, SA__END_REASON__END_FIN, SA__END_REASON__END_FIN,
		SA__END_REASON__END_FIN, SA__END_REASON__END_FIN, SA__END_REASON__END_FIN,
		SA__END_REASON__END_FIN, SA__END_REASON__END_RST, SA__END_REASON__END_IDLE,
		SA__END_REASON__END_ACTIVE,
	};
	Sa__FlowRecord *r = alloc(g, sizeof(*r));
	uint8_t *addrs = alloc(g, 8);
	unsigned roll = (unsigned)below(g, 100);
	bool tcp = roll < 80, udp = !tcp && roll < 97;

	sa__flow_record__init(r);
	/* Clients anywhere in the /16s, servers mostly among the heavy hitters. */
	addrs[0] = prefixes[below(g, N_PREFIXES)][0];
	addrs[1] = prefixes[below(g, N_PREFIXES)][1];
	addrs[2] = (uint8_t)rnd(g);
	addrs[3] = (uint8_t)rnd(g);
	host_addr(addrs + 4, (unsigned)logu(g, 1, HOSTS) - 1);
	r->has_addr_a = r->has_addr_b = r->has_port_a = r->has_port_b = 1;
	r->has_proto = r->has_ip_version = r->has_vlan = r->has_end_reason = 1;
	r->addr_a = (ProtobufCBinaryData){4, addrs};
	r->addr_b = (ProtobufCBinaryData){4, addrs + 4};
	r->ip_version = 4;
	r->proto = tcp ? 6 : udp ? 17 : 1;
	if (tcp || udp) {
		r->port_a = EPHEMERAL + (uint32_t)below(g, N_EPHEMERAL);
		r->port_b = services[udp ? 2 + 6 * below(g, 2) : below(g, N_SERVICES)]; /* UDP: DNS or NTP */
	}
	uint64_t pk_ab = (uint64_t)logu(g, 1, 5000);
	uint64_t pk_ba = tcp ? (uint64_t)fmax(1, (double)pk_ab * (0.5 + unif(g))) :
			 udp ? (below(g, 5) ? pk_ab : 0) : 1;
	uint64_t dur = (uint64_t)logu(g, 1e5, 60e9);
	uint64_t first = t0_ns + below(g, span_ns);
	r->has_rtt_syn_synack_ns = r->has_rtt_synack_ack_ns = r->has_l4_incomplete = 1;
	if (tcp) {
		r->rtt_syn_synack_ns = (uint64_t)logu(g, 5e4, 2e7);
		r->rtt_synack_ack_ns = (uint64_t)logu(g, 1e4, 5e6);
	}
	uint64_t reply = tcp ? r->rtt_syn_synack_ns : (uint64_t)logu(g, 1e4, 1e6);
	r->a_to_b = dir(g, pk_ab, logu(g, 60, 600), first, dur, tcp);
	r->b_to_a = dir(g, pk_ba, logu(g, 60, 1400), first + reply, dur > reply ? dur - reply : 0, tcp);
	r->end_reason = tcp ? tcp_end[below(g, 10)] :
			below(g, 10) ? SA__END_REASON__END_IDLE : SA__END_REASON__END_ACTIVE;
	first_packets(g, r, pk_ab + pk_ba, tcp);
	return r;
}

/* ---- batches ---- */

static void status_fill(struct agg_gen *g, Sa__Heartbeat *hb)
{
	sa__heartbeat__init(hb);
	hb->has_node_id = hb->has_run_id = hb->has_rx_packets = hb->has_rx_missed = 1;
	hb->has_rx_nombuf = hb->has_rx_errors = hb->has_unacked_batches = 1;
	hb->has_ring_full = hb->has_flow_evictions = hb->has_parse_errors = hb->has_spool_full = 1;
	hb->node_id = g->node;
	hb->run_id = g->conf.run_id;
	hb->rx_packets = g->rx_packets;
}

size_t agg_gen_batch(struct agg_gen *g, uint8_t **out)
{
	Sa__ExportBatch b = SA__EXPORT_BATCH__INIT;
	Sa__NodeMessage m = SA__NODE_MESSAGE__INIT;
	Sa__Heartbeat status;
	unsigned secs = (g->conf.intervals ? g->conf.intervals : 1) * g->conf.step_s;
	size_t len;

	sa_arena_reset(g->arena);
	for (unsigned i = 0; i < g->conf.intervals; i++)
		g->ivs[i] = interval(g, g->next_s + (uint64_t)i * g->conf.step_s);
	for (unsigned i = 0; i < g->conf.flows; i++)
		g->flows[i] = flow(g, g->next_s * SA_NS_PER_S, secs * SA_NS_PER_S);
	status_fill(g, &status);
	b.has_schema_version = b.has_node_id = b.has_run_id = b.has_seq = b.has_last = 1;
	b.schema_version = SA_SCHEMA_VERSION;
	b.node_id = g->node;
	b.run_id = g->conf.run_id;
	b.seq = ++g->seq;
	b.n_flows = g->conf.flows;
	b.flows = g->flows;
	b.n_intervals = g->conf.intervals;
	b.intervals = g->ivs;
	b.status = &status;
	m.body_case = SA__NODE_MESSAGE__BODY_BATCH;
	m.batch = &b;
	len = sa_wire_pack(&m.base, out);
	g->next_s += secs;
	g->tot.batches++;
	g->tot.flows += g->conf.flows;
	g->tot.intervals += g->conf.intervals;
	g->tot.bytes += len;
	return len;
}

size_t agg_gen_hello(struct agg_gen *g, uint8_t **out)
{
	Sa__Hello h = SA__HELLO__INIT;
	Sa__NodeMessage m = SA__NODE_MESSAGE__INIT;
	char host[32];

	snprintf(host, sizeof(host), "bench-node-%u", g->node);
	h.has_schema_version = h.has_node_id = h.has_run_id = 1;
	h.schema_version = SA_SCHEMA_VERSION;
	h.node_id = g->node;
	h.run_id = g->conf.run_id;
	h.hostname = host;
	h.port_name = (char *)"agg_load";
	h.config = (char *)"source=bench/agg_load\n";
	m.body_case = SA__NODE_MESSAGE__BODY_HELLO;
	m.hello = &h;
	return sa_wire_pack(&m.base, out);
}

struct agg_gen *agg_gen_new(const struct agg_gen_conf *conf, uint32_t node_id)
{
	struct agg_gen *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	g->conf = *conf;
	g->node = node_id;
	/* splitmix64 of (seed, node): streams of different nodes do not overlap. */
	uint64_t z = conf->seed + node_id * 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	g->rng = (z ^ (z >> 31)) | 1;
	g->next_s = conf->start_s;
	g->base_pps = 20000 + 100000 * unif(g);
	g->arena = sa_arena_new(1 << 20);
	g->flows = calloc(conf->flows ? conf->flows : 1, sizeof(*g->flows));
	g->ivs = calloc(conf->intervals ? conf->intervals : 1, sizeof(*g->ivs));
	if (g->arena == NULL || g->flows == NULL || g->ivs == NULL)
		agg_gen_destroy(&g);
	return g;
}

void agg_gen_destroy(struct agg_gen **gp)
{
	struct agg_gen *g = *gp;

	if (g == NULL)
		return;
	sa_arena_destroy(&g->arena);
	free(g->flows);
	free(g->ivs);
	free(g);
	*gp = NULL;
}

void agg_gen_totals_add(const struct agg_gen *g, struct agg_gen_totals *t)
{
	t->batches += g->tot.batches;
	t->flows += g->tot.flows;
	t->intervals += g->tot.intervals;
	t->points += g->tot.points;
	t->bytes += g->tot.bytes;
}
