/* sigma-int — the Sigma engine, library side.
 *
 * Stages (one file each):
 *   sigma-yaml.c     libyaml -> a small YAML tree with positions; rule
 *                    collections (action: global / reset / repeat) merged
 *   sigma-load.c     YAML tree -> rule AST (detection, logsource, meta;
 *                    filters and correlations parsed and kept)
 *   sigma-cond.c     condition text -> flat short-circuit program
 *   sigma-str.c      Sigma strings: wildcards, escapes, glob matching;
 *                    sigma-encode.c: windash, base64, base64offset, utf16*
 *   sigma-re.c       `re` (PCRE2 JIT with match limits)
 *   sigma-num.c      lt/lte/gt/gte and cidr
 *   sigma-compile.c  AST + spoor_ctx -> plan (field ids, value matchers)
 *   sigma-logsource.c + logsources.def  rule logsource -> event selector
 *   sigma-match.c    plan x event -> bool (+ matched fields)
 *   sigma-prefilter.c  literal atoms of all rules in Vectorscan databases
 *                    per field; which rules may match an event
 *   ruleset.c        the public API of include/spoor/rules.h
 *
 * Memory: each rule owns one arena holding its YAML tree, AST and plan.
 * A compiled ruleset is immutable after loading; a matcher holds the
 * per-thread scratch (PCRE2 match data, alert buffer). */
#ifndef SPOOR_SIGMA_INT_H
#define SPOOR_SIGMA_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/base.h"
#include "base/buf.h"
#include "spoor/event.h"

/* ---- YAML tree (sigma-yaml.c) ---- */

enum { YN_SCALAR = 1, YN_SEQ, YN_MAP };

typedef struct ynode ynode;
struct ynode {
	uint8_t kind;
	uint8_t plain;	    /* scalar written without quotes (so `null`, 1 and true are typed) */
	uint32_t line, col; /* 1-based */
	const char *s;	    /* scalar text, NUL-terminated (also for maps/seqs: "") */
	size_t n;
	ynode **kv; /* seq: items; map: key0, val0, key1, val1, ... */
	size_t nkv;
};

/* One YAML document of a file, after collection merging. */
typedef struct ydoc {
	ynode *root;
	uint32_t line; /* line of the document start */
} ydoc;

/* Limits on one rule file. */
#define SIGMA_MAX_FILE	(4u << 20)
#define SIGMA_MAX_DEPTH 32
#define SIGMA_MAX_NODES 200000
#define SIGMA_MAX_DOCS	1000
/* the memory one file's rules and plans may take (its own arena's cap, or
 * its share of a rule set's arena: ruleset.c) */
#define SIGMA_FILE_ARENA_MAX (64u << 20)

/* Parse a whole file's bytes into merged documents.  Nodes live in `ar`.
 * On a YAML error returns SPOOR_EPARSE with diag line/col set.  *docs is
 * allocated in `ar`. */
int sigma_yaml_parse(arena *ar, const char *text, size_t len, ydoc **docs, size_t *ndocs, spoor_diag *diag);
/* Map lookup by key (exact); NULL when absent or not a map. */
const ynode *ynode_get(const ynode *map, const char *key);
bool ynode_is_null(const ynode *n);

/* ---- Rule AST (sigma-load.c) ---- */

typedef enum sval_kind { SVAL_STR = 0, SVAL_NUM, SVAL_BOOL, SVAL_NULL } sval_kind;

typedef struct sigma_val {
	uint8_t kind;
	const char *s; /* text as written (NUL-terminated) */
	size_t n;
	uint32_t line, col;
} sigma_val;

#define SIGMA_MAX_MODS 8

typedef struct sigma_item {
	const char *field; /* NULL for a keyword (field-less) item */
	size_t field_n;
	const char **mods; /* nmods modifiers (at most SIGMA_MAX_MODS) */
	uint8_t nmods;
	sigma_val *vals;
	size_t nvals;
	uint32_t line, col;
} sigma_item;

