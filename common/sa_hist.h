/* Fixed-bucket histograms that add up across intervals and nodes by plain
 * element-wise addition (so the store can merge them in place).
 *   size: packet sizes in RMON etherStats bands (RFC 2819), plus jumbo.
 *   time: log2 bands of microseconds for inter-arrival times and RTTs. */
#ifndef SA_HIST_H
#define SA_HIST_H

#include <stdint.h>

#define SA_SIZE_BUCKETS 8
#define SA_TIME_BUCKETS 28 /* [0,1us) ... [2^26us, inf) ~ 67 s and above */

/* Lower bound (bytes) of each size bucket. */
extern const uint32_t sa_size_lower[SA_SIZE_BUCKETS];

static inline unsigned sa_size_bucket(uint32_t len)
{
	unsigned b = 0;
	while (b + 1 < SA_SIZE_BUCKETS && len >= sa_size_lower[b + 1])
		b++;
	return b;
}

/* Bucket 0 is below 1 us; bucket k >= 1 holds [2^(k-1), 2^k) us. */
static inline unsigned sa_time_bucket(uint64_t ns)
{
	uint64_t us = ns / 1000;
	unsigned b = us ? 64 - (unsigned)__builtin_clzll(us) : 0;
	return b < SA_TIME_BUCKETS ? b : SA_TIME_BUCKETS - 1;
}

/* Lower bound of time bucket b in ns. */
static inline uint64_t sa_time_lower_ns(unsigned b)
{
	return b == 0 ? 0 : (1ULL << (b - 1)) * 1000;
}

/* Human label of a bucket, e.g. "128-255" or "1ms-2ms", into buf. */
const char *sa_size_label(unsigned b, char *buf, unsigned len);
const char *sa_time_label(unsigned b, char *buf, unsigned len);

/* Value below which a fraction q (0..1) of the counts lie, by linear
 * interpolation inside the bucket; `lower` gives bucket lower bounds and the
 * last bucket is taken to be as wide as the one before it. Returns -1 if empty. */
double sa_hist_quantile(const uint64_t *counts, unsigned n, double q,
			double (*lower)(unsigned b));
double sa_size_lower_d(unsigned b);
double sa_time_lower_d(unsigned b);

#endif
