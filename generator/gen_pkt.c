#include <string.h>

#include "gen_pkt.h"

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58

/* Internet checksum summed in host byte order: RFC 1071 shows the one's
 * complement sum is byte-order independent, so summing native words and
 * storing the result natively gives the right bytes without swapping.
 * `len` may be odd only for the last block of a sum. */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, unsigned len)
{
	uint32_t w;
	uint16_t h;

	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&w, p, 4);
		sum += w;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint8_t last[2] = { p[0], 0 }; /* odd byte is the high half of a zero-padded word */
		memcpy(&h, last, 2);
		sum += h;
	}
	return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Writes Ethernet + IP headers for an L4 segment of l4_len bytes and returns
 * the pseudo-header sum for the L4 checksum. */
static uint64_t put_l2l3(uint8_t *buf, const struct gen_addr *src, const struct gen_addr *dst,
			 uint16_t ip_id, uint32_t flow_label, uint8_t proto, unsigned l4_len)
{
	uint8_t *ip = buf + GEN_PKT_ETH_LEN;
	uint8_t ph[8] = { 0 };
	uint64_t sum;

	memcpy(buf, dst->mac, 6);
	memcpy(buf + 6, src->mac, 6);
	if (src->v6) {
		put16(buf + 12, 0x86dd);
		put32(ip, 0x60000000u | (flow_label & 0xfffff));
		put16(ip + 4, (uint16_t)l4_len);
		ip[6] = proto;
		ip[7] = src->ttl;
		memcpy(ip + 8, src->ip, 16);
		memcpy(ip + 24, dst->ip, 16);
		sum = csum_add(0, ip + 8, 32);
		put32(ph, l4_len);
		ph[7] = proto;
		return csum_add(sum, ph, 8);
	}
	put16(buf + 12, 0x0800);
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(20 + l4_len));
	put16(ip + 4, ip_id);
	put16(ip + 6, 0x4000); /* DF: Linux sets it on everything with PMTU discovery on */
	ip[8] = src->ttl;
	ip[9] = proto;
	ip[10] = ip[11] = 0;
	memcpy(ip + 12, src->ip, 4);
	memcpy(ip + 16, dst->ip, 4);
	uint16_t c = csum_fold(csum_add(0, ip, 20));
	memcpy(ip + 10, &c, 2);
	if (proto == IPPROTO_ICMP_)
		return 0; /* ICMPv4 has no pseudo-header */
	sum = csum_add(0, ip + 12, 8);
	ph[1] = proto;
	put16(ph + 2, (uint16_t)l4_len);
	return csum_add(sum, ph, 4);
}

unsigned gen_pkt_tcp(uint8_t *buf, const struct gen_addr *src, const struct gen_addr *dst,
		     uint16_t ip_id, uint32_t flow_label, const struct gen_tcp *t,
		     unsigned payload_len)
{
	unsigned hlen = 20u + t->opt_len;
	unsigned l4_len = hlen + payload_len;
	uint8_t *th = buf + gen_pkt_payload_off(src->v6, 0);
	uint64_t sum = put_l2l3(buf, src, dst, ip_id, flow_label, IPPROTO_TCP_, l4_len);

	put16(th, t->sport);
	put16(th + 2, t->dport);
	put32(th + 4, t->seq);
	put32(th + 8, t->ack);
	th[12] = (uint8_t)((hlen / 4) << 4);
	th[13] = t->flags;
	put16(th + 14, t->win);
	th[16] = th[17] = 0;
	th[18] = th[19] = 0;
	if (t->opt_len)
		memcpy(th + 20, t->opts, t->opt_len);
	uint16_t c = csum_fold(csum_add(sum, th, l4_len));
	memcpy(th + 16, &c, 2);
	return (unsigned)(th - buf) + l4_len;
}

unsigned gen_pkt_udp(uint8_t *buf, const struct gen_addr *src, const struct gen_addr *dst,
		     uint16_t ip_id, uint32_t flow_label, uint16_t sport, uint16_t dport,
		     unsigned payload_len)
{
	unsigned l4_len = 8 + payload_len;
	uint8_t *uh = buf + gen_pkt_payload_off(src->v6, 0);
	uint64_t sum = put_l2l3(buf, src, dst, ip_id, flow_label, IPPROTO_UDP_, l4_len);

	put16(uh, sport);
	put16(uh + 2, dport);
	put16(uh + 4, (uint16_t)l4_len);
	uh[6] = uh[7] = 0;
	uint16_t c = csum_fold(csum_add(sum, uh, l4_len));
	if (c == 0)
		c = 0xffff; /* 0 means "no checksum" in UDP; send its other zero */
	memcpy(uh + 6, &c, 2);
	return (unsigned)(uh - buf) + l4_len;
}

unsigned gen_pkt_echo(uint8_t *buf, const struct gen_addr *src, const struct gen_addr *dst,
		      uint16_t ip_id, int reply, uint16_t ident, uint16_t seq,
		      unsigned payload_len)
{
	unsigned l4_len = 8 + payload_len;
	uint8_t *ih = buf + gen_pkt_payload_off(src->v6, 0);
	uint8_t proto = src->v6 ? IPPROTO_ICMPV6_ : IPPROTO_ICMP_;
	uint64_t sum = put_l2l3(buf, src, dst, ip_id, 0, proto, l4_len);

	if (src->v6)
		ih[0] = reply ? 129 : 128;
	else
		ih[0] = reply ? 0 : 8;
	ih[1] = 0;
	ih[2] = ih[3] = 0;
	put16(ih + 4, ident);
	put16(ih + 6, seq);
	uint16_t c = csum_fold(csum_add(sum, ih, l4_len));
	memcpy(ih + 2, &c, 2);
	return (unsigned)(ih - buf) + l4_len;
}
