/* scope-out — the scope as a table, JSON or CSV. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "base/timeparse.h"
#include "case/scope.h"
#include "detect/alert.h"

/* seconds are enough in a table; --format json has the rest */
static int ts(buf *b, int64_t ns)
{
	if (!ns)
		return buf_printf(b, "%-20s", "-");
	char t[40];
	size_t n = time_format(ns, t);
	return n > 19 ? buf_add(b, t, 19) ?: buf_addc(b, 'Z') : buf_printf(b, "%-20s", t);
}

static int jts(buf *b, int64_t ns)
{
	if (!ns)
		return buf_adds(b, "null");
	char t[40];
	size_t n = time_format(ns, t);
	return json_str(b, t, n);
}

static int js(buf *b, const char *s)
{
	return s ? json_str(b, s, strlen(s)) : buf_adds(b, "null");
}

static int render_json(const scope_result *r, const spoor_scope_query *q, buf *b)
{
	int rc = buf_adds(b, "{\"query\":{\"actor\":");
	rc = rc ?: js(b, q->actor);
	rc = rc ?: buf_adds(b, ",\"indicator\":");
	rc = rc ?: js(b, q->indicator);
	rc = rc ?: buf_adds(b, ",\"provider\":");
	rc = rc ?: js(b, q->provider);
	rc = rc ?: buf_adds(b, ",\"agency\":");
	rc = rc ?: js(b, q->agency);
	rc = rc ?: buf_adds(b, ",\"account\":");
	rc = rc ?: js(b, q->account);
	rc = rc ?: buf_adds(b, ",\"since\":");
	rc = rc ?: jts(b, q->since);
	rc = rc ?: buf_adds(b, ",\"until\":");
	rc = rc ?: jts(b, q->until);
	rc = rc ?: buf_printf(b,
			      "},\"summary\":{\"alerts\":%" PRIu64 ",\"agencies\":%" PRIu64 ",\"mailboxes\":%" PRIu64
			      ",\"hosts\":%" PRIu64 ",\"providers\":%" PRIu64 ",\"accounts\":%" PRIu64
			      ",\"actors\":%" PRIu64 ",\"addresses\":%" PRIu64 ",\"bytes_taken\":%" PRIu64
			      ",\"items_taken\":%" PRIu64 ",\"first\":",
			      r->alerts, r->n_agencies, r->n_mailboxes, r->n_hosts, r->n_providers, r->n_accounts,
			      r->n_actors, r->n_ips, r->bytes_taken, r->items_taken);
	rc = rc ?: jts(b, r->first);
	rc = rc ?: buf_adds(b, ",\"last\":");
	rc = rc ?: jts(b, r->last);
	rc = rc ?: buf_printf(b, ",\"by_level\":{\"informational\":%" PRIu64 ",\"low\":%" PRIu64 ",\"medium\":%" PRIu64
				 ",\"high\":%" PRIu64 ",\"critical\":%" PRIu64 "}},\"entities\":[",
			      r->by_level[1], r->by_level[2], r->by_level[3], r->by_level[4], r->by_level[5]);
	for (size_t i = 0; i < r->nent && !rc; i++) {
		const scope_entity *e = &r->ent[i];
		rc = buf_adds(b, i ? ",{\"kind\":" : "{\"kind\":");
		rc = rc ?: js(b, e->kind);
		rc = rc ?: buf_adds(b, ",\"value\":");
		rc = rc ?: js(b, e->value);
		rc = rc ?: buf_adds(b, ",\"first\":");
		rc = rc ?: jts(b, e->first);
		rc = rc ?: buf_adds(b, ",\"last\":");
		rc = rc ?: jts(b, e->last);
		rc = rc ?: buf_printf(b, ",\"alerts\":%" PRIu64 "}", e->alerts);
	}
	rc = rc ?: buf_adds(b, "],\"kill_chain\":[");
	for (size_t i = 0; i < r->nchain && !rc; i++) {
		const scope_chain *k = &r->chain[i];
		rc = buf_adds(b, i ? ",{\"agency\":" : "{\"agency\":");
		rc = rc ?: js(b, k->agency);
		rc = rc ?: buf_adds(b, ",\"tactic\":");
		rc = rc ?: js(b, k->tactic);
		rc = rc ?: buf_adds(b, ",\"first\":");
		rc = rc ?: jts(b, k->first);
		rc = rc ?: buf_adds(b, ",\"last\":");
		rc = rc ?: jts(b, k->last);
		rc = rc ?: buf_printf(b, ",\"alerts\":%" PRIu64 "}", k->alerts);
	}
	rc = rc ?: buf_adds(b, "],\"data_taken\":[");
	for (size_t i = 0; i < r->ntaken && !rc; i++) {
		const scope_taken *t = &r->taken[i];
		rc = buf_adds(b, i ? ",{\"kind\":" : "{\"kind\":");
		rc = rc ?: js(b, t->kind);
		rc = rc ?: buf_adds(b, ",\"name\":");
		rc = rc ?: js(b, t->name);
		rc = rc ?: buf_adds(b, ",\"agency\":");
		rc = rc ?: (t->agency[0] ? js(b, t->agency) : buf_adds(b, "null"));
		rc = rc ?: buf_printf(b, ",\"bytes\":%" PRIu64 ",\"items\":%" PRIu64 ",\"sessions\":%" PRIu64 ",\"first\":",
				      t->bytes, t->items, t->sessions);
		rc = rc ?: jts(b, t->first);
		rc = rc ?: buf_adds(b, ",\"last\":");
		rc = rc ?: jts(b, t->last);
		rc = rc ?: buf_adds(b, ",\"first_record\":{\"log.file.path\":");
		rc = rc ?: js(b, t->path);
		rc = rc ?: buf_printf(b, ",\"log.offset\":%" PRIu64 "}}", t->offset);
	}
	rc = rc ?: buf_adds(b, "],\"intruder_addresses\":[");
	for (size_t i = 0; i < r->nips && !rc; i++) {
		rc = i ? buf_addc(b, ',') : 0;
		rc = rc ?: js(b, r->intruder_ips[i]);
	}
	rc = rc ?: buf_adds(b, "],\"rules\":[");
	for (size_t i = 0; i < r->nrules && !rc; i++) {
		const scope_rule *ru = &r->rules[i];
		rc = buf_adds(b, i ? ",{\"name\":" : "{\"name\":");
		rc = rc ?: js(b, ru->name);
		rc = rc ?: buf_adds(b, ",\"ruleset\":");
		rc = rc ?: js(b, ru->ruleset);
		rc = rc ?: buf_printf(b, ",\"level\":\"%s\",\"alerts\":%" PRIu64 "}",
				      spoor_level_name((spoor_level)ru->level), ru->alerts);
	}
	return rc ?: buf_adds(b, "]}\n");
}

