/* The flow index: which flow records an address or a port appears in, as
 * posting lists per minute (column family flowidx):
 *
 *   'A' addr:16 bucket_s:u64   -> runs   (IPv4 as ::ffff:a.b.c.d)
 *   'P' port:u16 bucket_s:u64  -> runs
 *
 * bucket_s: the minute (FLOWIDX_BUCKET_S) the flows started in. A value is
 * a sequence of runs, one per batch that wrote to it, each
 *   length, then node run seq count, then count x (start - bucket_s in ns,
 *   idx), all varints
 * naming flow keys (schema_flow_key). The merge operator concatenates, so
 * a batch costs one merge per address and port it holds in a minute.
 *
 * Why: one key per address or port and flow made four memtable inserts of
 * every flow record, most of what a store of flows wrote (1.52 million of
 * 2.59 million writes for bench/file_throughput's capture). A query for
 * one address reads its minutes' runs and sorts the flow keys they name,
 * so answers keep the flows' start order.
 *
 * Stores keyed one flow per index key ('a' addr flow-key, 'p' port
 * flow-key; an earlier version) are converted at start: upgrade.h. */
#ifndef FLOWIDX_H
#define FLOWIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sa.pb-c.h"
#include "schema.h"
#include "tsdb.h"

#define FLOWIDX_BUCKET_S 60
#define FLOWIDX_ADDR 'A'
#define FLOWIDX_PORT 'P'
#define FLOWIDX_KEY_MAX (1 + 16 + 8)

/* One flow in one posting key. */
struct flowidx_entry {
	uint8_t key[FLOWIDX_KEY_MAX];
	uint8_t klen;
	uint32_t node, idx;
	uint64_t run, seq, first_ns;
};

/* A batch's entries, until flowidx_flush. */
struct flowidx_batch {
	struct flowidx_entry *e;
	size_t n, cap;
};

/* The posting key of an address (kind FLOWIDX_ADDR; 4 or 16 bytes) or a
 * port (FLOWIDX_PORT) for the minute bucket_s. Returns its length, 0 for
 * an address of another length. */
size_t flowidx_key(uint8_t out[FLOWIDX_KEY_MAX], char kind, const uint8_t *addr, size_t addr_len,
		   uint16_t port, uint64_t bucket_s);

/* The minute a start time falls in. */
static inline uint64_t flowidx_bucket(uint64_t first_ns)
{
	uint64_t s = first_ns / 1000000000u;

	return s - s % FLOWIDX_BUCKET_S;
}

/* Adds one entry; or the entries of the flow record stored under
 * (first_ns, node, run, seq, idx): its addresses and non-zero ports, each
 * once. 0 or -ENOMEM. */
int flowidx_add(struct flowidx_batch *fb, const struct flowidx_entry *e);
int flowidx_add_flow(struct flowidx_batch *fb, const Sa__FlowRecord *f, uint64_t first_ns, uint32_t node,
		     uint64_t run, uint64_t seq, uint32_t idx);
void flowidx_batch_free(struct flowidx_batch *fb);

/* Orders the entries by posting key, then batch (node, run, seq), start
 * and index: one key's entries are then fb->e[i .. flowidx_group_end(fb,
 * i)), one run per batch. */
void flowidx_sort(struct flowidx_batch *fb);
size_t flowidx_group_end(const struct flowidx_batch *fb, size_t i);
/* Encodes one key's sorted entries as its runs into *buf (grown as
 * needed, *cap its size), *len bytes. 0 or -ENOMEM. */
int flowidx_encode(const struct flowidx_entry *e, size_t n, uint8_t **buf, size_t *cap, size_t *len);

/* The merge operator (tsdb_merge_fn): the values one after the other. */
char *flowidx_merge(const char *existing, size_t existing_len, const char *const *ops, const size_t *op_lens,
		    int n_ops, size_t *out_len);
/* A tsdb_key_time_fn: the end of the key's minute (ns), so the index of a
 * minute goes when all of its flows have; UINT64_MAX for other keys. */
uint64_t flowidx_key_time(const uint8_t *k, size_t len, const uint8_t *val, size_t vlen);

/* Flow keys (SCHEMA_FLOW_KEY_LEN bytes each), growing. */
struct flowidx_keys {
	uint8_t (*k)[SCHEMA_FLOW_KEY_LEN];
	size_t n, cap;
};

/* Appends the flow keys a posting value names that start in [from_ns,
 * to_ns) on node (0: any). A run that does not decode is skipped.
 * Returns how many runs were skipped, or -ENOMEM. */
int flowidx_decode(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, uint64_t from_ns,
		   uint64_t to_ns, uint32_t node, struct flowidx_keys *out);

/* flowidx_store.c: the store's side. */

/* Appends one merge per posting key to b and empties fb. 0 or -ENOMEM
 * (fb is emptied either way). */
int flowidx_flush(struct flowidx_batch *fb, struct tsdb_batch *b, struct tsdb *db);

/* The flow keys of one address or port in [from_ns, to_ns) on node (0:
 * any), in key order (start time first), or the reverse. */
struct flowidx_cursor {
	struct tsdb_iter *it;
	struct flowidx_keys keys; /* the current minute's, sorted */
	size_t next;              /* keys served so far */
	uint64_t from_ns, to_ns;
	uint32_t node;
	bool reverse;
};

/* 0 (an empty range gives an empty cursor), or -EINVAL for an address of
 * another length than 4 or 16, or -ENOMEM. */
int flowidx_cursor_open(struct flowidx_cursor *c, struct tsdb *db, char kind, const uint8_t *addr,
			size_t addr_len, uint16_t port, uint64_t from_ns, uint64_t to_ns, uint32_t node,
			bool reverse);
/* The next flow key, or NULL at the end (or out of memory, or the scan's
 * deadline: tsdb_deadline_hit). */
const uint8_t *flowidx_cursor_next(struct flowidx_cursor *c);
void flowidx_cursor_close(struct flowidx_cursor *c);

#endif
