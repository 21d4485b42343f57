/* Later fragments of a datagram carry no transport header, so no ports:
 * keyed as they come, they would make a port-less flow of their own. This
 * table remembers, per worker, the ports of each first fragment it saw
 * (by addresses, protocol and fragment id), so that the later fragments of
 * the same datagram are keyed to the same flow.
 *
 * A later fragment that arrives before its first fragment, or after its
 * entry was overwritten by another datagram's or is older than
 * FRAGTAB_TTL_NS (RFC 791's reassembly timeout), stays port-less. The table
 * is direct-mapped: fixed memory, one probe, no allocation after
 * fragtab_new. Both fragments of a datagram must reach the same worker: the
 * fan-out hashes addresses and protocol only (worker.c), and RSS is set to
 * hash IP addresses only (port.c). */
#ifndef FRAGTAB_H
#define FRAGTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "pkt_parse.h"

#define FRAGTAB_TTL_NS (15ULL * 1000000000ULL)

struct fragtab;

/* `slots` is rounded up to a power of two (1..2^24). NULL when out of memory. */
struct fragtab *fragtab_new(unsigned slots);
void fragtab_destroy(struct fragtab **t);

/* For a packet about to be keyed at capture time ts_ns: a first fragment
 * whose ports were read is remembered; a later fragment of a remembered
 * datagram gets the ports (m->sport, m->dport) and true is returned. Other
 * packets are left alone. */
bool fragtab_resolve(struct fragtab *t, struct pkt_meta *m, uint64_t ts_ns);

#endif
