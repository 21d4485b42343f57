/* Feature exploration (see cls_explore.h).
 *
 * DESIGN: two passes over the table.
 *  1. Statistics: GROUP columns at a time are gathered, grouped by class,
 *     into float buffers (reading the row-major table once per group, not
 *     once per column); each class's segment goes through feat_stats:
 *     mean and a corrected two-pass variance in double, quartiles from a
 *     radix sort (O(n), no comparison sort of 10^6 values). The whole
 *     column's quartiles are then read off the sorted class segments
 *     (nth), without sorting it again.
 *  2. Correlation: BLOCK rows at a time are transposed into doubles
 *     shifted by each column's mean, so the cross products below do not
 *     cancel; pairs of columns with no missing value need one dot product
 *     per block, the others six (count, sums, sums of squares, cross sum
 *     over the rows where both are finite). O(rows * cols^2) multiply-adds.
 * Measured on a 2-core VM: 0.8 s for 10^5 rows x 100 columns, 7-9 s for
 * 10^6 (about a third each for the gather and sorts, the dot products and
 * the rest); blocks are independent, so threads would split pass 2.
 * PCA then decomposes the correlation matrix of the non-constant columns
 * with GSL's symmetric eigensolver. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "cls_explore.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "svg_plot.h"

#define GROUP 16          /* columns per gathering pass: 16 floats, one cache line of a row */
#define BLOCK 256         /* rows per correlation block: 3 * cols * BLOCK doubles, ~600 kB at 100 columns */
#define FAR_OUT 3.0       /* Tukey's far-out fence, in IQRs */
#define WHISKER 1.5       /* Tukey's box-plot whisker, in IQRs */
#define NEAR_CONST 1e-12  /* centred / raw sum of squares below this: constant up to rounding */
#define RADIX_BITS 11     /* 2048 counters per digit: three passes cover 32 bits, in L1 */
#define RADIX (1u << RADIX_BITS)
#define CUM_SLACK 1e-9    /* cumulative ratios are sums of rounded terms: 0.9 - 1e-16 reaches 90% */

/* --- one feature's statistics ------------------------------------------------ */

/* Finite floats as unsigned keys in the same order: flip the sign bit of
 * positives, every bit of negatives. */
static uint32_t float_key(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof(u));
	return u & 0x80000000u ? ~u : u | 0x80000000u;
}

static float key_float(uint32_t k)
{
	uint32_t u = k & 0x80000000u ? k & 0x7fffffffu : ~k;
	float f;
	memcpy(&f, &u, sizeof(f));
	return f;
}

/* Sorts v[0..n-1] (finite) through the keys: an LSD radix sort of 11,
 * 11 and 10 bits, O(n) with no data-dependent branch (a quickselect per
 * quartile cost 5x more on random data); a digit all keys share, as the
 * exponent bits of a narrow range often are, costs no scatter pass.
 * key and tmp hold n keys each; hist 3 * RADIX counters. */
