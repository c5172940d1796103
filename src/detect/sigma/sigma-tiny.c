/* sigma-tiny — the prefilter's matcher for a field database of a few atoms
 * and a short value.
 *
 * Most field databases hold a handful of atoms (EventID, LogonType,
 * Channel, TargetUserName ...) and most Windows values are a few dozen
 * bytes.  A Vectorscan block scan of such a value costs ~1,000-1,400
 * instructions whatever its length (scratch checks, the literal matcher's
 * set-up over a minimum block, the Rose confirm and callback path); EVTX
 * events make ~4 such scans each.  This loop finds the same atoms in ~5
 * instructions per byte: per byte value (either case), the set of atoms
 * it begins; a caseless compare of those not yet seen.
 *
 * Semantics are those of the Vectorscan database it stands in for
 * (HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH, block mode): every atom that
 * occurs in the value, ASCII letters compared without case, other bytes
 * exactly, each atom reported once.  Atoms are lowercased by the
 * prefilter.  tests/unit/test-sigma-tiny.c checks it against Vectorscan on
 * random atoms and values. */
#include <stdlib.h>
#include <string.h>

#include "detect/sigma/sigma-int.h"

struct pf_tiny {
	uint32_t by[256]; /* byte (either case) -> the atoms it begins */
	size_t n;
	uint8_t len[PF_TINY_MAX_ATOMS];
	char lit[PF_TINY_MAX_ATOMS][PF_TINY_MAX_ATOM_LEN];
};

static inline unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

pf_tiny *pf_tiny_new(const char *const *lits, const size_t *lens, size_t n)
{
	if (n == 0 || n > PF_TINY_MAX_ATOMS)
		return NULL;
	for (size_t k = 0; k < n; k++)
		if (lens[k] == 0 || lens[k] > PF_TINY_MAX_ATOM_LEN)
			return NULL;
	pf_tiny *t = xcalloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->n = n;
	for (size_t k = 0; k < n; k++) {
		t->len[k] = (uint8_t)lens[k];
		for (size_t i = 0; i < lens[k]; i++)
			t->lit[k][i] = (char)lower((unsigned char)lits[k][i]);
		unsigned char f = (unsigned char)t->lit[k][0];
		t->by[f] |= 1u << k;
		if (f >= 'a' && f <= 'z')
			t->by[f - 32] |= 1u << k;
	}
	return t;
}

void pf_tiny_free(pf_tiny *t)
{
	free(t);
}

static inline bool ieq(const unsigned char *p, const char *lit, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(p[i]) != (unsigned char)lit[i])
			return false;
	return true;
}

uint32_t pf_tiny_scan(const pf_tiny *t, const char *v, size_t vn)
{
	const unsigned char *p = (const unsigned char *)v;
	uint32_t seen = 0, all = t->n == 32 ? 0xffffffffu : (1u << t->n) - 1;
	for (size_t i = 0; i < vn; i++) {
		uint32_t m = t->by[p[i]] & ~seen;
		while (m) {
			unsigned k = (unsigned)__builtin_ctz(m);
			m &= m - 1;
			if (t->len[k] <= vn - i && ieq(p + i + 1, t->lit[k] + 1, t->len[k] - 1)) {
				seen |= 1u << k;
				if (seen == all)
					return seen;
			}
		}
	}
	return seen;
}
