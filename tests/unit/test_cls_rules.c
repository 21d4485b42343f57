/* cls_rules: label rules parsed and matched against hand-made flows.
 *
 * Hand-worked cases cover each keyword, CIDR edges (/0, /31, /32, /127,
 * /128, v4 against v6), port ranges, either-side host and port, icmp on
 * both families, time bounds ([from, to), exact fractional epochs, ISO),
 * first match across indexed (exact 5-tuple) and linear rules in both
 * orders, defaults, and every parse error with its line number.
 *
 * Random cases: rules drawn from the test's own description (struct
 * trule), written out as text, parsed by the library, and checked flow by
 * flow against a naive first-match loop over those descriptions written
 * here, which shares no code with the library (bit-by-bit prefixes, its own
 * port and time tests). 5k rules x 5k flows are all checked; at 200k x
 * 200k the naive loop (4e10 rule tests) is too slow, so every flow is
 * matched and timed and a spread sample of 2000 is checked. */
#define _GNU_SOURCE /* clock_gettime, mkstemp */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "cls_rules.h"
#include "sa_time.h"

#define NAME "t.rules"
#define T0 (1704067200ULL * SA_NS_PER_S) /* 2024-01-01T00:00:00Z */

/* ---- flows ------------------------------------------------------------------- */

struct tflow {
	Sa__FlowRecord f;
	Sa__DirStats ab, ba;
	uint8_t a[16], b[16];
};

/* A flow from A to B; start 0 leaves it without times. */
static void mkflow(struct tflow *t, const char *a, unsigned pa, const char *b, unsigned pb,
		   unsigned proto, uint64_t start)
{
	int fam = strchr(a, ':') ? AF_INET6 : AF_INET;
	size_t len = fam == AF_INET ? 4 : 16;

	memset(t, 0, sizeof(*t));
	sa__flow_record__init(&t->f);
	sa__dir_stats__init(&t->ab);
	sa__dir_stats__init(&t->ba);
	if (inet_pton(fam, a, t->a) != 1 || inet_pton(fam, b, t->b) != 1) {
		fprintf(stderr, "bad test address %s or %s\n", a, b);
		exit(2);
	}
	t->f.has_addr_a = t->f.has_addr_b = 1;
	t->f.addr_a.data = t->a;
	t->f.addr_b.data = t->b;
	t->f.addr_a.len = t->f.addr_b.len = len;
	t->f.has_port_a = t->f.has_port_b = t->f.has_proto = t->f.has_ip_version = 1;
	t->f.port_a = pa;
	t->f.port_b = pb;
	t->f.proto = proto;
	t->f.ip_version = len == 4 ? 4 : 6;
	if (start) {
		t->ab.has_first_ns = t->ab.has_last_ns = 1;
		t->ab.first_ns = start;
		t->ab.last_ns = start + 5 * SA_NS_PER_S;
		t->f.a_to_b = &t->ab;
	}
}

static struct cls_rules *parse(const char *text)
{
	char err[256] = "";
	struct cls_rules *r = cls_rules_parse(text, strlen(text), NAME, err, sizeof(err));

	CHECK_REPORT_(r != NULL, "rules refused: %s", err);
	return r;
}

/* The label f gets from r equals want (NULL: no rule matches). */
#define CHECK_LABEL(r, t, want)                                                        \
	do {                                                                           \
		const char *got_ = (r) ? cls_rules_match((r), &(t)->f) : "(no rules)";  \
		const char *want_ = (want);                                            \
		CHECK_REPORT_(want_ ? got_ && strcmp(got_, want_) == 0 : got_ == NULL, \
			      "label %s, expected %s", got_ ? got_ : "NULL",           \
			      want_ ? want_ : "NULL");                                 \
	} while (0)

/* ---- hand-worked cases ------------------------------------------------------- */

static void test_keywords(void)
{
	struct tflow t;
	struct cls_rules *r;

	check_context = "keywords";
	r = parse("s src 10.0.0.1\n"
		  "d dst 10.0.0.2\n"
		  "h host 10.0.0.3\n"
		  "sp sport 1111\n"
		  "dp dport 2222\n"
		  "p port 3333\n"
		  "pr proto 47\n"
		  "f from 1704067300\n"
		  "t to 1704067100\n");
	CHECK_EQ(cls_rules_count(r), 9);
	mkflow(&t, "10.0.0.1", 1, "9.9.9.9", 2, 6, T0);
	CHECK_LABEL(r, &t, "s");
	mkflow(&t, "10.0.0.2", 1, "9.9.9.9", 2, 6, T0); /* src is side A only */
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "9.9.9.9", 1, "10.0.0.2", 2, 6, T0);
	CHECK_LABEL(r, &t, "d");
	mkflow(&t, "9.9.9.9", 1, "10.0.0.1", 2, 6, T0); /* dst is side B only */
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "10.0.0.3", 1, "9.9.9.9", 2, 6, T0);
	CHECK_LABEL(r, &t, "h");
	mkflow(&t, "9.9.9.9", 1, "10.0.0.3", 2, 6, T0);
	CHECK_LABEL(r, &t, "h");
	mkflow(&t, "9.9.9.9", 1111, "9.9.9.8", 2, 6, T0);
	CHECK_LABEL(r, &t, "sp");
	mkflow(&t, "9.9.9.9", 2, "9.9.9.8", 1111, 6, T0);
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "9.9.9.9", 2, "9.9.9.8", 2222, 6, T0);
	CHECK_LABEL(r, &t, "dp");
	mkflow(&t, "9.9.9.9", 2222, "9.9.9.8", 2, 6, T0);
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "9.9.9.9", 3333, "9.9.9.8", 2, 6, T0);
	CHECK_LABEL(r, &t, "p");
	mkflow(&t, "9.9.9.9", 2, "9.9.9.8", 3333, 6, T0);
	CHECK_LABEL(r, &t, "p");
	mkflow(&t, "9.9.9.9", 2, "9.9.9.8", 3, 47, T0);
	CHECK_LABEL(r, &t, "pr");
	mkflow(&t, "9.9.9.9", 2, "9.9.9.8", 3, 6, T0 + 100 * SA_NS_PER_S);
	CHECK_LABEL(r, &t, "f");
	mkflow(&t, "9.9.9.9", 2, "9.9.9.8", 3, 6, T0 - 101 * SA_NS_PER_S);
	CHECK_LABEL(r, &t, "t");
	mkflow(&t, "9.9.9.9", 2, "9.9.9.8", 3, 6, T0);
	CHECK_LABEL(r, &t, NULL);
	cls_rules_free(r);

	/* All conditions of one rule must hold; keywords in any order. */
	r = parse("all proto udp dport 53 src 192.168.0.0/16 to 1704067201 host 8.8.8.8 "
		  "from 1704067200 port 40000-40010 sport 40000-50000 dst 8.8.8.8/32\n");
	CHECK_EQ(cls_rules_count_exact(r), 0);
	mkflow(&t, "192.168.3.4", 40005, "8.8.8.8", 53, 17, T0);
	CHECK_LABEL(r, &t, "all");
	mkflow(&t, "192.168.3.4", 40005, "8.8.8.8", 53, 6, T0);
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "192.168.3.4", 40011, "8.8.8.8", 53, 17, T0); /* port fails, sport holds */
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "192.168.3.4", 40005, "8.8.8.8", 53, 17, T0 + SA_NS_PER_S);
	CHECK_LABEL(r, &t, NULL);
	cls_rules_free(r);
}

