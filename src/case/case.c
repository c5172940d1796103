/* case — the case database: open, schema, and adding a hunt's findings.
 *
 * Schema and its versioning: docs/case.md.  Everything a finding says is
 * kept in its JSON document; the columns and the entity rows are derived
 * from that document with SQLite's JSON functions, so every engine's
 * alerts (Sigma, intel, analytics, providers) land the same way. */
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/base.h"
#include "base/timeparse.h"
#include "case/case-int.h"
#include "detect/alert.h"
#include "event/event-int.h"
#include "sink/sink.h"
#include "spoor/version.h"

/* Also created in cases made before it existed (same schema version: the
 * table is additive and readers check for it). */
#define MAILBOXES_SCHEMA                                                                                               \
	"CREATE TABLE IF NOT EXISTS mailboxes(mailbox TEXT PRIMARY KEY, domain TEXT, compromised INTEGER,\n"              \
	"  evidence TEXT, sources TEXT, first TEXT, last TEXT, sessions INTEGER, items INTEGER, bytes INTEGER,\n"          \
	"  doc TEXT NOT NULL) WITHOUT ROWID;\n"                                                                  \
	"CREATE TABLE IF NOT EXISTS owned(ip TEXT PRIMARY KEY, kind TEXT NOT NULL, owner TEXT NOT NULL) WITHOUT ROWID;\n"

/* Version 2: the provider-scope stage's state (case-prov.c), for
 * `spoor providers --case` and `spoor trace --case`.  A version 1 case is
 * upgraded by adding these tables when opened for writing. */
#define PROVIDERS_SCHEMA                                                                                               \
	"CREATE TABLE IF NOT EXISTS prov_state(key TEXT PRIMARY KEY, value INTEGER) WITHOUT ROWID;\n"                  \
	"CREATE TABLE IF NOT EXISTS prov_inventory(seq INTEGER PRIMARY KEY, name TEXT NOT NULL,\n"                     \
	"  text BLOB NOT NULL);\n"                                                                                     \
	"CREATE TABLE IF NOT EXISTS prov_nodes(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL);\n"     \
	"CREATE TABLE IF NOT EXISTS prov_edges(node INTEGER NOT NULL, pos INTEGER NOT NULL, peer INTEGER NOT NULL,\n"  \
	"  label TEXT NOT NULL, PRIMARY KEY(node, pos)) WITHOUT ROWID;\n"                                              \
	"CREATE TABLE IF NOT EXISTS prov_reach(seq INTEGER PRIMARY KEY, provider TEXT NOT NULL,\n"                     \
	"  agency TEXT NOT NULL, host TEXT NOT NULL, account TEXT NOT NULL, source TEXT NOT NULL,\n"                   \
	"  count INTEGER NOT NULL, first_ts INTEGER, last_ts INTEGER);\n"                                              \
	"CREATE TABLE IF NOT EXISTS prov_violations(seq INTEGER PRIMARY KEY, provider TEXT NOT NULL, agency TEXT,\n"   \
	"  rule_id TEXT NOT NULL, ts INTEGER, host TEXT, account TEXT, source TEXT, origin TEXT, why TEXT);\n"

static const char schema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "CREATE TABLE runs(id INTEGER PRIMARY KEY, started TEXT NOT NULL, command TEXT, version TEXT);\n"
    "CREATE TABLE events(id INTEGER PRIMARY KEY, key BLOB NOT NULL UNIQUE, ts INTEGER, path TEXT,\n"
    "  offset INTEGER, line INTEGER, record_id INTEGER, leaf INTEGER, format TEXT, raw BLOB,\n"
    "  raw_cut INTEGER NOT NULL DEFAULT 0, doc TEXT);\n"
    "CREATE TABLE alerts(id INTEGER PRIMARY KEY, key BLOB NOT NULL UNIQUE, run INTEGER REFERENCES runs,\n"
    "  ts INTEGER, rule_id TEXT, rule_name TEXT, ruleset TEXT, level INTEGER, event INTEGER REFERENCES events,\n"
    "  host TEXT, account TEXT, src_ip TEXT, dst_ip TEXT, agency TEXT, provider TEXT, path TEXT,\n"
    "  offset INTEGER, leaf INTEGER, doc TEXT NOT NULL);\n"
    "CREATE INDEX alerts_ts ON alerts(ts);\n"
    "CREATE TABLE entities(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, value TEXT NOT NULL,\n"
    "  first_ts INTEGER, last_ts INTEGER, alerts INTEGER NOT NULL DEFAULT 0, UNIQUE(kind, value));\n"
    "CREATE TABLE alert_entities(alert INTEGER NOT NULL, entity INTEGER NOT NULL, role TEXT NOT NULL,\n"
    "  PRIMARY KEY(alert, entity, role)) WITHOUT ROWID;\n"
    "CREATE INDEX alert_entities_entity ON alert_entities(entity);\n"
    "CREATE TABLE links(a INTEGER NOT NULL, b INTEGER NOT NULL, n INTEGER NOT NULL, first_ts INTEGER,\n"
    "  last_ts INTEGER, PRIMARY KEY(a, b)) WITHOUT ROWID;\n"
    "CREATE TABLE flows(account TEXT NOT NULL, src_ip TEXT NOT NULL, dst_ip TEXT NOT NULL, host TEXT NOT NULL,\n"
    "  agency TEXT NOT NULL, day INTEGER NOT NULL, events INTEGER NOT NULL, bytes_up INTEGER NOT NULL,\n"
    "  bytes_down INTEGER NOT NULL, items INTEGER NOT NULL, first_ts INTEGER, last_ts INTEGER,\n"
    "  first_path TEXT, first_offset INTEGER,\n"
    "  PRIMARY KEY(account, src_ip, dst_ip, host, agency, day)) WITHOUT ROWID;\n"
    "CREATE INDEX flows_src ON flows(src_ip);\n"
    "CREATE TABLE inputs(path TEXT PRIMARY KEY, upto INTEGER NOT NULL) WITHOUT ROWID;\n"
    MAILBOXES_SCHEMA
    PROVIDERS_SCHEMA
    "CREATE INDEX flows_dst ON flows(dst_ip);\n";

