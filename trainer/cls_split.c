/* Stratified splits (see cls_split.h). */
#include "cls_split.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* splitmix64 fills the state, as xoshiro's authors advise: never all zero. */
static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r) /* xoshiro256** */
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in 0..n-1 (n >= 1): rejection, so no value is favoured. */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
	uint64_t lim = -n % n, v; /* 2^64 mod n: the biased low end */
	do
		v = rng_next(r);
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
	struct rng r;

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
	rng_seed(&r, seed);
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
