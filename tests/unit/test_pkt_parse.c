/* pkt_parse on hand-built frames. Every expected value comes from the bytes
 * the test writes, never from a parser run. Each parse copies the frame to
 * a heap block of exactly the readable size, so an ASan build catches any
 * read past seg_len; every frame is also re-parsed at every cut length. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../pkt_meta_check.h"
#include "pkt_parse.h"



/* ---- frame builder ---------------------------------------------------- */

struct frame {
	uint8_t b[4096];
	uint32_t n;
};

static void put8(struct frame *f, unsigned v)
{
	f->b[f->n++] = (uint8_t)v;
}

static void put16(struct frame *f, unsigned v)
{
	put8(f, v >> 8);
	put8(f, v);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static void putn(struct frame *f, unsigned v, unsigned k)
{
	for (; k; k--)
		put8(f, v);
}

static void eth(struct frame *f, unsigned type)
{
	static const uint8_t mac[12] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
					 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };
	memcpy(f->b + f->n, mac, sizeof(mac));
	f->n += sizeof(mac);
	put16(f, type);
}

static void vlan(struct frame *f, unsigned tci, unsigned type)
{
	put16(f, tci);
	put16(f, type);
}

static void mpls(struct frame *f, unsigned label, int bos)
{
	put32(f, (uint32_t)label << 12 | (bos ? 0x100u : 0) | 64);
}

static const uint8_t SRC4[4] = { 10, 1, 2, 3 };
static const uint8_t DST4[4] = { 192, 168, 200, 4 };
static const uint8_t SRC6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };
static const uint8_t DST6[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55 };

/* IPv4 header of ihl 32-bit words (options are NOPs). */
static void ipv4(struct frame *f, unsigned proto, unsigned tot, unsigned ihl, unsigned frag)
{
	put8(f, 0x40 | ihl);
	put8(f, 0);
	put16(f, tot);
	put16(f, 0x1234);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	memcpy(f->b + f->n, SRC4, 4);
	memcpy(f->b + f->n + 4, DST4, 4);
	f->n += 8;
	putn(f, 1, (ihl - 5) * 4);
}

static void ipv6(struct frame *f, unsigned nh, unsigned plen)
{
	put32(f, 0x60000000);
	put16(f, plen);
	put8(f, nh);
	put8(f, 64);
	memcpy(f->b + f->n, SRC6, 16);
	memcpy(f->b + f->n + 16, DST6, 16);
	f->n += 32;
}

/* Hop-by-hop / routing / destination options: (len + 1) * 8 bytes. */
static void ip6_ext(struct frame *f, unsigned nh, unsigned len8)
{
	put8(f, nh);
	put8(f, len8);
	putn(f, 0, 6 + len8 * 8);
}

static void ip6_frag(struct frame *f, unsigned nh, unsigned offset8, int more)
{
	put8(f, nh);
	put8(f, 0);
	put16(f, offset8 << 3 | (more ? 1 : 0));
	put32(f, 0xdeadbeef);
}

static void tcp(struct frame *f, unsigned sport, unsigned dport, uint32_t seq, uint32_t ack,
		unsigned doff, unsigned flags)
{
	put16(f, sport);
	put16(f, dport);
	put32(f, seq);
	put32(f, ack);
	put8(f, doff << 4);
	put8(f, flags);
	put16(f, 65535);
	put16(f, 0);
	put16(f, 0);
	if (doff > 5)
		putn(f, 1, (doff - 5) * 4);
}

static void udp(struct frame *f, unsigned sport, unsigned dport, unsigned len)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, len);
	put16(f, 0);
}

static void icmp(struct frame *f, unsigned type, unsigned code)
{
	put8(f, type);
	put8(f, code);
	put16(f, 0);
	put32(f, 0x00010002);
}

/* ---- parse helpers ------------------------------------------------------ */

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (; n; n--, b++)
		if (*b)
			return 0;
	return 1;
}

/* What the header promises about the fields added for issue 3, on any
 * result: each block is zero unless its flag says it is valid. */
static void check_new_fields(const struct pkt_meta *m)
{
	CHECK(!(m->flags & 0xc0));
	CHECK(m->tun_depth <= PKT_TUN_MAX);
	CHECK_EQ(!!(m->flags & PKT_F_TUNNEL), m->tun_depth != 0);
	if (m->tun_depth == 0) {
		CHECK_EQ(m->outer_l3, m->l3);
		CHECK_EQ(m->outer_proto, m->proto);
	} else {
		CHECK(m->tun_type != PKT_TUN_NONE && m->l3 != PKT_L3_NONE);
	}
	if (m->tun_type == PKT_TUN_NONE) {
		CHECK(m->tun_l3 == 0 && m->tun_flags == 0 && m->tun_id == 0 &&
		      m->tun_sport == 0 && m->tun_dport == 0);
		CHECK(all_zero(m->tun_src, 16) && all_zero(m->tun_dst, 16));
	} else {
		CHECK(m->tun_type <= PKT_TUN_GENEVE);
		CHECK_EQ(m->tun_l3, m->outer_l3);
		CHECK(m->tun_l3 == PKT_L3_IPV4 || m->tun_l3 == PKT_L3_IPV6);
		if (m->tun_l3 == PKT_L3_IPV4)
			CHECK(all_zero(m->tun_src + 4, 12) && all_zero(m->tun_dst + 4, 12));
		if (m->tun_type == PKT_TUN_VXLAN || m->tun_type == PKT_TUN_GENEVE)
			CHECK(m->outer_proto == 17 && (m->tun_flags & PKT_TF_ID) &&
			      m->tun_dport == (m->tun_type == PKT_TUN_VXLAN ? 4789 : 6081));
		else
			CHECK(m->tun_sport == 0 && m->tun_dport == 0);
		if (!(m->tun_flags & PKT_TF_ID))
			CHECK_EQ(m->tun_id, 0);
	}
	if (m->flags & PKT_F_ICMP_ERROR) {
		CHECK(m->proto == 1 || m->proto == 58);
		CHECK(m->q_l3 == PKT_L3_IPV4 || m->q_l3 == PKT_L3_IPV6);
	} else {
		CHECK(!(m->flags & PKT_F_QUOTE_L4));
		CHECK(m->q_l3 == 0 && m->q_proto == 0);
		CHECK(all_zero(m->q_src, 16) && all_zero(m->q_dst, 16));
	}
	if (!(m->flags & PKT_F_QUOTE_L4))
		CHECK(m->q_sport == 0 && m->q_dport == 0);
	if (!(m->flags & PKT_F_FRAGMENT))
		CHECK(m->frag_id == 0 && m->frag_off == 0 && m->frag_more == 0);
	else
		CHECK((m->frag_off & 7) == 0 && m->frag_more <= 1);
}

/* Parses the first seg bytes (copied to an exact-size block) of a frame of
 * cap captured bytes. */
static int parse_sc(const struct frame *f, uint32_t seg, uint32_t cap, int lt, struct pkt_meta *m)
{
	uint8_t *p = malloc(seg ? seg : 1);
	int ret;

	if (!p)
		abort();
	memcpy(p, f->b, seg);
	memset(m, 0xa5, sizeof(*m)); /* pkt_parse must zero it */
	ret = pkt_parse(p, seg, cap, lt, m);
	free(p);
	CHECK_EQ(ret, m->err);
	CHECK(m->err < PKT_ERR_COUNT);
	CHECK(m->wire_len >= cap);
	if (m->flags & PKT_F_HAS_L4)
		CHECK(m->l3 != PKT_L3_NONE && !(m->flags & PKT_F_LATER_FRAGMENT));
	check_new_fields(m);
	return ret;
}

static int is_trunc(int err)
{
	return err == PKT_ERR_TRUNC_L2 || err == PKT_ERR_TRUNC_L3 || err == PKT_ERR_TRUNC_L4;
}

/* Every prefix as a snap-length cut and as a short first segment: must not
 * crash (ASan). A short segment that parses without a truncation error read
 * nothing beyond it, so it must give the full frame's result (but for how
 * much of an ICMP quote was read: same_but_quote). */
static void sweep(const struct frame *f, int lt)
{
	struct pkt_meta m, full;
	uint32_t cut;

	parse_sc(f, f->n, f->n, lt, &full);
	for (cut = 0; cut <= f->n; cut++) {
		parse_sc(f, cut, cut, lt, &m);
		if (!is_trunc(parse_sc(f, cut, f->n, lt, &m)))
			CHECK(same_but_quote(&m, &full));
	}
}

static int parse(const struct frame *f, int lt, struct pkt_meta *m)
{
	sweep(f, lt);
	return parse_sc(f, f->n, f->n, lt, m);
}

static void check_v4_addrs(const struct pkt_meta *m)
{
	static const uint8_t zero[12];

	CHECK(memcmp(m->src, SRC4, 4) == 0 && memcmp(m->src + 4, zero, 12) == 0);
	CHECK(memcmp(m->dst, DST4, 4) == 0 && memcmp(m->dst + 4, zero, 12) == 0);
}

static void check_v6_addrs(const struct pkt_meta *m)
{
	CHECK(memcmp(m->src, SRC6, 16) == 0);
	CHECK(memcmp(m->dst, DST6, 16) == 0);
}

/* ---- tests ------------------------------------------------------------- */

static void test_eth_ipv4_tcp(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;

	check_context = "eth_ipv4_tcp";
	eth(&f, 0x0800);
	ipv4(&f, 6, 20 + 32 + 7, 5, 0x4000 /* DF only: not a fragment */);
	tcp(&f, 12345, 443, 0x01020304, 0xa0b0c0d0, 8, 0x02 | 0x10 | 0x80);
	putn(&f, 'x', 7);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_IPV4);
	check_v4_addrs(&m);
	CHECK_EQ(m.proto, 6);
	CHECK_EQ(m.sport, 12345);
	CHECK_EQ(m.dport, 443);
	CHECK_EQ(m.tcp_seq, 0x01020304u);
	CHECK_EQ(m.tcp_ack, 0xa0b0c0d0u);
	CHECK_EQ(m.tcp_flags, 0x92);
	CHECK_EQ(m.flags, PKT_F_HAS_L4);
	CHECK_EQ(m.vlan, 0);
	CHECK_EQ(m.l4_payload, 7);
	CHECK_EQ(m.wire_len, 14 + 20 + 32 + 7);
}

static void test_ipv4_options(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;

	check_context = "ipv4_options";
	eth(&f, 0x0800);
	ipv4(&f, 6, 40 + 20 + 3, 10, 0); /* 20 bytes of options */
	tcp(&f, 80, 50000, 7, 8, 5, 0x01 | 0x04 | 0x08 | 0x20 | 0x40);
	putn(&f, 'y', 3);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_v4_addrs(&m);
	CHECK_EQ(m.sport, 80);
	CHECK_EQ(m.dport, 50000);
	CHECK_EQ(m.tcp_seq, 7);
	CHECK_EQ(m.tcp_ack, 8);
	CHECK_EQ(m.tcp_flags, 0x6d);
	CHECK_EQ(m.l4_payload, 3);
}

static void test_vlan(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;
	int i;

	check_context = "vlan_8021q";
	eth(&f, 0x8100);
	vlan(&f, 0xa000 | 100, 0x0800); /* PCP 5 must not leak into the id */
	ipv4(&f, 17, 20 + 8 + 4, 5, 0);
	udp(&f, 53, 1053, 12);
	putn(&f, 0, 4);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.vlan, 100);
	CHECK_EQ(m.proto, 17);
	CHECK_EQ(m.sport, 53);
	CHECK_EQ(m.dport, 1053);
	CHECK_EQ(m.l4_payload, 4);
	CHECK_EQ(m.wire_len, 18 + 32);

	check_context = "vlan_qinq_8021ad";
	f.n = 0;
	eth(&f, 0x88a8);
	vlan(&f, 200, 0x8100);
	vlan(&f, 300, 0x0800);
	ipv4(&f, 17, 28, 5, 0);
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.vlan, 200);
	CHECK_EQ(m.sport, 1);
	CHECK_EQ(m.dport, 2);
	CHECK_EQ(m.l4_payload, 0);

	check_context = "vlan_triple";
	f.n = 0;
	eth(&f, 0x9100);
	vlan(&f, 0x1000 | 10, 0x8100);
	vlan(&f, 20, 0x8100);
	vlan(&f, 30, 0x86dd);
	ipv6(&f, 6, 20);
	tcp(&f, 22, 40000, 1, 2, 5, 0x10);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.vlan, 10);
	CHECK_EQ(m.l3, PKT_L3_IPV6);
	check_v6_addrs(&m);
	CHECK_EQ(m.sport, 22);
	CHECK_EQ(m.tcp_flags, 0x10);
	CHECK_EQ(m.wire_len, 14 + 12 + 40 + 20);

	check_context = "vlan_depth_8_ok";
	f.n = 0;
	eth(&f, 0x8100);
	for (i = 0; i < 7; i++)
		vlan(&f, (unsigned)i + 1, 0x8100);
	vlan(&f, 8, 0x0800);
	ipv4(&f, 17, 28, 5, 0);
	udp(&f, 5, 6, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.vlan, 1);
	CHECK_EQ(m.dport, 6);

	check_context = "vlan_depth_9_err";
	f.n = 0;
	eth(&f, 0x8100);
	for (i = 0; i < 8; i++)
		vlan(&f, (unsigned)i + 1, 0x8100);
	vlan(&f, 9, 0x0800);
	ipv4(&f, 17, 28, 5, 0);
	udp(&f, 5, 6, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_TRUNC_L2);
	CHECK_EQ(m.l3, PKT_L3_NONE);
}

