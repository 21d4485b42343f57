/* DESIGN: the loop follows l3fwd's: receive a burst of 32, prefetch a few
 * packets ahead while parsing, update per-lcore state only, free the burst
 * in bulk. The current second's statistics live in a handoff_interval that
 * is queued to the exporter when a packet of another second arrives and
 * replaced by a spent one the exporter returned. Records cross to the
 * exporter only through SP/SC rings. */
#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>

#include "fragtab.h"
#include "pkt_parse.h"
#include "sa_time.h"
#include "talkers.h"
#include "worker.h"

#define RTE_LOGTYPE_SA_WORKER RTE_LOGTYPE_USER2
#define BURST 32
#define PREFETCH_OFFSET 3 /* as l3fwd: far enough to hide a cache miss, near enough to stay cached */
#define EXPIRE_PER_BURST 64 /* bounds idle-expiry work per loop */
/* Back-off, as l3fwd-power does: a worker that finds nothing to do for a
 * while, or waits on a full ring in lossless mode, sleeps briefly instead
 * of spinning, so a file replay on a small box leaves the cores to the
 * exporter and the aggregator. A live port under load never gets here. */
#define IDLE_POLLS_BEFORE_SLEEP 256
#define IDLE_SLEEP_US 50

_Static_assert(HANDOFF_TOP_DIMS == TALKER_DIMS && HANDOFF_TOP_WEIGHTS == TALKER_WEIGHTS,
	       "the interval's sketches are indexed as the talker tables");
_Static_assert(SA_C_ERR_TRUNC_L2 + PKT_ERR_LINKTYPE - 1 == SA_C_ERR_LINKTYPE,
	       "pkt_err reasons and SA_C_ERR_* counters must stay in the same order");

static void wait_for_exporter(void)
{
	rte_delay_us_sleep(IDLE_SLEEP_US);
}

/* Queues an ended flow; when the ring stays full on live input the record
 * is dropped, counted, and its object goes back to the pool. */
static void flow_handoff(struct worker *w, struct handoff_flow *hf)
{
	while (rte_ring_sp_enqueue(w->to_export, hf) != 0) {
		if (!w->conf.lossless || *w->force_quit) {
			w->ring_full_pending++;
			rte_mempool_put(w->flow_pool, hf);
			return;
		}
		wait_for_exporter();
	}
}

static void interval_reset(struct handoff_interval *iv, uint64_t start_s)
{
	iv->kind = HANDOFF_INTERVAL;
	iv->start_s = start_s;
	memset(iv->counters, 0, sizeof(iv->counters));
	memset(iv->size_hist, 0, sizeof(iv->size_hist));
	memset(iv->iat_hist, 0, sizeof(iv->iat_hist));
	memset(iv->rtt_hist, 0, sizeof(iv->rtt_hist));
	iv->first_ns = UINT64_MAX;
	iv->last_ns = 0;
	for (unsigned k = 0; k < HANDOFF_TOP_WEIGHTS; k++)
		for (unsigned d = 0; d < HANDOFF_TOP_DIMS; d++)
			sa_topk_reset(iv->top[k][d]);
}

static void ledger_add(uint64_t *total, uint64_t v)
{
	__atomic_store_n(total, *total + v, __ATOMIC_RELAXED); /* single writer */
}

/* Ledger counters (drops, evictions, parse errors by reason) must survive
 * the loss of the interval that holds them. */
static const unsigned carried[] = {
	SA_C_RING_FULL, SA_C_FLOW_EVICTIONS, SA_C_PARSE_ERRORS, SA_C_ERR_TRUNC_L2, SA_C_ERR_TRUNC_L3,
	SA_C_ERR_BAD_L3, SA_C_ERR_TRUNC_L4, SA_C_ERR_BAD_L4, SA_C_ERR_LINKTYPE,
};

