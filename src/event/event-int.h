/* event-int — the event model, library side.
 *
 * Parsers build events with event_add*() and event_set*(); readers of
 * events use the public accessors in spoor/event.h.  Values are views
 * into the record buffer or into the event's arena; both live until the
 * event is reset for the next record. */
#ifndef SPOOR_EVENT_INT_H
#define SPOOR_EVENT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/base.h"
#include "base/timeparse.h"
#include "event/field.h"
#include "spoor/event.h"
#include "spoor/scan.h"

/* Internal flags on top of the public SPOOR_FF_*. */
enum {
	/* JSTR value whose escapes are all two-byte ones other than \/ (from
	 * the JSON scanner): every character has one escaped form, so its
	 * escaped bytes can be searched for an escaped literal (glob_match_esc) */
	EF_PLAINESC = 1 << 4,
	EF_JSAFE = 1 << 5, /* STR value needs no JSON escaping (from the JSON scanner) */
	EF_HI = 1 << 6,  /* value has bytes >= 0x80 (validate before output) */
	EF_DEAD = 1 << 7, /* removed (superseded by event_set) */
};

typedef struct efield {
	uint32_t id;   /* interned id, or 0 with name set */
	uint8_t type;  /* spoor_vtype */
	uint8_t flags; /* SPOOR_FF_* | EF_* */
	spoor_sv name; /* only when id == 0 */
	spoor_sv val;
} efield;

/* Memos of names derived from other names (a Windows evtx_dump path to its
 * Sigma name, a name without spaces, ...): v[id] = derived id + 1, 0 when
 * not computed yet, MEMO_NONE when the name has no derived form. */
enum {
	MEMO_JSON_FIRST = 0, /* JSON scanner: parent id -> id of its first key last time */
	MEMO_JSON_NEXT,      /* JSON scanner: key id -> id of the key that followed it */
	MEMO_WINDOWS,
	MEMO_NOSPACE,
	MEMO_SHAPE_A,
	MEMO_SHAPE_B,
	MEMO_WINLOGBEAT, /* winlog.event_data.<N> / winlog.user_data.<N> -> <N> */
	MEMO_EVENTDATA,  /* EventData.<N> (Sentinel WindowsEvent) -> <N> */
	MEMO_NV_VALUE,   /* <Arr>.<i>.Name -> <Arr>.<i>.Value (M365 name/value lists) */
	MEMO_NV_PREFIX,  /* <Arr>.<i>.Name -> <Arr> */
	_MEMO_MAX
};
#define MEMO_NONE UINT32_MAX
typedef struct name_memo {
	uint32_t *v;
	size_t cap;
} name_memo;

struct spoor_ctx {
	field_table ft;
	spoor_limits lim;
	spoor_tz tz;
	int year; /* for year-less timestamps; 0 = from file mtime */
	name_memo memo[_MEMO_MAX];
	/* JSON scanner: a direct-mapped cache (parent, key bytes) -> id for keys
	 * the order prediction missed; entries are verified before use */
	uint32_t keycache[4096];
};

/* 0 = unknown, MEMO_NONE = no derived name, else derived id + 1. */
static inline uint32_t ctx_memo_get(const spoor_ctx *c, unsigned kind, uint32_t id)
{
	return id < c->memo[kind].cap ? c->memo[kind].v[id] : 0;
}
void ctx_memo_put(spoor_ctx *c, unsigned kind, uint32_t id, uint32_t val);

