/* Label rules: the ground truth of captured flows, from a text file that
 * an operator writes or sa-gen writes for its synthetic capture. Each flow
 * gets the label of the first rule that matches it; the labels become the
 * class names the flow classifier trains on.
 *
 * Format: one rule per line; '#' starts a comment (to the end of the line);
 * blank lines are ignored; a line is at most CLS_RULES_MAX_LINE bytes.
 *
 *   LABEL [src CIDR] [dst CIDR] [host CIDR] [sport P[-Q]] [dport P[-Q]]
 *         [port P[-Q]] [proto tcp|udp|icmp|N] [from TIME] [to TIME]
 *
 * Words are separated by spaces or tabs; keywords come in any order, each
 * at most once per rule, and all of a rule's conditions must hold.
 *  - LABEL: 1..64 bytes of [A-Za-z0-9_.:+-].
 *  - src / dst: side A (the initiator: addr_a) / side B (addr_b) lies in
 *    CIDR; host: either side does. CIDR is an IPv4 or IPv6 address with an
 *    optional /len (none: the one host); bits past len are ignored. A v4
 *    CIDR never matches a v6 address, nor the reverse, and the CIDRs of one
 *    rule must be of one family.
 *  - sport / dport: port_a / port_b in P..Q (inclusive; P alone: P..P);
 *    port: either side's port is.
 *  - proto: tcp = 6, udp = 17, icmp = 1 on an IPv4 flow and 58 on an IPv6
 *    flow (the family of addr_a, else addr_b, else ip_version), or a
 *    number 0..255 taken as it is on both families.
 *  - from / to: the flow's start, the earliest first_ns of its two
 *    directions (sa_flow_span()), is in [from, to). TIME is ISO 8601 as
 *    sa_time_parse() reads it (2024-01-08T14:00:00Z, 2024-01-08, with up to
 *    9 fraction digits), or seconds since the epoch with up to 9 fraction
 *    digits, read exactly (1704103200.123456). Relative times ("-2h") are
 *    refused: ground truth must not depend on when it is read. A flow with
 *    no times matches no rule that has from or to.
 *  - A rule with no condition matches every flow: a default, typically
 *    last.
 * An unset port or proto field reads as 0 (protobuf's default); an address
 * that is not 4 or 16 bytes matches no CIDR.
 *
 * DESIGN: a generated capture's file has one exact rule per flow (src A/32
 * sport P dst B/32 dport Q proto tcp from T1 to T2), 100k-1M of them
 * matched against as many flows, so trying every rule per flow is too
 * slow. Rules whose src and dst are single hosts, sport and dport single
 * ports and proto given are "exact": they sit in a hash table keyed by that
 * 5-tuple (family, addresses, ports, protocol number for that family), each
 * key's rules chained in file order. The other rules form a linear list in
 * file order. A flow has exactly one 5-tuple, so at most one chain can hold
 * matching exact rules; the first of them that matches entirely (times,
 * host, port) is the earliest exact match, and the linear list is then
 * walked only while its rules come earlier in the file. Comparing rule
 * positions (the order of lines) keeps first-match semantics across both:
 * an earlier linear rule beats a later exact one and the reverse. Cost per
 * flow: one hash probe, the chain, and the linear rules before the match.
 *
 * A loaded set is read-only: cls_rules_match may run on one set from any
 * number of threads at once. Labels are interned, so a million rules with
 * the same label hold it once. */
#ifndef CLS_RULES_H
#define CLS_RULES_H

#include <stddef.h>

#include "sa.pb-c.h"

#define CLS_RULES_MAX_LINE 4096  /* bytes before the newline; a rule is short */
#define CLS_RULES_MAX_LABEL 64   /* a class name, not prose */

struct cls_rules;

/* Parses the rules file at path. Returns the set (free it with
 * cls_rules_free), or NULL with err set to "FILE:LINE: what (near 'text')"
 * for bad input, "FILE: cannot open: ..." or "FILE: out of memory". Nothing
 * is half loaded. err may be NULL. */
struct cls_rules *cls_rules_load(const char *path, char *err, size_t errlen);

/* The same on len bytes in memory (need not be NUL-terminated; a NUL byte
 * is an error); `name` stands for FILE in error messages. */
struct cls_rules *cls_rules_parse(const char *text, size_t len, const char *name, char *err,
				  size_t errlen);

/* The label of the first rule matching f, or NULL when none does. The
 * string belongs to r. */
const char *cls_rules_match(const struct cls_rules *r, const Sa__FlowRecord *f);

/* As cls_rules_match, and sets *line to the matching rule's line number
 * (1-based; 0 when none matches): which rule labelled a flow. */
const char *cls_rules_match_line(const struct cls_rules *r, const Sa__FlowRecord *f, size_t *line);

/* Number of rules (comments and blank lines not counted). */
size_t cls_rules_count(const struct cls_rules *r);

/* Number of rules held in the 5-tuple index (the rest are walked). */
size_t cls_rules_count_exact(const struct cls_rules *r);

/* Frees r (NULL is fine). */
void cls_rules_free(struct cls_rules *r);

#endif
