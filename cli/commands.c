/* The query commands: each builds a Query, renders the Response. */
#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sa_counter.h"
#include "sa_flowkey.h"
#include "sa_hist.h"
#include "sa_time.h"
#include "sa_wire.h"

static const char *key_text(const ProtobufCBinaryData *k, char *buf, size_t len)
{
	if (k->len == 2)
		snprintf(buf, len, "%u", (unsigned)k->data[0] << 8 | k->data[1]);
	else
		sa_addr_fmt(k->data, (unsigned)k->len, buf, (unsigned)len);
	return buf;
}

/* "FROM .. TO, read from 1 min rows": what an answer covers, for titles. */
static const char *range_text(const Sa__Response *r, char *buf, size_t len)
{
	char from[40], to[40];

	snprintf(buf, len, "%s .. %s, read from %u s rows", sa_time_fmt(r->from_ns, from, sizeof(from)),
		 sa_time_fmt(r->to_ns, to, sizeof(to)), r->res_s);
	return buf;
}

int cmd_nodes(struct cli *c)
{
	/* Node state and its loss ledger (run totals from the last heartbeat). */
	static const char *const cols[] = {"node", "host", "input", "batches", "duplicates", "flows",
					   "intervals", "rx_packets", "rx_missed", "rx_errors", "rx_nombuf",
					   "ring_full", "flow_evictions", "parse_errors", "spool_full",
					   "last_seen"};
	Sa__Query q;
	char t[40];

	cli_query_init(c, &q, SA__QUERY_KIND__Q_NODES);
	Sa__Response *r = cli_call(c, &q);
	if (r == NULL)
		return 1;
	struct out_table *tab = out_table_new("", 16, cols);
	for (size_t i = 0; i < r->n_nodes; i++) {
		const Sa__NodeInfo *n = r->nodes[i];
		const Sa__Heartbeat none = SA__HEARTBEAT__INIT;
		const Sa__Heartbeat *hb = n->last_heartbeat ? n->last_heartbeat : &none;
		out_u64(tab, n->node_id);
		out_str(tab, n->hostname);
		out_str(tab, n->port_name);
		out_u64(tab, n->batches);
		out_u64(tab, n->duplicates);
		out_u64(tab, n->flows);
		out_u64(tab, n->intervals);
		out_u64(tab, hb->rx_packets);
		out_u64(tab, hb->rx_missed);
		out_u64(tab, hb->rx_errors);
		out_u64(tab, hb->rx_nombuf);
		out_u64(tab, hb->ring_full);
		out_u64(tab, hb->flow_evictions);
		out_u64(tab, hb->parse_errors);
		out_u64(tab, hb->spool_full);
		out_str(tab, sa_time_fmt(n->last_seen_ns, t, sizeof(t)));
	}
	out_table_print(tab, c->format, stdout);
	out_table_destroy(&tab);
	sa__response__free_unpacked(r, NULL);
	return 0;
}

/* --ip as 4 or 16 bytes in buf; -1 (error printed) if it is not an address. */
static int parse_ip(const char *text, uint8_t buf[16], ProtobufCBinaryData *out)
{
	if (inet_pton(AF_INET, text, buf) == 1)
		*out = (ProtobufCBinaryData){4, buf};
	else if (inet_pton(AF_INET6, text, buf) == 1)
		*out = (ProtobufCBinaryData){16, buf};
	else {
		fprintf(stderr, "sa: --ip: '%s' is not an IPv4 or IPv6 address (or \"other\")\n", text);
		return -1;
	}
	return 0;
}

static int dimension(const char *by)
{
	static const char *const names[] = {"src-ip", "dst-ip", "src-port", "dst-port", "class"};

	for (int i = 0; i < 5; i++)
		if (strcmp(by, names[i]) == 0)
			return i;
	return -1;
}

/* The dimensions and key of a series by --ip or --port: 0, or 2 (usage
 * error printed). */
static int series_key(const struct cli *c, Sa__Query *q, uint8_t ip[16])
{
	bool port = c->has_port;
	int d = c->by ? dimension(c->by) : -1;

	if (c->ip && port) {
		fprintf(stderr, "sa: series takes --ip or --port, not both\n");
		return 2;
	}
	if (c->by && (d < 0 || (d >= SA__TOP_DIM__TOP_SRC_PORT) != port)) {
		fprintf(stderr, "sa: --by with %s is %s\n", port ? "--port" : "--ip",
			port ? "src-port or dst-port" : "src-ip or dst-ip");
		return 2;
	}
	q->has_dims = 1;
	q->dims = d >= 0 ? 1u << d : port ? 0xc : 0x3;
	q->has_other = 1;
	q->other = port ? c->port_other : strcmp(c->ip, "other") == 0;
	if (q->other)
		return 0;
	if (port) {
		q->has_port = 1;
		q->port = c->port;
		return 0;
	}
	q->has_ip = 1;
	return parse_ip(c->ip, ip, &q->ip) == 0 ? 0 : 2;
}

