/* libFuzzer target for the label rules parser and matcher
 * (trainer/cls_rules.c: operators' and sa-gen's ground-truth files).
 *
 * Input: the rules file itself, parsed with cls_rules_parse as "fuzz".
 * Checks: no crash or leak (ASan); a refusal says "fuzz:LINE: " with LINE
 * within the input; an accepted set has at most one rule per line and
 * labels a few fixed flows (v4 TCP with times, v6 UDP, ICMP on both
 * families, one without times, one with a bad address length) only with a
 * label of 1..64 allowed bytes from a line of the input. First match is
 * checked against the matcher itself on pieces of the input: the matching
 * line alone must take the flow, and the lines before it must not (a
 * single-line set is all exact or all linear, so this catches an index
 * that answers out of file order). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cls_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fflow {
	Sa__FlowRecord f;
	Sa__DirStats ab, ba;
};

static const uint8_t v4a[4] = {10, 0, 0, 1}, v4b[4] = {192, 168, 1, 2};
static const uint8_t v6a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t v6b[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = 0x80, [15] = 2};

/* 2024-01-08T14:00:00Z, the time in the seeds. */
#define START 1704722400000000000ULL

static void mkflow(struct fflow *t, const uint8_t *a, const uint8_t *b, size_t alen, unsigned pa,
		   unsigned pb, unsigned proto, uint64_t start)
{
	memset(t, 0, sizeof(*t));
	sa__flow_record__init(&t->f);
	sa__dir_stats__init(&t->ab);
	sa__dir_stats__init(&t->ba);
	t->f.has_addr_a = t->f.has_addr_b = t->f.has_port_a = t->f.has_port_b = 1;
	t->f.has_proto = t->f.has_ip_version = 1;
	t->f.addr_a.data = (uint8_t *)a;
	t->f.addr_b.data = (uint8_t *)b;
	t->f.addr_a.len = t->f.addr_b.len = alen;
	t->f.port_a = pa;
	t->f.port_b = pb;
	t->f.proto = proto;
	t->f.ip_version = alen == 16 ? 6 : 4;
	if (start) {
		t->ab.has_first_ns = t->ab.has_last_ns = 1;
		t->ab.first_ns = start + 1000;
		t->ab.last_ns = start + 2000000000ULL;
		t->ba = t->ab;
		t->ba.first_ns = start; /* the reply first: the start is b_to_a's */
		t->f.a_to_b = &t->ab;
		t->f.b_to_a = &t->ba;
	}
}

#define N_FLOWS 7
static struct fflow flows[N_FLOWS];

static void make_flows(void)
{
	mkflow(&flows[0], v4a, v4b, 4, 40000, 443, 6, START);
	mkflow(&flows[1], v6a, v6b, 16, 5353, 53, 17, START + 1);
	mkflow(&flows[2], v4a, v4b, 4, 0, 0, 1, START - 1);
	mkflow(&flows[3], v6a, v6b, 16, 0, 0, 58, START);
	mkflow(&flows[4], v4b, v4a, 4, 443, 40000, 6, 0);
	mkflow(&flows[5], v4a, v4b, 4, 65535, 0, 255, 1);
	mkflow(&flows[6], v4a, v6b, 4, 40000, 443, 6, START);
	flows[6].f.addr_a.len = 3;
}

static int label_ok(const char *l)
{
	size_t n = strlen(l);

	if (n == 0 || n > CLS_RULES_MAX_LABEL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:+-", l[i]))
			return 0;
	return 1;
}

/* Offset of line `line` (1-based) in data, and its length with the '\n'. */
static size_t line_span(const uint8_t *data, size_t size, size_t line, size_t *len)
{
	size_t off = 0;

	for (size_t l = 1; l < line; l++) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		off = nl ? (size_t)(nl - data) + 1 : size;
	}
	const uint8_t *nl = memchr(data + off, '\n', size - off);
	*len = (nl ? (size_t)(nl - data) + 1 : size) - off;
	return off;
}

static void check_first(const uint8_t *data, size_t size, const struct fflow *t, size_t line,
			const char *label)
{
	size_t len, off = line_span(data, size, line, &len);
	struct cls_rules *one = cls_rules_parse((const char *)data + off, len, "one", NULL, 0);
	struct cls_rules *before = cls_rules_parse((const char *)data, off, "before", NULL, 0);
	const char *l1 = one ? cls_rules_match(one, &t->f) : NULL;

	/* Both pieces parse: every line of an accepted file does. */
	if (one == NULL || before == NULL || l1 == NULL || strcmp(l1, label) != 0 ||
	    cls_rules_match(before, &t->f) != NULL)
		__builtin_trap();
	cls_rules_free(one);
	cls_rules_free(before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char err[256] = "";
	size_t lines = 1, line;

	if (!ready) {
		make_flows();
		ready = 1;
	}
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	struct cls_rules *r = cls_rules_parse((const char *)data, size, "fuzz", err, sizeof(err));
	if (r == NULL) {
		unsigned long at = 0;
		if (strcmp(err, "fuzz: out of memory") != 0 &&
		    (sscanf(err, "fuzz:%lu: ", &at) != 1 || at == 0 || at > lines))
			__builtin_trap();
		return 0;
	}
	if (cls_rules_count(r) > lines || cls_rules_count_exact(r) > cls_rules_count(r))
		__builtin_trap();
	for (size_t i = 0; i < N_FLOWS; i++) {
		const char *label = cls_rules_match_line(r, &flows[i].f, &line);
		if (label == NULL) {
			if (line != 0)
				__builtin_trap();
			continue;
		}
		if (!label_ok(label) || line == 0 || line > lines ||
		    cls_rules_match(r, &flows[i].f) != label)
			__builtin_trap();
		check_first(data, size, &flows[i], line, label);
	}
	cls_rules_free(r);
	return 0;
}
