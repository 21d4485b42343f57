/* cls_forest, cls_xgb_dump and sa_classifier_wire against XGBoost itself.
 *
 * Real boosters are trained here (binary:logistic and multi:softprob,
 * hist, exact and approx, one with parallel trees) on seeded synthetic
 * data, converted, and scored on held-out rows: margins must match
 * XGBoost's own (XGBoosterPredict, not the library's path) within 1e-5,
 * classes exactly, probabilities within 1e-5. Hand-made forests check the
 * layout rules with margins worked out by hand, and every refusal of the
 * wire decoder with its reason. A timing line (not a check) reports rows/s
 * for 100 trees of depth 6 on 60 features.
 *
 * test_cls_forest --seeds DIR writes fuzz seeds (a feature-count byte,
 * then a packed TreeEnsemble) for tests/fuzz/fuzz_forest.c. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, mkdir */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <xgboost/c_api.h>

#include "check.h"
#include "cls_forest.h"
#include "cls_xgb_dump.h"
#include "sa_classifier_wire.h"

#define XGB(call)                                                                      \
	do {                                                                           \
		if ((call) != 0) {                                                     \
			fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,  \
				XGBGetLastError());                                    \
			exit(2);                                                       \
		}                                                                      \
	} while (0)

/* --- data and boosters ---------------------------------------------------------- */

static float unif(void)
{
	return (float)((check_rand() >> 11) * 0x1.0p-53);
}

/* n rows of nf features: even columns uniform in [-3, 3], odd columns
 * small integers (0..7), so rows often sit exactly on a threshold. Labels
 * from a nonlinear rule with noise, k classes (k = 2 for binary). */
static void make_data(size_t n, size_t nf, unsigned k, float *x, float *y)
{
	for (size_t r = 0; r < n; r++) {
		float *v = x + r * nf;
		for (size_t j = 0; j < nf; j++)
			v[j] = j % 2 ? (float)(check_rand() % 8) : 6.0f * unif() - 3.0f;
		double s = v[0] * v[2] - v[1] * 0.5 + (v[3] > 3.5f) * 2.0 + 0.5 * (unif() - 0.5);
		if (k == 2)
			y[r] = s > 0.0;
		else
			y[r] = (float)(s < -1.0 ? 0 : s < 1.0 ? 1 : 2);
	}
}

struct param {
	const char *key, *val;
};

static BoosterHandle train(const float *x, const float *y, size_t n, size_t nf, unsigned rounds,
			   const struct param *p)
{
	DMatrixHandle d;
	BoosterHandle b;

	XGB(XGDMatrixCreateFromMat(x, n, nf, NAN, &d));
	XGB(XGDMatrixSetFloatInfo(d, "label", y, n));
	XGB(XGBoosterCreate(&d, 1, &b));
	XGB(XGBoosterSetParam(b, "verbosity", "0"));
	XGB(XGBoosterSetParam(b, "seed", "7"));
	for (; p->key; p++)
		XGB(XGBoosterSetParam(b, p->key, p->val));
	for (unsigned i = 0; i < rounds; i++)
		XGB(XGBoosterUpdateOneIter(b, (int)i, d));
	XGB(XGDMatrixFree(d));
	return b;
}

/* XGBoost's margins (mask 1) or transformed predictions (mask 0), by the
 * old DMatrix path: independent of the library's. */
static void xgb_predict(BoosterHandle b, const float *x, size_t n, size_t nf, int mask, float *out,
			size_t per_row)
{
	DMatrixHandle d;
	bst_ulong len;
	const float *res;

	XGB(XGDMatrixCreateFromMat(x, n, nf, NAN, &d));
	XGB(XGBoosterPredict(b, d, mask, 0, 0, &len, &res));
	if (len != n * per_row) {
		fprintf(stderr, "XGBoost gave %llu values for %zu rows\n", (unsigned long long)len, n);
		exit(2);
	}
	memcpy(out, res, len * sizeof(*out));
	XGB(XGDMatrixFree(d));
}

/* Puts every internal node's threshold (exactly) into some held-out row:
 * the x == threshold case must go right, as in XGBoost. */
static void on_thresholds(const struct cls_forest *f, float *x, size_t n, size_t nf)
{
	for (uint32_t i = 0; i < f->n_nodes; i++)
		if (f->child[i] != i)
			x[(check_rand() % n) * nf + f->feature[i]] = f->threshold[i];
}

