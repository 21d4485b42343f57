/* fc_fit, the fixed-parameter fits, fc_backtest and the scores. Recursion
 * values are worked out by hand in the comments; fitted models are judged
 * against the process that generated the data (seeded here) or against
 * bounds derived from its noise, never against a run of the code. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fc_fit.h"

#define PI 3.14159265358979323846 /* M_PI is POSIX, not C11 */
#define SEASON 24
#define N_TRAIN (SEASON * 14)
#define N_ALL (N_TRAIN + SEASON)

static struct fc_part P, Q;
static struct fc_model M;

static double uniform_pm1(void)
{
	return (double)(check_rand() >> 11) * 0x1.0p-53 * 2.0 - 1.0;
}

/* Standard normal by Box-Muller (one of the pair). */
static double gauss(void)
{
	double u = ((double)(check_rand() >> 11) + 0.5) * 0x1.0p-53;
	double v = (double)(check_rand() >> 11) * 0x1.0p-53;
	return sqrt(-2.0 * log(u)) * cos(2.0 * PI * v);
}

/* y = 100 + 0.5 t + 20 sin(2 pi t / 24) + noise * U(-1,1). */
static void trended_series(double *y, unsigned n, double noise)
{
	check_rand_seed(0x9e3779b97f4a7c15ull);
	for (unsigned t = 0; t < n; t++)
		y[t] = 100.0 + 0.5 * t + 20.0 * sin(2.0 * PI * t / SEASON) + noise * uniform_pm1();
}

static void one(struct fc_model *m, const struct fc_part *p)
{
	memset(m, 0, sizeof(*m));
	m->n_parts = 1;
	m->part[0] = *p;
}

/* The sigma rule fc_fit documents (fc_fit_internal.h), applied to errors
 * e and forecasts f worked out by hand: relative (sd_power 1) when every
 * f > 0, else absolute (0); the root mean square of the smallest n - n/20
 * of |e / f^k|, over 0.75884 (a normal's variance within +-1.96 sd). */
static void expect_sigma(const double *e, const double *f, unsigned n, double *sigma,
			 double *sd_power)
{
	double x[64];
	int pos = 1;
	for (unsigned i = 0; i < n; i++)
		pos &= f[i] > 0;
	for (unsigned i = 0; i < n; i++)
		x[i] = fabs(pos ? e[i] / f[i] : e[i]);
	*sd_power = pos ? 1.0 : 0.0;
	check_median(x, n); /* sorts x */
	unsigned keep = n - n / 20;
	double ss = 0;
	for (unsigned i = 0; i < keep; i++)
		ss += x[i] * x[i];
	*sigma = sqrt(ss / keep / 0.75884);
}

/* The one-step sd a part implies at its next forecast. */
static double onestep_sd(const struct fc_part *p)
{
	return p->sigma * pow(fabs(fc_part_next(p)), p->sd_power);
}

/* --- Holt-Winters with fixed parameters, by hand ------------------------------ */

static void test_hw_fixed_by_hand(void)
{
	check_context = "hw_fixed_by_hand";
	/* y = 10 14 | 13 15 | 14 19, m = 2, alpha .5, beta .1, gamma .2, phi 1.
	 * Init: l = (10+14)/2 = 12, b = ((13+15)/2 - 12)/2 = 1,
	 *       s[-2] = 10-12 = -2, s[-1] = 14-12 = 2.
	 * Each step: f = l + b + s[t-2]; l' = .5(y - s[t-2]) + .5(l + b);
	 *            b' = .1(l' - l) + .9 b;  s[t] = .2(y - l') + .8 s[t-2].
	 * t=0 y=10: f 11        e -1         l 12.5           b .95
	 *           s0 = .2(10-12.5) + .8(-2)       = -2.1
	 * t=1 y=14: f 15.45     e -1.45      l 12.725         b .8775
	 *           s1 = .2(14-12.725) + .8(2)      = 1.855
	 * t=2 y=13: f 11.5025   e 1.4975     l 14.35125       b .952375
	 *           s2 = .2(13-14.35125) + .8(-2.1) = -1.95025
	 * t=3 y=15: f 17.158625 e -2.158625  l 14.2243125     b .84444375
	 *           s3 = .2(15-14.2243125) + .8(1.855) = 1.6391375
	 * t=4 y=14: f 13.11850625 e .88149375 l 15.509503125  b .8885184375
	 *           s4 = .2(14-15.509503125) + .8(-1.95025) = -1.862100625
	 * t=5 y=19: f 18.0371590625 e .9628409375 l 16.87944203125
	 *           b .936660484375, s5 = .2(19-16.87944203125) + .8(1.6391375)
	 *           = 1.73542159375
	 * Forecasts: h=1 l+b+s4 = 15.954001890625, h=2 l+2b+s5 = 20.48818459375,
	 *            h=3 l+3b+s4 = 17.827322859375.
	 * sigma: from the errors after the first season (t = 2..5). */
	static const double y[] = {10, 14, 13, 15, 14, 19};
	static const double e[] = {1.4975, -2.158625, 0.88149375, 0.9628409375};
	static const double f1[] = {11.5025, 17.158625, 13.11850625, 18.0371590625};
	static const double q[] = {0.5, 0.1, 0.2, 0.0, 1.0};
	const struct fc_spec s = {.kind = FC_HW_ADDITIVE, .season = 2, .trend = FC_TREND_ADD};
	double params[FC_HW_NPARAMS], state[4], f[3], sigma, power;

	CHECK(fc_fit_hw_fixed(&s, y, 6, q, &P) == 0);
	CHECK(P.kind == FC_HW_ADDITIVE && P.season == 2 && P.season2 == 0);
	fc_part_pack(&P, params, state);
	CHECK(memcmp(params, q, sizeof(q)) == 0);
	CHECK_NEAR(state[0], 16.87944203125, 1e-12);
	CHECK_NEAR(state[1], 0.936660484375, 1e-12);
	CHECK_NEAR(state[2], -1.862100625, 1e-12);
	CHECK_NEAR(state[3], 1.73542159375, 1e-12);
	one(&M, &P);
	CHECK(fc_path(&M, 3, f, NULL) == 0);
	CHECK_NEAR(f[0], 15.954001890625, 1e-12);
	CHECK_NEAR(f[1], 20.48818459375, 1e-12);
	CHECK_NEAR(f[2], 17.827322859375, 1e-12);
	/* Every forecast is positive: relative; 4 errors, none trimmed: the
	 * root mean square of |e/f| = 1.4975/11.5025, 2.158625/17.158625,
	 * .88149375/13.11850625, .9628409375/18.0371590625, over .75884. */
	expect_sigma(e, f1, 4, &sigma, &power);
	CHECK(power == 1.0);
	CHECK_NEAR(sigma, sqrt((pow(1.4975 / 11.5025, 2) + pow(2.158625 / 17.158625, 2) +
				pow(0.88149375 / 13.11850625, 2) + pow(0.9628409375 / 18.0371590625, 2)) /
			       4 / 0.75884), 1e-15);
	CHECK_NEAR(P.sigma, sigma, 1e-12);
	CHECK(P.sd_power == power);

	/* The initial seasonal terms are medians over the three cycles, each
	 * point against its cycle's mean (12, 14, 16.5): median(-2, -1, -2.5)
	 * = -2 and median(2, 1, 2.5) = 2, as used above. Without a trend the
	 * initial trend is 0 and beta keeps it there: with alpha = gamma = 0
	 * nothing moves, so the forecasts repeat 12 - 2, 12 + 2. */
	const struct fc_spec flat = {.kind = FC_HW_ADDITIVE, .season = 2, .trend = FC_TREND_NONE};
	static const double q0[] = {0, 0, 0, 0, 1};
	CHECK(fc_fit_hw_fixed(&flat, y, 6, q0, &P) == 0);
	CHECK(P.trend == 0.0 && P.level == 12.0);
	one(&M, &P);
	CHECK(fc_path(&M, 3, f, NULL) == 0);
	CHECK(f[0] == 10.0 && f[1] == 14.0 && f[2] == 10.0);

	/* Parameters outside [0,1] or NaN are refused; *out is untouched. */
	static const double bad[][5] = {{1.5, 0.1, 0.2, 0, 1}, {0.5, -0.1, 0.2, 0, 1},
					{0.5, 0.1, NAN, 0, 1},  {0.5, 0.1, 0.2, 0, 1.01},
					{0.5, 0.1, 0.2, -1, 1}};
	Q = P;
	for (unsigned i = 0; i < 5; i++)
		CHECK(fc_fit_hw_fixed(&s, y, 6, bad[i], &P) == -EINVAL);
	CHECK(fc_fit_hw_fixed(&s, y, 3, q, &P) == -EINVAL); /* n < 2m */
	CHECK(memcmp(&P, &Q, sizeof(P)) == 0);
}

