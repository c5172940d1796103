/* Unit tests: Sigma field modifiers and values, table-driven.
 *
 * Each case is a detection (YAML, indented under `detection:`), an event
 * (field=value pairs) and whether the rule matches.  The spec's edge
 * cases: escaped wildcards, |all with lists, windash variants,
 * base64offset alignments, utf16 variants, null vs empty, numeric
 * modifiers on strings, keywords, fieldref, cidr, re flags. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include "unit.h"

#include <ctype.h>

#include <pthread.h>
#include <stdlib.h>
#include <strings.h>

#include "base/buf.h"
#include "detect/sigma/sigma-int.h"
#include "event/event-int.h"
#include "event/field.h"

#define NUL_VAL ((const char *)1) /* a JSON null value */

typedef struct mcase {
	const char *name;
	const char *det;
	const char *ev[16]; /* name, value, name, value, ..., NULL; value "#..." is a number */
	int expect;	    /* 1 match, 0 no match, -1 the rule does not compile */
} mcase;

static spoor_ctx *ctx;

static int setup(void **state)
{
	(void)state;
	spoor_ctx_options o = SPOOR_CTX_OPTIONS_INIT;
	return spoor_ctx_new(&ctx, &o, NULL);
}

static int teardown(void **state)
{
	(void)state;
	spoor_ctx_free(ctx);
	return 0;
}

/* A Windows rule of the detection det (YAML, indented under `detection:`). */
static sigma_file *load_det(const char *det)
{
	buf y;
	buf_init(&y, 0);
	buf_adds(&y, "title: t\nlogsource:\n    product: windows\ndetection:\n");
	buf_adds(&y, det);
	sigma_file *f = NULL;
	assert_int_equal(sigma_file_load(&f, "case.yml", y.p, y.len, NULL, NULL), 0);
	buf_done(&y);
	return f;
}

/* 1 / 0 as the rule matches, -1 when it does not load or compile. */
static int run_case(const char *det, const char *const *kv, char *err, size_t errn)
{
	sigma_file *f = load_det(det);
	int res = -1;
	snprintf(err, errn, "does not load");
	if (f->n == 1) {
		spoor_diag d = SPOOR_DIAG_INIT;
		if (sigma_compile(f->rules[0], &ctx->ft, &d) == 0) {
			spoor_event ev;
			assert_int_equal(event_init(&ev, ctx), 0);
			for (size_t i = 0; kv[i]; i += 2) {
				const char *v = kv[i + 1];
				uint32_t id = field_intern(&ctx->ft, kv[i], strlen(kv[i]));
				if (v == NUL_VAL)
					assert_int_equal(event_add(&ev, id, SPOOR_VT_NULL, sv_cstr("null"), 0), 0);
				else if (v[0] == '#')
					assert_int_equal(event_add(&ev, id, SPOOR_VT_NUM, sv_cstr(v + 1), 0), 0);
				else
					assert_int_equal(event_add(&ev, id, SPOOR_VT_STR, sv_cstr(v), 0), 0);
			}
			sigma_re_scratch *re = sigma_re_scratch_new();
			uint32_t hits[SIGMA_MAX_HITS];
			size_t nh;
			res = sigma_match_detection(f->rules[0]->plan, &ev, re, NULL, hits, &nh);
			sigma_re_scratch_free(re);
			event_done(&ev);
		} else {
			snprintf(err, errn, "%s", d.msg);
		}
	}
	sigma_file_free(f);
	return res;
}

