/* fc_fit / fc_fit_fixed / fc_backtest. Recursion values are worked out by
 * hand in the comments; fitted models are judged against bounds derived
 * from the synthetic series' own noise, never against a run of the code. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "fc_fit.h"


static double uniform_pm1(void)
{
	return (double)(check_rand() >> 11) * 0x1.0p-53 * 2.0 - 1.0;
}

#define PI 3.14159265358979323846 /* M_PI is POSIX, not C11 */
#define SEASON 24
#define N_TRAIN (SEASON * 14)
#define N_ALL (N_TRAIN + SEASON)

/* y = 100 + 0.5 t + 20 sin(2 pi t / 24) + noise * U(-1,1). */
static void trended_series(double *y, unsigned n, double noise)
{
	check_rand_seed(0x9e3779b97f4a7c15ull);
	for (unsigned t = 0; t < n; t++)
		y[t] = 100.0 + 0.5 * t + 20.0 * sin(2.0 * PI * t / SEASON) +
		       noise * uniform_pm1();
}

static double mae_ahead(const struct fc_model *m, const double *future, unsigned h_max)
{
	double s = 0.0;
	for (unsigned h = 1; h <= h_max; h++)
		s += fabs(future[h - 1] - fc_forecast(m, h));
	return s / h_max;
}

static void test_hw_fixed_by_hand(void)
{
	check_context = "hw_fixed_by_hand";
	/* y = 10 14 | 13 15 | 14 19, m = 2, alpha .5, beta .1, gamma .2.
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
	 * resid_sd: RMS of the errors after the first season (t = 2..5). */
	static const double y[] = { 10, 14, 13, 15, 14, 19 };
	static const double e[] = { 1.4975, -2.158625, 0.88149375, 0.9628409375 };
	struct fc_model m;

	CHECK(fc_fit_fixed(y, 6, 2, 0.5, 0.1, 0.2, &m) == 0);
	CHECK(m.kind == FC_HOLT_WINTERS && m.season == 2);
	CHECK(m.alpha == 0.5 && m.beta == 0.1 && m.gamma == 0.2 && m.phi == 1.0);
	CHECK_NEAR(m.level, 16.87944203125, 1e-12);
	CHECK_NEAR(m.trend, 0.936660484375, 1e-12);
	CHECK_NEAR(m.seasonal[0], -1.862100625, 1e-12);
	CHECK_NEAR(m.seasonal[1], 1.73542159375, 1e-12);
	CHECK_NEAR(fc_forecast(&m, 1), 15.954001890625, 1e-12);
	CHECK_NEAR(fc_forecast(&m, 2), 20.48818459375, 1e-12);
	CHECK_NEAR(fc_forecast(&m, 3), 17.827322859375, 1e-12);
	double sse = e[0] * e[0] + e[1] * e[1] + e[2] * e[2] + e[3] * e[3];
	CHECK_NEAR(m.resid_sd, sqrt(sse / 4), 1e-12);

	/* Parameters outside [0,1] or NaN are refused; *out is untouched. */
	struct fc_model keep = m;
	CHECK(fc_fit_fixed(y, 6, 2, 1.5, 0.1, 0.2, &m) == -EINVAL);
	CHECK(fc_fit_fixed(y, 6, 2, 0.5, -0.1, 0.2, &m) == -EINVAL);
	CHECK(fc_fit_fixed(y, 6, 2, 0.5, 0.1, NAN, &m) == -EINVAL);
	CHECK(fc_fit_fixed(y, 5, 3, 0.5, 0.1, 0.2, &m) == -EINVAL);
	CHECK(memcmp(&m, &keep, sizeof(m)) == 0);
}

static void test_sn_by_hand(void)
{
	check_context = "sn_by_hand";
	/* m = 2: state = last season {7, 9}; y_t - y_{t-2} for t = 2..5 is
	 * 3 3 3 4, RMS sqrt(43/4); level = mean of the last season = 8. */
	static const double y[] = { 1, 2, 4, 5, 7, 9 };
	struct fc_model m;
	CHECK(fc_fit(FC_SEASONAL_NAIVE, y, 6, 2, &m) == 0);
	CHECK(m.kind == FC_SEASONAL_NAIVE && m.season == 2);
	CHECK(m.seasonal[0] == 7.0 && m.seasonal[1] == 9.0);
	CHECK_NEAR(m.resid_sd, sqrt(43.0 / 4), 1e-12);
	CHECK_NEAR(m.level, 8.0, 1e-12);
	CHECK(fc_forecast(&m, 1) == 7.0 && fc_forecast(&m, 2) == 9.0);
	CHECK(fc_forecast(&m, 3) == 7.0 && fc_forecast(&m, 4) == 9.0);
	/* The stored parameters survive fc_model_unpack's checks. */
	double params[4], state[4];
	struct fc_model b;
	fc_model_pack(&m, params, state);
	CHECK(fc_model_unpack(&b, m.kind, m.season, params, 4, state, 4, m.resid_sd) == 0);
}

