/* sigma-prefilter — literal atoms of all rules in Vectorscan databases, so
 * that a rule's program only runs when one of its necessary atoms was seen.
 *
 * Atoms.  A glob's atom is its longest run of literal bytes.  An item (one
 * field, non-negated, only glob values) needs one atom of each of its
 * values (OR), or, under `all`, of one of its values.  A map (items AND-ed)
 * needs the atoms of its best item; a search (maps OR-ed) the union of its
 * maps'.  A search with no such set has no atoms.
 *
 * A rule's necessary set is the union of its searches' atoms when the
 * condition is false whenever all searches with atoms are false, whatever
 * the searches without atoms are: checked by running the condition program
 * over every assignment of the atom-less searches (at most 2^12).  A rule
 * without a necessary set always runs.
 *
 * Keyword atoms are scanned for an event only when the logsource of one
 * of their rules selects it, and then with a database of just those
 * rules' keyword atoms (compiled on first use per set of groups, kept in
 * the scratch): the whole SigmaHQ set has ~660 keyword atoms, one Windows
 * event usually needs the 14 of "Mimikatz Use", and scanning every value
 * of every event with all 660 was half of the matcher's instructions.
 *
 * Matching.  One Vectorscan block-mode database per field, caseless and
 * single-match; an atom of a field with a logsource alternative
 * (NewProcessName for Image) goes into both fields' databases.  Per
 * event, each field that has a database is scanned once; every rule of a
 * reported atom becomes a candidate (generation-stamped, nothing to
 * clear). */
#include <hs.h>
#include <stdlib.h>
#include <string.h>

#include "detect/hscache.h"
#include "detect/hsrt.h"
#include "detect/sigma/sigma-int.h"
#include "event/event-int.h"

#define PF_MAX_FREE_SEARCHES 12
#ifndef PF_MAX_ATOM
#define PF_MAX_ATOM 16
#endif

/* 64 bytes: one cache line each (33,000 for SigmaHQ, looked up ~76,000
 * times while building). */
typedef struct pf_atom {
	uint32_t field;
	uint32_t n;
	char *lit;	  /* lowercased (in the prefilter's arena) */
	char *esc;	  /* keyword atoms: the JSON-escaped form when it differs (kw_raw_ok) */
	uint32_t *rules;  /* the rules it makes candidates */
	uint32_t *crules; /* the rules whose candidate check looks at it */
	uint32_t escn;
	uint32_t nrules, cap;
	uint32_t ncrules, ccap;
} pf_atom;
_Static_assert(sizeof(void *) != 8 || sizeof(pf_atom) == 64, "pf_atom: one cache line on 64-bit targets");

/* Candidate check words (see sigma_pf_check). */
#define CHK_TRUE  0xffffffffu
#define CHK_FALSE 0xfffffffeu
#define CHK_NONE  0xffffffffu /* chk_off: the rule has no check */
#ifndef PF_CHK_MIN_ATOM
#define PF_CHK_MIN_ATOM 2
#endif
#define PF_CHK_MAX_SEARCHES 64

typedef struct pf_db {
	uint32_t field;
	hs_database_t *db;
	uint32_t *pat; /* pattern id -> atom index */
	uint8_t *esc;  /* keyword database: pattern id -> 1 when it is the atom's escaped form */
	size_t n;      /* patterns */
	pf_tiny *tiny; /* a few short atoms: short values go through sigma-tiny.c */
	bool lines;    /* no atom holds a newline: a long value may go line by line (scan_lines) */
	hs_database_t *fac; /* keyword databases: a few short factors, one in every pattern (kw_factors) */
} pf_db;

struct sigma_prefilter {
	arena lits; /* the atoms' literals */
	hsrt_scan_fn scan; /* hs_scan or its AVX2 copy (detect/hsrt.h) */
	/* build-time dedup of atoms: (field, literal) -> atom index + 1 */
	/* atom index + 1 in the low 32 bits (0: empty), the key's hash in the
	 * high 32: a probe compares hashes before it loads an atom (the
	 * atoms of SigmaHQ take ~2 MB: a load each was a cache miss) */
	uint64_t *hslots;
	size_t nh;
	char *tmp;
	size_t tmpcap;
	pf_db *dbs;
	size_t ndbs;
	dbc_map *dbmap; /* the databases are in this cache file's bytes (hscache.h) */
	int32_t *fdb; /* field id -> db index, -1 */
	size_t nfdb;
	pf_atom *atoms;
	size_t natoms, capatoms;
	uint8_t *gated; /* per rule: 1 = runs only as a candidate */
	size_t nrules;
	size_t ngated;
	int32_t kwdb; /* the keyword items' database (atoms of field 0), or -1 */
	bool kwraw;   /* the keyword databases hold each atom's escaped form too */
	/* candidate checks: per rule, an offset into chk or CHK_NONE */
	uint32_t *chk_off;
	uint32_t *chk;
	/* per rule with a check: the program it ends in (the rule's plan's,
	 * which outlives the prefilter): the candidate loop then reads one
	 * dense array, not each candidate's rule and plan (a cache miss
	 * each, for the ~90% of candidates whose check fails first) */
	const sigma_cprog **chk_prog;
	size_t nchk, capchk;
	/* keyword atoms by logsource group: up to 64 groups hold keyword
	 * rules; bit b stands for group kwgroup[b]; kwmask[a] = the bits of
	 * atom a's rules (kw atoms only); kwsplit false = always the full db;
	 * kwbit[g] = the bit of group g, for the groups in kwsel */
	bool kwsplit;
	size_t nkwg;
	uint8_t *kwbit;	  /* by group */
	uint64_t *kwsel;  /* gwords words */
	uint64_t *kwmask; /* by atom index */
	/* per field database: the logsource groups its atoms' rules are in, a
	 * set of gwords words at dgroup + di * gwords, so that a field whose
	 * database holds no atom of a group the event selects is not scanned:
	 * its hits could only make candidates of rules that do not run */
	size_t gwords; /* 0: groups not known, every database is scanned */
	uint64_t *dgroup;
	char *cache_dir; /* hscache folder for the keyword databases made per group set, or NULL */
};

/* Scan results remembered per database (in the scratch): field values
 * repeat in logs (the same Image, Hashes, ImageLoaded, registry key
 * thousands of times), and a scan of a big database costs the same few
 * thousand instructions however short the value.  Direct-mapped by the
 * value's hash; the value itself is kept and compared, so a collision
 * costs a scan, never a wrong answer.  Only for databases of at least
 * PF_MEMO_MIN_ATOMS atoms and values of at most PF_MEMO_MAX_LEN bytes; a
 * value with more than PF_MEMO_HITS atoms is not remembered. */
#ifndef PF_MEMO_SLOTS
#define PF_MEMO_SLOTS 1024
#endif
#define PF_MEMO_MIN_ATOMS 64
#define PF_MEMO_MAX_LEN	  240
#define PF_MEMO_HITS	  7
#define PF_MEMO_SEED	  0x51ed27u
typedef struct memo_slot {
	uint64_t h;   /* 0 = empty */
	uint64_t pos; /* where the value went in the ring (an absolute position) */
	uint32_t hit[PF_MEMO_HITS];
	uint8_t nhit;
	uint8_t len;
} memo_slot;
/* The values are kept in a ring of PF_MEMO_RING bytes, not in a
 * PF_MEMO_MAX_LEN-byte cell per slot: most values are far shorter (paths,
 * hashes, key names), and the cells made each memo 280 KB (~8 MB for the
 * ~30 databases a hunt of Windows logs uses; fresh memory the kernel zeroes
 * first).  A slot's value is intact while fewer than PF_MEMO_RING bytes
 * were written to the ring after it (positions count from the first byte
 * ever written, so a slot whose bytes were overwritten is a miss, never a
 * wrong answer). */
#define PF_MEMO_RING (64u << 10)
typedef struct pf_memo {
	memo_slot *slot;
	char *ring;
	uint64_t pos; /* absolute position of the next write */
} pf_memo;

/* Long values (PF_MEMO_MAX_LEN < n <= PF_LMEMO_MAX_LEN) get a memo of
 * their own, for any database: a Sysmon process-access CallTrace (~600
 * bytes, its DLL names matching several atoms again and again, ~5 cycles
 * a byte) is the same for every access by the same program, but a
 * PowerShell ContextInfo (5 KB) carries a sequence number and never
 * repeats.  So the memo judges itself: after PF_LMEMO_PROBE lookups in a
 * database, fewer than one hit in PF_LMEMO_POOR sends that database's
 * long values straight to the scan for the next PF_LMEMO_REST, then it
 * tries again.  Values are kept whole (a collision costs a scan, never a
 * wrong answer), in at most PF_LMEMO_BYTES per scratch. */
#define PF_LMEMO_SLOTS	 64
#define PF_LMEMO_MAX_LEN 8192
#define PF_LMEMO_PROBE	 512
#define PF_LMEMO_POOR	 8
#define PF_LMEMO_REST	 16384
#define PF_LMEMO_BYTES	 ((size_t)8 << 20)
#define PF_LMEMO_SEED	 0x10e60u
typedef struct lmemo_slot {
	uint64_t h; /* 0 = empty */
	uint32_t len, cap;
	char *val;
	uint32_t hit[PF_MEMO_HITS];
	uint8_t nhit;
} lmemo_slot;
/* How a memo judges itself: after `probe` uses, less than 1/den of what
 * they looked at found in it sends the next `rest` uses past it. */
typedef struct pf_judge {
	uint32_t uses, rest;
	uint64_t found, seen; /* since the last judgement */
} pf_judge;
typedef struct pf_lmemo {
	lmemo_slot *slot; /* PF_LMEMO_SLOTS, made on first use */
	pf_judge whole;	  /* in lookups: hits of the long-value memo */
	pf_judge esc;	  /* the same, for scan_escaped's lookups */
	pf_judge lines;	  /* in bytes: scan_lines' finds in the memos */
} pf_lmemo;

/* A long value with newlines, in a database none of whose atoms holds one,
 * may be scanned line by line through the memos: the atoms found in the
 * lines are those found in the whole.  A PowerShell ContextInfo (5 KB, 17
 * lines) never repeats whole, but 99.5% of its bytes are in lines seen
 * before (host, engine, the encoded command line); only its sequence
 * number is new.  A script's lines mostly do not repeat, and a scan per
 * line costs more than one over the whole: after PF_LINES_PROBE values,
 * less than half of their bytes found in the memos sends the database's
 * long values whole for the next PF_LINES_REST. */
#define PF_LINES_PROBE 128
#define PF_LINES_REST  4096

/* The databases a field's values go through: its own and those of the
 * rule fields it stands for as an array element (Parameters.0.Name ->
 * Parameters); made on a field's first sight, per scratch (the field
 * table grows, its ids stay). */
typedef struct fplan {
	uint8_t done;
	uint8_t n;
	int32_t db[1 + ARR_MAX_CANDS];
} fplan;

/* The keyword scan of the joined text of the fields that are not in the
 * raw record is remembered too.  On JSON those are spoor's own ECS fields
 * (event.kind, event.action, event.category, event.outcome, user.name,
 * user.domain, related.user: ~70 bytes), the same for every event of one
 * kind and user; the scan was a second Vectorscan call per event (two with
 * the factors), ~300,000 of them over the 1.1 GB bench JSON.  Keyed by the
 * text and the keyword database the event uses; values kept whole. */
#define PF_KWMEMO_SLOTS 256
typedef struct kwmemo_slot {
	const struct pf_db *db;
	uint64_t h; /* 0 = empty */
	uint32_t hit[PF_MEMO_HITS];
	uint8_t nhit, len;
	char val[PF_MEMO_MAX_LEN];
} kwmemo_slot;

/* A keyword database for one set of groups (in the scratch). */
#define PF_KW_SETS 64
typedef struct kwset {
	uint64_t mask;
	pf_db d;
	dbc_map *map; /* d.db and d.fac are in this cache file's bytes */
} kwset;