static const char *const stmt_sql[_ST_MAX] = {
    [ST_RUN] = "INSERT INTO runs(started, command, version) VALUES(?1, ?2, ?3)",
    [ST_EVENT_FIND] = "SELECT id FROM events WHERE key = ?1",
    [ST_EVENT_ADD] = "INSERT INTO events(key, ts, path, offset, line, record_id, leaf, format, raw, raw_cut, doc)"
		     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [ST_ALERT_ADD] = "INSERT INTO alerts(key, run, ts, rule_id, rule_name, ruleset, level, event, doc, host, account,"
		     " src_ip, dst_ip, agency, provider, path, offset, leaf)"
		     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
		     " json_extract(?9, '$.\"host.name\"'), json_extract(?9, '$.\"user.name\"'),"
		     " json_extract(?9, '$.\"source.ip\"'), json_extract(?9, '$.\"destination.ip\"'),"
		     " json_extract(?9, '$.\"spoor.agency\"'), json_extract(?9, '$.\"spoor.provider\"'),"
		     " json_extract(?9, '$.\"log.file.path\"'), json_extract(?9, '$.\"log.offset\"'),"
		     " json_extract(?9, '$.\"spoor.evidence.leaf\"'))"
		     " ON CONFLICT(key) DO NOTHING",
    /* one entity per value at a path of the alert document (a string, or
     * each element of an array); ?5 = keep only values with an '@' */
    [ST_ENTITY_UPSERT] = "INSERT INTO entities(kind, value, first_ts, last_ts, alerts)"
			 " SELECT ?1, lower(value), ?3, ?3, 1 FROM json_each(?2, ?4)"
			 " WHERE type = 'text' AND value != '' AND value != '-' AND (?5 = 0 OR value LIKE '%@%')"
			 " ON CONFLICT(kind, value) DO UPDATE SET"
			 " first_ts = min(coalesce(first_ts, excluded.first_ts), coalesce(excluded.first_ts, first_ts)),"
			 " last_ts = max(coalesce(last_ts, excluded.last_ts), coalesce(excluded.last_ts, last_ts)),"
			 " alerts = alerts + 1 RETURNING id",
    [ST_ENTITY_ID] = "SELECT id FROM entities WHERE kind = ?1 AND value = ?2",
    [ST_ALERT_ENTITY] = "INSERT OR IGNORE INTO alert_entities(alert, entity, role) VALUES(?1, ?2, ?3)",
    [ST_LINK] = "INSERT INTO links(a, b, n, first_ts, last_ts) VALUES(?1, ?2, 1, ?3, ?3)"
		" ON CONFLICT(a, b) DO UPDATE SET n = n + 1,"
		" first_ts = min(coalesce(first_ts, excluded.first_ts), coalesce(excluded.first_ts, first_ts)),"
		" last_ts = max(coalesce(last_ts, excluded.last_ts), coalesce(excluded.last_ts, last_ts))",
    [ST_INPUT_GET] = "SELECT upto FROM inputs WHERE path = ?1",
    [ST_INPUT_SET] = "INSERT INTO inputs(path, upto) VALUES(?1, ?2)"
		     " ON CONFLICT(path) DO UPDATE SET upto = max(upto, excluded.upto)",
    [ST_OWNED] = "INSERT OR IGNORE INTO owned(ip, kind, owner) VALUES(?1, ?2, ?3)",
    [ST_FLOW] = "INSERT INTO flows(account, src_ip, dst_ip, host, agency, day, events, bytes_up, bytes_down, items,"
		" first_ts, last_ts, first_path, first_offset)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?9, ?10, ?10, ?11, ?12)"
		" ON CONFLICT(account, src_ip, dst_ip, host, agency, day) DO UPDATE SET events = events + 1,"
		" bytes_up = bytes_up + excluded.bytes_up, bytes_down = bytes_down + excluded.bytes_down,"
		" items = items + excluded.items,"
		" first_ts = min(coalesce(first_ts, excluded.first_ts), coalesce(excluded.first_ts, first_ts)),"
		" last_ts = max(coalesce(last_ts, excluded.last_ts), coalesce(excluded.last_ts, last_ts))",
};

