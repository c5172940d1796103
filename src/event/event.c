/* event — building and reading events; see event-int.h and spoor/event.h. */
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "event/event-int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int event_init(spoor_event *ev, spoor_ctx *ctx)
{
	memset(ev, 0, sizeof(*ev));
	ev->ctx = ctx;
	ev->gen = 1;
	arena_init(&ev->ar, 64 * 1024, 0);
	return 0;
}

void event_done(spoor_event *ev)
{
	free(ev->f);
	free(ev->slot_gen);
	free(ev->slot_idx);
	free(ev->tx);
	arena_done(&ev->ar);
	memset(ev, 0, sizeof(*ev));
}

void event_reset(spoor_event *ev)
{
	ev->n = 0;
	if (++ev->gen == 0) {
		/* Wrapped: clear so stale generations cannot match. */
		if (ev->slot_gen)
			memset(ev->slot_gen, 0, ev->slot_cap * sizeof(*ev->slot_gen));
		if (ev->tx)
			memset(ev->tx, 0, ev->txcap * sizeof(*ev->tx));
		ev->gen = 1;
	}
	ev->has_ts = false;
	ev->ts = 0;
	ev->odd_esc = false;
	memset(&ev->ls, 0, sizeof(ev->ls));
	memset(&ev->origin, 0, sizeof(ev->origin));
	ev->format = NULL;
	ev->shape = NULL;
	ev->raw = SPOOR_SV_NULL;
	arena_reset(&ev->ar);
}

static int grow_slots(spoor_event *ev, uint32_t id)
{
	size_t ncap = ev->slot_cap ? ev->slot_cap : 256;
	while (ncap <= id)
		ncap *= 2;
	uint32_t *g = xreallocarray(ev->slot_gen, ncap, sizeof(*g));
	if (!g)
		return SPOOR_ENOMEM;
	ev->slot_gen = g;
	uint32_t *x = xreallocarray(ev->slot_idx, ncap, sizeof(*x));
	if (!x)
		return SPOOR_ENOMEM;
	ev->slot_idx = x;
	memset(g + ev->slot_cap, 0, (ncap - ev->slot_cap) * sizeof(*g));
	ev->slot_cap = ncap;
	return 0;
}

static int push(spoor_event *ev, efield **out)
{
	if (UNLIKELY(ev->n == ev->cap)) {
		size_t max = ev->ctx->lim.max_fields;
		if (ev->n >= max)
			return SPOOR_ELIMIT;
		size_t ncap = ev->cap ? ev->cap * 2 : 64;
		if (ncap > max)
			ncap = max;
		efield *f = xreallocarray(ev->f, ncap, sizeof(*f));
		if (!f)
			return SPOOR_ENOMEM;
		ev->f = f;
		ev->cap = ncap;
	}
	*out = &ev->f[ev->n++];
	return 0;
}

int event_add_slow(spoor_event *ev, uint32_t id, spoor_vtype type, spoor_sv val, unsigned flags)
{
	efield *f;
	int r;
	if (UNLIKELY(id >= ev->slot_cap) && (r = grow_slots(ev, id)) < 0)
		return r;
	if ((r = push(ev, &f)) < 0)
		return r;
	f->id = id;
	f->type = (uint8_t)type;
	f->flags = (uint8_t)flags;
	f->name = SPOOR_SV_NULL;
	f->val = val;
	if (id) {
		/* The first occurrence of a name wins lookups (as evtx_dump
		 * consumers expect); later ones are still listed. */
		if (ev->slot_gen[id] != ev->gen) {
			ev->slot_gen[id] = ev->gen;
			ev->slot_idx[id] = (uint32_t)(ev->n - 1);
		}
	}
	return 0;
}

int event_add_named(spoor_event *ev, spoor_sv name, spoor_vtype type, spoor_sv val, unsigned flags)
{
	efield *f;
	int r = push(ev, &f);
	if (r < 0)
		return r;
	f->id = 0;
	f->type = (uint8_t)type;
	f->flags = (uint8_t)flags;
	f->name = name;
	f->val = val;
	return 0;
}

int event_set(spoor_event *ev, uint32_t id, spoor_vtype type, spoor_sv val, unsigned flags)
{
	if (id < ev->slot_cap && ev->slot_gen[id] == ev->gen) {
		efield *f = &ev->f[ev->slot_idx[id]];
		f->type = (uint8_t)type;
		f->flags = (uint8_t)flags;
		f->val = val;
		return 0;
	}
	return event_add(ev, id, type, val, flags);
}

int event_set_copy(spoor_event *ev, uint32_t id, spoor_vtype type, spoor_sv val, unsigned flags)
{
	char *p = arena_memdup(&ev->ar, val.p, val.n);
	if (!p)
		return SPOOR_ENOMEM;
	return event_set(ev, id, type, sv_make(p, val.n), flags);
}

