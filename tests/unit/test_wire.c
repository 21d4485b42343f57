/* Wire encoding: round trips, and every validation rule refusing what it
 * should, on hand-built messages. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sa_wire.h"

static uint8_t addr4a[4] = {10, 0, 0, 1}, addr4b[4] = {10, 0, 0, 2}, addr16[16];

static size_t pack_batch(Sa__FlowRecord *f, Sa__IntervalStats *iv, uint32_t version, uint8_t **out)
{
	Sa__ExportBatch b = SA__EXPORT_BATCH__INIT;
	Sa__NodeMessage m = SA__NODE_MESSAGE__INIT;

	b.has_schema_version = b.has_node_id = b.has_seq = b.has_run_id = 1;
	b.schema_version = version;
	b.node_id = 7;
	b.seq = 42;
	b.run_id = 99;
	b.n_flows = f ? 1 : 0;
	b.flows = &f;
	b.n_intervals = iv ? 1 : 0;
	b.intervals = &iv;
	m.body_case = SA__NODE_MESSAGE__BODY_BATCH;
	m.batch = &b;
	return sa_wire_pack(&m.base, out);
}

static int node_ok(const uint8_t *buf, size_t len, int *code)
{
	const char *why = NULL;
	Sa__NodeMessage *m = sa_wire_node_unpack(NULL, buf, len, &why, code);

	if (m == NULL)
		return 0;
	sa__node_message__free_unpacked(m, NULL);
	return 1;
}

static void batches(void)
{
	Sa__FlowRecord f = SA__FLOW_RECORD__INIT;
	Sa__DirStats d = SA__DIR_STATS__INIT;
	Sa__IntervalStats iv = SA__INTERVAL_STATS__INIT;
	uint64_t counters[3] = {10, 1500, 7};
	uint8_t *buf;
	size_t len;
	int code;
	const char *why;

	f.has_addr_a = f.has_addr_b = f.has_ip_version = f.has_proto = f.has_port_a = f.has_port_b = 1;
	f.addr_a = (ProtobufCBinaryData){4, addr4a};
	f.addr_b = (ProtobufCBinaryData){4, addr4b};
	f.ip_version = 4;
	f.proto = 6;
	f.port_a = 40000;
	f.port_b = 443;
	d.has_packets = d.has_bytes = 1;
	d.packets = 3;
	d.bytes = 180;
	f.a_to_b = &d;
	iv.has_start_ns = iv.has_length_s = 1;
	iv.start_ns = 1704067200ULL * 1000000000ULL;
	iv.length_s = 1;
	iv.n_counters = 3;
	iv.counters = counters;

	len = pack_batch(&f, &iv, SA_SCHEMA_VERSION, &buf);
	Sa__NodeMessage *m = sa_wire_node_unpack(NULL, buf, len, &why, &code);
	CHECK(m != NULL);
	if (m) {
		CHECK(m->batch->node_id == 7 && m->batch->seq == 42 && m->batch->run_id == 99);
		CHECK(m->batch->n_flows == 1 && m->batch->flows[0]->port_b == 443);
		CHECK(m->batch->flows[0]->a_to_b->bytes == 180);
		CHECK(m->batch->intervals[0]->n_counters == 3 && m->batch->intervals[0]->counters[2] == 7);
		sa__node_message__free_unpacked(m, NULL);
	}
	/* Every strict prefix of a valid message is refused or decodes to
	 * something valid; none crashes (ASan build checks the reads). */
	for (size_t cut = 0; cut < len; cut++) {
		int c;
		node_ok(buf, cut, &c);
	}
	free(buf);

	len = pack_batch(&f, NULL, SA_SCHEMA_VERSION + 1, &buf);
	CHECK(!node_ok(buf, len, &code) && code == SA_ERR_VERSION);
	free(buf);

	f.addr_b = (ProtobufCBinaryData){3, addr4b}; /* IPv4 with a 3-byte address */
	len = pack_batch(&f, NULL, SA_SCHEMA_VERSION, &buf);
	CHECK(!node_ok(buf, len, &code) && code == SA_ERR_INVALID);
	free(buf);
	f.addr_b = (ProtobufCBinaryData){4, addr4b};

	f.port_a = 70000;
	len = pack_batch(&f, NULL, SA_SCHEMA_VERSION, &buf);
	CHECK(!node_ok(buf, len, &code) && code == SA_ERR_INVALID);
	free(buf);
	f.port_a = 40000;

	d.has_size_mean = 1;
	d.size_mean = NAN;
	len = pack_batch(&f, NULL, SA_SCHEMA_VERSION, &buf);
	CHECK(!node_ok(buf, len, &code) && code == SA_ERR_INVALID);
	free(buf);
	d.size_mean = 60;

	iv.length_s = 0;
	len = pack_batch(NULL, &iv, SA_SCHEMA_VERSION, &buf);
	CHECK(!node_ok(buf, len, &code) && code == SA_ERR_INVALID);
	free(buf);
	iv.length_s = 1;

	uint64_t many[300] = {0};
	iv.n_counters = 300;
	iv.counters = many;
	len = pack_batch(NULL, &iv, SA_SCHEMA_VERSION, &buf);
	CHECK(!node_ok(buf, len, &code) && code == SA_ERR_INVALID);
	free(buf);

	static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x01};
	CHECK(!node_ok(garbage, sizeof(garbage), &code) && code == SA_ERR_DECODE);
	CHECK(!node_ok(garbage, SA_WIRE_MAX_MSG + 1, &code) && code == SA_ERR_LIMIT);
}

