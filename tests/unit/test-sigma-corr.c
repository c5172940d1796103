/* Unit tests: Sigma correlation rules through the Sigma hunt stage —
 * every correlation type, window boundaries, ranges, group-by on several
 * fields, aliases, generate, chaining, out-of-order events, the caps
 * (groups, entries, total) and the reorder tolerance, references that
 * cannot be resolved. */
#include "unit.h"

#include <stdlib.h>

#include "event/event-int.h"
#include "event/field.h"
#include "spoor/hunt.h"
#include "spoor/rules.h"

#define NS     1000000000LL
#define T0     (1700000000LL * NS)
#define MINUTE (60 * NS)

/* Base rules: Security events by EventID. */
#define BASE                                                                                                           \
	"title: Failed logon\n"                                                                                        \
	"id: 00000000-0000-4000-8000-000000004625\n"                                                                   \
	"name: failed\n"                                                                                               \
	"level: low\n"                                                                                                 \
	"logsource: {product: windows, service: security}\n"                                                           \
	"detection: {sel: {EventID: 4625}, condition: sel}\n"                                                          \
	"---\n"                                                                                                        \
	"title: Logon\n"                                                                                               \
	"name: success\n"                                                                                              \
	"level: low\n"                                                                                                 \
	"logsource: {product: windows, service: security}\n"                                                           \
	"detection: {sel: {EventID: 4624}, condition: sel}\n"                                                          \
	"---\n"                                                                                                        \
	"title: Account created\n"                                                                                     \
	"name: created\n"                                                                                              \
	"logsource: {product: windows, service: security}\n"                                                           \
	"detection: {sel: {EventID: 4720}, condition: sel}\n"                                                          \
	"---\n"

typedef struct run {
	spoor_ctx *ctx;
	spoor_ruleset *rs;
	spoor_stage *st;
	char *out[64];
	int64_t ts[64];
	bool had_ev[64];
	size_t n;
	size_t when_first; /* events fed before the first correlation alert */
	size_t fed;
} run;

static int on_finding(const spoor_finding *f, void *payload)
{
	run *r = payload;
	if (r->n < 64) {
		r->out[r->n] = strndup(f->json.p, f->json.n);
		r->ts[r->n] = f->ts;
		r->had_ev[r->n] = f->ev != NULL;
		if (!f->ev && r->when_first == SIZE_MAX)
			r->when_first = r->fed;
		r->n++;
	}
	return 0;
}

static void start(run *r, const char *yml, const spoor_sigma_stage_options *o)
{
	memset(r, 0, sizeof(*r));
	r->when_first = SIZE_MAX;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	assert_int_equal(spoor_ctx_new(&r->ctx, &co, NULL), 0);
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_ruleset_new(&r->rs, r->ctx, NULL, &d), 0);
	assert_int_equal(spoor_ruleset_add_buffer(r->rs, "corr.yml", yml, strlen(yml), &d), 0);
	assert_int_equal(spoor_sigma_stage_new_opts(&r->st, r->rs, o, &d), 0);
}

/* kv: name, value, ... NULL */
static void feed(run *r, int eid, int64_t ts, const char *const *kv)
{
	spoor_event ev;
	assert_int_equal(event_init(&ev, r->ctx), 0);
	ev.ls.product = SPOOR_SV("windows");
	ev.ls.service = SPOOR_SV("security");
	ev.ls.channel = SPOOR_SV("Security");
	ev.origin.path = "sec.json";
	ev.origin.offset = 100 * r->fed;
	ev.origin.line = r->fed + 1;
	if (ts)
		event_set_time(&ev, ts);
	char num[16];
	snprintf(num, sizeof(num), "%d", eid);
	event_add(&ev, F_WIN_EVENT_ID, SPOOR_VT_NUM, sv_cstr(num), 0);
	for (size_t i = 0; kv && kv[i]; i += 2)
		event_add(&ev, field_intern(&r->ctx->ft, kv[i], strlen(kv[i])), SPOOR_VT_STR, sv_cstr(kv[i + 1]), 0);
	r->fed++;
	assert_int_equal(spoor_stage_event(r->st, &ev, on_finding, r), 0);
	event_done(&ev);
}

#define KV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void finish(run *r)
{
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_stage_finish(r->st, on_finding, r, &d), 0);
}

static void done(run *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->out[i]);
	spoor_stage_free(r->st);
	spoor_ruleset_free(r->rs);
	spoor_ctx_free(r->ctx);
}

