/* store — the append side of the evidence store (docs/evidence.md).
 *
 * Appends go to memory: the current entry bundle (up to 256 leaf entries)
 * and the partial hash tile of every level.  A full bundle or tile is
 * written as soon as it is complete (temporary file + rename, no fsync).
 * A checkpoint is the commit: partial bundle and tiles are written, the
 * file system is synced (syncfs), and only then the signed checkpoint
 * replaces `checkpoint` (temp file, fsync, rename, fsync of the
 * directory) and is added to history/.  A crash at any point leaves the
 * previous checkpoint and every file it covers intact; reopening reads the
 * partial tiles and bundle of that checkpoint, recomputes the root and
 * refuses to append if it does not match. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/sha.h>
#include <zstd.h>

#include "base/fsutil.h"
#include "evidence/evidence.h"

#define PATH_CAP 4096

/* ---- files ---- */

static int mkdirs(const char *dir, const char *rel)
{
	char p[PATH_CAP];
	int n = snprintf(p, sizeof(p), "%s/%s", dir, rel);
	if (n < 0 || (size_t)n >= sizeof(p))
		return SPOOR_ELIMIT;
	return mkdir_parents(p, strlen(dir) + 1, 0755);
}

int ev_fsync_dir(const char *dir, const char *rel)
{
	char p[PATH_CAP];
	if (dir)
		snprintf(p, sizeof(p), "%s/%s", dir, rel ? rel : ".");
	else
		snprintf(p, sizeof(p), "%s", rel);
	char *slash = strrchr(p, '/');
	if (rel && slash)
		*slash = 0;
	else if (!dir)
		snprintf(p, sizeof(p), ".");
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return SPOOR_EIO;
	int rc = fsync(fd) < 0 ? SPOOR_EIO : 0;
	close(fd);
	return rc;
}

/* Read all of fd (named rel in messages) into out; closes fd. */
static int read_fd(int fd, const char *rel, buf *out, size_t max, spoor_diag *diag)
{
	buf_clear(out);
	if (buf_reserve(out, 1) < 0) {
		close(fd);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	for (;;) {
		size_t want = MIN((size_t)65536, max + 1 - out->len);
		if (out->max - out->len < want)
			want = out->max - out->len;
		if (want == 0 || buf_reserve(out, want) < 0) {
			close(fd);
			return diag_set(diag, SPOOR_ELIMIT, "%s: larger than %zu bytes", rel, max);
		}
		ssize_t r = read(fd, out->p + out->len, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return diag_set(diag, SPOOR_EIO, "%s: %s", rel, strerror(errno));
		}
		if (r == 0)
			break;
		out->len += (size_t)r;
		if (out->len > max) {
			close(fd);
			return diag_set(diag, SPOOR_ELIMIT, "%s: larger than %zu bytes", rel, max);
		}
	}
	close(fd);
	out->p[out->len] = 0;
	return 0;
}

int ev_read_file(const char *dir, const char *rel, buf *out, size_t max, spoor_diag *diag)
{
	char p[PATH_CAP];
	if (dir)
		snprintf(p, sizeof(p), "%s/%s", dir, rel);
	else
		snprintf(p, sizeof(p), "%s", rel);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return diag_set(diag, errno == ENOENT ? SPOOR_ENOTFOUND : SPOOR_EIO, "%s: %s", rel, strerror(errno));
	return read_fd(fd, rel, out, max, diag);
}

void ev_reader_open(ev_reader *r, const char *dir)
{
	r->dir = dir;
	r->root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; i < EV_DIRS; i++) {
		r->fd[i] = -1;
		r->rel[i][0] = 0;
	}
	r->next = 0;
}

void ev_reader_close(ev_reader *r)
{
	for (int i = 0; i < EV_DIRS; i++)
		if (r->fd[i] >= 0)
			close(r->fd[i]);
	if (r->root >= 0)
		close(r->root);
	r->root = -1;
}