static void sort_floats(float *v, size_t n, uint32_t *key, uint32_t *tmp, size_t *hist)
{
	static const unsigned shift[3] = {0, RADIX_BITS, 2 * RADIX_BITS};
	uint32_t *src = key, *dst = tmp;

	memset(hist, 0, 3 * RADIX * sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		uint32_t k = float_key(v[i]);
		key[i] = k;
		hist[k & (RADIX - 1)]++;
		hist[RADIX + ((k >> RADIX_BITS) & (RADIX - 1))]++;
		hist[2 * RADIX + (k >> 2 * RADIX_BITS)]++;
	}
	for (int d = 0; d < 3; d++) {
		size_t *h = hist + d * RADIX, sum = 0;
		if (h[(src[0] >> shift[d]) & (RADIX - 1)] == n)
			continue; /* one digit value: already in order */
		for (size_t b = 0; b < RADIX; b++) {
			size_t c = h[b];
			h[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[h[(src[i] >> shift[d]) & (RADIX - 1)]++] = src[i];
		uint32_t *t = src;
		src = dst;
		dst = t;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = key_float(src[i]);
}

/* numpy's linear interpolation (its _lerp), for the same rounding. */
static double lerp(double a, double b, double t)
{
	double d = b - a;
	return t >= 0.5 ? b - d * (1.0 - t) : a + d * t;
}

/* Number of values in sorted v[0..n-1] whose key is <= k. */
static size_t count_le(const float *v, size_t n, uint32_t k)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (float_key(v[mid]) <= k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The r-th smallest (from 0) of the union of sorted parts: a binary
 * search over the key space, 32 steps of np binary searches, so the
 * whole column need not be sorted again after its classes were. */
static float nth(const float *const *part, const size_t *len, size_t np, size_t r)
{
	if (np == 1)
		return part[0][r];
	uint32_t lo = 0, hi = UINT32_MAX;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		size_t c = 0;
		for (size_t i = 0; i < np; i++)
			c += count_le(part[i], len[i], mid);
		if (c > r)
			hi = mid;
		else
			lo = mid + 1;
	}
	return key_float(lo);
}

/* Quantile p of the m values in the parts (m >= 1): linear interpolation
 * at h = (m - 1) p. */
static double quantile(const float *const *part, const size_t *len, size_t np, size_t m, double p)
{
	double h = (double)(m - 1) * p;
	size_t k = (size_t)h;
	double a = nth(part, len, np, k);
	return h > (double)k ? lerp(a, nth(part, len, np, k + 1), h - (double)k) : a;
}

struct scratch {
	uint32_t *key, *tmp;
	size_t *hist;
};

/* Statistics of the finite values in sorted parts (np of them), plus
 * `missing` others. */
static void parts_stats(const float *const *part, const size_t *len, size_t np, size_t missing,
			struct cls_feat_stats *s)
{
	size_t m = 0;
	double sum = 0, mn = INFINITY, mx = -INFINITY;

	memset(s, 0, sizeof(*s));
	s->missing = missing;
	for (size_t i = 0; i < np; i++) {
		if (len[i] == 0)
			continue;
		m += len[i];
		mn = fmin(mn, part[i][0]);
		mx = fmax(mx, part[i][len[i] - 1]);
		for (size_t r = 0; r < len[i]; r++)
			sum += part[i][r];
	}
	s->count = m;
	if (m == 0)
		return;
	double mean = sum / (double)m, ss = 0, c = 0;
	for (size_t i = 0; i < np; i++)
		for (size_t r = 0; r < len[i]; r++) {
			double d = part[i][r] - mean;
			ss += d * d;
			c += d;
		}
	s->mean = mean;
	/* the c^2/m term removes what rounding left in the mean (Chan, Golub
	 * & LeVeque's corrected two-pass algorithm) */
	s->std = m > 1 ? sqrt(fmax((ss - c * c / (double)m) / (double)(m - 1), 0.0)) : 0.0;
	s->min = mn;
	s->max = mx;

	double q1 = quantile(part, len, np, m, 0.25), q3 = quantile(part, len, np, m, 0.75);
	s->p25 = q1;
	s->median = quantile(part, len, np, m, 0.5);
	s->p75 = q3;
	double iqr = q3 - q1;
	double flo = q1 - FAR_OUT * iqr, fhi = q3 + FAR_OUT * iqr;
	double wlo = q1 - WHISKER * iqr, whi = q3 + WHISKER * iqr;
	s->whisker_lo = mx;
	s->whisker_hi = mn;
	for (size_t i = 0; i < np; i++)
		for (size_t r = 0; r < len[i]; r++) {
			double x = part[i][r];
			s->outliers += x < flo || x > fhi;
			if (x >= wlo && x < s->whisker_lo)
				s->whisker_lo = x;
			if (x <= whi && x > s->whisker_hi)
				s->whisker_hi = x;
		}
}

/* Statistics of v[0..n-1], which may hold non-finite values: those are
 * moved to the end, the finite ones sorted at the front (the caller
 * reads them again as a part of the whole column). */
static void feat_stats(float *v, size_t n, struct cls_feat_stats *s, const struct scratch *w)
{
	size_t m = 0;
	float t;

	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i])) {
			t = v[m], v[m] = v[i], v[i] = t;
			m++;
		}
	sort_floats(v, m, w->key, w->tmp, w->hist);
	parts_stats((const float *const *)&v, &m, 1, n - m, s);
}

/* Between-class share of the variance from the class summaries:
 * SS_between / (SS_between + SS_within). */
static double eta2(const struct cls_explore *e, size_t j)
{
	const struct cls_feat_stats *a = &e->all[j];
	double ssb = 0, ssw = 0;
	for (size_t k = 0; k < e->n_classes; k++) {
		const struct cls_feat_stats *s = &e->by_class[k * e->cols + j];
		if (s->count == 0)
			continue;
		ssb += (double)s->count * (s->mean - a->mean) * (s->mean - a->mean);
		ssw += (double)(s->count - 1) * s->std * s->std;
	}
	double v = ssb / (ssb + ssw);
	return isfinite(v) ? fmin(fmax(v, 0.0), 1.0) : 0.0;
}

/* Pass 1: every column's statistics, overall and per class. */
static int run_stats(const struct cls_table *t, struct cls_explore *e)
{
	size_t rows = t->rows, p = t->cols, K = t->n_classes;
	float *buf = malloc((rows ? rows : 1) * GROUP * sizeof(float));
	size_t *off = malloc((K + 1) * sizeof(size_t)), *cur = malloc((K + 1) * sizeof(size_t));
	struct scratch w = {
		.key = malloc((rows ? rows : 1) * 2 * sizeof(uint32_t)),
		.hist = malloc(3 * RADIX * sizeof(size_t)),
	};
	const float **part = malloc((K + 1) * sizeof(float *));
	size_t *len = malloc((K + 1) * sizeof(size_t));
	int rc = -ENOMEM;

	if (!buf || !off || !cur || !w.key || !w.hist || !part || !len)
		goto out;
	w.tmp = w.key + (rows ? rows : 1);
	off[0] = 0;
	for (size_t k = 0; k < K; k++)
		off[k + 1] = off[k] + e->class_rows[k];
	for (size_t j0 = 0; j0 < p; j0 += GROUP) {
		size_t g = p - j0 < GROUP ? p - j0 : GROUP;
		memcpy(cur, off, (K + 1) * sizeof(size_t));
		for (size_t r = 0; r < rows; r++) {
			const float *src = t->x + r * p + j0;
			size_t at = cur[t->y[r]]++;
			for (size_t q = 0; q < g; q++)
				buf[q * rows + at] = src[q];
		}
		for (size_t q = 0; q < g; q++) {
			float *col = buf + q * rows;
			size_t finite = 0;
			for (size_t k = 0; k < K; k++) {
				struct cls_feat_stats *s = &e->by_class[k * p + j0 + q];
				feat_stats(col + off[k], e->class_rows[k], s, &w);
				part[k] = col + off[k];
				len[k] = s->count;
				finite += s->count;
			}
			parts_stats(part, len, K, rows - finite, &e->all[j0 + q]);
		}
	}
	rc = 0;
out:
	free(buf);
	free(off);
	free(cur);
	free(w.key);
	free(w.hist);
	free(part);
	free(len);
	return rc;
}

