/* Shared by the parser's unit test and fuzz target: comparing a parse of a
 * frame's prefix with the parse of the whole frame. */
#ifndef PKT_META_CHECK_H
#define PKT_META_CHECK_H

#include <string.h>

#include "pkt_parse.h"

/* A short parse `part` equals the full one, except that an ICMP error's
 * quote (ICMP payload, whose cut is no error) may have been read less far:
 * what part has of it must match. */
static inline int same_but_quote(const struct pkt_meta *part, const struct pkt_meta *full)
{
	struct pkt_meta adj;

	memcpy(&adj, full, sizeof(adj));
	if (!(part->flags & PKT_F_QUOTE_L4)) {
		adj.flags &= (uint8_t)~PKT_F_QUOTE_L4;
		adj.q_sport = 0;
		adj.q_dport = 0;
	}
	if (!(part->flags & PKT_F_ICMP_ERROR)) {
		adj.flags &= (uint8_t)~PKT_F_ICMP_ERROR;
		adj.q_l3 = 0;
		adj.q_proto = 0;
		memset(adj.q_src, 0, sizeof(adj.q_src));
		memset(adj.q_dst, 0, sizeof(adj.q_dst));
	}
	return memcmp(part, &adj, sizeof(adj)) == 0;
}

#endif
