/* fc_model and fc_monitor on hand-built parts (libm level: samodel only).
 * Every expected value is worked out by hand in the comments from the
 * state the test writes, never taken from a run of the code under test.
 * Standard errors come from psi weights derived by hand: a one-step error
 * e moves the forecast j steps on by psi_j e, and se_h = sigma *
 * sqrt(1 + psi_1^2 + ... + psi_{h-1}^2). */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fc_model.h"
#include "fc_monitor.h"


/* A part from explicit params and state; the sizes are the documented
 * ones. mk_pow: the one-step sd is sigma |f|^sd_power (mk: absolute). */
static int mk_pow(struct fc_part *p, enum fc_kind kind, uint32_t m, uint32_t m2,
		  const double *params, const double *state, double sigma, double sd_power)
{
	return fc_part_unpack(p, kind, m, m2, params, fc_part_nparams(kind), state,
			      fc_part_nstate(kind, m, m2), sigma, sd_power);
}

static int mk(struct fc_part *p, enum fc_kind kind, uint32_t m, uint32_t m2, const double *params,
	      const double *state, double sigma)
{
	return mk_pow(p, kind, m, m2, params, state, sigma, 0.0);
}

static void one(struct fc_model *mod, const struct fc_part *p)
{
	memset(mod, 0, sizeof(*mod));
	mod->n_parts = 1;
	mod->part[0] = *p;
}

/* Parts and models are ~33 and ~66 kB: kept off the stack. */
static struct fc_part P, Q;
static struct fc_model M, N;

/* --- Holt-Winters ---------------------------------------------------------- */

static void test_hw_forecast(void)
{
	check_context = "hw_forecast";
	/* The state test_fc_fit derives by hand (season 2, alpha .5, beta .1,
	 * gamma .2, phi 1): level 16.87944203125, trend 0.936660484375,
	 * seasonal for the next two points {-1.862100625, 1.73542159375}.
	 *   h=1: 16.87944203125 + 0.936660484375 - 1.862100625   = 15.954001890625
	 *   h=2: 16.87944203125 + 1.87332096875  + 1.73542159375 = 20.48818459375
	 *   h=3: 16.87944203125 + 2.809981453125 - 1.862100625   = 17.827322859375
	 * In error-correction terms this is ETS(A,A,A) with alpha .5, beta
	 * .5 * .1 = .05, gamma .2 * (1 - .5) = .1 (the Winters seasonal update
	 * against the new level is g(1-a) times the one-step error), so
	 *   psi_j = .5 + .05 j + .1 [j even]: psi_1 .55, psi_2 .7, psi_3 .65,
	 * and with sigma 2: se = 2, 2 sqrt 1.3025, 2 sqrt 1.7925, 2 sqrt 2.215. */
	static const double q[] = {0.5, 0.1, 0.2, 0.0, 1.0};
	static const double st[] = {16.87944203125, 0.936660484375, -1.862100625, 1.73542159375};
	double f[4], se[4];

	CHECK(mk(&P, FC_HW_ADDITIVE, 2, 0, q, st, 2.0) == 0);
	one(&M, &P);
	CHECK(fc_path(&M, 4, f, se) == 0);
	CHECK_NEAR(f[0], 15.954001890625, 1e-12);
	CHECK_NEAR(f[1], 20.48818459375, 1e-12);
	CHECK_NEAR(f[2], 17.827322859375, 1e-12);
	CHECK_NEAR(se[0], 2.0, 1e-12);
	CHECK_NEAR(se[1], 2.0 * sqrt(1.3025), 1e-12);
	CHECK_NEAR(se[2], 2.0 * sqrt(1.7925), 1e-12);
	CHECK_NEAR(se[3], 2.0 * sqrt(2.215), 1e-12);
	CHECK(fc_next(&M) == f[0]);
	CHECK(fc_part_next(&P) == f[0]);
	/* se may be NULL; h = 0 writes nothing. */
	f[0] = -1.0;
	CHECK(fc_path(&M, 0, f, se) == 0 && f[0] == -1.0);
	CHECK(fc_path(&M, 2, f, NULL) == 0);
	CHECK_NEAR(f[1], 20.48818459375, 1e-12);
}

static void test_hw_damped(void)
{
	check_context = "hw_damped";
	/* level 10, trend 2, seasonal {1, -1}, phi .5: the trend adds
	 * 2 (phi + ... + phi^h) = 2 (1 - .5^h):
	 *   h=1: 10 + 1    + 1 = 12;  h=2: 10 + 1.5 - 1 = 10.5;
	 *   h=3: 10 + 1.75 + 1 = 12.75;  h=1001: 10 + 2 + seasonal[1000 % 2] = 13. */
	static const double q[] = {0.5, 0.2, 0.25, 0.0, 0.5};
	static const double st[] = {10.0, 2.0, 1.0, -1.0};
	static double f[1001];

	CHECK(mk(&P, FC_HW_ADDITIVE, 2, 0, q, st, 1.0) == 0);
	one(&M, &P);
	CHECK(fc_path(&M, 1001, f, NULL) == 0);
	CHECK_NEAR(f[0], 12.0, 1e-12);
	CHECK_NEAR(f[1], 10.5, 1e-12);
	CHECK_NEAR(f[2], 12.75, 1e-12);
	CHECK_NEAR(f[1000], 13.0, 1e-12);

	/* One step with y = 14: e = 14 - 12 = 2;
	 *   level = .5 (14 - 1) + .5 (10 + .5 * 2)    = 12
	 *   trend = .2 (12 - 10) + .8 * .5 * 2        = 1.2
	 *   s     = .25 (14 - 12) + .75 * 1           = 1.25
	 * next: 12 + .5 * 1.2 - 1 = 11.6; then 12 + .75 * 1.2 + 1.25 = 14.15.
	 * Packed: {level, trend, seasonal of the next point (-1), then 1.25}. */
	CHECK_NEAR(fc_part_update(&P, 14.0), 2.0, 1e-12);
	one(&M, &P);
	CHECK(fc_path(&M, 2, f, NULL) == 0);
	CHECK_NEAR(f[0], 11.6, 1e-12);
	CHECK_NEAR(f[1], 14.15, 1e-12);
	double params[FC_HW_NPARAMS], state[4];
	fc_part_pack(&P, params, state);
	CHECK(memcmp(params, q, sizeof(q)) == 0);
	CHECK_NEAR(state[0], 12.0, 1e-12);
	CHECK_NEAR(state[1], 1.2, 1e-12);
	CHECK(state[2] == -1.0);
	CHECK_NEAR(state[3], 1.25, 1e-12);

	/* se, damped: psi_j = a + a b (phi + ... + phi^j) + g (1-a) [j even]
	 * = .5 + .1 (1 - .5^j) + .125 [j even]:
	 *   psi_1 = .55, psi_2 = .5 + .075 + .125 = .7, psi_3 = .5 + .0875 = .5875. */
	double se[4];
	CHECK(fc_path(&M, 4, f, se) == 0);
	CHECK_NEAR(se[1], sqrt(1 + 0.55 * 0.55), 1e-12);
	CHECK_NEAR(se[2], sqrt(1 + 0.3025 + 0.49), 1e-12);
	CHECK_NEAR(se[3], sqrt(1 + 0.3025 + 0.49 + 0.5875 * 0.5875), 1e-12);
}

