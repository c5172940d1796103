/* sigma-compile — rule AST -> plan: field ids (interned in the ruleset's
 * spoor_ctx), value matchers, the condition program and the logsource
 * selector.
 *
 * Modifiers are read left to right.  Transforming ones (wide/utf16*,
 * base64, base64offset, windash) turn each value into one or more
 * strings; contains/startswith/endswith then add wildcards; the rest pick
 * the kind of matcher (re, cidr, lt/lte/gt/gte, exists, fieldref).  The
 * variants of one value are OR-ed even under `all`, which AND-s the
 * values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma/sigma-int.h"
#include "event/field.h"

enum {
	MOD_CONTAINS = 1u << 0,
	MOD_STARTSWITH = 1u << 1,
	MOD_ENDSWITH = 1u << 2,
	MOD_ALL = 1u << 3,
	MOD_EXISTS = 1u << 4,
	MOD_CASED = 1u << 5,
	MOD_NEQ = 1u << 6,
	MOD_RE = 1u << 7,
	MOD_CIDR = 1u << 8,
	MOD_FIELDREF = 1u << 9,
	MOD_EXPAND = 1u << 10,
	MOD_NUM = 1u << 11,
	MOD_TIME = 1u << 12,
};

/* Transforming modifiers, applied in order. */
enum { TR_NONE = 0, TR_WINDASH, TR_B64, TR_B64OFF, TR_UTF16LE, TR_UTF16BE, TR_UTF16 };

typedef struct modinfo {
	const char *name;
	unsigned flag;
	uint8_t tr;
	uint8_t arg; /* NUM_* for numeric, RE_* for regex flags */
} modinfo;

static const modinfo mods[] = {
    {"contains", MOD_CONTAINS, 0, 0},
    {"startswith", MOD_STARTSWITH, 0, 0},
    {"endswith", MOD_ENDSWITH, 0, 0},
    {"all", MOD_ALL, 0, 0},
    {"exists", MOD_EXISTS, 0, 0},
    {"cased", MOD_CASED, 0, 0},
    {"neq", MOD_NEQ, 0, 0},
    {"re", MOD_RE, 0, 0},
    {"i", 0, 0, RE_I},
    {"ignorecase", 0, 0, RE_I},
    {"m", 0, 0, RE_M},
    {"multiline", 0, 0, RE_M},
    {"s", 0, 0, RE_S},
    {"dotall", 0, 0, RE_S},
    {"cidr", MOD_CIDR, 0, 0},
    {"fieldref", MOD_FIELDREF, 0, 0},
    {"expand", MOD_EXPAND, 0, 0},
    {"windash", 0, TR_WINDASH, 0},
    {"base64", 0, TR_B64, 0},
    {"base64offset", 0, TR_B64OFF, 0},
    {"utf16le", 0, TR_UTF16LE, 0},
    {"wide", 0, TR_UTF16LE, 0},
    {"utf16be", 0, TR_UTF16BE, 0},
    {"utf16", 0, TR_UTF16, 0},
    {"lt", MOD_NUM, 0, NUM_LT},
    {"lte", MOD_NUM, 0, NUM_LTE},
    {"gt", MOD_NUM, 0, NUM_GT},
    {"gte", MOD_NUM, 0, NUM_GTE},
    {"minute", MOD_TIME, 0, DP_MINUTE},
    {"hour", MOD_TIME, 0, DP_HOUR},
    {"day", MOD_TIME, 0, DP_DAY},
    {"week", MOD_TIME, 0, DP_WEEK},
    {"month", MOD_TIME, 0, DP_MONTH},
    {"year", MOD_TIME, 0, DP_YEAR},
};

typedef struct cc {
	sigma_rule *r;
	field_table *ft;
	spoor_diag *d;
	sigma_plan *plan;
	const ynode *ph; /* placeholder map (name -> value or list), or NULL */
	/* the matchers of the item being compiled, copied to the arena at
	 * their final count (growing them in the arena left every smaller
	 * copy behind) */
	vmatch *vm;
	size_t nvm, capvm;
	sstr tmp; /* a variant's pattern being built (glob_open; one buffer per rule) */
} cc;

static int cfail(cc *c, uint32_t line, uint32_t col, int code, const char *fmt, ...) PRINTF(5, 6);
static int cfail(cc *c, uint32_t line, uint32_t col, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->d->msg, sizeof(c->d->msg), fmt, ap);
	va_end(ap);
	c->d->code = code;
	c->d->line = line;
	c->d->col = col;
	return code;
}