/* --- correlation ---------------------------------------------------------- */

struct pair_acc {
	double n, sx, sy, sxx, syy, sxy;
};

/* Four running sums so the adds can overlap (no -ffast-math to reorder). */
static double dot(const double *a, const double *b, size_t n)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		s0 += a[i] * b[i];
		s1 += a[i + 1] * b[i + 1];
		s2 += a[i + 2] * b[i + 2];
		s3 += a[i + 3] * b[i + 3];
	}
	for (; i < n; i++)
		s0 += a[i] * b[i];
	return (s0 + s1) + (s2 + s3);
}

static int is_constant(const struct cls_feat_stats *s)
{
	return s->count < 2 || s->min == s->max;
}

static double pair_r(const struct pair_acc *a)
{
	if (a->n < 2)
		return 0.0;
	double cxx = a->sxx - a->sx * a->sx / a->n, cyy = a->syy - a->sy * a->sy / a->n;
	double cxy = a->sxy - a->sx * a->sy / a->n;
	if (!(cxx > NEAR_CONST * a->sxx) || !(cyy > NEAR_CONST * a->syy))
		return 0.0; /* constant over the rows the pair shares */
	double r = cxy / (sqrt(cxx) * sqrt(cyy));
	return isfinite(r) ? fmin(fmax(r, -1.0), 1.0) : 0.0;
}

/* Pass 2: the pairwise-complete correlation matrix; acc[i * p + j], i < j,
 * is left for the pair list (its n). */
static int run_corr(const struct cls_table *t, struct cls_explore *e, struct pair_acc *acc)
{
	size_t rows = t->rows, p = t->cols;
	double *xc = malloc(3 * p * BLOCK * sizeof(double)), *mk = xc + p * BLOCK, *x2 = mk + p * BLOCK;
	double *colsum = calloc(2 * p, sizeof(double)), *colsq = colsum + p;
	unsigned char *skip = malloc(p), *full = malloc(p);

	if (!xc || !colsum || !skip || !full) {
		free(xc);
		free(colsum);
		free(skip);
		free(full);
		return -ENOMEM;
	}
	int any_missing = 0;
	for (size_t j = 0; j < p; j++) {
		skip[j] = is_constant(&e->all[j]);
		full[j] = e->all[j].missing == 0;
		any_missing |= !skip[j] && !full[j];
	}
	for (size_t r0 = 0; r0 < rows; r0 += BLOCK) {
		size_t b = rows - r0 < BLOCK ? rows - r0 : BLOCK;
		/* column by column: the block's rows (100 kB at 100 columns) stay
		 * in cache while the writes run sequentially */
		for (size_t j = 0; j < p; j++) {
			const float *src = t->x + r0 * p + j;
			double *xj = xc + j * BLOCK, mean = e->all[j].mean;
			if (skip[j])
				continue;
			if (full[j]) {
				double *qj = x2 + j * BLOCK;
				for (size_t i = 0; i < b; i++) {
					double d = src[i * p] - mean;
					xj[i] = d;
					qj[i] = d * d;
					colsum[j] += d;
					colsq[j] += qj[i];
				}
				if (any_missing) /* its pairs with a column that has gaps */
					for (size_t i = 0; i < b; i++)
						mk[j * BLOCK + i] = 1.0;
				continue;
			}
			for (size_t i = 0; i < b; i++) {
				int ok = isfinite(src[i * p]);
				double d = ok ? src[i * p] - mean : 0.0;
				xj[i] = d;
				mk[j * BLOCK + i] = ok;
				x2[j * BLOCK + i] = d * d;
			}
		}
		for (size_t i = 0; i < p; i++) {
			if (skip[i])
				continue;
			const double *xi = xc + i * BLOCK, *mi = mk + i * BLOCK, *qi = x2 + i * BLOCK;
			for (size_t j = i + 1; j < p; j++) {
				if (skip[j])
					continue;
				const double *xj = xc + j * BLOCK, *mj = mk + j * BLOCK, *qj = x2 + j * BLOCK;
				struct pair_acc *a = &acc[i * p + j];
				a->sxy += dot(xi, xj, b);
				if (full[i] && full[j])
					continue;
				a->n += dot(mi, mj, b);
				a->sx += dot(xi, mj, b);
				a->sy += dot(mi, xj, b);
				a->sxx += dot(qi, mj, b);
				a->syy += dot(mi, qj, b);
			}
		}
	}
	for (size_t i = 0; i < p; i++) {
		e->corr[i * p + i] = 1.0;
		for (size_t j = i + 1; j < p; j++) {
			struct pair_acc *a = &acc[i * p + j];
			if (skip[i] || skip[j]) {
				memset(a, 0, sizeof(*a));
			} else if (full[i] && full[j]) {
				a->n = (double)rows;
				a->sx = colsum[i];
				a->sy = colsum[j];
				a->sxx = colsq[i];
				a->syy = colsq[j];
			}
			e->corr[i * p + j] = e->corr[j * p + i] = pair_r(a);
		}
	}
	free(xc);
	free(colsum);
	free(skip);
	free(full);
	return 0;
}

