/* DESIGN
 *
 * The capture point sees client packets the moment they are sent and server
 * packets one RTT after the client packet that caused them. A TCP flow is a
 * handshake, a dialogue of messages from gen_app, and a close. A message is
 * sent as MSS-sized segments paced by the sender's bottleneck; the sender
 * may have `cwnd` unacknowledged segments (slow start from 10, capped), so
 * long transfers go in RTT-spaced flights. The receiver ACKs every second
 * segment; an odd last segment waits for the delayed-ACK timer unless the
 * receiver speaks first, in which case its data carries the ACK.
 *
 * ACKs are not sent when they are decided but `ack_ns` later, so they wait
 * in a small per-flow queue sorted by time; the next packet of a flow is the
 * earlier of the queue head and the next data segment. Sequence and
 * acknowledgement numbers are exact: every ACK covers only bytes the
 * capture has already seen, so Wireshark's TCP analysis stays quiet.
 *
 * Anomaly sources reuse the same queue for the victim's replies. */
#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_flow.h"

#define ACKQ 128          /* pending packets per flow: >= CWND_MAX / 2 + a few */
#define CWND_INIT 10      /* RFC 6928 initial window */
#define CWND_MAX 100      /* segments; also below the 256 KiB advertised windows */
#define WIN_SCALE 7
#define WIN_FIELD 2048    /* 2048 << 7 = 256 KiB receive window */
#define DELACK_NS (40 * MS) /* Linux's minimum delayed-ACK timeout */
#define FLOOD_PPS 2000
#define FLOOD_BACKLOG 256 /* SYN/ACKs the victim sends before its queue is full */
#define SCAN_PPS 200
#define US 1000ULL
#define MS 1000000ULL
#define SEC 1000000000ULL
#define T_NONE UINT64_MAX

enum flow_kind { FK_TCP, FK_DGRAM, FK_FLOOD, FK_SCAN };
enum tcp_state { TS_SYN, TS_SYNACK, TS_ACK, TS_DATA, TS_CLOSE };
enum q_kind { Q_ACK_C, Q_ACK_S, Q_SYNACK, Q_RSTACK, Q_SCAN_RST };
enum ev_kind { EV_DNS_Q, EV_DNS_R, EV_NTP_Q, EV_NTP_R, EV_PING_Q, EV_PING_R };

/* A packet decided earlier, due at t. */
struct qent {
	uint64_t t;
	uint32_t seq, ack;
	uint32_t aux;  /* flood: spoofed IPv4 source; scan: scanner's port */
	uint16_t port; /* flood: spoofed source port; scan: probed port */
	uint8_t kind; /* enum q_kind */
	uint8_t segs; /* data segments this ACK covers */
};

/* One direction's sender and receiver parameters; [0] client, [1] server. */
struct side {
	uint32_t nxt;         /* next sequence number this side sends */
	uint32_t cwnd, inflight;
	uint32_t ack_ns;      /* as receiver: peer data seen -> our ACK seen */
	uint32_t resume_ns;   /* as sender: peer ACK seen -> our next data seen */
	uint32_t ps_per_byte; /* as sender: serialisation at the bottleneck */
	uint32_t label;       /* IPv6 flow label */
	uint16_t mss, win;
	uint16_t ip_id;
};

struct dgram_ev {
	uint64_t t;
	uint8_t kind, idx;
};

struct gen_flow {
	uint64_t next_ns;
	uint8_t kind, state, v6, blocked;
	uint8_t svc;          /* enum gen_svc of a normal flow */
	uint32_t pool_idx;
	/* for gen_flow_info: packets emitted so far, never read by the engine */
	uint64_t emitted;
	uint64_t pkts[2];     /* [0] client (anomaly: attacker's SYNs), [1] server */
	uint64_t first_ns, last_ns;
	struct gen_host *cli, *srv;
	const struct gen_addr *ca, *sa;
	uint16_t cport, sport;
	uint32_t rtt_ns;
	/* TCP */
	struct side s[2];
	uint64_t data_ns;     /* next data segment, T_NONE if none or blocked */
	uint64_t data_min_ns; /* pacing: not before this */
	uint64_t last_seg_ns;
	uint32_t unacked;     /* segments since the receiver's last ACK decision */
	uint8_t close_i, close_n;
	uint64_t close_t[3];
	struct gen_app app;
	/* datagrams */
	struct dgram_ev ev[8];
	uint8_t nev, iev, nx;
	uint8_t extra[2];
	uint16_t id[4];
	uint16_t qtype[2];
	uint64_t sent_ns[4];
	const struct gen_host *answer;
	char qname[48];
	/* anomalies */
	uint64_t end_ns;
	uint32_t replies;
	uint32_t scan_i, scan_a, scan_b, scan_rtt_ns;
	uint16_t scan_sport;
	struct gen_addr peer;
	/* not cleared on allocation: written before read */
	unsigned qh, qn;
	struct qent q[ACKQ];
	struct gen_msg msg;
};

