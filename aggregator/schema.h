/* The store's layout: how every key and value in each column family is
 * encoded. Keys are big-endian so a time range is one iterator scan:
 *
 *   series  res:u8 node:u32 block_s:u64    -> point block (sa_ptb.h): one row
 *                                             per interval, a column per
 *                                             sa_counter.h index
 *   hist    res:u8 node:u32 block_s:u64    -> point block: size | iat | rtt buckets
 *   topk    res:u8 node:u32 t_s:u64        -> IntervalStats with only sketches
 *   flows   first_ns:u64 node:u32 run:u64 seq:u64 idx:u32 -> FlowRecord
 *   ingest  'b' node:u32 run:u64 seq:u64   -> ""   (batch stored: dedup)
 *           'n' node:u32                   -> NodeInfo
 *           'e' node:u32                   -> first_ns:u64 last_ns:u64 LE
 *   models  series-name 0x00 version:u32   -> Model
 *
 * node 0 in series/hist/topk is the sum over all nodes, written alongside
 * each node's own key so a cluster-wide answer is one scan.
 * Resolutions: 1 s, 1 min and 1 h rows are all written at ingest (merge
 * operands add up), so any query reads the coarsest row that fits its step.
 * A point block covers schema_block_seconds of its resolution from block_s;
 * a row's time in it counts resolution steps from block_s. */
#ifndef SCHEMA_H
#define SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "sa_hist.h"

enum schema_res { RES_1S, RES_1M, RES_1H, RES_COUNT };
extern const uint32_t schema_res_seconds[RES_COUNT];
extern const uint32_t schema_block_seconds[RES_COUNT];

/* Start of the point block that holds second t_s at resolution res. */
uint64_t schema_block_start(unsigned res, uint64_t t_s);

#define SCHEMA_NODE_ALL 0
#define SCHEMA_TIME_KEY_LEN 13
#define SCHEMA_FLOW_KEY_LEN 32
#define SCHEMA_MARKER_KEY_LEN 21
#define SCHEMA_NODE_KEY_LEN 5
#define SCHEMA_HIST_LEN (SA_SIZE_BUCKETS + 2 * SA_TIME_BUCKETS)
#define SCHEMA_HIST_IAT SA_SIZE_BUCKETS
#define SCHEMA_HIST_RTT (SA_SIZE_BUCKETS + SA_TIME_BUCKETS)
#define SCHEMA_TOPK_CAPACITY 1024 /* keys kept per sketch per stored row */
#define SCHEMA_MODEL_KEY_MAX 128

void schema_time_key(uint8_t out[SCHEMA_TIME_KEY_LEN], unsigned res, uint32_t node, uint64_t t_s);
/* Returns 0, or -EINVAL for a key of the wrong size. */
int schema_time_key_parse(const uint8_t *k, size_t len, unsigned *res, uint32_t *node, uint64_t *t_s);

void schema_flow_key(uint8_t out[SCHEMA_FLOW_KEY_LEN], uint64_t first_ns, uint32_t node,
		     uint64_t run, uint64_t seq, uint32_t idx);
void schema_marker_key(uint8_t out[SCHEMA_MARKER_KEY_LEN], uint32_t node, uint64_t run, uint64_t seq);
void schema_node_key(uint8_t out[SCHEMA_NODE_KEY_LEN], char kind, uint32_t node);
/* Returns the key length, or 0 if the name is too long or contains NUL. */
size_t schema_model_key(uint8_t out[SCHEMA_MODEL_KEY_MAX], const char *series, uint32_t version);

void schema_be64(uint8_t *out, uint64_t v);
uint64_t schema_get_be64(const uint8_t *in);
void schema_be32(uint8_t *out, uint32_t v);
uint32_t schema_get_be32(const uint8_t *in);

/* u64 arrays, little-endian. decode returns how many values it read (at
 * most cap; a trailing partial value is ignored). */
void schema_u64s_encode(uint8_t *out, const uint64_t *v, size_t n);
size_t schema_u64s_decode(const uint8_t *in, size_t len, uint64_t *v, size_t cap);

/* Merge operators (tsdb_merge_fn): the union of point blocks (values at
 * the same time add up), and the union of heavy-hitter sketches (weighted
 * Space-Saving, SCHEMA_TOPK_CAPACITY). Both always return a value for
 * whatever bytes are stored (undecodable ones count as empty), except when
 * memory runs out. */
char *schema_merge_points(const char *existing, size_t existing_len, const char *const *ops,
			  const size_t *op_lens, int n_ops, size_t *out_len);
char *schema_merge_topk(const char *existing, size_t existing_len, const char *const *ops,
			const size_t *op_lens, int n_ops, size_t *out_len);

#endif
