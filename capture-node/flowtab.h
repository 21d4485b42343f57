/* Per-lcore bidirectional flow table: preallocated records, a chained hash
 * index and a deadline index, all sized once at creation. Nothing here
 * allocates, locks or makes a syscall after flowtab_new, so one worker lcore
 * owns one table and updates it per packet.
 *
 * Expiry (all on capture time, ns):
 *  - idle: no packet for idle_timeout_ns;
 *  - active: a flow older than active_timeout_ns is exported and restarted
 *    at its next packet (long flows show up in the store while they last);
 *  - TCP close: after an RST, or a FIN from both sides, the flow is closing
 *    and ends after close_timeout_ns more (so the last ACK still joins it);
 *  - full table: the closing flow that closed first, else the least recently
 *    seen flow, is evicted (exported with END_EVICT and counted) to make room.
 *    "Least recently seen" is exact to the microsecond; flows last seen in
 *    the same microsecond are evicted in no particular order.
 * Every ended flow goes to the emit callback exactly once, as a struct
 * flow_record.
 *
 * Memory: 128 bytes per flow slot at most (record, hash index and deadline
 * index; flowtab_mem_get says exactly), plus the per-flow features of
 * flowfeat.h (16 + 4 * first_packets bytes, 48 with the default 8). Two side
 * arrays of `capacity` slots have their pages touched only as the flows
 * that need them arrive: 32 bytes for an IPv6 flow's addresses, 40 bytes
 * for a tunnelled flow's outer endpoints.
 *
 * Precision. The table keeps time in microseconds, as 32-bit offsets from
 * the second of the flow's first packet (capture times must be below
 * 2^32 s, the year 2106); every time in a flow_record is a whole number of
 * microseconds (the nanoseconds below the microsecond of each stamp are
 * dropped, which loses nothing for the pcap and NIC clocks, which stamp in
 * microseconds). Timeouts are still compared in ns, against those
 * microsecond stamps. Per direction and record:
 *  - packets, bytes, first/last, tcp_flags, size_sumsq: exact;
 *  - size_min/size_max: exact up to 65535 bytes, larger sizes count as 65535
 *    there (bytes and size_sumsq stay exact);
 *  - iat_min/iat_max: exact, in whole microseconds;
 *  - iat_sum: exact (last - the direction's first packet), unless a packet
 *    arrived stamped more than 65.535 ms before its direction's first
 *    packet: the sum then also holds how much more than that it was;
 *  - iat_m2 (sum of squared deviations of the gaps from their mean, so the
 *    variance is iat_m2 / gaps): Welford's update in double, kept in single
 *    precision; its terms are never negative, so nothing cancels and the
 *    relative error stays below 6e-8 per gap (6e-5 after 1000 gaps at
 *    worst, about 2e-6 typically), where the old sum of squares lost the
 *    variance of steady gaps to cancellation; iat_sumsq is derived from it;
 *  - RTTs, syn/synack stamps: exact, in whole microseconds (an RTT measured
 *    within one microsecond is 1 ns, as "measured but tiny").
 * Record limits: a record ends early, with FLOW_END_ACTIVE, before a packet
 * would take a direction past 2^24 - 1 packets, 2^32 - 1 bytes or 2^48 - 1
 * for size_sumsq, or would lie 2^32 - 1 us (71.6 minutes) or more after the
 * second of the record's first packet; that packet starts the next record.
 * Totals over a flow's records stay exact. */
#ifndef FLOWTAB_H
#define FLOWTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flowfeat.h"
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

/* One direction of an ended flow. Sizes are on-the-wire lengths. All zero
 * when the direction saw no packet; the iat_* fields are zero below two
 * packets. */
