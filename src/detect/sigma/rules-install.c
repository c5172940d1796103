/* rules-install — `spoor rules update`: install or refresh a Sigma rule
 * set in a folder, from a rule folder (a SigmaHQ checkout) or a .zip /
 * .tar / .tar.gz archive (a SigmaHQ release, a GitHub tarball).
 *
 *   1. read the source: the rule files (*.yml, *.yaml) and top-level
 *      LICENSE / README files; an archive's single top folder
 *      (sigma-master/) is dropped; in the SigmaHQ layout only the rules*
 *      folders are kept (not deprecated/, unsupported/, tests/);
 *   2. write them to a staging folder beside the destination;
 *   3. verify it is a Sigma rule tree: at least one detection rule loads
 *      and at least 90% of the rule files load; otherwise nothing changes;
 *   4. count added / changed / removed / unchanged files against the
 *      installed set;
 *   5. swap the staging folder in (renameat2 RENAME_EXCHANGE: readers see
 *      the old set or the new one, never a mix or nothing) and delete the
 *      old set.
 *
 * The destination carries a marker (.spoor-rules); an existing,
 * non-empty folder without it is never replaced.  A URL source is
 * refused here (no network); a downloader would fetch to a file and call
 * this with the file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "detect/sigma/rules-archive.h"
#include "detect/sigma/sigma-int.h"
#include "input/input.h"
#include "spoor/rules.h"
#include "spoor/scan.h"

#define INSTALL_MAX_ARCHIVE ((size_t)512 << 20)
#define MARKER		    ".spoor-rules"

typedef struct ientry {
	char *path; /* relative */
	char *data;
	size_t n;
} ientry;

typedef struct ilist {
	ientry *v;
	size_t n, cap;
	uint64_t bytes;
} ilist;

static void ilist_done(ilist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].data);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static bool is_rule_name(const char *p, size_t n)
{
	return (n > 4 && !memcmp(p + n - 4, ".yml", 4)) || (n > 5 && !memcmp(p + n - 5, ".yaml", 5));
}

static int ilist_push(ilist *l, const char *path, size_t pn, const char *data, size_t n)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 1024;
		ientry *v = xreallocarray(l->v, nc, sizeof(*v));
		if (!v)
			return SPOOR_ENOMEM;
		l->v = v;
		l->cap = nc;
	}
	ientry *e = &l->v[l->n];
	e->path = xstrndup(path, pn);
	e->data = xmalloc(n ? n : 1);
	if (!e->path || !e->data) {
		free(e->path);
		free(e->data);
		return SPOOR_ENOMEM;
	}
	memcpy(e->data, data, n);
	e->n = n;
	l->n++;
	l->bytes += n;
	return 0;
}

static int on_member(void *payload, const char *name, size_t nn, const char *data, uint64_t n)
{
	ilist *l = payload;
	const char *base = name;
	for (size_t i = 0; i < nn; i++)
		if (name[i] == '/')
			base = name + i + 1;
	size_t bn = (size_t)(name + nn - base);
	bool keep = is_rule_name(name, nn) || (bn >= 7 && !memcmp(base, "LICENSE", 7)) ||
		    (bn >= 6 && !memcmp(base, "README", 6));
	if (!keep || !data)
		return 0; /* evtx samples, images, ...: not installed */
	return ilist_push(l, name, nn, data, (size_t)n);
}

/* Drop a single top folder every path shares (sigma-master/...). */
static void strip_top(ilist *l)
{
	if (!l->n)
		return;
	const char *s = strchr(l->v[0].path, '/');
	if (!s)
		return;
	size_t k = (size_t)(s - l->v[0].path) + 1;
	for (size_t i = 1; i < l->n; i++)
		if (strncmp(l->v[i].path, l->v[0].path, k))
			return;
	for (size_t i = 0; i < l->n; i++)
		memmove(l->v[i].path, l->v[i].path + k, strlen(l->v[i].path + k) + 1);
}

static bool first_seg_rules(const char *p)
{
	return !strncmp(p, "rules/", 6) || (!strncmp(p, "rules-", 6) && strchr(p, '/'));
}

static bool hidden(const char *p)
{
	if (p[0] == '.')
		return true;
	return strstr(p, "/.") != NULL;
}

/* Keep what gets installed: in the SigmaHQ layout the rules* folders and
 * the top-level LICENSE/README; else every rule file. */
static void select_entries(ilist *l)
{
	bool sigmahq = false;
	for (size_t i = 0; i < l->n && !sigmahq; i++)
		sigmahq = first_seg_rules(l->v[i].path);
	size_t o = 0;
	for (size_t i = 0; i < l->n; i++) {
		ientry *e = &l->v[i];
		bool top = !strchr(e->path, '/');
		bool rule = is_rule_name(e->path, strlen(e->path));
		bool keep = !hidden(e->path) && *e->path &&
			    (sigmahq ? (first_seg_rules(e->path) && rule) || (top && !rule) : rule || top);
		if (keep) {
			l->v[o++] = *e;
		} else {
			free(e->path);
			free(e->data);
		}
	}
	l->n = o;
}