static uint32_t argmax(const float *v, unsigned k)
{
	uint32_t best = 0;

	if (k == 1)
		return v[0] >= 0.0f;
	for (unsigned j = 1; j < k; j++)
		if (v[j] > v[best])
			best = j;
	return best;
}

/* Forest -> TreeEnsemble -> bytes -> TreeEnsemble -> forest. */
static int wire_round_trip(const struct cls_forest *f, uint32_t n_avail, struct cls_forest *g,
			   size_t *bytes)
{
	Sa__TreeEnsemble m;
	char err[200];
	int rc;

	if (sa_forest_pack(f, &m) != 0)
		return -1;
	size_t len = sa__tree_ensemble__get_packed_size(&m);
	uint8_t *buf = malloc(len);
	sa__tree_ensemble__pack(&m, buf);
	Sa__TreeEnsemble *u = sa__tree_ensemble__unpack(NULL, len, buf);
	free(buf);
	if (u == NULL)
		return -1;
	rc = sa_forest_unpack(u, n_avail, g, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "round trip refused: %s\n", err);
	sa__tree_ensemble__free_unpacked(u, NULL);
	*bytes = len;
	return rc;
}

struct xcase {
	const char *name;
	unsigned k;      /* classes: 2 binary */
	unsigned rounds;
	const struct param *p;
};

