/* Unit tests: the analytics' capped state (pool, maps, lists), networks,
 * distance, GeoIP CSV lookups, and the windows of the analytics on event
 * time (boundaries, input out of time order, caps counted). */
#include "unit.h"

#include <stdlib.h>
#include <unistd.h>

#include "detect/analytics/an.h"
#include "enrich/geo.h"
#include "spoor/spoor.h"

static void test_pool_caps(void **state)
{
	(void)state;
	strpool p;
	pool_init(&p, 3, 1 << 20);
	sid a = pool_put(&p, "alice", 5), b = pool_put(&p, "bob", 3);
	assert_true(a && b && a != b);
	assert_int_equal(pool_put(&p, "alice", 5), a);
	assert_int_equal(pool_find(&p, "bob", 3), b);
	assert_int_equal(pool_find(&p, "carol", 5), 0);
	assert_true(pool_put(&p, "carol", 5) != 0);
	assert_int_equal(pool_put(&p, "dave", 4), 0); /* full: turned away */
	assert_int_equal(p.dropped, 1);
	assert_int_equal(pool_put(&p, "alice", 5), a); /* what is kept stays */
	assert_sv_equal(pool_sv(&p, b), "bob");
	assert_int_equal(pool_put(&p, "", 0), 0);
	pool_done(&p);
}

static void test_idmap_caps(void **state)
{
	(void)state;
	idmap m;
	idmap_init(&m, sizeof(uint64_t), 100);
	for (uint64_t k = 0; k < 100; k++) {
		bool created;
		uint64_t *v = idmap_get(&m, k * 7919, &created);
		assert_non_null(v);
		assert_true(created);
		*v = k;
	}
	assert_null(idmap_get(&m, 1, NULL));
	assert_int_equal(m.dropped, 1);
	for (uint64_t k = 0; k < 100; k++) {
		uint64_t *v = idmap_find(&m, k * 7919);
		assert_non_null(v);
		assert_int_equal(*v, k);
		assert_int_equal(idmap_key_at(&m, k), k * 7919);
	}
	bool created = true;
	assert_non_null(idmap_get(&m, 7919, &created));
	assert_false(created);
	idmap_done(&m);
}

static void test_avec_caps(void **state)
{
	(void)state;
	avec a = {0};
	uint64_t mem = 0;
	for (int i = 0; i < 10; i++)
		assert_non_null(avec_push(&a, 8, 10, &mem, 1 << 20));
	assert_null(avec_push(&a, 8, 10, &mem, 1 << 20)); /* list cap */
	assert_true(mem <= 80);
	avec b = {0};
	uint64_t mem2 = 0;
	int n = 0;
	while (avec_push(&b, 16, 1000, &mem2, 256))
		n++;
	assert_true(mem2 <= 256); /* memory cap */
	assert_true(n >= 8 && n <= 16);
	avec_free(&a);
	avec_free(&b);
}

static void test_cidrs(void **state)
{
	(void)state;
	an_list l = {0};
	assert_int_equal(an_list_set(&l, "10.0.0.0/8\0"
					 "192.0.2.7\0"
					 "2001:db8::/32\0"
					 "100.64.0.0/10\0"),
			 0);
	an_cidrs c;
	const char *bad = NULL;
	assert_true(an_cidrs_parse(&c, &l, &bad));
	assert_true(an_cidrs_match(&c, sv_cstr("10.200.3.4")));
	assert_true(an_cidrs_match(&c, sv_cstr("192.0.2.7")));
	assert_false(an_cidrs_match(&c, sv_cstr("192.0.2.8")));
	assert_true(an_cidrs_match(&c, sv_cstr("2001:db8:ffff::1")));
	assert_false(an_cidrs_match(&c, sv_cstr("2001:db9::1")));
	assert_true(an_cidrs_match(&c, sv_cstr("100.127.255.255")));
	assert_false(an_cidrs_match(&c, sv_cstr("100.128.0.0")));
	assert_false(an_cidrs_match(&c, sv_cstr("not-an-ip")));
	an_cidrs_free(&c);
	assert_int_equal(an_list_set(&l, "10.0.0.0/8\0"
					 "10.0.0.0/33\0"),
			 0);
	assert_false(an_cidrs_parse(&c, &l, &bad));
	assert_string_equal(bad, "10.0.0.0/33");
	an_cidrs_free(&c);
	assert_int_equal(an_list_set(&l, "0.0.0.0/0\0"), 0);
	assert_true(an_cidrs_parse(&c, &l, &bad));
	assert_true(an_cidrs_match(&c, sv_cstr("8.8.8.8")));
	assert_false(an_cidrs_match(&c, sv_cstr("::1")));
	an_cidrs_free(&c);
	an_list_set(&l, "");
	free(l.v);
}

