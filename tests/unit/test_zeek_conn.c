/* Zeek conn.log reader: hand-computed records from inline TSV and JSON lines
 * (the two forms of one flow must pack to the same bytes), one error case
 * per kind of bad input (each naming its line), and the three labelled CTU
 * logs against the counts in their MANIFEST.md.
 *
 * Usage: test_zeek_conn [DIR]   DIR holds ctu_zeek_conn_labeled_*.log
 * (shared/data/labelled); without it, $SA_LABELLED_DIR; without either the
 * CTU check is skipped. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "sa_wire.h"
#include "zeek_conn.h"

#define HDR                                                                                    \
	"#separator \\x09\n"                                                           \
	"#set_separator\t,\n"                                                          \
	"#empty_field\t(empty)\n"                                                      \
	"#unset_field\t-\n"                                                            \
	"#path\tconn\n"                                                                \
	"#open\t2022-06-17-00-00-07\n"                                                 \
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\t" \
	"duration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\t"       \
	"missed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\t"  \
	"tunnel_parents\tlabel\tdetailedlabel\n"                                       \
	"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\t" \
	"count\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\t"       \
	"set[string]\tstring\tstring\n"

/* A flow of ctu_zeek_conn_labeled_008 with its history changed so that the
 * two directions get different flags. */
#define TSV_FLOW                                                                               \
	"1655071198.444458\tCHLXQF2OBY4onAR0Ug\t147.32.81.167\t62771\t40.74.108.123\t443\t" \
	"tcp\tssl\t1.135424\t1596\t4039\tSF\tT\tF\t5138\tShAdDFr\t14\t1016\t16\t1226\t"    \
	"(empty)\tBenign\tMicrosoft\n"
#define JSON_FLOW                                                                              \
	"{\"ts\":1655071198.444458,\"uid\":\"CHLXQF2OBY4onAR0Ug\",\"id.orig_h\":"       \
	"\"147.32.81.167\",\"id.orig_p\":62771,\"id.resp_h\":\"40.74.108.123\","           \
	"\"id.resp_p\":443,\"proto\":\"tcp\",\"service\":\"ssl\",\"duration\":1.135424,"  \
	"\"orig_bytes\":1596,\"resp_bytes\":4039,\"conn_state\":\"SF\",\"local_orig\":"   \
	"true,\"local_resp\":false,\"missed_bytes\":5138,\"history\":\"ShAdDFr\","        \
	"\"orig_pkts\":14,\"orig_ip_bytes\":1016,\"resp_pkts\":16,\"resp_ip_bytes\":1226," \
	"\"tunnel_parents\":[],\"label\":\"Benign\",\"detailedlabel\":\"Microsoft\"}\n"

static char err[512];

/* The first record of TEXT, packed into *buf (malloc'd); its length, or 0
 * with err set. */
static size_t first_packed(const char *text, uint8_t **buf)
{
	struct zeek_reader *r = zeek_open_mem(text, strlen(text), "t.log", err, sizeof(err));
	Sa__FlowRecord *rec;
	size_t n = 0;

	*buf = NULL;
	if (r == NULL)
		return 0;
	if (zeek_next(r, &rec, err, sizeof(err)) == 1) {
		n = sa__flow_record__get_packed_size(rec);
		*buf = malloc(n + 1);
		if (*buf != NULL)
			sa__flow_record__pack(rec, *buf);
	}
	zeek_close(r);
	return n;
}

/* The first record of TEXT as the importer would send it (packed, then
 * unpacked: a record that does not pack right shows here). Free with
 * sa__flow_record__free_unpacked. */
static Sa__FlowRecord *first(const char *text)
{
	uint8_t *buf;
	size_t n = first_packed(text, &buf);
	Sa__FlowRecord *rec = n ? sa__flow_record__unpack(NULL, n, buf) : NULL;

	free(buf);
	return rec;
}

