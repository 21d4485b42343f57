/* XGBoost booster to cls_forest (see cls_xgb_dump.h).
 *
 * DESIGN
 * The text dump (XGBoosterDumpModelEx, no feature map, no stats) is one
 * string per tree, a line per node:
 *	<nid>:[f<feature><<threshold>] yes=<nid>,no=<nid>,missing=<nid>
 *	<nid>:leaf=<value>
 * "yes" is x < threshold, the branch XGBoost takes on a float compare;
 * "missing" does not matter, features are never NaN. Numbers are printed
 * with max_digits10 (9) significant digits, which strtof turns back into
 * the same float. Each tree is laid out breadth-first from its root so
 * the two children of a node are adjacent, "yes" first.
 *
 * Tree order: XGBoost stores per round, per class, num_parallel_tree
 * trees; ours wants class t % K, so with more than one parallel tree the
 * trees of a round are interleaved (same class's trees keep their order).
 *
 * Nothing is assumed about base_score or the objective's link: the base
 * margin is what XGBoost predicts minus what our trees add, on probe rows
 * built from the forest's own thresholds so that they take many paths. */
#include "cls_xgb_dump.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_errf.h"

#define PROBE_ROWS 16
#define PROBE_ULPS 4      /* base margins tried around the estimate, each side */
#define PROBE_TOL 1e-5    /* probe disagreement that refuses a booster */
#define CHECK_CHUNK 65536 /* rows per XGBoost DMatrix in the check: bounds its copy */

int cls_xgb_fail(char *err, size_t errlen, const char *what)
{
	return sa_errf(-EINVAL, err, errlen, "xgboost: %s: %s", what, XGBGetLastError());
}

/* XGBoost's margins of n rows into out (n x margins). */
static int xgb_margins(BoosterHandle b, const float *rows, size_t n, size_t cols, uint32_t margins,
		       float *out, char *err, size_t errlen)
{
	static const char cfg[] = "{\"type\": 1, \"training\": false, \"iteration_begin\": 0, "
				  "\"iteration_end\": 0, \"strict_shape\": true}";
	DMatrixHandle dm;
	const bst_ulong *shape;
	bst_ulong dim;
	const float *res;

	if (XGDMatrixCreateFromMat(rows, n, cols, NAN, &dm) != 0)
		return cls_xgb_fail(err, errlen, "XGDMatrixCreateFromMat");
	if (XGBoosterPredictFromDMatrix(b, dm, cfg, &shape, &dim, &res) != 0) {
		XGDMatrixFree(dm);
		return cls_xgb_fail(err, errlen, "XGBoosterPredictFromDMatrix");
	}
	if (dim != 2 || shape[0] != n || shape[1] != margins) {
		XGDMatrixFree(dm);
		return sa_errf(-EINVAL, err, errlen, "booster predicts %llu margins per row, not %u",
			    dim == 2 ? (unsigned long long)shape[1] : 0ULL, margins);
	}
	memcpy(out, res, n * margins * sizeof(*out)); /* res belongs to the booster */
	XGDMatrixFree(dm);
	return 0;
}

/* --- parsing the dump ------------------------------------------------------ */

struct xnode {
	uint32_t yes, no, feature;
	float value;    /* threshold, or the leaf's value */
	uint8_t parsed, is_leaf, queued;
};

static const char *skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Lines (nodes) in a dump string and the largest node id, for sizing. */
static void count_lines(const char *s, uint32_t *lines, unsigned long *max_nid)
{
	for (const char *p = s; *p;) {
		p = skip_blank(p);
		if (*p != '\n' && *p != '\0') {
			unsigned long nid = strtoul(p, NULL, 10);
			*max_nid = nid > *max_nid ? nid : *max_nid;
			(*lines)++;
		}
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
	}
}

/* Reads "key=<uint>" at p; returns the end or NULL. */
static const char *read_ref(const char *p, const char *key, uint32_t *v)
{
	size_t k = strlen(key);
	char *q;
	unsigned long x;

	if (strncmp(p, key, k) != 0)
		return NULL;
	x = strtoul(p + k, &q, 10);
	if (q == p + k || x > CLS_FOREST_MAX_NODES)
		return NULL;
	*v = (uint32_t)x;
	return q;
}

