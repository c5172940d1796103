/* sigma-re — the `re` modifier: PCRE2 with JIT and match limits.
 *
 * Sigma regexes are unanchored searches, case-sensitive unless the `i`
 * sub-modifier (or an inline `(?i)`) says otherwise; `m` and `s` are
 * PCRE2_MULTILINE and PCRE2_DOTALL.  A match that hits the match or depth
 * limit counts as no match (and is counted by the caller later). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma/sigma-int.h"

#define RE_MATCH_LIMIT 100000u
#define RE_DEPTH_LIMIT 1000u

struct sigma_re {
	pcre2_code *code;
	bool jit;
};

struct sigma_re_scratch {
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *js;
	sigma_arr_scratch arr; /* not about regexes: the matcher's other per-thread state */
};

sigma_arr_scratch *sigma_re_scratch_arr(sigma_re_scratch *s)
{
	return &s->arr;
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
	re->jit = pcre2_jit_compile(c, PCRE2_JIT_COMPLETE) == 0;
	*out = re;
	return 0;
}

void sigma_re_free(sigma_re *re)
{
	if (!re)
		return;
	pcre2_code_free(re->code);
	free(re);
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

int sigma_re_match(const sigma_re *re, sigma_re_scratch *s, const char *subj, size_t n)
{
	int r = pcre2_match(re->code, (PCRE2_SPTR)(subj ? subj : ""), n, 0, 0, s->md, s->mc);
	if (r >= 0)
		return 1;
	if (r == PCRE2_ERROR_NOMATCH)
		return 0;
	return SPOOR_ELIMIT;
}