static void test_lists(void **state)
{
	(void)state;
	an_list l = {0};
	an_list_set(&l, "moea.gov.example\0"
			"Deleted\0");
	assert_true(an_list_suffix(&l, sv_cstr("a@moea.gov.example")));
	assert_true(an_list_suffix(&l, sv_cstr("hq.moea.gov.example")));
	assert_false(an_list_suffix(&l, sv_cstr("notmoea.gov.example")));
	assert_true(an_list_contains(&l, sv_cstr("Deleted Items")));
	assert_true(an_list_has(&l, sv_cstr("DELETED")));
	assert_false(an_list_has(&l, sv_cstr("Delete")));
	an_list_set(&l, "");
	free(l.v);
}

static void test_haversine(void **state)
{
	(void)state;
	double d = an_haversine_km(25.033, 121.565, 52.37, 4.90); /* Taipei - Amsterdam */
	assert_true(d > 9400 && d < 9500);
	assert_true(an_haversine_km(10, 10, 10, 10) < 1e-9);
	d = an_haversine_km(0, 0, 0, 180); /* half the equator */
	assert_true(d > 20000 && d < 20050);
}

static void test_geo_csv(void **state)
{
	(void)state;
	const char *csv = "cidr,country,city,lat,lon,asn,asn_org\n"
			  "10.0.0.0/8,TW,Taipei,25,121.5,4782,\"Gov, Net\"\n"
			  "10.1.0.0/16,TW,Kaohsiung,22.6,120.3,AS4782,South\n"
			  "10.1.2.3,JP,Tokyo,35.6,139.7,,\n"
			  "2001:db8::/32,NL,,,,,\n"
			  "bad\n"
			  "10.9.0.0/16,XX,,91,0,,\n";
	geo_csv *g = NULL;
	uint64_t bad = 0, line = 0;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(geo_csv_parse(&g, csv, strlen(csv), &bad, &line, &d), 0);
	assert_int_equal(bad, 2);
	assert_int_equal(line, 6);
	assert_int_equal(geo_csv_count(g), 4);
	uint8_t a[16] = {10, 1, 2, 3};
	const geo_rec *r = geo_csv_lookup(g, a, 4);
	assert_string_equal(r->country, "JP"); /* /32 beats /16 beats /8 */
	a[3] = 4;
	r = geo_csv_lookup(g, a, 4);
	assert_string_equal(r->city, "Kaohsiung");
	assert_int_equal(r->asn, 4782);
	a[1] = 2;
	r = geo_csv_lookup(g, a, 4);
	assert_string_equal(r->asorg, "Gov, Net");
	assert_true(r->has_loc);
	a[0] = 11;
	assert_null(geo_csv_lookup(g, a, 4));
	uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	r = geo_csv_lookup(g, b, 6);
	assert_string_equal(r->country, "NL");
	assert_false(r->has_loc);
	assert_string_equal(r->anon, "");
	geo_csv_free(g);

	/* the optional eighth column: the anonymizer flag, lower-cased; a
	 * value that is not a known flag (an unquoted comma in a 7-column
	 * file's AS name) is ignored */
	const char *csv2 = "cidr,country,city,lat,lon,asn,asn_org,anonymizer\n"
			   "192.0.2.0/25,NL,Amsterdam,52.37,4.90,9009,\"Privado Exit, B.V.\",VPN\n"
			   "192.0.2.128/25,JP,Tokyo,35.6,139.7,9010,Relay Net,relay\n"
			   "198.51.100.0/24,US,,,,,,\n"
			   "203.0.113.0/24,TW,,,,,Foo, Inc\n"
			   "bad\n";
	assert_int_equal(geo_csv_parse(&g, csv2, strlen(csv2), &bad, &line, &d), 0);
	assert_int_equal(bad, 1);
	assert_int_equal(line, 6);
	uint8_t c[16] = {192, 0, 2, 7};
	r = geo_csv_lookup(g, c, 4);
	assert_string_equal(r->anon, "vpn");
	assert_string_equal(r->asorg, "Privado Exit, B.V.");
	c[3] = 200;
	assert_string_equal(geo_csv_lookup(g, c, 4)->anon, "relay");
	uint8_t e[16] = {198, 51, 100, 1};
	assert_string_equal(geo_csv_lookup(g, e, 4)->anon, "");
	uint8_t f[16] = {203, 0, 113, 9};
	r = geo_csv_lookup(g, f, 4);
	assert_string_equal(r->asorg, "Foo");
	assert_string_equal(r->anon, "");
	geo_csv_free(g);
}

