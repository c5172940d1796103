/* sink-jsonl — events as JSON lines.
 *
 * One object per event: "@timestamp", the ECS fields by their dotted names
 * (related.user / related.ip as de-duplicated arrays), the origin
 * ("log.file.path", "log.offset", "spoor.line", "spoor.record_id"), the
 * format, shape and logsource, then "raw" with every source field under
 * its flattened name.  JSON string values that were already escaped in
 * the input are copied as they are; everything else is escaped here, and
 * invalid UTF-8 becomes U+FFFD, so the output is always valid JSON. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/buf.h"
#include "event/event-int.h"
#include "parse/json-scan.h"
#include "sink/sink.h"
#include "spoor/output.h"

#define FLUSH_AT (256 * 1024)

struct spoor_out {
	int fd;
	spoor_out_options opts;
	char **names; /* owned copies of opts.fields */
	buf b;
	/* ,"log.file.path":"<escaped>" of the last origin path seen: a file's
	 * events all share it, so it is escaped once per file */
	buf path_key;
	buf path_json;
};

SPOOR_API int spoor_out_new(spoor_out **out, int fd, const spoor_out_options *opts, spoor_diag *diag)
{
	spoor_out_options def = SPOOR_OUT_OPTIONS_INIT;
	if (!opts)
		opts = &def;
	if (opts->version != SPOOR_OUT_OPTIONS_VERSION)
		return diag_set(diag, SPOOR_EINVAL, "spoor_out_options version %u not supported", opts->version);
	spoor_out *o = xcalloc(1, sizeof(*o));
	if (!o)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	o->fd = fd;
	o->opts = *opts;
	buf_init(&o->b, 0);
	buf_init(&o->path_json, 0);
	buf_init(&o->path_key, 0);
	if (opts->nfields) {
		o->names = xcalloc(opts->nfields, sizeof(char *));
		if (!o->names) {
			free(o);
			return diag_set(diag, SPOOR_ENOMEM, "out of memory");
		}
		for (size_t i = 0; i < opts->nfields; i++) {
			o->names[i] = xstrndup(opts->fields[i], strlen(opts->fields[i]));
			if (!o->names[i]) {
				spoor_out_free(o);
				return diag_set(diag, SPOOR_ENOMEM, "out of memory");
			}
		}
		o->opts.fields = (const char *const *)o->names;
	}
	*out = o;
	return 0;
}

SPOOR_API int spoor_out_flush(spoor_out *o)
{
	size_t off = 0;
	while (off < o->b.len) {
		ssize_t w = write(o->fd, o->b.p + off, o->b.len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return SPOOR_EIO;
		}
		off += (size_t)w;
	}
	buf_clear(&o->b);
	return 0;
}

SPOOR_API spoor_out *spoor_out_free(spoor_out *o)
{
	if (!o)
		return NULL;
	if (o->names) {
		for (size_t i = 0; i < o->opts.nfields; i++)
			free(o->names[i]);
		free(o->names);
	}
	buf_done(&o->b);
	buf_done(&o->path_json);
	buf_done(&o->path_key);
	free(o);
	return NULL;
}


static int put_key(buf *b, bool *first, const char *p, size_t n)
{
	int r;
	if (!*first && (r = buf_addc(b, ',')) < 0)
		return r;
	*first = false;
	if ((r = buf_addc(b, '"')) < 0 || (r = buf_add_json_str(b, p, n)) < 0 || (r = buf_add(b, "\":", 2)) < 0)
		return r;
	return 0;
}