static void test_hw_damped_by_hand(void)
{
	check_context = "hw_damped_by_hand";
	/* y = 10 14 | 13 15, m = 2, alpha .5, beta .1, gamma .2, phi .5.
	 * Init: cycle means 12, 14: l 12, b (14 - 12)/2 = 1; seasonal terms
	 * median(10-12, 13-14) = -1.5, median(14-12, 15-14) = 1.5.
	 * f = l + .5 b + s; b' = .1 (l' - l) + .9 * .5 b.
	 * t=0: D 12.5, f 11, l .5(11.5) + .5(12.5) = 12, b 0 + .45 = .45,
	 *      s0 .2(10 - 12) + .8(-1.5) = -1.6
	 * t=1: D 12.225, f 13.725, l .5(12.5) + .5(12.225) = 12.3625,
	 *      b .03625 + .2025 = .23875, s1 .2(1.6375) + 1.2 = 1.5275
	 * t=2: D 12.481875, f 10.881875, e 2.118125, l 7.3 + 6.2409375 = 13.5409375,
	 *      b .11784375 + .1074375 = .22528125, s0 -.1081875 - 1.28 = -1.3881875
	 * t=3: D 13.653578125, f 15.181078125, e -.181078125,
	 *      l 6.73625 + 6.8267890625 = 13.5630390625,
	 *      b .00221015625 + .1013765625 = .10358671875,
	 *      s1 .2873921875 + 1.222 = 1.5093921875
	 * h=1: l + .5 b + s0 = 12.226644921875; h=2: l + .75 b + s1 = 15.1501212890625. */
	static const double y[] = {10, 14, 13, 15};
	static const double e[] = {2.118125, -0.181078125};
	static const double f1[] = {10.881875, 15.181078125};
	static const double q[] = {0.5, 0.1, 0.2, 0.0, 0.5};
	const struct fc_spec s = {.kind = FC_HW_ADDITIVE, .season = 2, .trend = FC_TREND_DAMPED};
	double f[2], sigma, power;

	CHECK(fc_fit_hw_fixed(&s, y, 4, q, &P) == 0);
	CHECK_NEAR(P.level, 13.5630390625, 1e-12);
	CHECK_NEAR(P.trend, 0.10358671875, 1e-12);
	one(&M, &P);
	CHECK(fc_path(&M, 2, f, NULL) == 0);
	CHECK_NEAR(f[0], 12.226644921875, 1e-12);
	CHECK_NEAR(f[1], 15.1501212890625, 1e-12);
	expect_sigma(e, f1, 2, &sigma, &power);
	CHECK_NEAR(P.sigma, sigma, 1e-12);
	CHECK(P.sd_power == power);
}

/* --- SARIMA with fixed coefficients, by hand ------------------------------------- */

static void test_sarima_fixed_by_hand(void)
{
	check_context = "sarima_fixed_by_hand";
	/* (0,0,0)(0,1,1)_2, sma1 .5, on
	 *   y = 1 2 3 5 4 7 6 8 9 9 10 13      (12 = 2m + 8 points, the minimum)
	 * w_t = y_t - y_{t-2}, t >= 2: 2 3 1 2 2 1 3 1 1 4, so c = 20/10 = 2.
	 * The first m+3 = 5 points are history with errors 0; from t = 5
	 * e_t = w_t - 2 - .5 e_{t-2}:
	 *   t=5: 0   t=6: 0   t=7: -1   t=8: 1   t=9: -1 + .5 = -.5
	 *   t=10: -1 - .5 = -1.5   t=11: 2 + .25 = 2.25
	 * one-step forecasts y - e: 7 6 9 8 9.5 11.5 10.75.
	 * Forecasts: w^_12 = 2 + .5 e_10 = 1.25 -> y^ = y_10 + 1.25 = 11.25;
	 *            w^_13 = 2 + .5 e_11 = 3.125 -> y^ = 13 + 3.125 = 16.125;
	 *            w^_14 = 2 -> y^ = 11.25 + 2 = 13.25.
	 * psi: (1 + .5B^2)/(1 - B^2) = 1 + 1.5B^2 + 1.5B^4 + ..., so the se
	 * factor is 1, 1, sqrt 3.25, sqrt 3.25, sqrt 5.5. */
	static const double y[] = {1, 2, 3, 5, 4, 7, 6, 8, 9, 9, 10, 13};
	static const double e[] = {0, 0, -1, 1, -0.5, -1.5, 2.25};
	static const double f1[] = {7, 6, 9, 8, 9.5, 11.5, 10.75};
	const struct fc_spec s = {.kind = FC_SARIMA, .season = 2, .sd = 1, .sq = 1};
	double q[FC_AR_NPARAMS] = {0}, params[FC_AR_NPARAMS], state[10], f[5], se[5], sigma, power;

	q[FC_AR_SMA1] = 0.5;
	CHECK(fc_fit_sarima_fixed(&s, y, 12, q, &P) == 0);
	fc_part_pack(&P, params, state);
	CHECK(params[FC_AR_D] == 0 && params[FC_AR_SD] == 1);
	CHECK_NEAR(params[FC_AR_C], 2.0, 1e-12);
	CHECK(params[FC_AR_SMA1] == 0.5 && params[FC_AR_1] == 0 && params[FC_AR_MA1] == 0);
	/* History: the last 5 points and their errors, oldest first. */
	for (unsigned i = 0; i < 5; i++) {
		CHECK(state[i] == y[7 + i]);
		CHECK_NEAR(state[5 + i], e[2 + i], 1e-12);
	}
	one(&M, &P);
	CHECK(fc_path(&M, 5, f, se) == 0);
	CHECK_NEAR(f[0], 11.25, 1e-12);
	CHECK_NEAR(f[1], 16.125, 1e-12);
	CHECK_NEAR(f[2], 13.25, 1e-12);
	/* Relative (every forecast positive); 7 errors, none trimmed: the
	 * root mean square of 0, 0, 1/9, 1/8, .5/9.5, 1.5/11.5, 2.25/10.75
	 * over .75884. */
	expect_sigma(e, f1, 7, &sigma, &power);
	CHECK(power == 1.0);
	CHECK_NEAR(sigma, sqrt((1.0 / 81 + 1.0 / 64 + pow(0.5 / 9.5, 2) + pow(1.5 / 11.5, 2) +
				pow(2.25 / 10.75, 2)) / 7 / 0.75884), 1e-15);
	CHECK_NEAR(P.sigma, sigma, 1e-12);
	CHECK(P.sd_power == power);
	static const double factor[] = {1, 1, 3.25, 3.25, 5.5};
	for (unsigned h = 0; h < 5; h++)
		CHECK_NEAR(se[h], sigma * fabs(f[h]) * sqrt(factor[h]), 1e-12);

	/* Coefficients outside the admissible region are refused. */
	Q = P;
	double b[FC_AR_NPARAMS] = {0};
	b[FC_AR_SMA1] = 1.5;
	CHECK(fc_fit_sarima_fixed(&s, y, 12, b, &P) == -EINVAL);
	b[FC_AR_SMA1] = 0;
	b[FC_AR_1] = 1.0;
	const struct fc_spec ar = {.kind = FC_SARIMA, .season = 2, .p = 1, .sd = 1};
	CHECK(fc_fit_sarima_fixed(&ar, y, 12, b, &P) == -EINVAL);
	b[FC_AR_1] = 0.5;
	b[FC_AR_2] = 0.6; /* |ar1| < 1 - ar2 fails */
	CHECK(fc_fit_sarima_fixed(&ar, y, 12, b, &P) == -EINVAL);
	CHECK(fc_fit_sarima_fixed(&s, y, 11, q, &P) == -EINVAL); /* n < 2m + 8 */
	CHECK(memcmp(&P, &Q, sizeof(P)) == 0);
}

