/* Unit tests: the agency/provider inventory — addresses and prefixes,
 * loading and validation (errors with line:column), time windows across
 * zones and midnight, contract dates, and the enrichment stage. */
#include "unit.h"

#include <stdlib.h>

#include "enrich/inventory.h"
#include "event/event-int.h"
#include "event/field.h"
#include "spoor/inventory.h"
#include "spoor/scan.h"

static const char inv_yaml[] = "agencies:\n"
			       "  - id: moh\n"
			       "    name: Ministry of Health\n"
			       "    mail_domains: [moh.gov.example]\n"
			       "    ad_domains: [MOH, moh.local]\n"
			       "    networks: [10.10.0.0/16, 10.10.5.0/24, \"2001:db8:10::/48\"]\n"
			       "    hosts:\n"
			       "      - {name: moh-dc01.moh.local, ip: 10.10.0.10, role: dc}\n"
			       "      - {name: moh-web01, ip: 10.10.1.20, role: web}\n"
			       "      - moh-ws17\n"
			       "    admins: [moh-admin]\n"
			       "  - id: mof\n"
			       "    mail_domains: mof.gov.example\n"
			       "    networks: 10.20.0.0/16\n"
			       "providers:\n"
			       "  - id: acme\n"
			       "    source_networks: [203.0.113.0/24, \"2001:db8:ac::/48\"]\n"
			       "    jump_hosts: [acme-jump01, 198.51.100.5]\n"
			       "    accounts: [acme-ops, {name: svc-backup, service: true}, 'MOH\\acme-x']\n"
			       "    key_fingerprints: ['SHA256:Key1']\n"
			       "    serves: [{agency: moh, hosts: ['role:web']}]\n"
			       "    windows:\n"
			       "      - {days: mon-fri, start: '08:00', end: '18:00', tz: '+01:00'}\n"
			       "      - {days: [sat], start: '22:00', end: '02:00', tz: UTC}\n"
			       "    contract: {start: 2025-01-01, end: 2025-12-31}\n";

static spoor_inventory *load(const char *text, spoor_diag *d)
{
	spoor_inventory *inv = NULL;
	assert_int_equal(spoor_inventory_new(&inv, NULL), 0);
	*d = (spoor_diag)SPOOR_DIAG_INIT;
	int r = spoor_inventory_load_mem(inv, "t.yaml", text, strlen(text), d);
	if (r == 0)
		r = spoor_inventory_finish(inv, d);
	if (r < 0) {
		spoor_inventory_free(inv);
		return NULL;
	}
	return inv;
}

static int64_t ts(const char *s)
{
	int64_t ns = 0;
	assert_true(time_parse_iso(sv_cstr(s), NULL, &ns));
	return ns;
}

static void test_cidr(void **state)
{
	(void)state;
	uint8_t a[16], plen;
	char t[48];
	assert_true(inv_parse_cidr("10.1.2.3/16", 11, a, &plen));
	assert_int_equal(plen, 96 + 16);
	inv_format_ip(a, t, sizeof(t));
	assert_string_equal(t, "10.1.0.0");
	assert_true(inv_parse_cidr("2001:db8::1/32", 14, a, &plen));
	assert_int_equal(plen, 32);
	inv_format_ip(a, t, sizeof(t));
	assert_string_equal(t, "2001:db8::");
	assert_true(inv_parse_cidr("192.0.2.7", 9, a, &plen));
	assert_int_equal(plen, 128);
	assert_false(inv_parse_cidr("10.0.0.0/33", 11, a, &plen));
	assert_false(inv_parse_cidr("10.0.0.0/", 9, a, &plen));
	assert_false(inv_parse_cidr("10.0.0/8", 8, a, &plen));
	assert_false(inv_parse_cidr("2001:db8::/129", 14, a, &plen));
	assert_true(inv_parse_ip("[2001:db8::5]", 13, a));
	assert_true(inv_parse_ip("fe80::1%eth0", 12, a));
	assert_false(inv_parse_ip("", 0, a));
}

