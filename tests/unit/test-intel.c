/* test-intel — intel loaders (MISP, STIX, ATT&CK, CSV, lists), the STIX
 * pattern subset, normalisation, and the typed matcher.  The shared-data
 * test loads ../shared/data/intel and checks the counts against the files'
 * own, counted here independently with cJSON and a line count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "detect/ioc/ioc-radix.h"
#include "event/event-int.h"
#include "intel/intel-int.h"
#include "spoor/intel.h"
#include "spoor/scan.h"

/* ---- normalisation ---- */

static void test_norm(void **state)
{
	(void)state;
	static const struct {
		int type;
		const char *in, *out; /* NULL: invalid */
	} cases[] = {
	    {IOC_DOMAIN, "Evil.EXAMPLE.", "evil.example"},
	    {IOC_DOMAIN, "  a.b.evil.example  ", "a.b.evil.example"},
	    {IOC_DOMAIN, "b\xC3\xBC" "cher.example", "xn--bcher-kva.example"},
	    {IOC_DOMAIN, "B\xC3\x9C" "CHER.example", "xn--bcher-kva.example"},
	    {IOC_DOMAIN, "m\xC3\xBCnchen.de", "xn--mnchen-3ya.de"},
	    {IOC_DOMAIN, "a..b", NULL},
	    {IOC_DOMAIN, "bad domain.example", NULL},
	    {IOC_URL, "HTTP://Evil.Example:80/a/%62?x=1#frag", "evil.example/a/b?x=1"},
	    {IOC_URL, "https://evil.example:443", "evil.example/"},
	    {IOC_URL, "http://user:pw@evil.example:8080/p%2fq", "evil.example:8080/p%2Fq"},
	    {IOC_URL, "evil.example/path", "evil.example/path"},
	    {IOC_EMAIL, "\"Bad Actor\" <Bad.Actor@Evil.Example>", "bad.actor@evil.example"},
	    {IOC_EMAIL, "mailto:x@y.example", "x@y.example"},
	    {IOC_EMAIL, "no-at-sign", NULL},
	    {IOC_MD5, "8CF683B7D181591B91E145985F32664C", "8cf683b7d181591b91e145985f32664c"},
	    {IOC_MD5, "8cf683b7d181591b91e145985f32664", NULL},
	    {IOC_SHA1, "2d093897b3057c8e5d5d5705016a7010730833e4", "2d093897b3057c8e5d5d5705016a7010730833e4"},
	    {IOC_X509_SERIAL, "0C:39:B8:D2:7F:7B:E8:C7", "c39b8d27f7be8c7"},
	    {IOC_FILENAME, "C:\\Temp\\3Z4wnG9603it23y.EXE", "3z4wng9603it23y.exe"},
	};
	char out[NORM_MAX(256)];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long l = norm_value((ioc_type)cases[i].type, sv_cstr(cases[i].in), out);
		if (!cases[i].out) {
			if (l >= 0)
				fail_msg("%s: expected invalid, got %.*s", cases[i].in, (int)l, out);
			continue;
		}
		if (l < 0)
			fail_msg("%s: expected %s, got invalid", cases[i].in, cases[i].out);
		if ((size_t)l != strlen(cases[i].out) || memcmp(out, cases[i].out, (size_t)l))
			fail_msg("%s: expected %s, got %.*s", cases[i].in, cases[i].out, (int)l, out);
	}
	uint8_t ip[16], pl;
	assert_int_equal(norm_ip(sv_cstr("10.1.2.3/8"), ip, &pl, true), 16);
	assert_int_equal(pl, 104);
	assert_int_equal(ip[12], 10);
	assert_int_equal(ip[13], 0); /* host bits cleared */
	assert_int_equal(norm_ip(sv_cstr("10.1.2.3/33"), ip, &pl, true), -1);
	assert_int_equal(norm_ip(sv_cstr("10.1.2.3/8"), ip, &pl, false), -1);
	assert_int_equal(norm_ip(sv_cstr("010.1.2.3"), ip, &pl, false), -1);
	assert_int_equal(norm_ip(sv_cstr("[2001:db8::1]"), ip, &pl, false), 16);
	assert_int_equal(norm_ip(sv_cstr("fe80::1%eth0"), ip, &pl, false), 16);
	assert_int_equal(norm_ip(sv_cstr("evil.example"), ip, &pl, false), -1);
}

/* ---- the radix tree against a linear scan ---- */

static void count_hit(uint32_t val, void *u)
{
	uint64_t *sum = u;
	*sum += val + 1;
}

static bool in_prefix(const uint8_t *a, const uint8_t *k, unsigned plen)
{
	for (unsigned b = 0; b < plen; b++)
		if (((a[b / 8] >> (7 - b % 8)) & 1) != ((k[b / 8] >> (7 - b % 8)) & 1))
			return false;
	return true;
}

