/* arena — bump allocation; see arena.h. */
#include "base/arena.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

struct arena_chunk {
	arena_chunk *next;
	size_t size;
	size_t used;
	max_align_t data[];
};

void arena_init(arena *a, size_t chunk_size, size_t cap)
{
	a->head = NULL;
	a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
	a->used_total = 0;
	a->cap = cap;
}

#ifdef SPOOR_DEBUG_POOL
void arena_prime(arena *a, size_t n)
{
	(void)a;
	(void)n;
}

void *arena_alloc(arena *a, size_t n)
{
	arena_chunk *c;
	size_t need = (n + 15) & ~(size_t)15; /* account as the pooled build does */
	if (need < n)
		return NULL;
	if (a->cap && (need > a->cap || a->used_total > a->cap - need))
		return NULL;
	if (n > SIZE_MAX - sizeof(*c))
		return NULL;
	c = xmalloc(sizeof(*c) + n);
	if (!c)
		return NULL;
	c->size = n;
	c->used = n;
	c->next = a->head;
	a->head = c;
	a->used_total += need;
	return c->data;
}

void arena_reset(arena *a)
{
	arena_chunk *c = a->head;
	while (c) {
		arena_chunk *n = c->next;
		free(c);
		c = n;
	}
	a->head = NULL;
	a->used_total = 0;
}
#else
/* A new chunk for an allocation of n bytes.  An allocation of more than
 * half a chunk gets a chunk of its own, put behind the current one, which
 * keeps its free space for the allocations that follow (made the current
 * chunk, it would abandon that space); otherwise a new current chunk of
 * the standard size. */
static arena_chunk *chunk_new(arena *a, size_t n)
{
	bool own = n > a->chunk_size / 2;
	size_t sz = own ? n : a->chunk_size;
	if (sz > SIZE_MAX - sizeof(arena_chunk))
		return NULL;
	arena_chunk *c = xmalloc(sizeof(*c) + sz);
	if (!c)
		return NULL;
	c->size = sz;
	c->used = 0;
	if (own && a->head) {
		c->next = a->head->next;
		a->head->next = c;
	} else {
		c->next = a->head;
		a->head = c;
	}
	return c;
}

void arena_prime(arena *a, size_t n)
{
	if (a->head || n <= a->chunk_size || n > SIZE_MAX - sizeof(arena_chunk))
		return;
	arena_chunk *c = xmalloc(sizeof(*c) + n);
	if (!c)
		return; /* the allocations will find out */
	c->size = n;
	c->used = 0;
	c->next = NULL;
	a->head = c;
}

void *arena_alloc(arena *a, size_t n)
{
	arena_chunk *c = a->head;
	size_t need = (n + 15) & ~(size_t)15;
	if (need < n)
		return NULL;
	/* arena_alloc_bytes may have left the chunk unaligned: the padding
	 * to the next 16 bytes counts against the cap like the allocation */
	size_t off = c ? (c->used + 15) & ~(size_t)15 : 0;
	bool fits = c && off <= c->size && c->size - off >= need;
	size_t pad = fits ? off - c->used : 0;
	if (a->cap && (need + pad > a->cap || a->used_total > a->cap - need - pad))
		return NULL;
	if (!fits) {
		if (!(c = chunk_new(a, need)))
			return NULL;
		off = 0;
	}
	void *p = (char *)c->data + off;
	c->used = off + need;
	a->used_total += need + pad;
	return p;
}

void arena_reset(arena *a)
{
	/* Keep the oldest chunk of the standard size (the last one in the
	 * list: chunks of their own sit behind newer ones); free the rest. */
	arena_chunk *keep = NULL;
	for (arena_chunk *c = a->head; c; c = c->next)
		if (c->size == a->chunk_size)
			keep = c;
	arena_chunk *c = a->head;
	while (c) {
		arena_chunk *n = c->next;
		if (c != keep)
			free(c);
		c = n;
	}
	if (keep) {
		keep->used = 0;
		keep->next = NULL;
	}
	a->head = keep;
	a->used_total = 0;
}
#endif

#ifdef SPOOR_DEBUG_POOL
char *arena_alloc_bytes(arena *a, size_t n)
{
	return arena_alloc(a, n);
}
#else
char *arena_alloc_bytes(arena *a, size_t n)
{
	arena_chunk *c = a->head;
	if (a->cap && (n > a->cap || a->used_total > a->cap - n))
		return NULL;
	if ((!c || c->size - c->used < n) && !(c = chunk_new(a, n)))
		return NULL;
	char *p = (char *)c->data + c->used;
	c->used += n;
	a->used_total += n;
	return p;
}
#endif

char *arena_memdup(arena *a, const void *p, size_t n)
{
	char *r = arena_alloc(a, n + 1);
	if (!r)
		return NULL;
	if (n)
		memcpy(r, p, n);
	r[n] = 0;
	return r;
}

void arena_done(arena *a)
{
	arena_chunk *c = a->head;
	while (c) {
		arena_chunk *n = c->next;
		free(c);
		c = n;
	}
	a->head = NULL;
	a->used_total = 0;
}
