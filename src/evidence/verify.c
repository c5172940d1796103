/* verify — recompute a whole store from its leaves and check every
 * signature, tile and checkpoint; build and check inclusion proofs.
 *
 * Verification streams: bundle by bundle, each entry is hashed, compared
 * with the stored level-0 tile (which localises a change: a changed leaf,
 * a deleted one, two swapped), fed into a fresh tile stack whose full
 * tiles are compared with the stored upper tiles, and the root at every
 * checkpoint size (latest, history, trusted copies) is compared with the
 * signed one.  Memory stays O(tile) whatever the store size. */
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/sha.h>
#include <zstd.h>

#include "evidence/evidence.h"

/* ---- reading tiles ---- */

void tile_reader_init(tile_reader *r, const char *dir, uint64_t size, spoor_diag *diag)
{
	r->dir = dir;
	r->size = size;
	memset(r->cached, 0, sizeof(r->cached));
	r->diag = diag;
	r->ni = sha2x_available();
}

static int load_tile(tile_reader *r, int level, uint64_t n)
{
	if (r->cached[level] == n + 1)
		return 0;
	unsigned w = tile_width(level, n, r->size);
	if (!w)
		return diag_set(r->diag, SPOOR_EINVAL, "no tile %d/%" PRIu64 " in a tree of %" PRIu64, level, n,
				r->size);
	char rel[128];
	buf b;
	buf_init(&b, TILE_WIDTH * 32 + 1);
	tile_path(rel, sizeof(rel), level, n, w == TILE_WIDTH ? 0 : w);
	int rc = ev_read_file(r->dir, rel, &b, TILE_WIDTH * 32, r->diag);
	if (rc == SPOOR_ENOTFOUND && w != TILE_WIDTH) {
		/* a later full tile serves an earlier partial one */
		tile_path(rel, sizeof(rel), level, n, 0);
		rc = ev_read_file(r->dir, rel, &b, TILE_WIDTH * 32, r->diag);
		if (rc == 0 && b.len == TILE_WIDTH * 32)
			b.len = (size_t)w * 32;
	}
	if (rc == 0 && b.len != (size_t)w * 32)
		rc = diag_set(r->diag, SPOOR_ECORRUPT, "%s: %zu bytes, expected %u", rel, b.len, w * 32);
	if (rc == 0) {
		memcpy(r->h[level], b.p, b.len);
		r->w[level] = w;
		r->cached[level] = n + 1;
	}
	buf_done(&b);
	return rc;
}

int tile_reader_hash(void *u, unsigned height, uint64_t index, uint8_t out[32])
{
	tile_reader *r = u;
	int level = (int)(height / 8);
	unsigned sub = height % 8;
	if (level >= TILE_LEVELS)
		return SPOOR_EINVAL;
	uint64_t first = index << sub, n = 1ull << sub;
	uint64_t tile = first / TILE_WIDTH;
	int rc = load_tile(r, level, tile);
	if (rc < 0)
		return rc;
	unsigned at = (unsigned)(first % TILE_WIDTH);
	if (at + n > r->w[level])
		return diag_set(r->diag, SPOOR_EINVAL, "hash %u/%" PRIu64 " beyond the tree", height, index);
	tile_perfect_root_x(r->ni, (const uint8_t(*)[32])r->h[level] + at, (size_t)n, out);
	return 0;
}

int tile_reader_root(tile_reader *r, uint8_t out[32])
{
	if (r->size == 0) {
		tlog_empty_root(out);
		return 0;
	}
	return tlog_subtree_hash(tile_reader_hash, r, 0, r->size, out);
}

/* ---- verification ---- */

static const char *const problem_names[_SPOOR_EVP_MAX] = {
    "note",
    "bad-signature",
    "changed-leaf",
    "missing-leaf",
    "reordered-leaves",
    "truncated",
    "inconsistent-checkpoints",
    "rollback",
    "quorum",
    "tile",
    "format",
};

const char *spoor_evidence_problem_name(spoor_evidence_problem p)
{
	return p < _SPOOR_EVP_MAX ? problem_names[p] : "?";
}

#define MAX_CKPTS    (1u << 20) /* checkpoints in history/ */
#define MAX_MESSAGES 50		/* problems printed in full; the rest are counted */

typedef struct ckref {
	uint64_t size;
	uint8_t root[32];
	char label[96];
	size_t cosigs; /* verified witness cosignatures */
} ckref;

typedef struct vctx {
	const char *dir;
	const spoor_evidence_verify_options *o;
	spoor_evidence_report *rep;
	int failures;
	uint64_t messages;
	uint64_t leaf_problems; /* changed/missing/reordered so far */
	note_key logkey;
	const char *origin; /* the store's origin line */
	note_key *wit;
	size_t nwit;
	tile_stack *ts; /* recomputation */
	ev_reader rd;	/* bundles and tiles */
	ckref *ck;
	size_t nck, capck;
	bool root_mismatch; /* the leaves disagree with some signed root */
	/* same-count mismatches between a bundle and its level-0 tile: a
	 * changed leaf if the leaves disagree with the signed roots, else an
	 * altered tile; decided at the end */
	struct pending {
		spoor_evidence_problem p;
		uint64_t leaf;
		char msg[300];
	} pend[MAX_MESSAGES];
	size_t npend, npend_total;
} vctx;