struct sigma_pf_scratch {
	hs_scratch_t *hs;
	uint32_t *cand; /* per rule: generation when it became a candidate */
	size_t nrules;
	uint32_t gen;
	const sigma_prefilter *pf;
	arr_memo arr;	/* array-element fields -> the rule fields they stand for */
	fplan *fp;	/* by field id: the databases its values are scanned with */
	size_t nfp;
	/* by field id, nfp bits: 1 = fp says no database (most fields of an
	 * event: 25 of 37 in the bench's Windows records); the loop skips
	 * them on a bit instead of loading their 24-byte fplan */
	uint64_t *nodb;
	uint32_t *list; /* this event's candidates, in the order they were found */
	size_t nlist;
	/* the keyword database runs once over all string and number values,
	 * joined by NUL (no atom holds a NUL, so no match spans two values) */
	char *kw;
	size_t kwn, kwcap;
	const pf_db *kwd; /* this event's keyword database */
	kwset kws[PF_KW_SETS];
	size_t nkws;
	uint64_t kwlast; /* the mask kw_db_for answered last, and its answer */
	const pf_db *kwlastd;
	uint32_t *ahit; /* per atom: the generation it was last seen in */
	pf_memo *memo;	/* per database (slots allocated on first use) */
	pf_lmemo *lmemo;    /* per database, for long values */
	kwmemo_slot *kwm;   /* the keyword memo, PF_KWMEMO_SLOTS (made on first use) */
	size_t lmemo_bytes; /* held by the lmemo slots' values */
	char *dec;	    /* a line of a JSON-escaped value, decoded (scan_line_esc) */
	size_t deccap;
	/* the atoms of the scan being remembered */
	uint32_t rec[PF_MEMO_HITS];
	size_t nrec;
	bool recover; /* more than PF_MEMO_HITS */
};

/* A candidate atom set under construction: (field, literal) views into
 * the plans' arenas. */
typedef struct aref {
	uint32_t field;
	const char *p;
	size_t n;
} aref;

typedef struct aset {
	aref *v;
	size_t n, cap;
	bool none; /* no necessary set */
} aset;

static int aset_add(aset *s, uint32_t field, const char *p, size_t n)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 8;
		aref *v = xreallocarray(s->v, nc, sizeof(*v));
		if (!v)
			return SPOOR_ENOMEM;
		s->v = v;
		s->cap = nc;
	}
	s->v[s->n++] = (aref){field, p, n};
	return 0;
}

static size_t aset_min(const aset *s)
{
	size_t m = SIZE_MAX;
	for (size_t i = 0; i < s->n; i++)
		m = MIN(m, s->v[i].n);
	return s->n ? m : 0;
}

/* Longest literal run of a glob (its bytes are already lowercased unless cased). */
static bool glob_atom(const glob_pat *g, const char **p, size_t *n)
{
	size_t best = 0, bs = 0;
	if (g->kind != GLOB_GENERAL)
		best = g->n; /* one literal run, which is all g->b holds (most values) */
	else
		for (size_t i = 0; i < g->n;) {
			if (g->w[i]) {
				i++;
				continue;
			}
			size_t j = i;
			while (j < g->n && !g->w[j])
				j++;
			if (j - i > best) {
				best = j - i;
				bs = i;
			}
			i = j;
		}
	/* a part of a necessary literal is necessary too: keep the last
	 * PF_MAX_ATOM bytes (the ends of paths and names are the selective
	 * part), which makes atoms shared and the databases small */
	if (best > PF_MAX_ATOM) {
		bs += best - PF_MAX_ATOM;
		best = PF_MAX_ATOM;
	}
	*p = g->b + bs;
	*n = best;
	return best > 0;
}

static int item_atoms_g(const pitem *it, uint16_t grp, aset *out);
static int item_atoms(const pitem *it, aset *out)
{
	return item_atoms_g(it, it->nm ? it->m[0].grp : 0, out);
}

/* The atoms of an item; under `all`, of its value group grp. */
static int item_atoms_g(const pitem *it, uint16_t grp, aset *out)
{
	out->n = 0;
	out->none = true;
	/* a keyword (field-less) item's atoms go to field 0: the keyword
	 * database, scanned over every string and number field */
	if (it->neg || !it->nm)
		return 0;
	for (size_t i = 0; i < it->nm; i++)
		if (it->m[i].kind != MK_GLOB && it->m[i].kind != MK_RE)
			return 0;
	/* under `all`, the values of one group are enough (all must match) */
	for (size_t i = 0; i < it->nm; i++) {
		if (it->all && it->m[i].grp != grp)
			continue;
		const char *p;
		size_t n;
		bool ok = it->m[i].kind == MK_GLOB ? glob_atom(&it->m[i].g, &p, &n)
						     : sigma_re_atom(it->m[i].re, &p, &n); /* sigma-re.c */
		if (!ok)
			return 0;
		int r = aset_add(out, it->field, p, n);
		if (r == 0 && it->alt)
			r = aset_add(out, it->alt, p, n);
		if (r < 0)
			return r;
	}
	out->none = false;
	return 0;
}

static int search_atoms(const psearch *s, aset *out)
{
	out->n = 0;
	out->none = false;
	aset best = {0}, cur = {0};
	int rc = 0;
	for (size_t j = 0; j < s->n && rc == 0 && !out->none; j++) {
		const pmap *m = &s->maps[j];
		best.n = 0;
		best.none = true;
		for (size_t k = 0; k < m->n && rc == 0; k++) {
			rc = item_atoms(&m->items[k], &cur);
			if (rc < 0 || cur.none)
				continue;
			/* prefer the item whose shortest atom is longest, then fewer atoms */
			size_t cm = aset_min(&cur), bm = aset_min(&best);
			if (best.none || cm > bm || (cm == bm && cur.n < best.n)) {
				aset t = best;
				best = cur;
				cur = t;
			}
		}
		if (rc < 0)
			break;
		if (best.none) {
			out->none = true;
			break;
		}
		for (size_t i = 0; i < best.n && rc == 0; i++)
			rc = aset_add(out, best.v[i].field, best.v[i].p, best.v[i].n);
	}
	free(best.v);
	free(cur.v);
	return rc;
}

typedef struct assign {
	const uint8_t *has; /* per search: has atoms */
	const uint32_t *free_idx;
	size_t nfree;
	unsigned bits;
} assign;

static bool eval_assign(void *payload, uint32_t i)
{
	const assign *a = payload;
	if (a->has[i])
		return false;
	for (size_t k = 0; k < a->nfree; k++)
		if (a->free_idx[k] == i)
			return (a->bits >> k) & 1;
	return false;
}

/* Does the rule need one of its searches' atoms? */
static bool rule_gated(const sigma_plan *p, const uint8_t *has)
{
	uint32_t free_idx[PF_MAX_FREE_SEARCHES];
	size_t nfree = 0;
	for (size_t i = 0; i < p->ns; i++) {
		if (has[i])
			continue;
		if (nfree == PF_MAX_FREE_SEARCHES)
			return false;
		free_idx[nfree++] = (uint32_t)i;
	}
	assign a = {has, free_idx, nfree, 0};
	for (unsigned bits = 0; bits < (1u << nfree); bits++) {
		a.bits = bits;
		if (sigma_cprog_run(&p->prog, eval_assign, &a))
			return false;
	}
	return true;
}

/* How selective a search's atoms look: its shortest atom (numbers count
 * as one byte: EventIDs and codes are in every event of their kind), then
 * fewer atoms. */
static size_t search_score(const aset *a)
{
	size_t m = SIZE_MAX;
	for (size_t i = 0; i < a->n; i++) {
		size_t n = MIN(a->v[i].n, (size_t)PF_MAX_ATOM);
		bool digits = true;
		for (size_t k = 0; k < a->v[i].n && digits; k++)
			digits = a->v[i].p[k] >= '0' && a->v[i].p[k] <= '9';
		m = MIN(m, digits ? 1 : n);
	}
	return a->n ? m * 1024 + (1023 - MIN(a->n, (size_t)1023)) : 0;
}

/* Fewer trigger searches: a search whose atoms are needed only because
 * another one's are not (`selection_eid and selection_data`) is dropped
 * from has when the condition stays false with the rest false; the least
 * selective first.  Its atoms still serve the candidate check. */
static void trim_triggers(const sigma_plan *p, uint8_t *has, const aset *sets)
{
	size_t left = 0;
	for (size_t i = 0; i < p->ns; i++)
		left += has[i] != 0;
	while (left > 1) {
		size_t best = SIZE_MAX, bs = 0;
		for (size_t i = 0; i < p->ns; i++) {
			/* has[i] == 2: tried, needed */
			if (has[i] != 1)
				continue;
			size_t sc = search_score(&sets[i]);
			if (best == SIZE_MAX || sc < bs) {
				best = i;
				bs = sc;
			}
		}
		if (best == SIZE_MAX)
			break;
		has[best] = 0;
		if (rule_gated(p, has)) {
			left--;
		} else {
			has[best] = 2;
		}
	}
	for (size_t i = 0; i < p->ns; i++)
		has[i] = has[i] != 0;
}

static int hash_grow(sigma_prefilter *pf)
{
	size_t nn = pf->nh ? pf->nh * 2 : 4096;
	uint64_t *v = xcalloc(nn, sizeof(*v));
	if (!v)
		return SPOOR_ENOMEM;
	for (size_t i = 0; i < pf->nh; i++) {
		uint64_t e = pf->hslots[i];
		if (!e)
			continue;
		size_t h = (size_t)(e >> 32) & (nn - 1);
		while (v[h])
			h = (h + 1) & (nn - 1);
		v[h] = e;
	}
	free(pf->hslots);
	pf->hslots = v;
	pf->nh = nn;
	return 0;
}

/* Room in the atom table for `more` new atoms: the table does not grow
 * (and slots do not move) while they are added. */
static int atom_room(sigma_prefilter *pf, size_t more)
{
	while ((pf->natoms + more + 1) * 2 > pf->nh)
		if (hash_grow(pf) < 0)
			return SPOOR_ENOMEM;
	return 0;
}

/* Atom r lowercased into pf->tmp at offset at; its hash word. */
static int atom_lower(sigma_prefilter *pf, const aref *r, size_t at, uint32_t *hv)
{
	if (at + r->n + 1 > pf->tmpcap) {
		size_t nc = at + r->n + 256;
		char *t = xrealloc(pf->tmp, nc);
		if (!t)
			return SPOOR_ENOMEM;
		pf->tmp = t;
		pf->tmpcap = nc;
	}
	char *o = pf->tmp + at;
	for (size_t i = 0; i < r->n; i++) {
		unsigned char c = (unsigned char)r->p[i];
		o[i] = (char)((c >= 'A' && c <= 'Z') ? c | 0x20 : c);
	}
	*hv = (uint32_t)(hash_bytes(o, r->n, r->field) >> 32);
	return 0;
}

/* The index of the atom of field `field` whose lowercased bytes are
 * low[0..n) (hash word hv), made when new; atom_room first. */
static int atom_find(sigma_prefilter *pf, uint32_t field, const char *low, size_t n, uint32_t hv, uint32_t *idx)
{
	size_t h = hv & (pf->nh - 1);
	for (uint64_t e; (e = pf->hslots[h]) != 0; h = (h + 1) & (pf->nh - 1)) {
		if ((uint32_t)(e >> 32) != hv)
			continue;
		const pf_atom *x = &pf->atoms[(uint32_t)e - 1];
		if (x->field == field && x->n == n && !memcmp(x->lit, low, n)) {
			*idx = (uint32_t)e - 1;
			return 0;
		}
	}
	if (pf->natoms == pf->capatoms) {
		size_t nc = pf->capatoms ? pf->capatoms * 2 : 1024;
		pf_atom *v = xreallocarray(pf->atoms, nc, sizeof(*v));
		if (!v)
			return SPOOR_ENOMEM;
		pf->atoms = v;
		pf->capatoms = nc;
	}
	pf_atom *a = &pf->atoms[pf->natoms];
	memset(a, 0, sizeof(*a));
	a->field = field;
	a->n = (uint32_t)n; /* at most PF_MAX_ATOM */
	a->lit = arena_alloc_bytes(&pf->lits, n + 1);
	if (!a->lit)
		return SPOOR_ENOMEM;
	memcpy(a->lit, low, n);
	a->lit[n] = 0;
	pf->hslots[h] = (uint64_t)hv << 32 | ((uint32_t)pf->natoms + 1);
	*idx = (uint32_t)pf->natoms++;
	return 0;
}

/* The index of atom r (made when new) in *idx. */
static int atom_get(sigma_prefilter *pf, const aref *r, uint32_t *idx)
{
	uint32_t hv;
	int rc = atom_room(pf, 1);
	if (rc == 0)
		rc = atom_lower(pf, r, 0, &hv);
	return rc < 0 ? rc : atom_find(pf, r->field, pf->tmp, r->n, hv, idx);
}