static void test_load_and_lookup(void **state)
{
	(void)state;
	spoor_diag d;
	spoor_inventory *inv = load(inv_yaml, &d);
	if (!inv)
		fail_msg("%s:%u:%u: %s", d.source, (unsigned)d.line, d.col, d.msg);
	spoor_inventory_stats st;
	spoor_inventory_stats_get(inv, &st);
	assert_int_equal(st.agencies, 2);
	assert_int_equal(st.providers, 1);
	assert_int_equal(st.hosts, 3);
	assert_int_equal(st.networks, 6);
	assert_int_equal(st.accounts, 3);
	/* longest prefix: 10.10.5.9 is in 10.10.5.0/24 (same agency) */
	uint8_t a[16];
	assert_true(inv_parse_ip("10.10.5.9", 9, a));
	uint32_t n = inv_net_lookup(inv, &inv->agency_nets, a);
	assert_int_not_equal(n, INV_NONE);
	assert_int_equal(inv->nets[n].plen, 96 + 24);
	assert_true(inv_parse_ip("10.10.6.9", 9, a));
	n = inv_net_lookup(inv, &inv->agency_nets, a);
	assert_int_equal(inv->nets[n].plen, 96 + 16);
	assert_true(inv_parse_ip("2001:db8:10::77", 15, a));
	n = inv_net_lookup(inv, &inv->agency_nets, a);
	assert_int_not_equal(n, INV_NONE);
	assert_string_equal(inv->agencies[inv->nets[n].owner].id, "moh");
	assert_true(inv_parse_ip("2001:db8:ac:1::1", 16, a));
	n = inv_net_lookup(inv, &inv->provider_nets, a);
	assert_int_not_equal(n, INV_NONE);
	assert_true(inv->nets[n].owner_is_provider);
	assert_true(inv_parse_ip("10.30.0.1", 9, a));
	assert_int_equal(inv_net_lookup(inv, &inv->agency_nets, a), INV_NONE);
	spoor_inventory_free(inv);
}

static void test_windows_contract(void **state)
{
	(void)state;
	spoor_diag d;
	spoor_inventory *inv = load(inv_yaml, &d);
	assert_non_null(inv);
	const inv_provider *p = &inv->providers[0];
	/* Mon-Fri 08:00-18:00 at +01:00 */
	assert_true(inv_in_window(p, ts("2025-03-03T07:00:00Z")));  /* Mon 08:00 local */
	assert_false(inv_in_window(p, ts("2025-03-03T06:59:59Z"))); /* Mon 07:59:59 */
	assert_false(inv_in_window(p, ts("2025-03-03T17:00:00Z"))); /* Mon 18:00: end is exclusive */
	assert_true(inv_in_window(p, ts("2025-03-07T16:59:00Z")));  /* Fri 17:59 */
	assert_false(inv_in_window(p, ts("2025-03-09T10:00:00Z"))); /* Sunday */
	/* Sat 22:00-02:00 UTC wraps into Sunday morning */
	assert_true(inv_in_window(p, ts("2025-03-08T23:30:00Z")));
	assert_true(inv_in_window(p, ts("2025-03-09T01:59:00Z")));
	assert_false(inv_in_window(p, ts("2025-03-09T02:00:00Z")));
	assert_false(inv_in_window(p, ts("2025-03-08T21:59:00Z")));
	/* Friday 23:00 is not Saturday's window, and Sunday 23:00 is not
	 * Saturday's either */
	assert_false(inv_in_window(p, ts("2025-03-07T23:00:00Z")));
	assert_false(inv_in_window(p, ts("2025-03-09T23:00:00Z")));
	spoor_inventory_free(inv);
	/* numeric days (ISO: 1 = Monday, 7 = Sunday), HH:MM:SS, "all" hosts */
	inv = load("agencies: [{id: a}]\nproviders:\n  - id: p\n    serves: [{agency: a, hosts: all}]\n"
		   "    windows: [{days: [6, 7], start: '10:00:00', end: '12:00:00'}]\n",
		   &d);
	assert_non_null(inv);
	p = &inv->providers[0];
	assert_true(p->serves[0].all_hosts);
	assert_true(inv_in_window(p, ts("2025-03-08T11:00:00Z")));  /* Saturday */
	assert_true(inv_in_window(p, ts("2025-03-09T11:00:00Z")));  /* Sunday */
	assert_false(inv_in_window(p, ts("2025-03-10T11:00:00Z"))); /* Monday */
	spoor_inventory_free(inv);
	inv = load(inv_yaml, &d);
	p = &inv->providers[0];
	/* contract: the end date is the last day */
	assert_true(inv_in_contract(p, ts("2025-01-01T00:00:00Z")));
	assert_false(inv_in_contract(p, ts("2024-12-31T23:59:59Z")));
	assert_true(inv_in_contract(p, ts("2025-12-31T23:59:59Z")));
	assert_false(inv_in_contract(p, ts("2026-01-01T00:00:00Z")));
	spoor_inventory_free(inv);
}