static void xgb_case(const struct xcase *c)
{
	enum { NTRAIN = 3000, NTEST = 2000, NF = 10 };
	unsigned margins = c->k == 2 ? 1 : c->k;
	float *x = malloc(NTRAIN * NF * sizeof(*x)), *y = malloc(NTRAIN * sizeof(*y));
	float *xt = malloc(NTEST * NF * sizeof(*xt)), *yt = malloc(NTEST * sizeof(*yt));
	float *xm = malloc(NTEST * margins * sizeof(*xm)), *xp = malloc(NTEST * margins * sizeof(*xp));
	float *om = malloc(NTEST * margins * sizeof(*om)), *gm = malloc(NTEST * margins * sizeof(*gm));
	float *prob = malloc(NTEST * sizeof(*prob));
	uint32_t *cls = malloc(NTEST * sizeof(*cls));
	struct cls_forest f, g = {0};
	struct cls_booster_diff d;
	char err[200] = "";
	size_t bytes = 0;
	double max_diff = 0.0, max_pdiff = 0.0;
	unsigned exact = 0, cls_diff = 0;

	check_context = c->name;
	make_data(NTRAIN, NF, c->k, x, y);
	make_data(NTEST, NF, c->k, xt, yt);
	BoosterHandle b = train(x, y, NTRAIN, NF, c->rounds, c->p);

	int rc = cls_forest_from_booster(b, margins, &f, err, sizeof(err));
	CHECK_REPORT_(rc == 0, "cls_forest_from_booster: %d %s", rc, err);
	if (rc != 0)
		goto out;
	CHECK_EQ(f.margins, margins);
	CHECK(f.n_trees % margins == 0 && f.n_trees >= c->rounds * margins);
	CHECK(f.depth >= 1 && f.n_features <= NF);

	on_thresholds(&f, xt, NTEST, NF);
	xgb_predict(b, xt, NTEST, NF, 1, xm, margins);
	xgb_predict(b, xt, NTEST, NF, 0, xp, margins);
	cls_forest_margins(&f, xt, NTEST, NF, om);
	cls_forest_predict(&f, xt, NTEST, NF, cls, prob);
	for (size_t r = 0; r < NTEST; r++) {
		for (unsigned m = 0; m < margins; m++) {
			size_t i = r * margins + m;
			max_diff = fmax(max_diff, fabs((double)om[i] - xm[i]));
			exact += om[i] == xm[i];
		}
		uint32_t want = argmax(xm + r * margins, margins);
		cls_diff += cls[r] != want;
		/* XGBoost's probability of the class we chose. */
		double p = margins == 1 ? (cls[r] ? xp[r] : 1.0 - xp[r]) : xp[r * margins + cls[r]];
		max_pdiff = fmax(max_pdiff, fabs(p - prob[r]));
	}
	CHECK_REPORT_(max_diff < 1e-5, "max margin diff %.3g", max_diff);
	CHECK_REPORT_(cls_diff == 0, "%u classes differ", cls_diff);
	CHECK_REPORT_(max_pdiff < 1e-5, "max probability diff %.3g", max_pdiff);

	/* The library's own check agrees. */
	CHECK(cls_forest_check_booster(&f, b, xt, NTEST, NF, &d, err, sizeof(err)) == 0);
	CHECK(d.max_abs == max_diff && d.class_mismatch == 0 && d.max_rel <= d.max_abs);
	CHECK(d.exact == exact);
	CHECK(cls_forest_check_booster(&f, b, xt, NTEST, 0, &d, err, sizeof(err)) == -EINVAL);

	/* The wire keeps every bit. */
	CHECK(wire_round_trip(&f, NF, &g, &bytes) == 0);
	if (g.n_nodes) {
		CHECK_EQ(g.depth, f.depth);
		CHECK_EQ(g.n_features, f.n_features);
		cls_forest_margins(&g, xt, NTEST, NF, gm);
		CHECK(memcmp(gm, om, NTEST * margins * sizeof(*gm)) == 0);
		cls_forest_free(&g);
	}
	/* Features spread over 400 columns (past what a block copies):
	 * the in-place path, full blocks, a tail and a lone short block. */
	enum { WIDE = 40 };
	float *xw = calloc(NTEST * NF * WIDE, sizeof(*xw));
	for (size_t r = 0; r < NTEST; r++)
		for (size_t j = 0; j < NF; j++)
			xw[(r * NF + j) * WIDE] = xt[r * NF + j];
	CHECK(wire_round_trip(&f, NF * WIDE, &g, &bytes) == 0);
	for (uint32_t i = 0; i < g.n_nodes; i++)
		if (g.child[i] != i)
			g.feature[i] *= WIDE;
	if (g.n_nodes && cls_forest_validate(&g, NF * WIDE, err, sizeof(err)) == 0) {
		CHECK(g.n_features > 256);
		static const size_t nrows[] = {NTEST, NTEST - 3, 5, 1};
		for (size_t k = 0; k < 4; k++) {
			size_t off = NTEST - nrows[k];
			cls_forest_margins(&g, xw + off * NF * WIDE, nrows[k], NF * WIDE, gm);
			CHECK(memcmp(gm, om + off * margins, nrows[k] * margins * sizeof(*gm)) == 0);
		}
	}
	cls_forest_free(&g);
	free(xw);

	printf("%-28s %3u trees, %5u nodes, depth %u, %6zu wire bytes: margins %u/%u exact, "
	       "max diff %.2g\n",
	       c->name, f.n_trees, f.n_nodes, f.depth, bytes, exact, NTEST * margins, max_diff);

	/* A booster with another number of margins is refused. */
	rc = cls_forest_from_booster(b, margins == 1 ? 3 : 1, &g, err, sizeof(err));
	CHECK(rc == -EINVAL);
	cls_forest_free(&f);
out:
	XGB(XGBoosterFree(b));
	free(x), free(y), free(xt), free(yt), free(xm), free(xp), free(om), free(gm);
	free(prob), free(cls);
}

static const struct param p_bin_hist[] = {
	{"objective", "binary:logistic"}, {"tree_method", "hist"}, {"max_depth", "5"},
	{"eta", "0.3"}, {"nthread", "2"}, {NULL, NULL}};
static const struct param p_bin_exact[] = {
	{"objective", "binary:logistic"}, {"tree_method", "exact"}, {"max_depth", "4"},
	{"base_score", "0.3"}, {"eta", "0.5"}, {"nthread", "2"}, {NULL, NULL}};
static const struct param p_multi_hist[] = {
	{"objective", "multi:softprob"}, {"num_class", "3"}, {"tree_method", "hist"},
	{"max_depth", "6"}, {"eta", "0.3"}, {"nthread", "2"}, {NULL, NULL}};
static const struct param p_multi_forest[] = {
	{"objective", "multi:softprob"}, {"num_class", "3"}, {"tree_method", "approx"},
	{"max_depth", "4"}, {"num_parallel_tree", "3"}, {"subsample", "0.8"},
	{"colsample_bynode", "0.8"}, {"base_score", "0.2"}, {"nthread", "2"}, {NULL, NULL}};

