/* libFuzzer target for what a worker does with parsed packets: the ICMP
 * error view, the fragment table, the flow table with its per-flow
 * features, and the per-second talker tables, on packets that may lie.
 *
 * Input: 2 bytes big-endian link-type selector (as fuzz_pkt_parse), then
 * packets, each as 2 bytes big-endian length, 2 bytes big-endian gap to
 * the previous packet in milliseconds, and that many frame bytes (a short
 * last packet is taken as it is). The flow table is small (64 flows) and
 * its timeouts short, so evictions, timeouts and record restarts happen.
 * Traps when a record breaks what flowtab.h promises or when flows are
 * lost: every flow opened is emitted exactly once by the final flush. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flowtab.h"
#include "fragtab.h"
#include "pkt_parse.h"
#include "talkers.h"

static const int fuzz_linktypes[] = {
	PKT_LINK_ETHERNET, PKT_LINK_RAW, PKT_LINK_LINUX_SLL, PKT_LINK_LINUX_SLL2,
	PKT_LINK_NULL, PKT_LINK_LOOP, PKT_LINK_RAW_BSD12, PKT_LINK_RAW_BSD14,
};
#define N_LINKTYPES (sizeof(fuzz_linktypes) / sizeof(fuzz_linktypes[0]))
#define FIRST_N 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t emitted, emitted_packets;

static void on_flow(void *ctx, const struct flow_record *r)
{
	uint64_t packets = r->dir[0].packets + r->dir[1].packets;

	(void)ctx;
	emitted++;
	emitted_packets += packets;
	if (packets == 0 || r->n_first > FIRST_N || r->n_first > packets ||
	    (r->n_first < FIRST_N && r->n_first != packets) || r->end == FLOW_END_NONE ||
	    r->tun_type > PKT_TUN_GENEVE)
		abort();
	for (unsigned k = 0; k < r->n_first; k++)
		if (r->first_size[k] > FLOWFEAT_SIZE_MAX || r->first_dir[k] > 1 ||
		    (k == 0 && r->first_gap_ns[k] != 0))
			abort();
	for (unsigned d = 0; d < 2; d++)
		if (r->dir[d].retrans > FLOWFEAT_COUNT_MAX || r->dir[d].seq_gaps > FLOWFEAT_COUNT_MAX ||
		    r->dir[d].icmp_error > 1)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct flowtab *ft;
	static struct fragtab *frags;
	static struct talkers *talk;
	static struct sa_topk *top[TALKER_WEIGHTS][TALKER_DIMS];
	struct flowtab_conf conf = {
		.capacity = 64, .idle_timeout_ns = 2000000000ULL, .active_timeout_ns = 5000000000ULL,
		.close_timeout_ns = 500000000ULL, .first_packets = FIRST_N, .emit = on_flow,
	};
	uint64_t ts = 1000000000ULL * 1700000000ULL, accepted = 0;

	if (size < 2)
		return 0;
	if (ft == NULL) { /* once: the tables are reused, as a worker's are */
		ft = flowtab_new(&conf);
		frags = fragtab_new(16);
		talk = talkers_new(8);
		for (unsigned k = 0; k < TALKER_WEIGHTS; k++)
			for (unsigned d = 0; d < TALKER_DIMS; d++)
				top[k][d] = sa_topk_new(4);
		talkers_attach(talk, top);
	}
	int linktype = fuzz_linktypes[((unsigned)data[0] << 8 | data[1]) % N_LINKTYPES];
	emitted = emitted_packets = 0;
	for (size_t at = 2; at + 4 <= size;) {
		size_t len = (size_t)data[at] << 8 | data[at + 1];
		ts += ((uint64_t)data[at + 2] << 8 | data[at + 3]) * 1000000ULL;
		at += 4;
		if (len > size - at)
			len = size - at;
		uint8_t *frame = malloc(len ? len : 1); /* exact size: ASan sees overreads */
		memcpy(frame, data + at, len);
		at += len;
		struct pkt_meta m;
		pkt_parse(frame, (uint32_t)len, (uint32_t)len, linktype, &m);
		free(frame);
		if (m.l3 == PKT_L3_NONE ||
		    !(m.err == PKT_OK || m.err == PKT_ERR_TRUNC_L4 || m.err == PKT_ERR_BAD_L4))
			continue;
		struct talker_key k;
		talkers_key_addr(talk, TALKER_SRC_IP, &k, m.src, m.l3 == PKT_L3_IPV4 ? 4 : 16);
		talkers_add(talk, TALKER_SRC_IP, &k, m.wire_len);
		talkers_key(talk, TALKER_DST_PORT, &k, m.dport, 0, 2);
		talkers_add(talk, TALKER_DST_PORT, &k, m.wire_len);
		flowtab_icmp_error_view(&m);
		fragtab_resolve(frags, &m, ts);
		flowtab_update(ft, &m, ts);
		accepted++;
	}
	talkers_fold(talk);
	if (sa_topk_total(top[TALKER_BY_PACKETS][TALKER_SRC_IP]) != accepted)
		abort();
	for (unsigned k = 0; k < TALKER_WEIGHTS; k++)
		for (unsigned d = 0; d < TALKER_DIMS; d++)
			sa_topk_reset(top[k][d]);
	flowtab_flush(ft);
	struct flowtab_stats st;
	flowtab_stats_get(ft, &st);
	if (st.active != 0 || st.flows_new != st.flows_ended || emitted_packets != accepted)
		abort();
	return 0;
}