static void test_hw_multiplicative(void)
{
	check_context = "hw_multiplicative";
	/* level 10, trend 1, seasonal {.8, 1.25}; alpha .5, beta .1, gamma .2.
	 * f1 = 11 * .8 = 8.8; y = 9.9:
	 *   level = .5 * 9.9 / .8 + .5 * 11 = 6.1875 + 5.5    = 11.6875 (= 187/16)
	 *   trend = .1 * 1.6875 + .9 * 1                        = 1.06875
	 *   s     = .2 * 9.9 / 11.6875 + .8 * .8 = .64 + 31.68/187 = 151.36/187
	 * next: (11.6875 + 1.06875) * 1.25 = 15.9453125;
	 * then: (11.6875 + 2 * 1.06875) * 151.36/187 = 13.825 * 151.36/187. */
	static const double q[] = {0.5, 0.1, 0.2, 0.0, 1.0};
	static const double st[] = {10.0, 1.0, 0.8, 1.25};
	double f[2];

	CHECK(mk(&P, FC_HW_MULTIPLICATIVE, 2, 0, q, st, 1.0) == 0);
	CHECK_NEAR(fc_part_next(&P), 8.8, 1e-12);
	CHECK_NEAR(fc_part_update(&P, 9.9), 1.1, 1e-12);
	CHECK_NEAR(P.level, 11.6875, 1e-12);
	CHECK_NEAR(P.trend, 1.06875, 1e-12);
	one(&M, &P);
	CHECK(fc_path(&M, 2, f, NULL) == 0);
	CHECK_NEAR(f[0], 15.9453125, 1e-12);
	CHECK_NEAR(f[1], 13.825 * (151.36 / 187.0), 1e-12);

	/* A zero seasonal term would divide by zero: the step is not
	 * committed (level and trend stay), the point is still consumed. */
	static const double z[] = {10.0, 1.0, 0.0, 1.25};
	CHECK(mk(&P, FC_HW_MULTIPLICATIVE, 2, 0, q, z, 1.0) == 0);
	CHECK(fc_part_next(&P) == 0.0);
	fc_part_update(&P, 5.0);
	CHECK(P.level == 10.0 && P.trend == 1.0 && P.pos == 1);
	CHECK_NEAR(fc_part_next(&P), 11.0 * 1.25, 1e-12);
}

static void test_hw_double_seasonal(void)
{
	check_context = "hw_double_seasonal";
	/* m 2, m2 4 (Taylor): level 10, trend 0, s1 {1, -1},
	 * s2 {.5, -.5, .25, -.25}; alpha .5, beta 0, gamma .2, delta .4.
	 * f1 = 10 + 1 + .5 = 11.5; y = 13.5:
	 *   level = .5 (13.5 - 1 - .5) + .5 * 10 = 11
	 *   s1[0] = .2 (13.5 - 11 - .5) + .8 * 1  = 1.2
	 *   s2[0] = .4 (13.5 - 11 - 1) + .6 * .5  = .9
	 * leads from there: 11 - 1 - .5 = 9.5; 11 + 1.2 + .25 = 12.45;
	 * 11 - 1 - .25 = 9.75; 11 + 1.2 + .9 = 13.1.
	 * se: psi_j = a + g (1-a) [2 | j] + delta (1-a) [4 | j]
	 *   = .5, .6, .5, .8 for j = 1..4 (beta 0: no trend term). */
	static const double q[] = {0.5, 0.0, 0.2, 0.4, 1.0};
	static const double st[] = {10.0, 0.0, 1.0, -1.0, 0.5, -0.5, 0.25, -0.25};
	double f[5], se[5];

	CHECK(mk(&P, FC_HW_ADDITIVE, 2, 4, q, st, 1.0) == 0);
	CHECK_NEAR(fc_part_next(&P), 11.5, 1e-12);
	CHECK_NEAR(fc_part_update(&P, 13.5), 2.0, 1e-12);
	one(&M, &P);
	CHECK(fc_path(&M, 5, f, se) == 0);
	CHECK_NEAR(f[0], 9.5, 1e-12);
	CHECK_NEAR(f[1], 12.45, 1e-12);
	CHECK_NEAR(f[2], 9.75, 1e-12);
	CHECK_NEAR(f[3], 13.1, 1e-12);
	CHECK_NEAR(se[4], sqrt(1 + 0.25 + 0.36 + 0.25 + 0.64), 1e-12);
	/* Packed from the next point: s1 {-1, 1.2}, s2 {-.5, .25, -.25, .9}. */
	double params[FC_HW_NPARAMS], state[8];
	fc_part_pack(&P, params, state);
	static const double want[] = {11.0, 0.0, -1.0, 1.2, -0.5, 0.25, -0.25, 0.9};
	for (unsigned i = 0; i < 8; i++)
		CHECK_NEAR(state[i], want[i], 1e-12);
}

static void test_hw_double_multiplicative(void)
{
	check_context = "hw_double_multiplicative";
	/* m 2, m2 4: level 10, trend 0, s1 {1.2, .8}, s2 {1.1, .9, 1.05, .95};
	 * alpha .5, beta 0, gamma .2, delta .4, run over two points at once.
	 * Point 0: f = 10 * 1.2 * 1.1 = 13.2; y = 15.84, e = 2.64;
	 *   x = 15.84 / 1.32 = 12, level = .5 * 12 + .5 * 10 = 11;
	 *   s1[0] = .2 * 15.84 / (11 * 1.1) + .8 * 1.2 = 13.44 / 11;
	 *   s2[0] = .4 * 15.84 / (11 * 1.2) + .6 * 1.1 = 1.14.
	 * Point 1: f = 11 * .8 * .9 = 7.92 = y: e = 0, nothing moves.
	 * Next: 11 * (13.44 / 11) * 1.05 = 14.112. */
	static const double q[] = {0.5, 0.0, 0.2, 0.4, 1.0};
	static const double st[] = {10.0, 0.0, 1.2, 0.8, 1.1, 0.9, 1.05, 0.95};
	const double y[] = {15.84, 7.92};
	double e[2];

	CHECK(mk(&P, FC_HW_MULTIPLICATIVE, 2, 4, q, st, 1.0) == 0);
	fc_part_run(&P, y, 2, e);
	CHECK_NEAR(e[0], 2.64, 1e-12);
	CHECK_NEAR(e[1], 0.0, 1e-12);
	CHECK(P.pos == 2);
	CHECK_NEAR(fc_part_next(&P), 14.112, 1e-12);
	double params[FC_HW_NPARAMS], state[8];
	fc_part_pack(&P, params, state);
	const double want[] = {11.0, 0.0, 13.44 / 11.0, 0.8, 1.05, 0.95, 1.14, 0.9};
	for (unsigned i = 0; i < 8; i++)
		CHECK_NEAR(state[i], want[i], 1e-12);
}

/* --- seasonal naive and SARIMA ---------------------------------------------- */

static void test_seasonal_naive(void)
{
	check_context = "seasonal_naive";
	/* The last season {5, 7, 9} repeats; a bump of the next point moves
	 * leads 1 + m, 1 + 2m, ... one for one, so psi_j = [3 | j] and
	 * se_h = sigma sqrt(ceil(h/3)): h = 1..3 -> 1, 4..6 -> sqrt 2, 7 -> sqrt 3,
	 * h = 3000 -> sqrt 1000. */
	static const double st[] = {5.0, 7.0, 9.0};
	static double f[3000], se[3000];

	CHECK(mk(&P, FC_SEASONAL_NAIVE, 3, 0, NULL, st, 2.0) == 0);
	CHECK(P.level == 7.0); /* the season's mean */
	one(&M, &P);
	CHECK(fc_path(&M, 3000, f, se) == 0);
	static const double want[] = {5, 7, 9, 5, 7, 9, 5};
	for (unsigned h = 1; h <= 7; h++) {
		CHECK(f[h - 1] == want[h - 1]);
		CHECK_NEAR(se[h - 1], 2.0 * sqrt(ceil(h / 3.0)), 1e-12);
	}
	CHECK(f[2999] == 9.0);
	CHECK_NEAR(se[2999], 2.0 * sqrt(1000.0), 1e-9);

	/* Updating puts y in the slot it forecast: after 6 the next is 7. */
	CHECK(fc_part_update(&P, 6.0) == 1.0);
	CHECK(fc_part_next(&P) == 7.0);
	CHECK_NEAR(P.level, 7.0 + 1.0 / 3, 1e-12);
}