static int csv_cell(buf *b, const char *s, bool last)
{
	int rc = 0;
	if (strpbrk(s, ",\"\n\r")) {
		rc = buf_addc(b, '"');
		for (const char *p = s; *p && !rc; p++)
			rc = *p == '"' ? buf_adds(b, "\"\"") : buf_addc(b, *p);
		rc = rc ?: buf_addc(b, '"');
	} else {
		rc = buf_adds(b, s);
	}
	return rc ?: buf_addc(b, last ? '\n' : ',');
}

static int csv_ts(buf *b, int64_t ns)
{
	char t[40] = "";
	if (ns)
		time_format(ns, t);
	return csv_cell(b, t, false);
}

static int render_csv(const scope_result *r, buf *b)
{
	int rc = buf_adds(b, "section,kind,name,agency,first,last,alerts,bytes,items,sessions,first_record\n");
	char n[96];
	for (size_t i = 0; i < r->nent && !rc; i++) {
		const scope_entity *e = &r->ent[i];
		rc = csv_cell(b, "entity", false);
		rc = rc ?: csv_cell(b, e->kind, false);
		rc = rc ?: csv_cell(b, e->value, false);
		rc = rc ?: csv_cell(b, "", false);
		rc = rc ?: csv_ts(b, e->first);
		rc = rc ?: csv_ts(b, e->last);
		snprintf(n, sizeof(n), "%" PRIu64 ",,,,", e->alerts);
		rc = rc ?: buf_adds(b, n);
		rc = rc ?: buf_addc(b, '\n');
	}
	for (size_t i = 0; i < r->nchain && !rc; i++) {
		const scope_chain *k = &r->chain[i];
		rc = csv_cell(b, "kill_chain", false);
		rc = rc ?: csv_cell(b, "tactic", false);
		rc = rc ?: csv_cell(b, k->tactic, false);
		rc = rc ?: csv_cell(b, k->agency, false);
		rc = rc ?: csv_ts(b, k->first);
		rc = rc ?: csv_ts(b, k->last);
		snprintf(n, sizeof(n), "%" PRIu64 ",,,,\n", k->alerts);
		rc = rc ?: buf_adds(b, n);
	}
	for (size_t i = 0; i < r->ntaken && !rc; i++) {
		const scope_taken *t = &r->taken[i];
		rc = csv_cell(b, "data_taken", false);
		rc = rc ?: csv_cell(b, t->kind, false);
		rc = rc ?: csv_cell(b, t->name, false);
		rc = rc ?: csv_cell(b, t->agency, false);
		rc = rc ?: csv_ts(b, t->first);
		rc = rc ?: csv_ts(b, t->last);
		snprintf(n, sizeof(n), ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", t->bytes, t->items, t->sessions);
		rc = rc ?: buf_adds(b, n);
		char rec[4096];
		snprintf(rec, sizeof(rec), "%s:%" PRIu64, t->path, t->offset);
		rc = rc ?: csv_cell(b, rec, true);
	}
	return rc;
}

static int render_table(const scope_result *r, buf *b)
{
	int rc = buf_printf(b, "%" PRIu64 " %s from ", r->alerts, scope_plural(r->alerts, "alert", "alerts"));
	rc = rc ?: ts(b, r->first);
	rc = rc ?: buf_adds(b, " to ");
	rc = rc ?: ts(b, r->last);
	rc = rc ?: buf_printf(b,
			      "\nTouched: %" PRIu64 " %s, %" PRIu64 " %s, %" PRIu64 " %s, %" PRIu64 " %s, %" PRIu64
			      " %s, %" PRIu64 " %s; %" PRIu64 " %s\n"
			      "Data taken: %" PRIu64 " %s, %" PRIu64 " %s\n",
			      r->n_agencies, scope_plural(r->n_agencies, "agency", "agencies"), r->n_providers,
			      scope_plural(r->n_providers, "provider", "providers"), r->n_mailboxes,
			      scope_plural(r->n_mailboxes, "mailbox", "mailboxes"), r->n_accounts,
			      scope_plural(r->n_accounts, "account", "accounts"), r->n_hosts,
			      scope_plural(r->n_hosts, "host", "hosts"), r->n_ips,
			      scope_plural(r->n_ips, "address", "addresses"), r->n_actors,
			      scope_plural(r->n_actors, "actor", "actors"), r->bytes_taken,
			      scope_plural(r->bytes_taken, "byte", "bytes"), r->items_taken,
			      scope_plural(r->items_taken, "mail item", "mail items"));
	rc = rc ?: buf_printf(b, "\n%-10s %-40s %-24s %-24s %7s\n", "KIND", "ENTITY", "FIRST", "LAST", "ALERTS");
	for (size_t i = 0; i < r->nent && !rc; i++) {
		const scope_entity *e = &r->ent[i];
		rc = buf_printf(b, "%-10s %-40.200s ", e->kind, e->value);
		rc = rc ?: ts(b, e->first);
		rc = rc ?: buf_adds(b, " ");
		rc = rc ?: ts(b, e->last);
		rc = rc ?: buf_printf(b, " %7" PRIu64 "\n", e->alerts);
	}
	if (r->nchain)
		rc = rc ?: buf_printf(b, "\n%-24s %-22s %-20s %7s\n", "AGENCY", "TACTIC", "FIRST", "ALERTS");
	for (size_t i = 0; i < r->nchain && !rc; i++) {
		const scope_chain *k = &r->chain[i];
		rc = buf_printf(b, "%-24.200s %-22s ", k->agency, k->tactic);
		rc = rc ?: ts(b, k->first);
		rc = rc ?: buf_printf(b, " %7" PRIu64 "\n", k->alerts);
	}
	if (r->ntaken)
		rc = rc ?: buf_printf(b, "\n%-8s %-40s %-16s %14s %8s %8s  %s\n", "TAKEN", "FROM", "AGENCY", "BYTES",
				      "ITEMS", "SESSIONS", "FIRST RECORD");
	for (size_t i = 0; i < r->ntaken && !rc; i++) {
		const scope_taken *t = &r->taken[i];
		rc = buf_printf(b, "%-8s %-40.200s %-16.200s %14" PRIu64 " %8" PRIu64 " %8" PRIu64 "  %s:%" PRIu64 "\n",
				t->kind, t->name, t->agency[0] ? t->agency : "-", t->bytes, t->items, t->sessions,
				t->path, t->offset);
	}
	return rc;
}

SPOOR_API int spoor_time_parse(const char *text, int64_t *ns)
{
	return time_parse_any(sv_cstr(text), NULL, ns) ? 0 : SPOOR_EPARSE;
}

int scope_render(const scope_result *r, const spoor_scope_query *q, spoor_scope_format fmt, buf *out)
{
	switch (fmt) {
	case SPOOR_SCOPE_JSON:
		return render_json(r, q, out);
	case SPOOR_SCOPE_CSV:
		return render_csv(r, out);
	default:
		return render_table(r, out);
	}
}

/* Compute the scope, render it with fn into a malloc'd NUL-terminated text. */
int scope_text(spoor_case *c, const spoor_scope_query *q, int fmt, scope_render_fn fn, char **out, size_t *len,
	       spoor_diag *diag)
{
	scope_result r;
	*out = NULL;
	*len = 0;
	int rc = scope_compute(c, q, &r, diag);
	if (rc == 0) {
		buf b;
		buf_init(&b, (size_t)1 << 30);
		rc = fn(c, &r, q, fmt, &b, diag);
		if (rc == 0 && (rc = buf_addc(&b, 0)) < 0)
			diag_set(diag, rc, "out of memory");
		if (rc < 0) {
			buf_done(&b);
		} else {
			*out = b.p;
			*len = b.len - 1;
		}
	}
	scope_result_free(&r);
	return rc;
}

static int render_fn(spoor_case *c, const scope_result *r, const spoor_scope_query *q, int fmt, buf *b,
		     spoor_diag *diag)
{
	(void)c;
	int rc = scope_render(r, q, (spoor_scope_format)fmt, b);
	return rc < 0 ? diag_set(diag, rc, "out of memory") : 0;
}

SPOOR_API int spoor_case_scope(spoor_case *c, const spoor_scope_query *q, spoor_scope_format fmt, char **out,
			       size_t *len, spoor_diag *diag)
{
	return scope_text(c, q, (int)fmt, render_fn, out, len, diag);
}
