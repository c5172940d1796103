/* case-prov — the provider-scope stage's state in the case database, so
 * that `spoor providers --case` and `spoor trace --case` answer without the
 * logs (docs/case.md, tables prov_*).
 *
 * What the exposure report and trace read is saved as it is after the
 * hunt: the inventory's files (their text: the report is mostly inventory),
 * the provider graph (nodes by index, each node's edge list in its order),
 * what each provider reached and the out-of-scope accesses (in the order
 * the stage recorded them), and the counts dropped at limits.  Restoring
 * loads the same inventory, builds a providers stage from it and puts that
 * state back, so the report and trace code run unchanged and print the
 * same bytes as over the logs (tests/integration/scope-truth.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "case/case-int.h"
#include "detect/analytics/prov-int.h"
#include "spoor/inventory.h"

static const prov_rule *const prov_rules[] = {
    &prov_rule_unserved,    &prov_rule_host,  &prov_rule_window, &prov_rule_contract,  &prov_rule_source,
    &prov_rule_interactive, &prov_rule_stale, &prov_rule_chain,	 &prov_rule_privilege,
};

static int prep(spoor_case *c, const char *sql, sqlite3_stmt **st, spoor_diag *diag)
{
	if (sqlite3_prepare_v2(c->db, sql, -1, st, NULL) != SQLITE_OK)
		return case_sqlerr(c, diag, "providers");
	return 0;
}

/* step an INSERT and reset it */
static int put(spoor_case *c, sqlite3_stmt *st, spoor_diag *diag)
{
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r == SQLITE_DONE ? 0 : case_sqlerr(c, diag, "store provider state");
}