static const struct xcase cases[] = {
	{"binary hist depth 5", 2, 20, p_bin_hist},
	{"binary exact base 0.3", 2, 20, p_bin_exact},
	{"softprob 3 hist depth 6", 3, 20, p_multi_hist},
	{"softprob 3 x3 parallel", 3, 8, p_multi_forest},
};

/* --- hand-made forests ------------------------------------------------------------ */

/* Two stumps over two features, margins 1:
 *   tree 0: node 0 x0 < 0.5 ? node 1 (leaf 1) : node 2 (leaf 2)
 *   tree 1: node 3 x1 < 1   ? node 4 (leaf 10) : node 5 (leaf 20)
 * plus base 0.25. The "leaf" slots of internal nodes and the thresholds
 * and features of leaves hold junk the decoder must ignore. */
static uint32_t h_start[2], h_feat[6], h_child[6];
static float h_thr[6], h_leaf[6], h_base[3];

static void hand(Sa__TreeEnsemble *m)
{
	static const uint32_t start[] = {0, 3};
	static const uint32_t feat[] = {0, 9, 9, 1, 9, 9};
	static const uint32_t child[] = {1, 1, 2, 4, 4, 5};
	static const float thr[] = {0.5f, -1.0f, NAN, 1.0f, 0.0f, -INFINITY};
	static const float leaf[] = {NAN, 1.0f, 2.0f, 7.0f, 10.0f, 20.0f};

	memcpy(h_start, start, sizeof(start));
	memcpy(h_feat, feat, sizeof(feat));
	memcpy(h_child, child, sizeof(child));
	memcpy(h_thr, thr, sizeof(thr));
	memcpy(h_leaf, leaf, sizeof(leaf));
	h_base[0] = 0.25f;
	sa__tree_ensemble__init(m);
	m->has_margins = m->has_depth = 1;
	m->margins = 1;
	m->depth = 1;
	m->n_tree_start = 2;
	m->tree_start = h_start;
	m->n_feature = m->n_threshold = m->n_child = m->n_leaf = 6;
	m->feature = h_feat;
	m->threshold = h_thr;
	m->child = h_child;
	m->leaf = h_leaf;
	m->n_base_margin = 1;
	m->base_margin = h_base;
}

static void test_hand(void)
{
	Sa__TreeEnsemble m;
	struct cls_forest f;
	char err[200];
	/* x0 below, at and above 0.5; x1 below, at, above 1. */
	static const float rows[] = {0.2f, 0.5f, 0.5f, 1.0f, 0.7f, 3.0f, -1e30f, -5.0f, 0.49999997f, 0.99999994f};
	/* base + tree 0 + tree 1: 0.25+1+10, 0.25+2+20, 0.25+2+20, 0.25+1+10, 0.25+1+10 */
	static const float want[] = {11.25f, 22.25f, 22.25f, 11.25f, 11.25f};
	float out[5];
	uint32_t cls[5];
	float prob[5];

	check_context = "hand";
	hand(&m);
	CHECK(sa_forest_unpack(&m, 2, &f, err, sizeof(err)) == 0);
	CHECK_EQ(f.depth, 1);
	CHECK_EQ(f.n_features, 2);
	CHECK(isnan(f.threshold[1]) && isnan(f.threshold[2]) && isnan(f.threshold[5]));
	CHECK(f.feature[1] == 0 && f.feature[4] == 0 && f.leaf[0] == 0.0f);
	cls_forest_margins(&f, rows, 5, 2, out);
	for (unsigned i = 0; i < 5; i++)
		CHECK_NEAR(out[i], want[i], 0);
	/* Stride beyond the features read: same answers. */
	float wide[5 * 4];
	for (unsigned r = 0; r < 5; r++)
		for (unsigned j = 0; j < 4; j++)
			wide[r * 4 + j] = j < 2 ? rows[r * 2 + j] : NAN;
	cls_forest_margins(&f, wide, 5, 4, out);
	CHECK_NEAR(out[1], 22.25, 0);
	cls_forest_predict(&f, rows, 5, 2, cls, prob);
	CHECK(cls[0] == 1 && cls[1] == 1);
	CHECK_NEAR(prob[0], 1.0 / (1.0 + exp(-11.25)), 1e-7);
	cls_forest_free(&f);

	/* Negative base: margin -30 + 1 + 10 = -19 -> class 0, p = 1/(1+e^-19). */
	h_base[0] = -30.0f;
	m.depth = 7; /* a larger stated depth is fine; the real one is kept */
	CHECK(sa_forest_unpack(&m, 2, &f, err, sizeof(err)) == 0);
	CHECK_EQ(f.depth, 1);
	cls_forest_predict(&f, rows, 1, 2, cls, prob);
	CHECK(cls[0] == 0);
	CHECK_NEAR(prob[0], 1.0 / (1.0 + exp(-19.0)), 1e-7);
	/* Margin exactly 0 is class 1 at 0.5: base -11 + 1 + 10. */
	f.base_margin[0] = -11.0f;
	cls_forest_predict(&f, rows, 1, 2, cls, prob);
	CHECK(cls[0] == 1 && prob[0] == 0.5f);
	cls_forest_free(&f);
}