/* Whether the aggregator would take REC: one batch through sa_wire's own
 * validation, as sa import sends it. */
static bool wire_ok(Sa__FlowRecord *rec)
{
	Sa__ExportBatch b = SA__EXPORT_BATCH__INIT;
	Sa__NodeMessage m = SA__NODE_MESSAGE__INIT, *back;
	const char *why = NULL;
	uint8_t *buf;
	size_t len;
	int code;

	b.has_schema_version = b.has_node_id = b.has_seq = 1;
	b.schema_version = SA_SCHEMA_VERSION;
	b.node_id = b.seq = 1;
	b.n_flows = 1;
	b.flows = &rec;
	m.body_case = SA__NODE_MESSAGE__BODY_BATCH;
	m.batch = &b;
	if ((len = sa_wire_pack(&m.base, &buf)) == 0)
		return false;
	back = sa_wire_node_unpack(NULL, buf, len, &why, &code);
	free(buf);
	if (back == NULL) {
		fprintf(stderr, "sa_wire refuses the record: %s\n", why);
		return false;
	}
	sa__node_message__free_unpacked(back, NULL);
	return true;
}

static bool str_is(const char *got, const char *want)
{
	return got != NULL && strcmp(got, want) == 0;
}

/* Every record up to the end or the first error: its result (0 or -1), with
 * the number of records in *n. */
static int run(const char *text, size_t len, unsigned *n)
{
	struct zeek_reader *r = zeek_open_mem(text, len, "t.log", err, sizeof(err));
	Sa__FlowRecord *rec;
	int ret;

	*n = 0;
	if (r == NULL)
		return -2;
	while ((ret = zeek_next(r, &rec, err, sizeof(err))) == 1)
		(*n)++;
	zeek_close(r);
	return ret;
}

/* TEXT must fail after N_OK records with a message holding each of the
 * NULL-terminated strings (the line prefix, the column, the reason). */
static void bad(const char *what, const char *text, unsigned n_ok, ...)
{
	unsigned n;
	va_list ap;

	check_context = what;
	err[0] = '\0';
	CHECK_EQ(run(text, strlen(text), &n), -1);
	CHECK_EQ(n, n_ok);
	va_start(ap, n_ok);
	for (const char *want; (want = va_arg(ap, const char *)) != NULL;)
		CHECK_REPORT_(strstr(err, want) != NULL, "message '%s' lacks '%s'", err, want);
	va_end(ap);
	check_context = "";
}

