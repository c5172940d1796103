/* spoor — Sigma rules: load, inspect, and match events.
 *
 * A spoor_ruleset is loaded from rule files and directories and compiled
 * against a spoor_ctx (field names are interned there, so events read
 * through the same context are matched by integer id).  Rules that cannot
 * be loaded are reported through a callback with file, line, column and
 * reason, and counted; they never stop the load.  Once loading is done the
 * ruleset is not changed; each thread matches through its own
 * spoor_matcher. */
#ifndef SPOOR_RULES_H
#define SPOOR_RULES_H

#include <stdint.h>

#include "spoor/common.h"
#include "spoor/error.h"
#include "spoor/event.h"

typedef struct spoor_ruleset spoor_ruleset;
typedef struct spoor_matcher spoor_matcher;

typedef enum spoor_level {
	SPOOR_LEVEL_NONE = 0, /* no level given */
	SPOOR_LEVEL_INFORMATIONAL,
	SPOOR_LEVEL_LOW,
	SPOOR_LEVEL_MEDIUM,
	SPOOR_LEVEL_HIGH,
	SPOOR_LEVEL_CRITICAL,
	_SPOOR_LEVEL_MAX
} spoor_level;

/* "informational", ..., "critical"; "" for SPOOR_LEVEL_NONE. */
SPOOR_API const char *spoor_level_name(spoor_level l);
/* SPOOR_LEVEL_* for a name, or -1. */
SPOOR_API int spoor_level_parse(const char *name);

typedef enum spoor_rule_kind {
	SPOOR_RULE_DETECTION = 0,
	SPOOR_RULE_FILTER,	/* Sigma filter (meta rule): parsed, not applied yet */
	SPOOR_RULE_CORRELATION, /* Sigma correlation: evaluated by the Sigma hunt stage */
	_SPOOR_RULE_KIND_MAX
} spoor_rule_kind;

/* A loaded rule.  All pointers are borrowed from the ruleset. */
typedef struct spoor_rule_info {
	spoor_rule_kind kind;
	const char *id; /* may be NULL */
	const char *title;
	const char *status; /* may be NULL */
	spoor_level level;
	const char *path;
	uint64_t line;				  /* line of the rule's YAML document */
	const char *product, *category, *service; /* may be NULL */
	const char *const *tags;
	size_t ntags;
	const char *regression_tests_path; /* may be NULL */
	/* 1 when the rule runs in a matcher; else why not (placeholders without
	 * values, below --min-level, a filter or correlation, ...) */
	int active;
	const char *inactive_reason;
	/* Which formats spoor reads give events this rule's logsource selects
	 * (a description such as "syslog (sshd)"), or NULL when none does (the
	 * rule can never fire on what spoor reads; a --logsource-map may add a
	 * mapping). */
	const char *fed_by;
} spoor_rule_info;

#define SPOOR_RULES_OPTIONS_VERSION 2
typedef struct spoor_rules_options {
	unsigned version;
	/* Rules below this level load but do not run. */
	spoor_level min_level;
	/* Called for each rule document that cannot be loaded (diag.source,
	 * .line, .col, .msg); may be NULL. */
	void (*on_error)(const spoor_diag *diag, void *payload);
	void *payload;
	/* A YAML file of placeholder values for `|expand` (name: value or
	 * name: [values], names without the %); NULL = none, and rules that
	 * use placeholders load but do not run. */
	const char *placeholders;
	/* A YAML logsource map file (docs/sigma.md, "Logsources") adding to or
	 * replacing the built-in mapping; NULL = built-in only. */
	const char *logsource_map;
	/* (version 2) A folder where compiled Vectorscan databases (named by
	 * a digest of what was compiled) and the parsed YAML trees of rule
	 * files (yaml-trees.yc, by a digest of each file's bytes) are kept
	 * between runs (docs/sigma.md, "Database cache" and "Parsed rule
	 * files"); NULL or "" = parse and compile every time. */
	const char *cache_dir;
} spoor_rules_options;

#define SPOOR_RULES_OPTIONS_INIT                                                                                       \
	{                                                                                                              \
		SPOOR_RULES_OPTIONS_VERSION, SPOOR_LEVEL_NONE, NULL, NULL, NULL, NULL, NULL                                 \
	}

/* Counters over everything added so far. */
typedef struct spoor_rules_stats {
	uint64_t files;	    /* rule files read */
	uint64_t files_bad; /* unreadable files */
	uint64_t loaded;    /* rule documents loaded (active or not) */
	uint64_t failed;    /* rule documents that could not be loaded */
	uint64_t active;    /* loaded and running */
	uint64_t detection, filters, correlations;
	/* after spoor_matcher_new: rules that run only when one of their literal
	 * atoms was seen in the event, the distinct atoms, and the Vectorscan
	 * databases (one per field) */
	uint64_t prefiltered, atoms, atom_dbs;
	/* detection rules whose logsource selects events of a format spoor
	 * reads (spoor_rule_info.fed_by) */
	uint64_t fed;
} spoor_rules_stats;