/* ---- the stage over real log lines ---- */

typedef struct found {
	int n;
	char last[8192];
} found;

static int on_finding(const spoor_finding *f, void *payload)
{
	found *x = payload;
	x->n++;
	size_t k = MIN(f->json.n, sizeof(x->last) - 1);
	memcpy(x->last, f->json.p, k);
	x->last[k] = 0;
	return 0;
}

static char *write_tmp(const char *text, const char *suffix)
{
	char *path = malloc(64);
	snprintf(path, 64, "/tmp/spoor-unit-an-XXXXXX%s", suffix);
	int fd = mkstemps(path, (int)strlen(suffix));
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* run the analytics with `config` over `log`; returns findings */
static found run(const char *config, const char *log)
{
	found x = {0};
	char *cp = write_tmp(config, ".yaml"), *lp = write_tmp(log, ".log");
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	co.year = 2026;
	spoor_ctx *ctx = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_ctx_new(&ctx, &co, &d), 0);
	spoor_scan_options so = SPOOR_SCAN_OPTIONS_INIT;
	spoor_scanner *sc = NULL;
	assert_int_equal(spoor_scanner_new(&sc, ctx, &so, &d), 0);
	assert_int_equal(spoor_scanner_add(sc, lp), 0);
	spoor_stage *st = NULL;
	assert_int_equal(spoor_analytics_stage_new(&st, ctx, cp, &d), 0);
	spoor_event *ev;
	while (spoor_scanner_next(sc, &ev, &d) == 1)
		assert_int_equal(spoor_stage_event(st, ev, on_finding, &x), 0);
	assert_int_equal(spoor_stage_finish(st, on_finding, &x, &d), 0);
	spoor_stage_free(st);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	unlink(cp);
	unlink(lp);
	free(cp);
	free(lp);
	return x;
}

#define FAIL_LINE(ts, user, ip)                                                                                        \
	ts " mail dovecot: imap-login: Disconnected (auth failed, 1 attempts): user=<" user ">, method=PLAIN, rip=" ip \
	   ", lip=10.0.0.1, TLS, session=<x>\n"
#define OK_LINE(ts, user, ip)                                                                                          \
	ts " mail dovecot: imap-login: Login: user=<" user ">, method=PLAIN, rip=" ip ", lip=10.0.0.1, mpid=1, TLS, "  \
	   "session=<y>\n"

static const char *BF_ONLY =
    "bruteforce:\n  window: 10m\n  min_failures: 3\n  slow_min_failures: 0\n  by_source: false\n"
    "spray:\n  enabled: false\nstuffing:\n  enabled: false\n";

static void test_window_boundary(void **state)
{
	(void)state;
	/* three failures exactly 10 minutes apart end to end: inside */
	found x = run(BF_ONLY, FAIL_LINE("2026-03-02T01:00:00Z", "a@x.gov", "198.51.100.1")
				   FAIL_LINE("2026-03-02T01:05:00Z", "a@x.gov", "198.51.100.1")
				       FAIL_LINE("2026-03-02T01:10:00Z", "a@x.gov", "198.51.100.1"));
	assert_int_equal(x.n, 1);
	assert_non_null(strstr(x.last, "\"spoor.failures_in_window\":3"));
	/* one second more: outside */
	x = run(BF_ONLY, FAIL_LINE("2026-03-02T01:00:00Z", "a@x.gov", "198.51.100.1")
			     FAIL_LINE("2026-03-02T01:05:00Z", "a@x.gov", "198.51.100.1")
				 FAIL_LINE("2026-03-02T01:10:01Z", "a@x.gov", "198.51.100.1"));
	assert_int_equal(x.n, 0);
}

static void test_event_time_out_of_order(void **state)
{
	(void)state;
	/* the same failures in reverse order (files read out of time order) */
	found x = run(BF_ONLY, FAIL_LINE("2026-03-02T01:10:00Z", "a@x.gov", "198.51.100.1")
				   FAIL_LINE("2026-03-02T01:05:00Z", "a@x.gov", "198.51.100.1")
				       FAIL_LINE("2026-03-02T01:00:00Z", "a@x.gov", "198.51.100.1"));
	assert_int_equal(x.n, 1);
	assert_non_null(strstr(x.last, "\"spoor.first\":\"2026-03-02T01:00:00Z\""));
	/* days apart in event time, however close in reading: no alert */
	x = run(BF_ONLY, FAIL_LINE("2026-03-02T01:00:00Z", "a@x.gov", "198.51.100.1")
			     FAIL_LINE("2026-03-04T01:00:00Z", "a@x.gov", "198.51.100.1")
				 FAIL_LINE("2026-03-06T01:00:00Z", "a@x.gov", "198.51.100.1"));
	assert_int_equal(x.n, 0);
}

