/* Unit tests: the JSON shape recognizers (src/parse/shape-*.c).
 *
 * Hand-written records in tests/fixtures/shapes/<shape>.jsonl are read
 * through the public scanner; each expectation names a record (0-based
 * line), a field and its exact text.  Pseudo-fields: "$shape", "$product",
 * "$service", "$channel", "$time" (RFC 3339 UTC); a name starting with '!'
 * must be absent.  negatives.jsonl holds records that look a little like a
 * known shape and must stay generic. */
#include "unit.h"

#include <stdlib.h>

#include "base/timeparse.h"
#include "spoor/scan.h"

typedef struct expect {
	const char *file;
	int rec;
	const char *field;
	const char *value;
} expect;

static const expect cases[] = {
    /* Winlogbeat / ECS */
    {"winlogbeat.jsonl", 0, "$shape", "winlogbeat"},
    {"winlogbeat.jsonl", 0, "$product", "windows"},
    {"winlogbeat.jsonl", 0, "$service", "security"},
    {"winlogbeat.jsonl", 0, "$channel", "Security"},
    {"winlogbeat.jsonl", 0, "$time", "2024-03-01T10:00:00.250Z"},
    {"winlogbeat.jsonl", 0, "EventID", "4625"},
    {"winlogbeat.jsonl", 0, "Channel", "Security"},
    {"winlogbeat.jsonl", 0, "Provider_Name", "Microsoft-Windows-Security-Auditing"},
    {"winlogbeat.jsonl", 0, "Computer", "DC01.corp.example"},
    {"winlogbeat.jsonl", 0, "EventRecordID", "123456"},
    {"winlogbeat.jsonl", 0, "TargetUserName", "alice"},
    {"winlogbeat.jsonl", 0, "Failure Reason", "%%2313"},
    {"winlogbeat.jsonl", 0, "FailureReason", "%%2313"},
    {"winlogbeat.jsonl", 0, "winlog.event_id", "4625"},
    {"winlogbeat.jsonl", 0, "user.name", "alice"},
    {"winlogbeat.jsonl", 0, "source.ip", "10.1.2.3"},
    {"winlogbeat.jsonl", 0, "source.port", "50123"},
    /* ECS fields the document carried are kept */
    {"winlogbeat.jsonl", 0, "host.name", "dc01.corp.example"},
    {"winlogbeat.jsonl", 0, "event.action", "logon-failed"},
    {"winlogbeat.jsonl", 0, "event.outcome", "failure"},
    {"winlogbeat.jsonl", 1, "$service", "sysmon"},
    {"winlogbeat.jsonl", 1, "CommandLine", "cmd.exe /c \"whoami /all\""},
    {"winlogbeat.jsonl", 1, "Image", "C:\\Windows\\System32\\cmd.exe"},
    {"winlogbeat.jsonl", 1, "process.command_line", "cmd.exe /c \"whoami /all\""},
    {"winlogbeat.jsonl", 1, "process.parent.executable", "C:\\Windows\\explorer.exe"},
    {"winlogbeat.jsonl", 1, "user.name", "bob"},
    {"winlogbeat.jsonl", 1, "user.domain", "CORP"},
    {"winlogbeat.jsonl", 1, "process.pid", "4242"},
    {"winlogbeat.jsonl", 2, "SubjectUserName", "admin"},
    {"winlogbeat.jsonl", 2, "event.action", "audit-log-cleared"},
    /* NXLog / OTRF flat */
    {"nxlog.jsonl", 0, "$shape", "windows-nxlog"},
    {"nxlog.jsonl", 0, "$time", "2024-03-02T08:15:30Z"},
    {"nxlog.jsonl", 0, "Computer", "WKS01.lab.example"},
    {"nxlog.jsonl", 0, "Hostname", "WKS01.lab.example"},
    {"nxlog.jsonl", 0, "Provider_Name", "Microsoft-Windows-Security-Auditing"},
    {"nxlog.jsonl", 0, "EventRecordID", "9001"},
    {"nxlog.jsonl", 0, "CommandLine", "whoami  /priv"},
    {"nxlog.jsonl", 0, "event.action", "created-process"},
    {"nxlog.jsonl", 0, "process.executable", "C:\\Windows\\System32\\whoami.exe"},
    {"nxlog.jsonl", 0, "user.name", "carol"},
    {"nxlog.jsonl", 1, "$time", "2024-03-02T08:16:00.500Z"},
    {"nxlog.jsonl", 1, "$service", "sysmon"},
    {"nxlog.jsonl", 1, "RuleName", "technique_id=T1095"},
    {"nxlog.jsonl", 1, "destination.ip", "203.0.113.9"},
    {"nxlog.jsonl", 1, "destination.port", "4444"},
    {"nxlog.jsonl", 1, "source.port", "49800"},
    /* Sentinel SecurityEvent / WindowsEvent */
    {"sentinel-windows.jsonl", 0, "$shape", "windows-sentinel"},
    {"sentinel-windows.jsonl", 0, "$time", "2024-03-03T12:00:01.123Z"},
    {"sentinel-windows.jsonl", 0, "Provider_Name", "Microsoft-Windows-Security-Auditing"},
    {"sentinel-windows.jsonl", 0, "Computer", "SRV02.lab.example"},
    {"sentinel-windows.jsonl", 0, "event.action", "logged-in"},
    {"sentinel-windows.jsonl", 0, "user.name", "dave"},
    {"sentinel-windows.jsonl", 0, "source.ip", "198.51.100.7"},
    {"sentinel-windows.jsonl", 0, "EventData", "<EventData><Data Name=\"TargetUserName\">dave</Data></EventData>"},
    {"sentinel-windows.jsonl", 1, "Provider_Name", "Microsoft-Windows-Sysmon"},
    {"sentinel-windows.jsonl", 1, "CommandLine", "rundll32.exe evil.dll,Start"},
    {"sentinel-windows.jsonl", 1, "ParentImage", "C:\\Windows\\System32\\cmd.exe"},
    {"sentinel-windows.jsonl", 1, "$service", "sysmon"},
    /* a file mixing shapes: each record gets its own */
    {"mixed.jsonl", 0, "$shape", "windows-nxlog"},
    {"mixed.jsonl", 1, "$shape", "windows-sentinel"},
    {"mixed.jsonl", 1, "Provider_Name", "Microsoft-Windows-Security-Auditing"},
    {"mixed.jsonl", 2, "$shape", "zeek"},
    {"mixed.jsonl", 3, "$shape", "generic"},
    {"mixed.jsonl", 4, "$shape", "m365"},
    /* Microsoft 365 UAL */
    {"m365.jsonl", 0, "$shape", "m365"},
    {"m365.jsonl", 0, "$product", "m365"},
    {"m365.jsonl", 0, "$service", "exchange"},
    {"m365.jsonl", 0, "$time", "2024-03-04T09:30:00Z"},
    {"m365.jsonl", 0, "event.action", "New-InboxRule"},
    {"m365.jsonl", 0, "user.name", "erin@contoso.example"},
    {"m365.jsonl", 0, "source.ip", "198.51.100.20"},
    {"m365.jsonl", 0, "event.outcome", "success"},
    {"m365.jsonl", 0, "cloud.provider", "microsoft"},
    {"m365.jsonl", 0, "organization.id", "org-1"},
    {"m365.jsonl", 0, "Parameters.DeleteMessage", "True"},
    {"m365.jsonl", 0, "Parameters.SubjectContainsWords", "invoice;payment"},
    {"m365.jsonl", 0, "Parameters.Name", "hide"},
    {"m365.jsonl", 1, "$shape", "m365"},
    {"m365.jsonl", 1, "$time", "2024-03-04T09:31:00Z"},
    {"m365.jsonl", 1, "event.action", "Set-Mailbox"},
    {"m365.jsonl", 1, "user.name", "frank@contoso.example"},
    {"m365.jsonl", 1, "source.ip", "2001:db8::7"},
    {"m365.jsonl", 1, "event.outcome", "failure"},
    {"m365.jsonl", 1, "parameters.ForwardingSmtpAddress", "smtp:x@evil.example"},
    {"m365.jsonl", 2, "$shape", "m365"},
    {"m365.jsonl", 2, "$service", "sharepoint"},
    {"m365.jsonl", 2, "source.ip", "203.0.113.44"},
    {"m365.jsonl", 2, "user.name", "gina@contoso.example"},
    {"m365.jsonl", 2, "!event.outcome", ""},
    {"m365.jsonl", 3, "$service", "azureactivedirectory"},
    {"m365.jsonl", 3, "event.outcome", "failure"},
    {"m365.jsonl", 3, "ExtendedProperties.UserAgent", "curl/8.0"},
    {"m365.jsonl", 3, "event.category", "authentication"},
    /* Entra ID */
    {"entra.jsonl", 0, "$shape", "entra"},
    {"entra.jsonl", 0, "$product", "azure"},
    {"entra.jsonl", 0, "$service", "signinlogs"},
    {"entra.jsonl", 0, "$time", "2024-03-05T07:00:00.123456700Z"},
    {"entra.jsonl", 0, "user.name", "ivy@contoso.example"},
    {"entra.jsonl", 0, "source.ip", "203.0.113.5"},
    {"entra.jsonl", 0, "event.outcome", "failure"},
    {"entra.jsonl", 0, "event.action", "Sign-in activity"},
    {"entra.jsonl", 0, "user_agent.original", "Mozilla/5.0"},
    {"entra.jsonl", 1, "$shape", "entra"},
    {"entra.jsonl", 1, "$service", "signinlogs"},
    {"entra.jsonl", 1, "user.name", "jack@contoso.example"},
    {"entra.jsonl", 1, "source.ip", "2001:db8::5"},
    {"entra.jsonl", 1, "event.outcome", "success"},
    {"entra.jsonl", 2, "$shape", "entra"},
    {"entra.jsonl", 2, "user.name", "kim@contoso.example"},
    {"entra.jsonl", 2, "source.ip", "192.0.2.50"},
    {"entra.jsonl", 2, "event.outcome", "failure"},
    {"entra.jsonl", 3, "$service", "auditlogs"},
    {"entra.jsonl", 3, "user.name", "leo@contoso.example"},
    {"entra.jsonl", 3, "source.ip", "198.51.100.60"},
    {"entra.jsonl", 3, "event.action", "Add member to role"},
    {"entra.jsonl", 3, "event.outcome", "success"},
    {"entra.jsonl", 4, "$service", "auditlogs"},
    {"entra.jsonl", 4, "user.name", "mia@contoso.example"},
    {"entra.jsonl", 4, "source.ip", "192.0.2.61"},
    {"entra.jsonl", 4, "event.outcome", "failure"},
    /* Azure activity log */
    {"azure-activity.jsonl", 0, "$shape", "azure-activity"},
    {"azure-activity.jsonl", 0, "$product", "azure"},
    {"azure-activity.jsonl", 0, "$service", "activitylogs"},
    {"azure-activity.jsonl", 0, "$time", "2024-03-10T06:00:00Z"},
    {"azure-activity.jsonl", 0, "event.action", "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION"},
    {"azure-activity.jsonl", 0, "user.name", "tom@contoso.example"},
    {"azure-activity.jsonl", 0, "source.ip", "203.0.113.200"},
    {"azure-activity.jsonl", 0, "event.outcome", "success"},
    {"azure-activity.jsonl", 0, "organization.id", "t-9"},
    {"azure-activity.jsonl", 1, "$shape", "azure-activity"},
    {"azure-activity.jsonl", 1, "user.name", "una@contoso.example"},
    {"azure-activity.jsonl", 1, "event.outcome", "failure"},
    /* Zeek */
    {"zeek.jsonl", 0, "$shape", "zeek"},
    {"zeek.jsonl", 0, "$product", "zeek"},
    {"zeek.jsonl", 0, "$service", "conn"},
    {"zeek.jsonl", 0, "$time", "2024-03-05T08:00:00.123456Z"},
    {"zeek.jsonl", 0, "source.ip", "10.0.0.1"},
    {"zeek.jsonl", 0, "source.port", "51000"},
    {"zeek.jsonl", 0, "destination.ip", "93.184.216.34"},
    {"zeek.jsonl", 0, "destination.port", "443"},
    {"zeek.jsonl", 0, "network.transport", "tcp"},
    {"zeek.jsonl", 0, "network.bytes", "35200"},
    {"zeek.jsonl", 1, "$service", "dns"},
    {"zeek.jsonl", 1, "$time", "2024-03-05T08:00:01Z"},
    {"zeek.jsonl", 1, "dns.question.name", "evil.example.net"},
    {"zeek.jsonl", 2, "$service", "http"},
    {"zeek.jsonl", 2, "url.original", "/a.exe?x=1"},
    {"zeek.jsonl", 2, "user_agent.original", "Wget/1.21"},
    {"zeek.jsonl", 2, "destination.domain", "dl.example.org"},
    {"zeek.jsonl", 3, "$service", "ssl"},
    {"zeek.jsonl", 3, "source.ip", "10.0.0.4"},
    {"zeek.jsonl", 3, "destination.port", "443"},
    {"zeek.jsonl", 3, "destination.domain", "c2.example.com"},
    {"zeek.jsonl", 4, "$shape", "zeek"},
    {"zeek.jsonl", 4, "$service", "files"},
    /* Suricata EVE */
    {"suricata.jsonl", 0, "$shape", "suricata"},
    {"suricata.jsonl", 0, "$product", "suricata"},
    {"suricata.jsonl", 0, "$service", "alert"},
    {"suricata.jsonl", 0, "$time", "2024-03-06T09:00:00.000001Z"},
    {"suricata.jsonl", 0, "event.kind", "alert"},
    {"suricata.jsonl", 0, "rule.name", "ET SCAN Potential SSH Scan"},
    {"suricata.jsonl", 0, "rule.id", "2001219"},
    {"suricata.jsonl", 0, "event.severity", "2"},
    {"suricata.jsonl", 0, "source.ip", "10.1.1.1"},
    {"suricata.jsonl", 0, "destination.port", "80"},
    {"suricata.jsonl", 0, "network.bytes", "134"},
    {"suricata.jsonl", 1, "event.kind", "event"},
    {"suricata.jsonl", 1, "dns.question.name", "bad.example.org"},
    {"suricata.jsonl", 1, "network.transport", "udp"},
    {"suricata.jsonl", 1, "!rule.name", ""},
    {"suricata.jsonl", 2, "url.original", "/login.php"},
    {"suricata.jsonl", 2, "destination.domain", "www.example.net"},
    {"suricata.jsonl", 3, "destination.domain", "secure.example.com"},
    {"suricata.jsonl", 3, "source.ip", "2001:db8::10"},
    /* Google Workspace */
    {"gworkspace.jsonl", 0, "$shape", "gworkspace"},
    {"gworkspace.jsonl", 0, "$product", "gcp"},
    {"gworkspace.jsonl", 0, "$service", "google_workspace.login"},
    {"gworkspace.jsonl", 0, "$time", "2024-03-07T11:00:00Z"},
    {"gworkspace.jsonl", 0, "user.name", "nina@example.org"},
    {"gworkspace.jsonl", 0, "source.ip", "203.0.113.77"},
    {"gworkspace.jsonl", 0, "event.action", "login_failure"},
    {"gworkspace.jsonl", 0, "event.outcome", "failure"},
    {"gworkspace.jsonl", 1, "$service", "google_workspace.admin"},
    {"gworkspace.jsonl", 1, "$time", "2024-03-07T11:05:00Z"},
    {"gworkspace.jsonl", 1, "event.action", "GRANT_ADMIN_PRIVILEGE"},
    {"gworkspace.jsonl", 1, "source.ip", "2001:db8::77"},
    /* Okta System Log */
    {"okta.jsonl", 0, "$shape", "okta"},
    {"okta.jsonl", 0, "$product", "okta"},
    {"okta.jsonl", 0, "$service", "okta"},
    {"okta.jsonl", 0, "$time", "2024-03-09T12:00:00Z"},
    {"okta.jsonl", 0, "event.action", "user.session.start"},
    {"okta.jsonl", 0, "user.name", "rita@example.com"},
    {"okta.jsonl", 0, "source.ip", "198.51.100.33"},
    {"okta.jsonl", 0, "event.outcome", "failure"},
    {"okta.jsonl", 0, "event.category", "authentication"},
    {"okta.jsonl", 0, "user_agent.original", "Mozilla/5.0 (X11)"},
    {"okta.jsonl", 0, "message", "User login to Okta"},
    {"okta.jsonl", 1, "$shape", "okta"},
    {"okta.jsonl", 1, "$time", "2024-03-09T12:01:00.500Z"},
    {"okta.jsonl", 1, "event.action", "user.mfa.factor.deactivate"},
    {"okta.jsonl", 1, "user.name", "sam@example.com"},
    {"okta.jsonl", 1, "source.ip", "2001:db8::33"},
    {"okta.jsonl", 1, "event.outcome", "success"},
    /* hard negatives */
    {"negatives.jsonl", 0, "$shape", "generic"},
    {"negatives.jsonl", 1, "$shape", "generic"},
    {"negatives.jsonl", 2, "$shape", "generic"},
    {"negatives.jsonl", 3, "$shape", "generic"},
    {"negatives.jsonl", 3, "!Computer", ""},
    {"negatives.jsonl", 4, "$shape", "generic"},
    {"negatives.jsonl", 5, "$shape", "generic"},
    {"negatives.jsonl", 6, "$shape", "generic"},
    /* an Azure activity record is not Entra's */
    {"negatives.jsonl", 7, "$shape", "azure-activity"},
    {"negatives.jsonl", 7, "$service", "activitylogs"},
    {"negatives.jsonl", 8, "$shape", "generic"},
};

