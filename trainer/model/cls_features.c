/* The feature vector of a flow record (cls_features.h). */
#include <math.h>
#include <string.h>

#include "cls_features.h"
#include "sa_wire.h"

#define MISSING (-1.0f)
#define TCP_FIN 0x01u
#define TCP_SYN 0x02u
#define TCP_RST 0x04u
#define TCP_PSH 0x08u
#define TCP_ACK 0x10u
#define TCP_URG 0x20u

/* The order is the vector's; a stored model names its columns, so the list
 * may grow at the end without breaking old models. */
const char *const cls_feature_names[] = {
	"proto_tcp", "proto_udp", "proto_icmp", "ipv6", "port_a", "port_b", "duration_s",
	"pkts_ab", "pkts_ba", "bytes_ab", "bytes_ba", "payload_ab", "payload_ba",
	"bytes_ratio", "pkts_per_s", "bytes_per_s",
	"size_min_ab", "size_max_ab", "size_mean_ab", "size_std_ab",
	"size_min_ba", "size_max_ba", "size_mean_ba", "size_std_ba",
	"iat_min_ab_ms", "iat_max_ab_ms", "iat_mean_ab_ms", "iat_std_ab_ms",
	"iat_min_ba_ms", "iat_max_ba_ms", "iat_mean_ba_ms", "iat_std_ba_ms",
	"syn_ab", "ack_ab", "fin_ab", "rst_ab", "psh_ab", "urg_ab",
	"syn_ba", "ack_ba", "fin_ba", "rst_ba", "psh_ba", "urg_ba",
	"rtt_syn_ms", "rtt_ack_ms", "retrans_ab", "retrans_ba", "seq_gaps_ab", "seq_gaps_ba",
	"icmp_error",
	"size_1", "size_2", "size_3", "size_4", "size_5", "size_6", "size_7", "size_8",
	"gap_1_ms", "gap_2_ms", "gap_3_ms", "gap_4_ms", "gap_5_ms", "gap_6_ms", "gap_7_ms", "gap_8_ms",
	"conn_state",
	"fin_n_ab", "syn_n_ab", "rst_n_ab", "psh_n_ab", "ack_n_ab", "urg_n_ab",
	"fin_n_ba", "syn_n_ba", "rst_n_ba", "psh_n_ba", "ack_n_ba", "urg_n_ba",
};
const size_t cls_feature_count = sizeof(cls_feature_names) / sizeof(cls_feature_names[0]);

static const char *const conn_state_names[CONN_STATES] = {
	"-", "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH",
};

const char *cls_conn_state_name(enum cls_conn_state s)
{
	return (unsigned)s < CONN_STATES ? conn_state_names[s] : "-";
}

int cls_feature_index(const char *name)
{
	for (size_t i = 0; i < cls_feature_count; i++)
		if (strcmp(cls_feature_names[i], name) == 0)
			return (int)i;
	return -1;
}

static uint64_t packets(const Sa__DirStats *d)
{
	return d && d->has_packets ? d->packets : 0;
}

static unsigned flags(const Sa__DirStats *d)
{
	return d && d->has_tcp_flags ? d->tcp_flags : 0;
}

/* Zeek's states from what each side sent (the flags are ORs over the
 * flow, so order within a side is not known: a SYN and a RST from the
 * originator read as "SYN, then RST"). */
static enum cls_conn_state tcp_state(unsigned a, unsigned b, uint64_t b_pkts)
{
	int a_syn = (a & TCP_SYN) != 0, b_syn = (b & TCP_SYN) != 0;

	if (!a_syn && !b_syn)
		return CONN_OTH;
	if (a_syn && !b_syn) {
		if (b_pkts && (b & TCP_RST))
			return CONN_REJ;
		if (a & TCP_RST)
			return CONN_RSTOS0;
		return a & TCP_FIN ? CONN_SH : CONN_S0;
	}
	if (!a_syn) {
		if (b & TCP_RST)
			return CONN_RSTRH;
		return b & TCP_FIN ? CONN_SHR : CONN_OTH;
	}
	if (a & TCP_RST)
		return CONN_RSTO;
	if (b & TCP_RST)
		return CONN_RSTR;
	if ((a & TCP_FIN) && (b & TCP_FIN))
		return CONN_SF;
	if (a & TCP_FIN)
		return CONN_S2;
	return b & TCP_FIN ? CONN_S3 : CONN_S1;
}

enum cls_conn_state cls_conn_state(const Sa__FlowRecord *f)
{
	if (f->conn_state && f->conn_state[0]) {
		for (unsigned s = CONN_S0; s < CONN_STATES; s++)
			if (strcmp(f->conn_state, conn_state_names[s]) == 0)
				return (enum cls_conn_state)s;
		return CONN_UNKNOWN;
	}
	if (f->proto == 6)
		return tcp_state(flags(f->a_to_b), flags(f->b_to_a), packets(f->b_to_a));
	return packets(f->b_to_a) ? CONN_SF : CONN_S0;
}

