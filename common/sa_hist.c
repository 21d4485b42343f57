#include <stdio.h>

#include "sa_hist.h"

const uint32_t sa_size_lower[SA_SIZE_BUCKETS] = {0, 65, 128, 256, 512, 1024, 1519, 9001};

const char *sa_size_label(unsigned b, char *buf, unsigned len)
{
	if (b + 1 >= SA_SIZE_BUCKETS)
		snprintf(buf, len, "%u+", sa_size_lower[SA_SIZE_BUCKETS - 1]);
	else
		snprintf(buf, len, "%u-%u", sa_size_lower[b], sa_size_lower[b + 1] - 1);
	return buf;
}

static void fmt_dur(uint64_t ns, char *buf, unsigned len)
{
	if (ns >= 1000000000ULL)
		snprintf(buf, len, "%llus", (unsigned long long)(ns / 1000000000ULL));
	else if (ns >= 1000000)
		snprintf(buf, len, "%llums", (unsigned long long)(ns / 1000000));
	else
		snprintf(buf, len, "%lluus", (unsigned long long)(ns / 1000));
}

const char *sa_time_label(unsigned b, char *buf, unsigned len)
{
	char lo[16], hi[16];

	fmt_dur(sa_time_lower_ns(b), lo, sizeof(lo));
	if (b + 1 >= SA_TIME_BUCKETS) {
		snprintf(buf, len, ">=%s", lo);
	} else {
		fmt_dur(sa_time_lower_ns(b + 1), hi, sizeof(hi));
		snprintf(buf, len, "%s-%s", b == 0 ? "0" : lo, hi);
	}
	return buf;
}

double sa_size_lower_d(unsigned b)
{
	return b < SA_SIZE_BUCKETS ? sa_size_lower[b] : sa_size_lower[SA_SIZE_BUCKETS - 1];
}

double sa_time_lower_d(unsigned b)
{
	return (double)sa_time_lower_ns(b);
}

double sa_hist_quantile(const uint64_t *counts, unsigned n, double q,
			double (*lower)(unsigned b))
{
	uint64_t total = 0, seen = 0;

	for (unsigned b = 0; b < n; b++)
		total += counts[b];
	if (total == 0 || n < 2)
		return -1;
	double rank = q * (double)total;
	for (unsigned b = 0; b < n; b++) {
		if (counts[b] == 0 || (double)(seen + counts[b]) < rank) {
			seen += counts[b];
			continue;
		}
		double lo = lower(b);
		double hi = b + 1 < n ? lower(b + 1) : lo + (lo - lower(b - 1));
		return lo + (hi - lo) * (rank - (double)seen) / (double)counts[b];
	}
	return lower(n - 1);
}
