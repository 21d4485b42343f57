/* Point blocks: encodings worked out by hand byte for byte, merges worked
 * out by hand, every truncation and corruption refused, and random blocks
 * against a plain reference (a dense table of sums). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sa_ptb.h"

static size_t encode(uint8_t *out, const uint64_t *t, const uint64_t *v, uint32_t nrows,
		     uint32_t ncols)
{
	return sa_ptb_encode(out, t, v, nrows, ncols);
}

#define CHECK_BYTES(buf, len, ...)                                               \
	do {                                                                     \
		static const uint8_t want_[] = {__VA_ARGS__};                    \
		CHECK_EQ(len, sizeof(want_));                                    \
		CHECK(len == sizeof(want_) && memcmp(buf, want_, len) == 0);     \
	} while (0)

static void hand_encodings(void)
{
	uint8_t out[256];
	size_t len;

	check_context = "zero and small columns, an irregular step";
	/* t: 10, 11, 12, 14 -> 10, step 1, dod 0, dod +1 (zigzag 2).
	 * column 0 all zero; column 1 raw (4 bytes) ties delta (4): raw. */
	const uint64_t t1[] = {10, 11, 12, 14};
	const uint64_t v1[] = {0, 5, 0, 6, 0, 7, 0, 8};
	len = encode(out, t1, v1, 4, 2);
	CHECK_BYTES(out, len, 1, 4, 2, 10, 1, 0, 2, SA_PTB_ZERO, SA_PTB_RAW, 5, 6, 7, 8);

	check_context = "a drifting column is stored as deltas";
	/* 1000, 1001, 1002: raw 6 bytes; deltas 1000 (zigzag 2000 = d0 0f), +1, +1 (2, 2). */
	const uint64_t t2[] = {0, 60, 120};
	const uint64_t v2[] = {1000, 1001, 1002};
	len = encode(out, t2, v2, 3, 1);
	CHECK_BYTES(out, len, 1, 3, 1, 0, 60, 0, SA_PTB_DELTA, 0xd0, 0x0f, 2, 2);

	check_context = "a falling value: negative delta";
	/* 300, 299: raw ac 02 ab 02 (4); deltas zigzag(300) = 600 = d8 04, zigzag(-1) = 1. */
	const uint64_t t3[] = {7, 8};
	const uint64_t v3[] = {300, 299};
	len = encode(out, t3, v3, 2, 1);
	CHECK_BYTES(out, len, 1, 2, 1, 7, 1, SA_PTB_DELTA, 0xd8, 0x04, 1);

	check_context = "a jumping column is stored raw";
	/* 1, 200, 1: raw 1 + 2 + 1 = 4; deltas 2, 398 (2 bytes), 397 (2) = 5. */
	const uint64_t t4[] = {1, 2, 3};
	const uint64_t v4[] = {1, 200, 1};
	len = encode(out, t4, v4, 3, 1);
	CHECK_BYTES(out, len, 1, 3, 1, 1, 1, 0, SA_PTB_RAW, 1, 0xc8, 0x01, 1);

	check_context = "the largest time and values";
	/* t: ten bytes. 2^64-1 raw is ten bytes, but as a change from 0 it
	 * wraps to -1, zigzag 1: one byte. 2^63 raw is ten bytes, and its
	 * delta too (zigzag(-2^63) = 2^64-1). */
	const uint64_t t5[] = {UINT64_MAX};
	const uint64_t v5[] = {UINT64_MAX, 1ULL << 63};
	len = encode(out, t5, v5, 1, 2);
	CHECK_BYTES(out, len, 1, 1, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
		    SA_PTB_DELTA, 0x01,
		    SA_PTB_RAW, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01);

	check_context = "rows that break the rules are refused";
	const uint64_t same[] = {5, 5};
	CHECK_EQ(encode(out, same, v3, 2, 1), 0);
	CHECK_EQ(encode(out, t3, v3, 0, 1), 0);
	CHECK_EQ(encode(out, t3, v3, 2, 0), 0);
	CHECK_EQ(encode(out, t3, v3, 2, SA_PTB_MAX_COLS + 1), 0);
}

