/* A classifier from the aggregator's labelled flows, over the wire: fetch
 * them (Q_FLOWS, labelled only), turn them into the feature table
 * (cls_features.h), clean it (cls_clean.h), train (cls_train.h), report,
 * and store the result as the next version of series "classifier", which
 * the aggregator then scores every new flow with. Shared by `sa train
 * classifier`, `sa explore` and sa-trainer. */
#ifndef CLS_JOB_H
#define CLS_JOB_H

#include <stdint.h>
#include <stdio.h>

#include "cls_clean.h"
#include "cls_rules.h"
#include "cls_table.h"
#include "cls_train.h"

#define CLS_IGNORE "-" /* the label of a rule that leaves flows out */

struct cls_source {
	const char *server;    /* aggregator query endpoint */
	int timeout_ms;
	uint64_t from_ns, to_ns; /* 0: open */
	uint32_t node_id;      /* 0: every node */
	uint32_t limit;        /* flows read, the newest (at most 100000) */
	/* Label rules for flows without a label of their own (cls_rules.h):
	 * then every flow is read, and those no rule labels are left out, as
	 * are those whose first matching rule says CLS_IGNORE (irrelevant
	 * traffic, whatever its label). NULL: only flows with a label. */
	const struct cls_rules *rules;
	/* Flows with neither a label nor a matching rule take the application
	 * nDPI named on the capture node (FlowRecord.app), if any. */
	int app_labels;
};

/* The labelled flows of s as a table over the whole catalogue, one row per
 * flow: a flow stored twice (same uid, or same addresses, ports, protocol
 * and start) counts once (*duplicates). A flow's own label wins over the
 * rules. 0, or -1 with err set. */
int cls_table_fetch(const struct cls_source *s, struct cls_table *t, size_t *duplicates, char *err,
		    size_t errlen);

/* Fetch, clean, train, print the evaluation to report, store. 0 when a
 * model was stored; -1 otherwise, with the reason printed to stderr. */
int cls_job_train(const struct cls_source *s, const struct cls_train_conf *tc, FILE *report);

/* The newest stored classifier's total gain per catalogue feature, into
 * gain[cls_feature_count] (0 for features it does not read). 0, or -1 when
 * there is none. */
int cls_job_importance(const struct cls_source *s, double *gain);

/* How the newest classifier fares on the flows of s's range, from the
 * aggregator's class rows: the class mix's total variation distance from
 * the training mix (0 same, 1 disjoint), and the accuracy on the flows
 * that carry a ground-truth label, beside the held-out accuracy. */
struct cls_drift {
	uint32_t version;
	uint64_t flows, labelled, correct;
	double distance;        /* class mix against training */
	double live_accuracy;   /* correct / labelled; 0 without labelled flows */
	double test_accuracy;   /* stored with the model */
};

/* 0, or -1 when there is no classifier or no scored flow in the range. */
int cls_job_drift(const struct cls_source *s, struct cls_drift *d);

#endif