static void test_cidr(void)
{
	struct tflow t;
	struct cls_rules *r;

	check_context = "cidr";
	r = parse("any4 src 0.0.0.0/0 dport 1\n"
		  "any6 src ::/0 dport 1\n"
		  "net8 src 10.1.2.3/8 dport 2\n" /* host bits past /8 ignored */
		  "p31 src 10.0.0.2/31 dport 3\n"
		  "p32 src 10.0.0.7/32 dport 4\n"
		  "h4 src 10.0.0.8 dport 4\n"
		  "p127 src 2001:db8::2/127 dport 5\n"
		  "p128 src 2001:db8::7/128 dport 6\n"
		  "h6 src 2001:db8::8 dport 6\n"
		  "p1 dst 128.0.0.0/1 dport 7\n"
		  "p65 dst 2001:db8:0:0:8000::/65 dport 8\n"
		  "mapped host ::ffff:10.0.0.9 dport 9\n");
	mkflow(&t, "1.2.3.4", 5, "5.6.7.8", 1, 6, T0);
	CHECK_LABEL(r, &t, "any4");
	mkflow(&t, "::1", 5, "::2", 1, 6, T0);
	CHECK_LABEL(r, &t, "any6");
	mkflow(&t, "10.255.0.1", 5, "5.6.7.8", 2, 6, T0);
	CHECK_LABEL(r, &t, "net8");
	mkflow(&t, "11.0.0.0", 5, "5.6.7.8", 2, 6, T0);
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "9.255.255.255", 5, "5.6.7.8", 2, 6, T0);
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "10.0.0.2", 5, "5.6.7.8", 3, 6, T0);
	CHECK_LABEL(r, &t, "p31");
	mkflow(&t, "10.0.0.3", 5, "5.6.7.8", 3, 6, T0);
	CHECK_LABEL(r, &t, "p31");
	mkflow(&t, "10.0.0.1", 5, "5.6.7.8", 3, 6, T0);
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "10.0.0.4", 5, "5.6.7.8", 3, 6, T0);
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "10.0.0.7", 5, "5.6.7.8", 4, 6, T0);
	CHECK_LABEL(r, &t, "p32");
	mkflow(&t, "10.0.0.8", 5, "5.6.7.8", 4, 6, T0);
	CHECK_LABEL(r, &t, "h4");
	mkflow(&t, "10.0.0.6", 5, "5.6.7.8", 4, 6, T0);
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "2001:db8::3", 5, "::2", 5, 6, T0);
	CHECK_LABEL(r, &t, "p127");
	mkflow(&t, "2001:db8::4", 5, "::2", 5, 6, T0);
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "2001:db8::7", 5, "::2", 6, 6, T0);
	CHECK_LABEL(r, &t, "p128");
	mkflow(&t, "2001:db8::8", 5, "::2", 6, 6, T0);
	CHECK_LABEL(r, &t, "h6");
	mkflow(&t, "2001:db8::9", 5, "::2", 6, 6, T0);
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "1.1.1.1", 5, "128.0.0.0", 7, 6, T0);
	CHECK_LABEL(r, &t, "p1");
	mkflow(&t, "1.1.1.1", 5, "255.255.255.255", 7, 6, T0);
	CHECK_LABEL(r, &t, "p1");
	mkflow(&t, "1.1.1.1", 5, "127.255.255.255", 7, 6, T0);
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "::1", 5, "2001:db8::8000:0:0:1", 8, 6, T0);
	CHECK_LABEL(r, &t, "p65");
	mkflow(&t, "::1", 5, "2001:db8::7fff:0:0:1", 8, 6, T0);
	CHECK_LABEL(r, &t, NULL);
	/* A v4-mapped v6 CIDR is v6: it never matches the v4 address. */
	mkflow(&t, "10.0.0.9", 5, "1.1.1.1", 9, 6, T0);
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "::ffff:10.0.0.9", 5, "::1", 9, 6, T0);
	CHECK_LABEL(r, &t, "mapped");
	/* A flow whose address is not 4 or 16 bytes matches no CIDR. */
	mkflow(&t, "1.2.3.4", 5, "5.6.7.8", 1, 6, T0);
	t.f.addr_a.len = 5;
	CHECK_LABEL(r, &t, NULL);
	t.f.addr_a.len = 0;
	t.f.addr_a.data = NULL;
	CHECK_LABEL(r, &t, NULL);
	cls_rules_free(r);

	/* v4 rules against v6 flows and the reverse, on each keyword. */
	r = parse("a host 0.0.0.0/0\n");
	mkflow(&t, "::1", 1, "::2", 2, 6, T0);
	CHECK_LABEL(r, &t, NULL);
	cls_rules_free(r);
	r = parse("a dst ::/0\n");
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 2, 6, T0);
	CHECK_LABEL(r, &t, NULL);
	cls_rules_free(r);
}

