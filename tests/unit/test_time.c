/* Time parsing and formatting against hand-computed epochs. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "sa_time.h"

int main(void)
{
	uint64_t ns, now = 1700000000ULL * SA_NS_PER_S;
	char buf[64];

	/* 2024-01-01T00:00:00Z = 1704067200 (19723 days * 86400). */
	CHECK(sa_time_parse("2024-01-01", now, &ns) == 0 && ns == 1704067200ULL * SA_NS_PER_S);
	CHECK(sa_time_parse("2024-01-01T01:02:03Z", now, &ns) == 0 &&
	      ns == (1704067200ULL + 3723) * SA_NS_PER_S);
	CHECK(sa_time_parse("2024-01-01T00:00:00.25", now, &ns) == 0 &&
	      ns == 1704067200ULL * SA_NS_PER_S + 250000000ULL);
	CHECK(sa_time_parse("1704067200.5", now, &ns) == 0 && ns == 1704067200500000000ULL);
	CHECK(sa_time_parse("-2h", now, &ns) == 0 && ns == now - 7200 * SA_NS_PER_S);
	CHECK(sa_time_parse("-1d", now, &ns) == 0 && ns == now - 86400 * SA_NS_PER_S);
	CHECK(sa_time_parse("-5x", now, &ns) == -EINVAL);
	CHECK(sa_time_parse("--5h", now, &ns) == -EINVAL);
	CHECK(sa_time_parse("- 5h", now, &ns) == -EINVAL);
	CHECK(sa_time_parse("-5", now, &ns) == -EINVAL); /* a unit is required after '-' */

	/* Durations (retention settings). */
	uint64_t sec = 0;
	CHECK(sa_duration_parse("90", &sec) == 0 && sec == 90);
	CHECK(sa_duration_parse("0", &sec) == 0 && sec == 0);
	CHECK(sa_duration_parse("45s", &sec) == 0 && sec == 45);
	CHECK(sa_duration_parse("30m", &sec) == 0 && sec == 1800);
	CHECK(sa_duration_parse("2d", &sec) == 0 && sec == 172800);
	CHECK(sa_duration_parse("2w", &sec) == 0 && sec == 1209600);
	CHECK(sa_duration_parse("2y", &sec) == 0 && sec == 63072000);
	CHECK(sa_duration_parse("1.5h", &sec) == -EINVAL);
	CHECK(sa_duration_parse("5x", &sec) == -EINVAL);
	CHECK(sa_duration_parse("5dd", &sec) == -EINVAL);
	CHECK(sa_duration_parse("", &sec) == -EINVAL);
	CHECK(sa_duration_parse(" 5", &sec) == -EINVAL);
	CHECK(sa_duration_parse("-5", &sec) == -EINVAL);
	/* 18446744073 s is the last whole second of 64-bit ns; one more is refused. */
	CHECK(sa_duration_parse("18446744072", &sec) == 0 && sec == 18446744072ULL);
	CHECK(sa_duration_parse("18446744074", &sec) == -EINVAL);
	CHECK(sa_duration_parse("584y", &sec) == 0 && sec == 584ULL * 365 * 86400);
	CHECK(sa_duration_parse("585y", &sec) == -EINVAL);
	CHECK(sa_duration_parse("99999999999999999999999", &sec) == -EINVAL);
	CHECK(sa_time_parse("yesterday", now, &ns) == -EINVAL);
	CHECK(sa_time_parse("2024-13-45", now, &ns) == -EINVAL);
	CHECK(sa_time_parse("", now, &ns) == -EINVAL);
	CHECK(sa_time_parse("2024-01-01T00:00:00junk", now, &ns) == -EINVAL);
	/* ns since the epoch must fit 64 bits (2^64 ns ~ 2554-07-21). */
	CHECK(sa_time_parse("nan", now, &ns) == -EINVAL);
	CHECK(sa_time_parse("2e10", now, &ns) == -EINVAL);
	CHECK(sa_time_parse("2555-01-01", now, &ns) == -EINVAL);
	CHECK(sa_time_parse("2554-01-01", now, &ns) == 0 && ns / SA_NS_PER_S == 18429292800ULL); /* date -u -d 2554-01-01 +%s */
	CHECK(strcmp(sa_time_fmt(1704067200123456789ULL, buf, sizeof(buf)),
		     "2024-01-01T00:00:00.123456Z") == 0);
	return check_summary();
}