static void test_radix(void **state)
{
	(void)state;
	enum { N = 5000, Q = 3000 };
	static bool first[N];
	static uint8_t keys[N][16];
	static unsigned plens[N];
	radix t = {0};
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < N; i++) {
		/* clustered keys (shared prefixes), prefix lengths 0..128 */
		for (int b = 0; b < 16; b++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			keys[i][b] = b < 10 ? 0 : (uint8_t)(b < 12 ? 0xff : (x & 0x3) + (b == 12 ? 10 : 0));
		}
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		plens[i] = i % 7 == 0 ? (unsigned)(x % 129) : 96 + (unsigned)(x % 33);
		for (unsigned b = plens[i]; b < 128; b++)
			keys[i][b / 8] &= (uint8_t)~(0x80u >> (b % 8));
		uint32_t *slot;
		assert_int_equal(radix_insert(&t, keys[i], plens[i], &slot), 0);
		first[i] = *slot == UINT32_MAX; /* first of equal prefixes */
		if (first[i])
			*slot = (uint32_t)i;
	}
	for (int q = 0; q < Q; q++) {
		uint8_t a[16] = {0};
		a[10] = a[11] = 0xff;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		a[12] = (uint8_t)(10 + (x & 3));
		a[13] = (uint8_t)((x >> 8) & 3);
		a[14] = (uint8_t)((x >> 16) & 3);
		a[15] = (uint8_t)((x >> 24) & 3);
		uint64_t got = 0, want = 0;
		radix_lookup(&t, a, count_hit, &got);
		/* the linear scan: each distinct stored prefix containing a, once */
		for (int i = 0; i < N; i++) {
			if (first[i] && in_prefix(a, keys[i], plens[i]))
				want += (uint64_t)i + 1;
		}
		assert_int_equal(got, want);
	}
	radix_free(&t);
}

/* ---- matching, table-driven ---- */

static const char intel_csv[] = "type,value,source,group,first_seen,last_seen,confidence,family\n"
				"ip-dst,198.51.100.7,test,APT-X,,,90,\n"
				"cidr,203.0.113.0/24,test,,,,,\n"
				"ipv4,10.0.0.0/8,test,,,,,\n"
				"ipv6,2001:db8:dead:beef::/64,test,,,,,\n"
				"domain,Evil.Example.,test,,,,,\n"
				"domain,b\xC3\xBC" "cher.example,test,,,,,\n"
				"url,http://Evil.example:80/a/b?x=1#frag,test,,,,,\n"
				"email,\"Bad Actor <Bad.Actor@Evil.example>\",test,,,,,\n"
				"md5,8CF683B7D181591B91E145985F32664C,test,,,,,Taidoor\n"
				"sha256,4a0688baf9661d3737ee82f8992a0a665732c91704f28688f643115648c107d4,test,,,,,\n"
				"filename,3Z4wnG9603it23y.exe,test,,,,,\n"
				"http-user-agent,Mozilla/4.0 (compatible; MSIE 8.0; Win32),test,,,,,\n"
				"cmdline-substring,\"dll,MyStart\",test,,,,,\n"
				"filepath-regex,:\\\\ProgramData\\\\Microsoft\\\\~svc_\\.TMp,test,,,,,\n"
				"domain,expired.example,test,,2019-01-01,2020-01-01,,\n"
				"x509-serial,0c39b8d27f7be8c728e486be144ea9d0,test,,,,,\n"
				"registry,HKLM\\Software\\x,test,,,,,\n";

typedef struct collect {
	int n;
	char ids[8][128];
	char json[4096];
} collect;

static int on_f(const spoor_finding *f, void *payload)
{
	collect *c = payload;
	if (c->n < 8)
		snprintf(c->ids[c->n], sizeof(c->ids[0]), "%s", f->rule_id);
	snprintf(c->json, sizeof(c->json), "%.*s", (int)f->json.n, f->json.p);
	c->n++;
	return 0;
}

static int64_t ts_of(const char *iso)
{
	int64_t ns = 0;
	assert_true(time_parse_iso(sv_cstr(iso), NULL, &ns));
	return ns;
}

/* one event with one field; returns the number of findings */
static int run1(spoor_stage *st, spoor_ctx *ctx, const char *field, const char *value, const char *iso, collect *c)
{
	spoor_event ev;
	assert_int_equal(event_init(&ev, ctx), 0);
	if (iso)
		event_set_time(&ev, ts_of(iso));
	event_add(&ev, field_intern(&ctx->ft, field, strlen(field)), SPOOR_VT_STR, sv_cstr(value), 0);
	memset(c, 0, sizeof(*c));
	assert_int_equal(spoor_stage_event(st, &ev, on_f, c), 0);
	event_done(&ev);
	return c->n;
}

