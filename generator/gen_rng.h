/* Deterministic PRNG for sa-gen: common/sa_rng.h's xoshiro256**, and the
 * draws the generator makes from it.
 *
 * Every random choice in the generator comes from one stream, consumed in
 * event order, so a seed names one file byte for byte. rand() is never used:
 * its sequence differs between C libraries. The double helpers go through
 * libm (exp, log), so identical output is promised for one build on one
 * platform, not across libm versions. */
#ifndef GEN_RNG_H
#define GEN_RNG_H

#include <math.h>
#include <stdint.h>

#include "sa_rng.h"

struct gen_rng {
	struct sa_rng core;
};

static inline void gen_rng_seed(struct gen_rng *r, uint64_t seed)
{
	sa_rng_seed(&r->core, seed);
}

static inline uint64_t gen_rng_next(struct gen_rng *r)
{
	return sa_rng_next(&r->core);
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double gen_rng_u01(struct gen_rng *r)
{
	return (double)(gen_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n); n > 0. Multiply-shift: the bias is below 2^-32. */
static inline uint32_t gen_rng_below(struct gen_rng *r, uint32_t n)
{
	return (uint32_t)(((gen_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform integer in [lo, hi]. */
static inline uint32_t gen_rng_range(struct gen_rng *r, uint32_t lo, uint32_t hi)
{
	return lo + gen_rng_below(r, hi - lo + 1);
}

static inline int gen_rng_chance(struct gen_rng *r, double p)
{
	return gen_rng_u01(r) < p;
}

static inline double gen_rng_exp(struct gen_rng *r, double mean)
{
	return -mean * log1p(-gen_rng_u01(r));
}

/* Standard normal by Box-Muller; the second value is dropped to keep no state. */
static inline double gen_rng_normal(struct gen_rng *r)
{
	double u = 1.0 - gen_rng_u01(r); /* (0, 1]: log(0) never happens */
	double v = gen_rng_u01(r);

	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Log-normal with the given median, clamped to [lo, hi]. */
static inline double gen_rng_lognormal(struct gen_rng *r, double median, double sigma,
				       double lo, double hi)
{
	double x = median * exp(sigma * gen_rng_normal(r));

	return x < lo ? lo : x > hi ? hi : x;
}

/* Poisson with mean lam >= 0. Below 10, Knuth's product of uniforms (cost
 * grows with lam); from 10 on, Hörmann's transformed rejection (PTRS, "The
 * transformed rejection method for generating Poisson random variables",
 * 1993, as numpy's random_poisson_ptrs): a pair of draws per try and few
 * tries whatever lam. How many draws are consumed depends on their values. */
static inline uint64_t gen_rng_poisson(struct gen_rng *r, double lam)
{
	if (lam < 10) {
		double lim = exp(-lam), p = gen_rng_u01(r);
		uint64_t k = 0;

		while (p > lim) {
			k++;
			p *= gen_rng_u01(r);
		}
		return k;
	}
	double slam = sqrt(lam), loglam = log(lam);
	double b = 0.931 + 2.53 * slam;
	double a = -0.059 + 0.02483 * b;
	double invalpha = 1.1239 + 1.1328 / (b - 3.4);
	double vr = 0.9277 - 3.6224 / (b - 2);

	for (;;) {
		double u = gen_rng_u01(r) - 0.5;
		double v = gen_rng_u01(r);
		double us = 0.5 - fabs(u);
		double k = floor((2 * a / us + b) * u + lam + 0.43);

		if (us >= 0.07 && v <= vr)
			return (uint64_t)k; /* the squeeze: most draws end here */
		if (k < 0 || (us < 0.013 && v > us))
			continue;
		if (log(v) + log(invalpha) - log(a / (us * us) + b) <=
		    -lam + k * loglam - lgamma(k + 1))
			return (uint64_t)k;
	}
}

/* Geometric number of trials >= 1 with the given mean (>= 1), capped. */
static inline uint32_t gen_rng_geom(struct gen_rng *r, double mean, uint32_t cap)
{
	double p = 1.0 / mean;
	uint32_t n = 1;

	while (n < cap && !gen_rng_chance(r, p))
		n++;
	return n;
}

#endif