struct gen_flow_pool {
	struct gen_flow *flows;
	uint32_t *free;
	unsigned nfree, cap;
};

struct gen_flow_pool *gen_flow_pool_new(unsigned cap)
{
	struct gen_flow_pool *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->flows = calloc(cap, sizeof(*p->flows)); /* untouched pages cost nothing */
	p->free = malloc(cap * sizeof(*p->free));
	if (p->flows == NULL || p->free == NULL) {
		gen_flow_pool_destroy(&p);
		return NULL;
	}
	p->cap = p->nfree = cap;
	for (unsigned i = 0; i < cap; i++)
		p->free[i] = cap - 1 - i; /* hand out low indexes first */
	return p;
}

void gen_flow_pool_destroy(struct gen_flow_pool **pp)
{
	struct gen_flow_pool *p = *pp;

	if (p == NULL)
		return;
	free(p->flows);
	free(p->free);
	free(p);
	*pp = NULL;
}

static struct gen_flow *flow_alloc(struct gen_flow_pool *p)
{
	if (p->nfree == 0)
		return NULL;
	uint32_t i = p->free[--p->nfree];
	struct gen_flow *f = &p->flows[i];
	memset(f, 0, offsetof(struct gen_flow, qh));
	f->pool_idx = i;
	f->qh = f->qn = 0;
	return f;
}

void gen_flow_free(struct gen_flow_pool *p, struct gen_flow **f)
{
	assert(p->nfree < p->cap);
	p->free[p->nfree++] = (*f)->pool_idx;
	*f = NULL;
}

uint64_t gen_flow_next_ns(const struct gen_flow *f)
{
	return f->next_ns;
}

int gen_flow_is_anomaly(const struct gen_flow *f)
{
	return f->kind == FK_FLOOD || f->kind == FK_SCAN;
}

/* --- the pending-packet queue --------------------------------------------- */

static uint64_t q_head_t(const struct gen_flow *f)
{
	return f->qn ? f->q[f->qh].t : T_NONE;
}

/* Inserts in time order; equal times keep insertion order. */
static void q_push(struct gen_flow *f, const struct qent *e)
{
	assert(f->qn < ACKQ);
	if (f->qh + f->qn == ACKQ) {
		memmove(f->q, f->q + f->qh, f->qn * sizeof(f->q[0]));
		f->qh = 0;
	}
	unsigned i = f->qh + f->qn;
	while (i > f->qh && f->q[i - 1].t > e->t) {
		f->q[i] = f->q[i - 1];
		i--;
	}
	f->q[i] = *e;
	f->qn++;
}

static struct qent q_pop(struct gen_flow *f)
{
	struct qent e = f->q[f->qh++];

	if (--f->qn == 0)
		f->qh = 0;
	return e;
}

/* Forgets packets of `kind` due after t: their sender has something newer
 * to say by then, which carries the same acknowledgement. */
static void q_drop_after(struct gen_flow *f, uint8_t kind, uint64_t t)
{
	unsigned w = f->qh;

	for (unsigned i = f->qh; i < f->qh + f->qn; i++)
		if (f->q[i].kind != kind || f->q[i].t <= t)
			f->q[w++] = f->q[i];
	f->qn = w - f->qh;
}

static uint64_t q_last_t(const struct gen_flow *f, uint8_t kind)
{
	for (unsigned i = f->qh + f->qn; i > f->qh; i--)
		if (f->q[i - 1].kind == kind)
			return f->q[i - 1].t;
	return 0;
}

/* --- TCP ------------------------------------------------------------------ */