static bool interval_has_news(const struct handoff_interval *iv)
{
	for (unsigned i = 0; i < sizeof(carried) / sizeof(carried[0]); i++)
		if (iv->counters[carried[i]])
			return true;
	return iv->counters[SA_C_PACKETS] || iv->counters[SA_C_FLOWS_ENDED] ||
	       iv->counters[SA_C_ACTIVE_FLOW_SECONDS];
}

/* Hands iv to the exporter and takes a spent object to count in next.
 * Lossless input waits for room; live input gives up at once. */
static bool interval_handoff(struct worker *w, struct handoff_interval *iv,
			     struct handoff_interval **next)
{
	while (w->spare_iv == NULL && rte_ring_sc_dequeue(w->iv_free, (void **)&w->spare_iv) != 0) {
		if (!w->conf.lossless || *w->force_quit)
			return false;
		wait_for_exporter();
	}
	while (rte_ring_sp_enqueue(w->to_export, iv) != 0) {
		if (!w->conf.lossless || *w->force_quit)
			return false;
		wait_for_exporter();
	}
	*next = w->spare_iv;
	w->spare_iv = NULL;
	return true;
}

/* The flows in the table as the second ends: its active flow-seconds. A
 * second split into several intervals (an out-of-order packet, a live
 * second rolled before its last packet) counts once, in its first. */
static void count_active(struct worker *w)
{
	struct flowtab_stats st;

	if (w->iv->start_s < w->active_after_s)
		return;
	flowtab_stats_get(w->ft, &st);
	w->iv->counters[SA_C_ACTIVE_FLOW_SECONDS] = st.active;
	w->active_after_s = w->iv->start_s + 1;
}

/* Queues the finished second and starts counting `start_s`. */
static void interval_roll(struct worker *w, uint64_t start_s)
{
	struct handoff_interval *iv = w->iv, *next;

	iv->counters[SA_C_TALKER_OVERFLOWS] += talkers_fold(w->talk);
	if (!interval_has_news(iv)) {
		interval_reset(iv, start_s);
		return;
	}
	iv->counters[SA_C_RING_FULL] += w->ring_full_pending;
	w->ring_full_pending = 0;
	if (interval_handoff(w, iv, &next)) {
		ledger_add(&w->total_ring_full, iv->counters[SA_C_RING_FULL]);
		ledger_add(&w->total_evictions, iv->counters[SA_C_FLOW_EVICTIONS]);
		ledger_add(&w->total_parse_errors, iv->counters[SA_C_PARSE_ERRORS]);
		w->iv = next;
		interval_reset(next, start_s);
		talkers_attach(w->talk, next->top);
		return;
	}
	/* The exporter is behind: this second's statistics are lost. Keep its
	 * ledger for the next second and count the lost record itself. */
	uint64_t keep[sizeof(carried) / sizeof(carried[0])];
	for (unsigned i = 0; i < sizeof(carried) / sizeof(carried[0]); i++)
		keep[i] = iv->counters[carried[i]];
	interval_reset(iv, start_s);
	for (unsigned i = 0; i < sizeof(carried) / sizeof(carried[0]); i++)
		iv->counters[carried[i]] = keep[i];
	iv->counters[SA_C_RING_FULL]++;
}

static void on_flow_end(void *ctx, const struct flow_record *f)
{
	struct worker *w = ctx;
	struct handoff_flow *hf;
	uint16_t master = 0, proto = 0;
	bool has_app = false;

	w->iv->counters[SA_C_FLOWS_ENDED]++;
	if (f->end == FLOW_END_EVICT)
		w->iv->counters[SA_C_FLOW_EVICTIONS]++;
	if (f->rtt_syn_synack_ns)
		w->iv->rtt_hist[sa_time_bucket(f->rtt_syn_synack_ns + f->rtt_synack_ack_ns)]++;
	if (unlikely(f->mark != APPID_NONE)) {
		bool inspecting = f->mark == APPID_INSPECTING;
		has_app = appid_end(w->app, f->slot, &master, &proto);
		w->iv->counters[SA_C_NDPI_DETECTED] += inspecting && has_app; /* else counted when it ended */
	}
	while (rte_mempool_get(w->flow_pool, (void **)&hf) != 0) {
		if (!w->conf.lossless || *w->force_quit) {
			w->iv->counters[SA_C_RING_FULL]++;
			return;
		}
		wait_for_exporter();
	}
	hf->kind = HANDOFF_FLOW;
	hf->has_app = has_app;
	hf->app_master = master;
	hf->app_proto = proto;
	hf->f = *f;
	flow_handoff(w, hf);
}