static void test_iana_window(void **state)
{
	(void)state;
	spoor_diag d;
	spoor_inventory *inv = load("providers:\n"
				    "  - id: p\n"
				    "    windows: [{days: mon-fri, start: '08:00', end: '18:00', tz: Europe/Berlin}]\n",
				    &d);
	if (!inv)
		skip(); /* no zoneinfo on this machine */
	const inv_provider *p = &inv->providers[0];
	/* winter: UTC+1, summer: UTC+2 */
	assert_true(inv_in_window(p, ts("2026-01-14T16:45:00Z")));
	assert_false(inv_in_window(p, ts("2026-01-14T17:30:00Z")));
	assert_true(inv_in_window(p, ts("2026-07-01T06:30:00Z")));
	assert_false(inv_in_window(p, ts("2026-07-01T16:30:00Z")));
	spoor_inventory_free(inv);
}

typedef struct bad {
	const char *text;
	unsigned line, col;
	const char *msg;
} bad;

static void test_errors(void **state)
{
	(void)state;
	static const bad cases[] = {
	    {"agencies: [ {id: a}\n", 2, 1, "malformed YAML"},
	    {"agencies:\n  - name: x\n", 2, 5, "agency has no 'id'"},
	    {"agencies:\n  - id: a b\n", 2, 9, "has a space"},
	    {"agencies:\n  - id: a\n    networks: [10.0.0.0/8]\n  - id: b\n    networks: [10.2.0.0/16]\n", 5, 16,
	     "overlaps 10.0.0.0/8 of agency 'a'"},
	    {"providers:\n  - id: p\n    source_networks: [1.2.0.0/16]\n  - id: q\n    source_networks: 1.2.3.4\n", 5,
	     22, "overlaps"},
	    {"providers:\n  - id: p\n    serves: [x]\n", 3, 14, "serves unknown agency 'x'"},
	    {"providers:\n  - id: p\n    windows: [{start: '8:00', end: '7:61'}]\n", 3, 36, "window end '7:61'"},
	    {"providers:\n  - id: p\n    windows: [{start: '24:00', end: '07:00'}]\n", 3, 23, "cannot start at 24:00"},
	    {"providers:\n  - id: p\n    windows: [{start: '01:00', end: '07:00', days: []}]\n", 3, 52, "no days"},
	    {"providers:\n  - id: p\n    contract: {end: 2025-13-01}\n", 3, 21, "is not a date"},
	    {"providers:\n  - id: p\n    key_fingerprints: [\"SHA256:a b\"]\n", 3, 24, "not an SSH key fingerprint"},
	    {"providers:\n  - id: p\n    windows: [{start: '08:00:30', end: '09:00'}]\n", 3, 23, "window start"},
	    {"providers:\n  - id: p\n    windows: [{start: '08:00', end: '09:00', days: [8]}]\n", 3, 53, "not a day"},
	    {"providers:\n  - id: p\n    accounts: [{name: x, service: maybe}]\n", 3, 35, "'service' must be"},
	    {"providers:\n  - id: p\n    id: q\n", 3, 5, "key 'id' given twice"},
	    {"agencies:\n  - id: a\n    hosts: [{name: h1, ip: 10.0.0.1}, {name: h2, ip: 10.0.0.1}]\n", 3, 46,
	     "already used by host 'h1'"},
	    {"agencies:\n  - id: a\n    hosts: [h1]\n  - id: b\n    hosts: [H1]\n", 5, 13,
	     "host 'h1' is already listed"},
	    {"agencies:\n  - id: a\n    admins: [x]\nproviders:\n  - id: p\n    accounts: [x]\n", 6, 16,
	     "also an agency admin"},
	    {"", 0, 0, "empty inventory"},
	    {"providers:\n  - id: p\n    contract: {end: 3130-01-01}\n", 3, 21, "year must be 1900 to 2200"},
	    {"agencies: {id: a}\n", 1, 11, "'agencies' must be a list"},
	    {"a: &x [*x]\n", 1, 4, "nested deeper than 32"},
	};
	int bad_cases = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		spoor_diag d;
		spoor_inventory *inv = load(cases[i].text, &d);
		if (inv)
			fail_msg("case %zu loaded", i);
		if (!strstr(d.msg, cases[i].msg) || d.line != cases[i].line || d.col != cases[i].col) {
			print_error("case %zu: got %u:%u: %s; want %u:%u: ...%s...\n", i, (unsigned)d.line, d.col,
				    d.msg, cases[i].line, cases[i].col, cases[i].msg);
			bad_cases++;
		}
		assert_string_equal(d.source, "t.yaml");
	}
	assert_int_equal(bad_cases, 0);
}

