/* libFuzzer target for the store's value and key decoders (schema.c,
 * topk_set.c). The merge operators run inside RocksDB compactions on
 * whatever bytes are stored, so nothing here may crash, and a failed merge
 * would stall compaction: both operators must always return a value.
 *
 * Input:
 *   byte 0      bits 0-1: n_ops - 1 (1..4 operands)
 *               bit 2:    no existing value (RocksDB passes NULL; also how
 *                         a partial merge of operands looks)
 *               bits 3-7: cap for schema_u64s_decode (0..31 values)
 *   n_ops u16 LE lengths: the existing value, then operands 1..n_ops-1, each
 *               taken modulo what is left + 1; the last operand is the rest
 *   the pieces  each copied to a block of exactly its size, so ASan sees a
 *               read past any one value
 * With fewer header bytes than that the input is skipped.
 *
 * Checks:
 *   schema_merge_points on the raw pieces: always a value, and the same
 *                       bytes when the operands are first merged in two
 *                       groups (RocksDB's partial merge may group them so);
 *                       on valid point blocks built from each piece (see
 *                       build()): exactly the union of their rows with
 *                       values at equal times summed, computed here;
 *   schema_merge_topk   returns a value: one sketch when any input is one
 *                       sketch (as stored now), else a row of 4 + 4 (as
 *                       stored before); each sketch at most the stored
 *                       capacity, entries sorted by count with valid
 *                       keys; merging that value alone gives the same
 *                       entries;
 *   schema_u64s_decode  reads exactly min(len / 8, cap) values, inside cap;
 *   schema_time_key_parse  accepts only 13-byte keys, and what it returns
 *                       encodes back to the same key;
 *   schema_dim_key_parse   the same for dims keys, whose key part has a
 *                       length its dimension allows;
 *   schema_gap_key_parse   the same for gap keys ('g', 13 bytes);
 *   schema_topk_key_parse  the same for topk keys (14 bytes, a sketch
 *                       index below 8);
 *   flowidx_merge       always a value: the pieces one after the other;
 *   flowidx_decode      on each piece as a posting value: never a flow key
 *                       outside the minute, nor more keys than the piece
 *                       could encode; entries made from the input's bytes,
 *                       encoded with flowidx_encode, decode to exactly
 *                       their flow keys. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flowidx.h"
#include "sa_ptb.h"
#include "schema.h"
#include "topk_set.h"

#define MAX_OPS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* A valid point block built from a piece's bytes, so the fuzzer reaches
 * real merges: byte 0 picks 1..BUILT_COLS columns, then each row takes a
 * time step byte (0 counts as 1) and a byte per column. */
#define BUILT_COLS 4
#define BUILT_ROWS 64

struct built {
	uint32_t nrows, ncols;
	uint64_t t[BUILT_ROWS], v[BUILT_ROWS * BUILT_COLS];
};

static void build(const char *piece, size_t len, struct built *b)
{
	const uint8_t *p = (const uint8_t *)piece;
	uint64_t t = 0;

	b->nrows = 0;
	b->ncols = len ? 1 + p[0] % BUILT_COLS : 1;
	for (size_t at = 1; at + b->ncols < len && b->nrows < BUILT_ROWS; at += 1 + b->ncols) {
		t += p[at] ? p[at] : 1;
		b->t[b->nrows] = t;
		for (uint32_t c = 0; c < b->ncols; c++)
			/* spread bytes over the whole u64 range now and then */
			b->v[b->nrows * b->ncols + c] = p[at + 1 + c] & 0x80 ? (uint64_t)p[at + 1 + c] << 56 : p[at + 1 + c];
		b->nrows++;
	}
}

/* The union of built blocks with sums at equal times, computed here: a
 * dense table over times 1..255 * BUILT_ROWS. */
#define REF_T (255 * BUILT_ROWS + 1)
static uint64_t ref_v[REF_T][BUILT_COLS];
static uint8_t ref_seen[REF_T];

