/* Unit: the Linux audit log parser (parse-auditd.c), table-driven: one
 * record line, the parser's result, and fields that must (or, with the
 * value NULL, must not) be present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "textlogs-test.h"

#define GS   "\x1d"
#define MAXF 14

typedef struct ad_case {
	const char *what;
	const char *line;
	int rc;			/* 0 event, < 0 bad */
	int64_t ts;		/* nanoseconds, 0 = not checked */
	const char *f[MAXF][2]; /* name, value (NULL = absent) */
} ad_case;

static const ad_case cases[] = {
    {"SYSCALL",
     "type=SYSCALL msg=audit(1700000000.123:456): arch=c000003e syscall=59 success=yes exit=0 a0=55d5c4b0b2a0 "
     "a1=4 a2=0 a3=8 items=2 ppid=1201 pid=1305 auid=1000 uid=0 gid=0 euid=0 tty=pts0 ses=3 comm=\"cat\" "
     "exe=\"/usr/bin/cat\" subj=unconfined key=\"susp_activity\"",
     0,
     1700000000123000000,
     {{"type", "SYSCALL"},
      {"auditd.serial", "456"},
      {"syscall", "59"},
      {"a0", "55d5c4b0b2a0"}, /* SYSCALL arguments stay raw hex numbers */
      {"a1", "4"},
      {"comm", "cat"},
      {"exe", "/usr/bin/cat"},
      {"key", "susp_activity"},
      {"process.executable", "/usr/bin/cat"},
      {"process.pid", "1305"},
      {"event.outcome", "success"},
      {"tty", "pts0"},
      {"host.name", NULL},
      {"SYSCALL", NULL}}},
    {"EXECVE with hex arguments",
     "type=EXECVE msg=audit(1700000000.123:457): argc=4 a0=\"grep\" a1=\"-ri\" a2=646220706173737764 "
     "a3=\"/etc\"",
     0,
     0,
     {{"type", "EXECVE"},
      {"argc", "4"},
      {"a0", "grep"},
      {"a1", "-ri"},
      {"a2", "db passwd"},
      {"a3", "/etc"},
      {"process.command_line", "grep -ri db passwd /etc"}}},
    {"EXECVE: lowercase or odd hex is text",
     "type=EXECVE msg=audit(1700000000.1:458): argc=2 a0=abcd a1=ABC",
     0,
     1700000000100000000,
     {{"a0", "abcd"}, {"a1", "ABC"}}},
    {"PROCTITLE (NULs -> spaces)",
     "type=PROCTITLE msg=audit(1700000000.123:457): proctitle=7375646F002D75007777772D6461746100696400",
     0,
     0,
     {{"proctitle", "sudo -u www-data id"}, {"process.command_line", "sudo -u www-data id"}}},
    {"PATH quoted and hex",
     "type=PATH msg=audit(1700000000.123:457): item=1 name=2F746D702F2E78202F726B inode=2490412 dev=fd:01 "
     "mode=0100644 ouid=0 nametype=CREATE cap_fp=0",
     0,
     0,
     {{"type", "PATH"}, {"item", "1"}, {"name", "/tmp/.x /rk"}, {"nametype", "CREATE"}, {"dev", "fd:01"}}},
    {"PATH (null)",
     "type=PATH msg=audit(1700000000.123:459): item=0 name=(null) inode=1 nametype=UNKNOWN",
     0,
     0,
     {{"name", "(null)"}}},
    {"USER_LOGIN with inner msg",
     "type=USER_LOGIN msg=audit(1700000100.500:1002): pid=2101 uid=0 auid=4294967295 ses=4294967295 "
     "subj=unconfined msg='op=login acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=203.0.113.45 "
     "terminal=ssh res=failed'",
     0,
     1700000100500000000,
     {{"type", "USER_LOGIN"},
      {"op", "login"},
      {"acct", "root"},
      {"exe", "/usr/sbin/sshd"},
      {"hostname", "?"},
      {"addr", "203.0.113.45"},
      {"terminal", "ssh"},
      {"res", "failed"},
      {"user.name", "root"},
      {"source.ip", "203.0.113.45"},
      {"event.outcome", "failure"},
      {"process.pid", "2101"},
      {"msg", NULL}}},
    {"USER_CMD hex acct and cmd",
     "type=USER_CMD msg=audit(1700000100.5:1003): pid=9 uid=1000 msg='cwd=\"/home/a b\" cmd=6C73202D6C61 "
     "acct=6A6F686E20646F65 terminal=pts/0 res=success'",
     0,
     0,
     {{"cwd", "/home/a b"},
      {"cmd", "ls -la"},
      {"acct", "john doe"},
      {"user.name", "john doe"},
      {"event.outcome", "success"}}},
    {"ENRICHED part after 0x1D",
     "type=SYSCALL msg=audit(1700000000.123:460): arch=c000003e syscall=59 success=no exit=-13 a0=1 a1=2 "
     "a2=3 a3=4 items=1 ppid=1 pid=77 auid=1000 uid=33 euid=33 comm=\"sh\" exe=\"/usr/bin/dash\" "
     "key=(null)" GS "ARCH=x86_64 SYSCALL=execve AUID=\"alice\" UID=\"www-data\" EUID=\"www-data\"",
     0,
     0,
     {{"syscall", "59"},
      {"SYSCALL", "execve"},
      {"ARCH", "x86_64"},
      {"AUID", "alice"},
      {"UID", "www-data"},
      {"euid", "33"},
      {"key", "(null)"},
      {"user.name", "alice"},
      {"event.outcome", "failure"}}},
    {"ENRICHED with unset AUID: UID is the user",
     "type=SYSCALL msg=audit(1700000000.123:461): syscall=2 success=yes" GS "SYSCALL=open AUID=\"unset\" "
     "UID=\"www-data\"",
     0,
     0,
     {{"user.name", "www-data"}, {"SYSCALL", "open"}}},
    {"node= prefix",
     "node=web01.corp.example type=CWD msg=audit(1700000000.123:457): cwd=\"/root\"",
     0,
     1700000000123000000,
     {{"node", "web01.corp.example"}, {"host.name", "web01.corp.example"}, {"type", "CWD"}, {"cwd", "/root"}}},
    {"AVC: bare words skipped",
     "type=AVC msg=audit(1700000000.000:1): avc:  denied  { read } for  pid=5 comm=\"httpd\" "
     "name=\"shadow\" dev=\"dm-0\" scontext=system_u:system_r:httpd_t:s0 tclass=file permissive=0",
     0,
     0,
     {{"pid", "5"}, {"comm", "httpd"}, {"name", "shadow"}, {"tclass", "file"}, {"avc:", NULL}}},
    {"SERVICE_STOP unit from inner msg",
     "type=SERVICE_STOP msg=audit(1700000000.000:2): pid=1 uid=0 msg='unit=firewalld comm=\"systemd\" "
     "exe=\"/usr/lib/systemd/systemd\" hostname=? addr=? terminal=? res=success'",
     0,
     0,
     {{"unit", "firewalld"}, {"source.ip", NULL}, {"event.outcome", "success"}}},
    {"unterminated quote keeps the rest",
     "type=SYSCALL msg=audit(1700000000.000:3): comm=\"abc",
     0,
     0,
     {{"comm", "abc"}}},
    {"no type=", "msg=audit(1700000000.000:3): pid=1", -1, 0, {{NULL, NULL}}},
    {"no msg=audit(", "type=SYSCALL pid=1 uid=0", -1, 0, {{NULL, NULL}}},
    {"no serial", "type=SYSCALL msg=audit(1700000000.000): pid=1", -1, 0, {{NULL, NULL}}},
    {"bad seconds", "type=SYSCALL msg=audit(x.000:1): pid=1", -1, 0, {{NULL, NULL}}},
    {"seconds beyond int64 ns", "type=SYSCALL msg=audit(99999999999.000:1): pid=1", -1, 0, {{NULL, NULL}}},
    {"syslog line", "Nov 29 10:00:00 host sshd[1]: Accepted password for root", -1, 0, {{NULL, NULL}}},
    {"empty type", "type= msg=audit(1700000000.000:3):", -1, 0, {{NULL, NULL}}},
};

