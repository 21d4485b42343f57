/* Label rules for sa-gen --labels; see gen_labels.h for the format.
 *
 * Times are written as the pcap stores them: microseconds, truncated from
 * the generator's nanoseconds. A rule's "from" must equal the timestamp a
 * reader sees on the conversation's first packet, or a flow starting at
 * 12.3456789 s would fall before a rule starting there. */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "gen_labels.h"

#define NS_PER_US 1000ULL
#define US_PER_S 1000000ULL
#define END_SLACK_US US_PER_S /* rule ends 1 s after the last packet: see --help */
#define COPY_BUF 65536

/* Indexed by enum gen_svc; the label's name in the rules and the JSON. */
static const char *const svc_label[GEN_SVC_COUNT] = {
	[GEN_SVC_DNS] = "dns",     [GEN_SVC_NTP] = "ntp",     [GEN_SVC_ICMP] = "icmp_echo",
	[GEN_SVC_HTTPS] = "https", [GEN_SVC_HTTP] = "http",   [GEN_SVC_SSH] = "ssh",
	[GEN_SVC_SMTP] = "smtp",   [GEN_SVC_VIDEO] = "video",
};

static const char *const anomaly_label[] = { "none", "synflood", "portscan" };

struct gen_labels {
	FILE *out, *body;
	char *path, *generator, *options;
	uint64_t rules[GEN_SVC_COUNT];
	enum gen_anomaly anomaly;
	char scanner[INET6_ADDRSTRLEN], target[INET6_ADDRSTRLEN];
	uint64_t a_start_ns, a_end_ns;
	uint64_t probes;
};

static void addr_fmt(const struct gen_addr *a, char *buf)
{
	inet_ntop(a->v6 ? AF_INET6 : AF_INET, a->ip, buf, INET6_ADDRSTRLEN);
}

/* microseconds -> "seconds.microseconds" */
static void time_fmt(char *buf, size_t len, uint64_t us)
{
	snprintf(buf, len, "%" PRIu64 ".%06" PRIu64, (uint64_t)(us / US_PER_S),
		 (uint64_t)(us % US_PER_S));
}

struct gen_labels *gen_labels_new(const char *path, const char *generator, const char *options)
{
	struct gen_labels *l = calloc(1, sizeof(*l));

	if (l == NULL)
		goto nomem;
	l->path = strdup(path);
	l->generator = strdup(generator);
	l->options = strdup(options);
	if (l->path == NULL || l->generator == NULL || l->options == NULL)
		goto nomem;
	l->out = fopen(path, "w");
	if (l->out == NULL) {
		fprintf(stderr, "sa-gen: %s: %s\n", path, strerror(errno));
		goto fail;
	}
	l->body = tmpfile();
	if (l->body == NULL) {
		fprintf(stderr, "sa-gen: %s: no temporary file for the rules: %s\n", path,
			strerror(errno));
		goto fail;
	}
	return l;
nomem:
	fprintf(stderr, "sa-gen: out of memory for the label writer\n");
fail:
	gen_labels_destroy(&l);
	return NULL;
}

void gen_labels_destroy(struct gen_labels **lp)
{
	struct gen_labels *l = *lp;

	if (l == NULL)
		return;
	if (l->out != NULL)
		fclose(l->out);
	if (l->body != NULL)
		fclose(l->body);
	free(l->path);
	free(l->generator);
	free(l->options);
	free(l);
	*lp = NULL;
}

void gen_labels_anomaly(struct gen_labels *l, enum gen_anomaly kind,
			const struct gen_addr *scanner, const struct gen_addr *target,
			uint64_t start_ns, uint64_t end_ns)
{
	assert(l->anomaly == GEN_ANOMALY_NONE && kind != GEN_ANOMALY_NONE);
	assert((kind == GEN_ANOMALY_PORTSCAN) == (scanner != NULL));
	l->anomaly = kind;
	if (scanner != NULL)
		addr_fmt(scanner, l->scanner);
	addr_fmt(target, l->target);
	l->a_start_ns = start_ns;
	l->a_end_ns = end_ns;
}

/* One exact rule: `src` sent the flow's first packet. */
static void put_rule(struct gen_labels *l, enum gen_svc svc, const struct gen_addr *src,
		     unsigned sport, const struct gen_addr *dst, unsigned dport, unsigned proto,
		     const char *from, const char *to)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], p[8];

	addr_fmt(src, s);
	addr_fmt(dst, d);
	if (proto == 6 || proto == 17 || proto == 1)
		snprintf(p, sizeof(p), "%s", proto == 6 ? "tcp" : proto == 17 ? "udp" : "icmp");
	else
		snprintf(p, sizeof(p), "%u", proto); /* ICMPv6: "icmp" could be read as 1 only */
	fprintf(l->body, "%s src %s sport %u dst %s dport %u proto %s from %s to %s\n",
		svc_label[svc], s, sport, d, dport, p, from, to);
	l->rules[svc]++;
}