static void test_backtest_by_hand(void)
{
	check_context = "backtest_by_hand";
	/* Seasonal naive, m = 2, horizon 2, 2 folds at origins 8-4 = 4 and 6:
	 *   origin 4: state {4, 5}, targets {7, 9}  -> errors 3, 4
	 *   origin 6: state {7, 9}, targets {10, 14} -> errors 3, 5
	 * MAE 15/4, RMSE sqrt((9+16+9+25)/4), 4 points. A third fold would need
	 * origin 2 < 2m, so folds = 3 is cut to 2. */
	static const double y[] = { 1, 2, 4, 5, 7, 9, 10, 14 };
	struct fc_metrics r;
	CHECK(fc_backtest(FC_SEASONAL_NAIVE, y, 8, 2, 2, 2, &r) == 0);
	CHECK_NEAR(r.mae, 3.75, 1e-12);
	CHECK_NEAR(r.rmse, sqrt(59.0 / 4), 1e-12);
	CHECK(r.n == 4);
	CHECK(fc_backtest(FC_SEASONAL_NAIVE, y, 8, 2, 2, 3, &r) == 0);
	CHECK(r.n == 4);
	/* One fold: origin 6 only -> MAE 4, RMSE sqrt(17). */
	CHECK(fc_backtest(FC_SEASONAL_NAIVE, y, 8, 2, 2, 1, &r) == 0);
	CHECK_NEAR(r.mae, 4.0, 1e-12);
	CHECK_NEAR(r.rmse, sqrt(17.0), 1e-12);
	CHECK(r.n == 2);
	/* n = 2m + horizon exactly is one fold; one point less is none. */
	CHECK(fc_backtest(FC_SEASONAL_NAIVE, y, 6, 2, 2, 5, &r) == 0 && r.n == 2);
	CHECK(fc_backtest(FC_SEASONAL_NAIVE, y, 5, 2, 2, 5, &r) == -EINVAL);
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
	static double y[N_ALL];
	struct fc_model m;

	trended_series(y, N_ALL, 1.0);
	CHECK(fc_fit(FC_HOLT_WINTERS, y, N_TRAIN, SEASON, &m) == 0);
	CHECK(m.kind == FC_HOLT_WINTERS && m.season == SEASON && m.phi == 1.0);
	CHECK(m.alpha > 0.0 && m.alpha < 1.0);
	CHECK(m.beta > 0.0 && m.beta < 1.0);
	CHECK(m.gamma > 0.0 && m.gamma < 1.0);
	double mae = mae_ahead(&m, y + N_TRAIN, SEASON);
	printf("hw fit: alpha %.4f beta %.4f gamma %.4f resid_sd %.4f, 24-step MAE %.4f\n",
	       m.alpha, m.beta, m.gamma, m.resid_sd, mae);
	CHECK(mae < 1.0);
	/* One-step errors contain the unpredictable u_t (sd 1/sqrt 3 = 0.577)
	 * plus state error: between 0.5 (slight in-sample overfit) and 2x. */
	CHECK(m.resid_sd > 0.5 && m.resid_sd < 1.2);
	/* The trend estimate is near the true 0.5 per step. */
	CHECK_NEAR(m.trend, 0.5, 0.05);

	/* Same series scaled by 1e6: fit and forecasts scale along. */
	static double ys[N_ALL];
	for (unsigned t = 0; t < N_ALL; t++)
		ys[t] = y[t] * 1e6;
	CHECK(fc_fit(FC_HOLT_WINTERS, ys, N_TRAIN, SEASON, &m) == 0);
	CHECK(mae_ahead(&m, ys + N_TRAIN, SEASON) < 1.0e6);

	/* Backtest: 4 folds of 24. Seasonal naive's error is 12 + u_t - u_{t-24}
	 * at every point, never changing sign, so its MAE is 12 give or take
	 * the mean of 96 such noise differences (sd 0.08). */
	struct fc_metrics hw, sn;
	CHECK(fc_backtest(FC_HOLT_WINTERS, y, N_TRAIN, SEASON, SEASON, 4, &hw) == 0);
	CHECK(fc_backtest(FC_SEASONAL_NAIVE, y, N_TRAIN, SEASON, SEASON, 4, &sn) == 0);
	printf("backtest: hw mae %.4f rmse %.4f, seasonal naive mae %.4f rmse %.4f (n %u)\n",
	       hw.mae, hw.rmse, sn.mae, sn.rmse, hw.n);
	CHECK(hw.n == 96 && sn.n == 96);
	CHECK(hw.mae < sn.mae);
	CHECK(hw.mae < 1.0);
	CHECK(hw.rmse >= hw.mae && sn.rmse >= sn.mae);
	CHECK_NEAR(sn.mae, 12.0, 0.3);
	/* Too many folds are cut to (336 - 48) / 24 = 12. */
	CHECK(fc_backtest(FC_SEASONAL_NAIVE, y, N_TRAIN, SEASON, SEASON, 100, &sn) == 0);
	CHECK(sn.n == 12 * SEASON);
}

