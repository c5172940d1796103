/* evidence — the library side of the evidence store (spoor/evidence.h).
 *
 *   merkle.c      RFC 6962 / RFC 9162 hashing, proofs and their verification
 *   note.c        C2SP signed-note: Ed25519 keys (OpenSSL 3 EVP), sign, open
 *   checkpoint.c  C2SP tlog-checkpoint text, tlog-proof container
 *   tiles.c       C2SP tlog-tiles paths, hash tiles, entry bundles, leaf entries
 *   store.c       the append side: bundles, tiles, checkpoints, crash recovery
 *   verify.c      recompute and check a whole store; inclusion proofs
 *   witness.c     C2SP tlog-cosignature/v1 and the tlog-witness checks
 *
 * Everything here is bounded: a note is at most NOTE_MAX bytes with at most
 * NOTE_MAX_SIGS signature lines, a proof at most TLOG_MAX_PROOF hashes. */
#ifndef SPOOR_EVIDENCE_INT_H
#define SPOOR_EVIDENCE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "base/buf.h"
#include "spoor/evidence.h"

#define TLOG_HASH_LEN  32
#define TLOG_MAX_PROOF 64 /* hashes in an inclusion or consistency proof (64-bit sizes) */

/* ---- merkle.c ---- */

void tlog_leaf_hash(const void *p, size_t n, uint8_t out[32]);
void tlog_node_hash(const uint8_t l[32], const uint8_t r[32], uint8_t out[32]);
void tlog_empty_root(uint8_t out[32]);

/* The right edge of a tree (a "compact range" [0, size)): one perfect
 * subtree hash per set bit of size, largest first.  Enough to append and
 * to compute the root. */
typedef struct tlog_frontier {
	uint64_t size;
	unsigned n;
	uint8_t h[64][32];
} tlog_frontier;

void tlog_frontier_init(tlog_frontier *f);
void tlog_frontier_append(tlog_frontier *f, const uint8_t leaf[32]);
void tlog_frontier_root(const tlog_frontier *f, uint8_t out[32]);

/* Source of stored hashes for building proofs: the hash of the perfect
 * subtree of height `height` (2^height leaves) with index `index` at that
 * height.  Returns 0 or SPOOR_E*. */
typedef int (*tlog_hash_fn)(void *u, unsigned height, uint64_t index, uint8_t out[32]);

/* MTH(D[lo:hi]) through fn.  0 or SPOOR_E*. */
int tlog_subtree_hash(tlog_hash_fn fn, void *u, uint64_t lo, uint64_t hi, uint8_t out[32]);
/* RFC 6962 PATH(index, D[size]) into proof (TLOG_MAX_PROOF entries); *n set. */
int tlog_prove_inclusion(tlog_hash_fn fn, void *u, uint64_t index, uint64_t size, uint8_t proof[][32], size_t *n);
/* RFC 6962 PROOF(m, D[n]) for 0 < m <= n (empty when m == n). */
int tlog_prove_consistency(tlog_hash_fn fn, void *u, uint64_t m, uint64_t size, uint8_t proof[][32], size_t *n);

/* RFC 9162 §2.1.3.2.  true when leaf (a leaf hash) is at index in the
 * tree of size with root. */
bool tlog_verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf[32], const uint8_t (*proof)[32], size_t n,
			   const uint8_t root[32]);
/* RFC 9162 §2.1.4.2, with these edge cases (as transparency-dev/merkle):
 * m == n: proof empty and roots equal; m == 0: rejected (a consistency
 * proof from the empty tree means nothing; callers that accept any tree
 * after an empty one check that themselves); m > n: rejected. */
bool tlog_verify_consistency(uint64_t m, uint64_t size, const uint8_t root1[32], const uint8_t root2[32],
			     const uint8_t (*proof)[32], size_t n);

/* ---- sha2x.c ---- */

/* true when the CPU has the x86 SHA extensions (ask once, keep the answer) */
bool sha2x_available(void);
/* SHA-256 of two messages at once (ni: use the SHA extensions, interleaved);
 * the same bytes as SHA256() whatever ni is. */
