/* sa: the operator's client. Parses the command line, dispatches to a
 * command, maps failures to one line on stderr and an exit status. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sa_client.h"
#include "sa_time.h"
#include "sa_wire.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: sa [--server EP] [--format table|json|csv] COMMAND [options]\n"
"\n"
"Commands:\n"
"  nodes                      capture nodes: batches, flows, last contact, port counters\n"
"  summary                    totals, protocols, top sources, packet sizes, latency\n"
"  series                     a metric over time (--metric, --proto, --step, --agg),\n"
"                             one address's or port's traffic (--ip, --port, --by),\n"
"                             or a histogram's percentile (--kind K --metric p95);\n"
"                             a step no node was capturing for is blank (JSON null)\n"
"  top                        top talkers (--by src-ip|dst-ip|src-port|dst-port, --metric bytes|packets)\n"
"  tracked                    the addresses or ports with their own series, with\n"
"                             their totals and the untracked rest (--by, --metric)\n"
"  hist                       a histogram (--kind size|iat|rtt)\n"
"  flows                      flow records (--ip, --port, --proto, --limit, --sort)\n"
"  forecast [SERIES]          the latest model's forecast with 80%%/95%% intervals,\n"
"                             against actuals where known (--horizon) [bytes]\n"
"  models [SERIES]            stored model versions: kind, training window,\n"
"                             backtest MASE/MAE/RMSE/MAPE, fit time, age; models\n"
"                             classifier: the classifiers' held-out scores\n"
"  train SERIES...            fit and store a model now (--step, --season,\n"
"                             --holdout, --horizon), with a progress line\n"
"  monitor [SERIES]           every watched series: live vs backtest error, drift,\n"
"                             alerts; or one series' forecast vs actual per interval\n"
"  alerts [SERIES]            alerts raised (--from, --to, --limit); --follow tails\n"
"                             them live\n"
"  import zeek FILE           load a Zeek conn.log (TSV or JSON lines; label and\n"
"                             detailedlabel columns kept) as flow records (--node,\n"
"                             --ingest); all or nothing, and safe to repeat\n"
"  export flows               flow records with every classifier feature, to stdout\n"
"                             (--format csv (default), json or zeek; --labelled,\n"
"                             --class, range, --limit)\n"
"  train classifier           fit a flow classifier on the labelled flows (range,\n"
"                             --node, --limit, --budget) and store it: the aggregator\n"
"                             then labels every flow it stores\n"
"  explore                    the labelled flows' features: statistics per class,\n"
"                             outliers, correlation, PCA, importance; plots to --out\n"
"  analyze FILE               run capture + aggregator on one capture file and summarise it\n"
"                             (on a terminal, with a progress line)\n"
"  stats                      the store: bytes and points per tier, ingest rate (--compact)\n"
"\n"
"Options:\n"
"  --server EP       aggregator query endpoint [tcp://127.0.0.1:7702]\n"
"  --format F        table (default), json or csv\n"
"  --from T, --to T  time range: ISO 8601 (2024-01-08T14:00:00Z), epoch seconds, or -2h/-3d\n"
"  --step S          series step: 1s, 1m, 1h, 1d or seconds [chosen from the range]\n"
"  --node N          one capture node (default: all); import: the node id the\n"
"                    flows are stored under [65000]\n"
"  --metric M        packets, bytes, flows (new flows), active_flows (mean flows\n"
"                    in the tables; --agg max: the busiest second) or any\n"
"                    counter name from summary; class_drift (the class mix\n"
"                    against the classifier's training mix, 0..1) or\n"
"                    live_accuracy (on flows with a ground-truth label);\n"
"                    with --kind, a percentile p1 .. p99\n"
"  --proto P         tcp, udp, icmp, other, ipv4, ipv6, nonip\n"
"  --by D            src-ip, dst-ip, src-port, dst-port or (top, tracked) class\n"
"                    [src-ip]\n"
"  --kind K          size, iat or rtt [size]\n"
"  --ip A, --port P  flows: filters (either side of the flow); series: that\n"
"                    address's or port's bytes or packets as source and as\n"
"                    destination (--by one side), if the aggregator tracks it\n"
"                    (see sa-aggregator --track); A or P \"other\": the rest\n"
"  --agg A           series: sum per step, rate (per second), avg or max (the\n"
"                    mean or largest of the finest rows still stored) [sum]\n"
"  --limit N         rows for top, tracked and flows [10 / 100 / 100]; export,\n"
"                    train classifier and explore: flows read [100000]\n"
"  --sort S          flows: start (earliest first), newest (latest first) or\n"
"                    bytes (most first) [start]\n"
"  --horizon H       forecast steps [one season]; train: backtest horizon\n"
"                    [two seasons]\n"
"  --season M[,M2]   train: points per season(s) [found from the data]\n"
"  --holdout N       train: newest complete points kept out of training [0]\n"
"  --follow          alerts: print each alert as the aggregator raises it\n"
"  --publish EP      alerts --follow: the aggregator's PUB endpoint\n"
"                    [tcp://127.0.0.1:7703]\n"
"  --timeout S       seconds to wait for the aggregator [10]; alerts --follow:\n"
"                    give up after S seconds without an alert [never]\n"
"  --keep DIR        analyze: keep the database and logs in DIR\n"
"  --workers N       analyze: sa-capture worker lcores [sa-capture's default]\n"
"  --ndpi-share S    analyze: label share S (0..1) of the flows with nDPI\n"
"                    (sa-capture --ndpi-share) [0: off]\n"
"  --compact         stats: compact the store first, so sizes are what the data costs\n"
"                    (slow on a big store: raise --timeout)\n"
"  --class C         flows: only those the classifier put in class C; series:\n"
"                    class C's bytes, packets, flows, labelled or correct (--metric)\n"
"  --labelled        flows, export: only flows with a ground-truth label\n"
"  --ingest EP       import: the aggregator's ingest endpoint [tcp://127.0.0.1:7701]\n"
"  --out DIR         explore: write the plots (SVG) there [.]\n"
"  --budget S        train classifier: seconds for the hyperparameter search [120]\n"
"  --labels FILE     train classifier, explore: label rules for flows without a\n"
"                    label (LABEL [src|dst|host CIDR] [sport|dport|port P[-Q]]\n"
"                    [proto P] [from T] [to T]; first match wins; LABEL - leaves\n"
"                    the flows out, labelled or not)\n"
"  --app-labels      train classifier, explore: a flow with neither label nor\n"
"                    rule takes the application nDPI named (sa-capture\n"
"                    --ndpi-share)\n"
"  -h, --help        this text\n"
"\n"
"Exit status: 0 ok, 1 error, 2 usage error, 3 the capture file was cut short\n"
"or corrupt (analyze: what could be read is summarised).\n");
}

static int parse_u32(const char *opt, const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > UINT32_MAX || s[0] == '-') {
		fprintf(stderr, "sa: %s wants a whole number, not '%s'\n", opt, s);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_step(const char *s, uint32_t *out)
{
	static const struct { const char *name; uint32_t s; } named[] = {
		{"1s", 1}, {"1m", 60}, {"1h", 3600}, {"1d", 86400},
	};
	for (unsigned i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strcmp(s, named[i].name) == 0) {
			*out = named[i].s;
			return 0;
		}
	if (parse_u32("--step", s, out) != 0 || *out == 0) {
		fprintf(stderr, "sa: --step is 1s, 1m, 1h, 1d or a number of seconds\n");
		return -1;
	}
	return 0;
}

/* M or M,M2 with M2 a multiple of M. */
static int parse_seasons(const char *s, uint32_t *m1, uint32_t *m2)
{
	char *end;
	unsigned long a = strtoul(s, &end, 10), b = 0;

	if (*end == ',')
		b = strtoul(end + 1, &end, 10);
	if (*end != '\0' || s[0] == '-' || a < 1 || a > 2048 || b > 2048 || (b && (b < 2 * a || b % a))) {
		fprintf(stderr, "sa: --season is M or M,M2 (points, M2 a multiple of M up to 2048), not '%s'\n", s);
		return -1;
	}
	*m1 = (uint32_t)a;
	*m2 = (uint32_t)b;
	return 0;
}

