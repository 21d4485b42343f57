/* The classifier's feature vector of hand-made flow records, worked out by
 * hand: a captured TCP connection, a Zeek record (payload, no sizes or
 * gaps), and the conn_state a capture's flags give. */
#include <string.h>

#include "check.h"
#include "cls_features.h"

static float at(const float *x, const char *name)
{
	int i = cls_feature_index(name);

	CHECK(i >= 0);
	return i >= 0 ? x[i] : NAN;
}

static void dir(Sa__DirStats *d, uint64_t pk, uint64_t by, uint64_t first, uint64_t last, unsigned flags)
{
	sa__dir_stats__init(d);
	d->has_packets = d->has_bytes = d->has_first_ns = d->has_last_ns = d->has_tcp_flags = 1;
	d->packets = pk;
	d->bytes = by;
	d->first_ns = first;
	d->last_ns = last;
	d->tcp_flags = flags;
}

/* A 2-second HTTP exchange: 4 packets out (60, 60, 200, 80 bytes), 3 back
 * (60, 1500, 60), SYN/ACK/PSH/FIN both ways, RTT 1 ms + 0.5 ms. */
static void captured(void)
{
	Sa__FlowRecord f = SA__FLOW_RECORD__INIT;
	Sa__DirStats ab, ba;
	int32_t sizes[3] = {60, -60, 60};
	uint64_t gaps[3] = {0, 1000000, 500000};
	float x[128];

	check_context = "captured";
	dir(&ab, 4, 400, 1000000000, 3000000000, 0x1b);
	ab.has_size_min = ab.has_size_max = ab.has_size_mean = ab.has_size_var = 1;
	ab.size_min = 60;
	ab.size_max = 200;
	ab.size_mean = 100;
	ab.size_var = 3400; /* (1600 + 1600 + 10000 + 400) / 4 */
	ab.has_iat_min_ns = ab.has_iat_max_ns = ab.has_iat_mean_ns = ab.has_iat_var_ns2 = 1;
	ab.iat_min_ns = 500000000;
	ab.iat_max_ns = 1000000000;
	ab.iat_mean_ns = 666666666.7;
	ab.iat_var_ns2 = 4e16; /* sd 0.2 s */
	ab.has_retransmissions = 1;
	ab.retransmissions = 2;
	dir(&ba, 3, 1620, 1001000000, 2500000000, 0x13);
	f.a_to_b = &ab;
	f.b_to_a = &ba;
	f.proto = 6;
	f.ip_version = 4;
	f.port_a = 40000;
	f.port_b = 80;
	f.has_rtt_syn_synack_ns = f.has_rtt_synack_ack_ns = 1;
	f.rtt_syn_synack_ns = 1000000;
	f.rtt_synack_ack_ns = 500000;
	f.n_first_sizes = f.n_first_gaps_ns = 3;
	f.first_sizes = sizes;
	f.first_gaps_ns = gaps;
	memset(x, 0x7f, sizeof(x));
	cls_features(&f, x);
	CHECK(memcmp(&x[cls_feature_count], &(uint32_t){0x7f7f7f7f}, 4) == 0); /* nothing past the vector */
	CHECK(at(x, "proto_tcp") == 1 && at(x, "proto_udp") == 0 && at(x, "ipv6") == 0);
	CHECK(at(x, "port_a") == 40000 && at(x, "port_b") == 80);
	CHECK_NEAR(at(x, "duration_s"), 2.0, 1e-6);
	CHECK(at(x, "pkts_ab") == 4 && at(x, "pkts_ba") == 3 && at(x, "bytes_ab") == 400 && at(x, "bytes_ba") == 1620);
	CHECK(at(x, "payload_ab") == -1 && at(x, "payload_ba") == -1); /* a capture has none */
	CHECK_NEAR(at(x, "bytes_ratio"), 400.0 / 2020, 1e-6);
	CHECK_NEAR(at(x, "pkts_per_s"), 3.5, 1e-6);
	CHECK_NEAR(at(x, "bytes_per_s"), 1010, 1e-3);
	CHECK(at(x, "size_min_ab") == 60 && at(x, "size_max_ab") == 200 && at(x, "size_mean_ab") == 100);
	CHECK_NEAR(at(x, "size_std_ab"), sqrt(3400), 1e-3);
	CHECK(at(x, "size_min_ba") == -1); /* not given */
	CHECK_NEAR(at(x, "iat_min_ab_ms"), 500, 1e-3);
	CHECK_NEAR(at(x, "iat_std_ab_ms"), 200, 1e-3);
	CHECK(at(x, "syn_ab") == 1 && at(x, "ack_ab") == 1 && at(x, "psh_ab") == 1 && at(x, "fin_ab") == 1);
	CHECK(at(x, "rst_ab") == 0 && at(x, "urg_ab") == 0 && at(x, "psh_ba") == 0 && at(x, "fin_ba") == 1);
	CHECK_NEAR(at(x, "rtt_syn_ms"), 1.0, 1e-6);
	CHECK_NEAR(at(x, "rtt_ack_ms"), 0.5, 1e-6);
	CHECK(at(x, "retrans_ab") == 2 && at(x, "retrans_ba") == -1);
	CHECK(at(x, "size_1") == 60 && at(x, "size_2") == -60 && at(x, "size_3") == 60 && at(x, "size_4") == 0);
	CHECK(at(x, "gap_1_ms") == 0 && at(x, "gap_2_ms") == 1 && at(x, "gap_3_ms") == 0.5f && at(x, "gap_4_ms") == -1);
	CHECK_EQ(at(x, "conn_state"), CONN_SF);
	CHECK(at(x, "syn_n_ab") == -1); /* not counted by this source */
	uint32_t counts_ab[6] = {1, 1, 0, 2, 4, 0}, counts_ba[6] = {1, 1, 0, 1, 3, 0};
	ab.n_tcp_flag_counts = ba.n_tcp_flag_counts = 6;
	ab.tcp_flag_counts = counts_ab;
	ba.tcp_flag_counts = counts_ba;
	cls_features(&f, x);
	CHECK(at(x, "fin_n_ab") == 1 && at(x, "psh_n_ab") == 2 && at(x, "ack_n_ab") == 4 && at(x, "urg_n_ab") == 0);
	CHECK(at(x, "syn_n_ba") == 1 && at(x, "ack_n_ba") == 3 && at(x, "rst_n_ba") == 0);
}