int ev_reader_read(ev_reader *r, const char *rel, buf *out, size_t max, spoor_diag *diag)
{
	const char *slash = strrchr(rel, '/');
	size_t dl = slash ? (size_t)(slash - rel) : 0;
	if (r->root < 0 || dl >= sizeof(r->rel[0]))
		return ev_read_file(r->dir, rel, out, max, diag);
	int dfd = r->root;
	if (dl) {
		int i;
		for (i = 0; i < EV_DIRS; i++)
			if (r->fd[i] >= 0 && strlen(r->rel[i]) == dl && !memcmp(r->rel[i], rel, dl))
				break;
		if (i == EV_DIRS) {
			char d[sizeof(r->rel[0])];
			memcpy(d, rel, dl);
			d[dl] = 0;
			int fd = openat(r->root, d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0) /* the same answer as opening the file by its path */
				return ev_read_file(r->dir, rel, out, max, diag);
			i = (int)(r->next++ % EV_DIRS);
			if (r->fd[i] >= 0)
				close(r->fd[i]);
			r->fd[i] = fd;
			memcpy(r->rel[i], d, dl + 1);
		}
		dfd = r->fd[i];
	}
	int fd = openat(dfd, slash ? slash + 1 : rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return diag_set(diag, errno == ENOENT ? SPOOR_ENOTFOUND : SPOOR_EIO, "%s: %s", rel, strerror(errno));
	return read_fd(fd, rel, out, max, diag);
}

int ev_write_file(const char *dir, const char *rel, const void *data, size_t n, bool durable, spoor_diag *diag)
{
	char p[PATH_CAP], t[PATH_CAP];
	if (dir) {
		snprintf(p, sizeof(p), "%s/%s", dir, rel);
		snprintf(t, sizeof(t), "%s/%s.tmp", dir, rel);
	} else {
		snprintf(p, sizeof(p), "%s", rel);
		snprintf(t, sizeof(t), "%s.tmp", rel);
	}
	int fd = open(t, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ENOENT && dir && mkdirs(dir, rel) == 0)
		fd = open(t, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return diag_set(diag, SPOOR_EIO, "%s: %s", t, strerror(errno));
	const char *q = data;
	while (n) {
		ssize_t w = write(fd, q, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			close(fd);
			unlink(t);
			return diag_set(diag, SPOOR_EIO, "%s: %s", t, strerror(e));
		}
		q += w;
		n -= (size_t)w;
	}
	if (durable && fsync(fd) < 0) {
		int e = errno;
		close(fd);
		return diag_set(diag, SPOOR_EIO, "%s: fsync: %s", t, strerror(e));
	}
	if (close(fd) < 0 || rename(t, p) < 0)
		return diag_set(diag, SPOOR_EIO, "%s: %s", p, strerror(errno));
	if (durable && ev_fsync_dir(dir, rel) < 0)
		return diag_set(diag, SPOOR_EIO, "%s: fsync of the directory: %s", p, strerror(errno));
	return 0;
}

/* A file no checkpoint covers yet (a full tile or bundle past the last
 * checkpoint): written in place, without a temporary file, because nothing
 * signed depends on it until the next checkpoint's syncfs. */
static int write_new(const char *dir, const char *rel, const void *data, size_t n, spoor_diag *diag)
{
	char p[PATH_CAP];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ENOENT && mkdirs(dir, rel) == 0)
		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return diag_set(diag, SPOOR_EIO, "%s: %s", p, strerror(errno));
	const char *q = data;
	while (n) {
		ssize_t w = write(fd, q, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			close(fd);
			return diag_set(diag, SPOOR_EIO, "%s: %s", p, strerror(e));
		}
		q += w;
		n -= (size_t)w;
	}
	if (close(fd) < 0)
		return diag_set(diag, SPOOR_EIO, "%s: %s", p, strerror(errno));
	return 0;
}

int ev_bundle_decode(const void *p, size_t n, buf *out, spoor_diag *diag)
{
	return ev_bundle_decode_ctx(NULL, p, n, out, diag);
}

int ev_bundle_decode_ctx(struct ZSTD_DCtx_s *dc, const void *p, size_t n, buf *out, spoor_diag *diag)
{
	unsigned long long sz = ZSTD_getFrameContentSize(p, n);
	if (sz == ZSTD_CONTENTSIZE_ERROR || sz == ZSTD_CONTENTSIZE_UNKNOWN || sz > 256ull * (ENTRY_MAX + 2))
		return diag_set(diag, SPOOR_ECORRUPT, "not a zstd frame with a known size");
	buf_clear(out);
	if (buf_reserve(out, (size_t)sz + 1) < 0)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	size_t r = dc ? ZSTD_decompressDCtx(dc, out->p, (size_t)sz, p, n) : ZSTD_decompress(out->p, (size_t)sz, p, n);
	if (ZSTD_isError(r) || r != sz)
		return diag_set(diag, SPOOR_ECORRUPT, "zstd: %s", ZSTD_isError(r) ? ZSTD_getErrorName(r) : "short");
	out->len = r;
	return 0;
}

int ev_config_load(const char *dir, ev_config *c, spoor_diag *diag)
{
	buf b;
	buf_init(&b, 1 << 16);
	memset(c, 0, sizeof(*c));
	int rc = ev_read_file(dir, "spoor-evidence", &b, 1 << 16, diag);
	if (rc < 0) {
		buf_done(&b);
		return rc == SPOOR_ENOTFOUND ? diag_set(diag, rc,
							"%s is not an evidence store (no spoor-evidence "
							"file; spoor evidence init creates one)",
							dir)
					     : rc;
	}
	const char *o = strstr(b.p, "\norigin ");
	if (strncmp(b.p, EVIDENCE_FORMAT "\n", strlen(EVIDENCE_FORMAT) + 1) != 0 || !o) {
		buf_done(&b);
		return diag_set(diag, SPOOR_EPARSE, "%s/spoor-evidence: not a %s store", dir, EVIDENCE_FORMAT);
	}
	o += 8;
	size_t ol = strcspn(o, "\n");
	if (ol == 0 || ol > NOTE_MAX_NAME) {
		buf_done(&b);
		return diag_set(diag, SPOOR_EPARSE, "%s/spoor-evidence: bad origin", dir);
	}
	memcpy(c->origin, o, ol);
	c->origin[ol] = 0;
	rc = ev_read_file(dir, "vkey", &b, 4096, diag);
	if (rc == 0)
		rc = note_key_parse_vkey(&c->vkey, b.p, b.len, diag);
	buf_done(&b);
	return rc;
}

/* ---- the appender ---- */

struct spoor_evidence {
	char *dir;
	int lockfd;
	ev_config cfg;
	note_key key;
	spoor_evidence_options o;
	tile_stack ts;
	buf ebuf; /* the current entry bundle, uncompressed */
	buf enc;  /* one leaf entry */
	buf scratch;
	ZSTD_CCtx *zc;
	uint64_t ckpt_size; /* size of the last signed checkpoint */
	double ckpt_time;
	char prev_partial[TILE_LEVELS + 1][128]; /* partial files of the last checkpoint */
	spoor_diag *diag;
};

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int write_bundle(spoor_evidence *e, uint64_t n, unsigned w, spoor_diag *diag)
{
	char rel[128];
	tile_path(rel, sizeof(rel), -1, n, w == TILE_WIDTH ? 0 : w);
	size_t bound = ZSTD_compressBound(e->ebuf.len);
	buf_clear(&e->scratch);
	if (buf_reserve(&e->scratch, bound + 1) < 0)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	size_t r = ZSTD_compress2(e->zc, e->scratch.p, bound, e->ebuf.p, e->ebuf.len);
	if (ZSTD_isError(r))
		return diag_set(diag, SPOOR_ERR, "zstd: %s", ZSTD_getErrorName(r));
	/* a partial bundle may replace one a checkpoint covers: atomically */
	if (w != TILE_WIDTH)
		return ev_write_file(e->dir, rel, e->scratch.p, r, false, diag);
	return write_new(e->dir, rel, e->scratch.p, r, diag);
}

static int on_full(void *u, int level, uint64_t index, const uint8_t (*h)[32])
{
	spoor_evidence *e = u;
	char rel[128];
	tile_path(rel, sizeof(rel), level, index, 0);
	int rc = write_new(e->dir, rel, h, TILE_WIDTH * 32, e->diag);
	if (rc == 0 && level == 0) {
		rc = write_bundle(e, index, TILE_WIDTH, e->diag);
		buf_clear(&e->ebuf);
	}
	return rc;
}

static int sign_and_store(spoor_evidence *e, const uint8_t root[32], spoor_diag *diag)
{
	buf t, n;
	buf_init(&t, NOTE_MAX);
	buf_init(&n, NOTE_MAX);
	int rc = checkpoint_text(&t, e->cfg.origin, e->ts.size, root);
	if (rc == 0)
		rc = note_sign(&n, t.p, t.len, &e->key, diag);
	if (rc == 0)
		rc = ev_write_file(e->dir, "checkpoint", n.p, n.len, true, diag);
	char rel[64];
	snprintf(rel, sizeof(rel), "history/%020" PRIu64, e->ts.size);
	if (rc == 0)
		rc = ev_write_file(e->dir, rel, n.p, n.len, true, diag);
	buf_done(&t);
	buf_done(&n);
	return rc;
}

int spoor_evidence_checkpoint(spoor_evidence *e, spoor_diag *diag)
{
	e->diag = diag;
	if (e->ts.size == e->ckpt_size)
		return 0;
	char cur[TILE_LEVELS + 1][128];
	memset(cur, 0, sizeof(cur));
	int rc = 0;
	/* partial bundle and tiles of this size */
	unsigned w0 = (unsigned)(e->ts.size % TILE_WIDTH);
	if (w0) {
		tile_path(cur[TILE_LEVELS], sizeof(cur[0]), -1, e->ts.size / TILE_WIDTH, w0);
		rc = write_bundle(e, e->ts.size / TILE_WIDTH, w0, diag);
	}
	for (int l = 0; l < TILE_LEVELS && rc == 0; l++) {
		unsigned w = (unsigned)(e->ts.cnt[l] % TILE_WIDTH);
		if (!w)
			continue;
		tile_path(cur[l], sizeof(cur[0]), l, e->ts.cnt[l] / TILE_WIDTH, w);
		rc = ev_write_file(e->dir, cur[l], e->ts.h[l], (size_t)w * 32, false, diag);
	}
	if (rc < 0)
		return rc;
	/* everything the checkpoint covers reaches the disk before it */
	int dfd = open(e->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || syncfs(dfd) < 0) {
		int er = errno;
		if (dfd >= 0)
			close(dfd);
		return diag_set(diag, SPOOR_EIO, "%s: syncfs: %s", e->dir, strerror(er));
	}
	close(dfd);
	uint8_t root[32];
	tile_stack_root(&e->ts, root);
	if ((rc = sign_and_store(e, root, diag)) < 0)
		return rc;
	/* superseded partial files go (a crash here leaves harmless extras) */
	for (int i = 0; i <= TILE_LEVELS; i++) {
		if (e->prev_partial[i][0] && strcmp(e->prev_partial[i], cur[i]) != 0) {
			char p[PATH_CAP];
			snprintf(p, sizeof(p), "%s/%s", e->dir, e->prev_partial[i]);
			unlink(p);
		}
	}
	memcpy(e->prev_partial, cur, sizeof(cur));
	e->ckpt_size = e->ts.size;
	e->ckpt_time = mono();
	return 0;
}

static void hostname_key(char *out, size_t cap)
{
	char h[256] = "localhost";
	gethostname(h, sizeof(h) - 1);
	h[sizeof(h) - 1] = 0;
	for (char *p = h; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == '+' || (unsigned char)*p >= 0x7f)
			*p = '-';
	snprintf(out, cap, "spoor/%s", h);
}

int spoor_evidence_init(const char *dir, const char *key_name, spoor_diag *diag)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return diag_set(diag, SPOOR_EIO, "%s: %s", dir, strerror(errno));
	DIR *d = opendir(dir);
	if (!d)
		return diag_set(diag, SPOOR_EIO, "%s: %s", dir, strerror(errno));
	struct dirent *de;
	bool empty = true;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = false;
	closedir(d);
	if (!empty)
		return diag_set(diag, SPOOR_EINVAL, "%s: not empty; an evidence store starts in an empty directory",
				dir);
	char name[NOTE_MAX_NAME + 1];
	if (key_name)
		snprintf(name, sizeof(name), "%s", key_name);
	else
		hostname_key(name, sizeof(name));
	note_key k;
	int rc = note_key_generate(&k, name, NOTE_SIG_ED25519, diag);
	if (rc < 0)
		return rc;
	buf b;
	buf_init(&b, 1 << 16);
	rc = note_key_format_skey(&k, &b);
	if (rc == 0)
		rc = buf_addc(&b, '\n');
	if (rc == 0) {
		/* the signing key: owner-only from the first byte */
		char p[PATH_CAP];
		snprintf(p, sizeof(p), "%s/key", dir);
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, b.p, b.len) != (ssize_t)b.len || fsync(fd) < 0)
			rc = diag_set(diag, SPOOR_EIO, "%s: %s", p, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	buf_clear(&b);
	if (rc == 0)
		rc = note_key_format_vkey(&k, &b);
	if (rc == 0)
		rc = buf_addc(&b, '\n');
	if (rc == 0)
		rc = ev_write_file(dir, "vkey", b.p, b.len, true, diag);
	buf_clear(&b);
	if (rc == 0)
		rc = buf_printf(&b, "%s\norigin %s\n", EVIDENCE_FORMAT, name);
	if (rc == 0)
		rc = ev_write_file(dir, "spoor-evidence", b.p, b.len, true, diag);
	buf_done(&b);
	memset(&k, 0, sizeof(k));
	if (rc < 0)
		return rc;
	/* the empty tree's checkpoint */
	spoor_evidence *e;
	rc = spoor_evidence_open(&e, dir, NULL, diag);
	if (rc < 0)
		return rc;
	return spoor_evidence_close(e, diag);
}