/* ---- enrichment ---- */

typedef struct kv {
	uint32_t id;
	const char *v;
} kv;

static void enrich(spoor_stage *st, spoor_ctx *ctx, const kv *fields, const char *agency, const char *provider,
		   const char *owner)
{
	spoor_event ev;
	assert_int_equal(event_init(&ev, ctx), 0);
	event_reset(&ev);
	for (size_t i = 0; fields[i].id; i++)
		assert_int_equal(event_set(&ev, fields[i].id, SPOOR_VT_STR, sv_cstr(fields[i].v), 0), 0);
	assert_int_equal(spoor_stage_event(st, &ev, NULL, NULL), 0);
	const char *want[3] = {agency, provider, owner};
	const uint32_t ids[3] = {F_SPOOR_AGENCY, F_SPOOR_PROVIDER, F_SPOOR_IDENTITY_OWNER};
	for (int k = 0; k < 3; k++) {
		spoor_value v;
		int r = spoor_event_get_id(&ev, ids[k], &v);
		if (!want[k]) {
			if (r == 0)
				fail_msg("field %d set to %.*s, want none (first field %s)", k, (int)v.sv.n, v.sv.p,
					 fields[0].v);
			continue;
		}
		if (r != 0)
			fail_msg("field %d missing, want %s (first field %s)", k, want[k], fields[0].v);
		assert_sv_equal(v.sv, want[k]);
	}
	event_done(&ev);
}