/* Zeek's record of a rejected attempt: its conn_state and payloads win. */
static void zeek(void)
{
	Sa__FlowRecord f = SA__FLOW_RECORD__INIT;
	Sa__DirStats ab, ba;
	float x[128];

	check_context = "zeek";
	dir(&ab, 2, 80, 5000000000, 5000000010, 0x02);
	sa__dir_stats__init(&ba);
	f.a_to_b = &ab;
	f.b_to_a = &ba;
	f.proto = 6;
	f.ip_version = 4;
	f.conn_state = "REJ";
	f.has_payload_a = f.has_payload_b = 1;
	f.payload_a = 0;
	f.payload_b = 0;
	cls_features(&f, x);
	CHECK_EQ(at(x, "conn_state"), CONN_REJ);
	CHECK(at(x, "payload_ab") == 0 && at(x, "pkts_ba") == 0 && at(x, "bytes_ratio") == 1);
	CHECK_NEAR(at(x, "duration_s"), 1e-8, 1e-12);
	CHECK(at(x, "rtt_syn_ms") == -1 && at(x, "iat_min_ab_ms") == -1 && at(x, "size_1") == 0);
	f.conn_state = "XYZ";
	CHECK_EQ(cls_conn_state(&f), CONN_UNKNOWN);
}

/* Zeek's states from the flags each side sent. */
static void states(void)
{
	static const struct { unsigned a, b; uint64_t b_pkts; enum cls_conn_state want; } cases[] = {
		{0x02, 0, 0, CONN_S0},          {0x02, 0x14, 1, CONN_REJ},   {0x06, 0, 0, CONN_RSTOS0},
		{0x03, 0, 0, CONN_SH},          {0x12, 0x12, 5, CONN_S1},    {0x13, 0x13, 5, CONN_SF},
		{0x13, 0x12, 5, CONN_S2},       {0x12, 0x13, 5, CONN_S3},    {0x16, 0x12, 5, CONN_RSTO},
		{0x12, 0x16, 5, CONN_RSTR},     {0x10, 0x16, 5, CONN_RSTRH}, {0x10, 0x13, 5, CONN_SHR},
		{0x18, 0x10, 5, CONN_OTH},
	};

	check_context = "states";
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		Sa__FlowRecord f = SA__FLOW_RECORD__INIT;
		Sa__DirStats ab, ba;
		dir(&ab, 1, 60, 1, 1, cases[i].a);
		dir(&ba, cases[i].b_pkts, 60, 1, 1, cases[i].b);
		f.a_to_b = &ab;
		f.b_to_a = &ba;
		f.proto = 6;
		CHECK_EQ(cls_conn_state(&f), cases[i].want);
	}
	Sa__FlowRecord u = SA__FLOW_RECORD__INIT;
	Sa__DirStats ab, ba;
	dir(&ab, 1, 60, 1, 1, 0);
	dir(&ba, 0, 0, 1, 1, 0);
	u.a_to_b = &ab;
	u.b_to_a = &ba;
	u.proto = 17;
	CHECK_EQ(cls_conn_state(&u), CONN_S0);
	ba.packets = 1;
	CHECK_EQ(cls_conn_state(&u), CONN_SF);
	CHECK(strcmp(cls_conn_state_name(CONN_RSTOS0), "RSTOS0") == 0);
}

int main(void)
{
	CHECK(cls_feature_count < 128);
	CHECK(cls_feature_index("nope") == -1);
	captured();
	zeek();
	states();
	return check_summary();
}
