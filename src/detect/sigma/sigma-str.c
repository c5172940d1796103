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
#ifdef __SSE2__
#include <emmintrin.h>
#endif
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

/* The first byte is looked for with memchr (both cases) while it is
 * rare; after FIND_MISSES places where the rest did not follow, the
 * first and last bytes are looked for together, 16 or 32 places at a time,
 * each at its offset (the generic SIMD substring search), and a place
 * where both are is checked whole.  memchr alone stopped at every '=' of
 * a PowerShell ContextInfo ("Host Name = ...", 17 lines) for "Alternate
 * PowerShell Hosts"' '= powershell'.  Letters are compared with their
 * 0x20 bit set, which folds only their own two cases. */
#define FIND_MISSES 4

static bool mid_eq(const char *s, const char *lo, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != (unsigned char)lo[i])
			return false;
	return true;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* Places i .. last of h (i advanced past those looked at) for needle lo,
 * nn >= 2 bytes, 32 at a time. */
__attribute__((target("avx2"))) static const char *pair_find_avx2(const char *h, size_t *i, size_t last,
								   const char *lo, size_t nn)
{
	unsigned char f = (unsigned char)lo[0], l = (unsigned char)lo[nn - 1];
	const __m256i vf = _mm256_set1_epi8((char)f), vl = _mm256_set1_epi8((char)l);
	const __m256i mf = _mm256_set1_epi8((f >= 'a' && f <= 'z') ? 0x20 : 0);
	const __m256i ml = _mm256_set1_epi8((l >= 'a' && l <= 'z') ? 0x20 : 0);
	for (; *i + 32 <= last + 1; *i += 32) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(h + *i));
		__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(h + *i + nn - 1));
		__m256i eq = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_or_si256(a, mf), vf),
					      _mm256_cmpeq_epi8(_mm256_or_si256(b, ml), vl));
		for (unsigned m = (unsigned)_mm256_movemask_epi8(eq); m; m &= m - 1) {
			size_t k = *i + (size_t)__builtin_ctz(m);
			if (mid_eq(h + k + 1, lo + 1, nn - 2))
				return h + k;
		}
	}
	return NULL;
}
#endif

/* The same, 16 at a time (SSE2, which every x86-64 has). */
static const char *pair_find(const char *h, size_t *i, size_t last, const char *lo, size_t nn)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (__builtin_cpu_supports("avx2")) {
		const char *r = pair_find_avx2(h, i, last, lo, nn);
		if (r)
			return r;
	}
#endif
#ifdef __SSE2__
	unsigned char f = (unsigned char)lo[0], l = (unsigned char)lo[nn - 1];
	const __m128i vf = _mm_set1_epi8((char)f), vl = _mm_set1_epi8((char)l);
	const __m128i mf = _mm_set1_epi8((f >= 'a' && f <= 'z') ? 0x20 : 0);
	const __m128i ml = _mm_set1_epi8((l >= 'a' && l <= 'z') ? 0x20 : 0);
	for (; *i + 16 <= last + 1; *i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(h + *i));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(h + *i + nn - 1));
		__m128i eq =
		    _mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(a, mf), vf), _mm_cmpeq_epi8(_mm_or_si128(b, ml), vl));
		for (unsigned m = (unsigned)_mm_movemask_epi8(eq); m; m &= m - 1) {
			size_t k = *i + (size_t)__builtin_ctz(m);
			if (mid_eq(h + k + 1, lo + 1, nn - 2))
				return h + k;
		}
	}
#else
	(void)h;
	(void)i;
	(void)last;
	(void)lo;
	(void)nn;
#endif
	return NULL;
}

