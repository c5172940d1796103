/* Unit tests: which events a rule's logsource selects (logsources.def),
 * and the value encodings and glob matcher underneath the modifiers. */
#include "unit.h"

#include <stdlib.h>

#include "base/buf.h"
#include "detect/sigma/sigma-int.h"
#include "event/event-int.h"
#include "event/field.h"

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

typedef struct lcase {
	const char *name;
	const char *ls; /* YAML flow map */
	const char *product, *service, *category, *channel;
	const char *eid, *etype;
	int expect;
	const char *xf, *xv; /* one more event field */
	const char *map;     /* a user logsource map (YAML) */
} lcase;

/* With cache: the rule's selector is interned there; *keep receives the
 * map (freed by the caller after the cache, whose keys name it). */
static int run_in(const lcase *c, sigma_ls_cache *cache, sigma_lsmap **keep)
{
	buf y;
	buf_init(&y, 0);
	buf_printf(&y, "title: t\nlogsource: %s\ndetection:\n  s:\n    A: x\n  condition: s\n", c->ls);
	sigma_file *f = NULL;
	assert_int_equal(sigma_file_load(&f, "t.yml", y.p, y.len, NULL, NULL), 0);
	buf_done(&y);
	assert_int_equal(f->n, 1);
	spoor_diag d = SPOOR_DIAG_INIT;
	sigma_lsmap *map = NULL;
	if (c->map) {
		if (sigma_lsmap_load(&map, "map.yml", c->map, strlen(c->map), &d) < 0)
			fail_msg("case '%s': map: %s", c->name, d.msg);
		f->rules[0]->lsmap = map;
	}
	f->rules[0]->lscache = cache;
	assert_int_equal(sigma_compile(f->rules[0], &ctx->ft, &d), 0);
	spoor_event ev;
	assert_int_equal(event_init(&ev, ctx), 0);
	if (c->xf)
		event_add(&ev, field_intern(&ctx->ft, c->xf, strlen(c->xf)), SPOOR_VT_STR, sv_cstr(c->xv), 0);
	ev.ls.product = sv_cstr(c->product);
	ev.ls.service = sv_cstr(c->service);
	ev.ls.category = sv_cstr(c->category);
	ev.ls.channel = sv_cstr(c->channel);
	event_add(&ev, field_intern(&ctx->ft, "A", 1), SPOOR_VT_STR, sv_cstr("x"), 0);
	if (c->eid)
		event_add(&ev, F_WIN_EVENT_ID, SPOOR_VT_NUM, sv_cstr(c->eid), 0);
	if (c->etype)
		event_add(&ev, field_intern(&ctx->ft, "EventType", 9), SPOOR_VT_STR, sv_cstr(c->etype), 0);
	sigma_re_scratch *re = sigma_re_scratch_new();
	int r = sigma_match(f->rules[0]->plan, &ev, re, NULL, NULL);
	sigma_re_scratch_free(re);
	event_done(&ev);
	sigma_file_free(f);
	if (keep)
		*keep = map;
	else
		sigma_lsmap_free(map);
	return r;
}

static int run(const lcase *c)
{
	return run_in(c, NULL, NULL);
}

#define SYSMON "Microsoft-Windows-Sysmon/Operational"

