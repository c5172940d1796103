/* sigma-corr — Sigma correlation rules (correlation spec v2.1): the
 * resolved plan (shared, immutable once the ruleset is finalized) and the
 * per-stage windowed state.
 *
 * Plan: every correlation's `rules` resolved by id or name to ruleset
 * indices (detection rules or other correlations), group-by and
 * condition fields resolved per referenced rule through `aliases`,
 * correlations in dependency order (inner before outer; cycles refused),
 * and per ruleset rule the correlations it feeds and whether it still
 * raises its own alerts (`generate`).
 *
 * State (sigma-corr.c): per correlation, groups keyed by the group-by
 * values, each a time-sorted bounded list of entries (one per matching
 * event); windows are decided when they close (watermark), when a cap
 * forces it, or at the end.  See docs/internals/sigma.md. */
#ifndef SPOOR_SIGMA_CORR_H
#define SPOOR_SIGMA_CORR_H

#include <stdbool.h>
#include <stdint.h>

#include "detect/sigma/sigma-int.h"
#include "spoor/hunt.h"

enum {
	CT_EVENT_COUNT = 0,
	CT_VALUE_COUNT,
	CT_TEMPORAL,
	CT_TEMPORAL_ORDERED,
	CT_VALUE_SUM,
	CT_VALUE_AVG,
	CT_VALUE_PERCENTILE,
};

#define CORR_MAX_REFS 64 /* rules one correlation names (a bit mask per entry) */
#define CORR_MAX_GB   16 /* group-by fields */
#define CORR_MAX_VF   8	 /* condition fields (a tuple) */

typedef struct corr_ref {
	uint32_t rule; /* ruleset index */
	int32_t corr;  /* index in corr_plan.c when the reference is a correlation, else -1 */
	/* field ids to read in this rule's events: group-by g, value field v
	 * (0 = none); for a correlation reference gb_inner[g] is the index of
	 * the inner correlation's group-by value, or -1 */
	uint32_t gb_field[CORR_MAX_GB];
	int32_t gb_inner[CORR_MAX_GB];
	uint32_t v_field[CORR_MAX_VF];
} corr_ref;

typedef struct corr_def {
	uint32_t rule; /* the correlation's ruleset index */
	const sigma_rule *r;
	uint8_t type; /* CT_* */
	corr_ref *refs;
	size_t nrefs;
	const char *gb_names[CORR_MAX_GB];
	size_t ngb;
	size_t nvf;
	int64_t span_ns;
	bool emits; /* raises its own alerts (not silenced, level ok) */
} corr_def;

typedef struct corr_feed {
	uint32_t corr; /* index in corr_plan.c */
	uint32_t ref;  /* index in its refs */
} corr_feed;

enum { CORR_RULE_NEEDED = 1, CORR_RULE_SILENT = 2 };

typedef struct corr_plan {
	corr_def *c; /* in dependency order: a correlation after those it references */
	size_t nc;
	size_t nrules;
	uint32_t *feed_start; /* [nrules + 1]: rule i feeds feed[feed_start[i] .. feed_start[i+1]) */
	corr_feed *feed;
	uint8_t *flags;	  /* [nrules]: CORR_RULE_* */
	const char **why; /* [nrules]: a correlation that cannot run: why; else NULL */
	char *whybuf;	  /* owns the texts of why[] */
} corr_plan;

/* Build the plan over all rules of a ruleset (rules[i] = rule i; ok[i] =
 * rule i is a detection rule that compiled and can select events).  Rules
 * below min_level are not emitted but still run when a correlation needs
 * them.  Returns 0 or SPOOR_ENOMEM; correlations that cannot run get a
 * reason in why[]. */
int corr_plan_build(corr_plan **out, sigma_rule *const *rules, const bool *ok, size_t n, struct field_table *ft,
		    int min_level);
void corr_plan_free(corr_plan *p);

/* Bounds and semantics knobs of the state (spoor_sigma_stage_options). */
typedef struct corr_limits {
	uint64_t max_groups;  /* per correlation */
	uint64_t max_entries; /* per group */
	uint64_t max_total;   /* entries over all correlations of a stage */
	int64_t reorder_ns;   /* < 0: windows are decided at the end (or by a cap) */
	uint32_t max_related; /* origins listed per alert */
} corr_limits;

typedef struct corr_counters {
	uint64_t fed, alerts, no_time, late, groups_evicted, windows_forced, total_evictions;
} corr_counters;

typedef struct corr_state corr_state;

int corr_state_new(corr_state **out, const corr_plan *p, const corr_limits *lim);
void corr_state_free(corr_state *s);
/* Rule `rule` matched ev: feed every correlation that references it. */
int corr_feed_event(corr_state *s, uint32_t rule, spoor_event *ev, spoor_finding_fn fn, void *payload);
/* After an event: decide the windows the watermark has closed (only when
 * a reorder tolerance is set). */
int corr_after_event(corr_state *s, spoor_event *ev, spoor_finding_fn fn, void *payload);
/* End of input: decide every window, inner correlations first. */
int corr_finish(corr_state *s, spoor_finding_fn fn, void *payload);
void corr_get_counters(const corr_state *s, corr_counters *out);

/* ruleset.c: the plan of a finalized ruleset (NULL when it has no
 * correlation), and whether rule i raises its own alerts. */
struct spoor_ruleset;
const corr_plan *ruleset_corr_plan(const struct spoor_ruleset *rs);
bool ruleset_rule_emits(const struct spoor_ruleset *rs, size_t i);

#endif
