/* Bounded spool of sent but unacknowledged export batches.
 *
 * The exporter pushes every sealed batch here before sending it; an ack
 * removes it; a batch not acked within the timeout (or never sent because
 * the aggregator was away) is due again. Batches are kept in sequence
 * order, so resends preserve order. Pure data structure: no sockets. */
#ifndef SPOOL_H
#define SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spool_entry {
	uint64_t seq;
	uint8_t *buf;        /* owned by the spool */
	size_t len;
	uint64_t sent_ns;    /* 0: not sent yet */
	bool acked;
};

struct spool;

struct spool *spool_new(unsigned capacity);
void spool_destroy(struct spool **sp);

unsigned spool_count(const struct spool *sp);
bool spool_full(const struct spool *sp);

/* Takes ownership of buf. Returns 0, or -ENOSPC when full (buf not taken). */
int spool_push(struct spool *sp, uint64_t seq, uint8_t *buf, size_t len);

/* Marks seq acknowledged and releases every acknowledged batch at the
 * front. Returns 1 if seq was pending, 0 if unknown (late duplicate ack). */
int spool_ack(struct spool *sp, uint64_t seq);

/* Returns the next unacked entry, in sequence order, that was never sent or
 * was sent before now_ns - timeout_ns, starting after *cursor (0 to start);
 * NULL when there is none. The caller sends it and sets sent_ns. */
struct spool_entry *spool_next_due(struct spool *sp, uint64_t now_ns, uint64_t timeout_ns,
				   unsigned *cursor);

#endif
