/* fc_bench: our forecasters on one series, for bench/forecast/run.
 *
 *   fc_bench --csv FILE --column NAME --train N --horizon H
 *            [--season M --season2 M2] [--mase-season M (24)] [--folds K]
 *            [--anomaly-column NAME] [--z Z (5)] [--drift D (2)] [--history N (1344)]
 *            [--budget S] [--monitor-out CSV]
 *
 * Rows [0, N) train, rows [N, N+H) are the held-out horizon. Prints JSON
 * lines: every candidate fitted on the training rows and scored on the
 * horizon; the selected model (fc_select with sa-trainer's defaults:
 * backtest on the training rows only) with its final fit time (the best
 * of 3 fits of each of its parts) and the whole selection's time; and, when
 * an anomaly column is given, the monitor (fc_monitor, as the aggregator
 * runs it) stepped over every row from N on, each outside-the-interval
 * row a detection, scored against the labels (--monitor-out writes every
 * step: actual, forecast, interval, verdict, label). As in the running
 * system, a model whose live error drifts (fc_monitor_drifting, the
 * aggregator's --drift) is replaced by a new selection on the newest
 * --history rows (sa-trainer's drift retrain; --drift 0: never). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fc_monitor.h"
#include "fc_select.h"

#define FIT_REPEATS 3

struct opts {
	const char *csv, *column, *anomaly, *monitor_out;
	unsigned train, horizon, season, season2, mase_season, folds, history;
	double z, drift, budget;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Column index of name in a CSV header line, or -1. */
static int column_of(char *header, const char *name)
{
	int i = 0;
	for (char *tok = strtok(header, ",\r\n"); tok; tok = strtok(NULL, ",\r\n"), i++)
		if (strcmp(tok, name) == 0)
			return i;
	return -1;
}

static double field(const char *line, int col)
{
	for (int i = 0; i < col && line; i++) {
		line = strchr(line, ',');
		line = line ? line + 1 : NULL;
	}
	return line ? strtod(line, NULL) : NAN;
}

/* Reads the value column (and labels) of every row; returns rows or -1. */
static int load(const struct opts *o, double **y, double **lab)
{
	FILE *f = fopen(o->csv, "r");
	char line[4096];
	int n = 0, cap = 0, cy, cl = -1;

	if (!f || !fgets(line, sizeof(line), f)) {
		fprintf(stderr, "fc_bench: cannot read %s: %s\n", o->csv, strerror(errno));
		return -1;
	}
	char hdr[4096];
	strcpy(hdr, line);
	cy = column_of(hdr, o->column);
	if (o->anomaly) {
		strcpy(hdr, line);
		cl = column_of(hdr, o->anomaly);
	}
	if (cy < 0 || (o->anomaly && cl < 0)) {
		fprintf(stderr, "fc_bench: %s has no column %s\n", o->csv, cy < 0 ? o->column : o->anomaly);
		fclose(f);
		return -1;
	}
	*y = *lab = NULL;
	while (fgets(line, sizeof(line), f)) {
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			*y = realloc(*y, cap * sizeof(double));
			*lab = realloc(*lab, cap * sizeof(double));
		}
		(*y)[n] = field(line, cy);
		(*lab)[n] = cl >= 0 ? field(line, cl) : 0;
		n++;
	}
	fclose(f);
	return n;
}

/* ", name": value" with JSON's null for what is not a number. */
static void num(const char *name, double v)
{
	if (isfinite(v))
		printf(", \"%s\": %.6g", name, v);
	else
		printf(", \"%s\": null", name);
}

static void print_metrics(const char *key, const char *name, const struct fc_metrics *m, double fit_s)
{
	printf("{\"%s\": \"%s\"", key, name);
	num("mae", m->mae);
	num("rmse", m->rmse);
	num("mape", m->mape);
	num("mase", m->mase);
	num("fit_s", fit_s);
}