/* Packs path[0] with path[1] appended as its field fields[0], and so on
 * down to path[n - 1], which is given a field numbered 0 when tag0: a
 * two-byte tag (0x80 0x00), which protobuf-c keeps as an unknown field
 * (sa_wire.c). Fields below 16 and bodies below 128 bytes (one-byte tag
 * and length). */
static size_t nested(uint8_t *out, ProtobufCMessage *const *path, const unsigned *fields, size_t n, int tag0)
{
	uint8_t inner[1024];
	size_t len;

	if (n == 1) {
		len = protobuf_c_message_pack(path[0], out);
		if (tag0) {
			memcpy(out + len, "\x80\x00\x01", 3); /* field 0, varint 1 */
			len += 3;
		}
		return len;
	}
	size_t il = nested(inner, path + 1, fields + 1, n - 1, tag0);
	CHECK(il < 128 && fields[0] < 16);
	len = protobuf_c_message_pack(path[0], out);
	out[len++] = (uint8_t)(fields[0] << 3 | 2);
	out[len++] = (uint8_t)il;
	memcpy(out + len, inner, il);
	return len + il;
}

/* A field numbered 0 in any message of a batch is refused as undecodable;
 * the same message without it is accepted. */
static void field_zero(void)
{
	Sa__NodeMessage whole = SA__NODE_MESSAGE__INIT, m = SA__NODE_MESSAGE__INIT;
	Sa__ExportBatch b = SA__EXPORT_BATCH__INIT;
	Sa__FlowRecord f = SA__FLOW_RECORD__INIT;
	Sa__DirStats d = SA__DIR_STATS__INIT;
	Sa__IntervalStats iv = SA__INTERVAL_STATS__INIT;
	Sa__TopSketch s = SA__TOP_SKETCH__INIT;
	Sa__TopEntry e = SA__TOP_ENTRY__INIT;
	Sa__Heartbeat hb = SA__HEARTBEAT__INIT;
	ProtobufCMessage *const top[] = {&whole.base}, *const batch[] = {&m.base, &b.base}, *const flow[] = {&m.base, &b.base, &f.base},
			       *const dir[] = {&m.base, &b.base, &f.base, &d.base},
			       *const ival[] = {&m.base, &b.base, &iv.base},
			       *const sketch[] = {&m.base, &b.base, &iv.base, &s.base},
			       *const entry[] = {&m.base, &b.base, &iv.base, &s.base, &e.base},
			       *const status[] = {&m.base, &b.base, &hb.base};
	const unsigned batch_f[] = {3}, flow_f[] = {3, 5}, dir_f[] = {3, 5, 8}, ival_f[] = {3, 6},
		       sketch_f[] = {3, 6, 7}, entry_f[] = {3, 6, 7, 4}, status_f[] = {3, 8};
	const struct {
		ProtobufCMessage *const *path;
		const unsigned *fields;
		size_t n;
	} at[] = {{top, batch_f, 1}, {batch, batch_f, 2}, {flow, flow_f, 3},    {dir, dir_f, 4},
		  {ival, ival_f, 3},   {sketch, sketch_f, 4}, {entry, entry_f, 5}, {status, status_f, 3}};
	uint8_t buf[1024];

	b.has_schema_version = b.has_node_id = b.has_seq = 1;
	b.schema_version = SA_SCHEMA_VERSION;
	b.node_id = 7;
	b.seq = 1;
	whole.body_case = SA__NODE_MESSAGE__BODY_BATCH;
	whole.batch = &b;
	f.has_addr_a = f.has_addr_b = f.has_ip_version = 1;
	f.addr_a = (ProtobufCBinaryData){4, addr4a};
	f.addr_b = (ProtobufCBinaryData){4, addr4b};
	f.ip_version = 4;
	iv.has_length_s = 1;
	iv.length_s = 1;
	s.has_capacity = 1;
	s.capacity = 1;
	e.has_key = 1;
	e.key = (ProtobufCBinaryData){4, addr4a};
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		for (int tag0 = 0; tag0 <= 1; tag0++) {
			int code = SA_OK;
			size_t len = nested(buf, at[i].path, at[i].fields, at[i].n, tag0);
			int ok = node_ok(buf, len, &code);
			CHECK(tag0 ? !ok && code == SA_ERR_DECODE : ok);
		}
}

