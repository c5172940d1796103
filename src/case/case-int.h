/* case-int — the case database, library side. */
#ifndef SPOOR_CASE_INT_H
#define SPOOR_CASE_INT_H

#include <sqlite3.h>
#include <stdbool.h>

#include "base/buf.h"
#include "spoor/case.h"
#include "spoor/output.h"

/* Rows written between commits (a transaction per batch: SQLite's cost is
 * per transaction, not per row). */
#define CASE_BATCH 4096
/* Bytes of an event's raw record kept in the case (longer ones are cut and
 * flagged: the evidence store keeps them whole). */
#define CASE_MAX_RAW (1u << 20)

enum {
	ST_RUN,
	ST_EVENT_FIND,
	ST_EVENT_ADD,
	ST_ALERT_ADD,
	ST_ENTITY_UPSERT,
	ST_ENTITY_ID,
	ST_ALERT_ENTITY,
	ST_LINK,
	ST_INPUT_GET,
	ST_INPUT_SET,
	ST_FLOW,
	ST_OWNED,
	_ST_MAX
};

struct spoor_case {
	sqlite3 *db;
	char *path;
	bool writable;
	bool in_tx;
	unsigned pending;
	int64_t run;
	sqlite3_stmt *st[_ST_MAX];
	spoor_out *render; /* renders events to JSON (never writes) */
	const struct spoor_inventory *inv; /* borrowed, may be NULL */
	buf tmp;
	uint64_t alerts_added, alerts_dup, events_added, flows;
};

/* Set diag from the database's last error. */
int case_sqlerr(spoor_case *c, spoor_diag *diag, const char *what);
int case_tx(spoor_case *c, spoor_diag *diag);    /* begin a batch if none */
int case_step(spoor_case *c, spoor_diag *diag); /* count a row; commit when the batch is full */
int case_has_mailboxes(spoor_case *c);		/* rows in the analytics' mailbox summary */

/* Scope (scope.c): the answer as a JSON document; renderers read it. */
typedef struct scope_doc {
	buf json;
} scope_doc;
int case_scope_json(spoor_case *c, const spoor_scope_query *q, buf *out, spoor_diag *diag);

#endif
