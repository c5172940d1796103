/* spoor — threat intelligence: indicators, groups, software, techniques.
 *
 * An intel store holds what was loaded from MISP feeds and events, STIX 2.1
 * bundles (indicators and ATT&CK's intrusion sets, malware, tools, attack
 * patterns and relationships), MISP galaxy clusters, CSV files and plain
 * lists; the format of each file is recognised from its content.  The
 * store feeds the intel hunt stage (typed indicator matching) and
 * attributes alerts of any engine to known groups and software.
 *
 * A store is not thread-safe; load everything, then match. */
#ifndef SPOOR_INTEL_H
#define SPOOR_INTEL_H

#include <stdbool.h>
#include <stdint.h>

#include "spoor/common.h"
#include "spoor/error.h"
#include "spoor/event.h"
#include "spoor/hunt.h"

typedef struct spoor_intel spoor_intel;

typedef struct spoor_intel_options {
	unsigned version;
	size_t max_file_bytes;	 /* one intel file (default 512 MiB) */
	size_t max_indicators;	 /* atoms in the store (default 50 million) */
	size_t max_json_values;	 /* values of one JSON document (default 64 million) */
	unsigned max_depth;	 /* JSON nesting (default 64) */
	bool ignore_to_ids;	 /* also match MISP attributes with to_ids false */
	/* (version 2) where compiled Vectorscan databases of command-line and
	 * path patterns are kept between runs (as spoor_rules_options.cache_dir);
	 * NULL or "" = compile every time */
	const char *cache_dir;
} spoor_intel_options;

#define SPOOR_INTEL_OPTIONS_VERSION 2
#define SPOOR_INTEL_OPTIONS_INIT {SPOOR_INTEL_OPTIONS_VERSION, 512u << 20, 50000000u, 64000000u, 64, false, NULL}

SPOOR_API int spoor_intel_new(spoor_intel **out, const spoor_intel_options *opt, spoor_diag *diag);
SPOOR_API spoor_intel *spoor_intel_free(spoor_intel *in);
/* Load a file or a directory (recursively; a directory holding a MISP
 * manifest.json is read as a MISP feed).  Files of no intel format inside
 * a directory are skipped and counted; a named file that is not intel is
 * an error (SPOOR_EPARSE).  Returns 0 or SPOOR_E*. */
SPOOR_API int spoor_intel_load(spoor_intel *in, const char *path, spoor_diag *diag);
/* Same for bytes in memory; `name` is used in messages. */
SPOOR_API int spoor_intel_load_mem(spoor_intel *in, const char *name, const char *p, size_t n, spoor_diag *diag);

/* spoor's built-in pack for the BlackTech / Taidoor campaign (groups,
 * software, who uses what, hashes, user agent, certificate, command line,
 * each with its public source; intel/blacktech-taidoor.json).  Loaded as
 * the file "@builtin". */
SPOOR_API int spoor_intel_load_builtin(spoor_intel *in, spoor_diag *diag);

/* Indicator type names, index 0.. until NULL: "ipv4", "ipv6", "domain",
 * "url", "email", "md5", "sha1", "sha256", "sha512", "filename",
 * "filepath", "user-agent", "command-line", "x509-serial", "x509-hash". */
SPOOR_API const char *spoor_intel_type_name(unsigned type);

#define SPOOR_INTEL_MAX_TYPES 32
typedef struct spoor_intel_stats {
	uint64_t files, skipped_files;
	uint64_t objects;	/* indicator objects (STIX indicators, MISP attributes, CSV rows) */
	uint64_t atoms;		/* matchable values */
	uint64_t by_type[SPOOR_INTEL_MAX_TYPES];
	uint64_t unsupported;	/* patterns / values not loaded (listed) */
	uint64_t not_ids;	/* MISP attributes with to_ids false (loaded, not matched) */
	uint64_t context;	/* MISP attributes of non-indicator types (link, comment, ...) */
	uint64_t groups, software, techniques, relationships;
} spoor_intel_stats;
SPOOR_API int spoor_intel_stats_get(spoor_intel *in, spoor_intel_stats *out);

/* Per loaded file. */
typedef struct spoor_intel_source {
	const char *path;
	const char *format; /* "misp", "misp-galaxy", "stix", "csv", "list", "stix-patterns" */
	uint64_t objects, atoms, unsupported, skipped, bad;
} spoor_intel_source;
SPOOR_API size_t spoor_intel_source_count(const spoor_intel *in);
SPOOR_API int spoor_intel_source_at(const spoor_intel *in, size_t i, spoor_intel_source *out);

/* What could not be loaded: the file, where (indicator id, line), what
 * (the pattern or value) and why.  Borrowed from the store. */
typedef struct spoor_intel_issue {
	const char *path;
	spoor_sv where, what, why;
} spoor_intel_issue;
SPOOR_API size_t spoor_intel_unsupported_count(const spoor_intel *in);
SPOOR_API int spoor_intel_unsupported_at(const spoor_intel *in, size_t i, spoor_intel_issue *out);

/* Groups, software and techniques known to the store. */
typedef struct spoor_intel_entity {
	const char *kind; /* "group", "malware", "tool", "technique", "campaign" */
	spoor_sv name, ext_id;
	uint64_t indicators; /* atoms that point to it (directly or through its software) */
	bool deprecated;
} spoor_intel_entity;
SPOOR_API size_t spoor_intel_entity_count(spoor_intel *in);
SPOOR_API int spoor_intel_entity_at(spoor_intel *in, size_t i, spoor_intel_entity *out);
/* A text description of a group or software found by name, alias or
 * ATT&CK id (aliases, software, techniques, indicator counts); borrowed
 * until the next call on in.  SPOOR_ENOTFOUND if unknown. */
SPOOR_API int spoor_intel_show(spoor_intel *in, const char *name, spoor_sv *out);

/* Attribution of an alert from another engine: when the finding's ATT&CK
 * techniques, its rule tags ("attack.g0098", "attack.s0011" given in
 * tags) tie it to a known group or software, *json is f->json with
 * "threat.group.name", "threat.group.id", "threat.software.name",
 * "threat.software.id" and "spoor.attribution" added, and 1 is returned;
 * else *json = f->json and 0.  Borrowed until the next call on in. */
SPOOR_API int spoor_intel_attribute(spoor_intel *in, const spoor_finding *f, const char *const *tags, size_t ntags,
				    spoor_sv *json);

/* The intel stage: typed indicator matching (spoor/hunt.h).  The store is
 * borrowed and must outlive the stage; ctx is the context events are read
 * with (field names are resolved once). */
SPOOR_API int spoor_intel_stage_new(spoor_stage **out, spoor_intel *in, spoor_ctx *ctx, spoor_diag *diag);

/* Sightings of a stage, exported for the CERT that shared the intel:
 * "misp" (a MISP sightings JSON array), "stix" (a STIX 2.1 bundle of
 * sighting objects referencing the indicators) or "csv".  The text is
 * malloc'ed; the caller frees *out. */
SPOOR_API int spoor_intel_stage_export(spoor_stage *s, const char *format, char **out, size_t *n,
				       spoor_diag *diag);

#endif
