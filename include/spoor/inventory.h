/* spoor — the agency and IT-service-provider inventory (docs/inventory.md).
 *
 * An inventory says which agencies exist (mail and AD domains, networks,
 * hosts, admin accounts) and which IT service providers may reach them
 * (source networks, jump hosts, accounts, SSH keys, the agencies and hosts
 * they serve, agreed time windows, contract dates).  Several files merge
 * into one inventory; spoor_inventory_finish() checks references across
 * them and builds the lookup indexes.
 *
 * Two hunt stages use it: the enrichment stage adds spoor.agency,
 * spoor.provider and spoor.identity.owner to every event it can place;
 * the provider-scope stage raises findings (ruleset "providers") for
 * access outside what the inventory allows, and records what each
 * provider actually reached for the exposure report and `spoor trace`. */
#ifndef SPOOR_INVENTORY_H
#define SPOOR_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "spoor/common.h"
#include "spoor/error.h"
#include "spoor/hunt.h"

typedef struct spoor_inventory spoor_inventory;

typedef struct spoor_inventory_limits {
	size_t max_file;     /* bytes of one inventory file */
	size_t max_entries;  /* YAML nodes in one file (aliases expanded) */
	const char *zonedir; /* IANA zone files; NULL = /usr/share/zoneinfo */
} spoor_inventory_limits;

#define SPOOR_INVENTORY_LIMITS_INIT                                                                                    \
	{                                                                                                              \
		16u << 20, 2000000, NULL                                                                               \
	}

/* lim may be NULL (defaults). */
SPOOR_API int spoor_inventory_new(spoor_inventory **out, const spoor_inventory_limits *lim);
/* Load one YAML (or JSON) file and merge it in.  On error, diag has the
 * file, line, column and what is wrong; the inventory must then be freed. */
SPOOR_API int spoor_inventory_load_file(spoor_inventory *inv, const char *path, spoor_diag *diag);
SPOOR_API int spoor_inventory_load_mem(spoor_inventory *inv, const char *name, const char *text, size_t len,
				       spoor_diag *diag);
/* After the last file: resolve references (served agencies, hosts and host
 * groups), reject overlapping networks and duplicate ids, build indexes. */
SPOOR_API int spoor_inventory_finish(spoor_inventory *inv, spoor_diag *diag);
SPOOR_API void spoor_inventory_free(spoor_inventory *inv);

typedef struct spoor_inventory_stats {
	size_t agencies, providers, hosts, networks, accounts, files;
} spoor_inventory_stats;
SPOOR_API void spoor_inventory_stats_get(const spoor_inventory *inv, spoor_inventory_stats *st);

/* The enrichment stage.  inv (finished) is borrowed. */
SPOOR_API int spoor_inventory_stage_new(spoor_stage **out, const spoor_inventory *inv, spoor_diag *diag);

typedef struct spoor_providers_options {
	/* privilege gained within this many seconds after a provider logon on
	 * the same host or account is reported */
	int64_t privilege_window_s;
	/* a chain is jump host/provider network -> agency A -> agency B within
	 * this many seconds by the same account */
	int64_t chain_window_s;
	/* accounts tracked for chains and privilege (oldest dropped first) */
	size_t max_tracked;
	/* edges of the provider graph (inventory + observed logons) */
	size_t max_edges;
	/* out-of-scope accesses kept for the report (findings are not capped) */
	size_t max_violations;
	/* optional: the inventory (enrichment) stage that runs before this one
	 * on the same events; its classification of each event is reused
	 * instead of computed twice.  Borrowed. */
	const spoor_stage *enricher;
} spoor_providers_options;

#define SPOOR_PROVIDERS_OPTIONS_INIT                                                                                   \
	{                                                                                                              \
		3600, 86400, 100000, 1000000, 100000, NULL                                                             \
	}

/* The provider-scope stage (ruleset "providers").  inv is borrowed; o may
 * be NULL. */
SPOOR_API int spoor_providers_stage_new(spoor_stage **out, const spoor_inventory *inv, const spoor_providers_options *o,
					spoor_diag *diag);

typedef enum spoor_providers_format {
	SPOOR_PROVIDERS_TABLE = 0,
	SPOOR_PROVIDERS_JSON,
	SPOOR_PROVIDERS_DOT,
} spoor_providers_format;

/* After the stage finished: per provider what it may reach, what it
 * reached, every out-of-scope access and the identities linking assets to
 * it.  *out is malloc'd text (free()). */
SPOOR_API int spoor_providers_report(spoor_stage *st, spoor_providers_format fmt, char **out, size_t *len,
				     spoor_diag *diag);
/* Walk the provider graph from one entity (account, IP address, host,
 * key fingerprint, provider or agency id) both ways: every path to a
 * provider, and what the entity reached.  SPOOR_ENOTFOUND when the graph
 * does not know it. */
SPOOR_API int spoor_providers_trace(spoor_stage *st, const char *entity, spoor_providers_format fmt, char **out,
				    size_t *len, spoor_diag *diag);

/* `spoor inventory suggest`: a stage that notes, for every successful
 * logon, which source network (/24, /64) and account reached which target
 * (the agency an inventory places it in, else the account's or host's
 * domain).  inv may be NULL.  Render after the input: a YAML inventory
 * fragment of candidate providers (sources and accounts reaching at least
 * min_agencies targets, 0 = 2) with the evidence in comments. */
SPOOR_API int spoor_inventory_suggest_new(spoor_stage **out, const spoor_inventory *inv, size_t min_agencies,
					  spoor_diag *diag);
SPOOR_API int spoor_inventory_suggest_render(spoor_stage *st, char **out, size_t *len, spoor_diag *diag);

#endif
