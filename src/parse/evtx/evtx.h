/* evtx — a decoder for Windows XML Event Log (EVTX) files.
 *
 * Layout: a 4096-byte file header ("ElfFile\0"), then 64 KiB chunks
 * ("ElfChnk\0"), each with a 512-byte header (CRC32s, string and template
 * offset tables) followed by records (magic 2a 2a 00 00, size, id, written
 * time, Binary XML, size copy).  Every offset inside a chunk is relative to
 * the chunk start, so a chunk decodes on its own (chunks are independent).
 *
 * The decoder never allocates per record: a decoder object (evtx_dec) owns
 * fixed scratch (name cache, text buffer, substitution stack) reused for
 * every chunk and record.  Binary XML is delivered as SAX-style callbacks
 * (evtx_sink) whose string arguments are borrowed for the duration of the
 * callback; names stay valid until the next evtx_chunk_begin().
 *
 * No globals; every offset is bounds-checked; recursion (templates and
 * nested Binary XML) is bounded by EVTX_MAX_NEST and element depth by
 * EVTX_MAX_DEPTH; work per record is bounded by EVTX_MAX_TOKENS. */
#ifndef SPOOR_EVTX_H
#define SPOOR_EVTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "base/codepage.h"

#define EVTX_FILE_HEADER_SIZE	4096u
#define EVTX_CHUNK_SIZE		65536u
#define EVTX_CHUNK_HEADER_SIZE	512u
#define EVTX_RECORD_HEADER_SIZE 24u
#define EVTX_MAX_DEPTH		64	    /* element nesting, across templates */
#define EVTX_MAX_NEST		8	    /* templates / nested Binary XML within one record */
#define EVTX_MAX_TOKENS		500000	    /* tokens visited per record */
#define EVTX_MAX_SUBS		65535u	    /* substitution values per template instance (u16 ids) */
#define EVTX_MAX_RENDER		(16u << 20) /* value bytes rendered per record */

/* File header flags. */
enum {
	EVTX_FILE_DIRTY = 1 << 0,
	EVTX_FILE_FULL = 1 << 1,
};

typedef struct evtx_file_header {
	uint64_t first_chunk, last_chunk, next_record_id;
	uint32_t header_size;
	uint16_t minor, major, block_size, nchunks;
	uint32_t flags;
	bool crc_ok;
} evtx_file_header;

/* CRC-32 as zlib's crc32(crc, p, n), faster on x86-64 (evtx-crc.c). */
uint32_t evtx_crc32(uint32_t crc, const uint8_t *p, size_t n);

/* Parse the file header from at least 128 bytes.  0, or SPOOR_EPARSE
 * (bad magic / too short).  A bad CRC or dirty flag is reported, not fatal. */
int evtx_file_header_parse(const uint8_t *p, size_t n, evtx_file_header *out);

enum evtx_chunk_state {
	EVTX_CHUNK_OK = 0,
	EVTX_CHUNK_ZERO,      /* all zero bytes (never written / wiped) */
	EVTX_CHUNK_BAD_MAGIC, /* not a chunk */
};

typedef struct evtx_chunk_info {
	int state;
	uint64_t first_rec_num, last_rec_num, first_rec_id, last_rec_id;
	uint32_t last_rec_off, free_off, data_crc, header_crc;
	bool header_crc_ok, data_crc_ok;
	uint32_t end; /* where record scanning stops (free_off if sane, else len) */
} evtx_chunk_info;

/* Inspect a chunk of len bytes (len <= EVTX_CHUNK_SIZE; a truncated last
 * chunk is allowed).  Never fails: the state says what was found. */
void evtx_chunk_inspect(const uint8_t *c, size_t len, evtx_chunk_info *out);

typedef struct evtx_record {
	uint32_t off;  /* offset in the chunk */
	uint32_t size; /* whole record, header and trailer included */
	uint64_t id;
	uint64_t written; /* FILETIME */
	bool torn;	  /* trailing size copy missing: the size may be wrong */
} evtx_record;

