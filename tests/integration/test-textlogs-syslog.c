/* Integration: the syslog parser and its program parsers over real data.
 *
 *  - logs/authlog-elastic: every line parses; exactly 713 failed SSH
 *    password events (sshd "Failed password", including the lines inside
 *    rsyslog "message repeated N times: [...]");
 *  - logs/fail2ban: each "# failJSON" annotation against the next line
 *    (year-less times against 2005-08-14 as fail2ban's test suite does):
 *    time, host (source.ip or source.domain), user, and for match:true
 *    lines of the auth filters event.outcome == failure;
 *  - logs/crowdsec: per-line parser.assert values for sshd, dovecot and
 *    postfix (source_ip, machine, program, pid, user);
 *  - logs/postfix-grok: the expected fields of its test messages, mapped
 *    to spoor's names.
 * Prints per data set: lines parsed, matched, bad and mismatches. */
#include <ctype.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "textlogs-util.h"

#define FAIL2BAN_REF 1124020800 /* 2005-08-14T12:00:00Z */

static char root[1024];

/* ---- tiny helpers ---------------------------------------------------- */

static void scopy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* Value of "key": "string" | true | false in a one-line JSON object. */
static bool json_field(const char *obj, const char *key, char *out, size_t cap)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\"", key);
	const char *p = strstr(obj, pat);
	if (!p)
		return false;
	p += strlen(pat);
	while (*p == ' ' || *p == ':')
		p++;
	size_t n = 0;
	if (*p == '"') {
		p++;
		while (*p && *p != '"' && n + 1 < cap) {
			if (*p == '\\' && p[1])
				p++;
			out[n++] = *p++;
		}
	} else {
		while (*p && *p != ',' && *p != '}' && *p != ' ' && n + 1 < cap)
			out[n++] = *p++;
	}
	out[n] = 0;
	return true;
}

/* Compare the first six numbers of two time texts ("2005-03-7T02:09:33"). */
static bool same_time(const char *a, const char *b)
{
	long x[6] = {0}, y[6] = {0};
	int nx = 0, ny = 0;
	for (const char *p = a; *p && nx < 6;) {
		if (isdigit((unsigned char)*p))
			x[nx++] = strtol(p, (char **)&p, 10);
		else
			p++;
	}
	for (const char *p = b; *p && ny < 6;) {
		if (isdigit((unsigned char)*p))
			y[ny++] = strtol(p, (char **)&p, 10);
		else
			p++;
	}
	return nx == 6 && ny == 6 && !memcmp(x, y, sizeof(x));
}

/* ---- authlog-elastic --------------------------------------------------- */

static void test_authlog(void **s)
{
	(void)s;
	char path[1200], b[256];
	snprintf(path, sizeof(path), "%s/logs/authlog-elastic/data/auth.log", root);
	size_t len = 0;
	char *data = tl_read(path, &len);
	assert_non_null(data);
	tl_run r;
	assert_int_equal(tl_open(&r, "syslog", path, 1490572800 + 30 * 86400, NULL), 0); /* ~2017-04-26 */
	unsigned long lines = 0, failed_pw = 0, failures = 0, accepted = 0, with_ip = 0;
	for (char *p = data, *e = data + len; p < e;) {
		char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
		if (n) {
			lines++;
			int rc = tl_line(&r, p, n);
			if (rc == 0) {
				char a[64], o[32], m[32];
				tl_get(&r, F_EVENT_ACTION, a, sizeof(a));
				tl_get(&r, F_EVENT_OUTCOME, o, sizeof(o));
				tl_get(&r, F_SSH_METHOD, m, sizeof(m));
				if (!strcmp(o, "failure"))
					failures++;
				if (!strcmp(a, "ssh_login") && !strcmp(o, "failure") && !strcmp(m, "password"))
					failed_pw++;
				if (!strcmp(a, "ssh_login") && !strcmp(o, "success"))
					accepted++;
				if (event_find(&r.ev, F_SOURCE_IP))
					with_ip++;
				if (lines == 1) {
					assert_string_equal(tl_get(&r, F_SL_HOST, b, sizeof(b)), "ip-10-77-20-248");
					assert_string_equal(tl_get(&r, F_SL_PROGRAM, b, sizeof(b)), "sshd");
					assert_string_equal(tl_get(&r, F_SL_PID, b, sizeof(b)), "1291");
					assert_string_equal(tl_time(&r, b, sizeof(b)), "2017-03-27T13:06:56");
				}
			}
		}
		p = nl ? nl + 1 : e;
	}
	printf("authlog-elastic: lines %lu parsed %lu bad %lu; failed SSH passwords %lu, accepted logins %lu, "
	       "failure events %lu, events with source.ip %lu\n",
	       lines, r.parsed, r.bad, failed_pw, accepted, failures, with_ip);
	assert_int_equal(lines, 7121);
	assert_int_equal(r.parsed, 7121);
	assert_int_equal(r.bad, 0);
	assert_int_equal(failed_pw, 713);
	assert_int_equal(accepted, 226);
	tl_close(&r);
	free(data);
}

