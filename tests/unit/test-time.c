/* Unit tests: timestamps to UTC nanoseconds. */
#include "unit.h"

#include "base/base.h"
#include "base/timeparse.h"

#define S 1000000000LL

static void test_iso(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *zone; /* default zone for zone-less times */
		bool ok;
		int64_t ns;
	} cases[] = {
	    {"1970-01-01T00:00:00Z", NULL, true, 0},
	    {"2024-03-11T01:02:03Z", NULL, true, 1710118923 * S},
	    {"2024-03-11T01:02:03.123456Z", NULL, true, 1710118923 * S + 123456000},
	    {"2024-03-11T01:02:03.1234567891Z", NULL, true, 1710118923 * S + 123456789}, /* > 9 digits truncated */
	    {"2024-03-11T09:02:03+08:00", NULL, true, 1710118923 * S},
	    {"2024-03-11T09:02:03+0800", NULL, true, 1710118923 * S},
	    {"2024-03-10T20:02:03-05:00", NULL, true, 1710118923 * S},
	    {"2024-03-11 01:02:03", NULL, true, 1710118923 * S},
	    {"2024-03-11 09:02:03", "+08:00", true, 1710118923 * S},
	    {"2024-03-11 09:02:03", "Asia/Taipei", true, 1710118923 * S},
	    {"2024-03-11 01:02:03 UTC", "Asia/Taipei", true, 1710118923 * S},
	    {"2024/03/11 01:02:03", NULL, true, 1710118923 * S},
	    {"2024-03-11T01:02:03,5Z", NULL, true, 1710118923 * S + 500000000},
	    {"2024-03-11", NULL, true, 1710115200 * S},
	    {"2022-12-12 22:19:00", NULL, true, 1670883540 * S},
	    {"1601-01-01T00:00:00Z", NULL, false, 0}, /* before 1677: not representable */
	    {"1700-01-01T00:00:00Z", NULL, true, -8520336000LL * S},
	    {"2024-02-30T00:00:00Z", NULL, true, 1709251200 * S}, /* not validated per month: normalizes */
	    {"2024-13-01T00:00:00Z", NULL, false, 0},
	    {"2024-03-11T25:00:00Z", NULL, false, 0},
	    {"2024-03-11T01:02:03+08:0", NULL, false, 0},
	    {"2024-03-11T01:02:03 garbage", NULL, false, 0},
	    {"2024-03-11T01:02:03.Z", NULL, false, 0},
	    {"20240311", NULL, false, 0},
	    {"", NULL, false, 0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		spoor_tz tz;
		assert_int_equal(tz_load(&tz, cases[i].zone, NULL), 0);
		int64_t ns = 0;
		bool ok = time_parse_iso(sv_cstr(cases[i].in), &tz, &ns);
		if (ok != cases[i].ok)
			fail_msg("'%s': ok=%d", cases[i].in, ok);
		if (ok && ns != cases[i].ns)
			fail_msg("'%s': %lld != %lld", cases[i].in, (long long)ns, (long long)cases[i].ns);
		tz_done(&tz);
	}
}

static void test_dst(void **state)
{
	(void)state;
	spoor_tz tz;
	if (tz_load(&tz, "America/New_York", NULL) != 0)
		skip(); /* no zoneinfo on this machine */
	int64_t ns;
	/* winter: -05:00, summer: -04:00 */
	assert_true(time_parse_iso(sv_cstr("2024-01-15 12:00:00"), &tz, &ns));
	assert_int_equal(ns, 1705338000 * S);
	assert_true(time_parse_iso(sv_cstr("2024-07-15 12:00:00"), &tz, &ns));
	assert_int_equal(ns, 1721059200 * S);
	tz_done(&tz);
	assert_int_equal(tz_load(&tz, "No/Such_Zone", NULL), SPOOR_ENOTFOUND);
	assert_int_equal(tz_load(&tz, "../../etc/passwd", NULL), SPOOR_EINVAL);
}

static void test_epoch_filetime(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		bool ok;
		int64_t ns;
	} cases[] = {
	    {"1591746656", true, 1591746656 * S},
	    {"1591746656.537", true, 1591746656 * S + 537000000},
	    {"1591746656537", true, 1591746656 * S + 537000000},
	    {"1591746656537123", true, 1591746656 * S + 537123000},
	    {"1591746656537123456", true, 1591746656 * S + 537123456},
	    {"1591746656.", true, 1591746656 * S},
	    {"-5", false, 0},
	    {"12x", false, 0},
	    {"99999999999999999999", false, 0},
	    {"9223372035", true, 9223372035 * S},
	    {"17096256050600.5", false, 0},        /* ms past 2262: no overflow */
	    {"17040672002000001", false, 0},       /* us past 2262 */
	    {"9223372036853", true, 9223372036853000000LL},
	    {"9223372036853774", true, 9223372036853774000LL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int64_t ns = 0;
		bool ok = time_parse_epoch(sv_cstr(cases[i].in), &ns);
		if (ok != cases[i].ok)
			fail_msg("'%s': ok=%d", cases[i].in, ok);
		if (ok && ns != cases[i].ns)
			fail_msg("'%s': %lld != %lld", cases[i].in, (long long)ns, (long long)cases[i].ns);
	}
	int64_t ns;
	/* 2024-03-11T01:02:03.1234567Z as FILETIME */
	assert_true(time_from_filetime(133545925231234567ull, &ns));
	assert_int_equal(ns, 1710118923 * S + 123456700);
	assert_false(time_from_filetime(0, &ns)); /* 1601: out of range */
	assert_false(time_from_filetime(UINT64_MAX, &ns));
}

static void test_format_roundtrip(void **state)
{
	(void)state;
	static const char *const in[] = {
	    "2024-03-11T01:02:03Z", "2024-03-11T01:02:03.123Z", "2024-03-11T01:02:03.123456Z",
	    "2024-03-11T01:02:03.123456789Z", "1969-12-31T23:59:59.900Z", "1678-01-01T00:00:00Z", "2262-04-11T23:47:15Z",
	};
	for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
		int64_t ns;
		char out[40];
		assert_true(time_parse_iso(sv_cstr(in[i]), NULL, &ns));
		time_format(ns, out);
		assert_string_equal(out, in[i]);
	}
	/* civil <-> days */
	for (int64_t d = -800000; d < 800000; d += 997) {
		int64_t y;
		unsigned m, dd;
		civil_from_days(d, &y, &m, &dd);
		assert_int_equal(days_from_civil(y, m, dd), d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_iso),
	    cmocka_unit_test(test_dst),
	    cmocka_unit_test(test_epoch_filetime),
	    cmocka_unit_test(test_format_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
