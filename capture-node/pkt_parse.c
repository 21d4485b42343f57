/* L2-L4 parse of one captured frame; see pkt_parse.h.
 *
 * DESIGN
 * Three stages, each handed a pointer, the bytes readable from it (`avail`,
 * bounded by seg_len) and, from L3 on, the bytes the IP header says follow
 * (`iprem`). Every read is preceded by a check against `avail`; lengths
 * stated in a header are checked against `iprem` first, so a header that
 * lies is BAD_* while one cut by the capture is TRUNC_*.
 *  - link: link header, then VLAN tags / MPLS stack / PPPoE / LLC-SNAP
 *    down to an IPv4 or IPv6 header, or a non-IP payload (l3 NONE, PKT_OK).
 *  - L3: IPv4 (options skipped) or IPv6 (extension headers walked). m->l3 is
 *    set as soon as the link layer names IP, so a broken IP header is still
 *    counted as IPv4/IPv6 (as tshark does); src/dst are valid once the IP
 *    header itself passed (err is PKT_OK or an L4 error).
 *  - L4: fixed transport header only (TCP 20, UDP 8, ICMP 8, SCTP 12); TCP
 *    options are never read, so a cut inside them is not an error.
 * Tunnels are not entered: GRE/IPIP/6in6 stop at the outer header.
 * Loops are bounded (VLAN_MAX, MPLS_MAX, IP6_EXT_MAX); no division, no
 * allocation, no writes outside *m. */
#include <string.h>

#include "pkt_parse.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

enum {
	ETH_HLEN = 14,
	SLL_HLEN = 16,
	SLL2_HLEN = 20,
	NULL_HLEN = 4,
	VLAN_HLEN = 4,
	MPLS_HLEN = 4,
	PPPOE_HLEN = 8,        /* 6 PPPoE session + 2 PPP protocol */
	SNAP_HLEN = 8,         /* LLC AA AA 03 + OUI 00 00 00 + ethertype */
	IP4_HLEN = 20,
	IP6_HLEN = 40,
	IP6_EXT_MIN = 8,       /* every extension header we walk is >= 8 bytes */
	VLAN_MAX = 8,          /* bounds the loop; real stacks stop at 3 */
	MPLS_MAX = 32,         /* > 16: broken captures hold 23-label stacks tshark decodes */
	IP6_EXT_MAX = 8,
};

enum {
	ET_IPV4 = 0x0800,
	ET_IPV6 = 0x86dd,
	ET_VLAN = 0x8100,
	ET_QINQ = 0x88a8,
	ET_QINQ_OLD = 0x9100,
	ET_MPLS_UC = 0x8847,
	ET_MPLS_MC = 0x8848,
	ET_PPPOE_SESS = 0x8864,
	ET_MAX_8023_LEN = 1500, /* type field <= this is an 802.3 length */
	PPP_IPV4 = 0x0021,
	PPP_IPV6 = 0x0057,
	MPLS_LABEL_GAL = 13,
	MPLS_LABEL_OAM = 14,
	ARPHRD_NETLINK = 824,   /* SLL: protocol is a netlink family, not an ethertype */
};

enum {
	IPP_HOPOPT = 0,
	IPP_ICMP = 1,
	IPP_TCP = 6,
	IPP_UDP = 17,
	IPP_ROUTING = 43,
	IPP_FRAGMENT = 44,
	IPP_AH = 51,
	IPP_ICMPV6 = 58,
	IPP_DSTOPTS = 60,
	IPP_SCTP = 132,
};

/* BSD AF_INET6 values seen in DLT_NULL/LOOP headers (NetBSD/OpenBSD, FreeBSD, Darwin). */
enum { BSD_AF_INET = 2, BSD_AF_INET6_BSD = 24, BSD_AF_INET6_FREEBSD = 28, BSD_AF_INET6_DARWIN = 30 };

