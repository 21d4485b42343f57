/* Large tables that are read at random per packet (flow tables, per-second
 * key tables): 2 MB aligned and marked for transparent huge pages, so that
 * their lookups do not also miss the TLB on 4 KB pages. A hint: where the
 * kernel gives no huge pages (the 2-vCPU test VM does not), nothing
 * changes. */
#ifndef SA_BIGMEM_H
#define SA_BIGMEM_H

#include <stddef.h>

/* Uninitialised memory for n bytes, released with free(); NULL when out of
 * memory. Below 2 MB this is plain malloc. */
void *sa_big_alloc(size_t n);

#endif