static void test_mpls(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;
	int i;

	check_context = "mpls_2_labels_ipv4";
	eth(&f, 0x8847);
	mpls(&f, 1000, 0);
	mpls(&f, 2000, 1);
	ipv4(&f, 6, 40, 5, 0);
	tcp(&f, 23, 1024, 100, 200, 5, 0x18);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_IPV4);
	check_v4_addrs(&m);
	CHECK_EQ(m.sport, 23);
	CHECK_EQ(m.dport, 1024);
	CHECK_EQ(m.tcp_flags, 0x18);
	CHECK_EQ(m.wire_len, 14 + 8 + 40);

	check_context = "mpls_ipv6_by_nibble";
	f.n = 0;
	eth(&f, 0x8847);
	mpls(&f, 16, 1);
	ipv6(&f, 17, 8);
	udp(&f, 4000, 4001, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_IPV6);
	check_v6_addrs(&m);
	CHECK_EQ(m.sport, 4000);
	CHECK_EQ(m.dport, 4001);

	check_context = "mpls_non_ip_payload";
	f.n = 0;
	eth(&f, 0x8848);
	mpls(&f, 16, 1);
	putn(&f, 0, 46); /* pseudowire control word: first nibble 0 */
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_NONE);
	CHECK_EQ(m.wire_len, f.n);

	check_context = "mpls_33_labels";
	f.n = 0;
	eth(&f, 0x8847);
	for (i = 0; i < 32; i++)
		mpls(&f, 16 + (unsigned)i, 0);
	mpls(&f, 99, 1);
	ipv4(&f, 17, 28, 5, 0);
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_TRUNC_L2);
	CHECK_EQ(m.l3, PKT_L3_NONE);

	check_context = "mpls_32_labels";
	f.n = 0;
	eth(&f, 0x8847);
	for (i = 0; i < 31; i++)
		mpls(&f, 16 + (unsigned)i, 0);
	mpls(&f, 99, 1);
	ipv4(&f, 17, 28, 5, 0);
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.dport, 2);
	CHECK_EQ(m.wire_len, 14 + 32 * 4 + 28);

	check_context = "mpls_oam_alert_not_ip";
	f.n = 0;
	eth(&f, 0x8847);
	mpls(&f, 100, 0);
	mpls(&f, 14, 1);
	ipv4(&f, 17, 28, 5, 0); /* looks like IPv4, but it is OAM payload */
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_NONE);
	CHECK_EQ(m.flags, 0);
}

static void pppoe(struct frame *f, unsigned ppp_proto, unsigned payload)
{
	put8(f, 0x11);
	put8(f, 0x00);
	put16(f, 0x0042);
	put16(f, payload + 2);
	put16(f, ppp_proto);
}

static void test_pppoe(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;

	check_context = "pppoe_ipv4";
	eth(&f, 0x8864);
	pppoe(&f, 0x0021, 40);
	ipv4(&f, 6, 40, 5, 0);
	tcp(&f, 1111, 2222, 3, 4, 5, 0x02);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_IPV4);
	check_v4_addrs(&m);
	CHECK_EQ(m.sport, 1111);
	CHECK_EQ(m.tcp_flags, 0x02);
	CHECK_EQ(m.wire_len, 14 + 8 + 40);

	check_context = "pppoe_ipv6_over_qinq";
	f.n = 0;
	eth(&f, 0x88a8);
	vlan(&f, 7, 0x8100);
	vlan(&f, 8, 0x8864);
	pppoe(&f, 0x0057, 48);
	ipv6(&f, 17, 8);
	udp(&f, 546, 547, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.vlan, 7);
	CHECK_EQ(m.l3, PKT_L3_IPV6);
	check_v6_addrs(&m);
	CHECK_EQ(m.sport, 546);
	CHECK_EQ(m.dport, 547);

	check_context = "pppoe_lcp";
	f.n = 0;
	eth(&f, 0x8864);
	pppoe(&f, 0xc021, 10);
	putn(&f, 0, 10);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_NONE);
}

static void test_ipv6_ext(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;
	unsigned plen;
	int i;

	check_context = "ipv6_hbh_dst_frag_first";
	plen = 8 + 16 + 8 + 8 + 100;
	eth(&f, 0x86dd);
	ipv6(&f, 0, plen);
	ip6_ext(&f, 60, 0);          /* hop-by-hop, 8 bytes */
	ip6_ext(&f, 44, 1);          /* destination options, 16 bytes */
	ip6_frag(&f, 17, 0, 1);      /* first fragment */
	udp(&f, 5353, 5354, 1000);
	putn(&f, 0, 100);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_IPV6);
	check_v6_addrs(&m);
	CHECK_EQ(m.proto, 17);
	CHECK_EQ(m.sport, 5353);
	CHECK_EQ(m.dport, 5354);
	CHECK_EQ(m.flags, PKT_F_FRAGMENT | PKT_F_HAS_L4);
	CHECK_EQ(m.l4_payload, 100);
	CHECK_EQ(m.wire_len, 14 + 40 + plen);

	check_context = "ipv6_hbh_dst_frag_later";
	f.n = 0;
	plen = 8 + 16 + 8 + 64;
	eth(&f, 0x86dd);
	ipv6(&f, 0, plen);
	ip6_ext(&f, 60, 0);
	ip6_ext(&f, 44, 1);
	ip6_frag(&f, 17, 185, 1);
	putn(&f, 0xee, 64); /* looks like nothing in particular */
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.proto, 17);
	CHECK_EQ(m.sport, 0);
	CHECK_EQ(m.dport, 0);
	CHECK_EQ(m.flags, PKT_F_FRAGMENT | PKT_F_LATER_FRAGMENT);
	CHECK_EQ(m.l4_payload, 64);

	check_context = "ipv6_last_frag";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 44, 8 + 16);
	ip6_frag(&f, 6, 3, 0);
	putn(&f, 0, 16);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.proto, 6);
	CHECK_EQ(m.flags, PKT_F_FRAGMENT | PKT_F_LATER_FRAGMENT);

	check_context = "ipv6_atomic_frag";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 44, 8 + 8);
	ip6_frag(&f, 17, 0, 0);
	udp(&f, 7, 9, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.flags, PKT_F_HAS_L4);
	CHECK_EQ(m.dport, 9);

	check_context = "ipv6_routing_ah";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 43, 24 + 16 + 20);
	ip6_ext(&f, 51, 2); /* routing, 24 bytes */
	put8(&f, 6);        /* AH, payload len 2 -> (2 + 2) * 4 = 16 bytes */
	put8(&f, 2);
	putn(&f, 0, 14);
	tcp(&f, 179, 33000, 5, 6, 5, 0x11);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.proto, 6);
	CHECK_EQ(m.sport, 179);
	CHECK_EQ(m.tcp_flags, 0x11);
	CHECK_EQ(m.l4_payload, 0);

	check_context = "ipv6_8_ext_ok";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 60, 8 * 8 + 8);
	for (i = 0; i < 7; i++)
		ip6_ext(&f, 60, 0);
	ip6_ext(&f, 17, 0);
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.dport, 2);

	check_context = "ipv6_9_ext_bad";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 60, 9 * 8 + 8);
	for (i = 0; i < 8; i++)
		ip6_ext(&f, 60, 0);
	ip6_ext(&f, 17, 0);
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L3);
	CHECK_EQ(m.l3, PKT_L3_IPV6);

	check_context = "ipv6_ext_beyond_plen";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 0, 16); /* payload 16, hop-by-hop claims 24 */
	ip6_ext(&f, 17, 2);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L3);

	check_context = "ipv6_plen_0";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 17, 0);
	udp(&f, 10, 20, 8);
	putn(&f, 0, 30);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.sport, 10);
	CHECK_EQ(m.l4_payload, 0);
	CHECK_EQ(m.wire_len, f.n);

	/* Was "ipv6_in_ipv6_not_decapsulated" (proto 41, no ports): issue 3
	 * decapsulates 6in6 to the inner flow. Same bytes, inner addresses equal
	 * the outer ones here; test_tunnels_ipip tells them apart. */
	check_context = "ipv6_in_ipv6_decapsulated";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 41, 48);
	ipv6(&f, 17, 8);
	udp(&f, 10, 20, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.proto, 17);
	CHECK_EQ(m.flags, PKT_F_TUNNEL | PKT_F_HAS_L4);
	CHECK_EQ(m.sport, 10);
	CHECK_EQ(m.dport, 20);
	CHECK_EQ(m.outer_l3, PKT_L3_IPV6);
	CHECK_EQ(m.outer_proto, 41);
	CHECK_EQ(m.tun_type, PKT_TUN_IPIP);
	CHECK_EQ(m.tun_depth, 1);
}

static void test_ipv4_frag(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;

	check_context = "ipv4_first_fragment";
	eth(&f, 0x0800);
	ipv4(&f, 17, 20 + 8 + 1472, 5, 0x2000); /* MF */
	udp(&f, 9999, 53, 4000);
	putn(&f, 0, 1472);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.proto, 17);
	CHECK_EQ(m.sport, 9999);
	CHECK_EQ(m.dport, 53);
	CHECK_EQ(m.flags, PKT_F_FRAGMENT | PKT_F_HAS_L4);
	CHECK_EQ(m.l4_payload, 1472);

	check_context = "ipv4_later_fragment";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 17, 20 + 100, 5, 185); /* offset 185 * 8, last */
	putn(&f, 0x45, 100);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_v4_addrs(&m);
	CHECK_EQ(m.proto, 17);
	CHECK_EQ(m.sport, 0);
	CHECK_EQ(m.dport, 0);
	CHECK_EQ(m.flags, PKT_F_FRAGMENT | PKT_F_LATER_FRAGMENT);
	CHECK_EQ(m.l4_payload, 100);

	check_context = "ipv4_middle_fragment_tiny";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 6, 20 + 4, 5, 0x2000 | 1); /* too short for TCP, but no TCP here */
	putn(&f, 0, 4);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.flags, PKT_F_FRAGMENT | PKT_F_LATER_FRAGMENT);
}

static void test_icmp_sctp_tunnels(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;

	check_context = "icmp_echo";
	eth(&f, 0x0800);
	ipv4(&f, 1, 20 + 8 + 56, 5, 0);
	icmp(&f, 8, 0);
	putn(&f, 0, 56);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.proto, 1);
	CHECK_EQ(m.sport, 0x0800);
	CHECK_EQ(m.dport, 0);
	CHECK_EQ(m.flags, PKT_F_HAS_L4);
	CHECK_EQ(m.l4_payload, 56);

	check_context = "icmp_unreach";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 1, 28, 5, 0);
	icmp(&f, 3, 3);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.sport, 0x0303);

	check_context = "icmpv6_echo";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 58, 8 + 4);
	icmp(&f, 128, 0);
	putn(&f, 0, 4);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.proto, 58);
	CHECK_EQ(m.sport, 0x8000);
	CHECK_EQ(m.l4_payload, 4);

	check_context = "sctp";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 132, 20 + 12 + 16, 5, 0);
	put16(&f, 2905);
	put16(&f, 3868);
	put32(&f, 0x11223344);
	put32(&f, 0);
	putn(&f, 0, 16);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.proto, 132);
	CHECK_EQ(m.sport, 2905);
	CHECK_EQ(m.dport, 3868);
	CHECK_EQ(m.l4_payload, 16);

	/* Were "gre_not_decapsulated" and "ipip_not_decapsulated" (outer
	 * proto 47/4, no ports): issue 3 decapsulates both to the inner flow.
	 * Same bytes; test_tunnels_* cover tunnels with distinct addresses. */
	check_context = "gre_decapsulated";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 47, 20 + 4 + 28, 5, 0);
	put16(&f, 0);
	put16(&f, 0x0800);
	ipv4(&f, 17, 28, 5, 0);
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.proto, 17);
	CHECK_EQ(m.flags, PKT_F_TUNNEL | PKT_F_HAS_L4);
	CHECK_EQ(m.sport, 1);
	CHECK_EQ(m.dport, 2);
	CHECK_EQ(m.outer_proto, 47);
	CHECK_EQ(m.tun_type, PKT_TUN_GRE);

	check_context = "ipip_decapsulated";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 4, 20 + 28, 5, 0);
	ipv4(&f, 17, 28, 5, 0);
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.proto, 17);
	CHECK_EQ(m.flags, PKT_F_TUNNEL | PKT_F_HAS_L4);
	CHECK_EQ(m.outer_proto, 4);
	CHECK_EQ(m.tun_type, PKT_TUN_IPIP);

	check_context = "ipv4_ah_tcp";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 51, 20 + 24 + 20, 5, 0);
	put8(&f, 6);
	put8(&f, 4); /* (4 + 2) * 4 = 24 bytes */
	putn(&f, 0, 22);
	tcp(&f, 500, 501, 1, 1, 5, 0x04);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.proto, 6);
	CHECK_EQ(m.sport, 500);
	CHECK_EQ(m.tcp_flags, 0x04);
}