static void problem(vctx *v, spoor_evidence_problem p, const char *fmt, ...) PRINTF(3, 4);
static void problem(vctx *v, spoor_evidence_problem p, const char *fmt, ...)
{
	v->rep->problems[p]++;
	if (p != SPOOR_EVP_NOTE)
		v->failures++;
	if (p == SPOOR_EVP_CHANGED || p == SPOOR_EVP_MISSING || p == SPOOR_EVP_REORDERED)
		v->leaf_problems++;
	if (!v->o->on_problem || v->messages++ >= MAX_MESSAGES)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v->o->on_problem(p, msg, v->o->payload);
}

static void pending(vctx *v, spoor_evidence_problem p, uint64_t leaf, const char *fmt, ...) PRINTF(4, 5);
static void pending(vctx *v, spoor_evidence_problem p, uint64_t leaf, const char *fmt, ...)
{
	v->leaf_problems++;
	v->npend_total++;
	if (v->npend == MAX_MESSAGES)
		return;
	struct pending *q = &v->pend[v->npend++];
	q->p = p;
	q->leaf = leaf;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(q->msg, sizeof(q->msg), fmt, ap);
	va_end(ap);
}

static void flush_pending(vctx *v)
{
	for (size_t i = 0; i < v->npend; i++) {
		struct pending *q = &v->pend[i];
		if (v->root_mismatch) {
			problem(v, q->p, "%s", q->msg);
		} else {
			char rel[128];
			tile_path(rel, sizeof(rel), 0, q->leaf / TILE_WIDTH, 0);
			problem(v, SPOOR_EVP_TILE,
				"%s (or its partial copy): the hash of leaf %" PRIu64
				" was altered; the leaves themselves match every signed root",
				rel, q->leaf);
		}
	}
	/* the ones over the message cap still count */
	for (size_t i = v->npend; i < v->npend_total; i++)
		v->rep->problems[v->root_mismatch ? SPOOR_EVP_CHANGED : SPOOR_EVP_TILE]++, v->failures++;
}

static int add_ck(vctx *v, uint64_t size, const uint8_t root[32], const char *label, size_t cosigs)
{
	if (v->nck == v->capck) {
		size_t nc = v->capck ? 2 * v->capck : 64;
		ckref *n = xreallocarray(v->ck, nc, sizeof(*n));
		if (!n)
			return SPOOR_ENOMEM;
		v->ck = n;
		v->capck = nc;
	}
	ckref *c = &v->ck[v->nck++];
	c->size = size;
	memcpy(c->root, root, 32);
	size_t ll = strlen(label); /* cut to fit (a history file name is at most ~300 bytes) */
	if (ll >= sizeof(c->label))
		ll = sizeof(c->label) - 1;
	memcpy(c->label, label, ll);
	c->label[ll] = 0;
	c->cosigs = cosigs;
	return 0;
}

static int cmp_ck(const void *a, const void *b)
{
	const ckref *x = a, *y = b;
	return x->size < y->size ? -1 : x->size > y->size;
}

/* Parse and check one checkpoint note; 1 = usable (size/root set), 0 = not. */
static int check_note(vctx *v, const char *label, const char *p, size_t n, checkpoint *c, size_t *cosigs)
{
	note_parsed *np = xmalloc(sizeof(*np));
	if (!np)
		return SPOOR_ENOMEM;
	spoor_diag d = SPOOR_DIAG_INIT;
	int ok = 0;
	*cosigs = 0;
	if (note_parse(np, p, n, &d) < 0) {
		problem(v, SPOOR_EVP_FORMAT, "%s: %s", label, d.msg);
		goto out;
	}
	int r = note_verify(np, &v->logkey, 1, NULL, NULL, &d);
	if (r < 0) {
		problem(v, SPOOR_EVP_SIGNATURE, "%s: %s: the checkpoint was altered or forged", label, d.msg);
		goto out;
	}
	if (r == 0) {
		problem(v, SPOOR_EVP_SIGNATURE, "%s: no signature by the log key %s+%08" PRIx32, label, v->logkey.name,
			v->logkey.id);
		goto out;
	}
	if (checkpoint_parse(c, np->text.p, np->text.n, &d) < 0) {
		problem(v, SPOOR_EVP_FORMAT, "%s: %s", label, d.msg);
		goto out;
	}
	if (v->origin && !sv_eq_cstr(c->origin, v->origin)) {
		problem(v, SPOOR_EVP_INCONSISTENT, "%s: checkpoint of another log (origin %.*s, the store is %s)",
			label, (int)MIN(c->origin.n, 200), c->origin.p, v->origin);
		goto out;
	}
	if (v->nwit) {
		bool *okw = xcalloc(v->nwit, sizeof(bool));
		if (!okw) {
			free(np);
			return SPOOR_ENOMEM;
		}
		d = (spoor_diag)SPOOR_DIAG_INIT;
		r = note_verify(np, v->wit, v->nwit, okw, NULL, &d);
		if (r < 0)
			problem(v, SPOOR_EVP_SIGNATURE, "%s: %s (a forged cosignature)", label, d.msg);
		else
			*cosigs = (size_t)r;
		free(okw);
	}
	ok = 1;
out:
	free(np);
	return ok;
}