/* Items AND-ed. */
typedef struct sigma_map {
	sigma_item *items;
	size_t n;
} sigma_map;

/* A search identifier: maps OR-ed. */
typedef struct sigma_search {
	const char *name;
	sigma_map *maps;
	size_t nmaps;
	uint32_t line, col;
} sigma_search;

typedef struct sigma_text {
	const char *s;
	size_t n;
	uint32_t line, col;
} sigma_text;

typedef enum sigma_kind { SIGMA_RULE = 0, SIGMA_FILTER, SIGMA_CORRELATION } sigma_kind;

typedef struct sigma_corr {
	const char
	    *type; /* event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile */
	const char **rules;
	size_t nrules;
	const char **group_by;
	size_t ngroup_by;
	int64_t timespan_s;
	/* condition: gt gte lt lte eq neq (NAN when absent) */
	double cond[6];
	bool has_cond[6];
	const char *cond_field;	  /* the first of cond_fields */
	const char **cond_fields; /* condition.field: one name or a list (a tuple of values) */
	size_t ncond_fields;
	double percentile; /* value_percentile: condition.percentile (0-100), or -1 when absent */
	bool generate;
	const ynode *aliases; /* kept as YAML */
} sigma_corr;

typedef struct sigma_cprog sigma_cprog;
typedef struct sigma_plan sigma_plan;
typedef struct sigma_lsmap sigma_lsmap;
typedef struct sigma_ls_cache sigma_ls_cache;

typedef struct sigma_rule {
	arena *ar; /* the file's arena */
	sigma_kind kind;
	const char *path;
	uint32_t line; /* document start */
	const char *title, *id, *name, *status, *level, *description, *author, *date, *modified;
	int level_num; /* spoor_level */
	const char **tags;
	size_t ntags;
	const char **falsepositives;
	size_t nfalsepositives;
	const char *product, *category, *service, *definition;
	const sigma_lsmap *lsmap; /* user logsource map (set before compiling), NULL = built-in only */
	/* interned logsource selectors shared by the rules of a ruleset (set
	 * before compiling); NULL = the plan owns its own selector */
	sigma_ls_cache *lscache;
	/* the detection; NULL once a rule set compiled the rule (the AST was
	 * in its scratch arena: sigma_file_load_yc) */
	sigma_search *searches;
	size_t nsearches;
	sigma_text *conds; /* condition list: OR-ed */
	size_t nconds;
	const char *regression_tests_path;
	/* filter: the rule ids/names it applies to */
	const char **filter_rules;
	size_t nfilter_rules;
	sigma_corr corr;
	/* compiled (sigma-compile.c); NULL for filters/correlations until
	 * they are implemented */
	sigma_plan *plan;
} sigma_rule;

/* One rule file: its arena holds the YAML tree, the rules and their
 * plans.  Documents that load are kept even when others fail; `nbad`
 * counts the failed documents and on_err reports each (diag source, line,
 * col and message). */
typedef void (*sigma_err_fn)(const spoor_diag *d, void *payload);
typedef struct sigma_file {
	arena own;
	arena *ar; /* own, or the rule set's arena (sigma_file_load_yc's shared) */
	const char *path;
	sigma_rule **rules;
	size_t n;
	size_t nbad;
} sigma_file;

/* Returns 0 (even if documents were bad), or SPOOR_ENOMEM. */
int sigma_file_load(sigma_file **out, const char *path, const char *text, size_t len, sigma_err_fn on_err,
		    void *payload);
sigma_file *sigma_file_free(sigma_file *f);
int sigma_level_num(const char *s);

/* ---- Conditions (sigma-cond.c) ---- */

enum {
	COP_EVAL = 0, /* acc = search[arg] */
	COP_JF,	      /* if !acc goto arg */
	COP_JT,	      /* if acc goto arg */
	COP_NOT,      /* acc = !acc */
	COP_CONST,    /* acc = arg */
};

typedef struct sigma_cop {
	uint8_t op;
	uint32_t arg;
} sigma_cop;

