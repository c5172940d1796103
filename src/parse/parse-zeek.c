/* parse-zeek — Zeek TSV logs (the ASCII writer's default output), driven by
 * their header: #separator (written "\x09"), #set_separator, #empty_field,
 * #unset_field, #path, #fields and #types; #open/#close and other '#' lines
 * are skipped, and a new header mid-file (concatenated logs) replaces the
 * layout.
 *
 * Values are typed per #types: time, interval, double, count, int, port ->
 * number; bool (T/F) -> boolean; addr, subnet, string, enum, pattern ->
 * text with the writer's \xNN escapes undone.  set[...] and vector[...]
 * become one field per element, <name>.0, <name>.1 ..., as Zeek's JSON
 * writer output is flattened, so both forms of a log read the same.  The
 * unset field ("-") is left out; the empty field ("(empty)") is an empty
 * text, or no elements for a container.  A line with another number of
 * values than #fields is a bad record.
 *
 * Field names are Zeek's (ts, uid, id.orig_h ...), plus _path = #path;
 * ECS fields and the logsource (product zeek, service = #path) come from
 * the Zeek shape (shape-zeek.c), shared with Zeek JSON logs. */
#include <string.h>

#include "parse/ecs.h"
#include "parse/parser.h"
#include "parse/shape.h"
#include "parse/syslog-int.h"

enum { ZK_MAX = 256, ZK_ELEM_CACHE = 8 };

enum ztype { ZT_STR = 0, ZT_NUM, ZT_BOOL, ZT_SET_STR, ZT_SET_NUM, ZT_TIME };

typedef struct zeek_state {
	char sep[8]; /* usually "\t"; btest uses "||" */
	size_t sep_n;
	char set_sep;
	char empty[32];
	size_t empty_n;
	char unset[32];
	size_t unset_n;
	char path[64];
	size_t path_n;
	bool have_fields;
	size_t nf, ntypes;
	uint32_t ids[ZK_MAX];
	uint8_t type[ZK_MAX];
	uint32_t elem[ZK_MAX][ZK_ELEM_CACHE]; /* ids of <name>.<k>, 0 = not yet */
	const shape_vt *shape;
	/* per line: any byte >= 0x80, any backslash (skip per-value scans) */
	bool line_hi, line_bs;
} zeek_state;