static void run_table(const mcase *cases, size_t n)
{
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		char err[300];
		int got = run_case(cases[i].det, cases[i].ev, err, sizeof(err));
		if (got != cases[i].expect) {
			print_error("case '%s': got %d, expected %d%s%s\n", cases[i].name, got, cases[i].expect,
				    got < 0 ? ": " : "", got < 0 ? err : "");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

#define SEL(x) "    sel:\n" x "    condition: sel\n"

static void test_strings(void **state)
{
	(void)state;
	static const mcase cases[] = {
	    {"plain equal, case-insensitive",
	     SEL("        Image: 'C:\\Windows\\CMD.exe'\n"),
	     {"Image", "c:\\windows\\cmd.EXE", NULL},
	     1},
	    {"plain equal is whole-value", SEL("        Image: 'cmd.exe'\n"), {"Image", "c:\\cmd.exe", NULL}, 0},
	    {"contains", SEL("        CommandLine|contains: 'IEX'\n"), {"CommandLine", "powershell iex(x)", NULL}, 1},
	    {"contains miss", SEL("        CommandLine|contains: 'IEX'\n"), {"CommandLine", "powershell", NULL}, 0},
	    {"startswith", SEL("        Image|startswith: 'C:\\Users\\'\n"), {"Image", "c:\\users\\a\\b.exe", NULL}, 1},
	    {"startswith miss",
	     SEL("        Image|startswith: 'C:\\Users\\'\n"),
	     {"Image", "d:\\c:\\users\\", NULL},
	     0},
	    {"endswith", SEL("        Image|endswith: '\\rundll32.exe'\n"), {"Image", "C:\\W\\RUNDLL32.EXE", NULL}, 1},
	    {"endswith miss", SEL("        Image|endswith: '\\rundll32.exe'\n"), {"Image", "rundll32.exe", NULL}, 0},
	    {"list is OR",
	     SEL("        Image|endswith:\n            - '\\a.exe'\n            - '\\b.exe'\n"),
	     {"Image", "x\\b.exe", NULL},
	     1},
	    {"all: every value",
	     SEL("        CommandLine|contains|all:\n            - 'net'\n            - 'user'\n"),
	     {"CommandLine", "net1 user /add", NULL},
	     1},
	    {"all: one missing",
	     SEL("        CommandLine|contains|all:\n            - 'net'\n            - 'user'\n"),
	     {"CommandLine", "net1 group", NULL},
	     0},
	    {"map items are AND",
	     SEL("        Image|endswith: '\\net.exe'\n        CommandLine|contains: 'user'\n"),
	     {"Image", "c:\\net.exe", "CommandLine", "group", NULL},
	     0},
	    {"wildcard *",
	     SEL("        Image: 'C:\\\\*\\cmd.exe'\n"),
	     {"Image", "c:\\windows\\system32\\cmd.exe", NULL},
	     1},
	    {"backslash-star after a path is a literal star",
	     SEL("        Image: 'C:\\*\\cmd.exe'\n"),
	     {"Image", "c:\\windows\\cmd.exe", NULL},
	     0},
	    {"wildcard * in the middle",
	     SEL("        Image: 'C:*cmd.exe'\n"),
	     {"Image", "c:\\windows\\cmd.exe", NULL},
	     1},
	    {"two wildcards with backtracking", SEL("        Cmd: '*ab*abc'\n"), {"Cmd", "xxababxabc", NULL}, 1},
	    {"two wildcards no match", SEL("        Cmd: '*ab*abc'\n"), {"Cmd", "xxababxab", NULL}, 0},
	    {"wildcard ? one char", SEL("        Image: 'c?d.exe'\n"), {"Image", "cmd.exe", NULL}, 1},
	    {"wildcard ? not zero chars", SEL("        Image: 'c?d.exe'\n"), {"Image", "cd.exe", NULL}, 0},
	    {"wildcard ? one UTF-8 char",
	     SEL("        Image: 'c?d'\n"),
	     {"Image",
	      "c\xC3\xA9"
	      "d",
	      NULL},
	     1},
	    {"escaped star is literal", SEL("        Cmd: 'a\\*b'\n"), {"Cmd", "a*b", NULL}, 1},
	    {"escaped star not wildcard", SEL("        Cmd: 'a\\*b'\n"), {"Cmd", "axxb", NULL}, 0},
	    {"escaped question mark", SEL("        Cmd: 'what\\?'\n"), {"Cmd", "what?", NULL}, 1},
	    {"escaped question mark literal", SEL("        Cmd: 'what\\?'\n"), {"Cmd", "whatX", NULL}, 0},
	    {"backslash-backslash-star: backslash then wildcard",
	     SEL("        Cmd: 'a\\\\*'\n"),
	     {"Cmd", "a\\anything", NULL},
	     1},
	    {"four backslashes are two", SEL("        Cmd|contains: '\\\\\\\\root'\n"), {"Cmd", "x\\\\root", NULL}, 1},
	    {"four backslashes not one", SEL("        Cmd|contains: '\\\\\\\\root'\n"), {"Cmd", "x\\root", NULL}, 0},
	    {"three backslashes then star: backslash + literal star",
	     SEL("        Cmd: 'a\\\\\\*'\n"),
	     {"Cmd", "a\\*", NULL},
	     1},
	    {"lone backslash stays", SEL("        Cmd: 'C:\\Temp'\n"), {"Cmd", "c:\\temp", NULL}, 1},
	    {"cased matches exact case", SEL("        Cmd|cased: 'AbC'\n"), {"Cmd", "AbC", NULL}, 1},
	    {"cased refuses other case", SEL("        Cmd|cased: 'AbC'\n"), {"Cmd", "abc", NULL}, 0},
	    {"contains|cased", SEL("        Cmd|contains|cased: 'B'\n"), {"Cmd", "abc", NULL}, 0},
	    {"absent field is false", SEL("        Nope: 'x'\n"), {"Cmd", "x", NULL}, 0},
	    {"number value equals number text", SEL("        EventID: 4688\n"), {"EventID", "#4688", NULL}, 1},
	    {"number value equals string text", SEL("        EventID: 4688\n"), {"EventID", "4688", NULL}, 1},
	    {"number list", SEL("        EventID:\n            - 1\n            - 4688\n"), {"EventID", "#1", NULL}, 1},
	    {"number is not a prefix", SEL("        EventID: 46\n"), {"EventID", "#4688", NULL}, 0},
	    {"list of maps is OR",
	     "    sel:\n        - Image: 'a'\n        - Image: 'b'\n    condition: sel\n",
	     {"Image", "B", NULL},
	     1},
	};
	run_table(cases, ARRAY_SIZE(cases));
}

static void test_null_empty_exists(void **state)
{
	(void)state;
	static const mcase cases[] = {
	    {"null matches absent", SEL("        User: null\n"), {"Other", "x", NULL}, 1},
	    {"null matches JSON null", SEL("        User: null\n"), {"User", NUL_VAL, NULL}, 1},
	    {"null refuses empty", SEL("        User: null\n"), {"User", "", NULL}, 0},
	    {"null refuses value", SEL("        User: null\n"), {"User", "bob", NULL}, 0},
	    {"empty matches empty", SEL("        User: ''\n"), {"User", "", NULL}, 1},
	    {"empty refuses absent", SEL("        User: ''\n"), {"Other", "", NULL}, 0},
	    {"empty refuses null", SEL("        User: ''\n"), {"User", NUL_VAL, NULL}, 0},
	    {"empty refuses value", SEL("        User: ''\n"), {"User", "x", NULL}, 0},
	    {"not null (negated selection)",
	     "    sel:\n        User: null\n    condition: not sel\n",
	     {"User", "bob", NULL},
	     1},
	    {"null with other values is an error",
	     SEL("        User:\n            - null\n            - x\n"),
	     {"User", "x", NULL},
	     -1},
	    {"exists true, present", SEL("        User|exists: true\n"), {"User", "", NULL}, 1},
	    {"exists true, absent", SEL("        User|exists: true\n"), {"X", "", NULL}, 0},
	    {"exists true, null", SEL("        User|exists: true\n"), {"User", NUL_VAL, NULL}, 0},
	    {"exists false, absent", SEL("        User|exists: false\n"), {"X", "", NULL}, 1},
	    {"exists false, present", SEL("        User|exists: false\n"), {"User", "a", NULL}, 0},
	    {"exists needs a boolean", SEL("        User|exists: 'yes'\n"), {"User", "a", NULL}, -1},
	};
	run_table(cases, ARRAY_SIZE(cases));
}

static void test_neq_fieldref(void **state)
{
	(void)state;
	static const mcase cases[] = {
	    {"neq different", SEL("        User|neq: 'SYSTEM'\n"), {"User", "bob", NULL}, 1},
	    {"neq same (case-insensitive)", SEL("        User|neq: 'SYSTEM'\n"), {"User", "system", NULL}, 0},
	    {"neq list: none of", SEL("        User|neq:\n            - a\n            - b\n"), {"User", "b", NULL}, 0},
	    {"neq absent field is false", SEL("        User|neq: 'SYSTEM'\n"), {"X", "bob", NULL}, 0},
	    {"fieldref equal", SEL("        Target|fieldref: Source\n"), {"Target", "ABC", "Source", "abc", NULL}, 1},
	    {"fieldref differ", SEL("        Target|fieldref: Source\n"), {"Target", "ABC", "Source", "abd", NULL}, 0},
	    {"fieldref other absent", SEL("        Target|fieldref: Source\n"), {"Target", "ABC", NULL}, 0},
	    {"fieldref|neq", SEL("        Target|fieldref|neq: Source\n"), {"Target", "a", "Source", "b", NULL}, 1},
	    {"fieldref|contains",
	     SEL("        Target|fieldref|contains: Source\n"),
	     {"Target", "xxabcxx", "Source", "ABC", NULL},
	     1},
	    {"fieldref|startswith",
	     SEL("        Target|fieldref|startswith: Source\n"),
	     {"Target", "abcxx", "Source", "abc", NULL},
	     1},
	    {"fieldref|endswith miss",
	     SEL("        Target|fieldref|endswith: Source\n"),
	     {"Target", "abcxx", "Source", "abc", NULL},
	     0},
	};
	run_table(cases, ARRAY_SIZE(cases));
}

static void test_numeric_cidr(void **state)
{
	(void)state;
	static const mcase cases[] = {
	    {"gt", SEL("        Count|gt: 10\n"), {"Count", "#11", NULL}, 1},
	    {"gt equal is false", SEL("        Count|gt: 10\n"), {"Count", "#10", NULL}, 0},
	    {"gte equal", SEL("        Count|gte: 10\n"), {"Count", "10", NULL}, 1},
	    {"lt", SEL("        Count|lt: 10\n"), {"Count", "#-3.5", NULL}, 1},
	    {"lte", SEL("        Count|lte: 10\n"), {"Count", "#10.0", NULL}, 1},
	    {"numeric on a string value never matches", SEL("        Count|lt: 10\n"), {"Count", "five", NULL}, 0},
	    {"numeric on hex text never matches", SEL("        Count|gt: 1\n"), {"Count", "0x10", NULL}, 0},
	    {"numeric modifier needs a number", SEL("        Count|gt: 'ten'\n"), {"Count", "#1", NULL}, -1},
	    {"cidr v4 in", SEL("        Ip|cidr: '10.0.0.0/8'\n"), {"Ip", "10.200.3.4", NULL}, 1},
	    {"cidr v4 out", SEL("        Ip|cidr: '10.0.0.0/8'\n"), {"Ip", "11.0.0.1", NULL}, 0},
	    {"cidr /0", SEL("        Ip|cidr: '0.0.0.0/0'\n"), {"Ip", "1.2.3.4", NULL}, 1},
	    {"cidr odd prefix", SEL("        Ip|cidr: '192.168.4.0/22'\n"), {"Ip", "192.168.7.255", NULL}, 1},
	    {"cidr odd prefix out", SEL("        Ip|cidr: '192.168.4.0/22'\n"), {"Ip", "192.168.8.0", NULL}, 0},
	    {"cidr v6", SEL("        Ip|cidr: 'fe80::/10'\n"), {"Ip", "FE80::1%eth0", NULL}, 1},
	    {"cidr v6 vs v4", SEL("        Ip|cidr: '::/0'\n"), {"Ip", "1.2.3.4", NULL}, 0},
	    {"cidr list",
	     SEL("        Ip|cidr:\n            - '127.0.0.0/8'\n            - '::1/128'\n"),
	     {"Ip", "::1", NULL},
	     1},
	    {"cidr not an address", SEL("        Ip|cidr: '10.0.0.0/8'\n"), {"Ip", "host", NULL}, 0},
	    {"bad cidr", SEL("        Ip|cidr: '10.0.0.0/33'\n"), {"Ip", "10.0.0.1", NULL}, -1},
	    {"cidr must be first", SEL("        Ip|contains|cidr: '10.0.0.0/8'\n"), {"Ip", "10.0.0.1", NULL}, -1},
	};
	run_table(cases, ARRAY_SIZE(cases));
}

static void test_re(void **state)
{
	(void)state;
	static const mcase cases[] = {
	    {"re unanchored", SEL("        Cmd|re: 'a.c'\n"), {"Cmd", "xxabcxx", NULL}, 1},
	    {"re case-sensitive by default", SEL("        Cmd|re: 'ABC'\n"), {"Cmd", "abc", NULL}, 0},
	    {"re|i", SEL("        Cmd|re|i: 'ABC'\n"), {"Cmd", "abc", NULL}, 1},
	    {"re inline (?i)", SEL("        Cmd|re: '(?i)ABC'\n"), {"Cmd", "abc", NULL}, 1},
	    {"re anchors", SEL("        Cmd|re: '^abc$'\n"), {"Cmd", "abcd", NULL}, 0},
	    {"re|m", SEL("        Cmd|re|m: '^b$'\n"), {"Cmd", "a\nb\nc", NULL}, 1},
	    {"re without m", SEL("        Cmd|re: '^b$'\n"), {"Cmd", "a\nb\nc", NULL}, 0},
	    {"re|s", SEL("        Cmd|re|s: 'a.b'\n"), {"Cmd", "a\nb", NULL}, 1},
	    {"re without s", SEL("        Cmd|re: 'a.b'\n"), {"Cmd", "a\nb", NULL}, 0},
	    {"re classes and counts", SEL("        Cmd|re: '\\s-[a-z]{3,}\\d+'\n"), {"Cmd", "x -enc12", NULL}, 1},
	    {"re list", SEL("        Cmd|re:\n            - 'zz'\n            - 'b+'\n"), {"Cmd", "abbb", NULL}, 1},
	    {"bad regex", SEL("        Cmd|re: 'a('\n"), {"Cmd", "a", NULL}, -1},
	    {"re must be first", SEL("        Cmd|contains|re: 'a'\n"), {"Cmd", "a", NULL}, -1},
	    {"i without re", SEL("        Cmd|i: 'a'\n"), {"Cmd", "a", NULL}, -1},
	    {"unknown modifier", SEL("        Cmd|bogus: 'a'\n"), {"Cmd", "a", NULL}, -1},
	    {"expand without placeholder values", SEL("        Cmd|expand: '%Admins%'\n"), {"Cmd", "a", NULL}, -1},
	    {"a date part of a value that is not a date", SEL("        T|hour: 3\n"), {"T", "a", NULL}, 0},
	};
	run_table(cases, ARRAY_SIZE(cases));
}

static void test_encodings(void **state)
{
	(void)state;
	static const mcase cases[] = {
	    {"windash: slash form", SEL("        Cmd|windash|contains: ' -enc '\n"), {"Cmd", "ps /enc AAA", NULL}, 1},
	    {"windash: dash form", SEL("        Cmd|windash|contains: ' -enc '\n"), {"Cmd", "ps -enc AAA", NULL}, 1},
	    {"windash: en dash",
	     SEL("        Cmd|windash|contains: ' -enc '\n"),
	     {"Cmd",
	      "ps \xE2\x80\x93"
	      "enc AAA",
	      NULL},
	     1},
	    {"windash: em dash",
	     SEL("        Cmd|windash|contains: ' -enc '\n"),
	     {"Cmd",
	      "ps \xE2\x80\x94"
	      "enc AAA",
	      NULL},
	     1},
	    {"windash: horizontal bar",
	     SEL("        Cmd|windash|contains: ' -enc '\n"),
	     {"Cmd",
	      "ps \xE2\x80\x95"
	      "enc AAA",
	      NULL},
	     1},
	    {"windash: other char", SEL("        Cmd|windash|contains: ' -enc '\n"), {"Cmd", "ps +enc AAA", NULL}, 0},
	    {"windash: inner dash kept",
	     SEL("        Cmd|windash|contains: 'Invoke-Expression'\n"),
	     {"Cmd", "Invoke/Expression", NULL},
	     0},
	    {"windash: two flags",
	     SEL("        Cmd|windash|contains|all:\n            - ' -a '\n            - ' -b'\n"),
	     {"Cmd", "x /a /b", NULL},
	     1},
	    {"base64", SEL("        Cmd|base64: 'http://'\n"), {"Cmd", "aHR0cDovLw==", NULL}, 1},
	    {"base64|contains", SEL("        Cmd|base64|contains: 'ping'\n"), {"Cmd", "xx cGluZw== yy", NULL}, 1},
	    {"base64 with wildcard is an error", SEL("        Cmd|base64: 'a*'\n"), {"Cmd", "x", NULL}, -1},
	    {"base64offset, offset 0",
	     SEL("        Cmd|base64offset|contains: 'http://'\n"),
	     {"Cmd", "aHR0cDovL2V2aWwuZXhhbXBsZS8=", NULL},
	     1},
	    {"base64offset, offset 1",
	     SEL("        Cmd|base64offset|contains: 'http://'\n"),
	     {"Cmd", "eGh0dHA6Ly9ldmlsLmV4YW1wbGUv", NULL},
	     1},
	    {"base64offset, offset 2",
	     SEL("        Cmd|base64offset|contains: 'http://'\n"),
	     {"Cmd", "eHlodHRwOi8vZXZpbC5leGFtcGxlLw==", NULL},
	     1},
	    {"base64offset, no match",
	     SEL("        Cmd|base64offset|contains: 'http://'\n"),
	     {"Cmd", "aHR0cHM6Ly9", NULL},
	     0},
	    {"base64offset of one byte never matches all",
	     SEL("        Cmd|base64offset|contains: 'a'\n"),
	     {"Cmd", "zzzz", NULL},
	     0},
	    {"wide|base64offset",
	     SEL("        Cmd|wide|base64offset|contains: 'ping'\n"),
	     {"Cmd", "-e cABvAHcAZQByAHMAaABlAGwAbAAgAC0AYwAgAHAAaQBuAGcAIABsAG8AYwBhAGwAaABvAHMAdAA=", NULL},
	     1},
	    {"utf16le|base64", SEL("        Cmd|utf16le|base64: 'ping'\n"), {"Cmd", "cABpAG4AZwA=", NULL}, 1},
	    {"utf16be|base64", SEL("        Cmd|utf16be|base64: 'ping'\n"), {"Cmd", "AHAAaQBuAGc=", NULL}, 1},
	    {"utf16 (BOM)|base64", SEL("        Cmd|utf16|base64: 'ping'\n"), {"Cmd", "//5wAGkAbgBnAA==", NULL}, 1},
	    {"utf16le is not utf16be", SEL("        Cmd|utf16le|base64: 'ping'\n"), {"Cmd", "AHAAaQBuAGc=", NULL}, 0},
	};
	run_table(cases, ARRAY_SIZE(cases));
}

static void test_keywords(void **state)
{
	(void)state;
	static const mcase cases[] = {
	    {"keyword in any field",
	     "    kw:\n        - 'mimikatz'\n    condition: kw\n",
	     {"A", "x", "B", "run Mimikatz.exe", NULL},
	     1},
	    {"keyword absent", "    kw:\n        - 'mimikatz'\n    condition: kw\n", {"A", "x", NULL}, 0},
	    {"keyword in a number", "    kw:\n        - 4625\n    condition: kw\n", {"EventID", "#4625", NULL}, 1},
	    {"keyword wildcard",
	     "    kw:\n        - 'sekurlsa::*pass'\n    condition: kw\n",
	     {"A", "sekurlsa::logonpasswords", NULL},
	     1},
	    {"keyword list OR",
	     "    kw:\n        - 'aaa'\n        - 'bbb'\n    condition: kw\n",
	     {"A", "xbbbx", NULL},
	     1},
	    {"keyword |all over fields",
	     "    kw:\n        '|all':\n            - 'aaa'\n            - 'bbb'\n    condition: kw\n",
	     {"A", "aaa", "B", "bbb", NULL},
	     1},
	    {"keyword |all one missing",
	     "    kw:\n        '|all':\n            - 'aaa'\n            - 'bbb'\n    condition: kw\n",
	     {"A", "aaa", NULL},
	     0},
	    {"keyword null is an error", "    kw:\n        - null\n    condition: kw\n", {"A", "aaa", NULL}, -1},
	};
	run_table(cases, ARRAY_SIZE(cases));
}

static void test_conditions(void **state)
{
	(void)state;
#define AB  "    a:\n        A: 'x'\n    b:\n        B: 'x'\n"
#define ABF AB "    _f:\n        F: 'x'\n"
	static const mcase cases[] = {
	    {"and", AB "    condition: a and b\n", {"A", "x", "B", "x", NULL}, 1},
	    {"and one false", AB "    condition: a and b\n", {"A", "x", NULL}, 0},
	    {"or", AB "    condition: a or b\n", {"B", "x", NULL}, 1},
	    {"not", AB "    condition: a and not b\n", {"A", "x", NULL}, 1},
	    {"not with absent field matches", AB "    condition: a and not b\n", {"A", "x", "C", "y", NULL}, 1},
	    {"not excludes", AB "    condition: a and not b\n", {"A", "x", "B", "x", NULL}, 0},
	    {"precedence: and over or", AB "    condition: a or b and b\n", {"A", "x", NULL}, 1},
	    {"parentheses", AB "    condition: (a or b) and b\n", {"A", "x", NULL}, 0},
	    {"not binds tighter than and", AB "    condition: not a and b\n", {"B", "x", NULL}, 1},
	    {"1 of pattern", AB "    condition: 1 of a*\n", {"A", "x", NULL}, 1},
	    {"all of pattern",
	     "    s1:\n        A: 'x'\n    s2:\n        B: 'x'\n    condition: all of s*\n",
	     {"A", "x", NULL},
	     0},
	    {"all of pattern all true",
	     "    s1:\n        A: 'x'\n    s2:\n        B: 'x'\n    condition: all of s*\n",
	     {"A", "x", "B", "x", NULL},
	     1},
	    {"1 of them", AB "    condition: 1 of them\n", {"B", "x", NULL}, 1},
	    {"all of them", AB "    condition: all of them\n", {"B", "x", NULL}, 0},
	    {"them leaves out _ids", ABF "    condition: all of them\n", {"A", "x", "B", "x", NULL}, 1},
	    {"any of", AB "    condition: any of them\n", {"A", "x", NULL}, 1},
	    {"not 1 of", AB "    condition: not 1 of them\n", {"C", "x", NULL}, 1},
	    {"condition list is OR", AB "    condition:\n        - a\n        - b\n", {"B", "x", NULL}, 1},
	    {"condition list none", AB "    condition:\n        - a\n        - b\n", {"C", "x", NULL}, 0},
	    {"unknown identifier", AB "    condition: a and c\n", {"A", "x", NULL}, -1},
	    {"pattern matches nothing", AB "    condition: 1 of z*\n", {"A", "x", NULL}, -1},
	    {"pipe aggregation refused", AB "    condition: a | count() > 5\n", {"A", "x", NULL}, -1},
	    {"unbalanced parenthesis", AB "    condition: (a or b\n", {"A", "x", NULL}, -1},
	    {"2 of is not Sigma", AB "    condition: 2 of them\n", {"A", "x", NULL}, -1},
	    {"trailing operator", AB "    condition: a and\n", {"A", "x", NULL}, -1},
	};
	run_table(cases, ARRAY_SIZE(cases));
}

/* |expand with placeholder values: every combination, wildcards kept,
 * \\% literal; unknown names make the rule not compile (EINVAL). */
static void test_expand(void **state)
{
	(void)state;
	static const char ph_yml[] = "Admins: ['Administrator', 'adm_*']\nDom: CORP\nEmpty: []\n";
	arena ar;
	arena_init(&ar, 4096, 0);
	ydoc *docs;
	size_t nd;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(sigma_yaml_parse(&ar, ph_yml, strlen(ph_yml), &docs, &nd, &d), 0);
	static const struct {
		const char *det, *user;
		int expect;
	} cases[] = {
	    {"    sel:\n        User|expand: '%Admins%'\n    condition: sel\n", "administrator", 1},
	    {"    sel:\n        User|expand: '%Admins%'\n    condition: sel\n", "adm_bob", 1},
	    {"    sel:\n        User|expand: '%Admins%'\n    condition: sel\n", "bob", 0},
	    {"    sel:\n        User|expand: '%Dom%\\\\%Admins%'\n    condition: sel\n", "corp\\adm_x", 1},
	    {"    sel:\n        User|expand|contains: '%Dom%'\n    condition: sel\n", "xcorpx", 1},
	    {"    sel:\n        User|expand: '100\\%'\n    condition: sel\n", "100%", 1},
	    {"    sel:\n        User: '%Dom%'\n    condition: sel\n", "%dom%", 1}, /* no expand: literal */
	    {"    sel:\n        User|expand: '%Nope%'\n    condition: sel\n", "x", -1},
	    {"    sel:\n        User|expand: '%Empty%'\n    condition: sel\n", "x", -1},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char y[512];
		snprintf(y, sizeof(y), "title: t\nlogsource:\n    product: windows\ndetection:\n%s", cases[i].det);
		sigma_file *f = NULL;
		assert_int_equal(sigma_file_load(&f, "t.yml", y, strlen(y), NULL, NULL), 0);
		assert_int_equal(f->n, 1);
		spoor_diag cd = SPOOR_DIAG_INIT;
		int rc = sigma_compile_ph(f->rules[0], &ctx->ft, docs[0].root, &cd);
		int got = -1;
		if (rc == 0) {
			spoor_event ev;
			assert_int_equal(event_init(&ev, ctx), 0);
			event_add(&ev, field_intern(&ctx->ft, "User", 4), SPOOR_VT_STR, sv_cstr(cases[i].user), 0);
			got = sigma_match_detection(f->rules[0]->plan, &ev, NULL, NULL, NULL, NULL);
			event_done(&ev);
		} else {
			assert_int_equal(rc, SPOOR_EINVAL);
			assert_non_null(strstr(cd.msg, "placeholder"));
		}
		if (got != cases[i].expect)
			fail_msg("expand case %zu: got %d, expected %d (%s)", i, got, cases[i].expect, cd.msg);
		sigma_file_free(f);
	}
	arena_done(&ar);
}

/* The regex's necessary literal (sigma-re.c): the prefilter runs a regex
 * rule only on values holding it, so it must be in every subject the
 * regex matches.  Each case: pattern, caseless flag, the atom ("" = none),
 * and a subject the regex matches (NULL = none given), checked with PCRE2
 * to hold the atom caselessly. */
static void test_re_atoms(void **state)
{
	(void)state;
	static const struct {
		const char *re;
		bool ci;
		const char *atom;
		const char *subj;
	} cases[] = {
	    {"abc", false, "abc", "xxabcxx"},
	    {"ab?cdef", false, "cdef", "acdef"},
	    {"ab*cdef", false, "cdef", "acdef"},
	    {"abc{0,2}defg", false, "defg", "abdefg"},
	    {"xyzab+cd", false, "xyzab", "xyzabbbcd"},
	    {"xyzab{2,}cd", false, "xyzab", "xyzabbcd"},
	    {"https?://evil", false, "://evil", "http://evil"},
	    {"net\\s+user", false, "user", "net   user"},
	    {"\\\\AppData\\\\Local\\\\Temp\\\\dat[0-9A-Z]{4}\\.tmp", false, "a\\local\\temp\\dat", "C:\\Users\\x\\AppData\\Local\\Temp\\dat1A2B.tmp"},
	    {"(?i)echo.*clip.*&&", false, "echo", "ECHO x | CLIP && y"},
	    /* caseless: k and s fold with U+212A and U+017F under PCRE2_UTF */
	    {"(?i)kiwi\\.exe", false, "iwi.exe", "\xe2\x84\xaaiwi.exe"},
	    {"mimikatz", true, "mimi", "MIMI\xe2\x84\xaa" "ATZ"},
	    {"(?i)lsass", false, "", "L\xc5\xbf" "ASS"},
	    {"a(bc)+defg", false, "defg", "abcbcdefg"},
	    {"[xyz]+\\.dll", false, ".dll", "x.dll"},
	    {"^C:\\\\Windows\\\\$", false, "c:\\windows\\", "C:\\Windows\\"},
	    {"\\$ShellId\\[", false, "$shellid[", "$ShellId["},
	    /* no atom: alternation, \Q, \x, back references, extended mode,
	     * a brace that is not a quantifier, too short */
	    {"abc|def", false, "", "def"},
	    {"\\Qabc\\E", false, "", "abc"},
	    {"\\x41bcd", false, "", "Abcd"},
	    {"(abc)\\1", false, "", "abcabc"},
	    {"(?x) a b c d", false, "", "abcd"},
	    {"abcd{,3}", false, "", NULL},
	    {"ab", false, "", "ab"},
	    {"[^/]{100,}$", false, "", NULL},
	    {"(?:\\s-[^-\\s]{0,20}i|\\s--inode\\s)", false, "", " --inode "},
	};
	sigma_re_scratch *rs = sigma_re_scratch_new();
	assert_non_null(rs);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sigma_re *re = NULL;
		spoor_diag d = SPOOR_DIAG_INIT;
		assert_int_equal(sigma_re_compile(&re, cases[i].re, strlen(cases[i].re), cases[i].ci ? RE_I : 0, &d), 0);
		const char *a;
		size_t an;
		if (!sigma_re_atom(re, &a, &an))
			an = 0;
		if (an != strlen(cases[i].atom) || memcmp(a, cases[i].atom, an))
			fail_msg("re atom case %zu (%s): got '%.*s', expected '%s'", i, cases[i].re, (int)an, a,
				 cases[i].atom);
		if (cases[i].subj) {
			const char *sj = cases[i].subj;
			if (sigma_re_match(re, rs, sj, strlen(sj)) != 1)
				fail_msg("re atom case %zu: the regex does not match its subject", i);
			bool found = an == 0;
			for (size_t k = 0; !found && k + an <= strlen(sj); k++)
				found = !strncasecmp(sj + k, a, an);
			if (!found)
				fail_msg("re atom case %zu: atom '%.*s' not in the matched subject", i, (int)an, a);
		}
		sigma_re_free(re);
	}
	sigma_re_scratch_free(rs);
}

/* Prefilter triggers (sigma-prefilter.c, trim_triggers): in `sel_eid and
 * sel_data` only the selective search's atoms make the rule a candidate,
 * so an event of the same EventID without the data is not one; under
 * `or` both searches' atoms are needed and either makes it a candidate. */
static int candidates_for(const char *det, const char *const *kv)
{
	sigma_file *f = load_det(det);
	assert_int_equal(f->n, 1);
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(sigma_compile(f->rules[0], &ctx->ft, &d), 0);
	const sigma_plan *plans[1] = {f->rules[0]->plan};
	sigma_prefilter *pf = NULL;
	assert_int_equal(sigma_pf_build(&pf, plans, 1, NULL, &d), 0);
	assert_true(sigma_pf_gated(pf, 0));
	sigma_pf_scratch *sc = NULL;
	assert_int_equal(sigma_pf_scratch_new(&sc, pf), 0);
	spoor_event ev;
	assert_int_equal(event_init(&ev, ctx), 0);
	for (size_t i = 0; kv[i]; i += 2) {
		uint32_t id = field_intern(&ctx->ft, kv[i], strlen(kv[i]));
		const char *v = kv[i + 1];
		assert_int_equal(event_add(&ev, id, v[0] == '#' ? SPOOR_VT_NUM : SPOOR_VT_STR,
					   sv_cstr(v[0] == '#' ? v + 1 : v), 0),
				 0);
	}
	assert_int_equal(sigma_pf_scan(pf, sc, &ev, NULL), 0);
	size_t nc = 0;
	(void)sigma_pf_candidates(sc, &nc);
	event_done(&ev);
	sigma_pf_scratch_free(sc);
	sigma_pf_free(pf);
	sigma_file_free(f);
	return (int)nc;
}

/* The value atoms of a rule that is not gated (sigma-prefilter.c,
 * prune_atoms): its contains values on a field that has a database get
 * their atoms there, and the matcher skips a value whose atom the scan
 * did not see.  The rule's answers, with the scan's view and without,
 * must be the same and right: a marker in any case, in a short value, in
 * the second line of a long escaped one, or nowhere. */
static void test_prune_atoms(void **state)
{
	(void)state;
	sigma_file *fg = load_det("    sel:\n        CommandLine|contains: 'gatedword'\n    condition: sel\n");
	sigma_file *fu = load_det("    sel:\n        CommandLine|contains: '*'\n"
				  "    filter:\n        CommandLine|contains:\n            - 'marker-one'\n"
				  "            - 'MARKER-two'\n            - 'ab'\n"
				  "    condition: sel and not filter\n");
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(sigma_compile(fg->rules[0], &ctx->ft, &d), 0);
	assert_int_equal(sigma_compile(fu->rules[0], &ctx->ft, &d), 0);
	const sigma_plan *plans[2] = {fg->rules[0]->plan, fu->rules[0]->plan};
	sigma_prefilter *pf = NULL;
	assert_int_equal(sigma_pf_build(&pf, plans, 2, NULL, &d), 0);
	assert_true(sigma_pf_gated(pf, 0));
	assert_false(sigma_pf_gated(pf, 1));
	/* two values with atoms; 'ab' is too short, '*' has none */
	size_t with = 0;
	const sigma_plan *p = plans[1];
	for (size_t i = 0; i < p->ns; i++)
		for (size_t j = 0; j < p->s[i].n; j++)
			for (size_t k = 0; k < p->s[i].maps[j].n; k++)
				for (size_t v = 0; v < p->s[i].maps[j].items[k].nm; v++)
					with += p->s[i].maps[j].items[k].m[v].g.atom != 0;
	assert_int_equal(with, 2);
	sigma_pf_scratch *sc = NULL;
	assert_int_equal(sigma_pf_scratch_new(&sc, pf), 0);
	sigma_re_scratch *re = sigma_re_scratch_new();
	assert_non_null(re);
	uint32_t cl = field_intern(&ctx->ft, "CommandLine", 11);
	static const struct {
		const char *v;
		spoor_vtype t;
		bool want;
	} cases[] = {
	    {"run Marker-One now", SPOOR_VT_STR, false},
	    {"run marker-two", SPOOR_VT_STR, false},
	    {"run marker-three", SPOOR_VT_STR, true},
	    {"gatedword only", SPOOR_VT_STR, true},
	    {"cab", SPOOR_VT_STR, false},
	    {"first line\\r\\nrun MARKER-ONE\\r\\n", SPOOR_VT_JSTR, false},
	    {"first line\\r\\nrun marker-on\\r\\ne", SPOOR_VT_JSTR, true},
	};
	char v[600];
	for (int round = 0; round < 4; round++)
		for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
			size_t pad = round % 2 ? 300 : 0, len = strlen(cases[c].v);
			memset(v, 'x', pad);
			memcpy(v + pad, cases[c].v, len);
			spoor_event ev;
			assert_int_equal(event_init(&ev, ctx), 0);
			assert_int_equal(event_add(&ev, cl, cases[c].t, (spoor_sv){v, pad + len},
						   cases[c].t == SPOOR_VT_JSTR ? EF_PLAINESC : 0),
					 0);
			assert_int_equal(sigma_pf_scan(pf, sc, &ev, NULL), 0);
			bool with_pf = sigma_match_detection(plans[1], &ev, re, sc, NULL, NULL);
			bool without = sigma_match_detection(plans[1], &ev, re, NULL, NULL, NULL);
			if (with_pf != cases[c].want || without != cases[c].want)
				fail_msg("round %d, \"%s\": %d with the scan's atoms, %d without, want %d", round,
					 cases[c].v, with_pf, without, cases[c].want);
			event_done(&ev);
		}
	/* the matcher does read the scan's atoms: with the view of a scan
	 * that did not see the marker, the filter's values are not tried */
	spoor_event e1, e2;
	assert_int_equal(event_init(&e1, ctx), 0);
	assert_int_equal(event_init(&e2, ctx), 0);
	assert_int_equal(event_add(&e1, cl, SPOOR_VT_STR, SPOOR_SV("plain"), 0), 0);
	assert_int_equal(event_add(&e2, cl, SPOOR_VT_STR, SPOOR_SV("run marker-one"), 0), 0);
	assert_int_equal(sigma_pf_scan(pf, sc, &e1, NULL), 0);
	assert_false(sigma_match_detection(plans[1], &e2, re, NULL, NULL, NULL));
	assert_true(sigma_match_detection(plans[1], &e2, re, sc, NULL, NULL));
	event_done(&e1);
	event_done(&e2);
	sigma_re_scratch_free(re);
	sigma_pf_scratch_free(sc);
	sigma_pf_free(pf);
	sigma_file_free(fu);
	sigma_file_free(fg);
}

