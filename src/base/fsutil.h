/* fsutil — small file-system helpers the library shares. */
#ifndef SPOOR_BASE_FSUTIL_H
#define SPOOR_BASE_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* A whole file in a malloc'ed buffer (never NULL on
 * success, even when empty); *len its size.  NULL with *err =
 * SPOOR_ENOTFOUND, SPOOR_EIO, SPOOR_ENOMEM or SPOOR_ELIMIT (over max). */
char *file_slurp(const char *path, size_t max, size_t *len, int *err);

/* A whole regular file mapped read-only (MAP_PRIVATE, prefaulted), for
 * spoor's own cache files: the page cache's pages are used as they are,
 * nothing is copied and no fresh memory is zeroed (reading the 8 MB of
 * the SigmaHQ caches into buffers cost ~10 ms of a ~170 ms start-up).
 * Only for files spoor replaces by rename and never truncates: another
 * process truncating the file while it is mapped would raise SIGBUS.
 * NULL with *err = SPOOR_ENOTFOUND, SPOOR_EIO, SPOOR_ELIMIT (not a
 * regular file, empty, or over max); release with file_unmap. */
const unsigned char *file_map(const char *path, size_t max, size_t *len, int *err);
void file_unmap(const void *p, size_t len);

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
