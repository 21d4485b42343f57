/* The capture nodes the store knows (those with a saved NodeInfo). */
#ifndef NODE_LIST_H
#define NODE_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "tsdb.h"

#define NODE_LIST_MAX 4096 /* as many as ingest keeps */

/* Fills ids (room for NODE_LIST_MAX) in id order; returns how many. */
size_t node_list(struct tsdb *db, uint32_t *ids);

#endif
