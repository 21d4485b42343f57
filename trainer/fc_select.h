/* Choosing a forecaster for a series: clean it, find its seasons, backtest
 * every candidate that fits the data, keep the best by MASE (or the mean
 * of the best two when that backtests better) and fit it on everything. */
#ifndef FC_SELECT_H
#define FC_SELECT_H

#include "fc_fit.h"

#define FC_MAX_CANDIDATES 16

struct fc_select_opts {
	uint32_t season, season2;  /* 0: detect from the data */
	unsigned horizon;          /* backtest horizon; 0: two (first) seasons, or one
				    * when the series is too short for two folds of two */
	unsigned folds;            /* backtest origins */
	double budget_s;           /* stop adding candidates after this long (0: no limit) */
	/* Called after each candidate (may be NULL). */
	void (*progress)(void *arg, unsigned done, unsigned total, const char *what);
	void *progress_arg;
};

struct fc_candidate {
	struct fc_spec spec;
	struct fc_metrics bt;
	char name[64];
	int rc;                    /* 0, or why it could not be backtested */
};

struct fc_selection {
	struct fc_model model;     /* the winner, fitted on all points */
	int won[2];                /* cand[] index of each of its parts; -1: none
				    * (the second of a single, or a fallback) */
	char name[160];            /* fc_model_describe of it */
	struct fc_metrics bt;      /* its backtest (zeros when none was possible) */
	double fit_s;              /* the final fit */
	uint32_t season, season2;  /* the seasons used */
	unsigned horizon, folds;   /* of the backtest */
	struct fc_candidate cand[FC_MAX_CANDIDATES];
	unsigned n_cand;
	/* What the cleaning and any fallback did, for the operator:
	 * "" when nothing needed saying. */
	char note[256];
};

/* y is cleaned in place first: non-finite points are interpolated and
 * absurd spikes (more than 100 MADs from the median) clipped; the note
 * says how many. A constant series, or one too short for any backtest,
 * falls back to seasonal naive (season 1 if need be), again with a note.
 * Returns 0 with *out filled, -EINVAL for fewer than 2 points, or
 * -ENOMEM. */
int fc_select(double *y, unsigned n, const struct fc_select_opts *o, struct fc_selection *out);

#endif