/* correlation alerts (ev == NULL) */
static size_t ncorr(const run *r)
{
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++)
		k += !r->had_ev[i];
	return k;
}

static const char *corr_alert(const run *r, size_t k)
{
	for (size_t i = 0; i < r->n; i++)
		if (!r->had_ev[i] && k-- == 0)
			return r->out[i];
	fail_msg("no correlation alert %zu", k);
	return NULL;
}

static void has(const char *json, const char *want)
{
	if (!json || !strstr(json, want))
		fail_msg("alert lacks %s: %s", want, json ? json : "(none)");
}

static char *corr_doc(const char *body)
{
	static char b[4096];
	snprintf(b, sizeof(b), BASE "title: C\nid: c-1\nlevel: high\ncorrelation:\n%s", body);
	return b;
}

static void test_event_count_boundaries(void **state)
{
	(void)state;
	run r;
	/* timespan 10m: both ends inclusive */
	start(&r,
	      corr_doc("  type: event_count\n  rules: [failed]\n  group-by: [User]\n  timespan: 10m\n"
		       "  condition: {gte: 3}\n"),
	      NULL);
	feed(&r, 4625, T0, KV("User", "alice"));
	feed(&r, 4625, T0 + 5 * MINUTE, KV("User", "alice"));
	feed(&r, 4625, T0 + 10 * MINUTE, KV("User", "alice")); /* exactly timespan later: in */
	feed(&r, 4625, T0, KV("User", "bob"));
	feed(&r, 4625, T0 + 5 * MINUTE, KV("User", "bob"));
	feed(&r, 4625, T0 + 10 * MINUTE + 1, KV("User", "bob")); /* 1 ns too late: out */
	feed(&r, 4624, T0 + MINUTE, KV("User", "bob"));		 /* another rule: not counted */
	assert_int_equal(ncorr(&r), 0);				 /* decided at the end */
	finish(&r);
	assert_int_equal(ncorr(&r), 1);
	const char *a = corr_alert(&r, 0);
	has(a, "\"rule.id\":\"c-1\"");
	has(a, "\"rule.level\":\"high\"");
	has(a, "\"spoor.correlation.type\":\"event_count\"");
	has(a, "\"spoor.correlation.group\":{\"User\":\"alice\"}");
	has(a, "\"spoor.correlation.value\":3");
	has(a, "\"spoor.correlation.window.start\":\"2023-11-14T22:13:20Z\"");
	has(a, "\"spoor.correlation.window.end\":\"2023-11-14T22:23:20Z\"");
	has(a, "\"related\":[{\"log.file.path\":\"sec.json\",\"log.offset\":0,\"spoor.line\":1");
	/* generate is false: the base rule raises nothing of its own; the
	 * logon rule is named by no correlation and raises its alert */
	assert_int_equal(r.n, 2);
	done(&r);
}

static void test_consumed_and_ranges(void **state)
{
	(void)state;
	run r;
	/* 7 events in a burst, gte 3: the window fires once and its events
	 * are consumed; the rest (1) does not fire again */
	start(&r,
	      corr_doc("  type: event_count\n  rules: [failed]\n  group-by: [User]\n  timespan: 1h\n"
		       "  condition: {gte: 3}\n"),
	      NULL);
	for (int i = 0; i < 7; i++)
		feed(&r, 4625, T0 + i * NS, KV("User", "alice"));
	finish(&r);
	assert_int_equal(ncorr(&r), 1);
	has(corr_alert(&r, 0), "\"spoor.correlation.value\":7");
	done(&r);
	/* a range: 2 < n <= 3; and neq */
	start(&r,
	      corr_doc("  type: event_count\n  rules: [failed]\n  group-by: [User]\n  timespan: 1h\n"
		       "  condition: {gt: 2, lte: 3}\n"),
	      NULL);
	for (int i = 0; i < 3; i++)
		feed(&r, 4625, T0 + i * NS, KV("User", "three"));
	for (int i = 0; i < 4; i++)
		feed(&r, 4625, T0 + i * NS, KV("User", "four"));
	feed(&r, 4625, T0, KV("User", "one"));
	finish(&r);
	/* four: the window anchored at the 2nd event holds 3 */
	assert_int_equal(ncorr(&r), 2);
	has(corr_alert(&r, 0), "\"User\":\"three\"");
	has(corr_alert(&r, 1), "\"User\":\"four\"");
	done(&r);
	start(&r,
	      corr_doc("  type: event_count\n  rules: [failed]\n  group-by: [User]\n  timespan: 1h\n"
		       "  condition: {neq: 1, lt: 3}\n"),
	      NULL);
	feed(&r, 4625, T0, KV("User", "one"));
	feed(&r, 4625, T0, KV("User", "two"));
	feed(&r, 4625, T0 + NS, KV("User", "two"));
	finish(&r);
	assert_int_equal(ncorr(&r), 1);
	has(corr_alert(&r, 0), "\"User\":\"two\"");
	done(&r);
}

