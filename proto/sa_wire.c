#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sa_arena.h"
#include "sa_counter.h"
#include "sa_hist.h"
#include "sa_model_wire.h"
#include "sa_wire.h"

#define MAX_COUNTERS 256     /* room for counters added by newer nodes */
#define MAX_SKETCH 65536

size_t sa_wire_pack(const ProtobufCMessage *msg, uint8_t **out)
{
	size_t len = protobuf_c_message_get_packed_size(msg);

	*out = malloc(len ? len : 1);
	if (*out == NULL)
		return 0;
	return protobuf_c_message_pack(msg, *out);
}

static void *arena_alloc(void *data, size_t size)
{
	return sa_arena_alloc(data, size);
}

static void arena_free(void *data, void *p)
{
	(void)data;
	(void)p;
}

ProtobufCAllocator sa_wire_arena_allocator(struct sa_arena *a)
{
	return (ProtobufCAllocator){.alloc = arena_alloc, .free = arena_free, .allocator_data = a};
}

/* Field number 0 is not valid protobuf, but protobuf-c keeps it as an
 * unknown field when its tag is written in two bytes, and then packs it in
 * a form it refuses to read back. Refuse such messages at the door, at any
 * depth, so nothing stored is unreadable later. own_tags_valid checks one
 * message; tags_valid walks the tree under it. A batch is checked message
 * by message as batch_ok walks it anyway: a separate walk over its
 * thousands of messages was 7.7 % of the aggregator's samples while it
 * stored a capture file (bench/RESULTS.md). */
static int own_tags_valid(const ProtobufCMessage *m)
{
	for (unsigned i = 0; i < m->n_unknown_fields; i++)
		if (m->unknown_fields[i].tag == 0)
			return 0;
	return 1;
}

static int tags_valid(const ProtobufCMessage *m, unsigned depth)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	if (depth > 16 || !own_tags_valid(m))
		return 0;
	for (unsigned f = 0; f < d->n_fields; f++) {
		const ProtobufCFieldDescriptor *fd = &d->fields[f];
		const char *base = (const char *)m + fd->offset;
		if (fd->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)((const char *)m + fd->quantifier_offset);
			ProtobufCMessage *const *arr = *(ProtobufCMessage *const **)base;
			for (size_t j = 0; j < n; j++)
				if (!tags_valid(arr[j], depth + 1))
					return 0;
		} else {
			const ProtobufCMessage *sub = *(ProtobufCMessage *const *)base;
			if (sub != NULL && !tags_valid(sub, depth + 1))
				return 0;
		}
	}
	return 1;
}

#define FAIL(c, w)              \
	do {                    \
		*code = (c);    \
		*why = (w);     \
		return 0;       \
	} while (0)

static int addr_ok(ProtobufCBinaryData a, uint32_t ipver)
{
	return (ipver == 4 && a.len == 4) || (ipver == 6 && a.len == 16);
}

static int dir_ok(const Sa__DirStats *d)
{
	return d == NULL || (isfinite(d->size_mean) && isfinite(d->size_var) && isfinite(d->iat_mean_ns) &&
			     isfinite(d->iat_var_ns2) && (d->n_tcp_flag_counts == 0 || d->n_tcp_flag_counts == 6));
}

#define TAGS_OK(m)                                               \
	do {                                                     \
		if (!own_tags_valid(&(m)->base))                 \
			FAIL(SA_ERR_DECODE, "not a NodeMessage"); \
	} while (0)

static int flow_ok(const Sa__FlowRecord *f, const char **why, int *code)
{
	TAGS_OK(f);
	if (f->a_to_b != NULL)
		TAGS_OK(f->a_to_b);
	if (f->b_to_a != NULL)
		TAGS_OK(f->b_to_a);
	if (!addr_ok(f->addr_a, f->ip_version) || !addr_ok(f->addr_b, f->ip_version))
		FAIL(SA_ERR_INVALID, "flow address length does not match its IP version");
	if (f->port_a > 65535 || f->port_b > 65535 || f->proto > 255 || f->vlan > 4095)
		FAIL(SA_ERR_INVALID, "flow port, protocol or VLAN out of range");
	if (f->end_reason > SA__END_REASON__END_FLUSH)
		FAIL(SA_ERR_INVALID, "flow end reason unknown");
	if (!dir_ok(f->a_to_b) || !dir_ok(f->b_to_a))
		FAIL(SA_ERR_INVALID, "flow statistics not finite, or TCP flag counts not 6");
	if (f->n_first_sizes > SA_WIRE_FIRST_MAX || f->n_first_gaps_ns != f->n_first_sizes)
		FAIL(SA_ERR_INVALID, "flow first packets: too many, or sizes and gaps differ in number");
	if (f->tunnel_type > SA__TUNNEL_TYPE__TUNNEL_GENEVE ||
	    (f->has_tunnel_src && f->tunnel_src.len != 4 && f->tunnel_src.len != 16) ||
	    (f->has_tunnel_dst && f->tunnel_dst.len != f->tunnel_src.len))
		FAIL(SA_ERR_INVALID, "flow tunnel type or endpoint length out of range");
	const char *text[] = {f->label,      f->label_detail, f->class_name, f->uid,
			      f->conn_state, f->history,      f->service,    f->app};
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		if (text[i] && strnlen(text[i], SA_WIRE_TEXT_MAX + 1) > SA_WIRE_TEXT_MAX)
			FAIL(SA_ERR_INVALID, "flow label, class or Zeek field longer than 255 bytes");
	if (f->has_class_prob && !(f->class_prob >= 0 && f->class_prob <= 1))
		FAIL(SA_ERR_INVALID, "flow class probability not in [0, 1]");
	return 1;
}