static void check_points_built(const char *const *pieces, const size_t *lens, int n)
{
	static uint8_t enc[MAX_OPS + 1][1 + 20 + BUILT_ROWS * 10 + BUILT_COLS * (1 + BUILT_ROWS * 10)];
	const char *ops[MAX_OPS + 1];
	size_t op_lens[MAX_OPS + 1], out_len = 0;
	uint32_t widest = 0;
	int k = 0;
	struct built b;

	memset(ref_v, 0, sizeof(ref_v));
	memset(ref_seen, 0, sizeof(ref_seen));
	for (int i = 0; i < n; i++) {
		build(pieces[i], lens[i], &b);
		if (b.nrows == 0)
			continue;
		for (uint32_t r = 0; r < b.nrows; r++) {
			ref_seen[b.t[r]] = 1;
			for (uint32_t c = 0; c < b.ncols; c++)
				ref_v[b.t[r]][c] += b.v[r * b.ncols + c];
		}
		widest = b.ncols > widest ? b.ncols : widest;
		op_lens[k] = sa_ptb_encode(enc[k], b.t, b.v, b.nrows, b.ncols);
		if (op_lens[k] == 0)
			__builtin_trap();
		ops[k] = (const char *)enc[k];
		k++;
	}
	char *out = schema_merge_points(NULL, 0, ops, op_lens, k, &out_len);
	struct sa_ptb_rows r;
	sa_ptb_rows_init(&r);
	if (out == NULL || (k > 0 && sa_ptb_rows_add(&r, (const uint8_t *)out, out_len) != 0))
		__builtin_trap();
	uint32_t row = 0;
	for (uint32_t t = 0; t < REF_T; t++) {
		if (!ref_seen[t])
			continue;
		if (row >= r.nrows || r.t[row] != t || r.ncols != widest)
			__builtin_trap();
		for (uint32_t c = 0; c < widest; c++)
			if (r.v[row * widest + c] != ref_v[t][c])
				__builtin_trap();
		row++;
	}
	if (row != r.nrows)
		__builtin_trap();
	sa_ptb_rows_free(&r);
	free(out);
}

/* Raw pieces: whatever the bytes, a value comes back, and any grouping of
 * the operands (RocksDB's partial merges) gives the same bytes. */
static void check_points_raw(const char *existing, size_t elen, const char *const *ops,
			     const size_t *lens, int n_ops)
{
	size_t out_len = 0;
	char *out = schema_merge_points(existing, elen, ops, lens, n_ops, &out_len);

	if (out == NULL)
		__builtin_trap();
	for (int k = 1; k < n_ops; k++) {
		size_t plen = 0, flen = 0;
		char *part = schema_merge_points(existing, elen, ops, lens, k, &plen);
		if (part == NULL)
			__builtin_trap();
		char *full = schema_merge_points(part, plen, ops + k, lens + k, n_ops - k, &flen);
		if (full == NULL || flen != out_len || memcmp(full, out, out_len) != 0)
			__builtin_trap();
		free(part);
		free(full);
	}
	free(out);
}

/* A sketch listed from a decoded value: at most the stored capacity, valid
 * keys, heaviest first. */
static unsigned listed(const struct sa_topk *sk, struct sa_topk_entry *list)
{
	unsigned n = sa_topk_list(sk, list);

	if (n > SCHEMA_TOPK_CAPACITY)
		__builtin_trap();
	for (unsigned i = 0; i < n; i++)
		if (list[i].key_len == 0 || list[i].key_len > SA_TOPK_KEY_MAX ||
		    (i > 0 && list[i].count > list[i - 1].count))
			__builtin_trap();
	return n;
}

static int same_entries(const struct sa_topk_entry *a, unsigned na, const struct sa_topk_entry *b,
			unsigned nb)
{
	if (na != nb)
		return 0;
	for (unsigned i = 0; i < na; i++)
		if (a[i].key_len != b[i].key_len || memcmp(a[i].key, b[i].key, a[i].key_len) != 0 ||
		    a[i].count != b[i].count || a[i].err != b[i].err)
			return 0;
	return 1;
}

/* Merged sketches a and b (of one value each, decoded into fresh sketches)
 * list the same entries. */
static int same_sketch(const struct sa_topk *a, const struct sa_topk *b)
{
	static struct sa_topk_entry la[SCHEMA_TOPK_CAPACITY], lb[SCHEMA_TOPK_CAPACITY];
	unsigned na = listed(a, la), nb = listed(b, lb);

	return same_entries(la, na, lb, nb);
}

