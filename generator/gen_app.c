#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gen_app.h"

#define TLS_REC (5 + 16384 + 17)  /* full TLS 1.3 record: header, plaintext, type + AEAD tag */
#define TLS_MIN_REC (5 + 17)      /* smallest application data record */
#define US 1000ULL
#define MS 1000000ULL
#define SEC 1000000000ULL

enum { SSH_KEXINIT = 20, SSH_NEWKEYS = 21, SSH_ECDH_INIT = 30, SSH_ECDH_REPLY = 31 };

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void gen_app_env_init(struct gen_env *e, uint64_t seed, uint64_t start_ns, unsigned days,
		      double flows_per_day)
{
	gen_rng_seed(&e->rng, seed);
	for (unsigned i = 0; i < GEN_NOISE_LEN; i += 8) {
		uint64_t v = gen_rng_next(&e->rng);
		memcpy(e->noise + i, &v, 8);
	}
	for (unsigned i = 0; i < GEN_TEXT_LEN; i++) /* base64-like body lines: no '.' to escape */
		e->text[i] = i % 78 == 76 ? '\r' : i % 78 == 77 ? '\n' : b64[gen_rng_below(&e->rng, 64)];
	e->anomaly_packets = 0;
	gen_model_init(&e->model, &e->rng, start_ns, days, flows_per_day);
}

static uint64_t ns_of(double seconds)
{
	return (uint64_t)(seconds * 1e9);
}

/* --- message construction ------------------------------------------------- */

static void pre_bytes(struct gen_msg *m, const void *p, unsigned n)
{
	if (m->pre_len + n > GEN_MSG_PRE)
		n = GEN_MSG_PRE - m->pre_len; /* callers size their text well below this */
	memcpy(m->pre + m->pre_len, p, n);
	m->pre_len = (uint16_t)(m->pre_len + n);
}

__attribute__((format(printf, 2, 3))) static void pre_printf(struct gen_msg *m, const char *fmt, ...)
{
	char tmp[GEN_MSG_PRE];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		pre_bytes(m, tmp, (unsigned)n < sizeof(tmp) ? (unsigned)n : sizeof(tmp) - 1);
}

static void pre_u8(struct gen_msg *m, unsigned v)
{
	uint8_t b = (uint8_t)v;
	pre_bytes(m, &b, 1);
}

static void pre_u16(struct gen_msg *m, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	pre_bytes(m, b, 2);
}

