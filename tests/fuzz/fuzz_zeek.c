/* libFuzzer target for the Zeek conn.log reader (cli/zeek_conn.c: sa import
 * zeek), TSV and JSON lines.
 *
 * Input: the log itself, read through zeek_open_mem until the end or the
 * first error, as sa import does before it sends anything.
 * Checks: no crash or leak (ASan); an error names the input and its line
 * ("fuzz:LINE: ..."); every record holds what build_record promises (side A
 * and B addresses of one family and the right length, ports and protocol in
 * range, a_to_b times in order and below 2^63 ns, b_to_a times only with
 * packets), and sa_wire's validation, which the aggregator applies to what
 * sa import sends, takes it (the reader must refuse a line, not let a batch
 * be refused after others went out). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_wire.h"
#include "zeek_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_record(Sa__FlowRecord *r)
{
	const Sa__DirStats *ab = r->a_to_b, *ba = r->b_to_a;
	size_t alen = r->ip_version == 4 ? 4 : 16;

	if (!r->has_addr_a || !r->has_addr_b || (r->ip_version != 4 && r->ip_version != 6) ||
	    r->addr_a.len != alen || r->addr_b.len != alen || r->port_a > 65535 ||
	    r->port_b > 65535 || r->proto > 255 || ab == NULL || ba == NULL)
		__builtin_trap();
	if (!ab->has_first_ns || !ab->has_last_ns || ab->last_ns < ab->first_ns ||
	    ab->last_ns > (uint64_t)INT64_MAX)
		__builtin_trap();
	if (ba->has_first_ns && (!ba->has_packets || ba->packets == 0 ||
				 ba->first_ns != ab->first_ns || ba->last_ns != ab->last_ns))
		__builtin_trap();
	if ((ab->has_tcp_flags || ba->has_tcp_flags) && (r->proto != 6 || r->history == NULL))
		__builtin_trap();

	Sa__FlowRecord *flows[1] = {r};
	Sa__ExportBatch b = SA__EXPORT_BATCH__INIT;
	Sa__NodeMessage m = SA__NODE_MESSAGE__INIT, *back;
	const char *why;
	uint8_t *buf;
	size_t len;
	int code;

	b.has_schema_version = b.has_node_id = b.has_seq = 1;
	b.schema_version = SA_SCHEMA_VERSION;
	b.node_id = b.seq = 1;
	b.n_flows = 1;
	b.flows = flows;
	m.body_case = SA__NODE_MESSAGE__BODY_BATCH;
	m.batch = &b;
	if ((len = sa_wire_pack(&m.base, &buf)) == 0)
		return; /* out of memory */
	back = sa_wire_node_unpack(NULL, buf, len, &why, &code);
	free(buf);
	if (back == NULL)
		__builtin_trap();
	sa__node_message__free_unpacked(back, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], prefix[32];
	struct zeek_reader *r = zeek_open_mem(data, size, "fuzz", err, sizeof(err));
	Sa__FlowRecord *rec;
	int ret;

	if (r == NULL)
		return 0;
	while ((ret = zeek_next(r, &rec, err, sizeof(err))) == 1)
		check_record(rec);
	if (ret != 0) {
		snprintf(prefix, sizeof(prefix), "fuzz:%lu: ", zeek_line(r));
		if (ret != -1 || rec != NULL || strncmp(err, prefix, strlen(prefix)) != 0 ||
		    strlen(err) <= strlen(prefix))
			__builtin_trap();
	}
	zeek_close(r);
	return 0;
}