static void test_logsources(void **state)
{
	(void)state;
	static const lcase cases[] = {
	    {"process_creation = Sysmon 1", "{product: windows, category: process_creation}", "windows", "sysmon", NULL,
	     SYSMON, "1", NULL, 1},
	    {"process_creation = Security 4688", "{product: windows, category: process_creation}", "windows",
	     "security", NULL, "Security", "4688", NULL, 1},
	    {"process_creation by channel alone", "{product: windows, category: process_creation}", "windows", NULL,
	     NULL, "Security", "4688", NULL, 1},
	    {"process_creation not Sysmon 3", "{product: windows, category: process_creation}", "windows", "sysmon",
	     NULL, SYSMON, "3", NULL, 0},
	    {"process_creation not System 1", "{product: windows, category: process_creation}", "windows", "system",
	     NULL, "System", "1", NULL, 0},
	    {"no EventID", "{product: windows, category: process_creation}", "windows", "sysmon", NULL, SYSMON, NULL,
	     NULL, 0},
	    {"registry_add needs CreateKey", "{product: windows, category: registry_add}", "windows", "sysmon", NULL,
	     SYSMON, "12", "SetValue", 0},
	    {"registry_add CreateKey", "{product: windows, category: registry_add}", "windows", "sysmon", NULL, SYSMON,
	     "12", "CreateKey", 1},
	    {"ps_script 4104", "{product: windows, category: ps_script}", "windows", NULL, NULL,
	     "Microsoft-Windows-PowerShell/Operational", "4104", NULL, 1},
	    {"service security = Channel Security", "{product: windows, service: security}", "windows", NULL, NULL,
	     "Security", "4624", NULL, 1},
	    {"service security not System", "{product: windows, service: security}", "windows", "system", NULL,
	     "System", "7045", NULL, 0},
	    {"service windefend by channel", "{product: windows, service: windefend}", "windows", NULL, NULL,
	     "Microsoft-Windows-Windows Defender/Operational", "1116", NULL, 1},
	    {"product mismatch", "{product: linux, service: auditd}", "windows", "auditd", NULL, NULL, NULL, NULL, 0},
	    {"unmapped service by the event's own service", "{product: linux, service: auditd}", "linux", "auditd",
	     NULL, NULL, NULL, NULL, 1},
	    {"unmapped category by the event's own category", "{category: proxy}", "", "", "proxy", NULL, NULL, NULL,
	     1},
	    {"unmapped category, event without one", "{category: proxy}", "", "", "", NULL, NULL, NULL, 0},
	    {"product required when the rule names one", "{product: windows, category: process_creation}", "", "", "",
	     SYSMON, "1", NULL, 0},
	    {"empty logsource selects nothing", "{definition: 'some text'}", "windows", "sysmon", NULL, SYSMON, "1",
	     NULL, 0},
	    {"case-insensitive names", "{product: Windows, service: Security}", "windows", NULL, NULL, "SECURITY",
	     "4624", NULL, 1},
	    /* Linux syslog services */
	    {"sshd", "{product: linux, service: sshd}", "linux", "sshd", NULL, NULL, NULL, NULL, 1},
	    {"syslog covers sshd lines", "{product: linux, service: syslog}", "linux", "sshd", NULL, NULL, NULL, NULL,
	     1},
	    {"syslog not windows", "{product: linux, service: syslog}", "windows", "security", NULL, "Security", NULL,
	     NULL, 0},
	    {"auth covers sudo", "{product: linux, service: auth}", "linux", "sudo", NULL, NULL, NULL, NULL, 1},
	    {"auth not postfix", "{product: linux, service: auth}", "linux", "postfix", NULL, NULL, NULL, NULL, 0},
	    {"vsftpd by program", "{product: linux, service: vsftpd}", "linux", "syslog", NULL, NULL, NULL, NULL, 1,
	     "process.name", "vsftpd"},
	    {"vsftpd not sshd's program", "{product: linux, service: vsftpd}", "linux", "syslog", NULL, NULL, NULL,
	     NULL, 0, "process.name", "sshd"},
	    {"clamav by program", "{product: linux, service: clamav}", "linux", "syslog", NULL, NULL, NULL, NULL, 1,
	     "process.name", "clamd"},
	    {"guacamole by program", "{product: linux, service: guacamole}", "linux", "syslog", NULL, NULL, NULL, NULL,
	     1, "process.name", "guacd"},
	    {"cron", "{product: linux, service: cron}", "linux", "cron", NULL, NULL, NULL, NULL, 1},
	    {"antivirus on ClamAV", "{category: antivirus}", "linux", "syslog", NULL, NULL, NULL, NULL, 1,
	     "process.name", "clamd"},
	    /* M365 and Entra */
	    {"m365 audit: any workload", "{product: m365, service: audit}", "m365", "sharepoint", NULL, NULL, NULL,
	     NULL, 1},
	    {"m365 audit not azure", "{product: m365, service: audit}", "azure", "auditlogs", NULL, NULL, NULL, NULL,
	     0},
	    {"threat_management = Security & Compliance", "{product: m365, service: threat_management}", "m365",
	     "securitycompliancecenter", NULL, NULL, NULL, NULL, 1},
	    {"threat_management not exchange", "{product: m365, service: threat_management}", "m365", "exchange", NULL,
	     NULL, NULL, NULL, 0},
	    {"signinlogs", "{product: azure, service: signinlogs}", "azure", "signinlogs", NULL, NULL, NULL, NULL, 1},
	    {"riskdetection needs riskEventType", "{product: azure, service: riskdetection}", "azure", "auditlogs",
	     NULL, NULL, NULL, NULL, 0},
	    {"riskdetection with riskEventType", "{product: azure, service: riskdetection}", "azure", "auditlogs", NULL,
	     NULL, NULL, NULL, 1, "riskEventType", "unfamiliarFeatures"},
	    {"pim = audit logs", "{product: azure, service: pim}", "azure", "auditlogs", NULL, NULL, NULL, NULL, 1},
	    /* network */
	    {"proxy on Zeek http", "{category: proxy}", "zeek", "http", NULL, NULL, NULL, NULL, 1},
	    {"proxy not Zeek dns", "{category: proxy}", "zeek", "dns", NULL, NULL, NULL, NULL, 0},
	    {"webserver on IIS", "{category: webserver}", "windows", "iis", "webserver", NULL, NULL, NULL, 1},
	    {"webserver on Zeek http", "{category: webserver}", "zeek", "http", NULL, NULL, NULL, NULL, 1},
	    {"dns on Suricata", "{category: dns}", "suricata", "dns", NULL, NULL, NULL, NULL, 1},
	    {"firewall on Zeek conn", "{category: firewall}", "zeek", "conn", NULL, NULL, NULL, NULL, 1},
	    {"netflow on Zeek conn", "{service: netflow}", "zeek", "conn", NULL, NULL, NULL, NULL, 1},
	    {"zeek service by log type", "{product: zeek, service: smb_files}", "zeek", "smb_files", NULL, NULL, NULL,
	     NULL, 1},
	    /* user maps */
	    {"map: a new service", "{product: linux, service: myapp}", "linux", "syslog", NULL, NULL, NULL, NULL, 1,
	     "process.name", "myappd",
	     "services:\n  - product: linux\n    service: myapp\n    events:\n      - {product: linux, fields: "
	     "{process.name: myappd}}\n"},
	    {"map: the new service, other program", "{product: linux, service: myapp}", "linux", "syslog", NULL, NULL,
	     NULL, NULL, 0, "process.name", "other",
	     "services:\n  - product: linux\n    service: myapp\n    events:\n      - {product: linux, fields: "
	     "{process.name: myappd}}\n"},
	    {"map: a category onto a channel", "{product: windows, category: process_creation}", "windows", NULL, NULL,
	     "Custom/EDR", "7", NULL, 1, NULL, NULL,
	     "categories:\n  - product: windows\n    category: process_creation\n    events:\n"
	     "      - {channel: Custom/EDR, fields: {EventID: 7}}\n"},
	    {"map: adds to the built-in rows", "{product: windows, category: process_creation}", "windows", "sysmon",
	     NULL, SYSMON, "1", NULL, 1, NULL, NULL,
	     "categories:\n  - {product: windows, category: process_creation, events: [{channel: Custom/EDR}]}\n"},
	    {"map: replace drops the built-in rows", "{product: windows, category: process_creation}", "windows",
	     "sysmon", NULL, SYSMON, "1", NULL, 0, NULL, NULL,
	     "replace: true\ncategories:\n  - {product: windows, category: process_creation, events: [{channel: "
	     "Custom/EDR}]}\n"},
	};
	int bad = 0;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int got = run(&cases[i]);
		if (got != cases[i].expect) {
			print_error("case '%s': got %d, expected %d\n", cases[i].name, got, cases[i].expect);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	/* the same cases with every selector interned in one cache (twice:
	 * the second round reuses the selectors of the first) */
	sigma_ls_cache *cache = sigma_ls_cache_new();
	assert_non_null(cache);
	sigma_lsmap *maps[2 * ARRAY_SIZE(cases)];
	for (size_t k = 0; k < 2 * ARRAY_SIZE(cases); k++) {
		const lcase *c = &cases[k % ARRAY_SIZE(cases)];
		int got = run_in(c, cache, &maps[k]);
		if (got != c->expect) {
			print_error("interned case '%s': got %d, expected %d\n", c->name, got, c->expect);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	assert_true(sigma_ls_cache_count(cache) < ARRAY_SIZE(cases));
	sigma_ls_cache_free(cache);
	for (size_t k = 0; k < 2 * ARRAY_SIZE(cases); k++)
		sigma_lsmap_free(maps[k]);
}

/* Rules with the same logsource (up to ASCII case) share one selector;
 * others do not; the cache outlives the plans and frees the selectors. */
static void test_logsource_interning(void **state)
{
	(void)state;
	static const char *const ls[] = {
	    "{product: windows, category: process_creation}", "{product: Windows, category: PROCESS_CREATION}",
	    "{product: windows, category: image_load}",	      "{category: process_creation}",
	    "{product: '', category: process_creation}",      "{product: windows, service: security}",
	    "{product: windows, category: process_creation}", "{product: windows, service: sysmon}",
	};
	buf y;
	buf_init(&y, 0);
	for (size_t i = 0; i < ARRAY_SIZE(ls); i++)
		buf_printf(&y, "---\ntitle: t%zu\nlogsource: %s\ndetection:\n  s:\n    Image: x\n  condition: s\n", i,
			   ls[i]);
	sigma_file *f = NULL;
	assert_int_equal(sigma_file_load(&f, "t.yml", y.p, y.len, NULL, NULL), 0);
	buf_done(&y);
	assert_int_equal(f->n, ARRAY_SIZE(ls));
	sigma_ls_cache *cache = sigma_ls_cache_new();
	assert_non_null(cache);
	spoor_diag d = SPOOR_DIAG_INIT;
	for (size_t i = 0; i < f->n; i++) {
		f->rules[i]->lscache = cache;
		assert_int_equal(sigma_compile(f->rules[i], &ctx->ft, &d), 0);
		assert_non_null(f->rules[i]->plan->ls);
	}
#define SEL(i) (f->rules[i]->plan->ls)
	assert_ptr_equal(SEL(0), SEL(1)); /* case folded */
	assert_ptr_equal(SEL(0), SEL(6));
	assert_ptr_not_equal(SEL(0), SEL(2));
	assert_ptr_not_equal(SEL(0), SEL(3)); /* no product */
	assert_ptr_not_equal(SEL(3), SEL(4)); /* empty product is not no product */
	assert_ptr_not_equal(SEL(0), SEL(4));
	assert_ptr_not_equal(SEL(5), SEL(7));
	assert_int_equal(sigma_ls_cache_count(cache), 6);
	/* an interned selector matches as one of the rule's own does */
	const char *own_y = "title: t\nlogsource: {product: WINDOWS, category: process_creation}\ndetection:\n"
			    "  s:\n    Image: x\n  condition: s\n";
	sigma_file *g = NULL;
	assert_int_equal(sigma_file_load(&g, "t.yml", own_y, strlen(own_y), NULL, NULL), 0);
	assert_int_equal(sigma_compile(g->rules[0], &ctx->ft, &d), 0);
	assert_ptr_not_equal(g->rules[0]->plan->ls, SEL(0));
	sigma_re_scratch *re = sigma_re_scratch_new();
	static const char *const eids[] = {"1", "3", "4688"};
	static const char *const chans[] = {"Microsoft-Windows-Sysmon/Operational", "Security", "System"};
	for (size_t a = 0; a < ARRAY_SIZE(eids); a++)
		for (size_t b = 0; b < ARRAY_SIZE(chans); b++)
			for (int prod = 0; prod < 2; prod++) {
				spoor_event ev;
				assert_int_equal(event_init(&ev, ctx), 0);
				ev.ls.product = prod ? SPOOR_SV("windows") : SPOOR_SV("linux");
				ev.ls.channel = sv_cstr(chans[b]);
				event_add(&ev, F_WIN_EVENT_ID, SPOOR_VT_NUM, sv_cstr(eids[a]), 0);
				event_add(&ev, field_intern(&ctx->ft, "Image", 5), SPOOR_VT_STR, SPOOR_SV("x"), 0);
				bool own = sigma_match(g->rules[0]->plan, &ev, re, NULL, NULL);
				assert_int_equal(sigma_match(f->rules[1]->plan, &ev, re, NULL, NULL), own);
				assert_int_equal(own, prod && ((a == 0 && b == 0) || (a == 2 && b == 1)));
				event_done(&ev);
			}
	sigma_re_scratch_free(re);
#undef SEL
	sigma_file_free(g);
	sigma_file_free(f);
	sigma_ls_cache_free(cache);
}

/* Security 4688 carries NewProcessName / ParentProcessName where Sysmon 1
 * carries Image / ParentImage (thor.yml fieldmappings). */
static void test_field_mapping(void **state)
{
	(void)state;
	const char *y = "title: t\nlogsource: {product: windows, category: process_creation}\ndetection:\n"
			"  s:\n    Image|endswith: '\\cmd.exe'\n    ParentImage|endswith: '\\explorer.exe'\n"
			"  condition: s\n";
	sigma_file *f = NULL;
	assert_int_equal(sigma_file_load(&f, "t.yml", y, strlen(y), NULL, NULL), 0);
	assert_int_equal(f->n, 1);
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(sigma_compile(f->rules[0], &ctx->ft, &d), 0);
	sigma_re_scratch *re = sigma_re_scratch_new();
	for (int variant = 0; variant < 3; variant++) {
		spoor_event ev;
		assert_int_equal(event_init(&ev, ctx), 0);
		ev.ls.product = SPOOR_SV("windows");
		ev.ls.channel = SPOOR_SV("Security");
		event_add(&ev, F_WIN_EVENT_ID, SPOOR_VT_NUM, SPOOR_SV("4688"), 0);
		event_add(&ev, field_intern(&ctx->ft, "NewProcessName", 14), SPOOR_VT_STR,
			  SPOOR_SV("C:\\Windows\\System32\\cmd.exe"), 0);
		if (variant < 2)
			event_add(&ev, field_intern(&ctx->ft, "ParentProcessName", 17), SPOOR_VT_STR,
				  SPOOR_SV("C:\\Windows\\explorer.exe"), 0);
		if (variant == 1) /* a present Image wins over the mapped name */
			event_add(&ev, field_intern(&ctx->ft, "Image", 5), SPOOR_VT_STR, SPOOR_SV("x.exe"), 0);
		uint32_t hits[SIGMA_MAX_HITS];
		size_t nh = 0;
		bool m = sigma_match(f->rules[0]->plan, &ev, re, hits, &nh);
		assert_int_equal(m, variant == 0);
		if (variant == 0) {
			assert_int_equal(nh, 2);
			assert_sv_equal(field_name(&ctx->ft, hits[0]), "NewProcessName");
		}
		event_done(&ev);
	}
	sigma_re_scratch_free(re);
	sigma_file_free(f);
}

static char *show(const sstr *s)
{
	static char out[512];
	size_t o = 0;
	for (size_t i = 0; i < s->n && o + 5 < sizeof(out); i++) {
		if (s->w[i])
			out[o++] = s->w[i] == SW_STAR ? '*' : '?';
		else if ((unsigned char)s->b[i] < 0x20 || (unsigned char)s->b[i] >= 0x7f)
			o += (size_t)snprintf(out + o, 5, "\\x%02x", (unsigned char)s->b[i]);
		else
			out[o++] = s->b[i];
	}
	out[o] = 0;
	return out;
}

/* A map file's field names, and its errors (with line:col). */
static void test_map_fields_errors(void **state)
{
	(void)state;
	const char *m = "services:\n  - service: myapp\n    events: [{service: myapp}]\n    fields:\n"
			"      src: source.ip\n";
	sigma_lsmap *map = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(sigma_lsmap_load(&map, "map.yml", m, strlen(m), &d), 0);
	const char *y = "title: t\nlogsource: {service: myapp}\ndetection:\n  s:\n    src|cidr: 10.0.0.0/8\n"
			"  condition: s\n";
	sigma_file *f = NULL;
	assert_int_equal(sigma_file_load(&f, "t.yml", y, strlen(y), NULL, NULL), 0);
	f->rules[0]->lsmap = map;
	assert_int_equal(sigma_compile(f->rules[0], &ctx->ft, &d), 0);
	spoor_event ev;
	assert_int_equal(event_init(&ev, ctx), 0);
	ev.ls.service = SPOOR_SV("myapp");
	event_add(&ev, F_SOURCE_IP, SPOOR_VT_STR, SPOOR_SV("10.1.2.3"), 0);
	sigma_re_scratch *re = sigma_re_scratch_new();
	assert_true(sigma_match(f->rules[0]->plan, &ev, re, NULL, NULL));
	sigma_re_scratch_free(re);
	event_done(&ev);
	sigma_file_free(f);
	sigma_lsmap_free(map);

	static const struct {
		const char *text;
		unsigned line;
		const char *msg;
	} bad[] = {
	    {"services:\n  - service: x\n    events: [{}]\n", 3, "empty event selection"},
	    {"services:\n  - product: linux\n", 2, "without 'service'"},
	    {"nonsense: 1\n", 1, "unknown key"},
	    {"categories:\n  - category: c\n    events: [{chanel: X}]\n", 3, "unknown key"},
	    {"replace: maybe\n", 1, "true or false"},
	    {"- a\n- b\n", 1, "one YAML map"},
	    {"services: [\n", 2, ""},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		d = (spoor_diag)SPOOR_DIAG_INIT;
		map = NULL;
		assert_int_equal(sigma_lsmap_load(&map, "map.yml", bad[i].text, strlen(bad[i].text), &d), SPOOR_EPARSE);
		assert_null(map);
		if (!strstr(d.msg, bad[i].msg) || d.line != bad[i].line)
			fail_msg("map %zu: got line %u '%s'", i, (unsigned)d.line, d.msg);
	}
}

static void test_base64offset(void **state)
{
	(void)state;
	/* expected values computed with pySigma's slicing in Python */
	static const struct {
		const char *in;
		const char *out[3];
		size_t n;
	} cases[] = {
	    {"http://", {"aHR0cDovL", "h0dHA6Ly", "odHRwOi8v"}, 3},
	    {"abc", {"YWJj", "FiY", "hYm"}, 3},
	    {"ab", {"YW", "Fi", "hY"}, 3},
	    {"a", {"Y", "h", NULL}, 2}, /* the empty variant is left out */
	    {"IEX (New-Object", {"SUVYIChOZXctT2JqZWN0", "lFWCAoTmV3LU9iamVjd", "JRVggKE5ldy1PYmplY3"}, 3},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		sstr in;
		sstr_list l = {0};
		assert_int_equal(sstr_lit(&in, cases[i].in, strlen(cases[i].in)), 0);
		assert_int_equal(sigma_base64offset(&in, &l), 0);
		assert_int_equal(l.n, cases[i].n);
		for (size_t k = 0; k < l.n; k++)
			assert_string_equal(show(&l.v[k]), cases[i].out[k]);
		sstr_list_done(&l);
		sstr_done(&in);
	}
}

static void test_windash_utf16(void **state)
{
	(void)state;
	sstr in;
	sstr_list l = {0};
	assert_int_equal(sstr_parse(&in, "* -a /b c-d", 11), 0);
	assert_int_equal(sigma_windash(&in, &l), 0);
	assert_int_equal(l.n, 25); /* two replaceable dashes, five forms each; c-d stays */
	assert_string_equal(show(&l.v[0]), "* -a -b c-d");
	assert_string_equal(show(&l.v[1]), "* /a -b c-d");
	assert_string_equal(show(&l.v[2]), "* \\xe2\\x80\\x93a -b c-d");
	sstr_list_done(&l);
	sstr_done(&in);
	sstr out;
	assert_int_equal(sstr_parse(&in, "A\xC3\xA9*", 4), 0);
	assert_int_equal(sigma_utf16(&in, 0, &out), 0);
	assert_string_equal(show(&out), "A\\x00\\xe9\\x00*");
	sstr_done(&out);
	assert_int_equal(sigma_utf16(&in, 1, &out), 0);
	assert_string_equal(show(&out), "\\x00A\\x00\\xe9*");
	sstr_done(&out);
	assert_int_equal(sigma_utf16(&in, 2, &out), 0);
	assert_string_equal(show(&out), "\\xff\\xfeA\\x00\\xe9\\x00*");
	sstr_done(&out);
	sstr_done(&in);
	/* a character beyond the BMP becomes a surrogate pair */
	assert_int_equal(sstr_lit(&in, "\xF0\x9F\x94\x8D", 4), 0);
	assert_int_equal(sigma_utf16(&in, 0, &out), 0);
	assert_string_equal(show(&out), "=\\xd8\\x0d\\xdd");
	sstr_done(&out);
	sstr_done(&in);
}

static void test_glob(void **state)
{
	(void)state;
	static const struct {
		const char *pat;
		bool cased;
		const char *s;
		bool expect;
	} cases[] = {
	    {"abc", false, "ABC", true},
	    {"abc", true, "ABC", false},
	    {"a*", false, "A", true},
	    {"*c", false, "abC", true},
	    {"*b*", false, "aBc", true},
	    {"**b**", false, "b", true},
	    {"*", false, "", true},
	    {"", false, "", true},
	    {"", false, "a", false},
	    {"a?c", false, "abc", true},
	    {"a?c", false, "ac", false},
	    {"*a*b*c*", false, "xxaxxbxxcxx", true},
	    {"*a*b*c", false, "abcab", false},
	    {"?", false, "\xE4\xB8\xAD", true},
	    {"??", false, "\xE4\xB8\xAD", false},
	    {"\xC3\x89", false, "\xC3\xA9", false}, /* non-ASCII letters are not folded */
	};
	arena ar;
	arena_init(&ar, 1024, 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		sstr s;
		glob_pat g;
		assert_int_equal(sstr_parse(&s, cases[i].pat, strlen(cases[i].pat)), 0);
		assert_int_equal(glob_compile(&ar, &s, cases[i].cased, &g), 0);
		if (glob_match(&g, cases[i].s, strlen(cases[i].s)) != cases[i].expect)
			fail_msg("glob '%s' on '%s': expected %d", cases[i].pat, cases[i].s, cases[i].expect);
		sstr_done(&s);
	}
	arena_done(&ar);
	assert_non_null(mem_icase_find("xxHeLLo", 7, "hello", 5));
	assert_null(mem_icase_find("xxHeLL", 6, "hello", 5));
}

/* glob_compile's pattern: every byte lowercased as ASCII folds it (at each
 * offset of an 8-byte word and in the tail), wildcard runs collapsed, and
 * the kind and literal of each shape. */
static void test_glob_compile(void **state)
{
	(void)state;
	arena ar;
	arena_init(&ar, 1024, 0);
	for (unsigned c = 1; c < 256; c++) {
		if (c == '*' || c == '?' || c == '\\')
			continue;
		for (size_t len = 1; len <= 19; len++) {
			char in[32], want[32];
			for (size_t k = 0; k < len; k++) {
				in[k] = (char)((k % 3) ? 'Q' : c);
				unsigned char b = (unsigned char)in[k];
				want[k] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
			}
			sstr s;
			glob_pat g;
			assert_int_equal(sstr_parse(&s, in, len), 0);
			assert_int_equal(glob_compile(&ar, &s, false, &g), 0);
			if (g.n != len || memcmp(g.b, want, len) || g.kind != GLOB_EXACT)
				fail_msg("byte 0x%02x, length %zu: lowercased wrong", c, len);
			assert_int_equal(glob_compile(&ar, &s, true, &g), 0);
			if (g.n != len || memcmp(g.b, in, len))
				fail_msg("byte 0x%02x, length %zu: cased copy wrong", c, len);
			sstr_done(&s);
		}
	}
	static const struct {
		const char *pat, *b; /* b: the bytes kept (the literal, or the general pattern) */
		int kind;
		const char *lit;
	} cases[] = {
	    {"ABC", "abc", GLOB_EXACT, "abc"},
	    {"Abc*", "abc", GLOB_PREFIX, "abc"},
	    {"*aBc", "abc", GLOB_SUFFIX, "abc"},
	    {"**abc***", "abc", GLOB_CONTAINS, "abc"},
	    {"*a*", "a", GLOB_CONTAINS, "a"},
	    {"***", "", GLOB_PREFIX, ""},
	    {"*", "", GLOB_PREFIX, ""},
	    {"*?*", "*?*", GLOB_GENERAL, NULL},
	    {"a?", "a?", GLOB_GENERAL, NULL},
	    {"a**b***C", "a*b*c", GLOB_GENERAL, NULL},
	    {"**a*b", "*a*b", GLOB_GENERAL, NULL},
	    {"\\*lit\\*", "*lit*", GLOB_EXACT, "*lit*"}, /* escaped stars are literal bytes */
	    {"", "", GLOB_EXACT, ""},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		sstr s;
		glob_pat g;
		assert_int_equal(sstr_parse(&s, cases[i].pat, strlen(cases[i].pat)), 0);
		assert_int_equal(glob_compile(&ar, &s, false, &g), 0);
		if (g.n != strlen(cases[i].b) || memcmp(g.b, cases[i].b, g.n) || g.kind != cases[i].kind)
			fail_msg("'%s': got '%.*s' kind %d", cases[i].pat, (int)g.n, g.b, g.kind);
		if (cases[i].lit && (g.w || g.n != strlen(cases[i].lit) || memcmp(g.b, cases[i].lit, g.n)))
			fail_msg("'%s': literal '%.*s' (marks %s)", cases[i].pat, (int)g.n, g.b, g.w ? "kept" : "none");
		sstr_done(&s);
	}
	arena_done(&ar);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_logsources),
	    cmocka_unit_test(test_field_mapping),
	    cmocka_unit_test(test_map_fields_errors),
	    cmocka_unit_test(test_base64offset),
	    cmocka_unit_test(test_logsource_interning),
	    cmocka_unit_test(test_windash_utf16),
	    cmocka_unit_test(test_glob),
	    cmocka_unit_test(test_glob_compile),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
