/* sa-gen: deterministic synthetic traffic for StreamingAnalysis demos and
 * benchmarks. Writes a pcap (Ethernet, microsecond timestamps) from a seed,
 * or with --series the same traffic's volume per time step as CSV
 * (gen_series.h), and prints the ground truth as one JSON line on stdout;
 * --labels adds the ground truth per flow as label rules (gen_labels.h).
 *
 * The scheduler is a binary min-heap of live flows keyed on (next packet
 * time, creation number); flow arrivals are merged in as they come due, so
 * packets leave in time order and memory follows the number of concurrent
 * conversations, not the length of the capture. Nothing is read but the
 * command line. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen_flow.h"
#include "gen_labels.h"
#include "gen_series.h"
#include "sa_time.h"

#define PROG "sa-gen"
#define SNAPLEN 65535
#define OUT_BUF (1u << 20) /* stdio buffer for the pcap: fewer write(2)s */
#ifndef SA_GEN_VERSION
#define SA_GEN_VERSION "unknown" /* set by generator/CMakeLists.txt */
#endif

struct opts {
	const char *out;
	const char *labels;   /* --labels: label rules beside the pcap */
	const char *series;   /* --series: CSV instead of a pcap */
	const char *pcap_opt; /* a pcap-only option given, for the error */
	const char *ser_opt;  /* a series-only option given, for the error */
	uint32_t step_s;
	unsigned anomalies;
	int anomalies_set;
	uint64_t seed;
	unsigned days;
	uint64_t start_ns;
	double fpd;
	enum gen_anomaly anomaly;
	uint64_t anomaly_ns;
	int anomaly_set; /* --anomaly-at given, else 14:00 on the last day */
	unsigned anomaly_s;
	int quiet;
};

struct hent {
	uint64_t t, serial;
	struct gen_flow *f;
};

struct heap {
	struct hent *a;
	unsigned n, cap;
};

static const char *const anomaly_names[] = { "none", "synflood", "portscan" };

