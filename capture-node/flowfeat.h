/* Per-flow features kept beside the flow table's 120-byte record, in a
 * parallel array (flowtab.c): TCP sequence hints and the sizes and gaps of
 * a record's first packets, which a classifier reads as the flow's opening.
 *
 * Sequence hints, per direction, against the highest sequence number seen
 * so far (snd_max, the end of the furthest segment):
 *  - retransmission: a segment carrying data, SYN or FIN that ends at or
 *    before snd_max, so all of it was seen before (retransmitted, or
 *    reordered on the way to the tap); a keep-alive (no SYN, FIN or RST,
 *    one byte or none, at snd_max - 1) is not one;
 *  - gap: a segment that starts beyond snd_max: something before it was not
 *    seen (lost before the tap, or arriving later).
 * They saturate at 32767 per record. Comparisons are modulo 2^32.
 *
 * TCP flag counts, per direction: segments carrying FIN, SYN, RST, PSH,
 * ACK and URG (header bits 0-5), saturating at 65535.
 *
 * ICMP errors: a flag per direction, set when an ICMP/ICMPv6 error quoting
 * the flow travelled that way (the worker accounts the error to the flow
 * it quotes).
 *
 * First packets: size (wire length, up to 32767) with the direction in the
 * top bit, and the gap to the record's previous packet in either direction
 * as a 16-bit code: exact below 2048 us, else 11 significant bits (relative
 * error below 1/2048), up to 2^41 us. */
#ifndef FLOWFEAT_H
#define FLOWFEAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FLOWFEAT_FIRST_MAX 16 /* first packets kept per record, at most */
#define FLOWFEAT_SIZE_MAX 0x7fff

#define FLOWFEAT_SEQ_VALID 0x8000 /* in gaps[d]: snd_max[d] is set */
#define FLOWFEAT_ICMP_ERROR 0x8000 /* in retrans[d]: an ICMP error went in direction d */
#define FLOWFEAT_COUNT_MAX 0x7fff
#define FLOWFEAT_FLAGS 6 /* FIN SYN RST PSH ACK URG: TCP header bits 0-5 */

struct flowfeat {
	uint32_t snd_max[2];
	uint16_t retrans[2]; /* count | FLOWFEAT_ICMP_ERROR */
	uint16_t gaps[2];    /* count | FLOWFEAT_SEQ_VALID */
	uint16_t flags[2][FLOWFEAT_FLAGS];
	uint16_t first[]; /* [0, n): size | dir << 15; [n, 2n): gap codes */
};

static inline size_t flowfeat_stride(unsigned n_first)
{
	return (sizeof(struct flowfeat) + 4 * (size_t)n_first + 7) & ~(size_t)7;
}

static inline uint16_t flowfeat_gap_code(uint64_t us)
{
	if (us < 2048)
		return (uint16_t)us;
	unsigned e = 63 - (unsigned)__builtin_clzll(us); /* 11.. */
	if (e > 41)
		return UINT16_MAX;
	return (uint16_t)((e - 10) << 11 | ((us >> (e - 11)) & 0x7ff));
}

static inline uint64_t flowfeat_gap_us(uint16_t code)
{
	if (code < 2048)
		return code;
	unsigned e = (code >> 11) + 10u;
	return (uint64_t)(2048 + (code & 0x7ff)) << (e - 11);
}

/* Notes packet k (0-based, k < n_first) of a record: direction d, wire
 * length len, gap_us since the record's previous packet (0 for the first). */
static inline void flowfeat_first(struct flowfeat *x, unsigned n_first, unsigned k, unsigned d,
				  uint32_t len, uint64_t gap_us)
{
	x->first[k] = (uint16_t)((len > FLOWFEAT_SIZE_MAX ? FLOWFEAT_SIZE_MAX : len) | d << 15);
	x->first[n_first + k] = flowfeat_gap_code(gap_us);
}

static inline uint16_t flowfeat_gaps(const struct flowfeat *x, unsigned d)
{
	return x->gaps[d] & FLOWFEAT_COUNT_MAX;
}

static inline uint16_t flowfeat_retrans(const struct flowfeat *x, unsigned d)
{
	return x->retrans[d] & FLOWFEAT_COUNT_MAX;
}

/* The flags of one TCP segment sent in direction d (an ICMP error's quote
 * is not one). */
static inline void flowfeat_flags(struct flowfeat *x, unsigned d, uint8_t tcp_flags)
{
	for (unsigned b = 0; b < FLOWFEAT_FLAGS; b++) /* branch-free, saturating */
		x->flags[d][b] += ((tcp_flags >> b) & 1) & (x->flags[d][b] != UINT16_MAX);
}

/* One TCP segment in direction d: its sequence number, payload length and
 * flags. The direction's first segment of the record only sets snd_max. */
static inline void flowfeat_tcp(struct flowfeat *x, unsigned d, uint32_t seq, uint32_t payload,
				uint8_t tcp_flags)
{
	/* SYN and FIN take a sequence number each. */
	uint32_t seg_len = payload + ((tcp_flags & 0x02) != 0) + ((tcp_flags & 0x01) != 0);
	uint32_t end = seq + seg_len;
	bool keepalive = !(tcp_flags & 0x07) && payload <= 1 && seq + 1 == x->snd_max[d];

	if (!(x->gaps[d] & FLOWFEAT_SEQ_VALID)) {
		x->gaps[d] |= FLOWFEAT_SEQ_VALID;
		x->snd_max[d] = end;
		return;
	}
	if ((int32_t)(seq - x->snd_max[d]) > 0) {
		if (flowfeat_gaps(x, d) != FLOWFEAT_COUNT_MAX)
			x->gaps[d]++;
		x->snd_max[d] = end;
	} else if ((int32_t)(end - x->snd_max[d]) > 0) {
		x->snd_max[d] = end;
	} else if (seg_len > 0 && !keepalive && flowfeat_retrans(x, d) != FLOWFEAT_COUNT_MAX) {
		x->retrans[d]++;
	}
}

#endif
