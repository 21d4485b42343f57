/* Traffic volume as a time series, for sa-gen --series: one point per step
 * with the flows started in it, their bytes and a ground-truth anomaly label,
 * for forecasting and anomaly-detection benchmarks that need no pcap.
 *
 * DESIGN
 * The expected flow count of a step is gen_model_rate integrated over it,
 * so a series and a pcap with the same --days, --start and --flows-per-day
 * follow one curve. On top of it:
 *  - flows: a Poisson draw around the expectation, scaled by a burst or an
 *    anomaly on the steps that have one;
 *  - bytes: flows times GEN_SERIES_FLOW_BYTES times a mean-one log-normal
 *    factor (sd GEN_SERIES_SIZE_SD), the step's mean flow size;
 *  - bursts: GEN_SERIES_BURSTS_WEEK a week on average, one step, x1.2..1.5,
 *    unlabelled: ordinary life a detector should not flag;
 *  - anomalies: labelled events 1..3 steps long, a surge x3..6 or a drop
 *    (outage) x0.1..0.3, none in the first two days, at least one normal
 *    step between two of them, placed uniformly at random among all such
 *    layouts. A step under an anomaly has no burst.
 * Each step draws from its own stream, seeded from (seed, step index), and
 * the placement from another: the same seed with a different anomaly count
 * gives the same series except on the steps an anomaly covers. Memory is
 * the model plus one record per anomaly, whatever the length. */
#ifndef GEN_SERIES_H
#define GEN_SERIES_H

#include <stdint.h>

#define GEN_SERIES_FLOW_BYTES 40000.0 /* mean bytes per flow */
#define GEN_SERIES_SIZE_SD 0.05       /* sd of the per-step flow size factor */
#define GEN_SERIES_BURSTS_WEEK 2.0    /* mean unlabelled bursts per week */
#define GEN_SERIES_QUIET_DAYS 2       /* no anomaly starts this early */
#define GEN_SERIES_MAX_ANOMALIES 10000

enum gen_series_kind {
	GEN_SERIES_SURGE,
	GEN_SERIES_DROP,
};

struct gen_series_conf {
	uint64_t seed;
	uint64_t start_ns;  /* whole seconds */
	unsigned days;      /* 1..366 */
	double fpd;         /* mean flows on a weekday, > 0 */
	uint32_t step_s;    /* seconds per point; divides 86400 */
	unsigned anomalies; /* <= gen_series_anomaly_room() */
};

/* One labelled anomaly; times in epoch seconds, end exclusive. */
struct gen_series_anomaly {
	uint64_t start_s, end_s;
	enum gen_series_kind kind;
	double factor; /* multiplies the expected flows of each of its steps */
};

struct gen_series_point {
	uint64_t t_s; /* start of the step, epoch seconds */
	uint64_t flows, bytes;
	int anomaly;  /* 1: inside a labelled anomaly */
};

struct gen_series;

/* Most anomalies that fit c's run: one per 4 steps after the quiet days
 * (3 steps long at most, plus a normal step between two), and at most
 * GEN_SERIES_MAX_ANOMALIES. 0 for runs of GEN_SERIES_QUIET_DAYS or less. */
unsigned gen_series_anomaly_room(const struct gen_series_conf *c);

/* Builds the model and places the anomalies; c must hold values in the
 * ranges above (checked by assert). Returns the series, or NULL when out of
 * memory. The caller owns it; not thread-safe. */
struct gen_series *gen_series_new(const struct gen_series_conf *c);

/* Fills *p with the next point. Returns 1, or 0 after the last one. */
int gen_series_next(struct gen_series *s, struct gen_series_point *p);

/* Number of points the series has in all. */
uint64_t gen_series_rows(const struct gen_series *s);

/* The anomalies in time order, i < gen_series_anomaly_count(s). */
unsigned gen_series_anomaly_count(const struct gen_series *s);
const struct gen_series_anomaly *gen_series_anomaly(const struct gen_series *s, unsigned i);

/* Name of a kind: "surge" or "drop". */
const char *gen_series_kind_name(enum gen_series_kind k);

/* Frees *s and sets it to NULL; NULL is fine. */
void gen_series_destroy(struct gen_series **s);

#endif
