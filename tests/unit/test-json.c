/* Unit tests: the JSON scanner (flattening, escapes, errors, limits). */
#include "unit.h"

#include <stdlib.h>

#include "base/buf.h"
#include "event/event-int.h"
#include "parse/json-scan.h"

static const char *const tname[] = {"NULL", "BOOL", "NUM", "STR", "JSTR"};

/* Render an event's fields as "name=TYPE:text;..." (text decoded). */
static char *render(spoor_event *ev)
{
	buf b;
	buf_init(&b, 0);
	for (size_t i = 0; i < ev->n; i++) {
		spoor_sv name, t;
		spoor_value v;
		spoor_event_at(ev, i, &name, &v, NULL);
		spoor_event_text(ev, &v, &t);
		buf_add(&b, name.p, name.n);
		buf_addc(&b, '=');
		buf_adds(&b, tname[v.type]);
		buf_addc(&b, ':');
		buf_add(&b, t.p, t.n);
		buf_addc(&b, ';');
	}
	buf_addc(&b, 0);
	return b.p;
}

static spoor_ctx *new_ctx(size_t max_fields, unsigned max_depth, size_t max_names)
{
	spoor_ctx_options o = SPOOR_CTX_OPTIONS_INIT;
	o.limits.max_fields = max_fields;
	o.limits.max_depth = max_depth;
	o.limits.max_names = max_names;
	spoor_ctx *c = NULL;
	assert_int_equal(spoor_ctx_new(&c, &o, NULL), 0);
	return c;
}

