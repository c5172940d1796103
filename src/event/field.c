/* field — interning; see field.h. */
#include "event/field.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static const char *const static_names[] = {
    NULL,
#define X(id, name) name,
#include "event/fields.def"
#include "event/fields-src.def"
#undef X
};

#define FULL UINT32_MAX

static int grow_ids(field_table *t)
{
	uint32_t ncap = t->cap_ids ? t->cap_ids * 2 : 256;
	uint32_t *o = xreallocarray(t->name_off, ncap, sizeof(*o));
	if (!o)
		return SPOOR_ENOMEM;
	t->name_off = o;
	uint32_t *l = xreallocarray(t->name_len, ncap, sizeof(*l));
	if (!l)
		return SPOOR_ENOMEM;
	t->name_len = l;
	uint8_t *pl = xreallocarray(t->plain, ncap, 1);
	if (!pl)
		return SPOOR_ENOMEM;
	t->plain = pl;
	t->cap_ids = ncap;
	return 0;
}

static int add_text(field_table *t, const char *p, size_t n, uint32_t *off)
{
	if (t->text_len + n + 1 > t->text_cap) {
		size_t ncap = t->text_cap ? t->text_cap : 4096;
		while (ncap < t->text_len + n + 1)
			ncap *= 2;
		if (ncap > UINT32_MAX)
			return SPOOR_ELIMIT;
		/* p may be a view of a name already in the table (a suffix of an
		 * interned name, say): keep it valid across the realloc */
		bool inside = t->text && p >= t->text && p < t->text + t->text_len;
		size_t rel = inside ? (size_t)(p - t->text) : 0;
		char *np = xrealloc(t->text, ncap);
		if (!np)
			return SPOOR_ENOMEM;
		t->text = np;
		t->text_cap = ncap;
		if (inside)
			p = np + rel;
	}
	*off = (uint32_t)t->text_len;
	memmove(t->text + t->text_len, p, n);
	t->text_len += n;
	t->text[t->text_len++] = 0;
	return 0;
}

static int rehash(field_table *t)
{
	size_t n = t->nslots ? t->nslots * 2 : 1024;
	field_slot *s = xcalloc(n, sizeof(*s));
	if (!s)
		return SPOOR_ENOMEM;
	for (size_t i = 0; i < t->nslots; i++) {
		field_slot *o = &t->slots[i];
		if (!o->id)
			continue;
		size_t j = o->hash & (n - 1);
		while (s[j].id)
			j = (j + 1) & (n - 1);
		s[j] = *o;
	}
	free(t->slots);
	t->slots = s;
	t->nslots = n;
	return 0;
}

static inline uint64_t child_hash(uint32_t parent, const char *key, size_t len)
{
	return hash_bytes(key, len, (uint64_t)parent * 0x9E3779B97F4A7C15ull + 1);
}

/* Find a slot for (parent, key); returns its index (empty or matching). */
static size_t probe(const field_table *t, uint64_t h, uint32_t parent, const char *key, size_t len)
{
	size_t mask = t->nslots - 1, j = h & mask;
	for (;;) {
		const field_slot *s = &t->slots[j];
		if (!s->id)
			return j;
		if (s->hash == h && s->parent == parent && s->key_len == len &&
		    memcmp(t->text + s->key_off, key, len) == 0)
			return j;
		j = (j + 1) & mask;
	}
}

static uint32_t new_id(field_table *t, const char *name, size_t len)
{
	if (t->count >= t->max_names + _F_STATIC_MAX)
		return 0;
	if (t->count == t->cap_ids && grow_ids(t) < 0)
		return 0;
	uint32_t off;
	if (add_text(t, name, len, &off) < 0)
		return 0;
	uint32_t id = t->count++;
	t->name_off[id] = off;
	t->name_len[id] = (uint32_t)len;
	/* read the copy: add_text may have moved the text `name` pointed into */
	name = t->text + off;
	bool plain = true;
	for (size_t i = 0; i < len && plain; i++) {
		unsigned char c = (unsigned char)name[i];
		plain = c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
	}
	t->plain[id] = plain;
	return id;
}

