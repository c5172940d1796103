/* sigma-cond — the condition grammar, compiled to a flat program.
 *
 *   expr  := and ('or' and)*
 *   and   := not ('and' not)*
 *   not   := 'not' not | atom
 *   atom  := '(' expr ')' | ('1'|'any'|'all') 'of' (pattern|'them') | ident
 *
 * Precedence or < and < not < x-of < ( ) (rules spec §Condition).  The
 * program is an accumulator machine with short-circuit jumps: `a and b`
 * is EVAL a; JF end; EVAL b; end:.  `x of` expands to the matching search
 * identifiers; `them` and patterns leave out identifiers starting with
 * `_`.  A condition list is OR-ed.  Pipes (old aggregations) are refused:
 * the spec replaced them by correlation rules. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/sigma/sigma-int.h"

enum { T_END = 0, T_ID, T_LP, T_RP, T_AND, T_OR, T_NOT, T_OF, T_THEM, T_ONE, T_ALL, T_BAD };

typedef struct cparse {
	const char *s;
	size_t n, pos;
	int tok;
	size_t tpos, tlen;
	const sigma_search *ss;
	size_t ns;
	sigma_cop *ops;
	size_t nops, cap;
	unsigned depth;
	bool neg; /* inside an odd number of `not` */
	uint8_t *pol;
	spoor_diag *d;
	const sigma_text *cur;
	int rc;
} cparse;

static int perr(cparse *p, size_t at, const char *fmt, ...) PRINTF(3, 4);
static int perr(cparse *p, size_t at, const char *fmt, ...)
{
	if (p->rc < 0)
		return p->rc;
	va_list ap;
	va_start(ap, fmt);
	char m[200];
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	p->d->line = p->cur->line;
	p->d->col = p->cur->col + (uint32_t)at;
	diag_set(p->d, SPOOR_EPARSE, "condition: %s (at column %zu of \"%.*s\")", m, at + 1, (int)MIN(p->n, 80), p->s);
	p->rc = SPOOR_EPARSE;
	return p->rc;
}

static bool idch(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '*' || c == '.';
}

static bool kw(cparse *p, const char *k)
{
	size_t l = strlen(k);
	return p->tlen == l && !strncasecmp(p->s + p->tpos, k, l);
}

static void next(cparse *p)
{
	while (p->pos < p->n && isspace((unsigned char)p->s[p->pos]))
		p->pos++;
	p->tpos = p->pos;
	p->tlen = 0;
	if (p->pos >= p->n) {
		p->tok = T_END;
		return;
	}
	char c = p->s[p->pos];
	if (c == '(' || c == ')') {
		p->tok = c == '(' ? T_LP : T_RP;
		p->pos++;
		p->tlen = 1;
		return;
	}
	if (!idch(c)) {
		p->tok = T_BAD;
		p->tlen = 1;
		return;
	}
	while (p->pos < p->n && idch(p->s[p->pos]))
		p->pos++;
	p->tlen = p->pos - p->tpos;
	if (kw(p, "and"))
		p->tok = T_AND;
	else if (kw(p, "or"))
		p->tok = T_OR;
	else if (kw(p, "not"))
		p->tok = T_NOT;
	else if (kw(p, "of"))
		p->tok = T_OF;
	else if (kw(p, "them"))
		p->tok = T_THEM;
	else if (kw(p, "1") || kw(p, "any"))
		p->tok = T_ONE;
	else if (kw(p, "all"))
		p->tok = T_ALL;
	else
		p->tok = T_ID;
}

static size_t emit(cparse *p, uint8_t op, uint32_t arg)
{
	if (p->rc < 0)
		return 0;
	if (p->nops >= SIGMA_MAX_COND_OPS) {
		perr(p, p->tpos, "condition expands to more than %d operations", SIGMA_MAX_COND_OPS);
		return 0;
	}
	if (p->nops == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 16;
		sigma_cop *v = xreallocarray(p->ops, nc, sizeof(*v));
		if (!v) {
			p->rc = SPOOR_ENOMEM;
			return 0;
		}
		p->ops = v;
		p->cap = nc;
	}
	p->ops[p->nops].op = op;
	p->ops[p->nops].arg = arg;
	if (op == COP_EVAL && p->pol && arg < p->ns)
		p->pol[arg] |= p->neg ? SPOL_NEG : SPOL_POS;
	return p->nops++;
}

