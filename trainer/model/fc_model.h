/* Forecasting models as plain data, and how to run them.
 *
 * The trainer fits these (trainer/fc_fit.h); the aggregator and capture
 * nodes apply them: forecast ahead with intervals, and step the state
 * forward by each new observation to watch live traffic. This library
 * needs nothing but libm, so every binary can link it.
 *
 * A model is one part or the mean of two (a combination). A part is one
 * recursion at a fixed step whose state is what it holds after the last
 * point it saw; the forecast h = 1, 2, ... steps past that point needs
 * nothing else. Every function here tolerates any bytes a model may carry
 * (it may come off disk or the wire after fc_model_unpack checked it):
 * forecasts and bounds are always finite. */
#ifndef FC_MODEL_H
#define FC_MODEL_H

#include <stdint.h>

#define FC_MAX_SEASON 2048 /* a week of 5-minute points is 2016 */
#define FC_MAX_PARAMS 8
/* HW: two seasons; SARIMA: y and error rings of season + 3 each. */
#define FC_MAX_STATE (2 * FC_MAX_SEASON + 8)

enum fc_kind {
	FC_SEASONAL_NAIVE = 1, /* y[t+h] = y[t+h-m*k]: the last season again */
	FC_HW_ADDITIVE = 2,    /* level + trend + season(s) */
	FC_HW_MULTIPLICATIVE = 3, /* (level + trend) * season(s) */
	FC_SARIMA = 4,         /* (p<=2, d<=1, q<=1)(0, D<=1, Q<=1)_m */
};

/* params[] of Holt-Winters. No trend is beta = 0 with a zero trend state;
 * phi < 1 damps the trend; delta is the second season's gain. */
enum { FC_HW_ALPHA, FC_HW_BETA, FC_HW_GAMMA, FC_HW_DELTA, FC_HW_PHI, FC_HW_NPARAMS };

/* params[] of SARIMA: w = (1-B)^d (1-B^m)^D y follows
 *   w_t - c = ar1 (w_{t-1} - c) + ar2 (w_{t-2} - c)
 *             + e_t + ma1 e_{t-1} + sma1 e_{t-m} + ma1 sma1 e_{t-m-1}. */
enum { FC_AR_D, FC_AR_SD, FC_AR_C, FC_AR_1, FC_AR_2, FC_AR_MA1, FC_AR_SMA1, FC_AR_NPARAMS };

struct fc_part {
	enum fc_kind kind;
	uint32_t season;    /* m: 1..FC_MAX_SEASON */
	uint32_t season2;   /* HW only: 0, or a multiple of season (a week of days) */
	double params[FC_MAX_PARAMS];
	double sigma;       /* sd of one-step errors; intervals scale with it */
	/* How errors grow with the level: the one-step sd is
	 * sigma * |forecast|^sd_power, in [0, 1]; the trainer writes 0
	 * (absolute) or 1 (relative). */
	double sd_power;
	uint32_t pos;       /* points seen since the state was packed (ring phase) */
	/* HW: level, trend. Seasonal naive: level is the last season's mean,
	 * a fallback should a seasonal value ever be non-finite. */
	double level, trend;
	/* Ring buffers, slot pos % len holding the value for the next point:
	 * HW: season seasonal terms, then season2 more;
	 * seasonal naive: the last season observed;
	 * SARIMA: the last season+3 observations (slot for the next point is
	 * the oldest), then the last season+3 one-step errors. */
	double state[FC_MAX_STATE];
};

struct fc_model {
	unsigned n_parts;   /* 1, or 2 for the mean of two */
	struct fc_part part[2];
};

/* Number of params[] and state[] values a part of this shape carries, or
 * 0 for a shape that does not exist (unknown kind, season out of range,
 * season2 not a multiple, season2 on a kind without one). */
unsigned fc_part_nparams(enum fc_kind kind);
unsigned fc_part_nstate(enum fc_kind kind, uint32_t season, uint32_t season2);

/* Forecasts for leads 1..h into f[0..h-1] and their standard errors into
 * se[0..h-1] (se may be NULL). The error grows as the model's own impulse
 * response says: se_h = sigma * sqrt(1 + psi_1^2 + ... + psi_{h-1}^2), where
 * psi_j is how much the forecast j steps on moves when one observation is
 * off by one (times |f_h|^sd_power). A combination averages
 * both. Returns 0, -ENOMEM, or -ERANGE when a forecast or its error does
 * not fit in a double; h = 0 is a no-op. */
int fc_path(const struct fc_model *m, uint32_t h, double *f, double *se);

/* The one-step forecast (lead 1) and its standard error, without
 * allocating: what monitoring compares each new point against. */
double fc_next(const struct fc_model *m);
double fc_next_sd(const struct fc_model *m);

/* Steps every part's state past one observed point y; returns the
 * one-step error y - fc_next(m) as it was before the step. A non-finite y
 * steps with the forecast instead (a gap does not poison the state). */
double fc_update(struct fc_model *m, double y);

/* The same for one part. */
double fc_part_next(const struct fc_part *p);
double fc_part_update(struct fc_part *p, double y);
/* fc_part_update over y[0..n), each error to e[i]: how the fitters run a
 * part over the training series (for HW, faster than n updates). */
void fc_part_run(struct fc_part *p, const double *y, unsigned n, double *e);

/* Half-width z * se around f for the two usual coverages. */
#define FC_Z80 1.2815515655446004
#define FC_Z95 1.959963984540054

/* "seasonal_naive", "hw_additive", "hw_multiplicative", "sarima"; "unknown"
 * for anything else. fc_kind_parse inverts it, 0 for an unknown name. */
const char *fc_kind_name(enum fc_kind k);
enum fc_kind fc_kind_parse(const char *name);

/* A short human description, e.g. "hw_additive damped 24+168" or
 * "sarima(1,0,1)(0,1,1)24", or "mean(A, B)" for a combination. */
void fc_model_describe(const struct fc_model *m, char *buf, unsigned len);

/* Writes a part's params and state with the rings rotated so that slot 0
 * holds the next point's value (pos 0); buffers must hold
 * fc_part_nparams / fc_part_nstate values. */
void fc_part_pack(const struct fc_part *p, double *params, double *state);

/* Checks everything (kind, sizes, parameter ranges, finite state, sigma)
 * before writing *p, so a refused part leaves the caller's intact.
 * Returns 0 or -EINVAL. */
int fc_part_unpack(struct fc_part *p, enum fc_kind kind, uint32_t season, uint32_t season2,
		   const double *params, unsigned n_params, const double *state, unsigned n_state,
		   double sigma, double sd_power);

#endif
