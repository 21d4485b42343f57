/* Exporter (runs on the main lcore): drains every worker's ring, batches
 * flows and interval statistics into sequenced ExportBatch messages, sends
 * them to the aggregator over a ZeroMQ DEALER and keeps each in the spool
 * until the aggregator acknowledges it. Also sends hello and heartbeats,
 * and watches the node's own forecasting models (model_watch.h). */
#ifndef EXPORT_H
#define EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "worker.h"

struct exporter_conf {
	const char *endpoint;        /* aggregator ingest, e.g. tcp://127.0.0.1:7701 */
	uint32_t node_id;
	uint64_t run_id;
	uint16_t port_id;
	const char *port_name;
	const char *config_text;     /* effective config for the hello */
	unsigned spool_batches;
	unsigned batch_flows;        /* seal a batch at this many flows ... */
	unsigned batch_intervals;    /* ... or this many intervals ... */
	uint64_t batch_age_ns;       /* ... or when its first item is this old */
	uint64_t ack_timeout_ns;     /* resend an unacked batch after this */
	const char *models_endpoint; /* the aggregator's PUB socket, or NULL: no local models */
};

struct exporter_stats {
	uint64_t batches_sent, resends, acks, refused;
	uint64_t flows, intervals;
	unsigned unacked;
	uint64_t last_ack_ns;        /* monotonic time of the last ack, 0 if none */
};

struct exporter;

/* Connects (asynchronously: the aggregator may come later). NULL on error. */
struct exporter *exporter_new(const struct exporter_conf *conf, struct worker *workers, unsigned n);
void exporter_destroy(struct exporter **ex);

/* Waits up to wait_ms for the node's own models (model_watch.h) to
 * arrive; returns how many are held (0 without --models). */
unsigned exporter_models_wait(struct exporter *ex, int wait_ms);

/* One step: takes acks (waiting at most wait_ms for socket activity),
 * resends what is due, drains the rings into batches, sends sealed ones.
 * Returns true once every worker's EOF has been batched and every batch has
 * been acknowledged. */
bool exporter_poll(struct exporter *ex, int wait_ms);

void exporter_stats_get(const struct exporter *ex, struct exporter_stats *st);

#endif
