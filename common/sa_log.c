#include <stdarg.h>
#include <stdio.h>

#include "sa_log.h"
#include "sa_time.h"

static const char *log_prog = "sa";
static enum sa_log_level log_level = SA_LOG_INFO;

void sa_log_init(const char *prog, enum sa_log_level level)
{
	log_prog = prog;
	log_level = level;
}

void sa_log(enum sa_log_level level, const char *module, const char *fmt, ...)
{
	static const char *const tag[] = {"error", "warning", "info", "debug"};
	char line[1024];
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per line so lines from threads do not interleave. */
	fprintf(stderr, "%s: %s: %s: %s\n", log_prog, tag[level], module, line);
}

int sa_ratelimit_pass(struct sa_ratelimit *rl, unsigned interval_s, uint64_t *suppressed)
{
	uint64_t now = sa_mono_ns();

	if (now < rl->next_ns) {
		rl->suppressed++;
		return 0;
	}
	rl->next_ns = now + interval_s * SA_NS_PER_S;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return 1;
}