/* ---- fail2ban ---------------------------------------------------------- */

typedef struct f2b_result {
	unsigned ann, parsed, time_n, time_ok, match, host_ok, user_n, user_ok, fail_ok;
} f2b_result;

static void f2b_file(const char *name, const char *format, bool auth_filter, f2b_result *res)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/logs/fail2ban/logs/%s", root, name);
	size_t len = 0;
	char *data = tl_read(path, &len);
	assert_non_null(data);
	tl_run r;
	assert_int_equal(tl_open(&r, format, path, FAIL2BAN_REF, NULL), 0);
	memset(res, 0, sizeof(*res));
	char ann[4096] = "";
	bool have = false;
	unsigned long lineno = 0;
	for (char *p = data, *e = data + len; p < e;) {
		char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
		lineno++;
		if (n > 12 && !memcmp(p, "# failJSON:", 11)) {
			size_t k = MIN(n - 11, sizeof(ann) - 1);
			memcpy(ann, p + 11, k);
			ann[k] = 0;
			have = true;
		} else if (n && p[0] != '#') {
			if (have) {
				res->ann++;
				int rc = tl_line(&r, p, n);
				if (rc == 0) {
					res->parsed++;
					char t[64], m[16], host[256], user[256], b[256], b2[256];
					if (json_field(ann, "time", t, sizeof(t)) && t[0]) {
						res->time_n++;
						if (same_time(t, tl_time(&r, b, sizeof(b))))
							res->time_ok++;
						else
							printf("  %s:%lu time %s != %s\n", name, lineno, t, b);
					}
					json_field(ann, "match", m, sizeof(m));
					if (!strcmp(m, "true")) {
						res->match++;
						if (!json_field(ann, "host", host, sizeof(host)) || !strcmp(host, "null") ||
						    !strcmp(tl_get(&r, F_SOURCE_IP, b, sizeof(b)), host) ||
						    !strcmp(tl_get(&r, F_SOURCE_DOMAIN, b2, sizeof(b2)), host))
							res->host_ok++;
						else if (auth_filter)
							printf("  %s:%lu host %s != %s\n", name, lineno, host, b);
						if (json_field(ann, "user", user, sizeof(user))) {
							res->user_n++;
							if (!strcmp(tl_get(&r, F_USER_NAME, b, sizeof(b)), user))
								res->user_ok++;
							else if (auth_filter)
								printf("  %s:%lu user '%s' != '%s'\n", name, lineno, user, b);
						}
						if (!strcmp(tl_get(&r, F_EVENT_OUTCOME, b, sizeof(b)), "failure"))
							res->fail_ok++;
					}
				}
			}
			have = false;
		}
		p = nl ? nl + 1 : e;
	}
	printf("fail2ban %-15s annotated %3u parsed %3u bad %3lu | time %u/%u | match:true %u: host %u, user %u/%u, "
	       "outcome=failure %u\n",
	       name, res->ann, res->parsed, r.bad, res->time_ok, res->time_n, res->match, res->host_ok, res->user_ok,
	       res->user_n, res->fail_ok);
	tl_close(&r);
	free(data);
}