static void test_non_ip(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;

	check_context = "arp";
	eth(&f, 0x0806);
	put16(&f, 1);
	put16(&f, 0x0800);
	put8(&f, 6);
	put8(&f, 4);
	put16(&f, 1);
	putn(&f, 0x42, 20);
	putn(&f, 0, 18);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_NONE);
	CHECK_EQ(m.flags, 0);
	CHECK_EQ(m.wire_len, 60);

	check_context = "llc_snap_ipv4";
	f.n = 0;
	eth(&f, 8 + 28);
	put8(&f, 0xaa);
	put8(&f, 0xaa);
	put8(&f, 0x03);
	putn(&f, 0, 3);
	put16(&f, 0x0800);
	ipv4(&f, 17, 28, 5, 0);
	udp(&f, 67, 68, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_IPV4);
	CHECK_EQ(m.sport, 67);
	CHECK_EQ(m.wire_len, 14 + 8 + 28);

	check_context = "llc_snap_cut";
	CHECK_EQ(parse_sc(&f, 16, 16, PKT_LINK_ETHERNET, &m), PKT_ERR_TRUNC_L2);
	CHECK_EQ(parse_sc(&f, 21, 21, PKT_LINK_ETHERNET, &m), PKT_ERR_TRUNC_L2);
	CHECK_EQ(parse_sc(&f, 22, 22, PKT_LINK_ETHERNET, &m), PKT_ERR_TRUNC_L3);

	check_context = "llc_stp";
	f.n = 0;
	eth(&f, 38);
	put8(&f, 0x42);
	put8(&f, 0x42);
	put8(&f, 0x03);
	putn(&f, 0, 35);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_NONE);
}

static void test_linktypes(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;
	uint32_t af;
	static const uint32_t v6_af[] = { 24, 28, 30 };
	unsigned i;

	check_context = "raw_v4";
	ipv4(&f, 6, 40, 5, 0);
	tcp(&f, 1, 2, 3, 4, 5, 0x02);
	CHECK_EQ(parse(&f, PKT_LINK_RAW, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_IPV4);
	check_v4_addrs(&m);
	CHECK_EQ(m.dport, 2);
	CHECK_EQ(m.wire_len, 40);
	CHECK_EQ(parse(&f, PKT_LINK_RAW_BSD12, &m), PKT_OK);
	CHECK_EQ(m.dport, 2);
	CHECK_EQ(parse(&f, PKT_LINK_RAW_BSD14, &m), PKT_OK);
	CHECK_EQ(m.dport, 2);

	check_context = "raw_v6";
	f.n = 0;
	ipv6(&f, 17, 8);
	udp(&f, 443, 55555, 8);
	CHECK_EQ(parse(&f, PKT_LINK_RAW, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_IPV6);
	check_v6_addrs(&m);
	CHECK_EQ(m.sport, 443);
	CHECK_EQ(m.dport, 55555);

	check_context = "raw_bad_version";
	f.n = 0;
	put8(&f, 0x55);
	putn(&f, 0, 39);
	CHECK_EQ(parse(&f, PKT_LINK_RAW, &m), PKT_ERR_BAD_L3);
	CHECK_EQ(m.l3, PKT_L3_NONE);
	f.n = 0;
	CHECK_EQ(parse(&f, PKT_LINK_RAW, &m), PKT_ERR_TRUNC_L3);

	check_context = "linux_sll";
	f.n = 0;
	put16(&f, 0);      /* packet type: to us */
	put16(&f, 1);      /* ARPHRD_ETHER */
	put16(&f, 6);
	putn(&f, 0x11, 8);
	put16(&f, 0x0800);
	ipv4(&f, 6, 40, 5, 0);
	tcp(&f, 8080, 1234, 9, 10, 5, 0x01);
	CHECK_EQ(parse(&f, PKT_LINK_LINUX_SLL, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_IPV4);
	check_v4_addrs(&m);
	CHECK_EQ(m.sport, 8080);
	CHECK_EQ(m.tcp_flags, 0x01);
	CHECK_EQ(m.wire_len, 16 + 40);

	check_context = "linux_sll_vlan";
	f.n = 0;
	put16(&f, 4);
	put16(&f, 1);
	put16(&f, 6);
	putn(&f, 0x11, 8);
	put16(&f, 0x8100);
	vlan(&f, 42, 0x86dd);
	ipv6(&f, 17, 8);
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_LINUX_SLL, &m), PKT_OK);
	CHECK_EQ(m.vlan, 42);
	CHECK_EQ(m.l3, PKT_L3_IPV6);

	check_context = "linux_sll2";
	f.n = 0;
	put16(&f, 0x86dd);
	put16(&f, 0);
	put32(&f, 3);      /* if index */
	put16(&f, 1);      /* ARPHRD_ETHER */
	put8(&f, 4);       /* outgoing */
	put8(&f, 6);
	putn(&f, 0x22, 8);
	ipv6(&f, 6, 20);
	tcp(&f, 1, 65535, 0xffffffffu, 0, 5, 0xff);
	CHECK_EQ(parse(&f, PKT_LINK_LINUX_SLL2, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_IPV6);
	check_v6_addrs(&m);
	CHECK_EQ(m.dport, 65535);
	CHECK_EQ(m.tcp_seq, 0xffffffffu);
	CHECK_EQ(m.tcp_flags, 0xff);
	CHECK_EQ(m.wire_len, 20 + 60);

	check_context = "null_v4_host_order";
	f.n = 0;
	af = 2;
	memcpy(f.b, &af, 4);
	f.n = 4;
	ipv4(&f, 17, 28, 5, 0);
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_NULL, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_IPV4);
	CHECK_EQ(m.dport, 2);
	CHECK_EQ(m.wire_len, 32);

	check_context = "null_v4_other_endian";
	af = __builtin_bswap32(2);
	memcpy(f.b, &af, 4);
	CHECK_EQ(parse(&f, PKT_LINK_NULL, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_IPV4);

	check_context = "loop_v4_network_order";
	f.b[0] = 0;
	f.b[1] = 0;
	f.b[2] = 0;
	f.b[3] = 2;
	CHECK_EQ(parse(&f, PKT_LINK_LOOP, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_IPV4);
	CHECK_EQ(m.dport, 2);

	for (i = 0; i < sizeof(v6_af) / sizeof(v6_af[0]); i++) {
		check_context = "null_loop_v6";
		f.n = 0;
		memcpy(f.b, &v6_af[i], 4);
		f.n = 4;
		ipv6(&f, 58, 8);
		icmp(&f, 135, 0);
		CHECK_EQ(parse(&f, PKT_LINK_NULL, &m), PKT_OK);
		CHECK_EQ(m.l3, PKT_L3_IPV6);
		CHECK_EQ(m.sport, 135 << 8);
		f.b[0] = 0;
		f.b[1] = 0;
		f.b[2] = 0;
		f.b[3] = (uint8_t)v6_af[i];
		CHECK_EQ(parse(&f, PKT_LINK_LOOP, &m), PKT_OK);
		CHECK_EQ(m.l3, PKT_L3_IPV6);
		CHECK_EQ(m.sport, 135 << 8);
	}

	check_context = "null_unknown_family";
	f.n = 0;
	af = 7;
	memcpy(f.b, &af, 4);
	f.n = 4;
	putn(&f, 0x45, 20);
	CHECK_EQ(parse(&f, PKT_LINK_NULL, &m), PKT_OK);
	CHECK_EQ(m.l3, PKT_L3_NONE);

	check_context = "unknown_linktype";
	CHECK_EQ(parse(&f, 147, &m), PKT_ERR_LINKTYPE);
	CHECK_EQ(m.l3, PKT_L3_NONE);
	CHECK_EQ(m.wire_len, f.n);
	CHECK_EQ(parse(&f, -1, &m), PKT_ERR_LINKTYPE);
	CHECK_EQ(parse(&f, 105, &m), PKT_ERR_LINKTYPE);
}

static void test_bad(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;

	check_context = "ipv4_total_lt_header";
	eth(&f, 0x0800);
	ipv4(&f, 6, 19, 5, 0);
	tcp(&f, 1, 2, 3, 4, 5, 0);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L3);
	CHECK_EQ(m.l3, PKT_L3_IPV4); /* tshark still counts it as IPv4 */
	CHECK_EQ(m.flags, 0);
	CHECK_EQ(m.wire_len, f.n);

	check_context = "ipv4_total_lt_options";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 6, 20, 6, 0);
	tcp(&f, 1, 2, 3, 4, 5, 0);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L3);

	check_context = "ipv4_ihl_lt_5";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 6, 40, 5, 0);
	f.b[14] = 0x44;
	tcp(&f, 1, 2, 3, 4, 5, 0);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L3);

	check_context = "ipv4_wrong_version";
	f.b[14] = 0x65;
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L3);
	CHECK_EQ(m.l3, PKT_L3_IPV4);

	check_context = "ipv6_wrong_version";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 17, 8);
	udp(&f, 1, 2, 8);
	f.b[14] = 0x45;
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L3);
	CHECK_EQ(m.l3, PKT_L3_IPV6);

	check_context = "tcp_doff_lt_5";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 6, 40, 5, 0);
	tcp(&f, 1, 2, 3, 4, 4, 0x02);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L4);
	CHECK_EQ(m.l3, PKT_L3_IPV4);
	check_v4_addrs(&m);
	CHECK_EQ(m.proto, 6);
	CHECK_EQ(m.flags & PKT_F_HAS_L4, 0);

	check_context = "tcp_doff_beyond_ip";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 6, 40, 5, 0);
	tcp(&f, 1, 2, 3, 4, 6, 0x02); /* 24-byte header in a 20-byte IP payload */
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L4);

	check_context = "tcp_beyond_ip_total";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 6, 30, 5, 0); /* IP says 10 bytes of TCP follow */
	tcp(&f, 1, 2, 3, 4, 5, 0x02);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_TRUNC_L4);
	CHECK_EQ(m.proto, 6);
	CHECK_EQ(m.sport, 0);
	CHECK_EQ(m.wire_len, f.n);

	check_context = "udp_beyond_ip_total_padding";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 17, 24, 5, 0); /* 4 bytes of UDP, then Ethernet padding */
	udp(&f, 1, 2, 8);
	putn(&f, 0, 60 - 42);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_TRUNC_L4);
	CHECK_EQ(m.l3, PKT_L3_IPV4);
	CHECK_EQ(m.proto, 17);
	CHECK_EQ(m.wire_len, 60);
}