static void test_enrich(void **state)
{
	(void)state;
	spoor_diag d;
	spoor_inventory *inv = load(inv_yaml, &d);
	assert_non_null(inv);
	spoor_ctx *ctx = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	assert_int_equal(spoor_ctx_new(&ctx, &co, NULL), 0);
	spoor_stage *st = NULL;
	assert_int_equal(spoor_inventory_stage_new(&st, inv, &d), 0);
	assert_string_equal(spoor_stage_name(st), "inventory");

	/* host by full name, by first label, case-insensitively */
	enrich(st, ctx, (kv[]){{F_HOST_NAME, "moh-dc01.moh.local"}, {0, NULL}}, "moh", NULL, NULL);
	enrich(st, ctx, (kv[]){{F_HOST_NAME, "MOH-DC01"}, {0, NULL}}, "moh", NULL, NULL);
	enrich(st, ctx, (kv[]){{F_HOST_NAME, "moh-web01.moh.local"}, {0, NULL}}, "moh", NULL, NULL);
	/* destination address: a host's, then a network's */
	enrich(st, ctx, (kv[]){{F_DESTINATION_IP, "10.10.1.20"}, {0, NULL}}, "moh", NULL, NULL);
	enrich(st, ctx, (kv[]){{F_DESTINATION_IP, "10.20.3.4"}, {0, NULL}}, "mof", NULL, NULL);
	/* provider by account: bare, DOMAIN\name as listed, name@domain */
	enrich(st, ctx, (kv[]){{F_USER_NAME, "ACME-OPS"}, {F_HOST_NAME, "moh-web01"}, {0, NULL}}, "moh", "acme",
	       "acme");
	enrich(st, ctx, (kv[]){{F_USER_NAME, "acme-x"}, {F_USER_DOMAIN, "MOH"}, {0, NULL}}, "moh", "acme", "acme");
	enrich(st, ctx,
	       (kv[]){{F_USER_NAME, "acme-ops@mof.gov.example"}, {F_USER_DOMAIN, "mof.gov.example"}, {0, NULL}}, "mof",
	       "acme", "acme");
	/* provider by key, by network, by jump host (address and name) */
	enrich(
	    st, ctx,
	    (kv[]){
		{F_USER_NAME, "root"}, {F_SSH_KEY_FINGERPRINT, "SHA256:Key1"}, {F_HOST_NAME, "moh-web01"}, {0, NULL}},
	    "moh", "acme", "acme");
	enrich(st, ctx, (kv[]){{F_USER_NAME, "root"}, {F_SSH_KEY_FINGERPRINT, "SHA256:key1"}, {0, NULL}}, NULL, NULL,
	       NULL); /* SHA256 fingerprints are case-sensitive */
	enrich(st, ctx, (kv[]){{F_SOURCE_IP, "203.0.113.9"}, {F_HOST_NAME, "unknown-host"}, {0, NULL}}, NULL, "acme",
	       NULL);
	enrich(st, ctx, (kv[]){{F_SOURCE_IP, "198.51.100.5"}, {0, NULL}}, NULL, "acme", NULL);
	enrich(st, ctx, (kv[]){{F_WIN_WORKSTATION_NAME, "ACME-JUMP01"}, {F_HOST_NAME, "moh-ws17"}, {0, NULL}}, "moh",
	       "acme", NULL);
	/* agency accounts: admin list, AD and mail domains own the identity */
	enrich(st, ctx, (kv[]){{F_USER_NAME, "moh-admin"}, {0, NULL}}, "moh", NULL, "moh");
	enrich(st, ctx, (kv[]){{F_USER_NAME, "jsmith"}, {F_USER_DOMAIN, "MOH"}, {F_HOST_NAME, "mof-x"}, {0, NULL}},
	       "moh", NULL, "moh");
	enrich(
	    st, ctx,
	    (kv[]){{F_USER_NAME, "jsmith"}, {F_USER_DOMAIN, "moh.local"}, {F_DESTINATION_IP, "10.20.0.1"}, {0, NULL}},
	    "mof", NULL, "moh");
	/* nothing known */
	enrich(st, ctx, (kv[]){{F_USER_NAME, "-"}, {F_SOURCE_IP, "8.8.8.8"}, {F_HOST_NAME, "-"}, {0, NULL}}, NULL, NULL,
	       NULL);
	enrich(st, ctx, (kv[]){{F_SOURCE_IP, "not-an-ip"}, {0, NULL}}, NULL, NULL, NULL);
	assert_non_null(strstr(spoor_stage_summary(st), "events"));
	spoor_stage_free(st);
	spoor_ctx_free(ctx);
	spoor_inventory_free(inv);
}