static unsigned tcp_emit(struct gen_flow *f, uint8_t *buf, int x, uint32_t seq, uint32_t ack,
			 uint8_t flags, uint16_t win, const uint8_t *opts, unsigned olen,
			 unsigned plen)
{
	struct side *sd = &f->s[x];
	struct gen_tcp t = {
		.sport = x ? f->sport : f->cport,
		.dport = x ? f->cport : f->sport,
		.seq = seq,
		.ack = ack,
		.flags = flags,
		.opt_len = (uint8_t)olen,
		.win = win,
		.opts = opts,
	};

	f->pkts[x]++;
	return gen_pkt_tcp(buf, x ? f->sa : f->ca, x ? f->ca : f->sa, sd->ip_id++, sd->label, &t,
			   plen);
}

static unsigned tcp_syn(struct gen_flow *f, uint8_t *buf, int x)
{
	/* MSS, NOP, window scale, NOP, NOP, SACK permitted: a Linux SYN without timestamps */
	uint16_t mss = f->s[!x].mss;
	const uint8_t opts[12] = { 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss, 1, 3, 3, WIN_SCALE,
				   1, 1, 4, 2 };
	uint32_t seq = f->s[x].nxt++;

	return tcp_emit(f, buf, x, seq, x ? f->s[0].nxt : 0, GEN_TCP_SYN | (x ? GEN_TCP_ACK : 0),
			x ? 65160 : 64240, opts, sizeof(opts), 0);
}

static void plan_close(struct gen_flow *f, struct gen_rng *r)
{
	const struct gen_app *a = &f->app;
	int c = a->closer_srv;
	uint8_t mine = c ? Q_ACK_S : Q_ACK_C, theirs = c ? Q_ACK_C : Q_ACK_S;
	uint64_t t1 = f->last_seg_ns + a->close_idle_ns;

	if (c && !f->msg.srv)
		t1 += f->rtt_ns; /* the server reacts to what the client sent last */
	f->state = TS_CLOSE;
	f->data_ns = T_NONE;
	f->blocked = 0;
	f->close_i = 0;
	f->close_t[0] = t1;
	q_drop_after(f, mine, t1);
	if (a->close_rst) {
		q_drop_after(f, theirs, t1);
		f->close_n = 1;
		return;
	}
	/* the peer answers FIN with FIN/ACK once its pending ACKs are out */
	uint64_t t2 = t1 + (c ? f->s[0].ack_ns + gen_rng_range(r, 50, 500) * US
			      : f->rtt_ns + gen_rng_range(r, 30, 300) * US);
	uint64_t last = q_last_t(f, theirs);
	if (last >= t2)
		t2 = last + gen_rng_range(r, 1, 50) * US;
	f->close_t[1] = t2;
	f->close_t[2] = t2 + (c ? f->s[1].ack_ns : f->s[0].ack_ns);
	f->close_n = 3;
}

/* Schedules the next message after the one that just ended (or the
 * handshake), or the close when the dialogue is over. */
static void plan_next(struct gen_flow *f, struct gen_env *e)
{
	int prev = f->msg.srv;
	uint64_t delay;

	if (!gen_app_next(&f->app, e, f->last_seg_ns, &f->msg, &delay)) {
		plan_close(f, &e->rng);
		return;
	}
	int x = f->msg.srv;
	uint64_t t0 = f->last_seg_ns + delay;
	if (x != prev) {
		if (x)
			t0 += f->rtt_ns; /* the request must reach the server first */
		q_drop_after(f, x ? Q_ACK_S : Q_ACK_C, t0);
		f->s[prev].inflight = 0; /* the new data acknowledges all of it */
	}
	f->unacked = 0;
	f->data_min_ns = t0;
	f->blocked = f->s[x].inflight >= f->s[x].cwnd;
	f->data_ns = f->blocked ? T_NONE : t0;
}

