/* Frame builders for sa-gen: Ethernet + IPv4/IPv6 + TCP/UDP/ICMP echo.
 *
 * The caller writes the payload first, at buf + gen_pkt_payload_off(); the
 * builder then writes every header in front of it and computes the IPv4
 * header checksum and the TCP/UDP/ICMP checksums (with the pseudo-header),
 * so Wireshark's checksum validation passes when it is switched on.
 * Pure functions of their arguments: no allocation, no globals. */
#ifndef GEN_PKT_H
#define GEN_PKT_H

#include <stdint.h>

#define GEN_PKT_ETH_LEN 14
#define GEN_PKT_MAX 1514 /* Ethernet MTU 1500 + header; no jumbo frames */

#define GEN_TCP_FIN 0x01
#define GEN_TCP_SYN 0x02
#define GEN_TCP_RST 0x04
#define GEN_TCP_PSH 0x08
#define GEN_TCP_ACK 0x10

/* One end of a packet as seen on the wire at the capture point. */
struct gen_addr {
	uint8_t mac[6]; /* the host's own, or the router's for off-site hosts */
	uint8_t v6;     /* 1: ip is an IPv6 address, 0: IPv4 in ip[0..3] */
	uint8_t ttl;    /* TTL / hop limit as observed at the capture point */
	uint8_t ip[16];
};

struct gen_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;   /* GEN_TCP_* */
	uint8_t opt_len; /* multiple of 4, at most 40 */
	uint16_t win;
	const uint8_t *opts;
};

/* Where the payload starts for an L4 header of l4_hdr_len bytes. */
static inline unsigned gen_pkt_payload_off(int v6, unsigned l4_hdr_len)
{
	return GEN_PKT_ETH_LEN + (v6 ? 40u : 20u) + l4_hdr_len;
}

/* Each builder returns the frame length. src and dst must have the same
 * address family; ip_id is used for IPv4, flow_label for IPv6. */
unsigned gen_pkt_tcp(uint8_t *buf, const struct gen_addr *src, const struct gen_addr *dst,
		     uint16_t ip_id, uint32_t flow_label, const struct gen_tcp *t,
		     unsigned payload_len);
unsigned gen_pkt_udp(uint8_t *buf, const struct gen_addr *src, const struct gen_addr *dst,
		     uint16_t ip_id, uint32_t flow_label, uint16_t sport, uint16_t dport,
		     unsigned payload_len);
/* ICMP echo request/reply for IPv4, ICMPv6 echo (128/129) for IPv6. */
unsigned gen_pkt_echo(uint8_t *buf, const struct gen_addr *src, const struct gen_addr *dst,
		      uint16_t ip_id, int reply, uint16_t ident, uint16_t seq,
		      unsigned payload_len);

#endif