/* One line at p into nodes[] (n_ids long); returns the next line or NULL. */
static const char *parse_line(const char *p, struct xnode *nodes, uint32_t n_ids)
{
	unsigned long nid;
	struct xnode *x;
	char *q;

	nid = strtoul(p, &q, 10);
	if (q == p || *q != ':' || nid >= n_ids)
		return NULL;
	x = &nodes[nid];
	if (x->parsed)
		return NULL;
	p = q + 1;
	if (strncmp(p, "leaf=", 5) == 0) {
		x->value = strtof(p + 5, &q);
		if (q == p + 5)
			return NULL;
		x->is_leaf = 1;
	} else if (strncmp(p, "[f", 2) == 0) {
		unsigned long feat = strtoul(p + 2, &q, 10);
		if (q == p + 2 || *q != '<' || feat >= UINT32_MAX)
			return NULL;
		x->feature = (uint32_t)feat;
		p = q + 1;
		x->value = strtof(p, &q);
		if (q == p || *q != ']')
			return NULL;
		p = read_ref(q + 1, " yes=", &x->yes);
		p = p ? read_ref(p, ",no=", &x->no) : NULL;
		if (p == NULL)
			return NULL;
		q = (char *)p;
	} else {
		return NULL; /* categorical or indicator splits */
	}
	x->parsed = 1;
	q += strcspn(q, "\n"); /* ",missing=..." */
	return *q ? q + 1 : q;
}

/* Tree t's dump into nodes from f->n_nodes on, breadth-first. nodes and
 * queue are scratch of n_ids entries. */
static int add_tree(struct cls_forest *f, uint32_t t, const char *s, struct xnode *nodes,
		    uint32_t *queue, uint32_t n_ids, uint32_t cap, char *err, size_t errlen)
{
	uint32_t base = f->n_nodes, head = 0, tail = 1;

	memset(nodes, 0, n_ids * sizeof(*nodes));
	for (const char *p = s; *(p = skip_blank(p));) {
		if (*p == '\n') {
			p++;
			continue;
		}
		const char *next = parse_line(p, nodes, n_ids);
		if (next == NULL)
			return sa_errf(-EINVAL, err, errlen, "tree %u: unsupported dump line \"%.60s\"", t, p);
		p = next;
	}
	if (n_ids == 0 || !nodes[0].parsed)
		return sa_errf(-EINVAL, err, errlen, "tree %u: no root", t);
	f->tree_start[t] = base;
	queue[0] = 0;
	nodes[0].queued = 1;
	/* A node's position is base + its place in the queue: children are
	 * queued together, so they land side by side. */
	while (head < tail) {
		uint32_t pos = base + head;
		struct xnode *x = &nodes[queue[head++]];

		if (pos >= cap)
			return sa_errf(-EINVAL, err, errlen, "more nodes than the dump has lines");
		if (x->is_leaf) {
			f->child[pos] = pos;
			f->leaf[pos] = x->value;
			f->threshold[pos] = NAN; /* never >=: the leaf keeps its row */
			f->feature[pos] = 0;
			continue;
		}
		if (x->yes >= n_ids || x->no >= n_ids || !nodes[x->yes].parsed ||
		    !nodes[x->no].parsed || nodes[x->yes].queued || nodes[x->no].queued ||
		    x->yes == x->no)
			return sa_errf(-EINVAL, err, errlen, "tree %u: a node's children are missing or shared", t);
		f->child[pos] = base + tail;
		f->feature[pos] = x->feature;
		f->threshold[pos] = x->value;
		f->leaf[pos] = 0.0f;
		queue[tail++] = x->yes;
		queue[tail++] = x->no;
		nodes[x->yes].queued = nodes[x->no].queued = 1;
	}
	f->n_nodes = base + tail;
	return 0;
}

/* Dump tree feeding our tree t: round r, class g, parallel tree p. */
static uint32_t source_tree(uint32_t t, uint32_t k, uint32_t npt)
{
	uint32_t per_round = k * npt, r = t / per_round, w = t % per_round;

	return r * per_round + (w % k) * npt + w / k;
}

/* --- the base margin -------------------------------------------------------- */

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

/* Rows at and just below the forest's own thresholds, so that probes go
 * down many paths; row 0 stays zero. */
static void probe_rows(const struct cls_forest *f, float *x, size_t cols)
{
	uint64_t s = 42;

	memset(x, 0, PROBE_ROWS * cols * sizeof(*x));
	for (size_t r = 1; r < PROBE_ROWS; r++)
		for (uint32_t i = 0; i < f->n_nodes; i++) {
			if (f->child[i] == i || lcg(&s) % 3 != 0)
				continue;
			float t = f->threshold[i];
			x[r * cols + f->feature[i]] = lcg(&s) & 1 ? t : nextafterf(t, -INFINITY);
		}
}

