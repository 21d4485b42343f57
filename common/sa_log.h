/* Levelled logging for the control plane (aggregator, trainer, CLI helpers).
 * The capture node's data path never logs; its control plane uses RTE_LOG. */
#ifndef SA_LOG_H
#define SA_LOG_H

#include <stdint.h>

enum sa_log_level { SA_LOG_ERR, SA_LOG_WARN, SA_LOG_INFO, SA_LOG_DEBUG };

/* Sets the process-wide threshold and the program name printed on each line. */
void sa_log_init(const char *prog, enum sa_log_level level);
void sa_log(enum sa_log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* At most one line per `interval_s` from one call site; the number of
 * suppressed repeats is appended to the next line that gets through. */
struct sa_ratelimit {
	uint64_t next_ns;
	uint64_t suppressed;
};
int sa_ratelimit_pass(struct sa_ratelimit *rl, unsigned interval_s, uint64_t *suppressed);

#define SA_LOG_RL(level, module, fmt, ...)                                          \
	do {                                                                        \
		static struct sa_ratelimit rl_;                                     \
		uint64_t sup_;                                                      \
		if (sa_ratelimit_pass(&rl_, 10, &sup_))                             \
			sa_log(level, module, fmt " (%llu similar suppressed)",     \
			       ##__VA_ARGS__, (unsigned long long)sup_);            \
	} while (0)

#endif
