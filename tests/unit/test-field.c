/* Unit tests: field-name interning. */
#include "unit.h"

#include "base/base.h"
#include "event/event-int.h"
#include "event/field.h"

static void test_static_ids(void **state)
{
	(void)state;
	field_table t;
	assert_int_equal(field_table_init(&t, 1000), 0);
	assert_int_equal(field_find(&t, "user.name", 9), F_USER_NAME);
	assert_int_equal(field_find(&t, "EventID", 7), F_WIN_EVENT_ID);
	assert_sv_equal(field_name(&t, F_SOURCE_IP), "source.ip");
	assert_int_equal(field_find(&t, "nope", 4), 0);
	field_table_done(&t);
}

static void test_children(void **state)
{
	(void)state;
	field_table t;
	assert_int_equal(field_table_init(&t, 1000), 0);
	uint32_t ev = field_child(&t, 0, "Event", 5);
	uint32_t sys = field_child(&t, ev, "System", 6);
	uint32_t eid = field_child(&t, sys, "EventID", 7);
	assert_int_equal(eid, F_EVT_SYSTEM_EVENTID); /* known full name, same id */
	assert_int_equal(field_child(&t, sys, "EventID", 7), eid);
	uint32_t user = field_child(&t, 0, "user", 4);
	assert_int_equal(field_child(&t, user, "name", 4), F_USER_NAME);
	uint32_t x = field_child(&t, user, "x.y", 3);
	assert_sv_equal(field_name(&t, x), "user.x.y");
	assert_int_equal(field_find(&t, "user.x.y", 8), x);
	/* a key with a NUL byte stays distinct */
	uint32_t z1 = field_child(&t, 0, "a\0b", 3), z2 = field_child(&t, 0, "a", 1);
	assert_int_not_equal(z1, z2);
	field_table_done(&t);
}

static void test_limit(void **state)
{
	(void)state;
	field_table t;
	assert_int_equal(field_table_init(&t, 100), 0);
	char name[32];
	unsigned got = 0;
	for (unsigned i = 0; i < 500; i++) {
		int n = snprintf(name, sizeof(name), "f%u", i);
		if (field_intern(&t, name, (size_t)n))
			got++;
	}
	assert_int_equal(got, 100);
	/* known names still resolve when full */
	assert_int_equal(field_intern(&t, "user.name", 9), F_USER_NAME);
	assert_int_equal(field_intern(&t, "f5", 2), field_find(&t, "f5", 2));
	assert_int_equal(field_intern(&t, "f499", 4), 0);
	field_table_done(&t);
}

static void test_many(void **state)
{
	(void)state;
	field_table t;
	assert_int_equal(field_table_init(&t, 100000), 0);
	char name[32];
	uint32_t ids[20000];
	for (unsigned i = 0; i < 20000; i++) {
		int n = snprintf(name, sizeof(name), "k.%u", i * 7919u);
		ids[i] = field_intern(&t, name, (size_t)n);
		assert_int_not_equal(ids[i], 0);
	}
	for (unsigned i = 0; i < 20000; i++) {
		int n = snprintf(name, sizeof(name), "k.%u", i * 7919u);
		assert_int_equal(field_find(&t, name, (size_t)n), ids[i]);
		assert_sv_equal(field_name(&t, ids[i]), name);
	}
	field_table_done(&t);
}

/* Interning a view of a name already in the table (what shapes do when
 * they derive "X" from "winlog.event_data.X") must survive the table's
 * text moving; found by fuzz-scanner. */
static void test_self_view(void **state)
{
	(void)state;
	field_table t;
	assert_int_equal(field_table_init(&t, 100000), 0);
	char name[64];
	for (unsigned i = 0; i < 5000; i++) {
		int n = snprintf(name, sizeof(name), "winlog.event_data.Field%u", i);
		uint32_t id = field_intern(&t, name, (size_t)n);
		assert_int_not_equal(id, 0);
		spoor_sv full = field_name(&t, id);
		spoor_sv tail = sv_make(full.p + 18, full.n - 18); /* "Field<i>" */
		uint32_t d = field_intern(&t, tail.p, tail.n);
		assert_int_not_equal(d, 0);
		snprintf(name, sizeof(name), "Field%u", i);
		assert_sv_equal(field_name(&t, d), name);
		/* and as a child key */
		uint32_t c = field_child(&t, id, field_name(&t, d).p, field_name(&t, d).n);
		snprintf(name, sizeof(name), "winlog.event_data.Field%u.Field%u", i, i);
		assert_sv_equal(field_name(&t, c), name);
	}
	field_table_done(&t);
}

/* spoor_ctx_clone: the same names under the same ids; later names are
 * each context's own. */
