/* DESIGN: records live in one calloc'd array and are named by 32-bit index
 * (NIL = UINT32_MAX), so links cost 4 bytes and nothing is allocated after
 * flowtab_new. A bucket array (power of two >= capacity, so chains average
 * <= 1 at full load and the slot is a mask, not a division) heads singly
 * linked chains through hnext; each entry keeps the low 32 bits of its key
 * hash so a chain walk compares the 40-byte key only on a likely match.
 *
 * Every live entry is on exactly one doubly linked list (lprev/lnext): the
 * active list in order of last packet (a packet moves its flow to the tail)
 * or the closing list in order of close time. The heads are therefore the
 * next to time out or to be evicted, so expiry and eviction are O(1) per
 * flow. Free entries are chained through lnext. The close time has no field
 * in struct flow_entry, so it sits in a side array indexed like the entries;
 * while a flow is closing its pending end reason (FIN or RST) sits in ->end.
 *
 * Time is the capture time passed in (ns, nonzero: 0 means "not seen" in
 * syn_ns/synack_ns). A timeout is reached when now - since >= timeout; a
 * stamp earlier than `since` never reaches it and never underflows. Timeouts
 * are also checked when a packet hits its flow, so a flow's boundaries do not
 * depend on how often flowtab_expire runs: a packet that arrives after the
 * idle, close or active timeout ends the old record and starts a new one.
 * active_timeout_ns == 0 disables the active timeout (otherwise every packet
 * would be its own record).
 *
 * flows_new counts every record started, restarts after a timeout included,
 * so flows_new == flows_ended + active at all times, and flowtab_update
 * returns true exactly when flows_new went up.
 *
 * Timestamps may go backwards a little (multi-queue capture, reordering):
 * per direction first_ns is the minimum and last_ns the maximum stamp seen,
 * and an inter-arrival gap is measured against last_ns and clamped at 0. The
 * lists stay in arrival order, so a reordered stamp can delay one flow's
 * expiry by at most the amount of disorder. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowtab.h"

#define NIL UINT32_MAX

#define PROTO_TCP 6
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

struct flist {
	uint32_t head, tail;
};

struct flowtab {
	struct flow_entry *e;  /* capacity entries */
	uint64_t *close_ns;    /* per entry: when it moved to the closing list */
	uint32_t *bucket;      /* chain heads, mask + 1 of them */
	uint32_t mask;
	uint32_t free_head;
	struct flist active, closing;
	struct flowtab_conf conf;
	struct flowtab_stats st;
};

static inline bool reached(uint64_t now, uint64_t since, uint64_t timeout)
{
	return now >= since && now - since >= timeout;
}

/* 0 means "not measured", so a measured RTT is at least 1 ns even when the
 * two stamps are equal or reordered. */
static inline uint64_t rtt_of(uint64_t from, uint64_t to)
{
	return to > from ? to - from : 1;
}

static inline uint64_t flow_last(const struct flow_entry *f)
{
	return f->dir[0].last_ns > f->dir[1].last_ns ? f->dir[0].last_ns : f->dir[1].last_ns;
}

static inline uint64_t flow_first(const struct flow_entry *f)
{
	if (f->dir[0].packets == 0)
		return f->dir[1].first_ns;
	if (f->dir[1].packets == 0)
		return f->dir[0].first_ns;
	return f->dir[0].first_ns < f->dir[1].first_ns ? f->dir[0].first_ns : f->dir[1].first_ns;
}

static void list_append(struct flowtab *ft, struct flist *l, uint32_t i)
{
	struct flow_entry *f = &ft->e[i];

	f->lprev = l->tail;
	f->lnext = NIL;
	if (l->tail != NIL)
		ft->e[l->tail].lnext = i;
	else
		l->head = i;
	l->tail = i;
}

static void list_unlink(struct flowtab *ft, struct flist *l, uint32_t i)
{
	struct flow_entry *f = &ft->e[i];

	if (f->lprev != NIL)
		ft->e[f->lprev].lnext = f->lnext;
	else
		l->head = f->lnext;
	if (f->lnext != NIL)
		ft->e[f->lnext].lprev = f->lprev;
	else
		l->tail = f->lprev;
}

static void hash_unlink(struct flowtab *ft, uint32_t i)
{
	uint32_t *p = &ft->bucket[ft->e[i].hash & ft->mask];

	while (*p != i) {
		assert(*p != NIL);
		p = &ft->e[*p].hnext;
	}
	*p = ft->e[i].hnext;
}

/* Removes entry i from the index and its list, emits it with reason `why`
 * and returns its slot to the free list. Stats are updated before the
 * callback so it sees a consistent table. */
static void flow_end(struct flowtab *ft, uint32_t i, uint8_t why)
{
	struct flow_entry *f = &ft->e[i];

	hash_unlink(ft, i);
	list_unlink(ft, f->closing ? &ft->closing : &ft->active, i);
	ft->st.flows_ended++;
	ft->st.active--;
	f->end = why;
	ft->conf.emit(ft->conf.emit_ctx, f);
	f->lnext = ft->free_head;
	ft->free_head = i;
}