static void test_wire_len(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;

	check_context = "wire_len_snaplen68";
	eth(&f, 0x0800);
	ipv4(&f, 6, 1500, 5, 0);
	tcp(&f, 80, 1025, 1000, 2000, 5, 0x10);
	putn(&f, 'z', 68 - 54);
	CHECK_EQ(f.n, 68);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.wire_len, 1514);
	CHECK_EQ(m.sport, 80);
	CHECK_EQ(m.l4_payload, 1460);

	check_context = "wire_len_padded_60";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 1, 28, 5, 0);
	icmp(&f, 0, 0);
	putn(&f, 0, 60 - 42);
	CHECK_EQ(f.n, 60);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.wire_len, 60);
	CHECK_EQ(m.l4_payload, 0);
	CHECK_EQ(m.sport, 0);

	check_context = "wire_len_ipv6_snap";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 17, 1000);
	udp(&f, 1, 2, 1000);
	putn(&f, 0, 10);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.wire_len, 14 + 40 + 1000);
	CHECK_EQ(m.l4_payload, 992);

	check_context = "multi_segment";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 6, 86, 5, 0);
	tcp(&f, 1, 2, 3, 4, 5, 0x02);
	putn(&f, 0, 100 - 54);
	CHECK_EQ(f.n, 100);
	/* Only 30 bytes in the first segment: IP header beyond it. */
	CHECK_EQ(parse_sc(&f, 30, 100, PKT_LINK_ETHERNET, &m), PKT_ERR_TRUNC_L3);
	CHECK_EQ(m.wire_len, 100);
	/* TCP header beyond the segment: L3 fields still valid. */
	CHECK_EQ(parse_sc(&f, 40, 100, PKT_LINK_ETHERNET, &m), PKT_ERR_TRUNC_L4);
	CHECK_EQ(m.l3, PKT_L3_IPV4);
	CHECK_EQ(m.proto, 6);
	check_v4_addrs(&m);
	CHECK_EQ(m.wire_len, 100);
	CHECK_EQ(parse_sc(&f, 54, 100, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.wire_len, 100);
	CHECK_EQ(m.tcp_flags, 0x02);
	/* IP length larger than what was captured in all. */
	f.b[16] = 0;
	f.b[17] = 200;
	CHECK_EQ(parse_sc(&f, 40, 100, PKT_LINK_ETHERNET, &m), PKT_ERR_TRUNC_L4);
	CHECK_EQ(m.wire_len, 214);
	/* Ethernet header beyond the segment. */
	CHECK_EQ(parse_sc(&f, 10, 100, PKT_LINK_ETHERNET, &m), PKT_ERR_TRUNC_L2);
	CHECK_EQ(m.wire_len, 100);
	/* cap_len < seg_len is misuse; treated as cap_len = seg_len. */
	CHECK_EQ(parse_sc(&f, 54, 20, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.wire_len, 214);
}

/* Expected error at each cut of a known frame; offsets from the layout. */
static void test_truncation_points(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;
	uint32_t cut, l3_off, l4_off, l4_end;
	int want, got;

	check_context = "trunc_vlan_ipv4opt_tcp";
	eth(&f, 0x8100);
	vlan(&f, 5, 0x0800);
	l3_off = f.n;          /* 18 */
	ipv4(&f, 6, 24 + 24 + 4, 6, 0);
	l4_off = f.n;          /* 42 */
	tcp(&f, 7, 8, 9, 10, 6, 0x02);
	l4_end = l4_off + 20;  /* options are never read */
	putn(&f, 0, 4);
	for (cut = 0; cut <= f.n; cut++) {
		want = cut < l3_off ? PKT_ERR_TRUNC_L2 :
		       cut < l4_off ? PKT_ERR_TRUNC_L3 :
		       cut < l4_end ? PKT_ERR_TRUNC_L4 : PKT_OK;
		got = parse_sc(&f, cut, cut, PKT_LINK_ETHERNET, &m);
		CHECK_EQ(got, want);
		if (got == PKT_ERR_TRUNC_L4 || got == PKT_OK) {
			CHECK_EQ(m.l3, PKT_L3_IPV4);
			CHECK_EQ(m.proto, 6);
			check_v4_addrs(&m);
			CHECK_EQ(m.wire_len, l3_off + 52);
		}
		if (got == PKT_OK)
			CHECK_EQ(m.sport, 7);
		if (got == PKT_ERR_TRUNC_L3)
			CHECK_EQ(m.l3, PKT_L3_IPV4);
		if (got == PKT_ERR_TRUNC_L2)
			CHECK_EQ(m.l3, PKT_L3_NONE);
		/* Same cut as a short first segment of the full frame. */
		CHECK_EQ(parse_sc(&f, cut, f.n, PKT_LINK_ETHERNET, &m), want);
		CHECK(m.wire_len >= f.n);
	}

	check_context = "trunc_ipv6_ext_udp";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 0, 8 + 8 + 8 + 5);
	ip6_ext(&f, 44, 0);
	ip6_frag(&f, 17, 0, 1);
	udp(&f, 100, 200, 13);
	putn(&f, 0, 5);
	for (cut = 0; cut <= f.n; cut++) {
		want = cut < 14 ? PKT_ERR_TRUNC_L2 :
		       cut < 14 + 40 + 16 ? PKT_ERR_TRUNC_L3 :
		       cut < 14 + 40 + 16 + 8 ? PKT_ERR_TRUNC_L4 : PKT_OK;
		got = parse_sc(&f, cut, cut, PKT_LINK_ETHERNET, &m);
		CHECK_EQ(got, want);
		if (got == PKT_ERR_TRUNC_L4 || got == PKT_OK) {
			CHECK_EQ(m.proto, 17);
			check_v6_addrs(&m);
			CHECK_EQ(m.flags & PKT_F_FRAGMENT, PKT_F_FRAGMENT);
		}
		if (cut >= 14 + 40) {
			CHECK_EQ(m.l3, PKT_L3_IPV6);
			CHECK_EQ(m.wire_len, f.n);
		}
	}

	check_context = "trunc_pppoe_mpls";
	f.n = 0;
	eth(&f, 0x8864);
	pppoe(&f, 0x0021, 28);
	ipv4(&f, 1, 28, 5, 0);
	icmp(&f, 11, 0);
	for (cut = 0; cut <= f.n; cut++) {
		want = cut < 22 ? PKT_ERR_TRUNC_L2 :
		       cut < 42 ? PKT_ERR_TRUNC_L3 :
		       cut < 50 ? PKT_ERR_TRUNC_L4 : PKT_OK;
		CHECK_EQ(parse_sc(&f, cut, cut, PKT_LINK_ETHERNET, &m), want);
	}
	f.n = 0;
	eth(&f, 0x8847);
	mpls(&f, 1, 0);
	mpls(&f, 2, 1);
	ipv6(&f, 58, 8);
	icmp(&f, 1, 4);
	for (cut = 0; cut <= f.n; cut++) {
		want = cut < 23 ? PKT_ERR_TRUNC_L2 :
		       cut < 62 ? PKT_ERR_TRUNC_L3 :
		       cut < 70 ? PKT_ERR_TRUNC_L4 : PKT_OK;
		CHECK_EQ(parse_sc(&f, cut, cut, PKT_LINK_ETHERNET, &m), want);
		if (want == PKT_OK)
			CHECK_EQ(m.sport, 0x0104);
	}

	check_context = "trunc_linktypes";
	f.n = 0;
	put16(&f, 0x0800);
	putn(&f, 0, 18);
	ipv4(&f, 17, 28, 5, 0);
	udp(&f, 1, 2, 8);
	for (cut = 0; cut <= f.n; cut++) {
		want = cut < 20 ? PKT_ERR_TRUNC_L2 :
		       cut < 40 ? PKT_ERR_TRUNC_L3 :
		       cut < 48 ? PKT_ERR_TRUNC_L4 : PKT_OK;
		CHECK_EQ(parse_sc(&f, cut, cut, PKT_LINK_LINUX_SLL2, &m), want);
	}
	f.n = 0;
	put32(&f, 30);
	ipv6(&f, 6, 20);
	tcp(&f, 1, 2, 3, 4, 5, 0);
	for (cut = 0; cut <= f.n; cut++) {
		want = cut < 4 ? PKT_ERR_TRUNC_L2 :
		       cut < 44 ? PKT_ERR_TRUNC_L3 :
		       cut < 64 ? PKT_ERR_TRUNC_L4 : PKT_OK;
		CHECK_EQ(parse_sc(&f, cut, cut, PKT_LINK_LOOP, &m), want);
	}
}

/* ---- issue 3: tunnels, ICMP error quotes, fragment ids ------------------ */

/* Addresses of tunnel levels 0 (outermost) .. 3, all distinct. */
static const uint8_t LV_SRC4[4][4] = { { 10, 0, 0, 1 }, { 172, 16, 1, 1 }, { 172, 16, 2, 1 }, { 172, 16, 3, 1 } };
static const uint8_t LV_DST4[4][4] = { { 10, 0, 0, 2 }, { 172, 16, 1, 2 }, { 172, 16, 2, 2 }, { 172, 16, 3, 2 } };
static const uint8_t LV_SRC6[2][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xa0 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xa1 },
};
static const uint8_t LV_DST6[2][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xb0 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xb1 },
};

/* 20-byte IPv4 header with the given addresses and identification. */
static void ipv4_a(struct frame *f, unsigned proto, unsigned tot, unsigned id, unsigned frag,
		   const uint8_t *src, const uint8_t *dst)
{
	put8(f, 0x45);
	put8(f, 0);
	put16(f, tot);
	put16(f, id);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	memcpy(f->b + f->n, src, 4);
	memcpy(f->b + f->n + 4, dst, 4);
	f->n += 8;
}

static void ipv6_a(struct frame *f, unsigned nh, unsigned plen, const uint8_t *src, const uint8_t *dst)
{
	put32(f, 0x60000000);
	put16(f, plen);
	put8(f, nh);
	put8(f, 64);
	memcpy(f->b + f->n, src, 16);
	memcpy(f->b + f->n + 16, dst, 16);
	f->n += 32;
}

#define GRE_C 0x8000
#define GRE_R 0x4000
#define GRE_K 0x2000
#define GRE_S 0x1000

/* GRE header: 4 bytes + 4 per C, K, S flag (in that order). */
static void gre(struct frame *f, unsigned flags, unsigned proto, uint32_t key, uint32_t seq)
{
	put16(f, flags);
	put16(f, proto);
	if (flags & GRE_C) {
		put16(f, 0xabcd); /* checksum */
		put16(f, 0);      /* reserved1 */
	}
	if (flags & GRE_K)
		put32(f, key);
	if (flags & GRE_S)
		put32(f, seq);
}

static void vxlan(struct frame *f, unsigned flags, uint32_t vni)
{
	put8(f, flags);
	putn(f, 0, 3);
	put32(f, vni << 8);
}

/* Geneve with optwords 4-byte words of options (one option TLV filling them). */
static void geneve(struct frame *f, unsigned ver, unsigned optwords, unsigned proto, uint32_t vni)
{
	put8(f, ver << 6 | optwords);
	put8(f, optwords ? 0x40 : 0); /* C: critical options present */
	put16(f, proto);
	put32(f, vni << 8);
	if (optwords) {
		put16(f, 0x0102);         /* option class */
		put8(f, 0x80);            /* type (critical) */
		put8(f, optwords - 1);    /* length of its data, 4-byte words */
		putn(f, 0x77, (optwords - 1) * 4);
	}
}

static void check_pair(const uint8_t *gs, const uint8_t *gd, int l3, const uint8_t *s, const uint8_t *d)
{
	static const uint8_t zero[12];

	if (l3 == PKT_L3_IPV4) {
		CHECK(memcmp(gs, s, 4) == 0 && memcmp(gs + 4, zero, 12) == 0);
		CHECK(memcmp(gd, d, 4) == 0 && memcmp(gd + 4, zero, 12) == 0);
	} else {
		CHECK(memcmp(gs, s, 16) == 0);
		CHECK(memcmp(gd, d, 16) == 0);
	}
}

/* One IP level as a test expects it. */
struct lvl {
	int l3;
	const uint8_t *src, *dst;
	unsigned proto;
};

static void check_flow(const struct pkt_meta *m, const struct lvl *v)
{
	CHECK_EQ(m->l3, v->l3);
	CHECK_EQ(m->proto, v->proto);
	check_pair(m->src, m->dst, v->l3, v->src, v->dst);
}

/* The outermost tunnel as recorded in tun_*. */
static void check_tun(const struct pkt_meta *m, const struct lvl *outer, int type)
{
	CHECK_EQ(m->tun_type, type);
	CHECK_EQ(m->tun_l3, outer->l3);
	CHECK_EQ(m->outer_l3, outer->l3);
	CHECK_EQ(m->outer_proto, outer->proto);
	check_pair(m->tun_src, m->tun_dst, outer->l3, outer->src, outer->dst);
}

