/* Label rules for sa-gen --labels: the ground truth of a synthetic pcap,
 * per flow, in the rules format trainer/cls_rules.c reads:
 *
 *   # one rule per line, '#' comments, first match wins
 *   LABEL [src CIDR] [dst CIDR] [host CIDR] [sport P[-Q]] [dport P[-Q]]
 *         [port P[-Q]] [proto tcp|udp|icmp|N] [from TIME] [to TIME]
 *
 * The anomaly is one CIDR rule, first in the file; every normal
 * conversation then gets one exact rule (src, sport, dst, dport, proto,
 * from its first packet to its last packet + 1 s). ICMP echo gets one rule
 * per direction that carried packets, because the capture node keys ICMP
 * on type << 8 | code as the source port (capture-node/pkt_parse.c), so
 * requests and replies are two flows: requests "sport 2048 dport 0"
 * (ICMPv6 32768), replies from the server "sport 0 dport 0" (ICMPv6 33024).
 *
 * Exact rules are written as conversations end, to a temporary file; the
 * header (which holds the counts) and the anomaly rule are written in front
 * of them by gen_labels_finish. Memory stays constant whatever the run's
 * length. Not thread-safe: one generator thread owns it. */
#ifndef GEN_LABELS_H
#define GEN_LABELS_H

#include <stdint.h>
#include <stdio.h>

#include "gen_flow.h"

#define GEN_LABELS_FORMAT 1 /* bump when the meaning of the file changes */

struct gen_labels;

/* Opens `path` for writing (so a bad path fails before the pcap is
 * generated) and a temporary file for the body. `generator` (name and
 * version) and `options` (the effective options, one line) go into the
 * header; both are copied. Returns the writer, or NULL after printing the
 * reason on stderr. */
struct gen_labels *gen_labels_new(const char *path, const char *generator,
				  const char *options);

/* Records the anomaly: kind, the portscan's scanner (NULL for synflood),
 * the target and the attack's [start_ns, end_ns). Call once, before
 * gen_labels_flow sees the anomaly flow. */
void gen_labels_anomaly(struct gen_labels *l, enum gen_anomaly kind,
			const struct gen_addr *scanner, const struct gen_addr *target,
			uint64_t start_ns, uint64_t end_ns);

/* Labels a flow that has finished or that the end of the capture cut off:
 * writes a normal conversation's exact rule(s), nothing for one that put
 * no packet into the pcap; counts an anomaly's probes. */
void gen_labels_flow(struct gen_labels *l, const struct gen_flow *f);

/* Writes the file: header, anomaly rule, the exact rules. Returns 0, or a
 * negative errno after printing the reason on stderr. */
int gen_labels_finish(struct gen_labels *l);

/* Prints the flows labelled per class as a JSON object ({"dns":N,...}, all
 * normal classes in a fixed order, then the anomaly's probes, if any). */
void gen_labels_json(const struct gen_labels *l, FILE *to);

/* Closes both files (the output is left as written so far) and nulls *l. */
void gen_labels_destroy(struct gen_labels **l);

#endif