/* Softmax over 2 margins, trees 0 and 2 to margin 0, tree 1 to margin 1:
 * three single leaves (depth 0) plus an internal tree for margin 0. */
static void test_softmax(void)
{
	struct cls_forest f;
	char err[200];
	float rows[3] = {1.0f, 2.0f, 3.0f}, out[2 * 3];
	uint32_t cls[3];
	float prob[3];

	check_context = "softmax";
	CHECK(cls_forest_alloc(&f, 2, 3, 5) == 0);
	/* tree 0: leaf 1; tree 1: leaf 3; tree 2: x0 < 2 ? -1 : 4 */
	f.tree_start[0] = 0, f.tree_start[1] = 1, f.tree_start[2] = 2;
	f.child[0] = 0, f.leaf[0] = 1.0f;
	f.child[1] = 1, f.leaf[1] = 3.0f;
	f.child[2] = 3, f.feature[2] = 0, f.threshold[2] = 2.0f;
	f.child[3] = 3, f.leaf[3] = -1.0f;
	f.child[4] = 4, f.leaf[4] = 4.0f;
	f.base_margin[0] = 0.5f, f.base_margin[1] = 0.0f;
	CHECK(cls_forest_validate(&f, 1, err, sizeof(err)) == 0);
	CHECK_EQ(f.depth, 1);
	/* row 1.0: margins {0.5+1-1, 3} = {0.5, 3}; rows 2, 3: {5.5, 3}. */
	cls_forest_margins(&f, rows, 3, 1, out);
	CHECK(out[0] == 0.5f && out[1] == 3.0f && out[2] == 5.5f && out[3] == 3.0f);
	cls_forest_predict(&f, rows, 3, 1, cls, prob);
	CHECK(cls[0] == 1 && cls[1] == 0 && cls[2] == 0);
	CHECK_NEAR(prob[0], 1.0 / (1.0 + exp(-2.5)), 1e-7);
	CHECK_NEAR(prob[1], 1.0 / (1.0 + exp(-2.5)), 1e-7);
	/* Ties go to the first class; infinities stay probabilities. */
	float tie[2] = {2.0f, 2.0f}, inf[3] = {INFINITY, INFINITY, -INFINITY}, p;
	CHECK(cls_forest_class(2, tie, &p) == 0 && p == 0.5f);
	CHECK(cls_forest_class(3, inf, &p) == 0 && p == 0.5f);
	CHECK(cls_forest_class(1, inf + 2, &p) == 0 && p == 1.0f);
	cls_forest_free(&f);
}

/* Each broken message is refused with its reason, and leaves *f alone. */
static void refused(Sa__TreeEnsemble *m, uint32_t n_avail, const char *reason)
{
	struct cls_forest f;
	char err[200] = "";

	memset(&f, 0xA5, sizeof(f));
	int rc = sa_forest_unpack(m, n_avail, &f, err, sizeof(err));
	CHECK_REPORT_(rc == -EINVAL && strstr(err, reason), "want \"%s\", got %d \"%s\"", reason, rc,
		      err);
	const unsigned char *b = (const unsigned char *)&f;
	size_t untouched = 0;
	for (size_t i = 0; i < sizeof(f); i++)
		untouched += b[i] == 0xA5;
	CHECK(untouched == sizeof(f));
	if (rc == 0)
		cls_forest_free(&f);
}