/* pol[i]: how search i occurs in the condition: SPOL_POS (under an even
 * number of `not`), SPOL_NEG (odd), both, or 0 (not used).  The condition
 * is monotone in a search that occurs with one polarity only, which is
 * what the prefilter's candidate check relies on (sigma-prefilter.c). */
enum { SPOL_POS = 1, SPOL_NEG = 2 };

struct sigma_cprog {
	sigma_cop *ops;
	size_t n;
	uint8_t *pol; /* one per search (the plan's ns) */
};

#define SIGMA_MAX_COND_OPS 4096

/* Compile the condition list (OR-ed) against the names of the rule's
 * searches into a program; errors (unknown identifier, syntax) go to diag with the
 * column inside the condition.  ops allocated in ar. */
int sigma_cond_compile(arena *ar, const sigma_text *conds, size_t nconds, const sigma_search *s, size_t ns,
		       sigma_cprog *out, spoor_diag *diag);
/* Run a program; eval(i) returns the value of search i. */
typedef bool (*sigma_eval_fn)(void *payload, uint32_t search);
bool sigma_cprog_run(const sigma_cprog *p, sigma_eval_fn eval, void *payload);

/* ---- Sigma strings (sigma-str.c, sigma-encode.c) ---- */

/* A Sigma string: bytes with wildcard marks. w[i]: 0 literal, 1 '*', 2 '?'. */
typedef struct sstr {
	char *b;
	uint8_t *w;
	size_t n, cap;
} sstr;

enum { SW_LIT = 0, SW_STAR = 1, SW_ONE = 2 };

void sstr_init(sstr *s);
void sstr_done(sstr *s);
int sstr_add(sstr *s, const char *p, size_t n, uint8_t w);
/* Parse a rule value: `*` and `?` are wildcards, `\` escapes `*`, `?`, `\`
 * (a backslash before anything else stays literal). */
int sstr_parse(sstr *out, const char *p, size_t n);
/* The same, appended to s (initialized). */
int sstr_parse_append(sstr *s, const char *p, size_t n);
/* A literal string with no wildcards. */
int sstr_lit(sstr *out, const char *p, size_t n);
bool sstr_has_wild(const sstr *s);

/* Encodings (each returns a new list of strings in *out, caller frees). */
typedef struct sstr_list {
	sstr *v;
	size_t n, cap;
} sstr_list;
void sstr_list_done(sstr_list *l);
int sstr_list_push(sstr_list *l, sstr *s); /* takes ownership of s's buffers */
#define SIGMA_MAX_VARIANTS 1024
int sigma_windash(const sstr *in, sstr_list *out);
int sigma_utf16(const sstr *in, int which, sstr *out);	/* 0 le, 1 be, 2 le with BOM */
int sigma_base64(const sstr *in, sstr *out);		/* EINVAL with wildcards */
int sigma_base64offset(const sstr *in, sstr_list *out); /* 3 variants */

/* A compiled glob: literal pieces split by wildcards. */
typedef struct glob_pat {
	/* GLOB_GENERAL: the pattern's bytes (lowercased unless cased) and
	 * marks as in sstr, runs of '*' collapsed; the fast kinds (exact,
	 * prefix, suffix, contains) keep only their literal in b (w = NULL) */
	char *b;
	uint8_t *w;
	size_t n;
	uint8_t kind; /* GLOB_EXACT, GLOB_PREFIX, GLOB_SUFFIX, GLOB_CONTAINS, GLOB_GENERAL */
	bool cased;
	/* 1 + the prefilter atom every match of the value holds, looked up
	 * before the value is tried (sigma_pf_build sets it; 0: none) */
	uint32_t atom;
} glob_pat;

enum { GLOB_EXACT = 0, GLOB_PREFIX, GLOB_SUFFIX, GLOB_CONTAINS, GLOB_GENERAL };

