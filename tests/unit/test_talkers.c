/* Per-second talker tables against exact counting: what they fold into the
 * sketches must be exact within the sketch's capacity and keep the
 * Space-Saving bounds beyond it, with and without an address table's
 * overflow; ports, a slot each, are exact at any table capacity. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "talkers.h"

#define SKETCH 16
#define UNIVERSE 65536


struct sink {
	struct sa_topk *top[TALKER_WEIGHTS][TALKER_DIMS];
};

static void sink_init(struct sink *s)
{
	for (unsigned k = 0; k < TALKER_WEIGHTS; k++)
		for (unsigned d = 0; d < TALKER_DIMS; d++)
			s->top[k][d] = sa_topk_new(SKETCH);
}

static void sink_free(struct sink *s)
{
	for (unsigned k = 0; k < TALKER_WEIGHTS; k++)
		for (unsigned d = 0; d < TALKER_DIMS; d++)
			sa_topk_destroy(&s->top[k][d]);
}

/* Exact weights per key for one dimension; keys are 0..UNIVERSE-1. */
struct exact {
	uint64_t w[TALKER_WEIGHTS][UNIVERSE];
	uint64_t total[TALKER_WEIGHTS];
};

static uint32_t sketch_key_id(enum talker_dim d, const struct sa_topk_entry *e)
{
	if (d == TALKER_SRC_PORT || d == TALKER_DST_PORT)
		return (uint32_t)e->key[0] << 8 | e->key[1];
	uint32_t id;
	memcpy(&id, e->key, 4);
	return id;
}

/* Checks one sketch against the exact weights. When exact_top is set,
 * every kept key must carry its true weight and be among the heaviest. */
static void check_sketch(enum talker_dim d, unsigned k, struct sa_topk *sk, const struct exact *x,
			 unsigned distinct, int exact_top)
{
	struct sa_topk_entry out[SKETCH];
	unsigned n = sa_topk_list(sk, out);
	uint64_t floor = n ? out[n - 1].count : 0;

	CHECK_U(sa_topk_total(sk), x->total[k]);
	CHECK_EQ(n, distinct < SKETCH ? distinct : SKETCH);
	for (unsigned i = 0; i < n; i++) {
		uint32_t id = sketch_key_id(d, &out[i]);
		CHECK(id < UNIVERSE);
		if (id >= UNIVERSE)
			return;
		uint64_t truth = x->w[k][id];
		CHECK(out[i].count - out[i].err <= truth && truth <= out[i].count);
		if (exact_top)
			CHECK(out[i].count == truth && out[i].err == 0);
	}
	/* A key not kept weighs no more than the smallest kept count. */
	static uint8_t kept[UNIVERSE];
	memset(kept, 0, sizeof(kept));
	for (unsigned i = 0; i < n; i++)
		kept[sketch_key_id(d, &out[i])] = 1;
	for (uint32_t id = 0; id < UNIVERSE; id++) {
		if (!kept[id] && x->w[k][id] > floor) {
			CHECK(x->w[k][id] <= floor);
			return;
		}
	}
}

static void add_key(struct talkers *t, struct exact *x, enum talker_dim d, uint32_t id,
		    uint64_t bytes, int ipv6)
{
	struct talker_key k;

	if (d < TALKER_SRC_PORT) {
		uint8_t addr[16] = {0};
		memcpy(addr, &id, 4);
		if (ipv6)
			addr[15] = 0x42; /* differs from IPv4 past the first 4 bytes */
		talkers_key_addr(t, d, &k, addr, ipv6 ? 16 : 4);
	} else {
		talkers_key_port(t, d, &k, (uint16_t)id);
	}
	talkers_add(t, d, &k, bytes);
	x->w[TALKER_BY_BYTES][id] += bytes;
	x->w[TALKER_BY_PACKETS][id]++;
	x->total[TALKER_BY_BYTES] += bytes;
	x->total[TALKER_BY_PACKETS]++;
}

/* One second of `packets` packets over `keys` distinct keys, skewed, into
 * t, tables of `capacity` keys; checks all four dimensions. With
 * light_first, one packet of every key, lightest first, fills the table
 * before the stream, so the heavy keys are the ones that overflow. */