/* IPv6 payload length 0 (jumbogram, TSO): IP length unknown, bound by capture only. */
#define IPREM_UNKNOWN UINT32_MAX

/* Byte assembly: unaligned-safe and compiles to a load + bswap. */
static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static inline int fail(struct pkt_meta *m, int err)
{
	m->err = (uint8_t)err;
	return err;
}

/* Transport header at l4: `avail` readable bytes, `iprem` bytes per the IP
 * length (IPREM_UNKNOWN if not stated). Fills ports/flags and l4_payload. */
static inline int parse_l4(const uint8_t *l4, uint32_t avail, uint32_t iprem, uint8_t proto,
			   struct pkt_meta *m)
{
	uint32_t lim = min_u32(avail, iprem);
	uint32_t hl;

	switch (proto) {
	case IPP_TCP:
		if (unlikely(lim < 20))
			return fail(m, PKT_ERR_TRUNC_L4);
		hl = (uint32_t)(l4[12] >> 4) << 2;
		if (unlikely(hl < 20 || hl > iprem))
			return fail(m, PKT_ERR_BAD_L4);
		/* Options are not read: a cut inside them is no error. */
		m->sport = rd16(l4);
		m->dport = rd16(l4 + 2);
		m->tcp_seq = rd32(l4 + 4);
		m->tcp_ack = rd32(l4 + 8);
		m->tcp_flags = l4[13];
		m->flags |= PKT_F_HAS_L4;
		m->l4_payload = iprem - hl;
		return PKT_OK;
	case IPP_UDP:
		hl = 8;
		break;
	case IPP_ICMP:
	case IPP_ICMPV6:
		if (unlikely(lim < 8))
			return fail(m, PKT_ERR_TRUNC_L4);
		m->sport = rd16(l4); /* type << 8 | code */
		m->flags |= PKT_F_HAS_L4;
		m->l4_payload = iprem - 8;
		return PKT_OK;
	case IPP_SCTP:
		hl = 12;
		break;
	default:
		/* GRE, IPIP, ESP, ...: no ports, transport length unknown. */
		return PKT_OK;
	}
	if (unlikely(lim < hl))
		return fail(m, PKT_ERR_TRUNC_L4);
	m->sport = rd16(l4);
	m->dport = rd16(l4 + 2);
	m->flags |= PKT_F_HAS_L4;
	m->l4_payload = iprem - hl;
	return PKT_OK;
}

/* IPv4 header at data[off]; len readable bytes in all, cap captured. */
static inline int parse_ipv4(const uint8_t *data, uint32_t len, uint32_t cap, uint32_t off,
			     struct pkt_meta *m)
{
	const uint8_t *ip = data + off;
	uint32_t avail = len - off;
	uint32_t hl, tot, frag;

	if (unlikely(avail < IP4_HLEN))
		return fail(m, PKT_ERR_TRUNC_L3);
	hl = (uint32_t)(ip[0] & 0x0f) << 2;
	if (unlikely((ip[0] >> 4) != 4 || hl < IP4_HLEN))
		return fail(m, PKT_ERR_BAD_L3);
	tot = rd16(ip + 2);
	if (unlikely(tot < hl))
		return fail(m, PKT_ERR_BAD_L3);
	if (unlikely(avail < hl))
		return fail(m, PKT_ERR_TRUNC_L3);
	/* cap >= len >= off, so cap - off cannot wrap. */
	if (tot > cap - off)
		m->wire_len = off + tot;
	memcpy(m->src, ip + 12, 4);
	memcpy(m->dst, ip + 16, 4);
	m->proto = ip[9];
	frag = rd16(ip + 6);
	if (unlikely(frag & 0x3fff)) { /* MF or offset */
		m->flags |= PKT_F_FRAGMENT;
		if (frag & 0x1fff) {
			/* No transport header here; all of it is transport payload. */
			m->flags |= PKT_F_LATER_FRAGMENT;
			m->l4_payload = tot - hl;
			return PKT_OK;
		}
	}
	if (unlikely(m->proto == IPP_AH)) {
		/* AH sits between IPv4 and the transport; tshark dissects through it. */
		uint32_t lim = min_u32(avail, tot) - hl, ahl;

		if (unlikely(tot - hl < IP6_EXT_MIN))
			return fail(m, PKT_ERR_BAD_L3);
		if (unlikely(lim < IP6_EXT_MIN))
			return fail(m, PKT_ERR_TRUNC_L3);
		ahl = ((uint32_t)ip[hl + 1] + 2) << 2;
		if (unlikely(ahl > tot - hl))
			return fail(m, PKT_ERR_BAD_L3);
		if (unlikely(ahl > lim))
			return fail(m, PKT_ERR_TRUNC_L3);
		m->proto = ip[hl];
		hl += ahl;
	}
	return parse_l4(ip + hl, avail - hl, tot - hl, m->proto, m);
}