static int cmp_pair(const void *a, const void *b)
{
	const struct cls_corr_pair *x = a, *y = b;
	double u = fabs(x->r), v = fabs(y->r);
	if (u != v)
		return u < v ? 1 : -1;
	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	return (x->b > y->b) - (x->b < y->b);
}

/* Pairs at or above the threshold, and which of each to drop. */
static int list_pairs(struct cls_explore *e, const struct pair_acc *acc)
{
	size_t p = e->cols, n = 0;
	double *mean_abs = calloc(p, sizeof(double));

	if (!mean_abs)
		return -ENOMEM;
	for (size_t i = 0; i < p; i++) {
		for (size_t j = 0; j < p; j++)
			if (j != i)
				mean_abs[i] += fabs(e->corr[i * p + j]);
		if (p > 1)
			mean_abs[i] /= (double)(p - 1);
		for (size_t j = i + 1; j < p; j++)
			n += fabs(e->corr[i * p + j]) >= e->corr_threshold;
	}
	e->pairs = calloc(n ? n : 1, sizeof(*e->pairs));
	if (!e->pairs) {
		free(mean_abs);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p; i++)
		for (size_t j = i + 1; j < p; j++) {
			double r = e->corr[i * p + j];
			if (fabs(r) < e->corr_threshold)
				continue;
			struct cls_corr_pair *q = &e->pairs[e->n_pairs++];
			q->a = i;
			q->b = j;
			q->r = r;
			q->n = (size_t)acc[i * p + j].n;
			if (e->importance && e->importance[i] != e->importance[j])
				q->drop = e->importance[i] < e->importance[j] ? i : j;
			else
				q->drop = mean_abs[i] > mean_abs[j] ? i : j;
		}
	qsort(e->pairs, e->n_pairs, sizeof(*e->pairs), cmp_pair);
	free(mean_abs);
	return 0;
}

/* --- PCA ------------------------------------------------------------------ */

static int run_pca(struct cls_explore *e)
{
	size_t p = e->cols, q = 0, *idx = malloc(p * sizeof(size_t));
	int rc = -ENOMEM;

	if (!idx)
		return -ENOMEM;
	for (size_t j = 0; j < p; j++)
		if (!is_constant(&e->all[j]))
			idx[q++] = j;
	e->n_pca = q;
	if (q == 0) {
		free(idx);
		return 0;
	}
	gsl_matrix *a = gsl_matrix_alloc(q, q), *vec = gsl_matrix_alloc(q, q);
	gsl_vector *val = gsl_vector_alloc(q);
	gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(q);
	if (!a || !vec || !val || !w)
		goto out;
	for (size_t i = 0; i < q; i++)
		for (size_t j = 0; j < q; j++)
			gsl_matrix_set(a, i, j, e->corr[idx[i] * p + idx[j]]);
	if (gsl_eigen_symmv(a, val, vec, w) != 0) {
		rc = -EIO; /* only on a size mismatch: cannot happen */
		goto out;
	}
	gsl_eigen_symmv_sort(val, vec, GSL_EIGEN_SORT_VAL_DESC);
	double total = 0, cum = 0;
	for (size_t c = 0; c < q; c++) {
		double l = gsl_vector_get(val, c);
		e->eigval[c] = isfinite(l) && l > 0 ? l : 0.0;
		total += e->eigval[c];
	}
	for (size_t c = 0; c < q; c++) {
		e->evr[c] = total > 0 ? e->eigval[c] / total : 0.0;
		cum += e->evr[c];
		e->cum[c] = fmin(cum, 1.0);
		size_t big = 0; /* sign: largest entry positive */
		for (size_t i = 1; i < q; i++)
			if (fabs(gsl_matrix_get(vec, i, c)) > fabs(gsl_matrix_get(vec, big, c)))
				big = i;
		double sign = gsl_matrix_get(vec, big, c) < 0 ? -1.0 : 1.0;
		for (size_t i = 0; i < q; i++) {
			double v = sign * gsl_matrix_get(vec, i, c);
			e->loadings[c * p + idx[i]] = isfinite(v) ? v : 0.0;
		}
	}
	for (size_t c = q; c < p; c++)
		e->cum[c] = e->cum[q - 1];
	e->n90 = cls_explore_components_for(e, 0.90);
	e->n95 = cls_explore_components_for(e, 0.95);
	rc = 0;
out:
	gsl_matrix_free(a);
	gsl_matrix_free(vec);
	gsl_vector_free(val);
	if (w)
		gsl_eigen_symmv_free(w);
	free(idx);
	return rc;
}

