/* scope — which agencies, mailboxes, hosts and providers were touched,
 * since when, and what data left (docs/case.md, "scope").
 *
 * 1. The query selects alerts into TEMP table sel: by time, and by the
 *    entities they name (agency, provider, account).  An actor or an
 *    indicator selects the alerts that name it, plus every alert sharing an
 *    address or an account with those (one hop): intel names the actor on
 *    a handful of records, the rest of its activity is tied to it through
 *    the addresses and accounts it used.
 * 2. Entities, kill chain, rules: aggregates over sel.
 * 3. Data taken: the intruders' addresses are the public source addresses
 *    of the selected alerts of level medium or above (other than intel),
 *    and the addresses intel matched as indicators (a domain or hash match
 *    names the victim, not the intruder).  Mail taken from a mailbox =
 *    bytes sent to (and items read by) those addresses in its sessions;
 *    data taken from a host = bytes it sent to them (Zeek, proxy, IIS).
 *    Every row names the first record it counts. */
#include "case/scope.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

const char *const scope_tactics[] = {
    "Reconnaissance",	 "Resource Development", "Initial Access",     "Execution",
    "Persistence",	 "Privilege Escalation", "Defense Evasion",    "Stealth",
    "Defense Impairment", "Credential Access",	  "Discovery",	       "Lateral Movement",
    "Collection",	 "Command and Control",	 "Exfiltration",       "Impact",
};
const size_t scope_ntactics = ARRAY_SIZE(scope_tactics);

int scope_tactic_index(const char *name)
{
	for (size_t i = 0; i < scope_ntactics; i++)
		if (!strcmp(name, scope_tactics[i]))
			return (int)i;
	return -1;
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return xstrndup(t ? (const char *)t : "", t ? (size_t)sqlite3_column_bytes(st, i) : 0);
}

static int prep(spoor_case *c, const char *sql, sqlite3_stmt **st, spoor_diag *diag)
{
	if (sqlite3_prepare_v2(c->db, sql, -1, st, NULL) != SQLITE_OK)
		return case_sqlerr(c, diag, "query");
	return 0;
}