static void test_sarima_by_hand(void)
{
	check_context = "sarima_by_hand";
	/* (1,0,1)(0,1,1)_2, c .5, ar1 .5, ma1 .4, sma1 .3. History, oldest
	 * first: y_{t-4..t} = 1 2 3 5 4, e_{t-4..t} = .1 -.2 .3 .5 -1.
	 * w = y_t - y_{t-2}: w_t = 1, w_{t-1} = 3.
	 *   w^_{t+1} = .5 + .5 (1 - .5) + .4 (-1) + .3 e_{t-1} + .12 e_{t-2}
	 *            = .5 + .25 - .4 + .15 + .036 = .536;  y^ = .536 + y_{t-1} = 5.536
	 *   w^_{t+2} = .5 + .5 (.036) + .3 e_t + .12 e_{t-1} = .278; y^ = .278 + y_t = 4.278
	 *   w^_{t+3} = .5 + .5 (-.222) + .12 e_t = .269;   y^ = .269 + 5.536 = 5.805
	 * psi from (1 - .5B)(1 - B^2) = 1 - .5B - B^2 + .5B^3 over
	 * (1 + .4B)(1 + .3B^2) = 1 + .4B + .3B^2 + .12B^3:
	 *   psi_j = theta_j + .5 psi_{j-1} + psi_{j-2} - .5 psi_{j-3}:
	 *   psi_1 = .9, psi_2 = .3 + .45 + 1 = 1.75, psi_3 = .12 + .875 + .9 - .5 = 1.395. */
	static const double q[] = {0, 1, 0.5, 0.5, 0, 0.4, 0.3};
	static const double st[] = {1, 2, 3, 5, 4, 0.1, -0.2, 0.3, 0.5, -1};
	double f[4], se[4];

	CHECK(mk(&P, FC_SARIMA, 2, 0, q, st, 1.0) == 0);
	one(&M, &P);
	CHECK(fc_path(&M, 4, f, se) == 0);
	CHECK_NEAR(f[0], 5.536, 1e-12);
	CHECK_NEAR(f[1], 4.278, 1e-12);
	CHECK_NEAR(f[2], 5.805, 1e-12);
	CHECK_NEAR(se[0], 1.0, 1e-12);
	CHECK_NEAR(se[1], sqrt(1.81), 1e-12);
	CHECK_NEAR(se[2], sqrt(1.81 + 1.75 * 1.75), 1e-12);
	CHECK_NEAR(se[3], sqrt(1.81 + 1.75 * 1.75 + 1.395 * 1.395), 1e-12);

	/* y = 6.536 is an error of 1; the rings shift by one. */
	CHECK_NEAR(fc_part_update(&P, 6.536), 1.0, 1e-12);
	double params[FC_AR_NPARAMS], state[10];
	fc_part_pack(&P, params, state);
	static const double want[] = {2, 3, 5, 4, 6.536, -0.2, 0.3, 0.5, -1, 1};
	for (unsigned i = 0; i < 10; i++)
		CHECK_NEAR(state[i], want[i], 1e-12);
}

/* (0,1,0), season 1: a random walk, psi_j = 1, se_h = sigma sqrt h,
 * whatever the level. (1e-9: a finite-difference psi at a level of 1e17
 * cannot be exact to the last bit, but must not be off by more.) */
static void rw_se(double level)
{
	static const double q[] = {1, 0, 0, 0, 0, 0, 0};
	double st[8] = {level, level, level, level, 0, 0, 0, 0}, f[16], se[16];

	CHECK(mk(&P, FC_SARIMA, 1, 0, q, st, 2.0) == 0);
	one(&M, &P);
	CHECK(fc_path(&M, 16, f, se) == 0);
	unsigned bad = 0, first = 0;
	for (unsigned h = 16; h >= 1; h--) {
		CHECK(f[h - 1] == level);
		if (!(fabs(se[h - 1] - 2.0 * sqrt(h)) <= 1e-9 * 2.0 * sqrt(h))) {
			bad++;
			first = h;
		}
	}
	CHECK_REPORT_(bad == 0, "level %g: %u of 16 se wrong, from h = %u: %.17g, expected %.17g",
		      level, bad, first, first ? se[first - 1] : 0.0, 2.0 * sqrt(first));
}

static void test_sarima_se(void)
{
	check_context = "sarima_se";
	/* AR(1), ar1 .8, no differencing: psi_j = .8^j, so
	 * se_h^2 = sigma^2 (1 - .64^h) / (1 - .64). */
	static const double q[] = {0, 0, 0, 0.8, 0, 0, 0};
	static const double st[] = {1, 2, 3, 4, 0, 0, 0, 0};
	double f[20], se[20];

	CHECK(mk(&P, FC_SARIMA, 1, 0, q, st, 3.0) == 0);
	one(&M, &P);
	CHECK(fc_path(&M, 20, f, se) == 0);
	for (unsigned h = 1; h <= 20; h++)
		CHECK_NEAR(se[h - 1], 3.0 * sqrt((1 - pow(0.64, h)) / 0.36), 1e-12);
	/* Forecasts decay to c = 0: f_h = .8^h * 4. */
	CHECK_NEAR(f[9], 4.0 * pow(0.8, 10), 1e-12);

	rw_se(100.0);
	rw_se(1e6);
	rw_se(1e12);
	/* Traffic totals reach 1e17 and beyond: the impulse response must not
	 * depend on the level (an impulse of 1 is lost in f + 1 once
	 * |f| > 2^53, and rounds before that). */
	rw_se(1e17);
}

/* --- packing ---------------------------------------------------------------- */

struct shape {
	enum fc_kind kind;
	uint32_t m, m2;
	double params[FC_MAX_PARAMS];
};

static const struct shape shapes[] = {
	{FC_SEASONAL_NAIVE, 3, 0, {0}},
	{FC_SEASONAL_NAIVE, 1, 0, {0}},
	{FC_HW_ADDITIVE, 3, 0, {0.3, 0.1, 0.2, 0, 0.9}},
	{FC_HW_ADDITIVE, 2, 6, {0.3, 0.1, 0.2, 0.15, 1}},
	{FC_HW_MULTIPLICATIVE, 3, 0, {0.4, 0.05, 0.3, 0, 1}},
	{FC_HW_MULTIPLICATIVE, 2, 4, {0.4, 0.05, 0.3, 0.2, 0.95}},
	{FC_SARIMA, 4, 0, {0, 1, 0.25, 0.5, 0.2, 0.3, -0.4}},
	{FC_SARIMA, 1, 0, {1, 0, 0, 0.7, 0, -0.5, 0}},
	{FC_SARIMA, 3, 0, {1, 1, 0, 0, 0, -0.4, -0.6}},
};

/* A plausible state: positive seasonal factors near 1 for multiplicative. */
static void shape_state(const struct shape *s, double *st, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		st[i] = s->kind == FC_HW_MULTIPLICATIVE && i >= 2 ? 0.9 + 0.05 * (i % 5) :
									  10.0 + 3.0 * sin(i + 1.0);
}

/* Packs p into params/state and compares with what another part packs. */
static int same_packed(const struct fc_part *a, const struct fc_part *b)
{
	static double pa[FC_MAX_PARAMS], pb[FC_MAX_PARAMS], sa[FC_MAX_STATE], sb[FC_MAX_STATE];
	unsigned ns = fc_part_nstate(a->kind, a->season, a->season2);

	if (a->kind != b->kind || a->season != b->season || a->season2 != b->season2 ||
	    a->sigma != b->sigma)
		return 0;
	fc_part_pack(a, pa, sa);
	fc_part_pack(b, pb, sb);
	return memcmp(pa, pb, fc_part_nparams(a->kind) * sizeof(double)) == 0 &&
	       memcmp(sa, sb, ns * sizeof(double)) == 0;
}

/* Forecast and se paths of two parts are bitwise equal for h leads. */
static int same_path(const struct fc_part *a, const struct fc_part *b, unsigned h)
{
	static double fa[256], sa[256], fb[256], sb[256];

	one(&M, a);
	one(&N, b);
	return fc_path(&M, h, fa, sa) == 0 && fc_path(&N, h, fb, sb) == 0 &&
	       memcmp(fa, fb, h * sizeof(double)) == 0 && memcmp(sa, sb, h * sizeof(double)) == 0;
}

