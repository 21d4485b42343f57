/* Exact per-second byte and packet counts per source and destination
 * address and port, folded into the second's heavy-hitter sketches when
 * the second ends.
 *
 * Why: a Space-Saving offer costs a hash of the key, a heap sift and a
 * memcmp, eight times per packet (4 keys x 2 weights); that was most of a
 * worker's time. A second holds far fewer distinct keys than packets, so
 * each packet now adds to one small open-addressed slot per key, and the
 * sketches see each key once per second. An address that finds its table
 * full (a spoofed flood) is offered to the sketches at once, as before, so
 * nothing is lost and memory stays fixed. Ports have a slot each (65,536
 * per direction, 2 MB): no hashing, no probing, never full, and a quarter
 * of the memory a hashed table of 128 K keys took.
 *
 * Single writer (one worker lcore); no allocation after talkers_new. */
#ifndef TALKERS_H
#define TALKERS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sa_topk.h"

enum talker_dim { TALKER_SRC_IP, TALKER_DST_IP, TALKER_SRC_PORT, TALKER_DST_PORT, TALKER_DIMS };
enum talker_weight { TALKER_BY_BYTES, TALKER_BY_PACKETS, TALKER_WEIGHTS };

struct talker_slot {
	uint64_t lo, hi;  /* the key's bytes (IP: first 8, last 8; port: the number, slot = port) */
	uint64_t bytes;
	uint32_t packets;
	uint32_t len;     /* key length in bytes: 4, 16 or 2; 0 marks an empty slot */
};

struct talker_table {
	struct talker_slot *slot;
	uint32_t *used;   /* indices of the occupied slots, for folding and reset */
	uint32_t n, cap, mask, shift; /* mask: slots - 1; shift (addresses): 64 - log2(slots) */
};

struct talkers {
	struct talker_table t[TALKER_DIMS];
	struct sa_topk *(*sink)[TALKER_DIMS]; /* the counted second's sketches [weight][dim] */
	uint32_t *order;  /* scratch for folding: the largest table's cap entries */
	uint64_t overflows; /* this second's offers that found an address table full */
};

/* Up to `capacity` distinct addresses per dimension per second (1..1<<20),
 * and every port. Returns NULL when out of memory. */
struct talkers *talkers_new(unsigned capacity);
void talkers_destroy(struct talkers **t);

/* The sketches of the second now being counted: [TALKER_WEIGHTS][TALKER_DIMS]. */
void talkers_attach(struct talkers *t, struct sa_topk *sink[][TALKER_DIMS]);

/* Moves the second's counts into the attached sketches and empties the
 * tables. Keys within the sketch capacity keep their exact counts.
 * Returns how many times in the second an address found its table full
 * and went to the sketches at once (once per packet and direction). */
uint64_t talkers_fold(struct talkers *t);

/* One packet's key in one dimension, hashed (and its slot prefetched) a
 * pass before it is added, so that a burst's cache misses overlap. */
struct talker_key {
	uint64_t lo, hi;
	uint32_t len, slot;
};

/* Slow path of talkers_add: the table is full. */
void talkers_overflow(struct talkers *t, enum talker_dim d, const struct talker_key *k,
		      uint64_t bytes);

static inline void talkers_key(const struct talkers *t, enum talker_dim d, struct talker_key *k,
			       uint64_t lo, uint64_t hi, uint32_t len)
{
	/* Fibonacci hashing: the top bits of the product depend on every key bit. */
	uint64_t h = ((lo * 0x9e3779b97f4a7c15ULL) ^ hi ^ len) * 0xc2b2ae3d27d4eb4fULL;

	k->lo = lo;
	k->hi = hi;
	k->len = len;
	k->slot = (uint32_t)(h >> t->t[d].shift);
	__builtin_prefetch(&t->t[d].slot[k->slot]);
}

static inline void talkers_key_port(const struct talkers *t, enum talker_dim d, struct talker_key *k,
				    uint16_t port)
{
	k->lo = port;
	k->hi = 0;
	k->len = 2;
	k->slot = port;
	__builtin_prefetch(&t->t[d].slot[port]);
}

/* An address as stored in pkt_meta: 16 bytes, IPv4 in the first 4. */
static inline void talkers_key_addr(const struct talkers *t, enum talker_dim d, struct talker_key *k,
				    const uint8_t addr[16], uint32_t len)
{
	uint64_t w[2];

	memcpy(w, addr, 16);
	talkers_key(t, d, k, w[0], w[1], len);
}

static inline __attribute__((always_inline)) void
talkers_add(struct talkers *t, enum talker_dim d, const struct talker_key *k, uint64_t bytes)
{
	struct talker_table *tt = &t->t[d];

	for (uint32_t i = k->slot;; i = (i + 1) & tt->mask) {
		struct talker_slot *s = &tt->slot[i];
		if (s->len == k->len && s->lo == k->lo && s->hi == k->hi) {
			s->bytes += bytes;
			s->packets++;
			return;
		}
		if (s->len == 0) {
			if (__builtin_expect(tt->n == tt->cap, 0)) {
				talkers_overflow(t, d, k, bytes);
				return;
			}
			*s = (struct talker_slot){.lo = k->lo, .hi = k->hi, .bytes = bytes, .packets = 1,
						  .len = k->len};
			tt->used[tt->n++] = i;
			return;
		}
	}
}

#endif
