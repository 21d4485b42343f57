/* cls_explore and svg_plot: statistics, correlation and PCA on tables
 * small enough to work out by hand (the expected values are derived in
 * the comments), a larger seeded table against the textbook formulas
 * computed here, the text report, and the SVG files parsed back. The
 * tables are filled by hand: this test needs no cls_table.c. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cls_explore.h"
#include "svg_plot.h"

#define TOL 1e-12

static char dir[] = "/tmp/test_cls_explore.XXXXXX";

/* A table over caller-owned arrays (the struct does not own them here). */
static struct cls_table table(size_t rows, size_t cols, float *x, uint32_t *y, const char **names,
			      const char **classes, size_t n_classes)
{
	return (struct cls_table){
		.rows = rows, .cols = cols, .x = x, .y = y, .names = (char **)names,
		.classes = (char **)classes, .n_classes = n_classes, .cap = rows,
	};
}

/* Every double the result stores is finite. */
static int all_finite(const struct cls_explore *e)
{
	size_t p = e->cols;
	for (size_t k = 0; k <= e->n_classes; k++)
		for (size_t j = 0; j < p; j++) {
			const struct cls_feat_stats *s = k < e->n_classes ? &e->by_class[k * p + j] : &e->all[j];
			double v[] = {s->mean, s->std, s->min, s->p25, s->median, s->p75, s->max,
				      s->whisker_lo, s->whisker_hi};
			for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
				if (!isfinite(v[i]))
					return 0;
		}
	for (size_t i = 0; i < p; i++) {
		if (!isfinite(e->eta2[i]) || !isfinite(e->eigval[i]) || !isfinite(e->evr[i]) ||
		    !isfinite(e->cum[i]))
			return 0;
		for (size_t j = 0; j < p; j++)
			if (!isfinite(e->corr[i * p + j]) || !isfinite(e->loadings[i * p + j]))
				return 0;
	}
	return 1;
}

/* --- statistics -------------------------------------------------------------- */

static void test_stats(void)
{
	check_context = "stats";
	/* col 0: 1..10 shuffled plus a NaN; col 1: {1,2,3,4,100} and NaN/Inf
	 * padding; col 2: all NaN. One class. */
	float x[12 * 3];
	static const float c0[12] = {7, 3, NAN, 10, 1, 5, 9, 2, 8, 4, 6, NAN};
	static const float c1[12] = {100, NAN, 1, INFINITY, 3, NAN, 2, -INFINITY, 4, NAN, NAN, NAN};
	uint32_t y[12] = {0};
	const char *names[] = {"seq", "spiky", "empty"}, *classes[] = {"only"};
	for (int r = 0; r < 12; r++) {
		x[r * 3] = c0[r];
		x[r * 3 + 1] = c1[r];
		x[r * 3 + 2] = NAN;
	}
	struct cls_table t = table(12, 3, x, y, names, classes, 1);
	struct cls_explore e;
	CHECK_EQ(cls_explore_run(&t, NULL, &e), 0);
	const struct cls_feat_stats *s = &e.all[0];
	/* 1..10: mean 5.5, sum of squared deviations 82.5, var 82.5/9;
	 * h = 9p: p25 at 2.25 -> 3.25, median 5.5, p75 at 6.75 -> 7.75 */
	CHECK_U(s->count, 10);
	CHECK_U(s->missing, 2);
	CHECK_NEAR(s->mean, 5.5, TOL);
	CHECK_NEAR(s->std, sqrt(82.5 / 9), TOL);
	CHECK_NEAR(s->min, 1, 0);
	CHECK_NEAR(s->p25, 3.25, TOL);
	CHECK_NEAR(s->median, 5.5, TOL);
	CHECK_NEAR(s->p75, 7.75, TOL);
	CHECK_NEAR(s->max, 10, 0);
	CHECK_U(s->outliers, 0);
	CHECK_NEAR(s->whisker_lo, 1, 0);
	CHECK_NEAR(s->whisker_hi, 10, 0);
	/* {1,2,3,4,100}; Inf counts as missing: Q1 2, median 3, Q3 4, IQR 2;
	 * far fences -4 and 10 leave 100 out; box fences -1 and 7: whiskers
	 * 1 and 4. mean 22, deviations -21 -20 -19 -18 78: var 7610/4. */
	s = &e.all[1];
	CHECK_U(s->count, 5);
	CHECK_U(s->missing, 7);
	CHECK_NEAR(s->mean, 22, TOL);
	CHECK_NEAR(s->std, sqrt(7610.0 / 4), TOL);
	CHECK_NEAR(s->p25, 2, TOL);
	CHECK_NEAR(s->median, 3, TOL);
	CHECK_NEAR(s->p75, 4, TOL);
	CHECK_U(s->outliers, 1);
	CHECK_NEAR(s->whisker_lo, 1, 0);
	CHECK_NEAR(s->whisker_hi, 4, 0);
	/* nothing finite: zeros, not NaN */
	s = &e.all[2];
	CHECK_U(s->count, 0);
	CHECK_U(s->missing, 12);
	CHECK(s->mean == 0 && s->std == 0 && s->p25 == 0 && s->max == 0);
	CHECK(all_finite(&e));
	/* the same for the one class */
	CHECK_NEAR(e.by_class[0].p75, 7.75, TOL);
	CHECK_U(e.by_class[1].outliers, 1);
	CHECK(e.corr[0 * 3 + 2] == 0 && e.corr[2 * 3 + 2] == 1);
	cls_explore_free(&e);
	CHECK(e.all == NULL);
}

