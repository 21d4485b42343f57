/* Label rules (see cls_rules.h for the format and the index design). */
#include "cls_rules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_file.h"
#include "sa_time.h"
#include "sa_u64set.h"
#include "sa_wire.h"

enum {
	C_SRC = 1 << 0,
	C_DST = 1 << 1,
	C_HOST = 1 << 2,
	C_SPORT = 1 << 3,
	C_DPORT = 1 << 4,
	C_PORT = 1 << 5,
	C_PROTO = 1 << 6,
	C_FROM = 1 << 7,
	C_TO = 1 << 8,
};

/* Keywords in the order of the bits above. */
static const char *const keywords[] = {"src", "dst", "host", "sport", "dport", "port",
				       "proto", "from", "to"};
#define N_KEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

enum { NET_SRC, NET_DST, NET_HOST };
enum { PR_SPORT, PR_DPORT, PR_PORT };

struct net {
	uint8_t a[16]; /* masked to len bits */
	uint8_t len;   /* prefix bits */
};

struct rule {
	uint64_t from, to;
	size_t line;
	uint32_t label;  /* index into cls_rules.label */
	uint32_t next;   /* exact rules: next with the same key + 1, 0 = end */
	uint16_t has;    /* C_* */
	uint8_t fam;     /* 4 or 6 when the rule has a CIDR, else 0 */
	uint8_t proto4, proto6;
	uint16_t port[3][2]; /* PR_*: lo, hi */
	struct net net[3];   /* NET_* */
};

/* The 5-tuple an exact rule demands and a flow has; zero-padded so that
 * memcmp and the hash see every byte defined. */
struct key {
	uint8_t fam, proto;
	uint16_t sport, dport;
	uint8_t a[16], b[16];
};

/* One key's chain of exact rules (indices + 1, in file order). */
struct slot {
	uint32_t hash, head, tail;
};

struct cls_rules {
	struct rule *rule;
	size_t n, cap;
	uint32_t *linear; /* indices of the non-exact rules, in file order */
	size_t n_linear;
	struct slot *slot; /* power of two, at most half full; NULL when no exact rule */
	size_t slot_mask, n_exact;
	char **label;      /* interned labels */
	size_t n_label, label_cap;
	uint32_t *label_slot; /* open addressing over label: index + 1 */
	size_t label_slot_cap;
};

struct parser {
	struct cls_rules *r;
	const char *name;
	char *err;
	size_t errlen;
	size_t line;
};

/* ---- errors ------------------------------------------------------------------ */

/* Sets "NAME:LINE: what (near 'tok')"; tok is shown at most 40 bytes long
 * and with anything unprintable as '?', since the file may be any bytes. */