/* Protocol counts follow the OUTER headers, as a tap sees the wire (and as
 * tshark's first-protocol counts do); flows follow the inner ones. */
static inline void count_protocols(struct handoff_interval *iv, const struct pkt_meta *m)
{
	uint64_t len = m->wire_len;
	unsigned l3 = m->outer_l3 == PKT_L3_IPV4 ? SA_C_IPV4_PACKETS
		    : m->outer_l3 == PKT_L3_IPV6 ? SA_C_IPV6_PACKETS : SA_C_NONIP_PACKETS;
	bool outer_fragment = (m->flags & (PKT_F_FRAGMENT | PKT_F_TUNNEL)) == PKT_F_FRAGMENT;
	bool outer_later = (m->flags & (PKT_F_LATER_FRAGMENT | PKT_F_TUNNEL)) == PKT_F_LATER_FRAGMENT;

	iv->counters[l3]++;
	iv->counters[l3 + 1] += len;
	if (m->outer_l3 == PKT_L3_NONE)
		return;
	unsigned l4 = SA_C_OTHER_L4_PACKETS;
	if (!outer_later) {
		if (m->outer_proto == 6)
			l4 = SA_C_TCP_PACKETS;
		else if (m->outer_proto == 17)
			l4 = SA_C_UDP_PACKETS;
		else if (m->outer_proto == 1 || m->outer_proto == 58)
			l4 = SA_C_ICMP_PACKETS;
	}
	iv->counters[l4]++;
	iv->counters[l4 + 1] += len;
	iv->counters[SA_C_FRAGMENTS] += outer_fragment;
	/* TCP flags are the flow's (inner) handshake, tunnelled or not. */
	if (m->proto == 6 && (m->flags & PKT_F_HAS_L4)) {
		iv->counters[SA_C_TCP_SYN] += (m->tcp_flags & 0x12) == 0x02;
		iv->counters[SA_C_TCP_FIN] += (m->tcp_flags & 0x01) != 0;
		iv->counters[SA_C_TCP_RST] += (m->tcp_flags & 0x04) != 0;
	}
}

/* One received packet on its way through the passes over a burst. */
struct burst_pkt {
	struct pkt_meta m;
	uint64_t ts;
	uint8_t iat_bucket;
	bool has_flow;   /* addresses usable: goes to the flow table and the talkers */
	uint8_t n_top;   /* talker dimensions this packet counts in (2 or 4) */
	struct flowtab_lookup flow;
	struct talker_key top[TALKER_DIMS];
};

static inline struct worker_stamp *stamp_of(const struct worker *w, struct rte_mbuf *mb)
{
	return RTE_MBUF_DYNFIELD(mb, w->stamp_offset, struct worker_stamp *);
}

static inline uint64_t packet_time(const struct worker *w, const struct rte_mbuf *mb, uint64_t fallback)
{
	if (likely(w->ts_offset >= 0 && (mb->ol_flags & w->ts_flag)))
		/* The pcap PMD stores microseconds. */
		return *RTE_MBUF_DYNFIELD(mb, w->ts_offset, rte_mbuf_timestamp_t *) * 1000;
	return fallback;
}

/* The port reader's note on each packet, in arrival order: its time, its
 * original length when the file truncated it, its gap to the previous one. */