/* ctx is borrowed and must outlive the ruleset and its matchers.
 * SPOOR_ENOTFOUND / SPOOR_EPARSE (with diag line:col) for a placeholder
 * file that cannot be read. */
SPOOR_API int spoor_ruleset_new(spoor_ruleset **out, spoor_ctx *ctx, const spoor_rules_options *opts, spoor_diag *diag);
SPOOR_API spoor_ruleset *spoor_ruleset_free(spoor_ruleset *rs);
/* Load a rule file, or every *.yml / *.yaml file under a directory (in
 * name order).  Bad rules are reported and counted, not fatal.  Returns 0,
 * SPOOR_ENOTFOUND / SPOOR_EIO when the path cannot be read, or
 * SPOOR_ENOMEM. */
SPOOR_API int spoor_ruleset_add(spoor_ruleset *rs, const char *path, spoor_diag *diag);
/* Load one rule file's bytes (borrowed); `name` is used in diagnostics. */
SPOOR_API int spoor_ruleset_add_buffer(spoor_ruleset *rs, const char *name, const char *text, size_t len,
				       spoor_diag *diag);
SPOOR_API size_t spoor_ruleset_count(const spoor_ruleset *rs);
SPOOR_API int spoor_ruleset_rule(const spoor_ruleset *rs, size_t i, spoor_rule_info *out);
SPOOR_API void spoor_ruleset_stats(const spoor_ruleset *rs, spoor_rules_stats *out);
/* 1 when the ruleset has correlation rules that run: a Sigma stage over it
 * then keeps state across events (windows, groups) and must see every
 * event, in input order, in one thread; 0 when each event is matched on
 * its own (stages on several threads give the same alerts). */
SPOOR_API int spoor_ruleset_has_correlations(const spoor_ruleset *rs);

/* spoor rules update: install or refresh a rule set in folder `dest`
 * from `from`, a rule folder (a SigmaHQ checkout: its rules* folders) or
 * a .zip / .tar / .tar.gz archive of one (a SigmaHQ release or GitHub
 * tarball).  The new set is staged beside dest, verified (at least one
 * detection rule and 90% of the rule files load; else nothing changes:
 * SPOOR_EPARSE), compared with the installed one, then swapped in
 * atomically.  dest must be absent, empty, or installed by this
 * function (it holds a .spoor-rules marker).  URLs are refused
 * (SPOOR_EINVAL): fetch first. */
typedef struct spoor_rules_install_stats {
	char source_kind[8];			     /* "folder", "zip", "tar", "tar.gz" */
	uint64_t files;				     /* rule files installed */
	uint64_t rules, failed;			     /* detection rules that load; rule documents/files that do not */
	uint64_t added, changed, removed, unchanged; /* files, against the installed set */
} spoor_rules_install_stats;
#define SPOOR_RULES_INSTALL_DRY_RUN 1u /* verify and count, change nothing */
SPOOR_API int spoor_rules_install(const char *dest, const char *from, unsigned flags, spoor_rules_install_stats *out,
				  spoor_diag *diag);

/* An alert: rule index (for spoor_ruleset_rule) and the fields whose
 * values made it match (interned ids, spoor_field_name). */
typedef struct spoor_alert {
	size_t rule;
	const uint32_t *fields;
	size_t nfields;
} spoor_alert;

/* The ruleset is borrowed and must outlive the matcher. */
SPOOR_API int spoor_matcher_new(spoor_matcher **out, const spoor_ruleset *rs, spoor_diag *diag);
SPOOR_API spoor_matcher *spoor_matcher_free(spoor_matcher *m);
/* Match one event against every active rule whose logsource selects it.
 * Returns the number of alerts (>= 0), readable with spoor_matcher_alert
 * until the next call, or SPOOR_ENOMEM. */
SPOOR_API int spoor_matcher_match(spoor_matcher *m, spoor_event *ev);
SPOOR_API int spoor_matcher_alert(const spoor_matcher *m, size_t i, spoor_alert *out);
/* Alert i of the last match as one JSON line with ECS names (@timestamp,
 * rule.*, threat.*, host.name, user.name, source.ip, destination.ip,
 * log.file.path, log.offset, spoor.line / spoor.record_id, spoor.matched
 * {field: value}), ending in "\n".  ev must be the event just matched.
 * The text is borrowed until the next call on m. */
SPOOR_API int spoor_matcher_alert_json(spoor_matcher *m, size_t i, spoor_event *ev, spoor_sv *out);

#endif
