/* Unit test of flowtab on hand-built pkt_meta values (no pkt_parse, no EAL).
 * Expected values are computed by hand in the comments next to each case;
 * the stress case checks the emitted-exactly-once property against a shadow
 * model of which keys have an open record. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "flowtab.h"


#define TCP 6
#define UDP 17
#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

/* ---- emitted flows are copied here ---- */

struct sink {
	struct flow_record *v;
	size_t n, cap;
};

static void sink_emit(void *ctx, const struct flow_record *f)
{
	struct sink *s = ctx;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (s->v == NULL)
			abort();
	}
	s->v[s->n++] = *f;
}

static struct flowtab *mk_tab(struct sink *s, uint32_t cap, uint64_t idle, uint64_t active,
			      uint64_t close)
{
	struct flowtab_conf c = {
		.capacity = cap,
		.idle_timeout_ns = idle,
		.active_timeout_ns = active,
		.close_timeout_ns = close,
		.emit = sink_emit,
		.emit_ctx = s,
	};

	memset(s, 0, sizeof(*s));
	return flowtab_new(&c);
}

/* Packet a.b.c.d:sport -> e.f.g.h:dport given as host-order uint32. */
static struct pkt_meta v4(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
			  uint8_t proto, uint8_t tcp_flags, uint32_t len)
{
	struct pkt_meta m;

	memset(&m, 0, sizeof(m));
	for (int i = 0; i < 4; i++) {
		m.src[i] = (uint8_t)(src >> (24 - 8 * i));
		m.dst[i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	m.sport = sport;
	m.dport = dport;
	m.l3 = PKT_L3_IPV4;
	m.proto = proto;
	m.tcp_flags = tcp_flags;
	m.flags = PKT_F_HAS_L4;
	m.wire_len = len;
	return m;
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* The table keeps time in microseconds (flowtab.h, "Precision"), so cases
 * whose stamps used to be a few ns apart give them in us: US(1500) is
 * 1.5 ms. Checks that a timeout is not reached one ns early keep the ns. */
#define US(x) ((uint64_t)(x) * 1000)

static uint64_t stat_new(const struct flowtab *ft)
{
	struct flowtab_stats st;
	flowtab_stats_get(ft, &st);
	return st.flows_new;
}

static uint64_t stat_active(const struct flowtab *ft)
{
	struct flowtab_stats st;
	flowtab_stats_get(ft, &st);
	return st.active;
}

static uint64_t pkts(const struct flow_record *f)
{
	return f->dir[0].packets + f->dir[1].packets;
}

/* ---- cases ---- */

static void test_new_rejects(void)
{
	struct sink s;
	struct flowtab *ft = mk_tab(&s, 0, 1, 1, 1);
	struct flowtab_conf c = { .capacity = 4 };

	CHECK(ft == NULL);
	CHECK(flowtab_new(&c) == NULL); /* no emit callback */
	ft = mk_tab(&s, 1, 1, 1, 1);
	CHECK(ft != NULL);
	flowtab_destroy(&ft);
	CHECK(ft == NULL);
	flowtab_destroy(&ft); /* idempotent on NULL */
}

/* A = 10.0.0.1:1000 (lo side), B = 10.0.0.2:80. A->B is dir 0. Times in us:
 *   t=1000 A->B 100 B, t=1500 B->A 200 B, t=3000 A->B 300 B
 * dir0: 2 pkts, 400 B, first 1000, last 3000; dir1: 1 pkt, 200 B, 1500. */
static void test_bidir(void)
{
	struct sink s;
	struct flowtab *ft = mk_tab(&s, 16, US(1000000), 0, US(1000));
	uint32_t a = IP(10, 0, 0, 1), b = IP(10, 0, 0, 2);
	struct pkt_meta m;

	m = v4(a, 1000, b, 80, UDP, 0, 100);
	CHECK(flowtab_update(ft, &m, US(1000)));
	m = v4(b, 80, a, 1000, UDP, 0, 200);
	CHECK(!flowtab_update(ft, &m, US(1500)));
	m = v4(a, 1000, b, 80, UDP, 0, 300);
	CHECK(!flowtab_update(ft, &m, US(3000)));
	CHECK_U(stat_new(ft), 1);
	CHECK_U(flowtab_flush(ft), 1);
	CHECK_U(s.n, 1);
	if (s.n == 1) {
		const struct flow_record *f = &s.v[0];
		CHECK_U(f->end, FLOW_END_FLUSH);
		CHECK(f->key.addr_lo[0] == 10 && f->key.addr_lo[3] == 1);
		CHECK(f->key.addr_hi[0] == 10 && f->key.addr_hi[3] == 2);
		CHECK_U(f->key.port_lo, 1000);
		CHECK_U(f->key.port_hi, 80);
		CHECK_U(f->key.proto, UDP);
		CHECK_U(f->key.ip_version, 4);
		CHECK_U(f->dir[0].packets, 2);
		CHECK_U(f->dir[0].bytes, 400);
		CHECK_U(f->dir[0].first_ns, US(1000));
		CHECK_U(f->dir[0].last_ns, US(3000));
		CHECK_U(f->dir[1].packets, 1);
		CHECK_U(f->dir[1].bytes, 200);
		CHECK_U(f->dir[1].first_ns, US(1500));
		CHECK_U(f->dir[1].last_ns, US(1500));
		CHECK_U(f->initiator, 0);
		CHECK_U(f->l4_incomplete, 0);
		CHECK_U(f->syn_ns, 0);
		CHECK_U(f->rtt_syn_synack_ns, 0);
	}

	/* Same address both ends: the lower port is "lo". 5000 -> 80 travels
	 * hi -> lo, so it is dir 1 and the initiator is 1. */
	s.n = 0;
	m = v4(a, 5000, a, 80, UDP, 0, 64);
	CHECK(flowtab_update(ft, &m, US(4000)));
	m = v4(a, 80, a, 5000, UDP, 0, 64);
	CHECK(!flowtab_update(ft, &m, US(4001)));
	flowtab_flush(ft);
	CHECK_U(s.n, 1);
	if (s.n == 1) {
		CHECK_U(s.v[0].key.port_lo, 80);
		CHECK_U(s.v[0].dir[1].first_ns, US(4000));
		CHECK_U(s.v[0].dir[0].first_ns, US(4001));
		CHECK_U(s.v[0].initiator, 1);
	}
	flowtab_destroy(&ft);
	free(s.v);
}

/* Initiator: SYN first; SYN/ACK first (receiver); UDP first packet; a later
 * SYN overrides the first-packet rule. Hi = 10.0.0.9, lo = 10.0.0.2. Times
 * in us. */
static void test_initiator(void)
{
	struct sink s;
	struct flowtab *ft = mk_tab(&s, 16, US(1000000), 0, US(1000));
	uint32_t lo = IP(10, 0, 0, 2), hi = IP(10, 0, 0, 9);
	struct pkt_meta m;

	/* 1: SYN hi -> lo: dir 1 opened it. */
	m = v4(hi, 40000, lo, 443, TCP, F_SYN, 60);
	flowtab_update(ft, &m, US(100));
	/* 2: first packet is a SYN/ACK lo -> hi (dir 0): the initiator is its
	 * receiver, dir 1. */
	m = v4(lo, 444, hi, 40001, TCP, F_SYN | F_ACK, 60);
	flowtab_update(ft, &m, US(200));
	/* 3: UDP lo -> hi first: initiator 0. */
	m = v4(lo, 53, hi, 5353, UDP, 0, 80);
	flowtab_update(ft, &m, US(300));
	/* 4: UDP hi -> lo first: initiator 1. */
	m = v4(hi, 7000, lo, 7001, UDP, 0, 80);
	flowtab_update(ft, &m, US(400));
	/* 5: TCP data lo -> hi first, then a SYN hi -> lo: the SYN sender wins. */
	m = v4(lo, 445, hi, 40002, TCP, F_ACK, 60);
	flowtab_update(ft, &m, US(500));
	m = v4(hi, 40002, lo, 445, TCP, F_SYN, 60);
	flowtab_update(ft, &m, US(600));

	CHECK_U(flowtab_flush(ft), 5);
	CHECK_U(s.n, 5);
	for (size_t i = 0; i < s.n; i++) {
		const struct flow_record *f = &s.v[i];
		uint64_t t0 = f->dir[0].packets ? f->dir[0].first_ns : f->dir[1].first_ns;

		if (f->dir[1].packets && f->dir[1].first_ns < t0)
			t0 = f->dir[1].first_ns;
		switch (t0 / 1000) {
		case 100: CHECK_U(f->initiator, 1); CHECK_U(f->syn_dir, 1); CHECK_U(f->syn_ns, US(100)); break;
		case 200: CHECK_U(f->initiator, 1); CHECK_U(f->synack_ns, US(200)); CHECK_U(f->syn_ns, 0); break;
		case 300: CHECK_U(f->initiator, 0); break;
		case 400: CHECK_U(f->initiator, 1); break;
		case 500: CHECK_U(f->initiator, 1); CHECK_U(f->syn_ns, US(600)); break;
		default: CHECK(0); break;
		}
	}
	flowtab_destroy(&ft);
	free(s.v);
}

/* Client C = 10.0.0.9:40000 (hi, dir 1), server S = 10.0.0.2:443 (dir 0).
 *   t=1000000 C SYN; 1250000 S SYN/ACK; 1300000 S ACK (server side: ignored);
 *   1400000 C ACK; 1450000 C SYN (retransmit: ignored); 1500000 C ACK
 * rtt_syn_synack = 250000, rtt_synack_ack = 1400000 - 1250000 = 150000. */
static void test_rtt(void)
{
	struct sink s;
	struct flowtab *ft = mk_tab(&s, 16, 1000000000, 0, 1000);
	uint32_t c = IP(10, 0, 0, 9), sv = IP(10, 0, 0, 2);
	struct pkt_meta m;

	m = v4(c, 40000, sv, 443, TCP, F_SYN, 74);
	CHECK(flowtab_update(ft, &m, 1000000));
	m = v4(sv, 443, c, 40000, TCP, F_SYN | F_ACK, 74);
	CHECK(!flowtab_update(ft, &m, 1250000));
	m = v4(sv, 443, c, 40000, TCP, F_ACK, 66);
	flowtab_update(ft, &m, 1300000);
	m = v4(c, 40000, sv, 443, TCP, F_ACK, 66);
	flowtab_update(ft, &m, 1400000);
	m = v4(c, 40000, sv, 443, TCP, F_SYN, 74);
	flowtab_update(ft, &m, 1450000);
	m = v4(c, 40000, sv, 443, TCP, F_ACK | F_PSH, 566);
	flowtab_update(ft, &m, 1500000);
	flowtab_flush(ft);
	CHECK_U(s.n, 1);
	if (s.n == 1) {
		const struct flow_record *f = &s.v[0];
		CHECK_U(f->syn_ns, 1000000);
		CHECK_U(f->synack_ns, 1250000);
		CHECK_U(f->syn_dir, 1);
		CHECK_U(f->initiator, 1);
		CHECK_U(f->rtt_syn_synack_ns, 250000);
		CHECK_U(f->rtt_synack_ack_ns, 150000);
		CHECK_U(f->dir[1].tcp_flags, F_SYN | F_ACK | F_PSH);
		CHECK_U(f->dir[0].tcp_flags, F_SYN | F_ACK);
		CHECK_U(f->dir[1].packets, 4);
		CHECK_U(f->dir[0].packets, 2);
		CHECK_U(f->fin_mask, 0);
		CHECK_U(f->closing, 0);
	}

	/* A SYN/ACK in the SYN's own direction is not the answer. */
	s.n = 0;
	m = v4(c, 40010, sv, 443, TCP, F_SYN, 74);
	flowtab_update(ft, &m, 2000000);
	m = v4(c, 40010, sv, 443, TCP, F_SYN | F_ACK, 74);
	flowtab_update(ft, &m, 2100000);
	flowtab_flush(ft);
	CHECK_U(s.n, 1);
	if (s.n == 1) {
		CHECK_U(s.v[0].synack_ns, 0);
		CHECK_U(s.v[0].rtt_syn_synack_ns, 0);
	}
	flowtab_destroy(&ft);
	free(s.v);
}

/* Sizes and gaps, dir 0 (A = 10.0.0.1 -> B = 10.0.0.2), times in us:
 *   t    1000 1400 1500 2500     len 60 1500 100 40
 *   gaps 400 100 1000 -> min 100, max 1000, sum 1500,
 *        sumsq 160000 + 10000 + 1000000 = 1170000 (us^2), which the table
 *        keeps as a float sum of squared deviations: checked to 1e-6
 *   size min 40, max 1500, bytes 1700,
 *        sumsq 3600 + 2250000 + 10000 + 1600 = 2265200
 * dir 1 with a reordered stamp: t 3000, 2000, 3500, len 10 20 30
 *   gaps 0 (2000 < 3000, clamped), 500 -> min 0, max 500, sum 500,
 *   sumsq 250000; first 2000 (earliest), last 3500. */
static void test_stats(void)
{
	struct sink s;
	struct flowtab *ft = mk_tab(&s, 16, 1000000000, 0, 1000);
	uint32_t a = IP(10, 0, 0, 1), b = IP(10, 0, 0, 2);
	const uint64_t t0[] = { 1000, 1400, 1500, 2500 }; /* us */
	const uint32_t l0[] = { 60, 1500, 100, 40 };
	const uint64_t t1[] = { 3000, 2000, 3500 };
	const uint32_t l1[] = { 10, 20, 30 };
	struct pkt_meta m;

	for (int i = 0; i < 4; i++) {
		m = v4(a, 9, b, 9, UDP, 0, l0[i]);
		flowtab_update(ft, &m, US(t0[i]));
	}
	for (int i = 0; i < 3; i++) {
		m = v4(b, 9, a, 9, UDP, 0, l1[i]);
		flowtab_update(ft, &m, US(t1[i]));
	}
	/* A single packet: no gaps at all. */
	m = v4(a, 1, b, 2, UDP, 0, 77);
	flowtab_update(ft, &m, US(5000));
	flowtab_flush(ft);
	CHECK_U(s.n, 2);
	for (size_t i = 0; i < s.n; i++) {
		const struct flow_record *f = &s.v[i];
		const struct flow_dir *d0 = &f->dir[0], *d1 = &f->dir[1];

		if (f->key.port_lo == 9) {
			CHECK_U(d0->packets, 4);
			CHECK_U(d0->bytes, 1700);
			CHECK_U(d0->size_min, 40);
			CHECK_U(d0->size_max, 1500);
			CHECK_U(d0->size_sumsq, 2265200);
			CHECK_U(d0->iat_min_ns, US(100));
			CHECK_U(d0->iat_max_ns, US(1000));
			CHECK(d0->iat_sum_ns == 1500.0e3);
			CHECK_NEAR(d0->iat_sumsq_ns2, 1170000.0e6, 1170000.0e6 * 1e-6);
			CHECK_U(d0->first_ns, US(1000));
			CHECK_U(d0->last_ns, US(2500));
			CHECK_U(d1->packets, 3);
			CHECK_U(d1->bytes, 60);
			CHECK_U(d1->size_min, 10);
			CHECK_U(d1->size_max, 30);
			CHECK_U(d1->size_sumsq, 100 + 400 + 900);
			CHECK_U(d1->iat_min_ns, 0);
			CHECK_U(d1->iat_max_ns, US(500));
			CHECK(d1->iat_sum_ns == 500.0e3);
			CHECK_NEAR(d1->iat_sumsq_ns2, 250000.0e6, 250000.0e6 * 1e-6);
			CHECK_U(d1->first_ns, US(2000));
			CHECK_U(d1->last_ns, US(3500));
		} else {
			CHECK_U(d0->packets, 1);
			CHECK_U(d0->size_min, 77);
			CHECK_U(d0->size_max, 77);
			CHECK_U(d0->size_sumsq, 77 * 77);
			CHECK_U(d0->iat_min_ns, 0);
			CHECK_U(d0->iat_max_ns, 0);
			CHECK(d0->iat_sum_ns == 0.0);
			CHECK_U(d1->packets, 0);
			CHECK_U(d1->size_min, 0);
		}
	}
	flowtab_destroy(&ft);
	free(s.v);
}

/* Times in us, idle = 1000. X at t=5000 expires at 6000, not 1 ns before.
 * LRU order: Y, Z at 10100, 10200, Y again at 10300 -> Z goes first at
 * 11200, Y at 11300. A packet that arrives after the idle gap ends the old
 * record itself. */
static void test_idle(void)
{
	struct sink s;
	struct flowtab *ft = mk_tab(&s, 16, US(1000), 0, US(100));
	uint32_t a = IP(10, 0, 0, 1), b = IP(10, 0, 0, 2);
	struct pkt_meta x = v4(a, 1, b, 2, UDP, 0, 100);
	struct pkt_meta y = v4(a, 3, b, 4, UDP, 0, 100);
	struct pkt_meta z = v4(a, 5, b, 6, UDP, 0, 100);

	flowtab_update(ft, &x, US(5000));
	CHECK_U(flowtab_expire(ft, US(6000) - 1, 100), 0);
	CHECK_U(s.n, 0);
	CHECK_U(flowtab_expire(ft, US(6000), 100), 1);
	CHECK_U(s.n, 1);
	CHECK_U(s.v[0].end, FLOW_END_IDLE);
	CHECK_U(stat_active(ft), 0);

	s.n = 0;
	flowtab_update(ft, &y, US(10100));
	flowtab_update(ft, &z, US(10200));
	flowtab_update(ft, &y, US(10300));
	CHECK_U(flowtab_expire(ft, US(11200) - 1, 100), 0);
	CHECK_U(flowtab_expire(ft, US(11200), 100), 1);
	CHECK_U(s.n, 1);
	CHECK_U(s.v[0].key.port_lo, 5);
	CHECK_U(flowtab_expire(ft, US(11300) - 1, 100), 0);
	CHECK_U(flowtab_expire(ft, US(11300), 100), 1);
	CHECK_U(s.n, 2);
	CHECK_U(s.v[1].key.port_lo, 3);
	CHECK_U(pkts(&s.v[1]), 2);

	/* `max` bounds the work: three idle flows, max 2 then the rest. */
	s.n = 0;
	flowtab_update(ft, &x, US(20000));
	flowtab_update(ft, &y, US(20001));
	flowtab_update(ft, &z, US(20002));
	CHECK_U(flowtab_expire(ft, US(30000), 2), 2);
	CHECK_U(stat_active(ft), 1);
	CHECK_U(flowtab_expire(ft, US(30000), 2), 1);
	CHECK_U(flowtab_expire(ft, US(30000), 0), 0);
	CHECK_U(s.n, 3);

	/* Lazy end: 999 us later joins, 1000 us after the last packet restarts. */
	s.n = 0;
	CHECK(flowtab_update(ft, &x, US(40000)));
	CHECK(!flowtab_update(ft, &x, US(40999)));
	CHECK(flowtab_update(ft, &x, US(41999)));
	CHECK_U(s.n, 1);
	CHECK_U(s.v[0].end, FLOW_END_IDLE);
	CHECK_U(pkts(&s.v[0]), 2);
	flowtab_flush(ft);
	CHECK_U(s.n, 2);
	CHECK_U(pkts(&s.v[1]), 1);
	CHECK_U(s.v[1].dir[0].first_ns, US(41999));
	flowtab_destroy(&ft);
	free(s.v);
}

/* active = 10000, one packet every 1000 ns from t=1000 to 15000, even i
 * A->B (dir 0), odd i B->A (dir 1), len 100 + i. The packet at 11000 is
 * 10000 after the start: record 1 = i 0..9 (5 + 5 pkts), ended ACTIVE;
 * record 2 = i 10..14 (dir0 i 10,12,14, dir1 i 11,13), flushed.
 * Bytes: rec 1 = 10*100 + 45 = 1045, rec 2 = 5*100 + 60 = 560. */
static void test_active(void)
{
	struct sink s;
	struct flowtab *ft = mk_tab(&s, 16, 1000000, 10000, 1000);
	uint32_t a = IP(10, 0, 0, 1), b = IP(10, 0, 0, 2);
	unsigned fresh = 0;

	for (int i = 0; i < 15; i++) {
		struct pkt_meta m = (i & 1) ? v4(b, 80, a, 1234, UDP, 0, 100 + i)
					    : v4(a, 1234, b, 80, UDP, 0, 100 + i);
		bool f = flowtab_update(ft, &m, 1000 + 1000 * (uint64_t)i);

		fresh += f;
		if (i == 10)
			CHECK(f);
		if (i == 9)
			CHECK_U(s.n, 0);
	}
	CHECK_U(fresh, 2);
	CHECK_U(s.n, 1);
	flowtab_flush(ft);
	CHECK_U(s.n, 2);
	if (s.n == 2) {
		const struct flow_record *r1 = &s.v[0], *r2 = &s.v[1];
		CHECK_U(r1->end, FLOW_END_ACTIVE);
		CHECK_U(r1->dir[0].packets, 5);
		CHECK_U(r1->dir[1].packets, 5);
		CHECK_U(r1->dir[0].first_ns, 1000);
		CHECK_U(r1->dir[1].last_ns, 10000);
		CHECK_U(r1->dir[0].bytes + r1->dir[1].bytes, 1045);
		CHECK_U(r2->end, FLOW_END_FLUSH);
		CHECK_U(r2->dir[0].packets, 3);
		CHECK_U(r2->dir[1].packets, 2);
		CHECK_U(r2->dir[0].first_ns, 11000);
		CHECK_U(r2->dir[0].last_ns, 15000);
		CHECK_U(r2->dir[0].bytes + r2->dir[1].bytes, 560);
		CHECK_U(pkts(r1) + pkts(r2), 15);
		CHECK_U(r2->initiator, 0);
	}
	CHECK_U(stat_new(ft), 2);
	flowtab_destroy(&ft);
	free(s.v);
}

/* C = 10.0.0.9:40000 (dir 1), S = 10.0.0.2:80 (dir 0), times in us, close = 2000.
 *   1000 C SYN, 1100 S SYN/ACK, 1200 C ACK, 4000 C FIN/ACK,
 *   5000 S FIN/ACK (both FINs: closing from 5000), 5500 C ACK (joins),
 *   expire(7000 - 1 ns) nothing, expire(7000) ends it with FIN: 6 packets,
 *   4 of them from C. */
static void test_fin(void)
{
	struct sink s;
	struct flowtab *ft = mk_tab(&s, 16, 1000000000, 0, US(2000));
	uint32_t c = IP(10, 0, 0, 9), sv = IP(10, 0, 0, 2);
	struct pkt_meta cs = v4(c, 40000, sv, 80, TCP, 0, 60);
	struct pkt_meta sc = v4(sv, 80, c, 40000, TCP, 0, 60);

	cs.tcp_flags = F_SYN;
	flowtab_update(ft, &cs, US(1000));
	sc.tcp_flags = F_SYN | F_ACK;
	flowtab_update(ft, &sc, US(1100));
	cs.tcp_flags = F_ACK;
	flowtab_update(ft, &cs, US(1200));
	cs.tcp_flags = F_FIN | F_ACK;
	flowtab_update(ft, &cs, US(4000));
	CHECK_U(flowtab_expire(ft, US(4000 + 2000), 10), 0); /* one FIN only: not closing */
	sc.tcp_flags = F_FIN | F_ACK;
	flowtab_update(ft, &sc, US(5000));
	cs.tcp_flags = F_ACK;
	CHECK(!flowtab_update(ft, &cs, US(5500)));
	CHECK_U(flowtab_expire(ft, US(7000) - 1, 10), 0);
	CHECK_U(s.n, 0);
	CHECK_U(flowtab_expire(ft, US(7000), 10), 1);
	CHECK_U(s.n, 1);
	if (s.n == 1) {
		const struct flow_record *f = &s.v[0];
		CHECK_U(f->end, FLOW_END_FIN);
		CHECK_U(f->fin_mask, 3);
		CHECK_U(f->closing, 1);
		CHECK_U(pkts(f), 6);
		CHECK_U(f->dir[1].packets, 4);
		CHECK_U(f->dir[1].last_ns, US(5500));
		CHECK_U(f->rtt_syn_synack_ns, US(100));
		CHECK_U(f->rtt_synack_ack_ns, US(100));
	}
	CHECK_U(stat_active(ft), 0);

	/* A closing flow whose close timeout passed before expire ran: the next
	 * packet ends it (reason FIN) and opens a new record. An RST after both
	 * FINs leaves the reason FIN. */
	s.n = 0;
	cs.tcp_flags = F_FIN;
	flowtab_update(ft, &cs, US(10000));
	sc.tcp_flags = F_FIN;
	flowtab_update(ft, &sc, US(10100));
	sc.tcp_flags = F_RST;
	CHECK(!flowtab_update(ft, &sc, US(12100) - 1));
	cs.tcp_flags = F_ACK;
	CHECK(flowtab_update(ft, &cs, US(12100)));
	CHECK_U(s.n, 1);
	CHECK_U(s.v[0].end, FLOW_END_FIN);
	CHECK_U(pkts(&s.v[0]), 3);
	flowtab_destroy(&ft);
	free(s.v);
}

/* Times in us: SYN at 1000, RST from the server at 2000, close = 500:
 * closing at 2000, ended RST at 2500 and not 1 ns before. */
static void test_rst(void)
{
	struct sink s;
	struct flowtab *ft = mk_tab(&s, 16, 1000000000, 0, US(500));
	uint32_t c = IP(10, 0, 0, 9), sv = IP(10, 0, 0, 2);
	struct pkt_meta m;

	m = v4(c, 40000, sv, 81, TCP, F_SYN, 60);
	flowtab_update(ft, &m, US(1000));
	m = v4(sv, 81, c, 40000, TCP, F_RST | F_ACK, 60);
	flowtab_update(ft, &m, US(2000));
	CHECK_U(flowtab_expire(ft, US(2500) - 1, 10), 0);
	CHECK_U(flowtab_expire(ft, US(2500), 10), 1);
	CHECK_U(s.n, 1);
	if (s.n == 1) {
		CHECK_U(s.v[0].end, FLOW_END_RST);
		CHECK_U(s.v[0].closing, 1);
		CHECK_U(s.v[0].dir[0].tcp_flags, F_RST | F_ACK);
		CHECK_U(s.v[0].rtt_syn_synack_ns, 0);
	}
	flowtab_destroy(&ft);
	free(s.v);
}

/* capacity 4, times in us (recency is kept to the microsecond): F1..F4 at
 * t 1..4, F1 again at 5, F5 at 6 evicts F2 (least recently seen). Then F3
 * is RST (closing) at 7 and F6 at 8 evicts F3 even though F4 was seen
 * earlier: closing flows go first. */
static void test_evict(void)
{
	struct sink s;
	struct flowtab *ft = mk_tab(&s, 4, 1000000, 0, 1000000);
	uint32_t a = IP(10, 0, 0, 1), b = IP(10, 0, 0, 2);
	struct flowtab_stats st;
	struct pkt_meta m;

	for (uint16_t p = 1; p <= 4; p++) {
		m = v4(a, p, b, 1000, TCP, F_ACK, 60);
		CHECK(flowtab_update(ft, &m, US(p)));
	}
	m = v4(a, 1, b, 1000, TCP, F_ACK, 60);
	CHECK(!flowtab_update(ft, &m, US(5)));
	CHECK_U(s.n, 0);
	m = v4(a, 5, b, 1000, TCP, F_ACK, 60);
	CHECK(flowtab_update(ft, &m, US(6)));
	CHECK_U(s.n, 1);
	CHECK_U(s.v[0].key.port_lo, 2);
	CHECK_U(s.v[0].end, FLOW_END_EVICT);
	flowtab_stats_get(ft, &st);
	CHECK_U(st.evictions, 1);
	CHECK_U(st.active, 4);

	m = v4(b, 1000, a, 3, TCP, F_RST, 60);
	flowtab_update(ft, &m, US(7));
	m = v4(a, 6, b, 1000, TCP, F_SYN, 60);
	CHECK(flowtab_update(ft, &m, US(8)));
	CHECK_U(s.n, 2);
	CHECK_U(s.v[1].key.port_lo, 3);
	CHECK_U(s.v[1].end, FLOW_END_EVICT);
	CHECK_U(pkts(&s.v[1]), 2);
	flowtab_stats_get(ft, &st);
	CHECK_U(st.evictions, 2);
	CHECK_U(st.flows_new, 6);
	CHECK_U(st.flows_ended, 2);
	CHECK_U(st.active, 4);

	/* Remaining: F4, F1, F5, F6, in LRU order. */
	CHECK_U(flowtab_flush(ft), 4);
	CHECK_U(s.n, 6);
	CHECK_U(s.v[2].key.port_lo, 4);
	CHECK_U(s.v[3].key.port_lo, 1);
	CHECK_U(s.v[4].key.port_lo, 5);
	CHECK_U(s.v[5].key.port_lo, 6);
	flowtab_destroy(&ft);
	free(s.v);
}

/* 10 flows, 3 of them closing: flush emits each exactly once, then none. */
static void test_flush(void)
{
	struct sink s;
	struct flowtab *ft = mk_tab(&s, 64, 1000000, 0, 1000000);
	uint32_t a = IP(10, 0, 0, 1), b = IP(10, 0, 0, 2);
	unsigned seen[10] = { 0 };
	struct flowtab_stats st;

	for (uint16_t p = 0; p < 10; p++) {
		struct pkt_meta m = v4(a, 100 + p, b, 1000, TCP, p < 3 ? F_RST : F_ACK, 60);
		flowtab_update(ft, &m, 1 + p);
	}
	CHECK_U(flowtab_flush(ft), 10);
	CHECK_U(s.n, 10);
	for (size_t i = 0; i < s.n; i++) {
		CHECK_U(s.v[i].end, FLOW_END_FLUSH);
		if (s.v[i].key.port_lo >= 100 && s.v[i].key.port_lo < 110)
			seen[s.v[i].key.port_lo - 100]++;
	}
	for (int p = 0; p < 10; p++)
		CHECK_U(seen[p], 1);
	CHECK_U(flowtab_flush(ft), 0);
	CHECK_U(flowtab_expire(ft, UINT64_MAX, UINT_MAX), 0);
	flowtab_stats_get(ft, &st);
	CHECK_U(st.active, 0);
	CHECK_U(st.flows_new, 10);
	CHECK_U(st.flows_ended, 10);
	CHECK_U(st.evictions, 0);
	flowtab_destroy(&ft);
	free(s.v);
}

/* Same endpoints on VLAN 0 and 10, as TCP and UDP, and an IPv6 packet whose
 * 16 address bytes equal the IPv4 ones: five distinct flows. */
static void test_key_fields(void)
{
	struct sink s;
	struct flowtab *ft = mk_tab(&s, 64, 1000000, 0, 1000);
	uint32_t a = IP(10, 0, 0, 1), b = IP(10, 0, 0, 2);
	struct pkt_meta m;
	unsigned v6 = 0, vl = 0;

	m = v4(a, 1, b, 2, UDP, 0, 60);
	CHECK(flowtab_update(ft, &m, 1));
	m.vlan = 10;
	CHECK(flowtab_update(ft, &m, 2));
	m.vlan = 0;
	m.proto = TCP;
	CHECK(flowtab_update(ft, &m, 3));
	m.proto = UDP;
	m.l3 = PKT_L3_IPV6;
	CHECK(flowtab_update(ft, &m, 4));
	m.vlan = 10;
	CHECK(flowtab_update(ft, &m, 5));
	/* and each again lands in its own flow */
	m = v4(b, 2, a, 1, UDP, 0, 60);
	CHECK(!flowtab_update(ft, &m, 6));
	m.l3 = PKT_L3_IPV6;
	m.vlan = 10;
	CHECK(!flowtab_update(ft, &m, 7));
	CHECK_U(stat_new(ft), 5);
	CHECK_U(flowtab_flush(ft), 5);
	for (size_t i = 0; i < s.n; i++) {
		v6 += s.v[i].key.ip_version == 6;
		vl += s.v[i].key.vlan == 10;
		if (s.v[i].key.ip_version == 6 && s.v[i].key.vlan == 10)
			CHECK_U(pkts(&s.v[i]), 2);
	}
	CHECK_U(v6, 2);
	CHECK_U(vl, 2);
	flowtab_destroy(&ft);
	free(s.v);
}

/* l4_incomplete: only later fragments -> 1; later fragment then a whole
 * packet -> 0; whole packet then later fragment -> 0; only first fragments
 * whose transport header is cut short -> 1. Ports are 0 for later
 * fragments, so every packet here uses ports 0 (proto 47). */
static void test_fragments(void)
{
	struct sink s;
	struct flowtab *ft = mk_tab(&s, 16, 1000000, 0, 1000);
	uint32_t a = IP(10, 0, 0, 1);
	struct pkt_meta m;

	for (int i = 0; i < 3; i++) {
		m = v4(a, 0, IP(10, 0, 1, 1), 0, 47, 0, 1500);
		m.flags = PKT_F_FRAGMENT | PKT_F_LATER_FRAGMENT;
		flowtab_update(ft, &m, 10 + i);
	}
	m = v4(a, 0, IP(10, 0, 1, 2), 0, 47, 0, 1500);
	m.flags = PKT_F_FRAGMENT | PKT_F_LATER_FRAGMENT;
	flowtab_update(ft, &m, 20);
	m.flags = 0;
	flowtab_update(ft, &m, 21);
	m = v4(a, 0, IP(10, 0, 1, 3), 0, 47, 0, 1500);
	m.flags = 0;
	flowtab_update(ft, &m, 30);
	m.flags = PKT_F_FRAGMENT | PKT_F_LATER_FRAGMENT;
	flowtab_update(ft, &m, 31);
	m = v4(a, 0, IP(10, 0, 1, 4), 0, 6, 0, 60);
	m.flags = PKT_F_FRAGMENT;
	m.err = PKT_ERR_TRUNC_L4;
	flowtab_update(ft, &m, 40);
	flowtab_update(ft, &m, 41);
	CHECK_U(flowtab_flush(ft), 4);
	for (size_t i = 0; i < s.n; i++)
		CHECK_U(s.v[i].l4_incomplete, s.v[i].key.addr_hi[3] == 1 || s.v[i].key.addr_hi[3] == 4);
	flowtab_destroy(&ft);
	free(s.v);
}

/* Issue 3: a flow slot costs at most 128 bytes, record, hash index and
 * deadline index together, from a few thousand flows up (a power of two,
 * one more than that, the default 262144 and an odd size). IPv6 flows add
 * 32 bytes each in their own pool. */
static void test_memory(void)
{
	const uint32_t caps[] = { 4096, 65536, 262144, 1000000, 1u << 20, (1u << 20) + 1 };

	for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
		struct sink s;
		struct flowtab *ft = mk_tab(&s, caps[k], 1000, 0, 1000);
		struct flowtab_mem mem;

		CHECK(ft != NULL);
		if (ft == NULL)
			continue;
		flowtab_mem_get(ft, &mem);
		CHECK_U(mem.capacity, caps[k]);
		CHECK(mem.entries + mem.index + mem.timer <= 128 * (size_t)caps[k]);
		CHECK(mem.entries <= 120 * (size_t)caps[k]);
		CHECK_U(mem.v6_pool, 32 * (size_t)caps[k]);
		flowtab_destroy(&ft);
	}
}

/* Record limits (flowtab.h): before a packet would take a direction past
 * 2^32 - 1 bytes or 2^24 - 1 packets, or lie 2^32 - 1 us or more after the
 * second of the record's first packet, the record ends with
 * FLOW_END_ACTIVE and the packet starts the next one; totals stay exact.
 *  - bytes: 70000 packets of 65535 B, A -> B: 65537 of them make exactly
 *    2^32 - 1 bytes, so record 1 has 65537 packets, record 2 4463;
 *  - packets: 2^24 + 5 one-byte packets: 2^24 - 1, then 6;
 *  - time (no active timeout): packets at 0.5 s, 4000 s and 4295.5 s: the
 *    third is past 0 s + 2^32 - 1 us (4294.967295 s). */
static void test_record_limits(void)
{
	struct sink s;
	struct flowtab *ft = mk_tab(&s, 16, 1000000ULL * 1000000000, 0, 1000);
	uint32_t a = IP(10, 0, 0, 1), b = IP(10, 0, 0, 2);
	struct pkt_meta m = v4(a, 1000, b, 2000, UDP, 0, 65535);
	uint64_t ts = 1000000000, fresh = 0;

	for (unsigned n = 0; n < 70000; n++)
		fresh += flowtab_update(ft, &m, ts += 1000);
	CHECK_U(fresh, 2);
	CHECK_U(s.n, 1);
	if (s.n == 1) {
		CHECK_U(s.v[0].end, FLOW_END_ACTIVE);
		CHECK_U(s.v[0].dir[0].packets, 65537);
		CHECK_U(s.v[0].dir[0].bytes, UINT32_MAX);
		CHECK_U(s.v[0].dir[0].size_sumsq, 65537ULL * 65535 * 65535);
	}
	CHECK_U(flowtab_flush(ft), 1);
	CHECK_U(s.n, 2);
	if (s.n == 2) {
		CHECK_U(s.v[1].dir[0].packets, 70000 - 65537);
		CHECK_U(s.v[1].dir[0].bytes, (70000 - 65537) * 65535ULL);
		CHECK_U(s.v[0].dir[0].bytes + s.v[1].dir[0].bytes, 70000 * 65535ULL);
		CHECK_U(s.v[1].dir[0].first_ns, s.v[0].dir[0].last_ns + 1000);
	}

	s.n = 0;
	fresh = 0;
	m = v4(b, 2000, a, 1000, UDP, 0, 1);
	for (uint32_t n = 0; n < (1u << 24) + 5; n++)
		fresh += flowtab_update(ft, &m, ts += 1000);
	flowtab_flush(ft);
	CHECK_U(fresh, 2);
	CHECK_U(s.n, 2);
	if (s.n == 2) {
		CHECK_U(s.v[0].end, FLOW_END_ACTIVE);
		CHECK_U(s.v[0].dir[1].packets, (1u << 24) - 1);
		CHECK_U(s.v[0].dir[1].bytes, (1u << 24) - 1);
		CHECK_U(s.v[1].end, FLOW_END_FLUSH);
		CHECK_U(s.v[1].dir[1].packets, 6);
	}

	s.n = 0;
	m = v4(a, 1, b, 2, UDP, 0, 100);
	CHECK(flowtab_update(ft, &m, 500000000));
	CHECK(!flowtab_update(ft, &m, 4000ULL * 1000000000));
	CHECK(flowtab_update(ft, &m, 4295500000000ULL));
	flowtab_flush(ft);
	CHECK_U(s.n, 2);
	if (s.n == 2) {
		CHECK_U(s.v[0].end, FLOW_END_ACTIVE);
		CHECK_U(s.v[0].dir[0].packets, 2);
		CHECK_U(s.v[0].dir[0].first_ns, 500000000);
		CHECK_U(s.v[0].dir[0].last_ns, 4000ULL * 1000000000);
		CHECK_U(s.v[0].dir[0].iat_max_ns, 3999500000000ULL);
		CHECK_U(s.v[1].dir[0].first_ns, 4295500000000ULL);
	}
	flowtab_destroy(&ft);
	free(s.v);
}

/* Stamps out of order across the second of the record's first packet move
 * the record's base back; times stay exact. The IAT sum (gaps to a stamp
 * earlier than the latest count 0) stays exact while a packet comes at most
 * 65.535 ms before its direction's first packet, beyond that the excess
 * counts as one more gap (flowtab.h).
 *   dir 0 (A -> B): 5.020 s, 4.970 s, 5.100 s: first 4.970, last 5.100,
 *     gaps 0 and 80 ms: sum 80 ms, min 0, max 80 ms;
 *   dir 1 (B -> A): 5.500 s, 5.300 s (200 ms before), 5.600 s: first 5.3 s,
 *     gaps 0 and 100 ms; the sum reads 100 + 200 - 65.535 = 234.465 ms. */
static void test_reorder(void)
{
	struct sink s;
	struct flowtab *ft = mk_tab(&s, 16, 60ULL * 1000000000, 0, 1000);
	uint32_t a = IP(10, 0, 0, 1), b = IP(10, 0, 0, 2);
	struct pkt_meta ab = v4(a, 1, b, 2, UDP, 0, 100), ba = v4(b, 2, a, 1, UDP, 0, 100);

	CHECK(flowtab_update(ft, &ab, US(5020000)));
	CHECK(!flowtab_update(ft, &ab, US(4970000)));
	CHECK(!flowtab_update(ft, &ab, US(5100000)));
	CHECK(!flowtab_update(ft, &ba, US(5500000)));
	CHECK(!flowtab_update(ft, &ba, US(5300000)));
	CHECK(!flowtab_update(ft, &ba, US(5600000)));
	CHECK_U(flowtab_flush(ft), 1);
	if (s.n == 1) {
		const struct flow_dir *d0 = &s.v[0].dir[0], *d1 = &s.v[0].dir[1];
		CHECK_U(d0->first_ns, US(4970000));
		CHECK_U(d0->last_ns, US(5100000));
		CHECK(d0->iat_sum_ns == US(80000));
		CHECK_U(d0->iat_min_ns, 0);
		CHECK_U(d0->iat_max_ns, US(80000));
		CHECK_NEAR(d0->iat_m2_ns2, 2 * 40000.0e3 * 40000.0e3, 1e-6 * 2 * 40000.0e3 * 40000.0e3);
		CHECK_U(d1->first_ns, US(5300000));
		CHECK_U(d1->last_ns, US(5600000));
		CHECK(d1->iat_sum_ns == US(234465));
		CHECK_U(d1->iat_max_ns, US(100000));
	}
	flowtab_destroy(&ft);
	free(s.v);
}

/* Capture time that jumps by years (files that splice captures, clocks
 * reset): deadlines of flows from both sides of the jump share deadline
 * blocks, and must not stall expiry, eviction or flush (this once spun
 * forever in flowtab_expire). Idle 30 s, close 2 s, Y = 5 years in ns.
 *  - A (UDP) at 1 s; B (TCP) at Y with an RST at Y + 1 ms: expire at
 *    Y + 2 ms ends A (IDLE, due for years) and not B; expire at
 *    Y + 1 ms + 2 s ends B (RST).
 *  - capacity 2: C at 1 s, D at Y, E at Y + 1 s evicts C, F at Y + 2 s
 *    evicts D (the least recently seen each time); flush: E then F. */
static void test_time_jump(void)
{
	const uint64_t S = 1000000000, Y = 5 * 365 * 24 * 3600 * S;
	struct sink s;
	struct flowtab *ft = mk_tab(&s, 16, 30 * S, 0, 2 * S);
	uint32_t a = IP(10, 0, 0, 1), b = IP(10, 0, 0, 2);
	struct pkt_meta m;

	m = v4(a, 1, b, 2, UDP, 0, 100);
	flowtab_update(ft, &m, 1 * S);
	m = v4(a, 3, b, 4, TCP, F_SYN, 60);
	flowtab_update(ft, &m, Y);
	m = v4(b, 4, a, 3, TCP, F_RST | F_ACK, 60);
	flowtab_update(ft, &m, Y + 1000000);
	CHECK_U(flowtab_expire(ft, Y + 2000000, 10), 1);
	CHECK_U(s.n, 1);
	if (s.n == 1) {
		CHECK_U(s.v[0].key.port_lo, 1);
		CHECK_U(s.v[0].end, FLOW_END_IDLE);
	}
	CHECK_U(flowtab_expire(ft, Y + 1000000 + 2 * S - 1, 10), 0);
	CHECK_U(flowtab_expire(ft, Y + 1000000 + 2 * S, 10), 1);
	CHECK_U(s.n, 2);
	if (s.n == 2) {
		CHECK_U(s.v[1].key.port_lo, 3);
		CHECK_U(s.v[1].end, FLOW_END_RST);
	}
	flowtab_destroy(&ft);
	free(s.v);

	ft = mk_tab(&s, 2, 30 * S, 0, 2 * S);
	for (uint16_t p = 1; p <= 4; p++) {
		const uint64_t at[] = { 1 * S, Y, Y + S, Y + 2 * S };
		m = v4(a, p, b, 9, UDP, 0, 100);
		CHECK(flowtab_update(ft, &m, at[p - 1]));
	}
	CHECK_U(s.n, 2);
	CHECK_U(flowtab_flush(ft), 2);
	CHECK_U(s.n, 4);
	if (s.n == 4) {
		CHECK_U(s.v[0].key.port_lo, 1);
		CHECK_U(s.v[0].end, FLOW_END_EVICT);
		CHECK_U(s.v[1].key.port_lo, 2);
		CHECK_U(s.v[1].end, FLOW_END_EVICT);
		CHECK_U(s.v[2].key.port_lo, 3);
		CHECK_U(s.v[3].key.port_lo, 4);
		CHECK_U(s.v[3].dir[0].first_ns, Y + 2 * S);
	}
	flowtab_destroy(&ft);
	free(s.v);
}

/* ---- randomized stress against a shadow model ---- */

#define S_KEYS 5000
#define S_CAP 1000

struct shadow {
	struct flowtab *ft;
	uint64_t now;            /* stamp of the call in progress */
	uint64_t idle, active;
	uint64_t open_pkts[S_KEYS]; /* packets in the key's open record; 0 = none */
	uint64_t emitted, emitted_pkts, emitted_bytes, evict_emits, bad;
};

static uint64_t rnd(void)
{
	return check_rand();
}

/* Key j: client 10.0.j>>8.j&255 (or fd00::j on IPv6) is always addr_lo,
 * so j is recovered from the emitted key. */
static unsigned key_id(const struct sa_flowkey *k)
{
	return k->ip_version == 4 ? (unsigned)k->addr_lo[2] << 8 | k->addr_lo[3]
				  : (unsigned)k->addr_lo[14] << 8 | k->addr_lo[15];
}

static void stress_emit(void *ctx, const struct flow_record *f)
{
	struct shadow *sh = ctx;
	unsigned j = key_id(&f->key);
	uint64_t last = f->dir[0].last_ns > f->dir[1].last_ns ? f->dir[0].last_ns : f->dir[1].last_ns;
	bool ok = j < S_KEYS && sh->open_pkts[j] == pkts(f) && f->end >= FLOW_END_IDLE &&
		  f->end <= FLOW_END_FLUSH;

	for (int d = 0; d < 2 && ok; d++) {
		const struct flow_dir *fd = &f->dir[d];
		if (fd->packets)
			ok = fd->first_ns <= fd->last_ns && fd->size_min <= fd->size_max &&
			     fd->iat_min_ns <= fd->iat_max_ns && fd->iat_sum_ns >= 0;
	}
	/* An idle end is never early (expiry works on the same clock). */
	if (ok && f->end == FLOW_END_IDLE)
		ok = sh->now >= last && sh->now - last >= sh->idle;
	if (ok && f->end == FLOW_END_ACTIVE)
		ok = sh->active != 0;
	if (!ok) {
		if (sh->bad++ < 5)
			fprintf(stderr, "stress: bad emit key %u end %u pkts %" PRIu64 " open %" PRIu64 "\n",
				j, f->end, pkts(f), j < S_KEYS ? sh->open_pkts[j] : 0);
	} else {
		sh->open_pkts[j] = 0;
	}
	sh->emitted++;
	sh->emitted_pkts += pkts(f);
	sh->emitted_bytes += f->dir[0].bytes + f->dir[1].bytes;
	sh->evict_emits += f->end == FLOW_END_EVICT;
}

/* Idle timeout drawn from [idle_lo, idle_lo + idle_span); at ~128 ns per
 * packet, half of them on cold keys, an idle window above ~250 us holds more
 * live keys than the 1000 slots (eviction-bound), one below ~150 us does
 * not (idle-bound). */
/* jumps: every few thousand packets capture time leaps 1..100 hours ahead,
 * and now and then a packet is stamped up to an hour in the past. */
static void stress_round(uint64_t seed, unsigned npkts, uint64_t idle_lo, uint64_t idle_span,
			 bool active_on, bool jumps)
{
	static struct shadow sh;
	struct flowtab_conf c;
	struct flowtab_stats st;
	uint64_t fed = 0, fed_bytes = 0, fresh = 0, base = 1000000, bad_update = 0;
	uint64_t open_now;

	memset(&sh, 0, sizeof(sh));
	check_rand_seed(seed);
	sh.idle = idle_lo + rnd() % idle_span;
	sh.active = active_on ? sh.idle + rnd() % (4 * sh.idle) : 0;
	memset(&c, 0, sizeof(c));
	c.capacity = S_CAP;
	c.idle_timeout_ns = sh.idle;
	c.active_timeout_ns = sh.active;
	c.close_timeout_ns = rnd() % 100000;
	c.emit = stress_emit;
	c.emit_ctx = &sh;
	sh.ft = flowtab_new(&c);
	CHECK(sh.ft != NULL);
	if (sh.ft == NULL)
		return;

	for (unsigned n = 0; n < npkts; n++) {
		/* Skewed key choice: some keys are hot, most are cold. */
		unsigned j = rnd() % 2 ? (unsigned)(rnd() % 200) : (unsigned)(rnd() % S_KEYS);
		bool rev = rnd() & 1;
		struct pkt_meta m;
		uint64_t ts;
		uint64_t r = rnd();
		bool f;

		memset(&m, 0, sizeof(m));
		if (j % 7 == 0) {
			m.l3 = PKT_L3_IPV6;
			m.src[0] = 0xfd;
			m.src[14] = (uint8_t)(j >> 8);
			m.src[15] = (uint8_t)j;
			m.dst[0] = 0xfe;
			m.dst[1] = 0x80;
			m.dst[15] = 1;
		} else {
			m.l3 = PKT_L3_IPV4;
			m.src[0] = 10;
			m.src[2] = (uint8_t)(j >> 8);
			m.src[3] = (uint8_t)j;
			m.dst[0] = 192;
			m.dst[1] = 168;
			m.dst[3] = 1;
		}
		m.sport = (uint16_t)(1024 + j);
		m.dport = j & 1 ? 53 : 443;
		m.proto = j & 1 ? UDP : TCP;
		m.vlan = (uint16_t)(j % 3);
		m.wire_len = 40 + (uint32_t)(r % 1461);
		if (m.proto == TCP) {
			unsigned q = (unsigned)(r >> 16) % 100;
			m.tcp_flags = q < 5 ? F_SYN : q < 9 ? F_SYN | F_ACK : q < 13 ? F_FIN | F_ACK
				    : q < 15 ? F_RST : F_ACK;
		}
		if ((r >> 24) % 50 == 0)
			m.flags = PKT_F_FRAGMENT | PKT_F_LATER_FRAGMENT;
		if (rev) {
			uint8_t t[16];
			uint16_t p = m.sport;
			memcpy(t, m.src, 16);
			memcpy(m.src, m.dst, 16);
			memcpy(m.dst, t, 16);
			m.sport = m.dport;
			m.dport = p;
		}
		base += rnd() % 256;
		if (jumps && rnd() % 3000 == 0)
			base += (1 + rnd() % 100) * 3600ULL * 1000000000;
		ts = base;
		if (rnd() % 16 == 0)
			ts -= rnd() % 2000; /* reordered stamp */
		if (jumps && rnd() % 1000 == 0)
			ts -= rnd() % (ts < 3600ULL * 1000000000 ? ts : 3600ULL * 1000000000);

		sh.now = ts;
		f = flowtab_update(sh.ft, &m, ts);
		fed++;
		fed_bytes += m.wire_len;
		if (f) {
			fresh++;
			if (sh.open_pkts[j] != 0)
				bad_update++; /* the old record was not emitted first */
			sh.open_pkts[j] = 1;
		} else {
			if (sh.open_pkts[j] == 0)
				bad_update++;
			sh.open_pkts[j]++;
		}

		if (rnd() % 64 == 0) {
			unsigned max = 1 + (unsigned)(rnd() % 64);
			uint64_t before = sh.emitted;
			unsigned got;

			sh.now = base;
			got = flowtab_expire(sh.ft, base, max);
			if (got > max || got != sh.emitted - before)
				bad_update++;
		}
		if (n % 4096 == 0) {
			flowtab_stats_get(sh.ft, &st);
			open_now = 0;
			for (unsigned k = 0; k < S_KEYS; k++)
				open_now += sh.open_pkts[k] != 0;
			if (st.active != open_now || st.active > S_CAP ||
			    st.flows_new != st.flows_ended + st.active)
				bad_update++;
		}
	}
	sh.now = base;
	flowtab_flush(sh.ft);
	flowtab_stats_get(sh.ft, &st);
	open_now = 0;
	for (unsigned k = 0; k < S_KEYS; k++)
		open_now += sh.open_pkts[k] != 0;

	CHECK_U(sh.bad, 0);
	CHECK_U(bad_update, 0);
	CHECK_U(open_now, 0);
	CHECK_U(sh.emitted_pkts, fed);
	CHECK_U(sh.emitted_bytes, fed_bytes);
	CHECK_U(sh.emitted, fresh);
	CHECK_U(st.flows_new, fresh);
	CHECK_U(st.flows_ended, sh.emitted);
	CHECK_U(st.evictions, sh.evict_emits);
	CHECK_U(st.active, 0);
	flowtab_destroy(&sh.ft);
}

static void test_stress(void)
{
	stress_round(0x9e3779b97f4a7c15ULL, 200000, 500000, 2000000, false, false); /* evictions */
	stress_round(12345, 200000, 20000, 100000, true, false);                     /* idle */
	stress_round(777, 100000, 100000, 100000, true, false);                      /* mixed */
	stress_round(31337, 100000, 1, 20000, false, false);                         /* tiny idle */
	stress_round(4242, 200000, 500000, 2000000, true, true);                     /* evictions, jumps */
	stress_round(99, 200000, 20000, 100000, false, true);                        /* idle, jumps */
}

int main(void)
{
	test_new_rejects();
	test_bidir();
	test_initiator();
	test_rtt();
	test_stats();
	test_idle();
	test_active();
	test_fin();
	test_rst();
	test_evict();
	test_flush();
	test_key_fields();
	test_fragments();
	test_memory();
	test_record_limits();
	test_reorder();
	test_time_jump();
	test_stress();
	return check_summary();
}
