/* buf — a growable byte buffer with a hard cap (curl dynbuf). */
#ifndef SPOOR_BUF_H
#define SPOOR_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
int buf_reserve(buf *b, size_t extra);
int buf_add(buf *b, const void *p, size_t n);
int buf_addc(buf *b, char c);
int buf_adds(buf *b, const char *s);
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_add_u64(buf *b, uint64_t v);
int buf_add_i64(buf *b, int64_t v);
/* Append bytes as the body of a JSON string (no quotes): escapes control
 * characters, quote and backslash; invalid UTF-8 bytes become U+FFFD. */
int buf_add_json_str(buf *b, const char *p, size_t n);

#endif
