/* A cls_forest from an XGBoost booster, and the check that it scores as
 * XGBoost does. Trainer only: this is the one file that reads XGBoost's
 * trees, so the aggregator scores without linking XGBoost.
 *
 * Supported: gbtree boosters with numerical splits (any tree_method, any
 * num_parallel_tree), binary:logistic (margins 1) or multi:softprob /
 * multi:softmax (margins K). Not supported: dart (tree weights are not in
 * the dump), gblinear, categorical splits; all refused, at the latest by
 * the probe-row check in cls_forest_from_booster. */
#ifndef CLS_XGB_DUMP_H
#define CLS_XGB_DUMP_H

#include <stddef.h>
#include <stdint.h>
#include <xgboost/c_api.h>

#include "cls_forest.h"

/* Builds *f from booster b's text dump (thresholds and leaves are printed
 * with max_digits10 digits, so strtof gets XGBoost's floats back), each
 * tree in breadth-first order, trees ordered so that tree t adds to
 * margin t % margins. The base margin is measured, not derived from
 * base_score: XGBoost's margin on probe rows minus our leaves, then the
 * float next to it that reproduces XGBoost's margins to the bit where one
 * does. Probe rows that still disagree by more than 1e-5 (relative to
 * max(1, |margin|)) refuse the booster. Returns 0, or -EINVAL / -ENOMEM
 * with the reason in err; *f is written only on success (free it with
 * cls_forest_free). Not thread-safe on the same booster (XGBoost's API
 * is not). */
int cls_forest_from_booster(BoosterHandle b, unsigned margins, struct cls_forest *f, char *err,
			    size_t errlen);

/* XGBoost's last error as "xgboost: WHAT: reason" in err; returns -EINVAL. */
int cls_xgb_fail(char *err, size_t errlen, const char *what);

struct cls_booster_diff {
	double max_abs;        /* largest |ours - XGBoost's| over every margin */
	double max_rel;        /* largest |ours - XGBoost's| / max(1, |XGBoost's|) */
	size_t worst_row;      /* where max_rel is */
	size_t exact;          /* margins equal to the bit */
	size_t class_mismatch; /* rows whose class (cls_forest_class) differs */
};

/* Scores n rows (row-major, cols floats each, finite) with f and with b,
 * margins both, into *d. The trainer runs it on its test split and
 * refuses a forest with max_rel > 1e-4. Returns 0, or -EINVAL (cols
 * below f->n_features, margins count differs, an XGBoost error) or
 * -ENOMEM with the reason in err. */
int cls_forest_check_booster(const struct cls_forest *f, BoosterHandle b, const float *rows,
			     size_t n, size_t cols, struct cls_booster_diff *d, char *err,
			     size_t errlen);

#endif