/* Compile s into p (copies into ar). */
int glob_compile(arena *ar, const sstr *s, bool cased, glob_pat *p);
bool glob_match(const glob_pat *p, const char *s, size_t n);
/* glob_match on JSON-escaped bytes s[0..n) (a string body the JSON
 * scanner validated, with no \u or \/ escape), without decoding them:
 * 1 or 0, or -1 when it cannot tell (a wildcard inside the pattern, or a
 * literal longer than GLOB_ESC_MAX bytes escaped).  The literal is
 * escaped as JSON writes it; a match must begin on a character of s, not
 * on the second byte of an escape.  Without \u and \/ every character
 * has one escaped form, so this is glob_match of the decoded text. */
#define GLOB_ESC_MAX 1024
/* Values at least this long are matched escaped first (sigma-match.c);
 * shorter ones are decoded once and the text serves every rule. */
#define SIGMA_ESC_MIN 256
int glob_match_esc(const glob_pat *g, const char *s, size_t n);
/* ASCII case-insensitive substring search. */
const char *mem_icase_find(const char *h, size_t hn, const char *lo_needle, size_t nn);

/* ---- Numbers, networks (sigma-num.c) ---- */

bool sigma_parse_num(const char *s, size_t n, double *out);
typedef struct cidr {
	uint8_t fam; /* 4 or 6 */
	uint8_t bits;
	uint8_t addr[16];
} cidr;
bool sigma_parse_cidr(const char *s, size_t n, cidr *out);
bool sigma_parse_ip(const char *s, size_t n, uint8_t *fam, uint8_t addr[16]);
bool cidr_match(const cidr *c, const char *s, size_t n);

/* ---- Regex (sigma-re.c) ---- */

typedef struct sigma_re sigma_re;
enum { RE_I = 1, RE_M = 2, RE_S = 4 };
/* Compile; on error diag says why (offset in the pattern). */
int sigma_re_compile(sigma_re **out, const char *pat, size_t n, unsigned flags, spoor_diag *diag);
void sigma_re_free(sigma_re *re);
/* Bytes of JIT code PCRE2 made for re: 0 until its first match (tests). */
size_t sigma_re_jit_size(const sigma_re *re);
/* A literal every match of the regex contains (lowercased, at most
 * SIGMA_RE_MAX_ATOM bytes, at least SIGMA_RE_MIN_ATOM or two punctuation
 * bytes), for the prefilter;
 * false when none is known. */
#define SIGMA_RE_MAX_ATOM 16
#define SIGMA_RE_MIN_ATOM 3
bool sigma_re_atom(const sigma_re *re, const char **p, size_t *n);
/* A regex without an atom: how many short literals (runs of 2 or more
 * bytes, lowercased) every match holds, and the i-th of them; they are
 * looked for (ASCII caseless) before PCRE2 runs. */
size_t sigma_re_must(const sigma_re *re, size_t i, const char **p, size_t *n);
/* Whether matches go to PCRE2's DFA matcher first (many `.*`; sigma-re.c). */
bool sigma_re_uses_dfa(const sigma_re *re);
/* The longest necessary literal of pattern p (see sigma-re.c) into out
 * (at most cap bytes: the end of a longer one); its length, 0 = none. */
size_t sigma_re_literal(const char *p, size_t n, bool caseless, char *out, size_t cap);
typedef struct sigma_re_scratch sigma_re_scratch;
sigma_re_scratch *sigma_re_scratch_new(void);
void sigma_re_scratch_free(sigma_re_scratch *s);
/* The matcher's array scratch (sigma-array.c), owned by the re scratch. */
struct sigma_arr_scratch *sigma_re_scratch_arr(sigma_re_scratch *s);
/* 1 match, 0 no match, < 0 error (match limit: counted as no match). */
int sigma_re_match(const sigma_re *re, sigma_re_scratch *s, const char *subj, size_t n);

/* ---- JSON arrays (sigma-array.c) ---- */

struct field_table;
struct efield;