static int perr(struct parser *p, const char *what, const char *tok, size_t toklen)
{
	char near[41];
	size_t n = toklen < sizeof(near) - 1 ? toklen : sizeof(near) - 1;

	if (p->err == NULL || p->errlen == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		near[i] = tok[i] >= 0x20 && tok[i] < 0x7f && tok[i] != '\'' ? tok[i] : '?';
	near[n] = '\0';
	if (tok)
		snprintf(p->err, p->errlen, "%s:%zu: %s (near '%s%s')", p->name, p->line, what, near,
			 toklen > n ? "..." : "");
	else
		snprintf(p->err, p->errlen, "%s:%zu: %s", p->name, p->line, what);
	return -EINVAL;
}

static int oom(struct parser *p)
{
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s: out of memory", p->name);
	return -ENOMEM;
}

/* ---- values ------------------------------------------------------------------ */

/* Decimal digits only (no sign, no space) up to max; -ERANGE past max. */
static int parse_uint(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > (max - (uint64_t)(s[i] - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* ADDR[/LEN] into n; returns 4 or 6, or a negative errno (-ERANGE: the
 * prefix is longer than the address). */
static int parse_cidr(const char *s, size_t n, struct net *net)
{
	const char *slash = memchr(s, '/', n);
	size_t alen = slash ? (size_t)(slash - s) : n;
	char buf[INET6_ADDRSTRLEN];
	uint64_t len;
	int fam, ret;

	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(net->a, 0, sizeof(net->a));
	if (inet_pton(AF_INET, buf, net->a) == 1)
		fam = 4;
	else if (inet_pton(AF_INET6, buf, net->a) == 1)
		fam = 6;
	else
		return -EINVAL;
	len = fam == 4 ? 32 : 128;
	if (slash) {
		/* 255 bounds the digits; anything past the family's bits is -ERANGE. */
		ret = parse_uint(slash + 1, n - alen - 1, 255, &len);
		if (ret == 0 && len > (fam == 4 ? 32u : 128u))
			ret = -ERANGE;
		if (ret < 0)
			return ret;
	}
	net->len = (uint8_t)len;
	/* Bits past the prefix are ignored, as routes and ACLs take 10.1.2.3/8. */
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = i * 8 >= len ? 0 : len - i * 8 >= 8 ? 8 : (unsigned)(len - i * 8);
		net->a[i] &= (uint8_t)(0xff00u >> bits);
	}
	return fam;
}

/* P or P-Q, 0..65535, P <= Q. */
static int parse_range(struct parser *p, const char *s, size_t n, uint16_t out[2])
{
	const char *dash = memchr(s, '-', n);
	size_t n1 = dash ? (size_t)(dash - s) : n;
	uint64_t lo, hi;
	int ret;

	ret = parse_uint(s, n1, 65535, &lo);
	if (ret == 0 && dash)
		ret = parse_uint(dash + 1, n - n1 - 1, 65535, &hi);
	else
		hi = lo;
	if (ret == -ERANGE)
		return perr(p, "port out of range 0..65535", s, n);
	if (ret < 0)
		return perr(p, "bad port: want P or P-Q", s, n);
	if (lo > hi)
		return perr(p, "port range backwards", s, n);
	out[0] = (uint16_t)lo;
	out[1] = (uint16_t)hi;
	return 0;
}

/* Seconds since the epoch with up to 9 fraction digits, exactly (a double
 * holds only ~16 digits, an ns timestamp 19), or ISO 8601 through
 * sa_time_parse. */
static int parse_time(struct parser *p, const char *s, size_t n, uint64_t *ns)
{
	char buf[64];

	if (n >= sizeof(buf))
		return perr(p, "bad time", s, n);
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] == '-')
		return perr(p, "relative time: a rule needs a fixed time", s, n);
	if (memchr(buf, '-', n) != NULL) {
		/* strptime would skip white space such as '\v' inside a word. */
		if (strspn(buf, "0123456789-T:.Z") != n || sa_time_parse(buf, 0, ns) != 0)
			return perr(p, "bad time: want ISO 8601 or seconds since the epoch", s, n);
		return 0;
	}
	const char *dot = memchr(buf, '.', n);
	size_t ni = dot ? (size_t)(dot - buf) : n, nf = dot ? n - ni - 1 : 0;
	uint64_t sec, frac = 0;

	if (dot && (nf == 0 || nf > 9))
		return perr(p, "bad time: 1 to 9 digits after the point", s, n);
	if (parse_uint(buf, ni, UINT64_MAX / SA_NS_PER_S, &sec) != 0 ||
	    (dot && parse_uint(dot + 1, nf, 999999999, &frac) != 0))
		return perr(p, "bad time: want ISO 8601 or seconds since the epoch", s, n);
	for (size_t i = nf; i < 9; i++)
		frac *= 10;
	if (sec * SA_NS_PER_S > UINT64_MAX - frac)
		return perr(p, "time past what 64-bit ns hold (2554)", s, n);
	*ns = sec * SA_NS_PER_S + frac;
	return 0;
}

static int parse_proto(struct parser *p, const char *s, size_t n, struct rule *ru)
{
	uint64_t v;

	if (n == 3 && memcmp(s, "tcp", 3) == 0) {
		ru->proto4 = ru->proto6 = 6;
	} else if (n == 3 && memcmp(s, "udp", 3) == 0) {
		ru->proto4 = ru->proto6 = 17;
	} else if (n == 4 && memcmp(s, "icmp", 4) == 0) {
		ru->proto4 = 1;
		ru->proto6 = 58;
	} else if (parse_uint(s, n, 255, &v) == 0) {
		ru->proto4 = ru->proto6 = (uint8_t)v;
	} else {
		return perr(p, "bad protocol: want tcp, udp, icmp or 0..255", s, n);
	}
	return 0;
}

/* ---- labels ------------------------------------------------------------------ */

static uint64_t label_hash(const char *s, size_t n)
{
	return sa_fnv1a(SA_FNV_START, s, n);
}

static int label_slots_grow(struct cls_rules *r)
{
	size_t cap = r->label_slot_cap ? 2 * r->label_slot_cap : 64;
	uint32_t *t = calloc(cap, sizeof(*t));

	if (t == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_label; i++) {
		size_t j = (size_t)label_hash(r->label[i], strlen(r->label[i])) & (cap - 1);
		while (t[j])
			j = (j + 1) & (cap - 1);
		t[j] = (uint32_t)i + 1;
	}
	free(r->label_slot);
	r->label_slot = t;
	r->label_slot_cap = cap;
	return 0;
}

/* The index of label s[0..n) in r->label, added when new; -ENOMEM. */
static long label_intern(struct cls_rules *r, const char *s, size_t n)
{
	size_t j;

	if ((r->n_label + 1) * 2 > r->label_slot_cap && label_slots_grow(r) != 0)
		return -ENOMEM;
	j = (size_t)label_hash(s, n) & (r->label_slot_cap - 1);
	for (; r->label_slot[j]; j = (j + 1) & (r->label_slot_cap - 1)) {
		const char *l = r->label[r->label_slot[j] - 1];
		if (strncmp(l, s, n) == 0 && l[n] == '\0')
			return (long)r->label_slot[j] - 1;
	}
	if (r->n_label == r->label_cap) {
		size_t cap = r->label_cap ? 2 * r->label_cap : 16;
		char **t = realloc(r->label, cap * sizeof(*t));
		if (t == NULL)
			return -ENOMEM;
		r->label = t;
		r->label_cap = cap;
	}
	char *c = malloc(n + 1);
	if (c == NULL)
		return -ENOMEM;
	memcpy(c, s, n);
	c[n] = '\0';
	r->label[r->n_label] = c;
	r->label_slot[j] = (uint32_t)r->n_label + 1;
	return (long)r->n_label++;
}

static int label_char_ok(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '+' || c == '-';
}

static int keyword_index(const char *s, size_t n)
{
	for (size_t k = 0; k < N_KEYWORDS; k++)
		if (strlen(keywords[k]) == n && memcmp(keywords[k], s, n) == 0)
			return (int)k;
	return -1;
}

/* ---- one line ---------------------------------------------------------------- */

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r'; /* '\r': files written on Windows */
}