/* A purely seasonal series: the initialisation is already exact (level =
 * the season mean, trend 0, seasonal = the deviations), every one-step error
 * is rounding noise, so both models forecast it to rounding. */
static void test_pure_seasonal(void)
{
	check_context = "pure_seasonal";
	static double y[N_TRAIN + 2 * SEASON];
	struct fc_model hw, sn;

	for (unsigned t = 0; t < N_TRAIN + 2 * SEASON; t++)
		y[t] = 50.0 + 10.0 * sin(2.0 * PI * t / SEASON) +
		       3.0 * cos(2.0 * PI * t / 8); /* 8 divides 24 */
	CHECK(fc_fit(FC_HOLT_WINTERS, y, N_TRAIN, SEASON, &hw) == 0);
	CHECK(fc_fit(FC_SEASONAL_NAIVE, y, N_TRAIN, SEASON, &sn) == 0);
	double worst_hw = 0.0, worst_sn = 0.0;
	for (unsigned h = 1; h <= 2 * SEASON; h++) {
		worst_hw = fmax(worst_hw, fabs(fc_forecast(&hw, h) - y[N_TRAIN + h - 1]));
		worst_sn = fmax(worst_sn, fabs(fc_forecast(&sn, h) - y[N_TRAIN + h - 1]));
	}
	CHECK(worst_hw < 1e-9);
	CHECK(worst_sn < 1e-9);
	CHECK(hw.resid_sd < 1e-9 && sn.resid_sd < 1e-9);

	/* A constant series: every forecast is the constant, sd 0. */
	static double c[2 * SEASON];
	for (unsigned t = 0; t < 2 * SEASON; t++)
		c[t] = 42.0;
	CHECK(fc_fit(FC_HOLT_WINTERS, c, 2 * SEASON, SEASON, &hw) == 0);
	CHECK_NEAR(fc_forecast(&hw, 1), 42.0, 1e-9);
	CHECK_NEAR(fc_forecast(&hw, 100), 42.0, 1e-9);
	CHECK(hw.resid_sd < 1e-9);
}

static void test_edges(void)
{
	check_context = "edges";
	static double y[N_ALL];
	struct fc_model m;
	trended_series(y, N_ALL, 1.0);

	/* The minimum, n = 2m, fits; errors come from the second season. */
	CHECK(fc_fit(FC_HOLT_WINTERS, y, 2 * SEASON, SEASON, &m) == 0);
	CHECK(isfinite(fc_forecast(&m, 1)) && isfinite(m.resid_sd));
	CHECK(fc_fit(FC_SEASONAL_NAIVE, y, 2 * SEASON, SEASON, &m) == 0);
	/* Season 1 (no seasonality) is legal. */
	CHECK(fc_fit(FC_HOLT_WINTERS, y, 50, 1, &m) == 0);
	CHECK(isfinite(fc_forecast(&m, 5)));
	/* The largest season. */
	static double big[2 * FC_MAX_SEASON];
	for (unsigned t = 0; t < 2 * FC_MAX_SEASON; t++)
		big[t] = t % 7;
	CHECK(fc_fit(FC_HOLT_WINTERS, big, 2 * FC_MAX_SEASON, FC_MAX_SEASON, &m) == 0);
}