static void ev_free(spoor_evidence *e)
{
	if (!e)
		return;
	if (e->lockfd >= 0)
		close(e->lockfd);
	buf_done(&e->ebuf);
	buf_done(&e->enc);
	buf_done(&e->scratch);
	ZSTD_freeCCtx(e->zc);
	memset(&e->key, 0, sizeof(e->key));
	free(e->dir);
	free(e);
}

/* Rebuild the in-memory state at the size of the stored checkpoint. */
static int recover(spoor_evidence *e, spoor_diag *diag)
{
	buf b, cb;
	buf_init(&b, NOTE_MAX + 1);
	buf_init(&cb, NOTE_MAX + 1);
	int rc = ev_read_file(e->dir, "checkpoint", &cb, NOTE_MAX, diag);
	if (rc == SPOOR_ENOTFOUND) {
		/* a store that never got its first checkpoint (crash in init) */
		buf_done(&b);
		buf_done(&cb);
		return 1;
	}
	note_parsed *np = xmalloc(sizeof(*np));
	checkpoint c;
	if (rc == 0 && !np)
		rc = diag_set(diag, SPOOR_ENOMEM, "out of memory");
	if (rc == 0)
		rc = note_parse(np, cb.p, cb.len, diag);
	if (rc == 0) {
		rc = note_verify(np, &e->cfg.vkey, 1, NULL, NULL, diag);
		if (rc == 0)
			rc = diag_set(diag, SPOOR_ECORRUPT, "checkpoint: no signature by the store's key");
		else if (rc > 0)
			rc = 0;
	}
	if (rc == 0)
		rc = checkpoint_parse(&c, np->text.p, np->text.n, diag);
	if (rc == 0 && !sv_eq_cstr(c.origin, e->cfg.origin))
		rc = diag_set(diag, SPOOR_ECORRUPT, "checkpoint: origin is not %s", e->cfg.origin);
	if (rc < 0)
		goto out;
	uint64_t s = c.size;
	e->ts.size = s;
	for (int l = 0; l < TILE_LEVELS; l++) {
		e->ts.cnt[l] = s >> (8 * l);
		unsigned w = (unsigned)(e->ts.cnt[l] % TILE_WIDTH);
		if (!w)
			continue;
		char rel[128];
		tile_path(rel, sizeof(rel), l, e->ts.cnt[l] / TILE_WIDTH, w);
		memcpy(e->prev_partial[l], rel, sizeof(rel));
		if ((rc = ev_read_file(e->dir, rel, &b, NOTE_MAX, diag)) < 0)
			goto out;
		if (b.len != (size_t)w * 32) {
			rc = diag_set(diag, SPOOR_ECORRUPT, "%s: %zu bytes, expected %u", rel, b.len, w * 32);
			goto out;
		}
		memcpy(e->ts.h[l], b.p, b.len);
	}
	unsigned w0 = (unsigned)(s % TILE_WIDTH);
	if (w0) {
		char rel[128];
		tile_path(rel, sizeof(rel), -1, s / TILE_WIDTH, w0);
		memcpy(e->prev_partial[TILE_LEVELS], rel, sizeof(rel));
		buf raw;
		buf_init(&raw, 64u << 20);
		rc = ev_read_file(e->dir, rel, &raw, 64u << 20, diag);
		if (rc == 0)
			rc = ev_bundle_decode(raw.p, raw.len, &e->ebuf, diag);
		buf_done(&raw);
		if (rc < 0)
			goto out;
	}
	/* the root from the partial tiles just read */
	uint8_t root[32];
	tile_stack_root(&e->ts, root);
	if (memcmp(root, c.root, 32) != 0) {
		rc = diag_set(diag, SPOOR_ECORRUPT,
			      "the stored tiles do not match the checkpoint (size %" PRIu64
			      "); `spoor evidence verify` says what changed",
			      s);
		goto out;
	}
	e->ckpt_size = s;
	/* a crash between `checkpoint` and history/ */
	char rel[64];
	snprintf(rel, sizeof(rel), "history/%020" PRIu64, s);
	char p[PATH_CAP];
	snprintf(p, sizeof(p), "%s/%s", e->dir, rel);
	if (access(p, F_OK) < 0)
		rc = ev_write_file(e->dir, rel, cb.p, cb.len, true, diag);
out:
	free(np);
	buf_done(&b);
	buf_done(&cb);
	return rc;
}