static void pre_u24(struct gen_msg *m, unsigned v)
{
	uint8_t b[3] = { (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	pre_bytes(m, b, 3);
}

static void pre_u32(struct gen_msg *m, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	pre_bytes(m, b, 4);
}

static void pre_rand(struct gen_msg *m, struct gen_rng *r, unsigned n)
{
	while (n--)
		pre_u8(m, gen_rng_below(r, 256));
}

/* Back-patches a big-endian length of `width` bytes at `at`. */
static void pre_patch(struct gen_msg *m, unsigned at, unsigned width, unsigned v)
{
	for (unsigned i = 0; i < width; i++)
		m->pre[at + i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

static void msg_begin(struct gen_msg *m, struct gen_rng *r, int srv, enum gen_msg_type type)
{
	m->len = m->off = 0;
	m->salt = gen_rng_below(r, GEN_NOISE_LEN);
	m->pre_len = m->first_rec = 0;
	m->type = (uint8_t)type;
	m->srv = (uint8_t)srv;
}

/* Completes a TLS message of `body` bytes of records after pre[] (first_rec
 * included), nudged so the last record is not shorter than a real one. */
static void msg_tls_end(struct gen_msg *m, uint32_t body)
{
	uint32_t rest = body - m->first_rec;

	if (rest % TLS_REC && rest % TLS_REC < TLS_MIN_REC)
		body += TLS_MIN_REC;
	m->len = m->pre_len + body;
}

static void copy_noise(const struct gen_env *e, uint32_t at, uint8_t *dst, uint32_t n)
{
	while (n) {
		uint32_t o = at % GEN_NOISE_LEN, k = GEN_NOISE_LEN - o;
		if (k > n)
			k = n;
		memcpy(dst, e->noise + o, k);
		dst += k;
		at += k;
		n -= k;
	}
}

static uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

void gen_app_fill(const struct gen_msg *m, const struct gen_env *e, uint32_t off,
		  uint8_t *dst, uint32_t n)
{
	while (n) {
		uint32_t k;

		if (off < m->pre_len) {
			k = min32(n, m->pre_len - off);
			memcpy(dst, m->pre + off, k);
		} else if (m->type == GEN_MSG_TLS) {
			uint32_t pos = off - m->pre_len, rs, rl;
			if (pos < m->first_rec) {
				rs = 0;
				rl = m->first_rec;
			} else {
				rs = m->first_rec + (pos - m->first_rec) / TLS_REC * TLS_REC;
				rl = min32(TLS_REC, m->len - m->pre_len - rs);
			}
			uint32_t in = pos - rs;
			if (in < 5) {
				uint8_t h[5] = { 0x17, 0x03, 0x03, (uint8_t)((rl - 5) >> 8), (uint8_t)(rl - 5) };
				k = min32(n, 5 - in);
				memcpy(dst, h + in, k);
			} else {
				k = min32(n, rl - in);
				copy_noise(e, off + m->salt, dst, k);
			}
		} else if (m->type == GEN_MSG_TEXT) {
			uint32_t end = m->len - 5;
			if (off >= end) {
				k = min32(n, m->len - off);
				memcpy(dst, &"\r\n.\r\n"[off - end], k);
			} else {
				uint32_t t = (off - m->pre_len) % GEN_TEXT_LEN;
				k = min32(min32(n, end - off), GEN_TEXT_LEN - t);
				memcpy(dst, e->text + t, k);
			}
		} else {
			k = n;
			copy_noise(e, off + m->salt, dst, k);
		}
		dst += k;
		off += k;
		n -= k;
	}
}

/* --- TLS 1.3 -------------------------------------------------------------- */

static void tls_client_hello(struct gen_msg *m, struct gen_rng *r, const char *sni)
{
	static const uint8_t suites[] = { 0x13, 0x01, 0x13, 0x03, 0x13, 0x02, 0xc0, 0x2b,
					  0xc0, 0x2f, 0xcc, 0xa9, 0xcc, 0xa8, 0xc0, 0x2c,
					  0xc0, 0x30, 0xc0, 0x13, 0xc0, 0x14, 0x00, 0x9c };
	static const uint8_t sigalgs[] = { 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03,
					   0x08, 0x05, 0x05, 0x01, 0x08, 0x06, 0x06, 0x01 };
	static const uint8_t alpn[] = { 0x02, 'h', '2', 0x08, 'h', 't', 't', 'p', '/', '1', '.', '1' };
	unsigned sl = (unsigned)strlen(sni);

	pre_bytes(m, "\x16\x03\x01\x00\x00", 5); /* record length patched below */
	pre_u8(m, 1);
	pre_u24(m, 0);
	pre_u16(m, 0x0303);
	pre_rand(m, r, 32);
	pre_u8(m, 32); /* legacy session id, as middlebox-compatible clients send */
	pre_rand(m, r, 32);
	pre_u16(m, sizeof(suites));
	pre_bytes(m, suites, sizeof(suites));
	pre_u16(m, 0x0100); /* compression: null only */
	unsigned ext = m->pre_len;
	pre_u16(m, 0);
	pre_u16(m, 0x0000); /* server_name */
	pre_u16(m, sl + 5);
	pre_u16(m, sl + 3);
	pre_u8(m, 0);
	pre_u16(m, sl);
	pre_bytes(m, sni, sl);
	pre_bytes(m, "\x00\x0a\x00\x08\x00\x06\x00\x1d\x00\x17\x00\x18", 12); /* groups */
	pre_u16(m, 0x000d);
	pre_u16(m, sizeof(sigalgs) + 2);
	pre_u16(m, sizeof(sigalgs));
	pre_bytes(m, sigalgs, sizeof(sigalgs));
	pre_u16(m, 0x0010); /* ALPN */
	pre_u16(m, sizeof(alpn) + 2);
	pre_u16(m, sizeof(alpn));
	pre_bytes(m, alpn, sizeof(alpn));
	pre_bytes(m, "\x00\x2b\x00\x03\x02\x03\x04", 7); /* supported_versions: TLS 1.3 */
	pre_bytes(m, "\x00\x2d\x00\x02\x01\x01", 6);     /* psk_key_exchange_modes */
	pre_bytes(m, "\x00\x33\x00\x26\x00\x24\x00\x1d\x00\x20", 10); /* key_share x25519 */
	pre_rand(m, r, 32);
	/* padding extension up to a 512-byte handshake, as BoringSSL/NSS do */
	unsigned hs = m->pre_len - 5;
	if (hs + 4 < 512) {
		unsigned pad = 512 - hs - 4;
		pre_u16(m, 0x0015);
		pre_u16(m, pad);
		for (unsigned i = 0; i < pad; i++)
			pre_u8(m, 0);
	}
	pre_patch(m, ext, 2, m->pre_len - ext - 2);
	pre_patch(m, 6, 3, m->pre_len - 9);
	pre_patch(m, 3, 2, m->pre_len - 5);
}

static void tls_server_hello(struct gen_msg *m, struct gen_rng *r)
{
	pre_bytes(m, "\x16\x03\x03\x00\x00", 5);
	pre_u8(m, 2);
	pre_u24(m, 0);
	pre_u16(m, 0x0303);
	pre_rand(m, r, 32);
	pre_u8(m, 32);
	pre_rand(m, r, 32); /* echoes the client's in real life; nobody checks here */
	pre_u16(m, 0x1301); /* TLS_AES_128_GCM_SHA256 */
	pre_u8(m, 0);
	pre_u16(m, 46);
	pre_bytes(m, "\x00\x2b\x00\x02\x03\x04", 6);
	pre_bytes(m, "\x00\x33\x00\x24\x00\x1d\x00\x20", 8);
	pre_rand(m, r, 32);
	pre_patch(m, 6, 3, m->pre_len - 9);
	pre_patch(m, 3, 2, m->pre_len - 5);
	pre_bytes(m, "\x14\x03\x03\x00\x01\x01", 6); /* middlebox-compat ChangeCipherSpec */
}

/* --- SSH ------------------------------------------------------------------ */

static void ssh_string(struct gen_msg *m, const char *s)
{
	pre_u32(m, (uint32_t)strlen(s));
	pre_bytes(m, s, (unsigned)strlen(s));
}

static unsigned ssh_packet_begin(struct gen_msg *m, unsigned code)
{
	unsigned at = m->pre_len;

	pre_u32(m, 0);
	pre_u8(m, 0);
	pre_u8(m, code);
	return at;
}

/* Pads an unencrypted binary packet to a multiple of 8 (RFC 4253 6). */
static void ssh_packet_end(struct gen_msg *m, struct gen_rng *r, unsigned at)
{
	unsigned body = m->pre_len - at - 5, pad = 8 - (5 + body) % 8;

	if (pad < 4)
		pad += 8;
	pre_rand(m, r, pad);
	pre_patch(m, at, 4, m->pre_len - at - 4);
	m->pre[at + 4] = (uint8_t)pad;
}

static void ssh_kexinit(struct gen_msg *m, struct gen_rng *r, int srv)
{
	unsigned at = ssh_packet_begin(m, SSH_KEXINIT);

	pre_rand(m, r, 16);
	ssh_string(m, srv ? "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
			    "diffie-hellman-group14-sha256"
			  : "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
			    "diffie-hellman-group14-sha256,ext-info-c");
	ssh_string(m, "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256");
	for (int i = 0; i < 2; i++)
		ssh_string(m, "chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr,"
			      "aes128-gcm@openssh.com,aes256-gcm@openssh.com");
	for (int i = 0; i < 2; i++)
		ssh_string(m, "umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
			      "hmac-sha2-512-etm@openssh.com,hmac-sha2-256");
	for (int i = 0; i < 2; i++)
		ssh_string(m, "none,zlib@openssh.com");
	ssh_string(m, "");
	ssh_string(m, "");
	pre_u8(m, 0);
	pre_u32(m, 0);
	ssh_packet_end(m, r, at);
}

static void ssh_newkeys(struct gen_msg *m, struct gen_rng *r)
{
	ssh_packet_end(m, r, ssh_packet_begin(m, SSH_NEWKEYS));
}

/* Wire size of an encrypted chacha20-poly1305 packet with `payload` bytes. */
static uint32_t ssh_enc_len(uint32_t payload)
{
	uint32_t body = 1 + payload, pad = 8 - body % 8;

	if (pad < 4)
		pad += 8;
	return 4 + body + pad + 16;
}

/* --- scripts -------------------------------------------------------------- */

void gen_app_init(struct gen_app *a, struct gen_rng *r, enum gen_svc svc, int human,
		  const struct gen_host *cli, const struct gen_host *srv)
{
	double u = gen_rng_u01(r);

	memset(a, 0, sizeof(*a));
	a->cli = cli;
	a->srv = srv;
	a->svc = (uint8_t)svc;
	a->human = (uint8_t)human;
	switch (svc) {
	case GEN_SVC_HTTPS:
		a->left = human ? gen_rng_geom(r, 1.6, 30) : 1;
		if (!human) { /* API poll: close at once, sometimes with a RST */
			a->close_rst = u < 0.2;
			a->close_idle_ns = gen_rng_range(r, 100, 20000) * US;
		} else if (u < 0.55) {
			a->close_idle_ns = ns_of(gen_rng_exp(r, 2.0));
		} else if (u < 0.85) { /* server keep-alive timeout */
			a->closer_srv = 1;
			a->close_idle_ns = gen_rng_range(r, 5, 65) * SEC;
		} else if (u < 0.97) {
			a->close_rst = 1;
			a->close_idle_ns = ns_of(gen_rng_exp(r, 1.0));
		} else {
			a->closer_srv = a->close_rst = 1;
			a->close_idle_ns = gen_rng_range(r, 5, 65) * SEC;
		}
		break;
	case GEN_SVC_VIDEO:
		a->left = gen_rng_geom(r, 4, 40);
		a->close_rst = u < 0.15;
		a->close_idle_ns = ns_of(gen_rng_exp(r, 1.0));
		break;
	case GEN_SVC_HTTP:
		a->left = gen_rng_geom(r, 1.6, 20);
		if (u < 0.45) {
			a->close_idle_ns = ns_of(gen_rng_exp(r, 2.0));
		} else if (u < 0.95) {
			a->closer_srv = 1;
			a->close_idle_ns = gen_rng_range(r, 5, 20) * SEC;
		} else {
			a->close_rst = 1;
			a->close_idle_ns = ns_of(gen_rng_exp(r, 1.0));
		}
		break;
	case GEN_SVC_SMTP: /* the server hangs up right after its 221 */
		a->left = gen_rng_geom(r, 1.3, 5);
		a->closer_srv = 1;
		a->close_idle_ns = gen_rng_range(r, 20, 200) * US;
		break;
	case GEN_SVC_SSH:
		a->left = gen_rng_geom(r, 12, 400);
		a->closer_srv = u < 0.7;
		a->close_idle_ns = gen_rng_range(r, 500, 5000) * US;
		break;
	default:
		break;
	}
}

/* Server-side processing time before a response. */
static uint64_t proc_ns(struct gen_app *a, struct gen_rng *r, double median_ms)
{
	double ms = gen_rng_lognormal(r, a->srv->internal ? median_ms / 4 : median_ms, 1.0,
				      0.05, 800);
	return ns_of(ms / 1000);
}

/* Human pause between requests: mostly page sub-resources, sometimes reading. */
static uint64_t think_ns(struct gen_rng *r)
{
	return gen_rng_chance(r, 0.7) ? ns_of(gen_rng_exp(r, 0.15)) : ns_of(gen_rng_exp(r, 6.0));
}

static int script_tls(struct gen_app *a, struct gen_env *e, struct gen_msg *m, uint64_t *delay)
{
	struct gen_rng *r = &e->rng;
	int video = a->svc == GEN_SVC_VIDEO;
	unsigned step = a->step++;

	if (step >= 2 && step % 2 == 0 && a->left == 0)
		return 0;
	msg_begin(m, r, step % 2, GEN_MSG_TLS);
	switch (step) {
	case 0:
		tls_client_hello(m, r, a->srv->name);
		m->len = m->pre_len;
		*delay = gen_rng_range(r, 30, 200) * US;
		return 1;
	case 1: /* ServerHello, CCS, then EncryptedExtensions..Finished as ciphertext:
		 * with the certificate chain, or short when the session is resumed */
		tls_server_hello(m, r);
		msg_tls_end(m, gen_rng_chance(r, 0.6) ? gen_rng_range(r, 90, 300)
				: (uint32_t)gen_rng_lognormal(r, 3200, 0.35, 1200, 9000));
		*delay = proc_ns(a, r, 2);
		return 1;
	}
	uint32_t size;
	if (step % 2 == 0) { /* request; the first one rides with the client Finished */
		if (step == 2) {
			pre_bytes(m, "\x14\x03\x03\x00\x01\x01", 6);
			m->first_rec = 5 + 53;
			*delay = gen_rng_range(r, 100, 1000) * US;
		} else {
			*delay = video ? gen_rng_range(r, 1500, 4500) * MS : think_ns(r);
		}
		size = video ? gen_rng_range(r, 350, 600)
			     : (uint32_t)gen_rng_lognormal(r, a->human ? 450 : 300, 0.5, 60, 1400);
		msg_tls_end(m, m->first_rec + 5 + size + 17);
		return 1;
	}
	if (step == 3)
		m->first_rec = 5 + (uint16_t)gen_rng_range(r, 180, 480); /* NewSessionTickets */
	if (video)
		size = (uint32_t)gen_rng_lognormal(r, 700e3, 0.5, 150e3, 4e6);
	else if (a->human)
		size = (uint32_t)gen_rng_lognormal(r, 1500, 1.3, 100, 4e6);
	else
		size = (uint32_t)gen_rng_lognormal(r, 700, 0.8, 60, 30000);
	/* records of up to 16 KiB: roughly one header and tag per 16 KiB */
	msg_tls_end(m, m->first_rec + size + (size / 16384 + 1) * 22);
	*delay = proc_ns(a, r, video ? 3 : 8);
	a->left--;
	return 1;
}

static const char *const paths[] = { "/", "/index.html", "/static/app.js", "/static/site.css",
				     "/img/logo.png", "/api/v1/items", "/feed.xml", "/favicon.ico",
				     "/download/pkg.tar.gz", "/news/today" };

static int script_http(struct gen_app *a, struct gen_env *e, struct gen_msg *m, uint64_t *delay)
{
	struct gen_rng *r = &e->rng;
	unsigned step = a->step++;

	if (step % 2 == 0) {
		if (a->left == 0)
			return 0;
		const char *path = paths[gen_rng_below(r, 10)]; /* one draw per statement */
		unsigned v = gen_rng_below(r, 100000);
		msg_begin(m, r, 0, GEN_MSG_RAW);
		pre_printf(m,
			   "GET %s?v=%u HTTP/1.1\r\nHost: %s\r\n"
			   "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0\r\n"
			   "Accept: */*\r\nAccept-Language: en-US,en;q=0.5\r\n"
			   "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n",
			   path, v, a->srv->name);
		if (gen_rng_chance(r, 0.5)) { /* cookies make request sizes vary */
			unsigned n = gen_rng_range(r, 16, 600);
			pre_printf(m, "Cookie: sid=");
			for (unsigned i = 0; i < n; i++)
				pre_u8(m, b64[gen_rng_below(r, 62)]);
			pre_printf(m, "\r\n");
		}
		pre_printf(m, "\r\n");
		m->len = m->pre_len;
		*delay = step == 0 ? gen_rng_range(r, 30, 200) * US : think_ns(r);
		return 1;
	}
	msg_begin(m, r, 1, GEN_MSG_RAW);
	a->left--;
	*delay = proc_ns(a, r, 10);
	if (gen_rng_chance(r, 0.2)) {
		pre_printf(m, "HTTP/1.1 304 Not Modified\r\nServer: nginx\r\nETag: \"%08x\"\r\n"
			      "Connection: keep-alive\r\n\r\n", gen_rng_below(r, 0xffffffffu));
		m->len = m->pre_len;
		return 1;
	}
	uint32_t body = (uint32_t)gen_rng_lognormal(r, 2500, 1.5, 0, 2e6);
	pre_printf(m, "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/octet-stream\r\n"
		      "Content-Length: %u\r\nConnection: keep-alive\r\n\r\n", body);
	m->len = m->pre_len + body;
	return 1;
}

static int script_smtp(struct gen_app *a, struct gen_env *e, uint64_t now_ns, struct gen_msg *m,
		       uint64_t *delay)
{
	struct gen_rng *r = &e->rng;
	unsigned step = a->step++;
	unsigned user = (unsigned)(a->cli - e->model.clients);

	if (step > 12)
		return 0;
	msg_begin(m, r, step % 2 == 0, GEN_MSG_RAW);
	*delay = step % 2 == 0 ? proc_ns(a, r, 4) : gen_rng_range(r, 50, 400) * US;
	switch (step) {
	case 0:
		*delay = gen_rng_range(r, 2, 30) * MS; /* greeting after DNS/RBL checks */
		pre_printf(m, "220 %s ESMTP Postfix\r\n", a->srv->name);
		break;
	case 1:
		pre_printf(m, "EHLO pc%u.corp.example.com\r\n", user);
		break;
	case 2:
		pre_printf(m, "250-%s\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-ENHANCEDSTATUSCODES\r\n"
			      "250-8BITMIME\r\n250 SMTPUTF8\r\n", a->srv->name);
		break;
	case 3:
		pre_printf(m, "MAIL FROM:<user%u@corp.example.com>\r\n", user);
		break;
	case 4:
		pre_printf(m, "250 2.1.0 Ok\r\n");
		break;
	case 5: {
		const char *box = gen_rng_chance(r, 0.5) ? "info" : "team";
		unsigned n = gen_rng_below(r, 1000);
		const char *tld = gen_rng_chance(r, 0.5) ? "org" : "net";
		pre_printf(m, "RCPT TO:<%s%u@example.%s>\r\n", box, n, tld);
		break;
	}
	case 6:
		a->left--;
		if (a->left > 0)
			a->step = 5;
		pre_printf(m, "250 2.1.5 Ok\r\n"); /* then another RCPT while any left */
		break;
	case 7:
		pre_printf(m, "DATA\r\n");
		break;
	case 8:
		pre_printf(m, "354 End data with <CR><LF>.<CR><LF>\r\n");
		break;
	case 9: {
		char date[64];
		time_t s = (time_t)(now_ns / SEC);
		struct tm tm;
		gmtime_r(&s, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
		unsigned subj = gen_rng_below(r, 10000), id = gen_rng_below(r, 0xffffffffu);
		m->type = GEN_MSG_TEXT;
		pre_printf(m, "From: user%u@corp.example.com\r\nTo: team@example.org\r\n"
			      "Subject: report %u\r\nDate: %s\r\nMessage-ID: <%08x@corp.example.com>\r\n"
			      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n",
			   user, subj, date, id);
		m->len = m->pre_len + (uint32_t)gen_rng_lognormal(r, 8000, 1.2, 200, 10e6) + 5;
		*delay = gen_rng_range(r, 200, 2000) * US;
		return 1;
	}
	case 10:
		pre_printf(m, "250 2.0.0 Ok: queued as %08X\r\n", gen_rng_below(r, 0xffffffffu));
		break;
	case 11:
		pre_printf(m, "QUIT\r\n");
		break;
	case 12:
		pre_printf(m, "221 2.0.0 Bye\r\n");
		break;
	}
	m->len = m->pre_len;
	return 1;
}

static int script_ssh(struct gen_app *a, struct gen_env *e, struct gen_msg *m, uint64_t *delay)
{
	/* Payload sizes after NEWKEYS, alternating client/server: service
	 * request/accept, key probe/pk_ok, signed auth/success, channel
	 * open/confirm, pty+shell/motd. */
	static const uint16_t setup[] = { 28, 120, 380, 360, 430, 40, 36, 40, 340, 900 };
	struct gen_rng *r = &e->rng;
	unsigned step = a->step++;
	int windows = a->cli->a4.ttl == 128;

	if (step < 6) {
		int srv = step == 0 || step == 3 || step == 5;
		msg_begin(m, r, srv, GEN_MSG_RAW);
		*delay = srv ? proc_ns(a, r, 1) : gen_rng_range(r, 30, 300) * US;
		switch (step) {
		case 0:
			*delay = gen_rng_range(r, 2, 15) * MS; /* sshd forks a child first */
			pre_printf(m, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
			break;
		case 1:
			pre_printf(m, windows ? "SSH-2.0-PuTTY_Release_0.80\r\n"
					      : "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n");
			break;
		case 2:
		case 3:
			ssh_kexinit(m, r, srv);
			break;
		case 4: {
			unsigned at = ssh_packet_begin(m, SSH_ECDH_INIT);
			pre_u32(m, 32);
			pre_rand(m, r, 32);
			ssh_packet_end(m, r, at);
			break;
		}
		case 5: {
			unsigned at = ssh_packet_begin(m, SSH_ECDH_REPLY);
			pre_u32(m, 51); /* host key blob */
			ssh_string(m, "ssh-ed25519");
			pre_u32(m, 32);
			pre_rand(m, r, 32);
			pre_u32(m, 32); /* server ephemeral key */
			pre_rand(m, r, 32);
			/* signature blob; Wireshark 4.0 does not parse ed25519 signatures
			 * and warns "Decoded 19 bytes" on every real one, as on this */
			pre_u32(m, 83);
			ssh_string(m, "ssh-ed25519");
			pre_u32(m, 64);
			pre_rand(m, r, 64);
			ssh_packet_end(m, r, at);
			ssh_newkeys(m, r);
			*delay = proc_ns(a, r, 2);
			break;
		}
		}
		m->len = m->pre_len;
		return 1;
	}
	if (step == 6) { /* client NEWKEYS, then its first encrypted packet */
		msg_begin(m, r, 0, GEN_MSG_RAW);
		ssh_newkeys(m, r);
		m->len = m->pre_len + ssh_enc_len(setup[0]);
		*delay = gen_rng_range(r, 200, 2000) * US;
		return 1;
	}
	if (step < 6 + sizeof(setup) / sizeof(setup[0])) {
		int srv = step % 2;
		msg_begin(m, r, srv, GEN_MSG_RAW);
		m->len = ssh_enc_len(setup[step - 6]);
		*delay = srv ? proc_ns(a, r, 2) : gen_rng_range(r, 100, 3000) * US;
		return 1;
	}
	/* interactive: a keystroke goes out, its echo comes back; the last key
	 * of a command is Enter and brings the command's output */
	int srv = step % 2;
	msg_begin(m, r, srv, GEN_MSG_RAW);
	if (!srv) {
		if (a->keys == 0) {
			if (a->left == 0)
				return 0;
			a->left--;
			a->keys = gen_rng_range(r, 2, 24);
			*delay = ns_of(gen_rng_lognormal(r, 4.0, 1.2, 0.5, 300)); /* reading, thinking */
		} else {
			*delay = ns_of(gen_rng_lognormal(r, 0.15, 0.5, 0.04, 2)); /* typing */
		}
		a->keys--;
		m->len = ssh_enc_len(10); /* CHANNEL_DATA with one byte: the classic 36 */
		return 1;
	}
	if (a->keys == 0) {
		uint32_t out = (uint32_t)gen_rng_lognormal(r, 400, 1.5, 20, 300000);
		m->len = out + (out / 16384 + 1) * ssh_enc_len(9);
		/* Wireshark 4.0 dissects each segment after NEWKEYS as one encrypted
		 * packet and throws on fewer than 20 bytes (length + MAC): keep the
		 * tail segment above that for both MSS values */
		while ((m->len % 1460 && m->len % 1460 < 20) || (m->len % 1440 && m->len % 1440 < 20))
			m->len += 20;
		*delay = proc_ns(a, r, 4);
	} else {
		m->len = ssh_enc_len(10);
		*delay = gen_rng_range(r, 60, 400) * US;
	}
	return 1;
}

int gen_app_next(struct gen_app *a, struct gen_env *e, uint64_t now_ns, struct gen_msg *m,
		 uint64_t *delay_ns)
{
	switch (a->svc) {
	case GEN_SVC_HTTPS:
	case GEN_SVC_VIDEO:
		return script_tls(a, e, m, delay_ns);
	case GEN_SVC_HTTP:
		return script_http(a, e, m, delay_ns);
	case GEN_SVC_SMTP:
		return script_smtp(a, e, now_ns, m, delay_ns);
	case GEN_SVC_SSH:
		return script_ssh(a, e, m, delay_ns);
	default:
		return 0;
	}
}

/* --- datagrams ------------------------------------------------------------ */

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

unsigned gen_app_dns(uint8_t *p, struct gen_rng *r, uint16_t id, const char *name,
		     uint16_t qtype, int response, int nx, const struct gen_host *answer,
		     unsigned extra)
{
	unsigned n = 12, an = response && !nx ? 1 + extra : 0;

	put16(p, id);
	put16(p + 2, !response ? 0x0100 : nx ? 0x8183 : 0x8180); /* RD; QR RD RA (NXDOMAIN) */
	put16(p + 4, 1);
	put16(p + 6, an);
	put16(p + 8, 0);
	put16(p + 10, 1); /* EDNS OPT, as current client resolvers send */
	for (const char *s = name; *s;) {
		const char *dot = strchr(s, '.');
		unsigned l = dot ? (unsigned)(dot - s) : (unsigned)strlen(s);
		p[n++] = (uint8_t)l;
		memcpy(p + n, s, l);
		n += l;
		s += l + (dot != NULL);
	}
	p[n++] = 0;
	put16(p + n, qtype);
	put16(p + n + 2, 1);
	n += 4;
	uint32_t ttl = gen_rng_range(r, 30, 3600);
	for (unsigned i = 0; i < an; i++) {
		const struct gen_addr *a = gen_model_addr(answer, qtype == 28);
		unsigned alen = qtype == 28 ? 16 : 4;
		put16(p + n, 0xc00c); /* pointer to the question name */
		put16(p + n + 2, qtype);
		put16(p + n + 4, 1);
		put32(p + n + 6, ttl);
		put16(p + n + 10, alen);
		memcpy(p + n + 12, a->ip, alen);
		if (i > 0) /* more hosts of the same prefix, CDN style */
			p[n + 12 + alen - 1] = (uint8_t)gen_rng_range(r, 2, 254);
		n += 12 + alen;
	}
	static const uint8_t opt[11] = { 0, 0x00, 0x29, 0x04, 0xd0, 0, 0, 0, 0, 0, 0 }; /* 1232 B */
	memcpy(p + n, opt, sizeof(opt));
	return n + sizeof(opt);
}

static void put_ntp_ts(uint8_t *p, uint64_t ns)
{
	put32(p, (uint32_t)(ns / SEC + 2208988800ULL)); /* NTP era 0 starts in 1900 */
	put32(p + 4, (uint32_t)((ns % SEC << 32) / SEC));
}

unsigned gen_app_ntp(uint8_t *p, int reply, uint64_t xmit_ns, uint64_t orig_ns)
{
	memset(p, 0, 48);
	p[0] = reply ? 0x24 : 0x23; /* LI 0, VN 4, mode server / client */
	p[2] = 6;                   /* poll 64 s */
	if (reply) {
		p[1] = 2;    /* stratum */
		p[3] = 0xe9; /* precision 2^-23 s */
		put32(p + 4, 0x00000240);  /* root delay ~9 ms */
		put32(p + 8, 0x00000380);  /* root dispersion ~14 ms */
		put32(p + 12, 0xcb007101); /* reference: 203.0.113.1 */
		put_ntp_ts(p + 16, xmit_ns - 300 * SEC);
		put_ntp_ts(p + 24, orig_ns);
		put_ntp_ts(p + 32, xmit_ns - 20 * US);
	} else {
		p[3] = 0xec; /* precision 2^-20 s */
	}
	put_ntp_ts(p + 40, xmit_ns);
	return 48;
}

unsigned gen_app_ping(uint8_t *p, int windows, uint64_t sent_ns)
{
	if (windows) {
		memcpy(p, "abcdefghijklmnopqrstuvwabcdefghi", 32);
		return 32;
	}
	uint64_t tv[2] = { sent_ns / SEC, sent_ns % SEC / US }; /* struct timeval, host order */
	memcpy(p, tv, 16);
	for (unsigned i = 16; i < 56; i++)
		p[i] = (uint8_t)i;
	return 56;
}