static unsigned emit_data(struct gen_flow *f, struct gen_env *e, uint8_t *buf)
{
	struct gen_msg *m = &f->msg;
	int x = m->srv;
	struct side *sd = &f->s[x], *rv = &f->s[!x];
	uint64_t now = f->next_ns;
	uint32_t plen = m->len - m->off;

	if (plen > sd->mss)
		plen = sd->mss;
	gen_app_fill(m, e, m->off, buf + gen_pkt_payload_off(f->v6, 20), plen);
	m->off += plen;
	int last = m->off == m->len;
	unsigned len = tcp_emit(f, buf, x, sd->nxt, rv->nxt,
				GEN_TCP_ACK | (last ? GEN_TCP_PSH : 0), sd->win, NULL, 0, plen);
	sd->nxt += plen;
	sd->inflight++;
	f->last_seg_ns = now;
	if (++f->unacked >= 2 || last) {
		struct qent a = { .t = now + rv->ack_ns, .ack = sd->nxt,
				  .kind = x ? Q_ACK_C : Q_ACK_S, .segs = (uint8_t)f->unacked };
		/* a lone segment waits for the delayed-ACK timer, except in Linux's
		 * quickack mode (early in a connection, after idle) */
		if (f->unacked == 1 && gen_rng_chance(&e->rng, 0.6))
			a.t += DELACK_NS + gen_rng_below(&e->rng, 4000) * US;
		q_push(f, &a);
		f->unacked = 0;
	}
	if (last) {
		plan_next(f, e);
		return len;
	}
	f->data_min_ns = now + (uint64_t)len * sd->ps_per_byte / 1000;
	f->blocked = sd->inflight >= sd->cwnd;
	f->data_ns = f->blocked ? T_NONE : f->data_min_ns;
	return len;
}

/* A pure ACK from the queue; it opens the window of the side it acknowledges. */
static unsigned emit_ack(struct gen_flow *f, uint8_t *buf)
{
	struct qent a = q_pop(f);
	int x = a.kind == Q_ACK_S; /* who sends this ACK */
	struct side *acked = &f->s[!x];
	unsigned len = tcp_emit(f, buf, x, f->s[x].nxt, a.ack, GEN_TCP_ACK, f->s[x].win, NULL, 0, 0);

	acked->inflight = acked->inflight > a.segs ? acked->inflight - a.segs : 0;
	acked->cwnd = acked->cwnd + a.segs < CWND_MAX ? acked->cwnd + a.segs : CWND_MAX;
	if (f->blocked && f->msg.srv == !x && acked->inflight < acked->cwnd) {
		uint64_t t = a.t + acked->resume_ns;
		f->blocked = 0;
		f->data_ns = t > f->data_min_ns ? t : f->data_min_ns;
	}
	return len;
}

static unsigned emit_close(struct gen_flow *f, uint8_t *buf)
{
	int c = f->app.closer_srv;
	unsigned i = f->close_i++;
	int x = i == 1 ? !c : c;
	struct side *sd = &f->s[x];
	uint8_t flags = GEN_TCP_ACK;

	if (f->app.close_rst)
		flags |= GEN_TCP_RST;
	else if (i < 2)
		flags |= GEN_TCP_FIN;
	unsigned len = tcp_emit(f, buf, x, sd->nxt, f->s[!x].nxt, flags, sd->win, NULL, 0, 0);
	if (flags & GEN_TCP_FIN)
		sd->nxt++;
	return len;
}

static unsigned tcp_step(struct gen_flow *f, struct gen_env *e, uint8_t *buf)
{
	uint64_t now = f->next_ns, next;
	unsigned len;

	switch (f->state) {
	case TS_SYN:
		f->state = TS_SYNACK;
		f->next_ns = now + f->rtt_ns;
		return tcp_syn(f, buf, 0);
	case TS_SYNACK:
		f->state = TS_ACK;
		f->next_ns = now + f->s[0].ack_ns;
		return tcp_syn(f, buf, 1);
	case TS_ACK:
		len = tcp_emit(f, buf, 0, f->s[0].nxt, f->s[1].nxt, GEN_TCP_ACK, f->s[0].win, NULL, 0, 0);
		f->state = TS_DATA;
		f->msg.srv = 0;
		f->last_seg_ns = now;
		plan_next(f, e);
		break;
	case TS_DATA:
		len = q_head_t(f) <= f->data_ns ? emit_ack(f, buf) : emit_data(f, e, buf);
		break;
	default:
		next = f->close_i < f->close_n ? f->close_t[f->close_i] : T_NONE;
		len = q_head_t(f) <= next ? emit_ack(f, buf) : emit_close(f, buf);
		break;
	}
	next = f->state == TS_DATA ? f->data_ns
	       : f->close_i < f->close_n ? f->close_t[f->close_i] : T_NONE;
	if (q_head_t(f) < next)
		next = q_head_t(f);
	assert(next != T_NONE || f->state == TS_CLOSE); /* a blocked sender always has ACKs coming */
	f->next_ns = next == T_NONE ? GEN_T_END : next;
	return len;
}

