/* The summary report: what `sa summary` prints and `sa analyze` ends with.
 * JSON keys are part of the interface (tests compare them with tshark). */
#include <json-c/json.h>
#include <string.h>

#include "cli.h"
#include "sa_counter.h"
#include "sa_flowkey.h"
#include "sa_hist.h"
#include "sa_time.h"

#define TOP_N 10

struct report {
	Sa__Response *sum, *top_src, *top_dport, *size, *iat, *rtt;
};

static Sa__Response *ask(struct cli *c, Sa__QueryKind kind, uint32_t dim, const char *hist)
{
	Sa__Query q;

	cli_query_init(c, &q, kind);
	q.has_dimension = q.has_limit = 1;
	q.dimension = dim;
	q.limit = TOP_N;
	q.metric = "bytes";
	q.hist = (char *)hist;
	return cli_call(c, &q);
}

static uint64_t counter(const Sa__Response *r, int idx)
{
	return (size_t)idx < r->n_counters ? r->counters[idx] : 0;
}

static json_object *top_json(const Sa__Response *r, const char *key)
{
	json_object *arr = json_object_new_array();
	char buf[64];

	for (size_t i = 0; i < r->n_top; i++) {
		json_object *o = json_object_new_object();
		const ProtobufCBinaryData *k = &r->top[i]->key;
		if (k->len == 2)
			json_object_object_add(o, key, json_object_new_int(k->data[0] << 8 | k->data[1]));
		else
			json_object_object_add(o, key, json_object_new_string(
				sa_addr_fmt(k->data, (unsigned)k->len, buf, sizeof(buf))));
		json_object_object_add(o, "bytes", json_object_new_uint64(r->top[i]->count));
		json_object_object_add(o, "max_error", json_object_new_uint64(r->top[i]->error));
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *hist_json(const Sa__Response *r)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < r->n_hist; i++)
		json_object_array_add(arr, json_object_new_uint64(r->hist[i]));
	return arr;
}