static void queries(void)
{
	Sa__Query q = SA__QUERY__INIT;
	uint8_t *buf;
	size_t len;
	const char *why;
	int code;

	q.has_schema_version = q.has_from_ns = q.has_to_ns = 1;
	q.schema_version = SA_SCHEMA_VERSION;
	q.from_ns = 200;
	q.to_ns = 100;
	len = sa_wire_pack(&q.base, &buf);
	CHECK(sa_wire_query_unpack(buf, len, &why, &code) == NULL && code == SA_ERR_INVALID);
	free(buf);

	q.to_ns = 300;
	q.has_ip = 1;
	q.ip = (ProtobufCBinaryData){5, addr16}; /* neither IPv4 nor IPv6 */
	len = sa_wire_pack(&q.base, &buf);
	CHECK(sa_wire_query_unpack(buf, len, &why, &code) == NULL && code == SA_ERR_INVALID);
	free(buf);

	q.ip = (ProtobufCBinaryData){4, addr4a};
	len = sa_wire_pack(&q.base, &buf);
	Sa__Query *ok = sa_wire_query_unpack(buf, len, &why, &code);
	CHECK(ok != NULL && ok->to_ns == 300 && ok->ip.len == 4);
	if (ok)
		sa__query__free_unpacked(ok, NULL);
	free(buf);

	/* A pushed model must decode: format, sizes, ranges, finite values. */
	Sa__Model m = SA__MODEL__INIT;
	Sa__ModelPart part = SA__MODEL_PART__INIT, *partp = &part;
	double params[5] = {0.5, 0.1, INFINITY, 0, 1}, state[2 + 24];
	for (unsigned i = 0; i < 26; i++)
		state[i] = i;
	m.series = "bytes";
	m.kind = "hw_additive 24";
	m.has_season = m.has_step_s = m.has_format = 1;
	m.season = 24;
	m.step_s = 3600;
	m.format = 2;
	m.n_parts = 1;
	m.parts = &partp;
	part.kind = "hw_additive";
	part.has_season = 1;
	part.season = 24;
	part.n_params = 5;
	part.params = params;
	part.n_state = 26;
	part.state = state;
	q.model = &m;
	len = sa_wire_pack(&q.base, &buf);
	CHECK(sa_wire_query_unpack(buf, len, &why, &code) == NULL && code == SA_ERR_INVALID);
	free(buf);
	params[2] = 0.2;
	len = sa_wire_pack(&q.base, &buf);
	ok = sa_wire_query_unpack(buf, len, &why, &code);
	CHECK(ok != NULL && ok->model && ok->model->n_parts == 1);
	if (ok)
		sa__query__free_unpacked(ok, NULL);
	free(buf);
	/* One state value short, and a first-format model: both refused. */
	part.n_state = 25;
	len = sa_wire_pack(&q.base, &buf);
	CHECK(sa_wire_query_unpack(buf, len, &why, &code) == NULL && code == SA_ERR_INVALID);
	free(buf);
	part.n_state = 26;
	m.format = 1;
	len = sa_wire_pack(&q.base, &buf);
	CHECK(sa_wire_query_unpack(buf, len, &why, &code) == NULL && strstr(why, "format") != NULL);
	free(buf);
}

int main(void)
{
	batches();
	field_zero();
	queries();
	return check_summary();
}