/* Writes size min/max/mean/std and iat min/max/mean/std (ms) of one side. */
static void dir_features(const Sa__DirStats *d, float size[4], float iat[4])
{
	for (int i = 0; i < 4; i++)
		size[i] = iat[i] = MISSING;
	if (!d)
		return;
	if (d->has_size_min)
		size[0] = (float)d->size_min;
	if (d->has_size_max)
		size[1] = (float)d->size_max;
	if (d->has_size_mean)
		size[2] = (float)d->size_mean;
	if (d->has_size_var)
		size[3] = (float)sqrt(d->size_var > 0 ? d->size_var : 0);
	if (d->has_iat_min_ns)
		iat[0] = (float)(d->iat_min_ns / 1e6);
	if (d->has_iat_max_ns)
		iat[1] = (float)(d->iat_max_ns / 1e6);
	if (d->has_iat_mean_ns)
		iat[2] = (float)(d->iat_mean_ns / 1e6);
	if (d->has_iat_var_ns2)
		iat[3] = (float)(sqrt(d->iat_var_ns2 > 0 ? d->iat_var_ns2 : 0) / 1e6);
}

/* Segments per flag (FIN SYN RST PSH ACK URG), when the source counted. */
static void flag_counts(const Sa__DirStats *d, float *out)
{
	for (size_t i = 0; i < 6; i++)
		out[i] = d && d->n_tcp_flag_counts == 6 ? (float)d->tcp_flag_counts[i] : MISSING;
}

static void flag_features(unsigned fl, float *out)
{
	static const unsigned bits[6] = {TCP_SYN, TCP_ACK, TCP_FIN, TCP_RST, TCP_PSH, TCP_URG};

	for (int i = 0; i < 6; i++)
		out[i] = (fl & bits[i]) ? 1.0f : 0.0f;
}

void cls_features(const Sa__FlowRecord *f, float *out)
{
	const Sa__DirStats *ab = f->a_to_b, *ba = f->b_to_a;
	double pk_ab = (double)packets(ab), pk_ba = (double)packets(ba);
	double by_ab = ab && ab->has_bytes ? (double)ab->bytes : 0;
	double by_ba = ba && ba->has_bytes ? (double)ba->bytes : 0;
	uint64_t last, first = sa_flow_span(f, &last);
	double dur = (double)(last - first) / 1e9;
	float *o = out;

	*o++ = f->proto == 6;
	*o++ = f->proto == 17;
	*o++ = f->proto == 1 || f->proto == 58;
	*o++ = f->ip_version == 6;
	*o++ = (float)f->port_a;
	*o++ = (float)f->port_b;
	*o++ = (float)dur;
	*o++ = (float)pk_ab;
	*o++ = (float)pk_ba;
	*o++ = (float)by_ab;
	*o++ = (float)by_ba;
	*o++ = f->has_payload_a ? (float)f->payload_a : MISSING;
	*o++ = f->has_payload_b ? (float)f->payload_b : MISSING;
	*o++ = by_ab + by_ba > 0 ? (float)(by_ab / (by_ab + by_ba)) : MISSING;
	*o++ = dur > 0 ? (float)((pk_ab + pk_ba) / dur) : MISSING;
	*o++ = dur > 0 ? (float)((by_ab + by_ba) / dur) : MISSING;
	dir_features(ab, o, o + 8);
	dir_features(ba, o + 4, o + 12);
	o += 16;
	flag_features(flags(ab), o);
	flag_features(flags(ba), o + 6);
	o += 12;
	*o++ = f->has_rtt_syn_synack_ns && f->rtt_syn_synack_ns ? (float)(f->rtt_syn_synack_ns / 1e6) : MISSING;
	*o++ = f->has_rtt_synack_ack_ns && f->rtt_synack_ack_ns ? (float)(f->rtt_synack_ack_ns / 1e6) : MISSING;
	*o++ = ab && ab->has_retransmissions ? (float)ab->retransmissions : MISSING;
	*o++ = ba && ba->has_retransmissions ? (float)ba->retransmissions : MISSING;
	*o++ = ab && ab->has_seq_gaps ? (float)ab->seq_gaps : MISSING;
	*o++ = ba && ba->has_seq_gaps ? (float)ba->seq_gaps : MISSING;
	if ((ab && ab->has_icmp_error) || (ba && ba->has_icmp_error))
		*o++ = (ab && ab->icmp_error) || (ba && ba->icmp_error);
	else
		*o++ = MISSING;
	for (size_t k = 0; k < CLS_FIRST_N; k++) {
		o[k] = k < f->n_first_sizes ? (float)f->first_sizes[k] : 0.0f;
		o[CLS_FIRST_N + k] = k < f->n_first_gaps_ns ? (float)(f->first_gaps_ns[k] / 1e6) : MISSING;
	}
	o += 2 * CLS_FIRST_N;
	*o++ = (float)cls_conn_state(f);
	flag_counts(ab, o);
	flag_counts(ba, o + 6);
}
