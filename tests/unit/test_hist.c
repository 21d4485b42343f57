/* Histogram bucket edges and quantiles against hand-computed values. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "sa_hist.h"

int main(void)
{
	char buf[32];

	/* RMON bands: 64, 65-127, 128-255, 256-511, 512-1023, 1024-1518. */
	CHECK(sa_size_bucket(0) == 0);
	CHECK(sa_size_bucket(64) == 0);
	CHECK(sa_size_bucket(65) == 1);
	CHECK(sa_size_bucket(127) == 1);
	CHECK(sa_size_bucket(128) == 2);
	CHECK(sa_size_bucket(1514) == 5);
	CHECK(sa_size_bucket(1518) == 5);
	CHECK(sa_size_bucket(1519) == 6);
	CHECK(sa_size_bucket(9000) == 6);
	CHECK(sa_size_bucket(9001) == 7);
	CHECK(sa_size_bucket(65535) == 7);
	CHECK(strcmp(sa_size_label(1, buf, sizeof(buf)), "65-127") == 0);
	CHECK(strcmp(sa_size_label(7, buf, sizeof(buf)), "9001+") == 0);

	/* Time: bucket 0 below 1 us, bucket k in [2^(k-1), 2^k) us. */
	CHECK(sa_time_bucket(0) == 0);
	CHECK(sa_time_bucket(999) == 0);
	CHECK(sa_time_bucket(1000) == 1);
	CHECK(sa_time_bucket(1999) == 1);
	CHECK(sa_time_bucket(2000) == 2);
	CHECK(sa_time_bucket(1000000) == 10); /* 1 ms = 1000 us in [512, 1024) */
	CHECK(sa_time_bucket(UINT64_MAX) == SA_TIME_BUCKETS - 1);
	CHECK(sa_time_lower_ns(10) == 512000);
	CHECK(strcmp(sa_time_label(0, buf, sizeof(buf)), "0-1us") == 0);
	CHECK(strcmp(sa_time_label(11, buf, sizeof(buf)), "1ms-2ms") == 0);

	/* Quantile: 100 counts spread evenly over [128, 256): median = 192. */
	uint64_t h[SA_SIZE_BUCKETS] = {0};
	h[2] = 100;
	CHECK(fabs(sa_hist_quantile(h, SA_SIZE_BUCKETS, 0.5, sa_size_lower_d) - 192.0) < 1e-9);
	/* 50 in [0,65), 50 in [65,128): p25 = 32.5, p75 = 96.5. */
	memset(h, 0, sizeof(h));
	h[0] = 50;
	h[1] = 50;
	CHECK(fabs(sa_hist_quantile(h, SA_SIZE_BUCKETS, 0.25, sa_size_lower_d) - 32.5) < 1e-9);
	CHECK(fabs(sa_hist_quantile(h, SA_SIZE_BUCKETS, 0.75, sa_size_lower_d) - 96.5) < 1e-9);
	memset(h, 0, sizeof(h));
	CHECK(sa_hist_quantile(h, SA_SIZE_BUCKETS, 0.5, sa_size_lower_d) < 0);
	return check_summary();
}
