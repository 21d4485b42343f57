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
 *    options are never read, so a cut inside them is not an error. An ICMP
 *    error's quote is read without ever failing (parse_quote).
 * Tunnels. parse_l4 does not recurse: on a tunnel header it accepts, it
 * records where the payload starts and ends in struct pctx (nx_*) and
 * returns; parse_tunnels then runs the link/L3/L4 stages again on the
 * payload, one level per tunnel, at most PKT_TUN_MAX. A level's bytes are
 * bounded by what its enclosing header states (`len` is min(seg_len,
 * stated end), pctx.end the stated end), so Ethernet padding or a lying
 * outer length is never read as inner bytes. Before a level overwrites the
 * flow fields it snapshots them; if the payload yields no inner IP header to
 * key on, the snapshot comes back and the error is mapped onto the
 * delivering packet's transport (TRUNC_L4/BAD_L4), so the flow fields
 * always describe a packet whose addresses are good. Only the outermost
 * level updates wire_len and vlan.
 * Loops are bounded (VLAN_MAX, MPLS_MAX, IP6_EXT_MAX, PKT_TUN_MAX); no
 * division, no allocation, no writes outside *m. */
#include <stddef.h>
#include <string.h>

#include "pkt_parse.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
/* Tunnel and quote code stays out of the plain path: inlined, it made
 * pkt_parse and parse_l4 save six registers and build a frame on every
 * packet (124 -> 196 instructions per plain TCP packet, callgrind). */
#define PP_NOINLINE __attribute__((noinline))
#define PP_COLD __attribute__((cold, noinline))

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
	UDP_HLEN = 8,
	ICMP_HLEN = 8,         /* type, code, checksum, 4 bytes; an error's quote follows */
	GRE_HLEN = 4,          /* flags/version + protocol type; optional fields follow */
	VXLAN_HLEN = 8,
	GENEVE_HLEN = 8,       /* fixed part; options follow */
	VLAN_MAX = 8,          /* bounds the loop; real stacks stop at 3 */
	MPLS_MAX = 32,         /* > 16: broken captures hold 23-label stacks tshark decodes */
	IP6_EXT_MAX = 8,
};

enum {
	ET_IPV4 = 0x0800,
	ET_IPV6 = 0x86dd,
	ET_TEB = 0x6558,        /* transparent Ethernet bridging: an Ethernet frame follows */
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
	IPP_IPIP = 4,
	IPP_TCP = 6,
	IPP_UDP = 17,
	IPP_IPV6 = 41,
	IPP_ROUTING = 43,
	IPP_FRAGMENT = 44,
	IPP_GRE = 47,
	IPP_AH = 51,
	IPP_ICMPV6 = 58,
	IPP_DSTOPTS = 60,
	IPP_SCTP = 132,
};

enum {
	UDP_PORT_VXLAN = 4789,  /* IANA; Linux's old default 8472 is not taken */
	UDP_PORT_GENEVE = 6081,
	GRE_F_C = 0x8000,       /* checksum + reserved1 present (4 bytes) */
	GRE_F_R = 0x4000,       /* RFC 1701 routing present: not entered */
	GRE_F_K = 0x2000,       /* key present (4 bytes, RFC 2890) */
	GRE_F_S = 0x1000,       /* sequence number present (4 bytes, RFC 2890) */
	GRE_VER = 0x0007,       /* 0 = GRE; 1 = PPTP enhanced GRE, not entered */
	VXLAN_F_I = 0x08,       /* VNI valid; RFC 7348 requires it */
};

/* ICMP types that quote the offending datagram, as bit masks by type:
 * ICMP 3, 4, 5, 11, 12 (RFC 1122 3.2.2 error messages), ICMPv6 1-4 (RFC 4443). */
#define ICMP4_ERR_MASK ((1u << 3) | (1u << 4) | (1u << 5) | (1u << 11) | (1u << 12))
#define ICMP6_ERR_MASK ((1u << 1) | (1u << 2) | (1u << 3) | (1u << 4))

