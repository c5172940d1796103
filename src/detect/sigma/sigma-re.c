/* sigma-re — the `re` modifier: PCRE2 with JIT and match limits.
 *
 * Sigma regexes are unanchored searches, case-sensitive unless the `i`
 * sub-modifier (or an inline `(?i)`) says otherwise; `m` and `s` are
 * PCRE2_MULTILINE and PCRE2_DOTALL.  A match that hits the match or depth
 * limit counts as no match (and is counted by the caller later).
 *
 * A pattern with six or more unbounded `.*`/`.+` runs under the
 * backtracking matcher in time that grows with the power of their number
 * when it fails (`\+.*\+.*\+ ...`, 14 pluses: "Potential PowerShell
 * Command Line Obfuscation" took 137,000 cycles per command line, 77% of
 * all regex time on the mitre EVTX corpus, and could end at the match
 * limit).  Sigma asks only whether the regex matches, which PCRE2's
 * alternative (DFA) matcher answers in one pass with the same semantics;
 * it has no back references, \K or backtracking verbs, and says so with
 * an error, on which the standard matcher runs.  It does not take
 * PCRE2_MATCH_INVALID_UTF either: its own compile of the pattern checks
 * the subject, and a subject that is not UTF-8 goes to the standard
 * matcher too. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma/sigma-int.h"

#define RE_MATCH_LIMIT 100000u
#define RE_DEPTH_LIMIT 1000u
#define RE_MUST	       3 /* literals kept for the quick rejection */
#define RE_MUST_LEN    SIGMA_RE_MAX_ATOM

struct sigma_re {
	pcre2_code *code;
	/* JIT-compiled on first use, not at load: of SigmaHQ's regexes few
	 * ever run on a given input, and compiling them all was 3.7% of
	 * start-up.  The compiled set is shared by -j workers, so the first
	 * use takes jit_mu and the others wait for it (pcre2_jit_compile
	 * changes the code that pcre2_match reads); jitted says it is done
	 * (JIT or not, when PCRE2 cannot) */
	atomic_bool jitted;
	pthread_mutex_t jit_mu;
	pcre2_code *dfa; /* many unbounded wildcards: this, with pcre2_dfa_match, first */
	char atom[SIGMA_RE_MAX_ATOM + 1]; /* a literal every match contains, lowercased; "" = none */
	size_t atomn;
	/* no atom (too short): short literals every match contains, looked
	 * for (ASCII caseless) before PCRE2 runs (re_must) */
	char must[RE_MUST][RE_MUST_LEN];
	uint8_t mustn[RE_MUST];
	size_t nmust;
};

/* ---- The regex's necessary literal (the prefilter's atom) ----
 *
 * A Sigma regex is an unanchored search, so a literal that every match
 * must contain is in the subject whenever the regex matches: the prefilter
 * can then run the rule only for values that hold it, as it does for
 * globs, and PCRE2 confirms.  Vectorscan's own regex prefiltering would do
 * this too, but in the per-field literal databases it would turn the
 * fast literal matcher (FDR/Teddy) into the general engine for every field
 * that has one regex.
 *
 * Only a plain subset is read: literal characters and escaped punctuation
 * of the top level, with groups, classes, dots, anchors and escapes such
 * as \d as breaks.  A quantifier that allows zero removes the character
 * it follows from the run; + or {n,} keeps it and ends the run.  Anything
 * else (top-level alternation, \Q, \x, \p, back references, (?x), an
 * unbalanced bracket, a brace that is not a quantifier) means "no atom",
 * which is never wrong: the rule then runs on every event of its
 * logsource, as before.  Under caseless matching PCRE2 folds k and s with
 * the Kelvin and long-s signs, which Vectorscan's ASCII caseless does not:
 * those letters, like every non-ASCII byte, break the run. */

/* The end of the group or class starting at p[i] ('(' or '['), or 0 when
 * unbalanced or unsupported. */