static int load_checkpoints(vctx *v, checkpoint *latest, bool *have_latest)
{
	buf b;
	buf_init(&b, NOTE_MAX + 1);
	spoor_diag d = SPOOR_DIAG_INIT;
	checkpoint c;
	size_t cs;
	int rc = 0;
	*have_latest = false;
	if (ev_read_file(v->dir, "checkpoint", &b, NOTE_MAX, &d) < 0) {
		problem(v, SPOOR_EVP_TRUNCATED, "checkpoint: %s", d.msg);
	} else if ((rc = check_note(v, "checkpoint", b.p, b.len, &c, &cs)) == 1) {
		*latest = c;
		*have_latest = true;
		/* the views into b die with it: keep size and root only */
		latest->origin = SPOOR_SV_NULL;
		latest->next = 0;
		rc = add_ck(v, c.size, c.root, "checkpoint", cs);
	}
	char hd[4096];
	snprintf(hd, sizeof(hd), "%s/history", v->dir);
	DIR *dd = opendir(hd);
	if (!dd) {
		problem(v, SPOOR_EVP_TRUNCATED, "history/: missing");
		buf_done(&b);
		return rc < 0 ? rc : 0;
	}
	struct dirent *de;
	size_t count = 0;
	while (rc >= 0 && (de = readdir(dd))) {
		if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp"))
			continue;
		if (++count > MAX_CKPTS) {
			problem(v, SPOOR_EVP_FORMAT, "history/: more than %u checkpoints; the rest are not checked",
				MAX_CKPTS);
			break;
		}
		char rel[300], label[300];
		snprintf(rel, sizeof(rel), "history/%s", de->d_name);
		snprintf(label, sizeof(label), "history/%s", de->d_name);
		d = (spoor_diag)SPOOR_DIAG_INIT;
		if (ev_read_file(v->dir, rel, &b, NOTE_MAX, &d) < 0) {
			problem(v, SPOOR_EVP_FORMAT, "%s", d.msg);
			continue;
		}
		rc = check_note(v, label, b.p, b.len, &c, &cs);
		if (rc != 1)
			continue;
		uint64_t named = strtoull(de->d_name, NULL, 10);
		if (named != c.size)
			problem(v, SPOOR_EVP_INCONSISTENT,
				"%s: holds a checkpoint of size %" PRIu64 " (a checkpoint was replaced)", label,
				c.size);
		rc = add_ck(v, c.size, c.root, label, cs);
	}
	closedir(dd);
	buf_done(&b);
	return rc < 0 ? rc : 0;
}

static int load_trusted(vctx *v)
{
	buf b;
	buf_init(&b, NOTE_MAX + 1);
	int rc = 0;
	for (size_t i = 0; i < v->o->ntrusted && rc >= 0; i++) {
		spoor_diag d = SPOOR_DIAG_INIT;
		if (ev_read_file(NULL, v->o->trusted[i], &b, NOTE_MAX, &d) < 0) {
			problem(v, SPOOR_EVP_FORMAT, "%s", d.msg);
			continue;
		}
		char label[200];
		snprintf(label, sizeof(label), "trusted %s", v->o->trusted[i]);
		checkpoint c;
		size_t cs;
		rc = check_note(v, label, b.p, b.len, &c, &cs);
		if (rc == 1)
			rc = add_ck(v, c.size, c.root, label, cs);
	}
	buf_done(&b);
	return rc < 0 ? rc : 0;
}

typedef struct tilecheck {
	vctx *v;
} tilecheck;

static int on_full_check(void *u, int level, uint64_t index, const uint8_t (*h)[32])
{
	vctx *v = u;
	if (level == 0)
		return 0; /* level 0 is compared bundle by bundle */
	char rel[128];
	tile_path(rel, sizeof(rel), level, index, 0);
	buf b;
	buf_init(&b, TILE_WIDTH * 32 + 1);
	spoor_diag d = SPOOR_DIAG_INIT;
	int rc = ev_reader_read(&v->rd, rel, &b, TILE_WIDTH * 32, &d);
	if (v->leaf_problems == 0) {
		if (rc < 0)
			problem(v, SPOOR_EVP_TILE, "%s: missing (%s)", rel, d.msg);
		else if (b.len != TILE_WIDTH * 32 || memcmp(b.p, h, TILE_WIDTH * 32) != 0)
			problem(v, SPOOR_EVP_TILE, "%s: differs from the hashes of the leaves below it", rel);
	}
	buf_done(&b);
	return 0;
}

static void leaf_label(char *out, size_t cap, const uint8_t *entry, size_t n)
{
	leaf_entry le;
	if (leaf_decode(&le, entry, n) == 0) {
		char rid[40] = "";
		if (le.record_id)
			snprintf(rid, sizeof(rid), ", record id %" PRIu64, le.record_id);
		snprintf(out, cap, " (%.*s offset %" PRIu64 "%s)", (int)MIN(le.path.n, 200), le.path.p, le.offset, rid);
	} else
		snprintf(out, cap, " (undecodable entry)");
}