/* BSD AF_INET6 values seen in DLT_NULL/LOOP headers (NetBSD/OpenBSD, FreeBSD, Darwin). */
enum { BSD_AF_INET = 2, BSD_AF_INET6_BSD = 24, BSD_AF_INET6_FREEBSD = 28, BSD_AF_INET6_DARWIN = 30 };

/* IPv6 payload length 0 (jumbogram, TSO): IP length unknown, bound by capture only. */
#define IPREM_UNKNOWN UINT32_MAX
/* pctx.end when no enclosing header states where a level ends (the outermost one). */
#define END_UNKNOWN UINT32_MAX

/* The flow fields: everything before outer_l3 (see pkt_parse.h). A tunnel
 * level clears them, except the frame fields vlan and wire_len. */
#define FLOW_FIELDS_END offsetof(struct pkt_meta, outer_l3)
_Static_assert(offsetof(struct pkt_meta, q_dst) < FLOW_FIELDS_END &&
		       offsetof(struct pkt_meta, tun_type) > FLOW_FIELDS_END,
	       "flow fields must precede the outer/tunnel fields");

/* Per call: the frame, and the level being parsed. */
struct pctx {
	const uint8_t *data;
	uint32_t cap;      /* bytes captured in all; only level 0 derives wire_len */
	uint32_t end;      /* offset where the enclosing header says this level ends */
	uint32_t depth;    /* tunnels entered to reach this level */
	const uint8_t *ip; /* this level's IP header (tun_src/tun_dst come from it) */
	uint8_t l3;        /* this level's m->l3. Copying m->l3 and m->proto together
			    * lets GCC merge them into one 16-bit load over two
			    * fresh byte stores: a store-forwarding stall, +4 ns
			    * per packet. */
	/* Set by parse_l4 when it accepts a tunnel header (nx_et != 0). */
	uint32_t nx_off;   /* payload offset */
	uint32_t nx_len;   /* payload's readable end: min(this level's, nx_end) */
	uint32_t nx_end;   /* payload's stated end, END_UNKNOWN if not stated */
	uint16_t nx_et;    /* ET_IPV4, ET_IPV6 or ET_TEB */
};

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

/* A stated remainder less b bytes; unknown stays unknown. */
static inline uint32_t rem_sub(uint32_t rem, uint32_t b)
{
	return rem == IPREM_UNKNOWN ? rem : rem - b;
}

/* memset/memcpy in pieces of at most 64 bytes, n a constant: GCC makes one
 * larger call a `rep stos`/`rep movs`, which cost 7 -> 24 ns per packet
 * here, while these pieces become a few vector stores (GCC and clang). */
static inline void zero_chunked(void *dst, size_t n)
{
	uint8_t *p = dst;

	for (; n > 64; p += 64, n -= 64)
		memset(p, 0, 64);
	memset(p, 0, n);
}

static inline void copy_chunked(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	for (; n > 64; d += 64, s += 64, n -= 64)
		memcpy(d, s, 64);
	memcpy(d, s, n);
}

static inline int fail(struct pkt_meta *m, int err)
{
	m->err = (uint8_t)err;
	return err;
}

/* The datagram an ICMP/ICMPv6 error quotes: n readable bytes at p (already
 * bounded by the message's length). Never fails: sets the q_* fields and
 * PKT_F_ICMP_ERROR only once the quoted IP header, extension headers
 * included, was read whole, and PKT_F_QUOTE_L4 once its ports were. */