static void burst_stamp(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	/* For ports that stamp no time (af_packet): the arrival time of the
	 * burst, read once per burst (vDSO, not a syscall). */
	uint64_t fallback_ns = sa_wall_ns();

	for (uint16_t i = 0; i < n; i++) {
		struct worker_stamp *st = stamp_of(w, pkts[i]);
		uint64_t ts = packet_time(w, pkts[i], fallback_ns);
		uint64_t index = w->rx_packets + i;

		st->ts_ns = ts;
		st->wall_clock = w->ts_offset < 0 || !(pkts[i]->ol_flags & w->ts_flag);
		st->wire_len = 0;
		if (unlikely(w->next_fix < w->conf.n_len_fixes && w->conf.len_fixes[w->next_fix].index == index))
			st->wire_len = w->conf.len_fixes[w->next_fix++].wire_len;
		st->iat_bucket = likely(w->last_pkt_ns != 0)
			? (uint8_t)sa_time_bucket(ts > w->last_pkt_ns ? ts - w->last_pkt_ns : 0) : WORKER_NO_IAT;
		w->last_pkt_ns = ts;
	}
}

/* Top talkers and ports by the outer headers: the tunnel endpoints are who
 * is on this link. */
static inline void talker_keys(const struct talkers *t, struct burst_pkt *p)
{
	const struct pkt_meta *m = &p->m;
	bool tun = m->tun_type != PKT_TUN_NONE;
	uint32_t alen = (tun ? m->tun_l3 : m->l3) == PKT_L3_IPV4 ? 4 : 16;
	bool ports = tun ? m->outer_proto == 17
			 : (m->flags & PKT_F_HAS_L4) && m->proto != 1 && m->proto != 58;

	talkers_key_addr(t, TALKER_SRC_IP, &p->top[TALKER_SRC_IP], tun ? m->tun_src : m->src, alen);
	talkers_key_addr(t, TALKER_DST_IP, &p->top[TALKER_DST_IP], tun ? m->tun_dst : m->dst, alen);
	p->n_top = 2;
	if (ports) {
		talkers_key_port(t, TALKER_SRC_PORT, &p->top[TALKER_SRC_PORT], tun ? m->tun_sport : m->sport);
		talkers_key_port(t, TALKER_DST_PORT, &p->top[TALKER_DST_PORT], tun ? m->tun_dport : m->dport);
		p->n_top = 4;
	}
}

/* Parses a stamped packet and makes its flow lookup. */
static inline void burst_parse(const struct worker *w, struct rte_mbuf *mb, struct burst_pkt *p)
{
	struct pkt_meta *m = &p->m;
	const struct worker_stamp *st = stamp_of(w, mb);

	p->ts = st->ts_ns;
	p->iat_bucket = st->iat_bucket;
	pkt_parse(rte_pktmbuf_mtod(mb, const uint8_t *), mb->data_len, mb->pkt_len,
		  w->conf.linktype, m);
	if (unlikely(st->wire_len))
		m->wire_len = st->wire_len;
	/* Addresses are good unless the IP header itself was bad or cut. */
	p->has_flow = m->l3 != PKT_L3_NONE &&
		      (m->err == PKT_OK || m->err == PKT_ERR_TRUNC_L4 || m->err == PKT_ERR_BAD_L4);
	if (!p->has_flow)
		return;
	/* Talkers are whoever sent the frame; an ICMP error then belongs to
	 * the flow it quotes (and goes to that flow's worker). */
	talker_keys(w->talk, p);
	flowtab_icmp_error_view(m);
}

/* For a packet this worker accounts: the ports of a later fragment, then
 * the flow lookup, its bucket prefetched. */
static inline void burst_key(struct worker *w, struct burst_pkt *p)
{
	fragtab_resolve(w->frags, &p->m, p->ts);
	flowtab_lookup_make(&p->m, &p->flow);
	flowtab_prefetch_bucket(w->ft, &p->flow);
}

