/* libFuzzer target for sa_time_parse (time arguments of sa and sa-gen, and
 * query ranges typed by users) and sa_duration_parse (retention settings).
 *
 * Input: the string; it is parsed as a NUL-terminated copy in a block of
 * exactly size + 1 bytes (so ASan sees a read past the terminator), against
 * three clocks: 0 (sa-gen), a 2024 wall clock, and the largest u64.
 * Checks: the result is 0 or -EINVAL; a relative time is never after now;
 * an absolute date/time is the number of ns since the epoch that libc's own
 * strptime + timegm give for it (so a time whose ns do not fit in 64 bits
 * must be refused, not wrapped); and an accepted time formats with
 * sa_time_fmt and parses back to the same microsecond. */
#define _GNU_SOURCE /* strptime, timegm */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sa_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint64_t clocks[] = {0, 1704067200ULL * SA_NS_PER_S, UINT64_MAX};
#define N_CLOCKS (sizeof(clocks) / sizeof(clocks[0]))

/* The seconds libc makes of an absolute date/time, as sa_time.c reads it
 * (same two formats); returns 0 if strptime takes neither. */
static int libc_seconds(const char *s, time_t *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL) {
		memset(&tm, 0, sizeof(tm));
		if (strptime(s, "%Y-%m-%d", &tm) == NULL)
			return 0;
	}
	*t = timegm(&tm);
	return 1;
}

static void check(const char *s, uint64_t now)
{
	uint64_t ns = 0, back = 0;
	char buf[64];
	time_t t;
	int ret = sa_time_parse(s, now, &ns);

	if (ret == -EINVAL)
		return;
	if (ret != 0)
		__builtin_trap();
	if (s[0] == '-') {
		if (ns > now)
			__builtin_trap();
	} else if (strchr(s, '-') != NULL) {
		if (!libc_seconds(s, &t) || t < 0 || (uint64_t)t > UINT64_MAX / SA_NS_PER_S ||
		    ns / SA_NS_PER_S != (uint64_t)t)
			__builtin_trap();
	}
	sa_time_fmt(ns, buf, sizeof(buf));
	if (sa_time_parse(buf, now, &back) != 0 || back != ns / 1000 * 1000)
		__builtin_trap();
}

/* sa_duration_parse: accepted only as digits and at most one unit letter,
 * and then exactly digits x unit, computed here in 128 bits. */
static void check_duration(const char *s)
{
	static const char units[] = "smhdwy";
	static const uint64_t unit_s[] = {1, 60, 3600, 86400, 7 * 86400, 365 * 86400};
	uint64_t got = 0;
	unsigned __int128 want = 0;
	size_t i = 0;

	if (sa_duration_parse(s, &got) != 0)
		return;
	for (; s[i] >= '0' && s[i] <= '9'; i++)
		if ((want = want * 10 + (unsigned)(s[i] - '0')) > UINT64_MAX)
			__builtin_trap();
	const char *u = s[i] ? strchr(units, s[i]) : NULL;
	if (i == 0 || (s[i] && (u == NULL || s[i + 1] != '\0')))
		__builtin_trap();
	want *= u ? unit_s[u - units] : 1;
	if (want > UINT64_MAX / SA_NS_PER_S || got != (uint64_t)want)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (size_t i = 0; i < N_CLOCKS; i++)
		check(s, clocks[i]);
	check_duration(s);
	free(s);
	return 0;
}
