/* The store's layout: how every key and value in each column family is
 * encoded. Keys are big-endian so a time range is one iterator scan:
 *
 *   series  res:u8 node:u32 block_s:u64    -> point block (sa_ptb.h): one row
 *                                             per interval, a column per
 *                                             sa_counter.h index
 *   hist    res:u8 node:u32 block_s:u64    -> point block: size | iat | rtt buckets
 *   topk    0x10+res:u8 node:u32 sketch:u8 t_s:u64 -> one heavy-hitter
 *                                             sketch (topk_set.h; sketch i is
 *                                             weight i / 4, dimension i % 4),
 *                                             so a query merges only the one
 *                                             it asks for (rows keyed
 *                                             res node t_s holding all eight
 *                                             are converted at start: upgrade.h)
 *   dims    res:u8 node:u32 dim:u8 block_s:u64 key -> point block: bytes |
 *                                             packets of one tracked address
 *                                             or port (dim: TopDim; key: 4 or
 *                                             16 address bytes, 2 port bytes
 *                                             big-endian, or none for the
 *                                             rest: "other"); dim 4: a
 *                                             class name, bytes | packets |
 *                                             flows | labelled | correct
 *   flows   first_ns:u64 node:u32 run:u64 seq:u64 idx:u32 -> FlowRecord
 *   ingest  'b' node:u32 run:u64 seq:u64   -> stored_ns:u64 LE (batch stored:
 *                                             dedup; wall clock, for expiry)
 *           'n' node:u32                   -> NodeInfo
 *           'e' node:u32                   -> first_ns:u64 last_ns:u64 LE
 *           'r' node:u32                   -> run:u64 end_ns:u64 LE (the node's
 *                                             latest run, and where its newest
 *                                             interval ends)
 *           'g' node:u32 from_ns:u64       -> to_ns:u64 LE (a gap: the node
 *                                             was not running between two runs)
 *   models  series-name 0x00 version:u32   -> Model
 *   flowidx 'A' addr:16 bucket_s:u64       -> posting runs: the flows that
 *           'P' port:u16 bucket_s:u64         start in that minute and have
 *                                             that address or port (flowidx.h)
 *
 * node 0 in series/hist/topk is the sum over all nodes (dims have none), written alongside
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
#define SCHEMA_GAP_KEY_LEN 13
#define SCHEMA_TOPK_KEY_LEN 14
#define SCHEMA_TOPK_RES0 0x10 /* a topk key's first byte: this plus the resolution */
#define SCHEMA_HIST_LEN (SA_SIZE_BUCKETS + 2 * SA_TIME_BUCKETS)
#define SCHEMA_HIST_IAT SA_SIZE_BUCKETS
#define SCHEMA_HIST_RTT (SA_SIZE_BUCKETS + SA_TIME_BUCKETS)
#define SCHEMA_TOPK_CAPACITY 1024 /* keys kept per sketch per stored row */
#define SCHEMA_MODEL_KEY_MAX 128
#define SCHEMA_DIMS 4          /* TopDim: src-ip, dst-ip, src-port, dst-port */
#define SCHEMA_DIM_CLASS 4     /* the classifier's classes (classify.h); key: the name, 1..16 bytes */
#define SCHEMA_DIM_KINDS 5
#define SCHEMA_CLASS_KEY_MAX 16
#define SCHEMA_DIM_PREFIX_LEN 14 /* res node dim block_s */
#define SCHEMA_DIM_KEY_MAX (SCHEMA_DIM_PREFIX_LEN + 16)
/* Address and port rows hold bytes and packets (DIM_TOP_COLS); class rows
 * also the flows, and of the flows with a ground-truth label, how many and
 * how many the classifier got right. */
enum schema_dim_col { DIM_BYTES, DIM_PACKETS, DIM_FLOWS, DIM_LABELLED, DIM_CORRECT, DIM_COLS };
#define DIM_TOP_COLS 2

void schema_time_key(uint8_t out[SCHEMA_TIME_KEY_LEN], unsigned res, uint32_t node, uint64_t t_s);
void schema_topk_key(uint8_t out[SCHEMA_TOPK_KEY_LEN], unsigned res, uint32_t node, unsigned sketch, uint64_t t_s);
/* Returns 0, or -EINVAL for a key that is not a topk key. */
int schema_topk_key_parse(const uint8_t *k, size_t len, unsigned *res, uint32_t *node, unsigned *sketch,
			  uint64_t *t_s);
