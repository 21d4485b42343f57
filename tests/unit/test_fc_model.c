/* fc_model on hand-built models. Every expected value is worked out by hand
 * (in the comments) from the model the test writes, never from a run of
 * the code under test. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "fc_model.h"


/* |a - b| <= tol, reporting both values on failure. */
static void hw_model(struct fc_model *m, double level, double trend, double phi,
		     const double *seasonal, unsigned season)
{
	memset(m, 0, sizeof(*m));
	m->kind = FC_HOLT_WINTERS;
	m->season = season;
	m->alpha = 0.5;
	m->beta = 0.1;
	m->gamma = 0.2;
	m->phi = phi;
	m->level = level;
	m->trend = trend;
	memcpy(m->seasonal, seasonal, season * sizeof(double));
}

static void sn_model(struct fc_model *m, const double *seasonal, unsigned season)
{
	memset(m, 0, sizeof(*m));
	m->kind = FC_SEASONAL_NAIVE;
	m->season = season;
	m->phi = 1.0;
	memcpy(m->seasonal, seasonal, season * sizeof(double));
}

static void test_hw_forecast(void)
{
	check_context = "hw_forecast";
	/* The state test_fc_fit derives by hand (season 2, 6 points,
	 * alpha 0.5, beta 0.1, gamma 0.2):
	 *   level 16.87944203125, trend 0.936660484375,
	 *   seasonal {-1.862100625, 1.73542159375}.
	 * h=1: 16.87944203125 + 0.936660484375 - 1.862100625   = 15.954001890625
	 * h=2: 16.87944203125 + 1.87332096875  + 1.73542159375 = 20.48818459375
	 * h=3: 16.87944203125 + 2.809981453125 - 1.862100625   = 17.827322859375 */
	static const double s[] = { -1.862100625, 1.73542159375 };
	struct fc_model m;
	hw_model(&m, 16.87944203125, 0.936660484375, 1.0, s, 2);
	CHECK_NEAR(fc_forecast(&m, 1), 15.954001890625, 1e-12);
	CHECK_NEAR(fc_forecast(&m, 2), 20.48818459375, 1e-12);
	CHECK_NEAR(fc_forecast(&m, 3), 17.827322859375, 1e-12);
	/* h = 0 is out of contract; treated as h = 1 rather than crashing. */
	CHECK_NEAR(fc_forecast(&m, 0), 15.954001890625, 1e-12);
	/* h = 1000: level + 1000 * trend + seasonal[999 % 2 = 1]. */
	CHECK_NEAR(fc_forecast(&m, 1000), 16.87944203125 + 936.660484375 + 1.73542159375,
		   1e-9);
}

static void test_hw_damped(void)
{
	check_context = "hw_damped";
	/* level 10, trend 2, seasonal {1, -1}, phi 0.5:
	 *   h=1: 10 + 0.5*2                + 1 = 12
	 *   h=2: 10 + (0.5+0.25)*2         - 1 = 10.5
	 *   h=3: 10 + (0.5+0.25+0.125)*2   + 1 = 12.75
	 *   h -> inf: the sum tends to phi/(1-phi) = 1, so h = 1001 gives
	 *   10 + 2 + seasonal[1000 % 2 = 0] = 13 (the missing 0.5^1001 is nil). */
	static const double s[] = { 1.0, -1.0 };
	struct fc_model m;
	hw_model(&m, 10.0, 2.0, 0.5, s, 2);
	CHECK_NEAR(fc_forecast(&m, 1), 12.0, 1e-12);
	CHECK_NEAR(fc_forecast(&m, 2), 10.5, 1e-12);
	CHECK_NEAR(fc_forecast(&m, 3), 12.75, 1e-12);
	CHECK_NEAR(fc_forecast(&m, 1001), 13.0, 1e-12);
	/* (2^32 - 2) % 2 = 0 -> seasonal[0]; the sum is 1 to the last bit. */
	CHECK_NEAR(fc_forecast(&m, UINT32_MAX), 10.0 + 2.0 + 1.0, 1e-12);

	/* phi = 0: no trend at all. */
	m.phi = 0.0;
	CHECK_NEAR(fc_forecast(&m, 1), 11.0, 1e-12);
	CHECK_NEAR(fc_forecast(&m, 2), 9.0, 1e-12);

	/* phi just below 1, where 1 - phi^h cancels: the sum for h = 10 is
	 * 10 - (1-phi) * (1+2+...+10) + O((1-phi)^2) = 10 - 55e-9. */
	m.phi = 1.0 - 1e-9;
	m.trend = 1.0;
	CHECK_NEAR(fc_forecast(&m, 10), 10.0 + 10.0 - 55e-9 + -1.0, 1e-12);
}

