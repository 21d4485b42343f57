#include <errno.h>
#include <stdlib.h>

#include "spool.h"

struct spool {
	unsigned cap, head, count; /* ring of entries, oldest at head */
	struct spool_entry e[];
};

struct spool *spool_new(unsigned capacity)
{
	struct spool *sp;

	if (capacity == 0)
		return NULL;
	sp = calloc(1, sizeof(*sp) + capacity * sizeof(sp->e[0]));
	if (sp != NULL)
		sp->cap = capacity;
	return sp;
}

void spool_destroy(struct spool **spp)
{
	struct spool *sp = *spp;

	if (sp == NULL)
		return;
	for (unsigned i = 0; i < sp->count; i++)
		free(sp->e[(sp->head + i) % sp->cap].buf);
	free(sp);
	*spp = NULL;
}

unsigned spool_count(const struct spool *sp)
{
	return sp->count;
}

bool spool_full(const struct spool *sp)
{
	return sp->count == sp->cap;
}

int spool_push(struct spool *sp, uint64_t seq, uint8_t *buf, size_t len)
{
	if (spool_full(sp))
		return -ENOSPC;
	struct spool_entry *e = &sp->e[(sp->head + sp->count) % sp->cap];
	*e = (struct spool_entry){.seq = seq, .buf = buf, .len = len};
	sp->count++;
	return 0;
}

int spool_ack(struct spool *sp, uint64_t seq)
{
	int found = 0;

	for (unsigned i = 0; i < sp->count; i++) {
		struct spool_entry *e = &sp->e[(sp->head + i) % sp->cap];
		if (e->seq == seq && !e->acked) {
			e->acked = true;
			found = 1;
			break;
		}
	}
	while (sp->count > 0 && sp->e[sp->head].acked) {
		free(sp->e[sp->head].buf);
		sp->e[sp->head].buf = NULL;
		sp->head = (sp->head + 1) % sp->cap;
		sp->count--;
	}
	return found;
}

struct spool_entry *spool_next_due(struct spool *sp, uint64_t now_ns, uint64_t timeout_ns,
				   unsigned *cursor)
{
	for (; *cursor < sp->count; (*cursor)++) {
		struct spool_entry *e = &sp->e[(sp->head + *cursor) % sp->cap];
		if (e->acked)
			continue;
		if (e->sent_ns == 0 || e->sent_ns + timeout_ns <= now_ns) {
			(*cursor)++;
			return e;
		}
	}
	return NULL;
}
