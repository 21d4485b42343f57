#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sa_ptb.h"
#include "sa_time.h"
#include "schema.h"
#include "topk_set.h"

const uint32_t schema_res_seconds[RES_COUNT] = {1, 60, 3600};
/* 3600, 1440 and 720 rows per block. */
const uint32_t schema_block_seconds[RES_COUNT] = {3600, 86400, 30 * 86400};

_Static_assert(30 * 86400 / 3600 <= SA_PTB_MAX_ROWS && 3600 <= SA_PTB_MAX_ROWS,
	       "a block's rows must fit a point block");

uint64_t schema_block_start(unsigned res, uint64_t t_s)
{
	return t_s - t_s % schema_block_seconds[res];
}

void schema_be64(uint8_t *out, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

uint64_t schema_get_be64(const uint8_t *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | in[i];
	return v;
}

void schema_be32(uint8_t *out, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

uint32_t schema_get_be32(const uint8_t *in)
{
	return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}

void schema_time_key(uint8_t out[SCHEMA_TIME_KEY_LEN], unsigned res, uint32_t node, uint64_t t_s)
{
	out[0] = (uint8_t)res;
	schema_be32(out + 1, node);
	schema_be64(out + 5, t_s);
}

int schema_time_key_parse(const uint8_t *k, size_t len, unsigned *res, uint32_t *node, uint64_t *t_s)
{
	if (len != SCHEMA_TIME_KEY_LEN || k[0] >= RES_COUNT)
		return -EINVAL;
	*res = k[0];
	*node = schema_get_be32(k + 1);
	*t_s = schema_get_be64(k + 5);
	return 0;
}

void schema_topk_key(uint8_t out[SCHEMA_TOPK_KEY_LEN], unsigned res, uint32_t node, unsigned sketch, uint64_t t_s)
{
	out[0] = (uint8_t)(SCHEMA_TOPK_RES0 + res);
	schema_be32(out + 1, node);
	out[5] = (uint8_t)sketch;
	schema_be64(out + 6, t_s);
}

int schema_topk_key_parse(const uint8_t *k, size_t len, unsigned *res, uint32_t *node, unsigned *sketch,
			  uint64_t *t_s)
{
	if (len != SCHEMA_TOPK_KEY_LEN || k[0] < SCHEMA_TOPK_RES0 || k[0] >= SCHEMA_TOPK_RES0 + RES_COUNT ||
	    k[5] >= TOPK_SKETCHES)
		return -EINVAL;
	*res = k[0] - SCHEMA_TOPK_RES0;
	*node = schema_get_be32(k + 1);
	*sketch = k[5];
	*t_s = schema_get_be64(k + 6);
	return 0;
}

int schema_dim_key_ok(unsigned dim, size_t key_len)
{
	if (dim >= SCHEMA_DIM_KINDS)
		return 0;
	if (dim == SCHEMA_DIM_CLASS)
		return key_len <= SCHEMA_CLASS_KEY_MAX; /* 0: a range bound */
	if (key_len == 0)
		return 1;
	return dim < 2 ? key_len == 4 || key_len == 16 : key_len == 2;
}

size_t schema_dim_key(uint8_t out[SCHEMA_DIM_KEY_MAX], unsigned res, uint32_t node, unsigned dim,
		      uint64_t block_s, const uint8_t *key, size_t key_len)
{
	if (!schema_dim_key_ok(dim, key_len))
		return 0;
	out[0] = (uint8_t)res;
	schema_be32(out + 1, node);
	out[5] = (uint8_t)dim;
	schema_be64(out + 6, block_s);
	if (key_len) /* a range bound or the "other" series passes no key */
		memcpy(out + SCHEMA_DIM_PREFIX_LEN, key, key_len);
	return SCHEMA_DIM_PREFIX_LEN + key_len;
}

int schema_dim_key_parse(const uint8_t *k, size_t len, unsigned *res, uint32_t *node, unsigned *dim,
			 uint64_t *block_s, const uint8_t **key, size_t *key_len)
{
	if (len < SCHEMA_DIM_PREFIX_LEN || k[0] >= RES_COUNT ||
	    !schema_dim_key_ok(k[5], len - SCHEMA_DIM_PREFIX_LEN))
		return -EINVAL;
	*res = k[0];
	*node = schema_get_be32(k + 1);
	*dim = k[5];
	*block_s = schema_get_be64(k + 6);
	*key = k + SCHEMA_DIM_PREFIX_LEN;
	*key_len = len - SCHEMA_DIM_PREFIX_LEN;
	return 0;
}

void schema_flow_key(uint8_t out[SCHEMA_FLOW_KEY_LEN], uint64_t first_ns, uint32_t node,
		     uint64_t run, uint64_t seq, uint32_t idx)
{
	schema_be64(out, first_ns);
	schema_be32(out + 8, node);
	schema_be64(out + 12, run);
	schema_be64(out + 20, seq);
	schema_be32(out + 28, idx);
}

int schema_flow_key_parse(const uint8_t *k, size_t len, uint64_t *first_ns, uint32_t *node, uint64_t *run,
			 uint64_t *seq, uint32_t *idx)
{
	if (len != SCHEMA_FLOW_KEY_LEN)
		return -EINVAL;
	*first_ns = schema_get_be64(k);
	*node = schema_get_be32(k + 8);
	*run = schema_get_be64(k + 12);
	*seq = schema_get_be64(k + 20);
	*idx = schema_get_be32(k + 28);
	return 0;
}

uint64_t schema_marker_time(const uint8_t *k, size_t len, const uint8_t *val, size_t vlen)
{
	uint64_t t = 0;

	if (len != SCHEMA_MARKER_KEY_LEN || k[0] != 'b')
		return UINT64_MAX;
	schema_u64s_decode(val, vlen, &t, 1);
	return t;
}

void schema_marker_key(uint8_t out[SCHEMA_MARKER_KEY_LEN], uint32_t node, uint64_t run, uint64_t seq)
{
	out[0] = 'b';
	schema_be32(out + 1, node);
	schema_be64(out + 5, run);
	schema_be64(out + 13, seq);
}

void schema_node_key(uint8_t out[SCHEMA_NODE_KEY_LEN], char kind, uint32_t node)
{
	out[0] = (uint8_t)kind;
	schema_be32(out + 1, node);
}

void schema_gap_key(uint8_t out[SCHEMA_GAP_KEY_LEN], uint32_t node, uint64_t from_ns)
{
	out[0] = 'g';
	schema_be32(out + 1, node);
	schema_be64(out + 5, from_ns);
}

int schema_gap_key_parse(const uint8_t *k, size_t len, uint32_t *node, uint64_t *from_ns)
{
	if (len != SCHEMA_GAP_KEY_LEN || k[0] != 'g')
		return -EINVAL;
	*node = schema_get_be32(k + 1);
	*from_ns = schema_get_be64(k + 5);
	return 0;
}

size_t schema_model_key(uint8_t out[SCHEMA_MODEL_KEY_MAX], const char *series, uint32_t version)
{
	size_t n = strlen(series);

	if (n == 0 || n + 5 > SCHEMA_MODEL_KEY_MAX)
		return 0;
	memcpy(out, series, n);
	out[n] = 0; /* no series name contains NUL, so names never prefix each other */
	schema_be32(out + n + 1, version);
	return n + 5;
}

size_t schema_monitor_key(uint8_t out[SCHEMA_SERIES_KEY_MAX], const char *series, uint64_t t_s)
{
	size_t n = strlen(series);

	if (n == 0 || n + 9 > SCHEMA_SERIES_KEY_MAX)
		return 0;
	memcpy(out, series, n);
	out[n] = 0;
	schema_be64(out + n + 1, t_s);
	return n + 9;
}

uint64_t schema_monitor_time(const uint8_t *k, size_t len, const uint8_t *val, size_t vlen)
{
	const uint8_t *nul = memchr(k, 0, len);

	(void)val;
	(void)vlen;
	if (nul == NULL || (size_t)(k + len - nul) != 9)
		return UINT64_MAX;
	uint64_t t_s = schema_get_be64(nul + 1);
	return t_s > UINT64_MAX / SA_NS_PER_S ? UINT64_MAX : t_s * SA_NS_PER_S;
}

size_t schema_alert_key(uint8_t out[SCHEMA_SERIES_KEY_MAX], uint64_t t_ns, const char *series)
{
	size_t n = strlen(series);

	if (n == 0 || n + 8 > SCHEMA_SERIES_KEY_MAX)
		return 0;
	schema_be64(out, t_ns);
	memcpy(out + 8, series, n);
	return n + 8;
}

void schema_u64s_encode(uint8_t *out, const uint64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < 8; b++)
			out[i * 8 + b] = (uint8_t)(v[i] >> (8 * b));
}

size_t schema_u64s_decode(const uint8_t *in, size_t len, uint64_t *v, size_t cap)
{
	size_t n = len / 8 < cap ? len / 8 : cap;

	for (size_t i = 0; i < n; i++) {
		uint64_t x = 0;
		for (int b = 7; b >= 0; b--)
			x = x << 8 | in[i * 8 + b];
		v[i] = x;
	}
	return n;
}

char *schema_merge_points(const char *existing, size_t existing_len, const char *const *ops,
			  const size_t *op_lens, int n_ops, size_t *out_len)
{
	struct sa_ptb_rows r;
	uint8_t *out = NULL;

	sa_ptb_rows_init(&r);
	/* A value that does not decode is dropped rather than failing the
	 * merge, which would stall compaction forever; running out of memory
	 * fails it, and RocksDB tries again later. */
	for (int i = -1; i < n_ops; i++) {
		const char *v = i < 0 ? existing : ops[i];
		if (v != NULL && sa_ptb_rows_add(&r, (const uint8_t *)v, i < 0 ? existing_len : op_lens[i]) == -ENOMEM) {
			sa_ptb_rows_free(&r);
			return NULL;
		}
	}
	*out_len = sa_ptb_rows_encode(&r, &out);
	if (*out_len == 0 && r.nrows == 0)
		out = malloc(1); /* nothing valid: an empty value */
	sa_ptb_rows_free(&r);
	return (char *)out;
}

/* A key's sketch values merged into one. */
static char *merge_sketch(const char *existing, size_t existing_len, const char *const *ops,
			  const size_t *op_lens, int n_ops, size_t *out_len)
{
	struct sa_topk *sk = sa_topk_new(SCHEMA_TOPK_CAPACITY);
	uint8_t *out = NULL;

	if (sk == NULL)
		return NULL;
	/* A value that does not decode is dropped rather than failing the
	 * merge, which would stall compaction forever. */
	if (existing != NULL)
		topk_sketch_add_blob(sk, (const uint8_t *)existing, existing_len);
	for (int i = 0; i < n_ops; i++)
		topk_sketch_add_blob(sk, (const uint8_t *)ops[i], op_lens[i]);
	*out_len = topk_sketch_pack(sk, &out);
	sa_topk_destroy(&sk);
	return (char *)out;
}

char *schema_merge_topk(const char *existing, size_t existing_len, const char *const *ops,
			const size_t *op_lens, int n_ops, size_t *out_len)
{
	struct topk_set set;
	uint8_t *out = NULL;
	bool sketch = existing != NULL && topk_blob_is_sketch((const uint8_t *)existing, existing_len);

	for (int i = 0; i < n_ops && !sketch; i++)
		sketch = topk_blob_is_sketch((const uint8_t *)ops[i], op_lens[i]);
	if (sketch)
		return merge_sketch(existing, existing_len, ops, op_lens, n_ops, out_len);
	/* A row stored before: all eight sketches in each value. */
	if (topk_set_init(&set, SCHEMA_TOPK_CAPACITY) != 0)
		return NULL;
	if (existing != NULL)
		topk_set_add_blob(&set, (const uint8_t *)existing, existing_len);
	for (int i = 0; i < n_ops; i++)
		topk_set_add_blob(&set, (const uint8_t *)ops[i], op_lens[i]);
	*out_len = topk_set_pack(&set, &out);
	topk_set_fini(&set);
	return (char *)out;
}
