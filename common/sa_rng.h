/* A deterministic PRNG: xoshiro256** seeded through splitmix64, the same
 * sequence on every platform for a seed (rand() differs between C
 * libraries). The generator draws its traffic from it, the trainer its
 * splits. */
#ifndef SA_RNG_H
#define SA_RNG_H

#include <stdint.h>

struct sa_rng {
	uint64_t s[4];
};

static inline uint64_t sa_rng_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* splitmix64 fills the state, as xoshiro's authors advise: never all zero. */
static inline void sa_rng_seed(struct sa_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = sa_rng_splitmix(&seed);
}

static inline uint64_t sa_rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t sa_rng_next(struct sa_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = sa_rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = sa_rng_rotl(s[3], 45);
	return out;
}

#endif
