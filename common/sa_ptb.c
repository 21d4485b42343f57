#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sa_ptb.h"
#include "sa_varint.h"

static uint64_t zigzag(uint64_t x)
{
	return x << 1 ^ (0 - (x >> 63));
}

static uint64_t unzigzag(uint64_t z)
{
	return z >> 1 ^ (0 - (z & 1));
}

size_t sa_ptb_bound(uint32_t nrows, uint32_t ncols)
{
	return 1 + 2 * SA_VARINT_MAX + (size_t)nrows * SA_VARINT_MAX +
	       (size_t)ncols * (1 + (size_t)nrows * SA_VARINT_MAX);
}

/* Encoded size of column c in each mode. */
static void column_costs(const uint64_t *v, uint32_t nrows, uint32_t ncols, uint32_t c,
			 size_t *raw, size_t *delta)
{
	uint64_t prev = 0;

	*raw = *delta = 0;
	for (uint32_t i = 0; i < nrows; i++) {
		uint64_t x = v[(size_t)i * ncols + c];
		*raw += sa_varint_len(x);
		*delta += sa_varint_len(zigzag(x - prev));
		prev = x;
	}
}

static uint8_t *column_put(uint8_t *p, const uint64_t *v, uint32_t nrows, uint32_t ncols, uint32_t c)
{
	size_t raw, delta;
	uint64_t prev = 0;

	column_costs(v, nrows, ncols, c, &raw, &delta);
	if (raw == nrows) { /* one byte each: all zero, or all below 128 */
		bool zero = true;
		for (uint32_t i = 0; i < nrows && zero; i++)
			zero = v[(size_t)i * ncols + c] == 0;
		if (zero) {
			*p++ = SA_PTB_ZERO;
			return p;
		}
	}
	*p++ = delta < raw ? SA_PTB_DELTA : SA_PTB_RAW;
	for (uint32_t i = 0; i < nrows; i++) {
		uint64_t x = v[(size_t)i * ncols + c];
		p = sa_varint_put(p, delta < raw ? zigzag(x - prev) : x);
		prev = x;
	}
	return p;
}

size_t sa_ptb_encode(uint8_t *out, const uint64_t *t, const uint64_t *v, uint32_t nrows,
		     uint32_t ncols)
{
	uint8_t *p = out;

	if (nrows == 0 || nrows > SA_PTB_MAX_ROWS || ncols == 0 || ncols > SA_PTB_MAX_COLS)
		return 0;
	for (uint32_t i = 1; i < nrows; i++)
		if (t[i] <= t[i - 1])
			return 0;
	*p++ = SA_PTB_VERSION;
	p = sa_varint_put(p, nrows);
	p = sa_varint_put(p, ncols);
	p = sa_varint_put(p, t[0]);
	if (nrows > 1)
		p = sa_varint_put(p, t[1] - t[0]);
	for (uint32_t i = 2; i < nrows; i++)
		p = sa_varint_put(p, zigzag((t[i] - t[i - 1]) - (t[i - 1] - t[i - 2])));
	for (uint32_t c = 0; c < ncols; c++)
		p = column_put(p, v, nrows, ncols, c);
	return (size_t)(p - out);
}

static int header_get(struct sa_reader *r, uint32_t *nrows, uint32_t *ncols)
{
	if (sa_byte_get(r) != SA_PTB_VERSION)
		return -EINVAL;
	uint64_t nr = sa_varint_get(r), nc = sa_varint_get(r);
	if (r->bad || nr == 0 || nr > SA_PTB_MAX_ROWS || nc == 0 || nc > SA_PTB_MAX_COLS)
		return -EINVAL;
	*nrows = (uint32_t)nr;
	*ncols = (uint32_t)nc;
	return 0;
}

int sa_ptb_dims(const uint8_t *buf, size_t len, uint32_t *nrows, uint32_t *ncols)
{
	struct sa_reader r = {buf, buf + len, false};

	return header_get(&r, nrows, ncols);
}

static bool times_get(struct sa_reader *r, uint64_t *t, uint32_t nrows)
{
	uint64_t step = 0;

	t[0] = sa_varint_get(r);
	for (uint32_t i = 1; i < nrows && !r->bad; i++) {
		step = i == 1 ? sa_varint_get(r) : step + unzigzag(sa_varint_get(r));
		t[i] = t[i - 1] + step;
		if (t[i] <= t[i - 1])
			return false;
	}
	return !r->bad;
}

static bool column_get(struct sa_reader *r, uint64_t *v, uint32_t nrows, uint32_t ncols, uint32_t c)
{
	int mode = sa_byte_get(r);
	uint64_t prev = 0;

	if (mode != SA_PTB_ZERO && mode != SA_PTB_RAW && mode != SA_PTB_DELTA)
		return false;
	for (uint32_t i = 0; i < nrows && !r->bad; i++) {
		uint64_t x = mode == SA_PTB_ZERO ? 0 : sa_varint_get(r);
		if (mode == SA_PTB_DELTA)
			x = prev + unzigzag(x);
		v[(size_t)i * ncols + c] = prev = x;
	}
	return !r->bad;
}