static void test_tunnels_gre(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;
	struct lvl o4 = { PKT_L3_IPV4, LV_SRC4[0], LV_DST4[0], 47 };
	struct lvl o6 = { PKT_L3_IPV6, LV_SRC6[0], LV_DST6[0], 47 };
	struct lvl i4 = { PKT_L3_IPV4, LV_SRC4[1], LV_DST4[1], 6 };
	struct lvl i6 = { PKT_L3_IPV6, LV_SRC6[1], LV_DST6[1], 17 };
	static const unsigned opts[] = { 0, GRE_C, GRE_K, GRE_S, GRE_C | GRE_K, GRE_K | GRE_S,
					 GRE_C | GRE_S, GRE_C | GRE_K | GRE_S };
	unsigned i, ghl;

	/* Every combination of the optional fields, IPv4 over IPv4 carrying TCP. */
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		check_context = "gre_v4_in_v4_options";
		ghl = 4 + 4 * (!!(opts[i] & GRE_C) + !!(opts[i] & GRE_K) + !!(opts[i] & GRE_S));
		f.n = 0;
		eth(&f, 0x8100);
		vlan(&f, 77, 0x0800);
		ipv4_a(&f, 47, 20 + ghl + 40 + 6, 0x1111, 0x4000, LV_SRC4[0], LV_DST4[0]);
		gre(&f, opts[i], 0x0800, 0xfeedf00d, 42);
		ipv4_a(&f, 6, 40 + 6, 0x2222, 0, LV_SRC4[1], LV_DST4[1]);
		tcp(&f, 33000, 22, 100, 200, 5, 0x18);
		putn(&f, 'p', 6);
		CHECK_EQ(f.n, 18 + 20 + ghl + 46);
		CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
		check_flow(&m, &i4);
		CHECK_EQ(m.sport, 33000);
		CHECK_EQ(m.dport, 22);
		CHECK_EQ(m.tcp_seq, 100);
		CHECK_EQ(m.tcp_ack, 200);
		CHECK_EQ(m.tcp_flags, 0x18);
		CHECK_EQ(m.l4_payload, 6);
		CHECK_EQ(m.flags, PKT_F_TUNNEL | PKT_F_HAS_L4);
		CHECK_EQ(m.vlan, 77);
		CHECK_EQ(m.wire_len, f.n);
		check_tun(&m, &o4, PKT_TUN_GRE);
		CHECK_EQ(m.tun_depth, 1);
		CHECK_EQ(m.tun_flags, (opts[i] & GRE_K) ? PKT_TF_ID : 0);
		CHECK_U(m.tun_id, (opts[i] & GRE_K) ? 0xfeedf00du : 0);
		CHECK_EQ(m.tun_sport, 0);
		CHECK_EQ(m.tun_dport, 0);
	}

	check_context = "gre_v6_in_v6_key";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6_a(&f, 47, 8 + 40 + 8 + 3, LV_SRC6[0], LV_DST6[0]);
	gre(&f, GRE_K, 0x86dd, 7, 0);
	ipv6_a(&f, 17, 8 + 3, LV_SRC6[1], LV_DST6[1]);
	udp(&f, 5000, 5001, 11);
	putn(&f, 0, 3);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &i6);
	CHECK_EQ(m.sport, 5000);
	CHECK_EQ(m.dport, 5001);
	CHECK_EQ(m.l4_payload, 3);
	check_tun(&m, &o6, PKT_TUN_GRE);
	CHECK_EQ(m.tun_id, 7);
	CHECK_EQ(m.tun_flags, PKT_TF_ID);
	CHECK_EQ(m.wire_len, f.n);

	check_context = "gre_teb_inner_vlan";
	f.n = 0;
	eth(&f, 0x8100);
	vlan(&f, 300, 0x0800);
	ipv4_a(&f, 47, 20 + 8 + 14 + 4 + 48, 1, 0, LV_SRC4[0], LV_DST4[0]);
	gre(&f, GRE_S, 0x6558, 0, 99);
	eth(&f, 0x8100);
	vlan(&f, 999, 0x86dd); /* inner VLAN: not kept */
	ipv6_a(&f, 17, 8 + 0, LV_SRC6[1], LV_DST6[1]); /* plen 8, UDP header only */
	udp(&f, 53, 53, 8);
	CHECK_EQ(f.n, 18 + 20 + 8 + 18 + 48);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &i6);
	CHECK_EQ(m.sport, 53);
	CHECK_EQ(m.vlan, 300);
	check_tun(&m, &o4, PKT_TUN_GRE);
	CHECK_EQ(m.tun_flags, 0);

	check_context = "gre_not_entered";
	{
		/* version 1 (PPTP), routing bit, ERSPAN, Aruba 802.11, PPP */
		static const unsigned fv[] = { 0x3001, GRE_R, 0, 0, 0 };
		static const unsigned pt[] = { 0x880b, 0x0800, 0x88be, 0x8200, 0x880b };

		for (i = 0; i < 5; i++) {
			f.n = 0;
			eth(&f, 0x0800);
			ipv4_a(&f, 47, 20 + 4 + 40, 1, 0, LV_SRC4[0], LV_DST4[0]);
			put16(&f, fv[i]);
			put16(&f, pt[i]);
			ipv4_a(&f, 6, 40, 2, 0, LV_SRC4[1], LV_DST4[1]);
			tcp(&f, 1, 2, 3, 4, 5, 0x02);
			CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
			check_flow(&m, &o4);
			CHECK_EQ(m.flags, 0);
			CHECK_EQ(m.sport, 0);
			CHECK_EQ(m.tun_type, PKT_TUN_NONE);
			CHECK_EQ(m.outer_proto, 47);
		}
	}

	check_context = "gre_header_beyond_ip";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 47, 20 + 6, 1, 0, LV_SRC4[0], LV_DST4[0]); /* 6 bytes; K needs 8 */
	gre(&f, GRE_K, 0x0800, 1, 0);
	putn(&f, 0, 20); /* trailer: not part of the datagram */
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L4);
	check_flow(&m, &o4);
	CHECK_EQ(m.tun_type, PKT_TUN_NONE);
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 47, 20 + 2, 1, 0, LV_SRC4[0], LV_DST4[0]);
	put16(&f, 0);
	putn(&f, 0, 24);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L4);

	check_context = "gre_first_fragment_not_entered";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 47, 20 + 4 + 40, 0xbeef, 0x2000, LV_SRC4[0], LV_DST4[0]); /* MF */
	gre(&f, 0, 0x0800, 0, 0);
	ipv4_a(&f, 6, 1400, 2, 0, LV_SRC4[1], LV_DST4[1]);
	tcp(&f, 1, 2, 3, 4, 5, 0x02);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &o4);
	CHECK_EQ(m.flags, PKT_F_FRAGMENT);
	CHECK_EQ(m.frag_id, 0xbeef);
	CHECK_EQ(m.frag_off, 0);
	CHECK_EQ(m.frag_more, 1);
	CHECK_EQ(m.tun_type, PKT_TUN_NONE);
}

static void test_tunnels_udp(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;
	struct lvl o4 = { PKT_L3_IPV4, LV_SRC4[0], LV_DST4[0], 17 };
	struct lvl o6 = { PKT_L3_IPV6, LV_SRC6[0], LV_DST6[0], 17 };
	struct lvl i4 = { PKT_L3_IPV4, LV_SRC4[1], LV_DST4[1], 6 };
	struct lvl i6 = { PKT_L3_IPV6, LV_SRC6[1], LV_DST6[1], 17 };
	struct lvl i4icmp = { PKT_L3_IPV4, LV_SRC4[1], LV_DST4[1], 1 };
	unsigned i;

	check_context = "vxlan_v4";
	eth(&f, 0x8100);
	vlan(&f, 12, 0x0800);
	ipv4_a(&f, 17, 20 + 8 + 8 + 14 + 40 + 10, 1, 0x4000, LV_SRC4[0], LV_DST4[0]);
	udp(&f, 54321, 4789, 8 + 8 + 14 + 50);
	vxlan(&f, 0x08, 0x123456);
	eth(&f, 0x0800);
	ipv4_a(&f, 6, 50, 2, 0, LV_SRC4[1], LV_DST4[1]);
	tcp(&f, 443, 60000, 5, 6, 5, 0x11);
	putn(&f, 0, 10);
	CHECK_EQ(f.n, 18 + 20 + 16 + 14 + 50);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &i4);
	CHECK_EQ(m.sport, 443);
	CHECK_EQ(m.dport, 60000);
	CHECK_EQ(m.tcp_flags, 0x11);
	CHECK_EQ(m.l4_payload, 10);
	CHECK_EQ(m.flags, PKT_F_TUNNEL | PKT_F_HAS_L4);
	CHECK_EQ(m.vlan, 12);
	CHECK_EQ(m.wire_len, f.n);
	check_tun(&m, &o4, PKT_TUN_VXLAN);
	CHECK_EQ(m.tun_id, 0x123456);
	CHECK_EQ(m.tun_flags, PKT_TF_ID);
	CHECK_EQ(m.tun_sport, 54321);
	CHECK_EQ(m.tun_dport, 4789);
	CHECK_EQ(m.tun_depth, 1);

	check_context = "vxlan_i_flag_clear";
	f.b[18 + 20 + 8] = 0x00;
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &o4);
	CHECK_EQ(m.sport, 54321);
	CHECK_EQ(m.dport, 4789);
	CHECK_EQ(m.flags, PKT_F_HAS_L4);
	CHECK_EQ(m.tun_type, PKT_TUN_NONE);
	CHECK_EQ(m.l4_payload, 8 + 14 + 50);

	check_context = "vxlan_source_port_only";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 17, 20 + 8 + 8 + 14 + 40, 1, 0, LV_SRC4[0], LV_DST4[0]);
	udp(&f, 4789, 1234, 8 + 8 + 14 + 40); /* to 1234: not VXLAN */
	vxlan(&f, 0x08, 1);
	eth(&f, 0x0800);
	ipv4_a(&f, 6, 40, 2, 0, LV_SRC4[1], LV_DST4[1]);
	tcp(&f, 1, 2, 3, 4, 5, 0);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &o4);
	CHECK_EQ(m.tun_type, PKT_TUN_NONE);

	check_context = "vxlan_arp_inside";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 17, 20 + 8 + 8 + 14 + 28, 1, 0, LV_SRC4[0], LV_DST4[0]);
	udp(&f, 999, 4789, 8 + 8 + 14 + 28);
	vxlan(&f, 0x08, 5);
	eth(&f, 0x0806);
	putn(&f, 0x11, 28);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &o4);
	CHECK_EQ(m.sport, 999);
	CHECK_EQ(m.flags, PKT_F_HAS_L4);
	CHECK_EQ(m.l4_payload, 8 + 14 + 28);
	check_tun(&m, &o4, PKT_TUN_VXLAN); /* recognised, payload not IP */
	CHECK_EQ(m.tun_depth, 0);
	CHECK_EQ(m.tun_id, 5);

	check_context = "vxlan_udp_too_short";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 17, 20 + 8 + 6, 1, 0, LV_SRC4[0], LV_DST4[0]); /* 6 bytes of payload */
	udp(&f, 999, 4789, 14);
	vxlan(&f, 0x08, 5); /* the last 2 bytes are padding */
	putn(&f, 0, 10);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &o4);
	CHECK_EQ(m.flags, PKT_F_HAS_L4);
	CHECK_EQ(m.tun_type, PKT_TUN_NONE);

	check_context = "vxlan_over_v6";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6_a(&f, 17, 8 + 8 + 14 + 48, LV_SRC6[0], LV_DST6[0]);
	udp(&f, 1000, 4789, 8 + 8 + 14 + 48);
	vxlan(&f, 0x08, 0xffffff);
	eth(&f, 0x86dd);
	ipv6_a(&f, 17, 8, LV_SRC6[1], LV_DST6[1]);
	udp(&f, 7, 8, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &i6);
	CHECK_EQ(m.dport, 8);
	check_tun(&m, &o6, PKT_TUN_VXLAN);
	CHECK_EQ(m.tun_id, 0xffffff);

	/* Geneve: no options, and 1..3 words of options, to inner Ethernet. */
	for (i = 0; i <= 3; i++) {
		check_context = "geneve_teb_options";
		f.n = 0;
		eth(&f, 0x0800);
		ipv4_a(&f, 17, 20 + 8 + 8 + 4 * i + 14 + 48, 1, 0, LV_SRC4[0], LV_DST4[0]);
		udp(&f, 40000 + i, 6081, 8 + 8 + 4 * i + 14 + 48);
		geneve(&f, 0, i, 0x6558, 10 + i);
		eth(&f, 0x86dd);
		ipv6_a(&f, 17, 8, LV_SRC6[1], LV_DST6[1]);
		udp(&f, 111, 222, 8);
		CHECK_EQ(f.n, 14 + 20 + 16 + 4 * i + 14 + 48);
		CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
		check_flow(&m, &i6);
		CHECK_EQ(m.sport, 111);
		CHECK_EQ(m.dport, 222);
		check_tun(&m, &o4, PKT_TUN_GENEVE);
		CHECK_EQ(m.tun_id, 10 + i);
		CHECK_EQ(m.tun_sport, 40000 + i);
		CHECK_EQ(m.tun_dport, 6081);
	}

	check_context = "geneve_ipv4_payload";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 17, 20 + 8 + 16 + 28 + 4, 1, 0, LV_SRC4[0], LV_DST4[0]);
	udp(&f, 1, 6081, 8 + 16 + 32);
	geneve(&f, 0, 2, 0x0800, 0xabcdef);
	ipv4_a(&f, 1, 28 + 4, 2, 0, LV_SRC4[1], LV_DST4[1]);
	icmp(&f, 8, 0);
	putn(&f, 0, 4);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &i4icmp);
	CHECK_EQ(m.sport, 0x0800);
	CHECK_EQ(m.l4_payload, 4);
	check_tun(&m, &o4, PKT_TUN_GENEVE);
	CHECK_EQ(m.tun_id, 0xabcdef);

	check_context = "geneve_not_entered";
	{
		/* version 1; protocol 0x88be; options beyond the datagram */
		static const unsigned ver[] = { 1, 0, 0 };
		static const unsigned pt[] = { 0x6558, 0x88be, 0x0800 };
		static const unsigned opt[] = { 0, 0, 63 };

		for (i = 0; i < 3; i++) {
			f.n = 0;
			eth(&f, 0x0800);
			ipv4_a(&f, 17, 20 + 8 + 8 + 40, 1, 0, LV_SRC4[0], LV_DST4[0]);
			udp(&f, 1, 6081, 8 + 8 + 40);
			put8(&f, ver[i] << 6 | opt[i]);
			put8(&f, 0);
			put16(&f, pt[i]);
			put32(&f, 0x00000100);
			ipv4_a(&f, 6, 40, 2, 0, LV_SRC4[1], LV_DST4[1]);
			tcp(&f, 1, 2, 3, 4, 5, 0);
			CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
			check_flow(&m, &o4);
			CHECK_EQ(m.dport, 6081);
			CHECK_EQ(m.flags, PKT_F_HAS_L4);
			CHECK_EQ(m.tun_type, PKT_TUN_NONE);
		}
	}
}