struct flow_dir {
	uint64_t packets;
	uint64_t bytes;
	uint64_t first_ns, last_ns;  /* earliest and latest stamp */
	uint64_t size_sumsq;         /* sum of len^2 */
	uint32_t size_min, size_max;
	uint64_t iat_min_ns, iat_max_ns;
	double iat_sum_ns;           /* over packets - 1 gaps; a gap to a stamp
				      * earlier than the latest so far is 0 */
	double iat_m2_ns2;           /* sum of squared deviations from the mean gap */
	double iat_sumsq_ns2;        /* sum of squared gaps: iat_m2 + iat_sum^2 / gaps */
	uint8_t tcp_flags;           /* OR of flags seen */
	uint16_t retrans, seq_gaps;  /* TCP sequence hints: see flowfeat.h */
	uint16_t flag_count[6];      /* TCP segments with FIN, SYN, RST, PSH, ACK, URG */
	uint8_t icmp_error;          /* an ICMP error quoting the flow went this way */
};

/* What the emit callback gets for each ended flow. dir[0] carries packets
 * travelling key.addr_lo -> key.addr_hi. */
struct flow_record {
	struct sa_flowkey key;       /* vlan is the 12-bit VLAN id */
	struct flow_dir dir[2];
	uint64_t syn_ns, synack_ns;  /* first SYN, first SYN/ACK; 0 if not seen */
	uint64_t rtt_syn_synack_ns;  /* SYN -> SYN/ACK, 0 if not seen */
	uint64_t rtt_synack_ack_ns;  /* SYN/ACK -> first ACK from the SYN side */
	uint8_t initiator;           /* 0 or 1: the dir index that opened the flow */
	uint8_t syn_dir;             /* dir of the first SYN, valid if syn_ns */
	uint8_t fin_mask;            /* bit d set: FIN seen in dir d */
	uint8_t closing;             /* RST or both FINs seen */
	uint8_t l4_incomplete;       /* no packet had a whole transport header (later fragments, cut headers) */
	uint8_t end;                 /* enum flow_end */
	uint8_t mark;                /* the record's flowtab_mark, 0 if never marked */
	uint32_t slot;               /* the table slot it ended in (flowtab_update_slot) */
	/* The record's first n_first packets in order (flowfeat.h): wire size
	 * (at most 32767), direction, and gap to the packet before (0 first). */
	uint8_t n_first;
	uint16_t first_size[FLOWFEAT_FIRST_MAX];
	uint8_t first_dir[FLOWFEAT_FIRST_MAX];
	uint64_t first_gap_ns[FLOWFEAT_FIRST_MAX];
	/* A flow seen inside a tunnel (a different flow from the same 5-tuple
	 * outside one) carries the outermost tunnel of its record's first
	 * packet: enum pkt_tun (PKT_TUN_NONE: not tunnelled), the outer
	 * addresses as travelled from the initiator's side, and the VNI or GRE
	 * key with PKT_TF_ID in tun_flags. */
	uint8_t tun_type, tun_l3, tun_flags;
	uint32_t tun_id;
	uint8_t tun_src[16], tun_dst[16];
};

struct flowtab_conf {
	uint32_t capacity;           /* flows (>= 1) */
	uint64_t idle_timeout_ns;
	uint64_t active_timeout_ns;  /* 0: no active timeout */
	uint64_t close_timeout_ns;
	unsigned first_packets;      /* sizes and gaps kept of each record's first packets, 0..FLOWFEAT_FIRST_MAX */
	/* Called for every flow that ends; r is valid only during the call.
	 * Runs on the table's lcore and must not call into the table. */
	void (*emit)(void *ctx, const struct flow_record *r);
	void *emit_ctx;
};

struct flowtab_stats {
	uint64_t flows_new;
	uint64_t flows_ended;
	uint64_t evictions;    /* flows ended early because the table was full */
	uint64_t active;       /* flows in the table now */
};

/* Bytes flowtab_new allocated, by part. entries + index + timer is what a
 * flow slot costs (<= 128 * capacity from a few thousand flows up); the
 * IPv6 pool is reserved for `capacity` flows, 32 bytes each, and its pages
 * are touched only as IPv6 flows arrive. */