static const char *fixture_dir(void)
{
	static char dir[4096];
	const char *src = getenv("SPOOR_SRC");
	snprintf(dir, sizeof(dir), "%s/tests/fixtures/shapes", src ? src : ".");
	return dir;
}

static void sv_copy(char *out, size_t cap, spoor_sv s)
{
	size_t n = s.n < cap - 1 ? s.n : cap - 1;
	if (n)
		memcpy(out, s.p, n);
	out[n] = 0;
}

/* The text of a field or pseudo-field; false when absent. */
static bool get(spoor_event *ev, const char *name, char *out, size_t cap)
{
	const spoor_logsource *ls = spoor_event_logsource(ev);
	out[0] = 0;
	if (!strcmp(name, "$shape")) {
		snprintf(out, cap, "%s", spoor_event_shape(ev) ? spoor_event_shape(ev) : "");
		return true;
	}
	if (!strcmp(name, "$product")) {
		sv_copy(out, cap, ls->product);
		return true;
	}
	if (!strcmp(name, "$service")) {
		sv_copy(out, cap, ls->service);
		return true;
	}
	if (!strcmp(name, "$channel")) {
		sv_copy(out, cap, ls->channel);
		return true;
	}
	if (!strcmp(name, "$time")) {
		int64_t ns;
		char tmp[48];
		if (!spoor_event_time(ev, &ns))
			return false;
		size_t n = time_format(ns, tmp);
		tmp[n] = 0;
		snprintf(out, cap, "%s", tmp);
		return true;
	}
	spoor_value v;
	spoor_sv t;
	if (spoor_event_get(ev, name, strlen(name), &v) < 0)
		return false;
	if (spoor_event_text(ev, &v, &t) < 0)
		return false;
	sv_copy(out, cap, t);
	return true;
}

