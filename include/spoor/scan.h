/* spoor — reading logs: contexts, formats and the scanner.
 *
 * A spoor_ctx holds what outlives one file: interned field names, limits,
 * the default time zone.  A spoor_scanner walks paths (files, directories in
 * a deterministic order, "-" for stdin), undoes gzip/zstd compression found
 * by magic bytes, detects each file's format from its content and yields
 * events one at a time.  Bad records are counted and reported through a
 * callback, never fatal. */
#ifndef SPOOR_SCAN_H
#define SPOOR_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "spoor/common.h"
#include "spoor/error.h"
#include "spoor/event.h"

typedef struct spoor_scanner spoor_scanner;

/* Limits.  Each one is explicit; exceeding it makes the record bad (counted
 * and reported), never the run. */
typedef struct spoor_limits {
	size_t max_record;   /* bytes in one record (line, JSON object) */
	unsigned max_depth;  /* JSON nesting */
	size_t max_fields;   /* fields in one event */
	size_t max_names;    /* distinct field names interned per context */
} spoor_limits;

#define SPOOR_LIMITS_DEFAULT {4u << 20, 64, 8192, 1u << 18}

#define SPOOR_CTX_OPTIONS_VERSION 1
typedef struct spoor_ctx_options {
	unsigned version;
	spoor_limits limits;
	/* Zone for timestamps written without one: "UTC" (default), a fixed
	 * offset "+08:00", or an IANA name ("Asia/Taipei") read from the
	 * system zoneinfo. */
	const char *tz;
	/* Year for timestamps written without one (RFC 3164 syslog); 0 = take
	 * it from each file's modification time. */
	int year;
} spoor_ctx_options;

#define SPOOR_CTX_OPTIONS_INIT {SPOOR_CTX_OPTIONS_VERSION, SPOOR_LIMITS_DEFAULT, NULL, 0}

SPOOR_API int spoor_ctx_new(spoor_ctx **out, const spoor_ctx_options *opts, spoor_diag *diag);
SPOOR_API spoor_ctx *spoor_ctx_free(spoor_ctx *ctx);
/* A copy of ctx with the same field names under the same ids (and the same
 * limits and zone), for another thread: a ruleset or intel index compiled
 * against ctx matches events read with the copy.  Names interned later in
 * either one get ids of their own.  Neither context is thread-safe; make
 * the copies before the threads start.  0 or SPOOR_ENOMEM. */
SPOOR_API int spoor_ctx_clone(spoor_ctx **out, const spoor_ctx *src, spoor_diag *diag);

/* Kinds of bad input reported to on_bad. */
typedef enum spoor_bad_kind {
	SPOOR_BAD_RECORD = 0, /* a record that does not parse */
	SPOOR_BAD_LIMIT,      /* a record over a limit */
	SPOOR_BAD_FILE,       /* a file that cannot be read or decompressed */
	SPOOR_SKIP_FILE,      /* a file in no known format: skipped, not bad */
	_SPOOR_BAD_MAX
} spoor_bad_kind;

/* A record the scanner rejected (did not parse, or over a limit) whose
 * bytes it still holds: given to on_rejected so that an evidence store can
 * keep it (every record read is kept, parsed or not). */
typedef struct spoor_rejected {
	const char *path, *format;
	uint64_t offset, line;
	spoor_sv raw; /* the exact bytes, valid during the call */
} spoor_rejected;

#define SPOOR_SCAN_OPTIONS_VERSION 1
#define SPOOR_MAX_JOBS 256 /* jobs above this are capped */
typedef struct spoor_scan_options {
	unsigned version;
	const char *format; /* force a format by name; NULL = detect per file */
	/* Called for each bad record or unreadable file; may be NULL. */
	void (*on_bad)(spoor_bad_kind kind, const spoor_diag *diag, void *payload);
	void *payload;
	/* Threads a format may use to decode one file (EVTX chunks): 1 = all
	 * in the calling thread (default), 0 = one per online core.  Events
	 * come out in the same order, byte for byte, whatever the value. */
	unsigned jobs;
	/* Code page of 8-bit "ANSI" text (EVTX value type 0x02): NULL =
	 * windows-1252; e.g. "windows-1251", "iso-8859-1", "utf-8". */
	const char *codepage;
	/* Do not carve records from unused space (EVTX chunk slack); records
	 * recovered otherwise (resynchronised, stale headers) still come. */
	bool no_carve;
	/* Called (after on_bad) for each rejected record whose bytes are in
	 * hand: parse failures of line and framed formats, a line over the
	 * record limit that still fits the read window.  May be NULL. */
	void (*on_rejected)(const spoor_rejected *r, const spoor_diag *diag, void *payload);
	void *rejected_payload;
} spoor_scan_options;

#define SPOOR_SCAN_OPTIONS_INIT {SPOOR_SCAN_OPTIONS_VERSION, NULL, NULL, NULL, 1, NULL, false, NULL, NULL}

/* Counters over a whole scan. */
typedef struct spoor_scan_stats {
	uint64_t files;
	uint64_t files_bad;
	uint64_t files_skipped; /* no known format */
	uint64_t records;
	uint64_t records_bad;
	uint64_t bytes; /* decompressed bytes read */
	/* Good records recovered from damaged or unused space (EVTX slack,
	 * resynchronisation); included in records, marked spoor.recovered. */
	uint64_t records_recovered;
} spoor_scan_stats;

SPOOR_API int spoor_scanner_new(spoor_scanner **out, spoor_ctx *ctx, const spoor_scan_options *opts,
				spoor_diag *diag);
SPOOR_API spoor_scanner *spoor_scanner_free(spoor_scanner *sc);
/* Queue a path: a file, a directory (recursive, sorted by name) or "-". */
SPOOR_API int spoor_scanner_add(spoor_scanner *sc, const char *path);
/* Next event: 1 and *out set, 0 at the end, < 0 on a fatal error (out of
 * memory).  Unreadable files and bad records are reported and skipped. */
SPOOR_API int spoor_scanner_next(spoor_scanner *sc, spoor_event **out, spoor_diag *diag);
/* Up to max (at most SPOOR_SCAN_BATCH) next events at once: 1 with *n >= 1
 * events in out[], 0 at the end, < 0 as spoor_scanner_next.  They stay
 * valid until the next call (of either function).  Parsing several records
 * before the stages see them keeps each side's code and tables in the CPU's
 * caches (docs/internals/scanner.md).  A batch holds events of one file;
 * formats whose events refer to the parser's state, and scanners with an
 * on_rejected callback, give one event at a time. */
#define SPOOR_SCAN_BATCH 16
SPOOR_API int spoor_scanner_next_batch(spoor_scanner *sc, spoor_event **out, size_t max, size_t *n,
				       spoor_diag *diag);
/* The i-th file queued (directories expanded, in reading order), or NULL
 * past the end: lets a caller share whole files out to several scanners. */
SPOOR_API const char *spoor_scanner_path(const spoor_scanner *sc, size_t i);
SPOOR_API void spoor_scanner_stats(const spoor_scanner *sc, spoor_scan_stats *out);

/* The format registry. */
typedef struct spoor_format_info {
	const char *name;
	const char *summary;
	const char *recognizes; /* what shapes/products the format knows */
} spoor_format_info;

SPOOR_API size_t spoor_format_count(void);
SPOOR_API const spoor_format_info *spoor_format_get(size_t i);

#endif
