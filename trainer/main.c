/* sa-trainer: keeps a forecasting model for every series it watches.
 *
 * Every --every seconds it trains each series (train.c: fetch, backtest
 * the candidates, store the winner as the next version), and every
 * --drift-check seconds it asks the aggregator which models are drifting
 * (live error past the aggregator's --drift times the backtest error) and
 * retrains those early. The series are given with --series or found: the
 * cluster's bytes, packets, active flows and TCP/UDP bytes, each node's
 * bytes and packets, and the bytes of the busiest destination service ports.
 *
 * It also keeps the flow classifier: retrained every --classifier-every
 * seconds on the labelled flows (labels of their own, or from --labels
 * rules), and early when the drift check finds the live class mix far
 * from the training mix (--class-drift) or the live accuracy on labelled
 * flows well below the held-out one (cls_job.h). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cls_job.h"
#include "sa_client.h"
#include "sa_log.h"
#include "sa_series.h"
#include "sa_time.h"
#include "sa_wire.h"
#include "train.h"

#define MAX_SERIES 64
#define EPHEMERAL_LO 32768 /* where the usual ephemeral port ranges start */
#define CALL_MS 30000
#define MIN_LABELLED 100       /* labelled flows before live accuracy counts */

static volatile sig_atomic_t quit;

struct trainer {
	struct train_conf tc;
	char *series[MAX_SERIES];  /* given; none: found each round */
	unsigned n_series;
	uint32_t every_s, drift_s, top_ports;
	int once;
	/* When each series was last trained (monotonic ns), for drift retrains. */
	char *trained[MAX_SERIES];
	uint64_t trained_ns[MAX_SERIES];
	unsigned n_trained;
	/* The classifier: schedule, drift window and threshold, label rules. */
	uint32_t cls_every_s, cls_window_s;
	double cls_drift, cls_accuracy_drop;
	const char *labels;
	struct cls_rules *rules;
	uint64_t cls_trained_ns;
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
"Fits forecasting models (seasonal naive, Holt-Winters additive and\n"
"multiplicative with damped trend and up to two seasons, seasonal ARIMA, the\n"
"mean of the best two) to traffic series held by sa-aggregator, picks the\n"
"best by rolling-origin backtest MASE and stores it as the series' next model\n"
"version; the aggregator then watches live traffic against it.\n"
"\n"
"  --server EP       aggregator query endpoint [tcp://127.0.0.1:7702]\n"
"  --series LIST     comma-separated series specs: METRIC[/PROTO][@NODE]\n"
"                    [:port=P|:ip=A], e.g. bytes,packets/udp,bytes@2,bytes:port=443\n"
"                    (repeatable) [found: cluster bytes, packets, active_flows,\n"
"                    bytes/tcp, bytes/udp; bytes and packets per node; bytes of\n"
"                    the --top-ports busiest destination service ports]\n"
"  --top-ports K     busiest destination service ports (below 32768, where\n"
"                    ephemeral ranges start) to model when finding series [3]\n"
"  --step S          seconds per point [3600]\n"
"  --season M[,M2]   points per season(s), e.g. 24,168 [found from the data]\n"
"  --holdout N       newest complete points kept out of training [0]\n"
"  --horizon H       backtest horizon in points [two seasons; one on a short\n"
"                    history]\n"
"  --folds K         backtest origins, as many as the data holds [6]\n"
"  --history N       train on at most the newest N points [1344, 8 weeks of hours]\n"
"  --budget S        seconds per series for the candidate search [30]\n"
"  --every S         retrain every S seconds [3600]\n"
"  --drift-check S   ask the aggregator for drifting models every S seconds\n"
"                    and retrain them early (0: never) [60]\n"
"  --classifier-every S  retrain the flow classifier on the labelled flows every\n"
"                    S seconds (0: never) [86400]\n"
"  --labels FILE     label rules for flows without a label of their own\n"
"                    (see sa --help, --labels)\n"
"  --class-window S  the drift check reads the class mix of the last S seconds\n"
"                    (0: everything stored) [3600]\n"
"  --class-drift D   retrain the classifier early when that mix is farther than\n"
"                    D (total variation, 0..1) from the training mix [0.25]\n"
"  --accuracy-drop A ... or when live accuracy on labelled flows falls A below\n"
"                    the held-out accuracy [0.1]\n"
"  --once            train once and exit (status 0 if every series got a model)\n"
"  --config FILE     read options from FILE first, one per line as on the\n"
"                    command line without the dashes (\"series bytes\");\n"
"                    # starts a comment; the command line wins\n"
"  -h, --help        this text\n");
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

