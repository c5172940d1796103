/* base — small helpers every module uses.  Depends on nothing but libc. */
#ifndef SPOOR_BASE_H
#define SPOOR_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "spoor/common.h"
#include "spoor/error.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define UNUSED __attribute__((unused))
#define PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Set a diagnostic (diag may be NULL); returns code so callers can
 * `return diag_set(d, SPOOR_EINVAL, "...")`. */
int diag_set(spoor_diag *d, int code, const char *fmt, ...) PRINTF(3, 4);
void diag_where(spoor_diag *d, const char *source, uint64_t offset, uint64_t line);

/* Checked allocation wrappers: the only raw malloc users outside base/. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t sz);
char *xstrndup(const char *s, size_t n);

/* String views. */
static inline spoor_sv sv_make(const char *p, size_t n)
{
	spoor_sv s = {p, n};
	return s;
}
static inline spoor_sv sv_cstr(const char *s)
{
	return sv_make(s, s ? strlen(s) : 0);
}
static inline bool sv_eq(spoor_sv a, spoor_sv b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}
static inline bool sv_eq_cstr(spoor_sv a, const char *s)
{
	return sv_eq(a, sv_cstr(s));
}
bool sv_ieq(spoor_sv a, spoor_sv b);

/* memcmp(a, b, n) == 0 for the short n of names and keys, without a call:
 * overlapping word loads that never leave [a, a+n) or [b, b+n). */
static inline bool mem_eq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	uint64_t u, v, s, t;
	uint32_t w, z, q, r;
	if (n >= 8) {
		while (n > 16) {
			memcpy(&u, x, 8);
			memcpy(&v, y, 8);
			if (u != v)
				return false;
			x += 8;
			y += 8;
			n -= 8;
		}
		memcpy(&u, x, 8);
		memcpy(&v, y, 8);
		memcpy(&s, x + n - 8, 8);
		memcpy(&t, y + n - 8, 8);
		return ((u ^ v) | (s ^ t)) == 0;
	}
	if (n >= 4) {
		memcpy(&w, x, 4);
		memcpy(&z, y, 4);
		memcpy(&q, x + n - 4, 4);
		memcpy(&r, y + n - 4, 4);
		return ((w ^ z) | (q ^ r)) == 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return false;
	}
	return true;
}
static inline bool sv_ieq_cstr(spoor_sv a, const char *s)
{
	return sv_ieq(a, sv_cstr(s));
}
static inline bool sv_starts(spoor_sv a, const char *pre)
{
	size_t n = strlen(pre);
	return a.n >= n && memcmp(a.p, pre, n) == 0;
}
spoor_sv sv_trim(spoor_sv s);
/* Parse a decimal integer occupying all of s (optional sign); false if not. */
bool sv_to_i64(spoor_sv s, int64_t *out);
bool sv_to_u64(spoor_sv s, uint64_t *out);

/* 64-bit hash of bytes (not cryptographic). */
uint64_t hash_bytes(const void *p, size_t n, uint64_t seed);
/* SHA-256 of n bytes at p into out; false when OpenSSL fails. */
bool sha256_buf(const void *p, size_t n, unsigned char out[32]);

/* n (<= 8) little-endian bytes at p, and the other way (file formats). */
static inline uint64_t le_get(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}
static inline void le_put(unsigned char *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Is [p, p+n) valid UTF-8? */
bool utf8_valid(const unsigned char *p, size_t n);
/* Encode code point cp as UTF-8 into out (>= 4 bytes); returns length. */
size_t utf8_put(char *out, uint32_t cp);

#endif