static int put_value(buf *b, spoor_event *ev, const efield *f)
{
	int r;
	switch (f->type) {
	case SPOOR_VT_NULL:
		return buf_add(b, "null", 4);
	case SPOOR_VT_BOOL:
		if (sv_eq_cstr(f->val, "true") || sv_eq_cstr(f->val, "false"))
			return buf_add(b, f->val.p, f->val.n);
		break;
	case SPOOR_VT_NUM:
		if (json_is_number(f->val))
			return buf_add(b, f->val.p, f->val.n);
		break;
	case SPOOR_VT_JSTR:
		if (!(f->flags & EF_HI) || utf8_valid((const unsigned char *)f->val.p, f->val.n)) {
			if ((r = buf_addc(b, '"')) < 0 || (r = buf_add(b, f->val.p, f->val.n)) < 0)
				return r;
			return buf_addc(b, '"');
		} else {
			spoor_sv t;
			if (!event_text(ev, f, &t))
				return SPOOR_ENOMEM;
			if ((r = buf_addc(b, '"')) < 0 || (r = buf_add_json_str(b, t.p, t.n)) < 0)
				return r;
			return buf_addc(b, '"');
		}
	case SPOOR_VT_STR:
		if (f->flags & EF_JSAFE) {
			if ((r = buf_reserve(b, f->val.n + 2)) < 0)
				return r;
			char *o = b->p + b->len;
			o[0] = '"';
			memcpy(o + 1, f->val.p, f->val.n);
			o[f->val.n + 1] = '"';
			b->len += f->val.n + 2;
			b->p[b->len] = 0;
			return 0;
		}
		break;
	default:
		break;
	}
	if ((r = buf_addc(b, '"')) < 0 || (r = buf_add_json_str(b, f->val.p, f->val.n)) < 0)
		return r;
	return buf_addc(b, '"');
}

/* ,"name": for a field (fast path for interned names needing no escapes). */
static int put_fkey(buf *b, bool *first, const spoor_event *ev, const efield *f)
{
	const field_table *ft = &ev->ctx->ft;
	if (f->id && field_plain(ft, f->id)) {
		spoor_sv n = field_name(ft, f->id);
		int r = buf_reserve(b, n.n + 4);
		if (r < 0)
			return r;
		char *o = b->p + b->len;
		if (!*first)
			*o++ = ',';
		*first = false;
		*o++ = '"';
		memcpy(o, n.p, n.n);
		o += n.n;
		*o++ = '"';
		*o++ = ':';
		b->len = (size_t)(o - b->p);
		b->p[b->len] = 0;
		return 0;
	}
	spoor_sv n = f->id ? field_name(ft, f->id) : f->name;
	return put_key(b, first, n.p, n.n);
}

/* ,"key": for a literal key that needs no escaping. */
static int put_lit_key(buf *b, bool *first, const char *key, size_t kn)
{
	int r = buf_reserve(b, kn + 4);
	if (r < 0)
		return r;
	char *o = b->p + b->len;
	if (!*first)
		*o++ = ',';
	*first = false;
	*o++ = '"';
	memcpy(o, key, kn);
	o += kn;
	*o++ = '"';
	*o++ = ':';
	b->len = (size_t)(o - b->p);
	b->p[b->len] = 0;
	return 0;
}

static int put_str_field_n(buf *b, bool *first, const char *key, size_t kn, spoor_sv v)
{
	int r;
	if (!v.n)
		return 0;
	if ((r = put_lit_key(b, first, key, kn)) < 0 || (r = buf_addc(b, '"')) < 0 ||
	    (r = buf_add_json_str(b, v.p, v.n)) < 0)
		return r;
	return buf_addc(b, '"');
}
#define put_str_field(b, first, key, v) put_str_field_n(b, first, key, sizeof(key) - 1, v)

/* related.* as an array of distinct values. */
static int put_related(buf *b, bool *first, spoor_event *ev, uint32_t id)
{
	int r;
	size_t cnt = 0;
	for (size_t i = 0; i < ev->n; i++) {
		const efield *f = &ev->f[i];
		if (f->id != id)
			continue;
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = ev->f[j].id == id && sv_eq(ev->f[j].val, f->val);
		if (dup)
			continue;
		if (cnt == 0) {
			spoor_sv n = field_name(&ev->ctx->ft, id);
			if ((r = put_key(b, first, n.p, n.n)) < 0 || (r = buf_addc(b, '[')) < 0)
				return r;
		} else if ((r = buf_addc(b, ',')) < 0) {
			return r;
		}
		if ((r = put_value(b, ev, f)) < 0)
			return r;
		cnt++;
	}
	return cnt ? buf_addc(b, ']') : 0;
}

