/* Unit tests: the case database's provider tables (schema 2) — the
 * provider-scope stage's state stored by spoor_case_add_providers and
 * rebuilt by spoor_case_providers gives the same exposure report (table,
 * JSON, DOT) and the same traces as the stage itself; storing again
 * replaces; a damaged row is reported, not trusted; a version 1 case reads
 * without provider state and is upgraded when opened for writing. */
#include "unit.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/timeparse.h"
#include "event/event-int.h"
#include "event/field.h"
#include "spoor/case.h"
#include "spoor/inventory.h"
#include "spoor/scan.h"

/* two files: the restored inventory must merge them in the same order */
static const char inv_agencies[] = "agencies:\n"
				   "  - id: moh\n"
				   "    mail_domains: [moh.gov.example]\n"
				   "    networks: [10.10.0.0/16]\n"
				   "    hosts:\n"
				   "      - {name: moh-dc01.moh.local, ip: 10.10.0.10, role: dc}\n"
				   "      - {name: moh-web01, ip: 10.10.1.20, role: web}\n"
				   "  - id: mof\n"
				   "    mail_domains: mof.gov.example\n"
				   "    networks: 10.20.0.0/16\n"
				   "    hosts: [{name: mof-app01, ip: 10.20.0.5}]\n";
static const char inv_providers[] = "providers:\n"
				    "  - id: acme\n"
				    "    name: ACME IT Services\n"
				    "    source_networks: [203.0.113.0/24]\n"
				    "    accounts: [acme-ops, {name: svc-backup, service: true}]\n"
				    "    key_fingerprints: ['SHA256:Key1']\n"
				    "    serves: [{agency: moh, hosts: ['role:web']}]\n"
				    "    windows:\n"
				    "      - {days: mon-fri, start: '08:00', end: '18:00', tz: UTC}\n"
				    "  - id: oldco\n"
				    "    accounts: [oldco-admin]\n"
				    "    serves: [mof]\n";

typedef struct fx {
	spoor_inventory *inv;
	spoor_ctx *ctx;
	spoor_stage *st;
	char dir[64], path[96];
} fx;

static int no_finding(const spoor_finding *x, void *p)
{
	(void)x;
	(void)p;
	return 0;
}

/* one successful logon */
static void logon(fx *f, const char *when, const char *user, const char *host, const char *src, unsigned line)
{
	spoor_event ev;
	assert_int_equal(event_init(&ev, f->ctx), 0);
	event_reset(&ev);
	assert_int_equal(event_set(&ev, F_EVENT_CATEGORY, SPOOR_VT_STR, sv_cstr("authentication"), 0), 0);
	assert_int_equal(event_set(&ev, F_EVENT_OUTCOME, SPOOR_VT_STR, sv_cstr("success"), 0), 0);
	assert_int_equal(event_set(&ev, F_USER_NAME, SPOOR_VT_STR, sv_cstr(user), 0), 0);
	assert_int_equal(event_set(&ev, F_HOST_NAME, SPOOR_VT_STR, sv_cstr(host), 0), 0);
	assert_int_equal(event_set(&ev, F_SOURCE_IP, SPOOR_VT_STR, sv_cstr(src), 0), 0);
	int64_t ns = 0;
	assert_true(time_parse_iso(sv_cstr(when), NULL, &ns));
	ev.ts = ns;
	ev.has_ts = true;
	ev.origin.path = "auth.log";
	ev.origin.line = line;
	assert_int_equal(spoor_stage_event(f->st, &ev, no_finding, NULL), 0);
	event_done(&ev);
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_inventory_new(&f->inv, NULL), 0);
	assert_int_equal(spoor_inventory_load_mem(f->inv, "agencies.yaml", inv_agencies, strlen(inv_agencies), &d), 0);
	assert_int_equal(spoor_inventory_load_mem(f->inv, "providers.yaml", inv_providers, strlen(inv_providers), &d),
			 0);
	assert_int_equal(spoor_inventory_finish(f->inv, &d), 0);
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	assert_int_equal(spoor_ctx_new(&f->ctx, &co, NULL), 0);
	assert_int_equal(spoor_providers_stage_new(&f->st, f->inv, NULL, &d), 0);
	logon(f, "2026-03-02T09:40:01Z", "acme-ops", "moh-web01", "203.0.113.10", 1);	       /* in scope */
	logon(f, "2026-03-02T09:41:00Z", "ACME-OPS", "moh-web01", "203.0.113.10", 2);	       /* same row */
	logon(f, "2026-03-02T10:00:00Z", "acme-ops", "moh-dc01.moh.local", "203.0.113.10", 3); /* host */
	logon(f, "2026-03-02T22:00:00Z", "acme-ops", "moh-web01", "203.0.113.11", 4);	       /* window */
	logon(f, "2026-03-03T10:00:00Z", "acme-ops", "mof-app01", "198.51.100.7", 5);	       /* unserved, source */
	logon(f, "2026-03-03T11:00:00Z", "mof-user", "moh-web01", "10.20.0.5", 6);	       /* no provider */
	assert_int_equal(spoor_stage_finish(f->st, no_finding, NULL, &d), 0);
	snprintf(f->dir, sizeof(f->dir), "/tmp/spoor-unit-case-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/case.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	char p[128];
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, suffix[i]);
		unlink(p);
	}
	rmdir(f->dir);
	spoor_stage_free(f->st);
	spoor_ctx_free(f->ctx);
	spoor_inventory_free(f->inv);
	free(f);
	return 0;
}