static void test_spray_low_and_slow(void **state)
{
	(void)state;
	const char *cfg = "spray:\n  window: 6h\n  min_accounts: 4\nbruteforce:\n  enabled: false\n";
	/* four accounts over 5 h 59 m: found; then compromised at the first try */
	found x = run(cfg, FAIL_LINE("2026-03-02T01:00:00Z", "a@x.gov", "203.0.113.9")
			       FAIL_LINE("2026-03-02T03:00:00Z", "b@x.gov", "203.0.113.9")
				   OK_LINE("2026-03-02T04:00:00Z", "e@x.gov", "203.0.113.9")
				       FAIL_LINE("2026-03-02T05:00:00Z", "c@x.gov", "203.0.113.9")
					   FAIL_LINE("2026-03-02T06:59:00Z", "d@x.gov", "203.0.113.9"));
	assert_int_equal(x.n, 1);
	assert_non_null(strstr(x.last, "\"spoor.compromised\":[\"e@x.gov\"]"));
	assert_non_null(strstr(x.last, "\"spoor.accounts_in_window\":4"));
	/* spread over 7 hours: never four in a 6-hour window */
	x = run(cfg, FAIL_LINE("2026-03-02T01:00:00Z", "a@x.gov", "203.0.113.9")
			 FAIL_LINE("2026-03-02T03:00:00Z", "b@x.gov", "203.0.113.9")
			     FAIL_LINE("2026-03-02T05:00:00Z", "c@x.gov", "203.0.113.9")
				 FAIL_LINE("2026-03-02T08:00:00Z", "d@x.gov", "203.0.113.9"));
	assert_int_equal(x.n, 0);
	/* many tries per account is not a spray (median above the cap) */
	x = run("spray:\n  min_accounts: 2\n  max_failures_per_account: 2\nbruteforce:\n  enabled: false\n",
		FAIL_LINE("2026-03-02T01:00:00Z", "a@x.gov", "203.0.113.9")
		    FAIL_LINE("2026-03-02T01:01:00Z", "a@x.gov", "203.0.113.9")
			FAIL_LINE("2026-03-02T01:02:00Z", "a@x.gov", "203.0.113.9")
			    FAIL_LINE("2026-03-02T01:03:00Z", "b@x.gov", "203.0.113.9")
				FAIL_LINE("2026-03-02T01:04:00Z", "b@x.gov", "203.0.113.9")
				    FAIL_LINE("2026-03-02T01:05:00Z", "b@x.gov", "203.0.113.9"));
	assert_int_equal(x.n, 0);
}

static void test_stuffing_mistype_and_domains(void **state)
{
	(void)state;
	const char *cfg = "stuffing:\n  min_accounts: 3\n  min_failures: 3\n  min_sources: 2\n"
			  "spray:\n  enabled: false\nbruteforce:\n  enabled: false\n";
	/* a's failure retyped into a success 60 s later from the same source:
	 * a mistype, not counted; two accounts are left, no alert */
	found x = run(cfg, FAIL_LINE("2026-03-02T01:00:00Z", "a@x.gov", "203.0.113.1")
			       FAIL_LINE("2026-03-02T01:00:10Z", "b@x.gov", "203.0.113.2")
				   FAIL_LINE("2026-03-02T01:00:20Z", "c@x.gov", "203.0.113.1")
				       OK_LINE("2026-03-02T01:01:00Z", "a@x.gov", "203.0.113.1"));
	assert_int_equal(x.n, 0);
	/* 61 s later: counted, and a "then succeeded" */
	x = run(cfg, FAIL_LINE("2026-03-02T01:00:00Z", "a@x.gov", "203.0.113.1")
			 FAIL_LINE("2026-03-02T01:00:10Z", "b@x.gov", "203.0.113.2")
			     FAIL_LINE("2026-03-02T01:00:20Z", "c@x.gov", "203.0.113.1")
				 OK_LINE("2026-03-02T01:01:01Z", "a@x.gov", "203.0.113.1"));
	assert_int_equal(x.n, 1);
	assert_non_null(strstr(x.last, "\"spoor.compromised\":[\"a@x.gov\"]"));
	/* the same three accounts in two domains: a bucket each, no alert ... */
	const char *three = FAIL_LINE("2026-03-02T01:00:00Z", "a@x.gov", "203.0.113.1")
	    FAIL_LINE("2026-03-02T01:00:10Z", "b@y.gov", "203.0.113.2")
		FAIL_LINE("2026-03-02T01:00:20Z", "c@x.gov", "203.0.113.1");
	x = run(cfg, three);
	assert_int_equal(x.n, 0);
	/* ... unless by_domain is off */
	x = run("stuffing:\n  min_accounts: 3\n  min_failures: 3\n  min_sources: 2\n  by_domain: false\n"
		"spray:\n  enabled: false\nbruteforce:\n  enabled: false\n",
		three);
	assert_int_equal(x.n, 1);
}