int event_setf(spoor_event *ev, uint32_t id, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return SPOOR_EINVAL;
	if ((size_t)n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	return event_set_copy(ev, id, SPOOR_VT_STR, sv_make(tmp, (size_t)n), SPOOR_FF_ECS);
}

void event_rename(spoor_event *ev, size_t i, uint32_t id)
{
	efield *f = &ev->f[i];
	if (id >= ev->slot_cap && grow_slots(ev, id) < 0)
		return;
	/* The old name no longer finds this field. */
	if (f->id && ev->slot_gen[f->id] == ev->gen && ev->slot_idx[f->id] == i)
		ev->slot_gen[f->id] = ev->gen - 1;
	f->id = id;
	if (ev->slot_gen[id] != ev->gen) {
		ev->slot_gen[id] = ev->gen;
		ev->slot_idx[id] = (uint32_t)i;
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int32_t read_u4(const char *p, size_t n, size_t i)
{
	if (i + 4 > n)
		return -1;
	int32_t v = 0;
	for (int k = 0; k < 4; k++) {
		int h = hexval((unsigned char)p[i + (size_t)k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* One escape at p[i] (a backslash, i + 1 < n) for the block loop below:
 * the common ones here, the rest (\u, bad escapes) by the caller's loop. */
static inline bool unescape_simple(char e, char *o)
{
	switch (e) {
	case '"': *o = '"'; return true;
	case '\\': *o = '\\'; return true;
	case '/': *o = '/'; return true;
	case 'n': *o = '\n'; return true;
	case 'r': *o = '\r'; return true;
	case 't': *o = '\t'; return true;
	case 'b': *o = '\b'; return true;
	case 'f': *o = '\f'; return true;
	default: return false;
	}
}

size_t json_unescape(const char *p, size_t n, char *out)
{
	size_t i = 0, o = 0;
#ifdef __SSE2__
	/* 16 bytes at a time: copied whole, then the output is advanced to
	 * the first backslash among them.  Windows paths escape every few
	 * bytes (C:\\Windows\\System32\\...), where memchr and memcpy per
	 * run cost more than the bytes.  The store may write up to 15 bytes
	 * past the decoded end: out holds n*3/2+4 bytes and o <= i*3/2 (no
	 * escape grows more than that: a bad one, 2 bytes -> U+FFFD's 3), so
	 * o + 16 <= (n-16)*3/2 + 16 fits. */
	const __m128i bs = _mm_set1_epi8('\\');
#endif
	while (i < n) {
#ifdef __SSE2__
		while (i + 16 <= n) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			_mm_storeu_si128((__m128i *)(void *)(out + o), v);
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, bs));
			if (!m) {
				i += 16;
				o += 16;
				continue;
			}
			unsigned k = (unsigned)__builtin_ctz(m);
			i += k;
			o += k;
			if (i + 1 >= n || !unescape_simple(p[i + 1], out + o))
				break; /* \u, a bad escape or the last byte: the loop below */
			i += 2;
			o += 1;
		}
		if (i >= n)
			break;
#endif
		if (p[i] != '\\') {
			/* the run up to the next escape, in one copy */
			const char *b = memchr(p + i, '\\', n - i);
			size_t run = b ? (size_t)(b - (p + i)) : n - i;
			memcpy(out + o, p + i, run);
			o += run;
			i += run;
			continue;
		}
		if (i + 1 >= n) {
			o += utf8_put(out + o, 0xFFFD);
			break;
		}
		char e = p[i + 1];
		i += 2;
		switch (e) {
		case '"': out[o++] = '"'; break;
		case '\\': out[o++] = '\\'; break;
		case '/': out[o++] = '/'; break;
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case 't': out[o++] = '\t'; break;
		case 'u': {
			int32_t cp = read_u4(p, n, i);
			if (cp < 0) {
				o += utf8_put(out + o, 0xFFFD);
				break;
			}
			i += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				int32_t lo = (i + 1 < n && p[i] == '\\' && p[i + 1] == 'u') ? read_u4(p, n, i + 2) : -1;
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					i += 6;
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				} else {
					cp = 0xFFFD;
				}
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				cp = 0xFFFD;
			}
			/* A 6-byte escape yields at most 4 bytes (12 -> 4 for pairs). */
			o += utf8_put(out + o, (uint32_t)cp);
			break;
		}
		default:
			o += utf8_put(out + o, 0xFFFD);
			break;
		}
	}
	return o;
}

static bool unescape(spoor_event *ev, const efield *f, spoor_sv *out)
{
	/* Worst case: every 2-byte bad escape becomes a 3-byte U+FFFD. */
	char *p = arena_alloc(&ev->ar, json_unescape_max(f->val.n));
	if (!p)
		return false;
	size_t n = json_unescape(f->val.p, f->val.n, p);
	*out = sv_make(p, n);
	return true;
}

/* f's text without decoding it (see event_text_cached); inline in
 * event_text, which runs for every value a matcher reads */
static inline bool text_cached(const spoor_event *ev, const efield *f, spoor_sv *out)
{
	if (f->type != SPOOR_VT_JSTR) {
		*out = f->val;
		return true;
	}
	if (f < ev->f || f >= ev->f + ev->n || (size_t)(f - ev->f) >= ev->txcap)
		return false;
	const etext *c = &ev->tx[f - ev->f];
	if (c->gen != ev->gen || c->src != f->val.p || c->srcn != f->val.n)
		return false;
	*out = c->text;
	return true;
}

bool event_text(spoor_event *ev, const efield *f, spoor_sv *out)
{
	if (text_cached(ev, f, out))
		return true;
	if (f < ev->f || f >= ev->f + ev->n)
		return unescape(ev, f, out); /* not one of this event's fields */
	size_t i = (size_t)(f - ev->f);
	if (i >= ev->txcap) {
		size_t nc = MAX(ev->cap, i + 1);
		etext *t = xreallocarray(ev->tx, nc, sizeof(*t));
		if (!t)
			return unescape(ev, f, out);
		memset(t + ev->txcap, 0, (nc - ev->txcap) * sizeof(*t));
		ev->tx = t;
		ev->txcap = nc;
	}
	if (!unescape(ev, f, out))
		return false;
	ev->tx[i] = (etext){ev->gen, f->val.p, f->val.n, *out};
	return true;
}

bool event_text_cached(const spoor_event *ev, const efield *f, spoor_sv *out)
{
	return text_cached(ev, f, out);
}

bool event_get_text(spoor_event *ev, uint32_t id, spoor_sv *out)
{
	const efield *f = event_find(ev, id);
	if (!f || f->type == SPOOR_VT_NULL)
		return false;
	return event_text(ev, f, out);
}

/* ---- public accessors ---- */

SPOOR_API size_t spoor_event_count(const spoor_event *ev)
{
	return ev->n;
}

SPOOR_API int spoor_event_at(const spoor_event *ev, size_t i, spoor_sv *name, spoor_value *val, unsigned *flags)
{
	if (i >= ev->n)
		return SPOOR_ENOTFOUND;
	const efield *f = &ev->f[i];
	if (name)
		*name = f->id ? field_name(&ev->ctx->ft, f->id) : f->name;
	if (val) {
		val->type = (spoor_vtype)f->type;
		val->sv = f->val;
	}
	if (flags)
		*flags = f->flags & (SPOOR_FF_ECS | SPOOR_FF_ALIAS);
	return 0;
}

SPOOR_API int spoor_event_get_id(const spoor_event *ev, uint32_t id, spoor_value *out)
{
	const efield *f = event_find(ev, id);
	if (!f)
		return SPOOR_ENOTFOUND;
	out->type = (spoor_vtype)f->type;
	out->sv = f->val;
	return 0;
}

SPOOR_API int spoor_event_get(const spoor_event *ev, const char *name, size_t len, spoor_value *out)
{
	uint32_t id = field_find(&ev->ctx->ft, name, len);
	if (id)
		return spoor_event_get_id(ev, id, out);
	for (size_t i = 0; i < ev->n; i++) {
		if (!ev->f[i].id && sv_eq(ev->f[i].name, sv_make(name, len))) {
			out->type = (spoor_vtype)ev->f[i].type;
			out->sv = ev->f[i].val;
			return 0;
		}
	}
	return SPOOR_ENOTFOUND;
}

SPOOR_API int spoor_event_text(spoor_event *ev, const spoor_value *val, spoor_sv *out)
{
	efield f = {0, (uint8_t)val->type, 0, SPOOR_SV_NULL, val->sv};
	return event_text(ev, &f, out) ? 0 : SPOOR_ENOMEM;
}

SPOOR_API int spoor_event_time(const spoor_event *ev, int64_t *out)
{
	if (!ev->has_ts)
		return 0;
	*out = ev->ts;
	return 1;
}

SPOOR_API const spoor_logsource *spoor_event_logsource(const spoor_event *ev)
{
	return &ev->ls;
}

SPOOR_API const spoor_origin *spoor_event_origin(const spoor_event *ev)
{
	return &ev->origin;
}

SPOOR_API const char *spoor_event_format(const spoor_event *ev)
{
	return ev->format ? ev->format : "";
}

SPOOR_API const char *spoor_event_shape(const spoor_event *ev)
{
	return ev->shape ? ev->shape : "";
}

SPOOR_API spoor_sv spoor_event_raw(const spoor_event *ev)
{
	return ev->raw;
}

SPOOR_API uint32_t spoor_field_lookup(const spoor_ctx *ctx, const char *name, size_t len)
{
	return field_find(&ctx->ft, name, len);
}

SPOOR_API spoor_sv spoor_field_name(const spoor_ctx *ctx, uint32_t id)
{
	return field_name(&ctx->ft, id);
}