int cmd_series(struct cli *c)
{
	static const char *const cols[] = {"time", "value"};
	static const char *const aggs[] = {"sum", "rate", "avg", "max"};
	Sa__Query q;
	uint8_t ip[16];
	char t[40], of[96] = "";

	cli_query_init(c, &q, SA__QUERY_KIND__Q_SERIES);
	q.metric = (char *)(c->metric ? c->metric : "bytes");
	q.proto = (char *)c->proto;
	q.hist = (char *)c->kind; /* with --metric pNN: a histogram's percentile */
	for (unsigned i = 0; c->agg && i < 4; i++)
		if (strcmp(c->agg, aggs[i]) == 0) {
			q.has_agg = 1;
			q.agg = (Sa__SeriesAgg)i;
		}
	if (c->class_name && (c->ip || c->has_port)) {
		fprintf(stderr, "sa: series takes --class, --ip or --port, one of them\n");
		return 2;
	}
	if (c->class_name) {
		q.has_dims = 1;
		q.dims = 1u << SA_DIM_CLASS;
		q.class_name = (char *)c->class_name;
		snprintf(of, sizeof(of), " of class %s", c->class_name);
	}
	if ((c->ip || c->has_port) && series_key(c, &q, ip) != 0)
		return 2;
	if (c->ip || c->has_port) {
		char port[8];
		snprintf(port, sizeof(port), "%u", c->port);
		snprintf(of, sizeof(of), " of %s %s (%s)", c->ip ? "address" : "port",
			 c->ip ? c->ip : c->port_other ? "other" : port, c->by ? c->by : "either side");
	}
	Sa__Response *r = cli_call(c, &q);
	if (r == NULL)
		return 1;
	char title[320], range[128];
	snprintf(title, sizeof(title), "%s%s%s%s%s%s, %s per %u s, %s", c->proto ? c->proto : "", c->proto ? " " : "",
		 c->kind ? c->kind : "", c->kind ? (strcmp(c->kind, "size") ? " (ns) " : " (bytes) ") : "",
		 q.metric, of, aggs[r->agg <= SA__SERIES_AGG__AGG_MAX ? r->agg : 0], r->step_s,
		 range_text(r, range, sizeof(range)));
	struct out_table *tab = out_table_new(title, 2, cols);
	for (size_t i = 0; i < r->n_points; i++) {
		out_str(tab, sa_time_fmt(r->points[i]->t_ns, t, sizeof(t)));
		if (r->points[i]->has_value)
			out_f64(tab, r->points[i]->value, r->agg == SA__SERIES_AGG__AGG_SUM ||
							      r->agg == SA__SERIES_AGG__AGG_MAX ? 0 : 3);
		else /* a percentile of a step with nothing in it, or no node capturing */
			out_none(tab);
	}
	out_table_print(tab, c->format, stdout);
	out_table_destroy(&tab);
	sa__response__free_unpacked(r, NULL);
	return 0;
}

/* Top (Q_TOP) or tracked (Q_TRACKED) entries of one dimension, or NULL
 * (error printed). */
static Sa__Response *query_ranked(struct cli *c, Sa__QueryKind kind, const char *by, const char *metric,
				  uint32_t limit)
{
	Sa__Query q;
	int d = dimension(by);

	if (d < 0) {
		fprintf(stderr, "sa: --by is src-ip, dst-ip, src-port, dst-port or class, not '%s'\n", by);
		return NULL;
	}
	/* Class rows are exact sums (no sketch): the tracked list is the top. */
	cli_query_init(c, &q, d == SA_DIM_CLASS ? SA__QUERY_KIND__Q_TRACKED : kind);
	q.has_dimension = q.has_limit = 1;
	q.dimension = (uint32_t)d;
	q.metric = (char *)metric;
	q.limit = limit;
	return cli_call(c, &q);
}

