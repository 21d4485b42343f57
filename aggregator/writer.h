/* Storage writer thread: applies one RocksDB write batch at a time, so the
 * ingest thread can decode and build the next batch meanwhile (on two
 * cores, the write's memtable inserts and the next batch's decoding run
 * side by side). One slot: submit, then wait before submitting again. */
#ifndef WRITER_H
#define WRITER_H

#include <stdbool.h>

#include "tsdb.h"

struct writer;

/* NULL on failure. */
struct writer *writer_start(struct tsdb *db);
/* Finishes a write in progress, then stops and joins the thread. */
void writer_stop(struct writer **w);

/* A descriptor that turns readable when a submitted write has finished
 * (for zmq_poll), until writer_wait takes the result. */
int writer_fd(const struct writer *w);

/* Hands b to the thread; b must stay untouched until writer_wait. The slot
 * must be free. */
void writer_submit(struct writer *w, struct tsdb_batch *b);
/* Waits for the submitted write and returns tsdb_write's result; frees
 * the slot. */
int writer_wait(struct writer *w);

#endif