static void test_invalid(void)
{
	check_context = "invalid";
	static double y[N_ALL];
	struct fc_model m, keep;
	struct fc_metrics r;
	trended_series(y, N_ALL, 1.0);

	memset(&m, 0x5a, sizeof(m));
	keep = m;
	/* Too short: n < 2m. */
	CHECK(fc_fit(FC_HOLT_WINTERS, y, 2 * SEASON - 1, SEASON, &m) == -EINVAL);
	CHECK(fc_fit(FC_SEASONAL_NAIVE, y, 2 * SEASON - 1, SEASON, &m) == -EINVAL);
	CHECK(fc_fit(FC_HOLT_WINTERS, y, 0, SEASON, &m) == -EINVAL);
	/* Season out of range. */
	CHECK(fc_fit(FC_HOLT_WINTERS, y, N_TRAIN, 0, &m) == -EINVAL);
	CHECK(fc_fit(FC_HOLT_WINTERS, y, N_TRAIN, FC_MAX_SEASON + 1, &m) == -EINVAL);
	/* Unknown kind, NULL series. */
	CHECK(fc_fit((enum fc_kind)0, y, N_TRAIN, SEASON, &m) == -EINVAL);
	CHECK(fc_fit(FC_HOLT_WINTERS, NULL, N_TRAIN, SEASON, &m) == -EINVAL);
	/* Non-finite points anywhere. */
	y[100] = NAN;
	CHECK(fc_fit(FC_HOLT_WINTERS, y, N_TRAIN, SEASON, &m) == -EINVAL);
	CHECK(fc_fit(FC_SEASONAL_NAIVE, y, N_TRAIN, SEASON, &m) == -EINVAL);
	CHECK(fc_fit_fixed(y, N_TRAIN, SEASON, 0.5, 0.1, 0.2, &m) == -EINVAL);
	y[100] = INFINITY;
	CHECK(fc_fit(FC_HOLT_WINTERS, y, N_TRAIN, SEASON, &m) == -EINVAL);
	y[100] = 1.0;
	y[N_TRAIN - 1] = -INFINITY;
	CHECK(fc_fit(FC_HOLT_WINTERS, y, N_TRAIN, SEASON, &m) == -EINVAL);
	CHECK(memcmp(&m, &keep, sizeof(m)) == 0);
	y[N_TRAIN - 1] = 1.0;

	/* Backtest: too short, zero horizon or folds, NaN in a scored point. */
	CHECK(fc_backtest(FC_HOLT_WINTERS, y, 2 * SEASON + 23, SEASON, 24, 1, &r) == -EINVAL);
	CHECK(fc_backtest(FC_HOLT_WINTERS, y, N_TRAIN, SEASON, 0, 1, &r) == -EINVAL);
	CHECK(fc_backtest(FC_HOLT_WINTERS, y, N_TRAIN, SEASON, 24, 0, &r) == -EINVAL);
	CHECK(fc_backtest((enum fc_kind)7, y, N_TRAIN, SEASON, 24, 1, &r) == -EINVAL);
	CHECK(fc_backtest(FC_HOLT_WINTERS, y, N_TRAIN, 0, 24, 1, &r) == -EINVAL);
	y[N_TRAIN + 3] = NAN;
	CHECK(fc_backtest(FC_SEASONAL_NAIVE, y, N_ALL, SEASON, 24, 1, &r) == -EINVAL);
}

/* Informational: the trainer fits many series, so report the cost. */
static void report_fit_time(void)
{
	static double y[N_ALL];
	struct fc_model m;
	struct timespec a, b;
	const int reps = 20;

	trended_series(y, N_ALL, 1.0);
	timespec_get(&a, TIME_UTC);
	for (int i = 0; i < reps; i++)
		fc_fit(FC_HOLT_WINTERS, y, N_TRAIN, SEASON, &m);
	timespec_get(&b, TIME_UTC);
	double us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / reps;
	printf("holt-winters fit, n=%u season=%u: %.0f us\n", N_TRAIN, SEASON, us);
}

int main(void)
{
	test_hw_fixed_by_hand();
	test_sn_by_hand();
	test_backtest_by_hand();
	test_hw_fit_trended();
	test_pure_seasonal();
	test_edges();
	test_invalid();
	report_fit_time();
	return check_summary();
}