#define ARR_MAX_CANDS 4
/* At most this many elements of one array field are looked at. */
#define SIGMA_MAX_ARRAY_ELEMS 256
/* The rule fields an event field stands for as an array element. */
typedef struct arr_entry {
	uint32_t c[ARR_MAX_CANDS];
	uint8_t n;
	uint8_t done;
} arr_entry;
typedef struct arr_memo {
	arr_entry *v;
	size_t cap;
} arr_memo;
const arr_entry *sigma_arr_get(arr_memo *m, const struct field_table *ft, uint32_t id);
void sigma_arr_memo_done(arr_memo *m);
/* Per matcher: the array-element fields of the current event. */
typedef struct sigma_arr_scratch {
	arr_memo memo;
	const spoor_event *ev;
	uint32_t gen;
	uint32_t *idx;
	size_t n, cap;
	bool any;
} sigma_arr_scratch;
/* The event's array elements standing for rule field `field` (at most max). */
size_t sigma_arr_elems(sigma_arr_scratch *s, spoor_event *ev, uint32_t field, const struct efield **out, size_t max);
/* Forget the current event (call when a new event is matched). */
void sigma_arr_reset(sigma_arr_scratch *s);
void sigma_arr_scratch_done(sigma_arr_scratch *s);

/* ---- Compiled plan (sigma-compile.c) ---- */

typedef enum mkind {
	MK_GLOB = 0, /* string pattern */
	MK_RE,
	MK_NUM, /* lt/lte/gt/gte */
	MK_CIDR,
	MK_NULL,   /* field absent, null, or (for keyword) never */
	MK_EXISTS, /* arg = true/false */
	MK_FIELDREF,
	MK_DATEPART, /* minute ... year (sigma-datepart.c); op NUM_* or NUM_EQ */
	_MK_MAX
} mkind;

enum { NUM_LT = 0, NUM_LTE, NUM_GT, NUM_GTE, NUM_EQ };
enum { FREF_EQ = 0, FREF_START, FREF_END, FREF_CONTAINS };

/* One value of an item, compiled.  Each kind reads its own member of the
 * union (sigma-match.c): ~45,000 of these for SigmaHQ, 40 bytes each
 * (104 with the members side by side). */
typedef struct vmatch {
	uint8_t kind;
	uint8_t op;   /* NUM_* or FREF_* */
	uint16_t grp; /* index of the rule value it came from (variants share it) */
	bool cased;
	bool exists;  /* MK_EXISTS */
	uint8_t part; /* MK_DATEPART: DP_* */
	bool indexed; /* MK_GLOB: the item's index (pitem.ix) answers for it */
	union {
		glob_pat g;   /* MK_GLOB */
		sigma_re *re; /* MK_RE */
		double num;   /* MK_NUM, MK_DATEPART */
		cidr net;     /* MK_CIDR */
		uint32_t ref; /* MK_FIELDREF: field id */
	};
} vmatch;
_Static_assert(sizeof(void *) != 8 || sizeof(vmatch) == 40, "vmatch: 40 bytes on 64-bit targets");

/* ---- Date parts (sigma-datepart.c) ---- */

enum { DP_MINUTE = 0, DP_HOUR, DP_DAY, DP_WEEK, DP_MONTH, DP_YEAR };
/* The part of a date written as text (no time zone conversion); false
 * when s is not a date or lacks the part. */
bool sigma_datepart(const char *s, size_t n, int part, int64_t *out);
bool sigma_datepart_match(const vmatch *m, const char *s, size_t n);

/* An index over an item's many caseless exact, prefix and suffix values
 * (sigma-gindex.c): items of a field, values OR-ed, at least
 * SIGMA_GINDEX_MIN such values. */
#define SIGMA_GINDEX_MIN 32
typedef struct gindex gindex;
/* Index the values of m[0..nm) it can (marking them indexed), in ar;
 * *out NULL when there are too few. */
int sigma_gindex_build(arena *ar, vmatch *m, size_t nm, const gindex **out);
/* Whether some indexed value of m matches the text t[0..n). */
bool sigma_gindex_match(const gindex *ix, const vmatch *m, const char *t, size_t n);

