/* Forest wire form (see sa_classifier_wire.h). */
#include "sa_classifier_wire.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sa_errf.h"

int sa_forest_pack(const struct cls_forest *f, Sa__TreeEnsemble *m)
{
	sa__tree_ensemble__init(m);
	if (f->n_trees < 1 || f->n_nodes < f->n_trees || f->n_nodes > CLS_FOREST_MAX_NODES ||
	    f->margins < 1)
		return -EINVAL;
	/* protobuf-c only reads through these when packing. */
	m->has_margins = 1;
	m->margins = f->margins;
	m->n_tree_start = f->n_trees;
	m->tree_start = f->tree_start;
	m->n_feature = m->n_threshold = m->n_child = m->n_leaf = f->n_nodes;
	m->feature = f->feature;
	m->threshold = f->threshold;
	m->child = f->child;
	m->leaf = f->leaf;
	m->n_base_margin = f->margins;
	m->base_margin = f->base_margin;
	m->has_depth = 1;
	m->depth = f->depth;
	return 0;
}

int sa_forest_unpack(const Sa__TreeEnsemble *m, uint32_t n_features_available,
		     struct cls_forest *f, char *err, size_t errlen)
{
	struct cls_forest g;
	size_t n = m->n_feature;
	int rc;

	if (!m->has_margins || m->margins < 1 || m->margins > CLS_FOREST_MAX_MARGINS)
		return sa_errf(-EINVAL, err, errlen, "margins must be 1..%u", CLS_FOREST_MAX_MARGINS);
	if (m->n_base_margin != m->margins)
		return sa_errf(-EINVAL, err, errlen, "%zu base margins for %u margins", m->n_base_margin,
			      m->margins);
	if (m->n_tree_start < 1)
		return sa_errf(-EINVAL, err, errlen, "no trees");
	if (m->n_threshold != n || m->n_child != n || m->n_leaf != n)
		return sa_errf(-EINVAL, err, errlen,
			      "array lengths disagree: feature %zu, threshold %zu, child %zu, leaf %zu",
			      n, m->n_threshold, m->n_child, m->n_leaf);
	if (n > CLS_FOREST_MAX_NODES)
		return sa_errf(-EINVAL, err, errlen, "%zu nodes, at most %u", n, CLS_FOREST_MAX_NODES);
	if (n < m->n_tree_start)
		return sa_errf(-EINVAL, err, errlen, "%zu nodes for %zu trees", n, m->n_tree_start);
	if (!m->has_depth)
		return sa_errf(-EINVAL, err, errlen, "no depth stated");

	/* The shape is within the caps now: only memory can fail. */
	rc = cls_forest_alloc(&g, m->margins, (uint32_t)m->n_tree_start, (uint32_t)n);
	if (rc != 0) {
		sa_errf(-EINVAL, err, errlen, "out of memory");
		return rc;
	}
	memcpy(g.tree_start, m->tree_start, m->n_tree_start * sizeof(*g.tree_start));
	memcpy(g.feature, m->feature, n * sizeof(*g.feature));
	memcpy(g.child, m->child, n * sizeof(*g.child));
	memcpy(g.threshold, m->threshold, n * sizeof(*g.threshold));
	memcpy(g.leaf, m->leaf, n * sizeof(*g.leaf));
	memcpy(g.base_margin, m->base_margin, m->margins * sizeof(*g.base_margin));
	rc = cls_forest_validate(&g, n_features_available, err, errlen);
	if (rc == 0 && m->depth < g.depth)
		rc = sa_errf(-EINVAL, err, errlen, "stated depth %u, but a tree is %u deep", m->depth, g.depth);
	if (rc != 0) {
		cls_forest_free(&g);
		return rc;
	}
	*f = g;
	return 0;
}