static void test_flow(void)
{
	static const uint8_t a[4] = {147, 32, 81, 167}, b[4] = {40, 74, 108, 123};
	Sa__FlowRecord *r;
	char line[1024];

	check_context = "TSV flow";
	r = first(HDR TSV_FLOW);
	CHECK(r != NULL && wire_ok(r));
	if (r == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	CHECK(r->has_addr_a && r->addr_a.len == 4 && memcmp(r->addr_a.data, a, 4) == 0);
	CHECK(r->has_addr_b && r->addr_b.len == 4 && memcmp(r->addr_b.data, b, 4) == 0);
	CHECK(r->has_ip_version && r->ip_version == 4);
	CHECK(r->has_port_a && r->port_a == 62771);
	CHECK(r->has_port_b && r->port_b == 443);
	CHECK(r->has_proto && r->proto == 6);
	CHECK(!r->has_end_reason && !r->has_vlan);
	CHECK(r->a_to_b != NULL && r->b_to_a != NULL);
	/* 1655071198.444458 s, + 1.135424 s */
	CHECK(r->a_to_b->has_first_ns && r->a_to_b->first_ns == 1655071198444458000ULL);
	CHECK(r->a_to_b->has_last_ns && r->a_to_b->last_ns == 1655071199579882000ULL);
	CHECK(r->b_to_a->has_first_ns && r->b_to_a->first_ns == 1655071198444458000ULL);
	CHECK(r->b_to_a->has_last_ns && r->b_to_a->last_ns == 1655071199579882000ULL);
	CHECK(r->a_to_b->has_packets && r->a_to_b->packets == 14);
	CHECK(r->a_to_b->has_bytes && r->a_to_b->bytes == 1016);
	CHECK(r->b_to_a->has_packets && r->b_to_a->packets == 16);
	CHECK(r->b_to_a->has_bytes && r->b_to_a->bytes == 1226);
	CHECK(r->a_to_b->has_size_mean);
	CHECK_NEAR(r->a_to_b->size_mean, 1016.0 / 14, 1e-9);
	CHECK_NEAR(r->b_to_a->size_mean, 1226.0 / 16, 1e-9);
	/* ShAdDFr: S A D F from the originator, h d r from the responder. */
	CHECK(r->a_to_b->has_tcp_flags && r->a_to_b->tcp_flags == (0x02 | 0x10 | 0x08 | 0x01));
	CHECK(r->b_to_a->has_tcp_flags && r->b_to_a->tcp_flags == (0x12 | 0x08 | 0x04));
	CHECK(!r->a_to_b->has_size_min && !r->a_to_b->has_iat_mean_ns);
	CHECK(r->has_payload_a && r->payload_a == 1596);
	CHECK(r->has_payload_b && r->payload_b == 4039);
	CHECK(str_is(r->uid, "CHLXQF2OBY4onAR0Ug"));
	CHECK(str_is(r->conn_state, "SF"));
	CHECK(str_is(r->history, "ShAdDFr"));
	CHECK(str_is(r->service, "ssl"));
	CHECK(str_is(r->label, "Benign"));
	CHECK(str_is(r->label_detail, "Microsoft"));
	sa__flow_record__free_unpacked(r, NULL);

	/* The same flow as JSON lines (ts as a number, then as ISO 8601):
	 * byte for byte the same record. */
	uint8_t *pt, *pj;
	size_t nt = first_packed(HDR TSV_FLOW, &pt), nj = first_packed(JSON_FLOW, &pj);
	check_context = "JSON flow";
	CHECK(nt > 0 && nt == nj && memcmp(pt, pj, nt) == 0);
	free(pj);
	/* &JSON_FLOW[23] is what follows "{\"ts\":1655071198.444458". */
	snprintf(line, sizeof(line), "{\"ts\":\"2022-06-12T21:59:58.444458Z\"%s", &JSON_FLOW[23]);
	nj = first_packed(line, &pj);
	check_context = "JSON flow, ISO ts";
	CHECK(nt > 0 && nt == nj && memcmp(pt, pj, nt) == 0);
	free(pj);
	snprintf(line, sizeof(line), "{\"ts\":\"2022-06-13T00:59:58.444458+03:00\"%s",
		 &JSON_FLOW[23]);
	nj = first_packed(line, &pj);
	CHECK(nt > 0 && nt == nj && memcmp(pt, pj, nt) == 0);
	free(pj);
	/* Zeek's nested id form, after blank lines. */
	nj = first_packed("\n  \n{\"id\":{\"orig_h\":\"147.32.81.167\",\"orig_p\":62771,"
			  "\"resp_h\":\"40.74.108.123\",\"resp_p\":443},\"ts\":1655071198.444458,"
			  "\"uid\":\"CHLXQF2OBY4onAR0Ug\",\"proto\":\"tcp\",\"service\":\"ssl\","
			  "\"duration\":1.135424,\"orig_bytes\":1596,\"resp_bytes\":4039,"
			  "\"conn_state\":\"SF\",\"history\":\"ShAdDFr\",\"orig_pkts\":14,"
			  "\"orig_ip_bytes\":1016,\"resp_pkts\":16,\"resp_ip_bytes\":1226,"
			  "\"label\":\"Benign\",\"detailedlabel\":\"Microsoft\"}",
			  &pj);
	check_context = "JSON flow, nested id";
	CHECK(nt > 0 && nt == nj && memcmp(pt, pj, nt) == 0);
	free(pj);
	free(pt);
	check_context = "";
}

static void test_variants(void)
{
	Sa__FlowRecord *r;

	/* IPv6 ICMP (58), reordered columns, an unknown column, unset optional
	 * fields, (empty) label detail, label names in other spellings. */
	check_context = "IPv6 icmp, reordered";
	r = first("#separator \\x09\n"
		  "#fields\tproto\tid.resp_p\tid.resp_h\textra\tid.orig_p\tid.orig_h\tts\tDetailed-Label"
		  "\tLABEL\tresp_pkts\tresp_ip_bytes\torig_pkts\thistory\tduration\n"
		  "icmp\t0\tff02::1\tzzz\t135\tfe80::5dd3:6bb3:7720:1e83\t32.990827\t(empty)\t"
		  " Background \t0\t0\t2\t-\t-\n");
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK(r->proto == 58 && r->ip_version == 6 && r->addr_a.len == 16 &&
		      r->addr_b.len == 16);
		CHECK(r->addr_a.data[0] == 0xfe && r->addr_a.data[1] == 0x80 &&
		      r->addr_a.data[15] == 0x83);
		CHECK(r->addr_b.data[0] == 0xff && r->addr_b.data[1] == 0x02 &&
		      r->addr_b.data[15] == 1);
		CHECK(r->port_a == 135 && r->port_b == 0);
		CHECK(r->a_to_b->first_ns == 32990827000ULL && r->a_to_b->last_ns == 32990827000ULL);
		CHECK(r->a_to_b->has_packets && r->a_to_b->packets == 2 && !r->a_to_b->has_bytes);
		CHECK(!r->a_to_b->has_size_mean && !r->a_to_b->has_tcp_flags);
		CHECK(r->b_to_a->has_packets && r->b_to_a->packets == 0);
		CHECK(!r->b_to_a->has_first_ns && !r->b_to_a->has_last_ns &&
		      !r->b_to_a->has_size_mean);
		CHECK(r->uid == NULL && r->service == NULL && r->history == NULL);
		CHECK(!r->has_payload_a && !r->has_payload_b);
		CHECK(str_is(r->label, "Background") && str_is(r->label_detail, ""));
		sa__flow_record__free_unpacked(r, NULL);
	}

	/* UDP: history is kept, but D/d are not TCP flags. Comma separator. */
	check_context = "udp, comma separator";
	r = first("#separator \\x2c\n#fields,ts,id.orig_h,id.orig_p,id.resp_h,id.resp_p,proto,"
		  "history,uid\n7,10.0.0.1,5353,10.0.0.2,53,udp,Dd,C\\x2cx\n");
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK(r->proto == 17 && str_is(r->history, "Dd") && str_is(r->uid, "C,x"));
		CHECK(!r->a_to_b->has_tcp_flags && !r->b_to_a->has_tcp_flags);
		CHECK(r->a_to_b->first_ns == 7000000000ULL);
		sa__flow_record__free_unpacked(r, NULL);
	}

	/* Label and detailed label in one blank-separated column, as some CTU
	 * (IoT-23) logs have it. A protocol number. */
	check_context = "combined label column";
	r = first("#separator \\x09\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t"
		  "tunnel_parents   label   detailed-label\n"
		  "1.5\t10.0.0.1\t1\t10.0.0.2\t2\t132\t(empty)   Malicious   "
		  "PartOfAHorizontalPortScan\n");
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK(r->proto == 132 && r->a_to_b->first_ns == 1500000000ULL);
		CHECK(str_is(r->label, "Malicious") &&
		      str_is(r->label_detail, "PartOfAHorizontalPortScan"));
		sa__flow_record__free_unpacked(r, NULL);
	}

	/* Times: exact decimal, JSON's long fractions and exponents rounded to
	 * the ns, the largest ts that fits (2^63 - 1 ns). */
	static const struct {
		const char *ts;
		uint64_t ns;
	} times[] = {
		{"0", 0},
		{"19.981745", 19981745000ULL},
		{"1655071198.444458", 1655071198444458000ULL},
		{"1.000000001", 1000000001ULL},
		{"0.0008928775787353516", 892878ULL},
		{"9.5367431640625e-07", 954ULL},
		{"1.6e1", 16000000000ULL},
		{"9223372036.854775807", 9223372036854775807ULL},
	};
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		char line[512];
		check_context = times[i].ts;
		snprintf(line, sizeof(line),
			 "{\"ts\":%s,\"id.orig_h\":\"1.2.3.4\",\"id.orig_p\":1,\"id.resp_h\":"
			 "\"5.6.7.8\",\"id.resp_p\":2,\"proto\":\"udp\",\"duration\":%s}",
			 times[i].ts, "0");
		r = first(line);
		CHECK(r != NULL && r->a_to_b->first_ns == times[i].ns);
		if (r != NULL)
			sa__flow_record__free_unpacked(r, NULL);
	}
	check_context = "";
}