static void store(fx *f)
{
	spoor_case *c = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_case_open(&c, f->path, SPOOR_CASE_WRITE, &d), 0);
	assert_int_equal(spoor_case_begin_run(c, "unit", &d), 0);
	assert_int_equal(spoor_case_add_providers(c, f->st, &d), 0);
	assert_int_equal(spoor_case_close(c, &d), 0);
}

static sqlite3 *db(fx *f)
{
	sqlite3 *s = NULL;
	assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
	return s;
}

static int64_t sql_int(fx *f, const char *q)
{
	sqlite3 *s = db(f);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(s, q, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(s);
	return v;
}

static void sql_exec(fx *f, const char *q)
{
	sqlite3 *s = db(f);
	char *err = NULL;
	if (sqlite3_exec(s, q, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", q, err);
	sqlite3_close(s);
}

/* spoor_case_providers on f's case: 0 or the error; diag message in msg */
static int restore(fx *f, spoor_inventory **inv, spoor_stage **st, char *msg, size_t n)
{
	spoor_case *c = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_case_open(&c, f->path, SPOOR_CASE_READ, &d), 0);
	int r = spoor_case_providers(c, inv, st, &d);
	snprintf(msg, n, "%s", d.msg);
	spoor_diag d2 = SPOOR_DIAG_INIT;
	spoor_case_close(c, &d2);
	return r;
}

static void same_report(spoor_stage *a, spoor_stage *b, spoor_providers_format fmt, const char *want)
{
	char *ta = NULL, *tb = NULL;
	size_t na = 0, nb = 0;
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_providers_report(a, fmt, &ta, &na, &d), 0);
	assert_int_equal(spoor_providers_report(b, fmt, &tb, &nb, &d), 0);
	assert_string_equal(ta, tb);
	assert_int_equal(na, nb);
	if (want && !strstr(ta, want))
		fail_msg("'%s' not in:\n%s", want, ta);
	free(ta);
	free(tb);
}

static void same_trace(spoor_stage *a, spoor_stage *b, const char *entity, spoor_providers_format fmt)
{
	char *ta = NULL, *tb = NULL;
	size_t na = 0, nb = 0;
	spoor_diag da = SPOOR_DIAG_INIT, db2 = SPOOR_DIAG_INIT;
	int ra = spoor_providers_trace(a, entity, fmt, &ta, &na, &da);
	int rb = spoor_providers_trace(b, entity, fmt, &tb, &nb, &db2);
	assert_int_equal(ra, rb);
	if (ra == 0)
		assert_string_equal(ta, tb);
	else
		assert_string_equal(da.msg, db2.msg);
	free(ta);
	free(tb);
}

static void test_roundtrip(void **state)
{
	fx *f = *state;
	store(f);
	assert_int_equal(sql_int(f, "PRAGMA user_version"), SPOOR_CASE_SCHEMA);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM prov_inventory"), 2);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM prov_reach"), 4);
	int64_t nviol = sql_int(f, "SELECT count(*) FROM prov_violations");
	assert_true(nviol >= 3);
	assert_int_equal(sql_int(f, "SELECT count FROM prov_reach WHERE seq = 0"), 2);
	int64_t nedges = sql_int(f, "SELECT count(*) FROM prov_edges");
	spoor_inventory *inv = NULL;
	spoor_stage *st = NULL;
	char msg[512];
	assert_int_equal(restore(f, &inv, &st, msg, sizeof(msg)), 0);
	same_report(f->st, st, SPOOR_PROVIDERS_TABLE, "spoor-provider-host-not-allowed");
	same_report(f->st, st, SPOOR_PROVIDERS_TABLE, "reached: 4 (agency, host, account, source) combinations");
	same_report(f->st, st, SPOOR_PROVIDERS_TABLE, "can reach: 1 agency, 1 host, 2 accounts, 1 key\n");
	same_report(f->st, st, SPOOR_PROVIDERS_JSON, "\"out_of_scope\":[{");
	same_report(f->st, st, SPOOR_PROVIDERS_DOT,
		    "\"account:acme-ops\" -- \"ip:203.0.113.10\" [label=\"logon-from\"]");
	static const char *const entities[] = {
	    "acme-ops",	  "ACME-OPS",	  "ip:203.0.113.10",	"203.0.113.11",	   "provider:acme",
	    "agency:moh", "mof-user",	  "moh-dc01.moh.local", "key:SHA256:Key1", "oldco-admin",
	    "nobody",	  "ip:10.20.0.5", "host:mof-app01",	"198.51.100.7",	   "network:203.0.113.0/24",
	};
	for (size_t i = 0; i < sizeof(entities) / sizeof(*entities); i++) {
		same_trace(f->st, st, entities[i], SPOOR_PROVIDERS_TABLE);
		same_trace(f->st, st, entities[i], SPOOR_PROVIDERS_JSON);
	}
	/* the restored stage is finished: finishing again raises nothing */
	spoor_diag d = SPOOR_DIAG_INIT;
	assert_int_equal(spoor_stage_finish(st, no_finding, NULL, &d), 0);
	spoor_stage_free(st);
	spoor_inventory_free(inv);
	/* storing again replaces, it does not add */
	store(f);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM prov_reach"), 4);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM prov_violations"), nviol);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM prov_edges"), nedges);
	assert_int_equal(sql_int(f, "SELECT value FROM prov_state WHERE key = 'run'"), 2);
}