static void test_ports_proto(void)
{
	struct tflow t;
	struct cls_rules *r;

	check_context = "ports and proto";
	r = parse("range dport 1000-2000\n"
		  "zero sport 0\n"
		  "top port 65535\n"
		  "any port 0-65535 proto 200\n");
	const unsigned in[] = {1000, 1500, 2000}, out[] = {999, 2001};
	for (size_t i = 0; i < 3; i++) {
		mkflow(&t, "1.1.1.1", 7, "2.2.2.2", in[i], 6, T0);
		CHECK_LABEL(r, &t, "range");
	}
	for (size_t i = 0; i < 2; i++) {
		mkflow(&t, "1.1.1.1", 7, "2.2.2.2", out[i], 6, T0);
		CHECK_LABEL(r, &t, NULL);
	}
	mkflow(&t, "1.1.1.1", 0, "2.2.2.2", 9, 6, T0);
	CHECK_LABEL(r, &t, "zero");
	mkflow(&t, "1.1.1.1", 9, "2.2.2.2", 65535, 6, T0);
	CHECK_LABEL(r, &t, "top");
	mkflow(&t, "1.1.1.1", 9, "2.2.2.2", 9, 200, T0);
	CHECK_LABEL(r, &t, "any");
	cls_rules_free(r);

	r = parse("icmp proto icmp\n"
		  "n58 proto 58\n"
		  "tcp proto tcp\n"
		  "udp proto udp\n"
		  "zero proto 0\n");
	mkflow(&t, "1.1.1.1", 0, "2.2.2.2", 0, 1, T0);
	CHECK_LABEL(r, &t, "icmp");
	mkflow(&t, "::1", 0, "::2", 0, 58, T0);
	CHECK_LABEL(r, &t, "icmp");
	mkflow(&t, "::1", 0, "::2", 0, 1, T0); /* 1 on v6 is not ICMPv6 */
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "1.1.1.1", 0, "2.2.2.2", 0, 58, T0); /* a number is literal */
	CHECK_LABEL(r, &t, "n58");
	mkflow(&t, "::1", 0, "::2", 0, 6, T0);
	CHECK_LABEL(r, &t, "tcp");
	mkflow(&t, "1.1.1.1", 0, "2.2.2.2", 0, 17, T0);
	CHECK_LABEL(r, &t, "udp");
	/* No usable address: the family comes from ip_version. */
	mkflow(&t, "1.1.1.1", 0, "2.2.2.2", 0, 58, T0);
	t.f.addr_a.len = t.f.addr_b.len = 0;
	t.f.ip_version = 6;
	CHECK_LABEL(r, &t, "icmp");
	t.f.has_ip_version = 0; /* no family at all: icmp is neither 1 nor 58 */
	CHECK_LABEL(r, &t, "n58");
	t.f.proto = 1;
	CHECK_LABEL(r, &t, NULL);
	t.f.has_proto = 0; /* unset reads as 0 */
	t.f.proto = 0;
	CHECK_LABEL(r, &t, "zero");
	cls_rules_free(r);
}

static void test_time(void)
{
	struct tflow t;
	struct cls_rules *r;
	const uint64_t from = 1704103200123456789ULL, to = 1704103260000000000ULL;

	check_context = "time";
	/* 1704103200.123456789 is not a double: it must be read exactly. */
	r = parse("w from 1704103200.123456789 to 1704103260\n"
		  "iso from 2024-01-08T14:00:00Z to 2024-01-08T14:00:00.5Z\n"
		  "date from 2024-02-01 to 2024-02-02\n"
		  "frac from 1704103300.5 to 1704103300.500000001\n");
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 2, 6, from - 1);
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 2, 6, from);
	CHECK_LABEL(r, &t, "w");
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 2, 6, to - 1);
	CHECK_LABEL(r, &t, "w");
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 2, 6, to);
	CHECK_LABEL(r, &t, NULL);
	/* 2024-01-08T14:00:00Z = 1704067200 + 7 * 86400 + 14 * 3600. */
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 2, 6, 1704722400ULL * SA_NS_PER_S);
	CHECK_LABEL(r, &t, "iso");
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 2, 6, 1704722400ULL * SA_NS_PER_S + 499999999);
	CHECK_LABEL(r, &t, "iso");
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 2, 6, 1704722400ULL * SA_NS_PER_S + 500000000);
	CHECK_LABEL(r, &t, NULL);
	/* 2024-02-01 = 1704067200 + 31 * 86400. */
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 2, 6, 1706745600ULL * SA_NS_PER_S + 86399 * SA_NS_PER_S);
	CHECK_LABEL(r, &t, "date");
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 2, 6, 1706745600ULL * SA_NS_PER_S + 86400 * SA_NS_PER_S);
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 2, 6, 1704103300500000000ULL);
	CHECK_LABEL(r, &t, "frac");
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 2, 6, 1704103300500000001ULL);
	CHECK_LABEL(r, &t, NULL);
	/* The start is the earlier of the two directions. */
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 2, 6, to + 10);
	t.ba.has_first_ns = t.ba.has_last_ns = 1;
	t.ba.first_ns = from;
	t.ba.last_ns = to + 20;
	t.f.b_to_a = &t.ba;
	CHECK_LABEL(r, &t, "w");
	/* No times: no rule with from or to takes the flow. */
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 2, 6, 0);
	CHECK_LABEL(r, &t, NULL);
	cls_rules_free(r);
	r = parse("late to 1704103260\n");
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 2, 6, 0);
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 2, 6, 1);
	CHECK_LABEL(r, &t, "late");
	cls_rules_free(r);
	/* The largest time 64-bit ns hold, and epoch 0. */
	r = parse("edge from 0 to 18446744073.709551615\n");
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 2, 6, UINT64_MAX - 5 * SA_NS_PER_S);
	CHECK_LABEL(r, &t, "edge");
	cls_rules_free(r);
}