static void test_refused(void)
{
	Sa__TreeEnsemble m;

	check_context = "refused";
	hand(&m);
	refused(&m, 1, "feature 1, only 1 available");
	refused(&m, 0, "no features available");
	hand(&m), h_child[5] = 3; /* node 5 back to node 3 (3 and 4 are in its tree) */
	refused(&m, 2, "before its parent (a cycle)");
	hand(&m), h_child[3] = 3 + 2; /* children 5 and 6: 6 is past the tree */
	refused(&m, 2, "outside the tree");
	hand(&m), h_child[0] = 4; /* into the next tree */
	refused(&m, 2, "outside the tree");
	hand(&m), h_child[0] = 0xFFFFFFFFu; /* child + 1 wraps */
	refused(&m, 2, "outside the tree");
	hand(&m), h_feat[3] = 1000;
	refused(&m, 2, "feature 1000, only 2 available");
	hand(&m), h_leaf[4] = NAN;
	refused(&m, 2, "non-finite leaf");
	hand(&m), h_leaf[2] = INFINITY;
	refused(&m, 2, "non-finite leaf");
	hand(&m), h_thr[0] = NAN;
	refused(&m, 2, "non-finite threshold");
	hand(&m), h_base[0] = INFINITY;
	refused(&m, 2, "non-finite base margin");
	hand(&m), m.n_leaf = 5;
	refused(&m, 2, "array lengths disagree");
	hand(&m), m.n_feature = 7;
	refused(&m, 2, "array lengths disagree");
	hand(&m), m.n_base_margin = 0;
	refused(&m, 2, "base margins for 1 margins");
	hand(&m), m.margins = 0;
	refused(&m, 2, "margins must be 1..256");
	hand(&m), m.margins = 257;
	refused(&m, 2, "margins must be 1..256");
	hand(&m), m.has_margins = 0;
	refused(&m, 2, "margins must be 1..256");
	hand(&m), m.n_tree_start = 0;
	refused(&m, 2, "no trees");
	hand(&m), h_start[1] = 0;
	refused(&m, 2, "not after tree 0");
	hand(&m), h_start[1] = 6;
	refused(&m, 2, "past 6 nodes");
	hand(&m), h_start[0] = 1;
	refused(&m, 2, "the first tree starts at node 1");
	hand(&m), m.depth = 0;
	refused(&m, 2, "stated depth 0, but a tree is 1 deep");
	hand(&m), m.has_depth = 0;
	refused(&m, 2, "no depth stated");
	hand(&m), m.n_feature = m.n_threshold = m.n_child = m.n_leaf = (size_t)CLS_FOREST_MAX_NODES + 1;
	refused(&m, 2, "nodes, at most");

	/* A chain deeper than the cap: node i goes to i + 1 (i + 2 a leaf). */
	enum { N = 2 * (CLS_FOREST_MAX_DEPTH + 1) + 1 };
	static uint32_t cf[N], cc[N], cs[1];
	static float ct[N], cl[N];
	hand(&m);
	for (uint32_t i = 0; i < N; i++)
		cc[i] = i % 2 == 0 && i + 2 < N ? i + 1 : i;
	m.n_feature = m.n_threshold = m.n_child = m.n_leaf = N;
	m.feature = cf, m.threshold = ct, m.child = cc, m.leaf = cl;
	m.n_tree_start = 1, m.tree_start = cs, m.depth = 1000;
	refused(&m, 2, "deeper than 64");
}

/* --- timing -------------------------------------------------------------------------- */

/* CPU time, not wall time: on a shared machine a descheduled thread
 * would count against us. Process time covers XGBoost's OpenMP workers. */
static double now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* 100 trees of depth 6 on 60 features: the size of the flow classifier.
 * Prints rows/s on one core; a number for the report, not a check. */
