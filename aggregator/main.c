/* sa-aggregator: opens the store, starts the ingest and query threads,
 * waits for a signal. The only place that exits. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "dimacc.h"
#include "flowidx.h"
#include "ingest.h"
#include "monitor.h"
#include "sa_time.h"
#include "query.h"
#include "sa_log.h"
#include "schema.h"
#include "tsdb.h"
#include "upgrade.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: sa-aggregator --db DIR [options]\n"
"\n"
"Stores what capture nodes export (time series, histograms, top talkers,\n"
"flow records) in a RocksDB database and answers queries from sa and\n"
"sa-trainer.\n"
"\n"
"  --db DIR          database directory, created if missing (required)\n"
"  --ingest EP       ZeroMQ endpoint capture nodes send to [tcp://127.0.0.1:7701]\n"
"  --query EP        ZeroMQ endpoint for queries [tcp://127.0.0.1:7702]\n"
"  --no-sync         do not fsync each batch before acknowledging it (faster;\n"
"                    a power cut may lose acknowledged batches, a crash won't)\n"
"  --retain T=D      keep tier T (1s, 1m, 1h: series, histograms, top talkers;\n"
"                    1h also the monitor's rows and alerts;\n"
"                    flows: flow records) for duration D (90s, 30m, 12h, 30d, 2w,\n"
"                    2y; 0 keeps forever), counted back from the newest packet\n"
"                    stored. Repeat per tier [1s=2d 1m=30d 1h=2y flows=30d]\n"
"  --min-free MB     stop storing (nodes keep their batches) while the store's\n"
"                    disk has less than MB megabytes free, so RocksDB never\n"
"                    runs out of space mid-write [256]\n"
"  --track N         per node and day, give the first N source addresses,\n"
"                    destination addresses, source ports and destination\n"
"                    ports seen their own series (sa series --ip/--port); the\n"
"                    rest count in one \"other\" series each, so a scan or a\n"
"                    spoofed flood cannot make millions of series [1000]\n"
"  --dedup-window D  remember each stored batch for D (wall clock) to drop a\n"
"                    node's resend of it; older markers go at compaction.\n"
"                    A node resends within seconds, or on reconnecting [7d]\n"
"  --query-limit S   refuse a query still reading the store after S seconds\n"
"                    (all but sa stats) [5]\n"
"  --publish EP      ZeroMQ PUB endpoint for alerts and models (sa alerts\n"
"                    --follow, capture nodes) [tcp://127.0.0.1:7703]\n"
"  --alert-z Z       monitoring: the interval an actual must leave, in one-step\n"
"                    forecast sds (robust, relative to the level) [5]\n"
"  --alert-after N   raise an alert after N consecutive intervals outside [1]\n"
"  --drift R         a model drifts when its live MAE over a season passes R\n"
"                    times its backtest MAE, outside an alert's first 3\n"
"                    intervals (sa-trainer then refits it) [2]\n"
"  -v, --verbose     log every node hello and more\n"
"  -h, --help        this text\n");
}

/* A number in (0, max]; 0, or -1 after saying what was wrong. */
static int parse_positive(const char *opt, const char *s, double max, double *out)
{
	char *end;
	*out = strtod(s, &end);
	if (end == s || *end != '\0' || !(*out > 0 && *out <= max)) {
		fprintf(stderr, "sa-aggregator: %s wants a number in (0, %g], not '%s'\n", opt, max, s);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},
		{"ingest", required_argument, NULL, 'i'},
		{"query", required_argument, NULL, 'q'},
		{"no-sync", no_argument, NULL, 'S'},
		{"retain", required_argument, NULL, 'r'},
		{"query-limit", required_argument, NULL, 'L'},
		{"min-free", required_argument, NULL, 'F'},
		{"track", required_argument, NULL, 'T'},
		{"dedup-window", required_argument, NULL, 'D'},
		{"publish", required_argument, NULL, 'P'},
		{"alert-z", required_argument, NULL, 'z'},
		{"alert-after", required_argument, NULL, 'A'},
		{"drift", required_argument, NULL, 'R'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *db_path = NULL, *ingest_ep = "tcp://127.0.0.1:7701", *query_ep = "tcp://127.0.0.1:7702";
	bool sync = true;
	struct ingest_conf conf = {.retention = retention_defaults, .track_cap = DIMACC_DEFAULT_CAP,
				   .dedup_window_s = 7 * 86400};
	double query_limit_s = 5;
	const char *pub_ep = "tcp://127.0.0.1:7703";
	struct monitor_conf mconf = MONITOR_DEFAULTS;
	unsigned long long min_free_mb = 256;
	enum sa_log_level level = SA_LOG_WARN;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db_path = optarg; break;
		case 'i': ingest_ep = optarg; break;
		case 'q': query_ep = optarg; break;
		case 'S': sync = false; break;
		case 'L': {
			char *end;
			query_limit_s = strtod(optarg, &end);
			if (*end != '\0' || !(query_limit_s > 0 && query_limit_s <= 3600)) {
				fprintf(stderr, "sa-aggregator: --query-limit wants seconds in (0, 3600], not '%s'\n",
					optarg);
				return 2;
			}
			break;
		}
		case 'F': {
			char *end;
			min_free_mb = strtoull(optarg, &end, 10);
			if (*end != '\0' || optarg[0] == '-' || min_free_mb > (1ULL << 40)) {
				fprintf(stderr, "sa-aggregator: --min-free wants megabytes, not '%s'\n", optarg);
				return 2;
			}
			break;
		}
		case 'T': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);
			if (*end != '\0' || optarg[0] == '-' || n == 0 || n > 1000000) {
				fprintf(stderr, "sa-aggregator: --track wants a count in 1..1000000, not '%s'\n",
					optarg);
				return 2;
			}
			conf.track_cap = (unsigned)n;
			break;
		}
		case 'D':
			if (sa_duration_parse(optarg, &conf.dedup_window_s) != 0 || conf.dedup_window_s == 0) {
				fprintf(stderr, "sa-aggregator: --dedup-window wants a duration (90s, 12h, 7d), "
					"not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'r':
			if (retention_set(&conf.retention, optarg) != 0) {
				fprintf(stderr, "sa-aggregator: --retain wants TIER=DURATION (1s=2d, 1m=30d, "
					"1h=2y, flows=30d), not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'P': pub_ep = optarg; break;
		case 'z':
			if (parse_positive("--alert-z", optarg, 100, &mconf.z) != 0)
				return 2;
			break;
		case 'R':
			if (parse_positive("--drift", optarg, 1000, &mconf.drift) != 0)
				return 2;
			break;
		case 'A': {
			double n;
			if (parse_positive("--alert-after", optarg, 1000, &n) != 0)
				return 2;
			if (n != (unsigned)n) {
				fprintf(stderr, "sa-aggregator: --alert-after wants a whole number, not '%s'\n", optarg);
				return 2;
			}
			mconf.need = (unsigned)n;
			break;
		}
		case 'v': level = SA_LOG_INFO; break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "sa-aggregator: unknown or incomplete option '%s' (see --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (db_path == NULL || optind != argc) {
		fprintf(stderr, "sa-aggregator: %s (see --help)\n",
			db_path ? "unexpected argument" : "--db DIR is required");
		return 2;
	}
	sa_log_init("sa-aggregator", level);

	const tsdb_merge_fn merge[TSDB_CF_COUNT] = {
		[TSDB_SERIES] = schema_merge_points,
		[TSDB_HIST] = schema_merge_points,
		[TSDB_TOPK] = schema_merge_topk,
		[TSDB_DIMS] = schema_merge_points,
		[TSDB_FLOWIDX] = flowidx_merge,
	};
	const tsdb_key_time_fn key_time[TSDB_CF_COUNT] = {
		[TSDB_FLOWIDX] = flowidx_key_time,
		[TSDB_INGEST] = schema_marker_time,
		[TSDB_MONITOR] = schema_monitor_time,
	};
	struct tsdb *db = tsdb_open(db_path, sync, merge, key_time, (uint64_t)min_free_mb << 20);
	if (db == NULL) {
		fprintf(stderr, "sa-aggregator: cannot open the database at %s\n", db_path);
		return 1;
	}
	/* On failure (logged) the old rows wait for the next start. */
	uint64_t t0 = sa_mono_ns();
	long converted = upgrade_topk_rows(db);
	if (converted > 0)
		fprintf(stderr, "sa-aggregator: store upgraded: %ld top-K rows now keep each sketch under its own "
			"key (%.1f s)\n", converted, (double)(sa_mono_ns() - t0) / SA_NS_PER_S);
	t0 = sa_mono_ns();
	converted = upgrade_flow_index(db);
	if (converted > 0)
		fprintf(stderr, "sa-aggregator: store upgraded: %ld flow index keys now in posting lists per "
			"minute (%.1f s)\n", converted, (double)(sa_mono_ns() - t0) / SA_NS_PER_S);
	/* Threads inherit the mask, so only sigwait below sees these signals. */
	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	void *zctx = zmq_ctx_new();
	struct ingest *in = ingest_start(zctx, ingest_ep, db, &conf);
	struct monitor *mon = in ? monitor_start(zctx, pub_ep, db, &mconf) : NULL;
	struct query_server *qs = mon ? query_start(zctx, query_ep, db, in, mon, query_limit_s) : NULL;
	if (qs == NULL) {
		monitor_stop(&mon);
		ingest_stop(&in);
		zmq_ctx_term(zctx);
		tsdb_close(&db);
		fprintf(stderr, "sa-aggregator: cannot listen on %s, %s and %s\n", ingest_ep, query_ep, pub_ep);
		return 1;
	}
	fprintf(stderr, "sa-aggregator: ready: ingest %s, query %s, publish %s, db %s\n", ingest_ep, query_ep,
		pub_ep, db_path);
	int sig;
	sigwait(&stop_signals, &sig);

	struct ingest_stats st;
	ingest_stats_get(in, &st);
	query_stop(&qs);
	monitor_stop(&mon);
	ingest_stop(&in);
	zmq_ctx_term(zctx);
	tsdb_close(&db);
	fprintf(stderr, "sa-aggregator: stopped: %llu batches stored, %llu duplicates skipped, %llu messages rejected\n",
		(unsigned long long)st.batches, (unsigned long long)st.duplicates,
		(unsigned long long)st.rejected);
	return 0;
}
