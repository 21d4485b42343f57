/* Point blocks: the store's compressed form of a time series chunk. A block
 * holds rows, each a time and ncols u64 values (one row per second, minute
 * or hour of one node; one column per counter or histogram bucket), stored
 * column by column so that one counter's consecutive values sit together,
 * in the spirit of Gorilla but in whole bytes: RocksDB's block compression
 * then squeezes the runs of zero bytes that are left.
 *
 * Encoding (varints are LEB128, at most 10 bytes; zigzag maps signed to
 * unsigned so small negative numbers stay short):
 *   u8      version, SA_PTB_VERSION
 *   varint  nrows (1..SA_PTB_MAX_ROWS), varint ncols (1..SA_PTB_MAX_COLS)
 *   times   varint t[0], varint t[1] - t[0], then zigzag varints of the
 *           delta of delta (0 for every regular step); times strictly rise
 *   columns for each: u8 mode, then
 *             SA_PTB_ZERO   every value is 0 and nothing follows
 *             SA_PTB_RAW    nrows varints (values that jump about)
 *             SA_PTB_DELTA  nrows zigzag varints of the change from the
 *                           value before (values that drift)
 *           whichever is shortest.
 *
 * Blocks merge: the union of their rows, values at the same time added up,
 * which is how several nodes' counters and several batches meet in one
 * stored block (the RocksDB merge operator). */
#ifndef SA_PTB_H
#define SA_PTB_H

#include <stddef.h>
#include <stdint.h>

#define SA_PTB_VERSION 1
#define SA_PTB_MAX_ROWS 65536u
#define SA_PTB_MAX_COLS 64u

enum sa_ptb_mode { SA_PTB_ZERO, SA_PTB_RAW, SA_PTB_DELTA };

/* Largest encoding of nrows x ncols values. */
size_t sa_ptb_bound(uint32_t nrows, uint32_t ncols);

/* Encodes rows (t strictly rising, v row-major with ncols per row) into
 * out, which holds sa_ptb_bound(nrows, ncols) bytes. Returns the length,
 * or 0 when the rows break the rules above. */
size_t sa_ptb_encode(uint8_t *out, const uint64_t *t, const uint64_t *v, uint32_t nrows,
		     uint32_t ncols);

/* Reads only the header: 0, or -EINVAL. */
int sa_ptb_dims(const uint8_t *buf, size_t len, uint32_t *nrows, uint32_t *ncols);

/* A decoded set of rows, sorted by time, to which blocks are added. */
struct sa_ptb_rows {
	uint32_t nrows, ncols; /* ncols: the widest block added */
	uint64_t *t;
	uint64_t *v;           /* nrows x ncols, row-major */
};

void sa_ptb_rows_init(struct sa_ptb_rows *r);
void sa_ptb_rows_free(struct sa_ptb_rows *r);

/* Adds every row of an encoded block; a row at a time already present adds
 * to it value by value (narrower rows count as zeros beyond their width).
 * Returns 0, -EINVAL for bytes that are not a whole valid block, -E2BIG
 * when the union would pass SA_PTB_MAX_ROWS, or -ENOMEM; r is left as it
 * was on any error. */
int sa_ptb_rows_add(struct sa_ptb_rows *r, const uint8_t *buf, size_t len);

/* Encodes r as one block into a malloc'd buffer; returns its length, or 0
 * when r is empty or memory runs out. */
size_t sa_ptb_rows_encode(const struct sa_ptb_rows *r, uint8_t **out);

#endif
