/* The node's own forecasting models, watched locally (runs in the
 * exporter, on the main lcore: once per interval, never per packet).
 *
 * The aggregator publishes every model on its PUB socket. A node
 * subscribed with --models keeps those whose series is its own (a
 * METRIC[/PROTO]@NODE spec with this node's id, e.g. bytes@3), adds each
 * second's counters into the model's step, and when a step ends compares
 * it with the model's one-step interval (fc_monitor, as the aggregator
 * does). A step outside is logged and counted in the interval stats
 * (model_deviations), so a node flags its own anomalies even while the
 * aggregator is unreachable. A corrupt or incompatible model is refused
 * with a log line and the previous one stays in use. */
#ifndef MODEL_WATCH_H
#define MODEL_WATCH_H

#include <stdint.h>

struct model_watch;

/* Subscribes to endpoint on zctx. NULL on error (logged). */
struct model_watch *model_watch_new(void *zctx, const char *endpoint, uint32_t node_id);
void model_watch_destroy(struct model_watch **mw);

/* Takes the model messages waiting, waiting up to wait_ms for the first.
 * Returns how many of the node's models are held. */
unsigned model_watch_poll(struct model_watch *mw, int wait_ms);

/* One second of counters (indexed by sa_counter.h) starting at start_s;
 * returns how many model steps it completed outside their interval. */
unsigned model_watch_interval(struct model_watch *mw, uint64_t start_s, const uint64_t *counters);

#endif
