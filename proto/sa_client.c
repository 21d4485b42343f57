#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <zmq.h>

#include "sa_client.h"
#include "sa_wire.h"

Sa__Response *sa_client_call(const char *endpoint, Sa__Query *q, int timeout_ms, char *err, size_t errlen)
{
	void *ctx = zmq_ctx_new(), *sock = zmq_socket(ctx, ZMQ_REQ);
	Sa__Response *r = NULL;
	uint8_t *buf = NULL;
	int zero = 0;
	zmq_msg_t reply;

	zmq_msg_init(&reply);
	zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(sock, ZMQ_RCVTIMEO, &timeout_ms, sizeof(timeout_ms));
	zmq_setsockopt(sock, ZMQ_SNDTIMEO, &timeout_ms, sizeof(timeout_ms));
	if (zmq_connect(sock, endpoint) != 0) {
		snprintf(err, errlen, "bad server endpoint '%s': %s", endpoint, zmq_strerror(errno));
		goto out;
	}
	q->has_schema_version = 1;
	q->schema_version = SA_SCHEMA_VERSION;
	size_t len = sa_wire_pack(&q->base, &buf);
	if (len == 0 || zmq_send(sock, buf, len, 0) < 0 || zmq_msg_recv(&reply, sock, 0) < 0) {
		snprintf(err, errlen, "no answer from the aggregator at %s within %d s (is sa-aggregator running?)",
			 endpoint, timeout_ms / 1000);
		goto out;
	}
	const char *why;
	int code;
	r = sa_wire_response_unpack(zmq_msg_data(&reply), zmq_msg_size(&reply), &why, &code);
	if (r == NULL)
		snprintf(err, errlen, "bad answer from %s: %s", endpoint, why);
out:
	free(buf);
	zmq_msg_close(&reply);
	zmq_close(sock);
	zmq_ctx_term(ctx);
	return r;
}
