/* The reason for a refusal, written into a caller's buffer. */
#ifndef SA_ERRF_H
#define SA_ERRF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Formats into err (none when err is NULL or errlen 0) and returns rc. */
__attribute__((format(printf, 4, 5))) static inline int sa_errf(int rc, char *err, size_t errlen,
								const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

#endif