/* Keyword databases with factors (sigma-prefilter.c, kw_factors): ten
 * keywords, all holding "::" or "kiwi"; a value with one (in another case)
 * makes the rule a candidate, a value with a factor but no keyword or with
 * neither does not. */
static void test_prefilter_kw_factors(void **state)
{
	(void)state;
	const char *det = "    keywords:\n"
			  "        - 'kerberos::golden'\n        - 'kerberos::ptt'\n        - 'lsadump::'\n"
			  "        - 'misc::skeleton'\n        - 'privilege::debug'\n        - 'sekurlsa::pth'\n"
			  "        - 'token::elevate'\n        - 'eo.oe.kiwi'\n        - 'gentilkiwi.com'\n"
			  "        - 'kiwi legit printer'\n"
			  "    condition: keywords\n";
	const char *hit[] = {"CommandLine", "mimikatz.exe \"PRIVILEGE::Debug\" exit", NULL};
	const char *hit2[] = {"Company", "x", "Description", "by gentilKIWI.com", NULL};
	const char *factor_only[] = {"CommandLine", "[Convert]::FromBase64String kiwi", NULL};
	const char *none[] = {"CommandLine", "notepad.exe", NULL};
	assert_int_equal(candidates_for(det, hit), 1);
	assert_int_equal(candidates_for(det, hit2), 1);
	assert_int_equal(candidates_for(det, factor_only), 0);
	assert_int_equal(candidates_for(det, none), 0);
}