PP_COLD static void parse_quote(const uint8_t *p, uint32_t n, struct pkt_meta *m)
{
	uint32_t hl, ext;
	uint8_t nh, l3;
	int k, later;

	if (n < 1)
		return;
	if ((p[0] >> 4) == 4) {
		hl = (uint32_t)(p[0] & 0x0f) << 2;
		if (n < IP4_HLEN || hl < IP4_HLEN || n < hl)
			return;
		l3 = PKT_L3_IPV4;
		nh = p[9];
		later = (rd16(p + 6) & 0x1fff) != 0;
		if (nh == IPP_AH && !later) {
			if (n - hl < IP6_EXT_MIN)
				return;
			ext = ((uint32_t)p[hl + 1] + 2) << 2;
			if (n - hl < ext)
				return;
			nh = p[hl];
			hl += ext;
		}
		memcpy(m->q_src, p + 12, 4);
		memcpy(m->q_dst, p + 16, 4);
	} else if ((p[0] >> 4) == 6) {
		if (n < IP6_HLEN)
			return;
		l3 = PKT_L3_IPV6;
		nh = p[6];
		hl = IP6_HLEN;
		later = 0;
		for (k = 0; nh == IPP_HOPOPT || nh == IPP_ROUTING || nh == IPP_FRAGMENT ||
			    nh == IPP_DSTOPTS || nh == IPP_AH; k++) {
			if (k == IP6_EXT_MAX || n - hl < IP6_EXT_MIN)
				return;
			if (nh == IPP_FRAGMENT) {
				ext = IP6_EXT_MIN;
				later = (rd16(p + hl + 2) & 0xfff8) != 0;
			} else if (nh == IPP_AH) {
				ext = ((uint32_t)p[hl + 1] + 2) << 2;
			} else {
				ext = ((uint32_t)p[hl + 1] + 1) << 3;
			}
			if (n - hl < ext)
				return;
			nh = p[hl];
			hl += ext;
			if (later)
				break;
		}
		memcpy(m->q_src, p + 8, 16);
		memcpy(m->q_dst, p + 24, 16);
	} else {
		return;
	}
	m->q_l3 = l3;
	m->q_proto = nh;
	m->flags |= PKT_F_ICMP_ERROR;
	if (later)
		return;
	p += hl;
	n -= hl;
	switch (nh) {
	case IPP_TCP:
	case IPP_UDP:
	case IPP_SCTP:
		if (n < 4)
			return;
		m->q_dport = rd16(p + 2);
		break;
	case IPP_ICMP:
	case IPP_ICMPV6:
		if (n < 2)
			return;
		break;
	default:
		return;
	}
	m->q_sport = rd16(p); /* ports, or ICMP type << 8 | code */
	m->flags |= PKT_F_QUOTE_L4;
}

/* May a tunnel be entered from this level? Not from a fragment (the
 * datagram's later fragments hold no tunnel header, so the whole datagram
 * stays one outer flow), and not past PKT_TUN_MAX. */
static inline int tunnel_allowed(const struct pctx *c, struct pkt_meta *m)
{
	if (unlikely(m->flags & PKT_F_FRAGMENT))
		return 0;
	if (unlikely(c->depth >= PKT_TUN_MAX)) {
		m->tun_flags |= PKT_TF_DEPTH_LIMIT;
		return 0;
	}
	return 1;
}

/* Records an accepted tunnel: its header of hl bytes starts at l4 (the
 * transport header position), lim = min(avail, iprem) bytes are readable
 * from l4 and iprem stated. The caller has checked hl <= lim. The
 * outermost one also fills the outer and tunnel fields, reading ports and
 * addresses from the packet rather than from *m, which was just written. */
static inline int tunnel_enter(struct pctx *c, const uint8_t *l4, uint32_t hl, uint32_t lim,
			       uint32_t iprem, uint16_t et, uint8_t type, uint32_t id, uint8_t tf,
			       struct pkt_meta *m)
{
	uint32_t off = (uint32_t)(l4 - c->data);