/* A sampled flow's new record: inspect it if the pool has room. */
static void appid_begin(struct worker *w, uint32_t slot, unsigned *mark)
{
	if (appid_start(w->app, slot)) {
		w->iv->counters[SA_C_NDPI_FLOWS]++;
		flowtab_mark(w->ft, slot, APPID_INSPECTING);
		*mark = APPID_INSPECTING;
	} else {
		w->iv->counters[SA_C_NDPI_POOL_FULL]++;
	}
}

/* A packet of a flow under inspection, from its (inner) IP header. An ICMP
 * error accounted to the flow it quotes, a later fragment or a header
 * too deep to note is not shown to nDPI. */
static void appid_feed(struct worker *w, uint32_t slot, const struct pkt_meta *m,
		       const struct rte_mbuf *mb, uint64_t ts)
{
	uint32_t off = m->l3_off;

	if ((m->flags & (PKT_F_ICMP_ERROR | PKT_F_LATER_FRAGMENT)) || off == PKT_L3_OFF_FAR ||
	    off >= mb->data_len)
		return;
	bool found = false;
	if (!appid_packet(w->app, slot, rte_pktmbuf_mtod_offset(mb, const uint8_t *, off),
			  mb->data_len - off, ts, &found)) {
		flowtab_mark(w->ft, slot, APPID_DONE);
		w->iv->counters[SA_C_NDPI_DETECTED] += found; /* in the second it was found */
	}
}

/* Last pass: the packet's second, counters, histograms, talkers, flow. */
static inline void burst_account(struct worker *w, struct burst_pkt *p, const struct rte_mbuf *mb)
{
	const struct pkt_meta *m = &p->m;
	uint64_t ts = p->ts;
	uint64_t sec = ts / SA_NS_PER_S;

	if (unlikely(sec != w->iv->start_s)) {
		count_active(w);
		interval_roll(w, sec);
	}

	struct handoff_interval *iv = w->iv;
	iv->counters[SA_C_PACKETS]++;
	iv->counters[SA_C_BYTES] += m->wire_len;
	iv->size_hist[sa_size_bucket(m->wire_len)]++;
	if (likely(p->iat_bucket != WORKER_NO_IAT))
		iv->iat_hist[p->iat_bucket]++;
	if (ts < iv->first_ns)
		iv->first_ns = ts;
	if (ts > iv->last_ns)
		iv->last_ns = ts;
	if (ts > w->now_ns)
		w->now_ns = ts;
	count_protocols(iv, m);
	if (unlikely(m->err != PKT_OK)) {
		iv->counters[SA_C_PARSE_ERRORS]++;
		iv->counters[SA_C_ERR_TRUNC_L2 + m->err - 1]++;
	}
	if (p->has_flow) {
		for (unsigned d = 0; d < p->n_top; d++)
			talkers_add(w->talk, (enum talker_dim)d, &p->top[d], m->wire_len);
		uint32_t slot;
		unsigned mark;
		if (flowtab_update_slot(w->ft, m, &p->flow, ts, &slot, &mark)) {
			iv->counters[SA_C_FLOWS_NEW]++;
			/* 0 when nDPI is off: one compare per new record. */
			if (unlikely(p->flow.hash < w->conf.ndpi_below))
				appid_begin(w, slot, &mark);
		}
		/* Uninspected flows: one compare per packet. */
		if (unlikely(mark == APPID_INSPECTING))
			appid_feed(w, slot, m, mb, ts);
	}
}

/* Which worker a packet of the fan-out belongs to: by a hash of its (inner)
 * address pair, either way round, and protocol. Not the ports: a later
 * fragment has none and must meet its first fragment's flow (fragtab.h).
 * Packets without a flow only count, and stay with worker 0. */
static inline unsigned fan_target(const struct worker *w, const struct burst_pkt *p)
{
	uint64_t a[2], b[2];

	if (!p->has_flow)
		return 0;
	memcpy(a, p->m.src, 16);
	memcpy(b, p->m.dst, 16);
	uint64_t h = sa_mix64(sa_mix64(a[0] ^ sa_mix64(a[1])) + sa_mix64(b[0] ^ sa_mix64(b[1])) + p->m.proto);
	return (unsigned)(((h >> 32) * w->n_fan) >> 32);
}