static float step_ulps(float v, int k)
{
	for (; k > 0; k--)
		v = nextafterf(v, INFINITY);
	for (; k < 0; k++)
		v = nextafterf(v, -INFINITY);
	return v;
}

/* Sets f->base_margin from XGBoost's margins xm of the probe rows x. */
static int fit_base(struct cls_forest *f, const float *x, size_t cols, const float *xm, char *err,
		    size_t errlen)
{
	uint32_t nm = f->margins;
	float *ours = malloc(PROBE_ROWS * nm * sizeof(*ours));
	float *est = malloc(nm * sizeof(*est));
	unsigned *best_hits = calloc(nm, sizeof(*best_hits));
	double *best_err = malloc(nm * sizeof(*best_err));
	float *best = malloc(nm * sizeof(*best));
	int rc = 0;

	if (!ours || !est || !best_hits || !best_err || !best) {
		rc = sa_errf(-ENOMEM, err, errlen, "out of memory");
		goto out;
	}
	memset(f->base_margin, 0, nm * sizeof(*f->base_margin));
	cls_forest_margins(f, x, PROBE_ROWS, cols, ours);
	for (uint32_t m = 0; m < nm; m++) {
		double sum = 0.0;
		for (size_t r = 0; r < PROBE_ROWS; r++)
			sum += (double)xm[r * nm + m] - ours[r * nm + m];
		est[m] = (float)(sum / PROBE_ROWS);
		best_err[m] = INFINITY;
	}
	/* Offsets 0, -1, 1, -2, ...: the estimate wins ties. */
	for (int j = 0; j <= 2 * PROBE_ULPS; j++) {
		int k = j % 2 ? -(j + 1) / 2 : j / 2;
		for (uint32_t m = 0; m < nm; m++)
			f->base_margin[m] = step_ulps(est[m], k);
		cls_forest_margins(f, x, PROBE_ROWS, cols, ours);
		for (uint32_t m = 0; m < nm; m++) {
			unsigned hits = 0;
			double e = 0.0;
			for (size_t r = 0; r < PROBE_ROWS; r++) {
				double a = ours[r * nm + m], b = xm[r * nm + m];
				hits += a == b;
				e = fmax(e, fabs(a - b) / fmax(1.0, fabs(b)));
			}
			if (hits > best_hits[m] || (hits == best_hits[m] && e < best_err[m])) {
				best_hits[m] = hits;
				best_err[m] = e;
				best[m] = f->base_margin[m];
			}
		}
	}
	for (uint32_t m = 0; m < nm; m++) {
		if (!(best_err[m] <= PROBE_TOL)) {
			rc = sa_errf(-EINVAL, err, errlen,
				  "margin %u differs from XGBoost's by %.3g on probe rows "
				  "(dart, categorical splits or an unsupported objective?)",
				  m, best_err[m]);
			goto out;
		}
		f->base_margin[m] = best[m];
	}
out:
	free(ours);
	free(est);
	free(best_hits);
	free(best_err);
	free(best);
	return rc;
}

/* --- entry points ------------------------------------------------------------ */

