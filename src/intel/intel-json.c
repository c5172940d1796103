/* intel-json — a small JSON document tree for intel files. */
#include "intel/intel-json.h"

#include <string.h>

#include "event/event-int.h" /* json_unescape */

typedef struct jp {
	jdoc *d;
	const char *p, *e, *start;
	int rc;
} jp;

static void skip_ws(jp *c)
{
	while (c->p < c->e && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static jnode *fail(jp *c, int rc, const char *msg)
{
	if (c->rc == 0) {
		c->rc = rc;
		c->d->err = msg;
		c->d->err_pos = (size_t)(c->p - c->start);
	}
	return NULL;
}

static jnode *node(jp *c, jtype t)
{
	if (c->d->nodes >= c->d->max_nodes)
		return fail(c, SPOOR_ELIMIT, "too many JSON values (limit intel max_nodes)");
	jnode *x = arena_alloc(&c->d->ar, sizeof(*x));
	if (!x)
		return fail(c, SPOOR_ENOMEM, "out of memory");
	memset(x, 0, sizeof(*x));
	x->type = t;
	c->d->nodes++;
	return x;
}

/* A string at c->p ('"'); its decoded text in *out. */
static bool str(jp *c, spoor_sv *out)
{
	const char *q = ++c->p;
	bool esc = false;
	while (q < c->e && *q != '"') {
		unsigned char ch = (unsigned char)*q;
		if (ch < 0x20) {
			c->p = q;
			fail(c, SPOOR_EPARSE, "control character in string");
			return false;
		}
		if (ch == '\\') {
			esc = true;
			if (q + 1 >= c->e)
				break;
			q += 2;
			continue;
		}
		q++;
	}
	if (q >= c->e) {
		fail(c, SPOOR_EPARSE, "unterminated string");
		return false;
	}
	size_t n = (size_t)(q - c->p);
	if (!esc) {
		*out = sv_make(c->p, n);
	} else {
		char *b = arena_alloc(&c->d->ar, json_unescape_max(n));
		if (!b) {
			fail(c, SPOOR_ENOMEM, "out of memory");
			return false;
		}
		*out = sv_make(b, json_unescape(c->p, n, b));
	}
	c->p = q + 1;
	return true;
}

static jnode *value(jp *c, unsigned depth);

static jnode *container(jp *c, unsigned depth, bool obj)
{
	if (depth >= c->d->max_depth)
		return fail(c, SPOOR_ELIMIT, "JSON nested too deeply (limit intel max_depth)");
	jnode *x = node(c, obj ? J_OBJ : J_ARR);
	if (!x)
		return NULL;
	char close = obj ? '}' : ']';
	c->p++;
	skip_ws(c);
	if (c->p < c->e && *c->p == close) {
		c->p++;
		return x;
	}
	jnode **tail = &x->child;
	for (;;) {
		skip_ws(c);
		spoor_sv key = {NULL, 0};
		if (obj) {
			if (c->p >= c->e || *c->p != '"')
				return fail(c, SPOOR_EPARSE, "expected a member name");
			if (!str(c, &key))
				return NULL;
			skip_ws(c);
			if (c->p >= c->e || *c->p != ':')
				return fail(c, SPOOR_EPARSE, "expected ':'");
			c->p++;
			skip_ws(c);
		}
		jnode *v = value(c, depth + 1);
		if (!v)
			return NULL;
		v->key = key;
		*tail = v;
		tail = &v->next;
		x->n++;
		skip_ws(c);
		if (c->p >= c->e)
			return fail(c, SPOOR_EPARSE, "input ends inside a JSON value");
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p == close) {
			c->p++;
			return x;
		}
		return fail(c, SPOOR_EPARSE, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static jnode *value(jp *c, unsigned depth)
{
	skip_ws(c);
	if (c->p >= c->e)
		return fail(c, SPOOR_EPARSE, "expected a JSON value");
	char ch = *c->p;
	if (ch == '{' || ch == '[')
		return container(c, depth, ch == '{');
	if (ch == '"') {
		jnode *x = node(c, J_STR);
		if (x && !str(c, &x->s))
			return NULL;
		return x;
	}
	static const struct {
		const char *w;
		jtype t;
	} words[] = {{"true", J_BOOL}, {"false", J_BOOL}, {"null", J_NULL}};
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		size_t l = strlen(words[i].w);
		if ((size_t)(c->e - c->p) >= l && !memcmp(c->p, words[i].w, l)) {
			jnode *x = node(c, words[i].t);
			if (x)
				x->s = sv_make(c->p, l);
			c->p += l;
			return x;
		}
	}
	if (ch == '-' || (ch >= '0' && ch <= '9')) {
		const char *q = c->p;
		while (q < c->e && (strchr("+-.eE", *q) || (*q >= '0' && *q <= '9')))
			q++;
		spoor_sv t = sv_make(c->p, (size_t)(q - c->p));
		if (!json_is_number_text(t))
			return fail(c, SPOOR_EPARSE, "bad number");
		jnode *x = node(c, J_NUM);
		if (x)
			x->s = t;
		c->p = q;
		return x;
	}
	return fail(c, SPOOR_EPARSE, "unexpected character");
}

/* RFC 8259 number grammar. */
bool json_is_number_text(spoor_sv v)
{
	const char *p = v.p, *e = v.p + v.n;
	if (p < e && *p == '-')
		p++;
	if (p >= e)
		return false;
	if (*p == '0') {
		p++;
	} else if (*p >= '1' && *p <= '9') {
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	} else {
		return false;
	}
	if (p < e && *p == '.') {
		p++;
		const char *s = p;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
		if (p == s)
			return false;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		const char *s = p;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
		if (p == s)
			return false;
	}
	return p == e;
}

int jdoc_parse(jdoc *d, const char *p, size_t n, unsigned max_depth, size_t max_nodes)
{
	memset(d, 0, sizeof(*d));
	arena_init(&d->ar, 1u << 20, 0);
	d->max_depth = max_depth ? max_depth : 64;
	d->max_nodes = max_nodes ? max_nodes : SIZE_MAX;
	jp c = {d, p, p + n, p, 0};
	/* a UTF-8 byte order mark is not JSON but editors write one */
	if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		c.p += 3;
	d->root = value(&c, 0);
	if (d->root) {
		skip_ws(&c);
		if (c.p != c.e) {
			fail(&c, SPOOR_EPARSE, "trailing data after the JSON value");
			d->root = NULL;
		}
	}
	return c.rc;
}

void jdoc_done(jdoc *d)
{
	arena_done(&d->ar);
	d->root = NULL;
}

const jnode *jget(const jnode *o, const char *key)
{
	if (!o || o->type != J_OBJ)
		return NULL;
	for (const jnode *c = o->child; c; c = c->next)
		if (sv_eq_cstr(c->key, key))
			return c;
	return NULL;
}

spoor_sv jstr(const jnode *o, const char *key)
{
	const jnode *v = jget(o, key);
	if (v && (v->type == J_STR || v->type == J_NUM || v->type == J_BOOL))
		return v->s;
	return sv_make(NULL, 0);
}

bool jbool(const jnode *o, const char *key, bool def)
{
	const jnode *v = jget(o, key);
	if (!v)
		return def;
	if (v->type == J_BOOL || v->type == J_STR || v->type == J_NUM)
		return sv_eq_cstr(v->s, "true") || sv_eq_cstr(v->s, "1") || sv_eq_cstr(v->s, "True");
	return def;
}