/* Sends each worker its share of the burst. File input waits for room;
 * live input drops what does not fit and counts it as ring_full. */
static void fan_send(struct worker *w, struct rte_mbuf *out[][BURST], const uint16_t *count)
{
	for (unsigned k = 1; k < w->n_fan; k++) {
		unsigned sent = 0;
		while (sent < count[k]) {
			sent += rte_ring_sp_enqueue_burst(w->fan[k]->in, (void **)out[k] + sent,
							  count[k] - sent, NULL);
			if (sent < count[k]) {
				if (!w->conf.lossless || *w->force_quit) {
					w->ring_full_pending += count[k] - sent;
					rte_pktmbuf_free_bulk(out[k] + sent, count[k] - sent);
					break;
				}
				wait_for_exporter();
			}
		}
	}
}

/* A burst in three passes, so that the cache misses of 32 lookups overlap
 * (l3fwd_em_hlm's pattern): parse, hand other workers their packets, and
 * prefetch flow buckets and talker slots; prefetch the flow entries the
 * buckets point at; account. Frees the packets this worker kept. */
static void burst_process(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct burst_pkt bp[BURST];
	struct rte_mbuf *mine[BURST];
	struct rte_mbuf *out[WORKER_MAX][BURST];
	uint16_t count[WORKER_MAX] = {0};
	uint16_t k = 0;

	/* Before the fan-out: a packet handed on is no longer ours to read. */
	w->wall_clock = stamp_of(w, pkts[n - 1])->wall_clock;
	for (uint16_t i = 0; i < n && i < PREFETCH_OFFSET; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		if (i + PREFETCH_OFFSET < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_OFFSET], void *));
		burst_parse(w, pkts[i], &bp[k]);
		unsigned to = w->n_fan > 1 ? fan_target(w, &bp[k]) : 0;
		if (to != 0) {
			out[to][count[to]++] = pkts[i];
			continue;
		}
		if (bp[k].has_flow)
			burst_key(w, &bp[k]);
		mine[k++] = pkts[i];
	}
	if (w->n_fan > 1)
		fan_send(w, out, count);
	for (uint16_t i = 0; i < k; i++)
		if (bp[i].has_flow)
			flowtab_prefetch_entry(w->ft, &bp[i].flow);
	for (uint16_t i = 0; i < k; i++)
		burst_account(w, &bp[i], mine[i]);
	w->packets += k;
	rte_pktmbuf_free_bulk(mine, k);
}

static void finish(struct worker *w)
{
	/* No packets are arriving any more, so waiting for the exporter costs
	 * nothing: flush the table and the last second without dropping. */
	w->conf.lossless = true;
	count_active(w);
	flowtab_flush(w->ft);
	interval_roll(w, 0);
	if (w->app != NULL)
		appid_stats_get(w->app, &w->app_st); /* on this thread: its nDPI allocations */
	/* The end of input is not a record to drop: it always goes through. */
	w->eof.kind = HANDOFF_EOF;
	while (rte_ring_sp_enqueue(w->to_export, &w->eof) != 0 && !*w->force_quit)
		wait_for_exporter();
	w->finished = true;
}

/* No packets: let flows age. On a port stamped with the wall clock (a live
 * capture without NIC timestamps) time goes on while the link is quiet, so
 * flows still time out and the last second is handed on without waiting
 * for the next packet (a later packet of that second is merged downstream). */
static void idle_tick(struct worker *w)
{
	if (w->wall_clock) {
		uint64_t now = sa_wall_ns();
		if (now > w->now_ns)
			w->now_ns = now;
		if (now / SA_NS_PER_S > w->iv->start_s) {
			count_active(w);
			interval_roll(w, now / SA_NS_PER_S);
		}
	}
	flowtab_expire(w->ft, w->now_ns, EXPIRE_PER_BURST);
}

