/* Scoring with flattened trees (see cls_forest.h). libm only.
 *
 * DESIGN
 * A step is i = child[i] + (x[feature[i]] >= threshold[i]): no branch to
 * mispredict, and a leaf (threshold NaN, child itself) stays put, so
 * every tree runs exactly depth steps: any x >= NaN is false, +inf and
 * NaN included (with +inf as the leaf's threshold, an infinite feature
 * would step out of the leaf). One row's steps form a chain of
 * dependent loads (node, then feature value), about 10 cycles each;
 * running CLS_BLOCK rows through one tree at a time interleaves that many
 * independent chains and keeps the tree (1.5 kB at depth 6) in L1, so
 * the loop is bound by load throughput instead of latency.
 *
 * Leaves are added in tree order in float, starting from the base margin,
 * which is how XGBoost sums them: margins agree with it to the bit when
 * the base margin does. */
#include "cls_forest.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_errf.h"

/* Rows in flight per tree: 16 chains hide the L1 latency of ~10-cycle
 * steps with room to spare; more only spills the indices. */
#define CLS_BLOCK 16

/* Beyond any real margin (floats stop at 3.4e38 anyway): clamping to it
 * keeps inf - inf out of the softmax. */
#define MARGIN_CLAMP 1e30

int cls_forest_alloc(struct cls_forest *f, uint32_t margins, uint32_t n_trees, uint32_t n_nodes)
{
	memset(f, 0, sizeof(*f));
	if (margins < 1 || margins > CLS_FOREST_MAX_MARGINS || n_trees < 1 || n_nodes < n_trees ||
	    n_nodes > CLS_FOREST_MAX_NODES)
		return -EINVAL;
	f->margins = margins;
	f->n_trees = n_trees;
	f->n_nodes = n_nodes;
	f->tree_start = calloc(n_trees, sizeof(*f->tree_start));
	f->feature = calloc(n_nodes, sizeof(*f->feature));
	f->child = calloc(n_nodes, sizeof(*f->child));
	f->threshold = calloc(n_nodes, sizeof(*f->threshold));
	f->leaf = calloc(n_nodes, sizeof(*f->leaf));
	f->base_margin = calloc(margins, sizeof(*f->base_margin));
	if (!f->tree_start || !f->feature || !f->child || !f->threshold || !f->leaf ||
	    !f->base_margin) {
		cls_forest_free(f);
		return -ENOMEM;
	}
	return 0;
}

void cls_forest_free(struct cls_forest *f)
{
	free(f->tree_start);
	free(f->feature);
	free(f->child);
	free(f->threshold);
	free(f->leaf);
	free(f->base_margin);
	memset(f, 0, sizeof(*f));
}

/* Nodes [s, e) of one tree; lvl is scratch for them, zeroed. Sets *depth
 * to the longest root-to-leaf path (nodes may share children: still a
 * DAG, since children come after their parent). */
static int check_tree(struct cls_forest *f, uint32_t t, uint32_t s, uint32_t e, uint32_t n_avail,
		      uint32_t *lvl, uint32_t *depth, char *err, size_t errlen)
{
	uint32_t d = 0;

	for (uint32_t i = s; i < e; i++) {
		uint32_t c = f->child[i];

		if (c == i) {
			if (!isfinite(f->leaf[i]))
				return sa_errf(-EINVAL, err, errlen, "tree %u node %u: non-finite leaf", t, i);
			f->threshold[i] = NAN;
			f->feature[i] = 0;
			continue;
		}
		if (c < s || c >= e || e - c < 2)
			return sa_errf(-EINVAL, err, errlen, "tree %u node %u: children %u,%u outside the tree [%u, %u)",
				    t, i, c, c + 1, s, e);
		if (c < i)
			return sa_errf(-EINVAL, err, errlen, "tree %u node %u: child %u before its parent (a cycle)",
				    t, i, c);
		if (f->feature[i] >= n_avail)
			return sa_errf(-EINVAL, err, errlen, "tree %u node %u: feature %u, only %u available", t, i,
				    f->feature[i], n_avail);
		if (!isfinite(f->threshold[i]))
			return sa_errf(-EINVAL, err, errlen, "tree %u node %u: non-finite threshold", t, i);
		f->leaf[i] = 0.0f;
	}
	/* lvl[i] = depth + 1 of node i, 0 when no path reaches it. Children
	 * come after parents, so one forward pass sees every parent first. */
	lvl[0] = 1;
	for (uint32_t i = s; i < e; i++) {
		uint32_t l = lvl[i - s], c = f->child[i];

		if (l == 0)
			continue;
		if (c == i) {
			d = l - 1 > d ? l - 1 : d;
			continue;
		}
		if (l > CLS_FOREST_MAX_DEPTH)
			return sa_errf(-EINVAL, err, errlen, "tree %u deeper than %u", t, CLS_FOREST_MAX_DEPTH);
		for (uint32_t k = c - s; k <= c + 1 - s; k++)
			lvl[k] = lvl[k] > l + 1 ? lvl[k] : l + 1;
	}
	*depth = d;
	return 0;
}

