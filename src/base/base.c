/* base — diagnostics, allocation wrappers, string-view helpers, hashing. */
#include "base/base.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

#include "spoor/version.h"

int diag_set(spoor_diag *d, int code, const char *fmt, ...)
{
	if (d) {
		va_list ap;
		d->code = code;
		va_start(ap, fmt);
		vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

void diag_where(spoor_diag *d, const char *source, uint64_t offset, uint64_t line)
{
	if (!d)
		return;
	snprintf(d->source, sizeof(d->source), "%s", source ? source : "");
	d->offset = offset;
	d->line = line;
	d->col = 0;
}

SPOOR_API const char *spoor_strerror(int code)
{
	static const char *const names[] = {
	    "OK", "ERR", "ENOMEM", "EINVAL", "EIO", "EPARSE", "ELIMIT", "ECORRUPT", "ENOTFOUND", "EAGAIN", "ETIMEOUT",
	};
	if (code > 0)
		code = 0;
	if (-code >= (int)ARRAY_SIZE(names))
		return "EUNKNOWN";
	return names[-code];
}

SPOOR_API const char *spoor_version(void)
{
	return SPOOR_VERSION;
}

void *xmalloc(size_t n)
{
	return malloc(n ? n : 1);
}

void *xcalloc(size_t n, size_t sz)
{
	return calloc(n ? n : 1, sz ? sz : 1);
}

void *xrealloc(void *p, size_t n)
{
	return realloc(p, n ? n : 1);
}

void *xreallocarray(void *p, size_t n, size_t sz)
{
	if (sz && n > SIZE_MAX / sz)
		return NULL;
	size_t total = n * sz;
	return realloc(p, total ? total : 1);
}

char *xstrndup(const char *s, size_t n)
{
	char *r = malloc(n + 1);
	if (!r)
		return NULL;
	if (n)
		memcpy(r, s, n);
	r[n] = 0;
	return r;
}

bool sv_ieq(spoor_sv a, spoor_sv b)
{
	if (a.n != b.n)
		return false;
	for (size_t i = 0; i < a.n; i++) {
		unsigned char x = (unsigned char)a.p[i], y = (unsigned char)b.p[i];
		if (x != y && tolower(x) != tolower(y))
			return false;
	}
	return true;
}

spoor_sv sv_trim(spoor_sv s)
{
	while (s.n && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r' || s.p[0] == '\n')) {
		s.p++;
		s.n--;
	}
	while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r' || s.p[s.n - 1] == '\n'))
		s.n--;
	return s;
}

bool sv_to_u64(spoor_sv s, uint64_t *out)
{
	uint64_t v = 0;
	if (s.n == 0 || s.n > 20)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		unsigned d = (unsigned char)s.p[i] - '0';
		if (d > 9)
			return false;
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool sv_to_i64(spoor_sv s, int64_t *out)
{
	bool neg = false;
	uint64_t v;
	if (s.n && (s.p[0] == '-' || s.p[0] == '+')) {
		neg = s.p[0] == '-';
		s.p++;
		s.n--;
	}
	if (!sv_to_u64(s, &v))
		return false;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return false;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > INT64_MAX)
			return false;
		*out = (int64_t)v;
	}
	return true;
}

static inline uint64_t rd64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t rd32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* wyhash's construction (Wang Yi, final version 4, public domain), with its
 * constants: 16 bytes per 64x64->128 multiply, three independent lanes over
 * 48-byte blocks, so a long input is hashed at ~10 bytes a cycle instead of
 * the 1.6 of one dependent multiply per 8 bytes.  Inputs of up to 16 bytes
 * (field names, most keys) take one multiply besides the final one.  It
 * passes SMHasher; it is not keyed, so, like every hash table in spoor, a
 * table fed hostile keys relies on its probe and size limits, not on the
 * hash being secret. */
#define HK0 0xA0761D6478BD642Full
#define HK1 0xE7037ED1A0B428DBull
#define HK2 0x8EBC6AF09C88C6E3ull
#define HK3 0x589965CC75374CC3ull

uint64_t hash_bytes(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t a = 0, b = 0;
	seed ^= mix(seed ^ HK0, HK1);
	if (n <= 16) {
		if (n >= 4) {
			size_t q = (n >> 3) << 2; /* 0 or 4 */
			a = rd32(p) << 32 | rd32(p + q);
			b = rd32(p + n - 4) << 32 | rd32(p + n - 4 - q);
		} else if (n) {
			a = (uint64_t)p[0] << 16 | (uint64_t)p[n >> 1] << 8 | p[n - 1];
		}
	} else {
		size_t i = n;
		if (i > 48) {
			uint64_t s1 = seed, s2 = seed;
			do {
				seed = mix(rd64(p) ^ HK1, rd64(p + 8) ^ seed);
				s1 = mix(rd64(p + 16) ^ HK2, rd64(p + 24) ^ s1);
				s2 = mix(rd64(p + 32) ^ HK3, rd64(p + 40) ^ s2);
				p += 48;
				i -= 48;
			} while (i > 48);
			seed ^= s1 ^ s2;
		}
		while (i > 16) {
			seed = mix(rd64(p) ^ HK1, rd64(p + 8) ^ seed);
			p += 16;
			i -= 16;
		}
		/* the last 16 bytes of the input, overlapping what came before */
		a = rd64(p + i - 16);
		b = rd64(p + i - 8);
	}
	a ^= HK1;
	b ^= seed;
	__uint128_t r = (__uint128_t)a * b;
	a = (uint64_t)r;
	b = (uint64_t)(r >> 64);
	return mix(a ^ HK0 ^ (uint64_t)n, b ^ HK1);
}

bool utf8_valid(const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		uint32_t cp;
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
		i += len;
	}
	return true;
}

size_t utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

bool sha256_buf(const void *p, size_t n, unsigned char out[32])
{
	unsigned hn = 0;
	return EVP_Digest(p, n, out, &hn, EVP_sha256(), NULL) == 1 && hn == 32;
}