static void test_table(void **s)
{
	(void)s;
	tl_run r;
	assert_int_equal(tl_open(&r, "auditd", "audit.log", 0, NULL), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const ad_case *c = &cases[i];
		int rc = tl_line(&r, c->line, strlen(c->line));
		if (c->rc < 0 ? rc >= 0 : rc != c->rc)
			fail_msg("%s: rc %d want %d (%s)", c->what, rc, c->rc, r.diag.msg);
		if (rc != 0)
			continue;
		assert_true(sv_eq_cstr(r.ev.ls.product, "linux"));
		assert_true(sv_eq_cstr(r.ev.ls.service, "auditd"));
		assert_true(r.ev.has_ts);
		if (c->ts && r.ev.ts != c->ts)
			fail_msg("%s: ts %lld want %lld", c->what, (long long)r.ev.ts, (long long)c->ts);
		for (size_t k = 0; k < MAXF && c->f[k][0]; k++) {
			char b[1024];
			uint32_t id = field_find(&r.ctx->ft, c->f[k][0], strlen(c->f[k][0]));
			bool have = id && event_find(&r.ev, id);
			if (!c->f[k][1]) {
				if (have)
					fail_msg("%s: %s should be absent", c->what, c->f[k][0]);
				continue;
			}
			const char *got = tl_get_name(&r, c->f[k][0], b, sizeof(b));
			if (!have || strcmp(got, c->f[k][1]) != 0)
				fail_msg("%s: %s: want '%s' got '%s'", c->what, c->f[k][0], c->f[k][1], got);
		}
	}
	tl_close(&r);
}