int cls_forest_validate(struct cls_forest *f, uint32_t n_features_available, char *err,
			size_t errlen)
{
	uint32_t depth = 0, n_feat = 1;
	uint32_t *lvl;
	int rc = 0;

	if (f->margins < 1 || f->margins > CLS_FOREST_MAX_MARGINS)
		return sa_errf(-EINVAL, err, errlen, "margins %u, not 1..%u", f->margins, CLS_FOREST_MAX_MARGINS);
	if (f->n_trees < 1)
		return sa_errf(-EINVAL, err, errlen, "no trees");
	if (f->n_nodes < f->n_trees || f->n_nodes > CLS_FOREST_MAX_NODES)
		return sa_errf(-EINVAL, err, errlen, "%u nodes for %u trees (at most %u)", f->n_nodes, f->n_trees,
			    CLS_FOREST_MAX_NODES);
	/* Leaves read x[0]: even a forest of stumps needs one feature. */
	if (n_features_available < 1)
		return sa_errf(-EINVAL, err, errlen, "no features available");
	for (uint32_t m = 0; m < f->margins; m++)
		if (!isfinite(f->base_margin[m]))
			return sa_errf(-EINVAL, err, errlen, "non-finite base margin %u", m);
	if (f->tree_start[0] != 0)
		return sa_errf(-EINVAL, err, errlen, "the first tree starts at node %u, not 0", f->tree_start[0]);
	for (uint32_t t = 1; t < f->n_trees; t++)
		if (f->tree_start[t] <= f->tree_start[t - 1] || f->tree_start[t] >= f->n_nodes)
			return sa_errf(-EINVAL, err, errlen, "tree %u starts at %u: not after tree %u's %u or past %u nodes",
				    t, f->tree_start[t], t - 1, f->tree_start[t - 1], f->n_nodes);
	lvl = malloc(f->n_nodes * sizeof(*lvl));
	if (lvl == NULL) {
		sa_errf(-EINVAL, err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t t = 0; t < f->n_trees && rc == 0; t++) {
		uint32_t s = f->tree_start[t], e = t + 1 < f->n_trees ? f->tree_start[t + 1] : f->n_nodes;
		uint32_t d = 0;

		memset(lvl, 0, (e - s) * sizeof(*lvl));
		rc = check_tree(f, t, s, e, n_features_available, lvl, &d, err, errlen);
		depth = d > depth ? d : depth;
	}
	free(lvl);
	if (rc != 0)
		return rc;
	for (uint32_t i = 0; i < f->n_nodes; i++)
		if (f->child[i] != i && f->feature[i] >= n_feat)
			n_feat = f->feature[i] + 1;
	f->depth = depth;
	f->n_features = n_feat;
	return 0;
}

/* CLS_BLOCK rows into acc (CLS_BLOCK x margins): feature j of lane r is
 * x[j * fs + r * rs]. Called with constants for a transposed block
 * (fs CLS_BLOCK, rs 1), where a lane's load is a shift and a fixed
 * offset from the feature index, no per-row pointer held in a register
 * (worth ~20%); and with rs = stride for rows too wide to copy. */
static inline void score_block(const struct cls_forest *f, const float *x, size_t fs, size_t rs,
			       float *acc)
{
	const uint32_t *feature = f->feature, *child = f->child;
	const float *threshold = f->threshold, *leaf = f->leaf;
	uint32_t nm = f->margins, m = 0;

	for (unsigned r = 0; r < CLS_BLOCK; r++)
		memcpy(acc + r * nm, f->base_margin, nm * sizeof(*acc));
	for (uint32_t t = 0; t < f->n_trees; t++) {
		uint32_t idx[CLS_BLOCK];

		for (unsigned r = 0; r < CLS_BLOCK; r++)
			idx[r] = f->tree_start[t];
		for (uint32_t d = 0; d < f->depth; d++) {
#pragma GCC unroll 16
			for (unsigned r = 0; r < CLS_BLOCK; r++) {
				uint32_t i = idx[r];
				idx[r] = child[i] + (x[feature[i] * fs + r * rs] >= threshold[i]);
			}
		}
		for (unsigned r = 0; r < CLS_BLOCK; r++)
			acc[r * nm + m] += leaf[idx[r]];
		if (++m == nm)
			m = 0;
	}
}

/* Forests reading up to this many features score a transposed copy of
 * each block (16 kB of stack); wider ones read the rows in place. */
#define XT_FEATURES 256

void cls_forest_margins(const struct cls_forest *f, const float *rows, size_t n, size_t stride,
			float *out)
{
	float acc[CLS_BLOCK * CLS_FOREST_MAX_MARGINS];
	float xt[XT_FEATURES * CLS_BLOCK];
	size_t nm = f->margins, nf = f->n_features;

	assert(nm >= 1 && nm <= CLS_FOREST_MAX_MARGINS && stride >= nf);
	for (size_t b = 0; b < n; b += CLS_BLOCK) {
		size_t nb = n - b < CLS_BLOCK ? n - b : CLS_BLOCK;

		if (nf <= XT_FEATURES) {
			/* A short last block repeats its first row in the spare lanes. */
			for (size_t r = 0; r < CLS_BLOCK; r++) {
				const float *x = rows + (b + (r < nb ? r : 0)) * stride;
				for (size_t j = 0; j < nf; j++)
					xt[j * CLS_BLOCK + r] = x[j];
			}
			score_block(f, xt, CLS_BLOCK, 1, acc);
		} else {
			/* In place a lane cannot be redirected: a short block runs
			 * its rows one at a time in lane 0 (all lanes read it). */
			if (nb == CLS_BLOCK) {
				score_block(f, rows + b * stride, 1, stride, acc);
			} else {
				for (size_t r = 0; r < nb; r++) {
					score_block(f, rows + (b + r) * stride, 1, 0, acc);
					memcpy(out + (b + r) * nm, acc, nm * sizeof(*out));
				}
				break;
			}
		}
		memcpy(out + b * nm, acc, nb * nm * sizeof(*out));
	}
}

uint32_t cls_forest_class(uint32_t margins, const float *margin, float *prob)
{
	uint32_t best = 0;
	double sum = 0.0, top;

	if (margins == 1) {
		/* Class 1 at margin >= 0; the class's probability either way.
		 * exp of +-inf is inf or 0: the result stays in [0.5, 1]. */
		double z = margin[0];
		if (prob)
			*prob = (float)(1.0 / (1.0 + exp(-fabs(z))));
		return z >= 0.0;
	}
	for (uint32_t k = 1; k < margins; k++)
		if (margin[k] > margin[best])
			best = k;
	/* Differences from the largest are <= 0: exp never overflows. */
	top = fmin(fmax(margin[best], -MARGIN_CLAMP), MARGIN_CLAMP);
	for (uint32_t k = 0; k < margins; k++)
		sum += exp(fmin(fmax(margin[k], -MARGIN_CLAMP), MARGIN_CLAMP) - top);
	if (prob)
		*prob = (float)(1.0 / sum);
	return best;
}

void cls_forest_predict(const struct cls_forest *f, const float *rows, size_t n, size_t stride,
			uint32_t *cls, float *prob)
{
	float out[CLS_BLOCK * CLS_FOREST_MAX_MARGINS];
	size_t nm = f->margins;

	for (size_t b = 0; b < n; b += CLS_BLOCK) {
		size_t nb = n - b < CLS_BLOCK ? n - b : CLS_BLOCK;

		cls_forest_margins(f, rows + b * stride, nb, stride, out);
		for (size_t r = 0; r < nb; r++) {
			float p;
			uint32_t c = cls_forest_class(f->margins, out + r * nm, &p);
			if (cls)
				cls[b + r] = c;
			if (prob)
				prob[b + r] = p;
		}
	}
}
