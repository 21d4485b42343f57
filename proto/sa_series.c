/* Series specs (see sa_series.h). */
#include "sa_series.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Copies [s, end) into out (size cap); 0 or -1 when empty or too long. */
static int take(const char *s, const char *end, char *out, size_t cap)
{
	size_t n = (size_t)(end - s);
	if (n == 0 || n >= cap)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static int parse_u32(const char *s, const char *end, uint32_t max, uint32_t *out)
{
	char buf[16], *e;
	if (take(s, end, buf, sizeof(buf)) != 0 || buf[0] < '0' || buf[0] > '9')
		return -1;
	unsigned long v = strtoul(buf, &e, 10);
	if (*e != '\0' || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int fail(const char **why, const char *reason)
{
	*why = reason;
	return -EINVAL;
}

int sa_series_parse(const char *spec, struct sa_series *out, const char **why)
{
	if (spec == NULL || strlen(spec) >= SA_SERIES_MAX)
		return fail(why, "series spec missing or longer than 95 characters");
	memset(out, 0, sizeof(*out));
	const char *end = spec + strlen(spec);
	const char *colon = strchr(spec, ':');
	const char *head_end = colon ? colon : end;
	const char *at = memchr(spec, '@', (size_t)(head_end - spec));
	const char *metric_end = at ? at : head_end;
	const char *slash = memchr(spec, '/', (size_t)(metric_end - spec));

	if (take(spec, slash ? slash : metric_end, out->metric, sizeof(out->metric)) != 0)
		return fail(why, "series spec wants a metric first, e.g. bytes");
	for (const char *c = out->metric; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
			return fail(why, "a metric is lower-case letters, digits and _");
	if (slash && take(slash + 1, metric_end, out->proto, sizeof(out->proto)) != 0)
		return fail(why, "empty or overlong protocol after /");
	if (at && (parse_u32(at + 1, head_end, UINT32_MAX, &out->node) != 0 || out->node == 0))
		return fail(why, "@ wants a node id from 1");
	if (!colon)
		return 0;
	uint32_t port;
	char addr[64];
	if (strncmp(colon, ":port=", 6) == 0) {
		if (parse_u32(colon + 6, end, 65535, &port) != 0)
			return fail(why, ":port= wants a port number 0..65535");
		out->has_port = 1;
		out->port = (uint16_t)port;
	} else if (strncmp(colon, ":ip=", 4) == 0) {
		if (take(colon + 4, end, addr, sizeof(addr)) != 0)
			return fail(why, ":ip= wants an address");
		if (inet_pton(AF_INET, addr, out->ip) == 1)
			out->ip_len = 4;
		else if (inet_pton(AF_INET6, addr, out->ip) == 1)
			out->ip_len = 16;
		else
			return fail(why, ":ip= wants an IPv4 or IPv6 address");
	} else {
		return fail(why, "after : comes port=P or ip=ADDR");
	}
	if (out->proto[0])
		return fail(why, "a port's or address's series counts every protocol: drop the /PROTO");
	return 0;
}

void sa_series_query(const struct sa_series *s, Sa__Query *q)
{
	q->has_kind = 1;
	q->kind = SA__QUERY_KIND__Q_SERIES;
	q->metric = (char *)s->metric;
	q->proto = s->proto[0] ? (char *)s->proto : NULL;
	q->has_node_id = 1;
	q->node_id = s->node;
	if (s->has_port || s->ip_len) {
		q->has_dims = 1;
		q->dims = s->has_port ? 1u << SA__TOP_DIM__TOP_SRC_PORT | 1u << SA__TOP_DIM__TOP_DST_PORT :
					1u << SA__TOP_DIM__TOP_SRC_IP | 1u << SA__TOP_DIM__TOP_DST_IP;
		q->has_port = s->has_port;
		q->port = s->port;
		q->has_ip = s->ip_len != 0;
		q->ip.len = s->ip_len;
		q->ip.data = (uint8_t *)s->ip;
	}
}
