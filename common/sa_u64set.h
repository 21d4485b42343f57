/* A set of non-zero 64-bit keys (hashes, usually): open addressing,
 * doubling at half full. For "seen this one before?" over up to millions
 * of records. */
#ifndef SA_U64SET_H
#define SA_U64SET_H

#include <stddef.h>
#include <stdint.h>

struct sa_u64set {
	uint64_t *slot; /* 0 = empty */
	size_t cap, n;
};

/* Adds key (0 is taken as 1): 1 if it was new, 0 if present, -ENOMEM. */
int sa_u64set_add(struct sa_u64set *s, uint64_t key);
void sa_u64set_free(struct sa_u64set *s);

/* FNV-1a, continuing from h (start with SA_FNV_START). */
#define SA_FNV_START 0xcbf29ce484222325ull
uint64_t sa_fnv1a(uint64_t h, const void *p, size_t n);

#endif
