/* LEB128 varints and a bounds-checked reader, for the store's compact
 * value encodings (point blocks, sketch rows). A reader that runs past its
 * end or meets an overlong varint sets `bad` and returns zeros from then
 * on, so a decoder checks once at the end. */
#ifndef SA_VARINT_H
#define SA_VARINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SA_VARINT_MAX 10

static inline size_t sa_varint_len(uint64_t x)
{
	size_t n = 1;

	while (x >= 0x80) {
		x >>= 7;
		n++;
	}
	return n;
}

static inline uint8_t *sa_varint_put(uint8_t *p, uint64_t x)
{
	while (x >= 0x80) {
		*p++ = (uint8_t)(x | 0x80);
		x >>= 7;
	}
	*p++ = (uint8_t)x;
	return p;
}

struct sa_reader {
	const uint8_t *p, *end;
	bool bad;
};

static inline uint64_t sa_varint_get(struct sa_reader *r)
{
	uint64_t x = 0;

	for (unsigned i = 0; i < SA_VARINT_MAX && !r->bad; i++) {
		if (r->p == r->end)
			break;
		uint8_t b = *r->p++;
		/* The tenth byte may carry only the top bit of 64. */
		if (i == SA_VARINT_MAX - 1 && b > 1)
			break;
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			return x;
	}
	r->bad = true;
	return 0;
}

/* The next byte, or -1 (and bad) at the end. */
static inline int sa_byte_get(struct sa_reader *r)
{
	if (r->bad || r->p == r->end) {
		r->bad = true;
		return -1;
	}
	return *r->p++;
}

/* The next n bytes, or NULL (and bad) if fewer are left. */
static inline const uint8_t *sa_bytes_get(struct sa_reader *r, size_t n)
{
	const uint8_t *at = r->p;

	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	return at;
}

#endif