/* Where entities come from in an alert document. */
static const struct {
	const char *kind, *path, *role;
	int email_only;
} entity_paths[] = {
    {"account", "$.\"user.name\"", "user", 0},
    {"mailbox", "$.\"user.name\"", "user", 1},
    {"mailbox", "$.\"user.email\"", "user", 0},
    {"account", "$.\"user.target.name\"", "target", 0},
    {"mailbox", "$.\"spoor.mailbox\"", "mailbox", 0},
    {"account", "$.\"spoor.accounts\"", "target", 0},
    {"account", "$.\"spoor.compromised\"", "compromised", 0},
    {"host", "$.\"host.name\"", "host", 0},
    {"ip", "$.\"source.ip\"", "source", 0},
    {"ip", "$.\"spoor.sources\"", "source", 0},
    {"ip", "$.\"destination.ip\"", "destination", 0},
    {"domain", "$.\"destination.domain\"", "destination", 0},
    {"domain", "$.\"dns.question.name\"", "query", 0},
    {"agency", "$.\"spoor.agency\"", "agency", 0},
    {"provider", "$.\"spoor.provider\"", "provider", 0},
    {"actor", "$.\"threat.group.name\"", "actor", 0},
    {"actor", "$.\"threat.actor.name\"", "actor", 0},
    {"indicator", "$.\"threat.indicator.name\"", "indicator", 0},
    {"indicator", "$.\"threat.indicator.value\"", "indicator", 0},
};

/* Pairs of entity kinds linked when one alert names both (the entity
 * graph of the report: provider -> agency -> host / mailbox). */
static const struct {
	const char *a, *b;
} link_kinds[] = {
    {"provider", "agency"}, {"agency", "host"},	   {"agency", "mailbox"}, {"account", "ip"},
    {"actor", "ip"},	    {"actor", "agency"},   {"provider", "account"}, {"mailbox", "ip"},
    {"indicator", "ip"},    {"provider", "host"},
};

int case_sqlerr(spoor_case *c, spoor_diag *diag, const char *what)
{
	int e = c->db ? sqlite3_errcode(c->db) : SQLITE_ERROR;
	int code = e == SQLITE_NOMEM		       ? SPOOR_ENOMEM
		   : e == SQLITE_CORRUPT || e == SQLITE_NOTADB ? SPOOR_ECORRUPT
		   : e == SQLITE_BUSY || e == SQLITE_LOCKED    ? SPOOR_EAGAIN
							       : SPOOR_EIO;
	return diag_set(diag, code, "%s: %s: %s", c->path, what, c->db ? sqlite3_errmsg(c->db) : "cannot open");
}

static int exec(spoor_case *c, const char *sql, spoor_diag *diag)
{
	if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return case_sqlerr(c, diag, "SQL");
	return 0;
}

int case_tx(spoor_case *c, spoor_diag *diag)
{
	if (c->in_tx)
		return 0;
	int rc = exec(c, "BEGIN IMMEDIATE", diag);
	if (rc == 0)
		c->in_tx = true;
	return rc;
}

SPOOR_API int spoor_case_commit(spoor_case *c, spoor_diag *diag)
{
	if (!c->in_tx)
		return 0;
	c->in_tx = false;
	c->pending = 0;
	return exec(c, "COMMIT", diag);
}

int case_step(spoor_case *c, spoor_diag *diag)
{
	if (++c->pending >= CASE_BATCH)
		return spoor_case_commit(c, diag);
	return 0;
}