/* The next word of [*s, end) into *w, *wn; 0 when none is left. */
static int next_word(const char **s, const char *end, const char **w, size_t *wn)
{
	const char *c = *s;

	while (c < end && is_blank(*c))
		c++;
	if (c == end)
		return 0;
	*w = c;
	while (c < end && !is_blank(*c))
		c++;
	*wn = (size_t)(c - *w);
	*s = c;
	return 1;
}

/* One rule from the comment-free text [s, end) into *ru; 0 when the line
 * is blank, 1 when a rule was read, or -EINVAL/-ENOMEM. */
static int parse_rule(struct parser *p, const char *s, const char *end, struct rule *ru)
{
	const char *w, *v;
	size_t wn, vn, nwords = 1;
	long label;
	int ret;

	if (!next_word(&s, end, &w, &wn))
		return 0;
	memset(ru, 0, sizeof(*ru));
	ru->line = p->line;
	if (keyword_index(w, wn) >= 0)
		return perr(p, "label missing: the line starts with a keyword", w, wn);
	if (wn > CLS_RULES_MAX_LABEL)
		return perr(p, "label longer than 64 bytes", w, wn);
	for (size_t i = 0; i < wn; i++)
		if (!label_char_ok(w[i]))
			return perr(p, "label has a byte outside A-Z a-z 0-9 _ . : + -", w, wn);
	label = label_intern(p->r, w, wn);
	if (label < 0)
		return oom(p);
	ru->label = (uint32_t)label;

	while (next_word(&s, end, &w, &wn)) {
		int k = keyword_index(w, wn);
		if (k < 0)
			return perr(p, nwords == 1 ? "unknown keyword (or a label with a space)" :
						     "unknown keyword", w, wn);
		if (ru->has & 1u << k)
			return perr(p, "keyword given twice", w, wn);
		if (!next_word(&s, end, &v, &vn))
			return perr(p, "keyword wants a value after it", w, wn);
		nwords += 2;
		ru->has |= (uint16_t)(1u << k);
		switch (1u << k) {
		case C_SRC:
		case C_DST:
		case C_HOST: {
			struct net *net = &ru->net[k == 0 ? NET_SRC : k == 1 ? NET_DST : NET_HOST];
			ret = parse_cidr(v, vn, net);
			if (ret == -ERANGE)
				return perr(p, "prefix too long for the address", v, vn);
			if (ret < 0)
				return perr(p, "bad CIDR: want an IPv4 or IPv6 address, /len optional",
					    v, vn);
			if (ru->fam && ru->fam != ret)
				return perr(p, "IPv4 and IPv6 CIDRs in one rule never match together",
					    v, vn);
			ru->fam = (uint8_t)ret;
			break;
		}
		case C_SPORT:
		case C_DPORT:
		case C_PORT:
			ret = parse_range(p, v, vn, ru->port[k - 3]);
			if (ret < 0)
				return ret;
			break;
		case C_PROTO:
			ret = parse_proto(p, v, vn, ru);
			if (ret < 0)
				return ret;
			break;
		case C_FROM:
		case C_TO:
			ret = parse_time(p, v, vn, k == 7 ? &ru->from : &ru->to);
			if (ret < 0)
				return ret;
			if ((ru->has & (C_FROM | C_TO)) == (C_FROM | C_TO) && ru->from >= ru->to)
				return perr(p, "from is not before to (the range is [from, to))", v, vn);
			break;
		}
	}
	return 1;
}