/* Returns a free slot, evicting the oldest closing flow, else the least
 * recently seen active one, when the table is full. */
static uint32_t flow_alloc(struct flowtab *ft)
{
	uint32_t i = ft->free_head;

	if (unlikely(i == NIL)) {
		i = ft->closing.head != NIL ? ft->closing.head : ft->active.head;
		ft->st.evictions++;
		flow_end(ft, i, FLOW_END_EVICT);
		assert(ft->free_head == i);
	}
	ft->free_head = ft->e[i].lnext;
	return i;
}

/* Reason the existing flow i is already over at ts, or FLOW_END_NONE. */
static uint8_t flow_stale(const struct flowtab *ft, uint32_t i, uint64_t ts)
{
	const struct flow_entry *f = &ft->e[i];

	if (f->closing)
		return reached(ts, ft->close_ns[i], ft->conf.close_timeout_ns) ? f->end : FLOW_END_NONE;
	if (reached(ts, flow_last(f), ft->conf.idle_timeout_ns))
		return FLOW_END_IDLE;
	if (ft->conf.active_timeout_ns && reached(ts, flow_first(f), ft->conf.active_timeout_ns))
		return FLOW_END_ACTIVE;
	return FLOW_END_NONE;
}

static inline void dir_update(struct flow_dir *fd, uint32_t len, uint64_t ts)
{
	if (fd->packets == 0) {
		fd->first_ns = fd->last_ns = ts;
		fd->size_min = fd->size_max = len;
	} else {
		uint64_t gap = ts > fd->last_ns ? ts - fd->last_ns : 0;

		if (fd->packets == 1) {
			fd->iat_min_ns = fd->iat_max_ns = gap;
		} else {
			if (gap < fd->iat_min_ns)
				fd->iat_min_ns = gap;
			if (gap > fd->iat_max_ns)
				fd->iat_max_ns = gap;
		}
		fd->iat_sum_ns += (double)gap;
		fd->iat_sumsq_ns2 += (double)gap * (double)gap;
		if (ts > fd->last_ns)
			fd->last_ns = ts;
		else if (ts < fd->first_ns)
			fd->first_ns = ts;
		if (len < fd->size_min)
			fd->size_min = len;
		if (len > fd->size_max)
			fd->size_max = len;
	}
	fd->packets++;
	fd->bytes += len;
	fd->size_sumsq += (uint64_t)len * len;
}

/* Handshake RTTs and close detection for one TCP packet in direction d.
 * Without a SYN (capture started mid-handshake) the SYN/ACK's receiver is
 * taken as the SYN side, so rtt_synack_ack is still measured. */
static void tcp_update(struct flowtab *ft, uint32_t i, unsigned d, uint8_t fl, uint64_t ts)
{
	struct flow_entry *f = &ft->e[i];
	unsigned sa = fl & (TCP_SYN | TCP_ACK);

	f->dir[d].tcp_flags |= fl;
	if (sa == TCP_SYN) {
		if (f->syn_ns == 0) {
			f->syn_ns = ts;
			f->syn_dir = d;
			f->initiator = d;
		}
	} else if (sa == (TCP_SYN | TCP_ACK)) {
		if (f->synack_ns == 0 && (f->syn_ns == 0 || d != f->syn_dir)) {
			f->synack_ns = ts;
			if (f->syn_ns)
				f->rtt_syn_synack_ns = rtt_of(f->syn_ns, ts);
			else
				f->syn_dir = !d;
		}
	} else if (sa == TCP_ACK) {
		if (f->synack_ns && f->rtt_synack_ack_ns == 0 && d == f->syn_dir)
			f->rtt_synack_ack_ns = rtt_of(f->synack_ns, ts);
	}

	if (fl & TCP_FIN)
		f->fin_mask |= 1u << d;
	if (!f->closing && ((fl & TCP_RST) || f->fin_mask == 3)) {
		list_unlink(ft, &ft->active, i);
		list_append(ft, &ft->closing, i);
		f->closing = 1;
		f->end = (fl & TCP_RST) ? FLOW_END_RST : FLOW_END_FIN; /* fixed now */
		ft->close_ns[i] = ts;
	}
}

struct flowtab *flowtab_new(const struct flowtab_conf *conf)
{
	struct flowtab *ft;
	uint32_t nb = 1;