static int read_file(const char *path, size_t max, char **out, size_t *outn, spoor_diag *diag)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return diag_set(diag, errno == ENOENT ? SPOOR_ENOTFOUND : SPOOR_EIO, "%s: %s", path, strerror(errno));
	buf b;
	buf_init(&b, max);
	char tmp[65536];
	int rc = 0;
	for (;;) {
		ssize_t r = read(fd, tmp, sizeof(tmp));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = diag_set(diag, SPOOR_EIO, "%s: %s", path, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		if ((rc = buf_add(&b, tmp, (size_t)r)) < 0) {
			rc = rc == SPOOR_ENOMEM ? diag_set(diag, rc, "out of memory")
						: diag_set(diag, rc, "%s: larger than %zu MiB", path, max >> 20);
			break;
		}
	}
	close(fd);
	if (rc < 0) {
		buf_done(&b);
		return rc;
	}
	if (!b.p && buf_add(&b, "", 0) < 0)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	*out = b.p;
	*outn = b.len;
	return 0;
}

/* Every file below dir (relative names), as on_member sees archive members. */
static int read_dir(const char *dir, ilist *l, spoor_diag *diag)
{
	pathlist pl = {0};
	int rc = pathlist_add(&pl, dir, 32, diag);
	size_t dl = strlen(dir);
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	for (size_t i = 0; i < pl.n && rc == 0; i++) {
		const char *f = pl.v[i];
		if (strncmp(f, dir, dl) || f[dl] != '/')
			continue;
		const char *rel = f + dl + 1;
		if (hidden(rel))
			continue;
		size_t rn = strlen(rel);
		struct stat st;
		if (stat(f, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > ARC_MAX_FILE) {
			continue;
		}
		if (!on_member(l, rel, rn, "", 0) && l->n && !strcmp(l->v[l->n - 1].path, rel)) {
			/* kept: read its bytes */
			ientry *e = &l->v[l->n - 1];
			free(e->data);
			e->data = NULL;
			l->bytes -= e->n;
			rc = read_file(f, ARC_MAX_FILE, &e->data, &e->n, diag);
			if (rc < 0) {
				free(e->path);
				l->n--;
				break;
			}
			l->bytes += e->n;
			if (l->bytes > ARC_MAX_TOTAL)
				rc = diag_set(diag, SPOOR_ELIMIT, "%s: more than %u MiB of rule files", dir,
					      ARC_MAX_TOTAL >> 20);
		}
	}
	pathlist_done(&pl);
	return rc;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p) < 0 && errno != ENOENT ? -1 : 0;
}

static void rm_tree(const char *p)
{
	nftw(p, rm_cb, 32, FTW_DEPTH | FTW_PHYS);
}

static int mkdirs(char *p, spoor_diag *diag)
{
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		int r = mkdir(p, 0755);
		int e = errno;
		*s = '/';
		if (r < 0 && e != EEXIST)
			return diag_set(diag, SPOOR_EIO, "cannot create %.*s: %s", (int)(s - p), p, strerror(e));
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return diag_set(diag, SPOOR_EIO, "cannot create %s: %s", p, strerror(errno));
	return 0;
}

