/* witness — C2SP tlog-witness@v1.0.0 semantics without HTTP, and
 * tlog-cosignature@v1.0.1 (Ed25519, type 0x04) cosignatures.
 *
 * The log side writes the add-checkpoint request body
 *     old <size>\n <base64 proof hash>\n ... \n <checkpoint note>
 * the witness checks it against the log key and its own state (the last
 * checkpoint it cosigned for that origin) exactly as the spec's HTTP
 * witness does (403 bad signature, 400 old > size, 409 old is not what
 * the witness saw, 422 inconsistent), persists the new state before
 * answering, and answers with its cosignature line.  `cosign` attaches
 * such lines to the stored checkpoint. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "evidence/evidence.h"

int spoor_evidence_witness_request(const char *dir, uint64_t old_size, char **out, size_t *outlen, spoor_diag *diag)
{
	*out = NULL;
	ev_config cfg;
	int rc = ev_config_load(dir, &cfg, diag);
	if (rc < 0)
		return rc;
	buf nb, res;
	buf_init(&nb, NOTE_MAX + 1);
	buf_init(&res, NOTE_MAX + 8192);
	note_parsed *np = xmalloc(sizeof(*np));
	tile_reader *tr = xmalloc(sizeof(*tr));
	uint8_t(*proof)[32] = xmalloc(TLOG_MAX_PROOF * 32);
	checkpoint c;
	size_t n = 0;
	if (!np || !tr || !proof)
		rc = diag_set(diag, SPOOR_ENOMEM, "out of memory");
	if (rc == 0)
		rc = ev_read_file(dir, "checkpoint", &nb, NOTE_MAX, diag);
	if (rc == 0)
		rc = note_parse(np, nb.p, nb.len, diag);
	if (rc == 0)
		rc = checkpoint_parse(&c, np->text.p, np->text.n, diag);
	if (rc == 0 && old_size > c.size)
		rc = diag_set(diag, SPOOR_EINVAL, "old size %" PRIu64 " is larger than the checkpoint (%" PRIu64 ")",
			      old_size, c.size);
	if (rc == 0 && old_size && old_size < c.size) {
		tile_reader_init(tr, dir, c.size, diag);
		rc = tlog_prove_consistency(tile_reader_hash, tr, old_size, c.size, proof, &n);
	}
	if (rc == 0)
		rc = buf_printf(&res, "old %" PRIu64 "\n", old_size);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char b[48];
		b64_encode(proof[i], 32, b);
		rc = buf_printf(&res, "%s\n", b);
	}
	if (rc == 0)
		rc = buf_addc(&res, '\n');
	if (rc == 0)
		rc = buf_add(&res, nb.p, nb.len);
	if (rc == 0) {
		*out = xstrndup(res.p, res.len);
		*outlen = res.len;
		if (!*out)
			rc = diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	free(np);
	free(tr);
	free(proof);
	buf_done(&nb);
	buf_done(&res);
	return rc;
}

static bool parse_u64(spoor_sv s, uint64_t *out)
{
	if (s.n == 0 || s.n > 20 || (s.n > 1 && s.p[0] == '0'))
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	*out = v;
	return true;
}

/* The witness's state for one log: the last cosigned checkpoint text. */
static int read_state(const char *path, buf *b, checkpoint *c, bool *have, spoor_diag *diag)
{
	*have = false;
	int rc = ev_read_file(NULL, path, b, NOTE_MAX, diag);
	if (rc == SPOOR_ENOTFOUND) {
		if (diag)
			*diag = (spoor_diag)SPOOR_DIAG_INIT;
		return 0;
	}
	if (rc < 0)
		return rc;
	spoor_diag d = SPOOR_DIAG_INIT;
	rc = checkpoint_parse(c, b->p, b->len, &d);
	if (rc < 0)
		return diag_set(diag, rc, "witness state %s: %s", path, d.msg);
	*have = true;
	return 0;
}