/* The keyword factors: one in every pattern, never a 2-byte factor of
 * letters, digits or spaces (common in every record), "::" for the
 * Mimikatz keywords.  The set is the one Windows Security events get:
 * "Mimikatz Use", the PrintNightmare keyword and CVE-2024-37085's "ESX
 * Admins", whose factors were once "::", "mimi", "kiwi" and "in". */
static void test_kw_factor_pick(void **state)
{
	(void)state;
	/* the atoms as the prefilter has them: lowercased, the longest
	 * literal run of each value */
	static const char *const pat[] = {
	    "dpapi::masterkey", "eo.oe.kiwi",	  "event::clear",     "event::drop",	  "gentilkiwi.com",
	    "kerberos::golden", "kerberos::ptc",  "kerberos::ptt",    "kerberos::tgt",	  "wi legit printer",
	    "lsadump::",	"mimidrv.sys",	  "\\mimilib.dll",    "\\\\mimilib.dll",  "::printnightmare",
	    "sc::shadowcopies", "misc::skeleton", "rivilege::backup", "privilege::debug", "rivilege::driver",
	    "sekurlsa::",	"esx admins",
	};
	size_t n = ARRAY_SIZE(pat), len[ARRAY_SIZE(pat)];
	for (size_t i = 0; i < n; i++)
		len[i] = strlen(pat[i]);
	char fac[PF_KW_FACTORS][4];
	size_t flen[PF_KW_FACTORS];
	size_t nf = sigma_kw_factor_pick(pat, len, n, fac, flen);
	assert_true(nf > 0 && nf <= PF_KW_FACTORS);
	assert_int_equal(flen[0], 2);
	assert_memory_equal(fac[0], "::", 2);
	for (size_t k = 0; k < nf; k++) {
		assert_true(flen[k] >= 2 && flen[k] <= 4);
		if (flen[k] == 2)
			for (size_t q = 0; q < 2; q++)
				if (isalnum((unsigned char)fac[k][q]) || fac[k][q] == ' ')
					fail_msg("factor %zu is \"%.2s\": common in any text", k, fac[k]);
	}
	for (size_t i = 0; i < n; i++) {
		bool has = false;
		for (size_t k = 0; k < nf && !has; k++)
			has = mem_icase_find(pat[i], len[i], fac[k], flen[k]) != NULL;
		if (!has)
			fail_msg("no factor in \"%s\"", pat[i]);
	}
	/* eight patterns are enough (the first eight share "::" or "kiwi");
	 * too few for factors to pay, or one that no factor covers, get none */
	nf = sigma_kw_factor_pick(pat, len, 8, fac, flen);
	assert_true(nf > 0 && nf <= 4);
	assert_int_equal(sigma_kw_factor_pick(pat, len, 5, fac, flen), 0);
	static const char *const shortp[] = {"ab", "cd", "ef", "gh", "ij", "kl", "mn", "op", "qr", "st", "uv", "wx"};
	size_t sl[ARRAY_SIZE(shortp)];
	for (size_t i = 0; i < ARRAY_SIZE(shortp); i++)
		sl[i] = 2;
	assert_int_equal(sigma_kw_factor_pick(shortp, sl, ARRAY_SIZE(shortp), fac, flen), 0);
}