int spoor_evidence_open(spoor_evidence **out, const char *dir, const spoor_evidence_options *opts, spoor_diag *diag)
{
	*out = NULL;
	spoor_evidence *e = xcalloc(1, sizeof(*e));
	if (!e)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	e->lockfd = -1;
	spoor_evidence_options def = SPOOR_EVIDENCE_OPTIONS_INIT;
	e->o = opts ? *opts : def;
	if (e->o.zstd_level < -7 || e->o.zstd_level > 19)
		e->o.zstd_level = 0;
	e->dir = xstrndup(dir, strlen(dir));
	buf_init(&e->ebuf, 256u * (ENTRY_MAX + 2) + 1);
	buf_init(&e->enc, ENTRY_MAX + 16);
	buf_init(&e->scratch, 64u << 20);
	e->zc = ZSTD_createCCtx();
	if (e->zc) {
		/* level 0: level 1 whose literals are stored raw (the fast
		 * strategy's targetLength > 0 turns Huffman coding of literals
		 * off): decompressing Huffman-coded literals was a third of
		 * verify's zstd time on syslog lines (docs/internals/evidence.md) */
		ZSTD_CCtx_setParameter(e->zc, ZSTD_c_compressionLevel, e->o.zstd_level ? e->o.zstd_level : 1);
		if (!e->o.zstd_level)
			ZSTD_CCtx_setParameter(e->zc, ZSTD_c_targetLength, 1);
	}
	tile_stack_init(&e->ts);
	e->ts.on_full = on_full;
	e->ts.u = e;
	int rc = 0;
	if (!e->dir || !e->zc)
		rc = diag_set(diag, SPOOR_ENOMEM, "out of memory");
	if (rc == 0)
		rc = ev_config_load(dir, &e->cfg, diag);
	if (rc == 0) {
		char p[PATH_CAP];
		snprintf(p, sizeof(p), "%s/lock", dir);
		e->lockfd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (e->lockfd < 0)
			rc = diag_set(diag, SPOOR_EIO, "%s: %s", p, strerror(errno));
		else if (flock(e->lockfd, LOCK_EX | LOCK_NB) < 0)
			rc = diag_set(diag, SPOOR_EAGAIN, "%s: another process is appending to this store", dir);
	}
	if (rc == 0) {
		buf b;
		buf_init(&b, 4096);
		rc = ev_read_file(dir, "key", &b, 4096, diag);
		if (rc == 0)
			rc = note_key_parse_skey(&e->key, b.p, b.len, diag);
		memset(b.p ? b.p : (char *)&b, 0, b.p ? b.len : 0);
		buf_done(&b);
		if (rc == 0 && (e->key.id != e->cfg.vkey.id || memcmp(e->key.pub, e->cfg.vkey.pub, 32)))
			rc = diag_set(diag, SPOOR_EINVAL, "%s/key does not match %s/vkey", dir, dir);
	}
	if (rc == 0)
		rc = recover(e, diag);
	if (rc == 1) {
		/* no checkpoint yet: sign the empty tree */
		rc = 0;
		e->ckpt_size = UINT64_MAX;
		uint8_t root[32];
		tlog_empty_root(root);
		rc = sign_and_store(e, root, diag);
		e->ckpt_size = 0;
	}
	if (rc < 0) {
		ev_free(e);
		return rc;
	}
	e->ckpt_time = mono();
	*out = e;
	return 0;
}