static void test_ctx_clone(void **state)
{
	(void)state;
	spoor_ctx_options o = SPOOR_CTX_OPTIONS_INIT;
	o.tz = "+08:00";
	o.year = 2024;
	spoor_ctx *a = NULL, *b = NULL;
	assert_int_equal(spoor_ctx_new(&a, &o, NULL), 0);
	char name[32];
	uint32_t ids[3000];
	for (int i = 0; i < 3000; i++) { /* enough to grow the table and the text */
		snprintf(name, sizeof(name), "Event.Data.f%d", i);
		ids[i] = field_intern(&a->ft, name, strlen(name));
		assert_true(ids[i] != 0);
	}
	uint32_t kid = field_child(&a->ft, ids[7], "sub", 3);
	ctx_memo_put(a, MEMO_NOSPACE, ids[5], ids[6] + 1);
	assert_int_equal(spoor_ctx_clone(&b, a, NULL), 0);
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "Event.Data.f%d", i);
		assert_int_equal(field_find(&b->ft, name, strlen(name)), ids[i]);
		assert_sv_equal(field_name(&b->ft, ids[i]), name);
	}
	assert_int_equal(field_child(&b->ft, ids[7], "sub", 3), kid);
	assert_int_equal(ctx_memo_get(b, MEMO_NOSPACE, ids[5]), ids[6] + 1);
	assert_int_equal(b->tz.fixed, a->tz.fixed);
	assert_int_equal(b->year, 2024);
	/* a name new to the clone does not appear in the source, and both
	 * give the next id to their own new name */
	uint32_t nb = field_intern(&b->ft, "only.in.b", 9);
	assert_int_equal(field_find(&a->ft, "only.in.b", 9), 0);
	uint32_t na = field_intern(&a->ft, "only.in.a", 9);
	assert_int_equal(na, nb);
	assert_int_equal(field_find(&b->ft, "only.in.a", 9), 0);
	spoor_ctx_free(a); /* the clone owns its memory */
	assert_int_equal(field_find(&b->ft, "Event.Data.f2999", 16), ids[2999]);
	spoor_ctx_free(b);
}

/* event_text decodes a JSON string once per event and field, and decodes
 * again when the field was replaced or the event reset. */
static void test_event_text_cache(void **state)
{
	(void)state;
	spoor_ctx_options o = SPOOR_CTX_OPTIONS_INIT;
	spoor_ctx *c = NULL;
	assert_int_equal(spoor_ctx_new(&c, &o, NULL), 0);
	spoor_event ev;
	assert_int_equal(event_init(&ev, c), 0);
	const char *a = "C:\\\\Windows\\\\x.exe", *b = "\\u0041\\/b";
	assert_int_equal(event_add(&ev, F_USER_NAME, SPOOR_VT_JSTR, sv_make(a, strlen(a)), 0), 0);
	spoor_sv t1, t2;
	const efield *f = event_find(&ev, F_USER_NAME);
	assert_true(event_text(&ev, f, &t1));
	assert_sv_equal(t1, "C:\\Windows\\x.exe");
	assert_true(event_text(&ev, f, &t2));
	assert_ptr_equal(t1.p, t2.p); /* the cached text */
	assert_int_equal(event_set(&ev, F_USER_NAME, SPOOR_VT_JSTR, sv_make(b, strlen(b)), 0), 0);
	f = event_find(&ev, F_USER_NAME);
	assert_true(event_text(&ev, f, &t2));
	assert_sv_equal(t2, "A/b");
	/* the same bytes at the same place in the next event: decoded again */
	char m[] = "x\\/y";
	event_reset(&ev);
	assert_int_equal(event_add(&ev, F_USER_NAME, SPOOR_VT_JSTR, sv_make(m, 4), 0), 0);
	f = event_find(&ev, F_USER_NAME);
	assert_true(event_text(&ev, f, &t2));
	assert_sv_equal(t2, "x/y");
	event_reset(&ev);
	m[0] = 'z';
	assert_int_equal(event_add(&ev, F_USER_NAME, SPOOR_VT_JSTR, sv_make(m, 4), 0), 0);
	f = event_find(&ev, F_USER_NAME);
	assert_true(event_text(&ev, f, &t2));
	assert_sv_equal(t2, "z/y");
	event_done(&ev);
	spoor_ctx_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_static_ids),
	    cmocka_unit_test(test_children),
	    cmocka_unit_test(test_limit),
	    cmocka_unit_test(test_many),
	    cmocka_unit_test(test_self_view),
	    cmocka_unit_test(test_ctx_clone),
	    cmocka_unit_test(test_event_text_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
