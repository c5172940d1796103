/* Integration: W3C / Exchange logs.  The crowdsec Exchange samples
 * (logs/crowdsec/tests/exchange-{imap,pop,smtp}-{logs,bf}) are Exchange
 * protocol log lines without their header: the test writes the header
 * Exchange puts at the top of those files (#Fields of the IMAP4/POP3 and
 * SMTP receive protocol logs) and then the lines, and compares crowdsec's
 * parser.assert values (client/server address and port, user, session id,
 * sequence number, date) with spoor's fields, and every line of the
 * brute-force samples is an authentication failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "textlogs-util.h"

static char root[1024];

static const char *const imap_fields =
	"#Fields: dateTime,sessionId,seqNumber,sIp,cIp,user,duration,rqsize,rpsize,command,parameters,context";
static const char *const smtp_fields =
	"#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context";

/* Feed header + lines; check parser.assert values; count failures. */
static void exchange_dir(const char *dir, const char *header, unsigned *checked, unsigned *bad, unsigned *failures,
			 unsigned *lines_out)
{
	char path[1200], line[8192];
	snprintf(path, sizeof(path), "%s/logs/crowdsec/tests/%s/%s.log", root, dir, dir);
	size_t len = 0;
	char *data = tl_read(path, &len);
	assert_non_null(data);
	char *lines[256];
	size_t lens[256], n = 0;
	for (char *p = data, *e = data + len; p < e && n < 256;) {
		char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t k = nl ? (size_t)(nl - p) : (size_t)(e - p);
		if (k) {
			lines[n] = p;
			lens[n++] = k;
		}
		p = nl ? nl + 1 : e;
	}
	tl_run r;
	assert_int_equal(tl_open(&r, "w3c", path, 0, NULL), 0);
	const char *sw = "#Software: Microsoft Exchange Server";
	assert_int_equal(tl_line(&r, sw, strlen(sw)), 1);
	assert_int_equal(tl_line(&r, header, strlen(header)), 1);
	/* parser.assert, if any, indexed by line */
	snprintf(path, sizeof(path), "%s/logs/crowdsec/tests/%s/parser.assert", root, dir);
	FILE *f = fopen(path, "r");
	unsigned chk = 0, mis = 0, fails = 0, parsed = 0;
	for (size_t i = 0; i < n; i++) {
		if (tl_line(&r, lines[i], lens[i]) != 0) {
			printf("  %s[%zu]: not parsed: %s\n", dir, i, r.diag.msg);
			continue;
		}
		parsed++;
		char b[1024];
		if (!strcmp(tl_get(&r, F_EVENT_OUTCOME, b, sizeof(b)), "failure"))
			fails++;
		if (!f)
			continue;
		rewind(f);
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "results[\"s01-parse\"][\"crowdsecurity/exchange-", 45) != 0)
				continue;
			char *q = strstr(line + 36, "\"][");
			if (!q || strtol(q + 3, NULL, 10) != (long)i)
				continue;
			char *key = strstr(line, ".Evt.Parsed[\"");
			char *eq = strstr(line, " == ");
			if (!key || !eq)
				continue;
			key += 13;
			char *kend = strchr(key, '"');
			if (!kend)
				continue;
			*kend = 0;
			char *val = eq + 4;
			val[strcspn(val, "\n")] = 0;
			tl_go_unquote(val);
			const char *got = NULL;
			if (!strcmp(key, "client_ip"))
				got = tl_get(&r, F_SOURCE_IP, b, sizeof(b));
			else if (!strcmp(key, "client_port"))
				got = tl_get(&r, F_SOURCE_PORT, b, sizeof(b));
			else if (!strcmp(key, "server_ip"))
				got = tl_get(&r, F_DESTINATION_IP, b, sizeof(b));
			else if (!strcmp(key, "server_port"))
				got = tl_get(&r, F_DESTINATION_PORT, b, sizeof(b));
			else if (!strcmp(key, "username"))
				got = tl_get(&r, F_USER_NAME, b, sizeof(b));
			else if (!strcmp(key, "session_id"))
				got = header == smtp_fields ? tl_get_name(&r, "session-id", b, sizeof(b))
							    : tl_get_name(&r, "sessionId", b, sizeof(b));
			else if (!strcmp(key, "sequence_number"))
				got = header == smtp_fields ? tl_get_name(&r, "sequence-number", b, sizeof(b))
							    : tl_get_name(&r, "seqNumber", b, sizeof(b));
			else if (!strcmp(key, "command"))
				got = tl_get_name(&r, "command", b, sizeof(b));
			else if (!strcmp(key, "date"))
				got = header == smtp_fields ? tl_get_name(&r, "date-time", b, sizeof(b))
							    : tl_get_name(&r, "dateTime", b, sizeof(b));
			if (!got)
				continue;
			chk++;
			if (strcmp(got, val) != 0) {
				mis++;
				printf("  %s[%zu] %s: want '%s' got '%s'\n", dir, i, key, val, got);
			}
		}
	}
	if (f)
		fclose(f);
	printf("crowdsec %-18s lines %zu parsed %u bad %lu | auth failures %u | values checked %u, mismatches %u\n", dir, n,
	       parsed, r.bad, fails, chk, mis);
	*checked += chk;
	*bad += mis;
	*failures += fails;
	*lines_out += (unsigned)n;
	tl_close(&r);
	free(data);
}