static void test_tunnels_ipip(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;
	struct lvl o4 = { PKT_L3_IPV4, LV_SRC4[0], LV_DST4[0], 4 };
	struct lvl o4_41 = { PKT_L3_IPV4, LV_SRC4[0], LV_DST4[0], 41 };
	struct lvl o6_4 = { PKT_L3_IPV6, LV_SRC6[0], LV_DST6[0], 4 };
	struct lvl o6_41 = { PKT_L3_IPV6, LV_SRC6[0], LV_DST6[0], 41 };
	struct lvl i4 = { PKT_L3_IPV4, LV_SRC4[1], LV_DST4[1], 17 };
	struct lvl i6 = { PKT_L3_IPV6, LV_SRC6[1], LV_DST6[1], 6 };

	check_context = "ipip_4in4";
	eth(&f, 0x0800);
	ipv4_a(&f, 4, 20 + 28 + 5, 1, 0, LV_SRC4[0], LV_DST4[0]);
	ipv4_a(&f, 17, 28 + 5, 2, 0, LV_SRC4[1], LV_DST4[1]);
	udp(&f, 67, 68, 13);
	putn(&f, 0, 5);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &i4);
	CHECK_EQ(m.sport, 67);
	CHECK_EQ(m.l4_payload, 5);
	CHECK_EQ(m.flags, PKT_F_TUNNEL | PKT_F_HAS_L4);
	check_tun(&m, &o4, PKT_TUN_IPIP);
	CHECK_EQ(m.tun_id, 0);
	CHECK_EQ(m.tun_flags, 0);

	check_context = "ipip_6in4";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 41, 20 + 40 + 20, 1, 0, LV_SRC4[0], LV_DST4[0]);
	ipv6_a(&f, 6, 20, LV_SRC6[1], LV_DST6[1]);
	tcp(&f, 80, 1025, 1, 2, 5, 0x12);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &i6);
	CHECK_EQ(m.tcp_flags, 0x12);
	check_tun(&m, &o4_41, PKT_TUN_IPIP);

	check_context = "ipip_4in6";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6_a(&f, 4, 28, LV_SRC6[0], LV_DST6[0]);
	ipv4_a(&f, 17, 28, 2, 0, LV_SRC4[1], LV_DST4[1]);
	udp(&f, 67, 68, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &i4);
	check_tun(&m, &o6_4, PKT_TUN_IPIP);

	check_context = "ipip_6in6_after_ext_header";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6_a(&f, 60, 8 + 40 + 20, LV_SRC6[0], LV_DST6[0]);
	ip6_ext(&f, 41, 0); /* destination options, then IPv6 */
	ipv6_a(&f, 6, 20, LV_SRC6[1], LV_DST6[1]);
	tcp(&f, 80, 1025, 1, 2, 5, 0x10);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &i6);
	check_tun(&m, &o6_41, PKT_TUN_IPIP);
	CHECK_EQ(m.wire_len, f.n);

	check_context = "ipip_raw_link";
	f.n = 0;
	ipv4_a(&f, 4, 20 + 28, 1, 0, LV_SRC4[0], LV_DST4[0]);
	ipv4_a(&f, 17, 28, 2, 0, LV_SRC4[1], LV_DST4[1]);
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_RAW, &m), PKT_OK);
	check_flow(&m, &i4);
	check_tun(&m, &o4, PKT_TUN_IPIP);

	check_context = "ipip_inner_longer_than_outer_clamped";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 4, 20 + 28 + 4, 1, 0, LV_SRC4[0], LV_DST4[0]);
	ipv4_a(&f, 17, 1000, 2, 0, LV_SRC4[1], LV_DST4[1]); /* claims 1000 */
	udp(&f, 1, 2, 980);
	putn(&f, 0, 4);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &i4);
	CHECK_EQ(m.l4_payload, 4); /* what the outer datagram holds */
	CHECK_EQ(m.wire_len, f.n);

	check_context = "ipip_inner_shorter_padding_not_read";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 4, 20 + 28, 1, 0, LV_SRC4[0], LV_DST4[0]);
	ipv4_a(&f, 6, 28, 2, 0, LV_SRC4[1], LV_DST4[1]); /* 8 bytes of TCP */
	putn(&f, 0, 8);
	putn(&f, 0x50, 30); /* Ethernet padding past the outer datagram */
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_TRUNC_L4);
	check_flow(&m, &(struct lvl){ PKT_L3_IPV4, LV_SRC4[1], LV_DST4[1], 6 });
	CHECK_EQ(m.flags, PKT_F_TUNNEL);
}

/* Nesting up to PKT_TUN_MAX, and the level after it left alone. */
static void test_tunnels_nested(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;
	struct lvl o = { PKT_L3_IPV4, LV_SRC4[0], LV_DST4[0], 47 };
	struct lvl l1 = { PKT_L3_IPV4, LV_SRC4[1], LV_DST4[1], 17 };
	struct lvl l2 = { PKT_L3_IPV4, LV_SRC4[2], LV_DST4[2], 6 };
	struct lvl l2ip = { PKT_L3_IPV4, LV_SRC4[2], LV_DST4[2], 4 };
	struct lvl o4 = { PKT_L3_IPV4, LV_SRC4[0], LV_DST4[0], 4 };

	check_context = "nested_gre_vxlan";
	eth(&f, 0x0800);
	ipv4_a(&f, 47, 20 + 8 + 20 + 8 + 8 + 14 + 40, 1, 0, LV_SRC4[0], LV_DST4[0]);
	gre(&f, GRE_K, 0x0800, 0x42, 0);
	ipv4_a(&f, 17, 20 + 8 + 8 + 14 + 40, 2, 0, LV_SRC4[1], LV_DST4[1]);
	udp(&f, 3333, 4789, 8 + 8 + 14 + 40);
	vxlan(&f, 0x08, 77);
	eth(&f, 0x0800);
	ipv4_a(&f, 6, 40, 3, 0, LV_SRC4[2], LV_DST4[2]);
	tcp(&f, 8080, 9090, 1, 2, 5, 0x02);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &l2);
	CHECK_EQ(m.sport, 8080);
	CHECK_EQ(m.dport, 9090);
	CHECK_EQ(m.flags, PKT_F_TUNNEL | PKT_F_HAS_L4);
	CHECK_EQ(m.tun_depth, 2);
	check_tun(&m, &o, PKT_TUN_GRE); /* the outermost tunnel */
	CHECK_EQ(m.tun_id, 0x42);
	CHECK_EQ(m.tun_flags, PKT_TF_ID);
	CHECK_EQ(m.wire_len, f.n);

	check_context = "nested_second_cut";
	/* Inner-most TCP cut: inner addresses valid, depth 2. */
	CHECK_EQ(parse_sc(&f, f.n - 1, f.n - 1, PKT_LINK_ETHERNET, &m), PKT_ERR_TRUNC_L4);
	check_flow(&m, &l2);
	CHECK_EQ(m.tun_depth, 2);
	/* Second inner IP header cut: back to level 1 (a UDP flow). */
	CHECK_EQ(parse_sc(&f, f.n - 30, f.n, PKT_LINK_ETHERNET, &m), PKT_ERR_TRUNC_L4);
	check_flow(&m, &l1);
	CHECK_EQ(m.sport, 3333);
	CHECK_EQ(m.flags, PKT_F_TUNNEL | PKT_F_HAS_L4);
	CHECK_EQ(m.tun_depth, 1);
	check_tun(&m, &o, PKT_TUN_GRE);
	CHECK_EQ(m.wire_len, f.n);

	check_context = "nested_second_bad";
	f.b[f.n - 40] = 0x65; /* innermost IPv4: version 6 */
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L4);
	check_flow(&m, &l1);
	CHECK_EQ(m.tun_depth, 1);

	check_context = "nested_depth_limit";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 4, 20 + 20 + 20 + 28, 1, 0, LV_SRC4[0], LV_DST4[0]);
	ipv4_a(&f, 4, 20 + 20 + 28, 2, 0, LV_SRC4[1], LV_DST4[1]);
	ipv4_a(&f, 4, 20 + 28, 3, 0, LV_SRC4[2], LV_DST4[2]);
	ipv4_a(&f, 17, 28, 4, 0, LV_SRC4[3], LV_DST4[3]);
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &l2ip); /* level 2, whose transport is a third tunnel */
	CHECK_EQ(m.flags, PKT_F_TUNNEL);
	CHECK_EQ(m.sport, 0);
	CHECK_EQ(m.tun_depth, PKT_TUN_MAX);
	CHECK_EQ(m.tun_flags, PKT_TF_DEPTH_LIMIT);
	check_tun(&m, &o4, PKT_TUN_IPIP);

	check_context = "nested_depth_limit_udp";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 4, 20 + 20 + 28 + 8, 1, 0, LV_SRC4[0], LV_DST4[0]);
	ipv4_a(&f, 4, 20 + 28 + 8, 2, 0, LV_SRC4[1], LV_DST4[1]);
	ipv4_a(&f, 17, 28 + 8, 3, 0, LV_SRC4[2], LV_DST4[2]);
	udp(&f, 5, 4789, 16);
	vxlan(&f, 0x08, 1);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &(struct lvl){ PKT_L3_IPV4, LV_SRC4[2], LV_DST4[2], 17 });
	CHECK_EQ(m.dport, 4789);
	CHECK_EQ(m.tun_flags, PKT_TF_DEPTH_LIMIT);
	CHECK_EQ(m.tun_depth, 2);
}

/* Payload problems after an accepted tunnel header. */
static void test_tunnels_inner_errors(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;
	struct lvl o4 = { PKT_L3_IPV4, LV_SRC4[0], LV_DST4[0], 47 };
	struct lvl o4u = { PKT_L3_IPV4, LV_SRC4[0], LV_DST4[0], 17 };
	int i;

	check_context = "inner_bad_version";
	eth(&f, 0x0800);
	ipv4_a(&f, 47, 20 + 4 + 40, 1, 0, LV_SRC4[0], LV_DST4[0]);
	gre(&f, 0, 0x0800, 0, 0);
	ipv4_a(&f, 6, 40, 2, 0, LV_SRC4[1], LV_DST4[1]);
	tcp(&f, 1, 2, 3, 4, 5, 0x02);
	f.b[14 + 24] = 0x35;
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L4);
	check_flow(&m, &o4);
	CHECK_EQ(m.flags, 0);
	check_tun(&m, &o4, PKT_TUN_GRE);
	CHECK_EQ(m.tun_depth, 0);
	CHECK_EQ(m.wire_len, f.n);

	check_context = "inner_gre_says_v6_holds_v4";
	f.b[14 + 24] = 0x45;
	f.b[14 + 22] = 0x86;
	f.b[14 + 23] = 0xdd;
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L4);
	check_flow(&m, &o4);

	check_context = "inner_total_lt_ihl";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 47, 20 + 4 + 40, 1, 0, LV_SRC4[0], LV_DST4[0]);
	gre(&f, 0, 0x0800, 0, 0);
	ipv4_a(&f, 6, 12, 2, 0, LV_SRC4[1], LV_DST4[1]);
	tcp(&f, 1, 2, 3, 4, 5, 0x02);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L4);
	check_flow(&m, &o4);

	check_context = "inner_header_beyond_outer_length";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 47, 20 + 4 + 12, 1, 0, LV_SRC4[0], LV_DST4[0]); /* 12 bytes for a 20-byte header */
	gre(&f, 0, 0x0800, 0, 0);
	ipv4_a(&f, 6, 40, 2, 0, LV_SRC4[1], LV_DST4[1]);
	tcp(&f, 1, 2, 3, 4, 5, 0x02);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L4);
	check_flow(&m, &o4);
	CHECK_EQ(m.wire_len, f.n);
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 47, 20 + 4 + 30, 1, 0, LV_SRC4[0], LV_DST4[0]);
	gre(&f, 0, 0x86dd, 0, 0);
	ipv6_a(&f, 6, 20, LV_SRC6[1], LV_DST6[1]); /* 40 > 30 */
	tcp(&f, 1, 2, 3, 4, 5, 0x02);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L4);
	check_flow(&m, &o4);

	check_context = "inner_ipv6_ext_chain_bad";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 41, 20 + 40 + 9 * 8 + 8, 1, 0, LV_SRC4[0], LV_DST4[0]);
	ipv6_a(&f, 60, 9 * 8 + 8, LV_SRC6[1], LV_DST6[1]);
	for (i = 0; i < 8; i++)
		ip6_ext(&f, 60, 0);
	ip6_ext(&f, 17, 0);
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L4);
	check_flow(&m, &(struct lvl){ PKT_L3_IPV4, LV_SRC4[0], LV_DST4[0], 41 });
	CHECK_EQ(m.tun_type, PKT_TUN_IPIP);
	CHECK_EQ(m.flags, 0);

	check_context = "inner_vlan_overflow";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 17, 20 + 8 + 8 + 14 + 9 * 4 + 28, 1, 0, LV_SRC4[0], LV_DST4[0]);
	udp(&f, 1, 4789, 8 + 8 + 14 + 9 * 4 + 28);
	vxlan(&f, 0x08, 3);
	eth(&f, 0x8100);
	for (i = 0; i < 8; i++)
		vlan(&f, 1, 0x8100);
	vlan(&f, 1, 0x0800);
	ipv4_a(&f, 17, 28, 2, 0, LV_SRC4[1], LV_DST4[1]);
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_TRUNC_L4);
	check_flow(&m, &o4u);
	CHECK_EQ(m.dport, 4789);
	CHECK_EQ(m.flags, PKT_F_HAS_L4);
	check_tun(&m, &o4u, PKT_TUN_VXLAN);
	CHECK_EQ(m.vlan, 0);

	check_context = "inner_tcp_bad_doff";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 4, 20 + 40, 1, 0, LV_SRC4[0], LV_DST4[0]);
	ipv4_a(&f, 6, 40, 2, 0, LV_SRC4[1], LV_DST4[1]);
	tcp(&f, 1, 2, 3, 4, 3, 0x02);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_ERR_BAD_L4);
	check_flow(&m, &(struct lvl){ PKT_L3_IPV4, LV_SRC4[1], LV_DST4[1], 6 });
	CHECK_EQ(m.flags, PKT_F_TUNNEL); /* the inner packet, no ports */
	CHECK_EQ(m.tun_depth, 1);

	check_context = "inner_later_fragment";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 47, 20 + 4 + 20 + 16, 1, 0, LV_SRC4[0], LV_DST4[0]);
	gre(&f, 0, 0x0800, 0, 0);
	ipv4_a(&f, 17, 36, 0x5151, 0x0010, LV_SRC4[1], LV_DST4[1]); /* offset 128 */
	putn(&f, 0, 16);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &(struct lvl){ PKT_L3_IPV4, LV_SRC4[1], LV_DST4[1], 17 });
	CHECK_EQ(m.flags, PKT_F_TUNNEL | PKT_F_FRAGMENT | PKT_F_LATER_FRAGMENT);
	CHECK_EQ(m.frag_id, 0x5151);
	CHECK_EQ(m.frag_off, 128);
	CHECK_EQ(m.frag_more, 0);
	CHECK_EQ(m.outer_proto, 47);
}

