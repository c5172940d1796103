/* Unit tests: rule fields the event has as JSON arrays (sigma-array.c).
 * Events carry the names the JSON reader gives flattened arrays
 * (Parameters.0.Name, tags.1, a.0.b.1.c); each case runs through the
 * public matcher with the prefilter and without it. */
#include "unit.h"

#include <stdlib.h>

#include "event/event-int.h"
#include "event/field.h"
#include "spoor/rules.h"

typedef struct acase {
	const char *name;
	const char *detection; /* YAML block under detection: (2-space indented) */
	const char *fields;    /* "name=value;name=value" */
	int expect;
} acase;

static const char *const PARAMS = "Operation=New-InboxRule;Parameters.0.Name=Name;Parameters.0.Value=x;"
				  "Parameters.1.Name=ForwardTo;Parameters.1.Value=evil@bad.example";

static const acase cases[] = {
    {"contains over an array of objects", "  s:\n    Parameters|contains: ForwardTo\n  condition: s\n", NULL, 1},
    {"contains finds the value side too", "  s:\n    Parameters|contains: 'bad.example'\n  condition: s\n", NULL, 1},
    {"no element matches", "  s:\n    Parameters|contains: RedirectTo\n  condition: s\n", NULL, 0},
    {"path through the array", "  s:\n    Parameters.Name: ForwardTo\n  condition: s\n", NULL, 1},
    {"path through the array, other key", "  s:\n    Parameters.Value: ForwardTo\n  condition: s\n", NULL, 0},
    {"list of values, any element",
     "  s:\n    Parameters.Name:\n      - DeleteMessage\n      - forwardto\n"
     "  condition: s\n",
     NULL, 1},
    {"scalar array", "  s:\n    tags: b\n  condition: s\n", "tags.0=a;tags.1=b", 1},
    {"scalar array, no element", "  s:\n    tags: c\n  condition: s\n", "tags.0=a;tags.1=b", 0},
    {"all: each value by some element", "  s:\n    tags|all: [a, b]\n  condition: s\n", "tags.0=a;tags.1=b", 1},
    {"all: one value unmatched", "  s:\n    tags|all: [a, c]\n  condition: s\n", "tags.0=a;tags.1=b", 0},
    {"not: an element matches the filter", "  s:\n    x: 1\n  f:\n    tags: b\n  condition: s and not f\n",
     "x=1;tags.0=a;tags.1=b", 0},
    {"not: no element matches the filter", "  s:\n    x: 1\n  f:\n    tags: z\n  condition: s and not f\n",
     "x=1;tags.0=a;tags.1=b", 1},
    {"neq over an array", "  s:\n    tags|neq: b\n  condition: s\n", "tags.0=a;tags.1=b", 0},
    {"nested arrays", "  s:\n    a.b.c: deep\n  condition: s\n", "a.0.b.0.c=no;a.1.b.2.c=deep", 1},
    {"nested arrays, prefix of the path", "  s:\n    a.b|contains: dee\n  condition: s\n", "a.1.b.2.c=deep", 1},
    {"exists: an element is there", "  s:\n    tags|exists: true\n  condition: s\n", "tags.0=a", 1},
    {"null: not when elements exist", "  s:\n    tags: null\n  condition: s\n", "tags.0=a", 0},
    {"null: no elements", "  s:\n    tags: null\n  condition: s\n", "other.0=a", 1},
    {"a name prefix is not a segment", "  s:\n    Param|contains: ForwardTo\n  condition: s\n", NULL, 0},
    {"object keys are not array indices", "  s:\n    Parameters: x\n  condition: s\n", "Parameters.Name.Value=x", 0},
    {"a present field and elements are all values", "  s:\n    tags: b\n  condition: s\n", "tags=a;tags.0=b", 1},
    {"present field matches, elements not needed", "  s:\n    tags: a\n  condition: s\n", "tags=a;tags.0=b", 1},
    {"neq: any value equal", "  s:\n    tags|neq: b\n  condition: s\n", "tags=a;tags.0=b", 0},
    {"neq on an absent field is false", "  s:\n    tags|neq: b\n  condition: s\n", "other=a", 0},
    {"M365: a parameter called Name", "  s:\n    Parameters.Name: ForwardTo\n  condition: s\n",
     "Parameters.0.Name=Name;Parameters.0.Value=sync;Parameters.1.Name=ForwardTo;Parameters.Name=sync", 1},
    /* keyword (field-less) items: prefiltered through the keyword database */
    {"keyword in some field", "  kw:\n    - 'sekurlsa::'\n    - mimikatz\n  condition: kw\n",
     "x=1;CommandLine=run SEKURLSA::logonpasswords", 1},
    {"keyword nowhere", "  kw:\n    - 'sekurlsa::'\n    - mimikatz\n  condition: kw\n", "x=1;CommandLine=whoami", 0},
    {"keyword all: in two fields", "  kw:\n    '|all':\n      - alpha\n      - omega\n  condition: kw\n",
     "a=alpha one;b=omega two", 1},
    {"keyword all: one missing", "  kw:\n    '|all':\n      - alpha\n      - omega\n  condition: kw\n",
     "a=alpha one;b=beta two", 0},
    {"keyword does not span two values", "  kw:\n    - 'ab'\n  condition: kw\n", "a=xa;b=bx", 0},
    {"re over elements", "  s:\n    Parameters.Value|re: '^evil@'\n  condition: s\n", NULL, 1},
};

