/* Application labels from nDPI for a sample of flows (sa-capture
 * --ndpi-share). One struct appid per worker lcore: its own nDPI detection
 * module and a pool of nDPI flow states allocated and touched once at
 * start, so inspecting a flow takes a slot from the pool and nothing else.
 *
 * Which flows: the worker asks for the flows whose symmetric flow hash (the
 * flow table's, the same for both directions) is below share * 2^32, a
 * deterministic sample. A flow is inspected from its record's first packet
 * until nDPI names a protocol, or up to APPID_MAX_PACKETS packets, after
 * which (or when the record ends first) nDPI is asked to give up; a guess
 * from the ports alone is not taken as a label. The slot goes back to the
 * pool as soon as inspection ends; the result (two 16-bit protocol ids)
 * waits in a per-flow-slot array for the record's end.
 *
 * Memory: nDPI's per-flow struct (688 bytes in 4.2) per pool slot, plus 8
 * bytes per flow-table slot (pages touched only by inspected flows). nDPI
 * itself still calls malloc while it dissects: its dissectors copy what
 * they extract (HTTP URL, user agent and content type, TLS/QUIC server
 * names, ALPN, certificate DNs, ...) into strings they allocate, a few per
 * inspected flow and not per packet, freed here when inspection ends
 * (ndpi_free_flow_data). Those calls are counted (appid_stats.allocs)
 * through set_ndpi_malloc. */
#ifndef APPID_H
#define APPID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APPID_MAX_PACKETS 16

/* Flow marks (flowtab_mark) the worker keeps per record. */
enum appid_mark { APPID_NONE = 0, APPID_INSPECTING = 1, APPID_DONE = 2 };

struct appid;

struct appid_stats {
	uint64_t flows;      /* inspections started */
	uint64_t detected;   /* of them, with a protocol found */
	uint64_t pool_full;  /* sampled flows left uninspected: no free slot */
	uint64_t packets;    /* packets given to nDPI */
	uint64_t allocs;     /* nDPI's malloc calls from the worker's thread after start-up */
	uint64_t frees;
};

/* Installs the counting malloc wrappers (set_ndpi_malloc / set_ndpi_free);
 * call once, before the first appid_new. */
void appid_global_init(void);

/* A detection module with every protocol enabled and a pool of `pool`
 * flow states, for a flow table of `flow_slots` slots. NULL on failure
 * (reason on stderr). */
struct appid *appid_new(uint32_t pool, uint32_t flow_slots);
void appid_destroy(struct appid **a);

/* Starts inspecting the record in flow-table slot `slot`: false (and
 * counted) when the pool is empty. */
bool appid_start(struct appid *a, uint32_t slot);

/* Gives nDPI one packet of an inspected flow: its IP header and the
 * captured bytes from there, at ts_ns. Returns true while inspection goes
 * on, false once it has ended, with *found set when nDPI found a protocol
 * (the result is kept for appid_end). */
bool appid_packet(struct appid *a, uint32_t slot, const uint8_t *l3, uint32_t len, uint64_t ts_ns,
		  bool *found);

/* The record in `slot` (marked inspecting or done) ends: ends inspection if
 * it was still going, returns its protocol ids through master/app, and
 * frees the slot's state. True when nDPI found a protocol. */
bool appid_end(struct appid *a, uint32_t slot, uint16_t *master, uint16_t *app);

/* Protocol name as nDPI writes it ("TLS.YouTube", "DNS"), into buf. Reads
 * only the module's constant protocol table, so another thread may call it. */
const char *appid_name(const struct appid *a, uint16_t master, uint16_t app, char *buf, size_t len);

/* Counters so far. allocs/frees are read from the calling thread's count,
 * so the worker that owns `a` must call it. */
void appid_stats_get(const struct appid *a, struct appid_stats *st);

#endif