/* Keep regexes to free in the plan: a small linked list in the arena. */
typedef struct re_node {
	sigma_re *re;
	struct re_node *next;
} re_node;

static re_node **plan_res(sigma_plan *p)
{
	return (re_node **)&p->res;
}

static int add_vm(cc *c, const vmatch *m)
{
	if (c->nvm == c->capvm) {
		size_t nc = c->capvm ? c->capvm * 2 : 16;
		vmatch *nv = xreallocarray(c->vm, nc, sizeof(*nv));
		if (!nv)
			return SPOOR_ENOMEM;
		c->vm = nv;
		c->capvm = nc;
	}
	c->vm[c->nvm++] = *m;
	return 0;
}

/* The pattern of one variant of a value is built in c->tmp: glob_open
 * starts it (a leading '*' for contains and endswith), the caller appends
 * the variant, glob_close adds the trailing '*' and compiles it into m. */
static int glob_open(cc *c, bool lead)
{
	c->tmp.n = 0;
	return lead ? sstr_add(&c->tmp, "*", 1, SW_STAR) : 0;
}

static int glob_close(cc *c, vmatch *m, bool trail)
{
	int r = trail ? sstr_add(&c->tmp, "*", 1, SW_STAR) : 0;
	if (r == 0) {
		m->kind = MK_GLOB;
		r = glob_compile(c->r->ar, &c->tmp, m->cased, &m->g);
	}
	return r == 0 ? add_vm(c, m) : r;
}

static int apply_tr(uint8_t tr, sstr_list *l)
{
	sstr_list out = {0};
	int r = 0;
	for (size_t i = 0; i < l->n && r == 0; i++) {
		sstr s;
		switch (tr) {
		case TR_WINDASH:
			r = sigma_windash(&l->v[i], &out);
			break;
		case TR_B64OFF:
			r = sigma_base64offset(&l->v[i], &out);
			break;
		case TR_B64:
			r = sigma_base64(&l->v[i], &s);
			if (r == 0)
				r = sstr_list_push(&out, &s);
			break;
		default:
			r = sigma_utf16(&l->v[i], tr == TR_UTF16LE ? 0 : tr == TR_UTF16BE ? 1 : 2, &s);
			if (r == 0)
				r = sstr_list_push(&out, &s);
			break;
		}
	}
	sstr_list_done(l);
	if (r < 0) {
		sstr_list_done(&out);
		return r;
	}
	*l = out;
	return 0;
}

/* `%name%` placeholders (rules spec §Placeholders; `\%` escapes): every
 * combination of the named values, each a Sigma string (wildcards in
 * placeholder values are wildcards).  SPOOR_EINVAL with *missing set when
 * a name has no value. */