static bool is_public(const char *ip)
{
	unsigned char a[16];
	if (inet_pton(AF_INET, ip, a) == 1) {
		return !(a[0] == 10 || a[0] == 127 || a[0] == 0 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
			 (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
			 (a[0] == 100 && (a[1] & 0xc0) == 64) || a[0] >= 224);
	}
	if (inet_pton(AF_INET6, ip, a) == 1) {
		static const unsigned char lo[16] = {[15] = 1};
		return !((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff ||
			 !memcmp(a, lo, 16));
	}
	return false;
}

/* Fill sel. */
static int select_alerts(spoor_case *c, const spoor_scope_query *q, spoor_diag *diag)
{
	int rc = 0;
	if (sqlite3_exec(c->db,
			 "CREATE TEMP TABLE IF NOT EXISTS sel(id INTEGER PRIMARY KEY);"
			 "CREATE TEMP TABLE IF NOT EXISTS seed(id INTEGER PRIMARY KEY);"
			 "CREATE TEMP TABLE IF NOT EXISTS ips(ip TEXT PRIMARY KEY);"
			 "DELETE FROM sel; DELETE FROM seed; DELETE FROM ips;",
			 NULL, NULL, NULL) != SQLITE_OK)
		return case_sqlerr(c, diag, "temporary tables");
	sqlite3_stmt *st;
	const char *pivot = q->actor ? "actor" : q->indicator ? "indicator" : NULL;
	if (pivot) {
		rc = prep(c,
			  "INSERT OR IGNORE INTO seed SELECT ae.alert FROM alert_entities ae JOIN entities e"
			  " ON e.id = ae.entity WHERE e.kind = ?1 AND e.value = lower(?2)",
			  &st, diag);
		if (rc < 0)
			return rc;
		sqlite3_bind_text(st, 1, pivot, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, q->actor ? q->actor : q->indicator, -1, SQLITE_STATIC);
		int r = sqlite3_step(st);
		sqlite3_finalize(st);
		if (r != SQLITE_DONE)
			return case_sqlerr(c, diag, "select by actor/indicator");
		if (sqlite3_exec(c->db,
				 "INSERT OR IGNORE INTO seed SELECT ae2.alert FROM alert_entities ae"
				 " JOIN entities e ON e.id = ae.entity AND e.kind IN ('ip', 'account', 'mailbox')"
				 " JOIN alert_entities ae2 ON ae2.entity = ae.entity WHERE ae.alert IN (SELECT id FROM seed)",
				 NULL, NULL, NULL) != SQLITE_OK)
			return case_sqlerr(c, diag, "select by actor/indicator");
	}
	rc = prep(c,
		  "INSERT INTO sel SELECT a.id FROM alerts a WHERE (?1 = 0 OR a.ts >= ?1) AND (?2 = 0 OR a.ts < ?2)"
		  " AND (?3 = 0 OR a.id IN (SELECT id FROM seed))"
		  " AND (?4 IS NULL OR EXISTS (SELECT 1 FROM alert_entities ae JOIN entities e ON e.id = ae.entity"
		  "   WHERE ae.alert = a.id AND e.kind = 'agency' AND e.value = lower(?4)))"
		  " AND (?5 IS NULL OR EXISTS (SELECT 1 FROM alert_entities ae JOIN entities e ON e.id = ae.entity"
		  "   WHERE ae.alert = a.id AND e.kind = 'provider' AND e.value = lower(?5)))"
		  " AND (?6 IS NULL OR EXISTS (SELECT 1 FROM alert_entities ae JOIN entities e ON e.id = ae.entity"
		  "   WHERE ae.alert = a.id AND e.kind IN ('account', 'mailbox') AND e.value = lower(?6)))",
		  &st, diag);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, q->since);
	sqlite3_bind_int64(st, 2, q->until);
	sqlite3_bind_int(st, 3, pivot != NULL);
	if (q->agency)
		sqlite3_bind_text(st, 4, q->agency, -1, SQLITE_STATIC);
	if (q->provider)
		sqlite3_bind_text(st, 5, q->provider, -1, SQLITE_STATIC);
	if (q->account)
		sqlite3_bind_text(st, 6, q->account, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return case_sqlerr(c, diag, "select alerts");
	return 0;
}

#define GROW(arr, n, cap)                                                                                              \
	do {                                                                                                           \
		if ((n) == (cap)) {                                                                                    \
			size_t nc_ = (cap) ? 2 * (cap) : 32;                                                           \
			void *p_ = xreallocarray((arr), nc_, sizeof(*(arr)));                                          \
			if (!p_)                                                                                       \
				goto nomem;                                                                            \
			(arr) = p_;                                                                                    \
			(cap) = nc_;                                                                                   \
		}                                                                                                      \
	} while (0)

int scope_compute(spoor_case *c, const spoor_scope_query *q, scope_result *r, spoor_diag *diag)
{
	memset(r, 0, sizeof(*r));
	int rc = select_alerts(c, q, diag);
	if (rc < 0)
		return rc;
	sqlite3_stmt *st = NULL;
	size_t cap;
	/* summary */
	if ((rc = prep(c, "SELECT count(*), min(ts), max(ts) FROM alerts WHERE id IN (SELECT id FROM sel)", &st,
		       diag)) < 0)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW) {
		r->alerts = (uint64_t)sqlite3_column_int64(st, 0);
		r->first = sqlite3_column_int64(st, 1);
		r->last = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	/* entities */
	if ((rc = prep(c,
		       "SELECT e.kind, e.value, min(a.ts), max(a.ts), count(DISTINCT a.id) FROM alert_entities ae"
		       " JOIN sel ON sel.id = ae.alert JOIN alerts a ON a.id = ae.alert JOIN entities e ON e.id = ae.entity"
		       " GROUP BY e.id ORDER BY CASE e.kind WHEN 'actor' THEN 0 WHEN 'provider' THEN 1 WHEN 'agency'"
		       " THEN 2 WHEN 'mailbox' THEN 3 WHEN 'account' THEN 4 WHEN 'host' THEN 5 WHEN 'ip' THEN 6"
		       " ELSE 7 END, min(a.ts), e.value",
		       &st, diag)) < 0)
		return rc;
	cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		GROW(r->ent, r->nent, cap);
		scope_entity *e = &r->ent[r->nent++];
		e->kind = dup_col(st, 0);
		e->value = dup_col(st, 1);
		e->first = sqlite3_column_int64(st, 2);
		e->last = sqlite3_column_int64(st, 3);
		e->alerts = (uint64_t)sqlite3_column_int64(st, 4);
		if (!e->kind || !e->value)
			goto nomem;
		const char *k = e->kind;
		r->n_agencies += !strcmp(k, "agency");
		r->n_mailboxes += !strcmp(k, "mailbox");
		r->n_hosts += !strcmp(k, "host");
		r->n_providers += !strcmp(k, "provider");
		r->n_accounts += !strcmp(k, "account");
		r->n_actors += !strcmp(k, "actor");
		r->n_ips += !strcmp(k, "ip");
	}
	sqlite3_finalize(st);
	/* kill chain per agency */
	if ((rc = prep(c,
		       "SELECT coalesce(a.agency, '-'), t.value, min(a.ts), max(a.ts), count(*) FROM alerts a"
		       " JOIN sel ON sel.id = a.id, json_each(a.doc, '$.\"threat.tactic.name\"') t"
		       " GROUP BY 1, 2 ORDER BY 1, 3",
		       &st, diag)) < 0)
		return rc;
	cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		GROW(r->chain, r->nchain, cap);
		scope_chain *k = &r->chain[r->nchain++];
		k->agency = dup_col(st, 0);
		k->tactic = dup_col(st, 1);
		k->first = sqlite3_column_int64(st, 2);
		k->last = sqlite3_column_int64(st, 3);
		k->alerts = (uint64_t)sqlite3_column_int64(st, 4);
		if (!k->agency || !k->tactic)
			goto nomem;
	}
	sqlite3_finalize(st);
	/* rules */
	if ((rc = prep(c,
		       "SELECT rule_name, ruleset, max(level), count(*) FROM alerts WHERE id IN (SELECT id FROM sel)"
		       " GROUP BY rule_name, ruleset ORDER BY 4 DESC, 1",
		       &st, diag)) < 0)
		return rc;
	cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		GROW(r->rules, r->nrules, cap);
		scope_rule *ru = &r->rules[r->nrules++];
		ru->name = dup_col(st, 0);
		ru->ruleset = dup_col(st, 1);
		ru->level = sqlite3_column_int(st, 2);
		ru->alerts = (uint64_t)sqlite3_column_int64(st, 3);
		if (!ru->name || !ru->ruleset)
			goto nomem;
	}
	sqlite3_finalize(st);
	/* heat map and levels */
	if ((rc = prep(c,
		       "SELECT (CAST(strftime('%w', ts / 1000000000, 'unixepoch') AS INTEGER) + 6) % 7,"
		       " CAST(strftime('%H', ts / 1000000000, 'unixepoch') AS INTEGER), level, count(*)"
		       " FROM alerts WHERE id IN (SELECT id FROM sel) AND ts IS NOT NULL GROUP BY 1, 2, 3",
		       &st, diag)) < 0)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int d = sqlite3_column_int(st, 0), h = sqlite3_column_int(st, 1), l = sqlite3_column_int(st, 2);
		uint64_t n = (uint64_t)sqlite3_column_int64(st, 3);
		if (d >= 0 && d < 7 && h >= 0 && h < 24)
			r->heat[d][h] += n;
		if (l >= 0 && l < 6)
			r->by_level[l] += n;
	}
	sqlite3_finalize(st);
	/* the intruders' addresses */
	if ((rc = prep(c,
		       "SELECT DISTINCT e.value FROM alert_entities ae JOIN sel ON sel.id = ae.alert"
		       " JOIN alerts a ON a.id = ae.alert JOIN entities e ON e.id = ae.entity AND e.kind = 'ip'"
		       " WHERE ae.role = 'source' AND a.level >= 3 AND a.ruleset != 'intel'"
		       " UNION SELECT lower(json_extract(a.doc, '$.\"threat.enrichments.matched.atomic\"')) FROM alerts a"
		       " JOIN sel ON sel.id = a.id WHERE a.ruleset = 'intel'"
		       " AND json_extract(a.doc, '$.\"threat.indicator.type\"') IN ('ipv4', 'ipv6', 'ipv4-addr', 'ipv6-addr')"
		       " ORDER BY 1",
		       &st, diag)) < 0)
		return rc;
	/* an agency's own addresses (inventory) are never the intruders' */
	sqlite3_stmt *own = NULL;
	if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM owned WHERE ip = ?1", -1, &own, NULL) != SQLITE_OK)
		own = NULL; /* a case without the table */
	sqlite3_stmt *ins = NULL;
	if ((rc = prep(c, "INSERT OR IGNORE INTO ips VALUES(?1)", &ins, diag)) < 0) {
		sqlite3_finalize(st);
		return rc;
	}
	cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *ip = (const char *)sqlite3_column_text(st, 0);
		if (!ip || !is_public(ip))
			continue;
		if (own) {
			sqlite3_bind_text(own, 1, ip, -1, SQLITE_TRANSIENT);
			int owned = sqlite3_step(own) == SQLITE_ROW;
			sqlite3_reset(own);
			if (owned)
				continue;
		}
		GROW(r->intruder_ips, r->nips, cap);
		if (!(r->intruder_ips[r->nips++] = xstrndup(ip, strlen(ip))))
			goto nomem;
		sqlite3_bind_text(ins, 1, ip, -1, SQLITE_TRANSIENT);
		sqlite3_step(ins);
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(own);
	sqlite3_finalize(st);
	/* data taken.  Mailboxes: the identity analytics' summary when the hunt
	 * ran them (the sessions of the sources that compromised each mailbox:
	 * exact), and for mailboxes it does not call compromised, the mail
	 * pulled by the intruders' addresses (EWS/IIS sessions the analytics do
	 * not tie to a compromise).  Hosts: the bytes they sent to the
	 * intruders' addresses. */
	bool summary = case_has_mailboxes(c) > 0;
	const char *mail_sql =
	    summary ? "SELECT 'mailbox', m.mailbox, coalesce((SELECT max(agency) FROM flows f WHERE f.account = m.mailbox"
		      " AND f.agency != ''), ''), m.bytes, m.items, m.sessions,"
		      " CAST(strftime('%s', m.first) AS INTEGER) * 1000000000,"
		      " CAST(strftime('%s', m.last) AS INTEGER) * 1000000000,"
		      " (SELECT first_path || char(10) || first_offset FROM flows f2 WHERE f2.account = m.mailbox AND"
		      " f2.src_ip IN (SELECT value FROM json_each(m.sources)) ORDER BY first_ts LIMIT 1)"
		      " FROM mailboxes m WHERE m.compromised AND m.bytes + m.items > 0"
		      " AND (?1 = 0 OR CAST(strftime('%s', m.last) AS INTEGER) * 1000000000 >= ?1)"
		      " AND (?2 = 0 OR CAST(strftime('%s', m.first) AS INTEGER) * 1000000000 < ?2)"
		      " UNION ALL "
		      "SELECT 'mailbox', account, max(agency), sum(bytes_down), sum(items), sum(events), min(first_ts),"
		      " max(last_ts), (SELECT first_path || char(10) || first_offset FROM flows f2 WHERE f2.account ="
		      " f.account AND f2.src_ip IN (SELECT ip FROM ips) ORDER BY first_ts LIMIT 1)"
		      " FROM flows f WHERE account != '' AND src_ip IN (SELECT ip FROM ips)"
		      " AND account NOT IN (SELECT mailbox FROM mailboxes WHERE compromised AND bytes + items > 0)"
		      " AND (?1 = 0 OR last_ts >= ?1) AND (?2 = 0 OR first_ts < ?2)"
		      " GROUP BY account HAVING sum(bytes_down) + sum(items) > 0"
		    : "SELECT 'mailbox', account, max(agency), sum(bytes_down), sum(items), sum(events), min(first_ts),"
		      " max(last_ts), (SELECT first_path || char(10) || first_offset FROM flows f2 WHERE f2.account ="
		      " f.account AND f2.src_ip IN (SELECT ip FROM ips) ORDER BY first_ts LIMIT 1)"
		      " FROM flows f WHERE account != '' AND src_ip IN (SELECT ip FROM ips)"
		      " AND (?1 = 0 OR last_ts >= ?1) AND (?2 = 0 OR first_ts < ?2)"
		      " GROUP BY account HAVING sum(bytes_down) + sum(items) > 0";
	char sql[4096];
	int sl = snprintf(sql, sizeof(sql),
		 "%s UNION ALL "
		 "SELECT 'host', CASE WHEN host != '' THEN host ELSE src_ip END, max(agency), sum(bytes_up), sum(items),"
		 " sum(events), min(first_ts), max(last_ts), (SELECT first_path || char(10) || first_offset FROM"
		 " flows f2 WHERE f2.src_ip = f.src_ip AND f2.dst_ip IN (SELECT ip FROM ips) ORDER BY first_ts"
		 " LIMIT 1)"
		 " FROM flows f WHERE dst_ip IN (SELECT ip FROM ips) AND src_ip NOT IN (SELECT ip FROM ips)"
		 " AND (?1 = 0 OR last_ts >= ?1) AND (?2 = 0 OR first_ts < ?2)"
		 " GROUP BY 2 HAVING sum(bytes_up) > 0 ORDER BY 4 DESC, 2",
		 mail_sql);
	if (sl < 0 || (size_t)sl >= sizeof(sql))
		return diag_set(diag, SPOOR_ERR, "data-taken query longer than its buffer");
	if ((rc = prep(c, sql, &st, diag)) < 0)
		return rc;
	sqlite3_bind_int64(st, 1, q->since);
	sqlite3_bind_int64(st, 2, q->until);
	cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		GROW(r->taken, r->ntaken, cap);
		scope_taken *t = &r->taken[r->ntaken++];
		memset(t, 0, sizeof(*t));
		t->kind = dup_col(st, 0);
		t->name = dup_col(st, 1);
		t->agency = dup_col(st, 2);
		t->bytes = (uint64_t)sqlite3_column_int64(st, 3);
		t->items = (uint64_t)sqlite3_column_int64(st, 4);
		t->sessions = (uint64_t)sqlite3_column_int64(st, 5);
		t->first = sqlite3_column_int64(st, 6);
		t->last = sqlite3_column_int64(st, 7);
		const unsigned char *fp = sqlite3_column_text(st, 8);
		t->path = fp ? dup_col(st, 8) : xstrndup("-", 1);
		if (!t->kind || !t->name || !t->agency || !t->path)
			goto nomem;
		char *nl = strchr(t->path, '\n');
		if (nl) {
			*nl = 0;
			t->offset = strtoull(nl + 1, NULL, 10);
		}
		r->bytes_taken += t->bytes;
		r->items_taken += t->items;
		/* a mailbox mail was taken from is touched, named by an alert or not */
		bool known = strcmp(t->kind, "mailbox") != 0;
		for (size_t i = 0; i < r->nent && !known; i++)
			known = !strcmp(r->ent[i].kind, "mailbox") && !strcmp(r->ent[i].value, t->name);
		r->n_mailboxes += !known;
	}
	sqlite3_finalize(st);
	return 0;
nomem:
	sqlite3_finalize(st);
	return diag_set(diag, SPOOR_ENOMEM, "out of memory");
}

void scope_result_free(scope_result *r)
{
	for (size_t i = 0; i < r->nent; i++) {
		free(r->ent[i].kind);
		free(r->ent[i].value);
	}
	for (size_t i = 0; i < r->nchain; i++) {
		free(r->chain[i].agency);
		free(r->chain[i].tactic);
	}
	for (size_t i = 0; i < r->ntaken; i++) {
		free(r->taken[i].kind);
		free(r->taken[i].name);
		free(r->taken[i].agency);
		free(r->taken[i].path);
	}
	for (size_t i = 0; i < r->nrules; i++) {
		free(r->rules[i].name);
		free(r->rules[i].ruleset);
	}
	for (size_t i = 0; i < r->nips; i++)
		free(r->intruder_ips[i]);
	free(r->ent);
	free(r->chain);
	free(r->taken);
	free(r->rules);
	free(r->intruder_ips);
	memset(r, 0, sizeof(*r));
}