static void test_classes(void)
{
	check_context = "classes";
	/* 1..6 alternating between two classes: {1,3,5} mean 3 sd 2 (p25 at
	 * h = 0.5: 2), {2,4,6} mean 4. eta2 = SSB / (SSB + SSW) with SSB =
	 * 3 (0.5^2) * 2 = 1.5 and SSW = 2 * 4 * 2 = 16: 1.5 / 17.5. The
	 * second column equals the class: eta2 1. */
	float x[12] = {1, 0, 2, 1, 3, 0, 4, 1, 5, 0, 6, 1};
	uint32_t y[6] = {0, 1, 0, 1, 0, 1};
	const char *names[] = {"v", "label_copy"}, *classes[] = {"odd", "even", "unused"};
	struct cls_table t = table(6, 2, x, y, names, classes, 3);
	struct cls_explore e;
	CHECK_EQ(cls_explore_run(&t, NULL, &e), 0);
	CHECK_U(e.class_rows[0], 3);
	CHECK_U(e.class_rows[2], 0);
	CHECK_NEAR(e.by_class[0].mean, 3, TOL);
	CHECK_NEAR(e.by_class[0].std, 2, TOL);
	CHECK_NEAR(e.by_class[0].p25, 2, TOL);
	CHECK_NEAR(e.by_class[1 * 2].mean, 4, TOL);
	CHECK_NEAR(e.by_class[1 * 2].median, 4, TOL);
	CHECK_U(e.by_class[2 * 2].count, 0);
	CHECK_NEAR(e.eta2[0], 1.5 / 17.5, TOL);
	CHECK_NEAR(e.eta2[1], 1.0, TOL);
	/* ranked by eta2: the label copy first */
	CHECK_U(e.rank[0], 1);
	CHECK_U(e.rank[1], 0);
	CHECK(all_finite(&e));
	cls_explore_free(&e);

	/* importance given: it ranks, not eta2 */
	double imp[2] = {5.0, 1.0};
	struct cls_explore_opts o = {.importance = imp};
	CHECK_EQ(cls_explore_run(&t, &o, &e), 0);
	CHECK_U(e.rank[0], 0);
	cls_explore_free(&e);

	/* misuse */
	y[3] = 3;
	CHECK_EQ(cls_explore_run(&t, NULL, &e), -EINVAL);
	y[3] = 1;
	t.cols = 0;
	CHECK_EQ(cls_explore_run(&t, NULL, &e), -EINVAL);
	/* no rows: everything 0, nothing NaN */
	t.cols = 2;
	t.rows = 0;
	CHECK_EQ(cls_explore_run(&t, NULL, &e), 0);
	CHECK(all_finite(&e));
	CHECK_U(e.n_pca, 0);
	CHECK_U(e.n90, 0);
	CHECK(e.corr[1] == 0 && e.corr[0] == 1);
	cls_explore_free(&e);
}