/* Append rule to a list unless it is the last one already. */
static int rule_push(uint32_t **v, uint32_t *n, uint32_t *cap, uint32_t rule)
{
	if (*n && (*v)[*n - 1] == rule)
		return 0;
	if (*n == *cap) {
		if (*cap > UINT32_MAX / 2)
			return SPOOR_ENOMEM;
		uint32_t nc = *cap ? *cap * 2 : 2;
		uint32_t *nv = xreallocarray(*v, nc, sizeof(*nv));
		if (!nv)
			return SPOOR_ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = rule;
	return 0;
}

/* Atoms r[0..n) make `rule` a candidate.  A lookup's first probe is a
 * cache miss (SigmaHQ: ~60,000 atoms, a 1-2 MB table; half of the
 * lookups' time), so they go in batches: each batch's atoms lowercased
 * and hashed and their slots prefetched first, then looked up. */
#define PF_ATOM_BATCH 16
static int atoms_add(sigma_prefilter *pf, const aref *r, size_t n, uint32_t rule)
{
	int rc = atom_room(pf, n);
	for (size_t i = 0; i < n && rc == 0; i += PF_ATOM_BATCH) {
		size_t m = MIN(n - i, (size_t)PF_ATOM_BATCH), at[PF_ATOM_BATCH];
		uint32_t hv[PF_ATOM_BATCH];
		size_t off = 0;
		for (size_t k = 0; k < m && rc == 0; k++) {
			at[k] = off;
			rc = atom_lower(pf, &r[i + k], off, &hv[k]);
			off += r[i + k].n;
			if (rc == 0)
				__builtin_prefetch(&pf->hslots[hv[k] & (pf->nh - 1)]);
		}
		for (size_t k = 0; k < m && rc == 0; k++) {
			uint32_t ai;
			rc = atom_find(pf, r[i + k].field, pf->tmp + at[k], r[i + k].n, hv[k], &ai);
			if (rc == 0) {
				pf_atom *a = &pf->atoms[ai];
				rc = rule_push(&a->rules, &a->nrules, &a->cap, rule);
			}
		}
	}
	return rc;
}

static int chk_push(sigma_prefilter *pf, uint32_t w)
{
	if (pf->nchk == pf->capchk) {
		size_t nc = pf->capchk ? pf->capchk * 2 : 4096;
		uint32_t *v = xreallocarray(pf->chk, nc, sizeof(*v));
		if (!v)
			return SPOOR_ENOMEM;
		pf->chk = v;
		pf->capchk = nc;
	}
	pf->chk[pf->nchk++] = w;
	return 0;
}

/* Whether an item (under `all`: its value group g) can be checked by its
 * atoms: item_atoms gave a set, on a field (keyword atoms are scanned by
 * group, kw_db_for, and only for the rules they make candidates), none
 * shorter than PF_CHK_MIN_ATOM. */
static bool item_checkable(const pitem *it, uint16_t g, aset *tmp, int *rc)
{
	if (!it->field)
		return false;
	*rc = item_atoms_g(it, g, tmp);
	if (*rc < 0 || tmp->none || !tmp->n)
		return false;
	for (size_t i = 0; i < tmp->n; i++)
		if (tmp->v[i].n < PF_CHK_MIN_ATOM)
			return false;
	return true;
}

/* The checkable units of an item: the item, or under `all` each of its
 * value groups (all must match, so each group's atoms are needed).  Counts
 * them in *nit; with emit, appends each as its atom count and atom
 * indices. */
static int item_units(sigma_prefilter *pf, const pitem *it, uint32_t rule, aset *tmp, bool emit, size_t *nit)
{
	int rc = 0;
	for (size_t v = 0; v < it->nm && rc == 0;) {
		uint16_t g = it->m[v].grp;
		if (it->all)
			while (v < it->nm && it->m[v].grp == g)
				v++;
		else
			v = it->nm;
		if (!item_checkable(it, g, tmp, &rc))
			continue;
		++*nit;
		if (!emit)
			continue;
		rc = chk_push(pf, (uint32_t)tmp->n);
		for (size_t a = 0; a < tmp->n && rc == 0; a++) {
			uint32_t ai;
			rc = atom_get(pf, &tmp->v[a], &ai);
			if (rc == 0)
				rc = chk_push(pf, ai);
			if (rc == 0) {
				pf_atom *x = &pf->atoms[ai];
				rc = rule_push(&x->crules, &x->ncrules, &x->ccap, rule);
			}
		}
	}
	return rc;
}

/* The candidate check of a gated rule (sigma_pf_check): the number of
 * searches, then per search CHK_FALSE (not used, or used only under `not`:
 * its best case is false), CHK_TRUE (some map has no unit that can be
 * checked), or the number of maps, then per map the number of its units
 * (item_units) and each unit.  Rules whose condition uses a search both
 * ways, or with more than PF_CHK_MAX_SEARCHES searches, get no check. */
static int build_check(sigma_prefilter *pf, const sigma_plan *p, uint32_t rule, aset *tmp)
{
	const sigma_cprog *prog = &p->prog;
	if (!prog->pol || p->ns > PF_CHK_MAX_SEARCHES)
		return 0;
	for (size_t i = 0; i < p->ns; i++)
		if (prog->pol[i] == (SPOL_POS | SPOL_NEG))
			return 0;
	size_t start = pf->nchk;
	bool useful = false;
	int rc = chk_push(pf, (uint32_t)p->ns);
	for (size_t i = 0; i < p->ns && rc == 0; i++) {
		const psearch *se = &p->s[i];
		if (prog->pol[i] != SPOL_POS) {
			rc = chk_push(pf, CHK_FALSE);
			continue;
		}
		bool always = se->n == 0;
		for (size_t j = 0; j < se->n && !always && rc == 0; j++) {
			size_t nit = 0;
			for (size_t k = 0; k < se->maps[j].n && rc == 0; k++)
				rc = item_units(pf, &se->maps[j].items[k], rule, tmp, false, &nit);
			always = nit == 0;
		}
		if (rc < 0)
			break;
		if (always) {
			rc = chk_push(pf, CHK_TRUE);
			continue;
		}
		useful = true;
		rc = chk_push(pf, (uint32_t)se->n);
		for (size_t j = 0; j < se->n && rc == 0; j++) {
			const pmap *m = &se->maps[j];
			size_t at = pf->nchk, nit = 0;
			rc = chk_push(pf, 0);
			for (size_t k = 0; k < m->n && rc == 0; k++)
				rc = item_units(pf, &m->items[k], rule, tmp, true, &nit);
			if (rc == 0)
				pf->chk[at] = (uint32_t)nit;
		}
	}
	if (rc < 0)
		return rc;
	if (useful) {
		pf->chk_off[rule] = (uint32_t)start;
		pf->chk_prog[rule] = prog;
	} else
		pf->nchk = start;
	return 0;
}

/* The atom indices ordered by field, in the order the atoms were made
 * within a field (a counting sort: field ids are small).  The atoms stay
 * where they are, so the indices in the rules' checks stay valid. */
static uint32_t *atom_order(const sigma_prefilter *pf, uint32_t maxf)
{
	size_t *at = xcalloc((size_t)maxf + 2, sizeof(*at));
	uint32_t *ord = xmalloc((pf->natoms + 1) * sizeof(*ord));
	if (!at || !ord) {
		free(at);
		free(ord);
		return NULL;
	}
	for (size_t i = 0; i < pf->natoms; i++)
		at[pf->atoms[i].field + 1]++;
	for (size_t f = 1; f <= (size_t)maxf + 1; f++)
		at[f] += at[f - 1];
	for (size_t i = 0; i < pf->natoms; i++)
		ord[at[pf->atoms[i].field]++] = (uint32_t)i;
	free(at);
	return ord;
}

/* The JSON-escaped form of a keyword atom (`\` and `"` escaped), so
 * that the keyword database can run over the raw bytes of a JSON string
 * instead of its decoded text (kw_raw_ok).  ESC_NONE when the form is the
 * atom itself, ESC_MADE when a new one was made, ESC_CTL when the atom
 * holds a control character (its raw form is not one string), or
 * SPOOR_ENOMEM. */
enum { ESC_NONE = 0, ESC_MADE, ESC_CTL };
static int atom_escape(pf_atom *a)
{
	size_t extra = 0;
	for (size_t i = 0; i < a->n; i++) {
		unsigned char c = (unsigned char)a->lit[i];
		if (c < 0x20 || c == 0x7f)
			return ESC_CTL;
		extra += c == '\\' || c == '"';
	}
	if (!extra)
		return ESC_NONE;
	a->esc = xmalloc(a->n + extra + 1);
	if (!a->esc)
		return SPOOR_ENOMEM;
	size_t o = 0;
	for (size_t i = 0; i < a->n; i++) {
		if (a->lit[i] == '\\' || a->lit[i] == '"')
			a->esc[o++] = '\\';
		a->esc[o++] = a->lit[i];
	}
	a->esc[o] = 0;
	a->escn = (uint32_t)o;
	return ESC_MADE;
}

/* Factors of a keyword database.  Its atoms are scanned for over every
 * value (or the raw record) of every event of their groups: for Windows,
 * the 20 keywords of "Mimikatz Use" over ~3.5 KB per JSON record.  13 of
 * them hold "::", the rest "kiwi" or "mimi": a database of those three
 * scans in half the time of the full one (0.43 against 0.82 cycles per
 * byte here), and only a record that holds one (2.4% of the Windows
 * sample) is scanned with the full database.  Greedy: the substring of 2
 * to 4 bytes of the patterns not yet covered that covers most of them,
 * shorter ones weighed down (more common in text), until every pattern
 * has one; more than PF_KW_FACTORS, or not fewer than half the patterns:
 * none (NULL).  A 2-byte factor of letters, digits or spaces is never
 * taken: with "ESX Admins" (CVE-2024-37085) and "Kiwi Legit Printer" (its
 * atom "wi legit printer") in the set of Windows Security events, "in"
 * covered both, and nearly every Security record then went through both
 * databases (51% of the factor checks on the bench's Security records
 * passed, 8.3% since).  Sets of more than PF_KW_FACTOR_MAX_PATTERNS
 * patterns, or with a pattern longer than PF_KW_FACTOR_MAX_LEN, are not
 * tried (a few factors rarely cover more; the count table then always has
 * room). */
#define PF_KW_FACTOR_MIN_PATTERNS 8 /* fewer: the full database is about as fast */
#define PF_KW_FACTOR_MAX_PATTERNS 32
#define PF_KW_FACTOR_MAX_LEN	  32 /* 32 patterns x 3 lengths x 32 offsets < the table's 4096 */
/* A byte that makes a 2-byte factor common in text: letters, digits, space
 * ("in", "er", "e " occur several times in every record). */
static bool kw_common(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ';
}

size_t sigma_kw_factor_pick(const char *const *pat, const size_t *len, size_t n, char fac[][4], size_t *flen)
{
	/* a few factors cover a small set or none: big sets are not tried */
	if (n < PF_KW_FACTOR_MIN_PATTERNS || n > PF_KW_FACTOR_MAX_PATTERNS)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (len[i] > PF_KW_FACTOR_MAX_LEN)
			return 0;
	bool cov[PF_KW_FACTOR_MAX_PATTERNS] = {0};
	/* substrings of 2-4 bytes (lowercased: the patterns are) as keys: the
	 * bytes, and the length in the top byte; per key, how many uncovered
	 * patterns hold it (last: the last pattern counted) */
	enum { NS = 4096 };
	static const double weight[5] = {0, 0, 0.6, 0.8, 1.0};
	uint64_t *key = xmalloc(NS * sizeof(*key));
	uint32_t *cnt = xmalloc(NS * sizeof(*cnt)), *last = xmalloc(NS * sizeof(*last));
	if (!key || !cnt || !last) {
		free(key);
		free(cnt);
		free(last);
		return 0;
	}
	size_t nf = 0, left = n;
	while (left && nf < PF_KW_FACTORS) {
		memset(key, 0, NS * sizeof(*key));
		double best = 0;
		uint64_t bk = 0;
		for (size_t i = 0; i < n; i++) {
			if (cov[i])
				continue;
			for (size_t l = 2; l <= 4; l++)
				for (size_t o = 0; o + l <= len[i]; o++) {
					if (l == 2 && (kw_common(pat[i][o]) || kw_common(pat[i][o + 1])))
						continue;
					uint64_t k = (uint64_t)l << 56;
					for (size_t q = 0; q < l; q++)
						k |= (uint64_t)(unsigned char)pat[i][o + q] << (8 * q);
					size_t h = (size_t)((k * 0x9e3779b97f4a7c15ull) >> 52) & (NS - 1);
					while (key[h] && key[h] != k)
						h = (h + 1) & (NS - 1);
					if (!key[h]) {
						key[h] = k;
						cnt[h] = 0;
						last[h] = UINT32_MAX;
					}
					if (last[h] != i) {
						last[h] = (uint32_t)i;
						cnt[h]++;
					}
					double sc = cnt[h] * weight[l];
					if (sc > best) {
						best = sc;
						bk = k;
					}
				}
		}
		if (!bk)
			break;
		size_t bl = (size_t)(bk >> 56);
		for (size_t q = 0; q < bl; q++)
			fac[nf][q] = (char)(bk >> (8 * q));
		flen[nf] = bl;
		for (size_t j = 0; j < n; j++)
			if (!cov[j] && mem_icase_find(pat[j], len[j], fac[nf], bl)) {
				cov[j] = true;
				left--;
			}
		nf++;
	}
	free(key);
	free(cnt);
	free(last);
	return left || nf * 2 > n ? 0 : nf;
}

#define PF_FAC_FLAGS (HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH)

/* The factors of a keyword database, last in its database cache key: the
 * factor database goes to the cache with the set (after its databases),
 * so no run compiles it again. */
static void key_factors(dbc_key *k, char fac[][4], const size_t *flen, size_t nf)
{
	uint64_t cnt = nf;
	dbc_key_add(k, &cnt, sizeof(cnt));
	for (size_t q = 0; q < nf; q++)
		dbc_key_lit(k, fac[q], flen[q], PF_FAC_FLAGS);
}

/* The database of nf factors (sigma_kw_factor_pick), or NULL. */
static hs_database_t *kw_factor_db(char fac[][4], const size_t *flen, size_t nf, const hs_platform_info_t *plat)
{
	if (!nf)
		return NULL;
	const char *ex[PF_KW_FACTORS];
	unsigned fl[PF_KW_FACTORS], ids[PF_KW_FACTORS];
	for (size_t k = 0; k < nf; k++) {
		ex[k] = fac[k];
		fl[k] = PF_FAC_FLAGS;
		ids[k] = (unsigned)k;
	}
	hs_database_t *db = NULL;
	hs_compile_error_t *err = NULL;
	if (hs_compile_lit_multi(ex, fl, ids, flen, (unsigned)nf, HS_MODE_BLOCK, plat, &db, &err) != HS_SUCCESS) {
		hs_free_compile_error(err);
		return NULL;
	}
	return db;
}

/* One database per field, compiled, or read from the cache folder when
 * the same literals were compiled before (detect/hscache.c).  The keyword
 * database (field 0) also holds the escaped form of its atoms. */
static int build_dbs(sigma_prefilter *pf, const char *cache_dir, spoor_diag *diag)
{
	uint32_t maxf = 0;
	for (size_t i = 0; i < pf->natoms; i++)
		maxf = MAX(maxf, pf->atoms[i].field);
	uint32_t *ord = atom_order(pf, maxf);
	if (!ord)
		return SPOOR_ENOMEM;
	pf->nfdb = (size_t)maxf + 1;
	pf->fdb = xmalloc(pf->nfdb * sizeof(int32_t));
	if (!pf->fdb) {
		free(ord);
		return SPOOR_ENOMEM;
	}
	for (size_t i = 0; i < pf->nfdb; i++)
		pf->fdb[i] = -1;
	size_t nf = 0;
	for (size_t i = 0; i < pf->natoms; i++)
		if (!i || pf->atoms[ord[i]].field != pf->atoms[ord[i - 1]].field)
			nf++;
	size_t nesc = 0;
	pf->kwraw = true;
	for (size_t i = 0; i < pf->natoms && pf->atoms[ord[i]].field == 0; i++) {
		int e = atom_escape(&pf->atoms[ord[i]]);
		if (e < 0) {
			free(ord);
			return e;
		}
		pf->kwraw &= e != ESC_CTL;
		nesc += e == ESC_MADE;
	}
	size_t npat = pf->natoms + nesc;
	pf->dbs = xcalloc(nf + 1, sizeof(*pf->dbs));
	const char **ex = xmalloc((npat + 1) * sizeof(*ex));
	unsigned *fl = xmalloc((npat + 1) * sizeof(*fl));
	unsigned *ids = xmalloc((npat + 1) * sizeof(*ids));
	size_t *lens = xmalloc((npat + 1) * sizeof(*lens));
	size_t *first = xmalloc((nf + 1) * sizeof(*first));
	hs_database_t **hdb = xcalloc(nf + 1, sizeof(*hdb));
	hs_platform_info_t pl;
	const hs_platform_info_t *plat = hsrt_platform(pf->scan, &pl);
	dbc_key *key = cache_dir && *cache_dir ? dbc_key_new(nf, plat) : NULL;
	int rc = 0;
	if (!pf->dbs || !ex || !fl || !ids || !lens || !first || !hdb)
		rc = SPOOR_ENOMEM;
	/* the patterns of every database, in order (atoms by field) */
	size_t pc = 0;
	for (size_t i = 0, k = 0; rc == 0 && i < pf->natoms;) {
		size_t j = i, ne = 0;
		while (j < pf->natoms && pf->atoms[ord[j]].field == pf->atoms[ord[i]].field)
			ne += pf->atoms[ord[j++]].esc != NULL;
		pf_db *d = &pf->dbs[pf->ndbs];
		d->field = pf->atoms[ord[i]].field;
		d->n = j - i + ne;
		d->pat = xmalloc(d->n * sizeof(*d->pat));
		d->esc = ne ? xcalloc(d->n, 1) : NULL;
		if (!d->pat || (ne && !d->esc)) {
			rc = SPOOR_ENOMEM;
			break;
		}
		first[k++] = pc;
		uint64_t cnt = d->n;
		dbc_key_add(key, &cnt, sizeof(cnt));
		for (size_t q = i; q < j; q++) {
			const pf_atom *a = &pf->atoms[ord[q]];
			for (int form = 0; form < 2; form++) {
				if (form && !a->esc)
					break;
				ex[pc] = form ? a->esc : a->lit;
				lens[pc] = form ? a->escn : a->n;
				fl[pc] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
				ids[pc] = (unsigned)(pc - first[k - 1]);
				d->pat[ids[pc]] = ord[q];
				if (form)
					d->esc[ids[pc]] = 1;
				dbc_key_lit(key, ex[pc], lens[pc], fl[pc]);
				pc++;
			}
		}
		pf->fdb[d->field] = (int32_t)pf->ndbs;
		pf->ndbs++;
		i = j;
	}
	/* the keyword database's factors (field 0 sorts first): their
	 * database is cached after the others, hdb[ndbs] */
	char fac[PF_KW_FACTORS][4];
	size_t flen[PF_KW_FACTORS], kwnf = 0;
	if (rc == 0 && pf->ndbs && pf->dbs[0].field == 0)
		kwnf = sigma_kw_factor_pick(ex, lens, pf->ndbs > 1 ? first[1] : pc, fac, flen);
	key_factors(key, fac, flen, kwnf);
	size_t nset = pf->ndbs + (kwnf > 0);
	char path[4096] = "";
	bool cached = rc == 0 && key && dbc_load(key, cache_dir, hdb, nset, path, sizeof(path), &pf->dbmap);
	for (size_t k = 0; rc == 0 && !cached && k < pf->ndbs; k++) {
		size_t i = first[k], n = (k + 1 < pf->ndbs ? first[k + 1] : pc) - i;
		hs_compile_error_t *err = NULL;
		if (hs_compile_lit_multi(ex + i, fl + i, ids + i, lens + i, (unsigned)n, HS_MODE_BLOCK, plat, &hdb[k],
					 &err) != HS_SUCCESS) {
			rc = diag_set(diag, SPOOR_ERR, "Vectorscan: %s", err && err->message ? err->message : "?");
			hs_free_compile_error(err);
			hdb[k] = NULL;
		}
	}
	if (rc == 0 && !cached && kwnf)
		hdb[pf->ndbs] = kw_factor_db(fac, flen, kwnf, plat);
	if (rc == 0 && !cached && key && (!kwnf || hdb[pf->ndbs]))
		dbc_store(cache_dir, path, hdb, nset);
	if (rc == 0 && kwnf)
		pf->dbs[0].fac = hdb[pf->ndbs];
	for (size_t k = 0; hdb && k < pf->ndbs; k++)
		pf->dbs[k].db = hdb[k];
	/* small field databases: the tiny matcher for short values (the
	 * keyword database, with its escaped forms, always scans) */
	for (size_t k = 0; rc == 0 && k < pf->ndbs; k++) {
		pf_db *d = &pf->dbs[k];
		d->lines = d->field != 0 && !d->esc;
		for (size_t q = 0; q < d->n && d->lines; q++)
			d->lines = !memchr(pf->atoms[d->pat[q]].lit, '\n', pf->atoms[d->pat[q]].n);
		if (d->field == 0 || d->esc || d->n > PF_TINY_MAX_ATOMS)
			continue;
		const char *tl[PF_TINY_MAX_ATOMS];
		size_t tn[PF_TINY_MAX_ATOMS];
		for (size_t q = 0; q < d->n; q++) {
			tl[q] = pf->atoms[d->pat[q]].lit;
			tn[q] = pf->atoms[d->pat[q]].n;
		}
		d->tiny = pf_tiny_new(tl, tn, d->n); /* NULL: Vectorscan only */
	}
	dbc_key_free(key);
	free(hdb);
	free(first);
	free(ex);
	free(fl);
	free(ids);
	free(lens);
	free(ord);
	if (rc < 0)
		return rc;
	pf->kwdb = pf->fdb[0];
	pf->fdb[0] = -1;
	return 0;
}

/* The value atoms of the rules that run on every event of their groups
 * (not gated).  Such a rule's values are tried on every event: "Alternate
 * PowerShell Hosts - PowerShell Module" (ContextInfo|contains: '*', then
 * six filters) looked for '= powershell' through each PowerShell module
 * event's ContextInfo (5 KB), and mostly did not find it.  So each
 * contains (or inner-wildcard) value of such a rule, on a field that has a
 * database anyway, gets its atom in that database (glob_pat.atom), and the
 * matcher tries the value only when the scan saw the atom: a value cannot
 * match without it, the same fact the gating rests on.  The rule goes in
 * the atom's crules so that the database is scanned for its groups.
 * Values of fields with a logsource alternative are left alone (the
 * alternative's atom would be a second one to look at), and atoms shorter
 * than PF_PRUNE_MIN_ATOM bytes are not worth a lookup.  Plans are written
 * here, once per build, before any matcher runs (spoor_matcher_new). */
#define PF_PRUNE_MIN_ATOM 4
static void set_atom(const glob_pat *g, uint32_t v)
{
	((glob_pat *)g)->atom = v; /* the plans' one field the prefilter owns */
}

static int prune_atoms(sigma_prefilter *pf, const sigma_plan *const *plans, size_t n)
{
	uint32_t maxf = 0;
	for (size_t i = 0; i < pf->natoms; i++)
		maxf = MAX(maxf, pf->atoms[i].field);
	uint8_t *hasdb = xcalloc((size_t)maxf + 1, 1);
	if (!hasdb)
		return SPOOR_ENOMEM;
	for (size_t i = 0; i < pf->natoms; i++)
		hasdb[pf->atoms[i].field] = 1;
	int rc = 0;
	for (size_t r = 0; r < n && rc == 0; r++) {
		const sigma_plan *p = plans[r];
		for (size_t i = 0; p && i < p->ns && rc == 0; i++)
			for (size_t j = 0; j < p->s[i].n && rc == 0; j++)
				for (size_t k = 0; k < p->s[i].maps[j].n && rc == 0; k++) {
					const pitem *it = &p->s[i].maps[j].items[k];
					bool use = !pf->gated[r] && it->field && !it->alt && it->field <= maxf &&
						   hasdb[it->field];
					for (size_t v = 0; v < it->nm && rc == 0; v++) {
						const vmatch *m = &it->m[v];
						if (m->kind != MK_GLOB)
							continue;
						set_atom(&m->g, 0);
						const char *ap;
						size_t an;
						if (!use || (m->g.kind != GLOB_CONTAINS && m->g.kind != GLOB_GENERAL) ||
						    !glob_atom(&m->g, &ap, &an) || an < PF_PRUNE_MIN_ATOM)
							continue;
						aref a = {it->field, ap, an};
						uint32_t ai;
						rc = atom_get(pf, &a, &ai);
						if (rc == 0)
							rc = rule_push(&pf->atoms[ai].crules, &pf->atoms[ai].ncrules,
								       &pf->atoms[ai].ccap, (uint32_t)r);
						if (rc == 0)
							set_atom(&m->g, ai + 1);
					}
				}
	}
	free(hasdb);
	return rc;
}

int sigma_pf_build(sigma_prefilter **out, const sigma_plan *const *plans, size_t n, const char *cache_dir,
		   spoor_diag *diag)
{
	sigma_prefilter *pf = xcalloc(1, sizeof(*pf));
	if (!pf)
		return SPOOR_ENOMEM;
	arena_init(&pf->lits, 64u << 10, 0);
	pf->scan = hsrt_scanner();
	pf->nrules = n;
	pf->gated = xcalloc(n + 1, 1);
	pf->chk_off = xmalloc((n + 1) * sizeof(uint32_t));
	pf->chk_prog = xcalloc(n + 1, sizeof(*pf->chk_prog));
	int rc = pf->gated && pf->chk_off && pf->chk_prog ? 0 : SPOOR_ENOMEM;
	for (size_t r = 0; rc == 0 && r <= n; r++)
		pf->chk_off[r] = CHK_NONE;
	aset ctmp = {0};
	aset *sets = NULL;
	uint8_t *has = NULL;
	size_t cap = 0;
	for (size_t r = 0; r < n && rc == 0; r++) {
		const sigma_plan *p = plans[r];
		if (!p)
			continue;
		if (p->ns > cap) {
			aset *ns = xreallocarray(sets, p->ns, sizeof(*ns));
			if (!ns) {
				rc = SPOOR_ENOMEM;
				break;
			}
			memset(ns + cap, 0, (p->ns - cap) * sizeof(*ns));
			sets = ns;
			uint8_t *nh = xrealloc(has, 2 * p->ns);
			if (!nh) {
				rc = SPOOR_ENOMEM;
				break;
			}
			has = nh;
			cap = p->ns;
		}
		bool any = false, anypos = false;
		for (size_t i = 0; i < p->ns && rc == 0; i++) {
			rc = search_atoms(&p->s[i], &sets[i]);
			has[i] = rc == 0 && !sets[i].none && sets[i].n;
			any |= has[i];
			anypos |= has[i] && p->prog.pol && p->prog.pol[i] == SPOL_POS;
		}
		if (rc < 0 || !any)
			continue;
		/* the atoms of the searches outside `not` are enough when the
		 * condition is false without them (`keywords and not filter`:
		 * the filter's atoms would only make useless candidates) */
		bool gated = false;
		if (anypos) {
			uint8_t *pos = has + p->ns; /* the second half of has */
			for (size_t i = 0; i < p->ns; i++)
				pos[i] = has[i] && p->prog.pol[i] == SPOL_POS;
			if (rule_gated(p, pos)) {
				memcpy(has, pos, p->ns);
				gated = true;
			}
		}
		if (!gated && !rule_gated(p, has))
			continue;
		trim_triggers(p, has, sets);
		for (size_t i = 0; i < p->ns && rc == 0; i++)
			if (has[i])
				rc = atoms_add(pf, sets[i].v, sets[i].n, (uint32_t)r);
		if (rc == 0) {
			pf->gated[r] = 1;
			pf->ngated++;
			rc = build_check(pf, p, (uint32_t)r, &ctmp);
		}
	}
	free(ctmp.v);
	for (size_t i = 0; i < cap; i++)
		free(sets[i].v);
	free(sets);
	free(has);
	if (rc == 0)
		rc = prune_atoms(pf, plans, n);
	free(pf->hslots);
	pf->hslots = NULL;
	free(pf->tmp);
	pf->tmp = NULL;
	if (rc == 0)
		rc = build_dbs(pf, cache_dir, diag);
	if (rc == 0 && cache_dir && *cache_dir && !(pf->cache_dir = xstrndup(cache_dir, strlen(cache_dir))))
		rc = SPOOR_ENOMEM;
	if (rc < 0) {
		sigma_pf_free(pf);
		return rc == SPOOR_ENOMEM ? diag_set(diag, rc, "out of memory") : rc;
	}
	*out = pf;
	return 0;
}

void sigma_pf_free(sigma_prefilter *pf)
{
	if (!pf)
		return;
	for (size_t i = 0; i < pf->ndbs; i++) {
		pf_tiny_free(pf->dbs[i].tiny);
		if (!pf->dbmap) {
			hs_free_database(pf->dbs[i].fac);
			hs_free_database(pf->dbs[i].db);
		}
		free(pf->dbs[i].pat);
		free(pf->dbs[i].esc);
	}
	dbc_unmap(pf->dbmap);
	free(pf->dbs);
	free(pf->fdb);
	free(pf->cache_dir);
	arena_done(&pf->lits);
	for (size_t i = 0; i < pf->natoms; i++) {
		free(pf->atoms[i].esc);
		free(pf->atoms[i].rules);
		free(pf->atoms[i].crules);
	}
	free(pf->chk);
	free(pf->chk_off);
	free(pf->chk_prog);
	free(pf->atoms);
	free(pf->gated);
	free(pf->hslots);
	free(pf->tmp);
	free(pf->dgroup);
	free(pf->kwbit);
	free(pf->kwsel);
	free(pf->kwmask);
	free(pf);
}

void sigma_pf_counts(const sigma_prefilter *pf, size_t *gated, size_t *atoms, size_t *dbs)
{
	*gated = pf ? pf->ngated : 0;
	*atoms = pf ? pf->natoms : 0;
	*dbs = pf ? pf->ndbs : 0;
}

int sigma_pf_scratch_new(sigma_pf_scratch **out, const sigma_prefilter *pf)
{
	sigma_pf_scratch *s = xcalloc(1, sizeof(*s));
	if (!s)
		return SPOOR_ENOMEM;
	s->pf = pf;
	s->nrules = pf->nrules;
	s->cand = xcalloc(pf->nrules + 1, sizeof(uint32_t));
	s->list = xcalloc(pf->nrules + 1, sizeof(uint32_t));
	s->ahit = xcalloc(pf->natoms + 1, sizeof(uint32_t));
	s->memo = xcalloc(pf->ndbs + 1, sizeof(*s->memo));
	s->lmemo = xcalloc(pf->ndbs + 1, sizeof(*s->lmemo));
	if (!s->cand || !s->list || !s->ahit || !s->memo || !s->lmemo) {
		sigma_pf_scratch_free(s);
		return SPOOR_ENOMEM;
	}
	for (size_t i = 0; i < pf->ndbs; i++) {
		if (hs_alloc_scratch(pf->dbs[i].db, &s->hs) != HS_SUCCESS ||
		    (pf->dbs[i].fac && hs_alloc_scratch(pf->dbs[i].fac, &s->hs) != HS_SUCCESS)) {
			sigma_pf_scratch_free(s);
			return SPOOR_ENOMEM;
		}
	}
	*out = s;
	return 0;
}

void sigma_pf_scratch_free(sigma_pf_scratch *s)
{
	if (!s)
		return;
	if (s->hs)
		hs_free_scratch(s->hs);
	free(s->cand);
	free(s->list);
	free(s->ahit);
	for (size_t i = 0; s->memo && i < s->pf->ndbs; i++) {
		free(s->memo[i].slot);
		free(s->memo[i].ring);
	}
	free(s->memo);
	for (size_t i = 0; s->lmemo && i < s->pf->ndbs; i++) {
		for (size_t k = 0; s->lmemo[i].slot && k < PF_LMEMO_SLOTS; k++)
			free(s->lmemo[i].slot[k].val);
		free(s->lmemo[i].slot);
	}
	free(s->lmemo);
	free(s->kwm);
	free(s->kw);
	free(s->dec);
	for (size_t i = 0; i < s->nkws; i++) {
		if (!s->kws[i].map) {
			hs_free_database(s->kws[i].d.db);
			hs_free_database(s->kws[i].d.fac);
		}
		dbc_unmap(s->kws[i].map);
		free(s->kws[i].d.pat);
	}
	sigma_arr_memo_done(&s->arr);
	free(s->fp);
	free(s->nodb);
	free(s);
}

typedef struct scanctx {
	const sigma_prefilter *pf;
	const pf_db *db;
	sigma_pf_scratch *s;
} scanctx;

static void atom_seen(const sigma_prefilter *pf, sigma_pf_scratch *s, uint32_t ai)
{
	const pf_atom *a = &pf->atoms[ai];
	s->ahit[ai] = s->gen;
	for (size_t i = 0; i < a->nrules; i++) {
		uint32_t r = a->rules[i];
		if (s->cand[r] != s->gen) {
			s->cand[r] = s->gen;
			s->list[s->nlist++] = r;
		}
	}
}

static int on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *payload)
{
	(void)from;
	(void)to;
	(void)flags;
	scanctx *c = payload;
	atom_seen(c->pf, c->s, c->db->pat[id]);
	return 0;
}