static void check_file(const char *file)
{
	spoor_ctx *ctx = NULL;
	spoor_scanner *sc = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	spoor_scan_options so = SPOOR_SCAN_OPTIONS_INIT;
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", fixture_dir(), file);
	assert_int_equal(spoor_ctx_new(&ctx, &co, NULL), 0);
	assert_int_equal(spoor_scanner_new(&sc, ctx, &so, NULL), 0);
	assert_int_equal(spoor_scanner_add(sc, path), 0);
	spoor_event *ev;
	int rec = 0, checked = 0;
	while (spoor_scanner_next(sc, &ev, NULL) > 0) {
		for (size_t i = 0; i < (sizeof(cases) / sizeof(cases[0])); i++) {
			const expect *e = &cases[i];
			if (strcmp(e->file, file) || e->rec != rec)
				continue;
			char got[1024];
			checked++;
			if (e->field[0] == '!') {
				if (get(ev, e->field + 1, got, sizeof(got)))
					fail_msg("%s record %d: %s present (\"%s\"), expected absent", file, rec,
						 e->field + 1, got);
				continue;
			}
			if (!get(ev, e->field, got, sizeof(got)))
				fail_msg("%s record %d: %s absent, expected \"%s\"", file, rec, e->field, e->value);
			if (strcmp(got, e->value))
				fail_msg("%s record %d: %s = \"%s\", expected \"%s\"", file, rec, e->field, got,
					 e->value);
		}
		rec++;
	}
	spoor_scan_stats st;
	spoor_scanner_stats(sc, &st);
	assert_int_equal(st.records_bad, 0);
	assert_true(checked > 0);
	/* every expectation for this file was reached */
	for (size_t i = 0; i < (sizeof(cases) / sizeof(cases[0])); i++) {
		if (!strcmp(cases[i].file, file) && cases[i].rec >= rec)
			fail_msg("%s: expected a record %d, file has %d", file, cases[i].rec, rec);
	}
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
}

