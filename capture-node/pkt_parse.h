/* L2-L4 parse of one captured frame into a fixed-size summary.
 *
 * Pure function of the bytes: no DPDK, no allocation, no globals, so it is
 * unit-tested on byte arrays and fuzzed. Every read is checked against the
 * bytes actually captured; a frame that lies about a length is reported by
 * reason and never read past its end.
 *
 * Link types (pcap LINKTYPE_* numbers): ETHERNET 1, RAW 101 (and DLT 12/14),
 * LINUX_SLL 113, LINUX_SLL2 276, NULL 0, LOOP 108. Inside: 802.1Q/802.1ad/
 * 0x9100 VLAN tags at any depth (the outermost VLAN id is kept), MPLS label
 * stacks, PPPoE session; IPv4 with options and fragments, IPv6 with
 * extension headers and fragments; TCP, UDP, SCTP ports, ICMP/ICMPv6 type
 * and code, and the datagram an ICMP/ICMPv6 error quotes.
 *
 * Tunnels are decapsulated, at most PKT_TUN_MAX deep:
 *   IP-in-IP  IP protocol 4 (IPv4) or 41 (IPv6) in IPv4 or IPv6
 *             (4in4, 6in4, 4in6, 6in6);
 *   GRE       IP protocol 47, version 0, no routing (RFC 2784/2890; the
 *             checksum, key and sequence fields are skipped), payload type
 *             0x0800 IPv4, 0x86DD IPv6, 0x6558 Ethernet. Other payload types
 *             (ERSPAN, Aruba 0x8200 802.11, PPP, ...) and GRE version 1 are
 *             not entered: the packet is a plain GRE packet, as before;
 *   VXLAN     UDP destination port 4789, I flag set (RFC 7348), Ethernet;
 *   Geneve    UDP destination port 6081, version 0, options skipped by their
 *             length (RFC 8926), protocol type 0x6558 Ethernet, 0x0800 IPv4
 *             or 0x86DD IPv6.
 * The Ethernet inside VXLAN/Geneve/GRE 0x6558 is parsed like an outer one
 * (VLAN, MPLS, PPPoE, LLC/SNAP), except that its VLAN ids are not kept.
 * A fragmented IP datagram is never entered (a later fragment holds no
 * tunnel header, so neither does the first): its fragments are reported as
 * the outer flow, keyed for reassembly by frag_id.
 *
 * WHAT THE FIELDS MEAN
 *  Flow fields: l3, src, dst, proto, sport, dport, tcp_flags, tcp_seq,
 *  tcp_ack, l4_payload, the PKT_F_FRAGMENT/LATER_FRAGMENT/HAS_L4/ICMP_ERROR/
 *  QUOTE_L4 bits of flags, frag_*, q_*. They describe ONE IP packet: the
 *  innermost one whose IP header passed whole. Without a tunnel that is the
 *  packet itself, exactly as before this interface grew tunnels (a
 *  non-tunnel packet gets the same values it always did). With PKT_F_TUNNEL
 *  it is the packet inside tun_depth tunnels; key flows on these.
 *  Frame fields: vlan (outermost VLAN id of the frame) and wire_len (the
 *  frame's on-the-wire length) always describe the outer frame.
 *  Outer fields: outer_l3 and outer_proto are the OUTERMOST IP header's
 *  version and transport protocol (after IPv6 extension headers and AH),
 *  set for every packet: equal to l3/proto whenever tun_depth is 0. Count
 *  packets by protocol on these to stay comparable with tshark, which
 *  counts a frame under its first IP header and the transport after it.
 *  A PKT_F_TUNNEL packet's outer header is never a fragment, so the
 *  fragment bits of flags, which describe the flow fields' packet, are not
 *  the outer header's: count an outer later fragment as
 *  (flags & (PKT_F_LATER_FRAGMENT | PKT_F_TUNNEL)) == PKT_F_LATER_FRAGMENT.
 *  Tunnel fields (tun_*): the OUTERMOST tunnel, set once its header was read
 *  whole and accepted (tun_type != PKT_TUN_NONE), even when its payload then
 *  could not be parsed (see ERRORS): tun_l3/tun_src/tun_dst are the outer IP
 *  header's addresses (equal to outer_l3), tun_sport/tun_dport the outer
 *  UDP ports of VXLAN/Geneve (0 for GRE/IP-in-IP), tun_id the VXLAN/Geneve
 *  VNI or the GRE key when PKT_TF_ID says one was present.
 *
 * ERRORS (err). No new reason: sa_counter.h's SA_C_ERR_* block maps 1:1 to
 * enum pkt_err, so tunnels reuse the existing ones.
 *  - A tunnel header (GRE with its optional fields, VXLAN, Geneve with its
 *    options) cut short by the capture: PKT_ERR_TRUNC_L4; a GRE header
 *    longer than the IP payload: PKT_ERR_BAD_L4. Not entered, tun_type
 *    NONE, flow fields = the outer packet. A UDP payload too short, per the
 *    IP length, for a VXLAN/Geneve header is plain UDP (PKT_OK).
 *  - Tunnel header accepted, but the payload gives no inner IP header to key
 *    on: the flow fields stay on the delivering packet (the outer one at
 *    depth 1: PKT_F_TUNNEL clear, tun_* set) and err is
 *      PKT_ERR_TRUNC_L4  payload cut short: inner Ethernet/VLAN/MPLS/PPPoE
 *                        or IP header beyond the captured bytes (or inner
 *                        L2 headers beyond the length the tunnel states);
 *      PKT_ERR_BAD_L4    inner IP header malformed (version, IHL, lengths)
 *                        or extending past the length the tunnel states;
 *      PKT_OK            payload is not IP (e.g. ARP inside VXLAN).
 *    I.e. the tunnel payload is treated as the delivering packet's
 *    transport payload: its addresses (and UDP ports) stay valid, as the
 *    contract for *_L4 errors says.
 *  - Inner IP header passed: PKT_F_TUNNEL is set and err is about the inner
 *    packet, with the usual meaning (e.g. PKT_ERR_TRUNC_L4 when a snap
 *    length cut the inner TCP header: inner addresses are valid).
 *  - An inner IPv4 total length / IPv6 payload length larger than what the
 *    tunnel carries is clamped to it (tshark also dissects such packets).
 *  So for every tunnel packet whose outer IP header passed, outer_l3,
 *  outer_proto and tun_* are valid whatever err says; src/dst/proto are
 *  valid when err is PKT_OK or an L4 error, as for any packet.
 *
 * ICMP ERRORS. ICMP types 3, 4, 5, 11, 12 (RFC 1122's error messages:
 * unreachable incl. fragmentation needed, source quench, redirect, time
 * exceeded, parameter problem) and ICMPv6 types 1-4 (unreachable, packet
 * too big, time exceeded, parameter problem) quote the offending datagram.
 * Its IP header (IPv4 options and AH, IPv6 extension headers walked) and
 * the first bytes of its transport header are exposed in q_*; the packet's
 * own src/dst/proto/sport/dport stay those of the ICMP message. The quote
 * is ICMP payload: a quote cut short (by the capture or by the message's
 * length) is never an error; PKT_F_ICMP_ERROR says the quoted IP header was
 * read whole (q_l3, q_src, q_dst, q_proto valid), PKT_F_QUOTE_L4 that its
 * ports were too (q_sport/q_dport, with the sport/dport conventions below;
 * never for a quoted later fragment). Without them the q_* are zero. The
 * quoted addresses are as quoted: q_src is the datagram's sender, usually
 * the ICMP message's destination. Tunnels inside a quote are not entered. */
