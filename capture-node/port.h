/* Ports: the one DPDK port a node reads, its mbuf pool, and what we know
 * about a capture file behind a net_pcap port.
 *
 * A pcap file is just another port, but DPDK's pcap PMD neither reports
 * end of file nor the file's link type nor a read error, so before the EAL
 * opens the file we read it once with libpcap (port_file_scan): that gives
 * the link type the parser needs, the number of records the PMD will
 * deliver (end of input = that many received) and the reader's error text
 * for a file that is cut short or corrupt. */
#ifndef PORT_H
#define PORT_H

#include <stdint.h>

#include <rte_mempool.h>

/* The on-the-wire length of a record the capture truncated (snap length):
 * the PMD only passes the captured bytes on. */
struct port_len_fix {
	uint64_t index;         /* record number, from 0 */
	uint32_t wire_len;
};

struct port_file_info {
	int linktype;           /* pcap LINKTYPE_* of the file */
	uint64_t records;       /* records libpcap can read before EOF or error */
	char error[256];        /* "" when the file reads to its end cleanly */
	struct port_len_fix *fixes; /* truncated records, in file order (malloc'd) */
	uint64_t n_fixes;
};

/* Reads the whole file with libpcap. Returns 0 (info filled; a read error
 * part-way is reported in info->error, not as a failure) or -1 when the file
 * cannot be opened at all (reason in info->error), or -ENOMEM.
 * Free info->fixes with free(). */
int port_file_scan(const char *path, struct port_file_info *info);

struct port_conf {
	uint16_t port_id;
	uint16_t rx_queues;     /* wanted; set to what the port gives (1..wanted) */
	uint16_t rx_desc;
	uint32_t mbufs;         /* pool size */
};

/* Configures and starts the port with one TX queue (the pcap PMD wants one)
 * and as many of conf->rx_queues RX queues as the port has, fed from one
 * pool. Several queues are spread by RSS with a symmetric key where the
 * port hashes, so both directions of a flow reach the same queue. Returns
 * the pool or NULL (reason logged). */
struct rte_mempool *port_start(struct port_conf *conf);

/* Capture timestamps: the offset of the mbuf timestamp dynfield and its
 * flag, or offset -1 when the port does not provide them. */
int port_timestamp_field(int *offset, uint64_t *flag);

#endif