static void test_fail2ban(void **s)
{
	(void)s;
	f2b_result pf, dc, sh, ca, cs, ex, x;
	f2b_file("postfix", "syslog", true, &pf);
	f2b_file("dovecot", "syslog", true, &dc);
	f2b_file("sshd", "syslog", true, &sh);
	f2b_file("courier-auth", "syslog", true, &ca);
	f2b_file("courier-smtp", "syslog", true, &cs);
	f2b_file("exim", "exim", true, &ex);
	/* Programs spoor parses only the syslog header of: time agreement. */
	static const char *const other[] = {"roundcube-auth", "sogo-auth"};
	for (size_t i = 0; i < ARRAY_SIZE(other); i++)
		f2b_file(other[i], "syslog", false, &x);

	/* Postfix: 63 annotated lines, all parse; every time and host agree. */
	assert_int_equal(pf.parsed, pf.ann);
	assert_int_equal(pf.time_ok, pf.time_n);
	assert_int_equal(pf.host_ok, pf.match);
	assert_true(pf.fail_ok >= 51);
	/* Dovecot: the 4 TAI64N (multilog) lines are 2 h off: fail2ban's
	 * expectation is in the test suite's local zone. */
	assert_int_equal(dc.parsed, dc.ann);
	assert_true(dc.time_ok + 4 >= dc.time_n);
	assert_int_equal(dc.host_ok, dc.match);
	assert_true(dc.fail_ok >= 38);
	/* sshd: the misses are lines whose address fail2ban takes from an
	 * earlier line of the same session, one invalid address
	 * (192.030.0.6), and two user-name injection samples. */
	assert_int_equal(sh.parsed, sh.ann);
	/* 3 lines carry a zone (RFC 5424, rsyslog ISO); fail2ban's expected
	 * time for them is in its test zone (UTC+2), spoor's is UTC. */
	assert_true(sh.time_ok + 3 >= sh.time_n);
	assert_true(sh.host_ok >= 95);
	assert_true(sh.user_ok >= 6);
	assert_true(sh.fail_ok >= 55);
	/* Courier: everything agrees. */
	assert_int_equal(ca.parsed, ca.ann);
	assert_int_equal(ca.host_ok, ca.match);
	assert_int_equal(ca.user_ok, ca.user_n);
	assert_int_equal(ca.fail_ok, ca.match);
	assert_int_equal(cs.parsed, cs.ann);
	assert_int_equal(cs.host_ok, cs.match);
	assert_int_equal(cs.fail_ok, cs.match);
	/* Exim main log: one line is syslog-wrapped without a syslog time
	 * ("mail.example.com exim[1]: 2021-07-17 ..."); one is an H=
	 * injection sample where fail2ban takes the second H=. */
	assert_true(ex.parsed + 1 >= ex.ann);
	assert_int_equal(ex.time_ok, ex.time_n);
	assert_true(ex.host_ok + 1 >= ex.match);
	assert_true(ex.fail_ok >= 36);
}

/* ---- crowdsec ---------------------------------------------------------- */

static void crowdsec_dir(const char *dir, unsigned *checked, unsigned *bad_out)
{
	char path[1200], line[8192];
	snprintf(path, sizeof(path), "%s/logs/crowdsec/tests/%s/%s.log", root, dir, dir);
	size_t len = 0;
	char *data = tl_read(path, &len);
	if (!data) {
		/* the log file may be named differently */
		printf("crowdsec %s: no %s.log, skipped\n", dir, dir);
		return;
	}
	/* Index the non-empty lines. */
	char *lines[4096];
	size_t lens[4096], nlines = 0;
	for (char *p = data, *e = data + len; p < e && nlines < 4096;) {
		char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
		if (n) {
			lines[nlines] = p;
			lens[nlines++] = n;
		}
		p = nl ? nl + 1 : e;
	}
	snprintf(path, sizeof(path), "%s/logs/crowdsec/tests/%s/parser.assert", root, dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	tl_run r;
	assert_int_equal(tl_open(&r, "syslog", path, FAIL2BAN_REF, NULL), 0);
	unsigned chk = 0, bad = 0, parsed_lines = 0;
	long cur = -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "results[\"s01-parse\"][\"crowdsecurity/", 36) != 0)
			continue;
		char *q = strstr(line + 36, "\"][");
		if (!q)
			continue;
		long idx = strtol(q + 3, NULL, 10);
		if (idx < 0 || (size_t)idx >= nlines)
			continue;
		char *key = strstr(line, ".Evt.");
		char *eq = strstr(line, " == ");
		if (!key || !eq)
			continue;
		char *val = eq + 4;
		val[strcspn(val, "\n")] = 0;
		*eq = 0;
		key += 5;
		uint32_t id = 0;
		if (!strcmp(key, "Meta[\"source_ip\"]"))
			id = F_SOURCE_IP;
		else if (!strcmp(key, "Meta[\"machine\"]"))
			id = F_SL_HOST;
		else if (!strcmp(key, "Parsed[\"program\"]"))
			id = F_SL_PROGRAM;
		else if (!strcmp(key, "Parsed[\"pid\"]"))
			id = F_SL_PID;
		else if (!strcmp(key, "Meta[\"target_user\"]") || !strcmp(key, "Parsed[\"dovecot_user\"]"))
			id = F_USER_NAME;
		if (!id)
			continue;
		tl_go_unquote(val);
		if (idx != cur) {
			cur = idx;
			if (tl_line(&r, lines[idx], lens[idx]) == 0)
				parsed_lines++;
		}
		char b[1024];
		tl_get(&r, id, b, sizeof(b));
		chk++;
		if (strcmp(b, val) != 0) {
			bad++;
			printf("  crowdsec %s[%ld] %s: want '%s' got '%s'\n", dir, idx, key, val, b);
		}
	}
	fclose(f);
	printf("crowdsec %-32s lines %zu parsed %u bad %lu | values checked %u, mismatches %u\n", dir, nlines, parsed_lines,
	       r.bad, chk, bad);
	*checked += chk;
	*bad_out += bad;
	tl_close(&r);
	free(data);
}

