#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gen_model.h"

#define SVC(x) (1u << GEN_SVC_##x)
#define BG 0.12             /* machine background share of a weekday's flows */
#define WEEKEND_TOTAL 0.40  /* weekend day / weekday, background included */

const uint8_t gen_model_router_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

/* Server roles. net: 0 internal 10.2.0.0/24, 1 198.51.100.0/24, 2 203.0.113.0/24;
 * octet 0 = drawn from the seed. boost scales popularity. */
static const struct role {
	const char *name;
	uint16_t svc;
	uint8_t net, octet;
	double boost;
} roles[GEN_SERVERS] = {
	{ "ns1.corp.example.com", SVC(DNS), 0, 53, 6 },
	{ "ntp.corp.example.com", SVC(NTP) | SVC(ICMP), 0, 123, 3 },
	{ "mail.corp.example.com", SVC(SMTP), 0, 25, 1 },
	{ "intranet.corp.example.com", SVC(HTTP) | SVC(HTTPS) | SVC(ICMP), 0, 80, 3 },
	{ "git.corp.example.com", SVC(SSH) | SVC(HTTPS), 0, 22, 3 },
	{ "files.corp.example.com", SVC(HTTPS) | SVC(SSH), 0, 10, 1 },
	{ "resolver.example.net", SVC(DNS), 2, 53, 1 },
	{ "time.example.org", SVC(NTP) | SVC(ICMP), 1, 123, 1 },
	{ "cdn1.video.example.com", SVC(VIDEO), 2, 0, 1 },
	{ "cdn2.video.example.com", SVC(VIDEO), 1, 0, 1 },
	{ "cdn3.video.example.net", SVC(VIDEO), 2, 0, 1 },
	{ "bastion.example.org", SVC(SSH) | SVC(ICMP), 1, 0, 1 },
	{ "shell.example.net", SVC(SSH), 2, 0, 0.5 },
	{ "www.example.com", SVC(HTTPS) | SVC(HTTP) | SVC(ICMP), 1, 0, 2 },
	{ "api.example.net", SVC(HTTPS), 2, 0, 2 },
	{ "static.example.org", SVC(HTTPS) | SVC(HTTP), 1, 0, 1 },
	{ "shop.example.com", SVC(HTTPS), 2, 0, 1 },
	{ "news.example.net", SVC(HTTPS) | SVC(HTTP), 1, 0, 1 },
	{ "login.example.com", SVC(HTTPS), 2, 0, 1 },
	{ "maps.example.org", SVC(HTTPS), 1, 0, 1 },
	{ "social.example.com", SVC(HTTPS), 2, 0, 1 },
	{ "cloud.example.net", SVC(HTTPS), 1, 0, 1 },
	{ "updates.example.org", SVC(HTTPS) | SVC(HTTP), 2, 0, 1 },
	{ "docs.example.com", SVC(HTTPS), 1, 0, 1 },
	{ "search.example.net", SVC(HTTPS) | SVC(ICMP), 2, 0, 1 },
	{ "chat.example.org", SVC(HTTPS), 1, 0, 1 },
	{ "ads.example.com", SVC(HTTPS) | SVC(HTTP), 2, 0, 1 },
	{ "weather.example.net", SVC(HTTPS) | SVC(HTTP), 1, 0, 1 },
	{ "mirror.example.org", SVC(HTTP), 2, 0, 1 },
	{ "telemetry.example.com", SVC(HTTPS), 1, 0, 1 },
};

/* Flow mix by service: [0] human, [1] background. Human SMTP/SSH follow
 * office hours and video the evening (scaled in pick_svc). */
static const double svc_mix[2][GEN_SVC_COUNT] = {
	[0] = { [GEN_SVC_DNS] = 0.62, [GEN_SVC_NTP] = 0.004, [GEN_SVC_ICMP] = 0.008,
		[GEN_SVC_HTTPS] = 0.15, [GEN_SVC_HTTP] = 0.03, [GEN_SVC_SSH] = 0.0008,
		[GEN_SVC_SMTP] = 0.005, [GEN_SVC_VIDEO] = 0.00015 },
	[1] = { [GEN_SVC_DNS] = 0.45, [GEN_SVC_NTP] = 0.22, [GEN_SVC_ICMP] = 0.13,
		[GEN_SVC_HTTPS] = 0.20 },
};

static void set_v4(struct gen_addr *a, uint8_t a0, uint8_t a1, uint8_t a2, uint8_t a3)
{
	memset(a->ip, 0, sizeof(a->ip));
	a->ip[0] = a0;
	a->ip[1] = a1;
	a->ip[2] = a2;
	a->ip[3] = a3;
	a->v6 = 0;
}

