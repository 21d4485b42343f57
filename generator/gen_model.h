/* Traffic model for sa-gen: who talks to whom, with what, and when.
 *
 * The topology is fixed in shape and randomised in detail by the seed:
 * GEN_CLIENTS hosts in 10.1.0.0/16 (a tenth IPv6-only, 2001:db8:1::/64)
 * and GEN_SERVERS servers, a few internal (10.2.0.0/24, 2001:db8:2::/64),
 * the rest in the documentation ranges 198.51.100.0/24 and 203.0.113.0/24
 * (IPv6 2001:db8:100::/64 and 2001:db8:113::/64). The capture point is the
 * clients' uplink: client frames carry the client's MAC, every server is
 * behind the router's MAC, and server RTTs are measured from there.
 *
 * Flow arrivals are a non-homogeneous Poisson process sampled by thinning:
 * rate(t) = fpd/86400 * (BG + (1-BG) * human(minute of day) * weekday(t))
 *           * trend(t).
 * BG is a flat machine background (NTP, DNS, pings, small API polls); the
 * human part peaks near 11:00 and 20:00 UTC, bottoms out near 04:00, and on
 * weekends is scaled so the total is 40% of a weekday. trend(t) rises 1% a
 * day and averages 1 over the run, so fpd is the mean weekday flow count. */
#ifndef GEN_MODEL_H
#define GEN_MODEL_H

#include <stdint.h>

#include "gen_pkt.h"
#include "gen_rng.h"

#define GEN_CLIENTS 200
#define GEN_SERVERS 30
#define GEN_NS_PER_S 1000000000ULL

enum gen_svc {
	GEN_SVC_DNS,
	GEN_SVC_NTP,
	GEN_SVC_ICMP,
	GEN_SVC_HTTPS,
	GEN_SVC_HTTP,
	GEN_SVC_SSH,
	GEN_SVC_SMTP,
	GEN_SVC_VIDEO, /* bulk download on 443/tcp */
	GEN_SVC_COUNT
};

struct gen_host {
	struct gen_addr a4, a6; /* clients use only one: see v6 */
	char name[32];          /* DNS name, servers only */
	uint32_t rtt_ns;        /* base RTT from the capture point */
	uint32_t mbps;          /* bottleneck toward the clients */
	uint16_t svc_mask;      /* servers: 1 << enum gen_svc offered */
	uint16_t port_next;     /* clients: ephemeral port allocator */
	uint16_t port_lo, port_hi;
	uint8_t v6;             /* clients: IPv6-only host */
	uint8_t internal;
	uint8_t seen[2];        /* [v6]: the address appeared in normal traffic */
	uint16_t svc_used[2];   /* servers, [v6]: services that carried a flow */
};

struct gen_model {
	struct gen_host clients[GEN_CLIENTS];
	struct gen_host servers[GEN_SERVERS];
	double client_cdf[GEN_CLIENTS];
	double server_cdf[GEN_SVC_COUNT][GEN_SERVERS];
	double dns_cdf[GEN_SERVERS]; /* which names get looked up */
	double human[1441];          /* per minute of day, mean 1, [1440] wraps */
	double human_max;
	uint64_t start_ns, end_ns;
	double fpd;
	double rate_max; /* upper bound of rate(t) in flows/s for thinning */
	unsigned days;
};

/* One new conversation drawn by gen_model_next_flow. */
struct gen_flow_spec {
	uint64_t t_ns;
	struct gen_host *client, *server;
	enum gen_svc svc;
	int human; /* 0: machine background */
};

/* MAC of the router that every off-site host is seen behind. */
extern const uint8_t gen_model_router_mac[6];

/* Builds the topology and rate tables; consumes rng. */
void gen_model_init(struct gen_model *m, struct gen_rng *r, uint64_t start_ns,
		    unsigned days, double flows_per_day);

/* Expected flows per second at t_ns, start_ns <= t_ns <= end_ns: rate(t) of
 * the comment at the top, the intensity gen_model_next_flow samples. Pure;
 * safe to call from any thread once gen_model_init has returned. */
double gen_model_rate(const struct gen_model *m, uint64_t t_ns);

/* Draws the first arrival after `after_ns`. Returns 0, or -1 once past the
 * end of the capture. */
int gen_model_next_flow(struct gen_model *m, struct gen_rng *r, uint64_t after_ns,
			struct gen_flow_spec *out);

/* Next ephemeral source port of a client (Linux or Windows range). */
uint16_t gen_model_port(struct gen_rng *r, struct gen_host *client);

/* A server by weighted choice from a cumulative table. */
struct gen_host *gen_model_pick(struct gen_model *m, struct gen_rng *r, const double *cdf);

/* h's address in the given family. */
const struct gen_addr *gen_model_addr(const struct gen_host *h, int v6);

/* Hosts (distinct addresses) and services (server, protocol, port) that
 * appeared in normal traffic; see --help for the exact definition. */
unsigned gen_model_hosts_seen(const struct gen_model *m);
unsigned gen_model_services_seen(const struct gen_model *m);

#endif
