#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sa_arena.h"

struct chunk {
	struct chunk *next;
	size_t size, used;
	_Alignas(16) unsigned char data[];
};

struct sa_arena {
	size_t chunk_size;
	struct chunk *head;    /* chunk being filled; earlier ones follow via next */
	struct chunk *spare;   /* chunks freed by reset, reused before malloc */
};

struct sa_arena *sa_arena_new(size_t chunk_size)
{
	struct sa_arena *a = calloc(1, sizeof(*a));

	if (a != NULL)
		a->chunk_size = chunk_size < 4096 ? 4096 : chunk_size;
	return a;
}

static void free_list(struct chunk *c)
{
	while (c != NULL) {
		struct chunk *n = c->next;
		free(c);
		c = n;
	}
}

void sa_arena_destroy(struct sa_arena **ap)
{
	if (*ap == NULL)
		return;
	free_list((*ap)->head);
	free_list((*ap)->spare);
	free(*ap);
	*ap = NULL;
}

void *sa_arena_alloc(struct sa_arena *a, size_t size)
{
	struct chunk *c = a->head;

	size = (size + 15) & ~(size_t)15;
	if (c == NULL || c->size - c->used < size) {
		if (a->spare != NULL && a->spare->size >= size) {
			c = a->spare;
			a->spare = c->next;
		} else {
			size_t cap = size > a->chunk_size ? size : a->chunk_size;
			c = malloc(sizeof(*c) + cap);
			if (c == NULL)
				return NULL;
			c->size = cap;
		}
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

void sa_arena_reset(struct sa_arena *a)
{
	while (a->head != NULL) {
		struct chunk *c = a->head;
		a->head = c->next;
		c->next = a->spare;
		a->spare = c;
	}
}