static void usage(FILE *to)
{
	fprintf(to,
		"Usage: " PROG " --out FILE [options]\n"
		"       " PROG " --series FILE [options]\n"
		"Write a deterministic synthetic pcap (Ethernet, microsecond timestamps,\n"
		"snaplen 65535) of ~200 clients and ~30 servers, or with --series a CSV of\n"
		"the traffic's volume per time step, and print the ground truth as one line\n"
		"of JSON on stdout. The same options give the same bytes.\n"
		"\n"
		"  -o, --out FILE            pcap file to write\n"
		"      --series FILE         CSV series to write instead (one of the two is\n"
		"                            required)\n"
		"  -s, --seed N              random seed (default 1)\n"
		"  -d, --days D              days of traffic, 1..366 (default 8)\n"
		"      --start TIME          UTC start: ISO 8601 or epoch seconds\n"
		"                            (default 2024-01-01, a Monday)\n"
		"      --flows-per-day N     mean flows on a weekday, 1..10000000 (default 20000);\n"
		"                            weekend days carry 40%%, a 1%%/day trend averages out\n"
		"Pcap only:\n"
		"      --anomaly KIND        synflood, portscan or none (default synflood)\n"
		"      --anomaly-at TIME     UTC start of the anomaly, as --start; whole seconds\n"
		"                            (default: 14:00 on the last day)\n"
		"      --anomaly-seconds S   anomaly duration, 1..86400 (default 120)\n"
		"      --labels FILE         also write the ground truth per flow as label rules\n"
		"                            (below) and add \"labels\" to the JSON\n"
		"  -q, --quiet               no progress lines on stderr\n"
		"Series only:\n"
		"      --step S              seconds per point, a divisor of 86400 (default 3600)\n"
		"      --anomalies K         labelled anomalies (default one per 3 days, as many\n"
		"                            as fit); at most one per 4 steps after the first\n"
		"                            2 days, and %u in all\n"
		"  -h, --help                this text\n"
		"\n"
		"Traffic: HTTPS (TLS 1.3), HTTP, DNS, SSH, NTP, SMTP, video-like bulk\n"
		"downloads on 443/tcp and ICMP echo, with a daily cycle (peaks ~11:00 and\n"
		"~20:00 UTC, trough ~04:00). Clients 10.1.0.0/16 and 2001:db8:1::/64; servers\n"
		"10.2.0.0/24, 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32 subnets.\n"
		"synflood: 2000 SYN/s from spoofed 198.18.0.0/15 sources to port 80 of an\n"
		"internal server; portscan: 200 SYN/s from one 192.0.2.0/24 host over ports\n"
		"1-1024 of an internal server.\n"
		"\n"
		"JSON keys: packets, bytes (sum of frame lengths), flows (normal\n"
		"conversations started), first_ts, last_ts (seconds.microseconds),\n"
		"anomaly {kind, start, end (epoch seconds), target (IPv4), packets (all\n"
		"packets of the anomaly, replies included); 0 and \"\" for none},\n"
		"hosts (distinct client and server addresses in normal traffic),\n"
		"services (distinct server address, protocol and port that served a\n"
		"normal flow; ICMP not counted); with --labels, labels {class: flows\n"
		"labelled, as below}.\n"
		"\n"
		"Labels: a rules file, '#' comments, one rule a line, first match wins:\n"
		"  LABEL [src CIDR] [dst CIDR] [sport P] [dport P] [proto tcp|udp|icmp|N]\n"
		"        [from TIME] [to TIME]\n"
		"src/dst are the flow's initiator/responder; a flow matches when its first\n"
		"packet is in [from, to) (epoch seconds as the pcap stores them). First the\n"
		"anomaly as one CIDR rule over its seconds: synflood (src 198.18.0.0/15, dst\n"
		"the target, dport 80) or portscan (src the scanner, dst the target); its\n"
		"JSON count is the SYNs sent, one flow each. Then one exact rule (src, sport,\n"
		"dst, dport, proto) per normal conversation, from its first packet to its last\n"
		"+ 1 s, labelled by what the generator made: dns, ntp, icmp_echo, https (TLS\n"
		"on 443: pages, API polls), http, ssh, smtp, video (bulk TLS downloads on\n"
		"443). ICMP echo gets a rule per direction seen, as the capture node keys\n"
		"ICMP on type << 8 | code: requests sport 2048 (ICMPv6 32768), replies from\n"
		"the server sport 0 (ICMPv6 33024), dport 0; ICMPv6 is proto 58.\n"
		"Conversations the capture's end cuts off are labelled up to their last\n"
		"packet; ones with no packet in the pcap are not labelled.\n"
		"\n"
		"Series: CSV with the header t_s,flows,bytes,anomaly and one row per step\n"
		"from --start (whole seconds). flows: a Poisson draw around the pcap's flow\n"
		"arrival rate integrated over the step (60 s slices); bytes: flows x %.0f\n"
		"bytes x a mean-one log-normal factor per step (sd %.0f%%). About %.0f bursts\n"
		"a week (one step, x1.2..1.5 flows) are normal life and not labelled.\n"
		"Anomalies have anomaly=1 on each of their 1..3 steps and multiply the\n"
		"expected flows: a surge x3..6 or a drop (outage) x0.1..0.3. None starts in\n"
		"the first 2 days, two never touch, and with the same seed the series is\n"
		"the same whatever --anomalies, except on the anomalies' steps.\n"
		"Series JSON keys: rows, step, start, end (epoch seconds, end exclusive),\n"
		"flows, bytes (column sums), anomalies [{start, end (epoch seconds, end\n"
		"exclusive), kind (surge or drop), factor}] in time order.\n"
		"\n"
		"Exit status: 0 success, 1 runtime error, 2 usage error.\n",
		GEN_SERIES_MAX_ANOMALIES, GEN_SERIES_FLOW_BYTES, GEN_SERIES_SIZE_SD * 100,
		GEN_SERIES_BURSTS_WEEK);
}