	c->nx_et = et;
	c->nx_off = off + hl;
	c->nx_len = off + lim;
	c->nx_end = iprem >= END_UNKNOWN - off ? END_UNKNOWN : off + iprem;
	if (c->depth == 0) {
		m->outer_l3 = c->l3;
		m->outer_proto = m->proto;
		m->tun_type = type;
		m->tun_l3 = c->l3;
		m->tun_flags |= tf;
		m->tun_id = id;
		if (type == PKT_TUN_VXLAN || type == PKT_TUN_GENEVE) {
			m->tun_sport = rd16(l4);
			m->tun_dport = rd16(l4 + 2);
		}
		if (c->l3 == PKT_L3_IPV4) {
			memcpy(m->tun_src, c->ip + 12, 4);
			memcpy(m->tun_dst, c->ip + 16, 4);
		} else {
			memcpy(m->tun_src, c->ip + 8, 16);
			memcpy(m->tun_dst, c->ip + 24, 16);
		}
	}
	return PKT_OK;
}

/* IPv4 (IP protocol 4) or IPv6 (41) right at l4: no tunnel header. */
PP_COLD static int parse_ipip(struct pctx *c, const uint8_t *l4, uint32_t lim, uint32_t iprem, uint8_t proto,
		      struct pkt_meta *m)
{
	if (!tunnel_allowed(c, m))
		return PKT_OK;
	return tunnel_enter(c, l4, 0, lim, iprem, proto == IPP_IPIP ? ET_IPV4 : ET_IPV6,
			    PKT_TUN_IPIP, 0, 0, m);
}

/* GRE at l4 (RFC 2784, key and sequence of RFC 2890). */
PP_COLD static int parse_gre(struct pctx *c, const uint8_t *l4, uint32_t avail, uint32_t iprem,
		     struct pkt_meta *m)
{
	uint32_t hl, opt, key = 0;
	uint16_t fv, pt;

	if (!tunnel_allowed(c, m))
		return PKT_OK;
	if (unlikely(iprem < GRE_HLEN))
		return fail(m, PKT_ERR_BAD_L4);
	if (unlikely(avail < GRE_HLEN))
		return fail(m, PKT_ERR_TRUNC_L4);
	fv = rd16(l4);
	pt = rd16(l4 + 2);
	/* Routing (RFC 1701 source routes) and PPTP's version 1: not entered. */
	if (fv & (GRE_F_R | GRE_VER))
		return PKT_OK;
	if (pt != ET_IPV4 && pt != ET_IPV6 && pt != ET_TEB)
		return PKT_OK;
	opt = (fv & GRE_F_C) ? 4 : 0; /* the key follows checksum + reserved1 */
	hl = GRE_HLEN + opt + ((fv & GRE_F_K) ? 4 : 0) + ((fv & GRE_F_S) ? 4 : 0);
	if (unlikely(iprem < hl))
		return fail(m, PKT_ERR_BAD_L4);
	if (unlikely(avail < hl))
		return fail(m, PKT_ERR_TRUNC_L4);
	if (fv & GRE_F_K)
		key = rd32(l4 + GRE_HLEN + opt);
	return tunnel_enter(c, l4, hl, min_u32(avail, iprem), iprem, pt, PKT_TUN_GRE, key,
			    (fv & GRE_F_K) ? PKT_TF_ID : 0, m);
}

/* VXLAN or Geneve after the UDP header at l4 (ports already read, the 8
 * UDP bytes known readable). A payload the IP length says is too short for
 * the tunnel header, or a header we do not take, leaves plain UDP. */
PP_COLD static int parse_udp_tunnel(struct pctx *c, const uint8_t *l4, uint32_t avail, uint32_t iprem,
			    struct pkt_meta *m)
{
	const uint8_t *t = l4 + UDP_HLEN;
	uint32_t tav = avail - UDP_HLEN, trem = rem_sub(iprem, UDP_HLEN), hl;
	uint16_t et;
	uint8_t type;

