/* Spool: bounded, ordered, acks in any order, resends only what is due. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "spool.h"

static uint8_t *dup_str(const char *s)
{
	uint8_t *p = malloc(strlen(s) + 1);
	memcpy(p, s, strlen(s) + 1);
	return p;
}

int main(void)
{
	struct spool *sp = spool_new(3);
	struct spool_entry *e;
	unsigned cur = 0;

	CHECK(spool_new(0) == NULL);
	CHECK(spool_push(sp, 1, dup_str("a"), 2) == 0);
	CHECK(spool_push(sp, 2, dup_str("b"), 2) == 0);
	CHECK(spool_push(sp, 3, dup_str("c"), 2) == 0);
	uint8_t *extra = dup_str("d");
	CHECK(spool_full(sp) && spool_push(sp, 4, extra, 2) == -ENOSPC);
	free(extra);

	/* Never-sent entries are due at once, in sequence order. */
	e = spool_next_due(sp, 1000, 500, &cur);
	CHECK(e && e->seq == 1);
	e->sent_ns = 1000;
	e = spool_next_due(sp, 1000, 500, &cur);
	CHECK(e && e->seq == 2);
	e->sent_ns = 1000;
	e = spool_next_due(sp, 1000, 500, &cur);
	CHECK(e && e->seq == 3);
	e->sent_ns = 1200;
	CHECK(spool_next_due(sp, 1000, 500, &cur) == NULL);

	/* Ack out of order: nothing leaves until the front is acked. */
	CHECK(spool_ack(sp, 2) == 1);
	CHECK(spool_count(sp) == 3);
	CHECK(spool_ack(sp, 2) == 0); /* duplicate ack */
	CHECK(spool_ack(sp, 9) == 0); /* unknown */
	/* At 1500 only seq 1 (sent 1000) is due; 2 is acked, 3 was sent at 1200. */
	cur = 0;
	e = spool_next_due(sp, 1500, 500, &cur);
	CHECK(e && e->seq == 1);
	CHECK(spool_next_due(sp, 1500, 500, &cur) == NULL);
	CHECK(spool_ack(sp, 1) == 1);
	CHECK(spool_count(sp) == 1); /* 1 and 2 released together */
	CHECK(spool_push(sp, 4, dup_str("d"), 2) == 0);
	CHECK(spool_push(sp, 5, dup_str("e"), 2) == 0);
	CHECK(spool_full(sp));
	cur = 0;
	e = spool_next_due(sp, 1700, 500, &cur);
	CHECK(e && e->seq == 3); /* wrapped ring keeps order */
	e = spool_next_due(sp, 1700, 500, &cur);
	CHECK(e && e->seq == 4 && e->len == 2 && memcmp(e->buf, "d", 2) == 0);
	spool_destroy(&sp);
	CHECK(sp == NULL);
	return check_summary();
}