static void test_group_by_fields_and_missing(void **state)
{
	(void)state;
	run r;
	start(&r,
	      corr_doc("  type: event_count\n  rules: [failed]\n  group-by: [User, Host]\n  timespan: 1h\n"
		       "  condition: {gte: 2}\n"),
	      NULL);
	feed(&r, 4625, T0, KV("User", "a", "Host", "h1"));
	feed(&r, 4625, T0 + NS, KV("User", "a", "Host", "h2"));
	feed(&r, 4625, T0 + 2 * NS, KV("User", "b"));
	feed(&r, 4625, T0 + 3 * NS, KV("User", "b"));
	finish(&r);
	assert_int_equal(ncorr(&r), 1);
	has(corr_alert(&r, 0), "\"spoor.correlation.group\":{\"User\":\"b\",\"Host\":null}");
	done(&r);
}

static void test_value_count(void **state)
{
	(void)state;
	run r;
	start(&r,
	      corr_doc("  type: value_count\n  rules: [failed]\n  group-by: [Ip]\n  timespan: 1h\n"
		       "  condition: {field: User, gte: 3}\n"),
	      NULL);
	/* spray: 3 distinct users from one address; repeats do not count */
	feed(&r, 4625, T0, KV("Ip", "10.0.0.1", "User", "a"));
	feed(&r, 4625, T0 + NS, KV("Ip", "10.0.0.1", "User", "a"));
	feed(&r, 4625, T0 + 2 * NS, KV("Ip", "10.0.0.1", "User", "b"));
	feed(&r, 4625, T0 + 3 * NS, KV("Ip", "10.0.0.2", "User", "a"));
	feed(&r, 4625, T0 + 4 * NS, KV("Ip", "10.0.0.2", "User", "a"));
	feed(&r, 4625, T0 + 5 * NS, KV("Ip", "10.0.0.2", "User", "a"));
	feed(&r, 4625, T0 + 6 * NS, KV("Ip", "10.0.0.1"));		       /* no value: not a distinct one */
	feed(&r, 4625, T0 + 2 * 3600 * NS, KV("Ip", "10.0.0.1", "User", "c")); /* outside the window */
	finish(&r);
	assert_int_equal(ncorr(&r), 0);
	done(&r);
	start(&r,
	      corr_doc("  type: value_count\n  rules: [failed]\n  group-by: [Ip]\n  timespan: 1h\n"
		       "  condition: {field: User, gte: 3}\n"),
	      NULL);
	feed(&r, 4625, T0, KV("Ip", "10.0.0.1", "User", "a"));
	feed(&r, 4625, T0 + NS, KV("Ip", "10.0.0.1", "User", "b"));
	feed(&r, 4625, T0 + 2 * NS, KV("Ip", "10.0.0.1", "User", "A")); /* values compare as written */
	feed(&r, 4625, T0 + 3 * NS, KV("Ip", "10.0.0.1", "User", "b"));
	finish(&r);
	assert_int_equal(ncorr(&r), 1);
	has(corr_alert(&r, 0), "\"spoor.correlation.value\":3");
	has(corr_alert(&r, 0), "\"spoor.correlation.field\":\"User\"");
	has(corr_alert(&r, 0), "\"spoor.correlation.events\":4");
	done(&r);
}

