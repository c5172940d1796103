/* fsutil — small file-system helpers the library shares (fsutil.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "base/buf.h"
#include "base/fsutil.h"

int file_read_fd(int fd, buf *b)
{
	struct stat st;
	/* the size as a hint: one allocation, and the read that sees EOF */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		size_t want = (size_t)st.st_size + 1;
		int r = buf_reserve(b, MIN(want, b->max - b->len));
		if (r < 0)
			return r;
	}
	for (;;) {
		size_t left = b->max - b->len;
		ssize_t got;
		if (!left) {
			/* at the limit: one more byte says whether there is more */
			char c;
			while ((got = read(fd, &c, 1)) < 0 && errno == EINTR)
				;
			if (got < 0)
				return SPOOR_EIO;
			if (got == 0)
				break;
			b->toobig = true;
			return SPOOR_ELIMIT;
		}
		if (b->cap - b->len < 2) {
			int r = buf_reserve(b, MIN((size_t)16384, left));
			if (r < 0)
				return r;
		}
		while ((got = read(fd, b->p + b->len, MIN(b->cap - b->len - 1, left))) < 0 && errno == EINTR)
			;
		if (got < 0)
			return SPOOR_EIO;
		if (got == 0)
			break;
		b->len += (size_t)got;
	}
	if (!b->p) {
		int r = buf_reserve(b, 0);
		if (r < 0)
			return r;
	}
	b->p[b->len] = 0;
	return 0;
}

char *file_slurp(const char *path, size_t max, size_t *len, int *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = errno == ENOENT ? SPOOR_ENOTFOUND : SPOOR_EIO;
		return NULL;
	}
	buf b;
	buf_init(&b, max);
	int rc = file_read_fd(fd, &b);
	close(fd);
	if (rc < 0) {
		buf_done(&b);
		*err = rc;
		return NULL;
	}
	*len = b.len;
	return b.p;
}

int file_view_open(file_view *v, const char *path, size_t max)
{
	v->p = NULL;
	v->len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? SPOOR_ENOTFOUND : SPOOR_EIO;
	struct stat st;
	int rc = SPOOR_EIO;
	if (fstat(fd, &st) == 0) {
		size_t len = (size_t)st.st_size;
		if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > max) {
			rc = SPOOR_ELIMIT;
		} else {
			void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
			if (p != MAP_FAILED) {
				v->p = p;
				v->len = len;
				rc = 0;
			}
		}
	}
	close(fd);
	return rc;
}

void file_view_close(file_view *v)
{
	if (v->p)
		munmap((void *)(uintptr_t)v->p, v->len);
	v->p = NULL;
	v->len = 0;
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
