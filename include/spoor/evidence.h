/* spoor — the evidence store: an append-only Merkle log of raw records.
 *
 * Every raw record spoor reads (its exact bytes, source path, offset,
 * line / record id, format and ingest time) becomes one leaf of an
 * RFC 6962 tree.  The store is a directory in C2SP tlog-tiles layout with
 * signed C2SP checkpoints (Ed25519, signed-note key format) kept as a
 * history, so that anyone can verify it with standard tools.  The byte
 * format is in docs/evidence.md.
 *
 * A spoor_evidence handle appends; one writer at a time (a lock file).
 * Appends become durable at checkpoints: after a crash the store reopens
 * at its last checkpoint with everything that checkpoint covers. */
#ifndef SPOOR_EVIDENCE_H
#define SPOOR_EVIDENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "spoor/common.h"
#include "spoor/error.h"
#include "spoor/scan.h"
#include "spoor/event.h"
#include "spoor/hunt.h"

typedef struct spoor_evidence spoor_evidence;

#define SPOOR_EVIDENCE_OPTIONS_VERSION 1
typedef struct spoor_evidence_options {
	unsigned version;
	/* sign a checkpoint after this many new records (0 = never by count) */
	uint64_t checkpoint_records;
	/* ... or when this many seconds passed since the last one (0 = never) */
	double checkpoint_seconds;
	/* bundle compression: 0 (default) = zstd level 1 with literals left
	 * uncompressed (ZSTD_c_targetLength 1 of the fast strategy): ~25% larger
	 * bundles than plain level 1, ~30% faster to decompress, so verify is
	 * not bound by zstd; 1..19 and -7..-1 = that zstd level as is */
	int zstd_level;
	/* ingest time to record (UTC ns); 0 = the clock at each append */
	int64_t ingest_ns;
} spoor_evidence_options;

#define SPOOR_EVIDENCE_OPTIONS_INIT                                                                                    \
	{                                                                                                              \
		SPOOR_EVIDENCE_OPTIONS_VERSION, 100000, 10.0, 0, 0                                                     \
	}

/* Create a store in dir (created if missing, must be empty): a new Ed25519
 * key named key_name (NULL: "spoor/<hostname>"), the origin line equal to
 * the key name, and a signed checkpoint of the empty tree. */
SPOOR_API int spoor_evidence_init(const char *dir, const char *key_name, spoor_diag *diag);

/* Open for appending (takes the store's lock, recovers after a crash). */
SPOOR_API int spoor_evidence_open(spoor_evidence **out, const char *dir, const spoor_evidence_options *opts,
				  spoor_diag *diag);

/* One record to append. */
typedef struct spoor_evidence_record {
	spoor_sv raw;	    /* the exact bytes */
	const char *path;   /* source path */
	const char *format; /* "evtx", "json", ... (may be NULL) */
	uint64_t offset, line, record_id;
	bool rejected; /* the scanner could not parse it (or it was over a limit): kept all the same */
} spoor_evidence_record;

/* Append; *leaf gets the leaf index.  May sign a checkpoint (intervals). */
SPOOR_API int spoor_evidence_append(spoor_evidence *e, const spoor_evidence_record *r, uint64_t *leaf,
				    spoor_diag *diag);
/* The raw record and origin of an event. */
SPOOR_API int spoor_evidence_append_event(spoor_evidence *e, const spoor_event *ev, uint64_t *leaf, spoor_diag *diag);
/* Make everything appended so far durable and sign a checkpoint for it. */
SPOOR_API int spoor_evidence_checkpoint(spoor_evidence *e, spoor_diag *diag);
SPOOR_API uint64_t spoor_evidence_size(const spoor_evidence *e);
/* Records covered by the last signed checkpoint. */
SPOOR_API uint64_t spoor_evidence_checkpointed(const spoor_evidence *e);
/* Checkpoint (if anything is new), release the lock, free. */
SPOOR_API int spoor_evidence_close(spoor_evidence *e, spoor_diag *diag);

