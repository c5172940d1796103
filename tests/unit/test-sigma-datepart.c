/* Unit tests: the Sigma time modifiers minute, hour, day, week, month,
 * year (sigma-datepart.c): the part as written (no time zone
 * conversion), ISO weeks at year ends, epoch values, values that are not
 * dates, and the modifiers in rules (alone, with lt/gte, with neq, |all). */
#include "unit.h"

#include <stdlib.h>

#include "base/buf.h"
#include "detect/sigma/sigma-int.h"
#include "event/event-int.h"
#include "event/field.h"

static void test_parts(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int part;
		int64_t want; /* -1: no such part */
	} cases[] = {
	    {"2024-03-05T23:10:59Z", DP_HOUR, 23},
	    {"2024-03-05T23:10:59+02:00", DP_HOUR, 23}, /* as written, not 21 UTC */
	    {"2024-03-05 23:10:59.123", DP_MINUTE, 10},
	    {"2024-03-05T23:10", DP_MINUTE, 10},
	    {"2024/03/05 01:02:03", DP_DAY, 5},
	    {"2024-03-05", DP_MONTH, 3},
	    {"2024-03-05", DP_YEAR, 2024},
	    {"2024-03-05", DP_HOUR, -1}, /* a date without a time */
	    {" 2024-12-31T00:00:00Z ", DP_DAY, 31},
	    /* ISO weeks: 2024-12-30 (Monday) is week 1 of 2025; 2021-01-03
	     * (Sunday) is week 53 of 2020; 2020-12-31 is week 53 */
	    {"2024-12-30", DP_WEEK, 1},
	    {"2021-01-03", DP_WEEK, 53},
	    {"2020-12-31", DP_WEEK, 53},
	    {"2021-01-04", DP_WEEK, 1},
	    {"2024-03-05", DP_WEEK, 10},
	    {"2023-01-01", DP_WEEK, 52}, /* Sunday: the last week of 2022 */
	    /* epoch values are UTC */
	    {"1700000000", DP_HOUR, 22},
	    {"1700000000123", DP_MINUTE, 13},
	    {"1700000000", DP_YEAR, 2023},
	    {"not a date", DP_YEAR, -1},
	    {"2024-13-05", DP_MONTH, -1},
	    {"2024-03-05T25:00", DP_HOUR, -1},
	    {"2024-03-05X10:00", DP_HOUR, -1},
	    {"", DP_YEAR, -1},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int64_t v = -99;
		bool ok = sigma_datepart(cases[i].s, strlen(cases[i].s), cases[i].part, &v);
		if (cases[i].want < 0 ? ok : !ok || v != cases[i].want)
			fail_msg("'%s' part %d: got %s %lld, want %lld", cases[i].s, cases[i].part, ok ? "ok" : "none",
				 (long long)v, (long long)cases[i].want);
	}
}

static spoor_ctx *ctx;

static int match(const char *det, const char *field, const char *value)
{
	buf y;
	buf_init(&y, 0);
	buf_adds(&y, "title: t\nlogsource:\n    product: windows\ndetection:\n");
	buf_adds(&y, det);
	sigma_file *f = NULL;
	assert_int_equal(sigma_file_load(&f, "case.yml", y.p, y.len, NULL, NULL), 0);
	buf_done(&y);
	int res = -1;
	spoor_diag d = SPOOR_DIAG_INIT;
	if (f->n == 1 && sigma_compile(f->rules[0], &ctx->ft, &d) == 0) {
		spoor_event ev;
		assert_int_equal(event_init(&ev, ctx), 0);
		event_add(&ev, field_intern(&ctx->ft, field, strlen(field)), SPOOR_VT_STR, sv_cstr(value), 0);
		res = sigma_match_detection(f->rules[0]->plan, &ev, NULL, NULL, NULL, NULL);
		event_done(&ev);
	}
	sigma_file_free(f);
	return res;
}

#define SEL(x) "    sel:\n" x "    condition: sel\n"

static void test_rules(void **state)
{
	(void)state;
	spoor_ctx_options o = SPOOR_CTX_OPTIONS_INIT;
	assert_int_equal(spoor_ctx_new(&ctx, &o, NULL), 0);
	const char *t = "2024-03-05T23:10:59Z";
	assert_int_equal(match(SEL("        UtcTime|hour: 23\n"), "UtcTime", t), 1);
	assert_int_equal(match(SEL("        UtcTime|hour: 22\n"), "UtcTime", t), 0);
	assert_int_equal(match(SEL("        UtcTime|hour: [1, 2, 23]\n"), "UtcTime", t), 1);
	assert_int_equal(match(SEL("        UtcTime|hour|gte: 22\n"), "UtcTime", t), 1);
	assert_int_equal(match(SEL("        UtcTime|hour|lt: 6\n"), "UtcTime", t), 0);
	assert_int_equal(match(SEL("        UtcTime|minute|lte: 10\n"), "UtcTime", t), 1);
	assert_int_equal(match(SEL("        UtcTime|day: 5\n"), "UtcTime", t), 1);
	assert_int_equal(match(SEL("        UtcTime|week: 10\n"), "UtcTime", t), 1);
	assert_int_equal(match(SEL("        UtcTime|month: '3'\n"), "UtcTime", t), 1);
	assert_int_equal(match(SEL("        UtcTime|year: 2024\n"), "UtcTime", t), 1);
	assert_int_equal(match(SEL("        UtcTime|hour|neq: 23\n"), "UtcTime", t), 0);
	assert_int_equal(match(SEL("        UtcTime|hour|neq: 3\n"), "UtcTime", t), 1);
	/* |all: hour >= 22 and hour <= 23 is not expressible with one
	 * numeric modifier; |all over equality values never holds for two */
	assert_int_equal(match(SEL("        UtcTime|hour|all: [23, 22]\n"), "UtcTime", t), 0);
	/* absent field, not a date */
	assert_int_equal(match(SEL("        Other|hour: 23\n"), "UtcTime", t), 0);
	assert_int_equal(match(SEL("        UtcTime|hour: 23\n"), "UtcTime", "yesterday"), 0);
	/* refused combinations */
	assert_int_equal(match(SEL("        UtcTime|hour|contains: 2\n"), "UtcTime", t), -1);
	assert_int_equal(match(SEL("        UtcTime|hour|day: 2\n"), "UtcTime", t), -1);
	assert_int_equal(match(SEL("        UtcTime|hour: late\n"), "UtcTime", t), -1);
	assert_int_equal(match(SEL("        UtcTime|hour|re: '2'\n"), "UtcTime", t), -1);
	assert_int_equal(match(SEL("        - '|hour': 2\n"), "UtcTime", t), -1);
	spoor_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parts),
	    cmocka_unit_test(test_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