/* ,"name":value in one reservation when neither needs escaping or
 * checking (interned plain name; number, literal, JSON-safe string, or
 * escaped JSON string without bytes >= 0x80).  1 = done, 0 = take the
 * general path, < 0 error. */
static inline int put_field_fast(buf *b, bool *first, const spoor_event *ev, const efield *f)
{
	const field_table *ft = &ev->ctx->ft;
	bool quote;
	switch (f->type) {
	case SPOOR_VT_STR:
		if (!(f->flags & EF_JSAFE))
			return 0;
		quote = true;
		break;
	case SPOOR_VT_JSTR:
		if (f->flags & EF_HI)
			return 0;
		quote = true;
		break;
	case SPOOR_VT_NUM:
		/* numbers from the JSON scanner are valid by construction;
		 * others are checked */
		if (!(f->flags & EF_JSAFE) && !json_is_number(f->val))
			return 0;
		quote = false;
		break;
	default:
		return 0;
	}
	if (!f->id || !field_plain(ft, f->id))
		return 0;
	spoor_sv n = field_name(ft, f->id);
	int r = buf_reserve(b, n.n + f->val.n + 6);
	if (r < 0)
		return r;
	char *o = b->p + b->len;
	if (!*first)
		*o++ = ',';
	*first = false;
	*o++ = '"';
	memcpy(o, n.p, n.n);
	o += n.n;
	*o++ = '"';
	*o++ = ':';
	if (quote)
		*o++ = '"';
	memcpy(o, f->val.p, f->val.n);
	o += f->val.n;
	if (quote)
		*o++ = '"';
	b->len = (size_t)(o - b->p);
	b->p[b->len] = 0;
	return 1;
}

