/* spoor — the hunt pipeline: stages that enrich events and raise alerts.
 *
 * `spoor hunt` reads events and passes each one through a list of stages,
 * in order: the evidence store (records every raw record, tags the event
 * with its leaf index), enrichers (GeoIP, the agency/provider inventory),
 * then detectors (Sigma rules, intel indicators, stateful analytics,
 * provider scope).  Every engine is a spoor_stage behind the same four
 * calls, so the front end stays a loop and a new engine is one constructor.
 *
 * A stage reports alerts through a callback, as spoor_finding values.  A
 * finding raised while an event is being processed points to that event;
 * a finding raised later (a correlation window closing, an analytic's
 * summary at the end of the input) has ev == NULL and carries in its JSON
 * the origins of the records it is about.
 *
 * Stages are not thread-safe: one thread drives a stage. */
#ifndef SPOOR_HUNT_H
#define SPOOR_HUNT_H

#include <stdint.h>

#include "spoor/common.h"
#include "spoor/error.h"
#include "spoor/event.h"
#include "spoor/rules.h"

typedef struct spoor_stage spoor_stage;

/* One alert, from any engine.  Everything is borrowed for the duration of
 * the callback. */
typedef struct spoor_finding {
	const char *rule_id;   /* Sigma id (UUID) or spoor analytic id */
	const char *rule_name; /* title */
	const char *ruleset;   /* "sigma", "intel", "analytics", "providers", ... */
	spoor_level level;
	/* ATT&CK technique ids ("T1110.003") and tactic names ("Credential Access") */
	const char *const *techniques;
	size_t ntechniques;
	const char *const *tactics;
	size_t ntactics;
	int64_t ts;	 /* event time (UTC ns), 0 when unknown */
	spoor_event *ev; /* the event that raised it, or NULL (see above) */
	/* For a CSV timeline: "name: value ¦ name: value" of what matched. */
	spoor_sv details;
	/* The whole alert as one JSON line with ECS names, ending in "\n". */
	spoor_sv json;
} spoor_finding;

/* Return 0 to go on, < 0 (a SPOOR_E* code) to stop the stage's call with it. */
typedef int (*spoor_finding_fn)(const spoor_finding *f, void *payload);

/* Pass one event through the stage: it may add fields to the event
 * (enrichers), raise findings, or update state.  Returns 0 or SPOOR_E*. */
SPOOR_API int spoor_stage_event(spoor_stage *s, spoor_event *ev, spoor_finding_fn fn, void *payload);
/* End of input: close windows, emit summaries, make state durable.  Call
 * once; returns 0 or SPOOR_E* (diag says why when it is not NULL). */
SPOOR_API int spoor_stage_finish(spoor_stage *s, spoor_finding_fn fn, void *payload, spoor_diag *diag);
/* Short name ("sigma", "intel", ...), for messages. */
SPOOR_API const char *spoor_stage_name(const spoor_stage *s);
/* One line of counters for the end-of-run summary (borrowed until the next
 * call on s), or "" . */
SPOOR_API const char *spoor_stage_summary(spoor_stage *s);
SPOOR_API spoor_stage *spoor_stage_free(spoor_stage *s);

/* The Sigma engine as a stage: matches every event against the ruleset's
 * active rules and evaluates its correlation rules.  The ruleset is
 * borrowed and must outlive the stage. */
SPOOR_API int spoor_sigma_stage_new(spoor_stage **out, const spoor_ruleset *rs, spoor_diag *diag);

/* Bounds of the correlation state (docs/limits.md).  0 = the default. */
#define SPOOR_CORR_DEFAULT_MAX_GROUPS  100000u	/* groups per correlation rule */
#define SPOOR_CORR_DEFAULT_MAX_ENTRIES 10000u	/* events held per group */
#define SPOOR_CORR_DEFAULT_MAX_TOTAL   2000000u /* events held by one stage, all correlations */
#define SPOOR_CORR_DEFAULT_MAX_RELATED 32u	/* contributing records listed per alert */

#define SPOOR_SIGMA_STAGE_OPTIONS_VERSION 1
typedef struct spoor_sigma_stage_options {
	unsigned version;
	uint64_t corr_max_groups;
	uint64_t corr_max_entries;
	uint64_t corr_max_total;
	uint32_t corr_max_related;
	/* Reorder tolerance in seconds: a window is decided once the highest
	 * event time seen is this far past its end.  < 0 (the default): no
	 * window is decided before the end of input unless a cap forces it
	 * (events may come in any order: files of different hosts and days). */
	int64_t corr_reorder_s;
} spoor_sigma_stage_options;

#define SPOOR_SIGMA_STAGE_OPTIONS_INIT                                                                                 \
	{                                                                                                              \
		SPOOR_SIGMA_STAGE_OPTIONS_VERSION, 0, 0, 0, 0, -1                                                      \
	}

/* The same with options (NULL = defaults). */
SPOOR_API int spoor_sigma_stage_new_opts(spoor_stage **out, const spoor_ruleset *rs,
					 const spoor_sigma_stage_options *opts, spoor_diag *diag);

#endif