static void test_match_table(void **state)
{
	(void)state;
	static const struct {
		const char *field, *value, *iso;
		int line; /* CSV line of the indicator expected, 0 = none */
	} cases[] = {
	    {"source.ip", "198.51.100.7", NULL, 2},
	    {"destination.ip", "::ffff:198.51.100.7", NULL, 2},
	    {"SourceIp", "198.51.100.8", NULL, 0},
	    {"ClientIP", "198.51.100.7:50123", NULL, 2},
	    {"ClientIP", "[::ffff:198.51.100.7]:443", NULL, 2},
	    {"id.resp_h", "203.0.113.0", NULL, 3},
	    {"id.resp_h", "203.0.113.255", NULL, 3},
	    {"id.resp_h", "203.0.114.0", NULL, 0},
	    {"id.resp_h", "203.0.112.255", NULL, 0},
	    {"source.ip", "10.255.255.255", NULL, 4},
	    {"source.ip", "11.0.0.0", NULL, 0},
	    {"source.ip", "2001:db8:dead:beef:ffff::1", NULL, 5},
	    {"source.ip", "2001:db8:dead:bef0::1", NULL, 0},
	    {"message", "198.51.100.7", NULL, 0},	    /* not an IP field */
	    {"user.name", "198.51.100.7", NULL, 0},	    /* not an IP field */
	    {"dns.question.name", "a.b.EVIL.example.", NULL, 6},
	    {"dns.question.name", "evil.example", NULL, 6},
	    {"QueryName", "notevil.example", NULL, 0},
	    {"QueryName", "evil.example.com", NULL, 0},
	    {"destination.domain", "xn--bcher-kva.example", NULL, 7},
	    {"destination.domain", "www.B\xC3\x9C" "CHER.example", NULL, 7},
	    {"message", "see evil.example now", NULL, 0},
	    {"url.original", "https://evil.example/a/%62?x=1", NULL, 8}, /* and line 6: its host */
	    {"url.original", "/a/b?x=1", NULL, 0},			  /* a path, no host known */
	    {"url.original", "http://evil.example/a/b?x=2", NULL, 6}, /* the host is a domain sighting */
	    {"email.from.address", "<bad.actor@EVIL.example>", NULL, 9},
	    {"email.to.address", "other@evil.example", NULL, 0},
	    {"email.subject", "bad.actor@evil.example", NULL, 0},
	    {"Hashes", "SHA1=AB,MD5=8CF683B7D181591B91E145985F32664C,IMPHASH=00", NULL, 10},
	    {"file.hash.sha256", "4A0688BAF9661D3737EE82F8992A0A665732C91704F28688F643115648C107D4", NULL, 11},
	    {"Hashes", "IMPHASH=8CF683B7D181591B91E145985F32664C", NULL, 0},
	    {"CommandLine", "certutil 8cf683b7d181591b91e145985f32664c", NULL, 0},
	    {"message", "4a0688baf9661d3737ee82f8992a0a665732c91704f28688f643115648c107d4", NULL, 0},
	    {"Image", "C:\\Users\\x\\AppData\\3z4wng9603it23y.EXE", NULL, 12},
	    {"TargetFilename", "C:\\x\\3z4wng9603it23y.exe.bak", NULL, 0},
	    {"user_agent.original", "Mozilla/4.0 (compatible; MSIE 8.0; Win32)", NULL, 13},
	    {"cs(User-Agent)", "Mozilla/4.0+(compatible;+MSIE+8.0;+Win32)", NULL, 13},
	    {"user_agent.original", "Mozilla/4.0 (compatible; MSIE 8.0; Win32) extra", NULL, 0},
	    {"CommandLine", "rundll32.exe c:\\x.dll,MyStart", NULL, 14},
	    {"message", "rundll32.exe c:\\x.dll,MyStart", NULL, 0},
	    {"TargetFilename", "C:\\ProgramData\\Microsoft\\~svc_.tmp", NULL, 15},
	    {"TargetFilename", "C:\\ProgramData\\Microsoft\\svc_.tmp", NULL, 0},
	    {"dns.question.name", "expired.example", "2024-03-01T00:00:00Z", 0},
	    {"dns.question.name", "expired.example", "2019-06-01T00:00:00Z", 16},
	    {"dns.question.name", "expired.example", "2018-06-01T00:00:00Z", 0},
	    {"tls.serial", "0C:39:B8:D2:7F:7B:E8:C7:28:E4:86:BE:14:4E:A9:D0", NULL, 17},
	};
	spoor_ctx *ctx = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	assert_int_equal(spoor_ctx_new(&ctx, &co, NULL), 0);
	spoor_intel *in = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_intel_new(&in, NULL, &d), 0);
	assert_int_equal(spoor_intel_load_mem(in, "iocs.csv", intel_csv, strlen(intel_csv), &d), 0);
	spoor_intel_stats st;
	assert_int_equal(spoor_intel_stats_get(in, &st), 0);
	assert_int_equal(st.objects, 16);
	assert_int_equal(st.unsupported, 1); /* the registry row, listed */
	spoor_intel_issue is;
	assert_int_equal(spoor_intel_unsupported_at(in, 0, &is), 0);
	assert_non_null(memmem(is.why.p, is.why.n, "registry", 8));
	spoor_stage *stg = NULL;
	assert_int_equal(spoor_intel_stage_new(&stg, in, ctx, &d), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		collect c;
		int n = run1(stg, ctx, cases[i].field, cases[i].value, cases[i].iso, &c);
		char want[64];
		snprintf(want, sizeof(want), "iocs.csv:%d", cases[i].line);
		if (!cases[i].line && n)
			fail_msg("case %zu (%s=%s): unexpected %s", i, cases[i].field, cases[i].value, c.ids[0]);
		bool found = false;
		for (int k = 0; k < n && k < 8; k++)
			found |= !strcmp(c.ids[k], want);
		if (cases[i].line && !found)
			fail_msg("case %zu (%s=%s): %d findings, first %s, expected %s", i, cases[i].field,
				 cases[i].value, n, n ? c.ids[0] : "-", want);
	}
	/* the alert names the group of the CSV row and the matched field */
	collect c;
	assert_int_equal(run1(stg, ctx, "source.ip", "198.51.100.7", NULL, &c), 1);
	assert_non_null(strstr(c.json, "\"threat.group.name\":[\"APT-X\"]"));
	assert_non_null(strstr(c.json, "\"threat.enrichments.matched.field\":\"source.ip\""));
	assert_non_null(strstr(c.json, "\"threat.indicator.confidence\":90"));
	spoor_stage_free(stg);
	spoor_intel_free(in);
	spoor_ctx_free(ctx);
}

