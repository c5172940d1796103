/* Unit: the syslog parser (parse-syslog.c) and its program parsers
 * (syslog-auth.c, syslog-mail.c) on hand-written lines with exact
 * expectations.  Each case: a line, the file mtime, and name=value pairs
 * ("@time" = the event time in UTC, "" value = the field is absent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../integration/textlogs-util.h"

#define REF_2024_06 1717243200 /* 2024-06-01T12:00:00Z */
#define REF_2025_01 1736942400 /* 2025-01-15T12:00:00Z */

typedef struct tcase {
	const char *line;
	int64_t mtime;
	int rc; /* 0 event, < 0 bad */
	const char *kv[40]; /* name, value, name, value, ..., NULL */
} tcase;

static const tcase cases[] = {
	/* RFC 3164 */
	{"May 30 10:01:02 web1 sshd[812]: Accepted publickey for alice from 203.0.113.9 port 50122 ssh2: ED25519 SHA256:AbCdEf0123",
	 REF_2024_06, 0,
	 {"@time", "2024-05-30T10:01:02", "host", "web1", "program", "sshd", "pid", "812", "process.pid", "812", "user.name",
	  "alice", "source.ip", "203.0.113.9", "source.port", "50122", "event.action", "ssh_login", "event.outcome", "success",
	  "ssh.method", "publickey", "ssh.key_type", "ED25519", "ssh.key_fingerprint", "SHA256:AbCdEf0123", NULL}},
	/* New Year: a Dec line in a file modified in January is last year */
	{"Dec 31 23:59:59 web1 sshd[9]: Failed password for invalid user admin from 198.51.100.7 port 4242 ssh2", REF_2025_01, 0,
	 {"@time", "2024-12-31T23:59:59", "user.name", "admin", "source.ip", "198.51.100.7", "event.outcome", "failure",
	  "ssh.method", "password", NULL}},
	{"Jan  2 00:00:01 web1 CRON[77]: (root) CMD (run-parts /etc/cron.hourly)", REF_2025_01, 0,
	 {"@time", "2025-01-02T00:00:01", "user.name", "root", "process.command_line", "run-parts /etc/cron.hourly",
	  "event.action", "cron_command", NULL}},
	/* user names with spaces; the first " from ADDR port N sshN" wins */
	{"Mar  1 01:02:03 h sshd[1]: Failed password for invalid user a b from 192.0.2.1 port 22 ssh2", REF_2024_06, 0,
	 {"user.name", "a b", "source.ip", "192.0.2.1", NULL}},
	{"Mar  1 01:02:03 h sshd[1]: Invalid user oracle from 192.0.2.2 port 40000", REF_2024_06, 0,
	 {"user.name", "oracle", "source.ip", "192.0.2.2", "source.port", "40000", "event.action", "invalid_user",
	  "event.outcome", "failure", NULL}},
	{"Mar  1 01:02:03 h sshd[1]: Connection closed by authenticating user root 192.0.2.3 port 5555 [preauth]", REF_2024_06,
	 0, {"user.name", "root", "source.ip", "192.0.2.3", "event.action", "connection_closed", NULL}},
	{"Mar  1 01:02:03 h sshd[1]: Disconnected from invalid user test 2001:db8::1 port 5555 [preauth]", REF_2024_06, 0,
	 {"user.name", "test", "source.ip", "2001:db8::1", "event.action", "disconnected", NULL}},
	{"Mar  1 01:02:03 h sshd[1]: error: maximum authentication attempts exceeded for root from 192.0.2.4 port 1 ssh2 [preauth]",
	 REF_2024_06, 0,
	 {"user.name", "root", "source.ip", "192.0.2.4", "event.action", "max_auth_attempts", "event.outcome", "failure", NULL}},
	{"Mar  1 01:02:03 h sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.5  user=bob",
	 REF_2024_06, 0,
	 {"user.name", "bob", "source.ip", "192.0.2.5", "event.action", "authentication_failure", "event.outcome", "failure",
	  NULL}},
	{"Mar  1 01:02:03 h sshd[1]: message repeated 3 times: [ Failed password for root from 192.0.2.6 port 22 ssh2]",
	 REF_2024_06, 0, {"user.name", "root", "source.ip", "192.0.2.6", "event.outcome", "failure", NULL}},
	/* sudo, su, logind */
	{"Mar  1 01:02:03 h sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id -u", REF_2024_06, 0,
	 {"user.name", "alice", "user.target.name", "root", "sudo.tty", "pts/0", "sudo.pwd", "/home/alice",
	  "process.command_line", "/usr/bin/id -u", "event.outcome", "success", NULL}},
	{"Mar  1 01:02:03 h sudo:      bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/ ; USER=root ; COMMAND=/bin/sh",
	 REF_2024_06, 0, {"user.name", "bob", "event.action", "sudo_denied", "event.outcome", "failure", NULL}},
	{"Mar  1 01:02:03 h su[5]: (to root) alice on pts/2", REF_2024_06, 0,
	 {"user.name", "alice", "user.target.name", "root", "event.action", "su", NULL}},
	{"Mar  1 01:02:03 h systemd-logind[5]: New session 42 of user carol.", REF_2024_06, 0,
	 {"user.name", "carol", "logind.session", "42", "event.action", "session_new", NULL}},
	/* Postfix */
	{"Mar  1 01:02:03 mx postfix/smtpd[100]: warning: unknown[203.0.113.50]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
	 REF_2024_06, 0,
	 {"postfix.daemon", "smtpd", "source.ip", "203.0.113.50", "postfix.sasl_method", "LOGIN", "event.action", "sasl_auth",
	  "event.outcome", "failure", NULL}},
	{"Mar  1 01:02:03 mx postfix/submission/smtpd[100]: 4Bc9Lk1xYz: client=mail.example.org[192.0.2.10]:33002, sasl_method=PLAIN, sasl_username=dave@example.org",
	 REF_2024_06, 0,
	 {"postfix.daemon", "smtpd", "postfix.queue_id", "4Bc9Lk1xYz", "source.ip", "192.0.2.10", "source.port", "33002",
	  "postfix.client_hostname", "mail.example.org", "user.name", "dave@example.org", "postfix.sasl_username",
	  "dave@example.org", "event.outcome", "success", NULL}},
	{"Mar  1 01:02:03 mx postfix/smtpd[100]: NOQUEUE: reject: RCPT from x.example[192.0.2.11]: 554 5.7.1 <a@b.c>: Relay access denied; from=<e@f.g> to=<a@b.c> proto=ESMTP helo=<x>",
	 REF_2024_06, 0,
	 {"postfix.queue_id", "", "event.action", "reject", "source.ip", "192.0.2.11", "postfix.status_code", "554",
	  "postfix.status_code_enhanced", "5.7.1", "email.from.address", "e@f.g", "email.to.address", "a@b.c",
	  "postfix.helo", "x", "postfix.smtp_stage", "RCPT", NULL}},
	{"Mar  1 01:02:03 mx postfix/cleanup[101]: 3F2A1B: message-id=<20240301.abc@example.org>", REF_2024_06, 0,
	 {"postfix.queue_id", "3F2A1B", "email.message_id", "20240301.abc@example.org", NULL}},
	{"Mar  1 01:02:03 mx postfix/qmgr[102]: 3F2A1B: from=<e@f.g>, size=48213, nrcpt=2 (queue active)", REF_2024_06, 0,
	 {"postfix.queue_id", "3F2A1B", "email.from.address", "e@f.g", "postfix.size", "48213", "postfix.nrcpt", "2",
	  "event.action", "queued", NULL}},
	{"Mar  1 01:02:03 mx postfix/smtp[103]: 3F2A1B: to=<x@y.z>, relay=mx.y.z[198.51.100.25]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=2.0.0, status=sent (250 2.0.0 OK id=1)",
	 REF_2024_06, 0,
	 {"email.to.address", "x@y.z", "destination.ip", "198.51.100.25", "destination.port", "25", "postfix.relay_hostname",
	  "mx.y.z", "postfix.delay", "1.2", "postfix.delays", "0.1/0/0.5/0.6", "postfix.dsn", "2.0.0", "postfix.status",
	  "sent", "postfix.response", "250 2.0.0 OK id=1", "event.outcome", "success", NULL}},
	/* Dovecot 2.2 and 2.3 */
	{"Mar  1 01:02:03 mx dovecot: imap-login: Login: user=<eve@example.org>, method=PLAIN, rip=203.0.113.77, lip=192.0.2.1, mpid=4242, TLS, session=<AbCd>",
	 REF_2024_06, 0,
	 {"dovecot.service", "imap-login", "user.name", "eve@example.org", "source.ip", "203.0.113.77", "destination.ip",
	  "192.0.2.1", "dovecot.method", "PLAIN", "dovecot.tls", "TLS", "dovecot.session", "AbCd", "event.outcome",
	  "success", NULL}},
	{"Mar  1 01:02:03 mx dovecot: pop3-login: Aborted login (auth failed, 3 attempts in 12 secs): user=<eve>, method=PLAIN, rip=203.0.113.78, lip=192.0.2.1, session=<x1>",
	 REF_2024_06, 0,
	 {"user.name", "eve", "source.ip", "203.0.113.78", "dovecot.auth_attempts", "3", "event.action", "login",
	  "event.outcome", "failure", NULL}},
	{"Mar  1 01:02:03 mx dovecot: imap(eve@example.org)<1234><AbCdEf>: Logged out in=1520 out=983712 deleted=0 expunged=0 trashed=0 hdr_count=12 hdr_bytes=9000 body_count=10 body_bytes=950000",
	 REF_2024_06, 0,
	 {"user.name", "eve@example.org", "dovecot.session", "AbCdEf", "dovecot.in", "1520", "dovecot.out", "983712",
	  "source.bytes", "1520", "destination.bytes", "983712", "network.bytes", "985232", "dovecot.body_bytes", "950000",
	  "dovecot.hdr_count", "12", "event.action", "logout", NULL}},
	{"Mar  1 01:02:03 mx dovecot: imap(eve): Logged out in=10 out=20", REF_2024_06, 0,
	 {"user.name", "eve", "network.bytes", "30", NULL}},
	{"Mar  1 01:02:03 mx dovecot: auth-worker(99): pam(eve,203.0.113.79,<s1>): unknown user", REF_2024_06, 0,
	 {"user.name", "eve", "source.ip", "203.0.113.79", "event.action", "auth", "event.outcome", "failure", NULL}},
	{"Mar  1 01:02:03 mx dovecot: IMAP(eve): Disconnected: Logged out bytes=59/566", REF_2024_06, 0,
	 {"user.name", "eve", "event.action", "logout", "dovecot.in", "59", "dovecot.out", "566", "network.bytes", "625", NULL}},
	{"Mar  1 01:02:03 mx dovecot: imap(eve)<1><s>: Connection closed (IDLE running for 0.001 + waiting input for 28.002 secs, 2 B in + 10+10 B out, state=wait-input) in=0 out=1088 deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0",
	 REF_2024_06, 0, {"event.action", "logout", "dovecot.out", "1088", "network.bytes", "1088", "dovecot.session", "s", NULL}},
	{"Mar  1 01:02:03 mx dovecot: lmtp(eve)<1><s>: msgid=<a@b>: saved mail to INBOX", REF_2024_06, 0,
	 {"user.name", "eve", "email.message_id", "a@b", "event.action", "delivery", NULL}},
	/* Courier */
	{"Apr 27 09:00:00 mx imapd: LOGIN FAILED, user=tester, ip=[::ffff:192.0.2.5], port=[255]", REF_2024_06, 0,
	 {"user.name", "tester", "source.ip", "192.0.2.5", "source.port", "255", "event.action", "login", "event.outcome",
	  "failure", NULL}},
	{"Apr 27 09:00:00 mx pop3d: LOGOUT, user=tester, ip=[::ffff:192.0.2.5], headers=0, body=0, rcvd=20, sent=5000, time=3",
	 REF_2024_06, 0, {"event.action", "logout", "network.bytes", "5020", "destination.bytes", "5000", NULL}},
	{"Aug 14 12:51:05 mx courieresmtpd[4]: error,relay=::ffff:192.0.2.3,port=43632,msg=\"535 Authentication failed.\",cmd: AUTH LOGIN x",
	 REF_2024_06, 0, {"source.ip", "192.0.2.3", "source.port", "43632", "event.action", "smtp_auth", "event.outcome", "failure", NULL}},
	/* RFC 5424, with structured data and an offset */
	{"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - BOM'su root' failed for lonvick on /dev/pts/8",
	 REF_2024_06, 0,
	 {"@time", "2003-10-11T22:14:15", "host", "mymachine.example.com", "program", "su", "pid", "", "msgid", "ID47",
	  "facility", "auth", "severity", "crit", NULL}},
	{"<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - [exampleSDID@32473 iut=\"3\" eventSource=\"Appl\\\"ication\"] An application event",
	 REF_2024_06, 0,
	 {"@time", "2003-08-24T12:14:15", "sd.exampleSDID@32473.iut", "3", "sd.exampleSDID@32473.eventSource", "Appl\"ication",
	  "message", "An application event", "facility", "local4", "severity", "notice", NULL}},
	/* RFC 6587 octet counting, one frame per line */
	{"63 <13>1 2024-06-01T00:00:00Z h app 1 - - octet-counted frame here", REF_2024_06, 0,
	 {"program", "app", "message", "octet-counted frame here", NULL}},
	/* rsyslog high-precision */
	{"2023-11-14T00:20:42.738197+01:00 box sshd[5]: Connection closed by 192.0.2.99 port 22 [preauth]", REF_2024_06, 0,
	 {"@time", "2023-11-13T23:20:42", "host", "box", "source.ip", "192.0.2.99", NULL}},
	/* daemontools TAI64N labels: UTC seconds + 2^62; the last second whose
	 * nanoseconds fit in int64 (2262-04-11T23:47:15Z) is a time, the next
	 * one is not (it overflowed) */
	{"@4000000065f1b2c300000000 sshd[1]: Invalid user oracle from 192.0.2.7 port 40000", REF_2024_06, 0,
	 {"@time", "2024-03-13T14:05:55", "user.name", "oracle", "source.ip", "192.0.2.7", NULL}},
	{"@4000000225c17d0300000000 sshd[1]: Invalid user oracle from 192.0.2.7 port 40000", REF_2024_06, 0,
	 {"@time", "2262-04-11T23:47:15", NULL}},
	{"@4000000225c17d0400000000 sshd[1]: Invalid user oracle from 192.0.2.7 port 40000", REF_2024_06, -1, {NULL}},
	/* not syslog */
	{"hello world", REF_2024_06, -1, {NULL}},
	{"<999>1 x", REF_2024_06, -1, {NULL}},
};