int spoor_evidence_witness(const char *request, size_t n, const char *log_vkey, const char *witness_skey,
			   const char *state_path, char **out, size_t *outlen, spoor_diag *diag)
{
	*out = NULL;
	note_key lk, wk;
	int rc = note_key_parse_vkey(&lk, log_vkey, strlen(log_vkey), diag);
	if (rc < 0)
		return rc;
	if ((rc = note_key_parse_skey(&wk, witness_skey, strlen(witness_skey), diag)) < 0)
		return rc;
	if (wk.type != NOTE_SIG_COSIG)
		return diag_set(diag, SPOOR_EINVAL, "witness key %s: not a cosignature key (type 0x04)", wk.name);
	/* request body */
	const char *p = request, *e = request + n;
	const char *nl = memchr(p, '\n', n);
	uint64_t old;
	if (!nl || nl - p < 5 || memcmp(p, "old ", 4) || !parse_u64(sv_make(p + 4, (size_t)(nl - p - 4)), &old))
		return diag_set(diag, SPOOR_EPARSE, "400: request does not start with \"old <size>\"");
	p = nl + 1;
	uint8_t proof[63][32];
	size_t np_ = 0;
	for (;;) {
		nl = p < e ? memchr(p, '\n', (size_t)(e - p)) : NULL;
		if (!nl)
			return diag_set(diag, SPOOR_EPARSE, "400: request has no blank line before the checkpoint");
		if (nl == p)
			break;
		if (np_ == 63)
			return diag_set(diag, SPOOR_EPARSE, "400: more than 63 consistency proof lines");
		if (b64_decode(p, (size_t)(nl - p), proof[np_], 32) != 32)
			return diag_set(diag, SPOOR_EPARSE, "400: proof line %zu is not base64 of 32 bytes", np_ + 1);
		np_++;
		p = nl + 1;
	}
	p++;
	note_parsed *np = xmalloc(sizeof(*np));
	if (!np)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	checkpoint c, st;
	buf sb, line;
	buf_init(&sb, NOTE_MAX + 1);
	buf_init(&line, 4096);
	bool have = false;
	int lockfd = -1;
	rc = note_parse(np, p, (size_t)(e - p), diag);
	if (rc == 0) {
		spoor_diag vd = SPOOR_DIAG_INIT;
		int r = note_verify(np, &lk, 1, NULL, NULL, &vd);
		if (r <= 0)
			rc = r < 0 ? diag_set(diag, SPOOR_ECORRUPT, "403: %s", vd.msg)
				   : diag_set(diag, SPOOR_ECORRUPT, "403: no signature by the log key %s", lk.name);
	}
	if (rc == 0)
		rc = checkpoint_parse(&c, np->text.p, np->text.n, diag);
	if (rc == 0 && !sv_eq_cstr(c.origin, lk.name))
		rc = diag_set(diag, SPOOR_ENOTFOUND, "404: unknown origin %.*s (the log key is %s)", (int)c.origin.n,
			      c.origin.p, lk.name);
	if (rc == 0) {
		/* check-and-update is atomic: one witness process per state file */
		char lp[4200];
		snprintf(lp, sizeof(lp), "%s.lock", state_path);
		lockfd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (lockfd < 0 || flock(lockfd, LOCK_EX) < 0)
			rc = diag_set(diag, SPOOR_EIO, "%s: %s", lp, strerror(errno));
	}
	if (rc == 0)
		rc = read_state(state_path, &sb, &st, &have, diag);
	uint64_t seen = have ? st.size : 0;
	uint8_t empty[32];
	tlog_empty_root(empty);
	if (rc < 0) {
	} else if (old > c.size) {
		rc = diag_set(diag, SPOOR_EINVAL, "400: old size %" PRIu64 " > checkpoint size %" PRIu64, old, c.size);
	} else if (old != seen) {
		rc = diag_set(diag, SPOOR_EAGAIN, "409: the witness last cosigned size %" PRIu64 ", not %" PRIu64, seen,
			      old);
	} else if (c.size == 0 && memcmp(c.root, empty, 32)) {
		rc = diag_set(diag, SPOOR_ECORRUPT, "422: a checkpoint of size 0 must have the empty tree's root");
	} else if (old == 0) {
		if (np_)
			rc = diag_set(diag, SPOOR_ECORRUPT, "422: a proof from size 0 must be empty");
	} else if (old == c.size) {
		if (np_ || memcmp(st.root, c.root, 32))
			rc =
			    diag_set(diag, SPOOR_ECORRUPT,
				     "422: same size %" PRIu64 " with a different root: split view, not cosigned", old);
	} else if (!tlog_verify_consistency(old, c.size, st.root, c.root, (const uint8_t(*)[32])proof, np_)) {
		rc = diag_set(diag, SPOOR_ECORRUPT,
			      "422: the consistency proof from %" PRIu64 " to %" PRIu64 " does not verify: the log "
			      "rewrote its history; not cosigned",
			      old, c.size);
	}
	/* persist, then sign */
	if (rc == 0)
		rc = ev_write_file(NULL, state_path, np->text.p, np->text.n, true, diag);
	if (rc == 0) {
		uint64_t t = (uint64_t)time(NULL);
		char hdr[64];
		int hl = snprintf(hdr, sizeof(hdr), "cosignature/v1\ntime %" PRIu64 "\n", t);
		buf msg;
		buf_init(&msg, NOTE_MAX + 64);
		uint8_t raw[4 + 8 + 64];
		rc = buf_add(&msg, hdr, (size_t)hl);
		if (rc == 0)
			rc = buf_add(&msg, np->text.p, np->text.n);
		raw[0] = (uint8_t)(wk.id >> 24);
		raw[1] = (uint8_t)(wk.id >> 16);
		raw[2] = (uint8_t)(wk.id >> 8);
		raw[3] = (uint8_t)wk.id;
		for (int i = 0; i < 8; i++)
			raw[4 + i] = (uint8_t)(t >> (56 - 8 * i));
		if (rc == 0 && note_ed25519_sign(&wk, msg.p, msg.len, raw + 12) < 0)
			rc = diag_set(diag, SPOOR_ERR, "Ed25519 signing failed (OpenSSL)");
		buf_done(&msg);
		char b[160];
		b64_encode(raw, sizeof(raw), b);
		if (rc == 0)
			rc = buf_printf(&line, "\xe2\x80\x94 %s %s\n", wk.name, b);
		if (rc == 0) {
			*out = xstrndup(line.p, line.len);
			*outlen = line.len;
			if (!*out)
				rc = diag_set(diag, SPOOR_ENOMEM, "out of memory");
		}
	}
	if (lockfd >= 0)
		close(lockfd);
	memset(&wk, 0, sizeof(wk));
	free(np);
	buf_done(&sb);
	buf_done(&line);
	return rc;
}