/* `top` and `tracked`: key, value, share of the total (and top's error bound). */
static int print_ranked(struct cli *c, Sa__QueryKind kind, const char *what, uint32_t limit)
{
	const char *by = c->by ? c->by : "src-ip", *metric = c->metric ? c->metric : "bytes";
	const char *cols[] = {by, metric, "share", "max_error"};
	bool classes = strcmp(by, "class") == 0;
	unsigned ncols = kind == SA__QUERY_KIND__Q_TOP && !classes ? 4 : 3;
	char k[64];

	Sa__Response *r = query_ranked(c, kind, by, metric, limit);
	if (r == NULL)
		return 1;
	char title[256], range[128];
	snprintf(title, sizeof(title), "%s %s by %s, %s", what, by, metric, range_text(r, range, sizeof(range)));
	struct out_table *tab = out_table_new(title, ncols, cols);
	for (size_t i = 0; i < r->n_top; i++) {
		if (classes)
			snprintf(k, sizeof(k), "%.*s", (int)r->top[i]->key.len, (const char *)r->top[i]->key.data);
		out_str(tab, classes ? k : r->top[i]->key.len ? key_text(&r->top[i]->key, k, sizeof(k)) : "other");
		out_u64(tab, r->top[i]->count);
		out_f64(tab, r->total ? 100.0 * (double)r->top[i]->count / (double)r->total : 0, 1);
		if (ncols == 4)
			out_u64(tab, r->top[i]->error);
	}
	out_table_print(tab, c->format, stdout);
	out_table_destroy(&tab);
	sa__response__free_unpacked(r, NULL);
	return 0;
}

int cmd_top(struct cli *c)
{
	return print_ranked(c, SA__QUERY_KIND__Q_TOP, "top", c->limit ? c->limit : 10);
}

int cmd_tracked(struct cli *c)
{
	return print_ranked(c, SA__QUERY_KIND__Q_TRACKED, "tracked", c->limit ? c->limit : 100);
}

static Sa__Response *query_hist(struct cli *c, const char *kind)
{
	Sa__Query q;

	cli_query_init(c, &q, SA__QUERY_KIND__Q_HIST);
	q.hist = (char *)kind;
	return cli_call(c, &q);
}

static void hist_rows(struct out_table *tab, const Sa__Response *r, int is_size)
{
	uint64_t total = 0;
	char label[32];

	for (size_t i = 0; i < r->n_hist; i++)
		total += r->hist[i];
	for (size_t i = 0; i < r->n_hist; i++) {
		if (is_size)
			sa_size_label((unsigned)i, label, sizeof(label));
		else
			sa_time_label((unsigned)i, label, sizeof(label));
		out_str(tab, label);
		out_u64(tab, r->hist[i]);
		out_f64(tab, total ? 100.0 * (double)r->hist[i] / (double)total : 0, 1);
	}
}

int cmd_hist(struct cli *c)
{
	static const char *const cols[] = {"bucket", "count", "percent"};
	const char *kind = c->kind ? c->kind : "size";
	Sa__Response *r = query_hist(c, kind);

	if (r == NULL)
		return 1;
	char title[256], range[128];
	snprintf(title, sizeof(title), "%s histogram, %s", kind, range_text(r, range, sizeof(range)));
	struct out_table *tab = out_table_new(title, 3, cols);
	hist_rows(tab, r, strcmp(kind, "size") == 0);
	out_table_print(tab, c->format, stdout);
	out_table_destroy(&tab);
	sa__response__free_unpacked(r, NULL);
	return 0;
}

/* A record's first packets as text: "+74 -74 +66" (sizes, + from src) and
 * "0 180 2" (gaps in us). */
static const char *first_packets(const Sa__FlowRecord *f, bool gaps, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < f->n_first_sizes && at < len; k++) {
		if (gaps)
			at += (size_t)snprintf(buf + at, len - at, "%s%llu", k ? " " : "",
					       (unsigned long long)(f->first_gaps_ns[k] / 1000));
		else
			at += (size_t)snprintf(buf + at, len - at, "%s%+d", k ? " " : "", f->first_sizes[k]);
	}
	return buf;
}

/* "vxlan 192.0.2.1>192.0.2.2 id 42", or "" for a flow outside tunnels. */
static const char *tunnel_text(const Sa__FlowRecord *f, char *buf, size_t len)
{
	static const char *const kinds[] = {"", "ipip", "gre", "vxlan", "geneve"};
	char s[64], d[64];

	buf[0] = '\0';
	if (f->tunnel_type == SA__TUNNEL_TYPE__TUNNEL_NONE || f->tunnel_type > SA__TUNNEL_TYPE__TUNNEL_GENEVE)
		return buf;
	int n = snprintf(buf, len, "%s %s>%s", kinds[f->tunnel_type],
			 sa_addr_fmt(f->tunnel_src.data, (unsigned)f->tunnel_src.len, s, sizeof(s)),
			 sa_addr_fmt(f->tunnel_dst.data, (unsigned)f->tunnel_dst.len, d, sizeof(d)));
	if (f->has_tunnel_id && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " id %u", f->tunnel_id);
	return buf;
}

/* A TCP direction's segments per flag, "FIN SYN RST PSH ACK URG" ("" when
 * not counted). */
static const char *flag_counts(const Sa__DirStats *d, char *buf, size_t len)
{
	buf[0] = '\0';
	if (d && d->n_tcp_flag_counts == 6)
		snprintf(buf, len, "%u %u %u %u %u %u", d->tcp_flag_counts[0], d->tcp_flag_counts[1],
			 d->tcp_flag_counts[2], d->tcp_flag_counts[3], d->tcp_flag_counts[4], d->tcp_flag_counts[5]);
	return buf;
}