/* A number in (0, 1]. */
static int parse_share(const char *opt, const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	if (end == s || *end || !(*out > 0 && *out <= 1)) {
		fprintf(stderr, "sa-trainer: %s wants a number in (0, 1], not '%s'\n", opt, s);
		return -1;
	}
	return 0;
}

static int add_series(struct trainer *t, const char *list)
{
	char *copy = strdup(list), *save = NULL;
	int rc = copy ? 0 : -1;

	for (char *s = strtok_r(copy, ",", &save); s && rc == 0; s = strtok_r(NULL, ",", &save)) {
		struct sa_series spec;
		const char *why;
		if (sa_series_parse(s, &spec, &why) != 0) {
			fprintf(stderr, "sa-trainer: --series '%s': %s\n", s, why);
			rc = -1;
		} else if (t->n_series == MAX_SERIES) {
			fprintf(stderr, "sa-trainer: at most %d series\n", MAX_SERIES);
			rc = -1;
		} else {
			t->series[t->n_series++] = strdup(s);
		}
	}
	free(copy);
	return rc;
}

static int parse_season(struct trainer *t, const char *s)
{
	char one[16];
	const char *comma = strchr(s, ',');
	size_t n = comma ? (size_t)(comma - s) : strlen(s);

	t->tc.season2 = 0; /* --season M alone means one season, whatever came before */
	if (n == 0 || n >= sizeof(one))
		return parse_u32("--season", "", 1, 1, &t->tc.season);
	memcpy(one, s, n);
	one[n] = '\0';
	if (parse_u32("--season", one, 1, 2048, &t->tc.season) != 0 ||
	    (comma && parse_u32("--season", comma + 1, 2, 2048, &t->tc.season2) != 0))
		return -1;
	if (t->tc.season2 && (t->tc.season2 % t->tc.season || t->tc.season2 < 2 * t->tc.season)) {
		fprintf(stderr, "sa-trainer: --season M,M2 wants M2 a multiple of M, at least 2 M (24,168)\n");
		return -1;
	}
	return 0;
}

/* 0 ok, 1 --help printed, -1 bad usage (said). */
static int parse_opts(struct trainer *t, int argc, char **argv);

/* Options from a file, one per line: "name value" or "name". */
static int read_config(struct trainer *t, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512], *args[3];
	int rc = 0, lineno = 0;

	if (f == NULL) {
		fprintf(stderr, "sa-trainer: --config %s: cannot open it\n", path);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		char opt[80], *name, *value, *save = NULL;
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fprintf(stderr, "sa-trainer: %s:%d: line longer than %zu characters\n", path, lineno,
				sizeof(line) - 2);
			rc = -1;
			break;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		if ((name = strtok_r(line, " \t\r\n", &save)) == NULL)
			continue;
		value = strtok_r(NULL, " \t\r\n", &save);
		if (strtok_r(NULL, " \t\r\n", &save) != NULL || strcmp(name, "config") == 0 ||
		    strcmp(name, "help") == 0 ||
		    snprintf(opt, sizeof(opt), "--%s", name) >= (int)sizeof(opt)) {
			fprintf(stderr, "sa-trainer: %s:%d: want \"option value\"\n", path, lineno);
			rc = -1;
			break;
		}
		args[0] = "sa-trainer";
		args[1] = opt;
		args[2] = value;
		rc = parse_opts(t, value ? 3 : 2, args);
		if (rc != 0)
			fprintf(stderr, "sa-trainer: in %s line %d\n", path, lineno);
	}
	fclose(f);
	return rc;
}

