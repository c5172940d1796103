/* field — interning field names to integer ids, per context.
 *
 * Ids are dense, starting at 1 (0 = SPOOR_FIELD_NONE).  The compile-time
 * names of fields.def come first with fixed ids F_<NAME>.  Besides full
 * names, the table memoizes (parent id, key) -> child id so that the JSON
 * flattener never builds a dotted path it has seen before.  Bounded by
 * max_names: past it, intern returns SPOOR_FIELD_NONE and callers keep the
 * name themselves. */
#ifndef SPOOR_FIELD_H
#define SPOOR_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spoor/common.h"

enum {
	F_NONE = 0,
#define X(id, name) F_##id,
#include "event/fields.def"
#include "event/fields-src.def"
#undef X
	_F_STATIC_MAX
};

typedef struct field_slot {
	uint64_t hash;
	uint32_t id; /* 0 = empty */
	uint32_t parent; /* for child entries: parent id; UINT32_MAX for full-name entries */
	uint32_t key_off, key_len; /* child key bytes in keys[] */
} field_slot;

typedef struct field_table {
	/* names[id] -> (off, len) in text */
	uint32_t *name_off;
	uint32_t *name_len;
	uint8_t *plain; /* name needs no escaping inside a JSON string */
	uint32_t count; /* ids in use, including 0 */
	uint32_t cap_ids;
	char *text;
	size_t text_len, text_cap;
	field_slot *slots;
	size_t nslots, used;
	size_t max_names;
} field_table;

int field_table_init(field_table *t, size_t max_names);
void field_table_done(field_table *t);
/* A deep copy: the same names under the same ids.  0 or SPOOR_ENOMEM. */
int field_table_copy(field_table *dst, const field_table *src);
/* Intern a full name; SPOOR_FIELD_NONE when full (or on OOM).  name may
 * point into the table itself (a view from field_name). */
uint32_t field_intern(field_table *t, const char *name, size_t len);
uint32_t field_find(const field_table *t, const char *name, size_t len);
/* Child of parent (0 = root) with key: the id of "<parent>.<key>" (or
 * "<key>" at root). */
uint32_t field_child(field_table *t, uint32_t parent, const char *key, size_t len);
static inline bool field_plain(const field_table *t, uint32_t id)
{
	return id < t->count && t->plain[id];
}

static inline spoor_sv field_name(const field_table *t, uint32_t id)
{
	spoor_sv s = {NULL, 0};
	if (id && id < t->count) {
		s.p = t->text + t->name_off[id];
		s.n = t->name_len[id];
	}
	return s;
}

#endif
