/* Per-lcore bidirectional flow table: preallocated records, a chained hash
 * index and two LRU lists, all sized once at creation. Nothing here
 * allocates, locks or makes a syscall after flowtab_new, so one worker lcore
 * owns one table and updates it per packet.
 *
 * Expiry (all on capture time, ns):
 *  - idle: no packet for idle_timeout_ns;
 *  - active: a flow older than active_timeout_ns is exported and restarted
 *    at its next packet (long flows show up in the store while they last);
 *  - TCP close: after an RST, or a FIN from both sides, the flow moves to
 *    the closing list and ends after close_timeout_ns more (so the last ACK
 *    still joins it);
 *  - full table: the oldest closing flow, else the least recently seen flow,
 *    is evicted (exported with END_EVICT and counted) to make room.
 * Every ended flow goes to the emit callback exactly once. */
#ifndef FLOWTAB_H
#define FLOWTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "pkt_parse.h"
#include "sa_flowkey.h"

enum flow_end {
	FLOW_END_NONE = 0,
	FLOW_END_IDLE = 1,
	FLOW_END_ACTIVE = 2,
	FLOW_END_FIN = 3,
	FLOW_END_RST = 4,
	FLOW_END_EVICT = 5,
	FLOW_END_FLUSH = 6,
}; /* same numbers as sa.proto EndReason */

/* One direction of a flow. Sizes are on-the-wire lengths. */
struct flow_dir {
	uint64_t packets;
	uint64_t bytes;
	uint64_t first_ns, last_ns;
	uint64_t size_sumsq;  /* sum of len^2: exact in 64 bits for 2^34 jumbo packets */
	uint32_t size_min, size_max;
	uint64_t iat_min_ns, iat_max_ns;
	double iat_sum_ns, iat_sumsq_ns2; /* over packets - 1 gaps */
	uint8_t tcp_flags;    /* OR of flags seen */
};

/* dir[0] carries packets travelling key.addr_lo -> key.addr_hi. */
struct flow_entry {
	struct sa_flowkey key;
	struct flow_dir dir[2];
	uint64_t syn_ns, synack_ns;  /* first SYN, first SYN/ACK; 0 if not seen */
	uint64_t rtt_syn_synack_ns;  /* SYN -> SYN/ACK, 0 if not seen */
	uint64_t rtt_synack_ack_ns;  /* SYN/ACK -> first ACK from the SYN side */
	uint8_t initiator;           /* 0 or 1: the dir index that opened the flow */
	uint8_t syn_dir;             /* dir of the first SYN, valid if syn_ns */
	uint8_t fin_mask;            /* bit d set: FIN seen in dir d */
	uint8_t closing;             /* on the closing list */
	uint8_t l4_incomplete;       /* no packet had a whole transport header (later fragments, cut headers) */
	uint8_t end;                 /* enum flow_end, set just before emit */
	uint32_t hash;               /* low 32 bits of sa_flowkey_hash */
	uint32_t hnext;              /* hash chain; internal */
	uint32_t lprev, lnext;       /* LRU links; internal */
};

struct flowtab_conf {
	uint32_t capacity;           /* flows (>= 1) */
	uint64_t idle_timeout_ns;
	uint64_t active_timeout_ns;
	uint64_t close_timeout_ns;
	/* Called for every flow that ends, with f->end set; f is valid only
	 * during the call. Runs on the table's lcore. */
	void (*emit)(void *ctx, const struct flow_entry *f);
	void *emit_ctx;
};

struct flowtab_stats {
	uint64_t flows_new;
	uint64_t flows_ended;
	uint64_t evictions;    /* flows ended early because the table was full */
	uint64_t active;       /* flows in the table now */
};

struct flowtab;

/* Allocates everything up front. Returns the table or NULL (reason logged to stderr). */
struct flowtab *flowtab_new(const struct flowtab_conf *conf);
void flowtab_destroy(struct flowtab **ft);

/* Accounts one parsed IP packet of wire length m->wire_len seen at ts_ns.
 * Packets with m->l3 == PKT_L3_NONE must not be passed. Returns true when
 * the packet opened a new flow. May emit flows (active timeout, TCP close,
 * eviction) before returning. */
bool flowtab_update(struct flowtab *ft, const struct pkt_meta *m, uint64_t ts_ns);

/* Ends flows whose idle/close timeout has passed at now_ns, at most `max`
 * of them (so one call bounds its work); returns how many ended. */
unsigned flowtab_expire(struct flowtab *ft, uint64_t now_ns, unsigned max);

/* Ends every flow with FLOW_END_FLUSH; returns how many. */
unsigned flowtab_flush(struct flowtab *ft);

void flowtab_stats_get(const struct flowtab *ft, struct flowtab_stats *st);

#endif