static void test_value_count_tuple(void **state)
{
	(void)state;
	run r;
	/* a list of fields: distinct (User, Domain) pairs */
	start(&r,
	      corr_doc("  type: value_count\n  rules: [failed]\n  group-by: [Ip]\n  timespan: 1h\n"
		       "  condition: {field: [User, Domain], gte: 3}\n  generate: True\n"),
	      NULL);
	feed(&r, 4625, T0, KV("Ip", "1", "User", "a", "Domain", "x"));
	feed(&r, 4625, T0 + NS, KV("Ip", "1", "User", "a", "Domain", "y"));
	feed(&r, 4625, T0 + 2 * NS, KV("Ip", "1", "User", "b", "Domain", "x"));
	feed(&r, 4625, T0 + 3 * NS, KV("Ip", "2", "User", "a", "Domain", "x"));
	feed(&r, 4625, T0 + 4 * NS, KV("Ip", "2", "User", "a", "Domain", "x"));
	feed(&r, 4625, T0 + 5 * NS, KV("Ip", "2", "User", "b")); /* no Domain: no value */
	finish(&r);
	assert_int_equal(ncorr(&r), 1);
	has(corr_alert(&r, 0), "\"Ip\":\"1\"");
	assert_int_equal(r.n, 7); /* generate: True (any case): the 6 failed logons too */
	done(&r);
}

static void test_temporal(void **state)
{
	(void)state;
	run r;
	const char *c = corr_doc("  type: temporal\n  rules: [failed, success, created]\n  group-by: [User]\n"
				 "  timespan: 5m\n");
	start(&r, c, NULL);
	feed(&r, 4720, T0, KV("User", "a")); /* any order */
	feed(&r, 4624, T0 + MINUTE, KV("User", "a"));
	feed(&r, 4625, T0 + 2 * MINUTE, KV("User", "a"));
	feed(&r, 4625, T0, KV("User", "b")); /* b lacks one */
	feed(&r, 4624, T0, KV("User", "b"));
	feed(&r, 4720, T0, KV("User", "c")); /* c: too far apart */
	feed(&r, 4624, T0 + MINUTE, KV("User", "c"));
	feed(&r, 4625, T0 + 6 * MINUTE, KV("User", "c"));
	finish(&r);
	assert_int_equal(ncorr(&r), 1);
	has(corr_alert(&r, 0), "\"User\":\"a\"");
	has(corr_alert(&r, 0), "\"spoor.correlation.value\":3");
	done(&r);
	/* a condition: 2 of the 3 rules are enough */
	start(&r,
	      corr_doc("  type: temporal\n  rules: [failed, success, created]\n  group-by: [User]\n"
		       "  timespan: 5m\n  condition: {gte: 2}\n"),
	      NULL);
	feed(&r, 4625, T0, KV("User", "b"));
	feed(&r, 4624, T0, KV("User", "b"));
	feed(&r, 4625, T0, KV("User", "d"));
	feed(&r, 4625, T0 + MINUTE, KV("User", "d")); /* the same rule twice: 1 */
	finish(&r);
	assert_int_equal(ncorr(&r), 1);
	has(corr_alert(&r, 0), "\"User\":\"b\"");
	done(&r);
}

static void test_temporal_ordered(void **state)
{
	(void)state;
	run r;
	const char *c = corr_doc("  type: temporal_ordered\n  rules: [failed, success]\n  group-by: [User]\n"
				 "  timespan: 5m\n");
	start(&r, c, NULL);
	feed(&r, 4625, T0, KV("User", "a")); /* failed then success: fires */
	feed(&r, 4624, T0 + MINUTE, KV("User", "a"));
	feed(&r, 4624, T0, KV("User", "b")); /* success then failed: order violated */
	feed(&r, 4625, T0 + MINUTE, KV("User", "b"));
	/* out of order arrival: the later success arrives first; event time decides */
	feed(&r, 4624, T0 + 2 * MINUTE, KV("User", "c"));
	feed(&r, 4625, T0 + MINUTE, KV("User", "c"));
	finish(&r);
	assert_int_equal(ncorr(&r), 2);
	has(corr_alert(&r, 0), "\"User\":\"a\"");
	has(corr_alert(&r, 1), "\"User\":\"c\"");
	done(&r);
}

