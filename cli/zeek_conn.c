/* Zeek conn.log reader (see zeek_conn.h).
 *
 * DESIGN: lines are read one at a time into a fixed buffer, from a FILE or a
 * memory block through the same byte reader, so the fuzzer runs the code an
 * import runs. A TSV line and a JSON object are both reduced to one struct
 * val per known column (the text, or the json-c value); one set of
 * converters and build_record() then make the record, which is why the two
 * forms of a flow give identical records. The record and its strings live in
 * an arena reset at every zeek_next, so an error mid-line leaks nothing.
 */
#define _POSIX_C_SOURCE 200809L /* getc_unlocked, strdup, strcasecmp */
#include "zeek_conn.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sa_arena.h"
#include "sa_wire.h"

#define NS_PER_S 1000000000ULL
#define QUOTE_MAX 40 /* bytes of offending text shown in a message */

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

enum key {
	K_TS,
	K_UID,
	K_ORIG_H,
	K_ORIG_P,
	K_RESP_H,
	K_RESP_P,
	K_PROTO,
	K_SERVICE,
	K_DURATION,
	K_ORIG_BYTES,
	K_RESP_BYTES,
	K_CONN_STATE,
	K_HISTORY,
	K_ORIG_PKTS,
	K_ORIG_IP_BYTES,
	K_RESP_PKTS,
	K_RESP_IP_BYTES,
	K_LABEL,
	K_DETAIL,
	K_N
};

static const char *const key_name[K_N] = {
	"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto",
	"service", "duration", "orig_bytes", "resp_bytes", "conn_state", "history",
	"orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "label",
	"detailedlabel",
};

static const enum key required[] = {K_TS, K_ORIG_H, K_ORIG_P, K_RESP_H, K_RESP_P, K_PROTO};

/* The label columns come from other tools (NetflowLabeler and friends),
 * which vary their spelling and case; Zeek's own names are exact. */
static const struct {
	const char *name;
	enum key key;
} aliases[] = {
	{"detailed-label", K_DETAIL},
	{"detailed_label", K_DETAIL},
};

enum fmt { FMT_NONE, FMT_TSV, FMT_JSON };

/* One #fields column. A name holding blanks ("label   detailed-label", as
 * some CTU files have after tunnel_parents) is several columns whose values
 * share one field, separated by blanks: sub-keys subkey[sub .. sub+nsub-1]. */
struct col {
	int key;       /* enum key, or -1: a column we do not use */
	unsigned nsub; /* 0: a plain column */
	unsigned sub;
};

struct zeek_reader {
	FILE *f; /* NULL: reading mem */
	const unsigned char *mem;
	size_t mem_len, mem_pos;
	char *name;
	unsigned long line;
	enum fmt fmt;
	char *buf; /* ZEEK_LINE_MAX + 1 */

	/* TSV header state */
	char sep;
	char empty[64], unset[64];
	unsigned long fields_line; /* line of the last #fields, 0: none yet */
	bool fields_ok;
	struct col *cols;
	char **field; /* per data line: the first ncols fields */
	unsigned ncols;
	int *subkey;

	struct json_tokener *tok;
	struct sa_arena *arena; /* the current record */

	char *err; /* this call's error buffer */
	size_t errlen;
};

/* A column's value on the current line: TSV text or a JSON value. */
struct val {
	const char *s;
	struct json_object *j;
	bool set;
};

static int key_find(const char *s)
{
	for (int k = 0; k < K_N; k++) {
		if (k == K_LABEL || k == K_DETAIL ? strcasecmp(s, key_name[k]) == 0
						  : strcmp(s, key_name[k]) == 0)
			return k;
	}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(s, aliases[i].name) == 0)
			return (int)aliases[i].key;
	return -1;
}

/* ---- messages ----------------------------------------------------------- */