/* --- correlation ----------------------------------------------------------- */

/* The textbook r over the rows where both are finite (two-pass). */
static double naive_r(const float *x, size_t rows, size_t cols, size_t a, size_t b)
{
	double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
	size_t n = 0;
	for (size_t r = 0; r < rows; r++)
		if (isfinite(x[r * cols + a]) && isfinite(x[r * cols + b])) {
			ma += x[r * cols + a];
			mb += x[r * cols + b];
			n++;
		}
	if (n < 2)
		return 0;
	ma /= n;
	mb /= n;
	for (size_t r = 0; r < rows; r++)
		if (isfinite(x[r * cols + a]) && isfinite(x[r * cols + b])) {
			double u = x[r * cols + a] - ma, v = x[r * cols + b] - mb;
			saa += u * u;
			sbb += v * v;
			sab += u * v;
		}
	return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0;
}

static void test_corr(void)
{
	check_context = "corr";
	/* x = 0..9, 2x+1, -x, 7, 3x-2 with a NaN (pairwise: still exact), and
	 * w, unrelated and with NaNs of its own. */
	enum { R = 10, C = 6 };
	static const float w[R] = {5, NAN, 1, 8, 3, 9, 2, 7, NAN, 4};
	float x[R * C];
	uint32_t y[R] = {0};
	const char *names[C] = {"x", "2x+1", "-x", "seven", "3x-2", "w"}, *classes[] = {"c"};
	for (int r = 0; r < R; r++) {
		float *row = x + r * C;
		row[0] = r;
		row[1] = 2 * r + 1;
		row[2] = -r;
		row[3] = 7;
		row[4] = r == 4 ? NAN : 3 * r - 2;
		row[5] = w[r];
	}
	struct cls_table t = table(R, C, x, y, names, classes, 1);
	struct cls_explore e;
	CHECK_EQ(cls_explore_run(&t, NULL, &e), 0);
	CHECK_NEAR(e.corr[0 * C + 1], 1, TOL);
	CHECK_NEAR(e.corr[0 * C + 2], -1, TOL);
	CHECK_NEAR(e.corr[1 * C + 2], -1, TOL);
	CHECK_NEAR(e.corr[0 * C + 4], 1, TOL);
	CHECK_NEAR(e.corr[4 * C + 2], -1, TOL);
	for (int j = 0; j < C; j++) {
		CHECK(e.corr[j * C + j] == 1);
		CHECK(j == 3 || e.corr[3 * C + j] == 0); /* constant: 0, not NaN */
		CHECK(j == 3 || e.corr[j * C + 3] == 0);
		for (int i = 0; i < C; i++)
			CHECK_NEAR(e.corr[i * C + j], e.corr[j * C + i], 0);
	}
	CHECK_NEAR(e.corr[0 * C + 5], naive_r(x, R, C, 0, 5), TOL);
	CHECK_NEAR(e.corr[4 * C + 5], naive_r(x, R, C, 4, 5), TOL);
	CHECK(fabs(e.corr[0 * C + 5]) < 0.95);
	/* the pairs among x, 2x+1, -x, 3x-2: C(4,2) = 6, all |r| = 1 */
	CHECK_U(e.n_pairs, 6);
	for (size_t i = 0; i < e.n_pairs; i++) {
		const struct cls_corr_pair *q = &e.pairs[i];
		CHECK(q->a < q->b && (q->drop == q->a || q->drop == q->b));
		CHECK_NEAR(fabs(q->r), 1, TOL);
		CHECK_U(q->n, q->a == 4 || q->b == 4 ? R - 1 : R);
	}
	cls_explore_free(&e);

	/* a lower threshold takes in more pairs, never fewer */
	struct cls_explore_opts o = {.corr_threshold = 0.01};
	CHECK_EQ(cls_explore_run(&t, &o, &e), 0);
	CHECK(e.n_pairs >= 6 && e.n_pairs <= 10); /* 15 pairs, 5 with the constant */
	for (size_t i = 1; i < e.n_pairs; i++)
		CHECK(fabs(e.pairs[i - 1].r) >= fabs(e.pairs[i].r));
	cls_explore_free(&e);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* 1003 rows (not a multiple of any block), NaNs at random, ties in an
 * integer column, a large offset in another: against the textbook r and
 * against quartiles by sorting. */
static void test_random(void)
{
	check_context = "random";
	enum { R = 1003, C = 7 };
	float *x = malloc(R * C * sizeof(float));
	uint32_t *y = malloc(R * sizeof(uint32_t));
	double *v = malloc(R * sizeof(double));
	const char *names[C] = {"a", "b", "c", "d", "e", "f", "g"}, *classes[] = {"p", "q", "r"};
	check_rand_seed(42);
	for (int r = 0; r < R; r++) {
		float *row = x + r * C;
		double u = (double)(check_rand() >> 11) * 0x1.0p-53;
		double z = (double)(check_rand() >> 11) * 0x1.0p-53 - 0.5;
		y[r] = (uint32_t)(check_rand() % 3);
		row[0] = (float)u;
		row[1] = (float)(u + 0.1 * z);
		row[2] = (float)(check_rand() % 5);                /* ties */
		row[3] = (float)(1e6 + 10 * z);                    /* offset >> spread */
		row[4] = (float)(exp(8 * u) * (1 + y[r]));         /* heavy tail */
		row[5] = (float)(-u + (check_rand() % 7 == 0 ? NAN : 0));
		row[6] = check_rand() % 4 == 0 ? NAN : (float)z;
	}
	struct cls_table t = table(R, C, x, y, names, classes, 3);
	struct cls_explore e;
	CHECK_EQ(cls_explore_run(&t, NULL, &e), 0);
	for (int i = 0; i < C; i++)
		for (int j = 0; j < C; j++)
			CHECK_NEAR(e.corr[i * C + j], i == j ? 1 : naive_r(x, R, C, i, j), 1e-9);
	for (int k = -1; k < 3; k++)
		for (int j = 0; j < C; j++) {
			size_t n = 0;
			for (int r = 0; r < R; r++)
				if ((k < 0 || y[r] == (uint32_t)k) && isfinite(x[r * C + j]))
					v[n++] = x[r * C + j];
			qsort(v, n, sizeof(double), cmp_d);
			const struct cls_feat_stats *s = k < 0 ? &e.all[j] : &e.by_class[k * C + j];
			double q[3], ps[3] = {0.25, 0.5, 0.75};
			size_t out = 0;
			for (int i = 0; i < 3; i++) {
				double h = (n - 1) * ps[i];
				size_t lo = (size_t)floor(h), hi = lo + 1 < n ? lo + 1 : lo;
				q[i] = v[lo] + (h - lo) * (v[hi] - v[lo]);
			}
			for (size_t i = 0; i < n; i++)
				out += v[i] < q[0] - 3 * (q[2] - q[0]) || v[i] > q[2] + 3 * (q[2] - q[0]);
			double scale = fmax(fabs(v[0]), fabs(v[n - 1]));
			CHECK_U(s->count, n);
			CHECK_NEAR(s->p25, q[0], 1e-12 * scale);
			CHECK_NEAR(s->median, q[1], 1e-12 * scale);
			CHECK_NEAR(s->p75, q[2], 1e-12 * scale);
			CHECK_NEAR(s->min, v[0], 0);
			CHECK_NEAR(s->max, v[n - 1], 0);
			CHECK_U(s->outliers, out);
		}
	CHECK(e.all[4].outliers > 0);
	CHECK(all_finite(&e));
	cls_explore_free(&e);
	free(x);
	free(y);
	free(v);
}

/* --- PCA ------------------------------------------------------------------- */

static void test_pca(void)
{
	check_context = "pca";
	/* Orthogonal zero-mean u1 = (1,1,-1,-1), u2 = (1,-1,1,-1),
	 * u3 = (1,-1,-1,1). a = u1, b = u1 + u2: r = 4 / sqrt(4 * 8) = 1/sqrt2;
	 * c = u3 is uncorrelated with both; d constant. Correlation matrix of
	 * a, b, c: [[1 s 0] [s 1 0] [0 0 1]], s = 1/sqrt2: eigenvalues 1 + s,
	 * 1, 1 - s over a trace of 3; eigenvectors (1,1,0)/sqrt2, (0,0,1),
	 * (1,-1,0)/sqrt2. Cumulative: 0.569, 0.902, 1: 2 components for 90%,
	 * 3 for 95%. d stays out. */
	static const float u[3][4] = {{1, 1, -1, -1}, {1, -1, 1, -1}, {1, -1, -1, 1}};
	float x[4 * 4];
	uint32_t y[4] = {0, 0, 1, 1};
	const char *names[] = {"a", "b", "c", "d"}, *classes[] = {"k0", "k1"};
	double s = 1 / sqrt(2);
	for (int r = 0; r < 4; r++) {
		x[r * 4] = u[0][r];
		x[r * 4 + 1] = u[0][r] + u[1][r];
		x[r * 4 + 2] = u[2][r];
		x[r * 4 + 3] = 3;
	}
	struct cls_table t = table(4, 4, x, y, names, classes, 2);
	struct cls_explore e;
	CHECK_EQ(cls_explore_run(&t, NULL, &e), 0);
	CHECK_NEAR(e.corr[1], s, TOL);
	CHECK_U(e.n_pca, 3);
	CHECK_NEAR(e.eigval[0], 1 + s, 1e-10);
	CHECK_NEAR(e.eigval[1], 1, 1e-10);
	CHECK_NEAR(e.eigval[2], 1 - s, 1e-10);
	CHECK(e.eigval[3] == 0 && e.evr[3] == 0);
	CHECK_NEAR(e.evr[0], (1 + s) / 3, 1e-10);
	CHECK_NEAR(e.cum[1], (2 + s) / 3, 1e-10);
	CHECK_NEAR(e.cum[2], 1, 1e-10);
	CHECK_NEAR(e.cum[3], 1, 1e-10);
	CHECK_U(e.n90, 2);
	CHECK_U(e.n95, 3);
	CHECK_U(cls_explore_components_for(&e, 0.5), 1);
	CHECK_NEAR(e.loadings[0 * 4 + 0], s, 1e-10);
	CHECK_NEAR(e.loadings[0 * 4 + 1], s, 1e-10);
	CHECK_NEAR(e.loadings[0 * 4 + 2], 0, 1e-10);
	CHECK_NEAR(e.loadings[1 * 4 + 2], 1, 1e-10);
	CHECK_NEAR(fabs(e.loadings[2 * 4 + 0]), s, 1e-10);
	for (int c = 0; c < 4; c++)
		CHECK(e.loadings[c * 4 + 3] == 0);
	cls_explore_free(&e);

	/* y = 2x + 1: one component carries everything */
	for (int r = 0; r < 4; r++)
		x[r * 4 + 1] = 2 * x[r * 4] + 1;
	t.cols = 4;
	CHECK_EQ(cls_explore_run(&t, NULL, &e), 0);
	CHECK_NEAR(e.eigval[0], 2, 1e-10);
	CHECK_NEAR(e.evr[0], 2.0 / 3, 1e-10);
	CHECK_NEAR(e.eigval[2], 0, 1e-10);
	CHECK_U(e.n90, 2);
	cls_explore_free(&e);
}

/* --- report ---------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	long n;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (s = malloc((size_t)n + 1)) && fread(s, 1, (size_t)n, f) == (size_t)n) {
		s[n] = '\0';
		*len = (size_t)n;
	} else {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* "nan" or "inf" anywhere (any case) as a printed number would be. */
static int has_nonfinite(const char *s)
{
	for (const char *p = s; *p; p++) {
		char b[4] = {0};
		for (int i = 0; i < 3 && p[i]; i++)
			b[i] = (char)(p[i] | 0x20);
		if (strcmp(b, "nan") == 0 || strcmp(b, "inf") == 0)
			return 1;
	}
	return 0;
}

static void test_print(void)
{
	check_context = "print";
	/* 50 features (more than every default limit), one all NaN, one
	 * with a very long name, two classes */
	enum { R = 40, C = 50 };
	float *x = malloc(R * C * sizeof(float));
	uint32_t y[R];
	const char *names[C], *classes[] = {"background", "scan"};
	char namebuf[C][24];
	check_rand_seed(7);
	for (int j = 0; j < C; j++) {
		snprintf(namebuf[j], sizeof(namebuf[j]), "feat_%02d", j);
		names[j] = namebuf[j];
	}
	names[3] = "a_really_long_feature_name_that_goes_on_and_on";
	for (int r = 0; r < R; r++) {
		y[r] = r % 2;
		for (int j = 0; j < C; j++)
			x[r * C + j] = j == 5 ? NAN : (float)((check_rand() % 1000) + j * y[r]);
	}
	struct cls_table t = table(R, C, x, y, names, classes, 2);
	struct cls_explore e;
	CHECK_EQ(cls_explore_run(&t, NULL, &e), 0);
	char path[64];
	snprintf(path, sizeof(path), "%s/report.txt", dir);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_EQ(cls_explore_print(&e, f, NULL), 0);
	fclose(f);
	size_t len;
	char *s = slurp(path, &len);
	CHECK(s != NULL);
	if (s) {
		CHECK(!has_nonfinite(s));
		CHECK(strstr(s, "a_really_long_feature_n~") != NULL);    /* cut to 24 */
		CHECK(strstr(s, "... 10 more features not shown") != NULL);
		CHECK(strstr(s, "Per-class statistics, top 8 of 50") != NULL);
		CHECK(strstr(s, "components for 90%") != NULL);
		/* every line of the summary table is as wide as its header */
		const char *h = strstr(s, "#  feature");
		CHECK(h != NULL);
		if (h) {
			while (h > s && h[-1] != '\n')
				h--;
			size_t w = strcspn(h, "\n");
			const char *l = h + w + 1;
			for (int i = 0; i < 40; i++) {
				CHECK_U(strcspn(l, "\n"), w);
				l += strcspn(l, "\n") + 1;
			}
		}
		free(s);
	}
	/* all features: the NaN one has no mean (n/a), and eta2 0 */
	f = fopen(path, "w");
	if (f) {
		CHECK_EQ(cls_explore_print(&e, f, &(struct cls_print_opts){.max_features = 100}), 0);
		fclose(f);
	}
	if ((s = slurp(path, &len))) {
		CHECK(!has_nonfinite(s));
		CHECK(strstr(s, "more features not shown") == NULL);
		const char *l = strstr(s, "feat_05 ");
		CHECK(l && strstr(l, "n/a") && strstr(l, "n/a") < strchr(l, '\n'));
		free(s);
	}
	/* a failing stream is reported */
	f = fopen(path, "r");
	if (f) {
		CHECK_EQ(cls_explore_print(&e, f, NULL), -EIO);
		fclose(f);
	}
	cls_explore_free(&e);
	free(x);
}

/* --- SVG ------------------------------------------------------------------- */

/* A minimal XML well-formedness check: one root, tags nest and match,
 * attribute values quoted, '<' never raw and '&' only as an entity. */
static int xml_ok(const char *s)
{
	const char *stack[64];
	size_t stack_len[64];
	int depth = 0, roots = 0;
	const char *p = s;

	while (*p) {
		if (*p == '&') {
			size_t n = strspn(p + 1, "#0123456789abcdefghijklmnopqrstuvwxyz");
			if (n == 0 || p[1 + n] != ';')
				return 0;
			p += n + 2;
			continue;
		}
		if (*p != '<') {
			if (depth == 0 && !strchr(" \n\r\t", *p))
				return 0; /* text outside the root */
			p++;
			continue;
		}
		if (strncmp(p, "<?", 2) == 0 || strncmp(p, "<!--", 4) == 0) {
			const char *end = strstr(p, p[1] == '?' ? "?>" : "-->");
			if (!end)
				return 0;
			p = end + 2;
			continue;
		}
		int closing = p[1] == '/';
		const char *name = p + 1 + closing;
		size_t nl = strcspn(name, " \t\n/>");
		if (nl == 0)
			return 0;
		p = name + nl;
		while (*p && *p != '>' && *p != '/') { /* attributes */
			if (strchr(" \t\n", *p)) {
				p++;
				continue;
			}
			if (closing)
				return 0;
			size_t an = strcspn(p, "= \t\n>");
			if (an == 0 || p[an] != '=' || (p[an + 1] != '"' && p[an + 1] != '\''))
				return 0;
			char q = p[an + 1];
			const char *v = p + an + 2, *end = strchr(v, q);
			if (!end || memchr(v, '<', (size_t)(end - v)))
				return 0;
			p = end + 1;
		}
		int empty = *p == '/';
		if (empty)
			p++;
		if (*p != '>')
			return 0;
		p++;
		if (closing) {
			if (depth == 0 || stack_len[depth - 1] != nl || strncmp(stack[depth - 1], name, nl))
				return 0;
			depth--;
		} else if (!empty) {
			if (depth == 0)
				roots++;
			if (depth == 64)
				return 0;
			stack[depth] = name;
			stack_len[depth++] = nl;
		} else if (depth == 0) {
			roots++;
		}
	}
	return depth == 0 && roots == 1;
}

static int have_xmllint;

/* Reads back a written SVG: well formed (ours, and xmllint's when
 * installed); returns its text for counting, or NULL. */
static char *svg_check(const char *path)
{
	size_t len;
	char *s = slurp(path, &len);
	CHECK_REPORT_(s != NULL, "%s not written", path);
	if (!s)
		return NULL;
	CHECK_REPORT_(xml_ok(s), "%s is not well formed", path);
	CHECK_REPORT_(!has_nonfinite(s), "%s has a NaN or Inf", path);
	if (have_xmllint) {
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "xmllint --noout '%s'", path);
		CHECK_REPORT_(system(cmd) == 0, "xmllint rejects %s", path);
	}
	return s;
}