	/* Indices and bucket counts are uint32 with NIL reserved. */
	if (conf == NULL || conf->capacity == 0 || conf->capacity > (1u << 31) ||
	    conf->emit == NULL) {
		fprintf(stderr, "flowtab: bad config (capacity 1..2^31 and an emit callback needed)\n");
		return NULL;
	}
	while (nb < conf->capacity)
		nb <<= 1;
	ft = calloc(1, sizeof(*ft));
	if (ft == NULL)
		goto fail;
	ft->conf = *conf;
	ft->mask = nb - 1;
	ft->e = calloc(conf->capacity, sizeof(*ft->e));
	ft->close_ns = calloc(conf->capacity, sizeof(*ft->close_ns));
	ft->bucket = malloc((size_t)nb * sizeof(*ft->bucket));
	if (ft->e == NULL || ft->close_ns == NULL || ft->bucket == NULL)
		goto fail;
	memset(ft->bucket, 0xff, (size_t)nb * sizeof(*ft->bucket));
	/* Free list in index order, so a lightly loaded table stays compact. */
	for (uint32_t i = 0; i < conf->capacity; i++)
		ft->e[i].lnext = i + 1 < conf->capacity ? i + 1 : NIL;
	ft->free_head = 0;
	ft->active.head = ft->active.tail = NIL;
	ft->closing.head = ft->closing.tail = NIL;
	return ft;
fail:
	fprintf(stderr, "flowtab: out of memory for %u flows\n", conf->capacity);
	flowtab_destroy(&ft);
	return NULL;
}

void flowtab_destroy(struct flowtab **ftp)
{
	struct flowtab *ft = *ftp;

	if (ft == NULL)
		return;
	free(ft->e);
	free(ft->close_ns);
	free(ft->bucket);
	free(ft);
	*ftp = NULL;
}

bool flowtab_update(struct flowtab *ft, const struct pkt_meta *m, uint64_t ts_ns)
{
	struct sa_flowkey k;
	struct flow_entry *f;
	uint32_t h, i, *head;
	unsigned d;
	bool fresh = false;

	assert(m->l3 != PKT_L3_NONE);
	d = !sa_flowkey_make(&k, m->src, m->dst, m->sport, m->dport, m->proto, m->l3, m->vlan);
	h = (uint32_t)sa_flowkey_hash(&k);
	head = &ft->bucket[h & ft->mask];
	for (i = *head; i != NIL; i = ft->e[i].hnext)
		if (ft->e[i].hash == h && sa_flowkey_eq(&ft->e[i].key, &k))
			break;

	if (i != NIL) {
		uint8_t why = flow_stale(ft, i, ts_ns);

		if (unlikely(why != FLOW_END_NONE)) {
			flow_end(ft, i, why);
			i = NIL;
		}
	}
	if (i == NIL) {
		i = flow_alloc(ft); /* may evict from this very chain: read *head after */
		f = &ft->e[i];
		memset(f, 0, sizeof(*f));
		f->key = k;
		f->hash = h;
		f->l4_incomplete = 1; /* cleared below by a packet with a whole transport header */
		f->initiator = d;
		if (m->proto == PROTO_TCP &&
		    (m->tcp_flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
			f->initiator = !d; /* the SYN/ACK answers the receiver's SYN */
		f->hnext = *head;
		*head = i;
		list_append(ft, &ft->active, i);
		ft->st.flows_new++;
		ft->st.active++;
		fresh = true;
	} else {
		f = &ft->e[i];
		if (!f->closing && ft->active.tail != i) {
			list_unlink(ft, &ft->active, i);
			list_append(ft, &ft->active, i);
		}
	}

	dir_update(&f->dir[d], m->wire_len, ts_ns);
	/* A later fragment or a cut/bad transport header carries no ports. */
	if (!(m->flags & PKT_F_LATER_FRAGMENT) && m->err != PKT_ERR_TRUNC_L4 && m->err != PKT_ERR_BAD_L4)
		f->l4_incomplete = 0;
	if (m->proto == PROTO_TCP)
		tcp_update(ft, i, d, m->tcp_flags, ts_ns);
	return fresh;
}

unsigned flowtab_expire(struct flowtab *ft, uint64_t now_ns, unsigned max)
{
	unsigned n = 0;

	while (n < max) {
		unsigned before = n;
		uint32_t i = ft->closing.head;

		if (i != NIL && reached(now_ns, ft->close_ns[i], ft->conf.close_timeout_ns)) {
			flow_end(ft, i, ft->e[i].end);
			n++;
		}
		i = ft->active.head;
		if (n < max && i != NIL &&
		    reached(now_ns, flow_last(&ft->e[i]), ft->conf.idle_timeout_ns)) {
			flow_end(ft, i, FLOW_END_IDLE);
			n++;
		}
		if (n == before)
			break;
	}
	return n;
}

unsigned flowtab_flush(struct flowtab *ft)
{
	unsigned n = 0;

	while (ft->closing.head != NIL) {
		flow_end(ft, ft->closing.head, FLOW_END_FLUSH);
		n++;
	}
	while (ft->active.head != NIL) {
		flow_end(ft, ft->active.head, FLOW_END_FLUSH);
		n++;
	}
	return n;
}

void flowtab_stats_get(const struct flowtab *ft, struct flowtab_stats *st)
{
	*st = ft->st;
}