size_t cls_explore_components_for(const struct cls_explore *e, double frac)
{
	for (size_t c = 0; c < e->n_pca; c++)
		if (e->cum[c] >= frac - CUM_SLACK)
			return c + 1;
	return e->n_pca;
}

/* --- the whole run -------------------------------------------------------- */

static char *copy_name(const char *s, const char *fmt, size_t i)
{
	char buf[32];
	if (!s) { /* a table built by hand may leave names out */
		snprintf(buf, sizeof(buf), fmt, i);
		s = buf;
	}
	return strdup(s);
}

/* Ranks features by importance, else by eta^2; ties keep column order.
 * Insertion sort: cols is small and this needs no global for qsort. */
static void rank_features(struct cls_explore *e)
{
	const double *key = e->importance ? e->importance : e->eta2;
	for (size_t i = 0; i < e->cols; i++) {
		size_t j = i, v = i;
		double kv = isfinite(key[v]) ? key[v] : -INFINITY;
		for (; j > 0; j--) {
			size_t u = e->rank[j - 1];
			double ku = isfinite(key[u]) ? key[u] : -INFINITY;
			if (ku >= kv)
				break;
			e->rank[j] = u;
		}
		e->rank[j] = v;
	}
}

int cls_explore_run(const struct cls_table *t, const struct cls_explore_opts *opts,
		    struct cls_explore *e)
{
	struct pair_acc *acc = NULL;
	int rc = -ENOMEM;

	memset(e, 0, sizeof(*e));
	if (!t || t->cols == 0 || (t->rows && (!t->x || !t->y)))
		return -EINVAL;
	for (size_t r = 0; r < t->rows; r++)
		if (t->y[r] >= t->n_classes)
			return -EINVAL;
	size_t p = t->cols, K = t->n_classes;
	e->rows = t->rows;
	e->cols = p;
	e->n_classes = K;
	e->corr_threshold = opts && opts->corr_threshold > 0 ? opts->corr_threshold
							      : CLS_EXPLORE_CORR_THRESHOLD;
	e->names = calloc(p, sizeof(char *));
	e->classes = calloc(K ? K : 1, sizeof(char *));
	e->class_rows = calloc(K ? K : 1, sizeof(size_t));
	e->all = calloc(p, sizeof(*e->all));
	e->by_class = calloc(K ? K * p : 1, sizeof(*e->by_class));
	e->eta2 = calloc(p, sizeof(double));
	e->rank = calloc(p, sizeof(size_t));
	e->corr = calloc(p * p, sizeof(double));
	e->eigval = calloc(p, sizeof(double));
	e->evr = calloc(p, sizeof(double));
	e->cum = calloc(p, sizeof(double));
	e->loadings = calloc(p * p, sizeof(double));
	acc = calloc(p * p, sizeof(*acc));
	if (!e->names || !e->classes || !e->class_rows || !e->all || !e->by_class || !e->eta2 ||
	    !e->rank || !e->corr || !e->eigval || !e->evr || !e->cum || !e->loadings || !acc)
		goto fail;
	if (opts && opts->importance) {
		e->importance = malloc(p * sizeof(double));
		if (!e->importance)
			goto fail;
		for (size_t j = 0; j < p; j++)
			e->importance[j] = isfinite(opts->importance[j]) ? opts->importance[j] : 0.0;
	}
	for (size_t j = 0; j < p; j++)
		if (!(e->names[j] = copy_name(t->names ? t->names[j] : NULL, "f%zu", j)))
			goto fail;
	for (size_t k = 0; k < K; k++)
		if (!(e->classes[k] = copy_name(t->classes ? t->classes[k] : NULL, "class%zu", k)))
			goto fail;
	for (size_t r = 0; r < t->rows; r++)
		e->class_rows[t->y[r]]++;

	if ((rc = run_stats(t, e)) < 0)
		goto fail;
	for (size_t j = 0; j < p; j++)
		e->eta2[j] = eta2(e, j);
	rank_features(e);
	if ((rc = run_corr(t, e, acc)) < 0 || (rc = list_pairs(e, acc)) < 0 || (rc = run_pca(e)) < 0)
		goto fail;
	free(acc);
	return 0;
fail:
	free(acc);
	cls_explore_free(e);
	return rc;
}

void cls_explore_free(struct cls_explore *e)
{
	for (size_t j = 0; e->names && j < e->cols; j++)
		free(e->names[j]);
	for (size_t k = 0; e->classes && k < e->n_classes; k++)
		free(e->classes[k]);
	free(e->names);
	free(e->classes);
	free(e->class_rows);
	free(e->all);
	free(e->by_class);
	free(e->eta2);
	free(e->rank);
	free(e->importance);
	free(e->corr);
	free(e->pairs);
	free(e->eigval);
	free(e->evr);
	free(e->cum);
	free(e->loadings);
	memset(e, 0, sizeof(*e));
}