/* 2001:db8:<sub>::<iid> */
static void set_v6(struct gen_addr *a, uint16_t sub, uint64_t iid)
{
	static const uint8_t pfx[4] = { 0x20, 0x01, 0x0d, 0xb8 };

	memset(a->ip, 0, sizeof(a->ip));
	memcpy(a->ip, pfx, 4);
	a->ip[4] = (uint8_t)(sub >> 8);
	a->ip[5] = (uint8_t)sub;
	for (int i = 0; i < 8; i++)
		a->ip[8 + i] = (uint8_t)(iid >> (56 - 8 * i));
	a->v6 = 1;
}

static double circ_gauss(double h, double mu, double sigma)
{
	double d = fabs(h - mu);

	if (d > 12)
		d = 24 - d;
	return exp(-0.5 * d * d / (sigma * sigma));
}

static void build_profile(struct gen_model *m)
{
	double sum = 0;

	for (int i = 0; i < 1440; i++) {
		double h = i / 60.0;
		/* morning peak, afternoon shoulder, evening peak; trough ~04:00 */
		m->human[i] = 0.03 + circ_gauss(h, 11, 2.0) + 0.35 * circ_gauss(h, 15.5, 2.0) +
			      0.85 * circ_gauss(h, 20.5, 2.2);
		sum += m->human[i];
	}
	m->human_max = 0;
	for (int i = 0; i < 1440; i++) {
		m->human[i] *= 1440 / sum;
		if (m->human[i] > m->human_max)
			m->human_max = m->human[i];
	}
	m->human[1440] = m->human[0];
}

static void build_cdf(double *cdf, const double *w, unsigned n)
{
	double acc = 0;

	for (unsigned i = 0; i < n; i++)
		cdf[i] = (acc += w[i]);
}

static void init_clients(struct gen_model *m, struct gen_rng *r)
{
	double w[GEN_CLIENTS];
	unsigned nv6 = 0;

	for (unsigned i = 0; i < GEN_CLIENTS; i++) {
		struct gen_host *c = &m->clients[i];
		uint16_t hostno;
		int dup;

		do { /* distinct 10.1.x.y, no .0/.255 octets */
			uint16_t hi = (uint16_t)gen_rng_range(r, 1, 254); /* one draw per statement */
			hostno = (uint16_t)(hi << 8 | gen_rng_range(r, 2, 254));
			dup = 0;
			for (unsigned j = 0; j < i && !dup; j++)
				dup = m->clients[j].a4.ip[2] == (hostno >> 8) &&
				      m->clients[j].a4.ip[3] == (hostno & 0xff);
		} while (dup);
		set_v4(&c->a4, 10, 1, (uint8_t)(hostno >> 8), (uint8_t)hostno);
		set_v6(&c->a6, 1, gen_rng_next(r) & 0xfdffffffffffffffULL); /* random IID, "u" bit clear */
		/* exactly a tenth IPv6-only, spread by draw: remaining quota / remaining hosts */
		c->v6 = gen_rng_below(r, GEN_CLIENTS - i) < GEN_CLIENTS / 10 - nv6;
		nv6 += c->v6;
		uint8_t mac[6] = { 0x02, 0x1a, (uint8_t)i, 0, 0, 0 };
		for (int k = 3; k < 6; k++)
			mac[k] = (uint8_t)gen_rng_below(r, 256);
		int windows = gen_rng_chance(r, 0.3);
		memcpy(c->a4.mac, mac, 6);
		memcpy(c->a6.mac, mac, 6);
		c->a4.ttl = c->a6.ttl = windows ? 128 : 64;
		c->port_lo = windows ? 49152 : 32768;
		c->port_hi = windows ? 65535 : 60999;
		c->port_next = (uint16_t)gen_rng_range(r, c->port_lo, c->port_hi);
		w[i] = gen_rng_lognormal(r, 1.0, 1.2, 0.02, 50); /* a few heavy users */
	}
	build_cdf(m->client_cdf, w, GEN_CLIENTS);
}