struct flowtab_mem {
	size_t entries;   /* flow records */
	size_t index;     /* hash bucket heads */
	size_t timer;     /* per-flow deadline hints and their summaries */
	size_t v6_pool;   /* IPv6 address pairs */
	size_t features;  /* sequence hints and first packets, flowfeat_stride bytes per slot */
	size_t tunnels;   /* outer endpoints of tunnelled flows, 40 bytes per slot, touched on use */
	size_t capacity;
};

struct flowtab;

/* Allocates everything up front. Returns the table or NULL (reason logged to stderr). */
struct flowtab *flowtab_new(const struct flowtab_conf *conf);
void flowtab_destroy(struct flowtab **ft);

/* Accounts one parsed IP packet of wire length m->wire_len seen at ts_ns.
 * Packets with m->l3 == PKT_L3_NONE must not be passed. An ICMP error
 * rewritten by flowtab_icmp_error_view counts as a packet of the flow it
 * quotes. Returns true when
 * the packet opened a new flow record. May emit flows (timeouts, record
 * limits, TCP close, eviction) before returning. */
bool flowtab_update(struct flowtab *ft, const struct pkt_meta *m, uint64_t ts_ns);

/* If m is an ICMP/ICMPv6 error quoting a TCP, UDP or SCTP datagram with its
 * ports, turns m's flow fields into those of the quoted flow, in the
 * direction the error travels (back towards the datagram's sender), keeps
 * PKT_F_ICMP_ERROR set and returns true; else leaves m alone. Fields that
 * only describe the frame (outer_*, tun_*, vlan, wire_len) are untouched. */
bool flowtab_icmp_error_view(struct pkt_meta *m);

/* Batched lookups (l3fwd's pattern): over a burst, make every packet's
 * lookup and prefetch its bucket, then prefetch the entries, then call
 * flowtab_update_looked_up, so that the cache misses of a burst's lookups
 * overlap instead of following one another. The prefetches change nothing.
 * Same packet rules and result as flowtab_update.
 *
 * The lookup's hash depends on the flow alone, not on a table or on the
 * packet's direction, so it also picks a flow's worker. */
struct flowtab_lookup {
	uint64_t k0, k1;
	const uint8_t *lo6, *hi6; /* IPv6: canonical address order (point into the pkt_meta) */
	unsigned d;               /* direction of the packet */
	uint32_t hash;
};

void flowtab_lookup_make(const struct pkt_meta *m, struct flowtab_lookup *k);
void flowtab_prefetch_bucket(const struct flowtab *ft, const struct flowtab_lookup *k);
void flowtab_prefetch_entry(const struct flowtab *ft, const struct flowtab_lookup *k);
bool flowtab_update_looked_up(struct flowtab *ft, const struct pkt_meta *m,
			      const struct flowtab_lookup *k, uint64_t ts_ns);

/* The same, and where the packet's flow is: its slot (which it keeps until
 * its record ends; the emit callback's flow_record.slot names it) and the
 * record's mark (0 for a new record). */
bool flowtab_update_slot(struct flowtab *ft, const struct pkt_meta *m,
			 const struct flowtab_lookup *k, uint64_t ts_ns, uint32_t *slot,
			 unsigned *mark);

/* Sets the mark (0..3) of the record in `slot`, a live flow's: two bits
 * the table's owner keeps per record, in the record itself, so that reading
 * it costs nothing per packet. A new record starts at 0; the mark is handed
 * to the emit callback (flow_record.mark). */
void flowtab_mark(struct flowtab *ft, uint32_t slot, unsigned mark);

/* Ends flows whose idle/close timeout has passed at now_ns rounded down to
 * the microsecond, oldest first and at most `max` of them (so one call
 * bounds its work); returns how many ended. */
unsigned flowtab_expire(struct flowtab *ft, uint64_t now_ns, unsigned max);

/* Ends every flow with FLOW_END_FLUSH, closing flows first, each group in
 * deadline order; returns how many. */
unsigned flowtab_flush(struct flowtab *ft);

void flowtab_stats_get(const struct flowtab *ft, struct flowtab_stats *st);
void flowtab_mem_get(const struct flowtab *ft, struct flowtab_mem *mem);

#endif