/* At most QUOTE_MAX bytes of S, non-printing bytes as \xHH, "..." if cut. */
static void quote(char *out, size_t cap, const char *s)
{
	size_t o = 0, i;

	for (i = 0; s[i] != '\0' && i < QUOTE_MAX && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\'')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
	}
	if (s[i] != '\0' && o + 4 < cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static const char *sep_name(char sep, char *buf, size_t cap)
{
	unsigned char c = (unsigned char)sep;

	if (c > 0x20 && c < 0x7f)
		snprintf(buf, cap, "'%c'", c);
	else
		snprintf(buf, cap, "\\x%02x", c);
	return buf;
}

/* "NAME:LINE: " then the message; returns -1 for `return line_err(...)`. */
__attribute__((format(printf, 2, 3))) static int line_err(struct zeek_reader *r, const char *fmt,
							   ...)
{
	va_list ap;
	int n;

	if (r->err == NULL || r->errlen == 0)
		return -1;
	n = snprintf(r->err, r->errlen, "%s:%lu: ", r->name, r->line);
	if (n >= 0 && (size_t)n < r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static const char *val_text(const struct val *v)
{
	if (v->j != NULL)
		return json_object_to_json_string_ext(v->j, JSON_C_TO_STRING_PLAIN);
	return v->s != NULL ? v->s : "";
}

/* "NAME:LINE: column COL: what: 'text'" */
__attribute__((format(printf, 4, 5))) static int col_err(struct zeek_reader *r, enum key k,
							  const struct val *v, const char *fmt, ...)
{
	char what[160], text[QUOTE_MAX * 4 + 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (v == NULL)
		return line_err(r, "%s %s: %s", r->fmt == FMT_JSON ? "key" : "column", key_name[k],
				what);
	quote(text, sizeof(text), val_text(v));
	return line_err(r, "%s %s: %s: '%s'", r->fmt == FMT_JSON ? "key" : "column", key_name[k],
			what, text);
}

/* ---- numbers and times -------------------------------------------------- */

static const uint64_t pow10_u64[19] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
	100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
	10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
};

/* Decimal seconds ("12", "0.136721", "9.5367431640625e-07") to ns, digit by
 * digit so nothing goes through a double: Zeek's TSV has 6 fraction digits,
 * its JSON (shortest round-trip doubles) may have 17 or an exponent, so
 * digits below the ns are rounded half up. No sign, no NaN. The result is
 * below 2^63. Returns 0, -EINVAL (not such a number) or -ERANGE. */
static int dec_to_ns(const char *s, uint64_t *ns)
{
	const char *ip = s, *fp = "", *p = s;
	size_t nint = 0, nfrac = 0;
	long ex = 0;
	uint64_t acc = 0;
	bool up = false;

	for (; isdigit((unsigned char)*p); p++)
		nint++;
	if (nint == 0)
		return -EINVAL;
	if (*p == '.') {
		fp = ++p;
		for (; isdigit((unsigned char)*p); p++)
			nfrac++;
		if (nfrac == 0)
			return -EINVAL;
	}
	if (*p == 'e' || *p == 'E') {
		bool neg = false;
		p++;
		if (*p == '+' || *p == '-')
			neg = *p++ == '-';
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++)
			if (ex < 1000000) /* far beyond any digit count a line holds */
				ex = ex * 10 + (*p - '0');
		if (neg)
			ex = -ex;
	}
	if (*p != '\0')
		return -EINVAL;
	/* Digit i (integer digits, then fraction digits) is worth 10^k ns. */
	for (size_t i = 0; i < nint + nfrac; i++) {
		unsigned d = (unsigned)((i < nint ? ip[i] : fp[i - nint]) - '0');
		long k = (long)nint + 8 - (long)i + ex;

		if (k < 0) {
			up = k == -1 && d >= 5;
			break;
		}
		if (d == 0)
			continue;
		if (k > 18)
			return -ERANGE;
		uint64_t add = d * pow10_u64[k]; /* <= 9e18: fits */
		if (add > (uint64_t)INT64_MAX - acc)
			return -ERANGE;
		acc += add;
	}
	if (up && acc++ == (uint64_t)INT64_MAX)
		return -ERANGE;
	*ns = acc;
	return 0;
}

/* N digits at *P into *V. */
static bool digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return false;
		*v = *v * 10 + (**p - '0');
	}
	return true;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "2022-06-17T00:00:07.123456Z" (Zeek's JSON with ISO 8601 timestamps): a
 * time zone is required, Z or +HH:MM / -HH:MM. Computed here rather than
 * with timegm, which would depend on time_t's width. */
static int iso_to_ns(const char *s, uint64_t *ns)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p = s;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	uint64_t frac = 0;

	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
		return -EINVAL;
	p++;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
	    !digits(&p, 2, &sec))
		return -EINVAL;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 ||
	    mi > 59 || sec > 60)
		return -EINVAL;
	if (*p == '.') {
		/* The fraction alone, through the same exact decimal code. */
		char f[16] = "0.";
		size_t n = 0;
		for (p++; isdigit((unsigned char)p[n]); n++)
			if (n < 10)
				f[2 + n] = p[n];
		if (n == 0)
			return -EINVAL;
		f[2 + (n < 10 ? n : 10)] = '\0';
		p += n;
		if (dec_to_ns(f, &frac) != 0)
			return -EINVAL;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (!digits(&p, 2, &oh))
			return -EINVAL;
		if (*p == ':')
			p++;
		if (!digits(&p, 2, &om) || oh > 23 || om > 59)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (*p != '\0')
		return -EINVAL;
	int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	if (t < 0)
		return -ERANGE;
	if ((uint64_t)t > ((uint64_t)INT64_MAX - frac) / NS_PER_S)
		return -ERANGE;
	*ns = (uint64_t)t * NS_PER_S + frac;
	return 0;
}

