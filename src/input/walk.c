/* walk — expand paths and directories into a sorted list of files. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base.h"
#include "input/input.h"

static int push(pathlist *pl, char *p)
{
	if (pl->n == pl->cap) {
		size_t ncap = pl->cap ? pl->cap * 2 : 16;
		char **v = xreallocarray(pl->v, ncap, sizeof(*v));
		if (!v) {
			free(p);
			return SPOOR_ENOMEM;
		}
		pl->v = v;
		pl->cap = ncap;
	}
	pl->v[pl->n++] = p;
	return 0;
}

/* A directory entry: its name and readdir's d_type (DT_UNKNOWN when the
 * file system does not say). */
typedef struct dent {
	char *name;
	unsigned char type;
} dent;

static int cmp_dent(const void *a, const void *b)
{
	return strcmp(((const dent *)a)->name, ((const dent *)b)->name);
}

static int walk_dir(pathlist *pl, const char *dir, unsigned depth, unsigned max_depth, spoor_diag *diag, int *first_err)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (!*first_err)
			*first_err = diag_set(diag, SPOOR_EIO, "%s: cannot open directory: %s", dir, strerror(errno));
		return 0;
	}
	dent *names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			dent *v = xreallocarray(names, ncap, sizeof(*v));
			if (!v) {
				rc = SPOOR_ENOMEM;
				break;
			}
			names = v;
			cap = ncap;
		}
		names[n].name = xstrndup(e->d_name, strlen(e->d_name));
		names[n].type = e->d_type;
		if (!names[n].name) {
			rc = SPOOR_ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_dent);
	size_t dl = strlen(dir);
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t len = dl + 1 + strlen(names[i].name) + 1;
		char *full = xmalloc(len);
		if (!full) {
			rc = SPOOR_ENOMEM;
			break;
		}
		snprintf(full, len, "%s%s%s", dir, dir[dl - 1] == '/' ? "" : "/", names[i].name);
		/* readdir's type saves an lstat per file (a rule folder holds
		 * thousands); links and unknown types are looked at */
		struct stat st;
		bool known = names[i].type == DT_DIR || names[i].type == DT_REG;
		if (known)
			st.st_mode = names[i].type == DT_DIR ? S_IFDIR : S_IFREG;
		if (!known && lstat(full, &st) != 0) {
			free(full);
			continue;
		}
		if (S_ISLNK(st.st_mode)) {
			/* Follow links to files, never to directories (no loops). */
			if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
				free(full);
				continue;
			}
		}
		if (S_ISDIR(st.st_mode)) {
			if (depth + 1 > max_depth) {
				if (!*first_err)
					*first_err = diag_set(diag, SPOOR_ELIMIT, "%s: deeper than %u directories", full, max_depth);
				free(full);
				continue;
			}
			rc = walk_dir(pl, full, depth + 1, max_depth, diag, first_err);
			free(full);
		} else if (S_ISREG(st.st_mode)) {
			rc = push(pl, full);
		} else {
			free(full);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i].name);
	free(names);
	return rc;
}

int pathlist_add(pathlist *pl, const char *path, unsigned max_depth, spoor_diag *diag)
{
	struct stat st;
	int first_err = 0;
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		int rc = walk_dir(pl, path, 0, max_depth, diag, &first_err);
		return rc < 0 ? rc : first_err;
	}
	/* Files (and missing paths: the scanner reports those when it opens them). */
	char *p = xstrndup(path, strlen(path));
	if (!p)
		return SPOOR_ENOMEM;
	return push(pl, p);
}

void pathlist_done(pathlist *pl)
{
	for (size_t i = 0; i < pl->n; i++)
		free(pl->v[i]);
	free(pl->v);
	memset(pl, 0, sizeof(*pl));
}
