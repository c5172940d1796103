/* Unit: Windows event XML lines (parse-winxml.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "textlogs-test.h"

static void test_security(void **s)
{
	(void)s;
	tl_run r;
	assert_int_equal(tl_open(&r, "winxml", "x.xml", 0, NULL), 0);
	const char *l =
		"<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System><Provider "
		"Name=\"Microsoft-Windows-Security-Auditing\" Guid=\"{54849625}\"/><EventID>4625</EventID><Level>0</Level>"
		"<TimeCreated SystemTime=\"2024-03-01T01:02:03.1234567Z\"/><EventRecordID>42</EventRecordID>"
		"<Execution ProcessID=\"640\" ThreadID=\"700\"/><Channel>Security</Channel><Computer>dc1.corp.example"
		"</Computer><Security UserID='S-1-5-18'/></System><EventData><Data Name=\"TargetUserName\">alice</Data>"
		"<Data Name=\"TargetDomainName\">CORP</Data><Data Name=\"IpAddress\">203.0.113.5</Data>"
		"<Data Name=\"LogonType\">3</Data><Data Name=\"Note\">a &amp; b &lt;c&gt; &#233; &#x1F600; &bogus;</Data>"
		"</EventData></Event>";
	assert_int_equal(tl_line(&r, l, strlen(l)), 0);
	tl_expect(&r, "@time", "2024-03-01T01:02:03");
	tl_expect(&r, "EventID", "4625");
	tl_expect(&r, "Channel", "Security");
	tl_expect(&r, "Provider_Name", "Microsoft-Windows-Security-Auditing");
	tl_expect(&r, "Computer", "dc1.corp.example");
	tl_expect(&r, "Execution_ProcessID", "640");
	tl_expect(&r, "Security_UserID", "S-1-5-18");
	tl_expect(&r, "TargetUserName", "alice");
	tl_expect(&r, "IpAddress", "203.0.113.5");
	tl_expect(&r, "Note", "a & b <c> \xc3\xa9 \xf0\x9f\x98\x80 &bogus;");
	tl_expect(&r, "source.ip", "203.0.113.5");
	assert_true(sv_eq_cstr(r.ev.ls.product, "windows"));
	assert_true(sv_eq_cstr(r.ev.ls.service, "security"));
	const char *bad = "<Event><System><Channel>X</Channel></System></Event>";
	assert_true(tl_line(&r, bad, strlen(bad)) < 0); /* no EventID */
	const char *cut = "<Event><System><EventID>1</EventID";
	assert_true(tl_line(&r, cut, strlen(cut)) < 0);
	tl_close(&r);
}

static void test_sniff(void **s)
{
	(void)s;
	assert_string_equal(parser_detect(SPOOR_SV("<Event xmlns='x'><System><EventID>1</EventID></System></Event>\n"))->name,
			    "winxml");
	assert_null(parser_detect(SPOOR_SV("<html><body>\n")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_security),
		cmocka_unit_test(test_sniff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
