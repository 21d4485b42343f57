/* Prints what our forecasters make of a series, for test_fc_statsmodels.py.
 *
 *   fc_ref_tool hw SEASON ALPHA BETA GAMMA H   fc_fit_fixed (fixed parameters)
 *   fc_ref_tool fit SEASON H                   fc_fit, Holt-Winters
 *   fc_ref_tool sn SEASON H                    fc_fit, seasonal naive
 *
 * The series is read from stdin as whitespace-separated numbers. Output,
 * one "name value" per line, %.17g so nothing is lost in transit:
 *   alpha/beta/gamma, level, trend, season I (I = 0..m-1), resid_sd,
 *   f H (H = 1..h). Exit 2 on bad usage or input, 1 if fitting fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_fit.h"

static int usage(void)
{
	fprintf(stderr, "usage: fc_ref_tool hw SEASON ALPHA BETA GAMMA H < series\n"
			"       fc_ref_tool fit|sn SEASON H < series\n");
	return 2;
}

static int parse_double(const char *s, double *out)
{
	char *end;
	*out = strtod(s, &end);
	return end != s && *end == '\0';
}

static int parse_unsigned(const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	*out = (unsigned)v;
	return end != s && *end == '\0' && v > 0 && v <= 1000000;
}

int main(int argc, char **argv)
{
	unsigned season, h;
	double a = 0, b = 0, g = 0;
	int hw_fixed = argc == 7 && strcmp(argv[1], "hw") == 0;

	if (!hw_fixed && !(argc == 4 && (strcmp(argv[1], "fit") == 0 ||
					 strcmp(argv[1], "sn") == 0)))
		return usage();
	if (!parse_unsigned(argv[2], &season) || !parse_unsigned(argv[argc - 1], &h))
		return usage();
	if (hw_fixed && (!parse_double(argv[3], &a) || !parse_double(argv[4], &b) ||
			 !parse_double(argv[5], &g)))
		return usage();

	size_t n = 0, cap = 1024;
	double *y = malloc(cap * sizeof(*y));
	if (!y)
		return 2;
	while (scanf("%lf", &y[n]) == 1) {
		if (++n == cap) {
			double *p = realloc(y, 2 * cap * sizeof(*y));
			if (!p) {
				free(y);
				return 2;
			}
			y = p;
			cap *= 2;
		}
	}
	if (!feof(stdin)) {
		fprintf(stderr, "fc_ref_tool: bad number after %zu values\n", n);
		free(y);
		return 2;
	}

	struct fc_model m;
	int rc;
	if (hw_fixed)
		rc = fc_fit_fixed(y, (unsigned)n, season, a, b, g, &m);
	else
		rc = fc_fit(strcmp(argv[1], "sn") == 0 ? FC_SEASONAL_NAIVE : FC_HOLT_WINTERS,
			    y, (unsigned)n, season, &m);
	free(y);
	if (rc < 0) {
		fprintf(stderr, "fc_ref_tool: fit failed: %d\n", rc);
		return 1;
	}

	printf("alpha %.17g\nbeta %.17g\ngamma %.17g\n", m.alpha, m.beta, m.gamma);
	printf("level %.17g\ntrend %.17g\n", m.level, m.trend);
	for (unsigned i = 0; i < m.season; i++)
		printf("season %u %.17g\n", i, m.seasonal[i]);
	printf("resid_sd %.17g\n", m.resid_sd);
	for (unsigned i = 1; i <= h; i++)
		printf("f %u %.17g\n", i, fc_forecast(&m, i));
	return 0;
}