/* Compare a bundle's entry hashes E[0..c) with its stored tile T[0..w). */
static void diagnose(vctx *v, uint64_t base, const uint8_t (*E)[32], size_t c, const uint8_t (*T)[32], size_t w,
		     const uint8_t *const *ent, const size_t *entlen)
{
	size_t i = 0;
	while (i < c && i < w && memcmp(E[i], T[i], 32) == 0)
		i++;
	if (i == c && i == w)
		return;
	char lab[300];
	if (c < w) {
		size_t k = w - c;
		bool shifted = true;
		for (size_t j = i; j < c && shifted; j++)
			shifted = memcmp(E[j], T[j + k], 32) == 0;
		if (shifted) {
			problem(v, SPOOR_EVP_MISSING,
				"leaf %" PRIu64 "%s%" PRIu64 " missing: deleted from tile/entries bundle %" PRIu64
				" (%zu entries, the tile and checkpoint say %zu)",
				base + i, k > 1 ? "-" : "", k > 1 ? base + i + k - 1 : (uint64_t)0, base / TILE_WIDTH,
				c, w);
			return;
		}
		problem(v, SPOOR_EVP_MISSING,
			"bundle %" PRIu64
			" has %zu entries, the tile and checkpoint say %zu; first difference at leaf %" PRIu64,
			base / TILE_WIDTH, c, w, base + i);
		return;
	}
	if (c > w) {
		problem(v, SPOOR_EVP_CHANGED,
			"bundle %" PRIu64
			" has %zu entries, the tile and checkpoint say %zu: leaves inserted at leaf %" PRIu64,
			base / TILE_WIDTH, c, w, base + i);
		return;
	}
	/* same count: changed or moved leaves (or an altered tile: see pending) */
	for (; i < c; i++) {
		if (memcmp(E[i], T[i], 32) == 0)
			continue;
		size_t j;
		for (j = 0; j < w; j++)
			if (j != i && memcmp(E[i], T[j], 32) == 0)
				break;
		if (j < w) {
			if (j > i && memcmp(E[j], T[i], 32) == 0) {
				pending(v, SPOOR_EVP_REORDERED, base + i, "leaves %" PRIu64 " and %" PRIu64 " swapped",
					base + i, base + j);
				continue;
			}
			if (j < i && memcmp(E[j], T[i], 32) == 0)
				continue; /* the other half of a swap already reported */
			pending(v, SPOOR_EVP_REORDERED, base + i, "leaf %" PRIu64 " holds the record of leaf %" PRIu64,
				base + i, base + j);
			continue;
		}
		leaf_label(lab, sizeof(lab), ent[i], entlen[i]);
		pending(v, SPOOR_EVP_CHANGED, base + i,
			"leaf %" PRIu64 " changed%s: its bytes no longer hash to the signed tree", base + i, lab);
	}
}

static void check_roots(vctx *v, size_t *next)
{
	while (*next < v->nck && v->ck[*next].size == v->ts->size) {
		ckref *c = &v->ck[*next];
		uint8_t root[32];
		tile_stack_root(v->ts, root);
		if (memcmp(root, c->root, 32) != 0)
			v->root_mismatch = true;
		if (memcmp(root, c->root, 32) != 0 && v->leaf_problems == 0)
			problem(v, SPOOR_EVP_INCONSISTENT,
				"%s (size %" PRIu64 "): root does not match the stored leaves: this checkpoint and the "
				"store are not one history (split view or replaced data)",
				c->label, c->size);
		(*next)++;
	}
}

static bool blob_ok(const char *dir, const leaf_entry *le)
{
	char rel[80] = "blobs/";
	for (int i = 0; i < 32; i++)
		snprintf(rel + 6 + 2 * i, 3, "%02x", (uint8_t)le->record.p[i]);
	buf b;
	buf_init(&b, (size_t)MIN(le->blob_len, (uint64_t)1 << 32) + 1);
	spoor_diag d = SPOOR_DIAG_INIT;
	bool ok = ev_read_file(dir, rel, &b, b.max, &d) == 0 && b.len == le->blob_len;
	uint8_t h[32];
	if (ok) {
		SHA256((const unsigned char *)b.p, b.len, h);
		ok = memcmp(h, le->record.p, 32) == 0;
	}
	buf_done(&b);
	return ok;
}