static int expand(cc *c, const char *s, size_t n, sstr_list *out, const char **missing)
{
	int r = 0;
	/* plain text prefixes, one per combination so far */
	char **pre = xcalloc(1, sizeof(char *));
	size_t npre = 1;
	if (!pre)
		return SPOOR_ENOMEM;
	pre[0] = xstrndup("", 0);
	if (!pre[0])
		r = SPOOR_ENOMEM;
	size_t i = 0;
	while (r == 0 && i < n) {
		const char *lit_start = s + i;
		size_t j = i;
		const char *name = NULL;
		size_t nl = 0;
		while (j < n) {
			if (s[j] == '\\' && j + 1 < n && (s[j + 1] == '%' || s[j + 1] == '\\')) {
				j += 2; /* \% is a literal %; \\ stays for sstr_parse */
				continue;
			}
			if (s[j] == '%') {
				const char *e = memchr(s + j + 1, '%', n - j - 1);
				if (e && e > s + j + 1) {
					name = s + j + 1;
					nl = (size_t)(e - name);
					break;
				}
			}
			j++;
		}
		/* literal part [i, j): append to every prefix (\% -> %) */
		size_t ll = (size_t)(s + j - lit_start);
		for (size_t k = 0; k < npre && r == 0; k++) {
			size_t ol = strlen(pre[k]);
			char *np = xrealloc(pre[k], ol + ll + 1);
			if (!np) {
				r = SPOOR_ENOMEM;
				break;
			}
			size_t o = ol;
			for (size_t x = 0; x < ll; x++) {
				if (lit_start[x] == '\\' && x + 1 < ll && lit_start[x + 1] == '\\') {
					np[o++] = lit_start[x++];
					np[o++] = lit_start[x];
					continue;
				}
				if (lit_start[x] == '\\' && x + 1 < ll && lit_start[x + 1] == '%')
					continue;
				np[o++] = lit_start[x];
			}
			np[o] = 0;
			pre[k] = np;
		}
		if (!name || r < 0)
			break;
		char key[256];
		snprintf(key, sizeof(key), "%.*s", (int)nl, name);
		const ynode *v = c->ph ? ynode_get(c->ph, key) : NULL;
		if (!v || ynode_is_null(v) || (v->kind == YN_SEQ && !v->nkv) || v->kind == YN_MAP) {
			*missing = arena_memdup(c->r->ar, key, strlen(key) + 1);
			if (!*missing)
				*missing = "?";
			r = SPOOR_EINVAL;
			break;
		}
		size_t nv = v->kind == YN_SEQ ? v->nkv : 1;
		if (npre * nv > SIGMA_MAX_VARIANTS) {
			r = SPOOR_ELIMIT;
			break;
		}
		char **np = xcalloc(npre * nv + 1, sizeof(char *));
		if (!np) {
			r = SPOOR_ENOMEM;
			break;
		}
		for (size_t k = 0; k < npre && r == 0; k++)
			for (size_t x = 0; x < nv && r == 0; x++) {
				const ynode *e = v->kind == YN_SEQ ? v->kv[x] : v;
				if (e->kind != YN_SCALAR) {
					*missing = "(a placeholder value that is not a string)";
					r = SPOOR_EINVAL;
					break;
				}
				size_t pl = strlen(pre[k]);
				char *t = xmalloc(pl + e->n + 1);
				if (!t) {
					r = SPOOR_ENOMEM;
					break;
				}
				memcpy(t, pre[k], pl);
				memcpy(t + pl, e->s, e->n);
				t[pl + e->n] = 0;
				np[k * nv + x] = t;
			}
		for (size_t k = 0; k < npre; k++)
			free(pre[k]);
		free(pre);
		pre = np;
		npre = npre * nv;
		i = (size_t)(name + nl + 1 - s);
	}
	for (size_t k = 0; k < npre && r == 0; k++) {
		sstr t;
		r = sstr_parse(&t, pre[k], strlen(pre[k]));
		if (r == 0)
			r = sstr_list_push(out, &t);
	}
	for (size_t k = 0; k < npre; k++)
		free(pre[k]);
	free(pre);
	return r;
}