static void test_crowdsec(void **s)
{
	(void)s;
	static const char *const dirs[] = {
		"sshd-logs", "sshd-logs-fp", "sshd-invalid-bf", "opnsense-sshd", "dovecot-logs", "dovecot-slow-bf",
		"dovecot-slow-bf-no-overlap", "dovecot-slow-bf-user-enum", "dovecot-time-based-bf",
		"dovecot-time-based-bf-user-enum", "postfix-logs",
	};
	unsigned checked = 0, bad = 0;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		crowdsec_dir(dirs[i], &checked, &bad);
	printf("crowdsec total: values checked %u, mismatches %u\n", checked, bad);
	assert_true(checked >= 300);
	assert_true(bad <= 6);
}

/* ---- postfix-grok ------------------------------------------------------ */

static const struct {
	const char *grok;
	uint32_t id;
} grok_map[] = {
	{"postfix_queueid", F_POSTFIX_QUEUE_ID},
	{"postfix_client_ip", F_SOURCE_IP},
	{"postfix_client_hostname", F_POSTFIX_CLIENT_HOSTNAME},
	{"postfix_client_port", F_SOURCE_PORT},
	{"postfix_relay_hostname", F_POSTFIX_RELAY_HOSTNAME},
	{"postfix_relay_ip", F_DESTINATION_IP},
	{"postfix_relay_port", F_DESTINATION_PORT},
	{"postfix_status", F_POSTFIX_STATUS},
	{"postfix_smtp_response", F_POSTFIX_RESPONSE},
	{"postfix_from", F_EMAIL_FROM_ADDRESS},
	{"postfix_message-id", F_EMAIL_MESSAGE_ID},
	{"postfix_smtp_stage", F_POSTFIX_SMTP_STAGE},
	{"postfix_status_code", F_POSTFIX_STATUS_CODE},
	{"postfix_status_code_enhanced", F_POSTFIX_STATUS_CODE_ENH},
};

static void yaml_value(char *v)
{
	size_t n = strlen(v);
	while (n && (v[n - 1] == '\n' || v[n - 1] == '\r' || v[n - 1] == ' '))
		v[--n] = 0;
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		char qc = v[0];
		size_t k = 0;
		for (size_t i = 1; i + 1 < n; i++) {
			if (qc == '"' && v[i] == '\\' && i + 2 < n)
				i++;
			else if (qc == '\'' && v[i] == '\'' && v[i + 1] == '\'')
				i++;
			v[k++] = v[i];
		}
		v[k] = 0;
	}
}

