/* fsutil — small file-system helpers the library shares (fsutil.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

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

int file_write_atomic(const char *path, const void *p, size_t n, mode_t mode)
{
	char tmp[4200];
	int tn = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	if (tn <= 0 || (size_t)tn >= sizeof(tmp))
		return SPOOR_EIO;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return SPOOR_EIO;
	const char *b = p;
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(fd, b + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	bool done = off == n;
	if (close(fd) < 0)
		done = false;
	if (done && rename(tmp, path) == 0)
		return 0;
	unlink(tmp);
	return SPOOR_EIO;
}