static int parse_time(const char *opt, const char *s, uint64_t *ns)
{
	if (sa_time_parse(s, sa_wall_ns(), ns) != 0) {
		fprintf(stderr, "sa: %s: cannot read '%s' as a time (2024-01-08T14:00:00Z, epoch seconds or -2h)\n",
			opt, s);
		return -1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct cli *c)
{
	static const struct option opts[] = {
		{"server", required_argument, NULL, 'S'}, {"format", required_argument, NULL, 'F'},
		{"from", required_argument, NULL, 'f'},   {"to", required_argument, NULL, 't'},
		{"step", required_argument, NULL, 's'},   {"node", required_argument, NULL, 'n'},
		{"metric", required_argument, NULL, 'm'}, {"proto", required_argument, NULL, 'p'},
		{"by", required_argument, NULL, 'b'},     {"kind", required_argument, NULL, 'k'},
		{"ip", required_argument, NULL, 'i'},     {"port", required_argument, NULL, 'P'},
		{"limit", required_argument, NULL, 'l'},  {"horizon", required_argument, NULL, 'H'},
		{"timeout", required_argument, NULL, 'T'}, {"keep", required_argument, NULL, 'K'},
		{"workers", required_argument, NULL, 'W'}, {"compact", no_argument, NULL, 'C'},
		{"sort", required_argument, NULL, 'o'},   {"agg", required_argument, NULL, 'a'},
		{"season", required_argument, NULL, 'M'}, {"holdout", required_argument, NULL, 'O'},
		{"follow", no_argument, NULL, 'w'},       {"publish", required_argument, NULL, 'B'},
		{"ingest", required_argument, NULL, 'I'}, {"class", required_argument, NULL, 'c'},
		{"labelled", no_argument, NULL, 'L'},     {"out", required_argument, NULL, 'D'},
		{"budget", required_argument, NULL, 'G'}, {"labels", required_argument, NULL, 'R'},
		{"app-labels", no_argument, NULL, 'A'},
		{"ndpi-share", required_argument, NULL, 'N'},
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	uint32_t timeout_s = 10;
	bool timeout_given = false;
	int o, rc = 0;

	opterr = 0;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'S': c->server = optarg; break;
		case 'F':
			if ((c->zeek = strcmp(optarg, "zeek") == 0))
				c->format = OUT_CSV;
			else if (out_format_parse(optarg, &c->format) != 0) {
				fprintf(stderr, "sa: --format is table, json or csv (export: csv or zeek), not '%s'\n",
					optarg);
				rc = -1;
			}
			break;
		case 'I': c->ingest = optarg; break;
		case 'R': c->labels = optarg; break;
		case 'A': c->app_labels = true; break;
		case 'c': c->class_name = optarg; break;
		case 'L': c->labelled = true; break;
		case 'D': c->out_dir = optarg; break;
		case 'G': {
			uint32_t s;
			rc |= parse_u32("--budget", optarg, &s);
			c->budget_s = s;
			break;
		}
		case 'f': rc |= parse_time("--from", optarg, &c->from_ns); break;
		case 't': rc |= parse_time("--to", optarg, &c->to_ns); break;
		case 's': rc |= parse_step(optarg, &c->step_s); break;
		case 'n': rc |= parse_u32("--node", optarg, &c->node_id); break;
		case 'm': c->metric = optarg; break;
		case 'p': c->proto = optarg; break;
		case 'b': c->by = optarg; break;
		case 'k': c->kind = optarg; break;
		case 'i': c->ip = optarg; break;
		case 'P':
			c->has_port = true;
			c->port_other = strcmp(optarg, "other") == 0;
			if (!c->port_other)
				rc |= parse_u32("--port", optarg, &c->port);
			break;
		case 'a':
			if (strcmp(optarg, "sum") && strcmp(optarg, "rate") && strcmp(optarg, "avg") &&
			    strcmp(optarg, "max")) {
				fprintf(stderr, "sa: --agg is sum, rate, avg or max, not '%s'\n", optarg);
				rc = -1;
			}
			c->agg = optarg;
			break;
		case 'l': rc |= parse_u32("--limit", optarg, &c->limit); break;
		case 'H': rc |= parse_u32("--horizon", optarg, &c->horizon); break;
		case 'T':
			rc |= parse_u32("--timeout", optarg, &timeout_s);
			timeout_given = true;
			break;
		case 'M': rc |= parse_seasons(optarg, &c->season, &c->season2); break;
		case 'O': rc |= parse_u32("--holdout", optarg, &c->holdout); break;
		case 'w': c->follow = true; break;
		case 'B': c->publish = optarg; break;
		case 'K': c->keep_dir = optarg; break;
		case 'W': c->workers = optarg; break;
		case 'N': c->ndpi_share = optarg; break;
		case 'C': c->compact = true; break;
		case 'o':
			if (strcmp(optarg, "start") != 0 && strcmp(optarg, "newest") != 0 && strcmp(optarg, "bytes") != 0) {
				fprintf(stderr, "sa: --sort is start, newest or bytes, not '%s'\n", optarg);
				rc = -1;
			}
			c->sort = optarg;
			break;
		case 'h': usage(stdout); exit(0);
		default:
			fprintf(stderr, "sa: unknown or incomplete option '%s' (see sa --help)\n", argv[optind - 1]);
			return -1;
		}
	}
	c->timeout_ms = (int)(timeout_s > 3600 ? 3600 : timeout_s) * 1000;
	c->follow_timeout_ms = timeout_given ? c->timeout_ms : 0;
	c->argc = argc - optind;
	c->argv = argv + optind;
	return rc;
}