static void test_seasonal_naive(void)
{
	check_context = "seasonal_naive";
	/* The last season {5, 7, 9} repeats: h = 1..7 -> 5 7 9 5 7 9 5. */
	static const double s[] = { 5.0, 7.0, 9.0 };
	static const double want[] = { 5, 7, 9, 5, 7, 9, 5 };
	struct fc_model m;
	sn_model(&m, s, 3);
	for (unsigned h = 1; h <= 7; h++)
		CHECK_NEAR(fc_forecast(&m, h), want[h - 1], 0.0);
	CHECK_NEAR(fc_forecast(&m, 3000), 9.0, 0.0); /* 2999 % 3 = 2 */
}

static void test_intervals(void)
{
	check_context = "intervals";
	static const double s[] = { 1.0, -1.0 };
	struct fc_model m;
	double lo, hi;

	/* HW: f(4) = 10 + 4*2 - 1 = 17; half-width 1.96 * 2 * sqrt(4) = 7.84. */
	hw_model(&m, 10.0, 2.0, 1.0, s, 2);
	m.resid_sd = 2.0;
	fc_interval(&m, 4, 1.96, &lo, &hi);
	CHECK_NEAR(lo, 17.0 - 7.84, 1e-12);
	CHECK_NEAR(hi, 17.0 + 7.84, 1e-12);
	/* h = 1: 1.2816 * 2 * 1 around f(1) = 13. */
	fc_interval(&m, 1, 1.2816, &lo, &hi);
	CHECK_NEAR(lo, 13.0 - 2.5632, 1e-12);
	CHECK_NEAR(hi, 13.0 + 2.5632, 1e-12);

	/* Seasonal naive, m = 3, sd 1, z 1: half-width sqrt(ceil(h/3)):
	 * h=1..3 -> 1, h=4 -> sqrt 2, h=6 -> sqrt 2, h=7 -> sqrt 3. */
	static const double s3[] = { 5.0, 7.0, 9.0 };
	sn_model(&m, s3, 3);
	m.resid_sd = 1.0;
	fc_interval(&m, 1, 1.0, &lo, &hi);
	CHECK_NEAR(hi - lo, 2.0, 1e-12);
	CHECK_NEAR(lo, 4.0, 1e-12);
	fc_interval(&m, 3, 1.0, &lo, &hi);
	CHECK_NEAR(hi - lo, 2.0, 1e-12);
	fc_interval(&m, 4, 1.0, &lo, &hi);
	CHECK_NEAR(hi - lo, 2.0 * sqrt(2.0), 1e-12);
	CHECK_NEAR((lo + hi) / 2, 5.0, 1e-12);
	fc_interval(&m, 6, 1.0, &lo, &hi);
	CHECK_NEAR(hi - lo, 2.0 * sqrt(2.0), 1e-12);
	fc_interval(&m, 7, 1.0, &lo, &hi);
	CHECK_NEAR(hi - lo, 2.0 * sqrt(3.0), 1e-12);
	/* No overflow in ceil(h/m) at the top of the range:
	 * ceil((2^32-1)/3) = 1431655765. */
	fc_interval(&m, UINT32_MAX, 1.0, &lo, &hi);
	CHECK_NEAR(hi - lo, 2.0 * sqrt(1431655765.0), 1e-6);

	/* Zero sd: a point interval. */
	m.resid_sd = 0.0;
	fc_interval(&m, 2, 1.96, &lo, &hi);
	CHECK(lo == 7.0 && hi == 7.0);
}