void sha2x_pair(bool ni, const void *m0, size_t n0, const void *m1, size_t n1, uint8_t o0[32], uint8_t o1[32]);
void sha2x_one(bool ni, const void *m, size_t n, uint8_t out[32]);
/* sha2x_pair for messages each followed by at least 15 readable bytes
 * (whatever they hold): the padded last blocks are built in registers. */
void sha2x_pair_over(bool ni, const void *m0, size_t n0, const void *m1, size_t n1, uint8_t o0[32], uint8_t o1[32]);
/* Two RFC 6962 node hashes SHA-256(0x01 || lr): lr = left || right, 64
 * bytes each (two adjacent hashes of a tile).  The outputs may overlap the
 * inputs (all input is read first). */
void sha2x_node_pair(bool ni, const uint8_t lr0[64], const uint8_t lr1[64], uint8_t o0[32], uint8_t o1[32]);

/* ---- note.c ---- */

#define NOTE_MAX	 (64u << 10) /* bytes in one note */
#define NOTE_MAX_SIGS	 64	     /* signature lines kept (the spec asks verifiers for >= 16) */
#define NOTE_MAX_NAME	 256	     /* bytes in a key name */
#define NOTE_SIG_ED25519 0x01
#define NOTE_SIG_COSIG	 0x04

typedef struct note_key {
	char name[NOTE_MAX_NAME + 1];
	uint32_t id;
	uint8_t type; /* NOTE_SIG_ED25519 or NOTE_SIG_COSIG */
	uint8_t pub[32];
	bool has_priv;
	uint8_t seed[32];
} note_key;

/* key ID = SHA-256(name || "\n" || type || pub)[:4], big-endian */
uint32_t note_key_id(const char *name, uint8_t type, const uint8_t pub[32]);
/* vkey "name+hex8+base64(type||pub)"; skey "PRIVATE+KEY+name+hex8+base64(type||seed)" */
int note_key_parse_vkey(note_key *k, const char *s, size_t n, spoor_diag *diag);
int note_key_parse_skey(note_key *k, const char *s, size_t n, spoor_diag *diag);
int note_key_generate(note_key *k, const char *name, uint8_t type, spoor_diag *diag);
int note_key_format_vkey(const note_key *k, buf *out);
int note_key_format_skey(const note_key *k, buf *out);
bool note_name_valid(const char *p, size_t n);

/* Ed25519 over msg with k's seed; sig gets 64 bytes. */
int note_ed25519_sign(const note_key *k, const void *msg, size_t n, uint8_t sig[64]);
bool note_ed25519_verify(const uint8_t pub[32], const void *msg, size_t n, const uint8_t sig[64]);

typedef struct note_sig {
	spoor_sv name;
	uint32_t id;
	const uint8_t *sig; /* the bytes after the key ID, into note_parsed.raw */
	size_t siglen;
	spoor_sv line; /* the whole line with its "\n" */
} note_sig;

/* A note split into text and signature lines (views into the input). */
typedef struct note_parsed {
	spoor_sv text; /* through the final "\n" of the text */
	size_t nsig;
	note_sig sig[NOTE_MAX_SIGS];
	uint8_t raw[NOTE_MAX_SIGS][128]; /* decoded signature payloads */
} note_parsed;

/* Split and check the grammar (UTF-8, no control characters but "\n",
 * "— name base64\n" lines).  0 or SPOOR_EPARSE with a message. */
int note_parse(note_parsed *np, const char *p, size_t n, spoor_diag *diag);
/* Sign text (must end in "\n") with an Ed25519 key: appends
 * "\n— name base64\n" to out after the text. */
int note_sign(buf *out, const char *text, size_t n, const note_key *k, spoor_diag *diag);
/* The signature line of k over text (no text). */
int note_sig_line(buf *out, const char *text, size_t n, const note_key *k, spoor_diag *diag);