/* ---- STIX ---- */

static const char bundle[] =
    "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":["
    "{\"type\":\"intrusion-set\",\"spec_version\":\"2.1\",\"id\":\"intrusion-set--g\",\"name\":\"BlackTech\","
    "\"aliases\":[\"Palmerworm\"],\"external_references\":[{\"source_name\":\"mitre-attack\",\"external_id\":\"G0098\"}]},"
    "{\"type\":\"malware\",\"spec_version\":\"2.1\",\"id\":\"malware--m\",\"name\":\"PLEAD\",\"is_family\":true,"
    "\"external_references\":[{\"source_name\":\"mitre-attack\",\"external_id\":\"S0435\"}]},"
    "{\"type\":\"attack-pattern\",\"spec_version\":\"2.1\",\"id\":\"attack-pattern--t\",\"name\":\"Web Protocols\","
    "\"external_references\":[{\"source_name\":\"mitre-attack\",\"external_id\":\"T1071.001\"}]},"
    "{\"type\":\"relationship\",\"id\":\"relationship--1\",\"relationship_type\":\"uses\",\"source_ref\":\"intrusion-set--g\",\"target_ref\":\"malware--m\"},"
    "{\"type\":\"relationship\",\"id\":\"relationship--2\",\"relationship_type\":\"uses\",\"source_ref\":\"malware--m\",\"target_ref\":\"attack-pattern--t\"},"
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--or\",\"pattern_type\":\"stix\","
    "\"pattern\":\"[ipv4-addr:value = '192.0.2.1' OR domain-name:value = 'c2.evil.example']\",\"valid_from\":\"2020-01-01T00:00:00Z\"},"
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--and\",\"pattern_type\":\"stix\","
    "\"pattern\":\"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:name = 'x.exe']\","
    "\"valid_from\":\"2020-01-01T00:00:00Z\"},"
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--old\",\"pattern_type\":\"stix\","
    "\"pattern\":\"[url:value = 'http://old.example/x']\",\"valid_from\":\"2020-01-01T00:00:00Z\",\"valid_until\":\"2021-01-01T00:00:00Z\"},"
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--cidr\",\"pattern_type\":\"stix\","
    "\"pattern\":\"[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value ISSUBSET '198.51.100.0/25']\"},"
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--in\",\"pattern_type\":\"stix\","
    "\"pattern\":\"[email-addr:value IN ('a@evil.example', 'b@evil.example')]\"},"
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--2and\",\"pattern_type\":\"stix\","
    "\"pattern\":\"[(ipv4-addr:value = '192.0.2.50' AND email-addr:value = 'x@a.example') OR (ipv4-addr:value = '192.0.2.51' AND email-addr:value = 'y@b.example')]\"},"
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--seq\",\"pattern_type\":\"stix\","
    "\"pattern\":\"[file:name = 'a'] FOLLOWEDBY [file:name = 'b']\"},"
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--mime\",\"pattern_type\":\"stix\","
    "\"pattern\":\"[file:mime_type = 'application/x-pdf']\"},"
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--bad\",\"pattern_type\":\"stix\","
    "\"pattern\":\"[ipv4-addr:value = \"},"
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--sigma\",\"pattern_type\":\"sigma\","
    "\"pattern\":\"title: x\"},"
    "{\"type\":\"relationship\",\"id\":\"relationship--3\",\"relationship_type\":\"indicates\",\"source_ref\":\"indicator--or\",\"target_ref\":\"malware--m\"}"
    "]}";

static void test_stix(void **state)
{
	(void)state;
	spoor_ctx *ctx = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	assert_int_equal(spoor_ctx_new(&ctx, &co, NULL), 0);
	spoor_intel *in = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_intel_new(&in, NULL, &d), 0);
	assert_int_equal(spoor_intel_load_mem(in, "b.json", bundle, strlen(bundle), &d), 0);
	spoor_intel_stats st;
	assert_int_equal(spoor_intel_stats_get(in, &st), 0);
	/* or (2 atoms), and (2), old (1), cidr (1), in (2), 2and (4) */
	assert_int_equal(st.atoms, 12);
	assert_int_equal(st.groups, 1);
	assert_int_equal(st.software, 1);
	assert_int_equal(st.techniques, 1);
	/* seq, mime, bad syntax, sigma pattern type: each listed with a reason */
	assert_int_equal(spoor_intel_unsupported_count(in), 4);
	const char *why[] = {"FOLLOWEDBY", "no event field", "pattern syntax", "pattern_type sigma"};
	for (size_t i = 0; i < 4; i++) {
		spoor_intel_issue is;
		assert_int_equal(spoor_intel_unsupported_at(in, i, &is), 0);
		if (!memmem(is.why.p, is.why.n, why[i], strlen(why[i])))
			fail_msg("issue %zu: %.*s", i, (int)is.why.n, is.why.p);
	}
	spoor_stage *stg = NULL;
	assert_int_equal(spoor_intel_stage_new(&stg, in, ctx, &d), 0);
	collect c;
	/* OR: either value; the alert names the malware, its group, its technique */
	assert_int_equal(run1(stg, ctx, "dns.question.name", "c2.evil.example", "2024-01-01T00:00:00Z", &c), 1);
	assert_string_equal(c.ids[0], "indicator--or");
	assert_non_null(strstr(c.json, "\"threat.group.name\":[\"BlackTech\"]"));
	assert_non_null(strstr(c.json, "\"threat.software.id\":[\"S0435\"]"));
	assert_non_null(strstr(c.json, "\"threat.technique.id\":[\"T1071.001\"]"));
	assert_int_equal(run1(stg, ctx, "destination.ip", "192.0.2.1", "2024-01-01T00:00:00Z", &c), 1);
	/* before valid_from */
	assert_int_equal(run1(stg, ctx, "destination.ip", "192.0.2.1", "2019-01-01T00:00:00Z", &c), 0);
	/* AND: one term alone is not enough */
	assert_int_equal(run1(stg, ctx, "file.name", "x.exe", NULL, &c), 0);
	assert_int_equal(
	    run1(stg, ctx, "file.hash.sha256", "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f", NULL, &c),
	    0);
	spoor_event ev;
	assert_int_equal(event_init(&ev, ctx), 0);
	event_add(&ev, field_intern(&ctx->ft, "file.hash.sha256", 16), SPOOR_VT_STR,
		  SPOOR_SV("aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"), 0);
	event_add(&ev, field_intern(&ctx->ft, "TargetFilename", 14), SPOOR_VT_STR, SPOOR_SV("C:\\t\\X.EXE"), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(spoor_stage_event(stg, &ev, on_f, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ids[0], "indicator--and");
	event_done(&ev);
	/* (A AND B) OR (C AND D): A with D is neither */
	for (int k = 0; k < 2; k++) {
		assert_int_equal(event_init(&ev, ctx), 0);
		event_add(&ev, F_SOURCE_IP, SPOOR_VT_STR, k ? SPOOR_SV("192.0.2.51") : SPOOR_SV("192.0.2.50"), 0);
		event_add(&ev, F_EMAIL_FROM_ADDRESS, SPOOR_VT_STR, SPOOR_SV("y@b.example"), 0);
		memset(&c, 0, sizeof(c));
		assert_int_equal(spoor_stage_event(stg, &ev, on_f, &c), 0);
		assert_int_equal(c.n, k);
		event_done(&ev);
	}
	/* valid_until */
	assert_int_equal(run1(stg, ctx, "url.original", "http://old.example/x", "2020-06-01T00:00:00Z", &c), 1);
	assert_int_equal(run1(stg, ctx, "url.original", "http://old.example/x", "2022-06-01T00:00:00Z", &c), 0);
	/* ISSUBSET: a /25 */
	assert_int_equal(run1(stg, ctx, "destination.ip", "198.51.100.127", NULL, &c), 1);
	assert_int_equal(run1(stg, ctx, "destination.ip", "198.51.100.128", NULL, &c), 0);
	/* IN */
	assert_int_equal(run1(stg, ctx, "email.from.address", "B@evil.example", NULL, &c), 1);
	/* sightings export names the STIX indicator */
	char *text = NULL;
	size_t tn = 0;
	assert_int_equal(spoor_intel_stage_export(stg, "stix", &text, &tn, &d), 0);
	assert_non_null(strstr(text, "\"sighting_of_ref\":\"indicator--or\""));
	cJSON *j = cJSON_ParseWithLength(text, tn);
	assert_non_null(j);
	cJSON_Delete(j);
	free(text);
	assert_int_equal(spoor_intel_stage_export(stg, "misp", &text, &tn, &d), 0);
	j = cJSON_ParseWithLength(text, tn);
	assert_non_null(j);
	assert_true(cJSON_IsArray(j));
	cJSON_Delete(j);
	free(text);
	/* show */
	spoor_sv t;
	assert_int_equal(spoor_intel_show(in, "palmerworm", &t), 0);
	assert_non_null(memmem(t.p, t.n, "software: PLEAD (S0435)", 23));
	assert_int_equal(spoor_intel_show(in, "nobody", &t), SPOOR_ENOTFOUND);
	/* attribution of another engine's alert: by tag, by technique */
	const char *tech[] = {"T1071.001"};
	spoor_finding f = {.rule_id = "r1", .rule_name = "x", .ruleset = "sigma", .json = SPOOR_SV("{\"rule.id\":\"r1\"}\n")};
	spoor_sv js;
	const char *tags[] = {"attack.g0098"};
	assert_int_equal(spoor_intel_attribute(in, &f, tags, 1, &js), 1);
	assert_non_null(memmem(js.p, js.n, "\"threat.group.name\":[\"BlackTech\"]", 33));
	assert_non_null(memmem(js.p, js.n, "\"spoor.attribution\":\"rule-tag\"", 30));
	f.techniques = tech;
	f.ntechniques = 1;
	assert_int_equal(spoor_intel_attribute(in, &f, NULL, 0, &js), 1);
	assert_non_null(memmem(js.p, js.n, "\"threat.software.name\":[\"PLEAD\"]", 32));
	f.ntechniques = 0;
	assert_int_equal(spoor_intel_attribute(in, &f, NULL, 0, &js), 0);
	spoor_stage_free(stg);
	spoor_intel_free(in);
	spoor_ctx_free(ctx);
}

/* ---- MISP ---- */

static const char misp_event[] =
    "{\"Event\":{\"uuid\":\"e1\",\"info\":\"test\",\"Orgc\":{\"name\":\"CERT-X\"},"
    "\"Tag\":[{\"name\":\"tlp:green\"},{\"name\":\"misp-galaxy:threat-actor=\\\"Canary Typhoon\\\"\"}],"
    "\"Attribute\":["
    "{\"uuid\":\"a1\",\"type\":\"ip-dst|port\",\"value\":\"192.0.2.9|443\",\"to_ids\":true},"
    "{\"uuid\":\"a2\",\"type\":\"domain\",\"value\":\"x.example\",\"to_ids\":false},"
    "{\"uuid\":\"a3\",\"type\":\"link\",\"value\":\"https://blog.example/\",\"to_ids\":false},"
    "{\"uuid\":\"a4\",\"type\":\"filename|sha1\",\"value\":\"a.exe|2d093897b3057c8e5d5d5705016a7010730833e4\",\"to_ids\":true},"
    "{\"uuid\":\"a5\",\"type\":\"mutex\",\"value\":\"m\",\"to_ids\":true},"
    "{\"uuid\":\"a6\",\"type\":\"md5\",\"value\":\"not-a-hash\",\"to_ids\":true}"
    "],\"Object\":[{\"name\":\"file\",\"Attribute\":["
    "{\"uuid\":\"o1\",\"type\":\"sha256\",\"value\":\"4a0688baf9661d3737ee82f8992a0a665732c91704f28688f643115648c107d4\",\"to_ids\":true,"
    "\"Tag\":[{\"name\":\"misp-galaxy:mitre-malware=\\\"Taidoor - S0011\\\"\"}]}"
    "]}]}}";

static void test_misp(void **state)
{
	(void)state;
	spoor_ctx *ctx = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	assert_int_equal(spoor_ctx_new(&ctx, &co, NULL), 0);
	spoor_intel *in = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_intel_new(&in, NULL, &d), 0);
	assert_int_equal(spoor_intel_load_mem(in, "e.json", misp_event, strlen(misp_event), &d), 0);
	spoor_intel_stats st;
	assert_int_equal(spoor_intel_stats_get(in, &st), 0);
	assert_int_equal(st.by_type[IOC_IPV4], 1);
	assert_int_equal(st.by_type[IOC_SHA1], 1);
	assert_int_equal(st.by_type[IOC_SHA256], 1);
	assert_int_equal(st.not_ids, 1);
	assert_int_equal(st.context, 1);
	assert_int_equal(st.unsupported, 2); /* mutex, bad md5 */
	spoor_stage *stg = NULL;
	assert_int_equal(spoor_intel_stage_new(&stg, in, ctx, &d), 0);
	collect c;
	assert_int_equal(run1(stg, ctx, "destination.ip", "192.0.2.9", NULL, &c), 1);
	assert_string_equal(c.ids[0], "a1");
	assert_non_null(strstr(c.json, "\"threat.group.name\":[\"Canary Typhoon\"]"));
	assert_non_null(strstr(c.json, "\"threat.indicator.provider\":\"CERT-X\""));
	assert_int_equal(run1(stg, ctx, "dns.question.name", "x.example", NULL, &c), 0); /* to_ids false */
	assert_int_equal(run1(stg, ctx, "Hashes", "SHA256=4A0688BAF9661D3737EE82F8992A0A665732C91704F28688F643115648C107D4", NULL, &c), 1);
	assert_non_null(strstr(c.json, "\"threat.software.name\":[\"Taidoor\"]"));
	spoor_stage_free(stg);
	spoor_intel_free(in);
	/* ignore_to_ids */
	spoor_intel_options o = SPOOR_INTEL_OPTIONS_INIT;
	o.ignore_to_ids = true;
	assert_int_equal(spoor_intel_new(&in, &o, &d), 0);
	assert_int_equal(spoor_intel_load_mem(in, "e.json", misp_event, strlen(misp_event), &d), 0);
	assert_int_equal(spoor_intel_stage_new(&stg, in, ctx, &d), 0);
	assert_int_equal(run1(stg, ctx, "dns.question.name", "x.example", NULL, &c), 1);
	spoor_stage_free(stg);
	spoor_intel_free(in);
	spoor_ctx_free(ctx);
}

/* ---- bad input is data ---- */

static void test_bad_input(void **state)
{
	(void)state;
	spoor_intel *in = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	spoor_intel_options o = SPOOR_INTEL_OPTIONS_INIT;
	o.max_depth = 8;
	assert_int_equal(spoor_intel_new(&in, &o, &d), 0);
	const char *trunc = "{\"type\":\"bundle\",\"objects\":[{\"type\":\"indicator\"";
	assert_int_equal(spoor_intel_load_mem(in, "t.json", trunc, strlen(trunc), &d), SPOOR_EPARSE);
	assert_non_null(strstr(d.msg, "t.json"));
	const char *deep = "[[[[[[[[[[[[1]]]]]]]]]]]]";
	d = (spoor_diag)SPOOR_DIAG_INIT;
	assert_int_equal(spoor_intel_load_mem(in, "d.json", deep, strlen(deep), &d), SPOOR_ELIMIT);
	const char *junk = "hello world\nthis is prose\n";
	d = (spoor_diag)SPOOR_DIAG_INIT;
	assert_int_equal(spoor_intel_load_mem(in, "j.txt", junk, strlen(junk), &d), SPOOR_EPARSE);
	/* a plain list with a bad line: the line is listed, the rest loads */
	const char *list = "# feed\n192.0.2.1\nevil.example # c2\nhttp://x.example/a\nnot an indicator\n";
	assert_int_equal(spoor_intel_load_mem(in, "l.txt", list, strlen(list), &d), 0);
	spoor_intel_stats st;
	assert_int_equal(spoor_intel_stats_get(in, &st), 0);
	assert_int_equal(st.atoms, 3);
	assert_int_equal(st.unsupported, 1);
	/* a file of STIX patterns named directly (not JSON although it starts with '[') */
	const char *pats = "[ipv4-addr:value = '192.0.2.77']\n[file:mime_type = 'x']\n";
	assert_int_equal(spoor_intel_load_mem(in, "p.txt", pats, strlen(pats), &d), 0);
	/* a JSON array of STIX objects */
	const char *arr = "[{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--a\","
			  "\"pattern\":\"[domain-name:value = 'arr.example']\",\"pattern_type\":\"stix\"}]";
	assert_int_equal(spoor_intel_load_mem(in, "a.json", arr, strlen(arr), &d), 0);
	assert_int_equal(spoor_intel_stats_get(in, &st), 0);
	assert_int_equal(st.atoms, 5);
	assert_int_equal(st.unsupported, 2);
	/* the indicator limit */
	spoor_intel_free(in);
	o = (spoor_intel_options)SPOOR_INTEL_OPTIONS_INIT;
	o.max_indicators = 2;
	assert_int_equal(spoor_intel_new(&in, &o, &d), 0);
	assert_int_equal(spoor_intel_load_mem(in, "l.txt", list, strlen(list), &d), SPOOR_ELIMIT);
	spoor_intel_free(in);
}

/* ---- the shared data: counts equal the files' own ---- */

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long l = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)l + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)l, f), (size_t)l);
	b[l] = 0;
	fclose(f);
	*n = (size_t)l;
	return b;
}