/* A decimal integer of at most MAX. */
static int text_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (*s != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

/* ---- column converters: 0, or -1 with the message written -------------- */

static int json_type_err(struct zeek_reader *r, enum key k, const struct val *v, const char *want)
{
	return col_err(r, k, v, "expected %s, found a JSON %s", want,
		       json_type_to_name(json_object_get_type(v->j)));
}

/* A count (packets, bytes) or port: an integer in TSV text or JSON. */
static int get_u64(struct zeek_reader *r, enum key k, const struct val *v, uint64_t max,
		   uint64_t *out)
{
	if (v->j != NULL) {
		if (!json_object_is_type(v->j, json_type_int))
			return json_type_err(r, k, v, "an integer");
		if (json_object_get_int64(v->j) < 0)
			return col_err(r, k, v, "negative");
		uint64_t x = json_object_get_uint64(v->j);
		/* json-c silently clamps larger numbers to UINT64_MAX: refuse it. */
		if (x == UINT64_MAX)
			return col_err(r, k, v, "2^64 - 1 or more (json-c cannot tell which)");
		if (x > max)
			return col_err(r, k, v, "larger than %llu", (unsigned long long)max);
		*out = x;
		return 0;
	}
	int ret = text_u64(v->s, max, out);
	if (ret == -ERANGE && max == UINT64_MAX)
		return col_err(r, k, v, "count does not fit 64 bits");
	if (ret == -ERANGE)
		return col_err(r, k, v, "larger than %llu", (unsigned long long)max);
	if (ret != 0)
		return col_err(r, k, v, "not a non-negative decimal integer");
	return 0;
}

/* ts (time) or duration (interval) in ns: decimal seconds as TSV text, a
 * JSON number (read from its text as json-c keeps it) or string, or for ts
 * an ISO 8601 string. */
static int get_ns(struct zeek_reader *r, enum key k, const struct val *v, uint64_t *ns)
{
	const char *s = v->s;
	int ret;

	if (v->j != NULL) {
		if (json_object_is_type(v->j, json_type_int)) {
			int64_t x = json_object_get_int64(v->j);
			if (x < 0)
				return col_err(r, k, v, "negative");
			if ((uint64_t)x > (uint64_t)INT64_MAX / NS_PER_S)
				return col_err(r, k, v, "beyond 2^63 ns");
			*ns = (uint64_t)x * NS_PER_S;
			return 0;
		}
		if (!json_object_is_type(v->j, json_type_double) &&
		    !json_object_is_type(v->j, json_type_string))
			return json_type_err(r, k, v, "a number or string");
		s = json_object_is_type(v->j, json_type_string) ? json_object_get_string(v->j)
								 : val_text(v);
	}
	if (s[0] == '-')
		return col_err(r, k, v, "negative");
	if (k == K_TS && strlen(s) > 4 && s[4] == '-')
		ret = iso_to_ns(s, ns);
	else
		ret = dec_to_ns(s, ns);
	if (ret == -ERANGE)
		return col_err(r, k, v, "beyond 2^63 ns");
	if (ret != 0)
		return col_err(r, k, v, k == K_TS ? "not decimal seconds or an ISO 8601 time"
						  : "not decimal seconds");
	return 0;
}

/* Zeek escapes bytes as \xHH in TSV (the separator inside a string,
 * non-printing bytes); copies S into OUT (room for strlen(S) + 1) undoing
 * that, except \x00, which a C string cannot hold and stays as written. */
static void unescape(const char *s, char *out)
{
	while (*s != '\0') {
		if (s[0] == '\\' && s[1] == 'x' && isxdigit((unsigned char)s[2]) &&
		    isxdigit((unsigned char)s[3])) {
			char hex[3] = {s[2], s[3], '\0'};
			char c = (char)strtoul(hex, NULL, 16);
			if (c != '\0') {
				*out++ = c;
				s += 4;
				continue;
			}
		}
		*out++ = *s++;
	}
	*out = '\0';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* A string column, copied into the arena; the label columns trimmed. The
 * aggregator refuses a batch holding a string longer than SA_WIRE_TEXT_MAX,
 * so such a line is an error here, before anything is sent. */
static int get_str(struct zeek_reader *r, enum key k, const struct val *v, char **out)
{
	const char *s = v->s;
	size_t n;

	if (v->j != NULL) {
		if (!json_object_is_type(v->j, json_type_string))
			return json_type_err(r, k, v, "a string");
		s = json_object_get_string(v->j);
		n = (size_t)json_object_get_string_len(v->j);
		if (strlen(s) != n)
			return col_err(r, k, v, "NUL character in string");
	} else {
		n = strlen(s);
	}
	if (k == K_LABEL || k == K_DETAIL) {
		while (n > 0 && is_space(*s))
			s++, n--;
		while (n > 0 && is_space(s[n - 1]))
			n--;
	}
	char *copy = sa_arena_alloc(r->arena, n + 1);
	if (copy == NULL)
		return line_err(r, "out of memory");
	memcpy(copy, s, n);
	copy[n] = '\0';
	if (v->j == NULL) {
		if (strcmp(copy, r->empty) == 0)
			copy[0] = '\0'; /* Zeek's empty string */
		else
			unescape(copy, copy); /* shrinks, so in place */
	}
	if (strlen(copy) > SA_WIRE_TEXT_MAX)
		return col_err(r, k, v, "longer than %d bytes", SA_WIRE_TEXT_MAX);
	*out = copy;
	return 0;
}

/* An IPv4 or IPv6 address into 16 bytes; *ver 4 or 6. */
static int get_addr(struct zeek_reader *r, enum key k, const struct val *v, uint8_t *a,
		    uint32_t *ver)
{
	const char *s = v->s;

	if (v->j != NULL) {
		if (!json_object_is_type(v->j, json_type_string))
			return json_type_err(r, k, v, "a string");
		s = json_object_get_string(v->j);
		if (strlen(s) != (size_t)json_object_get_string_len(v->j))
			return col_err(r, k, v, "NUL character in string");
	}
	if (strlen(s) < 64 && inet_pton(AF_INET, s, a) == 1)
		*ver = 4;
	else if (strlen(s) < 64 && inet_pton(AF_INET6, s, a) == 1)
		*ver = 6;
	else
		return col_err(r, k, v, "not an IPv4 or IPv6 address");
	return 0;
}

/* tcp, udp, icmp (58, ICMPv6, with IPv6 addresses: Zeek says icmp for
 * both), or an IP protocol number. */
static int get_proto(struct zeek_reader *r, const struct val *v, uint32_t ver, uint32_t *proto)
{
	const char *s = v->s;
	uint64_t x;

	if (v->j != NULL) {
		if (json_object_is_type(v->j, json_type_int)) {
			if (get_u64(r, K_PROTO, v, 255, &x) != 0)
				return -1;
			*proto = (uint32_t)x;
			return 0;
		}
		if (!json_object_is_type(v->j, json_type_string))
			return json_type_err(r, K_PROTO, v, "a string");
		s = json_object_get_string(v->j);
	}
	if (strcasecmp(s, "tcp") == 0)
		*proto = 6;
	else if (strcasecmp(s, "udp") == 0)
		*proto = 17;
	else if (strcasecmp(s, "icmp") == 0)
		*proto = ver == 6 ? 58 : 1;
	else if (text_u64(s, 255, &x) == 0)
		*proto = (uint32_t)x;
	else
		return col_err(r, K_PROTO, v, "not tcp, udp, icmp or a protocol number 0..255");
	return 0;
}

/* TCP flags per direction from Zeek's history: a letter's case tells who
 * sent it (upper: originator, lower: responder). Approximations: D (a packet
 * with payload) counts as PSH, the nearest flag; H is a SYN+ACK; the other
 * letters (C, G, T, W, I, Q, ^) are not flags. */
static void history_flags(const char *h, uint32_t *fa, uint32_t *fb)
{
	*fa = *fb = 0;
	for (; *h != '\0'; h++) {
		uint32_t f;
		switch (tolower((unsigned char)*h)) {
		case 's': f = TCP_SYN; break;
		case 'h': f = TCP_SYN | TCP_ACK; break;
		case 'a': f = TCP_ACK; break;
		case 'd': f = TCP_PSH; break;
		case 'f': f = TCP_FIN; break;
		case 'r': f = TCP_RST; break;
		default: continue;
		}
		if (isupper((unsigned char)*h))
			*fa |= f;
		else
			*fb |= f;
	}
}

/* ---- the record ------------------------------------------------------- */

static int opt_u64(struct zeek_reader *r, const struct val *vals, enum key k, uint64_t *x,
		   bool *has)
{
	*has = vals[k].set;
	return *has ? get_u64(r, k, &vals[k], UINT64_MAX, x) : 0;
}

static int opt_str(struct zeek_reader *r, const struct val *vals, enum key k, char **out)
{
	*out = NULL;
	return vals[k].set ? get_str(r, k, &vals[k], out) : 0;
}

static void set_dir(Sa__DirStats *d, uint64_t pkts, bool has_pkts, uint64_t bytes, bool has_bytes)
{
	d->has_packets = has_pkts;
	d->packets = pkts;
	d->has_bytes = has_bytes;
	d->bytes = bytes;
	if (has_pkts && has_bytes && pkts > 0) {
		d->has_size_mean = 1;
		d->size_mean = (double)bytes / (double)pkts;
	}
}

static int build_record(struct zeek_reader *r, const struct val *vals, Sa__FlowRecord **out)
{
	Sa__FlowRecord *rec = sa_arena_alloc(r->arena, sizeof(*rec));
	Sa__DirStats *ab = sa_arena_alloc(r->arena, sizeof(*ab));
	Sa__DirStats *ba = sa_arena_alloc(r->arena, sizeof(*ba));
	uint8_t *a = sa_arena_alloc(r->arena, 16), *b = sa_arena_alloc(r->arena, 16);
	uint64_t ts, dur = 0, pa, pb, x[6] = {0};
	uint32_t va, vb;
	bool has[6];

	if (rec == NULL || ab == NULL || ba == NULL || a == NULL || b == NULL)
		return line_err(r, "out of memory");
	sa__flow_record__init(rec);
	sa__dir_stats__init(ab);
	sa__dir_stats__init(ba);
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!vals[required[i]].set)
			return col_err(r, required[i], NULL, r->fmt == FMT_JSON
								   ? "required but missing"
								   : "required but unset");

	if (get_ns(r, K_TS, &vals[K_TS], &ts) != 0 ||
	    get_addr(r, K_ORIG_H, &vals[K_ORIG_H], a, &va) != 0 ||
	    get_addr(r, K_RESP_H, &vals[K_RESP_H], b, &vb) != 0)
		return -1;
	if (va != vb)
		return col_err(r, K_RESP_H, &vals[K_RESP_H], "IPv%u address but id.orig_h is IPv%u",
			       vb, va);
	if (get_u64(r, K_ORIG_P, &vals[K_ORIG_P], 65535, &pa) != 0 ||
	    get_u64(r, K_RESP_P, &vals[K_RESP_P], 65535, &pb) != 0 ||
	    get_proto(r, &vals[K_PROTO], va, &rec->proto) != 0)
		return -1;
	if (vals[K_DURATION].set && get_ns(r, K_DURATION, &vals[K_DURATION], &dur) != 0)
		return -1;
	if (dur > (uint64_t)INT64_MAX - ts)
		return col_err(r, K_DURATION, &vals[K_DURATION], "ts + duration beyond 2^63 ns");
	if (opt_u64(r, vals, K_ORIG_PKTS, &x[0], &has[0]) != 0 ||
	    opt_u64(r, vals, K_ORIG_IP_BYTES, &x[1], &has[1]) != 0 ||
	    opt_u64(r, vals, K_RESP_PKTS, &x[2], &has[2]) != 0 ||
	    opt_u64(r, vals, K_RESP_IP_BYTES, &x[3], &has[3]) != 0 ||
	    opt_u64(r, vals, K_ORIG_BYTES, &x[4], &has[4]) != 0 ||
	    opt_u64(r, vals, K_RESP_BYTES, &x[5], &has[5]) != 0)
		return -1;
	if (opt_str(r, vals, K_UID, &rec->uid) != 0 ||
	    opt_str(r, vals, K_CONN_STATE, &rec->conn_state) != 0 ||
	    opt_str(r, vals, K_HISTORY, &rec->history) != 0 ||
	    opt_str(r, vals, K_SERVICE, &rec->service) != 0 ||
	    opt_str(r, vals, K_LABEL, &rec->label) != 0 ||
	    opt_str(r, vals, K_DETAIL, &rec->label_detail) != 0)
		return -1;

	rec->has_addr_a = rec->has_addr_b = 1;
	rec->addr_a.data = a;
	rec->addr_b.data = b;
	rec->addr_a.len = rec->addr_b.len = va == 4 ? 4 : 16;
	rec->has_ip_version = 1;
	rec->ip_version = va;
	rec->has_port_a = rec->has_port_b = 1;
	rec->port_a = (uint32_t)pa;
	rec->port_b = (uint32_t)pb;
	rec->has_proto = 1;
	rec->has_payload_a = has[4];
	rec->payload_a = x[4];
	rec->has_payload_b = has[5];
	rec->payload_b = x[5];

	/* Zeek logs one start and duration per connection, not per direction:
	 * both directions get [ts, ts + duration], the responder's only when it
	 * sent something. An unset duration is Zeek's zero (it logs duration only
	 * when > 0). */
	set_dir(ab, x[0], has[0], x[1], has[1]);
	ab->has_first_ns = ab->has_last_ns = 1;
	ab->first_ns = ts;
	ab->last_ns = ts + dur;
	set_dir(ba, x[2], has[2], x[3], has[3]);
	if (has[2] && x[2] > 0) {
		ba->has_first_ns = ba->has_last_ns = 1;
		ba->first_ns = ts;
		ba->last_ns = ts + dur;
	}
	/* Zeek's history letters are TCP flags only for TCP (UDP has D/d too). */
	if (rec->proto == 6 && rec->history != NULL) {
		history_flags(rec->history, &ab->tcp_flags, &ba->tcp_flags);
		ab->has_tcp_flags = ba->has_tcp_flags = 1;
	}
	rec->a_to_b = ab;
	rec->b_to_a = ba;
	*out = rec;
	return 0;
}

/* ---- JSON lines --------------------------------------------------------- */

static void json_take(struct val *vals, const char *key, struct json_object *v)
{
	int k = key_find(key);

	if (k >= 0 && v != NULL && !json_object_is_type(v, json_type_null)) {
		vals[k].j = v;
		vals[k].set = true;
	}
}

static int json_line(struct zeek_reader *r, const char *line, size_t n, Sa__FlowRecord **out)
{
	struct val vals[K_N];
	struct json_object *o;
	int ret;

	memset(vals, 0, sizeof(vals));
	json_tokener_reset(r->tok);
	o = json_tokener_parse_ex(r->tok, line, (int)n);
	if (o == NULL) {
		enum json_tokener_error e = json_tokener_get_error(r->tok);
		if (e == json_tokener_continue || e == json_tokener_success)
			return line_err(r, "JSON value not complete at the end of the line "
					   "(one object per line)");
		return line_err(r, "bad JSON at byte %zu: %s", json_tokener_get_parse_end(r->tok) + 1,
				json_tokener_error_desc(e));
	}
	for (size_t i = json_tokener_get_parse_end(r->tok); i < n; i++) {
		if (!is_space(line[i])) {
			json_object_put(o);
			return line_err(r, "text after the JSON object at byte %zu", i + 1);
		}
	}
	if (!json_object_is_type(o, json_type_object)) {
		ret = line_err(r, "not a JSON object but a JSON %s",
			       json_type_to_name(json_object_get_type(o)));
		json_object_put(o);
		return ret;
	}
	json_object_object_foreach(o, key, v) {
		/* Zeek flattens id to "id.orig_h"; accept the nested form too. */
		if (strcmp(key, "id") == 0 && json_object_is_type(v, json_type_object)) {
			json_object_object_foreach(v, sub, sv) {
				char full[64];
				if (snprintf(full, sizeof(full), "id.%s", sub) < (int)sizeof(full))
					json_take(vals, full, sv);
			}
		} else {
			json_take(vals, key, v);
		}
	}
	ret = build_record(r, vals, out);
	json_object_put(o);
	return ret;
}

/* ---- TSV ---------------------------------------------------------------- */

static bool is_blank(const struct zeek_reader *r, char c)
{
	return (c == ' ' || c == '\t') && c != r->sep;
}

/* Trims S in place (writes a NUL); returns the new start. */
static char *trim(char *s)
{
	size_t n;

	while (is_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Splits S at blanks into at most MAX words (the last one keeps the rest);
 * returns how many. */
static unsigned split_blanks(const struct zeek_reader *r, char *s, char **w, unsigned max)
{
	unsigned n = 0;

	while (n < max) {
		while (is_blank(r, *s))
			*s++ = '\0';
		if (*s == '\0')
			break;
		w[n++] = s;
		if (n == max)
			break;
		while (*s != '\0' && !is_blank(r, *s))
			s++;
	}
	if (n > 0)
		w[n - 1] = trim(w[n - 1]);
	return n;
}

static void tsv_free_fields(struct zeek_reader *r)
{
	free(r->cols);
	free(r->field);
	free(r->subkey);
	r->cols = NULL;
	r->field = NULL;
	r->subkey = NULL;
	r->ncols = 0;
	r->fields_ok = false;
}

/* #fields: TEXT is the column names, separated by the separator. */
static int tsv_fields(struct zeek_reader *r, char *text)
{
	unsigned ncols = 1, nsubs = 0, seen[K_N], i;
	char *p, sepbuf[8];

	tsv_free_fields(r);
	r->fields_line = r->line;
	for (p = text; *p != '\0'; p++) {
		if (*p == r->sep)
			ncols++;
		else if (is_blank(r, *p))
			nsubs += 2; /* a word per blank and one more per name: a bound */
	}
	r->cols = calloc(ncols, sizeof(*r->cols));
	r->field = calloc(ncols, sizeof(*r->field));
	r->subkey = calloc(nsubs + 1, sizeof(*r->subkey));
	if (r->cols == NULL || r->field == NULL || r->subkey == NULL) {
		tsv_free_fields(r);
		return line_err(r, "out of memory");
	}
	r->ncols = ncols;
	memset(seen, 0, sizeof(seen));
	nsubs = 0;
	p = text;
	for (i = 0; i < ncols; i++) {
		char *end = strchr(p, r->sep), *name;
		char *w[64];
		unsigned nw;

		if (end != NULL)
			*end = '\0';
		name = trim(p);
		nw = split_blanks(r, name, w, 64);
		r->cols[i].key = -1;
		if (nw > 1) {
			r->cols[i].nsub = nw;
			r->cols[i].sub = nsubs;
		}
		for (unsigned j = 0; j < nw; j++) {
			int k = key_find(w[j]);
			if (nw > 1)
				r->subkey[nsubs++] = k;
			else
				r->cols[i].key = k;
			if (k < 0)
				continue;
			if (seen[k])
				return line_err(r, "#fields: column %s given twice (columns %u and %u)",
						key_name[k], seen[k], i + 1);
			seen[k] = i + 1;
		}
		p = end != NULL ? end + 1 : p;
	}
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (seen[required[i]])
			continue;
		if (ncols == 1)
			return line_err(r, "#fields: no `%s` column; is the separator right? "
					   "(#separator says %s)",
					key_name[required[i]], sep_name(r->sep, sepbuf, sizeof(sepbuf)));
		return line_err(r, "#fields: no `%s` column (required; %u columns found)",
				key_name[required[i]], ncols);
	}
	r->fields_ok = true;
	return 0;
}

/* A #separator value: one character, given escaped (\x09). */
static int tsv_separator(struct zeek_reader *r, const char *text)
{
	char v[16];

	if (strlen(text) >= sizeof(v))
		return line_err(r, "#separator: expected one character such as \\x09");
	unescape(text, v);
	if (strlen(v) != 1 || v[0] == '\n' || v[0] == '\r')
		return line_err(r, "#separator: expected one character such as \\x09, found '%s'",
				text);
	r->sep = v[0];
	return 0;
}

static int tsv_marker(struct zeek_reader *r, const char *what, const char *text, char *out)
{
	if (strlen(text) >= sizeof(r->empty))
		return line_err(r, "#%s: longer than %zu characters", what, sizeof(r->empty) - 1);
	unescape(text, out);
	return 0;
}

/* A '#' line: #separator, #empty_field, #unset_field and #fields matter;
 * #set_separator, #path, #open, #close, #types and others are ignored. */
static int tsv_header(struct zeek_reader *r, char *line)
{
	char *name = line + 1, *val;

	/* Written before the separator is known, so after a space. */
	if (strncmp(name, "separator", 9) == 0 && (name[9] == ' ' || name[9] == '\t'))
		return tsv_separator(r, name + 10);
	/* #fields followed by something other than the separator still names
	 * columns, so that a wrong separator is reported as such. */
	if (strncmp(name, "fields", 6) == 0)
		return tsv_fields(r, name + (name[6] != '\0' ? 7 : 6));
	val = strchr(name, r->sep);
	if (val == NULL)
		return 0;
	*val++ = '\0';
	if (strcmp(name, "empty_field") == 0)
		return tsv_marker(r, name, val, r->empty);
	if (strcmp(name, "unset_field") == 0)
		return tsv_marker(r, name, val, r->unset);
	return 0;
}

static void tsv_take(struct zeek_reader *r, struct val *vals, int k, char *s)
{
	if (k < 0)
		return;
	if (k == K_LABEL || k == K_DETAIL)
		s = trim(s);
	vals[k].s = s;
	vals[k].set = strcmp(s, r->unset) != 0;
}

static int tsv_data(struct zeek_reader *r, char *line, Sa__FlowRecord **out)
{
	struct val vals[K_N];
	unsigned n = 0;
	char *p = line;

	if (r->fields_line == 0)
		return line_err(r, "data line before the #fields header");
	if (!r->fields_ok)
		return line_err(r, "data line after an unusable #fields header (line %lu)",
				r->fields_line);
	for (;;) {
		char *end = strchr(p, r->sep);
		if (end != NULL)
			*end = '\0';
		if (n < r->ncols)
			r->field[n] = p;
		n++;
		if (end == NULL)
			break;
		p = end + 1;
	}
	if (n != r->ncols)
		return line_err(r, "expected %u fields (as #fields on line %lu), found %u", r->ncols,
				r->fields_line, n);
	memset(vals, 0, sizeof(vals));
	for (unsigned i = 0; i < r->ncols; i++) {
		const struct col *c = &r->cols[i];
		char *w[64];
		unsigned nw;

		if (c->nsub == 0) {
			tsv_take(r, vals, c->key, r->field[i]);
			continue;
		}
		nw = split_blanks(r, r->field[i], w, c->nsub);
		if (nw != c->nsub)
			return line_err(r, "field %u: expected %u blank-separated values, found %u",
					i + 1, c->nsub, nw);
		for (unsigned j = 0; j < nw; j++)
			tsv_take(r, vals, r->subkey[c->sub + j], w[j]);
	}
	return build_record(r, vals, out);
}

/* ---- lines -------------------------------------------------------------- */

static int src_getc(struct zeek_reader *r)
{
	if (r->f != NULL)
		return getc_unlocked(r->f);
	return r->mem_pos < r->mem_len ? r->mem[r->mem_pos++] : EOF;
}

/* The next line into r->buf, NUL-terminated, without its newline (or CRLF).
 * Returns its length, -1 at the end of input, -2 after an error. A line too
 * long is read to its end, so the next call starts on the next line. */
static long read_line(struct zeek_reader *r)
{
	size_t n = 0;
	bool any = false, too_long = false, nul = false;
	int c;

	while ((c = src_getc(r)) != EOF) {
		any = true;
		if (c == '\n')
			break;
		if (n == ZEEK_LINE_MAX) {
			too_long = true;
			continue;
		}
		nul |= c == '\0';
		r->buf[n++] = (char)c;
	}
	if (r->f != NULL && ferror(r->f)) {
		r->line++;
		return line_err(r, "read error: %s", strerror(errno)) - 1;
	}
	if (!any)
		return -1;
	r->line++;
	if (too_long)
		return line_err(r, "line longer than %d bytes", ZEEK_LINE_MAX) - 1;
	if (nul)
		return line_err(r, "NUL byte in line") - 1;
	if (n > 0 && r->buf[n - 1] == '\r')
		n--;
	r->buf[n] = '\0';
	if (r->line == 1 && n >= 3 && memcmp(r->buf, "\xef\xbb\xbf", 3) == 0) {
		memmove(r->buf, r->buf + 3, n - 2); /* a UTF-8 byte order mark */
		n -= 3;
	}
	return (long)n;
}

int zeek_next(struct zeek_reader *r, Sa__FlowRecord **out, char *err, size_t errlen)
{
	r->err = err;
	r->errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	*out = NULL;
	sa_arena_reset(r->arena);
	for (;;) {
		long n = read_line(r);
		char *line = r->buf, *s;

		if (n == -1)
			return 0;
		if (n < 0)
			return -1;
		for (s = line; is_space(*s); s++)
			;
		if (*s == '\0')
			continue;
		if (r->fmt == FMT_NONE) {
			if (line[0] == '#')
				r->fmt = FMT_TSV;
			else if (*s == '{')
				r->fmt = FMT_JSON;
			else
				return line_err(r, "neither a Zeek TSV header line (#...) nor a JSON "
						   "object: a TSV log needs its #fields header first");
		}
		if (r->fmt == FMT_JSON)
			return json_line(r, line, (size_t)n, out) == 0 ? 1 : -1;
		if (line[0] != '#')
			return tsv_data(r, line, out) == 0 ? 1 : -1;
		if (tsv_header(r, line) != 0)
			return -1;
	}
}

unsigned long zeek_line(const struct zeek_reader *r)
{
	return r->line;
}

static struct zeek_reader *reader_new(const char *name, char *err, size_t errlen)
{
	struct zeek_reader *r = calloc(1, sizeof(*r));

	if (r == NULL)
		goto fail;
	r->name = strdup(name);
	r->buf = malloc(ZEEK_LINE_MAX + 1);
	r->arena = sa_arena_new(16384);
	r->tok = json_tokener_new();
	if (r->name == NULL || r->buf == NULL || r->arena == NULL || r->tok == NULL)
		goto fail;
	/* Strings become protobuf strings, which are UTF-8. */
	json_tokener_set_flags(r->tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	r->sep = '\t';
	strcpy(r->empty, "(empty)");
	strcpy(r->unset, "-");
	return r;
fail:
	zeek_close(r);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: out of memory", name);
	return NULL;
}

struct zeek_reader *zeek_open(const char *path, char *err, size_t errlen)
{
	struct zeek_reader *r = reader_new(path, err, errlen);

	if (r == NULL)
		return NULL;
	r->f = fopen(path, "r");
	if (r->f == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		zeek_close(r);
		return NULL;
	}
	return r;
}

struct zeek_reader *zeek_open_mem(const void *buf, size_t len, const char *name, char *err,
				  size_t errlen)
{
	struct zeek_reader *r = reader_new(name != NULL ? name : "<memory>", err, errlen);

	if (r == NULL)
		return NULL;
	r->mem = buf;
	r->mem_len = len;
	return r;
}

void zeek_close(struct zeek_reader *r)
{
	if (r == NULL)
		return;
	if (r->f != NULL)
		fclose(r->f);
	tsv_free_fields(r);
	if (r->tok != NULL)
		json_tokener_free(r->tok);
	sa_arena_destroy(&r->arena);
	free(r->buf);
	free(r->name);
	free(r);
}