#ifndef PKT_PARSE_H
#define PKT_PARSE_H

#include <stdint.h>

enum pkt_linktype {
	PKT_LINK_NULL = 0,
	PKT_LINK_ETHERNET = 1,
	PKT_LINK_RAW_BSD12 = 12,
	PKT_LINK_RAW_BSD14 = 14,
	PKT_LINK_RAW = 101,
	PKT_LINK_LOOP = 108,
	PKT_LINK_LINUX_SLL = 113,
	PKT_LINK_LINUX_SLL2 = 276,
};

/* Why a frame could not be fully parsed. Values index sa_counter.h's
 * SA_C_ERR_* block in this order (PKT_ERR_TRUNC_L2 -> SA_C_ERR_TRUNC_L2).
 * Errors inside tunnels reuse these: see ERRORS above. */
enum pkt_err {
	PKT_OK = 0,
	PKT_ERR_TRUNC_L2, /* link header or VLAN/MPLS/PPPoE cut short */
	PKT_ERR_TRUNC_L3, /* IP header cut short */
	PKT_ERR_BAD_L3,   /* IP version/IHL/total length inconsistent */
	PKT_ERR_TRUNC_L4, /* transport header cut short (not by snaplen alone: see below) */
	PKT_ERR_BAD_L4,   /* TCP data offset < 5 and the like */
	PKT_ERR_LINKTYPE, /* link type we do not parse */
	PKT_ERR_COUNT
};

enum pkt_l3 { PKT_L3_NONE = 0, PKT_L3_IPV4 = 4, PKT_L3_IPV6 = 6 };

/* Tunnel kinds (tun_type). */
enum pkt_tun {
	PKT_TUN_NONE = 0,
	PKT_TUN_IPIP = 1,   /* IP protocol 4 or 41: l3 says which IP is inside */
	PKT_TUN_GRE = 2,
	PKT_TUN_VXLAN = 3,
	PKT_TUN_GENEVE = 4,
};

/* Tunnels entered at most, nested ones included: bounds the work per
 * packet. A further tunnel is left as the flow's transport (PKT_TF_DEPTH_LIMIT). */
#define PKT_TUN_MAX 2

