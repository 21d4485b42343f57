/* Prints what our forecasters make of a series, for test_fc_statsmodels.py.
 *
 *   fc_ref_tool hw add|mul none|trend M M2 ALPHA BETA GAMMA DELTA PHI H
 *       fc_fit_hw_fixed: the documented initial state, the given
 *       parameters (M2 = 0: one season; none: trend starts and stays 0)
 *   fc_ref_tool sarima M P D Q SD SQ AR1 AR2 MA1 SMA1 H
 *       fc_fit_sarima_fixed: the CSS recursion with the given coefficients
 *   fc_ref_tool fit hw add|mul none|add|damped M M2 H     fc_fit, Holt-Winters
 *   fc_ref_tool sn M H                                    fc_fit, seasonal naive
 *
 * The series is read from stdin as whitespace-separated numbers. Output is
 * one "name [index] value" per line, %.17g so nothing is lost in transit:
 *   param NAME value     every params[] entry the kind has
 *   sigma value, sd_power value   the one-step sd is sigma * |forecast|^sd_power
 *   level/trend value    Holt-Winters
 *   season I value       the first ring as fc_part_pack writes it: slot 0
 *                        belongs to the next point (seasonal naive too)
 *   season2 J value      Holt-Winters with a second season
 *   y J value, e J value SARIMA: the last M+3 points and one-step errors,
 *                        oldest first
 *   err T value          SARIMA: the one-step error at every t >= M+3, from
 *                        replaying fc_part_update over y from the documented
 *                        start (the first M+3 points, errors 0, the fitted
 *                        coefficients); "replay 1" if that ends in the state
 *                        the fitter returned
 *   f H value, se H value  fc_path for leads 1..H
 * Exit 2 on bad usage or input, 1 if fitting fails. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_fit.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: fc_ref_tool hw add|mul none|trend M M2 ALPHA BETA GAMMA DELTA PHI H\n"
		"       fc_ref_tool sarima M P D Q SD SQ AR1 AR2 MA1 SMA1 H\n"
		"       fc_ref_tool fit hw add|mul none|add|damped M M2 H\n"
		"       fc_ref_tool sn M H\n"
		"(series on stdin)\n");
	return 2;
}

static int parse_double(const char *s, double *out)
{
	char *end;
	*out = strtod(s, &end);
	return end != s && *end == '\0';
}

/* 0..max; a season of 0 is the caller's to refuse. */
static int parse_unsigned(const char *s, unsigned long max, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	*out = (unsigned)v;
	return end != s && *end == '\0' && v <= max;
}

static int parse_doubles(char **argv, unsigned n, double *out)
{
	for (unsigned i = 0; i < n; i++)
		if (!parse_double(argv[i], &out[i]))
			return 0;
	return 1;
}

static int parse_hw_kind(const char *s, enum fc_kind *k)
{
	*k = strcmp(s, "add") == 0 ? FC_HW_ADDITIVE : strcmp(s, "mul") == 0 ? FC_HW_MULTIPLICATIVE : 0;
	return *k != 0;
}

static int parse_trend(const char *s, enum fc_trend *t)
{
	static const char *const names[] = {"none", "add", "damped"};
	for (unsigned i = 0; i < 3; i++)
		if (strcmp(s, names[i]) == 0) {
			*t = (enum fc_trend)i;
			return 1;
		}
	if (strcmp(s, "trend") == 0) { /* fixed parameters: only the initial trend matters */
		*t = FC_TREND_ADD;
		return 1;
	}
	return 0;
}

/* The whole of stdin; NULL (after a message) on a bad number. */
static double *read_series(unsigned *n_out)
{
	size_t n = 0, cap = 1024;
	double *y = malloc(cap * sizeof(*y));
	if (!y)
		return NULL;
	while (scanf("%lf", &y[n]) == 1) {
		if (++n == cap) {
			double *p = realloc(y, 2 * cap * sizeof(*y));
			if (!p) {
				free(y);
				return NULL;
			}
			y = p;
			cap *= 2;
		}
	}
	if (!feof(stdin) || n > 10000000) {
		fprintf(stderr, "fc_ref_tool: bad number after %zu values\n", n);
		free(y);
		return NULL;
	}
	*n_out = (unsigned)n;
	return y;
}

static void print_ring(const char *name, const double *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		printf("%s %u %.17g\n", name, i, v[i]);
}

/* Everything the part holds, through the public pack, then its path. */
static int print_part(const struct fc_part *p, unsigned h)
{
	static const char *const hw_names[] = {"alpha", "beta", "gamma", "delta", "phi"};
	static const char *const ar_names[] = {"d", "sd", "c", "ar1", "ar2", "ma1", "sma1"};
	unsigned np = fc_part_nparams(p->kind), ns = fc_part_nstate(p->kind, p->season, p->season2);
	double params[FC_MAX_PARAMS], *state = malloc(ns * sizeof(double));
	double *f = malloc(2 * (size_t)h * sizeof(double));
	struct fc_model m = {.n_parts = 1, .part = {*p}};

	if (!state || !f || fc_path(&m, h, f, f + h) < 0) {
		free(state);
		free(f);
		return 1;
	}
	fc_part_pack(p, params, state);
	for (unsigned i = 0; i < np; i++)
		printf("param %s %.17g\n", p->kind == FC_SARIMA ? ar_names[i] : hw_names[i], params[i]);
	printf("sigma %.17g\nsd_power %.17g\n", p->sigma, p->sd_power);
	if (p->kind == FC_SARIMA) {
		print_ring("y", state, p->season + 3);
		print_ring("e", state + p->season + 3, p->season + 3);
	} else if (p->kind == FC_SEASONAL_NAIVE) {
		print_ring("season", state, p->season);
	} else {
		printf("level %.17g\ntrend %.17g\n", state[0], state[1]);
		print_ring("season", state + 2, p->season);
		print_ring("season2", state + 2 + p->season, p->season2);
	}
	for (unsigned i = 0; i < h; i++)
		printf("f %u %.17g\nse %u %.17g\n", i + 1, f[i], i + 1, f[h + i]);
	free(state);
	free(f);
	return 0;
}