static void print_json(const struct report *rp, const char *input_error)
{
	json_object *o = json_object_new_object();
	const Sa__Response *s = rp->sum;

	for (unsigned i = 0; i < SA_C_COUNT; i++)
		json_object_object_add(o, sa_counter_name(i), json_object_new_uint64(counter(s, (int)i)));
	json_object_object_add(o, "tcp_conversations", json_object_new_uint64(s->tcp_conversations));
	json_object_object_add(o, "udp_conversations", json_object_new_uint64(s->udp_conversations));
	/* Seconds since the epoch with microseconds, like tshark's frame.time_epoch. */
	json_object_object_add(o, "first_ts", json_object_new_double((double)s->first_ns / 1e9));
	json_object_object_add(o, "last_ts", json_object_new_double((double)s->last_ns / 1e9));
	json_object_object_add(o, "top_src_ip_by_bytes", top_json(rp->top_src, "ip"));
	json_object_object_add(o, "top_dst_port_by_bytes", top_json(rp->top_dport, "port"));
	json_object_object_add(o, "size_hist", hist_json(rp->size));
	json_object_object_add(o, "iat_hist", hist_json(rp->iat));
	json_object_object_add(o, "rtt_hist", hist_json(rp->rtt));
	json_object_object_add(o, "input_error", input_error ? json_object_new_string(input_error) : NULL);
	json_object_set_serializer(json_object_object_get(o, "first_ts"), json_object_double_to_json_string,
				   (void *)"%.6f", NULL);
	json_object_set_serializer(json_object_object_get(o, "last_ts"), json_object_double_to_json_string,
				   (void *)"%.6f", NULL);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void print_hist(const char *title, const Sa__Response *r, int is_size)
{
	uint64_t total = 0, max = 0;
	char label[32];

	for (size_t i = 0; i < r->n_hist; i++) {
		total += r->hist[i];
		max = r->hist[i] > max ? r->hist[i] : max;
	}
	printf("\n%s\n", title);
	if (total == 0) {
		printf("  (none)\n");
		return;
	}
	double p50 = sa_hist_quantile(r->hist, (unsigned)r->n_hist, 0.5, is_size ? sa_size_lower_d : sa_time_lower_d);
	double p95 = sa_hist_quantile(r->hist, (unsigned)r->n_hist, 0.95, is_size ? sa_size_lower_d : sa_time_lower_d);
	for (size_t i = 0; i < r->n_hist; i++) {
		if (r->hist[i] == 0)
			continue;
		if (is_size)
			sa_size_label((unsigned)i, label, sizeof(label));
		else
			sa_time_label((unsigned)i, label, sizeof(label));
		int bar = (int)(40 * r->hist[i] / max);
		printf("  %-14s %12llu %5.1f%% %.*s\n", label, (unsigned long long)r->hist[i],
		       100.0 * (double)r->hist[i] / (double)total, bar, "########################################");
	}
	if (is_size)
		printf("  median ~%.0f bytes, p95 ~%.0f bytes\n", p50, p95);
	else
		printf("  median ~%.3f ms, p95 ~%.3f ms\n", p50 / 1e6, p95 / 1e6);
}

static void print_table(const struct report *rp, const char *input_error)
{
	const Sa__Response *s = rp->sum;
	char a[40], b[40], h[32];
	uint64_t pk = counter(s, SA_C_PACKETS), by = counter(s, SA_C_BYTES);
	double span = (double)(s->last_ns - s->first_ns) / 1e9;

	printf("Capture summary\n");
	printf("  time       %s .. %s (%.1f s)\n", sa_time_fmt(s->first_ns, a, sizeof(a)),
	       sa_time_fmt(s->last_ns, b, sizeof(b)), span);
	printf("  packets    %llu   bytes %llu (%s)\n", (unsigned long long)pk, (unsigned long long)by,
	       out_human((double)by, "B", h, sizeof(h)));
	if (span > 0)
		printf("  average    %.1f packets/s, %s\n", (double)pk / span,
		       out_human(8.0 * (double)by / span, "bit/s", h, sizeof(h)));
	printf("  IPv4 %llu  IPv6 %llu  non-IP %llu | TCP %llu  UDP %llu  ICMP %llu  other %llu | fragments %llu\n",
	       (unsigned long long)counter(s, SA_C_IPV4_PACKETS), (unsigned long long)counter(s, SA_C_IPV6_PACKETS),
	       (unsigned long long)counter(s, SA_C_NONIP_PACKETS), (unsigned long long)counter(s, SA_C_TCP_PACKETS),
	       (unsigned long long)counter(s, SA_C_UDP_PACKETS), (unsigned long long)counter(s, SA_C_ICMP_PACKETS),
	       (unsigned long long)counter(s, SA_C_OTHER_L4_PACKETS), (unsigned long long)counter(s, SA_C_FRAGMENTS));
	printf("  flows      %llu  (TCP conversations %llu, UDP %llu)  SYN %llu FIN %llu RST %llu\n",
	       (unsigned long long)counter(s, SA_C_FLOWS_NEW), (unsigned long long)s->tcp_conversations,
	       (unsigned long long)s->udp_conversations, (unsigned long long)counter(s, SA_C_TCP_SYN),
	       (unsigned long long)counter(s, SA_C_TCP_FIN), (unsigned long long)counter(s, SA_C_TCP_RST));
	printf("  problems   parse errors %llu (link %llu, L3 cut %llu, L3 bad %llu, L4 cut %llu, L4 bad %llu)"
	       ", table evictions %llu, ring full %llu\n",
	       (unsigned long long)counter(s, SA_C_PARSE_ERRORS), (unsigned long long)counter(s, SA_C_ERR_TRUNC_L2),
	       (unsigned long long)counter(s, SA_C_ERR_TRUNC_L3), (unsigned long long)counter(s, SA_C_ERR_BAD_L3),
	       (unsigned long long)counter(s, SA_C_ERR_TRUNC_L4), (unsigned long long)counter(s, SA_C_ERR_BAD_L4),
	       (unsigned long long)counter(s, SA_C_FLOW_EVICTIONS), (unsigned long long)counter(s, SA_C_RING_FULL));
	if (input_error)
		printf("  input      cut short: %s\n", input_error);
	printf("\nTop sources by bytes\n");
	for (size_t i = 0; i < rp->top_src->n_top; i++) {
		const Sa__TopEntry *e = rp->top_src->top[i];
		printf("  %-40s %14llu %5.1f%%\n", sa_addr_fmt(e->key.data, (unsigned)e->key.len, a, sizeof(a)),
		       (unsigned long long)e->count, by ? 100.0 * (double)e->count / (double)by : 0);
	}
	if (counter(s, SA_C_TALKER_OVERFLOWS))
		printf("  (estimates: %llu times an address found its second's talker table full;\n"
		       "   sa-capture --talkers sets its size)\n",
		       (unsigned long long)counter(s, SA_C_TALKER_OVERFLOWS));
	printf("\nTop destination ports by bytes\n");
	for (size_t i = 0; i < rp->top_dport->n_top; i++) {
		const Sa__TopEntry *e = rp->top_dport->top[i];
		printf("  %-8u %14llu %5.1f%%\n", (unsigned)(e->key.data[0] << 8 | e->key.data[1]),
		       (unsigned long long)e->count, by ? 100.0 * (double)e->count / (double)by : 0);
	}
	print_hist("Packet sizes (bytes on the wire)", rp->size, 1);
	print_hist("Packet inter-arrival times", rp->iat, 0);
	print_hist("TCP handshake RTT (SYN -> SYN/ACK -> ACK, as seen from the tap)", rp->rtt, 0);
}

int cli_print_summary(struct cli *c, const char *input_error)
{
	struct report rp = {0};
	int rc = 1;

	rp.sum = ask(c, SA__QUERY_KIND__Q_SUMMARY, 0, NULL);
	if (rp.sum == NULL)
		goto out;
	rp.top_src = ask(c, SA__QUERY_KIND__Q_TOP, SA__TOP_DIM__TOP_SRC_IP, NULL);
	rp.top_dport = ask(c, SA__QUERY_KIND__Q_TOP, SA__TOP_DIM__TOP_DST_PORT, NULL);
	rp.size = ask(c, SA__QUERY_KIND__Q_HIST, 0, "size");
	rp.iat = ask(c, SA__QUERY_KIND__Q_HIST, 0, "iat");
	rp.rtt = ask(c, SA__QUERY_KIND__Q_HIST, 0, "rtt");
	if (!rp.top_src || !rp.top_dport || !rp.size || !rp.iat || !rp.rtt)
		goto out;
	if (c->format == OUT_JSON)
		print_json(&rp, input_error);
	else
		print_table(&rp, input_error);
	rc = 0;
out:
	for (Sa__Response **p = &rp.sum; p <= &rp.rtt; p++)
		if (*p)
			sa__response__free_unpacked(*p, NULL);
	return rc;
}