/* on_hit, also recording the atom for the memo */
static int on_hit_rec(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *payload)
{
	scanctx *c = payload;
	sigma_pf_scratch *s = c->s;
	if (s->nrec < PF_MEMO_HITS)
		s->rec[s->nrec++] = c->db->pat[id];
	else
		s->recover = true;
	return on_hit(id, from, to, flags, payload);
}

/* The memo of database di, its slots made on first use (NULL: no memo
 * for it, or no memory for one; the value is then scanned). */
static pf_memo *memo_for(const sigma_prefilter *pf, sigma_pf_scratch *s, int32_t di, size_t len, bool line)
{
	if ((pf->dbs[di].n < PF_MEMO_MIN_ATOMS && !line) || len > PF_MEMO_MAX_LEN)
		return NULL;
	pf_memo *m = &s->memo[di];
	if (!m->slot) {
		m->slot = xcalloc(PF_MEMO_SLOTS, sizeof(*m->slot));
		m->ring = xmalloc(PF_MEMO_RING);
		if (!m->slot || !m->ring) {
			free(m->slot);
			free(m->ring);
			m->slot = NULL;
			m->ring = NULL;
			return NULL;
		}
	}
	return m;
}

/* A scan of p that records its atoms for a memo (s->rec); false when the
 * scan failed.  s->recover tells whether there were too many to keep. */
