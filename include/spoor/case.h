/* spoor — the case database: what a hunt found, kept for the investigation.
 *
 * A case is one SQLite file (schema in docs/case.md, version in
 * PRAGMA user_version).  `spoor hunt --case` adds alerts, the events they
 * point to (raw bytes and normalised JSON), the entities they name and the
 * traffic volumes seen per account and address; re-adding the same input
 * does not duplicate.  `spoor scope` and `spoor report` read it.
 *
 * Writers batch their changes in transactions; the database runs in WAL
 * mode so readers (scope, report) work while a hunt writes. */
#ifndef SPOOR_CASE_H
#define SPOOR_CASE_H

#include <stdint.h>

#include "spoor/common.h"
#include "spoor/error.h"
#include "spoor/hunt.h"

typedef struct spoor_case spoor_case;

enum {
	SPOOR_CASE_READ = 0,	   /* open an existing case read-only */
	SPOOR_CASE_WRITE = 1 << 0, /* open for writing, creating it if needed */
};

/* The schema version this library writes (it reads 1 too, and upgrades a
 * version 1 case to 2 when it opens it for writing). */
#define SPOOR_CASE_SCHEMA 2

/* SPOOR_ENOTFOUND (no such case), SPOOR_ECORRUPT (not a spoor case, or
 * damaged), SPOOR_EINVAL (schema version this spoor does not know),
 * SPOOR_EIO; diag says which and why. */
SPOOR_API int spoor_case_open(spoor_case **out, const char *path, unsigned flags, spoor_diag *diag);
/* Commits what is pending. */
SPOOR_API int spoor_case_close(spoor_case *c, spoor_diag *diag);

/* Record a hunt run (its command line, for the record); later additions
 * belong to it. */
SPOOR_API int spoor_case_begin_run(spoor_case *c, const char *command, spoor_diag *diag);
/* Add one finding (alert), its event when it has one, and its entities.
 * An alert already in the case is not added again (returns 0). */
SPOOR_API int spoor_case_add_finding(spoor_case *c, const spoor_finding *f, spoor_diag *diag);
/* A stage that counts, for every event, bytes and mail items per account,
 * source and destination (the "data taken" of scope).  Put it last. */
SPOOR_API int spoor_case_stage_new(spoor_stage **out, spoor_case *c, spoor_diag *diag);
/* Store the identity analytics' per-mailbox summary (the JSON lines of
 * spoor_analytics_mailboxes, spoor.record = mailbox): which mailboxes were
 * compromised, by what evidence, from which sources, and the mail those
 * sources read.  Replaces what an earlier run stored for the same mailbox.
 * Scope then takes the data taken per mailbox from it (exact sums of the
 * attacker's sessions) rather than from its own address heuristics. */
SPOOR_API int spoor_case_add_mailboxes(spoor_case *c, const char *jsonl, size_t len, spoor_diag *diag);
/* The stored mailbox summary, as spoor_analytics_mailboxes prints it:
 * JSON lines (json = 1: mailbox records, then domain records) or the
 * table (mailboxes, then agency domains); *out is malloc'd.  SPOOR_ENOTFOUND when the case has none (the hunt ran without
 * --analytics). */
SPOOR_API int spoor_case_mailboxes(spoor_case *c, int json, char **out, size_t *len, spoor_diag *diag);
/* Store the provider-scope stage's state (spoor_providers_stage_new, after
 * it finished): the inventory's files, the provider graph, what each
 * provider reached and the out-of-scope accesses.  Replaces what an earlier
 * run stored (the case keeps the provider view of the last hunt run with
 * an inventory). */
SPOOR_API int spoor_case_add_providers(spoor_case *c, spoor_stage *providers, spoor_diag *diag);
/* Rebuild from the case what spoor_providers_report and
 * spoor_providers_trace read: the inventory (*inv) and a finished
 * providers stage (*st) giving the same answers as the stage that was
 * stored.  Free *st, then *inv.  SPOOR_ENOTFOUND when the case has no
 * provider state (the hunt ran without --inventory). */
struct spoor_inventory;
SPOOR_API int spoor_case_providers(spoor_case *c, struct spoor_inventory **inv, spoor_stage **st, spoor_diag *diag);
/* The agency/provider inventory (spoor/inventory.h), borrowed: the case
 * stage then records which addresses belong to an agency's own networks,
 * and scope never takes those for the intruders' (an agency's NAT address
 * named by an alert is the victim's). */
SPOOR_API void spoor_case_use_inventory(spoor_case *c, const struct spoor_inventory *inv);
/* Commit pending changes now (also done every few thousand rows). */
SPOOR_API int spoor_case_commit(spoor_case *c, spoor_diag *diag);

/* A time for --since/--until: RFC 3339 ("2026-03-01", "2026-03-01T08:00Z")
 * in UTC when no offset is given, or epoch seconds.  0 or SPOOR_EPARSE. */
SPOOR_API int spoor_time_parse(const char *text, int64_t *ns);

/* What `spoor scope` asks.  NULL members do not restrict. */
typedef struct spoor_scope_query {
	const char *actor, *indicator, *provider, *agency, *account;
	int64_t since, until; /* UTC ns; 0 = open */
} spoor_scope_query;

typedef enum spoor_scope_format {
	SPOOR_SCOPE_TABLE = 0,
	SPOOR_SCOPE_JSON,
	SPOOR_SCOPE_CSV,
} spoor_scope_format;

/* Answer the query; the text (NUL-terminated, malloc'd, caller frees) goes
 * to *out. */
SPOOR_API int spoor_case_scope(spoor_case *c, const spoor_scope_query *q, spoor_scope_format fmt, char **out,
			       size_t *len, spoor_diag *diag);

typedef enum spoor_report_format {
	SPOOR_REPORT_HTML = 0,
	SPOOR_REPORT_MD,
} spoor_report_format;

/* The whole report for the query (usually all of the case). */
SPOOR_API int spoor_case_report(spoor_case *c, const spoor_scope_query *q, spoor_report_format fmt, char **out,
				size_t *len, spoor_diag *diag);

#endif