static int rule_is_exact(const struct rule *ru)
{
	unsigned bits = ru->fam == 4 ? 32 : 128;
	unsigned need = C_SRC | C_DST | C_SPORT | C_DPORT | C_PROTO;

	return (ru->has & need) == need && ru->net[NET_SRC].len == bits &&
	       ru->net[NET_DST].len == bits && ru->port[PR_SPORT][0] == ru->port[PR_SPORT][1] &&
	       ru->port[PR_DPORT][0] == ru->port[PR_DPORT][1];
}

/* ---- the index --------------------------------------------------------------- */

static void rule_key(const struct rule *ru, struct key *k)
{
	memset(k, 0, sizeof(*k));
	k->fam = ru->fam;
	k->proto = ru->fam == 4 ? ru->proto4 : ru->proto6;
	k->sport = ru->port[PR_SPORT][0];
	k->dport = ru->port[PR_DPORT][0];
	memcpy(k->a, ru->net[NET_SRC].a, 16);
	memcpy(k->b, ru->net[NET_DST].a, 16);
}

static uint32_t key_hash(const struct key *k)
{
	uint64_t h = sa_fnv1a(SA_FNV_START, k, sizeof(*k));

	return (uint32_t)(h ^ h >> 32);
}

/* The slot of key k (hash h): the one holding its chain, or the empty
 * one where it would go. */
static size_t find_slot(const struct cls_rules *r, const struct key *k, uint32_t h)
{
	size_t j = h & r->slot_mask;
	struct key kh;

	for (; r->slot[j].head; j = (j + 1) & r->slot_mask) {
		if (r->slot[j].hash != h)
			continue;
		rule_key(&r->rule[r->slot[j].head - 1], &kh);
		if (memcmp(k, &kh, sizeof(*k)) == 0)
			break;
	}
	return j;
}

static int build_index(struct cls_rules *r)
{
	size_t cap = 16;
	struct key k;

	for (size_t i = 0; i < r->n; i++)
		r->n_exact += rule_is_exact(&r->rule[i]);
	r->n_linear = r->n - r->n_exact;
	r->linear = malloc((r->n_linear ? r->n_linear : 1) * sizeof(*r->linear));
	if (r->linear == NULL)
		return -ENOMEM;
	r->n_linear = 0;
	if (r->n_exact) {
		while (cap < 2 * r->n_exact)
			cap *= 2;
		r->slot = calloc(cap, sizeof(*r->slot));
		if (r->slot == NULL)
			return -ENOMEM;
		r->slot_mask = cap - 1;
	}
	for (size_t i = 0; i < r->n; i++) {
		struct rule *ru = &r->rule[i];
		if (!rule_is_exact(ru)) {
			r->linear[r->n_linear++] = (uint32_t)i;
			continue;
		}
		rule_key(ru, &k);
		uint32_t h = key_hash(&k);
		size_t j = find_slot(r, &k, h);
		if (r->slot[j].head) {
			r->rule[r->slot[j].tail - 1].next = (uint32_t)i + 1;
		} else {
			r->slot[j].hash = h;
			r->slot[j].head = (uint32_t)i + 1;
		}
		r->slot[j].tail = (uint32_t)i + 1;
	}
	return 0;
}