static void test_pack_round_trip(void)
{
	check_context = "pack_round_trip";
	static double st[FC_MAX_STATE], params[FC_MAX_PARAMS], packed[FC_MAX_STATE];

	for (unsigned k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
		const struct shape *s = &shapes[k];
		unsigned np = fc_part_nparams(s->kind), ns = fc_part_nstate(s->kind, s->m, s->m2);
		shape_state(s, st, ns);
		CHECK(mk_pow(&P, s->kind, s->m, s->m2, s->params, st, 1.5, 0.5 * (k % 3)) == 0);
		/* Straight back: what went in comes out. */
		fc_part_pack(&P, params, packed);
		CHECK(memcmp(params, s->params, np * sizeof(double)) == 0);
		CHECK(memcmp(packed, st, ns * sizeof(double)) == 0);
		/* Stepped so the rings are mid-turn, then packed and unpacked:
		 * the same forecasts, and the same future under the same data. */
		for (unsigned t = 0; t < 2 * ns + 1; t++)
			fc_part_update(&P, 11.0 + 2.0 * cos(0.7 * t));
		CHECK(P.pos != 0 || (s->kind == FC_SEASONAL_NAIVE && s->m == 1)); /* ring of 1 */
		fc_part_pack(&P, params, packed);
		CHECK(fc_part_unpack(&Q, s->kind, s->m, s->m2, params, np, packed, ns, P.sigma,
				     P.sd_power) == 0);
		CHECK(Q.sd_power == 0.5 * (k % 3));
		CHECK(Q.pos == 0);
		CHECK(fc_part_next(&P) == fc_part_next(&Q));
		CHECK(same_path(&P, &Q, 3 * ns));
		CHECK(same_packed(&P, &Q));
		for (unsigned t = 0; t < ns + 2; t++)
			CHECK(fc_part_update(&P, 9.0 + t % 4) == fc_part_update(&Q, 9.0 + t % 4));
		CHECK(same_path(&P, &Q, 3 * ns));
	}

	/* The packed order by hand: seasonal naive {5, 7, 9} stepped with
	 * 1 2 3 4 holds the last three points 2 3 4, the next point's (m ago)
	 * first. */
	static const double sn[] = {5, 7, 9};
	CHECK(mk(&P, FC_SEASONAL_NAIVE, 3, 0, NULL, sn, 1.0) == 0);
	for (unsigned t = 1; t <= 4; t++)
		fc_part_update(&P, t);
	fc_part_pack(&P, params, packed);
	CHECK(packed[0] == 2 && packed[1] == 3 && packed[2] == 4);
	/* HW with alpha = beta = gamma = 0 keeps its seasonal terms: after
	 * 4 steps with m = 3 the next point is the second, so {s1, s2, s0}. */
	static const double q0[] = {0, 0, 0, 0, 1};
	static const double hw[] = {10, 0, 1, 2, 3};
	CHECK(mk(&P, FC_HW_ADDITIVE, 3, 0, q0, hw, 1.0) == 0);
	for (unsigned t = 0; t < 4; t++)
		fc_part_update(&P, 50.0);
	fc_part_pack(&P, params, packed);
	CHECK(packed[0] == 10 && packed[1] == 0);
	CHECK(packed[2] == 2 && packed[3] == 3 && packed[4] == 1);

	/* The largest shapes fit the state array. */
	static const double qs[] = {0, 1, 0, 0, 0, 0, 0};
	for (unsigned i = 0; i < FC_MAX_STATE; i++)
		st[i] = i % 17;
	CHECK(mk(&P, FC_SARIMA, FC_MAX_SEASON, 0, qs, st, 1.0) == 0);
	CHECK(fc_part_nstate(FC_SARIMA, FC_MAX_SEASON, 0) == 2 * (FC_MAX_SEASON + 3));
	CHECK(mk(&P, FC_HW_ADDITIVE, FC_MAX_SEASON / 2, FC_MAX_SEASON, shapes[3].params, st, 1.0) == 0);
	CHECK(fc_part_nstate(FC_HW_ADDITIVE, FC_MAX_SEASON / 2, FC_MAX_SEASON) ==
	      2 + FC_MAX_SEASON / 2 + FC_MAX_SEASON);
	fc_part_update(&P, 3.0);
	fc_part_pack(&P, params, packed);
	CHECK(fc_part_unpack(&Q, FC_HW_ADDITIVE, FC_MAX_SEASON / 2, FC_MAX_SEASON, params, 5, packed,
			     2 + FC_MAX_SEASON / 2 + FC_MAX_SEASON, 1.0, 0) == 0);
	CHECK(same_path(&P, &Q, 200));
}

static void test_sizes(void)
{
	check_context = "sizes";
	CHECK(fc_part_nparams(FC_SEASONAL_NAIVE) == 0);
	CHECK(fc_part_nparams(FC_HW_ADDITIVE) == 5 && fc_part_nparams(FC_HW_MULTIPLICATIVE) == 5);
	CHECK(fc_part_nparams(FC_SARIMA) == 7);
	CHECK(fc_part_nparams((enum fc_kind)0) == 0 && fc_part_nparams((enum fc_kind)9) == 0);
	CHECK(fc_part_nstate(FC_SEASONAL_NAIVE, 24, 0) == 24);
	CHECK(fc_part_nstate(FC_HW_ADDITIVE, 24, 0) == 26);
	CHECK(fc_part_nstate(FC_HW_MULTIPLICATIVE, 24, 168) == 2 + 24 + 168);
	CHECK(fc_part_nstate(FC_SARIMA, 24, 0) == 54);
	/* Shapes that do not exist. */
	CHECK(fc_part_nstate(FC_HW_ADDITIVE, 0, 0) == 0);
	CHECK(fc_part_nstate(FC_HW_ADDITIVE, FC_MAX_SEASON + 1, 0) == 0);
	CHECK(fc_part_nstate(FC_HW_ADDITIVE, 24, 36) == 0);  /* not a multiple */
	CHECK(fc_part_nstate(FC_HW_ADDITIVE, 24, 24) == 0);  /* not a second season */
	CHECK(fc_part_nstate(FC_HW_ADDITIVE, 24, 12) == 0);
	CHECK(fc_part_nstate(FC_HW_ADDITIVE, 1024, 4096) == 0);
	CHECK(fc_part_nstate(FC_SARIMA, 24, 168) == 0);
	CHECK(fc_part_nstate(FC_SEASONAL_NAIVE, 24, 168) == 0);
	CHECK(fc_part_nstate((enum fc_kind)0, 24, 0) == 0);
	CHECK(fc_part_nstate((enum fc_kind)5, 24, 0) == 0);
}

/* Every refusal returns -EINVAL and leaves the destination as it was. */
static void reject(const char *what, enum fc_kind kind, uint32_t m, uint32_t m2, const double *q,
		   unsigned nq, const double *st, unsigned ns, double sigma)
{
	static struct fc_part before;
	memset(&P, 0x5a, sizeof(P));
	before = P;
	int rc = fc_part_unpack(&P, kind, m, m2, q, nq, st, ns, sigma, 1.0);
	CHECK_REPORT_(rc == -EINVAL, "%s: accepted (rc %d)", what, rc);
	CHECK_REPORT_(memcmp(&P, &before, sizeof(P)) == 0, "%s: destination touched", what);
}