static void init_servers(struct gen_model *m, struct gen_rng *r)
{
	static const uint8_t nets[3][3] = { { 10, 2, 0 }, { 198, 51, 100 }, { 203, 0, 113 } };
	static const uint16_t v6sub[3] = { 2, 0x100, 0x113 };
	double w[GEN_SVC_COUNT][GEN_SERVERS], dw[GEN_SERVERS];

	memset(w, 0, sizeof(w));
	for (unsigned i = 0; i < GEN_SERVERS; i++) {
		const struct role *ro = &roles[i];
		struct gen_host *s = &m->servers[i];
		uint8_t octet = ro->octet;
		int dup;

		while (octet == 0) { /* distinct in its /24, clear of the fixed ones */
			octet = (uint8_t)gen_rng_range(r, 2, 254);
			dup = 0;
			for (unsigned j = 0; j < GEN_SERVERS && !dup; j++)
				dup = j != i && roles[j].net == ro->net &&
				      (roles[j].octet == octet ||
				       (j < i && m->servers[j].a4.ip[3] == octet));
			if (dup)
				octet = 0;
		}
		set_v4(&s->a4, nets[ro->net][0], nets[ro->net][1], nets[ro->net][2], octet);
		set_v6(&s->a6, v6sub[ro->net], octet);
		/* internal servers share the clients' switched network; the rest is routed */
		const uint8_t own_mac[6] = { 0x02, 0x20, 0, 0, 0, octet };
		memcpy(s->a4.mac, ro->net == 0 ? own_mac : gen_model_router_mac, 6);
		memcpy(s->a6.mac, ro->net == 0 ? own_mac : gen_model_router_mac, 6);
		snprintf(s->name, sizeof(s->name), "%s", ro->name);
		s->svc_mask = ro->svc;
		s->internal = ro->net == 0;
		if (s->internal) {
			s->a4.ttl = s->a6.ttl = 64; /* seen before any router hop */
			s->rtt_ns = (uint32_t)(gen_rng_range(r, 1000, 3000) * 1000u);
			s->mbps = gen_rng_range(r, 400, 940);
		} else {
			static const uint8_t init_ttl[4] = { 64, 64, 128, 255 };
			uint8_t ttl = init_ttl[gen_rng_below(r, 4)];
			s->a4.ttl = s->a6.ttl = (uint8_t)(ttl - gen_rng_range(r, 8, 20));
			s->rtt_ns = (uint32_t)(gen_rng_lognormal(r, 30, 0.7, 8, 150) * 1e6);
			s->mbps = (uint32_t)gen_rng_lognormal(r, 60, 0.8, 10, 400);
			if (ro->svc & SVC(VIDEO))
				s->mbps = gen_rng_range(r, 150, 500); /* CDNs sit close and fat */
		}
		double pop = gen_rng_lognormal(r, 1.0, 1.0, 0.05, 20) * ro->boost;
		for (int k = 0; k < GEN_SVC_COUNT; k++)
			if (ro->svc & (1u << k))
				w[k][i] = pop;
		dw[i] = ro->svc & (SVC(DNS) | SVC(NTP)) ? 0 : pop;
	}
	for (int k = 0; k < GEN_SVC_COUNT; k++)
		build_cdf(m->server_cdf[k], w[k], GEN_SERVERS);
	build_cdf(m->dns_cdf, dw, GEN_SERVERS);
}

void gen_model_init(struct gen_model *m, struct gen_rng *r, uint64_t start_ns,
		    unsigned days, double flows_per_day)
{
	memset(m, 0, sizeof(*m));
	m->start_ns = start_ns;
	m->end_ns = start_ns + (uint64_t)days * 86400 * GEN_NS_PER_S;
	m->days = days;
	m->fpd = flows_per_day;
	build_profile(m);
	init_clients(m, r);
	init_servers(m, r);
	double trend_max = 1 + 0.5 * fmin(0.01 * days, 0.5);
	m->rate_max = flows_per_day / 86400 * (BG + (1 - BG) * m->human_max) * trend_max;
}