static void check_case(const tcase *c)
{
	tl_run r;
	assert_int_equal(tl_open(&r, "syslog", "unit", c->mtime, NULL), 0);
	int rc = tl_line(&r, c->line, strlen(c->line));
	if (c->rc < 0) {
		if (rc >= 0)
			fail_msg("expected a bad line: %s", c->line);
		tl_close(&r);
		return;
	}
	if (rc != 0)
		fail_msg("rc %d (%s) for %s", rc, r.diag.msg, c->line);
	for (size_t i = 0; c->kv[i]; i += 2) {
		char b[512];
		const char *got = !strcmp(c->kv[i], "@time") ? tl_time(&r, b, sizeof(b)) : tl_get_name(&r, c->kv[i], b, sizeof(b));
		if (strcmp(got, c->kv[i + 1]) != 0)
			fail_msg("%s: want '%s' got '%s'\n  line: %s", c->kv[i], c->kv[i + 1], got, c->line);
	}
	tl_close(&r);
}

static void test_cases(void **s)
{
	(void)s;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_case(&cases[i]);
}

static void test_logsource(void **s)
{
	(void)s;
	tl_run r;
	assert_int_equal(tl_open(&r, "syslog", "unit", REF_2024_06, NULL), 0);
	const char *l = "Mar  1 01:02:03 mx postfix/qmgr[1]: ABCDE12: removed";
	assert_int_equal(tl_line(&r, l, strlen(l)), 0);
	assert_true(sv_eq_cstr(r.ev.ls.product, "linux"));
	assert_true(sv_eq_cstr(r.ev.ls.service, "postfix"));
	l = "Mar  1 01:02:03 h sshd[1]: Server listening on :: port 22.";
	assert_int_equal(tl_line(&r, l, strlen(l)), 0);
	assert_true(sv_eq_cstr(r.ev.ls.service, "sshd"));
	tl_close(&r);
}