	if (!tunnel_allowed(c, m))
		return PKT_OK;
	_Static_assert(VXLAN_HLEN == GENEVE_HLEN, "one check for both fixed headers");
	if (trem < VXLAN_HLEN)
		return PKT_OK;
	if (unlikely(tav < VXLAN_HLEN))
		return fail(m, PKT_ERR_TRUNC_L4);
	if (m->dport == UDP_PORT_VXLAN) {
		if (!(t[0] & VXLAN_F_I))
			return PKT_OK;
		type = PKT_TUN_VXLAN;
		et = ET_TEB;
		hl = VXLAN_HLEN;
	} else {
		if (t[0] >> 6) /* version */
			return PKT_OK;
		type = PKT_TUN_GENEVE;
		et = rd16(t + 2);
		if (et != ET_TEB && et != ET_IPV4 && et != ET_IPV6)
			return PKT_OK;
		hl = GENEVE_HLEN + ((uint32_t)(t[0] & 0x3f) << 2); /* options, 4-byte units */
		if (trem < hl)
			return PKT_OK;
		if (unlikely(tav < hl))
			return fail(m, PKT_ERR_TRUNC_L4);
	}
	/* VNI: bytes 4-6 in both. */
	return tunnel_enter(c, l4, UDP_HLEN + hl, min_u32(avail, iprem), iprem, et, type,
			    rd32(t + 4) >> 8, PKT_TF_ID, m);
}

/* Transport header at l4: `avail` readable bytes, `iprem` bytes per the IP
 * length (IPREM_UNKNOWN if not stated). Fills ports/flags and l4_payload;
 * on a tunnel it accepts, fills c->nx_* instead of going on. */
static inline int parse_l4(struct pctx *c, const uint8_t *l4, uint32_t avail, uint32_t iprem,
			   uint8_t proto, struct pkt_meta *m)
{
	uint32_t lim = min_u32(avail, iprem);
	uint32_t hl;

	/* TCP and UDP first: a switch over protocols up to 47 (GRE) becomes
	 * a jump table, slower for the bulk of the traffic. */
	if (likely(proto == IPP_TCP)) {
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
	}
	if (likely(proto == IPP_UDP)) {
		if (unlikely(lim < UDP_HLEN))
			return fail(m, PKT_ERR_TRUNC_L4);
		m->sport = rd16(l4);
		m->dport = rd16(l4 + 2);
		m->flags |= PKT_F_HAS_L4;
		m->l4_payload = iprem - UDP_HLEN;
		if (unlikely(m->dport == UDP_PORT_VXLAN || m->dport == UDP_PORT_GENEVE))
			return parse_udp_tunnel(c, l4, avail, iprem, m);
		return PKT_OK;
	}
	switch (proto) {
	case IPP_ICMP:
	case IPP_ICMPV6:
		if (unlikely(lim < ICMP_HLEN))
			return fail(m, PKT_ERR_TRUNC_L4);
		m->sport = rd16(l4); /* type << 8 | code */
		m->flags |= PKT_F_HAS_L4;
		m->l4_payload = iprem - ICMP_HLEN;
		if (unlikely(l4[0] < 32 &&
			     ((proto == IPP_ICMP ? ICMP4_ERR_MASK : ICMP6_ERR_MASK) >> l4[0] & 1)))
			parse_quote(l4 + ICMP_HLEN, lim - ICMP_HLEN, m);
		return PKT_OK;
	case IPP_SCTP:
		if (unlikely(lim < 12))
			return fail(m, PKT_ERR_TRUNC_L4);
		m->sport = rd16(l4);
		m->dport = rd16(l4 + 2);
		m->flags |= PKT_F_HAS_L4;
		m->l4_payload = iprem - 12;
		return PKT_OK;
	case IPP_GRE:
		return parse_gre(c, l4, avail, iprem, m);
	case IPP_IPIP:
	case IPP_IPV6:
		return parse_ipip(c, l4, lim, iprem, proto, m);
	default:
		/* ESP, ...: no ports, transport length unknown. */
		return PKT_OK;
	}
}

