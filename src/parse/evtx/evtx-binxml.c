/* evtx-binxml — Binary XML of EVTX records: tokens, templates,
 * substitutions and value rendering (text as evtx_dump renders it). */
#include "parse/evtx/evtx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeparse.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define EVTX_NAME_SLOTS 8192u
#define EVTX_NAMES_CAP	(3u * 32768u + 64u)
#define EVTX_TXT_MAX	(16u << 20)

enum {
	T_EOF = 0x00,
	T_OPEN = 0x01,
	T_CLOSE_START = 0x02,
	T_CLOSE_EMPTY = 0x03,
	T_END = 0x04,
	T_VALUE = 0x05,
	T_ATTR = 0x06,
	T_CDATA = 0x07,
	T_CHARREF = 0x08,
	T_ENTREF = 0x09,
	T_PITARGET = 0x0a,
	T_PIDATA = 0x0b,
	T_TEMPLATE = 0x0c,
	T_SUBST = 0x0d,
	T_OSUBST = 0x0e,
	T_FRAGMENT = 0x0f,
};

enum {
	V_NULL = 0x00,
	V_STRING = 0x01,
	V_ANSI = 0x02,
	V_I8 = 0x03,
	V_U8 = 0x04,
	V_I16 = 0x05,
	V_U16 = 0x06,
	V_I32 = 0x07,
	V_U32 = 0x08,
	V_I64 = 0x09,
	V_U64 = 0x0a,
	V_R32 = 0x0b,
	V_R64 = 0x0c,
	V_BOOL = 0x0d,
	V_BINARY = 0x0e,
	V_GUID = 0x0f,
	V_SIZET = 0x10,
	V_FILETIME = 0x11,
	V_SYSTIME = 0x12,
	V_SID = 0x13,
	V_HEX32 = 0x14,
	V_HEX64 = 0x15,
	V_EVTHANDLE = 0x20,
	V_BINXML = 0x21,
	V_EVTXML = 0x23,
	V_ARRAY = 0x80,
};

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static int fail(evtx_dec *d, uint32_t off, const char *why)
{
	if (!d->err) {
		d->err = why;
		d->err_off = off;
	}
	return SPOOR_EPARSE;
}

int evtx_dec_init(evtx_dec *d)
{
	memset(d, 0, sizeof(*d));
	d->slots = xcalloc(EVTX_NAME_SLOTS, sizeof(*d->slots));
	d->names = xmalloc(EVTX_NAMES_CAP);
	d->txt_cap = 4096;
	d->txt = xmalloc(d->txt_cap);
	d->subs_cap = 256;
	d->subs = xmalloc(d->subs_cap * sizeof(*d->subs));
	d->cp = codepage_find(NULL);
	if (!d->slots || !d->names || !d->txt || !d->subs) {
		evtx_dec_done(d);
		return SPOOR_ENOMEM;
	}
	return 0;
}

void evtx_dec_done(evtx_dec *d)
{
	free(d->slots);
	free(d->names);
	free(d->txt);
	free(d->subs);
	memset(d, 0, sizeof(*d));
}

void evtx_chunk_begin(evtx_dec *d, const uint8_t *c, uint32_t len)
{
	d->c = c;
	d->clen = len > EVTX_CHUNK_SIZE ? EVTX_CHUNK_SIZE : len;
	d->names_used = 0;
	d->names_len = 0;
	d->gen++;
	if (d->gen == 0) {
		memset(d->slots, 0, EVTX_NAME_SLOTS * sizeof(*d->slots));
		d->gen = 1;
	}
}

/* ---- text buffer ---- */

static int txt_grow(evtx_dec *d, size_t n)
{
	if (d->txt_len + n <= d->txt_cap)
		return 0;
	size_t cap = d->txt_cap;
	while (cap < d->txt_len + n)
		cap *= 2;
	if (cap > EVTX_TXT_MAX)
		return SPOOR_ELIMIT;
	char *p = xrealloc(d->txt, cap);
	if (!p)
		return SPOOR_ENOMEM;
	d->txt = p;
	d->txt_cap = cap;
	return 0;
}

static int txt_put(evtx_dec *d, const char *s, size_t n)
{
	int rc = txt_grow(d, n);
	if (rc < 0)
		return rc;
	memcpy(d->txt + d->txt_len, s, n);
	d->txt_len += n;
	return 0;
}

/* UTF-16LE units -> UTF-8 (lone surrogates -> U+FFFD); stops at a NUL unit
 * when stop_nul.  Writes at most 3 bytes per unit. */