/* More fields than limits.max_fields: a bad record with a reason. */
static void test_limit(void **s)
{
	(void)s;
	tl_run r;
	assert_int_equal(tl_open(&r, "auditd", "audit.log", 0, NULL), 0);
	r.ctx->lim.max_fields = 16;
	char line[2048];
	size_t n = (size_t)snprintf(line, sizeof(line), "type=EXECVE msg=audit(1700000000.000:9): argc=40");
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " a%d=\"x%d\"", i, i);
	int rc = tl_line(&r, line, n);
	assert_int_equal(rc, SPOOR_ELIMIT);
	assert_non_null(strstr(r.diag.msg, "max_fields"));
	/* the next record is fine again */
	tl_feed(&r, "type=EXECVE msg=audit(1700000000.000:10): argc=1 a0=\"id\"", 0);
	tl_expect(&r, "a0", "id");
	tl_close(&r);
}

static void test_sniff(void **s)
{
	(void)s;
	assert_string_equal(
	    parser_detect(SPOOR_SV("type=DAEMON_START msg=audit(1700000000.000:1): op=start ver=3.0.7\n"))->name,
	    "auditd");
	assert_string_equal(
	    parser_detect(SPOOR_SV("node=h1 type=SYSCALL msg=audit(1700000000.123:456): arch=c000003e syscall=59\n"))
		->name,
	    "auditd");
	assert_string_equal(
	    parser_detect(SPOOR_SV("\ntype=PATH msg=audit(1700000000.123:456): item=0 name=\"/x\"\n"))->name, "auditd");
	const parser_vt *vt = parser_find("auditd");
	assert_non_null(vt);
	assert_int_equal(vt->sniff(SPOOR_SV("type=SYSCALL but no stamp\n")), 0);
	assert_int_equal(vt->sniff(SPOOR_SV("Nov 29 10:00:00 host audispd: node=h type=SYSCALL msg=audit(1.0:1): x\n")),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_limit),
	    cmocka_unit_test(test_sniff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