static void test_non_finite(void)
{
	check_context = "non_finite";
	static const double s[] = { 1.0, -1.0 };
	struct fc_model m;
	double lo, hi;

	/* Each non-finite HW part is dropped; the rest still forecasts. */
	hw_model(&m, NAN, 2.0, 1.0, s, 2);
	CHECK_NEAR(fc_forecast(&m, 1), 2.0 + 1.0, 0.0);
	hw_model(&m, 10.0, INFINITY, 1.0, s, 2);
	CHECK_NEAR(fc_forecast(&m, 1), 10.0 + 1.0, 0.0);
	hw_model(&m, 10.0, 2.0, NAN, s, 2);
	CHECK_NEAR(fc_forecast(&m, 1), 10.0 + 1.0, 0.0);
	hw_model(&m, 10.0, 2.0, 1.0, s, 2);
	m.seasonal[0] = NAN;
	CHECK_NEAR(fc_forecast(&m, 1), 12.0, 0.0);
	CHECK_NEAR(fc_forecast(&m, 2), 13.0, 0.0);
	/* A finite trend that overflows over h is dropped too. */
	hw_model(&m, 10.0, 1e308, 1.0, s, 2);
	CHECK_NEAR(fc_forecast(&m, 100), 10.0 - 1.0, 0.0);
	/* phi above 1 is clamped to 1 rather than exploding. */
	hw_model(&m, 10.0, 2.0, 3.0, s, 2);
	CHECK_NEAR(fc_forecast(&m, 3), 10.0 + 6.0 + 1.0, 1e-12);
	/* Nothing finite at all: 0. */
	hw_model(&m, NAN, NAN, NAN, s, 2);
	m.seasonal[0] = NAN;
	CHECK(fc_forecast(&m, 1) == 0.0);
	/* A corrupt season must not index out of bounds or divide by 0. */
	hw_model(&m, 10.0, 2.0, 1.0, s, 2);
	m.season = 0;
	CHECK_NEAR(fc_forecast(&m, 1), 12.0, 0.0);
	m.season = FC_MAX_SEASON + 1;
	CHECK_NEAR(fc_forecast(&m, 1), 12.0, 0.0);

	/* Seasonal naive: a non-finite value falls back to the level. */
	static const double s3[] = { 5.0, NAN, 9.0 };
	sn_model(&m, s3, 3);
	m.level = 7.0;
	CHECK_NEAR(fc_forecast(&m, 2), 7.0, 0.0);
	m.level = INFINITY;
	CHECK(fc_forecast(&m, 2) == 0.0);

	/* Intervals: a bad sd or z gives a zero-width interval, never NaN. */
	hw_model(&m, 10.0, 2.0, 1.0, s, 2);
	m.resid_sd = NAN;
	fc_interval(&m, 1, 1.96, &lo, &hi);
	CHECK(lo == 13.0 && hi == 13.0);
	m.resid_sd = INFINITY;
	fc_interval(&m, 1, 1.96, &lo, &hi);
	CHECK(lo == 13.0 && hi == 13.0);
	m.resid_sd = -1.0;
	fc_interval(&m, 1, 1.96, &lo, &hi);
	CHECK(lo == 13.0 && hi == 13.0);
	m.resid_sd = 1.0;
	fc_interval(&m, 1, NAN, &lo, &hi);
	CHECK(lo == 13.0 && hi == 13.0);
	/* A negative z is taken by magnitude, so lo <= hi. */
	fc_interval(&m, 1, -1.0, &lo, &hi);
	CHECK(lo == 12.0 && hi == 14.0);
	/* Forecast near DBL_MAX: bounds would overflow -> point interval. */
	hw_model(&m, 1.7e308, 0.0, 1.0, s, 2);
	m.resid_sd = 1e308;
	fc_interval(&m, 1, 1.96, &lo, &hi);
	CHECK(isfinite(lo) && isfinite(hi) && lo <= hi);
}

