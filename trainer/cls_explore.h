/* Feature exploration for the flow classifier (sa explore): what is in a
 * feature table before a model is trained on it.
 *
 * cls_explore_run reads a struct cls_table once and keeps, per feature:
 *   - summary statistics, over all rows and per class, of the finite
 *     values (NaN and +-Inf count as missing): count, missing, mean,
 *     sample std (n - 1), min, quartiles, max;
 *   - quartiles by linear interpolation between order statistics (numpy's
 *     default, R type 7): q(p) = x[h] + (h - floor h)(x[h+1] - x[h]) with
 *     h = (n - 1) p on the sorted values;
 *   - outliers by Tukey's far-out fences: values below Q1 - 3 IQR or above
 *     Q3 + 3 IQR (3 rather than 1.5: flow features are heavy-tailed, and
 *     1.5 would flag a good part of every byte count);
 *   - eta^2, the share of the feature's variance between class means
 *     (one-way ANOVA's SS_between / SS_total), a model-free score of how
 *     much the feature separates the classes;
 * and over features:
 *   - Pearson's r for every pair, pairwise complete: each pair uses the
 *     rows where both values are finite, so one sparse feature does not
 *     shrink every other pair. A feature constant over those rows (or
 *     with fewer than 2 of them) has r = 0 with the other; the diagonal
 *     is 1. No entry is ever NaN.
 *   - the pairs with |r| >= a threshold, as candidates to drop;
 *   - PCA of the standardised features, i.e. the eigen-decomposition of
 *     the correlation matrix restricted to the non-constant features (a
 *     constant one carries no variance and no component). A pairwise
 *     matrix need not be positive semi-definite: negative eigenvalues
 *     (rounding, or missing values in odd patterns) are clamped to 0.
 *
 * Every stored double is finite: what is undefined (the mean of no value,
 * the std of one) is stored as 0 and printed as "n/a". A result does not
 * point into the table. Functions are thread-safe on distinct results. */
#ifndef CLS_EXPLORE_H
#define CLS_EXPLORE_H

#include <stddef.h>
#include <stdio.h>

#include "cls_table.h"

#define CLS_EXPLORE_CORR_THRESHOLD 0.95 /* default |r| of a redundant pair */

struct cls_feat_stats {
	size_t count;           /* finite values */
	size_t missing;         /* NaN or +-Inf */
	size_t outliers;        /* beyond Q1 - 3 IQR or Q3 + 3 IQR */
	double mean, std;       /* std: sample (n - 1); 0 for count < 2 */
	double min, p25, median, p75, max;
	/* Tukey's box-plot whiskers: the most extreme values within 1.5 IQR
	 * of the quartiles. */
	double whisker_lo, whisker_hi;
};

struct cls_corr_pair {
	size_t a, b;            /* feature indices, a < b */
	double r;
	size_t n;               /* rows where both are finite */
	size_t drop;            /* a or b: the one to drop if either */
};

struct cls_explore_opts {
	double corr_threshold;  /* |r| of a listed pair; 0: CLS_EXPLORE_CORR_THRESHOLD */
	/* Per-feature importance (e.g. the classifier's total gain), cols
	 * values, or NULL. Ranks the features (else eta^2 does) and decides
	 * which of a correlated pair to drop (else: the one more correlated,
	 * on average, with all the others, as caret's findCorrelation). */
	const double *importance;
};

struct cls_explore {
	size_t rows, cols, n_classes;
	char **names;                   /* cols feature names (copies) */
	char **classes;                 /* n_classes class names (copies) */
	size_t *class_rows;             /* rows of each class */
	struct cls_feat_stats *all;     /* cols */
	struct cls_feat_stats *by_class; /* n_classes * cols: class k, feature j at [k * cols + j] */
	double *eta2;                   /* cols, in [0, 1] */
	size_t *rank;                   /* cols feature indices, most important first */
	double *importance;             /* cols copy of opts->importance, or NULL */

	double *corr;                   /* cols * cols, row-major, symmetric */
	double corr_threshold;
	struct cls_corr_pair *pairs;    /* |r| >= corr_threshold, largest |r| first */
	size_t n_pairs;

	size_t n_pca;                   /* non-constant features: the components */
	double *eigval;                 /* cols, descending; 0 from n_pca on */
	double *evr;                    /* cols: explained variance ratio */
	double *cum;                    /* cols: cumulative evr */
	/* cols * cols: component c's unit eigenvector, feature j at
	 * [c * cols + j] (0 for constant features), signed so that its
	 * largest entry is positive. */
	double *loadings;
	size_t n90, n95;                /* components to reach 90% / 95% (0: no PCA) */
};

/* Explores t (opts may be NULL). t->y[i] must be < t->n_classes; rows may
 * be 0. Returns 0 with *e filled (free it with cls_explore_free), -EINVAL
 * (no column, a class out of range) or -ENOMEM (then *e holds nothing to
 * free). Time O(rows * cols^2) for the correlation, O(rows * cols) for
 * the rest; memory O(rows + cols^2) besides the table. */
int cls_explore_run(const struct cls_table *t, const struct cls_explore_opts *opts,
		    struct cls_explore *e);
void cls_explore_free(struct cls_explore *e);

/* Smallest number of leading components whose cumulative ratio reaches
 * frac (0..1); 0 when there is no component. */
size_t cls_explore_components_for(const struct cls_explore *e, double frac);

struct cls_print_opts {
	size_t max_features;    /* rows of the per-feature tables; 0: 40 */
	size_t max_matrix;      /* features in the printed correlation matrix; 0: 12 */
	size_t max_class_feats; /* features with per-class tables; 0: 8 */
	size_t max_pairs;       /* correlated pairs listed; 0: 30 */
	size_t max_components;  /* PCA rows; 0: 15 */
	size_t name_width;      /* names are cut to this many bytes; 0: 24 */
};

/* Prints the whole exploration as aligned text tables to f (o may be
 * NULL). Features beyond a limit are left out in rank order, with a line
 * that says how many. Returns 0 or -EIO. */
int cls_explore_print(const struct cls_explore *e, FILE *f, const struct cls_print_opts *o);

/* SVG plots through svg_plot (each returns 0 or a negative errno):
 * the correlation heatmap of the max_features (0: 30) top-ranked features; */
int cls_explore_svg_corr(const struct cls_explore *e, const char *path, size_t max_features);
/* the scree plot of the first max_components (0: 20) components; */
int cls_explore_svg_scree(const struct cls_explore *e, const char *path, size_t max_components);
/* a horizontal bar chart of gain[cols] (the classifier's total gain per
 * feature), largest first, the top max_features (0: 30); */
int cls_explore_svg_importance(const struct cls_explore *e, const double *gain, const char *path,
			       size_t max_features);
/* per-class box plots, one panel per feature of feats[n] (NULL: the top
 * min(n, 6) ranked features). */
int cls_explore_svg_boxes(const struct cls_explore *e, const size_t *feats, size_t n,
			  const char *path);

#endif
