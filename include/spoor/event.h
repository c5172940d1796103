/* spoor — the event model (read side).
 *
 * An event is one log record turned into fields.  Fields are (name, value)
 * pairs; names are interned per spoor_ctx so that later stages refer to
 * them by integer id.  Values are views into the record's bytes wherever
 * possible; a value that needs decoding (a JSON string with escapes) is
 * decoded on demand into the event's arena.
 *
 * An event and everything it points to is borrowed: it stays valid until
 * the next call to spoor_scanner_next() or spoor_scanner_free(). */
#ifndef SPOOR_EVENT_H
#define SPOOR_EVENT_H

#include <stdint.h>

#include "spoor/common.h"
#include "spoor/error.h"

typedef struct spoor_ctx spoor_ctx;
typedef struct spoor_event spoor_event;

typedef enum spoor_vtype {
	SPOOR_VT_NULL = 0,
	SPOOR_VT_BOOL, /* text "true" / "false" */
	SPOOR_VT_NUM,  /* the number's text as written */
	SPOOR_VT_STR,  /* raw bytes, not escaped */
	SPOOR_VT_JSTR, /* JSON string body, escapes not yet decoded */
	_SPOOR_VT_MAX
} spoor_vtype;

typedef struct spoor_value {
	spoor_vtype type;
	spoor_sv sv;
} spoor_value;

/* Field flags. */
enum {
	SPOOR_FF_ECS = 1 << 0,   /* a normalized (ECS) field set by spoor */
	SPOOR_FF_ALIAS = 1 << 1, /* a second name for a raw field */
};

/* The Sigma logsource of an event, plus Windows channel/provider.  Each
 * member may be empty. */
typedef struct spoor_logsource {
	spoor_sv product;
	spoor_sv category;
	spoor_sv service;
	spoor_sv channel;
	spoor_sv provider;
} spoor_logsource;

/* Where a record came from. */
typedef struct spoor_origin {
	const char *path;   /* file path, "<stdin>", or member path */
	uint64_t offset;    /* byte offset in the decompressed stream */
	uint64_t line;      /* 1-based line of the record's first byte (text) */
	uint64_t record_id; /* format's own record number (EVTX), else 0 */
} spoor_origin;

#define SPOOR_FIELD_NONE 0u

SPOOR_API size_t spoor_event_count(const spoor_event *ev);
/* Field i (0 <= i < count): its name, value and flags. */
SPOOR_API int spoor_event_at(const spoor_event *ev, size_t i, spoor_sv *name, spoor_value *val,
			     unsigned *flags);
/* Look a field up by name or by interned id; SPOOR_ENOTFOUND if absent. */
SPOOR_API int spoor_event_get(const spoor_event *ev, const char *name, size_t len, spoor_value *out);
SPOOR_API int spoor_event_get_id(const spoor_event *ev, uint32_t id, spoor_value *out);
/* The decoded text of a value (decodes JSON escapes into the event arena;
 * invalid escapes and lone surrogates become U+FFFD).  Borrowed. */
SPOOR_API int spoor_event_text(spoor_event *ev, const spoor_value *val, spoor_sv *out);

/* Timestamp in UTC nanoseconds since the epoch; returns 0 when the event
 * has none (and *out is untouched). */
SPOOR_API int spoor_event_time(const spoor_event *ev, int64_t *out);
SPOOR_API const spoor_logsource *spoor_event_logsource(const spoor_event *ev);
SPOOR_API const spoor_origin *spoor_event_origin(const spoor_event *ev);
/* "json", "syslog", ... and the recognized shape ("windows", "m365-ual", ...). */
SPOOR_API const char *spoor_event_format(const spoor_event *ev);
SPOOR_API const char *spoor_event_shape(const spoor_event *ev);
/* The record's raw bytes. */
SPOOR_API spoor_sv spoor_event_raw(const spoor_event *ev);

/* Field-name interning: the id of a name, or SPOOR_FIELD_NONE if no event
 * read through this context has used it and it is not a known ECS name. */
SPOOR_API uint32_t spoor_field_lookup(const spoor_ctx *ctx, const char *name, size_t len);
SPOOR_API spoor_sv spoor_field_name(const spoor_ctx *ctx, uint32_t id);

#endif