static int parse_opts(struct trainer *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"server", required_argument, NULL, 'S'},   {"series", required_argument, NULL, 's'},
		{"step", required_argument, NULL, 't'},     {"season", required_argument, NULL, 'm'},
		{"holdout", required_argument, NULL, 'H'},  {"folds", required_argument, NULL, 'k'},
		{"horizon", required_argument, NULL, 'z'},  {"history", required_argument, NULL, 'n'},
		{"budget", required_argument, NULL, 'b'},   {"every", required_argument, NULL, 'e'},
		{"drift-check", required_argument, NULL, 'd'}, {"top-ports", required_argument, NULL, 'p'},
		{"once", no_argument, NULL, 'o'},           {"config", required_argument, NULL, 'c'},
		{"classifier-every", required_argument, NULL, 'C'}, {"labels", required_argument, NULL, 'L'},
		{"class-window", required_argument, NULL, 'W'}, {"class-drift", required_argument, NULL, 'D'},
		{"accuracy-drop", required_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	uint32_t budget;
	int c, rc = 0;

	opterr = 0;
	optind = 0; /* GNU: a full restart, as a config file was parsed first */
	while (rc == 0 && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'S': t->tc.server = strdup(optarg); break;
		case 's': rc = add_series(t, optarg); break;
		case 't': rc = parse_u32("--step", optarg, 1, 86400 * 7, &t->tc.step_s); break;
		case 'm': rc = parse_season(t, optarg); break;
		case 'H': rc = parse_u32("--holdout", optarg, 0, 1000000, &t->tc.holdout); break;
		case 'k': rc = parse_u32("--folds", optarg, 1, 100, &t->tc.folds); break;
		case 'z': rc = parse_u32("--horizon", optarg, 1, 100000, &t->tc.horizon); break;
		case 'n': rc = parse_u32("--history", optarg, 2, 200000, &t->tc.history); break;
		case 'b':
			rc = parse_u32("--budget", optarg, 1, 86400, &budget);
			t->tc.budget_s = budget;
			break;
		case 'e': rc = parse_u32("--every", optarg, 1, 86400 * 30, &t->every_s); break;
		case 'd': rc = parse_u32("--drift-check", optarg, 0, 86400, &t->drift_s); break;
		case 'p': rc = parse_u32("--top-ports", optarg, 0, 50, &t->top_ports); break;
		case 'o': t->once = 1; break;
		case 'C': rc = parse_u32("--classifier-every", optarg, 0, 86400 * 30, &t->cls_every_s); break;
		case 'W': rc = parse_u32("--class-window", optarg, 0, 86400 * 30, &t->cls_window_s); break;
		case 'L': t->labels = strdup(optarg); break;
		case 'D': rc = parse_share("--class-drift", optarg, &t->cls_drift); break;
		case 'A': rc = parse_share("--accuracy-drop", optarg, &t->cls_accuracy_drop); break;
		case 'c': break; /* read before the command line: see main() */
		case 'h': usage(stdout); return 1;
		default:
			fprintf(stderr, "sa-trainer: unknown or incomplete option '%s' (see --help)\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (rc == 0 && optind != argc) {
		fprintf(stderr, "sa-trainer: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return rc;
}

static Sa__Response *call(const struct trainer *t, Sa__Query *q)
{
	char err[256];
	Sa__Response *r = sa_client_call(t->tc.server, q, CALL_MS, err, sizeof(err));

	if (r == NULL || r->code != SA_OK) {
		sa_log(SA_LOG_WARN, "trainer", "%s", r ? r->message : err);
		if (r)
			sa__response__free_unpacked(r, NULL);
		return NULL;
	}
	return r;
}

/* The series found in the store: see the header comment. Returns how many
 * were written to out (strdup'd). */
static unsigned find_series(const struct trainer *t, char **out)
{
	static const char *const cluster[] = {"bytes", "packets", "active_flows", "bytes/tcp", "bytes/udp"};
	unsigned n = 0;
	char name[SA_SERIES_MAX];

	for (unsigned i = 0; i < sizeof(cluster) / sizeof(cluster[0]); i++)
		out[n++] = strdup(cluster[i]);
	Sa__Query q = SA__QUERY__INIT;
	q.has_kind = 1;
	q.kind = SA__QUERY_KIND__Q_NODES;
	Sa__Response *r = call(t, &q);
	for (size_t i = 0; r && i < r->n_nodes && n + 2 <= MAX_SERIES; i++) {
		snprintf(name, sizeof(name), "bytes@%u", r->nodes[i]->node_id);
		out[n++] = strdup(name);
		snprintf(name, sizeof(name), "packets@%u", r->nodes[i]->node_id);
		out[n++] = strdup(name);
	}
	if (r)
		sa__response__free_unpacked(r, NULL);
	if (t->top_ports == 0)
		return n;
	sa__query__init(&q);
	q.has_kind = q.has_dimension = q.has_limit = 1;
	q.kind = SA__QUERY_KIND__Q_TOP;
	q.dimension = SA__TOP_DIM__TOP_DST_PORT;
	q.limit = 8 * t->top_ports; /* room for the ephemeral ports skipped below */
	q.metric = "bytes";
	r = call(t, &q);
	for (size_t i = 0, ports = 0; r && i < r->n_top && n < MAX_SERIES && ports < t->top_ports; i++) {
		unsigned port = r->top[i]->key.len == 2 ? r->top[i]->key.data[0] << 8 | r->top[i]->key.data[1] : 0;
		/* A download's client port is busy only for that download. */
		if (port == 0 || port >= EPHEMERAL_LO)
			continue;
		snprintf(name, sizeof(name), "bytes:port=%u", port);
		out[n++] = strdup(name);
		ports++;
	}
	if (r)
		sa__response__free_unpacked(r, NULL);
	return n;
}

static void mark_trained(struct trainer *t, const char *series)
{
	unsigned i;
	for (i = 0; i < t->n_trained && strcmp(t->trained[i], series) != 0; i++)
		;
	if (i == t->n_trained) {
		if (i == MAX_SERIES)
			return;
		t->trained[t->n_trained++] = strdup(series);
	}
	t->trained_ns[i] = sa_mono_ns();
}

/* Trains every series; returns how many failed. */
static unsigned train_all(struct trainer *t)
{
	char *found[MAX_SERIES];
	unsigned n = t->n_series ? t->n_series : find_series(t, found), failed = 0;
	char **list = t->n_series ? t->series : found;

	for (unsigned i = 0; i < n && !quit; i++) {
		if (train_series(&t->tc, list[i]) == 0)
			mark_trained(t, list[i]);
		else
			failed++;
	}
	for (unsigned i = 0; !t->n_series && i < n; i++)
		free(found[i]);
	return failed;
}

/* Whether this trainer looks after series: every series when none were
 * given, else only those. */
static int ours(const struct trainer *t, const char *series)
{
	for (unsigned i = 0; i < t->n_series; i++)
		if (strcmp(t->series[i], series) == 0)
			return 1;
	return t->n_series == 0;
}

/* Retrains the models the aggregator says drift, unless trained within
 * the last drift check. */
static void retrain_drifting(struct trainer *t)
{
	Sa__Query q = SA__QUERY__INIT;
	q.has_kind = 1;
	q.kind = SA__QUERY_KIND__Q_MONITOR;
	Sa__Response *r = call(t, &q);

	for (size_t i = 0; r && i < r->n_monitors && !quit; i++) {
		const Sa__MonitorStatus *s = r->monitors[i];
		if (!s->drifting || !ours(t, s->series))
			continue;
		unsigned k;
		for (k = 0; k < t->n_trained && strcmp(t->trained[k], s->series) != 0; k++)
			;
		if (k < t->n_trained && sa_mono_ns() - t->trained_ns[k] < (uint64_t)t->drift_s * SA_NS_PER_S)
			continue;
		sa_log(SA_LOG_WARN, "trainer", "%s drifts (live MAE %.4g, backtest %.4g): retraining now",
		       s->series, s->live_mae, s->backtest_mae);
		struct train_conf tc = t->tc;
		tc.step_s = s->step_s; /* the drifting model's step, which sa train may have chosen */
		train_series(&tc, s->series);
		mark_trained(t, s->series);
	}
	if (r)
		sa__response__free_unpacked(r, NULL);
}

/* The flows the classifier reads: everything stored, or the drift
 * window's last seconds. */
static struct cls_source cls_source_of(const struct trainer *t, uint32_t window_s)
{
	uint64_t now = sa_wall_ns(), w = (uint64_t)window_s * SA_NS_PER_S;

	return (struct cls_source){.server = t->tc.server, .timeout_ms = CALL_MS, .rules = t->rules,
				   .from_ns = window_s && now > w ? now - w : 0};
}

static void train_classifier(struct trainer *t, const char *why)
{
	struct cls_source s = cls_source_of(t, 0);

	sa_log(SA_LOG_INFO, "trainer", "training the flow classifier (%s)", why);
	cls_job_train(&s, &cls_train_defaults, stdout);
	fflush(stdout);
	t->cls_trained_ns = sa_mono_ns();
}

/* Retrains the classifier when the live class mix or accuracy has moved
 * (not twice within one drift check). */
static void classifier_drift(struct trainer *t)
{
	struct cls_source s = cls_source_of(t, t->cls_window_s);
	struct cls_drift d;

	if (cls_job_drift(&s, &d) != 0 ||
	    (t->cls_trained_ns && sa_mono_ns() - t->cls_trained_ns < (uint64_t)t->drift_s * SA_NS_PER_S))
		return;
	int mix = d.distance > t->cls_drift;
	int acc = d.labelled >= MIN_LABELLED && d.live_accuracy < d.test_accuracy - t->cls_accuracy_drop;
	if (!mix && !acc)
		return;
	sa_log(SA_LOG_WARN, "trainer", "classifier v%u drifts: class mix %.2f from training (limit %.2f), "
	       "live accuracy %.3f on %llu labelled flows (held-out %.3f)", d.version, d.distance, t->cls_drift,
	       d.live_accuracy, (unsigned long long)d.labelled, d.test_accuracy);
	train_classifier(t, mix ? "class mix drift" : "accuracy drop");
}

int main(int argc, char **argv)
{
	struct trainer t = {.tc = TRAIN_DEFAULTS, .every_s = 3600, .drift_s = 60, .top_ports = 3,
			    .cls_every_s = 86400, .cls_window_s = 3600, .cls_drift = 0.25, .cls_accuracy_drop = 0.1};

	/* The config file first, wherever --config stands, so the command
	 * line wins; getopt cannot nest, so it is found by hand. */
	int rc = 0;
	for (int i = 1; i < argc && rc == 0; i++) {
		const char *eq = strchr(argv[i], '=');
		size_t len = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
		if (strcmp(argv[i], "--") == 0)
			break;
		/* getopt takes any unambiguous abbreviation: --c is --config. */
		if (len < 3 || strncmp(argv[i], "--config", len) != 0)
			continue;
		if (eq)
			rc = read_config(&t, eq + 1);
		else if (i + 1 < argc)
			rc = read_config(&t, argv[++i]);
	}
	if (rc == 0)
		rc = parse_opts(&t, argc, argv);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	sa_log_init("sa-trainer", SA_LOG_INFO);
	t.tc.progress = isatty(STDERR_FILENO);
	char err[512];
	if (t.labels && (t.rules = cls_rules_load(t.labels, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sa-trainer: --labels: %s\n", err);
		return 2;
	}
	if (t.once)
		return train_all(&t) == 0 ? 0 : 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	uint64_t next_round = 0, next_drift = 0, next_cls = 0;
	while (!quit) {
		uint64_t now = sa_mono_ns();
		if (now >= next_round) {
			train_all(&t);
			next_round = sa_mono_ns() + (uint64_t)t.every_s * SA_NS_PER_S;
		} else if (t.cls_every_s && now >= next_cls) {
			train_classifier(&t, "scheduled");
			next_cls = sa_mono_ns() + (uint64_t)t.cls_every_s * SA_NS_PER_S;
		} else if (t.drift_s && now >= next_drift) {
			retrain_drifting(&t);
			classifier_drift(&t);
			next_drift = sa_mono_ns() + (uint64_t)t.drift_s * SA_NS_PER_S;
		}
		sleep(1);
	}
	cls_rules_free(t.rules);
	return 0;
}