int cls_forest_from_booster(BoosterHandle b, unsigned margins, struct cls_forest *f, char *err,
			    size_t errlen)
{
	struct cls_forest g = {0};
	const char **dump = NULL;
	bst_ulong n_dump = 0, n_feat = 0;
	struct xnode *nodes = NULL;
	uint32_t *queue = NULL, lines = 0, n_ids, npt = 1;
	unsigned long max_nid = 0;
	float *probe = NULL, *xm = NULL;
	int rounds = 0, rc;

	if (margins < 1 || margins > CLS_FOREST_MAX_MARGINS)
		return sa_errf(-EINVAL, err, errlen, "margins %u, not 1..%u", margins,
			    CLS_FOREST_MAX_MARGINS);
	if (XGBoosterGetNumFeature(b, &n_feat) != 0)
		return cls_xgb_fail(err, errlen, "XGBoosterGetNumFeature");
	if (n_feat < 1 || n_feat > UINT32_MAX)
		return sa_errf(-EINVAL, err, errlen, "booster reads %llu features",
			    (unsigned long long)n_feat);
	if (XGBoosterBoostedRounds(b, &rounds) != 0)
		return cls_xgb_fail(err, errlen, "XGBoosterBoostedRounds");
	if (XGBoosterDumpModelEx(b, "", 0, "text", &n_dump, &dump) != 0)
		return cls_xgb_fail(err, errlen, "XGBoosterDumpModelEx");
	if (n_dump < 1 || n_dump % margins != 0 || n_dump > CLS_FOREST_MAX_NODES)
		return sa_errf(-EINVAL, err, errlen, "%llu trees for %u margins (gblinear?)",
			    (unsigned long long)n_dump, margins);
	if (rounds > 0 && n_dump % ((bst_ulong)rounds * margins) == 0)
		npt = (uint32_t)(n_dump / ((bst_ulong)rounds * margins));
	else if (rounds > 0)
		return sa_errf(-EINVAL, err, errlen, "%llu trees over %d rounds of %u classes",
			    (unsigned long long)n_dump, rounds, margins);

	for (bst_ulong t = 0; t < n_dump; t++)
		count_lines(dump[t], &lines, &max_nid);
	if (lines < n_dump || lines > CLS_FOREST_MAX_NODES || max_nid >= CLS_FOREST_MAX_NODES)
		return sa_errf(-EINVAL, err, errlen, "%u dump lines for %llu trees", lines,
			    (unsigned long long)n_dump);
	n_ids = (uint32_t)max_nid + 1;
	rc = cls_forest_alloc(&g, margins, (uint32_t)n_dump, lines);
	nodes = malloc(n_ids * sizeof(*nodes));
	queue = malloc(n_ids * sizeof(*queue));
	probe = malloc(PROBE_ROWS * n_feat * sizeof(*probe));
	xm = malloc(PROBE_ROWS * margins * sizeof(*xm));
	if (rc != 0 || !nodes || !queue || !probe || !xm) {
		rc = sa_errf(-ENOMEM, err, errlen, "out of memory");
		goto fail;
	}
	g.n_nodes = 0; /* add_tree appends */
	for (uint32_t t = 0; t < g.n_trees; t++) {
		rc = add_tree(&g, t, dump[source_tree(t, margins, npt)], nodes, queue, n_ids, lines,
			      err, errlen);
		if (rc != 0)
			goto fail;
	}
	/* Some dump lines may be unreachable: n_nodes is what was laid out. */
	rc = cls_forest_validate(&g, (uint32_t)n_feat, err, errlen);
	if (rc != 0)
		goto fail;
	probe_rows(&g, probe, n_feat);
	rc = xgb_margins(b, probe, PROBE_ROWS, n_feat, margins, xm, err, errlen);
	if (rc == 0)
		rc = fit_base(&g, probe, n_feat, xm, err, errlen);
	if (rc != 0)
		goto fail;
	free(nodes);
	free(queue);
	free(probe);
	free(xm);
	*f = g;
	return 0;
fail:
	cls_forest_free(&g);
	free(nodes);
	free(queue);
	free(probe);
	free(xm);
	return rc;
}

int cls_forest_check_booster(const struct cls_forest *f, BoosterHandle b, const float *rows,
			     size_t n, size_t cols, struct cls_booster_diff *d, char *err,
			     size_t errlen)
{
	size_t nm = f->margins, chunk = n < CHECK_CHUNK ? n : CHECK_CHUNK;
	float *ours, *theirs;
	int rc = 0;

	memset(d, 0, sizeof(*d));
	if (cols < f->n_features)
		return sa_errf(-EINVAL, err, errlen, "rows of %zu features, the forest reads %u", cols,
			    f->n_features);
	if (n == 0)
		return 0;
	ours = malloc(chunk * nm * sizeof(*ours));
	theirs = malloc(chunk * nm * sizeof(*theirs));
	if (!ours || !theirs) {
		rc = sa_errf(-ENOMEM, err, errlen, "out of memory");
		goto out;
	}
	for (size_t s = 0; s < n; s += chunk) {
		size_t k = n - s < chunk ? n - s : chunk;

		rc = xgb_margins(b, rows + s * cols, k, cols, f->margins, theirs, err, errlen);
		if (rc != 0)
			goto out;
		cls_forest_margins(f, rows + s * cols, k, cols, ours);
		for (size_t r = 0; r < k; r++) {
			const float *a = ours + r * nm, *t = theirs + r * nm;
			for (size_t m = 0; m < nm; m++) {
				double e = fabs((double)a[m] - t[m]);
				d->exact += a[m] == t[m];
				d->max_abs = fmax(d->max_abs, e);
				if (e / fmax(1.0, fabs(t[m])) > d->max_rel) {
					d->max_rel = e / fmax(1.0, fabs(t[m]));
					d->worst_row = s + r;
				}
			}
			d->class_mismatch += cls_forest_class(f->margins, a, NULL) !=
					     cls_forest_class(f->margins, t, NULL);
		}
	}
out:
	free(ours);
	free(theirs);
	return rc;
}