enum evtx_rec_result {
	EVTX_REC_END = 0, /* no more records in the chunk */
	EVTX_REC_OK = 1,  /* *rec is a structurally valid record */
	EVTX_REC_BAD = 2, /* garbage at *pos (rec->off, rec->size = span skipped) */
};

/* Next record at or after *pos (start at EVTX_CHUNK_HEADER_SIZE).  On
 * garbage, resynchronises on the next 8-aligned valid record header and
 * reports the skipped span once as EVTX_REC_BAD.  Advances *pos. */
int evtx_chunk_next_record(const uint8_t *c, const evtx_chunk_info *ci, uint32_t *pos, evtx_record *rec);
/* The next 8-aligned offset after from holding a fully valid record header
 * (magic, size, trailing copy), or ci->end. */
uint32_t evtx_chunk_resync(const uint8_t *c, const evtx_chunk_info *ci, uint32_t from);
/* Carving (slack space past the used area): the first 8-aligned offset at
 * or after from, below clen, holding a fully valid record header (magic,
 * size >= 28 within clen, matching trailing size copy); *size set.  clen if
 * none. */
uint32_t evtx_chunk_carve(const uint8_t *c, uint32_t clen, uint32_t from, uint32_t *size);

/* Value kinds handed to the sink. */
enum evtx_vkind {
	EVTX_V_NONE = 0, /* no value at all (empty element / attribute) */
	EVTX_V_STR,	 /* text */
	EVTX_V_NUM,	 /* one integer or float value */
	EVTX_V_BOOL,	 /* "true" / "false" */
};

/* SAX callbacks.  Return 0 to continue, < 0 to abort the record. */
typedef struct evtx_sink {
	int (*elem_start)(void *u, spoor_sv name);
	/* An attribute of the element just started. */
	int (*attr)(void *u, spoor_sv name, spoor_sv val, int kind);
	/* The element's end, with its text content (children excluded). */
	int (*elem_end)(void *u, spoor_sv text, int kind);
	/* Optional: further top-level fragments of a record.  EVTX_FRAG_BEGIN
	 * before each fragment after the first (the sink keeps a checkpoint),
	 * EVTX_FRAG_ABORT when that fragment does not decode (the sink drops
	 * what it got since the checkpoint; the record stays good).  When
	 * NULL, only the first fragment is read. */
	int (*frag)(void *u, int what);
	void *u;
} evtx_sink;

enum { EVTX_FRAG_BEGIN = 1, EVTX_FRAG_ABORT = 2 };

typedef struct evtx_name_slot {
	uint32_t gen;
	uint32_t off;	  /* chunk offset of the name structure */
	uint32_t str_off; /* UTF-8 text in names */
	uint32_t len;
} evtx_name_slot;

typedef struct evtx_sub {
	uint32_t off; /* chunk offset of the value */
	uint16_t size;
	uint8_t type;
} evtx_sub;

typedef struct evtx_frame {
	spoor_sv name;
	uint32_t mark; /* text buffer offset where this element's content starts */
	uint32_t pieces;
	uint8_t kind;
} evtx_frame;

/* Decoder scratch, one per file (or per worker). */
typedef struct evtx_dec {
	const uint8_t *c; /* current chunk */
	uint32_t clen;
	uint32_t gen;
	evtx_name_slot *slots; /* EVTX_NAME_SLOTS */
	char *names;	       /* EVTX_NAMES_CAP bytes */
	uint32_t names_len;
	uint32_t names_used;
	char *txt; /* growable text buffer */
	size_t txt_len, txt_cap;
	evtx_sub *subs; /* substitution stack */
	size_t subs_len, subs_cap;
	evtx_frame frames[EVTX_MAX_DEPTH];
	int depth;
	long tokens;
	size_t rendered;
	const evtx_sink *sink;
	const char *err; /* why the last record failed */
	uint32_t err_off;
	const codepage_def *cp; /* ANSI strings (default windows-1252) */
	bool no_carve;		/* evtx_tape_chunk: no slack carving */
} evtx_dec;