static int write_tree(const char *root, const ilist *l, spoor_diag *diag)
{
	size_t rl = strlen(root);
	for (size_t i = 0; i < l->n; i++) {
		const ientry *e = &l->v[i];
		size_t pl = strlen(e->path);
		char *full = xmalloc(rl + pl + 2);
		if (!full)
			return diag_set(diag, SPOOR_ENOMEM, "out of memory");
		memcpy(full, root, rl);
		full[rl] = '/';
		memcpy(full + rl + 1, e->path, pl + 1);
		char *slash = strrchr(full, '/');
		int rc = 0;
		if (slash > full + rl) {
			*slash = 0;
			rc = mkdirs(full, diag);
			*slash = '/';
		}
		int fd = rc < 0 ? -1 : open(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (rc == 0 && fd < 0)
			rc = diag_set(diag, SPOOR_EIO, "cannot create %s: %s", full, strerror(errno));
		size_t off = 0;
		while (rc == 0 && off < e->n) {
			ssize_t w = write(fd, e->data + off, e->n - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				rc = diag_set(diag, SPOOR_EIO, "cannot write %s: %s", full, strerror(errno));
			else
				off += (size_t)w;
		}
		if (fd >= 0 && close(fd) < 0 && rc == 0)
			rc = diag_set(diag, SPOOR_EIO, "cannot write %s: %s", full, strerror(errno));
		free(full);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Load the staged tree: a Sigma rule tree has at least one detection
 * rule and at least 90% of its rule files load. */
static int verify(const char *root, const ilist *l, spoor_rules_install_stats *st, spoor_diag *diag)
{
	uint64_t nrule_files = 0;
	for (size_t i = 0; i < l->n; i++)
		nrule_files += is_rule_name(l->v[i].path, strlen(l->v[i].path));
	if (!nrule_files)
		return diag_set(diag, SPOOR_EPARSE, "not a Sigma rule tree: no *.yml rule files");
	spoor_ctx *ctx = NULL;
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	spoor_rules_options ro = SPOOR_RULES_OPTIONS_INIT;
	spoor_ruleset *rs = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	int rc = spoor_ctx_new(&ctx, &co, &d);
	if (rc == 0)
		rc = spoor_ruleset_new(&rs, ctx, &ro, &d);
	if (rc == 0)
		rc = spoor_ruleset_add(rs, root, &d);
	if (rc < 0) {
		spoor_ruleset_free(rs);
		spoor_ctx_free(ctx);
		return diag_set(diag, rc, "%s", d.msg);
	}
	spoor_rules_stats rst;
	spoor_ruleset_stats(rs, &rst);
	st->rules = rst.detection;
	st->failed = rst.failed + rst.files_bad;
	st->files = nrule_files;
	spoor_ruleset_free(rs);
	spoor_ctx_free(ctx);
	if (!rst.detection)
		return diag_set(diag, SPOOR_EPARSE,
				"not a Sigma rule tree: none of its %" PRIu64 " .yml files is a Sigma "
				"detection rule",
				nrule_files);
	if (st->failed * 10 > nrule_files)
		return diag_set(diag, SPOOR_EPARSE,
				"not a Sigma rule tree: %" PRIu64 " of %" PRIu64
				" rule files do not load (spoor rules check shows why)",
				st->failed, nrule_files);
	return 0;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const ientry *)a)->path, ((const ientry *)b)->path);
}

/* Compare with the installed files. */
static int diff_with(const char *dest, const ilist *l, spoor_rules_install_stats *st, spoor_diag *diag)
{
	ilist old = {0};
	struct stat sb;
	if (stat(dest, &sb) < 0) {
		st->added = l->n;
		return 0;
	}
	int rc = read_dir(dest, &old, diag);
	if (rc < 0) {
		ilist_done(&old);
		return rc;
	}
	if (old.n > 1)
		qsort(old.v, old.n, sizeof(*old.v), cmp_path);
	size_t i = 0, j = 0;
	while (i < l->n || j < old.n) {
		int c = i == l->n ? 1 : j == old.n ? -1 : strcmp(l->v[i].path, old.v[j].path);
		if (c < 0) {
			st->added++;
			i++;
		} else if (c > 0) {
			st->removed++;
			j++;
		} else {
			const ientry *e = &l->v[i++], *o = &old.v[j++];
			if (o->n != e->n || memcmp(o->data, e->data, e->n))
				st->changed++;
			else
				st->unchanged++;
		}
	}
	ilist_done(&old);
	return 0;
}

/* May dest be replaced: absent, empty, or installed by us. */
static int dest_ok(const char *dest, spoor_diag *diag)
{
	struct stat sb;
	if (lstat(dest, &sb) < 0)
		return errno == ENOENT ? 0 : diag_set(diag, SPOOR_EIO, "%s: %s", dest, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return diag_set(diag, SPOOR_EINVAL, "%s exists and is not a folder", dest);
	size_t n = strlen(dest);
	char *m = xmalloc(n + sizeof(MARKER) + 1);
	if (!m)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	snprintf(m, n + sizeof(MARKER) + 1, "%s/%s", dest, MARKER);
	bool marked = access(m, F_OK) == 0;
	free(m);
	if (marked)
		return 0;
	DIR *d = opendir(dest);
	if (!d)
		return diag_set(diag, SPOOR_EIO, "%s: %s", dest, strerror(errno));
	bool empty = true;
	struct dirent *de;
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	if (!empty)
		return diag_set(diag, SPOOR_EINVAL,
				"%s is not empty and was not installed by spoor rules update: not replaced", dest);
	return 0;
}

SPOOR_API int spoor_rules_install(const char *dest, const char *from, unsigned flags, spoor_rules_install_stats *st,
				  spoor_diag *diag)
{
	memset(st, 0, sizeof(*st));
	if (!dest || !*dest || !from || !*from)
		return diag_set(diag, SPOOR_EINVAL, "spoor_rules_install: no destination or source");
	if (!strncmp(from, "http://", 7) || !strncmp(from, "https://", 8))
		return diag_set(diag, SPOOR_EINVAL,
				"%s: downloading is not built in; fetch the archive and give its path", from);
	int rc = dest_ok(dest, diag);
	if (rc < 0)
		return rc;
	struct stat sb;
	if (stat(from, &sb) < 0)
		return diag_set(diag, errno == ENOENT ? SPOOR_ENOTFOUND : SPOOR_EIO, "%s: %s", from, strerror(errno));
	ilist l = {0};
	if (S_ISDIR(sb.st_mode)) {
		snprintf(st->source_kind, sizeof(st->source_kind), "folder");
		rc = read_dir(from, &l, diag);
	} else {
		char *data = NULL;
		size_t n = 0;
		rc = read_file(from, INSTALL_MAX_ARCHIVE, &data, &n, diag);
		if (rc == 0) {
			int k = arc_kind(data, n);
			snprintf(st->source_kind, sizeof(st->source_kind), "%s",
				 k == ARC_ZIP	? "zip"
				 : k == ARC_TAR ? "tar"
				 : k == ARC_TGZ ? "tar.gz"
						: "?");
			spoor_diag d = SPOOR_DIAG_INIT;
			rc = arc_each(data, n, on_member, &l, &d);
			if (rc < 0)
				diag_set(diag, rc, "%s: %s", from, d.msg);
			else
				strip_top(&l);
		}
		free(data);
	}
	if (rc == 0) {
		select_entries(&l);
		if (l.n > 1)
			qsort(l.v, l.n, sizeof(*l.v), cmp_path);
	}
	/* staging folder beside dest */
	size_t dn = strlen(dest);
	char *stage = xmalloc(dn + 32);
	char *parent = xstrndup(dest, dn);
	if (!stage || !parent) {
		free(stage);
		free(parent);
		ilist_done(&l);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	snprintf(stage, dn + 32, "%s.new-%ld", dest, (long)getpid());
	char *sl = strrchr(parent, '/');
	if (rc == 0 && sl && sl != parent) {
		*sl = 0;
		rc = mkdirs(parent, diag);
	}
	free(parent);
	rm_tree(stage);
	if (rc == 0 && mkdir(stage, 0755) < 0)
		rc = diag_set(diag, SPOOR_EIO, "cannot create %s: %s", stage, strerror(errno));
	bool staged = rc == 0;
	if (rc == 0)
		rc = write_tree(stage, &l, diag);
	if (rc == 0)
		rc = verify(stage, &l, st, diag);
	if (rc == 0)
		rc = diff_with(dest, &l, st, diag);
	if (rc == 0) {
		/* the marker: where the set came from */
		char mp[4096];
		snprintf(mp, sizeof(mp), "%s/%s", stage, MARKER);
		FILE *f = fopen(mp, "w");
		if (!f) {
			rc = diag_set(diag, SPOOR_EIO, "cannot create %s: %s", mp, strerror(errno));
		} else {
			fprintf(f,
				"source: %s\nsource_kind: %s\ninstalled: %lld\nrule_files: %" PRIu64 "\nrules: %" PRIu64
				"\n",
				from, st->source_kind, (long long)time(NULL), st->files, st->rules);
			if (fclose(f) != 0)
				rc = diag_set(diag, SPOOR_EIO, "cannot write %s", mp);
		}
	}
	if (rc == 0 && !(flags & SPOOR_RULES_INSTALL_DRY_RUN)) {
		struct stat ds;
		if (stat(dest, &ds) < 0) {
			if (rename(stage, dest) < 0)
				rc = diag_set(diag, SPOOR_EIO, "cannot rename %s to %s: %s", stage, dest,
					      strerror(errno));
			else
				staged = false;
		} else if (renameat2(AT_FDCWD, stage, AT_FDCWD, dest, RENAME_EXCHANGE) == 0) {
			/* stage now holds the old set */
		} else {
			/* no RENAME_EXCHANGE here: two renames (a moment with no set) */
			char *old = xmalloc(dn + 32);
			if (!old) {
				rc = diag_set(diag, SPOOR_ENOMEM, "out of memory");
			} else {
				snprintf(old, dn + 32, "%s.old-%ld", dest, (long)getpid());
				rm_tree(old);
				if (rename(dest, old) < 0) {
					rc = diag_set(diag, SPOOR_EIO, "cannot move %s aside: %s", dest,
						      strerror(errno));
				} else if (rename(stage, dest) < 0) {
					rc = diag_set(diag, SPOOR_EIO, "cannot rename %s to %s: %s", stage, dest,
						      strerror(errno));
					rename(old, dest);
				} else {
					rm_tree(old);
				}
				free(old);
			}
		}
	}
	if (staged)
		rm_tree(stage);
	free(stage);
	ilist_done(&l);
	return rc;
}
