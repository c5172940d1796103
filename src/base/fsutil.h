/* fsutil — small file-system helpers the library shares. */
#ifndef SPOOR_BASE_FSUTIL_H
#define SPOOR_BASE_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* A whole file in a malloc'ed buffer (never NULL on
 * success, even when empty); *len its size.  NULL with *err =
 * SPOOR_ENOTFOUND, SPOOR_EIO, SPOOR_ENOMEM or SPOOR_ELIMIT (over max). */
char *file_slurp(const char *path, size_t max, size_t *len, int *err);

/* A whole regular file, read only, for spoor's own cache files (the
 * SigmaHQ tree cache and database cache, 6-8 MB each):
 * - from FILE_VIEW_HUGE bytes on, when the kernel hands out transparent
 *   huge pages, read into fresh 2 MiB pages (then made read only);
 * - otherwise mapped (MAP_PRIVATE, prefaulted): the page cache's pages.
 * On a virtual machine every 4 KiB page a process touches first costs a
 * trap: reading the 7.9 MB database cache through its mapping took
 * 4.0-5.1 ms there, reading it into huge pages 2.4-2.9 ms (copy and
 * check together; docs/internals/sigma.md).  Only a mapped file can
 * raise SIGBUS, when another process truncates it meanwhile; spoor
 * replaces its cache files by rename and never truncates them.
 * 0 with v set, or SPOOR_ENOTFOUND, SPOOR_EIO, SPOOR_ELIMIT (not a
 * regular file, empty, or over max); release with file_view_close. */
#define FILE_VIEW_HUGE (1u << 20)
typedef struct file_view {
	const unsigned char *p;
	size_t len;  /* the file's size */
	size_t span; /* what file_view_close unmaps */
} file_view;
int file_view_open(file_view *v, const char *path, size_t max);
void file_view_close(file_view *v);

struct buf;
/* Append what is left of fd to b (NUL-terminated), read straight into
 * the buffer: one allocation when fstat knows the size.  0, SPOOR_EIO,
 * SPOOR_ENOMEM or SPOOR_ELIMIT (more than b's max). */
int file_read_fd(int fd, struct buf *b);

/* Create every directory path names up to each '/' after offset from
 * (path is changed and restored; the last component is not created).
 * 0, or SPOOR_EIO with errno set. */
int mkdir_parents(char *path, size_t from, mode_t mode);

/* Write n bytes of p to path through a temporary file (path.PID.tmp)
 * renamed into place: a reader never sees a half-written file and
 * concurrent writers do not clash.  0, or SPOOR_EIO (the temporary file
 * removed). */
int file_write_atomic(const char *path, const void *p, size_t n, mode_t mode);

#endif