/* Append the signature lines not already present to one stored note. */
static int attach(const char *dir, const char *rel, const char *lines, size_t n, spoor_diag *diag)
{
	buf b;
	buf_init(&b, NOTE_MAX + 1);
	int rc = ev_read_file(dir, rel, &b, NOTE_MAX, diag);
	const char *p = lines, *e = lines + n;
	while (rc == 0 && p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t ll = nl ? (size_t)(nl - p) + 1 : (size_t)(e - p);
		if (ll > 4 && memcmp(p, "\xe2\x80\x94 ", 4) == 0 && nl && !memmem(b.p, b.len, p, ll))
			rc = buf_add(&b, p, ll);
		p += ll;
	}
	note_parsed *np = rc == 0 ? xmalloc(sizeof(*np)) : NULL;
	if (rc == 0 && !np)
		rc = diag_set(diag, SPOOR_ENOMEM, "out of memory");
	if (rc == 0)
		rc = note_parse(np, b.p, b.len, diag);
	if (rc == 0)
		rc = ev_write_file(dir, rel, b.p, b.len, true, diag);
	free(np);
	buf_done(&b);
	return rc;
}

int spoor_evidence_cosign(const char *dir, uint64_t size, const char *lines, size_t n, spoor_diag *diag)
{
	char lp[4200];
	snprintf(lp, sizeof(lp), "%s/lock", dir);
	int lockfd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0 || flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
		if (lockfd >= 0)
			close(lockfd);
		return diag_set(diag, SPOOR_EAGAIN, "%s: the store is in use", dir);
	}
	buf b;
	buf_init(&b, NOTE_MAX + 1);
	note_parsed *np = xmalloc(sizeof(*np));
	checkpoint c;
	int rc = np ? 0 : diag_set(diag, SPOOR_ENOMEM, "out of memory");
	if (rc == 0)
		rc = ev_read_file(dir, "checkpoint", &b, NOTE_MAX, diag);
	if (rc == 0)
		rc = note_parse(np, b.p, b.len, diag);
	if (rc == 0)
		rc = checkpoint_parse(&c, np->text.p, np->text.n, diag);
	if (rc == 0 && (size == UINT64_MAX || size == c.size))
		rc = attach(dir, "checkpoint", lines, n, diag);
	if (rc == 0) {
		char rel[64];
		snprintf(rel, sizeof(rel), "history/%020" PRIu64, size == UINT64_MAX ? c.size : size);
		rc = attach(dir, rel, lines, n, diag);
	}
	free(np);
	buf_done(&b);
	close(lockfd);
	return rc;
}