static void test_damage(void **state)
{
	fx *f = *state;
	store(f);
	spoor_inventory *inv = NULL;
	spoor_stage *st = NULL;
	char msg[512];
	static const char *const damage[] = {
	    "UPDATE prov_edges SET label = 'bogus' WHERE node = 0 AND pos = 0",
	    "UPDATE prov_edges SET peer = 1000000 WHERE node = 0 AND pos = 0",
	    "UPDATE prov_nodes SET kind = 'planet' WHERE id = 3",
	    "UPDATE prov_nodes SET id = 100000 WHERE id = (SELECT max(id) FROM prov_nodes)",
	    "UPDATE prov_reach SET provider = 'nosuch' WHERE seq = 0",
	    "UPDATE prov_violations SET rule_id = 'spoor-provider-nosuch' WHERE seq = 0",
	    "UPDATE prov_violations SET agency = 'nosuch' WHERE seq = 0",
	};
	for (size_t i = 0; i < sizeof(damage) / sizeof(*damage); i++) {
		sql_exec(f, damage[i]);
		int r = restore(f, &inv, &st, msg, sizeof(msg));
		if (r != SPOOR_ECORRUPT)
			fail_msg("after %s: %d (%s), want SPOOR_ECORRUPT", damage[i], r, msg);
		assert_non_null(strstr(msg, "inconsistent"));
		assert_null(inv);
		assert_null(st);
		store(f); /* whole again */
	}
	/* a stored inventory that no longer loads: its own error */
	sql_exec(f, "UPDATE prov_inventory SET text = 'agencies: [' WHERE seq = 0");
	assert_true(restore(f, &inv, &st, msg, sizeof(msg)) < 0);
	assert_null(st);
}

