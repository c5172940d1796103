/* parse-json — JSON logs: JSON lines, concatenated (pretty-printed)
 * objects, or a top-level array of objects.
 *
 * The first record decides the framing of a file: a record that fits on
 * one line makes the file JSON lines, and every later record must end at
 * its line's end (a bad line costs one record, never its neighbour).
 * Otherwise records are whole objects wherever they end, and after a bad
 * one the parser resynchronizes at the next line that starts with '{'.
 * Each record is flattened (json-scan.h), then its shape is recognized
 * and normalized (shape.h). */
#include <string.h>

#include "parse/json-scan.h"
#include "parse/parser.h"
#include "parse/shape.h"

enum jmode { JM_UNKNOWN = 0, JM_LINES, JM_STREAM };

typedef struct json_state {
	enum jmode mode;
	bool resync;
	const shape_vt *hint;
} json_state;

static int json_sniff(spoor_sv head)
{
	size_t i = 0;
	/* UTF-8 BOM */
	if (head.n >= 3 && !memcmp(head.p, "\xEF\xBB\xBF", 3))
		i = 3;
	while (i < head.n && (head.p[i] == ' ' || head.p[i] == '\t' || head.p[i] == '\r' || head.p[i] == '\n'))
		i++;
	if (i >= head.n)
		return 0;
	if (head.p[i] == '{') {
		/* '{' then optional space then '"' or '}' */
		size_t j = i + 1;
		while (j < head.n && (head.p[j] == ' ' || head.p[j] == '\t' || head.p[j] == '\r' || head.p[j] == '\n'))
			j++;
		return j >= head.n || head.p[j] == '"' || head.p[j] == '}' ? 90 : 30;
	}
	if (head.p[i] == '[') {
		size_t j = i + 1;
		while (j < head.n && (head.p[j] == ' ' || head.p[j] == '\t' || head.p[j] == '\r' || head.p[j] == '\n'))
			j++;
		return j < head.n && head.p[j] == '{' ? 80 : 0;
	}
	return 0;
}

static int json_open(void *state, const parse_env *env)
{
	(void)env;
	memset(state, 0, sizeof(json_state));
	return 0;
}

