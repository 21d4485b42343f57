/* Bidirectional flow key shared by the capture node and the aggregator.
 * Canonical order puts the smaller (address, port) endpoint first, so both
 * directions of a conversation produce the same key and hash. */
#ifndef SA_FLOWKEY_H
#define SA_FLOWKEY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct sa_flowkey {
	uint8_t addr_lo[16]; /* IPv4 as the first 4 bytes, rest zero */
	uint8_t addr_hi[16];
	uint16_t port_lo;
	uint16_t port_hi;
	uint16_t vlan;
	uint8_t proto;
	uint8_t ip_version;
} __attribute__((aligned(8)));

/* Fills *k from one packet's endpoints; returns true when src is the "lo"
 * side, i.e. the packet travels lo -> hi. */
static inline bool sa_flowkey_make(struct sa_flowkey *k, const uint8_t *src,
				   const uint8_t *dst, uint16_t sport, uint16_t dport,
				   uint8_t proto, uint8_t ip_version, uint16_t vlan)
{
	int c = memcmp(src, dst, 16);
	bool fwd = c < 0 || (c == 0 && sport <= dport);

	memset(k, 0, sizeof(*k));
	memcpy(k->addr_lo, fwd ? src : dst, 16);
	memcpy(k->addr_hi, fwd ? dst : src, 16);
	k->port_lo = fwd ? sport : dport;
	k->port_hi = fwd ? dport : sport;
	k->vlan = vlan;
	k->proto = proto;
	k->ip_version = ip_version;
	return fwd;
}

/* The 64-bit finaliser of MurmurHash3: every input bit affects every
 * output bit. The building block of the hashes here and in flowtab. */
static inline uint64_t sa_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* 64-bit hash of arbitrary bytes (a multiply-xorshift mix over 8-byte
 * words); seed selects an independent function. */
uint64_t sa_hash_bytes(const void *data, unsigned len, uint64_t seed);

static inline uint64_t sa_flowkey_hash(const struct sa_flowkey *k)
{
	return sa_hash_bytes(k, sizeof(*k), 0);
}

static inline bool sa_flowkey_eq(const struct sa_flowkey *a, const struct sa_flowkey *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Writes the address (4 or 16 bytes per ip_version) as text into buf. */
const char *sa_addr_fmt(const uint8_t *addr, unsigned addr_len, char *buf, unsigned len);

#endif
