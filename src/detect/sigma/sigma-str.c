/* sigma-str — Sigma strings: wildcards `*` `?`, backslash escapes, and
 * glob matching (case-insensitive unless `cased`).
 *
 * Escapes (rules spec §Escape Character, as pySigma reads them): `\*`,
 * `\?` and `\\` are the literal characters; a backslash before anything
 * else stays a literal backslash.  So `\\*` is a backslash then a
 * wildcard, and `\\\\` is two backslashes.
 *
 * Case-insensitivity folds ASCII letters only (as the Windows field values
 * SigmaHQ rules target are matched by pySigma backends); `?` matches one
 * UTF-8 character. */
#include <stdlib.h>
#include <string.h>

#include "detect/sigma/sigma-int.h"

static inline unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

/* ASCII lowercase of n bytes, 8 at a time: in each byte below 0x80, bit
 * 7 of (b + 0x80 - 'A') says b >= 'A', of (b + 0x80 - 'Z' - 1) b > 'Z'. */
static void ascii_lower(char *out, const char *in, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, in + i, 8);
		uint64_t a = x & ~high;
		uint64_t up = (a + (0x80 - 'A') * ones) & ~(a + (0x80 - 'Z' - 1) * ones) & ~x & high;
		x |= up >> 2;
		memcpy(out + i, &x, 8);
	}
	for (; i < n; i++)
		out[i] = (char)lower((unsigned char)in[i]);
}

void sstr_init(sstr *s)
{
	memset(s, 0, sizeof(*s));
}

void sstr_done(sstr *s)
{
	free(s->b); /* w is in the same block */
	sstr_init(s);
}

static int sstr_grow(sstr *s, size_t extra)
{
	if (s->b && s->n + extra <= s->cap)
		return 0;
	if (extra > (1u << 24) || s->n > (1u << 24))
		return SPOOR_ELIMIT;
	/* bytes and marks in one block (b: nc + 1 bytes, then w): compiling
	 * SigmaHQ makes ~100,000 of these, two mallocs each was ~3% of
	 * start-up */
	size_t nc = MAX(s->cap * 2, s->n + extra + 16);
	char *b = xmalloc(2 * (nc + 1));
	if (!b)
		return SPOOR_ENOMEM;
	if (s->b) {
		memcpy(b, s->b, s->n);
		memcpy(b + nc + 1, s->w, s->n);
		free(s->b);
	}
	b[s->n] = 0;
	s->b = b;
	s->w = (uint8_t *)b + nc + 1;
	s->cap = nc;
	return 0;
}

int sstr_add(sstr *s, const char *p, size_t n, uint8_t w)
{
	int r = sstr_grow(s, n);
	if (r < 0)
		return r;
	if (n)
		memcpy(s->b + s->n, p, n);
	memset(s->w + s->n, w, n);
	s->n += n;
	s->b[s->n] = 0;
	return 0;
}

int sstr_parse_append(sstr *out, const char *p, size_t n)
{
	/* the result is at most n bytes: grown once, written in place */
	int r = sstr_grow(out, n);
	if (r < 0)
		return r;
	char *b = out->b + out->n;
	uint8_t *w = out->w + out->n;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		uint8_t m = SW_LIT;
		if (c == '\\' && i + 1 < n && (p[i + 1] == '*' || p[i + 1] == '?' || p[i + 1] == '\\'))
			c = p[++i];
		else if (c == '*')
			m = SW_STAR;
		else if (c == '?')
			m = SW_ONE;
		b[o] = c;
		w[o] = m;
		o++;
	}
	out->n += o;
	out->b[out->n] = 0;
	return 0;
}

int sstr_parse(sstr *out, const char *p, size_t n)
{
	sstr_init(out);
	int r = sstr_parse_append(out, p, n);
	if (r < 0)
		sstr_done(out);
	return r;
}

int sstr_lit(sstr *out, const char *p, size_t n)
{
	sstr_init(out);
	int r = sstr_add(out, p, n, SW_LIT);
	if (r < 0)
		sstr_done(out);
	return r;
}

bool sstr_has_wild(const sstr *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->w[i])
			return true;
	return false;
}

