/* Time helpers. Series and flows use capture time in ns since the epoch;
 * the wall clock is only for timeouts of the control plane. */
#ifndef SA_TIME_H
#define SA_TIME_H

#include <stdint.h>
#include <time.h>

#define SA_NS_PER_S 1000000000ULL

static inline uint64_t sa_wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * SA_NS_PER_S + (uint64_t)ts.tv_nsec;
}

static inline uint64_t sa_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SA_NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* Formats ns since the epoch as ISO 8601 UTC with microseconds into buf. */
const char *sa_time_fmt(uint64_t ns, char *buf, unsigned len);

/* Parses "2024-01-02T03:04:05[.frac][Z]", "2024-01-02", a number of seconds
 * since the epoch, or a relative "-3h"/"-2d"/"-30m"/"-10s" against now_ns.
 * Returns 0 and sets *ns, or -EINVAL. */
int sa_time_parse(const char *s, uint64_t now_ns, uint64_t *ns);

/* Parses a duration: whole seconds, or a number with a unit s, m, h, d, w
 * or y (365 days): "90", "30d", "2y". Returns 0 and sets *seconds, or
 * -EINVAL (also for more seconds than 64-bit ns can hold). */
int sa_duration_parse(const char *s, uint64_t *seconds);

#endif