static int store_blob(spoor_evidence *e, spoor_sv raw, uint8_t h[32], spoor_diag *diag)
{
	SHA256((const unsigned char *)raw.p, raw.n, h);
	char rel[80] = "blobs/";
	for (int i = 0; i < 32; i++)
		snprintf(rel + 6 + 2 * i, 3, "%02x", h[i]);
	char p[PATH_CAP];
	snprintf(p, sizeof(p), "%s/%s", e->dir, rel);
	if (access(p, F_OK) == 0)
		return 0;
	return ev_write_file(e->dir, rel, raw.p, raw.n, false, diag);
}

int spoor_evidence_append(spoor_evidence *e, const spoor_evidence_record *r, uint64_t *leaf, spoor_diag *diag)
{
	e->diag = diag;
	leaf_entry le = {0};
	le.kind = LEAF_INLINE;
	le.ingest_ns = e->o.ingest_ns ? e->o.ingest_ns : now_ns();
	le.offset = r->offset;
	le.line = r->line;
	le.record_id = r->record_id;
	le.flags = r->rejected ? LEAF_F_REJECTED : 0;
	le.format = sv_cstr(r->format ? r->format : "");
	le.path = sv_cstr(r->path ? r->path : "");
	if (le.path.n > 4096)
		le.path.n = 4096; /* documented cap; the offset still points into it */
	le.record = r->raw;
	buf_clear(&e->enc);
	if (buf_reserve(&e->enc, 2) < 0)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	e->enc.len = 2; /* room for the uint16 length */
	int rc = leaf_encode(&e->enc, &le);
	uint8_t bh[32];
	if (rc == SPOOR_ELIMIT) {
		if ((rc = store_blob(e, r->raw, bh, diag)) < 0)
			return rc;
		le.kind = LEAF_BLOB;
		le.record = sv_make((const char *)bh, 32);
		le.blob_len = r->raw.n;
		e->enc.len = 2;
		rc = leaf_encode(&e->enc, &le);
	}
	if (rc < 0)
		return diag_set(diag, rc, "cannot encode the leaf entry");
	size_t n = e->enc.len - 2;
	e->enc.p[0] = (char)(n >> 8);
	e->enc.p[1] = (char)n;
	uint8_t h[32];
	tlog_leaf_hash(e->enc.p + 2, n, h);
	if ((rc = buf_add(&e->ebuf, e->enc.p, e->enc.len)) < 0)
		return diag_set(diag, rc, "out of memory");
	if (leaf)
		*leaf = e->ts.size;
	if ((rc = tile_stack_add(&e->ts, h)) < 0)
		return rc;
	uint64_t since = e->ts.size - e->ckpt_size;
	if ((e->o.checkpoint_records && since >= e->o.checkpoint_records) ||
	    (e->o.checkpoint_seconds > 0 && (since & 63) == 0 && mono() - e->ckpt_time >= e->o.checkpoint_seconds))
		return spoor_evidence_checkpoint(e, diag);
	return 0;
}

int spoor_evidence_append_event(spoor_evidence *e, const spoor_event *ev, uint64_t *leaf, spoor_diag *diag)
{
	const spoor_origin *o = spoor_event_origin(ev);
	spoor_evidence_record r = {0};
	r.raw = spoor_event_raw(ev);
	r.path = o->path;
	r.format = spoor_event_format(ev);
	r.offset = o->offset;
	r.line = o->line;
	r.record_id = o->record_id;
	return spoor_evidence_append(e, &r, leaf, diag);
}

uint64_t spoor_evidence_size(const spoor_evidence *e)
{
	return e->ts.size;
}

uint64_t spoor_evidence_checkpointed(const spoor_evidence *e)
{
	return e->ckpt_size;
}

int spoor_evidence_close(spoor_evidence *e, spoor_diag *diag)
{
	if (!e)
		return 0;
	int rc = spoor_evidence_checkpoint(e, diag);
	ev_free(e);
	return rc;
}