/* --- text report ---------------------------------------------------------- */

#define NUM_W 11 /* "%11.5g": -1.2346e+05 just fits */

static size_t or_default(size_t v, size_t def)
{
	return v ? v : def;
}

/* name cut to width bytes (at a UTF-8 character boundary), '~' marking a cut. */
static const char *cut(char *buf, size_t len, const char *name, size_t width)
{
	size_t n = strlen(name);
	if (width >= len)
		width = len - 1;
	if (n <= width)
		return name;
	n = width - 1;
	while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
		n--;
	memcpy(buf, name, n);
	buf[n] = '~';
	buf[n + 1] = '\0';
	return buf;
}

/* A number, or "n/a" where it is undefined. */
static void num(FILE *f, double v, int defined)
{
	if (defined && isfinite(v))
		fprintf(f, " %*.5g", NUM_W, v);
	else
		fprintf(f, " %*s", NUM_W, "n/a");
}

static void stats_header(FILE *f, const char *first, int nw)
{
	fprintf(f, "  %-*s %9s %8s", nw, first, "count", "missing");
	static const char *const cols[] = {"mean", "std", "min", "p25", "median", "p75", "max"};
	for (int i = 0; i < 7; i++)
		fprintf(f, " %*s", NUM_W, cols[i]);
	fprintf(f, " %8s", "outliers");
}

static void stats_row(FILE *f, const char *label, int nw, const struct cls_feat_stats *s)
{
	int any = s->count > 0;
	fprintf(f, "  %-*s %9zu %8zu", nw, label, s->count, s->missing);
	num(f, s->mean, any);
	num(f, s->std, s->count > 1);
	num(f, s->min, any);
	num(f, s->p25, any);
	num(f, s->median, any);
	num(f, s->p75, any);
	num(f, s->max, any);
	if (any)
		fprintf(f, " %8zu", s->outliers);
	else
		fprintf(f, " %8s", "n/a");
}

static const char *rank_what(const struct cls_explore *e)
{
	return e->importance ? "importance" : "eta2 (class separation)";
}

static void print_summary(const struct cls_explore *e, FILE *f, const struct cls_print_opts *o,
			  int nw)
{
	size_t show = e->cols < o->max_features ? e->cols : o->max_features;
	char buf[256];

	fprintf(f, "\nSummary statistics, all rows (features by %s)\n", rank_what(e));
	fprintf(f, "  missing: not a finite number; std: sample (n-1); quartiles: linear interpolation;\n"
		   "  outliers: beyond Q1 - 3 IQR or Q3 + 3 IQR; eta2: share of variance between classes\n");
	fprintf(f, "  %4s", "#");
	stats_header(f, "feature", nw);
	fprintf(f, " %6s%s\n", "eta2", e->importance ? "  importance" : "");
	for (size_t i = 0; i < show; i++) {
		size_t j = e->rank[i];
		fprintf(f, "  %4zu", j + 1);
		stats_row(f, cut(buf, sizeof(buf), e->names[j], (size_t)nw), nw, &e->all[j]);
		fprintf(f, " %6.3f", e->eta2[j]);
		if (e->importance)
			fprintf(f, "  %10.4g", e->importance[j]);
		fputc('\n', f);
	}
	if (show < e->cols)
		fprintf(f, "  ... %zu more features not shown\n", e->cols - show);
}

static void print_by_class(const struct cls_explore *e, FILE *f, const struct cls_print_opts *o,
			   int nw)
{
	size_t show = e->cols < o->max_class_feats ? e->cols : o->max_class_feats;
	char buf[256];

	if (e->n_classes == 0)
		return;
	if (show < e->cols)
		fprintf(f, "\nPer-class statistics, top %zu of %zu features by %s\n", show, e->cols,
			rank_what(e));
	else
		fprintf(f, "\nPer-class statistics\n");
	for (size_t i = 0; i < show; i++) {
		size_t j = e->rank[i];
		fprintf(f, "\n  %s (eta2 %.3f)\n", e->names[j], e->eta2[j]);
		stats_header(f, "class", nw);
		fputc('\n', f);
		for (size_t k = 0; k < e->n_classes; k++) {
			stats_row(f, cut(buf, sizeof(buf), e->classes[k], (size_t)nw), nw,
				  &e->by_class[k * e->cols + j]);
			fputc('\n', f);
		}
	}
}