/* IPv6 header at data[off]: walks hop-by-hop, routing, fragment,
 * destination options and AH headers to the transport. */
static inline int parse_ipv6(const uint8_t *data, uint32_t len, uint32_t cap, uint32_t off,
			     struct pkt_meta *m)
{
	const uint8_t *p = data + off;
	uint32_t avail = len - off;
	uint32_t plen, iprem, hl;
	uint8_t nh;
	int n, ret;

	if (unlikely(avail < IP6_HLEN))
		return fail(m, PKT_ERR_TRUNC_L3);
	if (unlikely((p[0] >> 4) != 6))
		return fail(m, PKT_ERR_BAD_L3);
	plen = rd16(p + 4);
	iprem = plen;
	if (likely(plen != 0)) {
		if (IP6_HLEN + plen > cap - off)
			m->wire_len = off + IP6_HLEN + plen;
	} else {
		iprem = IPREM_UNKNOWN;
	}
	nh = p[6];
	memcpy(m->src, p + 8, 16);
	memcpy(m->dst, p + 24, 16);
	p += IP6_HLEN;
	avail -= IP6_HLEN;

	for (n = 0;; n++) {
		if (likely(nh != IPP_HOPOPT && nh != IPP_ROUTING && nh != IPP_FRAGMENT &&
			   nh != IPP_DSTOPTS && nh != IPP_AH))
			break;
		m->proto = nh; /* where we stopped, should the chain fail */
		if (unlikely(n == IP6_EXT_MAX))
			return fail(m, PKT_ERR_BAD_L3);
		if (unlikely(iprem < IP6_EXT_MIN))
			return fail(m, PKT_ERR_BAD_L3);
		if (unlikely(avail < IP6_EXT_MIN))
			return fail(m, PKT_ERR_TRUNC_L3);
		if (nh == IPP_FRAGMENT) {
			uint16_t fo = rd16(p + 2);

			hl = 8;
			if (fo & 0xfff9) /* offset or M */
				m->flags |= PKT_F_FRAGMENT;
			if (fo & 0xfff8) {
				m->flags |= PKT_F_LATER_FRAGMENT;
				m->proto = p[0];
				m->l4_payload = plen ? iprem - hl : 0;
				return PKT_OK;
			}
		} else if (nh == IPP_AH) {
			hl = ((uint32_t)p[1] + 2) << 2;
		} else {
			hl = ((uint32_t)p[1] + 1) << 3;
		}
		if (unlikely(hl > iprem))
			return fail(m, PKT_ERR_BAD_L3);
		if (unlikely(hl > avail))
			return fail(m, PKT_ERR_TRUNC_L3);
		nh = p[0];
		p += hl;
		avail -= hl;
		if (iprem != IPREM_UNKNOWN)
			iprem -= hl;
	}
	m->proto = nh;
	ret = parse_l4(p, avail, iprem, nh, m);
	if (unlikely(plen == 0))
		m->l4_payload = 0;
	return ret;
}

