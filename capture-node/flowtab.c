/* DESIGN: one 120-byte record per flow slot in one array, named by 32-bit
 * index (NIL = UINT32_MAX), plus two side arrays: hash bucket heads and
 * per-slot deadline hints. Nothing is allocated after flowtab_new; the big
 * arrays ask for transparent huge pages (a random lookup otherwise misses
 * the TLB as well as the cache).
 *
 * Record layout (struct flow_entry). The key comes first and fits 16 bytes:
 * an IPv4 flow keeps its two addresses in k0; an IPv6 flow keeps a 32-bit
 * hash of its addresses there plus the index of its slot in the IPv6 pool,
 * where the 32 address bytes are compared on a hash match. k1 holds ports,
 * VLAN, protocol and the IPv6 bit, with the flow's state bits in its top
 * byte (masked out of key compares). Times are u32 microsecond offsets from
 * base_s, the second of the record's first packet (T_NONE: not seen);
 * counters are 24/32/48-bit with the record limits of flowtab.h checked
 * before each packet. Per direction the earliest stamp (first) and the
 * first packet's stamp (first + start_delta) are both kept, so the IAT sum
 * is last - start as before. The IAT variance is Welford's running sum of
 * squared deviations, one division per packet: m2 += ((k-1) g - S)^2 /
 * (k (k-1)) for the k-th gap g after k-1 gaps that sum to S. A record is
 * turned into a struct flow_record only when it ends.
 *
 * Hash index: bucket heads (7 per 8 slots; the bucket is the 32-bit key
 * hash times the bucket count, >> 32) chain records through hnext. The hash
 * is not stored: a chain walk compares the 16 key bytes, which sit in the
 * line the walk loads anyway, and unlinking rehashes the key.
 *
 * Deadline index ("timer"). A packet only writes its own record: nothing is
 * moved or relinked per packet, where the old LRU list moved the flow and
 * touched both its neighbours. Instead every live slot has a deadline hint
 * (microseconds, rounded up), never later than the flow's real deadline:
 * last + idle for an active flow, close + close timeout for a closing one.
 * A hint is set when a flow starts or starts closing, and is left alone
 * when packets push the real deadline back; whoever takes a hint as the
 * earliest checks the record and, if packets moved the deadline, moves the
 * hint there and looks again (once per idle period per flow at most, so
 * O(1) amortised per packet). Hints are stored as u32 (class bit on top:
 * active or closing; 31 bits of offset) from a per-block base, 64 slots a
 * block. Each block keeps the smallest hint of each class and which slot
 * holds it; a 4-way tournament tree over the blocks keeps, per class, the
 * block with the smallest minimum, so the earliest hint is read at the root
 * and a changed block minimum re-elects a few 4-child nodes on its way up.
 * Block minima only err low (an ended or raised hint leaves its block's
 * minimum stale until someone takes it as the earliest and finds the slot
 * changed, which recomputes the block), tree nodes are exact, so:
 *  - flowtab_expire(now) ends, oldest first, exactly the flows whose hint
 *    is at or before now in microseconds (rounded up hints make those due;
 *    the record check compares in ns), a closing and an active one in turn
 *    as before;
 *  - eviction and flush take the earliest real deadline of a class: the
 *    closing flow that closed first, or the least recently seen active
 *    flow, to the microsecond.
 *
 * Time is the capture time passed in (ns). A timeout is reached when
 * now - since >= timeout; a stamp earlier than `since` never reaches it and
 * never underflows. Timeouts are also checked when a packet hits its flow,
 * so with stamps in order a flow's boundaries do not depend on how often
 * flowtab_expire runs: a packet that arrives after the idle, close or
 * active timeout ends the old record and starts a new one in the same slot.
 * active_timeout_ns == 0 disables the active timeout.
 *
 * flows_new counts every record started, restarts included, so
 * flows_new == flows_ended + active at all times, and flowtab_update returns
 * true exactly when flows_new went up.
 *
 * Timestamps may go backwards a little (multi-queue capture, reordering):
 * per direction first is the minimum and last the maximum stamp seen, and an
 * inter-arrival gap is measured against last and clamped at 0. A stamp
 * before the record's base second moves the base back. Deadlines follow the
 * stamps, not the arrival order: where the old list let a reordered packet
 * keep an idle flow past its timeout (by up to the disorder), the flow now
 * ends on time, and a packet arriving later still, with an older stamp,
 * starts a new record. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowtab.h"
#include "sa_bigmem.h"

#define NIL UINT32_MAX

#define PROTO_TCP 6
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#define likely(x) __builtin_expect(!!(x), 1)
#endif

#define US_PER_S 1000000ULL
#define NS_PER_S 1000000000ULL

#define T_NONE UINT32_MAX           /* time offset: not seen */
#define T_MAX (UINT32_MAX - 1)      /* last usable offset */
#define P_BITS 24
#define P_MASK ((1u << P_BITS) - 1) /* packets per direction and record */
#define Q_MAX ((1ULL << 48) - 1)    /* size_sumsq per direction and record */
#define SD_MAX UINT16_MAX

/* k1: key bits 0..55, state bits 56..63. */
#define K1_VLAN_SHIFT 32
#define K1_V6 (1ULL << 44)
#define K1_TUN (1ULL << 45)         /* seen inside a tunnel: not the same flow as outside */
#define K1_MARK_SHIFT 46          /* 2 bits: the owner's mark (flowtab_mark), not part of the key */
#define K1_MARK (3ULL << K1_MARK_SHIFT)
#define K1_PROTO_SHIFT 48
#define K1_KEY_MASK (((1ULL << 56) - 1) & ~K1_MARK)
#define S_CLOSING (1ULL << 56)
#define S_RST (1ULL << 57)          /* closing because of an RST (else both FINs) */
#define S_L4_INCOMPLETE (1ULL << 58)
#define S_INITIATOR (1ULL << 59)    /* set: dir 1 opened the flow */
#define S_SYN_DIR (1ULL << 60)
#define S_FIN_SHIFT 61              /* 2 bits: FIN seen in dir 0, dir 1 */
#define S_RTT1 (1ULL << 63)         /* SYN/ACK answered a SYN: rtt_syn_synack measured */

struct flow_entry {
	uint64_t k0;             /* v4: addr_lo | addr_hi << 32 (wire order); v6: pool slot | addr hash << 32 */
	uint64_t k1;             /* port_lo | port_hi << 16 | vlan << 32 | v6 << 44 | proto << 48 | state */
	uint32_t hnext;          /* hash chain; free list while free */
	uint32_t base_s;         /* second of the record's first packet */
	uint32_t syn, synack;    /* first SYN, first SYN/ACK */
	uint32_t ack;            /* first ACK from the SYN side after the SYN/ACK */
	uint32_t close;          /* when the flow started closing */
	uint32_t pf[2];          /* packets | tcp flags << 24 */
	uint32_t bytes[2];
	uint32_t first[2], last[2];
	uint32_t iat_min[2], iat_max[2];
	float iat_m2[2];         /* us^2 */
	uint32_t sq_lo[2];       /* size_sumsq, 48 bits */
	uint16_t sq_hi[2];
	uint16_t size_min[2], size_max[2];
	uint16_t start_delta[2]; /* first packet's stamp - first */
};

