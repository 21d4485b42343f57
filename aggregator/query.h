/* Query thread: a ZeroMQ ROUTER answering Query messages from the CLI and
 * the trainer with Response messages. Every answer is read from one RocksDB
 * snapshot per scan; bad queries get an error code and text, never a crash. */
#ifndef QUERY_H
#define QUERY_H

#include "ingest.h"
#include "monitor.h"
#include "tsdb.h"

struct query_server;

/* Binds endpoint and starts the thread; `in` is asked for its counters by
 * stats queries, `mon` for monitor status and told of new models. A query that reads the store for longer than limit_s is
 * answered with SA_ERR_LIMIT (stats, which reads it all, excepted). NULL on failure (logged). */
struct query_server *query_start(void *zctx, const char *endpoint, struct tsdb *db, struct ingest *in,
				 struct monitor *mon, double limit_s);
void query_stop(struct query_server **qs);

#endif
