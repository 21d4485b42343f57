/* Heavy hitters by weight (bytes or packets): the Space-Saving sketch of
 * Metwally et al., weighted. Every key whose true weight exceeds total/k is
 * kept, and each kept key's count over-estimates its true weight by at most
 * its `err`. Sketches merge by offering one's entries to the other with
 * their counts, which keeps the same bound over the union of the inputs.
 *
 * Fixed capacity, no allocation after sa_topk_new: safe on a worker lcore. */
#ifndef SA_TOPK_H
#define SA_TOPK_H

#include <stdint.h>

#define SA_TOPK_KEY_MAX 16

struct sa_topk_entry {
	uint8_t key[SA_TOPK_KEY_MAX];
	uint8_t key_len;
	uint64_t count; /* upper bound of the key's weight */
	uint64_t err;   /* count - err is a lower bound */
};

struct sa_topk;

/* Returns a sketch tracking at most `capacity` (1..65536) keys, or NULL. */
struct sa_topk *sa_topk_new(unsigned capacity);
void sa_topk_destroy(struct sa_topk **sk);
void sa_topk_reset(struct sa_topk *sk);

/* Adds `weight` to `key` (1..SA_TOPK_KEY_MAX bytes); `err` is the weight's
 * own uncertainty (0 for a raw observation, the entry's err when merging). */
void sa_topk_offer(struct sa_topk *sk, const void *key, unsigned key_len,
		   uint64_t weight, uint64_t err);

/* Counts weight that belongs to no key we can name (e.g. the untracked
 * remainder of a merged sketch) in the total only. */
void sa_topk_add_untracked(struct sa_topk *sk, uint64_t weight);

/* Everything offered, tracked or not. */
uint64_t sa_topk_total(const struct sa_topk *sk);
unsigned sa_topk_size(const struct sa_topk *sk);
unsigned sa_topk_capacity(const struct sa_topk *sk);

/* Copies all entries, largest count first, into out (room for capacity
 * entries); returns how many. Does not allocate. */
unsigned sa_topk_list(const struct sa_topk *sk, struct sa_topk_entry *out);
/* The entries in no particular order (valid until the next offer or
 * reset), and their number in *n: for merging, where order is moot. */
const struct sa_topk_entry *sa_topk_entries(const struct sa_topk *sk, unsigned *n);

#endif