_Static_assert(sizeof(struct flow_entry) == 120, "flow record is 120 bytes");

struct v6pair {
	uint8_t lo[16], hi[16];
};

/* The outermost tunnel of a tunnelled record's first packet, in slot i of a
 * per-slot array whose pages are touched only by tunnelled flows. */
struct tunnel_ep {
	uint8_t src[16], dst[16]; /* outer addresses as that packet travelled */
	uint32_t id;
	uint8_t type, l3, flags;
	uint8_t dir;              /* that packet's direction */
};

/* ---- deadline index ---- */

#define TB_SHIFT 6
#define TB (1u << TB_SHIFT)       /* slots per block */
#define TF_SHIFT 2
#define TF (1u << TF_SHIFT)       /* children per tree node */
#define REL_NONE 0x7fffffffu      /* no hint of this class */
#define REL_MAX 0x7ffffffeu
#define TICK_EMPTY UINT32_MAX     /* class 1, REL_NONE */
#define ABS_NONE UINT64_MAX
#define MAX_LEVELS 16

enum { C_ACTIVE = 0, C_CLOSING = 1 };

#define BASE_SHIFT 20 /* block bases count 2^20 us (about a second) */

/* Per class: the block holding the smallest minimum below this node (NIL
 * if none) and that minimum. */
struct tnode {
	uint64_t val[2];
	uint32_t win[2];
};

/* Per class (one base each, so that flows of one class can never keep the
 * other's hints out of range): hints are (base << BASE_SHIFT) + rel us. */
struct tblock {
	uint32_t base[2];
	uint32_t min[2];    /* <= the smallest rel of the class; REL_NONE if none */
	uint8_t arg[2];     /* the slot that held min when it was computed */
};

struct flowtab {
	struct flow_entry *e;  /* capacity entries */
	uint32_t *bucket;      /* chain heads, nb of them */
	uint32_t nb;
	uint32_t free_head;    /* recycled slots */
	uint32_t fresh;        /* slots [fresh, capacity) never used */
	uint32_t cap;
	uint32_t *tick;        /* per slot: class << 31 | rel */
	struct tblock *blk;
	uint32_t nblk;
	unsigned nlev;         /* tree levels above the blocks; the last has one node */
	struct tnode *lev[MAX_LEVELS];
	uint32_t nnode[MAX_LEVELS];
	struct v6pair *v6;
	uint32_t v6_free, v6_fresh;
	uint8_t *feat;         /* per slot: struct flowfeat, feat_stride bytes */
	struct tunnel_ep *tun; /* per slot, valid for K1_TUN flows */
	size_t feat_stride;
	uint64_t idle_us, close_us; /* timeouts rounded up to us, for hints */
	struct flowtab_conf conf;
	struct flowtab_stats st;
};

static inline bool reached(uint64_t now, uint64_t since, uint64_t timeout)
{
	return now >= since && now - since >= timeout;
}

static inline uint64_t base_us(const struct flow_entry *f)
{
	return (uint64_t)f->base_s * US_PER_S;
}

static inline uint32_t packets(const struct flow_entry *f, unsigned d)
{
	return f->pf[d] & P_MASK;
}

static inline uint32_t last_off(const struct flow_entry *f)
{
	return f->last[0] > f->last[1] ? f->last[0] : f->last[1]; /* an empty direction's last is 0 */
}

static inline uint32_t first_off(const struct flow_entry *f)
{
	if (packets(f, 0) == 0)
		return f->first[1];
	if (packets(f, 1) == 0)
		return f->first[0];
	return f->first[0] < f->first[1] ? f->first[0] : f->first[1];
}

static inline uint64_t size_sumsq(const struct flow_entry *f, unsigned d)
{
	return (uint64_t)f->sq_hi[d] << 32 | f->sq_lo[d];
}

static inline bool is_v6(const struct flow_entry *f)
{
	return (f->k1 & K1_V6) != 0;
}

static inline uint64_t rtt_ns(uint32_t from, uint32_t to)
{
	/* 0 means "not measured", so a measured RTT is at least 1 ns. */
	return to > from ? (uint64_t)(to - from) * 1000 : 1;
}

/* Real deadline of slot i in us, rounded up, and its class. */
static inline uint64_t deadline_us(const struct flowtab *ft, const struct flow_entry *f, unsigned *cls)
{
	if (f->k1 & S_CLOSING) {
		*cls = C_CLOSING;
		return base_us(f) + f->close + ft->close_us;
	}
	*cls = C_ACTIVE;
	return base_us(f) + last_off(f) + ft->idle_us;
}

static inline uint64_t blk_base(const struct tblock *b, unsigned c)
{
	return (uint64_t)b->base[c] << BASE_SHIFT;
}

static inline uint64_t blk_min(const struct tblock *b, unsigned c)
{
	uint64_t v = blk_base(b, c) + b->min[c];

	return b->min[c] == REL_NONE ? ABS_NONE : v; /* a select, not a branch */
}


/* The block holding the smallest class-c minimum, or NIL. */
static inline uint32_t tree_root(const struct flowtab *ft, unsigned c)
{
	return ft->lev[ft->nlev - 1][0].win[c];
}

static inline uint64_t tree_min(const struct flowtab *ft, unsigned c)
{
	return ft->lev[ft->nlev - 1][0].val[c];
}

/* Block b's class-c minimum changed: re-elects the winners above it, up
 * to the first node whose winner and value stay as they were. Every node
 * holds the exact winner among its children; only block minima may be
 * stale (never above the hints). */
static void tree_update(struct flowtab *ft, uint32_t b, unsigned c)
{
	uint32_t j = b;

	for (unsigned l = 0; l < ft->nlev; l++) {
		uint32_t p = j >> TF_SHIFT, lo = p << TF_SHIFT;
		uint32_t hi = l == 0 ? ft->nblk : ft->nnode[l - 1];
		struct tnode *n = &ft->lev[l][p];
		uint32_t win = NIL;
		uint64_t best = ABS_NONE;

		if (hi > lo + TF)
			hi = lo + TF;
		/* Selects, not branches: which child wins is anyone's guess. */
		if (l == 0) {
			for (uint32_t k = lo; k < hi; k++) {
				uint64_t v = blk_min(&ft->blk[k], c);
				bool lt = v < best;
				best = lt ? v : best;
				win = lt ? k : win;
			}
		} else {
			const struct tnode *ch = ft->lev[l - 1];
			for (uint32_t k = lo; k < hi; k++) {
				uint64_t v = ch[k].val[c];
				bool lt = v < best;
				best = lt ? v : best;
				win = lt ? ch[k].win[c] : win;
			}
		}
		if (n->win[c] == win && n->val[c] == best)
			return; /* nothing above changes */
		n->win[c] = win;
		n->val[c] = best;
		j = p;
	}
}