void gen_labels_flow(struct gen_labels *l, const struct gen_flow *f)
{
	struct gen_flow_info fi;
	char from[32], to[32];

	gen_flow_info(f, &fi);
	if (fi.anomaly != GEN_ANOMALY_NONE) {
		assert(fi.anomaly == l->anomaly);
		l->probes += fi.probes;
		return;
	}
	if (fi.packets[0] + fi.packets[1] == 0)
		return; /* started just before the end of the capture: not in the pcap */
	time_fmt(from, sizeof(from), fi.first_ns / NS_PER_US);
	time_fmt(to, sizeof(to), fi.last_ns / NS_PER_US + END_SLACK_US);
	if (fi.svc != GEN_SVC_ICMP) {
		put_rule(l, fi.svc, fi.cli, fi.cport, fi.srv, fi.sport, fi.proto, from, to);
		return;
	}
	/* echo request type 8 / 128, reply 0 / 129, code 0: the capture node's
	 * "source port"; ICMP has no destination port there */
	unsigned req = fi.proto == 58 ? 128u << 8 : 8u << 8, rep = fi.proto == 58 ? 129u << 8 : 0;
	if (fi.packets[0])
		put_rule(l, fi.svc, fi.cli, req, fi.srv, 0, fi.proto, from, to);
	if (fi.packets[1])
		put_rule(l, fi.svc, fi.srv, rep, fi.cli, 0, fi.proto, from, to);
}

static void put_header(struct gen_labels *l)
{
	FILE *o = l->out;

	fprintf(o, "# sa-gen label rules, format %d; generator %s\n", GEN_LABELS_FORMAT,
		l->generator);
	fprintf(o, "# options: %s\n", l->options);
	fputs("# one rule per line, '#' comments, first match wins\n"
	      "# LABEL [src CIDR] [dst CIDR] [host CIDR] [sport P[-Q]] [dport P[-Q]] [port P[-Q]]"
	      " [proto tcp|udp|icmp|N] [from TIME] [to TIME]\n"
	      "# src/dst: the flow's initiator/responder; a flow matches when its first packet\n"
	      "# (either direction) is in [from, to); times are the pcap's, epoch seconds.\n"
	      "# The anomaly comes first, as a CIDR rule over the attack's seconds. Then one\n"
	      "# exact rule per normal conversation, from its first packet to its last + 1 s:\n"
	      "# a flow record split by an active timeout still starts inside it.\n"
	      "# ICMP echo: one rule per direction seen, requests and replies being separate\n"
	      "# flows to the capture node, whose ICMP source port is type << 8 | code\n"
	      "# (requests 2048, replies 0; ICMPv6, proto 58: 32768 and 33024), dport 0.\n",
	      o);
	fputs("# rules per label:", o);
	if (l->anomaly != GEN_ANOMALY_NONE)
		fprintf(o, " %s 1,", anomaly_label[l->anomaly]);
	for (int i = 0; i < GEN_SVC_COUNT; i++)
		fprintf(o, " %s %" PRIu64 "%s", svc_label[i], l->rules[i],
			i + 1 < GEN_SVC_COUNT ? "," : "\n");
	if (l->anomaly != GEN_ANOMALY_NONE)
		fprintf(o, "# %s: the one rule covers %" PRIu64 " flows (one per SYN sent)\n",
			anomaly_label[l->anomaly], l->probes);
}

static void put_anomaly(struct gen_labels *l)
{
	char from[32], to[32];

	if (l->anomaly == GEN_ANOMALY_NONE)
		return;
	time_fmt(from, sizeof(from), l->a_start_ns / NS_PER_US);
	/* rounded up: a last SYN in the end's microsecond is still before it */
	time_fmt(to, sizeof(to), (l->a_end_ns + NS_PER_US - 1) / NS_PER_US);
	if (l->anomaly == GEN_ANOMALY_SYNFLOOD)
		fprintf(l->out, "synflood src 198.18.0.0/15 dst %s/32 dport 80 proto tcp from %s to %s\n",
			l->target, from, to);
	else
		fprintf(l->out, "portscan src %s/32 dst %s/32 proto tcp from %s to %s\n", l->scanner,
			l->target, from, to);
}

int gen_labels_finish(struct gen_labels *l)
{
	static char buf[COPY_BUF];
	size_t n;

	if (fflush(l->body) != 0 || ferror(l->body)) {
		fprintf(stderr, "sa-gen: %s: temporary file: write failed: %s\n", l->path,
			strerror(errno));
		return -EIO;
	}
	rewind(l->body);
	put_header(l);
	put_anomaly(l);
	while ((n = fread(buf, 1, sizeof(buf), l->body)) > 0)
		fwrite(buf, 1, n, l->out);
	int rerr = ferror(l->body), werr = ferror(l->out);
	int cerr = fclose(l->out);
	l->out = NULL;
	if (rerr || werr || cerr != 0) {
		fprintf(stderr, "sa-gen: %s: write failed: %s\n", l->path, strerror(errno));
		return -EIO;
	}
	return 0;
}

void gen_labels_json(const struct gen_labels *l, FILE *to)
{
	fputc('{', to);
	for (int i = 0; i < GEN_SVC_COUNT; i++)
		fprintf(to, "%s\"%s\":%" PRIu64, i ? "," : "", svc_label[i], l->rules[i]);
	if (l->anomaly != GEN_ANOMALY_NONE)
		fprintf(to, ",\"%s\":%" PRIu64, anomaly_label[l->anomaly], l->probes);
	fputc('}', to);
}