/* An ARMA with no differencing at all (the API allows sd = 0): c is the
 * plain mean. (ar_setup in fc_sarima.c read y[t - m] for t < m, the
 * index wrapping, when sd = 0: a crash.) */
static void sarima_no_seasonal_difference(void)
{
	static double y[300];
	check_rand_seed(5);
	for (unsigned t = 0; t < 300; t++)
		y[t] = 50.0 + gauss();
	const struct fc_spec s = {.kind = FC_SARIMA, .season = 12, .p = 1, .q = 1};
	CHECK(fc_fit(&s, y, 300, &P) == 0);
	double mean = 0.0;
	for (unsigned t = 0; t < 300; t++)
		mean += y[t] / 300;
	CHECK_NEAR(P.params[FC_AR_C], mean, 1e-9);
	CHECK(fabs(P.params[FC_AR_1]) < 1 && fabs(P.params[FC_AR_MA1]) <= 1);
}

static void test_sarima_no_seasonal_difference(void)
{
	check_context = "sarima_no_seasonal_difference";
	check_isolated("fc_fit sarima(1,0,1)(0,0,0)12", sarima_no_seasonal_difference);
}

/* --- seasonal naive ----------------------------------------------------------- */

static void test_sn_by_hand(void)
{
	check_context = "sn_by_hand";
	/* m = 2: the state is the last season {7, 9}; in sample the errors
	 * y_t - y_{t-2} for t = 2..5 are 3 3 3 4 against forecasts 1 2 4 5;
	 * the level is the last season's mean 8. */
	static const double y[] = {1, 2, 4, 5, 7, 9};
	static const double e[] = {3, 3, 3, 4}, f1[] = {1, 2, 4, 5};
	const struct fc_spec s = {.kind = FC_SEASONAL_NAIVE, .season = 2};
	double f[4], one_step[6], sigma, power;

	CHECK(fc_fit_onestep(&s, y, 6, &P, one_step) == 0);
	CHECK(P.kind == FC_SEASONAL_NAIVE && P.season == 2);
	CHECK_NEAR(P.level, 8.0, 1e-12);
	/* Relative: |e/f| = 3, 1.5, .75, .8, none trimmed. */
	expect_sigma(e, f1, 4, &sigma, &power);
	CHECK(power == 1.0);
	CHECK_NEAR(sigma, sqrt((9 + 2.25 + 0.5625 + 0.64) / 4 / 0.75884), 1e-12);
	CHECK_NEAR(P.sigma, sigma, 1e-12);
	CHECK(P.sd_power == power);
	one(&M, &P);
	CHECK(fc_path(&M, 4, f, NULL) == 0);
	CHECK(f[0] == 7.0 && f[1] == 9.0 && f[2] == 7.0 && f[3] == 9.0);
	/* In-sample one-step forecasts: none for the first season. */
	CHECK(isnan(one_step[0]) && isnan(one_step[1]));
	for (unsigned t = 2; t < 6; t++)
		CHECK(one_step[t] == y[t - 2]);
	/* The part survives fc_part_unpack's checks. */
	double params[1], state[2];
	fc_part_pack(&P, params, state);
	CHECK(fc_part_unpack(&Q, P.kind, P.season, 0, params, 0, state, 2, P.sigma, P.sd_power) == 0);
}

/* --- backtest and scores by hand ------------------------------------------------ */

static void test_scores_by_hand(void)
{
	check_context = "scores_by_hand";
	struct fc_metrics r;
	/* y = 2 -4 0 5, f = 1 -1 3 5: errors 1 -3 -3 0.
	 * MAE 7/4, RMSE sqrt(19/4); MAPE over the non-zero actuals 2, -4, 5:
	 * 100 (1/2 + 3/4 + 0) / 3; MASE 1.75 / .5 = 3.5. */
	static const double y[] = {2, -4, 0, 5}, f[] = {1, -1, 3, 5};
	fc_score(y, f, 4, 0.5, &r);
	CHECK(r.n == 4);
	CHECK_NEAR(r.mae, 1.75, 1e-15);
	CHECK_NEAR(r.rmse, sqrt(19.0 / 4), 1e-15);
	CHECK_NEAR(r.mape, 100.0 * 1.25 / 3, 1e-12);
	CHECK_NEAR(r.mase, 3.5, 1e-15);
	fc_score(y, f, 4, 0.0, &r); /* no scale: no MASE */
	CHECK(isnan(r.mase));
	static const double z[] = {0, 0};
	fc_score(z, f, 2, 1.0, &r); /* all actuals zero: no MAPE; errors -1, 1 */
	CHECK(isnan(r.mape) && r.mae == 1.0);
	fc_score(y, f, 0, 1.0, &r);
	CHECK(r.n == 0 && isnan(r.mae) && isnan(r.rmse));

	/* MASE scale: mean |y_t - y_{t-m}|. y = 1 2 4 5 7: m = 2 -> 3 3 3 -> 3;
	 * m = 1 -> 1 2 1 2 -> 1.5; nothing to average -> 0. */
	static const double s[] = {1, 2, 4, 5, 7};
	CHECK_NEAR(fc_mase_scale(s, 5, 2), 3.0, 1e-15);
	CHECK_NEAR(fc_mase_scale(s, 5, 1), 1.5, 1e-15);
	CHECK(fc_mase_scale(s, 2, 2) == 0.0);
	CHECK(fc_mase_scale(s, 5, 0) == 0.0);
	CHECK(fc_mase_scale(NULL, 5, 1) == 0.0);
	static const double inf[] = {1, INFINITY, 3};
	CHECK(fc_mase_scale(inf, 3, 1) == 0.0);
}