/* Block b's class-c minimum went down: it wins wherever it now beats the
 * winner. */
static void tree_lower(struct flowtab *ft, uint32_t b, unsigned c)
{
	uint64_t v = blk_min(&ft->blk[b], c);
	uint32_t j = b;

	for (unsigned l = 0; l < ft->nlev; l++) {
		struct tnode *n;

		j >>= TF_SHIFT;
		n = &ft->lev[l][j];
		if (n->win[c] != b && n->val[c] <= v)
			return;
		n->win[c] = b;
		n->val[c] = v;
	}
}

/* Recomputes block b's minima (and where they are) from its hints, then
 * the tree above; moves a class's base up when its hints have all drifted
 * far above it. With the class in the top bit, flipping that bit for class
 * 1 makes both minima plain unsigned minima (vectorised); empty slots (all
 * ones) come out as REL_NONE either way. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
/* The minimum scan wants pminud (SSE4.1); the library is built for
 * baseline x86-64, so let the loader pick. */
__attribute__((target_clones("avx2", "sse4.1", "default")))
#endif
static void blk_fix(struct flowtab *ft, uint32_t b)
{
	struct tblock *B = &ft->blk[b];
	uint32_t *t = &ft->tick[(size_t)b << TB_SHIFT];
	uint32_t m[2] = { UINT32_MAX, UINT32_MAX };
	uint64_t was[2] = { blk_min(B, 0), blk_min(B, 1) };

	for (unsigned k = 0; k < TB; k++) {
		uint32_t v0 = t[k], v1 = t[k] ^ 0x80000000u;
		m[0] = v0 < m[0] ? v0 : m[0];
		m[1] = v1 < m[1] ? v1 : m[1];
	}
	for (unsigned c = 0; c < 2; c++) {
		uint32_t cbit = (uint32_t)c << 31;

		if (m[c] >= REL_NONE) {
			m[c] = REL_NONE;
		} else if (m[c] >= REL_MAX / 4) {
			uint32_t units = m[c] >> BASE_SHIFT, sub = units << BASE_SHIFT;

			for (unsigned k = 0; k < TB; k++)
				if ((t[k] & ~REL_NONE) == cbit && t[k] != TICK_EMPTY)
					t[k] -= sub;
			B->base[c] += units;
			m[c] -= sub;
		}
		B->min[c] = m[c];
		if (m[c] != REL_NONE) {
			uint32_t want = cbit | m[c], k = 0;

			while (t[k] != want)
				k++;
			B->arg[c] = (uint8_t)k;
		}
		if (blk_min(B, c) != was[c])
			tree_update(ft, b, c);
	}
}

/* Sets slot i's hint to `at` (us) in class c. */
static void timer_set(struct flowtab *ft, uint32_t i, uint64_t at, unsigned c)
{
	uint32_t b = i >> TB_SHIFT;
	struct tblock *B = &ft->blk[b];
	uint32_t cbit = (uint32_t)c << 31;
	uint64_t rel;

	if (B->min[c] == REL_NONE) {
		B->base[c] = (uint32_t)(at >> BASE_SHIFT); /* minima are never above the truth: no class-c hint here */
	} else if (at < blk_base(B, c)) {
		uint32_t *t = &ft->tick[(size_t)b << TB_SHIFT];
		uint32_t nb = (uint32_t)(at >> BASE_SHIFT);
		uint64_t dlt = blk_base(B, c) - ((uint64_t)nb << BASE_SHIFT);

		for (unsigned k = 0; k < TB; k++) {
			if ((t[k] & ~REL_NONE) == cbit && t[k] != TICK_EMPTY) {
				uint64_t r = (t[k] & REL_NONE) + dlt;
				t[k] = cbit | (uint32_t)(r > REL_MAX ? REL_MAX : r); /* earlier: still a valid hint */
			}
		}
		B->base[c] = nb;
		if (B->min[c] + dlt > REL_MAX) {
			B->min[c] = REL_MAX; /* clamped: lower than it was */
			tree_lower(ft, b, c);
		} else {
			B->min[c] += (uint32_t)dlt;
		}
	}
	rel = at - blk_base(B, c);
	if (rel > REL_MAX)
		rel = REL_MAX;
	ft->tick[i] = cbit | (uint32_t)rel;
	if (rel < B->min[c]) {
		B->min[c] = (uint32_t)rel;
		B->arg[c] = (uint8_t)(i & (TB - 1));
		tree_lower(ft, b, c);
	}
}

static inline void timer_clear(struct flowtab *ft, uint32_t i)
{
	ft->tick[i] = TICK_EMPTY;
}

/* The slot with the smallest class-c hint, or NIL; *at gets the hint. A
 * block minimum found stale (its slot ended or moved on) is recomputed. */
static uint32_t timer_peek(struct flowtab *ft, unsigned c, uint64_t *at)
{
	for (;;) {
		uint32_t b = tree_root(ft, c), i;
		const struct tblock *B;

		if (b == NIL)
			return NIL;
		B = &ft->blk[b];
		i = (b << TB_SHIFT) + B->arg[c];
		if (B->min[c] != REL_NONE && ft->tick[i] == ((uint32_t)c << 31 | B->min[c])) {
			*at = blk_min(B, c);
			return i;
		}
		blk_fix(ft, b);
	}
}

/* Sets every class-c hint of block b to its flow's real deadline, with the
 * class base at the earliest of them. For when the smallest hint is out of
 * range (its flow's deadline lies over half an hour past the base): after
 * a jump in capture time. */
static void blk_refresh(struct flowtab *ft, uint32_t b, unsigned c)
{
	struct tblock *B = &ft->blk[b];
	uint32_t *t = &ft->tick[(size_t)b << TB_SHIFT], cbit = (uint32_t)c << 31;
	uint64_t lo = ABS_NONE, base;
	unsigned cls;

	for (unsigned k = 0; k < TB; k++)
		if ((t[k] & ~REL_NONE) == cbit && t[k] != TICK_EMPTY) {
			uint64_t real = deadline_us(ft, &ft->e[(b << TB_SHIFT) + k], &cls);
			lo = real < lo ? real : lo;
		}
	if (lo == ABS_NONE)
		return;
	B->base[c] = (uint32_t)(lo >> BASE_SHIFT);
	base = blk_base(B, c);
	for (unsigned k = 0; k < TB; k++)
		if ((t[k] & ~REL_NONE) == cbit && t[k] != TICK_EMPTY) {
			uint64_t rel = deadline_us(ft, &ft->e[(b << TB_SHIFT) + k], &cls) - base;
			t[k] = cbit | (uint32_t)(rel > REL_MAX ? REL_MAX : rel);
		}
}