static inline bool is_ws(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static int finish(json_state *st, const parse_env *env, spoor_event *ev)
{
	const shape_vt *sh = shape_detect(ev, st->hint);
	st->hint = sh;
	ev->shape = sh->name;
	int r = sh->normalize(ev, env);
	if (r < 0) {
		diag_set(env->diag, r, "%s: cannot normalize record", sh->name);
		return r;
	}
	return 0;
}

static void set_err(const parse_env *env, int r, const json_err *e)
{
	diag_set(env->diag, r == SPOOR_EAGAIN ? SPOOR_EPARSE : r, "%s (at byte %zu of the record)",
		 r == SPOOR_EAGAIN ? "truncated JSON" : e->msg ? e->msg : "invalid JSON", e->pos);
}

static int json_next(void *state, const parse_env *env, const parse_window *w, spoor_event *ev, size_t *consumed,
		     size_t *rec_start)
{
	json_state *st = state;
	const char *p = w->p, *end = w->p + w->len;
	size_t i = 0;

	if (st->resync) {
		/* Skip to a line that starts with '{'. */
		for (;;) {
			const char *nl = memchr(p + i, '\n', w->len - i);
			if (!nl) {
				/* at eof this ends the file: nothing left starts a record */
				*consumed = w->eof ? w->len : i;
				return PARSE_MORE;
			}
			i = (size_t)(nl - p) + 1;
			if (i < w->len && p[i] == '{') {
				st->resync = false;
				*consumed = i;
				return PARSE_SKIP;
			}
			if (i >= w->len) {
				/* keep the newline: the next line's first byte decides */
				*consumed = w->eof ? i : i - 1;
				return PARSE_MORE;
			}
		}
	}

	/* Between records: whitespace, a BOM, and top-level array punctuation. */
	while (i < w->len) {
		char c = p[i];
		if (is_ws(c) || (st->mode != JM_LINES && (c == ',' || c == '[' || c == ']'))) {
			i++;
		} else if (c == '\xEF' && w->off + i == 0 && w->len - i < 3 && !w->eof) {
			*consumed = 0;
			return PARSE_MORE; /* maybe a BOM: decide with 3 bytes */
		} else if (c == '\xEF' && w->len - i >= 3 && !memcmp(p + i, "\xEF\xBB\xBF", 3) && w->off + i == 0) {
			i += 3;
		} else {
			break;
		}
	}
	*rec_start = i;
	if (i == w->len) {
		*consumed = i;
		return PARSE_MORE;
	}

	json_err e = {0, NULL};
	size_t used = 0;
	int r;
	if (st->mode == JM_LINES) {
		const char *nl = memchr(p + i, '\n', w->len - i);
		if (!nl && !w->eof) {
			*consumed = i;
			return PARSE_MORE;
		}
		size_t lend = nl ? (size_t)(nl - p) : w->len;
		r = json_flatten(ev, p + i, lend - i, &used, &e);
		*consumed = nl ? lend + 1 : lend;
		if (r == 0) {
			/* Only whitespace may follow the object on its line. */
			for (size_t k = i + used; k < lend; k++) {
				if (!is_ws(p[k])) {
					diag_set(env->diag, SPOOR_EPARSE, "trailing data after the JSON object (at byte %zu of the record)",
						 k - i);
					return PARSE_BAD;
				}
			}
			return finish(st, env, ev) < 0 ? PARSE_BAD : PARSE_EVENT;
		}
		if (r == SPOOR_ENOMEM)
			return r;
		set_err(env, r, &e);
		return PARSE_BAD;
	}

	r = json_flatten(ev, p + i, (size_t)(end - (p + i)), &used, &e);
	if (r == SPOOR_EAGAIN && !w->eof) {
		*consumed = i;
		return PARSE_MORE;
	}
	if (r == SPOOR_ENOMEM)
		return r;
	if (r < 0) {
		const char *nl = st->mode == JM_UNKNOWN ? memchr(p + i, '\n', w->len - i) : NULL;
		if (st->mode == JM_UNKNOWN && !nl && !w->eof) {
			/* the framing decision needs this line's end: read on */
			*consumed = i;
			return PARSE_MORE;
		}
		set_err(env, r, &e);
		*consumed = i + 1;
		st->resync = true;
		if (st->mode == JM_UNKNOWN) {
			/* A first record that fails on its own line: treat the file
			 * as JSON lines if that line is complete. */
			if (nl && (size_t)(nl - p) > i + e.pos) {
				st->mode = JM_LINES;
				st->resync = false;
				*consumed = (size_t)(nl - p) + 1;
			}
		}
		return PARSE_BAD;
	}
	if (st->mode == JM_UNKNOWN) {
		bool one_line = memchr(p + i, '\n', used) == NULL;
		size_t k = i + used;
		while (k < w->len && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r'))
			k++;
		if (k == w->len && !w->eof) {
			/* what follows the first record decides the framing */
			*consumed = i;
			return PARSE_MORE;
		}
		st->mode = one_line && (k == w->len || p[k] == '\n') ? JM_LINES : JM_STREAM;
	}
	*consumed = i + used;
	return finish(st, env, ev) < 0 ? PARSE_BAD : PARSE_EVENT;
}

const parser_vt parser_json = {
    .name = "json",
    .summary = "JSON lines, concatenated or pretty-printed objects, or an array of objects",
    .recognizes = "Windows (evtx_dump, Winlogbeat, NXLog, Sentinel), Microsoft 365 audit, Entra ID sign-in/audit, "
		  "Zeek, Suricata EVE, any other JSON (generic)",
    .sniff = json_sniff,
    .state_size = sizeof(json_state),
    .open = json_open,
    .next = json_next,
    .batch = 16,
};
