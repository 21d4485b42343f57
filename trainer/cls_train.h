/* Training a flow classifier: a held-out test split, a bounded
 * hyperparameter search for gradient-boosted trees (XGBoost) scored by
 * stratified k-fold macro-F1, the final fit flattened into a cls_forest,
 * and a logistic-regression baseline on the same split. */
#ifndef CLS_TRAIN_H
#define CLS_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "cls_forest.h"
#include "cls_metrics.h"
#include "cls_table.h"

struct cls_train_conf {
	unsigned folds;     /* stratified folds of the search (default 5) */
	double test_share;  /* held out from everything but the final score (0.2) */
	double budget_s;    /* the search stops starting candidates after this */
	uint64_t seed;
	/* XGBoost's threads; 0 = all cores. Default 1: on flow tables of
	 * thousands of rows its OpenMP threads gain little on a quiet machine
	 * and, spinning at each barrier, make a fit 30-100 times slower on a
	 * busy one (measured: 0.06 s against 2-8 s on 2 cores). */
	int threads;
	/* Called as the search advances (done in [0, 1]); may be NULL. */
	void (*progress)(void *ctx, const char *stage, double done);
	void *ctx;
};

struct cls_params {
	unsigned depth, rounds;
	double eta;
	int balanced;      /* rows weighted by the inverse of their class share */
};

struct cls_trained {
	struct cls_forest forest;
	struct cls_params params;
	struct cls_eval test;       /* the forest on the held-out split */
	struct cls_eval baseline;   /* logistic regression on the same split */
	double cv_macro_f1;         /* of the chosen parameters */
	unsigned cv_folds;
	double train_s;             /* the final fit */
	double search_s;            /* search and final fit */
	double score_ns;            /* per row, the forest on the test split */
	double *importance;         /* per column: total gain (0: never split on) */
	double *class_share;        /* per class, in the training split */
	uint8_t *is_test;           /* per row: 1 in the held-out split */
	size_t train_rows, test_rows;
	char tried[1024];           /* every candidate and its CV macro-F1 */
};

extern const struct cls_train_conf cls_train_defaults;

/* 0, or -1 with err set (too few rows or classes, a library failure). */
int cls_train(const struct cls_table *t, const struct cls_train_conf *c, struct cls_trained *out, char *err,
	      size_t errlen);
void cls_trained_free(struct cls_trained *r);
/* "depth 6, 100 rounds, eta 0.3, balanced" */
void cls_params_describe(const struct cls_params *p, char *out, size_t len);

#endif