static void test_backtest_by_hand(void)
{
	check_context = "backtest_by_hand";
	/* Seasonal naive, m = 2 (it needs m + 1 = 3 points), horizon 2, on
	 *   y = 1 2 4 5 7 9 10 14
	 * 2 folds at origins 8 - 4 = 4 and 6:
	 *   origin 4: state {4, 5}, targets {7, 9}   -> errors 3, 4
	 *   origin 6: state {7, 9}, targets {10, 14} -> errors 3, 5
	 * MAE 15/4, RMSE sqrt((9 + 16 + 9 + 25)/4),
	 * MAPE 100 (3/7 + 4/9 + 3/10 + 5/14) / 4; with scale 3, MASE 1.25.
	 * A third fold would need origin 2 < 3 points: folds = 3 is cut to 2. */
	static const double y[] = {1, 2, 4, 5, 7, 9, 10, 14};
	const struct fc_spec s = {.kind = FC_SEASONAL_NAIVE, .season = 2};
	struct fc_metrics r;
	double fc[6];
	unsigned used = 0;

	CHECK(fc_backtest(&s, y, 8, 2, 2, 3.0, fc, &used, &r) == 0);
	CHECK(used == 2 && r.n == 4);
	CHECK(fc[0] == 4 && fc[1] == 5 && fc[2] == 7 && fc[3] == 9);
	CHECK_NEAR(r.mae, 3.75, 1e-12);
	CHECK_NEAR(r.rmse, sqrt(59.0 / 4), 1e-12);
	CHECK_NEAR(r.mape, 100.0 * (3.0 / 7 + 4.0 / 9 + 3.0 / 10 + 5.0 / 14) / 4, 1e-12);
	CHECK_NEAR(r.mase, 1.25, 1e-12);
	CHECK(r.fit_s >= 0.0);
	CHECK(fc_backtest(&s, y, 8, 2, 3, 3.0, fc, &used, &r) == 0);
	CHECK(used == 2 && r.n == 4);
	/* One fold: origin 6 only -> MAE 4, RMSE sqrt 17. */
	CHECK(fc_backtest(&s, y, 8, 2, 1, 3.0, NULL, NULL, &r) == 0);
	CHECK_NEAR(r.mae, 4.0, 1e-12);
	CHECK_NEAR(r.rmse, sqrt(17.0), 1e-12);
	CHECK(r.n == 2);
	/* n = 3 + 2 is one fold (origin 3: state {2, 4} against 5, 7 -> MAE 3);
	 * one point less is none. */
	CHECK(fc_backtest(&s, y, 5, 2, 5, 3.0, NULL, &used, &r) == 0);
	CHECK(used == 1 && r.n == 2);
	CHECK_NEAR(r.mae, 3.0, 1e-12);
	CHECK(fc_backtest(&s, y, 4, 2, 5, 3.0, NULL, NULL, &r) == -EINVAL);
	CHECK(fc_backtest(&s, y, 8, 0, 1, 3.0, NULL, NULL, &r) == -EINVAL);
	CHECK(fc_backtest(&s, y, 8, 2, 0, 3.0, NULL, NULL, &r) == -EINVAL);
	CHECK(fc_backtest(&s, NULL, 8, 2, 1, 3.0, NULL, NULL, &r) == -EINVAL);
	const struct fc_spec bad = {.kind = (enum fc_kind)7, .season = 2};
	CHECK(fc_backtest(&bad, y, 8, 2, 1, 3.0, NULL, NULL, &r) == -EINVAL);
}

/* --- fitting on simulated processes ------------------------------------------------ */

/* The documented start of a HW fit (trainer/fc_hw.c), one additive
 * season: with K = n / m whole cycles of mean c_k, level = c_0, trend =
 * (c_1 - c_0) / m (0 without one), seasonal term i = the median over the
 * cycles of y[k m + i] - c_k. */
static void hw_doc_start(const double *y, unsigned n, uint32_t m, int trend, double *state)
{
	unsigned K = n / m;
	double *c = malloc(K * sizeof(double)), *v = malloc(K * sizeof(double));
	CHECK(c && v);
	for (unsigned k = 0; c && v && k < K; k++) {
		c[k] = 0.0;
		for (uint32_t i = 0; i < m; i++)
			c[k] += y[k * m + i] / m;
	}
	for (uint32_t i = 0; c && v && i < m; i++) {
		for (unsigned k = 0; k < K; k++)
			v[k] = y[k * m + i] - c[k];
		state[2 + i] = check_median(v, K);
	}
	if (c && v) {
		state[0] = c[0];
		state[1] = trend ? (c[1] - c[0]) / m : 0.0;
	}
	free(c);
	free(v);
}

/* Sum of squared one-step errors for t >= t0 of part p run over y. */
static double sse_from(struct fc_part *p, const double *y, unsigned n, unsigned t0)
{
	double sse = 0.0;
	for (unsigned t = 0; t < n; t++) {
		double e = fc_part_update(p, y[t]);
		if (t >= t0)
			sse += e * e;
	}
	return sse;
}

/* ETS(A,N,A) in error-correction form with Winters' gains a, g: a unit
 * error moves the level by a and the seasonal term by g (1 - a). */
static void simulate_hw(double *y, unsigned n, uint32_t m, double a, double g, double sd)
{
	double l = 100.0, s[64];
	for (uint32_t i = 0; i < m; i++)
		s[i] = 10.0 * sin(2.0 * PI * i / m);
	for (unsigned t = 0; t < n; t++) {
		double e = sd * gauss();
		y[t] = l + s[t % m] + e;
		l += a * e;
		s[t % m] += g * (1.0 - a) * e;
	}
}

/* sigma and sd_power of a fit against the documented rule applied to its
 * own in-sample one-step forecasts (from t0 on). */
static void check_sigma_rule(const struct fc_part *p, const double *y, const double *one_step,
			     unsigned n, unsigned t0)
{
	double *x = malloc(n * sizeof(double));
	int pos = 1;
	CHECK(x != NULL);
	if (!x)
		return;
	for (unsigned t = t0; t < n; t++)
		pos &= one_step[t] > 0;
	for (unsigned t = t0; t < n; t++)
		x[t - t0] = fabs((y[t] - one_step[t]) / (pos ? one_step[t] : 1.0));
	CHECK(p->sd_power == (pos ? 1.0 : 0.0));
	unsigned k = n - t0, keep = k - k / 20;
	double ss = 0;
	check_median(x, k); /* sorts x */
	for (unsigned i = 0; i < keep; i++)
		ss += x[i] * x[i];
	double want = sqrt(ss / keep / 0.75884);
	CHECK_NEAR(p->sigma, want, 1e-12 * want);
	free(x);
}

