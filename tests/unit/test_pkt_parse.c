/* pkt_parse on hand-built frames. Every expected value comes from the bytes
 * the test writes, never from a parser run. Each parse copies the frame to
 * a heap block of exactly the readable size, so an ASan build catches any
 * read past seg_len; every frame is also re-parsed at every cut length. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
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
	return ret;
}

static int is_trunc(int err)
{
	return err == PKT_ERR_TRUNC_L2 || err == PKT_ERR_TRUNC_L3 || err == PKT_ERR_TRUNC_L4;
}

/* Every prefix as a snap-length cut and as a short first segment: must not
 * crash (ASan). A short segment that parses without a truncation error read
 * nothing beyond it, so it must give exactly the full frame's result. */
static void sweep(const struct frame *f, int lt)
{
	struct pkt_meta m, full;
	uint32_t cut;

	parse_sc(f, f->n, f->n, lt, &full);
	for (cut = 0; cut <= f->n; cut++) {
		parse_sc(f, cut, cut, lt, &m);
		if (!is_trunc(parse_sc(f, cut, f->n, lt, &m)))
			CHECK(memcmp(&m, &full, sizeof(m)) == 0);
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

	check_context = "ipv6_in_ipv6_not_decapsulated";
	f.n = 0;
	eth(&f, 0x86dd);
	ipv6(&f, 41, 48);
	ipv6(&f, 17, 8);
	udp(&f, 10, 20, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.proto, 41);
	CHECK_EQ(m.flags, 0);
	CHECK_EQ(m.sport, 0);
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

	check_context = "gre_not_decapsulated";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 47, 20 + 4 + 28, 5, 0);
	put16(&f, 0);
	put16(&f, 0x0800);
	ipv4(&f, 17, 28, 5, 0);
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.proto, 47);
	CHECK_EQ(m.flags, 0);
	CHECK_EQ(m.sport, 0);
	CHECK_EQ(m.dport, 0);

	check_context = "ipip_not_decapsulated";
	f.n = 0;
	eth(&f, 0x0800);
	ipv4(&f, 4, 20 + 28, 5, 0);
	ipv4(&f, 17, 28, 5, 0);
	udp(&f, 1, 2, 8);
	CHECK_EQ(parse(&f, PKT_LINK_ETHERNET, &m), PKT_OK);
	CHECK_EQ(m.proto, 4);
	CHECK_EQ(m.flags, 0);

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
	return check_summary();
}