static void tcp_init(struct gen_flow *f, struct gen_env *e, const struct gen_flow_spec *spec)
{
	struct gen_rng *r = &e->rng;
	uint16_t mss = f->v6 ? 1440 : 1460; /* 1500 MTU minus IP and TCP headers */
	static const uint16_t ports[GEN_SVC_COUNT] = {
		[GEN_SVC_HTTPS] = 443, [GEN_SVC_HTTP] = 80, [GEN_SVC_SSH] = 22,
		[GEN_SVC_SMTP] = 25, [GEN_SVC_VIDEO] = 443,
	};

	f->kind = FK_TCP;
	f->state = TS_SYN;
	f->rtt_ns = (uint32_t)(f->srv->rtt_ns * (1 + 0.15 * gen_rng_u01(r)));
	f->cport = gen_model_port(r, f->cli);
	f->sport = ports[spec->svc];
	for (int x = 0; x < 2; x++) {
		struct side *sd = &f->s[x];
		sd->nxt = (uint32_t)gen_rng_next(r);
		sd->cwnd = CWND_INIT;
		sd->label = (uint32_t)gen_rng_next(r) & 0xfffff;
		sd->mss = mss;
		sd->win = WIN_FIELD;
		sd->ip_id = (uint16_t)gen_rng_next(r);
	}
	f->s[0].ack_ns = gen_rng_range(r, 15, 60) * (uint32_t)US;
	f->s[0].resume_ns = gen_rng_range(r, 10, 30) * (uint32_t)US;
	f->s[0].ps_per_byte = 8000; /* 1 Gbit/s access link */
	f->s[1].ack_ns = f->rtt_ns + gen_rng_range(r, 10, 40) * (uint32_t)US;
	f->s[1].resume_ns = f->rtt_ns + gen_rng_range(r, 5, 20) * (uint32_t)US;
	f->s[1].ps_per_byte = 8000000 / f->srv->mbps;
	gen_app_init(&f->app, r, spec->svc, spec->human, f->cli, f->srv);
}

/* --- datagram conversations: DNS, NTP, ping --------------------------------- */

static void ev_add(struct gen_flow *f, uint64_t t, uint8_t kind, uint8_t idx)
{
	unsigned i = f->nev++;

	assert(f->nev <= sizeof(f->ev) / sizeof(f->ev[0]));
	while (i > 0 && f->ev[i - 1].t > t) { /* keep sorted: few entries */
		f->ev[i] = f->ev[i - 1];
		i--;
	}
	f->ev[i] = (struct dgram_ev){ t, kind, idx };
}

static void dgram_init(struct gen_flow *f, struct gen_env *e, const struct gen_flow_spec *spec)
{
	struct gen_rng *r = &e->rng;
	uint64_t t = spec->t_ns;

	f->kind = FK_DGRAM;
	f->rtt_ns = (uint32_t)(f->srv->rtt_ns * (1 + 0.15 * gen_rng_u01(r)));
	switch (spec->svc) {
	case GEN_SVC_DNS: {
		unsigned nq = spec->human && gen_rng_chance(r, 0.2) ? 2 : 1; /* A and AAAA together */
		f->cport = gen_model_port(r, f->cli);
		f->sport = 53;
		f->nx = gen_rng_chance(r, 0.05);
		if (f->nx) {
			/* one draw per statement: argument order is unspecified in C,
			 * and output must not depend on the compiler */
			const char *stem = gen_rng_chance(r, 0.5) ? "wpad" : "printer";
			unsigned n = gen_rng_below(r, 50);
			snprintf(f->qname, sizeof(f->qname), "%s%u.corp.example.com", stem, n);
		}
		else
			f->answer = gen_model_pick(&e->model, r, e->model.dns_cdf);
		for (unsigned i = 0; i < nq; i++) {
			int aaaa = (i == 0) == (f->v6 != 0);
			uint64_t q = t + i * gen_rng_range(r, 20, 300) * US;
			uint64_t work = gen_rng_chance(r, 0.8)
						? gen_rng_range(r, 20, 300) * US /* cache hit */
						: (uint64_t)(gen_rng_lognormal(r, 25, 0.8, 2, 400) * MS);
			f->qtype[i] = aaaa ? 28 : 1;
			f->id[i] = (uint16_t)gen_rng_next(r);
			if (i == 1 && f->id[1] == f->id[0])
				f->id[1]++; /* same ID twice reads as a retransmission */
			f->extra[i] = (uint8_t)(gen_rng_chance(r, 0.3) ? gen_rng_range(r, 1, 3) : 0);
			ev_add(f, q, EV_DNS_Q, (uint8_t)i);
			ev_add(f, q + f->rtt_ns + work, EV_DNS_R, (uint8_t)i);
		}
		break;
	}
	case GEN_SVC_NTP:
		f->cport = gen_rng_chance(r, 0.3) ? 123 : gen_model_port(r, f->cli); /* ntpd vs chrony */
		f->sport = 123;
		ev_add(f, t, EV_NTP_Q, 0);
		ev_add(f, t + f->rtt_ns + gen_rng_range(r, 10, 100) * US, EV_NTP_R, 0);
		break;
	default: { /* ping: requests a second apart */
		unsigned n = gen_rng_range(r, 1, 4);
		f->id[0] = (uint16_t)gen_rng_next(r);
		for (unsigned i = 0; i < n; i++) {
			uint64_t q = t + i * SEC + gen_rng_below(r, 2000) * US;
			f->sent_ns[i] = q;
			ev_add(f, q, EV_PING_Q, (uint8_t)i);
			ev_add(f, q + f->rtt_ns + gen_rng_range(r, 5, 50) * US, EV_PING_R, (uint8_t)i);
		}
		break;
	}
	}
	f->next_ns = f->ev[0].t;
}

