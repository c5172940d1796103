/* Unit tests: the public rules API (spoor/rules.h) — loading from a
 * buffer, errors, stats, --min-level, filters applied to the rules they
 * name, the prefilter, and the alert JSON. */
#include "unit.h"

#include <stdlib.h>
#include <strings.h>

#include "event/event-int.h"
#include "event/field.h"
#include "spoor/rules.h"

static const char rules_yml[] =
    "title: Cmd by admin\n"
    "id: r-1\n"
    "level: high\n"
    "tags: [attack.execution, attack.t1059.001, attack.stealth, attack.g0001, cve.2024-1]\n"
    "logsource: {product: windows, category: process_creation}\n"
    "detection:\n"
    "  sel:\n"
    "    Image|endswith: '\\cmd.exe'\n"
    "  condition: sel\n"
    "---\n"
    "title: Low noise\n"
    "id: r-2\n"
    "level: low\n"
    "logsource: {product: windows, category: process_creation}\n"
    "detection:\n"
    "  sel:\n"
    "    CommandLine|contains: whoami\n"
    "  condition: sel\n"
    "---\n"
    "title: Not admins\n"
    "logsource: {product: windows, category: process_creation}\n"
    "filter:\n"
    "  rules: [r-1]\n"
    "  adm:\n"
    "    User: admin\n"
    "  condition: not adm\n"
    "---\n"
    "title: Broken\n"
    "logsource: {product: windows}\n"
    "detection:\n"
    "  sel: {A|nosuchmod: 1}\n"
    "  condition: sel\n"
    "---\n"
    "title: Correlated\n"
    "correlation: {type: event_count, rules: [r-1], group-by: [User], timespan: 5m, condition: {gte: 3}}\n";

typedef struct errs {
	int n;
	spoor_diag first;
} errs;

static void on_error(const spoor_diag *d, void *payload)
{
	errs *e = payload;
	if (!e->n++)
		e->first = *d;
}

static spoor_ruleset *load(spoor_ctx *ctx, spoor_level min, errs *e)
{
	spoor_rules_options o = SPOOR_RULES_OPTIONS_INIT;
	o.min_level = min;
	o.on_error = on_error;
	o.payload = e;
	memset(e, 0, sizeof(*e));
	spoor_ruleset *rs = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_ruleset_new(&rs, ctx, &o, &d), 0);
	assert_int_equal(spoor_ruleset_add_buffer(rs, "mem.yml", rules_yml, strlen(rules_yml), &d), 0);
	return rs;
}

static void make_event(spoor_event *ev, spoor_ctx *ctx, const char *user, const char *cmd)
{
	assert_int_equal(event_init(ev, ctx), 0);
	ev->ls.product = SPOOR_SV("windows");
	ev->ls.service = SPOOR_SV("sysmon");
	ev->ls.channel = SPOOR_SV("Microsoft-Windows-Sysmon/Operational");
	ev->origin.path = "events.json";
	ev->origin.offset = 42;
	ev->origin.line = 3;
	event_set_time(ev, 1700000000LL * 1000000000LL);
	event_add(ev, F_WIN_EVENT_ID, SPOOR_VT_NUM, SPOOR_SV("1"), 0);
	event_add(ev, field_intern(&ctx->ft, "Image", 5), SPOOR_VT_STR, SPOOR_SV("C:\\Windows\\System32\\CMD.EXE"), 0);
	event_add(ev, field_intern(&ctx->ft, "CommandLine", 11), SPOOR_VT_STR, sv_cstr(cmd), 0);
	event_add(ev, field_intern(&ctx->ft, "User", 4), SPOOR_VT_STR, sv_cstr(user), 0);
	event_add(ev, F_HOST_NAME, SPOOR_VT_STR, SPOOR_SV("ws1"), 0);
}