static void hand_merge(void)
{
	uint8_t a[64], b[64], *out = NULL;
	struct sa_ptb_rows r;

	check_context = "two nodes' blocks meet: union of times, sums at the same time";
	/* a: t 1, 2 with one column 1, 2; b: t 2, 3 with two columns (10, 100), (20, 200).
	 * Union: t 1 -> (1, 0), t 2 -> (12, 100), t 3 -> (20, 200). */
	const uint64_t ta[] = {1, 2}, va[] = {1, 2};
	const uint64_t tb[] = {2, 3}, vb[] = {10, 100, 20, 200};
	size_t la = encode(a, ta, va, 2, 1), lb = encode(b, tb, vb, 2, 2);
	sa_ptb_rows_init(&r);
	CHECK_EQ(sa_ptb_rows_add(&r, a, la), 0);
	CHECK_EQ(sa_ptb_rows_add(&r, b, lb), 0);
	CHECK_EQ(r.nrows, 3);
	CHECK_EQ(r.ncols, 2);
	const uint64_t want_t[] = {1, 2, 3}, want_v[] = {1, 0, 12, 100, 20, 200};
	CHECK(r.nrows == 3 && memcmp(r.t, want_t, sizeof(want_t)) == 0);
	CHECK(r.nrows == 3 && memcmp(r.v, want_v, sizeof(want_v)) == 0);

	check_context = "a merged block encodes and decodes to the same rows";
	size_t len = sa_ptb_rows_encode(&r, &out);
	struct sa_ptb_rows back;
	sa_ptb_rows_init(&back);
	CHECK(len > 0);
	CHECK_EQ(sa_ptb_rows_add(&back, out, len), 0);
	CHECK(back.nrows == 3 && memcmp(back.t, want_t, sizeof(want_t)) == 0 &&
	      memcmp(back.v, want_v, sizeof(want_v)) == 0);
	uint32_t nr, nc;
	CHECK_EQ(sa_ptb_dims(out, len, &nr, &nc), 0);
	CHECK(nr == 3 && nc == 2);
	free(out);
	sa_ptb_rows_free(&back);
	sa_ptb_rows_free(&r);
}

static void bad_blocks(void)
{
	uint8_t buf[64], bad[64];
	struct sa_ptb_rows r;
	const uint64_t t[] = {100, 101, 103}, v[] = {1, 1000, 2, 2000, 3, 0};
	size_t len = encode(buf, t, v, 3, 2);

	sa_ptb_rows_init(&r);
	check_context = "every truncation is refused and leaves the rows alone";
	for (size_t cut = 0; cut < len; cut++)
		CHECK_EQ(sa_ptb_rows_add(&r, buf, cut), -EINVAL);
	CHECK_EQ(r.nrows, 0);

	check_context = "a trailing byte is refused";
	memcpy(bad, buf, len);
	bad[len] = 0;
	CHECK_EQ(sa_ptb_rows_add(&r, bad, len + 1), -EINVAL);

	check_context = "wrong version, zero rows, too many columns, unknown mode";
	memcpy(bad, buf, len);
	bad[0] = 2;
	CHECK_EQ(sa_ptb_rows_add(&r, bad, len), -EINVAL);
	memcpy(bad, buf, len);
	bad[1] = 0;
	CHECK_EQ(sa_ptb_rows_add(&r, bad, len), -EINVAL);
	memcpy(bad, buf, len);
	bad[2] = SA_PTB_MAX_COLS + 1;
	CHECK_EQ(sa_ptb_rows_add(&r, bad, len), -EINVAL);
	memcpy(bad, buf, len);
	bad[6] = 3; /* the first column's mode: header 3 bytes, times 100, 1, +1 */
	CHECK_EQ(sa_ptb_rows_add(&r, bad, len), -EINVAL);

	check_context = "times that do not rise are refused";
	memcpy(bad, buf, len);
	bad[4] = 0; /* first step 0 */
	CHECK_EQ(sa_ptb_rows_add(&r, bad, len), -EINVAL);

	check_context = "an 11-byte varint and a 64-bit overflow are refused";
	const uint8_t long_varint[] = {1, 1, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0};
	CHECK_EQ(sa_ptb_rows_add(&r, long_varint, sizeof(long_varint)), -EINVAL);
	const uint8_t overflow[] = {1, 1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0};
	CHECK_EQ(sa_ptb_rows_add(&r, overflow, sizeof(overflow)), -EINVAL);
	CHECK_EQ(r.nrows, 0);

	check_context = "more rows than the length could hold is refused before allocating";
	const uint8_t huge[] = {1, 0x80, 0x80, 0x04, 1, 0};
	CHECK_EQ(sa_ptb_rows_add(&r, huge, sizeof(huge)), -EINVAL);
	sa_ptb_rows_free(&r);
}