int evtx_dec_init(evtx_dec *d);
void evtx_dec_done(evtx_dec *d);
/* Start decoding records of chunk c (borrowed for as long as records of it
 * are decoded; may be re-pointed with evtx_chunk_rebase if it moves). */
void evtx_chunk_begin(evtx_dec *d, const uint8_t *c, uint32_t len);
static inline void evtx_chunk_rebase(evtx_dec *d, const uint8_t *c)
{
	d->c = c;
}
/* Decode one record's Binary XML into sink calls.  0 or SPOOR_EPARSE
 * (d->err says why; the sink may have seen part of the record),
 * SPOOR_ENOMEM, or the sink's own negative code. */
int evtx_record_decode(evtx_dec *d, const evtx_record *rec, const evtx_sink *sink);

/* ---- whole chunks into an intermediate form (evtx-tape.c) ----
 *
 * For parallel decoding: a worker decodes a whole chunk into a tape (the
 * sink calls of every record, names and values as bytes), with no access
 * to anything shared; the caller replays the tapes in chunk order into its
 * sink.  The chain of records is decided by the decoder alone: records in
 * sequence, garbage spans (resynchronised), torn records that do not decode
 * (resynchronised from their start), then records carved from the slack
 * space past the used area.  Every value here is deterministic. */

#define EVTX_MAX_TAPE (64u << 20) /* tape bytes per chunk; past it records are bad */

enum evtx_item_kind {
	EVTX_ITEM_RECORD = 0, /* a record (decoded or not: see rc) */
	EVTX_ITEM_GARBAGE,    /* bytes that hold no record */
};

enum evtx_recovery {
	EVTX_RECOV_NONE = 0,
	EVTX_RECOV_RESYNC,  /* found by resynchronising after damage in the chunk */
	EVTX_RECOV_UNINDEXED, /* after the chunk header's last record (header not updated) */
	EVTX_RECOV_SLACK,   /* carved from past the chunk's free-space offset */
};

typedef struct evtx_item {
	uint32_t off, size; /* span in the chunk this item accounts for */
	uint64_t id, written;
	uint8_t kind;	   /* evtx_item_kind */
	uint8_t recovered; /* evtx_recovery */
	int rc;		   /* record: 0, or the decoder's failure */
	const char *err;   /* static text, when the decoder failed */
	uint32_t err_off;
	size_t ops, ops_end; /* the record's sink calls in the tape */
} evtx_item;

typedef struct evtx_tape {
	evtx_chunk_info ci;
	uint32_t clen;
	evtx_item *items;
	size_t nitems, items_cap;
	uint8_t *ops;
	size_t ops_len, ops_cap;
	size_t frag_mark;
	char *names; /* the decoder's name text for this chunk */
	uint32_t names_len;
} evtx_tape;

void evtx_tape_init(evtx_tape *t);
void evtx_tape_done(evtx_tape *t);
/* Decode chunk c (clen bytes) into t.  0, or SPOOR_ENOMEM. */
int evtx_tape_chunk(evtx_dec *d, const uint8_t *c, uint32_t clen, evtx_tape *t);
/* Replay one record item into sink (frag is not called).  Returns the
 * sink's first negative code, else the item's decode result. */
int evtx_tape_replay(const evtx_tape *t, const evtx_item *it, const evtx_sink *sink);

/* Formatting helpers (exposed for tests).  Return bytes written. */
size_t evtx_fmt_filetime(uint64_t ft, char *out);  /* >= 32 bytes */
size_t evtx_fmt_guid(const uint8_t *g, char *out); /* >= 37 bytes */
size_t evtx_fmt_sid(const uint8_t *p, size_t n, char *out, size_t cap);

#endif