static bool scan_rec(const sigma_prefilter *pf, sigma_pf_scratch *s, scanctx *c, const char *p, size_t n)
{
	s->nrec = 0;
	s->recover = false;
	return pf->scan(c->db->db, p, (unsigned)n, 0, s->hs, on_hit_rec, c) == HS_SUCCESS;
}

/* The atoms a memo slot kept for its value, seen again (*hit). */
static void replay(const sigma_prefilter *pf, sigma_pf_scratch *s, const uint32_t *atoms, size_t n, bool *hit)
{
	for (size_t i = 0; i < n; i++)
		atom_seen(pf, s, atoms[i]);
	*hit = true;
}

/* The atoms the last scan_rec found, into a memo slot's hit/nhit. */
static void keep_atoms(const sigma_pf_scratch *s, uint32_t *atoms, uint8_t *n)
{
	*n = (uint8_t)s->nrec;
	memcpy(atoms, s->rec, s->nrec * sizeof(uint32_t));
}

/* scan_rec for a memo: 1 when the atoms it found can be kept, 0 when there
 * were too many (the slot then keeps what it had), or SPOOR_ERR. */
static int scan_keep(const sigma_prefilter *pf, sigma_pf_scratch *s, scanctx *c, const char *p, size_t n)
{
	if (!scan_rec(pf, s, c, p, n))
		return SPOOR_ERR;
	return s->recover ? 0 : 1;
}

/* Whether j says to go past the memo this time (a rest counted down). */
static bool judge_resting(pf_judge *j)
{
	if (!j->rest)
		return false;
	j->rest--;
	return true;
}

/* A use that found `found` of the `seen` it looked at. */
static void judge_use(pf_judge *j, uint64_t found, uint64_t seen, uint32_t probe, unsigned den, uint32_t rest)
{
	j->found += found;
	j->seen += seen;
	if (++j->uses == probe) {
		if (j->found * den < j->seen)
			j->rest = rest;
		j->uses = 0;
		j->found = j->seen = 0;
	}
}

