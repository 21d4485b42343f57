/* Space-Saving sketch against exact counting on the same streams. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sa_topk.h"

#define KEYS 5000


/* Zipf-like key: small keys far more frequent. */
static uint32_t skewed_key(void)
{
	double u = (double)(check_rand() % 1000000) / 1e6;
	return (uint32_t)(KEYS * u * u * u * u);
}

static void exact_case(void)
{
	struct sa_topk *sk = sa_topk_new(8);
	struct sa_topk_entry out[8];
	uint32_t k;

	/* Fewer distinct keys than capacity: counts are exact. */
	for (k = 0; k < 5; k++)
		sa_topk_offer(sk, &k, 4, (k + 1) * 100, 0);
	k = 2;
	sa_topk_offer(sk, &k, 4, 1000, 0);
	unsigned n = sa_topk_list(sk, out);
	CHECK(n == 5);
	CHECK(out[0].count == 1300 && out[0].err == 0);
	memcpy(&k, out[0].key, 4);
	CHECK(k == 2);
	CHECK(out[1].count == 500);
	CHECK(sa_topk_total(sk) == 100 + 200 + 300 + 400 + 500 + 1000);
	/* Over capacity: the 9th key takes the smallest slot and inherits its count. */
	sa_topk_reset(sk);
	for (k = 0; k < 8; k++)
		sa_topk_offer(sk, &k, 4, 10 + k, 0);
	k = 100;
	sa_topk_offer(sk, &k, 4, 1, 0);
	n = sa_topk_list(sk, out);
	CHECK(n == 8);
	int found = 0;
	for (unsigned i = 0; i < n; i++) {
		uint32_t key;
		memcpy(&key, out[i].key, 4);
		if (key == 100) {
			found = 1;
			CHECK(out[i].count == 11 && out[i].err == 10);
		}
		CHECK(key != 0); /* the smallest (10) was the one replaced */
	}
	CHECK(found);
	/* The smallest after increments, twice over: keys 0..7 at 80, 70, ..
	 * 10, then key 7 up to 110. Key 100 replaces key 6 (20): 21, err 20;
	 * key 101 then replaces key 100 itself, the smallest at 21: 22, err 21. */
	sa_topk_reset(sk);
	for (k = 0; k < 8; k++)
		sa_topk_offer(sk, &k, 4, 80 - 10 * k, 0);
	k = 7;
	sa_topk_offer(sk, &k, 4, 100, 0);
	k = 100;
	sa_topk_offer(sk, &k, 4, 1, 0);
	k = 101;
	sa_topk_offer(sk, &k, 4, 1, 0);
	n = sa_topk_list(sk, out);
	CHECK(n == 8);
	static const uint32_t want[8] = {7, 0, 1, 2, 3, 4, 5, 101};
	static const uint64_t want_count[8] = {110, 80, 70, 60, 50, 40, 30, 22};
	for (unsigned i = 0; i < n; i++) {
		uint32_t key;
		memcpy(&key, out[i].key, 4);
		CHECK(key == want[i] && out[i].count == want_count[i]);
		CHECK(out[i].err == (key == 101 ? 21 : 0));
	}
	sa_topk_destroy(&sk);
	CHECK(sk == NULL);
	CHECK(sa_topk_new(0) == NULL);
}

static void bound_case(unsigned cap)
{
	static uint64_t exact[KEYS];
	struct sa_topk *sk = sa_topk_new(cap);
	struct sa_topk_entry *out = malloc(cap * sizeof(*out));
	uint64_t total = 0;

	memset(exact, 0, sizeof(exact));
	for (int i = 0; i < 200000; i++) {
		uint32_t k = skewed_key();
		uint64_t w = 40 + check_rand() % 1460;
		exact[k] += w;
		total += w;
		sa_topk_offer(sk, &k, 4, w, 0);
	}
	CHECK(sa_topk_total(sk) == total);
	unsigned n = sa_topk_list(sk, out);
	CHECK(n == cap);
	int bad = 0;
	for (unsigned i = 0; i < n; i++) {
		uint32_t k;
		memcpy(&k, out[i].key, 4);
		/* Space-Saving guarantee: true <= count <= true + err, err <= total/cap. */
		if (!(out[i].count >= exact[k] && out[i].count - out[i].err <= exact[k] &&
		      out[i].err <= total / cap))
			bad++;
		if (i > 0 && out[i].count > out[i - 1].count)
			bad++;
	}
	CHECK(bad == 0);
	/* Every key heavier than total/cap is in the sketch. */
	for (uint32_t k = 0; k < KEYS; k++) {
		if (exact[k] <= total / cap)
			continue;
		int in = 0;
		for (unsigned i = 0; i < n; i++)
			in |= memcmp(out[i].key, &k, 4) == 0;
		CHECK(in);
	}
	free(out);
	sa_topk_destroy(&sk);
}

/* Merging per-part sketches by offering their entries keeps the heavy keys
 * and stays within total/capacity of the exact counts. */
static void merge_case(void)
{
	static uint64_t exact[KEYS];
	struct sa_topk *part = sa_topk_new(64), *all = sa_topk_new(256);
	struct sa_topk_entry buf[256];
	uint64_t total = 0;

	memset(exact, 0, sizeof(exact));
	for (int p = 0; p < 50; p++) {
		sa_topk_reset(part);
		for (int i = 0; i < 2000; i++) {
			uint32_t k = skewed_key();
			exact[k] += 100;
			total += 100;
			sa_topk_offer(part, &k, 4, 100, 0);
		}
		unsigned n = sa_topk_list(part, buf);
		uint64_t tracked = 0;
		for (unsigned i = 0; i < n; i++) {
			sa_topk_offer(all, buf[i].key, buf[i].key_len, buf[i].count, buf[i].err);
			tracked += buf[i].count;
		}
		if (sa_topk_total(part) > tracked)
			sa_topk_add_untracked(all, sa_topk_total(part) - tracked);
	}
	CHECK(sa_topk_total(all) == total);
	unsigned n = sa_topk_list(all, buf);
	/* The top 10 exact keys are the 10 smallest ids (skew); all are present
	 * with estimates within total/64 + total/256 (part and merge bounds). */
	for (uint32_t k = 0; k < 10; k++) {
		int in = 0;
		for (unsigned i = 0; i < n; i++) {
			if (memcmp(buf[i].key, &k, 4) != 0)
				continue;
			in = 1;
			uint64_t diff = buf[i].count > exact[k] ? buf[i].count - exact[k] : exact[k] - buf[i].count;
			CHECK(diff <= total / 64 + total / 256);
		}
		CHECK(in);
	}
	sa_topk_destroy(&part);
	sa_topk_destroy(&all);
}

int main(void)
{
	exact_case();
	bound_case(16);
	bound_case(64);
	bound_case(1024);
	merge_case();
	return check_summary();
}
