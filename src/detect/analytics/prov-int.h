/* prov-int — the provider-scope analytics (ruleset "providers").
 *
 *   prov-stage.c       the hunt stage: classifies each event against the
 *                      inventory (who acted, where, was it an access, was
 *                      it interactive, did it gain privilege), runs every
 *                      analytic, records what each provider reached
 *   prov-unserved.c    provider reaches an agency it does not serve
 *   prov-host.c        ... a host it is not allowed on
 *   prov-window.c      ... outside its agreed time windows
 *   prov-contract.c    ... before its contract starts or after it ends
 *   prov-source.c      provider account/key used from outside its networks
 *   prov-interactive.c service-only provider account used interactively
 *   prov-stale.c       provider account still present after the contract
 *   prov-chain.c       provider source -> agency A -> agency B
 *   prov-privilege.c   privilege gained soon after a provider logon
 *   prov-graph.c       the provider graph: exposure report and trace
 *
 * One finding per access event and violation kind: a session that breaks
 * two rules yields two findings with the same log origin. */
#ifndef SPOOR_PROV_INT_H
#define SPOOR_PROV_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "detect/stage.h"
#include "enrich/inventory.h"
#include "spoor/inventory.h"

/* One provider analytic's identity. */
typedef struct prov_rule {
	const char *id, *name;
	spoor_level level;
	const char *techniques[3];
	const char *tactics[3];
} prov_rule;

extern const prov_rule prov_rule_unserved, prov_rule_host, prov_rule_window, prov_rule_contract, prov_rule_source,
    prov_rule_interactive, prov_rule_stale, prov_rule_chain, prov_rule_privilege;

/* What the stage knows about the event being processed. */
typedef struct prov_ev {
	spoor_event *ev;
	inv_match m;
	int64_t ts;	       /* 0 when unknown */
	bool access;	       /* a successful logon / sign-in / session start */
	bool interactive;      /* ... made by a person (RDP, console, password ssh, M365 sign-in) */
	bool privilege;	       /* the event grants privilege (group/role add, sudo to root) */
	const inv_provider *p; /* m.provider's entry, or NULL */
	spoor_sv logon_type;
	/* the provider a finding about this event is charged to in the report
	 * when the event's actor is not a provider (chains, privilege) */
	uint32_t blame;
	bool violated; /* an earlier analytic raised a finding about this event */
} prov_ev;

/* A tracked identity (account or host address) for chains and privilege. */
typedef struct prov_track {
	int64_t ts;
	uint32_t provider, agency, host;
	bool from_provider_source; /* entered from a provider network or jump host */
	int64_t logon_ts;	   /* last provider logon of this account */
	uint32_t logon_provider;
	bool logon_violated; /* that logon broke the provider's scope */
	char host_name[96];
	char src[48];
} prov_track;

/* A stale-account record: provider account seen in an agency after the
 * contract ended. */
typedef struct prov_stale {
	uint32_t provider, account, agency;
	int64_t first, last;
	uint64_t count;
	char origin[300]; /* file:line of the first sighting */
} prov_stale;

/* Reached assets, aggregated for the report. */
typedef struct prov_reach {
	uint32_t provider, agency;
	const char *host, *account, *src; /* arena strings, "" when unknown */
	int64_t first, last;
	uint64_t count;
} prov_reach;

/* An out-of-scope access, for the report (capped). */
typedef struct prov_viol {
	uint32_t provider, agency;
	const prov_rule *rule;
	int64_t ts;
	const char *host, *account, *src, *origin, *why;
} prov_viol;

/* The provider graph (prov-graph.c). */
typedef struct prov_gedge {
	uint32_t to;
	const char *label;
} prov_gedge;
typedef struct prov_gnode {
	const char *kind, *name; /* arena */
	prov_gedge *e;
	size_t n, cap;
} prov_gnode;
typedef struct prov_graph {
	arena *ar;
	inv_map nodes; /* "kind\0name" -> node */
	inv_map edges; /* "a,b,label" -> 1 */
	prov_gnode *v;
	size_t n, cap;
	size_t max_edges, nedges;
	uint64_t dropped;
} prov_graph;

typedef struct prov_stage {
	spoor_stage base;
	const spoor_inventory *inv;
	spoor_providers_options o;
	arena ar;
	buf js, details;
	prov_graph g;
	/* chains and privilege: by "u:account" and "h:address" */
	inv_map trackmap;
	prov_track *tracks;
	size_t ntracks, captracks;
	uint64_t track_dropped;
	inv_map stalemap;
	prov_stale *stales;
	size_t nstales, capstales;
	inv_map reachmap;
	prov_reach *reach;
	size_t nreach, capreach;
	prov_viol *viols;
	size_t nviols, capviols;
	uint64_t viols_dropped;
	uint64_t events, accesses, provider_accesses, findings;
	uint64_t by_rule[9];
	bool finished;
	char summary[256];
} prov_stage;

/* Raise one finding about e (or about no event when e == NULL, with ts).
 * why: a sentence for details; kv: NULL-terminated key, value pairs of
 * extra string members. */
int prov_emit(prov_stage *s, prov_ev *e, const prov_rule *r, int64_t ts, const char *why, const char *const *kv,
	      spoor_finding_fn fn, void *payload);

extern const stage_ops prov_stage_ops;

/* "account", "key", "network", "jump-host", ... for INV_BY_* */
const char *prov_by_name(uint8_t by);
/* Emit about an access event with the common members (spoor.identified_by)
 * plus one optional extra key/value. */
int prov_emit_scope(prov_stage *s, prov_ev *e, const prov_rule *r, const char *why, const char *k, const char *v,
		    spoor_finding_fn fn, void *payload);

/* the analytics: each looks at one event, may emit */
int prov_check_unserved(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload);
int prov_check_host(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload);
int prov_check_window(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload);
int prov_check_contract(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload);
int prov_check_source(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload);
int prov_check_interactive(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload);
int prov_check_stale(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload);
int prov_stale_finish(prov_stage *s, spoor_finding_fn fn, void *payload);
int prov_check_chain(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload);
int prov_check_privilege(prov_stage *s, prov_ev *e, spoor_finding_fn fn, void *payload);

/* tracking table (prov-stage.c): the entry for key, created zeroed when
 * absent (NULL on OOM or when full) */
prov_track *prov_track_get(prov_stage *s, const char *key, size_t n, bool create);
/* "u:" + lower-case account into out; false when the event has none */
bool prov_account_key(const prov_ev *e, char *out, size_t cap, size_t *n);
/* file:line of the event */
void prov_origin(const prov_ev *e, char *out, size_t cap);
const char *prov_str(prov_stage *s, spoor_sv v); /* arena copy, "" on OOM */

/* graph (prov-graph.c) */
void prov_graph_init(prov_graph *g, arena *ar, size_t max_edges);
void prov_graph_done(prov_graph *g);
int prov_graph_inventory(prov_graph *g, const spoor_inventory *inv);
int prov_graph_event(prov_graph *g, const spoor_inventory *inv, const prov_ev *e);
/* restoring a saved graph (the case database): the static label named
 * name (NULL when unknown); a node (INV_NONE for an unknown kind); one
 * end of an edge, appended to a's list as edge() would have (both ends
 * must be added, in each node's order) */
const char *prov_graph_label(const char *name);
uint32_t prov_graph_add_node(prov_graph *g, const char *kind, const char *name);
int prov_graph_add_half(prov_graph *g, uint32_t a, uint32_t b, const char *label);

#endif