static void test_postfix_grok(void **s)
{
	(void)s;
	char dir[1200];
	snprintf(dir, sizeof(dir), "%s/logs/postfix-grok/test", root);
	DIR *d = opendir(dir);
	assert_non_null(d);
	tl_run r;
	assert_int_equal(tl_open(&r, "syslog", dir, FAIL2BAN_REF, NULL), 0);
	unsigned files = 0, msgs = 0, checked = 0, bad = 0, unsupported = 0, noqueue = 0;
	struct dirent *de;
	char names[256][128];
	size_t nn = 0;
	while ((de = readdir(d)) && nn < 256) {
		if (strstr(de->d_name, ".yaml"))
			scopy(names[nn++], sizeof(names[0]), de->d_name);
	}
	closedir(d);
	qsort(names, nn, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	for (size_t i = 0; i < nn; i++) {
		char path[1400], line[8192], data[8192] = "", daemon[64] = "";
		scopy(path, sizeof(path), dir);
		strncat(path, "/", sizeof(path) - strlen(path) - 1);
		strncat(path, names[i], sizeof(path) - strlen(path) - 1);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		files++;
		char keys[64][64], vals[64][1024];
		size_t nk = 0;
		bool in_results = false;
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "pattern:", 8)) {
				char *p = strstr(line, "%{POSTFIX_");
				if (p) {
					p += 10;
					size_t k = 0;
					while (p[k] && p[k] != '}' && k + 1 < sizeof(daemon)) {
						daemon[k] = (char)tolower((unsigned char)p[k]);
						k++;
					}
					daemon[k] = 0;
				}
			} else if (!strncmp(line, "data:", 5)) {
				scopy(data, sizeof(data), line + 6);
				yaml_value(data);
			} else if (!strncmp(line, "results:", 8)) {
				in_results = true;
			} else if (in_results && nk < 64) {
				char *c = strchr(line, ':');
				if (!c)
					continue;
				*c = 0;
				char *k = line;
				while (*k == ' ')
					k++;
				scopy(keys[nk], sizeof(keys[0]), k);
				char *v = c + 1;
				while (*v == ' ')
					v++;
				scopy(vals[nk], sizeof(vals[0]), v);
				yaml_value(vals[nk]);
				nk++;
			}
		}
		fclose(f);
		if (!data[0])
			continue;
		msgs++;
		char full[9000];
		int n = snprintf(full, sizeof(full), "Jan  1 00:00:00 mx postfix/%s[123]: %s", daemon, data);
		int rc = tl_line(&r, full, (size_t)n);
		if (rc != 0) {
			printf("  postfix-grok %s: not parsed\n", names[i]);
			bad++;
			continue;
		}
		for (size_t k = 0; k < nk; k++) {
			uint32_t id = 0;
			for (size_t m = 0; m < ARRAY_SIZE(grok_map); m++) {
				if (!strcmp(keys[k], grok_map[m].grok))
					id = grok_map[m].id;
			}
			if (!id) {
				unsupported++;
				continue;
			}
			char b[1024];
			tl_get(&r, id, b, sizeof(b));
			checked++;
			if (id == F_POSTFIX_QUEUE_ID && !strcmp(vals[k], "NOQUEUE") && !b[0]) {
				/* deliberate: NOQUEUE is not a queue id (it would link
				 * unrelated lines) */
				noqueue++;
				continue;
			}
			if (strcmp(b, vals[k]) != 0) {
				bad++;
				printf("  postfix-grok %s %s: want '%s' got '%s'\n", names[i], keys[k], vals[k], b);
			}
		}
	}
	printf("postfix-grok: files %u messages %u parsed %lu bad %lu | values checked %u, mismatches %u, "
	       "NOQUEUE not taken as a queue id %u, values of fields spoor does not extract %u\n",
	       files, msgs, r.parsed, r.bad, checked, bad, noqueue, unsupported);
	assert_int_equal(msgs, 191);
	assert_int_equal(r.parsed, msgs);
	assert_true(checked >= 300);
	/* the one miss: relay_0001 is a grok sub-pattern sample
	 * ("1.example.com.si[private/dovecot-lmtp]"), not a log message */
	assert_true(bad <= 1);
	tl_close(&r);
}

int main(void)
{
	snprintf(root, sizeof(root), "%s", tl_data_root());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_authlog),
		cmocka_unit_test(test_fail2ban),
		cmocka_unit_test(test_crowdsec),
		cmocka_unit_test(test_postfix_grok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
