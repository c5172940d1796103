/* Unit tests: the Sigma loader — documents, collections (global / repeat /
 * reset), filters, correlations, and errors with line:column. */
#include "unit.h"

#include <stdlib.h>

#include "detect/sigma/sigma-int.h"

typedef struct errs {
	spoor_diag d[8];
	size_t n;
} errs;

static void on_err(const spoor_diag *d, void *payload)
{
	errs *e = payload;
	if (e->n < 8)
		e->d[e->n++] = *d;
}

static sigma_file *load(const char *text, errs *e)
{
	sigma_file *f = NULL;
	memset(e, 0, sizeof(*e));
	assert_int_equal(sigma_file_load(&f, "t.yml", text, strlen(text), on_err, e), 0);
	return f;
}

static const char rule1[] = "title: Suspicious Thing\n"
			    "id: 11111111-2222-3333-4444-555555555555\n"
			    "status: test\n"
			    "level: high\n"
			    "tags:\n"
			    "    - attack.execution\n"
			    "    - attack.t1059.001\n"
			    "logsource:\n"
			    "    product: windows\n"
			    "    category: process_creation\n"
			    "detection:\n"
			    "    selection:\n"
			    "        Image|endswith|cased: '\\x.exe'\n"
			    "        CommandLine|contains:\n"
			    "            - 'a'\n"
			    "            - 1\n"
			    "            - null\n"
			    "    keywords:\n"
			    "        - 'k1'\n"
			    "    multi:\n"
			    "        - A: 1\n"
			    "        - B: ''\n"
			    "    condition: selection and not keywords or 1 of multi*\n"
			    "falsepositives:\n"
			    "    - Admins\n";

static void test_rule_ast(void **state)
{
	(void)state;
	errs e;
	sigma_file *f = load(rule1, &e);
	assert_int_equal(e.n, 0);
	assert_int_equal(f->n, 1);
	sigma_rule *r = f->rules[0];
	assert_int_equal(r->kind, SIGMA_RULE);
	assert_string_equal(r->title, "Suspicious Thing");
	assert_string_equal(r->id, "11111111-2222-3333-4444-555555555555");
	assert_string_equal(r->status, "test");
	assert_int_equal(r->level_num, 4);
	assert_int_equal(r->ntags, 2);
	assert_string_equal(r->tags[1], "attack.t1059.001");
	assert_string_equal(r->product, "windows");
	assert_string_equal(r->category, "process_creation");
	assert_null(r->service);
	assert_int_equal(r->nfalsepositives, 1);
	assert_int_equal(r->nsearches, 3);
	const sigma_search *s = &r->searches[0];
	assert_string_equal(s->name, "selection");
	assert_int_equal(s->nmaps, 1);
	assert_int_equal(s->maps[0].n, 2);
	const sigma_item *it = &s->maps[0].items[0];
	assert_string_equal(it->field, "Image");
	assert_int_equal(it->nmods, 2);
	assert_string_equal(it->mods[0], "endswith");
	assert_string_equal(it->mods[1], "cased");
	assert_int_equal(it->line, 13);
	assert_int_equal(it->col, 9);
	it = &s->maps[0].items[1];
	assert_int_equal(it->nvals, 3);
	assert_int_equal(it->vals[0].kind, SVAL_STR);
	assert_int_equal(it->vals[1].kind, SVAL_NUM);
	assert_int_equal(it->vals[2].kind, SVAL_NULL);
	/* keywords: one field-less item */
	s = &r->searches[1];
	assert_int_equal(s->nmaps, 1);
	assert_null(s->maps[0].items[0].field);
	assert_int_equal(s->maps[0].items[0].nvals, 1);
	/* list of maps */
	s = &r->searches[2];
	assert_int_equal(s->nmaps, 2);
	assert_int_equal(s->maps[1].items[0].vals[0].n, 0);
	assert_int_equal(s->maps[1].items[0].vals[0].kind, SVAL_STR);
	assert_int_equal(r->nconds, 1);
	assert_int_equal(r->conds[0].line, 23);
	sigma_file_free(f);
}

static void test_quoted_null_is_string(void **state)
{
	(void)state;
	errs e;
	sigma_file *f =
	    load("title: t\nlogsource: {product: x}\ndetection:\n  s:\n    A: 'null'\n    B: ~\n    C: \"true\"\n"
		 "    D: true\n  condition: s\n",
		 &e);
	assert_int_equal(f->n, 1);
	const sigma_item *it = f->rules[0]->searches[0].maps[0].items;
	assert_int_equal(it[0].vals[0].kind, SVAL_STR);
	assert_int_equal(it[1].vals[0].kind, SVAL_NULL);
	assert_int_equal(it[2].vals[0].kind, SVAL_STR);
	assert_int_equal(it[3].vals[0].kind, SVAL_BOOL);
	sigma_file_free(f);
}