static void test_unpack_rejects(void)
{
	check_context = "unpack_rejects";
	static const double hwq[] = {0.5, 0.1, 0.2, 0.3, 0.9};
	static const double arq[] = {1, 1, 0, 0.5, 0.2, 0.3, -0.4};
	static double st[64], q[FC_MAX_PARAMS];
	for (unsigned i = 0; i < 64; i++)
		st[i] = 1.0 + i;

	/* The good ones first, so each refusal below is about one thing. */
	CHECK(fc_part_unpack(&P, FC_HW_ADDITIVE, 3, 0, hwq, 5, st, 5, 1.0, 0) == 0);
	CHECK(fc_part_unpack(&P, FC_HW_ADDITIVE, 2, 4, hwq, 5, st, 8, 1.0, 0) == 0);
	CHECK(fc_part_unpack(&P, FC_SARIMA, 3, 0, arq, 7, st, 12, 1.0, 0) == 0);
	CHECK(fc_part_unpack(&P, FC_SEASONAL_NAIVE, 3, 0, NULL, 0, st, 3, 0.0, 1.0) == 0);

	/* Sizes. */
	reject("hw 4 params", FC_HW_ADDITIVE, 3, 0, hwq, 4, st, 5, 1.0);
	reject("hw 6 params", FC_HW_ADDITIVE, 3, 0, hwq, 6, st, 5, 1.0);
	reject("hw short state", FC_HW_ADDITIVE, 3, 0, hwq, 5, st, 4, 1.0);
	reject("hw long state", FC_HW_ADDITIVE, 3, 0, hwq, 5, st, 6, 1.0);
	reject("hw state for m2 without m2", FC_HW_ADDITIVE, 2, 0, hwq, 5, st, 8, 1.0);
	reject("sarima 6 params", FC_SARIMA, 3, 0, arq, 6, st, 12, 1.0);
	reject("sarima state 11", FC_SARIMA, 3, 0, arq, 7, st, 11, 1.0);
	reject("sn with params", FC_SEASONAL_NAIVE, 3, 0, hwq, 1, st, 3, 1.0);
	reject("sn state 2", FC_SEASONAL_NAIVE, 3, 0, NULL, 0, st, 2, 1.0);
	reject("NULL params", FC_HW_ADDITIVE, 3, 0, NULL, 5, st, 5, 1.0);
	reject("NULL state", FC_HW_ADDITIVE, 3, 0, hwq, 5, NULL, 5, 1.0);
	/* Shapes. */
	reject("season 0", FC_SEASONAL_NAIVE, 0, 0, NULL, 0, st, 0, 1.0);
	reject("season too long", FC_SEASONAL_NAIVE, FC_MAX_SEASON + 1, 0, NULL, 0, st,
	       FC_MAX_SEASON + 1, 1.0);
	reject("season2 not a multiple", FC_HW_ADDITIVE, 2, 5, hwq, 5, st, 9, 1.0);
	reject("season2 = season", FC_HW_ADDITIVE, 2, 2, hwq, 5, st, 6, 1.0);
	reject("season2 on sarima", FC_SARIMA, 3, 6, arq, 7, st, 12, 1.0);
	reject("season2 on sn", FC_SEASONAL_NAIVE, 3, 6, NULL, 0, st, 9, 1.0);
	reject("kind 0", (enum fc_kind)0, 3, 0, NULL, 0, st, 3, 1.0);
	reject("kind 5", (enum fc_kind)5, 3, 0, NULL, 0, st, 3, 1.0);
	/* Non-finite values anywhere. */
	static const double bad[] = {NAN, INFINITY, -INFINITY};
	for (unsigned b = 0; b < 3; b++) {
		for (unsigned i = 0; i < 5; i++) {
			memcpy(q, hwq, sizeof(hwq));
			q[i] = bad[b];
			reject("hw param non-finite", FC_HW_ADDITIVE, 3, 0, q, 5, st, 5, 1.0);
		}
		for (unsigned i = 0; i < 7; i++) {
			memcpy(q, arq, sizeof(arq));
			q[i] = bad[b];
			reject("sarima param non-finite", FC_SARIMA, 3, 0, q, 7, st, 12, 1.0);
		}
		/* First and last value of each state. */
		static const unsigned at[] = {0, 7, 11};
		for (unsigned i = 0; i < 3; i++) {
			double keep = st[at[i]];
			st[at[i]] = bad[b];
			if (at[i] < 8)
				reject("hw state non-finite", FC_HW_ADDITIVE, 2, 4, hwq, 5, st, 8, 1.0);
			if (at[i] != 7) {
				reject("sarima state non-finite", FC_SARIMA, 3, 0, arq, 7, st, 12, 1.0);
				reject("sn state non-finite", FC_SEASONAL_NAIVE, 12, 0, NULL, 0, st, 12,
				       1.0);
			}
			st[at[i]] = keep;
		}
		reject("sigma non-finite", FC_HW_ADDITIVE, 3, 0, hwq, 5, st, 5, bad[b]);
	}
	reject("sigma negative", FC_HW_ADDITIVE, 3, 0, hwq, 5, st, 5, -1e-300);
	/* sd_power in [0, 1]. */
	static const double pw_bad[] = {NAN, INFINITY, -0.001, 1.001, 2.0};
	for (unsigned i = 0; i < 5; i++) {
		static struct fc_part before;
		memset(&P, 0x5a, sizeof(P));
		before = P;
		CHECK(fc_part_unpack(&P, FC_SEASONAL_NAIVE, 3, 0, NULL, 0, st, 3, 1.0, pw_bad[i]) ==
		      -EINVAL);
		CHECK(memcmp(&P, &before, sizeof(P)) == 0);
	}
	/* Out of range: HW gains and phi in [0, 1]. */
	for (unsigned i = 0; i < 5; i++) {
		memcpy(q, hwq, sizeof(hwq));
		q[i] = 1.0000001;
		reject("hw param > 1", FC_HW_MULTIPLICATIVE, 3, 0, q, 5, st, 5, 1.0);
		q[i] = -1e-9;
		reject("hw param < 0", FC_HW_MULTIPLICATIVE, 3, 0, q, 5, st, 5, 1.0);
	}
	/* SARIMA: d and D are 0 or 1; AR inside the stationary triangle
	 * (|ar2| < 1, |ar1| < 1 - ar2); |MA| <= 1. */
	static const struct { unsigned i; double v; } ar_bad[] = {
		{FC_AR_D, 0.5}, {FC_AR_D, 2}, {FC_AR_D, -1}, {FC_AR_SD, 2}, {FC_AR_SD, 0.999},
		{FC_AR_2, 1.0}, {FC_AR_2, -1.0}, {FC_AR_1, 0.8}, {FC_AR_1, -0.8},
		{FC_AR_MA1, 1.01}, {FC_AR_MA1, -1.5}, {FC_AR_SMA1, 1.0000001}, {FC_AR_SMA1, -2},
	};
	for (unsigned k = 0; k < sizeof(ar_bad) / sizeof(ar_bad[0]); k++) {
		memcpy(q, arq, sizeof(arq)); /* ar2 .2: |ar1| must stay below .8 */
		q[ar_bad[k].i] = ar_bad[k].v;
		reject("sarima param out of range", FC_SARIMA, 3, 0, q, 7, st, 12, 1.0);
	}

	/* Boundaries are legal: gains 0 and 1, |MA| = 1, sigma 0. */
	static const double q01[] = {0, 1, 0, 1, 1};
	CHECK(fc_part_unpack(&P, FC_HW_ADDITIVE, 3, 0, q01, 5, st, 5, 0.0, 0) == 0);
	memcpy(q, arq, sizeof(arq));
	q[FC_AR_MA1] = -1.0;
	q[FC_AR_SMA1] = 1.0;
	q[FC_AR_1] = 0.79;
	CHECK(fc_part_unpack(&P, FC_SARIMA, 3, 0, q, 7, st, 12, 0.0, 0.5) == 0);
}

/* --- hostile but accepted ----------------------------------------------------- */

/* A double of any magnitude and sign, finite; now and then an extreme. */
static double wild(void)
{
	static const double edge[] = {0.0, -0.0, DBL_MAX, -DBL_MAX, DBL_MIN, 4.9e-324, 1e308, -1e308};
	uint64_t r = check_rand();
	if (r % 5 == 0)
		return edge[(r >> 8) % 8];
	double mag = pow(10.0, (double)((r >> 8) % 617) - 308.0);
	return (r >> 20) & 1 ? -mag : mag;
}

static double unit(void)
{
	return (double)(check_rand() >> 11) * 0x1.0p-53;
}

/* Path and next of p are finite (se >= 0) for a long horizon. */
static int all_finite(const struct fc_part *p, unsigned h)
{
	static double f[4096], se[4096];
	one(&M, p);
	if (fc_path(&M, h, f, se) != 0 || !isfinite(fc_next(&M)))
		return 0;
	for (unsigned i = 0; i < h; i++)
		if (!isfinite(f[i]) || !isfinite(se[i]) || se[i] < 0)
			return 0;
	return 1;
}

/* Random accepted parts with wild states, fed wild points: forecasts,
 * errors and bounds stay finite, and the state still packs into
 * something unpack accepts. */
