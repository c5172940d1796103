/* parser — the interface every log format implements, and the registry.
 *
 * A format is a const vtable registered in parsers.def.  The scanner reads
 * a file as a stream of bytes (after undoing gzip/zstd) into a window and
 * asks the file's format for events:
 *
 *  - Line formats set parse_line: the scanner frames lines (LF, trailing CR
 *    dropped), enforces limits.max_record, and passes each non-empty line.
 *  - Self-framed formats (JSON streams, EVTX) set next: they look at the
 *    window, and either produce one event, skip bytes, report a bad record,
 *    or ask for more data.
 *
 * A format keeps per-file state in `state_size` bytes the scanner allocates
 * zeroed before open() and frees after close().  A format that sets
 * finish() lets the scanner keep that state from one file to the next of
 * the same format: at the end of a file the scanner calls finish() (the
 * file is over, memory worth reusing is kept) instead of close(), and
 * later either open() again on that state, not zeroed, or close(). */
#ifndef SPOOR_PARSER_H
#define SPOOR_PARSER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"
#include "event/event-int.h"

/* What the scanner tells a format about the file being read. */
typedef struct parse_env {
	spoor_ctx *ctx;
	const char *path;     /* for origins and diagnostics */
	int64_t file_mtime;   /* seconds since epoch, 0 if unknown (year-less syslog) */
	spoor_diag *diag;     /* where a bad record's reason goes */
	unsigned jobs;	      /* threads the format may use for this file (<= 1: none) */
	const struct codepage_def *codepage; /* 8-bit text; NULL = windows-1252 */
	uint64_t *recovered;  /* count of recovered records (may be NULL) */
	bool no_carve;	      /* do not carve records from unused space */
} parse_env;

/* The window a self-framed format sees. */
typedef struct parse_window {
	const char *p;
	size_t len;
	bool eof;      /* no bytes will follow p[len-1] */
	uint64_t off;  /* stream offset of p[0] */
} parse_window;

enum parse_result {
	PARSE_EVENT = 1, /* *consumed bytes used; event filled; *rec_start set */
	PARSE_MORE = 0,  /* need more bytes (or, at eof, nothing left); may consume */
	PARSE_BAD = 2,   /* bad record: diag set, *rec_start set, *consumed skipped */
	PARSE_SKIP = 3,  /* *consumed bytes skipped, no event */
};

typedef struct parser_vt {
	const char *name;       /* "json", "syslog", "evtx", ... */
	const char *summary;    /* one line */
	const char *recognizes; /* shapes/products it knows, for `spoor formats` */
	/* Confidence 0..100 that a file starting with head is this format. */
	int (*sniff)(spoor_sv head);
	size_t state_size;
	int (*open)(void *state, const parse_env *env);
	void (*close)(void *state);
	/* Optional: end the current file, keep the state for open() on the
	 * next file of this format (see above). */
	void (*finish)(void *state);
	/* Line formats: 0 = event, 1 = skip (header/comment), <0 = bad (reason
	 * in env->diag).  ev is reset and its origin set before the call. */
	int (*parse_line)(void *state, const parse_env *env, spoor_sv line, spoor_event *ev);
	/* Self-framed formats; see enum parse_result. */
	int (*next)(void *state, const parse_env *env, const parse_window *w, spoor_event *ev, size_t *consumed,
		    size_t *rec_start);
	/* Its events point only into the window and their own memory, never
	 * into the format's state: up to this many may be alive at once
	 * (spoor_scanner_next_batch; 0 or 1: one at a time).  Bigger events
	 * take fewer: a batch's fields and values should stay in the data
	 * cache while the stages read them (docs/internals/scanner.md). */
	unsigned batch;
} parser_vt;

/* The registry (parsers.def), in sniff-priority order. */
size_t parser_count(void);
const parser_vt *parser_at(size_t i);
const parser_vt *parser_find(const char *name);
/* The best format for a file head; NULL if none is confident. */
const parser_vt *parser_detect(spoor_sv head);

#endif
