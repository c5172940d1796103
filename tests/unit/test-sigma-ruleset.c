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

/* A context, the rules of one YAML buffer and a matcher over them. */
typedef struct loaded {
	spoor_ctx *ctx;
	spoor_ruleset *rs;
	spoor_matcher *m;
} loaded;

static loaded rules_from(const char *yml)
{
	loaded l = {NULL, NULL, NULL};
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	assert_int_equal(spoor_ctx_new(&l.ctx, &co, NULL), 0);
	spoor_rules_options o = SPOOR_RULES_OPTIONS_INIT;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_ruleset_new(&l.rs, l.ctx, &o, &d), 0);
	assert_int_equal(spoor_ruleset_add_buffer(l.rs, "mem.yml", yml, strlen(yml), &d), 0);
	assert_int_equal(spoor_matcher_new(&l.m, l.rs, &d), 0);
	return l;
}

static void rules_done(loaded *l)
{
	spoor_matcher_free(l->m);
	spoor_ruleset_free(l->rs);
	spoor_ctx_free(l->ctx);
}

/* A Windows event of the given service and channel, nothing in it yet. */
static void win_event(spoor_event *ev, spoor_ctx *ctx, const char *service, const char *channel)
{
	assert_int_equal(event_init(ev, ctx), 0);
	ev->ls.product = SPOOR_SV("windows");
	ev->ls.service = sv_cstr(service);
	ev->ls.channel = sv_cstr(channel);
}

/* Long values go through the prefilter's memos: whole (a hit replays the
 * atoms of the same value seen before) or, in a database none of whose
 * atoms holds a newline, line by line; each way judges itself and rests
 * when it does not pay.  With values made of lines repeating from a pool,
 * lines never seen again, one-line values, values past the memos' length
 * limit, and the atoms anywhere, in any case, across line ends too, every
 * event must match exactly as a plain search says. */
static const char memo_yml[] =
    "title: Whoami\n"
    "id: l-1\n"
    "logsource: {product: windows, category: process_creation}\n"
    "detection:\n"
    "  sel:\n"
    "    CommandLine|contains: whoami\n"
    "  condition: sel\n"
    "---\n"
    "title: Across a line end\n"
    "id: l-2\n"
    "logsource: {product: windows, category: process_creation}\n"
    "detection:\n"
    "  sel:\n"
    "    ParentCommandLine|contains: \"end\\nnext\"\n"
    "  condition: sel\n"
    "---\n"
    "title: Never there\n"
    "id: l-3\n"
    "logsource: {product: windows, category: process_creation}\n"
    "detection:\n"
    "  sel:\n"
    /* atoms enough for Vectorscan and the memos, not the tiny matcher */
    "    CommandLine|contains: [q1z, q2z, q3z, q4z, q5z, q6z, q7z, q8z, q9z, q10z, q11z, q12z,\n"
    "                           q13z, q14z, q15z, q16z, q17z, q18z, q19z, q20z]\n"
    "  condition: sel\n";

static bool icase_has(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	for (size_t i = 0; i + k <= n; i++)
		if (!strncasecmp(s + i, w, k))
			return true;
	return false;
}

static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 33;
}

