/* Unit: the W3C parser (parse-w3c.c): IIS lines driven by #Fields, a
 * header change mid-file, Exchange message tracking (CSV with quotes),
 * OWA logon outcome, and bad lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "textlogs-test.h"

static void test_iis(void **s)
{
	(void)s;
	tl_run r;
	assert_int_equal(tl_open(&r, "w3c", "u_ex240628.log", 0, NULL), 0);
	tl_feed(&r, "hello", -1); /* data before #Fields */
	tl_feed(&r, "#Software: Microsoft Internet Information Services 10.0", 1);
	tl_feed(&r, "#Version: 1.0", 1);
	tl_feed(&r, "#Date: 2024-06-28 00:00:00", 1);
	tl_feed(&r,
	     "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
	     "cs(Referer) sc-status sc-substatus sc-win32-status time-taken",
	     1);
	tl_feed(&r,
	     "2024-06-28 00:48:01 10.0.0.5 POST /owa/auth.owa &ClientId=FF&CorrelationID=<empty>;&cafeReqId=f9; 443 "
	     "a@b.net 5.6.7.8 Mozilla/5.0+(iPhone) https://mail.domain.net/owa/auth/logon.aspx?url=x&reason=2 302 0 0 212",
	     0);
	tl_expect(&r, "@time", "2024-06-28T00:48:01");
	tl_expect(&r, "source.ip", "5.6.7.8");
	tl_expect(&r, "destination.ip", "10.0.0.5");
	tl_expect(&r, "destination.port", "443");
	tl_expect(&r, "user.name", "a@b.net");
	tl_expect(&r, "http.request.method", "POST");
	tl_expect(&r, "url.path", "/owa/auth.owa");
	tl_expect(&r, "url.original", "/owa/auth.owa?&ClientId=FF&CorrelationID=<empty>;&cafeReqId=f9;");
	tl_expect(&r, "http.response.status_code", "302");
	tl_expect(&r, "exchange.app", "owa");
	tl_expect(&r, "event.action", "owa_logon");
	tl_expect(&r, "event.outcome", "failure");
	tl_expect(&r, "cs-username", "a@b.net");
	tl_expect(&r, "cs(User-Agent)", "Mozilla/5.0+(iPhone)");
	tl_expect(&r, "time-taken", "212");
	assert_true(sv_eq_cstr(r.ev.ls.category, "webserver"));
	assert_true(sv_eq_cstr(r.ev.ls.service, "iis"));
	tl_feed(&r,
	     "2024-06-28 00:49:01 10.0.0.5 POST /Microsoft-Server-ActiveSync/default.eas Cmd=Sync&User=CORP%5Cbob 443 "
	     "CORP\\bob 203.0.113.4 Apple-iPhone/1 - 200 0 0 45",
	     0);
	tl_expect(&r, "user.name", "bob");
	tl_expect(&r, "user.domain", "CORP");
	tl_expect(&r, "exchange.app", "activesync");
	tl_expect(&r, "cs(Referer)", ""); /* "-" is absent */
	/* too few values */
	tl_feed(&r, "2024-06-28 00:49:01 10.0.0.5 GET", -1);
	/* a new layout mid-file */
	tl_feed(&r, "#Fields: date time c-ip cs-username cs-method cs-uri-stem sc-status sc-bytes cs-bytes", 1);
	tl_feed(&r, "2024-06-28 01:00:00 198.51.100.9 - GET /EWS/Exchange.asmx 401 1293 512", 0);
	tl_expect(&r, "source.ip", "198.51.100.9");
	tl_expect(&r, "user.name", "");
	tl_expect(&r, "destination.bytes", "1293");
	tl_expect(&r, "source.bytes", "512");
	tl_expect(&r, "exchange.app", "ews");
	tl_close(&r);
}

static void test_tracking(void **s)
{
	(void)s;
	tl_run r;
	assert_int_equal(tl_open(&r, "w3c", "MSGTRK2024062800-1.LOG", 0, NULL), 0);
	tl_feed(&r, "#Software: Microsoft Exchange Server", 1);
	tl_feed(&r, "#Version: 15.01.2507.006", 1);
	tl_feed(&r, "#Log-type: Message Tracking Log", 1);
	tl_feed(&r,
	     "#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,"
	     "event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,"
	     "recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,"
	     "directionality,tenant-id,original-client-ip,original-server-ip,custom-data",
	     1);
	tl_feed(&r,
	     "2024-06-28T10:15:02.123Z,198.51.100.23,mail.ext.example,10.0.0.7,EXCH01,08DC,EXCH01\\Default Frontend "
	     "EXCH01,SMTP,RECEIVE,4242,<CAF=abc@mail.ext.example>,3f2a-11,ceo@corp.example;cfo@corp.example,,48213,2,,,"
	     "\"Invoice, \"\"urgent\"\"\",attacker@ext.example,attacker@ext.example,,Incoming,,,,",
	     0);
	tl_expect(&r, "@time", "2024-06-28T10:15:02");
	tl_expect(&r, "source.ip", "198.51.100.23");
	tl_expect(&r, "destination.ip", "10.0.0.7");
	tl_expect(&r, "host.name", "EXCH01");
	tl_expect(&r, "event.action", "RECEIVE");
	tl_expect(&r, "email.message_id", "CAF=abc@mail.ext.example");
	tl_expect(&r, "email.to.address", "ceo@corp.example;cfo@corp.example");
	tl_expect(&r, "email.from.address", "attacker@ext.example");
	tl_expect(&r, "email.subject", "Invoice, \"urgent\"");
	tl_expect(&r, "email.direction", "Incoming");
	tl_expect(&r, "network.bytes", "48213");
	tl_expect(&r, "connector-id", "EXCH01\\Default Frontend EXCH01");
	assert_true(sv_eq_cstr(r.ev.ls.service, "exchange"));
	assert_true(sv_eq_cstr(r.ev.ls.category, "email"));
	/* an unterminated quote */
	tl_feed(&r, "2024-06-28T10:15:02.123Z,\"x", -1);
	tl_close(&r);
}

static void test_sniff(void **s)
{
	(void)s;
	const parser_vt *vt = parser_find("w3c");
	assert_non_null(vt);
	assert_true(vt->sniff(SPOOR_SV("#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n")) >= 90);
	assert_true(vt->sniff(SPOOR_SV("\xEF\xBB\xBF#Software: Microsoft Exchange Server\n")) >= 90);
	assert_true(vt->sniff(SPOOR_SV("#Version: 1.0\n#Fields: date time c-ip\n")) >= 90);
	assert_int_equal(vt->sniff(SPOOR_SV("#separator \\x09\n")), 0);
	assert_int_equal(vt->sniff(SPOOR_SV("Jun  3 10:01:02 web1 sshd[812]: hi\n")), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iis),
		cmocka_unit_test(test_tracking),
		cmocka_unit_test(test_sniff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