static void check_topk(const char *existing, size_t elen, const char *const *ops,
		       const size_t *lens, int n_ops)
{
	size_t out_len = 0, again_len = 0;
	char *out = schema_merge_topk(existing, elen, ops, lens, n_ops, &out_len);

	if (out == NULL || out_len == 0)
		__builtin_trap();
	/* A merged value holds at most capacity distinct keys per sketch, so
	 * merging it on its own again is lossless. Totals are not compared:
	 * they differ only once u64 weights wrap, which real traffic never
	 * does. */
	char *again = schema_merge_topk(out, out_len, NULL, NULL, 0, &again_len);
	if (again == NULL || again_len == 0)
		__builtin_trap();
	const uint8_t *o = (const uint8_t *)out, *g = (const uint8_t *)again;
	if (topk_blob_is_sketch(o, out_len)) {
		struct sa_topk *a = sa_topk_new(SCHEMA_TOPK_CAPACITY), *b = sa_topk_new(SCHEMA_TOPK_CAPACITY);
		if (a == NULL || b == NULL || topk_sketch_add_blob(a, o, out_len) != 0 ||
		    topk_sketch_add_blob(b, g, again_len) != 0 || !same_sketch(a, b))
			__builtin_trap();
		sa_topk_destroy(&a);
		sa_topk_destroy(&b);
	} else {
		/* A row of all eight, as stored before: 4 + 4 sketches. */
		struct topk_set a, b;
		if (topk_set_init(&a, SCHEMA_TOPK_CAPACITY) != 0 || topk_set_init(&b, SCHEMA_TOPK_CAPACITY) != 0 ||
		    topk_set_add_blob(&a, o, out_len) != 0 || topk_set_add_blob(&b, g, again_len) != 0)
			__builtin_trap();
		for (unsigned i = 0; i < TOPK_SKETCHES; i++)
			if (!same_sketch(a.sk[i / TOPK_DIMS][i % TOPK_DIMS], b.sk[i / TOPK_DIMS][i % TOPK_DIMS]))
				__builtin_trap();
		topk_set_fini(&a);
		topk_set_fini(&b);
	}
	free(out);
	free(again);
}

static void check_u64s(const uint8_t *in, size_t len, unsigned cap)
{
	uint64_t *v = malloc(cap ? cap * sizeof(*v) : 1);
	size_t want = len / 8 < cap ? len / 8 : cap;

	if (v == NULL)
		return;
	if (schema_u64s_decode(in, len, v, cap) != want)
		__builtin_trap();
	for (size_t i = 0; i < want; i++)
		if (v[i] != get_le64(in + 8 * i))
			__builtin_trap();
	free(v);
}

static void check_time_key(const uint8_t *k, size_t len)
{
	uint8_t again[SCHEMA_TIME_KEY_LEN];
	unsigned res;
	uint32_t node;
	uint64_t t_s;

	if (schema_time_key_parse(k, len, &res, &node, &t_s) != 0)
		return;
	if (len != SCHEMA_TIME_KEY_LEN || res >= RES_COUNT)
		__builtin_trap();
	schema_time_key(again, res, node, t_s);
	if (memcmp(again, k, SCHEMA_TIME_KEY_LEN) != 0)
		__builtin_trap();
}

static void check_dim_key(const uint8_t *k, size_t len)
{
	uint8_t again[SCHEMA_DIM_KEY_MAX];
	const uint8_t *key;
	size_t key_len;
	unsigned res, dim;
	uint32_t node;
	uint64_t block;

	if (schema_dim_key_parse(k, len, &res, &node, &dim, &block, &key, &key_len) != 0)
		return;
	if (res >= RES_COUNT || !schema_dim_key_ok(dim, key_len) || key != k + SCHEMA_DIM_PREFIX_LEN ||
	    schema_dim_key(again, res, node, dim, block, key, key_len) != len || memcmp(again, k, len) != 0)
		__builtin_trap();
}

static void check_topk_key(const uint8_t *k, size_t len)
{
	uint8_t again[SCHEMA_TOPK_KEY_LEN];
	unsigned res, sketch;
	uint32_t node;
	uint64_t t_s;

	if (schema_topk_key_parse(k, len, &res, &node, &sketch, &t_s) != 0)
		return;
	schema_topk_key(again, res, node, sketch, t_s);
	if (res >= RES_COUNT || sketch >= TOPK_SKETCHES || memcmp(again, k, SCHEMA_TOPK_KEY_LEN) != 0)
		__builtin_trap();
}

static void check_gap_key(const uint8_t *k, size_t len)
{
	uint8_t again[SCHEMA_GAP_KEY_LEN];
	uint32_t node;
	uint64_t from_ns;

	if (schema_gap_key_parse(k, len, &node, &from_ns) != 0)
		return;
	schema_gap_key(again, node, from_ns);
	if (len != SCHEMA_GAP_KEY_LEN || memcmp(again, k, len) != 0)
		__builtin_trap();
}

#define FI_BUCKET_S 1704067200ull /* a minute */

static void check_flowidx_merge(const char *existing, size_t elen, const char *const *ops, const size_t *lens,
				int n)
{
	size_t out_len = 0, want = existing ? elen : 0;
	char *out = flowidx_merge(existing, elen, ops, lens, n, &out_len);

	for (int i = 0; i < n; i++)
		want += lens[i];
	if (out == NULL || out_len != want || (existing && elen && memcmp(out, existing, elen) != 0))
		__builtin_trap();
	free(out);
}

