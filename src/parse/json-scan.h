/* json-scan — a zero-copy JSON scanner for log records.
 *
 * Flattens one JSON object into event fields: nested objects become dotted
 * paths ("Event.System.EventID"), array elements get their index as a path
 * component ("tags.0").  String values stay views into the input; those
 * with escapes are marked SPOOR_VT_JSTR and decoded only when read.  Field
 * names are interned through the context's field table by (parent, key),
 * so a path seen before costs one hash lookup and no copy. */
#ifndef SPOOR_JSON_SCAN_H
#define SPOOR_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "event/event-int.h"

typedef struct json_err {
	size_t pos;       /* byte position of the error in the input */
	const char *msg;  /* static text */
} json_err;

/* Parse the object at p[0] ('{' expected, no leading space) into ev.
 * *used = bytes of the object.  Returns 0, SPOOR_EAGAIN (input ended
 * inside the object), SPOOR_EPARSE, SPOOR_ELIMIT (depth or fields), or
 * SPOOR_ENOMEM; err says where and why. */
int json_flatten(spoor_event *ev, const char *p, size_t n, size_t *used, json_err *err);

/* Is v exactly one JSON number (RFC 8259 grammar)? */
bool json_is_number(spoor_sv v);

/* Validate only (no fields): same results as json_flatten.  Used by the
 * parse-only benchmark and tests. */
int json_validate(const char *p, size_t n, unsigned max_depth, size_t *used, json_err *err);

#endif