typedef struct pitem {
	uint32_t field; /* 0 = keyword item (all string fields) */
	uint32_t alt;	/* field to use when `field` is absent (logsource field mapping), or 0 */
	bool all;	/* values AND-ed */
	bool neg;	/* neq */
	vmatch *m;
	size_t nm;
	const gindex *ix; /* the index of m's indexed values, or NULL */
} pitem;

typedef struct pmap {
	pitem *items;
	size_t n;
} pmap;

typedef struct psearch {
	pmap *maps;
	size_t n;
} psearch;

/* Logsource selector (sigma-logsource.c). */
typedef struct ls_sel ls_sel;

struct sigma_plan {
	psearch *s;
	size_t ns;
	sigma_cprog prog;
	const ls_sel *ls;   /* NULL = no event matches (logsource unmapped) */
	const char *ls_why; /* why ls is NULL */
	void *res;	    /* regexes to free (sigma-compile.c) */
};

struct field_table;
int sigma_compile(sigma_rule *r, struct field_table *ft, spoor_diag *diag);
/* Same, with `|expand` placeholders resolved from a YAML map (name ->
 * string or list of strings); NULL = none given. */
int sigma_compile_ph(sigma_rule *r, struct field_table *ft, const ynode *placeholders, spoor_diag *diag);
void sigma_plan_free(sigma_plan *p);

/* ---- Logsource (sigma-logsource.c) ---- */

/* Resolve a rule's logsource to a selector; returns NULL and sets *why
 * when no mapping can select events for it. */
int sigma_ls_resolve(sigma_rule *r, struct field_table *ft, const ls_sel **out, const char **why);
bool sigma_ls_match(const ls_sel *sel, spoor_event *ev);
/* Interned selectors: rules whose logsource is the same (product, service,
 * category, compared as the resolver does: ASCII case folded) for the same
 * map and field table share one selector, owned by the cache.  Free the
 * cache after every plan that points into it. */
sigma_ls_cache *sigma_ls_cache_new(void);
sigma_ls_cache *sigma_ls_cache_free(sigma_ls_cache *c);
/* How many distinct logsources the cache holds. */
size_t sigma_ls_cache_count(const sigma_ls_cache *c);
/* The event field to try when the rule's field is absent (LS_FIELD), or 0. */
uint32_t sigma_ls_alt_field(const sigma_rule *r, const char *field, struct field_table *ft);
/* Frees a selector the plan owns; shared (interned) ones stay. */
void sigma_ls_free(ls_sel *sel);
/* Append the ids of the event fields the selector tests (EventID,
 * EventType, process.name ...) to out (no duplicates); returns the new
 * count, or max + 1 when they do not fit. */
size_t sigma_ls_cond_fields(const ls_sel *sel, uint32_t *out, size_t n, size_t max);
/* The formats spoor reads whose events the selector can select (a
 * description), or NULL when none can (LS_FEED rows). */
const char *sigma_ls_fed(const ls_sel *sel);
/* A user logsource map file (YAML; docs/sigma.md): rows added before the
 * built-in ones, or replacing them (replace: true).  SPOOR_EPARSE with
 * diag line:col, SPOOR_ENOMEM. */
int sigma_lsmap_load(sigma_lsmap **out, const char *path, const char *text, size_t len, spoor_diag *diag);
sigma_lsmap *sigma_lsmap_free(sigma_lsmap *m);

/* ---- Prefilter (sigma-prefilter.c) ---- */

typedef struct sigma_prefilter sigma_prefilter;
typedef struct sigma_pf_scratch sigma_pf_scratch;
/* plans[i] is rule i's plan, or NULL for a rule that does not run. */
/* cache_dir: where compiled databases are kept between runs (NULL or ""
 * = compile every time; detect/hscache.c). */
int sigma_pf_build(sigma_prefilter **out, const sigma_plan *const *plans, size_t n, const char *cache_dir,
		   spoor_diag *diag);

