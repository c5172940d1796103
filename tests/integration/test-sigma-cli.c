/* Integration test: `spoor rules check|list|stats` and `spoor hunt` end to
 * end, on rules and events written here into a temporary directory.
 *
 * Checks: check prints every bad rule as FILE:LINE:COL: reason and exits 3;
 * list prints one line per rule; hunt prints one JSON alert per matching
 * event with the ECS keys, writes the --csv timeline, honours --min-level
 * and -o, and exits 2 without
 * --rules.  Needs SPOOR_BIN (set by meson). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[256];
static int failures;

#define CHECK(c, ...)                                                                                                  \
	do {                                                                                                           \
		if (!(c)) {                                                                                            \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                    \
			printf(__VA_ARGS__);                                                                           \
			printf("\n");                                                                                  \
			failures++;                                                                                    \
		}                                                                                                      \
	} while (0)

static void put(const char *name, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	if (!f) {
		perror(p);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

/* Run a shell command; its stdout in *out (malloc'd); returns the exit code. */
static int run(const char *cmd, char **out)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		exit(1);
	size_t n = 0, cap = 4096;
	char *b = malloc(cap);
	size_t got;
	while (b && (got = fread(b + n, 1, cap - n - 1, p)) > 0) {
		n += got;
		if (cap - n < 1024) {
			cap *= 2;
			b = realloc(b, cap);
		}
	}
	if (!b)
		exit(1);
	b[n] = 0;
	int st = pclose(p);
	*out = b;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int count(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

int main(void)
{
	const char *bin = getenv("SPOOR_BIN");
	if (!bin) {
		printf("SKIP: SPOOR_BIN not set (run through meson test)\n");
		return 77;
	}
	snprintf(dir, sizeof(dir), "/tmp/spoor-sigma-cli.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	char rules[300];
	snprintf(rules, sizeof(rules), "%s/rules", dir);
	mkdir(rules, 0755);
	put("rules/a-good.yml", "title: Whoami\nid: rule-a\nlevel: medium\ntags: [attack.discovery, attack.t1033]\n"
				"logsource: {product: windows, category: process_creation}\n"
				"detection:\n  sel:\n    Image|endswith: '\\whoami.exe'\n  condition: sel\n");
	put("rules/b-high.yml", "title: Encoded PowerShell\nid: rule-b\nlevel: high\n"
				"logsource: {product: windows, category: process_creation}\n"
				"detection:\n  sel:\n    CommandLine|windash|contains: ' -enc '\n  condition: sel\n");
	put("rules/c-bad.yml", "title: Bad condition\nlogsource: {product: windows}\ndetection:\n  sel:\n    A: 1\n"
			       "  condition: sel and nope\n");
	put("rules/d-bad.yaml", "title: Bad yaml\nlogsource: [\n");
	put("rules/notes.txt", "not a rule\n");
	put("ev.json", "{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"Microsoft-Windows-Sysmon\"}},"
		       "\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Computer\":\"ws1\","
		       "\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"2025-01-02T03:04:05Z\"}}},"
		       "\"EventData\":{\"Image\":\"C:\\\\Windows\\\\System32\\\\whoami.exe\","
		       "\"CommandLine\":\"powershell /enc AAAA\",\"User\":\"CORP\\\\alice\"}}}\n"
		       "{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"Microsoft-Windows-Sysmon\"}},"
		       "\"EventID\":3,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Computer\":\"ws1\"},"
		       "\"EventData\":{\"Image\":\"C:\\\\Windows\\\\System32\\\\whoami.exe\"}}}\n");
	char cmd[1200];
	char *out;
	int rc;

	snprintf(cmd, sizeof(cmd), "'%s' rules check '%s' 2>&1", bin, rules);
	rc = run(cmd, &out);
	CHECK(rc == 3, "rules check exit %d, want 3", rc);
	CHECK(strstr(out, "/rules/c-bad.yml:6:") && strstr(out, "unknown search identifier 'nope'"), "%s", out);
	CHECK(strstr(out, "/rules/d-bad.yaml:3:1: YAML"), "%s", out);
	CHECK(strstr(out, "2 rule files") || strstr(out, "4 rule files"), "%s", out);
	CHECK(strstr(out, "2 rules loaded") && strstr(out, "2 failed"), "%s", out);
	free(out);

	snprintf(cmd, sizeof(cmd), "'%s' rules list '%s' 2>/dev/null", bin, rules);
	rc = run(cmd, &out);
	CHECK(rc == 3, "rules list exit %d", rc);
	CHECK(count(out, "\n") == 2 && strstr(out, "rule-a") && strstr(out, "windows/process_creation/-"), "%s", out);
	free(out);

	snprintf(cmd, sizeof(cmd), "'%s' rules stats '%s' 2>/dev/null", bin, rules);
	rc = run(cmd, &out);
	CHECK(strstr(out, "by level") && strstr(out, "discovery") && strstr(out, "t1033"), "%s", out);
	free(out);

	snprintf(cmd, sizeof(cmd), "'%s' hunt -q --rules '%s' '%s/ev.json' 2>/dev/null", bin, rules, dir);
	rc = run(cmd, &out);
	CHECK(rc == 0, "hunt exit %d", rc);
	CHECK(count(out, "\n") == 2, "two alerts: %s", out);
	CHECK(strstr(out, "\"rule.id\":\"rule-a\"") && strstr(out, "\"rule.id\":\"rule-b\""), "%s", out);
	CHECK(strstr(out, "\"@timestamp\":\"2025-01-02T03:04:05Z\""), "%s", out);
	CHECK(strstr(out, "\"rule.ruleset\":\"sigma\"") && strstr(out, "\"threat.technique.id\":[\"T1033\"]") &&
		  strstr(out, "\"threat.tactic.name\":[\"Discovery\"]") && strstr(out, "\"host.name\":\"ws1\"") &&
		  strstr(out, "\"log.offset\":0") && strstr(out, "\"spoor.matched\":{\"Image\":"),
	      "%s", out);
	free(out);

	snprintf(cmd, sizeof(cmd), "'%s' hunt --rules '%s' --min-level high -o '%s/out.jsonl' '%s/ev.json' 2>&1", bin,
		 rules, dir, dir);
	rc = run(cmd, &out);
	CHECK(rc == 0, "hunt -o exit %d", rc);
	CHECK(strstr(out, "2 rules loaded, 1 run, 2 could not be loaded") && strstr(out, "1 alerts, 1 high"), "%s",
	      out);
	free(out);
	snprintf(cmd, sizeof(cmd), "cat '%s/out.jsonl'", dir);
	run(cmd, &out);
	CHECK(count(out, "\n") == 1 && strstr(out, "rule-b"), "%s", out);
	free(out);

	snprintf(cmd, sizeof(cmd),
		 "'%s' hunt -q --rules '%s' --csv '%s/t.csv' -o /dev/null '%s/ev.json' && cat '%s/t.csv'", bin, rules,
		 dir, dir, dir);
	rc = run(cmd, &out);
	CHECK(rc == 0 && count(out, "\n") == 3, "csv: %s", out);
	static const char hdr[] = "Timestamp,Computer,Channel,EventID,Level,RuleTitle,RuleID,Details\n";
	CHECK(!strncmp(out, hdr, strlen(hdr)), "%s", out);
	CHECK(strstr(out, "2025-01-02T03:04:05.000Z,ws1,Microsoft-Windows-Sysmon/Operational,1,medium,Whoami,rule-a,"
			  "Image: C:\\Windows\\System32\\whoami.exe\n"),
	      "%s", out);
	CHECK(strstr(out, ",high,Encoded PowerShell,rule-b,CommandLine: powershell /enc AAAA\n"), "%s", out);
	free(out);

	snprintf(cmd, sizeof(cmd), "'%s' hunt --no-default-rules '%s/ev.json' 2>&1", bin, dir);
	rc = run(cmd, &out);
	CHECK(rc == 2 && strstr(out, "--rules"), "no rules: exit %d: %s", rc, out);
	free(out);
	/* without --rules: the installed set ($SPOOR_RULES) and spoor's own */
	snprintf(cmd, sizeof(cmd), "SPOOR_RULES='%s' '%s' hunt '%s/ev.json' 2>&1 >/dev/null", rules, bin, dir);
	rc = run(cmd, &out);
	CHECK(rc == 0 && strstr(out, "rules from") && strstr(out, "2 alerts"), "default rules: exit %d: %s", rc, out);
	free(out);
	snprintf(cmd, sizeof(cmd), "'%s' hunt --rules '%s' --min-level severe '%s/ev.json' 2>&1", bin, rules, dir);
	rc = run(cmd, &out);
	CHECK(rc == 2 && strstr(out, "unknown level"), "bad level: exit %d: %s", rc, out);
	free(out);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("could not remove %s\n", dir);
	printf("%s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