static void check_flowidx_decode(const uint8_t *val, size_t len)
{
	uint8_t key[FLOWIDX_KEY_MAX];
	size_t kl = flowidx_key(key, FLOWIDX_PORT, NULL, 0, 443, FI_BUCKET_S);
	struct flowidx_keys out = {0};

	if (flowidx_decode(key, kl, val, len, 0, UINT64_MAX, 0, &out) < 0)
		goto done; /* out of memory only */
	if (out.n > len / 2) /* an entry takes two bytes at least */
		__builtin_trap();
	for (size_t i = 0; i < out.n; i++) {
		uint64_t t = schema_get_be64(out.k[i]);
		if (t < FI_BUCKET_S * 1000000000ull || t >= (FI_BUCKET_S + FLOWIDX_BUCKET_S) * 1000000000ull)
			__builtin_trap();
	}
done:
	free(out.k);
}

static int fi_key_order(const void *x, const void *y)
{
	return memcmp(x, y, SCHEMA_FLOW_KEY_LEN);
}

/* Up to 16 entries of one posting key, 20 input bytes each. */
static void check_flowidx_roundtrip(const uint8_t *in, size_t len)
{
	struct flowidx_batch fb = {0};
	uint8_t want[16][SCHEMA_FLOW_KEY_LEN], *buf = NULL;
	size_t n = 0, cap = 0, blen = 0;
	struct flowidx_keys out = {0};

	for (; len >= 20 && n < 16; in += 20, len -= 20, n++) {
		struct flowidx_entry e = {.node = (uint32_t)(get_le64(in) & 3), .run = in[4] & 1,
					  .seq = get_le64(in + 5) >> 60, .idx = (uint32_t)get_le64(in + 12),
					  .first_ns = FI_BUCKET_S * 1000000000ull +
						      get_le64(in + 8) % (FLOWIDX_BUCKET_S * 1000000000ull)};
		e.klen = (uint8_t)flowidx_key(e.key, FLOWIDX_PORT, NULL, 0, 443, FI_BUCKET_S);
		if (flowidx_add(&fb, &e) != 0)
			goto done;
		schema_flow_key(want[n], e.first_ns, e.node, e.run, e.seq, e.idx);
	}
	if (n == 0)
		goto done;
	flowidx_sort(&fb);
	if (flowidx_group_end(&fb, 0) != n || flowidx_encode(fb.e, n, &buf, &cap, &blen) != 0)
		goto done;
	if (flowidx_decode(fb.e[0].key, fb.e[0].klen, buf, blen, 0, UINT64_MAX, 0, &out) != 0 || out.n != n)
		__builtin_trap();
	qsort(want, n, SCHEMA_FLOW_KEY_LEN, fi_key_order);
	qsort(out.k, n, SCHEMA_FLOW_KEY_LEN, fi_key_order);
	if (memcmp(want, out.k, n * SCHEMA_FLOW_KEY_LEN) != 0)
		__builtin_trap();
done:
	free(buf);
	free(out.k);
	flowidx_batch_free(&fb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *piece[MAX_OPS + 1] = {NULL};
	size_t len[MAX_OPS + 1] = {0}, hdr;
	int n_ops, no_existing;
	unsigned cap;

	if (size < 1)
		return 0;
	n_ops = (data[0] & 3) + 1;
	no_existing = data[0] & 4;
	cap = data[0] >> 3;
	hdr = 1 + 2 * (size_t)n_ops;
	if (size < hdr)
		return 0;

	const uint8_t *p = data + hdr;
	size_t left = size - hdr;
	for (int i = 0; i <= n_ops; i++) {
		size_t l = left;
		if (i < n_ops)
			l = (size_t)(data[1 + 2 * i] | data[2 + 2 * i] << 8) % (left + 1);
		piece[i] = malloc(l ? l : 1);
		if (piece[i] == NULL)
			goto out;
		memcpy(piece[i], p, l);
		len[i] = l;
		p += l;
		left -= l;
	}

	const char *existing = no_existing ? NULL : piece[0];
	const char *const *ops = (const char *const *)&piece[1];
	check_points_raw(existing, len[0], ops, &len[1], n_ops);
	check_points_built((const char *const *)piece, len, n_ops + 1);
	check_topk(existing, len[0], ops, &len[1], n_ops);
	check_u64s(data + hdr, size - hdr, cap);
	check_flowidx_merge(existing, len[0], ops, &len[1], n_ops);
	check_flowidx_roundtrip(data + hdr, size - hdr);
	for (int i = 0; i <= n_ops; i++) {
		check_time_key((const uint8_t *)piece[i], len[i]);
		check_dim_key((const uint8_t *)piece[i], len[i]);
		check_gap_key((const uint8_t *)piece[i], len[i]);
		check_topk_key((const uint8_t *)piece[i], len[i]);
		check_flowidx_decode((const uint8_t *)piece[i], len[i]);
	}
out:
	for (int i = 0; i <= n_ops; i++)
		free(piece[i]);
	return 0;
}