/* Verify: for each key in keys, a matching (name, id) line must verify;
 * a matching line that fails is an error (SPOOR_ECORRUPT "bad signature
 * by ..."); lines of unknown keys are ignored.  *verified[i] tells which
 * keys verified (may be NULL).  Returns the number of keys that verified,
 * or SPOOR_E*.  Cosignature keys verify with the cosignature/v1 message;
 * their timestamps go to ts[i] (may be NULL). */
int note_verify(const note_parsed *np, const note_key *keys, size_t nkeys, bool *verified, uint64_t *ts,
		spoor_diag *diag);

/* base64 (standard, padded).  Decode returns length or -1 (non-canonical
 * input is rejected). */
size_t b64_encode(const uint8_t *p, size_t n, char *out);
long b64_decode(const char *p, size_t n, uint8_t *out, size_t cap);

/* ---- checkpoint.c ---- */

#define CKPT_MAX_EXT 16 /* extension lines kept */

typedef struct checkpoint {
	spoor_sv origin;
	uint64_t size;
	uint8_t root[32];
	size_t next;
	spoor_sv ext[CKPT_MAX_EXT];
} checkpoint;

/* Parse checkpoint note text (np->text).  0 or SPOOR_EPARSE. */
int checkpoint_parse(checkpoint *c, const char *text, size_t n, spoor_diag *diag);
/* "origin\nsize\nbase64(root)\n" */
int checkpoint_text(buf *out, const char *origin, uint64_t size, const uint8_t root[32]);

/* A parsed C2SP tlog-proof: index, inclusion path and the checkpoint note. */
typedef struct tlog_proof {
	uint64_t index;
	size_t n;
	uint8_t path[TLOG_MAX_PROOF][32];
	spoor_sv extra; /* base64 text of the extra line, or empty */
	spoor_sv note;	/* the checkpoint note (into the input) */
} tlog_proof;
int tlog_proof_parse(tlog_proof *tp, const char *p, size_t n, spoor_diag *diag);
int tlog_proof_format(buf *out, const char *extra, uint64_t index, const uint8_t (*path)[32], size_t n,
		      const char *note, size_t notelen);

/* ---- tiles.c ---- */

#define TILE_WIDTH   256
#define TILE_HEIGHT  8
#define ENTRY_MAX    65535u /* tlog-tiles entries have a uint16 length */
#define ENTRY_HEADER 40	    /* fixed part of a spoor leaf entry, see docs/evidence.md */

/* "tile/<L>/<N>[.p/<W>]" (w 0 = full), "tile/entries/<N>[.p/<W>]" (level -1). */
int tile_path(char *out, size_t cap, int level, uint64_t n, unsigned w);

/* One spoor leaf entry (docs/evidence.md §Leaf). */
typedef struct leaf_entry {
	uint8_t kind; /* LEAF_INLINE or LEAF_BLOB */
	int64_t ingest_ns;
	uint64_t offset, line, record_id;
	spoor_sv format, path, record; /* LEAF_BLOB: record = 32-byte SHA-256 + u64 length */
	uint64_t blob_len;
	uint16_t flags; /* LEAF_F_* */
} leaf_entry;
#define LEAF_F_REJECTED 0x0001u /* the scanner rejected the record (malformed, over a limit) */
#define LEAF_F_KNOWN	LEAF_F_REJECTED
enum { LEAF_INLINE = 0, LEAF_BLOB = 1 };
#define LEAF_VERSION 1

/* Encode into out (appends); 0 or SPOOR_ELIMIT when it does not fit
 * ENTRY_MAX (the caller stores the record as a blob then). */
int leaf_encode(buf *out, const leaf_entry *e);
int leaf_decode(leaf_entry *e, const uint8_t *p, size_t n);
/* LEAF_INLINE or LEAF_BLOB when p is a well-formed entry header (what
 * leaf_decode checks before the blob part), else SPOOR_EPARSE; no copy. */
int leaf_kind(const uint8_t *p, size_t n);

/* Hashes per level while building (appender) or recomputing (verifier):
 * the partial tile of every level (enough for the root), and a
 * callback for each tile that becomes full. */
