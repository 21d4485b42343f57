/* RocksDB behind one small interface: column families by kind, write
 * batches, point reads and bounded range scans. The only file that sees
 * RocksDB's C API; failures become -EIO plus one log line here.
 * Thread-safe as RocksDB is: one writer thread per batch, many readers. */
#ifndef TSDB_H
#define TSDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tsdb_cf {
	TSDB_SERIES,   /* counters per (resolution, node, time): u64 arrays that add */
	TSDB_HIST,     /* histograms per (resolution, node, time): u64 arrays that add */
	TSDB_TOPK,     /* heavy-hitter sketches per (resolution, node, time): merge */
	TSDB_FLOWS,    /* flow records by (start time, node, run, seq, index) */
	TSDB_INGEST,   /* dedup markers, node state */
	TSDB_MODELS,   /* model versions by (series, version) */
	TSDB_FLOWIDX,  /* flow records by address and by port: keys only */
	TSDB_DIMS,     /* bytes and packets per tracked address and port: add */
	TSDB_MONITOR,  /* forecast vs actual per (series, interval) */
	TSDB_ALERTS,   /* alerts by (time, series) */
	TSDB_CF_COUNT
};

/* How values of a merge column family combine: `merge` gets the existing
 * value (NULL if none) and the operands, returns a malloc'd result and its
 * length, or NULL to keep the existing value. */
typedef char *(*tsdb_merge_fn)(const char *existing, size_t existing_len,
			       const char *const *ops, const size_t *op_lens, int n_ops,
			       size_t *out_len);

/* The time (ns) an entry of an expiring column family carries (in its key
 * or its value), or UINT64_MAX if it has none: compaction drops entries
 * older than tsdb_set_expiry's cut. */
typedef uint64_t (*tsdb_key_time_fn)(const uint8_t *key, size_t len, const uint8_t *val, size_t vlen);

struct tsdb;
struct tsdb_batch;
struct tsdb_iter;

/* Opens or creates the database at path. `sync`: every write is fsync'd
 * before tsdb_write returns. min_free: bytes the disk must keep free for
 * a write to go ahead (0: no check). NULL on failure (logged). */
struct tsdb *tsdb_open(const char *path, bool sync, const tsdb_merge_fn merge[TSDB_CF_COUNT],
		       const tsdb_key_time_fn key_time[TSDB_CF_COUNT], uint64_t min_free);

/* Keys of cf (which has a key_time function) older than cut_ns go at their
 * next compaction; readers must expect what is older still to be there. */
void tsdb_set_expiry(struct tsdb *db, enum tsdb_cf cf, uint64_t cut_ns);
void tsdb_close(struct tsdb **db);

struct tsdb_batch *tsdb_batch_new(void);
void tsdb_batch_destroy(struct tsdb_batch **b);
void tsdb_batch_clear(struct tsdb_batch *b);
void tsdb_batch_put(struct tsdb_batch *b, struct tsdb *db, enum tsdb_cf cf,
		    const void *key, size_t klen, const void *val, size_t vlen);
void tsdb_batch_merge(struct tsdb_batch *b, struct tsdb *db, enum tsdb_cf cf,
		      const void *key, size_t klen, const void *val, size_t vlen);
/* Applies the batch atomically: 0; -ENOSPC while the disk has less than
 * min_free (nothing written); -ENOMEM when buffering the batch ran out of
 * memory (nothing written); or -EIO, after which every later write and
 * compaction fails too, until the process reopens the store. Puts and
 * merges are applied in key order, ops on one key in the order given. */
int tsdb_write(struct tsdb *db, struct tsdb_batch *b);

/* Deletes every key of cf in [from, to), atomically with the batch. */
void tsdb_batch_delete_range(struct tsdb_batch *b, struct tsdb *db, enum tsdb_cf cf,
			     const void *from, size_t from_len, const void *to, size_t to_len);

/* Flushes the memtables and compacts every column family fully: slow, for
 * measuring what the data really costs on disk. 0 or -EIO. */
int tsdb_compact(struct tsdb *db);
/* An integer property of a column family (RocksDB's "rocksdb.*"), 0 if unknown. */
uint64_t tsdb_cf_property(struct tsdb *db, enum tsdb_cf cf, const char *name);
/* Approximate bytes the keys of cf in [from, to) take in SST files. */
uint64_t tsdb_range_bytes(struct tsdb *db, enum tsdb_cf cf, const void *from, size_t from_len,
			  const void *to, size_t to_len);

/* A consistent view for the calling thread: until tsdb_view_end, every
 * tsdb_get and iterator it makes sees the store as it was at begin, so an
 * answer built from many reads is of one moment while ingest writes on.
 * Without a view, each iterator has its own snapshot and gets read the
 * latest. Iterators must be destroyed before the view ends. */
void tsdb_view_begin(struct tsdb *db);
void tsdb_view_end(struct tsdb *db);

/* Reads one key: 0 with a malloc'd *val (caller frees), -ENOENT, or -EIO. */
int tsdb_get(struct tsdb *db, enum tsdb_cf cf, const void *key, size_t klen,
	     char **val, size_t *vlen);

/* Iterates keys in [from, to) in order (to == NULL: to the end of cf), on a
 * consistent snapshot taken at creation. */
struct tsdb_iter *tsdb_iter_new(struct tsdb *db, enum tsdb_cf cf, const void *from, size_t from_len,
				const void *to, size_t to_len);
/* Reverse variant: from the last key below `to` down to `from`. */
struct tsdb_iter *tsdb_iter_new_reverse(struct tsdb *db, enum tsdb_cf cf, const void *from,
					size_t from_len, const void *to, size_t to_len);
/* A time limit for the scans of the calling thread (a query): iterators
 * end early once the monotonic clock passes deadline_ns (0: no limit), and
 * tsdb_deadline_hit() then says so until the next tsdb_deadline_set. */
void tsdb_deadline_set(uint64_t deadline_ns);
bool tsdb_deadline_hit(void);

/* Next entry: true and pointers valid until the next call, or false at the
 * end, past the thread's deadline, or on error (logged). */
bool tsdb_iter_next(struct tsdb_iter *it, const uint8_t **key, size_t *klen,
		    const uint8_t **val, size_t *vlen);
void tsdb_iter_destroy(struct tsdb_iter **it);

#endif