/* One exact rule and one linear rule that both take the flow, in both
 * orders; and exact rules of one key chained in file order. */
static void test_order(void)
{
	struct tflow t;
	struct cls_rules *r;
	size_t line = 99;
	const char *exact = "src 10.0.0.1 sport 1234 dst 10.0.0.2 dport 80 proto tcp";

	check_context = "first match";
	mkflow(&t, "10.0.0.1", 1234, "10.0.0.2", 80, 6, T0);
	char text[1024];
	snprintf(text, sizeof(text), "# linear first\n\nlin host 10.0.0.0/24\nex %s\n", exact);
	r = parse(text);
	CHECK_EQ(cls_rules_count(r), 2);
	CHECK_EQ(cls_rules_count_exact(r), 1);
	CHECK(strcmp(cls_rules_match_line(r, &t.f, &line), "lin") == 0 && line == 3);
	cls_rules_free(r);

	snprintf(text, sizeof(text), "ex %s\nlin host 10.0.0.0/24\n", exact);
	r = parse(text);
	CHECK_EQ(cls_rules_count_exact(r), 1);
	CHECK(strcmp(cls_rules_match_line(r, &t.f, &line), "ex") == 0 && line == 1);
	cls_rules_free(r);

	/* Exact rules of one key: the first whose time holds wins, even
	 * after a linear rule that is later than it but earlier than the
	 * others. */
	snprintf(text, sizeof(text),
		 "e1 %s from 1704067300\n"
		 "e2 %s to 1704067300\n"
		 "lin port 80\n"
		 "e3 %s\n"
		 "default\n",
		 exact, exact, exact);
	r = parse(text);
	CHECK_EQ(cls_rules_count(r), 5);
	CHECK_EQ(cls_rules_count_exact(r), 3);
	CHECK(strcmp(cls_rules_match_line(r, &t.f, &line), "e2") == 0 && line == 2);
	mkflow(&t, "10.0.0.1", 1234, "10.0.0.2", 80, 6, T0 + 100 * SA_NS_PER_S);
	CHECK(strcmp(cls_rules_match_line(r, &t.f, &line), "e1") == 0 && line == 1);
	mkflow(&t, "10.0.0.1", 1234, "10.0.0.2", 80, 6, 0); /* neither e1 nor e2 */
	CHECK(strcmp(cls_rules_match_line(r, &t.f, &line), "lin") == 0 && line == 3);
	mkflow(&t, "10.0.0.1", 1234, "10.0.0.2", 8080, 6, T0);
	CHECK(strcmp(cls_rules_match_line(r, &t.f, &line), "default") == 0 && line == 5);
	/* The same 5-tuple reversed is another flow. */
	mkflow(&t, "10.0.0.2", 80, "10.0.0.1", 1234, 6, T0);
	CHECK_LABEL(r, &t, "lin");
	cls_rules_free(r);

	/* Exact rules with extra conditions (host, port) still index. */
	r = parse("x src 10.0.0.1 sport 1 dst 10.0.0.2 dport 2 proto 6 port 3\n"
		  "y src 10.0.0.1/32 sport 1-1 dst 10.0.0.2/32 dport 2 proto tcp host 10.0.0.1\n"
		  "z src 10.0.0.1/31 sport 1 dst 10.0.0.2 dport 2 proto tcp\n");
	CHECK_EQ(cls_rules_count_exact(r), 2);
	mkflow(&t, "10.0.0.1", 1, "10.0.0.2", 2, 6, T0);
	CHECK_LABEL(r, &t, "y");
	mkflow(&t, "10.0.0.0", 1, "10.0.0.2", 2, 6, T0);
	CHECK_LABEL(r, &t, "z");
	cls_rules_free(r);

	/* v6 and icmp exact rules: the key uses the family's number. */
	r = parse("e6 src 2001:db8::1 sport 0 dst 2001:db8::2 dport 0 proto icmp\n"
		  "e4 src 10.0.0.1 sport 0 dst 10.0.0.2 dport 0 proto icmp\n");
	CHECK_EQ(cls_rules_count_exact(r), 2);
	mkflow(&t, "2001:db8::1", 0, "2001:db8::2", 0, 58, T0);
	CHECK_LABEL(r, &t, "e6");
	mkflow(&t, "2001:db8::1", 0, "2001:db8::2", 0, 1, T0);
	CHECK_LABEL(r, &t, NULL);
	mkflow(&t, "10.0.0.1", 0, "10.0.0.2", 0, 1, T0);
	CHECK_LABEL(r, &t, "e4");
	t.f.has_port_a = t.f.has_port_b = 0; /* unset ports read as 0 */
	CHECK_LABEL(r, &t, "e4");
	cls_rules_free(r);
}

static void test_default_and_layout(void)
{
	struct tflow t;
	struct cls_rules *r;

	check_context = "default";
	r = parse("# comment only\r\n"
		  "   \t  \n"
		  "\tweb\tdport 443   # trailing comment\r\n"
		  "Benign-1.0:x+y_z # the default\n"
		  "never dport 443"); /* no final newline; after the default */
	CHECK_EQ(cls_rules_count(r), 3);
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 443, 6, T0);
	CHECK_LABEL(r, &t, "web");
	mkflow(&t, "::1", 1, "::2", 444, 99, 0);
	CHECK_LABEL(r, &t, "Benign-1.0:x+y_z");
	cls_rules_free(r);

	r = parse("");
	CHECK(r != NULL && cls_rules_count(r) == 0);
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 443, 6, T0);
	CHECK_LABEL(r, &t, NULL);
	cls_rules_free(r);
	r = parse("# nothing\n\n");
	CHECK_LABEL(r, &t, NULL);
	cls_rules_free(r);

	/* A label of exactly 64 bytes is fine. */
	char text[128];
	memset(text, 'L', 64);
	strcpy(text + 64, " dport 443\n");
	r = parse(text);
	text[64] = '\0';
	CHECK_LABEL(r, &t, text);
	cls_rules_free(r);
	cls_rules_free(NULL);
}

