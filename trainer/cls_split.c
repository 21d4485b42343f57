/* Stratified splits (see cls_split.h). */
#include "cls_split.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "sa_rng.h"

/* Uniform in 0..n-1 (n >= 1): rejection, so no value is favoured. */
static uint64_t rng_below(struct sa_rng *r, uint64_t n)
{
	uint64_t lim = -n % n, v; /* 2^64 mod n: the biased low end */
	do
		v = sa_rng_next(r);
	while (v < lim);
	return v % n;
}

/* The rows of each class, each class's shuffled: rows of class c are
 * idx[start[c] .. start[c + 1]). start has n_classes + 1 entries. */
static int group(const uint32_t *y, size_t n, size_t n_classes, uint64_t seed, size_t **idx_out,
		 size_t **start_out)
{
	size_t *start = calloc(n_classes + 1, sizeof(*start));
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	size_t *pos = malloc((n_classes ? n_classes : 1) * sizeof(*pos));
	struct sa_rng r;

	if (start == NULL || idx == NULL || pos == NULL) {
		free(start);
		free(idx);
		free(pos);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (y[i] >= n_classes) {
			free(start);
			free(idx);
			free(pos);
			return -EINVAL;
		}
		start[y[i] + 1]++;
	}
	for (size_t c = 0; c < n_classes; c++)
		start[c + 1] += start[c];
	for (size_t c = 0; c < n_classes; c++)
		pos[c] = start[c];
	for (size_t i = 0; i < n; i++)
		idx[pos[y[i]]++] = i;
	free(pos);
	sa_rng_seed(&r, seed);
	for (size_t c = 0; c < n_classes; c++) {
		size_t *a = idx + start[c], m = start[c + 1] - start[c];
		for (size_t i = m; i > 1; i--) { /* Fisher-Yates */
			size_t j = (size_t)rng_below(&r, i), tmp = a[i - 1];
			a[i - 1] = a[j];
			a[j] = tmp;
		}
	}
	*idx_out = idx;
	*start_out = start;
	return 0;
}

int cls_split_train_test(const uint32_t *y, size_t n, size_t n_classes, double test_share,
			 uint64_t seed, uint8_t *is_test)
{
	size_t *idx, *start;

	if (!(test_share > 0 && test_share < 1))
		return -EINVAL;
	int ret = group(y, n, n_classes, seed, &idx, &start);
	if (ret != 0)
		return ret;
	for (size_t c = 0; c < n_classes; c++) {
		size_t m = start[c + 1] - start[c];
		size_t nt = (size_t)floor((double)m * test_share + 0.5);
		if (m >= 2 && nt < 1)
			nt = 1;
		if (m >= 2 && nt > m - 1)
			nt = m - 1;
		if (m < 2)
			nt = 0;
		for (size_t i = 0; i < m; i++)
			is_test[idx[start[c] + i]] = i < nt;
	}
	free(idx);
	free(start);
	return 0;
}

int cls_split_kfold(const uint32_t *y, size_t n, size_t n_classes, unsigned k, uint64_t seed,
		    uint32_t *fold)
{
	size_t *idx, *start, next = 0;

	if (k < 2)
		return -EINVAL;
	int ret = group(y, n, n_classes, seed, &idx, &start);
	if (ret != 0)
		return ret;
	for (size_t c = 0; c < n_classes; c++)
		for (size_t i = start[c]; i < start[c + 1]; i++) {
			fold[idx[i]] = (uint32_t)next;
			next = (next + 1) % k;
		}
	free(idx);
	free(start);
	return 0;
}