static void test_prefilter_triggers(void **state)
{
	(void)state;
	const char *and_det = "    sel_eid:\n        EventID: 4663\n"
			      "    sel_data:\n        ObjectName|endswith: '.bluesky'\n"
			      "    condition: sel_eid and sel_data\n";
	const char *eid_only[] = {"EventID", "#4663", "ObjectName", "C:\\x.txt", NULL};
	const char *data_only[] = {"EventID", "#1", "ObjectName", "C:\\x.bluesky", NULL};
	assert_int_equal(candidates_for(and_det, eid_only), 0);
	assert_int_equal(candidates_for(and_det, data_only), 1);
	const char *or_det = "    sel_eid:\n        EventID: 4663\n"
			     "    sel_data:\n        ObjectName|endswith: '.bluesky'\n"
			     "    condition: sel_eid or sel_data\n";
	assert_int_equal(candidates_for(or_det, eid_only), 1);
	assert_int_equal(candidates_for(or_det, data_only), 1);
	/* (a and b) or (c and d): b and d are enough, a and c are not needed */
	const char *two = "    a:\n        EventID: 4663\n    b:\n        ObjectName|endswith: '.bluesky'\n"
			  "    c:\n        EventID: 5145\n    d:\n        RelativeTargetName|endswith: '.bluesky'\n"
			  "    condition: (a and b) or (c and d)\n";
	const char *c_only[] = {"EventID", "#5145", "RelativeTargetName", "x.txt", NULL};
	const char *d_only[] = {"EventID", "#1", "RelativeTargetName", "y.bluesky", NULL};
	assert_int_equal(candidates_for(two, eid_only), 0);
	assert_int_equal(candidates_for(two, c_only), 0);
	assert_int_equal(candidates_for(two, d_only), 1);
}