static int put_event(spoor_out *o, spoor_event *ev)
{
	buf *b = &o->b;
	bool first = true;
	int r;
	if ((r = buf_addc(b, '{')) < 0)
		return r;
	if (o->opts.nfields) {
		for (size_t k = 0; k < o->opts.nfields; k++) {
			const char *nm = o->opts.fields[k];
			size_t nl = strlen(nm);
			if (!strcmp(nm, "@timestamp")) {
				if (ev->has_ts) {
					char ts[40];
					size_t tl = time_format(ev->ts, ts);
					if ((r = put_str_field(b, &first, "@timestamp", sv_make(ts, tl))) < 0)
						return r;
				}
				continue;
			}
			uint32_t id = field_find(&ev->ctx->ft, nm, nl);
			const efield *f = id ? event_find(ev, id) : NULL;
			if (!f) {
				for (size_t i = 0; i < ev->n && !f; i++) {
					if (!ev->f[i].id && sv_eq(ev->f[i].name, sv_make(nm, nl)))
						f = &ev->f[i];
				}
			}
			if (!f)
				continue;
			if ((r = put_key(b, &first, nm, nl)) < 0 || (r = put_value(b, ev, f)) < 0)
				return r;
		}
		return buf_add(b, "}\n", 2);
	}
	if (ev->has_ts) {
		char ts[40];
		size_t tl = time_format(ev->ts, ts);
		if ((r = put_str_field(b, &first, "@timestamp", sv_make(ts, tl))) < 0)
			return r;
	}
	bool rel_u = false, rel_i = false;
	for (size_t i = 0; i < ev->n; i++) {
		const efield *f = &ev->f[i];
		if (!(f->flags & SPOOR_FF_ECS))
			continue;
		if (UNLIKELY(f->id == F_RELATED_USER || f->id == F_RELATED_IP)) {
			bool *done = f->id == F_RELATED_USER ? &rel_u : &rel_i;
			if (!*done && (r = put_related(b, &first, ev, f->id)) < 0)
				return r;
			*done = true;
			continue;
		}
		if ((r = put_fkey(b, &first, ev, f)) < 0 || (r = put_value(b, ev, f)) < 0)
			return r;
	}
	spoor_sv path = sv_cstr(ev->origin.path);
	if (path.n && !sv_eq(path, sv_make(o->path_key.p, o->path_key.len))) {
		buf_clear(&o->path_json);
		buf_clear(&o->path_key);
		bool pf = false;
		if ((r = put_str_field(&o->path_json, &pf, "log.file.path", path)) < 0 ||
		    (r = buf_add(&o->path_key, path.p, path.n)) < 0)
			return r;
	}
	if (path.n && o->path_json.len) {
		/* path_json starts with ','; drop it for the first key */
		size_t skip = first ? 1 : 0;
		if ((r = buf_add(b, o->path_json.p + skip, o->path_json.len - skip)) < 0)
			return r;
		first = false;
	}
	if ((r = put_lit_key(b, &first, "log.offset", 10)) < 0 || (r = buf_add_u64(b, ev->origin.offset)) < 0)
		return r;
	if (ev->origin.line && ((r = put_lit_key(b, &first, "spoor.line", 10)) < 0 || (r = buf_add_u64(b, ev->origin.line)) < 0))
		return r;
	if (ev->origin.record_id &&
	    ((r = put_lit_key(b, &first, "spoor.record_id", 15)) < 0 || (r = buf_add_u64(b, ev->origin.record_id)) < 0))
		return r;
	if ((r = put_str_field(b, &first, "spoor.format", sv_cstr(ev->format))) < 0 ||
	    (r = put_str_field(b, &first, "spoor.shape", sv_cstr(ev->shape))) < 0 ||
	    (r = put_str_field(b, &first, "spoor.logsource.product", ev->ls.product)) < 0 ||
	    (r = put_str_field(b, &first, "spoor.logsource.category", ev->ls.category)) < 0 ||
	    (r = put_str_field(b, &first, "spoor.logsource.service", ev->ls.service)) < 0)
		return r;
	if (o->opts.raw) {
		bool rfirst = true;
		if ((r = put_lit_key(b, &first, "raw", 3)) < 0 || (r = buf_addc(b, '{')) < 0)
			return r;
		for (size_t i = 0; i < ev->n; i++) {
			const efield *f = &ev->f[i];
			if (f->flags & SPOOR_FF_ECS)
				continue;
			/* a name repeated in one record (duplicate JSON keys) is
			 * printed once: the first occurrence, as lookups see it */
			if (f->id && event_find(ev, f->id) != f)
				continue;
			if ((r = put_field_fast(b, &rfirst, ev, f)) != 0) {
				if (r < 0)
					return r;
				continue;
			}
			if ((r = put_fkey(b, &rfirst, ev, f)) < 0 || (r = put_value(b, ev, f)) < 0)
				return r;
		}
		if ((r = buf_addc(b, '}')) < 0)
			return r;
	}
	return buf_add(b, "}\n", 2);
}

/* The event's JSON line, rendered in o's buffer but not written: for
 * callers that store events elsewhere (the case database).  Borrowed until
 * the next call on o.  o must not hold unflushed output. */
int out_event_text(spoor_out *o, spoor_event *ev, spoor_sv *text)
{
	o->b.len = 0;
	int r = put_event(o, ev);
	if (r < 0) {
		o->b.len = 0;
		return r;
	}
	*text = (spoor_sv){o->b.p, o->b.len};
	o->b.len = 0;
	return 0;
}

SPOOR_API int spoor_out_event(spoor_out *o, spoor_event *ev)
{
	size_t mark = o->b.len;
	int r = put_event(o, ev);
	if (r < 0) {
		o->b.len = mark; /* never half an object */
		return r;
	}
	if (o->b.len >= FLUSH_AT)
		return spoor_out_flush(o);
	return 0;
}