/* Dispatch on the L3 kind found by the link stage. */
static inline int parse_l3(const uint8_t *data, uint32_t len, uint32_t cap, uint32_t off,
			   int l3, struct pkt_meta *m)
{
	m->l3 = (uint8_t)l3;
	if (likely(l3 == PKT_L3_IPV4))
		return parse_ipv4(data, len, cap, off, m);
	return parse_ipv6(data, len, cap, off, m);
}

/* Raw IP: the version nibble is all there is to go by. */
static inline int parse_raw(const uint8_t *data, uint32_t len, uint32_t cap, uint32_t off,
			    struct pkt_meta *m)
{
	if (unlikely(len - off < 1))
		return fail(m, PKT_ERR_TRUNC_L3);
	switch (data[off] >> 4) {
	case 4:
		return parse_l3(data, len, cap, off, PKT_L3_IPV4, m);
	case 6:
		return parse_l3(data, len, cap, off, PKT_L3_IPV6, m);
	default:
		return fail(m, PKT_ERR_BAD_L3);
	}
}

/* From ethertype `et` whose payload starts at data[off]: VLAN tags (any
 * TPID we know), then MPLS, PPPoE session or LLC/SNAP, to IP. Non-IP
 * payloads end here with PKT_OK and l3 NONE. */
static inline int parse_ether(const uint8_t *data, uint32_t len, uint32_t cap, uint32_t off,
			      uint16_t et, struct pkt_meta *m)
{
	uint32_t lbl;
	int n;

	for (n = 0; unlikely(et == ET_VLAN || et == ET_QINQ || et == ET_QINQ_OLD); n++) {
		if (unlikely(n == VLAN_MAX || len - off < VLAN_HLEN))
			return fail(m, PKT_ERR_TRUNC_L2);
		if (n == 0)
			m->vlan = rd16(data + off) & 0x0fff;
		et = rd16(data + off + 2);
		off += VLAN_HLEN;
	}
	if (likely(et == ET_IPV4))
		return parse_l3(data, len, cap, off, PKT_L3_IPV4, m);
	if (likely(et == ET_IPV6))
		return parse_l3(data, len, cap, off, PKT_L3_IPV6, m);

	switch (et) {
	case ET_MPLS_UC:
	case ET_MPLS_MC:
		for (n = 0;; n++) {
			if (unlikely(n == MPLS_MAX || len - off < MPLS_HLEN))
				return fail(m, PKT_ERR_TRUNC_L2);
			off += MPLS_HLEN;
			if (data[off - 2] & 0x01) /* bottom of stack */
				break;
		}
		/* GAL (13) and OAM alert (14) carry control payloads, not IP. */
		lbl = rd32(data + off - MPLS_HLEN) >> 12;
		if (unlikely(lbl == MPLS_LABEL_GAL || lbl == MPLS_LABEL_OAM))
			return PKT_OK;
		/* No payload type in MPLS: guess by IP version nibble, as tshark does. */
		if (unlikely(len - off < 1))
			return fail(m, PKT_ERR_TRUNC_L2);
		switch (data[off] >> 4) {
		case 4:
			return parse_l3(data, len, cap, off, PKT_L3_IPV4, m);
		case 6:
			return parse_l3(data, len, cap, off, PKT_L3_IPV6, m);
		default:
			return PKT_OK;
		}
	case ET_PPPOE_SESS:
		if (unlikely(len - off < PPPOE_HLEN))
			return fail(m, PKT_ERR_TRUNC_L2);
		switch (rd16(data + off + 6)) {
		case PPP_IPV4:
			return parse_l3(data, len, cap, off + PPPOE_HLEN, PKT_L3_IPV4, m);
		case PPP_IPV6:
			return parse_l3(data, len, cap, off + PPPOE_HLEN, PKT_L3_IPV6, m);
		default:
			return PKT_OK;
		}
	default:
		break;
	}
	if (et <= ET_MAX_8023_LEN) {
		/* 802.3 length: LLC follows. SNAP with OUI 0 carries an
		 * ethertype (rare, but IP rides on it); other LLC is not IP.
		 * A cut LLC/SNAP header is an L2 error, not "non-IP", so a
		 * longer capture of the same frame never parses differently. */
		if (unlikely(len - off < 3))
			return fail(m, PKT_ERR_TRUNC_L2);
		if (data[off] == 0xaa && data[off + 1] == 0xaa && data[off + 2] == 0x03) {
			if (unlikely(len - off < SNAP_HLEN))
				return fail(m, PKT_ERR_TRUNC_L2);
			if ((data[off + 3] | data[off + 4] | data[off + 5]) == 0) {
				et = rd16(data + off + 6);
				off += SNAP_HLEN;
				if (et == ET_IPV4)
					return parse_l3(data, len, cap, off, PKT_L3_IPV4, m);
				if (et == ET_IPV6)
					return parse_l3(data, len, cap, off, PKT_L3_IPV6, m);
			}
		}
	}
	return PKT_OK;
}