static void test_value_sum_avg_percentile(void **state)
{
	(void)state;
	run r;
	start(&r,
	      corr_doc("  type: value_sum\n  rules: [failed]\n  group-by: [User]\n  timespan: 1h\n"
		       "  condition: {field: Bytes, gt: 1000}\n"),
	      NULL);
	feed(&r, 4625, T0, KV("User", "a", "Bytes", "600"));
	feed(&r, 4625, T0 + NS, KV("User", "a", "Bytes", "500"));
	feed(&r, 4625, T0 + 2 * NS, KV("User", "a", "Bytes", "x")); /* not a number: left out */
	feed(&r, 4625, T0, KV("User", "b", "Bytes", "1000"));
	finish(&r);
	assert_int_equal(ncorr(&r), 1);
	has(corr_alert(&r, 0), "\"User\":\"a\"");
	has(corr_alert(&r, 0), "\"spoor.correlation.value\":1100");
	done(&r);

	start(&r,
	      corr_doc("  type: value_avg\n  rules: [failed]\n  group-by: [User]\n  timespan: 1h\n"
		       "  condition: {field: Bytes, gte: 2.5}\n"),
	      NULL);
	feed(&r, 4625, T0, KV("User", "a", "Bytes", "2"));
	feed(&r, 4625, T0 + NS, KV("User", "a", "Bytes", "3"));
	feed(&r, 4625, T0, KV("User", "b", "Bytes", "2"));
	feed(&r, 4625, T0 + NS, KV("User", "b", "Bytes", "2.4"));
	finish(&r);
	assert_int_equal(ncorr(&r), 1);
	has(corr_alert(&r, 0), "\"User\":\"a\"");
	has(corr_alert(&r, 0), "\"spoor.correlation.value\":2.5");
	done(&r);

	/* the 90th percentile (nearest rank) of 10 values is the 9th */
	start(&r,
	      corr_doc("  type: value_percentile\n  rules: [failed]\n  group-by: [User]\n  timespan: 1h\n"
		       "  condition: {field: Bytes, percentile: 90, gte: 9}\n"),
	      NULL);
	for (int i = 10; i >= 1; i--) {
		char v[8];
		snprintf(v, sizeof(v), "%d", i);
		feed(&r, 4625, T0 + i * NS, KV("User", "a", "Bytes", v));
		/* b: 9 down to 0 over time: every window's 90th percentile is <= 8 */
		snprintf(v, sizeof(v), "%d", 10 - i);
		feed(&r, 4625, T0 + i * NS, KV("User", "b", "Bytes", v));
	}
	finish(&r);
	assert_int_equal(ncorr(&r), 1);
	has(corr_alert(&r, 0), "\"User\":\"a\"");
	has(corr_alert(&r, 0), "\"spoor.correlation.value\":9");
	done(&r);

	/* no percentile: a value whose share of the window is at most 10% */
	start(&r,
	      corr_doc("  type: value_percentile\n  rules: [failed]\n  group-by: [Host]\n  timespan: 1h\n"
		       "  condition: {field: Image, lte: 10}\n"),
	      NULL);
	for (int i = 0; i < 9; i++)
		feed(&r, 4625, T0 + i * NS, KV("Host", "h", "Image", "svchost.exe"));
	feed(&r, 4625, T0 + 20 * NS, KV("Host", "h", "Image", "evil.exe"));
	for (int i = 0; i < 4; i++)
		feed(&r, 4625, T0 + i * NS, KV("Host", "k", "Image", i & 1 ? "a.exe" : "b.exe"));
	finish(&r);
	assert_int_equal(ncorr(&r), 1);
	has(corr_alert(&r, 0), "\"Host\":\"h\"");
	has(corr_alert(&r, 0), "\"spoor.correlation.value\":10");
	has(corr_alert(&r, 0), "\"spoor.correlation.value_origin\":{\"log.file.path\":\"sec.json\",\"log.offset\":900");
	done(&r);
}

static void test_aliases(void **state)
{
	(void)state;
	run r;
	/* the failed logon names the account TargetUserName, the account
	 * creation SubjectUserName */
	start(&r,
	      corr_doc("  type: temporal_ordered\n  rules: [failed, created]\n  group-by: [account]\n  timespan: 1h\n"
		       "  aliases:\n    account:\n      failed: TargetUserName\n      created: SubjectUserName\n"),
	      NULL);
	feed(&r, 4625, T0, KV("TargetUserName", "svc", "SubjectUserName", "other"));
	feed(&r, 4720, T0 + MINUTE, KV("SubjectUserName", "svc", "TargetUserName", "new"));
	feed(&r, 4625, T0, KV("TargetUserName", "x"));
	feed(&r, 4720, T0 + MINUTE, KV("TargetUserName", "x")); /* the alias field is absent: null group */
	finish(&r);
	assert_int_equal(ncorr(&r), 1);
	has(corr_alert(&r, 0), "\"spoor.correlation.group\":{\"account\":\"svc\"}");
	done(&r);
}

