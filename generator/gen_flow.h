/* Per-conversation packet sources for sa-gen.
 *
 * A flow is a small state machine that knows the timestamp of its next
 * packet. The caller keeps flows in a min-heap on that timestamp, asks the
 * earliest one for its packet (gen_flow_step), and re-files it: so the
 * output is in time order while memory holds only the live conversations.
 * Flows come from a pool sized at start-up; a full pool refuses new flows.
 *
 * Not thread-safe: one generator thread owns the env, the pool and the flows. */
#ifndef GEN_FLOW_H
#define GEN_FLOW_H

#include <stdint.h>

#include "gen_app.h"
#include "gen_model.h"

#define GEN_T_END UINT64_MAX /* gen_flow_next_ns of a finished flow */

enum gen_anomaly { GEN_ANOMALY_NONE, GEN_ANOMALY_SYNFLOOD, GEN_ANOMALY_PORTSCAN };

struct gen_flow;
struct gen_flow_pool;

/* Returns a pool of `cap` flows or NULL (out of memory). */
struct gen_flow_pool *gen_flow_pool_new(unsigned cap);
void gen_flow_pool_destroy(struct gen_flow_pool **p);

/* A normal conversation whose first packet is at spec->t_ns, or NULL when
 * the pool is full. Marks the hosts and service as seen. */
struct gen_flow *gen_flow_start(struct gen_flow_pool *p, struct gen_env *e,
				const struct gen_flow_spec *spec);

/* The anomaly source from start_ns to end_ns against `target` (IPv4):
 * synflood: spoofed SYNs from 198.18.0.0/15 to port 80 at 2000/s; the target
 * answers the first 256 (its backlog) and then nothing.
 * portscan: SYNs from one 192.0.2.0/24 host to ports 1-1024 at 200/s in a
 * new random order each sweep; closed ports answer RST/ACK, open ones
 * SYN/ACK, which the scanner resets. */
struct gen_flow *gen_flow_start_anomaly(struct gen_flow_pool *p, struct gen_env *e,
					enum gen_anomaly kind, uint64_t start_ns,
					uint64_t end_ns, struct gen_host *target);

/* Timestamp of the flow's next packet, or GEN_T_END. */
uint64_t gen_flow_next_ns(const struct gen_flow *f);

/* Writes the packet due at gen_flow_next_ns into buf (GEN_PKT_MAX bytes)
 * and returns its length; then advances the flow. */
unsigned gen_flow_step(struct gen_flow *f, struct gen_env *e, uint8_t *buf);

int gen_flow_is_anomaly(const struct gen_flow *f);

/* What a flow is and what it has put on the wire so far, for the label
 * file: read it when the flow ends (or when the capture cuts it off). */
struct gen_flow_info {
	enum gen_anomaly anomaly;        /* GEN_ANOMALY_NONE: a normal conversation */
	enum gen_svc svc;                /* normal conversations only */
	const struct gen_addr *cli, *srv; /* client and server; anomaly: scanner
					   * (portscan only) and target */
	uint16_t cport, sport;           /* TCP/UDP ports; 0 for ICMP echo;
					  * synflood: sport 80, else 0 */
	uint8_t proto;                   /* IP protocol: 6, 17, 1 or 58 */
	uint64_t packets[2];             /* emitted by the client [0], the server [1] */
	uint64_t first_ns, last_ns;      /* first and last emitted packet (any
					  * direction); 0 when none was */
	uint64_t probes;                 /* anomaly: SYNs the attacker sent */
};

/* Fills *out; pointers in it live as long as the env and f. */
void gen_flow_info(const struct gen_flow *f, struct gen_flow_info *out);

/* Returns f to the pool and nulls the caller's pointer. */
void gen_flow_free(struct gen_flow_pool *p, struct gen_flow **f);

#endif
