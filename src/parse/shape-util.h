/* shape-util — small helpers shared by the JSON shape recognizers
 * (shape-*.c).  Everything here is static inline: lookups by static field
 * id only, so match() stays a handful of slot probes per record. */
#ifndef SPOOR_SHAPE_UTIL_H
#define SPOOR_SHAPE_UTIL_H

#include "parse/shape.h"

/* shape-windows.c: alias EventData names that contain spaces ("Threat
 * Name" -> "ThreatName"). */
int shape_windows_alias_spaces(spoor_event *ev);

/* Add field `to` as an alias of field `from` unless `to` is present. */
static inline int shu_alias(spoor_event *ev, uint32_t from, uint32_t to)
{
	const efield *f = event_find(ev, from);
	if (!f || event_find(ev, to))
		return 0;
	efield c = *f; /* event_add may move the array */
	return event_add(ev, to, (spoor_vtype)c.type, c.val, (c.flags & EF_HI) | SPOOR_FF_ALIAS);
}

/* The first of two ids present (exact and lowercased spelling), or 0. */
static inline uint32_t shu_pick(const spoor_event *ev, uint32_t a, uint32_t b)
{
	if (event_find(ev, a))
		return a;
	if (b && event_find(ev, b))
		return b;
	return 0;
}

static inline bool shu_has(const spoor_event *ev, uint32_t id)
{
	return event_find(ev, id) != NULL;
}

/* Raw (undecoded) view of a field's value; empty when absent.  For match()
 * comparisons against ASCII constants that never need unescaping. */
static inline spoor_sv shu_raw(const spoor_event *ev, uint32_t id)
{
	const efield *f = event_find(ev, id);
	spoor_sv s = {NULL, 0};
	if (f && f->type != SPOOR_VT_NULL)
		s = f->val;
	return s;
}

/* Decoded text of a field; empty when absent, null or on OOM. */
static inline spoor_sv shu_text(spoor_event *ev, uint32_t id)
{
	spoor_sv t = {NULL, 0};
	const efield *f = id ? event_find(ev, id) : NULL;
	if (!f || f->type == SPOOR_VT_NULL || !event_text(ev, f, &t))
		t = sv_make(NULL, 0);
	return t;
}

/* Text of the first present of a list of ids (0-terminated). */
static inline spoor_sv shu_text_any(spoor_event *ev, const uint32_t *ids)
{
	for (; *ids; ids++) {
		spoor_sv t = shu_text(ev, *ids);
		if (t.n)
			return t;
	}
	return sv_make(NULL, 0);
}

/* An IP that may carry a port: "1.2.3.4:443", "[v6]:443", "v6".  Sets
 * id (and related.ip) when valid. */
static inline int shu_set_ip_port(spoor_event *ev, uint32_t id, spoor_sv v)
{
	v = sv_trim(v);
	if (v.n && v.p[0] != '[') {
		const char *c = memchr(v.p, ':', v.n);
		/* exactly one colon and a dot before it: IPv4 with a port */
		if (c && !memchr(c + 1, ':', v.n - (size_t)(c + 1 - v.p)) && memchr(v.p, '.', (size_t)(c - v.p)))
			v.n = (size_t)(c - v.p);
	}
	return ecs_set_ip(ev, id, v);
}

/* Set ECS field id to a number (text in the event arena). */
static inline int shu_set_u64(spoor_event *ev, uint32_t id, uint64_t v)
{
	char tmp[24];
	size_t n = 0;
	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	char *p = arena_memdup(&ev->ar, tmp + sizeof(tmp) - n, n);
	if (!p)
		return SPOOR_ENOMEM;
	return event_set(ev, id, SPOOR_VT_NUM, sv_make(p, n), SPOOR_FF_ECS);
}

/* Lowercase copy of v into the event arena (for logsource views); empty
 * on OOM. */
static inline spoor_sv shu_lower(spoor_event *ev, spoor_sv v)
{
	char *p = v.n ? arena_alloc(&ev->ar, v.n) : NULL;
	if (!p)
		return sv_make(NULL, 0);
	for (size_t i = 0; i < v.n; i++) {
		char c = v.p[i];
		p[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
	}
	return sv_make(p, v.n);
}

/* Maps a value to a static string, case-insensitively. */
typedef struct shu_map {
	const char *from;
	const char *to;
} shu_map;

static inline const char *shu_lookup(const shu_map *m, size_t n, spoor_sv v)
{
	for (size_t i = 0; i < n; i++) {
		if (sv_ieq_cstr(v, m[i].from))
			return m[i].to;
	}
	return NULL;
}

/* Restore fields a source already carried under ECS names (Winlogbeat,
 * ECS-shaped exports): remembered before normalizing, set back after. */
typedef struct shu_keep {
	efield f[16];
	size_t n;
} shu_keep;

static inline void shu_keep_save(const spoor_event *ev, shu_keep *k, const uint32_t *ids)
{
	k->n = 0;
	for (; *ids && k->n < ARRAY_SIZE(k->f); ids++) {
		const efield *f = event_find(ev, *ids);
		if (f && !(f->flags & SPOOR_FF_ECS) && f->type != SPOOR_VT_NULL)
			k->f[k->n++] = *f;
	}
}

static inline int shu_keep_restore(spoor_event *ev, const shu_keep *k)
{
	for (size_t i = 0; i < k->n; i++) {
		const efield *f = &k->f[i];
		int r = event_set(ev, f->id, (spoor_vtype)f->type, f->val, (f->flags & EF_HI) | SPOOR_FF_ECS);
		if (r < 0)
			return r;
	}
	return 0;
}

#endif