/* text is refused with "t.rules:LINE: " and a message holding what. */
static void expect_error(const char *text, size_t len, unsigned line, const char *what)
{
	char err[256] = "", prefix[64];
	struct cls_rules *r = cls_rules_parse(text, len, NAME, err, sizeof(err));

	snprintf(prefix, sizeof(prefix), NAME ":%u: ", line);
	CHECK_REPORT_(r == NULL && strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err, what),
		      "%.40s...: got '%s', expected '%s' and '%s'", text, r ? "(accepted)" : err,
		      prefix, what);
	cls_rules_free(r);
}
#define EXPECT_ERROR(text, line, what) expect_error(text, strlen(text), line, what)

static void test_errors(void)
{
	check_context = "errors";
	EXPECT_ERROR("ok dport 1\nbad dport 1 dprot 1\n", 2, "unknown keyword (near 'dprot')");
	EXPECT_ERROR("ok dport 1\nbad dprot 1\n", 2, "unknown keyword (or a label with a space)");
	EXPECT_ERROR("ok\n# c\nbad dport 1 dport 2\n", 3, "keyword given twice (near 'dport')");
	EXPECT_ERROR("bad src 10.0.0.256\n", 1, "(near '10.0.0.256')");
	EXPECT_ERROR("bad src 10.0.0\n", 1, "bad CIDR");
	EXPECT_ERROR("bad src 10.0.0.1/\n", 1, "bad CIDR");
	EXPECT_ERROR("bad src 10.0.0.1/x\n", 1, "bad CIDR");
	EXPECT_ERROR("bad host 2001:db8:::1\n", 1, "bad CIDR");
	EXPECT_ERROR("bad src /8\n", 1, "bad CIDR");
	EXPECT_ERROR("\n\nbad src 10.0.0.0/33\n", 3, "prefix too long for the address (near '10.0.0.0/33')");
	EXPECT_ERROR("bad dst ::/129\n", 1, "prefix too long");
	EXPECT_ERROR("bad dst ::/99999999999999999999\n", 1, "prefix too long");
	EXPECT_ERROR("bad src 10.0.0.1 dst ::1\n", 1, "IPv4 and IPv6");
	EXPECT_ERROR("a\nb\nbad sport 65536\n", 3, "port out of range 0..65535 (near '65536')");
	EXPECT_ERROR("bad port 1-70000\n", 1, "port out of range");
	EXPECT_ERROR("bad dport 2000-1000\n", 1, "port range backwards (near '2000-1000')");
	EXPECT_ERROR("bad dport -5\n", 1, "bad port");
	EXPECT_ERROR("bad dport 5-\n", 1, "bad port");
	EXPECT_ERROR("bad dport +5\n", 1, "bad port");
	EXPECT_ERROR("bad dport 1-2-3\n", 1, "bad port");
	EXPECT_ERROR("bad proto sctp\n", 1, "(near 'sctp')");
	EXPECT_ERROR("bad proto 256\n", 1, "bad protocol");
	EXPECT_ERROR("bad from yesterday\n", 1, "(near 'yesterday')");
	EXPECT_ERROR("bad from 2024-13-45\n", 1, "bad time");
	EXPECT_ERROR("bad from 1e9\n", 1, "bad time");
	EXPECT_ERROR("bad from 1704103200.1234567891\n", 1, "bad time");
	EXPECT_ERROR("bad from 1704103200.\n", 1, "bad time");
	EXPECT_ERROR("bad to 18446744073.709551616\n", 1, "time past");
	EXPECT_ERROR("bad to 99999999999999999999\n", 1, "bad time");
	EXPECT_ERROR("bad from -2h\n", 1, "relative time");
	EXPECT_ERROR("ok\nbad from 1704103200 to 1704103200\n", 2, "from is not before to");
	EXPECT_ERROR("bad to 2024-01-01 from 2024-01-02\n", 1, "from is not before to");
	EXPECT_ERROR("bad from\n", 1, "wants a value after it (near 'from')");
	EXPECT_ERROR("a b\n", 1, "unknown keyword (or a label with a space) (near 'b')");
	EXPECT_ERROR("ok\nmy label dport 1\n", 2, "label with a space");
	EXPECT_ERROR("bad/label dport 1\n", 1, "label has a byte outside");
	EXPECT_ERROR("\"quoted\"\n", 1, "label has a byte outside");
	EXPECT_ERROR("dport 80\n", 1, "label missing");
	char text65[80] = "x\n\n\n";
	memset(text65 + 4, 'L', 65);
	strcpy(text65 + 69, " dport 1\n");
	EXPECT_ERROR(text65, 4, "label longer than 64 bytes");
	/* The messages name the file and show odd bytes harmlessly. */
	EXPECT_ERROR("bad proto \x01'x\n", 1, "(near '??x')");
	expect_error("ok\nbad\0 dport 1\n", 16, 2, "NUL byte");

	/* A line of 4096 bytes is fine, 4097 is not (comments count). */
	size_t n = CLS_RULES_MAX_LINE + 64;
	char *text = malloc(n);
	memset(text, ' ', n);
	memcpy(text, "ok\nx #", 6);
	text[3 + CLS_RULES_MAX_LINE] = '\n';
	memcpy(text + 4 + CLS_RULES_MAX_LINE, "y\n", 3);
	char err[256] = "";
	struct cls_rules *r = cls_rules_parse(text, 6 + CLS_RULES_MAX_LINE, NAME, err, sizeof(err));
	CHECK_REPORT_(r && cls_rules_count(r) == 3, "4096-byte line: %s", err);
	cls_rules_free(r);
	text[3 + CLS_RULES_MAX_LINE] = ' ';
	text[4 + CLS_RULES_MAX_LINE] = '\n';
	expect_error(text, 5 + CLS_RULES_MAX_LINE, 2, "line longer than 4096 bytes");
	free(text);

	/* err may be NULL. */
	CHECK(cls_rules_parse("bad x\n", 6, NAME, NULL, 0) == NULL);
}

