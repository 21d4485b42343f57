/* libFuzzer target for sa_wire's unpack-and-validate functions.
 *
 * Input: 1 selector byte (modulo 4: 0 NodeMessage, 1 Query, 2 Response,
 * 3 Ack), then the message bytes, copied to a block of exactly their size
 * so ASan sees any read past the end. A refusal must set a reason and an
 * error code. An accepted message is a promise to the caller, so it must
 * survive a round trip: packed again (to exactly get_packed_size bytes),
 * it must unpack and validate once more, and pack to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sa_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef ProtobufCMessage *(*unpack_fn)(const uint8_t *buf, size_t len, const char **why, int *code);

static ProtobufCMessage *node(const uint8_t *b, size_t n, const char **why, int *code)
{
	Sa__NodeMessage *m = sa_wire_node_unpack(NULL, b, n, why, code);
	return m ? &m->base : NULL;
}

static ProtobufCMessage *query(const uint8_t *b, size_t n, const char **why, int *code)
{
	Sa__Query *m = sa_wire_query_unpack(b, n, why, code);
	return m ? &m->base : NULL;
}

static ProtobufCMessage *response(const uint8_t *b, size_t n, const char **why, int *code)
{
	Sa__Response *m = sa_wire_response_unpack(b, n, why, code);
	return m ? &m->base : NULL;
}

static ProtobufCMessage *ack(const uint8_t *b, size_t n, const char **why, int *code)
{
	Sa__Ack *m = sa_wire_ack_unpack(b, n, why, code);
	return m ? &m->base : NULL;
}

static const unpack_fn unpackers[] = {node, query, response, ack};
#define N_UNPACKERS (sizeof(unpackers) / sizeof(unpackers[0]))

/* Unpacks; on refusal checks the reason and code and returns NULL. */
static ProtobufCMessage *unpack(unpack_fn fn, const uint8_t *buf, size_t len)
{
	const char *why = NULL;
	int code = SA_OK;
	ProtobufCMessage *m = fn(buf, len, &why, &code);

	if (m == NULL && (why == NULL || code <= SA_OK || code > SA_ERR_INTERNAL))
		__builtin_trap();
	return m;
}

/* Packs into *out (exact-size malloc'd block); returns the length. */
static size_t pack(const ProtobufCMessage *m, uint8_t **out)
{
	size_t want = protobuf_c_message_get_packed_size(m);
	size_t len = sa_wire_pack(m, out);

	if (*out == NULL)
		abort(); /* out of memory: not a finding, but nothing to check */
	if (len != want)
		__builtin_trap();
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ProtobufCMessage *m, *m2;
	uint8_t *copy, *b1, *b2;
	size_t n, l1, l2;
	unpack_fn fn;

	if (size < 1)
		return 0;
	fn = unpackers[data[0] % N_UNPACKERS];
	n = size - 1;
	copy = malloc(n ? n : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, n);
	m = unpack(fn, copy, n);
	free(copy);
	if (m == NULL)
		return 0;

	l1 = pack(m, &b1);
	protobuf_c_message_free_unpacked(m, NULL);
	m2 = unpack(fn, b1, l1);
	if (m2 == NULL)
		__builtin_trap(); /* validated, re-packed, then refused */
	l2 = pack(m2, &b2);
	if (l2 != l1 || memcmp(b1, b2, l1) != 0)
		__builtin_trap(); /* packing a decoded message is not stable */
	protobuf_c_message_free_unpacked(m2, NULL);
	free(b1);
	free(b2);
	return 0;
}