/* Verification of a whole store. */
typedef enum spoor_evidence_problem {
	SPOOR_EVP_NOTE = 0,	/* informational (not a failure) */
	SPOOR_EVP_SIGNATURE,	/* a checkpoint or cosignature does not verify */
	SPOOR_EVP_CHANGED,	/* a leaf's bytes changed */
	SPOOR_EVP_MISSING,	/* a leaf deleted from a bundle */
	SPOOR_EVP_REORDERED,	/* leaves swapped or moved */
	SPOOR_EVP_TRUNCATED,	/* bundles or tiles missing at the end */
	SPOOR_EVP_INCONSISTENT, /* checkpoints that no single history explains */
	SPOOR_EVP_ROLLBACK,	/* the latest checkpoint is older than one seen before */
	SPOOR_EVP_QUORUM,	/* witness quorum not met */
	SPOOR_EVP_TILE,		/* a hash tile differs from the leaves */
	SPOOR_EVP_FORMAT,	/* unreadable files */
	_SPOOR_EVP_MAX
} spoor_evidence_problem;

SPOOR_API const char *spoor_evidence_problem_name(spoor_evidence_problem p);

#define SPOOR_EVIDENCE_VERIFY_VERSION 1
typedef struct spoor_evidence_verify_options {
	unsigned version;
	const char *vkey;	    /* the log's key; NULL = the store's own vkey file */
	const char *const *witness; /* witness vkeys (cosignature/v1) */
	size_t nwitness;
	size_t quorum;		    /* cosignatures needed on some checkpoint */
	const char *const *trusted; /* checkpoint files saved earlier (must be consistent) */
	size_t ntrusted;
	void (*on_problem)(spoor_evidence_problem p, const char *msg, void *payload);
	void *payload;
} spoor_evidence_verify_options;

#define SPOOR_EVIDENCE_VERIFY_INIT                                                                                     \
	{                                                                                                              \
		SPOOR_EVIDENCE_VERIFY_VERSION, NULL, NULL, 0, 0, NULL, 0, NULL, NULL                                   \
	}

typedef struct spoor_evidence_report {
	uint64_t size;	      /* leaves in the latest checkpoint */
	uint64_t leaves_read; /* leaves recomputed */
	uint64_t bytes;	      /* bytes of leaf entries hashed */
	uint64_t checkpoints; /* checkpoints checked */
	uint64_t witnessed;   /* size of the largest checkpoint with a witness quorum */
	uint64_t problems[_SPOOR_EVP_MAX];
} spoor_evidence_report;

/* Returns the number of failures found (0 = the store verifies), or < 0
 * when the store cannot be read at all. */
SPOOR_API int spoor_evidence_verify(const char *dir, const spoor_evidence_verify_options *o, spoor_evidence_report *rep,
				    spoor_diag *diag);

/* A C2SP tlog-proof of leaf `index` against the latest checkpoint, with the
 * leaf entry in its "extra" line; *out is malloc'ed text. */
SPOOR_API int spoor_evidence_prove(const char *dir, uint64_t index, char **out, size_t *outlen, spoor_diag *diag);
/* Check a tlog-proof offline: log key, optional witnesses and quorum.  The
 * leaf is the proof's extra line (or entry/entrylen when given).  0 when it
 * verifies, else SPOOR_ECORRUPT/EPARSE with the reason in diag. */
SPOOR_API int spoor_evidence_check_proof(const char *proof, size_t n, const char *vkey, const char *const *witness,
					 size_t nwitness, size_t quorum, const void *entry, size_t entrylen,
					 uint64_t *index, spoor_diag *diag);

/* The leaf entry carried by a tlog-proof (its extra line), decoded. */
typedef struct spoor_evidence_leaf {
	int64_t ingest_ns;
	spoor_sv format, path;
	spoor_sv record; /* the exact bytes; for a blob leaf its SHA-256 */
	uint64_t offset, line, record_id;
	bool blob;
	uint64_t blob_len;
	void *mem; /* owned */
	bool rejected; /* a record the scanner rejected (leaf flag 0x0001) */
} spoor_evidence_leaf;
SPOOR_API int spoor_evidence_proof_leaf(const char *proof, size_t n, spoor_evidence_leaf *out);
SPOOR_API void spoor_evidence_leaf_done(spoor_evidence_leaf *l);