static void progress(void *arg, unsigned done, unsigned total, const char *what)
{
	(void)arg;
	fprintf(stderr, "\rfc_bench: backtest %u/%u %-40s", done, total, what);
	if (done == total)
		fputc('\n', stderr);
}

/* Steps the aggregator's monitor over every row from o->train on, each
 * outside row a detection, and prints precision and recall against the
 * labels. On drift, a new selection on the newest rows takes over. */
static void monitor(const struct opts *o, const double *y, const double *lab, int n,
		    struct fc_selection *sel, const struct fc_select_opts *so)
{
	struct fc_monitor *mon = malloc(sizeof(*mon));
	double *hist = malloc((size_t)n * sizeof(double));
	struct fc_verdict v;
	unsigned tp = 0, fp = 0, fn = 0, retrains = 0;
	FILE *dump = o->monitor_out ? fopen(o->monitor_out, "w") : NULL;
	char first[sizeof(sel->name)];

	snprintf(first, sizeof(first), "%s", sel->name);
	fc_monitor_init(mon, &sel->model, o->z, 1, sel->season ? sel->season : 1);
	if (dump)
		fprintf(dump, "row,actual,forecast,lo,hi,outside,label\n");
	for (int t = (int)o->train; t < n; t++) {
		fc_monitor_step(mon, y[t], &v);
		int truth = lab[t] != 0;
		if (dump)
			fprintf(dump, "%d,%.17g,%.17g,%.17g,%.17g,%d,%d\n", t, y[t], v.forecast, v.lo, v.hi,
				v.outside, truth);
		tp += v.outside && truth;
		fp += v.outside && !truth;
		fn += !v.outside && truth;
		if (o->drift > 0 && fc_monitor_drifting(mon, sel->bt.mae, o->drift)) {
			unsigned k = (unsigned)t + 1, from = k > o->history ? k - o->history : 0;
			memcpy(hist, y + from, (k - from) * sizeof(double));
			if (fc_select(hist, k - from, so, sel) == 0) {
				fc_monitor_init(mon, &sel->model, o->z, 1, sel->season ? sel->season : 1);
				retrains++;
			}
		}
	}
	printf("{\"anomaly\": \"%s\", \"z\": %.3g, \"rows\": %d, \"retrains\": %u, \"tp\": %u, \"fp\": %u, \"fn\": %u",
	       first, o->z, n - (int)o->train, retrains, tp, fp, fn);
	num("precision", tp + fp ? (double)tp / (tp + fp) : NAN);
	num("recall", tp + fn ? (double)tp / (tp + fn) : NAN);
	printf("}\n");
	free(mon);
	free(hist);
	if (dump)
		fclose(dump);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"csv", 1, 0, 'c'}, {"column", 1, 0, 'C'}, {"train", 1, 0, 'n'}, {"horizon", 1, 0, 'H'},
		{"season", 1, 0, 'm'}, {"season2", 1, 0, 'M'}, {"mase-season", 1, 0, 's'},
		{"folds", 1, 0, 'k'}, {"anomaly-column", 1, 0, 'a'}, {"z", 1, 0, 'z'},
		{"budget", 1, 0, 'b'}, {"monitor-out", 1, 0, 'o'}, {"drift", 1, 0, 'd'},
		{"history", 1, 0, 'N'}, {0, 0, 0, 0},
	};
	/* The trainer's and aggregator's defaults. */
	struct opts o = {.column = "bytes", .folds = 6, .z = 5.0, .drift = 2.0, .history = 1344};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'c': o.csv = optarg; break;
		case 'C': o.column = optarg; break;
		case 'n': o.train = (unsigned)atoi(optarg); break;
		case 'H': o.horizon = (unsigned)atoi(optarg); break;
		case 'm': o.season = (unsigned)atoi(optarg); break;
		case 'M': o.season2 = (unsigned)atoi(optarg); break;
		case 's': o.mase_season = (unsigned)atoi(optarg); break;
		case 'k': o.folds = (unsigned)atoi(optarg); break;
		case 'a': o.anomaly = optarg; break;
		case 'z': o.z = atof(optarg); break;
		case 'b': o.budget = atof(optarg); break;
		case 'o': o.monitor_out = optarg; break;
		case 'd': o.drift = atof(optarg); break;
		case 'N': o.history = (unsigned)atoi(optarg); break;
		default: fprintf(stderr, "fc_bench: see the comment at the top of fc_bench.c\n"); return 2;
		}
	}
	double *y, *lab;
	int n = o.csv ? load(&o, &y, &lab) : -1;
	if (n < 0 || o.train < 2 || o.horizon == 0 || o.train + o.horizon > (unsigned)n) {
		fprintf(stderr, "fc_bench: need --csv, --train N >= 2 and --horizon H with N+H <= rows (%d)\n", n);
		return 2;
	}

	double *train = malloc(o.train * sizeof(double)), *f = malloc(o.horizon * sizeof(double));
	unsigned ms = o.mase_season ? o.mase_season : 24;
	/* MASE's scale from the raw rows, as statsmodels_ref.py takes it:
	 * fc_select cleans its copy in place, and outliers clamped there
	 * would shrink our scale and inflate our MASE. */
	double scale = fc_mase_scale(y, o.train, ms);
	struct fc_selection *sel = malloc(sizeof(*sel));
	struct fc_model *m = calloc(1, sizeof(*m));
	memcpy(train, y, o.train * sizeof(double));
	/* Selection as sa-trainer runs it by default: its backtest horizon
	 * (two seasons) and folds, not the held-out horizon scored here. */
	struct fc_select_opts so = {.season = o.season, .season2 = o.season2, .folds = o.folds,
				    .budget_s = o.budget, .progress = progress};
	double t0 = now_s();
	if (fc_select(train, o.train, &so, sel) != 0) {
		fprintf(stderr, "fc_bench: selection failed\n");
		return 1;
	}
	double select_s = now_s() - t0;
	struct fc_metrics met;

	/* Every candidate, fitted on all training rows (as cleaned by the
	 * selection, as the final fit saw them), on the horizon. A fit's time
	 * is the best of FIT_REPEATS: it is deterministic, and the rest is the
	 * machine's noise (statsmodels_ref.py times its fits the same way). */
	double cand_s[FC_MAX_CANDIDATES] = {0};
	m->n_parts = 1;
	for (unsigned i = 0; i < sel->n_cand; i++) {
		int rc = 0;
		cand_s[i] = INFINITY;
		for (unsigned r = 0; r < FIT_REPEATS && rc == 0; r++) {
			t0 = now_s();
			rc = fc_fit(&sel->cand[i].spec, train, o.train, &m->part[0]);
			cand_s[i] = fmin(cand_s[i], now_s() - t0);
		}
		if (rc != 0)
			continue;
		fc_path(m, o.horizon, f, NULL);
		fc_score(y + o.train, f, o.horizon, scale, &met);
		print_metrics("model", sel->cand[i].name, &met, cand_s[i]);
		num("backtest_mase", sel->cand[i].bt.mase);
		printf("}\n");
	}
	/* The selected model's fit: its parts' (the selection's own single
	 * timing where it fell back to a model outside the candidates). */
	double sel_s = sel->won[0] >= 0 ? cand_s[sel->won[0]] : sel->fit_s;
	if (sel->won[0] >= 0 && sel->won[1] >= 0)
		sel_s += cand_s[sel->won[1]];
	fc_path(&sel->model, o.horizon, f, NULL);
	fc_score(y + o.train, f, o.horizon, scale, &met);
	print_metrics("selected", sel->name, &met, sel_s);
	printf(", \"select_s\": %.6g, \"season\": %u, \"season2\": %u, \"note\": \"%s\"}\n", select_s,
	       sel->season, sel->season2, sel->note);

	if (o.anomaly)
		monitor(&o, y, lab, n, sel, &so);
	free(train);
	free(f);
	free(sel);
	free(m);
	free(y);
	free(lab);
	return 0;
}