static size_t utf16_to_utf8(char *out, const uint8_t *p, size_t units, bool stop_nul)
{
	char *o = out;
	for (size_t i = 0; i < units; i++) {
#ifdef __SSE2__
		/* ASCII fast path, eight units at a time: no unit >= 0x80,
		 * none zero. */
		while (i + 8 <= units) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * i));
			__m128i zero = _mm_setzero_si128();
			__m128i ascii = _mm_cmpeq_epi16(_mm_and_si128(v, _mm_set1_epi16((short)0xff80)), zero);
			__m128i nul = _mm_cmpeq_epi16(v, zero);
			if (_mm_movemask_epi8(_mm_andnot_si128(nul, ascii)) != 0xffff)
				break;
			_mm_storel_epi64((__m128i *)(void *)o, _mm_packus_epi16(v, v));
			o += 8;
			i += 8;
		}
#endif
		/* ASCII fast path, four units at a time. */
		while (i + 4 <= units) {
			uint64_t v;
			memcpy(&v, p + 2 * i, 8);
			if (v & 0xff80ff80ff80ff80ull)
				break;
			if (!(v & 0xff) || !(v & 0xff0000) || !(v & 0xff00000000ull) || !(v & 0xff000000000000ull))
				break;
			o[0] = (char)p[2 * i];
			o[1] = (char)p[2 * i + 2];
			o[2] = (char)p[2 * i + 4];
			o[3] = (char)p[2 * i + 6];
			o += 4;
			i += 4;
		}
		if (i >= units)
			break;
		uint32_t u = rd16(p + 2 * i);
		if (u < 0x80) {
			if (u == 0 && stop_nul)
				break;
			*o++ = (char)u;
			continue;
		}
		if (u < 0x800) {
			*o++ = (char)(0xc0 | (u >> 6));
			*o++ = (char)(0x80 | (u & 0x3f));
			continue;
		}
		if (u >= 0xd800 && u <= 0xdbff && i + 1 < units) {
			uint32_t lo = rd16(p + 2 * (i + 1));
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				uint32_t cp = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				*o++ = (char)(0xf0 | (cp >> 18));
				*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
				*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
				*o++ = (char)(0x80 | (cp & 0x3f));
				i++;
				continue;
			}
		}
		if (u >= 0xd800 && u <= 0xdfff)
			u = 0xfffd;
		*o++ = (char)(0xe0 | (u >> 12));
		*o++ = (char)(0x80 | ((u >> 6) & 0x3f));
		*o++ = (char)(0x80 | (u & 0x3f));
	}
	return (size_t)(o - out);
}

static int txt_utf16(evtx_dec *d, const uint8_t *p, size_t units, bool stop_nul)
{
	int rc = txt_grow(d, units * 3);
	if (rc < 0)
		return rc;
	d->txt_len += utf16_to_utf8(d->txt + d->txt_len, p, units, stop_nul);
	return 0;
}

/* ---- names ---- */

static int name_get(evtx_dec *d, uint32_t off, spoor_sv *out)
{
	uint32_t h = (off * 2654435761u) >> (32 - 13);
	for (uint32_t i = 0; i < EVTX_NAME_SLOTS; i++) {
		evtx_name_slot *s = &d->slots[(h + i) & (EVTX_NAME_SLOTS - 1)];
		if (s->gen == d->gen && s->off == off) {
			*out = sv_make(d->names + s->str_off, s->len);
			return 0;
		}
		if (s->gen != d->gen) {
			if (off > d->clen || d->clen - off < 10)
				return fail(d, off, "name offset out of chunk");
			uint32_t n = rd16(d->c + off + 6);
			if ((size_t)n * 2 > d->clen - off - 8)
				return fail(d, off, "name runs past chunk");
			if (d->names_used >= EVTX_NAME_SLOTS * 3 / 4 || EVTX_NAMES_CAP - d->names_len < (size_t)n * 3)
				return fail(d, off, "too many names in chunk");
			size_t len = utf16_to_utf8(d->names + d->names_len, d->c + off + 8, n, true);
			s->gen = d->gen;
			s->off = off;
			s->str_off = d->names_len;
			s->len = (uint32_t)len;
			d->names_len += (uint32_t)len;
			d->names_used++;
			*out = sv_make(d->names + s->str_off, s->len);
			return 0;
		}
	}
	return fail(d, off, "name table full");
}

/* A name reference at *pos: a chunk offset; when it points right after
 * itself the name is stored inline and is skipped. */
static int name_ref(evtx_dec *d, uint32_t *pos, uint32_t end, spoor_sv *out)
{
	if (end - *pos < 4)
		return fail(d, *pos, "truncated name reference");
	uint32_t off = rd32(d->c + *pos);
	*pos += 4;
	if (off == *pos) {
		if (end - *pos < 8)
			return fail(d, *pos, "truncated inline name");
		uint32_t skip = 8 + 2 * (uint32_t)rd16(d->c + *pos + 6) + 2;
		if (skip > end - *pos)
			return fail(d, *pos, "inline name runs past data");
		*pos += skip;
	}
	return name_get(d, off, out);
}

