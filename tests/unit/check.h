/* A minimal test harness shared by the unit tests. CHECK* count passes and
 * failures (a failure prints where and what); check_summary prints the line
 * ctest logs and CI reads ("N passed, M failed") and gives the exit status.
 * Set check_context to name the case being run in failure messages. */
#ifndef CHECK_H
#define CHECK_H

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned n_pass, n_fail;
static const char *check_context = "";

#define CHECK_REPORT_(ok, ...)                                                   \
	do {                                                                     \
		if (ok) {                                                        \
			n_pass++;                                                \
		} else {                                                         \
			n_fail++;                                                \
			fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__,       \
				check_context);                                  \
			fprintf(stderr, __VA_ARGS__);                            \
			fputc('\n', stderr);                                     \
		}                                                                \
	} while (0)

#define CHECK(cond) CHECK_REPORT_((cond), "CHECK(%s) failed", #cond)

/* Signed and unsigned integer equality, showing both values. */
#define CHECK_EQ(a, b)                                                           \
	do {                                                                     \
		long long a_ = (long long)(a), b_ = (long long)(b);              \
		CHECK_REPORT_(a_ == b_, "%s == %lld, expected %lld", #a, a_, b_); \
	} while (0)
#define CHECK_U(a, b)                                                            \
	do {                                                                     \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                 \
		CHECK_REPORT_(a_ == b_, "%s == %" PRIu64 ", expected %" PRIu64,  \
			      #a, a_, b_);                                       \
	} while (0)
/* |a - b| <= tol. */
#define CHECK_NEAR(a, b, tol)                                                    \
	do {                                                                     \
		double a_ = (a), b_ = (b);                                       \
		CHECK_REPORT_(fabs(a_ - b_) <= (tol), "%s = %.17g, expected %.17g", \
			      #a, a_, b_);                                       \
	} while (0)

static inline int check_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median of x[0..n-1] (n >= 1), sorting x: the tests' own, so that they
 * do not check the library with the library's. */
static inline double check_median(double *x, unsigned n)
{
	qsort(x, n, sizeof(double), check_cmp_double);
	return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

/* Runs fn in a child process, so that a crash in the code under test is
 * one failed check (naming what) instead of a lost run. */
static inline void check_isolated(const char *what, void (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		n_fail = 0;
		fn();
		fflush(NULL);
		_exit(n_fail ? 1 : 0);
	}
	int status = 0;
	CHECK_REPORT_(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
			      WEXITSTATUS(status) == 0,
		      "%s: child %s %d", what, WIFSIGNALED(status) ? "killed by signal" : "exited",
		      WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

/* xorshift64: the same pseudo-random sequence on every platform, so a test
 * that draws from it checks the same cases every run. */
static uint64_t check_rng = 88172645463325252ULL;
static inline void check_rand_seed(uint64_t seed)
{
	check_rng = seed ? seed : 88172645463325252ULL;
}
static inline uint64_t check_rand(void)
{
	check_rng ^= check_rng << 13;
	check_rng ^= check_rng >> 7;
	check_rng ^= check_rng << 17;
	return check_rng;
}

static inline int check_summary(void)
{
	printf("%u passed, %u failed\n", n_pass, n_fail);
	return n_fail != 0;
}

#endif