static int run_case(spoor_ctx *ctx, const acase *c)
{
	char yml[1024];
	snprintf(yml, sizeof(yml), "title: t\nid: a-1\nlogsource: {product: m365, service: audit}\ndetection:\n%s",
		 c->detection);
	spoor_rules_options o = SPOOR_RULES_OPTIONS_INIT;
	spoor_ruleset *rs = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_ruleset_new(&rs, ctx, &o, &d), 0);
	assert_int_equal(spoor_ruleset_add_buffer(rs, "a.yml", yml, strlen(yml), &d), 0);
	spoor_rules_stats st;
	spoor_ruleset_stats(rs, &st);
	if (st.active != 1)
		fail_msg("case '%s': rule does not load", c->name);
	spoor_matcher *m = NULL;
	assert_int_equal(spoor_matcher_new(&m, rs, &d), 0);
	spoor_event ev;
	assert_int_equal(event_init(&ev, ctx), 0);
	ev.ls.product = SPOOR_SV("m365");
	ev.ls.service = SPOOR_SV("exchange");
	char *fs = strdup(c->fields ? c->fields : PARAMS);
	assert_non_null(fs);
	for (char *save = NULL, *kv = strtok_r(fs, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(kv, '=');
		assert_non_null(eq);
		*eq = 0;
		uint32_t id = field_intern(&ctx->ft, kv, strlen(kv));
		assert_true(id != 0);
		assert_int_equal(event_add(&ev, id, SPOOR_VT_STR, sv_cstr(eq + 1), 0), 0);
	}
	int n = spoor_matcher_match(m, &ev);
	/* the same matcher, a second event without arrays: no stale state */
	event_reset(&ev);
	ev.ls.product = SPOOR_SV("m365");
	ev.ls.service = SPOOR_SV("exchange");
	int n2 = spoor_matcher_match(m, &ev);
	event_done(&ev);
	free(fs);
	spoor_matcher_free(m);
	spoor_ruleset_free(rs);
	if (n2 > 0 && c->expect && !strstr(c->detection, "null") && !strstr(c->detection, "not "))
		fail_msg("case '%s': matched an event without the array", c->name);
	return n;
}

static void test_arrays(void **state)
{
	(void)state;
	int bad = 0;
	for (int pf = 0; pf < 2; pf++) {
		setenv("SPOOR_SIGMA_NO_PREFILTER", pf ? "1" : "0", 1);
		for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
			spoor_ctx *ctx = NULL;
			spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
			assert_int_equal(spoor_ctx_new(&ctx, &co, NULL), 0);
			int got = run_case(ctx, &cases[i]);
			spoor_ctx_free(ctx);
			if (got != cases[i].expect) {
				print_error("case '%s' (%s prefilter): got %d, expected %d\n", cases[i].name,
					    pf ? "without" : "with", got, cases[i].expect);
				bad++;
			}
		}
	}
	unsetenv("SPOOR_SIGMA_NO_PREFILTER");
	assert_int_equal(bad, 0);
}

/* The alert names the element that matched. */
static void test_hits(void **state)
{
	(void)state;
	spoor_ctx *ctx = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	assert_int_equal(spoor_ctx_new(&ctx, &co, NULL), 0);
	const char *yml = "title: t\nlogsource: {product: m365, service: audit}\ndetection:\n"
			  "  s:\n    Parameters|contains: ForwardTo\n  condition: s\n";
	spoor_rules_options o = SPOOR_RULES_OPTIONS_INIT;
	spoor_ruleset *rs = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_ruleset_new(&rs, ctx, &o, &d), 0);
	assert_int_equal(spoor_ruleset_add_buffer(rs, "a.yml", yml, strlen(yml), &d), 0);
	spoor_matcher *m = NULL;
	assert_int_equal(spoor_matcher_new(&m, rs, &d), 0);
	spoor_event ev;
	assert_int_equal(event_init(&ev, ctx), 0);
	ev.ls.product = SPOOR_SV("m365");
	ev.ls.service = SPOOR_SV("exchange");
	event_add(&ev, field_intern(&ctx->ft, "Parameters.0.Name", 17), SPOOR_VT_STR, SPOOR_SV("Identity"), 0);
	event_add(&ev, field_intern(&ctx->ft, "Parameters.1.Name", 17), SPOOR_VT_STR, SPOOR_SV("ForwardTo"), 0);
	assert_int_equal(spoor_matcher_match(m, &ev), 1);
	spoor_alert a;
	assert_int_equal(spoor_matcher_alert(m, 0, &a), 0);
	assert_int_equal(a.nfields, 1);
	assert_sv_equal(spoor_field_name(ctx, a.fields[0]), "Parameters.1.Name");
	event_done(&ev);
	spoor_matcher_free(m);
	spoor_ruleset_free(rs);
	spoor_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arrays),
	    cmocka_unit_test(test_hits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