static void bind_str(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

static int save(spoor_case *c, const prov_stage *s, spoor_diag *diag)
{
	const spoor_inventory *inv = s->inv;
	int rc = 0;
	for (const char *const *q =
		 (const char *const[]){"DELETE FROM prov_state", "DELETE FROM prov_inventory", "DELETE FROM prov_nodes",
				       "DELETE FROM prov_edges", "DELETE FROM prov_reach",
				       "DELETE FROM prov_violations", NULL};
	     *q && rc == 0; q++)
		if (sqlite3_exec(c->db, *q, NULL, NULL, NULL) != SQLITE_OK)
			rc = case_sqlerr(c, diag, "replace provider state");
	sqlite3_stmt *st = NULL;
	if (rc == 0)
		rc = prep(c, "INSERT INTO prov_state(key, value) VALUES(?1, ?2)", &st, diag);
	if (rc == 0) {
		const struct {
			const char *k;
			int64_t v;
		} kv[] = {{"run", c->run},
			  {"violations_dropped", (int64_t)s->viols_dropped},
			  {"edges_dropped", (int64_t)s->g.dropped}};
		for (size_t i = 0; i < ARRAY_SIZE(kv) && rc == 0; i++) {
			bind_str(st, 1, kv[i].k);
			sqlite3_bind_int64(st, 2, kv[i].v);
			rc = put(c, st, diag);
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == 0)
		rc = prep(c, "INSERT INTO prov_inventory(seq, name, text) VALUES(?1, ?2, ?3)", &st, diag);
	for (size_t i = 0; i < inv->nfiles && rc == 0; i++) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
		bind_str(st, 2, inv->sources[i].name);
		sqlite3_bind_blob64(st, 3, inv->sources[i].text, inv->sources[i].len, SQLITE_STATIC);
		rc = put(c, st, diag);
	}
	sqlite3_finalize(st);
	st = NULL;
	sqlite3_stmt *se = NULL;
	if (rc == 0)
		rc = prep(c, "INSERT INTO prov_nodes(id, kind, name) VALUES(?1, ?2, ?3)", &st, diag);
	if (rc == 0)
		rc = prep(c, "INSERT INTO prov_edges(node, pos, peer, label) VALUES(?1, ?2, ?3, ?4)", &se, diag);
	for (size_t i = 0; i < s->g.n && rc == 0; i++) {
		const prov_gnode *n = &s->g.v[i];
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
		bind_str(st, 2, n->kind);
		bind_str(st, 3, n->name);
		rc = put(c, st, diag);
		for (size_t k = 0; k < n->n && rc == 0; k++) {
			sqlite3_bind_int64(se, 1, (sqlite3_int64)i);
			sqlite3_bind_int64(se, 2, (sqlite3_int64)k);
			sqlite3_bind_int64(se, 3, n->e[k].to);
			bind_str(se, 4, n->e[k].label);
			rc = put(c, se, diag);
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(se);
	st = NULL;
	if (rc == 0)
		rc = prep(
		    c,
		    "INSERT INTO prov_reach(seq, provider, agency, host, account, source, count, first_ts, last_ts)"
		    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		    &st, diag);
	for (size_t i = 0; i < s->nreach && rc == 0; i++) {
		const prov_reach *r = &s->reach[i];
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
		bind_str(st, 2, inv->providers[r->provider].id);
		bind_str(st, 3, inv->agencies[r->agency].id);
		bind_str(st, 4, r->host);
		bind_str(st, 5, r->account);
		bind_str(st, 6, r->src);
		sqlite3_bind_int64(st, 7, (sqlite3_int64)r->count);
		sqlite3_bind_int64(st, 8, r->first);
		sqlite3_bind_int64(st, 9, r->last);
		rc = put(c, st, diag);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == 0)
		rc = prep(
		    c,
		    "INSERT INTO prov_violations(seq, provider, agency, rule_id, ts, host, account, source, origin,"
		    " why) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
		    &st, diag);
	for (size_t i = 0; i < s->nviols && rc == 0; i++) {
		const prov_viol *v = &s->viols[i];
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
		bind_str(st, 2, inv->providers[v->provider].id);
		if (v->agency != INV_NONE)
			bind_str(st, 3, inv->agencies[v->agency].id);
		bind_str(st, 4, v->rule->id);
		sqlite3_bind_int64(st, 5, v->ts);
		bind_str(st, 6, v->host);
		bind_str(st, 7, v->account);
		bind_str(st, 8, v->src);
		bind_str(st, 9, v->origin);
		bind_str(st, 10, v->why);
		rc = put(c, st, diag);
	}
	sqlite3_finalize(st);
	return rc;
}

SPOOR_API int spoor_case_add_providers(spoor_case *c, spoor_stage *providers, spoor_diag *diag)
{
	if (!c->writable)
		return diag_set(diag, SPOOR_EINVAL, "%s: opened read-only", c->path);
	if (!providers || providers->ops != &prov_stage_ops)
		return diag_set(diag, SPOOR_EINVAL, "not a providers stage");
	const prov_stage *s = (const prov_stage *)providers;
	if (!s->finished)
		return diag_set(diag, SPOOR_EINVAL, "the providers stage has not finished");
	/* what the hunt added is committed first: a failure here must not
	 * take it back with the rollback */
	int rc = spoor_case_commit(c, diag);
	if (rc == 0)
		rc = case_tx(c, diag);
	if (rc == 0)
		rc = save(c, s, diag);
	if (rc < 0) {
		/* nothing half-replaced: the whole batch goes */
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		c->in_tx = false;
		c->pending = 0;
		return rc;
	}
	return spoor_case_commit(c, diag);
}

/* ---- restoring ---- */

static int corrupt(spoor_case *c, spoor_diag *diag, const char *what)
{
	return diag_set(diag, SPOOR_ECORRUPT, "%s: the stored provider state is inconsistent (%s)", c->path, what);
}

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* index of agency (providers = false) or provider id in the inventory */
static uint32_t id_index(const spoor_inventory *inv, bool provider, const char *id)
{
	size_t n = provider ? inv->nproviders : inv->nagencies;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(provider ? inv->providers[i].id : inv->agencies[i].id, id))
			return (uint32_t)i;
	return INV_NONE;
}

static int has_state(spoor_case *c, spoor_diag *diag)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(c->db, "SELECT count(*) FROM prov_state WHERE key = 'run'", -1, &st, NULL) !=
	    SQLITE_OK) {
		/* a case of schema version 1 opened read-only has no prov_ tables */
		if (!strstr(sqlite3_errmsg(c->db), "no such table"))
			return case_sqlerr(c, diag, "providers");
		return diag_set(diag, SPOOR_ENOTFOUND,
				"%s: this case (schema version 1) has no provider state; hunt into it again with "
				"--inventory and --case (which upgrades it)",
				c->path);
	}
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (!n)
		return diag_set(diag, SPOOR_ENOTFOUND,
				"%s: no provider state in this case (hunt it with --inventory and --case)", c->path);
	return 0;
}