/* Mail logins: a short host name two agencies' servers share ("mail")
 * names neither; the server's address decides.  A bare Dovecot login name
 * gets user.email with the agency's mail domain; the session's end (no
 * address) gets the login's agency and the same user.email; a name with a
 * domain, or of an event no agency is known for, gets none. */
static const char mail_yaml[] = "agencies:\n"
				"  - id: moea\n"
				"    mail_domains: [MOEA.gov.example, other.example]\n"
				"    networks: [10.10.0.0/16]\n"
				"    hosts: [{name: mail.moea.gov.example, ip: 10.10.1.12}]\n"
				"  - id: mof\n"
				"    mail_domains: [mof.gov.example]\n"
				"    networks: [10.13.0.0/16]\n"
				"    hosts: [{name: mail.mof.gov.example, ip: 10.13.1.12}]\n";

static void mail_event(spoor_stage *st, spoor_ctx *ctx, const kv *fields, const char *agency, const char *email)
{
	spoor_event ev;
	assert_int_equal(event_init(&ev, ctx), 0);
	event_reset(&ev);
	ev.ls.product = sv_cstr("linux");
	ev.ls.service = sv_cstr("dovecot");
	for (size_t i = 0; fields[i].id; i++)
		assert_int_equal(event_set(&ev, fields[i].id, SPOOR_VT_STR, sv_cstr(fields[i].v), 0), 0);
	assert_int_equal(spoor_stage_event(st, &ev, NULL, NULL), 0);
	const char *want[2] = {agency, email};
	const uint32_t ids[2] = {F_SPOOR_AGENCY, F_USER_EMAIL};
	for (int k = 0; k < 2; k++) {
		spoor_value v;
		int r = spoor_event_get_id(&ev, ids[k], &v);
		if (!want[k] && r == 0)
			fail_msg("field %d set to %.*s, want none", k, (int)v.sv.n, v.sv.p);
		if (want[k] && r != 0)
			fail_msg("field %d missing, want %s", k, want[k]);
		if (want[k])
			assert_sv_equal(v.sv, want[k]);
	}
	event_done(&ev);
}