static void test_long_value_memo(void **state)
{
	(void)state;
	loaded rl = rules_from(memo_yml);
	spoor_ctx *ctx = rl.ctx;
	spoor_matcher *m = rl.m;

	/* a pool of lines: filler (each letter 7 after the last, mod 23,
	 * never spelling an atom), some holding an atom or a piece of one */
	enum { LINES = 64, CAP = 20000, EVENTS = 24000 };
	char *pool[LINES];
	uint64_t x = 0x9E3779B97F4A7C15ull;
	for (size_t i = 0; i < LINES; i++) {
		size_t n = 8 + lcg(&x) % (i % 4 == 3 ? 400 : 120);
		pool[i] = malloc(n + 1);
		assert_non_null(pool[i]);
		for (size_t k = 0; k < n; k++)
			pool[i][k] = (char)('a' + (k * 7 + i) % 23);
		pool[i][n] = 0;
		/* line ends and starts that make an atom across a newline, or
		 * would if the newline were not there */
		const char *b = i % 8 == 0    ? "End"
				: i % 8 == 1  ? "nExt"
				: i % 16 == 2 ? "WhoAmI"
				: i % 8 == 3  ? "who"
				: i % 8 == 4  ? "ami"
					      : NULL;
		if (b) {
			size_t bl = strlen(b);
			size_t at = i % 8 == 1 || i % 8 == 4 ? 0 : i % 8 == 2 ? lcg(&x) % (n - bl) : n - bl;
			memcpy(pool[i] + at, b, bl);
		}
	}
	char *v = malloc(CAP + 1);
	assert_non_null(v);
	size_t want1 = 0, want2 = 0;
	for (size_t ei = 0; ei < EVENTS; ei++) {
		size_t n = 0;
		unsigned mode = ei < 1500 || ei >= 4000 ? (unsigned)(lcg(&x) % 8) : 8;
		if (mode == 8) {
			/* fresh lines, never seen again: the line memo judges
			 * itself poor, rests and comes back */
			size_t lines = 3 + lcg(&x) % 20;
			for (size_t l = 0; l < lines; l++) {
				size_t len = 20 + lcg(&x) % 200;
				for (size_t k = 0; k < len; k++)
					v[n++] = (char)('a' + (k + ei + l) % 19);
				if (l % 5 == 4)
					memcpy(v + n - 6, "wHoAmI", 6);
				v[n++] = '\n';
			}
		} else if (mode == 7) {
			/* one line, long, past the memos' limit at times */
			size_t len = lcg(&x) % 2 ? 300 + lcg(&x) % 3000 : 8300;
			const char *src = pool[lcg(&x) % LINES];
			size_t sl = strlen(src);
			while (n < len) {
				size_t c = MIN(sl, len - n);
				memcpy(v + n, src, c);
				n += c;
			}
		} else {
			/* pool lines */
			size_t lines = 2 + lcg(&x) % 40;
			for (size_t l = 0; l < lines && n + 402 < CAP; l++) {
				const char *src = pool[lcg(&x) % LINES];
				size_t sl = strlen(src);
				memcpy(v + n, src, sl);
				n += sl;
				v[n++] = mode == 6 && l % 2 ? '\r' : '\n';
			}
		}
		v[n] = 0;
		bool w1 = icase_has(v, n, "whoami"), w2 = icase_has(v, n, "end\nnext");
		want1 += w1;
		want2 += w2;
		spoor_event ev;
		win_event(&ev, ctx, "sysmon", "Microsoft-Windows-Sysmon/Operational");
		event_add(&ev, F_WIN_EVENT_ID, SPOOR_VT_NUM, SPOOR_SV("1"), 0);
		event_add(&ev, field_intern(&ctx->ft, "CommandLine", 11), SPOOR_VT_STR, (spoor_sv){v, n}, 0);
		event_add(&ev, field_intern(&ctx->ft, "ParentCommandLine", 17), SPOOR_VT_STR, (spoor_sv){v, n}, 0);
		int got = spoor_matcher_match(m, &ev);
		bool g1 = false, g2 = false;
		for (int i = 0; i < got; i++) {
			spoor_alert a;
			assert_int_equal(spoor_matcher_alert(m, (size_t)i, &a), 0);
			g1 |= a.rule == 0;
			g2 |= a.rule == 1;
		}
		if (g1 != w1 || g2 != w2)
			fail_msg("event %zu (mode %u, %zu bytes): whoami %d want %d, end/next %d want %d", ei, mode, n,
				 g1, w1, g2, w2);
		event_done(&ev);
	}
	/* the data exercise both rules, matching and not */
	assert_true(want1 > EVENTS / 10 && want1 < EVENTS - EVENTS / 10);
	assert_true(want2 > EVENTS / 20 && want2 < EVENTS - EVENTS / 10);
	for (size_t i = 0; i < LINES; i++)
		free(pool[i]);
	free(v);
	rules_done(&rl);
}

/* The keyword scan of text outside the raw record is remembered by text
 * and keyword database: the same text, for events of two logsources whose
 * keyword databases differ, must give each its own answer, again and
 * again. */
static const char kwmemo_yml[] = "title: Alpha\n"
				 "id: k-1\n"
				 "logsource: {product: windows, service: sysmon}\n"
				 "detection:\n"
				 "  keywords: [alpha]\n"
				 "  condition: keywords\n"
				 "---\n"
				 "title: Beta\n"
				 "id: k-2\n"
				 "logsource: {product: windows, service: security}\n"
				 "detection:\n"
				 "  keywords: [beta]\n"
				 "  condition: keywords\n";