#define REF_T 64
#define REF_C 8

/* Random blocks over times 0..REF_T-1, merged, against a dense table. */
static void random_against_reference(void)
{
	static uint64_t ref[REF_T][REF_C];
	static uint8_t buf[1 << 16];
	uint64_t t[REF_T], v[REF_T * REF_C];
	bool present[REF_T];
	unsigned bad = 0;

	check_context = "random blocks merged against a dense table";
	for (int round = 0; round < 200; round++) {
		struct sa_ptb_rows r;
		uint32_t widest = 0;
		sa_ptb_rows_init(&r);
		memset(ref, 0, sizeof(ref));
		memset(present, 0, sizeof(present));
		for (int blk = 0; blk < 1 + (int)(check_rand() % 6); blk++) {
			uint32_t n = 0, ncols = 1 + (uint32_t)(check_rand() % REF_C);
			for (uint32_t s = 0; s < REF_T; s++)
				if (check_rand() % 3 == 0)
					t[n++] = s;
			if (n == 0)
				continue;
			for (uint32_t i = 0; i < n; i++)
				for (uint32_t c = 0; c < ncols; c++) {
					/* mixes of zero, small, drifting and huge values */
					uint64_t x = check_rand();
					x = c % 4 == 0 ? 0 : c % 4 == 1 ? x % 100 : c % 4 == 2 ? 1000000 + i : x >> 8;
					v[i * ncols + c] = x;
					ref[t[i]][c] += x;
					present[t[i]] = true;
				}
			size_t len = encode(buf, t, v, n, ncols);
			bad += len == 0 || sa_ptb_rows_add(&r, buf, len) != 0;
			if (ncols > widest)
				widest = ncols;
		}
		uint8_t *out = NULL;
		struct sa_ptb_rows back;
		sa_ptb_rows_init(&back);
		size_t len = sa_ptb_rows_encode(&r, &out);
		if (r.nrows > 0)
			bad += len == 0 || sa_ptb_rows_add(&back, out, len) != 0;
		uint32_t k = 0;
		for (uint32_t s = 0; s < REF_T; s++) {
			if (!present[s])
				continue;
			bad += k >= back.nrows || back.t[k] != s || back.ncols != widest;
			for (uint32_t c = 0; c < widest && k < back.nrows && back.ncols == widest; c++)
				bad += back.v[k * widest + c] != ref[s][c];
			k++;
		}
		bad += k != back.nrows;
		free(out);
		sa_ptb_rows_free(&back);
		sa_ptb_rows_free(&r);
	}
	CHECK_EQ(bad, 0);
}

int main(void)
{
	hand_encodings();
	hand_merge();
	bad_blocks();
	random_against_reference();
	return check_summary();
}