static void test_flatten(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *fields;
	} cases[] = {
	    {"{}", ""},
	    {"{\"a\":1,\"b\":\"x\",\"c\":true,\"d\":null,\"e\":-1.5e3,\"f\":false}",
	     "a=NUM:1;b=STR:x;c=BOOL:true;d=NULL:null;e=NUM:-1.5e3;f=BOOL:false;"},
	    {"{\"a\":{\"b\":{\"c\":\"v\"}},\"arr\":[1,{\"x\":2},[3],[]],\"o\":{}}",
	     "a.b.c=STR:v;arr.0=NUM:1;arr.1.x=NUM:2;arr.2.0=NUM:3;"},
	    {"{\"k\\\"ey\":\"C:\\\\Win\",\"u\":\"\\u00e9\\ud83d\\udd0d\"}", "k\"ey=JSTR:C:\\Win;u=JSTR:\xC3\xA9\xF0\x9F\x94\x8D;"},
	    {"{ \"a\" :\n\t[ 1 , 2 ] ,\r\n \"b\" : { } }", "a.0=NUM:1;a.1=NUM:2;"},
	    {"{\"Event\":{\"System\":{\"EventID\":4624}}}", "Event.System.EventID=NUM:4624;"},
	    {"{\"dup\":1,\"dup\":2}", "dup=NUM:1;dup=NUM:2;"},
	    {"{\"hi\":\"\xE4\xB8\xAD\xE6\x96\x87 ok\"}", "hi=STR:\xE4\xB8\xAD\xE6\x96\x87 ok;"},
	    {"{\"long\":\"0123456789abcdef0123456789abcdef\\\\0123456789\"}",
	     "long=JSTR:0123456789abcdef0123456789abcdef\\0123456789;"},
	    {"{\"n\":0,\"m\":-0.5,\"big\":123456789012345678901234567890}", "n=NUM:0;m=NUM:-0.5;big=NUM:123456789012345678901234567890;"},
	};
	spoor_ctx *ctx = new_ctx(8192, 64, 1000);
	spoor_event ev;
	event_init(&ev, ctx);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		event_reset(&ev);
		size_t used = 0;
		json_err e = {0, NULL};
		int r = json_flatten(&ev, cases[i].in, strlen(cases[i].in), &used, &e);
		if (r != 0)
			fail_msg("case %zu: r=%d at %zu: %s", i, r, e.pos, e.msg);
		assert_int_equal(used, strlen(cases[i].in));
		size_t used2 = 0;
		assert_int_equal(json_validate(cases[i].in, strlen(cases[i].in), 64, &used2, NULL), 0);
		assert_int_equal(used2, used);
		char *got = render(&ev);
		if (strcmp(got, cases[i].fields) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i, got, cases[i].fields);
		free(got);
	}
	/* EF_PLAINESC: escaped strings whose escapes are all two-byte ones
	 * other than \/, in the vector loop (16+ bytes before the escape)
	 * and out of it */
	static const struct {
		const char *in;
		bool plain;
	} esc[] = {
	    {"{\"a\":\"C:\\\\x\\\"y\\n\"}", true},
	    {"{\"a\":\"0123456789abcdef0123\\\\x\\tz\"}", true},
	    {"{\"a\":\"A\\u0041\"}", false},
	    {"{\"a\":\"a\\/b\"}", false},
	    {"{\"a\":\"0123456789abcdef0123\\/b\"}", false},
	    {"{\"a\":\"plain\"}", false}, /* STR: no escapes at all */
	};
	for (size_t i = 0; i < ARRAY_SIZE(esc); i++) {
		event_reset(&ev);
		size_t u = 0;
		assert_int_equal(json_flatten(&ev, esc[i].in, strlen(esc[i].in), &u, NULL), 0);
		assert_int_equal(ev.n, 1);
		if (((ev.f[0].flags & EF_PLAINESC) != 0) != esc[i].plain)
			fail_msg("%s: EF_PLAINESC %d, want %d", esc[i].in, !esc[i].plain, esc[i].plain);
	}
	/* duplicate key: lookups see the first */
	event_reset(&ev);
	size_t used;
	assert_int_equal(json_flatten(&ev, "{\"dup\":1,\"dup\":2}", 17, &used, NULL), 0);
	spoor_value v;
	assert_int_equal(spoor_event_get(&ev, "dup", 3, &v), 0);
	assert_sv_equal(v.sv, "1");
	event_done(&ev);
	spoor_ctx_free(ctx);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t n; /* 0 = strlen */
		int code;
		size_t pos;
	} cases[] = {
	    {"{\"a\":", 0, SPOOR_EAGAIN, 5},
	    {"{\"a\":\"unterminated", 0, SPOOR_EAGAIN, 18},
	    {"{\"a\":12", 0, SPOOR_EAGAIN, 5},
	    {"{\"a\":tr", 0, SPOOR_EAGAIN, 5},
	    {"{\"a\" 1}", 0, SPOOR_EPARSE, 5},
	    {"{\"a\":tru}", 0, SPOOR_EPARSE, 5},
	    {"{\"a\":01}", 0, SPOOR_EPARSE, 6},
	    {"{\"a\":1,}", 0, SPOOR_EPARSE, 7},
	    {"{\"a\":[1,]}", 0, SPOOR_EPARSE, 8},
	    {"{\"a\":1 \"b\":2}", 0, SPOOR_EPARSE, 7},
	    {"{a:1}", 0, SPOOR_EPARSE, 1},
	    {"[1,2]", 0, SPOOR_EPARSE, 0},
	    {"\"str\"", 0, SPOOR_EPARSE, 0},
	    {"{\"a\":\"x\\u12zz\"}", 0, SPOOR_EPARSE, 7},
	    {"{\"a\":\"x\\q\"}", 0, SPOOR_EPARSE, 7},
	    {"{\"a\":\"tab\there\"}", 0, SPOOR_EPARSE, 9},
	    {"{\"a\":\"nul\0\"}", 12, SPOOR_EPARSE, 9},
	    {"{\"a\":-}", 0, SPOOR_EPARSE, 5},
	    {"{\"a\":1.}", 0, SPOOR_EPARSE, 5},
	    {"{\"a\":1e}", 0, SPOOR_EPARSE, 5},
	    {"", 0, SPOOR_EAGAIN, 0},
	};
	spoor_ctx *ctx = new_ctx(8192, 64, 1000);
	spoor_event ev;
	event_init(&ev, ctx);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t n = cases[i].n ? cases[i].n : strlen(cases[i].in);
		event_reset(&ev);
		size_t used = 0;
		json_err e = {0, NULL};
		int r = json_flatten(&ev, cases[i].in, n, &used, &e);
		if (r != cases[i].code || e.pos != cases[i].pos)
			fail_msg("case %zu (%s): r=%d pos=%zu (%s), want r=%d pos=%zu", i, cases[i].in, r, e.pos,
				 e.msg ? e.msg : "", cases[i].code, cases[i].pos);
		assert_non_null(e.msg);
		json_err e2 = {0, NULL};
		assert_int_equal(json_validate(cases[i].in, n, 64, &used, &e2), cases[i].code);
	}
	event_done(&ev);
	spoor_ctx_free(ctx);
}