static void test_generate(void **state)
{
	(void)state;
	run r;
	start(&r,
	      corr_doc("  type: event_count\n  rules: [failed]\n  group-by: [User]\n  timespan: 1h\n"
		       "  condition: {gte: 2}\n  generate: true\n"),
	      NULL);
	feed(&r, 4625, T0, KV("User", "a"));
	feed(&r, 4625, T0 + NS, KV("User", "a"));
	feed(&r, 4624, T0 + NS, KV("User", "a")); /* not named by the correlation: always its own alert */
	finish(&r);
	assert_int_equal(r.n, 4); /* 2 failed, 1 success, 1 correlation */
	assert_int_equal(ncorr(&r), 1);
	done(&r);
	start(&r,
	      corr_doc("  type: event_count\n  rules: [failed]\n  group-by: [User]\n  timespan: 1h\n"
		       "  condition: {gte: 2}\n"),
	      NULL);
	feed(&r, 4625, T0, KV("User", "a"));
	feed(&r, 4625, T0 + NS, KV("User", "a"));
	feed(&r, 4624, T0 + NS, KV("User", "a"));
	finish(&r);
	assert_int_equal(r.n, 2); /* success + correlation */
	done(&r);
}

static void test_chaining(void **state)
{
	(void)state;
	run r;
	/* the spec's example: many failed logons followed by a success */
	static const char yml[] = BASE "title: Many failed\n"
				       "name: many_failed\n"
				       "correlation: {type: event_count, rules: [failed], group-by: [User], timespan: "
				       "10m, condition: {gte: 3}}\n"
				       "---\n"
				       "title: Failed then success\n"
				       "id: outer\n"
				       "level: critical\n"
				       "correlation:\n"
				       "  type: temporal_ordered\n"
				       "  rules: [many_failed, success]\n"
				       "  group-by: [User]\n"
				       "  timespan: 1h\n";
	start(&r, yml, NULL);
	spoor_rule_info ri;
	assert_int_equal(spoor_ruleset_rule(r.rs, 3, &ri), 0);
	assert_true(ri.active);
	assert_int_equal(spoor_ruleset_rule(r.rs, 4, &ri), 0);
	assert_true(ri.active);
	/* a: 3 failures then a success; b: a success then 3 failures */
	feed(&r, 4625, T0, KV("User", "a"));
	feed(&r, 4625, T0 + MINUTE, KV("User", "a"));
	feed(&r, 4624, T0 + 30 * MINUTE, KV("User", "a"));
	feed(&r, 4625, T0 + 2 * MINUTE, KV("User", "a"));
	feed(&r, 4624, T0, KV("User", "b"));
	for (int i = 1; i <= 3; i++)
		feed(&r, 4625, T0 + i * MINUTE, KV("User", "b"));
	finish(&r);
	/* the inner correlation is named by the outer without generate: silent */
	assert_int_equal(r.n, 1);
	const char *a = corr_alert(&r, 0);
	has(a, "\"rule.id\":\"outer\"");
	has(a, "\"rule.level\":\"critical\"");
	has(a, "\"User\":\"a\"");
	has(a, "\"spoor.correlation.value\":2");
	done(&r);
}

static void test_out_of_order_and_reorder(void **state)
{
	(void)state;
	run r;
	const char *c = corr_doc("  type: event_count\n  rules: [failed]\n  group-by: [User]\n  timespan: 10m\n"
				 "  condition: {gte: 3}\n");
	/* reversed input: the same alert as in order */
	start(&r, c, NULL);
	for (int i = 5; i >= 0; i--)
		feed(&r, 4625, T0 + i * 4 * MINUTE, KV("User", "a")); /* 0,4,8 | 12,16,20 */
	finish(&r);
	assert_int_equal(ncorr(&r), 2);
	has(corr_alert(&r, 0), "\"spoor.correlation.window.start\":\"2023-11-14T22:13:20Z\"");
	done(&r);
	/* a reorder tolerance of 60 s: a window is decided once events 60 s
	 * past its end were seen, before the end of input */
	spoor_sigma_stage_options o = SPOOR_SIGMA_STAGE_OPTIONS_INIT;
	o.corr_reorder_s = 60;
	start(&r, c, &o);
	feed(&r, 4625, T0, KV("User", "a"));
	feed(&r, 4625, T0 + MINUTE, KV("User", "a"));
	feed(&r, 4625, T0 + 2 * MINUTE, KV("User", "a"));
	feed(&r, 4624, T0 + 10 * MINUTE + 30 * NS, KV("User", "z")); /* time moves: not yet */
	assert_int_equal(ncorr(&r), 0);
	/* the watermark passed 10 min; sweeps over all groups are at most
	 * one per timespan/8 of watermark progress */
	feed(&r, 4624, T0 + 12 * MINUTE, KV("User", "z"));
	assert_int_equal(ncorr(&r), 1);
	assert_int_equal(r.when_first, 5);
	/* a late event: before the decided anchor */
	feed(&r, 4625, T0 - MINUTE, KV("User", "a"));
	finish(&r);
	const char *sum = spoor_stage_summary(r.st);
	if (!strstr(sum, " 1 late"))
		fail_msg("summary: %s", sum);
	done(&r);
}