/* Decodes a whole block into fresh arrays. */
static int decode(const uint8_t *buf, size_t len, struct sa_ptb_rows *out)
{
	struct sa_reader r = {buf, buf + len, false};
	uint32_t nrows, ncols;

	if (header_get(&r, &nrows, &ncols) != 0 || nrows > len) /* a row costs a byte at least */
		return -EINVAL;
	out->t = malloc(nrows * sizeof(*out->t));
	out->v = malloc((size_t)nrows * ncols * sizeof(*out->v));
	if (out->t == NULL || out->v == NULL) {
		sa_ptb_rows_free(out);
		return -ENOMEM;
	}
	bool ok = times_get(&r, out->t, nrows);
	for (uint32_t c = 0; c < ncols && ok; c++)
		ok = column_get(&r, out->v, nrows, ncols, c);
	if (!ok || r.p != r.end) {
		sa_ptb_rows_free(out);
		return -EINVAL;
	}
	out->nrows = nrows;
	out->ncols = ncols;
	return 0;
}

void sa_ptb_rows_init(struct sa_ptb_rows *r)
{
	memset(r, 0, sizeof(*r));
}

void sa_ptb_rows_free(struct sa_ptb_rows *r)
{
	free(r->t);
	free(r->v);
	sa_ptb_rows_init(r);
}

/* Adds row i of src (src->ncols wide) to the row dst (w wide). */
static void row_add(uint64_t *dst, uint32_t w, const struct sa_ptb_rows *src, uint32_t i)
{
	for (uint32_t c = 0; c < src->ncols && c < w; c++)
		dst[c] += src->v[(size_t)i * src->ncols + c];
}

/* Which side(s) hold the next time of a sorted merge of a and b. */
static void merge_step(const struct sa_ptb_rows *a, uint32_t i, const struct sa_ptb_rows *b,
		       uint32_t j, bool *take_a, bool *take_b)
{
	*take_a = j == b->nrows || (i < a->nrows && a->t[i] <= b->t[j]);
	*take_b = i == a->nrows || (j < b->nrows && b->t[j] <= a->t[i]);
}

/* Distinct times in a and b together. */
static size_t union_rows(const struct sa_ptb_rows *a, const struct sa_ptb_rows *b)
{
	uint32_t i = 0, j = 0;
	size_t n = 0;
	bool ta, tb;

	for (; i < a->nrows || j < b->nrows; n++) {
		merge_step(a, i, b, j, &ta, &tb);
		i += ta;
		j += tb;
	}
	return n;
}

int sa_ptb_rows_add(struct sa_ptb_rows *r, const uint8_t *buf, size_t len)
{
	struct sa_ptb_rows b;
	int rc = decode(buf, len, &b);

	if (rc != 0)
		return rc;
	uint32_t w = r->ncols > b.ncols ? r->ncols : b.ncols;
	size_t cap = (size_t)r->nrows + b.nrows;
	if (cap > SA_PTB_MAX_ROWS && union_rows(r, &b) > SA_PTB_MAX_ROWS) {
		sa_ptb_rows_free(&b);
		return -E2BIG;
	}
	uint64_t *t = malloc(cap * sizeof(*t)), *v = calloc(cap * w, sizeof(*v));
	if (t == NULL || v == NULL) {
		free(t);
		free(v);
		sa_ptb_rows_free(&b);
		return -ENOMEM;
	}
	/* Both sides are sorted: one merging pass. */
	uint32_t i = 0, j = 0, n = 0;
	while (i < r->nrows || j < b.nrows) {
		bool take_r, take_b;
		merge_step(r, i, &b, j, &take_r, &take_b);
		uint64_t *row = v + (size_t)n * w;
		t[n] = take_r ? r->t[i] : b.t[j];
		if (take_r)
			row_add(row, w, r, i++);
		if (take_b)
			row_add(row, w, &b, j++);
		n++;
	}
	sa_ptb_rows_free(&b);
	free(r->t);
	free(r->v);
	r->t = t;
	r->v = v;
	r->nrows = n;
	r->ncols = w;
	return 0;
}

size_t sa_ptb_rows_encode(const struct sa_ptb_rows *r, uint8_t **out)
{
	if (r->nrows == 0 || r->nrows > SA_PTB_MAX_ROWS)
		return 0;
	*out = malloc(sa_ptb_bound(r->nrows, r->ncols));
	if (*out == NULL)
		return 0;
	size_t len = sa_ptb_encode(*out, r->t, r->v, r->nrows, r->ncols);
	if (len == 0) {
		free(*out);
		*out = NULL;
	}
	return len;
}