static void test_hostile(void)
{
	check_context = "hostile";
	static double st[FC_MAX_STATE], q[FC_MAX_PARAMS], params[FC_MAX_PARAMS];
	static const double ys[] = {NAN, INFINITY, -INFINITY, DBL_MAX, -DBL_MAX, 1e308, 0, 4.9e-324};
	unsigned bad = 0, unpack_bad = 0;

	check_rand_seed(20240611);
	for (unsigned k = 0; k < 3000; k++) {
		enum fc_kind kind = (enum fc_kind)(1 + check_rand() % 4);
		uint32_t m = 1 + check_rand() % 12, m2 = 0;
		if ((kind == FC_HW_ADDITIVE || kind == FC_HW_MULTIPLICATIVE) && check_rand() % 2)
			m2 = m * (2 + check_rand() % 3);
		unsigned ns = fc_part_nstate(kind, m, m2);
		for (unsigned i = 0; i < ns; i++)
			st[i] = wild();
		for (unsigned i = 0; i < FC_HW_NPARAMS; i++)
			q[i] = check_rand() % 4 == 0 ? (double)(check_rand() % 2) : unit();
		if (kind == FC_SARIMA) {
			q[FC_AR_D] = check_rand() % 2;
			q[FC_AR_SD] = check_rand() % 2;
			q[FC_AR_C] = wild();
			q[FC_AR_2] = 0.999999 * (2 * unit() - 1);
			q[FC_AR_1] = 0.999999 * (1 - q[FC_AR_2]) * (2 * unit() - 1);
			q[FC_AR_MA1] = check_rand() % 3 ? 2 * unit() - 1 : 1.0;
			q[FC_AR_SMA1] = check_rand() % 3 ? 2 * unit() - 1 : -1.0;
		}
		double sigma = check_rand() % 3 ? fabs(wild()) : 1.0;
		if (mk_pow(&P, kind, m, m2, q, st, sigma, 0.5 * (check_rand() % 3)) != 0) {
			unpack_bad++;
			continue;
		}
		int ok = all_finite(&P, 64);
		for (unsigned t = 0; t < 3 * ns + 5 && ok; t++) {
			double y = check_rand() % 3 ? wild() : ys[check_rand() % 8];
			double e = fc_part_update(&P, y);
			ok = isfinite(e) && isfinite(fc_part_next(&P));
		}
		ok = ok && all_finite(&P, 64);
		fc_part_pack(&P, params, st);
		ok = ok && fc_part_unpack(&Q, kind, m, m2, params, fc_part_nparams(kind), st, ns,
					  P.sigma, P.sd_power) == 0;
		if (!ok && bad++ < 5)
			fprintf(stderr, "hostile case %u (kind %d m %u m2 %u) went non-finite\n", k,
				kind, m, m2);
	}
	CHECK_EQ(unpack_bad, 0);
	CHECK_EQ(bad, 0);

	/* Hand-picked extremes, over a long horizon. */
	static const double hw1[] = {1, 1, 1, 1, 1}, hw0[] = {0, 0, 0, 0, 0};
	static const double big[] = {DBL_MAX, DBL_MAX, DBL_MAX, -DBL_MAX, DBL_MAX};
	CHECK(mk(&P, FC_HW_ADDITIVE, 3, 0, hw1, big, DBL_MAX) == 0 && all_finite(&P, 4096));
	CHECK(mk(&P, FC_HW_ADDITIVE, 3, 0, hw0, big, DBL_MAX) == 0 && all_finite(&P, 4096));
	static const double mz[] = {0, 0, 0, -1, 1e308};
	CHECK(mk(&P, FC_HW_MULTIPLICATIVE, 3, 0, hw1, mz, 1.0) == 0 && all_finite(&P, 4096));
	static const double ar_edge[] = {1, 1, 1e308, 0.999999, 0, 1, -1};
	for (unsigned i = 0; i < 12; i++)
		st[i] = i % 2 ? 1e308 : -1e308;
	CHECK(mk(&P, FC_SARIMA, 3, 0, ar_edge, st, 1e300) == 0 && all_finite(&P, 4096));
	static const double ar_osc[] = {1, 1, 0, 1.999, -0.9995, -1, 1};
	for (unsigned i = 0; i < 12; i++)
		st[i] = i * 1e300;
	CHECK(mk(&P, FC_SARIMA, 3, 0, ar_osc, st, 1.0) == 0 && all_finite(&P, 4096));
	static const double sn_big[] = {DBL_MAX, -DBL_MAX, DBL_MAX};
	CHECK(mk(&P, FC_SEASONAL_NAIVE, 3, 0, NULL, sn_big, DBL_MAX) == 0 && all_finite(&P, 4096));
	for (unsigned t = 0; t < 10; t++)
		CHECK(isfinite(fc_part_update(&P, t % 2 ? DBL_MAX : -DBL_MAX)));
	CHECK(all_finite(&P, 100));
}

/* --- updates, gaps, combinations ------------------------------------------------ */

static void test_gap(void)
{
	check_context = "gap";
	static double st[FC_MAX_STATE];

	/* For every kind, a non-finite point steps the state exactly as the
	 * part's own forecast would, and the error reported is 0. */
	for (unsigned k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
		const struct shape *s = &shapes[k];
		shape_state(s, st, fc_part_nstate(s->kind, s->m, s->m2));
		CHECK(mk(&P, s->kind, s->m, s->m2, s->params, st, 1.0) == 0);
		for (unsigned t = 0; t < 5; t++)
			fc_part_update(&P, 12.0 - t);
		static const double gaps[] = {NAN, INFINITY, -INFINITY};
		for (unsigned g = 0; g < 3; g++) {
			Q = P;
			one(&M, &P);
			double e = fc_update(&M, gaps[g]);
			CHECK(e == 0.0);
			CHECK(fc_part_update(&Q, fc_part_next(&Q)) == 0.0);
			CHECK(same_packed(&M.part[0], &Q));
			CHECK(M.part[0].pos == Q.pos);
		}
	}
}

static void test_combination(void)
{
	check_context = "combination";
	static const double hwq[] = {0.5, 0.1, 0.2, 0.0, 0.9};
	static const double hws[] = {10.0, 0.5, 1.0, -1.0, 0.5};
	static const double arq[] = {0, 1, 0.1, 0.5, 0, 0.3, -0.4};
	static const double ars[] = {8, 12, 9, 11, 10, 7, 0.1, -0.2, 0.3, 0.5, -1, 0.2};
	static struct fc_part a, b;
	static double fa[40], sa[40], fb[40], sb[40], f[40], se[40];

	CHECK(mk(&a, FC_HW_ADDITIVE, 3, 0, hwq, hws, 1.0) == 0);
	CHECK(mk(&b, FC_SARIMA, 3, 0, arq, ars, 3.0) == 0);
	one(&M, &a);
	CHECK(fc_path(&M, 40, fa, sa) == 0);
	one(&M, &b);
	CHECK(fc_path(&M, 40, fb, sb) == 0);
	/* The mean of two: forecast and se are the means of the parts'. */
	memset(&M, 0, sizeof(M));
	M.n_parts = 2;
	M.part[0] = a;
	M.part[1] = b;
	CHECK(fc_path(&M, 40, f, se) == 0);
	for (unsigned i = 0; i < 40; i++) {
		CHECK_NEAR(f[i], 0.5 * (fa[i] + fb[i]), 1e-12);
		CHECK_NEAR(se[i], 0.5 * (sa[i] + sb[i]), 1e-12);
	}
	CHECK_NEAR(se[0], 2.0, 1e-12);
	CHECK_NEAR(fc_next(&M), 0.5 * (fa[0] + fb[0]), 1e-12);
	/* An update returns y minus the mean forecast and steps both parts
	 * with y; a gap steps each part with its own forecast. */
	double y = 13.0, want = y - fc_next(&M);
	CHECK_NEAR(fc_update(&M, y), want, 1e-12);
	fc_part_update(&a, y);
	fc_part_update(&b, y);
	CHECK(same_packed(&M.part[0], &a) && same_packed(&M.part[1], &b));
	CHECK(fc_update(&M, NAN) == 0.0);
	fc_part_update(&a, fc_part_next(&a));
	fc_part_update(&b, fc_part_next(&b));
	CHECK(same_packed(&M.part[0], &a) && same_packed(&M.part[1], &b));
}

/* --- names ------------------------------------------------------------------------ */