#define TILE_LEVELS 8 /* 256^8 = 2^64 leaves */
typedef struct tile_stack {
	uint64_t size;
	uint64_t cnt[TILE_LEVELS]; /* hashes at each level */
	uint8_t h[TILE_LEVELS][TILE_WIDTH][32];
	int (*on_full)(void *u, int level, uint64_t index, const uint8_t (*h)[32]);
	void *u;
	bool ni; /* sha2x: the CPU's SHA extensions */
} tile_stack;
void tile_stack_init(tile_stack *t);
int tile_stack_add(tile_stack *t, const uint8_t leaf[32]);
/* RFC 6962 root of the t->size leaves added so far (from the partial tiles) */
void tile_stack_root(const tile_stack *t, uint8_t out[32]);
/* hash of 2^k consecutive hashes as a perfect tree */
void tile_perfect_root(const uint8_t (*h)[32], size_t n, uint8_t out[32]);
/* the same, node hashes two at a time (sha2x_pair; ni as there) */
void tile_perfect_root_x(bool ni, const uint8_t (*h)[32], size_t n, uint8_t out[32]);

/* Reads stored hashes from a store's tiles for a tree of `size` leaves
 * (a tlog_hash_fn); one cached tile per level. */
typedef struct tile_reader {
	const char *dir;
	uint64_t size;
	uint64_t cached[TILE_LEVELS]; /* tile index + 1, 0 = none */
	unsigned w[TILE_LEVELS];
	uint8_t h[TILE_LEVELS][TILE_WIDTH][32];
	spoor_diag *diag;
	bool ni;
} tile_reader;
void tile_reader_init(tile_reader *r, const char *dir, uint64_t size, spoor_diag *diag);
int tile_reader_hash(void *u, unsigned height, uint64_t index, uint8_t out[32]);
/* Root of a tree of r->size leaves from the tiles. */
int tile_reader_root(tile_reader *r, uint8_t out[32]);
/* Width of tile (level, n) for a tree of size leaves (256 = full, 0 = none). */
unsigned tile_width(int level, uint64_t n, uint64_t size);

/* ---- store internals shared by store.c and verify.c ---- */

#define EVIDENCE_FORMAT "spoor-evidence/v1"

int ev_read_file(const char *dir, const char *rel, buf *out, size_t max, spoor_diag *diag);
/* Many reads under one store (verify: two files per 256 leaves): openat()
 * relative to kept descriptors of the store and of the last few
 * directories, so that the kernel walks one path component per file, not
 * the whole path.  Same results and messages as ev_read_file. */
#define EV_DIRS 4
typedef struct ev_reader {
	const char *dir;
	int root; /* -1: not open (then reads fall back to ev_read_file) */
	int fd[EV_DIRS];
	char rel[EV_DIRS][128];
	unsigned next;
} ev_reader;
void ev_reader_open(ev_reader *r, const char *dir);
void ev_reader_close(ev_reader *r);
int ev_reader_read(ev_reader *r, const char *rel, buf *out, size_t max, spoor_diag *diag);
int ev_write_file(const char *dir, const char *rel, const void *p, size_t n, bool durable, spoor_diag *diag);
int ev_fsync_dir(const char *dir, const char *rel);
/* Decompress a stored bundle (zstd frame) into out. */
int ev_bundle_decode(const void *p, size_t n, buf *out, spoor_diag *diag);
/* The same with a reused decompression context (ZSTD_DCtx; NULL = one-shot):
 * ZSTD_decompress allocates and sets up a context of ~100 KiB per call. */
struct ZSTD_DCtx_s;
int ev_bundle_decode_ctx(struct ZSTD_DCtx_s *dc, const void *p, size_t n, buf *out, spoor_diag *diag);
/* Read the store's config (origin, key name), the vkey. */
typedef struct ev_config {
	char origin[NOTE_MAX_NAME + 1];
	note_key vkey;
} ev_config;
int ev_config_load(const char *dir, ev_config *c, spoor_diag *diag);

#endif