static void test_load(void)
{
	char path[] = "/tmp/test_cls_rules.XXXXXX", err[512] = "";
	struct tflow t;
	int fd = mkstemp(path);

	check_context = "load";
	CHECK(fd >= 0);
	const char *text = "web dport 443\n\nbad dport 70000\n";
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	struct cls_rules *r = cls_rules_load(path, err, sizeof(err));
	char want[128];
	snprintf(want, sizeof(want), "%s:3: port out of range", path);
	CHECK_REPORT_(r == NULL && strncmp(err, want, strlen(want)) == 0, "got '%s'", err);
	FILE *f = fopen(path, "w");
	fputs("web dport 443\n", f);
	fclose(f);
	r = cls_rules_load(path, err, sizeof(err));
	CHECK_REPORT_(r != NULL, "%s", err);
	mkflow(&t, "1.1.1.1", 1, "2.2.2.2", 443, 6, T0);
	CHECK_LABEL(r, &t, "web");
	cls_rules_free(r);
	unlink(path);
	CHECK(cls_rules_load(path, err, sizeof(err)) == NULL && strstr(err, "cannot open"));
}

/* ---- random rules against the naive reference -------------------------------- */

enum { T_SRC = 1, T_DST = 2, T_HOST = 4, T_SPORT = 8, T_DPORT = 16, T_PORT = 32,
       T_PROTO = 64, T_FROM = 128, T_TO = 256 };

/* A rule as the test means it; written out as text for the library. */
struct trule {
	unsigned has;
	int fam; /* 4 or 6 */
	uint8_t net[3][16];
	int len[3];
	unsigned port[3][2];
	int proto; /* -1: icmp */
	uint64_t from, to;
	unsigned label;
	int linear; /* drawn by linear_rule */
};

struct tcase {
	struct trule *rule;
	size_t n_rules;
	struct tflow *flow;
	size_t n_flows;
	char *text;
	size_t len;
};

static unsigned rnd(unsigned n)
{
	return (unsigned)(check_rand() % n);
}

/* Small address pools so that random flows meet random rules: pool_x
 * /24s (or v6 /120s) per side. */
static unsigned pool_x = 16;

static void pool_addr(int fam, int side, uint8_t *a)
{
	memset(a, 0, 16);
	if (fam == 4) {
		a[0] = side ? 192 : 10;
		a[1] = side ? 168 : 0;
		a[2] = (uint8_t)rnd(pool_x);
		a[3] = (uint8_t)rnd(256);
	} else {
		a[0] = 0x20;
		a[1] = 0x01;
		a[2] = 0x0d;
		a[3] = 0xb8;
		a[7] = (uint8_t)side;
		a[14] = (uint8_t)rnd(pool_x);
		a[15] = (uint8_t)rnd(256);
	}
}

static const unsigned pool_ports[] = {22, 53, 80, 443, 1024, 8080, 40000, 65535};

static unsigned pool_port(void)
{
	return rnd(3) ? pool_ports[rnd(8)] : 1024 + rnd(64);
}

static void exact_rule(struct trule *t, size_t i)
{
	memset(t, 0, sizeof(*t));
	t->has = T_SRC | T_DST | T_SPORT | T_DPORT | T_PROTO | T_FROM | T_TO;
	t->fam = rnd(20) ? 4 : 6;
	pool_addr(t->fam, 0, t->net[0]);
	pool_addr(t->fam, 1, t->net[1]);
	t->len[0] = t->len[1] = t->fam == 4 ? 32 : 128;
	t->port[0][0] = t->port[0][1] = pool_port();
	t->port[1][0] = t->port[1][1] = pool_port();
	t->proto = rnd(10) ? 6 : rnd(2) ? 17 : -1;
	t->from = T0 + i * 1000003ULL + rnd(1000);
	t->to = t->from + 1 + rnd(3) * (uint64_t)rnd(2000000000);
	if (rnd(4) == 0)
		t->has &= ~(unsigned)(rnd(2) ? T_FROM : T_TO);
	t->label = rnd(7);
}

/* An address and one to three more conditions, so that no random rule
 * swallows every flow. */
static void linear_rule(struct trule *t)
{
	static const int lens4[] = {0, 22, 24, 26, 28, 30, 31, 32};
	static const int lens6[] = {0, 118, 120, 122, 124, 126, 127, 128};

	memset(t, 0, sizeof(*t));
	t->fam = rnd(5) ? 4 : 6;
	t->label = 7 + rnd(5);
	for (unsigned want = 2 + rnd(3); __builtin_popcount(t->has) < (int)want;) {
		unsigned k = t->has ? rnd(9) : rnd(3), first = t->has ? 0 : 2;
		if (t->has & 1u << k)
			continue;
		t->has |= 1u << k;
		if (k < 3) {
			pool_addr(t->fam, k == 1, t->net[k]);
			t->len[k] = t->fam == 4 ? lens4[first + rnd(8 - first)] :
						  lens6[first + rnd(8 - first)];
		} else if (k < 6) {
			unsigned lo = pool_port(), span = rnd(3) ? 0 : rnd(2000);
			t->port[k - 3][0] = lo;
			t->port[k - 3][1] = lo + span > 65535 ? 65535 : lo + span;
		} else if (k == 6) {
			t->proto = rnd(4) ? 6 : rnd(2) ? 17 : -1;
		}
	}
	t->from = T0 + rnd(1000) * 1000000000ULL;
	t->to = t->from + 1 + rnd(1000) * 1000000000ULL;
	t->linear = 1;
}