static void test_mail_logins(void **state)
{
	(void)state;
	spoor_diag d;
	spoor_inventory *inv = load(mail_yaml, &d);
	assert_non_null(inv);
	spoor_ctx *ctx = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	assert_int_equal(spoor_ctx_new(&ctx, &co, NULL), 0);
	spoor_stage *st = NULL;
	assert_int_equal(spoor_inventory_stage_new(&st, inv, &d), 0);
	const uint32_t f_sess = F_DOVECOT_SESSION;
	/* "mail" alone: no agency (it would have been the first one's) */
	mail_event(st, ctx, (kv[]){{F_HOST_NAME, "mail"}, {F_USER_NAME, "lin"}, {0, NULL}}, NULL, NULL);
	/* login on moea's server: agency by address, the name qualified
	 * (lower-cased, the first mail domain) */
	mail_event(st, ctx,
		   (kv[]){{F_HOST_NAME, "mail"},
			  {F_USER_NAME, "Lin"},
			  {F_SOURCE_IP, "203.0.113.5"},
			  {F_DESTINATION_IP, "10.10.1.12"},
			  {f_sess, "s1"},
			  {0, NULL}},
		   "moea", "lin@moea.gov.example");
	/* the same name on mof's server is another person */
	mail_event(st, ctx,
		   (kv[]){{F_HOST_NAME, "mail"}, {F_USER_NAME, "lin"}, {F_DESTINATION_IP, "10.13.1.12"}, {f_sess, "s2"},
			  {0, NULL}},
		   "mof", "lin@mof.gov.example");
	/* the sessions' ends, no address: the logins' agencies */
	mail_event(st, ctx, (kv[]){{F_HOST_NAME, "mail"}, {F_USER_NAME, "lin"}, {f_sess, "s1"}, {0, NULL}}, "moea",
		   "lin@moea.gov.example");
	mail_event(st, ctx, (kv[]){{F_HOST_NAME, "mail"}, {F_USER_NAME, "lin"}, {f_sess, "s2"}, {0, NULL}}, "mof",
		   "lin@mof.gov.example");
	/* an unknown session: nothing */
	mail_event(st, ctx, (kv[]){{F_HOST_NAME, "mail"}, {F_USER_NAME, "lin"}, {f_sess, "s3"}, {0, NULL}}, NULL, NULL);
	/* names with a domain stay as they are */
	mail_event(st, ctx,
		   (kv[]){{F_USER_NAME, "lin@elsewhere.example"}, {F_DESTINATION_IP, "10.10.1.12"}, {0, NULL}}, "moea",
		   NULL);
	mail_event(st, ctx, (kv[]){{F_USER_NAME, "MOEA\\lin"}, {F_DESTINATION_IP, "10.10.1.12"}, {0, NULL}}, "moea",
		   NULL);
	assert_non_null(strstr(spoor_stage_summary(st), "4 mail login names qualified"));
	spoor_stage_free(st);
	spoor_ctx_free(ctx);
	spoor_inventory_free(inv);
}

static void test_merge(void **state)
{
	(void)state;
	spoor_inventory *inv = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_inventory_new(&inv, NULL), 0);
	const char *a = "{\"agencies\": [{\"id\": \"a\", \"networks\": [\"10.0.0.0/8\"]}]}";
	const char *b = "providers:\n  - id: p\n    serves: [a]\n";
	assert_int_equal(spoor_inventory_load_mem(inv, "a.json", a, strlen(a), &d), 0);
	assert_int_equal(spoor_inventory_load_mem(inv, "b.yaml", b, strlen(b), &d), 0);
	assert_int_equal(spoor_inventory_finish(inv, &d), 0);
	assert_int_equal(inv->providers[0].serves[0].agency, 0);
	spoor_inventory_stats st;
	spoor_inventory_stats_get(inv, &st);
	assert_int_equal(st.files, 2);
	spoor_inventory_free(inv);
	/* admins as {account, host} */
	assert_int_equal(spoor_inventory_new(&inv, NULL), 0);
	const char *c = "agencies:\n  - id: a\n    hosts: [adm01]\n"
			"    admins: [x, {account: 'A\\y', host: adm01}, {host: ADM01}]\n";
	assert_int_equal(spoor_inventory_load_mem(inv, "c.yaml", c, strlen(c), &d), 0);
	assert_int_equal(spoor_inventory_finish(inv, &d), 0);
	assert_int_equal(inv->agencies[0].admins.n, 2);
	assert_string_equal(inv->agencies[0].admins.v[1], "a\\y");
	assert_int_equal(inv->agencies[0].admin_hosts.n, 2);
	spoor_inventory_free(inv);
	/* the limit on one file */
	spoor_inventory_limits lim = SPOOR_INVENTORY_LIMITS_INIT;
	lim.max_file = 10;
	assert_int_equal(spoor_inventory_new(&inv, &lim), 0);
	assert_int_equal(spoor_inventory_load_mem(inv, "b.yaml", b, strlen(b), &d), SPOOR_ELIMIT);
	spoor_inventory_free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cidr),
	    cmocka_unit_test(test_load_and_lookup),
	    cmocka_unit_test(test_windows_contract),
	    cmocka_unit_test(test_iana_window),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_enrich),
	    cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_mail_logins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
