/* Per-flow features: the gap code's precision and the TCP sequence hints
 * on hand-worked segment sequences. */
#include <stdlib.h>

#include "check.h"
#include "flowfeat.h"

static void gap_codes(void)
{
	check_context = "gap code";
	for (uint64_t us = 0; us < 2048; us++)
		CHECK_U(flowfeat_gap_us(flowfeat_gap_code(us)), us);
	uint16_t prev = flowfeat_gap_code(2047);
	for (uint64_t us = 2048; us < (1ULL << 41); us += 1 + us / 997) {
		uint16_t c = flowfeat_gap_code(us);
		uint64_t back = flowfeat_gap_us(c);
		CHECK(back <= us && us - back <= us / 2048);
		CHECK(c >= prev); /* monotonic: codes sort as gaps do */
		prev = c;
	}
	CHECK_U(flowfeat_gap_code(1ULL << 50), UINT16_MAX);
}

static struct flowfeat *fresh(void)
{
	return calloc(1, flowfeat_stride(8));
}

static void sequence_hints(void)
{
	struct flowfeat *x = fresh();

	check_context = "in-order data";
	flowfeat_tcp(x, 0, 1000, 0, 0x02);     /* SYN: snd_max 1001 */
	flowfeat_tcp(x, 0, 1001, 100, 0x10);   /* 1001..1100 */
	flowfeat_tcp(x, 0, 1101, 100, 0x10);
	CHECK_EQ(flowfeat_retrans(x, 0), 0);
	CHECK_EQ(flowfeat_gaps(x, 0), 0);
	CHECK_U(x->snd_max[0], 1201);

	check_context = "retransmission, reordering, keep-alive";
	flowfeat_tcp(x, 0, 1101, 100, 0x10);   /* the same segment again */
	flowfeat_tcp(x, 0, 1200, 1, 0x10);     /* keep-alive: 1 byte at snd_max - 1 */
	flowfeat_tcp(x, 0, 1200, 0, 0x10);     /* keep-alive without data */
	flowfeat_tcp(x, 0, 1201, 0, 0x10);     /* pure ACK at snd_max */
	CHECK_EQ(flowfeat_retrans(x, 0), 1);
	flowfeat_tcp(x, 0, 1401, 100, 0x10);   /* 1201..1400 missing: a gap */
	CHECK_EQ(flowfeat_gaps(x, 0), 1);
	flowfeat_tcp(x, 0, 1201, 200, 0x10);   /* the missing data, late */
	CHECK_EQ(flowfeat_retrans(x, 0), 2);
	flowfeat_tcp(x, 0, 1450, 100, 0x10);   /* overlaps the end: new data, no hint */
	CHECK_EQ(flowfeat_retrans(x, 0), 2);
	CHECK_U(x->snd_max[0], 1550);

	check_context = "SYN retransmission";
	struct flowfeat *y = fresh();
	flowfeat_tcp(y, 1, 7, 0, 0x02);
	flowfeat_tcp(y, 1, 7, 0, 0x02);        /* not a keep-alive: it carries SYN */
	CHECK_EQ(flowfeat_retrans(y, 1), 1);
	CHECK_EQ(flowfeat_retrans(y, 0), 0);

	check_context = "wrap-around";
	struct flowfeat *z = fresh();
	flowfeat_tcp(z, 0, 0xffffff00u, 0x100, 0x10); /* ends at 0 */
	flowfeat_tcp(z, 0, 0, 50, 0x10);
	flowfeat_tcp(z, 0, 0xffffff80u, 16, 0x10);    /* before the wrap: retransmitted */
	CHECK_EQ(flowfeat_retrans(z, 0), 1);
	CHECK_EQ(flowfeat_gaps(z, 0), 0);
	free(x);
	free(y);
	free(z);
}

/* SYN, SYN/ACK, ACK, PSH/ACK, FIN/ACK, RST: counted per direction and
 * flag; a count stops at 65535. */
static void flag_counts(void)
{
	struct flowfeat *x = fresh();
	static const uint8_t a[] = {0x02, 0x10, 0x18, 0x11, 0x04}, b[] = {0x12, 0x18, 0x11};

	check_context = "flag counts";
	for (size_t i = 0; i < sizeof(a); i++)
		flowfeat_flags(x, 0, a[i]);
	for (size_t i = 0; i < sizeof(b); i++)
		flowfeat_flags(x, 1, b[i]);
	/* FIN SYN RST PSH ACK URG */
	const uint16_t want0[6] = {1, 1, 1, 1, 3, 0}, want1[6] = {1, 1, 0, 1, 3, 0};
	for (int i = 0; i < 6; i++) {
		CHECK_EQ(x->flags[0][i], want0[i]);
		CHECK_EQ(x->flags[1][i], want1[i]);
	}
	x->flags[0][4] = UINT16_MAX - 1;
	flowfeat_flags(x, 0, 0x10);
	flowfeat_flags(x, 0, 0x10);
	CHECK_EQ(x->flags[0][4], UINT16_MAX);
	free(x);
}

static void first_packets(void)
{
	struct flowfeat *x = fresh();

	check_context = "first packets";
	flowfeat_first(x, 8, 0, 0, 74, 0);
	flowfeat_first(x, 8, 1, 1, 40000, 5001);
	CHECK_U(x->first[0], 74);
	CHECK_U(x->first[1], FLOWFEAT_SIZE_MAX | 0x8000);
	CHECK_U(flowfeat_gap_us(x->first[8 + 1]), 5000); /* 5001 = 1001110001001b: 12 bits kept */
	free(x);
}

int main(void)
{
	flag_counts();
	gap_codes();
	sequence_hints();
	first_packets();
	return check_summary();
}