static void test_hw_recovers(void)
{
	check_context = "hw_recovers";
	enum { HM = 12, HN = 2400 };
	static double y[HN], one_step[HN];
	const double a = 0.3, g = 0.4;
	const struct fc_spec s = {.kind = FC_HW_ADDITIVE, .season = HM, .trend = FC_TREND_NONE};

	check_rand_seed(42);
	simulate_hw(y, HN, HM, a, g, 1.0);
	CHECK(fc_fit_onestep(&s, y, HN, &P, one_step) == 0);
	printf("hw fit on ETS(A,N,A) a=%.2f g=%.2f: a=%.4f b=%.4f g=%.4f sigma=%.4g sd_power %g\n",
	       a, g, P.params[FC_HW_ALPHA], P.params[FC_HW_BETA], P.params[FC_HW_GAMMA], P.sigma,
	       P.sd_power);
	/* With 200 seasons the estimates' sds are a few hundredths; the
	 * bounds are several of them. */
	CHECK_NEAR(P.params[FC_HW_ALPHA], a, 0.08);
	CHECK_NEAR(P.params[FC_HW_GAMMA], g, 0.15);
	CHECK(P.params[FC_HW_BETA] == 0.0 && P.trend == 0.0);
	/* Every forecast is positive, so sigma is relative (documented);
	 * the noise's sd is 1 around a level near 100, so sigma * 100 is
	 * near 1. */
	check_sigma_rule(&P, y, one_step, HN, HM);
	CHECK_NEAR(P.sigma * 100.0, 1.0, 0.2);

	/* The optimum is no worse than the truth on its own objective (the
	 * squared errors after the first season), both replayed from the
	 * documented start; and the replay with the fitted parameters is
	 * exactly the fitter's own in-sample run. */
	static double st[2 + HM];
	double q_true[] = {a, 0, g, 0, 1};
	hw_doc_start(y, HN, HM, 0, st);
	CHECK(fc_part_unpack(&Q, FC_HW_ADDITIVE, HM, 0, q_true, 5, st, 2 + HM, 1.0, 0) == 0);
	double sse_true = sse_from(&Q, y, HN, HM);
	CHECK(fc_part_unpack(&Q, FC_HW_ADDITIVE, HM, 0, P.params, 5, st, 2 + HM, 1.0, 0) == 0);
	double sse_fit = 0.0, worst = 0.0;
	for (unsigned t = 0; t < HN; t++) {
		double f = fc_part_next(&Q);
		fc_part_update(&Q, y[t]);
		if (t >= HM) {
			sse_fit += (y[t] - f) * (y[t] - f);
			worst = fmax(worst, fabs(f - one_step[t]));
		} else {
			CHECK(isnan(one_step[t]));
		}
	}
	CHECK(sse_fit <= sse_true);
	CHECK(worst < 1e-9);
	CHECK_NEAR(Q.level, P.level, 1e-9);
}

/* sigma's form (fc_fit_internal.h): relative whenever every in-sample
 * forecast is positive, else absolute; robust either way. A series that
 * crosses zero keeps absolute errors: a trimmed RMS of e, near the sd 2 of
 * its noise. */
static void test_sigma_form(void)
{
	check_context = "sigma_form";
	enum { SM = 12, SN = 1200 };
	static double y[SN], one_step[SN];
	const struct fc_spec s = {.kind = FC_HW_ADDITIVE, .season = SM, .trend = FC_TREND_ADD};

	for (int signed_ = 0; signed_ <= 1; signed_++) {
		check_rand_seed(11 + signed_);
		for (unsigned t = 0; t < SN; t++)
			y[t] = (signed_ ? 0.0 : 100.0) + 20.0 * sin(2.0 * PI * t / SM) + 2.0 * gauss();
		CHECK(fc_fit_onestep(&s, y, SN, &P, one_step) == 0);
		check_sigma_rule(&P, y, one_step, SN, SM);
		CHECK(P.sd_power == (signed_ ? 0.0 : 1.0));
		printf("sigma form, %s series: sigma %.4g, sd_power %g, one-step sd %.4g\n",
		       signed_ ? "signed" : "positive", P.sigma, P.sd_power, onestep_sd(&P));
		CHECK_NEAR(onestep_sd(&P), 2.0, signed_ ? 0.3 : 0.8);
	}
}

/* Airline model (0,1,1)(0,1,1)_4: w = e + th e_{t-1} + TH e_{t-4} + th TH e_{t-5}. */
static void simulate_airline(double *y, unsigned n, double th, double big_th)
{
	static double e[4096], w[4096];
	for (unsigned t = 0; t < n; t++) {
		e[t] = gauss();
		w[t] = e[t] + (t >= 1 ? th * e[t - 1] : 0) + (t >= 4 ? big_th * e[t - 4] : 0) +
		       (t >= 5 ? th * big_th * e[t - 5] : 0);
	}
	/* Undo (1-B)(1-B^4) from zeros. */
	for (unsigned t = 0; t < n; t++)
		y[t] = 500.0 + w[t] + (t >= 1 ? y[t - 1] - 500.0 : 0) + (t >= 4 ? y[t - 4] - 500.0 : 0) -
		       (t >= 5 ? y[t - 5] - 500.0 : 0);
}

static void test_sarima_recovers(void)
{
	check_context = "sarima_recovers";
	enum { N = 2000 };
	static double y[N];
	const double th = -0.4, big_th = -0.6;
	const struct fc_spec s = {.kind = FC_SARIMA, .season = 4, .d = 1, .q = 1, .sd = 1, .sq = 1};

	static double one_step[N];
	check_rand_seed(7);
	simulate_airline(y, N, th, big_th);
	CHECK(fc_fit_onestep(&s, y, N, &P, one_step) == 0);
	printf("sarima fit on airline(%.2f, %.2f)_4: ma1 %.4f sma1 %.4f sigma %.4g sd_power %g\n", th,
	       big_th, P.params[FC_AR_MA1], P.params[FC_AR_SMA1], P.sigma, P.sd_power);
	/* Asymptotic sds: sqrt((1 - th^2)/n) = .02, sqrt((1 - TH^2)/(n/4)) = .036. */
	CHECK_NEAR(P.params[FC_AR_MA1], th, 0.08);
	CHECK_NEAR(P.params[FC_AR_SMA1], big_th, 0.12);
	CHECK(P.params[FC_AR_D] == 1 && P.params[FC_AR_SD] == 1 && P.params[FC_AR_C] == 0);
	CHECK(P.params[FC_AR_1] == 0 && P.params[FC_AR_2] == 0);
	/* sigma by the documented rule from the errors after m+3 = 7; the
	 * noise's sd is 1, so sigma (absolute) or sigma times the typical
	 * level (relative) is near 1. */
	check_sigma_rule(&P, y, one_step, N, 7);
	double *lv = malloc((N - 7) * sizeof(double));
	CHECK(lv != NULL);
	if (lv) {
		for (unsigned t = 7; t < N; t++)
			lv[t - 7] = fabs(one_step[t]);
		CHECK_NEAR(P.sigma * pow(check_median(lv, N - 7), P.sd_power), 1.0, 0.2);
		free(lv);
	}

	/* CSS at the optimum is no worse than at the truth, both replayed
	 * from the documented start (the first m+3 points, errors 0). */
	static double st[14];
	double q[FC_AR_NPARAMS] = {1, 1, 0, 0, 0, th, big_th};
	memset(st, 0, sizeof(st));
	memcpy(st, y, 7 * sizeof(double));
	CHECK(fc_part_unpack(&Q, FC_SARIMA, 4, 0, q, 7, st, 14, 1.0, 0) == 0);
	double sse_true = sse_from(&Q, y + 7, N - 7, 0);
	CHECK(fc_part_unpack(&Q, FC_SARIMA, 4, 0, P.params, 7, st, 14, 1.0, 0) == 0);
	double sse_fit = sse_from(&Q, y + 7, N - 7, 0);
	CHECK(sse_fit <= sse_true);

	/* (2,0,0)(0,1,1)_4 with ar .5, .3, sma -.5: the AR pair is recovered. */
	static double w[N + 100], e[N + 100];
	for (unsigned t = 0; t < N + 100; t++) {
		e[t] = gauss();
		w[t] = e[t] + (t >= 2 ? 0.5 * w[t - 1] + 0.3 * w[t - 2] : 0) + (t >= 4 ? -0.5 * e[t - 4] : 0);
	}
	for (unsigned t = 0; t < N; t++)
		y[t] = w[t + 100] + (t >= 4 ? y[t - 4] : 200.0);
	const struct fc_spec s2 = {.kind = FC_SARIMA, .season = 4, .p = 2, .sd = 1, .sq = 1};
	CHECK(fc_fit(&s2, y, N, &P) == 0);
	printf("sarima fit on (2,0,0)(0,1,1)_4 (.5, .3, -.5): ar %.4f %.4f sma1 %.4f\n",
	       P.params[FC_AR_1], P.params[FC_AR_2], P.params[FC_AR_SMA1]);
	CHECK_NEAR(P.params[FC_AR_1], 0.5, 0.08);
	CHECK_NEAR(P.params[FC_AR_2], 0.3, 0.08);
	CHECK_NEAR(P.params[FC_AR_SMA1], -0.5, 0.1);
}