static void timing(void)
{
	enum { NTRAIN = 20000, NF = 60, NROWS = 100000, REPS = 5 };
	static const struct param p[] = {
		{"objective", "binary:logistic"}, {"tree_method", "hist"}, {"max_depth", "6"},
		{"eta", "0.1"}, {"nthread", "2"}, {NULL, NULL}};
	float *x = malloc(NTRAIN * NF * sizeof(*x)), *y = malloc(NTRAIN * sizeof(*y));
	float *xt = malloc((size_t)NROWS * NF * sizeof(*xt)), *yt = malloc(NROWS * sizeof(*yt));
	float *om = malloc(NROWS * sizeof(*om)), *xm = malloc(NROWS * sizeof(*xm));
	uint32_t *cls = malloc(NROWS * sizeof(*cls));
	struct cls_forest f;
	char err[200];
	double best = INFINITY, t, max_diff = 0.0;

	check_context = "timing";
	make_data(NTRAIN, NF, 2, x, y);
	make_data(NROWS, NF, 2, xt, yt);
	BoosterHandle b = train(x, y, NTRAIN, NF, 100, p);
	CHECK(cls_forest_from_booster(b, 1, &f, err, sizeof(err)) == 0);
	if (f.n_nodes == 0)
		goto out;
	for (int i = 0; i < REPS; i++) {
		t = now(CLOCK_THREAD_CPUTIME_ID);
		cls_forest_predict(&f, xt, NROWS, NF, cls, om);
		best = fmin(best, now(CLOCK_THREAD_CPUTIME_ID) - t);
	}
	/* Margins agree with XGBoost here too. */
	cls_forest_margins(&f, xt, NROWS, NF, om);
	XGB(XGBoosterSetParam(b, "nthread", "1"));
	t = now(CLOCK_PROCESS_CPUTIME_ID);
	xgb_predict(b, xt, NROWS, NF, 1, xm, 1);
	t = now(CLOCK_PROCESS_CPUTIME_ID) - t;
	for (size_t r = 0; r < NROWS; r++)
		max_diff = fmax(max_diff, fabs((double)om[r] - xm[r]));
	CHECK_REPORT_(max_diff < 1e-5, "max margin diff %.3g", max_diff);
	printf("timing: %u trees, depth %u, %u nodes, %d features: %.2f M rows/s on one core "
	       "(%.0f ns/row, CPU time; XGBoost 1 thread: %.2f M rows/s)\n",
	       f.n_trees, f.depth, f.n_nodes, NF, NROWS / best * 1e-6, best / NROWS * 1e9,
	       NROWS / t * 1e-6);
	cls_forest_free(&f);
out:
	XGB(XGBoosterFree(b));
	free(x), free(y), free(xt), free(yt), free(om), free(xm), free(cls);
}

/* --- fuzz seeds --------------------------------------------------------------------- */

static void write_seed(const char *dir, const char *name, uint8_t n_avail,
		       const Sa__TreeEnsemble *m)
{
	char path[4096];
	size_t len = sa__tree_ensemble__get_packed_size(m);
	uint8_t *buf = malloc(len + 1);
	FILE *fp;

	buf[0] = n_avail;
	sa__tree_ensemble__pack(m, buf + 1);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	CHECK_REPORT_(fp && fwrite(buf, 1, len + 1, fp) == len + 1 && fclose(fp) == 0, "write %s",
		      path);
	free(buf);
}

static int seeds(const char *dir)
{
	enum { N = 500, NF = 10 };
	float *x = malloc(N * NF * sizeof(*x)), *y = malloc(N * sizeof(*y));
	struct cls_forest f;
	Sa__TreeEnsemble m;
	char err[200];

	check_context = "seeds";
	mkdir(dir, 0755); /* may exist */
	hand(&m);
	write_seed(dir, "hand", 2, &m);
	for (unsigned k = 2; k <= 3; k++) {
		make_data(N, NF, k, x, y);
		BoosterHandle b = train(x, y, N, NF, 4, k == 2 ? p_bin_hist : p_multi_hist);
		if (cls_forest_from_booster(b, k == 2 ? 1 : 3, &f, err, sizeof(err)) == 0) {
			sa_forest_pack(&f, &m);
			write_seed(dir, k == 2 ? "binary" : "softprob3", NF, &m);
			cls_forest_free(&f);
		} else {
			CHECK_REPORT_(0, "%s", err);
		}
		XGB(XGBoosterFree(b));
	}
	free(x), free(y);
	return check_summary();
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
		return seeds(argv[2]);
	check_rand_seed(20240611);
	test_hand();
	test_softmax();
	test_refused();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		xgb_case(&cases[i]);
	timing();
	return check_summary();
}
