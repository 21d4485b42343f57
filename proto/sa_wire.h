/* The only code that packs and unpacks sa.proto messages.
 *
 * Every unpack treats the bytes as hostile: a size limit before decoding,
 * then the schema version and every field that later code indexes or sizes
 * by (address lengths, counter and histogram lengths, sketch sizes) is
 * checked, so callers may trust what a successful unpack returns.
 *
 * Sockets and frames:
 *   ingest  DEALER -> ROUTER : [NodeMessage]            reply [Ack]
 *   query   REQ/DEALER -> ROUTER : [Query]              reply [Response]
 *   publish PUB -> SUB : ["alert"][Alert] or ["model"][Model] (receivers
 *           unpack with the generated code and judge models with
 *           sa_model_decode)
 */
#ifndef SA_WIRE_H
#define SA_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "sa.pb-c.h"

#define SA_SCHEMA_VERSION 1
#define SA_WIRE_MAX_MSG (64u << 20) /* largest message any socket accepts */
#define SA_WIRE_FIRST_MAX 16        /* first packets per flow record */
/* Query.dimension and a bit of Query.dims beyond TopDim: the classifier's
 * classes (Q_TRACKED, Q_SERIES with class_name). */
#define SA_DIM_CLASS 4
#define SA_WIRE_TEXT_MAX 255        /* a flow's label, class or Zeek field */

/* A flow's first and last packet time over both directions (those with
 * times: a Zeek record may have times but no packets). Returns the first,
 * 0 with *last_ns 0 when neither direction has times. */
uint64_t sa_flow_span(const Sa__FlowRecord *f, uint64_t *last_ns);

/* Response.code values. */
enum sa_err {
	SA_OK = 0,
	SA_ERR_DECODE = 1,    /* not a valid protobuf message */
	SA_ERR_VERSION = 2,   /* schema version we do not speak */
	SA_ERR_INVALID = 3,   /* well-formed but a field is out of bounds */
	SA_ERR_NOT_FOUND = 4, /* nothing stored that answers it */
	SA_ERR_LIMIT = 5,     /* range, step or limit too large */
	SA_ERR_INTERNAL = 6,  /* the store failed */
};

/* Packs any message into a malloc'd buffer; returns its length and sets
 * *out, or returns 0 on allocation failure. The caller frees *out. */
size_t sa_wire_pack(const ProtobufCMessage *msg, uint8_t **out);

/* Unpack and validate. On failure return NULL and set *why to a static
 * reason and *code to an enum sa_err. Free results with the matching
 * sa__*__free_unpacked(msg, NULL), or for a NodeMessage with the allocator
 * it was unpacked with (NULL: malloc; an arena allocator makes the many
 * submessages of a batch one bump each, and freeing a no-op). */
Sa__NodeMessage *sa_wire_node_unpack(ProtobufCAllocator *alloc, const uint8_t *buf, size_t len,
				     const char **why, int *code);
Sa__Ack *sa_wire_ack_unpack(const uint8_t *buf, size_t len, const char **why, int *code);
Sa__Query *sa_wire_query_unpack(const uint8_t *buf, size_t len, const char **why, int *code);
Sa__Response *sa_wire_response_unpack(const uint8_t *buf, size_t len, const char **why, int *code);

struct sa_arena;
/* An allocator that takes memory from the arena and never frees it: pass
 * it to sa__*__unpack so a decoded message dies with the arena. */
ProtobufCAllocator sa_wire_arena_allocator(struct sa_arena *a);

#endif
