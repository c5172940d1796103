/* Unit: the generic CSV parser (parse-csv.c): delimiter choice, RFC 4180
 * quoting, numbers, ECS columns, bad records, sniffing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "textlogs-test.h"

static void test_comma(void **s)
{
	(void)s;
	tl_run r;
	assert_int_equal(tl_open(&r, "csv", "x.csv", 0, NULL), 0);
	tl_feed(&r, "\xEF\xBB\xBFTimestamp,User,Client IP,Action,Bytes,Note", 1);
	tl_feed(&r, "2024-06-28T10:00:00Z,CORP\\alice,203.0.113.5,MailItemsAccessed,48213,\"said \"\"hi\"\", left\"", 0);
	tl_expect(&r, "@time", "2024-06-28T10:00:00");
	tl_expect(&r, "user.name", "alice");
	tl_expect(&r, "user.domain", "CORP");
	tl_expect(&r, "source.ip", "203.0.113.5");
	tl_expect(&r, "event.action", "MailItemsAccessed");
	tl_expect(&r, "Note", "said \"hi\", left");
	tl_expect(&r, "Bytes", "48213");
	assert_int_equal(event_find(&r.ev, field_find(&r.ctx->ft, "Bytes", 5))->type, SPOOR_VT_NUM);
	tl_feed(&r, "2024-06-28T10:01:00Z,bob,,Send,007", 0); /* fewer values: fine */
	tl_expect(&r, "Client IP", "");
	tl_expect(&r, "Bytes", "007");
	assert_int_equal(event_find(&r.ev, field_find(&r.ctx->ft, "Bytes", 5))->type, SPOOR_VT_STR);
	tl_feed(&r, "a,b,c,d,e,f,g", -1);     /* more values than columns */
	tl_feed(&r, "a,\"unterminated", -1); /* a quoted line break */
	tl_close(&r);
}

static void test_semicolon(void **s)
{
	(void)s;
	tl_run r;
	assert_int_equal(tl_open(&r, "csv", "x.csv", 0, NULL), 0);
	tl_feed(&r, "date;src_ip;dst_ip;username", 1);
	tl_feed(&r, "2024-01-02 03:04:05;10.0.0.1;10.0.0.2;eve", 0);
	tl_expect(&r, "@time", "2024-01-02T03:04:05");
	tl_expect(&r, "source.ip", "10.0.0.1");
	tl_expect(&r, "destination.ip", "10.0.0.2");
	tl_expect(&r, "user.name", "eve");
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