/* Regexes with many unbounded wildcards go to PCRE2's DFA matcher
 * (sigma-re.c): the same answers as the standard matcher, also on a
 * subject that is not UTF-8 (the standard matcher then answers), and no
 * match limit on a failing search that backtracks badly. */
static void test_re_dfa(void **state)
{
	(void)state;
	const char *pat = "\\+.*\\+.*\\+.*\\+.*\\+.*\\+.*\\+";
	/* the same regex, written so that the standard matcher runs it */
	const char *std = "\\+.{0,}\\+.{0,}\\+.{0,}\\+.{0,}\\+.{0,}\\+.{0,}\\+";
	sigma_re *re = NULL, *ref = NULL, *re3 = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(sigma_re_compile(&re, pat, strlen(pat), 0, &d), 0);
	assert_true(sigma_re_uses_dfa(re));
	assert_int_equal(sigma_re_compile(&ref, std, strlen(std), 0, &d), 0);
	assert_false(sigma_re_uses_dfa(ref));
	assert_int_equal(sigma_re_compile(&re3, "a.*b.*c", 7, 0, &d), 0);
	assert_false(sigma_re_uses_dfa(re3));
	sigma_re_scratch *rs = sigma_re_scratch_new();
	assert_non_null(rs);
	static const struct {
		const char *s;
		int want; /* -1: whatever the standard matcher says */
	} cases[] = {
	    {"a+b+c+d+e+f+g+h", 1}, {"+++++++", 1}, {"a+b+c+d+e+f", 0}, {"", 0},
	    {"x+y+z+\xc3\xa9+w+v+u+", 1}, {"++++\n+++", 0},
	    /* not UTF-8: the standard matcher answers (`.` does not match \xff) */
	    {"+\xff+\xfe+++++", -1}, {"+++\xff++++++++", -1}, {"+\xff+", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].s);
		int got = sigma_re_match(re, rs, cases[i].s, n), want = sigma_re_match(ref, rs, cases[i].s, n);
		if (got != want || (cases[i].want >= 0 && got != cases[i].want))
			fail_msg("dfa case %zu: got %d, standard %d, expected %d", i, got, want, cases[i].want);
	}
	/* 200 pluses and no match (a newline every 6: `.` stops there): the
	 * backtracking matcher may give up at its match limit; the DFA
	 * matcher answers no */
	char big[420];
	size_t n = 0;
	for (int i = 0; i < 200; i++) {
		big[n++] = '+';
		big[n++] = i % 6 == 5 ? '\n' : 'x';
	}
	assert_int_equal(sigma_re_match(re, rs, big, n), 0);
	sigma_re_scratch_free(rs);
	sigma_re_free(re);
	sigma_re_free(ref);
	sigma_re_free(re3);
}

/* The JIT compile of a regex happens on its first match (sigma-re.c,
 * re_jit), not before, and -j workers share the compiled set: threads
 * that all start on the same cold regex give the answers one thread
 * gives, and leave it compiled. */
typedef struct re_job {
	const sigma_re *re;
	const char *const *subj;
	size_t n;
	int *got;
} re_job;

static void *re_worker(void *arg)
{
	re_job *j = arg;
	sigma_re_scratch *s = sigma_re_scratch_new();
	if (!s)
		return NULL;
	for (size_t i = 0; i < j->n; i++)
		j->got[i] = sigma_re_match(j->re, s, j->subj[i], strlen(j->subj[i]));
	sigma_re_scratch_free(s);
	return NULL;
}

static void test_re_lazy_jit_threads(void **state)
{
	(void)state;
	static const char *const subj[] = {"powershell -enc AAAA", "cmd /c whoami", "POWERSHELL.EXE -EncodedCommand x",
					   "", "-enc", "pwsh -e abc", "nothing here at all"};
	enum { NS = sizeof(subj) / sizeof(subj[0]), NT = 4 };
	static const char pat[] = "(?i)(powershell|pwsh)(\\.exe)?\\s+-e(nc|ncodedcommand)?\\s";
	int want[NS];
	sigma_re *one;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(sigma_re_compile(&one, pat, strlen(pat), 0, &d), 0);
	uint32_t jit = 0;
	pcre2_config(PCRE2_CONFIG_JIT, &jit);
	assert_int_equal(sigma_re_jit_size(one), 0); /* not at compile time */
	sigma_re_scratch *s = sigma_re_scratch_new();
	assert_non_null(s);
	for (size_t i = 0; i < NS; i++)
		want[i] = sigma_re_match(one, s, subj[i], strlen(subj[i]));
	if (jit)
		assert_true(sigma_re_jit_size(one) > 0); /* at the first match */
	sigma_re_scratch_free(s);
	assert_int_equal(want[0], 1);
	assert_int_equal(want[1], 0);
	assert_int_equal(want[2], 1);
	sigma_re_free(one);
	for (int round = 0; round < 20; round++) {
		sigma_re *re; /* cold: not compiled by JIT yet */
		assert_int_equal(sigma_re_compile(&re, pat, strlen(pat), 0, &d), 0);
		pthread_t th[NT];
		int got[NT][NS];
		re_job jobs[NT];
		for (int t = 0; t < NT; t++) {
			jobs[t] = (re_job){re, subj, NS, got[t]};
			assert_int_equal(pthread_create(&th[t], NULL, re_worker, &jobs[t]), 0);
		}
		for (int t = 0; t < NT; t++)
			pthread_join(th[t], NULL);
		for (int t = 0; t < NT; t++)
			assert_memory_equal(got[t], want, sizeof(want));
		if (jit)
			assert_true(sigma_re_jit_size(re) > 0);
		sigma_re_free(re);
	}
}