static void test_versions(void **state)
{
	fx *f = *state;
	spoor_case *c = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	/* a case without provider state */
	assert_int_equal(spoor_case_open(&c, f->path, SPOOR_CASE_WRITE, &d), 0);
	assert_int_equal(spoor_case_close(c, &d), 0);
	spoor_inventory *inv = NULL;
	spoor_stage *st = NULL;
	char msg[512];
	assert_int_equal(restore(f, &inv, &st, msg, sizeof(msg)), SPOOR_ENOTFOUND);
	assert_non_null(strstr(msg, "no provider state"));
	/* a version 1 case, as spoor wrote it before the provider tables */
	sql_exec(f, "DROP TABLE prov_state; DROP TABLE prov_inventory; DROP TABLE prov_nodes; DROP TABLE prov_edges;"
		    " DROP TABLE prov_reach; DROP TABLE prov_violations; PRAGMA user_version = 1");
	assert_int_equal(restore(f, &inv, &st, msg, sizeof(msg)), SPOOR_ENOTFOUND);
	assert_non_null(strstr(msg, "schema version 1"));
	assert_int_equal(sql_int(f, "PRAGMA user_version"), 1); /* reading changes nothing */
	/* opened for writing: upgraded, and it takes provider state */
	store(f);
	assert_int_equal(sql_int(f, "PRAGMA user_version"), 2);
	assert_int_equal(restore(f, &inv, &st, msg, sizeof(msg)), 0);
	same_report(f->st, st, SPOOR_PROVIDERS_JSON, NULL);
	spoor_stage_free(st);
	spoor_inventory_free(inv);
	/* a version from the future is refused, read or write */
	sql_exec(f, "PRAGMA user_version = 3");
	d = (spoor_diag)SPOOR_DIAG_INIT;
	assert_int_equal(spoor_case_open(&c, f->path, SPOOR_CASE_READ, &d), SPOOR_EINVAL);
	assert_non_null(strstr(d.msg, "schema version 3"));
	assert_int_equal(spoor_case_open(&c, f->path, SPOOR_CASE_WRITE, &d), SPOOR_EINVAL);
	assert_null(c);
}

static void test_wrong_stage(void **state)
{
	fx *f = *state;
	spoor_case *c = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	spoor_stage *inv_st = NULL;
	assert_int_equal(spoor_inventory_stage_new(&inv_st, f->inv, &d), 0);
	assert_int_equal(spoor_case_open(&c, f->path, SPOOR_CASE_WRITE, &d), 0);
	assert_int_equal(spoor_case_add_providers(c, inv_st, &d), SPOOR_EINVAL);
	/* an unfinished providers stage is refused too */
	spoor_stage *p = NULL;
	assert_int_equal(spoor_providers_stage_new(&p, f->inv, NULL, &d), 0);
	assert_int_equal(spoor_case_add_providers(c, p, &d), SPOOR_EINVAL);
	assert_int_equal(spoor_case_close(c, &d), 0);
	/* read-only: no writing */
	store(f);
	assert_int_equal(spoor_case_open(&c, f->path, SPOOR_CASE_READ, &d), 0);
	assert_int_equal(spoor_case_add_providers(c, f->st, &d), SPOOR_EINVAL);
	assert_int_equal(spoor_case_close(c, &d), 0);
	spoor_stage_free(p);
	spoor_stage_free(inv_st);
}

/* The stored mailbox summary prints as the analytics print it: mailboxes
 * by data taken, then the domains' totals (sums, earliest first, latest
 * last, compared as times, not as text). */
