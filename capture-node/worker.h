/* Worker lcore: receive bursts, parse, update the flow table and the
 * current second's statistics, hand finished records to the exporter. One
 * worker owns its state; nothing is shared but the rings.
 *
 * Where packets come from: a port with a queue per worker gives each
 * worker its own queue (both directions of a flow meet through symmetric
 * RSS). A port with one queue (a capture file, a single-queue device) is
 * read by worker 0, which fans the packets out to every worker by a
 * symmetric hash of the (inner) address pair, through one SP/SC ring each.
 * Worker 0 parses every packet to choose; the chosen worker parses its
 * packets again (a pkt_meta, 152 bytes, is twice the 72 bytes of dynamic
 * fields an mbuf has), and reads what only the reader knows from the
 * mbuf's stamp. */
#ifndef WORKER_H
#define WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "appid.h"
#include "flowtab.h"
#include "handoff.h"
#include "port.h"
#include "talkers.h"

#define WORKER_MAX 16

/* What the port reader notes on each mbuf (a dynfield) for whichever
 * worker accounts for it. */
struct worker_stamp {
	uint64_t ts_ns;      /* capture time */
	uint32_t wire_len;   /* original length of a truncated file record, else 0 */
	uint8_t iat_bucket;  /* gap to the previous packet of the queue, or WORKER_NO_IAT */
	bool wall_clock;     /* ts_ns is the arrival time of the burst, not the port's stamp */
};
#define WORKER_NO_IAT 0xff

struct worker_conf {
	unsigned id;
	uint16_t port_id, queue_id;
	bool reads_port;             /* false: packets come from worker 0's fan-out */
	int linktype;                /* pcap LINKTYPE_* of the port's frames */
	bool lossless;               /* file input: wait for the exporter instead of dropping */
	struct flowtab_conf flows;   /* emit fields are set by the worker */
	unsigned talkers;            /* distinct addresses per direction per second counted exactly (ports: all) */
	unsigned fragments;          /* fragmented datagrams remembered for their later fragments */
	unsigned ring_size;          /* power of two */
	unsigned flow_objs;          /* handoff_flow objects in the pool */
	unsigned intervals;          /* handoff_interval objects circulating */
	/* File input: stop after this many packets (0: no limit), since the
	 * pcap PMD keeps reading past a corrupt record; and the wire lengths
	 * of snap-length-truncated records, in order. */
	uint64_t max_packets;
	const struct port_len_fix *len_fixes;
	uint64_t n_len_fixes;
	/* nDPI labels (appid.h): a new record is inspected when its flow
	 * hash (32 bits, symmetric) is below ndpi_below; 0 turns nDPI off,
	 * 2^32 inspects every flow. ndpi_pool: flows inspected at once. */
	uint64_t ndpi_below;
	uint32_t ndpi_pool;
};

struct worker {
	struct worker_conf conf;
	struct flowtab *ft;
	struct talkers *talk;        /* this second's per-key counts, folded into iv->top */
	struct fragtab *frags;       /* first fragments' ports, for the later ones */
	struct rte_ring *to_export;  /* worker -> exporter: handoff objects */
	struct rte_ring *in;         /* fan-out input from worker 0, or NULL */
	struct worker *fan[WORKER_MAX]; /* worker 0: the workers it feeds, from [1] */
	unsigned n_fan;              /* workers sharing the port's one queue: 1 = no fan-out */
	volatile bool feed_done;     /* fan-out input: worker 0 will send no more */
	struct rte_ring *iv_free;    /* exporter -> worker: spent interval objects */
	struct rte_mempool *flow_pool;
	struct appid *app;           /* nDPI, or NULL when off */
	struct appid_stats app_st;   /* its totals, set when the worker ends */
	struct handoff_interval *iv; /* the second being counted */
	struct handoff_interval *spare_iv; /* taken from iv_free, not yet in use */
	struct handoff_eof eof;
	int ts_offset;               /* mbuf timestamp dynfield or -1 */
	uint64_t ts_flag;
	int stamp_offset;            /* struct worker_stamp dynfield */
	uint64_t now_ns;             /* latest capture time seen */
	bool wall_clock;             /* the last packet was stamped with the wall clock */
	uint64_t last_pkt_ns;        /* for the node-level inter-arrival histogram */
	uint64_t ring_full_pending;  /* losses not yet charged to an interval */
	uint64_t active_after_s;     /* seconds up to this one have their active flows counted */
	/* Run totals of the ledger counters, summed as each interval closes;
	 * written by the worker, read by the exporter (relaxed atomics). */
	uint64_t total_ring_full, total_evictions, total_parse_errors;
	uint64_t rx_packets;         /* received from the port queue */
	uint64_t packets;            /* accounted here (a fan-out moves some between workers) */
	uint64_t next_fix;           /* index into conf.len_fixes */
	uint64_t cycles;             /* TSC spent on non-empty bursts */
	uint64_t elapsed_ns;         /* receive loop's run time, set when it ends */
	volatile bool *input_done;   /* set by main when a finite input is fully received */
	volatile bool *force_quit;
	volatile bool finished;      /* set by the worker after its EOF is queued */
} __rte_cache_aligned;

/* Allocates the worker's table, rings, pool and interval objects. Returns
 * 0 or a negative errno (reason logged). */
int worker_init(struct worker *w, const struct worker_conf *conf);

/* Makes workers[0] fan out to workers[1..n-1] (all initialised, n <= WORKER_MAX)
 * through rings of ring_size packets. Returns 0 or a negative errno. */
int worker_fanout(struct worker *workers, unsigned n, unsigned ring_size);
void worker_fini(struct worker *w);

/* lcore entry point; arg is a struct worker *. */
int worker_main(void *arg);

#endif
