/* What a worker lcore hands to the exporter lcore, through one SP/SC ring
 * per worker. Ring entries are pointers to objects that start with a kind
 * byte; flow objects come from a mempool, interval objects circulate
 * between the worker and the exporter through a second ring, so nothing is
 * allocated on the data path. */
#ifndef HANDOFF_H
#define HANDOFF_H

#include <stdint.h>

#include "flowtab.h"
#include "sa_counter.h"
#include "sa_hist.h"
#include "sa_topk.h"

enum handoff_kind { HANDOFF_FLOW = 1, HANDOFF_INTERVAL = 2, HANDOFF_EOF = 3 };

#define HANDOFF_TOP_DIMS 4       /* src IP, dst IP, src port, dst port (sa.proto TopDim) */
#define HANDOFF_TOP_WEIGHTS 2    /* [0] by bytes, [1] by packets */
#define HANDOFF_TOP_CAPACITY 64  /* keys per sketch per second: exact below that */

struct handoff_flow {
	uint8_t kind;
	uint8_t has_app;       /* nDPI found the protocol below (appid.h) */
	uint16_t app_master, app_proto;
	struct flow_record f;  /* what flowtab emitted */
};

struct handoff_interval {
	uint8_t kind;
	uint64_t start_s;
	uint64_t counters[SA_C_COUNT];
	uint64_t size_hist[SA_SIZE_BUCKETS];
	uint64_t iat_hist[SA_TIME_BUCKETS];
	uint64_t rtt_hist[SA_TIME_BUCKETS];
	uint64_t first_ns, last_ns;
	struct sa_topk *top[HANDOFF_TOP_WEIGHTS][HANDOFF_TOP_DIMS];
};

struct handoff_eof {
	uint8_t kind;
};

#endif