/* With U(-1,1) noise an oracle that knows the true curve scores
 * E|u| = 0.5. The fitted level, trend and seasonal terms are exponentially
 * weighted averages of noisy points and carry their own error, at most
 * comparable to the noise itself, so MAE < 1.0 = 2 E|u|. Seasonal naive
 * misses the trend by 0.5 * 24 = 12 at every step, so the bound cannot be
 * met without tracking the trend. */
static void test_hw_fit_trended(void)
{
	check_context = "hw_fit_trended";
	static double y[N_ALL], f[SEASON];
	const struct fc_spec s = {.kind = FC_HW_ADDITIVE, .season = SEASON, .trend = FC_TREND_ADD};

	trended_series(y, N_ALL, 1.0);
	CHECK(fc_fit(&s, y, N_TRAIN, &P) == 0);
	CHECK(P.kind == FC_HW_ADDITIVE && P.season == SEASON && P.params[FC_HW_PHI] == 1.0);
	one(&M, &P);
	CHECK(fc_path(&M, SEASON, f, NULL) == 0);
	double mae = 0.0;
	for (unsigned h = 0; h < SEASON; h++)
		mae += fabs(y[N_TRAIN + h] - f[h]) / SEASON;
	printf("hw fit: alpha %.4f beta %.4f gamma %.4f sigma %.4f, 24-step MAE %.4f\n",
	       P.params[0], P.params[1], P.params[2], P.sigma, mae);
	CHECK(mae < 1.0);
	CHECK_NEAR(P.trend, 0.5, 0.05);
	/* The admissible region: the trend learns no faster than the level. */
	CHECK_REPORT_(P.params[FC_HW_BETA] <= P.params[FC_HW_ALPHA], "beta %g > alpha %g",
		      P.params[FC_HW_BETA], P.params[FC_HW_ALPHA]);

	/* Damped: phi within its documented range [0.8, 0.98]. */
	const struct fc_spec d = {.kind = FC_HW_ADDITIVE, .season = SEASON, .trend = FC_TREND_DAMPED};
	CHECK(fc_fit(&d, y, N_TRAIN, &P) == 0);
	CHECK(P.params[FC_HW_PHI] >= 0.8 && P.params[FC_HW_PHI] <= 0.98);
	CHECK_REPORT_(P.params[FC_HW_BETA] <= P.params[FC_HW_ALPHA], "damped: beta %g > alpha %g",
		      P.params[FC_HW_BETA], P.params[FC_HW_ALPHA]);

	/* Backtest: 4 folds of 24. Seasonal naive's error is 12 + u_t - u_{t-24}
	 * at every point, never changing sign, so its MAE is 12 give or take
	 * the mean of 96 such noise differences (sd 0.08). */
	const struct fc_spec sn = {.kind = FC_SEASONAL_NAIVE, .season = SEASON};
	struct fc_metrics hw, snm;
	double scale = fc_mase_scale(y, N_TRAIN - 4 * SEASON, SEASON);
	CHECK(fc_backtest(&s, y, N_TRAIN, SEASON, 4, scale, NULL, NULL, &hw) == 0);
	CHECK(fc_backtest(&sn, y, N_TRAIN, SEASON, 4, scale, NULL, NULL, &snm) == 0);
	printf("backtest: hw mae %.4f mase %.4f, seasonal naive mae %.4f mase %.4f (n %u)\n", hw.mae,
	       hw.mase, snm.mae, snm.mase, hw.n);
	CHECK(hw.n == 96 && snm.n == 96);
	CHECK(hw.mae < 1.0 && hw.mae < snm.mae);
	CHECK_NEAR(snm.mae, 12.0, 0.3);
	/* The scale is seasonal naive's in-sample error, 12 give or take. */
	CHECK_NEAR(snm.mase, 1.0, 0.05);
	/* Too many folds are cut to (336 - 25) / 24 = 12. */
	unsigned used;
	CHECK(fc_backtest(&sn, y, N_TRAIN, SEASON, 100, scale, NULL, &used, &snm) == 0);
	CHECK(used == 12 && snm.n == 12 * SEASON);
}

/* A level that zigzags (8 hours up 40 an hour, 8 down) under a daily
 * cycle: a trend that may learn faster than the level (beta near 1 with
 * alpha near 1 was the fit) chases each leg's slope, and on a horizon
 * longer than a leg carries it on. The fit must stay in the admissible
 * region, beta <= alpha, for every trend form. */
static void test_hw_beta_admissible(void)
{
	check_context = "hw_beta_admissible";
	static double y[4 * 7 * SEASON];
	const unsigned n = sizeof(y) / sizeof(y[0]);
	static const enum fc_trend trends[] = {FC_TREND_ADD, FC_TREND_DAMPED};

	check_rand_seed(77);
	for (unsigned t = 0; t < n; t++) {
		double z = t % 16 < 8 ? t % 8 : 8 - t % 8;
		y[t] = (1000.0 + 40.0 * z) * (1.0 + 0.5 * sin(2.0 * PI * t / SEASON)) + 5.0 * gauss();
	}
	for (unsigned k = 0; k < 2; k++)
		for (enum fc_kind kind = FC_HW_ADDITIVE; kind <= FC_HW_MULTIPLICATIVE; kind++) {
			const struct fc_spec s = {.kind = kind, .season = SEASON, .trend = trends[k]};
			CHECK(fc_fit(&s, y, n, &P) == 0);
			CHECK_REPORT_(P.params[FC_HW_BETA] <= P.params[FC_HW_ALPHA] * (1 + 1e-12),
				      "%s trend %d: beta %g > alpha %g", fc_kind_name(kind), trends[k],
				      P.params[FC_HW_BETA], P.params[FC_HW_ALPHA]);
		}
}