/* Returns 0, or -EINVAL for a key of the wrong size. */
int schema_time_key_parse(const uint8_t *k, size_t len, unsigned *res, uint32_t *node, uint64_t *t_s);

void schema_flow_key(uint8_t out[SCHEMA_FLOW_KEY_LEN], uint64_t first_ns, uint32_t node,
		     uint64_t run, uint64_t seq, uint32_t idx);
/* Returns 0 with the parts of a flow key, or -EINVAL for one of the wrong size. */
int schema_flow_key_parse(const uint8_t *k, size_t len, uint64_t *first_ns, uint32_t *node, uint64_t *run,
			  uint64_t *seq, uint32_t *idx);
/* A tsdb_key_time_fn for the ingest column family: a dedup marker's store
 * time (0 for a marker without one), UINT64_MAX for node state. */
uint64_t schema_marker_time(const uint8_t *k, size_t len, const uint8_t *val, size_t vlen);

/* A dims key (key_len 0: the "other" series). Returns its length, or 0
 * for a key that dimension cannot have (see schema_dim_key_ok). */
size_t schema_dim_key(uint8_t out[SCHEMA_DIM_KEY_MAX], unsigned res, uint32_t node, unsigned dim,
		      uint64_t block_s, const uint8_t *key, size_t key_len);
/* Whether dim is a dimension and key_len a length its keys have. */
int schema_dim_key_ok(unsigned dim, size_t key_len);
/* Returns 0 with the parts of a dims key (*key points into k), or -EINVAL. */
int schema_dim_key_parse(const uint8_t *k, size_t len, unsigned *res, uint32_t *node, unsigned *dim,
			 uint64_t *block_s, const uint8_t **key, size_t *key_len);

void schema_marker_key(uint8_t out[SCHEMA_MARKER_KEY_LEN], uint32_t node, uint64_t run, uint64_t seq);
void schema_node_key(uint8_t out[SCHEMA_NODE_KEY_LEN], char kind, uint32_t node);
/* A gap key ('g' node from_ns); parse returns 0 with its parts, or -EINVAL. */
void schema_gap_key(uint8_t out[SCHEMA_GAP_KEY_LEN], uint32_t node, uint64_t from_ns);
int schema_gap_key_parse(const uint8_t *k, size_t len, uint32_t *node, uint64_t *from_ns);
/* Returns the key length, or 0 if the name is too long or contains NUL. */
size_t schema_model_key(uint8_t out[SCHEMA_MODEL_KEY_MAX], const char *series, uint32_t version);

/* A monitor row: series, NUL, be64 interval start (s). An alert: be64
 * t_ns, then the series (so a time range is one scan). Both return the
 * length, or 0 if the name is too long or empty. */
#define SCHEMA_SERIES_KEY_MAX (SCHEMA_MODEL_KEY_MAX + 8)
size_t schema_monitor_key(uint8_t out[SCHEMA_SERIES_KEY_MAX], const char *series, uint64_t t_s);
size_t schema_alert_key(uint8_t out[SCHEMA_SERIES_KEY_MAX], uint64_t t_ns, const char *series);
/* A tsdb_key_time_fn for monitor rows: the interval's start in ns
 * (UINT64_MAX for a malformed key, which is kept). */
uint64_t schema_monitor_time(const uint8_t *k, size_t len, const uint8_t *val, size_t vlen);

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
 * Space-Saving, SCHEMA_TOPK_CAPACITY per sketch; values of one sketch, or
 * of all eight in rows stored before). Both always return a value for
 * whatever bytes are stored (undecodable ones count as empty), except when
 * memory runs out. */
char *schema_merge_points(const char *existing, size_t existing_len, const char *const *ops,
			  const size_t *op_lens, int n_ops, size_t *out_len);
char *schema_merge_topk(const char *existing, size_t existing_len, const char *const *ops,
			const size_t *op_lens, int n_ops, size_t *out_len);

#endif