#define J(ts, oh, op, rh, rp, pr)                                                              \
	"{\"ts\":" ts ",\"id.orig_h\":" oh ",\"id.orig_p\":" op ",\"id.resp_h\":" rh     \
	",\"id.resp_p\":" rp ",\"proto\":" pr "}\n"
#define JOK J("1.5", "\"1.2.3.4\"", "1", "\"5.6.7.8\"", "2", "\"tcp\"")
#define T(ts, oh, op, rh, rp, pr, extra)                                                       \
	"#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\torig_pkts\n" ts "\t" oh \
	"\t" op "\t" rh "\t" rp "\t" pr "\t" extra "\n"

static void test_errors(void)
{
	/* The header */
	bad("missing column",
	    "#separator \\x09\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tproto\n1\n", 0,
	    "t.log:2: ", "no `id.resp_p` column", NULL);
	bad("data before #fields", "#separator \\x09\n#path\tconn\n1.0\t1.2.3.4\n", 0,
	    "t.log:3: ", "before the #fields header", NULL);
	bad("neither TSV nor JSON", "\n1.0\t1.2.3.4\n", 0, "t.log:2: ", "#fields", NULL);
	bad("comma file", "#separator \\x09\n#fields,ts,uid,id.orig_h,id.orig_p\n1,2,3,4\n", 0,
	    "t.log:2: ", "no `ts` column; is the separator right? (#separator says \\x09)", NULL);
	bad("bad separator", "#separator \\x09\\x09\n", 0, "t.log:1: ", "#separator", NULL);
	bad("column twice", "#fields\tts\tts\n", 0, "t.log:1: ", "ts given twice", NULL);
	bad("wrong field count", HDR TSV_FLOW "1.0\tC\t1.2.3.4\n", 1, "t.log:10: ",
	    "expected 23 fields (as #fields on line 7), found 3", NULL);
	bad("short compound field",
	    "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tlabel detailed-label\n"
	    "1\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\tBenign\n",
	    0, "t.log:2: ", "expected 2 blank-separated values, found 1", NULL);

	/* Values */
	bad("negative ts", T("-1.5", "1.2.3.4", "1", "5.6.7.8", "2", "tcp", "1"), 0,
	    "t.log:2: column ts: negative: '-1.5'", NULL);
	bad("garbage ts", T("1.5x", "1.2.3.4", "1", "5.6.7.8", "2", "tcp", "1"), 0,
	    "t.log:2: column ts: ", "'1.5x'", NULL);
	bad("nan ts", T("nan", "1.2.3.4", "1", "5.6.7.8", "2", "tcp", "1"), 0,
	    "t.log:2: column ts: ", NULL);
	bad("ts beyond 2^63 ns", T("9223372036.854775808", "1.2.3.4", "1", "5.6.7.8", "2", "tcp", "1"),
	    0, "t.log:2: column ts: beyond 2^63 ns", NULL);
	bad("ts 1e30", T("1e30", "1.2.3.4", "1", "5.6.7.8", "2", "tcp", "1"), 0,
	    "t.log:2: column ts: beyond", NULL);
	bad("unset ts", T("-", "1.2.3.4", "1", "5.6.7.8", "2", "tcp", "1"), 0,
	    "t.log:2: column ts: required but unset", NULL);
	bad("bad address", T("1", "300.1.2.3", "1", "5.6.7.8", "2", "tcp", "1"), 0,
	    "t.log:2: column id.orig_h: not an IPv4 or IPv6 address: '300.1.2.3'", NULL);
	bad("bad IPv6", T("1", "1.2.3.4", "1", "fe80::zz", "2", "tcp", "1"), 0,
	    "t.log:2: column id.resp_h: ", "'fe80::zz'", NULL);
	bad("mixed families", T("1", "1.2.3.4", "1", "::1", "2", "tcp", "1"), 0,
	    "t.log:2: column id.resp_h: IPv6 address but id.orig_h is IPv4", NULL);
	bad("port 65536", T("1", "1.2.3.4", "65536", "5.6.7.8", "2", "tcp", "1"), 0,
	    "t.log:2: column id.orig_p: larger than 65535: '65536'", NULL);
	bad("port -1", T("1", "1.2.3.4", "1", "5.6.7.8", "-1", "tcp", "1"), 0,
	    "t.log:2: column id.resp_p: ", NULL);
	bad("count overflow", T("1", "1.2.3.4", "1", "5.6.7.8", "2", "tcp", "18446744073709551616"),
	    0, "t.log:2: column orig_pkts: count does not fit 64 bits", NULL);
	{
		/* 255 bytes is the wire's limit for a string; 256 is refused. */
		char line[1024] = "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t"
				  "label\tuid\n1\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t";
		size_t n = strlen(line);
		unsigned nrec;
		memset(line + n, 'B', 255);
		strcpy(line + n + 255, "\tC\n");
		check_context = "label of 255 bytes";
		CHECK_EQ(run(line, strlen(line), &nrec), 0);
		CHECK_EQ(nrec, 1);
		strcpy(line + n + 255, "B\tC\n");
		bad("label of 256 bytes", line, 0, "t.log:2: column label: longer than 255 bytes", NULL);
	}
	bad("bad proto", T("1", "1.2.3.4", "1", "5.6.7.8", "2", "sctp", "1"), 0,
	    "t.log:2: column proto: ", "'sctp'", NULL);
	bad("proto 256", T("1", "1.2.3.4", "1", "5.6.7.8", "2", "256", "1"), 0,
	    "t.log:2: column proto: ", NULL);
	{
		unsigned n;
		check_context = "NUL byte";
		CHECK_EQ(run("\n\0\n", 3, &n), -1);
		CHECK(strstr(err, "t.log:2: NUL byte") != NULL);
	}
	{
		/* The offending text is cut to 40 bytes; the message stays short. */
		char line[600] = T("1", "1.2.3.4", "1", "5.6.7.8", "2", "tcp", "");
		size_t n = strlen(line) - 1;
		memset(line + n, '9', 200);
		strcpy(line + n + 200, "x\n");
		bad("long value", line, 0, "t.log:2: column orig_pkts: ", "9999...'", NULL);
		CHECK(strlen(err) < 200);
	}
	{
		unsigned n;
		char small[16];
		struct zeek_reader *r;
		Sa__FlowRecord *rec;

		/* count == UINT64_MAX is fine in TSV; tiny and absent error buffers. */
		check_context = "u64 max, small err buffer";
		CHECK_EQ(run(T("1", "1.2.3.4", "1", "5.6.7.8", "2", "tcp", "18446744073709551615"),
			     strlen(T("1", "1.2.3.4", "1", "5.6.7.8", "2", "tcp", "18446744073709551615")),
			     &n),
			 0);
		CHECK_EQ(n, 1);
		r = zeek_open_mem("x\n", 2, "t.log", NULL, 0);
		CHECK(r != NULL && zeek_next(r, &rec, small, sizeof(small)) == -1);
		CHECK(strlen(small) == sizeof(small) - 1 && rec == NULL);
		CHECK(zeek_next(r, &rec, NULL, 0) == 0);
		zeek_close(r);
		CHECK(zeek_open("/nonexistent/conn.log", small, sizeof(small)) == NULL &&
		      strncmp(small, "/nonexistent", 12) == 0);
	}

	/* A line over 64 KiB is an error naming it; the next line still reads. */
	{
		size_t hl = strlen(JOK), n = ZEEK_LINE_MAX + 10;
		char *text = malloc(hl + n + 2 + hl);
		struct zeek_reader *r;
		Sa__FlowRecord *rec;

		check_context = "long line";
		memcpy(text, JOK, hl);
		memset(text + hl, ' ', n);
		text[hl + n] = '\n';
		memcpy(text + hl + n + 1, JOK, hl);
		r = zeek_open_mem(text, hl + n + 1 + hl, "t.log", err, sizeof(err));
		CHECK(zeek_next(r, &rec, err, sizeof(err)) == 1);
		CHECK(zeek_next(r, &rec, err, sizeof(err)) == -1 &&
		      strstr(err, "t.log:2: line longer than 65536 bytes") != NULL);
		CHECK(zeek_next(r, &rec, err, sizeof(err)) == 1 && zeek_line(r) == 3);
		CHECK(zeek_next(r, &rec, err, sizeof(err)) == 0);
		zeek_close(r);
		free(text);
	}

	/* JSON */
	bad("JSON array", JOK "[1,2]\n", 1, "t.log:2: not a JSON object but a JSON array", NULL);
	bad("JSON cut", JOK "{\"ts\":1\n", 1, "t.log:2: JSON value not complete", NULL);
	bad("JSON trailing", "{} {}\n", 0, "t.log:1: ", NULL);
	bad("JSON garbage", "{\"ts\":1,}\n", 0, "t.log:1: bad JSON", NULL);
	bad("JSON header line", JOK "#fields\tts\n", 1, "t.log:2: bad JSON", NULL);
	bad("JSON port as string", J("1", "\"1.2.3.4\"", "\"80\"", "\"5.6.7.8\"", "2", "\"tcp\""), 0,
	    "t.log:1: key id.orig_p: expected an integer, found a JSON string: '\"80\"'", NULL);
	bad("JSON addr as number", J("1", "1234", "80", "\"5.6.7.8\"", "2", "\"tcp\""), 0,
	    "t.log:1: key id.orig_h: expected a string, found a JSON int", NULL);
	bad("JSON ts as bool", J("true", "\"1.2.3.4\"", "80", "\"5.6.7.8\"", "2", "\"tcp\""), 0,
	    "t.log:1: key ts: expected a number or string", NULL);
	bad("JSON ts garbage", J("\"yesterday\"", "\"1.2.3.4\"", "80", "\"5.6.7.8\"", "2", "\"tcp\""),
	    0, "t.log:1: key ts: not decimal seconds or an ISO 8601 time", NULL);
	bad("JSON ts bad date", J("\"2022-02-30T00:00:00Z\"", "\"1.2.3.4\"", "80", "\"5.6.7.8\"", "2",
				  "\"tcp\""),
	    0, "t.log:1: key ts: ", NULL);
	bad("JSON negative ts", J("-1", "\"1.2.3.4\"", "80", "\"5.6.7.8\"", "2", "\"tcp\""), 0,
	    "t.log:1: key ts: negative", NULL);
	bad("JSON port 70000", J("1", "\"1.2.3.4\"", "70000", "\"5.6.7.8\"", "2", "\"tcp\""), 0,
	    "t.log:1: key id.orig_p: larger than 65535", NULL);
	bad("JSON count overflow",
	    "{\"ts\":1,\"id.orig_h\":\"1.2.3.4\",\"id.orig_p\":1,\"id.resp_h\":\"5.6.7.8\","
	    "\"id.resp_p\":2,\"proto\":\"tcp\",\"orig_pkts\":18446744073709551616}\n",
	    0, "t.log:1: key orig_pkts: 2^64 - 1 or more", NULL);
	bad("JSON missing key", "{\"ts\":1,\"id.orig_h\":\"1.2.3.4\",\"id.orig_p\":1,\"id.resp_p\":2,"
				"\"proto\":\"tcp\"}\n",
	    0, "t.log:1: key id.resp_h: required but missing", NULL);
	bad("JSON label as number", "{\"ts\":1,\"id.orig_h\":\"1.2.3.4\",\"id.orig_p\":1,\"id.resp_h\":"
				    "\"5.6.7.8\",\"id.resp_p\":2,\"proto\":\"tcp\",\"label\":3}\n",
	    0, "t.log:1: key label: expected a string", NULL);
}