static void test_kind_names(void)
{
	check_context = "kind_names";
	CHECK(strcmp(fc_kind_name(FC_SEASONAL_NAIVE), "seasonal_naive") == 0);
	CHECK(strcmp(fc_kind_name(FC_HOLT_WINTERS), "holt_winters") == 0);
	CHECK(strcmp(fc_kind_name((enum fc_kind)99), "unknown") == 0);
	CHECK(fc_kind_parse("seasonal_naive") == FC_SEASONAL_NAIVE);
	CHECK(fc_kind_parse("holt_winters") == FC_HOLT_WINTERS);
	CHECK(fc_kind_parse("holt") == 0);
	CHECK(fc_kind_parse("") == 0);
	CHECK(fc_kind_parse("Holt_Winters") == 0);
	CHECK(fc_kind_parse(NULL) == 0);
}

static void test_pack_unpack(void)
{
	check_context = "pack_unpack";
	static const double s[] = { -1.5, 0.25, 3.0 };
	struct fc_model a, b;
	double params[4], state[3 + 2];

	hw_model(&a, 100.0, -0.5, 0.9, s, 3);
	a.resid_sd = 2.5;
	fc_model_pack(&a, params, state);
	CHECK(params[0] == 0.5 && params[1] == 0.1 && params[2] == 0.2 && params[3] == 0.9);
	CHECK(state[0] == 100.0 && state[1] == -0.5);
	CHECK(state[2] == -1.5 && state[3] == 0.25 && state[4] == 3.0);

	memset(&b, 0xff, sizeof(b));
	CHECK(fc_model_unpack(&b, FC_HOLT_WINTERS, 3, params, 4, state, 5, 2.5) == 0);
	CHECK(b.kind == FC_HOLT_WINTERS && b.season == 3);
	CHECK(b.alpha == 0.5 && b.beta == 0.1 && b.gamma == 0.2 && b.phi == 0.9);
	CHECK(b.level == 100.0 && b.trend == -0.5 && b.resid_sd == 2.5);
	CHECK(memcmp(b.seasonal, s, sizeof(s)) == 0);
	CHECK(b.seasonal[3] == 0.0); /* unused tail cleared */
	for (unsigned h = 1; h <= 5; h++)
		CHECK(fc_forecast(&a, h) == fc_forecast(&b, h));

	/* Each rejection must leave the destination untouched. */
	struct fc_model keep = b;
#define REJECT(expr)                                                                   \
	do {                                                                           \
		CHECK((expr) == -EINVAL);                                              \
		CHECK(memcmp(&b, &keep, sizeof(b)) == 0);                              \
	} while (0)
	double p2[4], st2[5];
	memcpy(p2, params, sizeof(p2));
	p2[0] = NAN;
	REJECT(fc_model_unpack(&b, FC_HOLT_WINTERS, 3, p2, 4, state, 5, 2.5));
	p2[0] = 1.5;
	REJECT(fc_model_unpack(&b, FC_HOLT_WINTERS, 3, p2, 4, state, 5, 2.5));
	p2[0] = 0.5;
	p2[3] = -0.1;
	REJECT(fc_model_unpack(&b, FC_HOLT_WINTERS, 3, p2, 4, state, 5, 2.5));
	p2[3] = INFINITY;
	REJECT(fc_model_unpack(&b, FC_HOLT_WINTERS, 3, p2, 4, state, 5, 2.5));
	memcpy(st2, state, sizeof(st2));
	st2[4] = INFINITY;
	REJECT(fc_model_unpack(&b, FC_HOLT_WINTERS, 3, params, 4, st2, 5, 2.5));
	st2[4] = 3.0;
	st2[0] = NAN;
	REJECT(fc_model_unpack(&b, FC_HOLT_WINTERS, 3, params, 4, st2, 5, 2.5));
	/* sizes */
	REJECT(fc_model_unpack(&b, FC_HOLT_WINTERS, 3, params, 3, state, 5, 2.5));
	REJECT(fc_model_unpack(&b, FC_HOLT_WINTERS, 3, params, 5, state, 5, 2.5));
	REJECT(fc_model_unpack(&b, FC_HOLT_WINTERS, 3, params, 4, state, 4, 2.5));
	REJECT(fc_model_unpack(&b, FC_HOLT_WINTERS, 2, params, 4, state, 5, 2.5));
	REJECT(fc_model_unpack(&b, FC_HOLT_WINTERS, 0, params, 4, state, 2, 2.5));
	REJECT(fc_model_unpack(&b, FC_HOLT_WINTERS, FC_MAX_SEASON + 1, params, 4, state,
			       FC_MAX_SEASON + 3, 2.5));
	REJECT(fc_model_unpack(&b, FC_HOLT_WINTERS, 3, NULL, 4, state, 5, 2.5));
	REJECT(fc_model_unpack(&b, FC_HOLT_WINTERS, 3, params, 4, NULL, 5, 2.5));
	/* kind and resid_sd */
	REJECT(fc_model_unpack(&b, (enum fc_kind)0, 3, params, 4, state, 5, 2.5));
	REJECT(fc_model_unpack(&b, (enum fc_kind)3, 3, params, 4, state, 5, 2.5));
	REJECT(fc_model_unpack(&b, FC_HOLT_WINTERS, 3, params, 4, state, 5, -1.0));
	REJECT(fc_model_unpack(&b, FC_HOLT_WINTERS, 3, params, 4, state, 5, NAN));
	REJECT(fc_model_unpack(&b, FC_HOLT_WINTERS, 3, params, 4, state, 5, INFINITY));
#undef REJECT

	/* Boundary values are legal: alpha 0 and 1, phi 1, sd 0. */
	p2[0] = 0.0;
	p2[1] = 1.0;
	p2[2] = 0.0;
	p2[3] = 1.0;
	CHECK(fc_model_unpack(&b, FC_HOLT_WINTERS, 3, p2, 4, state, 5, 0.0) == 0);
}