#define SHAPE_TEST(fn, file)                                                                                           \
	static void fn(void **state)                                                                                   \
	{                                                                                                              \
		(void)state;                                                                                           \
		check_file(file);                                                                                      \
	}

SHAPE_TEST(test_winlogbeat, "winlogbeat.jsonl")
SHAPE_TEST(test_nxlog, "nxlog.jsonl")
SHAPE_TEST(test_sentinel_windows, "sentinel-windows.jsonl")
SHAPE_TEST(test_mixed, "mixed.jsonl")
SHAPE_TEST(test_m365, "m365.jsonl")
SHAPE_TEST(test_entra, "entra.jsonl")
SHAPE_TEST(test_azure_activity, "azure-activity.jsonl")
SHAPE_TEST(test_zeek, "zeek.jsonl")
SHAPE_TEST(test_suricata, "suricata.jsonl")
SHAPE_TEST(test_gworkspace, "gworkspace.jsonl")
SHAPE_TEST(test_okta, "okta.jsonl")
SHAPE_TEST(test_negatives, "negatives.jsonl")

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_winlogbeat),
	    cmocka_unit_test(test_nxlog),
	    cmocka_unit_test(test_sentinel_windows),
	    cmocka_unit_test(test_mixed),
	    cmocka_unit_test(test_m365),
	    cmocka_unit_test(test_entra),
	    cmocka_unit_test(test_azure_activity),
	    cmocka_unit_test(test_zeek),
	    cmocka_unit_test(test_suricata),
	    cmocka_unit_test(test_gworkspace),
	    cmocka_unit_test(test_okta),
	    cmocka_unit_test(test_negatives),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