static int sketch_ok(const Sa__TopSketch *s, const char **why, int *code)
{
	TAGS_OK(s);
	if (s->dimension > SA__TOP_DIM__TOP_DST_PORT || s->capacity > MAX_SKETCH ||
	    s->n_entries > s->capacity)
		FAIL(SA_ERR_INVALID, "sketch dimension or size out of range");
	for (size_t i = 0; i < s->n_entries; i++) {
		TAGS_OK(s->entries[i]);
		size_t kl = s->entries[i]->key.len;
		if (kl != 2 && kl != 4 && kl != 16)
			FAIL(SA_ERR_INVALID, "sketch key length not 2, 4 or 16");
	}
	return 1;
}

static int interval_ok(const Sa__IntervalStats *iv, const char **why, int *code)
{
	TAGS_OK(iv);
	/* start_ns 0 is a real time: captures from 1970 exist. */
	if (iv->length_s == 0 || iv->length_s > 3600)
		FAIL(SA_ERR_INVALID, "interval length out of range");
	if (iv->n_counters > MAX_COUNTERS || iv->n_size_hist > SA_SIZE_BUCKETS ||
	    iv->n_iat_hist > SA_TIME_BUCKETS || iv->n_rtt_hist > SA_TIME_BUCKETS)
		FAIL(SA_ERR_INVALID, "interval counter or histogram too long");
	if (iv->n_top_bytes > 4 || iv->n_top_packets > 4)
		FAIL(SA_ERR_INVALID, "too many sketches in an interval");
	for (size_t i = 0; i < iv->n_top_bytes; i++)
		if (!sketch_ok(iv->top_bytes[i], why, code))
			return 0;
	for (size_t i = 0; i < iv->n_top_packets; i++)
		if (!sketch_ok(iv->top_packets[i], why, code))
			return 0;
	if (iv->first_ns > iv->last_ns)
		FAIL(SA_ERR_INVALID, "interval first packet after its last");
	return 1;
}

static int batch_ok(const Sa__ExportBatch *b, const char **why, int *code)
{
	TAGS_OK(b);
	if (b->status != NULL)
		TAGS_OK(b->status); /* a Heartbeat: no messages inside */
	if (b->schema_version != SA_SCHEMA_VERSION)
		FAIL(SA_ERR_VERSION, "batch schema version not supported");
	if (b->node_id == 0 || b->seq == 0)
		FAIL(SA_ERR_INVALID, "batch without node id or sequence number");
	for (size_t i = 0; i < b->n_flows; i++)
		if (!flow_ok(b->flows[i], why, code))
			return 0;
	for (size_t i = 0; i < b->n_intervals; i++)
		if (!interval_ok(b->intervals[i], why, code))
			return 0;
	return 1;
}

#define UNPACK_GUARD()                                                  \
	do {                                                            \
		if (len > SA_WIRE_MAX_MSG) {                            \
			*code = SA_ERR_LIMIT;                           \
			*why = "message larger than the wire limit";    \
			return NULL;                                    \
		}                                                       \
	} while (0)

Sa__NodeMessage *sa_wire_node_unpack(ProtobufCAllocator *alloc, const uint8_t *buf, size_t len,
				     const char **why, int *code)
{
	Sa__NodeMessage *m;
	int ok;

	UNPACK_GUARD();
	m = sa__node_message__unpack(alloc, len, buf);
	/* A batch's tags are checked by batch_ok. */
	if (m == NULL || (m->body_case == SA__NODE_MESSAGE__BODY_BATCH ? !own_tags_valid(&m->base)
								    : !tags_valid(&m->base, 0))) {
		if (m != NULL)
			sa__node_message__free_unpacked(m, alloc);
		*code = SA_ERR_DECODE;
		*why = "not a NodeMessage";
		return NULL;
	}
	switch (m->body_case) {
	case SA__NODE_MESSAGE__BODY_BATCH:
		ok = batch_ok(m->batch, why, code);
		break;
	case SA__NODE_MESSAGE__BODY_HELLO:
		ok = m->hello->schema_version == SA_SCHEMA_VERSION && m->hello->node_id != 0;
		if (!ok) {
			*code = SA_ERR_VERSION;
			*why = "hello with unsupported schema version or no node id";
		}
		break;
	case SA__NODE_MESSAGE__BODY_HEARTBEAT:
		ok = m->heartbeat->node_id != 0;
		if (!ok) {
			*code = SA_ERR_INVALID;
			*why = "heartbeat without node id";
		}
		break;
	default:
		ok = 0;
		*code = SA_ERR_DECODE;
		*why = "NodeMessage with no body";
	}
	if (!ok) {
		sa__node_message__free_unpacked(m, alloc);
		return NULL;
	}
	return m;
}