static void test_sniff(void **s)
{
	(void)s;
	const parser_vt *vt = parser_find("syslog");
	assert_non_null(vt);
	assert_true(vt->sniff(SPOOR_SV("Jun  3 10:01:02 web1 sshd[812]: hi\n")) >= 60);
	assert_true(vt->sniff(SPOOR_SV("<13>1 2024-06-01T00:00:00Z h app 1 - - x\n")) >= 60);
	assert_true(vt->sniff(SPOOR_SV("2023-11-14T00:20:42+01:00 box sshd[5]: x\n")) >= 60);
	assert_int_equal(vt->sniff(SPOOR_SV("{\"a\":1}\n")), 0);
	assert_int_equal(vt->sniff(SPOOR_SV("#Software: Microsoft Internet Information Services 10.0\n")), 0);
	assert_int_equal(vt->sniff(SPOOR_SV("2024-01-01 00:00:00 W3SVC1 GET / - 80\n")), 0);
}

/* An explicit year (--year) and the Dec -> Jan step inside one file. */
static void test_explicit_year(void **s)
{
	(void)s;
	tl_run r;
	memset(&r, 0, sizeof(r));
	spoor_ctx_options o = SPOOR_CTX_OPTIONS_INIT;
	o.year = 2019;
	assert_int_equal(spoor_ctx_new(&r.ctx, &o, &r.diag), 0);
	r.vt = parser_find("syslog");
	r.state = calloc(1, r.vt->state_size);
	r.env.ctx = r.ctx;
	r.env.diag = &r.diag;
	assert_int_equal(event_init(&r.ev, r.ctx), 0);
	assert_int_equal(r.vt->open(r.state, &r.env), 0);
	char b[64];
	const char *l1 = "Dec 31 23:59:59 h x: a", *l2 = "Jan  1 00:00:01 h x: b";
	assert_int_equal(tl_line(&r, l1, strlen(l1)), 0);
	assert_string_equal(tl_time(&r, b, sizeof(b)), "2019-12-31T23:59:59");
	assert_int_equal(tl_line(&r, l2, strlen(l2)), 0);
	assert_string_equal(tl_time(&r, b, sizeof(b)), "2020-01-01T00:00:01");
	tl_close(&r);
}