Sa__Response *cli_call(const struct cli *c, Sa__Query *q)
{
	char err[512];
	Sa__Response *r = sa_client_call(c->server, q, c->timeout_ms, err, sizeof(err));

	if (r == NULL) {
		fprintf(stderr, "sa: %s\n", err);
		return NULL;
	}
	if (r->code != SA_OK) {
		fprintf(stderr, "sa: the aggregator says: %s\n", r->message ? r->message : "error");
		sa__response__free_unpacked(r, NULL);
		return NULL;
	}
	return r;
}

void cli_query_init(const struct cli *c, Sa__Query *q, Sa__QueryKind kind)
{
	sa__query__init(q);
	q->has_kind = q->has_from_ns = q->has_to_ns = q->has_step_s = q->has_node_id = 1;
	q->kind = kind;
	q->from_ns = c->from_ns;
	q->to_ns = c->to_ns;
	q->step_s = c->step_s;
	q->node_id = c->node_id;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(struct cli *); } cmds[] = {
		{"nodes", cmd_nodes},       {"summary", cmd_summary}, {"series", cmd_series},
		{"top", cmd_top},           {"hist", cmd_hist},       {"flows", cmd_flows},
		{"forecast", cmd_forecast}, {"models", cmd_models},   {"analyze", cmd_analyze},
		{"stats", cmd_stats},       {"tracked", cmd_tracked}, {"train", cmd_train},
		{"monitor", cmd_monitor},   {"alerts", cmd_alerts},   {"import", cmd_import},
		{"export", cmd_export},     {"explore", cmd_explore},
	};
	struct cli c = {.server = "tcp://127.0.0.1:7702", .publish = "tcp://127.0.0.1:7703",
			.ingest = "tcp://127.0.0.1:7701", .format = OUT_TABLE};

	if (parse_args(argc, argv, &c) != 0)
		return 2;
	if (c.argc == 0) {
		usage(stderr);
		return 2;
	}
	const char *cmd = c.argv[0];
	c.argc--;
	c.argv++;
	if (c.zeek && strcmp(cmd, "export") != 0) {
		fprintf(stderr, "sa: --format zeek is for export only\n");
		return 2;
	}
	for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmd, cmds[i].name) == 0)
			return cmds[i].fn(&c);
	fprintf(stderr, "sa: unknown command '%s' (see sa --help)\n", cmd);
	return 2;
}