/* The slot whose flow has the earliest real deadline in class c, or NIL:
 * the closing flow that closed first, or the least recently seen active
 * one. Hints that packets have overtaken are moved on the way. */
static uint32_t timer_first(struct flowtab *ft, unsigned c)
{
	for (;;) {
		uint64_t at, real;
		unsigned cls;
		uint32_t i = timer_peek(ft, c, &at);

		if (i == NIL)
			return NIL;
		real = deadline_us(ft, &ft->e[i], &cls);
		if (real <= at)
			return i;
		if (real - blk_base(&ft->blk[i >> TB_SHIFT], c) > REL_MAX)
			blk_refresh(ft, i >> TB_SHIFT, c); /* after a jump in time */
		else
			timer_set(ft, i, real, c);
		blk_fix(ft, i >> TB_SHIFT);
	}
}

/* ---- keys and hashing ---- */

static inline uint32_t key_hash(uint64_t h0, uint64_t h1)
{
	return (uint32_t)sa_mix64(sa_mix64(h0 ^ 0x9e3779b97f4a7c15ULL) ^ h1);
}

static inline uint32_t addr6_hash(const uint8_t *lo, const uint8_t *hi)
{
	uint64_t w[4];

	memcpy(&w[0], lo, 8);
	memcpy(&w[1], lo + 8, 8);
	memcpy(&w[2], hi, 8);
	memcpy(&w[3], hi + 8, 8);
	return (uint32_t)(sa_mix64(w[0] ^ sa_mix64(w[1] ^ sa_mix64(w[2] ^ sa_mix64(w[3] + 0x2545f4914f6cdd1dULL)))) >> 32);
}

static inline uint32_t bucket_of(const struct flowtab *ft, uint32_t h)
{
	return (uint32_t)(((uint64_t)h * ft->nb) >> 32);
}