static void test_keyword_memo(void **state)
{
	(void)state;
	loaded rl = rules_from(kwmemo_yml);
	spoor_ctx *ctx = rl.ctx;
	spoor_matcher *m = rl.m;
	spoor_rules_stats st;
	spoor_ruleset_stats(rl.rs, &st);
	assert_int_equal(st.prefiltered, 2); /* both gated: an alert needs the keyword scan's atom */
	static const char *const texts[] = {"alpha and beta", "only alpha", "only beta", "neither", "ALPHA BETA"};
	for (size_t round = 0; round < 4; round++)
		for (size_t i = 0; i < ARRAY_SIZE(texts); i++)
			for (int sec = 0; sec < 2; sec++) {
				spoor_event ev;
				win_event(&ev, ctx, sec ? "security" : "sysmon",
					  sec ? "Security" : "Microsoft-Windows-Sysmon/Operational");
				event_add(&ev, field_intern(&ctx->ft, "Message", 7), SPOOR_VT_STR, sv_cstr(texts[i]),
					  0);
				const char *w = sec ? "beta" : "alpha";
				bool want = false;
				for (const char *q = texts[i]; *q && !want; q++)
					want = !strncasecmp(q, w, strlen(w));
				int got = spoor_matcher_match(m, &ev);
				spoor_alert a;
				if (got != (int)want ||
				    (got && (spoor_matcher_alert(m, 0, &a) || a.rule != (size_t)sec)))
					fail_msg("round %zu, \"%s\" on %s: %d alerts, want %d", round, texts[i],
						 sec ? "security" : "sysmon", got, want);
				event_done(&ev);
			}
	rules_done(&rl);
}

/* A process_creation rule: CommandLine contains `value` (YAML), or one of
 * 80 filler atoms, enough for the short memo (PF_MEMO_MIN_ATOMS). */
static loaded commandline_rule(const char *value)
{
	char yml[4096];
	int n = snprintf(yml, sizeof(yml),
			 "title: Escaped\nid: e-1\n"
			 "logsource: {product: windows, category: process_creation}\n"
			 "detection:\n  sel:\n    CommandLine|contains:\n      - %s\n",
			 value);
	for (int i = 0; i < 80; i++)
		n += snprintf(yml + n, sizeof(yml) - (size_t)n, "      - q%dz\n", i);
	snprintf(yml + n, sizeof(yml) - (size_t)n, "  condition: sel\n");
	return rules_from(yml);
}

/* JSON-escaped values go through the memos keyed by their escaped bytes,
 * text values by their text.  The same bytes then stand for different
 * text: `who\"ami` escaped is the rule's who"ami; as text it is not.  The
 * two kinds must never answer for each other (a text value without the
 * atom must not make the escaped one, seen next, miss it), in the short
 * memo and the long one, and a value seen again must give the same answer
 * as the first time; a long one whose text has lines goes line by line. */
static void test_escaped_memo(void **state)
{
	(void)state;
	loaded rl = commandline_rule("'who\"ami'");
	spoor_ctx *ctx = rl.ctx;
	spoor_matcher *m = rl.m;
	uint32_t cl = field_intern(&ctx->ft, "CommandLine", 11);
	/* the value's bytes, its type, whether the rule fires */
	static const struct {
		const char *v;
		spoor_vtype t;
		bool want;
	} kinds[] = {
	    {"run who\\\"ami now", SPOOR_VT_STR, false},    /* who\"ami: a backslash, no atom */
	    {"run who\\\"ami now", SPOOR_VT_JSTR, true},    /* the same bytes: who"ami */
	    {"run who\\u0022ami now", SPOOR_VT_JSTR, true}, /* who"ami, bytes of its own */
	    {"run who\"ami now", SPOOR_VT_STR, true},	    /* who"ami as text */
	    {"run\\nwho\\\"ami now", SPOOR_VT_JSTR, true},  /* two lines once decoded */
	    {"run whoami now", SPOOR_VT_JSTR, false},	    /* no atom at all */
	};
	char v[600];
	for (size_t round = 0; round < 400; round++) {
		size_t k = round % ARRAY_SIZE(kinds);
		bool lng = (round / ARRAY_SIZE(kinds)) % 2;
		size_t pad = lng ? 300 : 0; /* past PF_MEMO_MAX_LEN: the long memo */
		memset(v, 'x', pad);
		size_t len = strlen(kinds[k].v);
		memcpy(v + pad, kinds[k].v, len);
		spoor_event ev;
		win_event(&ev, ctx, "sysmon", "Microsoft-Windows-Sysmon/Operational");
		event_add(&ev, F_WIN_EVENT_ID, SPOOR_VT_NUM, SPOOR_SV("1"), 0);
		event_add(&ev, cl, kinds[k].t, (spoor_sv){v, pad + len}, 0);
		int got = spoor_matcher_match(m, &ev);
		if (got != (int)kinds[k].want)
			fail_msg("round %zu, %s \"%s\"%s: %d alerts, want %d", round,
				 kinds[k].t == SPOOR_VT_JSTR ? "escaped" : "text", kinds[k].v, lng ? " (long)" : "",
				 got, kinds[k].want);
		event_done(&ev);
	}
	rules_done(&rl);
}