static size_t re_skip_class(const char *p, size_t n, size_t i)
{
	size_t j = i + 1;
	if (j < n && p[j] == '^')
		j++;
	if (j < n && p[j] == ']')
		j++; /* a leading ] is literal */
	for (; j < n; j++) {
		if (p[j] == '\\') {
			j++;
			continue;
		}
		if (p[j] == '[' && j + 1 < n && p[j + 1] == ':') {
			/* [:alpha:] */
			const char *e = memchr(p + j + 2, ']', n - j - 2);
			if (!e)
				return 0;
			j = (size_t)(e - p);
			continue;
		}
		if (p[j] == ']')
			return j + 1;
	}
	return 0;
}

static size_t re_skip_group(const char *p, size_t n, size_t i)
{
	unsigned depth = 0;
	for (size_t j = i; j < n; j++) {
		if (p[j] == '\\') {
			if (j + 1 < n && (p[j + 1] == 'Q'))
				return 0;
			j++;
			continue;
		}
		if (p[j] == '[') {
			size_t e = re_skip_class(p, n, j);
			if (!e)
				return 0;
			j = e - 1;
			continue;
		}
		if (p[j] == '(') {
			/* an inline option that turns on extended syntax */
			if (j + 1 < n && p[j + 1] == '?') {
				size_t k = j + 2;
				while (k < n && (p[k] == '-' || p[k] == '^' || (p[k] >= 'a' && p[k] <= 'z') ||
						 (p[k] >= 'A' && p[k] <= 'Z')))
					if (p[k++] == 'x')
						return 0;
			}
			depth++;
		} else if (p[j] == ')') {
			if (depth == 0)
				return 0;
			if (--depth == 0)
				return j + 1;
		}
	}
	return 0;
}

/* A quantifier at p[i]: its length (with a lazy/possessive suffix) and
 * whether it allows zero repetitions; 0 when p[i] starts none; SIZE_MAX
 * for a brace that is not a quantifier (PCRE2 reads it as a literal, or
 * as {,m} in newer versions: not guessed). */
static size_t re_quant(const char *p, size_t n, size_t i, bool *zero)
{
	size_t j = i;
	*zero = false;
	if (i >= n)
		return 0;
	if (p[i] == '?' || p[i] == '*') {
		*zero = true;
		j = i + 1;
	} else if (p[i] == '+') {
		j = i + 1;
	} else if (p[i] == '{') {
		size_t k = i + 1, d0 = k;
		unsigned long lo = 0;
		while (k < n && p[k] >= '0' && p[k] <= '9' && k - d0 < 9)
			lo = lo * 10 + (unsigned long)(p[k++] - '0');
		if (k == d0)
			return SIZE_MAX;
		if (k < n && p[k] == ',') {
			k++;
			while (k < n && p[k] >= '0' && p[k] <= '9')
				k++;
		}
		if (k >= n || p[k] != '}')
			return SIZE_MAX;
		*zero = lo == 0;
		j = k + 1;
	} else {
		return 0;
	}
	if (j < n && (p[j] == '?' || p[j] == '+'))
		j++;
	return j - i;
}

