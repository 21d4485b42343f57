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
	queries();
	return check_summary();
}