static void test_limits(void **state)
{
	(void)state;
	spoor_ctx *ctx = new_ctx(16, 8, 64);
	spoor_event ev;
	event_init(&ev, ctx);
	size_t used;
	json_err e;
	/* depth: 8 levels ok, 9 not */
	const char *d8 = "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":1}}}}}}}}";
	const char *d9 = "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":[1]}}}}}}}}";
	event_reset(&ev);
	assert_int_equal(json_flatten(&ev, d8, strlen(d8), &used, &e), 0);
	event_reset(&ev);
	assert_int_equal(json_flatten(&ev, d9, strlen(d9), &used, &e), SPOOR_ELIMIT);
	/* deep garbage never recurses past the limit */
	char deep[100001];
	memset(deep, '[', 100000);
	deep[0] = '{';
	deep[100000] = 0;
	event_reset(&ev);
	assert_int_equal(json_flatten(&ev, "{\"x\":[[[[[[[[[[[[1]]]]]]]]]]]]}", 30, &used, &e), SPOOR_ELIMIT);
	assert_int_equal(json_validate(deep, 100000, 64, &used, &e), SPOOR_EPARSE);
	/* fields: 16 ok, 17 not */
	buf b;
	buf_init(&b, 0);
	buf_addc(&b, '{');
	for (int i = 0; i < 17; i++)
		buf_printf(&b, "%s\"f%d\":%d", i ? "," : "", i, i);
	buf_addc(&b, '}');
	event_reset(&ev);
	assert_int_equal(json_flatten(&ev, b.p, b.len, &used, &e), SPOOR_ELIMIT);
	assert_string_equal(e.msg, "too many fields");
	buf_done(&b);
	event_done(&ev);
	spoor_ctx_free(ctx);
}

static void test_name_limit(void **state)
{
	(void)state;
	/* Past max_names, names are kept per event instead of interned. */
	spoor_ctx *ctx = new_ctx(8192, 64, 64);
	spoor_event ev;
	event_init(&ev, ctx);
	buf b;
	buf_init(&b, 0);
	buf_addc(&b, '{');
	for (int i = 0; i < 200; i++)
		buf_printf(&b, "%s\"key%d\":{\"sub\":%d}", i ? "," : "", i, i);
	buf_addc(&b, '}');
	size_t used;
	json_err e;
	assert_int_equal(json_flatten(&ev, b.p, b.len, &used, &e), 0);
	assert_int_equal(ev.n, 200);
	spoor_sv name;
	spoor_value v;
	spoor_event_at(&ev, 199, &name, &v, NULL);
	assert_sv_equal(name, "key199.sub");
	assert_sv_equal(v.sv, "199");
	assert_int_equal(spoor_event_get(&ev, "key150.sub", 10, &v), 0);
	assert_sv_equal(v.sv, "150");
	buf_done(&b);
	event_done(&ev);
	spoor_ctx_free(ctx);
}

static void test_is_number(void **state)
{
	(void)state;
	static const char *const yes[] = {"0", "-0", "12", "-1.5", "1e5", "1E+5", "2.5e-3", "123456789012345678901234567890"};
	static const char *const no[] = {"", "-", "01", "1.", ".5", "1e", "1e+", "+1", "0x10", "1 ", "NaN", "1-"};
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!json_is_number(sv_cstr(yes[i])))
			fail_msg("'%s' should be a number", yes[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(no); i++) {
		if (json_is_number(sv_cstr(no[i])))
			fail_msg("'%s' should not be a number", no[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flatten),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_name_limit),
	    cmocka_unit_test(test_is_number),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