static int must_rank(const char *p, size_t n)
{
	bool punct = false;
	for (size_t i = 0; i < n; i++)
		punct |= !((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9'));
	return (punct ? 1000 : 0) + (int)n;
}

static void must_add(sigma_re *re, const char *run, size_t rn)
{
	size_t keep = MIN(rn, (size_t)RE_MUST_LEN);
	const char *p = run + rn - keep;
	for (size_t i = 0; i < re->nmust; i++)
		if (re->mustn[i] == keep && !memcmp(re->must[i], p, keep))
			return;
	size_t at = re->nmust;
	int rank = must_rank(p, keep);
	while (at > 0 && must_rank(re->must[at - 1], re->mustn[at - 1]) < rank)
		at--;
	if (at == RE_MUST)
		return;
	size_t last = re->nmust < RE_MUST ? re->nmust : RE_MUST - 1;
	for (size_t i = last; i > at; i--) {
		memcpy(re->must[i], re->must[i - 1], re->mustn[i - 1]);
		re->mustn[i] = re->mustn[i - 1];
	}
	memcpy(re->must[at], p, keep);
	re->mustn[at] = (uint8_t)keep;
	if (re->nmust < RE_MUST)
		re->nmust++;
}

/* The literal runs of a regex (see above): the longest (its last cap
 * bytes) into out, returned; when must is not NULL, also up to RE_MUST
 * runs of 2 or more bytes (their last RE_MUST_LEN), those with
 * punctuation first (rarer in text than letters), then the longer. */
static size_t re_literals(const char *p, size_t n, bool caseless, char *out, size_t cap, sigma_re *must)
{
	char run[SIGMA_RE_MAX_ATOM * 4 + 1];
	size_t rn = 0, best = 0;
	bool ci = caseless;
	size_t i = 0;
	/* leading option settings: (?i) (?im) (?s) ... and (*VERB)s */
	while (i + 2 < n && p[i] == '(' && (p[i + 1] == '?' || p[i + 1] == '*')) {
		size_t k = i + 2;
		bool verb = p[i + 1] == '*', neg = false, opt = true;
		while (k < n && p[k] != ')') {
			if (!verb) {
				if (p[k] == '-')
					neg = true;
				else if (p[k] == 'i')
					ci = ci || !neg; /* (?-i) keeps the atom caseless-safe */
				else if (p[k] != 'm' && p[k] != 's' && p[k] != 'U')
					opt = false; /* x, n, a lookaround, a named group ... */
			}
			k++;
		}
		if (!opt || k >= n)
			break;
		i = k + 1;
	}
	/* (?i) anywhere later: caseless from there on */
	for (size_t k = i; k + 2 < n; k++)
		if (p[k] == '(' && p[k + 1] == '?' && memchr(p + k, 'i', MIN(n - k, (size_t)8)))
			ci = true;
#define COMMIT()                                                                                                       \
	do {                                                                                                           \
		if (must && rn >= 2)                                                                                   \
			must_add(must, run, rn);                                                                       \
		if (rn > best) {                                                                                       \
			best = rn;                                                                                     \
			size_t keep = MIN(rn, cap);                                                                    \
			/* the end of a long literal: the selective part, as glob atoms */                             \
			memcpy(out, run + rn - keep, keep);                                                            \
			best = keep;                                                                                   \
		}                                                                                                      \
		rn = 0;                                                                                                \
	} while (0)
	while (i < n) {
		unsigned char c = (unsigned char)p[i];
		size_t next;
		int lit = -1; /* the literal byte of this piece, or -1 */
		if (c == '\\') {
			if (i + 1 >= n)
				return 0;
			unsigned char e = (unsigned char)p[i + 1];
			if (!((e >= '0' && e <= '9') || (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z'))) {
				if (e >= 0x80)
					return 0;
				lit = e;
			} else if (!strchr("dDwWsShHvVRNXbBAzZGKntrfae", e) || e == 0) {
				return 0; /* \Q \x \p \1 \k ... */
			}
			next = i + 2;
		} else if (c == '[') {
			next = re_skip_class(p, n, i);
			if (!next)
				return 0;
		} else if (c == '(') {
			next = re_skip_group(p, n, i);
			if (!next)
				return 0;
		} else if (c == '|' || c == ')') {
			return 0;
		} else if (c == '*' || c == '+' || c == '?' || c == '{') {
			return 0; /* a quantifier with nothing before it, or a literal brace */
		} else if (c == '.' || c == '^' || c == '$') {
			next = i + 1;
		} else {
			lit = c;
			next = i + 1;
		}
		if (lit >= 0x80 || (ci && (lit == 'k' || lit == 'K' || lit == 's' || lit == 'S')))
			lit = -1;
		bool zero = false;
		size_t q = re_quant(p, n, next, &zero);
		if (q == SIZE_MAX)
			return 0;
		if (lit < 0 || zero) {
			COMMIT();
		} else {
			if (rn == sizeof(run))
				COMMIT();
			run[rn++] = (char)(lit >= 'A' && lit <= 'Z' ? lit + 32 : lit);
			if (q)
				COMMIT(); /* + or {n,}: once is sure, what follows is not adjacent */
		}
		i = next + q;
	}
	COMMIT();
#undef COMMIT
	return best;
}

size_t sigma_re_literal(const char *p, size_t n, bool caseless, char *out, size_t cap)
{
	return re_literals(p, n, caseless, out, cap, NULL);
}

#define RE_DFA_MIN_STARS 6 /* 3-4 (`(?i)set.*&&.*set.*`): the DFA matcher was 8x slower */
#define RE_DFA_WORKSPACE 1000 /* ints; too small -> the standard matcher */

struct sigma_re_scratch {
	int ws[RE_DFA_WORKSPACE];
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *js;
	sigma_arr_scratch arr; /* not about regexes: the matcher's other per-thread state */
};

sigma_arr_scratch *sigma_re_scratch_arr(sigma_re_scratch *s)
{
	return &s->arr;
}

/* Unbounded `.*` / `.+` (not escaped, not in a class) in a pattern. */
static size_t re_stars(const char *p, size_t n)
{
	size_t k = 0;
	bool cls = false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\') {
			i++;
			continue;
		}
		if (cls) {
			cls = p[i] != ']';
			continue;
		}
		if (p[i] == '[') {
			cls = true;
			if (i + 1 < n && p[i + 1] == ']')
				i++; /* []...] */
			continue;
		}
		if (p[i] == '.' && i + 1 < n && (p[i + 1] == '*' || p[i + 1] == '+'))
			k++;
	}
	return k;
}

/* A short atom that is still selective: two punctuation bytes ("&&",
 * "${"), rare in text where letters pair up everywhere, but not those of
 * paths, numbers and dates (":\" is in every Windows path).  Without it,
 * "Invoke-Obfuscation Via Stdin" (`(?i)(set).*&&\s?set.*(...)`; caseless,
 * so "set" loses its s) had no atom and ran on every PowerShell module
 * event of the bench, a sixth of the rule programs' time. */
static bool re_punct_atom(const char *p, size_t n)
{
	if (n != 2)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c <= ' ' || c >= 0x7f || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("\\/:.-_,", c))
			return false;
	}
	return true;
}