static size_t count_type(cJSON *bundle_json, const char *type)
{
	size_t n = 0;
	cJSON *o;
	cJSON_ArrayForEach(o, cJSON_GetObjectItem(bundle_json, "objects"))
	{
		cJSON *t = cJSON_GetObjectItem(o, "type");
		if (cJSON_IsString(t) && !strcmp(t->valuestring, type))
			n++;
	}
	return n;
}

static void test_shared_data(void **state)
{
	(void)state;
	const char *shared = getenv("SPOOR_SHARED_DATA");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/intel", shared ? shared : "");
	FILE *probe = shared ? fopen(dir, "r") : NULL;
	if (!probe) {
		printf("test-intel: SPOOR_SHARED_DATA unset or without intel/ (%s); skipping\n", dir);
		skip();
	}
	fclose(probe);
	spoor_intel *in = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_intel_new(&in, NULL, &d), 0);
	if (spoor_intel_load(in, dir, &d) < 0)
		fail_msg("%s", d.msg);
	/* the oracle: the files, read here without spoor */
	char p[4200];
	size_t n;
	snprintf(p, sizeof(p), "%s/iocs/blacktech_taidoor_indicators_stix21.json", dir);
	char *b = slurp(p, &n);
	cJSON *iocs = cJSON_Parse(b);
	free(b);
	size_t stix_ind = count_type(iocs, "indicator");
	cJSON_Delete(iocs);
	snprintf(p, sizeof(p), "%s/mitre-attack/blacktech_taidoor_attack_stix21.json", dir);
	b = slurp(p, &n);
	cJSON *att = cJSON_Parse(b);
	free(b);
	snprintf(p, sizeof(p), "%s/iocs/blacktech_taidoor_iocs.csv", dir);
	b = slurp(p, &n);
	size_t csv_rows = 0;
	for (size_t i = 0; i < n; i++)
		csv_rows += b[i] == '\n';
	csv_rows -= 1; /* header */
	free(b);
	snprintf(p, sizeof(p), "%s/misp-feed-sample/57c4445b-c548-4654-af0b-4be3950d210f.json", dir);
	b = slurp(p, &n);
	cJSON *ev = cJSON_Parse(b);
	free(b);
	size_t misp_ids = 0, misp_all = 0;
	cJSON *a;
	cJSON_ArrayForEach(a, cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "Event"), "Attribute"))
	{
		misp_all++;
		misp_ids += cJSON_IsTrue(cJSON_GetObjectItem(a, "to_ids"));
	}
	cJSON_Delete(ev);

	int seen = 0;
	for (size_t i = 0; i < spoor_intel_source_count(in); i++) {
		spoor_intel_source s;
		assert_int_equal(spoor_intel_source_at(in, i, &s), 0);
		if (strstr(s.path, "iocs/blacktech_taidoor_indicators_stix21.json")) {
			assert_int_equal(s.objects, stix_ind);
			assert_int_equal(s.atoms, stix_ind);
			assert_int_equal(s.unsupported, 0);
			seen |= 1;
		} else if (strstr(s.path, "blacktech_taidoor_iocs.csv")) {
			assert_int_equal(s.objects, csv_rows);
			assert_int_equal(s.atoms, csv_rows);
			seen |= 2;
		} else if (strstr(s.path, "57c4445b")) {
			/* to_ids attributes: loaded, or listed when spoor has no field (regkey|value) */
			assert_int_equal(s.atoms + s.unsupported, misp_ids);
			seen |= 4;
		} else if (strstr(s.path, "v21_spec_examples.txt")) {
			/* every pattern of the corpus is either loaded or listed */
			assert_int_equal(s.objects, 23);
			assert_true(s.unsupported >= 15);
			seen |= 8;
		}
	}
	assert_int_equal(seen, 15);
	spoor_intel_stats st;
	assert_int_equal(spoor_intel_stats_get(in, &st), 0);
	assert_int_equal(st.context, misp_all - misp_ids);
	/* ATT&CK: every group, software and technique is known (galaxies merge
	 * into them by name), and BlackTech's software is linked */
	assert_true(st.techniques >= count_type(att, "attack-pattern"));
	assert_true(st.groups >= count_type(att, "intrusion-set"));
	assert_true(st.software >= count_type(att, "malware") + count_type(att, "tool"));
	cJSON_Delete(att);
	spoor_sv t;
	assert_int_equal(spoor_intel_show(in, "G0098", &t), 0);
	assert_non_null(memmem(t.p, t.n, "TSCookie (S0436)", 16));
	assert_non_null(memmem(t.p, t.n, "Waterbear (S0579)", 17));
	assert_non_null(memmem(t.p, t.n, "Palmerworm", 10));
	assert_int_equal(spoor_intel_show(in, "Canary Typhoon", &t), 0); /* a galaxy synonym */
	spoor_intel_free(in);
}