static void test_caps_counted(void **state)
{
	(void)state;
	/* a list cap of 2: the third failure of the account is turned away and counted */
	found x = run("limits:\n  list: 2\n"
		      "bruteforce:\n  min_failures: 3\n  slow_min_failures: 0\n",
		      FAIL_LINE("2026-03-02T01:00:00Z", "a@x.gov", "198.51.100.1")
			  FAIL_LINE("2026-03-02T01:01:00Z", "a@x.gov", "198.51.100.1")
			      FAIL_LINE("2026-03-02T01:02:00Z", "a@x.gov", "198.51.100.1"));
	assert_int_equal(x.n, 0);
	/* the stage summary reports it */
	char *cp = write_tmp("limits:\n  names: 2\n", ".yaml"),
	     *lp = write_tmp(FAIL_LINE("2026-03-02T01:00:00Z", "a@x.gov", "198.51.100.1")
				 FAIL_LINE("2026-03-02T01:01:00Z", "b@x.gov", "198.51.100.2"),
			     ".log");
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	spoor_ctx *ctx = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_ctx_new(&ctx, &co, &d), 0);
	spoor_scan_options so = SPOOR_SCAN_OPTIONS_INIT;
	spoor_scanner *sc = NULL;
	assert_int_equal(spoor_scanner_new(&sc, ctx, &so, &d), 0);
	assert_int_equal(spoor_scanner_add(sc, lp), 0);
	spoor_stage *st = NULL;
	assert_int_equal(spoor_analytics_stage_new(&st, ctx, cp, &d), 0);
	spoor_event *ev;
	found y = {0};
	while (spoor_scanner_next(sc, &ev, &d) == 1)
		assert_int_equal(spoor_stage_event(st, ev, on_finding, &y), 0);
	assert_int_equal(spoor_stage_finish(st, on_finding, &y, &d), 0);
	const char *sum = spoor_stage_summary(st);
	assert_non_null(strstr(sum, "2 names"));
	assert_null(strstr(sum, " 0 entries turned away"));
	spoor_stage_free(st);
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	unlink(cp);
	unlink(lp);
	free(cp);
	free(lp);
}

static void test_config_errors(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "nosuch:\n  x: 1\n",
	    "spray:\n  window: soon\n",
	    "spray:\n  min_accounts: -3\n",
	    "travel:\n  exempt_networks: 10.0.0.0/8\n",
	    "spray:\n  enabled: maybe\n",
	    "limits:\n  bogus: 1\n",
	};
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	spoor_ctx *ctx = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_ctx_new(&ctx, &co, &d), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *cp = write_tmp(bad[i], ".yaml");
		spoor_stage *st = NULL;
		d = (spoor_diag)SPOOR_DIAG_INIT;
		assert_int_equal(spoor_analytics_stage_new(&st, ctx, cp, &d), SPOOR_EINVAL);
		assert_null(st);
		assert_true(d.msg[0]);
		unlink(cp);
		free(cp);
	}
	spoor_stage *st = NULL;
	assert_int_equal(spoor_analytics_stage_new(&st, ctx, "/nonexistent/spoor.yaml", &d), SPOOR_EIO);
	assert_int_equal(spoor_analytics_stage_new(&st, ctx, NULL, &d), 0);
	spoor_stage_free(st);
	spoor_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pool_caps),
	    cmocka_unit_test(test_idmap_caps),
	    cmocka_unit_test(test_avec_caps),
	    cmocka_unit_test(test_cidrs),
	    cmocka_unit_test(test_lists),
	    cmocka_unit_test(test_haversine),
	    cmocka_unit_test(test_geo_csv),
	    cmocka_unit_test(test_window_boundary),
	    cmocka_unit_test(test_event_time_out_of_order),
	    cmocka_unit_test(test_spray_low_and_slow),
	    cmocka_unit_test(test_stuffing_mistype_and_domains),
	    cmocka_unit_test(test_caps_counted),
	    cmocka_unit_test(test_config_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