/* The CSS errors of a fitted SARIMA, by replaying its recursion from the
 * documented start; see the top of the file. */
static int print_sarima_errors(const struct fc_part *fit, const double *y, unsigned n)
{
	uint32_t r = fit->season + 3;
	unsigned ns = 2 * r;
	double params[FC_MAX_PARAMS], *st = calloc(2 * (size_t)ns, sizeof(double));
	struct fc_part *p = malloc(sizeof(*p));
	int rc = 1;

	if (!st || !p)
		goto out;
	memcpy(st, y, r * sizeof(double));
	fc_part_pack(fit, params, st + ns); /* for the coefficients (and below) */
	if (fc_part_unpack(p, FC_SARIMA, fit->season, 0, params, FC_AR_NPARAMS, st, ns, fit->sigma,
			   fit->sd_power) < 0)
		goto out;
	for (unsigned t = r; t < n; t++)
		printf("err %u %.17g\n", t, fc_part_update(p, y[t]));
	fc_part_pack(p, params, st);
	printf("replay %d\n", memcmp(st, st + ns, ns * sizeof(double)) == 0);
	rc = 0;
out:
	free(st);
	free(p);
	return rc;
}

/* The SARIMA orders P D Q SD SQ from five words. */
static int parse_orders(char **w, struct fc_spec *s)
{
	unsigned v[5];
	for (unsigned i = 0; i < 5; i++)
		if (!parse_unsigned(w[i], 2, &v[i]))
			return 0;
	s->kind = FC_SARIMA;
	s->p = (uint8_t)v[0];
	s->d = (uint8_t)v[1];
	s->q = (uint8_t)v[2];
	s->sd = (uint8_t)v[3];
	s->sq = (uint8_t)v[4];
	return 1;
}

/* The model's words (after "fit", if any), up to the final H: the spec and,
 * for fixed fits, the parameters. 1 on success. */
static int parse_model(char **a, int na, int fit, struct fc_spec *s, double *q)
{
	if (strcmp(a[0], "hw") == 0 && na == (fit ? 6 : 11))
		return parse_hw_kind(a[1], &s->kind) && parse_trend(a[2], &s->trend) &&
		       parse_unsigned(a[3], FC_MAX_SEASON, &s->season) &&
		       parse_unsigned(a[4], FC_MAX_SEASON, &s->season2) &&
		       (fit || parse_doubles(a + 5, 5, q));
	if (strcmp(a[0], "sarima") == 0 && na == (fit ? 8 : 12))
		return parse_unsigned(a[1], FC_MAX_SEASON, &s->season) && parse_orders(a + 2, s) &&
		       (fit || parse_doubles(a + 7, 4, q + FC_AR_1));
	if (strcmp(a[0], "sn") == 0 && na == 3 && !fit) {
		s->kind = FC_SEASONAL_NAIVE;
		return parse_unsigned(a[1], FC_MAX_SEASON, &s->season);
	}
	return 0;
}

/* Fits as asked and prints; the exit status. */
static int run(const struct fc_spec *s, int fit, const double *q, unsigned h)
{
	unsigned n;
	double *y = read_series(&n);
	struct fc_part *p = calloc(1, sizeof(*p)); /* ~33 kB: not on the stack */
	int rc;

	if (!y || !p) {
		free(y);
		free(p);
		return 2;
	}
	if (fit || s->kind == FC_SEASONAL_NAIVE)
		rc = fc_fit(s, y, n, p);
	else if (s->kind == FC_SARIMA)
		rc = fc_fit_sarima_fixed(s, y, n, q, p);
	else
		rc = fc_fit_hw_fixed(s, y, n, q, p);
	if (rc == 0 && s->kind == FC_SARIMA)
		rc = print_sarima_errors(p, y, n) ? -ENOMEM : 0;
	if (rc < 0)
		fprintf(stderr, "fc_ref_tool: fit failed: %d\n", rc);
	else
		rc = print_part(p, h);
	free(y);
	free(p);
	return rc < 0 ? 1 : rc;
}

int main(int argc, char **argv)
{
	struct fc_spec s = {0};
	double q[FC_MAX_PARAMS] = {0};
	unsigned h;
	int fit = argc > 1 && strcmp(argv[1], "fit") == 0;
	int na = argc - 1 - fit; /* the model's words and H */

	if (na < 2 || !parse_model(argv + 1 + fit, na, fit, &s, q) ||
	    !parse_unsigned(argv[argc - 1], 1000000, &h) || h == 0)
		return usage();
	return run(&s, fit, q, h);
}