/* A regex whose literals are too short for an atom (the shape of
 * "Invoke-Obfuscation Via Stdin - PowerShell Module" with letters for its
 * "&&": `(set)` is a group, and s breaks a run under (?i)) keeps "zq" and
 * "et" for a quick rejection before PCRE2 runs: its answers stay PCRE2's
 * on every subject made of pieces that match, miss or fold (SET, ZQ, the
 * long s, a lone z).  The rule's own "&&" is an atom: two punctuation
 * bytes, but not those of paths (":\\"). */
static void test_re_must(void **state)
{
	(void)state;
	const char *pat = "(?i)(set).*zq\\s?set.*(environment|invoke|\\$?\\{?input).*zq.*\"";
	sigma_re *re = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(sigma_re_compile(&re, pat, strlen(pat), 0, &d), 0);
	const char *a = NULL;
	size_t an = 0;
	assert_false(sigma_re_atom(re, &a, &an));
	static const struct {
		const char *pat, *atom; /* NULL: no atom */
	} punct[] = {
	    {"(?i)(set).*&&\\s?set.*(environment|invoke|\\$?\\{?input).*&&.*\"", "&&"},
	    {"(?i)\\$\\{`?e`?n`?v`?:`?p`?a`?t`?h`?\\}", "${"},
	    {"[a-zA-Z]:\\\\", NULL},
	    {"x.*a1", NULL},
	};
	for (size_t i = 0; i < sizeof(punct) / sizeof(punct[0]); i++) {
		sigma_re *rp = NULL;
		assert_int_equal(sigma_re_compile(&rp, punct[i].pat, strlen(punct[i].pat), 0, &d), 0);
		bool has = sigma_re_atom(rp, &a, &an);
		if (has != (punct[i].atom != NULL) || (has && (an != strlen(punct[i].atom) || memcmp(a, punct[i].atom, an))))
			fail_msg("%s: atom %.*s, want %s", punct[i].pat, has ? (int)an : 4, has ? a : "none",
				 punct[i].atom ? punct[i].atom : "none");
		sigma_re_free(rp);
	}
	const char *m0 = NULL, *m1 = NULL;
	size_t n0 = 0, n1 = 0;
	assert_int_equal(sigma_re_must(re, 0, &m0, &n0), 2);
	sigma_re_must(re, 1, &m1, &n1);
	assert_int_equal(n0, 2);
	assert_memory_equal(m0, "zq", 2);
	assert_int_equal(n1, 2);
	assert_memory_equal(m1, "et", 2);
	/* an atom: no quick-rejection literals (the prefilter looks for it) */
	sigma_re *ra = NULL;
	assert_int_equal(sigma_re_compile(&ra, "powershell.*-enc", 16, 0, &d), 0);
	assert_int_equal(sigma_re_must(ra, 0, &m0, &n0), 0);
	sigma_re_free(ra);
	/* a top-level alternation after a run: "ab" is not in every match */
	sigma_re *rb = NULL;
	sigma_re_scratch *rs0 = sigma_re_scratch_new();
	assert_non_null(rs0);
	assert_int_equal(sigma_re_compile(&rb, "ab.cd|xyz", 9, 0, &d), 0);
	assert_int_equal(sigma_re_must(rb, 0, &m0, &n0), 0);
	assert_int_equal(sigma_re_match(rb, rs0, "xyz", 3), 1);
	sigma_re_free(rb);
	sigma_re_scratch_free(rs0);
	int err;
	PCRE2_SIZE eoff;
	pcre2_code *ref = pcre2_compile((PCRE2_SPTR)pat, strlen(pat), PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &err,
					&eoff, NULL);
	assert_non_null(ref);
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	sigma_re_scratch *rs = sigma_re_scratch_new();
	assert_non_null(rs);
	static const char *const piece[] = {"set", "SET", "zq", "ZQ", "z", " ", "input", "\"", "x", "\305\277et", "invoke", "ET"};
	const size_t np = sizeof(piece) / sizeof(piece[0]);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int matched = 0;
	for (int round = 0; round < 4000; round++) {
		char subj[256];
		size_t n = 0;
		int len = 1 + (int)(seed % 12);
		for (int k = 0; k < len; k++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			const char *pc = piece[(seed >> 33) % np];
			memcpy(subj + n, pc, strlen(pc));
			n += strlen(pc);
		}
		int want = pcre2_match(ref, (PCRE2_SPTR)subj, n, 0, 0, md, NULL) >= 0;
		int got = sigma_re_match(re, rs, subj, n);
		if (got != want)
			fail_msg("must case %d: got %d, PCRE2 %d on %.*s", round, got, want, (int)n, subj);
		matched += got;
	}
	assert_true(matched > 0);
	pcre2_match_data_free(md);
	pcre2_code_free(ref);
	sigma_re_scratch_free(rs);
	sigma_re_free(re);
}

/* glob_match_esc on JSON-escaped bytes answers as glob_match on their
 * decoded text, for every glob kind it takes (exact, prefix, suffix,
 * contains; cased and not), and says -1 for inner wildcards.  The
 * subjects are made of escapes that end in a letter the needles hold
 * (\n, \t, \", \\), escaped backslashes before such letters (\\n is a
 * backslash and an n, \\\n a backslash and a newline) and plain bytes;
 * a wrong escape boundary would show as a match on "n" or "\" that the
 * text does not have. */
static const char *const esc_piece[][2] = {
    /* escaped, decoded */
    {"\\n", "\n"},   {"\\\\", "\\"},   {"\\\"", "\""}, {"\\t", "\t"}, {"\\r", "\r"}, {"n", "n"},
    {"N", "N"},	     {"t", "t"},       {"\\\\n", "\\n"}, {"a", "a"},   {"=", "="},   {" ", " "},
    {"\\\\\\n", "\\\n"}, {"\\b", "\b"}, {"b", "b"},
};

static size_t esc_build(uint64_t *seed, size_t len, char *esc, char *dec)
{
	size_t en = 0, dn = 0;
	for (size_t k = 0; k < len; k++) {
		*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
		size_t i = (size_t)(*seed >> 33) % (sizeof(esc_piece) / sizeof(esc_piece[0]));
		memcpy(esc + en, esc_piece[i][0], strlen(esc_piece[i][0]));
		en += strlen(esc_piece[i][0]);
		memcpy(dec + dn, esc_piece[i][1], strlen(esc_piece[i][1]));
		dn += strlen(esc_piece[i][1]);
	}
	esc[en] = dec[dn] = 0;
	return en;
}