/* ---- loading ----------------------------------------------------------------- */

void cls_rules_free(struct cls_rules *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_label; i++)
		free(r->label[i]);
	free(r->label);
	free(r->label_slot);
	free(r->rule);
	free(r->linear);
	free(r->slot);
	free(r);
}

struct cls_rules *cls_rules_parse(const char *text, size_t len, const char *name, char *err,
				  size_t errlen)
{
	struct parser p = {.name = name ? name : "rules", .err = err, .errlen = errlen};
	const char *s = text, *end = text + len;
	struct rule ru;
	int ret;

	p.r = calloc(1, sizeof(*p.r));
	if (p.r == NULL) {
		oom(&p);
		return NULL;
	}
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *eol = nl ? nl : end;

		p.line++;
		if ((size_t)(eol - s) > CLS_RULES_MAX_LINE) {
			perr(&p, "line longer than 4096 bytes", s, 20);
			goto fail;
		}
		const char *nul = memchr(s, '\0', (size_t)(eol - s));
		if (nul) {
			perr(&p, "NUL byte in the line", NULL, 0);
			goto fail;
		}
		const char *hash = memchr(s, '#', (size_t)(eol - s));
		ret = parse_rule(&p, s, hash ? hash : eol, &ru);
		if (ret < 0)
			goto fail;
		if (ret > 0) {
			/* Indices are uint32 in the index; 4G rules are not a rules file. */
			if (p.r->n >= UINT32_MAX - 1) {
				perr(&p, "too many rules", NULL, 0);
				goto fail;
			}
			if (p.r->n == p.r->cap) {
				size_t cap = p.r->cap ? 2 * p.r->cap : 64;
				struct rule *t = realloc(p.r->rule, cap * sizeof(*t));
				if (t == NULL) {
					oom(&p);
					goto fail;
				}
				p.r->rule = t;
				p.r->cap = cap;
			}
			p.r->rule[p.r->n++] = ru;
		}
		s = nl ? nl + 1 : end;
	}
	if (build_index(p.r) != 0) {
		oom(&p);
		goto fail;
	}
	return p.r;
fail:
	cls_rules_free(p.r);
	return NULL;
}

struct cls_rules *cls_rules_load(const char *path, char *err, size_t errlen)
{
	struct cls_rules *r;
	char *data;
	size_t len;

	if (sa_file_read(path, &data, &len, err, errlen) != 0)
		return NULL;
	r = cls_rules_parse(data, len, path, err, errlen);
	free(data);
	return r;
}

/* ---- matching ---------------------------------------------------------------- */

/* What the rules look at in a flow, read once per match. */
struct flow_view {
	const uint8_t *a, *b;
	uint8_t fam_a, fam_b, fam; /* 4, 6 or 0 (no usable address) */
	uint32_t port_a, port_b, proto;
	uint64_t start;
	int timed;
};

static uint8_t addr_fam(ProtobufCBinaryData d)
{
	return d.data == NULL ? 0 : d.len == 4 ? 4 : d.len == 16 ? 6 : 0;
}

static void flow_view(const Sa__FlowRecord *f, struct flow_view *v)
{
	uint64_t last;

	v->a = f->addr_a.data;
	v->b = f->addr_b.data;
	v->fam_a = addr_fam(f->addr_a);
	v->fam_b = addr_fam(f->addr_b);
	v->fam = v->fam_a ? v->fam_a : v->fam_b;
	if (v->fam == 0 && f->has_ip_version && (f->ip_version == 4 || f->ip_version == 6))
		v->fam = (uint8_t)f->ip_version;
	v->port_a = f->port_a;
	v->port_b = f->port_b;
	v->proto = f->proto;
	v->start = sa_flow_span(f, &last);
	v->timed = v->start != 0 || last != 0;
}

