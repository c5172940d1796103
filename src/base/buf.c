/* buf — capped growable buffer; see buf.h. */
#include "base/buf.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/base.h"

void buf_init(buf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : SIZE_MAX / 2;
	b->toobig = false;
}

void buf_done(buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

int buf_reserve_slow(buf *b, size_t extra)
{
	if (extra > b->max - b->len) {
		b->toobig = true;
		return SPOOR_ELIMIT;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	char *np = xrealloc(b->p, ncap);
	if (!np)
		return SPOOR_ENOMEM;
	b->p = np;
	b->cap = ncap;
	return 0;
}

int buf_adds(buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	char tmp[512];
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return SPOOR_EINVAL;
	if ((size_t)n < sizeof(tmp))
		return buf_add(b, tmp, (size_t)n);
	int r = buf_reserve(b, (size_t)n);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int buf_add_u64(buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return buf_add(b, tmp + i, sizeof(tmp) - i);
}

int buf_add_i64(buf *b, int64_t v)
{
	if (v < 0) {
		int r = buf_addc(b, '-');
		if (r < 0)
			return r;
		return buf_add_u64(b, (uint64_t)0 - (uint64_t)v);
	}
	return buf_add_u64(b, (uint64_t)v);
}

static const char hexd[] = "0123456789abcdef";

/* Index of the first byte that is < 0x20, '"', '\\' or >= 0x80, or n. */
static inline size_t first_special(const unsigned char *p, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), ct = _mm_set1_epi8(0x1f);
	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i sp = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
					  _mm_cmpeq_epi8(_mm_max_epu8(v, ct), ct));
		unsigned m = (unsigned)_mm_movemask_epi8(sp) | (unsigned)_mm_movemask_epi8(v);
		if (m)
			return i + (unsigned)__builtin_ctz(m);
	}
#endif
	for (; i < n; i++) {
		unsigned char c = p[i];
		if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80)
			return i;
	}
	return n;
}

int buf_add_json_str(buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = first_special(p, n), start = 0;
	int r;
	if (i == n)
		return buf_add(b, s, n);
	/* Worst case grows 6x; reserve the common case up front. */
	if ((r = buf_reserve(b, n + 2)) < 0)
		return r;
	while (i < n) {
		unsigned char c = p[i];
		if (LIKELY(c >= 0x20 && c != '"' && c != '\\' && c < 0x80)) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			/* Validate one UTF-8 sequence; copy it if valid. */
			size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
			if (len && i + len <= n && utf8_valid(p + i, len)) {
				i += len;
				continue;
			}
		}
		if ((r = buf_add(b, s + start, i - start)) < 0)
			return r;
		if (c >= 0x80) {
			r = buf_add(b, "\xEF\xBF\xBD", 3);
		} else if (c == '"') {
			r = buf_add(b, "\\\"", 2);
		} else if (c == '\\') {
			r = buf_add(b, "\\\\", 2);
		} else if (c == '\n') {
			r = buf_add(b, "\\n", 2);
		} else if (c == '\r') {
			r = buf_add(b, "\\r", 2);
		} else if (c == '\t') {
			r = buf_add(b, "\\t", 2);
		} else {
			char e[6] = {'\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15]};
			r = buf_add(b, e, 6);
		}
		if (r < 0)
			return r;
		i++;
		start = i;
	}
	return buf_add(b, s + start, n - start);
}