static void test_mailboxes(void **state)
{
	fx *f = *state;
	static const char lines[] =
	    "{\"spoor.record\":\"mailbox\",\"spoor.mailbox\":\"b@x.gov\",\"spoor.domain\":\"x.gov\","
	    "\"spoor.compromised\":true,\"spoor.evidence\":[\"spray\"],\"spoor.sources\":[\"198.51.100.1\","
	    "\"198.51.100.2\",\"198.51.100.3\",\"198.51.100.4\"],\"spoor.sources_count\":20,"
	    "\"spoor.first\":\"2026-03-02T10:00:00Z\",\"spoor.last\":\"2026-03-02T11:00:00.500Z\","
	    "\"spoor.sessions\":2,\"spoor.items\":30,\"spoor.bytes\":5000}\n"
	    "{\"spoor.record\":\"mailbox\",\"spoor.mailbox\":\"a@x.gov\",\"spoor.domain\":\"x.gov\","
	    "\"spoor.compromised\":false,\"spoor.evidence\":[],\"spoor.sources\":[\"203.0.113.9\"],"
	    "\"spoor.sources_count\":1,\"spoor.first\":\"2026-03-02T09:59:59.250Z\","
	    "\"spoor.last\":\"2026-03-02T11:00:00Z\",\"spoor.sessions\":1,\"spoor.items\":3,\"spoor.bytes\":5000}\n"
	    "{\"spoor.record\":\"mailbox\",\"spoor.mailbox\":\"svc\",\"spoor.domain\":\"-\","
	    "\"spoor.compromised\":true,\"spoor.evidence\":[\"travel\"],\"spoor.sources\":[],"
	    "\"spoor.sources_count\":0,\"spoor.sessions\":0,\"spoor.items\":0,\"spoor.bytes\":0}\n"
	    "{\"spoor.record\":\"domain\",\"spoor.domain\":\"x.gov\"}\n";
	spoor_case *c = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	char *out = NULL;
	size_t n = 0;
	assert_int_equal(spoor_case_open(&c, f->path, SPOOR_CASE_WRITE, &d), 0);
	assert_int_equal(spoor_case_mailboxes(c, 1, &out, &n, &d), SPOOR_ENOTFOUND);
	assert_int_equal(spoor_case_add_mailboxes(c, lines, strlen(lines), &d), 0);
	assert_int_equal(spoor_case_mailboxes(c, 0, &out, &n, &d), 0);
	static const char table[] =
	    "MAILBOX                                  COMP  FIRST ATTACKER ACCESS    LAST ATTACKER ACCESS     SESSIONS"
	    "      ITEMS          BYTES  ATTACKER SOURCES\n"
	    "b@x.gov                                  yes   2026-03-02T10:00:00Z     2026-03-02T11:00:00.500Z        2"
	    "         30           5000  198.51.100.1,198.51.100.2,198.51.100.3 +17\n"
	    "a@x.gov                                  no    2026-03-02T09:59:59.250Z 2026-03-02T11:00:00Z            1"
	    "          3           5000  203.0.113.9\n"
	    "svc                                      yes   -                        -                               0"
	    "          0              0  -\n"
	    "\n"
	    "AGENCY DOMAIN                            MAILBOXES COMPROMISED FIRST ATTACKER ACCESS    LAST ATTACKER "
	    "ACCESS "
	    "    SESSIONS      ITEMS          BYTES\n"
	    "x.gov                                            2           1 2026-03-02T09:59:59.250Z "
	    "2026-03-02T11:00:00.500Z        3         33          10000\n"
	    "-                                                1           1 -                        -                 "
	    "  "
	    "            0          0              0\n";
	assert_string_equal(out, table);
	assert_int_equal(n, strlen(table));
	free(out);
	assert_int_equal(spoor_case_mailboxes(c, 1, &out, &n, &d), 0);
	const char *dom = strstr(out, "{\"spoor.record\":\"domain\",\"spoor.domain\":\"x.gov\"");
	assert_non_null(dom);
	assert_string_equal(dom, "{\"spoor.record\":\"domain\",\"spoor.domain\":\"x.gov\",\"spoor.mailboxes\":2,"
				 "\"spoor.compromised_accounts\":1,\"spoor.first\":\"2026-03-02T09:59:59.250Z\","
				 "\"spoor.last\":\"2026-03-02T11:00:00.500Z\",\"spoor.sessions\":3,\"spoor.items\":33,"
				 "\"spoor.bytes\":10000}\n"
				 "{\"spoor.record\":\"domain\",\"spoor.domain\":\"-\",\"spoor.mailboxes\":1,"
				 "\"spoor.compromised_accounts\":1,\"spoor.sessions\":0,\"spoor.items\":0,"
				 "\"spoor.bytes\":0}\n");
	/* the mailbox lines are the stored ones, ordered as the table */
	assert_int_equal(strncmp(out, lines, 100), 0);
	free(out);
	assert_int_equal(spoor_case_close(c, &d), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_stage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mailboxes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
