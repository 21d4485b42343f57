/* Interval counters: one table, so the capture node, the wire, the store and
 * the CLI agree on index and name. Append only: the index is on the wire.
 * The last block is the loss ledger: where packets or records were lost
 * (NIC counters are the port's deltas, charged to the next interval the
 * exporter sends; spool_full counts exporter polls that found the spool
 * full with records waiting). active_flow_seconds: each second adds the
 * flows in the node's tables as it ended (before the flush that ends a
 * finite input), so its rate over any step is the mean number of active
 * flows (sa series --metric active_flows). model_deviations: steps of the
 * node's own forecasting models (sa-capture --models) whose actual left
 * the model's interval, counted in the second that completed the step.
 * ndpi_*: nDPI application labelling of a sample of flows (sa-capture
 * --ndpi-share): inspections started (in the second of the record's first
 * packet), flows whose protocol nDPI found (in the second detection ended,
 * or the record did), and sampled flows left uninspected because the
 * worker's pool of nDPI flow states was empty (ndpi_flows +
 * ndpi_pool_full = the sampled records). talker_overflows: packets whose
 * source or destination address found the worker's per-second talker table
 * full (sa-capture --talkers) and went to the top-N sketches one by one,
 * with Space-Saving's error instead of an exact count; a packet counts once
 * per direction. */
#ifndef SA_COUNTER_H
#define SA_COUNTER_H

#define SA_COUNTERS(X)                                              \
	X(PACKETS, "packets")                                       \
	X(BYTES, "bytes")                                           \
	X(IPV4_PACKETS, "ipv4_packets")                             \
	X(IPV4_BYTES, "ipv4_bytes")                                 \
	X(IPV6_PACKETS, "ipv6_packets")                             \
	X(IPV6_BYTES, "ipv6_bytes")                                 \
	X(NONIP_PACKETS, "nonip_packets")                           \
	X(NONIP_BYTES, "nonip_bytes")                               \
	X(TCP_PACKETS, "tcp_packets")                               \
	X(TCP_BYTES, "tcp_bytes")                                   \
	X(UDP_PACKETS, "udp_packets")                               \
	X(UDP_BYTES, "udp_bytes")                                   \
	X(ICMP_PACKETS, "icmp_packets")                             \
	X(ICMP_BYTES, "icmp_bytes")                                 \
	X(OTHER_L4_PACKETS, "other_l4_packets")                     \
	X(OTHER_L4_BYTES, "other_l4_bytes")                         \
	X(FRAGMENTS, "fragments")                                   \
	X(FLOWS_NEW, "flows_new")                                   \
	X(FLOWS_ENDED, "flows_ended")                               \
	X(TCP_SYN, "tcp_syn")                                       \
	X(TCP_FIN, "tcp_fin")                                       \
	X(TCP_RST, "tcp_rst")                                       \
	X(PARSE_ERRORS, "parse_errors")                             \
	X(ERR_TRUNC_L2, "err_trunc_l2")                             \
	X(ERR_TRUNC_L3, "err_trunc_l3")                             \
	X(ERR_BAD_L3, "err_bad_l3")                                 \
	X(ERR_TRUNC_L4, "err_trunc_l4")                             \
	X(ERR_BAD_L4, "err_bad_l4")                                 \
	X(ERR_LINKTYPE, "err_linktype")                             \
	X(FLOW_EVICTIONS, "flow_evictions")                         \
	X(RING_FULL, "ring_full")                                   \
	X(NIC_MISSED, "nic_missed")                                 \
	X(NIC_ERRORS, "nic_errors")                                 \
	X(NIC_NOMBUF, "nic_nombuf")                                 \
	X(SPOOL_FULL, "spool_full")                                 \
	X(ACTIVE_FLOW_SECONDS, "active_flow_seconds")                \
	X(MODEL_DEVIATIONS, "model_deviations")                     \
	X(NDPI_FLOWS, "ndpi_flows")                                 \
	X(NDPI_DETECTED, "ndpi_detected")                           \
	X(NDPI_POOL_FULL, "ndpi_pool_full")                         \
	X(TALKER_OVERFLOWS, "talker_overflows")

enum sa_counter {
#define SA_COUNTER_ENUM(id, name) SA_C_##id,
	SA_COUNTERS(SA_COUNTER_ENUM)
#undef SA_COUNTER_ENUM
	SA_C_COUNT
};

/* Name of counter i ("packets", ...), or NULL when out of range. */
const char *sa_counter_name(unsigned i);
/* Index of a counter by name, or -1. */
int sa_counter_index(const char *name);
/* Index of the counter a series metric counts, as sa series --metric and
 * --proto name it: packets, bytes (the default), flows (new flows) or any
 * counter name; a protocol (tcp, udp, icmp, other, ipv4, ipv6, nonip)
 * only with packets or bytes. -1 for anything else. */
int sa_counter_of_metric(const char *metric, const char *proto);

#endif