/* ---- the built-in pack ---- */

static void test_builtin(void **state)
{
	(void)state;
	spoor_intel *in = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_intel_new(&in, NULL, &d), 0);
	assert_int_equal(spoor_intel_load(in, "@builtin", &d), 0);
	spoor_intel_stats st;
	assert_int_equal(spoor_intel_stats_get(in, &st), 0);
	assert_true(st.atoms > 50);
	assert_int_equal(st.unsupported, 0);
	assert_int_equal(st.techniques, 0); /* by design: no attribution by technique by default */
	spoor_sv t;
	assert_int_equal(spoor_intel_show(in, "Palmerworm", &t), 0);
	assert_non_null(memmem(t.p, t.n, "PLEAD (S0435)", 13));
	/* every indicator says where it comes from */
	for (size_t i = 0; i < in->objs.n; i++)
		assert_true(in->objs.v[i].name.n > 0);
	spoor_intel_free(in);
	/* the embedded bytes are intel/blacktech-taidoor.json (scripts/make-intel-pack.py) */
	const char *src = getenv("SPOOR_SRC");
	if (src) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/intel/blacktech-taidoor.json", src);
		FILE *f = fopen(p, "rb");
		assert_non_null(f);
		fclose(f);
		size_t n;
		char *b = slurp(p, &n);
		assert_int_equal(n, intel_pack_len);
		assert_memory_equal(b, intel_pack_json, n);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_norm),      cmocka_unit_test(test_radix),       cmocka_unit_test(test_match_table), cmocka_unit_test(test_stix),
	    cmocka_unit_test(test_misp),      cmocka_unit_test(test_bad_input),   cmocka_unit_test(test_shared_data),
	    cmocka_unit_test(test_builtin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
