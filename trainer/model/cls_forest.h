/* Gradient-boosted trees as plain arrays, and scoring rows with them.
 *
 * The trainer builds a forest from XGBoost (trainer/cls_xgb_dump.h); the
 * aggregator gets it from the wire (proto/sa_classifier_wire.h) and scores
 * every flow with it. libm only, so every binary can link it.
 *
 * Layout (the wire's, sa.proto TreeEnsemble): node i is internal when
 * child[i] != i and then goes to child[i] when x[feature[i]] < threshold[i],
 * to child[i] + 1 otherwise; it is a leaf when child[i] == i, adding
 * leaf[i] to margin (tree % margins). Tree t is nodes tree_start[t] up to
 * the next tree's start (or n_nodes), its root first. A leaf has
 * threshold NaN and feature 0, so one step from a leaf stays there
 * and every tree can be run exactly depth steps without a branch.
 *
 * Features must be finite (the caller imputes missing values before
 * training and scoring). Other values never read out of bounds: NaN simply
 * goes to child[i]. */
#ifndef CLS_FOREST_H
#define CLS_FOREST_H

#include <stddef.h>
#include <stdint.h>

#define CLS_FOREST_MAX_MARGINS 256
#define CLS_FOREST_MAX_NODES (1u << 22) /* 64 MB of nodes; real forests use < 1 MB */
#define CLS_FOREST_MAX_DEPTH 64 /* every row runs depth steps per tree: keep it bounded */

struct cls_forest {
	uint32_t margins;      /* 1: binary logistic; K: softmax over K classes */
	uint32_t n_trees, n_nodes;
	uint32_t depth;        /* the deepest tree's depth: steps run per tree */
	uint32_t *tree_start;  /* n_trees roots, strictly increasing, the first 0 */
	uint32_t *feature;     /* n_nodes each */
	uint32_t *child;
	float *threshold;
	float *leaf;
	float *base_margin;    /* margins: the margin before any tree */
	uint32_t n_features;   /* features read: max feature index + 1, at least 1 */
};

/* Allocates zeroed arrays for this shape into *f (overwritten). Returns 0,
 * -EINVAL for a shape out of the caps above, or -ENOMEM. */
int cls_forest_alloc(struct cls_forest *f, uint32_t margins, uint32_t n_trees, uint32_t n_nodes);

/* Frees the arrays and zeroes *f; a zeroed forest is fine. */
void cls_forest_free(struct cls_forest *f);

/* Checks the structure of a filled forest: tree_start strictly increasing
 * from 0 and in range; every internal node's children inside its own tree
 * and after the node itself (so no cycles); features of internal nodes
 * below n_features_available; finite thresholds on internal nodes, finite
 * leaves and base margins; depth at most CLS_FOREST_MAX_DEPTH. Then sets
 * leaves' threshold to NaN and feature to 0, internal nodes' leaf to
 * 0, and computes depth and n_features. Returns 0, or -EINVAL (-ENOMEM)
 * with the reason in err (errlen bytes, may be 0); a refused forest may
 * be partly normalised, and is only fit for cls_forest_free. */
int cls_forest_validate(struct cls_forest *f, uint32_t n_features_available, char *err,
			size_t errlen);

/* Margins of n rows into out (n x margins, row-major): base_margin plus
 * the leaves reached, added in tree order in float (as XGBoost does).
 * Row r is rows[r * stride .. r * stride + n_features - 1]; stride is in
 * floats and at least f->n_features. The forest must have passed
 * cls_forest_validate. Thread-safe: the forest is only read. Uses
 * about 32 kB of stack (48 kB for predict); no allocation. */
void cls_forest_margins(const struct cls_forest *f, const float *rows, size_t n, size_t stride,
			float *out);

/* Class of each row and the probability of that class: binary, class 1
 * when the margin is >= 0, with sigmoid; softmax, the first largest
 * margin. cls or prob may be NULL. */
void cls_forest_predict(const struct cls_forest *f, const float *rows, size_t n, size_t stride,
			uint32_t *cls, float *prob);

/* Class and probability from one row's margins (what predict does). */
uint32_t cls_forest_class(uint32_t margins, const float *margin, float *prob);

#endif