/* Witnessing (C2SP tlog-witness semantics, offline). */
/* The add-checkpoint request body for the store's latest checkpoint,
 * with a consistency proof from old_size. */
SPOOR_API int spoor_evidence_witness_request(const char *dir, uint64_t old_size, char **out, size_t *outlen,
					     spoor_diag *diag);
/* Act as a witness: check the request against the log's vkey and the
 * state file (the last checkpoint this witness cosigned for the origin),
 * cosign with the witness skey (cosignature/v1, time = now), update the
 * state durably, return the signature line in *out. */
SPOOR_API int spoor_evidence_witness(const char *request, size_t n, const char *log_vkey, const char *witness_skey,
				     const char *state_path, char **out, size_t *outlen, spoor_diag *diag);
/* Attach cosignature lines to the stored checkpoint of that size
 * (size UINT64_MAX = the latest). */
SPOOR_API int spoor_evidence_cosign(const char *dir, uint64_t size, const char *lines, size_t n, spoor_diag *diag);

/* The evidence stage for `spoor hunt`: appends every event's raw record and
 * sets spoor.evidence.leaf on it; signs checkpoints at the intervals of
 * opts and at the end of the run. */
SPOOR_API int spoor_evidence_stage_new(spoor_stage **out, const char *dir, const spoor_evidence_options *opts,
				       spoor_diag *diag);
/* A record the scanner rejected (spoor_scan_options.on_rejected): appended
 * as a leaf flagged rejected (docs/evidence.md), in input order, and
 * counted for DIR/sources like any record.  st is an evidence stage. */
SPOOR_API int spoor_evidence_stage_rejected(spoor_stage *st, const spoor_rejected *r, spoor_diag *diag);
/* The store an evidence stage appends to (size, checkpointed), or NULL
 * when st is not an evidence stage. */
SPOOR_API spoor_evidence *spoor_evidence_stage_store(spoor_stage *st);
/* Records rejected by the scanner appended by an evidence stage. */
SPOOR_API uint64_t spoor_evidence_stage_rejected_count(spoor_stage *st);

/* Covered-track detection for `spoor hunt` (ATT&CK T1070 / T1562): logs
 * cleared, audit policy changes, the event log or Sysmon stopped or
 * reconfigured, EventRecordID gaps in a live log, time going backwards. */
#define SPOOR_TRACKS_OPTIONS_VERSION 1
typedef struct spoor_tracks_options {
	unsigned version;
	/* a stream (file, host, channel) counts as a live log, where a gap in
	 * EventRecordID means deleted records, once it has this many
	 * transitions and this share of them are +1 steps */
	uint64_t gap_min_transitions;
	double gap_min_density;
	/* event time going back by more than this (seconds) while record ids
	 * go forward */
	double time_back_seconds;
	size_t max_streams; /* (file, host, channel) streams tracked; also hosts for silence */
	/* a host (or a source without host name) falling silent while others
	 * log on: silent for >= silent_min_seconds and >= silent_factor times
	 * its own longest gap (trailing silence) or second longest (a gap),
	 * judged once it has silent_min_events events over
	 * silent_baseline_seconds, with >= silent_min_others other streams
	 * logging through the silence.  silent_factor 0 = off. */
	double silent_factor;
	double silent_min_seconds;
	double silent_baseline_seconds;
	uint64_t silent_min_events;
	size_t silent_min_others;
} spoor_tracks_options;

#define SPOOR_TRACKS_OPTIONS_INIT                                                                                      \
	{                                                                                                              \
		SPOOR_TRACKS_OPTIONS_VERSION, 200, 0.99, 300.0, 100000, 5.0, 21600.0, 172800.0, 50, 1                \
	}

SPOOR_API int spoor_tracks_stage_new(spoor_stage **out, const spoor_tracks_options *opts, spoor_diag *diag);

#endif