Sa__Ack *sa_wire_ack_unpack(const uint8_t *buf, size_t len, const char **why, int *code)
{
	Sa__Ack *a;

	UNPACK_GUARD();
	a = sa__ack__unpack(NULL, len, buf);
	if (a != NULL && !tags_valid(&a->base, 0)) {
		sa__ack__free_unpacked(a, NULL);
		a = NULL;
	}
	if (a == NULL) {
		*code = SA_ERR_DECODE;
		*why = "not an Ack";
	}
	return a;
}

/* A pushed model must decode (sa_model_wire.c decides). */
static int model_valid(const Sa__Model *m, const char **why)
{
	if (m->classifier)
		return sa_classifier_check(m, why) == 0;
	struct fc_model *fm = malloc(sizeof(*fm));
	int ok = fm && sa_model_decode(m, fm, why) == 0;

	if (fm == NULL)
		*why = "out of memory";
	free(fm);
	return ok;
}

Sa__Query *sa_wire_query_unpack(const uint8_t *buf, size_t len, const char **why, int *code)
{
	Sa__Query *q;

	UNPACK_GUARD();
	q = sa__query__unpack(NULL, len, buf);
	if (q == NULL) {
		*code = SA_ERR_DECODE;
		*why = "not a Query";
		return NULL;
	}
	if (!tags_valid(&q->base, 0)) {
		*code = SA_ERR_DECODE;
		*why = "query holds an invalid field number";
	} else if (q->schema_version != SA_SCHEMA_VERSION) {
		*code = SA_ERR_VERSION;
		*why = "query schema version not supported";
	} else if (q->to_ns && q->from_ns > q->to_ns) {
		*code = SA_ERR_INVALID;
		*why = "query range ends before it starts";
	} else if ((q->dimension > SA__TOP_DIM__TOP_DST_PORT &&
		    !(q->kind == SA__QUERY_KIND__Q_TRACKED && q->dimension == SA_DIM_CLASS)) || q->port > 65535 ||
		   (q->ip.len != 0 && q->ip.len != 4 && q->ip.len != 16) || q->order > SA__FLOW_ORDER__NEWEST_FIRST) {
		*code = SA_ERR_INVALID;
		*why = "query dimension, port, address or flow order out of range";
	} else if (q->dims > 0x1f || (q->dims & 0x3 && q->dims & 0xc) ||
		   (q->dims & 1u << SA_DIM_CLASS && q->dims != 1u << SA_DIM_CLASS) || q->agg > SA__SERIES_AGG__AGG_MAX) {
		*code = SA_ERR_INVALID;
		*why = "query series dimensions mix addresses, ports or classes, or unknown aggregation";
	} else if (q->model && !model_valid(q->model, why)) {
		*code = SA_ERR_INVALID;
	} else {
		return q;
	}
	sa__query__free_unpacked(q, NULL);
	return NULL;
}

Sa__Response *sa_wire_response_unpack(const uint8_t *buf, size_t len, const char **why, int *code)
{
	Sa__Response *r;

	UNPACK_GUARD();
	r = sa__response__unpack(NULL, len, buf);
	if (r != NULL && !tags_valid(&r->base, 0)) {
		sa__response__free_unpacked(r, NULL);
		r = NULL;
	}
	if (r == NULL) {
		*code = SA_ERR_DECODE;
		*why = "not a Response";
		return NULL;
	}
	for (size_t i = 0; i < r->n_flows; i++) {
		if (!flow_ok(r->flows[i], why, code)) {
			sa__response__free_unpacked(r, NULL);
			return NULL;
		}
	}
	for (size_t i = 0; i < r->n_top; i++) {
		size_t kl = r->top[i]->key.len;
		if (kl > 16) {
			*code = SA_ERR_INVALID;
			*why = "top entry key longer than 16 bytes";
			sa__response__free_unpacked(r, NULL);
			return NULL;
		}
	}
	return r;
}

uint64_t sa_flow_span(const Sa__FlowRecord *f, uint64_t *last_ns)
{
	const Sa__DirStats *d[2] = {f->a_to_b, f->b_to_a};
	uint64_t first = UINT64_MAX, last = 0;

	for (int i = 0; i < 2; i++) {
		if (!d[i] || !d[i]->has_first_ns || !d[i]->has_last_ns)
			continue;
		first = d[i]->first_ns < first ? d[i]->first_ns : first;
		last = d[i]->last_ns > last ? d[i]->last_ns : last;
	}
	*last_ns = first == UINT64_MAX ? 0 : last;
	return first == UINT64_MAX ? 0 : first;
}