/* A long JSON-escaped value with line breaks is split and looked up by
 * its escaped bytes (scan_lines_esc), and its long text is matched
 * escaped (glob_match_esc).  A break is a \n or \u000a escape, never the
 * n of an escaped backslash: `who\\nami` is who, a backslash and nami,
 * which holds the rule's o\nam; `who\\\nami` ends a line after the
 * backslash.  Each value comes again and again (memo hits), short and
 * long, first or second in its line. */
static void test_escaped_lines(void **state)
{
	(void)state;
	loaded rl = commandline_rule("'o\\nam'");
	spoor_ctx *ctx = rl.ctx;
	spoor_matcher *m = rl.m;
	uint32_t cl = field_intern(&ctx->ft, "CommandLine", 11);
	static const struct {
		const char *v;
		spoor_vtype t;
		bool want;
	} kinds[] = {
	    {"run who\\\\nami now", SPOOR_VT_JSTR, true},     /* who\nami: backslash, n */
	    {"run who\\nami now", SPOOR_VT_JSTR, false},      /* a line break */
	    {"run who\\u000anami now", SPOOR_VT_JSTR, false}, /* a line break written \u000a */
	    {"run who\\\\\\nami now", SPOOR_VT_JSTR, false},  /* who\ then a line break */
	    {"who\\\\nam\\r\\nnext", SPOOR_VT_JSTR, true},    /* first in its line */
	    {"run who\\nami now", SPOOR_VT_STR, true},	      /* text: backslash, n */
	    {"q7z \\u0041 who\\\\nami", SPOOR_VT_JSTR, true}, /* a \u escape before it */
	};
	char v[700];
	for (size_t round = 0; round < 560; round++) {
		size_t k = round % ARRAY_SIZE(kinds);
		size_t shape = (round / ARRAY_SIZE(kinds)) % 4;
		/* 0: short; 1: long, one line; 2: long, after a line break; 3:
		 * long, after a \r\n and before another line */
		size_t len = 0;
		if (shape) {
			memset(v, 'x', 300);
			len = 300;
		}
		if (shape >= 2) {
			const char *br = shape == 2 ? "\\n" : "\\r\\n";
			memcpy(v + len, br, strlen(br));
			len += strlen(br);
		}
		memcpy(v + len, kinds[k].v, strlen(kinds[k].v));
		len += strlen(kinds[k].v);
		if (shape == 3) {
			memcpy(v + len, "\\nmore text", 11);
			len += 11;
		}
		spoor_vtype t = kinds[k].t;
		if (t == SPOOR_VT_STR && shape >= 2)
			continue; /* its \n is no line break */
		spoor_event ev;
		win_event(&ev, ctx, "sysmon", "Microsoft-Windows-Sysmon/Operational");
		event_add(&ev, F_WIN_EVENT_ID, SPOOR_VT_NUM, SPOOR_SV("1"), 0);
		/* as the JSON scanner marks values without \u or \/ */
		unsigned fl = t == SPOOR_VT_JSTR && !strstr(kinds[k].v, "\\u") ? EF_PLAINESC : 0;
		event_add(&ev, cl, t, (spoor_sv){v, len}, fl);
		int got = spoor_matcher_match(m, &ev);
		if (got != (int)kinds[k].want)
			fail_msg("round %zu, shape %zu, %s \"%s\": %d alerts, want %d", round, shape,
				 t == SPOOR_VT_JSTR ? "escaped" : "text", kinds[k].v, got, kinds[k].want);
		event_done(&ev);
	}
	rules_done(&rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_stats),	    cmocka_unit_test(test_match_filter_json),
	    cmocka_unit_test(test_long_value_memo), cmocka_unit_test(test_keyword_memo), cmocka_unit_test(test_escaped_lines),
	    cmocka_unit_test(test_escaped_memo),    cmocka_unit_test(test_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