/* A burst from the port queue, stamped; or from the fan-out ring. */
static uint16_t receive(struct worker *w, struct rte_mbuf **pkts)
{
	if (!w->conf.reads_port)
		return (uint16_t)rte_ring_sc_dequeue_burst(w->in, (void **)pkts, BURST, NULL);

	uint16_t n = rte_eth_rx_burst(w->conf.port_id, w->conf.queue_id, pkts, BURST);
	if (unlikely(w->conf.max_packets && w->rx_packets + n >= w->conf.max_packets)) {
		/* Anything past the last good record is the PMD misreading a
		 * corrupt file: drop it, and the input is done. */
		uint16_t keep = (uint16_t)(w->conf.max_packets - w->rx_packets);
		rte_pktmbuf_free_bulk(pkts + keep, n - keep);
		n = keep;
		*w->input_done = true;
	}
	burst_stamp(w, pkts, n);
	w->rx_packets += n;
	return n;
}

/* input_done: a file was fully received (the PMD counts a record only once
 * it is in our burst, so nothing is left behind), a replay ran its time, or
 * a live capture was told to stop (even while packets flow). A fan-out
 * input is done when worker 0 says so and its ring is empty. */
static bool input_ended(const struct worker *w)
{
	if (w->conf.reads_port)
		return *w->input_done;
	return __atomic_load_n(&w->feed_done, __ATOMIC_ACQUIRE) && rte_ring_empty(w->in);
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	struct rte_mbuf *pkts[BURST];
	unsigned idle_polls = 0;

	if (w->conf.reads_port)
		RTE_LOG(INFO, SA_WORKER, "worker %u on lcore %u: port %u queue %u%s\n", w->conf.id,
			rte_lcore_id(), w->conf.port_id, w->conf.queue_id,
			w->n_fan > 1 ? ", fanning out" : "");
	else
		RTE_LOG(INFO, SA_WORKER, "worker %u on lcore %u: fan-out input\n", w->conf.id, rte_lcore_id());
	uint64_t t_start = sa_mono_ns();
	while (!*w->force_quit && !input_ended(w)) {
		uint16_t n = receive(w, pkts);
		if (n == 0) {
			idle_tick(w);
			if (++idle_polls >= IDLE_POLLS_BEFORE_SLEEP)
				rte_delay_us_sleep(IDLE_SLEEP_US);
			continue;
		}
		idle_polls = 0;
		uint64_t t0 = rte_rdtsc();
		burst_process(w, pkts, n);
		flowtab_expire(w->ft, w->now_ns, EXPIRE_PER_BURST);
		w->cycles += rte_rdtsc() - t0;
	}
	w->elapsed_ns = sa_mono_ns() - t_start;
	/* Every packet of the fan-out is in the rings: the others may finish. */
	for (unsigned k = 1; k < w->n_fan; k++)
		__atomic_store_n(&w->fan[k]->feed_done, true, __ATOMIC_RELEASE);
	finish(w);
	RTE_LOG(INFO, SA_WORKER, "worker %u done: %lu packets received\n", w->conf.id,
		(unsigned long)w->rx_packets);
	return 0;
}