static void print_corr(const struct cls_explore *e, FILE *f, const struct cls_print_opts *o,
		       int nw)
{
	size_t show = e->cols < o->max_matrix ? e->cols : o->max_matrix;
	char buf[256];

	fprintf(f, "\nPearson correlation (rows where both are finite; constant features: r = 0)");
	if (show < e->cols)
		fprintf(f, ", top %zu of %zu features by %s", show, e->cols, rank_what(e));
	fprintf(f, "\n  %*s", nw + 7, "");
	for (size_t c = 0; c < show; c++)
		fprintf(f, " %6s", (snprintf(buf, sizeof(buf), "[%zu]", c + 1), buf));
	fputc('\n', f);
	for (size_t r = 0; r < show; r++) {
		size_t i = e->rank[r];
		fprintf(f, "  %5s %-*s", (snprintf(buf, sizeof(buf), "[%zu]", r + 1), buf), nw,
			cut(buf, sizeof(buf), e->names[i], (size_t)nw));
		for (size_t c = 0; c < show; c++)
			fprintf(f, " %6.3f", e->corr[i * e->cols + e->rank[c]]);
		fputc('\n', f);
	}

	size_t n = e->n_pairs < o->max_pairs ? e->n_pairs : o->max_pairs;
	fprintf(f, "\nHighly correlated pairs (|r| >= %.2f): %zu%s\n", e->corr_threshold, e->n_pairs,
		e->n_pairs ? "; drop: the one to drop if either" : "");
	if (e->n_pairs)
		fprintf(f, "  %8s %9s  %-*s %-*s %s\n", "r", "rows", nw, "feature a", nw, "feature b",
			"drop");
	for (size_t i = 0; i < n; i++) {
		const struct cls_corr_pair *q = &e->pairs[i];
		char b2[256];
		fprintf(f, "  %8.4f %9zu  %-*s %-*s %s\n", q->r, q->n, nw,
			cut(buf, sizeof(buf), e->names[q->a], (size_t)nw), nw,
			cut(b2, sizeof(b2), e->names[q->b], (size_t)nw), e->names[q->drop]);
	}
	if (n < e->n_pairs)
		fprintf(f, "  ... %zu more pairs\n", e->n_pairs - n);
}

static void print_pca(const struct cls_explore *e, FILE *f, const struct cls_print_opts *o)
{
	size_t show = e->n_pca < o->max_components ? e->n_pca : o->max_components;
	char buf[256];

	fprintf(f, "\nPCA of the standardised features (correlation matrix, %zu non-constant of %zu features)\n",
		e->n_pca, e->cols);
	if (e->n_pca == 0) {
		fprintf(f, "  n/a: every feature is constant\n");
		return;
	}
	fprintf(f, "  %9s %11s %10s %10s\n", "component", "eigenvalue", "explained", "cumulative");
	for (size_t c = 0; c < show; c++)
		fprintf(f, "  %9s %11.4f %9.2f%% %9.2f%%\n", (snprintf(buf, sizeof(buf), "PC%zu", c + 1), buf),
			e->eigval[c], 100.0 * e->evr[c], 100.0 * e->cum[c]);
	if (show < e->n_pca)
		fprintf(f, "  ... %zu more components\n", e->n_pca - show);
	fprintf(f, "  components for 90%% of the variance: %zu, for 95%%: %zu (of %zu)\n", e->n90, e->n95,
		e->n_pca);
	fprintf(f, "  top loadings (unit eigenvector coefficients):\n");
	for (size_t c = 0; c < 3 && c < e->n_pca; c++) {
		/* the five largest |coefficients|, by repeated scan: cols is small */
		size_t top[5], nt = 0;
		for (; nt < 5 && nt < e->n_pca; nt++) {
			size_t best = SIZE_MAX;
			for (size_t j = 0; j < e->cols; j++) {
				size_t u;
				for (u = 0; u < nt && top[u] != j; u++)
					;
				if (u < nt || e->loadings[c * e->cols + j] == 0)
					continue;
				if (best == SIZE_MAX ||
				    fabs(e->loadings[c * e->cols + j]) > fabs(e->loadings[c * e->cols + best]))
					best = j;
			}
			if (best == SIZE_MAX)
				break;
			top[nt] = best;
		}
		fprintf(f, "    PC%zu:", c + 1);
		for (size_t u = 0; u < nt; u++)
			fprintf(f, "%s %s (%+.3f)", u ? "," : "", cut(buf, sizeof(buf), e->names[top[u]], 24),
				e->loadings[c * e->cols + top[u]]);
		fputc('\n', f);
	}
}

int cls_explore_print(const struct cls_explore *e, FILE *f, const struct cls_print_opts *opts)
{
	struct cls_print_opts o = opts ? *opts : (struct cls_print_opts){0};
	o.max_features = or_default(o.max_features, 40);
	o.max_matrix = or_default(o.max_matrix, 12);
	o.max_class_feats = or_default(o.max_class_feats, 8);
	o.max_pairs = or_default(o.max_pairs, 30);
	o.max_components = or_default(o.max_components, 15);
	o.name_width = or_default(o.name_width, 24);
	if (o.name_width < 4)
		o.name_width = 4;
	if (o.name_width > 200)
		o.name_width = 200;
	/* columns as wide as the longest name shown, within name_width */
	size_t nw = 7; /* "feature" */
	for (size_t j = 0; j < e->cols; j++)
		nw = strlen(e->names[j]) > nw ? strlen(e->names[j]) : nw;
	for (size_t k = 0; k < e->n_classes; k++)
		nw = strlen(e->classes[k]) > nw ? strlen(e->classes[k]) : nw;
	nw = nw < o.name_width ? nw : o.name_width;

	fprintf(f, "Feature table: %zu rows, %zu features, %zu classes\n", e->rows, e->cols, e->n_classes);
	if (e->n_classes) {
		char buf[256];
		fprintf(f, "  %-*s %9s %7s\n", (int)nw, "class", "rows", "share");
		for (size_t k = 0; k < e->n_classes; k++) {
			fprintf(f, "  %-*s %9zu", (int)nw, cut(buf, sizeof(buf), e->classes[k], nw),
				e->class_rows[k]);
			if (e->rows)
				fprintf(f, " %6.1f%%\n", 100.0 * (double)e->class_rows[k] / (double)e->rows);
			else
				fprintf(f, " %7s\n", "n/a");
		}
	}
	print_summary(e, f, &o, (int)nw);
	print_by_class(e, f, &o, (int)nw);
	print_corr(e, f, &o, (int)nw);
	print_pca(e, f, &o);
	return ferror(f) ? -EIO : 0;
}