static void test_load_stats(void **state)
{
	(void)state;
	spoor_ctx *ctx = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	assert_int_equal(spoor_ctx_new(&ctx, &co, NULL), 0);
	errs e;
	spoor_ruleset *rs = load(ctx, SPOOR_LEVEL_NONE, &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.first.source, "mem.yml");
	assert_int_equal(e.first.line, 31);
	assert_non_null(strstr(e.first.msg, "unknown modifier 'nosuchmod'"));
	spoor_rules_stats st;
	spoor_ruleset_stats(rs, &st);
	assert_int_equal(st.files, 1);
	assert_int_equal(st.loaded, 4);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.active, 3); /* r-1, r-2 and the correlation */
	assert_int_equal(st.detection, 2);
	assert_int_equal(st.filters, 1);
	assert_int_equal(st.correlations, 1);
	assert_int_equal(spoor_ruleset_count(rs), 4);
	spoor_rule_info ri;
	assert_int_equal(spoor_ruleset_rule(rs, 0, &ri), 0);
	assert_string_equal(ri.id, "r-1");
	assert_int_equal(ri.level, SPOOR_LEVEL_HIGH);
	assert_int_equal(ri.line, 1);
	assert_int_equal(ri.ntags, 5);
	assert_true(ri.active);
	assert_int_equal(spoor_ruleset_rule(rs, 2, &ri), 0);
	assert_int_equal(ri.kind, SPOOR_RULE_FILTER);
	assert_false(ri.active);
	assert_int_equal(spoor_ruleset_rule(rs, 3, &ri), 0);
	assert_int_equal(ri.kind, SPOOR_RULE_CORRELATION);
	assert_true(ri.active);
	assert_null(ri.inactive_reason);
	assert_int_equal(spoor_ruleset_rule(rs, 4, &ri), SPOOR_ENOTFOUND);
	spoor_ruleset_free(rs);
	/* --min-level high: the low rule loads but does not run */
	rs = load(ctx, SPOOR_LEVEL_HIGH, &e);
	spoor_ruleset_stats(rs, &st);
	assert_int_equal(st.active, 1);
	assert_int_equal(spoor_ruleset_rule(rs, 1, &ri), 0);
	assert_string_equal(ri.inactive_reason, "below the minimum level");
	assert_int_equal(spoor_ruleset_rule(rs, 3, &ri), 0); /* the correlation has no level */
	assert_string_equal(ri.inactive_reason, "below the minimum level");
	spoor_ruleset_free(rs);
	assert_string_equal(spoor_level_name(SPOOR_LEVEL_CRITICAL), "critical");
	assert_int_equal(spoor_level_parse("medium"), SPOOR_LEVEL_MEDIUM);
	assert_int_equal(spoor_level_parse("severe"), -1);
	spoor_ctx_free(ctx);
}

static void test_match_filter_json(void **state)
{
	(void)state;
	for (int nopf = 0; nopf < 2; nopf++) {
		if (nopf)
			setenv("SPOOR_SIGMA_NO_PREFILTER", "1", 1);
		spoor_ctx *ctx = NULL;
		spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
		assert_int_equal(spoor_ctx_new(&ctx, &co, NULL), 0);
		errs e;
		spoor_ruleset *rs = load(ctx, SPOOR_LEVEL_NONE, &e);
		spoor_matcher *m = NULL;
		spoor_diag d = SPOOR_DIAG_INIT;
		assert_int_equal(spoor_matcher_new(&m, rs, &d), 0);
		spoor_rules_stats st;
		spoor_ruleset_stats(rs, &st);
		assert_int_equal(st.prefiltered, nopf ? 0 : 2);

		spoor_event ev;
		/* the filter drops r-1 for admin; r-2 has no filter */
		make_event(&ev, ctx, "admin", "whoami /all");
		assert_int_equal(spoor_matcher_match(m, &ev), 1);
		spoor_alert a;
		assert_int_equal(spoor_matcher_alert(m, 0, &a), 0);
		assert_int_equal(a.rule, 1);
		event_done(&ev);

		make_event(&ev, ctx, "bob", "dir");
		assert_int_equal(spoor_matcher_match(m, &ev), 1);
		assert_int_equal(spoor_matcher_alert(m, 0, &a), 0);
		assert_int_equal(a.rule, 0);
		assert_int_equal(a.nfields, 1);
		assert_sv_equal(spoor_field_name(ctx, a.fields[0]), "Image");
		assert_int_equal(spoor_matcher_alert(m, 1, &a), SPOOR_ENOTFOUND);
		spoor_sv js;
		assert_int_equal(spoor_matcher_alert_json(m, 0, &ev, &js), 0);
		char *j = strndup(js.p, js.n);
		static const char *const want[] = {
		    "{\"@timestamp\":\"2023-11-14T22:13:20Z\"",
		    "\"rule.id\":\"r-1\"",
		    "\"rule.name\":\"Cmd by admin\"",
		    "\"rule.ruleset\":\"sigma\"",
		    "\"rule.level\":\"high\"",
		    "\"rule.path\":\"mem.yml\"",
		    "\"threat.technique.id\":[\"T1059.001\"]",
		    "\"threat.tactic.name\":[\"Execution\",\"Stealth\"]",
		    "\"host.name\":\"ws1\"",
		    "\"event.code\":\"1\"",
		    "\"log.file.path\":\"events.json\"",
		    "\"log.offset\":42",
		    "\"spoor.line\":3",
		    "\"spoor.matched\":{\"Image\":\"C:\\\\Windows\\\\System32\\\\CMD.EXE\"}}\n",
		};
		for (size_t i = 0; i < ARRAY_SIZE(want); i++)
			if (!strstr(j, want[i]))
				fail_msg("alert JSON lacks %s: %s", want[i], j);
		assert_int_equal(j[strlen(j) - 1], '\n');
		free(j);
		event_done(&ev);

		/* another logsource: nothing */
		make_event(&ev, ctx, "bob", "whoami");
		ev.ls.channel = SPOOR_SV("Security");
		ev.ls.service = SPOOR_SV("security");
		assert_int_equal(spoor_matcher_match(m, &ev), 0);
		event_done(&ev);

		spoor_matcher_free(m);
		spoor_ruleset_free(rs);
		spoor_ctx_free(ctx);
		unsetenv("SPOOR_SIGMA_NO_PREFILTER");
	}
}

