/* flowtab update cost at a given number of live flows.
 *
 * Built as build/bin/flowtab_bench (x86-64).
 * Usage: flowtab_bench [FLOWS...]   (default 1000 50000 1000000)
 *
 * For each size N: a table of capacity N is filled with N flows, then
 * UPDATES packets are fed to random flows among them (uniform; 1 in 8 is
 * IPv6, half TCP ACKs and half UDP, random direction and length), with
 * flowtab_expire(now, 64) after every 32 packets as the worker does. Capture
 * time advances 100 ns per packet, so nothing times out. Prints ns and TSC
 * cycles per update, best of 3 runs. A second line ("churn") feeds keys
 * drawn from 4N, so most packets open a flow and evict the least recently
 * seen one. Key material is computed from the flow number, not read from a
 * table, so the only large working set is the flow table itself. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "flowtab.h"

#define RUNS 3

static uint64_t emitted;

static void emit_count(void *ctx, const struct flow_record *f)
{
	(void)ctx;
	emitted += f->dir[0].packets + f->dir[1].packets;
}

static uint64_t rng = 88172645463325252ULL;

static inline uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static inline void mk_pkt(struct pkt_meta *m, uint32_t j, uint64_t r)
{
	memset(m, 0, sizeof(*m));
	if (j % 8 == 7) {
		m->l3 = PKT_L3_IPV6;
		m->src[0] = 0x20;
		m->src[1] = 0x01;
		m->src[12] = (uint8_t)(j >> 24);
		m->src[13] = (uint8_t)(j >> 16);
		m->src[14] = (uint8_t)(j >> 8);
		m->src[15] = (uint8_t)j;
		m->dst[0] = 0x2a;
		m->dst[15] = (uint8_t)(j % 5 + 1);
	} else {
		m->l3 = PKT_L3_IPV4;
		m->src[0] = 10;
		m->src[1] = (uint8_t)(j >> 16);
		m->src[2] = (uint8_t)(j >> 8);
		m->src[3] = (uint8_t)j;
		m->dst[0] = 192;
		m->dst[1] = 168;
		m->dst[2] = (uint8_t)(j >> 24);
		m->dst[3] = (uint8_t)(j % 7 + 1);
	}
	m->sport = (uint16_t)(1024 + (j & 0x3fff));
	m->dport = j & 1 ? 53 : 443;
	m->proto = j & 1 ? 17 : 6;
	m->tcp_flags = j & 1 ? 0 : 0x10;
	m->flags = PKT_F_HAS_L4;
	m->wire_len = 60 + (uint32_t)(r % 1400);
	if (r & (1u << 20)) { /* reverse direction */
		uint8_t t[16];
		uint16_t p = m->sport;
		memcpy(t, m->src, 16);
		memcpy(m->src, m->dst, 16);
		memcpy(m->dst, t, 16);
		m->sport = m->dport;
		m->dport = p;
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Returns ns per update; *cyc gets TSC cycles per update. */
static double run(uint32_t nflows, uint32_t keyspace, uint64_t updates, double *cyc)
{
	struct flowtab_conf c = {
		.capacity = nflows,
		.idle_timeout_ns = 30ULL * 1000000000,
		.active_timeout_ns = 300ULL * 1000000000,
		.close_timeout_ns = 2ULL * 1000000000,
		.emit = emit_count,
	};
	struct flowtab *ft = flowtab_new(&c);
	struct pkt_meta m;
	uint64_t ts = 1700000000ULL * 1000000000;
	double t0, t1;
	uint64_t c0, c1;

	if (ft == NULL)
		exit(1);
	for (uint32_t j = 0; j < nflows; j++) {
		mk_pkt(&m, j, rnd());
		flowtab_update(ft, &m, ts += 100);
	}
	t0 = now_s();
	c0 = __rdtsc();
	for (uint64_t n = 0; n < updates; n++) {
		uint64_t r = rnd();
		mk_pkt(&m, (uint32_t)((r >> 32) % keyspace), r);
		flowtab_update(ft, &m, ts += 100);
		if ((n & 31) == 31)
			flowtab_expire(ft, ts, 64);
	}
	c1 = __rdtsc();
	t1 = now_s();
	flowtab_flush(ft);
	flowtab_destroy(&ft);
	*cyc = (double)(c1 - c0) / (double)updates;
	return (t1 - t0) * 1e9 / (double)updates;
}

int main(int argc, char **argv)
{
	uint32_t def[] = { 1000, 50000, 1000000 };
	unsigned n = argc > 1 ? (unsigned)argc - 1 : 3;

	printf("%10s %8s %12s %12s\n", "flows", "mode", "ns/update", "cycles/upd");
	for (unsigned i = 0; i < n; i++) {
		uint32_t nf = argc > 1 ? (uint32_t)strtoul(argv[i + 1], NULL, 10) : def[i];
		uint64_t updates = nf * 4ULL < 4000000 ? 4000000 : nf * 4ULL;

		for (int mode = 0; mode < 2; mode++) {
			double best = 1e30, best_c = 0;
			for (int r = 0; r < RUNS; r++) {
				double cyc, ns = run(nf, mode ? 4 * nf : nf, updates, &cyc);
				if (ns < best) {
					best = ns;
					best_c = cyc;
				}
			}
			printf("%10u %8s %12.1f %12.1f\n", nf, mode ? "churn" : "steady", best, best_c);
		}
	}
	fprintf(stderr, "(%" PRIu64 " packets emitted)\n", emitted);
	return 0;
}
