/* How well predicted classes match the truth: confusion matrix, per-class
 * precision, recall, F1 and support, accuracy and macro averages, the
 * same numbers scikit-learn gives (tests/unit/test_cls_metrics_sklearn.py
 * checks them against it). */
#ifndef CLS_METRICS_H
#define CLS_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cls_eval {
	size_t k;               /* classes 0..k-1 */
	size_t n;               /* rows evaluated */
	uint64_t *confusion;    /* k * k: [truth * k + prediction] */
	uint64_t *support;      /* rows of each true class */
	uint64_t *predicted;    /* rows predicted as each class */
	/* Per class; 0 where the denominator is 0 (sklearn's zero_division=0),
	 * never NaN. F1 = 2 tp / (2 tp + fp + fn). */
	double *precision, *recall, *f1;
	double accuracy;        /* 0 when n == 0 */
	/* Unweighted means over the classes that are in the truth or in the
	 * predictions (n_present of them), as sklearn's average='macro' with
	 * the labels of y_true and y_pred: a class absent from both says
	 * nothing about the model and would only pull the mean to 0. */
	double macro_precision, macro_recall, macro_f1;
	size_t n_present;
};

/* Fills *e from truth[i], pred[i] < k for n rows (e need not be
 * initialised; free with cls_eval_free). Returns 0, -EINVAL (k == 0 or a
 * class >= k; *e left zeroed) or -ENOMEM. */
int cls_eval_compute(struct cls_eval *e, const uint32_t *truth, const uint32_t *pred, size_t n,
		     size_t k);
void cls_eval_free(struct cls_eval *e);

/* The per-class table (precision, recall, F1, support), accuracy and macro
 * averages, then the confusion matrix (rows truth, columns prediction),
 * labelled with names[0..k-1] (NULL: the class numbers). */
void cls_eval_print(const struct cls_eval *e, const char *const *names, FILE *out);

#endif
