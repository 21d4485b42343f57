/* Forecasting models as plain data, and how to apply them.
 *
 * The trainer fits these (trainer/fc_fit.h); the aggregator applies them to
 * answer forecasts and, later, to watch live traffic. This library needs
 * nothing but libm, so every binary can link it.
 *
 * A model is fitted on points y[0..n-1] at a fixed step; its state is what
 * the recursion holds after the last training point, so the forecast for
 * h = 1, 2, ... steps past the training window needs nothing else. */
#ifndef FC_MODEL_H
#define FC_MODEL_H

#include <stdint.h>

#define FC_MAX_SEASON 1024

enum fc_kind {
	FC_SEASONAL_NAIVE = 1, /* y[t+h] = y[t+h-m*k], the last season repeated */
	FC_HOLT_WINTERS = 2,   /* additive level + trend + season (damped optional) */
};

struct fc_model {
	enum fc_kind kind;
	uint32_t season;      /* m, 1..FC_MAX_SEASON */
	/* Holt-Winters: alpha, beta, gamma, phi (1 = undamped). */
	double alpha, beta, gamma, phi;
	/* State after the last training point. HW: level, trend and the m
	 * seasonal terms, season[i] belonging to the training point n-m+i.
	 * Seasonal naive: the last m observations, same indexing. */
	double level, trend;
	double seasonal[FC_MAX_SEASON];
	double resid_sd;      /* sd of one-step (or backtest) errors: interval width */
};

/* Point forecast h >= 1 steps after the last training point. */
double fc_forecast(const struct fc_model *m, uint32_t h);

/* Prediction interval for coverage z (1.2816 for 80%, 1.96 for 95%) around
 * the forecast h steps ahead; the width grows with sqrt(h) (seasonal naive:
 * with sqrt(ceil(h/m))). Writes *lo and *hi. */
void fc_interval(const struct fc_model *m, uint32_t h, double z, double *lo, double *hi);

/* Name of a kind ("seasonal_naive", "holt_winters"); fc_kind_parse is its
 * inverse, returning 0 for an unknown name. */
const char *fc_kind_name(enum fc_kind k);
enum fc_kind fc_kind_parse(const char *name);

/* Flattens a model to params[] (alpha, beta, gamma, phi) and state[]
 * (level, trend, seasonal[0..m-1]) and back; fc_model_unpack checks every
 * value (finite, in range, sizes) and returns 0 or -EINVAL. */
void fc_model_pack(const struct fc_model *m, double params[4], double *state /* m+2 */);
int fc_model_unpack(struct fc_model *m, enum fc_kind kind, uint32_t season,
		    const double *params, unsigned n_params,
		    const double *state, unsigned n_state, double resid_sd);

#endif