int worker_init(struct worker *w, const struct worker_conf *conf)
{
	static const struct rte_mbuf_dynfield stamp_field = {
		.name = "sa_worker_stamp", .size = sizeof(struct worker_stamp),
		.align = __alignof__(struct worker_stamp),
	};
	char name[RTE_RING_NAMESIZE];
	struct flowtab_conf fc = conf->flows;

	/* Registering the same field again returns the same offset. */
	w->stamp_offset = rte_mbuf_dynfield_register(&stamp_field);
	if (w->stamp_offset < 0) {
		RTE_LOG(ERR, SA_WORKER, "worker %u: no room for the packet stamp in the mbuf\n", conf->id);
		return -ENOSPC;
	}
	w->n_fan = 1;

	w->conf = *conf;
	fc.emit = on_flow_end;
	fc.emit_ctx = w;
	w->ft = flowtab_new(&fc);
	w->talk = talkers_new(conf->talkers);
	w->frags = fragtab_new(conf->fragments);
	if (conf->ndpi_below && (w->app = appid_new(conf->ndpi_pool, conf->flows.capacity)) == NULL)
		return -ENOMEM;
	snprintf(name, sizeof(name), "w%u_export", conf->id);
	w->to_export = rte_ring_create(name, conf->ring_size, rte_socket_id(),
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "w%u_ivfree", conf->id);
	w->iv_free = rte_ring_create(name, rte_align32pow2(conf->intervals + 1), rte_socket_id(),
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "w%u_flows", conf->id);
	w->flow_pool = rte_mempool_create(name, conf->flow_objs, sizeof(struct handoff_flow), 256, 0,
					  NULL, NULL, NULL, NULL, rte_socket_id(), 0);
	if (w->ft == NULL || w->talk == NULL || w->frags == NULL || w->to_export == NULL || w->iv_free == NULL || w->flow_pool == NULL) {
		RTE_LOG(ERR, SA_WORKER, "worker %u: cannot allocate flow table, rings or pool (%u flows)\n",
			conf->id, conf->flows.capacity);
		return -ENOMEM;
	}
	/* One extra interval object is the one being counted. */
	for (unsigned i = 0; i <= conf->intervals; i++) {
		struct handoff_interval *iv = rte_zmalloc(NULL, sizeof(*iv), RTE_CACHE_LINE_SIZE);
		if (iv == NULL)
			return -ENOMEM;
		for (unsigned k = 0; k < HANDOFF_TOP_WEIGHTS; k++)
			for (unsigned d = 0; d < HANDOFF_TOP_DIMS; d++)
				if ((iv->top[k][d] = sa_topk_new(HANDOFF_TOP_CAPACITY)) == NULL)
					return -ENOMEM;
		interval_reset(iv, 0);
		if (i == conf->intervals) {
			w->iv = iv;
			talkers_attach(w->talk, iv->top);
		}
		else
			rte_ring_sp_enqueue(w->iv_free, iv);
	}
	return 0;
}

int worker_fanout(struct worker *workers, unsigned n, unsigned ring_size)
{
	char name[RTE_RING_NAMESIZE];

	if (n > WORKER_MAX)
		return -EINVAL;
	workers[0].n_fan = n;
	for (unsigned k = 1; k < n; k++) {
		snprintf(name, sizeof(name), "w%u_in", k);
		workers[k].in = rte_ring_create(name, ring_size, rte_socket_id(),
						RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (workers[k].in == NULL) {
			RTE_LOG(ERR, SA_WORKER, "worker %u: cannot create its input ring\n", k);
			return -ENOMEM;
		}
		workers[0].fan[k] = &workers[k];
	}
	return 0;
}

static void interval_free(struct handoff_interval *iv)
{
	for (unsigned k = 0; k < HANDOFF_TOP_WEIGHTS; k++)
		for (unsigned d = 0; d < HANDOFF_TOP_DIMS; d++)
			sa_topk_destroy(&iv->top[k][d]);
	rte_free(iv);
}

void worker_fini(struct worker *w)
{
	struct handoff_interval *iv;

	flowtab_destroy(&w->ft);
	talkers_destroy(&w->talk);
	fragtab_destroy(&w->frags);
	appid_destroy(&w->app);
	if (w->iv_free != NULL)
		while (rte_ring_sc_dequeue(w->iv_free, (void **)&iv) == 0)
			interval_free(iv);
	if (w->iv != NULL)
		interval_free(w->iv);
	if (w->spare_iv != NULL)
		interval_free(w->spare_iv);
	w->iv = w->spare_iv = NULL;
	rte_ring_free(w->iv_free);
	rte_ring_free(w->to_export);
	rte_ring_free(w->in);
	rte_mempool_free(w->flow_pool);
}