/* Keys longer than PF_KEY_WHOLE bytes are hashed by their first and last
 * PF_KEY_EDGE bytes, their length and 48 bytes from their middle, not
 * whole: a found slot's value is compared whole anyway, so a key that
 * shares those bytes with another costs a comparison and at worst a scan,
 * never a wrong answer.  The long memo's values are lines of PowerShell
 * ContextInfos (the encoded command line, ~5 KB) found again and again:
 * over the bench JSON, 259 MB of long lines of which 98% were found, each
 * hashed whole and then compared whole. */
#define PF_KEY_WHOLE 512
#define PF_KEY_EDGE  128
static uint64_t load64(const char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* The hash word of a memo key: text, or JSON-escaped bytes
 * (scan_escaped), told apart by bit 0 so that equal bytes of the two
 * kinds never share a slot.  Never 0 (an empty slot). */
static uint64_t memo_key(const char *p, size_t n, uint64_t seed, bool escaped)
{
	uint64_t h;
	if (n <= PF_KEY_WHOLE) {
		h = hash_bytes(p, n, seed);
	} else {
		/* a long key by its ends, its length and three samples */
		size_t q = n / 4;
		uint64_t mid[6] = {load64(p + q), load64(p + q + 8), load64(p + 2 * q), load64(p + 2 * q + 8),
				   load64(p + 3 * q), load64(p + 3 * q + 8)};
		h = hash_bytes(p, PF_KEY_EDGE, seed ^ n);
		h = hash_bytes(mid, sizeof(mid), h);
		h = hash_bytes(p + n - PF_KEY_EDGE, PF_KEY_EDGE, h);
	}
	return escaped ? (h | 2) & ~(uint64_t)1 : h | 1;
}

/* Whether memo m holds key p[0..n) (hash word h); *e is its slot either
 * way, for memo_keep after a miss. */
static bool memo_find(pf_memo *m, uint64_t h, const char *p, size_t n, memo_slot **e)
{
	memo_slot *x = &m->slot[(size_t)(h >> 32) & (PF_MEMO_SLOTS - 1)];
	*e = x;
	return x->h == h && x->len == n && m->pos - x->pos <= PF_MEMO_RING &&
	       !memcmp(m->ring + x->pos % PF_MEMO_RING, p, n);
}

/* The atoms of the last scan_keep into slot e, under key p[0..n). */
static void memo_keep(const sigma_pf_scratch *s, pf_memo *m, memo_slot *e, uint64_t h, const char *p, size_t n)
{
	if (m->pos % PF_MEMO_RING + n > PF_MEMO_RING)
		m->pos += PF_MEMO_RING - m->pos % PF_MEMO_RING; /* values do not wrap */
	e->h = h;
	e->pos = m->pos;
	e->len = (uint8_t)n;
	keep_atoms(s, e->hit, &e->nhit);
	if (n)
		memcpy(m->ring + m->pos % PF_MEMO_RING, p, n);
	m->pos += n;
}

/* Whether long memo m holds key p[0..n) (hash word h); *e is its slot
 * either way, for lmemo_keep after a miss. */
static bool lmemo_find(pf_lmemo *m, uint64_t h, const char *p, size_t n, lmemo_slot **e)
{
	lmemo_slot *x = &m->slot[(h >> 32) & (PF_LMEMO_SLOTS - 1)];
	*e = x;
	return x->h == h && x->len == n && !memcmp(x->val, p, n);
}

/* The atoms of the last scan_keep into long slot e, under key p[0..n);
 * not kept when the scratch is at PF_LMEMO_BYTES (or out of memory). */
static void lmemo_keep(sigma_pf_scratch *s, lmemo_slot *e, uint64_t h, const char *p, size_t n)
{
	if (n > e->cap) {
		size_t cap = n < 1024 ? 1024 : n;
		char *v = s->lmemo_bytes + cap - e->cap <= PF_LMEMO_BYTES ? xrealloc(e->val, cap) : NULL;
		if (!v)
			return;
		s->lmemo_bytes += cap - e->cap;
		e->val = v;
		e->cap = (uint32_t)cap;
	}
	e->h = h;
	e->len = (uint32_t)n;
	keep_atoms(s, e->hit, &e->nhit);
	memcpy(e->val, p, n);
}

/* Database di's long memo, when its judge (whole, or esc for lookups by
 * escaped key) does not rest it now; its slots are made on first use. */
static pf_lmemo *lmemo_for(sigma_pf_scratch *s, int32_t di, bool esc)
{
	pf_lmemo *m = &s->lmemo[di];
	if (judge_resting(esc ? &m->esc : &m->whole) ||
	    (!m->slot && !(m->slot = xcalloc(PF_LMEMO_SLOTS, sizeof(*m->slot)))))
		return NULL;
	return m;
}

/* A long value through database di's long-value memo. */
static int scan_long(const sigma_prefilter *pf, sigma_pf_scratch *s, scanctx *c, int32_t di, const char *p, size_t n,
		     bool *hit)
{
	pf_lmemo *m = lmemo_for(s, di, false);
	if (!m)
		return pf->scan(c->db->db, p, (unsigned)n, 0, s->hs, on_hit, c) == HS_SUCCESS ? 0 : SPOOR_ERR;
	lmemo_slot *e;
	uint64_t h = memo_key(p, n, PF_LMEMO_SEED, false);
	bool found = lmemo_find(m, h, p, n, &e);
	judge_use(&m->whole, found, 1, PF_LMEMO_PROBE, PF_LMEMO_POOR, PF_LMEMO_REST);
	if (found) {
		replay(pf, s, e->hit, e->nhit, hit);
		return 0;
	}
	int k = scan_keep(pf, s, c, p, n);
	if (k > 0)
		lmemo_keep(s, e, h, p, n);
	return k;
}

/* Scan p with database c->db (index di), or replay what the same text
 * gave before (*hit).  line: p is a line of a longer value. */
static int scan_piece(const sigma_prefilter *pf, sigma_pf_scratch *s, scanctx *c, int32_t di, const char *p, size_t n,
		      bool line, bool *hit)
{
	if (c->db->tiny && n <= PF_TINY_MAX_VALUE) {
		for (uint32_t bits = pf_tiny_scan(c->db->tiny, p, n); bits; bits &= bits - 1)
			atom_seen(pf, s, c->db->pat[__builtin_ctz(bits)]);
		return 0;
	}
	if (n > PF_MEMO_MAX_LEN && n <= PF_LMEMO_MAX_LEN)
		return scan_long(pf, s, c, di, p, n, hit);
	pf_memo *m = memo_for(pf, s, di, n, line);
	if (!m)
		return pf->scan(c->db->db, p, (unsigned)n, 0, s->hs, on_hit, c) == HS_SUCCESS ? 0 : SPOOR_ERR;
	memo_slot *e;
	uint64_t h = memo_key(p, n, PF_MEMO_SEED, false);
	if (memo_find(m, h, p, n, &e)) {
		replay(pf, s, e->hit, e->nhit, hit);
		return 0;
	}
	int kept = scan_keep(pf, s, c, p, n);
	if (kept > 0)
		memo_keep(s, m, e, h, p, n);
	return kept;
}

/* A long value line by line (see PF_LINES_PROBE); nl is its first newline. */
static int scan_lines(const sigma_prefilter *pf, sigma_pf_scratch *s, scanctx *c, int32_t di, const char *p, size_t n,
		      const char *nl)
{
	pf_lmemo *m = &s->lmemo[di];
	const char *e = p + n;
	uint64_t hitb = 0;
	for (const char *q = p; q < e;) {
		size_t len = (size_t)((nl ? nl : e) - q);
		bool hit = false;
		int r = len ? scan_piece(pf, s, c, di, q, len, true, &hit) : 0;
		if (r < 0)
			return r;
		hitb += hit ? len + 1 : 0;
		if (!nl)
			break;
		q = nl + 1;
		nl = memchr(q, '\n', (size_t)(e - q));
	}
	judge_use(&m->lines, hitb, n, PF_LINES_PROBE, 2, PF_LINES_REST);
	return 0;
}

/* The first newline of a long text t that goes line by line through
 * database di's memos (scan_lines), or NULL: it goes whole. */
static const char *lines_from(const sigma_prefilter *pf, sigma_pf_scratch *s, int32_t di, spoor_sv t)
{
	if (t.n <= PF_MEMO_MAX_LEN || !pf->dbs[di].lines || judge_resting(&s->lmemo[di].lines))
		return NULL;
	return memchr(t.p, '\n', t.n);
}

/* Scan t with database di: whole, line by line, or from a memo. */
static int scan_db(const sigma_prefilter *pf, sigma_pf_scratch *s, scanctx *c, int32_t di, spoor_sv t)
{
	c->db = &pf->dbs[di];
	const char *p = t.p ? t.p : "";
	const char *nl = lines_from(pf, s, di, t);
	if (nl)
		return scan_lines(pf, s, c, di, p, t.n, nl);
	bool hit = false;
	return scan_piece(pf, s, c, di, p, t.n, false, &hit);
}

/* The first line break of JSON-escaped bytes p[0..n) from p: the backslash
 * of a \n or \u000a escape (*skip: its length), or NULL.  Escapes are
 * walked from the start, so the n of an escaped backslash (\\n) is not
 * taken for one; a bad escape counts two bytes, as json_unescape does. */
static const char *esc_newline(const char *p, const char *e, size_t *skip)
{
	while (p < e && (p = memchr(p, '\\', (size_t)(e - p))) != NULL) {
		if (p + 1 >= e)
			return NULL;
		if (p[1] == 'n') {
			*skip = 2;
			return p;
		}
		if (p[1] == 'u' && e - p >= 6 && p[2] == '0' && p[3] == '0' && p[4] == '0' && (p[5] | 0x20) == 'a') {
			*skip = 6;
			return p;
		}
		p += 2; /* the rest of a \u escape holds no backslash */
	}
	return NULL;
}

/* A lookup in database di's memos by JSON-escaped bytes p[0..n): the
 * memo it goes to (m, or lm for a long value; neither for a value the
 * tiny matcher takes or too long for the long memo), its key and slot. */
typedef struct esc_look {
	pf_memo *m;
	pf_lmemo *lm;
	uint64_t h;
	memo_slot *ms;
	lmemo_slot *ls;
} esc_look;

/* Look p[0..n) up (a line of a longer value: line); true when found, its
 * atoms replayed (*hit).  The long memo judges line lookups with its
 * other long lookups (whole), whole values by escaped key apart (esc). */
static inline __attribute__((always_inline)) bool esc_lookup(const sigma_prefilter *pf, sigma_pf_scratch *s,
							     scanctx *c, int32_t di, const char *p, size_t n, bool line,
							     esc_look *L, bool *hit)
{
	/* inlined into both callers: out of line, with L written through a
	 * pointer, it cost 11 M instructions over the bench templates */
	L->m = NULL;
	L->lm = NULL;
	if (c->db->tiny && n <= PF_TINY_MAX_VALUE)
		return false; /* the tiny matcher costs less than a lookup */
	if (n <= PF_MEMO_MAX_LEN)
		L->m = memo_for(pf, s, di, n, line);
	else if (n <= PF_LMEMO_MAX_LEN)
		L->lm = lmemo_for(s, di, !line);
	if (!L->m && !L->lm)
		return false;
	L->h = memo_key(p, n, L->m ? PF_MEMO_SEED : PF_LMEMO_SEED, true);
	bool found = L->m ? memo_find(L->m, L->h, p, n, &L->ms) : lmemo_find(L->lm, L->h, p, n, &L->ls);
	if (L->lm)
		judge_use(line ? &L->lm->whole : &L->lm->esc, found, 1, PF_LMEMO_PROBE, PF_LMEMO_POOR, PF_LMEMO_REST);
	if (found && L->m)
		replay(pf, s, L->ms->hit, L->ms->nhit, hit);
	else if (found)
		replay(pf, s, L->ls->hit, L->ls->nhit, hit);
	return found;
}

/* The atoms of the last scan_keep (k > 0: they fit) into L's slot. */
static void esc_keep(sigma_pf_scratch *s, const esc_look *L, int k, const char *p, size_t n)
{
	if (k > 0 && L->m)
		memo_keep(s, L->m, L->ms, L->h, p, n);
	else if (k > 0 && L->lm)
		lmemo_keep(s, L->ls, L->h, p, n);
}

/* One line of a JSON-escaped value (its escaped bytes e[0..en), no line
 * break in them) for database di: looked up in the memos by those bytes,
 * decoded and scanned only when not found (*hit: found). */
static int scan_line_esc(const sigma_prefilter *pf, sigma_pf_scratch *s, scanctx *c, int32_t di, const char *e,
			 size_t en, bool *hit)
{
	esc_look L;
	if (esc_lookup(pf, s, c, di, e, en, true, &L, hit))
		return 0;
	size_t need = json_unescape_max(en);
	if (need > s->deccap) {
		char *v = xrealloc(s->dec, need);
		if (!v)
			return SPOOR_ENOMEM;
		s->dec = v;
		s->deccap = need;
	}
	size_t tn = json_unescape(e, en, s->dec);
	if (!L.m && !L.lm) {
		bool unused;
		return scan_piece(pf, s, c, di, s->dec, tn, true, &unused);
	}
	int k = scan_keep(pf, s, c, s->dec, tn);
	esc_keep(s, &L, k, e, en);
	return k < 0 ? k : 0;
}

/* A long JSON-escaped value p[0..n) line by line, as scan_lines does with
 * decoded text, but split and looked up in its escaped form: the lines of
 * a PowerShell ContextInfo are found in the memos (99% of their bytes over
 * the bench JSON), and a found line is never decoded.  The escaped lines
 * decode to exactly the decoded text's lines: a break is a whole escape,
 * and no escape spans one.  nl: the first break (esc_newline). */
static int scan_lines_esc(const sigma_prefilter *pf, sigma_pf_scratch *s, scanctx *c, int32_t di, const char *p,
			  size_t n, const char *nl, size_t skip)
{
	const char *e = p + n;
	uint64_t hitb = 0;
	for (const char *q = p; q <= e;) {
		size_t len = (size_t)((nl ? nl : e) - q);
		bool hit = false;
		int r = len ? scan_line_esc(pf, s, c, di, q, len, &hit) : 0;
		if (r < 0)
			return r;
		hitb += hit ? len + skip : 0;
		if (!nl)
			break;
		q = nl + skip;
		nl = esc_newline(q, e, &skip);
	}
	judge_use(&s->lmemo[di].lines, hitb, n, PF_LINES_PROBE, 2, PF_LINES_REST);
	return 0;
}

/* A JSON-escaped value f (at most PF_LMEMO_MAX_LEN bytes) for database di
 * alone: looked up in the memos by its escaped bytes, so a value seen
 * before is not decoded at all.  Windows paths escape every backslash;
 * decoding Sysmon CallTraces (~600 bytes, a path every 40) that the long
 * memo then found was ~11% of the matcher's instructions on Windows JSON.
 * A miss decodes and scans the text (no longer than the escaped bytes)
 * and keeps its atoms under the escaped key.  A long text with line
 * breaks goes line by line (scan_lines_esc) and is not kept whole, so a
 * database whose long values are PowerShell ContextInfos would only miss
 * here: the long memo's lookups by escaped key are judged on their own
 * (esc), and while they rest, long values go straight to the lines. */
static int scan_escaped(const sigma_prefilter *pf, sigma_pf_scratch *s, scanctx *c, int32_t di, spoor_event *ev,
			const efield *f)
{
	const char *p = f->val.p;
	size_t n = f->val.n;
	spoor_sv t;
	bool hit;
	c->db = &pf->dbs[di];
	esc_look L;
	if (esc_lookup(pf, s, c, di, p, n, false, &L, &hit))
		return 0;
	if (n > PF_MEMO_MAX_LEN && c->db->lines && !judge_resting(&s->lmemo[di].lines)) {
		size_t skip = 0;
		const char *nl = esc_newline(p, p + n, &skip);
		if (nl)
			return scan_lines_esc(pf, s, c, di, p, n, nl, skip); /* not kept whole */
	}
	if (!event_text(ev, f, &t))
		return SPOOR_ENOMEM;
	if (!L.m && !L.lm)
		return scan_piece(pf, s, c, di, t.p ? t.p : "", t.n, false, &hit);
	int k = scan_keep(pf, s, c, t.p ? t.p : "", t.n);
	esc_keep(s, &L, k, p, n);
	return k;
}

const uint32_t *sigma_pf_candidates(const sigma_pf_scratch *s, size_t *n)
{
	*n = s->nlist;
	return s->list;
}

bool sigma_pf_atom_seen(const sigma_pf_scratch *s, uint32_t ai)
{
	return s->ahit[ai] == s->gen;
}

bool sigma_pf_gated(const sigma_prefilter *pf, size_t rule)
{
	return pf->gated[rule] != 0;
}

#define PF_KW_FLUSH (1u << 20) /* joined keyword text scanned in pieces of about this size */

static int on_factor(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *payload)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	*(bool *)payload = true;
	return 1; /* one is enough */
}