/* Recompute leaves [0, target). */
static int recompute(vctx *v, uint64_t target)
{
	buf raw, ent, tb;
	buf_init(&raw, 64u << 20);
	buf_init(&ent, 256u * (ENTRY_MAX + 2) + 16); /* + the slack sha2x_pair_over reads */
	buf_init(&tb, TILE_WIDTH * 32 + 1);
	uint8_t(*E)[32] = xmalloc(TILE_WIDTH * 2 * 32);
	const uint8_t **ep = xmalloc(sizeof(*ep) * TILE_WIDTH * 2);
	size_t *el = xmalloc(sizeof(*el) * TILE_WIDTH * 2);
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	int rc = 0;
	if (!E || !ep || !el || !dc)
		rc = SPOOR_ENOMEM;
	size_t next = 0;
	check_roots(v, &next); /* size 0 */
	for (uint64_t n = 0; rc == 0 && n * TILE_WIDTH < target; n++) {
		uint64_t base = n * TILE_WIDTH;
		unsigned w = tile_width(0, n, target);
		char rel[128];
		spoor_diag d = SPOOR_DIAG_INIT;
		tile_path(rel, sizeof(rel), -1, n, w == TILE_WIDTH ? 0 : w);
		int r = ev_reader_read(&v->rd, rel, &raw, raw.max, &d);
		if (r == SPOOR_ENOTFOUND && w != TILE_WIDTH) {
			tile_path(rel, sizeof(rel), -1, n, 0);
			r = ev_reader_read(&v->rd, rel, &raw, raw.max, &d);
		}
		if (r < 0) {
			/* a hole in the middle, or the end gone? */
			uint64_t last = (target - 1) / TILE_WIDTH;
			unsigned lw = tile_width(0, last, target);
			char lrel[128], lp[4300];
			tile_path(lrel, sizeof(lrel), -1, last, lw == TILE_WIDTH ? 0 : lw);
			snprintf(lp, sizeof(lp), "%s/%s", v->dir, lrel);
			FILE *lf = last > n ? fopen(lp, "rb") : NULL;
			if (lf) {
				fclose(lf);
				problem(v, SPOOR_EVP_MISSING,
					"%s deleted: leaves %" PRIu64 "-%" PRIu64 " missing from the middle of the log",
					rel, base, base + w - 1);
			} else {
				problem(v, SPOOR_EVP_TRUNCATED,
					"store truncated: leaves %" PRIu64 "-%" PRIu64
					" missing (%s), the checkpoint covers %" PRIu64,
					base, target - 1, d.msg, target);
			}
			v->leaf_problems++;
			break;
		}
		if (ev_bundle_decode_ctx(dc, raw.p, raw.len, &ent, &d) < 0) {
			problem(v, SPOOR_EVP_CHANGED,
				"%s: %s: leaves %" PRIu64 "-%" PRIu64 " unreadable (bundle altered)", rel, d.msg, base,
				base + w - 1);
			v->leaf_problems++;
			break;
		}
		/* 15 readable bytes after the last entry (sha2x_pair_over) */
		bool over = buf_reserve(&ent, 16) == 0;
		/* entries */
		size_t c = 0, off = 0;
		bool bad = false;
		while (off < ent.len) {
			if (ent.len - off < 2) {
				bad = true;
				break;
			}
			size_t len = (size_t)((uint8_t)ent.p[off] << 8 | (uint8_t)ent.p[off + 1]);
			if (ent.len - off - 2 < len) {
				bad = true;
				break;
			}
			if (c == TILE_WIDTH * 2) {
				bad = true;
				break;
			}
			ep[c] = (const uint8_t *)ent.p + off + 2;
			el[c] = len;
			v->rep->bytes += len;
			c++;
			off += 2 + len;
		}
		/* leaf hashes SHA-256(0x00 || entry), two at a time: the low
		 * byte of each entry's length (read above) becomes its 0x00 */
		for (size_t q = 0; q < c; q++)
			ent.p[ep[q] - 1 - (const uint8_t *)ent.p] = 0;
		size_t q = 0;
		for (; q + 2 <= c; q += 2)
			(over ? sha2x_pair_over : sha2x_pair)(v->ts->ni, ep[q] - 1, el[q] + 1, ep[q + 1] - 1,
							      el[q + 1] + 1, E[q], E[q + 1]);
		if (q < c)
			sha2x_one(v->ts->ni, ep[q] - 1, el[q] + 1, E[q]);
		if (bad) {
			problem(v, SPOOR_EVP_CHANGED,
				"%s: entry framing broken after %zu entries (leaf %" PRIu64 " and later altered)", rel,
				c, base + c);
			break;
		}
		/* stored level-0 tile */
		d = (spoor_diag)SPOOR_DIAG_INIT;
		char trel[128];
		tile_path(trel, sizeof(trel), 0, n, w == TILE_WIDTH ? 0 : w);
		r = ev_reader_read(&v->rd, trel, &tb, TILE_WIDTH * 32, &d);
		if (r == SPOOR_ENOTFOUND && w != TILE_WIDTH) {
			tile_path(trel, sizeof(trel), 0, n, 0);
			r = ev_reader_read(&v->rd, trel, &tb, TILE_WIDTH * 32, &d);
			if (r == 0 && tb.len == TILE_WIDTH * 32)
				tb.len = (size_t)w * 32;
		}
		if (r < 0 || tb.len != (size_t)w * 32) {
			if (r < 0 && c < w)
				problem(v, SPOOR_EVP_TRUNCATED,
					"%s and the end of %s missing: leaves from %" PRIu64 " lost", trel, rel,
					base + c);
			else
				problem(v, SPOOR_EVP_TILE, "%s: %s", trel, r < 0 ? d.msg : "wrong size");
		} else {
			uint64_t before = v->leaf_problems;
			diagnose(v, base, (const uint8_t(*)[32])E, c, (const uint8_t(*)[32])tb.p, w, ep, el);
			if (v->leaf_problems == before && c == w) {
				for (size_t i = 0; i < c; i++) {
					leaf_entry le;
					int k = leaf_kind(ep[i], el[i]);
					if (k == LEAF_INLINE)
						continue;
					if (k < 0 || leaf_decode(&le, ep[i], el[i]) < 0)
						problem(v, SPOOR_EVP_FORMAT, "leaf %" PRIu64 ": not a %s leaf entry",
							base + i, EVIDENCE_FORMAT);
					else if (le.kind == LEAF_BLOB && !blob_ok(v->dir, &le))
						problem(v, SPOOR_EVP_CHANGED,
							"leaf %" PRIu64 ": its record (blobs/…) is missing or changed",
							base + i);
				}
			}
		}
		/* feed the recomputation (at most w leaves per bundle) */
		for (size_t i = 0; i < c && i < w && rc == 0; i++) {
			rc = tile_stack_add(v->ts, E[i]);
			v->rep->leaves_read++;
			check_roots(v, &next);
		}
		if (c < w)
			break;
	}
	ZSTD_freeDCtx(dc);
	free(E);
	free(ep);
	free(el);
	buf_done(&raw);
	buf_done(&ent);
	buf_done(&tb);
	return rc;
}

