#include <arpa/inet.h>
#include <stdio.h>

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
	if (len) {
		uint64_t w = 0;
		memcpy(&w, p, len);
		h = sa_mix64(h ^ w ^ ((uint64_t)len << 56));
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