/* Scan p with the event's keyword database, unless its factors say no
 * atom can be there. */
static int kw_scan_cb(sigma_pf_scratch *s, scanctx *c, const char *p, size_t n, match_event_handler cb)
{
	c->db = s->kwd;
	if (c->db->fac) {
		bool any = false;
		hs_error_t e = s->pf->scan(c->db->fac, p, (unsigned)n, 0, s->hs, on_factor, &any);
		if (e != HS_SUCCESS && e != HS_SCAN_TERMINATED)
			return SPOOR_ERR;
		if (!any)
			return 0;
	}
	return s->pf->scan(c->db->db, p, (unsigned)n, 0, s->hs, cb, c) == HS_SUCCESS ? 0 : SPOOR_ERR;
}

static int kw_scan(sigma_pf_scratch *s, scanctx *c, const char *p, size_t n)
{
	return kw_scan_cb(s, c, p, n, on_hit);
}

/* kw_scan of a short text through the keyword memo (PF_KWMEMO_SLOTS). */
static int kw_scan_memo(sigma_pf_scratch *s, scanctx *c, const char *p, size_t n)
{
	if (n > PF_MEMO_MAX_LEN || (!s->kwm && !(s->kwm = xcalloc(PF_KWMEMO_SLOTS, sizeof(*s->kwm)))))
		return kw_scan(s, c, p, n);
	/* the database in the seed: the same text for events of two
	 * logsources would otherwise take turns in one slot */
	uint64_t h = memo_key(p, n, 0x6b77u ^ (uint64_t)(uintptr_t)s->kwd, false);
	kwmemo_slot *e = &s->kwm[(h >> 32) & (PF_KWMEMO_SLOTS - 1)];
	if (e->h == h && e->db == s->kwd && e->len == n && !memcmp(e->val, p, n)) {
		bool hit;
		replay(s->pf, s, e->hit, e->nhit, &hit);
		return 0;
	}
	s->nrec = 0;
	s->recover = false;
	int r = kw_scan_cb(s, c, p, n, on_hit_rec);
	if (r < 0 || s->recover)
		return r; /* too many atoms to keep: the slot keeps what it had */
	e->db = s->kwd;
	e->h = h;
	e->len = (uint8_t)n;
	keep_atoms(s, e->hit, &e->nhit);
	memcpy(e->val, p, n);
	return 0;
}

static int kw_flush(const sigma_prefilter *pf, sigma_pf_scratch *s, scanctx *c)
{
	(void)pf;
	if (!s->kwn)
		return 0;
	int r = kw_scan_memo(s, c, s->kw, s->kwn);
	s->kwn = 0;
	return r;
}

static int kw_add(const sigma_prefilter *pf, sigma_pf_scratch *s, scanctx *c, spoor_sv t)
{
	if (t.n >= PF_KW_FLUSH) {
		/* a huge value alone */
		int r = kw_flush(pf, s, c);
		if (r < 0)
			return r;
		return kw_scan(s, c, t.p ? t.p : "", t.n);
	}
	if (s->kwn + t.n + 1 > PF_KW_FLUSH) {
		int r = kw_flush(pf, s, c);
		if (r < 0)
			return r;
	}
	if (s->kwn + t.n + 1 > s->kwcap) {
		size_t nc = s->kwcap ? s->kwcap : 65536;
		while (nc < s->kwn + t.n + 1)
			nc *= 2;
		char *v = xrealloc(s->kw, nc);
		if (!v)
			return SPOOR_ENOMEM;
		s->kw = v;
		s->kwcap = nc;
	}
	if (t.n)
		memcpy(s->kw + s->kwn, t.p, t.n);
	s->kwn += t.n;
	s->kw[s->kwn++] = 0;
	return 0;
}

/* Whether the keyword databases may run over the raw bytes of a JSON
 * string body: when its only escapes are \\ \" \b \f \n \r \t, an atom
 * (no control characters: atom_escape) occurs in the decoded text only
 * where it or its escaped form occurs in the raw bytes.  \u and \/ escapes
 * write characters another way: decode those. */
static bool kw_raw_ok(spoor_sv v)
{
	const char *p = v.p, *e = v.p + v.n;
	while (p < e && (p = memchr(p, '\\', (size_t)(e - p))) != NULL) {
		if (p + 1 >= e || p[1] == 'u' || p[1] == '/')
			return false;
		p += 2;
	}
	return true;
}

static void bit_set(uint64_t *w, uint32_t i)
{
	w[i / 64] |= 1ull << (i % 64);
}

/* The groups of each field database (see dgroup). */
static int set_db_groups(sigma_prefilter *pf, const uint32_t *rule_group, size_t n)
{
	free(pf->dgroup);
	pf->dgroup = NULL;
	pf->gwords = 0;
	uint32_t maxg = 0;
	bool any = false;
	for (size_t r = 0; r < n; r++)
		if (rule_group[r] != UINT32_MAX) {
			maxg = MAX(maxg, rule_group[r]);
			any = true;
		}
	if (!any)
		return 0;
	size_t nw = maxg / 64 + 1;
	pf->dgroup = xcalloc((pf->ndbs + 1) * nw, sizeof(uint64_t));
	if (!pf->dgroup)
		return SPOOR_ENOMEM;
	pf->gwords = nw;
	for (size_t di = 0; di < pf->ndbs; di++) {
		const pf_db *d = &pf->dbs[di];
		uint64_t *w = pf->dgroup + di * nw;
		for (size_t k = 0; k < d->n; k++) {
			const pf_atom *a = &pf->atoms[d->pat[k]];
			/* the rules it makes candidates and those whose check
			 * reads it: a database skipped for an event must hold no
			 * atom a check of a selected group could need */
			for (size_t i = 0; i < a->nrules + a->ncrules; i++) {
				uint32_t ri = i < a->nrules ? a->rules[i] : a->crules[i - a->nrules];
				if (ri < n && rule_group[ri] != UINT32_MAX)
					bit_set(w, rule_group[ri]);
			}
		}
	}
	return 0;
}

int sigma_pf_set_groups(sigma_prefilter *pf, const uint32_t *rule_group, size_t n)
{
	int rc = set_db_groups(pf, rule_group, n);
	if (rc < 0)
		return rc;
	pf->kwsplit = false;
	pf->nkwg = 0;
	free(pf->kwmask);
	free(pf->kwbit);
	free(pf->kwsel);
	pf->kwmask = NULL;
	pf->kwbit = NULL;
	pf->kwsel = NULL;
	if (pf->kwdb < 0 || !pf->gwords)
		return 0;
	pf->kwmask = xcalloc(pf->natoms + 1, sizeof(*pf->kwmask));
	pf->kwbit = xcalloc(pf->gwords * 64, 1);
	pf->kwsel = xcalloc(pf->gwords, sizeof(uint64_t));
	if (!pf->kwmask || !pf->kwbit || !pf->kwsel)
		return SPOOR_ENOMEM;
	const pf_db *d = &pf->dbs[pf->kwdb];
	for (size_t k = 0; k < d->n; k++) {
		uint32_t ai = d->pat[k];
		const pf_atom *a = &pf->atoms[ai];
		for (size_t i = 0; i < a->nrules; i++) {
			uint32_t g = a->rules[i] < n ? rule_group[a->rules[i]] : UINT32_MAX;
			if (g == UINT32_MAX)
				continue; /* a rule in no group never runs */
			if (!(pf->kwsel[g / 64] >> (g % 64) & 1)) {
				if (pf->nkwg == 64) {
					memset(pf->kwsel, 0, pf->gwords * sizeof(uint64_t));
					return 0; /* too many groups: the full database for all */
				}
				bit_set(pf->kwsel, g);
				pf->kwbit[g] = (uint8_t)pf->nkwg++;
			}
			pf->kwmask[ai] |= 1ull << pf->kwbit[g];
		}
	}
	pf->kwsplit = true;
	return 0;
}

/* The keyword database for the groups in mask: one of the scratch's, or
 * compiled now; the full one when the scratch holds PF_KW_SETS already or
 * the compile fails (only slower, never different). */
