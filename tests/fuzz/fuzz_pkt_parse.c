/* libFuzzer target for pkt_parse.
 *
 * Input: 2 bytes big-endian link-type selector (index, modulo the table
 * below), then the frame. The frame is parsed whole (seg_len = cap_len),
 * then with only its first half readable, copied to a block of exactly that
 * size so ASan sees any read past seg_len. A half parse that ends without a
 * truncation error read nothing beyond the half, so it must give exactly the
 * whole-frame result, except that an ICMP error's quote (ICMP payload: a cut
 * there is no error) may have been read less far; anything else traps, as
 * does a result breaking what pkt_parse.h promises about the tunnel, quote
 * and fragment fields. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../pkt_meta_check.h"
#include "pkt_parse.h"

/* Keep in sync with pcap_to_corpus.c: corpus files store the index. */
static const int fuzz_linktypes[] = {
	PKT_LINK_ETHERNET, PKT_LINK_RAW, PKT_LINK_LINUX_SLL, PKT_LINK_LINUX_SLL2,
	PKT_LINK_NULL, PKT_LINK_LOOP, PKT_LINK_RAW_BSD12, PKT_LINK_RAW_BSD14,
	147, /* LINKTYPE_USER0: not parsed */
};
#define N_LINKTYPES (sizeof(fuzz_linktypes) / sizeof(fuzz_linktypes[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int all_zero(const uint8_t *p, size_t n)
{
	for (; n; n--, p++)
		if (*p)
			return 0;
	return 1;
}

/* Tunnel, quote and fragment fields: each block zero unless its flag says
 * it is valid; outer_* equal the flow fields when no tunnel was entered. */
static void check_new_fields(const struct pkt_meta *m)
{
	int bad = 0;

	bad |= (m->flags & 0xc0) != 0;
	bad |= m->tun_depth > PKT_TUN_MAX;
	bad |= !!(m->flags & PKT_F_TUNNEL) != (m->tun_depth != 0);
	if (m->tun_depth == 0)
		bad |= m->outer_l3 != m->l3 || m->outer_proto != m->proto;
	else
		bad |= m->tun_type == PKT_TUN_NONE || m->l3 == PKT_L3_NONE ||
		       m->outer_l3 == PKT_L3_NONE;
	if (m->tun_type == PKT_TUN_NONE) {
		bad |= m->tun_l3 || m->tun_flags || m->tun_id || m->tun_sport || m->tun_dport;
		bad |= !all_zero(m->tun_src, 16) || !all_zero(m->tun_dst, 16);
	} else {
		bad |= m->tun_type > PKT_TUN_GENEVE || m->tun_l3 != m->outer_l3;
		bad |= m->tun_l3 != PKT_L3_IPV4 && m->tun_l3 != PKT_L3_IPV6;
		if (m->tun_type == PKT_TUN_VXLAN || m->tun_type == PKT_TUN_GENEVE)
			bad |= m->outer_proto != 17 || !(m->tun_flags & PKT_TF_ID);
		else
			bad |= m->tun_sport || m->tun_dport;
		if (!(m->tun_flags & PKT_TF_ID))
			bad |= m->tun_id != 0;
	}
	if (m->flags & PKT_F_ICMP_ERROR) {
		bad |= m->proto != 1 && m->proto != 58;
		bad |= m->q_l3 != PKT_L3_IPV4 && m->q_l3 != PKT_L3_IPV6;
	} else {
		bad |= (m->flags & PKT_F_QUOTE_L4) || m->q_l3 || m->q_proto;
		bad |= !all_zero(m->q_src, 16) || !all_zero(m->q_dst, 16);
	}
	if (!(m->flags & PKT_F_QUOTE_L4))
		bad |= m->q_sport || m->q_dport;
	if (!(m->flags & PKT_F_FRAGMENT))
		bad |= m->frag_id || m->frag_off || m->frag_more;
	else
		bad |= (m->frag_off & 7) || m->frag_more > 1;
	if (bad)
		__builtin_trap();
}

static void check(const struct pkt_meta *m, int ret, uint32_t cap)
{
	if (ret != m->err || m->err >= PKT_ERR_COUNT || m->wire_len < cap)
		__builtin_trap();
	if ((m->flags & PKT_F_HAS_L4) &&
	    (m->l3 == PKT_L3_NONE || (m->flags & PKT_F_LATER_FRAGMENT)))
		__builtin_trap();
	if (m->l3 != PKT_L3_NONE && m->l3 != PKT_L3_IPV4 && m->l3 != PKT_L3_IPV6)
		__builtin_trap();
	check_new_fields(m);
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
	if (!is_trunc(ret) && !same_but_quote(&half, &full))
		__builtin_trap();
	return 0;
}