struct spoor_event {
	spoor_ctx *ctx;
	efield *f;
	size_t n, cap;
	/* O(1) lookup by id: slot_idx[id] is valid when slot_gen[id] == gen. */
	uint32_t *slot_gen;
	uint32_t *slot_idx;
	size_t slot_cap;
	uint32_t gen;
	bool has_ts;
	int64_t ts;
	spoor_logsource ls;
	spoor_origin origin;
	const char *format;
	const char *shape;
	spoor_sv raw;
	/* a JSON string of the event has a \u or \/ escape (json-scan.c):
	 * its raw bytes write some character another way than its text */
	bool odd_esc;
	arena ar;
	/* Decoded text of JSTR fields, by field index, valid when gen matches
	 * and the field still holds the value it was decoded from (event_set
	 * may replace it): matchers ask for the same field many times. */
	struct etext *tx;
	size_t txcap;
};
typedef struct etext {
	uint32_t gen;
	const char *src;
	size_t srcn;
	spoor_sv text;
} etext;

int event_init(spoor_event *ev, spoor_ctx *ctx);
void event_done(spoor_event *ev);
void event_reset(spoor_event *ev);

/* Append a field.  SPOOR_ELIMIT past limits.max_fields, SPOOR_ENOMEM. */
int event_add_slow(spoor_event *ev, uint32_t id, spoor_vtype type, spoor_sv val, unsigned flags);
static inline int event_add(spoor_event *ev, uint32_t id, spoor_vtype type, spoor_sv val, unsigned flags)
{
	if (__builtin_expect(id >= ev->slot_cap || ev->n == ev->cap, 0))
		return event_add_slow(ev, id, type, val, flags);
	efield *f = &ev->f[ev->n++];
	f->id = id;
	f->type = (uint8_t)type;
	f->flags = (uint8_t)flags;
	f->name.p = NULL;
	f->name.n = 0;
	f->val = val;
	/* The first occurrence of a name wins lookups (as evtx_dump consumers
	 * expect); later ones are still listed. */
	if (id && ev->slot_gen[id] != ev->gen) {
		ev->slot_gen[id] = ev->gen;
		ev->slot_idx[id] = (uint32_t)(ev->n - 1);
	}
	return 0;
}
/* Append a field whose name could not be interned (name is borrowed). */
int event_add_named(spoor_event *ev, spoor_sv name, spoor_vtype type, spoor_sv val, unsigned flags);
/* Set (replace or add) a field by id. */
int event_set(spoor_event *ev, uint32_t id, spoor_vtype type, spoor_sv val, unsigned flags);
/* Same, copying val into the event arena first. */
int event_set_copy(spoor_event *ev, uint32_t id, spoor_vtype type, spoor_sv val, unsigned flags);
/* Same as event_set for a formatted string value (copied to the arena). */
int event_setf(spoor_event *ev, uint32_t id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Rename field i to another id (Windows names, ECS renames). */
void event_rename(spoor_event *ev, size_t i, uint32_t id);

/* Field by id, or NULL. */
static inline const efield *event_find(const spoor_event *ev, uint32_t id)
{
	if (id < ev->slot_cap && ev->slot_gen[id] == ev->gen)
		return &ev->f[ev->slot_idx[id]];
	return NULL;
}
/* Decoded text of a field (JSON escapes undone into the arena); false on OOM. */
bool event_text(spoor_event *ev, const efield *f, spoor_sv *out);
/* The text of f when it needs no decoding or event_text decoded it for
 * this event already; false otherwise (nothing is decoded). */
bool event_text_cached(const spoor_event *ev, const efield *f, spoor_sv *out);
/* Field text by id; false if absent. */
bool event_get_text(spoor_event *ev, uint32_t id, spoor_sv *out);

static inline void event_set_time(spoor_event *ev, int64_t ns)
{
	ev->ts = ns;
	ev->has_ts = true;
}

/* Decode a JSON string body (without quotes) into out (json_unescape_max(n)
 * bytes); returns the decoded length.  Bad escapes become U+FFFD. */
size_t json_unescape(const char *p, size_t n, char *out);
/* The room json_unescape needs for n bytes: a bad 2-byte escape becomes
 * U+FFFD's 3, and the vector loop stores 16 bytes at a time. */
static inline size_t json_unescape_max(size_t n)
{
	return n + n / 2 + 4;
}

#endif