static const pf_db *kw_db_make(const sigma_prefilter *pf, sigma_pf_scratch *s, uint64_t mask)
{
	const pf_db *full = &pf->dbs[pf->kwdb];
	for (size_t i = 0; i < s->nkws; i++)
		if (s->kws[i].mask == mask)
			return s->kws[i].d.db ? &s->kws[i].d : full;
	if (s->nkws == PF_KW_SETS)
		return full;
	kwset *e = &s->kws[s->nkws++];
	memset(e, 0, sizeof(*e));
	e->mask = mask;
	size_t n = 0;
	for (size_t k = 0; k < full->n; k++)
		n += (pf->kwmask[full->pat[k]] & mask) != 0;
	const char **ex = xmalloc((n + 1) * sizeof(*ex));
	unsigned *fl = xmalloc((n + 1) * sizeof(*fl));
	unsigned *ids = xmalloc((n + 1) * sizeof(*ids));
	size_t *lens = xmalloc((n + 1) * sizeof(*lens));
	e->d.pat = xmalloc((n + 1) * sizeof(*e->d.pat));
	if (ex && fl && ids && lens && e->d.pat && n) {
		size_t j = 0;
		for (size_t k = 0; k < full->n; k++) {
			const pf_atom *a = &pf->atoms[full->pat[k]];
			if (!(pf->kwmask[full->pat[k]] & mask))
				continue;
			bool esc = full->esc && full->esc[k];
			ex[j] = esc ? a->esc : a->lit;
			lens[j] = esc ? a->escn : a->n;
			fl[j] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
			ids[j] = (unsigned)j;
			e->d.pat[j] = full->pat[k];
			j++;
		}
		/* the set and its factors' database from the database cache when
		 * a run compiled them before (hscache.c: named by the patterns and
		 * the factors, checked, rewritten if bad) */
		char fac[PF_KW_FACTORS][4];
		size_t flen[PF_KW_FACTORS];
		size_t nf = sigma_kw_factor_pick(ex, lens, n, fac, flen);
		size_t ndb = 1 + (nf > 0);
		hs_platform_info_t pl;
		const hs_platform_info_t *plat = hsrt_platform(pf->scan, &pl);
		dbc_key *key = pf->cache_dir ? dbc_key_new(1, plat) : NULL;
		for (size_t q = 0; key && q < n; q++)
			dbc_key_lit(key, ex[q], lens[q], fl[q]);
		key_factors(key, fac, flen, nf);
		char path[4096] = "";
		hs_compile_error_t *err = NULL;
		hs_database_t *dbs[2] = {NULL, NULL};
		bool cached = key && dbc_load(key, pf->cache_dir, dbs, ndb, path, sizeof(path), &e->map);
		if (!cached && hs_compile_lit_multi(ex, fl, ids, lens, (unsigned)n, HS_MODE_BLOCK, plat, &dbs[0], &err) !=
				   HS_SUCCESS) {
			hs_free_compile_error(err);
			dbs[0] = NULL;
		} else if (!cached) {
			dbs[1] = kw_factor_db(fac, flen, nf, plat);
			if (key && (dbs[1] || !nf))
				dbc_store(pf->cache_dir, path, dbs, ndb);
		}
		dbc_key_free(key);
		e->d.db = dbs[0];
		e->d.fac = dbs[1];
		if (e->d.db && (hs_alloc_scratch(e->d.db, &s->hs) != HS_SUCCESS ||
				(e->d.fac && hs_alloc_scratch(e->d.fac, &s->hs) != HS_SUCCESS))) {
			/* the full database below */
			if (!e->map) {
				hs_free_database(e->d.db);
				hs_free_database(e->d.fac);
			}
			dbc_unmap(e->map);
			e->map = NULL;
			e->d.db = NULL;
			e->d.fac = NULL;
		}
		e->d.n = n;
		e->d.field = 0;
	}
	free(ex);
	free(fl);
	free(ids);
	free(lens);
	return e->d.db ? &e->d : full;
}

/* kw_db_make, remembering the last answer: consecutive events mostly
 * select the same groups. */
static const pf_db *kw_db_for(const sigma_prefilter *pf, sigma_pf_scratch *s, uint64_t mask)
{
	if (!s->kwlastd || s->kwlast != mask) {
		s->kwlastd = kw_db_make(pf, s, mask);
		s->kwlast = mask;
	}
	return s->kwlastd;
}

/* Whether database di holds an atom of a group the event selects. */
static bool db_wanted(const sigma_prefilter *pf, int32_t di, const uint64_t *sel)
{
	if (!sel || !pf->gwords)
		return true;
	const uint64_t *w = pf->dgroup + (size_t)di * pf->gwords;
	uint64_t any = 0;
	for (size_t k = 0; k < pf->gwords; k++)
		any |= w[k] & sel[k];
	return any != 0;
}

static const fplan *field_plan(const sigma_prefilter *pf, sigma_pf_scratch *s, const field_table *ft, uint32_t id,
			       fplan *tmp)
{
	fplan *p = tmp; /* out of memory: made again for each value */
	if (id >= s->nfp) {
		size_t nc = s->nfp ? s->nfp : 1024;
		while (nc <= id)
			nc *= 2;
		fplan *v = xreallocarray(s->fp, nc, sizeof(*v));
		uint64_t *b = v ? xreallocarray(s->nodb, nc / 64, sizeof(*b)) : NULL;
		if (v)
			s->fp = v;
		if (b) {
			memset(v + s->nfp, 0, (nc - s->nfp) * sizeof(*v));
			memset(b + s->nfp / 64, 0, (nc - s->nfp) / 64 * sizeof(*b));
			s->nodb = b;
			s->nfp = nc;
		}
	}
	if (id < s->nfp) {
		p = &s->fp[id];
		if (p->done)
			return p;
	}
	p->done = 1;
	p->n = 0;
	if (id < pf->nfdb && pf->fdb[id] >= 0)
		p->db[p->n++] = pf->fdb[id];
	const arr_entry *ae = sigma_arr_get(&s->arr, ft, id);
	for (size_t k = 0; k < ae->n; k++) {
		if (ae->c[k] >= pf->nfdb || pf->fdb[ae->c[k]] < 0)
			continue;
		bool dup = false;
		for (size_t j = 0; j < p->n; j++)
			dup |= p->db[j] == pf->fdb[ae->c[k]];
		if (!dup)
			p->db[p->n++] = pf->fdb[ae->c[k]];
	}
	if (!p->n && p != tmp)
		s->nodb[id / 64] |= 1ull << (id % 64);
	return p;
}

int sigma_pf_scan(const sigma_prefilter *pf, sigma_pf_scratch *s, spoor_event *ev, const uint64_t *sel)
{
	s->nlist = 0;
	s->kwn = 0;
	if (++s->gen == 0) {
		memset(s->cand, 0, s->nrules * sizeof(uint32_t));
		memset(s->ahit, 0, (s->pf->natoms + 1) * sizeof(uint32_t));
		s->gen = 1;
	}
	scanctx c = {pf, NULL, s};
	/* the keyword database this event needs, if any */
	s->kwd = pf->kwdb >= 0 ? &pf->dbs[pf->kwdb] : NULL;
	if (s->kwd && pf->kwsplit && sel) {
		uint64_t mask = 0;
		for (size_t k = 0; k < pf->gwords; k++)
			for (uint64_t w = sel[k] & pf->kwsel[k]; w; w &= w - 1)
				mask |= 1ull << pf->kwbit[k * 64 + (size_t)__builtin_ctzll(w)];
		uint64_t all = pf->nkwg == 64 ? ~0ull : (1ull << pf->nkwg) - 1;
		s->kwd = mask == 0 ? NULL : mask == all ? s->kwd : kw_db_for(pf, s, mask);
	}
	/* the record's raw bytes, when they hold the values of its fields as
	 * they are or JSON-escaped without \u or \/ (ev->odd_esc, kw_raw_ok):
	 * one keyword scan over them stands for the fields whose values lie
	 * inside them (keys and punctuation can only add candidates); fields
	 * made elsewhere (derived, enriched) are joined and scanned as before;
	 * when no value lies in them (EVTX: binary records, values decoded
	 * elsewhere) they are not scanned */
	uintptr_t rlo = 0, rhi = 0;
	size_t inraw = 0;
	if (s->kwd && pf->kwraw && ev->raw.n && ev->raw.n <= UINT32_MAX && !ev->odd_esc) {
		rlo = (uintptr_t)ev->raw.p;
		rhi = rlo + ev->raw.n;
	}
	for (size_t i = 0; i < ev->n; i++) {
		const efield *f = &ev->f[i];
		if ((f->flags & EF_DEAD) || f->type == SPOOR_VT_NULL)
			continue;
		/* keyword items look at every string and number field (sigma-match.c) */
		bool kw = s->kwd && (f->type == SPOOR_VT_STR || f->type == SPOOR_VT_JSTR || f->type == SPOOR_VT_NUM);
		if (kw && rlo && (uintptr_t)f->val.p >= rlo && (uintptr_t)f->val.p + f->val.n <= rhi) {
			kw = false;
			inraw++;
		}
		if (!kw && f->id < s->nfp && (s->nodb[f->id / 64] >> (f->id % 64) & 1))
			continue;
		/* the field's own database, and those of the rule fields an array
		 * element stands for (Parameters.0.Name -> Parameters) */
		int32_t dbi[1 + ARR_MAX_CANDS];
		size_t ndb = 0;
		fplan tmp;
		const fplan *fp = f->id ? field_plan(pf, s, &ev->ctx->ft, f->id, &tmp) : NULL;
		for (size_t k = 0; fp && k < fp->n; k++)
			if (db_wanted(pf, fp->db[k], sel))
				dbi[ndb++] = fp->db[k];
		if (!ndb && !kw)
			continue;
		if (!ndb && f->type == SPOOR_VT_JSTR && pf->kwraw && kw_raw_ok(f->val)) {
			/* no database of its own: the raw bytes, not decoded */
			int r = kw_add(pf, s, &c, f->val);
			if (r < 0)
				return r;
			continue;
		}
		if (ndb == 1 && !kw && f->type == SPOOR_VT_JSTR && f->val.n <= PF_LMEMO_MAX_LEN) {
			int r = scan_escaped(pf, s, &c, dbi[0], ev, f);
			if (r < 0)
				return r;
			continue;
		}
		spoor_sv t;
		if (!event_text(ev, f, &t))
			return SPOOR_ENOMEM;
		if (t.n > UINT32_MAX)
			continue;
		for (size_t k = 0; k < ndb; k++) {
			int r = scan_db(pf, s, &c, dbi[k], t);
			if (r < 0)
				return r;
		}
		if (kw) {
			int r = kw_add(pf, s, &c, t);
			if (r < 0)
				return r;
		}
	}
	if (inraw) {
		int r = kw_scan(s, &c, ev->raw.p, ev->raw.n);
		if (r < 0)
			return r;
	}
	return kw_flush(pf, s, &c);
}

bool sigma_pf_may_match(const sigma_prefilter *pf, const sigma_pf_scratch *s, size_t rule)
{
	return !pf->gated[rule] || s->cand[rule] == s->gen;
}

static bool eval_bits(void *payload, uint32_t i)
{
	return (*(const uint64_t *)payload >> i) & 1;
}

bool sigma_pf_check(const sigma_prefilter *pf, const sigma_pf_scratch *s, size_t rule)
{
	if (rule >= pf->nrules || pf->chk_off[rule] == CHK_NONE)
		return true;
	const uint32_t *c = pf->chk + pf->chk_off[rule];
	uint32_t ns = *c++;
	uint64_t vals = 0;
	for (uint32_t i = 0; i < ns; i++) {
		uint32_t w = *c++;
		if (w == CHK_FALSE)
			continue;
		if (w == CHK_TRUE) {
			vals |= 1ull << i;
			continue;
		}
		bool sv = false;
		for (uint32_t j = 0; j < w; j++) {
			uint32_t nit = *c++;
			bool mv = true;
			for (uint32_t k = 0; k < nit; k++) {
				uint32_t na = *c++;
				bool iv = false;
				for (uint32_t a = 0; a < na && !iv; a++)
					iv = s->ahit[c[a]] == s->gen;
				c += na;
				mv = mv && iv;
			}
			sv = sv || mv;
		}
		if (sv)
			vals |= 1ull << i;
	}
	return sigma_cprog_run(pf->chk_prog[rule], eval_bits, &vals);
}
