#define _GNU_SOURCE /* strptime, timegm */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_time.h"

const char *sa_time_fmt(uint64_t ns, char *buf, unsigned len)
{
	time_t s = (time_t)(ns / SA_NS_PER_S);
	struct tm tm;
	char day[32];

	gmtime_r(&s, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06uZ", day, (unsigned)(ns % SA_NS_PER_S / 1000));
	return buf;
}

int sa_duration_parse(const char *s, uint64_t *seconds)
{
	char *end;
	unsigned long long n;
	uint64_t unit;

	if (s == NULL || !isdigit((unsigned char)s[0])) /* strtoull would take "-5h" or " 5h" */
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || (end[0] != '\0' && end[1] != '\0'))
		return -EINVAL;
	switch (*end) {
	case '\0':
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	case 'y': unit = 365 * 86400; break;
	default: return -EINVAL;
	}
	/* At most what 64-bit ns can hold, as for times. */
	if (n > UINT64_MAX / SA_NS_PER_S / unit)
		return -EINVAL;
	*seconds = n * unit;
	return 0;
}

static int parse_relative(const char *s, uint64_t now_ns, uint64_t *ns)
{
	uint64_t back;

	/* A bare number after '-' would be ambiguous with a date: a unit is required. */
	if (!isalpha((unsigned char)s[strlen(s) - 1]) || sa_duration_parse(s + 1, &back) != 0 ||
	    back > now_ns / SA_NS_PER_S)
		return -EINVAL;
	*ns = now_ns - back * SA_NS_PER_S;
	/* The same 64-bit ns range as absolute times (up to 2554). */
	return *ns / SA_NS_PER_S < UINT64_MAX / SA_NS_PER_S ? 0 : -EINVAL;
}

int sa_time_parse(const char *s, uint64_t now_ns, uint64_t *ns)
{
	struct tm tm;
	const char *rest;
	uint64_t frac = 0, scale = SA_NS_PER_S;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	if (s[0] == '-')
		return parse_relative(s, now_ns, ns);
	if (strchr(s, '-') == NULL) { /* plain seconds since the epoch, maybe fractional */
		char *end;
		double v = strtod(s, &end);
		/* ns since the epoch must fit 64 bits: up to the year 2554. */
		if (*end != '\0' || !isfinite(v) || v < 0 || v >= (double)(UINT64_MAX / SA_NS_PER_S))
			return -EINVAL;
		*ns = (uint64_t)(v * 1e9 + 0.5);
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest == NULL) {
		memset(&tm, 0, sizeof(tm));
		rest = strptime(s, "%Y-%m-%d", &tm);
	}
	if (rest == NULL)
		return -EINVAL;
	if (*rest == '.') {
		for (rest++; isdigit((unsigned char)*rest); rest++)
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*rest - '0') * scale;
			}
	}
	if (*rest == 'Z')
		rest++;
	if (*rest != '\0')
		return -EINVAL;
	time_t t = timegm(&tm);
	if (t < 0 || (uint64_t)t >= UINT64_MAX / SA_NS_PER_S)
		return -EINVAL;
	*ns = (uint64_t)t * SA_NS_PER_S + frac;
	return 0;
}
