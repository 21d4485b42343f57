/* Finding seasonal periods in a series from its autocorrelation. */
#ifndef FC_SEASON_H
#define FC_SEASON_H

#include <stdint.h>

/* Looks for a first period m1 (2..max) and a second m2, a multiple of m1
 * (a week of days), in y[0..n-1]. The series is detrended (least-squares
 * line) and its autocorrelation r(k) computed up to n/2. m1 is the
 * smallest lag that is the highest point of r over [k/2, 3k/2] and above
 * both 0.2 and the 2.5/sqrt(n) noise level, then moved to the lag within
 * k/8 of it (at least 1) whose multiples have the highest r in sum: a
 * weekly pattern can tilt the daily peak to 22 or 23 hours. m2 is the
 * smallest multiple j*m1 (j >= 2) whose r exceeds those at (j-1)*m1 and
 * (j+1)*m1 by 0.05 or more: a pattern that repeats every j-th season and
 * not in between.
 * Writes 0 for a period not found; r_m1 (may be NULL) gets r(m1). Returns
 * how many were found, or -ENOMEM. */
int fc_detect_seasons(const double *y, unsigned n, uint32_t max, uint32_t *m1, uint32_t *m2,
		      double *r_m1);

#endif