void sigma_pf_free(sigma_prefilter *pf);
void sigma_pf_counts(const sigma_prefilter *pf, size_t *gated, size_t *atoms, size_t *dbs);

/* ---- The matcher of small field databases (sigma-tiny.c) ---- */

/* The factors of a keyword set (sigma-prefilter.c, kw_factors): at most
 * PF_KW_FACTORS substrings of 2-4 bytes, one in every pattern (patterns
 * lowercased), into fac/flen; 0 when the set gets none. */
#define PF_KW_FACTORS 6
size_t sigma_kw_factor_pick(const char *const *pat, const size_t *len, size_t n, char fac[][4], size_t *flen);

/* A field database of at most PF_TINY_MAX_ATOMS atoms of at most
 * PF_TINY_MAX_ATOM_LEN bytes scans values of at most PF_TINY_MAX_VALUE
 * bytes with pf_tiny_scan instead of Vectorscan: the same atoms found. */
#define PF_TINY_MAX_ATOMS     16
#define PF_TINY_MAX_ATOM_LEN  16
#define PF_TINY_MAX_VALUE     256
typedef struct pf_tiny pf_tiny;
/* NULL: too many or too long atoms, or out of memory. */
pf_tiny *pf_tiny_new(const char *const *lits, const size_t *lens, size_t n);
void pf_tiny_free(pf_tiny *t);
/* Bit k set when atom k occurs in v (ASCII caseless). */
uint32_t pf_tiny_scan(const pf_tiny *t, const char *v, size_t vn);
int sigma_pf_scratch_new(sigma_pf_scratch **out, const sigma_prefilter *pf);
void sigma_pf_scratch_free(sigma_pf_scratch *s);
/* Tell the prefilter which logsource group each rule is in (rule_group[r],
 * UINT32_MAX = none), so that keyword atoms are scanned only for events a
 * keyword rule's logsource selects.  Once, before scratches are made. */
int sigma_pf_set_groups(sigma_prefilter *pf, const uint32_t *rule_group, size_t n);
/* Scan the event's fields; sel is the bitset of the logsource groups that
 * select the event (NULL = all).  Then sigma_pf_may_match says per rule
 * whether it can match.  0, SPOOR_ENOMEM or SPOOR_ERR (Vectorscan). */
int sigma_pf_scan(const sigma_prefilter *pf, sigma_pf_scratch *s, spoor_event *ev, const uint64_t *sel);
bool sigma_pf_may_match(const sigma_prefilter *pf, const sigma_pf_scratch *s, size_t rule);
/* The gated rules that became candidates in the last scan (each once). */
const uint32_t *sigma_pf_candidates(const sigma_pf_scratch *s, size_t *n);
/* A candidate's check after the scan: false when the rule cannot match
 * this event, judged from which atoms of its searches' items were seen
 * (each search at its best case where nothing is known: true when it
 * occurs outside `not`, false under it).  Cheap next to the rule. */
bool sigma_pf_check(const sigma_prefilter *pf, const sigma_pf_scratch *s, size_t rule);
/* Whether a rule runs only as a candidate. */
bool sigma_pf_gated(const sigma_prefilter *pf, size_t rule);
/* Whether atom ai (glob_pat.atom - 1) was seen in the last scan. */
bool sigma_pf_atom_seen(const sigma_pf_scratch *s, uint32_t ai);

/* ---- Matching (sigma-match.c) ---- */

#define SIGMA_MAX_HITS 16

/* true when the rule's logsource selects the event and its condition holds. */
bool sigma_match(const sigma_plan *plan, spoor_event *ev, sigma_re_scratch *re, uint32_t *hits, size_t *nhits);
/* The condition only (no logsource check).  pfs: the prefilter scratch
 * that scanned this event (values whose atom it did not see are not
 * tried), or NULL. */
bool sigma_match_detection(const sigma_plan *plan, spoor_event *ev, sigma_re_scratch *re,
			   const sigma_pf_scratch *pfs, uint32_t *hits, size_t *nhits);

#endif
