/* Unit: the Exim main-log parser (parse-exim.c) and Exim lines inside
 * syslog. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "textlogs-test.h"

static void test_mainlog(void **s)
{
	(void)s;
	tl_run r;
	assert_int_equal(tl_open(&r, "exim", "mainlog", 0, "+02:00"), 0);
	tl_feed(&r, "2024-03-21 19:26:06 dovecot_login authenticator failed for (User) [194.169.175.1]:21298 I=[22.33.44.55]:465 "
		 "Ci=30416: 535 Incorrect authentication data (set_id=uaf589@example.com)", 0);
	tl_expect(&r, "@time", "2024-03-21T17:26:06");
	tl_expect(&r, "source.ip", "194.169.175.1");
	tl_expect(&r, "source.port", "21298");
	tl_expect(&r, "user.name", "uaf589@example.com");
	tl_expect(&r, "exim.authenticator", "dovecot_login");
	tl_expect(&r, "event.action", "auth");
	tl_expect(&r, "event.outcome", "failure");
	tl_feed(&r, "2024-03-21 19:30:00.123 +0000 [4242] 1rnLBd-0005x8-2q <= alice@example.org H=mail.example.org "
		 "(helo.example.org) [192.0.2.10]:50000 I=[10.0.0.1]:587 P=esmtpsa A=dovecot_login:alice@example.org S=48213 "
		 "id=20240321.abc@example.org T=\"Quarterly report\" from <alice@example.org> for bob@corp.example", 0);
	tl_expect(&r, "@time", "2024-03-21T19:30:00");
	tl_expect(&r, "process.pid", "4242");
	tl_expect(&r, "exim.id", "1rnLBd-0005x8-2q");
	tl_expect(&r, "exim.flag", "<=");
	tl_expect(&r, "email.from.address", "alice@example.org");
	tl_expect(&r, "source.ip", "192.0.2.10");
	tl_expect(&r, "source.domain", "mail.example.org");
	tl_expect(&r, "exim.helo", "helo.example.org");
	tl_expect(&r, "exim.protocol", "esmtpsa");
	tl_expect(&r, "user.name", "alice@example.org");
	tl_expect(&r, "exim.size", "48213");
	tl_expect(&r, "email.message_id", "20240321.abc@example.org");
	tl_expect(&r, "email.subject", "Quarterly report");
	tl_expect(&r, "event.action", "arrival");
	tl_feed(&r, "2024-03-21 19:30:01 1rnLBd-0005x8-2q => bob@corp.example R=dnslookup T=remote_smtp H=mx.corp.example "
		 "[198.51.100.25] C=\"250 OK\"", 0);
	tl_expect(&r, "email.to.address", "bob@corp.example");
	tl_expect(&r, "destination.ip", "198.51.100.25");
	tl_expect(&r, "destination.domain", "mx.corp.example");
	tl_expect(&r, "event.action", "delivery");
	tl_expect(&r, "event.outcome", "success");
	tl_feed(&r, "2024-03-21 19:30:02 1rnLBd-0005x8-2q Completed", 0);
	tl_expect(&r, "event.action", "completed");
	tl_feed(&r, "2013-06-15 16:34:55 H=mx.tillions.com [182.18.24.93] F=<buh@caladan.ebay.sun.com> rejected RCPT "
		 "<ruslan@maslovskiy.com.ua>: Sender verify failed", 0);
	tl_expect(&r, "source.ip", "182.18.24.93");
	tl_expect(&r, "email.from.address", "buh@caladan.ebay.sun.com");
	tl_expect(&r, "email.to.address", "ruslan@maslovskiy.com.ua");
	tl_expect(&r, "event.action", "reject");
	tl_expect(&r, "event.outcome", "failure");
	tl_feed(&r, "2017-12-03 08:51:35 no IP address found for host test.example.com (during SMTP connection from [192.0.2.9])", 0);
	tl_expect(&r, "source.ip", "192.0.2.9");
	tl_feed(&r, "not exim", -1);
	tl_close(&r);
}

static void test_in_syslog(void **s)
{
	(void)s;
	tl_run r;
	assert_int_equal(tl_open(&r, "syslog", "mail.log", 0, NULL), 0);
	tl_feed(&r, "2019-10-22 03:39:17 mx1.fqdn.local exim[29786]: dovecot_login authenticator failed for (User) [192.0.2.37]: "
		 "535 Incorrect authentication data (set_id=test@domain.com)", 0);
	tl_expect(&r, "source.ip", "192.0.2.37");
	tl_expect(&r, "user.name", "test@domain.com");
	tl_expect(&r, "event.outcome", "failure");
	assert_true(sv_eq_cstr(r.ev.ls.service, "exim"));
	tl_close(&r);
}

static void test_sniff(void **s)
{
	(void)s;
	assert_string_equal(parser_detect(SPOOR_SV("2024-03-21 19:30:02 1rnLBd-0005x8-2q Completed\n"))->name, "exim");
	assert_string_equal(parser_detect(SPOOR_SV("# c\n2013-06-02 09:22:06 SMTP call from [192.0.2.109] dropped\n"))->name,
			    "exim");
	assert_string_equal(parser_detect(SPOOR_SV("2019-10-22 03:39:17 mx1 exim[29786]: x\n"))->name, "syslog");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mainlog),
		cmocka_unit_test(test_in_syslog),
		cmocka_unit_test(test_sniff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
