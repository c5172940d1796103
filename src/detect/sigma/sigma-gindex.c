/* sigma-gindex — a hash index over the many values of one item.
 *
 * A rule may list hundreds of values for one field: "Potential System DLL
 * Sideloading From Non System Locations" has 443 `ImageLoaded|endswith`
 * DLL names.  Tried one by one, that was ~4,400 cycles each time the rule
 * ran (5,460 times over the bench JSON, a sixth of all rule programs'
 * time).  The index keys each caseless exact, prefix or suffix value by
 * its kind, length and bytes; a value's text is then looked up once per
 * distinct length (a suffix of each length the suffixes have, and so on),
 * and only the values found are compared (glob_match, so a hash
 * collision costs a comparison, never a wrong answer).
 *
 * Values with wildcards inside, cased values, contains, and values longer
 * than GIDX_MAX_LEN stay out and are tried one by one as before.
 *
 * Built at compile time in the rule file's arena, read only afterwards. */
#include <string.h>

#include "detect/sigma/sigma-int.h"

#define GIDX_MAX_LEN 255

enum { GK_EXACT = 0, GK_PREFIX, GK_SUFFIX, GK_N };

typedef struct gslot {
	uint32_t h;  /* hash word; a slot with m == 0 is empty */
	uint32_t m;  /* matcher index + 1 */
} gslot;

struct gindex {
	gslot *slot;
	uint32_t mask;
	uint16_t maxlen[GK_N];	 /* longest value of each kind (0: none) */
	uint16_t *lens[GK_N];	 /* the distinct lengths of each kind (exact: unused) */
	uint16_t nlens[GK_N];
};

static int gkind(const vmatch *v)
{
	if (v->kind != MK_GLOB || v->g.cased || !v->g.n || v->g.n > GIDX_MAX_LEN)
		return -1;
	switch (v->g.kind) {
	case GLOB_EXACT:
		return GK_EXACT;
	case GLOB_PREFIX:
		return GK_PREFIX;
	case GLOB_SUFFIX:
		return GK_SUFFIX;
	default:
		return -1;
	}
}

static uint32_t gkey(int kind, const char *lo, size_t n)
{
	return (uint32_t)(hash_bytes(lo, n, 0x6b1dull + (uint64_t)kind) >> 32);
}

int sigma_gindex_build(arena *ar, vmatch *m, size_t nm, const gindex **out)
{
	*out = NULL;
	size_t count = 0;
	for (size_t i = 0; i < nm; i++)
		count += gkind(&m[i]) >= 0;
	if (count < SIGMA_GINDEX_MIN)
		return 0;
	gindex *ix = arena_alloc(ar, sizeof(*ix));
	if (!ix)
		return SPOOR_ENOMEM;
	memset(ix, 0, sizeof(*ix));
	size_t ns = 16;
	while (ns < count * 2)
		ns *= 2;
	ix->slot = arena_alloc(ar, ns * sizeof(gslot));
	if (!ix->slot)
		return SPOOR_ENOMEM;
	memset(ix->slot, 0, ns * sizeof(gslot));
	ix->mask = (uint32_t)(ns - 1);
	/* the distinct lengths per kind, by a bitmap of lengths */
	uint8_t seen[GK_N][GIDX_MAX_LEN + 1];
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < nm; i++) {
		int k = gkind(&m[i]);
		if (k < 0)
			continue;
		size_t n = m[i].g.n;
		if (!seen[k][n]) {
			seen[k][n] = 1;
			ix->nlens[k]++;
		}
		if (n > ix->maxlen[k])
			ix->maxlen[k] = (uint16_t)n;
		uint32_t h = gkey(k, m[i].g.b, n);
		size_t s = h & ix->mask;
		while (ix->slot[s].m)
			s = (s + 1) & ix->mask;
		ix->slot[s] = (gslot){h, (uint32_t)i + 1};
		m[i].indexed = true;
	}
	for (int k = 0; k < GK_N; k++) {
		if (!ix->nlens[k])
			continue;
		ix->lens[k] = arena_alloc(ar, ix->nlens[k] * sizeof(uint16_t));
		if (!ix->lens[k])
			return SPOOR_ENOMEM;
		size_t o = 0;
		for (size_t n = 1; n <= GIDX_MAX_LEN; n++)
			if (seen[k][n])
				ix->lens[k][o++] = (uint16_t)n;
	}
	*out = ix;
	return 0;
}

/* Whether a value of kind k whose key bytes are lo[0..n) (lowercased) is
 * indexed and matches the text t. */
static bool probe(const gindex *ix, const vmatch *m, int k, const char *lo, size_t n, const char *t, size_t tn)
{
	uint32_t h = gkey(k, lo, n);
	for (size_t s = h & ix->mask; ix->slot[s].m; s = (s + 1) & ix->mask)
		if (ix->slot[s].h == h && glob_match(&m[ix->slot[s].m - 1].g, t, tn))
			return true;
	return false;
}

static void lower_into(char *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		o[i] = (char)((c >= 'A' && c <= 'Z') ? c | 0x20 : c);
	}
}

bool sigma_gindex_match(const gindex *ix, const vmatch *m, const char *t, size_t n)
{
	char lo[GIDX_MAX_LEN];
	if (ix->maxlen[GK_EXACT] && n <= ix->maxlen[GK_EXACT]) {
		lower_into(lo, t, n);
		if (probe(ix, m, GK_EXACT, lo, n, t, n))
			return true;
	}
	if (ix->maxlen[GK_PREFIX]) {
		size_t w = MIN(n, (size_t)ix->maxlen[GK_PREFIX]);
		lower_into(lo, t, w);
		for (size_t i = 0; i < ix->nlens[GK_PREFIX] && ix->lens[GK_PREFIX][i] <= w; i++)
			if (probe(ix, m, GK_PREFIX, lo, ix->lens[GK_PREFIX][i], t, n))
				return true;
	}
	if (ix->maxlen[GK_SUFFIX]) {
		size_t w = MIN(n, (size_t)ix->maxlen[GK_SUFFIX]);
		lower_into(lo, t + n - w, w);
		for (size_t i = 0; i < ix->nlens[GK_SUFFIX] && ix->lens[GK_SUFFIX][i] <= w; i++) {
			size_t l = ix->lens[GK_SUFFIX][i];
			if (probe(ix, m, GK_SUFFIX, lo + w - l, l, t, n))
				return true;
		}
	}
	return false;
}
