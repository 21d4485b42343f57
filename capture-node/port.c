#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "port.h"

#define RTE_LOGTYPE_SA_PORT RTE_LOGTYPE_USER1
#define MBUF_CACHE 256 /* per-lcore cache, as l3fwd; smaller pools get a smaller one */

int port_file_scan(const char *path, struct port_file_info *info)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	pcap_t *p;
	int rc;

	memset(info, 0, sizeof(*info));
	p = pcap_open_offline(path, errbuf);
	if (p == NULL) {
		snprintf(info->error, sizeof(info->error), "%s", errbuf);
		return -1;
	}
	info->linktype = pcap_datalink(p);
	uint64_t cap = 0;
	while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
		if (hdr->len > hdr->caplen) {
			if (info->n_fixes == cap) {
				cap = cap ? 2 * cap : 1024;
				struct port_len_fix *f = realloc(info->fixes, cap * sizeof(*f));
				if (f == NULL) {
					pcap_close(p);
					return -ENOMEM;
				}
				info->fixes = f;
			}
			info->fixes[info->n_fixes++] = (struct port_len_fix){info->records, hdr->len};
		}
		info->records++;
	}
	if (rc == PCAP_ERROR)
		snprintf(info->error, sizeof(info->error), "%s", pcap_geterr(p));
	pcap_close(p);
	return 0;
}

/* Toeplitz with a key of one repeated 16-bit pattern gives the same hash
 * with source and destination swapped (Woo and Park, "Scalable TCP Session
 * Monitoring with Symmetric Receive-side Scaling", 2012). */
static uint8_t symmetric_rss_key[40] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

struct rte_mempool *port_start(struct port_conf *conf)
{
	struct rte_eth_conf eth_conf;
	struct rte_eth_dev_info info;
	struct rte_mempool *pool;
	char name[RTE_MEMPOOL_NAMESIZE];
	int rc;

	snprintf(name, sizeof(name), "mbufs_p%u", conf->port_id);
	/* The EAL wants the cache at most a little over half the pool. */
	unsigned cache = conf->mbufs / 2 < MBUF_CACHE ? conf->mbufs / 2 : MBUF_CACHE;
	pool = rte_pktmbuf_pool_create(name, conf->mbufs, cache, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL) {
		RTE_LOG(ERR, SA_PORT, "cannot create mbuf pool of %u: %s\n", conf->mbufs,
			rte_strerror(rte_errno));
		return NULL;
	}
	rc = rte_eth_dev_info_get(conf->port_id, &info);
	if (rc != 0) {
		RTE_LOG(ERR, SA_PORT, "port %u: no device info: %s\n", conf->port_id, strerror(-rc));
		goto fail;
	}
	memset(&eth_conf, 0, sizeof(eth_conf));
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP)
		eth_conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	if (conf->rx_queues > info.max_rx_queues)
		conf->rx_queues = info.max_rx_queues ? info.max_rx_queues : 1;
	/* Addresses only, not ports: a later fragment has none and must reach
	 * its first fragment's queue (fragtab.h). */
	uint64_t rss = info.flow_type_rss_offloads & RTE_ETH_RSS_IP;
	if (conf->rx_queues > 1 && rss) {
		eth_conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		eth_conf.rx_adv_conf.rss_conf = (struct rte_eth_rss_conf){
			.rss_key = symmetric_rss_key, .rss_key_len = sizeof(symmetric_rss_key),
			.rss_hf = rss};
	}
	rc = rte_eth_dev_configure(conf->port_id, conf->rx_queues, 1, &eth_conf);
	if (rc != 0) {
		RTE_LOG(ERR, SA_PORT, "port %u: configure: %s\n", conf->port_id, strerror(-rc));
		goto fail;
	}
	for (uint16_t q = 0; q < conf->rx_queues; q++) {
		rc = rte_eth_rx_queue_setup(conf->port_id, q, conf->rx_desc,
					    rte_eth_dev_socket_id(conf->port_id), NULL, pool);
		if (rc != 0) {
			RTE_LOG(ERR, SA_PORT, "port %u: rx queue %u: %s\n", conf->port_id, q,
				strerror(-rc));
			goto fail;
		}
	}
	rc = rte_eth_tx_queue_setup(conf->port_id, 0, 64, rte_eth_dev_socket_id(conf->port_id), NULL);
	if (rc != 0) {
		RTE_LOG(ERR, SA_PORT, "port %u: tx queue: %s\n", conf->port_id, strerror(-rc));
		goto fail;
	}
	rte_eth_promiscuous_enable(conf->port_id); /* a tap sees others' traffic */
	rc = rte_eth_dev_start(conf->port_id);
	if (rc != 0) {
		RTE_LOG(ERR, SA_PORT, "port %u: start: %s\n", conf->port_id, strerror(-rc));
		goto fail;
	}
	return pool;
fail:
	rte_mempool_free(pool);
	return NULL;
}

int port_timestamp_field(int *offset, uint64_t *flag)
{
	int rc = rte_mbuf_dyn_rx_timestamp_register(offset, flag);

	if (rc != 0) {
		*offset = -1;
		*flag = 0;
	}
	return rc;
}