/* --- plots ---------------------------------------------------------------- */

int cls_explore_svg_corr(const struct cls_explore *e, const char *path, size_t max_features)
{
	size_t n = e->cols < or_default(max_features, 30) ? e->cols : or_default(max_features, 30);
	const char **labels = malloc(n * sizeof(char *));
	double *v = malloc(n * n * sizeof(double));
	int rc = -ENOMEM;

	if (labels && v) {
		for (size_t i = 0; i < n; i++) {
			labels[i] = e->names[e->rank[i]];
			for (size_t j = 0; j < n; j++)
				v[i * n + j] = e->corr[e->rank[i] * e->cols + e->rank[j]];
		}
		rc = svg_plot_heatmap(path, n < e->cols ? "Feature correlation (top features)"
						       : "Feature correlation",
				      "Pearson r", labels, n, v, -1.0, 1.0);
	}
	free(labels);
	free(v);
	return rc;
}

int cls_explore_svg_scree(const struct cls_explore *e, const char *path, size_t max_components)
{
	size_t n = e->n_pca < or_default(max_components, 20) ? e->n_pca : or_default(max_components, 20);
	if (n == 0)
		return -EINVAL; /* every feature constant: nothing to draw */
	return svg_plot_scree(path, "PCA: explained variance", e->evr, n);
}

int cls_explore_svg_importance(const struct cls_explore *e, const double *gain, const char *path,
			       size_t max_features)
{
	size_t p = e->cols, n = p < or_default(max_features, 30) ? p : or_default(max_features, 30);
	size_t *ord = malloc(p * sizeof(size_t));
	const char **labels = malloc(n * sizeof(char *));
	double *v = malloc(n * sizeof(double));
	int rc = -ENOMEM;

	if (!gain) {
		rc = -EINVAL;
		goto out;
	}
	if (!ord || !labels || !v)
		goto out;
	for (size_t i = 0; i < p; i++) { /* insertion sort, largest first, NaN last */
		double g = isfinite(gain[i]) ? gain[i] : -INFINITY;
		size_t j = i;
		for (; j > 0 && !((isfinite(gain[ord[j - 1]]) ? gain[ord[j - 1]] : -INFINITY) >= g); j--)
			ord[j] = ord[j - 1];
		ord[j] = i;
	}
	for (size_t i = 0; i < n; i++) {
		labels[i] = e->names[ord[i]];
		v[i] = gain[ord[i]];
	}
	rc = svg_plot_hbars(path, n < p ? "Feature importance (top features)" : "Feature importance",
			    "total gain", labels, v, n);
out:
	free(ord);
	free(labels);
	free(v);
	return rc;
}

int cls_explore_svg_boxes(const struct cls_explore *e, const size_t *feats, size_t n,
			  const char *path)
{
	size_t K = e->n_classes;
	if (!feats)
		n = e->cols < (n ? n : 6) ? e->cols : (n ? n : 6);
	if (n == 0 || K == 0)
		return -EINVAL;
	for (size_t i = 0; feats && i < n; i++)
		if (feats[i] >= e->cols)
			return -EINVAL;
	struct svg_box_panel *panels = calloc(n, sizeof(*panels));
	struct svg_box *boxes = calloc(n * K, sizeof(*boxes));
	int rc = -ENOMEM;

	if (panels && boxes) {
		for (size_t i = 0; i < n; i++) {
			size_t j = feats ? feats[i] : e->rank[i];
			panels[i].title = e->names[j];
			panels[i].box = boxes + i * K;
			for (size_t k = 0; k < K; k++) {
				const struct cls_feat_stats *s = &e->by_class[k * e->cols + j];
				boxes[i * K + k] = (struct svg_box){
					.n = s->count, .whisker_lo = s->whisker_lo, .q1 = s->p25,
					.median = s->median, .q3 = s->p75, .whisker_hi = s->whisker_hi,
					.min = s->min, .max = s->max,
				};
			}
		}
		rc = svg_plot_boxes(path, "Per-class distributions", panels, n,
				    (const char *const *)e->classes, K);
	}
	free(panels);
	free(boxes);
	return rc;
}