static void test_exchange_crowdsec(void **s)
{
	(void)s;
	unsigned checked = 0, bad = 0, fails = 0, lines = 0;
	exchange_dir("exchange-imap-logs", imap_fields, &checked, &bad, &fails, &lines);
	exchange_dir("exchange-pop-logs", imap_fields, &checked, &bad, &fails, &lines);
	exchange_dir("exchange-smtp-logs", smtp_fields, &checked, &bad, &fails, &lines);
	assert_true(checked >= 25);
	assert_int_equal(bad, 0);
	assert_int_equal(fails, 3);
	checked = bad = fails = lines = 0;
	exchange_dir("exchange-imap-bf", imap_fields, &checked, &bad, &fails, &lines);
	exchange_dir("exchange-pop-bf", imap_fields, &checked, &bad, &fails, &lines);
	exchange_dir("exchange-smtp-bf", smtp_fields, &checked, &bad, &fails, &lines);
	/* every line of the brute-force samples is a failed logon */
	assert_int_equal(fails, lines);
}

/* crowdsec iis-xml-logs: IIS logging through the Windows event log, one
 * rendered <Event> per line (format winxml), with the W3C mapping. */
static void test_iis_xml_crowdsec(void **s)
{
	(void)s;
	char path[1200], line[8192], b[1024];
	snprintf(path, sizeof(path), "%s/logs/crowdsec/tests/iis-xml-logs/iis-logs.log", root);
	size_t len = 0;
	char *data = tl_read(path, &len);
	assert_non_null(data);
	const parser_vt *vt = parser_detect(sv_make(data, MIN(len, (size_t)4096)));
	assert_non_null(vt);
	assert_string_equal(vt->name, "winxml");
	tl_run r;
	assert_int_equal(tl_open(&r, "winxml", path, 0, NULL), 0);
	char *nl = memchr(data, '\n', len);
	assert_int_equal(tl_line(&r, data, nl ? (size_t)(nl - data) : len), 0);
	snprintf(path, sizeof(path), "%s/logs/crowdsec/tests/iis-xml-logs/parser.assert", root);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static const struct {
		const char *key, *field;
	} map[] = {
		{"verb", "http.request.method"}, {"http_path", "url.path"}, {"http_args", "url.query"},
		{"request", "url.original"},     {"Computer", "Computer"}, {"EventID", "EventID"},
		{"Source", "Provider_Name"},     {"UserSID", "Security_UserID"}, {"Channel", "Channel"},
	};
	unsigned chk = 0, mis = 0;
	while (fgets(line, sizeof(line), f)) {
		static const char pre[] = "results[\"s01-parse\"][\"crowdsecurity/iis-logs\"][0].Evt.Parsed[\"";
		if (strncmp(line, pre, sizeof(pre) - 1) != 0)
			continue;
		char *key = line + sizeof(pre) - 1;
		char *kend = strchr(key, '"');
		char *eq = strstr(line, " == ");
		if (!kend || !eq)
			continue;
		*kend = 0;
		char *val = eq + 4;
		val[strcspn(val, "\n")] = 0;
		tl_go_unquote(val);
		for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
			if (strcmp(key, map[i].key) != 0)
				continue;
			chk++;
			const char *got = tl_get_name(&r, map[i].field, b, sizeof(b));
			if (strcmp(got, val) != 0) {
				mis++;
				printf("  iis-xml %s: want '%s' got '%s'\n", key, val, got);
			}
		}
	}
	fclose(f);
	printf("crowdsec iis-xml-logs: lines 1 parsed %lu | values checked %u, mismatches %u; source.ip %s, "
	       "logsource %.*s/%.*s\n",
	       r.parsed, chk, mis, tl_get(&r, F_SOURCE_IP, b, sizeof(b)), (int)r.ev.ls.category.n, r.ev.ls.category.p,
	       (int)r.ev.ls.service.n, r.ev.ls.service.p);
	assert_int_equal(chk, 9);
	assert_int_equal(mis, 0);
	assert_string_equal(tl_get(&r, F_SOURCE_IP, b, sizeof(b)), "192.168.9.212");
	assert_true(sv_eq_cstr(r.ev.ls.service, "iis"));
	tl_close(&r);
	free(data);
}

int main(void)
{
	snprintf(root, sizeof(root), "%s", tl_data_root());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exchange_crowdsec),
		cmocka_unit_test(test_iis_xml_crowdsec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