static void test_paths(void **state)
{
	(void)state;
	spoor_ctx *ctx = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	assert_int_equal(spoor_ctx_new(&ctx, &co, NULL), 0);
	spoor_ruleset *rs = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_ruleset_new(&rs, ctx, NULL, &d), 0);
	assert_int_equal(spoor_ruleset_add(rs, "/nonexistent/rules", &d), SPOOR_ENOTFOUND);
	assert_non_null(strstr(d.msg, "/nonexistent/rules"));
	spoor_matcher *m = NULL;
	assert_int_equal(spoor_matcher_new(&m, rs, &d), 0); /* an empty set matches nothing */
	spoor_event ev;
	make_event(&ev, ctx, "a", "b");
	assert_int_equal(spoor_matcher_match(m, &ev), 0);
	event_done(&ev);
	spoor_matcher_free(m);
	spoor_ruleset_free(rs);
	assert_null(spoor_ruleset_free(NULL));
	assert_null(spoor_matcher_free(NULL));
	spoor_ctx_free(ctx);
}

/* Long values go through the prefilter's long-value memo (a hit replays the
 * atoms of the same value seen before; a database whose values seldom
 * repeat rests from it and tries again): with values repeating from a pool,
 * values never seen again, values past the memo's length limit, and the
 * atom anywhere in them, in any case, every event must match exactly as a
 * plain search says. */
static void test_long_value_memo(void **state)
{
	(void)state;
	spoor_ctx *ctx = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	assert_int_equal(spoor_ctx_new(&ctx, &co, NULL), 0);
	errs e;
	spoor_ruleset *rs = load(ctx, SPOOR_LEVEL_NONE, &e);
	spoor_matcher *m = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_matcher_new(&m, rs, &d), 0);
	enum { POOL = 48, MAXLEN = 8300, EVENTS = 24000 };
	static const char *const forms[] = {"whoami", "WhoAmI", "WHOAMI", "whoam", "hoami"};
	char *pool[POOL];
	uint64_t x = 0x9E3779B97F4A7C15ull;
	for (size_t i = 0; i < POOL; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		/* every 8th past the memo's limit (8,192 bytes) */
		size_t n = i % 8 == 7 ? MAXLEN : 241 + (size_t)(x >> 33) % 2500;
		pool[i] = malloc(n + 1);
		assert_non_null(pool[i]);
		for (size_t k = 0; k < n; k++)
			pool[i][k] = (char)('a' + (k * 7 + i) % 23); /* each letter 7 after the last, mod 23: never "whoami" */
		pool[i][n] = 0;
		const char *f = forms[i % ARRAY_SIZE(forms)];
		size_t at = (size_t)(x >> 17) % (n - strlen(f));
		memcpy(pool[i] + at, f, strlen(f));
	}
	char *fresh = malloc(MAXLEN + 1);
	assert_non_null(fresh);
	size_t hits = 0;
	for (size_t ei = 0; ei < EVENTS; ei++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		const char *cmd;
		/* a stretch of values that do not repeat, so that the memo
		 * judges itself poor, rests (16,384 values) and comes back */
		if (ei >= 1500 && ei < 3000) {
			size_t n = 241 + (size_t)(x >> 33) % 2000;
			for (size_t k = 0; k < n; k++)
				fresh[k] = (char)('a' + (k + ei) % 19);
			fresh[n] = 0;
			if (ei % 3 == 0)
				memcpy(fresh + n / 2, "whoAMI", 6);
			cmd = fresh;
		} else {
			cmd = pool[(x >> 40) % POOL];
		}
		bool want = false;
		for (const char *p = cmd; *p && !want; p++)
			want = !strncasecmp(p, "whoami", 6);
		spoor_event ev;
		make_event(&ev, ctx, "bob", cmd);
		int n = spoor_matcher_match(m, &ev);
		/* r-1 (Image) always; r-2 when the command line holds whoami */
		if (n != 1 + (int)want)
			fail_msg("event %zu (%zu bytes): %d alerts, want %d", ei, strlen(cmd), n, 1 + (int)want);
		hits += want;
		event_done(&ev);
	}
	assert_true(hits > EVENTS / 4);
	for (size_t i = 0; i < POOL; i++)
		free(pool[i]);
	free(fresh);
	spoor_matcher_free(m);
	spoor_ruleset_free(rs);
	spoor_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_stats),
	    cmocka_unit_test(test_match_filter_json),
	    cmocka_unit_test(test_long_value_memo),
	    cmocka_unit_test(test_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
