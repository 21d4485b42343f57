/* Helpers shared by the answer_*.c files: resolving a query's time range
 * against what is stored, picking a resolution, scanning time rows. */
#ifndef ANSWER_STORE_H
#define ANSWER_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "sa.pb-c.h"
#include "node_list.h"
#include "sa_arena.h"
#include "tsdb.h"

/* Sets r->code and r->message (a static or arena string); returns code. */
int answer_fail(Sa__Response *r, int code, const char *msg);

/* First and last packet time stored for a node (0 = all nodes). Returns
 * false when nothing is stored for it. */
bool answer_extent(struct tsdb *db, uint32_t node, uint64_t *first_ns, uint64_t *last_ns);

/* Turns the query's [from_ns, to_ns) into whole seconds aligned to `align`
 * seconds (outward), filling open ends from the stored extent. Returns
 * false when there is no data to answer from. */
bool answer_range_s(struct tsdb *db, const Sa__Query *q, uint32_t align, uint64_t *from_s,
		    uint64_t *to_s);

/* Coarsest stored resolution whose length divides step, from and to. */
unsigned answer_pick_res(uint64_t step, uint64_t from_s, uint64_t to_s);

/* Finest resolution, no coarser than answer_pick_res's, whose rows of
 * node still reach back to from_s (retention deletes the fine tiers first). */
unsigned answer_finest_res(struct tsdb *db, uint32_t node, uint64_t step, uint64_t from_s, uint64_t to_s);

/* The tier to read for rows of res over [from_s, to_s): res itself while
 * it still holds from_s, else the next coarser one that does, with the
 * range widened outward to its rows (the answer then says so). */
unsigned answer_tier_holding(struct tsdb *db, uint32_t node, unsigned res, uint64_t *from_s, uint64_t *to_s);

/* Says what the answer covers: [from_s, to_s) read from rows of res. */
void answer_say_range(Sa__Response *r, uint64_t from_s, uint64_t to_s, unsigned res);

/* Calls fn for every stored value of cf at res for node with a time key in
 * [from_s, to_s) (sketch rows: TSDB_TOPK). */
typedef void (*answer_row_fn)(void *ctx, uint64_t t_s, const uint8_t *val, size_t len);
void answer_scan_rows(struct tsdb *db, enum tsdb_cf cf, unsigned res, uint32_t node,
		      uint64_t from_s, uint64_t to_s, answer_row_fn fn, void *ctx);

/* Calls fn for every point row (n values) of cf at res for node in
 * [from_s, to_s), in time order, from the point blocks that hold them
 * (TSDB_SERIES, TSDB_HIST). */
typedef void (*answer_point_fn)(void *ctx, uint64_t t_s, const uint64_t *v, size_t n);
void answer_scan_points(struct tsdb *db, enum tsdb_cf cf, unsigned res, uint32_t node,
			uint64_t from_s, uint64_t to_s, answer_point_fn fn, void *ctx);

/* Calls fn for each row in [from_s, to_s) of one stored point block of res
 * that starts at block_s. */
void answer_block_points(unsigned res, uint64_t block_s, const uint8_t *val, size_t len, uint64_t from_s,
			 uint64_t to_s, answer_point_fn fn, void *ctx);

/* The nodes a query of node reads: itself, or every node for 0 (for the
 * dims series, which keep no cluster rows). Returns how many. */
size_t answer_nodes_of(struct tsdb *db, uint32_t node, uint32_t ids[NODE_LIST_MAX]);

/* The same for the dims series of one key (key_len 0: "other") in one
 * dimension: each of its point blocks in the range is one read per node. */
void answer_scan_dim_points(struct tsdb *db, unsigned res, uint32_t node, unsigned dim, const uint8_t *key,
			    size_t key_len, uint64_t from_s, uint64_t to_s, answer_point_fn fn, void *ctx);

/* Which of the n steps [from_s + i step, + step) node (0: any node) was
 * capturing for: inside its extent and not wholly inside a gap between
 * two of its runs (schema.h). covered[] gets 1 or 0 per step. A step that
 * is not covered has no value, as opposed to a zero: a node that was down
 * saw nothing, which is not the same as an idle link. */
void answer_coverage(struct tsdb *db, uint32_t node, uint64_t from_s, uint32_t step, uint64_t n,
		     uint8_t *covered);

/* Distinct TCP and UDP conversations (address and port pairs, either
 * direction) among the flows that start in the query's range. */
int answer_conversations(struct tsdb *db, const Sa__Query *q, uint64_t *tcp, uint64_t *udp);

#endif