static int hexv(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The token before the next separator; *s is left after it.  *more is
 * false when no separator followed. */
static spoor_sv next_tok(const zeek_state *st, spoor_sv *s, bool *more)
{
	ptrdiff_t at = -1;
	if (st->sep_n == 1) {
		const char *q = s->n ? memchr(s->p, st->sep[0], s->n) : NULL;
		if (q)
			at = q - s->p;
	} else {
		at = sl_find(*s, st->sep, st->sep_n);
	}
	if (at < 0) {
		spoor_sv t = *s;
		*s = sl_skip(*s, s->n);
		*more = false;
		return t;
	}
	spoor_sv t = sv_make(s->p, (size_t)at);
	*s = sl_skip(*s, (size_t)at + st->sep_n);
	*more = true;
	return t;
}

static void defaults(zeek_state *st)
{
	st->sep[0] = '\t';
	st->sep_n = 1;
	st->set_sep = ',';
	memcpy(st->empty, "(empty)", 7);
	st->empty_n = 7;
	st->unset[0] = '-';
	st->unset_n = 1;
}

static int zeek_open(void *state, const parse_env *env)
{
	(void)env;
	zeek_state *st = state;
	memset(st, 0, sizeof(*st));
	defaults(st);
	st->shape = shape_find("zeek");
	return 0;
}

static void zeek_close(void *state)
{
	(void)state;
}


/* "\x09" -> '\t'; a plain character stays. */
static char unescape_char(spoor_sv v)
{
	if (v.n == 4 && v.p[0] == '\\' && v.p[1] == 'x' && hexv(v.p[2]) >= 0 && hexv(v.p[3]) >= 0)
		return (char)(hexv(v.p[2]) * 16 + hexv(v.p[3]));
	return v.n ? v.p[0] : 0;
}

static void copy_small(char *dst, size_t cap, size_t *n, spoor_sv v)
{
	*n = MIN(v.n, cap);
	memcpy(dst, v.p, *n);
}

static enum ztype parse_type(spoor_sv t)
{
	bool container = SL_STARTS(t, "set[") || SL_STARTS(t, "vector[");
	if (container) {
		const char *lb = memchr(t.p, '[', t.n);
		t = sv_make(lb + 1, (size_t)(t.p + t.n - lb - 1));
		t = sl_trim_end(t, ']');
	}
	bool num = sv_eq_cstr(t, "time") || sv_eq_cstr(t, "interval") || sv_eq_cstr(t, "double") ||
		   sv_eq_cstr(t, "count") || sv_eq_cstr(t, "int") || sv_eq_cstr(t, "port");
	if (container)
		return num ? ZT_SET_NUM : ZT_SET_STR;
	if (sv_eq_cstr(t, "time"))
		return ZT_TIME;
	if (num)
		return ZT_NUM;
	return sv_eq_cstr(t, "bool") ? ZT_BOOL : ZT_STR;
}

static int directive(zeek_state *st, const parse_env *env, spoor_sv line)
{
	if (SL_STARTS(line, "#separator ")) {
		defaults(st);
		spoor_sv v = sv_trim(sl_skip(line, 11));
		/* "\x09" or the separator itself ("||") */
		size_t k = 0;
		for (size_t i = 0; i < v.n && k < sizeof(st->sep); i++) {
			if (v.p[i] == '\\' && i + 3 < v.n && v.p[i + 1] == 'x' && hexv(v.p[i + 2]) >= 0 && hexv(v.p[i + 3]) >= 0) {
				st->sep[k++] = (char)(hexv(v.p[i + 2]) * 16 + hexv(v.p[i + 3]));
				i += 3;
			} else {
				st->sep[k++] = v.p[i];
			}
		}
		if (k)
			st->sep_n = k;
		st->have_fields = false;
		return 1;
	}
	/* "#name<sep>value..." */
	spoor_sv s = sl_skip(line, 1);
	bool more;
	spoor_sv name = next_tok(st, &s, &more);
	if (!more)
		return 1;
	if (sv_eq_cstr(name, "set_separator")) {
		st->set_sep = unescape_char(s);
	} else if (sv_eq_cstr(name, "empty_field")) {
		copy_small(st->empty, sizeof(st->empty), &st->empty_n, s);
	} else if (sv_eq_cstr(name, "unset_field")) {
		copy_small(st->unset, sizeof(st->unset), &st->unset_n, s);
	} else if (sv_eq_cstr(name, "path")) {
		copy_small(st->path, sizeof(st->path), &st->path_n, s);
	} else if (sv_eq_cstr(name, "fields")) {
		st->nf = 0;
		memset(st->elem, 0, sizeof(st->elem));
		while (st->nf < ZK_MAX) {
			spoor_sv f = next_tok(st, &s, &more);
			uint32_t id = field_intern(&env->ctx->ft, f.p, f.n);
			if (!id)
				return diag_set(env->diag, SPOOR_ELIMIT, "zeek: field name table full");
			st->type[st->nf] = ZT_STR;
			st->ids[st->nf++] = id;
			if (!more)
				break;
		}
		st->have_fields = st->nf > 0;
		st->ntypes = 0;
	} else if (sv_eq_cstr(name, "types")) {
		size_t i = 0;
		while (i < ZK_MAX) {
			spoor_sv t = next_tok(st, &s, &more);
			st->type[i++] = (uint8_t)parse_type(t);
			if (!more)
				break;
		}
		st->ntypes = i;
	}
	return 1;
}

static bool is_number(spoor_sv v)
{
	if (!v.n)
		return false;
	size_t i = v.p[0] == '-' ? 1 : 0;
	bool digit = false;
	for (; i < v.n; i++) {
		char c = v.p[i];
		if (c >= '0' && c <= '9')
			digit = true;
		else if (c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-')
			return false;
	}
	return digit;
}

/* Undo the ASCII writer's \xNN escapes (into the arena); 1 if v was
 * rewritten, 0 if not, < 0 on OOM. */
static int unescape(const zeek_state *st, spoor_event *ev, spoor_sv *v)
{
	if (!st->line_bs || !v->n || !memchr(v->p, '\\', v->n))
		return 0;
	char *c = arena_alloc(&ev->ar, v->n);
	if (!c)
		return SPOOR_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < v->n; i++) {
		if (v->p[i] == '\\' && i + 3 < v->n && v->p[i + 1] == 'x' && hexv(v->p[i + 2]) >= 0 && hexv(v->p[i + 3]) >= 0) {
			c[k++] = (char)(hexv(v->p[i + 2]) * 16 + hexv(v->p[i + 3]));
			i += 3;
		} else {
			c[k++] = v->p[i];
		}
	}
	*v = sv_make(c, k);
	return 1; /* rewritten: may now hold bytes >= 0x80 */
}

static uint32_t elem_id(zeek_state *st, const parse_env *env, size_t f, size_t k)
{
	if (k < ZK_ELEM_CACHE && st->elem[f][k])
		return st->elem[f][k];
	char key[24];
	size_t n = 0;
	char tmp[24];
	size_t t = 0;
	size_t x = k;
	do {
		tmp[t++] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	while (t)
		key[n++] = tmp[--t];
	uint32_t id = field_child(&env->ctx->ft, st->ids[f], key, n);
	if (k < ZK_ELEM_CACHE)
		st->elem[f][k] = id;
	return id;
}

static inline unsigned zhi(const zeek_state *st, spoor_sv v)
{
	return st->line_hi ? sl_hi(v) : 0;
}

static int add_value(zeek_state *st, const parse_env *env, spoor_event *ev, size_t f, spoor_sv v)
{
	int r;
	enum ztype t = f < st->ntypes ? (enum ztype)st->type[f] : ZT_STR;
	if (v.n == st->unset_n && !memcmp(v.p, st->unset, v.n))
		return 0;
	bool empty = v.n == st->empty_n && !memcmp(v.p, st->empty, v.n);
	switch (t) {
	case ZT_TIME: /* btest's masked "XXXXXXXXXX.XXXXXX" stays text */
	case ZT_NUM:
		return event_add(ev, st->ids[f], is_number(v) ? SPOOR_VT_NUM : SPOOR_VT_STR, v, 0);
	case ZT_BOOL:
		if (v.n == 1 && (v.p[0] == 'T' || v.p[0] == 'F'))
			return event_add(ev, st->ids[f], SPOOR_VT_BOOL, v.p[0] == 'T' ? SPOOR_SV("true") : SPOOR_SV("false"), 0);
		return event_add(ev, st->ids[f], SPOOR_VT_STR, v, zhi(st, v));
	case ZT_SET_STR:
	case ZT_SET_NUM: {
		if (empty)
			return 0;
		size_t k = 0;
		for (;;) {
			spoor_sv e = sl_until(&v, st->set_sep);
			uint32_t id = elem_id(st, env, f, k++);
			if (id) {
				bool num = t == ZT_SET_NUM && is_number(e);
				int u = 0;
				if (!num && (u = unescape(st, ev, &e)) < 0)
					return u;
				unsigned hi = num ? 0 : u ? sl_hi(e) : zhi(st, e);
				if ((r = event_add(ev, id, num ? SPOOR_VT_NUM : SPOOR_VT_STR, e, hi)) < 0)
					return r;
			}
			if (!v.n)
				break;
			v = sl_skip(v, 1);
		}
		return 0;
	}
	default:
		if (empty)
			v.n = 0;
		if ((r = unescape(st, ev, &v)) < 0)
			return r;
		return event_add(ev, st->ids[f], SPOOR_VT_STR, v, r ? sl_hi(v) : zhi(st, v));
	}
}

static int zeek_parse_line(void *state, const parse_env *env, spoor_sv line, spoor_event *ev)
{
	zeek_state *st = state;
	int r;
	if (line.n && line.p[0] == '#')
		return directive(st, env, line);
	if (!st->have_fields)
		return diag_set(env->diag, SPOOR_EPARSE, "zeek: data line before #fields");
	st->line_hi = sl_hi(line) != 0;
	st->line_bs = memchr(line.p, '\\', line.n) != NULL;
	spoor_sv s = line;
	size_t f = 0;
	for (;;) {
		bool more;
		spoor_sv v = next_tok(st, &s, &more);
		if (f >= st->nf)
			return diag_set(env->diag, SPOOR_EPARSE, "zeek: more values than the %zu #fields", st->nf);
		if ((r = add_value(st, env, ev, f, v)) < 0)
			return r;
		f++;
		if (!more)
			break;
	}
	if (f != st->nf)
		return diag_set(env->diag, SPOOR_EPARSE, "zeek: %zu values for %zu #fields", f, st->nf);
	/* ts becomes the event time (shape-zeek); keep values the core's
	 * epoch parser would overflow on from reaching it */
	spoor_sv ts;
	if (event_get_text(ev, F_SRC_TS, &ts) && !sl_epoch_safe(ts))
		return diag_set(env->diag, SPOOR_EPARSE, "zeek: ts %.*s out of range", (int)MIN(ts.n, 40), ts.p);
	if (st->path_n && (r = event_add(ev, F_ZK_PATH, SPOOR_VT_STR, sv_make(st->path, st->path_n), 0)) < 0)
		return r;
	if (st->shape) {
		ev->shape = st->shape->name;
		if ((r = st->shape->normalize(ev, env)) < 0)
			return r;
	}
	ev->ls.product = SPOOR_SV("zeek");
	return 0;
}

static int zeek_sniff(spoor_sv head)
{
	/* "#separator \x09" among the first lines (btest baselines start
	 * with a "### BTest" comment) */
	spoor_sv s = head;
	for (int k = 0; k < 3 && s.n; k++) {
		spoor_sv l = sl_until(&s, '\n');
		if (s.n)
			s = sl_skip(s, 1);
		if (SL_STARTS(l, "#separator "))
			return 95;
		if (!l.n || l.p[0] != '#')
			return 0;
	}
	return 0;
}

const parser_vt parser_zeek = {
	.name = "zeek",
	.summary = "Zeek TSV logs (#separator/#fields/#types headers)",
	.recognizes = "conn, dns, http, ssl, files, smtp, x509, weird, ssh, kerberos, ntlm ... (any log, typed per #types)",
	.sniff = zeek_sniff,
	.state_size = sizeof(zeek_state),
	.open = zeek_open,
	.close = zeek_close,
	.parse_line = zeek_parse_line,
};