static unsigned dgram_step(struct gen_flow *f, struct gen_env *e, uint8_t *buf)
{
	const struct dgram_ev *ev = &f->ev[f->iev++];
	int reply = ev->kind == EV_DNS_R || ev->kind == EV_NTP_R || ev->kind == EV_PING_R;
	const struct gen_addr *src = reply ? f->sa : f->ca, *dst = reply ? f->ca : f->sa;
	uint16_t sp = reply ? f->sport : f->cport, dp = reply ? f->cport : f->sport;
	uint16_t ip_id = (uint16_t)gen_rng_next(&e->rng);
	uint32_t label = (uint32_t)gen_rng_next(&e->rng) & 0xfffff;
	unsigned len;

	f->pkts[reply]++;
	if (ev->kind == EV_PING_Q || ev->kind == EV_PING_R) {
		uint8_t *p = buf + gen_pkt_payload_off(f->v6, 8);
		unsigned n = gen_app_ping(p, f->cli->a4.ttl == 128, f->sent_ns[ev->idx]);
		len = gen_pkt_echo(buf, src, dst, ip_id, reply, f->id[0], (uint16_t)(ev->idx + 1), n);
	} else {
		uint8_t *p = buf + gen_pkt_payload_off(f->v6, 8);
		unsigned n;
		if (ev->kind == EV_NTP_Q || ev->kind == EV_NTP_R) {
			if (!reply)
				f->sent_ns[0] = ev->t;
			n = gen_app_ntp(p, reply, ev->t, f->sent_ns[0]);
		} else {
			n = gen_app_dns(p, &e->rng, f->id[ev->idx], f->nx ? f->qname : f->answer->name,
					f->qtype[ev->idx], reply, f->nx, f->answer, f->extra[ev->idx]);
		}
		len = gen_pkt_udp(buf, src, dst, ip_id, label, sp, dp, n);
	}
	f->next_ns = f->iev < f->nev ? f->ev[f->iev].t : GEN_T_END;
	return len;
}

struct gen_flow *gen_flow_start(struct gen_flow_pool *p, struct gen_env *e,
				const struct gen_flow_spec *spec)
{
	struct gen_flow *f = flow_alloc(p);

	if (f == NULL)
		return NULL;
	f->cli = spec->client;
	f->srv = spec->server;
	f->v6 = spec->client->v6;
	f->ca = gen_model_addr(f->cli, f->v6);
	f->sa = gen_model_addr(f->srv, f->v6);
	f->next_ns = spec->t_ns;
	f->svc = (uint8_t)spec->svc;
	f->cli->seen[f->v6] = 1;
	f->srv->seen[f->v6] = 1;
	f->srv->svc_used[f->v6] |= (uint16_t)(1u << spec->svc);
	if (spec->svc == GEN_SVC_DNS || spec->svc == GEN_SVC_NTP || spec->svc == GEN_SVC_ICMP)
		dgram_init(f, e, spec);
	else
		tcp_init(f, e, spec);
	return f;
}

/* --- anomalies ------------------------------------------------------------ */