/* RFC 6587 octet counting as a stream (format syslog-octet). */
static void test_octet_stream(void **s)
{
	(void)s;
	static const char *const msgs[] = {
		"<13>1 2024-06-01T00:00:00Z h app 1 - - first",
		"<34>1 2024-06-01T00:00:01Z mx sshd 9 - - Invalid user bob from 192.0.2.1 port 22",
		"<13>1 2024-06-01T00:00:02Z h app 1 - - third with its own LF\n",
		"Jun  1 00:00:03 h app: a plain line\n",
	};
	char buf[1024];
	size_t n = 0;
	for (size_t i = 0; i < 3; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%zu %s", strlen(msgs[i]), msgs[i]);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s", msgs[3]);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "99 <13>1 truncated");
	const parser_vt *vt = parser_find("syslog-octet");
	assert_non_null(vt);
	assert_int_equal(parser_detect(sv_make(buf, n)), vt);
	tl_run r;
	assert_int_equal(tl_open(&r, "syslog-octet", "unit", REF_2024_06, NULL), 0);
	size_t off = 0, events = 0, bad = 0;
	char b[128];
	for (int guard = 0; guard < 20; guard++) {
		parse_window w = {buf + off, n - off, true, off};
		size_t consumed = 0, rs = 0;
		event_reset(&r.ev);
		int rc = vt->next(r.state, &r.env, &w, &r.ev, &consumed, &rs);
		off += consumed;
		if (rc == PARSE_EVENT) {
			events++;
			if (events == 2) {
				assert_string_equal(tl_get(&r, F_USER_NAME, b, sizeof(b)), "bob");
				assert_string_equal(tl_get(&r, F_SOURCE_IP, b, sizeof(b)), "192.0.2.1");
			}
			if (events == 3)
				assert_string_equal(tl_get(&r, F_MESSAGE, b, sizeof(b)), "third with its own LF");
			if (events == 4)
				assert_string_equal(tl_get(&r, F_MESSAGE, b, sizeof(b)), "a plain line");
		} else if (rc == PARSE_BAD) {
			bad++;
		} else {
			break;
		}
		if (off >= n)
			break;
	}
	assert_int_equal(events, 4);
	assert_int_equal(bad, 1);
	tl_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_logsource),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_explicit_year),
		cmocka_unit_test(test_octet_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
