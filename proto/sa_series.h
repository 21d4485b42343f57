/* Series specs: one string naming a series the store can answer, shared by
 * the trainer (which series to model), the aggregator (which series a
 * model watches) and the CLI.
 *
 *   METRIC[/PROTO][@NODE][:port=P | :ip=ADDR]
 *
 * METRIC is what sa series --metric takes (bytes, packets, flows,
 * active_flows or a counter name), PROTO its --proto (tcp, udp, ...),
 * NODE a node id (default: every node added up), and port/ip one tracked
 * port or address (both directions). Examples: "bytes", "packets/udp",
 * "bytes@2", "bytes:port=443", "active_flows". */
#ifndef SA_SERIES_H
#define SA_SERIES_H

#include <stdint.h>

#include "sa.pb-c.h"

#define SA_SERIES_MAX 96 /* longest spec accepted, NUL included */

struct sa_series {
	char metric[32];
	char proto[16];
	uint32_t node;       /* 0: every node */
	int has_port;
	uint16_t port;
	uint8_t ip[16];
	unsigned ip_len;     /* 0, 4 or 16 */
};

/* Parses spec; 0, or -EINVAL with *why set to a static reason. Only the
 * syntax is checked here: the store says whether the metric exists. */
int sa_series_parse(const char *spec, struct sa_series *out, const char **why);

/* Fills the series fields of a Q_SERIES query (kind, metric, proto, node,
 * dims, port, ip) from s; q->ip points into s. */
void sa_series_query(const struct sa_series *s, Sa__Query *q);

#endif