static void count_second(struct talkers *t, unsigned capacity, unsigned keys, unsigned packets, int ipv6,
			 int light_first)
{
	struct sink s;
	static struct exact x[TALKER_DIMS];
	uint8_t seen[TALKER_DIMS][UNIVERSE];
	unsigned distinct[TALKER_DIMS] = {0};

	sink_init(&s);
	memset(x, 0, sizeof(x));
	memset(seen, 0, sizeof(seen));
	talkers_attach(t, s.top);
	for (unsigned p = 0; light_first && p < keys; p++)
		for (unsigned d = 0; d < TALKER_DIMS; d++) {
			add_key(t, &x[d], (enum talker_dim)d, keys - 1 - p, 40, ipv6);
			distinct[d]++;
			seen[d][keys - 1 - p] = 1;
		}
	for (unsigned p = 0; p < packets; p++) {
		uint64_t bytes = 40 + check_rand() % 1460;
		for (unsigned d = 0; d < TALKER_DIMS; d++) {
			double u = (double)(check_rand() % 1000000) / 1e6;
			uint32_t id = (uint32_t)(keys * u * u * u);
			add_key(t, &x[d], (enum talker_dim)d, id, bytes, ipv6);
			distinct[d] += !seen[d][id];
			seen[d][id] = 1;
		}
	}
	talkers_fold(t);
	for (unsigned d = 0; d < TALKER_DIMS; d++)
		for (unsigned k = 0; k < TALKER_WEIGHTS; k++)
			check_sketch((enum talker_dim)d, k, s.top[k][d], &x[d], distinct[d],
				     d >= TALKER_SRC_PORT || distinct[d] <= capacity);
	/* Folding empties the tables: a second fold adds nothing. */
	talkers_fold(t);
	for (unsigned d = 0; d < TALKER_DIMS; d++)
		CHECK_U(sa_topk_total(s.top[TALKER_BY_PACKETS][d]), x[d].total[TALKER_BY_PACKETS]);
	sink_free(&s);
}

static void run_second(unsigned capacity, unsigned keys, unsigned packets, int ipv6, int light_first)
{
	struct talkers *t = talkers_new(capacity);

	CHECK(t != NULL);
	if (t == NULL)
		return;
	count_second(t, capacity, keys, packets, ipv6, light_first);
	talkers_destroy(&t);
	CHECK(t == NULL);
}

/* Seconds of very different key counts through one set of tables, which
 * grow within a second and shrink after it: each second still counts
 * exactly. */
static void run_seconds(void)
{
	static const unsigned keys[] = {10, 30000, 5, 2000, 65536, 700, 1};
	struct talkers *t = talkers_new(65536);

	CHECK(t != NULL);
	for (unsigned i = 0; t && i < sizeof(keys) / sizeof(keys[0]); i++)
		count_second(t, 65536, keys[i], 4 * keys[i] + 100, (int)(i & 1), 1);
	talkers_destroy(&t);
}

int main(void)
{
	check_rand_seed(0x2545f4914f6cdd1dULL);
	check_context = "fewer keys than the sketch";
	run_second(64, 10, 1000, 0, 0);
	check_context = "more keys than the sketch, table large enough";
	run_second(4096, 2000, 50000, 0, 0);
	check_context = "IPv6 keys";
	run_second(4096, 2000, 50000, 1, 0);
	check_context = "ties: every key one packet of 40 bytes";
	run_second(4096, 2000, 0, 0, 1);
	check_context = "many keys, a few heavy";
	run_second(65536, 3000, 200000, 0, 1);
	check_context = "table overflow";
	run_second(32, 2000, 50000, 0, 0);
	check_context = "table overflow, heavy keys overflowing";
	run_second(32, 2000, 50000, 0, 1);
	check_context = "seconds of many and few keys through one table";
	run_seconds();
	check_context = "bad capacity";
	CHECK(talkers_new(0) == NULL);
	CHECK(talkers_new((1u << 20) + 1) == NULL);
	return check_summary();
}