int cmd_flows(struct cli *c)
{
	static const char *const cols[] = {"start", "duration_s", "proto", "src", "sport", "dst", "dport",
					   "packets_out", "bytes_out", "packets_in", "bytes_in", "rtt_ms", "end",
					   "retrans_out", "retrans_in", "seq_gaps_out", "seq_gaps_in",
					   "icmp_error_out", "icmp_error_in", "tunnel",
					   "first_sizes", "first_gaps_us", "tcp_flags_out", "tcp_flags_in", "app", "label",
					   "class", "class_prob"};
	static const char *const ends[] = {"-", "idle", "active", "fin", "rst", "evict", "flush"};
	uint8_t ip[16];
	Sa__Query q;
	char t[40], a[64], b[64], sizes[16 * 8], gaps[16 * 24], tun[160], fl[2][48];

	cli_query_init(c, &q, SA__QUERY_KIND__Q_FLOWS);
	q.proto = (char *)c->proto;
	q.has_port = q.has_limit = 1;
	q.port = c->port;
	q.limit = c->limit ? c->limit : 100;
	q.has_order = 1;
	q.order = !c->sort || strcmp(c->sort, "start") == 0 ? SA__FLOW_ORDER__BY_START :
		  strcmp(c->sort, "bytes") == 0 ? SA__FLOW_ORDER__BY_BYTES : SA__FLOW_ORDER__NEWEST_FIRST;
	q.has_labelled = 1;
	q.labelled = c->labelled;
	q.class_name = (char *)c->class_name;
	if (c->port_other) {
		fprintf(stderr, "sa: flows: --port wants a number\n");
		return 2;
	}
	if (c->ip) {
		q.has_ip = 1;
		if (parse_ip(c->ip, ip, &q.ip) != 0)
			return 2;
	}
	Sa__Response *r = cli_call(c, &q);
	if (r == NULL)
		return 1;
	struct out_table *tab = out_table_new("", sizeof(cols) / sizeof(cols[0]), cols);
	for (size_t i = 0; i < r->n_flows; i++) {
		const Sa__FlowRecord *f = r->flows[i];
		const Sa__DirStats *o = f->a_to_b, *in = f->b_to_a;
		uint64_t last, first = sa_flow_span(f, &last);
		out_str(tab, sa_time_fmt(first, t, sizeof(t)));
		out_f64(tab, (double)(last - first) / 1e9, 3);
		out_u64(tab, f->proto);
		out_str(tab, sa_addr_fmt(f->addr_a.data, (unsigned)f->addr_a.len, a, sizeof(a)));
		out_u64(tab, f->port_a);
		out_str(tab, sa_addr_fmt(f->addr_b.data, (unsigned)f->addr_b.len, b, sizeof(b)));
		out_u64(tab, f->port_b);
		out_u64(tab, o ? o->packets : 0);
		out_u64(tab, o ? o->bytes : 0);
		out_u64(tab, in ? in->packets : 0);
		out_u64(tab, in ? in->bytes : 0);
		out_f64(tab, (double)(f->rtt_syn_synack_ns + f->rtt_synack_ack_ns) / 1e6, 3);
		out_str(tab, ends[f->end_reason <= 6 ? f->end_reason : 0]);
		out_u64(tab, o ? o->retransmissions : 0);
		out_u64(tab, in ? in->retransmissions : 0);
		out_u64(tab, o ? o->seq_gaps : 0);
		out_u64(tab, in ? in->seq_gaps : 0);
		out_u64(tab, o ? o->icmp_error : 0);
		out_u64(tab, in ? in->icmp_error : 0);
		out_str(tab, tunnel_text(f, tun, sizeof(tun)));
		out_str(tab, first_packets(f, false, sizes, sizeof(sizes)));
		out_str(tab, first_packets(f, true, gaps, sizeof(gaps)));
		out_str(tab, flag_counts(o, fl[0], sizeof(fl[0])));
		out_str(tab, flag_counts(in, fl[1], sizeof(fl[1])));
		out_str(tab, f->app ? f->app : "");
		out_str(tab, f->label ? f->label : "");
		out_str(tab, f->class_name ? f->class_name : "");
		out_f64(tab, f->has_class_prob ? f->class_prob : 0, 3);
	}
	out_table_print(tab, c->format, stdout);
	if (c->format == OUT_TABLE)
		printf("%zu of %llu matching flows\n", r->n_flows, (unsigned long long)r->total);
	out_table_destroy(&tab);
	sa__response__free_unpacked(r, NULL);
	return 0;
}

int cmd_summary(struct cli *c)
{
	return cli_print_summary(c, NULL);
}