static unsigned pick_cdf(struct gen_rng *r, const double *cdf, unsigned n)
{
	double x = gen_rng_u01(r) * cdf[n - 1];
	unsigned lo = 0, hi = n - 1;

	while (lo < hi) { /* first entry with cdf > x; zero weights are never picked */
		unsigned mid = (lo + hi) / 2;
		if (cdf[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

struct gen_host *gen_model_pick(struct gen_model *m, struct gen_rng *r, const double *cdf)
{
	return &m->servers[pick_cdf(r, cdf, GEN_SERVERS)];
}

const struct gen_addr *gen_model_addr(const struct gen_host *h, int v6)
{
	return v6 ? &h->a6 : &h->a4;
}

uint16_t gen_model_port(struct gen_rng *r, struct gen_host *c)
{
	/* Linux hands out ports in small strides from a per-destination offset;
	 * strides keep 5-tuples unique over weeks for all but the busiest host. */
	uint32_t p = c->port_next + gen_rng_range(r, 1, 8);

	if (p > c->port_hi)
		p = c->port_lo + (p - c->port_hi - 1);
	c->port_next = (uint16_t)p;
	return (uint16_t)p;
}

static enum gen_svc pick_svc(struct gen_rng *r, int human, double hour, int weekend)
{
	double w[GEN_SVC_COUNT], cdf[GEN_SVC_COUNT];

	memcpy(w, svc_mix[!human], sizeof(w));
	if (human) {
		double office = hour >= 8 && hour < 18 ? 1.8 : 0.3;
		w[GEN_SVC_SMTP] *= office * (weekend ? 0.3 : 1);
		w[GEN_SVC_SSH] *= office * (weekend ? 0.3 : 1);
		w[GEN_SVC_VIDEO] *= hour >= 18 ? 2.5 : hour < 1 ? 1.5 : 0.4;
	}
	build_cdf(cdf, w, GEN_SVC_COUNT);
	return (enum gen_svc)pick_cdf(r, cdf, GEN_SVC_COUNT);
}

/* rate(t) of the header comment and the parts the arrival draw needs.
 * rate and h_rate are in units of fpd/86400 flows/s because the thinning
 * test works in them: scaling first would round differently and change the
 * pcap a seed names. */
struct rate_parts {
	double rate;   /* (BG + h_rate) * trend */
	double h_rate; /* human part, before the trend */
	double sod;    /* second of the UTC day */
	int weekend;
};

/* t: seconds into the run, 0 <= t <= the run's length. */
static void rate_at(const struct gen_model *m, double t, struct rate_parts *p)
{
	double slope = fmin(0.01, 0.5 / m->days); /* keeps trend >= 0.75 on long runs */
	uint64_t abs_s = m->start_ns / GEN_NS_PER_S + (uint64_t)t;
	double sod = fmod((double)(m->start_ns % (86400 * GEN_NS_PER_S)) / 1e9 + t, 86400);
	double minute = sod / 60;
	int mi = (int)minute;
	double human = m->human[mi] + (m->human[mi + 1] - m->human[mi]) * (minute - mi);
	unsigned dow = (unsigned)((abs_s / 86400 + 4) % 7); /* 1970-01-01 was a Thursday */
	int weekend = dow == 0 || dow == 6;
	double wk = weekend ? (WEEKEND_TOTAL - BG) / (1 - BG) : 1;
	double trend = 1 + slope * (t / 86400 - m->days / 2.0);

	p->h_rate = (1 - BG) * human * wk;
	p->rate = (BG + p->h_rate) * trend;
	p->sod = sod;
	p->weekend = weekend;
}

double gen_model_rate(const struct gen_model *m, uint64_t t_ns)
{
	struct rate_parts p;

	assert(t_ns >= m->start_ns && t_ns <= m->end_ns);
	rate_at(m, (double)(t_ns - m->start_ns) / 1e9, &p);
	return m->fpd / 86400 * p.rate;
}

int gen_model_next_flow(struct gen_model *m, struct gen_rng *r, uint64_t after_ns,
			struct gen_flow_spec *out)
{
	double t = (double)(after_ns - m->start_ns) / 1e9; /* seconds into the run */
	double span = (double)(m->end_ns - m->start_ns) / 1e9;
	struct rate_parts p;

	for (;;) {
		t += gen_rng_exp(r, 1.0 / m->rate_max);
		if (t >= span)
			return -1;
		rate_at(m, t, &p);
		if (gen_rng_u01(r) * (m->rate_max * 86400 / m->fpd) >= p.rate)
			continue; /* thinning: keep with probability rate(t) / rate_max */
		out->t_ns = m->start_ns + (uint64_t)(t * 1e9);
		out->human = gen_rng_u01(r) * (BG + p.h_rate) < p.h_rate;
		out->svc = pick_svc(r, out->human, p.sod / 3600, p.weekend);
		if (out->human)
			out->client = &m->clients[pick_cdf(r, m->client_cdf, GEN_CLIENTS)];
		else
			out->client = &m->clients[gen_rng_below(r, GEN_CLIENTS)];
		out->server = gen_model_pick(m, r, m->server_cdf[out->svc]);
		return 0;
	}
}

unsigned gen_model_hosts_seen(const struct gen_model *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < GEN_CLIENTS; i++)
		n += m->clients[i].seen[0] + m->clients[i].seen[1];
	for (unsigned i = 0; i < GEN_SERVERS; i++)
		n += m->servers[i].seen[0] + m->servers[i].seen[1];
	return n;
}

unsigned gen_model_services_seen(const struct gen_model *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < GEN_SERVERS; i++)
		for (int f = 0; f < 2; f++) {
			unsigned u = m->servers[i].svc_used[f];
			/* HTTPS and VIDEO share 443/tcp; ICMP echo is not a service */
			if (u & (SVC(HTTPS) | SVC(VIDEO)))
				n++;
			n += (unsigned)__builtin_popcount(u & ~(SVC(HTTPS) | SVC(VIDEO) | SVC(ICMP)));
		}
	return n;
}
