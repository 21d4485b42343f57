/* sa-trainer: on a schedule (or once), pulls a traffic series from the
 * aggregator, backtests seasonal naive and Holt-Winters on it, fits the
 * winner and stores it, with its errors, as the series' next model version.
 * The newest points are held out of training so `sa forecast` can show the
 * forecast against what really happened. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fc_fit.h"
#include "sa_client.h"
#include "sa_log.h"
#include "sa_time.h"
#include "sa_wire.h"

static volatile sig_atomic_t quit;

struct trainer_conf {
	const char *server;
	const char *series;
	uint32_t step_s, season, holdout, folds, every_s;
	int once;
};

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: sa-trainer [options]\n"
"\n"
"Fits forecasting models to a traffic series held by sa-aggregator and stores\n"
"the best (by rolling-origin backtest MAE) as a new model version.\n"
"\n"
"  --server EP     aggregator query endpoint [tcp://127.0.0.1:7702]\n"
"  --series NAME   counter to forecast: bytes, packets, flows, tcp_bytes, ... [bytes]\n"
"  --step S        seconds per point [3600]\n"
"  --season M      points per season [24, a day of hours]\n"
"  --holdout N     newest points kept out of training [one season]\n"
"  --folds K       backtest origins [3]\n"
"  --every S       retrain every S seconds [3600]\n"
"  --once          train once and exit (status 0 if a model was stored)\n"
"  -h, --help      this text\n");
}

/* Fetches the series; returns the number of complete points (the newest,
 * possibly partial, step is dropped) or -1. *t0 is the first point's time. */
static int fetch(const struct trainer_conf *tc, double **y, uint64_t *t0)
{
	Sa__Query q = SA__QUERY__INIT;
	char err[256];

	q.has_kind = q.has_step_s = 1;
	q.kind = SA__QUERY_KIND__Q_SERIES;
	q.step_s = tc->step_s;
	q.metric = (char *)tc->series;
	Sa__Response *r = sa_client_call(tc->server, &q, 30000, err, sizeof(err));
	if (r == NULL || r->code != SA_OK) {
		sa_log(SA_LOG_ERR, "trainer", "%s: %s", tc->series, r ? r->message : err);
		if (r)
			sa__response__free_unpacked(r, NULL);
		return -1;
	}
	int n = r->n_points > 0 ? (int)r->n_points - 1 : 0;
	*y = malloc((n ? n : 1) * sizeof(double));
	for (int i = 0; i < n; i++)
		(*y)[i] = r->points[i]->value;
	*t0 = n ? r->points[0]->t_ns : 0;
	sa__response__free_unpacked(r, NULL);
	return n;
}

static int store(const struct trainer_conf *tc, const struct fc_model *m, const struct fc_metrics *met,
		 uint64_t trained_until_ns, unsigned n, const char *rejected)
{
	Sa__Query q = SA__QUERY__INIT;
	Sa__Model pm = SA__MODEL__INIT;
	double params[4], state[FC_MAX_SEASON + 2];
	char err[256];

	fc_model_pack(m, params, state);
	pm.series = (char *)tc->series;
	pm.kind = (char *)fc_kind_name(m->kind);
	pm.has_season = pm.has_step_s = pm.has_trained_until_ns = pm.has_mae = pm.has_rmse = 1;
	pm.has_resid_sd = pm.has_train_points = 1;
	pm.season = m->season;
	pm.step_s = tc->step_s;
	pm.trained_until_ns = trained_until_ns;
	pm.n_params = 4;
	pm.params = params;
	pm.n_state = m->season + 2;
	pm.state = state;
	pm.mae = met->mae;
	pm.rmse = met->rmse;
	pm.resid_sd = m->resid_sd;
	pm.train_points = n;
	pm.rejected = (char *)rejected;
	q.has_kind = 1;
	q.kind = SA__QUERY_KIND__Q_PUT_MODEL;
	q.model = &pm;
	Sa__Response *r = sa_client_call(tc->server, &q, 30000, err, sizeof(err));
	if (r == NULL || r->code != SA_OK) {
		sa_log(SA_LOG_ERR, "trainer", "cannot store the model: %s", r ? r->message : err);
		if (r)
			sa__response__free_unpacked(r, NULL);
		return -1;
	}
	fprintf(stderr, "sa-trainer: %s: stored %s v%u (season %u x %u s, %u points): backtest MAE %.4g RMSE %.4g; %s\n",
		tc->series, pm.kind, r->models[0]->version, m->season, tc->step_s, n, met->mae, met->rmse, rejected);
	sa__response__free_unpacked(r, NULL);
	return 0;
}