const char *mem_icase_find(const char *h, size_t hn, const char *lo, size_t nn)
{
	if (nn == 0)
		return h;
	if (hn < nn)
		return NULL;
	unsigned char f = (unsigned char)lo[0], fu = (f >= 'a' && f <= 'z') ? (unsigned char)(f - 32) : f;
	const char *end = h + hn - nn + 1, *p = h;
	for (int miss = 0; p < end && (miss < FIND_MISSES || nn == 1); miss++) {
		const char *a = memchr(p, f, (size_t)(end - p));
		const char *b = fu != f ? memchr(p, fu, (size_t)(a ? a - p : end - p)) : NULL;
		const char *c = b ? b : a;
		if (!c)
			return NULL;
		if (mid_eq(c + 1, lo + 1, nn - 1))
			return c;
		p = c + 1;
	}
	/* the first byte is common here: both ends at once */
	size_t i = (size_t)(p - h), last = hn - nn;
	if (i > last)
		return NULL;
	const char *r = pair_find(h, &i, last, lo, nn);
	if (r)
		return r;
	unsigned char l = (unsigned char)lo[nn - 1];
	for (; i <= last; i++)
		if (lower((unsigned char)h[i]) == f && lower((unsigned char)h[i + nn - 1]) == l &&
		    mid_eq(h + i + 1, lo + 1, nn - 2))
			return h + i;
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

/* How JSON writes a byte in a string: 0 as it is, the letter of its
 * two-byte escape, or 1 for \u00XX (a control character with no short
 * escape). */
static const char json_esc[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1,
    [0x08] = 'b', [0x09] = 't', [0x0a] = 'n', [0x0b] = 1, [0x0c] = 'f', [0x0d] = 'r', [0x0e] = 1, [0x0f] = 1,
    [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
    [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1,
    ['"'] = '"', ['\\'] = '\\',
};

/* The JSON-escaped form of the literal lo[0..n) in *out: lo itself when
 * nothing in it is escaped, else a copy in tmp (cap bytes).  Its length,
 * or SIZE_MAX when it does not fit or holds a control character JSON
 * writes as \u00XX. */
static size_t json_escape_lit(const char *lo, size_t n, char *tmp, size_t cap, const char **out)
{
	size_t i = 0;
	while (i < n && !json_esc[(unsigned char)lo[i]])
		i++;
	*out = lo;
	if (i == n)
		return n;
	if (i > cap)
		return SIZE_MAX;
	memcpy(tmp, lo, i);
	size_t o = i;
	for (; i < n; i++) {
		char e = json_esc[(unsigned char)lo[i]];
		if (e == 1 || o + 2 > cap)
			return SIZE_MAX;
		if (e)
			tmp[o++] = '\\';
		tmp[o++] = e ? e : lo[i];
	}
	*out = tmp;
	return o;
}

/* Whether s[at] begins a character of JSON-escaped bytes s: the run of
 * backslashes before it is even (an odd one ends in the backslash of an
 * escape whose second byte s[at] is). */
static bool esc_boundary(const char *s, size_t at)
{
	size_t k = 0;
	while (k < at && s[at - 1 - k] == '\\')
		k++;
	return (k & 1) == 0;
}

int glob_match_esc(const glob_pat *g, const char *s, size_t n)
{
	char tmp[GLOB_ESC_MAX];
	const char *e;
	if (g->kind == GLOB_GENERAL)
		return -1;
	size_t en = json_escape_lit(g->b, g->n, tmp, sizeof(tmp), &e);
	if (en == SIZE_MAX)
		return -1;
	switch (g->kind) {
	case GLOB_EXACT:
		return n == en && eq_fold(s, e, en, g->cased);
	case GLOB_PREFIX:
		return n >= en && eq_fold(s, e, en, g->cased);
	case GLOB_SUFFIX:
		return n >= en && eq_fold(s + n - en, e, en, g->cased) && esc_boundary(s, n - en);
	default:
		for (size_t at = 0; at + en <= n;) {
			const char *m = g->cased ? memmem(s + at, n - at, e, en) : mem_icase_find(s + at, n - at, e, en);
			if (!m)
				return 0;
			size_t i = (size_t)(m - s);
			if (esc_boundary(s, i))
				return 1;
			at = i + 1;
		}
		return 0;
	}
}
