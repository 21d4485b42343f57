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
 * and code. Tunnels are not decapsulated: the outer flow is reported. */
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
 * SA_C_ERR_* block in this order (PKT_ERR_TRUNC_L2 -> SA_C_ERR_TRUNC_L2). */
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

#define PKT_F_FRAGMENT 0x01       /* part of a fragmented datagram */
#define PKT_F_LATER_FRAGMENT 0x02 /* offset != 0: no L4 header, ports are 0 */
#define PKT_F_HAS_L4 0x04         /* ports/flags below were read from a header */

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
};

/* Parses `data` (the `seg_len` contiguous bytes of the first segment) of a
 * frame of which `cap_len` >= seg_len bytes were captured in all, with the
 * given pcap link type. Always fills *m (zeroing it first) and returns m->err.
 * A transport header cut short only because the capture's snap length ended
 * (cap_len smaller than the lengths the headers state) is PKT_ERR_TRUNC_L4
 * as well; the caller still counts the packet under its L3/L4 protocol. */
int pkt_parse(const uint8_t *data, uint32_t seg_len, uint32_t cap_len,
	      int linktype, struct pkt_meta *m);

#endif