static int insert(field_table *t, uint64_t h, uint32_t parent, uint32_t key_off, uint32_t key_len, uint32_t id)
{
	if ((t->used + 1) * 4 > t->nslots * 3 && rehash(t) < 0)
		return SPOOR_ENOMEM;
	size_t j = probe(t, h, parent, t->text + key_off, key_len);
	t->slots[j].hash = h;
	t->slots[j].parent = parent;
	t->slots[j].key_off = key_off;
	t->slots[j].key_len = key_len;
	t->slots[j].id = id;
	t->used++;
	return 0;
}

uint32_t field_find(const field_table *t, const char *name, size_t len)
{
	if (!t->nslots || len > UINT32_MAX)
		return 0;
	uint64_t h = child_hash(FULL, name, len);
	size_t j = probe(t, h, FULL, name, len);
	return t->slots[j].id;
}

uint32_t field_intern(field_table *t, const char *name, size_t len)
{
	if (len > UINT32_MAX / 2)
		return 0;
	uint32_t id = field_find(t, name, len);
	if (id)
		return id;
	/* hash before new_id: name may point into the text new_id moves */
	uint64_t h = child_hash(FULL, name, len);
	id = new_id(t, name, len);
	if (!id)
		return 0;
	if (insert(t, h, FULL, t->name_off[id], (uint32_t)len, id) < 0)
		return 0;
	return id;
}

uint32_t field_child(field_table *t, uint32_t parent, const char *key, size_t len)
{
	if (len > UINT32_MAX / 4 || parent >= t->count)
		return 0;
	uint64_t h = child_hash(parent, key, len);
	if (t->nslots) {
		size_t j = probe(t, h, parent, key, len);
		if (t->slots[j].id)
			return t->slots[j].id;
	}
	/* Build the full name once. */
	uint32_t id;
	size_t plen = parent ? t->name_len[parent] : 0;
	if (parent == 0) {
		id = field_intern(t, key, len);
	} else {
		char stackbuf[256];
		char *tmp = plen + 1 + len <= sizeof(stackbuf) ? stackbuf : xmalloc(plen + 1 + len);
		if (!tmp)
			return 0;
		memcpy(tmp, t->text + t->name_off[parent], plen);
		tmp[plen] = '.';
		memcpy(tmp + plen + 1, key, len);
		id = field_intern(t, tmp, plen + 1 + len);
		if (tmp != stackbuf)
			free(tmp);
	}
	if (!id)
		return 0;
	/* The child entry's key bytes are the tail of the full name, already
	 * in the table (no copy, and safe if key pointed into the table). */
	uint32_t koff = t->name_off[id] + (uint32_t)(parent ? plen + 1 : 0);
	insert(t, h, parent, koff, (uint32_t)len, id);
	return id;
}

int field_table_init(field_table *t, size_t max_names)
{
	memset(t, 0, sizeof(*t));
	t->max_names = max_names;
	if (rehash(t) < 0 || grow_ids(t) < 0)
		return SPOOR_ENOMEM;
	t->count = 1;
	t->name_off[0] = 0;
	t->name_len[0] = 0;
	t->plain[0] = 1;
	for (uint32_t i = 1; i < _F_STATIC_MAX; i++) {
		uint32_t id = field_intern(t, static_names[i], strlen(static_names[i]));
		if (id != i)
			return SPOOR_ENOMEM;
	}
	return 0;
}

static void *dup_bytes(const void *p, size_t n)
{
	if (!p || !n)
		return NULL;
	void *q = xmalloc(n);
	if (q)
		memcpy(q, p, n);
	return q;
}

int field_table_copy(field_table *dst, const field_table *src)
{
	*dst = *src;
	dst->name_off = dup_bytes(src->name_off, (size_t)src->cap_ids * sizeof(*src->name_off));
	dst->name_len = dup_bytes(src->name_len, (size_t)src->cap_ids * sizeof(*src->name_len));
	dst->plain = dup_bytes(src->plain, src->cap_ids);
	dst->text = dup_bytes(src->text, src->text_cap);
	dst->slots = dup_bytes(src->slots, src->nslots * sizeof(*src->slots));
	if ((src->cap_ids && (!dst->name_off || !dst->name_len || !dst->plain)) || (src->text_cap && !dst->text) ||
	    (src->nslots && !dst->slots)) {
		field_table_done(dst);
		return SPOOR_ENOMEM;
	}
	return 0;
}

void field_table_done(field_table *t)
{
	free(t->name_off);
	free(t->name_len);
	free(t->plain);
	free(t->text);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