int spoor_evidence_verify(const char *dir, const spoor_evidence_verify_options *o, spoor_evidence_report *rep,
			  spoor_diag *diag)
{
	spoor_evidence_verify_options def = SPOOR_EVIDENCE_VERIFY_INIT;
	if (!o)
		o = &def;
	memset(rep, 0, sizeof(*rep));
	vctx v = {0};
	v.dir = dir;
	v.o = o;
	v.rep = rep;
	ev_config cfg;
	int rc = ev_config_load(dir, &cfg, diag);
	if (rc < 0)
		return rc;
	v.origin = cfg.origin;
	if (o->vkey) {
		if ((rc = note_key_parse_vkey(&v.logkey, o->vkey, strlen(o->vkey), diag)) < 0)
			return rc;
		if (v.logkey.type != NOTE_SIG_ED25519)
			return diag_set(diag, SPOOR_EINVAL, "--key: not an Ed25519 log key (type 0x01)");
	} else {
		v.logkey = cfg.vkey;
		problem(&v, SPOOR_EVP_NOTE,
			"checked with the store's own vkey file; pass --key VKEY (kept elsewhere) so that a replaced "
			"key is noticed");
	}
	if (o->nwitness) {
		v.wit = xcalloc(o->nwitness, sizeof(*v.wit));
		if (!v.wit)
			return diag_set(diag, SPOOR_ENOMEM, "out of memory");
		for (size_t i = 0; i < o->nwitness; i++) {
			if ((rc = note_key_parse_vkey(&v.wit[i], o->witness[i], strlen(o->witness[i]), diag)) < 0) {
				free(v.wit);
				return rc;
			}
		}
		v.nwit = o->nwitness;
	}
	v.ts = xmalloc(sizeof(*v.ts));
	if (!v.ts) {
		free(v.wit);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	tile_stack_init(v.ts);
	v.ts->on_full = on_full_check;
	v.ts->u = &v;
	checkpoint latest = {0};
	bool have_latest;
	rc = load_checkpoints(&v, &latest, &have_latest);
	if (rc == 0)
		rc = load_trusted(&v);
	if (rc < 0)
		goto out;
	qsort(v.ck, v.nck, sizeof(*v.ck), cmp_ck);
	rep->checkpoints = v.nck;
	uint64_t target = 0, maxsigned = 0;
	for (size_t i = 0; i < v.nck; i++) {
		if (v.ck[i].size > target)
			target = v.ck[i].size;
		if (i && v.ck[i].size == v.ck[i - 1].size && memcmp(v.ck[i].root, v.ck[i - 1].root, 32))
			problem(&v, SPOOR_EVP_INCONSISTENT,
				"%s and %s: two different trees of size %" PRIu64 " (split view)", v.ck[i - 1].label,
				v.ck[i].label, v.ck[i].size);
		if (v.nwit && v.ck[i].cosigs >= o->quorum && v.ck[i].size > rep->witnessed)
			rep->witnessed = v.ck[i].size;
		if (strncmp(v.ck[i].label, "trusted", 7) != 0 && v.ck[i].size > maxsigned)
			maxsigned = v.ck[i].size;
	}
	rep->size = have_latest ? latest.size : 0;
	if (have_latest && maxsigned > latest.size)
		problem(&v, SPOOR_EVP_ROLLBACK,
			"checkpoint rolled back: the latest checkpoint has size %" PRIu64
			" but the log signed size %" PRIu64 " before (history/)",
			latest.size, maxsigned);
	if (have_latest && target > latest.size && target > maxsigned)
		problem(&v, SPOOR_EVP_ROLLBACK,
			"rollback: a trusted checkpoint of size %" PRIu64 " is newer than the store's latest (%" PRIu64
			")",
			target, latest.size);
	if (v.nwit) {
		if (o->quorum && !rep->witnessed)
			problem(&v, SPOOR_EVP_QUORUM,
				"no checkpoint carries %zu valid cosignatures of the given witnesses", o->quorum);
		else if (have_latest && rep->witnessed > latest.size)
			problem(&v, SPOOR_EVP_ROLLBACK,
				"rollback: witnesses cosigned size %" PRIu64 " but the latest checkpoint has %" PRIu64,
				rep->witnessed, latest.size);
	}
	ev_reader_open(&v.rd, dir);
	rc = recompute(&v, target);
	ev_reader_close(&v.rd);
	if (rc < 0)
		goto out;
	if (v.npend_total)
		flush_pending(&v);
	if (have_latest && rep->leaves_read == target && v.leaf_problems == 0) {
		/* the partial tiles of the latest checkpoint (what tlog clients fetch) */
		for (int l = 1; l < TILE_LEVELS; l++) {
			unsigned w = (unsigned)(v.ts->cnt[l] % TILE_WIDTH);
			if (!w || latest.size != target)
				continue;
			char rel[128];
			tile_path(rel, sizeof(rel), l, v.ts->cnt[l] / TILE_WIDTH, w);
			buf b;
			buf_init(&b, TILE_WIDTH * 32 + 1);
			spoor_diag d = SPOOR_DIAG_INIT;
			if (ev_read_file(dir, rel, &b, TILE_WIDTH * 32, &d) < 0)
				problem(&v, SPOOR_EVP_TILE, "%s: missing", rel);
			else if (b.len != (size_t)w * 32 || memcmp(b.p, v.ts->h[l], b.len))
				problem(&v, SPOOR_EVP_TILE, "%s: differs from the leaves", rel);
			buf_done(&b);
		}
	}
	/* records after the last checkpoint: a crash, never signed */
	if (have_latest) {
		char rel[128], p[4200];
		tile_path(rel, sizeof(rel), -1, latest.size / TILE_WIDTH + (latest.size % TILE_WIDTH != 0), 0);
		snprintf(p, sizeof(p), "%s/%s", dir, rel);
		FILE *f = fopen(p, "rb");
		if (f) {
			fclose(f);
			if (maxsigned <= latest.size)
				problem(&v, SPOOR_EVP_NOTE,
					"%s exists beyond the last checkpoint (size %" PRIu64
					"): records of an interrupted run, covered by no signature",
					rel, latest.size);
		}
	}
	rc = v.failures;
out:
	free(v.ck);
	free(v.wit);
	free(v.ts);
	return rc;
}

/* ---- proofs ---- */

static int read_leaf_entry(const char *dir, uint64_t index, uint64_t size, buf *out, spoor_diag *diag)
{
	uint64_t n = index / TILE_WIDTH;
	unsigned w = tile_width(0, n, size);
	char rel[128];
	tile_path(rel, sizeof(rel), -1, n, w == TILE_WIDTH ? 0 : w);
	buf raw, ent;
	buf_init(&raw, 64u << 20);
	buf_init(&ent, 256u * (ENTRY_MAX + 2) + 1);
	int rc = ev_read_file(dir, rel, &raw, raw.max, diag);
	if (rc == SPOOR_ENOTFOUND && w != TILE_WIDTH) {
		tile_path(rel, sizeof(rel), -1, n, 0);
		rc = ev_read_file(dir, rel, &raw, raw.max, diag);
	}
	if (rc == 0)
		rc = ev_bundle_decode(raw.p, raw.len, &ent, diag);
	size_t off = 0, k = index % TILE_WIDTH;
	for (size_t i = 0; rc == 0; i++) {
		if (ent.len - off < 2) {
			rc = diag_set(diag, SPOOR_ECORRUPT, "%s: leaf %" PRIu64 " not found", rel, index);
			break;
		}
		size_t len = (size_t)((uint8_t)ent.p[off] << 8 | (uint8_t)ent.p[off + 1]);
		if (ent.len - off - 2 < len) {
			rc = diag_set(diag, SPOOR_ECORRUPT, "%s: broken entry framing", rel);
			break;
		}
		if (i == k) {
			buf_clear(out);
			rc = buf_add(out, ent.p + off + 2, len);
			break;
		}
		off += 2 + len;
	}
	buf_done(&raw);
	buf_done(&ent);
	return rc;
}

int spoor_evidence_prove(const char *dir, uint64_t index, char **out, size_t *outlen, spoor_diag *diag)
{
	*out = NULL;
	ev_config cfg;
	int rc = ev_config_load(dir, &cfg, diag);
	if (rc < 0)
		return rc;
	buf nb, entry, res;
	buf_init(&nb, NOTE_MAX + 1);
	buf_init(&entry, ENTRY_MAX + 1);
	buf_init(&res, 1u << 20);
	note_parsed *np = xmalloc(sizeof(*np));
	tile_reader *tr = xmalloc(sizeof(*tr));
	uint8_t(*path)[32] = xmalloc(TLOG_MAX_PROOF * 32);
	checkpoint c;
	if (!np || !tr || !path)
		rc = diag_set(diag, SPOOR_ENOMEM, "out of memory");
	if (rc == 0)
		rc = ev_read_file(dir, "checkpoint", &nb, NOTE_MAX, diag);
	if (rc == 0)
		rc = note_parse(np, nb.p, nb.len, diag);
	if (rc == 0 && note_verify(np, &cfg.vkey, 1, NULL, NULL, diag) != 1)
		rc = diag && diag->code ? diag->code
					: diag_set(diag, SPOOR_ECORRUPT, "checkpoint: no signature by the store's key");
	if (rc == 0)
		rc = checkpoint_parse(&c, np->text.p, np->text.n, diag);
	if (rc == 0 && index >= c.size)
		rc = diag_set(diag, SPOOR_EINVAL, "leaf %" PRIu64 " is not in the latest checkpoint (size %" PRIu64 ")",
			      index, c.size);
	size_t n = 0;
	if (rc == 0) {
		tile_reader_init(tr, dir, c.size, diag);
		rc = tlog_prove_inclusion(tile_reader_hash, tr, index, c.size, path, &n);
	}
	if (rc == 0)
		rc = read_leaf_entry(dir, index, c.size, &entry, diag);
	uint8_t lh[32];
	if (rc == 0) {
		tlog_leaf_hash(entry.p, entry.len, lh);
		if (!tlog_verify_inclusion(index, c.size, lh, (const uint8_t(*)[32])path, n, c.root))
			rc = diag_set(diag, SPOOR_ECORRUPT,
				      "leaf %" PRIu64
				      " does not verify against the checkpoint; run spoor evidence verify",
				      index);
	}
	char *ex = NULL;
	if (rc == 0) {
		ex = xmalloc(entry.len / 3 * 4 + 8);
		if (!ex)
			rc = diag_set(diag, SPOOR_ENOMEM, "out of memory");
		else
			b64_encode((const uint8_t *)entry.p, entry.len, ex);
	}
	if (rc == 0)
		rc = tlog_proof_format(&res, ex, index, (const uint8_t(*)[32])path, n, nb.p, nb.len);
	if (rc == 0) {
		*out = xstrndup(res.p, res.len);
		*outlen = res.len;
		if (!*out)
			rc = diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	free(ex);
	free(np);
	free(tr);
	free(path);
	buf_done(&nb);
	buf_done(&entry);
	buf_done(&res);
	return rc;
}

int spoor_evidence_check_proof(const char *proof, size_t n, const char *vkey, const char *const *witness,
			       size_t nwitness, size_t quorum, const void *entry, size_t entrylen, uint64_t *index,
			       spoor_diag *diag)
{
	tlog_proof *tp = xmalloc(sizeof(*tp));
	note_parsed *np = xmalloc(sizeof(*np));
	note_key *keys = xcalloc(nwitness + 1, sizeof(*keys));
	uint8_t *ex = NULL;
	int rc = 0;
	if (!tp || !np || !keys)
		rc = diag_set(diag, SPOOR_ENOMEM, "out of memory");
	if (rc == 0)
		rc = tlog_proof_parse(tp, proof, n, diag);
	if (rc == 0)
		rc = note_key_parse_vkey(&keys[0], vkey, strlen(vkey), diag);
	for (size_t i = 0; rc == 0 && i < nwitness; i++)
		rc = note_key_parse_vkey(&keys[i + 1], witness[i], strlen(witness[i]), diag);
	if (rc == 0)
		rc = note_parse(np, tp->note.p, tp->note.n, diag);
	if (rc == 0) {
		int r = note_verify(np, keys, 1, NULL, NULL, diag);
		if (r < 0)
			rc = r;
		else if (r == 0)
			rc = diag_set(diag, SPOOR_ECORRUPT, "the checkpoint has no signature by %s", keys[0].name);
	}
	if (rc == 0 && nwitness) {
		int r = note_verify(np, keys + 1, nwitness, NULL, NULL, diag);
		if (r < 0)
			rc = r;
		else if ((size_t)r < quorum)
			rc = diag_set(diag, SPOOR_ECORRUPT, "%d cosignatures of the given witnesses, quorum is %zu", r,
				      quorum);
	}
	checkpoint c;
	if (rc == 0)
		rc = checkpoint_parse(&c, np->text.p, np->text.n, diag);
	if (rc == 0 && !sv_eq_cstr(c.origin, keys[0].name))
		rc = diag_set(diag, SPOOR_ECORRUPT, "checkpoint origin %.*s is not the key name %s", (int)c.origin.n,
			      c.origin.p, keys[0].name);
	if (rc == 0 && !entry) {
		if (!tp->extra.n) {
			rc = diag_set(diag, SPOOR_EINVAL, "the proof has no extra line: give the leaf entry");
		} else {
			ex = xmalloc(tp->extra.n);
			long r = ex ? b64_decode(tp->extra.p, tp->extra.n, ex, tp->extra.n) : -1;
			if (r < 0)
				rc = diag_set(diag, SPOOR_EPARSE, "extra: not base64");
			entry = ex;
			entrylen = r < 0 ? 0 : (size_t)r;
		}
	}
	if (rc == 0) {
		uint8_t lh[32];
		tlog_leaf_hash(entry, entrylen, lh);
		if (!tlog_verify_inclusion(tp->index, c.size, lh, (const uint8_t(*)[32])tp->path, tp->n, c.root))
			rc = diag_set(diag, SPOOR_ECORRUPT,
				      "inclusion proof of leaf %" PRIu64
				      " does not verify against the checkpoint (size %" PRIu64 ")",
				      tp->index, c.size);
		else if (index)
			*index = tp->index;
	}
	free(ex);
	free(tp);
	free(np);
	free(keys);
	return rc;
}

int spoor_evidence_proof_leaf(const char *proof, size_t n, spoor_evidence_leaf *out)
{
	memset(out, 0, sizeof(*out));
	tlog_proof *tp = xmalloc(sizeof(*tp));
	if (!tp)
		return SPOOR_ENOMEM;
	int rc = tlog_proof_parse(tp, proof, n, NULL);
	uint8_t *ex = NULL;
	long r = -1;
	if (rc == 0 && tp->extra.n) {
		ex = xmalloc(tp->extra.n);
		r = ex ? b64_decode(tp->extra.p, tp->extra.n, ex, tp->extra.n) : -1;
	}
	leaf_entry le;
	if (rc == 0 && (r < 0 || leaf_decode(&le, ex, (size_t)r) < 0))
		rc = SPOOR_EPARSE;
	free(tp);
	if (rc < 0) {
		free(ex);
		return rc;
	}
	out->ingest_ns = le.ingest_ns;
	out->format = le.format;
	out->path = le.path;
	out->record = le.record;
	out->offset = le.offset;
	out->line = le.line;
	out->record_id = le.record_id;
	out->blob = le.kind == LEAF_BLOB;
	out->blob_len = le.blob_len;
	out->rejected = le.flags & LEAF_F_REJECTED;
	out->mem = ex;
	return 0;
}

void spoor_evidence_leaf_done(spoor_evidence_leaf *l)
{
	free(l->mem);
	memset(l, 0, sizeof(*l));
}