static void scan_sweep(struct gen_flow *f, struct gen_rng *r)
{
	/* port = (i * a + b) mod 1024 + 1 with odd a visits every port once */
	f->scan_i = 0;
	f->scan_a = gen_rng_below(r, 512) * 2 + 1;
	f->scan_b = gen_rng_below(r, 1024);
	f->scan_sport = (uint16_t)gen_rng_range(r, 32768, 60999);
}

struct gen_flow *gen_flow_start_anomaly(struct gen_flow_pool *p, struct gen_env *e,
					enum gen_anomaly kind, uint64_t start_ns,
					uint64_t end_ns, struct gen_host *target)
{
	struct gen_flow *f = flow_alloc(p);
	struct gen_rng *r = &e->rng;

	if (f == NULL)
		return NULL;
	f->kind = kind == GEN_ANOMALY_SYNFLOOD ? FK_FLOOD : FK_SCAN;
	f->srv = target;
	f->sa = &target->a4;
	f->rtt_ns = target->rtt_ns;
	f->next_ns = f->data_ns = start_ns;
	f->end_ns = end_ns;
	f->peer = target->a4; /* IPv4; the flood sets its address per packet */
	memcpy(f->peer.mac, gen_model_router_mac, 6);
	f->peer.ip[0] = 192; /* TEST-NET-1 */
	f->peer.ip[1] = 0;
	f->peer.ip[2] = 2;
	f->peer.ip[3] = (uint8_t)gen_rng_range(r, 2, 254);
	f->peer.ttl = (uint8_t)gen_rng_range(r, 44, 56);
	f->scan_rtt_ns = (uint32_t)gen_rng_range(r, 20, 80) * (uint32_t)MS;
	scan_sweep(f, r);
	return f;
}

static int port_open(const struct gen_host *h, unsigned port)
{
	return ((h->svc_mask & (1u << GEN_SVC_SSH)) && port == 22) ||
	       ((h->svc_mask & (1u << GEN_SVC_SMTP)) && port == 25) ||
	       ((h->svc_mask & (1u << GEN_SVC_DNS)) && port == 53) ||
	       ((h->svc_mask & (1u << GEN_SVC_HTTP)) && port == 80) ||
	       ((h->svc_mask & ((1u << GEN_SVC_HTTPS) | (1u << GEN_SVC_VIDEO))) && port == 443);
}

static unsigned raw_tcp(uint8_t *buf, const struct gen_addr *src, const struct gen_addr *dst,
			uint16_t ip_id, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			uint8_t flags, uint16_t win, int mss_opt)
{
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 }; /* MSS 1460 */
	struct gen_tcp t = { .sport = sport, .dport = dport, .seq = seq, .ack = ack,
			     .flags = flags, .win = win, .opt_len = mss_opt ? 4 : 0, .opts = mss };

	return gen_pkt_tcp(buf, src, dst, ip_id, 0, &t, 0);
}