static int net_match(const struct net *n, uint8_t rule_fam, const uint8_t *addr, uint8_t fam)
{
	unsigned whole = n->len / 8, rest = n->len % 8;

	if (fam != rule_fam)
		return 0;
	if (memcmp(n->a, addr, whole) != 0)
		return 0;
	return rest == 0 || (addr[whole] & (uint8_t)(0xff00u >> rest)) == n->a[whole];
}

static int in_range(const uint16_t r[2], uint32_t port)
{
	return port >= r[0] && port <= r[1];
}

static int rule_match(const struct rule *ru, const struct flow_view *v)
{
	unsigned has = ru->has;

	if (has == 0)
		return 1;
	if ((has & C_SRC) && !net_match(&ru->net[NET_SRC], ru->fam, v->a, v->fam_a))
		return 0;
	if ((has & C_DST) && !net_match(&ru->net[NET_DST], ru->fam, v->b, v->fam_b))
		return 0;
	if ((has & C_HOST) && !net_match(&ru->net[NET_HOST], ru->fam, v->a, v->fam_a) &&
	    !net_match(&ru->net[NET_HOST], ru->fam, v->b, v->fam_b))
		return 0;
	if ((has & C_SPORT) && !in_range(ru->port[PR_SPORT], v->port_a))
		return 0;
	if ((has & C_DPORT) && !in_range(ru->port[PR_DPORT], v->port_b))
		return 0;
	if ((has & C_PORT) && !in_range(ru->port[PR_PORT], v->port_a) &&
	    !in_range(ru->port[PR_PORT], v->port_b))
		return 0;
	if (has & C_PROTO) {
		/* icmp differs by family; a flow of no known family takes only
		 * a protocol that is the same on both. */
		uint32_t want = v->fam == 4 ? ru->proto4 : ru->proto6;
		if ((v->fam == 0 && ru->proto4 != ru->proto6) || v->proto != want)
			return 0;
	}
	if ((has & C_FROM) && (!v->timed || v->start < ru->from))
		return 0;
	if ((has & C_TO) && (!v->timed || v->start >= ru->to))
		return 0;
	return 1;
}

/* The flow's 5-tuple as an exact rule would state it; 0 when no exact
 * rule can match (addresses of two families or none, fields out of range). */
static int flow_key(const struct flow_view *v, struct key *k)
{
	size_t alen = v->fam_a == 4 ? 4 : 16;

	if (v->fam_a == 0 || v->fam_b != v->fam_a || v->port_a > 65535 || v->port_b > 65535 ||
	    v->proto > 255)
		return 0;
	memset(k, 0, sizeof(*k));
	k->fam = v->fam_a;
	k->proto = (uint8_t)v->proto;
	k->sport = (uint16_t)v->port_a;
	k->dport = (uint16_t)v->port_b;
	memcpy(k->a, v->a, alen);
	memcpy(k->b, v->b, alen);
	return 1;
}

const char *cls_rules_match_line(const struct cls_rules *r, const Sa__FlowRecord *f, size_t *line)
{
	struct flow_view v;
	struct key k;
	size_t best = SIZE_MAX;

	flow_view(f, &v);
	if (r->slot && flow_key(&v, &k)) {
		size_t j = find_slot(r, &k, key_hash(&k));
		/* The chain is in file order: its first match is the earliest. */
		for (uint32_t i = r->slot[j].head; i; i = r->rule[i - 1].next)
			if (rule_match(&r->rule[i - 1], &v)) {
				best = i - 1;
				break;
			}
	}
	/* Rule indices follow line order, so a linear rule wins only from
	 * before the best exact one. */
	for (size_t i = 0; i < r->n_linear && r->linear[i] < best; i++)
		if (rule_match(&r->rule[r->linear[i]], &v)) {
			best = r->linear[i];
			break;
		}
	if (line)
		*line = best == SIZE_MAX ? 0 : r->rule[best].line;
	return best == SIZE_MAX ? NULL : r->label[r->rule[best].label];
}

const char *cls_rules_match(const struct cls_rules *r, const Sa__FlowRecord *f)
{
	return cls_rules_match_line(r, f, NULL);
}

size_t cls_rules_count(const struct cls_rules *r)
{
	return r->n;
}

size_t cls_rules_count_exact(const struct cls_rules *r)
{
	return r->n_exact;
}