static size_t write_rule(char *out, const struct trule *t, size_t line)
{
	static const char *const kw[] = {"src", "dst", "host", "sport", "dport", "port"};
	char buf[64];
	size_t n = (size_t)sprintf(out, "C%u", t->label);

	for (int k = 0; k < 3; k++) {
		if (!(t->has & 1u << k))
			continue;
		inet_ntop(t->fam == 4 ? AF_INET : AF_INET6, t->net[k], buf, sizeof(buf));
		/* Full-length prefixes written both ways. */
		if (t->len[k] == (t->fam == 4 ? 32 : 128) && line % 2)
			n += (size_t)sprintf(out + n, " %s %s", kw[k], buf);
		else
			n += (size_t)sprintf(out + n, " %s %s/%d", kw[k], buf, t->len[k]);
	}
	for (int k = 3; k < 6; k++) {
		if (!(t->has & 1u << k))
			continue;
		if (t->port[k - 3][0] == t->port[k - 3][1])
			n += (size_t)sprintf(out + n, " %s %u", kw[k], t->port[k - 3][0]);
		else
			n += (size_t)sprintf(out + n, " %s %u-%u", kw[k], t->port[k - 3][0],
					     t->port[k - 3][1]);
	}
	if (t->has & T_PROTO)
		n += (size_t)(t->proto == -1 ? sprintf(out + n, " proto icmp") :
			      t->proto == 6 && line % 3 ? sprintf(out + n, " proto tcp") :
			      t->proto == 17 && line % 3 ? sprintf(out + n, " proto udp") :
			      sprintf(out + n, " proto %d", t->proto));
	if (t->has & T_FROM)
		n += (size_t)sprintf(out + n, " from %llu.%09llu",
				     (unsigned long long)(t->from / SA_NS_PER_S),
				     (unsigned long long)(t->from % SA_NS_PER_S));
	if (t->has & T_TO)
		n += (size_t)sprintf(out + n, " to %llu.%09llu", (unsigned long long)(t->to / SA_NS_PER_S),
				     (unsigned long long)(t->to % SA_NS_PER_S));
	out[n++] = '\n';
	return n;
}

/* Bit by bit, unlike the library's byte compare. */
static int naive_prefix(const uint8_t *net, int len, const uint8_t *a)
{
	for (int i = 0; i < len; i++)
		if ((net[i / 8] >> (7 - i % 8) & 1) != (a[i / 8] >> (7 - i % 8) & 1))
			return 0;
	return 1;
}

static int naive_match(const struct trule *t, const struct tflow *f)
{
	int fam = f->f.addr_a.len == 4 ? 4 : 6;
	unsigned pa = f->f.port_a, pb = f->f.port_b;
	uint64_t start = f->ab.first_ns;

	if (f->f.b_to_a && f->ba.first_ns < start)
		start = f->ba.first_ns;
	if ((t->has & (T_SRC | T_DST | T_HOST)) && t->fam != fam)
		return 0;
	if ((t->has & T_SRC) && !naive_prefix(t->net[0], t->len[0], f->a))
		return 0;
	if ((t->has & T_DST) && !naive_prefix(t->net[1], t->len[1], f->b))
		return 0;
	if ((t->has & T_HOST) && !naive_prefix(t->net[2], t->len[2], f->a) &&
	    !naive_prefix(t->net[2], t->len[2], f->b))
		return 0;
	if ((t->has & T_SPORT) && (pa < t->port[0][0] || pa > t->port[0][1]))
		return 0;
	if ((t->has & T_DPORT) && (pb < t->port[1][0] || pb > t->port[1][1]))
		return 0;
	if ((t->has & T_PORT) && (pa < t->port[2][0] || pa > t->port[2][1]) &&
	    (pb < t->port[2][0] || pb > t->port[2][1]))
		return 0;
	if (t->has & T_PROTO) {
		unsigned want = t->proto >= 0 ? (unsigned)t->proto : fam == 4 ? 1 : 58;
		if (f->f.proto != want)
			return 0;
	}
	if ((t->has & T_FROM) && start < t->from)
		return 0;
	if ((t->has & T_TO) && start >= t->to)
		return 0;
	return 1;
}

/* The line of the first rule matching f (rules are one per line), or 0. */
static size_t naive_first(const struct tcase *c, const struct tflow *f)
{
	for (size_t i = 0; i < c->n_rules; i++)
		if (naive_match(&c->rule[i], f))
			return i + 1;
	return 0;
}

/* n_rules rules, a 1 in linear_every of them linear (the rest exact, some
 * repeating an earlier 5-tuple with another window), and n_flows flows:
 * most on an exact rule's 5-tuple at a time on or around its window's
 * edges, the rest drawn from the same pools. */