bool sigma_re_uses_dfa(const sigma_re *re)
{
	return re->dfa != NULL;
}

int sigma_re_compile(sigma_re **out, const char *pat, size_t n, unsigned flags, spoor_diag *diag)
{
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
	if (flags & RE_I)
		opts |= PCRE2_CASELESS;
	if (flags & RE_M)
		opts |= PCRE2_MULTILINE;
	if (flags & RE_S)
		opts |= PCRE2_DOTALL;
	int err;
	PCRE2_SIZE eoff;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)pat, n, opts, &err, &eoff, NULL);
	if (!c) {
		char m[160];
		pcre2_get_error_message(err, (PCRE2_UCHAR *)m, sizeof(m));
		return diag_set(diag, SPOOR_EPARSE, "bad regex at offset %zu: %s", (size_t)eoff, m);
	}
	sigma_re *re = xcalloc(1, sizeof(*re));
	if (!re) {
		pcre2_code_free(c);
		return SPOOR_ENOMEM;
	}
	re->code = c;
	atomic_init(&re->jitted, false);
	if (pthread_mutex_init(&re->jit_mu, NULL) != 0) {
		pcre2_code_free(c);
		free(re);
		return SPOOR_ENOMEM;
	}
	if (re_stars(pat, n) >= RE_DFA_MIN_STARS)
		re->dfa = pcre2_compile((PCRE2_SPTR)pat, n, opts & ~(uint32_t)PCRE2_MATCH_INVALID_UTF, &err, &eoff,
					NULL); /* NULL: the standard matcher only */
	re->atomn = re_literals(pat, n, (flags & RE_I) != 0, re->atom, SIGMA_RE_MAX_ATOM, re);
	if (re->atomn == 0)
		re->nmust = 0; /* "no atom" (alternation, \Q ...): runs met before it are not necessary */
	else if (re->atomn < SIGMA_RE_MIN_ATOM && !re_punct_atom(re->atom, re->atomn))
		re->atomn = 0;
	else
		re->nmust = 0; /* the prefilter looks for the atom: PCRE2 runs only where it is */
	re->atom[re->atomn] = 0;
	*out = re;
	return 0;
}