static int load_inventory(spoor_case *c, spoor_inventory **out, spoor_diag *diag)
{
	spoor_inventory *inv = NULL;
	if (spoor_inventory_new(&inv, NULL) < 0)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	sqlite3_stmt *st = NULL;
	int rc = prep(c, "SELECT name, text FROM prov_inventory ORDER BY seq", &st, diag);
	int r = SQLITE_DONE;
	while (rc == 0 && (r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *text = sqlite3_column_blob(st, 1);
		int n = sqlite3_column_bytes(st, 1);
		rc = spoor_inventory_load_mem(inv, col(st, 0), text ? text : "", (size_t)n, diag);
	}
	if (rc == 0 && r != SQLITE_DONE)
		rc = case_sqlerr(c, diag, "read the inventory");
	sqlite3_finalize(st);
	if (rc == 0)
		rc = spoor_inventory_finish(inv, diag);
	if (rc < 0) {
		spoor_inventory_free(inv);
		return rc;
	}
	*out = inv;
	return 0;
}

static int load_graph(spoor_case *c, prov_stage *s, spoor_diag *diag)
{
	/* the graph the inventory alone gives is replaced by the saved one
	 * (which begins with it) */
	prov_graph_done(&s->g);
	prov_graph_init(&s->g, &s->ar, s->o.max_edges);
	sqlite3_stmt *st = NULL;
	int rc = prep(c, "SELECT id, kind, name FROM prov_nodes ORDER BY id", &st, diag);
	int r = SQLITE_DONE;
	while (rc == 0 && (r = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0);
		uint32_t x = prov_graph_add_node(&s->g, col(st, 1), col(st, 2));
		/* (INV_NONE is also what memory exhaustion gives: rare enough
		 * to report as the row it failed on) */
		if (x == INV_NONE || (sqlite3_int64)x != id || x + 1 != s->g.n)
			rc = corrupt(c, diag, "graph node");
	}
	if (rc == 0 && r != SQLITE_DONE)
		rc = case_sqlerr(c, diag, "read the provider graph");
	sqlite3_finalize(st);
	st = NULL;
	if (rc == 0)
		rc = prep(c, "SELECT node, peer, label FROM prov_edges ORDER BY node, pos", &st, diag);
	while (rc == 0 && (r = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 a = sqlite3_column_int64(st, 0), b = sqlite3_column_int64(st, 1);
		const char *label = prov_graph_label(col(st, 2));
		if (!label || a < 0 || b < 0 || (uint64_t)a >= s->g.n || (uint64_t)b >= s->g.n)
			rc = corrupt(c, diag, "graph edge");
		else
			rc = prov_graph_add_half(&s->g, (uint32_t)a, (uint32_t)b, label);
		if (rc == SPOOR_ENOMEM)
			rc = diag_set(diag, rc, "out of memory");
	}
	if (rc == 0 && r != SQLITE_DONE)
		rc = case_sqlerr(c, diag, "read the provider graph");
	sqlite3_finalize(st);
	return rc;
}

static int load_reach(spoor_case *c, prov_stage *s, spoor_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int rc = prep(c,
		      "SELECT provider, agency, host, account, source, count, first_ts, last_ts FROM prov_reach"
		      " ORDER BY seq",
		      &st, diag);
	int r = SQLITE_DONE;
	while (rc == 0 && (r = sqlite3_step(st)) == SQLITE_ROW) {
		if (s->nreach == s->capreach) {
			size_t nc = s->capreach ? 2 * s->capreach : 64;
			prov_reach *nv = xreallocarray(s->reach, nc, sizeof(*nv));
			if (!nv) {
				rc = diag_set(diag, SPOOR_ENOMEM, "out of memory");
				break;
			}
			s->reach = nv;
			s->capreach = nc;
		}
		prov_reach *x = &s->reach[s->nreach];
		x->provider = id_index(s->inv, true, col(st, 0));
		x->agency = id_index(s->inv, false, col(st, 1));
		if (x->provider == INV_NONE || x->agency == INV_NONE) {
			rc = corrupt(c, diag, "a reached asset names a provider or agency not in the inventory");
			break;
		}
		x->host = prov_str(s, sv_cstr(col(st, 2)));
		x->account = prov_str(s, sv_cstr(col(st, 3)));
		x->src = prov_str(s, sv_cstr(col(st, 4)));
		x->count = (uint64_t)sqlite3_column_int64(st, 5);
		x->first = sqlite3_column_int64(st, 6);
		x->last = sqlite3_column_int64(st, 7);
		s->nreach++;
	}
	if (rc == 0 && r != SQLITE_DONE)
		rc = case_sqlerr(c, diag, "read what providers reached");
	sqlite3_finalize(st);
	return rc;
}

static int load_viols(spoor_case *c, prov_stage *s, spoor_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int rc = prep(c,
		      "SELECT provider, agency, rule_id, ts, host, account, source, origin, why FROM prov_violations"
		      " ORDER BY seq",
		      &st, diag);
	int r = SQLITE_DONE;
	while (rc == 0 && (r = sqlite3_step(st)) == SQLITE_ROW) {
		if (s->nviols == s->capviols) {
			size_t nc = s->capviols ? 2 * s->capviols : 64;
			prov_viol *nv = xreallocarray(s->viols, nc, sizeof(*nv));
			if (!nv) {
				rc = diag_set(diag, SPOOR_ENOMEM, "out of memory");
				break;
			}
			s->viols = nv;
			s->capviols = nc;
		}
		prov_viol *v = &s->viols[s->nviols];
		v->provider = id_index(s->inv, true, col(st, 0));
		v->agency = sqlite3_column_type(st, 1) == SQLITE_NULL ? INV_NONE : id_index(s->inv, false, col(st, 1));
		v->rule = NULL;
		for (size_t i = 0; i < ARRAY_SIZE(prov_rules) && !v->rule; i++)
			if (!strcmp(prov_rules[i]->id, col(st, 2)))
				v->rule = prov_rules[i];
		if (v->provider == INV_NONE || !v->rule ||
		    (v->agency == INV_NONE && sqlite3_column_type(st, 1) != SQLITE_NULL)) {
			rc = corrupt(c, diag, "an out-of-scope access names an unknown provider, agency or rule");
			break;
		}
		v->ts = sqlite3_column_int64(st, 3);
		v->host = prov_str(s, sv_cstr(col(st, 4)));
		v->account = prov_str(s, sv_cstr(col(st, 5)));
		v->src = prov_str(s, sv_cstr(col(st, 6)));
		v->origin = prov_str(s, sv_cstr(col(st, 7)));
		v->why = prov_str(s, sv_cstr(col(st, 8)));
		s->nviols++;
	}
	if (rc == 0 && r != SQLITE_DONE)
		rc = case_sqlerr(c, diag, "read the out-of-scope accesses");
	sqlite3_finalize(st);
	return rc;
}

static int load_counts(spoor_case *c, prov_stage *s, spoor_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int rc = prep(c, "SELECT key, value FROM prov_state", &st, diag);
	int r = SQLITE_DONE;
	while (rc == 0 && (r = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t v = (uint64_t)sqlite3_column_int64(st, 1);
		if (!strcmp(col(st, 0), "violations_dropped"))
			s->viols_dropped = v;
		else if (!strcmp(col(st, 0), "edges_dropped"))
			s->g.dropped = v;
	}
	if (rc == 0 && r != SQLITE_DONE)
		rc = case_sqlerr(c, diag, "read the provider state");
	sqlite3_finalize(st);
	return rc;
}

SPOOR_API int spoor_case_providers(spoor_case *c, struct spoor_inventory **inv_out, spoor_stage **out, spoor_diag *diag)
{
	*inv_out = NULL;
	*out = NULL;
	spoor_inventory *inv = NULL;
	spoor_stage *st = NULL;
	int rc = has_state(c, diag);
	if (rc == 0)
		rc = load_inventory(c, &inv, diag);
	if (rc == 0)
		rc = spoor_providers_stage_new(&st, inv, NULL, diag);
	prov_stage *s = (prov_stage *)st;
	if (rc == 0)
		rc = load_graph(c, s, diag);
	if (rc == 0)
		rc = load_reach(c, s, diag);
	if (rc == 0)
		rc = load_viols(c, s, diag);
	if (rc == 0)
		rc = load_counts(c, s, diag);
	if (rc < 0) {
		spoor_stage_free(st);
		spoor_inventory_free(inv);
		return rc;
	}
	s->finished = true; /* its finish() would raise findings: it has none to raise */
	*inv_out = inv;
	*out = st;
	return 0;
}