/* Expected result for cuts below `below`, walking a frame from its start. */
enum { AT_L2, AT_L3, AT_OUTER, AT_INNER };
struct cut {
	uint32_t below;
	int err;
	int at;      /* AT_L2: l3 NONE; AT_L3: l3 set, no addresses; AT_OUTER/INNER: flow */
	int tun;     /* expected tun_type */
	int has_l4;  /* PKT_F_HAS_L4 expected */
};

static void check_cuts(const struct frame *f, const struct cut *cs, const struct lvl *outer,
		       const struct lvl *inner)
{
	struct pkt_meta m;
	uint32_t cut;
	unsigned k;
	int got, seg;

	for (cut = 0; cut <= f->n; cut++) {
		for (k = 0; cs[k].below <= cut; k++)
			;
		for (seg = 0; seg < 2; seg++) {
			/* seg 0: snap-length cut; seg 1: short first segment */
			got = parse_sc(f, cut, seg ? f->n : cut, PKT_LINK_ETHERNET, &m);
			CHECK_EQ(got, cs[k].err);
			CHECK_EQ(m.tun_type, cs[k].tun);
			CHECK_EQ(!!(m.flags & PKT_F_HAS_L4), cs[k].has_l4);
			switch (cs[k].at) {
			case AT_L2:
				CHECK_EQ(m.l3, PKT_L3_NONE);
				CHECK_EQ(m.outer_l3, PKT_L3_NONE);
				break;
			case AT_L3:
				CHECK_EQ(m.l3, outer->l3);
				CHECK_EQ(m.outer_l3, outer->l3);
				CHECK_EQ(m.tun_depth, 0);
				break;
			case AT_OUTER:
				check_flow(&m, outer);
				CHECK_EQ(m.outer_l3, outer->l3);
				CHECK_EQ(m.outer_proto, outer->proto);
				CHECK_EQ(m.tun_depth, 0);
				break;
			case AT_INNER:
				check_flow(&m, inner);
				CHECK_EQ(m.outer_l3, outer->l3);
				CHECK_EQ(m.outer_proto, outer->proto);
				CHECK_EQ(m.tun_depth, 1);
				break;
			}
			if (cs[k].tun != PKT_TUN_NONE)
				check_tun(&m, outer, cs[k].tun);
			CHECK(m.wire_len >= (seg ? f->n : cut));
		}
	}
}

/* Every truncation point inside each kind of tunnel header. */
static void test_tunnels_truncation(void)
{
	struct frame f = { .n = 0 };
	struct lvl vo = { PKT_L3_IPV4, LV_SRC4[0], LV_DST4[0], 17 };
	struct lvl vi = { PKT_L3_IPV4, LV_SRC4[1], LV_DST4[1], 6 };
	struct lvl go = { PKT_L3_IPV4, LV_SRC4[0], LV_DST4[0], 47 };
	struct lvl gi = { PKT_L3_IPV6, LV_SRC6[1], LV_DST6[1], 17 };
	struct lvl io = { PKT_L3_IPV6, LV_SRC6[0], LV_DST6[0], 41 };
	struct lvl ii = { PKT_L3_IPV6, LV_SRC6[1], LV_DST6[1], 58 };

	/* VXLAN: eth 0-13, IPv4 14-33, UDP 34-41, VXLAN 42-49, inner eth
	 * 50-63, inner IPv4 64-83, inner TCP 84-103, 4 bytes payload. */
	check_context = "trunc_vxlan";
	eth(&f, 0x0800);
	ipv4_a(&f, 17, 20 + 8 + 8 + 14 + 40 + 4, 1, 0, LV_SRC4[0], LV_DST4[0]);
	udp(&f, 2000, 4789, 8 + 8 + 14 + 44);
	vxlan(&f, 0x08, 9);
	eth(&f, 0x0800);
	ipv4_a(&f, 6, 44, 2, 0, LV_SRC4[1], LV_DST4[1]);
	tcp(&f, 1, 2, 3, 4, 5, 0x10);
	putn(&f, 0, 4);
	{
		const struct cut cs[] = {
			{ 14, PKT_ERR_TRUNC_L2, AT_L2, PKT_TUN_NONE, 0 },
			{ 34, PKT_ERR_TRUNC_L3, AT_L3, PKT_TUN_NONE, 0 },
			{ 42, PKT_ERR_TRUNC_L4, AT_OUTER, PKT_TUN_NONE, 0 },  /* UDP header */
			{ 50, PKT_ERR_TRUNC_L4, AT_OUTER, PKT_TUN_NONE, 1 },  /* VXLAN header */
			{ 64, PKT_ERR_TRUNC_L4, AT_OUTER, PKT_TUN_VXLAN, 1 }, /* inner Ethernet */
			{ 84, PKT_ERR_TRUNC_L4, AT_OUTER, PKT_TUN_VXLAN, 1 }, /* inner IPv4 */
			{ 104, PKT_ERR_TRUNC_L4, AT_INNER, PKT_TUN_VXLAN, 0 }, /* inner TCP */
			{ UINT32_MAX, PKT_OK, AT_INNER, PKT_TUN_VXLAN, 1 },
		};
		CHECK_EQ(f.n, 108);
		check_cuts(&f, cs, &vo, &vi);
	}

	/* GRE with C, K, S: eth 0-13, IPv4 14-33, GRE 34-49 (fixed 34-37),
	 * inner IPv6 50-89, UDP 90-97. */
	check_context = "trunc_gre_cks";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 47, 20 + 16 + 48, 1, 0, LV_SRC4[0], LV_DST4[0]);
	gre(&f, GRE_C | GRE_K | GRE_S, 0x86dd, 0x01020304, 5);
	ipv6_a(&f, 17, 8, LV_SRC6[1], LV_DST6[1]);
	udp(&f, 9, 10, 8);
	{
		const struct cut cs[] = {
			{ 14, PKT_ERR_TRUNC_L2, AT_L2, PKT_TUN_NONE, 0 },
			{ 34, PKT_ERR_TRUNC_L3, AT_L3, PKT_TUN_NONE, 0 },
			{ 50, PKT_ERR_TRUNC_L4, AT_OUTER, PKT_TUN_NONE, 0 },  /* GRE + options */
			{ 90, PKT_ERR_TRUNC_L4, AT_OUTER, PKT_TUN_GRE, 0 },   /* inner IPv6 */
			{ 98, PKT_ERR_TRUNC_L4, AT_INNER, PKT_TUN_GRE, 0 },   /* inner UDP */
			{ UINT32_MAX, PKT_OK, AT_INNER, PKT_TUN_GRE, 1 },
		};
		CHECK_EQ(f.n, 98);
		check_cuts(&f, cs, &go, &gi);
	}

	/* Geneve with 2 words of options, IPv4 inside: eth 0-13, IPv4 14-33,
	 * UDP 34-41, Geneve 42-49 + options 50-57, inner IPv4 58-77, TCP 78-97. */
	check_context = "trunc_geneve_opts";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 17, 20 + 8 + 16 + 40, 1, 0, LV_SRC4[0], LV_DST4[0]);
	udp(&f, 2000, 6081, 8 + 16 + 40);
	geneve(&f, 0, 2, 0x0800, 4);
	ipv4_a(&f, 6, 40, 2, 0, LV_SRC4[1], LV_DST4[1]);
	tcp(&f, 1, 2, 3, 4, 5, 0x10);
	{
		const struct cut cs[] = {
			{ 14, PKT_ERR_TRUNC_L2, AT_L2, PKT_TUN_NONE, 0 },
			{ 34, PKT_ERR_TRUNC_L3, AT_L3, PKT_TUN_NONE, 0 },
			{ 42, PKT_ERR_TRUNC_L4, AT_OUTER, PKT_TUN_NONE, 0 },
			{ 58, PKT_ERR_TRUNC_L4, AT_OUTER, PKT_TUN_NONE, 1 },  /* Geneve + options */
			{ 78, PKT_ERR_TRUNC_L4, AT_OUTER, PKT_TUN_GENEVE, 1 },
			{ 98, PKT_ERR_TRUNC_L4, AT_INNER, PKT_TUN_GENEVE, 0 },
			{ UINT32_MAX, PKT_OK, AT_INNER, PKT_TUN_GENEVE, 1 },
		};
		CHECK_EQ(f.n, 98);
		check_cuts(&f, cs, &vo, &vi);
	}

	/* 6in6 with ICMPv6 inside: eth 0-13, IPv6 14-53, inner IPv6 54-93,
	 * ICMPv6 94-101. */
	check_context = "trunc_6in6";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6_a(&f, 41, 48, LV_SRC6[0], LV_DST6[0]);
	ipv6_a(&f, 58, 8, LV_SRC6[1], LV_DST6[1]);
	icmp(&f, 128, 0);
	{
		const struct cut cs[] = {
			{ 14, PKT_ERR_TRUNC_L2, AT_L2, PKT_TUN_NONE, 0 },
			{ 54, PKT_ERR_TRUNC_L3, AT_L3, PKT_TUN_NONE, 0 },
			{ 94, PKT_ERR_TRUNC_L4, AT_OUTER, PKT_TUN_IPIP, 0 },
			{ 102, PKT_ERR_TRUNC_L4, AT_INNER, PKT_TUN_IPIP, 0 },
			{ UINT32_MAX, PKT_OK, AT_INNER, PKT_TUN_IPIP, 1 },
		};
		CHECK_EQ(f.n, 102);
		check_cuts(&f, cs, &io, &ii);
	}
}

