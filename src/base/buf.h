/* buf — a growable byte buffer with a hard cap (curl dynbuf). */
#ifndef SPOOR_BUF_H
#define SPOOR_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max; /* hard upper bound on len */
	bool toobig; /* an append was refused by max */
} buf;

void buf_init(buf *b, size_t max);
void buf_done(buf *b);
static inline void buf_clear(buf *b)
{
	b->len = 0;
	b->toobig = false;
}
/* 0, SPOOR_ENOMEM or SPOOR_ELIMIT. */
int buf_reserve_slow(buf *b, size_t extra);
static inline int buf_reserve(buf *b, size_t extra)
{
	if (__builtin_expect(extra < b->cap - b->len && extra <= b->max - b->len, 1))
		return 0;
	return buf_reserve_slow(b, extra);
}
static inline int buf_add(buf *b, const void *p, size_t n)
{
	int r = buf_reserve(b, n);
	if (__builtin_expect(r < 0, 0))
		return r;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}
static inline int buf_addc(buf *b, char c)
{
	return buf_add(b, &c, 1);
}
int buf_adds(buf *b, const char *s);
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_add_u64(buf *b, uint64_t v);
int buf_add_i64(buf *b, int64_t v);
/* Append bytes as the body of a JSON string (no quotes): escapes control
 * characters, quote and backslash; invalid UTF-8 bytes become U+FFFD. */
int buf_add_json_str(buf *b, const char *p, size_t n);

#endif