static int compile_item(cc *c, const sigma_item *it, pitem *pi)
{
	unsigned flags = 0, reflags = 0;
	uint8_t numop = NUM_EQ, dpart = 0;
	uint8_t trs[SIGMA_MAX_MODS];
	size_t ntr = 0;
	for (size_t i = 0; i < it->nmods; i++) {
		const modinfo *m = NULL;
		for (size_t j = 0; j < ARRAY_SIZE(mods) && !m; j++)
			if (!strcmp(mods[j].name, it->mods[i]))
				m = &mods[j];
		if (!m)
			return cfail(c, it->line, it->col, SPOOR_EPARSE, "unknown modifier '%s'", it->mods[i]);
		if ((m->flag & MOD_TIME) && (flags & MOD_TIME))
			return cfail(c, it->line, it->col, SPOOR_EPARSE, "one date part per field ('%s')", m->name);
		if (m->flag & MOD_TIME)
			dpart = m->arg;
		if (m->tr)
			trs[ntr++] = m->tr;
		if ((m->flag & MOD_NUM))
			numop = m->arg;
		if (!m->flag && !m->tr) {
			if (!(flags & MOD_RE))
				return cfail(c, it->line, it->col, SPOOR_EPARSE, "modifier '%s' only follows 're'",
					     m->name);
			reflags |= m->arg;
		}
		flags |= m->flag;
	}
	if ((flags & MOD_RE) && it->nmods && strcmp(it->mods[0], "re"))
		return cfail(c, it->line, it->col, SPOOR_EPARSE, "'re' must be the first modifier");
	if ((flags & MOD_CIDR) && strcmp(it->mods[0], "cidr"))
		return cfail(c, it->line, it->col, SPOOR_EPARSE, "'cidr' must be the first modifier");
	unsigned kinds = !!(flags & MOD_RE) + !!(flags & MOD_CIDR) + !!(flags & (MOD_NUM | MOD_TIME)) +
			 !!(flags & MOD_EXISTS) + !!(flags & MOD_FIELDREF);
	if ((flags & MOD_TIME) && ((flags & (MOD_CONTAINS | MOD_STARTSWITH | MOD_ENDSWITH | MOD_EXPAND)) || ntr))
		return cfail(c, it->line, it->col, SPOOR_EPARSE,
			     "a date part (minute ... year) compares numbers: no string modifiers");
	if ((flags & MOD_TIME) && !it->field)
		return cfail(c, it->line, it->col, SPOOR_EPARSE, "a date part needs a field");
	if (kinds > 1)
		return cfail(c, it->line, it->col, SPOOR_EPARSE,
			     "re, cidr, lt/gt, exists and fieldref do not combine with each other");
	if ((flags & MOD_EXISTS) && !it->field)
		return cfail(c, it->line, it->col, SPOOR_EPARSE, "'exists' needs a field");
	if ((flags & MOD_FIELDREF) && !it->field)
		return cfail(c, it->line, it->col, SPOOR_EPARSE, "'fieldref' needs a field");
	if ((flags & MOD_FIELDREF) && ntr)
		return cfail(c, it->line, it->col, SPOOR_EPARSE, "'fieldref' does not combine with encodings");
	pi->field = it->field ? field_intern(c->ft, it->field, it->field_n) : 0;
	if (it->field && !pi->field)
		return cfail(c, it->line, it->col, SPOOR_ELIMIT, "too many field names (max_names)");
	if (it->nvals > UINT16_MAX)
		return cfail(c, it->line, it->col, SPOOR_ELIMIT, "more than %u values for one field", UINT16_MAX);
	pi->alt = sigma_ls_alt_field(c->r, it->field, c->ft);
	pi->all = (flags & MOD_ALL) != 0;
	pi->neg = (flags & MOD_NEQ) != 0;
	bool cased = (flags & MOD_CASED) != 0;
	c->nvm = 0;
	for (size_t k = 0; k < it->nvals; k++) {
		const sigma_val *val = &it->vals[k];
		vmatch m;
		memset(&m, 0, sizeof(m));
		m.grp = (uint16_t)k;
		m.cased = cased;
		int r = 0;
		if (flags & MOD_EXISTS) {
			if (val->kind != SVAL_BOOL)
				return cfail(c, val->line, val->col, SPOOR_EPARSE, "'exists' takes true or false");
			m.kind = MK_EXISTS;
			m.exists = val->s[0] == 't' || val->s[0] == 'T';
			if ((r = add_vm(c, &m)) < 0)
				return r;
			continue;
		}
		if (val->kind == SVAL_NULL) {
			if (!it->field)
				return cfail(c, val->line, val->col, SPOOR_EPARSE, "null is not a keyword");
			if (it->nvals > 1)
				return cfail(c, val->line, val->col, SPOOR_EPARSE,
					     "null may not share a list with other values");
			m.kind = MK_NULL;
			if ((r = add_vm(c, &m)) < 0)
				return r;
			continue;
		}
		sstr_list l = {0};
		if ((flags & MOD_EXPAND) && val->kind == SVAL_STR) {
			/* the value with each %name% replaced by each of its values */
			if ((flags & (MOD_RE | MOD_CIDR | MOD_NUM | MOD_FIELDREF | MOD_EXISTS)))
				return cfail(c, val->line, val->col, SPOOR_EPARSE,
					     "'expand' only combines with string modifiers");
			const char *missing = NULL;
			r = expand(c, val->s, val->n, &l, &missing);
			if (r == SPOOR_EINVAL) {
				sstr_list_done(&l);
				return cfail(c, val->line, val->col, SPOOR_EINVAL,
					     "placeholder '%s' needs a value (%s)", missing,
					     c->ph ? "not in the placeholder file" : "no placeholder file given");
			}
			if (r == SPOOR_ELIMIT) {
				sstr_list_done(&l);
				return cfail(c, val->line, val->col, SPOOR_ELIMIT,
					     "value expands to more than %d variants", SIGMA_MAX_VARIANTS);
			}
			if (r < 0) {
				sstr_list_done(&l);
				return r;
			}
		}
		if (flags & MOD_RE) {
			spoor_diag rd = SPOOR_DIAG_INIT;
			const char *pat = val->s;
			size_t pn = val->n;
			char *tmp = NULL;
			if (flags & (MOD_STARTSWITH | MOD_ENDSWITH)) {
				tmp = arena_alloc(c->r->ar, pn + 16);
				if (!tmp)
					return SPOOR_ENOMEM;
				size_t o = 0;
				if (flags & MOD_STARTSWITH) {
					memcpy(tmp, "^(?:", 4);
					o = 4;
				} else {
					memcpy(tmp, "(?:", 3);
					o = 3;
				}
				memcpy(tmp + o, pat, pn);
				o += pn;
				memcpy(tmp + o, (flags & MOD_ENDSWITH) ? ")$" : ")", (flags & MOD_ENDSWITH) ? 2 : 1);
				o += (flags & MOD_ENDSWITH) ? 2 : 1;
				pat = tmp;
				pn = o;
			}
			r = sigma_re_compile(&m.re, pat, pn, reflags, &rd);
			if (r == SPOOR_ENOMEM)
				return r;
			if (r < 0)
				return cfail(c, val->line, val->col, SPOOR_EPARSE, "%s", rd.msg);
			re_node *rn = arena_alloc(c->r->ar, sizeof(*rn));
			if (!rn) {
				sigma_re_free(m.re);
				return SPOOR_ENOMEM;
			}
			rn->re = m.re;
			rn->next = *plan_res(c->plan);
			*plan_res(c->plan) = rn;
			m.kind = MK_RE;
			if ((r = add_vm(c, &m)) < 0)
				return r;
			continue;
		}
		if (flags & MOD_CIDR) {
			if (!sigma_parse_cidr(val->s, val->n, &m.net))
				return cfail(c, val->line, val->col, SPOOR_EPARSE, "bad network '%s'", val->s);
			m.kind = MK_CIDR;
			if ((r = add_vm(c, &m)) < 0)
				return r;
			continue;
		}
		if (flags & MOD_TIME) {
			if (!sigma_parse_num(val->s, val->n, &m.num))
				return cfail(c, val->line, val->col, SPOOR_EPARSE, "'%s' is not a number", val->s);
			m.kind = MK_DATEPART;
			m.part = dpart;
			m.op = numop;
			if ((r = add_vm(c, &m)) < 0)
				return r;
			continue;
		}
		if (flags & MOD_NUM) {
			if (!sigma_parse_num(val->s, val->n, &m.num))
				return cfail(c, val->line, val->col, SPOOR_EPARSE, "'%s' is not a number", val->s);
			m.kind = MK_NUM;
			m.op = numop;
			if ((r = add_vm(c, &m)) < 0)
				return r;
			continue;
		}
		if (flags & MOD_FIELDREF) {
			m.kind = MK_FIELDREF;
			m.ref = field_intern(c->ft, val->s, val->n);
			if (!m.ref)
				return cfail(c, val->line, val->col, SPOOR_ELIMIT, "too many field names");
			m.op = (flags & MOD_CONTAINS)	  ? FREF_CONTAINS
			       : (flags & MOD_STARTSWITH) ? FREF_START
			       : (flags & MOD_ENDSWITH)	  ? FREF_END
							  : FREF_EQ;
			if ((r = add_vm(c, &m)) < 0)
				return r;
			continue;
		}
		/* a string (numbers and booleans as written, without wildcards) */
		bool kw_contains = !it->field && !(flags & (MOD_STARTSWITH | MOD_ENDSWITH));
		bool lead = (flags & (MOD_CONTAINS | MOD_ENDSWITH)) || kw_contains;
		bool trail = (flags & (MOD_CONTAINS | MOD_STARTSWITH)) || kw_contains;
		if (!l.n && !ntr) {
			/* one variant, the value itself (most values), parsed
			 * straight into the pattern: no list, no copy */
			r = glob_open(c, lead);
			if (r == 0)
				r = val->kind == SVAL_STR ? sstr_parse_append(&c->tmp, val->s, val->n)
							  : sstr_add(&c->tmp, val->s, val->n, SW_LIT);
			if (r == 0)
				r = glob_close(c, &m, trail);
			if (r < 0)
				return r;
			continue;
		}
		if (!l.n) {
			sstr s;
			r = val->kind == SVAL_STR ? sstr_parse(&s, val->s, val->n) : sstr_lit(&s, val->s, val->n);
			if (r < 0)
				return r;
			if ((r = sstr_list_push(&l, &s)) < 0)
				return r;
		}
		for (size_t t = 0; t < ntr && r == 0; t++)
			r = apply_tr(trs[t], &l);
		if (r == SPOOR_EINVAL)
			return cfail(c, val->line, val->col, SPOOR_EPARSE, "base64 of a value with wildcards");
		if (r == SPOOR_ELIMIT)
			return cfail(c, val->line, val->col, SPOOR_ELIMIT, "value expands to more than %d variants",
				     SIGMA_MAX_VARIANTS);
		if (r < 0)
			return r;
		if (!l.n)
			return cfail(c, val->line, val->col, SPOOR_EPARSE, "value '%s' encodes to nothing", val->s);
		for (size_t i = 0; i < l.n && r == 0; i++) {
			r = glob_open(c, lead);
			if (r == 0)
				r = sstr_add(&c->tmp, l.v[i].b, l.v[i].n, 0);
			if (r == 0 && l.v[i].n)
				memcpy(c->tmp.w + c->tmp.n - l.v[i].n, l.v[i].w, l.v[i].n);
			if (r == 0)
				r = glob_close(c, &m, trail);
		}
		sstr_list_done(&l);
		if (r < 0)
			return r;
	}
	pi->m = NULL;
	pi->nm = c->nvm;
	if (c->nvm) {
		pi->m = arena_alloc(c->r->ar, c->nvm * sizeof(vmatch));
		if (!pi->m)
			return SPOOR_ENOMEM;
		memcpy(pi->m, c->vm, c->nvm * sizeof(vmatch));
	}
	pi->ix = NULL;
	if (pi->field && !pi->all && pi->nm >= SIGMA_GINDEX_MIN)
		return sigma_gindex_build(c->r->ar, pi->m, pi->nm, &pi->ix);
	return 0;
}

