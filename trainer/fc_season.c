/* Seasonality from the autocorrelation function (see fc_season.h). */
#include "fc_season.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#define R_MIN 0.2       /* a weaker "season" is not worth a model's parameters */
#define NEIGHBOUR 0.05  /* how far m2 must stand above the multiples beside it */

/* z = y minus its least-squares line, fitted on centred t and y so that
 * a large level or slope does not cancel in the sums; returns sum z^2,
 * or 0 when what is left is rounding (below 1e-12 of y's own spread: a
 * straight line has no season). */
static double detrend(const double *y, unsigned n, double *z)
{
	double tm = (n - 1) / 2.0, ym = 0, stt = 0, sty = 0, total = 0, ss = 0;
	for (unsigned t = 0; t < n; t++)
		ym += y[t] / n;
	for (unsigned t = 0; t < n; t++) {
		stt += (t - tm) * (t - tm);
		sty += (t - tm) * (y[t] - ym);
		total += (y[t] - ym) * (y[t] - ym);
	}
	double b = stt > 0 ? sty / stt : 0.0;
	for (unsigned t = 0; t < n; t++) {
		z[t] = y[t] - ym - b * (t - tm);
		ss += z[t] * z[t];
	}
	return ss <= 1e-12 * total ? 0.0 : ss;
}

/* A strong weekly pattern tilts r: its own autocorrelation falls with
 * every hour of lag, so the daily peak can sit at 22 or 23 rather than 24
 * (hourly data, weekends at a fifth to a third). A true period also peaks
 * at its multiples, where an off-by-d lag drifts d further each cycle: so
 * of the lags within k / 8 (at least 1) of k, the one with the highest
 * sum of r over the multiples all of them have in range (up to K), and
 * not above max. */
static uint32_t sharpen(const double *r, unsigned K, uint32_t k, uint32_t max)
{
	uint32_t d = k / 8 > 1 ? k / 8 : 1, best = k;
	unsigned J = K / (k + d);
	double best_score = -INFINITY;

	for (uint32_t c = k > d + 2 ? k - d : 2; J && c <= k + d && c <= max; c++) {
		double score = 0;
		for (unsigned j = 1; j <= J; j++)
			score += r[j * c];
		if (score > best_score) {
			best_score = score;
			best = c;
		}
	}
	return best;
}

int fc_detect_seasons(const double *y, unsigned n, uint32_t max, uint32_t *m1, uint32_t *m2,
		      double *r_m1)
{
	unsigned K = n / 2;
	*m1 = *m2 = 0;
	if (r_m1)
		*r_m1 = 0.0;
	if (K < 4)
		return 0;
	double *z = malloc(n * sizeof(double)), *r = malloc((K + 1) * sizeof(double));
	if (!z || !r) {
		free(z);
		free(r);
		return -ENOMEM;
	}
	double ss = detrend(y, n, z);
	int found = 0;
	if (!(ss > 0) || !isfinite(ss))
		goto out; /* constant (or broken) series: no season */
	for (unsigned k = 0; k <= K; k++) {
		double s = 0;
		for (unsigned t = k; t < n; t++)
			s += z[t] * z[t - k];
		r[k] = s / ss;
	}
	double floor = fmax(R_MIN, 2.5 / sqrt(n));
	for (unsigned k = 2; k <= K && k <= max && !*m1; k++) {
		if (r[k] < floor)
			continue;
		unsigned lo = k / 2, hi = k + k / 2 < K ? k + k / 2 : K, j;
		for (j = lo; j <= hi; j++)
			if (j != k && r[j] >= r[k])
				break;
		if (j > hi)
			*m1 = k;
	}
	if (!*m1)
		goto out;
	*m1 = sharpen(r, K, *m1, max);
	found = 1;
	if (r_m1)
		*r_m1 = r[*m1];
	for (unsigned j = 2; (j + 1) * *m1 <= K && j * *m1 <= max; j++) {
		double here = r[j * *m1];
		if (here >= r[(j - 1) * *m1] + NEIGHBOUR && here >= r[(j + 1) * *m1] + NEIGHBOUR) {
			*m2 = j * *m1;
			found = 2;
			break;
		}
	}
out:
	free(z);
	free(r);
	return found;
}
