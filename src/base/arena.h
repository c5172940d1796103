/* arena — bump allocation for per-record data, reset after each record.
 *
 * An allocation larger than half the chunk size gets a chunk of its own
 * (behind the current chunk, whose free space stays in use).
 *
 * Built with -DSPOOR_DEBUG_POOL every allocation is a separate malloc, so
 * AddressSanitizer sees overflows between allocations. */
#ifndef SPOOR_ARENA_H
#define SPOOR_ARENA_H

#include <stddef.h>

typedef struct arena_chunk arena_chunk;

typedef struct arena {
	arena_chunk *head; /* current chunk; older ones follow */
	size_t chunk_size;
	size_t used_total; /* bytes handed out since the last reset */
	size_t cap;	   /* upper bound on used_total; 0 = none */
} arena;

void arena_init(arena *a, size_t chunk_size, size_t cap);
/* NULL on out-of-memory or when the cap would be exceeded. */
void *arena_alloc(arena *a, size_t n);
char *arena_memdup(arena *a, const void *p, size_t n);
/* Like arena_alloc, without alignment: for strings kept by the million
 * (intel values), where rounding every one to 16 bytes doubled the arena. */
char *arena_alloc_bytes(arena *a, size_t n);
/* Make the first chunk n bytes instead of chunk_size (when n is larger and
 * the arena has no chunk yet): for an arena whose total is roughly known
 * in advance, so that it is not spread over many chunks with the last one
 * half empty.  Capacity, not use: the cap is not charged.  On
 * out-of-memory nothing happens (the first allocation will fail). */
void arena_prime(arena *a, size_t n);
/* Frees all but the first chunk and rewinds. */
void arena_reset(arena *a);
void arena_done(arena *a);

#endif