static void test_caps(void **state)
{
	(void)state;
	run r;
	const char *c = corr_doc("  type: event_count\n  rules: [failed]\n  group-by: [User]\n  timespan: 1h\n"
				 "  condition: {gte: 2}\n");
	/* max 2 groups: the third user evicts the least recently used group,
	 * whose windows are decided first (it fires: nothing is lost) */
	spoor_sigma_stage_options o = SPOOR_SIGMA_STAGE_OPTIONS_INIT;
	o.corr_max_groups = 2;
	start(&r, c, &o);
	feed(&r, 4625, T0, KV("User", "a"));
	feed(&r, 4625, T0 + NS, KV("User", "a"));
	feed(&r, 4625, T0, KV("User", "b"));
	assert_int_equal(ncorr(&r), 0);
	feed(&r, 4625, T0, KV("User", "c")); /* evicts a */
	assert_int_equal(ncorr(&r), 1);
	has(corr_alert(&r, 0), "\"User\":\"a\"");
	feed(&r, 4625, T0 + 2 * NS, KV("User", "a")); /* evicts b; a starts again with 1 */
	finish(&r);
	assert_int_equal(ncorr(&r), 1);
	const char *sum = spoor_stage_summary(r.st);
	if (!strstr(sum, "2 groups evicted (max groups)"))
		fail_msg("summary: %s", sum);
	done(&r);
	/* max 3 entries per group: the oldest window is decided early */
	o = (spoor_sigma_stage_options)SPOOR_SIGMA_STAGE_OPTIONS_INIT;
	o.corr_max_entries = 3;
	start(&r,
	      corr_doc("  type: event_count\n  rules: [failed]\n  group-by: [User]\n  timespan: 1h\n"
		       "  condition: {gte: 4}\n"),
	      &o);
	for (int i = 0; i < 5; i++)
		feed(&r, 4625, T0 + i * NS, KV("User", "a"));
	finish(&r);
	/* never more than 3 held: 4 in a window cannot be seen */
	assert_int_equal(ncorr(&r), 0);
	sum = spoor_stage_summary(r.st);
	if (!strstr(sum, "2 windows forced (max entries)"))
		fail_msg("summary: %s", sum);
	done(&r);
	/* max total entries over the stage; max related listed */
	o = (spoor_sigma_stage_options)SPOOR_SIGMA_STAGE_OPTIONS_INIT;
	o.corr_max_total = 4;
	o.corr_max_related = 2;
	start(&r,
	      corr_doc("  type: event_count\n  rules: [failed]\n  group-by: [User]\n  timespan: 1h\n"
		       "  condition: {gte: 2}\n"),
	      &o);
	for (int i = 0; i < 3; i++)
		feed(&r, 4625, T0 + i * NS, KV("User", "a"));
	feed(&r, 4625, T0, KV("User", "b"));
	feed(&r, 4625, T0, KV("User", "c")); /* 5th entry: a is decided and freed */
	assert_int_equal(ncorr(&r), 1);
	has(corr_alert(&r, 0), "\"spoor.correlation.related_omitted\":1");
	finish(&r);
	sum = spoor_stage_summary(r.st);
	if (!strstr(sum, "1 groups evicted (max total)"))
		fail_msg("summary: %s", sum);
	done(&r);
}