bool sigma_re_atom(const sigma_re *re, const char **p, size_t *n)
{
	*p = re->atom;
	*n = re->atomn;
	return re->atomn > 0;
}

size_t sigma_re_must(const sigma_re *re, size_t i, const char **p, size_t *n)
{
	if (i < re->nmust) {
		*p = re->must[i];
		*n = re->mustn[i];
	}
	return re->nmust;
}

void sigma_re_free(sigma_re *re)
{
	if (!re)
		return;
	pcre2_code_free(re->code);
	pcre2_code_free(re->dfa);
	pthread_mutex_destroy(&re->jit_mu);
	free(re);
}

/* JIT-compile re's code once, whichever thread gets here first (the
 * regex is logically immutable: this only changes how it runs). */
static void re_jit(const sigma_re *cre)
{
	sigma_re *re = (sigma_re *)cre;
	if (atomic_load_explicit(&re->jitted, memory_order_acquire))
		return;
	pthread_mutex_lock(&re->jit_mu);
	if (!atomic_load_explicit(&re->jitted, memory_order_relaxed)) {
		(void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE); /* not available: the interpreter */
		atomic_store_explicit(&re->jitted, true, memory_order_release);
	}
	pthread_mutex_unlock(&re->jit_mu);
}

size_t sigma_re_jit_size(const sigma_re *re)
{
	size_t n = 0;
	return pcre2_pattern_info(re->code, PCRE2_INFO_JITSIZE, &n) == 0 ? n : 0;
}

sigma_re_scratch *sigma_re_scratch_new(void)
{
	sigma_re_scratch *s = xcalloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->md = pcre2_match_data_create(1, NULL);
	s->mc = pcre2_match_context_create(NULL);
	s->js = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
	if (!s->md || !s->mc) {
		sigma_re_scratch_free(s);
		return NULL;
	}
	pcre2_set_match_limit(s->mc, RE_MATCH_LIMIT);
	pcre2_set_depth_limit(s->mc, RE_DEPTH_LIMIT);
	if (s->js)
		pcre2_jit_stack_assign(s->mc, NULL, s->js);
	return s;
}

void sigma_re_scratch_free(sigma_re_scratch *s)
{
	if (!s)
		return;
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mc);
	pcre2_jit_stack_free(s->js);
	sigma_arr_scratch_done(&s->arr);
	free(s);
}

/* Whether every quick-rejection literal is in the subject. */
static bool re_must(const sigma_re *re, const char *subj, size_t n)
{
	for (size_t i = 0; i < re->nmust; i++)
		if (!mem_icase_find(subj, n, re->must[i], re->mustn[i]))
			return false;
	return true;
}

int sigma_re_match(const sigma_re *re, sigma_re_scratch *s, const char *subj, size_t n)
{
	if (re->nmust && !re_must(re, subj ? subj : "", n))
		return 0;
	if (re->dfa) {
		int d = pcre2_dfa_match(re->dfa, (PCRE2_SPTR)(subj ? subj : ""), n, 0, PCRE2_DFA_SHORTEST, s->md,
					s->mc, s->ws, RE_DFA_WORKSPACE);
		if (d >= 0)
			return 1; /* 0: more matches than the match data holds */
		if (d == PCRE2_ERROR_NOMATCH)
			return 0;
		if (d == PCRE2_ERROR_MATCHLIMIT || d == PCRE2_ERROR_DEPTHLIMIT || d == PCRE2_ERROR_HEAPLIMIT)
			return SPOOR_ELIMIT;
		/* not UTF-8, a feature the DFA matcher lacks, its workspace: the standard one */
	}
	re_jit(re);
	int r = pcre2_match(re->code, (PCRE2_SPTR)(subj ? subj : ""), n, 0, 0, s->md, s->mc);
	if (r >= 0)
		return 1;
	if (r == PCRE2_ERROR_NOMATCH)
		return 0;
	return SPOOR_ELIMIT;
}
