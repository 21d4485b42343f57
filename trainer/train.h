/* One training round for one series, over the wire: fetch the series from
 * the aggregator, choose and fit a model (fc_select), store it as the
 * series' next version. Shared by the sa-trainer daemon and `sa train`. */
#ifndef TRAIN_H
#define TRAIN_H

#include <stdint.h>

struct train_conf {
	const char *server;        /* aggregator query endpoint */
	uint32_t step_s;           /* seconds per point */
	uint32_t season, season2;  /* points per season; 0: found from the data */
	uint32_t holdout;          /* newest complete points kept out of training */
	uint32_t horizon;          /* backtest horizon in points; 0: fc_select's default */
	uint32_t folds;            /* backtest origins */
	uint32_t history;          /* at most this many points, the newest */
	double budget_s;           /* per series, for the candidate search */
	int progress;              /* redraw a progress line on stderr (a terminal) */
};

#define TRAIN_DEFAULTS {.server = "tcp://127.0.0.1:7702", .step_s = 3600, .folds = 6, \
			.history = 24 * 7 * 8, .budget_s = 30}

/* Trains series (a spec, proto/sa_series.h). Prints one line saying what
 * was stored, or why nothing was, to stderr. Returns 0 when a model was
 * stored, -1 otherwise. */
int train_series(const struct train_conf *c, const char *series);

#endif