static void test_no_time_and_resolution(void **state)
{
	(void)state;
	run r;
	start(&r,
	      corr_doc("  type: event_count\n  rules: [failed]\n  group-by: [User]\n  timespan: 1h\n"
		       "  condition: {gte: 1}\n"),
	      NULL);
	feed(&r, 4625, 0, KV("User", "a")); /* no timestamp: cannot be placed */
	finish(&r);
	assert_int_equal(ncorr(&r), 0);
	if (!strstr(spoor_stage_summary(r.st), "1 without time"))
		fail_msg("summary: %s", spoor_stage_summary(r.st));
	done(&r);
	/* references that do not resolve; a cycle; naming a filter */
	static const char yml[] =
	    BASE "title: Unknown ref\n"
		 "correlation: {type: event_count, rules: [nosuch], group-by: [U], timespan: "
		 "1h, condition: {gte: 1}}\n"
		 "---\n"
		 "title: Loop A\nname: la\n"
		 "correlation: {type: temporal, rules: [lb, failed], group-by: [U], timespan: 1h}\n"
		 "---\n"
		 "title: Loop B\nname: lb\n"
		 "correlation: {type: temporal, rules: [la], group-by: [U], timespan: 1h}\n"
		 "---\n"
		 "title: By id\n"
		 "correlation: {type: event_count, rules: [00000000-0000-4000-8000-000000004625], "
		 "group-by: [U], timespan: 1h, condition: {gte: 1}}\n";
	start(&r, yml, NULL);
	spoor_rule_info ri;
	assert_int_equal(spoor_ruleset_rule(r.rs, 3, &ri), 0);
	assert_false(ri.active);
	assert_string_equal(ri.inactive_reason, "correlation references unknown rule 'nosuch'");
	assert_int_equal(spoor_ruleset_rule(r.rs, 4, &ri), 0);
	assert_false(ri.active);
	assert_non_null(strstr(ri.inactive_reason, "cycle"));
	assert_int_equal(spoor_ruleset_rule(r.rs, 5, &ri), 0);
	assert_false(ri.active);
	assert_int_equal(spoor_ruleset_rule(r.rs, 6, &ri), 0);
	assert_true(ri.active);
	feed(&r, 4625, T0, KV("U", "x"));
	finish(&r);
	assert_int_equal(ncorr(&r), 1);
	done(&r);
}

static void test_min_level(void **state)
{
	(void)state;
	/* --min-level high: the low base rule still runs for the high
	 * correlation, and raises nothing itself even with generate */
	spoor_ctx *ctx = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	assert_int_equal(spoor_ctx_new(&ctx, &co, NULL), 0);
	spoor_rules_options ro = SPOOR_RULES_OPTIONS_INIT;
	ro.min_level = SPOOR_LEVEL_HIGH;
	spoor_ruleset *rs = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_ruleset_new(&rs, ctx, &ro, &d), 0);
	const char *y = corr_doc("  type: event_count\n  rules: [failed]\n  group-by: [User]\n  timespan: 1h\n"
				 "  condition: {gte: 2}\n  generate: true\n");
	assert_int_equal(spoor_ruleset_add_buffer(rs, "c.yml", y, strlen(y), &d), 0);
	spoor_rules_stats st;
	spoor_ruleset_stats(rs, &st);
	assert_int_equal(st.active, 2); /* failed (for the correlation) + the correlation */
	run r;
	memset(&r, 0, sizeof(r));
	r.when_first = SIZE_MAX;
	r.ctx = ctx;
	r.rs = rs;
	assert_int_equal(spoor_sigma_stage_new(&r.st, rs, &d), 0);
	feed(&r, 4625, T0, KV("User", "a"));
	feed(&r, 4625, T0 + NS, KV("User", "a"));
	finish(&r);
	assert_int_equal(r.n, 1);
	assert_int_equal(ncorr(&r), 1);
	done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_event_count_boundaries),
	    cmocka_unit_test(test_consumed_and_ranges),
	    cmocka_unit_test(test_group_by_fields_and_missing),
	    cmocka_unit_test(test_value_count),
	    cmocka_unit_test(test_value_count_tuple),
	    cmocka_unit_test(test_temporal),
	    cmocka_unit_test(test_temporal_ordered),
	    cmocka_unit_test(test_value_sum_avg_percentile),
	    cmocka_unit_test(test_aliases),
	    cmocka_unit_test(test_generate),
	    cmocka_unit_test(test_chaining),
	    cmocka_unit_test(test_out_of_order_and_reorder),
	    cmocka_unit_test(test_caps),
	    cmocka_unit_test(test_no_time_and_resolution),
	    cmocka_unit_test(test_min_level),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