static unsigned anomaly_step(struct gen_flow *f, struct gen_env *e, uint8_t *buf)
{
	static const uint16_t flood_win[5] = { 512, 1024, 5840, 8192, 64240 };
	struct gen_rng *r = &e->rng;
	uint64_t now = f->next_ns;
	uint16_t ip_id = (uint16_t)gen_rng_next(r);
	unsigned len;

	if (q_head_t(f) <= f->data_ns) { /* the victim's (or the scanner's) answer */
		struct qent a = q_pop(f);
		struct gen_addr peer = f->peer;
		uint16_t vport = a.port, pport = (uint16_t)a.aux;
		if (f->kind == FK_FLOOD) {
			memcpy(peer.ip, &a.aux, 4);
			vport = 80;
			pport = a.port;
		}
		if (a.kind == Q_SCAN_RST)
			len = raw_tcp(buf, &peer, f->sa, ip_id, pport, vport, a.seq, 0, GEN_TCP_RST, 0, 0);
		else if (a.kind == Q_RSTACK)
			len = raw_tcp(buf, f->sa, &peer, 0, vport, pport, 0, a.ack,
				      GEN_TCP_RST | GEN_TCP_ACK, 0, 0);
		else
			len = raw_tcp(buf, f->sa, &peer, 0, vport, pport, a.seq, a.ack,
				      GEN_TCP_SYN | GEN_TCP_ACK, 64240, 1);
	} else if (f->kind == FK_FLOOD) {
		struct gen_addr src = f->peer;
		uint32_t host = gen_rng_below(r, 1u << 17); /* 198.18.0.0/15, RFC 2544 */
		uint16_t sport = (uint16_t)gen_rng_range(r, 1024, 65535);
		uint32_t seq = (uint32_t)gen_rng_next(r);
		src.ip[0] = 198;
		src.ip[1] = (uint8_t)(18 + (host >> 16));
		src.ip[2] = (uint8_t)(host >> 8);
		src.ip[3] = (uint8_t)host;
		src.ttl = (uint8_t)gen_rng_range(r, 30, 128);
		len = raw_tcp(buf, &src, f->sa, ip_id, sport, 80, seq, 0, GEN_TCP_SYN,
			      flood_win[gen_rng_below(r, 5)], 0);
		f->pkts[0]++;
		if (f->replies < FLOOD_BACKLOG) {
			struct qent a = { .t = now + f->rtt_ns, .seq = (uint32_t)gen_rng_next(r),
					  .ack = seq + 1, .port = sport, .kind = Q_SYNACK };
			memcpy(&a.aux, src.ip, 4);
			q_push(f, &a);
			f->replies++;
		}
		f->data_ns = now + (uint64_t)gen_rng_exp(r, (double)SEC / FLOOD_PPS);
	} else {
		uint16_t port = (uint16_t)((f->scan_i * f->scan_a + f->scan_b) % 1024 + 1);
		uint32_t seq = (uint32_t)gen_rng_next(r);
		len = raw_tcp(buf, &f->peer, f->sa, ip_id, f->scan_sport, port, seq, 0, GEN_TCP_SYN,
			      1024, 1);
		f->pkts[0]++;
		struct qent a = { .t = now + f->rtt_ns, .ack = seq + 1, .port = port,
				  .aux = f->scan_sport };
		if (port_open(f->srv, port)) {
			a.kind = Q_SYNACK;
			a.seq = (uint32_t)gen_rng_next(r);
			q_push(f, &a);
			struct qent rst = { .t = a.t + f->scan_rtt_ns, .seq = seq + 1, .port = port,
					    .aux = f->scan_sport, .kind = Q_SCAN_RST };
			q_push(f, &rst);
		} else {
			a.kind = Q_RSTACK;
			q_push(f, &a);
		}
		if (++f->scan_i == 1024)
			scan_sweep(f, r);
		f->data_ns = now + SEC / SCAN_PPS * gen_rng_range(r, 90, 110) / 100;
	}
	if (f->data_ns >= f->end_ns)
		f->data_ns = T_NONE;
	uint64_t next = q_head_t(f) < f->data_ns ? q_head_t(f) : f->data_ns;
	f->next_ns = next == T_NONE ? GEN_T_END : next;
	e->anomaly_packets++;
	return len;
}

unsigned gen_flow_step(struct gen_flow *f, struct gen_env *e, uint8_t *buf)
{
	if (f->emitted++ == 0)
		f->first_ns = f->next_ns;
	f->last_ns = f->next_ns;
	switch (f->kind) {
	case FK_TCP:
		return tcp_step(f, e, buf);
	case FK_DGRAM:
		return dgram_step(f, e, buf);
	default:
		return anomaly_step(f, e, buf);
	}
}

void gen_flow_info(const struct gen_flow *f, struct gen_flow_info *out)
{
	*out = (struct gen_flow_info){ .cli = f->ca, .srv = f->sa, .cport = f->cport,
				       .sport = f->sport, .first_ns = f->first_ns,
				       .last_ns = f->last_ns };
	switch (f->kind) {
	case FK_TCP:
		out->svc = (enum gen_svc)f->svc;
		out->proto = 6;
		break;
	case FK_DGRAM:
		out->svc = (enum gen_svc)f->svc;
		out->proto = f->svc != GEN_SVC_ICMP ? 17 : f->v6 ? 58 : 1;
		break;
	default:
		out->anomaly = f->kind == FK_FLOOD ? GEN_ANOMALY_SYNFLOOD : GEN_ANOMALY_PORTSCAN;
		out->cli = f->kind == FK_SCAN ? &f->peer : NULL;
		out->cport = 0; /* the scanner's port changes every sweep */
		out->sport = f->kind == FK_FLOOD ? 80 : 0;
		out->proto = 6;
		out->probes = f->pkts[0];
		return;
	}
	out->packets[0] = f->pkts[0];
	out->packets[1] = f->pkts[1];
}
