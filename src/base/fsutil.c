/* fsutil — small file-system helpers the library shares (fsutil.h). */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "base/base.h"
#include "base/buf.h"
#include "base/fsutil.h"

char *file_slurp(const char *path, size_t max, size_t *len, int *err)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		*err = errno == ENOENT ? SPOOR_ENOTFOUND : SPOOR_EIO;
		return NULL;
	}
	buf b;
	buf_init(&b, max);
	char tmp[16384];
	size_t got;
	int rc = 0;
	while (rc == 0 && (got = fread(tmp, 1, sizeof(tmp), fp)) > 0)
		rc = buf_add(&b, tmp, got);
	if (rc == 0 && ferror(fp))
		rc = SPOOR_EIO;
	if (rc == 0 && !b.p)
		rc = buf_add(&b, "", 0);
	fclose(fp);
	if (rc < 0) {
		buf_done(&b);
		*err = rc;
		return NULL;
	}
	*len = b.len;
	return b.p;
}

int mkdir_parents(char *path, size_t from, mode_t mode)
{
	for (char *s = path + from + (path[from] == '/'); *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		int r = mkdir(path, mode);
		int e = errno;
		*s = '/';
		if (r < 0 && e != EEXIST) {
			errno = e;
			return SPOOR_EIO;
		}
	}
	return 0;
}
