/* Monitoring thread: the loop from models back to live traffic.
 *
 * Holds the newest model of every modelled series. Once a second it
 * compares every interval the store has completed since the last one it
 * saw with the model's one-step forecast and interval (fc_monitor), stores
 * forecast, interval, actual and the model's live error as a row of the
 * series' monitor table, and raises an alert when the actual has been
 * outside the interval for `need` consecutive intervals: stored, and
 * published on the PUB socket (topic "alert") for sa alerts --follow.
 * Models are published there too (topic "model"), when they arrive and
 * again every 10 s for subscribers that joined late (capture nodes). */
#ifndef MONITOR_H
#define MONITOR_H

#include <stdint.h>

#include "sa_arena.h"
#include "sa.pb-c.h"
#include "tsdb.h"

struct monitor_conf {
	double z;          /* interval half-width in one-step sds [4] */
	unsigned need;     /* consecutive outside intervals per alert [1] */
	double drift;      /* live MAE / backtest MAE that counts as drifting [2] */
	uint32_t grace_s;  /* an interval is complete this long after the newest data passes its end [5] */
};

#define MONITOR_DEFAULTS {.z = 5.0, .need = 1, .drift = 2.0, .grace_s = 5}

struct monitor;

/* Binds the PUB endpoint and starts the thread; NULL on failure (logged). */
struct monitor *monitor_start(void *zctx, const char *pub_endpoint, struct tsdb *db,
			      const struct monitor_conf *conf);
void monitor_stop(struct monitor **m);

/* A new model version was stored: pick it up on the next tick. */
void monitor_models_changed(struct monitor *m);

/* Fills r->monitors with every watched series' status (arena memory). */
int monitor_status(struct monitor *m, Sa__Response *r, struct sa_arena *a);

#endif
