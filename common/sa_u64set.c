/* Set of 64-bit keys (sa_u64set.h). */
#include <errno.h>
#include <stdlib.h>

#include "sa_u64set.h"

uint64_t sa_fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static void place(uint64_t *slot, size_t cap, uint64_t key)
{
	size_t j = (size_t)(key ^ key >> 29) & (cap - 1);

	while (slot[j])
		j = (j + 1) & (cap - 1);
	slot[j] = key;
}

int sa_u64set_add(struct sa_u64set *s, uint64_t key)
{
	if (key == 0)
		key = 1;
	if (s->n * 2 >= s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		uint64_t *t = calloc(cap, sizeof(*t));
		if (!t)
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i])
				place(t, cap, s->slot[i]);
		free(s->slot);
		s->slot = t;
		s->cap = cap;
	}
	size_t j = (size_t)(key ^ key >> 29) & (s->cap - 1);
	while (s->slot[j]) {
		if (s->slot[j] == key)
			return 0;
		j = (j + 1) & (s->cap - 1);
	}
	s->slot[j] = key;
	s->n++;
	return 1;
}

void sa_u64set_free(struct sa_u64set *s)
{
	free(s->slot);
	s->slot = NULL;
	s->cap = s->n = 0;
}