/* One training round; returns 0 when a model was stored. */
static int train_once(const struct trainer_conf *tc)
{
	static const enum fc_kind kinds[] = {FC_SEASONAL_NAIVE, FC_HOLT_WINTERS};
	struct fc_metrics met[2];
	struct fc_model model;
	double *y = NULL;
	uint64_t t0;
	char rejected[256] = "";
	int best = -1, rc = -1;

	int n = fetch(tc, &y, &t0);
	if (n < 0)
		return -1;
	int train = n - (int)tc->holdout;
	if (train < (int)(2 * tc->season + tc->season)) {
		sa_log(SA_LOG_WARN, "trainer", "%s: %d complete points, %u held out; need %u to train and backtest; not trained",
		       tc->series, n, tc->holdout, 3 * tc->season);
		goto out;
	}
	for (int k = 0; k < 2; k++) {
		if (fc_backtest(kinds[k], y, (unsigned)train, tc->season, tc->season, tc->folds, &met[k]) != 0 ||
		    !isfinite(met[k].mae)) {
			met[k].mae = INFINITY;
			continue;
		}
		if (best < 0 || met[k].mae < met[best].mae)
			best = k;
	}
	if (best < 0) {
		sa_log(SA_LOG_WARN, "trainer", "%s: no model could be backtested", tc->series);
		goto out;
	}
	for (int k = 0; k < 2; k++)
		if (k != best && isfinite(met[k].mae))
			snprintf(rejected, sizeof(rejected), "%s MAE %.4g RMSE %.4g", fc_kind_name(kinds[k]),
				 met[k].mae, met[k].rmse);
	if (fc_fit(kinds[best], y, (unsigned)train, tc->season, &model) != 0) {
		sa_log(SA_LOG_WARN, "trainer", "%s: fitting %s failed", tc->series, fc_kind_name(kinds[best]));
		goto out;
	}
	rc = store(tc, &model, &met[best], t0 + (uint64_t)(train - 1) * tc->step_s * SA_NS_PER_S,
		   (unsigned)train, rejected);
out:
	free(y);
	return rc;
}

static int parse_u32(const char *opt, const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "sa-trainer: %s wants a whole number from %u to %u, not '%s'\n", opt, min, max, s);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"server", required_argument, NULL, 'S'}, {"series", required_argument, NULL, 's'},
		{"step", required_argument, NULL, 't'},   {"season", required_argument, NULL, 'm'},
		{"holdout", required_argument, NULL, 'H'}, {"folds", required_argument, NULL, 'k'},
		{"every", required_argument, NULL, 'e'},  {"once", no_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	struct trainer_conf tc = {.server = "tcp://127.0.0.1:7702", .series = "bytes", .step_s = 3600,
				  .season = 24, .holdout = UINT32_MAX, .folds = 3, .every_s = 3600};
	int c, rc = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'S': tc.server = optarg; break;
		case 's': tc.series = optarg; break;
		case 't': rc |= parse_u32("--step", optarg, 1, 86400 * 7, &tc.step_s); break;
		case 'm': rc |= parse_u32("--season", optarg, 1, FC_MAX_SEASON, &tc.season); break;
		case 'H': rc |= parse_u32("--holdout", optarg, 0, 1000000, &tc.holdout); break;
		case 'k': rc |= parse_u32("--folds", optarg, 1, 100, &tc.folds); break;
		case 'e': rc |= parse_u32("--every", optarg, 1, 86400 * 30, &tc.every_s); break;
		case 'o': tc.once = 1; break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "sa-trainer: unknown or incomplete option '%s' (see --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (rc || optind != argc) {
		if (optind != argc)
			fprintf(stderr, "sa-trainer: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (tc.holdout == UINT32_MAX)
		tc.holdout = tc.season;
	sa_log_init("sa-trainer", SA_LOG_INFO);
	if (tc.once)
		return train_once(&tc) == 0 ? 0 : 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!quit) {
		train_once(&tc);
		for (uint32_t s = 0; s < tc.every_s && !quit; s++)
			sleep(1);
	}
	return 0;
}
