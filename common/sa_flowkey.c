#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "sa_flowkey.h"

uint64_t sa_hash_bytes(const void *data, unsigned len, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t h = seed ^ (0x9e3779b97f4a7c15ULL * (len + 1));

	for (; len >= 8; len -= 8, p += 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = sa_mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
	}
	/* The last 1-7 bytes in two loads that may overlap, not a copy of
	 * variable length, which compiles to a byte loop: sketch and
	 * accumulator keys are 2 or 4 bytes, and hashing them was a fifth of
	 * a week's top-N query. */
	if (len) {
		uint32_t a = p[0], b = p[len - 1];
		if (len >= 4) {
			memcpy(&a, p, 4);
			memcpy(&b, p + len - 4, 4);
		} else {
			a |= (uint32_t)p[len / 2] << 8;
		}
		h = sa_mix64(h ^ a ^ ((uint64_t)b << 32) ^ ((uint64_t)len << 56));
	}
	return sa_mix64(h);
}

const char *sa_addr_fmt(const uint8_t *addr, unsigned addr_len, char *buf, unsigned len)
{
	if (addr_len == 4)
		inet_ntop(AF_INET, addr, buf, len);
	else if (addr_len == 16)
		inet_ntop(AF_INET6, addr, buf, len);
	else
		snprintf(buf, len, "?");
	return buf;
}
