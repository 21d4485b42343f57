/* Application layer for sa-gen: what each service says, in which order,
 * with which sizes and delays, and the bytes on the wire.
 *
 * Payloads are shaped so Wireshark dissects them cleanly: real DNS and NTP
 * messages, HTTP/1.1 and SMTP text, TLS 1.3 records (a real ClientHello and
 * ServerHello, then application data records of random bytes), an SSH
 * version exchange and key exchange followed by encrypted-looking packets.
 * Bulk bytes are copied from a seeded random block, so nothing here costs
 * more than a memcpy per byte. */
#ifndef GEN_APP_H
#define GEN_APP_H

#include <stdint.h>

#include "gen_model.h"

#define GEN_NOISE_LEN 65536
#define GEN_TEXT_LEN (78 * 840) /* 840 lines of 76 characters + CRLF */
#define GEN_MSG_PRE 1024

/* Everything flows share: the random stream, the model and payload filler. */
struct gen_env {
	struct gen_rng rng;
	struct gen_model model;
	uint64_t anomaly_packets;     /* packets emitted by anomaly flows */
	uint8_t noise[GEN_NOISE_LEN]; /* stands in for ciphertext and binary bodies */
	char text[GEN_TEXT_LEN];      /* stands in for mail bodies */
};

enum gen_msg_type {
	GEN_MSG_RAW,  /* pre[], then noise */
	GEN_MSG_TLS,  /* pre[], then TLS application data records */
	GEN_MSG_TEXT, /* pre[], then text lines, then the SMTP end "\r\n.\r\n" */
};

/* One application write: all its bytes go one way. */
struct gen_msg {
	uint32_t len;       /* total bytes */
	uint32_t off;       /* bytes already sent (kept by the TCP engine) */
	uint32_t salt;      /* where in the filler this message starts */
	uint16_t pre_len;   /* literal bytes at the start */
	uint16_t first_rec; /* GEN_MSG_TLS: size of a short first record, or 0 */
	uint8_t type;       /* enum gen_msg_type */
	uint8_t srv;        /* 1: sent by the server */
	uint8_t pre[GEN_MSG_PRE];
};

/* Script state of one TCP conversation. */
struct gen_app {
	const struct gen_host *cli, *srv;
	uint8_t svc, human;
	uint8_t closer_srv; /* who closes: 1 server */
	uint8_t close_rst;  /* 1: with a RST instead of FIN */
	uint16_t step;      /* position in the service's dialogue */
	uint32_t left;      /* exchanges (or commands) still to come */
	uint32_t keys;      /* SSH: keystrokes left in the current command */
	uint64_t close_idle_ns;
};

/* Seeds the stream, fills the filler blocks and builds the model. */
void gen_app_env_init(struct gen_env *e, uint64_t seed, uint64_t start_ns, unsigned days,
		      double flows_per_day);

/* Chooses the conversation's length and how it ends. */
void gen_app_init(struct gen_app *a, struct gen_rng *r, enum gen_svc svc, int human,
		  const struct gen_host *cli, const struct gen_host *srv);

/* Fills *m with the next message and *delay_ns with the sender's think or
 * processing time after the previous message was seen (the engine adds the
 * RTT when the server answers the client). `now_ns` is when the previous
 * message ended. Returns 1, or 0 when the dialogue is over. */
int gen_app_next(struct gen_app *a, struct gen_env *e, uint64_t now_ns, struct gen_msg *m,
		 uint64_t *delay_ns);

/* Copies bytes [off, off + n) of message m to dst. */
void gen_app_fill(const struct gen_msg *m, const struct gen_env *e, uint32_t off,
		  uint8_t *dst, uint32_t n);

/* DNS query or its response for `name` (type A or AAAA by qtype), answering
 * with `answer`'s address plus `extra` more from the same prefix; nx:
 * NXDOMAIN. Returns the message length (< 512). */
unsigned gen_app_dns(uint8_t *p, struct gen_rng *r, uint16_t id, const char *name,
		     uint16_t qtype, int response, int nx, const struct gen_host *answer,
		     unsigned extra);

/* NTPv4 client request (origin 0) or server reply; times in ns since 1970. */
unsigned gen_app_ntp(uint8_t *p, int reply, uint64_t xmit_ns, uint64_t orig_ns);

/* Echo payload as Linux ping (timestamp + 0x10..0x37) or Windows ("abc..."). */
unsigned gen_app_ping(uint8_t *p, int windows, uint64_t sent_ns);

#endif