static void test_collections(void **state)
{
	(void)state;
	errs e;
	sigma_file *f = load("action: global\n"
			     "title: Global title\n"
			     "level: high\n"
			     "detection:\n"
			     "    sel:\n"
			     "        A: 1\n"
			     "    condition: sel\n"
			     "---\n"
			     "logsource:\n"
			     "    product: windows\n"
			     "    service: security\n"
			     "---\n"
			     "logsource:\n"
			     "    product: windows\n"
			     "    service: system\n"
			     "level: low\n"
			     "---\n"
			     "action: repeat\n"
			     "title: Repeated\n"
			     "---\n"
			     "action: reset\n"
			     "---\n"
			     "title: Alone\n"
			     "logsource:\n"
			     "    product: linux\n"
			     "detection:\n"
			     "    s:\n"
			     "        B: 2\n"
			     "    condition: s\n",
			     &e);
	assert_int_equal(e.n, 0);
	assert_int_equal(f->n, 4);
	assert_string_equal(f->rules[0]->title, "Global title");
	assert_string_equal(f->rules[0]->service, "security");
	assert_string_equal(f->rules[0]->level, "high");
	assert_int_equal(f->rules[0]->nsearches, 1);
	assert_string_equal(f->rules[1]->service, "system");
	assert_string_equal(f->rules[1]->level, "low"); /* document overrides global */
	assert_string_equal(f->rules[2]->title, "Repeated");
	assert_string_equal(f->rules[2]->service, "system"); /* from the previous document */
	assert_string_equal(f->rules[3]->title, "Alone");
	assert_null(f->rules[3]->level); /* global forgotten */
	assert_int_equal(f->rules[3]->line, 23);
	sigma_file_free(f);
}

static void test_filter_and_correlation(void **state)
{
	(void)state;
	errs e;
	sigma_file *f = load("title: Filter admins\n"
			     "logsource:\n"
			     "    product: windows\n"
			     "filter:\n"
			     "    rules:\n"
			     "        - 11111111-2222-3333-4444-555555555555\n"
			     "    selection:\n"
			     "        User: admin\n"
			     "    condition: not selection\n"
			     "---\n"
			     "title: Many failed logons\n"
			     "name: many_failed\n"
			     "level: high\n"
			     "correlation:\n"
			     "    type: event_count\n"
			     "    rules:\n"
			     "        - failed_logon\n"
			     "    group-by:\n"
			     "        - TargetUserName\n"
			     "    timespan: 15m\n"
			     "    condition:\n"
			     "        gte: 10\n"
			     "---\n"
			     "title: Distinct users\n"
			     "correlation:\n"
			     "    type: value_count\n"
			     "    rules: failed_logon\n"
			     "    group-by: [IpAddress]\n"
			     "    timespan: 1h\n"
			     "    condition:\n"
			     "        field: TargetUserName\n"
			     "        gt: 3\n"
			     "        lt: 100\n"
			     "---\n"
			     "title: Temporal\n"
			     "correlation:\n"
			     "    type: temporal_ordered\n"
			     "    rules: [a, b]\n"
			     "    group-by: [x]\n"
			     "    timespan: 2d\n"
			     "    aliases:\n"
			     "        u:\n"
			     "            a: User\n"
			     "            b: TargetUser\n",
			     &e);
	assert_int_equal(e.n, 0);
	assert_int_equal(f->n, 4);
	sigma_rule *r = f->rules[0];
	assert_int_equal(r->kind, SIGMA_FILTER);
	assert_int_equal(r->nfilter_rules, 1);
	assert_int_equal(r->nsearches, 1);
	assert_int_equal(r->nconds, 1);
	r = f->rules[1];
	assert_int_equal(r->kind, SIGMA_CORRELATION);
	assert_string_equal(r->corr.type, "event_count");
	assert_int_equal(r->corr.timespan_s, 900);
	assert_true(r->corr.has_cond[1]);
	assert_true(r->corr.cond[1] == 10.0);
	assert_string_equal(r->corr.group_by[0], "TargetUserName");
	r = f->rules[2];
	assert_string_equal(r->corr.cond_field, "TargetUserName");
	assert_int_equal(r->corr.nrules, 1);
	assert_int_equal(r->corr.timespan_s, 3600);
	assert_true(r->corr.has_cond[0] && r->corr.has_cond[2]);
	r = f->rules[3];
	assert_int_equal(r->corr.nrules, 2);
	assert_int_equal(r->corr.timespan_s, 2 * 86400);
	assert_non_null(r->corr.aliases);
	sigma_file_free(f);
}