/* The labelled CTU logs: records and labels as MANIFEST.md counts them. */
static void test_ctu(const char *dir)
{
	static const struct {
		const char *file;
		unsigned records, background, benign, malicious;
	} logs[] = {
		{"ctu_zeek_conn_labeled_001_malicious.log", 992, 739, 9, 244},
		{"ctu_zeek_conn_labeled_008_mixed.log", 5663, 60, 1402, 4201},
		{"ctu_zeek_conn_labeled_010_mixed.log", 5347, 37, 1937, 3373},
	};

	for (size_t i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
		char path[4096];
		unsigned n = 0, bg = 0, be = 0, ma = 0, other = 0, bad_rec = 0;
		struct zeek_reader *r;
		Sa__FlowRecord *rec;
		int ret;

		check_context = logs[i].file;
		snprintf(path, sizeof(path), "%s/%s", dir, logs[i].file);
		r = zeek_open(path, err, sizeof(err));
		CHECK(r != NULL);
		if (r == NULL) {
			fprintf(stderr, "%s\n", err);
			continue;
		}
		while ((ret = zeek_next(r, &rec, err, sizeof(err))) == 1) {
			n++;
			if (str_is(rec->label, "Background"))
				bg++;
			else if (str_is(rec->label, "Benign"))
				be++;
			else if (str_is(rec->label, "Malicious"))
				ma++;
			else
				other++;
			/* What every record of these logs has. */
			if (!rec->has_addr_a || rec->addr_a.len != (rec->ip_version == 4 ? 4u : 16u) ||
			    rec->uid == NULL || rec->conn_state == NULL ||
			    rec->a_to_b->last_ns < rec->a_to_b->first_ns || !rec->a_to_b->has_packets ||
			    !wire_ok(rec))
				bad_rec++;
		}
		CHECK_EQ(ret, 0);
		if (ret != 0)
			fprintf(stderr, "%s\n", err);
		CHECK_EQ(n, logs[i].records);
		CHECK_EQ(bg, logs[i].background);
		CHECK_EQ(be, logs[i].benign);
		CHECK_EQ(ma, logs[i].malicious);
		CHECK_EQ(other, 0);
		CHECK_EQ(bad_rec, 0);
		zeek_close(r);
	}
	check_context = "";
}

int main(int argc, char **argv)
{
	test_flow();
	test_variants();
	test_errors();
	const char *dir = argc > 1 ? argv[1] : getenv("SA_LABELLED_DIR");

	if (dir != NULL && dir[0] != '\0')
		test_ctu(dir);
	else
		printf("no data directory given: CTU logs not checked\n");
	return check_summary();
}