int sigma_compile(sigma_rule *r, struct field_table *ft, spoor_diag *diag)
{
	return sigma_compile_ph(r, ft, NULL, diag);
}

int sigma_compile_ph(sigma_rule *r, struct field_table *ft, const ynode *placeholders, spoor_diag *diag)
{
	if (r->kind == SIGMA_CORRELATION)
		return diag_set(diag, SPOOR_EINVAL, "correlation rules are parsed but not evaluated yet");
	sigma_plan *p = arena_alloc(r->ar, sizeof(*p));
	if (!p)
		return SPOOR_ENOMEM;
	memset(p, 0, sizeof(*p));
	cc c = {r, ft, diag, p, placeholders, NULL, 0, 0, {0}};
	int rc = 0;
	p->s = arena_alloc(r->ar, (r->nsearches + 1) * sizeof(psearch));
	if (!p->s)
		return SPOOR_ENOMEM;
	p->ns = r->nsearches;
	for (size_t i = 0; i < r->nsearches && rc == 0; i++) {
		const sigma_search *s = &r->searches[i];
		psearch *ps = &p->s[i];
		ps->maps = arena_alloc(r->ar, (s->nmaps + 1) * sizeof(pmap));
		if (!ps->maps) {
			rc = SPOOR_ENOMEM;
			break;
		}
		ps->n = s->nmaps;
		for (size_t j = 0; j < s->nmaps && rc == 0; j++) {
			pmap *pm = &ps->maps[j];
			pm->items = arena_alloc(r->ar, (s->maps[j].n + 1) * sizeof(pitem));
			if (!pm->items) {
				rc = SPOOR_ENOMEM;
				break;
			}
			memset(pm->items, 0, (s->maps[j].n + 1) * sizeof(pitem));
			pm->n = s->maps[j].n;
			for (size_t k = 0; k < pm->n && rc == 0; k++)
				rc = compile_item(&c, &s->maps[j].items[k], &pm->items[k]);
		}
	}
	free(c.vm);
	sstr_done(&c.tmp);
	if (rc == 0)
		rc = sigma_cond_compile(r->ar, r->conds, r->nconds, r->searches, r->nsearches, &p->prog, diag);
	if (rc == 0) {
		const ls_sel *sel;
		const char *why;
		rc = sigma_ls_resolve(r, ft, &sel, &why);
		p->ls = sel;
		p->ls_why = why;
	}
	if (rc < 0) {
		sigma_plan_free(p);
		return rc;
	}
	r->plan = p;
	return 0;
}

void sigma_plan_free(sigma_plan *p)
{
	if (!p)
		return;
	for (re_node *n = *plan_res(p); n; n = n->next)
		sigma_re_free(n->re);
	*plan_res(p) = NULL;
	sigma_ls_free((ls_sel *)p->ls);
	p->ls = NULL;
}