/* Errors: each document that fails is reported with line:col and reason. */
static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *yaml;
		uint64_t line;
		uint32_t col;
		const char *msg;
	} cases[] = {
	    {"title: t\nlogsource: {product: x}\n", 1, 1, "no 'detection'"},
	    {"title: t\ndetection:\n  s: {A: 1}\n  condition: s\n", 1, 1, "no 'logsource'"},
	    {"logsource: {product: x}\ndetection:\n  s: {A: 1}\n  condition: s\n", 1, 1, "no 'title'"},
	    {"title: t\nlogsource: {product: x}\ndetection:\n  s: {A: 1}\n", 3, 1, "no 'condition'"},
	    {"title: t\nlogsource: {product: x}\ndetection:\n  condition: s\n", 3, 1, "no search identifiers"},
	    {"title: t\nlogsource: {product: x}\ndetection:\n  s:\n    A:\n      B: 1\n  condition: s\n", 6, 7,
	     "must not be a map"},
	    {"title: t\nlogsource: {product: x}\ndetection:\n  s:\n    - A: 1\n    - 'kw'\n  condition: s\n", 6, 7,
	     "mixes maps and keywords"},
	    {"title: t\nlogsource: {product: x}\ndetection:\n  s:\n  condition: s\n", 4, 3, "is empty"},
	    {"title: t\nlevel: severe\nlogsource: {product: x}\ndetection:\n  s: {A: 1}\n  condition: s\n", 2, 8,
	     "unknown level"},
	    {"title: t\nlogsource: {product: x}\ndetection:\n  s:\n    A||contains: 1\n  condition: s\n", 5, 5,
	     "empty modifier"},
	    {"title: t\nlogsource: {product: x}\ndetection:\n  s: {A: 1}\n  condition: s\n  s: {B: 1}\n", 6, 3,
	     "defined twice"},
	    {"title: t\n  bad: indent\n", 2, 6, "YAML"},
	    {"title: [unclosed\n", 2, 1, "YAML"},
	    {"title: t\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5x\n  condition: {gte: 1}\n", 5,
	     13, "bad timespan"},
	    {"title: t\ncorrelation:\n  type: wrong\n  rules: [a]\n  timespan: 5m\n", 3, 9, "unknown correlation type"},
	    {"title: t\ncorrelation:\n  type: value_count\n  rules: [a]\n  timespan: 5m\n  condition: {gte: 1}\n", 6,
	     14, "needs 'condition.field'"},
	    {"title: t\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition: {about: 1}\n", 6,
	     15, "unknown correlation condition operator"},
	    {"action: repeat\ntitle: x\n", 1, 9, "no previous document"},
	    {"action: merge\ntitle: x\n", 1, 9, "unknown collection action"},
	    {"", 1, 1, "no YAML document"},
	    {"- a\n- b\n", 1, 1, "must be a map"},
	};
	int bad = 0;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		errs e;
		sigma_file *f = load(cases[i].yaml, &e);
		if (f->n != 0 || e.n != 1 || e.d[0].line != cases[i].line || e.d[0].col != cases[i].col ||
		    !strstr(e.d[0].msg, cases[i].msg) || strcmp(e.d[0].source, "t.yml")) {
			print_error(
			    "case %zu: %zu rules, %zu errors; first: %s:%llu:%u: %s (expected %llu:%u: ...%s...)\n", i,
			    f->n, e.n, e.n ? e.d[0].source : "", e.n ? (unsigned long long)e.d[0].line : 0ULL,
			    e.n ? e.d[0].col : 0, e.n ? e.d[0].msg : "", (unsigned long long)cases[i].line,
			    cases[i].col, cases[i].msg);
			bad++;
		}
		sigma_file_free(f);
	}
	assert_int_equal(bad, 0);
}

/* A bad document does not hide the good ones around it. */
static void test_partial(void **state)
{
	(void)state;
	errs e;
	sigma_file *f = load("title: ok1\nlogsource: {product: x}\ndetection: {s: {A: 1}, condition: s}\n---\n"
			     "title: bad\nlogsource: {product: x}\n---\n"
			     "title: ok2\nlogsource: {product: x}\ndetection: {s: {A: 1}, condition: s}\n",
			     &e);
	assert_int_equal(f->n, 2);
	assert_int_equal(f->nbad, 1);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.d[0].line, 5);
	assert_string_equal(f->rules[1]->title, "ok2");
	sigma_file_free(f);
}

/* Aliases expand; a self-referencing alias bomb hits the node limit. */
static void test_alias_limits(void **state)
{
	(void)state;
	errs e;
	sigma_file *f = load("title: t\nlogsource: {product: x}\ndetection:\n  s:\n    A: &v [1, 2]\n    B: *v\n"
			     "  condition: s\n",
			     &e);
	assert_int_equal(f->n, 1);
	assert_int_equal(f->rules[0]->searches[0].maps[0].items[1].nvals, 2);
	sigma_file_free(f);
	/* billion laughs */
	const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
			   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
	f = load(bomb, &e);
	assert_int_equal(f->n, 0);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.d[0].msg, "nodes"));
	sigma_file_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rule_ast),	 cmocka_unit_test(test_quoted_null_is_string),
	    cmocka_unit_test(test_collections),	 cmocka_unit_test(test_filter_and_correlation),
	    cmocka_unit_test(test_errors),	 cmocka_unit_test(test_partial),
	    cmocka_unit_test(test_alias_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
