/* Bump allocator for objects that live and die together (one export batch,
 * one query answer): many small allocations, one reset. Chunks are kept
 * across resets, so a steady workload stops calling malloc. */
#ifndef SA_ARENA_H
#define SA_ARENA_H

#include <stddef.h>

struct sa_arena;

struct sa_arena *sa_arena_new(size_t chunk_size);
void sa_arena_destroy(struct sa_arena **a);
/* Zeroed, 16-byte aligned memory valid until the next reset, or NULL. */
void *sa_arena_alloc(struct sa_arena *a, size_t size);
void sa_arena_reset(struct sa_arena *a);

#endif