void sstr_list_done(sstr_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		sstr_done(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
	l->cap = 0;
}

int sstr_list_push(sstr_list *l, sstr *s)
{
	if (l->n >= SIGMA_MAX_VARIANTS) {
		sstr_done(s);
		return SPOOR_ELIMIT;
	}
	if (l->n == l->cap) {
		size_t nc = l->cap ? 2 * l->cap : 4;
		sstr *v = xreallocarray(l->v, nc, sizeof(*v));
		if (!v) {
			sstr_done(s);
			return SPOOR_ENOMEM;
		}
		l->v = v;
		l->cap = nc;
	}
	l->v[l->n++] = *s;
	sstr_init(s);
	return 0;
}

int glob_compile(arena *ar, const sstr *s, bool cased, glob_pat *p)
{
	memset(p, 0, sizeof(*p));
	p->cased = cased;
	/* The wildcards, few, found with memchr (SigmaHQ's ~47,000 values
	 * average 64 bytes; a loop testing each byte was 8% of loading them
	 * all): how many '?', and whether every '*' is in the leading or the
	 * trailing run. */
	size_t n = s->n, lead = 0, trail = 0;
	bool ones = n && memchr(s->w, SW_ONE, n) != NULL, inner = false;
	while (lead < n && s->w[lead] == SW_STAR)
		lead++;
	while (trail < n - lead && s->w[n - 1 - trail] == SW_STAR)
		trail++;
	if (lead < n - trail)
		inner = memchr(s->w + lead, SW_STAR, n - trail - lead) != NULL;
	if (!ones && !inner) {
		/* exact, prefix, suffix or contains: only the literal is kept,
		 * lowercased unless cased (p->b is it; no marks) */
		size_t ln = n - lead - trail;
		char *b = arena_alloc_bytes(ar, ln + 1);
		if (!b)
			return SPOOR_ENOMEM;
		if (ln && cased)
			memcpy(b, s->b + lead, ln);
		else if (ln)
			ascii_lower(b, s->b + lead, ln);
		b[ln] = 0;
		p->b = b;
		p->n = ln;
		if (!lead && !trail)
			p->kind = GLOB_EXACT;
		else if (!lead || lead == n)
			p->kind = GLOB_PREFIX; /* all stars: the empty prefix */
		else if (!trail)
			p->kind = GLOB_SUFFIX;
		else
			p->kind = GLOB_CONTAINS;
		return 0;
	}
	/* the general matcher: bytes and marks in one block, runs of '*'
	 * collapsed (the wildcard bytes '*' and '?' are no letters) */
	p->kind = GLOB_GENERAL;
	p->b = arena_alloc_bytes(ar, 2 * (n + 1));
	if (!p->b)
		return SPOOR_ENOMEM;
	p->w = (uint8_t *)p->b + n + 1;
	if (cased)
		memcpy(p->b, s->b, n);
	else
		ascii_lower(p->b, s->b, n);
	memcpy(p->w, s->w, n);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (p->w[i] == SW_STAR && o && p->w[o - 1] == SW_STAR)
			continue;
		p->b[o] = p->b[i];
		p->w[o++] = p->w[i];
	}
	p->b[o] = 0;
	p->w[o] = 0;
	p->n = o;
	return 0;
}

const char *mem_icase_find(const char *h, size_t hn, const char *lo, size_t nn)
{
	if (nn == 0)
		return h;
	if (hn < nn)
		return NULL;
	unsigned char f = (unsigned char)lo[0];
	unsigned char fu = (f >= 'a' && f <= 'z') ? (unsigned char)(f - 32) : f;
	const char *end = h + hn - nn + 1;
	const char *p = h;
	while (p < end) {
		/* find the next position of the first byte in either case */
		const char *a = memchr(p, f, (size_t)(end - p));
		const char *b = fu != f ? memchr(p, fu, (size_t)(a ? a - p : end - p)) : NULL;
		const char *c = b ? b : a;
		if (!c)
			return NULL;
		size_t i = 1;
		while (i < nn && lower((unsigned char)c[i]) == (unsigned char)lo[i])
			i++;
		if (i == nn)
			return c;
		p = c + 1;
	}
	return NULL;
}

static bool eq_fold(const char *s, const char *lo, size_t n, bool cased)
{
	if (cased)
		return memcmp(s, lo, n) == 0;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != (unsigned char)lo[i])
			return false;
	return true;
}

/* Length of the UTF-8 character at s (1 for a stray byte). */
static size_t u8len(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t l = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (l > n)
		return 1;
	for (size_t i = 1; i < l; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			return 1;
	return l;
}

static bool glob_general(const glob_pat *g, const char *s, size_t sn)
{
	size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
	while (si < sn) {
		if (pi < g->n && g->w[pi] == SW_STAR) {
			star = pi++;
			mark = si;
			continue;
		}
		if (pi < g->n && g->w[pi] == SW_ONE) {
			pi++;
			si += u8len(s + si, sn - si);
			continue;
		}
		if (pi < g->n &&
		    (g->cased ? s[si] == g->b[pi] : lower((unsigned char)s[si]) == (unsigned char)g->b[pi])) {
			pi++;
			si++;
			continue;
		}
		if (star == (size_t)-1)
			return false;
		pi = star + 1;
		mark += u8len(s + mark, sn - mark);
		si = mark;
	}
	while (pi < g->n && g->w[pi] == SW_STAR)
		pi++;
	return pi == g->n;
}

bool glob_match(const glob_pat *g, const char *s, size_t n)
{
	switch (g->kind) {
	case GLOB_EXACT:
		return n == g->n && eq_fold(s, g->b, n, g->cased);
	case GLOB_PREFIX:
		return n >= g->n && eq_fold(s, g->b, g->n, g->cased);
	case GLOB_SUFFIX:
		return n >= g->n && eq_fold(s + n - g->n, g->b, g->n, g->cased);
	case GLOB_CONTAINS:
		if (g->cased)
			return g->n == 0 || (n >= g->n && memmem(s, n, g->b, g->n) != NULL);
		return mem_icase_find(s, n, g->b, g->n) != NULL;
	default:
		return glob_general(g, s, n);
	}
}
