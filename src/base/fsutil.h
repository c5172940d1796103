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
 * SigmaHQ tree cache and database cache, 6-8 MB each), mapped
 * (MAP_PRIVATE, prefaulted): its bytes are the page cache's pages, which
 * hold the file already.  Reading it into fresh memory instead (huge
 * pages, version 4) was slower where it counts: fresh memory is zeroed
 * first, and on a VM that hands free memory back to its host (virtio
 * balloon free page reporting) that cost 1.5-2.6 ms per MB in a hunt run
 * a few seconds after the last one (docs/internals/sigma.md).  A mapped
 * file can raise SIGBUS when another process truncates it meanwhile;
 * spoor replaces its cache files by rename and never truncates them.
 * 0 with v set, or SPOOR_ENOTFOUND, SPOOR_EIO, SPOOR_ELIMIT (not a
 * regular file, empty, or over max); release with file_view_close. */
typedef struct file_view {
	const unsigned char *p;
	size_t len; /* the file's size */
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
