/* Unit tests: field-name interning. */
#include "unit.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_static_ids),
	    cmocka_unit_test(test_children),
	    cmocka_unit_test(test_limit),
	    cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