/* NULL/LOOP address family to L3 kind, 0 if not IP. */
static inline int bsd_af_to_l3(uint32_t af)
{
	switch (af) {
	case BSD_AF_INET:
		return PKT_L3_IPV4;
	case BSD_AF_INET6_BSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		return PKT_L3_IPV6;
	default:
		return PKT_L3_NONE;
	}
}

int pkt_parse(const uint8_t *data, uint32_t seg_len, uint32_t cap_len, int linktype,
	      struct pkt_meta *m)
{
	uint32_t af;
	int l3;

	memset(m, 0, sizeof(*m));
	/* Misuse guard: never believe fewer captured bytes than are readable. */
	if (unlikely(cap_len < seg_len))
		cap_len = seg_len;
	m->wire_len = cap_len;

	switch (linktype) {
	case PKT_LINK_ETHERNET:
		if (unlikely(seg_len < ETH_HLEN))
			return fail(m, PKT_ERR_TRUNC_L2);
		return parse_ether(data, seg_len, cap_len, ETH_HLEN, rd16(data + 12), m);
	case PKT_LINK_RAW:
	case PKT_LINK_RAW_BSD12:
	case PKT_LINK_RAW_BSD14:
		return parse_raw(data, seg_len, cap_len, 0, m);
	case PKT_LINK_LINUX_SLL:
		if (unlikely(seg_len < SLL_HLEN))
			return fail(m, PKT_ERR_TRUNC_L2);
		if (unlikely(rd16(data + 2) == ARPHRD_NETLINK))
			return PKT_OK;
		return parse_ether(data, seg_len, cap_len, SLL_HLEN, rd16(data + 14), m);
	case PKT_LINK_LINUX_SLL2:
		if (unlikely(seg_len < SLL2_HLEN))
			return fail(m, PKT_ERR_TRUNC_L2);
		if (unlikely(rd16(data + 8) == ARPHRD_NETLINK))
			return PKT_OK;
		return parse_ether(data, seg_len, cap_len, SLL2_HLEN, rd16(data + 0), m);
	case PKT_LINK_NULL:
	case PKT_LINK_LOOP:
		if (unlikely(seg_len < NULL_HLEN))
			return fail(m, PKT_ERR_TRUNC_L2);
		if (linktype == PKT_LINK_LOOP) {
			af = rd32(data);
		} else {
			/* Host order of the capturing machine: if that was the
			 * other endianness the family lands in the high half. */
			memcpy(&af, data, sizeof(af));
			if (af & 0xffff0000u)
				af = __builtin_bswap32(af);
		}
		l3 = bsd_af_to_l3(af);
		if (unlikely(l3 == PKT_L3_NONE))
			return PKT_OK;
		return parse_l3(data, seg_len, cap_len, NULL_HLEN, l3, m);
	default:
		return fail(m, PKT_ERR_LINKTYPE);
	}
}