/* ---- value formatting ---- */

static char *fmt_u64(char *end, uint64_t v)
{
	char *p = end;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

static int put_u64(evtx_dec *d, uint64_t v)
{
	char b[24];
	char *p = fmt_u64(b + sizeof(b), v);
	return txt_put(d, p, (size_t)(b + sizeof(b) - p));
}

static int put_i64(evtx_dec *d, int64_t v)
{
	char b[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char *p = fmt_u64(b + sizeof(b), u);
	if (v < 0)
		*--p = '-';
	return txt_put(d, p, (size_t)(b + sizeof(b) - p));
}

static int put_hex(evtx_dec *d, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char b[24];
	char *p = b + sizeof(b);
	do {
		*--p = hex[v & 15];
		v >>= 4;
	} while (v);
	*--p = 'x';
	*--p = '0';
	return txt_put(d, p, (size_t)(b + sizeof(b) - p));
}

static int put_double(evtx_dec *d, double v, bool single)
{
	char b[40];
	int n = 0;
	if (v != v || v - v != 0) {
		n = snprintf(b, sizeof(b), "%s", v != v ? "NaN" : (v > 0 ? "inf" : "-inf"));
		return txt_put(d, b, (size_t)n);
	}
	for (int prec = 1; prec <= 17; prec++) {
		n = snprintf(b, sizeof(b), "%.*g", prec, v);
		if (single ? (float)strtod(b, NULL) == (float)v : strtod(b, NULL) == v)
			break;
	}
	if (!memchr(b, '.', (size_t)n) && !memchr(b, 'e', (size_t)n) && n + 2 < (int)sizeof(b)) {
		b[n++] = '.';
		b[n++] = '0';
	}
	return txt_put(d, b, (size_t)n);
}

size_t evtx_fmt_filetime(uint64_t ft, char *out)
{
	int64_t secs = (int64_t)(ft / 10000000u) - 11644473600LL;
	unsigned micros = (unsigned)((ft % 10000000u) / 10u);
	int64_t days = secs / 86400;
	int64_t rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	int64_t y;
	unsigned m, dd;
	civil_from_days(days, &y, &m, &dd);
	if (y < 0 || y > 9999) {
		int n = snprintf(out, 32, "%04lld-%02u-%02uT%02u:%02u:%02u.%06uZ", (long long)y, m, dd,
				 (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60), micros);
		return n < 0 ? 0 : (size_t)MIN(n, 31);
	}
	/* YYYY-MM-DDTHH:MM:SS.ffffffZ without printf (hot: every record). */
	unsigned v[6] = {(unsigned)y, m, dd, (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60)};
	char *o = out;
	o[0] = (char)('0' + v[0] / 1000);
	o[1] = (char)('0' + v[0] / 100 % 10);
	o[2] = (char)('0' + v[0] / 10 % 10);
	o[3] = (char)('0' + v[0] % 10);
	o += 4;
	static const char seps[] = "--T::";
	for (int i = 1; i < 6; i++) {
		*o++ = seps[i - 1];
		*o++ = (char)('0' + v[i] / 10 % 10);
		*o++ = (char)('0' + v[i] % 10);
	}
	*o++ = '.';
	for (int i = 5; i >= 0; i--) {
		o[i] = (char)('0' + micros % 10);
		micros /= 10;
	}
	o += 6;
	*o++ = 'Z';
	*o = 0;
	return (size_t)(o - out);
}

size_t evtx_fmt_guid(const uint8_t *g, char *out)
{
	static const uint8_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[n++] = '-';
		out[n++] = hex[g[order[i]] >> 4];
		out[n++] = hex[g[order[i]] & 15];
	}
	out[n] = 0;
	return n;
}

size_t evtx_fmt_sid(const uint8_t *p, size_t n, char *out, size_t cap)
{
	if (n < 8 || cap < 64)
		return (size_t)snprintf(out, cap, "S-?");
	uint64_t auth = 0;
	for (int i = 2; i < 8; i++)
		auth = auth << 8 | p[i];
	size_t len;
	if (auth >> 32) {
		len = (size_t)snprintf(out, cap, "S-%u-0x%llx", p[0], (unsigned long long)auth);
	} else {
		char b[24];
		char *q = fmt_u64(b + sizeof(b), p[0]);
		out[0] = 'S';
		out[1] = '-';
		len = 2;
		memcpy(out + len, q, (size_t)(b + sizeof(b) - q));
		len += (size_t)(b + sizeof(b) - q);
		out[len++] = '-';
		q = fmt_u64(b + sizeof(b), auth);
		memcpy(out + len, q, (size_t)(b + sizeof(b) - q));
		len += (size_t)(b + sizeof(b) - q);
	}
	for (size_t i = 0; i < p[1] && 8 + 4 * i + 4 <= n && len + 12 < cap; i++) {
		char b[24];
		char *q = fmt_u64(b + sizeof(b), rd32(p + 8 + 4 * i));
		out[len++] = '-';
		memcpy(out + len, q, (size_t)(b + sizeof(b) - q));
		len += (size_t)(b + sizeof(b) - q);
	}
	out[len] = 0;
	return len;
}

static size_t fixed_size(uint8_t t)
{
	switch (t) {
	case V_I8:
	case V_U8:
		return 1;
	case V_I16:
	case V_U16:
		return 2;
	case V_I32:
	case V_U32:
	case V_R32:
	case V_BOOL:
	case V_HEX32:
		return 4;
	case V_I64:
	case V_U64:
	case V_R64:
	case V_FILETIME:
	case V_HEX64:
	case V_SIZET:
		return 8;
	case V_GUID:
	case V_SYSTIME:
		return 16;
	default:
		return 0;
	}
}

/* One scalar of type t, n bytes at p (n >= fixed_size(t) for fixed types). */
static int put_scalar(evtx_dec *d, uint8_t t, const uint8_t *p, size_t n, int *kind)
{
	char b[256];
	size_t len;
	*kind = EVTX_V_STR;
	switch (t) {
	case V_STRING:
		return txt_utf16(d, p, n / 2, true);
	case V_ANSI: {
		/* The system's ANSI code page (configurable; windows-1252
		 * by default, where 0x80-0x9F are not the C1 controls). */
		int rc = txt_grow(d, n * 3);
		if (rc < 0)
			return rc;
		d->txt_len += codepage_decode(d->cp ? d->cp : codepage_find(NULL), p, n, d->txt + d->txt_len);
		return 0;
	}
	case V_I8:
		*kind = EVTX_V_NUM;
		return put_i64(d, (int8_t)p[0]);
	case V_U8:
		*kind = EVTX_V_NUM;
		return put_u64(d, p[0]);
	case V_I16:
		*kind = EVTX_V_NUM;
		return put_i64(d, (int16_t)rd16(p));
	case V_U16:
		*kind = EVTX_V_NUM;
		return put_u64(d, rd16(p));
	case V_I32:
		*kind = EVTX_V_NUM;
		return put_i64(d, (int32_t)rd32(p));
	case V_U32:
		*kind = EVTX_V_NUM;
		return put_u64(d, rd32(p));
	case V_I64:
		*kind = EVTX_V_NUM;
		return put_i64(d, (int64_t)rd64(p));
	case V_U64:
		*kind = EVTX_V_NUM;
		return put_u64(d, rd64(p));
	case V_R32: {
		float f;
		uint32_t u = rd32(p);
		memcpy(&f, &u, 4);
		*kind = EVTX_V_NUM;
		return put_double(d, f, true);
	}
	case V_R64: {
		double f;
		uint64_t u = rd64(p);
		memcpy(&f, &u, 8);
		*kind = EVTX_V_NUM;
		return put_double(d, f, false);
	}
	case V_BOOL: {
		bool v = false;
		for (size_t i = 0; i < n && i < 4; i++)
			v = v || p[i];
		*kind = EVTX_V_BOOL;
		return v ? txt_put(d, "true", 4) : txt_put(d, "false", 5);
	}
	case V_BINARY: {
		static const char hex[] = "0123456789ABCDEF";
		int rc = txt_grow(d, n * 2);
		if (rc < 0)
			return rc;
		for (size_t i = 0; i < n; i++) {
			d->txt[d->txt_len++] = hex[p[i] >> 4];
			d->txt[d->txt_len++] = hex[p[i] & 15];
		}
		return 0;
	}
	case V_GUID:
		len = evtx_fmt_guid(p, b);
		return txt_put(d, b, len);
	case V_SIZET:
		return put_hex(d, n == 4 ? rd32(p) : rd64(p));
	case V_HEX32:
		return put_hex(d, rd32(p));
	case V_HEX64:
		return put_hex(d, rd64(p));
	case V_FILETIME:
		len = evtx_fmt_filetime(rd64(p), b);
		return txt_put(d, b, len);
	case V_SYSTIME: {
		int w = snprintf(b, sizeof(b), "%04u-%02u-%02uT%02u:%02u:%02u.%06uZ", rd16(p), rd16(p + 2), rd16(p + 6),
				 rd16(p + 8), rd16(p + 10), rd16(p + 12), (unsigned)rd16(p + 14) * 1000u);
		return txt_put(d, b, (size_t)w);
	}
	case V_SID:
		len = evtx_fmt_sid(p, n, b, sizeof(b));
		return txt_put(d, b, len);
	default:
		/* EvtHandle, EvtXml and unknown types render as nothing. */
		return 0;
	}
}

/* A sized value (substitution): type t, n bytes at chunk offset off. */
static int put_value(evtx_dec *d, uint8_t t, uint32_t off, uint32_t n, int *kind)
{
	const uint8_t *p = d->c + off;
	*kind = EVTX_V_STR;
	/* Templates may reference one large value many times: bound the
	 * bytes rendered per record, not only the tokens. */
	d->rendered += n;
	if (d->rendered > EVTX_MAX_RENDER)
		return fail(d, off, "record renders too much text");
	if (!(t & V_ARRAY)) {
		size_t fs = fixed_size(t);
		if (fs && n < fs && !(t == V_SIZET && n == 4) && !(t == V_BOOL && n > 0))
			return 0; /* short value: rendered as empty */
		return put_scalar(d, t, p, n, kind);
	}
	uint8_t base = t & 0x7f;
	int k, rc;
	bool first = true;
	if (base == V_STRING) {
		/* NUL-separated UTF-16 strings. */
		size_t units = n / 2, i = 0;
		while (i < units) {
			size_t j = i;
			while (j < units && rd16(p + 2 * j))
				j++;
			if (j == i && j + 1 >= units)
				break;
			if (!first) {
				rc = txt_put(d, ",", 1);
				if (rc < 0)
					return rc;
			}
			first = false;
			rc = txt_utf16(d, p + 2 * i, j - i, false);
			if (rc < 0)
				return rc;
			i = j + 1;
		}
		return 0;
	}
	if (base == V_SID) {
		size_t i = 0;
		while (i + 8 <= n) {
			size_t sl = 8 + 4 * (size_t)p[i + 1];
			if (sl > n - i)
				sl = n - i;
			if (!first) {
				rc = txt_put(d, ",", 1);
				if (rc < 0)
					return rc;
			}
			first = false;
			rc = put_scalar(d, V_SID, p + i, sl, &k);
			if (rc < 0)
				return rc;
			i += sl;
		}
		return 0;
	}
	size_t es = fixed_size(base);
	if (base == V_SIZET)
		es = 8;
	if (!es)
		return put_scalar(d, V_BINARY, p, n, &k);
	for (size_t i = 0; i + es <= n; i += es) {
		if (!first) {
			rc = txt_put(d, ",", 1);
			if (rc < 0)
				return rc;
		}
		first = false;
		rc = put_scalar(d, base, p + i, es, &k);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Next item of an array value of base type `base` (n bytes at p): item at
 * [*start, *start + *len); false at the end. */
static bool array_next(const uint8_t *p, uint32_t n, uint8_t base, uint32_t *pos, uint32_t *start, uint32_t *len)
{
	uint32_t i = *pos;
	if (base == V_STRING) {
		uint32_t units = n / 2, u = i / 2, j = u;
		if (u >= units)
			return false;
		while (j < units && rd16(p + 2 * j))
			j++;
		if (j == u && j + 1 >= units)
			return false; /* the final terminator */
		*start = 2 * u;
		*len = 2 * (j - u);
		*pos = 2 * (j + 1);
		return true;
	}
	if (base == V_SID) {
		if (i + 8 > n)
			return false;
		uint32_t sl = 8 + 4 * (uint32_t)p[i + 1];
		*start = i;
		*len = sl > n - i ? n - i : sl;
		*pos = i + *len;
		return true;
	}
	uint32_t es = base == V_SIZET ? 8 : (uint32_t)fixed_size(base);
	if (!es || i + es > n)
		return false;
	*start = i;
	*len = es;
	*pos = i + es;
	return true;
}

/* ---- the token walker ---- */

typedef struct attr_state {
	bool open; /* an attribute is collecting its value */
	bool dropped;
	spoor_sv name;
	uint32_t mark;
	uint32_t pieces;
	int kind;
} attr_state;

static void piece(uint32_t *pieces, int *kind, int k)
{
	*kind = *pieces == 0 ? k : EVTX_V_STR;
	(*pieces)++;
}

static void add_piece(evtx_dec *d, attr_state *a, int k)
{
	if (a && a->open) {
		piece(&a->pieces, &a->kind, k);
	} else if (d->depth > 0) {
		evtx_frame *f = &d->frames[d->depth - 1];
		int fk = f->kind;
		piece(&f->pieces, &fk, k);
		f->kind = (uint8_t)fk;
	}
}

static int attr_finish(evtx_dec *d, attr_state *a)
{
	if (!a->open)
		return 0;
	a->open = false;
	int rc = 0;
	if (a->pieces || !a->dropped) {
		spoor_sv v = sv_make(d->txt + a->mark, d->txt_len - a->mark);
		rc = d->sink->attr(d->sink->u, a->name, v, a->pieces ? a->kind : EVTX_V_NONE);
	}
	d->txt_len = a->mark;
	return rc;
}

static int elem_close(evtx_dec *d)
{
	evtx_frame *f = &d->frames[--d->depth];
	spoor_sv v = sv_make(d->txt + f->mark, d->txt_len - f->mark);
	int rc = d->sink->elem_end(d->sink->u, v, f->pieces ? f->kind : EVTX_V_NONE);
	d->txt_len = f->mark;
	return rc;
}

static int walk(evtx_dec *d, uint32_t pos, uint32_t end, size_t sub_base, uint32_t nsubs, int nest, bool dep,
		uint32_t *out_pos);

/* An array substitution as element content repeats the element once per
 * item, as Windows renders it (<Data>a</Data><Data>b</Data>). */
static int expand_array(evtx_dec *d, const evtx_sub *s)
{
	uint8_t base = s->type & 0x7f;
	uint32_t pos = 0, st, len;
	int idx = 0, k, rc;
	uint8_t bt = base == V_SIZET ? V_HEX64 : base;
	while (array_next(d->c + s->off, s->size, base, &pos, &st, &len)) {
		if (idx > 0) {
			spoor_sv name = d->frames[d->depth - 1].name;
			rc = elem_close(d);
			if (rc < 0)
				return rc;
			evtx_frame *f = &d->frames[d->depth++];
			f->name = name;
			f->mark = (uint32_t)d->txt_len;
			f->pieces = 0;
			f->kind = EVTX_V_NONE;
			rc = d->sink->elem_start(d->sink->u, name);
			if (rc < 0)
				return rc;
		}
		rc = put_value(d, bt, s->off + st, len, &k);
		if (rc < 0)
			return rc;
		add_piece(d, NULL, k);
		idx++;
		if (++d->tokens > EVTX_MAX_TOKENS)
			return fail(d, s->off, "too many tokens in record");
	}
	return 0;
}

/* Text of the element content or attribute value being built: is it
 * collecting at all?  Text outside any element is dropped. */
static bool collecting(const evtx_dec *d, const attr_state *a)
{
	return a->open || d->depth > 0;
}

static int template_instance(evtx_dec *d, uint32_t *ppos, uint32_t end, int nest)
{
	uint32_t pos = *ppos;
	if (end - pos < 10)
		return fail(d, pos, "truncated template instance");
	uint32_t def = rd32(d->c + pos + 6);
	pos += 10;
	if (def == pos) {
		/* Inline definition: skip it. */
		if (end - pos < 24)
			return fail(d, pos, "truncated template definition");
		uint32_t dsz = rd32(d->c + pos + 20);
		if (dsz > end - pos - 24)
			return fail(d, pos, "template definition runs past data");
		pos += 24 + dsz;
	}
	if (end - pos < 4)
		return fail(d, pos, "truncated substitution count");
	uint32_t n = rd32(d->c + pos);
	pos += 4;
	if (n > EVTX_MAX_SUBS || (uint64_t)n * 4 > end - pos)
		return fail(d, pos, "bad substitution count");
	size_t base = d->subs_len;
	if (base + n > d->subs_cap) {
		size_t cap = d->subs_cap;
		while (cap < base + n)
			cap *= 2;
		evtx_sub *s = xreallocarray(d->subs, cap, sizeof(*s));
		if (!s)
			return SPOOR_ENOMEM;
		d->subs = s;
		d->subs_cap = cap;
	}
	uint32_t voff = pos + 4 * n;
	for (uint32_t i = 0; i < n; i++) {
		evtx_sub *s = &d->subs[base + i];
		s->size = rd16(d->c + pos + 4 * i);
		s->type = d->c[pos + 4 * i + 2];
		s->off = voff;
		if (s->size > end - voff)
			return fail(d, voff, "substitution value runs past data");
		voff += s->size;
	}
	d->subs_len = base + n;
	*ppos = voff;
	/* The definition, wherever it is in the chunk. */
	if (def > d->clen || d->clen - def < 24 + 4)
		return fail(d, def, "template offset out of chunk");
	uint32_t tstart = def + 24;
	uint32_t dsz = rd32(d->c + def + 20);
	uint32_t tend = dsz > d->clen - tstart ? d->clen : tstart + dsz;
	int rc = walk(d, tstart, tend, base, n, nest + 1, true, NULL);
	d->subs_len = base;
	return rc;
}

static int walk(evtx_dec *d, uint32_t pos, uint32_t end, size_t sub_base, uint32_t nsubs, int nest, bool dep,
		uint32_t *out_pos)
{
	const uint8_t *c = d->c;
	int start_depth = d->depth;
	attr_state a = {0};
	bool in_tag = false;
	int rc = 0;
	int k;

	if (nest > EVTX_MAX_NEST)
		return fail(d, pos, "templates nested too deeply");
	while (pos < end) {
		if (++d->tokens > EVTX_MAX_TOKENS)
			return fail(d, pos, "too many tokens in record");
		uint8_t tok = c[pos];
		uint8_t base = tok & 0x40 ? (uint8_t)(tok & ~0x40) : tok;
		uint32_t left = end - pos;
		switch (base) {
		case T_EOF:
			pos++;
			goto done;
		case T_FRAGMENT:
			if (left < 4)
				return fail(d, pos, "truncated fragment header");
			pos += 4;
			break;
		case T_OPEN: {
			uint32_t need = 1 + (dep ? 2u : 0u) + 4;
			if (left < need)
				return fail(d, pos, "truncated element");
			rc = attr_finish(d, &a);
			if (rc < 0)
				return rc;
			pos += need;
			spoor_sv name;
			rc = name_ref(d, &pos, end, &name);
			if (rc < 0)
				return rc;
			if (tok & 0x40) {
				if (end - pos < 4)
					return fail(d, pos, "truncated attribute list");
				pos += 4;
			}
			if (d->depth >= EVTX_MAX_DEPTH)
				return fail(d, pos, "elements nested too deeply");
			evtx_frame *f = &d->frames[d->depth++];
			f->name = name;
			f->mark = (uint32_t)d->txt_len;
			f->pieces = 0;
			f->kind = EVTX_V_NONE;
			in_tag = true;
			rc = d->sink->elem_start(d->sink->u, name);
			if (rc < 0)
				return rc;
			break;
		}
		case T_CLOSE_START:
			pos++;
			rc = attr_finish(d, &a);
			if (rc < 0)
				return rc;
			in_tag = false;
			break;
		case T_CLOSE_EMPTY:
		case T_END:
			pos++;
			rc = attr_finish(d, &a);
			if (rc < 0)
				return rc;
			in_tag = false;
			if (d->depth <= start_depth)
				return fail(d, pos - 1, "unbalanced end of element");
			rc = elem_close(d);
			if (rc < 0)
				return rc;
			break;
		case T_ATTR: {
			pos++;
			rc = attr_finish(d, &a);
			if (rc < 0)
				return rc;
			spoor_sv name;
			rc = name_ref(d, &pos, end, &name);
			if (rc < 0)
				return rc;
			if (in_tag && d->depth > start_depth) {
				a.open = true;
				a.dropped = false;
				a.name = name;
				a.mark = (uint32_t)d->txt_len;
				a.pieces = 0;
				a.kind = EVTX_V_NONE;
			}
			break;
		}
		case T_VALUE: {
			if (left < 2)
				return fail(d, pos, "truncated value");
			uint8_t t = c[pos + 1];
			pos += 2;
			uint32_t n;
			if (t == V_STRING) {
				if (end - pos < 2)
					return fail(d, pos, "truncated string value");
				n = 2 * (uint32_t)rd16(c + pos);
				pos += 2;
			} else if (t == V_NULL) {
				n = 0;
			} else {
				n = (uint32_t)fixed_size(t);
				if (!n)
					return fail(d, pos, "unsupported value type in value token");
			}
			if (n > end - pos)
				return fail(d, pos, "value runs past data");
			if (collecting(d, &a) && t != V_NULL) {
				rc = put_value(d, t, pos, n, &k);
				if (rc < 0)
					return rc;
				add_piece(d, &a, k);
			}
			pos += n;
			break;
		}
		case T_SUBST:
		case T_OSUBST: {
			if (left < 4)
				return fail(d, pos, "truncated substitution");
			uint32_t id = rd16(c + pos + 1);
			pos += 4;
			if (id >= nsubs) {
				if (a.open)
					a.dropped = true;
				break;
			}
			evtx_sub s = d->subs[sub_base + id];
			if (s.type == V_NULL || (s.size == 0 && s.type != V_STRING && s.type != V_ANSI)) {
				if (a.open)
					a.dropped = true;
				break;
			}
			if (s.type == V_BINXML) {
				if (a.open || s.size == 0)
					break;
				if (in_tag)
					in_tag = false;
				rc = walk(d, s.off, s.off + s.size, d->subs_len, 0, nest + 1, false, NULL);
				if (rc < 0)
					return rc;
				/* A nested document counts as content. */
				if (d->depth > 0) {
					evtx_frame *f = &d->frames[d->depth - 1];
					if (!f->pieces) {
						f->pieces = 1;
						f->kind = EVTX_V_STR;
					}
				}
				break;
			}
			if ((s.type & V_ARRAY) && !a.open && d->depth > start_depth) {
				rc = expand_array(d, &s);
				if (rc < 0)
					return rc;
				break;
			}
			if (collecting(d, &a)) {
				rc = put_value(d, s.type, s.off, s.size, &k);
				if (rc < 0)
					return rc;
				add_piece(d, &a, k);
			}
			break;
		}
		case T_CDATA: {
			if (left < 3)
				return fail(d, pos, "truncated CDATA");
			uint32_t n = 2 * (uint32_t)rd16(c + pos + 1);
			pos += 3;
			if (n > end - pos)
				return fail(d, pos, "CDATA runs past data");
			d->rendered += n;
			if (d->rendered > EVTX_MAX_RENDER)
				return fail(d, pos, "record renders too much text");
			if (collecting(d, &a)) {
				rc = txt_utf16(d, c + pos, n / 2, false);
				if (rc < 0)
					return rc;
				add_piece(d, &a, EVTX_V_STR);
			}
			pos += n;
			break;
		}
		case T_CHARREF: {
			if (left < 3)
				return fail(d, pos, "truncated character reference");
			uint32_t cp = rd16(c + pos + 1);
			pos += 3;
			if (collecting(d, &a)) {
				char b[4];
				size_t bl = utf8_put(b, cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp);
				rc = txt_put(d, b, bl);
				if (rc < 0)
					return rc;
				add_piece(d, &a, EVTX_V_STR);
			}
			break;
		}
		case T_ENTREF: {
			pos++;
			spoor_sv name;
			rc = name_ref(d, &pos, end, &name);
			if (rc < 0)
				return rc;
			if (collecting(d, &a)) {
				static const struct {
					const char *n, *v;
				} ents[] = {{"lt", "<"}, {"gt", ">"}, {"amp", "&"}, {"quot", "\""}, {"apos", "'"}};
				bool done_ent = false;
				for (size_t i = 0; i < ARRAY_SIZE(ents) && !done_ent; i++) {
					if (sv_eq_cstr(name, ents[i].n)) {
						rc = txt_put(d, ents[i].v, 1);
						done_ent = true;
					}
				}
				if (!done_ent) {
					rc = txt_put(d, "&", 1);
					if (rc >= 0)
						rc = txt_put(d, name.p, name.n);
					if (rc >= 0)
						rc = txt_put(d, ";", 1);
				}
				if (rc < 0)
					return rc;
				add_piece(d, &a, EVTX_V_STR);
			}
			break;
		}
		case T_PITARGET: {
			pos++;
			spoor_sv name;
			rc = name_ref(d, &pos, end, &name);
			if (rc < 0)
				return rc;
			break;
		}
		case T_PIDATA: {
			if (left < 3)
				return fail(d, pos, "truncated PI data");
			uint32_t n = 2 * (uint32_t)rd16(c + pos + 1);
			pos += 3;
			if (n > end - pos)
				return fail(d, pos, "PI data runs past data");
			pos += n;
			break;
		}
		case T_TEMPLATE:
			rc = attr_finish(d, &a);
			if (rc < 0)
				return rc;
			rc = template_instance(d, &pos, end, nest);
			if (rc < 0)
				return rc;
			break;
		default:
			return fail(d, pos, "unknown Binary XML token");
		}
	}
done:
	rc = attr_finish(d, &a);
	if (rc < 0)
		return rc;
	/* Tolerate an incomplete template or fragment: close what it opened. */
	while (d->depth > start_depth) {
		rc = elem_close(d);
		if (rc < 0)
			return rc;
	}
	if (out_pos)
		*out_pos = pos;
	return 0;
}

int evtx_record_decode(evtx_dec *d, const evtx_record *rec, const evtx_sink *sink)
{
	d->sink = sink;
	d->depth = 0;
	d->txt_len = 0;
	d->subs_len = 0;
	d->tokens = 0;
	d->rendered = 0;
	d->err = NULL;
	d->err_off = 0;
	if (rec->size < 28 || rec->off > d->clen || rec->size > d->clen - rec->off)
		return fail(d, rec->off, "record outside chunk");
	uint32_t start = rec->off + EVTX_RECORD_HEADER_SIZE;
	uint32_t end = rec->off + rec->size - 4;
	uint32_t pos = start;
	int rc = walk(d, start, end, 0, 0, 0, false, &pos);
	if (rc < 0 || !sink->frag)
		return rc;
	/* Further top-level fragments (a fragment header 0f 01 01 00 after
	 * the first one's end; what follows the end is otherwise padding).
	 * Each is tentative: one that does not decode is dropped, and the
	 * record keeps what came before it. */
	while (end - pos >= 8 && !memcmp(d->c + pos, "\x0f\x01\x01\x00", 4)) {
		rc = sink->frag(sink->u, EVTX_FRAG_BEGIN);
		if (rc < 0)
			return rc;
		uint32_t next = pos;
		d->depth = 0;
		d->txt_len = 0;
		d->subs_len = 0;
		rc = walk(d, pos, end, 0, 0, 0, false, &next);
		if (rc == SPOOR_ENOMEM)
			return rc;
		if (rc < 0 || next <= pos) {
			d->err = NULL;
			d->err_off = 0;
			d->depth = 0;
			return sink->frag(sink->u, EVTX_FRAG_ABORT);
		}
		pos = next;
	}
	return 0;
}