static void test_names(void)
{
	check_context = "names";
	static const enum fc_kind kinds[] = {FC_SEASONAL_NAIVE, FC_HW_ADDITIVE,
					     FC_HW_MULTIPLICATIVE, FC_SARIMA};
	static const char *const names[] = {"seasonal_naive", "hw_additive", "hw_multiplicative",
					    "sarima"};
	for (unsigned i = 0; i < 4; i++) {
		CHECK(strcmp(fc_kind_name(kinds[i]), names[i]) == 0);
		CHECK(fc_kind_parse(names[i]) == kinds[i]);
	}
	CHECK(strcmp(fc_kind_name((enum fc_kind)0), "unknown") == 0);
	CHECK(strcmp(fc_kind_name((enum fc_kind)99), "unknown") == 0);
	CHECK(strcmp(fc_kind_name((enum fc_kind)-1), "unknown") == 0);
	CHECK(fc_kind_parse("holt_winters") == 0);
	CHECK(fc_kind_parse("") == 0);
	CHECK(fc_kind_parse("SARIMA") == 0);
	CHECK(fc_kind_parse(NULL) == 0);

	static double st[FC_MAX_STATE];
	char buf[160];
	for (unsigned i = 0; i < FC_MAX_STATE; i++)
		st[i] = 1.0;
	static const double damped[] = {0.3, 0.1, 0.2, 0.1, 0.9};
	CHECK(mk(&P, FC_HW_ADDITIVE, 24, 168, damped, st, 1.0) == 0);
	one(&M, &P);
	fc_model_describe(&M, buf, sizeof(buf));
	CHECK(strcmp(buf, "hw_additive damped 24+168") == 0);
	static const double flat[] = {0.3, 0.0, 0.2, 0.0, 1.0};
	st[1] = 0.0; /* trend */
	CHECK(mk(&P, FC_HW_MULTIPLICATIVE, 12, 0, flat, st, 1.0) == 0);
	one(&M, &P);
	fc_model_describe(&M, buf, sizeof(buf));
	CHECK(strcmp(buf, "hw_multiplicative no-trend 12") == 0);
	static const double trended[] = {0.3, 0.1, 0.2, 0.0, 1.0};
	CHECK(mk(&P, FC_HW_ADDITIVE, 7, 0, trended, st, 1.0) == 0);
	one(&M, &P);
	fc_model_describe(&M, buf, sizeof(buf));
	CHECK(strcmp(buf, "hw_additive 7") == 0);
	static const double ar101[] = {0, 1, 0.5, 0.6, 0, 0.3, -0.5};
	CHECK(mk(&P, FC_SARIMA, 24, 0, ar101, st, 1.0) == 0);
	one(&M, &P);
	fc_model_describe(&M, buf, sizeof(buf));
	CHECK(strcmp(buf, "sarima(1,0,1)(0,1,1)24") == 0);
	static const double ar200[] = {0, 1, 0.5, 0.5, 0.3, 0, -0.5};
	CHECK(mk(&P, FC_SARIMA, 24, 0, ar200, st, 1.0) == 0);
	one(&M, &P);
	fc_model_describe(&M, buf, sizeof(buf));
	CHECK(strcmp(buf, "sarima(2,0,0)(0,1,1)24") == 0);
	static const double ar011[] = {1, 1, 0, 0, 0, -0.4, -0.6};
	CHECK(mk(&Q, FC_SARIMA, 24, 0, ar011, st, 1.0) == 0);
	CHECK(mk(&P, FC_SEASONAL_NAIVE, 24, 0, NULL, st, 1.0) == 0);
	M.n_parts = 2;
	M.part[0] = P;
	M.part[1] = Q;
	fc_model_describe(&M, buf, sizeof(buf));
	CHECK(strcmp(buf, "mean(seasonal_naive 24, sarima(0,1,1)(0,1,1)24)") == 0);
	/* Short buffers are cut, terminated and never overrun (ASan). */
	for (unsigned len = 1; len <= strlen(buf) + 1; len++) {
		char *small = malloc(len);
		if (!small)
			continue;
		fc_model_describe(&M, small, len);
		CHECK(strlen(small) == len - 1 && strncmp(small, buf, len - 1) == 0);
		free(small);
	}
}

/* --- relative sigma and the one-step sd ----------------------------------------- */

static void test_relative(void)
{
	check_context = "relative";
	/* With sd_power k the one-step sd is sigma |f|^k and se_h is
	 * sigma |f_h|^k times the same impulse-response factor. Seasonal
	 * naive {5, 7, 9}, sigma .1, k 1: se = .1 * 5, .1 * 7, .1 * 9,
	 * .1 * 5 sqrt 2, ...; k .5: .1 sqrt 5, ... */
	static const double st[] = {5.0, 7.0, 9.0};
	double f[7], se[7];

	for (unsigned k = 1; k <= 2; k++) {
		double pw = 0.5 * k;
		CHECK(mk_pow(&P, FC_SEASONAL_NAIVE, 3, 0, NULL, st, 0.1, pw) == 0);
		CHECK(P.sd_power == pw);
		one(&M, &P);
		CHECK(fc_path(&M, 7, f, se) == 0);
		for (unsigned h = 1; h <= 7; h++)
			CHECK_NEAR(se[h - 1], 0.1 * pow(f[h - 1], pw) * sqrt(ceil(h / 3.0)), 1e-12);
		CHECK_NEAR(fc_next_sd(&M), 0.1 * pow(5.0, pw), 1e-12);
	}
	/* A negative forecast gives a positive sd (|f|). */
	static const double neg[] = {-5.0, 7.0, 9.0};
	CHECK(mk_pow(&P, FC_SEASONAL_NAIVE, 3, 0, NULL, neg, 0.1, 1.0) == 0);
	one(&M, &P);
	CHECK_NEAR(fc_next_sd(&M), 0.5, 1e-12);
	CHECK(fc_path(&M, 1, f, se) == 0);
	CHECK_NEAR(se[0], 0.5, 1e-12);

	/* The HW case of test_hw_forecast, relative, sigma .1:
	 * se_h = .1 f_h sqrt(1 + psi_1^2 + ...), psi .55, .7, .65 as there. */
	static const double q[] = {0.5, 0.1, 0.2, 0.0, 1.0};
	static const double hw[] = {16.87944203125, 0.936660484375, -1.862100625, 1.73542159375};
	CHECK(mk_pow(&P, FC_HW_ADDITIVE, 2, 0, q, hw, 0.1, 1.0) == 0);
	one(&M, &P);
	CHECK(fc_path(&M, 4, f, se) == 0);
	CHECK_NEAR(se[0], 0.1 * 15.954001890625, 1e-12);
	CHECK_NEAR(se[1], 0.1 * 20.48818459375 * sqrt(1.3025), 1e-12);
	CHECK_NEAR(se[2], 0.1 * 17.827322859375 * sqrt(1.7925), 1e-12);
	CHECK_NEAR(se[3], 0.1 * f[3] * sqrt(2.215), 1e-12);

	/* Absolute: the sd is sigma; a combination's is the mean of its
	 * parts' (an absolute 2 and a relative .1 of 15.954...). */
	CHECK(mk(&Q, FC_HW_ADDITIVE, 2, 0, q, hw, 2.0) == 0);
	one(&N, &Q);
	CHECK_NEAR(fc_next_sd(&N), 2.0, 1e-12);
	M.n_parts = 2;
	M.part[1] = Q;
	CHECK_NEAR(fc_next_sd(&M), 0.5 * (1.5954001890625 + 2.0), 1e-12);
	CHECK(fc_path(&M, 1, f, se) == 0);
	CHECK_NEAR(se[0], fc_next_sd(&M), 1e-12);
}

/* --- monitoring -------------------------------------------------------------------- */

static void step_check(struct fc_monitor *mon, double y, double f, double lo, double hi, int outside,
		       int alert, double mae, double level)
{
	struct fc_verdict v;
	fc_monitor_step(mon, y, &v);
	CHECK_NEAR(v.forecast, f, 1e-12);
	CHECK_NEAR(v.lo, lo, 1e-12);
	CHECK_NEAR(v.hi, hi, 1e-12);
	CHECK_EQ(v.outside, outside);
	CHECK_EQ(v.alert, alert);
	CHECK_NEAR(v.error, isfinite(y) ? y - f : 0.0, 1e-12); /* the raw error */
	CHECK_NEAR(mon->live_mae, mae, 1e-12);
	CHECK_NEAR(mon->model.part[0].level, level, 1e-12);
}

