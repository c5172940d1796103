/* Unit: the generic CSV parser (parse-csv.c): delimiter choice, RFC 4180
 * quoting, numbers, ECS columns, bad records, sniffing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../integration/textlogs-util.h"

static void feed(tl_run *r, const char *l, int want)
{
	int rc = tl_line(r, l, strlen(l));
	if (want < 0 ? rc >= 0 : rc != want)
		fail_msg("rc %d want %d (%s) for %s", rc, want, r->diag.msg, l);
}

static void expect(tl_run *r, const char *name, const char *want)
{
	char b[1024];
	const char *got = !strcmp(name, "@time") ? tl_time(r, b, sizeof(b)) : tl_get_name(r, name, b, sizeof(b));
	if (strcmp(got, want) != 0)
		fail_msg("%s: want '%s' got '%s'", name, want, got);
}

static void test_comma(void **s)
{
	(void)s;
	tl_run r;
	assert_int_equal(tl_open(&r, "csv", "x.csv", 0, NULL), 0);
	feed(&r, "\xEF\xBB\xBFTimestamp,User,Client IP,Action,Bytes,Note", 1);
	feed(&r, "2024-06-28T10:00:00Z,CORP\\alice,203.0.113.5,MailItemsAccessed,48213,\"said \"\"hi\"\", left\"", 0);
	expect(&r, "@time", "2024-06-28T10:00:00");
	expect(&r, "user.name", "alice");
	expect(&r, "user.domain", "CORP");
	expect(&r, "source.ip", "203.0.113.5");
	expect(&r, "event.action", "MailItemsAccessed");
	expect(&r, "Note", "said \"hi\", left");
	expect(&r, "Bytes", "48213");
	assert_int_equal(event_find(&r.ev, field_find(&r.ctx->ft, "Bytes", 5))->type, SPOOR_VT_NUM);
	feed(&r, "2024-06-28T10:01:00Z,bob,,Send,007", 0); /* fewer values: fine */
	expect(&r, "Client IP", "");
	expect(&r, "Bytes", "007");
	assert_int_equal(event_find(&r.ev, field_find(&r.ctx->ft, "Bytes", 5))->type, SPOOR_VT_STR);
	feed(&r, "a,b,c,d,e,f,g", -1);     /* more values than columns */
	feed(&r, "a,\"unterminated", -1); /* a quoted line break */
	tl_close(&r);
}

static void test_semicolon(void **s)
{
	(void)s;
	tl_run r;
	assert_int_equal(tl_open(&r, "csv", "x.csv", 0, NULL), 0);
	feed(&r, "date;src_ip;dst_ip;username", 1);
	feed(&r, "2024-01-02 03:04:05;10.0.0.1;10.0.0.2;eve", 0);
	expect(&r, "@time", "2024-01-02T03:04:05");
	expect(&r, "source.ip", "10.0.0.1");
	expect(&r, "destination.ip", "10.0.0.2");
	expect(&r, "user.name", "eve");
	tl_close(&r);
}

static void test_sniff(void **s)
{
	(void)s;
	const parser_vt *vt = parser_find("csv");
	assert_non_null(vt);
	assert_int_equal(vt->sniff(SPOOR_SV("Timestamp,User,Action\n2024-01-01,a,b\n")), 40);
	assert_int_equal(vt->sniff(SPOOR_SV("a;b\n")), 25);
	assert_int_equal(vt->sniff(SPOOR_SV("2024-01-01,a,b\n")), 0);
	assert_int_equal(vt->sniff(SPOOR_SV("Mar  1 01:02:03 mx dovecot: imap-login: Login: user=<x>, method=PLAIN\n")), 0);
	assert_int_equal(vt->sniff(SPOOR_SV("#Fields: date,time\n")), 0);
	assert_int_equal(vt->sniff(SPOOR_SV("{\"a\":1,\"b\":2}\n")), 0);
	/* detection prefers the real formats */
	assert_string_equal(parser_detect(SPOOR_SV("Timestamp,User\nx,y\n"))->name, "csv");
	assert_string_equal(parser_detect(SPOOR_SV("Jun  3 10:01:02 web1 sshd[812]: a, b, c\n"))->name, "syslog");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comma),
		cmocka_unit_test(test_semicolon),
		cmocka_unit_test(test_sniff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