static void test_glob_escaped(void **state)
{
	(void)state;
	arena ar;
	arena_init(&ar, 4096, 0);
	uint64_t seed = 0x2545f4914f6cdd1dull;
	size_t tried = 0, hits = 0;
	for (int round = 0; round < 20000; round++) {
		char esc[256], dec[128], nesc[64], ndec[32];
		size_t en = esc_build(&seed, 1 + (size_t)(seed >> 40) % 24, esc, dec);
		size_t dn = strlen(dec);
		(void)en;
		/* a needle: a slice of the decoded text, or random pieces */
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		size_t nn;
		if (seed >> 63 && dn) {
			size_t at = (size_t)(seed >> 20) % dn, l = 1 + (size_t)(seed >> 44) % 6;
			nn = MIN(l, dn - at);
			memcpy(ndec, dec + at, nn);
		} else {
			esc_build(&seed, 1 + (size_t)(seed >> 50) % 3, nesc, ndec);
			nn = strlen(ndec);
		}
		/* control bytes other than the short escapes cannot be in a
		 * needle here; the pattern syntax escapes its own * ? \ */
		sstr pat;
		sstr_init(&pat);
		int kind = round % 4; /* exact, prefix, suffix, contains */
		if (kind == 2 || kind == 3)
			assert_int_equal(sstr_add(&pat, "*", 1, SW_STAR), 0);
		assert_int_equal(sstr_add(&pat, ndec, nn, SW_LIT), 0);
		if (kind == 1 || kind == 3)
			assert_int_equal(sstr_add(&pat, "*", 1, SW_STAR), 0);
		for (int cased = 0; cased < 2; cased++) {
			glob_pat g;
			assert_int_equal(glob_compile(&ar, &pat, cased, &g), 0);
			int want = glob_match(&g, dec, dn);
			int got = glob_match_esc(&g, esc, strlen(esc));
			if (got != want)
				fail_msg("kind %d cased %d: needle [%.*s] in escaped [%s]: %d, decoded %d", kind, cased,
					 (int)nn, ndec, esc, got, want);
			tried++;
			hits += (size_t)want;
		}
		sstr_done(&pat);
	}
	assert_true(hits > tried / 10 && hits < tried - tried / 10);
	/* inner wildcards: not decided on escaped bytes */
	sstr pat;
	assert_int_equal(sstr_parse(&pat, "a*b", 3), 0);
	glob_pat g;
	assert_int_equal(glob_compile(&ar, &pat, false, &g), 0);
	assert_int_equal(glob_match_esc(&g, "a\\nb", 4), -1);
	sstr_done(&pat);
	arena_done(&ar);
}

/* mem_icase_find against a plain search, around the vector loops' edges
 * (16 and 32 places): needles of 1-20 bytes in haystacks of 0-200, at
 * every place, after common first bytes and rare ones. */
static void test_icase_find(void **state)
{
	(void)state;
	uint64_t seed = 0x853c49e6748fea9bull;
	static const char alpha[] = "aAbB=\\: zZ";
	for (int round = 0; round < 30000; round++) {
		char h[208], lo[24];
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		size_t hn = (size_t)(seed >> 33) % 201, nn = 1 + (size_t)(seed >> 50) % 20;
		for (size_t i = 0; i < hn; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			h[i] = alpha[(seed >> 33) % (sizeof(alpha) - 1)];
		}
		if (hn >= nn && (seed >> 62)) {
			size_t at = (size_t)(seed >> 20) % (hn - nn + 1);
			for (size_t i = 0; i < nn; i++)
				lo[i] = (char)tolower((unsigned char)h[at + i]);
		} else {
			for (size_t i = 0; i < nn; i++) {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				lo[i] = (char)tolower((unsigned char)alpha[(seed >> 33) % (sizeof(alpha) - 1)]);
			}
		}
		const char *want = NULL;
		for (size_t i = 0; i + nn <= hn && !want; i++)
			if (!strncasecmp(h + i, lo, nn))
				want = h + i;
		const char *got = mem_icase_find(h, hn, lo, nn);
		if (got != want)
			fail_msg("[%.*s] in [%.*s]: at %td, want %td", (int)nn, lo, (int)hn, h, got ? got - h : -1,
				 want ? want - h : -1);
	}
}

/* An item's index (sigma-gindex.c) answers as trying its values one by
 * one: 40-200 values of every glob kind (exact, prefix, suffix, contains,
 * inner wildcards, cased), some of them duplicates, against texts made of
 * the same pieces in any case, longer and shorter. */
static void test_glob_index(void **state)
{
	(void)state;
	static const char *const piece[] = {"\\", "dll", "a", "B", ".", "x", "C:", "ver"};
	uint64_t seed = 0x5851f42d4c957f2dull;
#define RND() (seed = seed * 6364136223846793005ull + 1442695040888963407ull, (size_t)(seed >> 33))
	size_t indexed = 0, hits = 0;
	for (int round = 0; round < 60; round++) {
		arena ar;
		arena_init(&ar, 4096, 0);
		size_t nm = 20 + RND() % 180;
		vmatch *m = arena_alloc(&ar, nm * sizeof(*m));
		assert_non_null(m);
		memset(m, 0, nm * sizeof(*m));
		for (size_t i = 0; i < nm; i++) {
			char v[64];
			size_t n = 0, np = 1 + RND() % 5;
			for (size_t k = 0; k < np; k++) {
				const char *pc = piece[RND() % ARRAY_SIZE(piece)];
				memcpy(v + n, pc, strlen(pc));
				n += strlen(pc);
			}
			sstr pat;
			sstr_init(&pat);
			size_t kind = RND() % 10; /* mostly exact, prefix, suffix */
			if (kind >= 6 && kind <= 7)
				assert_int_equal(sstr_add(&pat, "*", 1, SW_STAR), 0);
			assert_int_equal(sstr_add(&pat, v, n, SW_LIT), 0);
			if (kind == 8) {
				assert_int_equal(sstr_add(&pat, "*", 1, SW_STAR), 0);
				assert_int_equal(sstr_add(&pat, "x", 1, SW_LIT), 0);
			}
			if (kind >= 3 && kind <= 4)
				assert_int_equal(sstr_add(&pat, "*", 1, SW_STAR), 0);
			if (kind == 7)
				assert_int_equal(sstr_add(&pat, "*", 1, SW_STAR), 0);
			m[i].kind = MK_GLOB;
			m[i].grp = (uint16_t)i;
			assert_int_equal(glob_compile(&ar, &pat, kind == 9, &m[i].g), 0);
			sstr_done(&pat);
			if (i && RND() % 8 == 0)
				m[i] = m[i - 1]; /* a duplicate value */
		}
		const gindex *ix = NULL;
		assert_int_equal(sigma_gindex_build(&ar, m, nm, &ix), 0);
		if (!ix) { /* fewer than SIGMA_GINDEX_MIN values it takes */
			for (size_t i = 0; i < nm; i++)
				assert_false(m[i].indexed);
			arena_done(&ar);
			continue;
		}
		for (size_t i = 0; i < nm; i++)
			indexed += m[i].indexed;
		for (int t = 0; t < 400; t++) {
			char txt[128];
			size_t n = 0, np = RND() % 9;
			for (size_t k = 0; k < np; k++) {
				const char *pc = piece[RND() % ARRAY_SIZE(piece)];
				for (size_t q = 0; pc[q]; q++)
					txt[n++] = RND() % 2 ? (char)toupper((unsigned char)pc[q]) : pc[q];
			}
			bool want = false, got = sigma_gindex_match(ix, m, txt, n);
			for (size_t i = 0; i < nm; i++) {
				bool r = glob_match(&m[i].g, txt, n);
				want |= r;
				if (!m[i].indexed)
					got |= r;
				else if (r && !sigma_gindex_match(ix, m, txt, n))
					fail_msg("round %d: indexed value %zu matches \"%.*s\", the index says no", round, i,
						 (int)n, txt);
			}
			if (got != want)
				fail_msg("round %d: \"%.*s\": index %d, one by one %d", round, (int)n, txt, got, want);
			hits += want;
		}
		arena_done(&ar);
	}
#undef RND
	assert_true(indexed > 1000 && hits > 1000);
	/* and through the matcher: a rule of 40 suffixes (indexed) fires on
	 * the 37th in another case, and not on a value that is none of them */
	char det[4096];
	int n = snprintf(det, sizeof(det), "    sel:\n        ImageLoaded|endswith:\n");
	for (int i = 0; i < 40; i++)
		n += snprintf(det + n, sizeof(det) - (size_t)n, "            - '\\lib%d.dll'\n", i);
	snprintf(det + n, sizeof(det) - (size_t)n, "    condition: sel\n");
	const char *yes[] = {"ImageLoaded", "C:\\x\\LIB37.DLL", NULL};
	const char *no[] = {"ImageLoaded", "C:\\x\\lib40.dll", NULL};
	char err[256];
	assert_int_equal(run_case(det, yes, err, sizeof(err)), 1);
	assert_int_equal(run_case(det, no, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_null_empty_exists),
	    cmocka_unit_test(test_neq_fieldref),
	    cmocka_unit_test(test_numeric_cidr),
	    cmocka_unit_test(test_re),
	    cmocka_unit_test(test_encodings),
	    cmocka_unit_test(test_keywords),
	    cmocka_unit_test(test_conditions),
	    cmocka_unit_test(test_expand),
	    cmocka_unit_test(test_re_atoms),
	    cmocka_unit_test(test_prefilter_triggers),
	    cmocka_unit_test(test_re_dfa),
	    cmocka_unit_test(test_re_must),
	    cmocka_unit_test(test_glob_escaped),
	    cmocka_unit_test(test_icase_find),
	    cmocka_unit_test(test_prune_atoms),
	    cmocka_unit_test(test_glob_index),
	    cmocka_unit_test(test_re_lazy_jit_threads),
	    cmocka_unit_test(test_prefilter_kw_factors),
	    cmocka_unit_test(test_kw_factor_pick),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