#define PKT_F_FRAGMENT 0x01       /* part of a fragmented datagram */
#define PKT_F_LATER_FRAGMENT 0x02 /* offset != 0: no L4 header, ports are 0 */
#define PKT_F_HAS_L4 0x04         /* ports/flags below were read from a header */
#define PKT_F_TUNNEL 0x08         /* flow fields come from inside tun_depth >= 1 tunnels */
#define PKT_F_ICMP_ERROR 0x10     /* ICMP(v6) error; quoted IP header read: q_l3/q_src/q_dst/q_proto */
#define PKT_F_QUOTE_L4 0x20       /* ... and the quoted ports: q_sport/q_dport */

#define PKT_L3_OFF_FAR 0xff /* l3_off: the IP header starts 255 bytes or more in */

#define PKT_TF_ID 0x01          /* tun_id holds a VNI (VXLAN, Geneve) or a GRE key */
#define PKT_TF_DEPTH_LIMIT 0x02 /* tun_depth was PKT_TUN_MAX and the flow's transport
				 * is a tunnel protocol (IP protocol 4/41/47, UDP to
				 * 4789/6081; its header not examined): not entered */

struct pkt_meta {
	uint8_t src[16];       /* IPv4 in the first 4 bytes, the rest zero */
	uint8_t dst[16];
	uint16_t sport, dport; /* host order; ICMP: type<<8|code in sport, 0 dport */
	uint16_t vlan;         /* outermost VLAN id, 0 if untagged */
	uint8_t l3;            /* enum pkt_l3 */
	uint8_t proto;         /* IP protocol of the transport header (after IPv6 ext headers) */
	uint8_t tcp_flags;     /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80 */
	uint8_t flags;         /* PKT_F_* */
	uint8_t err;           /* enum pkt_err. l3 is set once the link layer says IP,
				* even if the IP header then fails; src/dst/proto are
				* valid only when err is PKT_OK or an L4 error. */
	uint32_t wire_len;     /* on-the-wire length: max(pkt_len, link header + IP total length) */
	uint32_t tcp_seq, tcp_ack;
	uint32_t l4_payload;   /* transport payload bytes per the IP length (0 if unknown) */

	/* Fragments of the flow fields' packet; all zero unless PKT_F_FRAGMENT. */
	uint32_t frag_id;      /* IPv4 identification (16 bits) or IPv6 fragment header identification */
	uint16_t frag_off;     /* this fragment's offset in the datagram, in bytes (a multiple of 8) */
	uint8_t frag_more;     /* 1: more fragments follow (IPv4 MF, IPv6 M); 0: the last one */

	/* Datagram quoted by an ICMP/ICMPv6 error; see ICMP ERRORS above. */
	uint8_t q_l3;          /* enum pkt_l3 of the quoted header */
	uint8_t q_proto;       /* its transport protocol (after extension headers / AH) */
	/* Offset of the flow fields' IP header in the frame (after any link
	 * header and tunnel), or PKT_L3_OFF_FAR when 255 or more. Sits in
	 * what was padding: pkt_meta stays 152 bytes. */
	uint8_t l3_off;
	uint16_t q_sport, q_dport; /* its ports (host order), or ICMP type<<8|code in q_sport */
	uint8_t q_src[16];     /* its source: IPv4 in the first 4 bytes, the rest zero */
	uint8_t q_dst[16];

	/* Outermost IP header, for every packet; see WHAT THE FIELDS MEAN. */
	uint8_t outer_l3;      /* enum pkt_l3; == l3 when tun_depth is 0 */
	uint8_t outer_proto;   /* its transport protocol; == proto when tun_depth is 0 */

	/* Outermost tunnel; zero unless tun_type != PKT_TUN_NONE. */
	uint8_t tun_type;      /* enum pkt_tun */
	uint8_t tun_l3;        /* enum pkt_l3 of tun_src/tun_dst (== outer_l3) */
	uint8_t tun_depth;     /* tunnels the flow fields are inside, 0..PKT_TUN_MAX */
	uint8_t tun_flags;     /* PKT_TF_* */
	uint16_t tun_sport, tun_dport; /* outer UDP ports of VXLAN/Geneve, else 0 */
	uint32_t tun_id;       /* VNI (24 bits) or GRE key, with PKT_TF_ID */
	uint8_t tun_src[16];   /* outer IP source: IPv4 in the first 4 bytes, the rest zero */
	uint8_t tun_dst[16];
};

/* Parses `data` (the `seg_len` contiguous bytes of the first segment) of a
 * frame of which `cap_len` >= seg_len bytes were captured in all, with the
 * given pcap link type. Always fills *m (zeroing it first) and returns m->err.
 * A transport header cut short only because the capture's snap length ended
 * (cap_len smaller than the lengths the headers state) is PKT_ERR_TRUNC_L4
 * as well; the caller still counts the packet under its L3/L4 protocol.
 * Reentrant; reads only data[0, seg_len) and writes only *m. */
int pkt_parse(const uint8_t *data, uint32_t seg_len, uint32_t cap_len,
	      int linktype, struct pkt_meta *m);

#endif