static void make_case(struct tcase *c, size_t n_rules, size_t n_flows, unsigned linear_every)
{
	size_t cap = n_rules * 400 + 1; /* a v6 rule with every keyword is ~300 bytes */

	c->rule = calloc(n_rules, sizeof(*c->rule));
	c->flow = calloc(n_flows, sizeof(*c->flow));
	c->text = malloc(cap);
	c->n_rules = n_rules;
	c->n_flows = n_flows;
	c->len = 0;
	if (!c->rule || !c->flow || !c->text) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	for (size_t i = 0; i < n_rules; i++) {
		struct trule *t = &c->rule[i];
		if (rnd(linear_every) == 0) {
			linear_rule(t);
		} else {
			exact_rule(t, i);
			if (i > 0 && rnd(10) == 0) {
				const struct trule *o = &c->rule[rnd((unsigned)i)];
				if (o->has & T_SPORT && o->len[0] == (o->fam == 4 ? 32 : 128) &&
				    o->port[0][0] == o->port[0][1] && (o->has & T_DPORT) &&
				    (o->has & T_DST) && (o->has & T_PROTO) && o->len[1] == o->len[0]) {
					t->fam = o->fam;
					memcpy(t->net, o->net, sizeof(t->net));
					memcpy(t->len, o->len, sizeof(t->len));
					memcpy(t->port, o->port, sizeof(t->port));
					t->proto = o->proto;
				}
			}
		}
		c->len += write_rule(c->text + c->len, t, i + 1);
	}
	c->text[c->len] = '\0';
	for (size_t i = 0; i < n_flows; i++) {
		struct tflow *f = &c->flow[i];
		const struct trule *t = &c->rule[rnd((unsigned)n_rules)];
		char a[64], b[64];
		unsigned pa, pb, proto;
		int fam;
		uint64_t start;

		if (rnd(10) < 7 && (t->has & T_SRC) && (t->has & T_DST) && (t->has & T_SPORT) &&
		    (t->has & T_DPORT) && (t->has & T_PROTO)) {
			fam = t->fam;
			inet_ntop(fam == 4 ? AF_INET : AF_INET6, t->net[0], a, sizeof(a));
			inet_ntop(fam == 4 ? AF_INET : AF_INET6, t->net[1], b, sizeof(b));
			pa = t->port[0][0];
			pb = t->port[1][0];
			proto = t->proto >= 0 ? (unsigned)t->proto : fam == 4 ? 1 : 58;
			const uint64_t edge[] = {t->from, t->from - 1, t->to - 1, t->to,
						 t->from + (t->to - t->from) / 2};
			start = edge[rnd(5)];
		} else {
			uint8_t x[16], y[16];
			fam = rnd(10) ? 4 : 6;
			pool_addr(fam, 0, x);
			pool_addr(fam, 1, y);
			inet_ntop(fam == 4 ? AF_INET : AF_INET6, x, a, sizeof(a));
			inet_ntop(fam == 4 ? AF_INET : AF_INET6, y, b, sizeof(b));
			pa = pool_port();
			pb = pool_port();
			proto = rnd(4) ? 6 : rnd(2) ? 17 : fam == 4 ? 1 : 58;
			start = T0 + check_rand() % (1000ULL * SA_NS_PER_S);
		}
		if (start == 0)
			start = 1;
		mkflow(f, a, pa, b, pb, proto, start);
		if (rnd(4) == 0) { /* the reply seen first: the start is b_to_a's */
			f->ba = f->ab;
			f->ab.first_ns = start + rnd(1000);
			f->f.b_to_a = &f->ba;
		}
	}
}

static void free_case(struct tcase *c)
{
	free(c->rule);
	free(c->flow);
	free(c->text);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void run_case(const char *what, size_t n_rules, size_t n_flows, unsigned linear_every,
		     unsigned pool, size_t n_check)
{
	struct tcase c;
	char err[256] = "";
	size_t bad = 0, matched = 0, checked = 0, by_linear = 0;

	check_context = what;
	pool_x = pool;
	make_case(&c, n_rules, n_flows, linear_every);
	double t0 = now_s();
	struct cls_rules *r = cls_rules_parse(c.text, c.len, NAME, err, sizeof(err));
	double t1 = now_s();
	CHECK_REPORT_(r != NULL, "%s", err);
	if (r == NULL) {
		free_case(&c);
		return;
	}
	CHECK_EQ(cls_rules_count(r), n_rules);
	size_t *got = malloc(n_flows * sizeof(*got));
	const char **label = malloc(n_flows * sizeof(*label));
	double t2 = now_s();
	for (size_t i = 0; i < n_flows; i++)
		label[i] = cls_rules_match_line(r, &c.flow[i].f, &got[i]);
	double t3 = now_s();
	size_t step = n_check < n_flows ? n_flows / n_check : 1;
	double t4 = now_s();
	for (size_t i = 0; i < n_flows; i += step) {
		size_t want = naive_first(&c, &c.flow[i]);
		char wl[16] = "";
		if (want)
			snprintf(wl, sizeof(wl), "C%u", c.rule[want - 1].label);
		checked++;
		matched += want != 0;
		by_linear += want && c.rule[want - 1].linear;
		if (got[i] != want || (want ? !label[i] || strcmp(label[i], wl) != 0 : label[i] != NULL)) {
			if (bad++ < 5)
				fprintf(stderr, "%s: flow %zu: rule line %zu, naive %zu\n", what, i,
					got[i], want);
		}
	}
	double t5 = now_s();
	CHECK_REPORT_(bad == 0, "%zu of %zu flows differ from the naive first match", bad, checked);
	/* The flows must exercise both paths, not only misses. */
	CHECK(matched > checked / 3 && matched < checked);
	CHECK(by_linear > 0 && by_linear < matched);
	printf("%s: %zu rules (%zu exact), %zu flows: parse %.3f s, match %.3f s (%.0f ns/flow); "
	       "%zu checked, %zu matched (%zu by linear rules); naive %.0f ns/flow\n",
	       what, n_rules, cls_rules_count_exact(r), n_flows, t1 - t0, t3 - t2,
	       (t3 - t2) * 1e9 / (double)n_flows, checked, matched, by_linear,
	       (t5 - t4) * 1e9 / (double)checked);
	free(got);
	free(label);
	cls_rules_free(r);
	free_case(&c);
}

int main(void)
{
	check_rand_seed(20240108);
	test_keywords();
	test_cidr();
	test_ports_proto();
	test_time();
	test_order();
	test_default_and_layout();
	test_errors();
	test_load();
	run_case("random 5k", 5000, 5000, 20, 16, 5000);
	run_case("random 200k", 200000, 200000, 1000, 256, 2000);
	return check_summary();
}