__attribute__((format(printf, 1, 2), noreturn)) static void bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (try '" PROG " --help')\n", stderr);
	exit(2);
}

static uint64_t parse_uint(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s == '\0' || *s == '-' || *s == '+' || *end != '\0' || errno != 0 || v < lo || v > hi)
		bad_usage("%s: expected an integer in %" PRIu64 "..%" PRIu64 ", got '%s'", opt, lo, hi,
			  s);
	return v;
}

static uint64_t parse_time(const char *opt, const char *s)
{
	uint64_t ns;

	/* now = 0: relative forms like "-2d" have no meaning for a replayable file */
	if (s[0] == '-' || sa_time_parse(s, 0, &ns) < 0)
		bad_usage("%s: expected a UTC time like 2024-01-01, 2024-01-08T14:00:00Z or "
			  "epoch seconds, got '%s'", opt, s);
	return ns;
}

static struct gen_series_conf series_conf(const struct opts *o)
{
	return (struct gen_series_conf){ .seed = o->seed, .start_ns = o->start_ns,
					 .days = o->days, .fpd = o->fpd, .step_s = o->step_s,
					 .anomalies = o->anomalies };
}

/* --series: reject the pcap's anomaly options, settle the anomaly count. */
static void check_series_args(struct opts *o)
{
	if (o->labels != NULL)
		bad_usage("--labels applies to the pcap (--out); a series marks its anomalies "
			  "in the CSV");
	if (o->pcap_opt != NULL)
		bad_usage("%s applies to the pcap (--out); a series takes --anomalies K",
			  o->pcap_opt);
	o->start_ns = o->start_ns / SA_NS_PER_S * SA_NS_PER_S;
	struct gen_series_conf c = series_conf(o);
	unsigned room = gen_series_anomaly_room(&c);
	if (!o->anomalies_set)
		o->anomalies = o->days / 3 < room ? o->days / 3 : room;
	else if (o->anomalies > room)
		bad_usage("--anomalies: %u day(s) of %u s steps hold at most %u anomalies (one "
			  "per 4 steps after the first %d days), not %u", o->days, o->step_s, room,
			  GEN_SERIES_QUIET_DAYS, o->anomalies);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_START = 256, O_FPD, O_ANOM, O_ANOM_AT, O_ANOM_S, O_SERIES, O_STEP, O_ANOMS,
	       O_LABELS };
	static const struct option lopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "days", required_argument, NULL, 'd' },
		{ "start", required_argument, NULL, O_START },
		{ "flows-per-day", required_argument, NULL, O_FPD },
		{ "anomaly", required_argument, NULL, O_ANOM },
		{ "anomaly-at", required_argument, NULL, O_ANOM_AT },
		{ "anomaly-seconds", required_argument, NULL, O_ANOM_S },
		{ "labels", required_argument, NULL, O_LABELS },
		{ "series", required_argument, NULL, O_SERIES },
		{ "step", required_argument, NULL, O_STEP },
		{ "anomalies", required_argument, NULL, O_ANOMS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .seed = 1, .days = 8, .start_ns = 1704067200ULL * SA_NS_PER_S,
			    .fpd = 20000, .anomaly = GEN_ANOMALY_SYNFLOOD, .anomaly_s = 120,
			    .step_s = 3600 };
	opterr = 0; /* our own messages, one line each */
	while ((c = getopt_long(argc, argv, ":o:s:d:qh", lopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 's':
			o->seed = parse_uint("--seed", optarg, 0, UINT64_MAX);
			break;
		case 'd':
			o->days = (unsigned)parse_uint("--days", optarg, 1, 366);
			break;
		case O_START:
			o->start_ns = parse_time("--start", optarg);
			break;
		case O_FPD:
			o->fpd = (double)parse_uint("--flows-per-day", optarg, 1, 10000000);
			break;
		case O_ANOM: {
			int k = -1;
			for (int i = 0; i < 3; i++)
				if (strcmp(optarg, anomaly_names[i]) == 0)
					k = i;
			if (k < 0)
				bad_usage("--anomaly: expected synflood, portscan or none, got '%s'", optarg);
			o->anomaly = (enum gen_anomaly)k;
			o->pcap_opt = "--anomaly";
			break;
		}
		case O_ANOM_AT:
			o->anomaly_ns = parse_time("--anomaly-at", optarg) / SA_NS_PER_S * SA_NS_PER_S;
			o->anomaly_set = 1;
			o->pcap_opt = "--anomaly-at";
			break;
		case O_ANOM_S:
			o->anomaly_s = (unsigned)parse_uint("--anomaly-seconds", optarg, 1, 86400);
			o->pcap_opt = "--anomaly-seconds";
			break;
		case O_LABELS:
			o->labels = optarg;
			o->pcap_opt = "--labels";
			break;
		case O_SERIES:
			o->series = optarg;
			break;
		case O_STEP:
			o->step_s = (uint32_t)parse_uint("--step", optarg, 1, 86400);
			if (86400 % o->step_s != 0)
				bad_usage("--step: %u s does not divide a day (86400 s), so days would "
					  "not line up; try 60, 300, 900, 3600 or 86400", o->step_s);
			o->ser_opt = "--step";
			break;
		case O_ANOMS:
			o->anomalies = (unsigned)parse_uint("--anomalies", optarg, 0,
							    GEN_SERIES_MAX_ANOMALIES);
			o->anomalies_set = 1;
			o->ser_opt = "--anomalies";
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			bad_usage("%s needs a value", argv[optind - 1]);
		default:
			if (optopt)
				bad_usage("unknown option '-%c'", optopt);
			bad_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		bad_usage("unexpected argument '%s'", argv[optind]);
	if (o->out != NULL && o->series != NULL)
		bad_usage("--out and --series: one run writes either a pcap or a series");
	if (o->out == NULL && o->series == NULL)
		bad_usage("--out FILE (pcap) or --series FILE (CSV) is required");
	if (o->series != NULL) {
		check_series_args(o);
		return;
	}
	if (o->ser_opt != NULL)
		bad_usage("%s applies to --series only", o->ser_opt);
	if (o->labels != NULL && strcmp(o->labels, o->out) == 0)
		bad_usage("--labels and --out name the same file '%s'", o->out);
	uint64_t end_ns = o->start_ns + (uint64_t)o->days * 86400 * SA_NS_PER_S;
	if (!o->anomaly_set)
		o->anomaly_ns = end_ns - 86400 * SA_NS_PER_S + 14 * 3600 * SA_NS_PER_S;
	if (o->anomaly != GEN_ANOMALY_NONE &&
	    (o->anomaly_ns < o->start_ns ||
	     o->anomaly_ns + o->anomaly_s * SA_NS_PER_S > end_ns))
		bad_usage("--anomaly-at/--anomaly-seconds: the anomaly must lie inside the %u "
			  "day(s) of the capture", o->days);
}

/* --- scheduler ------------------------------------------------------------ */

static int hent_less(const struct hent *a, const struct hent *b)
{
	return a->t < b->t || (a->t == b->t && a->serial < b->serial);
}

static void heap_sift_down(struct heap *h, unsigned i)
{
	struct hent e = h->a[i];

	for (;;) {
		unsigned c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && hent_less(&h->a[c + 1], &h->a[c]))
			c++;
		if (!hent_less(&h->a[c], &e))
			break;
		h->a[i] = h->a[c];
		i = c;
	}
	h->a[i] = e;
}

static void heap_push(struct heap *h, struct hent e)
{
	unsigned i = h->n++;

	while (i > 0 && hent_less(&e, &h->a[(i - 1) / 2])) {
		h->a[i] = h->a[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->a[i] = e;
}

static void heap_pop(struct heap *h)
{
	h->a[0] = h->a[--h->n];
	if (h->n)
		heap_sift_down(h, 0);
}

static void fmt_ts(char *buf, size_t len, uint64_t ns)
{
	snprintf(buf, len, "%" PRIu64 ".%06" PRIu64, (uint64_t)(ns / SA_NS_PER_S),
		 (uint64_t)(ns % SA_NS_PER_S / 1000));
}

/* ns since the epoch as ISO 8601 UTC, with nanoseconds only when there are
 * any: a form --start parses back exactly (epoch seconds go through a double). */
static void fmt_iso(char *buf, size_t len, uint64_t ns)
{
	time_t s = (time_t)(ns / SA_NS_PER_S);
	struct tm tm;
	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (ns % SA_NS_PER_S)
		n += (size_t)snprintf(buf + n, len - n, ".%09" PRIu64, (uint64_t)(ns % SA_NS_PER_S));
	snprintf(buf + n, len - n, "Z");
}

/* The options that decide the pcap's bytes, as a command line that
 * reproduces it (file names left out), for the label file's header. A
 * default --anomaly-at is left out: it follows --start and --days. */
static void options_fmt(char *buf, size_t len, const struct opts *o)
{
	char t0[48], ta[48];

	fmt_iso(t0, sizeof(t0), o->start_ns);
	fmt_iso(ta, sizeof(ta), o->anomaly_ns);
	int n = snprintf(buf, len, "--seed %" PRIu64 " --days %u --start %s --flows-per-day %.0f "
			 "--anomaly %s", o->seed, o->days, t0, o->fpd, anomaly_names[o->anomaly]);
	if (o->anomaly == GEN_ANOMALY_NONE || n < 0 || (size_t)n >= len)
		return;
	snprintf(buf + n, len - (size_t)n, "%s%s --anomaly-seconds %u",
		 o->anomaly_set ? " --anomaly-at " : "", o->anomaly_set ? ta : "", o->anomaly_s);
}

/* --series: the CSV, then the truth line. Returns the exit status. */
static int run_series(const struct opts *o)
{
	struct gen_series_conf c = series_conf(o);
	struct gen_series *s = gen_series_new(&c);
	struct gen_series_point p;
	uint64_t flows = 0, bytes = 0;
	FILE *fp = NULL;
	int rc = 1;

	if (s == NULL) {
		fprintf(stderr, PROG ": out of memory for the series\n");
		return 1;
	}
	fp = fopen(o->series, "w");
	if (fp == NULL) {
		fprintf(stderr, PROG ": %s: %s\n", o->series, strerror(errno));
		goto out;
	}
	setvbuf(fp, NULL, _IOFBF, OUT_BUF);
	fputs("t_s,flows,bytes,anomaly\n", fp);
	while (gen_series_next(s, &p)) {
		fprintf(fp, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%d\n", p.t_s, p.flows, p.bytes,
			p.anomaly);
		flows += p.flows;
		bytes += p.bytes;
	}
	int werr = ferror(fp);
	if (fclose(fp) != 0 || werr) {
		fp = NULL;
		fprintf(stderr, PROG ": %s: write failed: %s\n", o->series, strerror(errno));
		goto out;
	}
	fp = NULL;

	uint64_t t0 = o->start_ns / SA_NS_PER_S;
	printf("{\"rows\":%" PRIu64 ",\"step\":%u,\"start\":%" PRIu64 ",\"end\":%" PRIu64
	       ",\"flows\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"anomalies\":[",
	       gen_series_rows(s), o->step_s, t0, t0 + (uint64_t)o->days * 86400, flows, bytes);
	for (unsigned i = 0; i < gen_series_anomaly_count(s); i++) {
		const struct gen_series_anomaly *a = gen_series_anomaly(s, i);
		printf("%s{\"start\":%" PRIu64 ",\"end\":%" PRIu64 ",\"kind\":\"%s\",\"factor\":%.3f}",
		       i ? "," : "", a->start_s, a->end_s, gen_series_kind_name(a->kind), a->factor);
	}
	printf("]}\n");
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	if (fp != NULL)
		fclose(fp);
	gen_series_destroy(&s);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct gen_env *env = NULL;
	struct gen_flow_pool *pool = NULL;
	struct heap heap = { 0 };
	struct gen_labels *labels = NULL;
	pcap_t *pd = NULL;
	pcap_dumper_t *dump = NULL;
	FILE *fp = NULL;
	uint8_t buf[GEN_PKT_MAX + 64];
	uint64_t packets = 0, bytes = 0, flows = 0, dropped = 0, serial = 0;
	uint64_t first_ns = 0, last_ns = 0;
	int rc = 1;

	parse_args(argc, argv, &o);
	if (o.series != NULL)
		return run_series(&o);
	uint64_t end_ns = o.start_ns + (uint64_t)o.days * 86400 * SA_NS_PER_S;

	/* room for two minutes of peak-rate arrivals plus long-lived sessions */
	unsigned cap = 1024 + (unsigned)(o.fpd / 86400 * 2.5 * 120);
	env = malloc(sizeof(*env));
	pool = gen_flow_pool_new(cap);
	heap.a = malloc((cap + 1) * sizeof(*heap.a));
	if (env == NULL || pool == NULL || heap.a == NULL) {
		fprintf(stderr, PROG ": out of memory for %u flows\n", cap);
		goto out;
	}
	heap.cap = cap + 1;
	gen_app_env_init(env, o.seed, o.start_ns, o.days, o.fpd);
	if (o.labels != NULL) {
		char opt[256];
		options_fmt(opt, sizeof(opt), &o);
		labels = gen_labels_new(o.labels, PROG " " SA_GEN_VERSION, opt);
		if (labels == NULL)
			goto out;
	}

	fp = fopen(o.out, "wb");
	if (fp == NULL) {
		fprintf(stderr, PROG ": %s: %s\n", o.out, strerror(errno));
		goto out;
	}
	setvbuf(fp, NULL, _IOFBF, OUT_BUF);
	pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, SNAPLEN, PCAP_TSTAMP_PRECISION_MICRO);
	dump = pd ? pcap_dump_fopen(pd, fp) : NULL;
	if (dump == NULL) {
		fprintf(stderr, PROG ": %s: cannot start pcap: %s\n", o.out,
			pd ? pcap_geterr(pd) : "pcap_open_dead failed");
		goto out;
	}
	fp = NULL; /* owned by the dumper now */

	struct gen_model *m = &env->model;
	char target[64] = "";
	if (o.anomaly != GEN_ANOMALY_NONE) {
		/* synflood hits the intranet web server; portscan one internal host */
		struct gen_host *t = &m->servers[3];
		if (o.anomaly == GEN_ANOMALY_PORTSCAN)
			t = &m->servers[3 + gen_rng_below(&env->rng, 3)];
		snprintf(target, sizeof(target), "%u.%u.%u.%u", t->a4.ip[0], t->a4.ip[1],
			 t->a4.ip[2], t->a4.ip[3]);
		uint64_t a_end = o.anomaly_ns + o.anomaly_s * SA_NS_PER_S;
		struct gen_flow *f = gen_flow_start_anomaly(pool, env, o.anomaly, o.anomaly_ns,
							    a_end, t);
		heap_push(&heap, (struct hent){ gen_flow_next_ns(f), serial++, f });
		if (labels != NULL) {
			struct gen_flow_info fi;
			gen_flow_info(f, &fi);
			gen_labels_anomaly(labels, o.anomaly, fi.cli, fi.srv, o.anomaly_ns, a_end);
		}
	}

	struct gen_flow_spec next;
	int have_next = gen_model_next_flow(m, &env->rng, o.start_ns, &next) == 0;
	uint64_t tick = (end_ns - o.start_ns) / 10, next_tick = o.start_ns + tick;
	for (;;) {
		uint64_t top = heap.n ? heap.a[0].t : UINT64_MAX;

		if (have_next && next.t_ns <= top) {
			struct gen_flow *f = gen_flow_start(pool, env, &next);
			if (f != NULL) {
				heap_push(&heap, (struct hent){ gen_flow_next_ns(f), serial++, f });
				flows++;
			} else {
				dropped++;
			}
			have_next = gen_model_next_flow(m, &env->rng, next.t_ns, &next) == 0;
			continue;
		}
		if (top >= end_ns)
			break; /* the capture stops; flows still open are cut off */
		struct gen_flow *f = heap.a[0].f;
		unsigned len = gen_flow_step(f, env, buf);
		struct pcap_pkthdr ph = { .caplen = len, .len = len };
		ph.ts.tv_sec = (time_t)(top / SA_NS_PER_S);
		ph.ts.tv_usec = (suseconds_t)(top % SA_NS_PER_S / 1000);
		pcap_dump((u_char *)dump, &ph, buf);
		if (packets++ == 0)
			first_ns = top;
		last_ns = top;
		bytes += len;
		uint64_t t = gen_flow_next_ns(f);
		if (t == GEN_T_END) {
			heap_pop(&heap);
			if (labels != NULL)
				gen_labels_flow(labels, f);
			gen_flow_free(pool, &f);
		} else {
			heap.a[0].t = t;
			heap_sift_down(&heap, 0);
		}
		if (top >= next_tick && !o.quiet) {
			fprintf(stderr, PROG ": %3u%% day %" PRIu64 "/%u, %" PRIu64 " packets, %u live flows\n",
				(unsigned)((top - o.start_ns) * 100 / (end_ns - o.start_ns)),
				(uint64_t)((top - o.start_ns) / (86400 * SA_NS_PER_S) + 1), o.days, packets, heap.n);
			next_tick += tick;
		}
	}
	if (dropped)
		fprintf(stderr, PROG ": warning: %" PRIu64 " flows dropped, more than %u at once\n",
			dropped, cap);
	if (pcap_dump_flush(dump) != 0 || ferror(pcap_dump_file(dump))) {
		fprintf(stderr, PROG ": %s: write failed: %s\n", o.out, strerror(errno));
		goto out;
	}
	if (labels != NULL) {
		/* flows the capture's end cut off, in the order their next packet was due */
		while (heap.n) {
			gen_labels_flow(labels, heap.a[0].f);
			heap_pop(&heap);
		}
		if (gen_labels_finish(labels) < 0)
			goto out;
	}

	char t0[32], t1[32];
	fmt_ts(t0, sizeof(t0), first_ns);
	fmt_ts(t1, sizeof(t1), last_ns);
	uint64_t as = o.anomaly == GEN_ANOMALY_NONE ? 0 : o.anomaly_ns / SA_NS_PER_S;
	printf("{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"flows\":%" PRIu64
	       ",\"first_ts\":%s,\"last_ts\":%s,\"anomaly\":{\"kind\":\"%s\",\"start\":%" PRIu64
	       ",\"end\":%" PRIu64 ",\"target\":\"%s\",\"packets\":%" PRIu64
	       "},\"hosts\":%u,\"services\":%u",
	       packets, bytes, flows, t0, t1, anomaly_names[o.anomaly], as,
	       as ? as + o.anomaly_s : 0, target, env->anomaly_packets, gen_model_hosts_seen(m),
	       gen_model_services_seen(m));
	if (labels != NULL) {
		fputs(",\"labels\":", stdout);
		gen_labels_json(labels, stdout);
	}
	fputs("}\n", stdout);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	if (dump != NULL)
		pcap_dump_close(dump);
	if (fp != NULL)
		fclose(fp);
	if (pd != NULL)
		pcap_close(pd);
	gen_labels_destroy(&labels);
	gen_flow_pool_destroy(&pool);
	free(heap.a);
	free(env);
	return rc;
}