/* ICMP/ICMPv6 errors: the quoted datagram, and a quote cut short. */
static void test_icmp_errors(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;
	uint32_t cut, qip;
	int i;

	check_context = "icmp4_unreach_quotes_udp";
	eth(&f, 0x0800);
	ipv4_a(&f, 1, 20 + 8 + 20 + 8, 1, 0, LV_SRC4[0], LV_DST4[0]);
	icmp(&f, 3, 3);
	ipv4_a(&f, 17, 20 + 100, 0x7777, 0, LV_DST4[0], LV_SRC4[2]); /* as sent by the receiver */
	udp(&f, 40001, 53, 108);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &(struct lvl){ PKT_L3_IPV4, LV_SRC4[0], LV_DST4[0], 1 });
	CHECK_EQ(m.sport, 0x0303);
	CHECK_EQ(m.dport, 0);
	CHECK_EQ(m.l4_payload, 28);
	CHECK_EQ(m.flags, PKT_F_HAS_L4 | PKT_F_ICMP_ERROR | PKT_F_QUOTE_L4);
	CHECK_EQ(m.q_l3, PKT_L3_IPV4);
	CHECK_EQ(m.q_proto, 17);
	check_pair(m.q_src, m.q_dst, PKT_L3_IPV4, LV_DST4[0], LV_SRC4[2]);
	CHECK_EQ(m.q_sport, 40001);
	CHECK_EQ(m.q_dport, 53);
	CHECK_EQ(m.frag_id, 0); /* the quote's id is not ours */
	CHECK_EQ(m.tun_type, PKT_TUN_NONE);

	/* Cut by the capture at every point: never an error once the ICMP
	 * header is whole; the quote fields appear as they become complete. */
	qip = 14 + 20 + 8;
	for (cut = qip; cut <= f.n; cut++) {
		CHECK_EQ(parse_sc(&f, cut, cut, PKT_LINK_ETHERNET, &m), PKT_OK);
		CHECK_EQ(m.sport, 0x0303);
		CHECK_EQ(!!(m.flags & PKT_F_ICMP_ERROR), cut >= qip + 20);
		CHECK_EQ(!!(m.flags & PKT_F_QUOTE_L4), cut >= qip + 24);
		if (cut >= qip + 24)
			CHECK_EQ(m.q_dport, 53);
	}
	/* Cut by the message's own length (IP total 20 + 8 + 22). */
	f.b[14 + 3] = 50;
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.flags, PKT_F_HAS_L4 | PKT_F_ICMP_ERROR);
	CHECK_EQ(m.q_proto, 17);
	CHECK_EQ(m.q_sport, 0);
	f.b[14 + 3] = 47;
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.flags, PKT_F_HAS_L4);
	CHECK_EQ(m.q_l3, 0);

	check_context = "icmp4_time_exceeded_quotes_tcp_options";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 1, 20 + 8 + 28 + 8, 1, 0, LV_SRC4[3], LV_DST4[0]);
	icmp(&f, 11, 0);
	put8(&f, 0x47); /* IHL 7: 8 bytes of options */
	put8(&f, 0);
	put16(&f, 1500);
	put16(&f, 1);
	put16(&f, 0x4000);
	put8(&f, 1);
	put8(&f, 6);
	put16(&f, 0);
	memcpy(f.b + f.n, LV_DST4[0], 4);
	memcpy(f.b + f.n + 4, LV_SRC4[1], 4);
	f.n += 8;
	putn(&f, 1, 8);
	put16(&f, 55555);
	put16(&f, 443);
	put32(&f, 0x01020304); /* the first 8 bytes of TCP */
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.sport, 11 << 8);
	CHECK_EQ(m.flags, PKT_F_HAS_L4 | PKT_F_ICMP_ERROR | PKT_F_QUOTE_L4);
	CHECK_EQ(m.q_proto, 6);
	check_pair(m.q_src, m.q_dst, PKT_L3_IPV4, LV_DST4[0], LV_SRC4[1]);
	CHECK_EQ(m.q_sport, 55555);
	CHECK_EQ(m.q_dport, 443);

	check_context = "icmp4_quotes_icmp_echo";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 1, 20 + 8 + 20 + 8, 1, 0, LV_SRC4[3], LV_DST4[0]);
	icmp(&f, 11, 1);
	ipv4_a(&f, 1, 20 + 64, 2, 0, LV_DST4[0], LV_SRC4[2]);
	icmp(&f, 8, 0);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.sport, 0x0b01);
	CHECK_EQ(m.q_proto, 1);
	CHECK_EQ(m.q_sport, 0x0800);
	CHECK_EQ(m.q_dport, 0);
	CHECK_EQ(m.flags, PKT_F_HAS_L4 | PKT_F_ICMP_ERROR | PKT_F_QUOTE_L4);

	check_context = "icmp4_types";
	for (i = 0; i < 256; i++) {
		f.b[14 + 20] = (uint8_t)i;
		parse_sc(&f, f.n, f.n, PKT_LINK_ETHERNET, &m);
		CHECK_EQ(!!(m.flags & PKT_F_ICMP_ERROR),
			 i == 3 || i == 4 || i == 5 || i == 11 || i == 12);
	}

	check_context = "icmp4_quote_bad_version";
	f.b[14 + 20] = 3;
	f.b[14 + 28] = 0x55;
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.flags, PKT_F_HAS_L4);
	f.b[14 + 28] = 0x44; /* IHL 4 */
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.flags, PKT_F_HAS_L4);

	check_context = "icmp4_quotes_later_fragment";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 1, 20 + 8 + 20 + 8, 1, 0, LV_SRC4[3], LV_DST4[0]);
	icmp(&f, 3, 4); /* fragmentation needed */
	ipv4_a(&f, 17, 20 + 8, 2, 0x0004, LV_DST4[0], LV_SRC4[2]);
	putn(&f, 0x99, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.flags, PKT_F_HAS_L4 | PKT_F_ICMP_ERROR);
	CHECK_EQ(m.q_proto, 17);
	CHECK_EQ(m.q_sport, 0);
	CHECK_EQ(m.frag_id, 0);

	check_context = "icmp4_quotes_ah";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 1, 20 + 8 + 20 + 16 + 8, 1, 0, LV_SRC4[3], LV_DST4[0]);
	icmp(&f, 3, 1);
	ipv4_a(&f, 51, 20 + 16 + 8, 2, 0, LV_DST4[0], LV_SRC4[2]);
	put8(&f, 17);
	put8(&f, 2); /* (2 + 2) * 4 = 16 */
	putn(&f, 0, 14);
	udp(&f, 4500, 4501, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.q_proto, 17);
	CHECK_EQ(m.q_sport, 4500);
	CHECK_EQ(m.q_dport, 4501);

	check_context = "icmp6_unreach_quotes_tcp";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6_a(&f, 58, 8 + 40 + 20, LV_SRC6[0], LV_DST6[0]);
	icmp(&f, 1, 4);
	ipv6_a(&f, 6, 20, LV_DST6[0], LV_SRC6[1]);
	tcp(&f, 50000, 80, 1, 0, 5, 0x02);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &(struct lvl){ PKT_L3_IPV6, LV_SRC6[0], LV_DST6[0], 58 });
	CHECK_EQ(m.sport, 0x0104);
	CHECK_EQ(m.flags, PKT_F_HAS_L4 | PKT_F_ICMP_ERROR | PKT_F_QUOTE_L4);
	CHECK_EQ(m.q_l3, PKT_L3_IPV6);
	CHECK_EQ(m.q_proto, 6);
	check_pair(m.q_src, m.q_dst, PKT_L3_IPV6, LV_DST6[0], LV_SRC6[1]);
	CHECK_EQ(m.q_sport, 50000);
	CHECK_EQ(m.q_dport, 80);
	qip = 14 + 40 + 8;
	for (cut = qip; cut <= f.n; cut++) {
		CHECK_EQ(parse_sc(&f, cut, cut, PKT_LINK_ETHERNET, &m), PKT_OK);
		CHECK_EQ(!!(m.flags & PKT_F_ICMP_ERROR), cut >= qip + 40);
		CHECK_EQ(!!(m.flags & PKT_F_QUOTE_L4), cut >= qip + 44);
	}

	check_context = "icmp6_types";
	for (i = 0; i < 256; i++) {
		f.b[14 + 40] = (uint8_t)i;
		parse_sc(&f, f.n, f.n, PKT_LINK_ETHERNET, &m);
		CHECK_EQ(!!(m.flags & PKT_F_ICMP_ERROR), i >= 1 && i <= 4);
	}

	check_context = "icmp6_too_big_quotes_first_fragment";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6_a(&f, 58, 8 + 40 + 8 + 8 + 8, LV_SRC6[0], LV_DST6[0]);
	icmp(&f, 2, 0);
	ipv6_a(&f, 0, 1400, LV_DST6[0], LV_SRC6[1]);
	ip6_ext(&f, 44, 0);
	ip6_frag(&f, 17, 0, 1);
	udp(&f, 1234, 4321, 1000);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.flags, PKT_F_HAS_L4 | PKT_F_ICMP_ERROR | PKT_F_QUOTE_L4);
	CHECK_EQ(m.q_proto, 17);
	CHECK_EQ(m.q_sport, 1234);
	CHECK_EQ(m.q_dport, 4321);
	CHECK_EQ(m.frag_id, 0);
	/* Quote cut inside its extension headers: no quote at all. */
	CHECK_EQ(parse_sc(&f, 14 + 48 + 40 + 12, 14 + 48 + 40 + 12, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.flags, PKT_F_HAS_L4);

	check_context = "icmp6_time_exceeded_quotes_later_fragment";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6_a(&f, 58, 8 + 40 + 8 + 8, LV_SRC6[0], LV_DST6[0]);
	icmp(&f, 3, 1);
	ipv6_a(&f, 44, 1400, LV_DST6[0], LV_SRC6[1]);
	ip6_frag(&f, 6, 100, 1);
	putn(&f, 0x42, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.flags, PKT_F_HAS_L4 | PKT_F_ICMP_ERROR);
	CHECK_EQ(m.q_proto, 6);

	check_context = "icmp6_echo_not_error";
	f.b[14 + 40] = 128;
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.flags, PKT_F_HAS_L4);

	check_context = "icmp_error_in_tunnel";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 47, 20 + 4 + 20 + 8 + 20 + 8, 1, 0, LV_SRC4[0], LV_DST4[0]);
	gre(&f, 0, 0x0800, 0, 0);
	ipv4_a(&f, 1, 20 + 8 + 20 + 8, 2, 0, LV_SRC4[1], LV_DST4[1]);
	icmp(&f, 3, 1);
	ipv4_a(&f, 17, 20 + 8, 3, 0, LV_DST4[1], LV_SRC4[2]);
	udp(&f, 7000, 7001, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &(struct lvl){ PKT_L3_IPV4, LV_SRC4[1], LV_DST4[1], 1 });
	CHECK_EQ(m.flags, PKT_F_TUNNEL | PKT_F_HAS_L4 | PKT_F_ICMP_ERROR | PKT_F_QUOTE_L4);
	check_pair(m.q_src, m.q_dst, PKT_L3_IPV4, LV_DST4[1], LV_SRC4[2]);
	CHECK_EQ(m.q_dport, 7001);
	CHECK_EQ(m.outer_proto, 47);

	check_context = "icmp_quote_of_tunnel_not_entered";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 1, 20 + 8 + 20 + 4 + 20, 1, 0, LV_SRC4[3], LV_DST4[0]);
	icmp(&f, 11, 0);
	ipv4_a(&f, 47, 20 + 4 + 40, 2, 0, LV_DST4[0], LV_SRC4[1]);
	gre(&f, 0, 0x0800, 0, 0);
	ipv4_a(&f, 6, 40, 3, 0, LV_SRC4[2], LV_DST4[2]);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.flags, PKT_F_HAS_L4 | PKT_F_ICMP_ERROR);
	CHECK_EQ(m.q_proto, 47);
	check_pair(m.q_src, m.q_dst, PKT_L3_IPV4, LV_DST4[0], LV_SRC4[1]);
	CHECK_EQ(m.tun_type, PKT_TUN_NONE);
}

/* frag_id / frag_off / frag_more. */
static void test_fragment_ids(void)
{
	struct frame f = { .n = 0 };
	struct pkt_meta m;

	check_context = "frag4_first";
	eth(&f, 0x0800);
	ipv4_a(&f, 17, 20 + 8 + 16, 0xabcd, 0x2000, LV_SRC4[0], LV_DST4[0]);
	udp(&f, 1, 2, 100);
	putn(&f, 0, 16);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.flags, PKT_F_FRAGMENT | PKT_F_HAS_L4);
	CHECK_EQ(m.frag_id, 0xabcd);
	CHECK_EQ(m.frag_off, 0);
	CHECK_EQ(m.frag_more, 1);

	check_context = "frag4_middle";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 17, 20 + 24, 0xabcd, 0x2000 | 3, LV_SRC4[0], LV_DST4[0]);
	putn(&f, 0, 24);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.flags, PKT_F_FRAGMENT | PKT_F_LATER_FRAGMENT);
	CHECK_EQ(m.frag_id, 0xabcd);
	CHECK_EQ(m.frag_off, 24);
	CHECK_EQ(m.frag_more, 1);

	check_context = "frag4_last_max_offset";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 6, 20 + 8, 0xffff, 0x4000 | 0x1fff, LV_SRC4[0], LV_DST4[0]); /* DF ignored */
	putn(&f, 0, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.frag_id, 0xffff);
	CHECK_EQ(m.frag_off, 0x1fff * 8);
	CHECK_EQ(m.frag_more, 0);

	check_context = "frag4_none_df";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 17, 28, 0x1234, 0x4000, LV_SRC4[0], LV_DST4[0]);
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.frag_id, 0);
	CHECK_EQ(m.frag_off, 0);
	CHECK_EQ(m.frag_more, 0);

	check_context = "frag6_first";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 44, 8 + 8);
	ip6_frag(&f, 17, 0, 1); /* identification 0xdeadbeef */
	udp(&f, 1, 2, 100);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.flags, PKT_F_FRAGMENT | PKT_F_HAS_L4);
	CHECK_U(m.frag_id, 0xdeadbeefu);
	CHECK_EQ(m.frag_off, 0);
	CHECK_EQ(m.frag_more, 1);

	check_context = "frag6_later_last";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 44, 8 + 16);
	ip6_frag(&f, 17, 8191, 0);
	putn(&f, 0, 16);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.flags, PKT_F_FRAGMENT | PKT_F_LATER_FRAGMENT);
	CHECK_U(m.frag_id, 0xdeadbeefu);
	CHECK_EQ(m.frag_off, 8191 * 8);
	CHECK_EQ(m.frag_more, 0);

	check_context = "frag6_atomic";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 44, 8 + 8);
	ip6_frag(&f, 17, 0, 0);
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.flags, PKT_F_HAS_L4);
	CHECK_EQ(m.frag_id, 0);

	check_context = "frag4_later_of_tunnel_datagram";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4_a(&f, 4, 20 + 24, 0x0102, 0x0005, LV_SRC4[0], LV_DST4[0]);
	ipv4_a(&f, 6, 40, 2, 0, LV_SRC4[1], LV_DST4[1]); /* looks like IP: not entered */
	putn(&f, 0, 4);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	check_flow(&m, &(struct lvl){ PKT_L3_IPV4, LV_SRC4[0], LV_DST4[0], 4 });
	CHECK_EQ(m.flags, PKT_F_FRAGMENT | PKT_F_LATER_FRAGMENT);
	CHECK_EQ(m.frag_id, 0x0102);
	CHECK_EQ(m.frag_off, 40);
	CHECK_EQ(m.tun_type, PKT_TUN_NONE);
}

int main(void)
{
	test_eth_ipv4_tcp();
	test_ipv4_options();
	test_vlan();
	test_mpls();
	test_pppoe();
	test_ipv6_ext();
	test_ipv4_frag();
	test_icmp_sctp_tunnels();
	test_non_ip();
	test_linktypes();
	test_bad();
	test_wire_len();
	test_truncation_points();
	test_tunnels_gre();
	test_tunnels_udp();
	test_tunnels_ipip();
	test_tunnels_nested();
	test_tunnels_inner_errors();
	test_tunnels_truncation();
	test_icmp_errors();
	test_fragment_ids();
	return check_summary();
}