static void test_svg(void)
{
	check_context = "svg";
	/* 5 features, one named with markup and one with an invalid UTF-8
	 * byte; 3 classes, one without rows */
	enum { R = 60, C = 5 };
	float x[R * C];
	uint32_t y[R];
	const char *names[C] = {"bytes<&>\"'", "pkts", "dur\xff", "iat_mean", "\xc3\xa9t\xc3\xa9"};
	const char *classes[] = {"web", "dns", "none"};
	check_rand_seed(11);
	for (int r = 0; r < R; r++) {
		double u = (double)(check_rand() >> 11) * 0x1.0p-53;
		y[r] = r % 2;
		x[r * C] = (float)(1000 * u);
		x[r * C + 1] = (float)(10 * u + y[r]);
		x[r * C + 2] = (float)(check_rand() % 100);
		x[r * C + 3] = r % 5 ? (float)u : NAN;
		x[r * C + 4] = (float)(y[r] * 3 + u);
	}
	struct cls_table t = table(R, C, x, y, names, classes, 3);
	struct cls_explore e;
	char path[96];
	char *s;
	CHECK_EQ(cls_explore_run(&t, NULL, &e), 0);

	snprintf(path, sizeof(path), "%s/corr.svg", dir);
	CHECK_EQ(cls_explore_svg_corr(&e, path, 0), 0);
	if ((s = svg_check(path))) {
		CHECK_U(count(s, "class=\"cell\""), C * C);
		CHECK_U(count(s, "class=\"ylabel\""), C);
		CHECK_U(count(s, "class=\"xlabel\""), C);
		CHECK_U(count(s, "class=\"value\""), C * C);
		CHECK(count(s, "class=\"scale-label\"") >= 3); /* -1, 0, 1 at least */
		CHECK(strstr(s, "bytes&lt;&amp;&gt;&quot;&#39;") != NULL);
		CHECK(strstr(s, "bytes<") == NULL);
		CHECK(strstr(s, "dur?") != NULL);
		CHECK(strstr(s, "\xc3\xa9t\xc3\xa9") != NULL); /* valid UTF-8 kept */
		free(s);
	}
	snprintf(path, sizeof(path), "%s/corr3.svg", dir);
	CHECK_EQ(cls_explore_svg_corr(&e, path, 3), 0);
	if ((s = svg_check(path))) {
		CHECK_U(count(s, "class=\"cell\""), 9);
		free(s);
	}

	snprintf(path, sizeof(path), "%s/scree.svg", dir);
	CHECK_EQ(cls_explore_svg_scree(&e, path, 0), 0);
	if ((s = svg_check(path))) {
		CHECK_U(count(s, "class=\"bar\""), e.n_pca);
		CHECK_U(count(s, "class=\"point\""), e.n_pca);
		CHECK_U(count(s, "class=\"guide\""), 2);
		CHECK_U(count(s, "class=\"tick-label\""), 6 + e.n_pca); /* 0..100% and 1..n */
		CHECK(strstr(s, "explained variance") && strstr(s, "principal component"));
		free(s);
	}

	double gain[C] = {3.5, 0, NAN, 12.25, 1};
	snprintf(path, sizeof(path), "%s/importance.svg", dir);
	CHECK_EQ(cls_explore_svg_importance(&e, gain, path, 0), 0);
	if ((s = svg_check(path))) {
		CHECK_U(count(s, "class=\"bar\""), C - 1); /* NaN: no bar */
		CHECK_U(count(s, "class=\"ylabel\""), C);
		/* largest first */
		CHECK(strstr(s, ">iat_mean<") && strstr(s, ">pkts<") &&
		      strstr(s, ">iat_mean<") < strstr(s, ">pkts<"));
		CHECK(strstr(s, "total gain") != NULL);
		free(s);
	}

	size_t feats[2] = {0, 4};
	snprintf(path, sizeof(path), "%s/boxes.svg", dir);
	CHECK_EQ(cls_explore_svg_boxes(&e, feats, 2, path), 0);
	if ((s = svg_check(path))) {
		CHECK_U(count(s, "class=\"box\""), 2 * 2);    /* "none" has no rows */
		CHECK_U(count(s, "class=\"median\""), 2 * 2);
		CHECK_U(count(s, "class=\"nodata\""), 2);
		CHECK_U(count(s, "class=\"panel-title\""), 2);
		CHECK_U(count(s, "class=\"xlabel\""), 2 * 3);
		free(s);
	}
	snprintf(path, sizeof(path), "%s/boxes_top.svg", dir);
	CHECK_EQ(cls_explore_svg_boxes(&e, NULL, 0, path), 0);
	if ((s = svg_check(path))) {
		CHECK_U(count(s, "class=\"panel-title\""), C);
		free(s);
	}

	/* errors: no file left behind */
	CHECK_EQ(svg_plot_scree("/nonexistent-dir/x.svg", "t", e.evr, 1), -ENOENT);
	snprintf(path, sizeof(path), "%s/bad.svg", dir);
	CHECK_EQ(svg_plot_hbars(path, "t", "x", NULL, gain, 0), -EINVAL);
	CHECK_EQ(svg_plot_heatmap(path, "t", NULL, names, 1, gain, 1, 1), -EINVAL);
	CHECK_EQ(cls_explore_svg_boxes(&e, (size_t[]){C}, 1, path), -EINVAL);
	CHECK(access(path, F_OK) != 0);
	if (access("/dev/full", W_OK) == 0)
		CHECK(svg_plot_scree("/dev/full", "t", e.evr, 1) < 0);

	/* a generic heatmap off the -1..1 scale, with a missing cell */
	double v[4] = {0, 5, NAN, 10};
	snprintf(path, sizeof(path), "%s/heat.svg", dir);
	CHECK_EQ(svg_plot_heatmap(path, "Counts", "flows", names + 1, 2, v, 0, 10), 0);
	if ((s = svg_check(path))) {
		CHECK_U(count(s, "class=\"cell\""), 4);
		CHECK_U(count(s, "fill=\"#cccccc\""), 1);
		CHECK_U(count(s, "class=\"value\""), 3);
		free(s);
	}
	cls_explore_free(&e);
}

static void cleanup(void)
{
	static const char *const files[] = {"report.txt", "corr.svg", "corr3.svg", "scree.svg",
					    "importance.svg", "boxes.svg", "boxes_top.svg", "heat.svg"};
	char path[96];
	if (getenv("KEEP_SVG")) {
		printf("output kept in %s\n", dir);
		return;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	have_xmllint = system("xmllint --version >/dev/null 2>&1") == 0;
	if (!have_xmllint)
		printf("xmllint not installed: SVGs checked by the built-in parser only\n");
	check_isolated("stats", test_stats);
	check_isolated("classes", test_classes);
	check_isolated("corr", test_corr);
	check_isolated("random", test_random);
	check_isolated("pca", test_pca);
	check_isolated("print", test_print);
	check_isolated("svg", test_svg);
	cleanup();
	return check_summary();
}