static int meta_get(spoor_case *c, const char *key, char *out, size_t n)
{
	sqlite3_stmt *st;
	out[0] = 0;
	if (sqlite3_prepare_v2(c->db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? 1 : 0;
}

static int check_schema(spoor_case *c, spoor_diag *diag)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return case_sqlerr(c, diag, "not a database");
	int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (v < 0)
		return case_sqlerr(c, diag, "cannot read the schema version");
	if (v == 0) {
		/* empty: create, unless it has tables of something else */
		if (sqlite3_prepare_v2(c->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) != SQLITE_OK)
			return case_sqlerr(c, diag, "not a database");
		int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
		sqlite3_finalize(st);
		if (n != 0)
			return diag_set(diag, SPOOR_ECORRUPT, "%s: a SQLite database, but not a spoor case", c->path);
		if (!c->writable)
			return diag_set(diag, SPOOR_ECORRUPT, "%s: an empty database, not a spoor case", c->path);
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SPOOR_CASE_SCHEMA);
		int rc = exec(c, "BEGIN", diag);
		if (rc == 0)
			rc = exec(c, schema, diag);
		if (rc == 0)
			rc = exec(c, "INSERT INTO meta VALUES('application', 'spoor-case')", diag);
		if (rc == 0)
			rc = exec(c, sql, diag);
		if (rc == 0)
			rc = exec(c, "COMMIT", diag);
		return rc;
	}
	char app[64];
	if (meta_get(c, "application", app, sizeof(app)) != 1 || strcmp(app, "spoor-case"))
		return diag_set(diag, SPOOR_ECORRUPT, "%s: a SQLite database, but not a spoor case", c->path);
	if (v == 1 && c->writable) {
		/* upgrade in one transaction: version 2 only adds tables */
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SPOOR_CASE_SCHEMA);
		int rc = exec(c, "BEGIN IMMEDIATE", diag);
		if (rc == 0)
			rc = exec(c, PROVIDERS_SCHEMA, diag);
		if (rc == 0)
			rc = exec(c, sql, diag);
		if (rc == 0)
			rc = exec(c, "COMMIT", diag);
		if (rc < 0) {
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
		v = SPOOR_CASE_SCHEMA;
	}
	/* read-only, version 1 reads as version 2 without the provider state */
	if (v != SPOOR_CASE_SCHEMA && !(v == 1 && !c->writable))
		return diag_set(diag, SPOOR_EINVAL,
				"%s: case schema version %d; this spoor reads versions 1 and %d (docs/case.md: migrations)",
				c->path, v, SPOOR_CASE_SCHEMA);
	/* a quick structural check: damaged pages show up here rather than
	 * half-way through a report */
	if (sqlite3_prepare_v2(c->db, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK)
		return case_sqlerr(c, diag, "damaged");
	int r = sqlite3_step(st);
	bool ok = r == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	if (!ok)
		return diag_set(diag, SPOOR_ECORRUPT, "%s: the case database is damaged (PRAGMA quick_check fails)",
				c->path);
	return 0;
}

SPOOR_API int spoor_case_open(spoor_case **out, const char *path, unsigned flags, spoor_diag *diag)
{
	*out = NULL;
	spoor_case *c = xcalloc(1, sizeof(*c));
	if (!c)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	c->path = xstrndup(path, strlen(path));
	c->writable = flags & SPOOR_CASE_WRITE;
	c->run = 0;
	buf_init(&c->tmp, 1u << 20);
	int rc = 0;
	struct stat sb;
	if (!c->path)
		rc = diag_set(diag, SPOOR_ENOMEM, "out of memory");
	else if (!c->writable && stat(path, &sb) < 0)
		rc = diag_set(diag, SPOOR_ENOTFOUND, "%s: no such case", path);
	int of = c->writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
	if (rc == 0 && sqlite3_open_v2(path, &c->db, of | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		rc = case_sqlerr(c, diag, "cannot open");
	if (rc == 0) {
		sqlite3_busy_timeout(c->db, 10000);
		sqlite3_extended_result_codes(c->db, 0);
		if (c->writable)
			rc = exec(c, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON",
				  diag);
	}
	if (rc == 0)
		rc = check_schema(c, diag);
	if (rc == 0 && c->writable)
		rc = exec(c, MAILBOXES_SCHEMA PROVIDERS_SCHEMA, diag);
	for (int i = 0; i < _ST_MAX && rc == 0 && c->writable; i++)
		if (sqlite3_prepare_v3(c->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->st[i], NULL) != SQLITE_OK)
			rc = case_sqlerr(c, diag, "prepare");
	if (rc == 0 && c->writable) {
		spoor_out_options oo = SPOOR_OUT_OPTIONS_INIT;
		rc = spoor_out_new(&c->render, -1, &oo, diag);
	}
	if (rc < 0) {
		spoor_diag d2 = SPOOR_DIAG_INIT;
		spoor_case_close(c, &d2);
		return rc;
	}
	*out = c;
	return 0;
}

SPOOR_API int spoor_case_close(spoor_case *c, spoor_diag *diag)
{
	if (!c)
		return 0;
	int rc = 0;
	if (c->db && c->in_tx)
		rc = spoor_case_commit(c, diag);
	for (int i = 0; i < _ST_MAX; i++)
		sqlite3_finalize(c->st[i]);
	if (c->db && sqlite3_close(c->db) != SQLITE_OK && rc == 0)
		rc = case_sqlerr(c, diag, "close");
	spoor_out_free(c->render);
	buf_done(&c->tmp);
	free(c->path);
	free(c);
	return rc;
}

static int run_stmt(spoor_case *c, sqlite3_stmt *st, spoor_diag *diag, const char *what)
{
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return case_sqlerr(c, diag, what);
	return 0;
}

SPOOR_API int spoor_case_begin_run(spoor_case *c, const char *command, spoor_diag *diag)
{
	if (!c->writable)
		return diag_set(diag, SPOOR_EINVAL, "%s: opened read-only", c->path);
	char now[40];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	time_format((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, now);
	int rc = case_tx(c, diag);
	if (rc < 0)
		return rc;
	sqlite3_stmt *st = c->st[ST_RUN];
	sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, command ? command : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, spoor_version(), -1, SQLITE_STATIC);
	rc = run_stmt(c, st, diag, "add run");
	if (rc == 0)
		c->run = sqlite3_last_insert_rowid(c->db);
	return rc;
}

static void sha256(const void *p, size_t n, const void *p2, size_t n2, unsigned char out[32])
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	unsigned int ol = 32;
	if (!m || EVP_DigestInit_ex(m, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(m, p, n) != 1 ||
	    (n2 && EVP_DigestUpdate(m, p2, n2) != 1) || EVP_DigestFinal_ex(m, out, &ol) != 1)
		memset(out, 0, 32); /* only under memory exhaustion; dedup degrades */
	EVP_MD_CTX_free(m);
}

/* The event's row id, adding it when new.  0 = none. */
static int add_event(spoor_case *c, spoor_event *ev, sqlite3_int64 *id, spoor_diag *diag)
{
	spoor_sv raw = spoor_event_raw(ev);
	buf *t = &c->tmp;
	buf_clear(t);
	int rc = buf_printf(t, "%s\n%llu\n%llu\n", ev->origin.path ? ev->origin.path : "",
			    (unsigned long long)ev->origin.offset, (unsigned long long)ev->origin.record_id);
	if (rc < 0)
		return diag_set(diag, rc, "out of memory");
	unsigned char key[32];
	sha256(t->p, t->len, raw.p, raw.n, key);
	sqlite3_stmt *st = c->st[ST_EVENT_FIND];
	sqlite3_bind_blob(st, 1, key, 32, SQLITE_STATIC);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return case_sqlerr(c, diag, "find event");
	spoor_sv doc = {NULL, 0};
	if ((rc = out_event_text(c->render, ev, &doc)) < 0)
		return diag_set(diag, rc, "cannot render the event");
	st = c->st[ST_EVENT_ADD];
	sqlite3_bind_blob(st, 1, key, 32, SQLITE_STATIC);
	if (ev->has_ts)
		sqlite3_bind_int64(st, 2, ev->ts);
	sqlite3_bind_text(st, 3, ev->origin.path ? ev->origin.path : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)ev->origin.offset);
	if (ev->origin.line)
		sqlite3_bind_int64(st, 5, (sqlite3_int64)ev->origin.line);
	if (ev->origin.record_id)
		sqlite3_bind_int64(st, 6, (sqlite3_int64)ev->origin.record_id);
	const efield *lf = event_find(ev, F_SPOOR_EVIDENCE_LEAF);
	uint64_t leaf;
	if (lf && sv_to_u64(lf->val, &leaf))
		sqlite3_bind_int64(st, 7, (sqlite3_int64)leaf);
	sqlite3_bind_text(st, 8, ev->format ? ev->format : "", -1, SQLITE_STATIC);
	size_t rn = MIN(raw.n, (size_t)CASE_MAX_RAW);
	sqlite3_bind_blob(st, 9, raw.p ? raw.p : "", (int)rn, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, rn < raw.n);
	/* the rendered line ends in "\n" */
	sqlite3_bind_text(st, 11, doc.p, (int)(doc.n && doc.p[doc.n - 1] == '\n' ? doc.n - 1 : doc.n),
			  SQLITE_STATIC);
	rc = run_stmt(c, st, diag, "add event");
	if (rc == 0) {
		*id = sqlite3_last_insert_rowid(c->db);
		c->events_added++;
	}
	return rc;
}

typedef struct ent {
	sqlite3_int64 id;
	const char *kind;
} ent;

SPOOR_API int spoor_case_add_finding(spoor_case *c, const spoor_finding *f, spoor_diag *diag)
{
	if (!c->writable)
		return diag_set(diag, SPOOR_EINVAL, "%s: opened read-only", c->path);
	int rc = case_tx(c, diag);
	if (rc < 0)
		return rc;
	sqlite3_int64 evid = 0;
	if (f->ev && (rc = add_event(c, f->ev, &evid, diag)) < 0)
		return rc;
	/* the alert's identity: rule + record (+ time), or its whole document
	 * when it stands for many records; never the run or the leaf index, so
	 * a second hunt over the same input adds nothing */
	size_t jn = f->json.n && f->json.p[f->json.n - 1] == '\n' ? f->json.n - 1 : f->json.n;
	unsigned char key[32];
	buf *t = &c->tmp;
	buf_clear(t);
	rc = buf_printf(t, "%s\n%s\n%s\n%lld\n", f->ruleset ? f->ruleset : "", f->rule_id ? f->rule_id : "",
			f->rule_name ? f->rule_name : "", (long long)f->ts);
	if (rc == 0 && f->ev)
		rc = buf_printf(t, "%s\n%llu\n%llu\n", f->ev->origin.path ? f->ev->origin.path : "",
				(unsigned long long)f->ev->origin.offset, (unsigned long long)f->ev->origin.record_id);
	if (rc < 0)
		return diag_set(diag, rc, "out of memory");
	if (f->ev)
		sha256(t->p, t->len, NULL, 0, key);
	else
		sha256(t->p, t->len, f->json.p, jn, key);
	sqlite3_stmt *st = c->st[ST_ALERT_ADD];
	sqlite3_bind_blob(st, 1, key, 32, SQLITE_STATIC);
	if (c->run)
		sqlite3_bind_int64(st, 2, c->run);
	if (f->ts)
		sqlite3_bind_int64(st, 3, f->ts);
	if (f->rule_id)
		sqlite3_bind_text(st, 4, f->rule_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, f->rule_name ? f->rule_name : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, f->ruleset ? f->ruleset : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, (int)f->level);
	if (evid)
		sqlite3_bind_int64(st, 8, evid);
	sqlite3_bind_text(st, 9, f->json.p, (int)jn, SQLITE_STATIC);
	rc = run_stmt(c, st, diag, "add alert");
	if (rc < 0)
		return rc;
	if (sqlite3_changes(c->db) == 0) {
		c->alerts_dup++;
		return case_step(c, diag);
	}
	sqlite3_int64 aid = sqlite3_last_insert_rowid(c->db);
	c->alerts_added++;
	/* entities named by the alert, and links between them */
	ent ents[64];
	size_t ne = 0;
	for (size_t i = 0; i < ARRAY_SIZE(entity_paths); i++) {
		st = c->st[ST_ENTITY_UPSERT];
		sqlite3_bind_text(st, 1, entity_paths[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, f->json.p, (int)jn, SQLITE_STATIC);
		if (f->ts)
			sqlite3_bind_int64(st, 3, f->ts);
		sqlite3_bind_text(st, 4, entity_paths[i].path, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, entity_paths[i].email_only);
		int r;
		while ((r = sqlite3_step(st)) == SQLITE_ROW) {
			sqlite3_int64 eid = sqlite3_column_int64(st, 0);
			bool seen = false;
			for (size_t k = 0; k < ne && !seen; k++)
				seen = ents[k].id == eid;
			if (!seen && ne < ARRAY_SIZE(ents))
				ents[ne++] = (ent){eid, entity_paths[i].kind};
			sqlite3_stmt *ae = c->st[ST_ALERT_ENTITY];
			sqlite3_bind_int64(ae, 1, aid);
			sqlite3_bind_int64(ae, 2, eid);
			sqlite3_bind_text(ae, 3, entity_paths[i].role, -1, SQLITE_STATIC);
			if ((rc = run_stmt(c, ae, diag, "add alert entity")) < 0)
				break;
		}
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (rc < 0)
			return rc;
		if (r != SQLITE_DONE && r != SQLITE_ROW)
			return case_sqlerr(c, diag, "add entity");
	}
	for (size_t i = 0; i < ne; i++) {
		for (size_t j = 0; j < ne; j++) {
			bool linked = false;
			for (size_t k = 0; k < ARRAY_SIZE(link_kinds) && !linked; k++)
				linked = !strcmp(ents[i].kind, link_kinds[k].a) && !strcmp(ents[j].kind, link_kinds[k].b);
			if (!linked)
				continue;
			st = c->st[ST_LINK];
			sqlite3_bind_int64(st, 1, ents[i].id);
			sqlite3_bind_int64(st, 2, ents[j].id);
			if (f->ts)
				sqlite3_bind_int64(st, 3, f->ts);
			if ((rc = run_stmt(c, st, diag, "add link")) < 0)
				return rc;
		}
	}
	return case_step(c, diag);
}

SPOOR_API int spoor_case_add_mailboxes(spoor_case *c, const char *jsonl, size_t len, spoor_diag *diag)
{
	if (!c->writable)
		return diag_set(diag, SPOOR_EINVAL, "%s: opened read-only", c->path);
	int rc = case_tx(c, diag);
	sqlite3_stmt *st = NULL;
	if (rc == 0 &&
	    sqlite3_prepare_v2(c->db,
			       "INSERT OR REPLACE INTO mailboxes SELECT lower(json_extract(?1, '$.\"spoor.mailbox\"')),"
			       " json_extract(?1, '$.\"spoor.domain\"'), json_extract(?1, '$.\"spoor.compromised\"'),"
			       " json_extract(?1, '$.\"spoor.evidence\"'), json_extract(?1, '$.\"spoor.sources\"'),"
			       " json_extract(?1, '$.\"spoor.first\"'), json_extract(?1, '$.\"spoor.last\"'),"
			       " json_extract(?1, '$.\"spoor.sessions\"'), json_extract(?1, '$.\"spoor.items\"'),"
			       " json_extract(?1, '$.\"spoor.bytes\"'), ?1"
			       " WHERE json_valid(?1) AND json_extract(?1, '$.\"spoor.record\"') = 'mailbox'",
			       -1, &st, NULL) != SQLITE_OK)
		rc = case_sqlerr(c, diag, "prepare");
	for (size_t i = 0; i < len && rc == 0;) {
		const char *nl = memchr(jsonl + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (jsonl + i)) : len - i;
		if (n) {
			sqlite3_bind_text(st, 1, jsonl + i, (int)n, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = case_sqlerr(c, diag, "add mailbox");
			sqlite3_reset(st);
		}
		i += n + 1;
	}
	sqlite3_finalize(st);
	return rc ? rc : spoor_case_commit(c, diag);
}

/* Is there a mailboxes table with rows?  (Cases from before it have none.) */
int case_has_mailboxes(spoor_case *c)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(c->db, "SELECT count(*) FROM mailboxes", -1, &st, NULL) != SQLITE_OK)
		return 0;
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return n;
}

/* A domain's totals over its mailboxes (as src/detect/analytics/mailboxes.c
 * sums them when it prints). */
typedef struct mb_dom {
	char *name;
	uint64_t mailboxes, compromised, sessions, items, bytes;
	int64_t first, last;
} mb_dom;

static int cmp_dom(const void *x, const void *y)
{
	const mb_dom *a = x, *b = y;
	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	if (a->items != b->items)
		return a->items < b->items ? 1 : -1;
	size_t an = strlen(a->name), bn = strlen(b->name);
	int c = memcmp(a->name, b->name, MIN(an, bn));
	return c ? c : (an > bn) - (an < bn);
}

static int64_t mb_time(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	int64_t ns = 0;
	if (!t || !time_parse_iso(sv_cstr(t), NULL, &ns))
		return 0;
	return ns;
}

static void mb_tstr(int64_t ns, char *out)
{
	if (!ns)
		strcpy(out, "-");
	else
		out[time_format(ns, out)] = 0;
}

/* The stored summary printed as `spoor mailboxes` prints it over the logs:
 * the mailbox rows (data taken first), then the agency domains' totals;
 * the JSON lines are the analytics' own, then the domain records. */
SPOOR_API int spoor_case_mailboxes(spoor_case *c, int json, char **out, size_t *len, spoor_diag *diag)
{
	*out = NULL;
	*len = 0;
	if (!case_has_mailboxes(c))
		return diag_set(diag, SPOOR_ENOTFOUND,
				"%s: no mailbox summary in this case (hunt it with --analytics and --case)", c->path);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(
		c->db,
		"SELECT doc, name, coalesce(json_extract(doc, '$.\"spoor.domain\"'), '-'),"
		" coalesce(json_extract(doc, '$.\"spoor.compromised\"'), 0), json_extract(doc, '$.\"spoor.first\"'),"
		" json_extract(doc, '$.\"spoor.last\"'), coalesce(sessions, 0), coalesce(items, 0), coalesce(bytes, 0),"
		" (SELECT group_concat(substr(value, 1, 45), ',') FROM"
		"  (SELECT value FROM json_each(doc, '$.\"spoor.sources\"') LIMIT 3)),"
		" coalesce(json_extract(doc, '$.\"spoor.sources_count\"'), 0)"
		" FROM (SELECT *, json_extract(doc, '$.\"spoor.mailbox\"') AS name FROM mailboxes)"
		" ORDER BY coalesce(bytes, 0) DESC, coalesce(items, 0) DESC, name",
		-1, &st, NULL) != SQLITE_OK)
		return case_sqlerr(c, diag, "mailboxes");
	buf b;
	buf_init(&b, (size_t)1 << 30);
	mb_dom *dom = NULL;
	size_t ndom = 0, capdom = 0;
	int rc = json ? 0
		      : buf_printf(&b, "%-40s %-5s %-24s %-24s %8s %10s %14s  %s\n", "MAILBOX", "COMP",
				   "FIRST ATTACKER ACCESS", "LAST ATTACKER ACCESS", "SESSIONS", "ITEMS", "BYTES",
				   "ATTACKER SOURCES");
	int r = SQLITE_DONE;
	while (rc == 0 && (r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *dn = (const char *)sqlite3_column_text(st, 2);
		bool comp = sqlite3_column_int(st, 3) != 0;
		int64_t first = mb_time(st, 4), last = mb_time(st, 5);
		uint64_t sessions = (uint64_t)sqlite3_column_int64(st, 6), items = (uint64_t)sqlite3_column_int64(st, 7),
			 bytes = (uint64_t)sqlite3_column_int64(st, 8);
		if (json) {
			rc = buf_add(&b, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
			rc = rc ?: buf_addc(&b, '\n');
		} else {
			char t1[48], t2[48], srcs[200];
			mb_tstr(first, t1);
			mb_tstr(last, t2);
			const char *sj = (const char *)sqlite3_column_text(st, 9);
			int64_t ns = sqlite3_column_int64(st, 10);
			snprintf(srcs, sizeof(srcs), "%s", sj ? sj : "");
			size_t o = strlen(srcs);
			if (ns > 3 && o + 12 < sizeof(srcs))
				snprintf(srcs + o, sizeof(srcs) - o, " +%lld", (long long)(ns - 3));
			rc = buf_printf(&b, "%-40.40s %-5s %-24s %-24s %8" PRIu64 " %10" PRIu64 " %14" PRIu64 "  %s\n",
					name ? name : "", comp ? "yes" : "no", t1, t2, sessions, items, bytes,
					srcs[0] ? srcs : "-");
		}
		/* the domain's totals */
		size_t k = 0;
		while (k < ndom && strcmp(dom[k].name, dn ? dn : "-"))
			k++;
		if (rc == 0 && k == ndom) {
			if (ndom == capdom) {
				size_t nc = capdom ? 2 * capdom : 16;
				mb_dom *nv = xreallocarray(dom, nc, sizeof(*nv));
				if (!nv) {
					rc = SPOOR_ENOMEM;
					break;
				}
				dom = nv;
				capdom = nc;
			}
			memset(&dom[ndom], 0, sizeof(*dom));
			dom[ndom].name = xstrndup(dn ? dn : "-", strlen(dn ? dn : "-"));
			if (!dom[ndom++].name) {
				rc = SPOOR_ENOMEM;
				break;
			}
		}
		if (rc == 0) {
			mb_dom *d = &dom[k];
			d->mailboxes++;
			d->compromised += comp;
			d->sessions += sessions;
			d->items += items;
			d->bytes += bytes;
			if (first && (!d->first || first < d->first))
				d->first = first;
			if (last > d->last)
				d->last = last;
		}
	}
	bool sqlbad = rc == 0 && r != SQLITE_DONE;
	sqlite3_finalize(st);
	if (ndom > 1)
		qsort(dom, ndom, sizeof(*dom), cmp_dom);
	if (rc == 0 && !json && ndom)
		rc = buf_printf(&b, "\n%-40s %9s %11s %-24s %-24s %8s %10s %14s\n", "AGENCY DOMAIN", "MAILBOXES",
				"COMPROMISED", "FIRST ATTACKER ACCESS", "LAST ATTACKER ACCESS", "SESSIONS", "ITEMS",
				"BYTES");
	for (size_t i = 0; i < ndom && rc == 0; i++) {
		const mb_dom *d = &dom[i];
		char t1[48], t2[48];
		mb_tstr(d->first, t1);
		mb_tstr(d->last, t2);
		if (json) {
			rc = buf_adds(&b, "{\"spoor.record\":\"domain\",\"spoor.domain\":");
			rc = rc ?: json_str(&b, d->name, strlen(d->name));
			rc = rc ?: buf_printf(&b, ",\"spoor.mailboxes\":%" PRIu64 ",\"spoor.compromised_accounts\":%" PRIu64,
					      d->mailboxes, d->compromised);
			if (d->first)
				rc = rc ?: buf_printf(&b, ",\"spoor.first\":\"%s\",\"spoor.last\":\"%s\"", t1, t2);
			rc = rc ?: buf_printf(&b,
					      ",\"spoor.sessions\":%" PRIu64 ",\"spoor.items\":%" PRIu64
					      ",\"spoor.bytes\":%" PRIu64 "}\n",
					      d->sessions, d->items, d->bytes);
		} else {
			rc = buf_printf(&b,
					"%-40.40s %9" PRIu64 " %11" PRIu64 " %-24s %-24s %8" PRIu64 " %10" PRIu64
					" %14" PRIu64 "\n",
					d->name, d->mailboxes, d->compromised, t1, t2, d->sessions, d->items, d->bytes);
		}
	}
	for (size_t i = 0; i < ndom; i++)
		free(dom[i].name);
	free(dom);
	if (sqlbad) {
		buf_done(&b);
		return case_sqlerr(c, diag, "read the mailboxes");
	}
	if (rc == 0)
		rc = buf_addc(&b, 0);
	if (rc < 0) {
		buf_done(&b);
		return diag_set(diag, rc, "out of memory");
	}
	*out = b.p;
	*len = b.len - 1;
	return 0;
}

SPOOR_API void spoor_case_use_inventory(spoor_case *c, const struct spoor_inventory *inv)
{
	c->inv = inv;
}
