/* libFuzzer target for pkt_parse.
 *
 * Input: 2 bytes big-endian link-type selector (index, modulo the table
 * below), then the frame. The frame is parsed whole (seg_len = cap_len),
 * then with only its first half readable, copied to a block of exactly that
 * size so ASan sees any read past seg_len. A half parse that ends without a
 * truncation error read nothing beyond the half, so it must give exactly the
 * whole-frame result; anything else traps. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkt_parse.h"

/* Keep in sync with pcap_to_corpus.c: corpus files store the index. */
static const int fuzz_linktypes[] = {
	PKT_LINK_ETHERNET, PKT_LINK_RAW, PKT_LINK_LINUX_SLL, PKT_LINK_LINUX_SLL2,
	PKT_LINK_NULL, PKT_LINK_LOOP, PKT_LINK_RAW_BSD12, PKT_LINK_RAW_BSD14,
	147, /* LINKTYPE_USER0: not parsed */
};
#define N_LINKTYPES (sizeof(fuzz_linktypes) / sizeof(fuzz_linktypes[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct pkt_meta *m, int ret, uint32_t cap)
{
	if (ret != m->err || m->err >= PKT_ERR_COUNT || m->wire_len < cap)
		__builtin_trap();
	if ((m->flags & PKT_F_HAS_L4) &&
	    (m->l3 == PKT_L3_NONE || (m->flags & PKT_F_LATER_FRAGMENT)))
		__builtin_trap();
	if (m->l3 != PKT_L3_NONE && m->l3 != PKT_L3_IPV4 && m->l3 != PKT_L3_IPV6)
		__builtin_trap();
}

static int is_trunc(int err)
{
	return err == PKT_ERR_TRUNC_L2 || err == PKT_ERR_TRUNC_L3 || err == PKT_ERR_TRUNC_L4;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_meta full, half;
	uint32_t n, h;
	uint8_t *copy;
	int lt, ret;

	if (size < 2 || size - 2 > UINT32_MAX)
		return 0;
	lt = fuzz_linktypes[(unsigned)(data[0] << 8 | data[1]) % N_LINKTYPES];
	data += 2;
	n = (uint32_t)(size - 2);

	/* libFuzzer's buffer ends exactly at the frame's end. */
	ret = pkt_parse(data, n, n, lt, &full);
	check(&full, ret, n);

	h = n / 2;
	copy = malloc(h ? h : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, h);
	ret = pkt_parse(copy, h, n, lt, &half);
	free(copy);
	check(&half, ret, n);
	if (!is_trunc(ret) && memcmp(&half, &full, sizeof(half)) != 0)
		__builtin_trap();
	return 0;
}
