#include "node_list.h"
#include "schema.h"

size_t node_list(struct tsdb *db, uint32_t *ids)
{
	uint8_t from[SCHEMA_NODE_KEY_LEN], to[SCHEMA_NODE_KEY_LEN];
	const uint8_t *k, *v;
	size_t kl, vl, n = 0;

	schema_node_key(from, 'n', 0);
	schema_node_key(to, 'o', 0);
	struct tsdb_iter *it = tsdb_iter_new(db, TSDB_INGEST, from, sizeof(from), to, sizeof(to));
	while (n < NODE_LIST_MAX && it && tsdb_iter_next(it, &k, &kl, &v, &vl))
		if (kl == SCHEMA_NODE_KEY_LEN)
			ids[n++] = schema_get_be32(k + 1);
	tsdb_iter_destroy(&it);
	return n;
}