/* A purely seasonal series: the initialisation is already exact (level =
 * the season mean, trend 0, seasonal = the deviations), every one-step error
 * is rounding noise, so the models forecast it to rounding. */
static void test_pure_seasonal(void)
{
	check_context = "pure_seasonal";
	static double y[N_TRAIN + 2 * SEASON], f[2 * SEASON];
	static const enum fc_kind kinds[] = {FC_HW_ADDITIVE, FC_HW_MULTIPLICATIVE, FC_SEASONAL_NAIVE};

	for (unsigned t = 0; t < N_TRAIN + 2 * SEASON; t++)
		y[t] = 50.0 + 10.0 * sin(2.0 * PI * t / SEASON) + 3.0 * cos(2.0 * PI * t / 8);
	for (unsigned k = 0; k < 3; k++) {
		const struct fc_spec s = {.kind = kinds[k], .season = SEASON, .trend = FC_TREND_ADD};
		CHECK(fc_fit(&s, y, N_TRAIN, &P) == 0);
		one(&M, &P);
		CHECK(fc_path(&M, 2 * SEASON, f, NULL) == 0);
		double worst = 0.0;
		for (unsigned h = 0; h < 2 * SEASON; h++)
			worst = fmax(worst, fabs(f[h] - y[N_TRAIN + h]));
		CHECK_REPORT_(worst < 1e-9, "kind %d: worst error %g", kinds[k], worst);
		CHECK(P.sigma < 1e-9);
	}

	/* A constant series: every forecast is the constant, sigma 0. */
	static double c[2 * SEASON];
	for (unsigned t = 0; t < 2 * SEASON; t++)
		c[t] = 42.0;
	const struct fc_spec s = {.kind = FC_HW_ADDITIVE, .season = SEASON, .trend = FC_TREND_ADD};
	CHECK(fc_fit(&s, c, 2 * SEASON, &P) == 0);
	one(&M, &P);
	CHECK(fc_path(&M, 2 * SEASON, f, NULL) == 0);
	CHECK_NEAR(f[0], 42.0, 1e-9);
	CHECK_NEAR(f[2 * SEASON - 1], 42.0, 1e-9);
	CHECK(P.sigma < 1e-9);
}

/* Leaves freed blocks of every small size filled with `byte`, so that
 * memory a later malloc hands out uninitialised holds that pattern. */
static void dirty_heap(unsigned char byte)
{
	enum { BLOCKS = 64 };
	void *b[BLOCKS];
	for (unsigned i = 0; i < BLOCKS; i++) {
		size_t size = 8 * (i + 1);
		b[i] = malloc(size);
		if (b[i])
			memset(b[i], byte, size);
	}
	for (unsigned i = 0; i < BLOCKS; i++)
		free(b[i]);
}

/* A fit is a function of its inputs: the same spec on the same data gives
 * the same part, bit for bit, whatever the heap held before. (nm_run in
 * fc_optim.c took GSL's fval before the first iteration set it, from
 * uninitialised memory: 0x00 reads as 0.0, 0x7f as 3e304. ASan fills new
 * blocks itself, so only the plain build can show it.) */
static void test_deterministic(void)
{
	check_context = "deterministic";
	static double y[N_ALL];
	static const struct fc_spec specs[] = {
		{.kind = FC_HW_MULTIPLICATIVE, .season = SEASON, .trend = FC_TREND_DAMPED},
		{.kind = FC_HW_ADDITIVE, .season = SEASON, .trend = FC_TREND_ADD},
		{.kind = FC_SARIMA, .season = SEASON, .p = 1, .q = 1, .sd = 1, .sq = 1},
	};
	trended_series(y, N_ALL, 1.0);
	for (unsigned k = 0; k < 3; k++) {
		dirty_heap(0x00);
		CHECK(fc_fit(&specs[k], y, N_TRAIN, &P) == 0);
		dirty_heap(0x7f);
		CHECK(fc_fit(&specs[k], y, N_TRAIN, &Q) == 0);
		unsigned i = 0;
		while (i < FC_MAX_PARAMS && P.params[i] == Q.params[i])
			i++;
		CHECK_REPORT_(i == FC_MAX_PARAMS && P.level == Q.level && P.sigma == Q.sigma,
			      "spec %u: two fits differ (params[%u] %.17g vs %.17g, sigma %.17g vs %.17g)",
			      k, i, i < FC_MAX_PARAMS ? P.params[i] : 0.0,
			      i < FC_MAX_PARAMS ? Q.params[i] : 0.0, P.sigma, Q.sigma);
	}
}

/* --- what is refused -------------------------------------------------------------- */

static void test_min_points(void)
{
	check_context = "min_points";
	struct fc_spec s = {.kind = FC_SEASONAL_NAIVE, .season = 24};
	CHECK(fc_min_points(&s) == 25);
	s.kind = FC_HW_ADDITIVE;
	CHECK(fc_min_points(&s) == 48);
	s.season2 = 168;
	CHECK(fc_min_points(&s) == 336);
	s.kind = FC_SARIMA;
	s.season2 = 0;
	CHECK(fc_min_points(&s) == 56);
	s.kind = (enum fc_kind)0;
	CHECK(fc_min_points(&s) == 0);
}

/* Exactly the minimum fits; one point less is refused, for every kind. */
static void test_too_short(void)
{
	check_context = "too_short";
	static double y[2 * 168 + 8];
	static const struct fc_spec specs[] = {
		{.kind = FC_SEASONAL_NAIVE, .season = 24},
		{.kind = FC_HW_ADDITIVE, .season = 24, .trend = FC_TREND_ADD},
		{.kind = FC_HW_MULTIPLICATIVE, .season = 24, .trend = FC_TREND_DAMPED},
		{.kind = FC_HW_ADDITIVE, .season = 24, .season2 = 168, .trend = FC_TREND_DAMPED},
		{.kind = FC_SARIMA, .season = 24, .p = 1, .q = 1, .sd = 1, .sq = 1},
		{.kind = FC_SARIMA, .season = 24, .d = 1, .q = 1, .sd = 1, .sq = 1},
		{.kind = FC_HW_ADDITIVE, .season = 1, .trend = FC_TREND_ADD},
	};
	check_rand_seed(3);
	for (unsigned t = 0; t < sizeof(y) / sizeof(y[0]); t++)
		y[t] = 100.0 + 10.0 * sin(2.0 * PI * t / 24) + gauss();
	for (unsigned k = 0; k < sizeof(specs) / sizeof(specs[0]); k++) {
		unsigned min = fc_min_points(&specs[k]);
		CHECK(min > 0 && min <= sizeof(y) / sizeof(y[0]));
		memset(&P, 0x5a, sizeof(P));
		Q = P;
		CHECK_REPORT_(fc_fit(&specs[k], y, min - 1, &P) == -EINVAL, "spec %u: %u points fit", k,
			      min - 1);
		CHECK(memcmp(&P, &Q, sizeof(P)) == 0);
		CHECK_REPORT_(fc_fit(&specs[k], y, min, &P) == 0, "spec %u: %u points refused", k, min);
		one(&M, &P);
		double f[4], se[4];
		CHECK(fc_path(&M, 4, f, se) == 0 && isfinite(f[3]) && isfinite(se[3]));
	}
}

