/* Answers to each kind of query, computed from the store. Each fills the
 * Response (allocating from the arena) and returns SA_OK or an sa_err code
 * with r->message set. Separate from query.c so they can be called without
 * a socket (tests, the CLI's analyze path stays on the wire though). */
#ifndef ANSWER_H
#define ANSWER_H

#include "sa.pb-c.h"
#include "sa_arena.h"
#include "ingest.h"
#include "tsdb.h"

#define ANSWER_MAX_POINTS 200000
#define ANSWER_MAX_ROWS 4000000 /* rows one series answer reads */
#define ANSWER_MAX_FLOWS 100000
#define ANSWER_MAX_TOP 10000

int answer_nodes(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a);
int answer_series(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a);
/* The latest version of a series' model decoded into the arena, or NULL. */
Sa__Model *answer_latest_model(struct tsdb *db, const char *series, struct sa_arena *a);
/* Q_SERIES of the classifier's class rows taken together (answer_classes.c):
 * metric class_drift (the step's class mix against the training mix,
 * total variation 0..1) or live_accuracy (correct / labelled flows). */
int answer_class_series(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a);
/* The class-row column (schema.h) a metric names, or -1; none = bytes. */
int dim_column(const char *metric);
int answer_top(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a);
int answer_hist(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a);
int answer_flows(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a);
int answer_tracked(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a);
int answer_summary(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a);
int answer_put_model(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a);
int answer_models(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a);
/* Q_STATS also reports what the ingest thread counted since it started. */
int answer_stats(struct tsdb *db, const struct ingest_stats *in, const Sa__Query *q,
		 Sa__Response *r, struct sa_arena *a);
int answer_forecast(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a);
/* Alerts in [from, to), optionally of one series, oldest first. */
int answer_alerts(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a);
/* A series' monitor rows in [from, to): the newest `limit`, in time order. */
int answer_monitor_rows(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a);

#endif