static void test_pack_max_season(void)
{
	check_context = "pack_max_season";
	static struct fc_model a, b;
	static double state[FC_MAX_SEASON + 2];
	double params[4];

	memset(&a, 0, sizeof(a));
	a.kind = FC_SEASONAL_NAIVE;
	a.season = FC_MAX_SEASON;
	a.phi = 1.0;
	a.level = 3.0;
	for (unsigned i = 0; i < FC_MAX_SEASON; i++)
		a.seasonal[i] = i * 0.5;
	a.resid_sd = 1.0;
	fc_model_pack(&a, params, state);
	CHECK(state[FC_MAX_SEASON + 1] == (FC_MAX_SEASON - 1) * 0.5);
	CHECK(fc_model_unpack(&b, FC_SEASONAL_NAIVE, FC_MAX_SEASON, params, 4, state,
			      FC_MAX_SEASON + 2, 1.0) == 0);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	/* h = FC_MAX_SEASON + 1 wraps to seasonal[0]. */
	CHECK(fc_forecast(&b, FC_MAX_SEASON + 1) == 0.0);
	CHECK(fc_forecast(&b, FC_MAX_SEASON) == (FC_MAX_SEASON - 1) * 0.5);
}

int main(void)
{
	test_hw_forecast();
	test_hw_damped();
	test_seasonal_naive();
	test_intervals();
	test_non_finite();
	test_kind_names();
	test_pack_unpack();
	test_pack_max_season();
	return check_summary();
}