static inline uint32_t entry_hash(const struct flow_entry *f)
{
	uint64_t h0 = is_v6(f) ? f->k0 & 0xffffffff00000000ULL : f->k0;
	return key_hash(h0, f->k1 & K1_KEY_MASK);
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Canonical key of the packet's flow, as sa_flowkey_make orders it: the
 * smaller (address, port) endpoint is "lo" and dir 0 travels lo -> hi. */
static inline void key_make(struct flowtab_lookup *k, const struct pkt_meta *m)
{
	bool fwd;

	if (m->l3 == PKT_L3_IPV4) {
		uint32_t s = load_be32(m->src), t = load_be32(m->dst), a, b;

		fwd = s < t || (s == t && m->sport <= m->dport);
		memcpy(&a, fwd ? m->src : m->dst, 4);
		memcpy(&b, fwd ? m->dst : m->src, 4);
		k->k0 = a | (uint64_t)b << 32;
		k->k1 = 0;
		k->lo6 = k->hi6 = NULL;
	} else {
		int c = memcmp(m->src, m->dst, 16);

		fwd = c < 0 || (c == 0 && m->sport <= m->dport);
		k->lo6 = fwd ? m->src : m->dst;
		k->hi6 = fwd ? m->dst : m->src;
		k->k0 = (uint64_t)addr6_hash(k->lo6, k->hi6) << 32;
		k->k1 = K1_V6;
	}
	k->k1 |= (uint64_t)(fwd ? m->sport : m->dport) | (uint64_t)(fwd ? m->dport : m->sport) << 16 |
		 (uint64_t)(m->vlan & 0xfff) << K1_VLAN_SHIFT | (uint64_t)m->proto << K1_PROTO_SHIFT |
		 (m->tun_type != PKT_TUN_NONE ? K1_TUN : 0);
	k->d = !fwd;
}

static inline bool key_eq(const struct flowtab *ft, const struct flow_entry *f, const struct flowtab_lookup *k)
{
	if (((f->k1 ^ k->k1) & K1_KEY_MASK) != 0)
		return false;
	if (likely(!(k->k1 & K1_V6)))
		return f->k0 == k->k0;
	if ((f->k0 ^ k->k0) >> 32)
		return false;
	const struct v6pair *p = &ft->v6[(uint32_t)f->k0];
	return memcmp(p->lo, k->lo6, 16) == 0 && memcmp(p->hi, k->hi6, 16) == 0;
}

static inline void prefetch_entry(const struct flow_entry *f)
{
	__builtin_prefetch(f);
	__builtin_prefetch((const char *)f + 64);
	__builtin_prefetch((const char *)f + sizeof(*f) - 1);
}

/* ---- records ---- */

static void dir_record(const struct flow_entry *f, unsigned d, struct flow_dir *o)
{
	uint64_t b = base_us(f);
	uint32_t n = packets(f, d);

	memset(o, 0, sizeof(*o));
	if (n == 0)
		return;
	o->packets = n;
	o->bytes = f->bytes[d];
	o->first_ns = (b + f->first[d]) * 1000;
	o->last_ns = (b + f->last[d]) * 1000;
	o->size_sumsq = size_sumsq(f, d);
	o->size_min = f->size_min[d];
	o->size_max = f->size_max[d];
	o->tcp_flags = (uint8_t)(f->pf[d] >> P_BITS);
	if (n >= 2) {
		double gaps = n - 1;
		uint32_t span = f->last[d] - f->first[d];
		double sum = span > f->start_delta[d] ? (double)(span - f->start_delta[d]) * 1000 : 0;

		o->iat_min_ns = (uint64_t)f->iat_min[d] * 1000;
		o->iat_max_ns = (uint64_t)f->iat_max[d] * 1000;
		o->iat_sum_ns = sum;
		o->iat_m2_ns2 = (double)f->iat_m2[d] * 1e6;
		o->iat_sumsq_ns2 = o->iat_m2_ns2 + sum * sum / gaps;
	}
}

static inline struct flowfeat *feat_of(const struct flowtab *ft, uint32_t i)
{
	return (struct flowfeat *)(ft->feat + (size_t)i * ft->feat_stride);
}

static void feat_record(const struct flowtab *ft, uint32_t i, struct flow_record *r)
{
	const struct flowfeat *x = feat_of(ft, i);
	const struct flow_entry *f = &ft->e[i];
	uint32_t total = packets(f, 0) + packets(f, 1);
	unsigned n = ft->conf.first_packets;

	for (unsigned d = 0; d < 2; d++) {
		r->dir[d].retrans = flowfeat_retrans(x, d);
		r->dir[d].seq_gaps = flowfeat_gaps(x, d);
		r->dir[d].icmp_error = (x->retrans[d] & FLOWFEAT_ICMP_ERROR) != 0;
		memcpy(r->dir[d].flag_count, x->flags[d], sizeof(r->dir[d].flag_count));
	}
	r->n_first = (uint8_t)(total < n ? total : n);
	for (unsigned k = 0; k < r->n_first; k++) {
		r->first_size[k] = x->first[k] & FLOWFEAT_SIZE_MAX;
		r->first_dir[k] = (uint8_t)(x->first[k] >> 15);
		r->first_gap_ns[k] = flowfeat_gap_us(x->first[n + k]) * 1000;
	}
}

static void make_record(const struct flowtab *ft, const struct flow_entry *f, uint8_t why,
			struct flow_record *r)
{
	uint64_t b = base_us(f), k1 = f->k1;

	memset(&r->key, 0, sizeof(r->key));
	if (is_v6(f)) {
		const struct v6pair *p = &ft->v6[(uint32_t)f->k0];
		memcpy(r->key.addr_lo, p->lo, 16);
		memcpy(r->key.addr_hi, p->hi, 16);
		r->key.ip_version = 6;
	} else {
		uint32_t a = (uint32_t)f->k0, c = (uint32_t)(f->k0 >> 32);
		memcpy(r->key.addr_lo, &a, 4);
		memcpy(r->key.addr_hi, &c, 4);
		r->key.ip_version = 4;
	}
	r->key.port_lo = (uint16_t)k1;
	r->key.port_hi = (uint16_t)(k1 >> 16);
	r->key.vlan = (uint16_t)(k1 >> K1_VLAN_SHIFT) & 0xfff;
	r->key.proto = (uint8_t)(k1 >> K1_PROTO_SHIFT);
	dir_record(f, 0, &r->dir[0]);
	dir_record(f, 1, &r->dir[1]);
	r->syn_ns = f->syn != T_NONE ? (b + f->syn) * 1000 : 0;
	r->synack_ns = f->synack != T_NONE ? (b + f->synack) * 1000 : 0;
	r->rtt_syn_synack_ns = (k1 & S_RTT1) ? rtt_ns(f->syn, f->synack) : 0;
	r->rtt_synack_ack_ns = f->ack != T_NONE ? rtt_ns(f->synack, f->ack) : 0;
	r->initiator = (k1 & S_INITIATOR) != 0;
	r->syn_dir = (k1 & S_SYN_DIR) != 0;
	r->fin_mask = (uint8_t)(k1 >> S_FIN_SHIFT) & 3;
	r->closing = (k1 & S_CLOSING) != 0;
	r->l4_incomplete = (k1 & S_L4_INCOMPLETE) != 0;
	r->end = why;
	r->slot = (uint32_t)(f - ft->e);
	r->mark = (uint8_t)((k1 & K1_MARK) >> K1_MARK_SHIFT);
	if (k1 & K1_TUN) {
		const struct tunnel_ep *t = &ft->tun[f - ft->e];
		bool swap = t->dir != r->initiator; /* report as travelled from side A */
		r->tun_type = t->type;
		r->tun_l3 = t->l3;
		r->tun_flags = t->flags;
		r->tun_id = t->id;
		memcpy(r->tun_src, swap ? t->dst : t->src, 16);
		memcpy(r->tun_dst, swap ? t->src : t->dst, 16);
	} else {
		r->tun_type = PKT_TUN_NONE;
	}
}

static void emit(struct flowtab *ft, uint32_t i, uint8_t why)
{
	struct flow_record r;

	ft->st.flows_ended++;
	ft->st.active--;
	make_record(ft, &ft->e[i], why, &r);
	feat_record(ft, i, &r);
	ft->conf.emit(ft->conf.emit_ctx, &r);
}

/* Clears the record of slot i for a new flow starting at ts; keeps k0 (and
 * with it the IPv6 pool slot), hnext and the key bits of k1. */
static void record_start(struct flowtab *ft, struct flow_entry *f, const struct pkt_meta *m,
			 unsigned d, uint64_t ts)
{
	uint64_t k0 = f->k0, k1 = f->k1 & K1_KEY_MASK;
	uint32_t hnext = f->hnext;
	unsigned init = d;

	memset(f, 0, sizeof(*f));
	memset(feat_of(ft, (uint32_t)(f - ft->e)), 0, ft->feat_stride);
	f->k0 = k0;
	f->hnext = hnext;
	f->base_s = (uint32_t)(ts / NS_PER_S);
	f->syn = f->synack = f->ack = f->close = T_NONE;
	if (m->proto == PROTO_TCP && (m->tcp_flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
		init = !d; /* the SYN/ACK answers the receiver's SYN */
	if (m->flags & PKT_F_ICMP_ERROR)
		init = !d; /* the error answers the quoted datagram */
	f->k1 = k1 | S_L4_INCOMPLETE | (init ? S_INITIATOR : 0);
	if (k1 & K1_TUN) {
		struct tunnel_ep *t = &ft->tun[f - ft->e];
		memcpy(t->src, m->tun_src, 16);
		memcpy(t->dst, m->tun_dst, 16);
		t->id = m->tun_id;
		t->type = m->tun_type;
		t->l3 = m->tun_l3;
		t->flags = m->tun_flags;
		t->dir = (uint8_t)d;
	}
	ft->st.flows_new++;
	ft->st.active++;
}

/* ---- slots ---- */

static void hash_unlink(struct flowtab *ft, uint32_t i)
{
	uint32_t *p = &ft->bucket[bucket_of(ft, entry_hash(&ft->e[i]))];

	while (*p != i) {
		assert(*p != NIL);
		p = &ft->e[*p].hnext;
	}
	*p = ft->e[i].hnext;
}

/* Ends the flow in slot i with reason `why` and frees the slot. Stats are
 * updated before the callback so it sees a consistent table. */
static void flow_end(struct flowtab *ft, uint32_t i, uint8_t why)
{
	struct flow_entry *f = &ft->e[i];

	hash_unlink(ft, i);
	timer_clear(ft, i);
	emit(ft, i, why);
	if (is_v6(f)) {
		uint32_t s = (uint32_t)f->k0;
		memcpy(&ft->v6[s], &ft->v6_free, sizeof(ft->v6_free));
		ft->v6_free = s;
	}
	f->hnext = ft->free_head;
	ft->free_head = i;
}

/* Returns a free slot, evicting the flow that closed first, else the least
 * recently seen one, when the table is full. */
static uint32_t slot_alloc(struct flowtab *ft)
{
	uint32_t i = ft->free_head;

	if (i != NIL) {
		ft->free_head = ft->e[i].hnext;
		return i;
	}
	if (ft->fresh < ft->cap)
		return ft->fresh++;
	i = timer_first(ft, C_CLOSING);
	if (i == NIL)
		i = timer_first(ft, C_ACTIVE);
	assert(i != NIL);
	ft->st.evictions++;
	flow_end(ft, i, FLOW_END_EVICT);
	blk_fix(ft, i >> TB_SHIFT);
	assert(ft->free_head == i);
	ft->free_head = ft->e[i].hnext;
	return i;
}

static uint32_t v6_alloc(struct flowtab *ft)
{
	uint32_t s = ft->v6_free;

	if (s != NIL) {
		memcpy(&ft->v6_free, &ft->v6[s], sizeof(ft->v6_free));
		return s;
	}
	assert(ft->v6_fresh < ft->cap); /* one per live flow at most */
	return ft->v6_fresh++;
}

/* Reason the flow in slot i is already over at ts, or FLOW_END_NONE. */
static uint8_t flow_stale(const struct flowtab *ft, const struct flow_entry *f, uint64_t ts)
{
	uint64_t b = base_us(f);

	if (f->k1 & S_CLOSING)
		return reached(ts, (b + f->close) * 1000, ft->conf.close_timeout_ns)
			       ? ((f->k1 & S_RST) ? FLOW_END_RST : FLOW_END_FIN)
			       : FLOW_END_NONE;
	if (reached(ts, (b + last_off(f)) * 1000, ft->conf.idle_timeout_ns))
		return FLOW_END_IDLE;
	if (ft->conf.active_timeout_ns && reached(ts, (b + first_off(f)) * 1000, ft->conf.active_timeout_ns))
		return FLOW_END_ACTIVE;
	return FLOW_END_NONE;
}

/* Moves the record's base back to the second of ts (a reordered stamp);
 * false if its offsets would then run out of range. */
static bool rebase(struct flow_entry *f, uint64_t ts)
{
	uint32_t nb = (uint32_t)(ts / NS_PER_S);
	uint64_t dlt = (uint64_t)(f->base_s - nb) * US_PER_S;
	uint32_t *t[] = { &f->syn, &f->synack, &f->ack, &f->close, &f->first[0], &f->last[0],
			  &f->first[1], &f->last[1] };

	for (unsigned k = 0; k < sizeof(t) / sizeof(t[0]); k++)
		if (*t[k] != T_NONE && *t[k] + dlt > T_MAX)
			return false;
	for (unsigned k = 0; k < sizeof(t) / sizeof(t[0]); k++)
		if (*t[k] != T_NONE && (k < 4 || packets(f, (k - 4) / 2)))
			*t[k] += (uint32_t)dlt;
	f->base_s = nb;
	return true;
}

/* Would one more packet of len bytes overflow direction d's counters? */
static inline bool record_full(const struct flow_entry *f, unsigned d, uint32_t len)
{
	uint64_t sq = (uint64_t)len * len;

	return packets(f, d) == P_MASK || f->bytes[d] > UINT32_MAX - len ||
	       (sq <= Q_MAX && size_sumsq(f, d) > Q_MAX - sq);
}

static inline void dir_update(struct flow_entry *f, unsigned d, uint32_t len, uint32_t t)
{
	uint32_t n = packets(f, d);
	uint16_t len16 = len > UINT16_MAX ? UINT16_MAX : (uint16_t)len;
	uint64_t sq = (uint64_t)len * len + size_sumsq(f, d);

	if (n == 0) {
		f->first[d] = f->last[d] = t;
		f->size_min[d] = f->size_max[d] = len16;
	} else {
		uint32_t gap = t > f->last[d] ? t - f->last[d] : 0;

		if (n == 1) {
			f->iat_min[d] = f->iat_max[d] = gap;
		} else {
			/* Welford: n-1 gaps so far, summing to s. */
			uint32_t s = f->last[d] - f->first[d] - f->start_delta[d];
			double dev = (double)(n - 1) * gap - s;

			f->iat_m2[d] = (float)((double)f->iat_m2[d] + dev * dev / ((double)n * (n - 1)));
			if (gap < f->iat_min[d])
				f->iat_min[d] = gap;
			if (gap > f->iat_max[d])
				f->iat_max[d] = gap;
		}
		if (t > f->last[d]) {
			f->last[d] = t;
		} else if (t < f->first[d]) {
			uint32_t sd = f->start_delta[d] + (f->first[d] - t);
			f->start_delta[d] = sd > SD_MAX ? SD_MAX : (uint16_t)sd;
			f->first[d] = t;
		}
		if (len16 < f->size_min[d])
			f->size_min[d] = len16;
		if (len16 > f->size_max[d])
			f->size_max[d] = len16;
	}
	f->pf[d]++;
	f->bytes[d] += len;
	if (sq > Q_MAX)
		sq = Q_MAX; /* one packet over 16 MB: cannot happen on a real link */
	f->sq_lo[d] = (uint32_t)sq;
	f->sq_hi[d] = (uint16_t)(sq >> 32);
}

/* Before dir_update: the first packets' sizes and gaps, and TCP sequence
 * hints for a packet whose TCP header was read. */
static inline void feat_update(struct flowtab *ft, uint32_t i, const struct pkt_meta *m, unsigned d,
			       uint32_t t)
{
	const struct flow_entry *f = &ft->e[i];
	struct flowfeat *x = feat_of(ft, i);
	uint32_t seen = packets(f, 0) + packets(f, 1);

	if (seen < ft->conf.first_packets) {
		uint32_t prev = last_off(f);
		flowfeat_first(x, ft->conf.first_packets, seen, d, m->wire_len,
			       seen && t > prev ? t - prev : 0);
	}
	if (m->proto == PROTO_TCP && (m->flags & PKT_F_HAS_L4)) {
		flowfeat_tcp(x, d, m->tcp_seq, m->l4_payload, m->tcp_flags);
		if (!(m->flags & PKT_F_ICMP_ERROR))
			flowfeat_flags(x, d, m->tcp_flags);
	}
	if (m->flags & PKT_F_ICMP_ERROR)
		x->retrans[d] |= FLOWFEAT_ICMP_ERROR;
}

/* Handshake RTTs and close detection for one TCP packet in direction d.
 * Without a SYN (capture started mid-handshake) the SYN/ACK's receiver is
 * taken as the SYN side, so rtt_synack_ack is still measured. */
static void tcp_update(struct flowtab *ft, uint32_t i, unsigned d, uint8_t fl, uint32_t t)
{
	struct flow_entry *f = &ft->e[i];
	unsigned sa = fl & (TCP_SYN | TCP_ACK);
	unsigned syn_dir = (f->k1 & S_SYN_DIR) != 0;

	f->pf[d] |= (uint32_t)fl << P_BITS;
	if (sa == TCP_SYN) {
		if (f->syn == T_NONE) {
			f->syn = t;
			f->k1 &= ~(S_SYN_DIR | S_INITIATOR);
			f->k1 |= d ? S_SYN_DIR | S_INITIATOR : 0;
		}
	} else if (sa == (TCP_SYN | TCP_ACK)) {
		if (f->synack == T_NONE && (f->syn == T_NONE || d != syn_dir)) {
			f->synack = t;
			if (f->syn != T_NONE)
				f->k1 |= S_RTT1;
			else
				f->k1 = (f->k1 & ~S_SYN_DIR) | (d ? 0 : S_SYN_DIR);
		}
	} else if (sa == TCP_ACK) {
		if (f->synack != T_NONE && f->ack == T_NONE && d == syn_dir)
			f->ack = t;
	}

	if (fl & TCP_FIN)
		f->k1 |= 1ULL << (S_FIN_SHIFT + d);
	if (!(f->k1 & S_CLOSING) && ((fl & TCP_RST) || ((f->k1 >> S_FIN_SHIFT) & 3) == 3)) {
		f->k1 |= S_CLOSING | ((fl & TCP_RST) ? S_RST : 0); /* the reason is fixed now */
		f->close = t;
		timer_set(ft, i, base_us(f) + t + ft->close_us, C_CLOSING);
	}
}

struct flowtab *flowtab_new(const struct flowtab_conf *conf)
{
	struct flowtab *ft;
	uint32_t n;

	/* Indices are uint32 with NIL reserved. */
	if (conf == NULL || conf->capacity == 0 || conf->capacity > (1u << 31) ||
	    conf->emit == NULL || conf->first_packets > FLOWFEAT_FIRST_MAX) {
		fprintf(stderr, "flowtab: bad config (capacity 1..2^31, first packets 0..%u and an emit callback needed)\n",
			FLOWFEAT_FIRST_MAX);
		return NULL;
	}
	ft = calloc(1, sizeof(*ft));
	if (ft == NULL)
		goto fail;
	ft->conf = *conf;
	ft->cap = conf->capacity;
	ft->nb = conf->capacity - conf->capacity / 8;
	/* Rounded up, so a hint at or before now (in us) is always due. */
	ft->idle_us = conf->idle_timeout_ns / 1000 + (conf->idle_timeout_ns % 1000 != 0);
	ft->close_us = conf->close_timeout_ns / 1000 + (conf->close_timeout_ns % 1000 != 0);
	ft->nblk = (conf->capacity + TB - 1) >> TB_SHIFT;
	ft->e = sa_big_alloc(((size_t)conf->capacity * sizeof(*ft->e) + 63) & ~(size_t)63);
	ft->bucket = sa_big_alloc((size_t)ft->nb * sizeof(*ft->bucket));
	ft->tick = sa_big_alloc((size_t)ft->nblk * TB * sizeof(*ft->tick));
	ft->blk = malloc((size_t)ft->nblk * sizeof(*ft->blk));
	ft->v6 = malloc((size_t)conf->capacity * sizeof(*ft->v6)); /* pages touched on use */
	ft->feat_stride = flowfeat_stride(conf->first_packets);
	ft->feat = sa_big_alloc((size_t)conf->capacity * ft->feat_stride);
	ft->tun = malloc((size_t)conf->capacity * sizeof(*ft->tun)); /* pages touched on use */
	if (ft->e == NULL || ft->bucket == NULL || ft->tick == NULL || ft->blk == NULL || ft->v6 == NULL ||
	    ft->feat == NULL || ft->tun == NULL)
		goto fail;
	n = ft->nblk;
	do {
		n = (n + TF - 1) >> TF_SHIFT;
		ft->nnode[ft->nlev] = n;
		ft->lev[ft->nlev] = malloc((size_t)n * sizeof(struct tnode));
		if (ft->lev[ft->nlev] == NULL)
			goto fail;
		memset(ft->lev[ft->nlev], 0xff, (size_t)n * sizeof(struct tnode)); /* NIL, ABS_NONE */
		ft->nlev++;
	} while (n > 1);
	memset(ft->bucket, 0xff, (size_t)ft->nb * sizeof(*ft->bucket));
	memset(ft->tick, 0xff, (size_t)ft->nblk * TB * sizeof(*ft->tick));
	for (uint32_t b = 0; b < ft->nblk; b++)
		ft->blk[b] = (struct tblock){ .min = { REL_NONE, REL_NONE } };
	ft->free_head = NIL; /* slots are handed out in index order from `fresh` */
	ft->v6_free = NIL;
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
	free(ft->bucket);
	free(ft->tick);
	free(ft->blk);
	free(ft->v6);
	free(ft->feat);
	free(ft->tun);
	for (unsigned l = 0; l < ft->nlev; l++)
		free(ft->lev[l]);
	free(ft);
	*ftp = NULL;
}

bool flowtab_icmp_error_view(struct pkt_meta *m)
{
	const uint8_t err_flags = PKT_F_ICMP_ERROR | PKT_F_QUOTE_L4;

	if ((m->flags & err_flags) != err_flags || m->err != PKT_OK ||
	    (m->q_proto != PROTO_TCP && m->q_proto != 17 && m->q_proto != 132))
		return false;
	m->l3 = m->q_l3;
	memcpy(m->src, m->q_dst, 16);
	memcpy(m->dst, m->q_src, 16);
	m->sport = m->q_dport;
	m->dport = m->q_sport;
	m->proto = m->q_proto;
	m->tcp_flags = 0;
	m->l4_payload = 0;
	m->flags = (uint8_t)((m->flags & (PKT_F_TUNNEL | PKT_F_FRAGMENT)) | PKT_F_ICMP_ERROR);
	return true;
}

void flowtab_lookup_make(const struct pkt_meta *m, struct flowtab_lookup *k)
{
	key_make(k, m);
	k->hash = key_hash(k->k0, k->k1);
}

void flowtab_prefetch_bucket(const struct flowtab *ft, const struct flowtab_lookup *k)
{
	__builtin_prefetch(&ft->bucket[bucket_of(ft, k->hash)]);
}

void flowtab_prefetch_entry(const struct flowtab *ft, const struct flowtab_lookup *k)
{
	uint32_t i = ft->bucket[bucket_of(ft, k->hash)];

	if (i != NIL)
		prefetch_entry(&ft->e[i]);
}

bool flowtab_update(struct flowtab *ft, const struct pkt_meta *m, uint64_t ts_ns)
{
	struct flowtab_lookup k;

	assert(m->l3 != PKT_L3_NONE);
	flowtab_lookup_make(m, &k);
	return flowtab_update_looked_up(ft, m, &k, ts_ns);
}

static inline bool update(struct flowtab *ft, const struct pkt_meta *m,
			  const struct flowtab_lookup *kp, uint64_t ts_ns, uint32_t *slot)
{
	const struct flowtab_lookup k = *kp;
	struct flow_entry *f = NULL;
	uint32_t h = k.hash, i, *head, len = m->wire_len;
	uint64_t t;
	unsigned d = k.d;
	bool fresh = false;

	head = &ft->bucket[bucket_of(ft, h)];
	for (i = *head; i != NIL; i = f->hnext) {
		f = &ft->e[i];
		prefetch_entry(f);
		if (key_eq(ft, f, &k))
			break;
	}

	if (i != NIL) {
		uint8_t why = flow_stale(ft, f, ts_ns);

		if (why == FLOW_END_NONE) {
			if (unlikely(ts_ns / 1000 < base_us(f)) && !rebase(f, ts_ns))
				ts_ns = base_us(f) * 1000; /* over an hour out of order: clamp */
			t = ts_ns / 1000 - base_us(f);
			if (unlikely(t > T_MAX || record_full(f, d, len)))
				why = FLOW_END_ACTIVE; /* record limits: see flowtab.h */
		}
		if (unlikely(why != FLOW_END_NONE)) {
			bool was_closing = (f->k1 & S_CLOSING) != 0;

			emit(ft, i, why);
			record_start(ft, f, m, d, ts_ns);
			if (was_closing)
				timer_set(ft, i, ts_ns / 1000 + ft->idle_us, C_ACTIVE);
			/* else the hint is still no later than the new deadline */
			fresh = true;
		}
	} else {
		i = slot_alloc(ft); /* may evict from this very chain: read *head after */
		f = &ft->e[i];
		f->k0 = k.k0;
		f->k1 = k.k1;
		if (k.k1 & K1_V6) {
			uint32_t s = v6_alloc(ft);
			memcpy(ft->v6[s].lo, k.lo6, 16);
			memcpy(ft->v6[s].hi, k.hi6, 16);
			f->k0 |= s;
		}
		f->hnext = *head;
		*head = i;
		record_start(ft, f, m, d, ts_ns);
		timer_set(ft, i, ts_ns / 1000 + ft->idle_us, C_ACTIVE);
		fresh = true;
	}
	t = ts_ns / 1000 - base_us(f);

	feat_update(ft, i, m, d, (uint32_t)t);
	dir_update(f, d, len, (uint32_t)t);
	/* A later fragment or a cut/bad transport header carries no ports. */
	if (!(m->flags & PKT_F_LATER_FRAGMENT) && m->err != PKT_ERR_TRUNC_L4 && m->err != PKT_ERR_BAD_L4)
		f->k1 &= ~S_L4_INCOMPLETE;
	if (m->proto == PROTO_TCP)
		tcp_update(ft, i, d, m->tcp_flags, (uint32_t)t);
	*slot = i;
	return fresh;
}

bool flowtab_update_looked_up(struct flowtab *ft, const struct pkt_meta *m,
			      const struct flowtab_lookup *kp, uint64_t ts_ns)
{
	uint32_t slot;

	return update(ft, m, kp, ts_ns, &slot);
}

bool flowtab_update_slot(struct flowtab *ft, const struct pkt_meta *m,
			 const struct flowtab_lookup *kp, uint64_t ts_ns, uint32_t *slot,
			 unsigned *mark)
{
	bool fresh = update(ft, m, kp, ts_ns, slot);

	*mark = (unsigned)((ft->e[*slot].k1 & K1_MARK) >> K1_MARK_SHIFT);
	return fresh;
}

void flowtab_mark(struct flowtab *ft, uint32_t slot, unsigned mark)
{
	struct flow_entry *f = &ft->e[slot];

	f->k1 = (f->k1 & ~K1_MARK) | ((uint64_t)(mark & 3) << K1_MARK_SHIFT);
}

/* Ends the class-c flow with the earliest deadline if its timeout has
 * passed at now_ns; returns whether it did. */
static bool expire_first(struct flowtab *ft, unsigned c, uint64_t now_ns)
{
	uint32_t i = timer_first(ft, c);
	struct flow_entry *f;
	uint64_t since;

	if (i == NIL)
		return false;
	f = &ft->e[i];
	if (c == C_CLOSING) {
		since = (base_us(f) + f->close) * 1000;
		if (!reached(now_ns, since, ft->conf.close_timeout_ns))
			return false;
		flow_end(ft, i, (f->k1 & S_RST) ? FLOW_END_RST : FLOW_END_FIN);
	} else {
		since = (base_us(f) + last_off(f)) * 1000;
		if (!reached(now_ns, since, ft->conf.idle_timeout_ns))
			return false;
		flow_end(ft, i, FLOW_END_IDLE);
	}
	blk_fix(ft, i >> TB_SHIFT);
	return true;
}

unsigned flowtab_expire(struct flowtab *ft, uint64_t now_ns, unsigned max)
{
	uint64_t now_us = now_ns / 1000;
	unsigned n = 0;

	/* Oldest first, a closing flow and an active one in turn. The root
	 * test is a cheap "nothing can be due" (hints are rounded up, and
	 * minima are never above the truth). */
	while (n < max) {
		unsigned before = n;

		if (tree_min(ft, C_CLOSING) <= now_us && expire_first(ft, C_CLOSING, now_ns))
			n++;
		if (n < max && tree_min(ft, C_ACTIVE) <= now_us && expire_first(ft, C_ACTIVE, now_ns))
			n++;
		if (n == before)
			break;
	}
	return n;
}

unsigned flowtab_flush(struct flowtab *ft)
{
	unsigned n = 0;
	uint32_t i;

	for (unsigned c = C_CLOSING, k = 0; k < 2; k++, c = C_ACTIVE)
		while ((i = timer_first(ft, c)) != NIL) {
			flow_end(ft, i, FLOW_END_FLUSH);
			blk_fix(ft, i >> TB_SHIFT);
			n++;
		}
	return n;
}

void flowtab_stats_get(const struct flowtab *ft, struct flowtab_stats *st)
{
	*st = ft->st;
}

void flowtab_mem_get(const struct flowtab *ft, struct flowtab_mem *mem)
{
	mem->capacity = ft->cap;
	mem->entries = (size_t)ft->cap * sizeof(*ft->e);
	mem->index = (size_t)ft->nb * sizeof(*ft->bucket);
	mem->timer = (size_t)ft->nblk * (TB * sizeof(*ft->tick) + sizeof(*ft->blk));
	for (unsigned l = 0; l < ft->nlev; l++)
		mem->timer += (size_t)ft->nnode[l] * sizeof(struct tnode);
	mem->v6_pool = (size_t)ft->cap * sizeof(*ft->v6);
	mem->features = (size_t)ft->cap * ft->feat_stride;
	mem->tunnels = (size_t)ft->cap * sizeof(*ft->tun);
}