static void patch(cparse *p, size_t *js, size_t nj)
{
	if (p->rc < 0)
		return;
	for (size_t i = 0; i < nj; i++)
		p->ops[js[i]].arg = (uint32_t)p->nops;
}

/* Glob with '*' only, exact case. */
static bool pat_match(const char *pat, size_t pn, const char *s, size_t sn)
{
	size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
	while (si < sn) {
		if (pi < pn && pat[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (pi < pn && pat[pi] == s[si]) {
			pi++;
			si++;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			si = ++mark;
		} else {
			return false;
		}
	}
	while (pi < pn && pat[pi] == '*')
		pi++;
	return pi == pn;
}

static void parse_or(cparse *p);

static void parse_atom(cparse *p)
{
	if (p->rc < 0)
		return;
	if (p->tok == T_LP) {
		size_t at = p->tpos;
		if (++p->depth > 64) {
			perr(p, at, "parentheses nested deeper than 64");
			return;
		}
		next(p);
		parse_or(p);
		p->depth--;
		if (p->rc < 0)
			return;
		if (p->tok != T_RP) {
			perr(p, p->tpos, "missing ')' for the '(' at column %zu", at + 1);
			return;
		}
		next(p);
		return;
	}
	if (p->tok == T_ONE || p->tok == T_ALL) {
		bool all = p->tok == T_ALL;
		size_t qpos = p->tpos;
		next(p);
		if (p->tok != T_OF) {
			perr(p, p->tpos, "expected 'of' after '%.*s' (only 1, any and all are quantifiers)",
			     (int)(p->tpos - qpos), p->s + qpos);
			return;
		}
		next(p);
		const char *pat = NULL;
		size_t pn = 0;
		if (p->tok == T_THEM) {
			pat = "*";
			pn = 1;
		} else if (p->tok == T_ID || p->tok == T_ONE || p->tok == T_ALL) {
			pat = p->s + p->tpos;
			pn = p->tlen;
		} else {
			perr(p, p->tpos, "expected an identifier pattern or 'them' after 'of'");
			return;
		}
		size_t js[256], nj = 0, matched = 0;
		size_t jumps_cap = ARRAY_SIZE(js);
		for (size_t i = 0; i < p->ns; i++) {
			const char *nm = p->ss[i].name;
			if (nm[0] == '_' && !(pn && pat[0] == '_'))
				continue;
			if (!pat_match(pat, pn, nm, strlen(nm)))
				continue;
			if (matched) {
				if (nj == jumps_cap) {
					perr(p, p->tpos, "'%.*s' matches more than %zu identifiers", (int)pn, pat,
					     jumps_cap);
					return;
				}
				js[nj++] = emit(p, all ? COP_JF : COP_JT, 0);
			}
			emit(p, COP_EVAL, (uint32_t)i);
			matched++;
		}
		if (!matched) {
			perr(p, p->tpos, "'%.*s' matches no search identifier", (int)pn, pat);
			return;
		}
		patch(p, js, nj);
		next(p);
		return;
	}
	if (p->tok == T_ID) {
		for (size_t i = 0; i < p->ns; i++) {
			const char *nm = p->ss[i].name;
			if (strlen(nm) == p->tlen && !memcmp(nm, p->s + p->tpos, p->tlen)) {
				emit(p, COP_EVAL, (uint32_t)i);
				next(p);
				return;
			}
		}
		if (memchr(p->s + p->tpos, '*', p->tlen))
			perr(p, p->tpos, "'%.*s' is a pattern; write '1 of %.*s' or 'all of %.*s'", (int)p->tlen,
			     p->s + p->tpos, (int)p->tlen, p->s + p->tpos, (int)p->tlen, p->s + p->tpos);
		else
			perr(p, p->tpos, "unknown search identifier '%.*s'", (int)p->tlen, p->s + p->tpos);
		return;
	}
	if (p->tok == T_BAD && p->s[p->tpos] == '|') {
		perr(p, p->tpos, "'|' aggregations are not Sigma 2 syntax; use a correlation rule");
		return;
	}
	if (p->tok == T_END)
		perr(p, p->tpos, "unexpected end of condition");
	else
		perr(p, p->tpos, "unexpected '%.*s'", (int)MAX(p->tlen, 1), p->s + p->tpos);
}

static void parse_not(cparse *p)
{
	if (p->rc < 0)
		return;
	if (p->tok == T_NOT) {
		if (++p->depth > 64) {
			perr(p, p->tpos, "too many 'not'");
			return;
		}
		next(p);
		p->neg = !p->neg;
		parse_not(p);
		p->neg = !p->neg;
		p->depth--;
		emit(p, COP_NOT, 0);
		return;
	}
	parse_atom(p);
}

static void parse_and(cparse *p)
{
	size_t js[256], nj = 0;
	parse_not(p);
	while (p->rc == 0 && p->tok == T_AND) {
		next(p);
		if (nj == ARRAY_SIZE(js)) {
			perr(p, p->tpos, "more than %zu operands of 'and'", ARRAY_SIZE(js));
			return;
		}
		js[nj++] = emit(p, COP_JF, 0);
		parse_not(p);
	}
	patch(p, js, nj);
}

static void parse_or(cparse *p)
{
	size_t js[256], nj = 0;
	parse_and(p);
	while (p->rc == 0 && p->tok == T_OR) {
		next(p);
		if (nj == ARRAY_SIZE(js)) {
			perr(p, p->tpos, "more than %zu operands of 'or'", ARRAY_SIZE(js));
			return;
		}
		js[nj++] = emit(p, COP_JT, 0);
		parse_and(p);
	}
	patch(p, js, nj);
}

int sigma_cond_compile(arena *ar, const sigma_text *conds, size_t nconds, const sigma_search *s, size_t ns,
		       sigma_cprog *out, spoor_diag *diag)
{
	cparse p = {0};
	p.ss = s;
	p.ns = ns;
	p.d = diag;
	out->pol = arena_alloc(ar, ns + 1);
	if (!out->pol)
		return SPOOR_ENOMEM;
	memset(out->pol, 0, ns + 1);
	p.pol = out->pol;
	size_t js[64], nj = 0;
	if (nconds > ARRAY_SIZE(js))
		return diag_set(diag, SPOOR_ELIMIT, "more than %zu conditions", ARRAY_SIZE(js));
	for (size_t c = 0; c < nconds && p.rc == 0; c++) {
		if (c)
			js[nj++] = emit(&p, COP_JT, 0);
		p.cur = &conds[c];
		p.s = conds[c].s;
		p.n = conds[c].n;
		p.pos = 0;
		next(&p);
		parse_or(&p);
		if (p.rc == 0 && p.tok != T_END) {
			if (p.tok == T_BAD && p.s[p.tpos] == '|')
				perr(&p, p.tpos, "'|' aggregations are not Sigma 2 syntax; use a correlation rule");
			else
				perr(&p, p.tpos, "unexpected '%.*s' after a complete expression", (int)MAX(p.tlen, 1),
				     p.s + p.tpos);
		}
	}
	patch(&p, js, nj);
	if (p.rc < 0) {
		free(p.ops);
		return p.rc;
	}
	out->ops = arena_alloc(ar, (p.nops + 1) * sizeof(sigma_cop));
	if (!out->ops) {
		free(p.ops);
		return SPOOR_ENOMEM;
	}
	if (p.nops)
		memcpy(out->ops, p.ops, p.nops * sizeof(sigma_cop));
	out->n = p.nops;
	free(p.ops);
	return 0;
}

bool sigma_cprog_run(const sigma_cprog *p, sigma_eval_fn eval, void *payload)
{
	bool acc = false;
	size_t pc = 0;
	while (pc < p->n) {
		const sigma_cop *o = &p->ops[pc];
		switch (o->op) {
		case COP_EVAL:
			acc = eval(payload, o->arg);
			break;
		case COP_JF:
			if (!acc) {
				pc = o->arg;
				continue;
			}
			break;
		case COP_JT:
			if (acc) {
				pc = o->arg;
				continue;
			}
			break;
		case COP_NOT:
			acc = !acc;
			break;
		case COP_CONST:
			acc = o->arg != 0;
			break;
		}
		pc++;
	}
	return acc;
}
