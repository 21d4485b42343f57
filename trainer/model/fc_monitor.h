/* Watching a live series against its model, one interval at a time.
 *
 * Shared by the aggregator, the capture nodes and bench/forecast, so what
 * is benchmarked is what runs. Each new value is compared with the
 * model's one-step forecast and interval; the model then steps past it.
 * A value outside the interval is stepped over as a gap (the model runs on
 * its own forecast), so an outage or a flood does not drag the level and
 * seasons along and raise false alerts when traffic returns; but after
 * FC_MONITOR_HOLD such intervals in a row the values are taken as they
 * are, or one missed anomaly absorbed into the state would leave every
 * later value outside and never be unlearnt. The live
 * error (an EWMA of |error|) counts such a value as the bound it crossed:
 * one anomaly is an alert's business, not drift, but a lasting shift
 * keeps every error at the bound, several backtest MAEs, so it shows as
 * drift and the trainer refits on the new normal. */
#ifndef FC_MONITOR_H
#define FC_MONITOR_H

#include "fc_model.h"

#define FC_MONITOR_HOLD 3 /* outside intervals in a row stepped over as gaps */

struct fc_monitor {
	struct fc_model model;
	double z;           /* interval half-width in one-step sds */
	unsigned need;      /* consecutive outside intervals that make an alert */
	unsigned run;       /* current run of outside intervals */
	double live_mae;    /* mean |error| over the recent window (EWMA), outside values clamped */
	unsigned window;    /* EWMA span in intervals */
	uint64_t seen;      /* intervals stepped */
};

struct fc_verdict {
	double forecast, lo, hi;
	double error;       /* actual - forecast */
	int outside;        /* actual outside [lo, hi] */
	int alert;          /* this interval completed a run of `need` */
};

/* Starts watching with model m (copied). z > 0, need >= 1, window >= 1. */
void fc_monitor_init(struct fc_monitor *mon, const struct fc_model *m, double z, unsigned need,
		     unsigned window);

/* Compares y with the forecast, steps the model, and reports. A
 * non-finite y is a gap: no verdict on it (outside 0, the run kept), the
 * model steps on its forecast. */
void fc_monitor_step(struct fc_monitor *mon, double y, struct fc_verdict *v);

/* Whether the live error has drifted: over `drift` times the model's
 * backtest MAE, once a whole window has been seen (a few early errors are
 * not a trend), and not while a run of up to FC_MONITOR_HOLD outside
 * intervals is being stepped over: a model refitted then would end on
 * the anomaly and learn it. The aggregator reports it; sa-trainer
 * retrains on it. */
int fc_monitor_drifting(const struct fc_monitor *mon, double backtest_mae, double drift);

#endif
