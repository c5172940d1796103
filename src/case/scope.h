/* scope — the answer to "what did they touch and take, since when". */
#ifndef SPOOR_SCOPE_H
#define SPOOR_SCOPE_H

#include <stdint.h>

#include "base/buf.h"
#include "case/case-int.h"

/* English count nouns: "1 provider", "2 providers", "0 providers". */
static inline const char *scope_plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

typedef struct scope_entity {
	char *kind, *value;
	int64_t first, last;
	uint64_t alerts;
} scope_entity;

typedef struct scope_chain {
	char *agency, *tactic;
	int64_t first, last;
	uint64_t alerts;
} scope_chain;

typedef struct scope_taken {
	char *kind; /* "mailbox" or "host" */
	char *name, *agency;
	uint64_t bytes, items, sessions;
	int64_t first, last;
	char *path; /* the first record counted */
	uint64_t offset;
} scope_taken;

typedef struct scope_rule {
	char *name, *ruleset;
	int level;
	uint64_t alerts;
} scope_rule;

typedef struct scope_result {
	uint64_t alerts;
	int64_t first, last;
	uint64_t n_agencies, n_mailboxes, n_hosts, n_providers, n_accounts, n_actors, n_ips;
	uint64_t bytes_taken, items_taken;
	scope_entity *ent;
	size_t nent;
	scope_chain *chain;
	size_t nchain;
	scope_taken *taken;
	size_t ntaken;
	scope_rule *rules;
	size_t nrules;
	char **intruder_ips;
	size_t nips;
	/* for the report */
	uint64_t heat[7][24]; /* alerts by weekday (Mon=0) and hour, UTC */
	uint64_t by_level[6];
} scope_result;

/* Select the alerts of the query into TEMP table sel and compute. */
int scope_compute(spoor_case *c, const spoor_scope_query *q, scope_result *r, spoor_diag *diag);
void scope_result_free(scope_result *r);
int scope_render(const scope_result *r, const spoor_scope_query *q, spoor_scope_format fmt, buf *out);

typedef int (*scope_render_fn)(spoor_case *c, const scope_result *r, const spoor_scope_query *q, int fmt, buf *b,
			       spoor_diag *diag);
/* Compute the scope and render it with fn into a malloc'd NUL-terminated
 * text (*out, *len). */
int scope_text(spoor_case *c, const spoor_scope_query *q, int fmt, scope_render_fn fn, char **out, size_t *len,
	       spoor_diag *diag);

/* The ATT&CK tactics in kill-chain order; index or -1. */
extern const char *const scope_tactics[];
extern const size_t scope_ntactics;
int scope_tactic_index(const char *name);

#endif