static void test_invalid(void)
{
	check_context = "invalid";
	static double y[N_ALL];
	trended_series(y, N_ALL, 1.0);
	static const struct fc_spec bad[] = {
		{.kind = FC_HW_ADDITIVE, .season = 0},
		{.kind = FC_HW_ADDITIVE, .season = FC_MAX_SEASON + 1},
		{.kind = FC_HW_ADDITIVE, .season = 24, .season2 = 36},  /* not a multiple */
		{.kind = FC_HW_ADDITIVE, .season = 24, .season2 = 24},  /* not a second season */
		{.kind = FC_HW_ADDITIVE, .season = 24, .trend = (enum fc_trend)3},
		{.kind = FC_SEASONAL_NAIVE, .season = 24, .season2 = 48},
		{.kind = FC_SEASONAL_NAIVE, .season = 0},
		{.kind = FC_SARIMA, .season = 24, .p = 3, .sd = 1},
		{.kind = FC_SARIMA, .season = 24, .d = 2},
		{.kind = FC_SARIMA, .season = 24, .q = 2},
		{.kind = FC_SARIMA, .season = 24, .sd = 2},
		{.kind = FC_SARIMA, .season = 24, .sq = 2},
		{.kind = FC_SARIMA, .season = 24, .season2 = 48, .sd = 1},
		{.kind = FC_SARIMA, .season = 0, .sd = 1},
		{.kind = (enum fc_kind)0, .season = 24},
		{.kind = (enum fc_kind)9, .season = 24},
	};
	memset(&P, 0x5a, sizeof(P));
	Q = P;
	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		CHECK_REPORT_(fc_fit(&bad[k], y, N_TRAIN, &P) == -EINVAL, "bad spec %u fitted", k);

	const struct fc_spec hw = {.kind = FC_HW_ADDITIVE, .season = SEASON, .trend = FC_TREND_ADD};
	const struct fc_spec mul = {.kind = FC_HW_MULTIPLICATIVE, .season = SEASON};
	const struct fc_spec sn = {.kind = FC_SEASONAL_NAIVE, .season = SEASON};
	const struct fc_spec ar = {.kind = FC_SARIMA, .season = SEASON, .d = 1, .q = 1, .sd = 1, .sq = 1};
	CHECK(fc_fit(&hw, NULL, N_TRAIN, &P) == -EINVAL);
	CHECK(fc_fit(&hw, y, 0, &P) == -EINVAL);
	/* A non-finite point anywhere. */
	static const double nonfinite[] = {NAN, INFINITY, -INFINITY};
	static const unsigned at[] = {0, 100, N_TRAIN - 1};
	for (unsigned i = 0; i < 3; i++) {
		for (unsigned j = 0; j < 3; j++) {
			double keep = y[at[j]];
			y[at[j]] = nonfinite[i];
			CHECK(fc_fit(&hw, y, N_TRAIN, &P) == -EINVAL);
			CHECK(fc_fit(&sn, y, N_TRAIN, &P) == -EINVAL);
			CHECK(fc_fit(&ar, y, N_TRAIN, &P) == -EINVAL);
			y[at[j]] = keep;
		}
	}
	/* Multiplicative needs every point > 0 (additive takes them). */
	y[50] = 0.0;
	CHECK(fc_fit(&mul, y, N_TRAIN, &P) == -EINVAL);
	y[50] = -1.0;
	CHECK(fc_fit(&mul, y, N_TRAIN, &P) == -EINVAL);
	y[50] = -0.0;
	CHECK(fc_fit(&mul, y, N_TRAIN, &P) == -EINVAL);
	CHECK(memcmp(&P, &Q, sizeof(P)) == 0);
	CHECK(fc_fit(&hw, y, N_TRAIN, &P) == 0);
	y[50] = 1e-300; /* tiny but positive is data */
	CHECK(fc_fit(&mul, y, N_TRAIN, &P) == 0);
	one(&M, &P);
	double f[SEASON], se[SEASON];
	CHECK(fc_path(&M, SEASON, f, se) == 0);
	for (unsigned h = 0; h < SEASON; h++)
		CHECK(isfinite(f[h]) && isfinite(se[h]));
}

static void test_edges(void)
{
	check_context = "edges";
	static double y[N_ALL];
	trended_series(y, N_ALL, 1.0);

	/* Season 1 (no seasonality) is legal. */
	const struct fc_spec s1 = {.kind = FC_HW_ADDITIVE, .season = 1, .trend = FC_TREND_ADD};
	CHECK(fc_fit(&s1, y, 50, &P) == 0);
	/* The largest seasons. */
	static double big[2 * FC_MAX_SEASON];
	for (unsigned t = 0; t < 2 * FC_MAX_SEASON; t++)
		big[t] = 10.0 + t % 7;
	const struct fc_spec hmax = {.kind = FC_HW_ADDITIVE, .season = FC_MAX_SEASON};
	CHECK(fc_fit(&hmax, big, 2 * FC_MAX_SEASON, &P) == 0);
	const struct fc_spec h2 = {.kind = FC_HW_MULTIPLICATIVE, .season = FC_MAX_SEASON / 2,
				   .season2 = FC_MAX_SEASON};
	CHECK(fc_fit(&h2, big, 2 * FC_MAX_SEASON, &P) == 0);
	const struct fc_spec smax = {.kind = FC_SEASONAL_NAIVE, .season = FC_MAX_SEASON};
	CHECK(fc_fit(&smax, big, FC_MAX_SEASON + 1, &P) == 0);
	/* The fitted parts pass unpack's checks (what the trainer stores). */
	double params[FC_MAX_PARAMS];
	static double state[FC_MAX_STATE];
	fc_part_pack(&P, params, state);
	CHECK(fc_part_unpack(&Q, P.kind, P.season, P.season2, params, fc_part_nparams(P.kind), state,
			     fc_part_nstate(P.kind, P.season, P.season2), P.sigma, P.sd_power) == 0);
}

/* Informational: the trainer fits many series, so report the cost. */
static void report_fit_time(void)
{
	static double y[N_ALL];
	struct timespec a, b;
	const int reps = 10;
	const struct fc_spec s = {.kind = FC_HW_ADDITIVE, .season = SEASON, .trend = FC_TREND_DAMPED};

	trended_series(y, N_ALL, 1.0);
	timespec_get(&a, TIME_UTC);
	for (int i = 0; i < reps; i++)
		fc_fit(&s, y, N_TRAIN, &P);
	timespec_get(&b, TIME_UTC);
	double us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / reps;
	printf("damped holt-winters fit, n=%u season=%u: %.0f us\n", N_TRAIN, SEASON, us);
}

int main(void)
{
	test_hw_fixed_by_hand();
	test_hw_damped_by_hand();
	test_sarima_fixed_by_hand();
	test_sarima_no_seasonal_difference();
	test_sn_by_hand();
	test_scores_by_hand();
	test_backtest_by_hand();
	test_hw_recovers();
	test_sigma_form();
	test_sarima_recovers();
	test_hw_fit_trended();
	test_hw_beta_admissible();
	test_pure_seasonal();
	test_deterministic();
	test_min_points();
	test_too_short();
	test_invalid();
	test_edges();
	report_fit_time();
	return check_summary();
}