/* IPv4 header at data[off]; len readable bytes in all (from data). At a
 * tunnel level the header must fit in what the tunnel states (else BAD),
 * and a total length beyond it is clamped to it. */
static inline int parse_ipv4(struct pctx *c, uint32_t len, uint32_t off, struct pkt_meta *m)
{
	const uint8_t *ip = c->data + off;
	uint32_t avail = len - off;
	uint32_t room = c->end == END_UNKNOWN ? IPREM_UNKNOWN : c->end - off;
	uint32_t hl, tot, frag;

	c->ip = ip;
	if (unlikely(room < IP4_HLEN))
		return fail(m, PKT_ERR_BAD_L3);
	if (unlikely(avail < IP4_HLEN))
		return fail(m, PKT_ERR_TRUNC_L3);
	hl = (uint32_t)(ip[0] & 0x0f) << 2;
	if (unlikely((ip[0] >> 4) != 4 || hl < IP4_HLEN))
		return fail(m, PKT_ERR_BAD_L3);
	tot = rd16(ip + 2);
	if (unlikely(tot < hl || hl > room))
		return fail(m, PKT_ERR_BAD_L3);
	if (unlikely(avail < hl))
		return fail(m, PKT_ERR_TRUNC_L3);
	if (likely(c->depth == 0)) {
		/* cap >= len >= off, so cap - off cannot wrap. */
		if (tot > c->cap - off)
			m->wire_len = off + tot;
	} else if (tot > room) {
		tot = room;
	}
	memcpy(m->src, ip + 12, 4);
	memcpy(m->dst, ip + 16, 4);
	m->proto = ip[9];
	frag = rd16(ip + 6);
	if (unlikely(frag & 0x3fff)) { /* MF or offset */
		m->flags |= PKT_F_FRAGMENT;
		m->frag_id = rd16(ip + 4);
		m->frag_off = (uint16_t)((frag & 0x1fff) << 3);
		m->frag_more = (frag & 0x2000) != 0;
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
	return parse_l4(c, ip + hl, avail - hl, tot - hl, m->proto, m);
}

/* IPv6 header at data[off]: walks hop-by-hop, routing, fragment,
 * destination options and AH headers to the transport. Tunnel levels bound
 * it as parse_ipv4 does. */
static inline int parse_ipv6(struct pctx *c, uint32_t len, uint32_t off, struct pkt_meta *m)
{
	const uint8_t *p = c->data + off;
	uint32_t avail = len - off;
	uint32_t room = c->end == END_UNKNOWN ? IPREM_UNKNOWN : c->end - off;
	uint32_t plen, iprem, hl;
	uint8_t nh;
	int n, ret;

	c->ip = p;
	if (unlikely(room < IP6_HLEN))
		return fail(m, PKT_ERR_BAD_L3);
	if (unlikely(avail < IP6_HLEN))
		return fail(m, PKT_ERR_TRUNC_L3);
	if (unlikely((p[0] >> 4) != 6))
		return fail(m, PKT_ERR_BAD_L3);
	plen = rd16(p + 4);
	iprem = plen;
	if (likely(plen != 0)) {
		if (likely(c->depth == 0)) {
			if (IP6_HLEN + plen > c->cap - off)
				m->wire_len = off + IP6_HLEN + plen;
		} else if (plen > room - IP6_HLEN) {
			iprem = room - IP6_HLEN;
		}
	} else {
		iprem = rem_sub(room, IP6_HLEN);
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
			if (fo & 0xfff9) { /* offset or M */
				m->flags |= PKT_F_FRAGMENT;
				m->frag_id = rd32(p + 4);
				m->frag_off = fo & 0xfff8;
				m->frag_more = fo & 1;
			}
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
	ret = parse_l4(c, p, avail, iprem, nh, m);
	if (unlikely(plen == 0))
		m->l4_payload = 0;
	return ret;
}

/* Dispatch on the L3 kind found by the link stage. */
static inline int parse_l3(struct pctx *c, uint32_t len, uint32_t off, int l3, struct pkt_meta *m)
{
	m->l3 = (uint8_t)l3;
	m->l3_off = (uint8_t)(off < PKT_L3_OFF_FAR ? off : PKT_L3_OFF_FAR);
	c->l3 = (uint8_t)l3;
	if (likely(l3 == PKT_L3_IPV4))
		return parse_ipv4(c, len, off, m);
	return parse_ipv6(c, len, off, m);
}

/* Raw IP: the version nibble is all there is to go by. */
static inline int parse_raw(struct pctx *c, uint32_t len, uint32_t off, struct pkt_meta *m)
{
	if (unlikely(len - off < 1))
		return fail(m, PKT_ERR_TRUNC_L3);
	switch (c->data[off] >> 4) {
	case 4:
		return parse_l3(c, len, off, PKT_L3_IPV4, m);
	case 6:
		return parse_l3(c, len, off, PKT_L3_IPV6, m);
	default:
		return fail(m, PKT_ERR_BAD_L3);
	}
}

/* From ethertype `et` whose payload starts at data[off]: VLAN tags (any
 * TPID we know), then MPLS, PPPoE session or LLC/SNAP, to IP. Non-IP
 * payloads end here with PKT_OK and l3 NONE. Only the outermost level keeps
 * a VLAN id. */
static inline int parse_ether(struct pctx *c, uint32_t len, uint32_t off, uint16_t et,
			      struct pkt_meta *m)
{
	const uint8_t *data = c->data;
	uint32_t lbl;
	int n;

	for (n = 0; unlikely(et == ET_VLAN || et == ET_QINQ || et == ET_QINQ_OLD); n++) {
		if (unlikely(n == VLAN_MAX || len - off < VLAN_HLEN))
			return fail(m, PKT_ERR_TRUNC_L2);
		if (n == 0 && c->depth == 0)
			m->vlan = rd16(data + off) & 0x0fff;
		et = rd16(data + off + 2);
		off += VLAN_HLEN;
	}
	if (likely(et == ET_IPV4))
		return parse_l3(c, len, off, PKT_L3_IPV4, m);
	if (likely(et == ET_IPV6))
		return parse_l3(c, len, off, PKT_L3_IPV6, m);

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
			return parse_l3(c, len, off, PKT_L3_IPV4, m);
		case 6:
			return parse_l3(c, len, off, PKT_L3_IPV6, m);
		default:
			return PKT_OK;
		}
	case ET_PPPOE_SESS:
		if (unlikely(len - off < PPPOE_HLEN))
			return fail(m, PKT_ERR_TRUNC_L2);
		switch (rd16(data + off + 6)) {
		case PPP_IPV4:
			return parse_l3(c, len, off + PPPOE_HLEN, PKT_L3_IPV4, m);
		case PPP_IPV6:
			return parse_l3(c, len, off + PPPOE_HLEN, PKT_L3_IPV6, m);
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
					return parse_l3(c, len, off, PKT_L3_IPV4, m);
				if (et == ET_IPV6)
					return parse_l3(c, len, off, PKT_L3_IPV6, m);
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

/* The outermost level: link header and everything below it. */
static inline int parse_link(struct pctx *c, uint32_t seg_len, int linktype, struct pkt_meta *m)
{
	const uint8_t *data = c->data;
	uint32_t af;
	int l3;

	switch (linktype) {
	case PKT_LINK_ETHERNET:
		if (unlikely(seg_len < ETH_HLEN))
			return fail(m, PKT_ERR_TRUNC_L2);
		return parse_ether(c, seg_len, ETH_HLEN, rd16(data + 12), m);
	case PKT_LINK_RAW:
	case PKT_LINK_RAW_BSD12:
	case PKT_LINK_RAW_BSD14:
		return parse_raw(c, seg_len, 0, m);
	case PKT_LINK_LINUX_SLL:
		if (unlikely(seg_len < SLL_HLEN))
			return fail(m, PKT_ERR_TRUNC_L2);
		if (unlikely(rd16(data + 2) == ARPHRD_NETLINK))
			return PKT_OK;
		return parse_ether(c, seg_len, SLL_HLEN, rd16(data + 14), m);
	case PKT_LINK_LINUX_SLL2:
		if (unlikely(seg_len < SLL2_HLEN))
			return fail(m, PKT_ERR_TRUNC_L2);
		if (unlikely(rd16(data + 8) == ARPHRD_NETLINK))
			return PKT_OK;
		return parse_ether(c, seg_len, SLL2_HLEN, rd16(data + 0), m);
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
		return parse_l3(c, seg_len, NULL_HLEN, l3, m);
	default:
		return fail(m, PKT_ERR_LINKTYPE);
	}
}

/* Enters the tunnel parse_l4 recorded in c->nx_*, and any nested one up to
 * PKT_TUN_MAX. Each level is parsed over the flow fields; one that yields
 * no inner IP header to key on (l3 NONE, or an L2/L3 error) is undone, and
 * its error mapped onto the delivering packet's transport payload. */
PP_NOINLINE static int parse_tunnels(struct pctx *c, struct pkt_meta *m)
{
	struct pkt_meta snap;
	uint32_t off, len;
	uint16_t et;
	int ret;

	do {
		et = c->nx_et;
		off = c->nx_off;
		len = c->nx_len;
		/* Only the flow fields change below; the others are set once. */
		copy_chunked(&snap, m, FLOW_FIELDS_END);
		zero_chunked(m, FLOW_FIELDS_END);
		m->vlan = snap.vlan;
		m->wire_len = snap.wire_len;
		c->nx_et = 0;
		c->end = c->nx_end;
		c->depth++;
		if (et == ET_TEB) {
			if (unlikely(len - off < ETH_HLEN))
				ret = fail(m, PKT_ERR_TRUNC_L2);
			else
				ret = parse_ether(c, len, off + ETH_HLEN, rd16(c->data + off + 12), m);
		} else {
			ret = parse_l3(c, len, off, et == ET_IPV4 ? PKT_L3_IPV4 : PKT_L3_IPV6, m);
		}
		if (unlikely(m->l3 == PKT_L3_NONE || ret == PKT_ERR_TRUNC_L2 ||
			     ret == PKT_ERR_TRUNC_L3 || ret == PKT_ERR_BAD_L3)) {
			copy_chunked(m, &snap, FLOW_FIELDS_END);
			ret = ret == PKT_OK ? PKT_OK
			    : ret == PKT_ERR_BAD_L3 ? PKT_ERR_BAD_L4 : PKT_ERR_TRUNC_L4;
			m->err = (uint8_t)ret;
			return ret;
		}
		m->flags |= PKT_F_TUNNEL;
		m->tun_depth = (uint8_t)c->depth;
	} while (c->nx_et != 0);
	return ret;
}

int pkt_parse(const uint8_t *data, uint32_t seg_len, uint32_t cap_len, int linktype,
	      struct pkt_meta *m)
{
	struct pctx c;
	int ret;

	zero_chunked(m, sizeof(*m));
	/* Misuse guard: never believe fewer captured bytes than are readable. */
	if (unlikely(cap_len < seg_len))
		cap_len = seg_len;
	m->wire_len = cap_len;
	c.data = data;
	c.cap = cap_len;
	c.end = END_UNKNOWN;
	c.depth = 0;
	c.l3 = PKT_L3_NONE;
	c.nx_et = 0;

	ret = parse_link(&c, seg_len, linktype, m);
	if (unlikely(c.nx_et != 0))
		return parse_tunnels(&c, m);
	m->outer_l3 = c.l3;
	m->outer_proto = m->proto;
	return ret;
}