static void test_monitor(void)
{
	check_context = "monitor";
	/* A level-only model: season 1, alpha .5, no trend, no seasonality,
	 * level 10, sigma 1; z 2, need 3, window 4 (EWMA weight .25). The
	 * forecast is the level, the interval level +- 2. An outside point
	 * counts in the live MAE as the bound b it crossed (|b - f| = 2); the
	 * model steps over it as over a gap (level unchanged) for the first
	 * FC_MONITOR_HOLD = 3 of a run, then takes the values as they are.
	 *  y     f        [lo, hi]          out run alert |kept-f| live MAE                        level'
	 *  11    10       [8, 12]           0   0   0     1      1 (first)                       10.5
	 *  9     10.5     [8.5, 12.5]       0   0   0     1.5    1 + .25 * .5 = 1.125            9.75
	 *  20    9.75     [7.75, 11.75]     1   1   0     2      1.125 + .25 * .875 = 1.34375    9.75 (gap)
	 *  20    9.75                       1   2   0     2      + .25 * .65625 = 1.5078125      9.75 (gap)
	 *  20    9.75                       1   3   1     2      + .25 * .4921875 = 1.630859375  9.75 (gap)
	 *  20    9.75                       1   4   0     2      + .25 * .369140625 = 1.72314453125
	 *                                                        run 4 > 3: taken, .5 * 20 + .5 * 9.75 = 14.875
	 *  NaN   14.875   gap: no verdict, run and MAE kept, the model steps on 14.875       14.875
	 *  14.25 14.875   [12.875, 16.875]  0   0   0     .625   - .25 * 1.09814453125 = 1.4486083984375  14.5625
	 *  0     14.5625  [12.5625, 16.5625] 1  1   0     2      + .25 * .5513916015625 = 1.586456298828125  (gap)
	 *  0     14.5625                    1   2   0     2      + .25 * .413543701171875 = 1.68984222412109375  (gap)
	 *  0     14.5625                    1   3   1     2      + .25 * .31015777587890625 = 1.7673816680908203125  (gap)
	 *  0     14.5625                    1   4   0     2      + .25 * .2326183319091796875 = 1.825536251068115234375
	 *                                                        taken: .5 * 0 + .5 * 14.5625 = 7.28125 */
	static struct fc_monitor mon;
	static const double q[] = {0.5, 0.0, 0.0, 0.0, 1.0};
	static const double st[] = {10.0, 0.0, 0.0};
	CHECK(FC_MONITOR_HOLD == 3);
	CHECK(mk(&P, FC_HW_ADDITIVE, 1, 0, q, st, 1.0) == 0);
	one(&M, &P);
	fc_monitor_init(&mon, &M, 2.0, 3, 4);
	CHECK(mon.run == 0 && mon.seen == 0 && isnan(mon.live_mae));
	/* Drift against a backtest MAE of .5 at --drift 2 (live MAE above 1):
	 * never before a window (4) is seen, nor while a run of 1..HOLD
	 * outside points is stepped over; 0 when the backtest MAE is 0. */
	step_check(&mon, 11, 10, 8, 12, 0, 0, 1, 10.5);
	step_check(&mon, 9, 10.5, 8.5, 12.5, 0, 0, 1.125, 9.75);
	step_check(&mon, 20, 9.75, 7.75, 11.75, 1, 0, 1.34375, 9.75);
	CHECK(!fc_monitor_drifting(&mon, 0.5, 2.0)); /* 3 seen */
	step_check(&mon, 20, 9.75, 7.75, 11.75, 1, 0, 1.5078125, 9.75);
	CHECK(!fc_monitor_drifting(&mon, 0.5, 2.0)); /* run 2 */
	step_check(&mon, 20, 9.75, 7.75, 11.75, 1, 1, 1.630859375, 9.75);
	CHECK(!fc_monitor_drifting(&mon, 0.5, 2.0)); /* run 3 */
	step_check(&mon, 20, 9.75, 7.75, 11.75, 1, 0, 1.72314453125, 14.875);
	CHECK(mon.run == 4 && mon.seen == 6);
	CHECK(fc_monitor_drifting(&mon, 0.5, 2.0));
	CHECK(!fc_monitor_drifting(&mon, 0.5, 4.0) && !fc_monitor_drifting(&mon, 0.0, 2.0));
	step_check(&mon, NAN, 14.875, 12.875, 16.875, 0, 0, 1.72314453125, 14.875);
	CHECK(mon.run == 4 && mon.seen == 6);
	step_check(&mon, 14.25, 14.875, 12.875, 16.875, 0, 0, 1.4486083984375, 14.5625);
	CHECK(mon.run == 0);
	CHECK(fc_monitor_drifting(&mon, 0.5, 2.0) && !fc_monitor_drifting(&mon, 0.75, 2.0));
	step_check(&mon, 0, 14.5625, 12.5625, 16.5625, 1, 0, 1.586456298828125, 14.5625);
	step_check(&mon, 0, 14.5625, 12.5625, 16.5625, 1, 0, 1.68984222412109375, 14.5625);
	step_check(&mon, 0, 14.5625, 12.5625, 16.5625, 1, 1, 1.7673816680908203125, 14.5625);
	step_check(&mon, 0, 14.5625, 12.5625, 16.5625, 1, 0, 1.825536251068115234375, 7.28125);
	CHECK(mon.seen == 11);

	/* need 1, window 1: the first outside point of a run alerts, the
	 * rest not; the MAE is the last clamped error. */
	fc_monitor_init(&mon, &M, 2.0, 1, 1);
	step_check(&mon, 10.5, 10, 8, 12, 0, 0, 0.5, 10.25);
	step_check(&mon, 30, 10.25, 8.25, 12.25, 1, 1, 2, 10.25);
	step_check(&mon, 30, 10.25, 8.25, 12.25, 1, 0, 2, 10.25);
	step_check(&mon, 30, 10.25, 8.25, 12.25, 1, 0, 2, 10.25);
	step_check(&mon, 30, 10.25, 8.25, 12.25, 1, 0, 2, 20.125);

	/* A combination's interval uses the mean of its parts' sds (1, 3). */
	Q = P;
	Q.sigma = 3.0;
	M.n_parts = 2;
	M.part[1] = Q;
	fc_monitor_init(&mon, &M, 2.0, 3, 4);
	struct fc_verdict v;
	fc_monitor_step(&mon, 10.0, &v);
	CHECK_NEAR(v.lo, 6.0, 1e-12);
	CHECK_NEAR(v.hi, 14.0, 1e-12);
	/* A relative sigma of .1 around 10: z 2 gives +- 2. */
	Q.sigma = 0.1;
	Q.sd_power = 1.0;
	one(&M, &Q);
	fc_monitor_init(&mon, &M, 2.0, 3, 4);
	fc_monitor_step(&mon, 10.0, &v);
	CHECK_NEAR(v.lo, 8.0, 1e-12);
	CHECK_NEAR(v.hi, 12.0, 1e-12);

	/* sigma 0: a point interval; the bounds never go non-finite. */
	P.sigma = 0.0;
	one(&M, &P);
	fc_monitor_init(&mon, &M, 2.0, 2, 4);
	fc_monitor_step(&mon, 10.0, &v);
	CHECK(v.lo == 10.0 && v.hi == 10.0 && !v.outside);
	static const double huge[] = {DBL_MAX, 0.0, 0.0};
	CHECK(mk(&P, FC_HW_ADDITIVE, 1, 0, q, huge, DBL_MAX) == 0);
	one(&M, &P);
	fc_monitor_init(&mon, &M, FC_Z95, 2, 4);
	for (unsigned t = 0; t < 5; t++) {
		fc_monitor_step(&mon, t % 2 ? -DBL_MAX : DBL_MAX, &v);
		CHECK(isfinite(v.lo) && isfinite(v.hi) && v.lo <= v.hi && isfinite(v.error));
		CHECK(isfinite(mon.live_mae));
	}
}

int main(void)
{
	test_hw_forecast();
	test_hw_damped();
	test_hw_multiplicative();
	test_hw_double_seasonal();
	test_hw_double_multiplicative();
	test_seasonal_naive();
	test_sarima_by_hand();
	test_sarima_se();
	test_pack_round_trip();
	test_sizes();
	test_unpack_rejects();
	test_hostile();
	test_gap();
	test_combination();
	test_names();
	test_relative();
	test_monitor();
	return check_summary();
}
